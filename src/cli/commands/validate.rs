//! `specproof validate`: the spec lint, the static check of the code, and every model run and
//! proved on synthetic data.

use crate::cli::args::ValidateArgs;
use crate::cli::outcome::{Outcome, Terminal};

/// Runs `specproof validate`.
pub fn run(args: &ValidateArgs, terminal: &Terminal) -> Outcome {
    super::check::run_checks(&args.project, &args.gate, Some(args), terminal)
}
