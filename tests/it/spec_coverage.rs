//! The spec-coverage report (issue 14): what the datasets of `validate` exercised, measured on
//! the data the run used, in the text, JSON and Markdown reports.

use crate::support::{binary, crate_root, text, validate_json};

/// With the default settings, the corrected example reaches every outcome its sources allow:
/// no DIF006, every outcome reached or impossible with a reason.
#[test]
fn the_corrected_example_reaches_every_reachable_outcome() {
    let root = crate_root();
    let spec = root.join("specs/customer360/spec.corrected.json");
    let (code, json) = validate_json(&root.join("specs/customer360"), &["--spec", spec.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{json:#}");
    let coverage = &json["coverage"];
    assert_eq!(coverage["version"], 1);
    assert_eq!(coverage["datasets"], 3);
    let outcomes = coverage["outcomes"].as_array().expect("outcomes");
    let missed: Vec<&serde_json::Value> = outcomes.iter().filter(|o| o["status"] == "missed").collect();
    assert!(missed.is_empty(), "missed: {missed:#?}");
    for o in outcomes.iter().filter(|o| o["status"] == "impossible") {
        assert!(o["impossible"].as_str().is_some_and(|w| !w.is_empty()), "{o}");
    }
    let has = |kind: &str, outcome: &str| outcomes.iter().any(|o| o["kind"] == kind && o["outcome"] == outcome);
    for (kind, outcome) in [
        ("condition", "null"),
        ("case", "else"),
        ("trim", "tab"),
        ("trim", "other Unicode whitespace"),
        ("join", "no match"),
        ("aggregate", "mean exactly on .5"),
        ("scd2", "key leaves and returns"),
    ] {
        assert!(has(kind, outcome), "no {kind} {outcome}");
    }
    assert!(json["findings"].as_array().is_some_and(Vec::is_empty), "{:#}", json["findings"]);
}

/// The example as shipped repeats natural keys upstream of its SCD2 model: its history has no
/// meaning there, so its outcomes are not measured (the scope says why) and not warned about;
/// the spec's own findings stay the only ones.
#[test]
fn an_unmeasured_history_is_shown_not_warned() {
    let root = crate_root();
    let (_, json) = validate_json(&root.join("specs/customer360"), &[]);
    let findings = json["findings"].as_array().unwrap();
    assert!(findings.iter().all(|f| f["code"] != "DIF006"), "{findings:#?}");
    let scd2: Vec<&serde_json::Value> = json["coverage"]["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["model"] == "dim_customers_scd2")
        .collect();
    assert!(!scd2.is_empty());
    for o in &scd2 {
        assert!(o["status"] == "unmeasured" || o["status"] == "impossible", "{o}");
    }
    assert!(json["scope"].as_str().unwrap().contains("its source repeats natural keys"), "{}", json["scope"]);
}

#[test]
fn the_text_and_markdown_reports_show_coverage() {
    let root = crate_root();
    let out = std::process::Command::new(binary())
        .args(["validate", "specs/customer360", "--spec", "specs/customer360/spec.corrected.json"])
        .current_dir(&root)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    let line = stdout.lines().find(|l| l.starts_with("spec coverage: ")).unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.contains("over 3 datasets") && line.contains("stg_customers "), "{line}");
    let md = std::env::temp_dir().join(format!("specproof-coverage-{}.md", std::process::id()));
    let out = std::process::Command::new(binary())
        .args(["validate", "specs/customer360", "--spec", "specs/customer360/spec.corrected.json", "--output"])
        .arg(&md)
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let markdown = std::fs::read_to_string(&md).unwrap();
    let _ = std::fs::remove_file(&md);
    assert!(markdown.contains("#### Spec coverage") && markdown.contains("| `stg_orders` |"), "{markdown}");
}
