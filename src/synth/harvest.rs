//! What the spec says about source columns' values: the literals each column is compared with
//! (so data takes both sides of every comparison), and the columns compared with each other
//! across tables (so joins find matches, and misses).
//!
//! Every expression of the spec is read: transforms, formulas, filter predicates, join
//! conditions and the tests named on columns. A literal belongs to every column on the other
//! side of its comparison (`column_refs`), traced through upstream models to the source column
//! it is read from; what cannot be traced (a computed column of a model) is left alone.

use super::derive::{peel, Step};
use super::regex::Regex;
use crate::spec::catalog::Catalog;
use crate::spec::model::Spec;
use crate::spec::named_tests::{parse_test, SpecTest};
use crate::spec::resolve::context::{alias_of, resolve_ref, target_of, RefResolution, Relation, Target};
use crate::spec::resolve::query::{ModelQuery, QCol, FROM_IDENT};
use crate::sql::expr::{column_refs, literal_text, plain_args, ColumnRef};
use crate::sql::parse::parse_expression;
use sqlparser::ast::{BinaryOperator, Expr, Statement, TableFactor, Visit, Visitor};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// A source column: `schema.table` and the column's declared name, lowercase.
pub(crate) use super::value::ColKey;

/// What a column is compared with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Probe {
    /// Equal or not equal to this literal (`=`, `<>`, `IN`, `CASE x WHEN`, `accepted_values`).
    Equal(String),
    /// Ordered against this literal (`<`, `BETWEEN`, `accepted_range`).
    Bound(String),
    /// Matched against a pattern after `strips` (nested `REGEXP_REPLACE(x, p, '')`).
    /// `weak` for a pattern only replaced, not tested: its samples matter less.
    Pattern { regex: Regex, strips: Vec<Regex>, weak: bool },
    /// Trimmed (`TRIM`, `LTRIM`, `RTRIM` without characters): values padded with every
    /// whitespace class, since BigQuery strips Unicode whitespace and DuckDB's TRIM spaces only.
    Padded,
    /// Seen in a time zone (`DATE(ts, 'Europe/Berlin')`, `TIMESTAMP_TRUNC(ts, DAY, zone)`):
    /// instants just before and after midnight UTC, whose local day is another day in every
    /// zone an hour or more from UTC, where a conversion left out or done twice shows.
    Zoned,
    /// Averaged (`AVG`), possibly through upstream models' expressions: small whole values
    /// (1 and 2) that put a group's mean exactly halfway, where rounding a mean differs.
    Halfway,
}

/// Everything harvested from a spec.
#[derive(Debug, Default)]
pub(crate) struct Harvest {
    /// Probes per source column, in the order the spec states them, without repeats.
    pub probes: BTreeMap<ColKey, Vec<Probe>>,
    /// Pairs of source columns the spec compares for equality across tables: join conditions,
    /// and the group-by columns an aggregate model without joins matches its sources on.
    pub equalities: Vec<(ColKey, ColKey)>,
    /// Columns of one table that one join compares together (a composite join key): they are
    /// drawn together so that whole tuples match.
    pub links: Vec<Vec<ColKey>>,
    /// Pairs of source columns the spec compares with each other outside joins (`paid_at <=
    /// due_at`): where they share a table, some rows make them equal, the case `<` and `<=`
    /// disagree on.
    pub compared: Vec<(ColKey, ColKey)>,
    /// Equalities of `equalities` whose first column is compared through functions (innermost
    /// first) written in a join or in the upstream models that derive the compared column:
    /// `DATE(clicked_at) = activity_date` is (`clicked_at`, [Day], `activity_date`).
    pub through: Vec<(ColKey, Vec<Step>, ColKey)>,
    /// Comparisons between columns of two tables, shifted or not, with the keys that pair
    /// their rows ([`super::relate`]).
    pub relations: Vec<super::relations::Relation>,
}

impl Harvest {
    fn probe(&mut self, column: ColKey, probe: Probe) {
        let list = self.probes.entry(column).or_default();
        if !list.contains(&probe) {
            list.push(probe);
        }
    }
}

