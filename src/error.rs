//! Errors: the tool could not do its job (exit code 2).
//!
//! A broken pipeline is not an error but a [`crate::finding::Finding`]. Messages are lowercase
//! fragments that read after "failed to …" is implied, and always say which file and where.

use std::path::PathBuf;
use thiserror::Error;

/// Why specproof could not run.
#[derive(Debug, Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A file was larger than specproof accepts.
    #[error("{path} is {size} bytes, more than the {limit} bytes specproof reads")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The spec is not valid JSON, or does not fit the spec format.
    #[error("{path}:{line}:{column}: invalid spec at `{json_path}`: {message}")]
    Spec {
        /// The spec file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Where in the JSON (`.` when at the top).
        json_path: String,
        /// What is wrong.
        message: String,
    },
    /// The project configuration `specproof.toml` is invalid.
    #[error("{path}:{line}:{column}: invalid configuration: {message}")]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A path given on the command line or in the configuration does not exist.
    #[error("{what} {path} does not exist")]
    Missing {
        /// What the path was for ("spec", "sources folder", …).
        what: &'static str,
        /// The path.
        path: PathBuf,
    },
    /// The embedded database failed.
    #[error("duckdb: {0}")]
    Database(#[from] duckdb::Error),
    /// Setting up the run database failed (creating schemas, setting the run time).
    #[error("cannot set up the run database: {0}")]
    Run(#[from] crate::engine::run_error::RunError),
    /// Writing output failed.
    #[error("cannot write output: {0}")]
    Write(#[source] std::io::Error),
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Reads a text file, refusing huge ones before they are loaded into memory.
pub(crate) fn read_text(path: &std::path::Path, limit: u64) -> Result<String> {
    let read_err = |source| Error::Read { path: path.to_path_buf(), source };
    let size = std::fs::metadata(path).map_err(read_err)?.len();
    if size > limit {
        return Err(Error::TooLarge { path: path.to_path_buf(), size, limit });
    }
    let bytes = std::fs::read(path).map_err(read_err)?;
    String::from_utf8(bytes).map_err(|e| Error::Read {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text (byte {} is invalid)", e.utf8_error().valid_up_to()),
        ),
    })
}
