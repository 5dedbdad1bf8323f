//! The plan: where each source column's values come from, decided once from the catalog and
//! the harvest before any row is made.
//!
//! A column is one of three things:
//! - **foreign**: it declares a foreign key, so every value is copied from a row of the
//!   referenced table (generated first);
//! - **pooled**: it is compared with other tables' columns (a join, an aggregate's implicit
//!   join), or it is a key. Columns compared with each other share a *class*: one sequence of
//!   distinct values, some in every member and some in one member only, so joins both match
//!   and miss. Columns of one table that one join compares together form a *group* that draws
//!   one position per row, so composite keys match as tuples. A key makes its group
//!   *sequential* (row r takes position r: unique); otherwise positions repeat (fan-out) and
//!   some are never drawn (a parent without children);
//! - **free**: anything else, drawn from the literals the spec compares it with, their near
//!   misses, the type's edge cases and ordinary values that repeat.
//!
//! The first rows of every column take its edge cases in order, so that a handful of rows
//! already reaches every branch the spec states.

use super::derive::{lands_on, Step};
use super::harvest::{harvest, harvest_code, ColKey, Harvest, Probe};
use super::regex::{mixed, Regex, Sampled};
use super::rng::Rng;
use super::types::{other_case, prefix_of, vocabulary, Kind, Ty};
use super::value::Value;
use crate::spec::catalog::Catalog;
use crate::spec::model::Spec;
use crate::spec::resolve::query::ModelQuery;
use sqlparser::ast::Statement;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Draw positions of the first rows of a group that is not sequential: the first shared value
/// twice (fan-out), a value only this table has (a miss), the next shared values, and the first
/// again (three children for one parent).
pub(crate) const EDGE_POSITIONS: [u64; 6] = [0, 0, 1, 2, 0, 3];
/// The row of a pooled or foreign nullable column that is NULL, after its edge positions.
pub(crate) const NULL_EDGE_ROW: usize = 5;

/// The plan of a whole dataset.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Tables, referenced tables before the tables that reference them.
    pub tables: Vec<TablePlan>,
    /// Shared value sequences.
    pub classes: Vec<Class>,
    /// Comparisons across tables that some rows are made to sit on the boundary of.
    pub relations: Vec<super::relations::Relation>,
}

/// One table's plan.
#[derive(Debug)]
pub(crate) struct TablePlan {
    pub name: String,
    pub columns: Vec<ColumnPlan>,
    pub groups: Vec<Group>,
    pub fks: Vec<FkPlan>,
    /// Rows to make, before a foreign key to a smaller table lowers it.
    pub rows: usize,
    /// Keys generation cannot make unique by construction: rows repeating one are dropped.
    pub dedup_keys: Vec<Vec<usize>>,
    /// Every column of a declared key (primary or unique).
    pub key_columns: BTreeSet<usize>,
    /// (from, to): free columns of one type the spec compares with each other; some rows copy
    /// `from` into `to` so the two are equal ([`MIRROR_EVERY`]).
    pub mirrors: Vec<(usize, usize)>,
    /// Groups drawn as whole tuples of another table's rows ([`plan_tuples`]).
    pub tuples: Vec<TupleDraw>,
}

/// A group of pooled columns that one join compares with a composite key of another table
/// whose columns do not come from one shared sequence (part of it is a foreign key to a third
/// table, or its parts are drawn apart): matching each column alone would almost never match
/// the tuple, so rows copy the tuple of a row of that table ([`TUPLE_MISS_AT`] aside).
#[derive(Debug)]
pub(crate) struct TupleDraw {
    /// The group whose drawn positions pick the parent rows.
    pub group: usize,
    /// The columns that copy, the group's or (for a key mixing foreign, lifted and pooled
    /// columns, [`plan_mixed_tuples`]) the join's.
    pub columns: Vec<usize>,
    pub parent: String,
    /// The parent's columns, in the order of `columns`.
    pub parent_columns: Vec<usize>,
}

/// Rows of a tuple-drawn group whose position `j` has `j % 8` here keep their own drawn values
/// (no parent row has them: a LEFT join misses) — the class's own position; at
/// [`TUPLE_PARTIAL_AT`] they copy all but the last column, which comes from the next parent
/// row (one part matches, the whole rarely does).
pub(crate) const TUPLE_MISS_AT: u64 = 1;
/// See [`TUPLE_MISS_AT`].
pub(crate) const TUPLE_PARTIAL_AT: u64 = 5;

/// Rows `r` with `r % MIRROR_EVERY == MIRROR_AT`, after the edge rows, make compared columns
/// equal.
pub(crate) const MIRROR_EVERY: usize = 8;
/// See [`MIRROR_EVERY`].
pub(crate) const MIRROR_AT: usize = 3;

/// Pooled columns of one table drawn together.
#[derive(Debug)]
pub(crate) struct Group {
    pub columns: Vec<usize>,
    /// Row r takes position r, so every member column is unique.
    pub sequential: bool,
    /// Positions are drawn below this.
    pub range: u64,
}

/// A declared foreign key.
#[derive(Debug)]
pub(crate) struct FkPlan {
    pub parent: String,
    pub parent_columns: Vec<usize>,
    pub columns: Vec<usize>,
    /// The referencing columns hold a key of their table: each parent row is used once.
    pub unique: bool,
    /// Every referencing column may be null.
    pub nullable: bool,
    /// How many foreign keys to the same parent come before this one (tables in catalog
    /// order): siblings start their first rows on different parents, so each leaves parents
    /// the other references (an implicit join of the two meets a group one side lacks).
    pub sibling: usize,
}

