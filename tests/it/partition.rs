//! Sharded runs through the real binary: `validate --partition K/N` on every part and
//! `specproof report merge` of their JSON reports give byte for byte the reports one run gives,
//! in every format; every model is in exactly one part, the same one on every run; bad
//! `--partition` values and reports that cannot be merged are exit 2 with a message that says why.

use crate::support::{binary, copy_files, crate_root, scratch, text, Flavour};
use serde_json::Value;
use specproof::bench::generate::{generate, Flavour as Generated, GenerateOptions};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary in `cwd`.
fn specproof_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(binary()).args(args).current_dir(cwd).output().expect("the binary runs")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The report formats, by the extension `--output` gives each.
const FORMATS: [&str; 5] = ["json", "xml", "md", "sarif", "txt"];

/// `args` with an `--output NAME.EXT` for every format.
fn outputs(args: &[&str], name: &str) -> Vec<String> {
    let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    for ext in FORMATS {
        all.extend(["--output".to_string(), format!("{name}.{ext}")]);
    }
    all
}

fn run(cwd: &Path, args: &[String]) -> Output {
    specproof_in(cwd, &args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The example (corrected spec, SQLX, its shipped tests) with a defect planted in each of its
/// two connected components, one a shipped test sees, and a source DDL file that does not parse
/// (a finding about no model, which every part reports).
fn defective_example(cwd: &Path) {
    let dir = cwd.join("p");
    crate::support::example_into(&dir, Flavour::Sqlx);
    copy_files(&crate_root().join("specs/customer360/tests"), &dir.join("tests"));
    let corpus = crate_root().join("tests/corpus/semantic/customer360");
    for (model, case) in [
        ("stg_orders", "amount-cast-to-int.sqlx"),
        ("dim_customers_scd2", "scd2-no-new-version.sqlx"),
        ("stg_customers", "email-not-trimmed.sqlx"),
    ] {
        std::fs::copy(corpus.join(model).join(case), dir.join("models").join(format!("{model}.sqlx"))).unwrap();
    }
    std::fs::write(dir.join("sources/zz_broken.sql"), "CREATE TABLE (\n").unwrap();
}

#[test]
fn merged_parts_give_the_report_of_one_run_in_every_format() {
    let cwd = scratch("partition", "merge");
    defective_example(&cwd);
    let full = run(&cwd, &outputs(&["validate", "p"], "full"));
    assert_eq!(full.status.code(), Some(1), "{}", text(&full.stderr));
    let full_json: Value = serde_json::from_str(&read(&cwd.join("full.json"))).unwrap();
    let codes: Vec<(&str, &str)> = full_json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["model"].as_str().unwrap_or("")))
        .collect();
    for planted in
        [("DIF001", "stg_orders"), ("DIF001", "dim_customers_scd2"), ("DIF001", "stg_customers"), ("SRC001", "")]
    {
        assert!(codes.contains(&planted), "one run finds {planted:?}: {codes:?}");
    }
    for n in [2usize, 3] {
        let mut parts = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for k in 1..=n {
            let file = format!("part-{k}-of-{n}.json");
            let label = format!("{k}/{n}");
            let out =
                specproof_in(&cwd, &["validate", "p", "--partition", &label, "--format", "json", "--output", &file]);
            // Every part reports the broken DDL file, so every part fails on its own.
            assert_eq!(out.status.code(), Some(1), "part {label}: {}", text(&out.stderr));
            let part: Value = serde_json::from_str(&read(&cwd.join(&file))).unwrap();
            assert!(crate::gate::schema_errors(&part).is_empty(), "{:?}", crate::gate::schema_errors(&part));
            let models: Vec<String> =
                part["partition"]["models"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().into()).collect();
            // A part reports findings about its own models only.
            for finding in part["findings"].as_array().unwrap() {
                if let Some(model) = finding["model"].as_str() {
                    assert!(models.iter().any(|m| m == model), "part {label} reports on {model}");
                }
            }
            if models.is_empty() {
                let scope = part["scope"].as_str().unwrap();
                assert!(scope.contains(&format!("part {label} holds no model")), "{scope}");
            }
            seen.extend(models);
            parts.push(file);
        }
        seen.sort();
        let mut all: Vec<String> = full_json["coverage"]["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["model"].as_str().unwrap().into())
            .collect();
        all.sort();
        assert_eq!(seen, all, "{n} parts cover every model once");
        // In reverse order: the merge does not depend on the order the parts come in.
        let mut args = vec!["report".to_string(), "merge".to_string()];
        args.extend(parts.iter().rev().cloned());
        let merged = run(&cwd, &outputs(&args.iter().map(String::as_str).collect::<Vec<_>>(), &format!("merged-{n}")));
        assert_eq!(merged.status.code(), full.status.code(), "{}", text(&merged.stderr));
        assert_eq!(text(&merged.stdout), text(&full.stdout), "{n} parts: the text report on stdout");
        for ext in FORMATS {
            let (one, merged) = (read(&cwd.join(format!("full.{ext}"))), read(&cwd.join(format!("merged-{n}.{ext}"))));
            assert!(one == merged, "{n} parts: the merged .{ext} report differs from one run's:\n{merged}");
        }
    }
}

/// A generated project of `models` models (DuckDB flavour) in `cwd/g`.
fn generated(cwd: &Path, models: usize) {
    generate(&GenerateOptions { models, seed: 5, flavour: Generated::DuckDb }).write_to(&cwd.join("g")).unwrap();
}

fn part_models(cwd: &Path, args: &[&str]) -> (Vec<String>, Value) {
    let out = specproof_in(cwd, args);
    assert!(out.status.code().is_some_and(|c| c < 2), "{args:?}: {}", text(&out.stderr));
    let json: Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    let models = json["partition"]["models"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().into()).collect();
    (models, json)
}

#[test]
fn parts_cover_every_model_once_and_the_same_way_every_time() {
    let cwd = scratch("partition", "cover");
    generated(&cwd, 40);
    let (_, one) = part_models(&cwd, &["validate", "g", "--no-run", "--partition", "1/1", "--format", "json"]);
    let all: BTreeSet<String> =
        one["partition"]["all_models"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().into()).collect();
    assert_eq!(all.len(), 40);
    let components = one["partition"]["total_components"].as_u64().unwrap() as usize;
    assert!(components >= 3, "the generated project has several components ({components})");
    for n in [2usize, 3, 5, components + 2] {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut sizes = Vec::new();
        let mut files = Vec::new();
        for k in 1..=n {
            let label = format!("{k}/{n}");
            let args = ["validate", "g", "--no-run", "--partition", &label, "--format", "json"];
            let (models, json) = part_models(&cwd, &args);
            // The same part twice: the same models, the same report.
            assert_eq!(part_models(&cwd, &args).1, json, "part {label} is deterministic");
            for model in &models {
                assert!(seen.insert(model.clone()), "{model} is in two parts of {n}");
            }
            sizes.push(models.len());
            let file = format!("no-run-{k}-of-{n}.json");
            std::fs::write(cwd.join(&file), serde_json::to_string_pretty(&json).unwrap()).unwrap();
            files.push(file);
        }
        assert_eq!(seen, all, "{n} parts cover every model");
        if n > components {
            assert_eq!(sizes.iter().filter(|s| **s == 0).count(), n - components, "{n} parts: {sizes:?}");
        }
        let mut args = vec!["report", "merge", "--format", "json"];
        args.extend(files.iter().map(String::as_str));
        let merged = specproof_in(&cwd, &args);
        let full = specproof_in(&cwd, &["validate", "g", "--no-run", "--format", "json"]);
        assert_eq!(text(&merged.stdout), text(&full.stdout), "{n} parts of the static check merge into one");
        assert_eq!(merged.status.code(), full.status.code());
    }
}

#[test]
fn bad_partitions_are_usage_errors() {
    let cwd = scratch("partition", "bad");
    generated(&cwd, 4);
    for (bad, why) in [
        ("0/3", "K must be between 1 and N"),
        ("4/3", "K must be between 1 and N"),
        ("1/0", "N must be between 1 and"),
        ("2", "not of the form K/N"),
        ("a/b", "whole numbers"),
    ] {
        let out = specproof_in(&cwd, &["validate", "g", "--partition", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(&format!("--partition `{bad}`")) && stderr.contains(why), "{bad}: {stderr}");
    }
    let out = specproof_in(&cwd, &["validate", "g", "--partition", "1/2", "--changed-since", "HEAD"]);
    assert_eq!(out.status.code(), Some(2), "--partition with --changed-since");
    assert!(text(&out.stderr).contains("cannot be used with"), "{}", text(&out.stderr));
}

#[test]
fn reports_that_are_not_parts_of_one_run_are_refused() {
    let cwd = scratch("partition", "refused");
    generated(&cwd, 12);
    let write = |name: &str, args: &[&str]| {
        let mut all = vec!["validate", "g", "--no-run", "--format", "json", "--output", name];
        all.extend(args);
        let out = specproof_in(&cwd, &all);
        assert!(out.status.code().is_some_and(|c| c < 2), "{}", text(&out.stderr));
    };
    write("a1.json", &["--partition", "1/2"]);
    write("a2.json", &["--partition", "2/2"]);
    write("b2.json", &["--partition", "2/2", "--fail-on", "warning"]);
    write("c2.json", &["--partition", "2/3"]);
    write("whole.json", &[]);
    std::fs::write(cwd.join("broken.json"), "{\n  \"version\": 1,\n  \"command\": \n}\n").unwrap();
    let merge = |files: &[&str]| {
        let mut args = vec!["report", "merge"];
        args.extend(files);
        let out = specproof_in(&cwd, &args);
        (out.status.code(), text(&out.stderr))
    };
    for (files, says) in [
        (&["a1.json", "a1.json"][..], "a1.json and a1.json are both part 1/2"),
        (&["a1.json", "c2.json"][..], "c2.json is part 2/3 and a1.json part 1/2"),
        (&["a1.json", "b2.json"][..], "b2.json and a1.json are not parts of one run"),
        (&["a1.json", "whole.json"][..], "whole.json is not a part of a sharded run"),
        (&["a1.json", "broken.json"][..], "broken.json is not a specproof JSON report: line 4, column 1"),
        (&["a1.json", "missing.json"][..], "cannot read missing.json"),
        (&["a1.json"][..], "part 2/2 missing"),
        (&["a1.json", "a2.json", "--output", "a2.json"][..], "--output a2.json is one of the reports to merge"),
    ] {
        let (code, stderr) = merge(files);
        assert_eq!(code, Some(2), "{files:?}: {stderr}");
        assert!(stderr.contains(says), "{files:?}: {stderr}");
    }
    // A part missing, on purpose: merged, the report says so and so does a warning.
    let out = specproof_in(&cwd, &["report", "merge", "a1.json", "--allow-partial", "--format", "json"]);
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("merged without part 2/2"), "{}", text(&out.stderr));
    let json: Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert!(json["scope"].as_str().unwrap().contains("incomplete: part 2/2 missing"), "{json}");
    assert_eq!(merge(&["a1.json", "a2.json"]).0, specproof_in(&cwd, &["validate", "g", "--no-run"]).status.code());
}

#[test]
fn a_generated_project_of_many_components_merges_into_one_run() {
    let cwd = scratch("partition", "generated");
    generated(&cwd, 40);
    let run_args = ["validate", "g", "--rows", "50", "--cases", "2"];
    let full = run(&cwd, &outputs(&run_args, "full"));
    assert!(full.status.code().is_some_and(|c| c < 2), "{}", text(&full.stderr));
    let n = 3;
    let mut args = vec!["report".to_string(), "merge".to_string()];
    for k in 1..=n {
        let file = format!("part-{k}.json");
        let mut part: Vec<String> = run_args.iter().map(|a| a.to_string()).collect();
        part.extend(["--partition".into(), format!("{k}/{n}"), "--format".into(), "json".into(), "--output".into()]);
        part.push(file.clone());
        let out = run(&cwd, &part);
        assert!(out.status.code().is_some_and(|c| c < 2), "part {k}: {}", text(&out.stderr));
        let json: Value = serde_json::from_str(&read(&cwd.join(&file))).unwrap();
        assert!(!json["partition"]["models"].as_array().unwrap().is_empty(), "part {k} of {n} holds models");
        args.push(file);
    }
    let merged = run(&cwd, &outputs(&args.iter().map(String::as_str).collect::<Vec<_>>(), "merged"));
    assert_eq!(merged.status.code(), full.status.code(), "{}", text(&merged.stderr));
    for ext in FORMATS {
        let (one, merged) = (read(&cwd.join(format!("full.{ext}"))), read(&cwd.join(format!("merged.{ext}"))));
        assert!(one == merged, "the merged .{ext} report differs from one run's:\n{merged}");
    }
}
