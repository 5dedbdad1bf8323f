//! Running a project: synthetic sources loaded, every model's translated code executed in
//! dependency order (independent models in parallel, one connection per worker), and each
//! output checked against the spec.
//!
//! A model whose code cannot run (it did not parse, a template could not be evaluated, a
//! construct has no faithful translation, or an upstream model failed) is skipped, and so is
//! everything downstream of it: their outputs would be judged on inputs that do not exist.

use super::history::{run_history, History, HistoryTarget};
use super::{Engine, EngineConfig, RunError};
use crate::check::lineage::CodeCheck;
use crate::check::output::{check_output, OutputTable};
use crate::finding::{Finding, Location};
use crate::project::layout::Project;
use crate::reference::Comparison;
use crate::spec::lint::graph::dependencies;
use crate::sql::bridge::{to_duckdb, BridgeOptions};
use crate::sql::code::{ModelCode, ProjectTables};
use crate::suite::run::{run_suite, MainRun};
use crate::suite::Suite;
use crate::synth::{load, SynthOptions};
use rayon::prelude::*;
use sqlparser::ast::{Spanned, Statement};

/// How to run a project.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The database settings.
    pub engine: EngineConfig,
    /// The synthetic data.
    pub synth: SynthOptions,
    /// The run time translated code reads for `CURRENT_TIMESTAMP`.
    pub run_time: String,
    /// Told how far a run has got; the library never prints, the caller decides how to show it.
    pub progress: Progress,
    /// Datasets searched in all, the first included (0 counts as 1).
    pub cases: usize,
    /// Shrink a dataset that shows a difference to a small counterexample.
    pub shrink: bool,
    /// Run the models without checking their output against the spec's tests (a shrinking
    /// probe only asks whether the output still differs from the reference).
    pub skip_output_checks: bool,
    /// Run only these models (by name) and the models they read, upstream; `None` runs every
    /// model. A changed-only run (`--changed-since`) sets it.
    pub only: Option<Vec<String>>,
}

/// How far a run has got: `done` of `total` units of work of the named stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What is being done (`running the models`, `running 3 datasets`, `shrinking counterexamples`).
    pub stage: String,
    /// Units done.
    pub done: usize,
    /// Units in all.
    pub total: usize,
}

/// A callback told of each [`Step`]; called from worker threads, so it must be cheap and
/// thread-safe. The default does nothing.
#[derive(Clone, Default)]
pub struct Progress(Option<ProgressFn>);

/// The callback a [`Progress`] holds.
type ProgressFn = std::sync::Arc<dyn Fn(&Step) + Send + Sync>;

impl Progress {
    /// A progress callback.
    pub fn new(report: impl Fn(&Step) + Send + Sync + 'static) -> Progress {
        Progress(Some(std::sync::Arc::new(report)))
    }

    /// Tells the callback, if there is one.
    pub fn step(&self, stage: &str, done: usize, total: usize) {
        if let Some(report) = &self.0 {
            report(&Step { stage: stage.to_string(), done, total });
        }
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Progress(callback)" } else { "Progress(none)" })
    }
}

/// What running a project produced.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    /// Findings from execution and the output checks, sorted.
    pub findings: Vec<Finding>,
    /// What the first dataset's run covered (the others run the same models).
    pub coverage: Coverage,
    /// Datasets searched (the first included).
    pub cases: usize,
    /// Regression tests in the shipped-test format, one per model that differs from its
    /// reference and whose counterexample could be written as one.
    pub fixtures: Vec<crate::prove::Fixture>,
}

/// What one run of the pipeline covered: the report's `checked:` line.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Models that ran, in the order they were started.
    pub ran: Vec<String>,
    /// Models not run, each with why.
    pub skipped: Vec<(String, String)>,
    /// Rows loaded into the source tables.
    pub rows_loaded: usize,
    /// SCD2 models whose history was run over [`super::history::RUNS`] runs.
    pub histories: Vec<String>,
    /// SCD2 models not checked because their source repeats natural keys (no defined history).
    pub undefined_histories: Vec<String>,
    /// Shipped test files run (see [`crate::suite`]).
    pub test_files_run: usize,
}

/// Runs the models of `project` whose code `code` holds, on synthetic data, then the shipped
/// tests of `suite` (those without fixtures on the same database, the others each in its own).
///
/// The first dataset is `options.synth`'s; [`RunOptions::cases`]` - 1` more, of the seeds that
/// follow, are searched in parallel for what the first one missed ([`crate::prove`]). A model
/// that differs from its reference result is reported once, shrunk to a counterexample a
/// person can read from the dataset that shows it on the fewest rows.
pub fn run_project(
    project: &Project,
    code: &CodeCheck,
    suite: Option<&Suite>,
    options: &RunOptions,
) -> crate::error::Result<RunOutcome> {
    crate::prove::search(project, code, suite, options)
}

