//! Whose fault a failing test is (spec-format.md, "Whose fault is a finding"): the same test
//! is run again on the spec's own result — the reference result in place of every model's
//! code. A test the reference passes and the code fails is about the code; one the reference
//! fails too is about the test (a shipped test) or the spec (a test the spec names), and is
//! never counted against the code.

use crate::check::lineage::CodeCheck;
use crate::check::output::{check_output, OutputTable};
use crate::engine::Engine;
use crate::finding::{Code, Finding, Subject};
use crate::project::code::{ModelCode, ProjectTables};
use crate::project::layout::Project;
use crate::reference::{history_sql, sql_against, Snapshot};
use crate::run::models::{prepared_engine, run_models_checked};
use crate::run::options::{in_memory, RunOptions};
use crate::run::plan::{qualify, relation_for, Plan, REFERENCE_SCHEMA};
use crate::spec::model::Dialect;
use crate::suite::execute::{run_suite, Files, MainRun};
use crate::suite::Suite;
use crate::synth::Dataset;
use sqlparser::dialect::DuckDbDialect;
use sqlparser::parser::Parser;
use std::collections::HashSet;

/// The spec's reference result as model code: one DuckDB query per model, reading the tables
/// of the database whose catalog is `catalog` (an SCD2 model's is its history after one run).
/// A model without a reference (it does not resolve) has no code here.
pub fn reference_code(plan: &Plan<'_>, catalog: &str, run_time: &str) -> CodeCheck {
    let (project, spec) = (plan.project, plan.spec());
    let names = |name: &str| plan.relation_of(catalog, name);
    let queries = &plan.queries;
    let mut models = Vec::new();
    for (i, model) in spec.models.iter().enumerate() {
        let sql = if model.constraints.scd_type == Some(2) {
            let Some(source) = model.sources.first().and_then(|s| names(s)) else { continue };
            history_sql(
                &project.spec,
                &project.catalog,
                i,
                &[Snapshot { relation: source, run_time: run_time.to_string() }],
            )
        } else {
            match queries.get(i).and_then(Option::as_ref) {
                Some(query) if !query.incomplete => {
                    sql_against(&project.spec, i, Some(query), &names, project.code_dialect)
                }
                _ => continue,
            }
        };
        let Ok(sql) = sql else { continue };
        let Ok(statements) = Parser::parse_sql(&DuckDbDialect {}, &sql) else { continue };
        models.push(ModelCode {
            model: model.name.clone(),
            file: format!("<reference of {}>", model.name),
            dialect: Dialect::Duckdb,
            rendered: None,
            statements: Some(statements.clone()),
            pre_operations: Vec::new(),
            post_operations: Vec::new(),
            translated: Some(statements),
            lineage: None,
            findings: Vec::new(),
        });
    }
    CodeCheck { models, findings: Vec::new() }
}

/// Puts each failing shipped test (TST001) on the right side: about the code when the spec's
/// own result passes it, about the test when that fails it too. Runs the suite once more, on
/// `dataset` with the reference in place of the code, only when a test failed.
pub(crate) fn blame_shipped_tests(
    plan: &Plan<'_>,
    suite: &Suite,
    options: &RunOptions,
    dataset: &Dataset,
    findings: &mut [Finding],
) {
    if !findings.iter().any(|f| f.code == Code::ShippedTestFailed) {
        return;
    }
    let options = RunOptions { skip_output_checks: true, ..in_memory(options) };
    let Some(failing) = failing_on_reference(plan, suite, &options, dataset) else { return };
    for finding in findings.iter_mut().filter(|f| f.code == Code::ShippedTestFailed) {
        let place = finding.location.as_ref().map(|l| (l.file.clone(), l.line));
        let (subject, why) = if place.is_some_and(|p| failing.contains(&p)) {
            (Subject::Test, "the spec's own result fails this test too, so the test is wrong, not the code")
        } else {
            (Subject::Code, "the spec's own result passes this test, so the code is what breaks it")
        };
        finding.subject = subject;
        finding.help = Some(match finding.help.take() {
            Some(help) => format!("{help}\n{why}"),
            None => why.to_string(),
        });
    }
}

/// The (file, line) of every shipped test that fails with the reference as the code.
fn failing_on_reference(
    plan: &Plan<'_>,
    suite: &Suite,
    options: &RunOptions,
    dataset: &Dataset,
) -> Option<HashSet<(String, usize)>> {
    let engine = prepared_engine(plan, &options.engine, dataset, &options.run_time).ok()?;
    let code = reference_code(plan, engine.catalog(), &options.run_time);
    let reference = Plan::new(plan.project, &code);
    // The reference's output checks are not wanted here: only the shipped tests' verdicts.
    let models = run_models_checked(&engine, &reference, None, &[], None, &Default::default()).ok()?;
    let main = MainRun { engine: &engine, done: &models.done };
    let found = run_suite(&reference, suite, options, Some(main), Files::All);
    Some(
        found
            .iter()
            .filter(|f| f.code == Code::ShippedTestFailed)
            .filter_map(|f| f.location.as_ref().map(|l| (l.file.clone(), l.line)))
            .collect(),
    )
}

