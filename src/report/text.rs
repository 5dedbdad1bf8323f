//! The report for people: each finding with its code, place, the offending line of the file
//! with a caret under the spot, and a hint; then a one-line summary.

use super::summary::Report;
use crate::finding::Finding;
use std::collections::HashMap;
use std::fmt::Write;

/// File texts by the name findings use, so a finding can show its line.
pub type SourceTexts<'a> = HashMap<&'a str, &'a str>;

/// Renders the report as plain text (no colour: output is the same on every terminal).
pub fn render(report: &Report, sources: &SourceTexts<'_>) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        render_finding(&mut out, finding, sources);
        out.push('\n');
    }
    let counts = report.counts();
    let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    let verdict = if report.is_clean() { "ok" } else { "FAILED" };
    let _ = writeln!(
        out,
        "{verdict}: {} {}: {}, {}",
        report.command,
        report.spec,
        plural(counts.errors, "error"),
        plural(counts.warnings, "warning"),
    );
    let _ = writeln!(out, "checked: {}", report.scope);
    out
}

fn render_finding(out: &mut String, finding: &Finding, sources: &SourceTexts<'_>) {
    let severity = finding.severity.as_str();
    let model = finding.model.as_deref().map(|m| format!(" {m}:")).unwrap_or_default();
    let _ = writeln!(out, "{severity}[{}]{model} {}", finding.code, finding.message);
    if let Some(location) = &finding.location {
        let path = finding.json_path.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
        let _ = writeln!(out, "  --> {location}{path}");
        let line =
            sources.get(location.file.as_str()).and_then(|text| text.lines().nth(location.line.saturating_sub(1)));
        if let Some(line) = line {
            let number = location.line.to_string();
            let pad = " ".repeat(number.len());
            // Tabs would misalign the caret; show them as single spaces.
            let shown: String = line.chars().map(|c| if c == '\t' { ' ' } else { c }).collect();
            let caret = " ".repeat(location.column.saturating_sub(1).min(shown.chars().count()));
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{number} | {shown}");
            let _ = writeln!(out, "{pad} | {caret}^");
        }
    }
    let _ = writeln!(out, "   = {} is about the {}", finding.code.name(), finding.subject.as_str());
    if let Some(help) = &finding.help {
        let _ = writeln!(out, "   = help: {help}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Code, Location};

    #[test]
    fn a_finding_shows_its_line_and_caret() {
        let finding = Finding::new(Code::UnknownColumn, "`t` has no column `emial`")
            .model("m")
            .at(Location { file: "spec.json".into(), line: 2, column: 5 })
            .help("did you mean `email`?");
        let report = Report {
            command: "lint".into(),
            spec: "spec.json".into(),
            scope: "spec lint".into(),
            findings: vec![finding],
        };
        let sources = SourceTexts::from([("spec.json", "{\n  \"emial\": 1\n}")]);
        let text = render(&report, &sources);
        assert!(text.contains("error[SPEC003] m: `t` has no column `emial`"), "{text}");
        assert!(text.contains("2 |   \"emial\": 1\n  |     ^\n"), "{text}");
        assert!(text.contains("= help: did you mean `email`?"), "{text}");
        assert!(text.contains("FAILED: lint spec.json: 1 error, 0 warnings"), "{text}");
    }
}
