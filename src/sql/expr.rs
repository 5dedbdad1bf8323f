//! What an expression reads and can produce: column references, aggregation, the literals a
//! CASE yields, and whether the result can be null.
//!
//! Used on spec expressions by the lint, and on code by the lineage stage. Everything here works
//! on sqlparser's tree; nothing looks at the text.

use crate::sql::dialect::Dialect;
use sqlparser::ast::{
    BinaryOperator, CastKind, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectNamePart, Query,
    Value, Visit, Visitor,
};
use std::collections::HashSet;
use std::ops::ControlFlow;

/// A column named in an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    /// The table qualifier, if written (`fx_rates` in `fx_rates.rate_to_usd`).
    pub qualifier: Option<String>,
    /// The column.
    pub column: String,
    /// True when the reference is inside an aggregate call (`SUM(x)`).
    pub in_aggregate: bool,
    /// 1-based line of the reference within the expression text.
    pub line: u64,
    /// 1-based column of the reference within the expression text.
    pub column_no: u64,
}

/// The column references of `expr`, in the order they are written. References inside a
/// subquery belong to its own scope and are left out; so are date-part keywords such as the
/// `MONTH` of `DATE_TRUNC(d, MONTH)`.
pub fn column_refs(expr: &Expr) -> Vec<ColumnRef> {
    let mut collector = RefCollector::default();
    let _ = expr.visit(&mut collector);
    collector.refs
}

/// True when `expr` calls an aggregate function outside any window and subquery.
pub fn contains_aggregate(expr: &Expr) -> bool {
    let mut collector = RefCollector::default();
    let _ = expr.visit(&mut collector);
    collector.saw_aggregate
}

/// True for the name of an aggregate function of BigQuery or DuckDB.
pub fn is_aggregate_function(name: &str) -> bool {
    const AGGREGATES: &[&str] = &[
        "SUM",
        "COUNT",
        "COUNTIF",
        "COUNT_IF",
        "AVG",
        "MIN",
        "MAX",
        "ANY_VALUE",
        "ARRAY_AGG",
        "STRING_AGG",
        "LISTAGG",
        "LOGICAL_AND",
        "LOGICAL_OR",
        "BOOL_AND",
        "BOOL_OR",
        "BIT_AND",
        "BIT_OR",
        "BIT_XOR",
        "STDDEV",
        "STDDEV_POP",
        "STDDEV_SAMP",
        "VARIANCE",
        "VAR_POP",
        "VAR_SAMP",
        "APPROX_COUNT_DISTINCT",
        "APPROX_QUANTILES",
        "APPROX_TOP_COUNT",
        "APPROX_TOP_SUM",
        "MEDIAN",
        "MODE",
        "ARG_MAX",
        "ARG_MIN",
        "MAX_BY",
        "MIN_BY",
        "CORR",
        "COVAR_POP",
        "COVAR_SAMP",
        "FIRST",
        "LAST",
        "LIST",
        "PRODUCT",
        "ARRAY_CONCAT_AGG",
        "GROUPING",
        "FSUM",
        "SUMKAHAN",
        "KAHAN_SUM",
        "ENTROPY",
        "KURTOSIS",
        "SKEWNESS",
        "QUANTILE_CONT",
        "QUANTILE_DISC",
    ];
    AGGREGATES.iter().any(|a| a.eq_ignore_ascii_case(name))
}

/// The values a CASE can produce, when every THEN and ELSE is a literal. NULL results are
/// skipped (accepted_values ignores nulls). `None` when the expression is not such a CASE.
pub fn case_literals(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::Nested(inner) => case_literals(inner),
        Expr::Case { conditions, else_result, .. } => {
            let mut values = Vec::new();
            let results = conditions.iter().map(|c| &c.result).chain(else_result.as_deref());
            for result in results {
                // A NULL result is skipped: accepted_values ignores nulls.
                if let Some(text) = literal_text(result)? {
                    if !values.contains(&text) {
                        values.push(text);
                    }
                }
            }
            Some(values)
        }
        _ => None,
    }
}

