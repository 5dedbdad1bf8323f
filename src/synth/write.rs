//! Getting a dataset into DuckDB, and out again as CSV for a person to read.
//!
//! Rows go in as Arrow record batches through DuckDB's appender: column-major, typed, no SQL
//! text per row. DuckDB's appender does not cast, so a column whose type Arrow cannot carry
//! as DuckDB holds it (TIME, UUID, a value that is not the column's kind) goes in as text into
//! a staging table and is cast once, in SQL, into the real one.

use super::value::{Dataset, SynthColumn, SynthTable, Value};
use crate::error::Result;
use crate::sql::quote_ident as quote;
use arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder, Int64Builder,
    StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{Field, Schema};
use arrow::record_batch::RecordBatch;
use duckdb::Connection;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows per record batch: large enough that per-batch costs vanish, small enough that a
/// million-row table is not copied whole a second time.
const BATCH_ROWS: usize = 64 * 1024;

/// Creates every table of `dataset` in `catalog` (the connection's default when `None`) and
/// loads its rows. The schemas must exist.
pub fn load(dataset: &Dataset, connection: &Connection, catalog: Option<&str>) -> Result<()> {
    // Every table is created by one script rather than a call each: a run loads a dataset for
    // each of its datasets and shipped test files (six tables each in the examples).
    let script: String = dataset.tables.iter().map(|table| format!("{};\n", create_table(table, catalog))).collect();
    if !script.is_empty() {
        connection.execute_batch(&script)?;
    }
    for table in &dataset.tables {
        fill_table(table, connection, catalog)?;
    }
    Ok(())
}

/// Writes every table of `dataset` to `dir` as `<schema>.<table>.csv` (header row; NULL is an
/// empty field, the empty string is `""`), creating `dir`. Returns the files written, sorted.
///
/// DuckDB writes the files, from the same tables a run loads, so a CSV holds exactly what the
/// code was run on. This connection is not the sandboxed run database: it holds only the
/// dataset and runs only the statements below.
pub fn write_csv(dataset: &Dataset, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|source| {
        crate::error::Error::in_file(crate::error::ErrorKind::Write { action: "create", source }, dir)
    })?;
    let connection = Connection::open_in_memory()?;
    let mut written = Vec::with_capacity(dataset.tables.len());
    for table in &dataset.tables {
        let (schema, _) = table.schema_and_table();
        connection.execute_batch(&format!("CREATE SCHEMA IF NOT EXISTS {}", quote(schema)))?;
        load_table(table, &connection, None)?;
        let path = dir.join(format!("{}.csv", table.name));
        let target = path.to_string_lossy().replace('\'', "''");
        connection.execute_batch(&format!(
            "COPY (SELECT * FROM {}) TO '{target}' (FORMAT csv, HEADER true, NULLSTR '', FORCE_QUOTE *)",
            qualified(table, None)
        ))?;
        written.push(path);
    }
    written.sort();
    Ok(written)
}

fn load_table(table: &SynthTable, connection: &Connection, catalog: Option<&str>) -> Result<()> {
    connection.execute_batch(&create_table(table, catalog))?;
    fill_table(table, connection, catalog)
}

/// The statement creating `table`, empty, in `catalog`.
fn create_table(table: &SynthTable, catalog: Option<&str>) -> String {
    let definitions: Vec<String> =
        table.columns.iter().map(|c| format!("{} {}", quote(&c.name), c.duckdb_type)).collect();
    format!("CREATE TABLE {} ({})", qualified(table, catalog), definitions.join(", "))
}

