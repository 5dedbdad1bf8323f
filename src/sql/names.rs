//! Names as DuckDB reads them.

/// `name` as a quoted DuckDB identifier: any name works (spaces, keywords, quotes).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
