//! Types: BigQuery type names as the DuckDB types that hold the same values, and `CAST` /
//! `SAFE_CAST` to them.

use super::math::is_integer_literal;
use super::rewrite::templated_expr;
use sqlparser::ast::{CastKind, DataType, ExactNumberInfo, Expr, StructBracketKind, TimezoneInfo};

/// The DuckDB type with the values of a BigQuery type (spec-format.md's type table), or why
/// there is none.
pub fn duckdb_type(data_type: &DataType) -> Result<DataType, String> {
    use sqlparser::ast::ArrayElemTypeDef as Elem;
    Ok(match data_type {
        // BigQuery's INT, INTEGER, SMALLINT, TINYINT and BYTEINT are all INT64; DuckDB's INTEGER
        // is 32 bits.
        DataType::Int64
        | DataType::Int(_)
        | DataType::Integer(_)
        | DataType::BigInt(_)
        | DataType::SmallInt(_)
        | DataType::TinyInt(_) => DataType::BigInt(None),
        DataType::Custom(name, _) if name.to_string().eq_ignore_ascii_case("BYTEINT") => DataType::BigInt(None),
        DataType::Float64 => DataType::Double(ExactNumberInfo::None),
        DataType::Bool | DataType::Boolean => DataType::Boolean,
        DataType::String(_) => DataType::Varchar(None),
        DataType::Bytes(_) => DataType::Blob(None),
        DataType::Date => DataType::Date,
        DataType::Time(_, _) => DataType::Time(None, TimezoneInfo::None),
        DataType::Datetime(_) | DataType::Timestamp(_, _) => DataType::Timestamp(None, TimezoneInfo::None),
        DataType::Interval { .. } => data_type.clone(),
        DataType::JSON => DataType::JSON,
        DataType::Numeric(info) | DataType::Decimal(info) => decimal(info, 29, 9)?,
        DataType::BigNumeric(info) | DataType::BigDecimal(info) => match info {
            // A parameterised BIGNUMERIC that fits DuckDB's 38 digits keeps its values.
            ExactNumberInfo::PrecisionAndScale(p, _) | ExactNumberInfo::Precision(p) if *p <= 38 => {
                decimal(info, 38, 0)?
            }
            _ => return Err("BIGNUMERIC (76 digits) does not fit DuckDB's widest DECIMAL (38 digits)".to_string()),
        },
        DataType::Array(Elem::AngleBracket(inner) | Elem::SquareBracket(inner, _) | Elem::Parenthesis(inner)) => {
            DataType::Array(Elem::SquareBracket(Box::new(duckdb_type(inner)?), None))
        }
        DataType::Struct(fields, _) => {
            let mut out = Vec::with_capacity(fields.len());
            for field in fields {
                if field.field_name.is_none() {
                    return Err("a STRUCT with unnamed fields has no DuckDB equivalent".to_string());
                }
                let mut field = field.clone();
                field.field_type = duckdb_type(&field.field_type)?;
                field.options = None;
                out.push(field);
            }
            DataType::Struct(out, StructBracketKind::Parentheses)
        }
        other => return Err(format!("type `{other}` has no checked DuckDB equivalent")),
    })
}

/// NUMERIC is DECIMAL(38, 9); NUMERIC(P) is DECIMAL(P, 0); NUMERIC(P, S) is DECIMAL(P, S).
fn decimal(info: &ExactNumberInfo, default_integer_digits: u64, default_scale: u64) -> Result<DataType, String> {
    let (precision, scale) = match info {
        ExactNumberInfo::None => (default_integer_digits + default_scale, default_scale),
        ExactNumberInfo::Precision(p) => (*p, 0),
        ExactNumberInfo::PrecisionAndScale(p, s) => {
            (*p, u64::try_from(*s).map_err(|_| format!("negative scale {s} has no DuckDB equivalent"))?)
        }
    };
    if precision > 38 {
        return Err(format!("precision {precision} exceeds DuckDB's 38 digits"));
    }
    Ok(DataType::Decimal(ExactNumberInfo::PrecisionAndScale(precision, scale as i64)))
}

