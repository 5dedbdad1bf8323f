//! Why the gate could not do its job (exit 2): an unreadable or malformed baseline, a git ref
//! git does not know, a file `init` would overwrite.

use std::path::PathBuf;

/// An error of the gate's inputs; its message reads after "specproof: error: ".
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// A file could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The baseline is not valid JSON or not a baseline.
    #[error("{path}:{line}:{column}: invalid baseline at `{json_path}`: {message}")]
    Baseline {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Where in the JSON.
        json_path: String,
        /// What is wrong.
        message: String,
    },
    /// A baseline entry that does not say why its finding is accepted.
    #[error(
        "{path}: accepted[{index}] ({what}) has no reason: write why this finding is accepted in its `reason`, or remove the entry"
    )]
    NoReason {
        /// The file.
        path: PathBuf,
        /// The entry's index.
        index: usize,
        /// Its code and model.
        what: String,
    },
    /// git failed or is not there.
    #[error("{0}")]
    Git(String),
    /// `init` would overwrite files.
    #[error("init writes nothing over existing files, and these exist: {0}")]
    Exists(String),
}
