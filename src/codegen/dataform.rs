//! A Dataform project: `workflow_settings.yaml`, the sources declared in
//! `definitions/sources.js`, one SQLX per model under `definitions/models/<layer>/` with its
//! spec tests as built-in assertions (`uniqueKeys`, `nonNull`, `rowConditions`), a
//! `relationships` test as an assertion file under `definitions/assertions/`, and the SCD2 model
//! as an `operations` file that keeps its table with a `MERGE`.

use super::query::{header, render};
use super::scd2::merge_script;
use super::tests::{tests_of, Check, ModelTests};
use super::{banner, Body, Cx, Generated, GeneratedFile, ModelCode};
use crate::reference::plan::{ident, one_line, PlanSource};
use crate::spec::model::{Dialect, Model};

/// A string as a JavaScript (and JSON) literal.
fn js(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

fn js_list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|i| js(i)).collect::<Vec<_>>().join(", "))
}

/// `${ref(…)}` of a source entry: a model by name, a source table by schema and name.
fn reference(cx: &Cx<'_>, entry: &str) -> String {
    match cx.spec().model_index(entry.trim()) {
        Some(i) => format!("${{ref({})}}", js(&cx.spec().models[i].name)),
        None => {
            let (schema, table) = Cx::source_parts(entry);
            format!("${{ref({}, {})}}", js(&schema), js(&table))
        }
    }
}

/// Writes the project.
pub(crate) fn project(cx: &Cx<'_>, models: &[ModelCode], out: &mut Generated) {
    let spec = cx.spec();
    out.files.push(GeneratedFile {
        path: "workflow_settings.yaml".into(),
        text: format!(
            "{}defaultProject: your-gcp-project\ndefaultLocation: US\ndefaultDataset: {}\ndefaultAssertionDataset: {}_assertions\ndataformCoreVersion: 3.0.0\n",
            banner(&cx.spec_file(), "#"),
            spec.schema.staging_schema,
            spec.schema.staging_schema
        ),
    });
    let mut declarations = banner(&cx.spec_file(), "//");
    declarations.push_str("// The source tables the spec reads, declared so that models can ref() them.\n");
    let mut sources: Vec<(String, String)> = cx.catalog.tables.keys().map(|k| Cx::source_parts(k)).collect();
    sources.sort();
    sources.dedup();
    for (schema, name) in &sources {
        declarations.push_str(&format!("declare({{ schema: {}, name: {} }});\n", js(schema), js(name)));
    }
    out.files.push(GeneratedFile { path: "definitions/sources.js".into(), text: declarations });
    for code in models {
        let model = &spec.models[code.mi];
        let path = format!("definitions/models/{}/{}.sqlx", Cx::layer_of(model), model.name);
        let text = match &code.body {
            Body::Query(plan) => {
                let tests =
                    tests_of(cx.loaded, code.mi, cx.queries[code.mi].as_ref(), Dialect::Bigquery, &mut out.limits);
                let relation = |s: &PlanSource| reference(cx, &s.entry);
                let body = render(plan, Dialect::Bigquery, &relation);
                for (column, checks) in &tests.columns {
                    for check in checks {
                        if let Check::Relationships { target, column: parent } = check {
                            out.files.push(relationships(cx, model, column, target, parent));
                        }
                    }
                }
                format!(
                    "{}\n{}{}{body}\n",
                    config(cx, model, "table", Some(&tests)),
                    banner(&cx.spec_file(), "--"),
                    header(model, code.mi)
                )
            }
            Body::Scd2(shape) => {
                let source = reference(cx, &shape.source_entry);
                format!(
                    "{}\n{}{}",
                    config(cx, model, "operations", None),
                    banner(&cx.spec_file(), "--"),
                    merge_script(shape, model, "${self()}", &source, Dialect::Bigquery)
                )
            }
        };
        out.files.push(GeneratedFile { path, text });
    }
}

