//! A generated project validated with every stage timed: what `specproof bench` measures.
//!
//! The project is written to a temporary folder (the validation reads a project from files, as a
//! user's), validated with the [`crate::validate::validate`] a user runs, once per thread
//! count asked for, and removed. Times are whole-stage wall times summed over the datasets
//! that run side by side ([`crate::meter`]); the run's own wall time is the figure to compare
//! with the clock. A run with planted defects says which of them the validation flagged: a
//! throughput that is not also a correctness figure would be worthless.

use super::generate::{generate_with_defects, Flavour, GenerateOptions, PlantedDefect};
use crate::error::{Error, ErrorKind, Result};
use crate::finding::Severity;
use crate::meter::{Meter, Stage, Work};
use crate::project::layout::{load_project, Overrides};
use crate::run::options::RunOptions;
use crate::spec::resolve::{kinds_of, ModelKind};
use crate::validate::{validate, Options};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to generate and how to validate it.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// The project: model count, seed and code flavour.
    pub generate: GenerateOptions,
    /// Models whose code is made wrong ([`generate_with_defects`]).
    pub defects: usize,
    /// The run: rows per source table, datasets, time limits (its meter is replaced).
    pub run: RunOptions,
    /// Check the code statically only.
    pub no_run: bool,
    /// Worker thread counts to run with, one validation each (empty: the machine's default).
    pub jobs: Vec<usize>,
    /// Keep the generated project in this folder instead of a temporary one.
    pub keep: Option<PathBuf>,
    /// Measure this project instead of generating one (its folder and overrides).
    pub existing: Option<(PathBuf, Overrides)>,
}

/// What one `specproof bench` measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Whether the project was generated (else it is the user's, `--project`).
    pub generated: bool,
    /// The project.
    pub project: ProjectShape,
    /// Rows per source table of each dataset.
    pub rows_per_source: usize,
    /// Datasets each validation runs.
    pub datasets: usize,
    /// Whether the models ran (`--no-run` checks them statically only).
    pub ran: bool,
    /// One validation per thread count.
    pub runs: Vec<BenchRun>,
    /// The defects planted, each with whether the (first) validation flagged its model.
    pub defects: Vec<DefectResult>,
}

/// The shape of the generated project.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectShape {
    /// Models in all.
    pub models: usize,
    /// Models that map rows (transforms, joins, filters).
    pub mapping: usize,
    /// Models that aggregate.
    pub aggregate: usize,
    /// SCD2 models (history kept over runs).
    pub scd2: usize,
    /// Source tables.
    pub sources: usize,
    /// `sqlx` (Dataform SQLX, BigQuery SQL) or `duckdb`; for a project of the user's, its folder.
    pub flavour: String,
    /// The generator's seed (the data's seed is the run's).
    pub seed: u64,
}

/// One validation of the project.
#[derive(Debug, Clone, Serialize)]
pub struct BenchRun {
    /// Worker threads.
    pub jobs: usize,
    /// Wall time of the whole validation, rendering the report included, in seconds.
    pub wall_seconds: f64,
    /// Each stage's time and throughput, in flow order; stages that did nothing are left out.
    pub stages: Vec<StageTime>,
    /// Models validated per second of wall time.
    pub models_per_second: f64,
    /// The process's peak resident memory while it ran, in bytes (Linux; `None` elsewhere).
    pub peak_memory_bytes: Option<u64>,
    /// Findings that fail the gate (errors).
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Models with an error finding that carry no planted defect.
    pub other_models_flagged: Vec<String>,
    /// Work counted while it ran ([`crate::meter::Work`]).
    pub work: Work,
}

/// One stage of a [`BenchRun`].
#[derive(Debug, Clone, Serialize)]
pub struct StageTime {
    /// The stage.
    pub stage: Stage,
    /// Its time, summed over the datasets run side by side, in seconds.
    pub seconds: f64,
    /// Units of work it did, and their name (`models`, `rows`, `checks`).
    pub items: u64,
    /// The name of those units.
    pub unit: &'static str,
    /// Units per second.
    pub per_second: f64,
}

