//! `specproof lineage`: each model's column lineage as a reviewer reads it, or as JSON.

use super::json::JSON_VERSION;
use crate::project::code::ModelCode;
use crate::sql::lineage::{FilterPlace, Lineage, SourceColumn};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write;

fn columns(set: &BTreeSet<SourceColumn>) -> String {
    if set.is_empty() {
        "(no column)".to_string()
    } else {
        set.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

fn tables(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// Renders the lineage of `models` as text.
pub fn render_text(models: &[&ModelCode]) -> String {
    let mut out = String::new();
    for code in models {
        let _ = writeln!(out, "{} ({})", code.model, code.file);
        let Some(lineage) = &code.lineage else {
            let _ = writeln!(out, "  not traced: the file could not be evaluated or parsed (see the findings)\n");
            continue;
        };
        render_model(&mut out, lineage);
        out.push('\n');
    }
    out
}

fn render_model(out: &mut String, lineage: &Lineage) {
    let width = lineage.outputs.iter().map(|o| o.name.chars().count()).max().unwrap_or(0);
    let _ = writeln!(out, "  columns:");
    for o in &lineage.outputs {
        let _ = writeln!(out, "    {:width$}  {:<11}  <- {}", o.name, o.derivation.as_str(), columns(&o.reads));
    }
    if !lineage.joins.is_empty() {
        let _ = writeln!(out, "  joins:");
        for j in &lineage.joins {
            let on = if j.equalities.is_empty() {
                String::new()
            } else {
                let pairs: Vec<String> = j.equalities.iter().map(|(a, b)| format!("{a} = {b}")).collect();
                format!(" ON {}", pairs.join(" AND "))
            };
            let _ = writeln!(out, "    [{}] {} JOIN [{}]{on}", tables(&j.left), j.kind.keyword(), tables(&j.right));
        }
    }
    if !lineage.filters.is_empty() {
        let _ = writeln!(out, "  filters:");
        for f in &lineage.filters {
            let place = match &f.place {
                FilterPlace::Where { null_extended, joins: false } if null_extended.is_empty() => {
                    "WHERE, on its table alone".to_string()
                }
                FilterPlace::Where { null_extended, .. } if null_extended.is_empty() => "WHERE, after the joins".into(),
                FilterPlace::Where { null_extended, .. } => {
                    format!("WHERE, after an outer join that can make [{}] null", tables(null_extended))
                }
                FilterPlace::On { join, right_only: true, .. } => {
                    format!("ON of a {} JOIN, on the joined table", join.keyword())
                }
                FilterPlace::On { join, left_only: true, .. } => {
                    format!("ON of a {} JOIN, on the tables before it", join.keyword())
                }
                FilterPlace::On { join, .. } => format!("ON of a {} JOIN", join.keyword()),
                FilterPlace::AfterGrouping => "HAVING/QUALIFY".into(),
            };
            let _ = writeln!(out, "    {}  ({place})", f.text);
        }
    }
    for g in &lineage.groups {
        let keys: Vec<String> = g.keys.iter().map(columns).collect();
        let keys = if keys.is_empty() { "(all rows)".to_string() } else { keys.join("; ") };
        let _ = writeln!(out, "  group by: {keys}  over [{}]", tables(&g.tables));
    }
    if !lineage.complete {
        let _ = writeln!(out, "  (partial: part of the code could not be traced)");
    }
}

#[derive(Serialize)]
struct JsonModel<'a> {
    model: &'a str,
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    lineage: Option<&'a Lineage>,
}

#[derive(Serialize)]
struct JsonLineage<'a> {
    version: u32,
    models: Vec<JsonModel<'a>>,
    findings: &'a [crate::finding::Finding],
}

/// Renders the lineage of `models` and the static check's findings as JSON (same version as
/// the findings report).
pub fn render_json(models: &[&ModelCode], findings: &[crate::finding::Finding]) -> String {
    let json = JsonLineage {
        version: JSON_VERSION,
        models: models
            .iter()
            .map(|m| JsonModel { model: &m.model, file: &m.file, lineage: m.lineage.as_ref() })
            .collect(),
        findings,
    };
    // Plain data with string keys: serialising cannot fail.
    let mut out = serde_json::to_string_pretty(&json).unwrap_or_default();
    out.push('\n');
    out
}
