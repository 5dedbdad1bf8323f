//! The execution engine: one embedded DuckDB database per run, shared by one connection
//! per worker.
//!
//! The code under test is untrusted (an LLM wrote it), so the database is sandboxed before any of
//! it runs ([`sandbox`]): no host files, no network, no extensions, no configuration changes.
//! Every call that runs SQL has a time limit ([`watchdog`]) on top of the database's memory
//! limit, and a failure comes back as a [`RunError`] whose kind maps to a finding code
//! (RUN001–RUN004) instead of aborting the run.
//!
//! ```
//! use specproof::engine::{Engine, EngineConfig};
//!
//! let engine = Engine::open(&EngineConfig::default()).unwrap();
//! engine.create_schemas(&["temp"]).unwrap();
//! let table = format!("\"{}\".temp.t", engine.catalog());
//! engine.execute(&format!("CREATE TABLE {table} AS SELECT 1 AS id")).unwrap();
//! let (columns, rows) = engine.query(&format!("SELECT id FROM {table}")).unwrap();
//! assert_eq!((columns, rows), (vec!["id".to_string()], vec![vec![Some("1".to_string())]]));
//! assert!(engine.execute("SELECT * FROM read_csv('/etc/passwd')").is_err());
//! ```

pub mod config;
pub mod database;
mod pool;
pub mod run_error;
pub mod sandbox;
pub mod watchdog;

pub use config::EngineConfig;
pub use database::{Engine, Row, Warming, WorkerSource};
pub use run_error::{RunError, RunErrorKind};
