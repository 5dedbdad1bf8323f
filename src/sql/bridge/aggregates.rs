//! Aggregates that DuckDB has with other results or clauses: `COUNTIF`, `ARRAY_AGG`,
//! `STRING_AGG`.

use super::call::{renamed, single_arg};
use super::rewrite::{template, Rewrite};
use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentClause, FunctionArguments, NullTreatment,
};

pub(super) fn countif(function: &Function) -> Rewrite {
    // DuckDB's count_if is NULL over all-NULL input and a HUGEINT; BigQuery's COUNTIF is 0 and INT64.
    let Some(condition) = single_arg(function) else {
        return Err("this call of COUNTIF is not translated".to_string());
    };
    let mut out = template("count(*) FILTER (WHERE __a0)", &[&condition])?;
    if let Expr::Function(f) = &mut out {
        f.over = function.over.clone();
        if let Some(existing) = &function.filter {
            f.filter = Some(Box::new(template("(__a0) AND (__a1)", &[existing, &condition])?));
        }
    }
    Ok(Some(out))
}

pub(super) fn ordered_aggregate(function: &mut Function, name: &str) -> Rewrite {
    let FunctionArguments::List(list) = &mut function.args else {
        return Err(format!("this call of {name} is not translated"));
    };
    let mut ignore_nulls = matches!(function.null_treatment, Some(NullTreatment::IgnoreNulls));
    let mut clauses = Vec::new();
    for clause in std::mem::take(&mut list.clauses) {
        match clause {
            FunctionArgumentClause::OrderBy(_) => clauses.push(clause),
            FunctionArgumentClause::IgnoreOrRespectNulls(NullTreatment::IgnoreNulls) => ignore_nulls = true,
            FunctionArgumentClause::IgnoreOrRespectNulls(NullTreatment::RespectNulls) => {}
            other => {
                let text = other.to_string();
                list.clauses = clauses;
                return Err(format!("{name}(… {text}) is not translated"));
            }
        }
    }
    list.clauses = clauses;
    function.null_treatment = None;
    if ignore_nulls {
        // DuckDB accepts IGNORE NULLS on window functions only; a filter drops the same rows.
        let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(value))) = list.args.first() else {
            return Err(format!("this call of {name} is not translated"));
        };
        let not_null = template("__a0 IS NOT NULL", &[value])?;
        function.filter = Some(Box::new(match function.filter.take() {
            Some(existing) => template("(__a0) AND __a1", &[&existing, &not_null])?,
            None => not_null,
        }));
    }
    Ok(Some(renamed(function, &name.to_ascii_lowercase())))
}

#[cfg(test)]
mod tests {
    use crate::sql::bridge::test_support::*;

    #[test]
    fn countif_is_zero_and_bigint_over_all_null_rows() {
        let got = run(
            "CREATE TABLE t AS SELECT CAST(NULL AS BOOLEAN) AS c FROM range(3)",
            "SELECT COUNTIF(c) AS n, COUNTIF(c IS NULL) AS m FROM t",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["BigInt(0)|BigInt(3)"]);
        let got = run(
            "CREATE TABLE t AS SELECT CAST(NULL AS BOOLEAN) AS c",
            "CREATE TABLE r AS SELECT COUNTIF(c) AS n FROM t",
            "SELECT typeof(n) FROM r",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["BIGINT"]);
    }

    #[test]
    fn aggregate_result_types_keep_bigquery_values() {
        // SUM of INT64: DuckDB's HUGEINT holds the same value (the type family is INT64).
        let got = run(
            "CREATE TABLE t AS SELECT * FROM (VALUES (1::BIGINT), (2::BIGINT)) v(x)",
            "SELECT SUM(x), AVG(x) FROM t",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["HugeInt(3)|Double(1.5)"]);
        // AVG of NUMERIC: BigQuery 1.666666667 (NUMERIC), DuckDB a DOUBLE within 1e-9 of it.
        let got = run(
            "CREATE TABLE t AS SELECT * FROM (VALUES (1), (2), (2)) v(x)",
            "SELECT AVG(CAST(x AS NUMERIC)) FROM t",
            "",
            &bigquery(),
        );
        let avg: f64 = got[0][0]
            .as_deref()
            .and_then(|s| s.strip_prefix("Double("))
            .and_then(|s| s.strip_suffix(')'))
            .and_then(|s| s.parse().ok())
            .expect("a DOUBLE");
        assert!((avg - 1.666666667).abs() < 1e-9, "{avg}");
        // NUMERIC * NUMERIC past 1e20: DuckDB's DECIMAL(38,18) stops with an error rather than
        // returning another value; the engine sees a failed run, never a wrong number.
        fails("CAST(123456789012345678901 AS NUMERIC) * CAST(10 AS NUMERIC)", "Overflow");
        is("CAST(1.5 AS NUMERIC) * CAST(2.5 AS NUMERIC)", "3.750000000000000000");
    }

    #[test]
    fn aggregates_keep_their_clauses() {
        let setup = "CREATE TABLE t AS SELECT * FROM (VALUES (2, 'b'), (NULL, NULL), (1, 'a')) v(x, y)";
        let got = run(setup, "SELECT ARRAY_AGG(x IGNORE NULLS ORDER BY x DESC) FROM t", "", &bigquery());
        assert_eq!(texts(&got), ["List([Int(2), Int(1)])"]);
        let got = run(setup, "SELECT STRING_AGG(DISTINCT y) FROM t", "", &bigquery());
        assert!(texts(&got) == ["a,b"] || texts(&got) == ["b,a"], "{got:?}");
        assert_eq!(problems("ARRAY_AGG(x LIMIT 2)").len(), 1);
        let got = run(setup, "SELECT COUNTIF(x > 1) OVER () FROM t LIMIT 1", "", &bigquery());
        assert_eq!(texts(&got), ["BigInt(1)"]);
    }
}
