//! A grammar of BigQuery SQL, as proptest strategies: expressions and queries built recursively
//! from the constructs the dialect bridge translates (SAFE_DIVIDE, REGEXP_*, FORMAT_DATE,
//! DATE_TRUNC, the TIMESTAMP functions, CAST and SAFE_CAST, STRUCT and ARRAY, window functions,
//! QUALIFY), statements (queries with CTEs and set operations, MERGE, CREATE TABLE AS, INSERT,
//! DELETE), odd identifiers (backticks, unicode, reserved words) and long chains that nest
//! hundreds of levels deep.
//!
//! Everything [`query`] and [`script`] produce is valid BigQuery that sqlparser's BigQuery
//! dialect is meant to read; [`chain`] may nest past the parser's bounds on purpose.

use proptest::prelude::*;
use proptest::sample::select;

/// Column names as generated code writes them: plain, qualified, backtick-quoted, unicode,
/// reserved words in backticks.
fn column() -> impl Strategy<Value = String> {
    select(vec![
        "order_id",
        "customer_id",
        "amount",
        "email",
        "status",
        "created_at",
        "order_ts",
        "currency",
        "o.order_id",
        "c.customer_id",
        "t.total_amount",
        "`select`",
        "`from`",
        "`naïve col`",
        "`顧客`",
        "`a``b`",
        "_x1",
        "A_MiXeD_CaSe",
        "`raw.commerce_orders`.order_id",
    ])
    .prop_map(str::to_string)
}

/// Tables as generated code names them.
pub fn table() -> impl Strategy<Value = String> {
    select(vec![
        "`raw.commerce_orders`",
        "raw.commerce_orders",
        "`raw`.`crm_customers`",
        "raw.crm_addresses",
        "`raw.fx_rates`",
        "`proj.raw.support_tickets`",
        "temp.stg_orders",
        "`analytics.fact_customer_orders`",
        "unknown_table",
        "`ü_table`",
    ])
    .prop_map(str::to_string)
}

fn string_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "''",
            "'a'",
            "'it\\'s'",
            "\"double\"",
            "r'^1?[0-9]{10}$'",
            "r'[^0-9]'",
            "'\\n\\t'",
            "'%Y-%m-%d'",
            "'ünï😀'",
            "'${not_a_template}'",
            "'{{ nor_this }}'",
            "'-- not a comment'",
            "'''triple'''",
            "b'bytes'",
        ])
        .prop_map(str::to_string),
        "[a-zA-Z0-9 _.%-]{0,12}".prop_map(|s| format!("'{s}'")),
    ]
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..1_000_000).prop_map(|n| n.to_string()),
        select(vec![
            "0",
            "-1",
            "1.5",
            "1e10",
            "9223372036854775807",
            "NULL",
            "TRUE",
            "FALSE",
            "0.000001",
            "123456789012345678901234567890",
            "DATE '2024-01-31'",
            "TIMESTAMP '2024-06-30 12:00:00'",
            "DATETIME '2024-06-30 12:00:00'",
            "NUMERIC '1.25'",
            "BIGNUMERIC '2.5'",
            "INTERVAL 1 DAY",
            "JSON '{\"a\": 1}'",
        ])
        .prop_map(str::to_string),
        string_literal(),
    ]
}

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![3 => column(), 2 => literal()]
}

const TYPES: &[&str] = &[
    "INT64",
    "STRING",
    "NUMERIC",
    "BIGNUMERIC",
    "FLOAT64",
    "BOOL",
    "DATE",
    "TIMESTAMP",
    "DATETIME",
    "BYTES",
    "ARRAY<INT64>",
    "STRUCT<a INT64, b STRING>",
    "NUMERIC(10, 2)",
];
const DATE_PARTS: &[&str] = &["DAY", "WEEK", "MONTH", "QUARTER", "YEAR", "ISOWEEK", "WEEK(MONDAY)"];
const TIME_PARTS: &[&str] = &["MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY"];
// `<<` and `>>` are valid BigQuery that sqlparser 0.63's BigQuery dialect does not read (found by
// this harness; docs/fuzzing.md): left out until the parser takes them.
const BINARY: &[&str] = &["+", "-", "*", "/", "||", "AND", "OR", "=", "<>", "!=", "<", "<=", ">", ">=", "&", "|", "^"];

