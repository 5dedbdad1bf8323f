//! The review's tables as CSV files (RFC 4180: comma-separated, fields quoted when they hold a
//! comma, a quote or a line break, quotes doubled, CRLF line ends).

use super::model::{Review, Table};

/// A field, quoted when it must be. A field that a spreadsheet would read as a formula
/// (`=`, `+`, `-`, `@` first) is written with a leading apostrophe, so opening the file runs
/// nothing from the spec.
pub fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_string() };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// One table as CSV text.
pub fn table(t: &Table) -> String {
    let mut out = String::new();
    out.push_str(&t.columns.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for row in &t.rows {
        out.push_str(&row.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// Every table of the review: (file name, CSV text).
pub fn files(review: &Review) -> Vec<(String, String)> {
    review.tables.iter().map(|t| (format!("{}.csv", t.name), table(t))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=1+1"), "'=1+1");
        assert_eq!(field("plain"), "plain");
    }
}
