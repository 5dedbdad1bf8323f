//! `specproof init`: a small project that validates clean, a GitHub Actions workflow that runs
//! the gate and uploads its reports, and a pre-commit hook.
//!
//! The project is three models over two source tables (a staging model per source and a final
//! aggregate downstream of one), so every stage of `validate` has something to check and a
//! changed-only run has something downstream. Nothing is ever written over an existing file:
//! init checks every path first and writes nothing if one exists.

use crate::error::{Error, ErrorKind};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A file init writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scaffolded {
    /// Where.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// Whether it is a script to make executable.
    pub executable: bool,
}

const SPEC: &str = r#"{
  "schema": {
    "raw_schema": "raw",
    "staging_schema": "staging",
    "final_schema": "analytics"
  },
  "models": [
    {
      "name": "stg_customers",
      "layer": "staging",
      "description": "One row per customer, emails trimmed and lower-cased.",
      "sources": ["raw.customers"],
      "column_mapping": [
        {"target_column": "customer_id", "type": "INT64", "from_table": "customers", "from_column": "customer_id",
         "nullable": false, "tests": ["not_null", "unique"]},
        {"target_column": "email", "type": "STRING", "from_table": "customers", "from_column": "email",
         "transform": "LOWER(TRIM({from}))"}
      ],
      "constraints": {"primary_key": "customer_id"}
    },
    {
      "name": "stg_orders",
      "layer": "staging",
      "description": "One row per order.",
      "sources": ["raw.orders"],
      "column_mapping": [
        {"target_column": "order_id", "type": "INT64", "from_table": "orders", "from_column": "order_id",
         "nullable": false, "tests": ["not_null", "unique"]},
        {"target_column": "customer_id", "type": "INT64", "from_table": "orders", "from_column": "customer_id",
         "nullable": false},
        {"target_column": "amount", "type": "NUMERIC", "from_table": "orders", "from_column": "amount"}
      ],
      "constraints": {"primary_key": "order_id"}
    },
    {
      "name": "customer_orders",
      "layer": "final",
      "description": "One row per customer with orders: how many, and how much in all.",
      "sources": ["stg_orders"],
      "aggregations": [
        {"metric_column": "order_count", "type": "INT64", "formula": "COUNT(*)", "tests": ["not_null"]},
        {"metric_column": "total_amount", "type": "NUMERIC", "formula": "SUM(amount)"}
      ],
      "group_by": ["customer_id"],
      "constraints": {"primary_key": "customer_id"}
    }
  ]
}
"#;

const CUSTOMERS_DDL: &str = "-- Customers as the CRM exports them. One row per customer.
CREATE TABLE raw.customers (
  customer_id INT64 NOT NULL,
  email       STRING,
  PRIMARY KEY (customer_id) NOT ENFORCED
);
";

const ORDERS_DDL: &str = "-- Orders as the shop exports them. One row per order.
CREATE TABLE raw.orders (
  order_id    INT64 NOT NULL,
  customer_id INT64 NOT NULL,
  amount      NUMERIC,
  PRIMARY KEY (order_id) NOT ENFORCED,
  FOREIGN KEY (customer_id) REFERENCES raw.customers (customer_id) NOT ENFORCED
);
";

const STG_CUSTOMERS: &str = "-- stg_customers: one row per customer, emails trimmed and lower-cased.
SELECT
  customer_id,
  LOWER(TRIM(email)) AS email
FROM raw.customers
";

const STG_ORDERS: &str = "-- stg_orders: one row per order.
SELECT
  order_id,
  customer_id,
  amount
FROM raw.orders
";

const CUSTOMER_ORDERS: &str = "-- customer_orders: one row per customer with orders.
SELECT
  customer_id,
  COUNT(*) AS order_count,
  SUM(amount) AS total_amount
FROM staging.stg_orders
GROUP BY customer_id
";

const TEST: &str = "-- Unit test of customer_orders on two hand-written orders of one customer.
CREATE OR REPLACE TEMP TABLE raw.orders AS (
  SELECT 1 AS order_id, 7 AS customer_id, CAST(10 AS NUMERIC) AS amount
  UNION ALL SELECT 2, 7, CAST(5.5 AS NUMERIC)
);

ASSERT (SELECT order_count FROM analytics.customer_orders WHERE customer_id = 7) = 2
  AS 'orders are counted per customer';
ASSERT (SELECT total_amount FROM analytics.customer_orders WHERE customer_id = 7) = 15.5
  AS 'amounts are summed per customer';
";

const CONFIG: &str = "# specproof settings; every key is optional (see specproof's README).
dialect = \"bigquery\"   # dialect of models/*.sql and tests/*.sql
seed = 42              # synthetic data seed: same seed, same data, same report
rows = 200             # synthetic rows per source table
";

const WORKFLOW: &str = r#"# specproof: validate the pipeline code against its spec before a merge.
# Written by `specproof init`. On a pull request it validates the models changed since the base
# branch (and everything downstream of them); on main, every model. It fails on any error,
# writes the reports whatever happens, shows the Markdown summary on the run's page, uploads the
# reports as an artifact, and uploads SARIF so findings annotate the pull request's lines.
name: specproof

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read
  security-events: write # upload-sarif

jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0 # --changed-since compares with the base branch: it needs its history

      - name: Install specproof
        # Replace with how your team distributes specproof (a release binary is fastest).
        run: cargo install --locked --git https://github.com/your-org/specproof specproof

      - name: Validate
        env:
          CHANGED: ${{ github.event_name == 'pull_request' && format('--changed-since origin/{0}', github.base_ref) || '' }}
        run: |
          specproof validate {PROJECT} $CHANGED --fail-on error \
            --output specproof.sarif --output specproof.xml --output specproof.md

      - name: Summary
        if: always()
        run: test -f specproof.md && cat specproof.md >> "$GITHUB_STEP_SUMMARY" || true

      - name: Upload reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: specproof-report
          path: |
            specproof.sarif
            specproof.xml
            specproof.md
          if-no-files-found: ignore

      - name: Annotate the pull request
        if: always() && hashFiles('specproof.sarif') != ''
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: specproof.sarif
          category: specproof
"#;

const HOOK: &str = "#!/bin/sh
# specproof pre-commit hook, written by `specproof init`: validates the models whose spec or
# code differs from the last commit, and everything downstream of them; the commit stops on an
# error. Install it with `git config core.hooksPath hooks` (or copy it to .git/hooks/pre-commit);
# skip it once with `git commit --no-verify`.
exec specproof validate {PROJECT} --changed-since HEAD
";

/// The files `specproof init` writes for a project in `dir`, whose repository root (where
/// `.github/` and `hooks/` go) is `repo`, the project being at `relative` inside it.
pub fn files(dir: &Path, repo: &Path, relative: &str) -> Vec<Scaffolded> {
    let project = |p: &str| dir.join(p);
    let plain = |path: PathBuf, text: &str| Scaffolded { path, text: text.to_string(), executable: false };
    let quoted = if relative.contains(char::is_whitespace) { format!("'{relative}'") } else { relative.to_string() };
    vec![
        plain(project("spec.json"), SPEC),
        plain(project("specproof.toml"), CONFIG),
        plain(project("sources/customers.sql"), CUSTOMERS_DDL),
        plain(project("sources/orders.sql"), ORDERS_DDL),
        plain(project("models/stg_customers.sql"), STG_CUSTOMERS),
        plain(project("models/stg_orders.sql"), STG_ORDERS),
        plain(project("models/customer_orders.sql"), CUSTOMER_ORDERS),
        plain(project("tests/customer_orders.sql"), TEST),
        plain(repo.join(".github/workflows/specproof.yml"), &WORKFLOW.replace("{PROJECT}", &quoted)),
        Scaffolded { path: repo.join("hooks/pre-commit"), text: HOOK.replace("{PROJECT}", &quoted), executable: true },
    ]
}

/// The repository `dir` is in (git's top level) and `dir`'s path inside it, `/`-separated; or
/// `dir` itself and `.` when it is in none (or git is not installed).
pub fn repository_of(dir: &Path) -> (PathBuf, String) {
    let top = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let canonical_dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    match top.and_then(|t| std::fs::canonicalize(&t).ok()) {
        Some(top) => {
            let relative = canonical_dir.strip_prefix(&top).map(|r| r.to_string_lossy().replace('\\', "/"));
            match relative {
                Ok(r) if r.is_empty() => (top, ".".into()),
                Ok(r) => (top, r),
                Err(_) => (dir.to_path_buf(), ".".into()),
            }
        }
        None => (dir.to_path_buf(), ".".into()),
    }
}

/// Writes `files`, or nothing at all when any of them exists.
pub fn write(files: &[Scaffolded]) -> Result<(), Error> {
    let existing: Vec<String> =
        files.iter().filter(|f| f.path.exists()).map(|f| crate::project::layout::display(&f.path)).collect();
    if !existing.is_empty() {
        return Err(Error::new(ErrorKind::Exists(existing.join(", "))));
    }
    for file in files {
        let io = |source| Error::in_file(ErrorKind::Write { action: "write", source }, &file.path);
        if let Some(parent) = file.path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&file.path, &file.text).map_err(io)?;
        #[cfg(unix)]
        if file.executable {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file.path, std::fs::Permissions::from_mode(0o755)).map_err(io)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_name_the_project_inside_the_repository() {
        let files = files(Path::new("repo/pipeline"), Path::new("repo"), "pipeline");
        let workflow = files.iter().find(|f| f.path.ends_with("specproof.yml")).unwrap();
        assert!(workflow.text.contains("specproof validate pipeline $CHANGED"), "{}", workflow.text);
        assert!(workflow.path.starts_with("repo/.github"));
        let hook = files.iter().find(|f| f.executable).unwrap();
        assert!(hook.text.contains("validate pipeline --changed-since HEAD"));
    }

    #[test]
    fn nothing_is_written_over_an_existing_file() {
        let dir = std::env::temp_dir().join(format!("specproof-scaffold-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("spec.json"), "{}").unwrap();
        let error = write(&files(&dir, &dir, ".")).unwrap_err().to_string();
        assert!(error.contains("spec.json"), "{error}");
        assert!(!dir.join("models").exists(), "nothing else was written");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
