//! Names in scope: the tables the code can name, the relations each query level sees, and how a
//! column reference resolves among them.

use super::facts::{Derivation, Lineage, OutputLineage, Pos, SourceColumn, UnknownColumn};
use crate::sql::expr::is_date_part;
use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};
use std::collections::BTreeSet;

/// A table the code can name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    /// The table's key (`schema.table` for a source, the model's name for a model).
    pub key: String,
    /// Its columns, in order.
    pub columns: Vec<String>,
}

/// Resolves a written table name (its parts, split at dots) to a table.
pub trait Tables {
    /// The table `parts` names, or `None`.
    fn lookup(&self, parts: &[String]) -> Option<TableInfo>;
}

/// A column of a relation: what it reads, and how.
#[derive(Debug, Clone)]
pub(super) struct Col {
    pub(super) name: String,
    pub(super) reads: BTreeSet<SourceColumn>,
    pub(super) derivation: Derivation,
    pub(super) pos: Pos,
    /// Columns that decide which branch of a set operation a row comes from (the branches'
    /// filters): the value depends on them as on a CASE's conditions, though it is not computed
    /// from them.
    pub(super) guards: BTreeSet<SourceColumn>,
}

/// A relation a query level reads: a table, a CTE, a subquery, or an opaque one.
#[derive(Debug, Clone, Default)]
pub(super) struct Rel {
    pub(super) cols: Vec<Col>,
    pub(super) tables: BTreeSet<String>,
    pub(super) opaque: bool,
    /// Source columns the filters that decide which rows it has read (its WHERE, ON, HAVING,
    /// QUALIFY and those of the relations it is made of).
    pub(super) filtered: BTreeSet<SourceColumn>,
}

impl Rel {
    pub(super) fn outputs(&self) -> Vec<OutputLineage> {
        self.cols
            .iter()
            .map(|c| OutputLineage {
                name: c.name.clone(),
                derivation: c.derivation,
                reads: c.reads.clone(),
                pos: c.pos,
                guards: c.guards.clone(),
            })
            .collect()
    }

    pub(super) fn col(&self, name: &str) -> Option<&Col> {
        self.cols.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// A relation in a query level's scope, under the name the code gives it.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) alias: String,
    pub(super) key: Option<String>,
    pub(super) rel: Rel,
    pub(super) null_extended: bool,
}

impl Entry {
    pub(super) fn answers_to(&self, qualifier: &str) -> bool {
        self.alias.eq_ignore_ascii_case(qualifier)
            || self.key.as_deref().is_some_and(|k| {
                k.eq_ignore_ascii_case(qualifier)
                    || k.rsplit('.').next().is_some_and(|l| l.eq_ignore_ascii_case(qualifier))
            })
    }
}

/// What a column reference resolves to.
pub(super) enum Found {
    /// A column, with the index of its entry when that is in the innermost scope.
    Col(Col, Option<usize>),
    /// Nothing to report: it may be in an opaque relation, or is not a column.
    Silent,
    /// No such column, with a close name that exists.
    Unknown(Option<String>),
}

/// The state of one trace: the tables, the CTEs and scopes in reach, and what was found so far.
pub(super) struct Tracer<'e> {
    pub(super) tables: &'e dyn Tables,
    pub(super) ctes: Vec<(String, Rel)>,
    pub(super) scopes: Vec<Vec<Entry>>,
    pub(super) out: Lineage,
    pub(super) complete: bool,
    /// Tables a script creates with a column list: later statements see those columns.
    pub(super) created: Vec<TableInfo>,
    /// Whether a select item's alias names it where no column of that name is in scope later in
    /// the select list and in WHERE (DuckDB), not only in HAVING and QUALIFY (both dialects).
    pub(super) lateral: bool,
    /// The aliased select items of each SELECT being traced, innermost last.
    pub(super) aliases: Vec<AliasLevel>,
}

/// The aliased items of one SELECT: those before `visible` can be named by their alias.
#[derive(Debug, Clone, Default)]
pub(super) struct AliasLevel {
    pub(super) items: Vec<(String, sqlparser::ast::Expr)>,
    pub(super) visible: usize,
}

/// Splits a written name into its parts; a backtick name may hold several (`raw.crm_customers`).
pub fn name_parts(name: &ObjectName) -> Vec<String> {
    let mut parts = Vec::new();
    for part in &name.0 {
        if let ObjectNamePart::Identifier(ident) = part {
            parts.extend(split_ident(ident));
        }
    }
    parts
}

fn split_ident(ident: &Ident) -> Vec<String> {
    if ident.quote_style == Some('`') {
        ident.value.split('.').map(str::to_string).collect()
    } else {
        vec![ident.value.clone()]
    }
}

