//! A counterexample as a shipped test (`--emit-fixture DIR`): fixtures that fill the model's
//! direct inputs with the counterexample's rows, and a singular test whose rows are where the
//! model's output differs from the spec's result on them. It fails on the code that was wrong
//! and passes once the code is right, so the defect cannot come back unseen.

use crate::engine::{Engine, Row};
use crate::project::code::ProjectTables;
use crate::project::layout::Project;
use crate::spec::model::Dialect;
use crate::synth::SynthOptions;
use std::fmt::Write;

/// A counterexample written as a shipped test (`--emit-fixture`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixture {
    /// The model it tests.
    pub model: String,
    /// Its file name, `specproof_<model>_seed<S>.sql`.
    pub file: String,
    /// The test file's text.
    pub text: String,
    /// The seed of the dataset it was shrunk from.
    pub seed: u64,
    /// The model's direct inputs on the counterexample (`schema.table` names, DuckDB types).
    pub inputs: Vec<ReadTable>,
    /// What the spec says the model holds on those inputs.
    pub expected: ReadTable,
}

/// The test file's text, or `None` when the model has no table name.
pub(crate) fn fixture_text(
    project: &Project,
    model: usize,
    synth: &SynthOptions,
    inputs: &[ReadTable],
    expected: &ReadTable,
) -> Option<String> {
    let spec = &project.spec.spec;
    let name = &spec.models[model].name;
    let table = ProjectTables::new(spec, &project.catalog).model_table(name)?;
    // Written in the dialect the project's tests are read in, which the bridge translates.
    let dialect = project.code_dialect;
    let in_dialect = |t: &ReadTable| ReadTable {
        name: t.name.clone(),
        columns: t.columns.iter().map(|(c, ty)| (c.clone(), type_in(dialect, ty))).collect(),
        rows: t.rows.clone(),
    };
    let inputs: Vec<ReadTable> = inputs.iter().map(in_dialect).collect();
    let expected = in_dialect(expected);
    let mut out = String::new();
    let _ =
        writeln!(out, "-- Regression test written by `specproof validate --emit-fixture`: the counterexample on which");
    let _ = writeln!(
        out,
        "-- `{name}` differed from the spec's reference result (synthetic data, seed {}, shrunk).",
        synth.seed
    );
    let _ = writeln!(
        out,
        "-- It fails while the code computes something else, and passes once it computes what the spec says."
    );
    for input in &inputs {
        let _ = writeln!(
            out,
            "CREATE OR REPLACE TEMP TABLE {} AS (\n{}\n);",
            input.name,
            select_rows(dialect, input, false)
        );
    }
    let columns: Vec<String> = expected.columns.iter().map(|(c, ty)| compared(dialect, c, ty)).collect();
    let _ = writeln!(out);
    let _ = writeln!(out, "-- rows where `{name}` differs from the spec's result on these inputs");
    let _ = writeln!(
        out,
        "WITH expected AS (\n{}\n),\nproduced AS (\n  SELECT {} FROM {table}\n)\n\
         SELECT 'expected, missing' AS specproof_side, * FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM produced)\n\
         UNION ALL\n\
         SELECT 'produced, not expected' AS specproof_side, * FROM (SELECT * FROM produced EXCEPT ALL SELECT * FROM expected);",
        select_rows(dialect, &ReadTable {
            name: expected.name.clone(),
            columns: expected.columns.clone(),
            rows: expected.rows.clone()
        }, true)
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n"),
        columns.join(", ")
    );
    Some(out)
}

