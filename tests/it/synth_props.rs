//! Properties of synthetic data, on small generated projects and on the customer360 example.
//!
//! Generated projects have a parent table with a primary key, a child table whose foreign key
//! references it (sometimes also the child's key: one to one), sometimes a third table joined
//! to the parent, and columns of random types, NOT NULL or not. Every dataset must be the same
//! for the same seed, keep every declaration (NOT NULL, keys, foreign keys), hold at most the
//! rows asked for, and load into DuckDB as it is.

use crate::support::crate_root;
use proptest::prelude::*;
use specproof::project::layout::{load_project, Overrides, Project};
use specproof::spec::catalog::{add_ddl_text, Catalog};
use specproof::spec::load::{parse_spec, LoadedSpec};
use specproof::synth::{load, synthesize, Dataset, SynthOptions, SynthTable, Value};
use std::collections::{BTreeMap, BTreeSet};

const TYPES: [&str; 6] = ["INT64", "NUMERIC", "STRING", "BOOL", "DATE", "TIMESTAMP"];

/// A column of a generated table.
#[derive(Debug, Clone)]
struct Col {
    name: String,
    ty: &'static str,
    not_null: bool,
}

/// A generated source table and what it declares.
#[derive(Debug, Clone)]
struct Table {
    name: String,
    cols: Vec<Col>,
    primary_key: Option<String>,
    unique: Vec<String>,
    /// (column, referenced table, referenced column).
    foreign_keys: Vec<(String, String, String)>,
}

impl Table {
    fn ddl(&self) -> String {
        let mut parts: Vec<String> = self
            .cols
            .iter()
            .map(|c| format!("{} {}{}", c.name, c.ty, if c.not_null { " NOT NULL" } else { "" }))
            .collect();
        if let Some(pk) = &self.primary_key {
            parts.push(format!("PRIMARY KEY ({pk}) NOT ENFORCED"));
        }
        for u in &self.unique {
            parts.push(format!("UNIQUE ({u})"));
        }
        for (c, t, p) in &self.foreign_keys {
            parts.push(format!("FOREIGN KEY ({c}) REFERENCES {t}({p}) NOT ENFORCED"));
        }
        format!("CREATE TABLE {} (\n  {}\n);\n", self.name, parts.join(",\n  "))
    }

    /// Columns that may never hold NULL: declared NOT NULL, or in a key.
    fn never_null(&self) -> BTreeSet<&str> {
        let mut out: BTreeSet<&str> = self.cols.iter().filter(|c| c.not_null).map(|c| c.name.as_str()).collect();
        out.extend(self.keys());
        out
    }

    fn keys(&self) -> Vec<&str> {
        self.primary_key.iter().chain(&self.unique).map(String::as_str).collect()
    }
}

/// A generated project: its tables, and the spec's one model joining them.
#[derive(Debug, Clone)]
struct Generated {
    tables: Vec<Table>,
    spec: String,
}

impl Generated {
    fn catalog(&self) -> Catalog {
        let mut catalog = Catalog::default();
        let mut findings = Vec::new();
        for t in &self.tables {
            add_ddl_text(&mut catalog, &mut findings, &t.ddl(), &format!("{}.sql", t.name));
        }
        assert!(findings.is_empty(), "generated DDL is valid: {findings:?}");
        for t in &self.tables {
            let declared = &catalog.get(&t.name).expect("table in catalog").table;
            assert_eq!(declared.keys.len(), t.keys().len(), "keys of {} as generated", t.name);
            assert_eq!(declared.foreign_keys.len(), t.foreign_keys.len(), "foreign keys of {}", t.name);
        }
        catalog
    }

    fn spec(&self) -> LoadedSpec {
        parse_spec("spec.json", self.spec.clone()).expect("generated spec parses")
    }
}

fn extra_columns(prefix: &'static str, max: usize) -> impl Strategy<Value = Vec<Col>> {
    prop::collection::vec((0..TYPES.len(), any::<bool>()), 0..=max).prop_map(move |cols| {
        cols.into_iter()
            .enumerate()
            .map(|(i, (t, not_null))| Col { name: format!("{prefix}{i}"), ty: TYPES[t], not_null })
            .collect()
    })
}

