//! What a command produced ([`Outcome`]) and where its output goes ([`Terminal`]), and what
//! every command does first: load the project, or stop with a usage error.

use super::args::ProjectArgs;
use crate::error::Error;
use crate::project::layout::{load_project, Overrides, Project};
use crate::run::options::Progress;

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
    pub(crate) fn failed(error: &Error) -> Outcome {
        Outcome { stdout: String::new(), stderr: format!("specproof: error: {error}\n"), code: 2 }
    }
}

/// What `main` knows about where output goes, and how to show progress.
#[derive(Debug, Clone, Default)]
pub struct Terminal {
    /// Standard output is a terminal: the text report may be coloured and timed.
    pub stdout_is_tty: bool,
    /// `NO_COLOR` is set (and not empty): never colour (<https://no-color.org>).
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

/// Loads the project the arguments name.
pub(crate) fn load(args: &ProjectArgs) -> Result<Project, Error> {
    let overrides = Overrides {
        spec: args.spec.clone(),
        sources: args.sources.clone(),
        models: args.models.clone(),
        tests: args.tests.clone(),
        dialect: args.dialect.map(Into::into),
    };
    load_project(&args.dir, &overrides)
}

/// Exit 2 with `message`.
pub(crate) fn usage_error(message: String) -> Outcome {
    Outcome { stdout: String::new(), stderr: format!("specproof: error: {message}\n"), code: 2 }
}
