//! `specproof bench`: what it reports, that its planted defects are found and its correct
//! projects draw nothing, and that the work a validation does grows linearly with the project
//! (counted, not timed: a test that asserted times would pass or fail with the machine's load).

use crate::support::{binary, scratch, text};
use serde_json::Value;
use std::process::Command;

/// Runs `specproof bench` with `args` and JSON output; its exit code and report.
fn bench(args: &[&str]) -> (i32, Value) {
    let output = Command::new(binary()).arg("bench").args(args).args(["--format", "json"]).output().unwrap();
    let stdout = text(&output.stdout);
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("bench {args:?} wrote no JSON ({e}): {stdout}\n{}", text(&output.stderr)));
    (output.status.code().unwrap_or(-1), report)
}

fn work(report: &Value, unit: &str) -> f64 {
    report["runs"][0]["work"][unit].as_f64().unwrap_or_else(|| panic!("no work.{unit} in {report}"))
}

/// The units of `unit` per model of each size, in order of size; fails on super-linear growth:
/// doubling the models may add at most a fifth to the work per model (what the project's shape
/// varies by between sizes), never double it as a quadratic step would.
fn assert_linear(unit: &str, sizes: &[usize], reports: &[Value]) {
    let per_model: Vec<f64> = sizes.iter().zip(reports).map(|(&n, r)| work(r, unit) / n as f64).collect();
    for (i, pair) in per_model.windows(2).enumerate() {
        assert!(
            pair[1] <= pair[0] * 1.2 + 1.0,
            "{unit} per model grows with the project: {:.1} at {} models, {:.1} at {} (all sizes: {per_model:?})",
            pair[0],
            sizes[i],
            pair[1],
            sizes[i + 1]
        );
    }
}

#[test]
fn the_static_check_does_linear_work_in_the_models() {
    let sizes = [250usize, 500, 1000, 2000];
    let reports: Vec<Value> = sizes
        .iter()
        .map(|n| {
            let (code, report) = bench(&["--models", &n.to_string(), "--no-run"]);
            assert_eq!(code, 0, "a correct generated project checks clean: {report}");
            report
        })
        .collect();
    for unit in ["model_outputs", "models_resolved", "models_read"] {
        assert_linear(unit, &sizes, &reports);
    }
    // Each model's code is read once.
    for (n, report) in sizes.iter().zip(&reports) {
        assert_eq!(work(report, "models_read"), *n as f64, "{report}");
    }
}

#[test]
fn a_full_validation_does_linear_work_in_the_models() {
    let sizes = [20usize, 40, 80, 160];
    let reports: Vec<Value> = sizes
        .iter()
        .map(|n| {
            let (code, report) = bench(&["--models", &n.to_string(), "--rows", "20", "--cases", "1"]);
            assert_eq!(code, 0, "a correct generated project validates clean: {report}");
            // SCD2 models among them (about one in 25), whose history runs clean too.
            assert!(report["project"]["scd2"].as_u64() >= Some(1), "{report}");
            assert_eq!(report["runs"][0]["errors"].as_u64(), Some(0), "{report}");
            report
        })
        .collect();
    for unit in ["model_outputs", "models_resolved", "statements", "rows_made", "output_checks"] {
        assert_linear(unit, &sizes, &reports);
    }
}

#[test]
fn planted_defects_are_found_and_reported() {
    let (code, report) = bench(&["--models", "24", "--rows", "50", "--defects", "4", "--flavour", "duckdb"]);
    let defects = report["defects"].as_array().unwrap();
    assert_eq!(defects.len(), 4, "{report}");
    let missed: Vec<&Value> = defects.iter().filter(|d| d["found"] != Value::Bool(true)).collect();
    assert!(missed.is_empty(), "planted defects missed: {missed:?}");
    assert_eq!(report["runs"][0]["other_models_flagged"], serde_json::json!([]), "{report}");
    assert!(report["runs"][0]["errors"].as_u64() >= Some(4), "an error per planted defect at least: {report}");
    assert_eq!(code, 0);
    // Every stage that ran is reported with a time and its unit.
    let stages: Vec<&str> =
        report["runs"][0]["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    for stage in ["lint", "static", "data", "execution", "output_checks", "reference", "shrinking", "report"] {
        assert!(stages.contains(&stage), "no {stage} in {stages:?}");
    }
}

