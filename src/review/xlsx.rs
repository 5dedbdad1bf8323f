//! The review as an XLSX workbook (`rust_xlsxwriter`): the overview first, then a sheet per
//! model with its columns, expressions, tests and status; every sheet with a bold frozen header
//! row, filters on every column and widths that fit the text. The workbook's creation time is
//! fixed, so the same project gives the same bytes.

use super::model::{Review, Table};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use std::collections::BTreeSet;

/// Columns wider than this many characters wrap in a spreadsheet anyway.
const MAX_WIDTH: usize = 60;

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, not quoted, unique
/// among `taken` (case-insensitively, as Excel compares them).
pub fn sheet_name(name: &str, taken: &mut BTreeSet<String>) -> String {
    let clean: String =
        name.chars().map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') { '_' } else { c }).collect();
    let clean = clean.trim_matches('\'').to_string();
    let base: String = if clean.is_empty() { "sheet".to_string() } else { clean };
    let mut k = 1;
    loop {
        let suffix = if k == 1 { String::new() } else { format!("~{k}") };
        let room = 31 - suffix.chars().count();
        let candidate: String = base.chars().take(room).collect::<String>() + &suffix;
        if taken.insert(candidate.to_lowercase()) {
            return candidate;
        }
        k += 1;
    }
}

fn sheet(ws: &mut Worksheet, header: &[&str], rows: &[Vec<String>], bold: &Format) -> Result<(), XlsxError> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, value)?;
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(value.chars().count());
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (w.min(&MAX_WIDTH) + 2) as f64)?;
    }
    ws.set_freeze_panes(1, 0)?;
    if !header.is_empty() {
        ws.autofilter(0, 0, rows.len() as u32, header.len() as u16 - 1)?;
    }
    Ok(())
}

/// A model's sheet: one row per output column, with its expression, tests and status.
fn model_rows(review: &Review, model: &str) -> Vec<Vec<String>> {
    let columns = review.table("columns");
    let transforms = review.table("transforms");
    let find = |t: Option<&Table>, column: &str| -> Option<Vec<String>> {
        t.and_then(|t| t.of_model(model).find(|r| r.get(1).is_some_and(|c| c == column)).cloned())
    };
    columns
        .map(|t| t.of_model(model).cloned().collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|row| {
            let column = row.get(1).cloned().unwrap_or_default();
            let transform = find(transforms, &column).unwrap_or_default();
            let at = |r: &Vec<String>, i: usize| r.get(i).cloned().unwrap_or_default();
            vec![
                column,
                at(&row, 2),
                at(&row, 3),
                at(&row, 4),
                at(&row, 5),
                at(&transform, 2),
                at(&row, 6),
                at(&transform, 3),
                at(&row, 7),
            ]
        })
        .collect()
}

/// The review as the bytes of an XLSX workbook.
pub fn render(review: &Review) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1)?;
    workbook.set_properties(&DocProperties::new().set_title("specproof review").set_creation_datetime(&fixed));
    let bold = Format::new().set_bold();
    let mut taken = BTreeSet::new();
    if let Some(overview) = review.table("overview") {
        let ws = workbook.add_worksheet();
        ws.set_name(sheet_name("overview", &mut taken))?;
        sheet(ws, &overview.columns, &overview.rows, &bold)?;
    }
    let header =
        ["column", "type", "nullable", "from_table", "from_column", "expression", "tests", "status", "description"];
    for model in &review.models {
        let ws = workbook.add_worksheet();
        ws.set_name(sheet_name(&model.name, &mut taken))?;
        sheet(ws, &header, &model_rows(review, &model.name), &bold)?;
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut taken = BTreeSet::new();
        let long = "a_model_name_that_is_much_longer_than_thirty_one";
        let first = sheet_name(long, &mut taken);
        let second = sheet_name(long, &mut taken);
        assert_eq!(first.chars().count(), 31);
        assert!(second.ends_with("~2") && second.chars().count() == 31 && first != second);
        assert_eq!(sheet_name("a/b:c", &mut taken), "a_b_c");
        assert_eq!(sheet_name("OVERVIEW", &mut taken), "OVERVIEW");
        assert_eq!(sheet_name("overview", &mut taken), "overview~2");
    }
}
