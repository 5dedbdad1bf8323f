//! Shrinking: a dataset on which a model differs from its reference, cut down to one a person
//! can read — fewest rows per table first, then simplest values — and kept valid all the way:
//! every dataset tried honours the sources' declarations (NOT NULL, keys, foreign keys), so the
//! counterexample is data the spec allows, never a difference the code may rightly ignore.
//!
//! Every step is a *probe*: the dataset loaded into a fresh database, the model and what it
//! needs upstream run, its output compared with the reference. A probe is a few milliseconds;
//! the number of probes is bounded ([`MAX_PROBES`]), not the time, so the result is the same on
//! every machine.

use super::case::{run_case, Difference};
use super::explain::{explain, Explanation};
use super::fixture::{fixture_text, read_table, Fixture, ReadTable};
use crate::check::lineage::CodeCheck;
use crate::engine::{Engine, Row};
use crate::finding::{plural, Code, EvidenceTable, Finding, TableRole};
use crate::project::layout::Project;
use crate::reference::Comparison;
use crate::run::options::{in_memory, RunOptions};
use crate::run::plan::{Plan, REFERENCE_SCHEMA};
use crate::spec::resolve::context::{target_of, Target};
use crate::synth::{Dataset, SynthOptions, SynthTable, Value};
use std::collections::HashSet;

/// A finding and the regression test that replays it, when there is one.
pub(crate) type Reported = (Finding, Option<Fixture>);

/// The most probes one shrink runs.
pub const MAX_PROBES: usize = 300;

/// Smaller datasets of the same seed tried first: generation puts its edge cases in the first
/// rows, so a few rows often show what two hundred did.
const SMALLER_ROWS: [usize; 10] = [1, 2, 3, 4, 6, 8, 12, 16, 32, 64];

/// Runs model `model` (and what it needs upstream) on datasets and says whether it differs.
struct Probe<'a> {
    plan: &'a Plan<'a>,
    options: RunOptions,
    model: usize,
    probes: usize,
}

impl Probe<'_> {
    /// The model's difference on `dataset` and the database it ran in, or `None` when it agrees
    /// (or cannot run there).
    fn run(&mut self, dataset: &Dataset) -> Option<(Difference, Engine)> {
        self.probes += 1;
        let (run, engine) = run_case(self.plan, None, &self.options, dataset, Some(&[self.model])).ok()?;
        let difference = run.differences.into_iter().find(|d| d.model == self.model)?;
        Some((difference, engine))
    }

    /// Whether the model still differs on `dataset` (false once the budget is spent).
    fn fails(&mut self, dataset: &Dataset) -> bool {
        self.probes < MAX_PROBES && self.run(dataset).is_some()
    }
}

/// The finding for model `model`, which differs from its reference on the dataset of `synth`:
/// shrunk (when `options.shrink`), with its input tables, the differing rows, an explanation
/// where one applies, and the regression test that replays it (not for SCD2 models, whose
/// counterexample is a history of runs).
pub(crate) fn counterexample(
    plan: &Plan<'_>,
    options: &RunOptions,
    synth: &SynthOptions,
    model: usize,
    found: &Difference,
    smaller: Option<Dataset>,
) -> Reported {
    let (project, code) = (plan.project, plan.code);
    let probe_options = RunOptions { skip_output_checks: true, synth: *synth, ..in_memory(options) };
    let mut probe = Probe { plan, options: probe_options, model, probes: 0 };
    let data = if options.shrink {
        // Shrinking starts from the smaller dataset of the same seed when one was found, else
        // from the whole dataset with the tables the model does not read emptied.
        let start = smaller.unwrap_or_else(|| {
            let original = plan.dataset(synth);
            let cut = only_tables(&original, &kept_tables(project, model));
            if cut != original && probe.fails(&cut) {
                cut
            } else {
                original
            }
        });
        shrink(&mut probe, start)
    } else {
        plan.dataset(synth)
    };
    match probe.run(&data) {
        Some((difference, engine)) => {
            let evidence = Evidence::read(&engine, plan, model, &difference);
            let fixture = match (&evidence.expected, difference.after_run) {
                (Some(expected), None) => fixture_text(project, model, synth, &evidence.inputs, expected)
                    .map(|text| (text, evidence.inputs.clone(), expected.clone())),
                _ => None,
            };
            let finding = evidence.finding(project, code, model, synth, options.shrink, &difference);
            let name = &project.spec.spec.models[model].name;
            let fixture = fixture.map(|(text, inputs, expected)| Fixture {
                model: name.clone(),
                file: format!("specproof_{name}_seed{}.sql", synth.seed),
                text,
                seed: synth.seed,
                inputs,
                expected,
            });
            (finding, fixture)
        }
        // The difference did not come back on replay (it should): report it as found.
        None => (plain_finding(project, code, model, synth, found), None),
    }
}

