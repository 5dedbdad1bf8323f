//! Spec coverage: every outcome of every construct in a model's spec expressions, each as a
//! probe query that counts the rows (or groups) of a dataset reaching it.
//!
//! A dataset proves nothing about a branch its rows never take. The probes say which outcomes
//! the data actually used reached, measured in DuckDB on the dataset's inputs and on the rows
//! that meet across the joins, never on what the generator meant to make:
//!
//! | construct | outcomes |
//! | --- | --- |
//! | an atomic condition (CASE WHEN, filter, IF, COUNTIF) | true, false, NULL |
//! | a CASE | each WHEN branch taken, the ELSE |
//! | a comparison between two columns | less, equal, greater |
//! | a division (`/`, SAFE_DIVIDE, DIV, MOD) | divisor zero, divisor NULL, on rows that reach it |
//! | an aggregate call | a group of 0, 1 and many values; AVG landing exactly on .5 |
//! | TRIM, LTRIM, RTRIM | a value padded with a space, tab, newline, carriage return, other Unicode whitespace |
//! | a join | a left row matched by no row, one row, several rows |
//! | a join equality through a transform | rows matching only after the transform |
//!
//! Probes are batched: every probe reading the same rows is one `count(*) FILTER (WHERE …)`
//! column of one query. An outcome the sources' declarations make impossible (NULL from NOT
//! NULL columns, several matches on a declared key) carries why, so a report can tell
//! "cannot be reached" from "was not reached".

use super::sql::{quote, Cx, Names, Scope};
use crate::spec::load::LoadedSpec;
use crate::spec::model::Dialect;
use crate::spec::resolve::query::{ModelQuery, FROM_IDENT, FROM_PLACEHOLDER};
use crate::spec::resolve::{kinds_of, ModelKind};
use crate::sql::bridge::{expr_to_duckdb, BridgeOptions};
use crate::sql::expr::{column_refs, contains_aggregate, is_aggregate_function, literal_text};
use crate::sql::parse::parse_expression;
use serde::{Deserialize, Serialize};
use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, UnaryOperator, Visit, VisitMut,
    Visitor, VisitorMut,
};
use std::collections::HashMap;
use std::ops::ControlFlow;

/// One outcome of one construct of the spec.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Outcome {
    /// The model.
    pub model: String,
    /// Where the construct is written: a JSON path of the spec.
    pub json_path: String,
    /// What kind of construct: `condition`, `case`, `comparison`, `division`, `aggregate`,
    /// `trim`, `join`, `join-transform`, `scd2` (one of [`KINDS`]).
    pub kind: &'static str,
    /// The construct as written (shortened).
    pub construct: String,
    /// The outcome: `true`, `false`, `null`, `when 2`, `else`, `less`, `zero`, `many`, ….
    pub outcome: String,
    /// Why no data the sources allow can reach it, when that follows from their declarations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impossible: Option<String>,
}

/// Every kind of construct an [`Outcome`] can be about.
pub const KINDS: &[&str] =
    &["condition", "case", "comparison", "division", "aggregate", "trim", "join", "join-transform", "scd2"];

/// An [`Outcome`] as a report writes it (`specproof report merge` reads reports back).
#[derive(Deserialize)]
struct OutcomeRead {
    model: String,
    json_path: String,
    kind: String,
    construct: String,
    outcome: String,
    impossible: Option<String>,
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Outcome, D::Error> {
        let read = OutcomeRead::deserialize(deserializer)?;
        let Some(kind) = KINDS.iter().copied().find(|k| *k == read.kind) else {
            return Err(serde::de::Error::custom(format!("unknown kind `{}`", read.kind)));
        };
        let OutcomeRead { model, json_path, construct, outcome, impossible, .. } = read;
        Ok(Outcome { model, json_path, kind, construct, outcome, impossible })
    }
}

/// The rows a batch of probes counts over.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Context {
    /// Rows: `FROM …` (with joins and `WHERE` as needed).
    Rows(String),
    /// Groups of those rows by the keys (none: one group); predicates may aggregate.
    Groups {
        /// `FROM …`.
        from: String,
        /// The grouping expressions.
        keys: Vec<String>,
    },
}

/// One outcome and how to count it.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The outcome.
    pub outcome: Outcome,
    /// Index into [`Probes::contexts`].
    pub context: usize,
    /// A boolean DuckDB expression over the context's rows (or groups).
    pub predicate: String,
    /// Predicates of the same context that, with this one, take every row (or group) exactly
    /// once: a condition's true and false beside its NULL, a CASE's branches beside its ELSE.
    /// Where they are counted in the same query, this one's count is the rows' less theirs,
    /// and DuckDB is not asked for it. Empty: counted as itself.
    pub rest_of: Vec<String>,
}

/// Every probe of a project, with the contexts they read.
#[derive(Debug, Clone, Default)]
pub struct Probes {
    /// Distinct contexts.
    pub contexts: Vec<Context>,
    /// The probes, in model order and, inside a model, in the order the spec states them.
    pub probes: Vec<Probe>,
    /// Where each context is in `contexts`: a project has thousands, each looked up per probe.
    index: std::collections::HashMap<Context, usize>,
}

impl Probes {
    fn context(&mut self, context: Context) -> usize {
        if let Some(&i) = self.index.get(&context) {
            return i;
        }
        self.contexts.push(context.clone());
        self.index.insert(context, self.contexts.len() - 1);
        self.contexts.len() - 1
    }

    /// One query per context: the count of each of its probes, in probe order, with the
    /// probes' indexes.
    pub fn queries(&self) -> Vec<(String, Vec<usize>)> {
        // Grouped in one pass over the probes: a scan of them per context is quadratic.
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); self.contexts.len()];
        for (p, probe) in self.probes.iter().enumerate() {
            members[probe.context].push(p);
        }
        members.into_iter().enumerate().filter(|(_, m)| !m.is_empty()).map(|(c, m)| (self.query(c, &m), m)).collect()
    }

    /// The query counting `members` (probes of context `c`), then every row (or group) of the
    /// context, in a last column.
    ///
    /// Probes with the same predicate (the same count over another construct's outcome, a
    /// condition that is also a CASE branch) are counted once: DuckDB parses, binds and
    /// evaluates each aggregate, and the probes are a quarter of a run's statements.
    pub fn query(&self, c: usize, members: &[usize]) -> String {
        let mut distinct: Vec<&str> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        let column: Vec<usize> = members
            .iter()
            .map(|&p| {
                let predicate = self.probes[p].predicate.as_str();
                *index.entry(predicate).or_insert_with(|| {
                    distinct.push(predicate);
                    distinct.len() - 1
                })
            })
            .collect();
        let rest = self.rests(members, &distinct, &index);
        let counted: Vec<(usize, &str)> =
            distinct.iter().enumerate().filter(|(k, _)| rest[*k].is_none()).map(|(k, p)| (k, *p)).collect();
        let counts = match &self.contexts[c] {
            Context::Rows(from) => {
                let counts: Vec<String> =
                    counted.iter().map(|(k, p)| format!("count(*) FILTER (WHERE ({p})) AS c{k}")).collect();
                format!("SELECT {}, count(*) AS n {from}", counts.join(", "))
            }
            Context::Groups { from, keys } => {
                // A NULL flag is not counted, as FALSE is not.
                let flags: Vec<String> = counted.iter().map(|(k, p)| format!("({p}) AS f{k}")).collect();
                let counts: Vec<String> =
                    counted.iter().map(|(k, _)| format!("count(*) FILTER (WHERE f{k}) AS c{k}")).collect();
                let group = if keys.is_empty() { String::new() } else { format!(" GROUP BY {}", keys.join(", ")) };
                format!("SELECT {}, count(*) AS n FROM (SELECT {} {from}{group})", counts.join(", "), flags.join(", "))
            }
        };
        if distinct.len() == members.len() && counted.len() == distinct.len() {
            return counts;
        }
        let each: Vec<String> = column
            .iter()
            .map(|&k| match &rest[k] {
                Some(of) => format!("n{}", of.iter().map(|o| format!(" - c{o}")).collect::<String>()),
                None => format!("c{k}"),
            })
            .collect();
        format!("SELECT {}, n FROM ({counts})", each.join(", "))
    }

    /// For each of `distinct` (the predicates of `members`, placed by `index`), the distinct
    /// predicates whose counts leave its own ([`Probe::rest_of`]), where it need not be counted:
    /// every one of them is counted in this query, once, and counted as itself. Any member's
    /// list will do (each is exact); a predicate that is another's rest is counted as itself.
    fn rests(&self, members: &[usize], distinct: &[&str], index: &HashMap<&str, usize>) -> Vec<Option<Vec<usize>>> {
        let mut rest: Vec<Option<Vec<usize>>> = vec![None; distinct.len()];
        for &p in members {
            let probe = &self.probes[p];
            let Some(&k) = index.get(probe.predicate.as_str()) else { continue };
            if rest[k].is_some() || probe.rest_of.is_empty() {
                continue;
            }
            let of: Option<Vec<usize>> = probe.rest_of.iter().map(|o| index.get(o.as_str()).copied()).collect();
            let Some(mut of) = of else { continue };
            let n = of.len();
            of.sort_unstable();
            of.dedup();
            // Each row is taken once by the list and this one: a repeat, or itself, would not be.
            if of.len() == n && !of.contains(&k) {
                rest[k] = Some(of);
            }
        }
        // A rest made of rests would need an order to compute; those lists' own are counted.
        let derived: Vec<bool> = rest.iter().map(Option::is_some).collect();
        for r in &mut rest {
            if r.as_ref().is_some_and(|of| of.iter().any(|&o| derived[o])) {
                *r = None;
            }
        }
        rest
    }
}

