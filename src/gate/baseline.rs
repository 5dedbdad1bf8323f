//! Baselines: findings a team has looked at and accepts for now, each with a reason, so a gate
//! can be adopted on an imperfect pipeline and only new findings fail it.
//!
//! An entry matches a finding by its code, model, file (relative to the project folder) and
//! message with digits and runs of whitespace made alike, never by line or column: a finding
//! that moves because lines were added above it is still accepted, and so is one whose row
//! counts change with the data. Each entry accepts one finding, so a second copy of an accepted
//! defect is new. An entry without a reason is refused: a baseline is a list of decisions.

use crate::error::{Error, ErrorKind};
use crate::finding::{Code, Finding};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The baseline file's format version.
pub const BASELINE_VERSION: u32 = 1;

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Always [`BASELINE_VERSION`].
    pub version: u32,
    /// The accepted findings.
    pub accepted: Vec<BaselineEntry>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// The finding's code, e.g. `SPEC013`.
    pub code: String,
    /// The model it is about, when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Its file, relative to the project folder, `/`-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Its message when the entry was written (matched with digits and spacing made alike).
    pub message: String,
    /// Why it is accepted. Required: an empty reason is an error.
    #[serde(default)]
    pub reason: String,
}

/// What a finding is matched on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MatchKey {
    code: String,
    model: Option<String>,
    file: Option<String>,
    message: String,
}

impl MatchKey {
    /// The key of `finding` in the project folder `root`.
    pub fn of(finding: &Finding, root: &Path) -> MatchKey {
        MatchKey {
            code: finding.code.as_str().to_string(),
            model: finding.model.clone(),
            file: finding.location.as_ref().map(|l| project_relative(&l.file, root)),
            message: normalise(&finding.message),
        }
    }

    fn of_entry(entry: &BaselineEntry) -> MatchKey {
        MatchKey {
            code: entry.code.to_ascii_uppercase(),
            model: entry.model.clone(),
            file: entry.file.clone(),
            message: normalise(&entry.message),
        }
    }

    /// A short stable hash of the key (FNV-1a, 64 bits, hex): SARIF's fingerprint, so a code
    /// host tracks one alert across runs as the baseline does.
    pub fn fingerprint(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let parts = [
            self.code.as_str(),
            self.model.as_deref().unwrap_or(""),
            self.file.as_deref().unwrap_or(""),
            &self.message,
        ];
        for part in parts {
            for byte in part.bytes().chain([0u8]) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        format!("{hash:016x}")
    }
}

/// `file` relative to the project folder `root`, `/`-separated, so a baseline written with
/// `validate .` inside the project matches a run of `validate path/to/project` from outside.
pub fn project_relative(file: &str, root: &Path) -> String {
    let path = Path::new(file);
    let relative = if root == Path::new(".") || root.as_os_str().is_empty() {
        path
    } else {
        path.strip_prefix(root).unwrap_or(path)
    };
    relative.to_string_lossy().replace('\\', "/")
}

/// The message with every run of digits as `#` and every run of whitespace as one space: what
/// changes when the data or the line numbers do, and the defect does not.
pub fn normalise(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut last = ' ';
    for c in message.trim().chars() {
        let c = if c.is_ascii_digit() {
            '#'
        } else if c.is_whitespace() {
            ' '
        } else {
            c
        };
        if (c == '#' || c == ' ') && last == c {
            continue;
        }
        out.push(c);
        last = c;
    }
    out
}

/// Reads and checks a baseline: valid JSON of the right shape and version, a known code and a
/// reason in every entry.
pub fn load(path: &Path) -> Result<Baseline, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::in_file(ErrorKind::Read(source), path))?;
    parse(path, &text)
}

/// [`load`] on text already read.
pub fn parse(path: &Path, text: &str) -> Result<Baseline, Error> {
    let baseline = parse_entries(path, text)?;
    for (index, entry) in baseline.accepted.iter().enumerate() {
        if entry.reason.trim().is_empty() {
            let what = format!("{} {}", entry.code, entry.model.as_deref().unwrap_or("(no model)"));
            return Err(Error::in_file(ErrorKind::NoReason { index, what }, path));
        }
    }
    Ok(baseline)
}

/// The baseline `--write-baseline` rewrites, if there is one: checked like [`load`] except that
/// entries may still lack a reason (a file just written has none yet), so the reasons already
/// written are kept, and a malformed file stops the run instead of being overwritten.
pub fn load_previous(path: &Path) -> Result<Option<Baseline>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_entries(path, &text).map(Some),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::in_file(ErrorKind::Read(source), path)),
    }
}

/// Writes `baseline` (as [`render`] does) to `path`.
pub fn save(path: &Path, baseline: &Baseline) -> Result<(), Error> {
    std::fs::write(path, render(baseline))
        .map_err(|source| Error::in_file(ErrorKind::Write { action: "write", source }, path))
}

