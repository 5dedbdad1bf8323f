//! The machine-readable report.
//!
//! Versioned: `"version": 1` changes only when a field changes meaning or disappears; new
//! fields may be added within a version. The schema is `schema/report.v1.json` in the
//! repository, and a test checks real output against it.
//!
//! A part of a sharded run (`validate --partition K/N`) adds a `partition` object: what the part
//! holds, the run's scope as counts and its checks, so that `specproof report merge` can read the
//! parts back ([`read`]) and give the report one run over every part gives.

use crate::finding::{Finding, Severity};
use crate::gate::baseline::Accepted;
use crate::prove::coverage::Reach;
use crate::report::model::{BaselineUse, ChangedScope, CheckRun, Counts, PartitionScope, Report, SpecCoverage};
use serde::{Deserialize, Serialize};

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
    #[serde(skip_serializing_if = "Option::is_none")]
    partition: Option<JsonPartition<'a>>,
}

/// A part of a sharded run: what it holds, its scope as counts, and its checks (for JUnit).
#[derive(Serialize)]
struct JsonPartition<'a> {
    #[serde(flatten)]
    scope: &'a PartitionScope,
    checks: &'a [CheckRun],
    /// The lineage pictures of the part's models with findings: `report merge` has no project
    /// to draw them from, and the merged Markdown report shows them as one run's does.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    diagrams: Vec<JsonDiagram<'a>>,
}

/// A model's lineage picture in a part's report.
#[derive(Serialize)]
struct JsonDiagram<'a> {
    model: &'a str,
    diagram: &'a crate::diagram::Diagram,
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
        partition: report.partition.as_ref().map(|scope| JsonPartition {
            scope,
            checks: &report.checks,
            diagrams: report.diagrams.iter().map(|(model, diagram)| JsonDiagram { model, diagram }).collect(),
        }),
    };
    // Serialising plain data with string keys cannot fail.
    let mut out = serde_json::to_string_pretty(&json).unwrap_or_default();
    out.push('\n');
    out
}

/// The JSON report as [`read`] takes it back: what [`JsonReport`] writes, owned. Fields a later
/// version 1 adds are ignored; what is derived (`verdict`, `summary`) is computed again.
#[derive(Deserialize)]
struct JsonRead {
    version: u32,
    command: String,
    spec: String,
    scope: String,
    fail_on: Severity,
    findings: Vec<Finding>,
    #[serde(default)]
    accepted: Vec<Accepted>,
    changed_since: Option<ChangedScope>,
    baseline: Option<BaselineUse>,
    coverage: Option<CoverageRead>,
    partition: Option<PartitionRead>,
}

#[derive(Deserialize)]
struct CoverageRead {
    datasets: usize,
    outcomes: Vec<Reach>,
}

#[derive(Deserialize)]
struct PartitionRead {
    #[serde(flatten)]
    scope: PartitionScope,
    checks: Vec<CheckRun>,
    #[serde(default)]
    diagrams: Vec<DiagramRead>,
}

/// [`JsonDiagram`], owned.
#[derive(Deserialize)]
struct DiagramRead {
    model: String,
    diagram: crate::diagram::Diagram,
}

/// Reads a report [`render`] wrote back into a [`Report`]. The error says where (line and
/// column, or the JSON path of a field that does not fit) and what is wrong.
pub fn read(text: &str) -> Result<Report, String> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let read: JsonRead = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let place = if inner.line() > 0 {
            format!("line {}, column {}: ", inner.line(), inner.column())
        } else {
            String::new()
        };
        let at = if path.is_empty() || path == "." { String::new() } else { format!(" (at `{path}`)") };
        format!("{place}{}{at}", crate::spec::load::strip_serde_position(&inner.to_string()))
    })?;
    if read.version != JSON_VERSION {
        return Err(format!("a report of version {}, and this specproof reads version {JSON_VERSION}", read.version));
    }
    let (partition, checks, diagrams) = match read.partition {
        Some(PartitionRead { scope, checks, diagrams }) => {
            (Some(scope), checks, diagrams.into_iter().map(|d| (d.model, d.diagram)).collect())
        }
        None => (None, Vec::new(), Vec::new()),
    };
    let mut report = Report::new(&read.command, &read.spec, read.scope, read.findings);
    report.accepted = read.accepted;
    report.fail_on = read.fail_on;
    report.checks = checks;
    report.changed = read.changed_since;
    report.baseline = read.baseline;
    report.coverage = read.coverage.map(|c| SpecCoverage { datasets: c.datasets, outcomes: c.outcomes });
    report.partition = partition;
    report.diagrams = diagrams;
    report.complete_checks();
    Ok(report)
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
