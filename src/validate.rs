//! The one entry point: validate a loaded project against its spec, every stage in order, into
//! a [`Report`]. The command line (`lint`, `validate`) and the tests call it; what to do with the
//! report (render it, write files, exit) is the caller's.

use crate::check::explained::set_aside_explained;
use crate::check::lineage::{check_project_resolved, CodeCheck};
use crate::error::Result;
use crate::finding::Severity;
use crate::gate::baseline::{self, Baseline};
use crate::gate::changed::{self, Selection};
use crate::gate::partition::{self, Part, Partition};
use crate::meter::Stage as MeterStage;
use crate::project::layout::Project;
use crate::prove::fixture::Fixture;
use crate::prove::search::search;
use crate::report::model::{
    BaselineUse, ChangedScope, CheckRun, PartitionScope, Report, RunCounts, RunScope, Stage, PROJECT,
};
use crate::report::render::text;
use crate::run::options::RunOptions;
use crate::spec::lint::lint_and_resolve;
use crate::suite::read::{reads_of, resolve, StatementKind, TableTarget};
use crate::suite::{lint_suite, load_suite, Suite, TestFile};

/// What to validate and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// How to run the models: `None` lints the spec only (`specproof lint`); `Some` also checks
    /// the code, runs it and proves it (`specproof validate`).
    pub run: Option<RunOptions>,
    /// Check the code statically but run nothing (`--no-run`).
    pub no_run: bool,
    /// Validate only the models changed since this git revision, and what they feed
    /// (`--changed-since`).
    pub changed_since: Option<String>,
    /// Validate only this part of the models (`--partition K/N`): whole connected components
    /// of the model graph, the same data as a run of every model. Not with `changed_since`.
    pub partition: Option<Partition>,
    /// Findings a baseline accepts, with the baseline file's name as the user gave it.
    pub baseline: Option<(Baseline, String)>,
    /// The least severity that fails the gate.
    pub fail_on: Severity,
}

/// What validating a project produced: the report, and what its renderers and the caller need.
#[derive(Debug, Clone)]
pub struct Validation {
    /// The report.
    pub report: Report,
    /// Regression tests for the differences found, in the shipped-test format.
    pub fixtures: Vec<Fixture>,
    /// The code under test as it was read (`validate` only).
    pub code: Option<CodeCheck>,
    /// The shipped tests as they were read (`validate` only).
    pub suite: Option<Suite>,
}

