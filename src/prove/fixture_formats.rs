//! A counterexample in other tools' unit-test formats (`--emit-fixture DIR --fixture-format …`):
//! a dbt unit test (`given`/`expect`), a SQLMesh test (`inputs`/`outputs`), or a Dataform unit
//! test (`type: "test"` with an `input` per source). Each gives the model's direct inputs on the
//! shrunk counterexample and the rows the spec says the model holds on them, so it fails on the
//! code that was wrong and passes once the code computes what the spec says.

use super::fixture::{Fixture, ReadTable};
use crate::spec::model::Spec;

/// The formats a counterexample can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixtureFormat {
    /// The engine's own shipped-test script (`tests/*.sql`).
    Specproof,
    /// A dbt unit test (YAML, dbt 1.8+).
    Dbt,
    /// A SQLMesh test (YAML).
    Sqlmesh,
    /// A Dataform unit test (SQLX).
    Dataform,
}

/// The counterexample's file name and text in `format`.
pub fn render(spec: &Spec, fixture: &Fixture, format: FixtureFormat) -> (String, String) {
    let name = format!("specproof_{}_seed{}", fixture.model, fixture.seed);
    let what = format!(
        "Regression test written by `specproof validate --emit-fixture`: the counterexample (synthetic data, seed {}, shrunk) on which `{}` differed from the spec's result.",
        fixture.seed, fixture.model
    );
    match format {
        FixtureFormat::Specproof => (fixture.file.clone(), fixture.text.clone()),
        FixtureFormat::Dbt => {
            let mut text = format!(
                "# {what}\nversion: 2\n\nunit_tests:\n  - name: {name}\n    model: {}\n    given:\n",
                fixture.model
            );
            for input in &fixture.inputs {
                text.push_str(&format!(
                    "      - input: {}\n        format: dict\n        rows:",
                    dbt_input(spec, &input.name)
                ));
                text.push_str(&rows_yaml(input, "          "));
            }
            text.push_str("    expect:\n      format: dict\n      rows:");
            text.push_str(&rows_yaml(&fixture.expected, "        "));
            (format!("{name}.yml"), text)
        }
        FixtureFormat::Sqlmesh => {
            let schema = model_schema(spec, &fixture.model);
            let mut text = format!("# {what}\n{name}:\n  model: {schema}.{}\n  inputs:\n", fixture.model);
            for input in &fixture.inputs {
                text.push_str(&format!("    {}:\n      rows:", input.name));
                text.push_str(&rows_yaml(input, "        "));
            }
            text.push_str("  outputs:\n    query:\n      rows:");
            text.push_str(&rows_yaml(&fixture.expected, "        "));
            (format!("test_{name}.yaml"), text)
        }
        FixtureFormat::Dataform => {
            let mut text = format!(
                "config {{\n  type: \"test\",\n  dataset: {}\n}}\n\n-- {what}\n",
                serde_json::Value::String(fixture.model.clone())
            );
            for input in &fixture.inputs {
                let table = input.name.rsplit('.').next().unwrap_or(&input.name);
                text.push_str(&format!(
                    "\ninput {} {{\n{}\n}}\n",
                    serde_json::Value::String(table.to_string()),
                    select_rows(input)
                ));
            }
            text.push_str(&format!("\n{}\n", select_rows(&fixture.expected)));
            (format!("{name}.sqlx"), text)
        }
    }
}

/// `ref('model')` for a model's table, `source('schema', 'table')` for a source table.
fn dbt_input(spec: &Spec, name: &str) -> String {
    let (schema, table) = name.rsplit_once('.').unwrap_or(("", name));
    match spec.model_index(table) {
        Some(i) if model_schema(spec, &spec.models[i].name) == schema => format!("ref('{}')", spec.models[i].name),
        _ => format!("source('{}', '{}')", schema.rsplit('.').next().unwrap_or(schema), table),
    }
}

/// The schema a model's table lives in.
fn model_schema(spec: &Spec, model: &str) -> String {
    let layer = spec.model_index(model).and_then(|i| spec.models[i].layer.as_deref()).map(str::trim);
    match layer {
        Some("final") => spec.schema.final_schema.clone(),
        _ => spec.schema.staging_schema.clone(),
    }
}

/// Rows as a YAML list of maps (` []` for none), each line indented by `indent`.
fn rows_yaml(table: &ReadTable, indent: &str) -> String {
    if table.rows.is_empty() {
        return " []\n".into();
    }
    let mut text = String::from("\n");
    for row in &table.rows {
        let fields: Vec<String> = table
            .columns
            .iter()
            .zip(row)
            .map(|((column, ty), value)| format!("{}: {}", yaml_key(column), yaml_value(value.as_deref(), ty)))
            .collect();
        text.push_str(&format!("{indent}- {{{}}}\n", fields.join(", ")));
    }
    text
}

fn yaml_key(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.is_empty() {
        name.to_string()
    } else {
        serde_json::Value::String(name.to_string()).to_string()
    }
}

