//! Column types: BigQuery and DuckDB type names brought to one canonical family.
//!
//! The spec writes BigQuery types (`INT64`), DDL may use either dialect (`BIGINT`), and later
//! stages compare what DuckDB produced with what the spec asked for. A canonical name lets all
//! three meet. Type names are parsed with sqlparser, so `NUMERIC(10, 2)` and `ARRAY<STRING>`
//! are understood rather than pattern-matched.

use sqlparser::ast::DataType;
use sqlparser::dialect::{BigQueryDialect, DuckDbDialect};
use sqlparser::parser::Parser;

/// Canonical (BigQuery) name of a type family, e.g. `INT64` for `BIGINT` and `INTEGER`.
///
/// Returns `None` for a name that is not a type of either dialect. Parameters are dropped
/// (`NUMERIC(10,2)` is `NUMERIC`); arrays and structs keep their shape (`ARRAY<STRING>`).
pub fn canonical_type_name(text: &str) -> Option<String> {
    let data_type = parse_data_type(text)?;
    canonical_of(&data_type)
}

/// Canonical name of a parsed [`DataType`].
pub fn canonical_of(data_type: &DataType) -> Option<String> {
    if let DataType::Array(elem) = data_type {
        use sqlparser::ast::ArrayElemTypeDef as E;
        let inner = match elem {
            E::AngleBracket(t) | E::SquareBracket(t, _) | E::Parenthesis(t) => canonical_of(t)?,
            _ => return None,
        };
        return Some(format!("ARRAY<{inner}>"));
    }
    let printed = data_type.to_string().to_ascii_uppercase();
    let base = printed.split(['(', '<']).next().unwrap_or("").trim();
    if base.starts_with("STRUCT") {
        return Some(printed);
    }
    let family = match base {
        "INT64" | "INT" | "INTEGER" | "BIGINT" | "SMALLINT" | "TINYINT" | "BYTEINT" | "INT2" | "INT4" | "INT8"
        | "INT16" | "INT32" | "INT128" | "HUGEINT" | "UBIGINT" | "UINTEGER" | "USMALLINT" | "UTINYINT" | "UHUGEINT"
        | "SIGNED" | "LONG" | "SHORT" => "INT64",
        "FLOAT64" | "FLOAT" | "DOUBLE" | "DOUBLE PRECISION" | "REAL" | "FLOAT4" | "FLOAT8" | "FLOAT32" => "FLOAT64",
        "NUMERIC" | "DECIMAL" | "DEC" => "NUMERIC",
        "BIGNUMERIC" | "BIGDECIMAL" => "BIGNUMERIC",
        "STRING" | "VARCHAR" | "TEXT" | "CHAR" | "CHARACTER" | "CHARACTER VARYING" | "NVARCHAR" | "BPCHAR" => "STRING",
        "BOOL" | "BOOLEAN" | "LOGICAL" => "BOOL",
        "BYTES" | "BLOB" | "BYTEA" | "VARBINARY" | "BINARY" => "BYTES",
        "DATE" => "DATE",
        "TIME" => "TIME",
        "DATETIME" => "DATETIME",
        "TIMESTAMP" | "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" | "TIMESTAMP_S" | "TIMESTAMP_MS" | "TIMESTAMP_NS" => {
            "TIMESTAMP"
        }
        "JSON" => "JSON",
        "INTERVAL" => "INTERVAL",
        "GEOGRAPHY" => "GEOGRAPHY",
        "UUID" => "UUID",
        _ => return None,
    };
    Some(family.to_string())
}

fn parse_data_type(text: &str) -> Option<DataType> {
    // BigQuery first (the spec's own dialect), then DuckDB for names only it knows.
    [&BigQueryDialect as &dyn sqlparser::dialect::Dialect, &DuckDbDialect].into_iter().find_map(|dialect| {
        let mut parser = Parser::new(dialect).try_with_sql(text).ok()?;
        let data_type = parser.parse_data_type().ok()?;
        // The whole text must be the type: `INT64 garbage` is not a type name.
        (parser.peek_token_ref().token == sqlparser::tokenizer::Token::EOF).then_some(data_type)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_dialects_meet_in_one_family() {
        for (text, want) in [
            ("INT64", "INT64"),
            ("bigint", "INT64"),
            ("INTEGER", "INT64"),
            ("STRING", "STRING"),
            ("VARCHAR(20)", "STRING"),
            ("NUMERIC(10, 2)", "NUMERIC"),
            ("DECIMAL(38,9)", "NUMERIC"),
            ("FLOAT64", "FLOAT64"),
            ("DOUBLE", "FLOAT64"),
            ("TIMESTAMP", "TIMESTAMP"),
            ("TIMESTAMPTZ", "TIMESTAMP"),
            ("DATETIME", "DATETIME"),
            ("BOOL", "BOOL"),
            ("BOOLEAN", "BOOL"),
            ("BYTES", "BYTES"),
            ("ARRAY<STRING>", "ARRAY<STRING>"),
        ] {
            assert_eq!(canonical_type_name(text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn unknown_names_are_not_types() {
        for text in ["STRNG", "INT64 garbage", "", "42"] {
            assert_eq!(canonical_type_name(text), None, "{text}");
        }
    }
}
