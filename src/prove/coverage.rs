//! What the datasets exercised: each outcome of each construct of the spec
//! ([`crate::reference::coverage`]) counted on every dataset's inputs, merged over the datasets,
//! and a warning for every construct with an outcome no dataset reached.
//!
//! Reach is measured on the data actually used (each probe a query on the loaded tables and the
//! upstream tables the run produced), never on what the generator meant to make.

use crate::engine::Engine;
use crate::finding::{plural, Code, Finding};
use crate::project::layout::Project;
use crate::reference::coverage::{probes_for, Outcome};
use crate::run::plan::Plan;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One outcome on one dataset: the rows (or groups) that reached it, `None` when its probe
/// could not be evaluated there (an upstream model did not run); and the rows (or groups) its
/// probe looked at, the ones that reach the construct's query, where that was counted.
pub type Measured = (Outcome, Option<u64>, Option<u64>);

/// Every outcome over every dataset of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SpecCoverage {
    /// Datasets measured.
    pub datasets: usize,
    /// The outcomes, in model order and, inside a model, in the order the spec states them.
    pub outcomes: Vec<Reach>,
}

/// One outcome over the datasets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    /// The outcome.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Datasets on which some row (or group) reached it.
    pub datasets: usize,
    /// Rows (or groups) that reached it, over all datasets.
    pub rows: u64,
    /// Datasets on which it could be measured.
    pub measured: usize,
    /// Rows (or groups) its probe looked at, over all datasets: the rows that reach the
    /// construct's query (its joins and filters). 0 with `measured` > 0: no row ever got there.
    pub examined: u64,
}

impl Reach {
    /// Reached on some dataset.
    pub fn reached(&self) -> bool {
        self.datasets > 0
    }

    /// `reached`, `impossible` (not reached, and the sources' declarations say it cannot be),
    /// `unmeasured` (no dataset produced the rows it reads: an upstream model failed, or an SCD2
    /// history has no meaning there; the run's other findings and scope say why) or `missed`.
    pub fn status(&self) -> &'static str {
        if self.reached() {
            "reached"
        } else if self.outcome.impossible.is_some() {
            "impossible"
        } else if self.measured == 0 {
            "unmeasured"
        } else {
            "missed"
        }
    }
}

/// Per model: (model, reached, impossible, missed, unmeasured), in model order.
pub type ModelSummary<'a> = (&'a str, usize, usize, usize, usize);

impl SpecCoverage {
    /// Counts per model, in the order the models first appear.
    pub fn by_model(&self) -> Vec<ModelSummary<'_>> {
        let mut out: Vec<ModelSummary<'_>> = Vec::new();
        for r in &self.outcomes {
            let model = r.outcome.model.as_str();
            if out.last().is_none_or(|(m, ..)| *m != model) {
                out.push((model, 0, 0, 0, 0));
            }
            if let Some(last) = out.last_mut() {
                match r.status() {
                    "reached" => last.1 += 1,
                    "impossible" => last.2 += 1,
                    "missed" => last.3 += 1,
                    _ => last.4 += 1,
                }
            }
        }
        out
    }

    /// (reached, impossible, missed, unmeasured) over all models.
    pub fn totals(&self) -> (usize, usize, usize, usize) {
        self.by_model().iter().fold((0, 0, 0, 0), |t, m| (t.0 + m.1, t.1 + m.2, t.2 + m.3, t.3 + m.4))
    }
}

