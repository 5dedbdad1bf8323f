//! Running shipped tests in the engine.
//!
//! A file with fixtures runs in a database of its own (in memory, sandboxed, with the run's
//! limits): every source table is created empty with its declared columns, the fixtures fill
//! theirs (a source by name, `INSERT … BY NAME`, so unnamed columns stay NULL; a model's or a
//! helper's table as the query makes it), then only the models the file's tests read run, with
//! what they need upstream, and the tests run last. A file without fixtures runs its tests on
//! the database the main run used (synthetic data, every model run).
//!
//! A file whose header names a CTE (`-- cte: <model>.<cte>`) gets that CTE materialised as a
//! table once its model's inputs are ready: the model's WITH clause up to and including the
//! CTE, then `SELECT * FROM <cte>`. Its tests read it by the CTE's bare name, which is rewritten
//! to the table (`main.specproof_cte_<n>_<cte>`, unique per file so files can run side by side).
//!
//! Every statement goes through the dialect bridge, as model code does, and every query runs
//! under the engine's time limit. A test that fails is TST001 with its first failing rows; one
//! that cannot run is TST002 with DuckDB's message, and the file's other tests still run.

use super::lint::test_reads;
use super::read::{is_values, name_parts, resolve, StatementKind, Suite, TableTarget, TestFile, TestStatement};
use crate::check::output::{Failing, SHOWN_ROWS};
use crate::engine::{Engine, EngineConfig, RunError};
use crate::finding::{sort_findings, Code, Finding};
use crate::meter::Meter;
use crate::project::layout::Project;
use crate::run::models::run_models_checked;
use crate::run::options::RunOptions;
use crate::run::plan::{qualify, Plan};
use crate::sql::bridge::{expr_to_duckdb, to_duckdb, BridgeOptions};
use crate::sql::quote_ident as quote;
use crate::synth::{load, synthesize, Dataset, SynthOptions};
use rayon::prelude::*;
use sqlparser::ast::{
    BinaryOperator, Expr, Ident, ObjectName, ObjectNamePart, Query, Statement, UnaryOperator, VisitMut, VisitorMut,
};
use std::ops::ControlFlow;

/// The database the main run used, and the models that ran on it.
#[derive(Debug, Clone, Copy)]
pub struct MainRun<'a> {
    /// The engine, after [`crate::run::models::run_models`].
    pub engine: &'a Engine,
    /// The models that ran and succeeded.
    pub done: &'a [String],
}

/// Which files of a suite a call of [`run_suite`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Files {
    /// Every file.
    All,
    /// The files with fixtures: they read nothing of a main run, so they can run beside it.
    WithFixtures,
    /// The files without fixtures, which read the main run's tables.
    OnMain,
}

/// Runs the `files` of `suite`, in parallel: files with fixtures each in a fresh database, the
/// others on `main` (skipped when there is none). Returns the findings (TST001, TST002), sorted.
pub fn run_suite(
    plan: &Plan<'_>,
    suite: &Suite,
    options: &RunOptions,
    main: Option<MainRun<'_>>,
    files: Files,
) -> Vec<Finding> {
    let wanted = |f: &TestFile| match files {
        Files::All => true,
        Files::WithFixtures => f.has_fixtures(),
        Files::OnMain => !f.has_fixtures(),
    };
    let runnable: Vec<(usize, &TestFile)> =
        suite.files.iter().enumerate().filter(|(_, f)| wanted(f) && f.tests().next().is_some()).collect();
    if runnable.is_empty() {
        return Vec::new();
    }
    let empty = runnable.iter().any(|(_, f)| f.has_fixtures()).then(|| empty_sources(plan.project, &options.synth));
    let source = main.and_then(|m| m.engine.worker_source().ok());
    // The engine itself is not `Sync`: workers reach it only through `source`.
    let done = main.map(|m| m.done);
    let mut findings: Vec<Finding> = runnable
        .par_iter()
        .map_init(
            || source.as_ref().map(|s| s.worker()),
            |worker, &(n, file)| {
                let ctx = FileRun { plan, project: plan.project, file, n };
                if file.has_fixtures() {
                    let empty = empty.as_ref().expect("built when a file has fixtures");
                    return ctx.run_alone(empty, options);
                }
                match (worker, done) {
                    (Some(Ok(engine)), Some(done)) => ctx.evaluate(engine, done),
                    (Some(Err(error)), _) => ctx.not_run_all(&format!("no database connection: {error}")),
                    _ => Vec::new(),
                }
            },
        )
        .flatten()
        .collect();
    sort_findings(&mut findings);
    findings
}

