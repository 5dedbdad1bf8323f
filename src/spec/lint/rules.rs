//! Running every lint rule over a spec.

use super::column_tests::check_column_tests;
use super::keys::{check_keys, KeyClaim};
use super::nulls::check_not_null;
use super::scd2::check_scd2;
use crate::finding::{sort_findings, Code, Finding};
use crate::spec::catalog::Catalog;
use crate::spec::load::LoadedSpec;
use crate::spec::named_tests::{parse_test, SpecTest};
use crate::spec::resolve::context::{model_outputs, Lint};
use crate::spec::resolve::graph::{cycles, dependencies};
use crate::spec::resolve::query::resolve_query;
use crate::spec::resolve::{kinds_of, ModelKind};
use crate::sql::expr::column_refs;
use std::collections::HashMap;

/// Lints a loaded spec against the source catalog. Findings come sorted by position.
pub fn lint_spec(loaded: &LoadedSpec, catalog: &Catalog) -> Vec<Finding> {
    let spec = &loaded.spec;
    let mut lint =
        Lint { spec, text: &loaded.text, catalog, outputs: model_outputs(spec, catalog).into(), findings: Vec::new() };
    lint.findings.extend(loaded.unknown_fields.iter().cloned());

    let mut first_of_name: HashMap<&str, usize> = HashMap::new();
    for (mi, model) in spec.models.iter().enumerate() {
        if let Some(&first) = first_of_name.get(model.name.as_str()) {
            lint.report(
                Code::DuplicateModel,
                &model.name,
                &format!("models[{mi}].name"),
                format!("model `{}` is already defined as models[{first}]", model.name),
            );
            continue;
        }
        first_of_name.insert(&model.name, mi);
        lint_model(&mut lint, mi);
    }

    let deps = dependencies(spec, catalog);
    for cycle in cycles(&deps) {
        let first = cycle[0];
        let mut names: Vec<&str> = cycle.iter().map(|&i| spec.models[i].name.as_str()).collect();
        names.push(&spec.models[first].name);
        lint.report(
            Code::DependencyCycle,
            &spec.models[first].name,
            &format!("models[{first}].sources"),
            format!("models depend on each other in a cycle: {}", names.join(" → ")),
        );
    }

    let mut findings = lint.findings;
    sort_findings(&mut findings);
    findings
}