/// The probes of every mapping and aggregate model of `loaded` that resolves (`queries`, in
/// model order), reading sources and upstream models through `names`. A model whose spec
/// cannot be carried to DuckDB has none: the reference comparison reports why.
pub fn probes_for(loaded: &LoadedSpec, queries: &[Option<ModelQuery>], names: &Names<'_>) -> Probes {
    let mut out = Probes::default();
    for (mi, model) in loaded.spec.models.iter().enumerate() {
        let Some(q) = queries.get(mi).and_then(Option::as_ref) else { continue };
        if q.incomplete {
            continue;
        }
        let kinds = kinds_of(model);
        let cx = Cx { model, q, dialect: loaded.spec.dialect, names, exact_numeric: false };
        let mut builder = Builder { cx: &cx, mi, probes: Vec::new() };
        let built = match kinds.as_slice() {
            [ModelKind::Mapping] => builder.mapping(),
            [ModelKind::Aggregate] if !model.group_by.is_empty() && model.joins.is_empty() => builder.per_source(),
            [ModelKind::Aggregate] if !model.group_by.is_empty() => builder.joined_aggregate(),
            _ => Ok(()),
        };
        // A model whose expressions cannot be carried over has no reference either (DIF002).
        if built.is_err() {
            continue;
        }
        let mut seen: Vec<(String, String, String)> = Vec::new();
        for (context, probe) in builder.probes {
            let key = (probe.outcome.json_path.clone(), probe.outcome.construct.clone(), probe.outcome.outcome.clone());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let context = out.context(context);
            out.probes.push(Probe { context, ..probe });
        }
    }
    out
}

/// The SCD2 outcomes of a history (measured by the history run, not by a probe query).
pub fn scd2_outcomes(model: &str, index: usize, untracked: bool) -> Vec<Outcome> {
    let cannot = (!untracked).then(|| "every source column but the natural key is tracked".to_string());
    [
        ("tracked change alone", None),
        ("untracked change alone", cannot.clone()),
        ("tracked and untracked change", cannot),
        ("key leaves and returns", None),
    ]
    .into_iter()
    .map(|(outcome, impossible)| Outcome {
        model: model.to_string(),
        json_path: format!("models[{index}].constraints"),
        kind: "scd2",
        construct: "history over runs".to_string(),
        outcome: outcome.to_string(),
        impossible,
    })
    .collect()
}

/// The rows a spec expression reads, and the groups it aggregates over.
struct Scopes {
    rows: String,
    keys: Vec<String>,
    /// The relation (index) whose rows a per-source metric reads, for the 0-row groups.
    metric_source: Option<usize>,
    /// The rows are one source's own, before any join: an outer join makes no NULLs there.
    own_rows: bool,
    /// The rows are past every filter of the model (a mapping's, a joined aggregate's): a
    /// column a filter compares is not NULL there ([`Builder::filtered_non_null`]).
    filtered: bool,
}

struct Builder<'c, 'a> {
    cx: &'c Cx<'a>,
    mi: usize,
    probes: Vec<(Context, Probe)>,
}

impl Builder<'_, '_> {
    fn mapping(&mut self) -> Result<(), String> {
        let rows = self.cx.joined_from_with(true)?;
        let keys: Vec<String> = self.cx.q.grouped.iter().flatten().map(|(i, c)| self.cx.column(*i, c)).collect();
        let scopes = Scopes { rows, keys, metric_source: None, own_rows: false, filtered: true };
        for (k, m) in self.cx.model.column_mapping.iter().enumerate() {
            let Some(text) = m.transform.as_deref().map(str::trim).filter(|t| !t.is_empty()) else { continue };
            let from = match (m.from_table.as_deref(), m.from_column.as_deref()) {
                (Some(t), Some(c)) if !t.trim().is_empty() && !c.trim().is_empty() => {
                    Some(format!("{}.{}", quote(t.trim()), quote(c.trim())))
                }
                _ => None,
            };
            let path = format!("models[{}].column_mapping[{k}].transform", self.mi);
            self.expression(text, from.as_deref(), &path, &scopes, false)?;
        }
        self.filters_and_joins()
    }

    fn joined_aggregate(&mut self) -> Result<(), String> {
        let driving = self.cx.driving()?;
        let rows = self.cx.joined_from_with(true)?;
        let keys: Vec<String> = self.cx.model.group_by.iter().map(|g| self.cx.column(driving, g)).collect();
        let scopes = Scopes { rows, keys, metric_source: None, own_rows: false, filtered: true };
        for (k, a) in self.cx.model.aggregations.iter().enumerate() {
            let path = format!("models[{}].aggregations[{k}].formula", self.mi);
            self.expression(&a.formula, None, &path, &scopes, false)?;
        }
        self.filters_and_joins()
    }

    fn per_source(&mut self) -> Result<(), String> {
        let filters = self.cx.per_source_filters()?;
        let first_metric = self.cx.q.outputs.len() - self.cx.model.aggregations.len();
        for (k, a) in self.cx.model.aggregations.iter().enumerate() {
            let Some(source) = self.cx.q.outputs.get(first_metric + k).and_then(|o| o.metric_source) else {
                continue;
            };
            let rows = format!("FROM {}", self.cx.relation(source, &filters[source])?);
            let keys: Vec<String> = self.cx.model.group_by.iter().map(|g| self.cx.column(source, g)).collect();
            let scopes = Scopes { rows, keys, metric_source: Some(source), own_rows: true, filtered: false };
            let path = format!("models[{}].aggregations[{k}].formula", self.mi);
            self.expression(&a.formula, None, &path, &scopes, false)?;
        }
        // A filter of an aggregate without joins restricts one source: its conditions are
        // probed on that source's rows.
        for (k, filter) in self.cx.model.filters.iter().enumerate() {
            let Some(text) = filter.predicate.as_deref().map(str::trim).filter(|t| !t.is_empty()) else { continue };
            let source = match self.cx.scope(filter)? {
                Scope::Source(i) => Some(i),
                Scope::Joined => None,
            };
            let own_rows = true;
            let rows = match source {
                Some(i) => format!("FROM {}", self.cx.relation(i, &[])?),
                None => format!("FROM {}", self.cx.relation(self.cx.driving()?, &[])?),
            };
            let path = format!("models[{}].filters[{k}].predicate", self.mi);
            self.expression(
                text,
                None,
                &path,
                &Scopes { rows, keys: Vec::new(), metric_source: None, own_rows, filtered: false },
                true,
            )?;
        }
        Ok(())
    }