/// Every source table with its declared columns and no rows.
fn empty_sources(project: &Project, synth: &SynthOptions) -> Dataset {
    let options = SynthOptions { rows: 1, ..*synth };
    let mut dataset = synthesize(&project.spec, &project.catalog, &options);
    for table in &mut dataset.tables {
        table.rows = 0;
        for column in &mut table.columns {
            column.values.clear();
        }
    }
    dataset
}

/// One file being run.
struct FileRun<'a> {
    plan: &'a Plan<'a>,
    project: &'a Project,
    file: &'a TestFile,
    /// The file's index, for names that must not meet another file's.
    n: usize,
}

impl FileRun<'_> {
    fn spec(&self) -> &crate::spec::model::Spec {
        &self.project.spec.spec
    }

    fn target(&self, parts: &[String]) -> TableTarget {
        resolve(self.spec(), &self.project.catalog, self.file.cte.as_ref(), parts)
    }

    /// TST002 for the file's tests, none of which could run for one reason: one finding at the
    /// first test, counting the others (a cascade is one line per file, not one per test).
    fn not_run_all(&self, why: &str) -> Vec<Finding> {
        let tests: Vec<&TestStatement> = self.file.tests().collect();
        tests.first().map(|first| not_run_counted(first, why, tests.len() - 1)).into_iter().collect()
    }

    /// Runs a file with fixtures in a database of its own.
    fn run_alone(&self, empty: &Dataset, options: &RunOptions) -> Vec<Finding> {
        // A database of the file's own, in memory whatever `--db` says: files run side by side.
        let config = EngineConfig { db_path: None, ..options.engine.clone() };
        let engine = match Engine::open(&config) {
            Ok(engine) => engine,
            Err(error) => return self.not_run_all(&format!("cannot open a database for this file: {error}")),
        };
        let spec = self.spec();
        let mut schemas = self.plan.schemas.clone();
        for statement in &self.file.statements {
            if let StatementKind::Fixture { name, .. } = &statement.kind {
                if let [schema, _] = name.as_slice() {
                    schemas.push(schema.clone());
                }
            }
        }
        schemas.sort();
        schemas.dedup();
        let schema_refs: Vec<&str> = schemas.iter().map(String::as_str).collect();
        if let Err(error) = engine.create_schemas(&schema_refs) {
            return self.not_run_all(&format!("cannot create the schemas: {error}"));
        }
        if let Err(error) = load(empty, engine.connection(), Some(engine.catalog())) {
            return self.not_run_all(&format!("cannot create the source tables: {error}"));
        }
        if let Err(error) = engine.set_run_time(&options.run_time) {
            return self.not_run_all(&format!("cannot set the run time: {error}"));
        }
        let catalog = engine.catalog().to_string();
        let mut given: Vec<usize> = Vec::new();
        for statement in &self.file.statements {
            let StatementKind::Fixture { name, query } = &statement.kind else { continue };
            let sql = match self.translate_query(query, &catalog, &[]) {
                Ok(sql) => sql,
                Err(why) => return self.fixture_failed(statement, &why),
            };
            let script = match resolve(spec, &self.project.catalog, None, name) {
                TableTarget::Source(key) => {
                    let relation = qualify(&catalog, &key);
                    let insert = if is_values(query) {
                        format!("INSERT INTO {relation} {sql}")
                    } else {
                        format!("INSERT INTO {relation} BY NAME SELECT * FROM ({sql})")
                    };
                    format!("DELETE FROM {relation};\n{insert};")
                }
                TableTarget::Model(i) => {
                    given.push(i);
                    let relation = self.plan.relation(&catalog, i).unwrap_or_else(|| qualify(&catalog, ""));
                    format!("CREATE OR REPLACE TABLE {relation} AS {sql};")
                }
                TableTarget::Cte | TableTarget::Other(_) => {
                    let table = match name.as_slice() {
                        [schema, table] => format!("{schema}.{table}"),
                        _ => format!("main.{}", name.last().cloned().unwrap_or_default()),
                    };
                    format!("CREATE OR REPLACE TABLE {} AS {sql};", qualify(&catalog, &table))
                }
            };
            if let Err(error) = engine.execute(&script) {
                return self.fixture_failed(statement, &error.message);
            }
        }
        let mut needed: Vec<usize> = self
            .file
            .tests()
            .flat_map(|t| test_reads(&t.kind))
            .filter_map(|parts| match self.target(&parts) {
                TableTarget::Model(i) => Some(i),
                _ => None,
            })
            .collect();
        if let Some(cte) = &self.file.cte {
            if let Some(mi) = spec.model_index(&cte.model) {
                needed.extend(self.plan.models[mi].upstream.iter().copied());
            }
        }
        needed.sort_unstable();
        needed.dedup();
        // Without the models' own output checks: they would judge the fixture's rows, not the
        // spec's data; only the tests' verdicts are reported here.
        let done = match run_models_checked(&engine, self.plan, Some(&needed), &given, None, &Meter::default()) {
            Ok(run) => run.done,
            Err(error) => return self.not_run_all(&format!("the models could not run: {error}")),
        };
        let mut done = done;
        done.extend(given.iter().map(|&i| spec.models[i].name.clone()));
        self.evaluate(&engine, &done)
    }

    fn fixture_failed(&self, fixture: &TestStatement, why: &str) -> Vec<Finding> {
        let mut findings =
            vec![Finding::new(Code::ShippedTestNotRun, format!("the fixture could not be loaded: {why}"))
                .at(fixture.location.clone())];
        findings.extend(self.not_run_all("a fixture of this file could not be loaded"));
        findings
    }

    /// Runs the file's tests on `engine`, where the models `done` have their tables.
    fn evaluate(&self, engine: &Engine, done: &[String]) -> Vec<Finding> {
        let catalog = engine.catalog().to_string();
        let mut findings = Vec::new();
        let cte_relation = match &self.file.cte {
            Some(cte) => match self.materialise_cte(engine, &catalog, done) {
                Ok(relation) => Some(relation),
                Err(why) => {
                    // Every test of the file reads the CTE: this one finding stands for them all.
                    let tests = self.file.tests().count();
                    let why = format!(
                        "the CTE `{}` of `{}` could not be made: {why}{}",
                        cte.cte,
                        cte.model,
                        match tests {
                            0 => String::new(),
                            n => format!(" ({} of this file not run)", crate::finding::plural(n, "test")),
                        }
                    );
                    findings.push(Finding::new(Code::ShippedTestNotRun, why).at(cte.location.clone()));
                    None
                }
            },
            None => None,
        };
        // Tests that cannot run because a model they read did not: one finding per model, at
        // the first such test, counting the others.
        let mut upstream_missing: Vec<(String, Option<String>, &TestStatement, usize)> = Vec::new();
        let held = self.tests_that_hold(engine, &catalog, done, cte_relation.as_deref());
        for (t, test) in self.file.tests().enumerate() {
            let reads: Vec<TableTarget> = test_reads(&test.kind).iter().map(|p| self.target(p)).collect();
            let model = reads.iter().find_map(|r| match r {
                TableTarget::Model(i) => Some(self.spec().models[*i].name.clone()),
                TableTarget::Cte => self.file.cte.as_ref().map(|c| c.model.clone()),
                _ => None,
            });
            let missing = self.missing_read(&reads, done, cte_relation.is_some());
            // The CTE's own finding already stands for the tests that read it.
            let cte_failed = cte_relation.is_none() && reads.iter().any(|r| matches!(r, TableTarget::Cte));
            let mut found = match missing {
                Some(_) if cte_failed => Vec::new(),
                Some(why) => {
                    match upstream_missing.iter_mut().find(|(w, _, _, _)| *w == why) {
                        Some(entry) => entry.3 += 1,
                        None => upstream_missing.push((why, model.clone(), test, 0)),
                    }
                    Vec::new()
                }
                None if held.contains(&t) => Vec::new(),
                None => self.run_test(engine, &catalog, test, cte_relation.as_deref()),
            };
            if let Some(model) = &model {
                for f in &mut found {
                    f.model = Some(model.clone());
                }
            }
            findings.extend(found);
        }
        for (why, model, first, others) in upstream_missing {
            let mut finding = not_run_counted(first, &why, others);
            finding.model = model;
            findings.push(finding);
        }
        findings
    }

    /// Creates the header's CTE as a table and returns its SQL name.
    fn materialise_cte(&self, engine: &Engine, catalog: &str, done: &[String]) -> Result<Vec<String>, String> {
        let Some(cte) = &self.file.cte else { return Err("no header".into()) };
        let spec = self.spec();
        if let Some(mi) = spec.model_index(&cte.model) {
            if let Some(&d) = self.plan.models[mi].upstream.iter().find(|&&d| !done.contains(&spec.models[d].name)) {
                return Err(format!("its input model `{}` did not run", spec.models[d].name));
            }
        }
        let code = self
            .plan
            .code
            .models
            .iter()
            .find(|m| m.model == cte.model)
            .ok_or_else(|| format!("model `{}` has no code file", cte.model))?;
        let statements = code.statements.as_ref().ok_or("the model's code does not parse (see its findings)")?;
        let query = statements
            .iter()
            .find_map(|s| match s {
                Statement::Query(q) => Some(q),
                _ => None,
            })
            .ok_or("the model's code has no query")?;
        let with = query.with.as_ref().ok_or("the model's query has no WITH clause")?;
        let at = with.cte_tables.iter().position(|c| c.alias.name.value.eq_ignore_ascii_case(&cte.cte)).ok_or_else(
            || {
                let names: Vec<&str> = with.cte_tables.iter().map(|c| c.alias.name.value.as_str()).collect();
                format!("the model's query has no CTE `{}` (it has {})", cte.cte, names.join(", "))
            },
        )?;
        let mut cut = query.as_ref().clone();
        if let Some(with) = cut.with.as_mut() {
            with.cte_tables.truncate(at + 1);
        }
        let select = format!("SELECT * FROM {}", quote(&with.cte_tables[at].alias.name.value));
        let body = crate::sql::parse::parse_statements(&select, crate::spec::model::Dialect::Duckdb)
            .ok()
            .and_then(|mut s| s.pop())
            .and_then(|s| match s {
                Statement::Query(q) => Some(q.body),
                _ => None,
            })
            .ok_or("cannot build the CTE's query")?;
        cut.body = body;
        cut.order_by = None;
        cut.limit_clause = None;
        let mut statements = vec![Statement::Query(Box::new(cut))];
        let untranslatable =
            to_duckdb(&mut statements, &BridgeOptions { from: code.dialect, catalog: Some(catalog.into()) });
        if let Some(problem) = untranslatable.first() {
            return Err(problem.message.clone());
        }
        let name = vec![
            catalog.to_string(),
            "main".to_string(),
            format!("specproof_cte_{}_{}", self.n, cte.cte.to_lowercase()),
        ];
        let relation = name.iter().map(|p| quote(p)).collect::<Vec<_>>().join(".");
        engine.execute(&format!("CREATE OR REPLACE TABLE {relation} AS {}", statements[0])).map_err(|e| e.message)?;
        Ok(name)
    }

    /// A query of the file as DuckDB runs it: bridged from the file's dialect, schema names
    /// qualified with the database, bare names of models and of the header's CTE made full.
    fn translate_query(&self, query: &Query, catalog: &str, cte: &[String]) -> Result<String, String> {
        let mut statements = vec![Statement::Query(Box::new(query.clone()))];
        self.bridge(&mut statements, catalog, cte)?;
        Ok(statements[0].to_string())
    }

    fn bridge(&self, statements: &mut [Statement], catalog: &str, cte: &[String]) -> Result<(), String> {
        let options = BridgeOptions { from: self.file.dialect, catalog: Some(catalog.to_string()) };
        let problems = to_duckdb(statements, &options);
        if let Some(problem) = problems.first() {
            return Err(format!("no faithful DuckDB translation: {}", problem.message));
        }
        let mut names = BareNames { run: self, catalog, cte, local: Vec::new() };
        for statement in statements.iter_mut() {
            let _ = statement.visit(&mut names);
        }
        Ok(())
    }

    /// The tests (by their index in the file) found to hold by one query over all the file's
    /// runnable tests: an ASSERT whose condition is true, a singular test whose query returns
    /// no row (counted as [`failing_rows`] counts it). A statement per test was most of a test
    /// file's time. The others, and all of them when that query fails (or runs out of time), run
    /// one by one, which says which one and why.
    fn tests_that_hold(&self, engine: &Engine, catalog: &str, done: &[String], cte: Option<&[String]>) -> Vec<usize> {
        let conditions: Vec<(usize, String)> = self
            .file
            .tests()
            .enumerate()
            .filter(|(_, test)| {
                let reads: Vec<TableTarget> = test_reads(&test.kind).iter().map(|p| self.target(p)).collect();
                self.missing_read(&reads, done, cte.is_some()).is_none()
            })
            .filter_map(|(t, test)| {
                let cte = cte.unwrap_or(&[]);
                let condition = match &test.kind {
                    StatementKind::Singular(query) => {
                        let sql = self.translate_query(query, catalog, cte).ok()?;
                        format!("(SELECT count(*) FROM ({sql}) AS specproof_rows) = 0")
                    }
                    _ => self.assert_condition(test, catalog, cte)?.ok()?.to_string(),
                };
                Some((t, condition))
            })
            .collect();
        if conditions.len() < 2 {
            return Vec::new();
        }
        // A row per test, not a column each: DuckDB plans the uncorrelated subqueries of one
        // SELECT as a cross product of them, and its join order optimizer took 20 ms over ten
        // such ASSERTs against 2 ms for the same conditions as a UNION ALL.
        let branches = conditions.iter().enumerate().map(|(i, (_, c))| format!("SELECT {i} AS n, ({c}) AS ok"));
        let Ok(rows) = engine.query_rows(&branches.collect::<Vec<_>>().join("\nUNION ALL ")) else {
            return Vec::new();
        };
        let mut held: Vec<usize> = rows
            .iter()
            .filter(|row| matches!(row.get(1), Some(Some(v)) if v == "true"))
            .filter_map(|row| conditions.get(row.first()?.as_deref()?.parse::<usize>().ok()?).map(|(t, _)| *t))
            .collect();
        held.sort_unstable();
        held
    }

    /// Why a test reading `reads` cannot run: a model it reads did not run, or it reads the
    /// header's CTE and that could not be made (`cte_made` false).
    fn missing_read(&self, reads: &[TableTarget], done: &[String], cte_made: bool) -> Option<String> {
        reads.iter().find_map(|r| match r {
            TableTarget::Model(i) if !done.contains(&self.spec().models[*i].name) => {
                Some(format!("model `{}` did not run (see its findings)", self.spec().models[*i].name))
            }
            TableTarget::Cte if !cte_made => Some("its CTE could not be made".to_string()),
            _ => None,
        })
    }

    /// An ASSERT's condition as DuckDB runs it (`None` for another kind of test), or why it has
    /// no faithful translation.
    fn assert_condition(&self, test: &TestStatement, catalog: &str, cte: &[String]) -> Option<Result<Expr, String>> {
        let StatementKind::Assert { condition, .. } = &test.kind else { return None };
        let mut translated = condition.as_ref().clone();
        let options = BridgeOptions { from: self.file.dialect, catalog: Some(catalog.to_string()) };
        if let Some(problem) = expr_to_duckdb(&mut translated, &options).first() {
            return Some(Err(format!("no faithful DuckDB translation: {}", problem.message)));
        }
        let mut names = BareNames { run: self, catalog, cte, local: Vec::new() };
        let _ = translated.visit(&mut names);
        Some(Ok(translated))
    }

    fn run_test(&self, engine: &Engine, catalog: &str, test: &TestStatement, cte: Option<&[String]>) -> Vec<Finding> {
        let cte = cte.unwrap_or(&[]);
        let title = test.title().map(|t| format!("`{t}`")).unwrap_or_else(|| "shipped test".to_string());
        match &test.kind {
            StatementKind::Assert { condition, .. } => {
                let translated = match self.assert_condition(test, catalog, cte) {
                    Some(Ok(translated)) => translated,
                    Some(Err(why)) => return vec![not_run(test, &why)],
                    None => return Vec::new(),
                };
                let rows = match engine.query_rows(&format!("SELECT ({translated}) AS specproof_ok")) {
                    Ok(result) => result,
                    Err(error) => return vec![could_not_run(test, &error)],
                };
                let value = rows.first().and_then(|r| r.first()).cloned().flatten();
                if value.as_deref() == Some("true") {
                    return Vec::new();
                }
                let verdict = if value.is_none() { "is NULL" } else { "is false" };
                let message = format!("{title} failed: the ASSERT condition {verdict}");
                let mut finding = Finding::new(Code::ShippedTestFailed, message).at(test.location.clone());
                finding.help = explain_assert(engine, condition, &translated);
                vec![finding]
            }
            StatementKind::Singular(query) => {
                let sql = match self.translate_query(query, catalog, cte) {
                    Ok(sql) => sql,
                    Err(why) => return vec![not_run(test, &why)],
                };
                match failing_rows(engine, &sql) {
                    Err(error) => vec![could_not_run(test, &error)],
                    Ok(None) => Vec::new(),
                    Ok(Some(failing)) => {
                        let rows =
                            if failing.count == 1 { "1 row".to_string() } else { format!("{} rows", failing.count) };
                        let message = format!("{title} failed: the query returned {rows}, and every row is a failure");
                        vec![Finding::new(Code::ShippedTestFailed, message)
                            .at(test.location.clone())
                            .help(failing.table())]
                    }
                }
            }
            StatementKind::Fixture { .. } | StatementKind::Other(_) => Vec::new(),
        }
    }
}

