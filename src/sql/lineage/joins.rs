//! The FROM clause: each relation (table, CTE, subquery, or an opaque one) entered in scope, and
//! each join with its type, its sides and the columns its condition equates.

use super::facts::{Derivation, FilterPlace, FilterUse, JoinEdge, JoinType, Pos, SourceColumn, TableUse};
use super::scope::{name_parts, Col, Entry, Rel, TableInfo, Tracer};
use super::select::conjuncts;
use sqlparser::ast::{BinaryOperator, Expr, JoinConstraint, JoinOperator, TableFactor, TableWithJoins};
use std::collections::BTreeSet;

impl Tracer<'_> {
    pub(super) fn table_with_joins(
        &mut self,
        table: &TableWithJoins,
        equalities: &mut Vec<(SourceColumn, SourceColumn)>,
    ) {
        self.factor(&table.relation, false);
        for join in &table.joins {
            let left_entries = self.current().len();
            let left: BTreeSet<String> = self.current().iter().flat_map(|e| e.rel.tables.iter().cloned()).collect();
            let (kind, constraint) = join_kind(&join.join_operator);
            self.factor(&join.relation, matches!(kind, JoinType::Left | JoinType::Full));
            if matches!(kind, JoinType::Right | JoinType::Full) {
                if let Some(scope) = self.scopes.last_mut() {
                    for entry in scope.iter_mut().take(left_entries) {
                        entry.null_extended = true;
                    }
                }
            }
            let right: BTreeSet<String> =
                self.current().iter().skip(left_entries).flat_map(|e| e.rel.tables.iter().cloned()).collect();
            let mut edge = JoinEdge {
                kind,
                left,
                right,
                equalities: Vec::new(),
                opaque_condition: false,
                pos: Pos::of(&join.relation),
                condition_pos: Pos::of(&join.relation),
            };
            match constraint {
                Some(JoinConstraint::On(on)) => {
                    edge.condition_pos = Pos::of(on);
                    for conjunct in conjuncts(on) {
                        if let Some(pair) = self.equality(conjunct, left_entries) {
                            match pair {
                                Some(pair) => edge.equalities.push(pair),
                                None => edge.opaque_condition = true,
                            }
                            continue;
                        }
                        let (reads, entries) = self.reads_of(conjunct);
                        let right_only = !entries.is_empty() && entries.iter().all(|&e| e >= left_entries);
                        let left_only = !entries.is_empty() && entries.iter().all(|&e| e < left_entries);
                        self.out.filters.push(FilterUse {
                            reads,
                            place: FilterPlace::On { join: kind, right_only, left_only },
                            text: conjunct.to_string(),
                            pos: Pos::of(conjunct),
                        });
                    }
                }
                Some(JoinConstraint::Using(columns)) => {
                    for column in columns {
                        let name = name_parts(column).join(".");
                        let l = using_left_column(&self.current()[..left_entries], &name);
                        let r = self.current()[left_entries..].iter().find_map(|e| e.rel.col(&name).cloned());
                        match (l.and_then(single), r.and_then(single)) {
                            (Some(l), Some(r)) => edge.equalities.push((l, r)),
                            _ => edge.opaque_condition = true,
                        }
                    }
                }
                _ => {}
            }
            equalities.extend(edge.equalities.iter().cloned());
            self.out.joins.push(edge);
        }
    }

    /// `a = b` between a column on each side of a join: `Some(Some(pair))`; an equality between
    /// the sides that is not column to column: `Some(None)`; anything else: `None`.
    #[expect(clippy::option_option, reason = "None: not a column; Some(None): a column of no known relation")]
    fn equality(&mut self, conjunct: &Expr, left_entries: usize) -> Option<Option<(SourceColumn, SourceColumn)>> {
        let (left, right) = match conjunct {
            Expr::BinaryOp { left, op: BinaryOperator::Eq, right } => (left, right),
            // `a IS NOT DISTINCT FROM b` pairs the same columns as `a = b` (it also matches NULL
            // with NULL, which execution tells apart).
            Expr::IsNotDistinctFrom(left, right) => (left, right),
            _ => return None,
        };
        let (lr, le) = self.reads_of(left);
        let (rr, re) = self.reads_of(right);
        let side = |e: &BTreeSet<usize>| -> Option<bool> {
            if e.is_empty() {
                None
            } else if e.iter().all(|&i| i < left_entries) {
                Some(true)
            } else if e.iter().all(|&i| i >= left_entries) {
                Some(false)
            } else {
                None
            }
        };
        let (ls, rs) = (side(&le)?, side(&re)?);
        if ls == rs {
            return None;
        }
        let plain = |e: &Expr| matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
        if !(plain(left) && plain(right) && lr.len() == 1 && rr.len() == 1) {
            return Some(None);
        }
        let (a, b) = (lr.into_iter().next()?, rr.into_iter().next()?);
        Some(Some(if ls { (a, b) } else { (b, a) }))
    }

    pub(super) fn factor(&mut self, factor: &TableFactor, null_extended: bool) {
        let entry = match factor {
            TableFactor::Table { name, alias, args, version, .. } => {
                let parts = name_parts(name);
                let written = parts.join(".");
                let alias_name = alias.as_ref().map(|a| a.name.value.clone());
                if args.is_some() || version.is_some() {
                    self.complete = false;
                    Entry { alias: alias_name.unwrap_or(written), key: None, rel: opaque(), null_extended }
                } else if let Some(rel) = (parts.len() == 1)
                    .then(|| self.ctes.iter().rev().find(|(n, _)| n.eq_ignore_ascii_case(&parts[0])))
                    .flatten()
                    .map(|(_, r)| r.clone())
                {
                    let mut rel = rel;
                    rename_columns(&mut rel, alias);
                    Entry { alias: alias_name.unwrap_or(written), key: None, rel, null_extended }
                } else {
                    let info = self.lookup(&parts);
                    self.out.tables.push(TableUse {
                        written: written.clone(),
                        table: info.as_ref().map(|i| i.key.clone()),
                        pos: Pos::of(name),
                    });
                    let alias_name = alias_name.unwrap_or_else(|| parts.last().cloned().unwrap_or_default());
                    match info {
                        Some(info) => {
                            let mut rel = base_relation(&info);
                            rename_columns(&mut rel, alias);
                            Entry { alias: alias_name, key: Some(info.key), rel, null_extended }
                        }
                        None => {
                            self.complete = false;
                            Entry { alias: alias_name, key: Some(written), rel: opaque(), null_extended }
                        }
                    }
                }
            }
            TableFactor::Derived { subquery, alias, .. } => {
                let mut rel = self.query(subquery);
                rename_columns(&mut rel, alias);
                Entry {
                    alias: alias.as_ref().map(|a| a.name.value.clone()).unwrap_or_default(),
                    key: None,
                    rel,
                    null_extended,
                }
            }
            TableFactor::NestedJoin { table_with_joins, .. } => {
                let mut equalities = Vec::new();
                self.table_with_joins(table_with_joins, &mut equalities);
                return;
            }
            _ => {
                self.complete = false;
                let alias = match factor {
                    TableFactor::UNNEST { alias, .. } | TableFactor::Function { alias, .. } => {
                        alias.as_ref().map(|a| a.name.value.clone())
                    }
                    _ => None,
                };
                Entry { alias: alias.unwrap_or_default(), key: None, rel: opaque(), null_extended }
            }
        };
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(entry);
        }
    }
}