/// One column's plan.
#[derive(Debug, Clone)]
pub(crate) struct ColumnPlan {
    pub name: String,
    pub sql_type: String,
    pub ty: Ty,
    pub nullable: bool,
    pub role: Role,
    /// Values the first rows take, in order (free columns).
    pub edges: Vec<Option<Value>>,
    /// Literals the spec compares the column with.
    pub hits: Vec<Value>,
    /// Their near misses, and strings that miss the spec's patterns.
    pub misses: Vec<Value>,
    /// The type's edge cases.
    pub type_edges: Vec<Value>,
    pub words: &'static [&'static str],
    pub prefix: String,
    /// The largest absolute value the spec's expressions allow it ([`super::range`]), if any.
    pub bound: Option<f64>,
    /// A pooled column compared through these functions with columns of another type: it
    /// draws values the functions map onto its class's values ([`super::derive`]).
    pub lift: Vec<Step>,
}

/// Where a column's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Free,
    Pool { class: usize, member: usize, group: usize },
    Foreign { fk: usize, position: usize },
}

/// A sequence of distinct values shared by the columns the spec compares with each other.
///
/// Position j of member m is a value *id*: most positions are shared (the same id for every
/// member, so rows match across tables), and every eighth, starting at position 1, is the
/// member's own (no other member has it, so a LEFT join misses). Ids map to values through the
/// literals the spec compares members with (the first shared ids), then the type's injective
/// [`Ty::unique`]. An own string is, where it can be, a near miss of a shared one (`usd` for
/// `USD`, ` USD`): the join misses that a case or a stray space causes.
#[derive(Debug)]
pub(crate) struct Class {
    pub ty: Ty,
    members: usize,
    literals: Vec<Value>,
    /// The members' edge values (their near misses, pattern misses, the type's edge cases),
    /// on the shared ids after the literals ([`Class::with_edges`]).
    edges: Vec<Value>,
    /// Ids of [`Ty::unique`] that would repeat a literal or an edge value, skipped.
    skipped: Vec<u64>,
    words: &'static [&'static str],
    prefix: String,
    own: bool,
    /// Ids past the literals start here (0 but for [`DERIVED_DAYS_START`]).
    start: u64,
}

/// Where the ids of a date class with a member derived from timestamps start: the type's
/// unique dates begin three years before its ordinary values, and timestamps landing there would
/// never meet the other timestamps the spec compares them with by range (a 30-day window).
const DERIVED_DAYS_START: u64 = 1096;

impl Class {
    fn new(ty: Ty, members: usize, literals: Vec<Value>, column: &str) -> Class {
        let words = vocabulary(column);
        let prefix = prefix_of(column);
        // A string class of one member (a key nothing else is pooled with, a key only foreign
        // keys copy) owns values too: near misses of its own shared values, the padded or
        // other-case twin a normalising transform folds onto the original.
        let alone = members == 1 && ty.kind == Kind::Str && ty.max_len.is_none();
        let own = (members > 1 || alone) && ty.capacity().is_none_or(|c| c >= 64);
        let skipped = skips(&ty, &literals, words, &prefix);
        Class { ty, members, literals, edges: Vec::new(), skipped, words, prefix, own, start: 0 }
    }

    /// The class with `edges` (the edge values of its members' columns, as a free column would
    /// take them) on the shared ids right after the literals, so that keys and joined columns
    /// reach the same edge cases free columns do, every member alike (a join matches on them).
    /// Values already among the literals, repeated, or not of the type are left out. Shared
    /// ids past them give the values they gave before, shifted.
    pub(crate) fn with_edges(mut self, edges: Vec<Value>) -> Class {
        let mut kept: Vec<Value> = Vec::new();
        for value in edges {
            if self.ty.fits(&value) && !self.literals.contains(&value) && !kept.contains(&value) {
                kept.push(value);
            }
        }
        let taken: Vec<Value> = self.literals.iter().chain(&kept).cloned().collect();
        self.skipped = skips(&self.ty, &taken, self.words, &self.prefix);
        self.edges = kept;
        self
    }

    /// The id [`Ty::unique`] and the variants see for `id`: a shared id past the literals and
    /// the edge values moves back over the edge values, so it maps as it would without them.
    fn shifted(&self, id: u64) -> u64 {
        let k = self.stride();
        let before = (self.literals.len() + self.edges.len()) as u64;
        if id.is_multiple_of(k) && id / k >= before {
            id - self.edges.len() as u64 * k
        } else {
            id
        }
    }

    fn stride(&self) -> u64 {
        if self.own {
            self.members as u64 + 1
        } else {
            1
        }
    }

    /// The id at position `j` of member `member`.
    pub(crate) fn id(&self, member: usize, j: u64) -> u64 {
        if !self.own {
            return j;
        }
        let k = self.stride();
        let (block, r) = (j / 8, j % 8);
        if r == 1 {
            block * k + 1 + member as u64
        } else {
            (block * 7 + r - u64::from(r > 1)) * k
        }
    }

    /// The value of an id.
    pub(crate) fn value(&self, id: u64) -> Value {
        let k = self.stride();
        if id.is_multiple_of(k) {
            let shared = (id / k) as usize;
            if let Some(literal) = self.literals.get(shared) {
                return literal.clone();
            }
            if let Some(edge) = shared.checked_sub(self.literals.len()).and_then(|e| self.edges.get(e)) {
                return edge.clone();
            }
        } else if let Some(v) = self.variant((id % k - 1) as usize, id / k) {
            return v;
        }
        let id = self.shifted(id);
        // The vocabulary goes to shared ids, densely (shared id s is word s), so every member
        // sees the readable values; everything else takes ids past the vocabulary, apart from it.
        let words = self.words.len() as u64;
        if self.ty.kind == Kind::Str && self.ty.max_len.is_none() && words > 0 {
            let shared = self.remap(id / k);
            let t = if id.is_multiple_of(k) && shared < words { shared } else { self.remap(words + id) };
            return self.ty.unique(t, self.words, &self.prefix);
        }
        self.ty.unique(self.remap(id + self.start), self.words, &self.prefix)
    }

    fn remap(&self, id: u64) -> u64 {
        let mut t = id;
        for &s in &self.skipped {
            if s <= t {
                t += 1;
            }
        }
        t
    }

