//! Scoring: the project is run once as it is (the baseline) and once per mutant with that one
//! model file replaced, each time with every suite; a suite kills a mutant when it reports a
//! failure it did not report on the original code. A mutant no suite kills, the differential
//! check included, is *likely equivalent* and left out of every score.

use super::mutants::{mutants_of, Mutant};
use super::operators::Operator;
use crate::check::lineage::{check_project, check_project_texts};
use crate::codegen::test_files::{generate_tests, TestFormat};
use crate::error::Result;
use crate::finding::{Code, Finding};
use crate::project::code::ProjectTables;
use crate::project::layout::Project;
use crate::prove::search::search;
use crate::run::options::RunOptions;
use crate::suite::read::analyse_test_file;
use crate::suite::{lint_suite, load_suite, Suite as TestSuite};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Where the files of the generated tests are said to be (they are never written).
pub const GENERATED: &str = "<generated tests>";

/// A suite that can kill mutants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuiteKind {
    /// The project's own `tests/*.sql` (TST001, TST002).
    Shipped,
    /// The spec's named tests, run on the output (CHK001–CHK010).
    Spec,
    /// The tests `specproof generate tests` writes from the spec (their TST001, TST002).
    Generated,
    /// specproof's static check of the code against the spec (CODE004–CODE016, CODE019).
    Static,
    /// specproof's differential check: the output compared with the spec's reference on the
    /// synthetic datasets (DIF001, DIF003).
    Differential,
}

impl SuiteKind {
    /// Every suite, in report order.
    pub const ALL: [SuiteKind; 5] =
        [SuiteKind::Shipped, SuiteKind::Spec, SuiteKind::Generated, SuiteKind::Static, SuiteKind::Differential];

    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            SuiteKind::Shipped => "shipped",
            SuiteKind::Spec => "spec",
            SuiteKind::Generated => "generated",
            SuiteKind::Static => "static",
            SuiteKind::Differential => "differential",
        }
    }

    /// The suite a name names.
    pub fn from_name(name: &str) -> Option<SuiteKind> {
        SuiteKind::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// What running the suites on a mutant decided.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "status", content = "why")]
pub enum Status {
    /// At least one suite killed it: it counts in every suite's score.
    Scored,
    /// No suite, the differential check included, told it from the original on any dataset.
    LikelyEquivalent,
    /// A query of it ran past the time limit: killed by the watchdog, counted apart.
    Timeout,
    /// It does not parse, evaluate or run (a binder or runtime error): stillborn, left out.
    Invalid(String),
}

/// A mutant and what the suites did to it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MutantResult {
    /// The mutant.
    #[serde(flatten)]
    pub mutant: Mutant,
    /// What was decided.
    #[serde(flatten)]
    pub status: Status,
    /// The suites that killed it.
    pub killed_by: Vec<SuiteKind>,
}

/// A suite as it was run: its size and why it may not be able to fail.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SuiteInfo {
    /// Test files.
    pub files: usize,
    /// Tests (assertions and singular tests).
    pub tests: usize,
    /// The test-suite lint's findings about these files, counted by code (TST003 a test that
    /// cannot fail, TST004 an assertion in a comment, TST006/TST007 a test that reads no model).
    pub lint: BTreeMap<String, usize>,
    /// Why the suite is not run, when it is not.
    pub not_run: Option<String>,
}

/// How to mutate.
#[derive(Debug, Clone)]
pub struct MutateOptions {
    /// How each run runs (datasets, seed, rows, time limit).
    pub run: RunOptions,
    /// The most mutants run; more are sampled down to it in a stable order of `seed`.
    pub budget: usize,
    /// Threads running mutants side by side (`None`: rayon's default).
    pub jobs: Option<usize>,
    /// The operators to use.
    pub operators: Vec<Operator>,
    /// Only these models (by name); `None` every model with code.
    pub models: Option<Vec<String>>,
    /// Run the tests `generate tests` writes from the spec.
    pub generated: bool,
}