/// Validates `project`: the spec lint, then (with [`Options::run`]) the shipped tests' lint, the
/// static check of the code, and every model run and proved on synthetic data; findings sorted,
/// a changed-only scope and a baseline applied.
pub fn validate(project: &Project, options: &Options) -> Result<Validation> {
    let reference = options.changed_since.as_deref();
    let mut suite = options.run.is_some().then(|| load_suite(project));
    let part = options.partition.map(|p| part_of(project, p, suite.as_ref()));
    let selection = match (&part, reference) {
        (Some(_), Some(_)) => return Err(crate::error::Error::new(crate::error::ErrorKind::Config(
            "--partition and --changed-since cannot be combined: a part is fixed by the model graph, not by a change"
                .into(),
        ))),
        (Some(part), None) => Some(part.selection()),
        (None, reference) => reference.map(|r| changed::select(project, r)).transpose()?,
    };
    let (skip_model, skip_test) = match (&part, reference) {
        (Some(part), _) => {
            let label = part.partition.label();
            (format!("not in part {label}"), format!("reads no model of part {label}"))
        }
        (None, r) => {
            let r = r.unwrap_or("");
            (format!("unchanged since {r}"), format!("reads no model changed since {r}"))
        }
    };
    let mut checks = Checks { project, selection: selection.as_ref(), skipped: skip_model, list: Vec::new() };
    checks.list.push(CheckRun::ran(PROJECT, Stage::SpecLint));
    checks.add(&[Stage::SpecLint], &|_, _| Some(Ok(())));

    let meter = options.run.as_ref().map(|r| r.meter.clone()).unwrap_or_default();
    let mut findings = project.source_findings.clone();
    let (lint, resolution) = meter.time(MeterStage::Lint, || lint_and_resolve(&project.spec, &project.catalog));
    findings.extend(lint.iter().cloned());
    let mut scope = RunScope::default();
    let selected = |model: Option<&str>| selection.as_ref().is_none_or(|s| model.is_none_or(|m| s.selects(m)));
    let mut fixtures: Vec<Fixture> = Vec::new();
    let mut spec_coverage = None;
    // The check reads the meaning the lint resolved: each spec expression is parsed once.
    let code = options
        .run
        .is_some()
        .then(|| meter.time(MeterStage::Static, || check_project_resolved(project, resolution, !options.no_run)));
    // Of every shipped test file, before a part keeps its own.
    let print = part.as_ref().map(|_| fingerprint(project, options, code.as_ref(), suite.as_ref()));
    // A changed-only run runs the shipped test files that changed or read a model it validates;
    // a part, those that read its models (and the first part those that read none).
    if let (Some(suite), Some(selection)) = (suite.as_mut(), selection.as_ref()) {
        let wanted = |file: &TestFile| {
            let changed = std::fs::canonicalize(&file.file).is_ok_and(|p| selection.changed_tests.contains(&p));
            let reads = models_read_by(file, project);
            let first_part = part.as_ref().is_some_and(|p| p.partition.part == 1);
            changed
                || (reads.is_empty() && first_part)
                || reads.iter().any(|&i| selection.selects(&project.spec.spec.models[i].name))
        };
        let (kept, left): (Vec<TestFile>, Vec<TestFile>) = suite.files.drain(..).partition(|f| wanted(f));
        suite.files = kept;
        for file in left {
            checks.list.push(CheckRun {
                group: PROJECT.into(),
                stage: Stage::ShippedTest,
                target: file.file.clone(),
                skipped: Some(skip_test.clone()),
            });
        }
    }
    if let Some(suite) = &suite {
        findings.extend(suite.files.iter().flat_map(|f| f.findings.iter().cloned()));
        findings.extend(meter.time(MeterStage::Lint, || lint_suite(project, suite)));
        for file in &suite.files {
            checks.list.push(CheckRun {
                group: PROJECT.into(),
                stage: Stage::ShippedTest,
                target: file.file.clone(),
                skipped: None,
            });
        }
    }
    if let (Some(code), Some(run)) = (&code, &options.run) {
        findings.extend(code.findings.iter().cloned());
        let with_code: std::collections::HashSet<&str> = code.models.iter().map(|m| m.model.as_str()).collect();
        let has_code = |model: &str| with_code.contains(model);
        checks.add(&[Stage::StaticCheck], &|m, _| has_code(m).then_some(Ok(())));
        let files = code.models.len();
        scope.model_files = Some(files);
        let nothing_changed = selection.as_ref().is_some_and(|s| s.selected().is_empty());
        if !options.no_run && files > 0 && !nothing_changed {
            let mut options = run.clone();
            options.only = selection.as_ref().map(|s| with_compared(project, s.selected()));
            options.progress.step("running models", 0, 1);
            match search(project, code, suite.as_ref(), &options) {
                Ok(outcome) => {
                    options.progress.step("running models", 1, 1);
                    let (kept, set_aside) = set_aside_explained(&project.spec, &lint, outcome.findings);
                    findings.extend(kept);
                    let ran = |model: &str, stage: Stage| -> Option<Result<(), String>> {
                        if let Some((_, why)) = outcome.coverage.skipped.iter().find(|(m, _)| m == model) {
                            return Some(Err(format!("not run: {why}")));
                        }
                        let scd2 = project
                            .spec
                            .spec
                            .models
                            .iter()
                            .any(|m| m.name == model && m.constraints.scd_type == Some(2));
                        // An SCD2 model is compared with its reference history when its history ran.
                        let compared =
                            !scd2 || stage != Stage::Reference || outcome.coverage.histories.iter().any(|m| m == model);
                        (outcome.coverage.ran.iter().any(|m| m == model) && compared).then_some(Ok(()))
                    };
                    checks.add(&[Stage::Execution, Stage::OutputChecks, Stage::Reference], &ran);
                    let shown = outcome.coverage.ran.iter().filter(|m| selected(Some(m.as_str()))).count();
                    let mut counts = RunCounts {
                        models: shown,
                        upstream: outcome.coverage.ran.len() - shown,
                        datasets: outcome.cases,
                        rows: outcome.coverage.rows_loaded,
                        seed: options.synth.seed,
                        ..RunCounts::default()
                    };
                    fixtures = outcome.fixtures.iter().filter(|f| selected(Some(&f.model))).cloned().collect();
                    let mut reach = outcome.spec_coverage.clone();
                    reach.outcomes.retain(|r| selected(Some(r.outcome.model.as_str())));
                    findings.extend(crate::prove::coverage::unreached_findings(project, &reach));
                    spec_coverage = Some(reach);
                    counts.test_files = outcome.coverage.test_files_run;
                    let kept = |models: &[String]| models.iter().filter(|m| selected(Some(m))).cloned().collect();
                    counts.histories = kept(&outcome.coverage.histories);
                    counts.undefined_histories = kept(&outcome.coverage.undefined_histories);
                    counts.set_aside = set_aside;
                    counts.not_run =
                        outcome.coverage.skipped.iter().filter(|(m, _)| selected(Some(m.as_str()))).cloned().collect();
                    scope.run = Some(counts);
                }
                Err(error) => return Err(error),
            }
        }
    }
    let mut line = scope.line();
    if let Some(selection) = &selection {
        // Findings about models a changed-only run (or another part) leaves out are not its
        // business; the spec's and the project's own (no model) still are: every part has them.
        findings.retain(|f| selected(f.model.as_deref()));
        if let Some(part) = &part {
            line.push_str(&part.describe());
        } else if selection.selected().is_empty() {
            line.push_str(&format!("; no model changed since {}", reference.unwrap_or("")));
        }
    }
    crate::finding::sort_findings(&mut findings);

    let command = if options.run.is_some() { "validate" } else { "lint" };
    let mut report = Report::new(command, &project.spec.text.file, line, Vec::new());
    report.fail_on = options.fail_on;
    report.checks = checks.list;
    report.coverage = spec_coverage;
    report.changed = selection.as_ref().zip(reference).map(|(s, r)| ChangedScope {
        reference: r.to_string(),
        changed: s.changed.clone(),
        downstream: s.downstream.clone(),
        skipped: s.skipped.clone(),
    });
    report.partition = part.zip(print).map(|(part, fingerprint)| PartitionScope {
        part: part.partition.part,
        of: part.partition.of,
        all_models: project.spec.spec.models.iter().map(|m| m.name.clone()).collect(),
        models: part.models,
        components: part.components,
        total_components: part.total_components,
        root: crate::project::layout::display(&project.paths.root),
        fingerprint,
        scope,
    });
    let root = project.paths.root.clone();
    if let Some((baseline, file)) = &options.baseline {
        let applied = baseline::apply(baseline, findings, &root, &selected);
        report.findings = applied.kept;
        report.accepted = applied.accepted;
        report.baseline = Some(BaselineUse { file: file.clone(), stale: applied.stale });
    } else {
        report.findings = findings;
    }
    report.complete_checks();
    if let Some(code) = &code {
        let with_findings: std::collections::BTreeSet<&str> =
            report.findings.iter().filter_map(|f| f.model.as_deref()).collect();
        report.diagrams = crate::diagram::lineages_of(project, code, &|m| with_findings.contains(m));
    }
    Ok(Validation { report, fixtures, code, suite })
}