/// Reads every expression of the spec. `queries` are the models resolved by the lint
/// (`resolve_models`), in model order.
pub(crate) fn harvest(spec: &Spec, catalog: &Catalog, queries: &[Option<ModelQuery>]) -> Harvest {
    let tracer = Tracer { spec, catalog, queries };
    let mut out = Harvest::default();
    for (mi, model) in spec.models.iter().enumerate() {
        let Some(q) = queries.get(mi).and_then(Option::as_ref) else { continue };
        let all: Vec<usize> = (0..q.relations.len()).collect();
        let scope_of = |name: &str| q.index(name).map(|i| vec![i]);

        for output in &q.outputs {
            let Some(expr) = &output.expr else { continue };
            // A metric of an aggregate model without joins reads only its own source.
            let scope = match (q.per_source_metrics, output.metric_source) {
                (true, Some(s)) => vec![s],
                _ => all.clone(),
            };
            let resolve = |r: &ColumnRef| tracer.reference(mi, q, &scope, output.from.as_ref(), r);
            collect(expr, &resolve, &mut out);
        }

        for filter in &model.filters {
            let predicate = filter.predicate.as_deref().unwrap_or("").trim();
            let Ok(expr) = parse_expression(predicate, spec.dialect) else { continue };
            let applies_to = filter.applies_to.as_deref().unwrap_or("").trim();
            let scope = scope_of(applies_to).unwrap_or_else(|| all.clone());
            collect(&expr, &|r: &ColumnRef| tracer.reference(mi, q, &scope, None, r), &mut out);
        }

        for join in &model.joins {
            let Ok(expr) = parse_expression(&join.condition, spec.dialect) else { continue };
            collect(&expr, &|r: &ColumnRef| tracer.reference(mi, q, &all, None, r), &mut out);
            // `UPPER(TRIM(a.x)) = b.y`: a.x shares b.y's values (and their near misses: other
            // case, padding), so rows match only after the transform, as the spec means.
            let resolve = |r: &ColumnRef| tracer.reference(mi, q, &all, None, r);
            let mut pairs = Vec::new();
            for (side, other) in transformed_pairs(&expr) {
                // A chain of functions synthesis can invert relates the columns through them;
                // any other transform only shares values, as before.
                let derived = match (peel(&side), column_refs(&other).as_slice()) {
                    ((steps, core), [two]) if is_column(core) => column_refs(core)
                        .first()
                        .and_then(|one| tracer.derived_reference(mi, q, &all, one))
                        .zip(tracer.derived_reference(mi, q, &all, two))
                        .map(|((a, mut inner), b)| {
                            inner.extend(steps);
                            ((a, inner), b)
                        }),
                    _ => None,
                };
                if let Some((a, b)) = derived {
                    if a.0 .0 != b.0 .0 {
                        pairs.extend(relate(&mut out, a, b));
                    }
                    continue;
                }
                let (refs, others) = (column_refs(&side), column_refs(&other));
                if let ([one], [two]) = (refs.as_slice(), others.as_slice()) {
                    if let (Some(a), Some(b)) = (resolve(one), resolve(two)) {
                        if a.0 != b.0 {
                            pairs.push((a, b));
                        }
                    }
                }
            }
            add_pairs(&mut out, pairs);
        }
        for join in &q.joins {
            let mut pairs = Vec::new();
            for (a, b) in &join.equalities {
                if let (Some(a), Some(b)) = (tracer.derived(mi, a, 0), tracer.derived(mi, b, 0)) {
                    pairs.extend(relate(&mut out, a, b));
                }
            }
            add_pairs(&mut out, pairs);
        }

        // Joins and filters comparing columns of two tables (`t.ts > c.at - INTERVAL 30 DAY`).
        let conditions: Vec<Expr> = model
            .joins
            .iter()
            .map(|j| j.condition.as_str())
            .chain(model.filters.iter().filter_map(|f| f.predicate.as_deref()))
            .filter_map(|text| parse_expression(text.trim(), spec.dialect).ok())
            .collect();
        let exact = |r: &ColumnRef| tracer.reference(mi, q, &all, None, r);
        let reads = |r: &ColumnRef| tracer.reads(mi, q, &all, None, r, 0);
        super::relations::collect(&conditions.iter().collect::<Vec<_>>(), &exact, &reads, &mut out.relations);

        // An aggregate model without joins left-joins each metric's groups onto the driving
        // source's on the group-by columns: an equality as real as a written join.
        if q.per_source_metrics && !model.group_by.is_empty() && !q.relations.is_empty() {
            for s in 1..q.relations.len() {
                let mut pairs = Vec::new();
                for g in &model.group_by {
                    let (Some(driving), Some(other)) = (q.relations[0].column(g), q.relations[s].column(g)) else {
                        continue;
                    };
                    let a = tracer.derived(mi, &(0, driving.name.to_ascii_lowercase()), 0);
                    let b = tracer.derived(mi, &(s, other.name.to_ascii_lowercase()), 0);
                    if let (Some(a), Some(b)) = (a, b) {
                        pairs.extend(relate(&mut out, a, b));
                    }
                }
                add_pairs(&mut out, pairs);
            }
        }

        // What an AVG averages, traced through upstream expressions to every source column it
        // reads.
        for output in &q.outputs {
            let Some(expr) = &output.expr else { continue };
            let scope = match (q.per_source_metrics, output.metric_source) {
                (true, Some(s)) => vec![s],
                _ => all.clone(),
            };
            let mut averaged = Averaged(Vec::new());
            let _ = expr.visit(&mut averaged);
            for arg in averaged.0 {
                for r in column_refs(&arg) {
                    for column in tracer.reads(mi, q, &scope, output.from.as_ref(), &r, 0) {
                        out.probe(column, Probe::Halfway);
                    }
                }
            }
        }

        // Tests name output columns; their literals belong to the source column an output is.
        let by_output = |r: &ColumnRef| {
            let output = q.outputs.iter().find(|o| o.name.eq_ignore_ascii_case(&r.column))?;
            tracer.column(mi, output.direct.as_ref()?, 0)
        };
        for output in &q.outputs {
            let Some(direct) = output.direct.as_ref().and_then(|d| tracer.column(mi, d, 0)) else {
                // An expression test may still name direct columns.
                for test in &output.tests {
                    if let Ok(SpecTest::Expression(expr)) = parse_test(test, spec.dialect) {
                        collect(&expr, &by_output, &mut out);
                    }
                }
                continue;
            };
            for test in &output.tests {
                match parse_test(test, spec.dialect) {
                    Ok(SpecTest::AcceptedValues(Some(values))) => {
                        for value in values.iter().filter_map(literal) {
                            out.probe(direct.clone(), Probe::Equal(value));
                        }
                    }
                    Ok(SpecTest::AcceptedRange { min, max }) => {
                        for bound in [min, max].iter().flatten().filter_map(literal) {
                            out.probe(direct.clone(), Probe::Bound(bound));
                        }
                    }
                    Ok(SpecTest::Expression(expr)) => collect(&expr, &by_output, &mut out),
                    _ => {}
                }
            }
        }
    }
    out
}