pub(super) fn cast(operand: &Expr, data_type: &DataType, safe: bool) -> Result<Expr, String> {
    let target = duckdb_type(data_type)?;
    let cast_kw = if safe { "TRY_CAST" } else { "CAST" };
    let plain = Expr::Cast {
        kind: if safe { CastKind::TryCast } else { CastKind::Cast },
        expr: Box::new(operand.clone()),
        data_type: target.clone(),
        format: None,
    };
    match target {
        DataType::BigInt(_) if !is_integer_literal(operand) => {
            // BigQuery rounds FLOAT64 half away from zero (DuckDB: half to even), and rejects a
            // string that is not an integer (DuckDB rounds '2.5'). `round` on a DOUBLE rounds half
            // away from zero; the other branches keep DuckDB's cast, which agrees elsewhere.
            let bad = if safe {
                "NULL".to_string()
            } else {
                "error('bad int64 value: ' || TRY_CAST(__a0 AS VARCHAR))".to_string()
            };
            templated_expr(
                &format!(
                    "CASE WHEN typeof(__a0) IN ('DOUBLE', 'FLOAT') \
                 THEN {cast_kw}(round(TRY_CAST(__a0 AS DOUBLE)) AS BIGINT) \
                 WHEN typeof(__a0) = 'VARCHAR' AND NOT regexp_full_match(TRY_CAST(__a0 AS VARCHAR), \
                 '\\s*[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)\\s*') THEN {bad} \
                 ELSE {cast_kw}(__a0 AS BIGINT) END"
                ),
                &[operand],
            )
        }
        DataType::Varchar(_) => {
            // DuckDB prints DECIMAL(38,9) with all nine decimals and whole DOUBLEs with `.0`;
            // BigQuery prints neither.
            templated_expr(
                &format!(
                    "CASE WHEN typeof(__a0) LIKE 'DECIMAL%' \
                 THEN regexp_replace({cast_kw}(__a0 AS VARCHAR), '(\\.[0-9]*[1-9])0+$|\\.0+$', '\\1') \
                 WHEN typeof(__a0) IN ('DOUBLE', 'FLOAT') THEN regexp_replace({cast_kw}(__a0 AS VARCHAR), '\\.0$', '') \
                 ELSE {cast_kw}(__a0 AS VARCHAR) END"
                ),
                &[operand],
            )
        }
        DataType::Timestamp(_, _) if matches!(data_type, DataType::Timestamp(_, _)) => {
            // A string's offset is applied by TIMESTAMPTZ and ignored by TIMESTAMP.
            templated_expr(&format!("{cast_kw}({cast_kw}(__a0 AS TIMESTAMPTZ) AS TIMESTAMP)"), &[operand])
        }
        _ => Ok(plain),
    }
}

#[cfg(test)]
mod tests {
    use crate::sql::bridge::test_support::*;

    #[test]
    fn type_names_in_casts() {
        for (bq, duck) in [
            ("CAST(1 AS INT64)", "BIGINT"),
            ("CAST(1 AS INT)", "BIGINT"),
            ("CAST(1 AS FLOAT64)", "DOUBLE"),
            ("CAST(1 AS NUMERIC)", "DECIMAL(38,9)"),
            ("CAST(1 AS DECIMAL)", "DECIMAL(38,9)"),
            ("CAST(1 AS NUMERIC(10, 2))", "DECIMAL(10,2)"),
            ("CAST(1 AS BIGNUMERIC(20, 4))", "DECIMAL(20,4)"),
            ("CAST('a' AS STRING)", "VARCHAR"),
            ("CAST(1 AS BOOL)", "BOOLEAN"),
            ("CAST('a' AS BYTES)", "BLOB"),
            ("CAST('2024-01-01' AS DATE)", "DATE"),
            ("CAST('2024-01-01 10:00:00' AS DATETIME)", "TIMESTAMP"),
            ("CAST('2024-01-01 10:00:00' AS TIMESTAMP)", "TIMESTAMP"),
            ("NUMERIC '1.5'", "DECIMAL(38,9)"),
            ("DATETIME '2024-01-01 10:00:00'", "TIMESTAMP"),
            ("1.5", "DOUBLE"),
        ] {
            assert_eq!(type_of(bq), duck, "{bq}");
        }
        let found = problems("CAST(x AS BIGNUMERIC)");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("BIGNUMERIC"), "{found:?}");
    }

    #[test]
    fn cast_to_int64_rounds_half_away_from_zero_for_every_input_type() {
        is("CAST(2.5 AS INT64)", "3");
        is("CAST(-2.5 AS INT64)", "-3");
        is("CAST(CAST(2.5 AS FLOAT64) AS INT64)", "3");
        is("CAST(CAST(-2.5 AS FLOAT64) AS INT64)", "-3");
        is("CAST(CAST(0.5 AS FLOAT64) AS INT64)", "1");
        is("CAST(CAST(2.4999999999999996 AS FLOAT64) AS INT64)", "2");
        is("CAST(NUMERIC '2.5' AS INT64)", "3");
        is("CAST(NUMERIC '-2.5' AS INT64)", "-3");
        is("CAST('12' AS INT64)", "12");
        is("CAST(' -12 ' AS INT64)", "-12");
        is("CAST(TRUE AS INT64)", "1");
        is("CAST(7 AS INT64)", "7");
        is_null("CAST(NULL AS INT64)");
        fails("CAST('2.5' AS INT64)", "bad int64 value");
        is_null("SAFE_CAST('2.5' AS INT64)");
        is("SAFE_CAST(CAST(2.5 AS FLOAT64) AS INT64)", "3");
        is_null("SAFE_CAST(CAST('nan' AS FLOAT64) AS INT64)");
        // A column of unknown type: the same translation serves every type.
        let got = run(
            "CREATE TABLE t AS SELECT 2.5::DOUBLE AS d, 2.5::DECIMAL(38,9) AS n, '3' AS s, 4 AS i",
            "SELECT CAST(d AS INT64), CAST(n AS INT64), CAST(s AS INT64), CAST(i AS INT64) FROM t",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["BigInt(3)|BigInt(3)|BigInt(3)|BigInt(4)"]);
    }

    #[test]
    fn casts_to_string_print_as_bigquery() {
        is("CAST(NUMERIC '1.50' AS STRING)", "1.5");
        is("CAST(NUMERIC '100' AS STRING)", "100");
        is("CAST(NUMERIC '0' AS STRING)", "0");
        is("CAST(CAST(1 AS FLOAT64) AS STRING)", "1");
        is("CAST(0.25 AS STRING)", "0.25");
        is("CAST(100 AS STRING)", "100");
        is("CAST(TRUE AS STRING)", "true");
        is("CAST(DATE '2024-01-05' AS STRING)", "2024-01-05");
    }
}
