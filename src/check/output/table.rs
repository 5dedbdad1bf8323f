//! The output table a model made, and the driver that runs every check the spec names on it.

use super::context::Ctx;
use super::declared::declared_columns;
use crate::finding::{sort_findings, Code, Finding};
use crate::spec::catalog::Catalog;
use crate::spec::named_tests::parse_test;
use crate::spec::load::LoadedSpec;
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

/// Runs every check the spec names for model `mi` on its output and returns the findings,
/// sorted. Each is placed at the spec's JSON path of what it checks (the column's `type`, its
/// `nullable`, the test, `constraints.primary_key`) and names the column, how many rows fail,
/// and (in `help`) the first failing rows.
///
/// `relation_of` gives the SQL relation of a model or source named in `relationships(...)`;
/// a target it does not know is not checked. A relation that cannot be described gives no
/// findings: the run that should have made it has reported why it did not.
pub fn check_output(
    conn: &Connection,
    loaded: &LoadedSpec,
    catalog: &Catalog,
    mi: usize,
    table: &OutputTable<'_>,
    relation_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<Finding> {
    let Some(model) = loaded.spec.models.get(mi) else { return Vec::new() };
    let Ok(columns) = describe(conn, &table.relation) else { return Vec::new() };
    let mut ctx = Ctx { conn, loaded, model, table, columns, findings: Vec::new() };
    for column in declared_columns(loaded, catalog, mi) {
        let Some(actual) = ctx.column(&column.name).cloned() else { continue };
        ctx.check_type(&column, &actual);
        if column.nullable == Some(false) {
            let path = format!("{}.nullable", column.path);
            ctx.not_null(Code::NullInNonNullable, &path, &actual.name, "is `nullable: false`");
        }
        for (t, text) in column.tests.iter().enumerate() {
            // A test that does not parse is the lint's finding (SPEC012), not a check to run.
            let Ok(test) = parse_test(text, loaded.spec.dialect) else { continue };
            let path = format!("{}.tests[{t}]", column.path);
            ctx.run_test(&column, &actual.name, &path, text, test, relation_of);
        }
    }
    ctx.primary_key(mi);
    let mut findings = ctx.findings;
    sort_findings(&mut findings);
    findings
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

#[cfg(test)]
mod tests {
    use crate::check::output::test_support::{customers, database, project, run, ALICE, BOB, CAROL};

    #[test]
    fn a_table_that_keeps_the_spec_draws_nothing() {
        let (project, db) = (project(), database());
        customers(&db, &[ALICE, BOB, CAROL]);
        assert_eq!(run(&db, &project, "stg_customers"), []);
    }
}