    /// Member `member`'s own value `o` as a near miss of shared value `o`, when that is safe.
    fn variant(&self, member: usize, o: u64) -> Option<Value> {
        if self.ty.kind != Kind::Str || self.ty.max_len.is_some() || self.members > 3 || o % 2 == 1 {
            return None;
        }
        // The near miss of a literal or of an ordinary shared value, never of an edge value
        // (a near miss already, whose own near misses could meet another's).
        let literals = self.literals.len() as u64;
        let shared = if o < literals { o } else { o + self.edges.len() as u64 };
        let Value::Str(base) = self.value(shared * self.stride()) else { return None };
        // Each member takes the three kinds of near miss in turn (other case, leading and
        // trailing padding; members never the same kind at once), so whichever member a
        // transform normalises meets all three; the padding takes turns through the whitespace
        // classes, so a trimmed join key meets a tab or a no-break space as well as a space.
        let turn = (o / 2) as usize;
        let pad = PADDING[turn / 3 % PADDING.len()];
        let text = match (member + turn) % 3 {
            0 => other_case(&base)?,
            1 => format!("{pad}{base}"),
            _ => format!("{base}{pad}"),
        };
        let text = Value::Str(text);
        let clash = matches!(&text, Value::Str(t) if self.words.contains(&t.as_str()))
            || self.literals.contains(&text)
            || self.edges.contains(&text);
        (!clash).then_some(text)
    }

    /// How many positions from 0 have values within the type's capacity, up to `want`.
    fn limit(&self, member: usize, want: u64) -> u64 {
        let Some(capacity) = self.ty.capacity() else { return want };
        let k = self.stride();
        let listed = (self.literals.len() + self.edges.len()) as u64;
        // A shared id among the literals and edge values is that value itself, whatever the
        // capacity says of the ids past them (a BOOL key whose edges are both values).
        let beyond = |id: u64| !(id.is_multiple_of(k) && id / k < listed);
        (0..want)
            .find(|&j| {
                let id = self.id(member, j);
                beyond(id) && self.remap(self.shifted(id) + self.start) >= capacity
            })
            .unwrap_or(want)
    }
}

/// Ids of [`Ty::unique`] whose value is one of `taken` (a literal, an edge value), in order.
fn skips(ty: &Ty, taken: &[Value], words: &[&str], prefix: &str) -> Vec<u64> {
    let mut skipped: Vec<u64> = (0..4096u64)
        .take_while(|t| ty.capacity().is_none_or(|c| *t < c))
        .filter(|&t| taken.contains(&ty.unique(t, words, prefix)))
        .collect();
    for value in taken {
        if let (Kind::Int, Value::Int(n)) = (ty.kind, value) {
            if *n >= 4097 {
                skipped.push(*n as u64 - 1);
            }
        }
    }
    skipped.sort_unstable();
    skipped.dedup();
    skipped
}

