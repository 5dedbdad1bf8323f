//! The SQL dialects specproof reads: of spec expressions, of source DDL and of code.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A SQL dialect, of spec expressions or of code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// GoogleSQL as BigQuery runs it (and Dataform SQLX).
    #[default]
    Bigquery,
    /// DuckDB's SQL.
    Duckdb,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Bigquery => "bigquery",
            Dialect::Duckdb => "duckdb",
        })
    }
}
