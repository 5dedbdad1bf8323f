//! specproof reads what it writes (issue 16, item 3): `specproof validate DIR --spec SPEC` on a
//! Dataform or dbt project as `specproof generate code` wrote it, recognised by its
//! `workflow_settings.yaml` / `dbt_project.yml`; the dbt snapshot runs as the SCD2 model's
//! history; a planted defect is found; Jinja specproof does not evaluate is a translation limit.

use crate::support::{binary, crate_root, edit, pipelines, scratch, text, validate_json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The spec a pipeline validates with: the corrected one where it has one.
fn spec_of(pipeline: &str) -> PathBuf {
    let dir = crate_root().join("specs").join(pipeline);
    let corrected = dir.join("spec.corrected.json");
    if corrected.is_file() {
        corrected
    } else {
        dir.join("spec.json")
    }
}

/// `specproof generate code --target <target>` for `pipeline` into a fresh folder.
fn generated(pipeline: &str, target: &str, tag: &str) -> PathBuf {
    let out = scratch("generated_layouts", &format!("{pipeline}-{target}{tag}"));
    let run = Command::new(binary())
        .args(["generate", "code", "--target", target])
        .arg(crate_root().join("specs").join(pipeline))
        .arg("--spec")
        .arg(spec_of(pipeline))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "generate {target} {pipeline}: {}", text(&run.stderr));
    out
}

/// `validate DIR --spec SPEC`: the exit code and every finding but the coverage warning DIF006
/// (about the synthetic data reaching a construct, the same for hand-written code).
fn validate(dir: &Path, pipeline: &str) -> (Option<i32>, Vec<serde_json::Value>) {
    let spec = spec_of(pipeline);
    let (code, report) = validate_json(dir, &["--spec", spec.to_str().unwrap()]);
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"].as_str() != Some("DIF006"))
        .cloned()
        .collect();
    (code, findings)
}

fn shown(findings: &[serde_json::Value]) -> String {
    findings.iter().map(|f| format!("{} {} {}", f["code"], f["model"], f["message"])).collect::<Vec<_>>().join("\n")
}

#[test]
fn generated_dbt_and_dataform_projects_validate_clean_as_they_are() {
    for pipeline in pipelines() {
        for target in ["dataform", "dbt"] {
            let dir = generated(&pipeline, target, "");
            let (code, findings) = validate(&dir, &pipeline);
            assert!(findings.is_empty(), "{pipeline} {target}: {}", shown(&findings));
            assert_eq!(code, Some(0), "{pipeline} {target}");
        }
    }
}

#[test]
fn a_defect_planted_in_a_generated_dbt_project_is_found() {
    let dir = generated("customer360", "dbt", "-planted-join");
    edit(&dir.join("models/staging/stg_orders.sql"), "LEFT JOIN fx_rates", "JOIN fx_rates");
    let (code, findings) = validate(&dir, "customer360");
    assert_eq!(code, Some(1));
    assert!(
        findings.iter().any(|f| f["code"] == "DIF001" && f["model"] == "stg_orders"),
        "the INNER JOIN is found on data: {}",
        shown(&findings)
    );
    // The snapshot is the SCD2 model's code: keeping vanished keys open breaks the spec's history.
    let dir = generated("customer360", "dbt", "-planted-snapshot");
    let snapshot = dir.join("snapshots/dim_customers_scd2_history.sql");
    edit(&snapshot, "hard_deletes='invalidate'", "hard_deletes='ignore'");
    let (code, findings) = validate(&dir, "customer360");
    assert_eq!(code, Some(1));
    assert!(
        findings.iter().any(|f| f["code"] == "DIF001" && f["model"] == "dim_customers_scd2"),
        "{}",
        shown(&findings)
    );
    // So does a current flag the view gets wrong.
    let dir = generated("customer360", "dbt", "-planted-view");
    edit(
        &dir.join("models/final/dim_customers_scd2.sql"),
        "valid_to IS NULL AS is_current",
        "valid_to IS NOT NULL AS is_current",
    );
    let (_, findings) = validate(&dir, "customer360");
    assert!(findings.iter().any(|f| f["model"] == "dim_customers_scd2"), "{}", shown(&findings));
}

