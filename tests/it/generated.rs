//! The project generator of `specproof bench` (`src/bench/generate.rs`): the projects it
//! generates, and the static check on them.

use specproof::bench::generate::{generate, Flavour, GenerateOptions, GeneratedProject};
use specproof::check::lineage::check_project;
use specproof::finding::Finding;
use specproof::project::layout::{load_project, CodeKind, Overrides};
use specproof::spec::catalog::{add_ddl_text, add_declarations, Catalog};
use specproof::spec::lint::lint_spec;
use specproof::spec::load::{parse_spec, LoadedSpec};
use specproof::spec::model::{Dialect, Model};
use specproof::spec::resolve::context::model_outputs;
use specproof::spec::resolve::graph::dependencies;
use specproof::sql::parse::parse_statements;

fn options(models: usize, seed: u64, flavour: Flavour) -> GenerateOptions {
    GenerateOptions { models, seed, flavour }
}

fn spec_of(project: &GeneratedProject) -> LoadedSpec {
    let text = project.files.get("spec.json").expect("a spec").clone();
    parse_spec("spec.json", text).expect("the generated spec parses")
}

/// The catalog as `load_project` builds it: DDL files first, then the spec's `sources`.
fn catalog_of(project: &GeneratedProject, spec: &LoadedSpec) -> (Catalog, Vec<Finding>) {
    let mut catalog = Catalog::default();
    let mut findings = Vec::new();
    for (path, text) in project.files.iter().filter(|(p, _)| p.starts_with("sources/")) {
        add_ddl_text(&mut catalog, &mut findings, text, path);
    }
    add_declarations(&mut catalog, &mut findings, &spec.spec.sources, &spec.text);
    (catalog, findings)
}

fn model_files(project: &GeneratedProject) -> usize {
    project.files.keys().filter(|p| p.starts_with("models/")).count()
}

/// The generator's module example, which is no doctest: the file is no part of the library.
#[test]
fn the_example_holds() {
    let project = generate(&GenerateOptions { models: 20, seed: 7, flavour: Flavour::DuckDb });
    assert!(project.files.contains_key("spec.json"));
    assert_eq!(project.files.keys().filter(|p| p.starts_with("models/")).count(), 20);
}

