//! Why SQL failed in the engine, sorted into the kinds that become findings RUN001–RUN004.
//!
//! DuckDB's C API gives a failure only as text ("Permission Error: …", "Out of Memory Error: …",
//! "INTERRUPT Error: …"), so the kind is read from the error type that opens the message, not
//! from words anywhere in it: a conversion error quoting a user's string "Permission Error"
//! stays a plain failure.

use crate::finding::Code;
use std::time::Duration;
use thiserror::Error;

/// What kind of failure a [`RunError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunErrorKind {
    /// The call ran past the time limit and was interrupted (RUN002).
    Timeout,
    /// The SQL tried something the sandbox forbids (RUN003).
    Denied,
    /// The SQL needed more memory than the database's limit (RUN004).
    MemoryLimit,
    /// Any other error DuckDB reported (RUN001).
    Failed,
}

/// SQL that failed in the engine: what kind of failure, and DuckDB's message on one line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct RunError {
    /// What kind of failure.
    pub kind: RunErrorKind,
    /// DuckDB's message, cleaned up to one line (for a timeout, the limit that was hit).
    pub message: String,
}

impl RunError {
    /// The finding code for this failure.
    pub fn code(&self) -> Code {
        match self.kind {
            RunErrorKind::Timeout => Code::QueryTimeout,
            RunErrorKind::Denied => Code::SandboxDenied,
            RunErrorKind::MemoryLimit => Code::MemoryLimit,
            RunErrorKind::Failed => Code::ModelFailed,
        }
    }

    /// Sorts a DuckDB error. `interrupted` says whether the watchdog interrupted the call that
    /// failed, which was limited to `limit`.
    pub(super) fn from_duckdb(error: &duckdb::Error, interrupted: bool, limit: Duration) -> RunError {
        let text = error.to_string();
        let mut kind = classify(&text);
        // Past the limit, whatever DuckDB happened to be saying when the interrupt arrived, the
        // reason the call ended is the time limit.
        if interrupted && kind == RunErrorKind::Failed {
            kind = RunErrorKind::Timeout;
        }
        let message = match kind {
            // DuckDB says only "Interrupted!"; the limit is what a reader needs.
            RunErrorKind::Timeout => format!("ran longer than the time limit of {}, interrupted", show(limit)),
            _ => one_line(&text),
        };
        RunError { kind, message }
    }
}

impl From<RunError> for crate::error::Error {
    fn from(error: RunError) -> crate::error::Error {
        crate::error::Error::new(crate::error::ErrorKind::Run(error.message))
    }
}

/// The DuckDB extension a failed call needed (`icu` for `timezone()` and `AT TIME ZONE`), when
/// that is why it failed: the engine never installs or loads one (the sandbox keeps generated
/// SQL off the network and the host's files), so such a call cannot run here, whatever the code.
pub fn missing_extension(message: &str) -> Option<String> {
    let at = message.find("Extension Autoloading Error")?;
    let rest = &message[at..];
    let quoted = rest.split('\'').nth(1)?;
    let name = quoted.trim_end_matches(':').trim();
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then(|| name.to_string())
}

/// True when DuckDB's message says a DECIMAL value left its type's range: the overflow of a
/// NUMERIC product (DECIMAL(38,18), or DECIMAL(38,27) for three factors), of a DECIMAL sum, or
/// a cast into a DECIMAL with more than BigQuery's nine decimals. BigQuery's NUMERIC keeps nine
/// decimals and 29 integer digits, so on BigQuery SQL such a failure is the translation's
/// narrower type, not the SQL's own meaning.
pub fn is_decimal_overflow(message: &str) -> bool {
    // The error may be quoted inside a finding's message (`running `m` failed: …`).
    let body = ["Out of Range Error: ", "Conversion Error: "]
        .iter()
        .find_map(|head| message.find(head).map(|at| &message[at + head.len()..]));
    let Some(body) = body else { return false };
    if ["multiplication", "addition", "subtraction"]
        .iter()
        .any(|op| body.starts_with(&format!("Overflow in {op} of DECIMAL")))
    {
        return true;
    }
    if body.starts_with("Overflow in HUGEINT addition") {
        return true;
    }
    // `Could not cast value … to DECIMAL(38,18)`: a scale no BigQuery NUMERIC has.
    body.starts_with("Could not cast value")
        && body.split("to DECIMAL(").nth(1).and_then(|rest| rest.split(')').next()).is_some_and(|inside| {
            inside.split(',').nth(1).and_then(|scale| scale.trim().parse::<u32>().ok()).is_some_and(|scale| scale > 9)
        })
}

