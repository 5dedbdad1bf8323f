//! The machine-readable report.
//!
//! Versioned: `"version": 1` changes only when a field changes meaning or disappears; new
//! fields may be added within a version. The schema is `schema/report.v1.json` in the
//! repository, and a test checks real output against it.

use crate::finding::{Finding, Severity};
use crate::gate::baseline::Accepted;
use crate::prove::coverage::Reach;
use crate::report::model::{BaselineUse, ChangedScope, Counts, Report, SpecCoverage};
use serde::Serialize;

/// The JSON report's schema version.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    command: &'a str,
    spec: &'a str,
    scope: &'a str,
    /// `pass` or `fail`: what the exit code says.
    verdict: &'static str,
    fail_on: Severity,
    summary: Counts,
    findings: &'a [Finding],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    accepted: &'a [Accepted],
    #[serde(skip_serializing_if = "Option::is_none")]
    changed_since: Option<&'a ChangedScope>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'a BaselineUse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<JsonCoverage<'a>>,
}

/// The spec-coverage table (added in version 1 as an optional field, with its own version).
#[derive(Serialize)]
struct JsonCoverage<'a> {
    version: u32,
    datasets: usize,
    summary: JsonCounts<'a>,
    models: Vec<JsonCounts<'a>>,
    outcomes: Vec<JsonOutcome<'a>>,
}

#[derive(Serialize)]
struct JsonCounts<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a str>,
    reached: usize,
    impossible: usize,
    missed: usize,
    unmeasured: usize,
}

#[derive(Serialize)]
struct JsonOutcome<'a> {
    #[serde(flatten)]
    reach: &'a Reach,
    status: &'static str,
}

/// The coverage table's own version: it changes when a field of it changes meaning.
pub const COVERAGE_VERSION: u32 = 1;

fn coverage(coverage: &SpecCoverage) -> JsonCoverage<'_> {
    let (reached, impossible, missed, unmeasured) = coverage.totals();
    JsonCoverage {
        version: COVERAGE_VERSION,
        datasets: coverage.datasets,
        summary: JsonCounts { model: None, reached, impossible, missed, unmeasured },
        models: coverage
            .by_model()
            .into_iter()
            .map(|(model, reached, impossible, missed, unmeasured)| JsonCounts {
                model: Some(model),
                reached,
                impossible,
                missed,
                unmeasured,
            })
            .collect(),
        outcomes: coverage.outcomes.iter().map(|reach| JsonOutcome { reach, status: reach.status() }).collect(),
    }
}

/// Renders the report as pretty-printed JSON with a trailing newline.
pub fn render(report: &Report) -> String {
    let json = JsonReport {
        version: JSON_VERSION,
        command: &report.command,
        spec: &report.spec,
        scope: &report.scope,
        verdict: if report.is_clean() { "pass" } else { "fail" },
        fail_on: report.fail_on,
        summary: report.counts(),
        findings: &report.findings,
        accepted: &report.accepted,
        changed_since: report.changed.as_ref(),
        baseline: report.baseline.as_ref(),
        coverage: report.coverage.as_ref().map(coverage),
    };
    // Serialising plain data with string keys cannot fail.
    let mut out = serde_json::to_string_pretty(&json).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Code, Location};

    #[test]
    fn json_carries_code_subject_and_place() {
        let finding = Finding::new(Code::UnknownColumn, "`t` has no column `x`")
            .model("m")
            .at_path("models[0].column_mapping[0].from_column")
            .at(Location { file: "spec.json".into(), line: 3, column: 7 });
        let report = Report::new("lint", "spec.json", "spec lint".into(), vec![finding]);
        let value: serde_json::Value = serde_json::from_str(&render(&report)).unwrap();
        assert_eq!(value["version"], 1);
        assert_eq!(value["summary"]["errors"], 1);
        assert_eq!(value["verdict"], "fail");
        assert_eq!(value["fail_on"], "error");
        assert!(value.get("accepted").is_none() && value.get("baseline").is_none());
        let f = &value["findings"][0];
        assert_eq!(f["code"], "SPEC003");
        assert_eq!(f["severity"], "error");
        assert_eq!(f["subject"], "spec");
        assert_eq!(f["location"]["line"], 3);
        assert_eq!(f["json_path"], "models[0].column_mapping[0].from_column");
    }
}
