//! What a check runs with: the connection, the spec, the table and its columns, and the findings
//! so far; and how a check's query becomes a finding.

use super::failing::{Failing, SHOWN_ROWS};
use super::table::{OutputTable, TableColumn};
use crate::finding::{Code, Finding};
use crate::spec::load::LoadedSpec;
use crate::spec::model::{Dialect, Model};
use crate::sql::quote_ident as ident;
use duckdb::Connection;
use std::collections::HashSet;

/// A helper column the checks add to a query. Its name is odd on purpose: it must not meet a
/// column of the model's output.
pub(super) const HELPER: &str = "__specproof_helper";

/// One output table being checked, and the findings its checks have made so far.
pub(super) struct Ctx<'a> {
    pub(super) conn: &'a Connection,
    pub(super) loaded: &'a LoadedSpec,
    pub(super) model: &'a Model,
    pub(super) table: &'a OutputTable<'a>,
    pub(super) columns: Vec<TableColumn>,
    pub(super) findings: Vec<Finding>,
    /// The probes ([`Ctx::holds`]) one scan of the table counted as 0: their checks hold and
    /// their own queries are not run.
    pub(super) zero: HashSet<String>,
    /// While the checks are being collected: the probes they would count. Nothing runs and
    /// nothing is reported meanwhile.
    pub(super) collecting: Option<Vec<String>>,
}

