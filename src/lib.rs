//! specproof tells a data engineer, in seconds, whether generated pipeline code does what its
//! JSON spec says.
//!
//! The crate is laid out by the stages data flows through: [`project`] finds the files,
//! [`spec`] loads and lints the spec, [`sql`] parses SQL, [`synth`] builds data, [`engine`]
//! runs it in embedded DuckDB, [`reference`] computes what the spec says each model holds,
//! [`check`] judges the result, [`suite`] runs the project's own shipped tests, [`report`]
//! renders findings, [`gate`] decides what a CI job does with them (baselines, changed-only
//! runs, `init`), and [`codegen`] and [`diagram`] produce artefacts from the spec. [`cli`]
//! ties them to the command line. The library never prints and never exits.
//!
//! ```
//! use specproof::spec::load::parse_spec;
//! use specproof::spec::lint::lint_spec;
//! use specproof::project::catalog::Catalog;
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

pub mod check;
pub mod cli;
pub mod codegen;
pub mod diagram;
pub mod engine;
pub mod error;
pub mod finding;
pub mod gate;
pub mod project;
pub mod prove;
pub mod reference;
pub mod report;
pub mod spec;
pub mod sql;
pub mod suite;
pub mod synth;

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