/// One model's table differing from the spec's reference result on one dataset.
#[derive(Debug, Clone)]
pub struct Difference {
    /// The model's index in the spec.
    pub model: usize,
    /// How it differs.
    pub comparison: Comparison,
    /// For an SCD2 model, the run of its history after which it first differs.
    pub after_run: Option<usize>,
}

/// What running the pipeline on one dataset produced.
#[derive(Debug, Clone, Default)]
pub struct CaseRun {
    /// Findings from execution and the output checks (not the differences), unsorted.
    pub findings: Vec<Finding>,
    /// Models whose table differs from the reference result.
    pub differences: Vec<Difference>,
    /// What the run covered.
    pub coverage: Coverage,
}

/// Loads `dataset` into a fresh, sandboxed database, with every schema the project needs and
/// the run time set.
pub(crate) fn prepared_engine(
    project: &Project,
    config: &EngineConfig,
    dataset: &crate::synth::Dataset,
    run_time: &str,
) -> crate::error::Result<Engine> {
    let engine = Engine::open(config)?;
    let schemas = project_schemas(project);
    let schemas: Vec<&str> = schemas.iter().map(String::as_str).collect();
    engine.create_schemas(&schemas).map_err(crate::error::Error::Run)?;
    if let Err(error) = load(dataset, engine.connection(), Some(engine.catalog())) {
        // DuckDB's out-of-memory text runs to a dozen lines of advice; its first says it.
        let text = error.to_string();
        let first = text.lines().next().unwrap_or_default().trim_start_matches("duckdb: ");
        return Err(crate::error::Error::Run(RunError {
            kind: super::run_error::RunErrorKind::Failed,
            message: format!("loading {} synthetic rows failed: {first}", dataset.total_rows()),
        }));
    }
    engine.set_run_time(run_time).map_err(crate::error::Error::Run)?;
    Ok(engine)
}

/// Runs the pipeline on `dataset`: the models (`only` those and what they need,
/// when given), their checks, the reference comparison, the shipped tests of `suite`, and the
/// SCD2 histories.
pub(crate) fn run_case(
    project: &Project,
    code: &CodeCheck,
    suite: Option<&Suite>,
    options: &RunOptions,
    dataset: &crate::synth::Dataset,
    only: Option<&[usize]>,
) -> crate::error::Result<(CaseRun, Engine)> {
    let spec = &project.spec.spec;
    let engine = prepared_engine(project, &options.engine, dataset, &options.run_time)?;
    let catalog_name = engine.catalog().to_string();
    let mut outcome = CaseRun::default();
    outcome.coverage.rows_loaded = dataset.total_rows();

    // A probe's own model, else the changed-only run's models.
    let only: Option<Vec<usize>> = only.map(<[usize]>::to_vec).or_else(|| {
        options.only.as_ref().map(|names| {
            spec.models.iter().enumerate().filter(|(_, m)| names.contains(&m.name)).map(|(i, _)| i).collect()
        })
    });
    let only = only.as_deref();
    let models = run_models_checked(&engine, project, code, only, &[], !options.skip_output_checks)?;
    outcome.findings = models.findings;
    // Each model's output against what the spec says it must hold, on the same inputs (the
    // upstream tables this run produced, so a defect upstream is not counted again here).
    let wanted = |i: usize| only.is_none_or(|only| only.contains(&i));
    outcome.differences = differential(&engine, project, code, &models.done, &wanted)
        .into_iter()
        .map(|(model, comparison)| Difference { model, comparison, after_run: None })
        .collect();
    // A spec test the spec's own result breaks is about the spec, not the code.
    crate::prove::blame::blame_spec_tests(&engine, project, &mut outcome.findings);
    // The shipped tests read the state after the pipeline's run, before any history run.
    if let Some(suite) = suite {
        let main = MainRun { engine: &engine, done: &models.done };
        outcome.findings.extend(run_suite(project, code, suite, options, Some(main)));
        outcome.coverage.test_files_run = suite.files.iter().filter(|f| f.tests().next().is_some()).count();
    }
    // SCD2 models keep history over runs: run each again on changed snapshots, one at a time
    // (they change their source tables), after everything else has been checked.
    let tables = ProjectTables::new(spec, &project.catalog);
    for (i, model) in spec.models.iter().enumerate() {
        if model.constraints.scd_type != Some(2) || !models.done.contains(&model.name) || !wanted(i) {
            continue;
        }
        let Some(code) = code.models.iter().find(|m| m.model == model.name) else { continue };
        let (Some(statements), Some(relation), Some(source)) = (
            runnable(code, &catalog_name),
            tables.model_table(&model.name).map(|t| qualify(&catalog_name, &t)),
            model.sources.first().and_then(|s| relation_for(&tables, &catalog_name, s)),
        ) else {
            continue;
        };
        let target = HistoryTarget {
            index: i,
            code,
            statements: &statements,
            relation,
            source,
            catalog: catalog_name.clone(),
            turn: options.synth.seed,
        };
        match run_history(&engine, project, &target, &options.run_time, &execute) {
            History::Checked { findings, difference } => {
                outcome.findings.extend(findings);
                if let Some((run, comparison)) = difference {
                    outcome.differences.push(Difference { model: i, comparison, after_run: Some(run) });
                }
                outcome.coverage.histories.push(model.name.clone());
            }
            History::Undefined => outcome.coverage.undefined_histories.push(model.name.clone()),
        }
    }
    outcome.coverage.ran = models.ran;
    outcome.coverage.skipped = models.skipped;
    Ok((outcome, engine))
}

