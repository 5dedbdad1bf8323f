//! The reference query of a mapping or aggregate model: DuckDB SQL written from the spec alone
//! (spec-format.md, "Kinds of model"), never from the code under test.
//!
//! What each model kind becomes:
//! - **Mapping**: `FROM base`, each join in order with its type and condition, a filter whose
//!   `applies_to` is a source restricting that source in a subquery before it is joined, the
//!   other filters in `WHERE`, then `CAST(expr AS type) AS target` in `column_mapping` order, and
//!   `GROUP BY` every column read outside an aggregate call when some expression aggregates.
//! - **Aggregate without joins**: the distinct group keys of the driving (first) source, each
//!   metric computed on its own source grouped by the group-by columns, left-joined onto the keys
//!   (`IS NOT DISTINCT FROM`, so a NULL key is one group, as `GROUP BY` makes it).
//! - **Aggregate with joins**: the joined rows as in a mapping model, grouped by the driving
//!   source's group-by columns.
//!
//! Expressions are parsed in the spec's dialect and carried to DuckDB by the dialect bridge;
//! `{from}` becomes `"from_table"."from_column"` after the bridge, so it is never mistaken for a
//! BigQuery string. Each output (but the group-by columns, which have no spec type) is cast to
//! the DuckDB type of its spec `type`.

use crate::spec::catalog::Catalog;
use crate::spec::load::LoadedSpec;
use crate::spec::model::{Dialect, Filter, Model};
use crate::spec::resolve::context::alias_of;
use crate::spec::resolve::query::{JoinKind, ModelQuery, FROM_IDENT, FROM_PLACEHOLDER};
use crate::spec::resolve::{kinds_of, resolve_models, ModelKind};
use crate::sql::bridge::{duckdb_type, expr_to_duckdb, BridgeOptions};
use crate::sql::expr::column_refs;
use crate::sql::parse::parse_expression;
pub(crate) use crate::sql::quote_ident as quote;
use crate::sql::types::canonical_type_name;
use sqlparser::ast::{Expr, Ident, VisitMut, VisitorMut};
use std::ops::ControlFlow;

/// Maps a source entry of the spec (`raw.crm_customers`, or a model's name) to the SQL relation
/// the reference reads for it, e.g. `"memory"."raw"."crm_customers"`.
pub type Names<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// The reference query of model `mi`: one DuckDB `SELECT` whose result is what the spec says
/// the model holds, with the spec's output columns in spec order.
///
/// Fails (with a lowercase fragment saying why) for SCD2 models (see
/// [`super::scd2::history_sql`]), for a model the lint finds without one meaning, for an
/// expression the dialect bridge cannot carry over, and for a source `names` does not know.
pub fn sql_for(loaded: &LoadedSpec, catalog: &Catalog, mi: usize, names: &Names<'_>) -> Result<String, String> {
    let queries = resolve_models(loaded, catalog);
    let query = queries.get(mi).ok_or_else(|| format!("there is no model at index {mi}"))?;
    sql_for_query(loaded, mi, query.as_ref(), names)
}

/// [`sql_for`] with the model already resolved (an element of
/// [`crate::spec::resolve::resolve_models`]), for callers that build the reference of every model.
pub fn sql_for_query(
    loaded: &LoadedSpec,
    mi: usize,
    query: Option<&ModelQuery>,
    names: &Names<'_>,
) -> Result<String, String> {
    sql_against(loaded, mi, query, names, loaded.spec.dialect)
}

