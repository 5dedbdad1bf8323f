//! The spec as a table-driven requirements document, and back.
//!
//! [`to_markdown`] writes a spec as Markdown a business analyst can edit: the schemas, then per
//! model a `### Model: name (schema: s)` heading, a `Sources:` line and a table for its column
//! mapping, joins, filters, aggregations, group-by and constraints. [`from_markdown`] reads such
//! a document back into a [`Spec`], deterministically, and reports every line it cannot read
//! with its line and column, never a guess. Writing then reading gives the same spec.
//!
//! Cells hold plain text (`|` written `\|`); a value that plain text cannot carry (empty, with
//! surrounding spaces or a line break, starting with `"` or `[`, holding a backslash) is written
//! as a JSON string. An empty cell is an absent value. A list (tests) is `a; b`, or a JSON array
//! when an item holds `;` or is not plain. A column list is its one string, or a JSON array.

use crate::spec::model::{
    Aggregation, ColumnList, ColumnMapping, Constraints, Dialect, Filter, Join, Model, OpenExpiry, SchemaNames,
    SourceColumn, SourceDecl, Spec,
};
use std::fmt::Write as _;

/// A line the reader could not read: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

fn plain(value: &str) -> bool {
    !value.is_empty() && value.trim() == value && !value.contains(['\n', '\r', '\\']) && !value.starts_with(['"', '['])
}

/// A text value as a cell.
fn text_cell(value: &str) -> String {
    if plain(value) {
        value.replace('|', "\\|")
    } else {
        serde_json::to_string(value).unwrap_or_default().replace('|', "\\u007c")
    }
}

fn opt_cell(value: &Option<String>) -> String {
    value.as_deref().map(text_cell).unwrap_or_default()
}

fn bool_cell(value: Option<bool>) -> String {
    match value {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => String::new(),
    }
}

fn list_cell(values: &[String]) -> String {
    if values.iter().all(|v| plain(v) && !v.contains(';')) {
        values.iter().map(|v| v.replace('|', "\\|")).collect::<Vec<_>>().join("; ")
    } else {
        serde_json::to_string(values).unwrap_or_default().replace('|', "\\u007c")
    }
}

/// Source entries, `a, b`, or a JSON array when an entry holds a comma or is not plain.
fn sources_cell(values: &[String]) -> String {
    if values.iter().all(|v| plain(v) && !v.contains(',')) {
        values.iter().map(|v| v.replace('|', "\\|")).collect::<Vec<_>>().join(", ")
    } else {
        serde_json::to_string(values).unwrap_or_default().replace('|', "\\u007c")
    }
}

fn read_sources(cell: &str) -> Result<Vec<String>, String> {
    if cell.starts_with('[') {
        serde_json::from_str(cell).map_err(|e| format!("`{cell}` is not a JSON array of strings: {e}"))
    } else if cell.is_empty() {
        Ok(Vec::new())
    } else {
        Ok(cell.split(',').map(|v| v.trim().replace("\\|", "|")).collect())
    }
}

fn columns_cell(list: &ColumnList) -> String {
    match list.0.as_slice() {
        [one] if plain(one) => one.replace('|', "\\|"),
        _ => serde_json::to_string(&list.0).unwrap_or_default().replace('|', "\\u007c"),
    }
}

fn table(out: &mut String, title: &str, header: &[&str], rows: &[Vec<String>]) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "#### {title}\n");
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}|", vec![" --- "; header.len()].join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out.push('\n');
}

/// The line of a free-text field: `Label: value`.
fn line(out: &mut String, label: &str, value: &Option<String>) {
    if let Some(value) = value {
        let _ = writeln!(out, "{label}: {}\n", text_cell(value));
    }
}