/// A baseline's JSON, shape, version and codes; not its reasons.
fn parse_entries(path: &Path, text: &str) -> Result<Baseline, Error> {
    let malformed = |json_path: String, error: &serde_json::Error| {
        let (line, column) =
            if error.line() == 0 { (1, 1) } else { crate::spec::load::char_column(text, error.line(), error.column()) };
        let message = crate::spec::load::strip_serde_position(&error.to_string());
        Error::at(ErrorKind::InvalidJson { what: "baseline", json_path, message }, path, line, column)
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let baseline: Baseline = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| malformed(error.path().to_string(), error.inner()))?;
    // Text after the document is as malformed as anything inside it.
    deserializer.end().map_err(|error| malformed(".".into(), &error))?;
    let invalid = |json_path: String, message: String| {
        Error::at(ErrorKind::InvalidJson { what: "baseline", json_path, message }, path, 1, 1)
    };
    if baseline.version != BASELINE_VERSION {
        return Err(invalid(
            "version".into(),
            format!("version {} is not one this specproof reads (it reads {BASELINE_VERSION})", baseline.version),
        ));
    }
    for (index, entry) in baseline.accepted.iter().enumerate() {
        if Code::parse(&entry.code).is_none() {
            return Err(invalid(format!("accepted[{index}].code"), format!("`{}` is not a finding code", entry.code)));
        }
    }
    Ok(baseline)
}

/// What a baseline made of a run's findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Findings no entry accepts: they count.
    pub kept: Vec<Finding>,
    /// Accepted findings, each with its entry's reason.
    pub accepted: Vec<Accepted>,
    /// Entries that matched no finding, among those about a model the run checked.
    pub stale: Vec<BaselineEntry>,
}

/// Splits `findings` (in report order) into those `baseline` accepts and the rest. An entry
/// about a model the run did not check (`checked` says no) is neither used nor stale.
pub fn apply(
    baseline: &Baseline,
    findings: Vec<Finding>,
    root: &Path,
    checked: &dyn Fn(Option<&str>) -> bool,
) -> Applied {
    let mut unused: Vec<(MatchKey, &BaselineEntry)> =
        baseline.accepted.iter().map(|e| (MatchKey::of_entry(e), e)).collect();
    let mut applied = Applied::default();
    for finding in findings {
        let key = MatchKey::of(&finding, root);
        match unused.iter().position(|(k, _)| *k == key) {
            Some(i) => {
                let (_, entry) = unused.remove(i);
                applied.accepted.push(Accepted { finding, reason: entry.reason.clone() });
            }
            None => applied.kept.push(finding),
        }
    }
    applied.stale = unused.into_iter().filter(|(_, e)| checked(e.model.as_deref())).map(|(_, e)| e.clone()).collect();
    applied.stale.sort();
    applied
}

/// A baseline accepting every one of `findings`. Reasons are kept from `previous` (an entry of
/// it with the same key); new entries get an empty reason, which the person adopting the gate
/// must fill in before the baseline is used. Returns the baseline and how many entries lack a
/// reason.
pub fn write(findings: &[Finding], previous: Option<&Baseline>, root: &Path) -> (Baseline, usize) {
    let mut reasons: Vec<(MatchKey, String)> = previous
        .map(|b| b.accepted.iter().map(|e| (MatchKey::of_entry(e), e.reason.clone())).collect())
        .unwrap_or_default();
    let mut accepted: Vec<BaselineEntry> = findings
        .iter()
        .map(|finding| {
            let key = MatchKey::of(finding, root);
            let reason = match reasons.iter().position(|(k, _)| *k == key) {
                Some(i) => reasons.remove(i).1,
                None => String::new(),
            };
            BaselineEntry {
                code: finding.code.as_str().to_string(),
                model: finding.model.clone(),
                file: key.file,
                message: finding.message.clone(),
                reason,
            }
        })
        .collect();
    accepted.sort_by(|a, b| (&a.file, &a.model, &a.code, &a.message).cmp(&(&b.file, &b.model, &b.code, &b.message)));
    let missing = accepted.iter().filter(|e| e.reason.trim().is_empty()).count();
    (Baseline { version: BASELINE_VERSION, accepted }, missing)
}

/// The baseline as the file holds it: pretty JSON and a final newline.
pub fn render(baseline: &Baseline) -> String {
    // Plain data with string keys: serialising cannot fail.
    let mut out = serde_json::to_string_pretty(baseline).unwrap_or_default();
    out.push('\n');
    out
}

