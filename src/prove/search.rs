//! Stage 5, proving: many datasets per project, run in parallel, each model's output compared
//! with the spec's reference result, and every difference shrunk to a counterexample a person
//! can read in a minute — a few rows per input table, the rows expected beside the rows
//! produced, and a sentence saying what went wrong where a structural property explains it.
//!
//! The first dataset is the one `--seed` names; the others use the seeds after it, so any case
//! can be replayed alone with `--seed`. Datasets run side by side (one database each); what
//! they find is merged in seed order, so the report does not depend on the thread count.

use super::blame;
use super::case::{run_case, CaseRun, Coverage, Difference};
use super::coverage::SpecCoverage;
use super::fixture::Fixture;
use super::shrink;
use super::shrink::Reported;
use crate::check::lineage::CodeCheck;
use crate::finding::Finding;
use crate::meter::{Meter, Stage};
use crate::project::layout::Project;
use crate::run::options::{in_memory, RunOptions};
use crate::run::plan::Plan;
use crate::suite::execute::{run_suite, Files};
use crate::suite::Suite;
use crate::synth::{Dataset, SynthOptions};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

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
    pub fixtures: Vec<Fixture>,
    /// Which outcomes of the spec's constructs the datasets reached.
    pub spec_coverage: SpecCoverage,
}

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
    // Worked out once: every dataset, probe and shipped test file of this run reads it.
    let plan = Plan::new(project, code);
    let plan = &plan;
    let meter = &options.meter;
    let finished = AtomicUsize::new(0);
    let done = || {
        let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
        options.progress.step(&stage, n, cases);
    };
    // Every dataset runs side by side, the first (which also runs the shipped tests, and is
    // the one --db keeps) beside the others: it takes longest, and waiting for it before
    // starting them left a core idle.
    // The shipped test files with fixtures read nothing of a dataset: they run as tasks of
    // their own beside the first dataset rather than after its checks, which left the other
    // core idle at the end of a run.
    let first_case = || {
        let first = meter.time(Stage::Data, || plan.dataset(&options.synth));
        let main = run_case(plan, suite, options, &first, None).map(|(run, _engine)| run);
        done();
        main.map(|run| (run, first))
    };
    let fixture_files = || {
        suite
            .map(|suite| meter.time(Stage::ShippedTests, || run_suite(plan, suite, options, None, Files::WithFixtures)))
    };
    let ((main, fixture_findings), others) = rayon::join(
        || rayon::join(first_case, fixture_files),
        || -> Vec<(u64, CaseRun)> {
            (1..cases)
                .into_par_iter()
                .filter_map(|k| {
                    let synth = case_options(&options.synth, k);
                    // The SCD2 histories run on the first dataset only: three runs of each
                    // SCD2 model, its invariants and its reference history are most of a
                    // dataset's statements, and the history's snapshots are built to reach
                    // every kind of change from any one dataset (see `crate::run::history`).
                    let run_options = RunOptions { synth, skip_histories: true, ..in_memory(options) };
                    let data = meter.time(Stage::Data, || plan.dataset(&synth));
                    // A dataset that cannot load or run adds nothing to report (the first
                    // one's error is the run's).
                    let found = run_case(plan, None, &run_options, &data, None).ok().map(|(run, _)| (synth.seed, run));
                    done();
                    found
                })
                .collect()
        },
    );
    let (mut main, first) = main?;
    main.findings.extend(fixture_findings.unwrap_or_default());

    let mut outcome = RunOutcome { coverage: main.coverage.clone(), cases, ..RunOutcome::default() };
    let reaches: Vec<&[super::coverage::Measured]> =
        std::iter::once(main.reach.as_slice()).chain(others.iter().map(|(_, r)| r.reach.as_slice())).collect();
    outcome.spec_coverage = super::coverage::merge(&reaches);
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
    // The SCD2 histories run on the first dataset only, so an SCD2 difference is found there
    // alone; a later seed may still show it on fewer rows, as when every dataset ran the
    // history. Those seeds are offered to the shrinker too: each seed's smaller dataset is
    // probed with the history run, so a seed that does not show the difference is passed over,
    // and the first seed's difference stands in only for a seed that does.
    for found in differences.values_mut() {
        let Some(&(_, first)) = found.first() else { continue };
        if first.after_run.is_none() {
            continue;
        }
        for k in 1..cases {
            let synth = case_options(&options.synth, k);
            if !found.iter().any(|(s, _)| s.seed == synth.seed) {
                found.push((synth, first));
            }
        }
    }
    let total = differences.len();
    let shrunk = AtomicUsize::new(0);
    // A probe's own stages count as shrinking (or blaming), not again as execution.
    let quiet = RunOptions { meter: Meter::default(), ..options.clone() };
    let reported: Vec<Reported> = differences
        .into_par_iter()
        .filter_map(|(model, found)| {
            let report = meter.time(Stage::Shrinking, || smallest_counterexample(plan, &quiet, model, &found));
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
        meter.time(Stage::ShippedTests, || {
            blame::blame_shipped_tests(plan, suite, &quiet, &first, &mut outcome.findings)
        });
    }
    crate::finding::sort_findings(&mut outcome.findings);
    outcome.coverage.skipped.sort();
    Ok(outcome)
}