prop_compose! {
    fn generated()(
        key_ty in 0..TYPES.len(),
        parent_extra in extra_columns("a", 3),
        child_extra in extra_columns("b", 3),
        fk_not_null in any::<bool>(),
        one_to_one in any::<bool>(),
        unique_first_extra in any::<bool>(),
        third in prop::option::of(extra_columns("x", 2)),
        ref_not_null in any::<bool>(),
    ) -> Generated {
        let key_ty = TYPES[key_ty];
        let mut parent_cols = vec![Col { name: "id".into(), ty: key_ty, not_null: true }];
        parent_cols.extend(parent_extra);
        let parent = Table {
            name: "raw.p".into(),
            cols: parent_cols,
            primary_key: Some("id".into()),
            unique: vec![],
            foreign_keys: vec![],
        };
        let mut child_cols = vec![
            Col { name: "cid".into(), ty: "INT64", not_null: true },
            Col { name: "pid".into(), ty: key_ty, not_null: fk_not_null },
        ];
        let unique = match child_extra.first() {
            Some(first) if unique_first_extra => vec![first.name.clone()],
            _ => vec![],
        };
        child_cols.extend(child_extra);
        let child = Table {
            name: "raw.c".into(),
            cols: child_cols,
            primary_key: Some(if one_to_one { "pid" } else { "cid" }.into()),
            unique,
            foreign_keys: vec![("pid".into(), "raw.p".into(), "id".into())],
        };
        let mut tables = vec![parent, child];
        let mut sources = vec!["\"raw.c\"", "\"raw.p\""];
        let mut joins = vec![
            r#"{"left_table": "c", "right_table": "p", "type": "LEFT", "condition": "c.pid = p.id"}"#,
        ];
        if let Some(extra) = third {
            let mut cols = vec![Col { name: "ref".into(), ty: key_ty, not_null: ref_not_null }];
            cols.extend(extra);
            tables.push(Table {
                name: "raw.x".into(),
                cols,
                primary_key: None,
                unique: vec![],
                foreign_keys: vec![],
            });
            sources.push("\"raw.x\"");
            joins.push(r#"{"left_table": "p", "right_table": "x", "type": "LEFT", "condition": "p.id = x.ref"}"#);
        }
        let spec = format!(
            r#"{{"schema": {{"raw_schema": "raw", "staging_schema": "stg", "final_schema": "fin"}},
                "models": [{{"name": "m", "layer": "staging", "sources": [{}],
                  "column_mapping": [{{"target_column": "pid", "type": "{key_ty}", "from_table": "c",
                                       "from_column": "pid"}}],
                  "joins": [{}]}}]}}"#,
            sources.join(", "),
            joins.join(", ")
        );
        Generated { tables, spec }
    }
}

/// A value as text that compares as SQL compares values of its type: a decimal without
/// trailing zeros (`1.50` and `1.5` are one NUMERIC).
fn key_text(value: &Value) -> String {
    match value {
        Value::Decimal(d) => {
            let d = if d.contains('.') { d.trim_end_matches('0').trim_end_matches('.') } else { d.as_str() };
            if d == "-0" || d.is_empty() || d == "-" {
                "0".into()
            } else {
                d.to_string()
            }
        }
        other => other.to_text(),
    }
}

fn table<'a>(data: &'a Dataset, name: &str) -> &'a SynthTable {
    data.table(name).unwrap_or_else(|| panic!("dataset has {name}"))
}

fn column<'a>(t: &'a SynthTable, name: &str) -> &'a [Option<Value>] {
    &t.column(name).unwrap_or_else(|| panic!("{} has {name}", t.name)).values
}

