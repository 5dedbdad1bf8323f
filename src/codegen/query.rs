//! A model's query, laid out for people: one CTE per source, then the joins, the filters on the
//! joined rows, the select (each column with a comment naming its spec field) and the grouping.
//!
//! The layout is the only thing decided here; what each part says comes from
//! [`crate::reference::plan`]. Every target shares this text, with its own way of naming a
//! source (`raw.x`, `${ref("x")}`, `{{ source('raw', 'x') }}`).

use crate::reference::plan::{ident, one_line, ModelPlan, PlanSource, Shape, Traced};
use crate::spec::model::{Dialect, Model};

/// The indentation of one level.
const IND: &str = "    ";

/// Comment lines saying what the model is, from the spec.
pub fn header(model: &Model, mi: usize) -> String {
    let mut text = format!("-- {} (models[{mi}], layer {})", model.name, model.layer.as_deref().unwrap_or("staging"));
    if let Some(d) = model.description.as_deref().map(one_line).filter(|d| !d.is_empty()) {
        text.push_str(&format!(": {d}"));
    }
    text.push('\n');
    text
}

/// A comment's text made safe to end a line comment (no line breaks).
fn comment(text: &str) -> String {
    one_line(text)
}

/// `WITH … SELECT …` of a plan; `relation` names a source in the target.
pub fn render(plan: &ModelPlan, dialect: Dialect, relation: &dyn Fn(&PlanSource) -> String) -> String {
    let mut ctes: Vec<String> = plan.sources.iter().map(|s| source_cte(s, dialect, relation)).collect();
    let id = |name: &str| ident(name, dialect);
    let mut sql = String::new();
    match plan.shape {
        Shape::Mapping | Shape::JoinedAggregate => {
            sql.push_str(&format!("WITH\n{}\n\n", ctes.join(",\n\n")));
            sql.push_str(&select_list(plan, dialect, |c| c.expr.clone()));
            sql.push_str(&format!("FROM {}\n", id(&plan.sources[plan.base].alias)));
            for join in &plan.joins {
                sql.push_str(&format!(
                    "{} JOIN {}  -- {}\n{IND}ON {}\n",
                    join.keyword,
                    id(&plan.sources[join.right].alias),
                    join.condition.path,
                    join.condition.sql
                ));
            }
            if !plan.post_filters.is_empty() {
                sql.push_str(&format!("WHERE {}", conjunction(&plan.post_filters, "")));
            }
            if !plan.group_by.is_empty() {
                sql.push_str(&format!("GROUP BY {}\n", plan.group_by.join(", ")));
            }
        }
        Shape::PerSourceAggregate => {
            let aliases: Vec<&str> = plan.sources.iter().map(|s| s.alias.as_str()).collect();
            let free = |wanted: String| -> String {
                let mut name = wanted;
                while aliases.iter().any(|a| a.eq_ignore_ascii_case(&name)) {
                    name.push_str("_cte");
                }
                name
            };
            let driving = &plan.sources[plan.base];
            let keys: Vec<&str> =
                plan.columns.iter().filter(|c| c.data_type.is_none()).map(|c| c.name.as_str()).collect();
            let groups = free("driving_groups".into());
            let key_list = |alias: &str| keys.iter().map(|k| format!("{}.{}", id(alias), id(k))).collect::<Vec<_>>();
            ctes.push(format!(
                "-- one row per group of the driving source {}, a NULL key included\n{} AS (\n{IND}SELECT DISTINCT {}\n{IND}FROM {}\n)",
                driving.alias,
                id(&groups),
                key_list(&driving.alias).join(", "),
                id(&driving.alias)
            ));
            // One CTE per source that has metrics, in source order, so metrics never fan out.
            let mut metric_ctes: Vec<(usize, String)> = Vec::new();
            for (i, source) in plan.sources.iter().enumerate() {
                let metrics: Vec<_> =
                    plan.columns.iter().filter(|c| c.data_type.is_some() && c.source == Some(i)).collect();
                if metrics.is_empty() {
                    continue;
                }
                let name = free(format!("{}_metrics", source.alias));
                let mut select: Vec<String> = key_list(&source.alias)
                    .into_iter()
                    .zip(&keys)
                    .map(|(column, key)| format!("{column} AS {}", id(key)))
                    .collect();
                for m in metrics {
                    select.push(format!("-- {}\n{IND}{IND}{} AS {}", comment(&m.trace), m.expr, id(&m.name)));
                }
                ctes.push(format!(
                    "-- metrics computed on {} alone, per group\n{} AS (\n{IND}SELECT\n{IND}{IND}{}\n{IND}FROM {}\n{IND}GROUP BY {}\n)",
                    source.alias,
                    id(&name),
                    select.join(&format!(",\n{IND}{IND}")),
                    id(&source.alias),
                    key_list(&source.alias).join(", ")
                ));
                metric_ctes.push((i, name));
            }
            sql.push_str(&format!("WITH\n{}\n\n", ctes.join(",\n\n")));
            let cte_of =
                |i: usize| metric_ctes.iter().find(|(s, _)| *s == i).map(|(_, n)| n.clone()).unwrap_or_default();
            sql.push_str(&select_list(plan, dialect, |c| match (c.data_type.is_some(), c.source) {
                (true, Some(i)) => format!("{}.{}", id(&cte_of(i)), id(&c.name)),
                _ => format!("{}.{}", id(&groups), id(&c.name)),
            }));
            sql.push_str(&format!("FROM {}\n", id(&groups)));
            for (_, name) in &metric_ctes {
                let on: Vec<String> = keys
                    .iter()
                    .map(|k| format!("{}.{} IS NOT DISTINCT FROM {}.{}", id(&groups), id(k), id(name), id(k)))
                    .collect();
                sql.push_str(&format!("LEFT JOIN {}\n{IND}ON {}\n", id(name), on.join(&format!("\n{IND}AND "))));
            }
        }
    }
    sql.trim_end().to_string()
}

