//! Helpers for the lint's unit tests: lint a spec written inline against inline DDL.

use crate::finding::Finding;
use crate::spec::catalog::{add_ddl_text, Catalog};
use crate::spec::load::parse_spec;

/// Source DDL most rule tests share.
pub const DDL: &str = "
CREATE TABLE raw.customers (customer_id INT64 NOT NULL, email STRING, status STRING, created_at TIMESTAMP,
  PRIMARY KEY (customer_id) NOT ENFORCED);
CREATE TABLE raw.addresses (customer_id INT64 NOT NULL, country STRING, created_at TIMESTAMP);
CREATE TABLE raw.orders (order_id INT64 NOT NULL, customer_id INT64 NOT NULL, amount NUMERIC, currency STRING,
  PRIMARY KEY (order_id) NOT ENFORCED);
CREATE TABLE raw.fx (currency STRING NOT NULL, rate NUMERIC);
CREATE TABLE raw.tickets (customer_id INT64 NOT NULL, status STRING);
";

/// Lints `models` (a JSON array of models) against [`DDL`] plus `extra_ddl`.
pub fn lint_models(models: &str, extra_ddl: &str) -> Vec<Finding> {
    let text = format!(
        r#"{{"schema": {{"raw_schema": "raw", "staging_schema": "staging", "final_schema": "analytics"}}, "models": {models}}}"#
    );
    let loaded = parse_spec("spec.json", text).expect("test spec loads");
    let mut catalog = Catalog::default();
    let mut findings = Vec::new();
    add_ddl_text(&mut catalog, &mut findings, &format!("{DDL}\n{extra_ddl}"), "sources.sql");
    assert!(findings.is_empty(), "test DDL is valid: {findings:?}");
    super::lint_spec(&loaded, &catalog)
}

/// The codes of `findings`, in report order.
pub fn codes(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

/// A mapping model over `sources` with the given column mappings, joins and constraints.
pub fn mapping(name: &str, sources: &str, columns: &str, joins: &str, constraints: &str) -> String {
    format!(
        r#"{{"name": "{name}", "layer": "staging", "sources": {sources}, "column_mapping": {columns},
            "joins": {joins}, "constraints": {constraints}}}"#
    )
}

/// A column mapping entry.
pub fn column(target: &str, table: &str, column: &str, transform: Option<&str>, extra: &str) -> String {
    let transform = transform.map_or("null".to_string(), |t| serde_json::to_string(t).expect("string"));
    format!(
        r#"{{"target_column": "{target}", "type": "STRING", "from_table": "{table}", "from_column": "{column}",
            "transform": {transform}{extra}}}"#
    )
}
