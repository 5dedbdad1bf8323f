//! A function call as the rewrites read it: its name, its plain arguments, and what a family of
//! rewrites makes of it.

use super::rewrite::Rewrite;
use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectName, ObjectNamePart,
};

/// A function's name, uppercase, when it is a single identifier.
pub(super) fn upper_name(function: &Function) -> Option<String> {
    match function.name.0.as_slice() {
        [ObjectNamePart::Identifier(ident)] => Some(ident.value.to_ascii_uppercase()),
        _ => None,
    }
}

/// The plain positional arguments, or `None` when the call has anything else (named arguments,
/// `*`, clauses inside the parentheses).
pub(super) fn plain_args(function: &Function) -> Option<Vec<Expr>> {
    match &function.args {
        FunctionArguments::None => Some(Vec::new()),
        FunctionArguments::List(list) if list.clauses.is_empty() && list.duplicate_treatment.is_none() => list
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// The one plain argument of a call that has exactly one.
pub(super) fn single_arg(function: &Function) -> Option<Expr> {
    match plain_args(function)?.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// The call under another name, with the same arguments.
pub(super) fn renamed(function: &Function, name: &str) -> Expr {
    let mut out = function.clone();
    out.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))]);
    Expr::Function(out)
}

/// One call of a BigQuery function with plain positional arguments, as a family rewrites it.
#[derive(Clone, Copy)]
pub(super) struct Call<'c> {
    /// The call as written.
    pub(super) function: &'c Function,
    /// Its name, uppercase.
    pub(super) name: &'c str,
    /// Its arguments.
    pub(super) args: &'c [&'c Expr],
}

impl Call<'_> {
    /// `Ok` when the call has one of the argument counts in `ok`.
    pub(super) fn arity(&self, ok: &[usize]) -> Result<(), String> {
        if ok.contains(&self.args.len()) {
            Ok(())
        } else {
            Err(format!("{} with {} arguments is not translated", self.name, self.args.len()))
        }
    }
}

/// What a family makes of a call: `Ok(None)` when the function is not one of its own,
/// `Ok(Some(rewrite))` when it is; `Err(m)`: untranslatable, because `m`.
pub(super) type Family = Result<Option<Rewrite>, String>;