/// What running the models on a loaded database produced.
#[derive(Debug, Clone, Default)]
pub struct ModelsRun {
    /// Findings from execution and the output checks, unsorted.
    pub findings: Vec<Finding>,
    /// Models that ran (successfully or not), in the order they were started.
    pub ran: Vec<String>,
    /// Models that ran and succeeded.
    pub done: Vec<String>,
    /// Models not run, each with why.
    pub skipped: Vec<(String, String)>,
}

/// Runs the models of `project` on `engine`, whose source tables and run time are set, in
/// dependency order: every model whose upstream models are done runs in the same wave, in
/// parallel, one connection per worker. `only` limits the run to those models (spec indexes)
/// and whatever they need upstream. Each output is checked against the spec.
pub fn run_models(
    engine: &Engine,
    project: &Project,
    code: &CodeCheck,
    only: Option<&[usize]>,
) -> crate::error::Result<ModelsRun> {
    run_models_with(engine, project, code, only, &[])
}

/// [`run_models`] where the models `given` (spec indexes) already have their tables (a shipped
/// test's fixtures filled them): they count as done, are not run or checked, and what is
/// upstream of them only is not needed.
pub fn run_models_with(
    engine: &Engine,
    project: &Project,
    code: &CodeCheck,
    only: Option<&[usize]>,
    given: &[usize],
) -> crate::error::Result<ModelsRun> {
    run_models_checked(engine, project, code, only, given, true)
}