/// A window specification: partitions, an order and sometimes a frame.
fn window(e: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    (
        proptest::option::of(e.clone()),
        proptest::option::of((e, select(vec!["", " ASC", " DESC", " DESC NULLS LAST", " ASC NULLS FIRST"]))),
        select(vec![
            "",
            " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
            " ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING",
            " RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING",
        ]),
    )
        .prop_map(|(partition, order, frame)| {
            let mut w = String::from("(");
            if let Some(p) = partition {
                w.push_str(&format!("PARTITION BY {p} "));
            }
            match order {
                Some((o, dir)) => w.push_str(&format!("ORDER BY {o}{dir}{frame}")),
                None => w.push_str(frame.trim_start()),
            }
            w.push(')');
            w
        })
}

/// One step of the expression grammar, given a strategy for the operands.
fn compound(e: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    let t = || select(TYPES.to_vec());
    prop_oneof![
        (e.clone(), select(BINARY.to_vec()), e.clone()).prop_map(|(a, op, b)| format!("{a} {op} {b}")),
        e.clone().prop_map(|a| format!("({a})")),
        e.clone().prop_map(|a| format!("NOT {a}")),
        // The space keeps `- -1` from becoming `--1`, a comment.
        e.clone().prop_map(|a| format!("- {a}")),
        e.clone().prop_map(|a| format!("{a} IS NULL")),
        e.clone().prop_map(|a| format!("{a} IS NOT NULL")),
        // BETWEEN's bounds bind tighter than IS, IN, LIKE or a comparison: BigQuery needs the
        // parentheses as much as the parser does.
        (e.clone(), e.clone(), e.clone()).prop_map(|(a, b, c)| format!("{a} BETWEEN ({b}) AND ({c})")),
        // The list starts with a literal: `IN ((SELECT …), b)` reads as `IN (<query>)` to
        // sqlparser (docs/fuzzing.md).
        (e.clone(), literal(), proptest::collection::vec(e.clone(), 0..3)).prop_map(|(a, first, l)| format!(
            "{a} IN ({first}{})",
            l.iter().map(|x| format!(", {x}")).collect::<String>()
        )),
        (e.clone(), string_literal()).prop_map(|(a, p)| format!("{a} LIKE {p}")),
        (proptest::collection::vec((e.clone(), e.clone()), 1..4), proptest::option::of(e.clone())).prop_map(
            |(whens, otherwise)| {
                let mut s = String::from("CASE");
                for (w, t) in whens {
                    s.push_str(&format!(" WHEN {w} THEN {t}"));
                }
                if let Some(o) = otherwise {
                    s.push_str(&format!(" ELSE {o}"));
                }
                s + " END"
            }
        ),
        (e.clone(), proptest::collection::vec((e.clone(), e.clone()), 1..3)).prop_map(|(x, arms)| {
            let arms: Vec<String> = arms.into_iter().map(|(w, t)| format!(" WHEN {w} THEN {t}")).collect();
            format!("CASE {x}{} END", arms.concat())
        }),
        (e.clone(), e.clone()).prop_map(|(a, b)| format!("SAFE_DIVIDE({a}, {b})")),
        (e.clone(), string_literal()).prop_map(|(a, p)| format!("REGEXP_CONTAINS({a}, {p})")),
        (e.clone(), string_literal(), e.clone()).prop_map(|(a, p, r)| format!("REGEXP_REPLACE({a}, {p}, {r})")),
        (e.clone(), select(vec!["r'([0-9]+)'", "r'[a-z]+'", "'(a)(b)'", "r'x'"]))
            .prop_map(|(a, p)| format!("REGEXP_EXTRACT({a}, {p})")),
        (e.clone(), string_literal()).prop_map(|(a, p)| format!("REGEXP_EXTRACT_ALL({a}, {p})")),
        (select(vec!["'%Y-%m'", "'%F'", "'%d/%m/%Y'", "'%A %b'", "'%Q'", "'%E4Y'"]), e.clone())
            .prop_map(|(f, d)| format!("FORMAT_DATE({f}, {d})")),
        (select(vec!["'%Y-%m-%d %H:%M:%S'", "'%F %T'", "'%s'"]), e.clone())
            .prop_map(|(f, d)| format!("FORMAT_TIMESTAMP({f}, {d})")),
        (select(vec!["'%Y-%m-%d'", "'%d/%m/%Y'"]), e.clone()).prop_map(|(f, d)| format!("PARSE_DATE({f}, {d})")),
        (e.clone(), select(DATE_PARTS.to_vec())).prop_map(|(d, p)| format!("DATE_TRUNC({d}, {p})")),
        (e.clone(), select(TIME_PARTS.to_vec())).prop_map(|(d, p)| format!("TIMESTAMP_TRUNC({d}, {p})")),
        (e.clone(), e.clone(), select(TIME_PARTS.to_vec()))
            .prop_map(|(a, b, p)| format!("TIMESTAMP_DIFF({a}, {b}, {p})")),
        (e.clone(), e.clone(), select(DATE_PARTS.to_vec())).prop_map(|(a, b, p)| format!("DATE_DIFF({a}, {b}, {p})")),
        (
            select(vec!["DATE_ADD", "DATE_SUB", "TIMESTAMP_ADD", "TIMESTAMP_SUB", "DATETIME_ADD"]),
            e.clone(),
            e.clone(),
            select(TIME_PARTS.to_vec())
        )
            .prop_map(|(f, a, n, p)| format!("{f}({a}, INTERVAL {n} {p})")),
        (select(vec!["YEAR", "MONTH", "DAY", "DAYOFWEEK", "HOUR", "DATE", "ISOWEEK"]), e.clone())
            .prop_map(|(p, a)| format!("EXTRACT({p} FROM {a})")),
        (
            select(vec![
                "TIMESTAMP",
                "DATE",
                "DATETIME",
                "TIMESTAMP_SECONDS",
                "TIMESTAMP_MILLIS",
                "UNIX_SECONDS",
                "UNIX_DATE"
            ]),
            e.clone()
        )
            .prop_map(|(f, a)| format!("{f}({a})")),
        (select(vec!["CAST", "SAFE_CAST"]), e.clone(), t()).prop_map(|(f, a, ty)| format!("{f}({a} AS {ty})")),
        (
            select(vec![
                "COALESCE",
                "IFNULL",
                "NULLIF",
                "CONCAT",
                "GREATEST",
                "LEAST",
                "ROUND",
                "TRUNC",
                "MOD",
                "POW",
                "STRPOS",
                "STARTS_WITH",
                "ENDS_WITH",
                "LEFT",
                "RIGHT",
                "SUBSTR",
                "SPLIT",
                "IEEE_DIVIDE",
                "DIV",
            ]),
            e.clone(),
            e.clone()
        )
            .prop_map(|(f, a, b)| format!("{f}({a}, {b})")),
        (
            select(vec![
                "LOWER",
                "UPPER",
                "TRIM",
                "LTRIM",
                "RTRIM",
                "LENGTH",
                "CHAR_LENGTH",
                "ABS",
                "SIGN",
                "SQRT",
                "LN",
                "FLOOR",
                "CEIL",
                "TO_JSON_STRING",
                "ARRAY_LENGTH",
                "REVERSE",
                "INITCAP",
                "FARM_FINGERPRINT",
                "MD5",
                "TO_HEX",
                "GENERATE_UUID",
                "ASCII",
                "UNICODE",
                "BYTE_LENGTH",
                "LAST_DAY",
            ]),
            e.clone()
        )
            .prop_map(|(f, a)| format!("{f}({a})")),
        (e.clone(), e.clone(), e.clone()).prop_map(|(c, a, b)| format!("IF({c}, {a}, {b})")),
        (e.clone(), e.clone()).prop_map(|(a, b)| format!("STRUCT({a} AS x, {b})")),
        (e.clone(), e.clone()).prop_map(|(a, b)| format!("STRUCT<x INT64, y STRING>({a}, {b})")),
        proptest::collection::vec(e.clone(), 0..4).prop_map(|l| format!("[{}]", l.join(", "))),
        proptest::collection::vec(e.clone(), 1..4).prop_map(|l| format!("ARRAY<INT64>[{}]", l.join(", "))),
        // A subscript binds tighter than any operator: the operand is parenthesised.
        (e.clone(), 0u8..3).prop_map(|(a, i)| format!("({a})[OFFSET({i})]")),
        (e.clone(), 0u8..3).prop_map(|(a, i)| format!("({a})[SAFE_OFFSET({i})]")),
        (
            select(vec!["SUM", "AVG", "MIN", "MAX", "COUNT", "ANY_VALUE", "ARRAY_AGG", "LOGICAL_AND", "STDDEV"]),
            e.clone()
        )
            .prop_map(|(f, a)| format!("{f}({a})")),
        e.clone().prop_map(|a| format!("COUNT(DISTINCT {a})")),
        e.clone().prop_map(|a| format!("COUNTIF({a})")),
        (e.clone(), string_literal()).prop_map(|(a, s)| format!("STRING_AGG({a}, {s})")),
        (e.clone(), e.clone()).prop_map(|(a, o)| format!("ARRAY_AGG({a} IGNORE NULLS ORDER BY {o} LIMIT 3)")),
        (select(vec!["ROW_NUMBER()", "RANK()", "DENSE_RANK()", "COUNT(*)", "PERCENT_RANK()"]), window(e.clone()))
            .prop_map(|(f, w)| format!("{f} OVER {w}")),
        (select(vec!["LAG", "LEAD", "FIRST_VALUE", "LAST_VALUE", "SUM", "AVG", "MAX"]), e.clone(), window(e.clone()))
            .prop_map(|(f, a, w)| format!("{f}({a}) OVER {w}")),
        (e.clone(), e.clone(), window(e.clone())).prop_map(|(a, d, w)| format!("LAG({a}, 1, {d}) OVER {w}")),
    ]
}

