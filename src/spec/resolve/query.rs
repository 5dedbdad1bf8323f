//! Mapping and aggregate models: their sources, joins, filters and output expressions,
//! resolved against what the sources declare.
//!
//! The result, a [`ModelQuery`], is what the key and null rules reason about: which relations
//! take part, how joins tie their columns together, which sides of outer joins can be null,
//! and where each output column comes from.
//!
//! Longer than most files (about 860 lines, a third of them tests): resolution is one pass over
//! a model's relations, joins, filters and outputs whose steps share the scope they build, and
//! its tests read best beside it.

use super::context::{alias_of, resolve_ref, Lint, RefResolution, Relation, Resolved};
use crate::finding::Code;
use crate::sql::expr::{case_literals, column_refs, contains_aggregate, ColumnRef};
use crate::suggest::did_you_mean;
use sqlparser::ast::{BinaryOperator, Expr};
use std::collections::{BTreeSet, HashSet};

/// The placeholder `{from}` is replaced by an identifier of the same length, so positions in
/// the parsed expression are positions in the spec's text.
pub const FROM_PLACEHOLDER: &str = "{from}";
/// The identifier `{from}` becomes before parsing.
pub const FROM_IDENT: &str = "__from";

/// How a join keeps rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// LEFT \[OUTER\] JOIN.
    Left,
    /// \[INNER\] JOIN.
    Inner,
    /// RIGHT \[OUTER\] JOIN.
    Right,
    /// FULL \[OUTER\] JOIN.
    Full,
}

impl JoinKind {
    /// Parses a spec join type: `LEFT`, `left outer`, `INNER JOIN`, …
    pub fn parse(text: &str) -> Option<JoinKind> {
        let all: Vec<String> = text.split_whitespace().map(str::to_ascii_uppercase).collect();
        let core: Vec<&str> = all.iter().map(String::as_str).filter(|w| *w != "JOIN" && *w != "OUTER").collect();
        let outer = all.iter().any(|w| w == "OUTER");
        match core.as_slice() {
            ["LEFT"] => Some(JoinKind::Left),
            ["INNER"] if !outer => Some(JoinKind::Inner),
            [] if all == ["JOIN"] => Some(JoinKind::Inner),
            ["RIGHT"] => Some(JoinKind::Right),
            ["FULL"] => Some(JoinKind::Full),
            _ => None,
        }
    }

    /// The SQL keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            JoinKind::Left => "LEFT",
            JoinKind::Inner => "INNER",
            JoinKind::Right => "RIGHT",
            JoinKind::Full => "FULL",
        }
    }
}

/// A column of a relation in the query: (relation index, lowercase column name).
pub type QCol = (usize, String);

/// One join, resolved.
#[derive(Debug, Clone)]
pub struct JoinInfo {
    /// Its type.
    pub kind: JoinKind,
    /// The relation already in the query it hangs off.
    pub left: usize,
    /// The relation it joins in.
    pub right: usize,
    /// Column pairs the condition equates (top-level conjuncts `a = b`).
    pub equalities: Vec<(QCol, QCol)>,
    /// Columns the condition fixes to a literal (`b.kind = 'x'`).
    pub constants: Vec<QCol>,
    /// Columns the condition equates to an expression of other relations' columns
    /// (`UPPER(TRIM(a.code)) = b.code`): the columns the expression reads, and the column it
    /// fixes. The column is a function of those columns on every joined row, as a bare column
    /// equality would make it.
    pub derived: Vec<(Vec<QCol>, QCol)>,
    /// The join's JSON path.
    pub path: String,
}

/// Where an output column's value comes from.
#[derive(Debug, Clone)]
pub struct OutputColumn {
    /// The output column's name.
    pub name: String,
    /// The JSON path of the entry that defines it.
    pub path: String,
    /// The JSON path of its expression (transform, formula, or from_column).
    pub expr_path: String,
    /// The expression, when there is one to parse (a null transform has none).
    pub expr: Option<Expr>,
    /// Every column it reads, resolved; with whether the read is inside an aggregate.
    pub reads: Vec<(QCol, bool)>,
    /// The source column it is, when it is exactly one column (no transform, or `{from}`).
    pub direct: Option<QCol>,
    /// The column `{from}` stands for.
    pub from: Option<QCol>,
    /// The relation it is computed on, for metrics of an aggregate model without joins.
    pub metric_source: Option<usize>,
    /// Whether the spec asks it never to be null, and why (for messages).
    pub not_null_because: Option<&'static str>,
    /// Tests named on it.
    pub tests: Vec<String>,
    /// The literals its CASE can produce, when it is such a CASE.
    pub case_values: Option<Vec<String>>,
}

