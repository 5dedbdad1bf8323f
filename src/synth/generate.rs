//! Making the rows: every table in the plan's order (referenced tables first), every column of
//! a table in parallel, each from its own seeded stream.
//!
//! A value is a pure function of its row, one 64-bit draw from its column's stream, and the
//! positions its group or foreign key drew for that row. Draw 0 gives the column's simplest
//! value (NULL where allowed, else its first literal or the type's zero), so a shrinking step
//! can make a row simpler by giving it smaller draws, and fewer rows by cutting the tables.

use super::plan::{
    plan, Class, ColumnPlan, FkPlan, Plan, Role, TablePlan, TupleDraw, EDGE_POSITIONS, MIRROR_AT, MIRROR_EVERY,
    NULL_EDGE_ROW, TUPLE_MISS_AT, TUPLE_PARTIAL_AT,
};
use super::rng::{below, finalize, Rng};
use super::value::{Dataset, SynthColumn, SynthOptions, SynthTable, Value};
use crate::spec::catalog::Catalog;
use crate::spec::load::LoadedSpec;
use rayon::prelude::*;
use sqlparser::ast::Statement;
use std::collections::HashSet;

/// Builds a seeded dataset for every source table of `catalog`, shaped by `spec`.
///
/// Every declaration is honoured: NOT NULL columns are never null, primary and unique keys
/// never repeat (and are never null), foreign keys always point at a row of the referenced
/// table. Nothing undeclared is assumed: a column without a key repeats values, a nullable
/// column holds NULLs, a joined column holds values the other side lacks. The same spec,
/// sources and options always give the same dataset.
///
/// ```
/// use specproof::spec::catalog::{add_ddl_text, Catalog};
/// use specproof::spec::load::parse_spec;
/// use specproof::synth::{synthesize, SynthOptions};
///
/// let mut catalog = Catalog::default();
/// add_ddl_text(&mut catalog, &mut Vec::new(), "CREATE TABLE raw.t (id INT64 NOT NULL, s STRING);", "t.sql");
/// let spec = parse_spec("spec.json", r#"{"schema": {"raw_schema": "raw", "staging_schema": "s",
///     "final_schema": "f"}, "models": []}"#.to_string()).unwrap();
/// let data = synthesize(&spec, &catalog, &SynthOptions { seed: 1, rows: 10 });
/// let t = data.table("raw.t").unwrap();
/// assert_eq!(t.rows, 10);
/// assert!(t.column("id").unwrap().values.iter().all(Option::is_some));
/// ```
pub fn synthesize(spec: &LoadedSpec, catalog: &Catalog, options: &SynthOptions) -> Dataset {
    synthesize_for(spec, catalog, &[], options)
}

/// [`synthesize`], also aimed at the literals, patterns and trims of the code under test
/// (`code`: each model's parsed statements), so its branches are taken too. Declarations are
/// honoured the same way; the same spec, sources, code and options give the same dataset.
pub fn synthesize_for(spec: &LoadedSpec, catalog: &Catalog, code: &[&[Statement]], options: &SynthOptions) -> Dataset {
    let queries = crate::spec::resolve::resolve_models(spec, catalog);
    synthesize_resolved(spec, catalog, &queries, code, options)
}

/// [`synthesize_for`] with the spec's models already resolved
/// ([`crate::spec::resolve::resolve_models`]): a run that makes many datasets resolves them once.
pub fn synthesize_resolved(
    spec: &LoadedSpec,
    catalog: &Catalog,
    queries: &[Option<crate::spec::resolve::query::ModelQuery>],
    code: &[&[Statement]],
    options: &SynthOptions,
) -> Dataset {
    let plan = plan(&spec.spec, catalog, queries, code, options.rows, options.seed);
    let mut done: Vec<SynthTable> = Vec::with_capacity(plan.tables.len());
    for table in &plan.tables {
        let made = make_table(&plan, table, &done, options.seed);
        done.push(made);
    }
    done.sort_by(|a, b| a.name.cmp(&b.name));
    let dataset = Dataset { tables: done };
    crate::meter::count(crate::meter::Unit::RowsMade, dataset.total_rows());
    dataset
}

/// Where each row of a group takes its position.
enum Positions {
    /// Row r takes position r.
    Sequential,
    Drawn(Vec<u64>),
}