/// Appends the rows of `table` to its table, created empty.
fn fill_table(table: &SynthTable, connection: &Connection, catalog: Option<&str>) -> Result<()> {
    if table.rows == 0 {
        return Ok(());
    }
    let columns: Vec<Loaded> = table.columns.iter().map(|c| to_arrow(c, table.rows)).collect();
    let target = qualified(table, catalog);
    let staged = columns.iter().any(|c| c.as_text);
    let (schema, name) = table.schema_and_table();
    let stage_name = format!("__specproof_stage_{name}");
    if staged {
        // A temporary table lives in the connection's own `temp` catalog: nothing is left over.
        let definitions: Vec<String> = table
            .columns
            .iter()
            .zip(&columns)
            .map(|(c, l)| format!("{} {}", quote(&c.name), if l.as_text { "VARCHAR" } else { &c.duckdb_type }))
            .collect();
        connection.execute_batch(&format!("CREATE TEMP TABLE {} ({})", quote(&stage_name), definitions.join(", ")))?;
    }
    let fields: Vec<Field> = table
        .columns
        .iter()
        .zip(&columns)
        .map(|(c, l)| Field::new(c.name.clone(), l.array.data_type().clone(), true))
        .collect();
    let schema_ref = Arc::new(Schema::new(fields));
    {
        let mut appender = if staged {
            connection.appender_to_catalog_and_db(&stage_name, "temp", "main")?
        } else {
            match catalog {
                Some(catalog) => connection.appender_to_catalog_and_db(name, catalog, schema)?,
                None => connection.appender_to_db(name, schema)?,
            }
        };
        let mut offset = 0;
        while offset < table.rows {
            let len = BATCH_ROWS.min(table.rows - offset);
            let arrays: Vec<ArrayRef> = columns.iter().map(|c| c.array.slice(offset, len)).collect();
            let batch = RecordBatch::try_new(schema_ref.clone(), arrays)
                .map_err(|e| duckdb::Error::ToSqlConversionFailure(Box::new(e)))?;
            appender.append_record_batch(batch)?;
            offset += len;
        }
        appender.flush()?;
    }
    if staged {
        let select: Vec<String> = table
            .columns
            .iter()
            .zip(&columns)
            .map(
                |(c, l)| {
                    if l.as_text {
                        format!("CAST({} AS {})", quote(&c.name), c.duckdb_type)
                    } else {
                        quote(&c.name)
                    }
                },
            )
            .collect();
        connection.execute_batch(&format!(
            "INSERT INTO {target} SELECT {} FROM temp.main.{stage}; DROP TABLE temp.main.{stage}",
            select.join(", "),
            stage = quote(&stage_name)
        ))?;
    }
    Ok(())
}

/// One column as an Arrow array, and whether it holds text to cast.
struct Loaded {
    array: ArrayRef,
    as_text: bool,
}

/// The column as the Arrow array DuckDB reads as its type; as text when a value is not of the
/// column's kind or the type has no direct Arrow form.
fn to_arrow(column: &SynthColumn, rows: usize) -> Loaded {
    let ty = column.duckdb_type.as_str();
    let values = &column.values[..rows.min(column.values.len())];
    let native: Option<ArrayRef> = match ty {
        "BIGINT" => build(values, Int64Builder::with_capacity(rows), |b, v| match v {
            Value::Int(n) => {
                let _: () = b.append_value(*n);
                Some(())
            }
            _ => None,
        }),
        "DOUBLE" => build(values, Float64Builder::with_capacity(rows), |b, v| match v {
            Value::Float(f) => {
                let _: () = b.append_value(*f);
                Some(())
            }
            _ => None,
        }),
        "VARCHAR" => {
            let mut b = StringBuilder::with_capacity(rows, rows * 12);
            for v in values {
                match v {
                    Some(Value::Str(s)) => b.append_value(s),
                    Some(other) => b.append_value(other.to_text()),
                    None => b.append_null(),
                }
            }
            Some(Arc::new(b.finish()))
        }
        "BOOLEAN" => build(values, BooleanBuilder::with_capacity(rows), |b, v| match v {
            Value::Bool(x) => {
                let _: () = b.append_value(*x);
                Some(())
            }
            _ => None,
        }),
        "DATE" => build(values, Date32Builder::with_capacity(rows), |b, v| match v {
            Value::Date(d) => {
                let _: () = b.append_value(*d);
                Some(())
            }
            _ => None,
        }),
        "TIMESTAMP" => build(values, TimestampMicrosecondBuilder::with_capacity(rows), |b, v| match v {
            Value::Timestamp(t) => {
                let _: () = b.append_value(*t);
                Some(())
            }
            _ => None,
        }),
        "BLOB" => build(values, BinaryBuilder::with_capacity(rows, rows * 8), |b, v| match v {
            Value::Bytes(x) => {
                let _: () = b.append_value(x);
                Some(())
            }
            _ => None,
        }),
        _ => decimal_type(ty).and_then(|(precision, scale)| {
            let builder =
                Decimal128Builder::with_capacity(rows).with_precision_and_scale(precision, scale as i8).ok()?;
            build(values, builder, |b, v| match v {
                Value::Decimal(d) => super::types::decimal_units(d, scale).map(|u| {
                    b.append_value(u);
                }),
                _ => None,
            })
        }),
    };
    match native {
        Some(array) => Loaded { array, as_text: false },
        None => {
            let mut b = StringBuilder::with_capacity(rows, rows * 12);
            for v in values {
                match v {
                    Some(v) => b.append_value(v.to_text()),
                    None => b.append_null(),
                }
            }
            Loaded { array: Arc::new(b.finish()), as_text: true }
        }
    }
}