    /// The filters' conditions (on the rows before them) and the joins' matches.
    fn filters_and_joins(&mut self) -> Result<(), String> {
        let unfiltered = self.cx.joined_from_with(false)?;
        for (k, filter) in self.cx.model.filters.iter().enumerate() {
            let Some(text) = filter.predicate.as_deref().map(str::trim).filter(|t| !t.is_empty()) else { continue };
            let (rows, own_rows) = match self.cx.scope(filter)? {
                Scope::Source(i) => (format!("FROM {}", self.cx.relation(i, &[])?), true),
                Scope::Joined => (unfiltered.clone(), false),
            };
            let path = format!("models[{}].filters[{k}].predicate", self.mi);
            self.expression(
                text,
                None,
                &path,
                &Scopes { rows, keys: Vec::new(), metric_source: None, own_rows, filtered: false },
                true,
            )?;
        }
        self.joins()
    }

    fn parse(&self, text: &str) -> Result<Expr, String> {
        parse_expression(&text.replace(FROM_PLACEHOLDER, FROM_IDENT), self.cx.dialect)
            .map_err(|e| format!("expression `{text}` does not parse: {}", e.message))
    }

    /// A sub-expression of the spec in DuckDB, `{from}` standing for `from`.
    fn duck(&self, expr: &Expr, from: Option<&str>) -> Option<String> {
        let mut expr = expr.clone();
        let untranslatable = expr_to_duckdb(&mut expr, &BridgeOptions { from: self.cx.dialect, catalog: None });
        if !untranslatable.is_empty() {
            return None;
        }
        let replacement = match from {
            Some(from) => Some(parse_expression(from, Dialect::Duckdb).ok()?),
            None => None,
        };
        let mut replace = ReplaceFrom { replacement, missing: false };
        let _ = VisitMut::visit(&mut expr, &mut replace);
        (!replace.missing).then(|| expr.to_string())
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "every field of an outcome, at every call; a struct would only rename them"
    )]
    fn push(
        &mut self,
        context: Context,
        path: &str,
        kind: &'static str,
        construct: &Expr,
        outcome: &str,
        predicate: String,
        impossible: Option<String>,
    ) {
        // A report merge reads kinds back by this list.
        debug_assert!(KINDS.contains(&kind), "{kind} is missing from KINDS");
        let outcome = Outcome {
            model: self.cx.model.name.clone(),
            json_path: path.to_string(),
            kind,
            construct: shown(construct),
            outcome: outcome.to_string(),
            impossible,
        };
        self.probes.push((context.clone(), Probe { outcome, context: 0, predicate, rest_of: Vec::new() }));
    }

    /// The probe pushed last takes the rows (or groups) none of `others` takes, and they take no
    /// row twice ([`Probe::rest_of`]).
    fn rest_of_last(&mut self, others: Vec<String>) {
        if let Some((_, probe)) = self.probes.last_mut() {
            probe.rest_of = others;
        }
    }

    /// Every construct of one spec expression; `root` when the expression is itself a
    /// condition (a filter's predicate).
    fn expression(
        &mut self,
        text: &str,
        from: Option<&str>,
        path: &str,
        scopes: &Scopes,
        root: bool,
    ) -> Result<(), String> {
        let expr = self.parse(text)?;
        self.conditions(&expr, from, path, scopes, root);
        let mut found = Found::default();
        let _ = expr.visit(&mut found);
        for (left, right, whole) in &found.comparisons {
            let (Some(l), Some(r)) = (self.duck(left, from), self.duck(right, from)) else { continue };
            let context = self.context_of(whole, scopes);
            for (outcome, op) in [("less", "<"), ("equal", "="), ("greater", ">")] {
                self.push(context.clone(), path, "comparison", whole, outcome, format!("({l}) {op} ({r})"), None);
            }
        }
        for (divisor, whole) in &found.divisions {
            let Some(d) = self.duck(divisor, from) else { continue };
            let context = self.context_of(whole, scopes);
            let cannot_null = if is_count(divisor) {
                Some("a count is never NULL".to_string())
            } else {
                (!self.may_be_null(divisor, from, scopes)).then(|| "every column it reads is NOT NULL".to_string())
            };
            let cannot_zero = self.count_never_zero(divisor, from, scopes);
            self.push(context.clone(), path, "division", whole, "divisor zero", format!("({d}) = 0"), cannot_zero);
            self.push(context, path, "division", whole, "divisor null", format!("({d}) IS NULL"), cannot_null);
        }
        for (arg, whole) in &found.trims {
            let Some(a) = self.duck(arg, from) else { continue };
            let context = self.context_of(arg, scopes);
            for (outcome, class) in WHITESPACE {
                let predicate = format!("regexp_matches({a}, '^{class}|{class}$')");
                self.push(context.clone(), path, "trim", whole, outcome, predicate, None);
            }
        }
        for (call, arg) in &found.aggregates {
            self.aggregate(call, arg.as_ref(), from, path, scopes);
        }
        Ok(())
    }

    /// Why a divisor that is a count is never 0: `COUNT(*)`, or `COUNT` of an expression that is
    /// never NULL, over the groups of a model grouped by columns (each group has a row; a
    /// model without GROUP BY has one group, empty when its input is).
    fn count_never_zero(&self, divisor: &Expr, from: Option<&str>, scopes: &Scopes) -> Option<String> {
        let mut divisor = divisor;
        while let Expr::Nested(inner) = divisor {
            divisor = inner;
        }
        let Expr::Function(f) = divisor else { return None };
        if function_name(divisor).as_deref() != Some("COUNT") || f.filter.is_some() || self.cx.model.group_by.is_empty()
        {
            return None;
        }
        let FunctionArguments::List(list) = &f.args else { return None };
        let [arg] = list.args.as_slice() else { return None };
        let never_null = match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => true,
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => !self.may_be_null(e, from, scopes),
            _ => false,
        };
        never_null.then(|| "a count of a value never NULL over a group of rows is at least 1".to_string())
    }

    /// The rows for a construct: its groups when it aggregates, else the rows.
    fn context_of(&self, construct: &Expr, scopes: &Scopes) -> Context {
        if contains_aggregate(construct) {
            Context::Groups { from: scopes.rows.clone(), keys: scopes.keys.clone() }
        } else {
            Context::Rows(scopes.rows.clone())
        }
    }

    /// Conditions and CASE branches inside `expr`; `root` when `expr` is itself a condition (a
    /// filter's predicate).
    fn conditions(&mut self, expr: &Expr, from: Option<&str>, path: &str, scopes: &Scopes, root: bool) {
        let mut found = Found::default();
        if root {
            found.roots.push(expr.clone());
        }
        let _ = expr.visit(&mut found);
        let mut atoms: Vec<Expr> = Vec::new();
        for r in &found.roots {
            split_atoms(r, &mut atoms);
        }
        for atom in atoms {
            if literal_text(&atom).is_some() {
                continue;
            }
            let Some(a) = self.duck(&atom, from) else { continue };
            let context = self.context_of(&atom, scopes);
            let (cannot_true, cannot_false, cannot_null) = self.impossible_truths(&atom, from, scopes);
            let (truth, falsity) = (format!("({a}) IS TRUE"), format!("({a}) IS FALSE"));
            self.push(context.clone(), path, "condition", &atom, "true", truth.clone(), cannot_true);
            self.push(context.clone(), path, "condition", &atom, "false", falsity.clone(), cannot_false);
            self.push(context, path, "condition", &atom, "null", format!("({a}) IS NULL"), cannot_null);
            // A value is true, false or NULL, one of them.
            self.rest_of_last(vec![truth, falsity]);
        }
        for case in &found.cases {
            let Expr::Case { operand, conditions, .. } = case else { continue };
            let whens: Option<Vec<String>> = conditions
                .iter()
                .map(|w| match operand {
                    Some(op) => {
                        let eq = Expr::BinaryOp {
                            left: Box::new(crate::sql::expr::operand((**op).clone())),
                            op: BinaryOperator::Eq,
                            right: Box::new(crate::sql::expr::operand(w.condition.clone())),
                        };
                        self.duck(&eq, from)
                    }
                    None => self.duck(&w.condition, from),
                })
                .collect();
            let Some(whens) = whens else { continue };
            let context = self.context_of(case, scopes);
            // The first branch's is the condition's own `true` (one count for both).
            let earlier =
                |k: usize| -> Vec<String> { whens[..k].iter().map(|w| format!("({w}) IS NOT TRUE")).collect() };
            let mut branches = Vec::new();
            for (k, w) in whens.iter().enumerate() {
                let predicate =
                    earlier(k).into_iter().chain([format!("({w}) IS TRUE")]).collect::<Vec<_>>().join(" AND ");
                branches.push(predicate.clone());
                self.push(context.clone(), path, "case", case, &format!("when {}", k + 1), predicate, None);
            }
            let otherwise = earlier(whens.len());
            let otherwise = if otherwise.is_empty() { "TRUE".to_string() } else { otherwise.join(" AND ") };
            self.push(context, path, "case", case, "else", otherwise, None);
            // A row takes the first branch whose condition is true, else the ELSE.
            self.rest_of_last(branches);
        }
    }

    /// Why an atom cannot be true, false or NULL on data the sources allow, as far as the
    /// declarations and the model's filters tell.
    fn impossible_truths(
        &self,
        atom: &Expr,
        from: Option<&str>,
        scopes: &Scopes,
    ) -> (Option<String>, Option<String>, Option<String>) {
        // Why a value cannot be NULL: its columns' declarations, or a filter before it.
        let non_null = |expr: &Expr, declared: &str| {
            if !self.nullable_with(expr, from, scopes.own_rows, &[]) {
                Some(declared.to_string())
            } else if !self.may_be_null(expr, from, scopes) {
                Some("a filter of the model drops the rows where a column it reads is NULL".to_string())
            } else {
                None
            }
        };
        let never_null = matches!(
            atom,
            Expr::IsNull(_)
                | Expr::IsNotNull(_)
                | Expr::IsTrue(_)
                | Expr::IsFalse(_)
                | Expr::IsNotTrue(_)
                | Expr::IsNotFalse(_)
                | Expr::IsDistinctFrom(..)
                | Expr::IsNotDistinctFrom(..)
        );
        let null = if never_null {
            Some("an IS test is never NULL".to_string())
        } else {
            non_null(atom, "every column it reads is NOT NULL")
        };
        let (mut t, mut f) = (None, None);
        if let Expr::IsNull(inner) | Expr::IsNotNull(inner) = atom {
            if let Some(why) = non_null(inner, "the column it tests is NOT NULL") {
                if matches!(atom, Expr::IsNull(_)) {
                    t = Some(why);
                } else {
                    f = Some(why);
                }
            }
        }
        (t, f, null)
    }

    /// Whether `expr` can be NULL on the rows of `scopes`: it reads a nullable column that no
    /// filter before these rows keeps non-null, a column an outer join can leave empty, or calls
    /// something that makes NULLs.
    fn may_be_null(&self, expr: &Expr, from: Option<&str>, scopes: &Scopes) -> bool {
        let kept = if scopes.filtered { self.filtered_non_null() } else { Vec::new() };
        self.nullable_with(expr, from, scopes.own_rows, &kept)
    }

    /// [`Self::may_be_null`] with `kept` the (relation, column) pairs a filter keeps non-null.
    fn nullable_with(&self, expr: &Expr, from: Option<&str>, own_rows: bool, kept: &[(usize, String)]) -> bool {
        let q = self.cx.q;
        let scope: Vec<&crate::spec::resolve::context::Relation> = q.relations.iter().collect();
        let expr = &defaulted(expr);
        for r in column_refs(expr) {
            if r.qualifier.is_none() && r.column == FROM_IDENT {
                let Some(from) = from else { return true };
                let Ok(parsed) = parse_expression(from, Dialect::Duckdb) else { return true };
                if self.nullable_with(&parsed, None, own_rows, kept) {
                    return true;
                }
                continue;
            }
            match crate::spec::resolve::context::resolve_ref(&scope, &r) {
                crate::spec::resolve::context::RefResolution::Found { index, column } => {
                    if kept.iter().any(|(i, c)| *i == index && c.eq_ignore_ascii_case(&column)) {
                        continue;
                    }
                    let nullable = q.relations[index].column(&column).is_none_or(|c| c.nullable);
                    if nullable || (!own_rows && q.outer_nullable.contains(&index)) {
                        return true;
                    }
                }
                _ => return true,
            }
        }
        let mut makes = MakesNull(false);
        let _ = expr.visit(&mut makes);
        makes.0
    }

    /// The (relation, column) pairs the model's filters keep non-null on the rows past them: a
    /// column compared bare in a conjunct of a filter (`status <> 'DRAFT'`, `qty > 0`, `x IN
    /// (…)`, `x IS NOT NULL`) drops every row where it is NULL. A filter on a source before an
    /// outer join that can leave that source's columns empty keeps nothing after the join.
    fn filtered_non_null(&self) -> Vec<(usize, String)> {
        let q = self.cx.q;
        let mut out = Vec::new();
        for filter in &self.cx.model.filters {
            let Some(text) = filter.predicate.as_deref().map(str::trim).filter(|t| !t.is_empty()) else { continue };
            let (Ok(expr), Ok(scope)) = (self.parse(text), self.cx.scope(filter)) else { continue };
            let relations: Vec<&crate::spec::resolve::context::Relation> = match scope {
                Scope::Source(i) if q.outer_nullable.contains(&i) => continue,
                Scope::Source(i) => vec![&q.relations[i]],
                Scope::Joined => q.relations.iter().collect(),
            };
            for column in crate::spec::resolve::query::null_rejected(&expr) {
                let refs = column_refs(column);
                let [r] = refs.as_slice() else { continue };
                if let crate::spec::resolve::context::RefResolution::Found { index, column } =
                    crate::spec::resolve::context::resolve_ref(&relations, r)
                {
                    // `resolve_ref` counts within `relations`; map back to the model's index.
                    let Some(index) = q.relations.iter().position(|x| std::ptr::eq(x, relations[index])) else {
                        continue;
                    };
                    out.push((index, column.to_ascii_lowercase()));
                }
            }
        }
        out
    }

    fn aggregate(&mut self, call: &Expr, arg: Option<&Expr>, from: Option<&str>, path: &str, scopes: &Scopes) {
        let name = function_name(call).unwrap_or_default();
        let counted = match arg {
            Some(a) if name != "COUNTIF" && name != "COUNT_IF" => match self.duck(a, from) {
                Some(a) => a,
                None => return,
            },
            _ => "*".to_string(),
        };
        let star = counted == "*";
        let zero_impossible = match scopes.metric_source {
            // A metric on the driving source: every group has its rows.
            Some(s) if star => {
                (Some(s) == self.cx.driving().ok()).then(|| "its groups are its own source's rows".to_string())
            }
            Some(_) => None,
            None if star => Some("every group has at least one row".to_string()),
            None => arg
                .filter(|a| !self.may_be_null(a, from, scopes))
                .map(|_| "every group has a non-null value".to_string()),
        };
        // Sizes of the groups the aggregate reads: on its own source for a metric without
        // joins, where a driving group its source lacks is a group of 0.
        let sizes = match (scopes.metric_source, self.cx.driving()) {
            (Some(s), Ok(driving)) if s != driving => {
                let Ok(groups) = self.cx.relation(driving, &[]) else { return };
                let keys_d: Vec<String> = self.cx.model.group_by.iter().map(|g| self.cx.column(driving, g)).collect();
                let inner_keys: Vec<String> = self
                    .cx
                    .model
                    .group_by
                    .iter()
                    .enumerate()
                    .map(|(j, g)| format!("{} AS specproof_k{j}", self.cx.column(s, g)))
                    .collect();
                let outer_keys: Vec<String> =
                    keys_d.iter().enumerate().map(|(j, k)| format!("{k} AS specproof_k{j}")).collect();
                let on: Vec<String> = (0..keys_d.len())
                    .map(|j| format!("specproof_g.specproof_k{j} IS NOT DISTINCT FROM specproof_m.specproof_k{j}"))
                    .collect();
                let group_by: Vec<String> = (0..keys_d.len()).map(|j| format!("specproof_k{j}")).collect();
                let from = format!(
                    "FROM (SELECT DISTINCT {} FROM {groups}) AS specproof_g LEFT JOIN (SELECT {}, count({counted}) AS specproof_n {} GROUP BY {}) AS specproof_m ON {}",
                    outer_keys.join(", "),
                    inner_keys.join(", "),
                    scopes.rows,
                    group_by.join(", "),
                    on.join(" AND ")
                );
                (Context::Rows(from), "coalesce(specproof_m.specproof_n, 0)".to_string())
            }
            _ => {
                (Context::Groups { from: scopes.rows.clone(), keys: scopes.keys.clone() }, format!("count({counted})"))
            }
        };
        let (context, n) = sizes;
        self.push(context.clone(), path, "aggregate", call, "group of 0", format!("{n} = 0"), zero_impossible);
        self.push(context.clone(), path, "aggregate", call, "group of 1", format!("{n} = 1"), None);
        let many_impossible = match scopes.metric_source {
            Some(s) => {
                let keys: Vec<String> = self.cx.model.group_by.iter().map(|g| g.to_ascii_lowercase()).collect();
                self.cx.q.relations[s]
                    .keyed_by(&keys)
                    .then(|| format!("`{}` declares a key on the group-by columns", self.cx.q.relations[s].alias))
            }
            None => None,
        };
        self.push(context, path, "aggregate", call, "group of many", format!("{n} > 1"), many_impossible);
        if name == "AVG" && !star {
            let avg = format!("avg({counted})");
            let groups = Context::Groups { from: scopes.rows.clone(), keys: scopes.keys.clone() };
            let predicate = format!("abs(CAST({avg} AS DOUBLE) - trunc(CAST({avg} AS DOUBLE))) = 0.5");
            self.push(groups, path, "aggregate", call, "mean exactly on .5", predicate, None);
        }
    }

    /// Each join's matches per left row, and its equalities through a transform.
    fn joins(&mut self) -> Result<(), String> {
        let mut pre: Vec<Vec<String>> = vec![Vec::new(); self.cx.q.relations.len()];
        for filter in &self.cx.model.filters {
            if let (Some(p), Scope::Source(i)) = (self.cx.predicate(filter)?, self.cx.scope(filter)?) {
                pre[i].push(p);
            }
        }
        for (k, join) in self.cx.model.joins.iter().enumerate() {
            let (left, right) = (self.cx.index(&join.left_table)?, self.cx.index(&join.right_table)?);
            let expr = self.parse(&join.condition)?;
            let aliases = [&self.cx.q.relations[left].alias, &self.cx.q.relations[right].alias];
            // A condition naming a third relation needs the joined rows before it; left out.
            let own = column_refs(&expr)
                .iter()
                .all(|r| r.qualifier.as_ref().is_none_or(|q| aliases.iter().any(|a| a.eq_ignore_ascii_case(q))));
            let Some(condition) = self.duck(&expr, None) else { continue };
            if !own {
                continue;
            }
            let path = format!("models[{}].joins[{k}].condition", self.mi);
            let (l, r) = (quote(aliases[0]), quote(aliases[1]));
            let from = format!(
                "FROM (SELECT *, row_number() OVER () AS specproof_row FROM {}) AS {l} LEFT JOIN (SELECT *, TRUE AS specproof_hit FROM {}) AS {r} ON {condition}",
                self.cx.relation(left, &pre[left])?,
                self.cx.relation(right, &pre[right])?
            );
            let groups = Context::Groups { from, keys: vec![format!("{l}.specproof_row")] };
            let keyed: Vec<String> = equated_bare(&expr, aliases[1]);
            let many = (!keyed.is_empty() && self.cx.q.relations[right].keyed_by(&keyed))
                .then(|| format!("`{}` declares a key on the columns the join equates", aliases[1]));
            let n = format!("count({r}.specproof_hit)");
            self.push(groups.clone(), &path, "join", &expr, "no match", format!("{n} = 0"), None);
            self.push(groups.clone(), &path, "join", &expr, "one match", format!("{n} = 1"), None);
            self.push(groups, &path, "join", &expr, "several matches", format!("{n} > 1"), many);
            // `f(a.x) = b.y`: rows that match only because of f.
            let inner = format!(
                "FROM {} JOIN {} ON {condition}",
                self.cx.relation(left, &pre[left])?,
                self.cx.relation(right, &pre[right])?
            );
            for (transformed, column, other) in transformed_equalities(&expr) {
                let (Some(c), Some(o)) = (self.duck(&column, None), self.duck(&other, None)) else { continue };
                let predicate = format!("CAST({c} AS VARCHAR) IS DISTINCT FROM CAST({o} AS VARCHAR)");
                self.push(
                    Context::Rows(inner.clone()),
                    &path,
                    "join-transform",
                    &transformed,
                    "matches only after the transform",
                    predicate,
                    None,
                );
            }
        }
        Ok(())
    }
}