/// `start`, which shows the difference, shrunk: fewer rows, then simpler values.
fn shrink(probe: &mut Probe<'_>, start: Dataset) -> Dataset {
    let (project, model) = (probe.plan.project, probe.model);
    let rules = Rules::of(project);
    // The tables whose rows can change the model's output. When the start still fills tables
    // beyond those kept (emptying them lost the difference), what the model reads is not known
    // well enough, and every table counts.
    let kept = kept_tables(project, model);
    let read = if start.tables.iter().all(|t| t.rows == 0 || kept.contains(&t.name)) {
        upstream_tables(project, model)
    } else {
        start.tables.iter().map(|t| t.name.clone()).collect()
    };
    let best = fewer_rows(probe, start, &rules, &read);
    let best = only_referenced(probe, best, &rules, &read);
    simpler_values(probe, best, &rules, &read)
}

/// The first of [`SMALLER_ROWS`] datasets of `synth`'s seed (only the tables model `model`
/// reads filled) on which the model still differs: where shrinking starts, and, by its size, a
/// forecast of how small that seed's counterexample gets.
pub(crate) fn smaller_dataset(
    plan: &Plan<'_>,
    options: &RunOptions,
    synth: &SynthOptions,
    model: usize,
) -> Option<Dataset> {
    let probe_options = RunOptions { skip_output_checks: true, synth: *synth, ..in_memory(options) };
    let project = plan.project;
    let mut probe = Probe { plan, options: probe_options, model, probes: 0 };
    let relevant = kept_tables(project, model);
    SMALLER_ROWS.into_iter().take_while(|&r| r < synth.rows).find_map(|rows| {
        let smaller = only_tables(&plan.dataset(&SynthOptions { rows, ..*synth }), &relevant);
        probe.fails(&smaller).then_some(smaller)
    })
}

/// Cuts rows, table by table, in halves, then quarters, down to single rows, until no row of
/// any table can go. Only the tables in `read` (those the model reads) are cut this way: a row
/// of a parent kept for its children alone cannot change the model's output, so probing its
/// removal would spend the budget for nothing ([`only_referenced`] trims those tables).
fn fewer_rows(probe: &mut Probe<'_>, mut best: Dataset, rules: &Rules, read: &HashSet<String>) -> Dataset {
    loop {
        let mut changed = false;
        for t in 0..best.tables.len() {
            if !read.contains(&best.tables[t].name) {
                continue;
            }
            let mut chunk = best.tables[t].rows;
            while chunk >= 1 {
                let mut start = 0;
                while start < best.tables[t].rows {
                    let end = (start + chunk).min(best.tables[t].rows);
                    let candidate = rules.valid(without_rows(&best, t, start, end));
                    if candidate.total_rows() < best.total_rows() && probe.fails(&candidate) {
                        best = candidate;
                        changed = true;
                    } else {
                        start += chunk;
                    }
                }
                chunk /= 2;
            }
        }
        if !changed || probe.probes >= MAX_PROBES {
            return best;
        }
    }
}

