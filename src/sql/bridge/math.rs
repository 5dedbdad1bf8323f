//! Arithmetic: division, `^`, integer literals that must stay INT64, and the math functions
//! (`SAFE_DIVIDE`, `DIV`, `MOD`, `SQRT`, `LOG`, `POW`, `ROUND`, `GREATEST`, …).

use super::call::{renamed, Call, Family};
use super::rewrite::{template, templated, Rewrite};
use sqlparser::ast::{BinaryOperator, Expr, UnaryOperator, Value};

/// The math functions: BigQuery's errors and NULLs where DuckDB would return another value.
pub(super) fn math_function(call: &Call) -> Family {
    let Call { function, name, args: a } = *call;
    Ok(Some(match name {
        // BigQuery: NULL if any argument is NULL. DuckDB's greatest/least skip NULLs.
        "GREATEST" | "LEAST" => {
            if a.is_empty() {
                return Err(format!("{name} without arguments"));
            }
            let vars: Vec<String> = (0..a.len()).map(|i| format!("__a{i}")).collect();
            let any_null = vars.iter().map(|v| format!("{v} IS NULL")).collect::<Vec<_>>().join(" OR ");
            let text =
                format!("CASE WHEN {any_null} THEN NULL ELSE {}({}) END", name.to_ascii_lowercase(), vars.join(", "));
            templated(&text, a)
        }
        "SAFE_DIVIDE" => {
            call.arity(&[2])?;
            templated("CASE WHEN __a1 = 0 THEN NULL ELSE __a0 / __a1 END", a)
        }
        "IEEE_DIVIDE" => {
            call.arity(&[2])?;
            templated("CAST(__a0 AS DOUBLE) / CAST(__a1 AS DOUBLE)", a)
        }
        // DuckDB's `//` truncates towards zero and stops on a zero divisor, as DIV does.
        "DIV" => {
            call.arity(&[2])?;
            templated("(__a0 // __a1)", a)
        }
        "MOD" => {
            call.arity(&[2])?;
            templated("mod(__a0, __a1)", a)
        }
        // BigQuery stops with an error outside the domain; DuckDB returns NaN or infinity.
        "SQRT" => {
            call.arity(&[1])?;
            templated("CASE WHEN __a0 < 0 THEN error('argument of SQRT is negative') ELSE sqrt(__a0) END", a)
        }
        // LOG(x) is the natural logarithm in BigQuery and base 10 in DuckDB.
        "LN" | "LOG" | "LOG10" => {
            let text = match (name, a.len()) {
                ("LN" | "LOG", 1) => {
                    "CASE WHEN __a0 <= 0 THEN error('argument of LN is not positive') ELSE ln(__a0) END"
                }
                ("LOG10", 1) => {
                    "CASE WHEN __a0 <= 0 THEN error('argument of LOG10 is not positive') ELSE log10(__a0) END"
                }
                // LOG(x, base); DuckDB's two-argument log takes the base first.
                ("LOG", 2) => {
                    "CASE WHEN __a0 <= 0 OR __a1 <= 0 OR __a1 = 1 THEN error('invalid argument of LOG') \
                     ELSE log(__a1, __a0) END"
                }
                _ => return Err(format!("{name} with {} arguments is not translated", a.len())),
            };
            templated(text, a)
        }
        "POW" | "POWER" => {
            call.arity(&[2])?;
            templated(
                "CASE WHEN __a0 = 0 AND __a1 < 0 THEN error('POW of zero to a negative power') \
                 WHEN __a0 < 0 AND __a1 <> floor(__a1) THEN error('POW of a negative number to a fractional power') \
                 ELSE pow(__a0, __a1) END",
                a,
            )
        }
        // ROUND(x, n, mode) has no DuckDB equivalent; with one or two arguments both round half away from zero.
        "ROUND" | "TRUNC" => {
            call.arity(&[1, 2])?;
            Ok(Some(renamed(function, &name.to_ascii_lowercase())))
        }
        _ => return Ok(None),
    }))
}

