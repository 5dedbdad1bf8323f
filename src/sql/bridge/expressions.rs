//! Expressions other than function calls: names, number and typed literals, casts, operators,
//! `TRIM`, `LIKE`, `IN UNNEST`, `SUBSTRING`, `EXTRACT`, intervals and array subscripts; each
//! handed to the rewrite of its kind.

use super::call::{single_arg, upper_name};
use super::dates::extract;
use super::literals::typed_string;
use super::math::binary;
use super::names::split_ident;
use super::rewrite::{templated, Rewrite};
use super::strings::{substring, trim};
use super::types::cast;
use sqlparser::ast::{CastKind, Expr, Value};

pub(super) fn bigquery_expr(expr: &mut Expr) -> Rewrite {
    match expr {
        Expr::Identifier(ident) if ident.quote_style.is_some() && ident.value.contains('.') => {
            Ok(Some(Expr::CompoundIdentifier(split_ident(ident))))
        }
        Expr::CompoundIdentifier(parts) => {
            if parts.iter().any(|p| p.quote_style.is_some() && p.value.contains('.')) {
                let split = parts
                    .iter()
                    .flat_map(|p| {
                        if p.quote_style.is_some() && p.value.contains('.') {
                            split_ident(p)
                        } else {
                            vec![p.clone()]
                        }
                    })
                    .collect();
                *parts = split;
            }
            Ok(None)
        }
        // BigQuery reads `1.5` as FLOAT64, DuckDB as DECIMAL.
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) if n.contains('.') && !n.contains(['e', 'E']) => {
                let literal = expr.clone();
                templated("CAST(__a0 AS DOUBLE)", &[&literal])
            }
            Value::SingleQuotedByteStringLiteral(_)
            | Value::DoubleQuotedByteStringLiteral(_)
            | Value::TripleSingleQuotedByteStringLiteral(_)
            | Value::TripleDoubleQuotedByteStringLiteral(_) => {
                Err("a BYTES literal (b'…') is not translated".to_string())
            }
            _ => Ok(None),
        },
        Expr::TypedString(typed) => typed_string(typed),
        Expr::Cast { kind, expr: operand, data_type, format } => {
            if format.is_some() {
                return Err("CAST … FORMAT has no DuckDB equivalent".to_string());
            }
            let safe = matches!(kind, CastKind::SafeCast | CastKind::TryCast);
            cast(operand, data_type, safe).map(Some)
        }
        Expr::BinaryOp { left, op, right } => binary(left, op, right),
        Expr::Trim { expr: operand, trim_where: None, trim_what: None, trim_characters: None } => {
            let operand = (**operand).clone();
            trim(&operand, "TRIM").map(Some)
        }
        // BigQuery's LIKE treats `\` as the escape character; DuckDB's has none unless told.
        Expr::Like { escape_char, any: false, .. } if escape_char.is_none() => {
            *escape_char = Some(Box::new(Expr::Value(Value::SingleQuotedString("\\".to_string()).into())));
            Ok(None)
        }
        Expr::InUnnest { expr: needle, array_expr, negated } => {
            let text = if *negated { "__a0 NOT IN (SELECT unnest(__a1))" } else { "__a0 IN (SELECT unnest(__a1))" };
            templated(text, &[needle, array_expr])
        }
        Expr::Substring { expr: s, substring_from: Some(from), substring_for, .. } => {
            substring(s, from, substring_for.as_deref()).map(Some)
        }
        Expr::Extract { field, expr: operand, .. } => extract(field, operand).map(Some),
        Expr::Interval(interval) => {
            if interval.last_field.is_some() {
                return Err("a range INTERVAL (… TO …) is not translated".to_string());
            }
            // DuckDB needs parentheses around a computed interval length.
            if !matches!(*interval.value, Expr::Value(_) | Expr::Nested(_)) {
                let value = std::mem::replace(&mut *interval.value, Expr::Value(Value::Null.into()));
                *interval.value = Expr::Nested(Box::new(value));
            }
            Ok(None)
        }
        Expr::CompoundFieldAccess { root, access_chain } => subscript(root, access_chain),
        // BigQuery writes it inside EXTRACT: the part is read on the zone's clock.
        Expr::AtTimeZone { timestamp, time_zone } => super::dates::in_zone(timestamp, time_zone).map(Some),
        Expr::Struct { .. } => Err("STRUCT constructors are not translated".to_string()),
        _ => Ok(None),
    }
}

/// `arr[OFFSET(i)]` and friends: BigQuery counts from 0 (OFFSET) or 1 (ORDINAL) and stops with an
/// error out of range unless SAFE_; DuckDB counts from 1, from the end for negative indexes, and
/// returns NULL out of range.
fn subscript(root: &Expr, chain: &[sqlparser::ast::AccessExpr]) -> Rewrite {
    use sqlparser::ast::{AccessExpr, Subscript};
    let [AccessExpr::Subscript(Subscript::Index { index })] = chain else {
        return match chain.iter().any(|a| matches!(a, AccessExpr::Subscript(_))) {
            true => Err("this array subscript is not translated".to_string()),
            false => Ok(None),
        };
    };
    let (marker, position) = match index {
        Expr::Function(f) => match (upper_name(f), single_arg(f)) {
            (Some(name), Some(arg)) => (name, arg),
            _ => return Err("this array subscript is not translated".to_string()),
        },
        // A bare index is an OFFSET in BigQuery.
        other => ("OFFSET".to_string(), other.clone()),
    };
    let text = match marker.as_str() {
        "OFFSET" => {
            "CASE WHEN __a1 < 0 OR __a1 >= len(__a0) THEN error('array index out of bounds') ELSE __a0[__a1 + 1] END"
        }
        "SAFE_OFFSET" => "CASE WHEN __a1 >= 0 THEN __a0[__a1 + 1] END",
        "ORDINAL" => {
            "CASE WHEN __a1 < 1 OR __a1 > len(__a0) THEN error('array index out of bounds') ELSE __a0[__a1] END"
        }
        "SAFE_ORDINAL" => "CASE WHEN __a1 >= 1 THEN __a0[__a1] END",
        other => return Err(format!("array subscript {other}(…) is not translated")),
    };
    templated(text, &[root, &position])
}

#[cfg(test)]
mod tests {
    use crate::sql::bridge::test_support::*;
    use crate::sql::bridge::to_duckdb;
    use crate::sql::dialect::Dialect;
    use crate::sql::parse::parse_statements;

    #[test]
    fn array_subscripts_count_as_bigquery() {
        let setup = "CREATE TABLE t AS SELECT [10, 20, 30] AS arr";
        let got = run(
            setup,
            "SELECT arr[OFFSET(0)], arr[ORDINAL(1)], arr[SAFE_OFFSET(5)], arr[SAFE_OFFSET(-1)], arr[1] FROM t",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["Int(10)|Int(10)|NULL|NULL|Int(20)"]);
        let mut statements = parse_statements("SELECT arr[OFFSET(3)] FROM t", Dialect::Bigquery).expect("parse");
        assert!(to_duckdb(&mut statements, &bigquery()).is_empty());
        let db = database();
        db.execute_batch(setup).expect("setup");
        let err = db.execute_batch(&statements[0].to_string()).expect_err("out of bounds");
        assert!(err.to_string().contains("out of bounds"), "{err}");
    }
}
