//! SQL stage throughput: template evaluation, parsing, dialect translation, lineage and the
//! static check against the spec.
//!
//! - the customer360 example (SQLX and DuckDB flavours), on one thread;
//! - a generated project of 1,000 models, on one thread and on every core (rayon).
//!
//! `cargo bench --locked --bench lineage`; figures go in README's performance table with the
//! machine they ran on.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use specproof::bench::generate::{generate, Flavour, GenerateOptions};
use specproof::check::lineage::check_project_texts;
use specproof::project::layout::{load_project, Overrides, Project};
use specproof::spec::model::Dialect;
use std::hint::black_box;
use std::path::{Path, PathBuf};

fn crate_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}

fn load(dir: &Path, models: Option<PathBuf>, dialect: Option<Dialect>) -> (Project, Vec<String>) {
    let overrides = Overrides { models, dialect, ..Default::default() };
    let project = load_project(dir, &overrides).expect("project loads");
    let texts = project.model_files.iter().map(|f| std::fs::read_to_string(&f.path).expect("model file")).collect();
    (project, texts)
}

fn one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a one-thread pool")
}

fn bench(c: &mut Criterion) {
    let example = crate_root().join("specs/customer360");
    let pool = one_thread();
    for (name, models, dialect) in [
        ("customer360 SQLX: evaluate, parse, translate, trace, check", None, None),
        (
            "customer360 DuckDB SQL: parse, translate, trace, check",
            Some(example.join("models_duckdb")),
            Some(Dialect::Duckdb),
        ),
    ] {
        let (project, texts) = load(&example, models, dialect);
        assert!(!project.model_files.is_empty(), "the example has code");
        c.bench_function(name, |b| b.iter(|| pool.install(|| check_project_texts(black_box(&project), &texts))));
    }

    let scratch = std::env::temp_dir().join(format!("specproof-bench-{}", std::process::id()));
    let mut group = c.benchmark_group("1000 generated models");
    group.sample_size(20);
    group.throughput(Throughput::Elements(1000));
    for (label, flavour) in [("sqlx", Flavour::Sqlx), ("duckdb", Flavour::DuckDb)] {
        let dir = scratch.join(label);
        generate(&GenerateOptions { models: 1000, seed: 7, flavour }).write_to(&dir).expect("generated project");
        let (project, texts) = load(&dir, None, None);
        assert_eq!(project.model_files.len(), 1000);
        let check = check_project_texts(&project, &texts);
        assert!(check.findings.is_empty(), "generated code is correct: {:?}", check.findings.first());
        group.bench_function(format!("{label}, one thread"), |b| {
            b.iter(|| pool.install(|| check_project_texts(black_box(&project), &texts)))
        });
        group.bench_function(format!("{label}, every core"), |b| {
            b.iter(|| check_project_texts(black_box(&project), &texts))
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&scratch);
}

criterion_group!(benches, bench);
criterion_main!(benches);
