//! Explanations: where a structural property of the output explains a difference, the words a
//! reviewer acts on — "2 output rows for order_id=1 where the spec gives 1: the join to
//! commerce_order_items fans out", "customer_id=7 missing: the INNER JOIN to crm_addresses drops
//! rows without a match", "lifecycle_stage is 'inactive' for customer_id=7 where the spec gives
//! 'churned'".
//!
//! The key of the output (the primary key, the natural key and `effective_at` of an SCD2 model,
//! or the `group_by` of an aggregate) lines the differing rows up: the same key on both sides
//! is a wrong value; a key with more rows than the spec gives is a fan-out; a key missing is a
//! dropped row. The code's own joins and filters (its lineage) name the likely cause.

use crate::engine::{Engine, Row};
use crate::finding::Location;
use crate::project::code::ModelCode;
use crate::project::layout::Project;
use crate::prove::case::Difference;
use crate::sql::lineage::JoinType;
use crate::sql::quote_ident;

/// What explains a difference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Explanation {
    /// One sentence per explained row (at most [`MAX_SENTENCES`]).
    pub sentences: Vec<String>,
    /// The place in the code the explanation points at (a join), when it points at one.
    pub location: Option<Location>,
}

/// The most sentences an explanation has.
pub const MAX_SENTENCES: usize = 3;

