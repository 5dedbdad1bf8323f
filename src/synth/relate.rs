//! Making related rows: the comparisons [`super::relations`] found between columns of two
//! tables (and with the run's clock) are aimed at when the later table is made: some of its rows
//! take a joined row's value shifted by each boundary offset, exactly and one step either side.

use super::plan::{Plan, Role, TablePlan};
use super::relations::Offset;
use super::types::{decimal_add, Kind, Ty};
use super::value::{SynthTable, Value, MICROS_PER_DAY};
use std::collections::HashMap;

/// One aim of a table being made: the column changed, the other table, its column, the keys
/// as (own, other) columns, the values' offsets from the other column's value.
type Aim<'a> = (usize, &'a SynthTable, usize, Vec<(usize, usize)>, Vec<Offset>);

/// Rows `r` with `r % RELATE_EVERY == RELATE_AT`, after the edge rows, take related values;
/// the others keep theirs. Half the rows: a related pair reaches a model only past every other
/// filter on both rows (a purchase, a paid touch), so few related rows would rarely get there.
const RELATE_EVERY: usize = 2;
/// See [`RELATE_EVERY`].
const RELATE_AT: usize = 1;

/// Gives some rows of `table` (being made, from plan `tp`) the values of their related rows of
/// the tables made before (`done`) at each boundary of every relation between them. Only a
/// free column outside every key, that no foreign key reads, is changed; a NULL is never put
/// into a NOT NULL column.
pub(crate) fn relate(plan: &Plan, tp: &TablePlan, table: &mut SynthTable, done: &[SynthTable]) {
    let first = tp.columns.iter().map(|c| c.edges.len()).max().unwrap_or(0).max(super::plan::EDGE_POSITIONS.len());
    let read_by_fk = |c: usize| {
        plan.tables.iter().any(|t| t.fks.iter().any(|fk| fk.parent == tp.name && fk.parent_columns.contains(&c)))
    };
    let column = |name: &str| tp.columns.iter().position(|c| c.name.eq_ignore_ascii_case(name));
    let changeable = |c: usize| {
        tp.columns[c].role == Role::Free
            && !tp.key_columns.contains(&c)
            && !read_by_fk(c)
            && !tp.mirrors.iter().any(|m| m.0 == c || m.1 == c)
    };
    let mut aims: Vec<Aim<'_>> = Vec::new();
    for relation in &plan.relations {
        let (own, other, offsets, keys) = if relation.left.0 == tp.name {
            (&relation.left, &relation.right, relation.offsets.clone(), relation.keys.clone())
        } else if relation.right.0 == tp.name {
            let swapped = relation.keys.iter().map(|(a, b)| (b.clone(), a.clone())).collect();
            (&relation.right, &relation.left, relation.offsets.iter().map(|o| o.negated()).collect(), swapped)
        } else {
            continue;
        };
        let Some(other_table) = done.iter().find(|t| t.name == other.0) else { continue };
        let other_column = |name: &str| other_table.columns.iter().position(|c| c.name.eq_ignore_ascii_case(name));
        let (Some(c), Some(oc)) = (column(&own.1), other_column(&other.1)) else { continue };
        if !changeable(c) {
            continue;
        }
        let keys: Option<Vec<(usize, usize)>> =
            keys.iter().map(|(a, b)| Some((column(&a.1)?, other_column(&b.1)?))).collect();
        let Some(keys) = keys else { continue };
        let step = step_of(&tp.columns[c].ty);
        let mut values: Vec<Offset> = Vec::new();
        for offset in offsets {
            for sign in [0, -1, 1] {
                let shifted = match (sign, step) {
                    (0, _) => Some(offset),
                    (_, Some(step)) => add(offset, step, sign),
                    (_, None) => None,
                };
                if let Some(v) = shifted.filter(|v| !values.contains(v)) {
                    values.push(v);
                }
            }
        }
        if !values.is_empty() {
            aims.push((c, other_table, oc, keys, values));
        }
    }
    if aims.is_empty() {
        return;
    }
    // Each related table's rows by their key values, so a row finds its partners at once.
    let indexes: Vec<HashMap<Vec<String>, Vec<usize>>> = aims
        .iter()
        .map(|(_, other, _, keys, _)| {
            let mut index: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
            for p in 0..other.rows {
                if let Some(tuple) = key_tuple(other, p, keys.iter().map(|k| k.1)) {
                    index.entry(tuple).or_default().push(p);
                }
            }
            index
        })
        .collect();
    for r in (first..table.rows).filter(|r| r % RELATE_EVERY == RELATE_AT) {
        let k = r / RELATE_EVERY;
        let a = k % aims.len();
        let (c, other, oc, keys, offsets) = &aims[a];
        let Some(tuple) = key_tuple(table, r, keys.iter().map(|k| k.0)) else { continue };
        let Some(partners) = indexes[a].get(&tuple) else { continue };
        let turn = k / aims.len();
        let partner = partners[turn / offsets.len() % partners.len()];
        let Some(base) = other.columns[*oc].values[partner].clone() else { continue };
        let column = &tp.columns[*c];
        let Some(value) = shift(&base, offsets[turn % offsets.len()], &column.ty) else { continue };
        let value = match column.bound {
            Some(bound) => super::range::within(value, bound),
            None => value,
        };
        if column.ty.fits(&value) {
            table.columns[*c].values[r] = Some(value);
        }
    }
}

