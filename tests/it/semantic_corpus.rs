//! The semantic defect corpus (`tests/corpus/semantic/`, see its README) through the real
//! binary, with the default settings of `specproof validate`: each case is the example's
//! correct code with one model file replaced by a defective copy, run without the shipped
//! tests so that what is caught is caught by the search, the reference comparison and the
//! output checks alone.
//!
//! What must hold (issue 5's targets):
//! - at least 95% of the cases are flagged, each by a finding about the code of the case's
//!   model, and no finding about the code names another model;
//! - every counterexample has at most 6 rows per input table;
//! - the correct code of both flavours draws no finding about the code over 20 seeds.
//!
//! The test prints one line per case (time to verdict included; run with `--nocapture`).
//! `SPECPROOF_BIN` runs another build of the binary (the README's figures use the release one,
//! with `SPECPROOF_CORPUS_THREADS=1` so that each case has the machine to itself).

use crate::support::{corpus_cases, example_copy, Flavour};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Every case file, sorted.
fn cases() -> Vec<PathBuf> {
    corpus_cases("semantic")
}

/// A project folder with the corrected spec, the sources, an empty tests folder and the
/// correct models of the case's flavour, the case in place of its model's file.
fn project_for(case: Option<&Path>, duckdb: bool, name: &str) -> PathBuf {
    let dir = example_copy("semantic", name, Flavour::of(duckdb));
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    if let Some(case) = case {
        let model = case.parent().and_then(|p| p.file_name()).unwrap().to_str().unwrap();
        let file = format!("{model}.{}", if duckdb { "sql" } else { "sqlx" });
        std::fs::copy(case, dir.join("models").join(file)).unwrap();
    }
    dir
}

fn validate(dir: &Path, extra: &[&str]) -> (Option<i32>, Value, Duration) {
    let start = Instant::now();
    let (code, json) = crate::support::validate_json(dir, extra);
    (code, json, start.elapsed())
}

struct Verdict {
    case: String,
    /// The case's `-- kind:` header.
    kind: String,
    flagged: bool,
    wrong_models: Vec<String>,
    codes: Vec<String>,
    largest_table: usize,
    took: Duration,
}

fn judge(case: &Path) -> Verdict {
    let duckdb = case.extension().is_some_and(|e| e == "sql");
    let model = case.parent().and_then(|p| p.file_name()).unwrap().to_str().unwrap().to_string();
    let stem = case.file_stem().unwrap().to_str().unwrap();
    let dir = project_for(Some(case), duckdb, &format!("{model}-{stem}"));
    let text = std::fs::read_to_string(case).unwrap_or_default();
    let kind = text.lines().find_map(|l| l.strip_prefix("-- kind:")).unwrap_or_default().trim().to_string();
    let (_, json, took) = validate(&dir, &[]);
    let findings = json["findings"].as_array().cloned().unwrap_or_default();
    let about_code: Vec<&Value> = findings.iter().filter(|f| f["subject"] == "code").collect();
    let flagged = about_code.iter().any(|f| f["model"] == model.as_str());
    let mut wrong_models: Vec<String> = about_code
        .iter()
        .filter(|f| f["model"] != model.as_str())
        .map(|f| format!("{} {}", f["code"].as_str().unwrap_or("?"), f["model"].as_str().unwrap_or("-")))
        .collect();
    wrong_models.sort();
    wrong_models.dedup();
    let mut codes: Vec<String> = about_code.iter().filter_map(|f| f["code"].as_str().map(str::to_string)).collect();
    codes.sort();
    codes.dedup();
    let largest_table = findings
        .iter()
        .flat_map(|f| f["tables"].as_array().cloned().unwrap_or_default())
        .filter(|t| t["role"] == "input")
        .map(|t| t["rows"].as_array().map_or(0, Vec::len))
        .max()
        .unwrap_or(0);
    let _ = std::fs::remove_dir_all(&dir);
    Verdict {
        kind,
        case: format!("{model}/{stem}.{}", if duckdb { "sql" } else { "sqlx" }),
        flagged,
        wrong_models,
        codes,
        largest_table,
        took,
    }
}