/// Plans the dataset for `rows` rows per table.
pub(crate) fn plan(
    spec: &Spec,
    catalog: &Catalog,
    queries: &[Option<ModelQuery>],
    code: &[&[Statement]],
    rows: usize,
    seed: u64,
) -> Plan {
    let mut harvest = harvest(spec, catalog, queries);
    for statements in code {
        harvest_code(&mut harvest, catalog, statements);
    }
    let bounds = super::range::bounds(spec, catalog, queries, rows);
    let mut tables: Vec<TablePlan> = catalog
        .tables
        .values()
        .map(|source| {
            let t = &source.table;
            let columns = t
                .columns
                .iter()
                .map(|c| {
                    let words = vocabulary(&c.name);
                    ColumnPlan {
                        name: c.name.clone(),
                        sql_type: c.written_type.clone(),
                        ty: Ty::of(c.data_type.as_deref(), &c.written_type),
                        nullable: c.nullable,
                        role: Role::Free,
                        edges: Vec::new(),
                        hits: Vec::new(),
                        misses: Vec::new(),
                        type_edges: Vec::new(),
                        words,
                        prefix: prefix_of(&c.name),
                        bound: bounds.get(&(t.name.clone(), c.name.to_ascii_lowercase())).copied(),
                        lift: Vec::new(),
                    }
                })
                .collect();
            TablePlan {
                name: t.name.clone(),
                columns,
                groups: Vec::new(),
                fks: Vec::new(),
                rows,
                dedup_keys: Vec::new(),
                key_columns: BTreeSet::new(),
                mirrors: Vec::new(),
                tuples: Vec::new(),
            }
        })
        .collect();
    let position: HashMap<ColKey, (usize, usize)> = tables
        .iter()
        .enumerate()
        .flat_map(|(ti, t)| {
            t.columns.iter().enumerate().map(move |(ci, c)| ((t.name.clone(), c.name.to_ascii_lowercase()), (ti, ci)))
        })
        .collect();
    let table_index: HashMap<String, usize> = tables.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();

    // Declared keys; a key makes its columns non-null, declared so or not (a unique key too).
    let keys_of: Vec<Vec<Vec<usize>>> = catalog
        .tables
        .values()
        .enumerate()
        .map(|(ti, source)| {
            source
                .table
                .keys
                .iter()
                .filter_map(|k| k.iter().map(|c| find_column(&tables, ti, c)).collect::<Option<Vec<_>>>())
                .collect()
        })
        .collect();
    for (ti, keys) in keys_of.iter().enumerate() {
        for &c in keys.iter().flatten() {
            tables[ti].columns[c].nullable = false;
        }
    }
    // Foreign keys, as declared; one the catalog cannot resolve is left out.
    let mut fk_pairs = Vec::new();
    let mut fks_of: Vec<Vec<FkPlan>> = tables.iter().map(|_| Vec::new()).collect();
    let mut siblings: HashMap<usize, usize> = HashMap::new();
    for (ti, source) in catalog.tables.values().enumerate() {
        for fk in &source.table.foreign_keys {
            let Some(&pi) = table_index.get(fk.references.trim()) else { continue };
            let columns: Option<Vec<usize>> = fk.columns.iter().map(|c| find_column(&tables, ti, c)).collect();
            let parents: Option<Vec<usize>> =
                fk.referenced_columns.iter().map(|c| find_column(&tables, pi, c)).collect();
            let (Some(columns), Some(parent_columns)) = (columns, parents) else { continue };
            let same_types = columns.len() == parent_columns.len()
                && columns
                    .iter()
                    .zip(&parent_columns)
                    .all(|(&c, &p)| tables[ti].columns[c].ty == tables[pi].columns[p].ty);
            if !same_types || columns.is_empty() {
                continue;
            }
            for (&c, &p) in columns.iter().zip(&parent_columns) {
                fk_pairs.push(((ti, c), (pi, p)));
            }
            let nullable = columns.iter().all(|&c| tables[ti].columns[c].nullable);
            let sibling = siblings.entry(pi).or_insert(0);
            fks_of[ti].push(FkPlan {
                parent: tables[pi].name.clone(),
                parent_columns,
                columns,
                unique: false,
                nullable,
                sibling: *sibling,
            });
            *sibling += 1;
        }
    }
    for (ti, fks) in fks_of.into_iter().enumerate() {
        for (f, fk) in fks.iter().enumerate() {
            for (position, &c) in fk.columns.iter().enumerate() {
                if tables[ti].columns[c].role == Role::Free {
                    tables[ti].columns[c].role = Role::Foreign { fk: f, position };
                }
            }
        }
        tables[ti].fks = fks;
    }

    // Classes: columns compared for equality, of one type, joined by union-find.
    let mut uf = UnionFind::default();
    let pairs =
        harvest.equalities.iter().filter_map(|(a, b)| Some((*position.get(a)?, *position.get(b)?))).chain(fk_pairs);
    let mut paired = BTreeSet::new();
    for (a, b) in pairs {
        if tables[a.0].columns[a.1].ty == tables[b.0].columns[b.1].ty {
            uf.union(a, b);
            paired.extend([a, b]);
        }
    }
    lift_columns(&mut tables, &harvest, &position, &keys_of, &paired, &mut uf);
    let mut classes = Vec::new();
    for component in uf.components() {
        let members: Vec<(usize, usize)> = component
            .into_iter()
            .filter(|&(ti, ci)| !matches!(tables[ti].columns[ci].role, Role::Foreign { .. }))
            .collect();
        if members.is_empty() {
            continue;
        }
        // The class holds the values compared, of a member taken as it is.
        let Some(&(t0, c0)) = members.iter().find(|&&(ti, ci)| tables[ti].columns[ci].lift.is_empty()) else {
            continue;
        };
        let ty = tables[t0].columns[c0].ty.clone();
        let mut literals = Vec::new();
        for &(ti, ci) in members.iter().filter(|&&(ti, ci)| tables[ti].columns[ci].lift.is_empty()) {
            let key = (tables[ti].name.clone(), tables[ti].columns[ci].name.to_ascii_lowercase());
            for value in literal_hits(&harvest, &key, &ty) {
                if !literals.contains(&value) {
                    literals.push(value);
                }
            }
        }
        let edges = members
            .iter()
            .flat_map(|&(ti, ci)| edge_values(&tables[ti].name, &tables[ti].columns[ci], &harvest, seed))
            .collect();
        let class = classes.len();
        let mut made = Class::new(ty, members.len(), literals, &tables[t0].columns[c0].name).with_edges(edges);
        if made.ty.kind == Kind::Date
            && members.iter().any(|&(ti, ci)| tables[ti].columns[ci].lift.contains(&Step::Day))
        {
            made.start = DERIVED_DAYS_START;
        }
        classes.push(made);
        for (member, &(ti, ci)) in members.iter().enumerate() {
            tables[ti].columns[ci].role = Role::Pool { class, member, group: usize::MAX };
        }
    }

    for (ti, table) in tables.iter_mut().enumerate() {
        plan_groups_and_keys(table, &keys_of[ti], &harvest, &mut classes, rows, seed);
    }
    for table in &mut tables {
        for column in &mut table.columns {
            plan_free_column(&table.name, column, &harvest, seed);
        }
    }
    // Columns of one table compared with each other: the second copies the first on some rows,
    // when it is free (a key, a joined or a foreign column keeps its own values).
    for (a, b) in &harvest.compared {
        let (Some(&(ta, ca)), Some(&(tb, cb))) = (position.get(a), position.get(b)) else { continue };
        if ta != tb || ca == cb || tables[ta].columns[ca].ty != tables[tb].columns[cb].ty {
            continue;
        }
        let table = &mut tables[ta];
        let free = |c: usize| table.columns[c].role == Role::Free && !table.key_columns.contains(&c);
        let pair = if free(cb) {
            (ca, cb)
        } else if free(ca) {
            (cb, ca)
        } else {
            continue;
        };
        if !table.mirrors.contains(&pair) && !table.mirrors.iter().any(|m| m.1 == pair.1) {
            table.mirrors.push(pair);
        }
    }
    plan_tuples(&mut tables, &keys_of, &harvest, &position);
    let order = parents_first(&tables);
    let mut slots: Vec<Option<TablePlan>> = tables.into_iter().map(Some).collect();
    let tables = order.into_iter().filter_map(|i| slots[i].take()).collect();
    Plan { tables, classes, relations: harvest.relations }
}

