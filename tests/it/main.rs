//! The integration tests, one binary: each module was a test binary of its own, and each linked
//! DuckDB; one binary links it once. Run one module with its name as the filter, e.g.
//! `cargo test --locked --test it semantic_corpus`.

// A helper that cannot unwrap has failed its test: the panic is the report.
#![expect(clippy::unwrap_used, reason = "tests unwrap: a panic is a failed test")]

mod architecture;
mod bench;
mod cli;
mod docs;
mod data_cli;
mod diagram;
mod fuzz;
mod gate;
mod generate;
mod hostile_fail_closed;
mod hostile_no_crash;
mod llm;
mod generated;
mod generated_layouts;
mod library;
mod lineage_corpus;
mod malformed_code;
mod malformed_spec;
mod partition;
mod review;
mod messages;
mod mutate;
mod planted;
mod semantic_corpus;
mod spec_coverage;
mod shipped_tests;
mod support;
mod synth_props;
