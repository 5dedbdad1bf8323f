//! Defects planted in a copy of the example, each caught by `specproof validate` with a finding
//! that names the model and says why; and code that misbehaves (never ends, fails, reaches for
//! host files or the network) becoming findings while the other models are still validated.
//!
//! Each test copies `specs/customer360` with its corrected spec into a fresh folder, edits one
//! model file, and runs the real binary on it with `--format json`.

use crate::support::{binary, Flavour};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A copy of the example with the corrected spec as its `spec.json` and the SQLX models (or
/// the DuckDB ones as `models/`, when `duckdb`), in a folder of its own.
fn example_copy(name: &str, duckdb: bool) -> PathBuf {
    crate::support::example_copy("planted", name, Flavour::of(duckdb))
}

/// Replaces `from` (which must be there) with `to` in `file`.
fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    crate::support::edit(&dir.join("models").join(file), from, to);
}

fn write_model(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join("models").join(file), text).unwrap();
}

struct Run {
    code: Option<i32>,
    json: Value,
}

impl Run {
    fn findings(&self) -> Vec<&Value> {
        self.json["findings"].as_array().map(|a| a.iter().collect()).unwrap_or_default()
    }

    /// The findings of `code` about `model`.
    fn of(&self, code: &str, model: &str) -> Vec<&Value> {
        self.findings().into_iter().filter(|f| f["code"] == code && f["model"] == model).collect()
    }

    fn codes(&self) -> Vec<String> {
        let mut codes: Vec<String> = self
            .findings()
            .iter()
            .map(|f| format!("{} {}", f["code"].as_str().unwrap(), f["model"].as_str().unwrap_or("-")))
            .collect();
        codes.sort();
        codes
    }
}

fn validate(dir: &Path, extra: &[&str]) -> Run {
    let (code, json) = crate::support::validate_json(dir, extra);
    Run { code, json }
}

fn message(f: &Value) -> String {
    format!("{} {}", f["message"].as_str().unwrap_or_default(), f["help"].as_str().unwrap_or_default())
}

