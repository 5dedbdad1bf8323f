//! The reference against the customer360 example: the hand-written DuckDB code, which keeps the
//! corrected spec, must give exactly the reference's rows on every dataset tried; a model made
//! wrong on purpose must not.

use super::{compare, sql_for_query, Comparison, Tolerance};
use crate::check::lineage::check_project;
use crate::engine::{Engine, EngineConfig};
use crate::project::code::ProjectTables;
use crate::project::layout::{load_project, Overrides, Project};
use crate::run::models::run_models;
use crate::run::plan::{qualify, relation_for, Plan};
use crate::spec::model::Dialect;
use crate::spec::resolve::resolve_models;
use crate::synth::{load, synthesize, SynthOptions};
use crate::test_support::crate_root;

fn project() -> Project {
    let dir = crate_root().join("specs/customer360");
    let overrides = Overrides {
        spec: Some(dir.join("spec.corrected.json")),
        models: Some(dir.join("models_duckdb")),
        dialect: Some(Dialect::Duckdb),
        ..Default::default()
    };
    load_project(&dir, &overrides).expect("example loads")
}

/// An engine with the project's schemas and the synthetic sources of `seed` and `rows` loaded.
fn loaded_engine(project: &Project, seed: u64, rows: usize) -> Engine {
    let engine = Engine::open(&EngineConfig::default()).expect("engine");
    let schemas = crate::run::plan::project_schemas(project);
    engine.create_schemas(&schemas.iter().map(String::as_str).collect::<Vec<_>>()).expect("schemas");
    let dataset = synthesize(&project.spec, &project.catalog, &SynthOptions { seed, rows });
    load(&dataset, engine.connection(), Some(engine.catalog())).expect("load");
    engine.set_run_time("2024-06-01 00:00:00").expect("run time");
    engine
}

/// Each non-SCD2 model's reference built beside its output and compared with it.
fn compare_all(engine: &Engine, project: &Project) -> Vec<(String, Comparison)> {
    let spec = &project.spec.spec;
    let catalog = engine.catalog().to_string();
    let tables = ProjectTables::new(spec, &project.catalog);
    let names = |entry: &str| relation_for(&tables, &catalog, entry);
    let queries = resolve_models(&project.spec, &project.catalog);
    let mut out = Vec::new();
    for (mi, model) in spec.models.iter().enumerate() {
        if model.constraints.scd_type.is_some() {
            continue;
        }
        let query = queries[mi].as_ref();
        let sql = sql_for_query(&project.spec, mi, query, &names).expect("reference query");
        let expected = qualify(&catalog, &format!("main.reference_{}", model.name));
        engine.execute(&format!("CREATE OR REPLACE TABLE {expected} AS {sql}")).unwrap_or_else(|e| {
            panic!("reference of {} does not run: {}\n{sql}", model.name, e.message);
        });
        let actual = relation_for(&tables, &catalog, &model.name).expect("model table");
        let columns: Vec<String> = query.expect("resolved").outputs.iter().map(|o| o.name.clone()).collect();
        let comparison = compare(engine.connection(), &expected, &actual, &columns, Tolerance::default())
            .unwrap_or_else(|e| panic!("comparing {}: {e}", model.name));
        out.push((model.name.clone(), comparison));
    }
    out
}

#[test]
fn the_example_code_gives_the_reference_rows_on_every_dataset() {
    let project = project();
    let code = check_project(&project);
    for rows in [5, 50, 200] {
        for seed in 1..=10 {
            let engine = loaded_engine(&project, seed, rows);
            let run = run_models(&engine, &Plan::new(&project, &code), None).expect("run");
            assert!(run.skipped.is_empty(), "seed {seed}, rows {rows}: skipped {:?}", run.skipped);
            assert_eq!(run.done.len(), project.spec.spec.models.len(), "{:?}", run.findings);
            for (model, comparison) in compare_all(&engine, &project) {
                assert!(comparison.agrees(), "seed {seed}, rows {rows}: {model} differs: {comparison:#?}");
                assert!(comparison.expected_rows > 0 || rows < 50, "seed {seed}, rows {rows}: {model} is empty");
            }
        }
    }
}

