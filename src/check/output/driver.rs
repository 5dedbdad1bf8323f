//! The driver that runs every check the spec names on a model's output table.

use super::context::Ctx;
use super::declared::declared_columns;
use super::table::{describe, OutputTable};
use crate::finding::{sort_findings, Code, Finding};
use crate::spec::catalog::Catalog;
use crate::spec::load::LoadedSpec;
use crate::spec::named_tests::parse_test;
use duckdb::Connection;

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
    let mut ctx = Ctx::new(conn, loaded, model, table, columns);
    let declared = declared_columns(loaded, catalog, mi);
    // A type check per column, a null check where one is declared, each test, the key.
    let checks = declared.iter().map(|c| 1 + usize::from(c.nullable == Some(false)) + c.tests.len()).sum::<usize>();
    crate::meter::count(crate::meter::Unit::OutputChecks, checks + 1);
    ctx.run_batched(&|ctx| {
        for column in &declared {
            let Some(actual) = ctx.column(&column.name).cloned() else { continue };
            ctx.check_type(column, &actual);
            if column.nullable == Some(false) {
                let path = format!("{}.nullable", column.path);
                ctx.not_null(Code::NullInNonNullable, &path, &actual.name, "is `nullable: false`");
            }
            for (t, text) in column.tests.iter().enumerate() {
                // A test that does not parse is the lint's finding (SPEC012), not a check to run.
                let Ok(test) = parse_test(text, loaded.spec.dialect) else { continue };
                let path = format!("{}.tests[{t}]", column.path);
                ctx.run_test(column, &actual.name, &path, text, test, relation_of);
            }
        }
        ctx.primary_key(mi);
    });
    let mut findings = ctx.findings;
    sort_findings(&mut findings);
    findings
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
