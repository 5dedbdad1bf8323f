//! The report for people: findings grouped by model, each with its code, place, the offending
//! line of the file with a caret under the spot, a hint and its counterexample rows as small
//! tables; then the accepted findings and stale baseline entries; then the closing summary line,
//! what was checked, and what a changed-only run skipped.
//!
//! Colour and the run's duration are for a terminal only (the caller decides): a captured or
//! redirected report is the same bytes for the same inputs and seed.

use crate::finding::plural;
use crate::finding::{EvidenceTable, Finding, Severity};
use crate::report::model::Report;
use std::collections::HashMap;
use std::fmt::Write;
use std::time::Duration;

/// File texts by the name findings use, so a finding can show its line.
pub type SourceTexts<'a> = HashMap<&'a str, &'a str>;

/// How the text report looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// ANSI colours (a terminal, and `NO_COLOR` not set).
    pub color: bool,
    /// The run's duration, shown on the summary line (a terminal only: it differs every run).
    pub duration: Option<Duration>,
}

/// ANSI styles, applied only when colour is on.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn paint(self, text: &str, sgr: &str) -> String {
        if self.0 {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn severity(self, severity: Severity, text: &str) -> String {
        self.paint(text, if severity == Severity::Error { "1;31" } else { "1;33" })
    }
    fn bold(self, text: &str) -> String {
        self.paint(text, "1")
    }
    fn gutter(self, text: &str) -> String {
        self.paint(text, "1;34")
    }
    fn dim(self, text: &str) -> String {
        self.paint(text, "2")
    }
}

/// The spec-coverage summary: outcomes reached over all models, then per model.
fn coverage_line(coverage: &crate::report::model::SpecCoverage) -> String {
    let (reached, impossible, missed, unmeasured) = coverage.totals();
    let models: Vec<String> = coverage
        .by_model()
        .iter()
        .map(|(model, r, i, m, u)| {
            let mut part = format!("{model} {r}/{}", r + m + u);
            if *i > 0 {
                let _ = write!(part, " (+{i} impossible)");
            }
            part
        })
        .collect();
    let mut line = format!(
        "spec coverage: {reached} of {} reachable outcomes reached over {}",
        reached + missed + unmeasured,
        plural(coverage.datasets, "dataset")
    );
    if unmeasured > 0 {
        let _ = write!(line, " ({unmeasured} not measured: the rows they read were not made)");
    }
    if impossible > 0 {
        let _ = write!(line, ", {impossible} impossible by the sources' declarations and the spec's filters");
    }
    if !models.is_empty() {
        let _ = write!(line, "; {}", models.join(", "));
    }
    line
}

/// Renders the report as plain text without colour or timing (what tests and files get).
pub fn render(report: &Report, sources: &SourceTexts<'_>) -> String {
    render_styled(report, sources, Style::default())
}

