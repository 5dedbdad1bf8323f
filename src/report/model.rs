//! What a run produced, ready for any renderer.

use crate::finding::plural;
use crate::finding::{Code, Finding, Severity, Subject};
use crate::gate::baseline::{Accepted, BaselineEntry};
pub use crate::prove::coverage::SpecCoverage;
use serde::{Deserialize, Serialize};

/// The result of one command over one project.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The command that ran (`lint`, `validate`).
    pub command: String,
    /// The spec file the findings are about.
    pub spec: String,
    /// What the command checked, in words ("spec lint").
    pub scope: String,
    /// Findings that count against the gate, sorted.
    pub findings: Vec<Finding>,
    /// Findings a baseline accepts, each with the baseline's reason, sorted.
    pub accepted: Vec<Accepted>,
    /// The least severe finding that fails the run (`--fail-on`).
    pub fail_on: Severity,
    /// Every check that ran or was skipped, one per model and stage (for JUnit).
    pub checks: Vec<CheckRun>,
    /// What a changed-only run validated and skipped (`--changed-since`).
    pub changed: Option<ChangedScope>,
    /// The baseline used, and its entries that matched nothing (`--baseline`).
    pub baseline: Option<BaselineUse>,
    /// Which outcomes of the spec's constructs the datasets reached (`validate` with a run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<SpecCoverage>,
    /// Which part of a sharded run this is (`--partition`), and what `report merge` needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<PartitionScope>,
    /// The lineage picture (spec and code) of each model with findings, by model, for the
    /// renderers that draw (Markdown embeds it as Mermaid). Not part of the JSON report.
    #[serde(skip)]
    pub diagrams: Vec<(String, crate::diagram::Diagram)>,
}

/// One part of a sharded run (`validate --partition K/N`): what it validated, and what
/// `specproof report merge` needs to give the verdict of one run over every part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionScope {
    /// K, from 1.
    pub part: usize,
    /// N.
    pub of: usize,
    /// The models this part validated, sorted.
    pub models: Vec<String>,
    /// Every model of the project, in the spec's order.
    pub all_models: Vec<String>,
    /// Connected components of the model graph in this part.
    pub components: usize,
    /// Connected components of the whole project.
    pub total_components: usize,
    /// The project folder, as given (SARIF's fingerprints are relative to it).
    pub root: String,
    /// A hash of everything the findings depend on (the spec, source DDL, model code, shipped
    /// tests, the run's options, the baseline): the parts of one run share it.
    pub fingerprint: String,
    /// What the run checked, as counts (the `checked:` line without the part).
    pub scope: RunScope,
}

/// What a `validate` run checked, as counts: the `checked:` line is made of it, and a report
/// merge adds the parts' counts up into the line one run over every part gives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunScope {
    /// Model files statically checked; `None` for the spec lint alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_files: Option<usize>,
    /// What the models' run covered, when they ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunCounts>,
}

/// What running the models covered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    /// Models run and checked.
    pub models: usize,
    /// Unchanged upstream models run for their output only (`--changed-since`).
    pub upstream: usize,
    /// Synthetic datasets.
    pub datasets: usize,
    /// Rows per dataset.
    pub rows: usize,
    /// The first dataset's seed.
    pub seed: u64,
    /// Shipped test files run.
    pub test_files: usize,
    /// SCD2 models whose history was checked, in spec order.
    pub histories: Vec<String>,
    /// SCD2 models whose history is not defined on the data (their source repeats natural
    /// keys), in spec order.
    pub undefined_histories: Vec<String>,
    /// Output-check failures that follow from the spec's findings.
    pub set_aside: usize,
    /// Models that did not run, and why, sorted.
    pub not_run: Vec<(String, String)>,
}

impl RunScope {
    /// The `checked:` line: `spec lint, static check of 5 model files, 5 models run on …`.
    pub fn line(&self) -> String {
        let mut scope = "spec lint".to_string();
        if let Some(files) = self.model_files {
            scope = format!("spec lint, static check of {}", plural(files, "model file"));
        }
        let Some(run) = &self.run else { return scope };
        let seeds = if run.datasets > 1 {
            format!(
                "{} synthetic datasets of {} rows (seeds {}–{})",
                run.datasets,
                run.rows,
                run.seed,
                run.seed.wrapping_add(run.datasets as u64 - 1)
            )
        } else {
            format!("{} synthetic rows (seed {})", run.rows, run.seed)
        };
        scope.push_str(&format!(", {} run on {seeds}", plural(run.models, "model")));
        if run.upstream > 0 {
            scope.push_str(&format!(
                " (and {} run for {} output only)",
                plural(run.upstream, "unchanged upstream model"),
                if run.upstream == 1 { "its" } else { "their" }
            ));
        }
        if run.test_files > 0 {
            scope.push_str(&format!(", {}", plural(run.test_files, "shipped test file")));
        }
        if !run.histories.is_empty() {
            scope.push_str(&format!(
                ", SCD2 history over {} runs{} ({})",
                crate::run::history::RUNS,
                if run.datasets > 1 { " on the first dataset" } else { "" },
                run.histories.join(", ")
            ));
        }
        if !run.undefined_histories.is_empty() {
            scope.push_str(&format!(
                "; SCD2 history not checked for {}: its source repeats natural keys",
                run.undefined_histories.join(", ")
            ));
        }
        if run.set_aside > 0 {
            scope.push_str(&format!(
                "; {} follow{} from the spec findings and {} not counted against the code",
                plural(run.set_aside, "output-check failure"),
                if run.set_aside == 1 { "s" } else { "" },
                if run.set_aside == 1 { "is" } else { "are" }
            ));
        }
        if !run.not_run.is_empty() {
            let list: Vec<String> = run.not_run.iter().map(|(m, why)| format!("{m} ({why})")).collect();
            scope.push_str(&format!("; not run: {}", list.join(", ")));
        }
        scope
    }
}

