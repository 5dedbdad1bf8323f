//! Column-level lineage of model code, traced on sqlparser's tree.
//!
//! For each output column: the source columns (`table.column`) it derives from and how (direct,
//! transformed, windowed, aggregated), through CTEs, subqueries, aliases, joins, UNION, window
//! functions, aggregates and `SELECT *`. Alongside: every join (type, the tables on each side,
//! the column pairs its condition equates), every filter and where it applies, every grouping,
//! every table read, and every name that does not resolve. Positions are those of the parsed
//! text; the caller maps them back through the template position map.
//!
//! Where the tracer cannot know something (a table function, an unknown table), the relation is
//! *opaque*: names read from it are not reported, so an unknown part never produces a cascade of
//! false alarms.

use crate::sql::expr::{is_aggregate_function, is_date_part};
use serde::Serialize;
use sqlparser::ast::{
    AssignmentTarget, BinaryOperator, Expr, FromTable, Function, GroupByExpr, Ident, JoinConstraint, JoinOperator,
    ObjectName, ObjectNamePart, Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, Spanned,
    Statement, TableFactor, TableObject, TableWithJoins, UpdateTableFromKind, Value, Visit, Visitor,
};
use std::collections::{BTreeSet, HashSet};
use std::ops::ControlFlow;

/// A column of a source table or upstream model: `raw.crm_customers` . `phone`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SourceColumn {
    /// The table's key: `schema.table` for a source table, the model's name for a model.
    pub table: String,
    /// The column, lowercase.
    pub column: String,
}

impl std::fmt::Display for SourceColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.table, self.column)
    }
}

/// How an output column is derived from what it reads. Ordered from the weakest: a column
/// that passes through an aggregate anywhere upstream is aggregated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Derivation {
    /// The column itself, renamed at most.
    Direct,
    /// A row-level expression.
    Transformed,
    /// A window function.
    Windowed,
    /// An aggregate.
    Aggregated,
}

impl Derivation {
    /// `direct`, `transformed`, `windowed` or `aggregated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Derivation::Direct => "direct",
            Derivation::Transformed => "transformed",
            Derivation::Windowed => "windowed",
            Derivation::Aggregated => "aggregated",
        }
    }
}

/// A place in the parsed text: 1-based line and character column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Pos {
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

impl Pos {
    fn of(node: &impl Spanned) -> Pos {
        let start = node.span().start;
        Pos { line: start.line, column: start.column }
    }

    fn of_ident(ident: &Ident) -> Pos {
        Pos { line: ident.span.start.line, column: ident.span.start.column }
    }
}

/// One output column of the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputLineage {
    /// Its name, as the code writes it.
    pub name: String,
    /// How it is derived.
    pub derivation: Derivation,
    /// The source columns it derives from.
    pub reads: BTreeSet<SourceColumn>,
    /// Where its select item is.
    #[serde(skip)]
    pub pos: Pos,
}

/// A join type as the code writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JoinType {
    /// INNER JOIN or JOIN.
    Inner,
    /// LEFT [OUTER] JOIN.
    Left,
    /// RIGHT [OUTER] JOIN.
    Right,
    /// FULL [OUTER] JOIN.
    Full,
    /// CROSS JOIN or a comma.
    Cross,
    /// Semi, anti, apply, as-of joins.
    Other,
}

impl JoinType {
    /// The SQL keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            JoinType::Inner => "INNER",
            JoinType::Left => "LEFT",
            JoinType::Right => "RIGHT",
            JoinType::Full => "FULL",
            JoinType::Cross => "CROSS",
            JoinType::Other => "OTHER",
        }
    }
}

/// A join in the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JoinEdge {
    /// Its type.
    pub kind: JoinType,
    /// Base tables of everything joined before it, at its query level.
    pub left: BTreeSet<String>,
    /// Base tables of the relation it joins in.
    pub right: BTreeSet<String>,
    /// Column pairs its condition equates (left side first when known).
    pub equalities: Vec<(SourceColumn, SourceColumn)>,
    /// True when the condition has equalities between expressions that are not plain columns.
    pub opaque_condition: bool,
    /// Where the joined relation is written.
    #[serde(skip)]
    pub pos: Pos,
    /// Where the condition is (the relation's place when there is none).
    #[serde(skip)]
    pub condition_pos: Pos,
}

