//! Function calls: those DuckDB has under the same name, and the dispatch of the others to the
//! rewrites of their family (aggregates, math, strings, regular expressions, dates).

use super::aggregates::{countif, ordered_aggregate};
use super::call::{plain_args, renamed, upper_name, Call, Family};
use super::dates::{date_function, run_time};
use super::math::math_function;
use super::rewrite::{templated, Rewrite};
use super::strings::{regexp_function, string_function};
use sqlparser::ast::{Expr, Function, FunctionArgumentClause, FunctionArguments, ObjectName, ObjectNamePart};

/// BigQuery functions that DuckDB has under the same name with the same meaning for every input
/// BigQuery accepts. Anything not here and not rewritten below is reported: a function we have
/// not checked is not assumed to agree.
const SAME_IN_DUCKDB: &[&str] = &[
    "ABS",
    "COALESCE",
    "NULLIF",
    "LOWER",
    "UPPER",
    "REPLACE",
    "REVERSE",
    "STARTS_WITH",
    "ENDS_WITH",
    "STRPOS",
    "LENGTH",
    "CHAR_LENGTH",
    "CHARACTER_LENGTH",
    "ARRAY_LENGTH",
    "FLOOR",
    "CEIL",
    "CEILING",
    "COUNT",
    "MIN",
    "MAX",
    "AVG",
    "SUM",
    "ANY_VALUE",
    "STDDEV",
    "STDDEV_SAMP",
    "STDDEV_POP",
    "VARIANCE",
    "VAR_SAMP",
    "VAR_POP",
    "CORR",
    "COVAR_POP",
    "COVAR_SAMP",
    "BIT_AND",
    "BIT_OR",
    "BIT_XOR",
    "ROW_NUMBER",
    "RANK",
    "DENSE_RANK",
    "PERCENT_RANK",
    "CUME_DIST",
    "NTILE",
    "LAG",
    "LEAD",
    "FIRST_VALUE",
    "LAST_VALUE",
    "NTH_VALUE",
];

/// Names that only mark an argument for the enclosing construct (`WEEK(MONDAY)` in a date part,
/// `OFFSET(0)` in a subscript); the enclosing construct translates or reports them.
const ARGUMENT_MARKERS: &[&str] = &["WEEK", "OFFSET", "SAFE_OFFSET", "ORDINAL", "SAFE_ORDINAL"];

pub(super) fn duckdb_function(function: &Function) -> Rewrite {
    let Some(name) = upper_name(function) else { return Ok(None) };
    let no_args = plain_args(function).is_some_and(|a| a.is_empty());
    match name.as_str() {
        "CURRENT_TIMESTAMP"
        | "NOW"
        | "GET_CURRENT_TIMESTAMP"
        | "TRANSACTION_TIMESTAMP"
        | "LOCALTIMESTAMP"
        | "CURRENT_LOCALTIMESTAMP"
            if no_args =>
        {
            run_time("TIMESTAMP")
        }
        "CURRENT_DATE" | "TODAY" if no_args => run_time("DATE"),
        "CURRENT_TIME" | "LOCALTIME" if no_args => run_time("TIME"),
        _ => Ok(None),
    }
}

/// `SAFE.f(…)`: BigQuery's f, NULL where f would fail. Translated as f is, inside DuckDB's
/// `try(…)` (NULL on an error); an aggregate or window call is not (`try` takes neither).
/// `None` for any other name.
fn safe_prefixed(function: &Function) -> Option<Rewrite> {
    let [ObjectNamePart::Identifier(prefix), ObjectNamePart::Identifier(name)] = function.name.0.as_slice() else {
        return None;
    };
    if !prefix.value.eq_ignore_ascii_case("SAFE") {
        return None;
    }
    if function.over.is_some() || crate::sql::expr::is_aggregate_function(&name.value) {
        return Some(Err(format!("SAFE.{} of an aggregate or window is not translated", name.value)));
    }
    let mut inner = function.clone();
    inner.name = ObjectName(vec![ObjectNamePart::Identifier(name.clone())]);
    let translated = match bigquery_function(&mut inner) {
        Ok(Some(expr)) => expr,
        Ok(None) => Expr::Function(inner),
        Err(why) => return Some(Err(why)),
    };
    Some(templated("try(__a0)", &[&translated]))
}