/// `best` with the rows of the tables outside `read` (parents kept only for their children)
/// that no row points at removed, when the difference stays (it should: the model does not
/// read those tables). No probe is spent when there is nothing to remove.
fn only_referenced(probe: &mut Probe<'_>, best: Dataset, rules: &Rules, read: &HashSet<String>) -> Dataset {
    let trimmed = rules.referenced_only(best.clone(), read);
    if trimmed.total_rows() < best.total_rows() && probe.fails(&trimmed) {
        trimmed
    } else {
        best
    }
}

/// Makes each value simpler where the difference stays: NULL where the column may be null,
/// then [`Value::simpler`]'s candidates. Key columns keep their values, so keys stay unique
/// and references keep pointing at their rows. Tables outside `read` are left as they are:
/// the model never sees their values.
fn simpler_values(probe: &mut Probe<'_>, mut best: Dataset, rules: &Rules, read: &HashSet<String>) -> Dataset {
    for t in 0..best.tables.len() {
        if !read.contains(&best.tables[t].name) {
            continue;
        }
        for c in 0..best.tables[t].columns.len() {
            let table = &best.tables[t];
            if rules.is_key(&table.name, &table.columns[c].name) {
                continue;
            }
            let nullable = rules.nullable(&table.name, &table.columns[c].name);
            for r in 0..best.tables[t].rows {
                let Some(current) = best.tables[t].columns[c].values[r].clone() else { continue };
                let mut candidates: Vec<Option<Value>> = Vec::new();
                if nullable {
                    candidates.push(None);
                }
                candidates.extend(current.simpler().into_iter().map(Some));
                for candidate in candidates {
                    if probe.probes >= MAX_PROBES {
                        return best;
                    }
                    let mut tried = best.clone();
                    tried.tables[t].columns[c].values[r] = candidate;
                    if probe.fails(&tried) {
                        best = tried;
                        break;
                    }
                }
            }
        }
    }
    best
}

/// The source tables model `model` reads, directly or through upstream models.
fn upstream_tables(project: &Project, model: usize) -> HashSet<String> {
    let spec = &project.spec.spec;
    let mut out = HashSet::new();
    let mut todo = vec![model];
    let mut seen = HashSet::new();
    while let Some(m) = todo.pop() {
        if !seen.insert(m) {
            continue;
        }
        for entry in &spec.models[m].sources {
            match target_of(spec, &project.catalog, entry) {
                Target::Model(upstream) => todo.push(upstream),
                Target::Table(table) => {
                    out.extend(project.catalog.get(&table).map(|t| t.table.name.clone()));
                }
                Target::Unknown => {}
            }
        }
    }
    out
}

/// The source tables a shrink of model `model` keeps filled: those it reads (see
/// [`upstream_tables`]) and every table their foreign keys point at, directly or through other
/// parents. A parent the model never reads still has to hold the rows its children point at:
/// emptied, it would leave the kept rows pointing nowhere, which the sources do not allow, and
/// every cut [`Rules::valid`] makes would then take all those rows with it, so nothing could be
/// cut at all.
fn kept_tables(project: &Project, model: usize) -> HashSet<String> {
    let mut kept = upstream_tables(project, model);
    let mut todo: Vec<String> = kept.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        let Some(source) = project.catalog.get(&name) else { continue };
        for fk in &source.table.foreign_keys {
            if kept.insert(fk.references.clone()) {
                todo.push(fk.references.clone());
            }
        }
    }
    kept
}

/// `dataset` with every table outside `keep` emptied (the tables stay, so the code still finds
/// them).
fn only_tables(dataset: &Dataset, keep: &HashSet<String>) -> Dataset {
    let mut out = dataset.clone();
    for table in &mut out.tables {
        if !keep.contains(&table.name) {
            clear(table);
        }
    }
    out
}

fn clear(table: &mut SynthTable) {
    for column in &mut table.columns {
        column.values.clear();
    }
    table.rows = 0;
}

/// `dataset` without rows `start..end` of table `t`.
fn without_rows(dataset: &Dataset, t: usize, start: usize, end: usize) -> Dataset {
    let mut out = dataset.clone();
    let table = &mut out.tables[t];
    for column in &mut table.columns {
        column.values.drain(start..end.min(column.values.len()));
    }
    table.rows -= end - start;
    out
}