/// What `specproof mutate` found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MutationReport {
    /// The spec file.
    pub spec: String,
    /// Mutants made, before the budget.
    pub made: usize,
    /// Changes that could not be written into their file (a template inside, or the text did
    /// not parse back to the changed tree).
    pub not_written: usize,
    /// The mutants run, by model then site.
    pub mutants: Vec<MutantResult>,
    /// The suites, by name.
    pub suites: BTreeMap<String, SuiteInfo>,
    /// Datasets each mutant ran on.
    pub datasets: usize,
    /// The first dataset's seed.
    pub seed: u64,
}

/// One suite's score over some mutants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Score {
    /// Mutants it killed.
    pub killed: usize,
    /// Mutants in the score: killed by at least one suite (likely equivalent, invalid and
    /// timed-out mutants are left out).
    pub of: usize,
}

impl Score {
    /// The score in per cent; `None` with nothing to score.
    pub fn percent(self) -> Option<f64> {
        (self.of > 0).then(|| 100.0 * self.killed as f64 / self.of as f64)
    }
}

impl MutationReport {
    /// `suite`'s score over the mutants of `model` (every model with `None`).
    pub fn score(&self, suite: SuiteKind, model: Option<&str>) -> Score {
        let scored = self
            .mutants
            .iter()
            .filter(|m| model.is_none_or(|name| m.mutant.model == name) && m.status == Status::Scored);
        let (mut killed, mut of) = (0, 0);
        for m in scored {
            of += 1;
            killed += usize::from(m.killed_by.contains(&suite));
        }
        Score { killed, of }
    }

    /// The models mutated, in order.
    pub fn models(&self) -> Vec<&str> {
        let set: BTreeSet<&str> = self.mutants.iter().map(|m| m.mutant.model.as_str()).collect();
        set.into_iter().collect()
    }

    /// How many mutants have each status.
    pub fn count(&self, status: fn(&Status) -> bool) -> usize {
        self.mutants.iter().filter(|m| status(&m.status)).count()
    }
}

/// A stable pseudo-random order of `text` for `seed` (64-bit FNV-1a, then a mix).
fn rank(seed: u64, text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash ^= hash >> 33;
    hash.wrapping_mul(0xff51_afd7_ed55_8ccd)
}

/// At most `budget` of `mutants`, chosen in `seed`'s stable order and kept in their own order.
pub fn sample(mut mutants: Vec<Mutant>, budget: usize, seed: u64) -> Vec<Mutant> {
    if mutants.len() <= budget {
        return mutants;
    }
    let mut ranked: Vec<(u64, usize)> =
        mutants.iter().enumerate().map(|(i, m)| (rank(seed, &format!("{}#{}", m.model, m.index)), i)).collect();
    ranked.sort_unstable();
    let kept: HashSet<usize> = ranked.into_iter().take(budget).map(|(_, i)| i).collect();
    let mut i = 0;
    mutants.retain(|_| {
        i += 1;
        kept.contains(&(i - 1))
    });
    mutants
}

/// The suite a finding of a run speaks for, or what it says about the mutant.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Kill(SuiteKind),
    Invalid,
    Timeout,
    Nothing,
}

