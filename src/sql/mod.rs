//! Stage 2, the SQL front end: templates ([`template`]), parsing with sqlparser ([`parse`],
//! source DDL in [`ddl`]), the dialect bridge to DuckDB ([`bridge`]), column lineage
//! ([`lineage`]), and a model's code read once through all of them ([`code`]).

pub mod bridge;
pub mod code;
pub mod ddl;
pub mod expr;
pub mod lineage;
pub mod parse;
pub mod template;
pub mod types;

/// `name` as a quoted DuckDB identifier: any name works (spaces, keywords, quotes).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
