//! `specproof generate tests`: every test the spec names, as files of a test format — the
//! engine's own shipped-test scripts (`ASSERT`), dbt singular tests, or Dataform assertions.
//!
//! Each test is the query of the rows that break it ([`Check::violations`]); the formats differ
//! only in how they wrap that query and name the model.

use super::tests::{key_violations, tests_of, Check};
use super::{banner, Cx, Generated, GeneratedFile, Target};
use crate::spec::catalog::Catalog;
use crate::spec::load::LoadedSpec;
use crate::spec::resolve::resolve_models;

/// The test formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestFormat {
    /// The engine's own `tests/*.sql`: BigQuery scripts of `ASSERT` statements.
    Specproof,
    /// dbt singular tests, `tests/<model>__<column>__<test>.sql`.
    Dbt,
    /// Dataform assertions, `definitions/assertions/<model>__<column>__<test>.sqlx`.
    Dataform,
}

impl TestFormat {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            TestFormat::Specproof => "specproof",
            TestFormat::Dbt => "dbt",
            TestFormat::Dataform => "dataform",
        }
    }
}

/// One named test of one model: its column (none for the key), kind, and failing-rows query.
struct Named {
    column: Option<String>,
    kind: String,
    text: String,
    query: String,
}

/// Writes the spec's tests in `format`.
pub fn generate_tests(loaded: &LoadedSpec, catalog: &Catalog, format: TestFormat) -> Generated {
    let queries = resolve_models(loaded, catalog);
    // The relation names follow the code target whose models the tests read.
    let code_target = match format {
        TestFormat::Specproof => Target::Bigquery,
        TestFormat::Dbt => Target::Dbt,
        TestFormat::Dataform => Target::Dataform,
    };
    let cx = Cx { loaded, catalog, target: code_target, queries: &queries };
    let dialect = code_target.dialect();
    let spec = &loaded.spec;
    let mut out = Generated::default();
    let relation = |entry: &str| -> String {
        match format {
            TestFormat::Specproof => cx.plain_relation(entry),
            TestFormat::Dbt => match spec.model_index(entry.trim()) {
                Some(i) => format!("{{{{ ref('{}') }}}}", spec.models[i].name),
                None => {
                    let (schema, table) = Cx::source_parts(entry);
                    format!("{{{{ source('{schema}', '{table}') }}}}")
                }
            },
            TestFormat::Dataform => match spec.model_index(entry.trim()) {
                Some(i) => format!("${{ref({})}}", serde_json::Value::String(spec.models[i].name.clone())),
                None => {
                    let (schema, table) = Cx::source_parts(entry);
                    format!("${{ref({}, {})}}", serde_json::Value::String(schema), serde_json::Value::String(table))
                }
            },
        }
    };
    for (mi, model) in spec.models.iter().enumerate() {
        let tests = tests_of(loaded, mi, queries[mi].as_ref(), dialect, &mut out.limits);
        let table = relation(&model.name);
        let mut named: Vec<Named> = Vec::new();
        if !tests.primary_key.is_empty() {
            named.push(Named {
                column: None,
                kind: "primary_key".into(),
                text: format!("constraints.primary_key ({})", tests.primary_key.join(", ")),
                query: key_violations(&table, &tests.primary_key, dialect),
            });
        }
        for (column, checks) in &tests.columns {
            let mut expressions = 0;
            for check in checks {
                let mut kind = check.kind().to_string();
                if let Check::Expression(_) = check {
                    expressions += 1;
                    if expressions > 1 {
                        kind = format!("{kind}_{expressions}");
                    }
                }
                named.push(Named {
                    column: Some(column.clone()),
                    text: format!("{} on {column}", check.kind()),
                    kind,
                    query: check.violations(&table, column, &relation, dialect),
                });
            }
        }
        if named.is_empty() {
            continue;
        }
        match format {
            TestFormat::Specproof => {
                let mut text = banner(&cx.spec_file(), "--");
                text.push_str(&format!(
                    "-- The tests the spec names on {} (models[{mi}]), on whatever data the run has.\n",
                    model.name
                ));
                for n in &named {
                    let label = format!("{}: {}", model.name, n.text).replace('\\', "\\\\").replace('\'', "\\'");
                    text.push_str(&format!(
                        "\nASSERT (\n  SELECT COUNT(*) FROM (\n{}\n  )\n) = 0\n  AS '{label}';\n",
                        indent(&n.query, "    ")
                    ));
                }
                out.files.push(GeneratedFile { path: format!("tests/{}_spec_tests.sql", model.name), text });
            }
            TestFormat::Dbt => {
                for n in named {
                    let name = file_name(&model.name, n.column.as_deref(), &n.kind);
                    let text = format!(
                        "{}-- {}: {} (models[{mi}]); the rows returned break it.\n{}\n",
                        banner(&cx.spec_file(), "--"),
                        model.name,
                        n.text,
                        n.query
                    );
                    out.files.push(GeneratedFile { path: format!("tests/{name}.sql"), text });
                }
            }
            TestFormat::Dataform => {
                for n in named {
                    let name = file_name(&model.name, n.column.as_deref(), &n.kind);
                    let description = serde_json::Value::String(format!("{}: {}", model.name, n.text));
                    let text = format!(
                        "config {{\n  type: \"assertion\",\n  description: {description}\n}}\n\n{}{}\n",
                        banner(&cx.spec_file(), "--"),
                        n.query
                    );
                    out.files.push(GeneratedFile { path: format!("definitions/assertions/{name}.sqlx"), text });
                }
            }
        }
    }
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn file_name(model: &str, column: Option<&str>, kind: &str) -> String {
    match column {
        Some(column) => format!("{model}__{column}__{kind}"),
        None => format!("{model}__{kind}"),
    }
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}")).collect::<Vec<_>>().join("\n")
}
