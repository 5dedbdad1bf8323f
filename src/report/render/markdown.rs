//! A Markdown summary fit for a pull-request comment or a CI job summary: the verdict first,
//! a table of counts by model and whose fault, then each finding with its place, and its hint
//! and counterexample rows folded away in `<details>` so the comment stays short. Long reports
//! are cut after [`MAX_FINDINGS`] findings, to stay within what code hosts take for a comment
//! (about 64 KB). Accepted findings are folded away in one `<details>` and not cut: a baseline
//! of thousands makes a long comment.

use crate::finding::plural;
use crate::finding::{EvidenceTable, Finding, Severity, Subject};
use crate::report::model::{Report, PROJECT};
use std::fmt::Write;

/// Findings shown in full; the rest are counted.
pub const MAX_FINDINGS: usize = 50;

/// Lineage diagrams embedded, at most (each is a few KB; a comment holds about 64 KB).
pub const MAX_DIAGRAMS: usize = 8;

/// A model's lineage as a Mermaid block a code host draws: shown when it marks a disagreement
/// between the spec and the code, folded away otherwise.
fn lineage(out: &mut String, d: &crate::diagram::Diagram) {
    let open = if d.has_disagreement() { " open" } else { "" };
    let _ = writeln!(
        out,
        "<details{open}><summary>lineage: the spec and the code</summary>\n\n```mermaid\n{}```\n\n</details>\n",
        crate::diagram::text::mermaid(d)
    );
}

/// Text safe inside a table cell: pipes escaped, on one line.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn table(out: &mut String, table: &EvidenceTable) {
    let _ = writeln!(out, "\n{} rows of `{}`:\n", table.role.as_str(), table.name);
    let header: Vec<String> = table.columns.iter().map(|c| cell(c)).collect();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}|", vec!["---"; table.columns.len().max(1)].join("|"));
    for row in &table.rows {
        let values: Vec<String> = row.iter().map(|v| cell(&super::text::cell(v))).collect();
        let _ = writeln!(out, "| {} |", values.join(" | "));
    }
}

fn finding(out: &mut String, f: &Finding, reason: Option<&str>) {
    let place = f.location.as_ref().map(|l| format!(" at `{}:{}`", l.file, l.line)).unwrap_or_default();
    let _ = writeln!(
        out,
        "- **{} {}** ({}, about the {}){place}: {}",
        f.severity.as_str(),
        f.code,
        f.code.name(),
        f.subject.as_str(),
        f.message.replace('\n', " ")
    );
    if let Some(reason) = reason {
        let _ = writeln!(out, "  accepted: {}", reason.replace('\n', " "));
    }
    match &f.help {
        // A hint of several lines (rows, a diff) keeps its lines, folded away.
        Some(help) if help.contains('\n') => {
            let _ = writeln!(out, "  <details><summary>help</summary>\n\n  ```text");
            for line in help.lines() {
                let _ = writeln!(out, "  {line}");
            }
            let _ = writeln!(out, "  ```\n\n  </details>");
        }
        Some(help) => {
            let _ = writeln!(out, "  help: {help}");
        }
        None => {}
    }
    if f.tables.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "  <details><summary>rows ({})</summary>",
        f.tables.iter().map(|t| t.role.as_str()).collect::<Vec<_>>().join(", ")
    );
    let mut inner = String::new();
    for t in &f.tables {
        table(&mut inner, t);
    }
    // Indented under the list item, so the details belong to it.
    for line in inner.lines() {
        let _ = writeln!(out, "{}", if line.is_empty() { String::new() } else { format!("  {line}") });
    }
    let _ = writeln!(out, "\n  </details>");
}