/// A value as YAML: numbers and booleans bare (when their text is one), NULL as `null`, anything
/// else a quoted string.
fn yaml_value(value: Option<&str>, ty: &str) -> String {
    let Some(value) = value else { return "null".into() };
    let upper = ty.to_ascii_uppercase();
    let numeric = ["INT", "BIGINT", "HUGEINT", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT", "REAL", "DECIMAL", "NUMERIC"]
        .iter()
        .any(|t| upper.starts_with(t) || upper.starts_with(&format!("U{t}")));
    if numeric && value.parse::<f64>().is_ok_and(f64::is_finite) {
        return value.to_string();
    }
    if upper == "BOOLEAN" && (value == "true" || value == "false") {
        return value.to_string();
    }
    serde_json::Value::String(value.to_string()).to_string()
}

/// `SELECT … UNION ALL SELECT …` of typed BigQuery literals, or a typed empty set.
fn select_rows(table: &ReadTable) -> String {
    let bq_type = |ty: &str| -> String {
        let upper = ty.to_ascii_uppercase();
        match upper.as_str() {
            "BIGINT" | "INTEGER" | "SMALLINT" | "TINYINT" | "HUGEINT" => "INT64".into(),
            "DOUBLE" | "FLOAT" | "REAL" => "FLOAT64".into(),
            "BOOLEAN" => "BOOL".into(),
            "VARCHAR" => "STRING".into(),
            "BLOB" => "BYTES".into(),
            _ if upper.starts_with("DECIMAL") => "NUMERIC".into(),
            _ => upper,
        }
    };
    let literal = |value: &Option<String>, ty: &str| match value {
        Some(v) => format!("CAST('{}' AS {})", v.replace('\\', "\\\\").replace('\'', "\\'"), bq_type(ty)),
        None => format!("CAST(NULL AS {})", bq_type(ty)),
    };
    let named = |row: Option<&Vec<Option<String>>>| -> Vec<String> {
        table
            .columns
            .iter()
            .enumerate()
            .map(|(i, (c, ty))| {
                let value = row.and_then(|r| r.get(i)).cloned().flatten();
                format!("{} AS `{}`", literal(&value, ty), c.replace('`', "\\`"))
            })
            .collect()
    };
    match table.rows.split_first() {
        None => format!("SELECT {} LIMIT 0", named(None).join(", ")),
        Some((first, rest)) => {
            let mut text = format!("SELECT {}", named(Some(first)).join(", "));
            for row in rest {
                let values: Vec<String> = table.columns.iter().zip(row).map(|((_, ty), v)| literal(v, ty)).collect();
                text.push_str(&format!("\nUNION ALL SELECT {}", values.join(", ")));
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::load::parse_spec;

    fn fixture() -> (Spec, Fixture) {
        let text = r#"{"schema": {"raw_schema": "raw", "staging_schema": "stg", "final_schema": "mart"},
            "models": [{"name": "m", "layer": "staging", "sources": ["raw.t"],
                        "column_mapping": [{"target_column": "id", "type": "INT64", "from_table": "t", "from_column": "id"}]}]}"#;
        let spec = parse_spec("spec.json", text.to_string()).expect("spec").spec;
        let table = |name: &str| ReadTable {
            name: name.to_string(),
            columns: vec![("id".into(), "BIGINT".into()), ("note".into(), "VARCHAR".into())],
            rows: vec![vec![Some("1".into()), Some("it's".into())], vec![Some("2".into()), None]],
        };
        let fixture = Fixture {
            model: "m".into(),
            file: "specproof_m_seed7.sql".into(),
            text: String::new(),
            seed: 7,
            inputs: vec![table("raw.t")],
            expected: table("m"),
        };
        (spec, fixture)
    }

    #[test]
    fn a_dbt_unit_test_gives_the_inputs_and_expects_the_spec_rows() {
        let (spec, fixture) = fixture();
        let (file, text) = render(&spec, &fixture, FixtureFormat::Dbt);
        assert_eq!(file, "specproof_m_seed7.yml");
        assert!(
            text.contains("    model: m\n    given:\n      - input: source('raw', 't')\n        format: dict\n"),
            "{text}"
        );
        assert!(text.contains("- {id: 1, note: \"it's\"}\n") && text.contains("- {id: 2, note: null}\n"), "{text}");
        assert!(text.contains("    expect:\n      format: dict\n      rows:\n"), "{text}");
    }

    #[test]
    fn a_sqlmesh_test_and_a_dataform_test() {
        let (spec, fixture) = fixture();
        let (file, text) = render(&spec, &fixture, FixtureFormat::Sqlmesh);
        assert_eq!(file, "test_specproof_m_seed7.yaml");
        assert!(text.contains("  model: stg.m\n  inputs:\n    raw.t:\n      rows:\n"), "{text}");
        assert!(text.contains("  outputs:\n    query:\n      rows:\n"), "{text}");
        let (file, text) = render(&spec, &fixture, FixtureFormat::Dataform);
        assert_eq!(file, "specproof_m_seed7.sqlx");
        assert!(
            text.contains("input \"t\" {\nSELECT CAST('1' AS INT64) AS `id`, CAST('it\\'s' AS STRING) AS `note`"),
            "{text}"
        );
    }
}
