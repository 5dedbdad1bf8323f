//! The SQL language, for any stage that reads SQL: the dialects ([`dialect`]), templates
//! ([`template`]), parsing with sqlparser ([`parse`], bounded by [`depth`], source DDL in [`ddl`],
//! expressions in [`expr`], type names in [`types`]), the dialect bridge to DuckDB ([`bridge`]),
//! column lineage ([`lineage`]) and what a statement writes ([`writes`]). Nothing here knows
//! about a spec or a project.

pub mod bridge;
pub mod ddl;
pub mod depth;
pub mod dialect;
pub mod expr;
pub mod lineage;
pub mod names;
pub mod parse;
pub mod template;
pub mod types;
pub mod writes;

pub use names::quote_ident;
