//! `specproof data`: the real binary writes one CSV per source table of the example, headed by
//! the DDL's columns, the same bytes for the same seed and different bytes for another.

use crate::support::{binary, crate_root};
use specproof::project::layout::{load_project, Overrides};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh scratch folder for this module and `label`.
fn scratch(label: &str) -> PathBuf {
    crate::support::scratch("data-cli", label)
}

/// Runs `specproof data specs/customer360 --out <out> --seed <seed> --rows 50` and returns every
/// file written, by name.
fn data(out: &Path, seed: &str) -> BTreeMap<String, Vec<u8>> {
    let output = Command::new(binary())
        .args(["data", "specs/customer360", "--out"])
        .arg(out)
        .args(["--seed", seed, "--rows", "50"])
        .current_dir(crate_root())
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("wrote 6 tables"));
    std::fs::read_dir(out)
        .expect("output folder")
        .map(|entry| {
            let path = entry.expect("folder entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("written file"))
        })
        .collect()
}

#[test]
fn data_writes_one_csv_per_source_table_the_same_for_a_seed() {
    let project = load_project(&crate_root().join("specs/customer360"), &Overrides::default()).expect("example");
    let (a, b, c) = (scratch("a"), scratch("b"), scratch("c"));
    let first = data(&a, "7");

    let expected: Vec<String> = project.catalog.tables.keys().map(|t| format!("{t}.csv")).collect();
    assert_eq!(first.keys().cloned().collect::<Vec<_>>(), expected);
    for source in project.catalog.tables.values() {
        let text = String::from_utf8(first[&format!("{}.csv", source.table.name)].clone()).expect("UTF-8");
        let header = text.lines().next().expect("a header line");
        let columns: Vec<String> = source.table.columns.iter().map(|c| format!("\"{}\"", c.name)).collect();
        assert_eq!(header, columns.join(","), "{}", source.table.name);
        assert!(text.lines().count() > 1, "{} has rows", source.table.name);
    }

    assert_eq!(data(&b, "7"), first, "the same seed writes the same bytes");
    let other = data(&c, "8");
    assert_eq!(other.keys().collect::<Vec<_>>(), first.keys().collect::<Vec<_>>());
    assert_ne!(other, first, "another seed writes other data");
    for dir in [a, b, c] {
        std::fs::remove_dir_all(dir).expect("scratch folder removed");
    }
}
