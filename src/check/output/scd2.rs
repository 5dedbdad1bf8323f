//! The SCD2 invariants on a history table after each run.

use super::context::{Ctx, HELPER};
use super::table::{describe, OutputTable};
use crate::finding::{plural, sort_findings, Code, Finding};
use crate::spec::load::LoadedSpec;
use crate::spec::model::OpenExpiry;
use crate::sql::quote_ident as ident;
use duckdb::Connection;

/// An open SCD2 version whose expiry is written as a far-future time (spec-format.md).
const FAR_FUTURE: &str = "TIMESTAMP '9999-12-31 23:59:59'";

/// Checks the SCD2 invariants on model `mi`'s table after run `run` (1-based, for messages):
/// at most one current row per natural key; versions of one key never overlap; a version starts
/// before it ends (and has a start); the current flag is true exactly for open versions; and an
/// open expiry is written as `constraints.open_expiry` says (NULL by default, else
/// `9999-12-31 23:59:59`). Each broken invariant is one finding (CHK010) with the failing rows.
///
/// An open version is one whose expiry is NULL or the far-future time, whichever form is used,
/// so a wrong form is reported once, as a wrong form, and not also as an overlap.
pub fn check_scd2_invariants(
    conn: &Connection,
    loaded: &LoadedSpec,
    mi: usize,
    table: &OutputTable<'_>,
    run: usize,
) -> Vec<Finding> {
    let Some(model) = loaded.spec.models.get(mi) else { return Vec::new() };
    let c = &model.constraints;
    let (Some(natural_key), Some(eff), Some(exp), Some(flag)) =
        (&c.natural_key, &c.effective_at, &c.expiry_at, &c.current_flag)
    else {
        // The lint reports an SCD2 model without its keys (SPEC019); it has no invariants.
        return Vec::new();
    };
    let Ok(columns) = describe(conn, &table.relation) else { return Vec::new() };
    let mut ctx = Ctx::new(conn, loaded, model, table, columns);
    let mut key = Vec::new();
    for name in natural_key.names() {
        match ctx.column(name) {
            Some(column) => key.push(column.name.clone()),
            None => return Vec::new(),
        }
    }
    let (Some(eff), Some(exp), Some(flag)) = (ctx.column(eff), ctx.column(exp), ctx.column(flag)) else {
        return Vec::new();
    };
    let (eff, exp, flag) = (eff.name.clone(), exp.name.clone(), flag.name.clone());
    let far_future = c.open_expiry == Some(OpenExpiry::FarFuture);
    let (qe, qx, qf) = (ident(&eff), ident(&exp), ident(&flag));
    let keys = key.iter().map(|k| ident(k)).collect::<Vec<_>>().join(", ");
    let open = format!("({qx} IS NULL OR {qx} = {FAR_FUTURE})");
    let relation = ctx.from();
    let shown: Vec<String> = key.iter().cloned().chain([eff.clone(), exp.clone(), flag.clone()]).collect();
    let order: Vec<String> = key.iter().cloned().chain([eff.clone(), exp.clone()]).collect();
    let key_words = key.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    let cpath = format!("models[{mi}].constraints");

    let h = ident(HELPER);
    let invariants = [
        (
            format!(
                "SELECT * EXCLUDE ({h}) FROM (SELECT *, sum(CASE WHEN {qf} THEN 1 ELSE 0 END) \
                 OVER (PARTITION BY {keys}) AS {h} FROM {relation}) WHERE {qf} AND {h} > 1"
            ),
            format!("{cpath}.current_flag"),
            format!("after run {run}, a key ({key_words}) has more than one current row"),
        ),
        (
            {
                let same_key =
                    key.iter().map(|k| format!("b.{q} IS NOT DISTINCT FROM a.{q}", q = ident(k))).collect::<Vec<_>>();
                format!(
                    "WITH v AS (SELECT *, row_number() OVER () AS {h}, \
                     CASE WHEN {open} THEN 'infinity'::TIMESTAMP ELSE {qx} END AS {end} FROM {relation}) \
                     SELECT a.* EXCLUDE ({h}, {end}) FROM v AS a WHERE EXISTS (SELECT 1 FROM v AS b WHERE {same} \
                     AND b.{h} <> a.{h} AND b.{qe} < a.{end} AND a.{qe} < b.{end})",
                    end = ident(&format!("{HELPER}_end")),
                    same = same_key.join(" AND "),
                )
            },
            format!("{cpath}.natural_key"),
            format!("after run {run}, versions of one key ({key_words}) overlap in time"),
        ),
        (
            format!("SELECT * FROM {relation} WHERE {qe} IS NULL OR (NOT {open} AND NOT ({qe} < {qx}))"),
            format!("{cpath}.effective_at"),
            format!("after run {run}, a version has no `{eff}` or does not start before its `{exp}`"),
        ),
        (
            format!("SELECT * FROM {relation} WHERE {qf} IS NULL OR {qf} <> {open}"),
            format!("{cpath}.current_flag"),
            format!("after run {run}, `{flag}` is not true exactly for the open versions (open `{exp}`)"),
        ),
        (
            if far_future {
                format!("SELECT * FROM {relation} WHERE {qx} IS NULL")
            } else {
                format!("SELECT * FROM {relation} WHERE {qx} = {FAR_FUTURE}")
            },
            format!("{cpath}.open_expiry"),
            if far_future {
                format!("after run {run}, an open version has `{exp}` NULL where `open_expiry` is `far_future`")
            } else {
                format!(
                    "after run {run}, an open version has `{exp}` 9999-12-31 23:59:59 where `open_expiry` is null \
                     (the default)"
                )
            },
        ),
    ];
    // One scan counts the invariants that are conditions on a row, and the same statement
    // counts the overlap's rows (a self-join) in a subquery: on a history that holds, that one
    // statement clears them all, and only an invariant it counts as broken, or every one when
    // it cannot run, is run alone for its rows. The conditions and the subquery are the ones
    // the queries below filter on, so a zero here is a zero there.
    let conditions = [
        Some(format!("{qf} AND {h} > 1")),
        None,
        Some(format!("{qe} IS NULL OR (NOT {open} AND NOT ({qe} < {qx}))")),
        Some(format!("{qf} IS NULL OR {qf} <> {open}")),
        Some(if far_future { format!("{qx} IS NULL") } else { format!("{qx} = {FAR_FUTURE}") }),
    ];
    let counts: Vec<String> = conditions
        .iter()
        .zip(&invariants)
        .map(|(condition, (rows, _, _))| match condition {
            Some(c) => format!("count(*) FILTER (WHERE {c})"),
            None => format!("(SELECT count(*) FROM ({rows}) AS {})", ident(&format!("{HELPER}_rows"))),
        })
        .collect();
    let scan = format!(
        "SELECT {} FROM (SELECT *, sum(CASE WHEN {qf} THEN 1 ELSE 0 END) OVER (PARTITION BY {keys}) AS {h} FROM {relation})",
        counts.iter().enumerate().map(|(i, c)| format!("{c} AS p{i}")).collect::<Vec<_>>().join(", ")
    );
    // Planned once: on a clean table this scan is all the invariants cost.
    let counted: Option<Vec<i64>> = crate::engine::database::rows_planned_once(conn, &scan).ok().and_then(|rows| {
        let row = rows.into_iter().next()?;
        row.into_iter().map(|v| v.and_then(|v| v.parse::<i64>().ok())).collect::<Option<Vec<i64>>>()
    });
    // Every invariant has its count now, in order.
    let clear = |i: usize| counted.as_ref().and_then(|values| values.get(i)) == Some(&0);
    let clear: Vec<bool> = (0..invariants.len()).map(clear).collect();
    for ((rows, path, what), clear) in invariants.into_iter().zip(clear) {
        if clear {
            continue;
        }
        match ctx.failing(&rows, &shown, &order) {
            Ok(None) => {}
            Ok(Some(failing)) => {
                let message = format!("{what}: {}", plural(failing.count, "row"));
                ctx.report(Code::Scd2InvariantFailed, &path, message, Some(failing.table()));
            }
            Err(e) => ctx.could_not_run(Code::Scd2InvariantFailed, &path, &what, &e),
        }
    }
    let mut findings = ctx.findings;
    sort_findings(&mut findings);
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::output::test_support::{codes, database, index, output_table, project, run};
    use crate::project::layout::Project;

    const HISTORY: &str = "CREATE TABLE memory.analytics.dim_customers_scd2 (customer_id BIGINT, email VARCHAR, \
        phone_e164 VARCHAR, lifecycle_stage VARCHAR, country VARCHAR, city VARCHAR, state VARCHAR, \
        postal_code VARCHAR, created_at TIMESTAMP, valid_from TIMESTAMP, valid_to TIMESTAMP, is_current BOOLEAN)";

    /// A history row: key, email, valid_from, valid_to, is_current.
    fn version(key: i64, email: &str, from: &str, to: Option<&str>, current: bool) -> String {
        let to = to.map_or("NULL".to_string(), |t| format!("TIMESTAMP '{t}'"));
        format!("({key}, '{email}', NULL, 'active', NULL, NULL, NULL, NULL, NULL, TIMESTAMP '{from}', {to}, {current})")
    }

    fn invariants(project: &Project, rows: &[String]) -> Vec<Finding> {
        let db = database();
        db.execute_batch(&format!(
            "{HISTORY}; INSERT INTO memory.analytics.dim_customers_scd2 VALUES {};",
            rows.join(", ")
        ))
        .unwrap();
        let model = "dim_customers_scd2";
        let table = output_table(model);
        let mut found = check_scd2_invariants(&db, &project.spec, index(project, model), &table, 2);
        // The table's own checks (types) hold on every history here.
        found.extend(run(&db, project, model));
        found
    }

    const T1: &str = "2024-01-01 00:00:00";
    const T2: &str = "2024-02-01 00:00:00";
    const T3: &str = "2024-03-01 00:00:00";

    #[test]
    fn a_valid_history_draws_nothing() {
        let project = project();
        let rows = [
            version(1, "old@x.com", T1, Some(T2), false),
            version(1, "new@x.com", T2, None, true),
            version(2, "b@x.com", T1, Some(T2), false),
            version(2, "b@x.com", T3, None, true),
        ];
        assert_eq!(invariants(&project, &rows), []);
    }

    #[test]
    fn two_current_rows_for_a_key() {
        let project = project();
        let rows = [version(1, "old@x.com", T1, None, true), version(1, "new@x.com", T2, None, true)];
        let found = invariants(&project, &rows);
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(codes(&found), ["CHK010", "CHK010"], "{messages:?}");
        assert!(messages
            .iter()
            .any(|m| m.contains("after run 2, a key (`customer_id`) has more than one current row: 2 rows")));
        // Two open versions of one key also overlap.
        assert!(messages.iter().any(|m| m.contains("overlap")), "{messages:?}");
    }

    #[test]
    fn overlapping_versions() {
        let project = project();
        let rows = [version(1, "old@x.com", T1, Some(T3), false), version(1, "new@x.com", T2, None, true)];
        let found = invariants(&project, &rows);
        assert_eq!(codes(&found), ["CHK010"]);
        assert!(found[0].message.contains("overlap in time: 2 rows"), "{}", found[0].message);
        assert_eq!(found[0].json_path.as_deref(), Some("models[3].constraints.natural_key"));
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(help.contains("customer_id | valid_from          | valid_to            | is_current"), "{help}");
    }

    #[test]
    fn a_version_that_closes_before_it_opens() {
        let project = project();
        let rows = [version(1, "old@x.com", T2, Some(T1), false), version(1, "new@x.com", T2, None, true)];
        let found = invariants(&project, &rows);
        assert_eq!(codes(&found), ["CHK010"]);
        assert!(found[0].message.contains("does not start before"), "{}", found[0].message);
    }

    #[test]
    fn the_current_flag_and_the_open_expiry_form() {
        let mut project = project();
        let rows =
            [version(1, "old@x.com", T1, Some(T2), true), version(2, "b@x.com", T2, Some("9999-12-31 23:59:59"), true)];
        let found = invariants(&project, &rows);
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(codes(&found), ["CHK010", "CHK010"], "{messages:?}");
        assert!(messages
            .iter()
            .any(|m| m.contains("`is_current` is not true exactly for the open versions") && m.ends_with("1 row")));
        assert!(messages.iter().any(|m| m.contains("9999-12-31 23:59:59 where `open_expiry` is null")));

        let scd2 = index(&project, "dim_customers_scd2");
        project.spec.spec.models[scd2].constraints.open_expiry = Some(OpenExpiry::FarFuture);
        let rows = [
            version(1, "old@x.com", T1, Some(T2), false),
            version(1, "new@x.com", T2, Some("9999-12-31 23:59:59"), true),
        ];
        assert_eq!(invariants(&project, &rows), []);
        let rows = [version(1, "old@x.com", T1, Some(T2), false), version(1, "new@x.com", T2, None, true)];
        let found = invariants(&project, &rows);
        assert_eq!(codes(&found), ["CHK010"]);
        assert!(found[0].message.contains("NULL where `open_expiry` is `far_future`"), "{}", found[0].message);
    }
}