/// The findings of the spec's tests on a model's output (CHK002–CHK009).
const SPEC_TESTS: [Code; 8] = [
    Code::NullInNonNullable,
    Code::TestNotNullFailed,
    Code::TestUniqueFailed,
    Code::TestAcceptedValuesFailed,
    Code::TestRelationshipsFailed,
    Code::TestRangeFailed,
    Code::TestExpressionFailed,
    Code::PrimaryKeyFailed,
];

/// Whether [`blame_spec_tests`] reads the reference results for `findings`: when one is a spec
/// test's about the code.
pub(crate) fn reads_references(findings: &[Finding]) -> bool {
    findings.iter().any(|f| SPEC_TESTS.contains(&f.code) && f.subject == Subject::Code)
}

/// Makes each failing spec test (CHK002–CHK009) that the spec's own result breaks as well on
/// the same inputs a finding about the spec: the reference result (left in the reference
/// schema by the differential check) is checked like the model's output, and the rows that
/// break it are shown.
pub(crate) fn blame_spec_tests(engine: &Engine, project: &Project, findings: &mut Vec<Finding>) {
    let mut checked: Vec<(usize, Vec<Finding>)> = Vec::new();
    let mut upstream_caused: Vec<usize> = Vec::new();
    for (at, finding) in findings.iter_mut().enumerate() {
        if !SPEC_TESTS.contains(&finding.code) || finding.subject != Subject::Code {
            continue;
        }
        let Some(model) = finding.model.as_ref().and_then(|m| project.spec.spec.model_index(m)) else {
            continue;
        };
        if project.spec.spec.models[model].constraints.scd_type.is_some() {
            continue;
        }
        let on_reference = match checked.iter().find(|(m, _)| *m == model) {
            Some((_, found)) => found,
            None => {
                checked.push((model, check_failures(engine, project, model, Side::Reference)));
                &checked[checked.len() - 1].1
            }
        };
        let Some(same) = on_reference.iter().find(|r| r.code == finding.code && r.json_path == finding.json_path)
        else {
            // A relationships test reads another model: when the model's own output passes it
            // against the spec's result of that model, what breaks it is the other model's
            // code, whose difference from its reference is reported on that model.
            if finding.code == Code::TestRelationshipsFailed
                && !check_failures(engine, project, model, Side::Code)
                    .iter()
                    .any(|r| r.code == finding.code && r.json_path == finding.json_path)
            {
                upstream_caused.push(at);
            }
            continue;
        };
        finding.subject = Subject::Spec;
        finding.message = format!("the spec's own result breaks this test on data its sources allow: {}", same.message);
        finding.help = same.help.clone().map(|rows| format!("rows of the spec's reference result: {rows}"));
    }
    let mut at = 0;
    findings.retain(|_| {
        at += 1;
        !upstream_caused.contains(&(at - 1))
    });
}

/// Which table of a model [`check_failures`] checks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The spec's reference result.
    Reference,
    /// The output of the model's code.
    Code,
}

/// Findings of the output checks on model `model`'s reference result, or on its code's output,
/// in `engine` (after a differential run left the reference results in the reference schema),
/// with every other model a test reads taken from the spec's result too: the spec's own meaning
/// breaking its own tests on data the sources allow, or the model's code breaking them on
/// upstream tables as the spec has them. None when the table is missing.
fn check_failures(engine: &Engine, project: &Project, model: usize, side: Side) -> Vec<Finding> {
    let spec = &project.spec.spec;
    let catalog = engine.catalog().to_string();
    let tables = ProjectTables::new(spec, &project.catalog);
    let reference_of = |name: &str| {
        let relation = qualify(&catalog, &format!("{REFERENCE_SCHEMA}.{name}"));
        (tables.model_table(name).is_some() && engine.describe(&relation).is_ok()).then_some(relation)
    };
    let name = &spec.models[model].name;
    let relation = match side {
        Side::Reference => reference_of(name),
        Side::Code => relation_for(&tables, &catalog, name).filter(|r| engine.describe(r).is_ok()),
    };
    let Some(relation) = relation else { return Vec::new() };
    let table = OutputTable { model: name, relation, catalog: Some(catalog.clone()), translated_from_bigquery: false };
    // A model this one reads is taken as this run made it (the reference read that too); any
    // other as the spec has it.
    let relation_of = |n: &str| {
        let spec_side = if reads(project, model, n) { None } else { reference_of(n) };
        spec_side.or_else(|| relation_for(&tables, &catalog, n))
    };
    check_output(engine.connection(), &project.spec, &project.catalog, model, &table, &relation_of)
}

/// Whether model `model` reads model `name`, directly or through other models (source entries
/// resolved the way every rule resolves them).
fn reads(project: &Project, model: usize, name: &str) -> bool {
    use crate::spec::resolve::context::{target_of, Target};
    let spec = &project.spec.spec;
    let mut stack = vec![model];
    let mut seen = HashSet::new();
    while let Some(m) = stack.pop() {
        if !seen.insert(m) {
            continue;
        }
        for entry in &spec.models[m].sources {
            if let Target::Model(up) = target_of(spec, &project.catalog, entry) {
                if matches!(target_of(spec, &project.catalog, name), Target::Model(n) if n == up) {
                    return true;
                }
                stack.push(up);
            }
        }
    }
    false
}