/// Rewrites one-part table names: the header's CTE to its table, a model to its full name.
/// Names of the query's own CTEs are left alone.
struct BareNames<'a> {
    run: &'a FileRun<'a>,
    catalog: &'a str,
    cte: &'a [String],
    local: Vec<String>,
}

impl VisitorMut for BareNames<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            self.local.extend(with.cte_tables.iter().map(|c| c.alias.name.value.to_lowercase()));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        let parts = name_parts(relation);
        let [name] = parts.as_slice() else { return ControlFlow::Continue(()) };
        if self.local.contains(&name.to_lowercase()) {
            return ControlFlow::Continue(());
        }
        let full: Vec<String> = match self.run.target(&parts) {
            TableTarget::Cte if !self.cte.is_empty() => self.cte.to_vec(),
            TableTarget::Model(i) => {
                let Some(table) = self.run.plan.models[i].table.as_deref() else {
                    return ControlFlow::Continue(());
                };
                std::iter::once(self.catalog.to_string()).chain(table.split('.').map(str::to_string)).collect()
            }
            _ => return ControlFlow::Continue(()),
        };
        relation.0 = full.into_iter().map(|p| ObjectNamePart::Identifier(Ident::with_quote('"', p))).collect();
        ControlFlow::Continue(())
    }
}