/// [`run_models_with`], checking each output against the spec only when `check`.
pub(crate) fn run_models_checked(
    engine: &Engine,
    project: &Project,
    code: &CodeCheck,
    only: Option<&[usize]>,
    given: &[usize],
    check: bool,
) -> crate::error::Result<ModelsRun> {
    let spec = &project.spec.spec;
    let catalog_name = engine.catalog().to_string();
    let mut outcome = ModelsRun::default();
    let tables = ProjectTables::new(spec, &project.catalog);
    let deps = dependencies(spec, &project.catalog);
    let by_model = |name: &str| code.models.iter().find(|m| m.model == name);
    let mut state: Vec<State> = vec![State::Waiting; spec.models.len()];
    for &g in given {
        if let Some(s) = state.get_mut(g) {
            *s = State::Done;
        }
    }
    if let Some(only) = only {
        let needed = upstream_closure(&deps, only, given);
        for (i, s) in state.iter_mut().enumerate() {
            if !needed.contains(&i) {
                *s = State::NotWanted;
            }
        }
    }
    // Waves: every model whose upstream models are done runs in the same wave, in parallel.
    let source = engine.worker_source()?;
    loop {
        let ready: Vec<usize> = (0..spec.models.len())
            .filter(|&i| {
                matches!(state[i], State::Waiting) && deps[i].iter().all(|&d| !matches!(state[d], State::Waiting))
            })
            .collect();
        if ready.is_empty() {
            break;
        }
        let results: Vec<(usize, State, Vec<Finding>)> = ready
            .par_iter()
            .map_init(
                || source.worker(),
                |worker, &i| {
                    let model = &spec.models[i];
                    if let Some(&bad) = deps[i].iter().find(|&&d| !matches!(state[d], State::Done)) {
                        let why = format!("upstream model `{}` did not run", spec.models[bad].name);
                        return (i, State::Skipped(why), Vec::new());
                    }
                    let Some(code) = by_model(&model.name) else {
                        return (i, State::Skipped("no code file".into()), Vec::new());
                    };
                    let Some(statements) = runnable(code, &catalog_name) else {
                        return (i, State::Skipped("its code cannot run (see its findings)".into()), Vec::new());
                    };
                    let Ok(worker) = worker else {
                        return (i, State::Skipped("no database connection for this worker".into()), Vec::new());
                    };
                    let Some(relation) = tables.model_table(&model.name).map(|t| qualify(&catalog_name, &t)) else {
                        return (i, State::Skipped("the model has no table name".into()), Vec::new());
                    };
                    match execute_statements(worker, &statements, &relation) {
                        Err((index, error)) => (i, State::Failed, vec![run_finding(code, index, &error)]),
                        Ok(()) if !check => (i, State::Done, Vec::new()),
                        Ok(()) => {
                            let table = OutputTable {
                                model: &model.name,
                                relation: relation.clone(),
                                catalog: Some(catalog_name.clone()),
                                translated_from_bigquery: code.dialect == crate::spec::model::Dialect::Bigquery,
                            };
                            let relation_of = |name: &str| relation_for(&tables, &catalog_name, name);
                            let found = check_output(
                                worker.connection(),
                                &project.spec,
                                &project.catalog,
                                i,
                                &table,
                                &relation_of,
                            );
                            (i, State::Done, found)
                        }
                    }
                },
            )
            .collect();
        for (i, new_state, found) in results {
            match &new_state {
                State::Skipped(why) => outcome.skipped.push((spec.models[i].name.clone(), why.clone())),
                State::Done => {
                    outcome.ran.push(spec.models[i].name.clone());
                    outcome.done.push(spec.models[i].name.clone());
                }
                _ => outcome.ran.push(spec.models[i].name.clone()),
            }
            state[i] = new_state;
            outcome.findings.extend(found);
        }
    }
    Ok(outcome)
}

/// `only` and every model they read from, transitively, except through the models `given`.
fn upstream_closure(deps: &[Vec<usize>], only: &[usize], given: &[usize]) -> Vec<usize> {
    let mut needed: Vec<usize> = only.to_vec();
    let mut i = 0;
    while i < needed.len() {
        if given.contains(&needed[i]) {
            i += 1;
            continue;
        }
        for &d in &deps[needed[i]] {
            if !needed.contains(&d) {
                needed.push(d);
            }
        }
        i += 1;
    }
    needed.sort_unstable();
    needed
}

#[derive(Debug, Clone)]
enum State {
    Waiting,
    NotWanted,
    Done,
    Failed,
    Skipped(String),
}

/// Every schema a run needs: the spec's three layers and each source table's, sorted, once each.
pub fn project_schemas(project: &Project) -> Vec<String> {
    let spec = &project.spec.spec;
    let mut schemas =
        vec![spec.schema.raw_schema.clone(), spec.schema.staging_schema.clone(), spec.schema.final_schema.clone()];
    schemas.extend(project.catalog.tables.keys().filter_map(|t| t.split_once('.')).map(|(s, _)| s.to_string()));
    schemas.sort_unstable();
    schemas.dedup();
    schemas
}

/// `schema.table` as `"catalog".schema.table`.
pub fn qualify(catalog: &str, table: &str) -> String {
    let quoted: Vec<String> = table.split('.').map(|p| format!("\"{}\"", p.replace('"', "\"\""))).collect();
    format!("\"{}\".{}", catalog.replace('"', "\"\""), quoted.join("."))
}

/// The SQL relation of a model or source named in a `relationships()` test, or in a model's
/// `sources` (what [`crate::reference::sql_for`] reads).
pub fn relation_for(tables: &ProjectTables<'_>, catalog: &str, name: &str) -> Option<String> {
    if let Some(table) = tables.model_table(name) {
        return Some(qualify(catalog, &table));
    }
    let parts: Vec<String> = name.split('.').map(str::to_string).collect();
    crate::sql::lineage::Tables::lookup(tables, &parts).map(|info| qualify(catalog, &info.key))
}

/// The model's statements translated for this database, when every construct carries over.
fn runnable(code: &ModelCode, catalog: &str) -> Option<Vec<Statement>> {
    code.translated.as_ref()?;
    let mut statements = code.statements.clone()?;
    let options = BridgeOptions { from: code.dialect, catalog: Some(catalog.to_string()) };
    to_duckdb(&mut statements, &options).is_empty().then_some(statements)
}

