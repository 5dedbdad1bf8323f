//! Checks on a model's output table: the column types, `nullable: false`, every test the spec
//! names (spec-format.md, "Tests named in the spec"), the primary key, and the SCD2 invariants.
//!
//! Each check is compiled to one DuckDB query that returns the failing rows of the model's
//! materialised output; a check that fails gives one finding (never one per row) with the number
//! of failing rows and the first few of them, ordered so the output is the same on every run.
//!
//! Decisions that are not obvious from the spec:
//! - Types compare as families ([`canonical_type_name`]). Every integer type meets `INT64`,
//!   HUGEINT included: DuckDB's `SUM(BIGINT)` is a HUGEINT, and the dialect bridge keeps BigQuery's
//!   value there but cannot keep its type, so refusing it would blame correct code. TIMESTAMP and
//!   DATETIME are one family (DuckDB has one type for both), and so are NUMERIC and BIGNUMERIC.
//!   A type either side cannot name a family for (STRUCT, ENUM, MAP, …) is not judged.
//! - `unique`, `accepted_values`, `relationships` and `accepted_range` ignore nulls, as the spec
//!   says; `accepted_values` leaves NULL out of its list, so `NOT IN` never turns unknown.
//! - `expression(...)` holds when the expression is *true* for every row: a row where it is NULL
//!   fails, because NULL is not true.
//! - Columns missing from the table are not checked here: the static check reports them.
//! - A test the spec lint rejects (unknown name, unparsable, `accepted_values` with nothing to
//!   infer, an unknown `relationships` target) is skipped: the lint has already reported it.
//! - A query DuckDB cannot run on the output (a string where the test compares numbers) is a
//!   finding of the test's code that carries DuckDB's error: the test was not shown to hold.

use crate::finding::{plural, sort_findings, Code, Finding};
use crate::spec::catalog::Catalog;
use crate::spec::load::LoadedSpec;
use crate::spec::model::{Dialect, Model, OpenExpiry};
use crate::spec::named_tests::{parse_test, SpecTest};
use crate::spec::resolve::context::model_outputs;
use crate::spec::resolve::query::{FROM_IDENT, FROM_PLACEHOLDER};
use crate::spec::resolve::{kinds_of, ModelKind};
use crate::sql::bridge::{expr_to_duckdb, BridgeOptions};
use crate::sql::expr::{case_literals, column_refs, literal_text};
use crate::sql::parse::parse_expression;
use crate::sql::quote_ident as ident;
use crate::sql::types::canonical_type_name;
use duckdb::Connection;
use sqlparser::ast::Expr;

/// How many failing rows a finding shows.
pub const SHOWN_ROWS: usize = 5;

/// Longest value shown in a failing row, in characters; longer ones are cut with `…`.
const SHOWN_WIDTH: usize = 40;

/// A helper column the checks add to a query. Its name is odd on purpose: it must not meet a
/// column of the model's output.
const HELPER: &str = "__specproof_helper";

/// An open SCD2 version whose expiry is written as a far-future time (spec-format.md).
const FAR_FUTURE: &str = "TIMESTAMP '9999-12-31 23:59:59'";

/// Where a model's output is and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputTable<'a> {
    /// The model's name in the spec.
    pub model: &'a str,
    /// SQL that names the table, e.g. `"memory".temp.stg_customers`.
    pub relation: String,
    /// The database name that qualifies schema-qualified names in spec expressions, as the
    /// engine runs them (see [`BridgeOptions::catalog`]).
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
    let mut ctx = Ctx { conn, loaded, model, table, columns, findings: Vec::new() };
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
    for (rows, path, what) in invariants {
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

/// A column of the output table, as DuckDB describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TableColumn {
    name: String,
    data_type: String,
}

/// An output column as the spec declares it.
struct DeclaredColumn<'s> {
    name: String,
    /// The type as the spec writes it (or the canonical family, for columns the spec types
    /// through their source).
    data_type: Option<String>,
    /// Where the type is written.
    type_path: String,
    /// The column's entry (`models[0].column_mapping[3]`).
    path: String,
    nullable: Option<bool>,
    tests: &'s [String],
    /// The expression computing it, for `accepted_values` inferred from a CASE.
    expr: Option<String>,
}

