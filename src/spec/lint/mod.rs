//! Spec lint: every rule of spec-format.md that leaves a spec without one meaning, as a
//! finding with a stable code, its JSON path and its line in the spec file.
//!
//! `run` drives the rules; `context` resolves names; `query` resolves mapping and aggregate
//! models; `keys`, `nulls`, `scd2`, `column_tests` and `graph` are the rules that reason on
//! the result.

mod column_tests;
pub mod context;
pub mod graph;
mod keys;
mod nulls;
pub mod query;
mod run;
mod scd2;
#[cfg(test)]
mod test_support;

pub use run::{kinds_of, lint_spec, resolve_models, resolve_models_with, ModelKind};