/// An expression of bounded depth (the parser's recursion limit is far away).
pub fn expr() -> BoxedStrategy<String> {
    leaf()
        .prop_recursive(4, 40, 4, |inner| {
            let inner = inner.boxed();
            prop_oneof![
                8 => compound(inner.clone()),
                1 => subquery_expr(inner),
            ]
        })
        .boxed()
}

/// Expressions that hold a query: scalar subqueries, EXISTS, IN (subquery), ARRAY(subquery).
fn subquery_expr(e: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    (select(vec!["({q})", "EXISTS ({q})", "{e} IN ({q})", "ARRAY({q})", "{e} NOT IN ({q})"]), e.clone(), table(), e)
        .prop_map(|(form, x, t, y)| {
            form.replace("{q}", &format!("SELECT {y} FROM {t} WHERE {x} IS NOT NULL")).replace("{e}", &x)
        })
}

fn select_item() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (expr(), "[a-z_]{1,8}").prop_map(|(e, a)| format!("{e} AS {a}")),
        2 => column(),
        1 => Just("*".to_string()),
        1 => Just("o.*".to_string()),
        1 => Just("* EXCEPT (order_id)".to_string()),
        1 => Just("* REPLACE (amount * 2 AS amount)".to_string()),
        1 => expr().prop_map(|e| format!("{e} AS `ünï code`")),
    ]
}

