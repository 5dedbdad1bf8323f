//! The mutation report as text, JSON, Markdown, JUnit XML and SARIF: the scores per model and
//! suite, why a suite may be unable to fail, and the surviving mutants as diffs against the
//! original lines (in JUnit, one test case per mutant, failing when the gate's suite lets it
//! live; in SARIF, one result per surviving mutant, at its line).

use super::mutants::Mutant;
use super::score::{MutantResult, MutationReport, Score, Status, SuiteKind};
use crate::report::render::junit::escape;
use crate::report::render::sarif::{self, uri};
use std::fmt::Write as _;

fn percent(score: Score) -> String {
    match score.percent() {
        Some(p) => format!("{p:.0}% ({}/{})", score.killed, score.of),
        None => "n/a".to_string(),
    }
}

fn counts(report: &MutationReport) -> String {
    let equivalent = report.count(|s| *s == Status::LikelyEquivalent);
    let timeout = report.count(|s| *s == Status::Timeout);
    let invalid = report.count(|s| matches!(s, Status::Invalid(_)));
    let scored = report.count(|s| *s == Status::Scored);
    let mut line = format!(
        "{} mutants run of {} made ({} not writable in place); {scored} scored, {equivalent} likely equivalent, {invalid} invalid, {timeout} killed by timeout; {} dataset(s) from seed {}",
        report.mutants.len(),
        report.made,
        report.not_written,
        report.datasets,
        report.seed
    );
    if report.mutants.len() < report.made {
        line.push_str(" (sampled by --budget)");
    }
    line
}

/// Why a suite can or cannot kill anything, in a sentence.
fn suite_note(report: &MutationReport, kind: SuiteKind) -> Option<String> {
    let info = report.suites.get(kind.name())?;
    if let Some(why) = &info.not_run {
        return Some(format!("{}: not run: {why}", kind.name()));
    }
    if !matches!(kind, SuiteKind::Shipped | SuiteKind::Generated) {
        return None;
    }
    let mut note = format!("{}: {} file(s), {} test(s)", kind.name(), info.files, info.tests);
    let said: Vec<String> = info
        .lint
        .iter()
        .map(|(code, n)| {
            let what = match code.as_str() {
                "TST003" => "cannot fail",
                "TST004" => "an assertion in a comment",
                "TST005" => "a fixture no test reads",
                "TST006" => "reads only sources",
                "TST007" => "reads no model",
                _ => "not run",
            };
            format!("{n} × {code} ({what})")
        })
        .collect();
    if !said.is_empty() {
        note.push_str(&format!("; the test-suite lint: {}", said.join(", ")));
    }
    Some(note)
}

fn survivors(report: &MutationReport, gate: SuiteKind) -> Vec<&MutantResult> {
    report.mutants.iter().filter(|m| m.status == Status::Scored && !m.killed_by.contains(&gate)).collect()
}

fn mutant_block(out: &mut String, m: &MutantResult, indent: &str) {
    diff_block(out, &m.mutant, indent);
}

fn diff_block(out: &mut String, m: &Mutant, indent: &str) {
    let _ = writeln!(out, "{indent}{}:{} [{}] {}", m.file, m.line, m.operator.name(), m.what);
    for line in &m.diff {
        // In Markdown (no indent) the sign starts the line, as a `diff` block colours it.
        let pad = if indent.is_empty() { String::new() } else { format!("{indent}  ") };
        let _ = writeln!(out, "{pad}{} {:>4} | {}", line.sign, line.line, line.text);
    }
}

/// The text report; `gate` is the suite whose surviving mutants are listed.
pub fn text(report: &MutationReport, gate: SuiteKind) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "specproof mutate {}", report.spec);
    let _ = writeln!(out, "{}", counts(report));
    let _ = writeln!(out);
    let width = report.models().iter().map(|m| m.len()).max().unwrap_or(5).max(7);
    let _ = write!(out, "{:width$}  {:>8}", "model", "mutants");
    for kind in SuiteKind::ALL {
        let _ = write!(out, "  {:>14}", kind.name());
    }
    let _ = writeln!(out);
    let mut rows: Vec<Option<&str>> = report.models().into_iter().map(Some).collect();
    rows.push(None);
    for model in rows {
        let scored = report.score(SuiteKind::Differential, model).of;
        let _ = write!(out, "{:width$}  {:>8}", model.unwrap_or("overall"), scored);
        for kind in SuiteKind::ALL {
            let _ = write!(out, "  {:>14}", percent(report.score(kind, model)));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out);
    for kind in SuiteKind::ALL {
        if let Some(note) = suite_note(report, kind) {
            let _ = writeln!(out, "{note}");
        }
    }
    let left = survivors(report, gate);
    let _ = writeln!(out);
    let _ = writeln!(out, "Mutants the {} suite does not kill ({}):", gate.name(), left.len());
    for m in left {
        let by: Vec<&str> = m.killed_by.iter().map(|k| k.name()).collect();
        mutant_block(&mut out, m, "  ");
        let _ = writeln!(out, "    killed by: {}", by.join(", "));
    }
    let equivalent: Vec<&MutantResult> =
        report.mutants.iter().filter(|m| m.status == Status::LikelyEquivalent).collect();
    if !equivalent.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Likely equivalent (no suite, the differential check included, tells them from the original; not scored):"
        );
        for m in equivalent {
            mutant_block(&mut out, m, "  ");
        }
    }
    out
}

