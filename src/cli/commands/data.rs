//! `specproof data`: the synthetic dataset written as CSV files.

use crate::cli::args::DataArgs;
use crate::cli::options::run_options;
use crate::cli::outcome::{load, Outcome};
use crate::finding::plural;
use crate::synth::{synthesize, write_csv};

/// Runs `specproof data`.
pub fn run(args: &DataArgs) -> Outcome {
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
