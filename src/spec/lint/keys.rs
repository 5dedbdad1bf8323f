//! Keys the spec's own meaning can break: a primary key (or `unique` column) that repeats on
//! data the sources allow, because a table declares no key where the spec needs one.
//!
//! The reasoning is functional dependency: start from the key's source columns, and grow the
//! set of columns they determine — a table's declared key determines its whole row, and a join
//! equality carries a column across. The key holds when every row (or, in a grouped model,
//! every grouping column) is determined. When it does not, the tables that lack a key are
//! named; a key over computed columns cannot be reasoned about statically and is left to the
//! differential check.

use crate::finding::Code;
use crate::spec::resolve::context::Lint;
use crate::spec::resolve::query::{ModelQuery, QCol};
use std::collections::{BTreeSet, HashSet};

/// A key to check: its output columns and where the spec asks for it.
pub struct KeyClaim {
    /// Output columns, lowercase.
    pub columns: Vec<String>,
    /// JSON path of the claim (the primary key, or the column's tests).
    pub path: String,
    /// How to call it in a message: "primary key `customer_id`".
    pub label: String,
}

/// Reports each key claim of the model that its own meaning can break.
pub fn check_keys(lint: &mut Lint<'_>, mi: usize, q: &ModelQuery, claims: &[KeyClaim]) {
    if q.incomplete {
        return;
    }
    let model = lint.spec.models[mi].name.clone();
    let Some(&base) = q.joined.first() else { return };
    for claim in claims {
        // The key's columns as source columns; a computed one ends the static reasoning.
        let mut sources = Vec::new();
        for column in &claim.columns {
            let Some(output) = q.outputs.iter().find(|o| o.name.eq_ignore_ascii_case(column)) else { return };
            match &output.direct {
                Some(qcol) => sources.push(qcol.clone()),
                None => return,
            }
        }
        let participants: Vec<usize> = if q.per_source_metrics { vec![base] } else { q.joined.clone() };
        let closure = determined(q, &participants, sources.iter().cloned());
        let failing: Vec<usize> = match &q.grouped {
            Some(groups) => {
                let mut failing: Vec<usize> =
                    groups.iter().filter(|c| !closure.contains(*c)).map(|(r, _)| *r).collect();
                failing.dedup();
                failing
            }
            None => participants.iter().copied().filter(|&r| !keyed_within(q, r, &closure)).collect(),
        };
        if failing.is_empty() {
            continue;
        }
        // Blame every table on the way from the base to a failing one that lacks a key
        // where the spec relies on one.
        let mut culprits = BTreeSet::new();
        for r in failing {
            let mut at = Some(r);
            while let Some(current) = at {
                if !keyed_where_needed(q, current, &sources) {
                    culprits.insert(current);
                }
                at = q.joins.iter().find(|j| j.right == current).map(|j| j.left);
            }
        }
        let key_text = claim.columns.join(", ");
        if culprits.is_empty() {
            lint.report(
                Code::KeyCanRepeat,
                &model,
                &claim.path,
                format!("{} can repeat: the joins do not determine one row per key", claim.label),
            );
        }
        for culprit in culprits {
            let alias = &q.relations[culprit].alias;
            match q.joins.iter().find(|j| j.right == culprit) {
                Some(join) => {
                    let on: Vec<&str> = join.equalities.iter().filter_map(|(a, b)| side_of(culprit, a, b)).collect();
                    let on =
                        if on.is_empty() { "its join columns".to_string() } else { format!("({})", on.join(", ")) };
                    let path = format!("{}.right_table", join.path);
                    lint.report(
                        Code::KeyCanRepeat,
                        &model,
                        &path,
                        format!(
                            "{} can repeat: the {} JOIN to `{alias}` can match several rows, because `{alias}` declares no key on {on}",
                            claim.label,
                            join.kind.keyword()
                        ),
                    )
                    .help = Some(format!(
                        "declare the key `{alias}` promises (PRIMARY KEY (...) NOT ENFORCED, or `primary_key` in the spec's `sources`), or reduce `{alias}` to one row per key in an upstream model"
                    ));
                }
                None => {
                    let own: Vec<&str> =
                        sources.iter().filter(|(r, _)| *r == culprit).map(|(_, c)| c.as_str()).collect();
                    let on = if own.is_empty() { key_text.clone() } else { own.join(", ") };
                    let why = if q.grouped.is_some() {
                        "so two of its rows can share it and differ in other grouped columns"
                    } else {
                        "so two of its rows can share it"
                    };
                    lint.report(
                        Code::KeyCanRepeat,
                        &model,
                        &claim.path,
                        format!("{} can repeat: `{alias}` declares no key on ({on}), {why}", claim.label),
                    )
                    .help = Some(format!(
                        "declare the key `{alias}` promises (PRIMARY KEY ({on}) NOT ENFORCED in its DDL, or `primary_key` in the spec's `sources`)"
                    ));
                }
            }
        }
    }
}