fn count(connection: &duckdb::Connection, sql: &str) -> i64 {
    connection.query_row(sql, [], |row| row.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn check_declarations(g: &Generated, data: &Dataset, rows: usize) -> Result<(), TestCaseError> {
    prop_assert_eq!(data.tables.len(), g.tables.len());
    for t in &g.tables {
        let made = table(data, &t.name);
        // (e) at most the rows asked for, and one value per row in every column.
        prop_assert!(made.rows <= rows, "{} has {} rows, more than {rows}", t.name, made.rows);
        // Not vacuous: every generated table can hold a row.
        prop_assert!(made.rows >= 1, "{} is empty", t.name);
        prop_assert_eq!(made.columns.len(), t.cols.len());
        for c in &made.columns {
            prop_assert_eq!(c.values.len(), made.rows, "{}.{}", t.name, c.name);
        }
        // (b) NOT NULL and key columns never hold NULL.
        for name in t.never_null() {
            prop_assert!(column(made, name).iter().all(Option::is_some), "{}.{name} holds NULL", t.name);
        }
        // (c) keys never repeat.
        for key in t.keys() {
            let values: Vec<String> = column(made, key).iter().flatten().map(key_text).collect();
            let distinct: BTreeSet<&String> = values.iter().collect();
            prop_assert_eq!(distinct.len(), values.len(), "{}.{} repeats a value", &t.name, key);
        }
        // (d) every foreign key value is a row of the referenced table.
        for (c, parent, parent_column) in &t.foreign_keys {
            let there: BTreeSet<String> =
                column(table(data, parent), parent_column).iter().flatten().map(key_text).collect();
            for v in column(made, c).iter().flatten() {
                prop_assert!(there.contains(&key_text(v)), "{}.{c} = {v:?} is not in {parent}", t.name);
            }
        }
    }
    Ok(())
}

/// (f) the dataset loads, every table with its rows; DuckDB agrees keys are unique and foreign
/// keys resolve.
fn check_loads(g: &Generated, data: &Dataset) -> Result<(), TestCaseError> {
    let connection = duckdb::Connection::open_in_memory().expect("in-memory database");
    connection.execute_batch("CREATE SCHEMA raw").expect("schema");
    load(data, &connection, None).map_err(|e| TestCaseError::fail(format!("load failed: {e}")))?;
    for t in &g.tables {
        let rows = table(data, &t.name).rows as i64;
        prop_assert_eq!(count(&connection, &format!("SELECT count(*) FROM {}", t.name)), rows, "{}", &t.name);
        for key in t.keys() {
            let distinct = count(&connection, &format!("SELECT count(DISTINCT \"{key}\") FROM {}", t.name));
            prop_assert_eq!(distinct, rows, "{}.{} in DuckDB", &t.name, key);
        }
        for (c, parent, parent_column) in &t.foreign_keys {
            let orphans = count(
                &connection,
                &format!(
                    "SELECT count(*) FROM {} WHERE \"{c}\" IS NOT NULL AND \"{c}\" NOT IN \
                     (SELECT \"{parent_column}\" FROM {parent} WHERE \"{parent_column}\" IS NOT NULL)",
                    t.name
                ),
            );
            prop_assert_eq!(orphans, 0, "{}.{} in DuckDB", &t.name, c);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// (a) the same spec, sources, seed and rows give the same dataset.
    #[test]
    fn synthesis_is_deterministic(g in generated(), seed in any::<u64>(), rows in 1usize..300) {
        let (spec, catalog) = (g.spec(), g.catalog());
        let options = SynthOptions { seed, rows };
        let first = synthesize(&spec, &catalog, &options);
        let again = synthesize(&g.spec(), &g.catalog(), &options);
        prop_assert_eq!(first, again);
    }

    /// (b)–(e): every declaration holds, and no table has more rows than asked for.
    #[test]
    fn declarations_hold(g in generated(), seed in any::<u64>(), rows in 1usize..300) {
        let data = synthesize(&g.spec(), &g.catalog(), &SynthOptions { seed, rows });
        check_declarations(&g, &data, rows)?;
    }

    /// (f): the dataset loads into DuckDB as it is.
    #[test]
    fn datasets_load(g in generated(), seed in any::<u64>(), rows in 1usize..300) {
        let data = synthesize(&g.spec(), &g.catalog(), &SynthOptions { seed, rows });
        check_loads(&g, &data)?;
    }
}

/// A table with no key and no NOT NULL beyond its first column asked for 300 rows makes 300.
#[test]
fn unconstrained_tables_get_every_row() {
    let g = Generated {
        tables: vec![Table {
            name: "raw.t".into(),
            cols: vec![
                Col { name: "k".into(), ty: "INT64", not_null: true },
                Col { name: "s".into(), ty: "STRING", not_null: false },
            ],
            primary_key: None,
            unique: vec![],
            foreign_keys: vec![],
        }],
        spec: r#"{"schema": {"raw_schema": "raw", "staging_schema": "s", "final_schema": "f"}, "models": []}"#.into(),
    };
    let data = synthesize(&g.spec(), &g.catalog(), &SynthOptions { seed: 3, rows: 300 });
    assert_eq!(table(&data, "raw.t").rows, 300);
}

// (g) the customer360 example, over a few seeds.

fn example() -> Project {
    let dir = crate_root().join("specs/customer360");
    load_project(&dir, &Overrides::default()).expect("example loads")
}

fn customer360(seed: u64) -> Dataset {
    let project = example();
    synthesize(&project.spec, &project.catalog, &SynthOptions { seed, rows: 200 })
}

const SEEDS: [u64; 4] = [1, 7, 42, 0xdead_beef];

/// How many rows of `child` hold each value of its `column`.
fn children(data: &Dataset, child: &str, column_name: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for v in column(table(data, child), column_name).iter().flatten() {
        *out.entry(key_text(v)).or_insert(0) += 1;
    }
    out
}

/// A join of `left.l = right.r`: some left rows find a match, some do not, one left value has
/// several matches (fan-out) and one has none.
fn assert_join_shape(data: &Dataset, seed: u64, (left, l): (&str, &str), (right, r): (&str, &str)) {
    let on_right = children(data, right, r);
    let left_values: Vec<String> = column(table(data, left), l).iter().flatten().map(key_text).collect();
    let what = format!("seed {seed}: {left}.{l} = {right}.{r}");
    assert!(left_values.iter().any(|v| on_right.contains_key(v)), "{what}: no row joins");
    assert!(left_values.iter().any(|v| !on_right.contains_key(v)), "{what}: no LEFT-join miss");
    assert!(left_values.iter().any(|v| on_right.get(v).is_some_and(|n| *n >= 2)), "{what}: no fan-out");
}

#[test]
fn customer360_joins_match_miss_and_fan_out() {
    for seed in SEEDS {
        let data = customer360(seed);
        assert_join_shape(&data, seed, ("raw.crm_customers", "customer_id"), ("raw.crm_addresses", "customer_id"));
        assert_join_shape(&data, seed, ("raw.commerce_orders", "order_id"), ("raw.commerce_order_items", "order_id"));
        assert_join_shape(&data, seed, ("raw.commerce_orders", "currency"), ("raw.fx_rates", "currency"));
        assert_join_shape(&data, seed, ("raw.commerce_orders", "customer_id"), ("raw.support_tickets", "customer_id"));
        assert_join_shape(&data, seed, ("raw.commerce_orders", "customer_id"), ("raw.crm_customers", "customer_id"));
    }
}

#[test]
fn customer360_nullable_columns_hold_nulls() {
    let project = example();
    for seed in SEEDS {
        let data = customer360(seed);
        for source in project.catalog.tables.values() {
            let t = table(&data, &source.table.name);
            for c in &source.table.columns {
                let values = column(t, &c.name);
                if c.nullable {
                    assert!(values.iter().any(Option::is_none), "seed {seed}: {}.{} has no NULL", t.name, c.name);
                } else {
                    assert!(values.iter().all(Option::is_some), "seed {seed}: {}.{} has a NULL", t.name, c.name);
                }
            }
        }
    }
}

#[test]
fn customer360_case_literals_and_near_misses_appear() {
    let cases = [
        ("raw.crm_customers", "status", &["active", "inactive", "trial", "prospect"][..]),
        ("raw.support_tickets", "status", &["OPEN", "CLOSED"][..]),
    ];
    for seed in SEEDS {
        let data = customer360(seed);
        for (t, c, literals) in cases {
            let texts: BTreeSet<String> = column(table(&data, t), c).iter().flatten().map(Value::to_text).collect();
            for literal in literals {
                assert!(texts.contains(*literal), "seed {seed}: {t}.{c} never holds '{literal}'");
                let near =
                    texts.iter().any(|v| v != literal && (v.eq_ignore_ascii_case(literal) || v.trim() == *literal));
                assert!(near, "seed {seed}: {t}.{c} holds no near miss of '{literal}' (other case or padded)");
            }
        }
    }
}

#[test]
fn customer360_tables_repeat_a_row_outside_their_keys() {
    let project = example();
    for seed in SEEDS {
        let data = customer360(seed);
        for source in project.catalog.tables.values() {
            let declared = &source.table;
            let keyed: BTreeSet<&str> = declared.keys.iter().flatten().map(String::as_str).collect();
            let others: Vec<&[Option<Value>]> = declared
                .columns
                .iter()
                .filter(|c| !keyed.contains(c.name.as_str()))
                .map(|c| column(table(&data, &declared.name), &c.name))
                .collect();
            if others.is_empty() {
                continue;
            }
            // A duplicate a DISTINCT would drop: the same values, none of them NULL or zero.
            let mut seen: BTreeSet<Vec<String>> = BTreeSet::new();
            let repeated = (0..table(&data, &declared.name).rows).any(|r| {
                let values: Option<Vec<String>> =
                    others.iter().map(|c| c[r].as_ref().filter(|v| !v.simpler().is_empty()).map(key_text)).collect();
                values.is_some_and(|v| !seen.insert(v))
            });
            assert!(repeated, "seed {seed}: no two rows of {} agree outside its keys", declared.name);
        }
    }
}
