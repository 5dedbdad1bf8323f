//! The `specproof` binary: parse arguments, call the library, print, exit.

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = specproof::cli::args::Cli::parse();
    let outcome = specproof::cli::run::run(cli);
    // A closed pipe (`specproof lint | head`) is not worth a panic.
    let _ = std::io::stdout().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    ExitCode::from(outcome.code)
}
