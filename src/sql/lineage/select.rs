//! Queries and SELECTs: CTEs, set operations, the projection (with `*` expanded), the filters of
//! WHERE, HAVING and QUALIFY, and the grouping of each level.

use super::facts::{Derivation, FilterPlace, FilterUse, GroupLevel, Pos, SourceColumn};
use super::scope::{name_parts, AliasLevel, Col, Entry, Found, Rel, Tracer};
use super::walker::Walker;
use sqlparser::ast::{
    BinaryOperator, Expr, GroupByExpr, Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, Value,
    Visit,
};
use std::collections::{BTreeSet, HashSet};

pub(super) fn conjuncts(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
            let mut all = conjuncts(left);
            all.extend(conjuncts(right));
            all
        }
        Expr::Nested(inner) => conjuncts(inner),
        other => vec![other],
    }
}

impl Tracer<'_> {
    pub(super) fn query(&mut self, query: &Query) -> Rel {
        let saved = self.ctes.len();
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                let mut rel = self.query(&cte.query);
                for (col, alias) in rel.cols.iter_mut().zip(&cte.alias.columns) {
                    col.name = alias.name.value.clone();
                }
                self.ctes.push((cte.alias.name.value.clone(), rel));
            }
        }
        let rel = self.set_expr(&query.body);
        self.ctes.truncate(saved);
        rel
    }

    fn set_expr(&mut self, body: &SetExpr) -> Rel {
        match body {
            SetExpr::Select(select) => self.select(select),
            SetExpr::Query(q) => self.query(q),
            SetExpr::SetOperation { left, right, .. } => {
                // Which branch a row comes from is decided by the branches' filters: a CASE
                // split into filtered halves (`… WHERE g IS NOT NULL UNION ALL … WHERE g IS
                // NULL`, directly or in CTEs) depends on `g` in every column.
                let mut left = self.set_expr(left);
                let right = self.set_expr(right);
                left.filtered.extend(right.filtered.iter().cloned());
                let guards = left.filtered.clone();
                for (l, r) in left.cols.iter_mut().zip(&right.cols) {
                    l.reads.extend(r.reads.iter().cloned());
                    l.guards.extend(r.guards.iter().cloned());
                    l.guards.extend(guards.iter().cloned());
                    l.derivation = l.derivation.max(r.derivation).max(Derivation::Transformed);
                }
                left.opaque |= right.opaque || left.cols.len() != right.cols.len();
                left.tables.extend(right.tables);
                left
            }
            _ => {
                self.complete = false;
                Rel { opaque: true, ..Rel::default() }
            }
        }
    }

    fn select(&mut self, select: &Select) -> Rel {
        let first_filter = self.out.filters.len();
        self.scopes.push(Vec::new());
        // Select aliases name their items in HAVING and QUALIFY (both dialects), and in DuckDB
        // also in WHERE and in later select items. Only kept where something can name them.
        let named = self.lateral || select.having.is_some() || select.qualify.is_some();
        let items: Vec<(String, Expr)> = select
            .projection
            .iter()
            .filter(|_| named)
            .filter_map(|item| match item {
                SelectItem::ExprWithAlias { expr, alias } => Some((alias.value.clone(), expr.clone())),
                _ => None,
            })
            .collect();
        let visible = if self.lateral { items.len() } else { 0 };
        self.aliases.push(AliasLevel { visible, items });
        let mut equalities = Vec::new();
        let mut joined = false;
        for table in &select.from {
            joined |= !table.joins.is_empty() || select.from.len() > 1;
            self.table_with_joins(table, &mut equalities);
        }
        if let Some(selection) = &select.selection {
            let null_extended: BTreeSet<String> =
                self.current().iter().filter(|e| e.null_extended).flat_map(|e| e.rel.tables.iter().cloned()).collect();
            for conjunct in conjuncts(selection) {
                let (reads, _) = self.reads_of(conjunct);
                self.out.filters.push(FilterUse {
                    reads,
                    place: FilterPlace::Where { null_extended: null_extended.clone(), joins: joined },
                    text: conjunct.to_string(),
                    pos: Pos::of(conjunct),
                });
            }
        }

        let mut rel = Rel::default();
        for entry in self.current() {
            rel.tables.extend(entry.rel.tables.iter().cloned());
            rel.opaque |= entry.rel.opaque;
        }
        let mut aggregates = false;
        let mut aliased = 0;
        for item in &select.projection {
            // A select item sees the aliases of the items before it (DuckDB).
            let lateral = self.lateral;
            if let Some(level) = self.aliases.last_mut() {
                level.visible = if lateral { aliased } else { 0 };
            }
            aliased += usize::from(matches!(item, SelectItem::ExprWithAlias { .. }));
            match item {
                SelectItem::UnnamedExpr(expr) => {
                    let col = self.column_of(expr, default_name(expr), Pos::of(expr));
                    aggregates |= col.1;
                    rel.cols.push(col.0);
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    let col = self.column_of(expr, alias.value.clone(), Pos::of(expr));
                    aggregates |= col.1;
                    rel.cols.push(col.0);
                }
                SelectItem::Wildcard(options) => {
                    let excluded = excluded_names(options);
                    let entries: Vec<Entry> = self.current().to_vec();
                    for entry in entries {
                        rel.opaque |= entry.rel.opaque;
                        self.expand(&entry, &excluded, options, &mut rel);
                    }
                }
                SelectItem::QualifiedWildcard(kind, options) => {
                    let excluded = excluded_names(options);
                    let qualifier = match kind {
                        SelectItemQualifiedWildcardKind::ObjectName(name) => name_parts(name).join("."),
                        SelectItemQualifiedWildcardKind::Expr(_) => String::new(),
                    };
                    let entry = self.current().iter().find(|e| e.answers_to(&qualifier)).cloned();
                    match entry {
                        Some(entry) => {
                            rel.opaque |= entry.rel.opaque;
                            self.expand(&entry, &excluded, options, &mut rel);
                        }
                        None => {
                            rel.opaque = true;
                            self.complete = false;
                        }
                    }
                }
                _ => {
                    rel.opaque = true;
                    self.complete = false;
                }
            }
        }

        if let Some(level) = self.aliases.last_mut() {
            level.visible = level.items.len();
        }
        let group_keys: Option<Vec<&Expr>> = match &select.group_by {
            GroupByExpr::Expressions(exprs, _) if !exprs.is_empty() => Some(exprs.iter().collect()),
            GroupByExpr::All(_) => Some(Vec::new()),
            _ => None,
        };
        if group_keys.is_some() || aggregates {
            let mut keys = Vec::new();
            let mut opaque = false;
            let pos = match &select.group_by {
                GroupByExpr::Expressions(exprs, _) if !exprs.is_empty() => Pos::of(&exprs[0]),
                _ => {
                    Pos { line: select.select_token.0.span.start.line, column: select.select_token.0.span.start.column }
                }
            };
            match &select.group_by {
                GroupByExpr::All(_) => {
                    for col in &rel.cols {
                        if col.derivation < Derivation::Windowed {
                            keys.push(col.reads.clone());
                        }
                    }
                }
                _ => {
                    for key in group_keys.unwrap_or_default() {
                        match self.group_key(key, &rel) {
                            Some(reads) => keys.push(reads),
                            None => opaque = true,
                        }
                    }
                }
            }
            self.out.groups.push(GroupLevel {
                keys,
                tables: rel.tables.clone(),
                equalities: equalities.clone(),
                opaque: opaque || rel.opaque,
                pos,
            });
        }
        for after in select.having.iter().chain(select.qualify.iter()) {
            for conjunct in conjuncts(after) {
                let (reads, _) = self.reads_of(conjunct);
                self.out.filters.push(FilterUse {
                    reads,
                    place: FilterPlace::AfterGrouping,
                    text: conjunct.to_string(),
                    pos: Pos::of(conjunct),
                });
            }
        }
        rel.filtered = self.out.filters[first_filter..].iter().flat_map(|f| f.reads.iter().cloned()).collect();
        for entry in self.current() {
            rel.filtered.extend(entry.rel.filtered.iter().cloned());
        }
        self.scopes.pop();
        self.aliases.pop();
        rel
    }

    /// What a name that is no column in scope reads as the alias of a select item the current
    /// SELECT lets it see (see `Tracer::lateral`), traced again without adding to the facts.
    pub(super) fn lateral_alias(&mut self, idents: &[sqlparser::ast::Ident]) -> Option<Col> {
        let [ident] = idents else { return None };
        let level = self.aliases.last()?;
        let index =
            level.items.iter().take(level.visible).position(|(name, _)| name.eq_ignore_ascii_case(&ident.value))?;
        let (name, expr) = level.items[index].clone();
        let visible = level.visible;
        // The item sees only the aliases before it, which also ends any cycle.
        if let Some(level) = self.aliases.last_mut() {
            level.visible = index;
        }
        let out = &self.out;
        let lengths =
            (out.filters.len(), out.joins.len(), out.groups.len(), out.tables.len(), out.unknown_columns.len());
        let (col, _) = self.column_of(&expr, name, Pos::of(&expr));
        self.out.filters.truncate(lengths.0);
        self.out.joins.truncate(lengths.1);
        self.out.groups.truncate(lengths.2);
        self.out.tables.truncate(lengths.3);
        self.out.unknown_columns.truncate(lengths.4);
        if let Some(level) = self.aliases.last_mut() {
            level.visible = visible;
        }
        Some(col)
    }

    /// The source columns of a GROUP BY key: an expression, an output alias, or an ordinal.
    fn group_key(&mut self, key: &Expr, rel: &Rel) -> Option<BTreeSet<SourceColumn>> {
        if let Expr::Value(v) = key {
            if let Value::Number(n, _) = &v.value {
                let index: usize = n.parse().ok()?;
                return rel.cols.get(index.checked_sub(1)?).map(|c| c.reads.clone());
            }
        }
        if let Expr::Identifier(ident) = key {
            let resolves = matches!(self.resolve(std::slice::from_ref(ident)), Found::Col(..));
            if !resolves {
                if let Some(col) = rel.col(&ident.value) {
                    return Some(col.reads.clone());
                }
            }
        }
        Some(self.reads_of(key).0)
    }

    fn expand(
        &mut self,
        entry: &Entry,
        excluded: &HashSet<String>,
        options: &sqlparser::ast::WildcardAdditionalOptions,
        rel: &mut Rel,
    ) {
        for col in &entry.rel.cols {
            if excluded.contains(&col.name.to_ascii_lowercase()) {
                continue;
            }
            let replaced = options
                .opt_replace
                .as_ref()
                .and_then(|r| r.items.iter().find(|i| i.column_name.value.eq_ignore_ascii_case(&col.name)));
            match replaced {
                Some(item) => {
                    let (col, _) = self.column_of(&item.expr, col.name.clone(), Pos::of(&item.expr));
                    rel.cols.push(col);
                }
                None => {
                    let start = options.wildcard_token.0.span.start;
                    rel.cols.push(Col { pos: Pos { line: start.line, column: start.column }, ..col.clone() })
                }
            }
        }
    }

    /// A projected column; the flag says whether it aggregates at this level.
    fn column_of(&mut self, expr: &Expr, name: String, pos: Pos) -> (Col, bool) {
        let mut walker = Walker::new(self);
        let _ = expr.visit(&mut walker);
        let Walker { reads, guards, derivation, aggregates, windowed, .. } = walker;
        let own = match expr {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => Derivation::Direct,
            _ if aggregates => Derivation::Aggregated,
            _ if windowed => Derivation::Windowed,
            _ => Derivation::Transformed,
        };
        (Col { name, reads, derivation: own.max(derivation), pos, guards }, aggregates)
    }

    /// What an expression reads, and the entries of the current scope it reads from.
    pub(super) fn reads_of(&mut self, expr: &Expr) -> (BTreeSet<SourceColumn>, BTreeSet<usize>) {
        let mut walker = Walker::new(self);
        let _ = expr.visit(&mut walker);
        (walker.reads, walker.entries)
    }
}

