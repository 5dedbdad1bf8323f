//! Stage 5, proving: many datasets per project, run in parallel, each model's output compared
//! with the spec's reference result, and every difference shrunk to a counterexample a person
//! can read in a minute — a few rows per input table, the rows expected beside the rows
//! produced, and a sentence saying what went wrong where a structural property explains it.
//!
//! The first dataset is the one `--seed` names; the others use the seeds after it, so any case
//! can be replayed alone with `--seed`. Datasets run side by side (one database each); what
//! they find is merged in seed order, so the report does not depend on the thread count.

pub mod blame;
pub mod explain;
pub mod fixture;
pub mod shrink;

use crate::check::lineage::CodeCheck;
use crate::engine::pipeline::{run_case, CaseRun, Difference, RunOptions, RunOutcome};
use crate::engine::EngineConfig;
use crate::finding::Finding;
use crate::project::layout::Project;
use crate::suite::Suite;
use crate::synth::{synthesize, Dataset, SynthOptions};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs the project on `options.cases` datasets (the first with the shipped tests) and reports
/// what they found: every execution and output-check finding once, for the first dataset that
/// shows it, and each model that differs from its reference once, shrunk.
pub fn search(
    project: &Project,
    code: &CodeCheck,
    suite: Option<&Suite>,
    options: &RunOptions,
) -> crate::error::Result<RunOutcome> {
    let cases = options.cases.max(1);
    let stage = if cases == 1 { "running the models".to_string() } else { format!("running {cases} datasets") };
    options.progress.step(&stage, 0, cases);
    let first = synthesize(&project.spec, &project.catalog, &options.synth);
    let (main, engine) = run_case(project, code, suite, options, &first, None)?;
    // The kept database (--db) is the first dataset's; the others live in memory.
    drop(engine);
    let finished = AtomicUsize::new(1);
    options.progress.step(&stage, 1, cases);
    let others: Vec<(u64, CaseRun)> = (1..cases)
        .into_par_iter()
        .filter_map(|k| {
            let synth = case_options(&options.synth, k);
            let run_options = RunOptions { synth, ..in_memory(options) };
            let data = synthesize(&project.spec, &project.catalog, &synth);
            // A dataset that cannot load or run (the first one did) adds nothing to report.
            let found = run_case(project, code, None, &run_options, &data, None).ok().map(|(run, _)| (synth.seed, run));
            let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
            options.progress.step(&stage, n, cases);
            found
        })
        .collect();

    let mut outcome = RunOutcome {
        ran: main.ran.clone(),
        skipped: main.skipped.clone(),
        rows_loaded: main.rows_loaded,
        histories: main.histories.clone(),
        undefined_histories: main.undefined_histories.clone(),
        test_files_run: main.test_files_run,
        cases,
        ..RunOutcome::default()
    };
    let mut seen: HashSet<String> = HashSet::new();
    for finding in &main.findings {
        seen.insert(same_kind(finding));
        outcome.findings.push(finding.clone());
    }
    for (seed, run) in &others {
        for finding in &run.findings {
            if seen.insert(same_kind(finding)) {
                let mut finding = finding.clone();
                finding.message.push_str(&format!(" (on the synthetic dataset of seed {seed})"));
                outcome.findings.push(finding);
            }
        }
    }
    // The datasets showing each model's difference, in model order, then seed order.
    let mut differences: BTreeMap<usize, Vec<(SynthOptions, &Difference)>> = BTreeMap::new();
    let all = std::iter::once((options.synth.seed, &main)).chain(others.iter().map(|(s, r)| (*s, r)));
    for (seed, run) in all {
        for difference in &run.differences {
            differences.entry(difference.model).or_default().push((SynthOptions { seed, ..options.synth }, difference));
        }
    }
    let total = differences.len();
    let shrunk = AtomicUsize::new(0);
    let reported: Vec<Reported> = differences
        .into_par_iter()
        .map(|(model, found)| {
            let report = smallest_counterexample(project, code, options, model, &found);
            let n = shrunk.fetch_add(1, Ordering::Relaxed) + 1;
            options.progress.step("shrinking counterexamples", n, total);
            report
        })
        .collect();
    for (finding, fixture) in reported {
        outcome.findings.push(finding);
        outcome.fixtures.extend(fixture);
    }
    if let Some(suite) = suite {
        blame::blame_shipped_tests(project, suite, options, &first, &mut outcome.findings);
    }
    crate::finding::sort_findings(&mut outcome.findings);
    outcome.skipped.sort();
    Ok(outcome)
}

/// A counterexample written as a shipped test (`--emit-fixture`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixture {
    /// The model it tests.
    pub model: String,
    /// Its file name, `specproof_<model>_seed<S>.sql`.
    pub file: String,
    /// The test file's text.
    pub text: String,
}

