//! Stage 2, the SQL front end: parsing with sqlparser (source DDL, spec expressions, and in
//! later stages the generated code), types, and what expressions read and produce.

pub mod bridge;
pub mod ddl;
pub mod expr;
pub mod parse;
pub mod types;