fn lint_model(lint: &mut Lint<'_>, mi: usize) {
    let model = &lint.spec.models[mi];
    let name = model.name.as_str();
    let path = format!("models[{mi}]");
    match model.layer.as_deref().map(str::trim) {
        Some("staging" | "final") => {}
        Some(other) => {
            lint.report(Code::UnknownLayer, name, &format!("{path}.layer"), format!("`{other}` is not a layer")).help =
                Some("use `staging` or `final`".into());
        }
        None => {
            lint.report(Code::UnknownLayer, name, &path, "the model has no `layer`".into()).help =
                Some("use `staging` or `final`".into());
        }
    }
    if model.sources.is_empty() {
        lint.report(Code::UnknownSource, name, &format!("{path}.sources"), "the model has no sources".into());
        return;
    }
    let kinds = kinds_of(model);
    match kinds.as_slice() {
        [ModelKind::Scd2] => {
            if model.constraints.scd_type != Some(2) {
                let value = model.constraints.scd_type.unwrap_or_default();
                lint.report(
                    Code::InvalidScd2,
                    name,
                    &format!("{path}.constraints.scd_type"),
                    format!("`scd_type` {value} is not defined; only 2 is"),
                );
                return;
            }
            check_scd2(lint, mi);
            check_key_columns(lint, mi);
        }
        [kind @ (ModelKind::Mapping | ModelKind::Aggregate)] => {
            let q = resolve_query(lint, mi);
            check_duplicate_outputs(
                lint,
                mi,
                &q.outputs.iter().map(|o| (o.name.clone(), o.path.clone())).collect::<Vec<_>>(),
            );
            let outputs: Vec<String> = q.outputs.iter().map(|o| o.name.clone()).collect();
            check_column_tests(lint, mi, &q.outputs, &outputs);
            let claims = check_key_columns(lint, mi);
            check_not_null(lint, mi, &q);
            check_keys(lint, mi, &q, &claims);
            if *kind == ModelKind::Aggregate && model.group_by.is_empty() {
                lint.report(
                    Code::ModelKind,
                    name,
                    &format!("{path}.group_by"),
                    "an aggregate model needs `group_by` columns".into(),
                );
            }
        }
        [] => {
            lint.report(
                Code::ModelKind,
                name,
                &path,
                "the model is of no kind: it has no `column_mapping`, no `aggregations` and no `constraints.scd_type`"
                    .into(),
            );
        }
        several => {
            let names: Vec<&str> = several
                .iter()
                .map(|k| match k {
                    ModelKind::Mapping => "mapping (`column_mapping`)",
                    ModelKind::Aggregate => "aggregate (`aggregations`)",
                    ModelKind::Scd2 => "SCD2 (`constraints.scd_type`)",
                })
                .collect();
            let both_mapping = !model.column_mapping.is_empty() && !model.aggregations.is_empty();
            let names = if both_mapping {
                format!("mapping (`column_mapping`), {}", names.join(", "))
            } else {
                names.join(", ")
            };
            lint.report(Code::ModelKind, name, &path, format!("the model is of several kinds: {names}")).help =
                Some("give each model exactly one kind; split it into two models".into());
        }
    }
    if kinds.as_slice() == [ModelKind::Aggregate] && !model.column_mapping.is_empty() {
        lint.report(
            Code::ModelKind,
            name,
            &format!("{path}.column_mapping"),
            "the model is of several kinds: mapping (`column_mapping`) and aggregate (`aggregations`)".into(),
        );
    }
}

fn check_duplicate_outputs(lint: &mut Lint<'_>, mi: usize, outputs: &[(String, String)]) {
    let name = lint.spec.models[mi].name.clone();
    let mut seen: HashMap<String, &str> = HashMap::new();
    for (column, path) in outputs {
        match seen.get(&column.to_ascii_lowercase()) {
            Some(first) => {
                lint.report(
                    Code::DuplicateColumn,
                    &name,
                    path,
                    format!("output column `{column}` is already defined at {first}"),
                );
            }
            None => {
                seen.insert(column.to_ascii_lowercase(), path);
            }
        }
    }
}

/// The model's output column names: from its resolved output, or as the spec lists them.
fn output_names(lint: &Lint<'_>, mi: usize) -> Option<Vec<String>> {
    lint.outputs[mi].as_ref().map(|r| r.columns.iter().map(|c| c.name.clone()).collect())
}