/// Whether a stage ran on a model: ran (Ok), skipped and why (Err), not applicable (None).
type StageRan<'a> = dyn Fn(&str, Stage) -> Option<Result<(), String>> + 'a;

/// The models and shipped test files of a run, as checks (for JUnit): every stage that ran on
/// each model or did not, and why.
struct Checks<'a> {
    project: &'a Project,
    selection: Option<&'a Selection>,
    /// Why a model the selection leaves out was not checked.
    skipped: String,
    list: Vec<CheckRun>,
}

impl Checks<'_> {
    fn selected(&self, model: &str) -> bool {
        self.selection.is_none_or(|s| s.selects(model))
    }

    /// Adds `stages` for every model: ran when `ran` says so (Ok), skipped with its reason
    /// (Err), left out (None).
    fn add(&mut self, stages: &[Stage], ran: &StageRan<'_>) {
        let unchanged = self.skipped.clone();
        for model in &self.project.spec.spec.models {
            for &stage in stages {
                let check = if !self.selected(&model.name) {
                    Some(CheckRun::skipped(&model.name, stage, &unchanged))
                } else {
                    match ran(&model.name, stage) {
                        Some(Ok(())) => Some(CheckRun::ran(&model.name, stage)),
                        Some(Err(why)) => Some(CheckRun::skipped(&model.name, stage, &why)),
                        None => None,
                    }
                };
                self.list.extend(check);
            }
        }
    }
}

