//! Comparing a result with the reference (spec-format.md, "Comparing a result with the
//! reference"): the same multiset of rows over the spec's output columns, matched by column name;
//! row order ignored, NULL equal to NULL, numbers within a relative tolerance (absolute near
//! zero), everything else exact.
//!
//! Agreement, the usual outcome, is settled in one statement: both sides' row counts, sums of
//! their rows' hashes and column types. Otherwise the multiset difference is done in DuckDB:
//! each side's rows are counted per distinct row
//! (`GROUP BY ALL`) and the counts joined with `IS NOT DISTINCT FROM` on every column, so only
//! rows whose counts differ leave the database. Among those, rows that differ only by numbers
//! within the tolerance are then paired off here (greedily, within groups of equal non-numeric
//! values): a tolerance is not an equivalence, so it cannot be a `GROUP BY`.
//!
//! Which columns get the tolerance: a column where either side is a non-integer number (DOUBLE,
//! FLOAT, DECIMAL) and the other is a number, both compared as DOUBLE. Integers on both sides
//! compare exactly. A column whose two sides have other, different types compares as text.

use super::sql::quote;
use crate::engine::Row;
use duckdb::Connection;
use std::collections::HashMap;

/// How many differing rows a [`Comparison`] keeps of each kind.
pub const SHOWN_ROWS: usize = 5;

/// How close two numbers must be to be equal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Relative to the larger magnitude of the two.
    pub relative: f64,
    /// The least allowed difference, for numbers near zero.
    pub absolute: f64,
}

impl Default for Tolerance {
    /// spec-format.md: relative 1e-9, absolute 1e-9 near zero.
    fn default() -> Self {
        Tolerance { relative: 1e-9, absolute: 1e-9 }
    }
}

impl Tolerance {
    /// Whether `a` and `b` are equal within the tolerance (infinities equal themselves, NaN
    /// equals NaN).
    pub fn equal(&self, a: f64, b: f64) -> bool {
        if a == b || (a.is_nan() && b.is_nan()) {
            return true;
        }
        let allowed = (self.relative * a.abs().max(b.abs())).max(self.absolute);
        (a - b).abs() <= allowed
    }
}

/// How a result differs from the reference.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// The compared columns, in the order the rows below hold them.
    pub columns: Vec<String>,
    /// Rows of the reference.
    pub expected_rows: usize,
    /// Rows of the result.
    pub actual_rows: usize,
    /// Rows the reference has and the result lacks (counted with multiplicity).
    pub missing_rows: usize,
    /// Rows the result has and the reference lacks (counted with multiplicity).
    pub extra_rows: usize,
    /// The first few differing rows, each missing row beside the extra row most like it (same
    /// values in the most columns, leftmost columns first), or alone; sorted, so the same
    /// tables always give the same rows. Values are DuckDB's text, `None` for NULL.
    pub differences: Vec<(Option<Row>, Option<Row>)>,
}

impl Comparison {
    /// True when the result holds exactly the reference's rows.
    pub fn agrees(&self) -> bool {
        self.missing_rows == 0 && self.extra_rows == 0
    }
}

/// Compares `actual` with `expected` (each SQL naming a table, e.g. `"memory".temp.stg_orders`,
/// or a parenthesised query) over `columns`, matched by name.
///
/// Fails (with a lowercase fragment) when a relation cannot be read or lacks a column: missing
/// and extra columns are the type check's to report, not this comparison's.
pub fn compare(
    conn: &Connection,
    expected: &str,
    actual: &str,
    columns: &[String],
    tolerance: Tolerance,
) -> Result<Comparison, String> {
    if columns.is_empty() {
        return Err("there are no columns to compare".into());
    }
    // The first statement failing (a value DuckDB cannot hash, a missing column) leaves it to
    // the statements below to say why.
    if let Ok(Some(agreement)) = settle(conn, expected, actual, columns, tolerance) {
        return Ok(agreement);
    }
    // A difference, or types whose values could not be matched without the rows: the types
    // column by column, and the rows.
    let n = columns.len();
    let (expected_types, actual_types) = (types_of(conn, expected, columns)?, types_of(conn, actual, columns)?);
    let kinds: Vec<ColumnKind> = expected_types.iter().zip(&actual_types).map(|(e, a)| ColumnKind::of(e, a)).collect();
    let projection = projection(columns, &kinds);
    let counted = |relation: &str| {
        format!(
            "SELECT *, count(*) AS specproof_n FROM (SELECT {} FROM {relation}) GROUP BY ALL",
            projection.join(", ")
        )
    };
    let on: Vec<String> = (0..columns.len()).map(|i| format!("e.c{i} IS NOT DISTINCT FROM a.c{i}")).collect();
    let side =
        |s: &str| (0..columns.len()).map(|i| format!("CAST({s}.c{i} AS VARCHAR)")).collect::<Vec<_>>().join(", ");
    // Rows whose counts differ: the surplus of each side, and the row (the two sides are equal
    // where both exist); then one row with no surplus that holds each side's row count, so that
    // the counts come back in the same statement (a statement is dearer to DuckDB than the rows
    // it reads here). Only differing rows are cast to text. The counts are outside the WITH, whose
    // names would hide relations called `e` or `a`.
    let nulls = vec!["NULL"; 2 * n].join(", ");
    let sql = format!(
        "(WITH e AS ({}), a AS ({})\n\
         SELECT coalesce(e.specproof_n, 0) - coalesce(a.specproof_n, 0), {}, {}, NULL, NULL\n\
         FROM e FULL JOIN a ON {}\n\
         WHERE coalesce(e.specproof_n, 0) <> coalesce(a.specproof_n, 0))\n\
         UNION ALL SELECT 0, {nulls}, (SELECT count(*) FROM {expected}), (SELECT count(*) FROM {actual})",
        counted(expected),
        counted(actual),
        side("e"),
        side("a"),
        on.join(" AND ")
    );
    let rows = fetch(conn, &sql, 3 + 2 * n)?;
    let mut missing: Vec<(Row, usize)> = Vec::new();
    let mut extra: Vec<(Row, usize)> = Vec::new();
    let (mut expected_rows, mut actual_rows) = (0, 0);
    let count = |v: &Option<String>| -> usize { v.as_deref().and_then(|s| s.parse().ok()).unwrap_or(0) };
    for row in rows {
        if row[1 + 2 * n].is_some() {
            expected_rows = count(&row[1 + 2 * n]);
            actual_rows = count(&row[2 + 2 * n]);
            continue;
        }
        let surplus: i64 = row[0].as_deref().and_then(|s| s.parse().ok()).unwrap_or(0);
        let (e, a) = (row[1..=n].to_vec(), row[n + 1..=2 * n].to_vec());
        if surplus > 0 {
            missing.push((e, surplus as usize));
        } else if surplus < 0 {
            extra.push((a, surplus.unsigned_abs() as usize));
        }
    }
    // The pairing is greedy: in an order of their own, not the join's, it pairs the same rows
    // whatever plan DuckDB chose.
    missing.sort();
    extra.sort();
    pair_within_tolerance(&mut missing, &mut extra, &kinds, tolerance);
    let mut comparison = Comparison {
        columns: columns.to_vec(),
        expected_rows,
        actual_rows,
        missing_rows: missing.iter().map(|(_, k)| k).sum(),
        extra_rows: extra.iter().map(|(_, k)| k).sum(),
        differences: Vec::new(),
    };
    comparison.differences = beside(missing, extra);
    Ok(comparison)
}