/// Every output column the spec declares for model `mi`, with where each is written.
fn declared_columns<'s>(loaded: &'s LoadedSpec, catalog: &Catalog, mi: usize) -> Vec<DeclaredColumn<'s>> {
    let spec = &loaded.spec;
    let model = &spec.models[mi];
    let mut out = Vec::new();
    match kinds_of(model).as_slice() {
        [ModelKind::Mapping] => {
            for (c, m) in model.column_mapping.iter().enumerate() {
                let path = format!("models[{mi}].column_mapping[{c}]");
                out.push(DeclaredColumn {
                    name: m.target_column.clone(),
                    data_type: Some(m.data_type.clone()),
                    type_path: format!("{path}.type"),
                    path,
                    nullable: m.nullable,
                    tests: &m.tests,
                    // Only the CASE's results matter here, so `{from}` becomes a plain identifier, as in the lint.
                    expr: m.transform.as_ref().map(|t| t.replace(FROM_PLACEHOLDER, FROM_IDENT)),
                });
            }
        }
        [ModelKind::Aggregate] => {
            // Group-by columns have the driving source's types and no tests of their own.
            let outputs = model_outputs(spec, catalog);
            let relation = outputs.get(mi).and_then(Option::as_ref);
            for (g, name) in model.group_by.iter().enumerate() {
                let path = format!("models[{mi}].group_by[{g}]");
                out.push(DeclaredColumn {
                    name: name.clone(),
                    data_type: relation.and_then(|r| r.column(name)).and_then(|c| c.data_type.clone()),
                    type_path: path.clone(),
                    path,
                    nullable: None,
                    tests: &[],
                    expr: None,
                });
            }
            for (k, a) in model.aggregations.iter().enumerate() {
                let path = format!("models[{mi}].aggregations[{k}]");
                out.push(DeclaredColumn {
                    name: a.metric_column.clone(),
                    data_type: Some(a.data_type.clone()),
                    type_path: format!("{path}.type"),
                    path,
                    nullable: a.nullable,
                    tests: &a.tests,
                    expr: Some(a.formula.clone()),
                });
            }
        }
        [ModelKind::Scd2] => {
            // The source's columns, then the three the history adds; their nulls and values are
            // the invariants' business (check_scd2_invariants).
            let outputs = model_outputs(spec, catalog);
            let c = &model.constraints;
            let placed = |name: &str| {
                let field = [
                    (c.effective_at.as_deref(), "effective_at"),
                    (c.expiry_at.as_deref(), "expiry_at"),
                    (c.current_flag.as_deref(), "current_flag"),
                ]
                .into_iter()
                .find(|(n, _)| n.is_some_and(|n| n.eq_ignore_ascii_case(name)));
                match field {
                    Some((_, field)) => format!("models[{mi}].constraints.{field}"),
                    None => format!("models[{mi}].sources[0]"),
                }
            };
            for column in outputs.get(mi).and_then(Option::as_ref).map_or(&[][..], |r| &r.columns) {
                let path = placed(&column.name);
                out.push(DeclaredColumn {
                    name: column.name.clone(),
                    data_type: column.data_type.clone(),
                    type_path: path.clone(),
                    path,
                    nullable: None,
                    tests: &[],
                    expr: None,
                });
            }
        }
        // A model of no single kind has no meaning (SPEC006): nothing to hold its output to.
        _ => {}
    }
    out
}

/// The columns of `relation`, in order.
fn describe(conn: &Connection, relation: &str) -> duckdb::Result<Vec<TableColumn>> {
    let mut statement = conn.prepare(&format!("DESCRIBE SELECT * FROM {relation}"))?;
    let rows = statement.query_map([], |row| Ok(TableColumn { name: row.get(0)?, data_type: row.get(1)? }))?;
    rows.collect()
}

/// The type family a type name belongs to, for comparison: the canonical name with the
/// families DuckDB does not tell apart brought together.
fn family(type_name: &str) -> Option<String> {
    let canonical = canonical_type_name(type_name)?;
    // A STRUCT prints its fields in each dialect's own syntax; comparing the text would be a
    // false alarm, and judging field by field is more than this check promises.
    if canonical.contains("STRUCT") {
        return None;
    }
    Some(canonical.replace("BIGNUMERIC", "NUMERIC").replace("DATETIME", "TIMESTAMP"))
}

/// Rows that break a check: how many, and the first ones as text. Shipped tests
/// ([`crate::suite`]) show their failing rows the same way.
pub(crate) struct Failing {
    /// How many rows fail in all.
    pub(crate) count: u64,
    /// The names of the columns shown.
    pub(crate) header: Vec<String>,
    /// The first failing rows, NULL written as `NULL`.
    pub(crate) rows: Vec<Vec<String>>,
}