fn constraint_rows(c: &Constraints) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut push = |key: &str, value: Option<String>| {
        if let Some(v) = value {
            rows.push(vec![key.to_string(), v]);
        }
    };
    push("primary_key", c.primary_key.as_ref().map(columns_cell));
    push("partition_by", c.partition_by.as_deref().map(text_cell));
    push("cluster_by", c.cluster_by.as_ref().map(columns_cell));
    push("scd_type", c.scd_type.map(|v| v.to_string()));
    push("natural_key", c.natural_key.as_ref().map(columns_cell));
    push("effective_at", c.effective_at.as_deref().map(text_cell));
    push("expiry_at", c.expiry_at.as_deref().map(text_cell));
    push("current_flag", c.current_flag.as_deref().map(text_cell));
    push(
        "open_expiry",
        c.open_expiry.map(|o| match o {
            OpenExpiry::Null => "null".to_string(),
            OpenExpiry::FarFuture => "far_future".to_string(),
        }),
    );
    push("tracked_columns", c.tracked_columns.as_ref().map(columns_cell));
    rows
}

/// The spec as a requirements document.
pub fn to_markdown(spec: &Spec) -> String {
    let mut out = String::from("# Pipeline requirements\n\n");
    let _ = writeln!(out, "Raw schema: {}\n", text_cell(&spec.schema.raw_schema));
    let _ = writeln!(out, "Staging schema: {}\n", text_cell(&spec.schema.staging_schema));
    let _ = writeln!(out, "Final schema: {}\n", text_cell(&spec.schema.final_schema));
    let _ = writeln!(out, "Dialect: {}\n", spec.dialect);
    line(&mut out, "Description", &spec.description);
    if !spec.sources.is_empty() {
        out.push_str("## Source tables\n\n");
        for s in &spec.sources {
            let _ = writeln!(out, "### Source: {}\n", text_cell(&s.name));
            if let Some(columns) = &s.columns {
                let rows: Vec<Vec<String>> = columns
                    .iter()
                    .map(|c| vec![text_cell(&c.name), text_cell(&c.data_type), bool_cell(c.nullable)])
                    .collect();
                let _ = writeln!(out, "#### Columns\n");
                let _ = writeln!(out, "| name | type | nullable |\n| --- | --- | --- |");
                for row in rows {
                    let _ = writeln!(out, "| {} |", row.join(" | "));
                }
                out.push('\n');
            }
            let mut keys = Vec::new();
            if let Some(pk) = &s.primary_key {
                keys.push(vec!["primary_key".to_string(), columns_cell(pk)]);
            }
            for u in &s.unique_keys {
                keys.push(vec!["unique_key".to_string(), columns_cell(u)]);
            }
            for fk in &s.foreign_keys {
                let json = serde_json::to_string(fk).unwrap_or_default().replace('|', "\\u007c");
                keys.push(vec!["foreign_key".to_string(), json]);
            }
            table(&mut out, "Keys", &["key", "value"], &keys);
        }
    }
    out.push_str("## Models\n\n");
    for m in &spec.models {
        let place = match m.layer.as_deref() {
            Some("staging") if spec.schema.staging_schema != spec.schema.final_schema => {
                format!(" (schema: {})", text_cell(&spec.schema.staging_schema))
            }
            Some("final") if spec.schema.staging_schema != spec.schema.final_schema => {
                format!(" (schema: {})", text_cell(&spec.schema.final_schema))
            }
            Some(layer) => format!(" (layer: {})", text_cell(layer)),
            None => String::new(),
        };
        let _ = writeln!(out, "### Model: {}{place}\n", text_cell(&m.name));
        let _ = writeln!(out, "Sources: {}\n", sources_cell(&m.sources));
        line(&mut out, "Description", &m.description);
        let rows: Vec<Vec<String>> = m
            .column_mapping
            .iter()
            .map(|c| {
                vec![
                    text_cell(&c.target_column),
                    text_cell(&c.data_type),
                    opt_cell(&c.from_table),
                    opt_cell(&c.from_column),
                    opt_cell(&c.transform),
                    bool_cell(c.nullable),
                    list_cell(&c.tests),
                    opt_cell(&c.description),
                ]
            })
            .collect();
        table(&mut out, "Column mapping", &MAPPING, &rows);
        let rows: Vec<Vec<String>> = m
            .joins
            .iter()
            .map(|j| {
                vec![
                    text_cell(&j.left_table),
                    text_cell(&j.right_table),
                    text_cell(&j.join_type),
                    text_cell(&j.condition),
                ]
            })
            .collect();
        table(&mut out, "Joins", &JOINS, &rows);
        let rows: Vec<Vec<String>> = m
            .filters
            .iter()
            .map(|f| vec![opt_cell(&f.applies_to), opt_cell(&f.predicate), opt_cell(&f.rationale)])
            .collect();
        table(&mut out, "Filters", &FILTERS, &rows);
        let rows: Vec<Vec<String>> = m
            .aggregations
            .iter()
            .map(|a| {
                vec![
                    text_cell(&a.metric_column),
                    text_cell(&a.data_type),
                    text_cell(&a.formula),
                    bool_cell(a.nullable),
                    list_cell(&a.tests),
                    opt_cell(&a.description),
                ]
            })
            .collect();
        table(&mut out, "Aggregations", &AGGREGATIONS, &rows);
        let rows: Vec<Vec<String>> = m.group_by.iter().map(|g| vec![text_cell(g)]).collect();
        table(&mut out, "Group by", &["column"], &rows);
        table(&mut out, "Constraints", &["constraint", "value"], &constraint_rows(&m.constraints));
    }
    out
}

