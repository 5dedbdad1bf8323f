//! Spec stage throughput: load and lint the customer360 project.
//!
//! `cargo bench --bench lint`; figures go in README's performance table with the machine.

use criterion::{criterion_group, criterion_main, Criterion};
use specproof::project::layout::{load_project, Overrides};
use specproof::spec::lint::lint_spec;
use specproof::spec::load::parse_spec;
use std::hint::black_box;

/// The crate's folder, read when the test runs: cargo sets it for tests and benches, and a build
/// shared between clones (one CARGO_TARGET_DIR) must not send a test to another clone's files.
fn crate_root() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}

fn project_dir() -> std::path::PathBuf {
    crate_root().join("specs/customer360")
}

fn bench(c: &mut Criterion) {
    let dir = project_dir();
    let text = std::fs::read_to_string(dir.join("spec.json")).expect("example spec");
    c.bench_function("parse customer360 spec", |b| {
        b.iter(|| parse_spec("spec.json", black_box(text.clone())).expect("parses"))
    });
    let project = load_project(&dir, &Overrides::default()).expect("example loads");
    c.bench_function("lint customer360 spec", |b| b.iter(|| lint_spec(black_box(&project.spec), &project.catalog)));
    c.bench_function("load and lint customer360 project", |b| {
        b.iter(|| {
            let project = load_project(black_box(&dir), &Overrides::default()).expect("example loads");
            lint_spec(&project.spec, &project.catalog)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
