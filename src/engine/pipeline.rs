//! Running a project: synthetic sources loaded, every model's translated code executed in
//! dependency order (independent models in parallel, one connection per worker), and each
//! output checked against the spec.
//!
//! A model whose code cannot run (it did not parse, a template could not be evaluated, a
//! construct has no faithful translation, or an upstream model failed) is skipped, and so is
//! everything downstream of it: their outputs would be judged on inputs that do not exist.

use super::{Engine, EngineConfig, RunError};
use crate::check::lineage::CodeCheck;
use crate::check::output::{check_output, OutputTable};
use crate::finding::{Finding, Location};
use crate::project::layout::Project;
use crate::spec::lint::graph::dependencies;
use crate::sql::bridge::{to_duckdb, BridgeOptions};
use crate::sql::code::{ModelCode, ProjectTables};
use crate::synth::{load, synthesize, SynthOptions};
use rayon::prelude::*;
use sqlparser::ast::Statement;

/// How to run a project.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The database settings.
    pub engine: EngineConfig,
    /// The synthetic data.
    pub synth: SynthOptions,
    /// The run time translated code reads for `CURRENT_TIMESTAMP`.
    pub run_time: String,
}

/// What running a project produced.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    /// Findings from execution and the output checks, sorted.
    pub findings: Vec<Finding>,
    /// Models that ran, in the order they were started.
    pub ran: Vec<String>,
    /// Models not run, each with why.
    pub skipped: Vec<(String, String)>,
    /// Rows loaded into the source tables.
    pub rows_loaded: usize,
}

/// Runs the models of `project` whose code `code` holds, on synthetic data.
pub fn run_project(project: &Project, code: &CodeCheck, options: &RunOptions) -> crate::error::Result<RunOutcome> {
    let spec = &project.spec.spec;
    let engine = Engine::open(&options.engine)?;
    let catalog_name = engine.catalog().to_string();
    let mut outcome = RunOutcome::default();

    let mut schemas =
        vec![spec.schema.raw_schema.as_str(), spec.schema.staging_schema.as_str(), spec.schema.final_schema.as_str()];
    for table in project.catalog.tables.keys() {
        if let Some((schema, _)) = table.split_once('.') {
            schemas.push(schema);
        }
    }
    schemas.sort_unstable();
    schemas.dedup();
    if let Err(error) = engine.create_schemas(&schemas) {
        return Err(crate::error::Error::Run(error));
    }
    let dataset = synthesize(&project.spec, &project.catalog, &options.synth);
    outcome.rows_loaded = dataset.tables.iter().map(|t| t.rows).sum();
    load(&dataset, engine.connection(), Some(&catalog_name))?;
    if let Err(error) = engine.set_run_time(&options.run_time) {
        return Err(crate::error::Error::Run(error));
    }

    let models = run_models(&engine, project, code, None)?;
    outcome.findings = models.findings;
    outcome.ran = models.ran;
    outcome.skipped = models.skipped;
    crate::finding::sort_findings(&mut outcome.findings);
    outcome.skipped.sort();
    Ok(outcome)
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
    let spec = &project.spec.spec;
    let catalog_name = engine.catalog().to_string();
    let mut outcome = ModelsRun::default();
    let tables = ProjectTables::new(spec, &project.catalog);
    let deps = dependencies(spec, &project.catalog);
    let by_model = |name: &str| code.models.iter().find(|m| m.model == name);
    let mut state: Vec<State> = vec![State::Waiting; spec.models.len()];
    if let Some(only) = only {
        let needed = upstream_closure(&deps, only);
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
                    match execute(worker, &statements, &relation) {
                        Err(error) => (i, State::Failed, vec![run_finding(code, &error)]),
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

/// `only` and every model they read from, transitively.
fn upstream_closure(deps: &[Vec<usize>], only: &[usize]) -> Vec<usize> {
    let mut needed: Vec<usize> = only.to_vec();
    let mut i = 0;
    while i < needed.len() {
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

/// `schema.table` as `"catalog".schema.table`.
fn qualify(catalog: &str, table: &str) -> String {
    let quoted: Vec<String> = table.split('.').map(|p| format!("\"{}\"", p.replace('"', "\"\""))).collect();
    format!("\"{}\".{}", catalog.replace('"', "\"\""), quoted.join("."))
}

/// The SQL relation of a model or source named in a `relationships()` test.
fn relation_for(tables: &ProjectTables<'_>, catalog: &str, name: &str) -> Option<String> {
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
/// the table itself).
fn execute(engine: &Engine, statements: &[Statement], relation: &str) -> Result<(), RunError> {
    match statements {
        [Statement::Query(query)] => engine.execute(&format!("CREATE OR REPLACE TABLE {relation} AS {query}")),
        _ => {
            let script: Vec<String> = statements.iter().map(|s| format!("{s};")).collect();
            engine.execute(&script.join("\n"))
        }
    }
}

fn run_finding(code: &ModelCode, error: &RunError) -> Finding {
    Finding::new(error.code(), format!("running `{}` failed: {}", code.model, error.message))
        .model(&code.model)
        .at(Location { file: code.file.clone(), line: 1, column: 1 })
}