/// Counts every probe of the project on the tables loaded in `engine` (sources, and the models
/// the run produced), one query per group of probes reading the same rows, asked `batch` at a
/// time ([`batched_counts`]). A query that fails is retried alone, then probe by probe, so one probe
/// that cannot run leaves the others measured.
pub(crate) fn measure(engine: &Engine, plan: &Plan<'_>, batch: usize) -> Vec<Measured> {
    let catalog = engine.catalog().to_string();
    let names = |name: &str| plan.relation_of(&catalog, name);
    let probes = probes_for(&plan.project.spec, &plan.queries, &names);
    let mut counts: Vec<Option<u64>> = vec![None; probes.probes.len()];
    let mut examined: Vec<Option<u64>> = vec![None; probes.probes.len()];
    let count = |sql: &str| -> Option<Vec<Option<u64>>> {
        let rows = engine.query_rows(sql).ok()?;
        let row = rows.into_iter().next()?;
        Some(row.into_iter().map(|v| v.and_then(|v| v.parse().ok())).collect())
    };
    let queries = probes.queries();
    let batched = batched_counts(engine, &queries, batch);
    for ((sql, members), batched) in queries.into_iter().zip(batched) {
        match batched.or_else(|| count(&sql)) {
            Some(values) if values.len() == members.len() + 1 => {
                let all = values[members.len()];
                for (p, v) in members.iter().zip(values) {
                    counts[*p] = v;
                    examined[*p] = all;
                }
            }
            _ => {
                for &p in &members {
                    let single = probes.query(probes.probes[p].context, &[p]);
                    let values = count(&single).unwrap_or_default();
                    counts[p] = values.first().copied().flatten();
                    examined[p] = values.get(1).copied().flatten();
                }
            }
        }
    }
    probes.probes.into_iter().zip(counts).zip(examined).map(|((p, c), e)| (p.outcome, c, e)).collect()
}

/// The counts of each of `queries` (as [`Probes::queries`] gives them), asked `batch` at a
/// time as one `UNION ALL` of a row each (see [`super::case::batch_size`]): `None` for every
/// query of a batch that failed (one of its probes cannot run here) or did not answer in
/// full, which the caller asks alone.
fn batched_counts(engine: &Engine, queries: &[(String, Vec<usize>)], batch: usize) -> Vec<Option<Vec<Option<u64>>>> {
    let mut out: Vec<Option<Vec<Option<u64>>>> = vec![None; queries.len()];
    let size = batch.max(1);
    for (b, batch) in queries.chunks(size).enumerate() {
        if batch.len() < 2 {
            continue;
        }
        let sqls: Vec<String> = batch.iter().map(|(sql, _)| sql.clone()).collect();
        let Ok(answers) = engine.limited(|c| crate::engine::database::counts_asked_together(c, &sqls)) else {
            continue;
        };
        for (j, ((_, members), values)) in batch.iter().zip(answers).enumerate() {
            // The probes' counts and the rows examined, every one a count (never NULL).
            let values: Option<Vec<Option<u64>>> =
                values.map(|v| v.into_iter().map(|n| n.and_then(|n| u64::try_from(n).ok())).collect());
            if let Some(values) = values.filter(|v| v.len() == members.len() + 1 && v.iter().all(Option::is_some)) {
                out[b * size + j] = Some(values);
            }
        }
    }
    out
}

/// Merges the datasets' measurements (each in the same outcome order).
pub(crate) fn merge(runs: &[&[Measured]]) -> SpecCoverage {
    let mut outcomes: Vec<Reach> = Vec::new();
    // A 1,000-model project has tens of thousands of outcomes: found by a scan each, merging
    // them was quadratic.
    let mut index: HashMap<&Outcome, usize> = HashMap::new();
    for run in runs {
        for (outcome, count, looked_at) in run.iter() {
            let at = *index.entry(outcome).or_insert_with(|| {
                outcomes.push(Reach { outcome: outcome.clone(), datasets: 0, rows: 0, measured: 0, examined: 0 });
                outcomes.len() - 1
            });
            if let Some(n) = count {
                let r = &mut outcomes[at];
                r.measured += 1;
                r.rows += n;
                r.examined += looked_at.unwrap_or(0);
                if *n > 0 {
                    r.datasets += 1;
                }
            }
        }
    }
    SpecCoverage { datasets: runs.len(), outcomes }
}

