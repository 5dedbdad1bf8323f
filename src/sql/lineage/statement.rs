//! Statements and scripts: the entry point [`trace`], and what each statement of a script reads
//! and writes.

use super::facts::{Derivation, Lineage, OutputLineage, Pos, TableUse};
use super::scope::{name_parts, TableInfo, Tables, Tracer};
use crate::sql::dialect::Dialect;
use sqlparser::ast::{
    AssignmentTarget, FromTable, Ident, ObjectNamePart, Query, SetExpr, Statement, TableObject, UpdateTableFromKind,
};
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// Traces a model's statements. A single query is the model's output; in a script, the output
/// is the table the script creates for `self_key` (its columns, and what is inserted into them).
pub fn trace(statements: &[Statement], tables: &dyn Tables, self_key: &str) -> Lineage {
    trace_with(statements, tables, self_key, false)
}

/// [`trace`] for SQL of `dialect`: in DuckDB's, a select item's alias also names it where no
/// column of that name is in scope (`amount * rate AS usd, ROUND(usd, 2) AS usd_2`, `WHERE usd
/// > 0`), as DuckDB binds it.
pub fn trace_in(statements: &[Statement], tables: &dyn Tables, self_key: &str, dialect: Dialect) -> Lineage {
    trace_with(statements, tables, self_key, dialect == Dialect::Duckdb)
}

fn trace_with(statements: &[Statement], tables: &dyn Tables, self_key: &str, lateral: bool) -> Lineage {
    let mut tracer = Tracer {
        tables,
        ctes: Vec::new(),
        scopes: Vec::new(),
        out: Lineage::default(),
        complete: true,
        created: Vec::new(),
        lateral,
        aliases: Vec::new(),
    };
    let queries: Vec<&Query> = statements
        .iter()
        .filter_map(|s| match s {
            Statement::Query(q) => Some(q.as_ref()),
            _ => None,
        })
        .collect();
    if statements.len() == 1 && queries.len() == 1 {
        let rel = tracer.query(queries[0]);
        tracer.out.output_pos = Some(output_pos(queries[0]));
        tracer.out.outputs = rel.outputs();
        tracer.complete &= !rel.opaque;
    } else {
        for statement in statements {
            tracer.statement(statement, self_key);
        }
    }
    tracer.out.complete = tracer.complete;
    tracer.out
}

/// Where the SELECT that produces a query's rows is: its first SELECT keyword.
fn output_pos(query: &Query) -> Pos {
    fn body(set: &SetExpr) -> Option<Pos> {
        match set {
            SetExpr::Select(s) => {
                Some(Pos { line: s.select_token.0.span.start.line, column: s.select_token.0.span.start.column })
            }
            SetExpr::Query(q) => body(&q.body),
            SetExpr::SetOperation { left, .. } => body(left),
            _ => None,
        }
    }
    body(&query.body).unwrap_or_else(|| Pos::of(query))
}

