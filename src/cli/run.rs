//! What each command does, as a function from arguments to an [`Outcome`].

use super::args::{Cli, Command, DataArgs, ExplainArgs, Format, LineageArgs, ProjectArgs, RunArgs, ValidateArgs};
use crate::check::explained::set_aside_explained;
use crate::check::lineage::{check_project as check_code, CodeCheck};
use crate::engine::pipeline::{run_project, RunOptions};
use crate::error::Error;
use crate::finding::{Code, Finding};
use crate::project::layout::{load_project, Overrides, Project};
use crate::report::summary::Report;
use crate::report::{self, json, text};
use crate::spec::lint::lint_spec;
use crate::sql::code::ModelCode;
use crate::suite::{lint_suite, load_suite, Suite};
use crate::synth::{synthesize, write_csv};

/// What a command produced: text for stdout and stderr, and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// For standard output.
    pub stdout: String,
    /// For standard error.
    pub stderr: String,
    /// 0 clean, 1 findings, 2 could not run.
    pub code: u8,
}

impl Outcome {
    fn failed(error: &Error) -> Outcome {
        Outcome { stdout: String::new(), stderr: format!("specproof: error: {error}\n"), code: 2 }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Outcome {
    match cli.command {
        Command::Lint(args) => check_project(&args, "lint", None),
        Command::Validate(args) => check_project(&args.project, "validate", Some(&args)),
        Command::Data(args) => data(&args),
        Command::Lineage(args) => lineage(&args),
        Command::Explain(args) => explain(&args),
    }
}

fn load(args: &ProjectArgs) -> Result<Project, Error> {
    let overrides = Overrides {
        spec: args.spec.clone(),
        sources: args.sources.clone(),
        models: args.models.clone(),
        tests: args.tests.clone(),
        dialect: args.dialect.map(Into::into),
    };
    load_project(&args.dir, &overrides)
}

fn check_project(args: &ProjectArgs, command: &str, validate: Option<&ValidateArgs>) -> Outcome {
    let project = match load(args) {
        Ok(project) => project,
        Err(error) => return Outcome::failed(&error),
    };
    let mut findings = project.source_findings.clone();
    let lint = lint_spec(&project.spec, &project.catalog);
    findings.extend(lint.iter().cloned());
    let mut scope = "spec lint".to_string();
    let mut fixtures: Vec<String> = Vec::new();
    let code = validate.map(|_| check_code(&project));
    let suite = validate.map(|_| load_suite(&project));
    if let Some(suite) = &suite {
        findings.extend(suite.files.iter().flat_map(|f| f.findings.iter().cloned()));
        findings.extend(lint_suite(&project, suite));
    }
    if let (Some(code), Some(validate)) = (&code, validate) {
        findings.extend(code.findings.iter().cloned());
        let files = code.models.len();
        scope = format!("spec lint, static check of {files} model file{}", if files == 1 { "" } else { "s" });
        if !validate.no_run && files > 0 {
            let options = match run_options(&project, &validate.run, Some(validate)) {
                Ok(options) => options,
                Err(message) => return Outcome { stdout: String::new(), stderr: message, code: 2 },
            };
            match run_project(&project, code, suite.as_ref(), &options) {
                Ok(outcome) => {
                    let (kept, set_aside) = set_aside_explained(&project.spec, &lint, outcome.findings);
                    findings.extend(kept);
                    let seeds = if outcome.cases > 1 {
                        format!(
                            "{} synthetic datasets of {} rows (seeds {}–{})",
                            outcome.cases,
                            outcome.rows_loaded,
                            options.synth.seed,
                            options.synth.seed.wrapping_add(outcome.cases as u64 - 1)
                        )
                    } else {
                        format!("{} synthetic rows (seed {})", outcome.rows_loaded, options.synth.seed)
                    };
                    scope.push_str(&format!(
                        ", {} model{} run on {seeds}",
                        outcome.ran.len(),
                        if outcome.ran.len() == 1 { "" } else { "s" },
                    ));
                    if let Some(dir) = &validate.emit_fixture {
                        match write_fixtures(dir, &outcome.fixtures) {
                            Ok(written) => fixtures = written,
                            Err(message) => return Outcome { stdout: String::new(), stderr: message, code: 2 },
                        }
                    }
                    if outcome.test_files_run > 0 {
                        scope.push_str(&format!(
                            ", {} shipped test file{}",
                            outcome.test_files_run,
                            if outcome.test_files_run == 1 { "" } else { "s" }
                        ));
                    }
                    if !outcome.histories.is_empty() {
                        scope.push_str(&format!(
                            ", SCD2 history over {} runs ({})",
                            crate::engine::history::RUNS,
                            outcome.histories.join(", ")
                        ));
                    }
                    if !outcome.undefined_histories.is_empty() {
                        scope.push_str(&format!(
                            "; SCD2 history not checked for {}: its source repeats natural keys",
                            outcome.undefined_histories.join(", ")
                        ));
                    }
                    if set_aside > 0 {
                        scope.push_str(&format!(
                            "; {} output-check failure{} follow{} from the spec findings and {} not counted against the code",
                            set_aside,
                            if set_aside == 1 { "" } else { "s" },
                            if set_aside == 1 { "s" } else { "" },
                            if set_aside == 1 { "is" } else { "are" }
                        ));
                    }
                    if !outcome.skipped.is_empty() {
                        let skipped: Vec<String> =
                            outcome.skipped.iter().map(|(m, why)| format!("{m} ({why})")).collect();
                        scope.push_str(&format!("; not run: {}", skipped.join(", ")));
                    }
                }
                Err(error) => return Outcome::failed(&error),
            }
        }
    }
    crate::finding::sort_findings(&mut findings);
    let report = Report { command: command.into(), spec: project.spec.text.file.clone(), scope, findings };
    let stdout = match args.format {
        Format::Text => text::render(&report, &source_texts(&project, code.as_ref(), suite.as_ref())),
        Format::Json => json::render(&report),
    };
    let stderr = fixtures.iter().map(|f| format!("specproof: wrote regression test {f}\n")).collect();
    Outcome { stdout, stderr, code: if report.is_clean() { 0 } else { 1 } }
}

/// Writes each regression test into `dir` (created if missing); an existing file of the same
/// name is replaced, since it is the same counterexample written again. Returns the paths.
fn write_fixtures(dir: &std::path::Path, fixtures: &[(String, String, String)]) -> Result<Vec<String>, String> {
    let fail = |what: &str, path: &std::path::Path, e: std::io::Error| {
        format!("specproof: error: cannot {what} {}: {e}\n", crate::project::layout::display(path))
    };
    std::fs::create_dir_all(dir).map_err(|e| fail("create", dir, e))?;
    let mut written = Vec::new();
    for (_, name, text) in fixtures {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| fail("write", &path, e))?;
        written.push(crate::project::layout::display(&path));
    }
    Ok(written)
}

/// Synthetic datasets `validate` searches unless told otherwise: enough that a defect the first
/// dataset misses is usually found, few enough that customer360 validates in about a second on
/// two cores (README, "Performance").
const DEFAULT_CASES: u64 = 8;

/// More datasets than anyone waits for is a typo.
const MAX_CASES: u64 = 10_000;

/// The fixed run time every run uses, so results do not depend on the clock.
const RUN_TIME: &str = "2024-06-30 12:00:00";

fn run_options(project: &Project, run: &RunArgs, validate: Option<&ValidateArgs>) -> Result<RunOptions, String> {
    let mut options = RunOptions { run_time: RUN_TIME.to_string(), ..Default::default() };
    options.synth.seed = run.seed.or(project.config.seed).unwrap_or(42);
    let rows = run.rows.or(project.config.rows).unwrap_or(200);
    options.synth.rows =
        usize::try_from(rows).map_err(|_| format!("specproof: error: --rows {rows} is too large\n"))?;
    if let Some(validate) = validate {
        if !(validate.timeout.is_finite() && validate.timeout > 0.0) {
            return Err(format!(
                "specproof: error: --timeout must be a positive number of seconds, not {}\n",
                validate.timeout
            ));
        }
        options.engine.query_timeout = std::time::Duration::from_secs_f64(validate.timeout);
        if !is_memory_size(&validate.memory_limit) {
            return Err(format!(
                "specproof: error: --memory-limit `{}` is not a size; write a number and a unit, e.g. 512MB, 2GB, 1.5GiB\n",
                validate.memory_limit
            ));
        }
        options.engine.memory_limit = validate.memory_limit.clone();
        if let Some(path) = &validate.db {
            // A run builds its database from nothing; reusing one would mix two runs' tables.
            if path.exists() {
                return Err(format!(
                    "specproof: error: --db {} already exists; specproof writes a fresh database there: remove it or choose another path\n",
                    crate::project::layout::display(path)
                ));
            }
        }
        options.engine.db_path = validate.db.clone();
        let cases = validate.cases.map(|c| c as u64).or(project.config.cases).unwrap_or(DEFAULT_CASES);
        if cases == 0 || cases > MAX_CASES {
            return Err(format!("specproof: error: --cases must be between 1 and {MAX_CASES}, not {cases}\n"));
        }
        options.cases = cases as usize;
        options.shrink = !validate.no_shrink;
    }
    Ok(options)
}

/// A size DuckDB's `memory_limit` takes: a number and a unit (B, KB, MB, GB, TB, KiB, …).
fn is_memory_size(text: &str) -> bool {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let units = ["b", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "tib"];
    number.parse::<f64>().is_ok_and(|n| n > 0.0) && units.contains(&unit.trim().to_ascii_lowercase().as_str())
}

fn data(args: &DataArgs) -> Outcome {
    let project = match load(&args.project) {
        Ok(project) => project,
        Err(error) => return Outcome::failed(&error),
    };
    let options = match run_options(&project, &args.run, None) {
        Ok(options) => options,
        Err(message) => return Outcome { stdout: String::new(), stderr: message, code: 2 },
    };
    let dataset = synthesize(&project.spec, &project.catalog, &options.synth);
    if let Err(error) = write_csv(&dataset, &args.out) {
        return Outcome::failed(&error);
    }
    let rows: usize = dataset.tables.iter().map(|t| t.rows).sum();
    let stdout = format!(
        "wrote {} table{} ({rows} rows, seed {}) to {}\n",
        dataset.tables.len(),
        if dataset.tables.len() == 1 { "" } else { "s" },
        options.synth.seed,
        crate::project::layout::display(&args.out)
    );
    Outcome { stdout, stderr: String::new(), code: 0 }
}

/// Every file a finding can point into, for the text report's source lines.
fn source_texts<'a>(
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

fn lineage(args: &LineageArgs) -> Outcome {
    let project = match load(&args.project) {
        Ok(project) => project,
        Err(error) => return Outcome::failed(&error),
    };
    if let Some(unknown) = args.model.iter().find(|m| !project.model_files.iter().any(|f| &f.model == *m)) {
        let known: Vec<&str> = project.model_files.iter().map(|f| f.model.as_str()).collect();
        let stderr = format!(
            "specproof: error: no code file for model `{unknown}` in {}; models with code: {}\n",
            crate::project::layout::display(&project.paths.models),
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        );
        return Outcome { stdout: String::new(), stderr, code: 2 };
    }
    let code = check_code(&project);
    let wanted = |model: &str| args.model.is_empty() || args.model.iter().any(|m| m == model);
    let models: Vec<&ModelCode> = code.models.iter().filter(|m| wanted(&m.model)).collect();
    let findings: Vec<Finding> =
        code.findings.iter().filter(|f| f.model.as_deref().is_none_or(wanted)).cloned().collect();
    let report = Report {
        command: "lineage".into(),
        spec: project.spec.text.file.clone(),
        scope: format!("static check of {} model file{}", models.len(), if models.len() == 1 { "" } else { "s" }),
        findings,
    };
    let stdout = match args.project.format {
        Format::Text => {
            let mut out = report::lineage::render_text(&models);
            out.push_str(&text::render(&report, &source_texts(&project, Some(&code), None)));
            out
        }
        Format::Json => report::lineage::render_json(&models, &report.findings),
    };
    Outcome { stdout, stderr: String::new(), code: if report.is_clean() { 0 } else { 1 } }
}

fn explain(args: &ExplainArgs) -> Outcome {
    if args.all {
        let stdout = Code::ALL.iter().map(|c| format!("{}  {}\n", c.as_str(), c.name())).collect();
        return Outcome { stdout, stderr: String::new(), code: 0 };
    }
    let wanted = args.code.as_deref().unwrap_or_default();
    match Code::parse(wanted) {
        Some(code) => Outcome {
            stdout: format!(
                "{} {} ({}, about the {})\n\n{}\n",
                code.as_str(),
                code.name(),
                code.severity().as_str(),
                code.subject().as_str(),
                code.doc()
            ),
            stderr: String::new(),
            code: 0,
        },
        None => Outcome {
            stdout: String::new(),
            stderr: format!(
                "specproof: error: `{wanted}` is not a finding code; `specproof explain --all` lists them\n"
            ),
            code: 2,
        },
    }
}