/// Joins into a class the columns the spec compares only through functions that change their
/// type (`DATE(clicked_at) = activity_date`), and marks them to draw values the functions map
/// onto the class's. A column that is already compared as it is, a key (its values must stay
/// unique whatever a lift does), or a foreign key keeps its own values.
fn lift_columns(
    tables: &mut [TablePlan],
    harvest: &Harvest,
    position: &HashMap<ColKey, (usize, usize)>,
    keys_of: &[Vec<Vec<usize>>],
    paired: &BTreeSet<(usize, usize)>,
    uf: &mut UnionFind,
) {
    for (under, steps, other) in &harvest.through {
        let (Some(&b), Some(&a)) = (position.get(under), position.get(other)) else { continue };
        let (target, column) = (&tables[a.0].columns[a.1], &tables[b.0].columns[b.1]);
        let eligible = column.ty != target.ty
            && lands_on(column.ty.kind, steps) == Some(target.ty.kind)
            && column.role == Role::Free
            && column.lift.is_empty()
            && target.lift.is_empty()
            && !paired.contains(&b)
            && !keys_of[b.0].iter().flatten().any(|&c| c == b.1);
        if eligible {
            uf.union(a, b);
            tables[b.0].columns[b.1].lift = steps.clone();
        }
    }
}

fn find_column(tables: &[TablePlan], ti: usize, name: &str) -> Option<usize> {
    tables[ti].columns.iter().position(|c| c.name.eq_ignore_ascii_case(name))
}

/// Groups of pooled columns, and how each declared key is made to hold.
fn plan_groups_and_keys(
    table: &mut TablePlan,
    keys: &[Vec<usize>],
    harvest: &Harvest,
    classes: &mut Vec<Class>,
    rows: usize,
    seed: u64,
) {
    let is_free = |table: &TablePlan, c: usize| table.columns[c].role == Role::Free;
    let mut sequential_columns = BTreeSet::new();
    table.key_columns.extend(keys.iter().flatten().copied());
    for key in keys {
        // A key inside one foreign key: each parent row is used once.
        if let Some(fk) = table.fks.iter_mut().find(|fk| key.iter().all(|c| fk.columns.contains(c))) {
            fk.unique = true;
            continue;
        }
        let pooled: Vec<usize> =
            key.iter().copied().filter(|&c| matches!(table.columns[c].role, Role::Pool { .. })).collect();
        let free: Vec<usize> = key.iter().copied().filter(|&c| is_free(table, c)).collect();
        // One column made unique makes the whole key unique. A single pooled column is that
        // column; a composite key prefers a column no join reads, so joined columns keep
        // their fan-out, and among those one the spec compares with nothing (a line number
        // rather than a date a range condition reads), which loses nothing by being unique.
        let unread = |c: &usize| {
            let key = (table.name.clone(), table.columns[*c].name.to_ascii_lowercase());
            harvest.probes.get(&key).is_none_or(Vec::is_empty)
                && !harvest.compared.iter().any(|(a, b)| *a == key || *b == key)
        };
        let free_choice = free.iter().find(|c| unread(c)).or(free.first());
        let choice = match (key.len(), pooled.first(), free_choice) {
            (1, Some(&p), _) => Some(p),
            (_, _, Some(&f)) => Some(f),
            (_, Some(&p), None) => Some(p),
            _ => None,
        };
        match choice {
            Some(c) => {
                if is_free(table, c) {
                    let column = &table.columns[c];
                    let literals =
                        literal_hits(harvest, &(table.name.clone(), column.name.to_ascii_lowercase()), &column.ty);
                    let edges = edge_values(&table.name, column, harvest, seed);
                    classes.push(Class::new(column.ty.clone(), 1, literals, &column.name).with_edges(edges));
                    table.columns[c].role = Role::Pool { class: classes.len() - 1, member: 0, group: usize::MAX };
                }
                sequential_columns.insert(c);
            }
            None => table.dedup_keys.push(key.clone()),
        }
    }

    // Groups: pooled columns of this table that one join compares together.
    let pooled: Vec<usize> =
        (0..table.columns.len()).filter(|&c| matches!(table.columns[c].role, Role::Pool { .. })).collect();
    let mut uf = UnionFind::default();
    for &c in &pooled {
        uf.union((0, c), (0, c));
    }
    for link in &harvest.links {
        let cols: Vec<usize> = link
            .iter()
            .filter(|(t, _)| *t == table.name)
            .filter_map(|(_, name)| pooled.iter().copied().find(|&c| table.columns[c].name.eq_ignore_ascii_case(name)))
            .collect();
        for pair in cols.windows(2) {
            uf.union((0, pair[0]), (0, pair[1]));
        }
    }
    for component in uf.components() {
        let columns: Vec<usize> = component.into_iter().map(|(_, c)| c).collect();
        let sequential = columns.iter().any(|c| sequential_columns.contains(c));
        let g = table.groups.len();
        let mut limit = u64::MAX;
        for &c in &columns {
            if let Role::Pool { class, member, .. } = table.columns[c].role {
                limit = limit.min(classes[class].limit(member, rows.max(8) as u64));
                table.columns[c].role = Role::Pool { class, member, group: g };
            }
        }
        if sequential {
            table.rows = table.rows.min(limit as usize);
        }
        table.groups.push(Group { columns, sequential, range: limit.clamp(1, rows.max(8) as u64) });
    }
}