/// A planted defect and whether the validation flagged its model.
#[derive(Debug, Clone, Serialize)]
pub struct DefectResult {
    /// The defect.
    #[serde(flatten)]
    pub defect: PlantedDefect,
    /// An error finding names its model.
    pub found: bool,
}

/// Generates the project, validates it once per thread count, and reports what each stage took.
pub fn bench(options: &BenchOptions) -> Result<BenchReport> {
    if let Some((dir, overrides)) = &options.existing {
        let (runs, project, _) = bench_in(dir, overrides, options, &[])?;
        return Ok(BenchReport {
            generated: false,
            project,
            rows_per_source: options.run.synth.rows,
            datasets: if options.no_run { 0 } else { options.run.cases.max(1) },
            ran: !options.no_run,
            runs,
            defects: Vec::new(),
        });
    }
    let (generated, planted) = generate_with_defects(&options.generate, options.defects);
    let (dir, temporary) = match &options.keep {
        Some(dir) => (dir.clone(), false),
        None => (
            std::env::temp_dir().join(format!("specproof-bench-{}-{}", std::process::id(), options.generate.seed)),
            true,
        ),
    };
    if dir.exists() && (temporary || std::fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_some())) {
        return Err(io_error(&dir, "already exists and is not empty; the bench writes a new project there"));
    }
    generated.write_to(&dir).map_err(|e| io_error(&dir, &e.to_string()))?;
    let result = bench_in(&dir, &Overrides::default(), options, &planted);
    if temporary {
        // A leftover temporary folder is untidy, not wrong: the report still stands.
        let _ = std::fs::remove_dir_all(&dir);
    }
    let (runs, project, first_flagged) = result?;
    let defects = planted
        .into_iter()
        .map(|defect| {
            let found = first_flagged.contains(&defect.model);
            DefectResult { defect, found }
        })
        .collect();
    Ok(BenchReport {
        generated: true,
        project,
        rows_per_source: options.run.synth.rows,
        datasets: if options.no_run { 0 } else { options.run.cases.max(1) },
        ran: !options.no_run,
        runs,
        defects,
    })
}

type Measured = (Vec<BenchRun>, ProjectShape, Vec<String>);

fn bench_in(dir: &Path, overrides: &Overrides, options: &BenchOptions, planted: &[PlantedDefect]) -> Result<Measured> {
    let project = load_project(dir, overrides)?;
    // A model counts as the kind the spec makes it (an SCD2 model as SCD2 whatever else it has).
    let kinds: Vec<ModelKind> = project
        .spec
        .spec
        .models
        .iter()
        .map(|m| {
            let kinds = kinds_of(m);
            [ModelKind::Scd2, ModelKind::Aggregate]
                .into_iter()
                .find(|k| kinds.contains(k))
                .unwrap_or(ModelKind::Mapping)
        })
        .collect();
    let count = |kind: ModelKind| kinds.iter().filter(|&&k| k == kind).count();
    let shape = ProjectShape {
        models: kinds.len(),
        mapping: count(ModelKind::Mapping),
        aggregate: count(ModelKind::Aggregate),
        scd2: count(ModelKind::Scd2),
        sources: project.catalog.tables.len(),
        flavour: match (&options.existing, options.generate.flavour) {
            (Some(_), _) => crate::project::layout::display(dir),
            (None, Flavour::Sqlx) => "sqlx".to_string(),
            (None, Flavour::DuckDb) => "duckdb".to_string(),
        },
        seed: options.generate.seed,
    };
    let jobs = if options.jobs.is_empty() { vec![rayon::current_num_threads()] } else { options.jobs.clone() };
    let mut runs = Vec::new();
    let mut first_flagged = Vec::new();
    for (i, &threads) in jobs.iter().enumerate() {
        // The walks over deeply nested SQL recurse: workers get the stack the binary's have.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .stack_size(crate::sql::depth::STACK_SIZE)
            .build()
            .map_err(|e| Error::new(ErrorKind::Run(format!("could not start {threads} worker threads: {e}"))))?;
        let (run, flagged) = pool.install(|| one_run(&project, options, threads.max(1), planted))?;
        if i == 0 {
            first_flagged = flagged;
        }
        runs.push(run);
    }
    Ok((runs, shape, first_flagged))
}