/// Settles agreement inside DuckDB, without reading a row: `Some` (an agreeing [`Comparison`])
/// when `actual` holds `expected`'s rows, `None` when they may differ, which [`compare`] then
/// decides row by row. `expected` may be a parenthesised query, run here without being kept
/// (how a model's reference result is compared when nothing reads it again). An error is the
/// first failing statement's, as DuckDB gave it, for the caller to tell a query out of time or
/// memory from one [`compare`] explains.
///
/// Equal multisets have equal row counts and equal sums of their rows' hashes: when both agree
/// the tables are taken as equal without the grouping and the join of [`compare`], which cost
/// DuckDB several times more. Two different multisets agree on both only if a sum of 64-bit
/// hashes collides (odds of about 2^-64). The first statement hashes the columns as they are
/// and reads their types (as one row type): with the same types on both sides, equal values
/// are equal rows whatever the comparison's casts, so that one statement settles the usual case.
/// Its text is kept short: DuckDB's parser costs by the byte, and this runs for every model on
/// every dataset. With different types, the values are compared as [`compare`] compares them:
/// hashed again after the casts, or, where a column has the numbers' tolerance (a DECIMAL(38,9)
/// beside a DECIMAL(38,18) or a DOUBLE, as a division leaves them), sorted and matched row for
/// row within it.
pub fn settle(
    conn: &Connection,
    expected: &str,
    actual: &str,
    columns: &[String],
    tolerance: Tolerance,
) -> duckdb::Result<Option<Comparison>> {
    settle_with(conn, Compared { expected, actual, columns, hashed: &[] }, tolerance)
}

/// One comparison for [`settle_with`].
#[derive(Debug, Clone, Copy)]
pub struct Compared<'a> {
    /// The reference: a table, or a query in parentheses.
    pub expected: &'a str,
    /// The table compared with it.
    pub actual: &'a str,
    /// The columns compared.
    pub columns: &'a [String],
    /// How each column is hashed ([`Hashed`]); empty: every column as it is.
    pub hashed: &'a [Hashed],
}

/// [`settle`] with each column hashed as `hashed` says, chosen from the actual table's type as
/// its catalog gives it ([`Hashed::for_type`]; empty when unknown: every column as it is). A
/// fraction is hashed rounded to the tolerance's nine places on both sides, so that a
/// `DECIMAL(38,9)` reference beside a code's `DOUBLE` or `DECIMAL(38,2)` (a money column, an
/// average) is settled by the first statement instead of running both sides again to match
/// them row by row: rounded values that agree are within 1e-9 of each other, inside the
/// tolerance. A sum is trusted only where the result's own types make its hashing exact
/// ([`Hashed::trusted`]); otherwise the values are matched as before.
pub fn settle_with(
    conn: &Connection,
    compared: Compared<'_>,
    tolerance: Tolerance,
) -> duckdb::Result<Option<Comparison>> {
    let Some(first) = first_statement(&compared) else { return Ok(None) };
    let sides = sides(conn, &first)?;
    settle_on(conn, &compared, tolerance, &sides)
}

