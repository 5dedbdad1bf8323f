//! Stage 2, the SQL front end: templates ([`template`]), parsing with sqlparser ([`parse`],
//! source DDL in [`ddl`]), the dialect bridge to DuckDB ([`bridge`]), column lineage
//! ([`lineage`]), and a model's code read once through all of them ([`code`]).

pub mod bridge;
pub mod code;
pub mod ddl;
pub mod expr;
pub mod lineage;
mod names;
pub mod parse;
pub mod template;
pub mod types;

pub use names::quote_ident;