/// A mapping or aggregate model, resolved.
#[derive(Debug, Clone, Default)]
pub struct ModelQuery {
    /// The model's sources that resolved, in source order.
    pub relations: Vec<Relation>,
    /// Aliases of sources that did not resolve (their references are not reported again).
    pub unresolved: HashSet<String>,
    /// Relations reached from the base through joins, base first.
    pub joined: Vec<usize>,
    /// The joins in order.
    pub joins: Vec<JoinInfo>,
    /// Relations whose columns an outer join can make null.
    pub outer_nullable: HashSet<usize>,
    /// The output columns in order.
    pub outputs: Vec<OutputColumn>,
    /// The grouping columns when the model groups: for a mapping model every column read
    /// outside an aggregate; for an aggregate model its `group_by`.
    pub grouped: Option<BTreeSet<QCol>>,
    /// An aggregate model without joins (each metric on its own source).
    pub per_source_metrics: bool,
    /// True when something did not resolve, so the key and null rules would reason on a
    /// partial picture and stay silent.
    pub incomplete: bool,
    /// Columns a filter rejects NULL in (`x > 0`, `x IS NOT NULL` as a conjunct), with whether
    /// the filter applies after the joins (then no output row holds a NULL there, outer joins
    /// or not) or before (then the table's own rows hold none).
    pub filtered_not_null: Vec<(QCol, bool)>,
}

impl ModelQuery {
    /// The index of the relation a model refers to as `alias`.
    pub fn index(&self, alias: &str) -> Option<usize> {
        self.relations.iter().position(|r| r.alias.eq_ignore_ascii_case(alias))
    }
}

/// Resolves the model at `mi` (a mapping or aggregate model) and reports every name problem.
pub fn resolve_query(lint: &mut Lint<'_>, mi: usize) -> ModelQuery {
    let spec = lint.spec;
    let model = &spec.models[mi];
    let name = model.name.as_str();
    let path = format!("models[{mi}]");
    let mut q = ModelQuery::default();

    for (j, entry) in model.sources.iter().enumerate() {
        match lint.resolve_entry(entry) {
            Resolved::Relation(r) => q.relations.push(r),
            Resolved::Unavailable => {
                q.unresolved.insert(alias_of(entry).to_ascii_lowercase());
            }
            Resolved::Unknown => {
                q.unresolved.insert(alias_of(entry).to_ascii_lowercase());
                let known = lint.known_entries();
                let hint =
                    did_you_mean(entry, known.iter().map(String::as_str)).map(|s| format!("did you mean `{s}`?"));
                let f = lint.report(
                    Code::UnknownSource,
                    name,
                    &format!("{path}.sources[{j}]"),
                    format!("source `{entry}` is neither a declared source table nor a model"),
                );
                f.help = hint.or(Some("declare it in sources/*.sql or in the spec's `sources`".into()));
            }
        }
    }
    q.incomplete = !q.unresolved.is_empty();

    // The base is the first join's left table, or else the first source.
    let base = match model.joins.first() {
        Some(join) => table_index(lint, &mut q, name, &format!("{path}.joins[0].left_table"), &join.left_table),
        None => (!q.relations.is_empty()).then_some(0),
    };
    if let Some(base) = base {
        q.joined.push(base);
    }
    resolve_joins(lint, &mut q, mi);
    check_connected(lint, &mut q, mi);
    resolve_filters(lint, &mut q, mi);
    if model.aggregations.is_empty() {
        resolve_mapping_columns(lint, &mut q, mi);
    } else {
        resolve_metrics(lint, &mut q, mi);
    }
    q
}

/// The relation a table name inside the model refers to; an unknown name is reported.
fn table_index(lint: &mut Lint<'_>, q: &mut ModelQuery, model: &str, path: &str, table: &str) -> Option<usize> {
    let table = table.trim();
    if let Some(i) = q.index(table) {
        return Some(i);
    }
    // With a source that did not resolve, an unknown table name most likely means that
    // source; it has been reported once already.
    if !q.unresolved.is_empty() {
        q.incomplete = true;
        return None;
    }
    q.incomplete = true;
    let aliases: Vec<String> = q.relations.iter().map(|r| r.alias.clone()).collect();
    let hint = did_you_mean(table, aliases.iter().map(String::as_str));
    let f = lint.report(Code::UnknownTable, model, path, format!("`{table}` is not one of the model's sources"));
    f.help = Some(match hint {
        Some(h) => format!("did you mean `{h}`?"),
        None => format!("the model's sources are referred to as: {}", aliases.join(", ")),
    });
    None
}

