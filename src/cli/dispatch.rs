//! From a parsed command line to the command's module.

use super::args::{Cli, Command};
use super::commands;
use super::outcome::{Outcome, Terminal};

/// Runs a parsed command line for `terminal`.
pub fn run_with(cli: Cli, terminal: &Terminal) -> Outcome {
    match cli.command {
        Command::Lint(args) => commands::lint::run(&args, terminal),
        Command::Validate(args) => commands::validate::run(&args, terminal),
        Command::Data(args) => commands::data::run(&args),
        Command::Lineage(args) => commands::lineage::run(&args),
        Command::Diagram(args) => commands::diagram::run(&args),
        Command::Review(args) => commands::review::run(&args),
        Command::Mutate(args) => commands::mutate::run(&args),
        Command::Spec(command) => commands::spec::run(&command),
        Command::Explain(args) => commands::explain::run(&args),
        Command::Init(args) => commands::init::run(&args),
        Command::Bench(args) => commands::bench::run(&args),
        Command::Report(command) => commands::report::run(&command, terminal),
        Command::Generate(command) => commands::generate::run(&command),
        Command::Llm(command) => commands::llm::run(&command),
    }
}
