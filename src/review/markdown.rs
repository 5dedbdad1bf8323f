//! The review as one Markdown document: the pipeline picture, then per model its columns,
//! joins, filters and tests as tables, its lineage as Mermaid, and its latest findings.

use super::model::{Review, Table};
use crate::diagram::text::mermaid;
use std::fmt::Write as _;

/// Text safe in a table cell: pipes escaped, on one line.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The rows of `table` about `model`, without the model column, as a Markdown table.
fn rows(out: &mut String, table: &Table, model: &str) {
    let rows: Vec<&Vec<String>> = table.of_model(model).collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "**{}**\n", table.name);
    let _ = writeln!(out, "| {} |", table.columns[1..].join(" | "));
    let _ = writeln!(out, "|{}|", vec!["---"; table.columns.len() - 1].join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row[1..].iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | "));
    }
    out.push('\n');
}

/// The review as Markdown.
pub fn render(review: &Review) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Review of `{}`\n", review.spec);
    if let Some(report) = &review.report {
        let _ = writeln!(out, "Findings from `{report}`.\n");
    }
    let _ = writeln!(out, "## Pipeline\n\n```mermaid\n{}```\n", mermaid(&review.pipeline));
    if let Some(overview) = review.table("overview") {
        let _ = writeln!(out, "| {} |", overview.columns.join(" | "));
        let _ = writeln!(out, "|{}|", vec!["---"; overview.columns.len()].join("|"));
        for row in &overview.rows {
            let _ = writeln!(out, "| {} |", row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | "));
        }
        out.push('\n');
    }
    if !review.project_findings.is_empty() {
        let _ = writeln!(out, "## Findings about the whole project\n");
        for f in &review.project_findings {
            let _ = writeln!(out, "- **{} {}**: {}", f.severity.as_str(), f.code, f.message.replace('\n', " "));
        }
        out.push('\n');
    }
    for model in &review.models {
        let _ = writeln!(out, "## `{}`\n", model.name);
        if !model.description.is_empty() {
            let _ = writeln!(out, "{}\n", model.description.replace('\n', " "));
        }
        for name in ["columns", "transforms", "joins", "filters", "tests"] {
            if let Some(table) = review.table(name) {
                rows(&mut out, table, &model.name);
            }
        }
        let _ = writeln!(out, "**lineage**\n\n```mermaid\n{}```\n", mermaid(&model.diagram));
        if review.report.is_some() {
            if model.findings.is_empty() {
                let _ = writeln!(out, "No findings.\n");
            } else {
                let _ = writeln!(out, "**findings**\n");
                for f in &model.findings {
                    let place = f.location.as_ref().map(|l| format!(" at `{}:{}`", l.file, l.line)).unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "- **{} {}**{place}: {}",
                        f.severity.as_str(),
                        f.code,
                        f.message.replace('\n', " ")
                    );
                }
                out.push('\n');
            }
        }
    }
    out
}