/// Resolves the references of an expression against the relations `scope` (indices), and
/// reports each that does not resolve. `from` stands for `{from}`. `context` says, in a
/// message, why a table outside the scope cannot be read here.
#[expect(
    clippy::too_many_arguments,
    reason = "one call shape for every caller; a struct would only rename the arguments"
)]
fn resolve_refs(
    lint: &mut Lint<'_>,
    q: &mut ModelQuery,
    model: &str,
    path: &str,
    refs: &[ColumnRef],
    scope: &[usize],
    from: Option<&QCol>,
    context: &str,
) -> Vec<(QCol, bool)> {
    let relations: Vec<&Relation> = scope.iter().map(|&i| &q.relations[i]).collect();
    let mut resolved = Vec::new();
    let mut problems = Vec::new();
    for r in refs {
        if r.qualifier.is_none() && r.column == FROM_IDENT {
            if let Some(from) = from {
                resolved.push((from.clone(), r.in_aggregate));
            }
            continue;
        }
        match resolve_ref(&relations, r) {
            RefResolution::Found { index, column } => {
                resolved.push(((scope[index], column.to_ascii_lowercase()), r.in_aggregate))
            }
            RefResolution::UnknownTable => {
                let qualifier = r.qualifier.clone().unwrap_or_default();
                if q.unresolved.contains(&qualifier.to_ascii_lowercase()) {
                    continue;
                }
                let message = if q.index(&qualifier).is_some() {
                    format!("`{qualifier}.{}` cannot be read here: {context}", r.column)
                } else {
                    format!("`{qualifier}` in `{qualifier}.{}` is not one of the model's sources", r.column)
                };
                problems.push((Code::UnknownTable, r.line, r.column_no, message, None));
            }
            RefResolution::UnknownColumn(hint) => {
                if scope.is_empty() || (r.qualifier.is_none() && !q.unresolved.is_empty()) {
                    continue;
                }
                let message = match &r.qualifier {
                    Some(t) => format!("`{t}` has no column `{}`", r.column),
                    None => {
                        let names: Vec<&str> = relations.iter().map(|r| r.alias.as_str()).collect();
                        format!("no source in scope ({}) has a column `{}`", names.join(", "), r.column)
                    }
                };
                problems.push((
                    Code::UnknownColumn,
                    r.line,
                    r.column_no,
                    message,
                    hint.map(|h| format!("did you mean `{h}`?")),
                ));
            }
            RefResolution::Ambiguous(tables) => {
                let message = format!(
                    "`{}` is a column of {}; qualify it with the table it comes from",
                    r.column,
                    tables.join(" and ")
                );
                problems.push((Code::AmbiguousColumn, r.line, r.column_no, message, None));
            }
        }
    }
    if !problems.is_empty() {
        q.incomplete = true;
    }
    for (code, line, column, message, help) in problems {
        let f = lint.report_in(code, model, path, line, column, message);
        f.help = help;
    }
    resolved
}

fn resolve_joins(lint: &mut Lint<'_>, q: &mut ModelQuery, mi: usize) {
    let model = &lint.spec.models[mi];
    let name = model.name.as_str();
    for (k, join) in model.joins.iter().enumerate() {
        let path = format!("models[{mi}].joins[{k}]");
        let kind = JoinKind::parse(&join.join_type);
        if kind.is_none() {
            q.incomplete = true;
            lint.report(
                Code::InvalidJoin,
                name,
                &format!("{path}.type"),
                format!("`{}` is not a join type", join.join_type),
            )
            .help = Some("use LEFT, INNER, RIGHT or FULL".into());
        }
        let left = table_index(lint, q, name, &format!("{path}.left_table"), &join.left_table);
        let right = table_index(lint, q, name, &format!("{path}.right_table"), &join.right_table);
        if let Some(l) = left {
            if !q.joined.contains(&l) {
                q.incomplete = true;
                let base = q.joined.first().map(|&b| q.relations[b].alias.clone()).unwrap_or_default();
                lint.report(
                    Code::InvalidJoin,
                    name,
                    &format!("{path}.left_table"),
                    format!("`{}` is not in the query yet when this join applies; joins apply in order from the base table `{base}`", join.left_table),
                );
            }
        }
        if let Some(r) = right {
            if q.joined.contains(&r) {
                q.incomplete = true;
                lint.report(
                    Code::InvalidJoin,
                    name,
                    &format!("{path}.right_table"),
                    format!("`{}` is already in the query; a table is joined once", join.right_table),
                );
            }
        }
        let condition_path = format!("{path}.condition");
        let mut scope = q.joined.clone();
        scope.extend(right);
        let mut equalities = Vec::new();
        let mut constants = Vec::new();
        let mut derived = Vec::new();
        if join.condition.trim().is_empty() {
            q.incomplete = true;
            lint.report(Code::InvalidJoin, name, &condition_path, "the join has no condition".into());
        } else if let Some(expr) = lint.parse_expr(name, &condition_path, &join.condition) {
            let refs = column_refs(&expr);
            let context = "only the tables joined so far and the one this join adds can be read in its condition";
            resolve_refs(lint, q, name, &condition_path, &refs, &scope, None, context);
            let relations: Vec<&Relation> = scope.iter().map(|&i| &q.relations[i]).collect();
            // Every column an expression reads, or None when one does not resolve.
            let resolve = |e: &Expr| -> Option<Vec<QCol>> {
                column_refs(e)
                    .iter()
                    .map(|r| match resolve_ref(&relations, r) {
                        RefResolution::Found { index, column } => Some((scope[index], column.to_ascii_lowercase())),
                        _ => None,
                    })
                    .collect()
            };
            collect_equalities(
                &expr,
                &resolve,
                &mut Fixed { equalities: &mut equalities, constants: &mut constants, derived: &mut derived },
            );
        }
        if let (Some(kind), Some(left), Some(right)) = (kind, left, right) {
            match kind {
                JoinKind::Left => {
                    q.outer_nullable.insert(right);
                }
                JoinKind::Right => q.outer_nullable.extend(q.joined.iter().copied()),
                JoinKind::Full => {
                    q.outer_nullable.extend(q.joined.iter().copied());
                    q.outer_nullable.insert(right);
                }
                JoinKind::Inner => {}
            }
            if !q.joined.contains(&right) {
                q.joined.push(right);
            }
            q.joins.push(JoinInfo { kind, left, right, equalities, constants, derived, path });
        } else if let Some(right) = right {
            if !q.joined.contains(&right) {
                q.joined.push(right);
            }
        }
    }
}