/// `SELECT` and the output columns, each cast to its spec type with a comment tracing it.
fn select_list(
    plan: &ModelPlan,
    dialect: Dialect,
    expr: impl Fn(&crate::reference::plan::PlanColumn) -> String,
) -> String {
    let id = |name: &str| ident(name, dialect);
    let lines: Vec<String> = plan
        .columns
        .iter()
        .map(|c| {
            let value = match &c.data_type {
                Some(t) => format!("CAST({} AS {t})", expr(c)),
                None => expr(c),
            };
            format!("{IND}-- {}\n{IND}{value} AS {}", comment(&c.trace), id(&c.name))
        })
        .collect();
    format!("SELECT\n{}\n", lines.join(",\n"))
}

/// Filters joined by AND, each on its line with its spec path as a comment.
fn conjunction(filters: &[Traced], indent: &str) -> String {
    let mut text = String::new();
    for (k, f) in filters.iter().enumerate() {
        let note = match &f.note {
            Some(n) => format!("{}: {}", f.path, comment(n)),
            None => f.path.clone(),
        };
        let lead = if k == 0 { String::new() } else { format!("{indent}{IND}AND ") };
        let sql = if filters.len() == 1 { f.sql.clone() } else { format!("({})", f.sql) };
        text.push_str(&format!("{lead}{sql}  -- {note}\n"));
    }
    text
}

/// `alias AS (SELECT columns FROM relation AS alias WHERE …)`.
fn source_cte(source: &PlanSource, dialect: Dialect, relation: &dyn Fn(&PlanSource) -> String) -> String {
    let id = |name: &str| ident(name, dialect);
    let columns: Vec<String> = source.columns.iter().map(|c| id(c)).collect();
    let mut text = format!(
        "-- {}\n{} AS (\n{IND}SELECT {}\n{IND}FROM {} AS {}\n",
        source.entry,
        id(&source.alias),
        columns.join(", "),
        relation(source),
        id(&source.alias)
    );
    if !source.filters.is_empty() {
        text.push_str(&format!("{IND}WHERE {}", conjunction(&source.filters, IND)));
    }
    text.push(')');
    text
}
