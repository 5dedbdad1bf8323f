//! What each command does, as a function from arguments to an [`Outcome`].

use super::args::{
    Cli, Command, DataArgs, ExplainArgs, FailOn, Format, GateArgs, InitArgs, LineageArgs, ProjectArgs, RunArgs,
    ValidateArgs,
};
use crate::check::explained::set_aside_explained;
use crate::check::lineage::{check_project as check_code, CodeCheck};
use crate::engine::pipeline::{run_project, Progress, RunOptions};
use crate::error::Error;
use crate::finding::plural;
use crate::finding::{Code, Finding, Severity};
use crate::gate::baseline;
use crate::gate::changed::{self, Selection};
use crate::gate::scaffold;
use crate::project::layout::{load_project, Overrides, Project};
use crate::report::summary::{BaselineUse, ChangedScope, CheckRun, Report, Stage, PROJECT};
use crate::report::{self, json, junit, markdown, sarif, text};
use crate::spec::lint::lint_spec;
use crate::sql::code::ModelCode;
use crate::suite::load::{reads_of, resolve, StatementKind, TableTarget};
use crate::suite::{lint_suite, load_suite, Suite, TestFile};
use crate::synth::{synthesize, write_csv};
use std::path::PathBuf;
use std::time::Instant;

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

/// What `main` knows about where output goes, and how to show progress.
#[derive(Debug, Clone, Default)]
pub struct Terminal {
    /// Standard output is a terminal: the text report may be coloured and timed.
    pub stdout_is_tty: bool,
    /// `NO_COLOR` is set (and not empty): never colour (https://no-color.org).
    pub no_color: bool,
    /// Told how far a run has got (a bar on a terminal's standard error, else nothing).
    pub progress: Progress,
}

impl Terminal {
    /// What the process's standard output and environment say, with `progress` for runs.
    pub fn detect(progress: Progress) -> Terminal {
        use std::io::IsTerminal;
        Terminal {
            stdout_is_tty: std::io::stdout().is_terminal(),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            progress,
        }
    }
}

/// Runs a parsed command line for `terminal`.
pub fn run_with(cli: Cli, terminal: &Terminal) -> Outcome {
    match cli.command {
        Command::Lint(args) => check_project(&args.project, &args.gate, "lint", None, terminal),
        Command::Validate(args) => check_project(&args.project, &args.gate, "validate", Some(&args), terminal),
        Command::Data(args) => data(&args),
        Command::Lineage(args) => lineage(&args),
        Command::Explain(args) => explain(&args),
        Command::Init(args) => init(&args),
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

fn usage_error(message: String) -> Outcome {
    Outcome { stdout: String::new(), stderr: format!("specproof: error: {message}\n"), code: 2 }
}

/// Where each report goes: `None` is standard output.
type Destinations = Vec<(Format, Option<PathBuf>)>;

/// The reports to write: standard output in `--format` without `--output`; else each file in
/// its format (see [`GateArgs::output`]) and the text report on standard output.
fn destinations(format: Option<Format>, outputs: &[PathBuf]) -> Result<Destinations, String> {
    if outputs.is_empty() {
        return Ok(vec![(format.unwrap_or(Format::Text), None)]);
    }
    if let (Some(format), [only]) = (format, outputs) {
        return Ok(vec![(Format::Text, None), (format, Some(only.clone()))]);
    }
    if format.is_some() {
        return Err(
            "--format names the format of a single --output; with several, each file's extension says its format"
                .into(),
        );
    }
    let mut all = vec![(Format::Text, None)];
    for path in outputs {
        let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        let format = match name.rsplit('.').next().unwrap_or_default() {
            "json" if name.ends_with(".sarif.json") => Format::Sarif,
            "json" => Format::Json,
            "xml" => Format::Junit,
            "sarif" => Format::Sarif,
            "md" | "markdown" => Format::Markdown,
            "txt" | "log" => Format::Text,
            _ => {
                return Err(format!(
                    "cannot tell the format of --output {} from its extension (.json, .xml, .sarif, .md, .txt); give --format with a single --output",
                    crate::project::layout::display(path)
                ))
            }
        };
        all.push((format, Some(path.clone())));
    }
    Ok(all)
}

/// Whether a stage ran on a model: ran (Ok), skipped and why (Err), not applicable (None).
type StageRan<'a> = dyn Fn(&str, Stage) -> Option<Result<(), String>> + 'a;

/// The models and shipped test files of a run, as checks (for JUnit): every stage that ran on
/// each model or did not, and why.
struct Checks<'a> {
    project: &'a Project,
    selection: Option<&'a Selection>,
    reference: &'a str,
    list: Vec<CheckRun>,
}

impl Checks<'_> {
    fn selected(&self, model: &str) -> bool {
        self.selection.is_none_or(|s| s.selects(model))
    }

    /// Adds `stages` for every model: ran when `ran` says so (Ok), skipped with its reason
    /// (Err), left out (None).
    fn add(&mut self, stages: &[Stage], ran: &StageRan<'_>) {
        let unchanged = format!("unchanged since {}", self.reference);
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
        models.extend(spec.models.iter().position(|m| m.name == cte.model));
    }
    models.sort_unstable();
    models.dedup();
    models
}