/// What a join condition's top-level equalities fix.
struct Fixed<'a> {
    equalities: &'a mut Vec<(QCol, QCol)>,
    constants: &'a mut Vec<QCol>,
    derived: &'a mut Vec<(Vec<QCol>, QCol)>,
}

/// Top-level `a = b` conjuncts of a condition: column pairs, columns fixed to a constant, and
/// columns fixed by an expression of other relations' columns (either operand order).
fn collect_equalities(expr: &Expr, resolve: &dyn Fn(&Expr) -> Option<Vec<QCol>>, fixed: &mut Fixed<'_>) {
    match expr {
        Expr::Nested(inner) => collect_equalities(inner, resolve, fixed),
        Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
            collect_equalities(left, resolve, fixed);
            collect_equalities(right, resolve, fixed);
        }
        Expr::BinaryOp { left, op: BinaryOperator::Eq, right } => {
            let bare = |e: &Expr| -> Option<QCol> {
                let e = strip_nested(e);
                if !matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
                    return None;
                }
                match resolve(e)?.as_slice() {
                    [one] => Some(one.clone()),
                    _ => None,
                }
            };
            match (bare(left), bare(right)) {
                (Some(a), Some(b)) => fixed.equalities.push((a, b)),
                (Some(column), None) => fix_by(column, right, resolve, fixed),
                (None, Some(column)) => fix_by(column, left, resolve, fixed),
                (None, None) => {}
            }
        }
        _ => {}
    }
}

/// `column = other`: the column is fixed by `other` when `other` reads no column of the
/// column's own relation (then it is a function of the other relations' row) and gives one
/// value per evaluation (no RAND, no UUID).
fn fix_by(column: QCol, other: &Expr, resolve: &dyn Fn(&Expr) -> Option<Vec<QCol>>, fixed: &mut Fixed<'_>) {
    let Some(reads) = resolve(other) else { return };
    if reads.iter().any(|(r, _)| *r == column.0) || !deterministic(other) {
        return;
    }
    if reads.is_empty() {
        fixed.constants.push(column);
    } else {
        let mut reads = reads;
        reads.sort();
        reads.dedup();
        fixed.derived.push((reads, column));
    }
}

fn strip_nested(e: &Expr) -> &Expr {
    match e {
        Expr::Nested(inner) => strip_nested(inner),
        other => other,
    }
}

/// False when the expression calls a function whose value changes between evaluations.
fn deterministic(expr: &Expr) -> bool {
    let text = expr.to_string().to_ascii_uppercase();
    !["RAND", "RANDOM", "UUID", "GEN_RANDOM"].iter().any(|f| text.contains(f))
}

fn check_connected(lint: &mut Lint<'_>, q: &mut ModelQuery, mi: usize) {
    let model = &lint.spec.models[mi];
    // An aggregate model without joins combines its sources by its own rule.
    if !model.aggregations.is_empty() && model.joins.is_empty() {
        return;
    }
    let Some(&base) = q.joined.first() else { return };
    for (j, entry) in model.sources.iter().enumerate() {
        let Some(i) = q.index(alias_of(entry)) else { continue };
        if !q.joined.contains(&i) {
            q.incomplete = true;
            let base_alias = q.relations[base].alias.clone();
            lint.report(
                Code::DisconnectedSources,
                &model.name,
                &format!("models[{mi}].sources[{j}]"),
                format!("source `{}` is not connected to `{base_alias}` by any join", q.relations[i].alias),
            )
            .help = Some("add a join with its condition; a cross join is never implied".into());
        }
    }
}