fn one_run(
    project: &crate::project::layout::Project,
    options: &BenchOptions,
    jobs: usize,
    planted: &[PlantedDefect],
) -> Result<(BenchRun, Vec<String>)> {
    let meter = Meter::on();
    let run = RunOptions { meter: meter.clone(), ..options.run.clone() };
    let validate_options = Options {
        run: Some(run),
        no_run: options.no_run,
        changed_since: None,
        partition: None,
        baseline: None,
        fail_on: Severity::Error,
    };
    reset_peak_memory();
    let work_before = Work::now();
    let start = Instant::now();
    let validation = validate(project, &validate_options)?;
    meter.time(Stage::Report, || {
        let sources = crate::report::render::text::SourceTexts::new();
        let text = crate::report::render::text::render(&validation.report, &sources);
        let json = crate::report::render::json::render(&validation.report);
        std::hint::black_box((text, json));
    });
    let wall = start.elapsed().as_secs_f64();
    let work = Work::now().since(&work_before);
    let findings = &validation.report.findings;
    let mut flagged: Vec<String> =
        findings.iter().filter(|f| f.severity == Severity::Error).filter_map(|f| f.model.clone()).collect();
    flagged.sort();
    flagged.dedup();
    let other_models_flagged = flagged.iter().filter(|m| !planted.iter().any(|p| &p.model == *m)).cloned().collect();
    let models = project.spec.spec.models.len() as u64;
    let datasets = if options.no_run { 0 } else { options.run.cases.max(1) as u64 };
    let stages = Stage::ALL
        .iter()
        .filter_map(|&stage| {
            let seconds = meter.total(stage).as_secs_f64();
            let (items, unit) = match stage {
                Stage::Lint | Stage::Static | Stage::Report => (models, "models"),
                Stage::Data => (work.rows_made, "rows"),
                Stage::Execution | Stage::Reference | Stage::Coverage => (models * datasets, "models"),
                Stage::OutputChecks => (work.output_checks, "checks"),
                Stage::ShippedTests | Stage::History | Stage::Shrinking => (0, ""),
            };
            // A stage with nothing to do (no shipped tests, no SCD2 model) shows no line.
            (seconds >= 5e-5).then(|| StageTime {
                stage,
                seconds,
                items,
                unit,
                per_second: if seconds > 0.0 { items as f64 / seconds } else { 0.0 },
            })
        })
        .collect();
    let bench_run = BenchRun {
        jobs,
        wall_seconds: wall,
        stages,
        models_per_second: if wall > 0.0 { models as f64 / wall } else { 0.0 },
        peak_memory_bytes: peak_memory(),
        errors: findings.iter().filter(|f| f.severity == Severity::Error).count(),
        warnings: findings.iter().filter(|f| f.severity == Severity::Warning).count(),
        other_models_flagged,
        work,
    };
    Ok((bench_run, flagged))
}

fn io_error(dir: &Path, why: &str) -> Error {
    Error::new(ErrorKind::Run(format!("bench project folder {}: {why}", crate::project::layout::display(dir))))
}

/// Starts the process's peak memory afresh, so that each run reports its own (Linux 4.0 and
/// later; elsewhere the peak is the process's so far).
fn reset_peak_memory() {
    // Writing 5 to clear_refs resets the peak resident set size; failing leaves it as it was.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident memory in bytes: `VmHWM` of `/proc/self/status` (Linux).
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}