/// One warning per construct with an outcome no dataset reached that the sources allow, at the
/// construct's place in the spec. An outcome no dataset could measure is not warned about: what
/// kept its rows from being made (a failed upstream model, an SCD2 source repeating keys) is a
/// finding or a note of its own.
pub fn unreached_findings(project: &Project, coverage: &SpecCoverage) -> Vec<Finding> {
    let mut groups: Vec<(&Outcome, Vec<&Reach>)> = Vec::new();
    let mut index: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for r in coverage.outcomes.iter().filter(|r| r.status() == "missed") {
        let key = (r.outcome.model.as_str(), r.outcome.json_path.as_str(), r.outcome.construct.as_str());
        match index.get(&key) {
            Some(&g) => groups[g].1.push(r),
            None => {
                index.insert(key, groups.len());
                groups.push((&r.outcome, vec![r]));
            }
        }
    }
    groups
        .into_iter()
        .map(|(o, missed)| {
            let outcomes: Vec<String> = missed.iter().map(|r| r.outcome.outcome.clone()).collect();
            let unmeasured = missed.iter().all(|r| r.measured == 0);
            let examined: u64 = missed.iter().map(|r| r.examined).max().unwrap_or(0);
            let counted = missed.iter().any(|r| r.measured > 0) && o.kind != "scd2";
            let datasets = plural(coverage.datasets, "synthetic dataset");
            let why = if unmeasured && o.kind == "scd2" {
                "could not be measured: no dataset gave the history a meaning (its source repeats natural keys)"
                    .to_string()
            } else if unmeasured {
                "could not be measured (the rows it reads were not produced)".to_string()
            } else if counted && examined == 0 {
                // Nothing the construct could act on: the generator made no row that survives the
                // joins and filters in front of it, which no value of the construct's own columns fixes.
                format!(
                    "was reached by no row of the {datasets}: no row reached the construct at all (its joins and filters kept none)"
                )
            } else if counted {
                // A construct of an aggregate model is looked at per row or per group.
                format!(
                    "was reached by none of the {examined} rows or groups that reached the construct over the {datasets}"
                )
            } else {
                format!("was reached by no row of the {datasets}")
            };
            Finding::new(
                Code::OutcomeNotReached,
                format!("{} `{}`: {} {why}, so the proof never exercised it", o.kind, o.construct, outcomes.join(", ")),
            )
            .model(&o.model)
            .at(project.spec.text.locate(&o.json_path))
            .at_path(&o.json_path)
            .help("more datasets (--cases) may reach it; otherwise a shipped test with rows that take it covers it")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::lineage::check_project;
    use crate::run::models::{prepared_engine, run_models_checked};
    use crate::synth::SynthOptions;
    use crate::test_support::crate_root;

    /// Probe queries asked a batch at a time count what they count one by one, also where one
    /// of a batch cannot run (a model's table is gone): that batch is asked again query by
    /// query, and only that model's outcomes go unmeasured.
    #[test]
    fn batched_probes_count_as_probes_asked_alone() {
        let dir = crate_root().join("specs/inventory");
        let project = crate::project::layout::load_project(&dir, &Default::default()).expect("example loads");
        let code = check_project(&project);
        let plan = Plan::new(&project, &code);
        let dataset = plan.dataset(&SynthOptions { seed: 3, rows: 40 });
        let engine =
            prepared_engine(&plan, &Default::default(), &dataset, "2024-06-30 12:00:00").expect("the data loads");
        let run = run_models_checked(&engine, &plan, None, &[], None, &Default::default()).expect("the models run");
        assert_eq!(run.done.len(), project.spec.spec.models.len());
        let alone = measure(&engine, &plan, 1);
        assert!(alone.iter().any(|(_, n, _)| n.is_some_and(|n| n > 0)));
        assert_eq!(measure(&engine, &plan, 8), alone);
        assert_eq!(measure(&engine, &plan, 64), alone);

        let gone = "stg_stock_movements";
        let relation = plan.relation_of(engine.catalog(), gone).expect("a model's table");
        engine.execute(&format!("DROP TABLE {relation}")).expect("dropped");
        let alone = measure(&engine, &plan, 1);
        assert_eq!(measure(&engine, &plan, 8), alone);
        let unmeasured: Vec<&str> =
            alone.iter().filter(|(_, n, _)| n.is_none()).map(|(o, ..)| o.model.as_str()).collect();
        assert!(!unmeasured.is_empty());
        assert!(alone.iter().any(|(o, n, _)| o.model != gone && n.is_some()));
    }
}
