//! A dbt project for dbt-duckdb: `dbt_project.yml`, `profiles.yml`, `models/sources.yml` from the
//! source declarations, `models/<layer>/<model>.sql` with `{{ ref() }}` / `{{ source() }}` and
//! `config()`, `models/schema.yml` with an enforced contract (names and types) and the spec's
//! tests as dbt generic tests, and the SCD2 model as a snapshot (`strategy: check`) read by a
//! view that adds the current flag.
//!
//! The spec's tests that dbt has no built-in for (`accepted_range`, `expression`, a key of several
//! columns) are generic tests of the project's own, in `macros/specproof_tests.sql`.

use super::query::{header, render};
use super::scd2::{table_columns, type_in, Scd2Shape, FAR_FUTURE};
use super::tests::{tests_of, Check};
use super::{banner, Body, Cx, Generated, GeneratedFile, ModelCode};
use crate::reference::plan::{ident, one_line, PlanSource};
use crate::spec::model::{Dialect, Model};

/// The project's name in `dbt_project.yml` and `profiles.yml`.
pub const PROJECT: &str = "specproof_generated";

/// A YAML scalar (a JSON string is a valid YAML double-quoted scalar).
fn y(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// A Jinja string literal.
fn jinja(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `{{ ref(…) }}` or `{{ source(…) }}` of a source entry.
fn reference(cx: &Cx<'_>, entry: &str) -> String {
    match cx.spec().model_index(entry.trim()) {
        Some(i) => format!("{{{{ ref({}) }}}}", jinja(&cx.spec().models[i].name)),
        None => {
            let (schema, table) = Cx::source_parts(entry);
            format!("{{{{ source({}, {}) }}}}", jinja(&schema), jinja(&table))
        }
    }
}

/// The snapshot that holds an SCD2 model's history.
fn snapshot_name(model: &Model) -> String {
    format!("{}_history", model.name)
}

const TEST_MACROS: &str = "\
{# The spec's tests dbt has no built-in generic test for (spec-format.md, \"Tests named in the spec\"). #}

{% test specproof_accepted_range(model, column_name, min_value=none, max_value=none) %}
select *
from {{ model }}
where {{ column_name }} is not null
  and (
    false
    {% if min_value is not none %} or {{ column_name }} < ({{ min_value }}) {% endif %}
    {% if max_value is not none %} or {{ column_name }} > ({{ max_value }}) {% endif %}
  )
{% endtest %}

{# NULL is not true: a row where the expression is unknown fails. #}
{% test specproof_expression(model, expression) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}

{% test specproof_unique_combination(model, columns) %}
select {{ columns | join(', ') }}
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
";

const SCHEMA_MACRO: &str = "\
{# Models go to the spec's schemas as named (temp, analytics, …), not <target>_<schema>. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
";

/// Writes the project.
pub(crate) fn project(cx: &Cx<'_>, models: &[ModelCode], out: &mut Generated) {
    let spec = cx.spec();
    let hash = banner(&cx.spec_file(), "#");
    let mut seeds = String::new();
    for (name, table) in &cx.catalog.tables {
        let (schema, table_name) = Cx::source_parts(name);
        let types: Vec<String> = table
            .table
            .columns
            .iter()
            .map(|c| format!("        {}: {}", c.name, y(&type_in(&c.written_type, Dialect::Duckdb))))
            .collect();
        seeds.push_str(&format!(
            "    {table_name}:\n      +schema: {}\n      +column_types:\n{}\n",
            y(&schema),
            types.join("\n")
        ));
    }
    out.files.push(GeneratedFile {
        path: "dbt_project.yml".into(),
        text: format!(
            "{hash}name: {PROJECT}\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: {PROJECT}\n\n\
             model-paths: [\"models\"]\nsnapshot-paths: [\"snapshots\"]\nmacro-paths: [\"macros\"]\nseed-paths: [\"seeds\"]\n\n\
             # Sample data for the sources, when you have it: seeds/<table>.csv, loaded into the\n\
             # source's schema with the types its DDL declares.\n\
             seeds:\n  {PROJECT}:\n{seeds}"
        ),
    });
    out.files.push(GeneratedFile {
        path: "profiles.yml".into(),
        text: format!(
            "{hash}{PROJECT}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: {PROJECT}.duckdb\n      schema: main\n      threads: 1\n"
        ),
    });
    out.files.push(GeneratedFile { path: "macros/generate_schema_name.sql".into(), text: SCHEMA_MACRO.into() });
    out.files.push(GeneratedFile { path: "macros/specproof_tests.sql".into(), text: TEST_MACROS.into() });
    out.files.push(sources(cx, &hash));

    let mut schema = format!("{hash}version: 2\n\nmodels:\n");
    for code in models {
        let model = &spec.models[code.mi];
        let layer = Cx::layer_of(model);
        let materialized = format!("{{{{ config(materialized='table', schema={}) }}}}\n\n", jinja(cx.schema_of(model)));
        match &code.body {
            Body::Query(plan) => {
                let relation = |s: &PlanSource| reference(cx, &s.entry);
                let body = render(plan, Dialect::Duckdb, &relation);
                out.files.push(GeneratedFile {
                    path: format!("models/{layer}/{}.sql", model.name),
                    text: format!("{materialized}{}{}{body}\n", banner(&cx.spec_file(), "--"), header(model, code.mi)),
                });
                // A group-by column has no spec type: it keeps its driving source column's.
                let columns: Vec<(String, String)> = plan
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), c.data_type.clone().unwrap_or_else(|| group_type(cx, plan, &c.name))))
                    .collect();
                schema.push_str(&model_entry(cx, model, code.mi, &columns, &mut out.limits));
            }
            Body::Scd2(shape) => {
                out.files.push(snapshot(cx, model, shape));
                let columns: Vec<(String, String)> = table_columns(shape, Dialect::Duckdb);
                let source_columns: Vec<String> =
                    shape.columns.iter().map(|(n, _)| ident(n, Dialect::Duckdb)).collect();
                let open = if shape.far_future {
                    format!("{} = TIMESTAMP '{FAR_FUTURE}'", ident(&shape.expiry_at, Dialect::Duckdb))
                } else {
                    format!("{} IS NULL", ident(&shape.expiry_at, Dialect::Duckdb))
                };
                let text = format!(
                    "{{{{ config(materialized='view', schema={}) }}}}\n\n{}{}\
                     -- The history is kept by the snapshot {}; this view adds the current flag.\n\
                     SELECT\n    {},\n    CAST({eff} AS TIMESTAMP) AS {eff},\n    CAST({exp} AS TIMESTAMP) AS {exp},\n    {open} AS {flag}\n\
                     FROM {{{{ ref({}) }}}}\n",
                    jinja(cx.schema_of(model)),
                    banner(&cx.spec_file(), "--"),
                    header(model, code.mi),
                    snapshot_name(model),
                    source_columns.join(",\n    "),
                    jinja(&snapshot_name(model)),
                    eff = ident(&shape.effective_at, Dialect::Duckdb),
                    exp = ident(&shape.expiry_at, Dialect::Duckdb),
                    flag = ident(&shape.current_flag, Dialect::Duckdb),
                );
                out.files.push(GeneratedFile { path: format!("models/{layer}/{}.sql", model.name), text });
                schema.push_str(&model_entry(cx, model, code.mi, &columns, &mut out.limits));
            }
        }
    }
    out.files.push(GeneratedFile { path: "models/schema.yml".into(), text: schema });
}

