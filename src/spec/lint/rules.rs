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
use crate::spec::resolve::query::{resolve_query, ModelQuery};
use crate::spec::resolve::{kinds_of, ModelKind, Resolution};
use crate::sql::expr::column_refs;
use std::collections::HashMap;

/// Lints a loaded spec against the source catalog. Findings come sorted by position.
pub fn lint_spec(loaded: &LoadedSpec, catalog: &Catalog) -> Vec<Finding> {
    lint_and_resolve(loaded, catalog).0
}

/// [`lint_spec`], with the spec's meaning it resolved on the way, for the static check to
/// read rather than resolve again. The models are linted side by side (each on its own: a
/// rule reads the spec and the outputs, never another model's findings), and their findings
/// are gathered in model order, so the result is the same at any thread count.
pub fn lint_and_resolve(loaded: &LoadedSpec, catalog: &Catalog) -> (Vec<Finding>, Resolution) {
    use rayon::prelude::*;
    let spec = &loaded.spec;
    let outputs = model_outputs(spec, catalog);
    crate::meter::count(crate::meter::Unit::ModelsResolved, spec.models.len());
    let mut first_of_name: HashMap<&str, usize> = HashMap::new();
    let first: Vec<Option<usize>> = spec
        .models
        .iter()
        .enumerate()
        .map(|(mi, model)| match first_of_name.get(model.name.as_str()) {
            Some(&first) => Some(first),
            None => {
                first_of_name.insert(&model.name, mi);
                None
            }
        })
        .collect();
    let new_lint = || Lint { spec, text: &loaded.text, catalog, outputs: (&outputs[..]).into(), findings: Vec::new() };
    let per_model: Vec<(Vec<Finding>, Option<ModelQuery>)> = (0..spec.models.len())
        .into_par_iter()
        .map_init(new_lint, |lint, mi| {
            lint.findings.clear();
            let model = &spec.models[mi];
            let Some(first) = first[mi] else {
                let query = lint_model(lint, mi);
                return (std::mem::take(&mut lint.findings), query);
            };
            lint.report(
                Code::DuplicateModel,
                &model.name,
                &format!("models[{mi}].name"),
                format!("model `{}` is already defined as models[{first}]", model.name),
            );
            let findings = std::mem::take(&mut lint.findings);
            // Not linted again, but resolved as the checks read every model.
            let query = match kinds_of(model).as_slice() {
                [ModelKind::Mapping] | [ModelKind::Aggregate] if !model.sources.is_empty() => {
                    let query = resolve_query(lint, mi);
                    lint.findings.clear();
                    Some(query)
                }
                _ => None,
            };
            (findings, query)
        })
        .collect();
    let mut lint = new_lint();
    lint.findings.extend(loaded.unknown_fields.iter().cloned());
    let mut queries = Vec::with_capacity(per_model.len());
    for (findings, query) in per_model {
        lint.findings.extend(findings);
        queries.push(query);
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
    (findings, Resolution { outputs, queries })
}

/// Lints model `mi`; gives its query when it is a mapping or aggregate model with sources,
/// resolved as [`crate::spec::resolve::resolve_models`] resolves it.
fn lint_model(lint: &mut Lint<'_>, mi: usize) -> Option<ModelQuery> {
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
        return None;
    }
    let mut query = None;
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
                return None;
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
            query = Some(q);
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
    query
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

    /// The meaning the lint resolves on the way is what `resolve_models` gives, a duplicated
    /// model's too, and the findings are those of one model at a time.
    #[test]
    fn the_lint_resolves_what_resolve_models_resolves() {
        use crate::spec::catalog::build_catalog;
        use crate::spec::load::parse_spec;
        use crate::spec::resolve::context::model_outputs;
        use crate::spec::resolve::resolve_models;
        let dir = crate::test_support::crate_root().join("specs/customer360");
        let text = std::fs::read_to_string(dir.join("spec.corrected.json")).unwrap();
        let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let models = json["models"].as_array_mut().unwrap();
        let again = models[1].clone();
        models.push(again);
        let loaded = parse_spec("spec.json", serde_json::to_string_pretty(&json).unwrap()).unwrap();
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir.join("sources"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        let files: Vec<_> = files.into_iter().map(|p| (p.clone(), p.display().to_string())).collect();
        let (catalog, _) = build_catalog(&files, &loaded.spec.sources, &loaded.text).unwrap();
        let (findings, resolution) = super::lint_and_resolve(&loaded, &catalog);
        assert_eq!(codes(&findings), ["SPEC020"], "the duplicate only");
        assert_eq!(findings, super::lint_spec(&loaded, &catalog));
        let expected = resolve_models(&loaded, &catalog);
        assert_eq!(resolution.queries.len(), expected.len());
        assert!(resolution.queries.iter().filter(|q| q.is_some()).count() >= 3, "mapping and aggregate models");
        // HashSets print in no fixed order: compare them sorted, the rest as printed.
        let describe = |q: &Option<crate::spec::resolve::query::ModelQuery>| {
            q.as_ref().map(|q| {
                let mut nullable: Vec<_> = q.outer_nullable.iter().collect();
                nullable.sort();
                let mut unresolved: Vec<_> = q.unresolved.iter().collect();
                unresolved.sort();
                let outputs: Vec<String> = q.outputs.iter().map(|o| format!("{o:?}")).collect();
                format!(
                    "{:?} {unresolved:?} {:?} {:?} {nullable:?} {outputs:?} {:?} {} {} {:?}",
                    q.relations, q.joined, q.joins, q.grouped, q.per_source_metrics, q.incomplete, q.filtered_not_null
                )
            })
        };
        for (got, want) in resolution.queries.iter().zip(&expected) {
            assert!(describe(got) == describe(want), "a query differs");
        }
        assert_eq!(resolution.outputs, model_outputs(&loaded.spec, &catalog));
    }
}