/// Renders the report as text in `style`.
pub fn render_styled(report: &Report, sources: &SourceTexts<'_>, style: Style) -> String {
    let paint = Paint(style.color);
    let mut out = String::new();
    for (model, findings) in report.by_model() {
        let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
        let title = format!("{model}: {}, {}", plural(errors, "error"), plural(findings.len() - errors, "warning"));
        let _ = writeln!(out, "{}\n{}\n", paint.bold(&title), paint.dim(&"=".repeat(title.chars().count())));
        for finding in findings {
            render_finding(&mut out, finding, sources, paint);
            out.push('\n');
        }
    }
    if !report.accepted.is_empty() {
        let _ = writeln!(out, "{}", paint.bold(&format!("accepted by the baseline ({}):", report.accepted.len())));
        for accepted in &report.accepted {
            let f = &accepted.finding;
            let place = f.location.as_ref().map(|l| format!(" ({l})")).unwrap_or_default();
            let model = f.model.as_deref().map(|m| format!(" {m}:")).unwrap_or_default();
            let _ = writeln!(out, "  {}[{}]{model} {}{place}", f.severity.as_str(), f.code, f.message);
            let _ = writeln!(out, "    reason: {}", accepted.reason);
        }
        out.push('\n');
    }
    if let Some(baseline) = &report.baseline {
        for entry in &baseline.stale {
            let model = entry.model.as_deref().map(|m| format!(" {m}:")).unwrap_or_default();
            let _ = writeln!(
                out,
                "{}: baseline {} accepts {}{model} {}, which no longer happens: remove the entry",
                paint.severity(Severity::Warning, "warning"),
                baseline.file,
                entry.code,
                entry.message
            );
        }
        if !baseline.stale.is_empty() {
            out.push('\n');
        }
    }
    let counts = report.counts();
    let verdict = if report.is_clean() { paint.paint("ok", "1;32") } else { paint.paint("FAILED", "1;31") };
    let mut line = format!(
        "{verdict}: {} {}: {}, {}",
        report.command,
        report.spec,
        plural(counts.errors, "error"),
        plural(counts.warnings, "warning"),
    );
    if report.baseline.is_some() {
        let _ = write!(line, ", {} accepted by the baseline", counts.accepted);
    }
    if !report.findings.is_empty() {
        let parts: Vec<String> = report
            .by_subject()
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{n} about the {}", s.as_str()))
            .collect();
        let _ = write!(line, " ({})", parts.join(", "));
    }
    if report.fail_on == Severity::Warning {
        line.push_str("; warnings fail");
    }
    if let Some(duration) = style.duration {
        let _ = write!(line, " in {:.2}s", duration.as_secs_f64());
    }
    let _ = writeln!(out, "{line}");
    let _ = writeln!(out, "checked: {}", report.scope);
    if let Some(coverage) = &report.coverage {
        let _ = writeln!(out, "{}", coverage_line(coverage));
    }
    if let Some(changed) = &report.changed {
        let list = |names: &[String]| if names.is_empty() { "none".to_string() } else { names.join(", ") };
        let _ = writeln!(
            out,
            "changed since {}: {}; downstream: {}; skipped (unchanged): {}",
            changed.reference,
            list(&changed.changed),
            list(&changed.downstream),
            list(&changed.skipped)
        );
    }
    out
}

fn render_finding(out: &mut String, finding: &Finding, sources: &SourceTexts<'_>, paint: Paint) {
    let severity = paint.severity(finding.severity, &format!("{}[{}]", finding.severity.as_str(), finding.code));
    let model = finding.model.as_deref().map(|m| format!(" {m}:")).unwrap_or_default();
    let _ = writeln!(out, "{severity}{} {}", paint.bold(&model), paint.bold(&finding.message));
    if let Some(location) = &finding.location {
        let path = finding.json_path.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
        let _ = writeln!(out, "  {} {location}{path}", paint.gutter("-->"));
        let line =
            sources.get(location.file.as_str()).and_then(|text| text.lines().nth(location.line.saturating_sub(1)));
        if let Some(line) = line {
            let number = location.line.to_string();
            let pad = " ".repeat(number.len());
            // Tabs would misalign the caret; show them as single spaces.
            let (shown, start) = snippet(line, location.column.saturating_sub(1));
            let chars: Vec<char> = shown.chars().collect();
            let start = start.min(chars.len());
            let caret = " ".repeat(start);
            let carets = "^".repeat(span_width(&chars, start));
            let _ = writeln!(out, "{}", paint.gutter(&format!("{pad} |")));
            let _ = writeln!(out, "{} {shown}", paint.gutter(&format!("{number} |")));
            let _ = writeln!(
                out,
                "{} {caret}{}",
                paint.gutter(&format!("{pad} |")),
                paint.severity(finding.severity, &carets)
            );
        }
    }
    let _ = writeln!(out, "   = {} is about the {}", finding.code.name(), finding.subject.as_str());
    if let Some(help) = &finding.help {
        let _ = writeln!(out, "   = help: {}", continued(help, "     "));
    }
    for table in &finding.tables {
        let _ = writeln!(out, "   = {} rows of {}:", table.role.as_str(), table.name);
        for line in table_lines(table) {
            let _ = writeln!(out, "     {line}");
        }
    }
}

