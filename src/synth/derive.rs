//! Columns the spec compares only after a function: `DATE(clicked_at) = activity_date`, written
//! in a join or in an upstream model that derives the compared column. Values are shared
//! between raw columns only (each raw column is what synthesis makes), so the raw column under
//! the function draws values the function maps onto the other column's pool: a timestamp on
//! the pool's day at a time of day that varies per row, the text of a number a cast reads back.
//!
//! Only functions with an inverse synthesis can compute are followed ([`Step`]); the data stays
//! what the raw columns allow, so a counterexample made of it is one the sources can hold.

use super::types::{Kind, Ty};
use super::value::{Value, MICROS_PER_DAY};
use crate::sql::expr::plain_args;
use crate::sql::types::canonical_of;
use sqlparser::ast::{DataType, DateTimeField, Expr};

/// One function between a raw column and the value the spec compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// The day of a timestamp or datetime: `DATE(x)`, `CAST(x AS DATE)`, `EXTRACT(DATE FROM x)`.
    Day,
    /// Truncation to the day, keeping the type: `TIMESTAMP_TRUNC(x, DAY)`, `DATE_TRUNC('day', x)`.
    Midnight,
    /// A cast to another kind (`CAST(s AS INT64)`, `SAFE_CAST`, `s::BIGINT`).
    Cast(Kind),
    /// A string function that keeps the type and most values: `TRIM`, `UPPER`, `LOWER`.
    Keep,
}

/// The functions around the column `expr` ends in, innermost first, and what is left once they
/// are peeled (a bare column when the whole expression is a chain of [`Step`]s).
pub(crate) fn peel(expr: &Expr) -> (Vec<Step>, &Expr) {
    let mut steps = Vec::new();
    let mut current = expr;
    loop {
        let (step, inner) = match current {
            Expr::Nested(inner) => (None, inner.as_ref()),
            Expr::Cast { expr, data_type, format: None, .. } => match cast_step(data_type) {
                Some(step) => (Some(step), expr.as_ref()),
                None => break,
            },
            Expr::Extract { field: DateTimeField::Date, expr, .. } => (Some(Step::Day), expr.as_ref()),
            Expr::Trim { expr, trim_what: None, trim_characters: None, .. } => (Some(Step::Keep), expr.as_ref()),
            Expr::Function(f) => {
                let name = f.name.to_string().to_ascii_uppercase();
                let name = name.rsplit('.').next().unwrap_or(&name).to_string();
                let args = plain_args(&f.args);
                match (name.as_str(), args.as_slice()) {
                    ("DATE", [x]) => (Some(Step::Day), *x),
                    ("TRIM" | "LTRIM" | "RTRIM" | "UPPER" | "LOWER", [x]) => (Some(Step::Keep), *x),
                    // BigQuery writes the part last, as a bare word; DuckDB first, as a string.
                    ("TIMESTAMP_TRUNC" | "DATETIME_TRUNC" | "DATE_TRUNC", [x, part]) if is_day(part) => {
                        (Some(Step::Midnight), *x)
                    }
                    ("DATE_TRUNC" | "DATETRUNC", [part, x]) if is_day(part) => (Some(Step::Midnight), *x),
                    _ => break,
                }
            }
            _ => break,
        };
        steps.extend(step);
        current = inner;
    }
    steps.reverse();
    (steps, current)
}

fn is_day(part: &Expr) -> bool {
    match part {
        Expr::Identifier(i) => i.value.eq_ignore_ascii_case("DAY"),
        other => crate::sql::expr::literal_text(other).flatten().is_some_and(|t| t.eq_ignore_ascii_case("day")),
    }
}

fn cast_step(data_type: &DataType) -> Option<Step> {
    let family = canonical_of(data_type)?;
    let kind = Ty::of(Some(&family), &data_type.to_string()).kind;
    match kind {
        Kind::Date => Some(Step::Day),
        Kind::Int | Kind::Numeric | Kind::Float | Kind::Str | Kind::Bool | Kind::Timestamp | Kind::Datetime => {
            Some(Step::Cast(kind))
        }
        _ => None,
    }
}

/// The kind a column of kind `from` has after `steps`, when every step applies to it.
pub(crate) fn lands_on(from: Kind, steps: &[Step]) -> Option<Kind> {
    let timely = |k: Kind| matches!(k, Kind::Timestamp | Kind::Datetime | Kind::Date);
    steps.iter().try_fold(from, |kind, step| match step {
        Step::Day if timely(kind) => Some(Kind::Date),
        Step::Midnight if timely(kind) => Some(kind),
        Step::Keep if kind == Kind::Str => Some(kind),
        Step::Cast(to) => Some(*to),
        _ => None,
    })
}

/// Times of day of the first rows: both ends of the day, then noon and the last second.
const FIRST_TIMES: [i64; 4] = [0, MICROS_PER_DAY - 1, MICROS_PER_DAY / 2, MICROS_PER_DAY - 1_000_000];

/// A value of `ty` that `steps` map onto `target`, for row `row` with draw `draw`; `None`
/// where no such value can be made (the row then misses).
pub(crate) fn land(ty: &Ty, steps: &[Step], target: Value, row: usize, draw: u64) -> Option<Value> {
    // The kind before each step, innermost first.
    let mut kinds = vec![ty.kind];
    for step in steps {
        kinds.push(lands_on(*kinds.last()?, std::slice::from_ref(step))?);
    }
    let mut value = target;
    for (step, &before) in steps.iter().zip(&kinds).rev() {
        value = undo(*step, before, value, row, draw)?;
    }
    ty.fits(&value).then_some(value)
}