impl Failing {
    /// The first rows as a small text table, for `help`.
    pub(crate) fn table(&self) -> String {
        let cut = |v: &str| {
            if v.chars().count() > SHOWN_WIDTH {
                format!("{}…", v.chars().take(SHOWN_WIDTH - 1).collect::<String>())
            } else {
                v.to_string()
            }
        };
        let header: Vec<String> = self.header.iter().map(|h| cut(h)).collect();
        let rows: Vec<Vec<String>> = self.rows.iter().map(|r| r.iter().map(|v| cut(v)).collect()).collect();
        let widths: Vec<usize> = (0..header.len())
            .map(|i| rows.iter().map(|r| r[i].chars().count()).chain([header[i].chars().count()]).max().unwrap_or(0))
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> =
                cells.iter().zip(&widths).map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count()))).collect();
            format!("    {}", padded.join(" | ").trim_end())
        };
        let rule = format!("    {}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("-+-"));
        let shown = if self.count as usize > self.rows.len() {
            format!("the first {} of {} failing rows", self.rows.len(), self.count)
        } else if self.rows.len() == 1 {
            "the failing row".to_string()
        } else {
            "the failing rows".to_string()
        };
        let mut out = vec![format!("{shown}:"), line(&header), rule];
        out.extend(rows.iter().map(|r| line(r)));
        out.join("\n")
    }
}

struct Ctx<'a> {
    conn: &'a Connection,
    loaded: &'a LoadedSpec,
    model: &'a Model,
    table: &'a OutputTable<'a>,
    columns: Vec<TableColumn>,
    findings: Vec<Finding>,
}

