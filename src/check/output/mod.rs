//! Checks on a model's output table: the column types, `nullable: false`, every test the spec
//! names (spec-format.md, "Tests named in the spec"), the primary key, and the SCD2 invariants.
//!
//! Each check is compiled to one DuckDB query that returns the failing rows of the model's
//! materialised output; a check that fails gives one finding (never one per row) with the number
//! of failing rows and the first few of them, ordered so the output is the same on every run.
//!
//! Decisions that are not obvious from the spec:
//! - Types compare as families ([`canonical_type_name`]). Every integer type meets `INT64`,
//!   HUGEINT included: DuckDB's `SUM(BIGINT)` is a HUGEINT, and the dialect bridge keeps BigQuery's
//!   value there but cannot keep its type, so refusing it would blame correct code. TIMESTAMP and
//!   DATETIME are one family (DuckDB has one type for both), and so are NUMERIC and BIGNUMERIC.
//!   A type either side cannot name a family for (STRUCT, ENUM, MAP, …) is not judged.
//! - `unique`, `accepted_values`, `relationships` and `accepted_range` ignore nulls, as the spec
//!   says; `accepted_values` leaves NULL out of its list, so `NOT IN` never turns unknown.
//! - `expression(...)` holds when the expression is *true* for every row: a row where it is NULL
//!   fails, because NULL is not true.
//! - Columns missing from the table are not checked here: the static check reports them.
//! - A test the spec lint rejects (unknown name, unparsable, `accepted_values` with nothing to
//!   infer, an unknown `relationships` target) is skipped: the lint has already reported it.
//! - A query DuckDB cannot run on the output (a string where the test compares numbers) is a
//!   finding of the test's code that carries DuckDB's error: the test was not shown to hold.
//!
//! `driver` runs the checks on one output `table`, from what `declared` says its columns are;
//! `context` runs a check's query and turns its failing rows (`failing`) into a finding;
//! `types`, `nulls`, `keys`, `column_tests` and `scd2` are the checks.
//!
//! [`canonical_type_name`]: crate::sql::types::canonical_type_name

mod column_tests;
mod context;
mod declared;
mod driver;
mod failing;
mod keys;
mod nulls;
mod scd2;
mod table;
#[cfg(test)]
mod test_support;
mod types;

pub use driver::{check_output, check_outputs};
pub(crate) use failing::Failing;
pub use failing::SHOWN_ROWS;
pub use scd2::check_scd2_invariants;
pub use table::{catalog_columns, OutputTable, TableColumn, TableColumns};
