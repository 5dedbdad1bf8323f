//! Comparisons found in the spec and the code that relate values across tables: between between a column of one table and a column of
//! another, shifted or not (`touch_ts > TIMESTAMP_SUB(converted_at, INTERVAL 30 DAY)`), and
//! comparisons with the run's clock (`moved_at <= CURRENT_TIMESTAMP()`).
//!
//! Independent random values of two tables almost never sit on the boundary of such a
//! comparison, which is where `<` and `<=`, `30 DAY` and `1 MONTH`, an inclusive and an
//! exclusive window differ. So the harvest keeps each comparison, with the equalities that pair
//! the two tables' rows (the join's keys), and generation makes some rows of the later table
//! take the related row's value shifted by each boundary offset, exactly and one step either
//! side. The related row is one whose key columns hold the row's own key values, so the pair
//! is really joined. Other rows keep their values, so every other outcome stays reached.

use super::types::decimal_units;
use super::value::{ColKey, MICROS_PER_DAY};
use crate::sql::expr::{column_refs, literal_text, plain_args, ColumnRef};
use sqlparser::ast::{BinaryOperator, DateTimeField, Expr, Visit, Visitor};
use std::ops::ControlFlow;

/// The run time every run pins `CURRENT_TIMESTAMP` to (see [`crate::run::options`]): a column
/// compared with the clock takes it, and its near misses, as a boundary value.
pub(crate) fn clock_literal(expr: &Expr) -> Option<String> {
    let Expr::Function(f) = expr else { return None };
    let name = f.name.to_string().to_ascii_uppercase();
    let takes_no_argument = plain_args(&f.args).is_empty();
    let run_time = crate::sql::bridge::DEFAULT_RUN_TIME;
    match name.rsplit('.').next().unwrap_or(&name) {
        "CURRENT_TIMESTAMP" | "CURRENT_DATETIME" | "NOW" | "GET_CURRENT_TIMESTAMP" if takes_no_argument => {
            Some(run_time.to_string())
        }
        "CURRENT_DATE" if takes_no_argument => run_time.get(..10).map(str::to_string),
        _ => None,
    }
}

/// How far the boundary of a comparison sits from the other column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offset {
    /// A fixed interval, in microseconds (days are 24 hours, as `TIMESTAMP_SUB` counts them).
    Time(i64),
    /// A number, in 10^-9 units.
    Number(i128),
}

impl Offset {
    pub(crate) fn negated(self) -> Offset {
        match self {
            Offset::Time(m) => Offset::Time(-m),
            Offset::Number(n) => Offset::Number(-n),
        }
    }
}

/// `left op right + offset` for each of `offsets`, on rows where every pair of `keys`
/// (a column of `left`'s table, a column of `right`'s table) is equal.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Relation {
    pub left: ColKey,
    pub right: ColKey,
    pub offsets: Vec<Offset>,
    pub keys: Vec<(ColKey, ColKey)>,
}

/// A comparison found, before resolution: `left` against `right` shifted by `offset`.
struct Found {
    left: ColumnRef,
    right: ColumnRef,
    offset: Offset,
}

/// The comparisons and the column equalities inside expressions.
#[derive(Default)]
struct Comparisons {
    found: Vec<Found>,
    equal: Vec<(ColumnRef, ColumnRef)>,
}

impl Comparisons {
    fn compare(&mut self, left: &Expr, right: &Expr, equality: bool) {
        let (Some((l, lo)), Some((r, ro))) = (shifted(left), shifted(right)) else { return };
        // l + lo op r + ro: l op r + (ro - lo).
        let offset = match (lo, ro) {
            (None, None) => Offset::Number(0),
            (Some(a), None) => a.negated(),
            (None, Some(b)) => b,
            _ => return,
        };
        if equality && lo.is_none() && ro.is_none() {
            self.equal.push((l.clone(), r.clone()));
        }
        self.found.push(Found { left: l, right: r, offset });
    }
}