const MAPPING: [&str; 8] =
    ["target_column", "type", "from_table", "from_column", "transform", "nullable", "tests", "description"];
const JOINS: [&str; 4] = ["left_table", "right_table", "type", "condition"];
const FILTERS: [&str; 3] = ["applies_to", "predicate", "rationale"];
const AGGREGATIONS: [&str; 6] = ["metric_column", "type", "formula", "nullable", "tests", "description"];

/// A cell of a table row, with the column it starts at.
struct Cell {
    text: String,
    column: usize,
}

/// Splits a table row `| a | b \| c |` into cells (an escaped pipe stays in its cell).
fn split_row(row: &str) -> Vec<Cell> {
    let chars: Vec<char> = row.chars().collect();
    let mut cells = Vec::new();
    let mut i = chars.iter().position(|c| !c.is_whitespace()).unwrap_or(0);
    if chars.get(i) == Some(&'|') {
        i += 1;
    }
    let mut current = String::new();
    let mut start = i + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if chars.get(i + 1) == Some(&'|') => {
                current.push_str("\\|");
                i += 2;
                continue;
            }
            '|' => {
                let lead = current.chars().take_while(|c| c.is_whitespace()).count();
                cells.push(Cell { text: current.trim().to_string(), column: start + lead });
                current.clear();
                start = i + 2;
            }
            c => current.push(c),
        }
        i += 1;
    }
    if !current.trim().is_empty() {
        let lead = current.chars().take_while(|c| c.is_whitespace()).count();
        cells.push(Cell { text: current.trim().to_string(), column: start + lead });
    }
    cells
}

/// Reads a cell's text value: a JSON string, or plain text with `\|` for `|`.
fn read_text(cell: &str) -> Result<String, String> {
    if cell.starts_with('"') {
        serde_json::from_str::<String>(cell).map_err(|e| format!("`{cell}` is not a JSON string: {e}"))
    } else {
        Ok(cell.replace("\\|", "|"))
    }
}

fn read_opt(cell: &str) -> Result<Option<String>, String> {
    if cell.is_empty() {
        Ok(None)
    } else {
        read_text(cell).map(Some)
    }
}

fn read_required(cell: &str, what: &str) -> Result<String, String> {
    if cell.is_empty() {
        Err(format!("the {what} is empty"))
    } else {
        read_text(cell)
    }
}

fn read_bool(cell: &str) -> Result<Option<bool>, String> {
    match cell.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "true" => Ok(Some(true)),
        "no" | "false" => Ok(Some(false)),
        _ => Err(format!("`{cell}` is not yes, no or empty")),
    }
}

fn read_list(cell: &str) -> Result<Vec<String>, String> {
    if cell.is_empty() {
        Ok(Vec::new())
    } else if cell.starts_with('[') {
        serde_json::from_str(cell).map_err(|e| format!("`{cell}` is not a JSON array of strings: {e}"))
    } else {
        Ok(cell.split("; ").map(|v| v.replace("\\|", "|")).collect())
    }
}

