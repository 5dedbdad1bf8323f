//! How the database of a run is set up: its limits and where it lives.

use std::path::PathBuf;
use std::time::Duration;

/// How the database of a run is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// DuckDB's memory limit for the whole database, in DuckDB's notation ("2GB", "512MB").
    pub memory_limit: String,
    /// DuckDB's thread pool size. With 1 a query runs on the thread that called it and nowhere
    /// else, so rayon workers, one connection each, are what runs queries side by side.
    pub threads: usize,
    /// The time limit of one call ([`crate::engine::Engine::execute`], [`crate::engine::Engine::query`], …).
    pub query_timeout: Duration,
    /// Where to keep the database (`--db PATH`); in memory when `None`.
    pub db_path: Option<PathBuf>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            memory_limit: "2GB".to_string(),
            threads: 1,
            query_timeout: Duration::from_secs(10),
            db_path: None,
        }
    }
}