/// [`settle`] for many comparisons, their first statements asked as one: DuckDB's cost of a
/// statement whose rows are read is about a millisecond besides the query's own, which on a few
/// hundred rows is most of a comparison. The answer is [`settle_with`]'s for each, or an error
/// for all when the statement asking them together fails (one of them cannot run), for the
/// caller to ask each alone.
pub fn settle_many(
    conn: &Connection,
    each: &[Compared<'_>],
    tolerance: Tolerance,
) -> duckdb::Result<Vec<duckdb::Result<Option<Comparison>>>> {
    let branches: Vec<String> = each
        .iter()
        .enumerate()
        .filter_map(|(k, compared)| {
            let first = first_statement(compared)?;
            Some(format!("SELECT {k} AS specproof_k, * FROM ({first}) AS specproof_sides"))
        })
        .collect();
    let mut found: Vec<Vec<Side>> = vec![Vec::new(); each.len()];
    if !branches.is_empty() {
        let rows = crate::engine::database::rows_planned_once(conn, &branches.join("\nUNION ALL "))?;
        for row in rows {
            let Some(k) = row.first().and_then(|k| k.as_deref()).and_then(|k| k.parse::<usize>().ok()) else {
                continue;
            };
            if let (Some(side), Some(slot)) = (side_of(&row[1..]), found.get_mut(k)) {
                slot.push(side);
            }
        }
    }
    Ok(each
        .iter()
        .zip(found)
        .map(|(compared, mut sides)| {
            sides.sort();
            settle_on(conn, compared, tolerance, &sides)
        })
        .collect())
}

/// [`settle_with`]'s first statement (`None` without columns): per side, its rows, the sum of
/// their hashes (each column as `hashed` says) and their row type.
fn first_statement(compared: &Compared<'_>) -> Option<String> {
    let Compared { expected, actual, columns, hashed } = *compared;
    if columns.is_empty() {
        return None;
    }
    let list = columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
    let hashed = columns
        .iter()
        .enumerate()
        .map(|(i, c)| match hashed.get(i) {
            // TRY_CAST: a column the catalog misnamed is NULL here, and untrusted below.
            Some(Hashed::Rounded) => format!("round(TRY_CAST({} AS DOUBLE), 9)", quote(c)),
            Some(Hashed::AsText) => format!("CAST({} AS VARCHAR)", quote(c)),
            Some(Hashed::AsIs) | None => quote(c),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let raw = |side: usize, relation: &str| {
        format!(
            "SELECT {side}, count(*), sum(hash({hashed})::HUGEINT)::VARCHAR, any_value(typeof(row({list}))) FROM {relation}"
        )
    };
    Some(format!("{} UNION ALL {}", raw(0, expected), raw(1, actual)))
}

/// [`settle`] once its first statement answered `sides`.
fn settle_on(
    conn: &Connection,
    compared: &Compared<'_>,
    tolerance: Tolerance,
    sides: &[Side],
) -> duckdb::Result<Option<Comparison>> {
    let Compared { expected, actual, columns, hashed } = *compared;
    let [e, a] = sides else { return Ok(None) };
    let agreement =
        || Comparison { columns: columns.to_vec(), expected_rows: e.1, actual_rows: a.1, ..Comparison::default() };
    if e.1 != a.1 {
        return Ok(None);
    }
    if e.1 == 0 {
        return Ok(Some(agreement()));
    }
    let (Some(expected_type), Some(actual_type)) = (&e.3, &a.3) else { return Ok(None) };
    // The usual case: the same types, every column hashed as it is, and none a type whose
    // hash loses values.
    let as_is = hashed.iter().all(|h| *h == Hashed::AsIs);
    if expected_type == actual_type && as_is && !wide(expected_type) {
        return Ok((e.2 == a.2).then(agreement));
    }
    // The row types name the columns' types; a type this cannot split is asked of DuckDB.
    let (expected_types, actual_types): (Vec<String>, Vec<String>) =
        match (row_types(expected_type), row_types(actual_type)) {
            (Some(e), Some(a)) if e.len() == columns.len() && a.len() == columns.len() => {
                (e.iter().map(|t| t.to_string()).collect(), a.iter().map(|t| t.to_string()).collect())
            }
            _ => match (types_of(conn, expected, columns), types_of(conn, actual, columns)) {
                (Ok(e), Ok(a)) if e.len() == columns.len() && a.len() == columns.len() => (e, a),
                _ => return Ok(None),
            },
        };
    let kinds: Vec<ColumnKind> = expected_types.iter().zip(&actual_types).map(|(e, a)| ColumnKind::of(e, a)).collect();
    let trusted = (0..columns.len()).all(|i| {
        hashed.get(i).copied().unwrap_or(Hashed::AsIs).trusted(&expected_types[i], &actual_types[i], kinds[i])
    });
    if trusted && e.2 == a.2 {
        return Ok(Some(agreement()));
    }
    if trusted && expected_type == actual_type {
        // Hashed exactly, or rounded within the tolerance, and different: the full comparison
        // says how.
        return Ok(None);
    }
    let agrees = if kinds.contains(&ColumnKind::Number) {
        agree_in_order(conn, expected, actual, columns, &kinds, tolerance)?
    } else if trusted {
        false
    } else {
        // As text where the values as they are do not hash exactly.
        let kinds: Vec<ColumnKind> = (0..columns.len())
            .map(|i| {
                if Hashed::AsIs.trusted(&expected_types[i], &actual_types[i], kinds[i]) {
                    ColumnKind::Exact
                } else {
                    ColumnKind::Text
                }
            })
            .collect();
        same_fingerprint(conn, expected, actual, columns, &kinds)?
    };
    Ok(agrees.then(agreement))
}

/// How [`settle_with`]'s first statement hashes a column, alike on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hashed {
    /// The value as it is.
    AsIs,
    /// As a `DOUBLE` rounded to nine places: a fraction, compared with the tolerance.
    Rounded,
    /// As text: a 128-bit integer, whose hash DuckDB takes as its halves' hashes combined, so
    /// that -1 (both halves all ones) hashes as 0 does.
    AsText,
}

impl Hashed {
    /// The hashing for a column of the actual table of DuckDB type `actual`.
    pub fn for_type(actual: &str) -> Hashed {
        if is_fraction(actual) {
            Hashed::Rounded
        } else if wide(actual) {
            Hashed::AsText
        } else {
            Hashed::AsIs
        }
    }

    /// Whether equal sums of hashes made this way mean the column agrees, for a column of types
    /// `expected` and `actual` compared as `kind`. Text that agrees is the same value (the
    /// comparison of two different types reads both as text); rounded numbers agree within the
    /// tolerance. A value as it is only beside its own type: DuckDB hashes an integer by its
    /// bits widened without sign (INTEGER -1 hashes as BIGINT 4294967295 does) and a DECIMAL by
    /// its unscaled integer (1.5 as 1500000000), and never a 128-bit value exactly ([`wide`]).
    fn trusted(self, expected: &str, actual: &str, kind: ColumnKind) -> bool {
        match self {
            Hashed::AsText => true,
            Hashed::Rounded => kind == ColumnKind::Number,
            Hashed::AsIs => expected == actual && !wide(expected),
        }
    }
}

/// A floating or fixed-point number type: compared with the tolerance. A list or a struct of
/// them is not one (`DECIMAL(38,9)[]`): it cannot be cast to a number, and a `TRY_CAST` of it
/// is NULL, whatever it holds.
fn is_fraction(t: &str) -> bool {
    let decimal = t.strip_prefix("DECIMAL(").and_then(|rest| rest.strip_suffix(')'));
    matches!(t, "FLOAT" | "DOUBLE" | "REAL" | "DECIMAL")
        || decimal.is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit() || c == ','))
}

/// Whether a type holds (or nests) 128-bit values, which DuckDB hashes as the hashes of their
/// two halves combined, so that different values hash alike: `HUGEINT`, `UHUGEINT`, `UUID`,
/// and a `DECIMAL` of more than 18 digits.
fn wide(t: &str) -> bool {
    let upper = t.to_ascii_uppercase();
    if upper.contains("HUGEINT") || upper.contains("UUID") {
        return true;
    }
    upper.match_indices("DECIMAL(").any(|(at, found)| {
        let digits: String = upper[at + found.len()..].chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u32>().map_or(true, |width| width > 18)
    })
}

/// Each column as the comparison reads it (`c0`, `c1`, …): as it is, as DOUBLE (numbers with
/// the tolerance) or as text (other different types).
fn projection(columns: &[String], kinds: &[ColumnKind]) -> Vec<String> {
    columns
        .iter()
        .zip(kinds)
        .enumerate()
        .map(|(i, (c, kind))| match kind {
            ColumnKind::Exact => format!("{} AS c{i}", quote(c)),
            ColumnKind::Number => format!("CAST({} AS DOUBLE) AS c{i}", quote(c)),
            ColumnKind::Text => format!("CAST({} AS VARCHAR) AS c{i}", quote(c)),
        })
        .collect()
}