/// What the sources declare, for keeping shrunk datasets valid.
struct Rules {
    /// (table, column) pairs in a declared key or foreign key (either side).
    keys: HashSet<(String, String)>,
    /// (table, column) pairs declared nullable.
    nullable: HashSet<(String, String)>,
    /// Foreign keys: (table, columns, referenced table, referenced columns).
    foreign: Vec<(String, Vec<String>, String, Vec<String>)>,
}

impl Rules {
    fn of(project: &Project) -> Rules {
        let mut rules = Rules { keys: HashSet::new(), nullable: HashSet::new(), foreign: Vec::new() };
        for (name, source) in &project.catalog.tables {
            let table = &source.table;
            for column in &table.columns {
                if column.nullable {
                    rules.nullable.insert((name.clone(), column.name.clone()));
                }
            }
            for key in &table.keys {
                rules.keys.extend(key.iter().map(|c| (name.clone(), c.clone())));
            }
            for fk in &table.foreign_keys {
                rules.keys.extend(fk.columns.iter().map(|c| (name.clone(), c.clone())));
                rules.keys.extend(fk.referenced_columns.iter().map(|c| (fk.references.clone(), c.clone())));
                rules.foreign.push((
                    name.clone(),
                    fk.columns.clone(),
                    fk.references.clone(),
                    fk.referenced_columns.clone(),
                ));
            }
        }
        rules
    }

    fn is_key(&self, table: &str, column: &str) -> bool {
        self.keys.iter().any(|(t, c)| t == table && c.eq_ignore_ascii_case(column))
    }

    fn nullable(&self, table: &str, column: &str) -> bool {
        self.nullable.iter().any(|(t, c)| t == table && c.eq_ignore_ascii_case(column))
    }

    /// `dataset` without the rows whose foreign key points at a row no longer there, repeated
    /// until every reference holds.
    fn valid(&self, mut dataset: Dataset) -> Dataset {
        loop {
            let mut removed = false;
            for (table, columns, parent, parent_columns) in &self.foreign {
                let Some(p) = dataset.tables.iter().position(|t| &t.name == parent) else { continue };
                let present: HashSet<Vec<String>> =
                    (0..dataset.tables[p].rows).filter_map(|r| tuple(&dataset.tables[p], parent_columns, r)).collect();
                let Some(c) = dataset.tables.iter().position(|t| &t.name == table) else { continue };
                let child = &dataset.tables[c];
                let keep: Vec<bool> = (0..child.rows)
                    .map(|r| match tuple(child, columns, r) {
                        Some(t) => present.contains(&t),
                        // A NULL in a foreign key points nowhere, which it may.
                        None => true,
                    })
                    .collect();
                if keep.iter().all(|k| *k) {
                    continue;
                }
                removed = true;
                let child = &mut dataset.tables[c];
                for column in &mut child.columns {
                    let mut r = 0;
                    column.values.retain(|_| {
                        r += 1;
                        keep[r - 1]
                    });
                }
                child.rows = keep.iter().filter(|k| **k).count();
            }
            if !removed {
                return dataset;
            }
        }
    }

    /// `dataset` without the rows of tables outside `keep` that no foreign key points at,
    /// repeated until every row left there is pointed at (a parent's parent may lose its last
    /// child row in the previous round). Rows of `keep`'s tables all stay, so every reference
    /// that held still holds.
    fn referenced_only(&self, mut dataset: Dataset, keep: &HashSet<String>) -> Dataset {
        loop {
            let mut pointed: HashSet<(String, Vec<String>, Vec<String>)> = HashSet::new();
            for (table, columns, parent, parent_columns) in &self.foreign {
                let Some(child) = dataset.table(table) else { continue };
                for r in 0..child.rows {
                    if let Some(t) = tuple(child, columns, r) {
                        pointed.insert((parent.clone(), parent_columns.clone(), t));
                    }
                }
            }
            let mut removed = false;
            for table in dataset.tables.iter_mut().filter(|t| !keep.contains(&t.name) && t.rows > 0) {
                let wanted: Vec<&Vec<String>> = self
                    .foreign
                    .iter()
                    .filter(|(_, _, parent, _)| parent == &table.name)
                    .map(|(_, _, _, parent_columns)| parent_columns)
                    .collect();
                let stays: Vec<bool> = (0..table.rows)
                    .map(|r| {
                        wanted.iter().any(|columns| {
                            tuple(table, columns, r)
                                .is_some_and(|t| pointed.contains(&(table.name.clone(), (*columns).clone(), t)))
                        })
                    })
                    .collect();
                if stays.iter().all(|s| *s) {
                    continue;
                }
                removed = true;
                retain_rows(table, &stays);
            }
            if !removed {
                return dataset;
            }
        }
    }
}

