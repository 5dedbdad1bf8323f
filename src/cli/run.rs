//! What each command does, as a function from arguments to an [`Outcome`].

use super::args::{Cli, Command, ExplainArgs, Format, ProjectArgs};
use crate::error::Error;
use crate::finding::Code;
use crate::project::layout::{load_project, Overrides};
use crate::report::summary::Report;
use crate::report::{json, text};
use crate::spec::lint::lint_spec;

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
        Command::Lint(args) => check_project(&args, "lint", "spec lint"),
        Command::Validate(args) => check_project(&args, "validate", "spec lint (code checks are not built yet)"),
        Command::Explain(args) => explain(&args),
    }
}

fn check_project(args: &ProjectArgs, command: &str, scope: &str) -> Outcome {
    let overrides = Overrides {
        spec: args.spec.clone(),
        sources: args.sources.clone(),
        models: args.models.clone(),
        tests: args.tests.clone(),
        dialect: args.dialect.map(Into::into),
    };
    let project = match load_project(&args.dir, &overrides) {
        Ok(project) => project,
        Err(error) => return Outcome::failed(&error),
    };
    let mut findings = project.source_findings.clone();
    findings.extend(lint_spec(&project.spec, &project.catalog));
    crate::finding::sort_findings(&mut findings);
    let report =
        Report { command: command.into(), spec: project.spec.text.file.clone(), scope: scope.into(), findings };
    let stdout = match args.format {
        Format::Text => {
            let mut sources: text::SourceTexts<'_> =
                project.catalog.texts.iter().map(|(file, text)| (file.as_str(), text.as_str())).collect();
            sources.insert(project.spec.text.file.as_str(), project.spec.text.text.as_str());
            text::render(&report, &sources)
        }
        Format::Json => json::render(&report),
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