/// The DuckDB type of a group-by column: its driving source column's.
fn group_type(cx: &Cx<'_>, plan: &crate::reference::plan::ModelPlan, column: &str) -> String {
    let source = &plan.sources[plan.base];
    let spec = cx.spec();
    if let Some(i) = spec.model_index(source.entry.trim()) {
        let upstream = &spec.models[i];
        if let Some(c) = upstream.column_mapping.iter().find(|c| c.target_column.eq_ignore_ascii_case(column)) {
            return type_in(&c.data_type, Dialect::Duckdb);
        }
    }
    if let Some(t) = cx.catalog.get(source.entry.trim().trim_matches('`')) {
        if let Some(c) = t.table.columns.iter().find(|c| c.name.eq_ignore_ascii_case(column)) {
            return type_in(&c.written_type, Dialect::Duckdb);
        }
    }
    String::new()
}

/// A model's entry in `schema.yml`: contract, columns with types, and its tests.
fn model_entry(
    cx: &Cx<'_>,
    model: &Model,
    mi: usize,
    columns: &[(String, String)],
    limits: &mut Vec<super::Limit>,
) -> String {
    let tests = tests_of(cx.loaded, mi, cx.queries[mi].as_ref(), Dialect::Duckdb, limits);
    let mut text = format!("  - name: {}\n", model.name);
    if let Some(d) = model.description.as_deref().map(one_line).filter(|d| !d.is_empty()) {
        text.push_str(&format!("    description: {}\n", y(&d)));
    }
    let mut model_tests: Vec<String> = Vec::new();
    let key = &tests.primary_key;
    if key.len() > 1 {
        model_tests.push(format!(
            "      - specproof_unique_combination:\n          columns: [{}]\n",
            key.iter().map(|k| y(k)).collect::<Vec<_>>().join(", ")
        ));
    }
    let mut entries = String::new();
    for (name, data_type) in columns {
        let mut checks: Vec<Check> = tests.of(name).to_vec();
        if key.iter().any(|k| k.eq_ignore_ascii_case(name)) {
            for c in [Check::NotNull, Check::Unique] {
                if (c == Check::NotNull || key.len() == 1) && !checks.contains(&c) {
                    checks.push(c);
                }
            }
        }
        entries.push_str(&format!("      - name: {}\n", name));
        if !data_type.is_empty() {
            entries.push_str(&format!("        data_type: {}\n", y(data_type)));
        }
        let mut lines = Vec::new();
        for check in &checks {
            match check {
                Check::NotNull => lines.push("          - not_null\n".to_string()),
                Check::Unique => lines.push("          - unique\n".to_string()),
                Check::AcceptedValues { values, strings } => {
                    let list: Vec<String> = values.iter().map(|v| y(v)).collect();
                    let quote = if *strings { "" } else { "              quote: false\n" };
                    lines.push(format!(
                        "          - accepted_values:\n              values: [{}]\n{quote}",
                        list.join(", ")
                    ));
                }
                Check::Relationships { target, column } => lines.push(format!(
                    "          - relationships:\n              to: {}\n              field: {}\n",
                    y(&relation_call(cx, target)),
                    y(column)
                )),
                Check::AcceptedRange { min, max } => {
                    let mut t = "          - specproof_accepted_range:\n".to_string();
                    if let Some(min) = min {
                        t.push_str(&format!("              min_value: {}\n", y(min)));
                    }
                    if let Some(max) = max {
                        t.push_str(&format!("              max_value: {}\n", y(max)));
                    }
                    lines.push(t);
                }
                Check::Expression(sql) => {
                    model_tests.push(format!("      - specproof_expression:\n          expression: {}\n", y(sql)))
                }
            }
        }
        if !lines.is_empty() {
            entries.push_str("        data_tests:\n");
            for l in lines {
                entries.push_str(&l);
            }
        }
    }
    let all_typed = columns.iter().all(|(_, t)| !t.is_empty());
    if all_typed {
        text.push_str("    config:\n      contract:\n        enforced: true\n");
    } else {
        limits.push(super::Limit {
            model: model.name.clone(),
            json_path: format!("models[{mi}]"),
            message: "dbt: a column's type is not known, so the model's contract is not enforced".into(),
        });
    }
    if !model_tests.is_empty() {
        text.push_str("    data_tests:\n");
        for t in model_tests {
            text.push_str(&t);
        }
    }
    text.push_str("    columns:\n");
    text.push_str(&entries);
    text
}