/// Where a filter conjunct sits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FilterPlace {
    /// In a WHERE clause. `null_extended`: base tables an outer join at that level can make
    /// null (a filter on them there runs after the join).
    Where {
        /// Tables on the null-extended side of an outer join at that level.
        null_extended: BTreeSet<String>,
        /// Whether that level joins anything at all.
        joins: bool,
    },
    /// In the ON condition of a join; `right_only` when it reads only the joined relation.
    On {
        /// The join's type.
        join: JoinType,
        /// It reads only the relation being joined in.
        right_only: bool,
    },
    /// In HAVING or QUALIFY, after grouping or windows.
    AfterGrouping,
}

/// A filter conjunct in the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterUse {
    /// The source columns it reads.
    pub reads: BTreeSet<SourceColumn>,
    /// Where it applies.
    pub place: FilterPlace,
    /// The conjunct as written.
    pub text: String,
    /// Where it is.
    #[serde(skip)]
    pub pos: Pos,
}

/// A GROUP BY (or an aggregate without one) at some query level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupLevel {
    /// The source columns of each key.
    pub keys: Vec<BTreeSet<SourceColumn>>,
    /// Base tables read at that level.
    pub tables: BTreeSet<String>,
    /// Column pairs the joins at that level equate.
    pub equalities: Vec<(SourceColumn, SourceColumn)>,
    /// Whether some key could not be traced to source columns.
    pub opaque: bool,
    /// Where the GROUP BY is (the SELECT when there is none).
    #[serde(skip)]
    pub pos: Pos,
}

/// A table the code reads or writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableUse {
    /// The name as written.
    pub written: String,
    /// What it resolved to, if anything.
    pub table: Option<String>,
    /// Where it is.
    #[serde(skip)]
    pub pos: Pos,
}

/// A name in the code that does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownColumn {
    /// The reference as written.
    pub written: String,
    /// A close name that does exist there.
    pub suggestion: Option<String>,
    /// Where it is.
    #[serde(skip)]
    pub pos: Pos,
}

/// Everything traced from one model's code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Lineage {
    /// The output columns, in order.
    pub outputs: Vec<OutputLineage>,
    /// Where the SELECT that produces the output is.
    #[serde(skip)]
    pub output_pos: Option<Pos>,
    /// Joins, in the order they are written.
    pub joins: Vec<JoinEdge>,
    /// Filter conjuncts, in the order they are written.
    pub filters: Vec<FilterUse>,
    /// Groupings, in the order they are written.
    pub groups: Vec<GroupLevel>,
    /// Tables read or written.
    pub tables: Vec<TableUse>,
    /// Names that do not resolve.
    pub unknown_columns: Vec<UnknownColumn>,
    /// False when part of the code could not be traced (the output columns are then not
    /// complete).
    pub complete: bool,
}

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

