//! The driver that runs every check the spec names on a model's output table.

use super::context::Ctx;
use super::declared::{declared_columns, DeclaredColumn};
use super::table::{describe, OutputTable, TableColumn};
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
    check_outputs(conn, loaded, catalog, &[(mi, table, None)], relation_of).pop().unwrap_or_default()
}

/// [`check_output`] for several outputs on one connection, each `(model, table, columns)`, the
/// columns already read (by [`super::catalog_columns`]; `None`: described here). Their probe
/// scans are asked as one statement ([`crate::engine::database::counts_asked_together`]), which
/// costs DuckDB one statement's overhead instead of one per output. When that statement fails
/// (one scan cannot run), each output runs its own scan, as [`check_output`] runs it. The
/// findings of each output, in the order given.
pub fn check_outputs(
    conn: &Connection,
    loaded: &LoadedSpec,
    catalog: &Catalog,
    outputs: &[(usize, &OutputTable<'_>, Option<Vec<TableColumn>>)],
    relation_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<Vec<Finding>> {
    // (output, model, its context, what it declares, its probes)
    let mut pending = Vec::new();
    for (n, (mi, table, columns)) in outputs.iter().enumerate() {
        let Some(model) = loaded.spec.models.get(*mi) else { continue };
        let columns = match columns.clone().map_or_else(|| describe(conn, &table.relation), Ok) {
            Ok(columns) => columns,
            Err(_) => continue,
        };
        let mut ctx = Ctx::new(conn, loaded, model, table, columns);
        let declared = counted_declared(loaded, catalog, *mi);
        let probes = ctx.collect(&|ctx| every_check(ctx, &declared, loaded, *mi, relation_of));
        pending.push((n, *mi, ctx, declared, probes));
    }
    // (pending index, its scan) for the outputs with probes
    let scans: Vec<(usize, String)> = pending
        .iter()
        .enumerate()
        .filter_map(|(k, (_, _, ctx, _, probes))| Some((k, ctx.probe_query(probes)?)))
        .collect();
    let mut counted: Vec<Option<Vec<Option<i64>>>> = vec![None; pending.len()];
    if scans.len() > 1 {
        let sqls: Vec<String> = scans.iter().map(|(_, sql)| sql.clone()).collect();
        let answers = crate::engine::database::counts_asked_together(conn, &sqls).unwrap_or_default();
        for ((k, _), counts) in scans.iter().zip(answers) {
            counted[*k] = counts;
        }
    }
    let mut found: Vec<Vec<Finding>> = vec![Vec::new(); outputs.len()];
    for ((n, mi, mut ctx, declared, probes), counts) in pending.into_iter().zip(counted) {
        let counts = match counts.filter(|c| c.len() == probes.len()) {
            Some(counts) => Some(counts),
            None => ctx.scan(&probes),
        };
        ctx.finish(probes, counts, &|ctx| every_check(ctx, &declared, loaded, mi, relation_of));
        let mut findings = ctx.findings;
        sort_findings(&mut findings);
        found[n] = findings;
    }
    found
}

/// The columns model `mi` declares, counted as the checks they make.
fn counted_declared<'s>(loaded: &'s LoadedSpec, catalog: &Catalog, mi: usize) -> Vec<DeclaredColumn<'s>> {
    let declared = declared_columns(loaded, catalog, mi);
    // A type check per column, a null check where one is declared, each test, the key.
    let checks = declared.iter().map(|c| 1 + usize::from(c.nullable == Some(false)) + c.tests.len()).sum::<usize>();
    crate::meter::count(crate::meter::Unit::OutputChecks, checks + 1);
    declared
}

/// Every check of an output: each declared column's type, `nullable: false` and tests, then
/// the primary key.
pub(super) fn every_check<'a>(
    ctx: &mut Ctx<'a>,
    declared: &[DeclaredColumn<'_>],
    loaded: &LoadedSpec,
    mi: usize,
    relation_of: &dyn Fn(&str) -> Option<String>,
) {
    for column in declared {
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
}

#[cfg(test)]
mod tests {
    use super::check_outputs;
    use crate::check::output::test_support::{
        customers, database, index, output_table, project, relation, run, ALICE, BOB, CAROL,
    };
    use crate::check::output::OutputTable;

    /// Outputs checked together get what each gets alone: a table with failing checks, one
    /// whose scan cannot run (a view that fails when read, so the statement asking them
    /// together fails too), and a model whose table is missing.
    #[test]
    fn outputs_checked_together_get_what_each_gets_alone() {
        let (project, db) = (project(), database());
        customers(&db, &[ALICE, BOB, ALICE]);
        let models = ["stg_customers", "stg_orders", "fact_customer_orders"];
        let tables: Vec<OutputTable<'_>> = models.iter().map(|m| output_table(m)).collect();
        let relation_of = |name: &str| project.spec.spec.models.iter().any(|m| m.name == name).then(|| relation(name));
        let orders = |id: &str, customer: &str| {
            format!(
                "CREATE OR REPLACE {} memory.temp.stg_orders AS SELECT {id} AS order_id, {customer} AS customer_id, \
                 NULL::TIMESTAMP AS order_ts, 1.5::DECIMAL(38,9) AS amount_usd, 2::BIGINT AS items, \
                 0::DECIMAL(38,9) AS refund_usd FROM (VALUES ('1'), ('x')) t(v)",
                if id.contains("CAST") { "VIEW" } else { "TABLE" }
            )
        };
        for script in [orders("CAST(v AS BIGINT)", "1::BIGINT"), orders("length(v)::BIGINT", "NULL::BIGINT")] {
            db.execute_batch(&format!(
                "DROP VIEW IF EXISTS memory.temp.stg_orders; DROP TABLE IF EXISTS memory.temp.stg_orders; {script}"
            ))
            .expect("stg_orders");
            let alone: Vec<_> = models.iter().map(|m| run(&db, &project, m)).collect();
            assert!(!alone[0].is_empty() && !alone[1].is_empty() && alone[2].is_empty(), "{alone:#?}");
            let outputs: Vec<_> = tables.iter().map(|t| (index(&project, t.model), t, None)).collect();
            let together = check_outputs(&db, &project.spec, &project.catalog, &outputs, &relation_of);
            assert_eq!(together, alone);
        }
    }

    #[test]
    fn a_table_that_keeps_the_spec_draws_nothing() {
        let (project, db) = (project(), database());
        customers(&db, &[ALICE, BOB, CAROL]);
        assert_eq!(run(&db, &project, "stg_customers"), []);
    }
}
