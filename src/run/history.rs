//! SCD2 models over several runs: the history a type 2 model keeps only shows over successive
//! snapshots, so after the pipeline's first run the model runs twice more, at later run times,
//! on snapshots of its source that change, add, delete and bring back keys, and the invariants
//! (spec-format.md, "SCD type 2 model") are checked after every run.
//!
//! The snapshots are derived from the first one, deterministically: keys are numbered in key
//! order and chosen by that number, so the same data always gives the same history.
//!
//! | keys (n mod 7) | run 2 | run 3 |
//! | --- | --- | --- |
//! | 1 | a tracked value changes | another one changes (the same one if it is the only one) |
//! | 2 | a copy under a new key is added | the new key stays |
//! | 3 | the key disappears | it comes back, unchanged |
//! | 4 | unchanged | a tracked value changes |
//! | 6 | unchanged | the key disappears |
//! | 0 | a tracked value becomes NULL | it comes back |
//!
//! The tracked columns that change take turns: in the block of seven keys b (b = n / 7), the
//! three changes go to columns b + seed, b + seed + 1 and b + seed + 2 (mod their number), so
//! every tracked column is seen changing alone, and over a few seeds within the first five keys.
//! A change to NULL (and back) goes only to a tracked column that holds NULL in some row of the
//! first snapshot: the upstream model made NULL there from the sources, so it is a value the
//! column can take. The columns that can take turns likewise, by block and seed.

use super::models::Script;
use crate::check::output::{check_scd2_invariants, OutputTable};
use crate::engine::{Engine, RunError, RunErrorKind};
use crate::finding::{Finding, Location};
use crate::project::code::ModelCode;
use crate::project::layout::Project;
use crate::reference::coverage::{scd2_outcomes, Outcome};
use crate::reference::{Comparison, Snapshot};
use crate::sql::quote_ident as ident;

/// Runs a model's translated statements into its table (the pipeline's `execute`).
pub(crate) type RunModel = dyn Fn(&Engine, &Script, &str) -> Result<(), RunError>;

/// How many runs the history has in all (the pipeline's run included).
pub const RUNS: usize = 3;

/// Where an SCD2 model reads and writes.
pub(crate) struct HistoryTarget<'a> {
    /// The model's index in the spec.
    pub index: usize,
    pub code: &'a ModelCode,
    /// Its translated statements.
    pub statements: &'a Script,
    /// Its table, qualified.
    pub relation: String,
    /// Its single source's table, qualified.
    pub source: String,
    /// The catalog the engine runs in.
    pub catalog: String,
    /// Where the tracked columns' turns to change start (the dataset's seed): key 1 changes a
    /// different column from one seed to the next, so a small counterexample exists for each.
    pub turn: u64,
}

