//! The settings that keep untrusted model code inside its tables.
//!
//! They are given to DuckDB when the database opens, before any SQL runs, and the last of them
//! locks the configuration, so model code cannot `SET`, `RESET` or `PRAGMA` any of them back.
//!
//! | setting | value | what it stops |
//! | --- | --- | --- |
//! | `temp_directory` | `''` | spilling to disk: without a directory DuckDB cannot write temporary files on the host, and a query over the memory limit fails with *Out of Memory* instead of growing on disk |
//! | `enable_external_access` | `false` | reading and writing host files (`read_csv`, `read_text`, `glob`, `COPY … TO`, `EXPORT DATABASE`), URLs, `ATTACH`, `INSTALL`, and secrets (their store is a directory) |
//! | `autoinstall_known_extensions` | `false` | downloading an extension because a query names one of its functions |
//! | `autoload_known_extensions` | `false` | loading one for the same reason |
//! | `allow_community_extensions` | `false` | community extensions, should loading ever be possible |
//! | `allow_unsigned_extensions` | `false` | extensions DuckDB did not sign (the default, pinned) |
//! | `memory_limit` | [`EngineConfig::memory_limit`] | a fan-out that would take the machine's memory |
//! | `threads` | [`EngineConfig::threads`] | a query taking every core from the other workers |
//! | `lock_configuration` | `true` | changing any setting afterwards (`SET`, `RESET`, `PRAGMA`, `SET GLOBAL`) |
//!
//! Secrets cannot be made at all: DuckDB's secret manager opens its store, a directory under
//! the home directory, on first use, and external access being off refuses it. The first
//! `CREATE SECRET` of a database fails with that Permission Error, every later one with "Secret
//! Storage … already registered" (the manager is left half set up); both are
//! [`RunErrorKind::Denied`](super::RunErrorKind::Denied). Disallowing persistent secrets instead
//! would let in-memory secrets through, which is why it stays at its default.
//!
//! A file database (`--db PATH`) is opened by DuckDB itself, so its own file, write-ahead log
//! and checkpoints still work with external access off; any other file stays out of reach.
//! Without the ICU extension (not built in, and not loadable here) DuckDB has no time zones: a
//! `TIMESTAMPTZ` is always shown in UTC, whatever the machine's zone, so there is no `TimeZone`
//! to pin (DuckDB rejects the setting). Session state that is not configuration (`SET VARIABLE`, `USE`) stays open to the code, as
//! it cannot leave the database.

use super::config::EngineConfig;
use duckdb::Config;

/// The DuckDB settings a database opened for `engine` starts with, in the order they are
/// applied: `temp_directory` first (it cannot change once external access is off),
/// `lock_configuration` last.
pub fn settings(engine: &EngineConfig) -> Vec<(&'static str, String)> {
    vec![
        // Before external access goes off: DuckDB refuses to change the directory after that.
        ("temp_directory", String::new()),
        ("enable_external_access", "false".to_string()),
        ("autoinstall_known_extensions", "false".to_string()),
        ("autoload_known_extensions", "false".to_string()),
        ("allow_community_extensions", "false".to_string()),
        ("allow_unsigned_extensions", "false".to_string()),
        ("memory_limit", engine.memory_limit.clone()),
        // DuckDB refuses 0 threads; one is also the least a query needs.
        ("threads", engine.threads.max(1).to_string()),
        ("lock_configuration", "true".to_string()),
    ]
}

/// The [`duckdb::Config`] holding [`settings`].
pub(super) fn config(engine: &EngineConfig) -> duckdb::Result<Config> {
    settings(engine).into_iter().try_fold(Config::default(), |config, (key, value)| config.with(key, value))
}
