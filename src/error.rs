//! Errors: the tool could not do its job (exit code 2).
//!
//! A broken pipeline is not an error but a [`crate::finding::Finding`]. An error is a kind and,
//! where it has one, the [`Location`] it is about: the file, and the line and column when the
//! error is inside it (a file-wide location has line 0). One vocabulary serves every stage, the
//! gate's baselines and `init` included. Messages are lowercase fragments that read after
//! "failed to …" is implied, and always say which file and where.

use crate::location::Location;
use std::fmt;
use std::path::Path;

/// Why specproof could not run: what went wrong ([`ErrorKind`]) and where.
#[derive(Debug)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The file it is about, with a line and column when the error is inside it; `None` when it
    /// is about no file (the database, output with no file name).
    pub location: Option<Location>,
}

/// What went wrong. New kinds may come; match with a wildcard arm.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file could not be read.
    Read(std::io::Error),
    /// A file or folder could not be written or created.
    Write {
        /// `write` or `create`.
        action: &'static str,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A file was larger than specproof accepts.
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A JSON input (`spec` or `baseline`) is not valid JSON, or does not fit its format.
    InvalidJson {
        /// Which input: `spec` or `baseline`.
        what: &'static str,
        /// Where in the JSON (`.` when at the top).
        json_path: String,
        /// What is wrong.
        message: String,
    },
    /// The project configuration `specproof.toml` is invalid.
    Config(String),
    /// A path given on the command line or in the configuration does not exist.
    Missing {
        /// What the path was for ("spec", "sources folder", …).
        what: &'static str,
        /// What to do instead (which files there are, the flag to pass); may be empty.
        hint: String,
    },
    /// A baseline entry that does not say why its finding is accepted.
    NoReason {
        /// The entry's index.
        index: usize,
        /// Its code and model.
        what: String,
    },
    /// The embedded database failed (boxed: DuckDB's error is large, and an error should be
    /// cheap to return).
    Database(Box<duckdb::Error>),
    /// Setting up the run database failed (creating schemas, setting the run time); the
    /// engine's message.
    Run(String),
    /// git failed or is not there.
    Git(String),
    /// `init` would overwrite these files.
    Exists(String),
}

impl Error {
    /// An error of `kind` about no file in particular.
    pub fn new(kind: ErrorKind) -> Error {
        Error { kind, location: None }
    }

    /// An error of `kind` about the whole of file `path`.
    pub fn in_file(kind: ErrorKind, path: &Path) -> Error {
        Error { kind, location: Some(Location::file(path.display().to_string())) }
    }

    /// An error of `kind` at `line` and `column` (1-based, in characters) of file `path`.
    pub fn at(kind: ErrorKind, path: &Path, line: usize, column: usize) -> Error {
        Error { kind, location: Some(Location { file: path.display().to_string(), line, column }) }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.location.as_ref().map_or("", |l| l.file.as_str());
        // A located error opens with `file:line:column: `, as a compiler's does.
        let at = match &self.location {
            Some(location) if location.line > 0 => format!("{location}: "),
            _ => String::new(),
        };
        match &self.kind {
            ErrorKind::Read(source) => write!(f, "cannot read {file}: {source}"),
            ErrorKind::Write { action, source } if file.is_empty() => write!(f, "cannot {action} output: {source}"),
            ErrorKind::Write { action, source } => write!(f, "cannot {action} {file}: {source}"),
            ErrorKind::TooLarge { size, limit } => {
                write!(f, "{file} is {size} bytes, more than the {limit} bytes specproof reads")
            }
            ErrorKind::InvalidJson { what, json_path, message } => {
                write!(f, "{at}invalid {what} at `{json_path}`: {message}")
            }
            ErrorKind::Config(message) => write!(f, "{at}invalid configuration: {message}"),
            ErrorKind::Missing { what, hint } if hint.is_empty() => write!(f, "{what} {file} does not exist"),
            ErrorKind::Missing { what, hint } => write!(f, "{what} {file} does not exist; {hint}"),
            ErrorKind::NoReason { index, what } => write!(
                f,
                "{file}: accepted[{index}] ({what}) has no reason: write why this finding is accepted in its `reason`, or remove the entry"
            ),
            ErrorKind::Database(error) => write!(f, "duckdb: {error}"),
            ErrorKind::Run(message) => write!(f, "cannot set up the run database: {message}"),
            ErrorKind::Git(message) => f.write_str(message),
            ErrorKind::Exists(files) => write!(f, "init writes nothing over existing files, and these exist: {files}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Read(source) | ErrorKind::Write { source, .. } => Some(source),
            ErrorKind::Database(error) => Some(error.as_ref()),
            _ => None,
        }
    }
}

impl From<duckdb::Error> for Error {
    fn from(error: duckdb::Error) -> Error {
        Error::new(ErrorKind::Database(Box::new(error)))
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Reads a text file, refusing huge ones before they are loaded into memory.
pub(crate) fn read_text(path: &Path, limit: u64) -> Result<String> {
    use std::io::Read;
    let read_err = |source| Error::in_file(ErrorKind::Read(source), path);
    let metadata = std::fs::metadata(path).map_err(read_err)?;
    // A FIFO blocks the open until a writer comes, and a device (`/dev/zero`, or a symlink to
    // it) has no end: only a regular file has a size to check and an end to reach.
    if !metadata.is_file() {
        return Err(read_err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a folder, a FIFO, a device or a socket): specproof reads only regular files",
        )));
    }
    let size = metadata.len();
    if size > limit {
        return Err(Error::in_file(ErrorKind::TooLarge { size, limit }, path));
    }
    // The file may grow between the check and the read: read no more than the limit allows.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(read_err)?;
    let read = bytes.len() as u64;
    if read > limit {
        return Err(Error::in_file(ErrorKind::TooLarge { size: read, limit }, path));
    }
    // Editors on Windows write a byte-order mark; it is not part of the text.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        read_err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text (byte {} is invalid)", e.utf8_error().valid_up_to()),
        ))
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("specproof-error-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        dir
    }

    #[test]
    fn a_device_behind_a_symlink_is_not_read() {
        let dir = scratch("device");
        let link = dir.join("spec.json");
        std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
        let error = read_text(&link, 1024).expect_err("/dev/zero has no end");
        assert!(error.to_string().contains("not a regular file"), "{error}");
    }

    #[test]
    fn a_fifo_is_not_opened() {
        let dir = scratch("fifo");
        let fifo = dir.join("model.sql");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
        assert!(made.success());
        // Opening it would block until a writer came: the check is made before the open.
        let error = read_text(&fifo, 1024).expect_err("a FIFO is no file");
        assert!(error.to_string().contains("not a regular file"), "{error}");
    }

    #[test]
    fn a_file_past_the_limit_is_too_large() {
        let dir = scratch("large");
        let file = dir.join("spec.json");
        std::fs::write(&file, "x".repeat(2048)).expect("write");
        assert!(matches!(read_text(&file, 1024).map_err(|e| e.kind), Err(ErrorKind::TooLarge { .. })));
        assert_eq!(read_text(&file, 4096).expect("within the limit").len(), 2048);
    }
}