/// Checks the invariants after the first run (already done by the pipeline), runs the model
/// [`RUNS`]` - 1` more times on changed snapshots, checks after each, and puts the source back as
/// it was. An invariant broken in several runs is reported once, for the first.
pub(crate) fn run_history(
    engine: &Engine,
    project: &Project,
    target: &HistoryTarget<'_>,
    first_run_time: &str,
    run: &RunModel,
) -> History {
    let spec = &project.spec;
    let model = &spec.spec.models[target.index];
    let table = OutputTable {
        model: &model.name,
        relation: target.relation.clone(),
        catalog: Some(target.catalog.clone()),
        translated_from_bigquery: target.code.dialect == crate::spec::model::Dialect::Bigquery,
    };
    // spec-format.md: a snapshot with two rows for one natural key has no defined history; that
    // is the upstream model's problem, reported there (its key check, or the lint's SPEC013 or
    // SPEC015), not this model's.
    if let Some(natural_key) = &model.constraints.natural_key {
        let keys = natural_key.names().map(ident).collect::<Vec<_>>().join(", ");
        let sql =
            format!("SELECT count(*) FROM (SELECT {keys} FROM {} GROUP BY ALL HAVING count(*) > 1)", target.source);
        if let Ok((_, rows)) = engine.query(&sql) {
            if rows.first().and_then(|r| r.first()).is_some_and(|v| v.as_deref() != Some("0")) {
                return History::Undefined;
            }
        }
    }
    let mut findings = check_scd2_invariants(engine.connection(), spec, target.index, &table, 1);
    let plan = match Snapshots::prepare(engine, project, target) {
        Ok(Some(plan)) => plan,
        // No natural key or no source columns: the lint has said why; one run is all there is.
        Ok(None) => return History::Checked { findings: dedup(findings), difference: None, reached: Vec::new() },
        Err(error) => {
            findings.push(failure(target, 2, &error));
            return History::Checked { findings: dedup(findings), difference: None, reached: Vec::new() };
        }
    };
    // Each run's snapshot is kept, so the reference history can be computed after every run.
    let mut snapshots = vec![Snapshot { relation: SNAPSHOT.to_string(), run_time: first_run_time.to_string() }];
    // The table after each run, kept, so the reference is compared once at the end and, only
    // when that differs, run by run to find the first run that went wrong.
    let mut tables = vec![keep_table(engine, &target.relation, 1)];
    for n in 2..=RUNS {
        let mut time = String::new();
        let step = plan
            .make(engine, n)
            .and_then(|()| later_time(engine, first_run_time, n - 1))
            .and_then(|t| {
                time = t;
                engine.set_run_time(&time)
            })
            .and_then(|()| run(engine, target.statements, &target.relation));
        if let Err(error) = step {
            findings.push(failure(target, n, &error));
            break;
        }
        findings.extend(check_scd2_invariants(engine.connection(), spec, target.index, &table, n));
        let kept = format!("temp.main.specproof_history_run{n}");
        // Without this run's snapshot the reference cannot follow the model further: the
        // history is compared up to the run before.
        if engine
            .execute(&format!("CREATE OR REPLACE TEMP TABLE specproof_history_run{n} AS SELECT * FROM {}", plan.source))
            .is_err()
        {
            break;
        }
        snapshots.push(Snapshot { relation: kept, run_time: time });
        tables.push(keep_table(engine, &target.relation, n));
    }
    // The table as the last complete run left it (a failed run may have left the model's
    // table half changed), then, only when that differs, run by run for the first that went
    // wrong; the last run's comparison is the one already made.
    let last = tables.len();
    let compare = |n: usize| {
        let table = tables[n - 1].as_deref()?;
        compare_history(engine, project, table, target.index, &snapshots[..n]).map(|found| (n, found))
    };
    let difference = compare(last).map(|full| (1..last).find_map(compare).unwrap_or(full));
    let reached = plan.reached(engine, &model.name, target.index, &snapshots);
    // Put back what the rest of the run saw, for a person inspecting the database (--db), and
    // drop the history's own tables, in one script.
    let drops: String = (1..=RUNS)
        .map(|n| {
            format!(
                "DROP TABLE IF EXISTS temp.main.specproof_history_run{n};\nDROP TABLE IF EXISTS temp.main.specproof_history_table{n};\n"
            )
        })
        .collect();
    let _ = plan.restore(engine, &drops);
    let _ = engine.set_run_time(first_run_time);
    History::Checked { findings: dedup(findings), difference, reached }
}

/// The model's table against the spec's reference history of `snapshots` (spec-format.md, "SCD
/// type 2 model"): `None` when they agree, or when the reference cannot be computed or compared
/// (the lint and the type check say why).
fn compare_history(
    engine: &Engine,
    project: &Project,
    table: &str,
    model: usize,
    snapshots: &[Snapshot],
) -> Option<Comparison> {
    let sql = crate::reference::history_sql(&project.spec, &project.catalog, model, snapshots).ok()?;
    engine.execute(&format!("CREATE OR REPLACE TEMP TABLE specproof_history_expected AS {sql}")).ok()?;
    let expected = "temp.main.specproof_history_expected";
    let columns: Vec<String> = engine.describe(expected).ok()?.into_iter().map(|(c, _)| c).collect();
    let comparison = crate::reference::compare(
        engine.connection(),
        expected,
        table,
        &columns,
        crate::reference::Tolerance::default(),
    )
    .ok()?;
    (!comparison.agrees()).then_some(comparison)
}

/// A copy of the model's table as run `n` left it, or `None` when it cannot be read.
fn keep_table(engine: &Engine, relation: &str, n: usize) -> Option<String> {
    engine
        .execute(&format!("CREATE OR REPLACE TEMP TABLE specproof_history_table{n} AS SELECT * FROM {relation}"))
        .ok()
        .map(|()| format!("temp.main.specproof_history_table{n}"))
}