/// The report as JSON.
pub fn json(report: &MutationReport) -> String {
    let mut scores = serde_json::Map::new();
    let mut models: Vec<Option<&str>> = report.models().into_iter().map(Some).collect();
    models.push(None);
    for model in models {
        let mut per = serde_json::Map::new();
        for kind in SuiteKind::ALL {
            let score = report.score(kind, model);
            per.insert(
                kind.name().into(),
                serde_json::json!({"killed": score.killed, "of": score.of, "percent": score.percent()}),
            );
        }
        scores.insert(model.unwrap_or("overall").into(), serde_json::Value::Object(per));
    }
    let value = serde_json::json!({
        "command": "mutate",
        "spec": report.spec,
        "made": report.made,
        "not_written": report.not_written,
        "datasets": report.datasets,
        "seed": report.seed,
        "scores": scores,
        "suites": report.suites,
        "mutants": report.mutants,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// The report as Markdown (a pull-request comment).
pub fn markdown(report: &MutationReport, gate: SuiteKind) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## specproof mutate `{}`\n", report.spec);
    let _ = writeln!(out, "{}\n", counts(report));
    let _ = write!(out, "| model | mutants |");
    for kind in SuiteKind::ALL {
        let _ = write!(out, " {} |", kind.name());
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "|---|---:|{}", "---:|".repeat(SuiteKind::ALL.len()));
    let mut rows: Vec<Option<&str>> = report.models().into_iter().map(Some).collect();
    rows.push(None);
    for model in rows {
        let _ =
            write!(out, "| {} | {} |", model.unwrap_or("**overall**"), report.score(SuiteKind::Differential, model).of);
        for kind in SuiteKind::ALL {
            let _ = write!(out, " {} |", percent(report.score(kind, model)));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out);
    for kind in SuiteKind::ALL {
        if let Some(note) = suite_note(report, kind) {
            let _ = writeln!(out, "- {note}");
        }
    }
    let left = survivors(report, gate);
    let _ = writeln!(out, "\n### Mutants the {} suite does not kill ({})\n", gate.name(), left.len());
    for m in left {
        let mut block = String::new();
        mutant_block(&mut block, m, "");
        let by: Vec<&str> = m.killed_by.iter().map(|k| k.name()).collect();
        let _ = writeln!(out, "```diff\n{block}```\nkilled by: {}\n", by.join(", "));
    }
    out
}

/// The mutants a run would score, as diffs (`specproof mutate --list`).
pub fn list(mutants: &[Mutant], made: usize) -> String {
    let mut out = format!("{} mutants of {} made\n", mutants.len(), made);
    for m in mutants {
        diff_block(&mut out, m, "");
    }
    out
}

/// The mutant's diff as plain lines (`- 12 | original`, `+ 12 | mutant`).
fn diff_text(m: &Mutant) -> String {
    m.diff.iter().map(|l| format!("{} {:>4} | {}", l.sign, l.line, l.text)).collect::<Vec<_>>().join("\n")
}

/// The report as JUnit XML, for CI test reports: one test suite per model, one test case per
/// mutant. A scored mutant the `gate` suite does not kill is a failure (the suite would not
/// notice that change); a likely equivalent or invalid one is skipped, with why; a killed one
/// passes. The scores of every suite are the suites' properties.
pub fn junit(report: &MutationReport, gate: SuiteKind) -> String {
    let mut body = String::new();
    let (mut total, mut failed, mut skipped) = (0, 0, 0);
    for model in report.models() {
        let mutants: Vec<&MutantResult> = report.mutants.iter().filter(|m| m.mutant.model == model).collect();
        let mut cases = String::new();
        let (mut f, mut s) = (0, 0);
        for m in &mutants {
            let name = format!("{}:{} [{}] {}", m.mutant.file, m.mutant.line, m.mutant.operator.name(), m.mutant.what);
            let _ = writeln!(cases, "    <testcase classname=\"{}\" name=\"{}\">", escape(model), escape(&name));
            let by: Vec<&str> = m.killed_by.iter().map(|k| k.name()).collect();
            match &m.status {
                Status::Scored if !m.killed_by.contains(&gate) => {
                    f += 1;
                    let message = format!("the {} suite does not kill this mutant", gate.name());
                    let text = format!("{}\nkilled by: {}", diff_text(&m.mutant), by.join(", "));
                    let _ = writeln!(
                        cases,
                        "      <failure type=\"surviving-mutant\" message=\"{}\">{}</failure>",
                        escape(&message),
                        escape(&text)
                    );
                }
                Status::Scored => {
                    let _ = writeln!(cases, "      <system-out>killed by: {}</system-out>", escape(&by.join(", ")));
                }
                Status::Timeout => {
                    let _ = writeln!(cases, "      <system-out>killed by the time limit</system-out>");
                }
                Status::LikelyEquivalent => {
                    s += 1;
                    let _ = writeln!(
                        cases,
                        "      <skipped message=\"likely equivalent: no suite, the differential check included, tells it from the original\"/>"
                    );
                }
                Status::Invalid(why) => {
                    s += 1;
                    let _ = writeln!(cases, "      <skipped message=\"{}\"/>", escape(&format!("invalid: {why}")));
                }
            }
            let _ = writeln!(cases, "    </testcase>");
        }
        let mut properties = String::new();
        for kind in SuiteKind::ALL {
            let _ = writeln!(
                properties,
                "      <property name=\"score.{}\" value=\"{}\"/>",
                kind.name(),
                escape(&percent(report.score(kind, Some(model))))
            );
        }
        let _ = writeln!(
            body,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"0\" skipped=\"{s}\">\n    <properties>\n{properties}    </properties>\n{cases}  </testsuite>",
            escape(&format!("specproof mutate: {model}")),
            mutants.len()
        );
        total += mutants.len();
        failed += f;
        skipped += s;
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"{}\" tests=\"{total}\" failures=\"{failed}\" errors=\"0\" skipped=\"{skipped}\">\n{body}</testsuites>\n",
        escape(&format!("specproof mutate {} (gate: {})", report.spec, gate.name()))
    )
}

/// The report as SARIF 2.1.0, for code hosts to annotate lines: one result (rule
/// `surviving-mutant`, a warning) per scored mutant the `gate` suite does not kill, at the
/// mutated line of its file, saying what changed and which suites would notice.
pub fn sarif(report: &MutationReport, gate: SuiteKind) -> String {
    let results: Vec<serde_json::Value> = survivors(report, gate)
        .into_iter()
        .map(|m| {
            let by: Vec<&str> = m.killed_by.iter().map(|k| k.name()).collect();
            let text = format!(
                "{}: the {} suite would not notice this change ({}: {}); killed by: {}\n\n{}",
                m.mutant.model,
                gate.name(),
                m.mutant.operator.name(),
                m.mutant.what,
                by.join(", "),
                diff_text(&m.mutant)
            );
            serde_json::json!({
                "ruleId": "surviving-mutant",
                "ruleIndex": 0,
                "level": "warning",
                "message": {"text": text},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri(&m.mutant.file)},
                    "region": {"startLine": m.mutant.line.max(1)}
                }}],
                "partialFingerprints": {
                    "specproofMutant/v1": format!("{}|{}|{}", m.mutant.model, m.mutant.operator.name(), m.mutant.what)
                },
                "properties": {"model": m.mutant.model, "operator": m.mutant.operator.name(), "killedBy": by},
            })
        })
        .collect();
    let mut scores = serde_json::Map::new();
    for kind in SuiteKind::ALL {
        let score = report.score(kind, None);
        scores.insert(kind.name().into(), serde_json::json!({"killed": score.killed, "of": score.of}));
    }
    let rules = vec![serde_json::json!({
        "id": "surviving-mutant",
        "name": "SurvivingMutant",
        "shortDescription": {"text": "A change to this line that the gate's test suite does not notice."},
        "help": {"text": "specproof mutate changed the code here and ran the tests: this suite still passed, while another check (usually the differential check) shows the output changed. A test that reads this model's output with rows that take this path would kill it."},
        "defaultConfiguration": {"level": "warning"},
    })];
    let properties =
        serde_json::json!({"command": "mutate", "spec": report.spec, "gate": gate.name(), "scores": scores});
    sarif::log(rules, results, None, properties)
}