/// The name of DuckDB type `ty` in `dialect`: BigQuery's own names, which the bridge maps
/// back to the same DuckDB types.
fn type_in(dialect: Dialect, ty: &str) -> String {
    if dialect == Dialect::Duckdb {
        return ty.to_string();
    }
    let upper = ty.to_ascii_uppercase();
    let name = match upper.as_str() {
        "BIGINT" | "INTEGER" | "SMALLINT" | "TINYINT" | "HUGEINT" | "UBIGINT" | "UINTEGER" | "USMALLINT"
        | "UTINYINT" => "INT64",
        "DOUBLE" | "FLOAT" | "REAL" => "FLOAT64",
        "BOOLEAN" => "BOOL",
        "DATE" => "DATE",
        "TIME" => "TIME",
        "TIMESTAMP" | "TIMESTAMP WITH TIME ZONE" => "TIMESTAMP",
        "BLOB" => "BYTES",
        "JSON" => "JSON",
        _ if upper.starts_with("DECIMAL") => {
            let (precision, scale) = upper
                .trim_start_matches("DECIMAL(")
                .trim_end_matches(')')
                .split_once(',')
                .and_then(|(p, s)| Some((p.trim().parse::<u32>().ok()?, s.trim().parse::<u32>().ok()?)))
                .unwrap_or((18, 3));
            if scale <= 9 && precision.saturating_sub(scale) <= 29 {
                "NUMERIC"
            } else {
                "BIGNUMERIC"
            }
        }
        _ => "STRING",
    };
    name.to_string()
}

/// A column as both sides of the comparison hold it: floating point rounded to 9 decimals, as
/// the comparison's tolerance allows.
fn compared(dialect: Dialect, column: &str, ty: &str) -> String {
    let quoted = ident(dialect, column);
    if is_float(ty) {
        format!("round({quoted}, 9) AS {quoted}")
    } else {
        quoted
    }
}

/// `SELECT <typed literals> UNION ALL SELECT …`, or a typed empty row set.
fn select_rows(dialect: Dialect, table: &ReadTable, round: bool) -> String {
    let typed = |literal: String, ty: &str| if round { typed(literal, ty) } else { literal };
    let literal = |value: &Option<String>, ty: &str| match value {
        Some(v) => format!("CAST('{}' AS {ty})", v.replace('\'', "''")),
        None => format!("CAST(NULL AS {ty})"),
    };
    let first: Vec<String> = match table.rows.first() {
        Some(row) => table
            .columns
            .iter()
            .zip(row)
            .map(|((c, ty), v)| format!("{} AS {}", typed(literal(v, ty), ty), ident(dialect, c)))
            .collect(),
        None => table
            .columns
            .iter()
            .map(|(c, ty)| format!("{} AS {}", typed(literal(&None, ty), ty), ident(dialect, c)))
            .collect(),
    };
    let mut out = format!("  SELECT {}", first.join(", "));
    if table.rows.is_empty() {
        out.push_str(" LIMIT 0");
        return out;
    }
    for row in &table.rows[1..] {
        let values: Vec<String> = table.columns.iter().zip(row).map(|((_, ty), v)| typed(literal(v, ty), ty)).collect();
        out.push_str(&format!("\n  UNION ALL SELECT {}", values.join(", ")));
    }
    out
}

/// Floating point values rounded as in [`compared`], so both sides of the test agree.
fn typed(literal: String, ty: &str) -> String {
    if is_float(ty) {
        format!("round({literal}, 9)")
    } else {
        literal
    }
}

/// An identifier as both dialects read it: bare when it is a plain name, else quoted the
/// dialect's way (BigQuery reads double quotes as a string, so it gets backticks).
fn ident(dialect: Dialect, name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else if dialect == Dialect::Bigquery {
        format!("`{}`", name.replace('`', "\\`"))
    } else {
        crate::sql::quote_ident(name)
    }
}

fn is_float(ty: &str) -> bool {
    matches!(ty.to_ascii_uppercase().as_str(), "DOUBLE" | "FLOAT" | "REAL" | "FLOAT64")
}

/// A table read back from the database: its columns with their DuckDB types, and its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadTable {
    /// `schema.table` of an input, or the model's name for its expected rows.
    pub name: String,
    /// Columns with their DuckDB types.
    pub columns: Vec<(String, String)>,
    /// Rows as text (`None` for NULL), sorted.
    pub rows: Vec<Row>,
}

/// Rows of a table or query, sorted, with the columns' DuckDB types.
pub(crate) fn read_table(engine: &Engine, relation: &str, name: String) -> Option<ReadTable> {
    let columns = engine.describe(relation).ok()?;
    let (_, rows) = engine.query(&format!("SELECT * FROM {relation} ORDER BY ALL")).ok()?;
    Some(ReadTable { name, columns, rows })
}