fn from_item() -> impl Strategy<Value = String> {
    let one = prop_oneof![
        6 => (table(), select(vec!["", " o", " AS c", " AS t"])).prop_map(|(t, a)| format!("{t}{a}")),
        1 => Just("UNNEST([1, 2, 3]) AS n".to_string()),
        1 => Just("UNNEST(GENERATE_DATE_ARRAY(DATE '2024-01-01', DATE '2024-01-31')) AS d".to_string()),
    ];
    (
        one.clone(),
        proptest::collection::vec(
            (select(vec!["JOIN", "LEFT JOIN", "INNER JOIN", "FULL OUTER JOIN", "RIGHT JOIN"]), one, expr()),
            0..3,
        ),
    )
        .prop_map(|(first, joins)| {
            let mut s = first;
            for (kind, t, on) in joins {
                s.push_str(&format!("\n{kind} {t} ON {on}"));
            }
            s
        })
}

/// One SELECT, with the clauses generated code uses.
fn select_core() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        proptest::collection::vec(select_item(), 1..5),
        // Always a FROM: BigQuery refuses `SELECT *` without one, and without one sqlparser
        // reads `SELECT * EXCEPT DISTINCT SELECT …` as a column list and QUALIFY as an alias.
        from_item().prop_map(Some),
        proptest::option::of(expr()),
        proptest::collection::vec(expr(), 0..3),
        proptest::option::of(expr()),
        proptest::option::of(expr()),
    )
        .prop_map(|(distinct, items, from, filter, group, having, qualify)| {
            let mut s = format!("SELECT {}{}", if distinct { "DISTINCT " } else { "" }, items.join(",\n  "));
            let has_from = from.is_some();
            if let Some(f) = from {
                s.push_str(&format!("\nFROM {f}"));
            }
            if let Some(w) = filter {
                s.push_str(&format!("\nWHERE {w}"));
            }
            if !group.is_empty() {
                s.push_str(&format!("\nGROUP BY {}", group.join(", ")));
            }
            if let Some(h) = having {
                s.push_str(&format!("\nHAVING {h}"));
            }
            if let (Some(q), true) = (qualify, has_from) {
                s.push_str(&format!("\nQUALIFY {q}"));
            }
            s
        })
}