impl Positions {
    fn at(&self, row: usize) -> u64 {
        match self {
            Positions::Sequential => row as u64,
            Positions::Drawn(v) => v[row],
        }
    }
}

/// The referenced table of a foreign key.
enum Parent<'a> {
    Table(&'a SynthTable),
    /// The table references itself.
    Itself,
    /// Not made yet: the foreign key closes a cycle.
    Missing,
}

fn make_table(plan: &Plan, tp: &TablePlan, done: &[SynthTable], seed: u64) -> SynthTable {
    let parents: Vec<Parent> = tp
        .fks
        .iter()
        .map(|fk| match done.iter().find(|t| t.name == fk.parent) {
            Some(t) => Parent::Table(t),
            None if fk.parent == tp.name => Parent::Itself,
            None => Parent::Missing,
        })
        .collect();
    let mut rows = tp.rows;
    for (fk, parent) in tp.fks.iter().zip(&parents) {
        if let Parent::Table(p) = parent {
            if fk.unique {
                rows = rows.min(unique_parent_rows(p.rows));
            }
            if p.rows == 0 && !fk.nullable {
                rows = 0;
            }
        }
    }

    let positions: Vec<Positions> = tp
        .groups
        .iter()
        .map(|g| {
            if g.sequential {
                return Positions::Sequential;
            }
            let mut rng = Rng::for_parts(seed, &[&tp.name, "group", &tp.columns[g.columns[0]].name]);
            let drawn = (0..rows)
                .map(|r| {
                    let draw = rng.next_u64();
                    match EDGE_POSITIONS.get(r) {
                        Some(&j) if j < g.range => j,
                        _ => below(draw, g.range),
                    }
                })
                .collect();
            Positions::Drawn(drawn)
        })
        .collect();
    let parent_rows: Vec<Vec<Option<usize>>> = tp
        .fks
        .iter()
        .zip(&parents)
        .enumerate()
        .map(|(f, (fk, parent))| {
            let (available, itself) = match parent {
                Parent::Table(p) => (p.rows, false),
                Parent::Itself => (rows, true),
                Parent::Missing => (0, false),
            };
            let mut rng = Rng::for_parts(seed, &[&tp.name, "fk", &f.to_string()]);
            (0..rows).map(|r| parent_row(fk, r, rng.next_u64(), available, itself)).collect()
        })
        .collect();

    // Columns that copy from this very table wait for the others.
    let mut columns: Vec<Option<SynthColumn>> = tp
        .columns
        .par_iter()
        .map(|c| match c.role {
            Role::Foreign { fk, .. } if matches!(parents[fk], Parent::Itself) => None,
            _ => Some(make_column(plan, tp, c, rows, seed, &positions, &parents, &parent_rows, None)),
        })
        .collect();
    let firsts: Vec<SynthColumn> = columns.iter().flatten().cloned().collect();
    let itself = SynthTable { name: tp.name.clone(), columns: Vec::new(), rows };
    let pending: Vec<(usize, SynthColumn)> = tp
        .columns
        .par_iter()
        .enumerate()
        .filter(|(i, _)| columns[*i].is_none())
        .map(|(i, c)| {
            let own = SynthTable { columns: order_like(tp, &firsts), ..itself.clone() };
            (i, make_column(plan, tp, c, rows, seed, &positions, &parents, &parent_rows, Some(&own)))
        })
        .collect();
    for (i, column) in pending {
        columns[i] = Some(column);
    }
    let columns: Vec<SynthColumn> = columns.into_iter().flatten().collect();
    let mut table = SynthTable { name: tp.name.clone(), columns, rows };
    for draw in &tp.tuples {
        if let (Some(parent), Positions::Drawn(drawn)) =
            (done.iter().find(|t| t.name == draw.parent), &positions[draw.group])
        {
            copy_tuples(tp, draw, drawn, parent, &mut table, seed);
        }
    }
    mirror(tp, &mut table);
    super::relate::relate(plan, tp, &mut table, done);
    repeat_rows(tp, &mut table);
    drop_repeated_keys(&mut table, &tp.dedup_keys);
    table
}