#[test]
fn a_defect_in_every_model_is_found_the_scd2_ones_too() {
    for flavour in ["duckdb", "sqlx"] {
        let (code, report) =
            bench(&["--models", "12", "--rows", "30", "--cases", "1", "--defects", "12", "--flavour", flavour]);
        assert_eq!(code, 0, "{report}");
        let defects = report["defects"].as_array().unwrap();
        let scd2: Vec<&Value> =
            defects.iter().filter(|d| d["what"].as_str().unwrap().contains("change test")).collect();
        assert_eq!(scd2.len(), 1, "the one SCD2 model of 12 has a defect: {report}");
        let missed: Vec<&Value> = defects.iter().filter(|d| d["found"] != Value::Bool(true)).collect();
        assert!(missed.is_empty(), "{flavour}: planted defects missed: {missed:?}");
        assert_eq!(report["runs"][0]["other_models_flagged"], serde_json::json!([]), "{report}");
    }
}

#[test]
fn the_text_report_names_every_stage_and_the_defects() {
    let output = Command::new(binary())
        .args(["bench", "--models", "12", "--rows", "30", "--cases", "1", "--defects", "2", "--jobs", "1,2"])
        .output()
        .unwrap();
    let stdout = text(&output.stdout);
    for line in ["1 worker thread:", "2 worker threads:", "data generation and load", "reference and differential"] {
        assert!(stdout.contains(line), "no `{line}` in:\n{stdout}");
    }
    assert!(stdout.contains("planted defects: 2 of 2 found"), "{stdout}");
}

#[test]
fn bad_arguments_are_usage_errors_and_a_kept_project_is_written() {
    for args in [["--models", "0"], ["--rows", "0"], ["--jobs", "0"], ["--timeout", "0"]] {
        let output = Command::new(binary()).arg("bench").args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output.stderr));
        assert!(text(&output.stderr).starts_with("specproof: error:"), "{}", text(&output.stderr));
    }
    let dir = scratch("bench", "keep").join("project");
    let (code, _) = bench(&["--models", "8", "--no-run", "--keep", dir.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(dir.join("spec.json").is_file());
    // A second bench refuses to write over it.
    let again = Command::new(binary())
        .args(["bench", "--models", "8", "--no-run", "--keep", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("not empty"), "{}", text(&again.stderr));
}

#[test]
fn a_project_of_ones_own_is_measured_with_its_shipped_tests_and_history() {
    let dir = crate::support::crate_root().join("specs/customer360");
    let spec = dir.join("spec.corrected.json");
    let (code, report) =
        bench(&["--project", dir.to_str().unwrap(), "--spec", spec.to_str().unwrap(), "--cases", "1", "--jobs", "1"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["generated"], Value::Bool(false));
    assert_eq!(report["project"]["models"].as_u64(), Some(5), "{report}");
    let kinds = ["mapping", "aggregate", "scd2"].map(|k| report["project"][k].as_u64());
    assert_eq!(kinds, [Some(2), Some(2), Some(1)], "customer360's kinds: {report}");
    assert_eq!(report["runs"][0]["errors"].as_u64(), Some(0), "the corrected example is clean: {report}");
    let stages: Vec<&str> =
        report["runs"][0]["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    for stage in ["shipped_tests", "history", "coverage"] {
        assert!(stages.contains(&stage), "no {stage} in {stages:?}");
    }
    // --defects plants into a generated project only.
    let output =
        Command::new(binary()).args(["bench", "--project", dir.to_str().unwrap(), "--defects", "2"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
}