/// Whether both sides have the same row count and sum of row hashes over the values as
/// compared (no column has the tolerance): the [`ColumnKind::Text`] columns as text, whose
/// hashes are equal only for the same text (two types, or a type [`Hashed::trusted`] does not
/// hash exactly), the others as they are.
fn same_fingerprint(
    conn: &Connection,
    expected: &str,
    actual: &str,
    columns: &[String],
    kinds: &[ColumnKind],
) -> duckdb::Result<bool> {
    let projection = projection(columns, kinds).join(", ");
    let hashed = (0..columns.len()).map(|i| format!("c{i}")).collect::<Vec<_>>().join(", ");
    let fingerprint = |side: usize, relation: &str| {
        format!(
            "SELECT {side}, count(*), sum(hash({hashed})::HUGEINT)::VARCHAR, NULL::VARCHAR FROM (SELECT {projection} FROM {relation})"
        )
    };
    let sums = sides(conn, &format!("{} UNION ALL {}", fingerprint(0, expected), fingerprint(1, actual)))?;
    Ok(matches!(sums.as_slice(), [e, a] if e.1 == a.1 && e.2 == a.2))
}

/// Whether the two sides, each sorted on its values as compared, agree row for row: numbers
/// within the tolerance, everything else exactly. Both sides must have the same row count.
///
/// Agreement here is agreement: the sorted order pairs every row with one within the
/// tolerance. The columns without the tolerance sort first, so two rows sort apart only where
/// those agree and numbers within the tolerance of each other fall between them; the pairing of
/// [`compare`] decides that case (and a difference).
fn agree_in_order(
    conn: &Connection,
    expected: &str,
    actual: &str,
    columns: &[String],
    kinds: &[ColumnKind],
    tolerance: Tolerance,
) -> duckdb::Result<bool> {
    let projection = projection(columns, kinds).join(", ");
    let exact = (0..kinds.len()).filter(|&i| kinds[i] != ColumnKind::Number);
    let numbers = (0..kinds.len()).filter(|&i| kinds[i] == ColumnKind::Number);
    let order = exact.chain(numbers).map(|i| format!("c{i}")).collect::<Vec<_>>().join(", ");
    let numbered = |relation: &str| {
        format!(
            "SELECT row_number() OVER (ORDER BY {order}) AS specproof_i, * FROM (SELECT {projection} FROM {relation})"
        )
    };
    // `Tolerance::equal` in SQL, on the same DOUBLE values: equal (NULL to NULL, NaN to NaN), or
    // no further apart than the relative tolerance of the larger magnitude, or the absolute one.
    let (relative, absolute) = (format!("{:e}", tolerance.relative), format!("{:e}", tolerance.absolute));
    let same: Vec<String> = kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| match kind {
            ColumnKind::Number => format!(
                "coalesce(e.c{i} IS NOT DISTINCT FROM a.c{i} OR abs(e.c{i} - a.c{i}) <= \
                 greatest({relative} * greatest(abs(e.c{i}), abs(a.c{i})), {absolute}), FALSE)"
            ),
            _ => format!("e.c{i} IS NOT DISTINCT FROM a.c{i}"),
        })
        .collect();
    let sql = format!(
        "SELECT count(*) FROM ({}) AS e JOIN ({}) AS a ON e.specproof_i = a.specproof_i WHERE NOT ({})",
        numbered(expected),
        numbered(actual),
        same.join(" AND ")
    );
    let rows = crate::engine::database::rows_planned_once(conn, &sql)?;
    Ok(rows.first().and_then(|row| row.first()).is_some_and(|n| n.as_deref() == Some("0")))
}

