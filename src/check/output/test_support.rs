//! Helpers for the output checks' unit tests: the customer360 example and an in-memory DuckDB
//! with its schemas.

use super::driver::check_output;
use super::table::OutputTable;
use crate::finding::Finding;
use crate::project::layout::{load_project, Overrides, Project};
use crate::test_support::crate_root;
use duckdb::Connection;

/// The customer360 example with its corrected spec.
pub fn project() -> Project {
    let dir = crate_root().join("specs/customer360");
    let overrides = Overrides { spec: Some(dir.join("spec.corrected.json")), ..Default::default() };
    load_project(&dir, &overrides).expect("example loads")
}

/// An empty in-memory DuckDB with the example's two schemas.
pub fn database() -> Connection {
    let db = Connection::open_in_memory().expect("open DuckDB");
    // The example's staging schema is `temp`, which DuckDB's own catalog `temp` shadows
    // unless qualified with the database name.
    db.execute_batch("CREATE SCHEMA memory.temp; CREATE SCHEMA memory.analytics;").expect("schemas");
    db
}

/// The position of `model` in the example's spec.
pub fn index(project: &Project, model: &str) -> usize {
    project.spec.spec.models.iter().position(|m| m.name == model).expect("model in spec")
}

/// The SQL relation the tests put `model`'s output in.
pub fn relation(model: &str) -> String {
    let schema = if model.starts_with("stg_") { "temp" } else { "analytics" };
    format!("\"memory\".{schema}.{model}")
}

/// `model`'s output where the tests put it, for code written in DuckDB.
pub fn output_table(model: &str) -> OutputTable<'_> {
    OutputTable { model, relation: relation(model), catalog: Some("memory".into()), translated_from_bigquery: false }
}

/// The output checks on `model`, for code written in the spec's dialect.
pub fn run(db: &Connection, project: &Project, model: &str) -> Vec<Finding> {
    run_as(db, project, model, false)
}

/// The output checks on `model`, as [`check_output`] runs them.
pub fn run_as(db: &Connection, project: &Project, model: &str, translated_from_bigquery: bool) -> Vec<Finding> {
    let table = OutputTable { translated_from_bigquery, ..output_table(model) };
    let relation_of = |name: &str| project.spec.spec.models.iter().any(|m| m.name == name).then(|| relation(name));
    check_output(db, &project.spec, &project.catalog, index(project, model), &table, &relation_of)
}

/// The findings' codes, in order.
pub fn codes(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

/// stg_customers as the example declares it, without rows.
pub const CUSTOMERS: &str = "CREATE TABLE memory.temp.stg_customers (customer_id BIGINT, email VARCHAR, \
    phone_e164 VARCHAR, lifecycle_stage VARCHAR, country VARCHAR, city VARCHAR, state VARCHAR, \
    postal_code VARCHAR, created_at TIMESTAMP)";

/// stg_customers holding `rows` (SQL VALUES rows, 9 columns each).
pub fn customers(db: &Connection, rows: &[&str]) {
    db.execute_batch(&format!("{CUSTOMERS}; INSERT INTO memory.temp.stg_customers VALUES {};", rows.join(", ")))
        .expect("stg_customers");
}

/// Rows of stg_customers that keep the spec.
pub const ALICE: &str = "(1, 'a@x.com', '+15551234567', 'active', 'US', 'NYC', 'NY', '10001', TIMESTAMP '2024-01-01')";
pub const BOB: &str = "(2, NULL, NULL, 'churned', NULL, NULL, NULL, NULL, NULL)";
pub const CAROL: &str = "(3, 'c@x.com', NULL, 'unknown', 'FR', 'Paris', NULL, '75001', TIMESTAMP '2024-02-01')";