fn resolve_filters(lint: &mut Lint<'_>, q: &mut ModelQuery, mi: usize) {
    let model = &lint.spec.models[mi];
    let name = model.name.as_str();
    for (f, filter) in model.filters.iter().enumerate() {
        let path = format!("models[{mi}].filters[{f}]");
        let predicate = filter.predicate.as_deref().unwrap_or("").trim();
        if predicate.is_empty() {
            continue;
        }
        let applies_to = filter.applies_to.as_deref().unwrap_or("").trim();
        let post_join = applies_to.is_empty() || applies_to == "(none)" || applies_to.eq_ignore_ascii_case(name);
        let (scope, context) = if post_join {
            (all_in_scope(q), "".to_string())
        } else {
            match table_index(lint, q, name, &format!("{path}.applies_to"), applies_to) {
                Some(i) => (
                    vec![i],
                    format!("this filter applies to `{applies_to}` before it is joined, so it reads only that table"),
                ),
                None => continue,
            }
        };
        let predicate_path = format!("{path}.predicate");
        if let Some(expr) = lint.parse_expr(name, &predicate_path, predicate) {
            let refs = column_refs(&expr);
            resolve_refs(lint, q, name, &predicate_path, &refs, &scope, None, &context);
            let relations: Vec<&Relation> = scope.iter().map(|&i| &q.relations[i]).collect();
            for column in null_rejected(&expr) {
                let refs = column_refs(column);
                let [r] = refs.as_slice() else { continue };
                if let RefResolution::Found { index, column } = resolve_ref(&relations, r) {
                    q.filtered_not_null.push(((scope[index], column.to_ascii_lowercase()), post_join));
                }
            }
        }
    }
}

/// The bare columns a predicate is never true for when they are NULL: the column operands of a
/// comparison, LIKE, IN, BETWEEN or IS NOT NULL among its top-level AND conjuncts.
pub(crate) fn null_rejected(expr: &Expr) -> Vec<&Expr> {
    let bare = |e: &Expr| matches!(strip_nested(e), Expr::Identifier(_) | Expr::CompoundIdentifier(_));
    match expr {
        Expr::Nested(inner) => null_rejected(inner),
        Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
            let mut all = null_rejected(left);
            all.extend(null_rejected(right));
            all
        }
        Expr::BinaryOp {
            left,
            op:
                BinaryOperator::Eq
                | BinaryOperator::NotEq
                | BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Gt
                | BinaryOperator::GtEq,
            right,
        } => [left, right].into_iter().map(|e| strip_nested(e)).filter(|e| bare(e)).collect(),
        Expr::IsNotNull(e)
        | Expr::Between { expr: e, .. }
        | Expr::InList { expr: e, .. }
        | Expr::Like { expr: e, .. }
        | Expr::ILike { expr: e, .. }
            if bare(e) =>
        {
            vec![strip_nested(e)]
        }
        _ => Vec::new(),
    }
}

/// The relations an expression after the joins can read.
fn all_in_scope(q: &ModelQuery) -> Vec<usize> {
    if q.joined.is_empty() {
        (0..q.relations.len()).collect()
    } else {
        q.joined.clone()
    }
}

fn not_null_reason(
    nullable: Option<bool>,
    tests: &[String],
    is_key: bool,
    dialect: crate::spec::model::Dialect,
) -> Option<&'static str> {
    if nullable == Some(false) {
        Some("`nullable: false`")
    } else if super::context::asks_not_null(tests, dialect) {
        Some("the `not_null` test")
    } else if is_key {
        Some("the primary key")
    } else {
        None
    }
}

fn primary_key(lint: &Lint<'_>, mi: usize) -> Vec<String> {
    lint.spec.models[mi].constraints.primary_key.iter().flat_map(|k| k.names()).map(str::to_ascii_lowercase).collect()
}