/// The column of `culprit` in an equality pair.
fn side_of<'c>(culprit: usize, a: &'c QCol, b: &'c QCol) -> Option<&'c str> {
    if a.0 == culprit {
        Some(a.1.as_str())
    } else if b.0 == culprit {
        Some(b.1.as_str())
    } else {
        None
    }
}

/// Every column determined by `start` through declared keys and join equalities.
fn determined(q: &ModelQuery, participants: &[usize], start: impl Iterator<Item = QCol>) -> HashSet<QCol> {
    let mut closure: HashSet<QCol> = start.collect();
    for join in &q.joins {
        closure.extend(join.constants.iter().cloned());
    }
    loop {
        let before = closure.len();
        for &r in participants {
            if keyed_within(q, r, &closure) {
                closure.extend(q.relations[r].columns.iter().map(|c| (r, c.name.to_ascii_lowercase())));
            }
        }
        for join in &q.joins {
            for (a, b) in &join.equalities {
                if closure.contains(a) {
                    closure.insert(b.clone());
                }
                if closure.contains(b) {
                    closure.insert(a.clone());
                }
            }
        }
        if closure.len() == before {
            return closure;
        }
    }
}

fn keyed_within(q: &ModelQuery, r: usize, closure: &HashSet<QCol>) -> bool {
    let columns: Vec<String> = closure.iter().filter(|(rel, _)| *rel == r).map(|(_, c)| c.clone()).collect();
    q.relations[r].keyed_by(&columns)
}

/// Whether relation `r` declares a key where the model relies on one: the base on the key's
/// own columns, a joined table on its join columns (and columns its condition fixes).
fn keyed_where_needed(q: &ModelQuery, r: usize, key_sources: &[QCol]) -> bool {
    let mut columns: Vec<String> = key_sources.iter().filter(|(rel, _)| *rel == r).map(|(_, c)| c.clone()).collect();
    if let Some(join) = q.joins.iter().find(|j| j.right == r) {
        columns = join.equalities.iter().filter_map(|(a, b)| side_of(r, a, b)).map(str::to_string).collect();
        columns.extend(join.constants.iter().filter(|(rel, _)| *rel == r).map(|(_, c)| c.clone()));
    }
    q.relations[r].keyed_by(&columns)
}

#[cfg(test)]
mod tests {
    use crate::spec::lint::test_support::{codes, column, lint_models, mapping};

    const JOIN_ADDRESSES: &str = r#"[{"left_table": "customers", "right_table": "addresses", "type": "LEFT", "condition": "customers.customer_id = addresses.customer_id"}]"#;

