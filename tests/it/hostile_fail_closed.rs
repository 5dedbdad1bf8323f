//! The gate fails closed: each case of `tests/corpus/hostile/fail_closed/` is an attack on the
//! example project (a model that writes outside its table, SQLX operations blocks, missing code,
//! a reference that cannot be computed). Its `case.toml` states the attack, the exit code and
//! the finding expected; the case is run through the binary on a copy of the example with the
//! corrected spec, and the findings about the code must all be on the model attacked (nothing
//! downstream blamed for it).
//!
//! `case.toml` keys: `attack` (what it tries), `flavour` (`sqlx` or `duckdb`: which model code
//! of the example the copy starts from), `remove` (model files taken away), `replace_models`
//! (take them all away), `spec_edit` (a `[from, to]` replacement in the spec), `exit`, and when
//! it fails, `finding` (the code), `model`, optionally `line` (of the finding in the model's
//! file), `subject` (default `code`) and `others_may_fail` (findings about other models' code
//! are then allowed). The case's `models/` folder is copied over the copy's.

use crate::support::{binary, copy_tree, crate_root, edit, example_copy, scratch, text, Flavour};
use serde_json::Value;
use std::path::Path;

fn run_case(case: &Path) -> Result<(), String> {
    let name = case.file_name().unwrap().to_string_lossy().to_string();
    let config: toml::Table = toml::from_str(&std::fs::read_to_string(case.join("case.toml")).unwrap()).unwrap();
    let str_of = |key: &str| config.get(key).and_then(toml::Value::as_str);
    assert!(str_of("attack").is_some_and(|a| !a.is_empty()), "{name}: case.toml states the attack");
    let flavour = Flavour::of(str_of("flavour") == Some("duckdb"));
    let dir = example_copy("hostile_fail_closed", &name, flavour);
    let models = dir.join("models");
    if config.get("replace_models").and_then(toml::Value::as_bool) == Some(true) {
        std::fs::remove_dir_all(&models).unwrap();
        std::fs::create_dir_all(&models).unwrap();
    }
    for file in config.get("remove").and_then(toml::Value::as_array).into_iter().flatten() {
        std::fs::remove_file(models.join(file.as_str().unwrap())).unwrap();
    }
    if let Some(edit_spec) = config.get("spec_edit").and_then(toml::Value::as_array) {
        edit(&dir.join("spec.json"), edit_spec[0].as_str().unwrap(), edit_spec[1].as_str().unwrap());
    }
    if case.join("models").is_dir() {
        copy_tree(&case.join("models"), &models);
    }
    let out = std::process::Command::new(binary())
        .args(["validate", dir.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    let expected_exit = config.get("exit").and_then(toml::Value::as_integer).unwrap();
    if i64::from(out.status.code().unwrap_or(-1)) != expected_exit {
        return Err(format!("{name}: exit {:?}, expected {expected_exit}\n{stdout}{}", out.status, text(&out.stderr)));
    }
    let value: Value = serde_json::from_str(&stdout).map_err(|e| format!("{name}: {e}\n{stdout}"))?;
    let findings = value["findings"].as_array().unwrap();
    let Some(code) = str_of("finding") else {
        return if findings.is_empty() { Ok(()) } else { Err(format!("{name}: correct code drew findings\n{stdout}")) };
    };
    let model = str_of("model").unwrap();
    let subject = str_of("subject").unwrap_or("code");
    let hit = findings.iter().find(|f| f["code"] == code && f["model"] == model && f["subject"] == subject);
    let Some(hit) = hit else {
        return Err(format!("{name}: no {code} about the {subject} on {model}\n{stdout}"));
    };
    if let Some(line) = config.get("line").and_then(toml::Value::as_integer) {
        if hit["location"]["line"] != line {
            return Err(format!("{name}: {code} at {}, expected line {line}", hit["location"]));
        }
    }
    let others_may_fail = config.get("others_may_fail").and_then(toml::Value::as_bool) == Some(true);
    let elsewhere: Vec<&Value> = findings
        .iter()
        .filter(|f| f["subject"] == "code" && f["model"] != model && code != "CODE017" && !others_may_fail)
        .collect();
    if !elsewhere.is_empty() {
        return Err(format!("{name}: other models blamed: {elsewhere:?}"));
    }
    Ok(())
}

#[test]
fn every_hostile_case_fails_closed() {
    let root = crate_root().join("tests/corpus/hostile/fail_closed");
    let mut cases: Vec<_> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(cases.len() >= 10, "the corpus has its cases: {cases:?}");
    let failures: Vec<String> = cases.iter().filter_map(|case| run_case(case).err()).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}

/// The sources the reference is computed from are the loaded ones: the model that rewrites its
/// source is refused, and a correct model reading the same source is still compared (and agrees)
/// on the data as it was loaded.
#[test]
fn a_refused_model_leaves_the_sources_as_loaded() {
    let dir = example_copy("hostile_fail_closed", "sources_untouched", Flavour::Duckdb);
    // stg_customers rewrites the tickets the (correct) stg_support_pivot reads.
    let path = dir.join("models/stg_customers.sql");
    let code = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("DELETE FROM raw.support_tickets WHERE TRUE;\n{code}")).unwrap();
    let out = std::process::Command::new(binary())
        .args(["validate", dir.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = value["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["code"] == "CODE016" && f["model"] == "stg_customers"), "{value}");
    assert!(
        findings.iter().all(|f| f["model"] == "stg_customers"),
        "only the model that writes outside its table is blamed: {value}"
    );
    assert!(!value["scope"].as_str().unwrap().contains("stg_support_pivot ("), "stg_support_pivot ran: {value}");
}

/// Without a models folder at all, validate cannot pass.
#[test]
fn no_models_folder_is_no_pass() {
    let dir = scratch("hostile_fail_closed", "no_models_folder");
    let src = crate_root().join("specs/customer360");
    std::fs::copy(src.join("spec.corrected.json"), dir.join("spec.json")).unwrap();
    crate::support::copy_files(&src.join("sources"), &dir.join("sources"));
    let out = std::process::Command::new(binary()).args(["validate", dir.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("error[CODE017] stg_customers"), "{}", text(&out.stdout));
}
