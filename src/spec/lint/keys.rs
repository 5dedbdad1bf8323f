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
                    let mut on: Vec<&str> =
                        join.equalities.iter().filter_map(|(a, b)| side_of(culprit, a, b)).collect();
                    on.extend(join.derived.iter().filter(|(_, (r, _))| *r == culprit).map(|(_, (_, c))| c.as_str()));
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
            // `UPPER(a.code) = b.code`: b.code is known once every column it is computed from is.
            for (reads, column) in &join.derived {
                if reads.iter().all(|c| closure.contains(c)) {
                    closure.insert(column.clone());
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
/// own columns, a joined table on its join columns (and columns its condition fixes to a
/// constant or to an expression of the other tables).
fn keyed_where_needed(q: &ModelQuery, r: usize, key_sources: &[QCol]) -> bool {
    let mut columns: Vec<String> = key_sources.iter().filter(|(rel, _)| *rel == r).map(|(_, c)| c.clone()).collect();
    if let Some(join) = q.joins.iter().find(|j| j.right == r) {
        columns = join.equalities.iter().filter_map(|(a, b)| side_of(r, a, b)).map(str::to_string).collect();
        columns.extend(join.constants.iter().filter(|(rel, _)| *rel == r).map(|(_, c)| c.clone()));
        columns.extend(join.derived.iter().filter(|(_, (rel, _))| *rel == r).map(|(_, (_, c))| c.clone()));
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

    /// orders keyed by order_id LEFT JOIN `rates` on `condition`; rates declared by `ddl`.
    fn orders_to_rates(condition: &str, ddl: &str) -> Vec<&'static str> {
        let joins = format!(
            r#"[{{"left_table": "orders", "right_table": "rates", "type": "LEFT", "condition": {}}}]"#,
            serde_json::to_string(condition).expect("string")
        );
        let model = keyed_join(r#"["raw.orders", "raw.rates"]"#, ("orders", "order_id"), ("rates", "rate"), &joins);
        codes(&lint_models(&format!("[{model}]"), ddl))
    }

    const RATES_BY_CODE: &str =
        "CREATE TABLE raw.rates (code STRING NOT NULL, rate NUMERIC, PRIMARY KEY (code) NOT ENFORCED);";
    const RATES_BY_CODE_AND_DAY: &str = "CREATE TABLE raw.rates (code STRING NOT NULL, day DATE NOT NULL, rate NUMERIC, PRIMARY KEY (code, day) NOT ENFORCED);";

    #[test]
    fn an_expression_of_the_left_side_equated_to_the_whole_right_key_matches_one_row() {
        // Issue 14: only bare columns on both sides were recognised.
        for condition in [
            "UPPER(TRIM(orders.currency)) = rates.code",
            "rates.code = UPPER(TRIM(orders.currency))",
            "(rates.code = CONCAT(orders.currency, '-', CAST(orders.customer_id AS STRING)))",
            "rates.code = UPPER(orders.currency) AND rates.rate IS NOT NULL",
        ] {
            assert_eq!(orders_to_rates(condition, RATES_BY_CODE), Vec::<&str>::new(), "{condition}");
        }
        let both = "UPPER(orders.currency) = rates.code AND rates.day = DATE_ADD(DATE '2024-01-01', INTERVAL 1 DAY)";
        assert_eq!(orders_to_rates(both, RATES_BY_CODE_AND_DAY), Vec::<&str>::new());
        let by_column = "UPPER(orders.currency) = rates.code AND rates.day = CAST(orders.order_id AS DATE)";
        assert_eq!(orders_to_rates(by_column, RATES_BY_CODE_AND_DAY), Vec::<&str>::new());
    }

    #[test]
    fn an_expression_that_reads_the_right_table_or_a_partial_key_can_fan_out() {
        // The expression reads the joined table too: not a function of the left row.
        assert_eq!(orders_to_rates("UPPER(orders.currency) = CONCAT(rates.code, '')", RATES_BY_CODE), ["SPEC013"]);
        assert_eq!(orders_to_rates("rates.code = COALESCE(orders.currency, rates.code)", RATES_BY_CODE), ["SPEC013"]);
        // Half of a two-column key.
        assert_eq!(orders_to_rates("UPPER(orders.currency) = rates.code", RATES_BY_CODE_AND_DAY), ["SPEC013"]);
        // Not an equality.
        assert_eq!(orders_to_rates("UPPER(orders.currency) >= rates.code", RATES_BY_CODE), ["SPEC013"]);
        // A value that changes per evaluation fixes nothing.
        assert_eq!(orders_to_rates("rates.code = CAST(RAND() AS STRING)", RATES_BY_CODE), ["SPEC013"]);
    }

    #[test]
    fn a_key_in_the_specs_sources_or_inferred_for_a_model_counts() {
        // The right side is an aggregate model with joins: one row per group-by value.
        let spec_sources = r#"{"schema": {"raw_schema": "raw", "staging_schema": "staging", "final_schema": "analytics"},
          "sources": [{"name": "raw.codes", "columns": [{"name": "code", "type": "STRING", "nullable": false}, {"name": "label", "type": "STRING"}], "primary_key": ["code"]}],
          "models": [
            {"name": "spend", "layer": "staging", "sources": ["raw.orders", "raw.customers"], "group_by": ["currency"],
             "joins": [{"left_table": "orders", "right_table": "customers", "type": "LEFT", "condition": "orders.customer_id = customers.customer_id"}],
             "aggregations": [{"metric_column": "total", "type": "NUMERIC", "formula": "SUM(orders.amount)"}]},
            {"name": "m", "layer": "final", "sources": ["raw.orders", "spend", "raw.codes"],
             "column_mapping": [
               {"target_column": "order_id", "type": "INT64", "from_table": "orders", "from_column": "order_id"},
               {"target_column": "total", "type": "NUMERIC", "from_table": "spend", "from_column": "total"},
               {"target_column": "label", "type": "STRING", "from_table": "codes", "from_column": "label"}],
             "joins": [{"left_table": "orders", "right_table": "spend", "type": "LEFT", "condition": "spend.currency = UPPER(orders.currency)"},
                       {"left_table": "orders", "right_table": "codes", "type": "INNER", "condition": "LOWER(orders.currency) = codes.code"}],
             "constraints": {"primary_key": "order_id"}}]}"#;
        let lint = |text: String| {
            let loaded = crate::spec::load::parse_spec("spec.json", text).expect("test spec loads");
            let mut catalog = crate::spec::catalog::Catalog::default();
            let mut findings = Vec::new();
            crate::spec::catalog::add_ddl_text(
                &mut catalog,
                &mut findings,
                crate::spec::lint::test_support::DDL,
                "s.sql",
            );
            crate::spec::catalog::add_declarations(&mut catalog, &mut findings, &loaded.spec.sources, &loaded.text);
            assert!(findings.is_empty(), "{findings:?}");
            crate::spec::lint::lint_spec(&loaded, &catalog)
        };
        let findings = lint(spec_sources.to_string());
        assert!(!codes(&findings).contains(&"SPEC013"), "{findings:?}");
        // Without the spec's key on codes, the INNER JOIN to it can fan out.
        let findings = lint(spec_sources.replace(r#", "primary_key": ["code"]"#, ""));
        assert_eq!(codes(&findings), ["SPEC013"], "{findings:?}");
    }

    #[test]
    fn a_grouped_mapping_model_is_keyed_by_its_grouping_columns() {
        let per_customer = format!(
            "[{}, {}]",
            column("customer_id", "tickets", "customer_id", None, ""),
            column("n", "tickets", "status", Some("COUNT({from})"), "")
        );
        let upstream = mapping("per_customer", r#"["raw.tickets"]"#, &per_customer, "[]", "{}");
        let columns = format!(
            "[{}, {}]",
            column("customer_id", "customers", "customer_id", None, ""),
            column("n", "per_customer", "n", None, "")
        );
        let joins = r#"[{"left_table": "customers", "right_table": "per_customer", "type": "LEFT", "condition": "customers.customer_id = per_customer.customer_id"}]"#;
        let model =
            mapping("m", r#"["raw.customers", "per_customer"]"#, &columns, joins, r#"{"primary_key": "customer_id"}"#);
        assert!(lint_models(&format!("[{upstream}, {model}]"), "").is_empty());
        // A column read outside the aggregate but not output: groups are not one per output key.
        let hidden = upstream.replace("COUNT({from})", "COUNT({from}) + LENGTH(tickets.status)");
        assert_eq!(codes(&lint_models(&format!("[{hidden}, {model}]"), "")), ["SPEC013"]);
    }
}
