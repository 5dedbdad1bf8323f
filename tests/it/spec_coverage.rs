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

/// A warning says why, as far as the data tells it: a filter no generated row passes leaves its
/// construct with no row at all, and the warning says so rather than blaming the outcome.
#[test]
fn a_warning_says_when_no_row_reached_the_construct() {
    let dir = crate::support::pipeline_copy(
        "spec_coverage",
        "unreachable-filter",
        "customer360",
        crate::support::Flavour::Sqlx,
    );
    // Keep only the customers whose key is NULL in stg_customers: the key is NOT NULL, so no
    // generated customer gets past the filter and the constructs behind it are reached by no row.
    let spec_path = dir.join("spec.json");
    let mut spec: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&spec_path).unwrap()).unwrap();
    let model = spec["models"].as_array_mut().unwrap().iter_mut().find(|m| m["name"] == "stg_customers").unwrap();
    model["filters"].as_array_mut().unwrap().push(serde_json::json!({
        "applies_to": "crm_customers",
        "predicate": "customer_id IS NULL",
        "rationale": "a filter no row passes"
    }));
    let edited = serde_json::to_string_pretty(&spec).unwrap();
    std::fs::write(&spec_path, edited).unwrap();
    let (_, json) = validate_json(&dir, &[]);
    let outcomes = json["coverage"]["outcomes"].as_array().expect("outcomes");
    let empty: Vec<&serde_json::Value> =
        outcomes.iter().filter(|o| o["status"] == "missed" && o["examined"] == 0).collect();
    assert!(!empty.is_empty(), "no construct left without rows: {outcomes:#?}");
    let warned = json["findings"].as_array().expect("findings").iter().any(|f| {
        f["code"] == "DIF006"
            && f["message"].as_str().is_some_and(|m| m.contains("no row reached the construct at all"))
    });
    assert!(warned, "{:#}", json["findings"]);
    // Elsewhere the warning counts the rows that did get there.
    assert!(outcomes.iter().all(|o| o["examined"].as_u64().is_some() || o["kind"] == "scd2"), "{outcomes:#?}");
}