/// A BigQuery function call: kept when DuckDB has the function, else rewritten by its family, or
/// reported.
pub(super) fn bigquery_function(function: &mut Function) -> Rewrite {
    if let Some(rewrite) = safe_prefixed(function) {
        return rewrite;
    }
    let Some(name) = upper_name(function) else {
        return Err(format!("function `{}` is user-defined or qualified; it is not translated", function.name));
    };
    if SAME_IN_DUCKDB.contains(&name.as_str()) {
        return same_function(function, &name);
    }
    if ARGUMENT_MARKERS.contains(&name.as_str()) {
        return Ok(None);
    }
    match name.as_str() {
        "LOGICAL_AND" => return Ok(Some(renamed(function, "bool_and"))),
        "LOGICAL_OR" => return Ok(Some(renamed(function, "bool_or"))),
        "IFNULL" => return Ok(Some(renamed(function, "coalesce"))),
        "COUNTIF" => return countif(function),
        "ARRAY_AGG" | "STRING_AGG" => return ordered_aggregate(function, &name),
        _ => {}
    }
    if function.over.is_some() || function.filter.is_some() {
        return Err(format!("{name} … OVER is not translated"));
    }
    let Some(args) = plain_args(function) else {
        return Err(format!("this call of {name} is not translated"));
    };
    let a: Vec<&Expr> = args.iter().collect();
    let call = Call { function, name: &name, args: &a };
    let families: [fn(&Call) -> Family; 6] =
        [conditional_function, math_function, string_function, regexp_function, date_function, random_function];
    for family in families {
        if let Some(rewrite) = family(&call)? {
            return rewrite;
        }
    }
    Err(format!("BigQuery function {name} has no checked DuckDB translation"))
}

/// `IF`, as a `CASE`.
fn conditional_function(call: &Call) -> Family {
    let Call { name, args: a, .. } = *call;
    Ok(Some(match name {
        "IF" => {
            call.arity(&[3])?;
            templated("CASE WHEN __a0 THEN __a1 ELSE __a2 END", a)
        }
        _ => return Ok(None),
    }))
}

/// `GENERATE_UUID` and `RAND`.
fn random_function(call: &Call) -> Family {
    let Call { name, .. } = *call;
    Ok(Some(match name {
        // Random in both engines: BigQuery returns the UUID as a STRING.
        "GENERATE_UUID" => {
            call.arity(&[0])?;
            templated("CAST(uuid() AS VARCHAR)", &[])
        }
        "RAND" => {
            call.arity(&[0])?;
            templated("random()", &[])
        }
        _ => return Ok(None),
    }))
}

/// A function DuckDB has with the same meaning; its argument clauses still need checking.
fn same_function(function: &mut Function, name: &str) -> Rewrite {
    if let FunctionArguments::List(list) = &function.args {
        for clause in &list.clauses {
            match clause {
                FunctionArgumentClause::IgnoreOrRespectNulls(_) | FunctionArgumentClause::OrderBy(_) => {}
                other => return Err(format!("{name}(… {other}) is not translated")),
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use crate::sql::bridge::test_support::*;

    #[test]
    fn safe_cast_safe_divide_ifnull_logical_and() {
        is_null("SAFE_CAST('x' AS INT64)");
        is("SAFE_CAST('12' AS INT64)", "12");
        is_null("SAFE_DIVIDE(1, 0)");
        is("SAFE_DIVIDE(1, 2)", "0.5");
        is("IFNULL(NULL, 2)", "2");
        let got =
            run("", "SELECT LOGICAL_AND(x), LOGICAL_OR(x) FROM UNNEST([true, false, NULL]) AS x", "", &bigquery());
        assert_eq!(texts(&got), ["Boolean(false)|Boolean(true)"]);
    }

    #[test]
    fn generate_uuid_is_a_random_string() {
        is("LENGTH(GENERATE_UUID())", "36");
        assert_eq!(type_of("GENERATE_UUID()"), "VARCHAR");
    }

    #[test]
    fn unknown_and_non_faithful_functions_are_reported() {
        for text in
            ["CONTAINS_SUBSTR(a, 'x')", "TO_JSON_STRING(a)", "FORMAT('%d', a)", "ROUND(x, 2, 'ROUND_HALF_EVEN')"]
        {
            assert_eq!(problems(text).len(), 1, "{text}");
        }
    }
}
