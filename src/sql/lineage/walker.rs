//! The walk over one expression: every column reference resolved, aggregates and windows noted,
//! subqueries traced in their own scope.

use super::facts::{Derivation, Pos, SourceColumn, UnknownColumn};
use super::scope::{Found, Tracer};
use crate::sql::expr::is_aggregate_function;
use sqlparser::ast::{Expr, Function, Ident, Query, Visitor};
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// Walks one expression: resolves every column reference, notes aggregates and windows, and
/// traces subqueries in their own scope.
pub(super) struct Walker<'t, 'e> {
    tracer: &'t mut Tracer<'e>,
    pub(super) reads: BTreeSet<SourceColumn>,
    /// The guards of the columns read (see `Col::guards`).
    pub(super) guards: BTreeSet<SourceColumn>,
    pub(super) entries: BTreeSet<usize>,
    pub(super) derivation: Derivation,
    pub(super) aggregates: bool,
    pub(super) windowed: bool,
    /// Depth inside a subquery (traced separately) or a window specification (its columns
    /// order and partition rows; they are not what the value is computed from).
    skip: usize,
    skip_exprs: Vec<*const Expr>,
    function_depth: usize,
}

impl<'t, 'e> Walker<'t, 'e> {
    pub(super) fn new(tracer: &'t mut Tracer<'e>) -> Self {
        Walker {
            tracer,
            reads: BTreeSet::new(),
            guards: BTreeSet::new(),
            entries: BTreeSet::new(),
            derivation: Derivation::Direct,
            aggregates: false,
            windowed: false,
            skip: 0,
            skip_exprs: Vec::new(),
            function_depth: 0,
        }
    }

    fn function(&mut self, function: &Function) {
        let name = function.name.to_string();
        let short = name.rsplit('.').next().unwrap_or(&name).to_ascii_uppercase();
        match &function.over {
            Some(sqlparser::ast::WindowType::WindowSpec(spec)) => {
                self.windowed = true;
                self.skip_exprs.extend(spec.partition_by.iter().map(|e| e as *const Expr));
                self.skip_exprs.extend(spec.order_by.iter().map(|o| &o.expr as *const Expr));
            }
            Some(_) => self.windowed = true,
            None if is_aggregate_function(&short) => self.aggregates = true,
            None => {}
        }
    }
}

impl Visitor for Walker<'_, '_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if self.skip == 0 {
            // A subquery reads through its own scope; correlated names reach ours.
            let rel = self.tracer.query(query);
            for col in rel.cols {
                self.reads.extend(col.reads);
                self.guards.extend(col.guards);
                self.derivation = self.derivation.max(col.derivation);
            }
        }
        self.skip += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
        self.skip -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.skip_exprs.contains(&(expr as *const Expr)) {
            self.skip += 1;
            return ControlFlow::Continue(());
        }
        if self.skip > 0 {
            return ControlFlow::Continue(());
        }
        let idents: Option<&[Ident]> = match expr {
            Expr::Identifier(ident) => Some(std::slice::from_ref(ident)),
            Expr::CompoundIdentifier(idents) => Some(idents),
            Expr::Function(function) => {
                self.function(function);
                self.function_depth += 1;
                None
            }
            _ => None,
        };
        if let Some(idents) = idents {
            match self.tracer.resolve(idents) {
                Found::Col(col, entry) => {
                    self.reads.extend(col.reads);
                    self.guards.extend(col.guards);
                    self.derivation = self.derivation.max(col.derivation);
                    self.entries.extend(entry);
                }
                Found::Silent => {}
                Found::Unknown(suggestion) => match self.tracer.lateral_alias(idents) {
                    Some(col) => {
                        self.reads.extend(col.reads);
                        self.guards.extend(col.guards);
                        self.derivation = self.derivation.max(col.derivation);
                    }
                    None => {
                        let written = idents.iter().map(|i| i.value.as_str()).collect::<Vec<_>>().join(".");
                        let pos = idents.first().map_or(Pos::default(), Pos::of_ident);
                        self.tracer.out.unknown_columns.push(UnknownColumn { written, suggestion, pos });
                    }
                },
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.skip_exprs.contains(&(expr as *const Expr)) {
            self.skip -= 1;
        }
        if matches!(expr, Expr::Function(_)) && self.skip == 0 {
            self.function_depth = self.function_depth.saturating_sub(1);
        }
        ControlFlow::Continue(())
    }
}