/// The kind of a DuckDB error message.
pub fn classify(message: &str) -> RunErrorKind {
    let message = message.trim_start();
    let (error_type, body) = message.split_once(": ").unwrap_or(("", message));
    match error_type {
        "INTERRUPT Error" => RunErrorKind::Timeout,
        "Out of Memory Error" => RunErrorKind::MemoryLimit,
        "Permission Error" => RunErrorKind::Denied,
        // The sandbox's other refusals come as other error types; these are their sentences.
        _ if body.starts_with("Cannot change configuration option")
            && body.contains("configuration has been locked") =>
        {
            RunErrorKind::Denied
        }
        _ if body.starts_with("Cannot change allowed_") && body.contains("enable_external_access is disabled") => {
            RunErrorKind::Denied
        }
        _ if body.starts_with("Remote extension installation is disabled") => RunErrorKind::Denied,
        // Secrets: the first attempt fails opening the secret store's directory (a Permission
        // Error) and leaves DuckDB's secret manager half set up, so every later attempt in the
        // database fails with this instead. Both are the sandbox at work.
        _ if body.starts_with("Secret Storage with name") && body.contains("already registered") => {
            RunErrorKind::Denied
        }
        _ => RunErrorKind::Failed,
    }
}

/// DuckDB's message on one line: its first line, plus the hints that name what exists instead
/// ("Did you mean …", "Candidate bindings …"). Dropped: the query excerpt with its caret (the
/// finding points at the line itself) and advice the sandbox forbids following (install an
/// extension, set a temporary directory).
pub fn one_line(message: &str) -> String {
    let mut lines = message.lines().map(str::trim).filter(|line| !line.is_empty());
    let mut out = lines.next().unwrap_or("unknown DuckDB error").to_string();
    for line in lines {
        if line.starts_with("Did you mean") || line.starts_with("Candidate bindings") {
            out.push(' ');
            out.push_str(line);
        }
    }
    out
}