/// The most rows per input table a counterexample should need to be read at a glance.
pub const SMALL_TABLE: usize = 6;

/// Seeds whose smaller datasets are looked at for one model's counterexample.
const MAX_TRIED: usize = 3;

/// The counterexample of `model`'s difference, shrunk from the seed that shows it on the fewest
/// rows: of the first [`MAX_TRIED`] datasets that show it, the seeds' smaller datasets are found
/// in seed order until one has at most [`SMALL_TABLE`] rows in every table, and shrunk from the
/// smallest (the earliest on a tie) until a counterexample is that small. When no seed shows it
/// on a smaller dataset, the defect needs many rows (LIMIT n needs n + 1) and the first seed's
/// whole dataset is shrunk.
fn smallest_counterexample(
    plan: &Plan<'_>,
    options: &RunOptions,
    model: usize,
    found: &[(SynthOptions, &Difference)],
) -> Option<Reported> {
    let counterexample = |(synth, difference): &(SynthOptions, &Difference), smaller: Option<Dataset>| {
        shrink::counterexample(plan, options, synth, model, difference, smaller)
    };
    let first = found.first()?;
    if !options.shrink {
        return Some(counterexample(first, None));
    }
    // (rows in the largest table, the seed's place, its smaller dataset)
    let mut starts: Vec<(usize, usize, Dataset)> = Vec::new();
    for (i, (synth, _)) in found.iter().take(MAX_TRIED).enumerate() {
        let Some(smaller) = shrink::smaller_dataset(plan, options, synth, model) else { continue };
        let rows = smaller.tables.iter().map(|t| t.rows).max().unwrap_or(0);
        starts.push((rows, i, smaller));
        if rows <= SMALL_TABLE {
            break;
        }
    }
    starts.sort_by_key(|&(rows, i, _)| (rows, i));
    // A replay that lost the difference has no input tables: it ranks last.
    let size = |(finding, _): &Reported| {
        let rows: Vec<usize> = finding
            .tables
            .iter()
            .filter(|t| t.role == crate::finding::TableRole::Input)
            .map(|t| t.rows.len())
            .collect();
        if rows.is_empty() {
            (usize::MAX, usize::MAX)
        } else {
            (rows.iter().copied().max().unwrap_or(0), rows.iter().sum::<usize>())
        }
    };
    let mut best: Option<Reported> = None;
    for (_, i, smaller) in starts {
        let report = counterexample(&found[i], Some(smaller));
        if best.as_ref().is_none_or(|b| size(&report) < size(b)) {
            best = Some(report);
        }
        if best.as_ref().is_some_and(|b| size(b).0 <= SMALL_TABLE) {
            break;
        }
    }
    Some(best.unwrap_or_else(|| counterexample(first, None)))
}

/// The synthetic options of dataset `k` (0 is the first): the seeds that follow the first.
pub fn case_options(first: &SynthOptions, k: usize) -> SynthOptions {
    SynthOptions { seed: first.seed.wrapping_add(k as u64), ..*first }
}

/// What makes two findings the same across datasets: everything but the numbers in the
/// message (row counts and values differ from one dataset to the next).
fn same_kind(finding: &Finding) -> String {
    let message: String = finding.message.chars().filter(|c| !c.is_ascii_digit()).collect();
    format!("{}|{:?}|{:?}|{:?}|{}", finding.code, finding.model, finding.location, finding.json_path, message)
}