/// TST002 for a test, with why.
fn not_run(test: &TestStatement, why: &str) -> Finding {
    Finding::new(Code::ShippedTestNotRun, format!("the test could not run: {why}")).at(test.location.clone())
}

/// TST002 for `test` and `others` more tests of its file that could not run for the same reason.
fn not_run_counted(test: &TestStatement, why: &str, others: usize) -> Finding {
    let mut finding = not_run(test, why);
    if others > 0 {
        finding.message.push_str(&format!(
            " (and {} of this file, for the same reason)",
            crate::finding::plural(others, "more test")
        ));
    }
    finding
}

/// TST002 for a test DuckDB could not run; the run error's kind (time limit, sandbox) is kept
/// in the words.
fn could_not_run(test: &TestStatement, error: &RunError) -> Finding {
    not_run(test, &error.message)
}

/// The rows of `sql`, when it has any: how many, and the first [`SHOWN_ROWS`] in a fixed order.
fn failing_rows(engine: &Engine, sql: &str) -> Result<Option<Failing>, RunError> {
    let count = engine.query_rows(&format!("SELECT count(*) AS specproof_n FROM ({sql}) AS specproof_rows"))?;
    let count: u64 = count.first().and_then(|r| r.first()).cloned().flatten().and_then(|c| c.parse().ok()).unwrap_or(0);
    if count == 0 {
        return Ok(None);
    }
    let (header, rows) =
        engine.query(&format!("SELECT * FROM ({sql}) AS specproof_rows ORDER BY ALL LIMIT {SHOWN_ROWS}"))?;
    let rows = rows.into_iter().map(|r| r.into_iter().map(|v| v.unwrap_or_else(|| "NULL".into())).collect()).collect();
    Ok(Some(Failing { count, header, rows }))
}