/// The column types of a row type as DuckDB writes it (`TUPLE(BIGINT, DECIMAL(38,9),
/// STRUCT("a, b" INTEGER))`), split at its top-level commas; `None` when it is not one.
fn row_types(row: &str) -> Option<Vec<&str>> {
    let inner = row.strip_prefix("TUPLE(")?.strip_suffix(')')?;
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0usize, None, 0);
    for (i, ch) in inner.char_indices() {
        match (quote, ch) {
            // A doubled quote inside a name closes and opens again: the same state.
            (Some(q), _) if ch == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth = depth.checked_sub(1)?,
            (None, ',') if depth == 0 => {
                parts.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(inner[start..].trim());
    (quote.is_none() && depth == 0).then_some(parts)
}

/// How a column's values are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColumnKind {
    /// Exactly, in their own type.
    Exact,
    /// As DOUBLE, within the tolerance.
    Number,
    /// As text (the two sides' types differ).
    Text,
}

impl ColumnKind {
    fn of(expected: &str, actual: &str) -> ColumnKind {
        let integer = |t: &str| {
            matches!(
                t,
                "TINYINT"
                    | "SMALLINT"
                    | "INTEGER"
                    | "BIGINT"
                    | "HUGEINT"
                    | "UTINYINT"
                    | "USMALLINT"
                    | "UINTEGER"
                    | "UBIGINT"
                    | "UHUGEINT"
            )
        };
        let number = |t: &str| integer(t) || is_fraction(t);
        if (is_fraction(expected) || is_fraction(actual)) && number(expected) && number(actual) {
            ColumnKind::Number
        } else if expected == actual || (integer(expected) && integer(actual)) {
            ColumnKind::Exact
        } else {
            ColumnKind::Text
        }
    }
}

/// The DuckDB types of `columns` in `relation`, in that order.
fn types_of(conn: &Connection, relation: &str, columns: &[String]) -> Result<Vec<String>, String> {
    let list: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let sql = format!("DESCRIBE SELECT {} FROM {relation}", list.join(", "));
    let rows = fetch(conn, &sql, 2)?;
    Ok(rows.into_iter().map(|r| r[1].clone().unwrap_or_default()).collect())
}

/// One row per side of the first statement: (side, rows, sum of the rows' hashes, row type),
/// sorted by side.
type Side = (i64, usize, Option<String>, Option<String>);

fn sides(conn: &Connection, sql: &str) -> duckdb::Result<Vec<Side>> {
    let rows = crate::engine::database::rows_planned_once(conn, sql)?;
    let mut out: Vec<Side> = rows.iter().filter_map(|row| side_of(row)).collect();
    out.sort();
    Ok(out)
}

/// One row of [`settle`]'s first statement.
fn side_of(row: &[Option<String>]) -> Option<Side> {
    let number = |v: &Option<String>| v.as_deref().and_then(|s| s.parse::<i64>().ok());
    let side = number(row.first()?)?;
    let count = usize::try_from(number(row.get(1)?)?).ok()?;
    Some((side, count, row.get(2)?.clone(), row.get(3)?.clone()))
}

/// Runs `sql` and returns its first `width` columns as text.
fn fetch(conn: &Connection, sql: &str, width: usize) -> Result<Vec<Row>, String> {
    let cast: Vec<String> = (1..=width).map(|i| format!("CAST(#{i} AS VARCHAR)")).collect();
    let text = format!("SELECT {} FROM ({sql}) AS specproof_rows", cast.join(", "));
    let mut statement = conn.prepare(&text).map_err(|e| format!("comparing failed: {e}"))?;
    let rows = statement
        .query_map([], |row| (0..width).map(|i| row.get::<_, Option<String>>(i)).collect())
        .map_err(|e| format!("comparing failed: {e}"))?
        .collect::<duckdb::Result<Vec<Row>>>()
        .map_err(|e| format!("comparing failed: {e}"))?;
    Ok(rows)
}

/// Pairs off missing and extra rows whose non-number columns are equal and whose numbers are
/// within the tolerance, removing them (with their multiplicities) from both lists.
fn pair_within_tolerance(
    missing: &mut Vec<(Row, usize)>,
    extra: &mut Vec<(Row, usize)>,
    kinds: &[ColumnKind],
    tolerance: Tolerance,
) {
    if missing.is_empty() || extra.is_empty() || !kinds.contains(&ColumnKind::Number) {
        return;
    }
    let key = |row: &Row| -> Vec<Option<String>> {
        row.iter().zip(kinds).filter(|(_, k)| **k != ColumnKind::Number).map(|(v, _)| v.clone()).collect()
    };
    let number = |v: &Option<String>| v.as_deref().map(|s| s.parse::<f64>().unwrap_or(f64::NAN));
    let close = |a: &Row, b: &Row| {
        a.iter().zip(b).zip(kinds).filter(|(_, k)| **k == ColumnKind::Number).all(|((x, y), _)| {
            match (number(x), number(y)) {
                (None, None) => true,
                (Some(x), Some(y)) => tolerance.equal(x, y),
                _ => false,
            }
        })
    };
    let mut by_key: HashMap<Vec<Option<String>>, Vec<usize>> = HashMap::new();
    for (j, (row, _)) in extra.iter().enumerate() {
        by_key.entry(key(row)).or_default().push(j);
    }
    for (row, count) in missing.iter_mut() {
        let Some(candidates) = by_key.get(&key(row)) else { continue };
        for &j in candidates {
            if *count == 0 {
                break;
            }
            let (other, left) = &mut extra[j];
            if *left > 0 && close(row, other) {
                let taken = (*count).min(*left);
                *count -= taken;
                *left -= taken;
            }
        }
    }
    missing.retain(|(_, k)| *k > 0);
    extra.retain(|(_, k)| *k > 0);
}

/// The first [`SHOWN_ROWS`] missing rows, each beside the extra row most like it, then extra
/// rows left alone.
fn beside(mut missing: Vec<(Row, usize)>, mut extra: Vec<(Row, usize)>) -> Vec<(Option<Row>, Option<Row>)> {
    missing.sort();
    extra.sort();
    let mut extra: Vec<Row> = extra.into_iter().map(|(r, _)| r).collect();
    let mut shown = Vec::new();
    for (row, _) in missing.into_iter().take(SHOWN_ROWS) {
        // Most equal columns wins; among equals, the one equal in the leftmost columns.
        let likeness = |other: &Row| -> (usize, Vec<bool>) {
            let same: Vec<bool> = row.iter().zip(other).map(|(a, b)| a == b).collect();
            (same.iter().filter(|s| **s).count(), same)
        };
        let best = (0..extra.len()).max_by(|&a, &b| likeness(&extra[a]).cmp(&likeness(&extra[b])).then(b.cmp(&a)));
        let partner = best.filter(|&j| likeness(&extra[j]).0 > 0).map(|j| extra.remove(j));
        shown.push((Some(row), partner));
    }
    let room = SHOWN_ROWS.saturating_sub(shown.len());
    shown.extend(extra.into_iter().take(room).map(|r| (None, Some(r))));
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(script: &str) -> Connection {
        let conn = Connection::open_in_memory().expect("open DuckDB");
        conn.execute_batch(script).expect("script");
        conn
    }

    fn columns(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn equal_multisets_agree_whatever_the_order_and_with_nulls() {
        let conn =
            db("CREATE TABLE e AS SELECT * FROM (VALUES (1, 'a', 1.5), (2, NULL, NULL), (2, NULL, NULL)) t(id, s, x);
             CREATE TABLE a AS SELECT * FROM (VALUES (2, NULL, NULL), (1, 'a', 1.5), (2, NULL, NULL)) t(id, s, x);");
        let c = compare(&conn, "e", "a", &columns(&["id", "s", "x"]), Tolerance::default()).unwrap();
        assert!(c.agrees(), "{c:?}");
        assert_eq!((c.expected_rows, c.actual_rows), (3, 3));
    }

    #[test]
    fn nested_values_compare_whole_whichever_way_agreement_is_settled() {
        let table = |rows: &str| format!("SELECT * FROM (VALUES {rows}) t(id, l, s)");
        let same = "(1, [1, 2], {'k': 'a'}), (2, NULL, {'k': NULL}), (2, NULL, {'k': NULL})";
        let conn = db(&format!("CREATE TABLE e AS {}; CREATE TABLE a AS {};", table(same), table(same)));
        let c = compare(&conn, "e", "a", &columns(&["id", "l", "s"]), Tolerance::default()).unwrap();
        assert!(c.agrees(), "{c:?}");
        assert_eq!((c.expected_rows, c.actual_rows), (3, 3));
        let other = "(1, [2, 1], {'k': 'a'}), (2, NULL, {'k': NULL}), (2, NULL, {'k': NULL})";
        let conn = db(&format!("CREATE TABLE e AS {}; CREATE TABLE a AS {};", table(same), table(other)));
        let c = compare(&conn, "e", "a", &columns(&["id", "l", "s"]), Tolerance::default()).unwrap();
        assert_eq!((c.missing_rows, c.extra_rows, c.expected_rows, c.actual_rows), (1, 1, 3, 3));
    }

    /// Agreement is settled on the values as compared, whichever statement settles it: the same
    /// numbers in two integer types agree, an empty side agrees only with another, and a value
    /// that hashes like another of a different type (TRUE and 1) is still a difference.
    #[test]
    fn types_decide_what_equal_means_before_any_hash_does() {
        let conn = db("CREATE TABLE e AS SELECT * FROM (VALUES (1::INTEGER, 'a'), (2, NULL)) t(id, s);
             CREATE TABLE a AS SELECT * FROM (VALUES (2::BIGINT, NULL), (1, 'a')) t(id, s);");
        let c = compare(&conn, "e", "a", &columns(&["id", "s"]), Tolerance::default()).unwrap();
        assert!(c.agrees(), "{c:?}");
        assert_eq!((c.expected_rows, c.actual_rows), (2, 2));
        let conn = db("CREATE TABLE e (id INTEGER, s VARCHAR); CREATE TABLE a (id BIGINT, s VARCHAR);");
        let c = compare(&conn, "e", "a", &columns(&["id", "s"]), Tolerance::default()).unwrap();
        assert!(c.agrees(), "{c:?}");
        let conn = db("CREATE TABLE e (id INTEGER); CREATE TABLE a AS SELECT 1::BIGINT AS id;");
        let c = compare(&conn, "e", "a", &columns(&["id"]), Tolerance::default()).unwrap();
        assert_eq!((c.missing_rows, c.extra_rows, c.expected_rows, c.actual_rows), (0, 1, 0, 1));
        let conn = db("CREATE TABLE e AS SELECT 1::INTEGER AS x; CREATE TABLE a AS SELECT TRUE AS x;");
        let c = compare(&conn, "e", "a", &columns(&["x"]), Tolerance::default()).unwrap();
        assert_eq!((c.missing_rows, c.extra_rows), (1, 1), "{c:?}");
    }

    #[test]
    fn multiplicity_counts() {
        let conn = db("CREATE TABLE e AS SELECT * FROM (VALUES (1), (1)) t(id);
             CREATE TABLE a AS SELECT * FROM (VALUES (1)) t(id);");
        let c = compare(&conn, "e", "a", &columns(&["id"]), Tolerance::default()).unwrap();
        assert_eq!((c.missing_rows, c.extra_rows), (1, 0));
        assert_eq!(c.differences, [(Some(vec![Some("1".to_string())]), None)]);
    }

    #[test]
    fn numbers_compare_within_the_tolerance_and_across_types() {
        let conn = db("CREATE TABLE e AS SELECT 1 AS id, CAST(1.666666667 AS DECIMAL(38,9)) AS x, 0.0::DOUBLE AS z;
             CREATE TABLE a AS SELECT 1 AS id, 5.0::DOUBLE / 3 AS x, 1e-12::DOUBLE AS z;");
        let c = compare(&conn, "e", "a", &columns(&["x", "id", "z"]), Tolerance::default()).unwrap();
        assert!(c.agrees(), "{c:?}");
        let conn = db("CREATE TABLE e AS SELECT 1 AS id, 1.0::DOUBLE AS x;
             CREATE TABLE a AS SELECT 1 AS id, 1.00001::DOUBLE AS x;");
        let c = compare(&conn, "e", "a", &columns(&["id", "x"]), Tolerance::default()).unwrap();
        assert_eq!((c.missing_rows, c.extra_rows), (1, 1));
        // The missing row is shown beside the extra row like it.
        let row = |x: &str| Some(vec![Some("1".to_string()), Some(x.to_string())]);
        assert_eq!(c.differences, [(row("1.0"), row("1.00001"))]);
    }

    #[test]
    fn a_null_is_not_a_zero_and_text_is_exact() {
        let conn = db("CREATE TABLE e AS SELECT * FROM (VALUES (NULL::DOUBLE, 'a')) t(x, s);
             CREATE TABLE a AS SELECT * FROM (VALUES (0.0::DOUBLE, 'a ')) t(x, s);");
        let c = compare(&conn, "e", "a", &columns(&["x", "s"]), Tolerance::default()).unwrap();
        assert_eq!((c.missing_rows, c.extra_rows), (1, 1));
    }

    /// A reference query is compared as it runs, without a table: agreement settles on it
    /// alone, and a difference is left to the full comparison.
    #[test]
    fn a_query_settles_agreement_without_being_kept() {
        let conn = db("CREATE TABLE a AS SELECT * FROM (VALUES (2, 'b'), (1, 'a')) t(id, s);");
        let query = "(\nSELECT * FROM (VALUES (1, 'a'), (2, 'b')) t(id, s)\n)";
        let settled = settle(&conn, query, "a", &columns(&["id", "s"]), Tolerance::default()).unwrap();
        assert_eq!(settled.map(|c| (c.agrees(), c.expected_rows, c.actual_rows)), Some((true, 2, 2)));
        let other = "(SELECT * FROM (VALUES (1, 'a'), (2, 'c')) t(id, s))";
        let settled = settle(&conn, other, "a", &columns(&["id", "s"]), Tolerance::default()).unwrap();
        assert!(settled.is_none(), "{settled:?}");
        let c = compare(&conn, other, "a", &columns(&["id", "s"]), Tolerance::default()).unwrap();
        assert_eq!((c.missing_rows, c.extra_rows), (1, 1));
        // A query that fails is DuckDB's error, for the caller to classify.
        assert!(settle(
            &conn,
            "(SELECT 1/0 AS id, error('x') AS s)",
            "a",
            &columns(&["id", "s"]),
            Tolerance::default()
        )
        .is_err());
    }

    /// Numbers of different types (a DECIMAL of 9 places beside one of 18, or beside a DOUBLE,
    /// as a division leaves them) agree within the tolerance without the full comparison; a
    /// number off by more than the tolerance, or rows that only sort apart, are left to it, and
    /// it decides as before.
    #[test]
    fn numbers_of_different_types_settle_within_the_tolerance() {
        let conn = db("CREATE TABLE e AS SELECT range AS id, 'k' || (range % 3) AS s,
                 CAST(range / 7 AS DECIMAL(38,9)) AS x FROM range(50);
             CREATE TABLE a AS SELECT range AS id, 'k' || (range % 3) AS s,
                 CAST(range / 7 AS DECIMAL(38,18)) AS x FROM range(50);
             CREATE TABLE d AS SELECT range AS id, 'k' || (range % 3) AS s, range / 7 AS x FROM range(50);
             CREATE TABLE f AS SELECT range AS id, 'k' || (range % 3) AS s,
                 range / 7 + CASE WHEN range = 20 THEN 1e-6 ELSE 0 END AS x FROM range(50);");
        let cols = columns(&["id", "s", "x"]);
        for actual in ["a", "d"] {
            let settled = settle(&conn, "e", actual, &cols, Tolerance::default()).unwrap();
            assert_eq!(settled.map(|c| c.agrees()), Some(true), "{actual}");
        }
        assert!(settle(&conn, "e", "f", &cols, Tolerance::default()).unwrap().is_none());
        let c = compare(&conn, "e", "f", &cols, Tolerance::default()).unwrap();
        assert_eq!((c.missing_rows, c.extra_rows), (1, 1), "{c:?}");
        // Two number columns: sorted on the first, whose values are within the tolerance of each
        // other across rows, the rows pair wrongly on the second. Not settled here; the full
        // comparison pairs them.
        let conn = db("CREATE TABLE e AS SELECT * FROM (VALUES (1.0::DOUBLE, 5.0::DOUBLE), (1.0 + 5e-10, 3.0)) t(x, y);
             CREATE TABLE a AS SELECT * FROM (VALUES (1.0::DECIMAL(38,18) + 6e-10, 5.0::DECIMAL(38,9)), (1.0 + 1e-10, 3.0)) t(x, y);");
        let cols = columns(&["x", "y"]);
        let settled = settle(&conn, "e", "a", &cols, Tolerance::default()).unwrap();
        assert!(settled.is_none(), "{settled:?}");
        assert!(compare(&conn, "e", "a", &cols, Tolerance::default()).unwrap().agrees());
    }

    /// Integers of different widths (a SUM's HUGEINT beside a BIGINT) are settled on their
    /// values, agreeing or not, as the full comparison decides them.
    #[test]
    fn integers_of_different_widths_settle_on_their_values() {
        let conn = db("CREATE TABLE e AS SELECT range::INTEGER AS id, range * 3 AS n, 'k' || range AS s FROM range(30);
             CREATE TABLE a AS SELECT range AS id, CAST(range * 3 AS HUGEINT) AS n, 'k' || range AS s FROM range(30);
             CREATE TABLE f AS SELECT range AS id,
                 CAST(range * 3 + CASE WHEN range = 7 THEN 1 ELSE 0 END AS HUGEINT) AS n, 'k' || range AS s FROM range(30);");
        let cols = columns(&["id", "n", "s"]);
        let settled = settle(&conn, "e", "a", &cols, Tolerance::default()).unwrap();
        assert_eq!(settled.map(|c| (c.agrees(), c.expected_rows, c.actual_rows)), Some((true, 30, 30)));
        assert!(compare(&conn, "e", "a", &cols, Tolerance::default()).unwrap().agrees());
        assert!(settle(&conn, "e", "f", &cols, Tolerance::default()).unwrap().is_none());
        let c = compare(&conn, "e", "f", &cols, Tolerance::default()).unwrap();
        assert_eq!((c.missing_rows, c.extra_rows), (1, 1), "{c:?}");
    }

    /// DuckDB hashes a 128-bit integer as its halves' hashes combined (-1 as 0), a narrower
    /// integer by its bits widened without sign (INTEGER -1 as BIGINT 4294967295) and a DECIMAL
    /// by its unscaled integer: a value that differs only so is never taken to agree, however
    /// the columns were hashed, and equal values of two widths still agree.
    #[test]
    fn values_that_hash_alike_are_not_taken_to_agree() {
        let conn = db("CREATE TABLE h0 AS SELECT * FROM (VALUES (1, 0::HUGEINT), (2, 5::HUGEINT)) t(id, n);
             CREATE TABLE h1 AS SELECT * FROM (VALUES (1, -1::HUGEINT), (2, 5::HUGEINT)) t(id, n);
             CREATE TABLE b0 AS SELECT * FROM (VALUES (1, 0::BIGINT), (2, 5::BIGINT)) t(id, n);
             CREATE TABLE bm AS SELECT * FROM (VALUES (1, -3::BIGINT), (2, 5::BIGINT)) t(id, n);
             CREATE TABLE hm AS SELECT * FROM (VALUES (1, -3::HUGEINT), (2, 5::HUGEINT)) t(id, n);
             CREATE TABLE i1 AS SELECT * FROM (VALUES (1, -1::INTEGER), (2, 5::INTEGER)) t(id, n);
             CREATE TABLE bw AS SELECT * FROM (VALUES (1, 4294967295::BIGINT), (2, 5::BIGINT)) t(id, n);
             CREATE TABLE d AS SELECT * FROM (VALUES (1, 1.5::DECIMAL(38,9)), (2, 5::DECIMAL(38,9))) t(id, n);
             CREATE TABLE w AS SELECT * FROM (VALUES (1, 1500000000::BIGINT), (2, 5::BIGINT)) t(id, n);");
        let cols = columns(&["id", "n"]);
        let types = |table: &str| -> Vec<Hashed> {
            let t = types_of(&conn, table, &cols).unwrap();
            t.iter().map(|t| Hashed::for_type(t)).collect()
        };
        for (expected, actual) in [("h0", "h1"), ("b0", "h1"), ("i1", "bw"), ("d", "w")] {
            for hashed in [Vec::new(), types(actual)] {
                let compared = Compared { expected, actual, columns: &cols, hashed: &hashed };
                let settled = settle_with(&conn, compared, Tolerance::default()).unwrap();
                assert!(settled.is_none(), "{expected} {actual} {hashed:?}: {settled:?}");
            }
            let c = compare(&conn, expected, actual, &cols, Tolerance::default()).unwrap();
            assert_eq!((c.missing_rows, c.extra_rows), (1, 1), "{expected} {actual}: {c:?}");
        }
        for (expected, actual) in [("bm", "hm"), ("h1", "h1"), ("b0", "b0")] {
            for hashed in [Vec::new(), types(actual)] {
                let compared = Compared { expected, actual, columns: &cols, hashed: &hashed };
                let settled = settle_with(&conn, compared, Tolerance::default()).unwrap();
                assert_eq!(settled.map(|c| c.agrees()), Some(true), "{expected} {actual} {hashed:?}");
            }
        }
    }

    /// Fractions hashed rounded to nine places settle a DECIMAL(38,9) reference beside a DOUBLE
    /// or a DECIMAL of other places on the first statement when they agree within the
    /// tolerance, and leave a larger difference to the full comparison; a column said to be a
    /// fraction that is not is hashed again as it is.
    #[test]
    fn fractions_hashed_rounded_settle_within_the_tolerance() {
        let conn = db("CREATE TABLE e AS SELECT range AS id, CAST(range / 7 AS DECIMAL(38,9)) AS x, 'k' || range AS s FROM range(40);
             CREATE TABLE f AS SELECT range AS id, range / 7 AS x, 'k' || range AS s FROM range(40);
             CREATE TABLE g AS SELECT range AS id, CAST(range / 7 AS DECIMAL(38,18)) AS x, 'k' || range AS s FROM range(40);
             CREATE TABLE h AS SELECT range AS id, range / 7 + CASE WHEN range = 9 THEN 1e-6 ELSE 0 END AS x,
                 'k' || range AS s FROM range(40);");
        let cols = columns(&["id", "x", "s"]);
        let rounded = [Hashed::AsIs, Hashed::Rounded, Hashed::AsIs];
        for actual in ["f", "g"] {
            let compared = Compared { expected: "e", actual, columns: &cols, hashed: &rounded };
            let settled = settle_with(&conn, compared, Tolerance::default()).unwrap();
            assert_eq!(settled.map(|c| c.agrees()), Some(true), "{actual}");
        }
        let compared = Compared { expected: "e", actual: "h", columns: &cols, hashed: &rounded };
        assert!(settle_with(&conn, compared, Tolerance::default()).unwrap().is_none());
        let c = compare(&conn, "e", "h", &cols, Tolerance::default()).unwrap();
        assert_eq!((c.missing_rows, c.extra_rows), (1, 1), "{c:?}");
        // Text said to be a fraction: not trusted, and still compared exactly.
        let wrong = [Hashed::AsIs, Hashed::Rounded, Hashed::Rounded];
        let compared = Compared { expected: "e", actual: "f", columns: &cols, hashed: &wrong };
        let settled = settle_with(&conn, compared, Tolerance::default()).unwrap();
        assert_eq!(settled.map(|c| c.agrees()), Some(true));
        // A list of DECIMALs is no fraction: the type says so, and its values still count.
        let conn = db("CREATE TABLE e AS SELECT 1 AS id, NULL::DECIMAL(38,9) AS x, 'a' AS s;
             CREATE TABLE a AS SELECT 1 AS id, [1.5::DECIMAL(38,9)] AS x, 'a' AS s;");
        let hashed: Vec<Hashed> = types_of(&conn, "a", &cols).unwrap().iter().map(|t| Hashed::for_type(t)).collect();
        assert_eq!(hashed, [Hashed::AsIs, Hashed::AsText, Hashed::AsIs]);
        let compared = Compared {
            expected: "e",
            actual: "a",
            columns: &cols,
            hashed: &[Hashed::AsIs, Hashed::Rounded, Hashed::AsIs],
        };
        assert!(settle_with(&conn, compared, Tolerance::default()).unwrap().is_none());
        let c = compare(&conn, "e", "a", &cols, Tolerance::default()).unwrap();
        assert_eq!((c.missing_rows, c.extra_rows), (1, 1), "{c:?}");
        let conn = db("CREATE TABLE e AS SELECT 1 AS id, 1.0::DOUBLE AS x, '1.0' AS s;
             CREATE TABLE a AS SELECT 1 AS id, 1.0::DOUBLE AS x, '1.00' AS s;");
        let compared = Compared { expected: "e", actual: "a", columns: &cols, hashed: &wrong };
        let settled = settle_with(&conn, compared, Tolerance::default()).unwrap();
        assert!(settled.is_none(), "{settled:?}");
    }

    /// Asked together, comparisons get the answers they get one by one: an agreement, a
    /// difference left to the full comparison, numbers of different types within the
    /// tolerance, an empty pair, and no columns; one that cannot run fails them all, for the
    /// caller to ask each alone.
    #[test]
    fn comparisons_asked_together_settle_as_each_alone() {
        let conn = db("CREATE TABLE a AS SELECT * FROM (VALUES (2, 'b'), (1, 'a')) t(id, s);
             CREATE TABLE e AS SELECT range AS id, CAST(range / 7 AS DECIMAL(38,9)) AS x FROM range(20);
             CREATE TABLE d AS SELECT range AS id, range / 7 AS x FROM range(20);
             CREATE TABLE z AS SELECT 1 AS id, 'a' AS s WHERE false;");
        let (id_s, id_x, none) = (columns(&["id", "s"]), columns(&["id", "x"]), columns(&[]));
        let same = "(SELECT * FROM (VALUES (1, 'a'), (2, 'b')) t(id, s))";
        let other = "(SELECT * FROM (VALUES (1, 'a'), (2, 'c')) t(id, s))";
        let asked = |expected, actual, columns, hashed| Compared { expected, actual, columns, hashed };
        let each = vec![
            asked(same, "a", &id_s, &[]),
            asked(other, "a", &id_s, &[]),
            asked("e", "d", &id_x, &[Hashed::AsIs, Hashed::Rounded]),
            asked("z", "z", &id_s, &[]),
            asked(same, "a", &none, &[]),
        ];
        let together = settle_many(&conn, &each, Tolerance::default()).unwrap();
        let shown = |r: &duckdb::Result<Option<Comparison>>| {
            r.as_ref().map(|c| c.as_ref().map(|c| (c.agrees(), c.expected_rows, c.actual_rows))).ok()
        };
        let alone: Vec<_> = each.iter().map(|c| shown(&settle_with(&conn, *c, Tolerance::default()))).collect();
        let together: Vec<_> = together.iter().map(shown).collect();
        assert_eq!(together, alone);
        assert_eq!(
            together,
            [Some(Some((true, 2, 2))), Some(None), Some(Some((true, 20, 20))), Some(Some((true, 0, 0))), Some(None)]
        );
        let failing = "(SELECT 1 AS id, error('x') AS s)";
        let each = vec![asked(same, "a", &id_s, &[]), asked(failing, "a", &id_s, &[])];
        assert!(settle_many(&conn, &each, Tolerance::default()).is_err());
    }

    #[test]
    fn a_row_type_splits_at_its_top_level_commas() {
        assert_eq!(row_types("TUPLE(INTEGER)"), Some(vec!["INTEGER"]));
        assert_eq!(
            row_types(
                "TUPLE(DECIMAL(38,9), STRUCT(\"a, b\" INTEGER, \"c\"\"d\" INTEGER[]), MAP(INTEGER, VARCHAR), ENUM('x,', 'y'))"
            ),
            Some(vec![
                "DECIMAL(38,9)",
                "STRUCT(\"a, b\" INTEGER, \"c\"\"d\" INTEGER[])",
                "MAP(INTEGER, VARCHAR)",
                "ENUM('x,', 'y')"
            ])
        );
        assert_eq!(row_types("STRUCT(a INTEGER)"), None);
        assert_eq!(row_types("TUPLE(DECIMAL(38,9)"), None);
    }

    #[test]
    fn a_missing_column_is_an_error() {
        let conn = db("CREATE TABLE e AS SELECT 1 AS id; CREATE TABLE a AS SELECT 1 AS other;");
        assert!(compare(&conn, "e", "a", &columns(&["id"]), Tolerance::default()).is_err());
    }
}