/// Fills `builder` with `values`; `None` when a value is not of the builder's kind.
fn build<B, F>(values: &[Option<Value>], mut builder: B, mut push: F) -> Option<ArrayRef>
where
    B: arrow::array::ArrayBuilder + NullAppend,
    F: FnMut(&mut B, &Value) -> Option<()>,
{
    for v in values {
        match v {
            Some(v) => push(&mut builder, v)?,
            None => builder.push_null(),
        }
    }
    Some(builder.finish_array())
}

/// The two things [`build`] needs of every Arrow builder it fills.
trait NullAppend {
    fn push_null(&mut self);
    fn finish_array(&mut self) -> ArrayRef;
}

macro_rules! null_append {
    ($($builder:ty),*) => {$(
        impl NullAppend for $builder {
            fn push_null(&mut self) {
                self.append_null()
            }
            fn finish_array(&mut self) -> ArrayRef {
                Arc::new(self.finish())
            }
        }
    )*};
}

null_append!(
    Int64Builder,
    Float64Builder,
    BooleanBuilder,
    Date32Builder,
    TimestampMicrosecondBuilder,
    BinaryBuilder,
    Decimal128Builder
);

/// `DECIMAL(p,s)` → (p, s).
fn decimal_type(ty: &str) -> Option<(u8, u32)> {
    let inner = ty.strip_prefix("DECIMAL(")?.strip_suffix(')')?;
    let (p, s) = inner.split_once(',')?;
    let p: u8 = p.trim().parse().ok()?;
    let s: u32 = s.trim().parse().ok()?;
    (1..=38).contains(&p).then_some((p, s)).filter(|(p, s)| *s <= u32::from(*p))
}

