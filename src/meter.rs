//! How long each stage of a validation took, and how much work it did: what `specproof bench`
//! reports.
//!
//! Two instruments, for two questions:
//!
//! - a [`Meter`] adds up the time spent in each [`Stage`]. A run carries one in its options; it
//!   is off unless a caller (the bench) turns it on, and a run's nested probes (shrinking,
//!   blaming shipped tests) carry an off one, so that their work counts once, under their own
//!   stage. A stage's time is summed over the datasets that run side by side (each its own
//!   wall time of the stage): with two workers the stages can add up to more than the run's
//!   wall clock.
//! - [`Work`] counters count units of work that would grow faster than the project if a step
//!   were quadratic: model outputs worked out, models resolved, statements sent to DuckDB,
//!   synthetic rows made. They are process-wide, like an allocator's statistics, because the
//!   steps that do the work are reached from everywhere; only a process of its own (the bench,
//!   a test's child process) reads them, as the difference of two [`Work::now`] readings.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A stage of a validation, in the order data flows through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The spec's lint and the shipped tests' lint.
    Lint,
    /// Templates evaluated, code parsed, translated to DuckDB, traced and checked against the spec.
    Static,
    /// Synthetic datasets made and loaded into DuckDB.
    Data,
    /// The models run.
    Execution,
    /// Each output checked against the spec's declarations and tests.
    OutputChecks,
    /// The spec's reference result built and compared with each model's output.
    Reference,
    /// The spec coverage probes (which outcomes of the spec's constructs the data reached).
    Coverage,
    /// The project's shipped tests run.
    ShippedTests,
    /// SCD2 models run again over changed snapshots.
    History,
    /// Differences shrunk to counterexamples.
    Shrinking,
    /// The report rendered.
    Report,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 11] = [
        Stage::Lint,
        Stage::Static,
        Stage::Data,
        Stage::Execution,
        Stage::OutputChecks,
        Stage::Reference,
        Stage::Coverage,
        Stage::ShippedTests,
        Stage::History,
        Stage::Shrinking,
        Stage::Report,
    ];

    /// What the stage does, for people.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Lint => "lint",
            Stage::Static => "parse, translate, lineage, static check",
            Stage::Data => "data generation and load",
            Stage::Execution => "execution",
            Stage::OutputChecks => "output checks",
            Stage::Reference => "reference and differential",
            Stage::Coverage => "spec coverage probes",
            Stage::ShippedTests => "shipped tests",
            Stage::History => "SCD2 history",
            Stage::Shrinking => "shrinking",
            Stage::Report => "report",
        }
    }
}

/// Time spent per [`Stage`], summed over threads; cheap to clone (the clones add to the same
/// totals). The default is off: timing nothing costs nothing.
#[derive(Debug, Clone, Default)]
pub struct Meter(Option<Arc<[AtomicU64; Stage::ALL.len()]>>);

impl Meter {
    /// A meter that records.
    pub fn on() -> Meter {
        Meter(Some(Arc::new(std::array::from_fn(|_| AtomicU64::new(0)))))
    }

    /// Whether it records.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Runs `work`, adding its time to `stage`.
    pub fn time<T>(&self, stage: Stage, work: impl FnOnce() -> T) -> T {
        let Some(totals) = &self.0 else { return work() };
        let start = Instant::now();
        let result = work();
        let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        totals[stage as usize].fetch_add(nanos, Ordering::Relaxed);
        result
    }

    /// Adds `elapsed` to `stage` (for a stage timed around parallel work: its wall time, the
    /// time the run waited for it).
    pub fn add(&self, stage: Stage, elapsed: Duration) {
        if let Some(totals) = &self.0 {
            let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
            totals[stage as usize].fetch_add(nanos, Ordering::Relaxed);
        }
    }

    /// The time recorded for `stage`.
    pub fn total(&self, stage: Stage) -> Duration {
        self.0.as_ref().map_or(Duration::ZERO, |t| Duration::from_nanos(t[stage as usize].load(Ordering::Relaxed)))
    }
}

/// A unit of work [`Work`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A model's output relation worked out from the spec (`model_outputs`, per model).
    ModelOutputs,
    /// A model's meaning resolved from the spec (per model).
    ModelsResolved,
    /// A model's code read: rendered, parsed, translated and traced.
    ModelsRead,
    /// A statement sent to DuckDB.
    Statements,
    /// A synthetic row made.
    RowsMade,
    /// A check of a model's output against the spec (a column's type, nullability or test, its key).
    OutputChecks,
}

const UNITS: usize = 6;

static COUNTS: [AtomicU64; UNITS] = [const { AtomicU64::new(0) }; UNITS];

/// Counts `n` units of `unit` done.
pub fn count(unit: Unit, n: usize) {
    COUNTS[unit as usize].fetch_add(n as u64, Ordering::Relaxed);
}

/// Work done in this process: a reading of the counters, or the difference of two.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Work {
    /// Model output relations worked out.
    pub model_outputs: u64,
    /// Models resolved.
    pub models_resolved: u64,
    /// Model code files read.
    pub models_read: u64,
    /// Statements sent to DuckDB.
    pub statements: u64,
    /// Synthetic rows made.
    pub rows_made: u64,
    /// Output checks run.
    pub output_checks: u64,
}

impl Work {
    /// The counters now.
    pub fn now() -> Work {
        let read = |u: Unit| COUNTS[u as usize].load(Ordering::Relaxed);
        Work {
            model_outputs: read(Unit::ModelOutputs),
            models_resolved: read(Unit::ModelsResolved),
            models_read: read(Unit::ModelsRead),
            statements: read(Unit::Statements),
            rows_made: read(Unit::RowsMade),
            output_checks: read(Unit::OutputChecks),
        }
    }

    /// The work done between `earlier` and this reading.
    pub fn since(&self, earlier: &Work) -> Work {
        Work {
            model_outputs: self.model_outputs.saturating_sub(earlier.model_outputs),
            models_resolved: self.models_resolved.saturating_sub(earlier.models_resolved),
            models_read: self.models_read.saturating_sub(earlier.models_read),
            statements: self.statements.saturating_sub(earlier.statements),
            rows_made: self.rows_made.saturating_sub(earlier.rows_made),
            output_checks: self.output_checks.saturating_sub(earlier.output_checks),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_off_meter_records_nothing_and_an_on_one_adds_up_per_stage() {
        let off = Meter::default();
        assert_eq!(off.time(Stage::Lint, || 7), 7);
        assert_eq!(off.total(Stage::Lint), Duration::ZERO);
        let on = Meter::on();
        let clone = on.clone();
        on.time(Stage::Execution, || std::thread::sleep(Duration::from_millis(2)));
        clone.time(Stage::Execution, || std::thread::sleep(Duration::from_millis(2)));
        assert!(on.total(Stage::Execution) >= Duration::from_millis(4));
        assert_eq!(on.total(Stage::Reference), Duration::ZERO);
    }

    #[test]
    fn work_is_read_as_the_difference_of_two_readings() {
        let before = Work::now();
        count(Unit::RowsMade, 5);
        // Other tests of this process count too: at least what this one did.
        assert!(Work::now().since(&before).rows_made >= 5);
    }
}
