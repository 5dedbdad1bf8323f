//! `specproof report merge`: the parts of a sharded run (`validate --partition K/N`, each part's
//! JSON report) combined into the report one run over every model gives, for any renderer.
//!
//! The parts must come from one run: the same spec, the same fingerprint (the spec, source DDL,
//! model code, shipped tests, options and baseline), the same N, each part once. Every part
//! carries the findings about no model (the spec's, the source DDL's): they are the same in
//! every part, and the merge keeps one of each, as one run sorts and de-duplicates its findings.
//! Everything about a model comes from the part that holds it.

use crate::finding::sort_findings;
use crate::report::model::{BaselineUse, CheckRun, PartitionScope, Report, RunCounts, RunScope, PROJECT};
use std::collections::{BTreeSet, HashMap};

/// What merging produced.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The report of one run over the parts' models.
    pub report: Report,
    /// The project folder the parts name (SARIF fingerprints are relative to it).
    pub root: String,
    /// The parts missing (with `allow_partial`), from 1.
    pub missing: Vec<usize>,
    /// N.
    pub of: usize,
}

/// Merges `parts` (each with the file it came from, for messages). Fails, naming the file, on a
/// report that is not a part, parts of different runs or of different N, and a part given twice;
/// on missing parts unless `allow_partial`, when the scope says which are missing.
pub fn merge(parts: &[(String, Report)], allow_partial: bool) -> Result<Merged, String> {
    let Some((first_file, first)) = parts.first() else {
        return Err("no report to merge".into());
    };
    let scope_of = |file: &str, report: &Report| -> Result<PartitionScope, String> {
        report.partition.clone().ok_or_else(|| {
            format!("{file} is not a part of a sharded run: it was written without `validate --partition K/N`")
        })
    };
    let head = scope_of(first_file, first)?;
    let mut by_part: HashMap<usize, &str> = HashMap::new();
    let mut scopes: Vec<PartitionScope> = Vec::new();
    for (file, report) in parts {
        let scope = scope_of(file, report)?;
        let differs = |what: &str| format!("{file} and {first_file} are not parts of one run: {what} differ");
        if scope.of != head.of {
            return Err(format!(
                "{file} is part {}/{} and {first_file} part {}/{}: parts of one run share N",
                scope.part, scope.of, head.part, head.of
            ));
        }
        if report.spec != first.spec || report.command != first.command {
            return Err(differs("their specs"));
        }
        if scope.fingerprint != head.fingerprint || scope.all_models != head.all_models {
            return Err(differs("their inputs (spec, source DDL, model code, shipped tests, options or baseline)"));
        }
        if report.fail_on != first.fail_on {
            return Err(differs("their --fail-on"));
        }
        if let Some(other) = by_part.insert(scope.part, file) {
            return Err(format!("{other} and {file} are both part {}/{}: give each part once", scope.part, scope.of));
        }
        scopes.push(scope);
    }
    let missing: Vec<usize> = (1..=head.of).filter(|k| !by_part.contains_key(k)).collect();
    if !missing.is_empty() && !allow_partial {
        let list: Vec<String> = missing.iter().map(|k| format!("{k}/{}", head.of)).collect();
        return Err(format!(
            "part{} {} missing: the verdict of {} of {} parts is not the run's; merge every part, or pass --allow-partial to merge these anyway",
            if missing.len() == 1 { "" } else { "s" },
            list.join(", "),
            parts.len(),
            head.of
        ));
    }
    // Each model in exactly one part.
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, scope) in scopes.iter().enumerate() {
        for model in &scope.models {
            if let Some(j) = owner.insert(model.as_str(), i) {
                return Err(format!(
                    "{} and {} both validated `{model}`: they are not parts of one partition",
                    parts[j].0, parts[i].0
                ));
            }
        }
    }
    let order: HashMap<&str, usize> = head.all_models.iter().enumerate().map(|(i, m)| (m.as_str(), i)).collect();
    let place = |model: &str| order.get(model).copied().unwrap_or(usize::MAX);

    let mut findings: Vec<_> = parts.iter().flat_map(|(_, r)| r.findings.iter().cloned()).collect();
    sort_findings(&mut findings);
    let mut accepted: Vec<_> = parts.iter().flat_map(|(_, r)| r.accepted.iter().cloned()).collect();
    accepted.sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
    accepted.dedup();

    let mut report = Report::new(&first.command, &first.spec, String::new(), Vec::new());
    report.findings = findings;
    report.accepted = accepted;
    report.fail_on = first.fail_on;
    report.baseline = merge_baselines(parts);
    report.checks = merge_checks(parts, &owner);
    // Each part drew its own models' pictures; every part draws a model the same way.
    for (_, part) in parts {
        for (model, diagram) in &part.diagrams {
            if !report.diagrams.iter().any(|(m, _)| m == model) {
                report.diagrams.push((model.clone(), diagram.clone()));
            }
        }
    }
    report.coverage = {
        let covered: Vec<_> = parts.iter().filter_map(|(_, r)| r.coverage.as_ref()).collect();
        covered.first().map(|c| {
            let mut outcomes: Vec<_> = covered.iter().flat_map(|c| c.outcomes.iter().cloned()).collect();
            // One run lists the outcomes its first dataset measured in model order, then the
            // SCD2 histories' outcomes (their runs come after every other check), in model order.
            outcomes.sort_by_key(|r| (r.outcome.kind == "scd2", place(&r.outcome.model)));
            crate::report::model::SpecCoverage { datasets: c.datasets, outcomes }
        })
    };
    let mut line = merge_scopes(&scopes, &place).line();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|k| format!("{k}/{}", head.of)).collect();
        let left_out = head.all_models.len() - owner.len();
        line.push_str(&format!(
            "; incomplete: part{} {} missing, {}",
            if missing.len() == 1 { "" } else { "s" },
            list.join(", "),
            if left_out == 0 {
                "which held no model".to_string()
            } else {
                format!("{} not validated", crate::finding::plural(left_out, "model"))
            }
        ));
    }
    report.scope = line;
    report.complete_checks();
    Ok(Merged { report, root: head.root, missing, of: head.of })
}