/// Whitespace classes TRIM-like functions meet, as RE2 classes: BigQuery strips all Unicode
/// whitespace, DuckDB's TRIM spaces only.
const WHITESPACE: [(&str, &str); 5] = [
    ("space", "[ ]"),
    ("tab", r"[\t]"),
    ("newline", r"[\n]"),
    ("carriage return", r"[\r]"),
    (
        "other Unicode whitespace",
        r"[\x{0B}\x{0C}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]",
    ),
];

/// The construct as the spec writes it, `{from}` put back, shortened for a table cell.
fn shown(expr: &Expr) -> String {
    let text = expr.to_string().replace(FROM_IDENT, FROM_PLACEHOLDER);
    if text.chars().count() > 100 {
        format!("{}…", text.chars().take(99).collect::<String>())
    } else {
        text
    }
}

/// A `COUNT` or `COUNTIF` call (in parentheses or not): 0 over no rows, never NULL.
fn is_count(expr: &Expr) -> bool {
    match expr {
        Expr::Nested(inner) => is_count(inner),
        _ => matches!(function_name(expr).as_deref(), Some("COUNT" | "COUNTIF" | "COUNT_IF")),
    }
}

fn function_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_uppercase();
            Some(name.rsplit('.').next().unwrap_or(&name).to_string())
        }
        _ => None,
    }
}