/// The columns made so far, in the table's column positions (a column not made yet is empty).
fn order_like(tp: &TablePlan, made: &[SynthColumn]) -> Vec<SynthColumn> {
    tp.columns
        .iter()
        .map(|c| {
            made.iter().find(|m| m.name == c.name).cloned().unwrap_or_else(|| SynthColumn {
                name: c.name.clone(),
                sql_type: c.sql_type.clone(),
                duckdb_type: c.ty.duckdb(),
                values: Vec::new(),
            })
        })
        .collect()
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call shape for every caller; a struct would only rename the arguments"
)]
fn make_column(
    plan: &Plan,
    tp: &TablePlan,
    c: &ColumnPlan,
    rows: usize,
    seed: u64,
    positions: &[Positions],
    parents: &[Parent],
    parent_rows: &[Vec<Option<usize>>],
    itself: Option<&SynthTable>,
) -> SynthColumn {
    let mut rng = Rng::for_parts(seed, &[&tp.name, &c.name]);
    let mut values = Vec::with_capacity(rows);
    match c.role {
        Role::Free => {
            for r in 0..rows {
                values.push(free_value(c, r, rng.next_u64()));
            }
        }
        Role::Pool { class, member, group } => {
            let class: &Class = &plan.classes[class];
            let drawn = !matches!(positions[group], Positions::Sequential);
            for r in 0..rows {
                let draw = rng.next_u64();
                let null =
                    c.nullable && drawn && (r == NULL_EDGE_ROW || (r > NULL_EDGE_ROW && draw.is_multiple_of(16)));
                values.push((!null).then(|| {
                    let value = class.value(class.id(member, positions[group].at(r)));
                    if c.lift.is_empty() {
                        return value;
                    }
                    // A value the spec's functions map onto the class's; where none exists the
                    // row takes an ordinary value, and misses.
                    super::derive::land(&c.ty, &c.lift, value, r, draw)
                        .unwrap_or_else(|| c.ty.ordinary(draw >> 8, c.words, &c.prefix))
                }));
            }
        }
        Role::Foreign { fk, position } => {
            let fk_plan: &FkPlan = &tp.fks[fk];
            let source = match &parents[fk] {
                Parent::Table(p) => Some(*p),
                Parent::Itself => itself,
                Parent::Missing => None,
            };
            let parent_column = source.and_then(|p| p.columns.get(fk_plan.parent_columns[position]));
            for &parent in parent_rows[fk].iter().take(rows) {
                let draw = rng.next_u64();
                let value = match (parent_column, parent) {
                    (Some(col), Some(p)) => col.values.get(p).cloned().flatten(),
                    _ => None,
                };
                // A foreign key closing a cycle cannot copy; a NOT NULL column still gets values.
                let value = match value {
                    None if !c.nullable => Some(c.ty.ordinary(draw, c.words, &c.prefix)),
                    v => v,
                };
                values.push(value);
            }
        }
    }
    SynthColumn { name: c.name.clone(), sql_type: c.sql_type.clone(), duckdb_type: c.ty.duckdb(), values }
}

/// A free column's value: its edge cases first, then a mix of NULLs (1 in 16 where allowed),
/// the spec's literals (7 in 16), near misses (3 in 16), the type's edge cases (1 in 16) and
/// ordinary values.
fn free_value(c: &ColumnPlan, row: usize, draw: u64) -> Option<Value> {
    // Every value drawn stays within the magnitude the spec's expressions allow the column.
    let value = free_value_unbounded(c, row, draw);
    match c.bound {
        Some(bound) => value.map(|v| super::range::within(v, bound)),
        None => value,
    }
}

fn free_value_unbounded(c: &ColumnPlan, row: usize, draw: u64) -> Option<Value> {
    if let Some(edge) = c.edges.get(row) {
        return edge.clone();
    }
    if c.nullable && draw.is_multiple_of(16) {
        return None;
    }
    let pick = (draw >> 4) % 16;
    let rest = draw >> 8;
    let from = |list: &[Value]| list[(rest % list.len() as u64) as usize].clone();
    Some(if !c.hits.is_empty() && pick < 7 {
        from(&c.hits)
    } else if !c.misses.is_empty() && (7..10).contains(&pick) {
        from(&c.misses)
    } else if !c.type_edges.is_empty() && pick == 10 {
        from(&c.type_edges)
    } else {
        c.ty.ordinary(rest, c.words, &c.prefix)
    })
}