/// [`sql_for_query`] for code written in `code`. BigQuery code is run through the same
/// translation as the spec, so its reference follows that translation; DuckDB code runs as
/// written, so its reference divides NUMERICs as BigQuery does
/// ([`crate::sql::bridge::explicit_numeric_division`]). The translation of the code's own
/// divisions knows no types yet: making only the reference exact would blame correct BigQuery
/// code for the translation's rounding.
pub fn sql_against(
    loaded: &LoadedSpec,
    mi: usize,
    query: Option<&ModelQuery>,
    names: &Names<'_>,
    code: Dialect,
) -> Result<String, String> {
    let spec = &loaded.spec;
    let model = spec.models.get(mi).ok_or_else(|| format!("there is no model at index {mi}"))?;
    let kinds = kinds_of(model);
    if kinds.as_slice() == [ModelKind::Scd2] {
        return Err(format!("`{}` is an SCD2 model: its reference is a history over runs", model.name));
    }
    let Some(q) = query else {
        return Err(format!("`{}` is of no single kind, so the spec gives it no meaning", model.name));
    };
    if q.incomplete {
        return Err(format!("the spec gives `{}` no single meaning (see the lint's findings)", model.name));
    }
    let exact_numeric = spec.dialect == Dialect::Bigquery && code == Dialect::Duckdb;
    let cx = Cx { model, q, dialect: spec.dialect, names, exact_numeric };
    match kinds.as_slice() {
        [ModelKind::Mapping] => cx.mapping(),
        [ModelKind::Aggregate] if model.group_by.is_empty() => {
            Err(format!("aggregate model `{}` has no `group_by`", model.name))
        }
        [ModelKind::Aggregate] if model.joins.is_empty() => cx.per_source_aggregate(),
        [ModelKind::Aggregate] => cx.joined_aggregate(),
        _ => Err(format!("`{}` is of no single kind, so the spec gives it no meaning", model.name)),
    }
}

/// The DuckDB type of a spec `type` (spec-format.md's type table: `INT64` is `BIGINT`,
/// `NUMERIC` is `DECIMAL(38,9)`, …). A DuckDB type name is kept as written.
pub fn duckdb_type_of(spec_type: &str) -> Result<String, String> {
    let unknown = || format!("`{spec_type}` is not a BigQuery or DuckDB type");
    let family = canonical_type_name(spec_type).ok_or_else(unknown)?;
    let parsed = |dialect| match parse_expression(&format!("CAST(NULL AS {spec_type})"), dialect) {
        Ok(Expr::Cast { data_type, .. }) => Some(data_type),
        _ => None,
    };
    if let Some(bigquery) = parsed(Dialect::Bigquery) {
        if let Ok(t) = duckdb_type(&bigquery) {
            return Ok(t.to_string());
        }
    }
    // Not a BigQuery type with a checked equivalent: a DuckDB name of a known family (DOUBLE,
    // HUGEINT, …) means itself.
    match parsed(Dialect::Duckdb) {
        Some(duckdb) if !family.is_empty() => Ok(duckdb.to_string()),
        _ => Err(unknown()),
    }
}

pub(super) struct Cx<'a> {
    pub(super) model: &'a Model,
    pub(super) q: &'a ModelQuery,
    pub(super) dialect: Dialect,
    pub(super) names: &'a Names<'a>,
    /// Divisions with a NUMERIC operand are made explicit NUMERICs ([`sql_against`]).
    pub(super) exact_numeric: bool,
}

/// What the error of a spec expression the bridge cannot carry to DuckDB says: a limit of the
/// translation, the tool's, never the spec's or the code's.
pub const NO_TRANSLATION: &str = "has no faithful DuckDB translation";

/// Where a filter applies.
pub(super) enum Scope {
    /// Before the joins, on the source with this relation index.
    Source(usize),
    /// After the joins.
    Joined,
}

