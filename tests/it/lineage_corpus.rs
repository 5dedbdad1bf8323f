//! The defect corpus of the static check, run through the real binary.
//!
//! Each file under `tests/corpus/lineage/<model>/` is the correct code of `<model>` with one
//! deliberate defect (or, for `ok-*` files, an equivalent rewrite that must draw nothing). A
//! `expect: CODEnnn` comment marks each line where a finding must be; the test copies the
//! correct example code, puts the case in place of its model's file, runs `specproof lineage
//! --format json`, and requires exactly the marked findings: the right codes on the right
//! lines, and nothing else anywhere. Adding a case is adding a file.

use crate::support::{binary, corpus_cases, crate_root};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The correct models of one flavour: (folder, extension, dialect flag).
fn flavour(case: &Path) -> (PathBuf, &'static str, &'static str) {
    let root = crate_root().join("specs/customer360");
    match case.extension().and_then(|e| e.to_str()) {
        Some("sqlx") => (root.join("models"), "sqlx", "bigquery"),
        _ => (root.join("models_duckdb"), "sql", "duckdb"),
    }
}

/// `(code, line)` of every marker in `text`.
fn expected(text: &str) -> BTreeSet<(String, usize)> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("expect:") {
            rest = &rest[at + "expect:".len()..];
            let code: String = rest.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            if !code.is_empty() {
                out.insert((code, i + 1));
            }
        }
    }
    out
}

fn cases() -> Vec<PathBuf> {
    corpus_cases("lineage")
}

struct Run {
    status: i32,
    findings: Vec<serde_json::Value>,
    stderr: String,
}

fn lineage(models: &Path, dialect: &str) -> Run {
    let root = crate_root();
    let out = Command::new(binary())
        .args(["lineage", "specs/customer360", "--spec", "specs/customer360/spec.corrected.json", "--models"])
        .arg(models)
        .args(["--dialect", dialect, "--format", "json"])
        .current_dir(&root)
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    Run {
        status: out.status.code().unwrap_or(-1),
        findings: json["findings"].as_array().cloned().unwrap_or_default(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn describe(f: &serde_json::Value) -> String {
    format!(
        "{} {}:{} {}",
        f["code"].as_str().unwrap_or("?"),
        f["location"]["file"].as_str().unwrap_or("-"),
        f["location"]["line"],
        f["message"].as_str().unwrap_or("")
    )
}

#[test]
fn correct_code_of_both_flavours_draws_no_finding() {
    for case in [Path::new("x.sqlx"), Path::new("x.sql")] {
        let (models, _, dialect) = flavour(case);
        let run = lineage(&models, dialect);
        let all: Vec<String> = run.findings.iter().map(describe).collect();
        assert!(all.is_empty(), "{} draws findings:\n{}\n{}", models.display(), all.join("\n"), run.stderr);
        assert_eq!(run.status, 0, "{}", run.stderr);
    }
}

#[test]
fn every_defect_is_found_on_its_line_and_nothing_else() {
    let cases = cases();
    assert!(cases.len() >= 30, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    let scratch = std::env::temp_dir().join(format!("specproof-corpus-{}", std::process::id()));
    for (n, case) in cases.iter().enumerate() {
        let model = case.parent().and_then(|p| p.file_name()).and_then(|m| m.to_str()).expect("model folder name");
        let (models, extension, dialect) = flavour(case);
        let dir = scratch.join(n.to_string());
        std::fs::create_dir_all(&dir).expect("scratch folder");
        for file in std::fs::read_dir(&models).expect("correct models").flatten() {
            std::fs::copy(file.path(), dir.join(file.file_name())).expect("copy a correct model");
        }
        let text = std::fs::read_to_string(case).expect("case text");
        let target = dir.join(format!("{model}.{extension}"));
        std::fs::write(&target, &text).expect("write the case");
        let want = expected(&text);
        let run = lineage(&dir, dialect);
        let target_name = target.to_string_lossy().replace('\\', "/");
        let mut got = BTreeSet::new();
        let mut elsewhere = Vec::new();
        for f in &run.findings {
            if f["location"]["file"].as_str() == Some(target_name.as_str()) {
                let line = f["location"]["line"].as_u64().unwrap_or(0) as usize;
                got.insert((f["code"].as_str().unwrap_or("?").to_string(), line));
            } else {
                elsewhere.push(describe(f));
            }
        }
        let expected_status = if want.is_empty() { 0 } else { 1 };
        if got != want || !elsewhere.is_empty() || run.status != expected_status {
            let detail: Vec<String> = run.findings.iter().map(describe).collect();
            failures.push(format!(
                "{}: expected {:?}, got {:?} (exit {})\n    {}\n    {}",
                case.strip_prefix(crate_root()).unwrap_or(case).display(),
                want,
                got,
                run.status,
                detail.join("\n    "),
                run.stderr.trim()
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
