//! How to run a project, and how a caller hears how far a run has got.

use crate::engine::EngineConfig;
use crate::synth::SynthOptions;

/// The run time the command line pins `CURRENT_TIMESTAMP` to (see
/// [`crate::sql::bridge::DEFAULT_RUN_TIME`]).
pub use crate::sql::bridge::DEFAULT_RUN_TIME;

/// How to run a project.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The database settings.
    pub engine: EngineConfig,
    /// The synthetic data.
    pub synth: SynthOptions,
    /// The run time translated code reads for `CURRENT_TIMESTAMP`.
    pub run_time: String,
    /// Told how far a run has got; the library never prints, the caller decides how to show it.
    pub progress: Progress,
    /// Datasets searched in all, the first included (0 counts as 1).
    pub cases: usize,
    /// Shrink a dataset that shows a difference to a small counterexample.
    pub shrink: bool,
    /// Run the models without checking their output against the spec's tests (a shrinking
    /// probe only asks whether the output still differs from the reference).
    pub skip_output_checks: bool,
    /// Do not run the SCD2 models' histories (the datasets after the first: the history runs
    /// on the first dataset only, see `crate::run::history`).
    pub skip_histories: bool,
    /// Run only these models (by name) and the models they read, upstream; `None` runs every
    /// model. A changed-only run (`--changed-since`) sets it.
    pub only: Option<Vec<String>>,
    /// Adds up the time of each stage (`specproof bench`); off by default.
    pub meter: crate::meter::Meter,
}

/// How far a run has got: `done` of `total` units of work of the named stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What is being done (`running the models`, `running 3 datasets`, `shrinking counterexamples`).
    pub stage: String,
    /// Units done.
    pub done: usize,
    /// Units in all.
    pub total: usize,
}

/// A callback told of each [`Step`]; called from worker threads, so it must be cheap and
/// thread-safe. The default does nothing.
#[derive(Clone, Default)]
pub struct Progress(Option<ProgressFn>);

/// The callback a [`Progress`] holds.
type ProgressFn = std::sync::Arc<dyn Fn(&Step) + Send + Sync>;

impl Progress {
    /// A progress callback.
    pub fn new(report: impl Fn(&Step) + Send + Sync + 'static) -> Progress {
        Progress(Some(std::sync::Arc::new(report)))
    }

    /// Tells the callback, if there is one.
    pub fn step(&self, stage: &str, done: usize, total: usize) {
        if let Some(report) = &self.0 {
            report(&Step { stage: stage.to_string(), done, total });
        }
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Progress(callback)" } else { "Progress(none)" })
    }
}

/// `options` for a database of its own in memory, whatever `--db` says, told of no progress.
pub fn in_memory(options: &RunOptions) -> RunOptions {
    RunOptions {
        engine: EngineConfig { db_path: None, ..options.engine.clone() },
        progress: Default::default(),
        ..options.clone()
    }
}
