//! The gate: what a CI job decides from a run. Which models a changed-only run validates
//! (`changed`, from git), which models one part of a sharded run validates (`partition`), and
//! which findings a baseline accepts (`baseline`).

pub mod baseline;
pub mod changed;
pub mod partition;