/// The pair of source columns an equality between two traced columns relates, recording the
/// functions one side is seen through. Both sides under functions relate nothing (no value
/// pool can be drawn for either side alone).
fn relate(
    out: &mut Harvest,
    (a, a_steps): (ColKey, Vec<Step>),
    (b, b_steps): (ColKey, Vec<Step>),
) -> Option<(ColKey, ColKey)> {
    let (under, steps, other) = match (a_steps.is_empty(), b_steps.is_empty()) {
        (true, true) => return Some((a, b)),
        (false, true) => (a, a_steps, b),
        (true, false) => (b, b_steps, a),
        (false, false) => return None,
    };
    let entry = (under.clone(), steps, other.clone());
    if under != other && !out.through.contains(&entry) {
        out.through.push(entry);
    }
    Some((under, other))
}

fn is_column(expr: &Expr) -> bool {
    matches!(expr, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
}

fn add_pairs(out: &mut Harvest, pairs: Vec<(ColKey, ColKey)>) {
    // Columns of one table in one join are a composite key, drawn together.
    let mut by_table: BTreeMap<&str, Vec<ColKey>> = BTreeMap::new();
    for (a, b) in &pairs {
        for c in [a, b] {
            let list = by_table.entry(&c.0).or_default();
            if !list.contains(c) {
                list.push(c.clone());
            }
        }
    }
    out.links.extend(by_table.into_values().filter(|cols| cols.len() > 1));
    for pair in pairs {
        if pair.0 != pair.1 && !out.equalities.contains(&pair) {
            out.equalities.push(pair);
        }
    }
}

/// Traces a model's columns back to the source columns they are.
struct Tracer<'a> {
    spec: &'a Spec,
    catalog: &'a Catalog,
    queries: &'a [Option<ModelQuery>],
}

/// Models deeper than this are not followed (a cycle is the lint's to report).
const MAX_DEPTH: usize = 64;