/// A finding and the regression test that replays it, when there is one.
type Reported = (Finding, Option<Fixture>);

/// The most rows per input table a counterexample should need to be read at a glance.
pub const SMALL_TABLE: usize = 6;

/// Datasets tried for one model's counterexample when the first shrinks to more than
/// [`SMALL_TABLE`] rows in some table (which seeds show a defect on few rows differs).
const MAX_TRIED: usize = 3;

/// The counterexample of the dataset that shows `model`'s difference on the fewest rows (of the
/// first [`MAX_TRIED`] that show it), or, when its shrunk counterexample stays larger than
/// [`SMALL_TABLE`] rows in some table, the smallest of those.
fn smallest_counterexample(
    project: &Project,
    code: &CodeCheck,
    options: &RunOptions,
    model: usize,
    found: &[(SynthOptions, &Difference)],
) -> Reported {
    let size = |finding: &Finding| {
        let inputs = finding.tables.iter().filter(|t| t.role == crate::finding::TableRole::Input);
        let rows: Vec<usize> = inputs.map(|t| t.rows.len()).collect();
        (rows.iter().copied().max().unwrap_or(0), rows.iter().sum::<usize>())
    };
    let tried = &found[..found.len().min(if options.shrink { MAX_TRIED } else { 1 })];
    let smaller = |i: usize| {
        if options.shrink {
            shrink::smaller_dataset(project, code, options, &tried[i].0, model)
        } else {
            None
        }
    };
    let largest =
        |d: &Option<Dataset>| d.as_ref().map_or(usize::MAX, |d| d.tables.iter().map(|t| t.rows).max().unwrap_or(0));
    // Shrinking a seed is a few hundred probes, finding its smaller dataset a few: shrink first
    // the seed that shows the difference on the fewest rows (the earliest on a tie), and look no
    // further once one shows it on few enough.
    let mut forecasts: Vec<Option<Option<Dataset>>> = vec![None; tried.len()];
    let mut order: Vec<(usize, usize)> = Vec::new();
    if options.shrink {
        for (i, forecast) in forecasts.iter_mut().enumerate() {
            let dataset = smaller(i);
            order.push((largest(&dataset), i));
            *forecast = Some(dataset);
            if order.last().is_some_and(|&(rows, _)| rows <= SMALL_TABLE) {
                break;
            }
        }
        order.sort();
    }
    if order.iter().all(|&(rows, _)| rows == usize::MAX) {
        // No seed shows it on a small dataset: the defect needs many rows (LIMIT n needs n + 1),
        // and shrinking other seeds would end no smaller.
        order = vec![(usize::MAX, 0)];
    } else {
        let forecast = order.len();
        order.extend((forecast..tried.len()).map(|i| (usize::MAX, i)));
    }
    let mut best: Option<Reported> = None;
    for &(_, i) in &order {
        let (synth, difference) = &tried[i];
        let start = forecasts[i].take().unwrap_or_else(|| smaller(i));
        let report = shrink::counterexample(project, code, options, synth, model, difference, start);
        if best.as_ref().is_none_or(|(b, _)| size(&report.0) < size(b)) {
            best = Some(report);
        }
        if best.as_ref().is_some_and(|(b, _)| size(b).0 <= SMALL_TABLE) {
            break;
        }
    }
    // `found` is never empty: a model is here because a dataset showed its difference.
    best.unwrap_or_else(|| shrink::counterexample(project, code, options, &found[0].0, model, found[0].1, None))
}

/// The synthetic options of dataset `k` (0 is the first): the seeds that follow the first.
pub fn case_options(first: &SynthOptions, k: usize) -> SynthOptions {
    SynthOptions { seed: first.seed.wrapping_add(k as u64), ..*first }
}

/// `options` for a database of its own in memory, whatever `--db` says, told of no progress.
pub(crate) fn in_memory(options: &RunOptions) -> RunOptions {
    RunOptions {
        engine: EngineConfig { db_path: None, ..options.engine.clone() },
        progress: Default::default(),
        ..options.clone()
    }
}

/// What makes two findings the same across datasets: everything but the numbers in the
/// message (row counts and values differ from one dataset to the next).
fn same_kind(finding: &Finding) -> String {
    let message: String = finding.message.chars().filter(|c| !c.is_ascii_digit()).collect();
    format!("{}|{:?}|{:?}|{:?}|{}", finding.code, finding.model, finding.location, finding.json_path, message)
}

/// The dataset the options give, for a caller that replays a case.
pub fn dataset(project: &Project, synth: &SynthOptions) -> Dataset {
    synthesize(&project.spec, &project.catalog, synth)
}