/// The parent row a row of a foreign key copies, or `None` for NULL.
///
/// Rows reuse parents (fan-out) and leave some without children: the first rows take parent
/// rows 0, 0, 2, 0, 3 (row 1 gets none), each moved on by the foreign key's place among the
/// foreign keys to the same parent (so siblings leave different parents without children),
/// later rows draw over all the parent rows. A foreign key that is a key of its own table uses
/// each parent row once and skips every eighth, starting at row 1.
fn parent_row(fk: &FkPlan, row: usize, draw: u64, parents: usize, itself: bool) -> Option<usize> {
    if parents == 0 || (fk.nullable && (row == NULL_EDGE_ROW || (row > NULL_EDGE_ROW && draw.is_multiple_of(16)))) {
        return None;
    }
    if fk.unique {
        return Some(if itself { (row + 1) % parents } else { unique_parent_position(row) });
    }
    const EDGE_PARENTS: [usize; 5] = [0, 0, 2, 0, 3];
    match EDGE_PARENTS.get(row).map(|p| p + fk.sibling) {
        Some(p) if p < parents => Some(p),
        // The draw mixed again: its low bits chose NULL above, and the high bits of
        // `draw >> 4` are zero, which kept every draw in the first sixteenth of the parents.
        _ => Some(below(finalize(draw), parents as u64) as usize),
    }
}

/// The r-th parent position that is not 1 modulo 8.
fn unique_parent_position(r: usize) -> usize {
    let (block, offset) = (r / 7, r % 7);
    block * 8 + if offset == 0 { 0 } else { offset + 1 }
}

/// How many rows can each take a different parent among `parents`, skipping every eighth.
fn unique_parent_rows(parents: usize) -> usize {
    let rem = parents % 8;
    parents / 8 * 7 + if rem <= 1 { rem } else { rem - 1 }
}

/// Makes the first rows after every column's edge values repeat later, ordinary rows in every
/// column outside the table's keys: rows of the same group (the same parent, the same join values)
/// with the same values, the duplicates a `SUM(DISTINCT …)` or a `UNION` drops and the spec
/// counts twice. Rows the edge values fill are left alone, so no edge case is lost.
fn repeat_rows(tp: &TablePlan, table: &mut SynthTable) {
    let first = tp.columns.iter().map(|c| c.edges.len()).max().unwrap_or(0).max(EDGE_POSITIONS.len());
    // Keys stay (they are unique by construction, or rows repeating them are dropped), and so
    // do the columns made unique along with them; a foreign key moves whole, so it still
    // points at one parent row.
    let mut kept: HashSet<usize> = tp.key_columns.iter().copied().collect();
    kept.extend(tp.groups.iter().filter(|g| g.sequential).flat_map(|g| g.columns.iter().copied()));
    for fk in &tp.fks {
        if fk.columns.iter().any(|c| kept.contains(c)) {
            kept.extend(fk.columns.iter().copied());
        }
    }
    let copied: Vec<usize> = (0..table.columns.len()).filter(|c| !kept.contains(c)).collect();
    // The rows repeated are ordinary rows (edge rows mostly join to nothing or to NULLs, which
    // would hide the duplicate) whose repeated values are neither NULL nor their type's
    // simplest (zero, the empty string), which a DISTINCT would not tell apart from one.
    let columns = &table.columns;
    let plain =
        |r: &usize| copied.iter().all(|&c| columns[c].values[*r].as_ref().is_some_and(|v| !v.simpler().is_empty()));
    let sources: Vec<usize> = (first + REPEATED_ROWS..table.rows).filter(plain).take(REPEATED_ROWS).collect();
    for (k, source) in sources.into_iter().enumerate() {
        let row = first + k;
        if row >= table.rows {
            break;
        }
        for &c in &copied {
            let value = table.columns[c].values[source].clone();
            table.columns[c].values[row] = value;
        }
    }
}