/// Finds the groups drawn as tuples ([`TupleDraw`]): a drawn group of two or more columns,
/// each compared for equality with a column of one other table, those columns covering a
/// declared key of that table and not all drawn from one group of it (which would line up
/// with this one by position already).
fn plan_tuples(
    tables: &mut [TablePlan],
    keys_of: &[Vec<Vec<usize>>],
    harvest: &Harvest,
    position: &HashMap<ColKey, (usize, usize)>,
) {
    let pairs: Vec<((usize, usize), (usize, usize))> = harvest
        .equalities
        .iter()
        .filter_map(|(a, b)| Some((*position.get(a)?, *position.get(b)?)))
        .flat_map(|(a, b)| [(a, b), (b, a)])
        .filter(|(a, b)| a.0 != b.0 && tables[a.0].columns[a.1].ty == tables[b.0].columns[b.1].ty)
        .collect();
    let mut found = Vec::new();
    for (ti, table) in tables.iter().enumerate() {
        for (g, group) in table.groups.iter().enumerate() {
            if group.sequential || group.columns.len() < 2 {
                continue;
            }
            for (pi, parent) in tables.iter().enumerate().filter(|&(pi, _)| pi != ti) {
                let partners: Option<Vec<usize>> = group
                    .columns
                    .iter()
                    .map(|&c| pairs.iter().find(|(a, b)| *a == (ti, c) && b.0 == pi).map(|(_, b)| b.1))
                    .collect();
                let Some(partners) = partners else { continue };
                let distinct: BTreeSet<usize> = partners.iter().copied().collect();
                let covers_key = keys_of[pi].iter().any(|k| k.iter().all(|c| distinct.contains(c)));
                let groups: BTreeSet<Option<usize>> = partners
                    .iter()
                    .map(|&c| match parent.columns[c].role {
                        Role::Pool { group, .. } => Some(group),
                        _ => None,
                    })
                    .collect();
                let lined_up = groups.len() == 1 && !groups.contains(&None);
                if distinct.len() == partners.len() && covers_key && !lined_up {
                    let draw = TupleDraw {
                        group: g,
                        columns: group.columns.clone(),
                        parent: parent.name.clone(),
                        parent_columns: partners,
                    };
                    found.push((ti, draw));
                    break;
                }
            }
        }
    }
    found.extend(plan_mixed_tuples(tables, keys_of, harvest, position));
    for (ti, draw) in found {
        tables[ti].tuples.push(draw);
    }
}

/// Tuple draws for composite join keys whose columns do not all pool in one group: a foreign
/// key beside a column compared through a function (`campaign_id` and `DATE(clicked_at)`
/// matched against a daily table's (`campaign_id`, `activity_date`) key). Each part alone is
/// drawn from its own parent or pool, so the whole tuple almost never meets a row of the other
/// table; rows copy a row of that table instead, through the function's inverse for a lifted
/// column. A foreign column copies only a value the other table took from the same parent
/// column (so the copy is still a valid reference), and only with the rest of its foreign key.
/// The positions of the first drawn group among the columns pick the rows copied, so fan-out
/// and misses keep their shape; a key column never copies (its values must stay unique).
fn plan_mixed_tuples(
    tables: &[TablePlan],
    keys_of: &[Vec<Vec<usize>>],
    harvest: &Harvest,
    position: &HashMap<ColKey, (usize, usize)>,
) -> Vec<(usize, TupleDraw)> {
    let pairs: Vec<((usize, usize), (usize, usize))> = harvest
        .equalities
        .iter()
        .filter_map(|(a, b)| Some((*position.get(a)?, *position.get(b)?)))
        .flat_map(|(a, b)| [(a, b), (b, a)])
        .filter(|(a, b)| a.0 != b.0)
        .collect();
    let mut found = Vec::new();
    for link in &harvest.links {
        let Some(columns) = link.iter().map(|c| position.get(c).copied()).collect::<Option<Vec<_>>>() else {
            continue;
        };
        let Some(&(ti, _)) = columns.first() else { continue };
        if columns.len() < 2 || columns.iter().any(|&(t, _)| t != ti) {
            continue;
        }
        let table = &tables[ti];
        let own: Vec<usize> = columns.iter().map(|&(_, c)| c).collect();
        // Keys already drawn as one group's tuple, or lined up by position, are not mixed.
        let plain = |c: usize| matches!(table.columns[c].role, Role::Pool { .. }) && table.columns[c].lift.is_empty();
        if own.iter().all(|&c| plain(c)) || own.iter().any(|c| table.key_columns.contains(c)) {
            continue;
        }
        let group = own.iter().find_map(|&c| match table.columns[c].role {
            Role::Pool { group, .. } => table.groups.get(group).filter(|g| !g.sequential).map(|_| group),
            _ => None,
        });
        let Some(group) = group else { continue };
        for (pi, parent) in tables.iter().enumerate().filter(|&(pi, _)| pi != ti) {
            let partners: Option<Vec<usize>> =
                own.iter().map(|&c| pairs.iter().find(|(a, b)| *a == (ti, c) && b.0 == pi).map(|(_, b)| b.1)).collect();
            let Some(partners) = partners else { continue };
            let distinct: BTreeSet<usize> = partners.iter().copied().collect();
            let covers_key = keys_of[pi].iter().any(|k| k.iter().all(|c| distinct.contains(c)));
            let copies = own.iter().zip(&partners).all(|(&c, &pc)| {
                let (column, from) = (&table.columns[c], &parent.columns[pc]);
                match column.role {
                    Role::Pool { .. } if column.lift.is_empty() => column.ty == from.ty,
                    Role::Pool { .. } => lands_on(column.ty.kind, &column.lift) == Some(from.ty.kind),
                    Role::Foreign { fk, position } => {
                        let fk = &table.fks[fk];
                        let same_parent = match from.role {
                            Role::Foreign { fk: pf, position: pp } => {
                                let pfk = &parent.fks[pf];
                                pfk.parent == fk.parent && pfk.parent_columns[pp] == fk.parent_columns[position]
                            }
                            _ => false,
                        };
                        same_parent && fk.columns.iter().all(|c| own.contains(c))
                    }
                    Role::Free => false,
                }
            });
            if distinct.len() == partners.len() && covers_key && copies {
                let draw =
                    TupleDraw { group, columns: own.clone(), parent: parent.name.clone(), parent_columns: partners };
                found.push((ti, draw));
                break;
            }
        }
    }
    found
}

