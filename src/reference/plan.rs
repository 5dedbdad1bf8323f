//! A mapping or aggregate model's meaning as the parts of a readable query, for code generation
//! (`specproof generate code`).
//!
//! The parts come from the same derivation as the reference query ([`super::sql`]): where each
//! filter applies ([`Cx::scope`], and for an aggregate without joins the source whose columns it
//! names, [`Cx::per_source_filters`]), the base and join kinds, the driving source, each metric's
//! source and every expression's DuckDB translation ([`Cx::expression`], with NUMERIC divisions
//! made exact as for DuckDB code). Generated code and reference therefore cannot disagree on what
//! a field means; only the layout differs (the reference nests subqueries, the generated code
//! names one CTE per source).
//!
//! For BigQuery the spec's own expressions are kept as written (the spec is BigQuery), with
//! `{from}` replaced in the parsed tree, never in text.

use super::sql::{duckdb_type_of, Cx, Names, Scope};
use crate::spec::load::LoadedSpec;
use crate::spec::model::Dialect;
use crate::spec::resolve::query::{JoinKind, ModelQuery, FROM_IDENT, FROM_PLACEHOLDER};
use crate::spec::resolve::{kinds_of, ModelKind};
use crate::sql::parse::parse_expression;
use sqlparser::ast::{Expr, Ident, VisitMut, VisitorMut};
use std::ops::ControlFlow;

/// How a model's query is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Joined, filtered rows, one output row each (grouped when an expression aggregates).
    Mapping,
    /// Metrics over the joined rows, grouped by the driving source's `group_by` columns.
    JoinedAggregate,
    /// Each metric on its own source, left-joined onto the driving source's distinct groups.
    PerSourceAggregate,
}

/// A piece of SQL with the spec field it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traced {
    /// SQL in the target dialect.
    pub sql: String,
    /// The JSON path of the spec field (`models[0].filters[1]`).
    pub path: String,
    /// The spec's own words about it (a filter's rationale), when it has some.
    pub note: Option<String>,
}

/// One source of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSource {
    /// The name the model refers to it by.
    pub alias: String,
    /// The spec's source entry (`raw.crm_customers`, or a model's name).
    pub entry: String,
    /// The upstream model's index, when the source is a model.
    pub model: Option<usize>,
    /// Its columns, in declaration order.
    pub columns: Vec<String>,
    /// Filters restricting it before it is joined (or, for an aggregate without joins, before its
    /// metrics are computed).
    pub filters: Vec<Traced>,
}

/// One join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanJoin {
    /// `LEFT`, `INNER`, `RIGHT` or `FULL`.
    pub keyword: &'static str,
    /// The source joined in.
    pub right: usize,
    /// The ON condition.
    pub condition: Traced,
}

/// One output column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanColumn {
    /// Its name.
    pub name: String,
    /// Its expression, over the sources' aliases.
    pub expr: String,
    /// Its type in the target dialect; none for a group-by column (the spec gives it no type).
    pub data_type: Option<String>,
    /// The spec's type as written.
    pub spec_type: Option<String>,
    /// For a metric of an aggregate without joins, the source it is computed on.
    pub source: Option<usize>,
    /// Where it comes from in the spec (JSON path and what the field says).
    pub trace: String,
}

/// A model's query in parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPlan {
    /// The query's shape.
    pub shape: Shape,
    /// The sources in the spec's order.
    pub sources: Vec<PlanSource>,
    /// The source the joins start from (the driving source of an aggregate without joins).
    pub base: usize,
    /// The joins in order.
    pub joins: Vec<PlanJoin>,
    /// Filters on the joined rows.
    pub post_filters: Vec<Traced>,
    /// The output columns in spec order.
    pub columns: Vec<PlanColumn>,
    /// The grouping expressions, when the query groups.
    pub group_by: Vec<String>,
}

