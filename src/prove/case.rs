//! One case: the pipeline run on one dataset — the models, their output checks, each model's
//! output compared with the spec's reference result, the spec's tests on that result, the
//! shipped tests, and the SCD2 histories.

use super::blame;
use super::blame::blame_spec_tests;
use crate::check::output::TableColumns;
use crate::engine::Engine;
use crate::finding::{Code, Finding};
use crate::meter::Stage;
use crate::reference::compare::{Compared, Hashed};
use crate::reference::Comparison;
use crate::run::history::{run_history, History, HistoryTarget};
use crate::run::models::{execute, prepared_engine, read_columns, run_models_checked, runnable};
use crate::run::options::RunOptions;
use crate::run::plan::{qualify, Plan, REFERENCE_SCHEMA};
use crate::suite::execute::{run_suite, Files, MainRun};
use crate::suite::Suite;
use std::collections::{HashMap, HashSet};

/// What one run of the pipeline covered: the report's `checked:` line.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Models that ran, in the order they were started.
    pub ran: Vec<String>,
    /// Models not run, each with why.
    pub skipped: Vec<(String, String)>,
    /// Rows loaded into the source tables.
    pub rows_loaded: usize,
    /// SCD2 models whose history was run over [`crate::run::history::RUNS`] runs.
    pub histories: Vec<String>,
    /// SCD2 models not checked because their source repeats natural keys (no defined history).
    pub undefined_histories: Vec<String>,
    /// Shipped test files run (see [`crate::suite`]).
    pub test_files_run: usize,
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
    /// Each outcome of the spec's constructs, with the rows of this dataset that reached it
    /// ([`super::coverage`]).
    pub reach: Vec<super::coverage::Measured>,
}