fn qualified(table: &SynthTable, catalog: Option<&str>) -> String {
    let (schema, name) = table.schema_and_table();
    match catalog {
        Some(catalog) => format!("{}.{}.{}", quote(catalog), quote(schema), quote(name)),
        None => format!("{}.{}", quote(schema), quote(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, ty: &str, values: Vec<Option<Value>>) -> SynthColumn {
        SynthColumn { name: name.into(), sql_type: ty.into(), duckdb_type: ty.into(), values }
    }

    fn sample() -> Dataset {
        let table = SynthTable {
            name: "raw.t".into(),
            rows: 3,
            columns: vec![
                column("id", "BIGINT", vec![Some(Value::Int(1)), Some(Value::Int(-2)), Some(Value::Int(i64::MAX))]),
                column(
                    "amount",
                    "DECIMAL(38,9)",
                    vec![Some(Value::Decimal("12.5".into())), None, Some(Value::Decimal("-0.000000001".into()))],
                ),
                column(
                    "name",
                    "VARCHAR",
                    vec![Some(Value::Str(" Ünïcode ".into())), Some(Value::Str(String::new())), None],
                ),
                column(
                    "ts",
                    "TIMESTAMP",
                    vec![Some(Value::Timestamp(0)), None, Some(Value::Timestamp(1_719_748_800_000_000))],
                ),
                column("day", "DATE", vec![Some(Value::Date(19_723)), None, Some(Value::Date(-1))]),
                column("ok", "BOOLEAN", vec![Some(Value::Bool(true)), Some(Value::Bool(false)), None]),
                column(
                    "t",
                    "TIME",
                    vec![Some(Value::Str("12:34:56".into())), None, Some(Value::Str("00:00:00".into()))],
                ),
            ],
        };
        Dataset { tables: vec![table] }
    }

    fn rows(connection: &Connection, sql: &str) -> Vec<String> {
        let mut statement = connection.prepare(sql).unwrap();
        let mut out = Vec::new();
        let mut rows = statement.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let text: String = row.get(0).unwrap();
            out.push(text);
        }
        out
    }

    #[test]
    fn loads_every_type_with_nulls_exactly() {
        let connection = Connection::open_in_memory().unwrap();
        connection.execute_batch("CREATE SCHEMA raw").unwrap();
        load(&sample(), &connection, None).unwrap();
        let got = rows(
            &connection,
            "SELECT concat_ws('|', id, coalesce(amount::VARCHAR, 'NULL'), coalesce('[' || name || ']', 'NULL'), \
             coalesce(ts::VARCHAR, 'NULL'), coalesce(day::VARCHAR, 'NULL'), coalesce(ok::VARCHAR, 'NULL'), \
             coalesce(t::VARCHAR, 'NULL'), typeof(t), typeof(amount)) FROM raw.t ORDER BY id",
        );
        assert_eq!(
            got,
            [
                "-2|NULL|[]|NULL|NULL|false|NULL|TIME|DECIMAL(38,9)",
                "1|12.500000000|[ Ünïcode ]|1970-01-01 00:00:00|2024-01-01|true|12:34:56|TIME|DECIMAL(38,9)",
                "9223372036854775807|-0.000000001|NULL|2024-06-30 12:00:00|1969-12-31|NULL|00:00:00|TIME|DECIMAL(38,9)",
            ]
        );
        // The staging table is gone.
        assert_eq!(rows(&connection, "SELECT count(*)::VARCHAR FROM duckdb_tables() WHERE temporary"), ["0"]);
    }

    #[test]
    fn loads_more_rows_than_one_batch() {
        let n = BATCH_ROWS * 2 + 17;
        let table = SynthTable {
            name: "raw.big".into(),
            rows: n,
            columns: vec![column("id", "BIGINT", (0..n as i64).map(|i| Some(Value::Int(i))).collect())],
        };
        let connection = Connection::open_in_memory().unwrap();
        connection.execute_batch("CREATE SCHEMA raw").unwrap();
        load(&Dataset { tables: vec![table] }, &connection, None).unwrap();
        let expected = format!("{n}|{}", (n as i64) * (n as i64 - 1) / 2);
        assert_eq!(rows(&connection, "SELECT count(*) || '|' || sum(id) FROM raw.big"), [expected]);
    }

    #[test]
    fn csv_round_trips_nulls_and_empty_strings() {
        let dir = std::env::temp_dir().join(format!("specproof-csv-{}", std::process::id()));
        let files = write_csv(&sample(), &dir).unwrap();
        assert_eq!(files, [dir.join("raw.t.csv")]);
        let text = std::fs::read_to_string(&files[0]).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], r#""id","amount","name","ts","day","ok","t""#);
        // NULL is an empty field; the empty string is quoted.
        assert!(lines.iter().any(|l| l.starts_with(r#""-2",,"","#)), "{text}");
        let connection = Connection::open_in_memory().unwrap();
        let path = files[0].to_string_lossy().to_string();
        let back = rows(
            &connection,
            &format!("SELECT count(*) FILTER (name = '')::VARCHAR || '|' || count(*) FILTER (name IS NULL) FROM read_csv('{path}', header = true, all_varchar = true, allow_quoted_nulls = false)"),
        );
        assert_eq!(back, ["1|1"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