fn check_project(
    args: &ProjectArgs,
    gate: &GateArgs,
    command: &str,
    validate: Option<&ValidateArgs>,
    terminal: &Terminal,
) -> Outcome {
    let started = Instant::now();
    let destinations = match destinations(args.format, &gate.output) {
        Ok(destinations) => destinations,
        Err(message) => return usage_error(message),
    };
    let project = match load(args) {
        Ok(project) => project,
        Err(error) => return Outcome::failed(&error),
    };
    let baseline = match gate.baseline.as_deref().map(baseline::load).transpose() {
        Ok(baseline) => baseline,
        Err(error) => return usage_error(error.to_string()),
    };
    let reference = validate.and_then(|v| v.changed_since.as_deref());
    let selection = match reference.map(|r| changed::select(&project, r)).transpose() {
        Ok(selection) => selection,
        Err(error) => return usage_error(error.to_string()),
    };
    let selected = |model: Option<&str>| selection.as_ref().is_none_or(|s| model.is_none_or(|m| s.selects(m)));
    let mut checks = Checks {
        project: &project,
        selection: selection.as_ref(),
        reference: reference.unwrap_or(""),
        list: Vec::new(),
    };
    checks.list.push(CheckRun::ran(PROJECT, Stage::SpecLint));
    checks.add(&[Stage::SpecLint], &|_, _| Some(Ok(())));

    let mut findings = project.source_findings.clone();
    let lint = lint_spec(&project.spec, &project.catalog);
    findings.extend(lint.iter().cloned());
    let mut scope = "spec lint".to_string();
    let mut fixtures: Vec<String> = Vec::new();
    let code = validate.map(|_| check_code(&project));
    let mut suite = validate.map(|_| load_suite(&project));
    // A changed-only run runs the shipped test files that changed or read a model it validates.
    if let (Some(suite), Some(selection)) = (suite.as_mut(), selection.as_ref()) {
        let wanted = |file: &TestFile| {
            let changed = std::fs::canonicalize(&file.file).is_ok_and(|p| selection.changed_tests.contains(&p));
            changed
                || models_read_by(file, &project).iter().any(|&i| selection.selects(&project.spec.spec.models[i].name))
        };
        let (kept, left): (Vec<TestFile>, Vec<TestFile>) = suite.files.drain(..).partition(|f| wanted(f));
        suite.files = kept;
        for file in left {
            checks.list.push(CheckRun {
                group: PROJECT.into(),
                stage: Stage::ShippedTest,
                target: file.file.clone(),
                skipped: Some(format!("reads no model changed since {}", checks.reference)),
            });
        }
    }
    if let Some(suite) = &suite {
        findings.extend(suite.files.iter().flat_map(|f| f.findings.iter().cloned()));
        findings.extend(lint_suite(&project, suite));
        for file in &suite.files {
            checks.list.push(CheckRun {
                group: PROJECT.into(),
                stage: Stage::ShippedTest,
                target: file.file.clone(),
                skipped: None,
            });
        }
    }
    if let (Some(code), Some(validate)) = (&code, validate) {
        findings.extend(code.findings.iter().cloned());
        let has_code = |model: &str| code.models.iter().any(|m| m.model == model);
        checks.add(&[Stage::StaticCheck], &|m, _| has_code(m).then_some(Ok(())));
        let files = code.models.len();
        scope = format!("spec lint, static check of {}", plural(files, "model file"));
        let nothing_changed = selection.as_ref().is_some_and(|s| s.selected().is_empty());
        if !validate.no_run && files > 0 && !nothing_changed {
            let mut options = match run_options(&project, &validate.run, Some(validate)) {
                Ok(options) => options,
                Err(message) => return Outcome { stdout: String::new(), stderr: message, code: 2 },
            };
            options.progress = terminal.progress.clone();
            options.only = selection.as_ref().map(Selection::selected);
            options.progress.step("running models", 0, 1);
            match run_project(&project, code, suite.as_ref(), &options) {
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
                    let seeds = if outcome.cases > 1 {
                        format!(
                            "{} synthetic datasets of {} rows (seeds {}–{})",
                            outcome.cases,
                            outcome.coverage.rows_loaded,
                            options.synth.seed,
                            options.synth.seed.wrapping_add(outcome.cases as u64 - 1)
                        )
                    } else {
                        format!("{} synthetic rows (seed {})", outcome.coverage.rows_loaded, options.synth.seed)
                    };
                    scope.push_str(&format!(", {} run on {seeds}", plural(shown, "model")));
                    if outcome.coverage.ran.len() > shown {
                        let upstream = outcome.coverage.ran.len() - shown;
                        scope.push_str(&format!(
                            " (and {} run for {} output only)",
                            plural(upstream, "unchanged upstream model"),
                            if upstream == 1 { "its" } else { "their" }
                        ));
                    }
                    if let Some(dir) = &validate.emit_fixture {
                        match write_fixtures(dir, &outcome.fixtures) {
                            Ok(written) => fixtures = written,
                            Err(message) => return Outcome { stdout: String::new(), stderr: message, code: 2 },
                        }
                    }
                    if outcome.coverage.test_files_run > 0 {
                        scope.push_str(&format!(", {}", plural(outcome.coverage.test_files_run, "shipped test file")));
                    }
                    if !outcome.coverage.histories.is_empty() {
                        scope.push_str(&format!(
                            ", SCD2 history over {} runs ({})",
                            crate::engine::history::RUNS,
                            outcome.coverage.histories.join(", ")
                        ));
                    }
                    if !outcome.coverage.undefined_histories.is_empty() {
                        scope.push_str(&format!(
                            "; SCD2 history not checked for {}: its source repeats natural keys",
                            outcome.coverage.undefined_histories.join(", ")
                        ));
                    }
                    if set_aside > 0 {
                        scope.push_str(&format!(
                            "; {} follow{} from the spec findings and {} not counted against the code",
                            plural(set_aside, "output-check failure"),
                            if set_aside == 1 { "s" } else { "" },
                            if set_aside == 1 { "is" } else { "are" }
                        ));
                    }
                    let skipped: Vec<String> = outcome
                        .coverage
                        .skipped
                        .iter()
                        .filter(|(m, _)| selected(Some(m.as_str())))
                        .map(|(m, why)| format!("{m} ({why})"))
                        .collect();
                    if !skipped.is_empty() {
                        scope.push_str(&format!("; not run: {}", skipped.join(", ")));
                    }
                }
                Err(error) => return Outcome::failed(&error),
            }
        }
    }
    if let Some(selection) = &selection {
        // Findings about models a changed-only run leaves out are not its business; the spec's
        // and the project's own (no model) still are.
        findings.retain(|f| selected(f.model.as_deref()));
        if selection.selected().is_empty() {
            scope.push_str(&format!("; no model changed since {}", checks.reference));
        }
    }
    crate::finding::sort_findings(&mut findings);

    let mut report = Report::new(command, &project.spec.text.file, scope, Vec::new());
    report.fail_on = match gate.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };
    report.checks = checks.list;
    report.changed = selection.as_ref().zip(reference).map(|(s, r)| ChangedScope {
        reference: r.to_string(),
        changed: s.changed.clone(),
        downstream: s.downstream.clone(),
        skipped: s.skipped.clone(),
    });
    let root = project.paths.root.clone();
    let mut stderr: String = fixtures.iter().map(|f| format!("specproof: wrote regression test {f}\n")).collect();
    if let Some(path) = &gate.write_baseline {
        let previous = match baseline::load_previous(path) {
            Ok(previous) => previous,
            Err(error) => return usage_error(error.to_string()),
        };
        let (written, missing) = baseline::write(&findings, previous.as_ref(), &root);
        if let Err(error) = baseline::save(path, &written) {
            return usage_error(error.to_string());
        }
        stderr.push_str(&format!(
            "specproof: wrote {}: {} accepted{}\n",
            crate::project::layout::display(path),
            plural(written.accepted.len(), "finding"),
            if missing == 0 {
                String::new()
            } else {
                format!("; {missing} without a reason: write each one's `reason` before using it with --baseline")
            }
        ));
        // The run is shown as the new baseline sees it: everything accepted.
        let mut accepting = written;
        for entry in accepting.accepted.iter_mut().filter(|e| e.reason.trim().is_empty()) {
            entry.reason = "(new: no reason written yet)".into();
        }
        let applied = baseline::apply(&accepting, findings, &root, &|_| true);
        report.findings = applied.kept;
        report.accepted = applied.accepted;
        report.baseline = Some(BaselineUse { file: crate::project::layout::display(path), stale: Vec::new() });
    } else if let (Some(baseline), Some(path)) = (&baseline, &gate.baseline) {
        let applied = baseline::apply(baseline, findings, &root, &selected);
        report.findings = applied.kept;
        report.accepted = applied.accepted;
        report.baseline = Some(BaselineUse { file: crate::project::layout::display(path), stale: applied.stale });
    } else {
        report.findings = findings;
    }
    report.complete_checks();

    let sources = source_texts(&project, code.as_ref(), suite.as_ref());
    let mut stdout = String::new();
    for (format, destination) in &destinations {
        let text = match format {
            Format::Text => {
                let on_terminal = destination.is_none() && terminal.stdout_is_tty;
                let style = text::Style {
                    color: on_terminal && !terminal.no_color,
                    duration: on_terminal.then(|| started.elapsed()),
                };
                text::render_styled(&report, &sources, style)
            }
            Format::Json => json::render(&report),
            Format::Junit => junit::render(&report),
            Format::Markdown => markdown::render(&report),
            Format::Sarif => sarif::render(&report, &root),
        };
        match destination {
            None => stdout.push_str(&text),
            Some(path) => {
                if let Err(source) = std::fs::write(path, text) {
                    return usage_error(format!("cannot write {}: {source}", crate::project::layout::display(path)));
                }
            }
        }
    }
    let code = if report.is_clean() { 0 } else { 1 };
    Outcome { stdout, stderr, code }
}