impl Tracer<'_> {
    fn statement(&mut self, statement: &Statement, self_key: &str) {
        match statement {
            Statement::Query(q) => {
                self.query(q);
            }
            Statement::CreateTable(create) => {
                let parts = name_parts(&create.name);
                let info = self.tables.lookup(&parts);
                let is_self = info.as_ref().is_some_and(|i| i.key == self_key);
                if let (Some(info), false) = (&info, create.columns.is_empty()) {
                    let columns = create.columns.iter().map(|c| c.name.value.clone()).collect();
                    self.created.push(TableInfo { key: info.key.clone(), columns });
                }
                self.out.tables.push(TableUse {
                    written: parts.join("."),
                    table: info.map(|i| i.key),
                    pos: Pos::of(&create.name),
                });
                let rel = create.query.as_ref().map(|q| self.query(q));
                if is_self {
                    self.out.output_pos = Some(Pos::of(&create.name));
                    match rel {
                        Some(rel) if create.columns.is_empty() => self.out.outputs = rel.outputs(),
                        _ => {
                            self.out.outputs = create
                                .columns
                                .iter()
                                .map(|c| OutputLineage {
                                    name: c.name.value.clone(),
                                    derivation: Derivation::Transformed,
                                    reads: BTreeSet::new(),
                                    pos: Pos::of_ident(&c.name),
                                    guards: BTreeSet::new(),
                                })
                                .collect()
                        }
                    }
                }
            }
            Statement::Insert(insert) => {
                let TableObject::TableName(name) = &insert.table else {
                    self.complete = false;
                    return;
                };
                let parts = name_parts(name);
                let info = self.tables.lookup(&parts);
                let is_self = info.as_ref().is_some_and(|i| i.key == self_key);
                self.out.tables.push(TableUse {
                    written: parts.join("."),
                    table: info.map(|i| i.key),
                    pos: Pos::of(name),
                });
                if let Some(source) = &insert.source {
                    let rel = self.query(source);
                    if is_self {
                        let names: Vec<String> = if insert.columns.is_empty() {
                            self.out.outputs.iter().map(|o| o.name.clone()).collect()
                        } else {
                            insert.columns.iter().map(|c| name_parts(c).join(".")).collect()
                        };
                        for (name, col) in names.iter().zip(&rel.cols) {
                            if let Some(out) = self.out.outputs.iter_mut().find(|o| o.name.eq_ignore_ascii_case(name)) {
                                // A created column has no derivation until something is inserted into
                                // it; its place becomes the first select item that fills it.
                                if out.reads.is_empty() {
                                    out.derivation = col.derivation;
                                    out.pos = col.pos;
                                } else {
                                    out.derivation = out.derivation.max(col.derivation);
                                }
                                out.reads.extend(col.reads.iter().cloned());
                            }
                        }
                    }
                }
            }
            Statement::Update(update) => {
                self.scopes.push(Vec::new());
                let mut equalities = Vec::new();
                self.table_with_joins(&update.table, &mut equalities);
                if let Some(UpdateTableFromKind::BeforeSet(from) | UpdateTableFromKind::AfterSet(from)) = &update.from {
                    for t in from {
                        self.table_with_joins(t, &mut equalities);
                    }
                }
                for assignment in &update.assignments {
                    if let AssignmentTarget::ColumnName(name) = &assignment.target {
                        let idents: Vec<Ident> = name
                            .0
                            .iter()
                            .filter_map(|p| match p {
                                ObjectNamePart::Identifier(i) => Some(i.clone()),
                                _ => None,
                            })
                            .collect();
                        self.check_reference(&idents);
                    }
                    self.reads_of(&assignment.value);
                }
                if let Some(selection) = &update.selection {
                    self.reads_of(selection);
                }
                self.scopes.pop();
            }
            Statement::Delete(delete) => {
                self.scopes.push(Vec::new());
                let mut equalities = Vec::new();
                let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &delete.from;
                for t in from.iter().chain(delete.using.iter().flatten()) {
                    self.table_with_joins(t, &mut equalities);
                }
                if let Some(selection) = &delete.selection {
                    self.reads_of(selection);
                }
                self.scopes.pop();
            }
            Statement::Merge(merge) => {
                self.scopes.push(Vec::new());
                self.factor(&merge.table, false);
                self.factor(&merge.source, false);
                self.reads_of(&merge.on);
                for clause in &merge.clauses {
                    if let Some(p) = &clause.predicate {
                        self.reads_of(p);
                    }
                }
                self.scopes.pop();
            }
            _ => {
                // Other statements (SET, DECLARE, DROP, ...) read no columns; their tables are
                // still checked.
                let mut names = Vec::new();
                let _ = sqlparser::ast::visit_relations(statement, |name| {
                    names.push(name.clone());
                    ControlFlow::<()>::Continue(())
                });
                for name in names {
                    let parts = name_parts(&name);
                    let info = self.tables.lookup(&parts);
                    self.out.tables.push(TableUse {
                        written: parts.join("."),
                        table: info.map(|i| i.key),
                        pos: Pos::of(&name),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sql::dialect::Dialect;
    use crate::sql::lineage::test_support::*;

    #[test]
    fn star_except_and_scripts() {
        let l = lineage("SELECT * EXCEPT (email, phone) FROM `raw.crm_customers`", Dialect::Bigquery);
        let names: Vec<_> = l.outputs.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["customer_id", "status"]);
        let l = lineage(
            "CREATE TABLE IF NOT EXISTS analytics.dim (customer_id BIGINT, valid_from TIMESTAMP);\n\
             UPDATE analytics.dim SET valid_from = NULL WHERE customer_id NOT IN (SELECT customer_id FROM temp.stg_orders);\n\
             INSERT INTO analytics.dim (customer_id, valid_from) SELECT s.customer_id, CURRENT_TIMESTAMP FROM temp.stg_orders s;",
            Dialect::Duckdb,
        );
        let names: Vec<_> = l.outputs.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["customer_id", "valid_from"]);
        assert_eq!(reads(&l, "customer_id"), ["stg_orders.customer_id"]);
        assert!(l.unknown_columns.is_empty(), "{:?}", l.unknown_columns);
    }
}