/// A query: CTEs, set operations of selects, ORDER BY and LIMIT.
pub fn query() -> BoxedStrategy<String> {
    let body = (
        select_core(),
        proptest::collection::vec(
            (select(vec!["UNION ALL", "UNION DISTINCT", "INTERSECT DISTINCT", "EXCEPT DISTINCT"]), select_core()),
            0..3,
        ),
    )
        .prop_map(|(first, rest)| {
            let mut s = first;
            for (op, q) in rest {
                s.push_str(&format!("\n{op}\n{q}"));
            }
            s
        });
    (
        proptest::collection::vec(("[a-z]{1,6}", select_core()), 0..3),
        body,
        proptest::option::of(expr()),
        proptest::option::of(0u32..1000),
    )
        .prop_map(|(ctes, body, order, limit)| {
            let mut s = String::new();
            if !ctes.is_empty() {
                let defs: Vec<String> = ctes.iter().map(|(n, q)| format!("cte_{n} AS (\n{q}\n)")).collect();
                s.push_str(&format!("WITH {}\n", defs.join(",\n")));
            }
            s.push_str(&body);
            if let Some(o) = order {
                s.push_str(&format!("\nORDER BY {o} DESC"));
            }
            if let Some(l) = limit {
                s.push_str(&format!("\nLIMIT {l}"));
            }
            s
        })
        .boxed()
}

