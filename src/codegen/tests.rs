//! The tests the spec names on a model (spec-format.md, "Tests named in the spec"), in a form
//! every target writes in its own way: dbt generic tests, Dataform assertions.

use super::Limit;
use crate::spec::load::LoadedSpec;
use crate::spec::model::Dialect;
use crate::spec::named_tests::{parse_test, SpecTest};
use crate::spec::resolve::query::ModelQuery;
use crate::sql::bridge::{expr_to_duckdb, BridgeOptions};
use sqlparser::ast::{Expr, Value};

/// One test, with its SQL in the target dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// No row has a null in the column.
    NotNull,
    /// No two non-null values are equal.
    Unique,
    /// Every non-null value is one of these SQL literals; `strings` when all are strings (then
    /// `values` holds their text, unquoted).
    AcceptedValues {
        /// The values.
        values: Vec<String>,
        /// Whether every value is a string.
        strings: bool,
    },
    /// Every non-null value appears in `column` of `target` (a model name or `schema.table`).
    Relationships {
        /// The model or source table.
        target: String,
        /// Its column.
        column: String,
    },
    /// Every non-null value lies within the bounds (SQL expressions).
    AcceptedRange {
        /// Inclusive lower bound.
        min: Option<String>,
        /// Inclusive upper bound.
        max: Option<String>,
    },
    /// A boolean SQL expression true on every row.
    Expression(String),
}

/// The tests of one model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelTests {
    /// Per output column, in spec order: the column and its tests.
    pub columns: Vec<(String, Vec<Check>)>,
    /// `constraints.primary_key`.
    pub primary_key: Vec<String>,
}

impl ModelTests {
    /// The tests of `column`.
    pub fn of(&self, column: &str) -> &[Check] {
        self.columns.iter().find(|(c, _)| c.eq_ignore_ascii_case(column)).map(|(_, t)| t.as_slice()).unwrap_or(&[])
    }
}

/// The tests of model `mi` with SQL in `target`; a test that cannot be written is a [`Limit`].
pub fn tests_of(
    loaded: &LoadedSpec,
    mi: usize,
    query: Option<&ModelQuery>,
    target: Dialect,
    limits: &mut Vec<Limit>,
) -> ModelTests {
    let spec = &loaded.spec;
    let model = &spec.models[mi];
    let mut out = ModelTests {
        primary_key: model.constraints.primary_key.iter().flat_map(|k| k.names()).map(str::to_string).collect(),
        ..ModelTests::default()
    };
    let mut entries: Vec<(String, String, Vec<String>, Option<bool>)> = Vec::new();
    for (k, m) in model.column_mapping.iter().enumerate() {
        entries.push((
            m.target_column.clone(),
            format!("models[{mi}].column_mapping[{k}]"),
            m.tests.clone(),
            m.nullable,
        ));
    }
    for (k, a) in model.aggregations.iter().enumerate() {
        entries.push((a.metric_column.clone(), format!("models[{mi}].aggregations[{k}]"), a.tests.clone(), a.nullable));
    }
    for (column, path, tests, nullable) in entries {
        let mut checks = Vec::new();
        if nullable == Some(false) {
            checks.push(Check::NotNull);
        }
        for (t, text) in tests.iter().enumerate() {
            let limit =
                |message: String| Limit { model: model.name.clone(), json_path: format!("{path}.tests[{t}]"), message };
            let check = match parse_test(text, spec.dialect) {
                Ok(test) => check_of(test, &column, query, spec.dialect, target),
                Err(_) => Err(format!("`{text}` is not a test spec-format.md defines")),
            };
            match check {
                Ok(check) if !checks.contains(&check) => checks.push(check),
                Ok(_) => {}
                Err(message) => limits.push(limit(message)),
            }
        }
        out.columns.push((column, checks));
    }
    out
}

fn check_of(
    test: SpecTest,
    column: &str,
    query: Option<&ModelQuery>,
    from: Dialect,
    target: Dialect,
) -> Result<Check, String> {
    let sql = |mut expr: Expr| -> Result<String, String> {
        if target == Dialect::Duckdb && from == Dialect::Bigquery {
            let untranslatable = expr_to_duckdb(&mut expr, &BridgeOptions { from, catalog: None });
            if let Some(u) = untranslatable.first() {
                return Err(format!("{} {}: {}", expr, crate::reference::NO_TRANSLATION, u.message));
            }
        } else if target == Dialect::Bigquery && from == Dialect::Duckdb {
            return Err("the spec's expressions are DuckDB SQL, and there is no translation to BigQuery".into());
        }
        Ok(expr.to_string())
    };
    Ok(match test {
        SpecTest::NotNull => Check::NotNull,
        SpecTest::Unique => Check::Unique,
        SpecTest::AcceptedValues(Some(values)) => literals(values)?,
        SpecTest::AcceptedValues(None) => {
            let output = query.and_then(|q| q.outputs.iter().find(|o| o.name.eq_ignore_ascii_case(column)));
            let results = output.and_then(|o| o.expr.as_ref()).and_then(case_results);
            literals(results.ok_or_else(|| format!("the accepted values of `{column}` cannot be told"))?)?
        }
        SpecTest::Relationships { target, column } => Check::Relationships { target, column },
        SpecTest::AcceptedRange { min, max } => {
            Check::AcceptedRange { min: min.map(sql).transpose()?, max: max.map(sql).transpose()? }
        }
        SpecTest::Expression(expr) => Check::Expression(sql(expr)?),
    })
}

