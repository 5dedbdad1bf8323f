//! Proving: many datasets per project, run in parallel, each model's output compared with the
//! spec's reference result, and every difference shrunk to a counterexample a person can read
//! in a minute — a few rows per input table, the rows expected beside the rows produced, and a
//! sentence saying what went wrong where a structural property explains it.
//!
//! [`search`] runs the datasets, each one a [`case`]; [`shrink`] makes a difference small,
//! [`explain`] says what it is, [`fixture`] writes it as a regression test, and [`blame`] says
//! whose fault a failing test is (the spec's or the code's).

pub mod blame;
pub mod case;
pub mod coverage;
pub mod explain;
pub mod fixture;
pub mod fixture_formats;
pub mod search;
pub mod shrink;
