//! BigQuery's NUMERIC division, made explicit before translation.
//!
//! In BigQuery a division with a NUMERIC operand and no FLOAT64 one (`amount / 40`,
//! `SAFE_DIVIDE(SUM(amount), COUNT(*))`) is a NUMERIC: the quotient to 9 decimal places. DuckDB
//! divides DECIMALs into a DOUBLE, so a quotient that is exactly halfway at the rounding place
//! (351947 / 40 = 8798.675) arrives as 8798.67499…, and `ROUND(…, 2)` goes the wrong way. The
//! translation is given no types, so this pass, which is, reads the operands' kinds and wraps
//! each such division in `CAST(… AS NUMERIC)`: the identity in BigQuery, and in DuckDB a cast of
//! the DOUBLE back to DECIMAL(38, 9), which is the NUMERIC quotient wherever a DOUBLE holds its
//! digits (about 15 significant). Operands of unknown kind are left alone.

use crate::sql::expr::plain_args;
use sqlparser::ast::{BinaryOperator, CastKind, DataType, ExactNumberInfo, Expr, Value, VisitMut, VisitorMut};
use std::ops::ControlFlow;

/// The numeric kind of a BigQuery value, as division and rounding see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    /// INT64.
    Int,
    /// NUMERIC or BIGNUMERIC.
    Numeric,
    /// FLOAT64.
    Float,
}

impl NumberKind {
    /// The kind of a column of canonical type `ty` (`NUMERIC`, `INT64`, `FLOAT64`, …), if it is a
    /// number.
    pub fn of_type(ty: &str) -> Option<NumberKind> {
        let ty = ty.trim().to_ascii_uppercase();
        let base = ty.split('(').next().unwrap_or("").trim();
        match base {
            "NUMERIC" | "BIGNUMERIC" | "DECIMAL" | "BIGDECIMAL" => Some(NumberKind::Numeric),
            "INT64" | "INT" | "INTEGER" | "BIGINT" | "SMALLINT" | "TINYINT" | "BYTEINT" => Some(NumberKind::Int),
            "FLOAT64" | "FLOAT" | "DOUBLE" => Some(NumberKind::Float),
            _ => None,
        }
    }

    /// The kind of arithmetic (`+`, `-`, `*`) on two kinds: FLOAT64 wins, then NUMERIC.
    fn join(a: NumberKind, b: NumberKind) -> NumberKind {
        use NumberKind::*;
        match (a, b) {
            (Float, _) | (_, Float) => Float,
            (Numeric, _) | (_, Numeric) => Numeric,
            _ => Int,
        }
    }

    /// The kind of a quotient: INT64 / INT64 is FLOAT64.
    fn quotient(a: NumberKind, b: NumberKind) -> NumberKind {
        match NumberKind::join(a, b) {
            NumberKind::Int => NumberKind::Float,
            other => other,
        }
    }
}

/// Wraps every NUMERIC division of `expr` (BigQuery) in `CAST(… AS NUMERIC)`; `column` gives
/// the kind of a column (qualifier, name), `None` when it is not a number or not known.
pub fn explicit_numeric_division(expr: &mut Expr, column: &dyn Fn(Option<&str>, &str) -> Option<NumberKind>) {
    let _ = expr.visit(&mut Wrap { column });
}

struct Wrap<'a> {
    column: &'a dyn Fn(Option<&str>, &str) -> Option<NumberKind>,
}

impl VisitorMut for Wrap<'_> {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let numeric_division = match &*expr {
            Expr::BinaryOp { left, op: BinaryOperator::Divide, right } => {
                quotient_kind(left, right, self.column) == Some(NumberKind::Numeric)
            }
            Expr::Function(f) if is_safe_divide(expr) => match plain_args(&f.args)[..] {
                [a, b] => quotient_kind(a, b, self.column) == Some(NumberKind::Numeric),
                _ => false,
            },
            _ => false,
        };
        if numeric_division {
            let inner = std::mem::replace(expr, Expr::Value(Value::Null.into()));
            *expr = numeric_cast(inner);
        }
        ControlFlow::Continue(())
    }
}

fn quotient_kind(a: &Expr, b: &Expr, column: &dyn Fn(Option<&str>, &str) -> Option<NumberKind>) -> Option<NumberKind> {
    Some(NumberKind::quotient(kind_of(a, column)?, kind_of(b, column)?))
}

fn is_safe_divide(expr: &Expr) -> bool {
    function_name(expr).as_deref() == Some("SAFE_DIVIDE")
}

fn function_name(expr: &Expr) -> Option<String> {
    let Expr::Function(f) = expr else { return None };
    let name = f.name.to_string().to_ascii_uppercase();
    Some(name.rsplit('.').next().unwrap_or(&name).to_string())
}

fn numeric_cast(expr: Expr) -> Expr {
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(expr),
        data_type: DataType::Numeric(ExactNumberInfo::None),
        format: None,
    }
}

