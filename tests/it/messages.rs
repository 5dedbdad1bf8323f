//! Messages a person can act on (issue 13): a misplaced spec names the specs it can find, a
//! report never overwrites an input, and a byte-order mark is not an error.

use crate::support::{binary, example_copy, scratch, text, Flavour};
use std::path::Path;
use std::process::{Command, Output};

fn specproof(args: &[&str], dir: &Path) -> Output {
    Command::new(binary()).args(args).arg(dir).output().expect("specproof runs")
}

#[test]
fn a_missing_spec_names_the_specs_it_can_find_and_the_flag() {
    let dir = scratch("messages", "missing-spec");
    let project = example_copy("messages", "missing-spec-project", Flavour::Sqlx);
    std::fs::create_dir_all(dir.join("technical_requirements")).unwrap();
    std::fs::copy(project.join("spec.json"), dir.join("technical_requirements/spec.json")).unwrap();
    std::fs::write(dir.join("package.json"), "{\"name\": \"not a spec\"}").unwrap();
    let out = specproof(&["lint"], &dir);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("spec.json does not exist; specs found under"), "{stderr}");
    assert!(stderr.contains("technical_requirements/spec.json"), "{stderr}");
    assert!(!stderr.contains("package.json"), "only files that look like a spec: {stderr}");
    assert!(stderr.contains("--spec FILE"), "{stderr}");
    // With no spec anywhere, the hint still says how to name one.
    let empty = scratch("messages", "no-spec-anywhere");
    let stderr = text(&specproof(&["lint"], &empty).stderr);
    assert!(stderr.contains("does not exist; name it with --spec FILE"), "{stderr}");
}

#[test]
fn no_report_is_written_over_an_input() {
    let dir = example_copy("messages", "output-over-input", Flavour::Sqlx);
    let spec = std::fs::read(dir.join("spec.json")).unwrap();
    for (flag, target) in [
        ("--output", "spec.json"),
        ("--output", "models/stg_orders.sqlx"),
        ("--write-baseline", "sources/new.json"),
        ("--output", "./sources/../spec.json"),
    ] {
        let path = dir.join(target);
        let out = Command::new(binary())
            .args(["lint"])
            .arg(&dir)
            .arg(flag)
            .arg(&path)
            .args(["--format", "json"])
            .output()
            .expect("specproof runs");
        assert_eq!(out.status.code(), Some(2), "{flag} {target}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains("specproof never writes over its inputs"), "{flag} {target}: {stderr}");
    }
    assert_eq!(std::fs::read(dir.join("spec.json")).unwrap(), spec, "the spec is untouched");
    assert!(!dir.join("sources/new.json").exists());
    // A report beside the project is fine.
    let report = scratch("messages", "report-beside").join("report.json");
    std::fs::create_dir_all(report.parent().unwrap()).unwrap();
    let out = Command::new(binary())
        .args(["lint"])
        .arg(&dir)
        .arg("--output")
        .arg(&report)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(report.is_file());
}

#[test]
fn a_byte_order_mark_is_not_an_error() {
    let dir = example_copy("messages", "bom", Flavour::Sqlx);
    for file in ["spec.json", "models/stg_orders.sqlx", "sources/crm_customers.sql"] {
        let path = dir.join(file);
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(std::fs::read(&path).unwrap_or_else(|e| panic!("{file}: {e}")));
        std::fs::write(&path, bytes).unwrap();
    }
    let out = specproof(&["validate", "--no-run"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
}

#[test]
fn duckdb_code_read_as_bigquery_suggests_the_dialect_flag() {
    let dir = example_copy("messages", "forgot-dialect", Flavour::Duckdb);
    std::fs::remove_file(dir.join("specproof.toml")).unwrap();
    let out = specproof(&["validate", "--no-run"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("this file reads as DuckDB SQL"), "{stdout}");
    assert!(stdout.contains("--dialect duckdb"), "{stdout}");
    // Told the dialect, the same code is clean; BigQuery code never gets the hint.
    std::fs::write(dir.join("specproof.toml"), "dialect = \"duckdb\"\n").unwrap();
    assert_eq!(specproof(&["validate", "--no-run"], &dir).status.code(), Some(0));
    let sqlx = example_copy("messages", "sqlx-no-hint", Flavour::Sqlx);
    let stdout = text(&specproof(&["validate", "--no-run"], &sqlx).stdout);
    assert!(!stdout.contains("reads as DuckDB SQL"), "{stdout}");
}

/// The original repository's template slips (a backticked `${ref()}`, a config block without
/// `config`) are one finding each with the fix, and the rest of the project is still proved:
/// nothing else is reported on otherwise correct code.
#[test]
fn template_slips_are_explained_and_the_rest_is_still_checked() {
    let dir = example_copy("messages", "template-slips", Flavour::Sqlx);
    crate::support::edit(
        &dir.join("models/fact_customer_orders.sqlx"),
        "FROM ${ref(\"stg_orders\")}",
        "FROM `${ref(\"stg_orders\")}`",
    );
    crate::support::edit(&dir.join("models/stg_customers.sqlx"), "config {", "{");
    let (code, report) = crate::support::validate_json(&dir, &["--cases", "1"]);
    assert_eq!(code, Some(1), "{report}");
    let findings = report["findings"].as_array().expect("findings");
    let codes: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f["code"].as_str().unwrap_or(""), f["location"]["file"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(codes.len(), 2, "{findings:#?}");
    assert!(codes.iter().all(|(code, _)| *code == "CODE018"), "{codes:?}");
    assert!(codes.iter().any(|(_, file)| file.ends_with("fact_customer_orders.sqlx")), "{codes:?}");
    assert!(codes.iter().any(|(_, file)| file.ends_with("stg_customers.sqlx")), "{codes:?}");
    assert!(report["scope"].as_str().unwrap_or("").contains("5 models run"), "{}", report["scope"]);
}

/// Every statement of a model file that does not parse is reported, each at its place, not only
/// the first: a person fixes the file in one round.
#[test]
fn every_parse_error_in_a_file_is_reported() {
    let dir = example_copy("messages", "every-parse-error", Flavour::Duckdb);
    std::fs::write(
        dir.join("models/stg_orders.sql"),
        "CREATE TEMP TABLE helper AS SELECT FROM WHERE;\n\
         SELECT 'a;b' AS text;\n\
         CREATE OR REPLACE TABLE staging.stg_orders AS SELECT order_id customer_id total FROM raw.commerce_orders;\n",
    )
    .unwrap();
    let (code, report) = crate::support::validate_json(&dir, &["--no-run"]);
    assert_eq!(code, Some(1), "{report}");
    let places: Vec<(u64, u64)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "CODE001")
        .map(|f| (f["location"]["line"].as_u64().unwrap_or(0), f["location"]["column"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(places, [(1, 36), (3, 75)], "{report:#}");
}