/// `Some(Some(text))` for a non-null literal, `Some(None)` for NULL, `None` for anything else.
pub fn literal_text(expr: &Expr) -> Option<Option<String>> {
    match expr {
        Expr::Nested(inner) => literal_text(inner),
        Expr::Value(v) => match &v.value {
            Value::Null => Some(None),
            Value::Number(n, _) => Some(Some(n.to_string())),
            Value::Boolean(b) => Some(Some(b.to_string())),
            other => other.clone().into_string().map(Some),
        },
        Expr::UnaryOp { op: sqlparser::ast::UnaryOperator::Minus, expr } => match literal_text(expr)? {
            Some(text) => Some(Some(format!("-{text}"))),
            None => Some(None),
        },
        _ => None,
    }
}

/// Whether an expression can be null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nullability {
    /// Never null, whatever the inputs the sources allow.
    NotNull,
    /// Null on some input the sources allow.
    Nullable,
    /// Cannot be told statically (an unknown function, a subquery): never reported.
    Unknown,
}

impl Nullability {
    /// Null when any part is null (a strict function or operator).
    fn strict(parts: impl IntoIterator<Item = Nullability>) -> Nullability {
        let mut out = Nullability::NotNull;
        for part in parts {
            match part {
                Nullability::Nullable => return Nullability::Nullable,
                Nullability::Unknown => out = Nullability::Unknown,
                Nullability::NotNull => {}
            }
        }
        out
    }

    /// Null only when every part is null (COALESCE).
    fn first_non_null(parts: impl IntoIterator<Item = Nullability>) -> Nullability {
        let mut out = Nullability::Nullable;
        for part in parts {
            match part {
                Nullability::NotNull => return Nullability::NotNull,
                Nullability::Unknown => out = Nullability::Unknown,
                Nullability::Nullable => {}
            }
        }
        out
    }
}