pub(super) fn binary(left: &mut Expr, op: &BinaryOperator, right: &mut Expr) -> Rewrite {
    match op {
        BinaryOperator::Divide => {
            // BigQuery stops with an error on a zero divisor; DuckDB returns inf or NULL.
            if nonzero_number(right) {
                return Ok(None);
            }
            templated("CASE WHEN __a1 = 0 THEN error('division by zero') ELSE __a0 / __a1 END", &[left, right])
        }
        // `^` is XOR in BigQuery and power in DuckDB.
        BinaryOperator::BitwiseXor => templated("xor(__a0, __a1)", &[left, right]),
        // BigQuery integer literals are INT64; DuckDB types small ones INTEGER, and INTEGER
        // arithmetic overflows at 2^31 (`100000 * 100000` fails). Plus and minus are widened only
        // between two literals: `d - 1` may be BigQuery's DATE minus days, which DuckDB accepts
        // with an INTEGER and rejects with a BIGINT; the engine's own columns are BIGINT already.
        BinaryOperator::Plus | BinaryOperator::Minus | BinaryOperator::Multiply | BinaryOperator::Modulo => {
            let both = is_integer_literal(left) && is_integer_literal(right);
            if both || matches!(op, BinaryOperator::Multiply | BinaryOperator::Modulo) {
                for side in [left, right] {
                    if is_integer_literal(side) {
                        let literal = side.clone();
                        *side = template("CAST(__a0 AS BIGINT)", &[&literal])?;
                    }
                }
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

pub(super) fn is_integer_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Nested(inner) => is_integer_literal(inner),
        Expr::UnaryOp { op: UnaryOperator::Minus | UnaryOperator::Plus, expr } => is_integer_literal(expr),
        Expr::Value(v) => matches!(&v.value, Value::Number(n, _) if n.chars().all(|c| c.is_ascii_digit())),
        _ => false,
    }
}

fn nonzero_number(expr: &Expr) -> bool {
    match expr {
        Expr::Nested(inner) => nonzero_number(inner),
        Expr::UnaryOp { op: UnaryOperator::Minus | UnaryOperator::Plus, expr } => nonzero_number(expr),
        Expr::Value(v) => matches!(&v.value, Value::Number(n, _) if n.parse::<f64>().is_ok_and(|x| x != 0.0)),
        Expr::Cast { expr, .. } => nonzero_number(expr),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::sql::bridge::test_support::*;

    #[test]
    fn division_by_zero_is_an_error() {
        fails("1 / 0", "division by zero");
        fails("1.5 / 0", "division by zero");
        fails("CAST(1 AS FLOAT64) / CAST(0 AS FLOAT64)", "division by zero");
        is("1 / 2", "0.5");
        is_null("1 / NULL");
        is("DIV(-7, 2)", "-3");
        fails("DIV(1, 0)", "Division by zero");
        fails("MOD(1, 0)", "Division by zero");
        is("MOD(-5, 3)", "-2");
        is("IEEE_DIVIDE(1, 0)", "inf");
        // A literal divisor that is not zero needs no guard.
        assert_eq!(translate("x / 100"), "x / 100");
        let got = run(
            "CREATE TABLE t AS SELECT * FROM (VALUES (4, 2), (1, 0)) v(a, b)",
            "SELECT a / b FROM t WHERE b <> 0",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["Double(2.0)"]);
    }

    #[test]
    fn arguments_keep_their_grouping_inside_the_translation() {
        // The translation puts each argument inside an operator of its own: an argument that
        // is itself an operation must stay one operand (`(-1 + 1) / 2`, not `-1 + 1 / 2`).
        is("SAFE_DIVIDE(-1 + 1, 2)", "0.0");
        is("SAFE_DIVIDE(6, 1 + 2)", "2.0");
        is("DIV(-1 + 1, 2)", "0");
        is("DIV(7, 1 + 2)", "2");
        is("(1 + 1) / (3 - 1)", "1.0");
        is("IEEE_DIVIDE(1 + 1, 4)", "0.5");
    }

    #[test]
    fn integer_literals_are_int64() {
        is("100000 * 100000", "10000000000");
        is("2147483647 + 1", "2147483648");
        assert_eq!(type_of("1 + 1"), "BIGINT");
        // DATE minus days keeps working: DuckDB has DATE - INTEGER, not DATE - BIGINT.
        is("DATE '2024-01-10' - 1", "2024-01-09");
    }

    #[test]
    fn null_propagation_and_math() {
        is_null("GREATEST(1, NULL)");
        is_null("LEAST(NULL, 1)");
        is("GREATEST(1, 3, 2)", "3");
        is("IF(1 > 2, 'a', 'b')", "b");
        is("IF(NULL, 'a', 'b')", "b");
        let ln100 = value("LOG(100)").expect("a value");
        assert!(ln100.starts_with("4.605"), "{ln100}");
        is("LOG(8, 2)", "3.0");
        is("LOG10(100)", "2.0");
        fails("SQRT(-1)", "negative");
        fails("LN(0)", "not positive");
        fails("POW(0, -1)", "negative power");
        is("POW(2, 10)", "1024.0");
        is("ROUND(2.5)", "3.0");
        is("ROUND(-2.5)", "-3.0");
        is("6 ^ 3", "5");
    }
}
