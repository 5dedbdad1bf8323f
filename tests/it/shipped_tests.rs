//! Shipped tests (`tests/*.sql` of a project) through the real binary: small projects built in a
//! temporary folder from the customer360 example (its corrected spec, its sources, and either
//! the SQLX models or the DuckDB ones), each with a few test files.

use crate::support::{binary, crate_root, example_into, scratch, Flavour};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A project folder in the temporary directory, removed on drop.
struct TempProject {
    dir: PathBuf,
    flavour: Flavour,
}

impl TempProject {
    fn new(flavour: Flavour, tests: &[(&str, &str)]) -> TempProject {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = scratch("shipped", &n.to_string());
        example_into(&dir, flavour);
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        for (name, text) in tests {
            std::fs::write(dir.join("tests").join(name), text).unwrap();
        }
        TempProject { dir, flavour }
    }

    /// `specproof validate` on the project, JSON output: exit code and findings.
    fn validate(&self) -> (i32, Vec<Value>, String) {
        let mut args = vec!["validate".to_string(), self.dir.display().to_string(), "--format".into(), "json".into()];
        if self.flavour == Flavour::Duckdb {
            args.extend(["--dialect".to_string(), "duckdb".to_string()]);
        }
        let out = Command::new(binary()).args(&args).output().expect("the binary runs");
        let stdout = String::from_utf8(out.stdout).unwrap();
        let report: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{e}: {stdout} {}", String::from_utf8_lossy(&out.stderr)));
        let findings = report["findings"].as_array().cloned().unwrap_or_default();
        (out.status.code().unwrap_or(-1), findings, report["scope"].as_str().unwrap_or("").to_string())
    }
}

