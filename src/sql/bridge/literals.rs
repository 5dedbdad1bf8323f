//! Literals: strings as DuckDB reads them exactly, and typed literals (`DATETIME '…'`,
//! `TIMESTAMP '…'` with an offset, `NUMERIC '…'`).

use super::rewrite::{templated, Rewrite};
use super::types::duckdb_type;
use sqlparser::ast::{CastKind, DataType, Expr, Value};

/// A DuckDB string literal holding exactly `text`.
///
/// sqlparser's printer guesses whether quotes in a value are already escaped (it leaves `''`
/// and `\'` alone), so a value containing a quote is printed through a placeholder, which prints
/// verbatim, with the quotes doubled here.
pub(super) fn duckdb_string(text: &str) -> Value {
    if text.contains('\'') {
        Value::Placeholder(format!("'{}'", text.replace('\'', "''")))
    } else {
        Value::SingleQuotedString(text.to_string())
    }
}

/// The text of a string literal, as written by [`duckdb_string`] or by the parser.
pub(super) fn string_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Nested(inner) => string_literal(inner),
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            Value::Placeholder(p) if p.len() >= 2 && p.starts_with('\'') && p.ends_with('\'') => {
                Some(p[1..p.len() - 1].replace("''", "'"))
            }
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn typed_string(typed: &sqlparser::ast::TypedString) -> Rewrite {
    let Some(text) = string_literal(&Expr::Value(typed.value.clone())) else {
        return Ok(None);
    };
    let literal = Expr::Value(duckdb_string(&text).into());
    match &typed.data_type {
        DataType::Date | DataType::Time(_, _) | DataType::JSON => Ok(None),
        DataType::Datetime(_) => templated("CAST(__a0 AS TIMESTAMP)", &[&literal]),
        // BigQuery applies the literal's offset (`+05`, `Z`); DuckDB's TIMESTAMP ignores it, its
        // TIMESTAMPTZ applies it and is held in UTC without time zone data.
        DataType::Timestamp(_, _) => {
            if has_zone_name(&text) {
                return Err(format!("TIMESTAMP '{text}' names a time zone; DuckDB is built without time zone data"));
            }
            templated("CAST(CAST(__a0 AS TIMESTAMPTZ) AS TIMESTAMP)", &[&literal])
        }
        other => {
            let target = duckdb_type(other)?;
            Ok(Some(Expr::Cast { kind: CastKind::Cast, expr: Box::new(literal), data_type: target, format: None }))
        }
    }
}

/// True when a timestamp text names a zone (`America/New_York`) rather than an offset or UTC.
fn has_zone_name(text: &str) -> bool {
    let letters: String = text.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    let letters = letters.to_ascii_uppercase();
    !(letters.is_empty()
        || letters == "T"
        || letters == "Z"
        || letters == "TZ"
        || letters == "UTC"
        || letters == "TUTC")
}

#[cfg(test)]
mod tests {
    use crate::sql::bridge::test_support::*;

    #[test]
    fn raw_strings_keep_backslashes_and_quotes_are_doubled() {
        is(r"r'\d'", r"\d");
        is(r"LENGTH(r'a\nb')", "4");
        is(r#"r"it's""#, "it's");
        // An escaped string whose value holds a backslash before a quote: sqlparser's printer
        // would leave that quote undoubled.
        is(r"'a\\\'b'", r"a\'b");
        is(r"'tab\there'", "tab\there");
        is(r"REGEXP_CONTAINS('2024', r'^\d{4}$')", "true");
    }

    #[test]
    fn double_quoted_strings_are_string_literals() {
        is(r#""OPEN""#, "OPEN");
        is(r#""it's""#, "it's");
        let got = run(
            "CREATE TABLE t AS SELECT * FROM (VALUES ('OPEN'), ('CLOSED')) v(status)",
            r#"SELECT COUNT(*) FROM t WHERE status = "OPEN""#,
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["BigInt(1)"]);
    }

    #[test]
    fn timestamps_with_offsets_are_instants_in_utc() {
        is("TIMESTAMP '2024-01-01 00:00:00+05'", "2023-12-31 19:00:00");
        is("TIMESTAMP '2024-01-01T10:00:00Z'", "2024-01-01 10:00:00");
        is("CAST('2024-01-01 00:00:00+01:00' AS TIMESTAMP)", "2023-12-31 23:00:00");
        is("TIMESTAMP('2024-01-01 00:00:00+01:00')", "2023-12-31 23:00:00");
        is("CAST(DATE '2024-01-01' AS TIMESTAMP)", "2024-01-01 00:00:00");
        assert_eq!(problems("TIMESTAMP '2024-01-01 10:00:00 America/New_York'").len(), 1);
    }
}
