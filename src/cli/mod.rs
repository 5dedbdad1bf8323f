//! The command line: argument definitions ([`args`]), one module per command ([`commands`]),
//! the dispatch ([`dispatch`]), what a command produced ([`outcome`]), the run options its flags set
//! ([`options`]), and the progress bar's text ([`progress`]).

pub mod args;
pub mod commands;
pub mod dispatch;
pub mod options;
pub mod outcome;
pub mod progress;