impl Tracer<'_> {
    pub(super) fn current(&self) -> &[Entry] {
        self.scopes.last().map_or(&[], Vec::as_slice)
    }

    /// Resolves a column reference against the scopes, innermost first.
    pub(super) fn resolve(&self, idents: &[Ident]) -> Found {
        let parts: Vec<String> = idents.iter().flat_map(split_ident).collect();
        let Some((column, qualifier)) = parts.split_last() else { return Found::Silent };
        let qualifier = qualifier.join(".");
        let innermost = self.scopes.len();
        for (depth, scope) in self.scopes.iter().enumerate().rev() {
            let here = depth + 1 == innermost;
            if qualifier.is_empty() {
                let hits: Vec<(usize, &Col)> =
                    scope.iter().enumerate().filter_map(|(i, e)| e.rel.col(column).map(|c| (i, c))).collect();
                if let Some((i, col)) = hits.first() {
                    let mut col = (*col).clone();
                    for (_, other) in &hits[1..] {
                        col.reads.extend(other.reads.iter().cloned());
                        col.guards.extend(other.guards.iter().cloned());
                    }
                    return Found::Col(col, here.then_some(*i));
                }
                if scope.iter().any(|e| e.rel.opaque) {
                    return Found::Silent;
                }
            } else if let Some((i, entry)) = scope.iter().enumerate().find(|(_, e)| e.answers_to(&qualifier)) {
                return match entry.rel.col(column) {
                    Some(col) => Found::Col(col.clone(), here.then_some(i)),
                    None if entry.rel.opaque => Found::Silent,
                    None => Found::Unknown(
                        crate::suggest::did_you_mean(column, entry.rel.cols.iter().map(|c| c.name.as_str()))
                            .map(|s| format!("{}.{s}", qualifier)),
                    ),
                };
            }
        }
        // `col.field` on a struct column, or a date part such as MONTH. The column is the first
        // *part*, not the first ident: a backtick ident may hold several parts (`x.y`.z), and
        // resolving it again as itself recursed until the stack overflowed.
        if let (false, Some(first)) = (qualifier.is_empty(), parts.first()) {
            if let Found::Col(col, entry) = self.resolve(&[Ident::new(first.clone())]) {
                return Found::Col(col, entry);
            }
        } else if is_date_part(column) && idents.iter().all(|i| i.quote_style.is_none()) {
            return Found::Silent;
        }
        let scope = self.scopes.last().map_or(&[][..], Vec::as_slice);
        if scope.iter().any(|e| e.rel.opaque) {
            return Found::Silent;
        }
        let names: Vec<&str> = scope.iter().flat_map(|e| e.rel.cols.iter().map(|c| c.name.as_str())).collect();
        Found::Unknown(crate::suggest::did_you_mean(column, names).map(str::to_string))
    }

    /// A table by name: one this script created with a column list, else the environment's.
    pub(super) fn lookup(&self, parts: &[String]) -> Option<TableInfo> {
        let info = self.tables.lookup(parts)?;
        Some(self.created.iter().rev().find(|c| c.key == info.key).cloned().unwrap_or(info))
    }

    pub(super) fn check_reference(&mut self, idents: &[Ident]) {
        if let Found::Unknown(suggestion) = self.resolve(idents) {
            let written = idents.iter().map(|i| i.value.as_str()).collect::<Vec<_>>().join(".");
            let pos = idents.first().map_or(Pos::default(), Pos::of_ident);
            self.out.unknown_columns.push(UnknownColumn { written, suggestion, pos });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sql::dialect::Dialect;
    use crate::sql::lineage::test_support::*;

    #[test]
    fn unknown_names_have_places_and_suggestions() {
        let l = lineage(
            "SELECT custmer_id,\n  o.amout, x.y\nFROM raw.orders o JOIN raw.nope n ON n.a = o.order_id",
            Dialect::Duckdb,
        );
        // Unqualified names and `x.y` may belong to the unknown table: not reported. `o.amout`
        // names a known table that has no such column.
        let written: Vec<_> = l.unknown_columns.iter().map(|u| u.written.as_str()).collect();
        assert_eq!(written, ["o.amout"]);
        assert_eq!(l.tables[1].table, None);
        let l = lineage("SELECT custmer_id,\n  o.amout FROM raw.orders o", Dialect::Duckdb);
        let found: Vec<_> =
            l.unknown_columns.iter().map(|u| (u.written.as_str(), u.suggestion.as_deref(), u.pos.line)).collect();
        assert_eq!(found, [("custmer_id", Some("customer_id"), 1), ("o.amout", Some("o.amount"), 2)]);
    }

    /// Found by the fuzzing harness (issue 13, tests/it/fuzz.rs): a backtick qualifier holding
    /// a dot overflowed the stack, the struct-field fallback resolving the same name forever.
    #[test]
    fn a_dotted_backtick_qualifier_resolves_without_recursing_forever() {
        let l = lineage("SELECT `x.y`.z FROM raw.orders", Dialect::Bigquery);
        let written: Vec<_> = l.unknown_columns.iter().map(|u| u.written.as_str()).collect();
        assert_eq!(written, ["x.y.z"]);
        let l = lineage("SELECT `raw.orders`.amount AS a, `raw.orders`.nope FROM `raw.orders`", Dialect::Bigquery);
        assert_eq!(reads(&l, "a"), ["raw.orders.amount"]);
        let written: Vec<_> = l.unknown_columns.iter().map(|u| u.written.as_str()).collect();
        assert_eq!(written, ["raw.orders.nope"]);
    }
}