    /// A model keyed by its first column, reading one column of each of two joined tables.
    fn keyed_join(sources: &str, first: (&str, &str), second: (&str, &str), joins: &str) -> String {
        let columns = format!(
            "[{}, {}]",
            column(first.1, first.0, first.1, None, ""),
            column(second.1, second.0, second.1, None, "")
        );
        mapping("m", sources, &columns, joins, &format!(r#"{{"primary_key": "{}"}}"#, first.1))
    }

    #[test]
    fn a_join_to_a_table_without_a_key_fans_out() {
        let sources = r#"["raw.customers", "raw.addresses"]"#;
        let model = keyed_join(sources, ("customers", "customer_id"), ("addresses", "country"), JOIN_ADDRESSES);
        let findings = lint_models(&format!("[{model}]"), "");
        assert_eq!(codes(&findings), ["SPEC013"]);
        assert_eq!(findings[0].json_path.as_deref(), Some("models[0].joins[0].right_table"));
        assert!(findings[0].message.contains("LEFT JOIN to `addresses`"), "{}", findings[0].message);
    }

    #[test]
    fn a_keyed_join_does_not() {
        let joins = r#"[{"left_table": "orders", "right_table": "fx", "type": "LEFT", "condition": "orders.currency = fx.currency"}]"#;
        let model = keyed_join(r#"["raw.orders", "raw.fx"]"#, ("orders", "order_id"), ("fx", "rate"), joins);
        // fx declares no key on currency: a finding. With the key declared: none.
        assert_eq!(codes(&lint_models(&format!("[{model}]"), "")), ["SPEC013"]);
        let spec_key = model
            .replace(r#"["raw.orders", "raw.fx"]"#, r#"["raw.orders", "raw.rates"]"#)
            .replace("\"fx", "\"rates")
            .replace(" fx.", " rates.");
        let findings = lint_models(
            &format!("[{spec_key}]"),
            "CREATE TABLE raw.rates (currency STRING NOT NULL, rate NUMERIC, PRIMARY KEY (currency) NOT ENFORCED);",
        );
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn a_base_table_without_a_key_can_repeat_its_key() {
        let columns = format!("[{}]", column("customer_id", "tickets", "customer_id", None, ""));
        let model = mapping("m", r#"["raw.tickets"]"#, &columns, "[]", r#"{"primary_key": "customer_id"}"#);
        let findings = lint_models(&format!("[{model}]"), "");
        assert_eq!(codes(&findings), ["SPEC013"]);
        assert!(findings[0].message.contains("`tickets` declares no key on (customer_id)"));
    }

    #[test]
    fn grouping_by_the_key_collapses_the_fan_out() {
        // SUM over the joined rows groups by every column read outside the aggregate:
        // customer_id only, so the key holds whatever addresses hold.
        let columns = format!(
            "[{}, {}]",
            column("customer_id", "customers", "customer_id", None, ""),
            column("n", "addresses", "country", Some("COUNT({from})"), "")
        );
        let model = mapping(
            "m",
            r#"["raw.customers", "raw.addresses"]"#,
            &columns,
            JOIN_ADDRESSES,
            r#"{"primary_key": "customer_id"}"#,
        );
        assert!(lint_models(&format!("[{model}]"), "").is_empty());
    }

    #[test]
    fn a_computed_key_is_left_to_the_differential_check() {
        let columns = format!("[{}]", column("k", "tickets", "status", Some("COALESCE(UPPER({from}), '')"), ""));
        let model = mapping("m", r#"["raw.tickets"]"#, &columns, "[]", r#"{"primary_key": "k"}"#);
        assert!(lint_models(&format!("[{model}]"), "").is_empty());
    }

    #[test]
    fn a_join_condition_fixing_a_column_completes_a_key() {
        let extra = "CREATE TABLE raw.labels (customer_id INT64 NOT NULL, kind STRING NOT NULL, label STRING, PRIMARY KEY (customer_id, kind) NOT ENFORCED);";
        let columns = format!(
            "[{}, {}]",
            column("customer_id", "customers", "customer_id", None, ""),
            column("label", "labels", "label", None, "")
        );
        let joins = r#"[{"left_table": "customers", "right_table": "labels", "type": "LEFT", "condition": "customers.customer_id = labels.customer_id AND labels.kind = 'main'"}]"#;
        let model =
            mapping("m", r#"["raw.customers", "raw.labels"]"#, &columns, joins, r#"{"primary_key": "customer_id"}"#);
        assert!(lint_models(&format!("[{model}]"), extra).is_empty());
    }
}