fn plain_args(args: &FunctionArguments) -> Vec<Option<&Expr>> {
    match args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .map(|arg| match arg {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Splits a condition into its atoms through AND, OR, NOT and parentheses.
fn split_atoms(expr: &Expr, out: &mut Vec<Expr>) {
    match expr {
        Expr::Nested(inner) | Expr::UnaryOp { op: UnaryOperator::Not, expr: inner } => split_atoms(inner, out),
        Expr::BinaryOp { left, op: BinaryOperator::And | BinaryOperator::Or, right } => {
            split_atoms(left, out);
            split_atoms(right, out);
        }
        other => {
            if !out.contains(other) {
                out.push(other.clone());
            }
        }
    }
}

/// Constructs found in one expression.
#[derive(Default)]
struct Found {
    /// Conditions: CASE WHEN conditions, IF and COUNTIF arguments.
    roots: Vec<Expr>,
    cases: Vec<Expr>,
    /// (left, right, the comparison) of two sides that both read columns.
    comparisons: Vec<(Expr, Expr, Expr)>,
    /// (divisor, the division).
    divisions: Vec<(Expr, Expr)>,
    /// (argument, the call).
    trims: Vec<(Expr, Expr)>,
    /// (the call, its argument: `None` for `*`).
    aggregates: Vec<(Expr, Option<Expr>)>,
}

impl Visitor for Found {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        let reads = |e: &Expr| !column_refs(e).is_empty();
        match expr {
            Expr::Case { operand, conditions, .. } => {
                if operand.is_none() {
                    self.roots.extend(conditions.iter().map(|w| w.condition.clone()));
                }
                self.cases.push(expr.clone());
            }
            Expr::BinaryOp { left, op, right } => match op {
                BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Gt
                | BinaryOperator::GtEq
                | BinaryOperator::Eq
                | BinaryOperator::NotEq
                    if reads(left) && reads(right) =>
                {
                    self.comparisons.push((*left.clone(), *right.clone(), expr.clone()));
                }
                BinaryOperator::Divide
                | BinaryOperator::Modulo
                | BinaryOperator::DuckIntegerDivide
                | BinaryOperator::MyIntegerDivide
                    if literal_text(right).is_none() =>
                {
                    self.divisions.push((*right.clone(), expr.clone()));
                }
                _ => {}
            },
            Expr::Trim { expr: inner, trim_what: None, trim_characters: None, .. } if literal_text(inner).is_none() => {
                self.trims.push((*inner.clone(), expr.clone()));
            }
            Expr::Function(f) => {
                let name = function_name(expr).unwrap_or_default();
                let args = plain_args(&f.args);
                match (name.as_str(), args.as_slice()) {
                    ("IF" | "IFF" | "IIF", [Some(c), ..]) => self.roots.push((*c).clone()),
                    ("COUNTIF" | "COUNT_IF" | "LOGICAL_AND" | "LOGICAL_OR" | "BOOL_AND" | "BOOL_OR", [Some(c)]) => {
                        self.roots.push((*c).clone())
                    }
                    ("SAFE_DIVIDE" | "IEEE_DIVIDE" | "DIV" | "MOD", [_, Some(d)]) if literal_text(d).is_none() => {
                        self.divisions.push(((*d).clone(), expr.clone()));
                    }
                    ("LTRIM" | "RTRIM" | "TRIM", [Some(a)]) if literal_text(a).is_none() => {
                        self.trims.push(((*a).clone(), expr.clone()));
                    }
                    _ => {}
                }
                if f.over.is_none() && is_aggregate_function(&name) {
                    let arg = match args.as_slice() {
                        [Some(a), ..] => Some((*a).clone()),
                        _ => None,
                    };
                    // COUNT(*) parses as a wildcard argument, not an expression.
                    self.aggregates.push((expr.clone(), arg));
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Whether an expression calls something that makes NULLs from non-null input.
/// `expr` with each `COALESCE(…, literal)` or `IFNULL(…, literal)` whose last argument is a
/// literal other than NULL put as that literal: never NULL, whatever the columns before it.
fn defaulted(expr: &Expr) -> Expr {
    let mut out = expr.clone();
    let _ = sqlparser::ast::visit_expressions_mut(&mut out, |e| {
        let name = function_name(e).unwrap_or_default();
        let last = match &*e {
            Expr::Function(f) if matches!(name.as_str(), "COALESCE" | "IFNULL" | "NVL") => {
                plain_args(&f.args).last().copied().flatten().cloned()
            }
            _ => None,
        };
        if let Some(Expr::Value(v)) = last {
            if !matches!(v.value, sqlparser::ast::Value::Null) {
                *e = Expr::Value(v);
            }
        }
        ControlFlow::<()>::Continue(())
    });
    out
}

struct MakesNull(bool);

impl Visitor for MakesNull {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        let makes = match expr {
            Expr::Case { else_result: None, .. } => true,
            Expr::Value(v) => matches!(v.value, sqlparser::ast::Value::Null),
            Expr::Function(_) => {
                let name = function_name(expr).unwrap_or_default();
                name.starts_with("SAFE")
                    || name.starts_with("TRY")
                    || name.starts_with("JSON")
                    || ["NULLIF", "REGEXP_EXTRACT", "NULLIFZERO", "IF", "IFF", "IIF", "LAG", "LEAD"]
                        .contains(&name.as_str())
            }
            Expr::Subquery(_) => true,
            _ => false,
        };
        if makes {
            self.0 = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

/// Puts the `{from}` column in place of its placeholder; notes a placeholder with nothing to
/// stand for.
struct ReplaceFrom {
    replacement: Option<Expr>,
    missing: bool,
}

impl VisitorMut for ReplaceFrom {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if matches!(expr, Expr::Identifier(Ident { value, quote_style: None, .. }) if value == FROM_IDENT) {
            match &self.replacement {
                Some(r) => *expr = crate::sql::expr::operand(r.clone()),
                None => self.missing = true,
            }
        }
        ControlFlow::Continue(())
    }
}

/// The top-level conjuncts of a join condition.
fn conjuncts(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::Nested(inner) => conjuncts(inner),
        Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
            let mut out = conjuncts(left);
            out.extend(conjuncts(right));
            out
        }
        other => vec![other],
    }
}

/// Lowercase columns of `alias` a conjunct `alias.col = <expression of other relations>` equates.
fn equated_bare(condition: &Expr, alias: &str) -> Vec<String> {
    let mut out = Vec::new();
    for c in conjuncts(condition) {
        let Expr::BinaryOp { left, op: BinaryOperator::Eq, right } = c else { continue };
        for (side, other) in [(left, right), (right, left)] {
            let Some(r) = bare_column(side) else { continue };
            let mine = r.qualifier.as_ref().is_some_and(|q| q.eq_ignore_ascii_case(alias));
            let other_mine =
                column_refs(other).iter().any(|o| o.qualifier.as_ref().is_some_and(|q| q.eq_ignore_ascii_case(alias)));
            if mine && !other_mine {
                out.push(r.column.to_ascii_lowercase());
            }
        }
    }
    out
}

fn bare_column(expr: &Expr) -> Option<crate::sql::expr::ColumnRef> {
    match expr {
        Expr::Nested(inner) => bare_column(inner),
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => column_refs(expr).into_iter().next(),
        _ => None,
    }
}

/// Conjuncts `f(a.x) = b.y` (either way round) where `f(a.x)` is not a bare column and reads
/// exactly one column: (the transformed side, that column, the other side).
fn transformed_equalities(condition: &Expr) -> Vec<(Expr, Expr, Expr)> {
    let mut out = Vec::new();
    for c in conjuncts(condition) {
        let Expr::BinaryOp { left, op: BinaryOperator::Eq, right } = c else { continue };
        for (side, other) in [(left, right), (right, left)] {
            if bare_column(side).is_some() || bare_column(other).is_none() {
                continue;
            }
            let refs = column_refs(side);
            let [only] = refs.as_slice() else { continue };
            let column = match &only.qualifier {
                Some(q) => Expr::CompoundIdentifier(vec![Ident::new(q), Ident::new(&only.column)]),
                None => Expr::Identifier(Ident::new(&only.column)),
            };
            out.push((*side.clone(), column, *other.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::catalog::{add_ddl_text, Catalog};
    use crate::spec::load::parse_spec;
    use crate::spec::resolve::resolve_models;

    /// The probes of a spec of one model, `model`, over MODEL's sources.
    fn probes_of(model: &str) -> Probes {
        let text = format!(
            r#"{{"schema": {{"raw_schema": "raw", "staging_schema": "stg", "final_schema": "mart"}}, "models": [{model}]}}"#
        );
        let loaded = parse_spec("spec.json", text).unwrap();
        let mut catalog = Catalog::default();
        add_ddl_text(
            &mut catalog,
            &mut Vec::new(),
            "CREATE TABLE raw.c (id INT64 NOT NULL, name STRING, PRIMARY KEY (id) NOT ENFORCED);
             CREATE TABLE raw.o (cid INT64, amount NUMERIC, status STRING);",
            "ddl.sql",
        );
        let queries = resolve_models(&loaded, &catalog);
        probes_for(&loaded, &queries, &|entry: &str| Some(entry.to_string()))
    }

    /// Reached outcomes of the probes of `model` on `data`, as `kind outcome` lines per construct.
    fn reached(model: &str, data: &str) -> Vec<(String, String, String, bool)> {
        let probes = probes_of(model);
        let conn = duckdb::Connection::open_in_memory().unwrap();
        conn.execute_batch(data).unwrap();
        let mut counts = vec![0i64; probes.probes.len()];
        for (sql, members) in probes.queries() {
            let values: Vec<i64> = conn
                .query_row(&sql, [], |row| (0..members.len()).map(|k| row.get::<_, i64>(k)).collect())
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            for (p, v) in members.iter().zip(values) {
                counts[*p] = v;
            }
        }
        probes
            .probes
            .iter()
            .zip(counts)
            .map(|(p, n)| (p.outcome.kind.to_string(), p.outcome.construct.clone(), p.outcome.outcome.clone(), n > 0))
            .collect()
    }

    const MODEL: &str = r#"{"name": "m", "layer": "staging", "sources": ["raw.c", "raw.o"],
        "column_mapping": [
          {"target_column": "id", "type": "INT64", "from_table": "c", "from_column": "id"},
          {"target_column": "name", "type": "STRING", "from_table": "c", "from_column": "name", "transform": "TRIM({from})"},
          {"target_column": "per", "type": "NUMERIC", "from_table": "o", "from_column": "amount", "transform": "SAFE_DIVIDE({from}, o.cid)"},
          {"target_column": "open", "type": "INT64", "from_table": "o", "from_column": "status",
           "transform": "CASE WHEN {from} = 'OPEN' THEN 1 ELSE 0 END"}],
        "joins": [{"left_table": "c", "right_table": "o", "type": "LEFT", "condition": "c.id = o.cid"}],
        "filters": [{"applies_to": "o", "predicate": "o.amount >= o.cid"}]}"#;

    const DATA: &str = "CREATE SCHEMA raw;
        CREATE TABLE raw.c AS SELECT * FROM (VALUES (0, 'x'), (1, 'ann'), (2, chr(9) || 'bo'), (3, NULL), (4, 'a b'),
            (5, 'cy' || chr(13)), (6, chr(160) || 'd')) v(id, name);
        CREATE TABLE raw.o AS SELECT * FROM (VALUES (0, 1.0::DECIMAL(38,9), NULL), (1, 2.5, 'OPEN'), (1, 1, 'CLOSED'),
            (1, 0.5, 'OPEN')) v(cid, amount, status);";

    fn status<'a>(found: &'a [(String, String, String, bool)], kind: &str, outcome: &str) -> Vec<&'a bool> {
        found.iter().filter(|(k, _, o, _)| k == kind && o == outcome).map(|(.., r)| r).collect()
    }

    #[test]
    fn every_outcome_is_counted_on_the_rows_that_reach_it() {
        let found = reached(MODEL, DATA);
        // The CASE's condition: true (OPEN), false (CLOSED), NULL (a NULL status and the
        // customers the LEFT join leaves without orders).
        assert_eq!(status(&found, "condition", "true"), [&true, &true]);
        assert_eq!(status(&found, "condition", "null"), [&true, &false], "no order has a NULL amount or cid");
        assert_eq!(status(&found, "case", "when 1"), [&true]);
        assert_eq!(status(&found, "case", "else"), [&true]);
        // Whitespace at either end, not inside: a leading tab, a trailing carriage return, a
        // leading no-break space; a space only between words.
        assert_eq!(status(&found, "trim", "tab"), [&true]);
        assert_eq!(status(&found, "trim", "carriage return"), [&true]);
        assert_eq!(status(&found, "trim", "other Unicode whitespace"), [&true]);
        assert_eq!(status(&found, "trim", "space"), [&false]);
        assert_eq!(status(&found, "trim", "newline"), [&false]);
        // Customer 0 meets order 0 (cid 0): a zero divisor on a joined row.
        assert_eq!(status(&found, "division", "divisor zero"), [&true]);
        assert_eq!(status(&found, "division", "divisor null"), [&true]);
        // Orders of customer 1 after the filter: 2.5 and 1 (0.5 < 1 is filtered away).
        assert_eq!(status(&found, "join", "several matches"), [&true]);
        assert_eq!(status(&found, "join", "no match"), [&true]);
        // The filter's comparison of two columns: greater (2.5 > 1), equal (1 = 1), less (0.5 < 1).
        for outcome in ["less", "equal", "greater"] {
            assert_eq!(status(&found, "comparison", outcome), [&true], "{outcome}");
        }
    }

    /// A count taken as what other probes leave ([`Probe::rest_of`]: a condition's NULL, a
    /// CASE's ELSE) is the probe's own count asked alone, on rows where conditions are true,
    /// false and NULL and every branch of a CASE of three is taken; and the queries count
    /// fewer predicates than they answer for.
    #[test]
    fn counts_left_by_other_probes_are_the_probes_own() {
        let case = r#""transform": "CASE WHEN {from} = 'OPEN' THEN 1 ELSE 0 END"}"#;
        let band = r#"{"target_column": "band", "type": "STRING", "from_table": "o", "from_column": "amount",
           "transform": "CASE WHEN {from} > 2 THEN 'hi' WHEN {from} > o.cid THEN 'mid' WHEN o.status IS NULL THEN 'none' ELSE 'lo' END"}"#;
        let model = MODEL.replace(case, &format!("{case}, {band}"));
        assert_ne!(model, MODEL);
        let probes = probes_of(&model);
        let conn = duckdb::Connection::open_in_memory().unwrap();
        conn.execute_batch(DATA).unwrap();
        let ask = |sql: &str, n: usize| -> Vec<i64> {
            conn.query_row(sql, [], |row| (0..n).map(|k| row.get::<_, i64>(k)).collect())
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
        };
        let (mut asked, mut predicates, mut left) = (0, 0, 0);
        for (sql, members) in probes.queries() {
            let together = ask(&sql, members.len() + 1);
            for (j, &p) in members.iter().enumerate() {
                let probe = &probes.probes[p];
                let alone = ask(&probes.query(probe.context, &[p]), 2);
                assert_eq!(together[j], alone[0], "{}", probe.predicate);
                left += usize::from(!probe.rest_of.is_empty() && together[j] > 0);
            }
            asked += sql.matches("FILTER").count();
            let mut distinct: Vec<&str> = members.iter().map(|&p| probes.probes[p].predicate.as_str()).collect();
            distinct.sort_unstable();
            distinct.dedup();
            predicates += distinct.len();
        }
        assert!(asked < predicates, "{asked} counts asked for {predicates} predicates");
        // The NULLs and ELSEs left by the others were reached: the equality above is not 0 = 0.
        assert!(left >= 3, "{left}");
    }

    #[test]
    fn declarations_say_what_cannot_be_reached() {
        let text = r#"{"schema": {"raw_schema": "raw", "staging_schema": "stg", "final_schema": "mart"}, "models": [
            {"name": "m", "layer": "staging", "sources": ["raw.o", "raw.c"],
             "column_mapping": [{"target_column": "cid", "type": "INT64", "from_table": "o", "from_column": "cid"},
                {"target_column": "name", "type": "STRING", "from_table": "c", "from_column": "name"}],
             "joins": [{"left_table": "o", "right_table": "c", "type": "LEFT", "condition": "o.cid = c.id"}],
             "filters": [{"applies_to": "c", "predicate": "c.id IS NOT NULL"}]}]}"#;
        let loaded = parse_spec("spec.json", text.to_string()).unwrap();
        let mut catalog = Catalog::default();
        add_ddl_text(
            &mut catalog,
            &mut Vec::new(),
            "CREATE TABLE raw.c (id INT64 NOT NULL, name STRING, PRIMARY KEY (id) NOT ENFORCED);
             CREATE TABLE raw.o (cid INT64, amount NUMERIC, status STRING);",
            "ddl.sql",
        );
        let queries = resolve_models(&loaded, &catalog);
        let probes = probes_for(&loaded, &queries, &|entry: &str| Some(entry.to_string()));
        let why = |kind: &str, outcome: &str| {
            probes
                .probes
                .iter()
                .find(|p| p.outcome.kind == kind && p.outcome.outcome == outcome)
                .and_then(|p| p.outcome.impossible.clone())
        };
        assert_eq!(
            why("join", "several matches").as_deref(),
            Some("`c` declares a key on the columns the join equates")
        );
        assert_eq!(why("condition", "false").as_deref(), Some("the column it tests is NOT NULL"));
        assert_eq!(why("condition", "null").as_deref(), Some("an IS test is never NULL"));
        assert_eq!(why("join", "no match"), None);
    }

    #[test]
    fn a_count_over_groups_is_never_a_zero_divisor_unless_it_counts_nulls() {
        let text = r#"{"schema": {"raw_schema": "raw", "staging_schema": "stg", "final_schema": "mart"}, "models": [
            {"name": "m", "layer": "final", "sources": ["raw.c"],
             "aggregations": [
                {"metric_column": "per_row", "type": "FLOAT64", "formula": "SAFE_DIVIDE(COUNTIF(name = 'x'), COUNT(*))"},
                {"metric_column": "per_id", "type": "FLOAT64", "formula": "SAFE_DIVIDE(COUNTIF(name = 'x'), COUNT(id))"},
                {"metric_column": "per_name", "type": "FLOAT64", "formula": "SAFE_DIVIDE(COUNTIF(name = 'x'), COUNT(name))"}],
             "group_by": ["id"]}]}"#;
        let loaded = parse_spec("spec.json", text.to_string()).unwrap();
        let mut catalog = Catalog::default();
        add_ddl_text(
            &mut catalog,
            &mut Vec::new(),
            "CREATE TABLE raw.c (id INT64 NOT NULL, name STRING, PRIMARY KEY (id) NOT ENFORCED);",
            "ddl.sql",
        );
        let queries = resolve_models(&loaded, &catalog);
        let probes = probes_for(&loaded, &queries, &|entry: &str| Some(entry.to_string()));
        let zero: Vec<Option<String>> = probes
            .probes
            .iter()
            .filter(|p| p.outcome.kind == "division" && p.outcome.outcome == "divisor zero")
            .map(|p| p.outcome.impossible.clone())
            .collect();
        let never = Some("a count of a value never NULL over a group of rows is at least 1".to_string());
        assert_eq!(zero, [never.clone(), never, None], "COUNT(name) is 0 on a group whose names are all NULL");
        let null = probes.probes.iter().filter(|p| p.outcome.kind == "division" && p.outcome.outcome == "divisor null");
        assert!(
            null.clone().count() == 3
                && null.clone().all(|p| p.outcome.impossible.as_deref() == Some("a count is never NULL"))
        );
    }

    #[test]
    fn a_filter_that_drops_nulls_makes_null_impossible_past_it() {
        let model = |name: &str, join: &str| {
            format!(
                r#"{{"name": "{name}", "layer": "staging", "sources": ["raw.c", "raw.o"],
                 "column_mapping": [
                    {{"target_column": "id", "type": "INT64", "from_table": "c", "from_column": "id"}},
                    {{"target_column": "open", "type": "INT64", "from_table": "o", "from_column": "status",
                      "transform": "CASE WHEN {{from}} = 'OPEN' THEN 1 ELSE 0 END"}},
                    {{"target_column": "big", "type": "INT64", "from_table": "o", "from_column": "amount",
                      "transform": "CASE WHEN {{from}} > 10 THEN 1 ELSE 0 END"}},
                    {{"target_column": "named", "type": "INT64", "from_table": "c", "from_column": "name",
                      "transform": "CASE WHEN {{from}} = 'x' THEN 1 ELSE 0 END"}},
                    {{"target_column": "some", "type": "INT64", "from_table": "o", "from_column": "amount",
                      "transform": "CASE WHEN COALESCE({{from}}, 0) > 5 THEN 1 ELSE 0 END"}}],
                 "joins": [{{"left_table": "c", "right_table": "o", "type": "{join}", "condition": "c.id = o.cid"}}],
                 "filters": [{{"applies_to": "{name}", "predicate": "o.status <> 'VOID' AND (c.name = 'a' OR c.name IS NULL)"}},
                             {{"applies_to": "o", "predicate": "o.amount > 0"}}]}}"#
            )
        };
        let text = format!(
            r#"{{"schema": {{"raw_schema": "raw", "staging_schema": "stg", "final_schema": "mart"}}, "models": [{}, {}]}}"#,
            model("inner_m", "INNER"),
            model("left_m", "LEFT")
        );
        let loaded = parse_spec("spec.json", text).unwrap();
        let mut catalog = Catalog::default();
        add_ddl_text(
            &mut catalog,
            &mut Vec::new(),
            "CREATE TABLE raw.c (id INT64 NOT NULL, name STRING, PRIMARY KEY (id) NOT ENFORCED);
             CREATE TABLE raw.o (cid INT64, amount NUMERIC, status STRING);",
            "ddl.sql",
        );
        let queries = resolve_models(&loaded, &catalog);
        let probes = probes_for(&loaded, &queries, &|entry: &str| Some(entry.to_string()));
        let why = |model: &str, literal: &str| -> Option<String> {
            probes
                .probes
                .iter()
                .find(|p| {
                    p.outcome.model == model
                        && p.outcome.kind == "condition"
                        && p.outcome.outcome == "null"
                        && p.outcome.construct.contains(literal)
                        && p.outcome.json_path.contains("column_mapping")
                })
                .unwrap_or_else(|| panic!("{model} {literal}"))
                .outcome
                .impossible
                .clone()
        };
        let filtered = Some("a filter of the model drops the rows where a column it reads is NULL".to_string());
        // Past `o.status <> 'VOID'` (after the joins) no status is NULL, whatever the join.
        assert_eq!(why("inner_m", "'OPEN'"), filtered);
        assert_eq!(why("left_m", "'OPEN'"), filtered);
        // `o.amount > 0` runs on `o` before the join: an INNER join keeps it, a LEFT join can
        // bring a NULL amount back (a customer without orders).
        assert_eq!(why("inner_m", "10"), filtered);
        assert_eq!(why("left_m", "10"), None);
        // A conjunct that lets NULL through (`OR c.name IS NULL`) keeps nothing non-null.
        assert_eq!(why("inner_m", "'x'"), None);
        // COALESCE with a literal last is never NULL, whatever the join leaves empty.
        assert!(why("left_m", "COALESCE").is_some());
    }
}