/// The literals the spec compares a column with, as values of its type.
fn literal_hits(harvest: &Harvest, column: &ColKey, ty: &Ty) -> Vec<Value> {
    let mut out = Vec::new();
    for probe in harvest.probes.get(column).into_iter().flatten() {
        if let Probe::Equal(text) | Probe::Bound(text) = probe {
            if let Some(v) = ty.literal(text) {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
    }
    out
}

/// The values a column would take first if it were free (its hits, near misses and the type's
/// edge cases, [`plan_free_column`]), within the magnitude the spec's expressions allow it: what
/// a key or joined column's class puts on its first shared ids.
fn edge_values(table: &str, column: &ColumnPlan, harvest: &Harvest, seed: u64) -> Vec<Value> {
    let mut free = ColumnPlan { role: Role::Free, ..column.clone() };
    plan_free_column(table, &mut free, harvest, seed);
    let mut values = free.hits;
    values.extend(free.misses);
    values.extend(free.type_edges);
    if let Some(bound) = column.bound {
        values.retain(|v| super::range::within(v.clone(), bound) == *v);
    }
    values
}

/// Hits, misses and edges of a column: literals first, then NULL, then near misses, then the
/// type's own edge cases.
fn plan_free_column(table: &str, column: &mut ColumnPlan, harvest: &Harvest, seed: u64) {
    let key = (table.to_string(), column.name.to_ascii_lowercase());
    let mut hits: Vec<Value> = Vec::new();
    let mut misses: Vec<Value> = Vec::new();
    let mut weak: Vec<Value> = Vec::new();
    let mut rng = Rng::for_parts(seed, &[table, &column.name, "patterns"]);
    let textual = matches!(column.ty.kind, Kind::Str | Kind::Other);
    // Each pattern's hits, for the strings that meet several patterns or one several times.
    let mut sampled: Vec<(&Regex, &[Regex], Vec<String>, bool)> = Vec::new();
    for probe in harvest.probes.get(&key).into_iter().flatten() {
        match probe {
            Probe::Equal(text) | Probe::Bound(text) => {
                if let Some(v) = column.ty.literal(text) {
                    misses.extend(column.ty.near(&v));
                    hits.push(v);
                }
            }
            Probe::Pattern { regex, strips, weak: is_weak } if textual => {
                let samples = regex.samples(strips, &mut rng);
                sampled.push((regex, strips, samples.hits.clone(), *is_weak));
                let strings = samples.hits.into_iter().map(Value::Str);
                if *is_weak {
                    weak.extend(strings.chain(samples.misses.into_iter().map(Value::Str)));
                } else {
                    hits.extend(strings);
                    misses.extend(samples.misses.into_iter().map(Value::Str));
                }
            }
            Probe::Pattern { .. } => {}
            Probe::Padded if textual => {
                // Every whitespace class a trim may or may not strip, leading and trailing,
                // around a value the column would hold anyway.
                for (k, pad) in PADDING.iter().enumerate() {
                    let Value::Str(base) = hits
                        .first()
                        .cloned()
                        .unwrap_or_else(|| column.ty.ordinary(k as u64, column.words, &column.prefix))
                    else {
                        continue;
                    };
                    let padded = if k % 2 == 0 { format!("{pad}{base}") } else { format!("{base}{pad}") };
                    misses.push(Value::Str(padded));
                }
            }
            Probe::Padded => {}
            // Half an hour either side of midnight UTC, in winter and in summer time.
            Probe::Zoned if matches!(column.ty.kind, Kind::Timestamp | Kind::Datetime) => {
                const HALF_HOUR: i64 = 1_800_000_000;
                for day in [19_737i64, 19_919] {
                    let midnight = (day + 1) * super::value::MICROS_PER_DAY;
                    misses.push(Value::Timestamp(midnight - HALF_HOUR));
                    misses.push(Value::Timestamp(midnight + HALF_HOUR));
                }
            }
            Probe::Zoned => {}
            Probe::Halfway => {
                for text in ["1", "2"] {
                    misses.extend(
                        column
                            .ty
                            .literal(text)
                            .filter(|_| matches!(column.ty.kind, Kind::Int | Kind::Numeric | Kind::Float)),
                    );
                }
            }
        }
    }
    misses.extend(weak);
    let patterns: Vec<Sampled> =
        sampled.iter().map(|(regex, strips, hits, weak)| Sampled { regex, strips, hits, weak: *weak }).collect();
    let mixed = mixed(&patterns);
    hits.extend(mixed.hits.into_iter().map(Value::Str));
    misses.extend(mixed.misses.into_iter().map(Value::Str));
    let fits = |v: &Value| column.ty.fits(v);
    hits.retain(fits);
    misses.retain(fits);
    dedup(&mut hits, &[]);
    dedup(&mut misses, &hits);
    let mut type_edges = column.ty.edges();
    let mut known = hits.clone();
    known.extend(misses.iter().cloned());
    dedup(&mut type_edges, &known);

    if column.role == Role::Free {
        let mut edges: Vec<Option<Value>> = hits.iter().cloned().map(Some).collect();
        if column.nullable {
            edges.push(None);
        }
        edges.extend(misses.iter().cloned().map(Some));
        edges.extend(type_edges.iter().cloned().map(Some));
        column.edges = edges;
    }
    column.hits = hits;
    column.misses = misses;
    column.type_edges = type_edges;
}

/// Whitespace a trimmed column is padded with: a space, a tab, a newline, a carriage return,
/// a no-break space and an ideographic space (Unicode whitespace BigQuery's TRIM strips and
/// DuckDB's does not).
pub(crate) const PADDING: [&str; 6] = [" ", "\t", "\n", "\r", "\u{a0}", "\u{3000}"];

/// Removes repeats, and values already in `before`, keeping first occurrences in order.
fn dedup(values: &mut Vec<Value>, before: &[Value]) {
    let mut seen: Vec<Value> = before.to_vec();
    values.retain(|v| {
        let new = !seen.contains(v);
        if new {
            seen.push(v.clone());
        }
        new
    });
}

/// Table indices, every referenced table before the tables referencing it (by name among
/// equals). A cycle of foreign keys is broken at its first table by name.
fn parents_first(tables: &[TablePlan]) -> Vec<usize> {
    let index: BTreeMap<&str, usize> = tables.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    let parents: Vec<BTreeSet<usize>> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let tuples = t.tuples.iter().map(|d| &d.parent);
            t.fks
                .iter()
                .map(|fk| &fk.parent)
                .chain(tuples)
                .filter_map(|parent| index.get(parent.as_str()).copied())
                .filter(|&p| p != i)
                .collect()
        })
        .collect();
    let mut done = vec![false; tables.len()];
    let mut order = Vec::with_capacity(tables.len());
    while order.len() < tables.len() {
        let ready = (0..tables.len()).find(|&i| !done[i] && parents[i].iter().all(|&p| done[p]));
        let next = ready.or_else(|| (0..tables.len()).find(|&i| !done[i]));
        let Some(next) = next else { break };
        done[next] = true;
        order.push(next);
    }
    order
}

