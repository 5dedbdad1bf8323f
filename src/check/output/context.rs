//! What a check runs with: the connection, the spec, the table and its columns, and the findings
//! so far; and how a check's query becomes a finding.

use super::failing::{Failing, SHOWN_ROWS};
use super::table::{OutputTable, TableColumn};
use crate::finding::{Code, Finding};
use crate::spec::load::LoadedSpec;
use crate::spec::model::{Dialect, Model};
use crate::sql::quote_ident as ident;
use duckdb::Connection;

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
}

impl Ctx<'_> {
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