/// What running a history gave.
pub(crate) enum History {
    /// The findings of every run, and the first run after which the model's table differs from
    /// the reference history, with how.
    Checked {
        findings: Vec<Finding>,
        difference: Option<(usize, Comparison)>,
        /// The SCD2 outcomes ([`crate::reference::coverage::scd2_outcomes`]) with the keys that
        /// reached each over the runs; `None` where the history did not get that far.
        reached: Vec<(Outcome, Option<u64>)>,
    },
    /// The source repeats natural keys: there is no history to check.
    Undefined,
}

/// The first snapshot, kept, and how to derive the later ones from it.
struct Snapshots {
    /// The source table, qualified.
    source: String,
    columns: Vec<String>,
    keys: Vec<String>,
    /// Each tracked column that can be changed, with the SQL of a changed value for `times`
    /// changes. Keys take turns (by their number) at which column changes, so every tracked
    /// column is seen changing alone.
    changes: Vec<(String, String)>,
    /// Untracked source columns (not the key) that can be changed, as `changes`: key 5 of each
    /// seven changes one alone at run 2, and one with a tracked column at run 3, so a history
    /// shows a change that must open no version and one that must.
    untracked: Vec<(String, String)>,
    /// The tracked columns.
    tracked: Vec<String>,
    /// The tracked columns with a NULL in some row of the first snapshot: the ones a key of
    /// class 0 sets to NULL at run 2 (its value comes back at run 3).
    nullable: Vec<String>,
    /// See [`HistoryTarget::turn`].
    turn: u64,
    /// The expression giving a new key for a copied row, when the key type has one.
    new_key: Option<(String, String)>,
}

const SNAPSHOT: &str = "temp.main.specproof_history_snapshot";
const KEYS: &str = "temp.main.specproof_history_keys";

impl Snapshots {
    fn prepare(engine: &Engine, project: &Project, target: &HistoryTarget<'_>) -> Result<Option<Snapshots>, RunError> {
        let model = &project.spec.spec.models[target.index];
        let Some(natural_key) = &model.constraints.natural_key else { return Ok(None) };
        let described = engine.describe(&target.source)?;
        let find = |name: &str| described.iter().find(|(c, _)| c.eq_ignore_ascii_case(name));
        let mut keys = Vec::new();
        for name in natural_key.names() {
            match find(name) {
                Some((c, _)) => keys.push(c.clone()),
                None => return Ok(None),
            }
        }
        let tracked: Vec<&(String, String)> = match &model.constraints.tracked_columns {
            Some(list) => list.names().filter_map(find).collect(),
            None => described.iter().filter(|(c, _)| !keys.iter().any(|k| k == c)).collect(),
        };
        let changes: Vec<(String, String)> =
            tracked.iter().filter_map(|(c, ty)| changed_value(&ident(c), ty).map(|sql| (c.clone(), sql))).collect();
        let untracked: Vec<(String, String)> = described
            .iter()
            .filter(|(c, _)| !keys.contains(c) && !tracked.iter().any(|(t, _)| t == c))
            .filter_map(|(c, ty)| changed_value(&ident(c), ty).map(|sql| (c.clone(), sql)))
            .collect();
        let new_key = match keys.as_slice() {
            [k] => described
                .iter()
                .find(|(c, _)| c == k)
                .and_then(|(c, ty)| fresh_key(&ident(c), ty))
                .map(|sql| (k.clone(), sql)),
            _ => None,
        };
        let key_list = keys.iter().map(|k| ident(k)).collect::<Vec<_>>().join(", ");
        engine.execute(&format!(
            "CREATE OR REPLACE TEMP TABLE specproof_history_snapshot AS SELECT * FROM {src};\n\
             CREATE OR REPLACE TEMP TABLE specproof_history_keys AS SELECT {key_list}, row_number() OVER (ORDER BY {key_list}) AS specproof_n \
             FROM (SELECT DISTINCT {key_list} FROM {src});",
            src = target.source
        ))?;
        let nullable = if tracked.is_empty() {
            Vec::new()
        } else {
            let counts = tracked
                .iter()
                .map(|(c, _)| format!("count(*) FILTER (WHERE {} IS NULL)", ident(c)))
                .collect::<Vec<_>>();
            let (_, rows) = engine.query(&format!("SELECT {} FROM {SNAPSHOT}", counts.join(", ")))?;
            let nulls = rows.into_iter().next().unwrap_or_default();
            tracked
                .iter()
                .zip(nulls)
                .filter(|(_, n)| n.as_deref().is_some_and(|n| n != "0"))
                .map(|((c, _), _)| c.clone())
                .collect()
        };
        Ok(Some(Snapshots {
            source: target.source.clone(),
            columns: described.iter().map(|(c, _)| c.clone()).collect(),
            keys,
            changes,
            untracked,
            tracked: tracked.iter().map(|(c, _)| c.clone()).collect(),
            nullable,
            new_key,
            turn: target.turn,
        }))
    }