/// A value of kind `before` that `step` maps onto `value`.
fn undo(step: Step, before: Kind, value: Value, row: usize, draw: u64) -> Option<Value> {
    let instant = matches!(before, Kind::Timestamp | Kind::Datetime);
    match (step, value) {
        // Several rows land on one day at different times, the day's first and last instants
        // among them.
        (Step::Day, Value::Date(d)) if instant => {
            let time = match FIRST_TIMES.get(row) {
                Some(&t) => t,
                None => ((draw >> 8) % 86_400) as i64 * 1_000_000,
            };
            Some(Value::Timestamp(i64::from(d) * MICROS_PER_DAY + time))
        }
        (Step::Day | Step::Midnight | Step::Keep, v) => Some(v),
        (Step::Cast(_), v) => convert(v, before),
    }
}

/// `value` as a value of kind `to` that a cast back gives exactly, when there is one.
fn convert(value: Value, to: Kind) -> Option<Value> {
    let integral = |f: f64| f.is_finite() && f.fract() == 0.0 && f.abs() < 9e15;
    match (value, to) {
        (v @ Value::Timestamp(_), Kind::Timestamp | Kind::Datetime) => Some(v),
        (v, Kind::Str) if !matches!(v, Value::Timestamp(_) | Value::Bytes(_) | Value::Str(_)) => {
            Some(Value::Str(v.to_text()))
        }
        (Value::Int(n), Kind::Numeric) => Some(Value::Decimal(n.to_string())),
        (Value::Int(n), Kind::Float) if (n.unsigned_abs()) < 1 << 53 => Some(Value::Float(n as f64)),
        (Value::Decimal(d), Kind::Int) => d.parse::<i64>().ok().map(Value::Int),
        (Value::Float(f), Kind::Int) if integral(f) => Some(Value::Int(f as i64)),
        (Value::Str(s), Kind::Int) => s.parse::<i64>().ok().filter(|n| n.to_string() == s).map(Value::Int),
        (Value::Timestamp(t), Kind::Date) if t.rem_euclid(MICROS_PER_DAY) == 0 => {
            i32::try_from(t.div_euclid(MICROS_PER_DAY)).ok().map(Value::Date)
        }
        (v, k) if kind_of(&v) == Some(k) => Some(v),
        _ => None,
    }
}

fn kind_of(value: &Value) -> Option<Kind> {
    Some(match value {
        Value::Int(_) => Kind::Int,
        Value::Decimal(_) => Kind::Numeric,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::Str,
        Value::Bool(_) => Kind::Bool,
        Value::Date(_) => Kind::Date,
        Value::Timestamp(_) | Value::Bytes(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Dialect;
    use crate::sql::parse::parse_expression;

    fn steps(text: &str, dialect: Dialect) -> (Vec<Step>, String) {
        let expr = parse_expression(text, dialect).expect("parses");
        let (steps, core) = peel(&expr);
        (steps, core.to_string())
    }

    #[test]
    fn chains_of_invertible_functions_are_peeled_innermost_first() {
        assert_eq!(steps("DATE(t.clicked_at)", Dialect::Bigquery), (vec![Step::Day], "t.clicked_at".into()));
        assert_eq!(
            steps("CAST(UPPER(TRIM(code)) AS INT64)", Dialect::Bigquery),
            (vec![Step::Keep, Step::Keep, Step::Cast(Kind::Int)], "code".into())
        );
        assert_eq!(steps("TIMESTAMP_TRUNC(ts, DAY)", Dialect::Bigquery).0, [Step::Midnight]);
        assert_eq!(steps("date_trunc('day', ts)::DATE", Dialect::Duckdb).0, [Step::Midnight, Step::Day]);
        assert_eq!(steps("EXTRACT(DATE FROM ts)", Dialect::Bigquery).0, [Step::Day]);
        // A function without an inverse stops the peeling: what is left is not a column.
        let (found, core) = steps("DATE(ts + INTERVAL 1 DAY)", Dialect::Bigquery);
        assert_eq!(found, [Step::Day]);
        assert_ne!(core, "ts");
        assert!(steps("DATE_TRUNC(d, MONTH)", Dialect::Bigquery).0.is_empty());
    }

    #[test]
    fn landed_values_map_back_onto_their_target() {
        let ts = Ty::of(Some("TIMESTAMP"), "TIMESTAMP");
        let day = 19_723;
        let times: Vec<i64> = (0..40)
            .map(|r| match land(&ts, &[Step::Day], Value::Date(day), r, r as u64 * 7_919_000_111) {
                Some(Value::Timestamp(t)) => {
                    assert_eq!(t.div_euclid(MICROS_PER_DAY), i64::from(day), "row {r} lands on the day");
                    t.rem_euclid(MICROS_PER_DAY)
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(times[..2], [0, MICROS_PER_DAY - 1], "both ends of the day come first");
        assert!(times.iter().collect::<std::collections::BTreeSet<_>>().len() > 10, "times vary per row");

        let text = Ty::of(Some("STRING"), "STRING");
        let cast = [Step::Keep, Step::Cast(Kind::Int)];
        assert_eq!(land(&text, &cast, Value::Int(-42), 9, 1), Some(Value::Str("-42".into())));
        let numeric = Ty::of(Some("NUMERIC"), "NUMERIC(4, 0)");
        assert_eq!(land(&numeric, &[Step::Cast(Kind::Int)], Value::Int(12), 0, 0), Some(Value::Decimal("12".into())));
        assert_eq!(land(&numeric, &[Step::Cast(Kind::Int)], Value::Int(123_456), 0, 0), None, "too many digits");
        assert_eq!(lands_on(Kind::Int, &[Step::Day]), None);
        assert_eq!(lands_on(Kind::Datetime, &[Step::Midnight, Step::Day]), Some(Kind::Date));
    }
}