fn single(col: Col) -> Option<SourceColumn> {
    (col.reads.len() == 1).then(|| col.reads.into_iter().next()).flatten()
}

/// The column a USING names on the left of a join: after an earlier join of the same name, the
/// side that join keeps (`a RIGHT JOIN b USING (k)` has `b.k` wherever `a.k` is NULL). `None`
/// when every candidate can be NULL (a FULL join's column is either side's).
fn using_left_column(entries: &[Entry], name: &str) -> Option<Col> {
    let candidates: Vec<&Entry> = entries.iter().filter(|e| e.rel.col(name).is_some()).collect();
    let kept = match candidates.as_slice() {
        [only] => Some(*only),
        _ => candidates.iter().find(|e| !e.null_extended).copied(),
    };
    kept.and_then(|e| e.rel.col(name).cloned())
}

fn opaque() -> Rel {
    Rel { opaque: true, ..Rel::default() }
}

fn base_relation(info: &TableInfo) -> Rel {
    Rel {
        cols: info
            .columns
            .iter()
            .map(|c| Col {
                name: c.clone(),
                reads: BTreeSet::from([SourceColumn { table: info.key.clone(), column: c.to_ascii_lowercase() }]),
                derivation: Derivation::Direct,
                pos: Pos::default(),
                guards: BTreeSet::new(),
            })
            .collect(),
        tables: BTreeSet::from([info.key.clone()]),
        opaque: false,
        filtered: BTreeSet::new(),
    }
}

