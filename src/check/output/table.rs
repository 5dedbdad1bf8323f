//! The output table a model made, and its columns as DuckDB describes them.

use duckdb::Connection;

/// Where a model's output is and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputTable<'a> {
    /// The model's name in the spec.
    pub model: &'a str,
    /// SQL that names the table, e.g. `"memory".temp.stg_customers`.
    pub relation: String,
    /// The database name that qualifies schema-qualified names in spec expressions, as the
    /// engine runs them (see [`BridgeOptions::catalog`]).
    ///
    /// [`BridgeOptions::catalog`]: crate::sql::bridge::BridgeOptions::catalog
    pub catalog: Option<String>,
    /// The code was translated from BigQuery: where BigQuery keeps NUMERIC and DuckDB gives
    /// DOUBLE (`AVG(NUMERIC)`, `NUMERIC / NUMERIC`), the produced type says nothing about what
    /// BigQuery would produce, so NUMERIC and FLOAT64 are not told apart (no false alarms).
    pub translated_from_bigquery: bool,
}

/// A column of the output table, as DuckDB describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TableColumn {
    pub(super) name: String,
    pub(super) data_type: String,
}

/// The columns of `relation`, in order.
pub(super) fn describe(conn: &Connection, relation: &str) -> duckdb::Result<Vec<TableColumn>> {
    let mut statement = conn.prepare(&format!("DESCRIBE SELECT * FROM {relation}"))?;
    let rows = statement.query_map([], |row| Ok(TableColumn { name: row.get(0)?, data_type: row.get(1)? }))?;
    rows.collect()
}
