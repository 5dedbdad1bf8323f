//! How deep a parsed tree may nest before no walk of it is attempted.
//!
//! sqlparser parses a chain of binary operators (`a OR b OR …`, `x + 1 + 1 …`) and a chain of
//! set operations (`… UNION ALL …`) in a loop, so a few kilobytes of ordinary generated SQL
//! become a tree hundreds of levels deep; every walk over it (lineage, the bridge, printing,
//! the visitor, even dropping it) recurses once per level. Each parse is therefore followed by
//! [`too_deep`], a walk that stops at [`MAX_DEPTH`] levels, and a tree deeper than that is a
//! located error ("nests too deeply") instead of a stack overflow. The threads that walk trees
//! get [`STACK_SIZE`] bytes of stack (the binary sets it for its main work and for every rayon
//! worker), enough for the deepest walk of a tree within the bound.

use sqlparser::ast::{Expr, Query, SetExpr, Spanned, Statement, TableFactor, Visit, Visitor};
use std::ops::ControlFlow;

/// Levels of nesting (expressions, subqueries, set operations, nested joins) a statement may
/// have. DuckDB itself refuses expressions deeper than 1000 (`max_expression_depth`), so code
/// within this bound is code DuckDB can run.
pub const MAX_DEPTH: usize = 1000;

/// Stack for every thread that walks a parsed tree. Measured on a debug build: a model of 990
/// `UNION ALL` branches overflows 16 MiB and runs in 64 MiB; four times that is the margin for
/// walks deeper per level. It is address space: only the pages a walk touches are ever backed
/// by memory.
pub const STACK_SIZE: usize = 256 << 20;

/// Where a statement nests deeper than [`MAX_DEPTH`]: 1-based line and column of the node at
/// which the walk stopped, or `None` for a position it could not tell cheaply (the caller then
/// points at the statement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    /// 1-based line, 0 when unknown.
    pub line: u64,
    /// 1-based column, 0 when unknown.
    pub column: u64,
}

/// Whether `node` nests deeper than [`MAX_DEPTH`], and where the walk stopped. The walk itself
/// goes at most [`MAX_DEPTH`] levels down.
pub fn too_deep<T: Visit>(node: &T) -> Option<TooDeep> {
    let mut walk = Walk { depth: 0 };
    match node.visit(&mut walk) {
        ControlFlow::Break(at) => Some(at),
        ControlFlow::Continue(()) => None,
    }
}

/// Whether any of `statements` nests too deeply.
pub fn statements_too_deep(statements: &[Statement]) -> Option<TooDeep> {
    statements.iter().find_map(too_deep)
}

struct Walk {
    depth: usize,
}

impl Walk {
    fn enter(&mut self, levels: usize, at: impl FnOnce() -> TooDeep) -> ControlFlow<TooDeep> {
        self.depth += levels;
        if self.depth > MAX_DEPTH {
            return ControlFlow::Break(at());
        }
        ControlFlow::Continue(())
    }
}

/// The position of the first leaf down the leftmost path of `expr` (where a left-deep chain
/// starts), found in a loop: the span of an inner node would be computed from its whole
/// subtree, which is the walk that must not happen.
fn leaf_position(mut expr: &Expr) -> TooDeep {
    loop {
        expr = match expr {
            Expr::BinaryOp { left, .. } => left,
            Expr::UnaryOp { expr, .. } | Expr::Nested(expr) => expr,
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_) => {
                let span = expr.span();
                return TooDeep { line: span.start.line, column: span.start.column };
            }
            _ => return TooDeep { line: 0, column: 0 },
        };
    }
}

/// The position of the first `SELECT` down the leftmost path of a chain of set operations.
fn body_position(mut body: &SetExpr) -> TooDeep {
    loop {
        body = match body {
            SetExpr::SetOperation { left, .. } => left,
            SetExpr::Select(select) => {
                let span = select.select_token.0.span;
                return TooDeep { line: span.start.line, column: span.start.column };
            }
            _ => return TooDeep { line: 0, column: 0 },
        };
    }
}

/// Levels of set operations (`UNION`, `EXCEPT`, …) under a query body, counted without
/// recursion: the visitor has no hook between them, so its own walk would not stop.
fn set_depth(body: &SetExpr) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(body, 1usize)];
    while let Some((node, depth)) = pending.pop() {
        deepest = deepest.max(depth);
        if deepest > MAX_DEPTH {
            break;
        }
        if let SetExpr::SetOperation { left, right, .. } = node {
            pending.push((left, depth + 1));
            pending.push((right, depth + 1));
        }
    }
    deepest
}

impl Visitor for Walk {
    type Break = TooDeep;

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<TooDeep> {
        self.enter(1, || leaf_position(expr))
    }

    fn post_visit_expr(&mut self, _expr: &Expr) -> ControlFlow<TooDeep> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<TooDeep> {
        let levels = set_depth(&query.body);
        self.enter(levels, || body_position(&query.body))
    }

    fn post_visit_query(&mut self, query: &Query) -> ControlFlow<TooDeep> {
        self.depth -= set_depth(&query.body);
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, _factor: &TableFactor) -> ControlFlow<TooDeep> {
        self.enter(1, || TooDeep { line: 0, column: 0 })
    }

    fn post_visit_table_factor(&mut self, _factor: &TableFactor) -> ControlFlow<TooDeep> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::dialect::Dialect;
    use sqlparser::parser::Parser;

    /// Runs `test` on a thread with the stack the binary gives its workers: a test thread's
    /// default stack is smaller than a walk within the bound needs.
    fn on_large_stack(test: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new().stack_size(STACK_SIZE).spawn(test).expect("thread").join().expect("no panic");
    }

    fn parse(sql: &str) -> Vec<Statement> {
        Parser::parse_sql(crate::sql::parse::sqlparser_dialect(Dialect::Duckdb), sql).expect("parses")
    }

    #[test]
    fn ordinary_chains_are_within_the_bound() {
        on_large_stack(|| {
            let ors = (0..400).map(|i| format!("a = {i}")).collect::<Vec<_>>().join(" OR ");
            assert_eq!(statements_too_deep(&parse(&format!("SELECT a FROM t WHERE {ors}"))), None);
            let unions = vec!["SELECT 1"; 300].join(" UNION ALL ");
            assert_eq!(statements_too_deep(&parse(&unions)), None);
        });
    }

    #[test]
    fn a_chain_past_the_bound_is_too_deep() {
        on_large_stack(|| {
            let sum = vec!["1"; MAX_DEPTH + 10].join(" + ");
            let statements = parse(&format!("SELECT\n  {sum}"));
            assert_eq!(statements_too_deep(&statements), Some(TooDeep { line: 2, column: 3 }));
            let unions = vec!["SELECT 1"; MAX_DEPTH + 10].join(" UNION ALL ");
            let statements = parse(&format!("\n{unions}"));
            assert_eq!(statements_too_deep(&statements), Some(TooDeep { line: 2, column: 1 }));
        });
    }
}
