//! `specproof lint`: the spec lint alone.

use crate::cli::args::LintArgs;
use crate::cli::outcome::{Outcome, Terminal};

/// Runs `specproof lint`.
pub fn run(args: &LintArgs, terminal: &Terminal) -> Outcome {
    super::check::run_checks(&args.project, &args.gate, None, terminal)
}