/// `table` with only the rows `stays` marks.
fn retain_rows(table: &mut SynthTable, stays: &[bool]) {
    for column in &mut table.columns {
        let mut r = 0;
        column.values.retain(|_| {
            r += 1;
            stays.get(r - 1).copied().unwrap_or(false)
        });
    }
    table.rows = stays.iter().filter(|s| **s).count();
}

/// The text of `columns` of row `r`, or `None` when one is NULL (or missing).
fn tuple(table: &SynthTable, columns: &[String], r: usize) -> Option<Vec<String>> {
    columns
        .iter()
        .map(|name| {
            let column = table.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name))?;
            column.values.get(r)?.as_ref().map(Value::to_text)
        })
        .collect()
}

/// What the last probe's database shows about the difference.
struct Evidence {
    /// The model's direct inputs as it read them.
    inputs: Vec<ReadTable>,
    /// The whole reference result (mapping and aggregate models).
    expected: Option<ReadTable>,
    explanation: Explanation,
}

impl Evidence {
    fn read(engine: &Engine, plan: &Plan<'_>, model: usize, difference: &Difference) -> Evidence {
        let (project, spec) = (plan.project, plan.spec());
        let catalog = engine.catalog().to_string();
        let tables = &plan.tables;
        let mut inputs = Vec::new();
        for entry in &spec.models[model].sources {
            let Some(relation) = plan.relation_of(&catalog, entry) else { continue };
            let name = match tables.model_table(entry) {
                Some(table) => table,
                None => {
                    let parts: Vec<String> = entry.split('.').map(str::to_string).collect();
                    crate::sql::lineage::Tables::lookup(tables, &parts).map(|i| i.key).unwrap_or_else(|| entry.clone())
                }
            };
            if let Some(table) = read_table(engine, &relation, name) {
                inputs.push(table);
            }
        }
        let model_name = &spec.models[model].name;
        let expected = match difference.after_run {
            None => read_table(
                engine,
                &crate::run::plan::qualify(&catalog, &format!("{REFERENCE_SCHEMA}.{model_name}")),
                model_name.clone(),
            ),
            Some(_) => None,
        };
        let model_code = plan.code_of(model);
        // The model's table is as the last run left it: rows are counted there only when that is
        // the state that differs (an SCD2 history that first went wrong earlier is not).
        let actual = match difference.after_run {
            Some(run) if run != crate::run::history::RUNS => None,
            _ => tables.model_table(model_name).map(|t| crate::run::plan::qualify(&catalog, &t)),
        };
        let relation_of = |name: &str| plan.relation_of(&catalog, name);
        let explanation = explain(engine, project, model, model_code, difference, actual.as_deref(), &relation_of);
        Evidence { inputs, expected, explanation }
    }