    /// Replaces the source with snapshot `run` (2 or 3).
    fn make(&self, engine: &Engine, run: usize) -> Result<(), RunError> {
        let gone: &[u64] = if run == 2 { &[3] } else { &[6] };
        let in_set = |set: &[u64]| {
            format!("k.specproof_n % 7 IN ({})", set.iter().map(u64::to_string).collect::<Vec<_>>().join(", "))
        };
        // Class 0 at run 2: the key's turn of the nullable tracked columns becomes NULL.
        let to_null = |c: &String| -> Option<String> {
            let j = self.nullable.iter().position(|n| n == c)?;
            (run == 2).then(|| {
                format!(
                    "k.specproof_n % 7 = 0 AND (k.specproof_n // 7 + {}) % {} = {j}",
                    self.turn % self.nullable.len() as u64,
                    self.nullable.len()
                )
            })
        };
        let select: Vec<String> = self
            .columns
            .iter()
            .map(|c| match to_null(c) {
                Some(when) => format!("CASE WHEN {when} THEN NULL ELSE {} END AS {}", self.changed(c, run), ident(c)),
                None => format!("{} AS {}", self.changed(c, run), ident(c)),
            })
            .collect();
        let join: Vec<String> =
            self.keys.iter().map(|k| format!("k.{q} IS NOT DISTINCT FROM s.{q}", q = ident(k))).collect();
        let mut sql = format!(
            "SELECT {} FROM {SNAPSHOT} AS s JOIN {KEYS} AS k ON {} WHERE NOT ({})",
            select.join(", "),
            join.join(" AND "),
            in_set(gone)
        );
        if let Some((key, fresh)) = &self.new_key {
            let copy: Vec<String> = self
                .columns
                .iter()
                .map(|c| {
                    if c == key {
                        format!("{} AS {}", fresh.replace("{col}", &format!("s.{}", ident(c))), ident(c))
                    } else {
                        format!("s.{}", ident(c))
                    }
                })
                .collect();
            sql.push_str(&format!(
                " UNION ALL SELECT {} FROM {SNAPSHOT} AS s JOIN {KEYS} AS k ON {} WHERE k.specproof_n % 7 = 2",
                copy.join(", "),
                join.join(" AND ")
            ));
        }
        // DELETE + INSERT keeps the table (and anything the model's code holds on to) in place.
        engine.execute(&format!("DELETE FROM {src};\nINSERT INTO {src} {sql};", src = self.source))
    }

