//! The shipped test suite: the project's own tests in `tests/*.sql`, read once, linted for tests
//! that cannot fail, and run in the engine (findings TST001–TST007).
//!
//! A test file holds three kinds of statement:
//! - a *fixture*, `CREATE [OR REPLACE] [TEMP] TABLE <table> AS <query>`: the rows replace the
//!   table's for this file (a source table, or a model whose code then does not run); a name
//!   that is neither is a helper table the file's tests may read;
//! - an *assertion*, BigQuery's `ASSERT <condition> [AS 'message']`, which fails when the
//!   condition is false or NULL;
//! - a *singular test*, a query whose every row is a failure (dbt's convention).
//!
//! A `-- cte: <model>.<cte>` comment above the first statement makes the file's tests read that
//! CTE of that model, by the CTE's name.

pub mod execute;
pub mod lint;
pub mod read;

pub use lint::lint_suite;
pub use read::{load_suite, Suite, TestFile};
