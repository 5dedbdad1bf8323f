//! The reference result: what each model holds according to the spec alone, built as DuckDB SQL
//! from spec-format.md's meaning of every field ([`sql`], and [`scd2`] for histories), and the
//! comparison of a model's actual output with it ([`compare`](mod@compare)).
//!
//! Nothing here reads the code under test; the spec's expressions reach DuckDB through the same
//! dialect bridge as the code, which keeps BigQuery's meaning.
//!
//! ```
//! use specproof::spec::catalog::{add_ddl_text, Catalog};
//! use specproof::reference::{compare, sql_for, Tolerance};
//! use specproof::spec::load::parse_spec;
//!
//! let text = r#"{
//!   "schema": {"raw_schema": "raw", "staging_schema": "stg", "final_schema": "mart"},
//!   "models": [{"name": "m", "layer": "staging", "sources": ["raw.t"],
//!               "column_mapping": [{"target_column": "id", "type": "INT64", "from_table": "t", "from_column": "id"},
//!                                  {"target_column": "s", "type": "STRING", "from_table": "t", "from_column": "s",
//!                                   "transform": "UPPER({from})"}],
//!               "filters": [{"applies_to": "t", "predicate": "id > 1"}]}]
//! }"#;
//! let spec = parse_spec("spec.json", text.to_string()).unwrap();
//! let mut catalog = Catalog::default();
//! add_ddl_text(&mut catalog, &mut Vec::new(), "CREATE TABLE raw.t (id INT64, s STRING);", "t.sql");
//! let sql = sql_for(&spec, &catalog, 0, &|entry: &str| Some(entry.to_string())).unwrap();
//!
//! let db = duckdb::Connection::open_in_memory().unwrap();
//! db.execute_batch(&format!(
//!     "CREATE SCHEMA raw; CREATE TABLE raw.t AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(id, s);
//!      CREATE TABLE expected AS {sql};
//!      CREATE TABLE actual AS SELECT 2 AS id, 'B' AS s;"
//! )).unwrap();
//! let columns = vec!["id".to_string(), "s".to_string()];
//! assert!(compare(&db, "expected", "actual", &columns, Tolerance::default()).unwrap().agrees());
//! ```

pub mod compare;
pub mod plan;
pub mod coverage;
pub mod scd2;
pub mod sql;

pub use compare::{compare, Comparison, Tolerance};
pub use scd2::{history_sql, Snapshot};
pub use sql::{duckdb_type_of, sql_against, sql_for, sql_for_query, Names, NO_TRANSLATION};

#[cfg(test)]
mod example_tests;
