//! Stage 7, the gate: what a CI job decides from a report. Which models a changed-only run
//! validates (`changed`, from git), which findings a baseline accepts (`baseline`), and the
//! files `specproof init` scaffolds so a project can adopt the gate (`scaffold`).

pub mod baseline;
pub mod changed;
pub mod error;
pub mod scaffold;

pub use error::GateError;