/// The widest source line a finding shows, in characters: generated code can put a whole
/// model on one line of a megabyte.
const SNIPPET_WIDTH: usize = 160;

/// The part of `line` shown under a finding, with the caret's column in it: the whole line when
/// it is short, else a window around `column` (0-based) marked with `…` where it is cut. Tabs
/// would misalign the caret, and control characters would reach the terminal: both are shown
/// as single spaces.
fn snippet(line: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if chars.len() <= SNIPPET_WIDTH {
        return (chars.into_iter().collect(), column);
    }
    let from = column.min(chars.len()).saturating_sub(SNIPPET_WIDTH / 4);
    let to = (from + SNIPPET_WIDTH).min(chars.len());
    let mut shown: String = if from > 0 { "…".to_string() } else { String::new() };
    shown.extend(&chars[from..to]);
    if to < chars.len() {
        shown.push('…');
    }
    (shown, column - from + usize::from(from > 0))
}

/// How many characters the carets cover from `start`. A finding has a position, not a span, so
/// the span is the token there: a quoted string or identifier to its closing quote, a word
/// (letters, digits, `_`) to its end, else the one character.
fn span_width(line: &[char], start: usize) -> usize {
    let Some(&first) = line.get(start) else { return 1 };
    if matches!(first, '"' | '\'' | '`') {
        return match line[start + 1..].iter().position(|&c| c == first) {
            Some(end) => end + 2,
            None => 1,
        };
    }
    let word = |c: &char| c.is_alphanumeric() || *c == '_';
    line[start..].iter().take_while(|c| word(c)).count().max(1)
}

/// `text` with every line after the first indented by `indent`, so a multi-line hint stays
/// under the finding it belongs to.
pub fn continued(text: &str, indent: &str) -> String {
    text.lines().collect::<Vec<_>>().join(&format!("\n{indent}"))
}

/// The longest value a table cell shows; longer ones end in `…`.
const CELL_WIDTH: usize = 40;

/// A cell as shown: NULL for a null, long values cut.
pub fn cell(value: &Option<String>) -> String {
    match value {
        None => "NULL".to_string(),
        Some(text) => {
            let text = text.replace(['\n', '\r', '\t'], " ");
            if text.chars().count() > CELL_WIDTH {
                let mut cut: String = text.chars().take(CELL_WIDTH - 1).collect();
                cut.push('…');
                cut
            } else {
                text
            }
        }
    }
}

