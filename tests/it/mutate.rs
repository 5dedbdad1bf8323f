//! `specproof mutate` (issue 18): on customer360 the placeholder tests of the original
//! repository score zero and the report says why, the good tests score higher, the differential
//! check's score is reported beside them; a known-equivalent mutant is left out of the score;
//! the output does not depend on the thread count; `--min-score` gates.

use crate::support::{binary, crate_root, edit, pipeline_copy, text, Flavour};
use std::process::{Command, Output};

fn mutate(args: &[&str]) -> Output {
    let spec = "specs/customer360/spec.corrected.json";
    Command::new(binary())
        .current_dir(crate_root())
        .args(["mutate", "specs/customer360", "--spec", spec, "--rows", "60", "--cases", "1"])
        .args(args)
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = mutate(&all);
    assert_eq!(out.status.code(), Some(0), "mutate {args:?}: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

const PLACEHOLDER: &str = "tests/corpus/mutation/customer360-placeholder";

#[test]
fn placeholder_tests_score_zero_and_good_tests_more() {
    let few = ["--model", "stg_customers", "--budget", "10", "--jobs", "2"];
    let placeholder = json(&[&few[..], &["--tests", PLACEHOLDER]].concat());
    let good = json(&few);
    let shipped = |report: &serde_json::Value| report["scores"]["overall"]["shipped"].clone();
    let scored = shipped(&placeholder)["of"].as_u64().unwrap();
    assert!(scored > 0, "no mutant scored: {placeholder:#}");
    assert_eq!(shipped(&placeholder)["killed"], 0, "{placeholder:#}");
    assert!(shipped(&good)["killed"].as_u64().unwrap() > 0, "{good:#}");
    // Why: the lint says the placeholder tests cannot fail.
    assert!(placeholder["suites"]["shipped"]["lint"]["TST003"].as_u64().unwrap() > 0, "{placeholder:#}");
    // The differential check is scored beside them, over the same mutants.
    let differential = &good["scores"]["overall"]["differential"];
    assert_eq!(differential["of"].as_u64(), Some(scored));
    assert!(differential["percent"].as_f64().unwrap() > 50.0, "{good:#}");
}

#[test]
fn a_known_equivalent_mutant_is_not_scored() {
    // `SELECT 1` → `SELECT 2` inside NOT EXISTS (…) changes nothing.
    let args = ["--model", "dim_customers_scd2", "--operator", "numeric-constant", "--no-generated"];
    let report = json(&args);
    let mutants = report["mutants"].as_array().unwrap();
    let equivalent: Vec<&serde_json::Value> = mutants
        .iter()
        .filter(|m| m["what"] == "1 → 2" && m["diff"][1]["text"].as_str().unwrap().contains("SELECT 2"))
        .collect();
    assert!(!equivalent.is_empty(), "{report:#}");
    for m in &equivalent {
        assert_eq!(m["status"], "likely-equivalent", "{m:#}");
        assert_eq!(m["killed_by"].as_array().unwrap().len(), 0);
    }
    let scored = mutants.iter().filter(|m| m["status"] == "scored").count() as u64;
    assert_eq!(report["scores"]["overall"]["differential"]["of"].as_u64(), Some(scored));
}

#[test]
fn output_is_the_same_at_any_thread_count() {
    let args = ["--model", "stg_orders", "--budget", "6", "--no-generated"];
    let one = mutate(&[&args[..], &["--jobs", "1"]].concat());
    let two = mutate(&[&args[..], &["--jobs", "2"]].concat());
    assert_eq!(one.status.code(), Some(0), "{}", text(&one.stderr));
    assert_eq!(text(&one.stdout), text(&two.stdout));
    assert!(text(&one.stdout).contains("differential"));
}

#[test]
fn min_score_gates() {
    let base = ["--model", "stg_support_pivot", "--budget", "3", "--no-generated", "--tests", PLACEHOLDER];
    let failing = mutate(&[&base[..], &["--min-score", "80"]].concat());
    assert_eq!(failing.status.code(), Some(1), "{}", text(&failing.stderr));
    assert!(text(&failing.stderr).contains("below --min-score 80"), "{}", text(&failing.stderr));
    let passing = mutate(&[&base[..], &["--min-score", "80", "--min-score-suite", "differential"]].concat());
    assert_eq!(passing.status.code(), Some(0), "{}{}", text(&passing.stdout), text(&passing.stderr));
    for bad in
        [&["--min-score", "101"][..], &["--min-score-suite", "nope"], &["--operator", "nope"], &["--budget", "0"]]
    {
        let out = mutate(&[&base[..], bad].concat());
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", text(&out.stderr));
    }
}

#[test]
fn the_mutants_of_a_model_whose_own_code_fails_are_not_scored() {
    let dir = pipeline_copy("mutate", "broken-original", "customer360", Flavour::Duckdb);
    let model = dir.join("models/stg_support_pivot.sql");
    edit(&model, "    tickets.customer_id AS customer_id,", "    CAST(tickets.status AS INTEGER) AS customer_id,");
    let out = Command::new(binary())
        .arg("mutate")
        .arg(&dir)
        .args(["--model", "stg_support_pivot", "--budget", "3", "--cases", "1", "--rows", "60", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mutants = report["mutants"].as_array().unwrap();
    assert_eq!(mutants.len(), 3, "{report:#}");
    for m in mutants {
        assert_eq!(m["status"], "invalid", "{m:#}");
        assert!(m["why"].as_str().unwrap().starts_with("the original code fails: RUN001"), "{m:#}");
    }
}

#[test]
fn list_shows_the_mutants_as_diffs_and_runs_nothing() {
    let out = mutate(&["--list", "--model", "stg_orders", "--operator", "join-type"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    assert!(listed.contains("[join-type] LEFT JOIN"), "{listed}");
    assert!(listed.contains("\n- ") && listed.contains("\n+ "), "{listed}");
}

#[test]
fn junit_and_sarif_carry_the_same_survivors_as_json() {
    let args = ["--model", "stg_customers", "--budget", "6", "--no-generated", "--tests", PLACEHOLDER];
    let report = json(&args);
    let survivors: Vec<&serde_json::Value> = report["mutants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "scored" && !m["killed_by"].as_array().unwrap().contains(&"shipped".into()))
        .collect();
    assert!(!survivors.is_empty(), "the placeholder tests kill nothing: {report:#}");

    let out = mutate(&[&args[..], &["--format", "sarif"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), survivors.len(), "{sarif:#}");
    for (result, survivor) in results.iter().zip(&survivors) {
        assert_eq!(result["ruleId"], "surviving-mutant");
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["region"]["startLine"], survivor["line"]);
        assert_eq!(location["artifactLocation"]["uri"], survivor["file"]);
    }

    let out = mutate(&[&args[..], &["--format", "junit"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let xml = text(&out.stdout);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert_eq!(xml.matches("<failure type=\"surviving-mutant\"").count(), survivors.len(), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), report["mutants"].as_array().unwrap().len(), "{xml}");
    assert!(xml.contains("<property name=\"score.differential\""), "{xml}");
}

#[test]
fn a_thorough_suite_kills_every_mutant_of_the_models_it_pins_down() {
    let thorough = "tests/corpus/mutation/customer360-thorough";
    for model in ["stg_support_pivot", "stg_orders"] {
        let report = json(&["--model", model, "--no-generated", "--tests", thorough, "--jobs", "2"]);
        let shipped = &report["scores"]["overall"]["shipped"];
        assert!(shipped["of"].as_u64().unwrap() > 0, "{report:#}");
        assert_eq!(shipped["killed"], shipped["of"], "{model}: {report:#}");
    }
}