/// Runs the pipeline on `dataset`: the models (`only` those and what they need,
/// when given), their checks, the reference comparison, the shipped tests of `suite` that read
/// the run's tables (the caller runs the files with fixtures, which read nothing of it), and
/// the SCD2 histories.
pub(crate) fn run_case(
    plan: &Plan<'_>,
    suite: Option<&Suite>,
    options: &RunOptions,
    dataset: &crate::synth::Dataset,
    only: Option<&[usize]>,
) -> crate::error::Result<(CaseRun, Engine)> {
    let (project, spec) = (plan.project, plan.spec());
    let meter = &options.meter;
    let engine = meter.time(Stage::Data, || prepared_engine(plan, &options.engine, dataset, &options.run_time))?;
    let catalog_name = engine.catalog().to_string();
    let mut outcome = CaseRun::default();
    outcome.coverage.rows_loaded = dataset.total_rows();

    // A probe's own model, else the changed-only run's models.
    let only: Option<Vec<usize>> = only.map(<[usize]>::to_vec).or_else(|| {
        options.only.as_ref().map(|names| {
            let names: HashSet<&str> = names.iter().map(String::as_str).collect();
            spec.models.iter().enumerate().filter(|(_, m)| names.contains(m.name.as_str())).map(|(i, _)| i).collect()
        })
    });
    let only = only.as_deref();
    let only_set: Option<HashSet<usize>> = only.map(|o| o.iter().copied().collect());
    let models = run_models_checked(
        &engine,
        plan,
        only,
        &[],
        (!options.skip_output_checks).then(|| batch_size(dataset)),
        meter,
    )?;
    outcome.findings = models.findings;
    excuse_run_failures(&engine, plan, &mut outcome.findings);
    // Each model's output against what the spec says it must hold, on the same inputs (the
    // upstream tables this run produced, so a defect upstream is not counted again here).
    let wanted = |i: usize| only_set.as_ref().is_none_or(|only| only.contains(&i));
    // A file database (--db) keeps every reference result for a person to read.
    let keep = options.engine.db_path.is_some();
    let differential = meter.time(Stage::Reference, || {
        // Without the output checks (a shrinking probe) the run did not read the columns.
        let read = match &models.columns {
            Some(_) => None,
            None => (!models.done.is_empty()).then(|| read_columns(&engine)).flatten(),
        };
        let columns = models.columns.as_ref().or(read.as_ref());
        differential(&engine, plan, &models.done, columns, &wanted, keep, batch_size(dataset))
    });
    let Differential { differences, unchecked, unkept } = differential;
    outcome.differences =
        differences.into_iter().map(|(model, comparison)| Difference { model, comparison, after_run: None }).collect();
    outcome.findings.extend(unchecked);
    // What this dataset exercised, on the inputs every model read (before any history run
    // changes a source). A shrinking or blaming probe (no output checks) needs none.
    if !options.skip_output_checks {
        outcome.reach = meter.time(Stage::Coverage, || super::coverage::measure(&engine, plan, batch_size(dataset)));
    }
    // A spec test the spec's own result breaks is about the spec, not the code: that reads the
    // reference results, those of agreeing models too.
    if blame::reads_references(&outcome.findings) {
        for &i in &unkept {
            // One that cannot be made now is read as missing, as before.
            create_reference(&engine, plan, i);
        }
    }
    blame_spec_tests(&engine, project, &mut outcome.findings);
    // The shipped tests read the state after the pipeline's run, before any history run.
    if let Some(suite) = suite {
        let main = MainRun { engine: &engine, done: &models.done };
        outcome
            .findings
            .extend(meter.time(Stage::ShippedTests, || run_suite(plan, suite, options, Some(main), Files::OnMain)));
        outcome.coverage.test_files_run = suite.files.iter().filter(|f| f.tests().next().is_some()).count();
    }
    let done: HashSet<&str> = models.done.iter().map(String::as_str).collect();
    // SCD2 models keep history over runs: run each again on changed snapshots, one at a time
    // (they change their source tables), after everything else has been checked.
    for (i, model) in spec.models.iter().enumerate() {
        if model.constraints.scd_type != Some(2)
            || options.skip_histories
            || !done.contains(model.name.as_str())
            || !wanted(i)
        {
            continue;
        }
        let Some(code) = plan.code_of(i) else { continue };
        let (Some(statements), Some(relation), Some(source)) = (
            runnable(code, &catalog_name),
            plan.relation(&catalog_name, i),
            model.sources.first().and_then(|s| plan.relation_of(&catalog_name, s)),
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
        match meter.time(Stage::History, || run_history(&engine, project, &target, &options.run_time, &execute)) {
            History::Checked { findings, difference, reached } => {
                outcome.findings.extend(findings);
                outcome.reach.extend(reached.into_iter().map(|(o, n)| (o, n, None)));
                if let Some((run, comparison)) = difference {
                    outcome.differences.push(Difference { model: i, comparison, after_run: Some(run) });
                }
                outcome.coverage.histories.push(model.name.clone());
            }
            History::Undefined => {
                outcome.coverage.undefined_histories.push(model.name.clone());
                // No history is defined on this dataset: its outcomes were not measured here.
                let untracked = model.constraints.tracked_columns.is_some();
                let outcomes = crate::reference::coverage::scd2_outcomes(&model.name, i, untracked);
                outcome.reach.extend(outcomes.into_iter().map(|o| (o, None, None)));
            }
        }
    }
    outcome.coverage.ran = models.ran;
    outcome.coverage.skipped = models.skipped;
    Ok((outcome, engine))
}

/// How many of a dataset's short queries (coverage probes, comparisons, output checks' scans)
/// to ask in one statement. DuckDB's cost of a statement whose result is read (see
/// [`crate::engine::database::rows_planned_once`]) is about a millisecond besides the query's
/// own (10 probe queries of 1,000 rows: 17 ms one by one, 5 ms as one `UNION ALL`), more than
/// most of them take on small data. Eight at a time: on the 1,000-model bench, batches of 16
/// to 64 were no faster and held more memory (a branch's join tables live as long as the
/// statement). On large tables a query's own work dwarfs the statement's, and a batch could
/// outlast the time limit meant for one query: they are asked one by one.
pub(crate) fn batch_size(dataset: &crate::synth::Dataset) -> usize {
    const SMALL: usize = 10_000;
    if dataset.tables.iter().all(|t| t.rows <= SMALL) {
        8
    } else {
        1
    }
}

/// A model that failed to run is not always the code's fault: where the spec's own reference
/// result fails on the same inputs, the data lies outside where the spec's meaning is defined
/// (the spec's, DIF002); where DuckDB's DECIMAL overflowed on BigQuery SQL, the translation's
/// narrower type failed on a value BigQuery holds (the tool's, DIF004). Either way the code is
/// not blamed.
fn excuse_run_failures(engine: &Engine, plan: &Plan<'_>, findings: &mut [Finding]) {
    for finding in findings.iter_mut().filter(|f| f.code == Code::ModelFailed) {
        let Some(i) = finding.model.as_deref().and_then(|m| plan.spec().models.iter().position(|x| x.name == m)) else {
            continue;
        };
        let model = &plan.spec().models[i];
        let code_message = finding.message.clone();
        // A function of an extension the sandbox never loads cannot run here, right or wrong.
        if let Some(extension) = crate::engine::run_error::missing_extension(&code_message) {
            let mut excused = Finding::new(
                Code::TranslationLimit,
                format!(
                    "`{}` was not checked: its code calls a DuckDB function of the `{extension}` extension, which specproof's sandboxed DuckDB does not load (it installs and loads no extension)",
                    model.name
                ),
            )
            .model(&model.name)
            .help("a limit of the engine, not a defect of the code; for time zones, BigQuery SQL (DATE(ts, zone), TIMESTAMP(…, zone)) is computed without the extension");
            excused.location = finding.location.take();
            *finding = excused;
            continue;
        }
        if model.constraints.scd_type.is_none() {
            if let Some(why) = reference_error(engine, plan, i) {
                let mut excused = Finding::new(
                    Code::ReferenceFailed,
                    format!(
                        "the spec's reference result for `{}` fails on the same data ({why}), so the code's failure is not blamed on the code ({code_message})",
                        model.name
                    ),
                )
                .model(&model.name)
                .at(plan.project.spec.text.locate(&format!("models[{i}]")))
                .help("the spec's expressions must hold on every value its sources allow; guard or correct them");
                if translation_limit(plan.project.spec.spec.dialect, &why) {
                    excused = translation_limit_finding(plan, i, &format!("its reference result too: {why}"));
                    excused.message.push_str(&format!("; the code's run: {code_message}"));
                }
                *finding = excused;
                continue;
            }
        }
        if translation_limit(plan.project.code_dialect, &code_message) {
            let mut excused = translation_limit_finding(plan, i, &code_message);
            excused.location = finding.location.take();
            *finding = excused;
        }
    }
}

/// Whether a failure of SQL written in `dialect` is a limit of its translation to DuckDB.
fn translation_limit(dialect: crate::sql::dialect::Dialect, message: &str) -> bool {
    dialect == crate::sql::dialect::Dialect::Bigquery && crate::engine::run_error::is_decimal_overflow(message)
}

/// Model `i` not compared because a spec expression has no translation to DuckDB yet: the
/// spec may be right BigQuery, and the code is not shown wrong.
fn untranslated_finding(plan: &Plan<'_>, i: usize, why: &str) -> Finding {
    let name = &plan.spec().models[i].name;
    Finding::new(
        Code::TranslationLimit,
        format!("`{name}` was not compared with the spec's reference result: {why}, so specproof cannot build it in DuckDB"),
    )
    .model(name)
    .at(plan.project.spec.text.locate(&format!("models[{i}]")))
    .help("a limit of specproof's translation to DuckDB, not a defect of the spec or the code; the model's output checks still ran")
}

fn translation_limit_finding(plan: &Plan<'_>, i: usize, why: &str) -> Finding {
    let name = &plan.spec().models[i].name;
    Finding::new(
        Code::TranslationLimit,
        format!("`{name}` was not checked on this data: DuckDB's DECIMAL cannot hold a value BigQuery's NUMERIC does ({why})"),
    )
    .model(name)
    .at(plan.project.spec.text.locate(&format!("models[{i}]")))
    .help("a limit of the translation to DuckDB, not a defect of the code; other datasets still check the model")
}

/// The error of model `i`'s reference result on the tables upstream of it, if it fails.
fn reference_error(engine: &Engine, plan: &Plan<'_>, i: usize) -> Option<String> {
    let model = plan.spec().models.get(i)?;
    let catalog = engine.catalog().to_string();
    let names = |name: &str| plan.relation_of(&catalog, name);
    let query = plan.queries.get(i).and_then(Option::as_ref)?;
    if query.incomplete {
        return None;
    }
    let sql = match crate::reference::sql_against(&plan.project.spec, i, Some(query), &names, plan.project.code_dialect)
    {
        Ok(sql) => sql,
        // No translation says nothing of the data: the code's failure stands.
        Err(why) if why.contains(crate::reference::NO_TRANSLATION) => return None,
        Err(why) => return Some(format!("cannot be built: {why}")),
    };
    engine.create_schemas(&[REFERENCE_SCHEMA]).ok()?;
    match keep_reference(engine, &model.name, &sql) {
        Err(error) if error.code() == Code::ModelFailed => Some(error.message),
        _ => None,
    }
}

/// What [`differential`] found.
struct Differential {
    /// Models that differ from their reference result, with how.
    differences: Vec<(usize, Comparison)>,
    /// Every other reason a comparison did not happen.
    unchecked: Vec<Finding>,
    /// Models that agree with their reference result, which was compared without being kept as
    /// a table: [`create_reference`] makes it for a reader that needs it.
    unkept: Vec<usize>,
}

/// Compares every mapping and aggregate model that ran with its reference result
/// ([`crate::reference`]). A model that does not resolve is not compared: the lint has said
/// why. Every other reason a comparison did not happen is a finding, never agreement. With
/// `keep`, every reference result stays in [`REFERENCE_SCHEMA`]; otherwise only those of models
/// that differ (shrinking and the report read them).
fn differential(
    engine: &Engine,
    plan: &Plan<'_>,
    done: &[String],
    tables: Option<&TableColumns>,
    wanted: &dyn Fn(usize) -> bool,
    keep: bool,
    batch: usize,
) -> Differential {
    let mut found = Differential { differences: Vec::new(), unchecked: Vec::new(), unkept: Vec::new() };
    let done: HashSet<&str> = done.iter().map(String::as_str).collect();
    // The schema the reference results go to, once per database rather than once per model.
    let schema = engine.create_schemas(&[REFERENCE_SCHEMA]).map_err(|e| e.to_string());
    let compared: Vec<usize> = plan
        .spec()
        .models
        .iter()
        .enumerate()
        .filter(|(i, m)| {
            m.constraints.scd_type.is_none()
                && done.contains(m.name.as_str())
                && wanted(*i)
                && plan.code_of(*i).is_some()
        })
        .map(|(i, _)| i)
        .collect();
    // How each compared column is hashed, by the type the table has.
    let hashed = |i: usize, columns: &[String]| -> Vec<Hashed> {
        let Some(table) = tables.and_then(|t| crate::run::models::output_columns(t, plan, i)) else {
            return Vec::new();
        };
        let by_name: HashMap<String, &str> = table.iter().map(|c| (c.name().to_lowercase(), c.data_type())).collect();
        columns.iter().map(|c| by_name.get(&c.to_lowercase()).map_or(Hashed::AsIs, |t| Hashed::for_type(t))).collect()
    };
    // Agreement, the usual outcome, settled for many models at a time; the others, and all
    // of a batch that could not run, are compared one by one below, which says why.
    let agreed =
        if keep || schema.is_err() { HashSet::new() } else { agreeing(engine, plan, &compared, &hashed, batch) };
    for i in compared {
        if agreed.contains(&i) {
            found.unkept.push(i);
            continue;
        }
        match model_difference(engine, plan, i, &hashed, schema.as_ref().err(), keep) {
            Ok(Checked::Differs(comparison)) => found.differences.push((i, comparison)),
            Ok(Checked::Agrees { kept: false }) => found.unkept.push(i),
            Ok(Checked::Agrees { kept: true } | Checked::NotCompared) => {}
            Err(finding) => found.unchecked.push(*finding),
        }
    }
    found
}

/// The models of `compared` found to agree with their reference results by
/// [`crate::reference::compare::settle_many`], `batch` at a time (none with a batch of 1).
fn agreeing(
    engine: &Engine,
    plan: &Plan<'_>,
    compared: &[usize],
    hashed: &dyn Fn(usize, &[String]) -> Vec<Hashed>,
    batch: usize,
) -> HashSet<usize> {
    let mut agreed = HashSet::new();
    if batch < 2 {
        return agreed;
    }
    let catalog = engine.catalog().to_string();
    let names = |name: &str| plan.relation_of(&catalog, name);
    let each: Vec<Asked> = compared
        .iter()
        .filter_map(|&i| {
            let query = plan.queries.get(i)?.as_ref().filter(|q| !q.incomplete)?;
            let table = plan.relation(&catalog, i)?;
            let sql =
                crate::reference::sql_against(&plan.project.spec, i, Some(query), &names, plan.project.code_dialect)
                    .ok()?;
            let columns: Vec<String> = query.outputs.iter().map(|o| o.name.clone()).collect();
            let hashed = hashed(i, &columns);
            Some(Asked { model: i, reference: format!("(\n{sql}\n)"), table, columns, hashed })
        })
        .collect();
    let tolerance = crate::reference::Tolerance::default();
    for chunk in each.chunks(batch) {
        let asked: Vec<Compared<'_>> = chunk
            .iter()
            .map(|a| Compared { expected: &a.reference, actual: &a.table, columns: &a.columns, hashed: &a.hashed })
            .collect();
        let Ok(settled) = engine.limited(|c| crate::reference::compare::settle_many(c, &asked, tolerance)) else {
            continue;
        };
        for (asked, settled) in chunk.iter().zip(settled) {
            if matches!(settled, Ok(Some(_))) {
                agreed.insert(asked.model);
            }
        }
    }
    agreed
}

/// One model's comparison as [`agreeing`] asks it.
struct Asked {
    model: usize,
    /// Its reference query, in parentheses.
    reference: String,
    /// Its table, qualified.
    table: String,
    columns: Vec<String>,
    /// How each column is hashed, by the table's type.
    hashed: Vec<Hashed>,
}

/// What comparing one model with its reference result concluded.
enum Checked {
    /// It agrees; `kept` when its reference result is in [`REFERENCE_SCHEMA`].
    Agrees { kept: bool },
    /// It differs, and its reference result is in [`REFERENCE_SCHEMA`].
    Differs(Comparison),
    /// There is nothing to compare it with: it does not resolve (the lint says why).
    NotCompared,
}

/// Model `i`'s reference result, made from the tables upstream of it in `engine`, kept as the
/// table [`REFERENCE_SCHEMA`].`name`; nothing when it cannot be built or fails (the
/// differential reports why).
fn create_reference(engine: &Engine, plan: &Plan<'_>, i: usize) {
    let catalog = engine.catalog().to_string();
    let names = |name: &str| plan.relation_of(&catalog, name);
    let Some(query) = plan.queries.get(i).and_then(Option::as_ref) else { return };
    let Some(model) = plan.spec().models.get(i) else { return };
    let project = plan.project;
    if let Ok(sql) = crate::reference::sql_against(&project.spec, i, Some(query), &names, project.code_dialect) {
        let _ = keep_reference(engine, &model.name, &sql);
    }
}

/// Keeps `sql`, the reference result of the model `name`, as the table
/// [`REFERENCE_SCHEMA`].`name` of `engine`, and returns that table's qualified name.
fn keep_reference(engine: &Engine, name: &str, sql: &str) -> Result<String, crate::engine::RunError> {
    let table = qualify(engine.catalog(), &format!("{REFERENCE_SCHEMA}.{name}"));
    engine.execute(&format!("CREATE OR REPLACE TABLE {table} AS {sql}"))?;
    Ok(table)
}

/// Whether model `i`'s table differs from its reference result on the tables upstream of it in
/// `engine`, and how ([`Checked`]); the reference result is kept (with `keep`, or when it does
/// not agree). A reference that cannot be built or
/// fails on this data is a finding about the spec ([`Code::ReferenceFailed`]); a comparison
/// that fails otherwise is [`Code::CouldNotCompare`], unless the static check already said the
/// table lacks a spec column.
fn model_difference(
    engine: &Engine,
    plan: &Plan<'_>,
    i: usize,
    hashed: &dyn Fn(usize, &[String]) -> Vec<Hashed>,
    no_schema: Option<&String>,
    keep: bool,
) -> Result<Checked, Box<Finding>> {
    let Some(model) = plan.spec().models.get(i) else { return Ok(Checked::NotCompared) };
    let catalog = engine.catalog().to_string();
    let names = |name: &str| plan.relation_of(&catalog, name);
    let Some(query) = plan.queries.get(i).and_then(Option::as_ref) else { return Ok(Checked::NotCompared) };
    if query.incomplete {
        return Ok(Checked::NotCompared);
    }
    let Some(actual) = plan.relation(&catalog, i) else { return Ok(Checked::NotCompared) };
    let reference_failed = |why: String| {
        Box::new(
            Finding::new(
                Code::ReferenceFailed,
                format!("the spec's reference result for `{}` {why}; its output was not compared", model.name),
            )
            .model(&model.name)
            .at(plan.project.spec.text.locate(&format!("models[{i}]")))
            .help("the spec's expressions must hold on every value its sources allow; guard or correct them"),
        )
    };
    let could_not_compare = |why: String| {
        let at = plan.code_of(i).map(crate::run::models::body_location);
        let mut finding = Finding::new(
            Code::CouldNotCompare,
            format!("`{}` could not be compared with the spec's reference result: {why}", model.name),
        )
        .model(&model.name)
        .help("the output was neither shown right nor wrong: its table must hold every spec column");
        finding.location = at;
        Box::new(finding)
    };
    // Out of time or memory is specproof's resources, not the code's fault: a finding about the
    // tool, still an error so that the gate does not pass what was not compared.
    let out_of_resources = |why: String| {
        Box::new(
            Finding::new(
                Code::ComparisonOutOfResources,
                format!("`{}` could not be compared with the spec's reference result: {why}", model.name),
            )
            .model(&model.name)
            .at(plan.project.spec.text.locate(&format!("models[{i}]")))
            .help("rerun with fewer --rows, a larger --memory-limit or a longer --timeout"),
        )
    };
    let sql = crate::reference::sql_against(&plan.project.spec, i, Some(query), &names, plan.project.code_dialect)
        .map_err(|why| {
            if why.contains(crate::reference::NO_TRANSLATION) {
                Box::new(untranslated_finding(plan, i, &why))
            } else {
                reference_failed(format!("cannot be built: {why}"))
            }
        })?;
    if let Some(error) = no_schema {
        return Err(out_of_resources(error.clone()));
    }
    let columns: Vec<String> = query.outputs.iter().map(|o| o.name.clone()).collect();
    // Agreement, the usual outcome, is settled on the reference query itself, under the time
    // limit, without keeping its rows: a table per model per dataset cost a statement and the
    // memory of a copy of every model's output. Anything else (a difference, a failure) is
    // decided on the kept table below, as the reports and the shrinking read it.
    if !keep {
        let reference = format!("(\n{sql}\n)");
        let tolerance = crate::reference::Tolerance::default();
        let hashed = hashed(i, &columns);
        let compared = Compared { expected: &reference, actual: &actual, columns: &columns, hashed: &hashed };
        match engine.limited(|c| crate::reference::compare::settle_with(c, compared, tolerance)) {
            Ok(Some(_)) => return Ok(Checked::Agrees { kept: false }),
            Err(error) if matches!(error.code(), Code::QueryTimeout | Code::MemoryLimit) => {
                return Err(out_of_resources(format!("its reference result: {}", error.message)));
            }
            _ => {}
        }
    }
    // The reference failing on this data (e.g. a NUMERIC product past DuckDB's DECIMAL range)
    // says nothing about the code, but leaves the model unchecked: the spec's to fix. Running
    // out of time or memory is no fault of the spec's.
    let expected = match keep_reference(engine, &model.name, &sql) {
        Ok(table) => table,
        Err(error) => {
            return Err(match error.code() {
                Code::QueryTimeout | Code::MemoryLimit => {
                    out_of_resources(format!("its reference result: {}", error.message))
                }
                _ if translation_limit(plan.project.spec.spec.dialect, &error.message) => {
                    Box::new(translation_limit_finding(plan, i, &format!("its reference result: {}", error.message)))
                }
                _ => reference_failed(format!("fails on this data: {}", error.message)),
            })
        }
    };
    match crate::reference::compare(
        engine.connection(),
        &expected,
        &actual,
        &columns,
        crate::reference::Tolerance::default(),
    ) {
        Ok(comparison) if comparison.agrees() => Ok(Checked::Agrees { kept: true }),
        Ok(comparison) => Ok(Checked::Differs(comparison)),
        Err(why) => {
            // A table without a spec column is the static check's CODE004 already.
            let reported = plan
                .code
                .findings
                .iter()
                .any(|f| f.code == Code::MissingOutputColumn && f.model.as_deref() == Some(model.name.as_str()));
            if reported {
                Ok(Checked::NotCompared)
            } else {
                // DuckDB's binder errors run to several lines of candidates; the first says it.
                let first = why.lines().next().unwrap_or_default().to_string();
                Err(match crate::engine::run_error::classify(&why) {
                    crate::engine::RunErrorKind::MemoryLimit | crate::engine::RunErrorKind::Timeout => {
                        out_of_resources(first)
                    }
                    _ => could_not_compare(first),
                })
            }
        }
    }
}