/// A statement generated pipeline code may hold.
pub fn statement() -> BoxedStrategy<String> {
    prop_oneof![
        8 => query(),
        1 => (table(), query()).prop_map(|(t, q)| format!("CREATE OR REPLACE TABLE {t} AS\n{q}")),
        1 => (table(), query()).prop_map(|(t, q)| format!("INSERT INTO {t} (order_id, amount)\n{q}")),
        1 => (table(), expr()).prop_map(|(t, e)| format!("DELETE FROM {t} WHERE {e}")),
        1 => (table(), expr(), expr()).prop_map(|(t, s, w)| format!("UPDATE {t} SET amount = {s} WHERE {w}")),
        2 => (table(), query(), expr(), expr(), expr()).prop_map(|(t, q, on, set, ins)| format!(
            "MERGE {t} AS T\nUSING ({q}) AS S\nON {on}\nWHEN MATCHED AND S.amount > 0 THEN UPDATE SET T.amount = {set}, status = 'x'\n\
             WHEN NOT MATCHED THEN INSERT (order_id, amount) VALUES (S.order_id, {ins})\n\
             WHEN NOT MATCHED BY SOURCE THEN DELETE"
        )),
    ]
    .boxed()
}

/// A script of one to three statements, with comments and semicolons between them.
pub fn script() -> BoxedStrategy<String> {
    (
        proptest::collection::vec(statement(), 1..3),
        select(vec!["", "-- a comment\n", "/* block\n comment */ ", "# hash comment\n"]),
        any::<bool>(),
    )
        .prop_map(|(statements, comment, trailing)| {
            let mut s = format!("{comment}{}", statements.join(";\n\n"));
            if trailing {
                s.push_str(";\n");
            }
            s
        })
        .boxed()
}

/// Long chains and deep nesting, as generated SQL has them: OR and AND chains, `+` chains,
/// `UNION ALL` chains, nested parentheses, nested CASE and nested function calls, from a
/// handful of levels to past every bound.
pub fn chain() -> BoxedStrategy<String> {
    let terms = prop_oneof![1usize..50, 50usize..600, 600usize..3000];
    (select(vec!["or", "and", "plus", "concat", "union", "parens", "case", "coalesce", "subquery", "cte"]), terms)
        .prop_map(|(kind, n)| {
            let select = "SELECT order_id, customer_id, total_amount FROM `raw.commerce_orders`";
            match kind {
                "or" => format!(
                    "{select} WHERE {}",
                    (0..n).map(|i| format!("order_id = {i}")).collect::<Vec<_>>().join(" OR ")
                ),
                "and" => format!(
                    "{select} WHERE {}",
                    (0..n).map(|i| format!("order_id <> {i}")).collect::<Vec<_>>().join(" AND ")
                ),
                "plus" => {
                    format!("SELECT order_id, total_amount{} AS amount FROM `raw.commerce_orders`", " + 1".repeat(n))
                }
                "concat" => format!("SELECT CONCAT(currency{}) AS c FROM `raw.commerce_orders`", ", 'x'".repeat(n)),
                "union" => format!("{select}{}", format!("\nUNION ALL\n{select} WHERE FALSE").repeat(n)),
                "parens" => {
                    format!("SELECT {}order_id{} AS o FROM `raw.commerce_orders`", "(".repeat(n), ")".repeat(n))
                }
                "case" => format!(
                    "SELECT {}0{} AS c FROM `raw.commerce_orders`",
                    "CASE WHEN order_id > 0 THEN ".repeat(n),
                    " END".repeat(n)
                ),
                "coalesce" => format!(
                    "SELECT {}order_id{} AS c FROM `raw.commerce_orders`",
                    "COALESCE(".repeat(n),
                    ", 0)".repeat(n)
                ),
                "subquery" => format!("SELECT {}1{} AS s", "(SELECT ".repeat(n), ")".repeat(n)),
                _ => {
                    let ctes: Vec<String> = (0..n).map(|i| format!("c{} AS (SELECT * FROM c{i})", i + 1)).collect();
                    format!("WITH c0 AS ({select}), {}\nSELECT * FROM c{n}", ctes.join(",\n"))
                }
            }
        })
        .boxed()
}
