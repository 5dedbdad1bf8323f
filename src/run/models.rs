//! Running a project's models: synthetic sources loaded, every model's translated code executed
//! in dependency order (independent models in parallel, one connection per worker), and each
//! output checked against the spec.
//!
//! A model whose code cannot run (it did not parse, a template could not be evaluated, a
//! construct has no faithful translation, or an upstream model failed) is skipped, and so is
//! everything downstream of it: their outputs would be judged on inputs that do not exist.

use super::plan::Plan;
use crate::check::output::{check_outputs, OutputTable, TableColumn, TableColumns};
use crate::engine::{Engine, EngineConfig, RunError};
use crate::finding::{Finding, Location};
use crate::meter::{Meter, Stage};
use crate::project::code::ModelCode;
use crate::sql::bridge::{to_duckdb, BridgeOptions};
use crate::synth::load;
use crate::synth::Dataset;
use rayon::prelude::*;
use sqlparser::ast::{Spanned, Statement};
use std::time::Instant;

/// Loads `dataset` into a fresh, sandboxed database, with every schema the project needs and
/// the run time set.
pub(crate) fn prepared_engine(
    plan: &Plan<'_>,
    config: &EngineConfig,
    dataset: &Dataset,
    run_time: &str,
) -> crate::error::Result<Engine> {
    let engine = Engine::open(config)?;
    let schemas: Vec<&str> = plan.schemas.iter().map(String::as_str).collect();
    engine.create_schemas(&schemas)?;
    if let Err(error) = load(dataset, engine.connection(), Some(engine.catalog())) {
        // DuckDB's out-of-memory text runs to a dozen lines of advice; its first says it.
        let text = error.to_string();
        let first = text.lines().next().unwrap_or_default().trim_start_matches("duckdb: ");
        let message = format!("loading {} synthetic rows failed: {first}", dataset.total_rows());
        return Err(crate::error::Error::new(crate::error::ErrorKind::Run(message)));
    }
    engine.set_run_time(run_time)?;
    Ok(engine)
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
    /// Every table's columns, read once all models had run with the output checks (none
    /// without them, or when no model ran): those check the types, the reference comparison
    /// chooses how to hash each column by its type.
    pub columns: Option<TableColumns>,
}

/// Runs the models of the plan's project on `engine`, whose source tables and run time are set, in
/// dependency order: every model whose upstream models are done runs in the same wave, in
/// parallel, one connection per worker. `only` limits the run to those models (spec indexes)
/// and whatever they need upstream. Each output is checked against the spec.
pub fn run_models(engine: &Engine, plan: &Plan<'_>, only: Option<&[usize]>) -> crate::error::Result<ModelsRun> {
    run_models_with(engine, plan, only, &[])
}

/// [`run_models`] where the models `given` (spec indexes) already have their tables (a shipped
/// test's fixtures filled them): they count as done, are not run or checked, and what is
/// upstream of them only is not needed.
pub fn run_models_with(
    engine: &Engine,
    plan: &Plan<'_>,
    only: Option<&[usize]>,
    given: &[usize],
) -> crate::error::Result<ModelsRun> {
    // Outputs checked 8 to a statement, as on a few hundred rows.
    run_models_checked(engine, plan, only, given, Some(8), &Meter::default())
}