/// The example project with one model's code replaced by `code`.
fn wrong(model: &str, code: &str) -> (Project, crate::check::lineage::CodeCheck) {
    let project = project();
    let mut texts = Vec::new();
    for file in &project.model_files {
        let text = std::fs::read_to_string(&file.path).expect("model file");
        texts.push(if file.model == model { code.to_string() } else { text });
    }
    let checked = crate::check::lineage::check_project_texts(&project, &texts);
    (project, checked)
}

fn differences_of(model: &str, code: &str) -> Comparison {
    let (project, checked) = wrong(model, code);
    let engine = loaded_engine(&project, 3, 50);
    let run = run_models(&engine, &Plan::new(&project, &checked), None).expect("run");
    assert!(run.done.iter().any(|m| m == model), "{model} did not run: {:?}", run.findings);
    compare_all(&engine, &project).into_iter().find(|(m, _)| m == model).expect("compared").1
}

#[test]
fn a_changed_case_mapping_is_found() {
    let original = std::fs::read_to_string(crate_root().join("specs/customer360/models_duckdb/stg_customers.sql"))
        .expect("model file");
    let changed = original.replace("THEN 'churned'", "THEN 'inactive'");
    assert_ne!(changed, original);
    let comparison = differences_of("stg_customers", &changed);
    assert!(!comparison.agrees());
    assert_eq!(comparison.missing_rows, comparison.extra_rows);
    // Each churned customer is shown beside its wrong row.
    let (expected, actual) = &comparison.differences[0];
    let lifecycle = comparison.columns.iter().position(|c| c == "lifecycle_stage").expect("column");
    assert_eq!(expected.as_ref().expect("expected row")[lifecycle].as_deref(), Some("churned"));
    assert_eq!(actual.as_ref().expect("actual row")[lifecycle].as_deref(), Some("inactive"));
}

#[test]
fn an_inner_join_for_a_left_join_is_found() {
    let original = std::fs::read_to_string(crate_root().join("specs/customer360/models_duckdb/stg_customers.sql"))
        .expect("model file");
    let changed = original.replace("LEFT JOIN addresses", "INNER JOIN addresses");
    assert_ne!(changed, original);
    let comparison = differences_of("stg_customers", &changed);
    assert!(comparison.missing_rows > 0, "{comparison:#?}");
    assert_eq!(comparison.extra_rows, 0);
}

#[test]
fn metrics_computed_over_a_join_are_found() {
    // Tickets joined before counting orders: order metrics fan out.
    let fanned = "SELECT o.customer_id, count(*) AS order_count, sum(o.amount_usd) AS total_spent_usd, \
        CAST(avg(o.amount_usd) AS DECIMAL(38, 9)) AS aov_usd, sum(o.refund_usd) AS total_refund_usd, \
        min(o.order_ts) AS first_order_ts, max(o.order_ts) AS last_order_ts, \
        CAST(sum(t.open_tickets) AS BIGINT) AS open_tickets, CAST(sum(t.closed_tickets) AS BIGINT) AS closed_tickets \
        FROM temp.stg_orders AS o LEFT JOIN temp.stg_support_pivot AS t ON o.customer_id = t.customer_id \
        CROSS JOIN (VALUES (1), (2)) AS twice(n) GROUP BY o.customer_id";
    let comparison = differences_of("fact_customer_orders", fanned);
    assert!(!comparison.agrees());
}

/// Runs the example's SCD2 code once more on the snapshot now in `temp.stg_customers`.
fn run_scd2(engine: &Engine, code: &crate::check::lineage::CodeCheck, run_time: &str) {
    use crate::sql::bridge::{to_duckdb, BridgeOptions};
    let model = code.models.iter().find(|m| m.model == "dim_customers_scd2").expect("SCD2 code");
    let mut statements = model.statements.clone().expect("parsed");
    let options = BridgeOptions { from: model.dialect, catalog: Some(engine.catalog().to_string()) };
    assert!(to_duckdb(&mut statements, &options).is_empty());
    engine.set_run_time(run_time).expect("run time");
    for statement in &statements {
        engine.execute(&format!("{statement};")).unwrap_or_else(|e| panic!("{}", e.message));
    }
}