impl Tracer<'_> {
    /// The source column a reference inside model `mi` reads, among relations `scope`;
    /// `from` is what `{from}` stands for.
    fn reference(
        &self,
        mi: usize,
        q: &ModelQuery,
        scope: &[usize],
        from: Option<&QCol>,
        r: &ColumnRef,
    ) -> Option<ColKey> {
        if r.qualifier.is_none() && r.column == FROM_IDENT {
            return self.column(mi, from?, 0);
        }
        let relations: Vec<&Relation> = scope.iter().map(|&i| &q.relations[i]).collect();
        match resolve_ref(&relations, r) {
            RefResolution::Found { index, column } => self.column(mi, &(scope[index], column.to_ascii_lowercase()), 0),
            _ => None,
        }
    }

    /// Every source column a reference inside model `mi` reads, through the expressions of
    /// upstream models (`amount_usd` of `total_amount * rate_to_usd` reads both).
    fn reads(
        &self,
        mi: usize,
        q: &ModelQuery,
        scope: &[usize],
        from: Option<&QCol>,
        r: &ColumnRef,
        depth: usize,
    ) -> Vec<ColKey> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        if let Some(direct) = self.reference(mi, q, scope, from, r) {
            return vec![direct];
        }
        let qcol = if r.qualifier.is_none() && r.column == FROM_IDENT {
            from.cloned()
        } else {
            let relations: Vec<&Relation> = scope.iter().map(|&i| &q.relations[i]).collect();
            match resolve_ref(&relations, r) {
                RefResolution::Found { index, column } => Some((scope[index], column.to_ascii_lowercase())),
                _ => None,
            }
        };
        let Some((rel, col)) = qcol else { return Vec::new() };
        let Some(k) = q.relations.get(rel).and_then(|r| r.model) else { return Vec::new() };
        let Some(upstream) = self.queries.get(k).and_then(Option::as_ref) else { return Vec::new() };
        let Some(output) = upstream.outputs.iter().find(|o| o.name.eq_ignore_ascii_case(&col)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (read, _) in &output.reads {
            if let Some(c) = self.column(k, read, depth + 1) {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out
    }

    /// [`Tracer::derived`] of a reference inside model `mi`, among relations `scope`.
    fn derived_reference(
        &self,
        mi: usize,
        q: &ModelQuery,
        scope: &[usize],
        r: &ColumnRef,
    ) -> Option<(ColKey, Vec<Step>)> {
        let relations: Vec<&Relation> = scope.iter().map(|&i| &q.relations[i]).collect();
        match resolve_ref(&relations, r) {
            RefResolution::Found { index, column } => self.derived(mi, &(scope[index], column.to_ascii_lowercase()), 0),
            _ => None,
        }
    }

    /// The source column behind column `col` of relation `rel` of model `mi`, with the
    /// functions upstream models apply to it on the way, innermost first: `activity_date`
    /// computed as `DATE(clicked_at)` is `clicked_at` through [`Step::Day`].
    fn derived(&self, mi: usize, qcol: &QCol, depth: usize) -> Option<(ColKey, Vec<Step>)> {
        if let Some(column) = self.column(mi, qcol, depth) {
            return Some((column, Vec::new()));
        }
        if depth > MAX_DEPTH {
            return None;
        }
        let q = self.queries.get(mi)?.as_ref()?;
        let k = q.relations.get(qcol.0)?.model?;
        let upstream = self.queries.get(k)?.as_ref()?;
        let output = upstream.outputs.iter().find(|o| o.name.eq_ignore_ascii_case(&qcol.1))?;
        let (steps, core) = peel(output.expr.as_ref()?);
        if steps.is_empty() || !is_column(core) {
            return None;
        }
        let [r] = column_refs(core).try_into().ok()?;
        let inner = if r.qualifier.is_none() && r.column == FROM_IDENT {
            output.from.clone()?
        } else {
            let relations: Vec<&Relation> = upstream.relations.iter().collect();
            match resolve_ref(&relations, &r) {
                RefResolution::Found { index, column } => (index, column.to_ascii_lowercase()),
                _ => return None,
            }
        };
        let (column, mut all) = self.derived(k, &inner, depth + 1)?;
        all.extend(steps);
        Some((column, all))
    }

    /// The source column behind column `col` of relation `rel` of model `mi`.
    fn column(&self, mi: usize, (rel, col): &QCol, depth: usize) -> Option<ColKey> {
        let q = self.queries.get(mi)?.as_ref()?;
        let alias = &q.relations.get(*rel)?.alias;
        let entry = self.spec.models[mi].sources.iter().find(|e| alias_of(e).eq_ignore_ascii_case(alias))?;
        self.entry_column(entry, col, depth)
    }

    fn entry_column(&self, entry: &str, col: &str, depth: usize) -> Option<ColKey> {
        match target_of(self.spec, self.catalog, entry) {
            Target::Table(name) => {
                let table = &self.catalog.get(&name)?.table;
                let column = table.columns.iter().find(|c| c.name.eq_ignore_ascii_case(col))?;
                Some((name, column.name.to_ascii_lowercase()))
            }
            Target::Model(k) => self.output(k, col, depth + 1),
            Target::Unknown => None,
        }
    }

    /// The source column output `col` of model `k` copies, when it copies one.
    fn output(&self, k: usize, col: &str, depth: usize) -> Option<ColKey> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.queries.get(k)? {
            Some(q) => {
                let output = q.outputs.iter().find(|o| o.name.eq_ignore_ascii_case(col))?;
                let direct = output.direct.as_ref()?;
                let q_rel = q.relations.get(direct.0)?;
                let entry =
                    self.spec.models[k].sources.iter().find(|e| alias_of(e).eq_ignore_ascii_case(&q_rel.alias))?;
                self.entry_column(entry, &direct.1, depth)
            }
            None => {
                // An SCD2 model holds its single source's columns under their own names.
                let model = &self.spec.models[k];
                if model.constraints.scd_type != Some(2) {
                    return None;
                }
                self.entry_column(model.sources.first()?, col, depth)
            }
        }
    }
}