/// [`run_models_with`], checking each output against the spec only with `checks`: how many
/// outputs' checks to ask in one statement (see [`check_outputs`]; 1 on large tables, where one
/// output's scan is long enough).
pub(crate) fn run_models_checked(
    engine: &Engine,
    plan: &Plan<'_>,
    only: Option<&[usize]>,
    given: &[usize],
    checks: Option<usize>,
    meter: &Meter,
) -> crate::error::Result<ModelsRun> {
    let project = plan.project;
    let spec = plan.spec();
    let catalog_name = engine.catalog().to_string();
    let mut outcome = ModelsRun::default();
    let deps: Vec<&[usize]> = plan.models.iter().map(|m| m.upstream.as_slice()).collect();
    let mut state: Vec<State> = vec![State::Waiting; spec.models.len()];
    for &g in given {
        if let Some(s) = state.get_mut(g) {
            *s = State::Done;
        }
    }
    if let Some(only) = only {
        let needed = plan.upstream_closure(only, given);
        for (i, s) in state.iter_mut().enumerate() {
            // Sorted: a lookup is a binary search, not a scan per model.
            if needed.binary_search(&i).is_err() {
                *s = State::NotWanted;
            }
        }
    }
    // Waves: every model whose upstream models are done runs in the same wave, in parallel.
    let source = engine.worker_source()?;
    let execution = Instant::now();
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
                    if let Some(&bad) = deps[i].iter().find(|&&d| !matches!(state[d], State::Done)) {
                        let why = format!("upstream model `{}` did not run", spec.models[bad].name);
                        return (i, State::Skipped(why), Vec::new());
                    }
                    let Some(code) = plan.code_of(i) else {
                        return (i, State::Skipped("no code file".into()), Vec::new());
                    };
                    let Some(statements) = runnable(code, &catalog_name) else {
                        return (i, State::Skipped("its code cannot run (see its findings)".into()), Vec::new());
                    };
                    let Ok(worker) = worker else {
                        return (i, State::Skipped("no database connection for this worker".into()), Vec::new());
                    };
                    let Some(relation) = plan.relation(&catalog_name, i) else {
                        return (i, State::Skipped("the model has no table name".into()), Vec::new());
                    };
                    match execute_statements(worker, &statements, &relation) {
                        Err((index, error)) => (i, State::Failed, vec![run_finding(code, index, &error)]),
                        Ok(()) => (i, State::Done, Vec::new()),
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
    meter.add(Stage::Execution, execution.elapsed());
    // Each output is checked once every model has run: a `relationships` test names another
    // model's table, which a model of the same wave may not have written yet.
    let run_now: Vec<usize> = (0..spec.models.len())
        .filter(|&i| matches!(state[i], State::Done) && !given.contains(&i) && checks.is_some())
        .collect();
    let checking = Instant::now();
    // Every output's columns in one query rather than a DESCRIBE each (one is made for a
    // table not found here); with the checks only: a caller that compares the outputs with
    // their references without them reads the columns itself ([`read_columns`]).
    let described =
        if checks.is_none() || !state.iter().any(|s| matches!(s, State::Done)) { None } else { read_columns(engine) };
    let columns_of = |i: usize| output_columns(described.as_ref()?, plan, i).cloned();
    let found: Vec<Vec<Finding>> = run_now
        .par_chunks(checks.unwrap_or(1).max(1))
        .map_init(
            || source.worker(),
            |worker, chunk| {
                let Ok(worker) = worker else { return Vec::new() };
                let tables: Vec<(usize, OutputTable<'_>)> = chunk
                    .iter()
                    .filter_map(|&i| {
                        let (code, relation) = (plan.code_of(i)?, plan.relation(&catalog_name, i)?);
                        let table = OutputTable {
                            model: &spec.models[i].name,
                            relation,
                            catalog: Some(catalog_name.clone()),
                            translated_from_bigquery: code.dialect == crate::spec::model::Dialect::Bigquery,
                        };
                        Some((i, table))
                    })
                    .collect();
                let outputs: Vec<_> = tables.iter().map(|(i, table)| (*i, table, columns_of(*i))).collect();
                let relation_of = |name: &str| plan.relation_of(&catalog_name, name);
                check_outputs(worker.connection(), &project.spec, &project.catalog, &outputs, &relation_of)
                    .into_iter()
                    .flatten()
                    .collect()
            },
        )
        .collect();
    meter.add(Stage::OutputChecks, checking.elapsed());
    outcome.findings.extend(found.into_iter().flatten());
    outcome.columns = described;
    Ok(outcome)
}

/// Every table's columns in `engine`'s catalog, in one statement (`None` when it fails).
pub(crate) fn read_columns(engine: &Engine) -> Option<TableColumns> {
    engine.limited(|c| crate::check::output::catalog_columns(c, engine.catalog())).ok()
}

/// Model `i`'s table among the columns of a catalog.
pub(crate) fn output_columns<'a>(columns: &'a TableColumns, plan: &Plan<'_>, i: usize) -> Option<&'a Vec<TableColumn>> {
    let table = plan.models.get(i)?.table.as_deref()?.to_lowercase();
    let (schema, name) = table.split_once('.')?;
    columns.get(&(schema.to_string(), name.to_string()))
}

#[derive(Debug, Clone)]
enum State {
    Waiting,
    NotWanted,
    Done,
    Failed,
    Skipped(String),
}

/// A model's statements translated for one database, in the parts they run in.
#[derive(Debug, Clone)]
pub(crate) struct Script {
    /// The SQLX `pre_operations`, run first.
    pub pre: Vec<Statement>,
    /// The body: a single query is materialised as the model's table, a script runs as written.
    pub body: Vec<Statement>,
    /// The SQLX `post_operations`, run last.
    pub post: Vec<Statement>,
}

/// The model's statements translated for this database, when every construct carries over and
/// the static check let the code run (it writes nothing but its own table).
pub(crate) fn runnable(code: &ModelCode, catalog: &str) -> Option<Script> {
    code.translated.as_ref()?;
    let options = BridgeOptions { from: code.dialect, catalog: Some(catalog.to_string()) };
    let translate = |statements: &[Statement]| {
        let mut statements = statements.to_vec();
        to_duckdb(&mut statements, &options).is_empty().then_some(statements)
    };
    let mut pre = Vec::new();
    for block in &code.pre_operations {
        pre.extend(translate(block)?);
    }
    let body = translate(code.statements.as_ref()?)?;
    let mut post = Vec::new();
    for block in &code.post_operations {
        post.extend(translate(block)?);
    }
    Some(Script { pre, body, post })
}

/// Runs the pre-operations, the body and the post-operations. A body that is a single query is
/// materialised as the model's table; a script runs as written (it creates the table itself),
/// one statement at a time, each under the time limit. A failure says which statement failed
/// (its index in the order they run).
fn execute_statements(engine: &Engine, script: &Script, relation: &str) -> Result<(), (usize, RunError)> {
    let mut index = 0;
    let mut run = |sql: String| {
        let at = index;
        index += 1;
        engine.execute(&sql).map_err(|e| (at, e))
    };
    for statement in &script.pre {
        run(format!("{statement};"))?;
    }
    match script.body.as_slice() {
        [Statement::Query(query)] => run(format!("CREATE OR REPLACE TABLE {relation} AS {query}"))?,
        body => {
            for statement in body {
                run(format!("{statement};"))?;
            }
        }
    }
    for statement in &script.post {
        run(format!("{statement};"))?;
    }
    if !matches!(script.body.as_slice(), [Statement::Query(_)]) {
        // A script may leave the output as a view: its query is run here, once, under the time
        // limit, and charged to the script's last body statement (the one that made it, as a
        // rule), rather than on every later read.
        let at = script.pre.len() + script.body.len().saturating_sub(1);
        engine.materialise_view(relation).map_err(|e| (at, e))?;
    }
    Ok(())
}

/// [`execute_statements`] without the statement index.
pub(crate) fn execute(engine: &Engine, script: &Script, relation: &str) -> Result<(), RunError> {
    execute_statements(engine, script, relation).map_err(|(_, e)| e)
}

/// The finding for a model whose statement `index` failed, placed at that statement.
fn run_finding(code: &ModelCode, index: usize, error: &RunError) -> Finding {
    Finding::new(error.code(), format!("running `{}` failed: {}", code.model, error.message))
        .model(&code.model)
        .at(statement_location(code, index))
}

/// Where statement `index` of the model's code, in the order it runs (pre-operations, body,
/// post-operations), starts in its file (the file's start when the parser kept no position).
pub(crate) fn statement_location(code: &ModelCode, index: usize) -> Location {
    let script = code.script();
    match script.get(index) {
        Some((part, statement)) if statement.span().start.line > 0 => {
            let start = statement.span().start;
            code.locate_in(*part, start.line, start.column)
        }
        _ => Location { file: code.file.clone(), line: 1, column: 1 },
    }
}

/// Where the model's body starts in its file.
pub(crate) fn body_location(code: &ModelCode) -> Location {
    statement_location(code, code.pre_operations.iter().map(Vec::len).sum())
}
