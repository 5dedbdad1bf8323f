//! `lint` and `validate`: the library's [`crate::validate::validate`] run and its report rendered to
//! standard output and each `--output` file; `--write-baseline` and `--emit-fixture` written.

use crate::cli::args::{FailOn, Format, GateArgs, ProjectArgs, ValidateArgs};
use crate::cli::options::run_options;
use crate::cli::outcome::{load, usage_error, Outcome, Terminal};
use crate::engine::{Engine, EngineConfig};
use crate::finding::{plural, Severity};
use crate::gate::baseline;
use crate::gate::partition::Partition;
use crate::prove::fixture_formats::FixtureFormat;
use crate::report::model::BaselineUse;
use crate::report::render::{json, junit, markdown, sarif, text};
use crate::validate::{source_texts, validate, Options, Validation};
use std::path::PathBuf;
use std::time::Instant;

/// Where each report goes: `None` is standard output.
pub(crate) type Destinations = Vec<(Format, Option<PathBuf>)>;

/// The reports to write: standard output in `--format` without `--output`; else each file in
/// its format (see [`GateArgs::output`]) and the text report on standard output.
pub(crate) fn destinations(format: Option<Format>, outputs: &[PathBuf]) -> Result<Destinations, String> {
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

/// Runs `lint` (no `validate` arguments) or `validate` and renders the report.
pub(crate) fn run_checks(
    args: &ProjectArgs,
    gate: &GateArgs,
    validate_args: Option<&ValidateArgs>,
    terminal: &Terminal,
) -> Outcome {
    let started = Instant::now();
    // The run's databases open on the other cores while this one reads and checks the files,
    // one for each worker that will lease one (dropped at the end, they are waited for).
    let _warming = validate_args.filter(|v| !v.no_run && v.db.is_none()).map(|v| {
        let config = EngineConfig { memory_limit: v.memory_limit.clone(), ..EngineConfig::default() };
        Engine::warm(&config, rayon::current_num_threads())
    });
    let destinations = match destinations(args.format, &gate.output) {
        Ok(destinations) => destinations,
        Err(message) => return usage_error(message),
    };
    let partition = validate_args.and_then(|v| v.partition.as_deref()).map(Partition::parse).transpose();
    let partition = match partition {
        Ok(partition) => partition,
        Err(message) => return usage_error(message),
    };
    let project = match load(args) {
        Ok(project) => project,
        Err(error) => return Outcome::failed(&error),
    };
    // A report written over the spec or a model would destroy what it reports on.
    let written = destinations.iter().filter_map(|(_, path)| path.as_ref().map(|p| ("--output", p)));
    let written = written.chain(gate.write_baseline.iter().map(|p| ("--write-baseline", p)));
    for (flag, path) in written {
        if let Some(role) = project.input_role(path) {
            return usage_error(format!(
                "{flag} {} is {role}: specproof never writes over its inputs; choose another path",
                crate::project::layout::display(path)
            ));
        }
    }
    let baseline = match gate.baseline.as_deref().map(baseline::load).transpose() {
        Ok(baseline) => baseline,
        Err(error) => return usage_error(error.to_string()),
    };
    let run = match validate_args.map(|v| run_options(&project, &v.run, Some(v))).transpose() {
        Ok(run) => run.map(|mut run| {
            run.progress = terminal.progress.clone();
            run
        }),
        Err(message) => return Outcome { stdout: String::new(), stderr: message, code: 2 },
    };
    let options = Options {
        run,
        no_run: validate_args.is_some_and(|v| v.no_run),
        changed_since: validate_args.and_then(|v| v.changed_since.clone()),
        partition,
        // --write-baseline shows the run as the new baseline sees it, so it applies no old one.
        baseline: baseline
            .zip(gate.baseline.as_ref())
            .filter(|_| gate.write_baseline.is_none())
            .map(|(b, path)| (b, crate::project::layout::display(path))),
        fail_on: match gate.fail_on {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
        },
    };
    let validation = match validate(&project, &options) {
        Ok(validation) => validation,
        Err(error) => return usage_error(error.to_string()),
    };
    let mut fixtures: Vec<String> = Vec::new();
    if let Some(dir) = validate_args.and_then(|v| v.emit_fixture.as_ref()) {
        let format = validate_args.map_or(FixtureFormat::Specproof, |v| fixture_format(v.fixture_format));
        match write_fixtures(dir, &validation.fixtures, &project.spec.spec, format) {
            Ok(written) => fixtures = written,
            Err(message) => return Outcome { stdout: String::new(), stderr: message, code: 2 },
        }
    }
    let Validation { mut report, code, suite, .. } = validation;
    let root = project.paths.root.clone();
    let mut stderr: String = fixtures.iter().map(|f| format!("specproof: wrote regression test {f}\n")).collect();
    if let Some(path) = &gate.write_baseline {
        let previous = match baseline::load_previous(path) {
            Ok(previous) => previous,
            Err(error) => return usage_error(error.to_string()),
        };
        let (written, missing) = baseline::write(&report.findings, previous.as_ref(), &root);
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
        let applied = baseline::apply(&accepting, std::mem::take(&mut report.findings), &root, &|_| true);
        report.findings = applied.kept;
        report.accepted = applied.accepted;
        report.baseline = Some(BaselineUse { file: crate::project::layout::display(path), stale: Vec::new() });
        report.complete_checks();
    }

    report.bound_values();
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
    drop(sources);
    // Freeing a large project's parsed, translated and traced code is a noticeable part of a
    // run (about 0.3 s of 2.2 s for a static check of 10,000 models) and nothing waits for it:
    // it is freed on a thread of its own while the report goes out (the process may end first).
    free_beside((project, code, suite));
    let code = if report.is_clean() { 0 } else { 1 };
    Outcome { stdout, stderr, code }
}

/// Drops `value` on a thread of its own; inline when no thread can be started.
fn free_beside<T: Send + 'static>(value: T) {
    // A closure that cannot run is dropped by `spawn`, and the value with it.
    let _ = std::thread::Builder::new().name("free".into()).spawn(move || drop(value));
}