/// The text of row `r`'s values in `columns`, or `None` when one is NULL (a NULL key joins
/// nothing).
fn key_tuple(table: &SynthTable, r: usize, columns: impl Iterator<Item = usize>) -> Option<Vec<String>> {
    columns.map(|c| table.columns[c].values[r].as_ref().map(Value::to_text)).collect()
}

/// One step of a type: a second, a day, 1, the smallest decimal.
fn step_of(ty: &Ty) -> Option<Offset> {
    Some(match ty.kind {
        Kind::Timestamp | Kind::Datetime => Offset::Time(1_000_000),
        Kind::Date => Offset::Time(MICROS_PER_DAY),
        Kind::Int => Offset::Number(1_000_000_000),
        Kind::Numeric => Offset::Number(10i128.pow(9u32.saturating_sub(ty.scale))),
        Kind::Float => Offset::Number(1_000_000),
        _ => return None,
    })
}

fn add(a: Offset, b: Offset, sign: i64) -> Option<Offset> {
    match (a, b) {
        (Offset::Time(x), Offset::Time(y)) => Some(Offset::Time(x.checked_add(y.checked_mul(sign)?)?)),
        (Offset::Number(x), Offset::Number(y)) => Some(Offset::Number(x.checked_add(y * i128::from(sign))?)),
        (Offset::Number(0), step) => Some(if sign < 0 { step.negated() } else { step }),
        _ => None,
    }
}

/// `value + offset`, as a value of type `ty`, when the two go together.
fn shift(value: &Value, offset: Offset, ty: &Ty) -> Option<Value> {
    let v = match (value, offset) {
        (Value::Timestamp(t), Offset::Time(m)) => Value::Timestamp(t.checked_add(m)?),
        (Value::Timestamp(t), Offset::Number(0)) => Value::Timestamp(*t),
        (Value::Date(d), Offset::Time(m)) if m % MICROS_PER_DAY == 0 => {
            Value::Date(i32::try_from(i64::from(*d).checked_add(m / MICROS_PER_DAY)?).ok()?)
        }
        (Value::Date(d), Offset::Number(0)) => Value::Date(*d),
        (Value::Int(n), Offset::Number(u)) if u % 1_000_000_000 == 0 => {
            Value::Int(n.checked_add(i64::try_from(u / 1_000_000_000).ok()?)?)
        }
        (Value::Decimal(d), Offset::Number(u)) => Value::Decimal(decimal_add(d, &units_text(u))?),
        (Value::Float(f), Offset::Number(u)) => Value::Float(f + u as f64 / 1e9),
        _ => return None,
    };
    ty.fits(&v).then_some(v)
}

fn units_text(units: i128) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.unsigned_abs();
    format!("{sign}{}.{:09}", abs / 1_000_000_000, abs % 1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_shift_by_their_type_s_steps() {
        let ts = Ty::of(Some("TIMESTAMP"), "TIMESTAMP");
        assert_eq!(shift(&Value::Timestamp(10), Offset::Time(-5), &ts), Some(Value::Timestamp(5)));
        let date = Ty::of(Some("DATE"), "DATE");
        assert_eq!(shift(&Value::Date(10), Offset::Time(MICROS_PER_DAY), &date), Some(Value::Date(11)));
        assert_eq!(shift(&Value::Date(10), Offset::Time(1), &date), None);
        let num = Ty::of(Some("NUMERIC"), "NUMERIC");
        assert_eq!(
            shift(&Value::Decimal("1.5".into()), Offset::Number(-500_000_000), &num),
            Some(Value::Decimal("1".into()))
        );
        assert_eq!(add(Offset::Number(0), Offset::Time(1_000_000), -1), Some(Offset::Time(-1_000_000)));
    }
}