fn rename_columns(rel: &mut Rel, alias: &Option<sqlparser::ast::TableAlias>) {
    if let Some(alias) = alias {
        for (col, name) in rel.cols.iter_mut().zip(&alias.columns) {
            col.name = name.name.value.clone();
        }
    }
}

fn join_kind(op: &JoinOperator) -> (JoinType, Option<&JoinConstraint>) {
    match op {
        JoinOperator::Join(c) | JoinOperator::Inner(c) => (JoinType::Inner, Some(c)),
        JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (JoinType::Left, Some(c)),
        JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (JoinType::Right, Some(c)),
        JoinOperator::FullOuter(c) => (JoinType::Full, Some(c)),
        JoinOperator::CrossJoin(c) => (JoinType::Cross, Some(c)),
        _ => (JoinType::Other, None),
    }
}

#[cfg(test)]
mod tests {
    use crate::sql::dialect::Dialect;
    use crate::sql::lineage::test_support::*;
    use crate::sql::lineage::{FilterPlace, JoinType};

    #[test]
    fn filters_in_on_clauses_and_after_left_joins() {
        let l = lineage(
            "SELECT c.customer_id FROM raw.crm_customers c\nLEFT JOIN raw.crm_addresses a ON c.customer_id = a.customer_id AND a.country IS NOT NULL\nWHERE a.city <> 'x'",
            Dialect::Duckdb,
        );
        assert_eq!(l.filters[0].place, FilterPlace::On { join: JoinType::Left, right_only: true, left_only: false });
        match &l.filters[1].place {
            FilterPlace::Where { null_extended, joins } => {
                assert!(joins);
                assert!(null_extended.contains("raw.crm_addresses"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(l.filters[1].pos.line, 3);
    }

    #[test]
    fn a_using_column_after_an_outer_join_is_the_kept_side_s() {
        let pairs = |sql: &str| -> Vec<(String, String)> {
            let l = lineage(sql, Dialect::Duckdb);
            l.joins[1].equalities.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
        };
        let right = "SELECT 1 FROM raw.orders o RIGHT JOIN raw.crm_customers c USING (customer_id)\nLEFT JOIN raw.crm_addresses a USING (customer_id)";
        assert_eq!(
            pairs(right),
            [("raw.crm_customers.customer_id".to_string(), "raw.crm_addresses.customer_id".to_string())]
        );
        let left = right.replace("RIGHT JOIN", "LEFT JOIN");
        assert_eq!(pairs(&left), [("raw.orders.customer_id".to_string(), "raw.crm_addresses.customer_id".to_string())]);
        let full = right.replace("RIGHT JOIN", "FULL JOIN");
        assert!(pairs(&full).is_empty());
        assert!(lineage(&full, Dialect::Duckdb).joins[1].opaque_condition);
    }

    #[test]
    fn a_null_safe_equality_pairs_the_columns_it_compares() {
        let l = lineage(
            "SELECT c.customer_id FROM raw.crm_customers c\nLEFT JOIN raw.crm_addresses a ON c.customer_id IS NOT DISTINCT FROM a.customer_id",
            Dialect::Duckdb,
        );
        let pairs: Vec<_> = l.joins[0].equalities.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(pairs, [("raw.crm_customers.customer_id".to_string(), "raw.crm_addresses.customer_id".to_string())]);
        assert!(l.filters.is_empty());
    }
}
