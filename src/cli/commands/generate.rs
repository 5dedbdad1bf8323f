//! `specproof generate code`: the spec's models as code of a target, written to a folder.

use crate::cli::args::{GenerateArgs, GenerateCommand, TargetArg};
use crate::cli::outcome::{usage_error, Outcome};
use crate::codegen::{generate, Target};
use crate::finding::{plural, Severity};
use crate::project::layout::{display, load_project, Overrides};
use crate::report::model::Report;
use crate::report::render::text;
use crate::spec::lint::lint_spec;
use crate::validate::source_texts;

/// Runs `specproof generate …`.
pub fn run(command: &GenerateCommand) -> Outcome {
    match command {
        GenerateCommand::Code(args) => code(args),
    }
}

fn target_of(arg: TargetArg) -> Target {
    match arg {
        TargetArg::Duckdb => Target::Duckdb,
        TargetArg::Bigquery => Target::Bigquery,
        TargetArg::Dataform => Target::Dataform,
        TargetArg::Dbt => Target::Dbt,
    }
}

fn code(args: &GenerateArgs) -> Outcome {
    let overrides = Overrides { spec: args.spec.clone(), sources: args.sources.clone(), ..Overrides::default() };
    let project = match load_project(&args.dir, &overrides) {
        Ok(project) => project,
        Err(error) => return Outcome::failed(&error),
    };
    // A spec without one meaning has no code to derive: refuse, showing why.
    let mut findings = project.source_findings.clone();
    findings.extend(lint_spec(&project.spec, &project.catalog));
    findings.retain(|f| f.severity == Severity::Error);
    if !findings.is_empty() {
        let count = findings.len();
        let report = Report::new("generate", &project.spec.text.file, "spec lint".into(), findings);
        let shown = text::render(&report, &source_texts(&project, None, None));
        return Outcome {
            stdout: String::new(),
            stderr: format!(
                "{shown}specproof: error: the spec lints with {}; fix it before generating code\n",
                plural(count, "error")
            ),
            code: 2,
        };
    }
    if project.input_role(&args.out).is_some() || project.input_role(&args.out.join("x")).is_some() {
        return usage_error(format!(
            "--out {} is inside the project's inputs; choose another folder",
            display(&args.out)
        ));
    }
    let target = target_of(args.target);
    let generated = generate(&project.spec, &project.catalog, target);
    for file in &generated.files {
        let path = args.out.join(&file.path);
        let written =
            path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&path, &file.text));
        if let Err(e) = written {
            return usage_error(format!("failed to write {}: {e}", display(&path)));
        }
    }
    let mut stdout = format!(
        "generated {} for {} into {}:\n",
        plural(generated.files.len(), "file"),
        target.name(),
        display(&args.out)
    );
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
