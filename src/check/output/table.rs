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
pub struct TableColumn {
    pub(super) name: String,
    pub(super) data_type: String,
}

impl TableColumn {
    /// The column's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its DuckDB type, as `DESCRIBE` writes it.
    pub fn data_type(&self) -> &str {
        &self.data_type
    }
}

/// The columns of `relation`, in order.
pub(super) fn describe(conn: &Connection, relation: &str) -> duckdb::Result<Vec<TableColumn>> {
    let mut statement = conn.prepare(&format!("DESCRIBE SELECT * FROM {relation}"))?;
    let rows = statement.query_map([], |row| Ok(TableColumn { name: row.get(0)?, data_type: row.get(1)? }))?;
    rows.collect()
}

/// Every table and view of the database `catalog` with its columns in order, as
/// [`describe`] gives them, by schema and name (lower-cased: DuckDB's names are): one query for
/// a run's model outputs, where a `DESCRIBE` each cost a statement per model per dataset.
pub fn catalog_columns(conn: &Connection, catalog: &str) -> duckdb::Result<TableColumns> {
    let mut statement = conn.prepare(
        "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() \
         WHERE database_name = ? ORDER BY schema_name, table_name, column_index",
    )?;
    let rows = statement.query_map([catalog], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, row.get::<_, String>(3)?))
    })?;
    let mut out = TableColumns::new();
    for row in rows {
        let (schema, table, name, data_type) = row?;
        out.entry((schema.to_lowercase(), table.to_lowercase())).or_default().push(TableColumn { name, data_type });
    }
    Ok(out)
}

/// Tables' columns by (schema, table), lower-cased ([`catalog_columns`]).
pub type TableColumns = std::collections::HashMap<(String, String), Vec<TableColumn>>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The columns read for a whole database are the ones a `DESCRIBE` gives, types written
    /// the same, for every kind of type an output can have.
    #[test]
    fn a_catalogs_columns_are_described_as_one_table_is() {
        let conn = crate::engine::database::open_in_memory().expect("a database");
        conn.execute_batch(
            "CREATE SCHEMA \"Mart\";
             CREATE TYPE mood AS ENUM ('ok', 'sad');
             CREATE TABLE \"Mart\".\"Wide\" AS SELECT 1::TINYINT AS a, 2::HUGEINT AS b, 1.5::DECIMAL(38,9) AS c,
                 2.5::DOUBLE AS d, 'x' AS \"E f\", DATE '2024-01-01' AS g, TIMESTAMP '2024-01-01 10:00:00' AS h,
                 TIMESTAMPTZ '2024-01-01 10:00:00+00' AS i, [1, 2] AS j, {'k': 1, 'l': 'm'} AS k,
                 MAP {'a': 1} AS l, 'ok'::mood AS m, INTERVAL 1 DAY AS n, TRUE AS o, '\\x01'::BLOB AS p,
                 uuid() AS q, [[1.5::DECIMAL(18,2)]] AS r, 1::UTINYINT AS s, TIME '10:00:00' AS t;
             CREATE VIEW \"Mart\".v AS SELECT a, \"E f\" FROM \"Mart\".\"Wide\";",
        )
        .expect("tables");
        let all = catalog_columns(&conn, "memory").expect("columns");
        for (key, relation) in
            [(("mart", "wide"), "\"memory\".\"Mart\".\"Wide\""), (("mart", "v"), "\"memory\".\"Mart\".v")]
        {
            let described = describe(&conn, relation).expect("described");
            assert_eq!(all.get(&(key.0.to_string(), key.1.to_string())), Some(&described), "{relation}");
        }
        assert_eq!(all.len(), 2);
    }
}