fn verdict(finding: &Finding) -> Verdict {
    let generated = finding.location.as_ref().is_some_and(|l| l.file.starts_with(GENERATED));
    match finding.code {
        Code::ShippedTestFailed | Code::ShippedTestNotRun if generated => Verdict::Kill(SuiteKind::Generated),
        Code::ShippedTestFailed | Code::ShippedTestNotRun => Verdict::Kill(SuiteKind::Shipped),
        Code::OutputTypeDiffers
        | Code::NullInNonNullable
        | Code::TestNotNullFailed
        | Code::TestUniqueFailed
        | Code::TestAcceptedValuesFailed
        | Code::TestRelationshipsFailed
        | Code::TestRangeFailed
        | Code::TestExpressionFailed
        | Code::PrimaryKeyFailed
        | Code::Scd2InvariantFailed => Verdict::Kill(SuiteKind::Spec),
        Code::DiffersFromReference | Code::CouldNotCompare => Verdict::Kill(SuiteKind::Differential),
        Code::MissingOutputColumn
        | Code::ExtraOutputColumn
        | Code::WrongSourceColumn
        | Code::TransformReadsDiffer
        | Code::JoinTypeDiffers
        | Code::JoinConditionDiffers
        | Code::FilterMissing
        | Code::FilterAfterJoin
        | Code::GroupByDiffers
        | Code::CodeUnknownColumn
        | Code::CodeUnknownTable
        | Code::WritesOutsideItsTable
        | Code::CodeTooDeep => Verdict::Kill(SuiteKind::Static),
        Code::CodeParse
        | Code::TemplateNotEvaluable
        | Code::NoFaithfulTranslation
        | Code::TemplateMistake
        | Code::ModelFailed
        | Code::SandboxDenied
        | Code::MemoryLimit => Verdict::Invalid,
        Code::QueryTimeout => Verdict::Timeout,
        _ => Verdict::Nothing,
    }
}

/// What a finding is, to tell a new one from one the original also has.
fn key(finding: &Finding) -> String {
    let at = finding.location.as_ref().map(|l| format!("{}:{}", l.file, l.line)).unwrap_or_default();
    format!("{}|{}|{}|{}", finding.code.as_str(), finding.model.as_deref().unwrap_or(""), at, finding.message)
}

/// Runs the project with `texts` as its model files: the static check's findings and the run's.
fn run_once(project: &Project, texts: &[String], suite: &TestSuite, options: &RunOptions) -> Result<Vec<Finding>> {
    let code = check_project_texts(project, texts);
    let mut findings = code.findings.clone();
    findings.extend(search(project, &code, Some(suite), options)?.findings);
    Ok(findings)
}

/// The shipped tests and (with `generated`) the tests `generate tests` writes, as one suite.
fn suites(project: &Project, generated: bool) -> (TestSuite, BTreeMap<String, SuiteInfo>) {
    let mut suite = load_suite(project);
    let mut infos: BTreeMap<String, SuiteInfo> = BTreeMap::new();
    let mut made = SuiteInfo::default();
    if generated {
        let tables = ProjectTables::new(&project.spec.spec, &project.catalog);
        let files = generate_tests(&project.spec, &project.catalog, TestFormat::Specproof).files;
        let mut read = 0;
        for file in files.iter().filter(|f| f.path.ends_with(".sql")) {
            let name = format!("{GENERATED}/{}", file.path);
            let test = analyse_test_file(&name, &file.text, project, &tables);
            // A file this project's dialect cannot read is not the suite's to fail.
            if test.findings.iter().any(|f| f.code == Code::ShippedTestNotRun) {
                continue;
            }
            read += 1;
            suite.files.push(test);
        }
        if read == 0 {
            made.not_run =
                Some(format!("none of the {} generated test files reads in this project's dialect", files.len()));
        }
    } else {
        made.not_run = Some("not asked for (--no-generated)".into());
    }
    let lint: Vec<Finding> = lint_suite(project, &suite);
    for (kind, info) in [(SuiteKind::Shipped, SuiteInfo::default()), (SuiteKind::Generated, made)] {
        let mut info = info;
        let mine = |file: &str| (kind == SuiteKind::Generated) == file.starts_with(GENERATED);
        for file in suite.files.iter().filter(|f| mine(&f.file)) {
            info.files += 1;
            info.tests += file.tests().count();
        }
        for finding in lint.iter().chain(suite.files.iter().flat_map(|f| f.findings.iter())) {
            if finding.location.as_ref().is_some_and(|l| mine(&l.file)) {
                *info.lint.entry(finding.code.as_str().to_string()).or_default() += 1;
            }
        }
        if kind == SuiteKind::Shipped && info.files == 0 {
            info.not_run = Some("the project has no shipped test files".into());
        }
        infos.insert(kind.name().to_string(), info);
    }
    (suite, infos)
}