fn resolve_mapping_columns(lint: &mut Lint<'_>, q: &mut ModelQuery, mi: usize) {
    let model = &lint.spec.models[mi];
    let name = model.name.as_str();
    let pk = primary_key(lint, mi);
    let scope = all_in_scope(q);
    let mut grouped = false;
    for (c, m) in model.column_mapping.iter().enumerate() {
        let path = format!("models[{mi}].column_mapping[{c}]");
        lint.check_type(name, &format!("{path}.type"), &m.data_type);
        let from_table = m.from_table.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let from_column = m.from_column.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let mut from: Option<QCol> = None;
        if let Some(table) = from_table {
            if let Some(i) = table_index(lint, q, name, &format!("{path}.from_table"), table) {
                if let Some(column) = from_column {
                    match q.relations[i].column(column) {
                        Some(col) => from = Some((i, col.name.to_ascii_lowercase())),
                        None => {
                            q.incomplete = true;
                            let hint = did_you_mean(column, q.relations[i].columns.iter().map(|c| c.name.as_str()));
                            let message = format!("`{table}` has no column `{column}`");
                            lint.report(Code::UnknownColumn, name, &format!("{path}.from_column"), message).help =
                                hint.map(|h| format!("did you mean `{h}`?"));
                        }
                    }
                }
            }
        }
        let transform = m.transform.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let uses_from = transform.is_none_or(|t| t.contains(FROM_PLACEHOLDER));
        if uses_from && (from_table.is_none() || from_column.is_none()) {
            q.incomplete = true;
            let message = match transform {
                Some(_) => format!("`{}` uses {{from}} but names no from_table and from_column", m.target_column),
                None => format!("`{}` has no transform and no from_table and from_column to copy", m.target_column),
            };
            lint.report(Code::MissingMapping, name, &path, message);
        }
        let (expr, expr_path, reads, direct) = match transform {
            Some(text) => {
                let expr_path = format!("{path}.transform");
                let substituted = text.replace(FROM_PLACEHOLDER, FROM_IDENT);
                let expr = lint.parse_expr(name, &expr_path, &substituted);
                let reads = match &expr {
                    Some(e) => resolve_refs(lint, q, name, &expr_path, &column_refs(e), &scope, from.as_ref(), ""),
                    None => {
                        q.incomplete = true;
                        Vec::new()
                    }
                };
                let direct = match &expr {
                    Some(Expr::Identifier(_) | Expr::CompoundIdentifier(_)) if reads.len() == 1 => {
                        Some(reads[0].0.clone())
                    }
                    _ => None,
                };
                (expr, expr_path, reads, direct)
            }
            None => {
                (None, format!("{path}.from_column"), from.iter().map(|f| (f.clone(), false)).collect(), from.clone())
            }
        };
        grouped |= expr.as_ref().is_some_and(contains_aggregate);
        let is_key = pk.contains(&m.target_column.to_ascii_lowercase());
        q.outputs.push(OutputColumn {
            name: m.target_column.clone(),
            path,
            expr_path,
            case_values: expr.as_ref().and_then(case_literals),
            expr,
            reads,
            direct,
            from,
            metric_source: None,
            not_null_because: not_null_reason(m.nullable, &m.tests, is_key, lint.dialect()),
            tests: m.tests.clone(),
        });
    }
    if grouped {
        // GROUP BY every column reference outside an aggregate call (spec-format.md).
        let keys = q.outputs.iter().flat_map(|o| o.reads.iter()).filter(|(_, in_agg)| !in_agg).map(|(c, _)| c.clone());
        q.grouped = Some(keys.collect());
    }
}

fn resolve_metrics(lint: &mut Lint<'_>, q: &mut ModelQuery, mi: usize) {
    let model = &lint.spec.models[mi];
    let name = model.name.as_str();
    let pk = primary_key(lint, mi);
    let driving =
        if q.relations.is_empty() || q.index(alias_of(model.sources.first().map_or("", String::as_str))) != Some(0) {
            None
        } else {
            Some(0)
        };
    let mut group_cols = BTreeSet::new();
    for (g, column) in model.group_by.iter().enumerate() {
        let Some(d) = driving else { break };
        let path = format!("models[{mi}].group_by[{g}]");
        match q.relations[d].column(column) {
            Some(col) => {
                let qcol = (d, col.name.to_ascii_lowercase());
                group_cols.insert(qcol.clone());
                q.outputs.push(OutputColumn {
                    name: column.clone(),
                    path: path.clone(),
                    expr_path: path,
                    expr: None,
                    reads: vec![(qcol.clone(), false)],
                    direct: Some(qcol),
                    from: None,
                    metric_source: Some(d),
                    not_null_because: pk.contains(&column.to_ascii_lowercase()).then_some("the primary key"),
                    tests: Vec::new(),
                    case_values: None,
                });
            }
            None => {
                q.incomplete = true;
                let alias = q.relations[d].alias.clone();
                let hint = did_you_mean(column, q.relations[d].columns.iter().map(|c| c.name.as_str()));
                lint.report(
                    Code::UnknownColumn,
                    name,
                    &path,
                    format!("the driving source `{alias}` has no column `{column}` to group by"),
                )
                .help = hint.map(|h| format!("did you mean `{h}`?"));
            }
        }
    }
    q.per_source_metrics = model.joins.is_empty();
    let scope = all_in_scope(q);
    let mut missing_group_columns_reported = HashSet::new();
    for (k, a) in model.aggregations.iter().enumerate() {
        let path = format!("models[{mi}].aggregations[{k}]");
        lint.check_type(name, &format!("{path}.type"), &a.data_type);
        let formula_path = format!("{path}.formula");
        if a.formula.trim().is_empty() {
            q.incomplete = true;
            lint.report(
                Code::MissingMapping,
                name,
                &formula_path,
                format!("metric `{}` has an empty formula", a.metric_column),
            );
            continue;
        }
        let Some(expr) = lint.parse_expr(name, &formula_path, &a.formula) else {
            q.incomplete = true;
            continue;
        };
        let refs = column_refs(&expr);
        let (reads, metric_source) = if q.per_source_metrics {
            let (reads, source) = metric_reads(lint, q, name, &formula_path, &refs, driving);
            // The metric is grouped by the group-by columns on its own source.
            if let (Some(s), Some(d)) = (source, driving) {
                if s != d && missing_group_columns_reported.insert(s) {
                    for g in &model.group_by {
                        if q.relations[s].column(g).is_none() && q.relations[d].column(g).is_some() {
                            q.incomplete = true;
                            let alias = q.relations[s].alias.clone();
                            lint.report_in(
                                Code::UnknownColumn,
                                name,
                                &formula_path,
                                1,
                                1,
                                format!("`{alias}` has no column `{g}`, so this metric cannot be grouped by it"),
                            );
                        }
                    }
                }
            }
            (reads, source)
        } else {
            (resolve_refs(lint, q, name, &formula_path, &refs, &scope, None, ""), None)
        };
        let is_key = pk.contains(&a.metric_column.to_ascii_lowercase());
        q.outputs.push(OutputColumn {
            name: a.metric_column.clone(),
            path,
            expr_path: formula_path,
            case_values: case_literals(&expr),
            expr: Some(expr),
            reads,
            direct: None,
            from: None,
            metric_source,
            not_null_because: not_null_reason(a.nullable, &a.tests, is_key, lint.dialect()),
            tests: a.tests.clone(),
        });
    }
    if driving.is_some() {
        q.grouped = Some(group_cols);
    }
}