impl Drop for TempProject {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn codes(findings: &[Value]) -> Vec<String> {
    findings.iter().map(|f| f["code"].as_str().unwrap().to_string()).collect()
}

/// (code, file name, line) of each finding.
fn places(findings: &[Value]) -> Vec<(String, String, u64)> {
    findings
        .iter()
        .map(|f| {
            let file = f["location"]["file"].as_str().unwrap_or("");
            let name = Path::new(file).file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            (f["code"].as_str().unwrap().to_string(), name, f["location"]["line"].as_u64().unwrap_or(0))
        })
        .collect()
}

const BOTH: [Flavour; 2] = [Flavour::Sqlx, Flavour::Duckdb];

#[test]
fn a_passing_assert_is_clean() {
    for flavour in BOTH {
        let project = TempProject::new(
            flavour,
            &[(
                "lifecycle.sql",
                "-- every customer has a lifecycle stage\n\
                 ASSERT (SELECT COUNT(*) FROM temp.stg_customers WHERE lifecycle_stage IS NULL) = 0 AS 'stage set';\n",
            )],
        );
        let (code, findings, scope) = project.validate();
        assert_eq!((code, codes(&findings)), (0, vec![]), "{flavour:?}: {findings:#?}");
        assert!(scope.contains("1 shipped test file"), "{scope}");
    }
}

#[test]
fn a_failing_assert_names_its_place_and_message() {
    for flavour in BOTH {
        let project = TempProject::new(
            flavour,
            &[(
                "counts.sql",
                "-- a wrong expectation\n\
                 ASSERT (\n  SELECT COUNT(*) FROM analytics.fact_customer_orders\n) = 3 AS 'exactly three customers';\n",
            )],
        );
        let (code, findings, _) = project.validate();
        assert_eq!(code, 1);
        assert_eq!(places(&findings), [("TST001".to_string(), "counts.sql".to_string(), 2)], "{findings:#?}");
        let finding = &findings[0];
        assert!(finding["message"].as_str().unwrap().contains("exactly three customers"), "{finding}");
        assert_eq!(finding["model"], "fact_customer_orders");
        let help = finding["help"].as_str().unwrap();
        assert!(help.starts_with("`(SELECT COUNT(*) FROM analytics.fact_customer_orders)` is "), "{help}");
        // The expectation is wrong, not the code: the spec's own result fails it too.
        assert_eq!(finding["subject"], "test", "{finding}");
        assert!(
            help.ends_with("the spec's own result fails this test too, so the test is wrong, not the code"),
            "{help}"
        );
    }
}

#[test]
fn a_singular_test_fails_with_its_rows() {
    let project = TempProject::new(
        Flavour::Sqlx,
        &[(
            "emails.sql",
            "-- emails are never set (wrong)\nSELECT customer_id, email FROM ${ref('stg_customers')} WHERE email IS NOT NULL",
        )],
    );
    let (code, findings, _) = project.validate();
    assert_eq!(code, 1);
    assert_eq!(places(&findings), [("TST001".to_string(), "emails.sql".to_string(), 2)]);
    let message = findings[0]["message"].as_str().unwrap();
    assert!(message.contains("emails are never set (wrong)") && message.contains("rows"), "{message}");
    let help = findings[0]["help"].as_str().unwrap();
    assert!(help.starts_with("the first 5 of ") && help.contains("customer_id | email"), "{help}");
    // The rows, then whose fault it is: the spec's own result has emails too.
    assert_eq!(help.lines().count(), 1 + 2 + 5 + 1, "{help}");
    assert_eq!(findings[0]["subject"], "test");
}

/// A unit test of stg_customers on rows the test gives: phone normalisation and the lifecycle
/// mapping, plus one expectation the given input breaks.
const CUSTOMERS_FIXTURE: &str = "CREATE OR REPLACE TEMP TABLE raw.crm_customers AS (\n\
  SELECT 1 AS customer_id, ' Ann@X.COM ' AS email, '(555) 123-4567' AS phone, 'inactive' AS status\n\
  UNION ALL SELECT 2, NULL, '44 20 7946 0958', 'trial'\n\
  UNION ALL SELECT 3, 'c@x.com', '12', 'gone'\n\
);\n";

#[test]
fn a_fixture_drives_a_unit_test_of_a_model() {
    for flavour in BOTH {
        let holds = format!(
            "{CUSTOMERS_FIXTURE}\
             ASSERT (SELECT phone_e164 FROM temp.stg_customers WHERE customer_id = 1) = '+15551234567' AS 'US phone';\n\
             ASSERT (SELECT phone_e164 FROM temp.stg_customers WHERE customer_id = 2) = '+442079460958' AS 'UK phone';\n\
             ASSERT (SELECT phone_e164 FROM temp.stg_customers WHERE customer_id = 3) IS NULL AS 'too short';\n\
             ASSERT (SELECT STRING_AGG(lifecycle_stage, ',' ORDER BY customer_id) FROM temp.stg_customers) = 'churned,trial,unknown' AS 'stages';\n\
             ASSERT (SELECT email FROM temp.stg_customers WHERE customer_id = 1) = 'ann@x.com' AS 'email cleaned';\n"
        );
        let breaks = format!(
            "{CUSTOMERS_FIXTURE}\
             ASSERT (SELECT COUNT(*) FROM temp.stg_customers) = 3 AS 'three customers';\n\
             ASSERT (SELECT COUNT(*) FROM temp.stg_customers WHERE email IS NOT NULL) = 3 AS 'every email kept';\n"
        );
        let project = TempProject::new(flavour, &[("holds.sql", &holds), ("breaks.sql", &breaks)]);
        let (code, findings, _) = project.validate();
        assert_eq!(code, 1, "{flavour:?}");
        assert_eq!(
            places(&findings),
            [("TST001".to_string(), "breaks.sql".to_string(), 7)],
            "{flavour:?}: {findings:#?}"
        );
        assert!(findings[0]["message"].as_str().unwrap().contains("every email kept"));
        let help = findings[0]["help"].as_str().unwrap();
        assert!(help.lines().next().unwrap_or_default().ends_with(" is 2"), "{help}");
        // The fixture's own input breaks the expectation whatever the code: the test is wrong.
        assert_eq!(findings[0]["subject"], "test", "{flavour:?}");
    }
}

/// A file's tests (ASSERTs and singular queries) are first asked in one query; each one that
/// is not found to hold there, and all of them when that query fails, is judged alone, as it
/// would have been.
#[test]
fn tests_asked_together_are_judged_one_by_one_when_one_does_not_hold() {
    let holds = "ASSERT (SELECT COUNT(*) FROM analytics.fact_customer_orders) > 0 AS 'has customers';\n\
         ASSERT (SELECT COUNT(*) FROM temp.stg_customers) > 0 AS 'has rows';\n\
         SELECT customer_id FROM temp.stg_customers WHERE customer_id IS NULL;\n";
    let mixed = "ASSERT (SELECT COUNT(*) FROM temp.stg_customers) > 0 AS 'has rows';\n\
         ASSERT (SELECT COUNT(*) FROM temp.stg_customers) < 0 AS 'negative count (wrong)';\n\
         ASSERT (SELECT COUNT(*) FROM temp.stg_customers WHERE customer_id = 'not a number') = 0 AS 'cannot run';\n\
         ASSERT (SELECT max(CAST(NULL AS INTEGER)) FROM temp.stg_customers) = 1 AS 'null';\n\
         SELECT customer_id FROM temp.stg_customers WHERE customer_id IS NULL;\n\
         SELECT customer_id FROM temp.stg_customers WHERE customer_id IS NOT NULL;\n\
         SELECT customer_id FROM temp.stg_customers WHERE customer_id = 'not a number';\n";
    let project = TempProject::new(Flavour::Duckdb, &[("holds.sql", holds), ("mixed.sql", mixed)]);
    let (code, findings, _) = project.validate();
    assert_eq!(code, 1);
    assert_eq!(
        places(&findings),
        [
            ("TST001".to_string(), "mixed.sql".to_string(), 2),
            ("TST002".to_string(), "mixed.sql".to_string(), 3),
            ("TST001".to_string(), "mixed.sql".to_string(), 4),
            ("TST001".to_string(), "mixed.sql".to_string(), 6),
            ("TST002".to_string(), "mixed.sql".to_string(), 7),
        ],
        "{findings:#?}"
    );
    assert!(findings[0]["message"].as_str().unwrap().contains("is false"), "{}", findings[0]);
    assert!(findings[2]["message"].as_str().unwrap().contains("is NULL"), "{}", findings[2]);
    assert!(findings[3]["message"].as_str().unwrap().contains("every row is a failure"), "{}", findings[3]);
}

#[test]
fn a_cte_header_tests_one_cte_of_a_model() {
    for flavour in BOTH {
        let good = "-- cte: stg_customers.addresses\n\
             CREATE TEMP TABLE raw.crm_addresses AS (\n\
               SELECT 1 AS customer_id, 'US' AS country UNION ALL SELECT 2, NULL\n\
             );\n\
             ASSERT (SELECT COUNT(*) FROM addresses) = 1 AS 'addresses without a country are dropped';\n\
             SELECT * FROM addresses WHERE country IS NULL;\n";
        let main_data = "-- cte: fact_customer_orders.order_metrics\n\
             ASSERT (SELECT COUNT(*) FROM order_metrics) = (SELECT COUNT(*) FROM analytics.fact_customer_orders) AS 'one row per customer';\n";
        let missing = "-- cte: stg_customers.nothing_here\n\
             ASSERT (SELECT COUNT(*) FROM nothing_here) = 0 AS 'x';\n";
        let project =
            TempProject::new(flavour, &[("good.sql", good), ("main.sql", main_data), ("missing.sql", missing)]);
        let (code, findings, _) = project.validate();
        assert_eq!(code, 1);
        assert_eq!(
            places(&findings),
            [("TST002".to_string(), "missing.sql".to_string(), 1)],
            "{flavour:?}: one finding for the CTE stands for the test that reads it: {findings:#?}"
        );
        let message = findings[0]["message"].as_str().unwrap();
        assert!(message.contains("no CTE `nothing_here` (it has customers, addresses)"), "{message}");
        assert!(message.ends_with("(1 test of this file not run)"), "{message}");
    }
}

#[test]
fn a_test_that_cannot_run_is_reported_and_the_others_still_run() {
    let project = TempProject::new(
        Flavour::Sqlx,
        &[(
            "mixed.sql",
            "SELECT * FROM temp.stg_customer;\n\
             ASSERT (SELECT COUNT(*) FROM temp.stg_customers) = 0 AS 'no customers (wrong)';\n",
        )],
    );
    let (code, findings, _) = project.validate();
    assert_eq!(code, 1);
    // The misspelt model is unknown to the lint (TST007) and to DuckDB (TST002).
    assert_eq!(
        places(&findings),
        [
            ("TST002".to_string(), "mixed.sql".to_string(), 1),
            ("TST007".to_string(), "mixed.sql".to_string(), 1),
            ("TST001".to_string(), "mixed.sql".to_string(), 2),
        ],
        "{findings:#?}"
    );
    assert!(findings[0]["message"].as_str().unwrap().contains("stg_customer"), "{}", findings[0]);
}

#[test]
fn each_lint_rule_fires_on_a_test_made_to_trip_it() {
    let project = TempProject::new(
        Flavour::Sqlx,
        &[
            ("constant.sql", "SELECT 1 AS placeholder WHERE FALSE;\nASSERT (1 = 1) AS 'always';\n"),
            (
                "commented.sql",
                "ASSERT (SELECT COUNT(*) FROM temp.stg_customers) > 0 AS 'has rows';\n\
                 -- ASSERT (SELECT COUNT(*) FROM temp.stg_customers WHERE email IS NULL) = 0 AS 'emails';\n",
            ),
            (
                "unread.sql",
                "CREATE TEMP TABLE raw.support_tickets AS (SELECT 1 AS customer_id);\n\
                 ASSERT (SELECT COUNT(*) FROM temp.stg_customers) = 0 AS 'no customers without input';\n",
            ),
            ("sources.sql", "ASSERT (SELECT COUNT(*) FROM raw.crm_customers) > 0 AS 'input present';\n"),
            (
                "nomodel.sql",
                "CREATE TEMP TABLE expected AS (SELECT 1 AS n);\nASSERT (SELECT COUNT(*) FROM expected) = 1 AS 'self';\n",
            ),
        ],
    );
    let (code, findings, _) = project.validate();
    assert_eq!(code, 1);
    let mut found = places(&findings);
    found.sort();
    assert_eq!(
        found,
        [
            ("TST003".to_string(), "constant.sql".to_string(), 1),
            ("TST003".to_string(), "constant.sql".to_string(), 2),
            ("TST004".to_string(), "commented.sql".to_string(), 2),
            ("TST005".to_string(), "unread.sql".to_string(), 1),
            ("TST006".to_string(), "sources.sql".to_string(), 1),
            ("TST007".to_string(), "nomodel.sql".to_string(), 2),
        ],
        "{findings:#?}"
    );
}

#[test]
fn the_example_ships_tests_that_pass_in_both_flavours() {
    let root = crate_root();
    let spec = root.join("specs/customer360/spec.corrected.json");
    for models in [None, Some("specs/customer360/models_duckdb")] {
        let mut args: Vec<String> =
            vec!["validate".into(), "specs/customer360".into(), "--spec".into(), spec.display().to_string()];
        if let Some(models) = models {
            args.extend(["--models".into(), models.into(), "--dialect".into(), "duckdb".into()]);
        }
        let out = Command::new(binary()).args(&args).current_dir(&root).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        assert!(stdout.contains("0 errors, 0 warnings") && stdout.contains("shipped test file"), "{stdout}");
    }
}

/// Issue 13: a model that cannot run makes every test reading it unrunnable; the report says so
/// once per file and model, not once per test.
#[test]
fn tests_of_a_model_that_did_not_run_are_one_finding_per_file() {
    let reads_orders = "ASSERT (SELECT COUNT(*) FROM temp.stg_orders) >= 0 AS 'one';\n\
         ASSERT (SELECT COUNT(*) FROM temp.stg_orders) >= 0 AS 'two';\n\
         SELECT * FROM temp.stg_orders WHERE order_id IS NULL;\n";
    let project = TempProject::new(Flavour::Sqlx, &[("orders.sql", reads_orders)]);
    // Code that does not parse: the model does not run.
    std::fs::write(project.dir.join("models/stg_orders.sqlx"), "config { type: \"table\" }\nSELECT FROM WHERE (\n")
        .unwrap();
    let (code, findings, _) = project.validate();
    assert_eq!(code, 1);
    let not_run: Vec<&Value> = findings.iter().filter(|f| f["code"] == "TST002").collect();
    assert_eq!(not_run.len(), 1, "{findings:#?}");
    let message = not_run[0]["message"].as_str().unwrap();
    assert!(message.contains("model `stg_orders` did not run"), "{message}");
    assert!(message.ends_with("(and 2 more tests of this file, for the same reason)"), "{message}");
    assert_eq!(not_run[0]["location"]["line"], 1);
}
