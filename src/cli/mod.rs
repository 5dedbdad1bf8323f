//! The command line: argument definitions (`args`), what each command does (`run`), and the
//! progress bar's text (`progress`). The library returns an [`run::Outcome`]; only `main`
//! prints and exits.

pub mod args;
pub mod progress;
pub mod run;