fn read_columns(cell: &str) -> Result<ColumnList, String> {
    if cell.starts_with('[') {
        serde_json::from_str::<Vec<String>>(cell)
            .map(ColumnList)
            .map_err(|e| format!("`{cell}` is not a JSON array of column names: {e}"))
    } else {
        read_required(cell, "column list").map(|c| ColumnList(vec![c]))
    }
}

/// Where the reader is in the document.
enum Section {
    Top,
    Source,
    SourceColumns,
    SourceKeys,
    Model,
    Table(&'static str),
    /// Under a heading that was reported: its rows are not read (nor reported again).
    Unknown,
}

/// Reads a requirements document into a spec: every line it cannot read is an error with its
/// place, and no spec is returned while there is one.
pub fn from_markdown(text: &str) -> Result<Spec, Vec<MarkdownError>> {
    let mut errors: Vec<MarkdownError> = Vec::new();
    let mut schema: [Option<String>; 3] = [None, None, None];
    let mut dialect = Dialect::default();
    let mut description = None;
    let mut sources: Vec<SourceDecl> = Vec::new();
    let mut models: Vec<Model> = Vec::new();
    let mut section = Section::Top;
    let mut header_seen = false;
    let mut lines = text.lines().enumerate().peekable();
    while let Some((index, raw)) = lines.next() {
        let n = index + 1;
        let line = raw.trim();
        let mut fail = |column: usize, message: String| errors.push(MarkdownError { line: n, column, message });
        if line.is_empty() || line.starts_with("<!--") {
            continue;
        }
        if let Some(heading) = line.strip_prefix('#') {
            header_seen = false;
            let level = 1 + heading.chars().take_while(|c| *c == '#').count();
            let title = heading.trim_start_matches('#').trim();
            match (level, title) {
                (1, _) | (2, "Source tables") | (2, "Models") => section = Section::Top,
                (3, t) if t.starts_with("Source:") => match read_required(t["Source:".len()..].trim(), "source name") {
                    Ok(name) => {
                        sources.push(SourceDecl {
                            name,
                            columns: None,
                            primary_key: None,
                            unique_keys: Vec::new(),
                            foreign_keys: Vec::new(),
                        });
                        section = Section::Source;
                    }
                    Err(m) => fail(5, m),
                },
                (3, t) if t.starts_with("Model:") => match read_model_heading(t["Model:".len()..].trim(), &schema) {
                    Ok((name, layer)) => {
                        models.push(Model {
                            name,
                            layer,
                            sources: Vec::new(),
                            column_mapping: Vec::new(),
                            joins: Vec::new(),
                            filters: Vec::new(),
                            aggregations: Vec::new(),
                            group_by: Vec::new(),
                            constraints: Constraints::default(),
                            description: None,
                        });
                        section = Section::Model;
                    }
                    Err(m) => fail(5, m),
                },
                (4, t) => {
                    let in_model = !matches!(
                        section,
                        Section::Top | Section::Source | Section::SourceColumns | Section::SourceKeys
                    );
                    let in_source = matches!(section, Section::Source | Section::SourceColumns | Section::SourceKeys);
                    section = match (t, in_model, in_source) {
                        ("Column mapping", true, _) => Section::Table("Column mapping"),
                        ("Joins", true, _) => Section::Table("Joins"),
                        ("Filters", true, _) => Section::Table("Filters"),
                        ("Aggregations", true, _) => Section::Table("Aggregations"),
                        ("Group by", true, _) => Section::Table("Group by"),
                        ("Constraints", true, _) => Section::Table("Constraints"),
                        ("Columns", _, true) => Section::SourceColumns,
                        ("Keys", _, true) => Section::SourceKeys,
                        _ => {
                            fail(1, format!("`{t}` is not a table this document has here"));
                            Section::Unknown
                        }
                    }
                }
                _ => fail(1, format!("`{title}` is not a heading this document has")),
            }
            continue;
        }
        if !line.starts_with('|') {
            let Some((label, value)) = line.split_once(':') else {
                fail(1, "a line that is no heading, no `Label: value` and no table row".into());
                continue;
            };
            let value = value.trim();
            let at = raw.find(':').map_or(1, |i| raw[..i].chars().count() + 3);
            let result: Result<(), String> = match (&section, label.trim()) {
                (Section::Top, "Raw schema") => read_required(value, "schema").map(|v| schema[0] = Some(v)),
                (Section::Top, "Staging schema") => read_required(value, "schema").map(|v| schema[1] = Some(v)),
                (Section::Top, "Final schema") => read_required(value, "schema").map(|v| schema[2] = Some(v)),
                (Section::Top, "Dialect") => match value {
                    "bigquery" => {
                        dialect = Dialect::Bigquery;
                        Ok(())
                    }
                    "duckdb" => {
                        dialect = Dialect::Duckdb;
                        Ok(())
                    }
                    _ => Err(format!("`{value}` is not bigquery or duckdb")),
                },
                (Section::Top, "Description") => read_opt(value).map(|v| description = v),
                (Section::Model, "Sources") => match models.last_mut() {
                    Some(m) => read_sources(value).map(|v| m.sources = v),
                    None => Err("no model".into()),
                },
                (Section::Model, "Description") => match models.last_mut() {
                    Some(m) => read_opt(value).map(|v| m.description = v),
                    None => Err("no model".into()),
                },
                (_, label) => Err(format!("`{label}:` is not a line this document has here")),
            };
            if let Err(m) = result {
                fail(at, m);
            }
            continue;
        }
        let cells = split_row(raw);
        if !header_seen {
            // The header row, then the separator row.
            header_seen = true;
            let expected: &[&str] = match &section {
                Section::Table("Column mapping") => &MAPPING,
                Section::Table("Joins") => &JOINS,
                Section::Table("Filters") => &FILTERS,
                Section::Table("Aggregations") => &AGGREGATIONS,
                Section::Table("Group by") => &["column"],
                Section::Table("Constraints") => &["constraint", "value"],
                Section::SourceColumns => &["name", "type", "nullable"],
                Section::SourceKeys => &["key", "value"],
                Section::Unknown => &[],
                _ => {
                    fail(1, "a table outside a model's or a source's section".into());
                    &[]
                }
            };
            let got: Vec<&str> = cells.iter().map(|c| c.text.as_str()).collect();
            if !expected.is_empty() && got != expected {
                fail(
                    1,
                    format!("the table's columns are `{}`; this table has `{}`", got.join(" | "), expected.join(" | ")),
                );
            }
            if lines.peek().is_some_and(|(_, l)| l.trim().starts_with('|') && l.contains("---")) {
                lines.next();
            }
            continue;
        }
        let width = match &section {
            Section::Table("Column mapping") => MAPPING.len(),
            Section::Table("Joins") => JOINS.len(),
            Section::Table("Filters") => FILTERS.len(),
            Section::Table("Aggregations") => AGGREGATIONS.len(),
            Section::Table("Group by") => 1,
            Section::Table("Constraints") | Section::SourceColumns | Section::SourceKeys => {
                2 + usize::from(matches!(section, Section::SourceColumns))
            }
            _ => 0,
        };
        if matches!(section, Section::Unknown) {
            continue;
        }
        if cells.len() != width {
            fail(1, format!("the row has {} cells; the table has {width} columns", cells.len()));
            continue;
        }
        let mut cell_errors: Vec<(usize, String)> = Vec::new();
        let mut get = |k: usize, r: Result<String, String>| {
            r.unwrap_or_else(|m| {
                cell_errors.push((cells[k].column, m));
                String::new()
            })
        };
        let c = |k: usize| cells[k].text.as_str();
        match &section {
            Section::Table(table) => {
                let Some(model) = models.last_mut() else { continue };
                match *table {
                    "Column mapping" => {
                        let row = ColumnMapping {
                            target_column: get(0, read_required(c(0), "target column")),
                            data_type: get(1, read_required(c(1), "type")),
                            from_table: read_opt(c(2)).unwrap_or_else(|m| {
                                cell_errors.push((cells[2].column, m));
                                None
                            }),
                            from_column: read_opt(c(3)).unwrap_or_else(|m| {
                                cell_errors.push((cells[3].column, m));
                                None
                            }),
                            transform: read_opt(c(4)).unwrap_or_else(|m| {
                                cell_errors.push((cells[4].column, m));
                                None
                            }),
                            nullable: read_bool(c(5)).unwrap_or_else(|m| {
                                cell_errors.push((cells[5].column, m));
                                None
                            }),
                            tests: read_list(c(6)).unwrap_or_else(|m| {
                                cell_errors.push((cells[6].column, m));
                                Vec::new()
                            }),
                            description: read_opt(c(7)).unwrap_or_else(|m| {
                                cell_errors.push((cells[7].column, m));
                                None
                            }),
                        };
                        model.column_mapping.push(row);
                    }
                    "Joins" => {
                        let row = Join {
                            left_table: get(0, read_required(c(0), "left table")),
                            right_table: get(1, read_required(c(1), "right table")),
                            join_type: get(2, read_required(c(2), "join type")),
                            condition: get(3, read_required(c(3), "condition")),
                        };
                        model.joins.push(row);
                    }
                    "Filters" => {
                        let mut opt = |k: usize| {
                            read_opt(c(k)).unwrap_or_else(|m| {
                                cell_errors.push((cells[k].column, m));
                                None
                            })
                        };
                        let row = Filter { applies_to: opt(0), predicate: opt(1), rationale: opt(2) };
                        model.filters.push(row);
                    }
                    "Aggregations" => {
                        let row = Aggregation {
                            metric_column: get(0, read_required(c(0), "metric column")),
                            data_type: get(1, read_required(c(1), "type")),
                            formula: get(2, read_required(c(2), "formula")),
                            nullable: read_bool(c(3)).unwrap_or_else(|m| {
                                cell_errors.push((cells[3].column, m));
                                None
                            }),
                            tests: read_list(c(4)).unwrap_or_else(|m| {
                                cell_errors.push((cells[4].column, m));
                                Vec::new()
                            }),
                            description: read_opt(c(5)).unwrap_or_else(|m| {
                                cell_errors.push((cells[5].column, m));
                                None
                            }),
                        };
                        model.aggregations.push(row);
                    }
                    "Group by" => {
                        let column = get(0, read_required(c(0), "column"));
                        model.group_by.push(column);
                    }
                    _ => {
                        if let Err(m) = read_constraint(&mut model.constraints, c(0), c(1)) {
                            cell_errors.push((cells[1].column, m));
                        }
                    }
                }
            }
            Section::SourceColumns => {
                let Some(source) = sources.last_mut() else { continue };
                let column = SourceColumn {
                    name: get(0, read_required(c(0), "column name")),
                    data_type: get(1, read_required(c(1), "type")),
                    nullable: read_bool(c(2)).unwrap_or_else(|m| {
                        cell_errors.push((cells[2].column, m));
                        None
                    }),
                };
                source.columns.get_or_insert_with(Vec::new).push(column);
            }
            Section::SourceKeys => {
                let Some(source) = sources.last_mut() else { continue };
                let result = match c(0) {
                    "primary_key" => read_columns(c(1)).map(|k| source.primary_key = Some(k)),
                    "unique_key" => read_columns(c(1)).map(|k| source.unique_keys.push(k)),
                    "foreign_key" => serde_json::from_str(c(1))
                        .map(|fk| source.foreign_keys.push(fk))
                        .map_err(|e| format!("`{}` is not a foreign key in JSON: {e}", c(1))),
                    other => Err(format!("`{other}` is not primary_key, unique_key or foreign_key")),
                };
                if let Err(m) = result {
                    cell_errors.push((cells[1].column, m));
                }
            }
            _ => {}
        }
        for (column, message) in cell_errors {
            errors.push(MarkdownError { line: n, column, message });
        }
    }
    let names = ["Raw schema", "Staging schema", "Final schema"];
    for (value, name) in schema.iter().zip(names) {
        if value.is_none() {
            errors.push(MarkdownError { line: 1, column: 1, message: format!("no `{name}:` line") });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let [raw, staging, fin] = schema;
    Ok(Spec {
        schema: SchemaNames {
            raw_schema: raw.unwrap_or_default(),
            staging_schema: staging.unwrap_or_default(),
            final_schema: fin.unwrap_or_default(),
        },
        models,
        dialect,
        sources,
        description,
        index: Default::default(),
    })
}

/// `name (schema: s)` or `name (layer: l)` or `name`.
fn read_model_heading(text: &str, schema: &[Option<String>; 3]) -> Result<(String, Option<String>), String> {
    let (name, place) = match text.rfind(" (") {
        Some(i) if text.ends_with(')') => (&text[..i], Some(&text[i + 2..text.len() - 1])),
        _ => (text, None),
    };
    let name = read_required(name.trim(), "model name")?;
    let layer = match place.map(|p| p.split_once(':').map(|(k, v)| (k.trim(), v.trim()))) {
        None => None,
        Some(Some(("layer", value))) => Some(read_required(value, "layer")?),
        Some(Some(("schema", value))) => {
            let value = read_required(value, "schema")?;
            if schema[1].as_deref() == Some(value.as_str()) {
                Some("staging".to_string())
            } else if schema[2].as_deref() == Some(value.as_str()) {
                Some("final".to_string())
            } else {
                return Err(format!("`{value}` is neither the staging nor the final schema"));
            }
        }
        Some(_) => return Err("the parenthesis after a model's name is `(schema: s)` or `(layer: l)`".into()),
    };
    Ok((name, layer))
}

fn read_constraint(c: &mut Constraints, key: &str, value: &str) -> Result<(), String> {
    match key {
        "primary_key" => c.primary_key = Some(read_columns(value)?),
        "partition_by" => c.partition_by = read_opt(value)?,
        "cluster_by" => c.cluster_by = Some(read_columns(value)?),
        "scd_type" => c.scd_type = Some(value.parse().map_err(|_| format!("`{value}` is not a whole number"))?),
        "natural_key" => c.natural_key = Some(read_columns(value)?),
        "effective_at" => c.effective_at = read_opt(value)?,
        "expiry_at" => c.expiry_at = read_opt(value)?,
        "current_flag" => c.current_flag = read_opt(value)?,
        "open_expiry" => {
            c.open_expiry = Some(match value {
                "null" => OpenExpiry::Null,
                "far_future" => OpenExpiry::FarFuture,
                _ => return Err(format!("`{value}` is not null or far_future")),
            })
        }
        "tracked_columns" => c.tracked_columns = Some(read_columns(value)?),
        other => return Err(format!("`{other}` is not a constraint the spec has")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_plain_text_cannot_carry_are_json() {
        assert_eq!(text_cell("a | b"), "a \\| b");
        assert_eq!(read_text(&text_cell("a | b")).unwrap(), "a | b");
        for hard in ["", " x", "\"q\"", "[1]", "a\\b", "two\nlines", "p|q\\"] {
            assert_eq!(read_text(&text_cell(hard)).unwrap(), hard, "{hard:?}");
        }
        let tests = vec!["not_null".to_string(), "accepted_values('a; b')".to_string()];
        assert_eq!(read_list(&list_cell(&tests)).unwrap(), tests);
    }

    #[test]
    fn every_unreadable_row_is_reported_with_its_place() {
        let doc = "# R\n\nRaw schema: raw\n\nStaging schema: s\n\nFinal schema: f\n\n### Model: m (schema: s)\n\nSources: raw.t\n\n#### Column mapping\n\n| target_column | type | from_table | from_column | transform | nullable | tests | description |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n| id | INT64 | t | id |  | maybe |  |  |\n| too | few |\n";
        let errors = from_markdown(doc).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].message.contains("maybe")), (17, true));
        let row = doc.lines().nth(16).unwrap();
        assert_eq!(errors[0].column, row.find("maybe").unwrap() + 1, "the nullable cell's column");
        assert_eq!(errors[1].line, 18);
    }
}