/// The mutants `options` asks for, before the budget, with the code they were made from.
fn made(project: &Project, options: &MutateOptions) -> (crate::check::lineage::CodeCheck, super::mutants::Mutants) {
    let code = check_project(project);
    let wanted = |model: &str| options.models.as_ref().is_none_or(|m| m.iter().any(|n| n == model));
    let made = mutants_of(project, &code, &options.operators, &wanted);
    (code, made)
}

/// The mutants a run would score (the budget applied), without running anything
/// (`specproof mutate --list`), and how many were made in all.
pub fn list(project: &Project, options: &MutateOptions) -> (Vec<Mutant>, usize) {
    let (_, made) = made(project, options);
    let total = made.mutants.len();
    (sample(made.mutants, options.budget, options.run.synth.seed), total)
}

/// Mutates `project`'s code and scores every suite on the mutants. Errors when the original
/// code cannot be run at all.
pub fn mutate(project: &Project, options: &MutateOptions) -> Result<MutationReport> {
    let (code, made) = made(project, options);
    let total = made.mutants.len();
    let chosen = sample(made.mutants, options.budget, options.run.synth.seed);
    let mut texts: Vec<String> = Vec::new();
    for file in &project.model_files {
        let shown = crate::project::layout::display(&file.path);
        let text =
            code.models.iter().find(|m| m.file == shown).and_then(|m| m.rendered.as_ref()).map(|r| r.original.clone());
        texts.push(text.unwrap_or_default());
    }
    let (suite, mut infos) = suites(project, options.generated);
    let run = RunOptions { shrink: false, ..options.run.clone() };
    let original = run_once(project, &texts, &suite, &run)?;
    let baseline: HashSet<String> = original.iter().map(key).collect();
    // A model whose own code does not parse or run cannot tell a mutant from itself: its
    // mutants are not scored (else every one would look equivalent).
    let broken: BTreeMap<&str, String> = original
        .iter()
        .filter(|f| matches!(verdict(f), Verdict::Invalid | Verdict::Timeout))
        .filter_map(|f| f.model.as_deref().map(|m| (m, format!("the original code fails: {}", f.code.as_str()))))
        .collect();
    let judge = |mutant: &Mutant| -> MutantResult {
        if let Some(why) = broken.get(mutant.model.as_str()) {
            return MutantResult {
                mutant: mutant.clone(),
                status: Status::Invalid(why.clone()),
                killed_by: Vec::new(),
            };
        }
        let mut mine = texts.clone();
        mine[mutant.file_index] = mutant.text.clone();
        let findings = match run_once(project, &mine, &suite, &run) {
            Ok(findings) => findings,
            Err(error) => {
                return MutantResult {
                    mutant: mutant.clone(),
                    status: Status::Invalid(error.to_string()),
                    killed_by: Vec::new(),
                }
            }
        };
        let mut killed: BTreeSet<SuiteKind> = BTreeSet::new();
        let mut invalid: Option<String> = None;
        let mut timeout = false;
        for finding in findings.iter().filter(|f| !baseline.contains(&key(f))) {
            match verdict(finding) {
                Verdict::Kill(suite) => {
                    killed.insert(suite);
                }
                Verdict::Invalid => {
                    invalid.get_or_insert_with(|| format!("{}: {}", finding.code.as_str(), finding.message));
                }
                Verdict::Timeout => timeout = true,
                Verdict::Nothing => {}
            }
        }
        let status = match (invalid, timeout) {
            (Some(why), _) => Status::Invalid(why),
            (None, true) => Status::Timeout,
            (None, false) if killed.is_empty() => Status::LikelyEquivalent,
            (None, false) => Status::Scored,
        };
        let killed_by = if status == Status::Scored { killed.into_iter().collect() } else { Vec::new() };
        MutantResult { mutant: mutant.clone(), status, killed_by }
    };
    let results: Vec<MutantResult> = match options.jobs {
        Some(jobs) => {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs.max(1)).build().map_err(|e| {
                crate::error::Error::new(crate::error::ErrorKind::Config(format!("cannot start {jobs} threads: {e}")))
            })?;
            pool.install(|| chosen.par_iter().map(judge).collect())
        }
        None => chosen.par_iter().map(judge).collect(),
    };
    for kind in [SuiteKind::Spec, SuiteKind::Static, SuiteKind::Differential] {
        infos.entry(kind.name().to_string()).or_default();
    }
    Ok(MutationReport {
        spec: project.spec.text.file.clone(),
        made: total,
        not_written: made.not_written,
        mutants: results,
        suites: infos,
        datasets: options.run.cases.max(1),
        seed: options.run.synth.seed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mutant(model: &str, index: usize) -> Mutant {
        Mutant {
            model: model.into(),
            file: format!("models/{model}.sql"),
            index,
            operator: Operator::Comparison,
            what: String::new(),
            line: 1,
            diff: Vec::new(),
            file_index: 0,
            text: String::new(),
        }
    }

    #[test]
    fn each_finding_speaks_for_its_suite() {
        let at = |file: &str| crate::finding::Location { file: file.into(), line: 1, column: 1 };
        let failed = |file: &str| Finding::new(Code::ShippedTestFailed, "x").at(at(file));
        assert_eq!(verdict(&failed("tests/a.sql")), Verdict::Kill(SuiteKind::Shipped));
        assert_eq!(verdict(&failed(&format!("{GENERATED}/tests/a.sql"))), Verdict::Kill(SuiteKind::Generated));
        assert_eq!(verdict(&Finding::new(Code::TestUniqueFailed, "x")), Verdict::Kill(SuiteKind::Spec));
        assert_eq!(verdict(&Finding::new(Code::DiffersFromReference, "x")), Verdict::Kill(SuiteKind::Differential));
        assert_eq!(verdict(&Finding::new(Code::JoinTypeDiffers, "x")), Verdict::Kill(SuiteKind::Static));
        // The watchdog's stop is a kill of its own; a binder error a stillborn mutant.
        assert_eq!(verdict(&Finding::new(Code::QueryTimeout, "x")), Verdict::Timeout);
        assert_eq!(verdict(&Finding::new(Code::ModelFailed, "x")), Verdict::Invalid);
        assert_eq!(verdict(&Finding::new(Code::OutcomeNotReached, "x")), Verdict::Nothing);
    }

    #[test]
    fn sampling_is_stable_and_keeps_order() {
        let all: Vec<Mutant> = (1..=20).map(|i| mutant("m", i)).collect();
        let a: Vec<usize> = sample(all.clone(), 5, 7).iter().map(|m| m.index).collect();
        let b: Vec<usize> = sample(all.clone(), 5, 7).iter().map(|m| m.index).collect();
        assert_eq!(a, b);
        assert_eq!(a.len(), 5);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_ne!(a, sample(all, 5, 8).iter().map(|m| m.index).collect::<Vec<_>>());
    }

    #[test]
    fn scores_leave_out_equivalent_invalid_and_timeouts() {
        let result =
            |status: Status, killed_by: Vec<SuiteKind>| MutantResult { mutant: mutant("m", 1), status, killed_by };
        let report = MutationReport {
            spec: "spec.json".into(),
            made: 5,
            not_written: 0,
            mutants: vec![
                result(Status::Scored, vec![SuiteKind::Differential]),
                result(Status::Scored, vec![SuiteKind::Shipped, SuiteKind::Differential]),
                result(Status::LikelyEquivalent, vec![]),
                result(Status::Timeout, vec![]),
                result(Status::Invalid("x".into()), vec![]),
            ],
            suites: BTreeMap::new(),
            datasets: 1,
            seed: 1,
        };
        assert_eq!(report.score(SuiteKind::Shipped, None), Score { killed: 1, of: 2 });
        assert_eq!(report.score(SuiteKind::Differential, Some("m")), Score { killed: 2, of: 2 });
        assert_eq!(report.score(SuiteKind::Spec, Some("other")).percent(), None);
    }
}
