//! SARIF 2.1.0, so code hosts (GitHub code scanning, GitLab, Azure DevOps) annotate the lines
//! a finding is about.
//!
//! One run; the driver lists one rule per code the report uses, with its name, the first
//! sentence of its doc, and the doc as help. Each finding is a result at its file, line and
//! column (columns count characters: `columnKind` says so); a finding without a place points
//! at the spec file. Accepted findings are results with an external suppression carrying the
//! baseline's reason, so a host shows them as dismissed rather than losing them. Each result's
//! `partialFingerprints` is the baseline's match key hashed, so a host follows one alert across
//! line moves as the baseline does. Evidence tables go to `properties.tables`.

use crate::finding::{Code, Finding};
use crate::gate::baseline::MatchKey;
use crate::report::model::Report;
use serde_json::{json, Value};
use std::path::Path;

/// `path` as a URI reference: relative paths stay relative (to the folder specproof ran in,
/// which should be the repository's root), absolute ones become `file://` URIs.
pub fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::new();
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(byte as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

/// The first sentence of a code's doc (up to the first period followed by a space or the end
/// of the first paragraph).
fn short_description(code: Code) -> String {
    let first = code.doc().split("\n\n").next().unwrap_or_default();
    match first.find(". ") {
        Some(end) => first[..=end].to_string(),
        None => first.to_string(),
    }
}

fn result(finding: &Finding, rules: &[Code], spec: &str, root: &Path, reason: Option<&str>) -> Value {
    let location = match &finding.location {
        Some(l) => json!({"physicalLocation": {
            "artifactLocation": {"uri": uri(&l.file)},
            "region": {"startLine": l.line.max(1), "startColumn": l.column.max(1)}
        }}),
        None => json!({"physicalLocation": {"artifactLocation": {"uri": uri(spec)}}}),
    };
    let mut text = finding.message.clone();
    if let Some(model) = &finding.model {
        text = format!("{model}: {text}");
    }
    if let Some(help) = &finding.help {
        text.push_str(&format!("\n\nhelp: {help}"));
    }
    let mut value = json!({
        "ruleId": finding.code.as_str(),
        "ruleIndex": rules.iter().position(|c| *c == finding.code).unwrap_or(0),
        "level": finding.severity.as_str(),
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {"specproofKey/v1": MatchKey::of(finding, root).fingerprint()},
        "properties": {"subject": finding.subject.as_str()},
    });
    if let Some(model) = &finding.model {
        value["properties"]["model"] = json!(model);
    }
    if let Some(path) = &finding.json_path {
        value["properties"]["jsonPath"] = json!(path);
    }
    if !finding.tables.is_empty() {
        value["properties"]["tables"] = json!(finding.tables);
    }
    if let Some(reason) = reason {
        value["suppressions"] = json!([{"kind": "external", "status": "accepted", "justification": reason}]);
    }
    value
}

/// Renders the report as a SARIF 2.1.0 log; `root` is the project folder (for fingerprints).
pub fn render(report: &Report, root: &Path) -> String {
    let mut rules: Vec<Code> =
        report.findings.iter().chain(report.accepted.iter().map(|a| &a.finding)).map(|f| f.code).collect();
    rules.sort();
    rules.dedup();
    let rule_values: Vec<Value> = rules
        .iter()
        .map(|code| {
            json!({
                "id": code.as_str(),
                "name": code.name(),
                "shortDescription": {"text": short_description(*code)},
                "fullDescription": {"text": code.doc().split("\n\n").next().unwrap_or_default()},
                "help": {"text": code.doc()},
                "defaultConfiguration": {"level": code.severity().as_str()},
                "properties": {"subject": code.subject().as_str()},
            })
        })
        .collect();
    let mut results: Vec<Value> = report.findings.iter().map(|f| result(f, &rules, &report.spec, root, None)).collect();
    results.extend(report.accepted.iter().map(|a| result(&a.finding, &rules, &report.spec, root, Some(&a.reason))));
    let properties = json!({"command": report.command, "scope": report.scope});
    log(rule_values, results, Some(if report.is_clean() { 0 } else { 1 }), properties)
}

/// A SARIF 2.1.0 log of one run of specproof with `rules` and `results` (and the exit code of
/// the invocation, when there is one to state), pretty-printed: what `validate` and `mutate`
/// both write.
pub fn log(rules: Vec<Value>, results: Vec<Value>, exit_code: Option<i32>, properties: Value) -> String {
    let mut run = json!({
        "tool": {"driver": {
            "name": "specproof",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "rules": rules,
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": properties,
    });
    if let Some(code) = exit_code {
        run["invocations"] = json!([{"executionSuccessful": true, "exitCode": code}]);
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    });
    // Plain data with string keys: serialising cannot fail.
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;

    #[test]
    fn uris_are_escaped_and_absolute_paths_are_file_uris() {
        assert_eq!(uri("specs/a b/spec.json"), "specs/a%20b/spec.json");
        assert_eq!(uri("/tmp/x.sql"), "file:///tmp/x.sql");
    }

    #[test]
    fn a_result_has_its_rule_place_and_fingerprint() {
        let finding = Finding::new(Code::JoinTypeDiffers, "INNER for LEFT").model("m").at(Location {
            file: "models/m.sql".into(),
            line: 4,
            column: 2,
        });
        let report = Report::new("validate", "spec.json", String::new(), vec![finding]);
        let log: Value = serde_json::from_str(&render(&report, Path::new("."))).unwrap();
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "CODE008");
        assert_eq!(run["results"][0]["level"], "error");
        assert_eq!(run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
        assert_eq!(run["results"][0]["partialFingerprints"]["specproofKey/v1"].as_str().unwrap().len(), 16);
        assert!(
            short_description(Code::JoinTypeDiffers).ends_with("spec."),
            "{}",
            short_description(Code::JoinTypeDiffers)
        );
    }
}
