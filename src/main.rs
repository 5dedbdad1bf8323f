//! The `specproof` binary: parse arguments, call the library, print, exit.

use clap::Parser;
use specproof::cli::dispatch::run_with;
use specproof::cli::outcome::Terminal;
use specproof::cli::progress::{ProgressBar, Ticker};
use specproof::run::options::Progress;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

fn main() -> ExitCode {
    let cli = specproof::cli::args::Cli::parse();
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
