//! `specproof generate code`: the spec's models as code of a target, written to a folder.

use crate::cli::args::{GenerateArgs, GenerateCommand, GenerateTestsArgs, TargetArg, TestFormatArg};
use crate::cli::outcome::{usage_error, Outcome};
use crate::codegen::test_files::{generate_tests, TestFormat};
use crate::codegen::Generated;
use crate::codegen::{generate, Target};
use crate::finding::{plural, Severity};
use crate::project::layout::Project;
use crate::project::layout::{display, load_project, Overrides};
use crate::report::model::Report;
use crate::report::render::text;
use crate::spec::lint::lint_spec;
use crate::validate::source_texts;
use std::path::{Path, PathBuf};

/// Runs `specproof generate …`.
pub fn run(command: &GenerateCommand) -> Outcome {
    match command {
        GenerateCommand::Code(args) => code(args),
        GenerateCommand::Tests(args) => tests(args),
    }
}

pub(crate) fn target_of(arg: TargetArg) -> Target {
    match arg {
        TargetArg::Duckdb => Target::Duckdb,
        TargetArg::Bigquery => Target::Bigquery,
        TargetArg::Dataform => Target::Dataform,
        TargetArg::Dbt => Target::Dbt,
    }
}

fn code(args: &GenerateArgs) -> Outcome {
    let project = match lint_clean(&args.dir, &args.spec, &args.sources, &args.out) {
        Ok(project) => project,
        Err(outcome) => return outcome,
    };
    let target = target_of(args.target);
    let generated = generate(&project.spec, &project.catalog, target);
    write(&project, &generated, target.name(), &args.out)
}

fn tests(args: &GenerateTestsArgs) -> Outcome {
    let project = match lint_clean(&args.dir, &args.spec, &args.sources, &args.out) {
        Ok(project) => project,
        Err(outcome) => return outcome,
    };
    let format = match args.target {
        TestFormatArg::Specproof => TestFormat::Specproof,
        TestFormatArg::Dbt => TestFormat::Dbt,
        TestFormatArg::Dataform => TestFormat::Dataform,
    };
    let generated = generate_tests(&project.spec, &project.catalog, format);
    write(&project, &generated, &format!("{} tests", format.name()), &args.out)
}

/// The project, when its spec lints clean and `out` is none of its inputs; else the outcome
/// that says why not (exit 2).
pub(crate) fn lint_clean(
    dir: &Path,
    spec: &Option<PathBuf>,
    sources: &Option<PathBuf>,
    out: &Path,
) -> Result<Project, Outcome> {
    let overrides = Overrides { spec: spec.clone(), sources: sources.clone(), ..Overrides::default() };
    let project = load_project(dir, &overrides).map_err(|error| Outcome::failed(&error))?;
    // A spec without one meaning has no code to derive: refuse, showing why.
    let mut findings = project.source_findings.clone();
    findings.extend(lint_spec(&project.spec, &project.catalog));
    findings.retain(|f| f.severity == Severity::Error);
    if !findings.is_empty() {
        let count = findings.len();
        let report = Report::new("generate", &project.spec.text.file, "spec lint".into(), findings);
        let shown = text::render(&report, &source_texts(&project, None, None));
        return Err(Outcome {
            stdout: String::new(),
            stderr: format!(
                "{shown}specproof: error: the spec lints with {}; fix it before generating\n",
                plural(count, "error")
            ),
            code: 2,
        });
    }
    if project.input_role(out).is_some() || project.input_role(&out.join("x")).is_some() {
        return Err(usage_error(format!(
            "--out {} is inside the project's inputs; choose another folder",
            display(out)
        )));
    }
    Ok(project)
}

/// Writes the files under `out` and lists them; the limits go to standard error (exit 1).
fn write(project: &Project, generated: &Generated, what: &str, out: &Path) -> Outcome {
    // Nothing is written when any file would replace one of the project's inputs.
    if let Some((path, role)) =
        generated.files.iter().map(|f| out.join(&f.path)).find_map(|p| project.input_role(&p).map(|r| (p, r)))
    {
        return usage_error(format!(
            "{} is one of the project's inputs ({role}); choose another --out folder",
            display(&path)
        ));
    }
    for file in &generated.files {
        let path = out.join(&file.path);
        let written =
            path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&path, &file.text));
        if let Err(e) = written {
            return usage_error(format!("failed to write {}: {e}", display(&path)));
        }
    }
    let mut stdout = format!("generated {} for {what} into {}:\n", plural(generated.files.len(), "file"), display(out));
    for file in &generated.files {
        stdout.push_str(&format!("  {}\n", file.path));
    }
    let mut stderr = String::new();
    for limit in &generated.limits {
        stderr.push_str(&format!(
            "{}: {} (`{}`): not generated: {}\n",
            project.spec.text.file, limit.json_path, limit.model, limit.message
        ));
    }
    Outcome { stdout, stderr, code: if generated.limits.is_empty() { 0 } else { 1 } }
}
