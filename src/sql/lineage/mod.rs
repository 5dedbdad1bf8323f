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

mod facts;
mod joins;
mod scope;
mod select;
mod statement;
#[cfg(test)]
mod test_support;
mod walker;

pub use facts::{
    Derivation, FilterPlace, FilterUse, GroupLevel, JoinEdge, JoinType, Lineage, OutputLineage, Pos, SourceColumn,
    TableUse, UnknownColumn,
};
pub use scope::{name_parts, TableInfo, Tables};
pub use statement::{trace, trace_in};