/// A duration as a person writes a limit: "300 ms", "10 s", "1.5 s".
fn show(limit: Duration) -> String {
    let millis = limit.as_millis();
    if millis < 1000 {
        format!("{millis} ms")
    } else if millis.is_multiple_of(1000) {
        format!("{} s", millis / 1000)
    } else {
        format!("{} s", limit.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_comes_from_the_error_type() {
        let cases = [
            ("INTERRUPT Error: Interrupted!", RunErrorKind::Timeout),
            ("Out of Memory Error: could not allocate block of size 256.0 KiB (60.8 MiB/61.0 MiB used)", RunErrorKind::MemoryLimit),
            ("Permission Error: Cannot access file \"/etc/passwd\" - file system operations are disabled by configuration", RunErrorKind::Denied),
            ("Invalid Input Error: Cannot change configuration option \"memory_limit\" - the configuration has been locked", RunErrorKind::Denied),
            ("Invalid Input Error: Cannot change allowed_paths when enable_external_access is disabled", RunErrorKind::Denied),
            ("Binder Error: Remote extension installation is disabled through configuration", RunErrorKind::Denied),
            ("Invalid Configuration Error: Secret Storage with name 'memory' already registered!", RunErrorKind::Denied),
            ("Conversion Error: Could not convert string 'Permission Error: x' to INT32", RunErrorKind::Failed),
            ("Invalid Input Error: the configuration has been locked", RunErrorKind::Failed),
            ("Catalog Error: Table with name x does not exist!", RunErrorKind::Failed),
            ("", RunErrorKind::Failed),
        ];
        for (message, kind) in cases {
            assert_eq!(classify(message), kind, "{message}");
        }
    }

    #[test]
    fn a_message_is_cut_to_one_line_with_its_hints() {
        let binder = "Binder Error: Referenced column \"x\" not found in FROM clause!\nCandidate bindings: \"a\"\n\nLINE 1: SELECT x FROM t\n               ^";
        assert_eq!(
            one_line(binder),
            "Binder Error: Referenced column \"x\" not found in FROM clause! Candidate bindings: \"a\""
        );
        let memory = "Out of Memory Error: could not allocate block\nDatabase is launched in in-memory mode and no temporary directory is specified.\nUnused blocks cannot be offloaded to disk.\n\nLaunch the database with a persistent storage back-end\nOr set SET temp_directory='/path/to/tmp.tmp'";
        assert_eq!(one_line(memory), "Out of Memory Error: could not allocate block");
        assert_eq!(one_line(""), "unknown DuckDB error");
    }

    #[test]
    fn each_kind_has_its_finding_code() {
        let code = |kind| RunError { kind, message: String::new() }.code().as_str();
        assert_eq!(code(RunErrorKind::Failed), "RUN001");
        assert_eq!(code(RunErrorKind::Timeout), "RUN002");
        assert_eq!(code(RunErrorKind::Denied), "RUN003");
        assert_eq!(code(RunErrorKind::MemoryLimit), "RUN004");
    }

    #[test]
    fn a_timeout_names_its_limit() {
        let error = duckdb::Error::DuckDBFailure(
            duckdb::ffi::Error::new(duckdb::ffi::DuckDBError),
            Some("INTERRUPT Error: Interrupted!".to_string()),
        );
        let got = RunError::from_duckdb(&error, true, Duration::from_millis(300));
        assert_eq!(
            got,
            RunError {
                kind: RunErrorKind::Timeout,
                message: "ran longer than the time limit of 300 ms, interrupted".into()
            }
        );
        assert_eq!(show(Duration::from_secs(10)), "10 s");
        assert_eq!(show(Duration::from_millis(1500)), "1.5 s");
    }

    #[test]
    fn decimal_overflows_are_told_apart_from_other_failures() {
        use super::is_decimal_overflow;
        assert!(is_decimal_overflow("Out of Range Error: Overflow in multiplication of DECIMAL(38) (1 * 2). You might want to add an explicit cast"));
        assert!(is_decimal_overflow("Out of Range Error: Overflow in addition of DECIMAL(38) (1 + 2);"));
        assert!(is_decimal_overflow(
            "running `m` failed: Out of Range Error: Overflow in multiplication of DECIMAL(38) (1 * 2)"
        ));
        assert!(is_decimal_overflow(
            "Conversion Error: Could not cast value 100000000000000000000.000000 to DECIMAL(38,18)"
        ));
        assert!(!is_decimal_overflow("Conversion Error: Could not cast value 1e30 to DECIMAL(38,9)"));
        assert!(!is_decimal_overflow(
            "Out of Range Error: Overflow in multiplication of INT64 (9223372036854775807 * 2)!"
        ));
        assert!(!is_decimal_overflow("Conversion Error: Could not convert string 'n/a' to INT64"));
    }

    #[test]
    fn a_missing_extension_is_named() {
        let message = "running `m` failed: Extension Autoloading Error: An error occurred while trying to automatically install the required extension 'icu':\nExtension \"https://…\" not found";
        assert_eq!(missing_extension(message).as_deref(), Some("icu"));
        assert_eq!(missing_extension("Binder Error: 'icu' is not a column"), None);
    }
}