/// The columns a metric of an aggregate model without joins reads, and the one source they
/// belong to (`COUNT(*)` belongs to the driving source). Two sources, or an unqualified column
/// that two sources share, leave the metric without a source: a finding.
fn metric_reads(
    lint: &mut Lint<'_>,
    q: &mut ModelQuery,
    model: &str,
    path: &str,
    refs: &[ColumnRef],
    driving: Option<usize>,
) -> (Vec<(QCol, bool)>, Option<usize>) {
    let all: Vec<usize> = (0..q.relations.len()).collect();
    let mut reads = Vec::new();
    let mut sources = BTreeSet::new();
    for r in refs {
        // Each reference resolves against every source; sharing a name is the ambiguity the
        // aggregate rule forbids, reported as such rather than as a plain ambiguous column.
        let owners: Vec<usize> = match &r.qualifier {
            Some(qualifier) => match q.index(qualifier) {
                Some(i) => vec![i],
                None => {
                    resolve_refs(lint, q, model, path, std::slice::from_ref(r), &all, None, "");
                    continue;
                }
            },
            None => all.iter().copied().filter(|&i| q.relations[i].column(&r.column).is_some()).collect(),
        };
        match owners.as_slice() {
            [i] => match q.relations[*i].column(&r.column) {
                Some(col) => {
                    reads.push(((*i, col.name.to_ascii_lowercase()), r.in_aggregate));
                    sources.insert(*i);
                }
                None => {
                    resolve_refs(lint, q, model, path, std::slice::from_ref(r), &[*i], None, "");
                }
            },
            [] => {
                resolve_refs(lint, q, model, path, std::slice::from_ref(r), &all, None, "");
            }
            many => {
                q.incomplete = true;
                let names: Vec<String> = many.iter().map(|&i| format!("`{}`", q.relations[i].alias)).collect();
                lint.report_in(
                    Code::FormulaSources,
                    model,
                    path,
                    r.line,
                    r.column_no,
                    format!(
                        "`{}` is a column of {}, so the metric's source cannot be told",
                        r.column,
                        names.join(" and ")
                    ),
                )
                .help = Some("qualify the column with the source the metric is computed on".into());
            }
        }
    }
    if sources.len() > 1 {
        q.incomplete = true;
        let names: Vec<String> = sources.iter().map(|&i| format!("`{}`", q.relations[i].alias)).collect();
        lint.report_in(
            Code::FormulaSources,
            model,
            path,
            1,
            1,
            format!("the formula names columns of {}; each metric is computed on one source", names.join(" and ")),
        )
        .help = Some("split it into one metric per source, or join the sources explicitly".into());
        return (reads, None);
    }
    (reads, sources.into_iter().next().or(driving))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_types_parse_in_their_usual_spellings() {
        assert_eq!(JoinKind::parse("LEFT"), Some(JoinKind::Left));
        assert_eq!(JoinKind::parse("left outer join"), Some(JoinKind::Left));
        assert_eq!(JoinKind::parse("INNER"), Some(JoinKind::Inner));
        assert_eq!(JoinKind::parse("JOIN"), Some(JoinKind::Inner));
        assert_eq!(JoinKind::parse("FULL OUTER"), Some(JoinKind::Full));
        assert_eq!(JoinKind::parse("OUTER"), None);
        assert_eq!(JoinKind::parse("CROSS"), None);
        assert_eq!(JoinKind::parse(""), None);
    }

    #[test]
    fn the_placeholder_keeps_positions() {
        assert_eq!(FROM_PLACEHOLDER.len(), FROM_IDENT.len());
    }
}

