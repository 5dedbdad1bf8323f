//! `specproof lint`: the spec lint alone.

use crate::cli::args::LintArgs;
use crate::cli::outcome::{Outcome, Terminal};

/// Runs `specproof lint`.
pub fn run(args: &LintArgs, terminal: &Terminal) -> Outcome {
    super::check::check_project(&args.project, &args.gate, None, terminal)
}