/// A small aligned table: a header, a rule, one line per row.
pub fn table_lines(table: &EvidenceTable) -> Vec<String> {
    let rows: Vec<Vec<String>> = table.rows.iter().map(|r| r.iter().map(cell).collect()).collect();
    let widths: Vec<usize> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|v| v.chars().count())
                .chain([c.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<String>| -> String {
        let padded: Vec<String> = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v}{}", " ".repeat(w.saturating_sub(v.chars().count()))))
            .collect();
        format!("| {} |", padded.join(" | "))
    };
    let mut lines = vec![line(table.columns.clone())];
    lines.push(format!("|{}|", widths.iter().map(|w| "-".repeat(w + 2)).collect::<Vec<_>>().join("+")));
    for row in rows {
        let mut row = row;
        row.resize(widths.len(), String::new());
        lines.push(line(row));
    }
    if table.rows.is_empty() {
        lines.push("(no rows)".to_string());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Code, Location, TableRole};

    #[test]
    fn long_lines_are_shown_around_the_caret() {
        assert_eq!(snippet("SELECT\ta", 7), ("SELECT a".to_string(), 7));
        let line = format!("SELECT {}x", "1 + ".repeat(100_000));
        let (shown, at) = snippet(&line, 400_007);
        assert!(shown.starts_with('…') && shown.ends_with('x') && shown.chars().count() < SNIPPET_WIDTH, "{shown}");
        assert_eq!(shown.chars().nth(at), Some('x'));
        let (shown, at) = snippet(&line, 7);
        assert_eq!((shown.chars().nth(at), shown.chars().count()), (Some('1'), SNIPPET_WIDTH + 1));
    }

    #[test]
    fn cells_are_one_line_and_cut() {
        assert_eq!(cell(&None), "NULL");
        assert_eq!(cell(&Some("a\nb\tc".into())), "a b c");
        let long = format!("{}\n{}", "x".repeat(30), "y".repeat(30));
        let shown = cell(&Some(long));
        assert!(!shown.contains('\n'), "{shown}");
        assert_eq!(shown.chars().count(), CELL_WIDTH);
        assert!(shown.starts_with(&format!("{} y", "x".repeat(30))) && shown.ends_with('…'), "{shown}");
    }

    fn report(findings: Vec<Finding>) -> Report {
        Report::new("lint", "spec.json", "spec lint".into(), findings)
    }

    #[test]
    fn a_finding_shows_its_line_and_caret() {
        let finding = Finding::new(Code::UnknownColumn, "`t` has no column `emial`")
            .model("m")
            .at(Location { file: "spec.json".into(), line: 2, column: 3 })
            .help("did you mean `email`?");
        let sources = SourceTexts::from([("spec.json", "{\n  \"emial\": 1\n}")]);
        let text = render(&report(vec![finding]), &sources);
        assert!(text.starts_with("m: 1 error, 0 warnings\n======================\n\n"), "{text}");
        assert!(text.contains("error[SPEC003] m: `t` has no column `emial`"), "{text}");
        assert!(text.contains("2 |   \"emial\": 1\n  |   ^^^^^^^\n"), "the carets cover the quoted name: {text}");
        assert!(text.contains("= help: did you mean `email`?"), "{text}");
        assert!(text.contains("FAILED: lint spec.json: 1 error, 0 warnings (1 about the spec)"), "{text}");
        assert!(!text.contains('\x1b'), "no colour unless asked");
    }

    #[test]
    fn findings_are_grouped_by_model_and_tables_are_aligned() {
        let table = EvidenceTable {
            role: TableRole::Expected,
            name: "stg_orders".into(),
            columns: vec!["order_id".into(), "status".into()],
            rows: vec![vec![Some("1".into()), None], vec![Some("12345678901".into()), Some("x".into())]],
        };
        let findings = vec![
            Finding::new(Code::DiffersFromReference, "differs").model("b").table(table),
            Finding::new(Code::PrimaryKeyFailed, "dup").model("a"),
            Finding::new(Code::DiffersFromReference, "again").model("b"),
        ];
        let text = render(&report(findings), &SourceTexts::new());
        let b = text.find("b: 2 errors").unwrap();
        let a = text.find("a: 1 error").unwrap();
        assert!(b < a, "groups in the order the findings come: {text}");
        assert!(text.contains(
            "   = expected rows of stg_orders:\n     | order_id    | status |\n     |-------------+--------|\n     | 1           | NULL   |\n     | 12345678901 | x      |\n"
        ), "{text}");
    }

    #[test]
    fn carets_cover_the_token_at_the_position() {
        let line: Vec<char> = "SELECT a.b, 'x y' FROM t(".chars().collect();
        assert_eq!(span_width(&line, 0), 6, "a word");
        assert_eq!(span_width(&line, 12), 5, "a quoted string with its quotes");
        assert_eq!(span_width(&line, 8), 1, "a dot is one character");
        assert_eq!(span_width(&line, 24), 1, "an open paren");
        assert_eq!(span_width(&line, 99), 1, "past the end");
        assert_eq!(span_width(&"'open".chars().collect::<Vec<_>>(), 0), 1, "an unclosed quote");
    }

    #[test]
    fn colour_and_duration_only_when_asked() {
        let style = Style { color: true, duration: Some(Duration::from_millis(1234)) };
        let text = render_styled(&report(vec![Finding::new(Code::UnknownField, "x")]), &SourceTexts::new(), style);
        assert!(text.contains("\x1b[1;33mwarning[SPEC017]\x1b[0m"), "{text:?}");
        assert!(text.contains(" in 1.23s\n"), "{text}");
        assert!(text.contains("\x1b[1;32mok\x1b[0m"), "{text:?}");
    }
}
