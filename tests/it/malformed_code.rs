//! Bad code never crashes: each of the example's model files, cut short or with text replaced
//! anywhere (template delimiters included), is evaluated, parsed, translated, traced and checked
//! without a panic, and every finding it draws points at a line and column inside the file.

use crate::support::crate_root;
use proptest::prelude::*;
use specproof::check::lineage::check_project_texts;
use specproof::project::layout::{load_project, Overrides, Project};
use specproof::spec::model::Dialect;

fn project(duckdb: bool) -> (Project, Vec<String>) {
    let dir = crate_root().join("specs/customer360");
    let overrides = if duckdb {
        Overrides { models: Some(dir.join("models_duckdb")), dialect: Some(Dialect::Duckdb), ..Default::default() }
    } else {
        Overrides::default()
    };
    let project = load_project(&dir, &overrides).expect("the example loads");
    let texts = project.model_files.iter().map(|f| std::fs::read_to_string(&f.path).expect("model file")).collect();
    (project, texts)
}

fn check(duckdb: bool, which: usize, change: impl Fn(&str) -> String) {
    let (project, mut texts) = project(duckdb);
    let which = which % texts.len();
    texts[which] = change(&texts[which]);
    let check = check_project_texts(&project, &texts);
    for finding in &check.findings {
        let Some(location) = &finding.location else { continue };
        let index =
            project.model_files.iter().position(|f| f.path.to_string_lossy().replace('\\', "/") == location.file);
        let Some(index) = index else { continue };
        let text = &texts[index];
        let lines: Vec<&str> = text.split('\n').collect();
        assert!(location.line >= 1 && location.line <= lines.len(), "{location} outside {} lines", lines.len());
        let width = lines[location.line - 1].chars().count();
        assert!(location.column >= 1 && location.column <= width + 1, "{location} outside a line of {width}");
    }
}

fn boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len())).rev().find(|&c| text.is_char_boundary(c)).unwrap_or(0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn truncated_code_never_panics(duckdb: bool, which in 0usize..5, cut in 0usize..6_000) {
        check(duckdb, which, |text| text[..boundary(text, cut)].to_string());
    }

    #[test]
    fn mutated_code_never_panics(
        duckdb: bool,
        which in 0usize..5,
        at in 0usize..6_000,
        len in 0usize..30,
        filler in prop_oneof!["[ -~]{0,10}", Just("${".to_string()), Just("{{".to_string()), Just("}".to_string()),
                              Just("config {".to_string()), Just("'".to_string()), Just("/*".to_string()),
                              Just("é\u{200b}".to_string())],
    ) {
        check(duckdb, which, |text| {
            let start = boundary(text, at);
            let end = boundary(text, (start + len).min(text.len())).max(start);
            let mut mutated = text.to_string();
            mutated.replace_range(start..end, &filler);
            mutated
        });
    }
}