/// Renders the report as Markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let counts = report.counts();
    let verdict =
        if report.is_clean() { ":white_check_mark: **specproof passed**" } else { ":x: **specproof failed**" };
    let _ = writeln!(
        out,
        "### {verdict}\n\n`specproof {}` of `{}`: {}, {}{}.\n",
        report.command,
        report.spec,
        plural(counts.errors, "error"),
        plural(counts.warnings, "warning"),
        if report.baseline.is_some() {
            format!(", {} accepted by the baseline", counts.accepted)
        } else {
            String::new()
        }
    );
    let groups = report.by_model();
    if !groups.is_empty() {
        let _ = writeln!(out, "| model | errors | warnings | spec | code | test |\n|---|---:|---:|---:|---:|---:|");
        for (model, findings) in &groups {
            let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
            let of = |s: Subject| findings.iter().filter(|f| f.subject == s).count();
            let _ = writeln!(
                out,
                "| {} | {errors} | {} | {} | {} | {} |",
                if *model == PROJECT { "(project)".to_string() } else { format!("`{}`", cell(model)) },
                findings.len() - errors,
                of(Subject::Spec),
                of(Subject::Code),
                of(Subject::Test)
            );
        }
        out.push('\n');
    }
    let mut shown = 0;
    let mut drawn = 0;
    for (model, findings) in &groups {
        if shown >= MAX_FINDINGS {
            break;
        }
        let _ =
            writeln!(out, "#### {}\n", if *model == PROJECT { "(project)".to_string() } else { format!("`{model}`") });
        for f in findings {
            if shown >= MAX_FINDINGS {
                break;
            }
            finding(&mut out, f, None);
            shown += 1;
        }
        out.push('\n');
        if drawn < MAX_DIAGRAMS {
            if let Some((_, d)) = report.diagrams.iter().find(|(m, _)| m == model) {
                lineage(&mut out, d);
                drawn += 1;
            }
        }
    }
    if shown < report.findings.len() {
        let _ = writeln!(
            out,
            "… and {} more; the full report is in the job's artifacts.\n",
            plural(report.findings.len() - shown, "finding")
        );
    }
    if !report.accepted.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} accepted by the baseline</summary>\n",
            plural(report.accepted.len(), "finding")
        );
        for a in &report.accepted {
            finding(&mut out, &a.finding, Some(&a.reason));
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    if let Some(baseline) = report.baseline.as_ref().filter(|b| !b.stale.is_empty()) {
        let _ = writeln!(
            out,
            "**{}** in `{}` match no finding any more; remove them:\n",
            if baseline.stale.len() == 1 {
                "1 baseline entry".to_string()
            } else {
                format!("{} baseline entries", baseline.stale.len())
            },
            baseline.file
        );
        for e in &baseline.stale {
            let model = e.model.as_deref().map(|m| format!(" `{m}`")).unwrap_or_default();
            let _ = writeln!(out, "- {}{model}: {}", e.code, e.message.replace('\n', " "));
        }
        out.push('\n');
    }
    if let Some(changed) = &report.changed {
        let list = |names: &[String]| {
            if names.is_empty() {
                "none".to_string()
            } else {
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            }
        };
        let _ = writeln!(
            out,
            "Changed since `{}`: {}; downstream: {}; skipped (unchanged): {}.\n",
            changed.reference,
            list(&changed.changed),
            list(&changed.downstream),
            list(&changed.skipped)
        );
    }
    if let Some(coverage) = &report.coverage {
        spec_coverage(&mut out, coverage);
    }
    let _ = writeln!(out, "<sub>checked: {}</sub>", report.scope);
    out
}

/// The spec-coverage section: per model, then every outcome not reached, folded.
fn spec_coverage(out: &mut String, coverage: &crate::report::model::SpecCoverage) {
    let (reached, impossible, missed, unmeasured) = coverage.totals();
    let _ = writeln!(
        out,
        "#### Spec coverage\n\n{reached} of {} reachable outcomes of the spec's constructs reached over {}{}.\n",
        reached + missed + unmeasured,
        plural(coverage.datasets, "synthetic dataset"),
        if impossible > 0 {
            format!("; {impossible} impossible by the sources' declarations and the spec's filters")
        } else {
            String::new()
        }
    );
    let _ = writeln!(out, "| model | reached | missed | not measured | impossible |\n|---|---:|---:|---:|---:|");
    for (model, r, i, m, u) in coverage.by_model() {
        let _ = writeln!(out, "| `{}` | {r} | {m} | {u} | {i} |", cell(model));
    }
    out.push('\n');
    let open: Vec<&crate::prove::coverage::Reach> = coverage.outcomes.iter().filter(|r| !r.reached()).collect();
    if open.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details><summary>{} not reached</summary>\n\n| model | where | construct | outcome | why |\n|---|---|---|---|---|",
        plural(open.len(), "outcome")
    );
    for r in open {
        let o = &r.outcome;
        let why = match (o.impossible.as_deref(), r.measured) {
            (Some(why), _) => why,
            (None, 0) => "not measured: the rows it reads were not made",
            (None, _) => "no dataset reached it",
        };
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} `{}` | {} | {} |",
            cell(&o.model),
            cell(&o.json_path),
            o.kind,
            cell(&o.construct),
            cell(&o.outcome),
            cell(why)
        );
    }
    let _ = writeln!(out, "\n</details>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Code, TableRole};

    #[test]
    fn pipes_are_escaped_and_rows_are_a_table() {
        let t = EvidenceTable {
            role: TableRole::Actual,
            name: "m".into(),
            columns: vec!["a|b".into()],
            rows: vec![vec![None], vec![Some("x|y".into())]],
        };
        let report = Report::new(
            "validate",
            "spec.json",
            "all".into(),
            vec![Finding::new(Code::DiffersFromReference, "d").model("m").table(t)],
        );
        let md = render(&report);
        assert!(md.starts_with("### :x: **specproof failed**"), "{md}");
        assert!(md.contains("| `m` | 1 | 0 | 0 | 1 | 0 |"), "{md}");
        assert!(md.contains("  | a\\|b |\n  |---|\n  | NULL |\n  | x\\|y |\n"), "{md}");
    }
}