/// Traces a model's statements. A single query is the model's output; in a script, the output
/// is the table the script creates for `self_key` (its columns, and what is inserted into them).
pub fn trace(statements: &[Statement], tables: &dyn Tables, self_key: &str) -> Lineage {
    let mut tracer = Tracer {
        tables,
        ctes: Vec::new(),
        scopes: Vec::new(),
        out: Lineage::default(),
        complete: true,
        created: Vec::new(),
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

#[derive(Debug, Clone)]
struct Col {
    name: String,
    reads: BTreeSet<SourceColumn>,
    derivation: Derivation,
    pos: Pos,
}

#[derive(Debug, Clone, Default)]
struct Rel {
    cols: Vec<Col>,
    tables: BTreeSet<String>,
    opaque: bool,
}

impl Rel {
    fn outputs(&self) -> Vec<OutputLineage> {
        self.cols
            .iter()
            .map(|c| OutputLineage {
                name: c.name.clone(),
                derivation: c.derivation,
                reads: c.reads.clone(),
                pos: c.pos,
            })
            .collect()
    }

    fn col(&self, name: &str) -> Option<&Col> {
        self.cols.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone)]
struct Entry {
    alias: String,
    key: Option<String>,
    rel: Rel,
    null_extended: bool,
}

impl Entry {
    fn answers_to(&self, qualifier: &str) -> bool {
        self.alias.eq_ignore_ascii_case(qualifier)
            || self.key.as_deref().is_some_and(|k| {
                k.eq_ignore_ascii_case(qualifier)
                    || k.rsplit('.').next().is_some_and(|l| l.eq_ignore_ascii_case(qualifier))
            })
    }
}

enum Found {
    Col(Col, Option<usize>),
    Silent,
    Unknown(Option<String>),
}

struct Tracer<'e> {
    tables: &'e dyn Tables,
    ctes: Vec<(String, Rel)>,
    scopes: Vec<Vec<Entry>>,
    out: Lineage,
    complete: bool,
    /// Tables a script creates with a column list: later statements see those columns.
    created: Vec<TableInfo>,
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

fn conjuncts(expr: &Expr) -> Vec<&Expr> {
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
    fn query(&mut self, query: &Query) -> Rel {
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
                let mut left = self.set_expr(left);
                let right = self.set_expr(right);
                for (l, r) in left.cols.iter_mut().zip(&right.cols) {
                    l.reads.extend(r.reads.iter().cloned());
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
        self.scopes.push(Vec::new());
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
        for item in &select.projection {
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
        self.scopes.pop();
        rel
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

    fn current(&self) -> &[Entry] {
        self.scopes.last().map_or(&[], Vec::as_slice)
    }

    /// A projected column; the flag says whether it aggregates at this level.
    fn column_of(&mut self, expr: &Expr, name: String, pos: Pos) -> (Col, bool) {
        let mut walker = Walker::new(self);
        let _ = expr.visit(&mut walker);
        let Walker { reads, derivation, aggregates, windowed, .. } = walker;
        let own = match expr {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => Derivation::Direct,
            _ if aggregates => Derivation::Aggregated,
            _ if windowed => Derivation::Windowed,
            _ => Derivation::Transformed,
        };
        (Col { name, reads, derivation: own.max(derivation), pos }, aggregates)
    }

    /// What an expression reads, and the entries of the current scope it reads from.
    fn reads_of(&mut self, expr: &Expr) -> (BTreeSet<SourceColumn>, BTreeSet<usize>) {
        let mut walker = Walker::new(self);
        let _ = expr.visit(&mut walker);
        (walker.reads, walker.entries)
    }

    fn table_with_joins(&mut self, table: &TableWithJoins, equalities: &mut Vec<(SourceColumn, SourceColumn)>) {
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
                        self.out.filters.push(FilterUse {
                            reads,
                            place: FilterPlace::On { join: kind, right_only },
                            text: conjunct.to_string(),
                            pos: Pos::of(conjunct),
                        });
                    }
                }
                Some(JoinConstraint::Using(columns)) => {
                    for column in columns {
                        let name = name_parts(column).join(".");
                        let l = self.current()[..left_entries].iter().find_map(|e| e.rel.col(&name).cloned());
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
    #[allow(clippy::option_option)]
    fn equality(&mut self, conjunct: &Expr, left_entries: usize) -> Option<Option<(SourceColumn, SourceColumn)>> {
        let Expr::BinaryOp { left, op: BinaryOperator::Eq, right } = conjunct else { return None };
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

    fn factor(&mut self, factor: &TableFactor, null_extended: bool) {
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

    /// Resolves a column reference against the scopes, innermost first.
    fn resolve(&self, idents: &[Ident]) -> Found {
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
        // `col.field` on a struct column, or a date part such as MONTH.
        if !qualifier.is_empty() {
            if let Found::Col(col, entry) = self.resolve(&idents[..1]) {
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

    /// A table by name: one this script created with a column list, else the environment's.
    fn lookup(&self, parts: &[String]) -> Option<TableInfo> {
        let info = self.tables.lookup(parts)?;
        Some(self.created.iter().rev().find(|c| c.key == info.key).cloned().unwrap_or(info))
    }

    fn check_reference(&mut self, idents: &[Ident]) {
        if let Found::Unknown(suggestion) = self.resolve(idents) {
            let written = idents.iter().map(|i| i.value.as_str()).collect::<Vec<_>>().join(".");
            let pos = idents.first().map_or(Pos::default(), Pos::of_ident);
            self.out.unknown_columns.push(UnknownColumn { written, suggestion, pos });
        }
    }
}

fn single(col: Col) -> Option<SourceColumn> {
    (col.reads.len() == 1).then(|| col.reads.into_iter().next()).flatten()
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
            })
            .collect(),
        tables: BTreeSet::from([info.key.clone()]),
        opaque: false,
    }
}

fn rename_columns(rel: &mut Rel, alias: &Option<sqlparser::ast::TableAlias>) {
    if let Some(alias) = alias {
        for (col, name) in rel.cols.iter_mut().zip(&alias.columns) {
            col.name = name.name.value.clone();
        }
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

/// Walks one expression: resolves every column reference, notes aggregates and windows, and
/// traces subqueries in their own scope.
struct Walker<'t, 'e> {
    tracer: &'t mut Tracer<'e>,
    reads: BTreeSet<SourceColumn>,
    entries: BTreeSet<usize>,
    derivation: Derivation,
    aggregates: bool,
    windowed: bool,
    /// Depth inside a subquery (traced separately) or a window specification (its columns
    /// order and partition rows; they are not what the value is computed from).
    skip: usize,
    skip_exprs: Vec<*const Expr>,
    function_depth: usize,
}

impl<'t, 'e> Walker<'t, 'e> {
    fn new(tracer: &'t mut Tracer<'e>) -> Self {
        Walker {
            tracer,
            reads: BTreeSet::new(),
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
                    self.derivation = self.derivation.max(col.derivation);
                    self.entries.extend(entry);
                }
                Found::Silent => {}
                Found::Unknown(suggestion) => {
                    let written = idents.iter().map(|i| i.value.as_str()).collect::<Vec<_>>().join(".");
                    let pos = idents.first().map_or(Pos::default(), Pos::of_ident);
                    self.tracer.out.unknown_columns.push(UnknownColumn { written, suggestion, pos });
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::dialect::Dialect;
    use crate::sql::parse::parse_statements;

    struct Fixture;

    impl Tables for Fixture {
        fn lookup(&self, parts: &[String]) -> Option<TableInfo> {
            let key = parts[parts.len().saturating_sub(2)..].join(".");
            let columns: &[&str] = match key.as_str() {
                "raw.crm_customers" => &["customer_id", "email", "phone", "status"],
                "raw.crm_addresses" => &["customer_id", "country", "city"],
                "raw.orders" => &["order_id", "customer_id", "amount"],
                "temp.stg_orders" => {
                    return Some(TableInfo {
                        key: "stg_orders".into(),
                        columns: vec!["customer_id".into(), "amount_usd".into()],
                    })
                }
                "analytics.dim" => return Some(TableInfo { key: "dim".into(), columns: vec![] }),
                _ => return None,
            };
            Some(TableInfo { key, columns: columns.iter().map(|c| c.to_string()).collect() })
        }
    }

    fn lineage(sql: &str, dialect: Dialect) -> Lineage {
        let statements = parse_statements(sql, dialect).expect("parses");
        trace(&statements, &Fixture, "dim")
    }

    fn reads(l: &Lineage, column: &str) -> Vec<String> {
        let out = l.outputs.iter().find(|o| o.name == column).unwrap_or_else(|| panic!("no output {column}"));
        out.reads.iter().map(ToString::to_string).collect()
    }

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

    #[test]
    fn filters_in_on_clauses_and_after_left_joins() {
        let l = lineage(
            "SELECT c.customer_id FROM raw.crm_customers c\nLEFT JOIN raw.crm_addresses a ON c.customer_id = a.customer_id AND a.country IS NOT NULL\nWHERE a.city <> 'x'",
            Dialect::Duckdb,
        );
        assert_eq!(l.filters[0].place, FilterPlace::On { join: JoinType::Left, right_only: true });
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
