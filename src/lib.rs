//! specproof tells a data engineer, in seconds, whether generated pipeline code does what its
//! JSON spec says.
//!
//! The crate is laid out by the stages data flows through, each using only the ones before it:
//! [`sql`] reads SQL (templates, parsing, the dialect bridge, lineage), [`spec`] loads, resolves
//! and lints the spec, [`project`] finds a pipeline's files and reads its code, [`synth`] builds
//! data, [`engine`] is the sandboxed embedded DuckDB, [`reference`](mod@reference) computes what the spec says
//! each model holds, [`check`] judges code and output against the spec, [`run`] runs the models,
//! [`suite`] runs the project's own shipped tests, [`prove`] searches datasets and shrinks
//! differences, [`gate`] applies baselines and changed-only scopes, [`report`] renders findings.
//! [`validate()`](crate::validate::validate) is the one entry point that runs all of it; [`scaffold`] is `specproof init`,
//! and [`cli`] ties them to the command line. [`location`], [`error`], [`finding`] and
//! [`suggest`] are the ground floor every stage stands on. The library never prints and never
//! exits.
//!
//! ```
//! use specproof::spec::load::parse_spec;
//! use specproof::spec::lint::lint_spec;
//! use specproof::spec::catalog::Catalog;
//!
//! let text = r#"{
//!   "schema": {"raw_schema": "raw", "staging_schema": "stg", "final_schema": "mart"},
//!   "models": [{"name": "m", "layer": "staging", "sources": ["raw.missing"],
//!               "column_mapping": [{"target_column": "id", "type": "INT64",
//!                                   "from_table": "missing", "from_column": "id"}]}]
//! }"#;
//! let spec = parse_spec("spec.json", text.to_string()).unwrap();
//! let findings = lint_spec(&spec, &Catalog::default());
//! assert_eq!(findings[0].code.as_str(), "SPEC001");
//! assert_eq!(findings[0].location.as_ref().unwrap().line, 3);
//! ```

// The stages, in the order data flows through them (see docs/design.md, "Layout"; the
// architecture test in tests/it/architecture.rs holds the code to it): a module may use the
// ones above it, never one below.
pub mod location;
pub mod error;
pub mod finding;
pub mod suggest;
pub mod meter;
pub mod sql;
pub mod spec;
pub mod project;
pub mod synth;
pub mod engine;
pub mod reference;
pub mod codegen;
pub mod check;
pub mod diagram;
pub mod run;
pub mod suite;
pub mod prove;
pub mod gate;
pub mod report;
pub mod validate;
pub mod mutate;
pub mod llm;
pub mod review;
pub mod bench;
pub mod scaffold;
pub mod cli;

/// Helpers shared by the unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    /// The crate's folder, read when the test runs: cargo sets it for tests, and a build shared
    /// between clones (one CARGO_TARGET_DIR) must not send a test to another clone's files.
    pub fn crate_root() -> std::path::PathBuf {
        std::env::var_os("CARGO_MANIFEST_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
    }
}
