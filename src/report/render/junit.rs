//! JUnit XML, so CI systems list specproof's checks beside their own tests.
//!
//! One `<testsuite>` per model (and one for the project: source DDL, the spec as a whole, each
//! shipped test file), one `<testcase>` per check that ran or was skipped: a stage applied to
//! the model (spec lint, static check, execution, output checks, reference comparison) or one
//! shipped test file. A check passes when none of its findings fails the run; otherwise it has
//! one `<failure>` whose message counts them and whose text shows each as the text report
//! does (without source lines). Findings that do not fail (warnings, accepted ones) go to
//! `<system-out>`. A skipped check (its model did not run, or a changed-only run left it out)
//! is `<skipped>`. No timing attributes: the file is the same for the same inputs and seed.

use super::text::table_lines;
use crate::finding::plural;
use crate::finding::Finding;
use crate::report::model::{CheckRun, Report, PROJECT};
use std::fmt::Write;

/// `text` escaped for XML 1.0 character data and attribute values; characters XML 1.0 cannot
/// hold at all (most control characters) become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn describe(out: &mut String, finding: &Finding, reason: Option<&str>) {
    let model = finding.model.as_deref().map(|m| format!(" {m}:")).unwrap_or_default();
    let _ = writeln!(out, "{}[{}]{model} {}", finding.severity.as_str(), finding.code, finding.message);
    if let Some(location) = &finding.location {
        let path = finding.json_path.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
        let _ = writeln!(out, "  --> {location}{path}");
    }
    if let Some(help) = &finding.help {
        let _ = writeln!(out, "  = help: {}", super::text::continued(help, "    "));
    }
    for table in &finding.tables {
        let _ = writeln!(out, "  = {} rows of {}:", table.role.as_str(), table.name);
        for line in table_lines(table) {
            let _ = writeln!(out, "    {line}");
        }
    }
    if let Some(reason) = reason {
        let _ = writeln!(out, "  = accepted by the baseline: {reason}");
    }
}

/// Renders the report as JUnit XML.
pub fn render(report: &Report) -> String {
    let mut suites: Vec<(&str, Vec<&CheckRun>)> = Vec::new();
    for check in &report.checks {
        match suites.iter_mut().find(|(g, _)| *g == check.group) {
            Some((_, list)) => list.push(check),
            None => suites.push((&check.group, vec![check])),
        }
    }
    let mut body = String::new();
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for (group, checks) in &suites {
        let mut cases = String::new();
        let (mut suite_failures, mut suite_skipped) = (0, 0);
        for check in checks {
            let findings: Vec<&Finding> = report.findings.iter().filter(|f| check.holds(f)).collect();
            let failing: Vec<&Finding> = findings.iter().copied().filter(|f| report.fails(f)).collect();
            let mut out = String::new();
            for f in findings.iter().filter(|f| !report.fails(f)) {
                describe(&mut out, f, None);
            }
            for a in report.accepted.iter().filter(|a| check.holds(&a.finding)) {
                describe(&mut out, &a.finding, Some(&a.reason));
            }
            let classname = format!("specproof.{}", if *group == PROJECT { "project" } else { group });
            let name = if check.target.is_empty() { check.stage.as_str().to_string() } else { check.name() };
            let _ = write!(cases, "    <testcase classname=\"{}\" name=\"{}\"", escape(&classname), escape(&name));
            let empty = failing.is_empty() && out.is_empty() && check.skipped.is_none();
            if empty {
                cases.push_str("/>\n");
                continue;
            }
            cases.push_str(">\n");
            if let Some(why) = &check.skipped {
                suite_skipped += 1;
                let _ = writeln!(cases, "      <skipped message=\"{}\"/>", escape(why));
            } else if !failing.is_empty() {
                suite_failures += 1;
                let mut codes: Vec<&str> = failing.iter().map(|f| f.code.as_str()).collect();
                codes.sort_unstable();
                codes.dedup();
                let message = format!("{} ({})", plural(failing.len(), "finding"), codes.join(", "));
                let mut text = String::new();
                for f in &failing {
                    describe(&mut text, f, None);
                }
                let _ = writeln!(
                    cases,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    escape(failing[0].code.as_str()),
                    escape(&message),
                    escape(&text)
                );
            }
            if !out.is_empty() {
                let _ = writeln!(cases, "      <system-out>{}</system-out>", escape(&out));
            }
            cases.push_str("    </testcase>\n");
        }
        tests += checks.len();
        failures += suite_failures;
        skipped += suite_skipped;
        let _ = write!(
            body,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{suite_failures}\" errors=\"0\" skipped=\"{suite_skipped}\">\n{cases}  </testsuite>\n",
            escape(group),
            checks.len()
        );
    }
    let name = format!("specproof {} {}", report.command, report.spec);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n{body}</testsuites>\n",
        escape(&name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Code, Severity};
    use crate::report::model::Stage;

    #[test]
    fn escaping_keeps_xml_well_formed() {
        assert_eq!(escape("a<b & \"c\" 'd'>\u{1}"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{FFFD}");
    }

    #[test]
    fn one_case_per_check_failures_and_skips_counted() {
        let mut report = Report::new(
            "validate",
            "spec.json",
            String::new(),
            vec![
                Finding::new(Code::PrimaryKeyFailed, "two rows for <7>").model("m"),
                Finding::new(Code::UnknownField, "w").model("m"),
            ],
        );
        report.checks.push(CheckRun::ran("m", Stage::StaticCheck));
        report.checks.push(CheckRun::skipped("n", Stage::Execution, "unchanged"));
        report.complete_checks();
        let xml = render(&report);
        assert!(xml.contains("<testsuites name=\"specproof validate spec.json\" tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"1\">"), "{xml}");
        assert!(xml.contains("message=\"1 finding (CHK009)\">error[CHK009] m: two rows for &lt;7&gt;"), "{xml}");
        assert!(xml.contains("<system-out>warning[SPEC017] m: w\n</system-out>"), "{xml}");
        report.fail_on = Severity::Warning;
        assert!(render(&report).contains("failures=\"2\""));
    }
}
