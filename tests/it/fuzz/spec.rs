//! Specs: the example's corrected spec with values replaced by hostile ones at any place of the
//! tree (SQL expressions from the BigQuery grammar where the spec holds SQL, numbers past every
//! range, deep nesting, empty and huge strings, wrong types), fields removed or added, and the
//! result written compact or pretty.

use super::bigquery;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::Value;

/// Every path (object keys and array indexes) of `value`, the root first.
fn paths(value: &Value, at: &mut Vec<PathPart>, out: &mut Vec<Vec<PathPart>>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                at.push(PathPart::Key(k.clone()));
                paths(v, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(PathPart::Index(i));
                paths(v, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone, PartialEq)]
enum PathPart {
    Key(String),
    Index(usize),
}

fn get_mut<'a>(value: &'a mut Value, path: &[PathPart]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, part| match part {
        PathPart::Key(k) => v.get_mut(k.as_str()),
        PathPart::Index(i) => v.get_mut(*i),
    })
}

/// What to do at a place of the tree.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Put this value there.
    Replace(Value),
    /// Remove it from its object or array.
    Remove,
    /// Add a field (to an object) or an item (to an array).
    Add(String, Value),
    /// Copy the subtree found at another place here.
    CopyFrom(Index),
}

fn hostile_value() -> impl Strategy<Value = Value> {
    let fixed = select(vec![
        Value::Null,
        Value::Bool(true),
        Value::from(-1),
        Value::from(0),
        Value::from(u64::MAX),
        Value::from(i64::MIN),
        Value::from(1.5e308),
        Value::from(0.5),
        Value::from(""),
        Value::from(" "),
        Value::from("ünï😀\u{202e}"),
        Value::from("\u{0}\u{1b}[31m"),
        Value::from("a.b.c.d"),
        Value::from("raw."),
        Value::from(".x"),
        Value::from("{from}"),
        Value::from("{from} + {from}"),
        Value::from("{unknown}"),
        Value::from("${ref(\"x\")}"),
        Value::from("CASE WHEN"),
        Value::from("(((("),
        Value::from("SELECT 1; DROP TABLE raw.crm_customers"),
        Value::from("INT64"),
        Value::from("STRUCT<a ARRAY<STRUCT<b INT64>>>"),
        Value::from("ARRAY<"),
        Value::from("NUMERIC(99, 99)"),
        Value::from("final"),
        Value::from("staging"),
        Value::from("not_null"),
        Value::from("accepted_values"),
        Value::from("x".repeat(5000)),
        Value::Array(vec![]),
        Value::Object(serde_json::Map::new()),
        serde_json::json!(["not_null", {"accepted_values": [1, "a", null]}, {"relationships": {"to": "x", "field": "y"}}]),
        serde_json::json!({"name": "m", "layer": "staging", "sources": [], "column_mapping": []}),
    ]);
    prop_oneof![
        6 => fixed,
        3 => bigquery::expr().prop_map(Value::from),
        1 => bigquery::chain().prop_map(Value::from),
        1 => (1usize..300).prop_map(|n| serde_json::from_str(&format!("{}{}", "[".repeat(n.min(120)), "]".repeat(n.min(120)))).unwrap_or(Value::Null)),
        1 => "\\PC{0,40}".prop_map(Value::from),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => hostile_value().prop_map(Edit::Replace),
        2 => Just(Edit::Remove),
        1 => (select(vec!["name", "type", "unknwon_field", "transform", "tests", "layer", "", "ü"]), hostile_value())
            .prop_map(|(k, v)| Edit::Add(k.to_string(), v)),
        1 => any::<Index>().prop_map(Edit::CopyFrom),
    ]
}

/// Applies `edits` (each at the place its index picks among all of the tree's places).
fn apply(base: &Value, edits: &[(Index, Edit)]) -> Value {
    let mut value = base.clone();
    for (place, edit) in edits {
        let mut all = Vec::new();
        paths(&value, &mut Vec::new(), &mut all);
        let path = place.get(&all).clone();
        match edit {
            Edit::Replace(v) => {
                if let Some(slot) = get_mut(&mut value, &path) {
                    *slot = v.clone();
                }
            }
            Edit::Remove => {
                if let Some((last, parent)) = path.split_last() {
                    match (get_mut(&mut value, parent), last) {
                        (Some(Value::Object(map)), PathPart::Key(k)) => {
                            map.remove(k);
                        }
                        (Some(Value::Array(items)), PathPart::Index(i)) if *i < items.len() => {
                            items.remove(*i);
                        }
                        _ => {}
                    }
                }
            }
            Edit::Add(key, v) => match get_mut(&mut value, &path) {
                Some(Value::Object(map)) => {
                    map.insert(key.clone(), v.clone());
                }
                Some(Value::Array(items)) => items.push(v.clone()),
                _ => {}
            },
            Edit::CopyFrom(from) => {
                let source = from.get(&all).clone();
                let copied = get_mut(&mut value, &source).map(|v| v.clone());
                if let (Some(copied), Some(slot)) = (copied, get_mut(&mut value, &path)) {
                    *slot = copied;
                }
            }
        }
    }
    value
}

/// The corrected spec of the example, edited in one to four places.
pub fn edited_spec(base: String) -> BoxedStrategy<String> {
    let value: Value = serde_json::from_str(&base).expect("the example spec is JSON");
    (proptest::collection::vec((any::<Index>(), edit()), 1..5), any::<bool>())
        .prop_map(move |(edits, pretty)| {
            let edited = apply(&value, &edits);
            let text = if pretty { serde_json::to_string_pretty(&edited) } else { serde_json::to_string(&edited) };
            text.expect("a JSON value serialises")
        })
        .boxed()
}
