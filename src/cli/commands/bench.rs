//! `specproof bench`: a generated project validated with every stage timed.

use crate::bench::generate::{Flavour, GenerateOptions};
use crate::bench::measure::{bench, BenchOptions};
use crate::bench::render;
use crate::cli::args::{BenchArgs, BenchFormat, FlavourArg};
use crate::cli::options::{MAX_ROWS, MAX_SECONDS};
use crate::cli::outcome::{usage_error, Outcome};
use crate::project::layout::Overrides;
use crate::run::options::{RunOptions, DEFAULT_RUN_TIME};

/// More models than this is a typo: the generated project alone would fill the memory.
const MAX_MODELS: usize = 1_000_000;

/// Runs `specproof bench`.
pub fn run(args: &BenchArgs) -> Outcome {
    if args.models == 0 || args.models > MAX_MODELS {
        return usage_error(format!("--models must be between 1 and {MAX_MODELS}, not {}", args.models));
    }
    if args.rows == 0 || args.rows > MAX_ROWS {
        return usage_error(format!("--rows must be between 1 and {MAX_ROWS}, not {}", args.rows));
    }
    if args.cases == 0 || args.cases > 10_000 {
        return usage_error(format!("--cases must be between 1 and 10000, not {}", args.cases));
    }
    if let Some(&bad) = args.jobs.iter().find(|&&j| j == 0 || j > 1024) {
        return usage_error(format!("--jobs must be between 1 and 1024, not {bad}"));
    }
    let valid = args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= MAX_SECONDS;
    let Some(timeout) = std::time::Duration::try_from_secs_f64(args.timeout).ok().filter(|_| valid) else {
        return usage_error(format!("--timeout must be a positive number of seconds, at most {MAX_SECONDS}"));
    };
    let mut run = RunOptions {
        run_time: DEFAULT_RUN_TIME.to_string(),
        cases: args.cases,
        shrink: !args.no_shrink,
        ..Default::default()
    };
    run.synth.seed = args.seed;
    run.synth.rows = args.rows as usize;
    run.engine.query_timeout = timeout;
    let flavour = match args.flavour {
        FlavourArg::Sqlx => Flavour::Sqlx,
        FlavourArg::Duckdb => Flavour::DuckDb,
    };
    let options = BenchOptions {
        generate: GenerateOptions { models: args.models, seed: args.seed, flavour },
        defects: args.defects,
        run,
        no_run: args.no_run,
        jobs: args.jobs.clone(),
        keep: args.keep.clone(),
        existing: args.project.clone().map(|dir| {
            let overrides = Overrides {
                spec: args.spec.clone(),
                models: args.models_dir.clone(),
                dialect: args.dialect.map(Into::into),
                ..Default::default()
            };
            (dir, overrides)
        }),
    };
    let report = match bench(&options) {
        Ok(report) => report,
        Err(error) => return Outcome::failed(&error),
    };
    let text = match args.format {
        BenchFormat::Text => render::text(&report),
        BenchFormat::Json => render::json(&report),
    };
    // A throughput that is not also a correctness figure is worthless: a planted defect missed,
    // or a model flagged without one, fails the bench.
    let missed = report.defects.iter().any(|d| !d.found);
    let extra = report.runs.iter().any(|r| !r.other_models_flagged.is_empty());
    let code = u8::from(missed || extra);
    match &args.output {
        Some(path) => match std::fs::write(path, &text) {
            Ok(()) => Outcome { stdout: String::new(), stderr: String::new(), code },
            Err(e) => usage_error(format!("could not write {}: {e}", crate::project::layout::display(path))),
        },
        None => Outcome { stdout: text, stderr: String::new(), code },
    }
}