/// Writes each regression test into `dir` (created if missing); an existing file of the same
/// name is replaced, since it is the same counterexample written again. Returns the paths.
fn fixture_format(arg: crate::cli::args::FixtureFormatArg) -> FixtureFormat {
    use crate::cli::args::FixtureFormatArg as A;
    match arg {
        A::Specproof => FixtureFormat::Specproof,
        A::Dbt => FixtureFormat::Dbt,
        A::Sqlmesh => FixtureFormat::Sqlmesh,
        A::Dataform => FixtureFormat::Dataform,
    }
}

pub(crate) fn write_fixtures(
    dir: &std::path::Path,
    fixtures: &[crate::prove::fixture::Fixture],
    spec: &crate::spec::model::Spec,
    format: FixtureFormat,
) -> Result<Vec<String>, String> {
    let fail = |what: &str, path: &std::path::Path, e: std::io::Error| {
        format!("specproof: error: cannot {what} {}: {e}\n", crate::project::layout::display(path))
    };
    std::fs::create_dir_all(dir).map_err(|e| fail("create", dir, e))?;
    let mut written = Vec::new();
    for fixture in fixtures {
        let (file, text) = crate::prove::fixture_formats::render(spec, fixture, format);
        let path = dir.join(file);
        std::fs::write(&path, text).map_err(|e| fail("write", &path, e))?;
        written.push(crate::project::layout::display(&path));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::Cli;
    use crate::cli::outcome::{Outcome, Terminal};
    use clap::Parser;

    fn lint(terminal: &Terminal) -> Outcome {
        let dir = crate::test_support::crate_root().join("specs/customer360");
        let cli = Cli::parse_from(["specproof", "lint", &dir.to_string_lossy()]);
        crate::cli::dispatch::run_with(cli, terminal)
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