#[test]
fn the_same_options_give_the_same_files() {
    for flavour in [Flavour::DuckDb, Flavour::Sqlx] {
        let a = generate(&options(60, 11, flavour));
        let b = generate(&options(60, 11, flavour));
        assert_eq!(a, b);
        let other = generate(&options(60, 12, flavour));
        assert_ne!(a.files.get("spec.json"), other.files.get("spec.json"));
    }
    // The flavour changes the code only: both flavours of a seed share spec and sources.
    let duck = generate(&options(40, 3, Flavour::DuckDb));
    let sqlx = generate(&options(40, 3, Flavour::Sqlx));
    let shared = |p: &GeneratedProject| -> Vec<(String, String)> {
        p.files.iter().filter(|(k, _)| !k.starts_with("models/")).map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    let mut duck_shared = shared(&duck);
    duck_shared.retain(|(k, _)| k != "specproof.toml");
    assert_eq!(duck_shared, shared(&sqlx));
}

#[test]
fn the_project_has_the_models_and_sources_asked_for() {
    for models in [0, 1, 2, 3, 7, 30, 95, 250] {
        for flavour in [Flavour::DuckDb, Flavour::Sqlx] {
            let project = generate(&options(models, 5, flavour));
            let spec = spec_of(&project);
            assert_eq!(spec.spec.models.len(), models);
            assert_eq!(model_files(&project), models);
            let sources = project.files.keys().filter(|p| p.starts_with("sources/")).count();
            assert_eq!(sources, models.div_ceil(10).max(3));
            let extension = if flavour == Flavour::DuckDb { ".sql" } else { ".sqlx" };
            for model in &spec.spec.models {
                assert!(project.files.contains_key(&format!("models/{}{extension}", model.name)), "{}", model.name);
            }
        }
    }
}

#[test]
fn the_shape_mixes_layers_kinds_joins_and_filters() {
    let spec = spec_of(&generate(&options(200, 9, Flavour::DuckDb))).spec;
    let count = |f: &dyn Fn(&Model) -> bool| spec.models.iter().filter(|m| f(m)).count();
    assert!(count(&|m| m.layer.as_deref() == Some("final")) > 20);
    assert!(count(&|m| m.name.starts_with("int_")) > 20);
    assert!(count(&|m| !m.aggregations.is_empty()) > 20);
    assert!(count(&|m| !m.aggregations.is_empty() && m.sources.len() > 1 && m.joins.is_empty()) > 0);
    assert!(count(&|m| !m.aggregations.is_empty() && !m.joins.is_empty()) > 0);
    assert!(count(&|m| m.joins.len() == 2) > 0);
    assert!(count(&|m| m.joins.iter().any(|j| j.join_type == "INNER")) > 0);
    assert!(count(&|m| m.filters.iter().any(|f| f.applies_to.as_deref() != Some(&m.name))) > 0);
    assert!(count(&|m| m.filters.iter().any(|f| f.applies_to.is_none())) > 0);
    assert!(spec.models.iter().all(|m| (1..=3).contains(&m.sources.len())));
    let transforms: Vec<&str> =
        spec.models.iter().flat_map(|m| &m.column_mapping).filter_map(|c| c.transform.as_deref()).collect();
    for needle in ["LOWER(TRIM({from}))", " * ", "CASE WHEN {from} = ", "COALESCE({from}, 0)"] {
        assert!(transforms.iter().any(|t| t.contains(needle)), "no transform with {needle}");
    }
    let formulas: Vec<&str> = spec.models.iter().flat_map(|m| &m.aggregations).map(|a| a.formula.as_str()).collect();
    for needle in ["SUM(", "COUNT(*)", "MAX(", "COUNTIF("] {
        assert!(formulas.iter().any(|f| f.contains(needle)), "no formula with {needle}");
    }
}

#[test]
fn every_generated_spec_lints_clean() {
    for seed in [1, 2, 3, 4, 5, 6, 7, 8] {
        for flavour in [Flavour::DuckDb, Flavour::Sqlx] {
            for models in [1, 4, 50] {
                let project = generate(&options(models, seed, flavour));
                let spec = spec_of(&project);
                let (catalog, source_findings) = catalog_of(&project, &spec);
                assert!(source_findings.is_empty(), "seed {seed}: {source_findings:?}");
                let findings = lint_spec(&spec, &catalog);
                assert!(findings.is_empty(), "seed {seed}, {models} models: {findings:#?}");
            }
        }
    }
}

#[test]
fn a_large_spec_lints_clean() {
    let project = generate(&options(1000, 42, Flavour::Sqlx));
    let spec = spec_of(&project);
    let (catalog, source_findings) = catalog_of(&project, &spec);
    assert!(source_findings.is_empty(), "{source_findings:?}");
    let findings = lint_spec(&spec, &catalog);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn a_written_project_loads() {
    for (flavour, kind, dialect) in
        [(Flavour::DuckDb, CodeKind::Sql, Dialect::Duckdb), (Flavour::Sqlx, CodeKind::Sqlx, Dialect::Bigquery)]
    {
        let project = generate(&options(25, 8, flavour));
        let dir = std::env::temp_dir().join(format!("specproof-generate-{}-{kind:?}", std::process::id()));
        project.write_to(&dir).expect("the project is written");
        let loaded = load_project(&dir, &Overrides::default());
        std::fs::remove_dir_all(&dir).expect("the temporary project is removed");
        let loaded = loaded.expect("the written project loads");
        assert_eq!(loaded.model_files.len(), 25);
        assert!(loaded.model_files.iter().all(|f| f.kind == kind));
        assert_eq!(loaded.code_dialect, dialect);
        assert!(loaded.source_findings.is_empty(), "{:?}", loaded.source_findings);
        assert!(lint_spec(&loaded.spec, &loaded.catalog).is_empty());
    }
}

#[test]
fn writing_into_a_file_is_an_error() {
    let file = std::env::temp_dir().join(format!("specproof-generate-file-{}", std::process::id()));
    std::fs::write(&file, "not a folder").expect("a temporary file");
    let result = generate(&options(3, 1, Flavour::DuckDb)).write_to(&file);
    std::fs::remove_file(&file).expect("the temporary file is removed");
    assert!(result.is_err(), "{result:?}");
}

/// Models in an order where each comes after the models it reads.
fn dependency_order(spec: &LoadedSpec, catalog: &Catalog) -> Vec<usize> {
    let deps = dependencies(&spec.spec, catalog);
    let mut done = vec![false; deps.len()];
    let mut order = Vec::new();
    while order.len() < deps.len() {
        let before = order.len();
        for i in 0..deps.len() {
            if !done[i] && deps[i].iter().all(|&d| done[d]) {
                done[i] = true;
                order.push(i);
            }
        }
        assert!(order.len() > before, "the models depend on each other in a cycle");
    }
    order
}

/// A value of a DuckDB column type for row `i`, null on some rows where the column allows it.
fn sample_value(duckdb_type: &str, nullable: bool) -> String {
    let value = match duckdb_type {
        "BIGINT" => "i % 7".to_string(),
        "VARCHAR" => "(['open', ' Closed ', 'active', E'\\tgold\\n', 'web', 'paid', 'x'])[i % 7 + 1]".to_string(),
        "DECIMAL(38,9)" => "CAST(i * 0.25 AS DECIMAL(38,9))".to_string(),
        _ => "TIMESTAMP '2020-06-01 00:00:00' + INTERVAL (i * 20) DAY".to_string(),
    };
    if nullable {
        format!("CASE WHEN i % 5 = 4 THEN NULL ELSE {value} END")
    } else {
        value
    }
}

fn duckdb_type(bigquery: &str) -> &'static str {
    match bigquery {
        "INT64" => "BIGINT",
        "STRING" => "VARCHAR",
        "NUMERIC" => "DECIMAL(38,9)",
        "DATE" => "DATE",
        "BOOL" | "BOOLEAN" => "BOOLEAN",
        _ => "TIMESTAMP",
    }
}

#[test]
fn duckdb_code_runs_in_dependency_order() {
    for seed in [1, 2, 3] {
        let project = generate(&options(30, seed, Flavour::DuckDb));
        let spec = spec_of(&project);
        let (catalog, _) = catalog_of(&project, &spec);
        let db = duckdb::Connection::open_in_memory().expect("an in-memory database");
        db.execute_batch("CREATE SCHEMA raw; CREATE SCHEMA stg; CREATE SCHEMA mart;").expect("schemas");
        for source in catalog.tables.values() {
            let table = &source.table;
            let columns: Vec<String> = table
                .columns
                .iter()
                .map(|c| {
                    let not_null = if c.nullable { "" } else { " NOT NULL" };
                    format!("{} {}{not_null}", c.name, duckdb_type(&c.written_type))
                })
                .collect();
            let values: Vec<String> =
                table.columns.iter().map(|c| sample_value(duckdb_type(&c.written_type), c.nullable)).collect();
            let sql = format!(
                "CREATE TABLE {name} ({}); INSERT INTO {name} SELECT {} FROM range(40) AS r(i);",
                columns.join(", "),
                values.join(", "),
                name = table.name
            );
            db.execute_batch(&sql).unwrap_or_else(|e| panic!("{}: {e}\n{sql}", table.name));
        }
        let outputs = model_outputs(&spec.spec, &catalog);
        for i in dependency_order(&spec, &catalog) {
            let model = &spec.spec.models[i];
            let schema = if model.layer.as_deref() == Some("final") { "mart" } else { "stg" };
            let code = project.files.get(&format!("models/{}.sql", model.name)).expect("model code");
            // An SCD2 model's script creates its table itself, then merges into it.
            let sql = match model.constraints.scd_type {
                Some(2) => code.clone(),
                _ => format!("CREATE TABLE {schema}.{} AS\n{code}", model.name),
            };
            db.execute_batch(&sql).unwrap_or_else(|e| panic!("seed {seed}, {}: {e}\n{sql}", model.name));
            let mut statement = db
                .prepare(
                    "SELECT column_name, data_type FROM information_schema.columns \
                     WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                )
                .expect("a catalog query");
            let columns: Vec<(String, String)> = statement
                .query_map([schema, model.name.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
                .expect("columns")
                .collect::<Result<_, _>>()
                .expect("column names");
            // The spec's output columns in order, each with the DuckDB type of its spec type.
            let expected: Vec<(String, String)> = outputs[i]
                .as_ref()
                .expect("a known output")
                .columns
                .iter()
                .map(|c| (c.name.clone(), duckdb_type(c.data_type.as_deref().unwrap_or("")).to_string()))
                .collect();
            assert_eq!(columns, expected, "seed {seed}: columns of {}", model.name);
        }
    }
}

#[test]
fn sqlx_code_is_bigquery_that_parses() {
    let project = generate(&options(60, 4, Flavour::Sqlx));
    let spec = spec_of(&project);
    for model in &spec.spec.models {
        let text = project.files.get(&format!("models/{}.sqlx", model.name)).expect("model code");
        let (config, body) = text.split_once("}\n").expect("a config block");
        let schema = if model.layer.as_deref() == Some("final") { "mart" } else { "stg" };
        assert!(config.starts_with("config {") && config.contains(&format!("schema: \"{schema}\"")), "{config}");
        // Dataform replaces each ref with the table's name.
        let mut sql = body.replace("${self()}", &format!("{schema}.{}", model.name));
        while let Some(start) = sql.find("${ref(\"") {
            let rest = &sql[start + 7..];
            let end = rest.find("\")}").expect("a closed ref");
            let name = rest[..end].to_string();
            sql.replace_range(start..start + 7 + end + 3, &format!("{schema}.{name}"));
        }
        parse_statements(&sql, Dialect::Bigquery).unwrap_or_else(|e| panic!("{}: {e}\n{sql}", model.name));
    }
}

/// No false alarms at scale: generated projects are correct by construction, in both
/// flavours and for several seeds, so the static check must find nothing in them.
#[test]
fn generated_projects_draw_no_finding() {
    let scratch = std::env::temp_dir().join(format!("specproof-gen-check-{}", std::process::id()));
    let mut failures = Vec::new();
    for seed in [1, 2, 3] {
        for flavour in [Flavour::DuckDb, Flavour::Sqlx] {
            let dir = scratch.join(format!("{seed}-{flavour:?}"));
            generate(&GenerateOptions { models: 120, seed, flavour }).write_to(&dir).expect("written");
            let project = load_project(&dir, &Default::default()).expect("loads");
            let check = check_project(&project);
            assert_eq!(check.models.len(), 120);
            // Every model was traced in full, so the structural comparisons all ran.
            for m in &check.models {
                if !m.lineage.as_ref().is_some_and(|l| l.complete) {
                    failures.push(format!("{} not traced in full", m.file));
                }
            }
            for f in check.findings {
                let at = f.location.as_ref().map(|l| l.to_string()).unwrap_or_default();
                failures.push(format!("{} {at} {}", f.code, f.message));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(failures.is_empty(), "{} findings:\n{}", failures.len(), failures.join("\n"));
}