#[cfg(test)]
mod rule_tests {
    use crate::spec::lint::test_support::{codes, column, lint_models, mapping};

    const JOIN: &str = r#"[{"left_table": "customers", "right_table": "addresses", "type": "INNER", "condition": "customers.customer_id = addresses.customer_id"}]"#;

    fn joined(columns: &[String], filters: &str) -> Vec<crate::finding::Finding> {
        let model =
            mapping("m", r#"["raw.customers", "raw.addresses"]"#, &format!("[{}]", columns.join(",")), JOIN, "{}")
                .replace("\"joins\"", &format!("\"filters\": {filters}, \"joins\""));
        lint_models(&format!("[{model}]"), "")
    }

    #[test]
    fn names_resolve_with_suggestions() {
        let findings = joined(&[column("e", "customers", "emial", None, "")], "[]");
        assert_eq!(codes(&findings), ["SPEC003"]);
        assert_eq!(findings[0].help.as_deref(), Some("did you mean `email`?"));
        let findings = joined(&[column("e", "customer", "email", None, "")], "[]");
        assert_eq!(codes(&findings), ["SPEC002"]);
        assert_eq!(findings[0].help.as_deref(), Some("did you mean `customers`?"));
    }

    #[test]
    fn unqualified_columns_two_sources_share_are_ambiguous() {
        let c = column("c", "customers", "email", Some("CONCAT({from}, CAST(created_at AS STRING))"), "");
        let findings = joined(&[c], "[]");
        assert_eq!(codes(&findings), ["SPEC004"]);
        // The finding points at `created_at` inside the transform.
        assert!(findings[0].message.contains("`created_at`"));
    }

    #[test]
    fn a_pre_join_filter_reads_only_its_table() {
        let c = column("c", "customers", "email", None, "");
        let ok = r#"[{"applies_to": "addresses", "predicate": "country IS NOT NULL"}]"#;
        assert!(joined(std::slice::from_ref(&c), ok).is_empty());
        let other = r#"[{"applies_to": "addresses", "predicate": "customers.status = 'a'"}]"#;
        let findings = joined(std::slice::from_ref(&c), other);
        assert_eq!(codes(&findings), ["SPEC002"]);
        assert!(findings[0].message.contains("before it is joined"), "{}", findings[0].message);
        let post = r#"[{"applies_to": "(none)", "predicate": "customers.status = 'a' AND country <> ''"}]"#;
        assert!(joined(std::slice::from_ref(&c), post).is_empty());
        let empty = r#"[{"applies_to": null, "predicate": ""}]"#;
        assert!(joined(&[c], empty).is_empty());
    }

    #[test]
    fn sources_must_be_joined_in_mapping_models() {
        let model = mapping(
            "m",
            r#"["raw.customers", "raw.orders"]"#,
            &format!("[{}]", column("c", "customers", "email", None, "")),
            "[]",
            "{}",
        );
        let findings = lint_models(&format!("[{model}]"), "");
        assert_eq!(codes(&findings), ["SPEC007"]);
        assert_eq!(findings[0].json_path.as_deref(), Some("models[0].sources[1]"));
    }

    #[test]
    fn aggregate_formulas_belong_to_one_source() {
        let model = |formula: &str| {
            format!(
                r#"[{{"name": "f", "layer": "final", "sources": ["raw.orders", "raw.tickets"],
                "aggregations": [{{"metric_column": "x", "type": "INT64", "formula": "{formula}"}}], "group_by": ["customer_id"]}}]"#
            )
        };
        assert!(lint_models(&model("SUM(amount)"), "").is_empty());
        assert!(lint_models(&model("COUNTIF(status = 'OPEN')"), "").is_empty());
        assert!(lint_models(&model("COUNT(*)"), "").is_empty());
        assert_eq!(codes(&lint_models(&model("SUM(amount) / COUNT(status)"), "")), ["SPEC008"]);
        assert_eq!(codes(&lint_models(&model("COUNT(DISTINCT customer_id)"), "")), ["SPEC008"]);
        assert!(lint_models(&model("COUNT(DISTINCT tickets.customer_id)"), "").is_empty());
    }
}