fn excluded_names(options: &sqlparser::ast::WildcardAdditionalOptions) -> HashSet<String> {
    let mut names = HashSet::new();
    if let Some(except) = &options.opt_except {
        names.insert(except.first_element.value.to_ascii_lowercase());
        names.extend(except.additional_elements.iter().map(|i| i.value.to_ascii_lowercase()));
    }
    if let Some(exclude) = &options.opt_exclude {
        match exclude {
            sqlparser::ast::ExcludeSelectItem::Single(name) => {
                names.extend(name_parts(name).last().map(|s| s.to_ascii_lowercase()));
            }
            sqlparser::ast::ExcludeSelectItem::Multiple(list) => {
                names.extend(list.iter().filter_map(|n| name_parts(n).last().map(|s| s.to_ascii_lowercase())));
            }
        }
    }
    names
}

/// The name BigQuery and DuckDB give an unaliased select item: a column keeps its name.
fn default_name(expr: &Expr) -> String {
    match expr {
        Expr::Identifier(ident) => ident.value.clone(),
        Expr::CompoundIdentifier(idents) => idents.last().map(|i| i.value.clone()).unwrap_or_default(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::sql::dialect::Dialect;
    use crate::sql::lineage::test_support::*;
    use crate::sql::lineage::{Derivation, FilterPlace, JoinType, Pos, SourceColumn};
    use std::collections::BTreeSet;

    #[test]
    fn columns_trace_through_ctes_aliases_and_joins() {
        let l = lineage(
            "WITH c AS (SELECT customer_id, LOWER(TRIM(email)) AS email FROM `raw.crm_customers`),\n\
             a AS (SELECT * FROM raw.crm_addresses WHERE country IS NOT NULL)\n\
             SELECT c.customer_id, c.email AS mail, a.country, UPPER(a.city) city\n\
             FROM c LEFT JOIN a ON c.customer_id = a.customer_id",
            Dialect::Bigquery,
        );
        let names: Vec<_> = l.outputs.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["customer_id", "mail", "country", "city"]);
        assert_eq!(reads(&l, "mail"), ["raw.crm_customers.email"]);
        assert_eq!(l.outputs[0].derivation, Derivation::Direct);
        assert_eq!(l.outputs[1].derivation, Derivation::Transformed);
        assert_eq!(reads(&l, "country"), ["raw.crm_addresses.country"]);
        assert_eq!(l.joins.len(), 1);
        assert_eq!(l.joins[0].kind, JoinType::Left);
        assert_eq!(l.joins[0].right, BTreeSet::from(["raw.crm_addresses".to_string()]));
        let eq = &l.joins[0].equalities[0];
        assert_eq!(
            (eq.0.to_string(), eq.1.to_string()),
            ("raw.crm_customers.customer_id".into(), "raw.crm_addresses.customer_id".into())
        );
        assert_eq!(l.filters.len(), 1);
        assert_eq!(l.filters[0].place, FilterPlace::Where { null_extended: BTreeSet::new(), joins: false });
        assert!(l.unknown_columns.is_empty() && l.complete);
        assert_eq!(l.output_pos, Some(Pos { line: 3, column: 1 }));
    }

    #[test]
    fn duckdb_binds_a_select_alias_where_no_column_has_its_name() {
        let sql = "SELECT amount * 2 AS doubled, doubled + 1 AS plus, SUM(doubled) OVER () AS w\nFROM raw.orders WHERE doubled > 0 AND plus > 1";
        let l = lineage(sql, Dialect::Duckdb);
        assert!(l.unknown_columns.is_empty(), "{:?}", l.unknown_columns);
        assert_eq!(reads(&l, "plus"), ["raw.orders.amount"]);
        assert_eq!(l.outputs[2].derivation, Derivation::Windowed);
        let filter_reads: Vec<_> = l.filters.iter().map(|f| f.reads.len()).collect();
        assert_eq!(filter_reads, [1, 1]);
        // An item does not see its own alias or later ones; a column of the name wins.
        let l =
            lineage("SELECT later + 1 AS x, amount AS later, amount + 1 AS amount FROM raw.orders", Dialect::Duckdb);
        let written: Vec<_> = l.unknown_columns.iter().map(|u| u.written.as_str()).collect();
        assert_eq!(written, ["later"]);
        assert_eq!(reads(&l, "amount"), ["raw.orders.amount"]);
        // BigQuery binds none there, only in HAVING and QUALIFY (as DuckDB does).
        let l = lineage(sql, Dialect::Bigquery);
        let written: Vec<_> = l.unknown_columns.iter().map(|u| u.written.as_str()).collect();
        assert_eq!(written, ["doubled", "plus", "doubled", "doubled"]);
        let l = lineage(
            "SELECT customer_id, SUM(amount) AS total, ROW_NUMBER() OVER (ORDER BY customer_id) AS rn FROM raw.orders\nGROUP BY customer_id HAVING total > 1 QUALIFY rn = 1",
            Dialect::Bigquery,
        );
        assert!(l.unknown_columns.is_empty(), "{:?}", l.unknown_columns);
        let after: Vec<_> = l.filters.iter().map(|f| (f.place.clone(), f.reads.len())).collect();
        assert_eq!(after, [(FilterPlace::AfterGrouping, 1), (FilterPlace::AfterGrouping, 0)]);
    }

    #[test]
    fn aggregates_windows_unions_and_groups() {
        let l = lineage(
            "SELECT customer_id, COUNT(*) AS n, SUM(amount) total,\n SUM(amount) OVER (PARTITION BY customer_id) w\nFROM raw.orders GROUP BY customer_id\n\
             UNION ALL SELECT customer_id, 0, 0, 0 FROM temp.stg_orders",
            Dialect::Duckdb,
        );
        assert_eq!(l.outputs[1].derivation, Derivation::Aggregated);
        assert!(l.outputs[1].reads.is_empty());
        assert_eq!(reads(&l, "w"), ["raw.orders.amount"]);
        assert_eq!(l.outputs[3].derivation, Derivation::Windowed);
        assert_eq!(reads(&l, "customer_id"), ["raw.orders.customer_id", "stg_orders.customer_id"]);
        assert_eq!(l.groups.len(), 1);
        assert_eq!(
            l.groups[0].keys,
            vec![BTreeSet::from([SourceColumn { table: "raw.orders".into(), column: "customer_id".into() }])]
        );
        assert_eq!(l.groups[0].pos.line, 3);
    }
}