/// Adds the probes of the code under test: the literals, patterns and trims its own
/// expressions compare source columns with, so the data takes the code's branches too (a code
/// that compares with `'Active'` where the spec says `'active'` meets both). A reference is
/// resolved through the tables the statement reads (`FROM raw.t AS a` makes `a.x` a column of
/// `raw.t`; an unqualified column belongs to the one table read that has it); references to
/// models and CTEs are left alone. Equalities are not taken from the code: the spec decides
/// which columns share values, so a wrong join in the code does not shape its own data.
pub(crate) fn harvest_code(out: &mut Harvest, catalog: &Catalog, statements: &[Statement]) {
    for statement in statements {
        let mut tables = TablesRead { catalog, aliases: BTreeMap::new() };
        let _ = statement.visit(&mut tables);
        let aliases = tables.aliases;
        let resolve = |r: &ColumnRef| -> Option<ColKey> {
            let has = |table: &str| {
                let t = &catalog.get(table)?.table;
                t.columns.iter().find(|c| c.name.eq_ignore_ascii_case(&r.column)).map(|c| c.name.to_ascii_lowercase())
            };
            match &r.qualifier {
                Some(q) => {
                    let table = aliases.get(&q.to_ascii_lowercase())?;
                    Some((table.clone(), has(table)?))
                }
                None => {
                    let mut found = aliases.values().filter_map(|t| Some((t.clone(), has(t)?))).collect::<Vec<_>>();
                    found.dedup();
                    match found.as_slice() {
                        [one] => Some(one.clone()),
                        _ => None,
                    }
                }
            }
        };
        let mut visitor = ProbeVisitor { resolve: &resolve, found: Vec::new(), compared: Vec::new() };
        let _ = statement.visit(&mut visitor);
        for (column, probe) in visitor.found {
            out.probe(column, probe);
        }
        // The code's own windows and its join keys only pair rows to aim at: no column is
        // pooled with another for them.
        let reads = |r: &ColumnRef| resolve(r).into_iter().collect();
        super::relations::collect(&[statement], &resolve, &reads, &mut out.relations);
    }
}

/// The source tables a statement reads, by alias and by table name (lowercase).
struct TablesRead<'c> {
    catalog: &'c Catalog,
    aliases: BTreeMap<String, String>,
}