    fn finding(
        &self,
        project: &Project,
        code: &CodeCheck,
        model: usize,
        synth: &SynthOptions,
        shrunk: bool,
        difference: &Difference,
    ) -> Finding {
        let name = &project.spec.spec.models[model].name;
        let mut finding = base_finding(project, code, model, difference, &self.explanation);
        let sizes: Vec<String> =
            self.inputs.iter().map(|t| format!("{} of {}", plural(t.rows.len(), "row"), t.name)).collect();
        finding.help = Some(format!(
            "{}\ncounterexample (seed {}{}): {}; replay with `--seed {} --rows {}`{}",
            differences_table(&difference.comparison),
            synth.seed,
            if shrunk { ", shrunk" } else { "" },
            if sizes.is_empty() { "no input rows".to_string() } else { sizes.join(", ") },
            synth.seed,
            synth.rows,
            if difference.after_run.is_none() { "; `--emit-fixture DIR` writes it as a regression test" } else { "" },
        ));
        for input in &self.inputs {
            finding = finding.table(EvidenceTable {
                role: TableRole::Input,
                name: input.name.clone(),
                columns: input.columns.iter().map(|(c, _)| c.clone()).collect(),
                rows: input.rows.clone(),
            });
        }
        let (expected, actual) = sides(&difference.comparison);
        let columns = difference.comparison.columns.clone();
        if !expected.is_empty() {
            finding = finding.table(EvidenceTable {
                role: TableRole::Expected,
                name: name.clone(),
                columns: columns.clone(),
                rows: expected,
            });
        }
        if !actual.is_empty() {
            finding =
                finding.table(EvidenceTable { role: TableRole::Actual, name: name.clone(), columns, rows: actual });
        }
        finding
    }
}

/// The finding without evidence, when the difference could not be replayed.
fn plain_finding(
    project: &Project,
    code: &CodeCheck,
    model: usize,
    synth: &SynthOptions,
    difference: &Difference,
) -> Finding {
    let mut finding = base_finding(project, code, model, difference, &Explanation::default());
    finding.help = Some(format!(
        "{}\nfound on the dataset of seed {}; replay with `--seed {} --rows {}`",
        differences_table(&difference.comparison),
        synth.seed,
        synth.seed,
        synth.rows
    ));
    finding
}

/// DIF001 for the model, its message saying how the output differs, placed where the
/// explanation points (a join) or at the code's first statement.
fn base_finding(
    project: &Project,
    code: &CodeCheck,
    model: usize,
    difference: &Difference,
    explanation: &Explanation,
) -> Finding {
    let name = &project.spec.spec.models[model].name;
    let c = &difference.comparison;
    let mut counts = Vec::new();
    if c.missing_rows > 0 {
        counts.push(format!("{} missing", plural(c.missing_rows, "expected row")));
    }
    if c.extra_rows > 0 {
        counts.push(format!("{} the spec does not give", plural(c.extra_rows, "row")));
    }
    let counts =
        format!("{} ({} expected, {} produced)", counts.join(", "), plural(c.expected_rows, "row"), c.actual_rows);
    let what = match difference.after_run {
        Some(run) => format!(
            "`{name}` differs from the spec's reference history after run {run} of {}",
            crate::run::history::RUNS
        ),
        None => format!("`{name}` differs from the spec's reference result on the same inputs"),
    };
    let message = if explanation.sentences.is_empty() {
        format!("{what}: {counts}")
    } else {
        format!("{what}: {}; {counts}", explanation.sentences.join("; "))
    };
    let mut finding = Finding::new(Code::DiffersFromReference, message).model(name);
    if let Some(model_code) = code.models.iter().find(|m| &m.model == name) {
        let location = explanation.location.clone().unwrap_or_else(|| crate::run::models::body_location(model_code));
        finding = finding.at(location);
    }
    finding
}

/// The expected side and the actual side of the differing rows.
fn sides(comparison: &Comparison) -> (Vec<Row>, Vec<Row>) {
    let expected = comparison.differences.iter().filter_map(|(e, _)| e.clone()).collect();
    let actual = comparison.differences.iter().filter_map(|(_, a)| a.clone()).collect();
    (expected, actual)
}

