//! Model files as generated code writes them, and as it gets them wrong: SQLX files (config
//! blocks with nested braces, strings and comments, `${ref()}` in odd places, js blocks, pre and
//! post operations, unterminated constructs, Jinja slips) and dbt-style `.sql` files.

use super::bigquery;
use proptest::prelude::*;
use proptest::sample::select;

/// A value of a SQLX config entry, nested objects and arrays included.
fn config_value() -> impl Strategy<Value = String> {
    let leaf = select(vec![
        "\"table\"",
        "\"view\"",
        "\"incremental\"",
        "\"operations\"",
        "\"declaration\"",
        "\"assertion\"",
        "\"temp\"",
        "'single'",
        "\"brace } inside\"",
        "\"brace { inside\"",
        "\"quote \\\" inside\"",
        "`backtick ${x}`",
        "\"${ref('x')}\"",
        "true",
        "false",
        "42",
        "-1.5e3",
        "null",
        "[]",
        "{}",
        "\"ünï😀\"",
        "\"\"",
        "[\"order_id\", \"customer_id\"]",
        "\"DATE(order_ts)\"",
        "ctx => ctx.ref(\"x\")",
        "\"\\n\"",
    ])
    .prop_map(str::to_string);
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(", "))),
            proptest::collection::vec((config_key(), inner), 0..3).prop_map(|v| {
                let entries: Vec<String> = v.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("{{ {} }}", entries.join(", "))
            }),
        ]
    })
}

fn config_key() -> impl Strategy<Value = String> {
    select(vec![
        "type",
        "schema",
        "name",
        "description",
        "uniqueKey",
        "assertions",
        "nonNull",
        "hasOutput",
        "bigquery",
        "partitionBy",
        "clusterBy",
        "tags",
        "dependencies",
        "\"quoted key\"",
        "'single key'",
        "columns",
        "database",
    ])
    .prop_map(str::to_string)
}

/// A `config { … }` block, sometimes with the slips Dataform rejects.
fn config_block() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(
            (config_key(), config_value(), select(vec!["", " // a } comment", " /* { */"])),
            0..6,
        ),
        select(vec!["config {", "config{", "config  \n{", "{", "Config {", "config { // {", "config {\n/* } */"]),
        select(vec!["}", "}", "}", "", "}}", "} // end", "\n}"]),
    )
        .prop_map(|(entries, open, close)| {
            let lines: Vec<String> = entries.into_iter().map(|(k, v, c)| format!("  {k}: {v}{c}")).collect();
            format!("{open}\n{}\n{close}\n", lines.join(",\n"))
        })
}

/// A template reference or slip, to put anywhere in the SQL.
fn reference() -> impl Strategy<Value = String> {
    select(vec![
        "${ref(\"stg_orders\")}",
        "${ref('stg_customers')}",
        "${ref(\"raw\", \"commerce_orders\")}",
        "${ref({schema: \"raw\", name: \"fx_rates\"})}",
        "${ref(\"crm_customers\")}",
        "${ref(\"nope\")}",
        "${ref()}",
        "${ref(\"a\", \"b\", \"c\")}",
        "${resolve(\"stg_orders\")}",
        "${self()}",
        "${when(incremental(), \"WHERE 1 = 1\")}",
        "${ctx.ref(\"x\")}",
        "${ref(\"stg_orders\")",
        "${",
        "$ {ref(\"x\")}",
        "`${ref(\"stg_orders\")}`",
        "`raw.${ref(\"x\")}`",
        "{{ ref('stg_orders') }}",
        "{{ source('raw', 'commerce_orders') }}",
        "{{ this }}",
        "{% if is_incremental() %} WHERE 1 = 1 {% endif %}",
        "{# a jinja comment #}",
        "{{ ",
        "{%",
        "${ref(\"stg_orders\") + \"}\"}",
        "${ref(`x`)}",
        "${ref(\"ünï\")}",
    ])
    .prop_map(str::to_string)
}

/// A js block or an operations block.
fn other_block() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "js {\n  const x = \"}\";\n  function f() { return `${x}`; }\n}\n",
            "js {\n  // }\n  const y = { a: { b: 1 } };\n}\n",
            "js { const unterminated = \"; }\n",
        ])
        .prop_map(str::to_string),
        (
            select(vec!["pre_operations", "post_operations", "pre_operations ", "post_operations\n"]),
            bigquery::statement(),
            proptest::option::of(reference())
        )
            .prop_map(|(kind, sql, r)| format!(
                "{kind} {{\n  {sql}{}\n}}\n",
                r.map(|r| format!(" -- {r}")).unwrap_or_default()
            )),
        Just(
            "pre_operations {\n  DECLARE x INT64 DEFAULT 1;\n  CREATE TEMP FUNCTION f(a INT64) AS (a + 1);\n}\n"
                .to_string()
        ),
        Just("post_operations {\n  ALTER TABLE ${self()} SET OPTIONS (description = \"}\");\n}\n".to_string()),
        Just("pre_operations {\n  SELECT '}'\n".to_string()),
    ]
}

/// Splices `piece` into `sql` at a char boundary chosen by `at` (a fraction of the length).
fn splice(sql: &str, piece: &str, at: f64) -> String {
    let mut cut = ((sql.len() as f64) * at) as usize;
    while cut < sql.len() && !sql.is_char_boundary(cut) {
        cut += 1;
    }
    let cut = cut.min(sql.len());
    format!("{} {piece} {}", &sql[..cut], &sql[cut..])
}

/// A SQLX file: blocks in any order around a generated body, references spliced in anywhere.
pub fn sqlx_file() -> BoxedStrategy<String> {
    (
        proptest::option::of(config_block()),
        proptest::collection::vec(other_block(), 0..3),
        prop_oneof![3 => bigquery::script(), 1 => bigquery::chain()],
        proptest::collection::vec((reference(), 0.0f64..1.0), 0..4),
        any::<bool>(),
    )
        .prop_map(|(config, blocks, body, references, blocks_first)| {
            let mut body = body;
            for (r, at) in references {
                body = splice(&body, &r, at);
            }
            let config = config.unwrap_or_default();
            let blocks = blocks.concat();
            if blocks_first {
                format!("{config}{blocks}\n{body}\n")
            } else {
                format!("{config}\n{body}\n{blocks}")
            }
        })
        .boxed()
}

/// A dbt-style `.sql` file: a generated body with Jinja spliced in.
pub fn dbt_file() -> BoxedStrategy<String> {
    (
        proptest::option::of(select(vec![
            "{{ config(materialized='table') }}\n",
            "{{ config(materialized = \"incremental\", unique_key = 'order_id') }}\n",
            "{{ config(\n",
        ])),
        bigquery::script(),
        proptest::collection::vec((reference(), 0.0f64..1.0), 0..4),
    )
        .prop_map(|(config, body, references)| {
            let mut body = body;
            for (r, at) in references {
                body = splice(&body, &r, at);
            }
            format!("{}{body}\n", config.unwrap_or_default())
        })
        .boxed()
}