/// What a failed ASSERT looked at: the rows of `NOT EXISTS (…)`, or the values of both sides
/// of a comparison. `original` names the sides as the file wrote them.
fn explain_assert(engine: &Engine, original: &Expr, translated: &Expr) -> Option<String> {
    match (unnest(original), unnest(translated)) {
        (_, Expr::Exists { subquery, negated: true }) => rows_of(engine, subquery),
        (_, Expr::UnaryOp { op: UnaryOperator::Not, expr }) => match unnest(expr) {
            Expr::Exists { subquery, negated: false } => rows_of(engine, subquery),
            _ => None,
        },
        (Expr::BinaryOp { left: l0, right: r0, .. }, Expr::BinaryOp { left, op, right }) if is_comparison(op) => {
            let (_, rows) = engine.query(&format!("SELECT ({left}), ({right})")).ok()?;
            let row = rows.first()?;
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "NULL".into());
            let side = |e: &Expr| {
                let text = e.to_string();
                if text.chars().count() > 60 {
                    format!("{}…", text.chars().take(59).collect::<String>())
                } else {
                    text
                }
            };
            let (l, r) = (show(row.first()?), show(row.get(1)?));
            // A literal side needs no value: it is what the file says.
            Some(match (is_literal(l0), is_literal(r0)) {
                (false, true) => format!("`{}` is {l}", side(l0)),
                (true, false) => format!("`{}` is {r}", side(r0)),
                _ => format!("`{}` is {l}; `{}` is {r}", side(l0), side(r0)),
            })
        }
        _ => None,
    }
}

