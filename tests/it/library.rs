//! The library's one entry point, `specproof::validate`, called as a program embedding
//! specproof would: no binary, no printing, the report as data.

use crate::support::crate_root;
use specproof::finding::{Severity, Subject};
use specproof::project::layout::{load_project, Overrides, Project};
use specproof::run::options::RunOptions;
use specproof::validate::{validate, Options};

fn example(spec: Option<&str>) -> Project {
    let dir = crate_root().join("specs/customer360");
    let overrides = Overrides { spec: spec.map(|s| dir.join(s)), ..Overrides::default() };
    load_project(&dir, &overrides).expect("the example loads")
}

/// `validate`'s options: the spec lint alone, or everything on `cases` datasets.
fn options(cases: Option<usize>) -> Options {
    Options {
        run: cases.map(|cases| RunOptions {
            run_time: "2024-06-30 12:00:00".into(),
            cases,
            shrink: true,
            synth: specproof::synth::SynthOptions { seed: 42, rows: 200 },
            ..RunOptions::default()
        }),
        no_run: false,
        changed_since: None,
        partition: None,
        baseline: None,
        fail_on: Severity::Error,
    }
}

#[test]
fn the_original_spec_draws_its_seven_spec_findings_and_nothing_about_the_code() {
    let project = example(None);
    let validation = validate(&project, &options(Some(1))).expect("validates");
    let report = &validation.report;
    assert_eq!(report.by_subject(), [(Subject::Spec, 7), (Subject::Code, 0), (Subject::Test, 0), (Subject::Tool, 0)]);
    assert!(!report.is_clean());
    assert!(validation.code.is_some() && validation.suite.is_some(), "validate reads the code and the tests");
}

#[test]
fn the_corrected_spec_validates_clean_and_lint_alone_reads_no_code() {
    let project = example(Some("spec.corrected.json"));
    let validation = validate(&project, &options(Some(2))).expect("validates");
    assert!(validation.report.is_clean(), "{:?}", validation.report.findings);
    assert!(validation.report.scope.contains("5 models run on 2 synthetic datasets"), "{}", validation.report.scope);
    let lint = validate(&project, &options(None)).expect("lints");
    assert!(lint.report.is_clean());
    assert_eq!(lint.report.scope, "spec lint");
    assert!(lint.code.is_none() && lint.suite.is_none());
}
