//! Bad input never crashes: the example spec, cut short or with bytes replaced anywhere, either
//! loads and lints, or fails with a position inside the file.

use crate::support::crate_root;
use proptest::prelude::*;
use specproof::error::{Error, ErrorKind};
use specproof::project::layout::{load_project, Overrides};
use specproof::spec::lint::lint_spec;
use specproof::spec::load::parse_spec;

fn example() -> String {
    std::fs::read_to_string(crate_root().join("specs/customer360/spec.json")).unwrap()
}

fn check(text: String) {
    let project = load_project(&crate_root().join("specs/customer360"), &Overrides::default()).unwrap();
    let lines = text.lines().count().max(1);
    match parse_spec("spec.json", text) {
        Ok(loaded) => {
            // Whatever loads must lint without panicking, and every finding has a place.
            for finding in lint_spec(&loaded, &project.catalog) {
                let location = finding.location.expect("lint findings are placed");
                assert!(location.line >= 1 && location.line <= lines + 1, "{location}");
            }
        }
        Err(Error { kind: ErrorKind::InvalidJson { .. }, location: Some(at) }) => {
            assert!(at.line >= 1 && at.line <= lines + 1, "line {} of {lines}", at.line);
            assert!(at.column >= 1);
        }
        Err(other) => panic!("unexpected error kind: {other}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn truncated_specs_fail_with_a_position(cut in 0usize..20_000) {
        let text = example();
        let cut = (0..=cut.min(text.len())).rev().find(|&c| text.is_char_boundary(c)).unwrap_or(0);
        check(text[..cut].to_string());
    }

    #[test]
    fn mutated_specs_never_panic(at in 0usize..20_000, len in 0usize..40, filler in "[ -~]{0,12}") {
        let text = example();
        let start = (0..=at.min(text.len())).rev().find(|&c| text.is_char_boundary(c)).unwrap_or(0);
        let end = (start..=(start + len).min(text.len())).rev().find(|&c| text.is_char_boundary(c)).unwrap_or(start);
        let mut mutated = text.clone();
        mutated.replace_range(start..end, &filler);
        check(mutated);
    }
}