fn init(args: &InitArgs) -> Outcome {
    if let Err(source) = std::fs::create_dir_all(&args.dir) {
        return usage_error(format!("cannot create {}: {source}", crate::project::layout::display(&args.dir)));
    }
    let (repo, relative) = scaffold::repository_of(&args.dir);
    let files = scaffold::files(&args.dir, &repo, &relative);
    if let Err(error) = scaffold::write(&files) {
        return usage_error(error.to_string());
    }
    let mut stdout = String::from("specproof init wrote:\n");
    // The workflow and hook go to the repository's root, which git names absolutely; shown
    // from the current folder when they are under it, as the user would type them.
    let here = std::env::current_dir().and_then(std::fs::canonicalize).ok();
    for file in &files {
        let shown = here.as_ref().and_then(|h| file.path.strip_prefix(h).ok()).unwrap_or(&file.path);
        stdout.push_str(&format!("  {}\n", crate::project::layout::display(shown)));
    }
    let dir = crate::project::layout::display(&args.dir);
    stdout.push_str(&format!(
        "\nNext:\n  specproof validate {dir}\n      the example validates clean (exit 0); replace it with your pipeline\n  git config core.hooksPath hooks\n      validate the models a commit changes before each commit\n  edit the workflow's install step, commit, and open a pull request\n"
    ));
    Outcome { stdout, stderr: String::new(), code: 0 }
}

