//! What the trace finds: output columns and their sources, joins, filters, groupings, the tables
//! read and written, and the names that do not resolve, each at its place in the parsed text.

use serde::Serialize;
use sqlparser::ast::{Ident, Spanned};
use std::collections::BTreeSet;

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
    pub(super) fn of(node: &impl Spanned) -> Pos {
        let start = node.span().start;
        Pos { line: start.line, column: start.column }
    }

    pub(super) fn of_ident(ident: &Ident) -> Pos {
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
    /// Source columns that decide which branch of a set operation a row comes from (the
    /// branches' filters): the value depends on them, though it is not computed from them.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub guards: BTreeSet<SourceColumn>,
}

/// A join type as the code writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JoinType {
    /// INNER JOIN or JOIN.
    Inner,
    /// LEFT \[OUTER\] JOIN.
    Left,
    /// RIGHT \[OUTER\] JOIN.
    Right,
    /// FULL \[OUTER\] JOIN.
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
    /// In the ON condition of a join; `right_only` when it reads only the joined relation,
    /// `left_only` when it reads only what is joined before it.
    On {
        /// The join's type.
        join: JoinType,
        /// It reads only the relation being joined in.
        right_only: bool,
        /// It reads only the relations before the join (the side a RIGHT join can make null).
        left_only: bool,
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
