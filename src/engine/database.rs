//! The embedded DuckDB database.

use crate::error::Result;
use duckdb::Connection;

/// Opens an in-memory DuckDB database.
pub fn open_in_memory() -> Result<Connection> {
    Ok(Connection::open_in_memory()?)
}

/// The version of the DuckDB library specproof is built with, as DuckDB reports it.
pub fn duckdb_version(connection: &Connection) -> Result<String> {
    Ok(connection.query_row("SELECT version()", [], |row| row.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_in_memory_database_runs_a_query() {
        let db = open_in_memory().unwrap();
        let sum: i64 = db.query_row("SELECT sum(x) FROM range(5) t(x)", [], |row| row.get(0)).unwrap();
        assert_eq!(sum, 10);
        let version = duckdb_version(&db).unwrap();
        assert!(version.starts_with("v"), "{version}");
    }
}