impl<'a> Ctx<'a> {
    /// A context for `table` with no findings yet.
    pub(super) fn new(
        conn: &'a Connection,
        loaded: &'a LoadedSpec,
        model: &'a Model,
        table: &'a OutputTable<'a>,
        columns: Vec<TableColumn>,
    ) -> Ctx<'a> {
        Ctx { conn, loaded, model, table, columns, findings: Vec::new(), zero: HashSet::new(), collecting: None }
    }

    /// The first of the two passes of `checks`: the probe of every check that has one, sorted,
    /// each once, for one scan of the table to count ([`Ctx::scan`]); the second pass
    /// ([`Ctx::finish`]) runs them for real, where a check whose probe counted 0 holds without
    /// its own query. A table has dozens of checks and binding a query costs DuckDB far more
    /// than scanning a few thousand rows, so one scan replaces most of them. When the scan
    /// fails (a probe DuckDB cannot run), every check runs its own query, as it would alone,
    /// and reports what it finds.
    pub(super) fn collect(&mut self, checks: &dyn Fn(&mut Ctx<'a>)) -> Vec<String> {
        self.collecting = Some(Vec::new());
        checks(self);
        let mut probes = self.collecting.take().unwrap_or_default();
        probes.sort();
        probes.dedup();
        probes
    }

    /// The counts of `probes` by their own scan of the table (`None` when there are none or
    /// the scan fails).
    pub(super) fn scan(&self, probes: &[String]) -> Option<Vec<Option<i64>>> {
        let sql = self.probe_query(probes)?;
        // Planned once: this scan is most of a table's checks, and binding it is most of its cost.
        let rows = crate::engine::database::rows_planned_once(self.conn, &sql).ok()?;
        let row = rows.into_iter().next().unwrap_or_default();
        Some(row.into_iter().map(|v| v.and_then(|v| v.parse::<i64>().ok())).collect())
    }

    /// The one scan of the table that counts `probes` (`None` for none), a column each.
    pub(super) fn probe_query(&self, probes: &[String]) -> Option<String> {
        if probes.is_empty() {
            return None;
        }
        let named: Vec<String> = probes.iter().enumerate().map(|(i, p)| format!("{p} AS p{i}")).collect();
        Some(format!("SELECT {} FROM {}", named.join(", "), self.from()))
    }

    /// The second pass of `checks` ([`Ctx::collect`]): run for real, those whose probe
    /// `counts` (in the order of `probes`; `None` when the scan failed) gave 0 without their
    /// own query.
    pub(super) fn finish(
        &mut self,
        probes: Vec<String>,
        counts: Option<Vec<Option<i64>>>,
        checks: &dyn Fn(&mut Ctx<'a>),
    ) {
        if let Some(counts) = counts {
            self.zero = probes.into_iter().zip(counts).filter(|(_, n)| *n == Some(0)).map(|(p, _)| p).collect();
        }
        checks(self);
    }

    /// Whether the check whose probe is `probe` is known to hold: an aggregate over the table
    /// (`self.from()`) that is 0 exactly when the check's query would find no failing row.
    /// While collecting, records the probe and answers yes, so that the check does nothing.
    pub(super) fn holds(&mut self, probe: &str) -> bool {
        if let Some(probes) = &mut self.collecting {
            probes.push(probe.to_string());
            return true;
        }
        self.zero.contains(probe)
    }

    /// Whether the checks are only being collected ([`Ctx::collect`]).
    pub(super) fn collecting(&self) -> bool {
        self.collecting.is_some()
    }

    /// A check whose failing rows are the table's rows where `condition` is true: probed by
    /// `count(*) FILTER (WHERE condition)`, run as [`Ctx::check`] when the probe is not 0.
    #[expect(clippy::too_many_arguments, reason = "the call shape of `check`, with the condition for its rows")]
    pub(super) fn check_where(
        &mut self,
        code: Code,
        path: &str,
        what: &str,
        condition: &str,
        shown: &[String],
        order: &[String],
        describe: &dyn Fn(u64) -> String,
    ) {
        if self.holds(&format!("count(*) FILTER (WHERE {condition})")) {
            return;
        }
        let rows = format!("SELECT * FROM {} WHERE {condition}", self.from());
        self.check(code, path, what, &rows, shown, order, describe);
    }

    /// The dialect the spec's expressions are written in.
    pub(super) fn dialect(&self) -> Dialect {
        self.loaded.spec.dialect
    }

    /// The table's column called `name` (case-insensitive, as both BigQuery and DuckDB compare).
    pub(super) fn column(&self, name: &str) -> Option<&TableColumn> {
        self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name.trim()))
    }

    /// The table as a FROM item, aliased as the model so `model.column` in a spec expression reads it.
    pub(super) fn from(&self) -> String {
        format!("{} AS {}", self.table.relation, ident(self.table.model))
    }

    /// The primary key's columns as the table names them, when all are there.
    pub(super) fn key(&self) -> Option<Vec<String>> {
        let pk = self.model.constraints.primary_key.as_ref()?;
        let names: Option<Vec<String>> = pk.names().map(|n| self.column(n).map(|c| c.name.clone())).collect();
        names.filter(|n| !n.is_empty())
    }

    /// The columns shown for a failing row: the key, then the ones the check reads.
    pub(super) fn shown(&self, reads: &[&str]) -> Vec<String> {
        let mut shown = self.key().unwrap_or_default();
        for r in reads {
            if let Some(c) = self.column(r) {
                if !shown.iter().any(|s| s.eq_ignore_ascii_case(&c.name)) {
                    shown.push(c.name.clone());
                }
            }
        }
        shown
    }

    /// Every column of the table, in order.
    pub(super) fn all_columns(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// Adds a finding on this model, placed at `path` in the spec.
    pub(super) fn report(&mut self, code: Code, path: &str, message: String, help: Option<String>) {
        if self.collecting() {
            return;
        }
        let mut finding =
            Finding::new(code, message).model(self.table.model).at_path(path).at(self.loaded.text.locate(path));
        finding.help = help;
        self.findings.push(finding);
    }

    /// Reports a check DuckDB could not run on the output: it was not shown to hold.
    pub(super) fn could_not_run(&mut self, code: Code, path: &str, what: &str, error: &str) {
        let message = format!("could not check that {what}: DuckDB cannot run the check on the output: {error}");
        self.report(code, path, message, None);
    }

    /// Runs `rows` (a query whose rows are the failing rows of the table, with all its columns)
    /// and returns `None` when it has none, else their count and the first [`SHOWN_ROWS`], with
    /// the columns `shown`, ordered by `order` then every column.
    pub(super) fn failing(&self, rows: &str, shown: &[String], order: &[String]) -> Result<Option<Failing>, String> {
        let f = ident(&format!("{HELPER}_rows"));
        let count: i64 = self
            .conn
            .query_row(&format!("SELECT count(*) FROM ({rows}) AS {f}"), [], |row| row.get(0))
            .map_err(|e| e.to_string())?;
        if count <= 0 {
            return Ok(None);
        }
        let shown = if shown.is_empty() { self.all_columns() } else { shown.to_vec() };
        let select = shown.iter().map(|c| format!("CAST({} AS VARCHAR)", ident(c))).collect::<Vec<_>>().join(", ");
        let mut by: Vec<String> = order.to_vec();
        by.extend(self.all_columns().into_iter().filter(|c| !order.contains(c)));
        let by = by.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT {select} FROM ({rows}) AS {f} ORDER BY {by} LIMIT {SHOWN_ROWS}");
        let mut statement = self.conn.prepare(&sql).map_err(|e| e.to_string())?;
        let width = shown.len();
        let found = statement
            .query_map([], |row| {
                (0..width).map(|i| Ok(row.get::<_, Option<String>>(i)?.unwrap_or_else(|| "NULL".into()))).collect()
            })
            .map_err(|e| e.to_string())?;
        let rows = found.collect::<duckdb::Result<Vec<Vec<String>>>>().map_err(|e| e.to_string())?;
        Ok(Some(Failing { count: count as u64, header: shown, rows }))
    }

    /// Runs one check whose failing rows are `rows`, and reports them with `describe(count)`.
    #[expect(clippy::too_many_arguments, reason = "one call shape for every test; a struct would only rename them")]
    pub(super) fn check(
        &mut self,
        code: Code,
        path: &str,
        what: &str,
        rows: &str,
        shown: &[String],
        order: &[String],
        describe: &dyn Fn(u64) -> String,
    ) {
        if self.collecting() {
            return;
        }
        match self.failing(rows, shown, order) {
            Ok(None) => {}
            Ok(Some(failing)) => {
                let message = describe(failing.count);
                self.report(code, path, message, Some(failing.table()));
            }
            Err(e) => self.could_not_run(code, path, what, &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ctx;
    use crate::check::output::table::describe;
    use crate::check::output::test_support::{customers, database, index, output_table, project, ALICE, BOB, CAROL};
    use crate::finding::Code;

    /// Runs the null check of `customer_id` and `email` and the key on stg_customers holding
    /// `rows`, batched; returns the probes the scan counted as 0 and the codes found.
    fn batched(rows: &[&str]) -> (usize, Vec<&'static str>) {
        let (project, db) = (project(), database());
        customers(&db, rows);
        let mi = index(&project, "stg_customers");
        let table = output_table("stg_customers");
        let columns = describe(&db, &table.relation).unwrap();
        let model = &project.spec.spec.models[mi];
        let mut ctx = Ctx::new(&db, &project.spec, model, &table, columns);
        let checks = |ctx: &mut Ctx<'_>| {
            for column in ["customer_id", "email"] {
                ctx.not_null(Code::NullInNonNullable, "p", column, "is `nullable: false`");
            }
            ctx.primary_key(mi);
        };
        let probes = ctx.collect(&checks);
        let counts = ctx.scan(&probes);
        ctx.finish(probes, counts, &checks);
        (ctx.zero.len(), ctx.findings.iter().map(|f| f.code.as_str()).collect())
    }

    #[test]
    fn one_scan_settles_the_checks_that_hold_and_the_others_run() {
        // Every check holds: all three probes are 0, so none runs a query of its own.
        assert_eq!(batched(&[ALICE, CAROL]), (3, vec![]));
        // BOB's email is null: that probe is not 0, its check runs and reports the row.
        assert_eq!(batched(&[ALICE, BOB]), (2, vec!["CHK002"]));
        // Two rows share a key: only the key's check runs.
        assert_eq!(batched(&[ALICE, ALICE]), (2, vec!["CHK009"]));
    }
}