impl Visitor for Comparisons {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        match expr {
            Expr::BinaryOp { left, op, right }
                if matches!(
                    op,
                    BinaryOperator::Eq
                        | BinaryOperator::Lt
                        | BinaryOperator::LtEq
                        | BinaryOperator::Gt
                        | BinaryOperator::GtEq
                ) =>
            {
                self.compare(left, right, *op == BinaryOperator::Eq);
            }
            Expr::Between { expr, low, high, .. } => {
                self.compare(expr, low, false);
                self.compare(expr, high, false);
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// A bare column, or a column shifted by a literal: `c`, `c ± INTERVAL n UNIT`, `c ± n`,
/// `TIMESTAMP_SUB(c, INTERVAL n UNIT)` and its kin. `None` for anything else.
fn shifted(expr: &Expr) -> Option<(ColumnRef, Option<Offset>)> {
    match expr {
        Expr::Nested(inner) => shifted(inner),
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
            let mut refs = column_refs(expr);
            (refs.len() == 1).then(|| (refs.remove(0), None))
        }
        Expr::BinaryOp { left, op: op @ (BinaryOperator::Plus | BinaryOperator::Minus), right } => {
            let (column, None) = shifted(left)? else { return None };
            let amount = amount(right)?;
            Some((column, Some(if *op == BinaryOperator::Minus { amount.negated() } else { amount })))
        }
        Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_uppercase();
            let sign = match name.rsplit('.').next().unwrap_or(&name) {
                "TIMESTAMP_ADD" | "DATE_ADD" | "DATETIME_ADD" => false,
                "TIMESTAMP_SUB" | "DATE_SUB" | "DATETIME_SUB" => true,
                _ => return None,
            };
            let [subject, interval] = plain_args(&f.args)[..] else { return None };
            let (column, None) = shifted(subject)? else { return None };
            let amount @ Offset::Time(_) = amount(interval)? else { return None };
            Some((column, Some(if sign { amount.negated() } else { amount })))
        }
        _ => None,
    }
}

/// An interval of fixed length, or a number.
fn amount(expr: &Expr) -> Option<Offset> {
    match expr {
        Expr::Nested(inner) => amount(inner),
        Expr::Interval(interval) if interval.last_field.is_none() => {
            let text = literal_text(&interval.value)??;
            let (count, unit) = match &interval.leading_field {
                Some(field) => (text.trim().to_string(), field_micros(field)?),
                // `INTERVAL '30 days'`, `INTERVAL '30' DAY` with the unit inside the text.
                None => {
                    let mut words = text.split_whitespace();
                    let count = words.next()?.to_string();
                    let unit = words.next()?.to_ascii_lowercase();
                    if words.next().is_some() {
                        return None;
                    }
                    (count, unit_micros(unit.trim_end_matches('s'))?)
                }
            };
            Some(Offset::Time(count.parse::<i64>().ok()?.checked_mul(unit)?))
        }
        other => {
            let text = literal_text(other)??;
            Some(Offset::Number(decimal_units(&text, 9)?))
        }
    }
}

fn field_micros(field: &DateTimeField) -> Option<i64> {
    let unit = match field {
        DateTimeField::Microsecond | DateTimeField::Microseconds => "microsecond",
        DateTimeField::Millisecond | DateTimeField::Milliseconds => "millisecond",
        DateTimeField::Second | DateTimeField::Seconds => "second",
        DateTimeField::Minute | DateTimeField::Minutes => "minute",
        DateTimeField::Hour | DateTimeField::Hours => "hour",
        DateTimeField::Day | DateTimeField::Days => "day",
        DateTimeField::Week(None) | DateTimeField::Weeks => "week",
        // Months and years have no fixed length: their boundaries move with the calendar.
        _ => return None,
    };
    unit_micros(unit)
}

fn unit_micros(unit: &str) -> Option<i64> {
    Some(match unit {
        "microsecond" | "us" => 1,
        "millisecond" | "ms" => 1_000,
        "second" | "sec" => 1_000_000,
        "minute" | "min" => 60_000_000,
        "hour" => 3_600_000_000,
        "day" => MICROS_PER_DAY,
        "week" => 7 * MICROS_PER_DAY,
        _ => return None,
    })
}

/// Adds the comparisons between columns of two different tables inside `exprs`. `exact`
/// resolves a reference to the source column it is (nothing for a computed column, whose
/// value a shift would not follow); `reads` to every source column it reads, for the keys.
/// The keys are the equalities between bare columns inside `exprs` that pair the two tables.
pub(crate) fn collect<T: Visit>(
    exprs: &[&T],
    exact: &dyn Fn(&ColumnRef) -> Option<ColKey>,
    reads: &dyn Fn(&ColumnRef) -> Vec<ColKey>,
    out: &mut Vec<Relation>,
) {
    let mut comparisons = Comparisons::default();
    for expr in exprs {
        let _ = expr.visit(&mut comparisons);
    }
    let equal: Vec<(Vec<ColKey>, Vec<ColKey>)> = comparisons.equal.iter().map(|(a, b)| (reads(a), reads(b))).collect();
    for found in &comparisons.found {
        let (Some(left), Some(right)) = (exact(&found.left), exact(&found.right)) else { continue };
        if left.0 == right.0 {
            continue;
        }
        let mut keys: Vec<(ColKey, ColKey)> = Vec::new();
        for (a, b) in &equal {
            for (x, y) in [(a, b), (b, a)] {
                let l = x.iter().find(|c| c.0 == left.0);
                let r = y.iter().find(|c| c.0 == right.0);
                if let (Some(l), Some(r)) = (l, r) {
                    let pair = (l.clone(), r.clone());
                    if pair.0 != left && !keys.contains(&pair) {
                        keys.push(pair);
                    }
                }
            }
        }
        if keys.is_empty() {
            // Without a key the rows of the two tables do not pair: nothing to aim at.
            continue;
        }
        keys.sort();
        // One direction per pair of columns, so that the offsets of both spellings meet.
        let (left, right, offset, keys) = if left <= right {
            (left, right, found.offset, keys)
        } else {
            let mut swapped: Vec<(ColKey, ColKey)> = keys.into_iter().map(|(a, b)| (b, a)).collect();
            swapped.sort();
            (right, left, found.offset.negated(), swapped)
        };
        match out.iter_mut().find(|r| r.left == left && r.right == right && r.keys == keys) {
            Some(relation) => {
                if !relation.offsets.contains(&offset) {
                    relation.offsets.push(offset);
                }
            }
            None => out.push(Relation { left, right, offsets: vec![offset], keys }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Dialect;
    use crate::sql::parse::parse_expression;

    fn relations(text: &str) -> Vec<Relation> {
        let expr = parse_expression(text, Dialect::Bigquery).expect("test expression parses");
        let key = |r: &ColumnRef| Some((r.qualifier.clone().unwrap_or_default(), r.column.to_ascii_lowercase()));
        let mut out = Vec::new();
        collect(&[&expr], &key, &|r| key(r).into_iter().collect(), &mut out);
        out
    }

    #[test]
    fn a_join_window_gives_its_boundaries_and_its_keys() {
        let found = relations(
            "c.user_id = t.user_id AND t.ts <= c.at AND t.ts > TIMESTAMP_SUB(c.at, INTERVAL 30 DAY) \
             AND t.ts < c.at + INTERVAL 2 HOUR",
        );
        let [relation] = found.as_slice() else { panic!("{found:?}") };
        assert_eq!(relation.left, ("c".to_string(), "at".to_string()));
        assert_eq!(relation.right, ("t".to_string(), "ts".to_string()));
        assert_eq!(
            relation.keys,
            [(("c".to_string(), "user_id".to_string()), ("t".to_string(), "user_id".to_string()))]
        );
        let day = MICROS_PER_DAY;
        assert_eq!(relation.offsets, [Offset::Number(0), Offset::Time(30 * day), Offset::Time(-2 * 3_600_000_000)]);
    }

    #[test]
    fn comparisons_without_keys_or_within_a_table_are_left_alone() {
        assert!(relations("t.ts <= c.at").is_empty(), "no key pairs the rows");
        assert!(relations("t.id = c.id AND t.a < t.b").is_empty());
        assert!(relations("t.id = c.id AND t.ts < DATE_TRUNC(c.at, MONTH)").is_empty());
        assert!(relations("t.id = c.id AND t.ts < c.at + INTERVAL 1 MONTH").is_empty());
    }

    #[test]
    fn the_clock_is_the_run_time() {
        let expr = parse_expression("CURRENT_TIMESTAMP()", Dialect::Bigquery).unwrap();
        assert_eq!(clock_literal(&expr).as_deref(), Some(crate::sql::bridge::DEFAULT_RUN_TIME));
        let date = parse_expression("CURRENT_DATE()", Dialect::Bigquery).unwrap();
        assert_eq!(clock_literal(&date).as_deref(), crate::sql::bridge::DEFAULT_RUN_TIME.get(..10));
    }
}