    /// Column `c`'s value in snapshot `run` (2 or 3), as a SQL expression over `s` (the first
    /// snapshot) and `k` (the key's number): changed where its key's class and turn say so.
    fn changed(&self, c: &str, run: usize) -> String {
        // Three changes in the first five keys, each to its own column where there are three:
        // key 1 changes column t at run 2 and column t + 1 at run 3, key 4 column t + 2 at run 3
        // (t from the key's block of seven and the seed), so a few keys show every column.
        let turns = self.changes.len().max(1) as u64;
        let turn = self.turn % turns;
        match self.changes.iter().position(|(changed, _)| changed == c) {
            Some(j) => {
                let sql = &self.changes[j].1;
                let hits = |slot: u64| format!("(k.specproof_n // 7 + {}) % {turns} = {j}", turn + slot);
                let (twice, once) = if run == 2 {
                    ("FALSE".to_string(), format!("k.specproof_n % 7 = 1 AND {}", hits(0)))
                } else {
                    (
                        format!("k.specproof_n % 7 = 1 AND {} AND {}", hits(0), hits(1)),
                        format!(
                            "(k.specproof_n % 7 = 1 AND ({} OR {})) OR (k.specproof_n % 7 = 4 AND {})",
                            hits(0),
                            hits(1),
                            hits(2)
                        ),
                    )
                };
                // Key 5 changes a tracked column along with an untracked one at run 3.
                let once = if run == 3 && !self.untracked.is_empty() && turn as usize == j {
                    format!("({once}) OR k.specproof_n % 7 = 5")
                } else {
                    once
                };
                format!(
                    "CASE WHEN {twice} THEN {} WHEN {once} THEN {} ELSE s.{q} END",
                    sql.replace("{times}", "2").replace("{col}", &format!("s.{}", ident(c))),
                    sql.replace("{times}", "1").replace("{col}", &format!("s.{}", ident(c))),
                    q = ident(c)
                )
            }
            None => match self.untracked.iter().position(|(u, _)| u == c) {
                // Key 5: one untracked column changes alone at run 2, again (with a tracked
                // one) at run 3.
                Some(j) if j as u64 == self.turn % self.untracked.len() as u64 => format!(
                    "CASE WHEN k.specproof_n % 7 = 5 THEN {} ELSE s.{q} END",
                    self.untracked[j]
                        .1
                        .replace("{times}", &(run - 1).to_string())
                        .replace("{col}", &format!("s.{}", ident(c))),
                    q = ident(c)
                ),
                _ => format!("s.{}", ident(c)),
            },
        }
    }

