//! Spec lint: every rule of spec-format.md that leaves a spec without one meaning, as a
//! finding with a stable code, its JSON path and its line in the spec file.
//!
//! `rules` drives the rules over the meaning [`crate::spec::resolve`] gives each model; `keys`,
//! `nulls`, `scd2` and `column_tests` are the rules that reason on it.

mod column_tests;
mod keys;
mod nulls;
mod rules;
mod scd2;
#[cfg(test)]
pub(crate) mod test_support;

pub use rules::{lint_and_resolve, lint_spec};