/// Key columns that are not output columns; returns the key claims worth checking further.
fn check_key_columns(lint: &mut Lint<'_>, mi: usize) -> Vec<KeyClaim> {
    let model = &lint.spec.models[mi];
    let name = model.name.clone();
    let Some(outputs) = output_names(lint, mi) else { return Vec::new() };
    let has = |c: &str| outputs.iter().any(|o| o.eq_ignore_ascii_case(c));
    let cpath = format!("models[{mi}].constraints");
    let mut claims = Vec::new();
    let pk: Vec<String> = model.constraints.primary_key.iter().flat_map(|k| k.names()).map(str::to_string).collect();
    let mut pk_ok = !pk.is_empty();
    for column in &pk {
        if !has(column) {
            pk_ok = false;
            let hint = crate::suggest::did_you_mean(column, outputs.iter().map(String::as_str));
            lint.report(
                Code::KeyNotOutput,
                &name,
                &format!("{cpath}.primary_key"),
                format!("primary key column `{column}` is not an output column"),
            )
            .help = hint.map(|h| format!("did you mean `{h}`?"));
        }
    }
    if pk_ok {
        claims.push(KeyClaim {
            columns: pk.iter().map(|c| c.to_ascii_lowercase()).collect(),
            path: format!("{cpath}.primary_key"),
            label: format!("primary key ({})", pk.join(", ")),
        });
    }
    for column in model.constraints.cluster_by.iter().flat_map(|k| k.names()) {
        if !has(column) {
            lint.report(
                Code::KeyNotOutput,
                &name,
                &format!("{cpath}.cluster_by"),
                format!("cluster_by column `{column}` is not an output column"),
            );
        }
    }
    if let Some(partition) = model.constraints.partition_by.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        let path = format!("{cpath}.partition_by");
        if let Some(expr) = lint.parse_expr(&name, &path, partition) {
            for r in column_refs(&expr) {
                if !has(&r.column) {
                    lint.report_in(
                        Code::KeyNotOutput,
                        &name,
                        &path,
                        r.line,
                        r.column_no,
                        format!("partition_by column `{}` is not an output column", r.column),
                    );
                }
            }
        }
    }
    // A `unique` test is a key of one column; one equal to the primary key is checked once.
    let columns = model.column_mapping.iter().map(|m| (&m.target_column, &m.tests, "column_mapping"));
    let metrics = model.aggregations.iter().map(|a| (&a.metric_column, &a.tests, "aggregations"));
    let mut positions: HashMap<&str, usize> = HashMap::new();
    for (column, tests, list) in columns.chain(metrics) {
        let index = positions.entry(list).or_insert(0);
        let at = *index;
        *index += 1;
        let unique_at = tests.iter().position(|t| matches!(parse_test(t, lint.dialect()), Ok(SpecTest::Unique)));
        let Some(t) = unique_at else { continue };
        let key = vec![column.to_ascii_lowercase()];
        if claims.iter().any(|c| c.columns == key) {
            continue;
        }
        claims.push(KeyClaim {
            columns: key,
            path: format!("models[{mi}].{list}[{at}].tests[{t}]"),
            label: format!("unique column `{column}`"),
        });
    }
    claims
}

#[cfg(test)]
mod tests {
    use crate::spec::lint::test_support::{codes, column, lint_models, mapping};

    fn simple(name: &str) -> String {
        mapping(
            name,
            r#"["raw.customers"]"#,
            &format!("[{}]", column("customer_id", "customers", "customer_id", None, "")),
            "[]",
            "{}",
        )
    }

    #[test]
    fn kinds_layers_and_names() {
        assert!(lint_models(&format!("[{}]", simple("a")), "").is_empty());
        let findings = lint_models(&format!("[{}, {}]", simple("a"), simple("a")), "");
        assert_eq!(codes(&findings), ["SPEC020"]);
        let no_kind = r#"[{"name": "x", "layer": "staging", "sources": ["raw.customers"]}]"#;
        assert_eq!(codes(&lint_models(no_kind, "")), ["SPEC006"]);
        let mart = simple("a").replace("\"staging\"", "\"mart\"");
        assert_eq!(codes(&lint_models(&format!("[{mart}]"), "")), ["SPEC022"]);
    }

    #[test]
    fn cycles_are_reported_once_at_their_first_model() {
        let a =
            mapping("a", r#"["b"]"#, &format!("[{}]", column("customer_id", "b", "customer_id", None, "")), "[]", "{}");
        let b =
            mapping("b", r#"["a"]"#, &format!("[{}]", column("customer_id", "a", "customer_id", None, "")), "[]", "{}");
        let findings = lint_models(&format!("[{a}, {b}]"), "");
        assert_eq!(codes(&findings), ["SPEC005"]);
        assert!(findings[0].message.contains("a → b → a"));
    }

    #[test]
    fn keys_must_be_outputs_and_output_names_unique() {
        let model = mapping(
            "a",
            r#"["raw.customers"]"#,
            &format!(
                "[{}, {}]",
                column("id", "customers", "customer_id", None, ""),
                column("ID", "customers", "email", None, "")
            ),
            "[]",
            r#"{"primary_key": "customer_id", "partition_by": "DATE(created)"}"#,
        );
        assert_eq!(codes(&lint_models(&format!("[{model}]"), "")), ["SPEC010", "SPEC011", "SPEC011"]);
    }
}