/// `ref('m')` or `source('raw', 't')` for a relationships target.
fn relation_call(cx: &Cx<'_>, target: &str) -> String {
    match cx.spec().model_index(target.trim()) {
        Some(i) => format!("ref({})", jinja(&cx.spec().models[i].name)),
        None => {
            let (schema, table) = Cx::source_parts(target);
            format!("source({}, {})", jinja(&schema), jinja(&table))
        }
    }
}

/// `models/sources.yml`: every declared source table with its columns and DuckDB types.
fn sources(cx: &Cx<'_>, hash: &str) -> GeneratedFile {
    let mut by_schema: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (name, table) in &cx.catalog.tables {
        let (schema, table_name) = Cx::source_parts(name);
        let mut t = format!("      - name: {table_name}\n        columns:\n");
        for c in &table.table.columns {
            t.push_str(&format!(
                "          - name: {}\n            data_type: {}\n",
                c.name,
                y(&type_in(&c.written_type, Dialect::Duckdb))
            ));
            if !c.nullable {
                t.push_str("            data_tests:\n              - not_null\n");
            }
        }
        by_schema.entry(schema).or_default().push(t);
    }
    let mut text = format!("{hash}version: 2\n\nsources:\n");
    for (schema, tables) in by_schema {
        text.push_str(&format!("  - name: {schema}\n    schema: {schema}\n    tables:\n"));
        for t in tables {
            text.push_str(&t);
        }
    }
    GeneratedFile { path: "models/sources.yml".into(), text }
}