/// The scope of one run over every part: counts added up, lists in the order one run gives.
fn merge_scopes(scopes: &[PartitionScope], place: &dyn Fn(&str) -> usize) -> RunScope {
    let model_files = scopes.iter().find_map(|s| s.scope.model_files);
    let runs: Vec<&RunCounts> = scopes.iter().filter_map(|s| s.scope.run.as_ref()).collect();
    let run = runs.first().map(|first| {
        let mut all =
            RunCounts { datasets: first.datasets, rows: first.rows, seed: first.seed, ..RunCounts::default() };
        for run in &runs {
            all.models += run.models;
            all.upstream += run.upstream;
            all.test_files += run.test_files;
            all.set_aside += run.set_aside;
            all.histories.extend(run.histories.iter().cloned());
            all.undefined_histories.extend(run.undefined_histories.iter().cloned());
            all.not_run.extend(run.not_run.iter().cloned());
        }
        all.histories.sort_by_key(|m| place(m));
        all.undefined_histories.sort_by_key(|m| place(m));
        all.not_run.sort();
        all
    });
    RunScope { model_files, run }
}

/// Every model's checks from the part that holds it; the project's checks (the spec lint, each
/// shipped test file) from the part that ran them, else as skipped.
fn merge_checks(parts: &[(String, Report)], owner: &HashMap<&str, usize>) -> Vec<CheckRun> {
    let mut checks: Vec<CheckRun> = Vec::new();
    for (i, (_, report)) in parts.iter().enumerate() {
        for check in &report.checks {
            let mine = if check.group == PROJECT { true } else { owner.get(check.group.as_str()) == Some(&i) };
            if mine {
                checks.push(check.clone());
            }
        }
    }
    // A check that ran (no reason to skip) sorts before the same check skipped.
    checks.sort();
    checks
        .dedup_by(|later, kept| later.group == kept.group && later.stage == kept.stage && later.target == kept.target);
    checks
}