/// The non-null THEN/ELSE results of a CASE.
fn case_results(expr: &Expr) -> Option<Vec<Expr>> {
    match expr {
        Expr::Nested(inner) => case_results(inner),
        Expr::Case { conditions, else_result, .. } => Some(
            conditions
                .iter()
                .map(|c| &c.result)
                .chain(else_result.as_deref())
                .filter(|e| !matches!(e, Expr::Value(v) if v.value == Value::Null))
                .cloned()
                .collect(),
        ),
        _ => None,
    }
}

/// Literal values as a check: strings unquoted when every value is one, SQL text otherwise.
fn literals(values: Vec<Expr>) -> Result<Check, String> {
    let mut texts = Vec::new();
    let mut strings = true;
    for value in &values {
        match value {
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => texts.push(s.clone()),
                Value::Null => {}
                _ => {
                    strings = false;
                    texts.push(value.to_string());
                }
            },
            Expr::UnaryOp { .. } => {
                strings = false;
                texts.push(value.to_string());
            }
            other => return Err(format!("`{other}` is not a literal value")),
        }
    }
    if !strings {
        // Mixed values: every one as SQL text.
        texts = values
            .iter()
            .filter(|v| !matches!(v, Expr::Value(x) if x.value == Value::Null))
            .map(|v| v.to_string())
            .collect();
    }
    let mut unique = Vec::new();
    for t in texts {
        if !unique.contains(&t) {
            unique.push(t);
        }
    }
    Ok(Check::AcceptedValues { values: unique, strings })
}

impl Check {
    /// A short name for file names and messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Check::NotNull => "not_null",
            Check::Unique => "unique",
            Check::AcceptedValues { .. } => "accepted_values",
            Check::Relationships { .. } => "relationships",
            Check::AcceptedRange { .. } => "accepted_range",
            Check::Expression(_) => "expression",
        }
    }

    /// The rows of `model` (a relation in SQL) that break the test on `column`; `parent` names
    /// a relationships target. No rows means the test passes.
    pub fn violations(&self, model: &str, column: &str, parent: &dyn Fn(&str) -> String, dialect: Dialect) -> String {
        let c = crate::reference::plan::ident(column, dialect);
        match self {
            Check::NotNull => format!("SELECT *\nFROM {model}\nWHERE {c} IS NULL"),
            Check::Unique => {
                format!("SELECT {c}, COUNT(*) AS n\nFROM {model}\nWHERE {c} IS NOT NULL\nGROUP BY {c}\nHAVING COUNT(*) > 1")
            }
            Check::AcceptedValues { values, strings } => {
                let list: Vec<String> = if *strings { values.iter().map(|v| string_literal(v, dialect)).collect() } else { values.clone() };
                format!("SELECT *\nFROM {model}\nWHERE {c} IS NOT NULL\n  AND {c} NOT IN ({})", list.join(", "))
            }
            Check::Relationships { target, column: parent_column } => format!(
                "SELECT child.*\nFROM {model} AS child\nWHERE child.{c} IS NOT NULL\n  AND NOT EXISTS (\n    SELECT 1\n    FROM {} AS parent\n    WHERE parent.{} = child.{c}\n  )",
                parent(target),
                crate::reference::plan::ident(parent_column, dialect)
            ),
            Check::AcceptedRange { min, max } => {
                let mut outside = Vec::new();
                if let Some(min) = min {
                    outside.push(format!("{c} < ({min})"));
                }
                if let Some(max) = max {
                    outside.push(format!("{c} > ({max})"));
                }
                format!("SELECT *\nFROM {model}\nWHERE {c} IS NOT NULL\n  AND ({})", outside.join(" OR "))
            }
            // NULL is not true: a row where the expression is unknown fails it.
            Check::Expression(sql) => format!("SELECT *\nFROM {model}\nWHERE NOT COALESCE(({sql}), FALSE)"),
        }
    }
}

/// The rows of `model` that break `constraints.primary_key` (null or repeated key).
pub fn key_violations(model: &str, key: &[String], dialect: Dialect) -> String {
    let columns: Vec<String> = key.iter().map(|k| crate::reference::plan::ident(k, dialect)).collect();
    let nulls: Vec<String> = columns.iter().map(|c| format!("{c} IS NULL")).collect();
    // GROUP BY makes one group of a NULL key, so a null is found by the group, not the count.
    format!(
        "SELECT {list}, COUNT(*) AS n\nFROM {model}\nGROUP BY {list}\nHAVING COUNT(*) > 1\n    OR MAX(CASE WHEN {nulls} THEN 1 ELSE 0 END) = 1",
        list = columns.join(", "),
        nulls = nulls.join(" OR ")
    )
}

/// A string literal in `dialect`.
fn string_literal(text: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::Bigquery => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'")),
        Dialect::Duckdb => format!("'{}'", text.replace('\'', "''")),
    }
}