/// Union-find over (table, column) positions, with components in a stable order.
#[derive(Default)]
struct UnionFind {
    parent: BTreeMap<(usize, usize), (usize, usize)>,
}

impl UnionFind {
    fn find(&mut self, x: (usize, usize)) -> (usize, usize) {
        let p = *self.parent.entry(x).or_insert(x);
        if p == x {
            return x;
        }
        let root = self.find(p);
        self.parent.insert(x, root);
        root
    }

    fn union(&mut self, a: (usize, usize), b: (usize, usize)) {
        let (ra, rb) = (self.find(a), self.find(b));
        // The smaller position roots the component, so components come out the same way
        // whatever order the pairs came in.
        if ra < rb {
            self.parent.insert(rb, ra);
        } else if rb < ra {
            self.parent.insert(ra, rb);
        }
    }

    /// Components, each sorted, ordered by their first element.
    fn components(&mut self) -> Vec<Vec<(usize, usize)>> {
        let keys: Vec<(usize, usize)> = self.parent.keys().copied().collect();
        let mut by_root: BTreeMap<(usize, usize), Vec<(usize, usize)>> = BTreeMap::new();
        for k in keys {
            let root = self.find(k);
            by_root.entry(root).or_default().push(k);
        }
        by_root.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(kind_family: &str, members: usize, literals: Vec<Value>) -> Class {
        Class::new(Ty::of(Some(kind_family), kind_family), members, literals, "currency")
    }

    #[test]
    fn members_share_most_positions_and_own_some() {
        let c = class("INT64", 2, vec![]);
        let a: Vec<u64> = (0..16).map(|j| c.id(0, j)).collect();
        let b: Vec<u64> = (0..16).map(|j| c.id(1, j)).collect();
        assert_eq!(a[0], b[0], "position 0 is shared");
        assert_ne!(a[1], b[1], "position 1 is each member's own");
        assert!(!b.contains(&a[1]) && !a.contains(&b[1]));
        let shared = a.iter().filter(|id| b.contains(id)).count();
        assert_eq!(shared, 14);
        let all: BTreeSet<u64> = a.iter().chain(&b).copied().collect();
        assert_eq!(all.len(), 18, "ids are distinct within a member");
    }

    #[test]
    fn literals_come_first_and_never_repeat() {
        let c = class("INT64", 1, vec![Value::Int(3), Value::Int(5000)]);
        let values: Vec<Value> = (0..6000).map(|j| c.value(c.id(0, j))).collect();
        assert_eq!(values[..2], [Value::Int(3), Value::Int(5000)]);
        let distinct: BTreeSet<String> = values.iter().map(Value::to_text).collect();
        assert_eq!(distinct.len(), values.len());
    }

    #[test]
    fn own_strings_are_near_misses() {
        let c = class("STRING", 2, vec![]);
        let texts: Vec<String> = (0..3).map(|j| c.value(c.id(0, j)).to_text()).collect();
        assert_eq!(texts, ["USD", "usd", "EUR"]);
        assert_eq!(c.value(c.id(1, 1)).to_text(), " USD");
    }

    #[test]
    fn edge_values_follow_the_literals_and_keep_values_distinct() {
        let edges = vec![Value::Str(String::new()), Value::Str(" USD".into()), Value::Str("USD".into())];
        let c = class("STRING", 2, vec![Value::Str("USD".into())]).with_edges(edges);
        let shared: Vec<String> = (0..3).map(|s| c.value(s * c.stride()).to_text()).collect();
        assert_eq!(shared, ["USD", "", " USD"], "literals, then the edge values (a literal once)");
        for member in 0..2 {
            let values: Vec<String> = (0..2000).map(|j| c.value(c.id(member, j)).to_text()).collect();
            let distinct: BTreeSet<&String> = values.iter().collect();
            assert_eq!(distinct.len(), values.len(), "member {member}");
        }
        // Past the edge values, shared ids give what they gave without them.
        let plain = class("STRING", 2, vec![Value::Str("USD".into())]);
        assert_eq!(c.value(c.id(0, 40)), plain.value(plain.id(0, 38)));
    }

    #[test]
    fn near_misses_take_turns_and_a_lone_key_owns_some() {
        let c = class("STRING", 2, vec![]);
        let kinds =
            |member: usize| -> Vec<String> { (0..6).map(|o| c.value(c.id(member, 16 * o + 1)).to_text()).collect() };
        let texts = kinds(0);
        assert!(texts.iter().any(|t| t.starts_with(char::is_whitespace)), "{texts:?}");
        assert!(texts.iter().any(|t| t.ends_with(char::is_whitespace)), "{texts:?}");
        assert!(texts.iter().any(|t| t.chars().all(|ch| !ch.is_uppercase())), "{texts:?}");
        let alone = Class::new(Ty::of(Some("STRING"), "STRING"), 1, vec![], "sku");
        let values: Vec<String> = (0..16).map(|j| alone.value(alone.id(0, j)).to_text()).collect();
        assert!(values.contains(&"sku-1".to_string()) && values.contains(&"SKU-1".to_string()), "{values:?}");
    }

    #[test]
    fn small_types_limit_positions() {
        let b = class("BOOL", 2, vec![]);
        assert_eq!(b.limit(0, 10), 2);
        assert_eq!(class("INT64", 2, vec![]).limit(0, 10), 10);
    }
}
