//! The `specproof` binary: parse arguments, call the library, print, exit.

use clap::Parser;
use specproof::cli::args::Command;
use specproof::cli::dispatch::run_with;
use specproof::cli::outcome::Terminal;
use specproof::cli::progress::{ProgressBar, Ticker};
use specproof::run::options::Progress;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

fn main() -> ExitCode {
    // Generated SQL can nest deeply (a 400-term OR chain is a left-deep tree 400 levels down),
    // and the walks over it recurse: every thread that runs them gets a stack sized for the
    // deepest tree the parser lets through (`specproof::sql::depth`), the rayon workers too.
    let stack = specproof::sql::depth::STACK_SIZE;
    let _ = rayon::ThreadPoolBuilder::new().stack_size(stack).build_global();
    match std::thread::Builder::new().name("specproof".into()).stack_size(stack).spawn(run) {
        // A panic has already been printed by the hook; 101 is the code Rust gives it.
        Ok(thread) => thread.join().unwrap_or(ExitCode::from(101)),
        Err(_) => run(),
    }
}

fn run() -> ExitCode {
    let cli = specproof::cli::args::Cli::parse();
    if let Command::Validate(args) = &cli.command {
        specproof::cli::options::deadline(args).into_iter().for_each(stop_at);
    }
    // The progress bar is for a person watching a terminal; captured stderr never gets it.
    let bar = Arc::new(ProgressBar::start());
    let draw = |line: &str| {
        let _ = std::io::stderr().write_all(line.as_bytes());
    };
    let (progress, ticker) = if std::io::stderr().is_terminal() {
        let shown = Arc::clone(&bar);
        let ticker = Ticker::start(Arc::clone(&bar), Duration::from_millis(100), draw);
        (Progress::new(move |step| shown.line(step).iter().for_each(|l| draw(l))), Some(ticker))
    } else {
        (Progress::default(), None)
    };
    let outcome = run_with(cli, &Terminal::detect(progress));
    ticker.into_iter().for_each(Ticker::stop);
    if let Some(erase) = bar.finish() {
        let _ = std::io::stderr().write_all(erase.as_bytes());
    }
    // A closed pipe (`specproof lint | head`) is not worth a panic.
    let _ = std::io::stdout().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    ExitCode::from(outcome.code)
}

/// Ends the process with exit 2 once `deadline` has passed, whatever the run is doing: the
/// per-query time limit bounds each query, this bounds their sum and anything else that could
/// hang (a read, a check). Nothing of the run is reported then: a partial report would pass
/// what was never checked.
#[expect(clippy::exit, reason = "the deadline ends the process from its own thread: the run may be stuck anywhere")]
fn stop_at(deadline: Duration) {
    let spawned = std::thread::Builder::new().name("specproof-deadline".into()).spawn(move || {
        std::thread::sleep(deadline);
        let _ = std::io::stderr().write_all(
            format!(
                "specproof: error: the run passed its deadline of {} s (--deadline) and was stopped; \
                 nothing was reported for the work not done: raise --deadline, or validate fewer models (--changed-since)\n",
                deadline.as_secs_f64()
            )
            .as_bytes(),
        );
        std::process::exit(2);
    });
    if spawned.is_err() {
        let _ = std::io::stderr().write_all(b"specproof: error: cannot start the deadline's thread\n");
        std::process::exit(2);
    }
}