    /// The SCD2 outcomes the snapshots reached: keys whose tracked values alone changed from
    /// one run to the next, whose untracked values alone, both, and keys that left and came back.
    fn reached(
        &self,
        engine: &Engine,
        model: &str,
        index: usize,
        snapshots: &[Snapshot],
    ) -> Vec<(Outcome, Option<u64>)> {
        let outcomes = scd2_outcomes(model, index, !self.untracked_all().is_empty());
        let on = |a: &str, b: &str| {
            self.keys
                .iter()
                .map(|k| format!("{a}.{q} IS NOT DISTINCT FROM {b}.{q}", q = ident(k)))
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        let differs = |columns: &[String]| {
            if columns.is_empty() {
                return "FALSE".to_string();
            }
            columns
                .iter()
                .map(|c| format!("a.{q} IS DISTINCT FROM b.{q}", q = ident(c)))
                .collect::<Vec<_>>()
                .join(" OR ")
        };
        let tracked: Vec<String> = self
            .columns
            .iter()
            .filter(|c| !self.keys.contains(c) && !self.untracked_all().contains(c))
            .cloned()
            .collect();
        let (t, u) = (differs(&tracked), differs(&self.untracked_all()));
        let mut counts = [0u64; 4];
        let mut measured = [false; 4];
        let first = |sql: &str| -> Option<Vec<u64>> {
            let (_, rows) = engine.query(sql).ok()?;
            rows.into_iter()
                .next()
                .map(|r| r.into_iter().map(|v| v.and_then(|v| v.parse().ok()).unwrap_or(0)).collect())
        };
        for pair in snapshots.windows(2) {
            let sql = format!(
                "SELECT count(*) FILTER (WHERE t AND NOT u), count(*) FILTER (WHERE u AND NOT t), count(*) FILTER (WHERE t AND u) \
                 FROM (SELECT ({t}) AS t, ({u}) AS u FROM {} AS a JOIN {} AS b ON {})",
                pair[0].relation,
                pair[1].relation,
                on("a", "b")
            );
            if let Some(v) = first(&sql) {
                for k in 0..3 {
                    counts[k] += v.get(k).copied().unwrap_or(0);
                    measured[k] = true;
                }
            }
        }
        for w in snapshots.windows(3) {
            let sql = format!(
                "SELECT count(*) FROM {} AS a WHERE EXISTS (SELECT 1 FROM {} AS b WHERE {}) AND NOT EXISTS (SELECT 1 FROM {} AS b WHERE {})",
                w[0].relation,
                w[2].relation,
                on("a", "b"),
                w[1].relation,
                on("a", "b")
            );
            if let Some(v) = first(&sql) {
                counts[3] += v.first().copied().unwrap_or(0);
                measured[3] = true;
            }
        }
        outcomes.into_iter().enumerate().map(|(k, o)| (o, measured[k].then_some(counts[k]))).collect()
    }

    /// Every untracked column (not only the ones a change can be written for).
    fn untracked_all(&self) -> Vec<String> {
        self.columns.iter().filter(|c| !self.keys.contains(c) && !self.tracked.contains(c)).cloned().collect()
    }

    /// Puts the first snapshot back in the source, then runs `then` (more of the clean-up).
    fn restore(&self, engine: &Engine, then: &str) -> Result<(), RunError> {
        engine.execute(&format!(
            "DELETE FROM {src};\nINSERT INTO {src} SELECT * FROM {SNAPSHOT};\nDROP TABLE {SNAPSHOT};\nDROP TABLE {KEYS};\n{then}",
            src = self.source
        ))
    }
}

/// A value different from `{col}` for a column of DuckDB type `ty`, `{times}` changes away;
/// NULL becomes a value (a change from NULL is a change).
fn changed_value(_col: &str, ty: &str) -> Option<String> {
    let ty = ty.to_ascii_uppercase();
    let sql = if ty == "VARCHAR" {
        "coalesce({col}, '') || repeat('~', {times})"
    } else if ["BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "DOUBLE", "FLOAT"].contains(&ty.as_str())
        || ty.starts_with("DECIMAL")
    {
        "coalesce({col}, 0) + {times}"
    } else if ty == "DATE" {
        "coalesce({col}, DATE '2000-01-01') + {times}"
    } else if ty == "TIMESTAMP" {
        "coalesce({col}, TIMESTAMP '2000-01-01') + to_days({times})"
    } else {
        return None;
    };
    Some(sql.to_string())
}

/// A key no row of `source` has, for a copy of a row: past the largest integer key, or the
/// string key with a suffix.
fn fresh_key(col: &str, ty: &str) -> Option<String> {
    let ty = ty.to_ascii_uppercase();
    if ["BIGINT", "INTEGER", "HUGEINT"].contains(&ty.as_str()) {
        // Twice the largest magnitude: a negative key moved by it alone could land on an
        // existing positive one (-1 + (9 + 1) = 9); moved by twice, every new key is above them all.
        Some(format!("{{col}} + (SELECT 2 * (coalesce(max(abs({col})), 0) + 1) FROM {SNAPSHOT})"))
    } else if ty == "VARCHAR" {
        Some("{col} || ' (new)'".to_string())
    } else {
        None
    }
}

/// The run time `days` days after `first`: worked out here when `first` is a plain date and
/// time (as the run time always is), by DuckDB otherwise.
fn later_time(engine: &Engine, first: &str, days: usize) -> Result<String, RunError> {
    if let Some(later) = add_days(first, days) {
        return Ok(later);
    }
    let sql =
        format!("SELECT strftime(TIMESTAMP '{}' + to_days({days}), '%Y-%m-%d %H:%M:%S')", first.replace('\'', "''"));
    let (_, rows) = engine.query(&sql)?;
    rows.into_iter()
        .next()
        .and_then(|r| r.into_iter().next().flatten())
        .ok_or_else(|| RunError { kind: RunErrorKind::Failed, message: "no run time".into() })
}

/// `first` ("YYYY-MM-DD HH:MM:SS") `days` calendar days later, as DuckDB's
/// `TIMESTAMP + to_days(days)` gives it; `None` for any other text.
fn add_days(first: &str, days: usize) -> Option<String> {
    let trimmed = first.trim();
    // Only the exact form DuckDB would print back: anything else is left to DuckDB.
    let shape = trimmed.len() == 19 && trimmed.as_bytes().get(10) == Some(&b' ');
    let time: jiff::civil::DateTime = if shape { trimmed.parse().ok()? } else { return None };
    let later = time.checked_add(jiff::Span::new().try_days(i64::try_from(days).ok()?).ok()?).ok()?;
    Some(later.strftime("%Y-%m-%d %H:%M:%S").to_string())
}

fn failure(target: &HistoryTarget<'_>, run: usize, error: &RunError) -> Finding {
    Finding::new(
        error.code(),
        format!("run {run} of `{}` (its SCD2 history) failed: {}", target.code.model, error.message),
    )
    .model(&target.code.model)
    .at(Location { file: target.code.file.clone(), line: 1, column: 1 })
}

/// Keeps the first run's finding of each invariant.
fn dedup(mut findings: Vec<Finding>) -> Vec<Finding> {
    let mut seen: Vec<(crate::finding::Code, Option<String>, String)> = Vec::new();
    findings.retain(|f| {
        // "after run 2, <what>: 3 rows" → <what>.
        let what = f.message.split_once(", ").map(|(_, rest)| rest).unwrap_or(&f.message);
        let what = what.rsplit_once(": ").map(|(w, _)| w).unwrap_or(what).to_string();
        let key = (f.code, f.json_path.clone(), what);
        let new = !seen.contains(&key);
        if new {
            seen.push(key);
        }
        new
    });
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineConfig;

    #[test]
    fn later_run_times_are_worked_out_as_duckdb_does() {
        let engine = Engine::open(&EngineConfig::default()).unwrap();
        for (first, days) in [
            ("2024-02-28 12:00:00", 1),
            ("2024-02-28 12:00:00", 2),
            ("2023-12-31 23:59:59", 1),
            ("2024-01-01 00:00:00", 2),
        ] {
            let sql = format!("SELECT strftime(TIMESTAMP '{first}' + to_days({days}), '%Y-%m-%d %H:%M:%S')");
            let (_, rows) = engine.query(&sql).unwrap();
            assert_eq!(add_days(first, days), rows[0][0].clone(), "{first} + {days}");
        }
        assert_eq!(add_days("2024-02-28 12:00:00", 1).as_deref(), Some("2024-02-29 12:00:00"));
        // Any other form is left to DuckDB, which still gives the time.
        for other in ["2024-01-01T00:00:00", "2024-01-01 00:00:00.5", "2024-01-01", "not a time"] {
            assert_eq!(add_days(other, 1), None, "{other}");
        }
        assert_eq!(later_time(&engine, "2024-01-01 00:00:00.5", 1).unwrap(), "2024-01-02 00:00:00");
    }

    /// A snapshot of 14 keys whose `note` is NULL for key 5 only and whose `name` is never NULL.
    fn snapshots(engine: &Engine) -> Snapshots {
        engine
            .execute(
                "CREATE TABLE memory.main.src AS SELECT range::BIGINT AS id, 'n' || range AS name, \
                 CASE WHEN range = 5 THEN NULL ELSE 'x' END AS note FROM range(1, 15);\n\
                 CREATE OR REPLACE TEMP TABLE specproof_history_snapshot AS SELECT * FROM memory.main.src;\n\
                 CREATE OR REPLACE TEMP TABLE specproof_history_keys AS SELECT id, row_number() OVER (ORDER BY id) AS specproof_n FROM memory.main.src;",
            )
            .unwrap();
        Snapshots {
            source: "memory.main.src".into(),
            columns: vec!["id".into(), "name".into(), "note".into()],
            keys: vec!["id".into()],
            changes: vec![("name".into(), changed_value("", "VARCHAR").unwrap())],
            untracked: Vec::new(),
            tracked: vec!["name".into(), "note".into()],
            nullable: vec!["note".into()],
            turn: 0,
            new_key: None,
        }
    }

    #[test]
    fn a_tracked_value_goes_to_null_and_back_only_where_the_column_holds_null() {
        let engine = Engine::open(&EngineConfig::default()).unwrap();
        let plan = snapshots(&engine);
        let nulls = |engine: &Engine| {
            let (_, rows) = engine
                .query("SELECT list(id ORDER BY id), count(*) FILTER (WHERE name IS NULL) FROM memory.main.src WHERE note IS NULL")
                .unwrap();
            (rows[0][0].clone().unwrap_or_default(), rows[0][1].clone().unwrap_or_default())
        };
        assert_eq!(nulls(&engine), ("[5]".to_string(), "0".to_string()));
        // Run 2: the keys of class 0 (the 7th and 14th) lose their `note`; `name` never
        // becomes NULL (no row of the snapshot has it NULL).
        plan.make(&engine, 2).unwrap();
        assert_eq!(nulls(&engine), ("[5, 7, 14]".to_string(), "0".to_string()));
        // Run 3: it comes back.
        plan.make(&engine, 3).unwrap();
        assert_eq!(nulls(&engine), ("[5]".to_string(), "0".to_string()));
    }
}