/// The baseline every part used, with the entries stale in the merged run: an entry about a
/// model is stale when the part holding the model says so; one about no model, when every part
/// does (a shipped test's finding is in one part only).
fn merge_baselines(parts: &[(String, Report)]) -> Option<BaselineUse> {
    let first = parts.iter().find_map(|(_, r)| r.baseline.as_ref())?;
    let mut stale: BTreeSet<_> = BTreeSet::new();
    for (_, report) in parts {
        for entry in report.baseline.iter().flat_map(|b| b.stale.iter()) {
            let everywhere = parts.iter().all(|(_, r)| r.baseline.as_ref().is_some_and(|b| b.stale.contains(entry)));
            if entry.model.is_some() || everywhere {
                stale.insert(entry.clone());
            }
        }
    }
    Some(BaselineUse { file: first.file.clone(), stale: stale.into_iter().collect() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Code, Finding};
    use crate::report::model::Stage;

    fn part(k: usize, n: usize, models: &[&str], findings: Vec<Finding>) -> Report {
        let mut report = Report::new("validate", "p/spec.json", String::new(), findings);
        report.partition = Some(PartitionScope {
            part: k,
            of: n,
            models: models.iter().map(|m| m.to_string()).collect(),
            all_models: ["a", "b", "c"].iter().map(|m| m.to_string()).collect(),
            components: 1,
            total_components: 2,
            root: "p".into(),
            fingerprint: "f".into(),
            scope: RunScope {
                model_files: Some(3),
                run: Some(RunCounts {
                    models: models.len(),
                    datasets: 3,
                    rows: 600,
                    seed: 42,
                    histories: models.iter().filter(|m| **m != "b").map(|m| m.to_string()).collect(),
                    ..RunCounts::default()
                }),
            },
        });
        for model in ["a", "b", "c"] {
            let check = if models.contains(&model) {
                CheckRun::ran(model, Stage::Execution)
            } else {
                CheckRun::skipped(model, Stage::Execution, "not in this part")
            };
            report.checks.push(check);
        }
        report.complete_checks();
        report
    }

    #[test]
    fn parts_merge_into_one_run() {
        let lint = Finding::new(Code::InvalidSourceDdl, "bad ddl");
        let one = part(1, 2, &["a", "c"], vec![lint.clone(), Finding::new(Code::PrimaryKeyFailed, "dup").model("c")]);
        let two = part(2, 2, &["b"], vec![lint.clone(), Finding::new(Code::PrimaryKeyFailed, "dup").model("b")]);
        let merged = merge(&[("2.json".into(), two), ("1.json".into(), one)], false).unwrap();
        let report = merged.report;
        assert_eq!(report.findings.iter().filter(|f| **f == lint).count(), 1, "the project's findings once");
        assert_eq!(report.findings.len(), 3);
        assert_eq!(
            report.scope,
            "spec lint, static check of 3 model files, 3 models run on 3 synthetic datasets of 600 rows (seeds 42–44), SCD2 history over 3 runs on the first dataset (a, c)"
        );
        let skipped: Vec<&CheckRun> = report.checks.iter().filter(|c| c.skipped.is_some()).collect();
        assert!(skipped.is_empty(), "every model's checks come from its part: {skipped:?}");
        assert!(!report.is_clean());
    }

    #[test]
    fn a_baseline_entry_is_stale_where_one_run_would_call_it_stale() {
        use crate::gate::baseline::BaselineEntry;
        let entry = |model: Option<&str>, message: &str| BaselineEntry {
            code: "TST001".into(),
            model: model.map(str::to_string),
            file: Some("tests/a.sql".into()),
            message: message.into(),
            reason: "known".into(),
        };
        let with = |mut report: Report, stale: Vec<BaselineEntry>| {
            report.baseline = Some(BaselineUse { file: "b.json".into(), stale });
            report
        };
        // A shipped test's finding (about no model) is in part 1 only: part 2 calls its entry
        // stale, part 1 does not, so one run would not. An entry about a model is stale when the
        // part holding it says so; one about no model that no part matched is stale.
        let one = with(part(1, 2, &["a", "c"], Vec::new()), vec![entry(None, "gone"), entry(Some("c"), "fixed")]);
        let two = with(part(2, 2, &["b"], Vec::new()), vec![entry(None, "gone"), entry(None, "only in part 1")]);
        let merged = merge(&[("1.json".into(), one), ("2.json".into(), two)], false).unwrap();
        let stale = merged.report.baseline.unwrap().stale;
        assert_eq!(stale, [entry(None, "gone"), entry(Some("c"), "fixed")]);
    }

    #[test]
    fn mismatched_duplicated_and_missing_parts_are_refused() {
        let one = || part(1, 2, &["a", "c"], Vec::new());
        let two = part(2, 2, &["b"], Vec::new());
        let error = merge(&[("x.json".into(), one()), ("y.json".into(), one())], false).unwrap_err();
        assert!(error.contains("x.json and y.json are both part 1/2"), "{error}");
        let error = merge(&[("x.json".into(), one())], false).unwrap_err();
        assert!(error.contains("part 2/2 missing") && error.contains("--allow-partial"), "{error}");
        let partial = merge(&[("x.json".into(), one())], true).unwrap();
        assert_eq!(partial.missing, [2]);
        assert!(partial.report.scope.ends_with("; incomplete: part 2/2 missing, 1 model not validated"));
        let mut three = part(2, 3, &["b"], Vec::new());
        let error = merge(&[("x.json".into(), one()), ("z.json".into(), three.clone())], false).unwrap_err();
        assert!(error.contains("z.json is part 2/3 and x.json part 1/2"), "{error}");
        three.partition.as_mut().unwrap().of = 2;
        three.partition.as_mut().unwrap().fingerprint = "g".into();
        let error = merge(&[("x.json".into(), one()), ("z.json".into(), three)], false).unwrap_err();
        assert!(error.contains("not parts of one run: their inputs"), "{error}");
        let mut whole = two.clone();
        whole.partition = None;
        let error = merge(&[("x.json".into(), one()), ("w.json".into(), whole)], false).unwrap_err();
        assert!(error.contains("w.json is not a part of a sharded run"), "{error}");
    }
}