#[test]
fn jinja_specproof_does_not_evaluate_is_a_translation_limit_at_its_place() {
    let dir = generated("customer360", "dbt", "-jinja");
    let file = dir.join("models/staging/stg_customers.sql");
    let code = std::fs::read_to_string(&file).unwrap();
    let first = code.lines().next().unwrap().to_string();
    std::fs::write(&file, code.replacen(&first, &format!("{first}\n  {{% if var('full', true) %}}{{% endif %}}"), 1))
        .unwrap();
    let (exit, findings) = validate(&dir, "customer360");
    assert_eq!(exit, Some(1), "a model that is not checked fails the run");
    let limits: Vec<&serde_json::Value> = findings.iter().filter(|f| f["code"] == "CODE002").collect();
    assert_eq!(limits.len(), 2, "{}", shown(&findings));
    let first_limit = limits[0];
    assert_eq!(first_limit["subject"], "tool", "never blamed on the code");
    assert_eq!(first_limit["model"], "stg_customers");
    assert!(first_limit["message"].as_str().unwrap().contains("translation limit of specproof"));
    let at = &first_limit["location"];
    assert!(at["file"].as_str().unwrap().ends_with("models/staging/stg_customers.sql"), "{at}");
    assert_eq!((at["line"].as_u64(), at["column"].as_u64()), (Some(2), Some(3)), "{at}");
    // The other models are still checked: only what stands on stg_customers is not run.
    assert!(findings.iter().all(|f| f["code"] == "CODE002"), "{}", shown(&findings));
    // A snapshot strategy specproof does not translate: one limit, on the SCD2 model.
    let dir = generated("customer360", "dbt", "-timestamp");
    edit(&dir.join("snapshots/dim_customers_scd2_history.sql"), "strategy='check'", "strategy='timestamp'");
    let (exit, findings) = validate(&dir, "customer360");
    assert_eq!(exit, Some(1));
    assert_eq!(findings.len(), 1, "{}", shown(&findings));
    assert_eq!(findings[0]["model"], "dim_customers_scd2");
    assert_eq!(findings[0]["subject"], "tool");
    assert!(findings[0]["location"]["file"].as_str().unwrap().ends_with("snapshots/dim_customers_scd2_history.sql"));
}

#[test]
fn explicit_flags_win_over_the_recognised_layout() {
    // The dbt project's models read as BigQuery (by flag) do not parse: the flag was obeyed.
    let dir = generated("customer360", "dbt", "-flags");
    let spec = spec_of("customer360");
    let (_, report) = validate_json(&dir, &["--spec", spec.to_str().unwrap(), "--dialect", "bigquery"]);
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["code"] != "DIF006"), "BigQuery was not used: {report}");
    // --models narrows the Dataform project to one folder.
    let dir = generated("customer360", "dataform", "-flags");
    let staging = dir.join("definitions/models/staging");
    let (_, report) = validate_json(&dir, &["--spec", spec.to_str().unwrap(), "--models", staging.to_str().unwrap()]);
    let missing: Vec<&serde_json::Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "CODE017").collect();
    assert!(!missing.is_empty(), "the final models have no code under --models: {report}");
}

#[test]
fn sources_yml_maps_a_source_name_to_its_schema() {
    // A source named `crm` whose tables live in the `raw` schema: `source('crm', …)` reads `raw.…`.
    let dir = generated("customer360", "dbt", "-renamed-source");
    edit(&dir.join("models/sources.yml"), "  - name: raw\n    schema: raw", "  - name: crm\n    schema: raw");
    for folder in ["models/staging", "models/final"] {
        for entry in std::fs::read_dir(dir.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let code = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, code.replace("source('raw', ", "source('crm', ")).unwrap();
        }
    }
    let (code, findings) = validate(&dir, "customer360");
    assert!(findings.is_empty(), "{}", shown(&findings));
    assert_eq!(code, Some(0));
}
