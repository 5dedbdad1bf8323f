//! The prompts: what a model is asked to write, and what it is shown when its code was wrong.
//!
//! Built only from the spec, the sources and the target (never from the reference code specproof
//! itself would generate for the model, which would make the exercise pointless), so the same
//! inputs give byte-identical prompts. The meaning rules are the spec format's own paragraphs,
//! compiled in ([`MEANING`]), not a paraphrase of them.

use crate::codegen::Target;
use crate::project::layout::Project;
use crate::spec::resolve::context::{alias_of, model_output, target_of, RelColumn, Target as Entry};

/// The spec format's meaning rules (names, kinds of model, tests, dialects, comparison).
pub const MEANING: &str = include_str!("meaning.md");

/// How code is written for `target`: file form, how tables are referred to, dialect.
fn conventions(target: Target) -> &'static str {
    match target {
        Target::Duckdb => {
            "Target: plain DuckDB SQL. The file holds one statement, `CREATE OR REPLACE TABLE <schema>.<model> AS <query>;` \
             (an SCD type 2 model instead creates its table if it is missing and then MERGEs the source's current rows into it). \
             Write DuckDB's dialect. Refer to each table exactly as listed under \"Reads\"."
        }
        Target::Bigquery => {
            "Target: plain BigQuery SQL (GoogleSQL). The file holds one statement, `CREATE OR REPLACE TABLE <schema>.<model> AS <query>;` \
             (an SCD type 2 model instead creates its table if it is missing and then MERGEs the source's current rows into it). \
             Write BigQuery's dialect. Refer to each table exactly as listed under \"Reads\"."
        }
        Target::Dataform => {
            "Target: a Dataform SQLX file: the `config { ... }` block shown under \"File\", then the model's query (a SELECT, no CREATE). \
             Write BigQuery's dialect (GoogleSQL) inside. Refer to each table with the `${ref(...)}` listed under \"Reads\"."
        }
        Target::Dbt => {
            "Target: a dbt model for dbt-duckdb: the `{{ config(...) }}` line shown under \"File\", then the model's query (a SELECT, no CREATE). \
             Write DuckDB's dialect. Refer to each table with the `{{ source(...) }}` or `{{ ref(...) }}` listed under \"Reads\"."
        }
    }
}

/// The system message: the task, the target's conventions and the meaning rules.
pub fn system_prompt(target: Target) -> String {
    format!(
        "You write the code of one model of a data pipeline from its JSON spec. Your code is run on synthetic data \
         and its output compared, row by row, with what the spec means; any difference is shown back to you.\n\n\
         {}\n\n\
         Reply with the complete file in exactly one fenced code block (```sql ... ```), and nothing that is not code inside it.\n\n\
         {MEANING}",
        conventions(target)
    )
}

/// How `target`'s code refers to source entry `entry` of the spec.
pub fn reference_to(project: &Project, entry: &str, target: Target) -> String {
    let spec = &project.spec.spec;
    match target_of(spec, &project.catalog, entry) {
        Entry::Model(i) => {
            let model = &spec.models[i];
            let name = &model.name;
            match target {
                Target::Dataform => format!("${{ref(\"{name}\")}}"),
                Target::Dbt => format!("{{{{ ref('{name}') }}}}"),
                Target::Duckdb | Target::Bigquery => {
                    let schema = if model.layer.as_deref() == Some("final") {
                        &spec.schema.final_schema
                    } else {
                        &spec.schema.staging_schema
                    };
                    format!("{schema}.{name}")
                }
            }
        }
        Entry::Table(full) => {
            let (schema, table) = full.rsplit_once('.').unwrap_or(("", full.as_str()));
            match target {
                Target::Dataform => format!("${{ref(\"{schema}\", \"{table}\")}}"),
                Target::Dbt => format!("{{{{ source('{schema}', '{table}') }}}}"),
                Target::Duckdb | Target::Bigquery => full.clone(),
            }
        }
        Entry::Unknown => entry.trim().to_string(),
    }
}

/// One column as the prompt lists it: `name TYPE` and `NOT NULL` where it cannot be null.
fn column_line(column: &RelColumn) -> String {
    let kind = column.data_type.as_deref().unwrap_or("(type unknown)");
    format!("{} {kind}{}", column.name, if column.nullable { "" } else { " NOT NULL" })
}

/// What model `mi` reads: each source entry, how to refer to it, its columns and keys.
fn reads(project: &Project, mi: usize, target: Target) -> String {
    let spec = &project.spec.spec;
    let mut out = String::new();
    for entry in &spec.models[mi].sources {
        let reference = reference_to(project, entry, target);
        let (what, columns, keys) = match target_of(spec, &project.catalog, entry) {
            Entry::Model(i) => {
                let relation = model_output(spec, &project.catalog, i);
                let columns = relation.as_ref().map(|r| r.columns.clone()).unwrap_or_default();
                let keys = relation.map(|r| r.keys).unwrap_or_default();
                (format!("model `{}`", spec.models[i].name), columns, keys)
            }
            Entry::Table(full) => match project.catalog.get(&full) {
                Some(table) => {
                    let columns = table
                        .table
                        .columns
                        .iter()
                        .map(|c| RelColumn {
                            name: c.name.clone(),
                            data_type: c.data_type.clone(),
                            nullable: c.nullable,
                        })
                        .collect();
                    (format!("source table `{full}`"), columns, table.table.keys.clone())
                }
                None => (format!("`{full}` (not declared)"), Vec::new(), Vec::new()),
            },
            Entry::Unknown => (format!("`{entry}` (not declared)"), Vec::new(), Vec::new()),
        };
        out.push_str(&format!("- `{entry}` ({what}; called `{}` inside the model): {reference}\n", alias_of(entry)));
        for column in &columns {
            out.push_str(&format!("    {}\n", column_line(column)));
        }
        for key in &keys {
            out.push_str(&format!("    key ({})\n", key.join(", ")));
        }
    }
    out
}