/// Whether `expr` can be null, given the nullability of each column it reads (`column`).
///
/// Functions are judged by what they are known to do; an unknown one gives
/// [`Nullability::Unknown`], so the lint never reports a column it cannot reason about.
pub fn nullability(expr: &Expr, dialect: Dialect, column: &dyn Fn(Option<&str>, &str) -> Nullability) -> Nullability {
    let rec = |e: &Expr| nullability(e, dialect, column);
    match expr {
        Expr::Identifier(ident) => column(None, &ident.value),
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            column(Some(&parts[parts.len() - 2].value), &parts[parts.len() - 1].value)
        }
        Expr::Value(v) => match v.value {
            Value::Null => Nullability::Nullable,
            Value::Placeholder(_) => Nullability::Unknown,
            _ => Nullability::NotNull,
        },
        Expr::Nested(inner) => rec(inner),
        Expr::IsNull(_)
        | Expr::IsNotNull(_)
        | Expr::IsTrue(_)
        | Expr::IsFalse(_)
        | Expr::IsNotTrue(_)
        | Expr::IsNotFalse(_)
        | Expr::IsUnknown(_)
        | Expr::IsNotUnknown(_)
        | Expr::IsDistinctFrom(..)
        | Expr::IsNotDistinctFrom(..)
        | Expr::Exists { .. } => Nullability::NotNull,
        // `x IS NULL OR f(x)`: the right side matters only when the left is false, so x is set
        // there; `x IS NOT NULL AND f(x)` likewise. Either order.
        Expr::BinaryOp { left, op: op @ (BinaryOperator::Or | BinaryOperator::And), right } => {
            let checks =
                |side: &Expr| if *op == BinaryOperator::Or { null_checks(side) } else { not_null_checks(side) };
            let guarded = |first: &Expr, second: &Expr| {
                rec(first) == Nullability::NotNull
                    && narrowed(second, &checks(first), dialect, column) == Nullability::NotNull
            };
            if guarded(left, right) || guarded(right, left) {
                Nullability::NotNull
            } else {
                Nullability::strict([rec(left), rec(right)])
            }
        }
        Expr::BinaryOp { left, right, .. } => Nullability::strict([rec(left), rec(right)]),
        Expr::UnaryOp { expr, .. } => rec(expr),
        Expr::Like { expr, pattern, .. }
        | Expr::ILike { expr, pattern, .. }
        | Expr::SimilarTo { expr, pattern, .. } => Nullability::strict([rec(expr), rec(pattern)]),
        Expr::RLike { expr, pattern, .. } => Nullability::strict([rec(expr), rec(pattern)]),
        Expr::Between { expr, low, high, .. } => Nullability::strict([rec(expr), rec(low), rec(high)]),
        Expr::InList { expr, list, .. } => Nullability::strict(std::iter::once(rec(expr)).chain(list.iter().map(rec))),
        Expr::Cast { kind, expr, .. } => match kind {
            CastKind::TryCast | CastKind::SafeCast => Nullability::Nullable,
            CastKind::Cast | CastKind::DoubleColon => rec(expr),
        },
        Expr::Extract { expr, .. } | Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => rec(expr),
        Expr::Substring { expr, substring_from, substring_for, .. } => Nullability::strict(
            std::iter::once(rec(expr))
                .chain(substring_from.as_deref().map(rec))
                .chain(substring_for.as_deref().map(rec)),
        ),
        Expr::Trim { expr, trim_what, .. } => {
            Nullability::strict(std::iter::once(rec(expr)).chain(trim_what.as_deref().map(rec)))
        }
        Expr::Position { expr, r#in } => Nullability::strict([rec(expr), rec(r#in)]),
        Expr::Case { conditions, else_result, operand: None, .. } => {
            // A branch is reached only when every earlier WHEN was not true: after
            // `WHEN x IS NULL [OR …] THEN …`, x is not null.
            let mut checked: Vec<(Option<String>, String)> = Vec::new();
            let mut results = Vec::new();
            for when in conditions {
                results.push(narrowed(&when.result, &checked, dialect, column));
                checked.extend(null_checks(&when.condition));
            }
            match else_result {
                None => Nullability::Nullable,
                Some(else_result) => {
                    results.push(narrowed(else_result, &checked, dialect, column));
                    Nullability::strict(results)
                }
            }
        }
        Expr::Case { conditions, else_result, .. } => match else_result {
            None => Nullability::Nullable,
            Some(else_result) => {
                Nullability::strict(conditions.iter().map(|c| rec(&c.result)).chain(std::iter::once(rec(else_result))))
            }
        },
        Expr::Function(function) => {
            let parts = &function.name.0;
            let name = match parts.last() {
                Some(ObjectNamePart::Identifier(ident)) => ident.value.to_ascii_uppercase(),
                _ => return Nullability::Unknown,
            };
            // BigQuery's SAFE. prefix turns errors into NULL.
            if parts.len() > 1 || name.starts_with("SAFE_") {
                return Nullability::Nullable;
            }
            let args: Vec<&Expr> = match &function.args {
                FunctionArguments::List(list) => list
                    .args
                    .iter()
                    .filter_map(|arg| match arg {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                        FunctionArg::Named { arg: FunctionArgExpr::Expr(e), .. } => Some(e),
                        _ => None,
                    })
                    .collect(),
                FunctionArguments::None => Vec::new(),
                FunctionArguments::Subquery(_) => return Nullability::Unknown,
            };
            if let ("IF" | "IIF", [condition, then, otherwise]) = (name.as_str(), args.as_slice()) {
                let checked = null_checks(condition);
                return Nullability::strict([rec(then), narrowed(otherwise, &checked, dialect, column)]);
            }
            function_nullability(&name, &args, dialect, &rec)
        }
        _ => Nullability::Unknown,
    }
}