/// A single query is materialised as the model's table; a script runs as written (it creates
/// the table itself), one statement at a time, each under the time limit. A failure says which
/// statement failed (its index).
fn execute_statements(engine: &Engine, statements: &[Statement], relation: &str) -> Result<(), (usize, RunError)> {
    match statements {
        [Statement::Query(query)] => {
            engine.execute(&format!("CREATE OR REPLACE TABLE {relation} AS {query}")).map_err(|e| (0, e))
        }
        _ => {
            for (i, statement) in statements.iter().enumerate() {
                engine.execute(&format!("{statement};")).map_err(|e| (i, e))?;
            }
            Ok(())
        }
    }
}

/// [`execute_statements`] without the statement index.
pub(crate) fn execute(engine: &Engine, statements: &[Statement], relation: &str) -> Result<(), RunError> {
    execute_statements(engine, statements, relation).map_err(|(_, e)| e)
}

/// The finding for a model whose statement `index` failed, placed at that statement.
fn run_finding(code: &ModelCode, index: usize, error: &RunError) -> Finding {
    Finding::new(error.code(), format!("running `{}` failed: {}", code.model, error.message))
        .model(&code.model)
        .at(statement_location(code, index))
}

/// Where statement `index` of the model's code starts in its file (the file's start when the
/// parser kept no position).
pub(crate) fn statement_location(code: &ModelCode, index: usize) -> Location {
    let start = code.statements.as_ref().and_then(|s| s.get(index)).map(|s| s.span().start);
    match start {
        Some(start) if start.line > 0 => code.locate(start.line, start.column),
        _ => Location { file: code.file.clone(), line: 1, column: 1 },
    }
}

/// The schema the reference results are kept in (visible with `--db`).
pub(crate) const REFERENCE_SCHEMA: &str = "specproof_reference";

/// Compares every mapping and aggregate model that ran with its reference result
/// ([`crate::reference`]). A model the reference cannot be built for (it does not resolve, a
/// spec expression has no translation) is not compared: the lint has said why.
fn differential(
    engine: &Engine,
    project: &Project,
    code: &CodeCheck,
    done: &[String],
    wanted: &dyn Fn(usize) -> bool,
) -> Vec<(usize, Comparison)> {
    let spec = &project.spec.spec;
    let queries = crate::spec::lint::resolve_models(&project.spec, &project.catalog);
    let mut found = Vec::new();
    for (i, model) in spec.models.iter().enumerate() {
        if model.constraints.scd_type.is_some() || !done.contains(&model.name) || !wanted(i) {
            continue;
        }
        if !code.models.iter().any(|m| m.model == model.name) {
            continue;
        }
        if let Some(comparison) = model_difference(engine, project, &queries, i) {
            found.push((i, comparison));
        }
    }
    found
}

/// How model `i`'s table differs from its reference result on the tables upstream of it in
/// `engine`: `None` when they agree, or when there is no reference to compare with (the model
/// does not resolve, a spec expression has no translation, the reference fails on this data,
/// or the table lacks a column: the lint and the type check report those).
fn model_difference(
    engine: &Engine,
    project: &Project,
    queries: &[Option<crate::spec::lint::query::ModelQuery>],
    i: usize,
) -> Option<Comparison> {
    let spec = &project.spec.spec;
    let model = spec.models.get(i)?;
    let catalog = engine.catalog().to_string();
    let tables = ProjectTables::new(spec, &project.catalog);
    let names = |name: &str| relation_for(&tables, &catalog, name);
    let query = queries.get(i).and_then(Option::as_ref)?;
    if query.incomplete {
        return None;
    }
    let actual = tables.model_table(&model.name).map(|t| qualify(&catalog, &t))?;
    let sql = crate::reference::sql_for_query(&project.spec, i, Some(query), &names).ok()?;
    engine.create_schemas(&[REFERENCE_SCHEMA]).ok()?;
    let expected = qualify(&catalog, &format!("{REFERENCE_SCHEMA}.{}", model.name));
    // The reference failing on this data (e.g. a NUMERIC product past DuckDB's DECIMAL range)
    // says nothing about the code.
    engine.execute(&format!("CREATE OR REPLACE TABLE {expected} AS {sql}")).ok()?;
    let columns: Vec<String> = query.outputs.iter().map(|o| o.name.clone()).collect();
    let comparison = crate::reference::compare(
        engine.connection(),
        &expected,
        &actual,
        &columns,
        crate::reference::Tolerance::default(),
    )
    .ok()?;
    (!comparison.agrees()).then_some(comparison)
}