/// The first message for model `mi`: its spec, what it reads, and its file's preamble (the
/// target's configuration block, as `specproof generate code` writes it).
pub fn model_prompt(project: &Project, mi: usize, target: Target, path: &str, preamble: &str) -> String {
    let spec = &project.spec.spec;
    let model = &spec.models[mi];
    let json = serde_json::to_string_pretty(model).unwrap_or_else(|e| format!("(the model could not be shown: {e})"));
    let schema =
        if model.layer.as_deref() == Some("final") { &spec.schema.final_schema } else { &spec.schema.staging_schema };
    let mut text = format!(
        "Write the model `{}` (layer {}, materialised as `{schema}.{}`).\n\n\
         ## File\n`{path}`",
        model.name,
        model.layer.as_deref().unwrap_or("staging"),
        model.name,
    );
    if preamble.trim().is_empty() {
        text.push_str("\n\n");
    } else {
        text.push_str(", starting with:\n```\n");
        text.push_str(preamble.trim_end());
        text.push_str("\n```\n\n");
    }
    text.push_str(&format!("## Reads\n{}\n", reads(project, mi, target)));
    text.push_str(&format!(
        "## The model's spec\nSchemas: raw `{}`, staging `{}`, final `{}`; expressions in the spec are {} SQL.\n```json\n{json}\n```\n",
        spec.schema.raw_schema,
        spec.schema.staging_schema,
        spec.schema.final_schema,
        match spec.dialect {
            crate::spec::model::Dialect::Bigquery => "BigQuery",
            crate::spec::model::Dialect::Duckdb => "DuckDB",
        },
    ));
    text
}

/// The message after a round whose code did not validate: the findings as specproof reports them
/// (each with its line, and its counterexample: the input rows, the expected rows beside the
/// actual ones).
pub fn repair_prompt(model: &str, round: usize, findings: &str) -> String {
    format!(
        "Your code for `{model}` (round {round}) does not do what the spec says. specproof ran it on synthetic data that the \
         sources allow and reports:\n\n```text\n{}\n```\n\n\
         Fix the code so that it agrees with the spec on every input the sources allow (not only on these rows), and reply \
         with the complete corrected file in one fenced code block.",
        findings.trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repair_prompt_carries_the_findings_verbatim() {
        let findings = "error[DIF001] m: 1 row differs\n  --> models/m.sql:7:5\n  expected | actual\n  1 | 2\n";
        let prompt = repair_prompt("m", 1, findings);
        assert!(prompt.contains(findings.trim_end()), "{prompt}");
        assert!(prompt.contains("round 1"));
    }

    fn customer360() -> Project {
        let dir = crate::test_support::crate_root().join("specs/customer360");
        let overrides =
            crate::project::layout::Overrides { spec: Some(dir.join("spec.corrected.json")), ..Default::default() };
        crate::project::layout::load_project(&dir, &overrides).unwrap()
    }

    #[test]
    fn a_model_prompt_names_each_table_in_the_targets_idiom_and_never_shows_the_tools_own_code() {
        let project = customer360();
        let fact = project.spec.spec.model_index("fact_customer_orders").unwrap();
        let pivot = project.spec.spec.model_index("stg_support_pivot").unwrap();
        let cases = [
            (Target::Dataform, pivot, "${ref(\"raw\", \"support_tickets\")}"),
            (Target::Dataform, fact, "${ref(\"stg_orders\")}"),
            (Target::Dbt, pivot, "{{ source('raw', 'support_tickets') }}"),
            (Target::Dbt, fact, "{{ ref('stg_orders') }}"),
            (Target::Duckdb, fact, "temp.stg_orders"),
            (Target::Bigquery, pivot, "raw.support_tickets"),
        ];
        for (target, mi, reference) in cases {
            let prompt = model_prompt(&project, mi, target, "models/x.sql", "");
            assert!(prompt.contains(reference), "{target:?}: no `{reference}` in\n{prompt}");
            assert_eq!(prompt, model_prompt(&project, mi, target, "models/x.sql", ""), "not deterministic");
            // The generator's CTE names would mean its code leaked into the prompt.
            assert!(!prompt.contains("driving_groups") && !prompt.contains("_metrics AS"), "{prompt}");
        }
        let prompt = model_prompt(
            &project,
            pivot,
            Target::Duckdb,
            "models/stg_support_pivot.sql",
            "CREATE OR REPLACE TABLE temp.stg_support_pivot AS",
        );
        assert!(prompt.contains("customer_id INT64 NOT NULL") && prompt.contains("status STRING\n"), "{prompt}");
        assert!(prompt.contains("\"formula\": \"COUNTIF(status = 'OPEN')\""), "{prompt}");
        assert!(
            prompt.contains("starting with:\n```\nCREATE OR REPLACE TABLE temp.stg_support_pivot AS\n```"),
            "{prompt}"
        );
    }

    #[test]
    fn the_system_prompt_holds_the_meaning_rules_and_the_targets_idiom() {
        let dataform = system_prompt(Target::Dataform);
        assert!(dataform.contains("## Kinds of model") && dataform.contains("${ref(...)}"));
        assert!(system_prompt(Target::Dbt).contains("{{ source(...) }}"));
        assert_eq!(system_prompt(Target::Duckdb), system_prompt(Target::Duckdb));
    }
}