/// The columns a condition is true for when they are NULL: its `c IS NULL` disjuncts. Where the
/// condition is not true, each of them is set.
fn null_checks(condition: &Expr) -> Vec<(Option<String>, String)> {
    match condition {
        Expr::Nested(inner) => null_checks(inner),
        Expr::BinaryOp { left, op: sqlparser::ast::BinaryOperator::Or, right } => {
            let mut all = null_checks(left);
            all.extend(null_checks(right));
            all
        }
        Expr::IsNull(inner) => match &**inner {
            Expr::Identifier(ident) => vec![(None, ident.value.to_ascii_lowercase())],
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => vec![(
                Some(parts[parts.len() - 2].value.to_ascii_lowercase()),
                parts[parts.len() - 1].value.to_ascii_lowercase(),
            )],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The columns a condition tests IS NOT NULL, alone or in a conjunction: where it is true
/// they are set.
fn not_null_checks(condition: &Expr) -> Vec<(Option<String>, String)> {
    match condition {
        Expr::Nested(inner) => not_null_checks(inner),
        Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
            let mut all = not_null_checks(left);
            all.extend(not_null_checks(right));
            all
        }
        Expr::IsNotNull(inner) => null_checks(&Expr::IsNull(inner.clone())),
        _ => Vec::new(),
    }
}

/// The nullability of `expr` where the columns `checked` are known to be set.
fn narrowed(
    expr: &Expr,
    checked: &[(Option<String>, String)],
    dialect: Dialect,
    column: &dyn Fn(Option<&str>, &str) -> Nullability,
) -> Nullability {
    let column = |qualifier: Option<&str>, name: &str| {
        let q = qualifier.map(str::to_ascii_lowercase);
        let n = name.to_ascii_lowercase();
        if checked.iter().any(|(cq, cn)| *cn == n && (cq.is_none() || q.is_none() || *cq == q)) {
            Nullability::NotNull
        } else {
            column(qualifier, name)
        }
    };
    nullability(expr, dialect, &column)
}

fn function_nullability(
    name: &str,
    args: &[&Expr],
    dialect: Dialect,
    rec: &dyn Fn(&Expr) -> Nullability,
) -> Nullability {
    let all = || args.iter().map(|a| rec(a));
    match name {
        "COALESCE" | "IFNULL" | "NVL" => Nullability::first_non_null(all()),
        "IF" | "IIF" => Nullability::strict(args.iter().skip(1).map(|a| rec(a))),
        "COUNT"
        | "APPROX_COUNT_DISTINCT"
        | "CURRENT_TIMESTAMP"
        | "CURRENT_DATE"
        | "CURRENT_DATETIME"
        | "CURRENT_TIME"
        | "NOW"
        | "GENERATE_UUID"
        | "ROW_NUMBER"
        | "RANK"
        | "DENSE_RANK" => Nullability::NotNull,
        // BigQuery's COUNTIF is 0 on no match; DuckDB's count_if is NULL when every input is.
        "COUNTIF" if dialect == Dialect::Bigquery => Nullability::NotNull,
        "NULLIF"
        | "TRY_CAST"
        | "REGEXP_EXTRACT"
        | "REGEXP_SUBSTR"
        | "JSON_EXTRACT"
        | "JSON_EXTRACT_SCALAR"
        | "JSON_VALUE"
        | "JSON_QUERY"
        | "LAG"
        | "LEAD"
        | "NTH_VALUE"
        | "STDDEV"
        | "STDDEV_SAMP"
        | "VARIANCE"
        | "VAR_SAMP"
        | "CORR"
        | "COVAR_SAMP" => Nullability::Nullable,
        "CONCAT" | "GREATEST" | "LEAST" if dialect == Dialect::Bigquery => Nullability::strict(all()),
        "LOWER" | "UPPER" | "TRIM" | "LTRIM" | "RTRIM" | "SUBSTR" | "SUBSTRING" | "LENGTH" | "CHAR_LENGTH"
        | "CHARACTER_LENGTH" | "BYTE_LENGTH" | "REPLACE" | "REGEXP_REPLACE" | "REGEXP_CONTAINS" | "REGEXP_MATCHES"
        | "RIGHT" | "LEFT" | "LPAD" | "RPAD" | "REPEAT" | "REVERSE" | "INITCAP" | "STARTS_WITH" | "ENDS_WITH"
        | "STRPOS" | "INSTR" | "SPLIT" | "ABS" | "ROUND" | "TRUNC" | "MOD" | "SIGN" | "SQRT" | "POW" | "POWER"
        | "LN" | "LOG" | "LOG10" | "EXP" | "DIV" | "DATE" | "TIMESTAMP" | "DATETIME" | "TIME" | "DATE_TRUNC"
        | "TIMESTAMP_TRUNC" | "DATETIME_TRUNC" | "DATE_DIFF" | "TIMESTAMP_DIFF" | "DATETIME_DIFF" | "DATE_ADD"
        | "DATE_SUB" | "TIMESTAMP_ADD" | "TIMESTAMP_SUB" | "FORMAT_DATE" | "FORMAT_TIMESTAMP" | "PARSE_DATE"
        | "PARSE_TIMESTAMP" | "TO_HEX" | "MD5" | "SHA1" | "SHA256" | "FARM_FINGERPRINT" | "UNIX_SECONDS"
        | "UNIX_MILLIS" | "UNIX_DATE" | "TIMESTAMP_SECONDS" | "TIMESTAMP_MILLIS" | "LAST_DAY" | "ASCII" | "CHR"
        | "TO_BASE64" | "NORMALIZE" | "SUM" | "AVG" | "MIN" | "MAX" | "ANY_VALUE" | "STRING_AGG" | "LOGICAL_AND"
        | "LOGICAL_OR" | "BOOL_AND" | "BOOL_OR" | "MEDIAN" | "FIRST_VALUE" | "LAST_VALUE" => Nullability::strict(all()),
        _ => Nullability::Unknown,
    }
}

/// Date parts are written as bare words inside date functions; they are not columns.
pub(crate) fn is_date_part(word: &str) -> bool {
    const PARTS: &[&str] = &[
        "MICROSECOND",
        "MILLISECOND",
        "SECOND",
        "MINUTE",
        "HOUR",
        "DAY",
        "DAYOFWEEK",
        "DAYOFYEAR",
        "WEEK",
        "ISOWEEK",
        "MONTH",
        "QUARTER",
        "YEAR",
        "ISOYEAR",
        "DATE",
        "TIME",
        "DATETIME",
    ];
    PARTS.iter().any(|p| p.eq_ignore_ascii_case(word))
}

#[derive(Default)]
struct RefCollector {
    refs: Vec<ColumnRef>,
    aggregate_depth: usize,
    query_depth: usize,
    saw_aggregate: bool,
    date_part_idents: HashSet<(u64, u64)>,
}

impl RefCollector {
    fn push(&mut self, qualifier: Option<&Ident>, column: &Ident) {
        let at = qualifier.unwrap_or(column).span.start;
        if qualifier.is_none() && self.date_part_idents.contains(&(at.line, at.column)) {
            return;
        }
        self.refs.push(ColumnRef {
            qualifier: qualifier.map(|q| q.value.clone()),
            column: column.value.clone(),
            in_aggregate: self.aggregate_depth > 0,
            line: at.line,
            column_no: at.column,
        });
    }
}

fn aggregate_call(expr: &Expr) -> bool {
    match expr {
        Expr::Function(f) if f.over.is_none() => match f.name.0.last() {
            Some(ObjectNamePart::Identifier(ident)) => is_aggregate_function(&ident.value),
            _ => false,
        },
        _ => false,
    }
}

impl Visitor for RefCollector {
    type Break = ();

    fn pre_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
        self.query_depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
        self.query_depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.query_depth > 0 {
            return ControlFlow::Continue(());
        }
        if aggregate_call(expr) {
            self.aggregate_depth += 1;
            self.saw_aggregate = true;
        }
        match expr {
            Expr::Function(f) => {
                let name = f.name.to_string().to_ascii_uppercase();
                let date_function = name.ends_with("_TRUNC")
                    || name.ends_with("_DIFF")
                    || name.ends_with("_ADD")
                    || name.ends_with("_SUB")
                    || name == "LAST_DAY"
                    || name == "EXTRACT";
                if let (true, FunctionArguments::List(list)) = (date_function, &f.args) {
                    for arg in &list.args {
                        if let FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Identifier(ident))) = arg {
                            if is_date_part(&ident.value) && ident.quote_style.is_none() {
                                let at = ident.span.start;
                                self.date_part_idents.insert((at.line, at.column));
                            }
                        }
                    }
                }
            }
            Expr::Identifier(ident) => self.push(None, ident),
            Expr::CompoundIdentifier(parts) => {
                // `t.c` is table and column; `raw.t.c` names the table in full, and the spec
                // refers to a table by the last part of its name.
                match parts.as_slice() {
                    [column] => self.push(None, column),
                    [.., table, column] => self.push(Some(table), column),
                    [] => {}
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.query_depth == 0 && aggregate_call(expr) {
            self.aggregate_depth -= 1;
        }
        ControlFlow::Continue(())
    }
}

/// `expr` as an operand to put in place of a name inside another expression: in parentheses
/// unless it is one term already (a column, a literal, a call, a CAST, a CASE, a parenthesised
/// expression). The AST prints no parentheses of its own, so `__a0 / __a1` with `fee + 1` put
/// for `__a0` would print `fee + 1 / 2`.
pub fn operand(expr: Expr) -> Expr {
    match expr {
        Expr::Identifier(_)
        | Expr::CompoundIdentifier(_)
        | Expr::Value(_)
        | Expr::Nested(_)
        | Expr::Function(_)
        | Expr::Cast { .. }
        | Expr::Case { .. }
        | Expr::TypedString { .. } => expr,
        other => Expr::Nested(Box::new(other)),
    }
}

/// The plain positional arguments of a call (`f(a, b)`), leaving out named ones and `*`.
pub fn plain_args(args: &FunctionArguments) -> Vec<&Expr> {
    match args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .filter_map(|arg| match arg {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse::parse_expression;

    fn parse(text: &str) -> Expr {
        parse_expression(text, Dialect::Bigquery).unwrap()
    }

    #[test]
    fn refs_know_their_qualifier_aggregate_and_position() {
        let refs = column_refs(&parse("SUM(quantity) * fx_rates.rate_to_usd"));
        assert_eq!(refs.len(), 2);
        assert_eq!(
            (refs[0].qualifier.as_deref(), refs[0].column.as_str(), refs[0].in_aggregate),
            (None, "quantity", true)
        );
        assert_eq!(refs[1].qualifier.as_deref(), Some("fx_rates"));
        assert!(!refs[1].in_aggregate);
        assert_eq!((refs[1].line, refs[1].column_no), (1, 17));
    }

    #[test]
    fn date_parts_and_subqueries_are_not_columns() {
        let refs = column_refs(&parse("DATE_TRUNC(order_ts, MONTH) = (SELECT MAX(x) FROM t)"));
        let names: Vec<_> = refs.iter().map(|r| r.column.as_str()).collect();
        assert_eq!(names, ["order_ts"]);
    }

    #[test]
    fn windows_are_not_aggregates() {
        assert!(contains_aggregate(&parse("COUNTIF(status = 'OPEN')")));
        assert!(!contains_aggregate(&parse("SUM(x) OVER (PARTITION BY y)")));
        assert!(!contains_aggregate(&parse("LOWER(x)")));
    }

    #[test]
    fn case_literals_are_inferred() {
        let values = case_literals(&parse(
            "CASE WHEN s = 'active' THEN 'active' WHEN s = 'inactive' THEN 'churned' ELSE 'unknown' END",
        ));
        assert_eq!(values.unwrap(), ["active", "churned", "unknown"]);
        assert_eq!(case_literals(&parse("CASE WHEN a THEN 1 ELSE NULL END")).unwrap(), ["1"]);
        assert_eq!(case_literals(&parse("CASE WHEN a THEN b ELSE 'x' END")), None);
        assert_eq!(case_literals(&parse("LOWER(x)")), None);
    }

    #[test]
    fn nullability_follows_function_semantics() {
        let nullable_x = |_: Option<&str>, c: &str| {
            if c == "x" {
                Nullability::Nullable
            } else {
                Nullability::NotNull
            }
        };
        let n = |text: &str| nullability(&parse(text), Dialect::Bigquery, &nullable_x);
        assert_eq!(n("LOWER(TRIM(x))"), Nullability::Nullable);
        assert_eq!(n("LOWER(TRIM(y))"), Nullability::NotNull);
        assert_eq!(n("COALESCE(x, '')"), Nullability::NotNull);
        assert_eq!(n("IFNULL(x, y)"), Nullability::NotNull);
        assert_eq!(n("CASE WHEN x = 'a' THEN 'b' ELSE 'c' END"), Nullability::NotNull);
        assert_eq!(n("CASE WHEN y = 'a' THEN 'b' END"), Nullability::Nullable);
        // zoo inventory log FA-L1: the ELSE is reached only when x is set.
        assert_eq!(n("CASE WHEN x IS NULL OR x < 0 THEN 14 ELSE x END"), Nullability::NotNull);
        assert_eq!(n("CASE WHEN t.x IS NULL THEN 0 WHEN y = 1 THEN t.x ELSE 1 END"), Nullability::NotNull);
        assert_eq!(n("CASE WHEN x < 0 THEN 14 ELSE x END"), Nullability::Nullable);
        assert_eq!(n("CASE WHEN x IS NULL AND y = 1 THEN 0 ELSE x END"), Nullability::Nullable);
        assert_eq!(n("IF(x IS NULL, 0, x)"), Nullability::NotNull);
        assert_eq!(n("IF(x IS NULL, x, 0)"), Nullability::Nullable);
        assert_eq!(n("COUNT(x)"), Nullability::NotNull);
        assert_eq!(n("COUNTIF(x = 'a')"), Nullability::NotNull);
        assert_eq!(n("SUM(x)"), Nullability::Nullable);
        assert_eq!(n("SAFE_CAST(y AS INT64)"), Nullability::Nullable);
        assert_eq!(n("CONCAT('+', y)"), Nullability::NotNull);
        assert_eq!(n("x IS NULL"), Nullability::NotNull);
        // A test of x guards the other side of OR and AND, in either order.
        assert_eq!(n("x IS NULL OR x = y"), Nullability::NotNull);
        assert_eq!(n("x = y OR x IS NULL"), Nullability::NotNull);
        assert_eq!(n("x IS NOT NULL AND x > 0"), Nullability::NotNull);
        assert_eq!(n("x IS NULL AND x > 0"), Nullability::Nullable);
        assert_eq!(n("x IS NOT NULL OR x > 0"), Nullability::Nullable);
        assert_eq!(n("y = 1 OR x = y"), Nullability::Nullable);
        assert_eq!(n("MY_UDF(x)"), Nullability::Unknown);
        let duck = nullability(&parse("CONCAT('a', x)"), Dialect::Duckdb, &nullable_x);
        assert_eq!(duck, Nullability::Unknown, "DuckDB's concat skips nulls");
    }
}