impl Cx<'_> {
    fn mapping(&self) -> Result<String, String> {
        let mut select = Vec::new();
        for m in &self.model.column_mapping {
            let from = match (m.from_table.as_deref(), m.from_column.as_deref()) {
                (Some(t), Some(c)) if !t.trim().is_empty() && !c.trim().is_empty() => {
                    Some(format!("{}.{}", quote(t.trim()), quote(c.trim())))
                }
                _ => None,
            };
            let transform = m.transform.as_deref().map(str::trim).filter(|t| !t.is_empty());
            let expr = match (transform, &from) {
                (Some(text), _) => self.expression(text, from.as_deref())?,
                (None, Some(from)) => from.clone(),
                (None, None) => return Err(format!("`{}` has no transform and no column to copy", m.target_column)),
            };
            let ty = duckdb_type_of(&m.data_type)?;
            select.push(format!("CAST({expr} AS {ty}) AS {}", quote(&m.target_column)));
        }
        let mut sql = format!("SELECT\n  {}\n{}", select.join(",\n  "), self.joined_from()?);
        if let Some(keys) = &self.q.grouped {
            let keys: Vec<String> = keys.iter().map(|(i, c)| self.column(*i, c)).collect();
            if !keys.is_empty() {
                sql.push_str(&format!("\nGROUP BY {}", keys.join(", ")));
            }
        }
        Ok(sql)
    }

    fn joined_aggregate(&self) -> Result<String, String> {
        let driving = self.driving()?;
        let mut select: Vec<String> = Vec::new();
        let mut keys = Vec::new();
        for g in &self.model.group_by {
            let column = self.column(driving, g);
            select.push(format!("{column} AS {}", quote(g)));
            keys.push(column);
        }
        for a in &self.model.aggregations {
            let expr = self.expression(&a.formula, None)?;
            select.push(format!("CAST({expr} AS {}) AS {}", duckdb_type_of(&a.data_type)?, quote(&a.metric_column)));
        }
        Ok(format!("SELECT\n  {}\n{}\nGROUP BY {}", select.join(",\n  "), self.joined_from()?, keys.join(", ")))
    }

    /// spec-format.md: each metric on its own source, grouped by the group-by columns, then
    /// left-joined onto the driving source's distinct groups, so metrics never fan out.
    fn per_source_aggregate(&self) -> Result<String, String> {
        let driving = self.driving()?;
        let filters = self.per_source_filters()?;
        let group = &self.model.group_by;
        let groups_of = |i: usize| -> Vec<String> {
            group.iter().map(|g| format!("{} AS {}", self.column(i, g), quote(g))).collect()
        };
        let first_metric = self.q.outputs.len() - self.model.aggregations.len();
        // The metrics of one source share one grouping of its rows: the same rows, grouped by
        // the same keys, give each metric the value a grouping of its own would. (One per
        // metric made DuckDB parse, plan and run a scan, a grouping and a join each.)
        let mut sources: Vec<(usize, Vec<String>)> = Vec::new();
        let mut metric_of: Vec<usize> = Vec::new();
        for (k, a) in self.model.aggregations.iter().enumerate() {
            let source = self
                .q
                .outputs
                .get(first_metric + k)
                .and_then(|o| o.metric_source)
                .ok_or_else(|| format!("the source of metric `{}` cannot be told", a.metric_column))?;
            let at = match sources.iter().position(|(s, _)| *s == source) {
                Some(at) => at,
                None => {
                    sources.push((source, Vec::new()));
                    sources.len() - 1
                }
            };
            sources[at].1.push(format!("{} AS specproof_value_{k}", self.expression(&a.formula, None)?));
            metric_of.push(at);
        }
        // The driving source's grouping has exactly its distinct groups: it is the groups, with
        // its metrics beside them. Without metrics of its own, its distinct groups are taken.
        let name = |at: usize| {
            if sources[at].0 == driving {
                "specproof_groups".to_string()
            } else {
                format!("specproof_metric_{at}")
            }
        };
        let mut ctes = Vec::new();
        if !sources.iter().any(|(s, _)| *s == driving) {
            ctes.push(format!(
                "specproof_groups AS (\n  SELECT DISTINCT {}\n  FROM {}\n)",
                groups_of(driving).join(", "),
                self.relation(driving, &filters[driving])?
            ));
        }
        let mut joins = Vec::new();
        for (at, (source, values)) in sources.iter().enumerate() {
            let name = name(at);
            let keys: Vec<String> = group.iter().map(|g| self.column(*source, g)).collect();
            ctes.push(format!(
                "{name} AS (\n  SELECT {}, {}\n  FROM {}\n  GROUP BY {}\n)",
                groups_of(*source).join(", "),
                values.join(", "),
                self.relation(*source, &filters[*source])?,
                keys.join(", ")
            ));
            if *source != driving {
                let on: Vec<String> = group
                    .iter()
                    .map(|g| format!("specproof_groups.{0} IS NOT DISTINCT FROM {name}.{0}", quote(g)))
                    .collect();
                joins.push(format!("LEFT JOIN {name} ON {}", on.join(" AND ")));
            }
        }
        let mut select: Vec<String> = group.iter().map(|g| format!("specproof_groups.{0} AS {0}", quote(g))).collect();
        for (k, a) in self.model.aggregations.iter().enumerate() {
            select.push(format!(
                "CAST({}.specproof_value_{k} AS {}) AS {}",
                name(metric_of[k]),
                duckdb_type_of(&a.data_type)?,
                quote(&a.metric_column)
            ));
        }
        Ok(format!(
            "WITH {}\nSELECT\n  {}\nFROM specproof_groups\n{}",
            ctes.join(",\n"),
            select.join(",\n  "),
            joins.join("\n")
        ))
    }

    /// The driving source: the first source, where `group_by` columns come from.
    pub(super) fn driving(&self) -> Result<usize, String> {
        let first = self.model.sources.first().map(|s| alias_of(s)).unwrap_or_default();
        self.q.index(first).ok_or_else(|| format!("the driving source `{first}` did not resolve"))
    }

    /// `FROM base JOIN … ON …` with pre-join filters in place, then `WHERE` with the others.
    fn joined_from(&self) -> Result<String, String> {
        self.joined_from_with(true)
    }

    /// [`Cx::joined_from`], with the filters after the joins (`WHERE`) only when `post`: the
    /// coverage probes of those filters' own conditions read the rows before them.
    pub(super) fn joined_from_with(&self, post_filters: bool) -> Result<String, String> {
        let mut pre: Vec<Vec<String>> = vec![Vec::new(); self.q.relations.len()];
        let mut post = Vec::new();
        for filter in &self.model.filters {
            let Some(predicate) = self.predicate(filter)? else { continue };
            match self.scope(filter)? {
                Scope::Source(i) => pre[i].push(predicate),
                Scope::Joined => post.push(predicate),
            }
        }
        let base = match self.model.joins.first() {
            Some(join) => self.index(&join.left_table)?,
            None => 0,
        };
        let mut sql = format!("FROM {}", self.relation(base, &pre[base])?);
        for join in &self.model.joins {
            let kind =
                JoinKind::parse(&join.join_type).ok_or_else(|| format!("`{}` is not a join type", join.join_type))?;
            let right = self.index(&join.right_table)?;
            let condition = self.expression(&join.condition, None)?;
            sql.push_str(&format!("\n{} JOIN {} ON {condition}", kind.keyword(), self.relation(right, &pre[right])?));
        }
        if post_filters && !post.is_empty() {
            sql.push_str(&format!("\nWHERE {}", post.join(" AND ")));
        }
        Ok(sql)
    }

    /// Filters of an aggregate model without joins, per source. There are no joined rows for a
    /// filter to apply after, so a filter on the model restricts the one source whose columns it
    /// names (every source when it names none).
    pub(super) fn per_source_filters(&self) -> Result<Vec<Vec<String>>, String> {
        let mut per_source: Vec<Vec<String>> = vec![Vec::new(); self.q.relations.len()];
        for filter in &self.model.filters {
            let Some(predicate) = self.predicate(filter)? else { continue };
            match self.scope(filter)? {
                Scope::Source(i) => per_source[i].push(predicate),
                Scope::Joined => {
                    let text = filter.predicate.as_deref().unwrap_or_default();
                    let expr = parse_expression(text, self.dialect).map_err(|e| e.to_string())?;
                    let mut owners: Vec<usize> = Vec::new();
                    for r in column_refs(&expr) {
                        let found: Vec<usize> = match &r.qualifier {
                            Some(t) => self.q.index(t).into_iter().collect(),
                            None => (0..self.q.relations.len())
                                .filter(|&i| self.q.relations[i].column(&r.column).is_some())
                                .collect(),
                        };
                        owners.extend(found);
                    }
                    owners.sort_unstable();
                    owners.dedup();
                    match owners.as_slice() {
                        [] => per_source.iter_mut().for_each(|p| p.push(predicate.clone())),
                        [i] => per_source[*i].push(predicate),
                        _ => {
                            return Err(format!(
                                "filter `{text}` names columns of several sources of an aggregate model without joins"
                            ))
                        }
                    }
                }
            }
        }
        Ok(per_source)
    }

    /// A filter's predicate in DuckDB, `None` for an empty one (no filter).
    pub(super) fn predicate(&self, filter: &Filter) -> Result<Option<String>, String> {
        let text = filter.predicate.as_deref().map(str::trim).unwrap_or_default();
        if text.is_empty() {
            return Ok(None);
        }
        Ok(Some(format!("({})", self.expression(text, None)?)))
    }

    /// spec-format.md: a source table restricts that table before it is joined; the model
    /// itself, empty, null or `(none)` applies after the joins.
    pub(super) fn scope(&self, filter: &Filter) -> Result<Scope, String> {
        let applies_to = filter.applies_to.as_deref().map(str::trim).unwrap_or_default();
        if applies_to.is_empty() || applies_to == "(none)" || applies_to.eq_ignore_ascii_case(&self.model.name) {
            return Ok(Scope::Joined);
        }
        self.index(applies_to).map(Scope::Source)
    }

    /// The relation index of a table name inside the model.
    pub(super) fn index(&self, table: &str) -> Result<usize, String> {
        let table = table.trim();
        self.q.index(table).ok_or_else(|| format!("`{table}` is not one of the model's sources"))
    }

    /// `"alias"."column"`.
    pub(super) fn column(&self, relation: usize, column: &str) -> String {
        format!("{}.{}", quote(&self.q.relations[relation].alias), quote(column))
    }

    /// A source in a FROM clause under its alias, restricted by `filters` when there are any.
    pub(super) fn relation(&self, i: usize, filters: &[String]) -> Result<String, String> {
        let alias = &self.q.relations[i].alias;
        let entry = self
            .model
            .sources
            .iter()
            .find(|s| alias_of(s).eq_ignore_ascii_case(alias))
            .ok_or_else(|| format!("`{alias}` is not one of the model's sources"))?;
        let table = (self.names)(entry).ok_or_else(|| format!("no relation is known for source `{entry}`"))?;
        let alias = quote(alias);
        Ok(match filters {
            [] => format!("{table} AS {alias}"),
            _ => format!("(SELECT * FROM {table} AS {alias} WHERE {}) AS {alias}", filters.join(" AND ")),
        })
    }

    /// The numeric kind of a column a spec expression reads (`{from}` is `from`), from the
    /// declared types of the model's sources.
    fn number_kind(
        &self,
        qualifier: Option<&str>,
        column: &str,
        from: Option<&str>,
    ) -> Option<crate::sql::bridge::NumberKind> {
        if qualifier.is_none() && column == FROM_IDENT {
            let parsed = parse_expression(from?, Dialect::Duckdb).ok()?;
            let refs = column_refs(&parsed);
            let [r] = refs.as_slice() else { return None };
            return self.number_kind(r.qualifier.as_deref(), &r.column, None);
        }
        let scope: Vec<&crate::spec::resolve::context::Relation> = self.q.relations.iter().collect();
        let reference = crate::sql::expr::ColumnRef {
            qualifier: qualifier.map(str::to_string),
            column: column.to_string(),
            in_aggregate: false,
            line: 0,
            column_no: 0,
        };
        match crate::spec::resolve::context::resolve_ref(&scope, &reference) {
            crate::spec::resolve::context::RefResolution::Found { index, column } => {
                let ty = self.q.relations[index].column(&column)?.data_type.as_deref()?;
                crate::sql::bridge::NumberKind::of_type(ty)
            }
            _ => None,
        }
    }

    /// A spec expression in DuckDB, with `{from}` standing for `from` (already DuckDB SQL).
    pub(super) fn expression(&self, text: &str, from: Option<&str>) -> Result<String, String> {
        let uses_from = text.contains(FROM_PLACEHOLDER);
        let substituted = text.replace(FROM_PLACEHOLDER, FROM_IDENT);
        let mut expr = parse_expression(&substituted, self.dialect)
            .map_err(|e| format!("expression `{text}` does not parse: {}", e.message))?;
        if self.exact_numeric {
            let kind = |qualifier: Option<&str>, column: &str| self.number_kind(qualifier, column, from);
            crate::sql::bridge::explicit_numeric_division(&mut expr, &kind);
        }
        let untranslatable = expr_to_duckdb(&mut expr, &BridgeOptions { from: self.dialect, catalog: None });
        if let Some(u) = untranslatable.first() {
            return Err(format!("expression `{text}` {NO_TRANSLATION}: {}", u.message));
        }
        if uses_from {
            let from = from.ok_or_else(|| format!("`{text}` uses {{from}} but names no from_table and from_column"))?;
            let replacement = parse_expression(from, Dialect::Duckdb).map_err(|e| e.to_string())?;
            let replacement = crate::sql::expr::operand(replacement);
            let _ = expr.visit(&mut ReplaceFrom { replacement });
        }
        Ok(expr.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::catalog::add_ddl_text;
    use crate::spec::load::parse_spec;

    const DDL: &str = "CREATE TABLE raw.c (id INT64 NOT NULL, name STRING);
        CREATE TABLE raw.a (cid INT64 NOT NULL, country STRING);
        CREATE TABLE raw.o (cid INT64, amount NUMERIC, status STRING);";

    const DATA: &str = "CREATE SCHEMA raw;
        CREATE TABLE raw.c AS SELECT * FROM (VALUES (1, 'ann'), (2, NULL), (3, 'cy')) v(id, name);
        CREATE TABLE raw.a AS SELECT * FROM (VALUES (1, 'NO'), (2, NULL), (4, 'FR')) v(cid, country);
        CREATE TABLE raw.o AS SELECT * FROM (VALUES (1, 2.5::DECIMAL(38,9), 'OPEN'), (1, 1.5, 'CLOSED'), (NULL, 4, NULL),
            (5, 1, 'OPEN')) v(cid, amount, status);";

    /// The reference of the only model of `model` (JSON), run on [`DATA`], as sorted rows.
    fn reference(model: &str) -> Result<Vec<String>, String> {
        let text = format!(
            r#"{{"schema": {{"raw_schema": "raw", "staging_schema": "stg", "final_schema": "mart"}}, "models": [{model}]}}"#
        );
        let loaded = parse_spec("spec.json", text).map_err(|e| e.to_string())?;
        let mut catalog = Catalog::default();
        add_ddl_text(&mut catalog, &mut Vec::new(), DDL, "ddl.sql");
        let sql = sql_for(&loaded, &catalog, 0, &|entry: &str| Some(entry.to_string()))?;
        let conn = duckdb::Connection::open_in_memory().map_err(|e| e.to_string())?;
        conn.execute_batch(DATA).map_err(|e| e.to_string())?;
        let width: usize = conn
            .query_row(&format!("SELECT count(*) FROM (DESCRIBE {sql})"), [], |r| r.get(0))
            .map_err(|e| format!("{e}\n{sql}"))?;
        let values: Vec<String> = (1..=width).map(|i| format!("coalesce(CAST(#{i} AS VARCHAR), '∅')")).collect();
        let text = format!("SELECT concat_ws('|', {}) FROM ({sql}) ORDER BY 1", values.join(", "));
        let mut statement = conn.prepare(&text).map_err(|e| format!("{e}\n{sql}"))?;
        let rows = statement.query_map([], |r| r.get::<_, String>(0)).map_err(|e| e.to_string())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())
    }

    fn mapping(columns: &str, joins: &str, filters: &str) -> String {
        format!(
            r#"{{"name": "m", "layer": "staging", "sources": ["raw.c", "raw.a"], "column_mapping": [{columns}],
                "joins": {joins}, "filters": {filters}}}"#
        )
    }

    const ID_COUNTRY: &str = r#"{"target_column": "id", "type": "INT64", "from_table": "c", "from_column": "id"},
        {"target_column": "country", "type": "STRING", "from_table": "a", "from_column": "country"}"#;

    fn join(kind: &str) -> String {
        format!(r#"[{{"left_table": "c", "right_table": "a", "type": "{kind}", "condition": "c.id = a.cid"}}]"#)
    }

    #[test]
    fn a_filter_on_a_source_applies_before_its_join_and_others_after() {
        let before = r#"[{"applies_to": "a", "predicate": "country IS NOT NULL"}]"#;
        assert_eq!(reference(&mapping(ID_COUNTRY, &join("LEFT"), before)).unwrap(), ["1|NO", "2|∅", "3|∅"]);
        for after in ["null", r#""""#, r#""(none)""#, r#""m""#] {
            let filters = format!(r#"[{{"applies_to": {after}, "predicate": "country IS NOT NULL"}}]"#);
            assert_eq!(reference(&mapping(ID_COUNTRY, &join("LEFT"), &filters)).unwrap(), ["1|NO"], "{after}");
        }
        let empty = r#"[{"applies_to": "a", "predicate": ""}]"#;
        assert_eq!(reference(&mapping(ID_COUNTRY, &join("LEFT"), empty)).unwrap(), ["1|NO", "2|∅", "3|∅"]);
    }

    #[test]
    fn joins_keep_rows_by_their_type() {
        assert_eq!(reference(&mapping(ID_COUNTRY, &join("INNER"), "[]")).unwrap(), ["1|NO", "2|∅"]);
        assert_eq!(reference(&mapping(ID_COUNTRY, &join("RIGHT OUTER"), "[]")).unwrap(), ["1|NO", "2|∅", "∅|FR"]);
        assert_eq!(reference(&mapping(ID_COUNTRY, &join("FULL"), "[]")).unwrap(), ["1|NO", "2|∅", "3|∅", "∅|FR"]);
    }

    #[test]
    fn transforms_keep_bigquery_meaning_and_the_spec_type() {
        // CONCAT is null when an argument is; `{from}` is the from column; the type is the spec's.
        let columns = r#"{"target_column": "label", "type": "STRING", "from_table": "c", "from_column": "name",
                          "transform": "CONCAT(UPPER({from}), '-', a.country)"},
                         {"target_column": "n", "type": "NUMERIC", "from_table": "c", "from_column": "id",
                          "transform": "{from} / 4"}"#;
        assert_eq!(
            reference(&mapping(columns, &join("LEFT"), "[]")).unwrap(),
            ["ANN-NO|0.250000000", "∅|0.500000000", "∅|0.750000000"]
        );
    }

    #[test]
    fn an_aggregating_transform_groups_by_every_other_column() {
        let model = r#"{"name": "m", "layer": "staging", "sources": ["raw.c", "raw.o"],
            "column_mapping": [{"target_column": "id", "type": "INT64", "from_table": "c", "from_column": "id"},
                               {"target_column": "total", "type": "NUMERIC", "from_table": "o", "from_column": "amount",
                                "transform": "SUM({from})"},
                               {"target_column": "open", "type": "INT64", "transform": "COUNTIF(o.status = 'OPEN')"}],
            "joins": [{"left_table": "c", "right_table": "o", "type": "LEFT", "condition": "c.id = o.cid"}]}"#;
        assert_eq!(reference(model).unwrap(), ["1|4.000000000|1", "2|∅|0", "3|∅|0"]);
    }

    fn aggregate(sources: &str, metrics: &str, joins: &str, filters: &str) -> String {
        format!(
            r#"{{"name": "f", "layer": "final", "sources": {sources}, "group_by": ["cid"], "aggregations": [{metrics}],
                "joins": {joins}, "filters": {filters}}}"#
        )
    }

    #[test]
    fn metrics_without_joins_are_computed_per_source_on_the_driving_groups() {
        let metrics = r#"{"metric_column": "orders", "type": "INT64", "formula": "COUNT(*)"},
                         {"metric_column": "open", "type": "INT64", "formula": "COUNTIF(status = 'OPEN')"},
                         {"metric_column": "countries", "type": "INT64", "formula": "COUNT(a.country)"}"#;
        // One row per group of the driving source `o`, the NULL key included; `a` has no row for
        // 5 or NULL, so its metric is null there, and its key 4 makes no row.
        assert_eq!(
            reference(&aggregate(r#"["raw.o", "raw.a"]"#, metrics, "[]", "[]")).unwrap(),
            ["1|2|1|1", "5|1|1|∅", "∅|1|0|∅"]
        );
        // A filter on the model restricts the source whose columns it names.
        let filters = r#"[{"applies_to": null, "predicate": "status IS NOT NULL"}]"#;
        assert_eq!(
            reference(&aggregate(r#"["raw.o", "raw.a"]"#, metrics, "[]", filters)).unwrap(),
            ["1|2|1|1", "5|1|1|∅"]
        );
    }

    #[test]
    fn metrics_with_joins_are_computed_over_the_joined_rows() {
        let metrics = r#"{"metric_column": "orders", "type": "INT64", "formula": "COUNT(*)"},
                         {"metric_column": "countries", "type": "INT64", "formula": "COUNT(a.country)"}"#;
        let joins = r#"[{"left_table": "o", "right_table": "a", "type": "LEFT", "condition": "o.cid = a.cid"}]"#;
        assert_eq!(
            reference(&aggregate(r#"["raw.o", "raw.a"]"#, metrics, joins, "[]")).unwrap(),
            ["1|2|2", "5|1|0", "∅|1|0"]
        );
    }

    #[test]
    fn a_spec_without_one_meaning_has_no_reference() {
        let unknown = mapping(
            r#"{"target_column": "id", "type": "INT64", "from_table": "c", "from_column": "nope"}"#,
            &join("LEFT"),
            "[]",
        );
        assert!(reference(&unknown).unwrap_err().contains("no single meaning"));
        let scd2 = r#"{"name": "d", "layer": "final", "sources": ["raw.c"], "constraints": {"scd_type": 2}}"#;
        assert!(reference(scd2).unwrap_err().contains("SCD2"));
    }

    #[test]
    fn spec_types_become_duckdb_types() {
        for (spec, want) in [
            ("INT64", "BIGINT"),
            ("NUMERIC", "DECIMAL(38,9)"),
            ("NUMERIC(10, 2)", "DECIMAL(10,2)"),
            ("FLOAT64", "DOUBLE"),
            ("STRING", "VARCHAR"),
            ("BOOL", "BOOLEAN"),
            ("TIMESTAMP", "TIMESTAMP"),
            ("DATETIME", "TIMESTAMP"),
            ("DATE", "DATE"),
            ("BIGINT", "BIGINT"),
            ("DOUBLE", "DOUBLE"),
        ] {
            assert_eq!(duckdb_type_of(spec).as_deref(), Ok(want), "{spec}");
        }
        assert!(duckdb_type_of("NOPE").is_err());
    }
}