/// A finding a baseline accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// Why it is accepted, from the baseline.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;

    fn finding(line: usize, message: &str) -> Finding {
        Finding::new(Code::KeyCanRepeat, message).model("stg_orders").at(Location {
            file: "proj/spec.json".into(),
            line,
            column: 3,
        })
    }

    #[test]
    fn malformed_baselines_are_placed_and_a_rewrite_keeps_what_it_can() {
        let (baseline, _) = write(&[finding(10, "key repeats")], None, Path::new("proj"));
        let text = render(&baseline);
        let path = Path::new("baseline.json");
        // Written but without reasons: --baseline refuses it, --write-baseline reads it.
        assert!(matches!(parse(path, &text), Err(Error { kind: ErrorKind::NoReason { index: 0, .. }, .. })));
        assert_eq!(parse_entries(path, &text).unwrap(), baseline);
        // Text after the document, and a syntax error placed in characters, not bytes.
        let error = parse_entries(path, &format!("{text}]")).unwrap_err().to_string();
        assert!(error.contains("trailing characters"), "{error}");
        let error = parse_entries(path, "{\"accepted\": [{\"reason\": \"é\",,}]}").unwrap_err().to_string();
        assert!(error.starts_with("baseline.json:1:30:"), "{error}");
        // A missing file is no previous baseline; a malformed one is an error, never overwritten.
        let dir = std::env::temp_dir().join(format!("specproof-baseline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(load_previous(&dir.join("none.json")).unwrap().is_none());
        std::fs::write(dir.join("bad.json"), "{").unwrap();
        assert!(load_previous(&dir.join("bad.json")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_entry_survives_a_line_move_and_new_counts() {
        let (mut baseline, missing) = write(&[finding(10, "key repeats in 3 rows")], None, Path::new("proj"));
        assert_eq!(missing, 1);
        assert_eq!(baseline.accepted[0].file.as_deref(), Some("spec.json"));
        baseline.accepted[0].reason = "fixed upstream next quarter".into();
        let all = |_: Option<&str>| true;
        let applied = apply(&baseline, vec![finding(42, "key  repeats in 17 rows")], Path::new("proj"), &all);
        assert_eq!(applied.accepted.len(), 1);
        assert!(applied.kept.is_empty() && applied.stale.is_empty());
    }

    #[test]
    fn one_entry_accepts_one_finding_and_unmatched_entries_are_stale() {
        let mut baseline = write(&[finding(1, "a"), finding(2, "gone")], None, Path::new("proj")).0;
        for e in &mut baseline.accepted {
            e.reason = "known".into();
        }
        let all = |_: Option<&str>| true;
        let applied = apply(&baseline, vec![finding(1, "a"), finding(5, "a")], Path::new("proj"), &all);
        assert_eq!(applied.accepted.len(), 1);
        assert_eq!(applied.kept.len(), 1, "a second copy is new");
        assert_eq!(applied.stale.len(), 1);
        assert_eq!(applied.stale[0].message, "gone");
        // Not stale when its model was not checked.
        let none = |_: Option<&str>| false;
        assert!(apply(&baseline, Vec::new(), Path::new("proj"), &none).stale.is_empty());
    }

    #[test]
    fn an_entry_without_a_reason_or_with_an_unknown_code_is_refused() {
        let text = r#"{"version": 1, "accepted": [{"code": "SPEC013", "model": "m", "message": "x", "reason": " "}]}"#;
        let error = parse(Path::new("b.json"), text).unwrap_err().to_string();
        assert!(error.contains("accepted[0] (SPEC013 m) has no reason"), "{error}");
        let text = r#"{"version": 1, "accepted": [{"code": "NOPE1", "message": "x", "reason": "r"}]}"#;
        assert!(parse(Path::new("b.json"), text).unwrap_err().to_string().contains("`NOPE1` is not a finding code"));
        let text = "{\"version\": 1,\n \"accepted\": [{\"code\": \"SPEC013\", \"mesage\": \"x\"}]}";
        let error = parse(Path::new("b.json"), text).unwrap_err().to_string();
        assert!(error.starts_with("b.json:2:"), "{error}");
        assert!(error.contains("unknown field `mesage`"), "{error}");
    }

    #[test]
    fn rewriting_keeps_reasons_of_entries_that_still_match() {
        let mut previous = write(&[finding(1, "a")], None, Path::new("proj")).0;
        previous.accepted[0].reason = "known".into();
        let (next, missing) = write(&[finding(9, "a"), finding(2, "b")], Some(&previous), Path::new("proj"));
        assert_eq!(missing, 1);
        let a = next.accepted.iter().find(|e| e.message == "a").unwrap();
        assert_eq!(a.reason, "known");
    }

    #[test]
    fn fingerprints_ignore_lines() {
        let root = Path::new("proj");
        assert_eq!(
            MatchKey::of(&finding(1, "a 1"), root).fingerprint(),
            MatchKey::of(&finding(7, "a 2"), root).fingerprint()
        );
        assert_ne!(
            MatchKey::of(&finding(1, "a"), root).fingerprint(),
            MatchKey::of(&finding(1, "b"), root).fingerprint()
        );
    }
}