/// Gives the rows of a tuple-drawn group the key of a row of `parent`: position `j` takes
/// parent row `j` (modulo its rows), so rows drawing one position share a parent (fan-out) and
/// positions never drawn leave parents without rows; positions at [`TUPLE_MISS_AT`] keep their
/// drawn values (a miss), at [`TUPLE_PARTIAL_AT`] the last column comes from the next parent
/// row (a near miss). A NULL drawn stays NULL; a NULL of the parent is not copied into a NOT
/// NULL column. A lifted column takes a value its functions map onto the parent's
/// ([`super::derive::land`]), or keeps its own where there is none.
fn copy_tuples(
    tp: &TablePlan,
    draw: &TupleDraw,
    drawn: &[u64],
    parent: &SynthTable,
    table: &mut SynthTable,
    seed: u64,
) {
    if parent.rows == 0 || draw.columns.len() != draw.parent_columns.len() {
        return;
    }
    let mut rng = Rng::for_parts(seed, &[&tp.name, "tuple", &draw.parent]);
    for (r, &j) in drawn.iter().enumerate().take(table.rows) {
        let random = rng.next_u64();
        if j % 8 == TUPLE_MISS_AT {
            continue;
        }
        let p = (j % parent.rows as u64) as usize;
        let last = draw.columns.len() - 1;
        for (k, (&c, &pc)) in draw.columns.iter().zip(&draw.parent_columns).enumerate() {
            let from = if k == last && last > 0 && j % 8 == TUPLE_PARTIAL_AT { (p + 1) % parent.rows } else { p };
            let Some(value) = parent.columns.get(pc).and_then(|col| col.values.get(from)) else { continue };
            let plan = &tp.columns[c];
            let value = match value {
                Some(v) if !plan.lift.is_empty() => {
                    match super::derive::land(&plan.ty, &plan.lift, v.clone(), r, random) {
                        Some(landed) => Some(landed),
                        None => continue,
                    }
                }
                v => v.clone(),
            };
            let cell = &mut table.columns[c].values[r];
            if cell.is_some() && (value.is_some() || plan.nullable) {
                *cell = value;
            }
        }
    }
}

/// Makes the columns the spec compares with each other equal on some rows after the edge
/// rows: random values of two columns are almost never equal, and `<` against `<=` differs only
/// there. A NULL copied into a NOT NULL column is left out.
fn mirror(tp: &TablePlan, table: &mut SynthTable) {
    let first = tp.columns.iter().map(|c| c.edges.len()).max().unwrap_or(0).max(EDGE_POSITIONS.len());
    for &(from, to) in &tp.mirrors {
        for r in (first..table.rows).filter(|r| r % MIRROR_EVERY == MIRROR_AT) {
            let value = table.columns[from].values[r].clone();
            if value.is_some() || tp.columns[to].nullable {
                table.columns[to].values[r] = value;
            }
        }
    }
}

/// How many rows [`repeat_rows`] repeats.
const REPEATED_ROWS: usize = 3;