/// The kind of a BigQuery expression, where it can be told.
pub fn kind_of(expr: &Expr, column: &dyn Fn(Option<&str>, &str) -> Option<NumberKind>) -> Option<NumberKind> {
    let rec = |e: &Expr| kind_of(e, column);
    match expr {
        Expr::Nested(inner) => rec(inner),
        Expr::Identifier(ident) => column(None, &ident.value),
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            column(Some(&parts[parts.len() - 2].value), &parts[parts.len() - 1].value)
        }
        // BigQuery types `1.5` and `1e3` FLOAT64, `15` INT64.
        Expr::Value(v) => match &v.value {
            Value::Number(text, _) if text.contains(['.', 'e', 'E']) => Some(NumberKind::Float),
            Value::Number(..) => Some(NumberKind::Int),
            _ => None,
        },
        Expr::UnaryOp { expr, .. } => rec(expr),
        Expr::TypedString(typed) => NumberKind::of_type(&typed.data_type.to_string()),
        Expr::Cast { data_type, .. } => NumberKind::of_type(&data_type.to_string()),
        Expr::BinaryOp { left, op, right } => {
            let (a, b) = (rec(left)?, rec(right)?);
            match op {
                BinaryOperator::Plus | BinaryOperator::Minus | BinaryOperator::Multiply => Some(NumberKind::join(a, b)),
                BinaryOperator::Divide => Some(NumberKind::quotient(a, b)),
                _ => None,
            }
        }
        Expr::Case { conditions, else_result, .. } => {
            let mut kinds = conditions.iter().map(|w| rec(&w.result)).chain(else_result.as_deref().map(rec));
            let first = kinds.next()??;
            kinds.try_fold(first, |acc, k| Some(NumberKind::join(acc, k?)))
        }
        Expr::Function(f) => {
            let name = function_name(expr)?;
            let args = plain_args(&f.args);
            let all = || -> Option<NumberKind> {
                let mut kinds = args.iter().map(|a| rec(a));
                let first = kinds.next()??;
                kinds.try_fold(first, |acc, k| Some(NumberKind::join(acc, k?)))
            };
            match name.as_str() {
                "SUM" | "MIN" | "MAX" | "ANY_VALUE" | "ABS" | "SIGN" | "MOD" => args.first().and_then(|a| rec(a)),
                "AVG" => match rec(args.first()?)? {
                    NumberKind::Numeric => Some(NumberKind::Numeric),
                    _ => Some(NumberKind::Float),
                },
                // ROUND, TRUNC, CEIL and FLOOR of an INT64 are FLOAT64.
                "ROUND" | "TRUNC" | "CEIL" | "CEILING" | "FLOOR" => match rec(args.first()?)? {
                    NumberKind::Int => Some(NumberKind::Float),
                    other => Some(other),
                },
                "SAFE_DIVIDE" | "IEEE_DIVIDE" => match args[..] {
                    [a, b] if name == "SAFE_DIVIDE" => Some(NumberKind::quotient(rec(a)?, rec(b)?)),
                    _ => Some(NumberKind::Float),
                },
                "COUNT" | "COUNTIF" | "DIV" => Some(NumberKind::Int),
                "COALESCE" | "IFNULL" | "GREATEST" | "LEAST" => all(),
                "IF" => match args[..] {
                    [_, a, b] => Some(NumberKind::join(rec(a)?, rec(b)?)),
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::dialect::Dialect;
    use crate::sql::parse::parse_expression;

    fn wrapped(text: &str) -> String {
        let mut expr = parse_expression(text, Dialect::Bigquery).unwrap();
        let kinds = |_: Option<&str>, c: &str| match c {
            "amount" => Some(NumberKind::Numeric),
            "qty" => Some(NumberKind::Int),
            "rate" => Some(NumberKind::Float),
            _ => None,
        };
        explicit_numeric_division(&mut expr, &kinds);
        expr.to_string()
    }

    #[test]
    fn numeric_divisions_are_made_explicit_and_no_other() {
        assert_eq!(wrapped("ROUND(amount / 40, 2)"), "ROUND(CAST(amount / 40 AS NUMERIC), 2)");
        assert_eq!(
            wrapped("SAFE_DIVIDE(SUM(amount), COUNT(*))"),
            "CAST(SAFE_DIVIDE(SUM(amount), COUNT(*)) AS NUMERIC)"
        );
        assert_eq!(wrapped("amount * qty / qty"), "CAST(amount * qty / qty AS NUMERIC)");
        // FLOAT64 anywhere makes the quotient FLOAT64; INT64 / INT64 is FLOAT64; unknown stays.
        assert_eq!(wrapped("amount / rate"), "amount / rate");
        assert_eq!(wrapped("amount / 2.5"), "amount / 2.5");
        assert_eq!(wrapped("qty / 4"), "qty / 4");
        assert_eq!(wrapped("amount / other"), "amount / other");
        assert_eq!(wrapped("AVG(qty) / amount"), "AVG(qty) / amount");
        assert_eq!(wrapped("CAST(qty AS NUMERIC) / 3"), "CAST(CAST(qty AS NUMERIC) / 3 AS NUMERIC)");
    }
}
