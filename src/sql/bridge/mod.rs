//! The dialect bridge: rewrites a sqlparser tree parsed from BigQuery so that DuckDB computes
//! what BigQuery would, or says where it cannot.
//!
//! The tree is rewritten in place rather than translated as text, so the statements that run are
//! the ones the lineage stage read, and every construct that cannot be carried over is reported
//! at its position in the user's file (see `docs/dialect-bridge-evaluation.md` for why not a
//! text-to-text translator).
//!
//! Most rules follow one pattern: the bridge does not know the types of columns, so where
//! BigQuery and DuckDB differ for some input types only, the DuckDB form must be right for every
//! type BigQuery accepts there. `typeof(x)` is constant for a query, so a `CASE` on it picks the
//! branch DuckDB needs without changing the result type.
//!
//! DuckDB code (`Dialect::Duckdb`) gets only the rewrites that are about the engine rather than
//! the dialect: the run time in place of the clock, and catalog-qualified table names.
//!
//! # What is reported rather than translated
//!
//! Functions not checked against DuckDB (user-defined and JavaScript UDFs among them; the ones
//! kept by name are listed in `SAME_IN_DUCKDB`), `CREATE FUNCTION` and other statements outside
//! queries, DML and plain DDL, `FOR SYSTEM_TIME AS OF`, `UNNEST … WITH OFFSET`, `SELECT AS
//! STRUCT/VALUE`, STRUCT constructors, BYTES literals, time zone names BigQuery does not know
//! (time zones themselves are computed by [`zones`]), plain BIGNUMERIC, format elements with no DuckDB
//! equal (`%e`, `%Z`, …), REGEXP_EXTRACT with a computed pattern or several groups, and
//! aggregate `LIMIT`.
//!
//! # Known differences that remain
//!
//! The bridge does not know column types, so these cannot be told apart from correct code:
//! - `SUM(INT64)` is a HUGEINT in DuckDB (same value; BigQuery errors past 2^63, DuckDB does not).
//! - `AVG(NUMERIC)` and `NUMERIC / NUMERIC` are DOUBLE in DuckDB: within 1e-9 of BigQuery's
//!   NUMERIC, but of another type family.
//! - `NUMERIC * NUMERIC` is DECIMAL(38,18) in DuckDB: past 1e20 DuckDB stops with an overflow
//!   error where BigQuery returns the product; below, the extra decimals differ by < 5e-10.
//! - `CAST(timestamp AS STRING)` lacks BigQuery's `+00` (TIMESTAMP and DATETIME are one type
//!   here); FLOAT64 to STRING may differ in exponent form for very large or small values.
//! - `TIMESTAMP(x, zone)` of a string column reads the string as a civil time of the zone; a
//!   string that names its own zone keeps that zone in BigQuery.
//! - `ARRAY_AGG` keeps NULL elements that BigQuery rejects in a final result.
//! - Functions kept by name can differ on invalid input only (BigQuery errors, DuckDB NaN/inf
//!   or a value): `EXP` overflow, `LENGTH` of BYTES.

mod aggregates;
mod call;
mod dates;
mod expressions;
mod functions;
mod literals;
mod math;
mod names;
mod numeric;
mod rewrite;
mod strings;
#[cfg(test)]
mod test_support;
mod translate;
mod types;
pub mod zones;

pub use dates::{DEFAULT_RUN_TIME, RUN_TIME_VARIABLE};
pub use numeric::{explicit_numeric_division, NumberKind};
pub use translate::{expr_to_duckdb, to_duckdb, BridgeOptions, Untranslatable};
pub use types::duckdb_type;