/// The `config {}` block.
fn config(cx: &Cx<'_>, model: &Model, kind: &str, tests: Option<&ModelTests>) -> String {
    let mut lines = vec![format!("  type: {}", js(kind))];
    if kind == "operations" {
        lines.push("  hasOutput: true".into());
    }
    lines.push(format!("  schema: {}", js(cx.schema_of(model))));
    if let Some(d) = model.description.as_deref().map(one_line).filter(|d| !d.is_empty()) {
        lines.push(format!("  description: {}", js(&d)));
    }
    if let Some(tests) = tests {
        let mut keys: Vec<Vec<String>> = Vec::new();
        let mut non_null: Vec<String> = Vec::new();
        let mut rows: Vec<String> = Vec::new();
        if !tests.primary_key.is_empty() {
            keys.push(tests.primary_key.clone());
            non_null.extend(tests.primary_key.iter().cloned());
        }
        for (column, checks) in &tests.columns {
            let c = ident(column, Dialect::Bigquery);
            for check in checks {
                match check {
                    Check::NotNull => non_null.push(column.clone()),
                    Check::Unique => keys.push(vec![column.clone()]),
                    Check::AcceptedValues { values, strings } => {
                        let list: Vec<String> = if *strings {
                            values
                                .iter()
                                .map(|v| format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'")))
                                .collect()
                        } else {
                            values.clone()
                        };
                        rows.push(format!("{c} IS NULL OR {c} IN ({})", list.join(", ")));
                    }
                    Check::AcceptedRange { min, max } => {
                        let mut bounds = Vec::new();
                        if let Some(min) = min {
                            bounds.push(format!("{c} >= {min}"));
                        }
                        if let Some(max) = max {
                            bounds.push(format!("{c} <= {max}"));
                        }
                        rows.push(format!("{c} IS NULL OR ({})", bounds.join(" AND ")));
                    }
                    // NULL is not true (spec-format.md): Dataform passes a row whose condition is NULL.
                    Check::Expression(sql) => rows.push(format!("COALESCE(({sql}), FALSE)")),
                    Check::Relationships { .. } => {}
                }
            }
        }
        let mut seen = Vec::new();
        keys.retain(|k| {
            let fresh = !seen.contains(k);
            seen.push(k.clone());
            fresh
        });
        let mut unique_nulls = Vec::new();
        non_null.retain(|c| {
            let fresh = !unique_nulls.contains(c);
            unique_nulls.push(c.clone());
            fresh
        });
        let mut assertions = Vec::new();
        if !keys.is_empty() {
            let lists: Vec<String> = keys.iter().map(|k| js_list(k)).collect();
            assertions.push(format!("    uniqueKeys: [{}]", lists.join(", ")));
        }
        if !non_null.is_empty() {
            assertions.push(format!("    nonNull: {}", js_list(&non_null)));
        }
        if !rows.is_empty() {
            let items: Vec<String> = rows.iter().map(|r| format!("      {}", js(r))).collect();
            assertions.push(format!("    rowConditions: [\n{}\n    ]", items.join(",\n")));
        }
        if !assertions.is_empty() {
            lines.push(format!("  assertions: {{\n{}\n  }}", assertions.join(",\n")));
        }
    }
    format!("config {{\n{}\n}}\n", lines.join(",\n"))
}

/// An assertion file for `relationships(target.parent)` on `model.column`: the rows it returns
/// break the test.
fn relationships(cx: &Cx<'_>, model: &Model, column: &str, target: &str, parent: &str) -> GeneratedFile {
    let id = |n: &str| ident(n, Dialect::Bigquery);
    let child = format!("${{ref({})}}", js(&model.name));
    let text = format!(
        "config {{\n  type: \"assertion\",\n  description: {}\n}}\n\n{}\
         SELECT child.{c}\nFROM {child} AS child\nWHERE child.{c} IS NOT NULL\n  AND NOT EXISTS (\n    SELECT 1\n    FROM {parent_rel} AS parent\n    WHERE parent.{p} = child.{c}\n  )\n",
        js(&format!("relationships({target}.{parent}) on {}.{column}", model.name)),
        banner(&cx.spec_file(), "--"),
        c = id(column),
        p = id(parent),
        parent_rel = reference(cx, target),
    );
    GeneratedFile { path: format!("definitions/assertions/{}_{}_relationships.sqlx", model.name, column), text }
}
