//! Each stage of a validation, with throughput units, on the example pipelines and on generated
//! projects of 100, 1,000 and 10,000 models (`specproof bench` generates the same projects):
//!
//! - `lint` and `static check` (parse, translate, lineage, the check against the spec), in
//!   models per second, at every size;
//! - `synthesize` (the datasets a run loads), in rows per second, at 100 and 1,000 models;
//! - `validate` end to end (every stage, the default three datasets and shrinking), in models per
//!   second, on each example pipeline's correct code and on 100 generated models.
//!
//! `cargo bench --locked --bench stages`; figures go in docs/performance.md with the machine.
//! The 10,000-model sizes take a few minutes: `cargo bench --locked --bench stages -- '100 '`
//! runs the small ones only.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use specproof::bench::generate::{generate, Flavour, GenerateOptions};
use specproof::check::lineage::check_project;
use specproof::finding::Severity;
use specproof::project::layout::{load_project, Overrides, Project};
use specproof::run::options::{RunOptions, DEFAULT_RUN_TIME};
use specproof::spec::lint::lint_spec;
use specproof::synth::{synthesize, SynthOptions};
use specproof::validate::{validate, Options};
use std::hint::black_box;
use std::path::PathBuf;

fn crate_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}

/// The folder a generated project of `models` models is written to; the static check reads its
/// model files, so it stays until the benchmarks end.
fn folder(models: usize) -> PathBuf {
    std::env::temp_dir().join(format!("specproof-stages-bench-{}-{models}", std::process::id()))
}

/// A generated project of `models` models, written to [`folder`] and loaded.
fn generated(models: usize) -> Project {
    let dir = folder(models);
    let _ = std::fs::remove_dir_all(&dir);
    generate(&GenerateOptions { models, seed: 42, flavour: Flavour::Sqlx }).write_to(&dir).expect("project written");
    load_project(&dir, &Overrides::default()).expect("generated project loads")
}

fn example(name: &str) -> Project {
    let dir = crate_root().join("specs").join(name);
    // customer360's own spec has findings on purpose; its corrected spec is the clean one.
    let spec = Some(dir.join("spec.corrected.json")).filter(|p| p.is_file());
    load_project(&dir, &Overrides { spec, ..Default::default() }).expect("example loads")
}

fn run_options() -> RunOptions {
    RunOptions { run_time: DEFAULT_RUN_TIME.into(), cases: 3, shrink: true, ..Default::default() }
}

fn full() -> Options {
    Options {
        run: Some(run_options()),
        no_run: false,
        changed_since: None,
        partition: None,
        baseline: None,
        fail_on: Severity::Error,
    }
}

fn bench(c: &mut Criterion) {
    let sizes = [100usize, 1_000, 10_000];
    let projects: Vec<(usize, Project)> = sizes.iter().map(|&n| (n, generated(n))).collect();

    let mut group = c.benchmark_group("lint");
    for (n, project) in &projects {
        group.throughput(Throughput::Elements(*n as u64));
        group.sample_size(10);
        group.bench_function(format!("{n} models"), |b| {
            b.iter(|| lint_spec(black_box(&project.spec), &project.catalog))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("static check");
    for (n, project) in &projects {
        group.throughput(Throughput::Elements(*n as u64));
        group.sample_size(10);
        // The files are read as validate reads them: the static check's time includes it.
        group.bench_function(format!("{n} models"), |b| b.iter(|| check_project(black_box(project))));
    }
    group.finish();

    let mut group = c.benchmark_group("synthesize");
    for (n, project) in projects.iter().filter(|(n, _)| *n <= 1_000) {
        let options = SynthOptions { seed: 42, rows: 200 };
        let rows = synthesize(&project.spec, &project.catalog, &options).total_rows();
        group.throughput(Throughput::Elements(rows as u64));
        group.sample_size(10);
        group.bench_function(format!("{n} models, 200 rows per source"), |b| {
            b.iter(|| synthesize(black_box(&project.spec), &project.catalog, &options))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("validate");
    group.sample_size(10);
    let mut targets: Vec<(String, Project)> =
        ["customer360", "inventory", "payroll", "attribution"].iter().map(|n| (n.to_string(), example(n))).collect();
    targets.extend(projects.into_iter().filter(|(n, _)| *n == 100).map(|(n, p)| (format!("{n} generated models"), p)));
    for (name, project) in &targets {
        group.throughput(Throughput::Elements(project.spec.spec.models.len() as u64));
        let options = full();
        group.bench_function(name.as_str(), |b| b.iter(|| validate(black_box(project), &options).expect("validates")));
    }
    group.finish();
    for n in sizes {
        let _ = std::fs::remove_dir_all(folder(n));
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