/// The differing rows, expected beside actual, one line each, columns that disagree marked.
pub(crate) fn differences_table(comparison: &Comparison) -> String {
    let show = |row: &Option<Row>| match row {
        Some(values) => {
            values.iter().map(|v| v.clone().unwrap_or_else(|| "NULL".into())).collect::<Vec<_>>().join(" | ")
        }
        None => "(none)".into(),
    };
    let mut out = format!("columns: {}\n", comparison.columns.join(" | "));
    for (expected, actual) in &comparison.differences {
        let differing: Vec<&str> = match (expected, actual) {
            (Some(e), Some(a)) => comparison
                .columns
                .iter()
                .zip(e.iter().zip(a))
                .filter(|(_, (x, y))| x != y)
                .map(|(c, _)| c.as_str())
                .collect(),
            _ => Vec::new(),
        };
        out.push_str(&format!("expected: {}\n  actual: {}", show(expected), show(actual)));
        if !differing.is_empty() {
            out.push_str(&format!("\n  differs in: {}", differing.join(", ")));
        }
        out.push('\n');
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::crate_root;

    /// The inventory example: `stg_po_lines` reads purchase orders and their lines, and the
    /// orders point at suppliers and warehouses, which it does not read.
    fn inventory() -> (Project, usize) {
        let dir = crate_root().join("specs/inventory");
        let project = crate::project::layout::load_project(&dir, &Default::default()).expect("example loads");
        let model = project.spec.spec.models.iter().position(|m| m.name == "stg_po_lines").expect("model");
        (project, model)
    }

    fn names(set: &HashSet<String>) -> Vec<&str> {
        let mut out: Vec<&str> = set.iter().map(String::as_str).collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn kept_tables_add_the_parents_of_what_the_model_reads() {
        let (project, model) = inventory();
        assert_eq!(names(&upstream_tables(&project, model)), ["raw.purchase_order_lines", "raw.purchase_orders"]);
        assert_eq!(
            names(&kept_tables(&project, model)),
            ["raw.purchase_order_lines", "raw.purchase_orders", "raw.suppliers", "raw.warehouses"]
        );
    }

    #[test]
    fn a_cut_to_the_kept_tables_survives_the_foreign_keys() {
        let (project, model) = inventory();
        let rules = Rules::of(&project);
        let full = crate::synth::synthesize(&project.spec, &project.catalog, &SynthOptions { seed: 7, rows: 12 });
        let lines = |d: &Dataset| d.table("raw.purchase_order_lines").map_or(0, |t| t.rows);
        assert!(lines(&full) > 0);
        // Kept with their parents, the rows the model reads all stay valid.
        let kept = only_tables(&full, &kept_tables(&project, model));
        assert_eq!(rules.valid(kept.clone()), kept);
        // Cut to what the model reads alone, every order points nowhere, and making the data
        // valid again takes every row the model reads: nothing would be left to shrink.
        let read = only_tables(&full, &upstream_tables(&project, model));
        assert_eq!(lines(&rules.valid(read)), 0);
    }

    #[test]
    fn parents_the_model_does_not_read_keep_only_the_rows_pointed_at() {
        let (project, model) = inventory();
        let rules = Rules::of(&project);
        let full = crate::synth::synthesize(&project.spec, &project.catalog, &SynthOptions { seed: 7, rows: 12 });
        let mut data = only_tables(&full, &kept_tables(&project, model));
        // One order left, and its lines.
        let orders = data.tables.iter().position(|t| t.name == "raw.purchase_orders").expect("orders");
        let rows = data.tables[orders].rows;
        data = rules.valid(without_rows(&data, orders, 1, rows));
        let read = upstream_tables(&project, model);
        let trimmed = rules.referenced_only(data.clone(), &read);
        let order = data.tables[orders].clone();
        let supplier = order.column("supplier_id").and_then(|c| c.values[0].clone()).map(|v| v.to_text());
        let suppliers = trimmed.table("raw.suppliers").expect("suppliers");
        assert_eq!(suppliers.rows, 1);
        assert_eq!(suppliers.column("supplier_id").and_then(|c| c.values[0].clone()).map(|v| v.to_text()), supplier);
        assert!(trimmed.table("raw.warehouses").is_some_and(|t| t.rows <= 1));
        // What the model reads is untouched, and every reference still holds.
        for name in &read {
            assert_eq!(trimmed.table(name), data.table(name));
        }
        assert_eq!(rules.valid(trimmed.clone()), trimmed);
    }
}