/// The spec indexes of the models a shipped test file reads (directly, through a fixture it
/// fills, or through its `-- cte:` header).
fn models_read_by(file: &TestFile, project: &Project) -> Vec<usize> {
    let spec = &project.spec.spec;
    let mut names: Vec<Vec<String>> = Vec::new();
    for statement in &file.statements {
        match &statement.kind {
            StatementKind::Fixture { name, query } => {
                names.push(name.clone());
                names.extend(reads_of(query.as_ref()));
            }
            StatementKind::Assert { condition, .. } => names.extend(reads_of(condition.as_ref())),
            StatementKind::Singular(query) => names.extend(reads_of(query.as_ref())),
            StatementKind::Other(_) => {}
        }
    }
    let mut models: Vec<usize> = names
        .iter()
        .filter_map(|parts| match resolve(spec, &project.catalog, file.cte.as_ref(), parts) {
            TableTarget::Model(i) => Some(i),
            _ => None,
        })
        .collect();
    if let Some(cte) = &file.cte {
        models.extend(spec.model_index(&cte.model));
    }
    models.sort_unstable();
    models.dedup();
    models
}

/// `models` and the models their `relationships` tests compare them with: a changed-only run
/// runs those too, for their output only, or the tests would read tables that were never made.
fn with_compared(project: &Project, mut models: Vec<String>) -> Vec<String> {
    let spec = &project.spec.spec;
    let targets = partition::test_targets(spec);
    let compared: Vec<String> = models
        .iter()
        .filter_map(|m| spec.model_index(m))
        .flat_map(|i| targets[i].iter().map(|&t| spec.models[t].name.clone()))
        .collect();
    models.extend(compared);
    models.sort();
    models.dedup();
    models
}

/// The part `partition` of `project`'s models: a model goes with the models it reads and those
/// its `relationships` tests read; shipped test files tie the models they read.
fn part_of(project: &Project, partition: Partition, suite: Option<&Suite>) -> Part {
    let names: Vec<&str> = project.spec.spec.models.iter().map(|m| m.name.as_str()).collect();
    let mut deps = crate::spec::resolve::graph::dependencies(&project.spec.spec, &project.catalog);
    for (reads, compared) in deps.iter_mut().zip(partition::test_targets(&project.spec.spec)) {
        reads.extend(compared);
    }
    let together: Vec<Vec<usize>> =
        suite.iter().flat_map(|s| s.files.iter()).map(|file| models_read_by(file, project)).collect();
    partition::select(partition, &names, &deps, &together)
}

/// A hash of everything a run's findings depend on: the spec, the source DDL, the model code
/// and shipped tests (names and texts), the options of the run and the baseline. The parts of
/// one sharded run share it, and `report merge` refuses parts that do not.
fn fingerprint(project: &Project, options: &Options, code: Option<&CodeCheck>, suite: Option<&Suite>) -> String {
    let mut texts: Vec<String> = vec![project.spec.text.file.clone(), project.spec.text.text.clone()];
    for (file, text) in &project.catalog.texts {
        texts.extend([file.clone(), text.clone()]);
    }
    for model in code.iter().flat_map(|c| c.models.iter()) {
        texts.extend([model.file.clone(), model.rendered.as_ref().map(|r| r.original.clone()).unwrap_or_default()]);
    }
    for file in suite.iter().flat_map(|s| s.files.iter()) {
        texts.extend([file.file.clone(), file.rendered.as_ref().map(|r| r.original.clone()).unwrap_or_default()]);
    }
    texts.push(format!("{:?}", project.code_dialect));
    if let Some(run) = &options.run {
        texts.push(format!("{:?} {} {} {} {}", run.synth, run.cases, run.shrink, run.run_time, options.no_run));
    }
    texts.push(format!("{:?}", options.fail_on));
    if let Some((baseline, _)) = &options.baseline {
        texts.push(crate::gate::baseline::render(baseline));
    }
    partition::fingerprint(&texts)
}

/// Every file a finding can point into, for the text report's source lines.
pub fn source_texts<'a>(
    project: &'a Project,
    code: Option<&'a CodeCheck>,
    suite: Option<&'a Suite>,
) -> text::SourceTexts<'a> {
    let mut sources: text::SourceTexts<'_> =
        project.catalog.texts.iter().map(|(file, text)| (file.as_str(), text.as_str())).collect();
    sources.insert(project.spec.text.file.as_str(), project.spec.text.text.as_str());
    for model in code.iter().flat_map(|c| c.models.iter()) {
        if let Some(rendered) = &model.rendered {
            sources.insert(model.file.as_str(), rendered.original.as_str());
        }
    }
    for file in suite.iter().flat_map(|s| s.files.iter()) {
        if let Some(rendered) = &file.rendered {
            sources.insert(file.file.as_str(), rendered.original.as_str());
        }
    }
    sources
}
