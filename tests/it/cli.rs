//! The real binary on real projects: the example, its corrected spec, the invalid-spec corpus
//! (each compared with its golden file), and the original repository's layout through flags.
//!
//! Golden files are written by the tool: run with `SPECPROOF_UPDATE_GOLDEN=1` to rewrite them,
//! then review the diff.

use crate::support::{binary, crate_root, golden, text};
use std::path::PathBuf;
use std::process::{Command, Output};

fn specproof(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .current_dir(crate_root())
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs")
}

fn codes_in_json(stdout: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(stdout).expect("JSON output parses");
    value["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect()
}

#[test]
fn the_example_spec_reports_exactly_its_real_problems() {
    let out = specproof(&["lint", "specs/customer360"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    golden("customer360/lint.txt", &text(&out.stdout));

    let out = specproof(&["lint", "specs/customer360", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    golden("customer360/lint.json", &stdout);
    let mut codes = codes_in_json(&stdout);
    codes.sort();
    assert_eq!(codes, ["SPEC013", "SPEC013", "SPEC013", "SPEC013", "SPEC014", "SPEC014", "SPEC014"]);
}

#[test]
fn the_corrected_example_is_clean() {
    let out = specproof(&["lint", "specs/customer360", "--spec", "specs/customer360/spec.corrected.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("0 errors, 0 warnings"));
    let out = specproof(&[
        "validate",
        "specs/customer360",
        "--spec",
        "specs/customer360/spec.corrected.json",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(codes_in_json(&text(&out.stdout)).is_empty());
}

#[test]
fn validate_runs_the_lint_and_the_static_check_of_the_code() {
    let out = specproof(&["validate", "specs/customer360", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["command"], "validate");
    // The seven lint findings about the spec; the example's code draws none.
    assert_eq!(value["summary"]["errors"], 7);
    assert!(value["scope"].as_str().unwrap().contains("static check of 5 model files"), "{}", value["scope"]);
    assert!(
        value["scope"].as_str().unwrap().contains("5 models run on 3 synthetic datasets of 1200 rows (seeds 42–44)"),
        "{}",
        value["scope"]
    );
    let subjects: Vec<&str> =
        value["findings"].as_array().unwrap().iter().map(|f| f["subject"].as_str().unwrap()).collect();
    assert!(subjects.iter().all(|s| *s == "spec"), "{subjects:?}");
}

#[test]
fn lineage_shows_each_model_for_a_reviewer() {
    let out = specproof(&["lineage", "specs/customer360"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    golden("customer360/lineage.txt", &text(&out.stdout));
    let out = specproof(&[
        "lineage",
        "specs/customer360",
        "--models",
        "specs/customer360/models_duckdb",
        "--dialect",
        "duckdb",
        "--format",
        "json",
        "--model",
        "stg_orders",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let models = value["models"].as_array().unwrap();
    assert_eq!(models.len(), 1);
    let outputs = models[0]["lineage"]["outputs"].as_array().unwrap();
    let amount = outputs.iter().find(|o| o["name"] == "amount_usd").unwrap();
    assert_eq!(amount["derivation"], "transformed");
    assert_eq!(amount["reads"][1]["table"], "raw.fx_rates");
    assert_eq!(models[0]["lineage"]["joins"][0]["kind"], "left");
    let out = specproof(&["lineage", "specs/customer360", "--model", "stg_order"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no code file for model `stg_order`"), "{}", text(&out.stderr));
}

#[test]
fn a_broken_model_is_a_finding_and_the_others_are_still_checked() {
    let dir = std::env::temp_dir().join(format!("specproof-cli-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for file in std::fs::read_dir(crate_root().join("specs/customer360/models")).unwrap() {
        let file = file.unwrap();
        std::fs::copy(file.path(), dir.join(file.file_name())).unwrap();
    }
    std::fs::write(
        dir.join("stg_orders.sqlx"),
        "config { type: \"table\" }\nSELECT order_id,, customer_id FROM `raw.commerce_orders`\n",
    )
    .unwrap();
    let shown = dir.join("stg_customers.sqlx");
    let customers = std::fs::read_to_string(&shown).unwrap().replacen("created_at", "created_on", 1);
    std::fs::write(&shown, customers).unwrap();
    let models = dir.to_string_lossy().to_string();
    let out = specproof(&[
        "validate",
        "specs/customer360",
        "--spec",
        "specs/customer360/spec.corrected.json",
        "--models",
        &models,
        "--format",
        "json",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, u64)> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_string(), f["location"]["line"].as_u64().unwrap()))
        .collect();
    assert!(found.contains(&("CODE001".to_string(), 2)), "{found:?}");
    assert!(found.iter().any(|(c, _)| c == "CODE013"), "the other models are checked: {found:?}");
}

#[test]
fn every_invalid_case_gives_its_golden_finding() {
    let corpus = crate_root().join("specs/invalid");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    cases.sort();
    assert!(cases.len() >= 28, "the corpus has {} cases", cases.len());
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let dir = format!("specs/invalid/{name}");
        let out = specproof(&["lint", &dir, "--format", "json"]);
        if name.starts_with("error-") {
            // Malformed input: exit 2, a message with file, line and column, never a panic.
            assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out.stderr));
            let stderr = text(&out.stderr);
            assert!(!stderr.contains("panicked"), "{name}: {stderr}");
            assert!(stderr.contains(&format!("{dir}/spec.json")), "{name}: {stderr}");
            golden(&format!("invalid/{name}.stderr.txt"), &stderr);
            continue;
        }
        let stdout = text(&out.stdout);
        let code = name.split('-').next().unwrap();
        let codes = codes_in_json(&stdout);
        assert!(codes.iter().any(|c| c == code), "{name}: expected {code}, got {codes:?}");
        let expected_exit = if code == "SPEC017" { 0 } else { 1 };
        assert_eq!(out.status.code(), Some(expected_exit), "{name}: {stdout}");
        golden(&format!("invalid/{name}.json"), &stdout);
    }
}

#[test]
fn the_original_repository_layout_validates_through_flags() {
    // Lay the example out as the original spec-driven repository did, without a models/ or
    // sources/ folder where the defaults look.
    let dir = std::env::temp_dir().join(format!("specproof-layout-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ddl = dir.join("business_requirements/source_ddl");
    std::fs::create_dir_all(&ddl).unwrap();
    std::fs::create_dir_all(dir.join("technical_requirements")).unwrap();
    std::fs::create_dir_all(dir.join("pipeline_code/definitions")).unwrap();
    let example = crate_root().join("specs/customer360");
    std::fs::copy(example.join("spec.json"), dir.join("technical_requirements/spec.json")).unwrap();
    for entry in std::fs::read_dir(example.join("sources")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, ddl.join(path.file_name().unwrap())).unwrap();
    }
    let dir_arg = dir.to_string_lossy().to_string();
    let flag = |p: &str| dir.join(p).to_string_lossy().to_string();
    let out = specproof(&[
        "validate",
        &dir_arg,
        "--spec",
        &flag("technical_requirements/spec.json"),
        "--sources",
        &flag("business_requirements/source_ddl"),
        "--models",
        &flag("pipeline_code/definitions"),
        "--format",
        "json",
    ]);
    let mut codes = codes_in_json(&text(&out.stdout));
    codes.sort();
    // The spec's seven problems, and the five models, none of which has code in the (empty)
    // models folder: missing code is an error, never a pass.
    let missing = codes.iter().filter(|c| *c == "CODE017").count();
    assert_eq!((codes.len() - missing, missing), (7, 5), "{codes:?} {}", text(&out.stderr));

    // Without --sources, nothing declares the raw tables: every source is unknown.
    let out = specproof(&["lint", &dir_arg, "--spec", &flag("technical_requirements/spec.json"), "--format", "json"]);
    let codes = codes_in_json(&text(&out.stdout));
    assert_eq!(codes.iter().filter(|c| *c == "SPEC001").count(), 6, "{codes:?}");

    // The same layout through specproof.toml instead of flags.
    std::fs::write(
        dir.join("specproof.toml"),
        "[paths]\nspec = \"technical_requirements/spec.json\"\nsources = \"business_requirements/source_ddl\"\nmodels = \"pipeline_code/definitions\"\n",
    )
    .unwrap();
    let out = specproof(&["lint", &dir_arg, "--format", "json"]);
    assert_eq!(codes_in_json(&text(&out.stdout)).len(), 7);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn could_not_run_is_exit_2_with_a_message() {
    let out = specproof(&["lint", "no/such/project"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("project folder no/such/project does not exist"));
    let out = specproof(&["lint", "specs/customer360", "--sources", "specs/customer360/nothing"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("sources folder"));
    let out = specproof(&["lint", "--format", "yaml"]);
    assert_eq!(out.status.code(), Some(2), "clap rejects unknown values");
    let out = specproof(&["explain", "SPEC999"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_explains_every_command_with_an_example() {
    let out = specproof(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for command in ["lint", "validate", "explain"] {
        assert!(help.contains(command), "{help}");
        let out = specproof(&[command, "--help"]);
        let sub = text(&out.stdout);
        assert!(sub.contains("Examples:") && sub.contains(&format!("specproof {command} ")), "{command}: {sub}");
    }
}

#[test]
fn explain_prints_what_why_and_example() {
    let out = specproof(&["explain", "key-can-repeat"]);
    assert_eq!(out.status.code(), Some(0));
    let doc = text(&out.stdout);
    assert!(doc.starts_with("SPEC013 key-can-repeat (error, about the spec)"), "{doc}");
    assert!(doc.contains("Why:") && doc.contains("Example:"));
    let out = specproof(&["explain", "--all"]);
    assert!(text(&out.stdout).lines().count() >= 25);
}

#[test]
fn output_is_byte_identical_across_runs() {
    let a = specproof(&["lint", "specs/customer360", "--format", "json"]);
    let b = specproof(&["lint", "specs/customer360", "--format", "json"]);
    assert_eq!(a.stdout, b.stdout);
}