/// Drops rows that repeat an earlier row's key, or hold a NULL in it, for the keys generation
/// could not make unique by construction.
fn drop_repeated_keys(table: &mut SynthTable, keys: &[Vec<usize>]) {
    if keys.is_empty() {
        return;
    }
    let mut keep = vec![true; table.rows];
    for key in keys {
        let mut seen: HashSet<Vec<String>> = HashSet::new();
        for (r, kept) in keep.iter_mut().enumerate() {
            let tuple: Option<Vec<String>> =
                key.iter().map(|&c| table.columns[c].values[r].as_ref().map(Value::to_text)).collect();
            match tuple {
                Some(t) if *kept && !seen.contains(&t) => {
                    seen.insert(t);
                }
                _ => *kept = false,
            }
        }
    }
    for column in &mut table.columns {
        let mut r = 0;
        column.values.retain(|_| {
            r += 1;
            keep[r - 1]
        });
    }
    table.rows = keep.iter().filter(|k| **k).count();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_and_catalog(filter: &str) -> (LoadedSpec, Catalog) {
        let text = format!(
            r#"{{"schema": {{"raw_schema": "raw", "staging_schema": "s", "final_schema": "f"}}, "models": [
            {{"name": "m", "layer": "staging", "sources": ["raw.a"],
             "column_mapping": [{{"target_column": "paid", "type": "TIMESTAMP", "from_table": "a", "from_column": "paid"}}],
             "filters": [{{"applies_to": "a", "predicate": "{filter}"}}]}}]}}"#
        );
        let loaded = crate::spec::load::parse_spec("spec.json", text).unwrap();
        let mut catalog = Catalog::default();
        crate::spec::catalog::add_ddl_text(
            &mut catalog,
            &mut Vec::new(),
            "CREATE TABLE raw.a (paid TIMESTAMP, due TIMESTAMP NOT NULL, status STRING);",
            "a.sql",
        );
        (loaded, catalog)
    }

    #[test]
    fn columns_compared_with_each_other_are_sometimes_equal() {
        let equal_rows = |filter: &str| {
            let (loaded, catalog) = spec_and_catalog(filter);
            let data = synthesize(&loaded, &catalog, &SynthOptions { seed: 7, rows: 100 });
            let t = data.table("raw.a").unwrap();
            let (paid, due) = (&t.column("paid").unwrap().values, &t.column("due").unwrap().values);
            (0..t.rows).filter(|&r| paid[r].is_some() && paid[r] == due[r]).count()
        };
        assert!(equal_rows("a.paid <= a.due") >= 5, "a `<=` between two columns meets equal values");
        assert_eq!(equal_rows("a.paid IS NOT NULL"), 0, "columns never compared stay apart");
    }

    #[test]
    fn the_code_s_literals_are_met_too() {
        let (loaded, catalog) = spec_and_catalog("a.paid IS NOT NULL");
        let code = crate::sql::parse::parse_statements(
            "SELECT * FROM raw.a AS x WHERE x.status = 'Archived-7'",
            crate::spec::model::Dialect::Bigquery,
        )
        .unwrap();
        let options = SynthOptions { seed: 3, rows: 50 };
        let has = |data: &Dataset| {
            let t = data.table("raw.a").unwrap();
            t.column("status").unwrap().values.iter().any(|v| v == &Some(Value::Str("Archived-7".into())))
        };
        assert!(has(&synthesize_for(&loaded, &catalog, &[&code], &options)));
        assert!(!has(&synthesize(&loaded, &catalog, &options)));
    }

    /// A spec joining `raw.e` to `raw.c` on (emp, seq), with `raw.c` keyed on (emp, seq) and
    /// emp a foreign key to `raw.p`, which `raw.o` references too.
    fn tuple_spec_and_catalog() -> (LoadedSpec, Catalog) {
        let text = r#"{"schema": {"raw_schema": "raw", "staging_schema": "s", "final_schema": "f"}, "models": [
            {"name": "m", "layer": "staging", "sources": ["raw.e", "raw.c"],
             "column_mapping": [{"target_column": "emp", "type": "INT64", "from_table": "e", "from_column": "emp"}],
             "joins": [{"left_table": "e", "right_table": "c", "type": "LEFT",
                        "condition": "e.emp = c.emp AND e.seq = c.seq"}]}]}"#;
        let loaded = crate::spec::load::parse_spec("spec.json", text.to_string()).unwrap();
        let mut catalog = Catalog::default();
        crate::spec::catalog::add_ddl_text(
            &mut catalog,
            &mut Vec::new(),
            "CREATE TABLE raw.p (id INT64 NOT NULL, PRIMARY KEY (id) NOT ENFORCED);
             CREATE TABLE raw.c (emp INT64 NOT NULL, seq INT64 NOT NULL, kind STRING,
               PRIMARY KEY (emp, seq) NOT ENFORCED, FOREIGN KEY (emp) REFERENCES raw.p(id) NOT ENFORCED);
             CREATE TABLE raw.o (id INT64 NOT NULL, p_id INT64 NOT NULL, PRIMARY KEY (id) NOT ENFORCED,
               FOREIGN KEY (p_id) REFERENCES raw.p(id) NOT ENFORCED);
             CREATE TABLE raw.e (emp INT64 NOT NULL, day DATE NOT NULL, line INT64 NOT NULL, seq INT64,
               PRIMARY KEY (emp, day, line) NOT ENFORCED);",
            "ddl.sql",
        );
        (loaded, catalog)
    }

    /// A column's values as text (`None` for NULL).
    fn column(data: &Dataset, table: &str, column: &str) -> Vec<Option<String>> {
        data.table(table)
            .unwrap()
            .column(column)
            .unwrap()
            .values
            .iter()
            .map(|v| v.as_ref().map(Value::to_text))
            .collect()
    }

    #[test]
    fn composite_join_keys_are_drawn_as_the_parent_s_tuples() {
        let (loaded, catalog) = tuple_spec_and_catalog();
        let data = synthesize(&loaded, &catalog, &SynthOptions { seed: 5, rows: 200 });
        let parent: HashSet<(Option<String>, Option<String>)> =
            column(&data, "raw.c", "emp").into_iter().zip(column(&data, "raw.c", "seq")).collect();
        let (emp, seq) = (column(&data, "raw.e", "emp"), column(&data, "raw.e", "seq"));
        let matched = (0..emp.len()).filter(|&r| parent.contains(&(emp[r].clone(), seq[r].clone()))).count();
        assert!(matched * 10 >= emp.len() * 6, "most rows match a parent's tuple: {matched} of {}", emp.len());
        assert!(matched < emp.len(), "some rows miss, for a LEFT join");
        // The key of the referencing table stays unique.
        let t = data.table("raw.e").unwrap();
        let keys: HashSet<String> = (0..t.rows)
            .map(|r| ["emp", "day", "line"].map(|c| format!("{:?}", t.column(c).unwrap().values[r])).join("|"))
            .collect();
        assert_eq!(keys.len(), t.rows);
    }

    #[test]
    fn sibling_foreign_keys_leave_different_parents_unreferenced() {
        let (loaded, catalog) = tuple_spec_and_catalog();
        let referenced = |data: &Dataset, table: &str, column_name: &str| -> HashSet<Option<String>> {
            column(data, table, column_name).into_iter().collect()
        };
        for rows in [4, 200] {
            let data = synthesize(&loaded, &catalog, &SynthOptions { seed: 9, rows });
            let (a, b) = (referenced(&data, "raw.c", "emp"), referenced(&data, "raw.o", "p_id"));
            assert!(a.difference(&b).next().is_some() && b.difference(&a).next().is_some(), "{rows} rows");
        }
        // Draws reach the whole parent table, not its first rows only.
        let data = synthesize(&loaded, &catalog, &SynthOptions { seed: 9, rows: 200 });
        assert!(referenced(&data, "raw.o", "p_id").len() > 100);
    }

    #[test]
    fn a_column_derived_upstream_meets_the_raw_column_it_is_grouped_with() {
        // `day` is DATE() of a raw timestamp in a staging model; the aggregate matches its
        // sources on it and on `kind`. The timestamps land on the spend days, several per day
        // at different times, and some on days no spend row has.
        let text = r#"{"schema": {"raw_schema": "raw", "staging_schema": "s", "final_schema": "f"}, "models": [
            {"name": "stg", "layer": "staging", "sources": ["raw.clicks"],
             "column_mapping": [{"target_column": "kind", "type": "INT64", "from_table": "clicks", "from_column": "kind"},
                                {"target_column": "day", "type": "DATE", "from_table": "clicks", "from_column": "at",
                                 "transform": "DATE({from})"}]},
            {"name": "daily", "layer": "final", "sources": ["raw.spend", "stg"],
             "aggregations": [{"metric_column": "spent", "type": "NUMERIC", "formula": "SUM(amount)"},
                              {"metric_column": "n", "type": "INT64", "formula": "COUNT(kind)"}],
             "group_by": ["kind", "day"]}]}"#;
        let loaded = crate::spec::load::parse_spec("spec.json", text.to_string()).unwrap();
        let mut catalog = Catalog::default();
        crate::spec::catalog::add_ddl_text(
            &mut catalog,
            &mut Vec::new(),
            "CREATE TABLE raw.clicks (kind INT64, at TIMESTAMP); \
             CREATE TABLE raw.spend (kind INT64, day DATE NOT NULL, amount NUMERIC);",
            "d.sql",
        );
        let data = synthesize(&loaded, &catalog, &SynthOptions { seed: 5, rows: 60 });
        let days: HashSet<i64> = data
            .table("raw.spend")
            .unwrap()
            .column("day")
            .unwrap()
            .values
            .iter()
            .filter_map(|v| match v {
                Some(Value::Date(d)) => Some(i64::from(*d)),
                _ => None,
            })
            .collect();
        let at: Vec<i64> = data
            .table("raw.clicks")
            .unwrap()
            .column("at")
            .unwrap()
            .values
            .iter()
            .filter_map(|v| match v {
                Some(Value::Timestamp(t)) => Some(*t),
                _ => None,
            })
            .collect();
        let day = |t: &i64| t.div_euclid(super::super::value::MICROS_PER_DAY);
        let landed: Vec<&i64> = at.iter().filter(|t| days.contains(&day(t))).collect();
        assert!(landed.len() * 2 > at.len(), "most clicks land on a spend day: {} of {}", landed.len(), at.len());
        assert!(landed.len() < at.len(), "some clicks miss every spend day");
        let distinct_days: HashSet<i64> = landed.iter().map(|t| day(t)).collect();
        assert!(distinct_days.len() < landed.len(), "several clicks share a day");
        let distinct_times: HashSet<&i64> = landed.iter().copied().collect();
        assert!(distinct_times.len() > distinct_days.len(), "one day is met at several times");
    }

    #[test]
    fn unique_parent_positions_skip_one_in_eight() {
        let positions: Vec<usize> = (0..9).map(unique_parent_position).collect();
        assert_eq!(positions, [0, 2, 3, 4, 5, 6, 7, 8, 10]);
        for parents in 0..40 {
            let n = unique_parent_rows(parents);
            assert!(n == 0 || unique_parent_position(n - 1) < parents, "{parents}");
            assert!(unique_parent_position(n) >= parents, "{parents}");
        }
    }

    #[test]
    fn a_key_of_a_foreign_key_and_a_derived_day_is_drawn_as_the_other_table_s_tuples() {
        // The aggregate matches clicks to spend rows on (campaign, day): the campaign is a
        // foreign key in both tables, the day is DATE() of the click's timestamp. Drawn part by
        // part, a click would almost never meet a spend row on both.
        let text = r#"{"schema": {"raw_schema": "raw", "staging_schema": "s", "final_schema": "f"}, "models": [
            {"name": "stg", "layer": "staging", "sources": ["raw.clicks"],
             "column_mapping": [{"target_column": "cid", "type": "INT64", "from_table": "clicks", "from_column": "cid"},
                                {"target_column": "day", "type": "DATE", "from_table": "clicks", "from_column": "at",
                                 "transform": "DATE({from})"}]},
            {"name": "daily", "layer": "final", "sources": ["raw.spend", "stg"],
             "aggregations": [{"metric_column": "spent", "type": "NUMERIC", "formula": "SUM(amount)"},
                              {"metric_column": "n", "type": "INT64", "formula": "COUNT(cid)"}],
             "group_by": ["cid", "day"]}]}"#;
        let loaded = crate::spec::load::parse_spec("spec.json", text.to_string()).unwrap();
        let mut catalog = Catalog::default();
        crate::spec::catalog::add_ddl_text(
            &mut catalog,
            &mut Vec::new(),
            "CREATE TABLE raw.campaigns (id INT64 NOT NULL, PRIMARY KEY (id) NOT ENFORCED); \
             CREATE TABLE raw.spend (cid INT64 NOT NULL, day DATE NOT NULL, amount NUMERIC, \
               PRIMARY KEY (cid, day) NOT ENFORCED, FOREIGN KEY (cid) REFERENCES raw.campaigns(id) NOT ENFORCED); \
             CREATE TABLE raw.clicks (id STRING NOT NULL, cid INT64, at TIMESTAMP, PRIMARY KEY (id) NOT ENFORCED, \
               FOREIGN KEY (cid) REFERENCES raw.campaigns(id) NOT ENFORCED);",
            "d.sql",
        );
        let data = synthesize(&loaded, &catalog, &SynthOptions { seed: 5, rows: 200 });
        let pairs: HashSet<(Option<String>, Option<String>)> =
            column(&data, "raw.spend", "cid").into_iter().zip(column(&data, "raw.spend", "day")).collect();
        let campaigns: HashSet<Option<String>> = column(&data, "raw.campaigns", "id").into_iter().collect();
        let clicks = data.table("raw.clicks").unwrap();
        let (cid, at) = (column(&data, "raw.clicks", "cid"), &clicks.column("at").unwrap().values);
        let mut met = 0;
        for r in 0..clicks.rows {
            assert!(cid[r].is_none() || campaigns.contains(&cid[r]), "row {r}: the foreign key still holds");
            let day = match &at[r] {
                Some(Value::Timestamp(t)) => i32::try_from(t.div_euclid(super::super::value::MICROS_PER_DAY))
                    .ok()
                    .map(|d| Value::Date(d).to_text()),
                _ => None,
            };
            met += usize::from(pairs.contains(&(cid[r].clone(), day)));
        }
        assert!(met * 2 > clicks.rows, "most clicks meet a spend row on both parts: {met} of {}", clicks.rows);
        assert!(met < clicks.rows * 9 / 10, "some miss, for the days without clicks and the LEFT join");
    }
}
