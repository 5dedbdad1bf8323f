//! The run options the command line sets (`--seed`, `--rows`, `--timeout`, …), checked.

use super::args::{RunArgs, ValidateArgs};
use crate::project::layout::Project;
use crate::run::options::RunOptions;

/// Synthetic datasets `validate` searches unless told otherwise: enough that a defect the first
/// dataset misses is usually found, few enough that customer360 validates in under a second on
/// two cores (README, "Performance").
const DEFAULT_CASES: u64 = 3;

/// More datasets than anyone waits for is a typo.
const MAX_CASES: u64 = 10_000;

/// More rows per source table than this is a typo (`--rows 4000000000` would allocate until the
/// machine gives up): a million rows is far past what finding a defect needs.
pub const MAX_ROWS: u64 = 1_000_000;

/// A query that runs a day is a hang; anything past it is a typo (and a duration that large
/// overflows the clock arithmetic of the watchdog).
pub const MAX_SECONDS: f64 = 86_400.0;

/// The fixed run time every run uses, so results do not depend on the clock.
const RUN_TIME: &str = crate::run::options::DEFAULT_RUN_TIME;

/// The run options of `run` (and `validate`'s flags), or the message of exit 2.
pub(crate) fn run_options(
    project: &Project,
    run: &RunArgs,
    validate: Option<&ValidateArgs>,
) -> Result<RunOptions, String> {
    let mut options = RunOptions { run_time: RUN_TIME.to_string(), ..Default::default() };
    options.synth.seed = run.seed.or(project.config.seed).unwrap_or(42);
    let rows = run.rows.or(project.config.rows).unwrap_or(200);
    if rows == 0 || rows > MAX_ROWS {
        // No rows would pass every model on no data at all.
        return Err(format!("specproof: error: --rows must be between 1 and {MAX_ROWS}, not {rows}\n"));
    }
    options.synth.rows =
        usize::try_from(rows).map_err(|_| format!("specproof: error: --rows {rows} is too large\n"))?;
    if let Some(validate) = validate {
        options.engine.query_timeout = seconds("--timeout", validate.timeout)?;
        // Checked here so that a bad value is an error of the run; the binary's own watchdog
        // reads it with [`deadline`].
        seconds("--deadline", validate.deadline)?;
        if !is_memory_size(&validate.memory_limit) {
            return Err(format!(
                "specproof: error: --memory-limit `{}` is not a size; write a number and a unit, e.g. 512MB, 2GB, 1.5GiB\n",
                validate.memory_limit
            ));
        }
        options.engine.memory_limit = validate.memory_limit.clone();
        if let Some(path) = &validate.db {
            // A run builds its database from nothing; reusing one would mix two runs' tables.
            if path.exists() {
                return Err(format!(
                    "specproof: error: --db {} already exists; specproof writes a fresh database there: remove it or choose another path\n",
                    crate::project::layout::display(path)
                ));
            }
        }
        options.engine.db_path = validate.db.clone();
        let cases = validate.cases.map(|c| c as u64).or(project.config.cases).unwrap_or(DEFAULT_CASES);
        if cases == 0 || cases > MAX_CASES {
            return Err(format!("specproof: error: --cases must be between 1 and {MAX_CASES}, not {cases}\n"));
        }
        options.cases = cases as usize;
        options.shrink = !validate.no_shrink;
    }
    Ok(options)
}

/// The deadline of the whole run `validate` asks for, if the flag is valid (an invalid one is
/// reported by [`run_options`]).
pub fn deadline(args: &ValidateArgs) -> Option<std::time::Duration> {
    seconds("--deadline", args.deadline).ok()
}

/// A number of seconds from a flag: positive, finite and at most [`MAX_SECONDS`].
fn seconds(flag: &str, value: f64) -> Result<std::time::Duration, String> {
    let valid = value.is_finite() && value > 0.0 && value <= MAX_SECONDS;
    let duration = std::time::Duration::try_from_secs_f64(value).ok().filter(|_| valid);
    // 1e300 written out is three hundred digits.
    let shown = if value.abs() < 1e9 { format!("{value}") } else { format!("{value:e}") };
    duration.ok_or_else(|| {
        format!("specproof: error: {flag} must be a positive number of seconds, at most {MAX_SECONDS}, not {shown}\n")
    })
}

/// A size DuckDB's `memory_limit` takes: a number and a unit (B, KB, MB, GB, TB, KiB, …).
fn is_memory_size(text: &str) -> bool {
    memory_size(text).is_some()
}

/// A size in DuckDB's notation in bytes, as DuckDB reads it: KB, MB, GB and TB are powers of
/// 1000, KiB, MiB, GiB and TiB powers of 1024; `None` for anything else.
fn memory_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok().filter(|n: &f64| *n > 0.0 && n.is_finite())?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = number * scale;
    // Past u64 is no machine's memory: DuckDB refuses it too.
    (bytes < 1.8e19).then_some(bytes as u64)
}

/// The memory limit `validate` asks for, in bytes, if the flag is valid (an invalid one is
/// reported by [`run_options`]): the binary bounds its own address space with it.
pub fn memory_limit(args: &ValidateArgs) -> Option<u64> {
    memory_size(&args.memory_limit)
}