#[test]
fn the_example_scd2_code_keeps_the_reference_history() {
    use super::{history_sql, Snapshot};
    let project = project();
    let code = check_project(&project);
    let spec = &project.spec.spec;
    let mi = spec.models.iter().position(|m| m.name == "dim_customers_scd2").expect("model");
    let columns: Vec<String> = [
        "customer_id",
        "email",
        "phone_e164",
        "lifecycle_stage",
        "country",
        "city",
        "state",
        "postal_code",
        "created_at",
        "valid_from",
        "valid_to",
        "is_current",
    ]
    .map(String::from)
    .to_vec();
    for (seed, rows) in [(1, 50), (2, 200), (3, 5), (4, 50)] {
        let engine = loaded_engine(&project, seed, rows);
        let catalog = engine.catalog().to_string();
        let source = qualify(&catalog, "temp.stg_customers");
        let snap = |n: usize| qualify(&catalog, &format!("main.snapshot_{n}"));
        let times = ["2024-06-01 00:00:00", "2024-06-02 00:00:00", "2024-06-03 12:30:00"];
        let run = run_models(&engine, &Plan::new(&project, &code), None).expect("run");
        assert!(run.done.iter().any(|m| m == "dim_customers_scd2"), "{:?}", run.findings);
        engine.execute(&format!("CREATE TABLE {} AS SELECT * FROM {source}", snap(1))).expect("snapshot 1");
        // Run 2: some emails change (one to NULL), some keys disappear, a key is added.
        engine
            .execute(&format!(
                "CREATE OR REPLACE TABLE {source} AS
                 SELECT * REPLACE (CASE WHEN customer_id % 3 = 0 THEN coalesce(email, '') || '.changed'
                                        WHEN customer_id % 7 = 2 THEN NULL ELSE email END AS email)
                 FROM {s1} WHERE customer_id % 5 <> 1
                 UNION ALL
                 SELECT * REPLACE (customer_id + 1000000007 AS customer_id) FROM {s1} WHERE customer_id % 4 = 0;
                 CREATE TABLE {s2} AS SELECT * FROM {source};",
                s1 = snap(1),
                s2 = snap(2)
            ))
            .expect("snapshot 2");
        run_scd2(&engine, &code, times[1]);
        // Run 3: back to the first snapshot (changed keys change back, gone keys come back),
        // with countries dropped for some.
        engine
            .execute(&format!(
                "CREATE OR REPLACE TABLE {source} AS
                 SELECT * REPLACE (CASE WHEN customer_id % 4 = 1 THEN NULL ELSE country END AS country) FROM {s1};
                 CREATE TABLE {s3} AS SELECT * FROM {source};",
                s1 = snap(1),
                s3 = snap(3)
            ))
            .expect("snapshot 3");
        run_scd2(&engine, &code, times[2]);
        let snapshots: Vec<Snapshot> =
            (1..=3).map(|n| Snapshot { relation: snap(n), run_time: times[n - 1].to_string() }).collect();
        let sql = history_sql(&project.spec, &project.catalog, mi, &snapshots).expect("history");
        let expected = qualify(&catalog, "main.reference_history");
        engine.execute(&format!("CREATE TABLE {expected} AS {sql}")).unwrap_or_else(|e| panic!("{}\n{sql}", e.message));
        let actual = qualify(&catalog, "analytics.dim_customers_scd2");
        let comparison =
            compare(engine.connection(), &expected, &actual, &columns, Tolerance::default()).expect("compare");
        assert!(comparison.agrees(), "seed {seed}, rows {rows}: {comparison:#?}");
        // The history has closed versions, not only the first run's rows.
        let (_, closed) =
            engine.query(&format!("SELECT count(*) FROM {expected} WHERE NOT is_current")).expect("count");
        assert!(rows < 50 || closed[0][0].as_deref() != Some("0"), "seed {seed}: no closed version");
    }
}
