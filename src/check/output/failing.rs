//! The rows that break a check, shown as a small text table in a finding's `help`.

/// How many failing rows a finding shows.
pub const SHOWN_ROWS: usize = 5;

/// Longest value shown in a failing row, in characters; longer ones are cut with `…`.
const SHOWN_WIDTH: usize = 40;

/// Rows that break a check: how many, and the first ones as text. Shipped tests
/// ([`crate::suite`]) show their failing rows the same way.
pub(crate) struct Failing {
    /// How many rows fail in all.
    pub(crate) count: u64,
    /// The names of the columns shown.
    pub(crate) header: Vec<String>,
    /// The first failing rows, NULL written as `NULL`.
    pub(crate) rows: Vec<Vec<String>>,
}

impl Failing {
    /// The first rows as a small text table, for `help`.
    pub(crate) fn table(&self) -> String {
        let cut = |v: &str| {
            if v.chars().count() > SHOWN_WIDTH {
                format!("{}…", v.chars().take(SHOWN_WIDTH - 1).collect::<String>())
            } else {
                v.to_string()
            }
        };
        let header: Vec<String> = self.header.iter().map(|h| cut(h)).collect();
        let rows: Vec<Vec<String>> = self.rows.iter().map(|r| r.iter().map(|v| cut(v)).collect()).collect();
        let widths: Vec<usize> = (0..header.len())
            .map(|i| rows.iter().map(|r| r[i].chars().count()).chain([header[i].chars().count()]).max().unwrap_or(0))
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> =
                cells.iter().zip(&widths).map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count()))).collect();
            format!("    {}", padded.join(" | ").trim_end())
        };
        let rule = format!("    {}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("-+-"));
        let shown = if self.count as usize > self.rows.len() {
            format!("the first {} of {} failing rows", self.rows.len(), self.count)
        } else if self.rows.len() == 1 {
            "the failing row".to_string()
        } else {
            "the failing rows".to_string()
        };
        let mut out = vec![format!("{shown}:"), line(&header), rule];
        out.extend(rows.iter().map(|r| line(r)));
        out.join("\n")
    }
}
