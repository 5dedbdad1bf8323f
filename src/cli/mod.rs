//! The command line: argument definitions (`args`) and what each command does (`run`). The
//! library returns an [`run::Outcome`]; only `main` prints and exits.

pub mod args;
pub mod run;
