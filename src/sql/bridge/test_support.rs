//! What the bridge's unit tests share.
//!
//! Every trap is proved in DuckDB: the BigQuery text is parsed, translated, run in embedded
//! DuckDB, and the value compared with BigQuery's documented result, on inputs that expose
//! the difference.

use super::{expr_to_duckdb, to_duckdb, BridgeOptions, Untranslatable, RUN_TIME_VARIABLE};
use crate::sql::dialect::Dialect;
use crate::sql::parse::{parse_expression, parse_statements};
use duckdb::Connection;
use sqlparser::ast::Statement;

pub(super) const RUN_TIME: &str = "2024-05-06 07:08:09";

pub(super) fn bigquery() -> BridgeOptions {
    BridgeOptions { from: Dialect::Bigquery, catalog: None }
}

pub(super) fn database() -> Connection {
    let db = Connection::open_in_memory().expect("open DuckDB");
    super::zones::register(&db).expect("register the time zone functions");
    db.execute_batch(&format!("SET VARIABLE {RUN_TIME_VARIABLE} = TIMESTAMP '{RUN_TIME}'")).expect("set the run time");
    db
}

/// The DuckDB text of a BigQuery expression that must translate.
pub(super) fn translate(text: &str) -> String {
    let mut expr = parse_expression(text, Dialect::Bigquery).unwrap_or_else(|e| panic!("{text}: {e}"));
    let problems = expr_to_duckdb(&mut expr, &bigquery());
    assert!(problems.is_empty(), "{text}: {problems:?}");
    expr.to_string()
}

/// What BigQuery's refusal looks like: the problems found in an expression.
pub(super) fn problems(text: &str) -> Vec<Untranslatable> {
    let mut expr = parse_expression(text, Dialect::Bigquery).unwrap_or_else(|e| panic!("{text}: {e}"));
    expr_to_duckdb(&mut expr, &bigquery())
}

/// The value DuckDB computes for the translation of `text`, as text (`None` for NULL), or
/// DuckDB's error.
fn eval(text: &str) -> Result<Option<String>, String> {
    let sql = translate(text);
    parse_expression(&sql, Dialect::Duckdb).unwrap_or_else(|e| panic!("{sql} does not reparse: {e}"));
    database()
        .query_row(&format!("SELECT CAST(({sql}) AS VARCHAR)"), [], |row| row.get::<_, Option<String>>(0))
        .map_err(|e| format!("{sql}: {e}"))
}

pub(super) fn value(text: &str) -> Option<String> {
    eval(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub(super) fn is(text: &str, want: &str) {
    assert_eq!(value(text).as_deref(), Some(want), "{text} => {}", translate(text));
}

pub(super) fn is_null(text: &str) {
    assert_eq!(value(text), None, "{text} => {}", translate(text));
}

pub(super) fn fails(text: &str, message: &str) {
    let err = eval(text).expect_err(text);
    assert!(err.contains(message), "{text}: {err}");
}

pub(super) fn type_of(text: &str) -> String {
    let sql = translate(text);
    database()
        .query_row(&format!("SELECT typeof({sql})"), [], |row| row.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Translates a BigQuery script, runs `setup` then the script in DuckDB, then `check`,
/// returning its rows as text.
pub(super) fn run(setup: &str, script: &str, check: &str, options: &BridgeOptions) -> Vec<Vec<Option<String>>> {
    let mut statements = parse_statements(script, options.from).unwrap_or_else(|e| panic!("{script}: {e}"));
    let problems = to_duckdb(&mut statements, options);
    assert!(problems.is_empty(), "{script}: {problems:?}");
    let db = database();
    db.execute_batch(setup).expect("setup");
    let mut last = Vec::new();
    for statement in &statements {
        let sql = statement.to_string();
        // What is printed must read back as DuckDB, not only run.
        parse_statements(&sql, Dialect::Duckdb).unwrap_or_else(|e| panic!("{sql} does not reparse: {e}"));
        if matches!(statement, Statement::Query(_)) {
            last = rows(&db, &sql);
        } else {
            db.execute_batch(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
    if check.is_empty() {
        last
    } else {
        rows(&db, check)
    }
}

fn rows(db: &Connection, sql: &str) -> Vec<Vec<Option<String>>> {
    let mut statement = db.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut out = Vec::new();
    let mut result = statement.query([]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    while let Some(row) = result.next().expect("next row") {
        let width = row.as_ref().column_count();
        let mut values = Vec::new();
        for i in 0..width {
            let value: duckdb::types::Value = row.get(i).expect("a value");
            values.push(match value {
                duckdb::types::Value::Null => None,
                duckdb::types::Value::Text(s) => Some(s),
                other => Some(format!("{other:?}")),
            });
        }
        out.push(values);
    }
    out
}

pub(super) fn texts(rows: &[Vec<Option<String>>]) -> Vec<String> {
    rows.iter().map(|r| r.iter().map(|v| v.as_deref().unwrap_or("NULL")).collect::<Vec<_>>().join("|")).collect()
}