impl Ctx<'_> {
    fn dialect(&self) -> Dialect {
        self.loaded.spec.dialect
    }

    /// The table's column called `name` (case-insensitive, as both BigQuery and DuckDB compare).
    fn column(&self, name: &str) -> Option<&TableColumn> {
        self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name.trim()))
    }

    /// The table as a FROM item, aliased as the model so `model.column` in a spec expression reads it.
    fn from(&self) -> String {
        format!("{} AS {}", self.table.relation, ident(self.table.model))
    }

    /// The primary key's columns as the table names them, when all are there.
    fn key(&self) -> Option<Vec<String>> {
        let pk = self.model.constraints.primary_key.as_ref()?;
        let names: Option<Vec<String>> = pk.names().map(|n| self.column(n).map(|c| c.name.clone())).collect();
        names.filter(|n| !n.is_empty())
    }

    /// The columns shown for a failing row: the key, then the ones the check reads.
    fn shown(&self, reads: &[&str]) -> Vec<String> {
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

    fn all_columns(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    fn report(&mut self, code: Code, path: &str, message: String, help: Option<String>) {
        let mut finding =
            Finding::new(code, message).model(self.table.model).at_path(path).at(self.loaded.text.locate(path));
        finding.help = help;
        self.findings.push(finding);
    }

    fn could_not_run(&mut self, code: Code, path: &str, what: &str, error: &str) {
        let message = format!("could not check that {what}: DuckDB cannot run the check on the output: {error}");
        self.report(code, path, message, None);
    }

    /// Runs `rows` (a query whose rows are the failing rows of the table, with all its columns)
    /// and returns `None` when it has none, else their count and the first [`SHOWN_ROWS`], with
    /// the columns `shown`, ordered by `order` then every column.
    fn failing(&self, rows: &str, shown: &[String], order: &[String]) -> Result<Option<Failing>, String> {
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
    #[allow(clippy::too_many_arguments)] // one call shape for every test; a struct would only rename them
    fn check(
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

    fn check_type(&mut self, column: &DeclaredColumn<'_>, actual: &TableColumn) {
        let Some(declared) = column.data_type.as_deref() else { return };
        let (Some(want), Some(got)) = (family(declared), family(&actual.data_type)) else { return };
        let numeric_or_float = |f: &str| f == "NUMERIC" || f == "FLOAT64";
        let undecidable = self.table.translated_from_bigquery && numeric_or_float(&want) && numeric_or_float(&got);
        if want != got && !undecidable {
            let message =
                format!("`{}` is {} in the output; the spec declares {declared}", actual.name, actual.data_type);
            let help = format!("produce a {declared}, e.g. CAST(… AS {declared})");
            self.report(Code::OutputTypeDiffers, &column.type_path, message, Some(help));
        }
    }

    /// `nullable: false` and `not_null`: no row has a null in the column.
    fn not_null(&mut self, code: Code, path: &str, column: &str, why: &str) {
        let rows = format!("SELECT * FROM {} WHERE {} IS NULL", self.from(), ident(column));
        let shown = self.shown(&[column]);
        let what = format!("`{column}` is never null");
        self.check(code, path, &what, &rows, &shown, &[], &|n| {
            format!("`{column}` {why} but is null in {}", plural(n, "row"))
        });
    }

    fn run_test(
        &mut self,
        declared: &DeclaredColumn<'_>,
        column: &str,
        path: &str,
        text: &str,
        test: SpecTest,
        relation_of: &dyn Fn(&str) -> Option<String>,
    ) {
        let q = ident(column);
        let from = self.from();
        let test_text = text.trim();
        match test {
            SpecTest::NotNull => self.not_null(Code::TestNotNullFailed, path, column, "is tested `not_null`"),
            SpecTest::Unique => {
                let h = ident(HELPER);
                let rows = format!(
                    "SELECT * EXCLUDE ({h}) FROM (SELECT *, count(*) OVER (PARTITION BY {q}) AS {h} FROM {from}) \
                     WHERE {q} IS NOT NULL AND {h} > 1"
                );
                let values = self
                    .conn
                    .query_row(&format!("SELECT count(DISTINCT {q}) FROM ({rows})"), [], |row| row.get::<_, i64>(0))
                    .unwrap_or(0);
                // All columns: how duplicates differ shows where they came from (a join fanning out).
                let all = self.all_columns();
                self.check(
                    Code::TestUniqueFailed,
                    path,
                    &format!("`{column}` is unique"),
                    &rows,
                    &all,
                    &[column.into()],
                    &|n| {
                        format!(
                            "`{column}` is tested `unique` but {} share {}",
                            plural(n, "row"),
                            plural(values as u64, "value")
                        )
                    },
                );
            }
            SpecTest::AcceptedValues(list) => {
                let values = match list {
                    Some(values) => values,
                    None => match declared.expr.as_deref().and_then(|e| self.case_values(e)) {
                        Some(values) => values,
                        // SPEC009: nothing to infer the list from.
                        None => return,
                    },
                };
                let mut listed = Vec::new();
                for mut value in values {
                    // NULL in the list would make `NOT IN` unknown for every row; nulls pass anyway.
                    if matches!(literal_text(&value), Some(None)) {
                        continue;
                    }
                    match self.translate(&mut value) {
                        Some(sql) => listed.push(sql),
                        None => return self.untranslatable(path, test_text),
                    }
                }
                let list = listed.join(", ");
                let rows = if listed.is_empty() {
                    format!("SELECT * FROM {from} WHERE {q} IS NOT NULL")
                } else {
                    format!("SELECT * FROM {from} WHERE {q} IS NOT NULL AND {q} NOT IN ({list})")
                };
                let shown = self.shown(&[column]);
                let what = format!("`{column}` holds only accepted values");
                self.check(Code::TestAcceptedValuesFailed, path, &what, &rows, &shown, &[column.into()], &|n| {
                    format!("`{column}` holds a value outside its accepted values ({list}) in {}", plural(n, "row"))
                });
            }
            SpecTest::Relationships { target, column: target_column } => {
                let Some(parent) = relation_of(&target) else { return };
                let child = ident(self.table.model);
                let p = ident(&format!("{HELPER}_parent"));
                let rows = format!(
                    "SELECT {child}.* FROM {from} WHERE {child}.{q} IS NOT NULL AND NOT EXISTS \
                     (SELECT 1 FROM {parent} AS {p} WHERE {p}.{tq} = {child}.{q})",
                    tq = ident(&target_column)
                );
                let shown = self.shown(&[column]);
                let what = format!("every `{column}` appears in `{target}.{target_column}`");
                self.check(Code::TestRelationshipsFailed, path, &what, &rows, &shown, &[column.into()], &|n| {
                    format!("`{column}` holds a value missing from `{target}.{target_column}` in {}", plural(n, "row"))
                });
            }
            SpecTest::AcceptedRange { min, max } => {
                let mut outside = Vec::new();
                let mut bounds = Vec::new();
                for (bound, op) in [(min, "<"), (max, ">")] {
                    let Some(mut bound) = bound else { continue };
                    let Some(sql) = self.translate(&mut bound) else { return self.untranslatable(path, test_text) };
                    outside.push(format!("{q} {op} ({sql})"));
                    bounds.push(if op == "<" { format!("at least {sql}") } else { format!("at most {sql}") });
                }
                let rows = format!("SELECT * FROM {from} WHERE {q} IS NOT NULL AND ({})", outside.join(" OR "));
                let shown = self.shown(&[column]);
                let bounds = bounds.join(" and ");
                let what = format!("`{column}` is {bounds}");
                self.check(Code::TestRangeFailed, path, &what, &rows, &shown, &[column.into()], &|n| {
                    format!("`{column}` must be {bounds} but is not in {}", plural(n, "row"))
                });
            }
            SpecTest::Expression(mut expr) => {
                let reads: Vec<String> = column_refs(&expr).into_iter().map(|r| r.column).collect();
                let Some(sql) = self.translate(&mut expr) else { return self.untranslatable(path, test_text) };
                // NULL is not true: a row where the expression is unknown fails it.
                let rows = format!("SELECT * FROM {from} WHERE NOT coalesce(({sql}), false)");
                let mut read: Vec<&str> = vec![column];
                read.extend(reads.iter().map(String::as_str));
                let shown = self.shown(&read);
                let what = format!("`{test_text}` holds");
                self.check(Code::TestExpressionFailed, path, &what, &rows, &shown, &[], &|n| {
                    format!("`{test_text}` on `{column}` is not true for {}", plural(n, "row"))
                });
            }
        }
    }

    /// `constraints.primary_key`: no key column is null, and no two rows share the key.
    fn primary_key(&mut self, mi: usize) {
        let Some(key) = self.key() else { return };
        let path = format!("models[{mi}].constraints.primary_key");
        let h = ident(HELPER);
        let keys = key.iter().map(|k| ident(k)).collect::<Vec<_>>().join(", ");
        let null = key.iter().map(|k| format!("{} IS NULL", ident(k))).collect::<Vec<_>>().join(" OR ");
        let rows = format!(
            "SELECT * EXCLUDE ({h}) FROM (SELECT *, count(*) OVER (PARTITION BY {keys}) AS {h} FROM {}) \
             WHERE {null} OR {h} > 1",
            self.from()
        );
        let (nulls, shared) = self
            .conn
            .query_row(
                &format!("SELECT count(*) FILTER (WHERE {null}), count(*) FILTER (WHERE NOT ({null})) FROM ({rows})"),
                [],
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
            )
            .unwrap_or((0, 0));
        let words = key.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
        let all = self.all_columns();
        self.check(Code::PrimaryKeyFailed, &path, &format!("({words}) is a key"), &rows, &all, &key, &|n| {
            let mut parts = Vec::new();
            if nulls > 0 {
                parts.push(format!(
                    "{} a null key column",
                    if nulls == 1 { "1 row has".into() } else { format!("{nulls} rows have") }
                ));
            }
            if shared > 0 {
                parts.push(format!("{} share a key with another row", plural(shared as u64, "row")));
            }
            if parts.is_empty() {
                // The split could not be counted; the total still says how much is wrong.
                parts.push(format!("{} break it", plural(n, "row")));
            }
            format!("the primary key ({words}) does not hold: {}", parts.join(", and "))
        });
    }

    /// The CASE literals an expression can produce, as expressions, when it is such a CASE.
    fn case_values(&self, expr: &str) -> Option<Vec<Expr>> {
        let expr = parse_expression(expr, self.dialect()).ok()?;
        // `case_literals` decides whether the list is known, the same way the lint does.
        case_literals(&expr)?;
        let mut case = &expr;
        while let Expr::Nested(inner) = case {
            case = inner;
        }
        let Expr::Case { conditions, else_result, .. } = case else { return None };
        let mut values: Vec<Expr> = Vec::new();
        for result in conditions.iter().map(|c| &c.result).chain(else_result.as_deref()) {
            if !values.contains(result) {
                values.push(result.clone());
            }
        }
        Some(values)
    }

    /// A spec expression translated to DuckDB, or `None` where the bridge cannot keep its meaning.
    fn translate(&self, expr: &mut Expr) -> Option<String> {
        let options = BridgeOptions { from: self.dialect(), catalog: self.table.catalog.clone() };
        expr_to_duckdb(expr, &options).is_empty().then(|| expr.to_string())
    }

    /// A test whose SQL the dialect bridge cannot carry to DuckDB is a fault of the spec's
    /// expression, not of the output; it is reported as such so the check is not silently lost.
    fn untranslatable(&mut self, path: &str, test: &str) {
        let message = format!("the test `{test}` cannot be checked: it has no faithful DuckDB translation");
        let help = "write the test with functions BigQuery and DuckDB share".to_string();
        self.report(Code::InvalidExpression, path, message, Some(help));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::layout::{load_project, Overrides, Project};
    use crate::test_support::crate_root;

    fn project() -> Project {
        let dir = crate_root().join("specs/customer360");
        let overrides = Overrides { spec: Some(dir.join("spec.corrected.json")), ..Default::default() };
        load_project(&dir, &overrides).expect("example loads")
    }

    fn database() -> Connection {
        let db = Connection::open_in_memory().expect("open DuckDB");
        // The example's staging schema is `temp`, which DuckDB's own catalog `temp` shadows
        // unless qualified with the database name.
        db.execute_batch("CREATE SCHEMA memory.temp; CREATE SCHEMA memory.analytics;").expect("schemas");
        db
    }

    fn index(project: &Project, model: &str) -> usize {
        project.spec.spec.models.iter().position(|m| m.name == model).expect("model in spec")
    }

    fn relation(model: &str) -> String {
        let schema = if model.starts_with("stg_") { "temp" } else { "analytics" };
        format!("\"memory\".{schema}.{model}")
    }

    fn run(db: &Connection, project: &Project, model: &str) -> Vec<Finding> {
        run_as(db, project, model, false)
    }

    fn run_as(db: &Connection, project: &Project, model: &str, translated_from_bigquery: bool) -> Vec<Finding> {
        let table =
            OutputTable { model, relation: relation(model), catalog: Some("memory".into()), translated_from_bigquery };
        let relation_of = |name: &str| project.spec.spec.models.iter().any(|m| m.name == name).then(|| relation(name));
        check_output(db, &project.spec, &project.catalog, index(project, model), &table, &relation_of)
    }

    fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.code.as_str()).collect()
    }

    const CUSTOMERS: &str = "CREATE TABLE memory.temp.stg_customers (customer_id BIGINT, email VARCHAR, \
        phone_e164 VARCHAR, lifecycle_stage VARCHAR, country VARCHAR, city VARCHAR, state VARCHAR, \
        postal_code VARCHAR, created_at TIMESTAMP)";

    /// stg_customers holding `rows` (SQL VALUES rows, 9 columns each).
    fn customers(db: &Connection, rows: &[&str]) {
        db.execute_batch(&format!("{CUSTOMERS}; INSERT INTO memory.temp.stg_customers VALUES {};", rows.join(", ")))
            .expect("stg_customers");
    }

    const ALICE: &str = "(1, 'a@x.com', '+15551234567', 'active', 'US', 'NYC', 'NY', '10001', TIMESTAMP '2024-01-01')";
    const BOB: &str = "(2, NULL, NULL, 'churned', NULL, NULL, NULL, NULL, NULL)";
    const CAROL: &str = "(3, 'c@x.com', NULL, 'unknown', 'FR', 'Paris', NULL, '75001', TIMESTAMP '2024-02-01')";

    #[test]
    fn a_table_that_keeps_the_spec_draws_nothing() {
        let (project, db) = (project(), database());
        customers(&db, &[ALICE, BOB, CAROL]);
        assert_eq!(run(&db, &project, "stg_customers"), []);
    }

    #[test]
    fn a_value_outside_the_case_is_one_finding_with_its_rows() {
        let (project, db) = (project(), database());
        let dave = "(4, NULL, NULL, 'inactive', NULL, NULL, NULL, NULL, NULL)";
        let erin = "(5, NULL, NULL, 'inactive', NULL, NULL, NULL, NULL, NULL)";
        customers(&db, &[ALICE, BOB, CAROL, dave, erin]);
        let found = run(&db, &project, "stg_customers");
        assert_eq!(codes(&found), ["CHK005"]);
        let f = &found[0];
        assert!(f.message.contains("2 rows") && f.message.contains("'churned'"), "{}", f.message);
        assert_eq!(f.json_path.as_deref(), Some("models[0].column_mapping[3].tests[0]"));
        assert_eq!(f.model.as_deref(), Some("stg_customers"));
        assert!(f.location.as_ref().is_some_and(|l| l.line > 1), "{f:?}");
        let help = f.help.as_deref().unwrap_or_default();
        assert!(help.contains("customer_id | lifecycle_stage"), "{help}");
        assert!(help.contains("4           | inactive\n    5           | inactive"), "{help}");
    }

    #[test]
    fn a_duplicate_key_breaks_unique_and_the_primary_key() {
        let (project, db) = (project(), database());
        let alice_again = ALICE.replace("'US'", "'CA'");
        customers(&db, &[ALICE, &alice_again, BOB]);
        let found = run(&db, &project, "stg_customers");
        assert_eq!(codes(&found), ["CHK004", "CHK009"]);
        assert!(found[0].message.contains("2 rows share 1 value"), "{}", found[0].message);
        assert!(found[1].message.contains("2 rows share a key"), "{}", found[1].message);
        // Every column is shown, so the reviewer sees where the duplicates differ.
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(help.contains("CA") && help.contains("US"), "{help}");
    }

    #[test]
    fn nulls_break_nullable_not_null_and_the_key() {
        let (project, db) = (project(), database());
        let nobody = "(NULL, NULL, NULL, 'trial', NULL, NULL, NULL, NULL, NULL)";
        let no_stage = "(4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)";
        customers(&db, &[ALICE, nobody, no_stage]);
        let found = run(&db, &project, "stg_customers");
        let mut got: Vec<(&str, &str)> =
            found.iter().map(|f| (f.code.as_str(), f.json_path.as_deref().unwrap_or_default())).collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("CHK002", "models[0].column_mapping[0].nullable"),
                ("CHK002", "models[0].column_mapping[3].nullable"),
                ("CHK003", "models[0].column_mapping[0].tests[0]"),
                ("CHK009", "models[0].constraints.primary_key"),
            ]
        );
        assert!(found.iter().all(|f| f.message.contains("1 row")), "{found:?}");
    }

    #[test]
    fn types_compare_by_family() {
        let (project, db) = (project(), database());
        let integer = CUSTOMERS.replace("customer_id BIGINT", "customer_id HUGEINT");
        db.execute_batch(&format!("{integer}; INSERT INTO memory.temp.stg_customers VALUES {ALICE};")).unwrap();
        assert_eq!(run(&db, &project, "stg_customers"), []);

        let db = database();
        let dated = CUSTOMERS.replace("created_at TIMESTAMP", "created_at DATE");
        db.execute_batch(&dated).unwrap();
        let found = run(&db, &project, "stg_customers");
        assert_eq!(codes(&found), ["CHK001"]);
        assert_eq!(found[0].json_path.as_deref(), Some("models[0].column_mapping[8].type"));
        assert!(found[0].message.contains("`created_at` is DATE"), "{}", found[0].message);
    }

    const FACT: &str = "CREATE TABLE memory.analytics.fact_customer_orders (customer_id BIGINT, order_count BIGINT, \
        total_spent_usd DECIMAL(38,9), aov_usd DECIMAL(38,9), total_refund_usd DECIMAL(38,9), \
        first_order_ts TIMESTAMP WITH TIME ZONE, last_order_ts TIMESTAMP, open_tickets HUGEINT, closed_tickets HUGEINT)";

    #[test]
    fn aggregate_models_check_metrics_and_group_by_columns() {
        let (project, db) = (project(), database());
        db.execute_batch(&format!(
            "{FACT}; INSERT INTO memory.analytics.fact_customer_orders VALUES \
             (1, 2, 10.5, 5.25, 0, TIMESTAMPTZ '2024-01-01 00:00:00+00', TIMESTAMP '2024-02-01', 1, 0)"
        ))
        .unwrap();
        // A HUGEINT sum is what DuckDB makes of SUM(INT64): not a type difference.
        assert_eq!(run(&db, &project, "fact_customer_orders"), []);

        let db = database();
        let changed = FACT
            .replace("customer_id BIGINT", "customer_id VARCHAR")
            .replace("total_spent_usd DECIMAL(38,9)", "total_spent_usd DOUBLE");
        db.execute_batch(&format!(
            "{changed}; INSERT INTO memory.analytics.fact_customer_orders VALUES \
             ('1', NULL, 10.5, 5.25, 0, NULL, NULL, 1, 0), ('2', NULL, 1, 1, 0, NULL, NULL, 1, 0)"
        ))
        .unwrap();
        let found = run(&db, &project, "fact_customer_orders");
        let got: Vec<(&str, &str)> =
            found.iter().map(|f| (f.code.as_str(), f.json_path.as_deref().unwrap_or_default())).collect();
        // Translated BigQuery code: DuckDB's DOUBLE may be BigQuery's NUMERIC (AVG, division),
        // so only the VARCHAR key is a type difference.
        let translated: Vec<&str> =
            run_as(&db, &project, "fact_customer_orders", true).iter().map(|f| f.code.as_str()).collect();
        assert_eq!(translated, ["CHK003", "CHK001"]);
        // Sorted by place in the spec: `group_by` is written after the aggregations.
        assert_eq!(
            got,
            [
                ("CHK003", "models[4].aggregations[0].tests[0]"),
                ("CHK001", "models[4].aggregations[1].type"),
                ("CHK001", "models[4].group_by[0]"),
            ]
        );
        assert!(found[0].message.contains("2 rows"), "{}", found[0].message);
    }

    /// The example with extra tests on stg_orders' columns.
    fn with_tests(tests: &[(usize, &str)]) -> Project {
        let mut project = project();
        let orders = index(&project, "stg_orders");
        for (column, test) in tests {
            project.spec.spec.models[orders].column_mapping[*column].tests.push(test.to_string());
        }
        project
    }

    const ORDERS: &str = "CREATE TABLE memory.temp.stg_orders (order_id BIGINT, customer_id BIGINT, \
        order_ts TIMESTAMP, amount_usd DECIMAL(38,9), items HUGEINT, refund_usd DECIMAL(38,9));
        INSERT INTO memory.temp.stg_orders VALUES
        (10, 1, TIMESTAMP '2024-01-01', 20, 2, NULL),
        (11, 2, TIMESTAMP '2024-01-02', 5, 1, 6),
        (12, 9, NULL, NULL, -1, NULL),
        (13, 8, NULL, 7, 0, 0);";

    #[test]
    fn relationships_ranges_and_expressions() {
        let project = with_tests(&[
            (1, "relationships(stg_customers.customer_id)"),
            (4, "accepted_range(0, )"),
            (4, "accepted_range(, 1)"),
            (5, "expression(IFNULL(refund_usd, 0) <= amount_usd)"),
        ]);
        let db = database();
        customers(&db, &[ALICE, BOB, CAROL]);
        db.execute_batch(ORDERS).unwrap();
        let found = run(&db, &project, "stg_orders");
        let got: Vec<(&str, &str)> =
            found.iter().map(|f| (f.code.as_str(), f.json_path.as_deref().unwrap_or_default())).collect();
        assert_eq!(
            got,
            [
                ("CHK006", "models[1].column_mapping[1].tests[0]"),
                ("CHK007", "models[1].column_mapping[4].tests[0]"),
                ("CHK007", "models[1].column_mapping[4].tests[1]"),
                ("CHK008", "models[1].column_mapping[5].tests[0]"),
            ]
        );
        // Customers 8 and 9 are missing from stg_customers.
        assert!(found[0].message.contains("2 rows"), "{}", found[0].message);
        assert!(found[0].help.as_deref().unwrap_or_default().contains("12       | 9"), "{:?}", found[0].help);
        assert!(found[1].message.contains("at least 0") && found[1].message.contains("1 row"), "{}", found[1].message);
        assert!(found[2].message.contains("at most 1") && found[2].message.contains("1 row"), "{}", found[2].message);
        // Order 11 refunds more than it cost; order 12 has no amount, so the expression is
        // NULL, which is not true.
        assert!(found[3].message.contains("2 rows"), "{}", found[3].message);
        let help = found[3].help.as_deref().unwrap_or_default();
        assert!(help.contains("order_id | refund_usd  | amount_usd"), "{help}");
        assert!(help.contains("12       | NULL        | NULL"), "{help}");
    }

    #[test]
    fn listed_values_are_bigquery_literals_and_nulls_pass() {
        let mut project = project();
        let stage = &mut project.spec.spec.models[0].column_mapping[3];
        stage.tests = vec![r#"accepted_values("active", 'churned', NULL)"#.into()];
        let db = database();
        customers(&db, &[ALICE, BOB]);
        assert_eq!(run(&db, &project, "stg_customers"), []);
        let db = database();
        customers(&db, &[ALICE, BOB, CAROL]);
        let found = run(&db, &project, "stg_customers");
        assert_eq!(codes(&found), ["CHK005"]);
        assert!(found[0].message.contains("('active', 'churned')"), "{}", found[0].message);
    }

    #[test]
    fn odd_column_names_are_quoted() {
        let mut project = project();
        let name = r#"life "cycle" stage"#;
        project.spec.spec.models[0].column_mapping[3].target_column = name.into();
        project.spec.spec.models[0].column_mapping[3].tests.push("unique".into());
        let db = database();
        let table = CUSTOMERS.replace("lifecycle_stage VARCHAR", r#""life ""cycle"" stage" VARCHAR"#);
        let dave = "(4, NULL, NULL, 'inactive', NULL, NULL, NULL, NULL, NULL)";
        let erin = "(5, NULL, NULL, 'inactive', NULL, NULL, NULL, NULL, NULL)";
        db.execute_batch(&format!("{table}; INSERT INTO memory.temp.stg_customers VALUES {ALICE}, {dave}, {erin};"))
            .unwrap();
        let found = run(&db, &project, "stg_customers");
        let mut got = codes(&found);
        got.sort();
        assert_eq!(got, ["CHK004", "CHK005"]);
        assert!(found.iter().all(|f| f.message.contains(name) && f.message.contains("2 rows")), "{found:?}");
    }

    #[test]
    fn a_test_duckdb_cannot_run_is_a_finding_not_a_pass() {
        let project = with_tests(&[(2, "accepted_range(0, 10)")]);
        let db = database();
        db.execute_batch(ORDERS).unwrap();
        db.execute_batch("ALTER TABLE memory.temp.stg_orders ALTER order_ts TYPE VARCHAR").unwrap();
        db.execute_batch("UPDATE memory.temp.stg_orders SET order_ts = 'yesterday' WHERE order_id = 10").unwrap();
        let found = run(&db, &project, "stg_orders");
        let range: Vec<&Finding> = found.iter().filter(|f| f.code == Code::TestRangeFailed).collect();
        assert_eq!(range.len(), 1, "{found:?}");
        assert!(range[0].message.contains("could not check"), "{}", range[0].message);
    }

    // ----- SCD2 invariants -------------------------------------------------------------------

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
        let table = OutputTable {
            model,
            relation: relation(model),
            catalog: Some("memory".into()),
            translated_from_bigquery: false,
        };
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