#[test]
fn the_corpus_is_flagged_on_the_right_model_with_small_counterexamples() {
    let cases = cases();
    // The issue asks for at least 25, half in SQLX; the README's figures are of these 47.
    assert!(cases.len() >= 47, "the corpus has {} cases", cases.len());
    let sqlx = cases.iter().filter(|c| c.extension().is_some_and(|e| e == "sqlx")).count();
    assert!(2 * sqlx >= cases.len(), "{sqlx} of {} cases in SQLX", cases.len());
    // Two cases at a time: each run already uses both cores, a second hides the process start.
    // SPECPROOF_CORPUS_THREADS=1 runs one at a time, for the README's time to verdict.
    let threads: usize =
        std::env::var("SPECPROOF_CORPUS_THREADS").ok().and_then(|t| t.parse().ok()).unwrap_or(2).max(1);
    let verdicts: Vec<Verdict> = std::thread::scope(|scope| {
        let halves: Vec<_> = cases
            .chunks(cases.len().div_ceil(threads))
            .map(|chunk| scope.spawn(move || chunk.iter().map(|c| judge(c)).collect::<Vec<_>>()))
            .collect();
        halves.into_iter().flat_map(|h| h.join().expect("a half of the corpus ran")).collect()
    });
    let mut times: Vec<Duration> = Vec::new();
    for v in &verdicts {
        println!(
            "{:<60} {:<8} {:>6} ms  rows<= {}  {}{}",
            v.case,
            if v.flagged { "flagged" } else { "MISSED" },
            v.took.as_millis(),
            v.largest_table,
            v.codes.join(","),
            if v.wrong_models.is_empty() {
                String::new()
            } else {
                format!("  WRONG MODEL: {}", v.wrong_models.join(", "))
            }
        );
        times.push(v.took);
    }
    times.sort();
    let flagged = verdicts.iter().filter(|v| v.flagged).count();
    println!(
        "flagged {flagged} of {} ({:.1}%), median time to verdict {} ms (max {} ms)",
        verdicts.len(),
        100.0 * flagged as f64 / verdicts.len() as f64,
        times[times.len() / 2].as_millis(),
        times.last().map_or(0, Duration::as_millis)
    );
    assert!(flagged * 100 >= verdicts.len() * 95, "only {flagged} of {} flagged", verdicts.len());
    let wrong: Vec<&Verdict> = verdicts.iter().filter(|v| !v.wrong_models.is_empty()).collect();
    assert!(
        wrong.is_empty(),
        "findings about the code of another model: {:?}",
        wrong.iter().map(|v| (&v.case, &v.wrong_models)).collect::<Vec<_>>()
    );
    // A LIMIT n that truncates shows only on more than n rows: its smallest counterexample has
    // n + 1 rows by construction, so it is held to that instead.
    let large: Vec<&Verdict> = verdicts
        .iter()
        .filter(|v| if v.kind == "order-limit" { v.largest_table > 101 } else { v.largest_table > 6 })
        .collect();
    assert!(
        large.is_empty(),
        "counterexamples over 6 rows a table: {:?}",
        large.iter().map(|v| (&v.case, v.largest_table)).collect::<Vec<_>>()
    );
}

#[test]
fn correct_code_draws_no_finding_about_the_code_over_20_seeds() {
    for duckdb in [false, true] {
        let dir = project_for(None, duckdb, &format!("control-{duckdb}"));
        // Seeds 1 to 20, one dataset each.
        let (code, json, _) = validate(&dir, &["--seed", "1", "--cases", "20"]);
        let findings = json["findings"].as_array().cloned().unwrap_or_default();
        assert!(findings.is_empty(), "duckdb={duckdb}: {findings:#?}");
        assert_eq!(code, Some(0));
        assert!(json["scope"].as_str().unwrap_or_default().contains("20 synthetic datasets"), "{}", json["scope"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
