//! Stage 4, the execution engine: embedded DuckDB, one connection per worker. Today it opens
//! the database and reports its version, and has the time limit calls will run under
//! ([`watchdog`]); running models lands with the issue "Run it".

pub mod database;
pub mod watchdog;