/// `name` as an identifier of `target`: bare when it is a plain word that is not a reserved one,
/// quoted otherwise.
pub fn ident(name: &str, target: Dialect) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain && !reserved(name) {
        return name.to_string();
    }
    match target {
        Dialect::Bigquery => format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`")),
        Dialect::Duckdb => crate::sql::quote_ident(name),
    }
}

/// Words the parser will not read as a column or table name.
fn reserved(name: &str) -> bool {
    use sqlparser::keywords::{ALL_KEYWORDS, ALL_KEYWORDS_INDEX, RESERVED_FOR_COLUMN_ALIAS, RESERVED_FOR_TABLE_ALIAS};
    let upper = name.to_ascii_uppercase();
    match ALL_KEYWORDS.binary_search(&upper.as_str()) {
        Ok(i) => {
            let keyword = ALL_KEYWORDS_INDEX[i];
            RESERVED_FOR_COLUMN_ALIAS.contains(&keyword) || RESERVED_FOR_TABLE_ALIAS.contains(&keyword)
        }
        Err(_) => false,
    }
}

/// The parts of model `mi` (resolved as `query`) with expressions in `target`.
///
/// Fails, with a lowercase fragment, exactly where [`super::sql::sql_against`] fails (an SCD2
/// model, a model without one meaning, an expression the bridge cannot carry to DuckDB), and for
/// a BigQuery target when the spec is written in DuckDB (no translation that way exists).
pub fn plan_for(
    loaded: &LoadedSpec,
    mi: usize,
    query: Option<&ModelQuery>,
    target: Dialect,
) -> Result<ModelPlan, String> {
    let spec = &loaded.spec;
    let model = spec.models.get(mi).ok_or_else(|| format!("there is no model at index {mi}"))?;
    if target == Dialect::Bigquery && spec.dialect == Dialect::Duckdb {
        return Err("the spec's expressions are DuckDB SQL, and there is no translation to BigQuery".into());
    }
    let kinds = kinds_of(model);
    if kinds.as_slice() == [ModelKind::Scd2] {
        return Err(format!("`{}` is an SCD2 model: its code is a history kept over runs", model.name));
    }
    let Some(q) = query else {
        return Err(format!("`{}` is of no single kind, so the spec gives it no meaning", model.name));
    };
    if q.incomplete {
        return Err(format!("the spec gives `{}` no single meaning (see the lint's findings)", model.name));
    }
    let names: &Names<'_> = &|entry: &str| Some(entry.to_string());
    // As for DuckDB code in `sql_against`: the DuckDB form divides NUMERICs as BigQuery does.
    let exact_numeric = spec.dialect == Dialect::Bigquery && target == Dialect::Duckdb;
    let cx = Cx { model, q, dialect: spec.dialect, names, exact_numeric };
    let shape = match kinds.as_slice() {
        [ModelKind::Mapping] => Shape::Mapping,
        [ModelKind::Aggregate] if model.group_by.is_empty() => {
            return Err(format!("aggregate model `{}` has no `group_by`", model.name))
        }
        [ModelKind::Aggregate] if model.joins.is_empty() => Shape::PerSourceAggregate,
        [ModelKind::Aggregate] => Shape::JoinedAggregate,
        _ => return Err(format!("`{}` is of no single kind, so the spec gives it no meaning", model.name)),
    };
    let g = Gen { cx: &cx, target };
    let mut sources: Vec<PlanSource> = q
        .relations
        .iter()
        .map(|r| {
            let entry = model
                .sources
                .iter()
                .find(|s| crate::spec::resolve::context::alias_of(s).eq_ignore_ascii_case(&r.alias))
                .cloned()
                .unwrap_or_else(|| r.alias.clone());
            PlanSource {
                alias: r.alias.clone(),
                entry,
                model: r.model,
                columns: r.columns.iter().map(|c| c.name.clone()).collect(),
                filters: Vec::new(),
            }
        })
        .collect();
    let mut post_filters = Vec::new();
    let per_source = if shape == Shape::PerSourceAggregate { Some(cx.per_source_filters()?) } else { None };
    for (k, filter) in model.filters.iter().enumerate() {
        let Some(duckdb) = cx.predicate(filter)? else { continue };
        let text = filter.predicate.as_deref().map(str::trim).unwrap_or_default();
        let traced = Traced {
            sql: g.expression(text, None)?,
            path: format!("models[{mi}].filters[{k}]"),
            note: filter.rationale.clone().filter(|r| !r.trim().is_empty()),
        };
        match (&per_source, cx.scope(filter)?) {
            (Some(lists), _) => {
                for (i, list) in lists.iter().enumerate() {
                    if list.contains(&duckdb) {
                        sources[i].filters.push(traced.clone());
                    }
                }
            }
            (None, Scope::Source(i)) => sources[i].filters.push(traced),
            (None, Scope::Joined) => post_filters.push(traced),
        }
    }
    let base = match (shape, model.joins.first()) {
        (Shape::PerSourceAggregate, _) => cx.driving()?,
        (_, Some(join)) => cx.index(&join.left_table)?,
        (_, None) => 0,
    };
    let mut joins = Vec::new();
    for (k, join) in model.joins.iter().enumerate() {
        let kind =
            JoinKind::parse(&join.join_type).ok_or_else(|| format!("`{}` is not a join type", join.join_type))?;
        joins.push(PlanJoin {
            keyword: kind.keyword(),
            right: cx.index(&join.right_table)?,
            condition: Traced {
                sql: g.expression(&join.condition, None)?,
                path: format!("models[{mi}].joins[{k}]"),
                note: None,
            },
        });
    }
    let mut columns = Vec::new();
    let mut group_by = Vec::new();
    match shape {
        Shape::Mapping => {
            for (k, m) in model.column_mapping.iter().enumerate() {
                let from = match (m.from_table.as_deref(), m.from_column.as_deref()) {
                    (Some(t), Some(c)) if !t.trim().is_empty() && !c.trim().is_empty() => Some((t.trim(), c.trim())),
                    _ => None,
                };
                let from_text = from.map(|(t, c)| format!("{}.{}", ident(t, target), ident(c, target)));
                let transform = m.transform.as_deref().map(str::trim).filter(|t| !t.is_empty());
                let expr = match (transform, &from_text) {
                    (Some(text), _) => {
                        g.expression(text, from.map(|f| (f, from_text.as_deref().unwrap_or_default())))?
                    }
                    (None, Some(from)) => from.clone(),
                    (None, None) => {
                        return Err(format!("`{}` has no transform and no column to copy", m.target_column))
                    }
                };
                let origin = match (transform, from) {
                    (Some(t), _) => format!("transform `{}`", one_line(t)),
                    (None, Some((t, c))) => format!("{t}.{c}"),
                    (None, None) => String::new(),
                };
                columns.push(PlanColumn {
                    name: m.target_column.clone(),
                    expr,
                    data_type: Some(g.data_type(&m.data_type)?),
                    spec_type: Some(m.data_type.clone()),
                    source: None,
                    trace: format!("models[{mi}].column_mapping[{k}]: {origin}"),
                });
            }
            if let Some(keys) = &q.grouped {
                group_by = keys
                    .iter()
                    .map(|(i, c)| format!("{}.{}", ident(&q.relations[*i].alias, target), ident(c, target)))
                    .collect();
            }
        }
        Shape::JoinedAggregate | Shape::PerSourceAggregate => {
            let driving = cx.driving()?;
            for (k, c) in model.group_by.iter().enumerate() {
                let column = format!("{}.{}", ident(&q.relations[driving].alias, target), ident(c, target));
                group_by.push(column.clone());
                columns.push(PlanColumn {
                    name: c.clone(),
                    expr: column,
                    data_type: None,
                    spec_type: None,
                    source: Some(driving),
                    trace: format!("models[{mi}].group_by[{k}]: {}.{c}", q.relations[driving].alias),
                });
            }
            let first_metric = q.outputs.len() - model.aggregations.len();
            for (k, a) in model.aggregations.iter().enumerate() {
                let source = match shape {
                    Shape::PerSourceAggregate => Some(
                        q.outputs
                            .get(first_metric + k)
                            .and_then(|o| o.metric_source)
                            .ok_or_else(|| format!("the source of metric `{}` cannot be told", a.metric_column))?,
                    ),
                    _ => None,
                };
                columns.push(PlanColumn {
                    name: a.metric_column.clone(),
                    expr: g.expression(&a.formula, None)?,
                    data_type: Some(g.data_type(&a.data_type)?),
                    spec_type: Some(a.data_type.clone()),
                    source,
                    trace: format!("models[{mi}].aggregations[{k}]: `{}`", one_line(&a.formula)),
                });
            }
        }
    }
    Ok(ModelPlan { shape, sources, base, joins, post_filters, columns, group_by })
}

/// A spec type as BigQuery names it: as written when it is a BigQuery type (`NUMERIC(10, 2)`
/// keeps its precision), else the BigQuery name of its family (`DOUBLE` is `FLOAT64`).
pub fn bigquery_type_of(spec_type: &str) -> Result<String, String> {
    duckdb_type_of(spec_type)?;
    let bigquery = match parse_expression(&format!("CAST(NULL AS {spec_type})"), Dialect::Bigquery) {
        Ok(Expr::Cast { data_type, .. }) => crate::sql::bridge::duckdb_type(&data_type).is_ok(),
        _ => false,
    };
    if bigquery {
        return Ok(spec_type.trim().to_string());
    }
    crate::sql::types::canonical_type_name(spec_type)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| format!("`{spec_type}` has no BigQuery name"))
}

/// Text on one line, for a comment.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Gen<'a> {
    cx: &'a Cx<'a>,
    target: Dialect,
}

impl Gen<'_> {
    /// A spec expression in the target dialect; `from` is the `{from}` column and its text.
    fn expression(&self, text: &str, from: Option<((&str, &str), &str)>) -> Result<String, String> {
        match self.target {
            Dialect::Duckdb => self.cx.expression(text, from.map(|(_, t)| t)),
            Dialect::Bigquery => {
                // The DuckDB form is worked out too: a spec expression with no faithful
                // translation is a spec the generated code could not be checked against.
                self.cx.expression(text, from.map(|(_, t)| t))?;
                let uses_from = text.contains(FROM_PLACEHOLDER);
                let substituted = text.replace(FROM_PLACEHOLDER, FROM_IDENT);
                let mut expr = parse_expression(&substituted, Dialect::Bigquery)
                    .map_err(|e| format!("expression `{text}` does not parse: {}", e.message))?;
                if uses_from {
                    let (_, from) =
                        from.ok_or_else(|| format!("`{text}` uses {{from}} but names no from_table and from_column"))?;
                    let replacement = parse_expression(from, Dialect::Bigquery).map_err(|e| e.to_string())?;
                    let replacement = crate::sql::expr::operand(replacement);
                    let _ = expr.visit(&mut ReplaceFrom { replacement });
                }
                Ok(expr.to_string())
            }
        }
    }

    /// A spec type in the target dialect.
    fn data_type(&self, spec_type: &str) -> Result<String, String> {
        match self.target {
            Dialect::Duckdb => duckdb_type_of(spec_type),
            Dialect::Bigquery => bigquery_type_of(spec_type),
        }
    }
}

/// Puts the `{from}` column in place of its placeholder identifier.
struct ReplaceFrom {
    replacement: Expr,
}

impl VisitorMut for ReplaceFrom {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if matches!(expr, Expr::Identifier(Ident { value, quote_style: None, .. }) if value == FROM_IDENT) {
            *expr = self.replacement.clone();
        }
        ControlFlow::Continue(())
    }
}