/// The baseline a run used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineUse {
    /// The baseline file, as given.
    pub file: String,
    /// Entries that matched no finding of a model this run checked: the defect they accepted is
    /// gone (or its message changed), so they should be removed.
    pub stale: Vec<BaselineEntry>,
}

/// The scope of a changed-only run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedScope {
    /// The git ref compared with.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Models whose spec entry, code or inputs changed, sorted.
    pub changed: Vec<String>,
    /// Models downstream of a changed one (and not changed themselves), sorted.
    pub downstream: Vec<String>,
    /// Models not validated, sorted.
    pub skipped: Vec<String>,
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Findings a baseline accepts (not counted as errors or warnings).
    pub accepted: usize,
}

/// The stages of checking a model, in the order they happen: a finding belongs to the stage
/// its code's family comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The spec lint (SPEC, SRC).
    SpecLint,
    /// The static check of the code (CODE).
    StaticCheck,
    /// Running the code (RUN).
    Execution,
    /// Checks of the output (CHK).
    OutputChecks,
    /// The comparison with the spec's reference result (DIF).
    Reference,
    /// A shipped test file (TST).
    ShippedTest,
}

impl Stage {
    /// The stage a finding of `code` comes from.
    pub fn of(code: Code) -> Stage {
        let code = code.as_str();
        if code.starts_with("CODE") {
            Stage::StaticCheck
        } else if code.starts_with("RUN") {
            Stage::Execution
        } else if code.starts_with("CHK") {
            Stage::OutputChecks
        } else if code.starts_with("DIF") {
            Stage::Reference
        } else if code.starts_with("TST") {
            Stage::ShippedTest
        } else {
            Stage::SpecLint
        }
    }

    /// In words: `spec lint`, `static check`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::SpecLint => "spec lint",
            Stage::StaticCheck => "static check",
            Stage::Execution => "execution",
            Stage::OutputChecks => "output checks",
            Stage::Reference => "reference comparison",
            Stage::ShippedTest => "shipped test",
        }
    }
}

/// The group of checks that are about no one model (source DDL, shipped tests, the spec as a
/// whole).
pub const PROJECT: &str = "(project)";

/// One check of the run: a stage applied to one model (or, for shipped tests, to one file).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CheckRun {
    /// The model, or [`PROJECT`].
    pub group: String,
    /// The stage.
    pub stage: Stage,
    /// For a shipped test, its file; otherwise empty.
    pub target: String,
    /// Why the check did not run, when it did not.
    pub skipped: Option<String>,
}

impl CheckRun {
    /// A check that ran.
    pub fn ran(group: &str, stage: Stage) -> CheckRun {
        CheckRun { group: group.to_string(), stage, target: String::new(), skipped: None }
    }

    /// A check that did not run, and why.
    pub fn skipped(group: &str, stage: Stage, why: &str) -> CheckRun {
        CheckRun { group: group.to_string(), stage, target: String::new(), skipped: Some(why.to_string()) }
    }

    /// The check a finding belongs to (not skipped).
    pub fn of(finding: &Finding) -> CheckRun {
        let stage = Stage::of(finding.code);
        match stage {
            // A shipped test file tests several models; its findings belong to the file.
            Stage::ShippedTest => CheckRun {
                group: PROJECT.to_string(),
                stage,
                target: finding.location.as_ref().map(|l| l.file.clone()).unwrap_or_default(),
                skipped: None,
            },
            _ => CheckRun::ran(finding.model.as_deref().unwrap_or(PROJECT), stage),
        }
    }

    /// Whether `finding` belongs to this check.
    pub fn holds(&self, finding: &Finding) -> bool {
        let of = CheckRun::of(finding);
        of.group == self.group && of.stage == self.stage && of.target == self.target
    }