fn rows_of(engine: &Engine, query: &Query) -> Option<String> {
    failing_rows(engine, &query.to_string()).ok().flatten().map(|f| f.table())
}

fn is_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Value(_) => true,
        Expr::UnaryOp { expr, .. } | Expr::Nested(expr) => is_literal(expr),
        _ => false,
    }
}

fn unnest(expr: &Expr) -> &Expr {
    match expr {
        Expr::Nested(inner) => unnest(inner),
        other => other,
    }
}

fn is_comparison(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::lineage::check_project;
    use crate::project::code::ProjectTables;
    use crate::project::layout::{load_project, Overrides};
    use crate::suite::read::analyse_test_file;
    use crate::test_support::crate_root;

    fn run(text: &str) -> Vec<Finding> {
        let dir = crate_root().join("specs/customer360");
        let overrides = Overrides { spec: Some(dir.join("spec.corrected.json")), ..Default::default() };
        let project = load_project(&dir, &overrides).expect("example loads");
        let code = check_project(&project);
        let tables = ProjectTables::new(&project.spec.spec, &project.catalog);
        let suite = Suite { files: vec![analyse_test_file("tests/t.sql", text, &project, &tables)] };
        let options = RunOptions { run_time: "2024-06-30 12:00:00".into(), ..Default::default() };
        run_suite(&Plan::new(&project, &code), &suite, &options, None, Files::All)
    }

    #[test]
    fn a_fixture_file_runs_alone_and_only_its_failures_are_reported() {
        let found = run("CREATE TEMP TABLE raw.crm_customers AS (SELECT 7 AS customer_id, 'active' AS status);\n\
             ASSERT (SELECT lifecycle_stage FROM temp.stg_customers) = 'active' AS 'holds';\n\
             ASSERT (SELECT COUNT(*) FROM temp.stg_customers) = 2 AS 'does not hold';\n\
             SELECT customer_id FROM temp.stg_customers WHERE customer_id = 7;\n");
        let got: Vec<(Code, usize)> = found.iter().map(|f| (f.code, f.location.as_ref().unwrap().line)).collect();
        assert_eq!(got, [(Code::ShippedTestFailed, 3), (Code::ShippedTestFailed, 4)], "{found:#?}");
        assert_eq!(found[0].help.as_deref(), Some("`(SELECT COUNT(*) FROM temp.stg_customers)` is 1"));
        assert_eq!(found[1].help.as_deref(), Some("the failing row:\n    customer_id\n    -----------\n    7"));
    }

    #[test]
    fn a_broken_fixture_stops_its_file_with_reasons() {
        let found = run("CREATE TEMP TABLE raw.crm_customers AS (SELECT 1 AS no_such_column);\n\
             ASSERT (SELECT COUNT(*) FROM temp.stg_customers) = 1 AS 'x';\n");
        let got: Vec<(Code, usize)> = found.iter().map(|f| (f.code, f.location.as_ref().unwrap().line)).collect();
        assert_eq!(got, [(Code::ShippedTestNotRun, 1), (Code::ShippedTestNotRun, 2)]);
        assert!(found[0].message.contains("no_such_column"), "{}", found[0].message);
    }

    #[test]
    fn without_a_main_run_files_without_fixtures_wait() {
        assert_eq!(run("ASSERT (SELECT COUNT(*) FROM temp.stg_customers) = 1 AS 'x';\n"), []);
    }
}
