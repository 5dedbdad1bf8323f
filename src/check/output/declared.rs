//! The output columns the spec declares for a model, each with where the spec writes it.

use crate::spec::catalog::Catalog;
use crate::spec::load::LoadedSpec;
use crate::spec::resolve::context::model_output;
use crate::spec::resolve::query::{FROM_IDENT, FROM_PLACEHOLDER};
use crate::spec::resolve::{kinds_of, ModelKind};

/// An output column as the spec declares it.
pub(super) struct DeclaredColumn<'s> {
    pub(super) name: String,
    /// The type as the spec writes it (or the canonical family, for columns the spec types
    /// through their source).
    pub(super) data_type: Option<String>,
    /// Where the type is written.
    pub(super) type_path: String,
    /// The column's entry (`models[0].column_mapping[3]`).
    pub(super) path: String,
    pub(super) nullable: Option<bool>,
    pub(super) tests: &'s [String],
    /// The expression computing it, for `accepted_values` inferred from a CASE.
    pub(super) expr: Option<String>,
}

/// Every output column the spec declares for model `mi`, with where each is written.
pub(super) fn declared_columns<'s>(loaded: &'s LoadedSpec, catalog: &Catalog, mi: usize) -> Vec<DeclaredColumn<'s>> {
    let spec = &loaded.spec;
    let model = &spec.models[mi];
    let mut out = Vec::new();
    match kinds_of(model).as_slice() {
        [ModelKind::Mapping] => {
            for (c, m) in model.column_mapping.iter().enumerate() {
                let path = format!("models[{mi}].column_mapping[{c}]");
                out.push(DeclaredColumn {
                    name: m.target_column.clone(),
                    data_type: Some(m.data_type.clone()),
                    type_path: format!("{path}.type"),
                    path,
                    nullable: m.nullable,
                    tests: &m.tests,
                    // Only the CASE's results matter here, so `{from}` becomes a plain identifier, as in the lint.
                    expr: m.transform.as_ref().map(|t| t.replace(FROM_PLACEHOLDER, FROM_IDENT)),
                });
            }
        }
        [ModelKind::Aggregate] => {
            // Group-by columns have the driving source's types and no tests of their own.
            let output = model_output(spec, catalog, mi);
            let relation = output.as_ref();
            for (g, name) in model.group_by.iter().enumerate() {
                let path = format!("models[{mi}].group_by[{g}]");
                out.push(DeclaredColumn {
                    name: name.clone(),
                    data_type: relation.and_then(|r| r.column(name)).and_then(|c| c.data_type.clone()),
                    type_path: path.clone(),
                    path,
                    nullable: None,
                    tests: &[],
                    expr: None,
                });
            }
            for (k, a) in model.aggregations.iter().enumerate() {
                let path = format!("models[{mi}].aggregations[{k}]");
                out.push(DeclaredColumn {
                    name: a.metric_column.clone(),
                    data_type: Some(a.data_type.clone()),
                    type_path: format!("{path}.type"),
                    path,
                    nullable: a.nullable,
                    tests: &a.tests,
                    expr: Some(a.formula.clone()),
                });
            }
        }
        [ModelKind::Scd2] => {
            // The source's columns, then the three the history adds; their nulls and values are
            // the invariants' business (check_scd2_invariants).
            let output = model_output(spec, catalog, mi);
            let c = &model.constraints;
            let placed = |name: &str| {
                let field = [
                    (c.effective_at.as_deref(), "effective_at"),
                    (c.expiry_at.as_deref(), "expiry_at"),
                    (c.current_flag.as_deref(), "current_flag"),
                ]
                .into_iter()
                .find(|(n, _)| n.is_some_and(|n| n.eq_ignore_ascii_case(name)));
                match field {
                    Some((_, field)) => format!("models[{mi}].constraints.{field}"),
                    None => format!("models[{mi}].sources[0]"),
                }
            };
            for column in output.as_ref().map_or(&[][..], |r| &r.columns) {
                let path = placed(&column.name);
                out.push(DeclaredColumn {
                    name: column.name.clone(),
                    data_type: column.data_type.clone(),
                    type_path: path.clone(),
                    path,
                    nullable: None,
                    tests: &[],
                    expr: None,
                });
            }
        }
        // A model of no single kind has no meaning (SPEC006): nothing to hold its output to.
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::check::output::test_support::{database, project, run, run_as};

    const FACT: &str = "CREATE TABLE memory.analytics.fact_customer_orders (customer_id BIGINT, order_count BIGINT, \
        total_spent_usd DECIMAL(38,9), aov_usd DECIMAL(38,9), total_refund_usd DECIMAL(38,9), \
        first_order_ts TIMESTAMP WITH TIME ZONE, last_order_ts TIMESTAMP, open_tickets HUGEINT, closed_tickets HUGEINT)";

    #[test]
    fn aggregate_models_check_metrics_and_group_by_columns() {
        let (project, db) = (project(), database());
        db.execute_batch(&format!(
            "{FACT}; INSERT INTO memory.analytics.fact_customer_orders VALUES \
             (1, 2, 10.5, 5.25, 0, TIMESTAMPTZ '2024-01-01 00:00:00+00', TIMESTAMP '2024-02-01', 1, 0)"
        ))
        .unwrap();
        // A HUGEINT sum is what DuckDB makes of SUM(INT64): not a type difference.
        assert_eq!(run(&db, &project, "fact_customer_orders"), []);

        let db = database();
        let changed = FACT
            .replace("customer_id BIGINT", "customer_id VARCHAR")
            .replace("total_spent_usd DECIMAL(38,9)", "total_spent_usd DOUBLE");
        db.execute_batch(&format!(
            "{changed}; INSERT INTO memory.analytics.fact_customer_orders VALUES \
             ('1', NULL, 10.5, 5.25, 0, NULL, NULL, 1, 0), ('2', NULL, 1, 1, 0, NULL, NULL, 1, 0)"
        ))
        .unwrap();
        let found = run(&db, &project, "fact_customer_orders");
        let got: Vec<(&str, &str)> =
            found.iter().map(|f| (f.code.as_str(), f.json_path.as_deref().unwrap_or_default())).collect();
        // Translated BigQuery code: DuckDB's DOUBLE may be BigQuery's NUMERIC (AVG, division),
        // so only the VARCHAR key is a type difference.
        let translated: Vec<&str> =
            run_as(&db, &project, "fact_customer_orders", true).iter().map(|f| f.code.as_str()).collect();
        assert_eq!(translated, ["CHK003", "CHK001"]);
        // Sorted by place in the spec: `group_by` is written after the aggregations.
        assert_eq!(
            got,
            [
                ("CHK003", "models[4].aggregations[0].tests[0]"),
                ("CHK001", "models[4].aggregations[1].type"),
                ("CHK001", "models[4].group_by[0]"),
            ]
        );
        assert!(found[0].message.contains("2 rows"), "{}", found[0].message);
    }
}
