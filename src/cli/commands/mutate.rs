//! `specproof mutate`: mutants of the model code, every suite run on each, scored.

use crate::cli::args::{Format, MutateArgs};
use crate::cli::options::run_options;
use crate::cli::outcome::{load, usage_error, Outcome};
use crate::mutate::operators::Operator;
use crate::mutate::render;
use crate::mutate::score::{list, mutate, MutateOptions, SuiteKind};

/// Runs `specproof mutate`.
pub fn run(args: &MutateArgs) -> Outcome {
    let Some(gate) = SuiteKind::from_name(&args.min_score_suite) else {
        let names: Vec<&str> = SuiteKind::ALL.iter().map(|s| s.name()).collect();
        return usage_error(format!("--min-score-suite `{}` is not one of {}", args.min_score_suite, names.join(", ")));
    };
    let mut operators = Vec::new();
    for name in &args.operator {
        match Operator::from_name(name) {
            Some(op) => operators.push(op),
            None => {
                let names: Vec<&str> = Operator::ALL.iter().map(|o| o.name()).collect();
                return usage_error(format!("--operator `{name}` is not one of {}", names.join(", ")));
            }
        }
    }
    if operators.is_empty() {
        operators = Operator::ALL.to_vec();
    }
    if let Some(min) = args.min_score {
        if !(0.0..=100.0).contains(&min) {
            return usage_error(format!("--min-score must be a per cent between 0 and 100, not {min}"));
        }
    }
    if args.budget == 0 || args.cases == 0 || args.jobs == Some(0) {
        return usage_error("--budget, --cases and --jobs must be at least 1".into());
    }
    let project = match load(&args.project) {
        Ok(project) => project,
        Err(error) => return Outcome::failed(&error),
    };
    for model in &args.model {
        if project.spec.spec.model_index(model).is_none() {
            return usage_error(format!("--model `{model}` is not a model of the spec"));
        }
    }
    let mut run = match run_options(&project, &args.run, None) {
        Ok(run) => run,
        Err(message) => return Outcome { stdout: String::new(), stderr: message, code: 2 },
    };
    let valid = args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= crate::cli::options::MAX_SECONDS;
    match std::time::Duration::try_from_secs_f64(args.timeout).ok().filter(|_| valid) {
        Some(timeout) => run.engine.query_timeout = timeout,
        None => return usage_error(format!("--timeout must be a positive number of seconds, not {}", args.timeout)),
    }
    run.cases = args.cases as usize;
    let options = MutateOptions {
        run,
        budget: args.budget,
        jobs: args.jobs,
        operators,
        models: (!args.model.is_empty()).then(|| args.model.clone()),
        generated: !args.no_generated,
    };
    if args.list {
        let (mutants, made) = list(&project, &options);
        return Outcome { stdout: render::list(&mutants, made), stderr: String::new(), code: 0 };
    }
    let report = match mutate(&project, &options) {
        Ok(report) => report,
        Err(error) => return Outcome::failed(&error),
    };
    let stdout = match args.project.format.unwrap_or(Format::Text) {
        Format::Text => render::text(&report, gate),
        Format::Json => render::json(&report),
        Format::Markdown => render::markdown(&report, gate),
        Format::Junit => render::junit(&report, gate),
        Format::Sarif => render::sarif(&report, gate),
    };
    let score = report.score(gate, None);
    let mut stderr = String::new();
    let mut code = 0;
    if let Some(min) = args.min_score {
        let got = score.percent().unwrap_or(0.0);
        if got + 1e-9 < min {
            stderr = format!(
                "specproof: the {} suite kills {got:.1}% of the scored mutants ({}/{}), below --min-score {min}\n",
                gate.name(),
                score.killed,
                score.of
            );
            code = 1;
        }
    }
    Outcome { stdout, stderr, code }
}