impl Visitor for TablesRead<'_> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, alias, .. } = factor {
            // `raw.t`, `` `raw.t` `` (one quoted part) and `"catalog".raw.t` all end in schema and table.
            let parts: Vec<String> = name
                .0
                .iter()
                .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                .flat_map(|v| v.split('.').map(str::to_string).collect::<Vec<_>>())
                .collect();
            if parts.len() >= 2 {
                let key = format!("{}.{}", parts[parts.len() - 2], parts[parts.len() - 1]);
                let found = self.catalog.tables.keys().find(|k| k.eq_ignore_ascii_case(&key)).cloned();
                if let Some(table) = found {
                    let last = parts[parts.len() - 1].to_ascii_lowercase();
                    self.aliases.insert(alias.as_ref().map_or(last, |a| a.name.value.to_ascii_lowercase()), table);
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// Top-level conjuncts `f(a.x) = b.y` of a join condition whose left side is not a bare column:
/// (the transformed side, the other side).
fn transformed_pairs(condition: &Expr) -> Vec<(Expr, Expr)> {
    match condition {
        Expr::Nested(inner) => transformed_pairs(inner),
        Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
            let mut out = transformed_pairs(left);
            out.extend(transformed_pairs(right));
            out
        }
        Expr::BinaryOp { left, op: BinaryOperator::Eq, right } => {
            let bare = |e: &Expr| matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
            match (bare(left), bare(right)) {
                (false, true) => vec![(*left.clone(), *right.clone())],
                (true, false) => vec![(*right.clone(), *left.clone())],
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// The arguments of the AVG calls inside an expression.
struct Averaged(Vec<Expr>);

impl Visitor for Averaged {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = expr {
            if f.name.to_string().eq_ignore_ascii_case("AVG") {
                if let [arg] = plain_args(&f.args).as_slice() {
                    self.0.push((*arg).clone());
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// Adds the probes of every comparison inside `expr`.
fn collect(expr: &Expr, resolve: &dyn Fn(&ColumnRef) -> Option<ColKey>, out: &mut Harvest) {
    let mut visitor = ProbeVisitor { resolve, found: Vec::new(), compared: Vec::new() };
    let _ = expr.visit(&mut visitor);
    for (column, probe) in visitor.found {
        out.probe(column, probe);
    }
    for pair in visitor.compared {
        if pair.0 != pair.1 && !out.compared.contains(&pair) {
            out.compared.push(pair);
        }
    }
}

struct ProbeVisitor<'r> {
    resolve: &'r dyn Fn(&ColumnRef) -> Option<ColKey>,
    found: Vec<(ColKey, Probe)>,
    compared: Vec<(ColKey, ColKey)>,
}

impl ProbeVisitor<'_> {
    fn columns(&self, expr: &Expr) -> Vec<ColKey> {
        let mut cols: Vec<ColKey> = Vec::new();
        for c in column_refs(expr).iter().filter_map(|r| (self.resolve)(r)) {
            if !cols.contains(&c) {
                cols.push(c);
            }
        }
        cols
    }

    fn add(&mut self, side: &Expr, probe: Probe) {
        for column in self.columns(side) {
            self.found.push((column, probe.clone()));
        }
    }
}

impl Visitor for ProbeVisitor<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, self_expr: &Expr) -> ControlFlow<()> {
        match self_expr {
            Expr::BinaryOp { left, op, right } => {
                let equal = matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq | BinaryOperator::Spaceship);
                let ordered =
                    matches!(op, BinaryOperator::Lt | BinaryOperator::LtEq | BinaryOperator::Gt | BinaryOperator::GtEq);
                if equal || ordered {
                    if literal(left).is_none() && literal(right).is_none() {
                        if let ([a], [b]) = (self.columns(left).as_slice(), self.columns(right).as_slice()) {
                            self.compared.push((a.clone(), b.clone()));
                        }
                    }
                    for (side, other) in [(left, right), (right, left)] {
                        if let Some(text) = literal(other) {
                            self.add(side, if equal { Probe::Equal(text) } else { Probe::Bound(text) });
                        }
                    }
                }
            }
            Expr::InList { expr, list, .. } => {
                for text in list.iter().filter_map(literal) {
                    self.add(expr, Probe::Equal(text));
                }
            }
            Expr::Between { expr, low, high, .. } => {
                for text in [low, high].into_iter().filter_map(|e| literal(e)) {
                    self.add(expr, Probe::Bound(text));
                }
            }
            Expr::Case { operand: Some(operand), conditions, .. } => {
                for text in conditions.iter().filter_map(|c| literal(&c.condition)) {
                    self.add(operand, Probe::Equal(text));
                }
            }
            Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
                if let Some(text) = literal(pattern) {
                    let regex = Regex::from_like(&text, matches!(self_expr, Expr::ILike { .. }));
                    self.add(expr, Probe::Pattern { regex, strips: Vec::new(), weak: false });
                }
            }
            Expr::RLike { expr, pattern, .. } => {
                if let Some(regex) = literal(pattern).and_then(|p| Regex::parse(&p)) {
                    self.add(expr, Probe::Pattern { regex, strips: strips_of(expr), weak: false });
                }
            }
            Expr::Trim { expr, trim_what: None, trim_characters: None, .. } => self.add(expr, Probe::Padded),
            Expr::Function(f) => {
                let name = f.name.to_string().to_ascii_uppercase();
                let args = plain_args(&f.args);
                let name = name.rsplit('.').next().unwrap_or(&name);
                match (name, args.as_slice()) {
                    ("TRIM" | "LTRIM" | "RTRIM", [subject]) => self.add(subject, Probe::Padded),
                    ("DATE" | "DATETIME" | "TIME", [subject, zone])
                    | ("TIMESTAMP_TRUNC" | "DATETIME_TRUNC", [subject, _, zone])
                    | ("FORMAT_TIMESTAMP", [_, subject, zone])
                        if literal(zone).is_some() =>
                    {
                        self.add(subject, Probe::Zoned)
                    }
                    (
                        "REGEXP_CONTAINS" | "REGEXP_LIKE" | "REGEXP_MATCHES" | "REGEXP_EXTRACT" | "REGEXP_EXTRACT_ALL"
                        | "REGEXP_SUBSTR" | "REGEXP_INSTR",
                        [subject, pattern, ..],
                    ) => {
                        if let Some(regex) = literal(pattern).and_then(|p| Regex::parse(&p)) {
                            self.add(subject, Probe::Pattern { regex, strips: strips_of(subject), weak: false });
                        }
                    }
                    ("REGEXP_FULL_MATCH", [subject, pattern, ..]) => {
                        if let Some(regex) = literal(pattern).and_then(|p| Regex::parse(&format!("^(?:{p})$"))) {
                            self.add(subject, Probe::Pattern { regex, strips: strips_of(subject), weak: false });
                        }
                    }
                    ("REGEXP_REPLACE", [subject, pattern, ..]) => {
                        if let Some(regex) = literal(pattern).and_then(|p| Regex::parse(&p)) {
                            self.add(subject, Probe::Pattern { regex, strips: strips_of(subject), weak: true });
                        }
                    }
                    ("STARTS_WITH" | "ENDS_WITH" | "CONTAINS_SUBSTR" | "STRPOS" | "INSTR", [subject, needle, ..]) => {
                        if let Some(text) = literal(needle) {
                            let regex = Regex::containing(&text, name == "STARTS_WITH", name == "ENDS_WITH");
                            self.add(subject, Probe::Pattern { regex, strips: Vec::new(), weak: false });
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// The patterns `REGEXP_REPLACE(x, p, '')` removes from `x` before `subject` sees it,
/// innermost first.
fn strips_of(subject: &Expr) -> Vec<Regex> {
    let mut strips = Vec::new();
    let mut current = subject;
    loop {
        match current {
            Expr::Nested(inner) => current = inner,
            Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("REGEXP_REPLACE") => {
                let args = plain_args(&f.args);
                let [inner, pattern, replacement, ..] = args.as_slice() else { break };
                match (literal(pattern).and_then(|p| Regex::parse(&p)), literal(replacement)) {
                    (Some(regex), Some(r)) if r.is_empty() => strips.push(regex),
                    _ => break,
                }
                current = inner;
            }
            _ => break,
        }
    }
    strips.reverse();
    strips
}

/// The text of a non-null literal: a string, number or boolean, a typed literal
/// (`DATE '2024-01-01'`), or a cast of one; the clock (`CURRENT_TIMESTAMP()`) is the run time.
fn literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Function(_) => super::relations::clock_literal(expr),
        Expr::TypedString(ts) => ts.value.clone().into_string(),
        Expr::Cast { expr, .. } => literal(expr),
        Expr::Nested(inner) => literal(inner),
        other => literal_text(other).flatten(),
    }
}

/// The probes of one expression whose references name `table.column` directly, for tests.
#[cfg(test)]
pub(crate) fn probes_of(text: &str, dialect: crate::spec::model::Dialect) -> Vec<(String, Probe)> {
    let expr = parse_expression(text, dialect).expect("test expression parses");
    let resolve = |r: &ColumnRef| Some((r.qualifier.clone().unwrap_or_default(), r.column.to_ascii_lowercase()));
    let mut out = Harvest::default();
    collect(&expr, &resolve, &mut out);
    out.probes.into_iter().flat_map(|((_, c), ps)| ps.into_iter().map(move |p| (c.clone(), p))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Dialect;

    fn equal(probes: &[(String, Probe)], column: &str) -> Vec<String> {
        probes
            .iter()
            .filter(|(c, _)| c == column)
            .filter_map(|(_, p)| match p {
                Probe::Equal(t) | Probe::Bound(t) => Some(t.clone()),
                Probe::Pattern { .. } | Probe::Padded | Probe::Halfway | Probe::Zoned => None,
            })
            .collect()
    }

    #[test]
    fn a_column_seen_in_a_time_zone_is_probed_around_midnight() {
        for text in [
            "DATE(ts, 'Europe/Berlin')",
            "TIMESTAMP_TRUNC(ts, DAY, 'America/New_York')",
            "FORMAT_TIMESTAMP('%F', ts, 'Asia/Kolkata')",
        ] {
            let probes = probes_of(text, Dialect::Bigquery);
            assert!(probes.contains(&("ts".to_string(), Probe::Zoned)), "{text}: {probes:?}");
        }
        let plain = probes_of("DATE(ts)", Dialect::Bigquery);
        assert!(!plain.iter().any(|(_, p)| *p == Probe::Zoned), "no zone, no probe");
    }

    #[test]
    fn comparisons_give_their_literals_to_their_columns() {
        let probes = probes_of(
            "CASE WHEN LOWER(status) = 'active' THEN 1 WHEN kind IN ('a', 'b') THEN 2 \
             WHEN amount BETWEEN 10 AND -5 THEN 3 WHEN d >= DATE '2024-01-01' THEN 4 END",
            Dialect::Bigquery,
        );
        assert_eq!(equal(&probes, "status"), ["active"]);
        assert_eq!(equal(&probes, "kind"), ["a", "b"]);
        assert_eq!(equal(&probes, "amount"), ["10", "-5"]);
        assert_eq!(equal(&probes, "d"), ["2024-01-01"]);
        let simple = probes_of("CASE s WHEN 'x' THEN 1 ELSE 0 END", Dialect::Bigquery);
        assert_eq!(equal(&simple, "s"), ["x"]);
    }

    #[test]
    fn a_join_key_through_a_transform_shares_values_and_trims_are_padded() {
        use crate::spec::catalog::add_ddl_text;
        use crate::spec::load::parse_spec;
        let text = r#"{"schema": {"raw_schema": "raw", "staging_schema": "s", "final_schema": "f"}, "models": [
            {"name": "m", "layer": "staging", "sources": ["raw.a", "raw.b"],
             "column_mapping": [{"target_column": "code", "type": "STRING", "from_table": "a", "from_column": "code",
                                 "transform": "LTRIM({from})"},
                                {"target_column": "rate", "type": "NUMERIC", "from_table": "b", "from_column": "rate"}],
             "joins": [{"left_table": "a", "right_table": "b", "type": "LEFT",
                        "condition": "UPPER(TRIM(a.code)) = b.code"}]}]}"#;
        let loaded = parse_spec("spec.json", text.to_string()).unwrap();
        let mut catalog = Catalog::default();
        add_ddl_text(
            &mut catalog,
            &mut Vec::new(),
            "CREATE TABLE raw.a (code STRING); CREATE TABLE raw.b (code STRING);",
            "d.sql",
        );
        let queries = crate::spec::resolve::resolve_models(&loaded, &catalog);
        let found = harvest(&loaded.spec, &catalog, &queries);
        let a = ("raw.a".to_string(), "code".to_string());
        let b = ("raw.b".to_string(), "code".to_string());
        assert!(found.equalities.contains(&(a.clone(), b)), "{:?}", found.equalities);
        assert!(found.probes.get(&a).is_some_and(|p| p.contains(&Probe::Padded)), "{:?}", found.probes);
    }

    #[test]
    fn regexes_keep_the_replacements_they_see_through() {
        let probes =
            probes_of("REGEXP_CONTAINS(REGEXP_REPLACE(phone, '[^0-9]', ''), r'^1?[0-9]{10}$')", Dialect::Bigquery);
        let strong: Vec<&Probe> =
            probes.iter().map(|(_, p)| p).filter(|p| matches!(p, Probe::Pattern { weak: false, .. })).collect();
        match strong.as_slice() {
            [Probe::Pattern { strips, .. }] => assert_eq!(strips.len(), 1),
            other => panic!("{other:?}"),
        }
        assert_eq!(probes.len(), 2, "the replacement is a weak probe of its own");
        let like = probes_of("name LIKE 'A%'", Dialect::Bigquery);
        assert!(matches!(like[0].1, Probe::Pattern { .. }));
    }
}