#[test]
fn the_copy_is_clean_before_anything_is_planted() {
    for duckdb in [false, true] {
        let dir = example_copy(&format!("clean-{duckdb}"), duckdb);
        let run = validate(&dir, &[]);
        assert_eq!(run.code, Some(0), "{:?}", run.codes());
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn a_fan_out_breaks_the_primary_key() {
    let dir = example_copy("fan-out", false);
    // The items join is no longer collapsed: one row per item, not per order.
    edit(&dir, "stg_orders.sqlx", "SUM(order_items.quantity) AS items", "order_items.quantity AS items");
    edit(
        &dir,
        "stg_orders.sqlx",
        "SUM(order_items.refund_amount) * rates.rate_to_usd",
        "order_items.refund_amount * rates.rate_to_usd",
    );
    edit(
        &dir,
        "stg_orders.sqlx",
        "GROUP BY orders.order_id, orders.customer_id, orders.order_ts, orders.total_amount, rates.rate_to_usd",
        "",
    );
    let run = validate(&dir, &[]);
    assert_eq!(run.code, Some(1));
    let pk = run.of("CHK009", "stg_orders");
    assert_eq!(pk.len(), 1, "{:?}", run.codes());
    assert!(message(pk[0]).contains("share a key"), "{}", message(pk[0]));
    // The reference comparison says why in words: the key has more rows than the spec gives,
    // and the join to the items is named.
    let differs = run.of("DIF001", "stg_orders");
    assert_eq!(differs.len(), 1, "{:?}", run.codes());
    let said = message(differs[0]);
    assert!(said.contains("output rows for order_id=") && said.contains("where the spec gives 1"), "{said}");
    assert!(said.contains("the join to commerce_order_items fans out"), "{said}");
    // It points at that join, read off the counterexample, not at the last join of the query
    // (the rates join, whose table cannot repeat a row there).
    let items_line = std::fs::read_to_string(dir.join("models/stg_orders.sqlx"))
        .unwrap()
        .lines()
        .position(|l| l.starts_with("LEFT JOIN order_items"))
        .unwrap()
        + 1;
    assert_eq!(differs[0]["location"]["line"], items_line as u64, "{}", differs[0]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_left_join_turned_inner_is_named_at_its_line() {
    let dir = example_copy("inner", false);
    edit(&dir, "fact_customer_orders.sqlx", "LEFT JOIN ticket_metrics", "INNER JOIN ticket_metrics");
    let run = validate(&dir, &[]);
    assert_eq!(run.code, Some(1));
    let join = run.of("CODE008", "fact_customer_orders");
    assert_eq!(join.len(), 1, "{:?}", run.codes());
    assert!(message(join[0]).contains("INNER"), "{}", message(join[0]));
    assert!(join[0]["location"]["file"].as_str().unwrap().ends_with("fact_customer_orders.sqlx"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_case_mapping_outside_accepted_values() {
    let dir = example_copy("case", false);
    edit(&dir, "stg_customers.sqlx", "THEN 'churned'", "THEN 'lost'");
    let run = validate(&dir, &[]);
    assert_eq!(run.code, Some(1));
    let accepted = run.of("CHK005", "stg_customers");
    assert_eq!(accepted.len(), 1, "{:?}", run.codes());
    assert!(message(accepted[0]).contains("lost"), "{}", message(accepted[0]));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_not_null_column_that_can_be_null() {
    let dir = example_copy("null", true);
    edit(&dir, "stg_customers.sql", " ELSE 'unknown'", "");
    let run = validate(&dir, &[]);
    assert_eq!(run.code, Some(1));
    let null = run.of("CHK002", "stg_customers");
    assert_eq!(null.len(), 1, "{:?}", run.codes());
    assert!(message(null[0]).contains("lifecycle_stage"), "{}", message(null[0]));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_scd2_model_that_leaves_two_current_rows() {
    let dir = example_copy("scd2", false);
    // Changed keys get a new version, but the old one is never closed.
    edit(
        &dir,
        "dim_customers_scd2.sqlx",
        "    AND target.is_current\n);",
        "    AND target.is_current\n    AND target.email IS NOT DISTINCT FROM source.email\n);",
    );
    edit(&dir, "dim_customers_scd2.sqlx", "OR EXISTS (", "OR FALSE AND EXISTS (");
    let run = validate(&dir, &[]);
    assert_eq!(run.code, Some(1));
    let scd2 = run.of("CHK010", "dim_customers_scd2");
    assert!(
        scd2.iter().any(|f| message(f).contains("more than one current row")),
        "{:?}",
        scd2.iter().map(|f| message(f)).collect::<Vec<_>>()
    );
    // The first run alone cannot show it: the history runs do.
    assert!(scd2.iter().all(|f| !message(f).contains("after run 1")));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn runaway_failing_and_escaping_models_are_findings_and_the_rest_still_runs() {
    let dir = example_copy("misbehave", true);
    let marker = std::env::temp_dir().join(format!("specproof-escape-{}.csv", std::process::id()));
    let _ = std::fs::remove_file(&marker);
    // Never ends (for practical purposes): 10^16 rows, constant memory.
    write_model(
        &dir,
        "stg_support_pivot.sql",
        "SELECT count(*) AS customer_id FROM range(100000000) AS a, range(100000000) AS b\n",
    );
    // Tries to read a host file.
    write_model(&dir, "stg_orders.sql", "SELECT * FROM read_csv('/etc/passwd')\n");
    // Tries to write one, and to install an extension, in a script.
    write_model(
        &dir,
        "dim_customers_scd2.sql",
        &format!(
            "CREATE TABLE analytics.dim_customers_scd2 AS SELECT 1 AS x;\nCOPY (SELECT 1 AS x) TO '{}';\n",
            marker.display()
        ),
    );
    let run = validate(&dir, &["--timeout", "1"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.of("RUN002", "stg_support_pivot").len(), 1, "{:?}", run.codes());
    assert_eq!(run.of("RUN003", "stg_orders").len(), 1, "{:?}", run.codes());
    let copy = run.of("RUN003", "dim_customers_scd2");
    assert_eq!(copy.len(), 1, "{:?}", run.codes());
    // The finding points at the statement that failed, the second.
    assert_eq!(copy[0]["location"]["line"], 2, "{}", copy[0]);
    assert!(!marker.exists(), "the sandbox let a model write {}", marker.display());
    // stg_customers still ran and was checked; fact_customer_orders, downstream of failures, did not run.
    let scope = run.json["scope"].as_str().unwrap_or_default().to_string();
    assert!(scope.contains("not run: fact_customer_orders"), "{scope}");
    assert!(run.findings().iter().all(|f| f["model"] != "stg_customers"), "{:?}", run.codes());
    std::fs::remove_dir_all(dir).unwrap();

    let dir = example_copy("install", true);
    write_model(&dir, "stg_support_pivot.sql", "INSTALL httpfs;\nLOAD httpfs;\n");
    let run = validate(&dir, &[]);
    assert_eq!(run.of("RUN003", "stg_support_pivot").len(), 1, "{:?}", run.codes());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_model_that_fails_to_run() {
    let dir = example_copy("fails", true);
    // Ticket statuses are words: the cast fails on the data, not on the SQL.
    edit(
        &dir,
        "stg_support_pivot.sql",
        "FROM tickets\nGROUP BY",
        "FROM tickets\nWHERE CAST(tickets.status AS BIGINT) > 0\nGROUP BY",
    );
    let run = validate(&dir, &[]);
    let failed = run.of("RUN001", "stg_support_pivot");
    assert_eq!(failed.len(), 1, "{:?}", run.codes());
    assert!(message(failed[0]).contains("Conversion Error"), "{}", message(failed[0]));
    // Downstream of the failure nothing runs; beside it, everything does.
    let scope = run.json["scope"].as_str().unwrap_or_default().to_string();
    assert!(scope.contains("4 models run") && scope.contains("not run: fact_customer_orders"), "{scope}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn db_keeps_the_run_database_for_a_person_and_is_never_reused() {
    let dir = example_copy("db", false);
    let db = dir.join("run.duckdb");
    let run = validate(&dir, &["--db", db.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{:?}", run.codes());
    let connection = duckdb::Connection::open(&db).unwrap();
    let count = |sql: &str| connection.query_row(sql, [], |row| row.get::<_, i64>(0)).unwrap();
    assert!(count("SELECT count(*) FROM raw.crm_customers") > 0);
    assert!(count("SELECT count(*) FROM analytics.fact_customer_orders") > 0);
    // Three runs of history: versions opened at three run times.
    assert_eq!(count("SELECT count(DISTINCT valid_from) FROM analytics.dim_customers_scd2"), 3);
    drop(connection);
    // A second run does not write into the first one's database.
    let out = Command::new(binary()).arg("validate").arg(&dir).arg("--db").arg(&db).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_model_past_the_memory_limit_is_a_finding() {
    let dir = example_copy("memory", true);
    // A 2 GB string, built in memory.
    write_model(
        &dir,
        "stg_support_pivot.sql",
        "SELECT length(string_agg(repeat('x', 1000), ',')) AS customer_id FROM range(2000000)\n",
    );
    let run = validate(&dir, &["--memory-limit", "200MB"]);
    assert_eq!(run.code, Some(1));
    let memory = run.of("RUN004", "stg_support_pivot");
    assert_eq!(memory.len(), 1, "{:?}", run.codes());
    assert!(message(memory[0]).contains("Out of Memory"), "{}", message(memory[0]));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn output_is_byte_identical_whatever_the_thread_count() {
    let dir = example_copy("threads", false);
    edit(&dir, "stg_customers.sqlx", "THEN 'churned'", "THEN 'lost'");
    edit(&dir, "fact_customer_orders.sqlx", "LEFT JOIN ticket_metrics", "INNER JOIN ticket_metrics");
    let run = |threads: &str| {
        let out = Command::new(binary())
            .arg("validate")
            .arg(&dir)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .expect("the binary runs");
        assert_eq!(out.status.code(), Some(1));
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert_eq!(one, run("8"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_scd2_model_written_with_merge_runs_as_a_script_and_keeps_its_history() {
    let dir = example_copy("merge", false);
    write_model(&dir, "dim_customers_scd2.sqlx", MERGE_SCD2);
    let db = dir.join("run.duckdb");
    let run = validate(&dir, &["--db", db.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{:?}", run.codes());
    let connection = duckdb::Connection::open(&db).unwrap();
    let count = |sql: &str| connection.query_row(sql, [], |row| row.get::<_, i64>(0)).unwrap();
    assert_eq!(count("SELECT count(DISTINCT valid_from) FROM analytics.dim_customers_scd2"), 3);
    assert!(count("SELECT count(*) FROM analytics.dim_customers_scd2 WHERE NOT is_current") > 0);
    drop(connection);
    std::fs::remove_dir_all(dir).unwrap();
}

/// The example's SCD2 model with its UPDATE written as a MERGE.
const MERGE_SCD2: &str = r#"config {
  type: "operations",
  hasOutput: true,
  schema: "analytics",
  description: "Type 2 history of stg_customers keyed on customer_id: valid_from, valid_to (NULL while open), is_current."
}

-- Each run closes the current version of every key that changed or vanished, then opens a
-- version for every key in the snapshot that has no current version (new, changed or back).
-- Tracked columns compare NULL-safely.
CREATE TABLE IF NOT EXISTS ${self()} (
  customer_id INT64,
  email STRING,
  phone_e164 STRING,
  lifecycle_stage STRING,
  country STRING,
  city STRING,
  state STRING,
  postal_code STRING,
  created_at TIMESTAMP,
  valid_from TIMESTAMP,
  valid_to TIMESTAMP,
  is_current BOOL
);

MERGE ${self()} AS target
USING ${ref("stg_customers")} AS source
ON target.customer_id = source.customer_id
WHEN MATCHED AND target.is_current AND (
  source.email IS DISTINCT FROM target.email
  OR source.phone_e164 IS DISTINCT FROM target.phone_e164
  OR source.lifecycle_stage IS DISTINCT FROM target.lifecycle_stage
  OR source.country IS DISTINCT FROM target.country
  OR source.city IS DISTINCT FROM target.city
  OR source.state IS DISTINCT FROM target.state
  OR source.postal_code IS DISTINCT FROM target.postal_code
  OR source.created_at IS DISTINCT FROM target.created_at
) THEN UPDATE SET valid_to = CURRENT_TIMESTAMP(), is_current = FALSE
WHEN NOT MATCHED BY SOURCE AND target.is_current THEN UPDATE SET valid_to = CURRENT_TIMESTAMP(), is_current = FALSE;

INSERT INTO ${self()} (
  customer_id, email, phone_e164, lifecycle_stage, country, city, state, postal_code, created_at,
  valid_from, valid_to, is_current
)
SELECT
  source.customer_id,
  source.email,
  source.phone_e164,
  source.lifecycle_stage,
  source.country,
  source.city,
  source.state,
  source.postal_code,
  source.created_at,
  CURRENT_TIMESTAMP(),
  CAST(NULL AS TIMESTAMP),
  TRUE
FROM ${ref("stg_customers")} AS source
WHERE NOT EXISTS (
  SELECT 1
  FROM ${self()} AS target
  WHERE target.customer_id = source.customer_id
    AND target.is_current
);
"#;

#[test]
fn a_defect_no_named_test_sees_differs_from_the_reference() {
    let dir = example_copy("countif", false);
    // The spec counts 'OPEN' tickets; the data has 'OPEN' and near misses like 'open'.
    edit(&dir, "stg_support_pivot.sqlx", "tickets.status = 'OPEN'", "tickets.status = 'open'");
    let run = validate(&dir, &[]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.codes(), ["DIF001 stg_support_pivot"]);
    let diff = run.of("DIF001", "stg_support_pivot");
    assert!(message(diff[0]).contains("differs in: open_tickets"), "{}", message(diff[0]));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_wrong_case_mapping_is_shrunk_explained_and_replayed_by_its_regression_test() {
    let dir = example_copy("case-mapping", false);
    // CRM's 'inactive' must become 'churned'; no output check sees a value that is accepted.
    edit(&dir, "stg_customers.sqlx", "THEN 'churned'", "THEN 'inactive'");
    let regression = dir.join("regression");
    let run = validate(&dir, &["--emit-fixture", regression.to_str().unwrap()]);
    assert_eq!(run.code, Some(1));
    let found = run.of("DIF001", "stg_customers");
    assert_eq!(found.len(), 1, "{:?}", run.codes());
    let finding = found[0];
    assert_eq!(finding["subject"], "code");
    let text = message(finding);
    assert!(text.contains("lifecycle_stage is 'inactive' where the spec gives 'churned'"), "{text}");
    // The counterexample: a few input rows, and the row expected beside the row produced.
    let tables = finding["tables"].as_array().expect("evidence tables");
    let role = |r: &str| tables.iter().filter(|t| t["role"] == r).collect::<Vec<_>>();
    assert!(!role("input").is_empty());
    for input in role("input") {
        assert!(input["rows"].as_array().unwrap().len() <= 6, "{input}");
    }
    assert!(role("expected")[0]["rows"].to_string().contains("churned"));
    assert!(role("actual")[0]["rows"].to_string().contains("inactive"));
    // Only the differing model is blamed.
    assert!(run.findings().iter().all(|f| f["model"] == "stg_customers"), "{:?}", run.codes());

    // The regression test written for it fails on the wrong code…
    let files: Vec<PathBuf> = std::fs::read_dir(&regression).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let tests = ["--tests", regression.to_str().unwrap(), "--cases", "1", "--no-shrink"];
    let replay = validate(&dir, &tests);
    let failed = run_of_file(&replay, "TST001", &files[0]);
    assert_eq!(failed, 1, "{:?}", replay.codes());
    // …and passes once the code is right.
    edit(&dir, "stg_customers.sqlx", "THEN 'inactive'", "THEN 'churned'");
    let fixed = validate(&dir, &tests);
    assert_eq!(fixed.code, Some(0), "{:?}", fixed.codes());
    std::fs::remove_dir_all(dir).unwrap();
}

/// How many findings of `code` are in `file`.
fn run_of_file(run: &Run, code: &str, file: &Path) -> usize {
    let name = file.file_name().unwrap().to_str().unwrap();
    run.findings()
        .iter()
        .filter(|f| f["code"] == code && f["location"]["file"].as_str().is_some_and(|l| l.ends_with(name)))
        .count()
}

#[test]
fn a_relationships_test_to_a_model_of_the_same_wave_always_finds_its_table() {
    // zoo payroll log FA-4: stg_orders and stg_customers read only sources, so they run in the
    // same wave; the output check of stg_orders must not run before stg_customers exists.
    let dir = example_copy("same-wave-relationships", true);
    let spec = dir.join("spec.json");
    let text = std::fs::read_to_string(&spec).unwrap();
    let from = "\"from_table\": \"commerce_orders\",\n          \"from_column\": \"customer_id\",\n          \"transform\": null,\n          \"nullable\": false,\n          \"tests\": []";
    assert!(text.contains(from), "the example's stg_orders.customer_id has no tests");
    let to = from.replace("\"tests\": []", "\"tests\": [\"relationships(stg_customers.customer_id)\"]");
    std::fs::write(&spec, text.replacen(from, &to, 1)).unwrap();
    let run = validate(&dir, &["--cases", "8"]);
    let unchecked: Vec<String> = run
        .findings()
        .into_iter()
        .map(message)
        .filter(|m| m.contains("does not exist") || m.contains("could not check"))
        .collect();
    assert!(unchecked.is_empty(), "{unchecked:?}");
}

/// A model whose code drops rows makes a downstream relationships test fail on a model that
/// does not read it (payroll: stg_timesheets' employee_id must be in stg_employees): the spec's
/// own result passes that test, and so does the downstream code's output checked against the
/// spec's stg_employees, so neither the spec nor the downstream code is blamed; the defect is
/// reported once, on the model that has it.
#[test]
fn a_relationships_test_broken_upstream_is_blamed_on_neither_the_spec_nor_downstream() {
    let dir = crate::support::pipeline_copy("planted", "upstream-drop", "payroll", Flavour::Sqlx);
    let case =
        crate::support::crate_root().join("tests/corpus/semantic/payroll/stg_employees/inner-join-departments.sqlx");
    std::fs::copy(case, dir.join("models/stg_employees.sqlx")).unwrap();
    let run = validate(&dir, &[]);
    assert_eq!(run.code, Some(1), "{:?}", run.codes());
    assert!(!run.of("DIF001", "stg_employees").is_empty(), "{:?}", run.codes());
    let elsewhere: Vec<String> = run
        .findings()
        .iter()
        .filter(|f| f["subject"] != "tool" && f["model"] != "stg_employees")
        .map(|f| format!("{} {} {}", f["code"], f["model"], f["subject"]))
        .collect();
    assert!(elsewhere.is_empty(), "{elsewhere:?}");
}

/// A fresh project of one source table (`ddl`) and `spec`, with empty `models` and `tests`
/// folders, for a model written in by the test.
fn small_project(name: &str, spec: &str, ddl: &str) -> PathBuf {
    let dir = crate::support::scratch("planted", name);
    for sub in ["sources", "models", "tests"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    std::fs::write(dir.join("spec.json"), spec).unwrap();
    std::fs::write(dir.join("sources/source.sql"), ddl).unwrap();
    dir
}

/// The run's findings are all about the tool, one of them DIF004 on `model` naming `mention`.
fn assert_only_a_tool_limit(run: &Run, model: &str, mention: &str) {
    let findings = run.findings();
    assert!(findings.iter().all(|f| f["subject"] == "tool"), "{findings:#?}");
    let limit = run.of("DIF004", model);
    assert_eq!(limit.len(), 1, "{findings:#?}");
    assert!(message(limit[0]).contains(mention), "{}", message(limit[0]));
}

/// Readings with a timestamp, for the time zone tests.
const READINGS: &str =
    "CREATE TABLE raw.readings (reading_id INT64 NOT NULL, reading_ts TIMESTAMP, PRIMARY KEY (reading_id) NOT ENFORCED);";

/// A spec division whose operands are operations (`SAFE_DIVIDE({from} + 1, 2)`,
/// `SAFE_DIVIDE({from}, legs.minutes / 60)`): correct code in either flavour draws nothing. The
/// reference once printed the translated operands without their parentheses (`fee + 1 / 2`)
/// and blamed the correct code with DIF001.
#[test]
fn operations_inside_a_spec_division_keep_their_grouping() {
    let spec = r#"{"schema": {"raw_schema": "raw", "staging_schema": "stg", "final_schema": "mart"},
      "models": [{"name": "stg_legs", "layer": "staging", "sources": ["raw.legs"],
        "column_mapping": [
          {"target_column": "leg_id", "type": "INT64", "from_table": "legs", "from_column": "leg_id",
           "nullable": false, "tests": ["not_null", "unique"]},
          {"target_column": "kmh", "type": "FLOAT64", "from_table": "legs", "from_column": "distance_km",
           "transform": "SAFE_DIVIDE({from}, legs.minutes / 60)"},
          {"target_column": "fee_half", "type": "NUMERIC", "from_table": "legs", "from_column": "fee",
           "transform": "SAFE_DIVIDE({from} + 1, 2)"},
          {"target_column": "minutes_half", "type": "INT64", "from_table": "legs", "from_column": "minutes",
           "transform": "DIV({from} + 1, 2)"}],
        "constraints": {"primary_key": "leg_id"}}]}"#;
    let ddl = "CREATE TABLE raw.legs (leg_id INT64 NOT NULL, distance_km FLOAT64, minutes INT64, fee NUMERIC,
      PRIMARY KEY (leg_id) NOT ENFORCED);";
    let code = [
        (
            "stg_legs.sqlx",
            r#"config { type: "table", schema: "stg" }
SELECT leg_id,
  IF(minutes / 60 = 0, NULL, distance_km / (minutes / 60)) AS kmh,
  (fee + 1) / 2 AS fee_half,
  DIV(minutes + 1, 2) AS minutes_half
FROM ${ref("legs")}
"#,
        ),
        (
            "stg_legs.sql",
            "SELECT leg_id,
  CASE WHEN minutes / 60 = 0 THEN NULL ELSE distance_km / (minutes / 60) END AS kmh,
  CAST((fee + 1) / 2 AS DECIMAL(38, 9)) AS fee_half,
  CAST(trunc((minutes + 1) / 2) AS BIGINT) AS minutes_half
FROM raw.legs
",
        ),
    ];
    for (file, text) in code {
        let dir = small_project(&format!("grouping-{file}"), spec, ddl);
        write_model(&dir, file, text);
        let extra: &[&str] = if file.ends_with(".sql") { &["--dialect", "duckdb"] } else { &[] };
        let run = validate(&dir, extra);
        let about_code: Vec<&Value> = run.findings().into_iter().filter(|f| f["subject"] != "tool").collect();
        assert!(about_code.is_empty(), "{file}: {about_code:#?}");
        assert_eq!(run.code, Some(0), "{file}: {:#}", run.json);
    }
}

/// A spec expression specproof cannot carry to DuckDB yet (`LAST_DAY(d, WEEK)`) leaves the model
/// uncompared: said as a limit of the tool (DIF004), never blamed on the spec or on the code.
#[test]
fn an_untranslated_spec_expression_is_the_tool_s_limit() {
    let spec = r#"{"schema": {"raw_schema": "raw", "staging_schema": "stg", "final_schema": "mart"},
      "models": [{"name": "stg_entries", "layer": "staging", "sources": ["raw.entries"],
        "column_mapping": [
          {"target_column": "entry_id", "type": "INT64", "from_table": "entries", "from_column": "entry_id",
           "nullable": false, "tests": ["not_null", "unique"]},
          {"target_column": "week_end", "type": "DATE", "from_table": "entries", "from_column": "entry_date",
           "transform": "LAST_DAY({from}, WEEK)"}],
        "constraints": {"primary_key": "entry_id"}}]}"#;
    let dir = small_project(
        "untranslated",
        spec,
        "CREATE TABLE raw.entries (entry_id INT64 NOT NULL, entry_date DATE, PRIMARY KEY (entry_id) NOT ENFORCED);",
    );
    write_model(
        &dir,
        "stg_entries.sql",
        "SELECT entry_id, CAST(entry_date + (6 - CAST(strftime(entry_date, '%w') AS INTEGER)) AS DATE) AS week_end FROM raw.entries\n",
    );
    assert_only_a_tool_limit(&validate(&dir, &["--dialect", "duckdb"]), "stg_entries", "LAST_DAY");
}

/// A NUMERIC divided and rounded (`ROUND({from} / 40, 2)`): BigQuery's quotient is exact to 9
/// places, so 351947 / 40 = 8798.675 rounds to 8798.68. Correct DuckDB code that keeps the
/// quotient a DECIMAL draws nothing (the reference once divided in DOUBLE and rounded to
/// 8798.67), and the same expression in SQLX draws nothing either. Seeds 1–3 hold such a tie.
#[test]
fn a_numeric_quotient_is_rounded_as_bigquery_rounds_it() {
    let spec = r#"{"schema": {"raw_schema": "raw", "staging_schema": "gl", "final_schema": "ledger"},
      "models": [{"name": "stg_lines", "layer": "staging", "sources": ["raw.journal_lines"],
        "column_mapping": [
          {"target_column": "line_id", "type": "INT64", "from_table": "journal_lines", "from_column": "line_id",
           "nullable": false, "tests": ["not_null", "unique"]},
          {"target_column": "weekly", "type": "NUMERIC", "from_table": "journal_lines", "from_column": "debit_amount",
           "transform": "ROUND({from} / 40, 2)"}],
        "constraints": {"primary_key": "line_id"}}]}"#;
    let code = [
        (
            "stg_lines.sqlx",
            "config { type: \"table\", schema: \"gl\" }\nSELECT line_id, ROUND(debit_amount / 40, 2) AS weekly FROM ${ref(\"journal_lines\")}\n",
        ),
        (
            "stg_lines.sql",
            "SELECT line_id, CAST(round(CAST(debit_amount / 40 AS DECIMAL(38, 9)), 2) AS DECIMAL(38, 9)) AS weekly FROM raw.journal_lines\n",
        ),
    ];
    for (file, text) in code {
        let dir = small_project(
            &format!("numeric-{file}"),
            spec,
            "CREATE TABLE raw.journal_lines (line_id INT64 NOT NULL, debit_amount NUMERIC, PRIMARY KEY (line_id) NOT ENFORCED);",
        );
        write_model(&dir, file, text);
        let mut extra = vec!["--seed", "1", "--cases", "3"];
        if file.ends_with(".sql") {
            extra.extend(["--dialect", "duckdb"]);
        }
        let run = validate(&dir, &extra);
        let about_code: Vec<&Value> = run.findings().into_iter().filter(|f| f["subject"] != "tool").collect();
        assert!(about_code.is_empty(), "{file}: {about_code:#?}");
    }
}

/// A model whose spec takes a reading's local day in Berlin (`DATE(ts, 'Europe/Berlin')`).
const LOCAL_DATE_SPEC: &str = r#"{"schema": {"raw_schema": "raw", "staging_schema": "stg", "final_schema": "mart"},
  "models": [{"name": "stg_local", "layer": "staging", "sources": ["raw.readings"],
    "column_mapping": [
      {"target_column": "reading_id", "type": "INT64", "from_table": "readings", "from_column": "reading_id",
       "nullable": false, "tests": ["not_null", "unique"]},
      {"target_column": "local_date", "type": "DATE", "from_table": "readings", "from_column": "reading_ts",
       "transform": "DATE({from}, 'Europe/Berlin')"}],
    "constraints": {"primary_key": "reading_id"}}]}"#;

/// DuckDB code calling a function of an extension (`timezone()` and `AT TIME ZONE` are ICU's):
/// the sandboxed engine loads no extension, so the model cannot run here. Said as the engine's
/// limit (DIF004), never as the code's failure (RUN001).
#[test]
fn a_function_of_an_extension_the_sandbox_does_not_load_is_the_tool_s_limit() {
    let dir = small_project("extension", LOCAL_DATE_SPEC, READINGS);
    write_model(
        &dir,
        "stg_local.sql",
        "SELECT reading_id, CAST(timezone('Europe/Berlin', reading_ts AT TIME ZONE 'UTC') AS DATE) AS local_date FROM raw.readings\n",
    );
    assert_only_a_tool_limit(&validate(&dir, &["--dialect", "duckdb"]), "stg_local", "`icu`");
}

/// A local day taken in UTC (`DATE(ts)` for the spec's `DATE(ts, 'Europe/Berlin')`) differs only
/// on instants between the two midnights: the data holds some, and the default run catches it.
#[test]
fn a_day_taken_in_the_wrong_time_zone_is_caught() {
    let dir = small_project("wrong-zone", LOCAL_DATE_SPEC, READINGS);
    let model = |day: &str| {
        format!("config {{ type: \"table\", schema: \"stg\" }}\nSELECT reading_id, {day} AS local_date FROM ${{ref(\"readings\")}}\n")
    };
    write_model(&dir, "stg_local.sqlx", &model("DATE(reading_ts, 'Europe/Berlin')"));
    let run = validate(&dir, &[]);
    assert!(run.findings().iter().all(|f| f["subject"] == "tool"), "{:#?}", run.findings());
    write_model(&dir, "stg_local.sqlx", &model("DATE(reading_ts)"));
    let run = validate(&dir, &[]);
    assert_eq!(run.of("DIF001", "stg_local").len(), 1, "{:#?}", run.findings());
}