    /// The check's name: `stg_orders: output checks`, `shipped test tests/a.sql`.
    pub fn name(&self) -> String {
        if self.target.is_empty() {
            format!("{}: {}", self.group, self.stage.as_str())
        } else {
            format!("{} {}", self.stage.as_str(), self.target)
        }
    }
}

impl Report {
    /// A report of `findings` with no baseline, no changed-only scope, failing on errors, and
    /// the checks the findings themselves belong to.
    pub fn new(command: &str, spec: &str, scope: String, findings: Vec<Finding>) -> Report {
        let mut report = Report {
            command: command.to_string(),
            spec: spec.to_string(),
            scope,
            findings,
            accepted: Vec::new(),
            fail_on: Severity::Error,
            checks: Vec::new(),
            changed: None,
            baseline: None,
            coverage: None,
            partition: None,
            diagrams: Vec::new(),
        };
        report.complete_checks();
        report
    }

    /// Shortens and escapes what every finding, kept or accepted, quotes ([`Finding::bound`]),
    /// before the report is rendered: the code under test controls the values it quotes.
    pub fn bound_values(&mut self) {
        self.findings.iter_mut().chain(self.accepted.iter_mut().map(|a| &mut a.finding)).for_each(Finding::bound);
    }

    /// Adds the check of every finding that no listed check holds, then sorts the checks, so
    /// every finding has a check to fail.
    pub fn complete_checks(&mut self) {
        let missing: Vec<CheckRun> = self
            .findings
            .iter()
            .chain(self.accepted.iter().map(|a| &a.finding))
            .map(CheckRun::of)
            .filter(|c| !self.checks.iter().any(|k| k.group == c.group && k.stage == c.stage && k.target == c.target))
            .collect();
        self.checks.extend(missing);
        self.checks.sort();
        self.checks.dedup_by(|a, b| a.group == b.group && a.stage == b.stage && a.target == b.target);
    }

    /// Counts by severity.
    pub fn counts(&self) -> Counts {
        let errors = self.findings.iter().filter(|f| f.severity == Severity::Error).count();
        Counts { errors, warnings: self.findings.len() - errors, accepted: self.accepted.len() }
    }

    /// Counts of the findings that count, by whose fault they are: spec, code, test, tool.
    pub fn by_subject(&self) -> [(Subject, usize); 4] {
        [Subject::Spec, Subject::Code, Subject::Test, Subject::Tool]
            .map(|s| (s, self.findings.iter().filter(|f| f.subject == s).count()))
    }

    /// Whether `finding` fails the run under `--fail-on`.
    pub fn fails(&self, finding: &Finding) -> bool {
        finding.severity <= self.fail_on
    }

    /// True when nothing fails the run (by default, warnings do not).
    pub fn is_clean(&self) -> bool {
        !self.findings.iter().any(|f| self.fails(f))
    }

    /// The models findings are about, in the order they first appear (the findings' order),
    /// findings about no model first under [`PROJECT`]; each with its findings.
    pub fn by_model(&self) -> Vec<(&str, Vec<&Finding>)> {
        let mut groups: Vec<(&str, Vec<&Finding>)> = Vec::new();
        let none: Vec<&Finding> = self.findings.iter().filter(|f| f.model.is_none()).collect();
        if !none.is_empty() {
            groups.push((PROJECT, none));
        }
        for finding in &self.findings {
            let Some(model) = finding.model.as_deref() else { continue };
            match groups.iter_mut().find(|(m, _)| *m == model) {
                Some((_, list)) => list.push(finding),
                None => groups.push((model, vec![finding])),
            }
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_fail_only_when_asked() {
        let mut report =
            Report::new("lint", "spec.json", "spec lint".into(), vec![Finding::new(Code::UnknownField, "x")]);
        assert!(report.is_clean());
        report.fail_on = Severity::Warning;
        assert!(!report.is_clean());
    }

    #[test]
    fn every_finding_has_a_check() {
        let findings = vec![
            Finding::new(Code::PrimaryKeyFailed, "dup").model("m"),
            Finding::new(Code::InvalidSourceDdl, "bad ddl"),
            Finding::new(Code::ShippedTestFailed, "failed").at(crate::finding::Location {
                file: "tests/a.sql".into(),
                line: 1,
                column: 1,
            }),
        ];
        let mut report = Report::new("validate", "spec.json", String::new(), findings);
        report.checks.push(CheckRun::ran("m", Stage::OutputChecks));
        report.complete_checks();
        let names: Vec<String> = report.checks.iter().map(CheckRun::name).collect();
        assert_eq!(names, ["(project): spec lint", "shipped test tests/a.sql", "m: output checks"]);
        assert!(report.checks[2].holds(&report.findings[0]));
        assert!(!report.checks[0].holds(&report.findings[0]));
    }
}
