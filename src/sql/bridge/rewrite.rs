//! What a rewrite returns, and the DuckDB templates most rewrites are built from.

use crate::sql::dialect::Dialect;
use crate::sql::parse::parse_expression;
use sqlparser::ast::{Expr, Ident, Select, ValueWithSpan, VisitMut, VisitorMut};
use sqlparser::tokenizer::Span;
use std::ops::ControlFlow;

/// `Ok(Some(e))`: replace with `e`; `Ok(None)`: keep as is; `Err(m)`: untranslatable, because `m`.
pub(super) type Rewrite = Result<Option<Expr>, String>;

/// Builds a DuckDB expression from `text`, where `__a0`, `__a1`, … stand for `args`.
///
/// The template is parsed as DuckDB, so what it prints is DuckDB by construction; its own
/// positions are cleared, so that positions in the result still point into the user's text.
pub(super) fn template(text: &str, args: &[&Expr]) -> Result<Expr, String> {
    let mut expr = parse_expression(text, Dialect::Duckdb)
        .map_err(|e| format!("internal: bridge template `{text}` does not parse: {e}"))?;
    let _ = expr.visit(&mut ClearSpans);
    let mut missing = None;
    let _ = sqlparser::ast::visit_expressions_mut(&mut expr, |e| {
        if let Expr::Identifier(ident) = e {
            if let Some(index) = ident.value.strip_prefix("__a").and_then(|n| n.parse::<usize>().ok()) {
                match args.get(index) {
                    Some(arg) => *e = crate::sql::expr::operand((*arg).clone()),
                    None => missing = Some(index),
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
    match missing {
        Some(index) => Err(format!("internal: bridge template `{text}` has no argument {index}")),
        None => Ok(expr),
    }
}

pub(super) fn templated(text: &str, args: &[&Expr]) -> Rewrite {
    template(text, args).map(Some)
}

struct ClearSpans;

impl VisitorMut for ClearSpans {
    type Break = ();

    fn pre_visit_ident(&mut self, ident: &mut Ident) -> ControlFlow<()> {
        ident.span = Span::empty();
        ControlFlow::Continue(())
    }

    fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<()> {
        value.span = Span::empty();
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
        select.select_token.0.span = Span::empty();
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Case { case_token, end_token, .. } = expr {
            case_token.0.span = Span::empty();
            end_token.0.span = Span::empty();
        }
        ControlFlow::Continue(())
    }
}

pub(super) fn templated_expr(text: &str, args: &[&Expr]) -> Result<Expr, String> {
    template(text, args)
}