/// `snapshots/<model>_history.sql`: a check snapshot of the source on the natural key, with
/// the spec's column names for the validity range.
fn snapshot(cx: &Cx<'_>, model: &Model, shape: &Scd2Shape) -> GeneratedFile {
    let keys: Vec<String> = shape.keys.iter().map(|k| jinja(k)).collect();
    let unique_key = if keys.len() == 1 { keys[0].clone() } else { format!("[{}]", keys.join(", ")) };
    let check_cols: Vec<String> = shape.tracked.iter().map(|c| jinja(c)).collect();
    let current = if shape.far_future {
        format!(",\n        dbt_valid_to_current=\"TIMESTAMP '{FAR_FUTURE}'\"")
    } else {
        String::new()
    };
    let columns: Vec<String> = shape.columns.iter().map(|(n, _)| ident(n, Dialect::Duckdb)).collect();
    let text = format!(
        "{{% snapshot {name} %}}\n\n{{{{\n    config(\n        target_schema={schema},\n        unique_key={unique_key},\n        strategy='check',\n        check_cols=[{check}],\n        hard_deletes='invalidate',\n        snapshot_meta_column_names={{'dbt_valid_from': {eff}, 'dbt_valid_to': {exp}}}{current}\n    )\n}}}}\n\n\
         {banner}-- Type 2 history of {entry} on {keys_text} (models[{mi}].constraints): a change to a tracked\n\
         -- column ({tracked}) or a key that vanished closes the version; dbt opens the next one.\n\
         SELECT {columns}\nFROM {source}\n\n{{% endsnapshot %}}\n",
        name = snapshot_name(model),
        schema = jinja(cx.schema_of(model)),
        check = check_cols.join(", "),
        eff = jinja(&shape.effective_at),
        exp = jinja(&shape.expiry_at),
        banner = banner(&cx.spec_file(), "--"),
        entry = shape.source_entry,
        keys_text = shape.keys.join(", "),
        mi = shape.mi,
        tracked = shape.tracked.join(", "),
        columns = columns.join(", "),
        source = reference(cx, &shape.source_entry),
    );
    GeneratedFile { path: format!("snapshots/{}.sql", snapshot_name(model)), text }
}