/// Explains `difference` of model `model`, whose table is `actual` in `engine`; `relation_of`
/// names the relation of a table the code reads (a source's `schema.table`, a model's name), for
/// looking at the counterexample's inputs.
pub(crate) fn explain(
    engine: &Engine,
    project: &Project,
    model: usize,
    code: Option<&ModelCode>,
    difference: &Difference,
    actual: Option<&str>,
    relation_of: &dyn Fn(&str) -> Option<String>,
) -> Explanation {
    let spec_model = &project.spec.spec.models[model];
    let comparison = &difference.comparison;
    let columns = &comparison.columns;
    let find = |name: &str| columns.iter().position(|c| c.eq_ignore_ascii_case(name));
    let mut key_names: Vec<String> = Vec::new();
    let c = &spec_model.constraints;
    if c.scd_type == Some(2) {
        key_names.extend(c.natural_key.iter().flat_map(|k| k.names()).map(str::to_string));
        key_names.extend(c.effective_at.clone());
    } else if let Some(pk) = &c.primary_key {
        key_names.extend(pk.names().map(str::to_string));
    } else if !spec_model.group_by.is_empty() {
        key_names.extend(spec_model.group_by.iter().cloned());
    }
    let key: Option<Vec<usize>> = if key_names.is_empty() { None } else { key_names.iter().map(|k| find(k)).collect() };
    let mut out = Explanation::default();
    let Some(key) = key else {
        // No key to line rows up by: say which columns the closest pair differs in.
        if let Some((Some(e), Some(a))) = comparison.differences.first() {
            out.sentences.push(value_sentence(columns, &[], e, a));
        }
        return out;
    };
    let key_text = |row: &Row| {
        key.iter()
            .map(|&i| {
                format!(
                    "{}={}",
                    columns[i],
                    row[i].clone().map(|v| quoted_if_text(&v)).unwrap_or_else(|| "NULL".into())
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let same_key = |a: &Row, b: &Row| key.iter().all(|&i| a[i] == b[i]);
    // An SCD2 history's rows come and go by its merge logic, not by joins and filters of one
    // query: its code's joins and filters explain nothing there.
    let lineage = code.and_then(|c| c.lineage.as_ref()).filter(|_| difference.after_run.is_none());
    let mut explained_keys: Vec<String> = Vec::new();
    for (expected, produced) in &comparison.differences {
        if out.sentences.len() >= MAX_SENTENCES {
            break;
        }
        let sentence = match (expected, produced) {
            (Some(e), Some(a)) if same_key(e, a) => {
                let k = key_text(e);
                if explained_keys.contains(&k) {
                    continue;
                }
                explained_keys.push(k);
                value_sentence(columns, &key, e, a)
            }
            (_, Some(a)) => {
                let k = key_text(a);
                if explained_keys.contains(&k) {
                    continue;
                }
                explained_keys.push(k.clone());
                let produced_n = actual.and_then(|t| count_key(engine, t, columns, &key, a));
                let expected_n = expected_count(comparison, &key, a);
                match produced_n {
                    Some(n) if n > 1 && n > expected_n => {
                        let mut s = format!(
                            "{n} output rows for {k} where the spec gives {}",
                            if expected_n == 0 { "none".to_string() } else { expected_n.to_string() }
                        );
                        if let Some((cause, at)) = lineage.and_then(|l| fan_out_cause(engine, code, l, relation_of)) {
                            s.push_str(&format!(": {cause}"));
                            out.location.get_or_insert(at);
                        }
                        s
                    }
                    _ if expected_n == 0
                        && !comparison.differences.iter().any(|(e, _)| e.as_ref().is_some_and(|e| same_key(e, a))) =>
                    {
                        format!("{k} is in the output but not in the spec's result")
                    }
                    _ => continue,
                }
            }
            (Some(e), None) => {
                let k = key_text(e);
                if explained_keys.contains(&k) {
                    continue;
                }
                explained_keys.push(k.clone());
                let produced_n = actual.and_then(|t| count_key(engine, t, columns, &key, e));
                if produced_n != Some(0) {
                    continue;
                }
                let mut s = format!("{k} missing from the output");
                if let Some((cause, at)) = lineage.and_then(|l| drop_cause(project, model, code, l)) {
                    s.push_str(&format!(": {cause}"));
                    out.location.get_or_insert(at);
                }
                s
            }
            (None, None) => continue,
        };
        out.sentences.push(sentence);
    }
    out
}

/// "lifecycle_stage is 'inactive' for customer_id=7 where the spec gives 'churned'".
fn value_sentence(columns: &[String], key: &[usize], expected: &Row, produced: &Row) -> String {
    let show = |v: &Option<String>| v.as_deref().map(quoted_if_text).unwrap_or_else(|| "NULL".into());
    let key_text: Vec<String> = key.iter().map(|&i| format!("{}={}", columns[i], show(&expected[i]))).collect();
    let parts: Vec<String> = columns
        .iter()
        .enumerate()
        .filter(|(i, _)| expected[*i] != produced[*i])
        .take(3)
        .map(|(i, c)| format!("{c} is {} where the spec gives {}", show(&produced[i]), show(&expected[i])))
        .collect();
    if key_text.is_empty() {
        parts.join(", ")
    } else {
        format!("for {}: {}", key_text.join(", "), parts.join(", "))
    }
}

/// Numbers and booleans bare, everything else in single quotes.
fn quoted_if_text(value: &str) -> String {
    let number = value.parse::<f64>().is_ok() && !value.trim().is_empty();
    if number || value == "true" || value == "false" {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "''"))
    }
}

/// How many rows of `table` have the key of `row`.
fn count_key(engine: &Engine, table: &str, columns: &[String], key: &[usize], row: &Row) -> Option<usize> {
    let condition: Vec<String> = key
        .iter()
        .map(|&i| match &row[i] {
            // The comparison shows a number column through DOUBLE (1.50 as 1.5), others as text.
            Some(v) => {
                let (column, value) = (quote_ident(&columns[i]), v.replace('\'', "''"));
                format!("(CAST({column} AS VARCHAR) = '{value}' OR CAST(TRY_CAST(CAST({column} AS VARCHAR) AS DOUBLE) AS VARCHAR) = '{value}')")
            }
            None => format!("{} IS NULL", quote_ident(&columns[i])),
        })
        .collect();
    let (_, rows) = engine.query(&format!("SELECT count(*) FROM {table} WHERE {}", condition.join(" AND "))).ok()?;
    rows.first()?.first()?.as_deref()?.parse().ok()
}

/// Rows of the reference with the key of `row`: the expected rows are not all kept in the
/// comparison, so this counts among those shown, which is what a fan-out of a key needs (the
/// reference has its key once).
fn expected_count(comparison: &crate::reference::Comparison, key: &[usize], row: &Row) -> usize {
    // A key the reference has agrees on at least one row, or is among the missing rows.
    let missing = comparison
        .differences
        .iter()
        .filter_map(|(e, _)| e.as_ref())
        .filter(|e| key.iter().all(|&i| e[i] == row[i]))
        .count();
    if missing > 0 {
        return missing;
    }
    // Not among the missing rows: the reference has it once when the output's other rows agree.
    usize::from(comparison.expected_rows > 0 && comparison.missing_rows < comparison.expected_rows)
}

/// The join that fans out, read off the counterexample: a join can only repeat a row when the
/// table it joins in has two rows agreeing on the columns its condition equates (any two rows,
/// for a join without equalities). One such join is named and pointed at; several are named
/// together, pointing at the first; a table whose rows cannot be read counts as a suspect.
/// `None` when no join can have done it (the rows repeat for another reason).
fn fan_out_cause(
    engine: &Engine,
    code: Option<&ModelCode>,
    lineage: &crate::sql::lineage::Lineage,
    relation_of: &dyn Fn(&str) -> Option<String>,
) -> Option<(String, Location)> {
    let code = code?;
    let mut suspects: Vec<(String, &crate::sql::lineage::JoinEdge)> = Vec::new();
    for join in &lineage.joins {
        for table in &join.right {
            let columns: Vec<&str> = join
                .equalities
                .iter()
                .flat_map(|(a, b)| [a, b])
                .filter(|c| &c.table == table)
                .map(|c| c.column.as_str())
                .collect();
            let repeats = match relation_of(table) {
                Some(relation) => repeats_on(engine, &relation, if join.opaque_condition { &[] } else { &columns }),
                None => None,
            };
            if repeats != Some(false) && !suspects.iter().any(|(name, _)| name == &short(table)) {
                suspects.push((short(table), join));
            }
        }
    }
    let (first, join) = suspects.first()?;
    let at = code.locate(join.pos.line, join.pos.column);
    let text = match suspects.as_slice() {
        [_] => format!("the join to {first} fans out"),
        _ => format!(
            "one of the joins (to {}) fans out",
            suspects.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
        ),
    };
    Some((text, at))
}

/// Whether two rows of `relation` agree on `columns` (any two rows when there are none); `None`
/// when the table cannot be read.
fn repeats_on(engine: &Engine, relation: &str, columns: &[&str]) -> Option<bool> {
    let sql = if columns.is_empty() {
        format!("SELECT count(*) > 1 FROM {relation}")
    } else {
        let list: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
        format!("SELECT count(*) > 0 FROM (SELECT 1 FROM {relation} GROUP BY {} HAVING count(*) > 1)", list.join(", "))
    };
    let (_, rows) = engine.query(&sql).ok()?;
    Some(rows.first()?.first()?.as_deref()? == "true")
}

/// The INNER join the code has where the spec joins that table LEFT, or the code's filters.
fn drop_cause(
    project: &Project,
    model: usize,
    code: Option<&ModelCode>,
    lineage: &crate::sql::lineage::Lineage,
) -> Option<(String, Location)> {
    let code = code?;
    let spec_model = &project.spec.spec.models[model];
    for join in &lineage.joins {
        if !matches!(join.kind, JoinType::Inner) {
            continue;
        }
        for table in &join.right {
            let name = short(table);
            let spec_left = spec_model
                .joins
                .iter()
                .any(|j| j.right_table.eq_ignore_ascii_case(&name) && j.join_type.trim().eq_ignore_ascii_case("LEFT"));
            let upstream_left = spec_model.joins.is_empty() && spec_model.sources.len() > 1;
            if spec_left || upstream_left {
                return Some((
                    format!("the INNER JOIN to {name} drops rows without a match, which the spec keeps"),
                    code.locate(join.pos.line, join.pos.column),
                ));
            }
        }
    }
    // A filter the spec does not have is the other way a row goes missing.
    let filter = lineage.filters.first()?;
    Some((
        format!("the code's filter `{}` (or a join) drops it, which the spec keeps", filter.text),
        code.locate(filter.pos.line, filter.pos.column),
    ))
}

/// `raw.crm_addresses` → `crm_addresses`.
fn short(table: &str) -> String {
    table.rsplit('.').next().unwrap_or(table).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineConfig;

    #[test]
    fn keys_are_counted_as_the_comparison_shows_them() {
        let engine = Engine::open(&EngineConfig::default()).unwrap();
        engine
            .execute(
                "CREATE TABLE t AS SELECT * FROM (VALUES (1.50::DECIMAL(10,2), TIMESTAMP '2024-06-30 12:00:00', 'a'), \
                 (1.50::DECIMAL(10,2), TIMESTAMP '2024-07-01 12:00:00', 'b'), (NULL, NULL, 'c')) v(k, ts, s)",
            )
            .unwrap();
        let columns: Vec<String> = ["k", "ts", "s"].map(String::from).to_vec();
        let row = |k: Option<&str>, at: Option<&str>| -> Row { vec![k.map(String::from), at.map(String::from), None] };
        // A DECIMAL key reads 1.5 in the comparison (through DOUBLE) and 1.50 as text.
        assert_eq!(count_key(&engine, "t", &columns, &[0], &row(Some("1.5"), None)), Some(2));
        assert_eq!(count_key(&engine, "t", &columns, &[0], &row(Some("1.50"), None)), Some(2));
        assert_eq!(count_key(&engine, "t", &columns, &[0], &row(Some("2"), None)), Some(0));
        // A timestamp in the key is matched as text (it has no DOUBLE reading), NULL as NULL.
        let at = row(Some("1.5"), Some("2024-07-01 12:00:00"));
        assert_eq!(count_key(&engine, "t", &columns, &[0, 1], &at), Some(1));
        assert_eq!(count_key(&engine, "t", &columns, &[0, 1], &row(None, None)), Some(1));
    }
}