/// Writes each regression test into `dir` (created if missing); an existing file of the same
/// name is replaced, since it is the same counterexample written again. Returns the paths.
fn write_fixtures(dir: &std::path::Path, fixtures: &[crate::prove::Fixture]) -> Result<Vec<String>, String> {
    let fail = |what: &str, path: &std::path::Path, e: std::io::Error| {
        format!("specproof: error: cannot {what} {}: {e}\n", crate::project::layout::display(path))
    };
    std::fs::create_dir_all(dir).map_err(|e| fail("create", dir, e))?;
    let mut written = Vec::new();
    for fixture in fixtures {
        let path = dir.join(&fixture.file);
        std::fs::write(&path, &fixture.text).map_err(|e| fail("write", &path, e))?;
        written.push(crate::project::layout::display(&path));
    }
    Ok(written)
}

/// Synthetic datasets `validate` searches unless told otherwise: enough that a defect the first
/// dataset misses is usually found, few enough that customer360 validates in under a second on
/// two cores (README, "Performance").
const DEFAULT_CASES: u64 = 3;

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
        "wrote {} ({rows} rows, seed {}) to {}\n",
        plural(dataset.tables.len(), "table"),
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
    let scope = format!("static check of {}", plural(models.len(), "model file"));
    let report = Report::new("lineage", &project.spec.text.file, scope, findings);
    let stdout = match args.project.format.unwrap_or(Format::Text) {
        Format::Junit | Format::Markdown | Format::Sarif => {
            return usage_error("lineage writes text or json; the other formats are for lint and validate".into())
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn lint(terminal: &Terminal) -> Outcome {
        let dir = crate::test_support::crate_root().join("specs/customer360");
        let cli = Cli::parse_from(["specproof", "lint", &dir.to_string_lossy()]);
        run_with(cli, terminal)
    }

    #[test]
    fn colour_and_timing_only_on_a_terminal_and_never_with_no_color() {
        let captured = lint(&Terminal::default());
        assert!(!captured.stdout.contains('\x1b'), "captured output has no colour");
        assert!(captured.stdout.contains("7 errors, 0 warnings (7 about the spec)\n"), "and no duration");
        let tty = Terminal { stdout_is_tty: true, ..Terminal::default() };
        let coloured = lint(&tty);
        assert!(coloured.stdout.contains("\x1b[1;31mFAILED\x1b[0m"), "{}", coloured.stdout);
        assert!(coloured.stdout.contains("(7 about the spec) in "), "a terminal sees the duration");
        let no_color = lint(&Terminal { no_color: true, ..tty });
        assert!(!no_color.stdout.contains('\x1b'), "NO_COLOR wins");
        assert_eq!(captured.code, 1);
    }

    #[test]
    fn each_output_file_gets_the_format_its_extension_names() {
        let files = |names: &[&str]| names.iter().map(PathBuf::from).collect::<Vec<_>>();
        let formats = |d: Destinations| d.into_iter().map(|(f, _)| f).collect::<Vec<_>>();
        assert_eq!(formats(destinations(None, &[]).unwrap()), [Format::Text]);
        assert_eq!(formats(destinations(Some(Format::Sarif), &[]).unwrap()), [Format::Sarif]);
        let all = destinations(None, &files(&["a.json", "b.xml", "c.sarif", "d.md", "e.sarif.json"])).unwrap();
        assert_eq!(
            formats(all),
            [Format::Text, Format::Json, Format::Junit, Format::Sarif, Format::Markdown, Format::Sarif]
        );
        assert_eq!(
            formats(destinations(Some(Format::Junit), &files(&["report"])).unwrap()),
            [Format::Text, Format::Junit]
        );
        assert!(destinations(None, &files(&["report"])).unwrap_err().contains("cannot tell the format"));
        assert!(destinations(Some(Format::Json), &files(&["a.json", "b.xml"])).is_err());
    }
}
