//! The `specproof` binary: parse arguments, call the library, print, exit.

use clap::Parser;
use specproof::cli::progress::ProgressBar;
use specproof::cli::run::{run_with, Terminal};
use specproof::engine::pipeline::Progress;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

fn main() -> ExitCode {
    let cli = specproof::cli::args::Cli::parse();
    // The progress bar is for a person watching a terminal; captured stderr never gets it.
    let bar = Arc::new(ProgressBar::start());
    let progress = if std::io::stderr().is_terminal() {
        let bar = Arc::clone(&bar);
        Progress::new(move |step| {
            if let Some(line) = bar.line(step) {
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
        })
    } else {
        Progress::default()
    };
    let outcome = run_with(cli, &Terminal::detect(progress));
    if let Some(erase) = bar.finish() {
        let _ = std::io::stderr().write_all(erase.as_bytes());
    }
    // A closed pipe (`specproof lint | head`) is not worth a panic.
    let _ = std::io::stdout().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    ExitCode::from(outcome.code)
}
