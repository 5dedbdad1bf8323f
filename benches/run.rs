//! Run stage throughput: synthetic data for the customer360 project, loading it into DuckDB,
//! and a whole run of the example's models on it.
//!
//! - `synthesize` at 200 rows per table (what `validate` uses) and at 100,000;
//! - `load` of about a million rows (170,000 per table, 6 tables) into a fresh in-memory
//!   database, as rows per second (target ≥ 1 million rows/s);
//! - `run_project` on the corrected spec and the SQLX models, 200 rows per table.
//!
//! `cargo bench --locked --bench run`; figures go in README's performance table with the
//! machine they ran on.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use specproof::check::lineage::check_project;
use specproof::project::layout::{load_project, Overrides, Project};
use specproof::prove::search::search as run_project;
use specproof::run::options::RunOptions;
use specproof::synth::{load, synthesize, Dataset, SynthOptions};
use std::hint::black_box;
use std::path::PathBuf;

fn crate_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}

fn example(spec: Option<&str>) -> Project {
    let dir = crate_root().join("specs/customer360");
    let overrides = Overrides { spec: spec.map(|s| dir.join(s)), ..Default::default() };
    load_project(&dir, &overrides).expect("example loads")
}

/// A fresh in-memory database holding the schemas of `dataset`'s tables.
fn fresh_database(dataset: &Dataset) -> duckdb::Connection {
    let connection = duckdb::Connection::open_in_memory().expect("in-memory database");
    let mut schemas: Vec<&str> = dataset.tables.iter().map(|t| t.schema_and_table().0).collect();
    schemas.sort_unstable();
    schemas.dedup();
    for schema in schemas {
        connection.execute_batch(&format!("CREATE SCHEMA \"{schema}\"")).expect("schema");
    }
    connection
}

fn bench(c: &mut Criterion) {
    let project = example(None);

    let mut group = c.benchmark_group("synthesize customer360");
    for rows in [200usize, 100_000] {
        let options = SynthOptions { seed: 42, rows };
        let total = synthesize(&project.spec, &project.catalog, &options).total_rows();
        group.throughput(Throughput::Elements(total as u64));
        if rows > 10_000 {
            group.sample_size(10);
        }
        group.bench_function(format!("{rows} rows per table"), |b| {
            b.iter(|| synthesize(black_box(&project.spec), &project.catalog, &options))
        });
    }
    group.finish();

    let dataset = synthesize(&project.spec, &project.catalog, &SynthOptions { seed: 42, rows: 170_000 });
    let total = dataset.total_rows();
    assert!(total >= 1_000_000, "about a million rows: {total}");
    let mut group = c.benchmark_group("load customer360 into DuckDB");
    group.sample_size(10);
    group.throughput(Throughput::Elements(total as u64));
    group.bench_function(format!("{total} rows"), |b| {
        b.iter_batched(
            || fresh_database(&dataset),
            |connection| {
                load(black_box(&dataset), &connection, None).expect("loads");
                connection
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();

    let corrected = example(Some("spec.corrected.json"));
    let code = check_project(&corrected);
    let options = RunOptions { run_time: "2024-06-30 12:00:00".into(), ..Default::default() };
    let options = RunOptions { synth: SynthOptions { seed: 42, rows: 200 }, ..options };
    // The full run: models, output checks, the example's four shipped test files, SCD2 history.
    let suite = specproof::suite::read::load_suite(&corrected);
    let outcome = run_project(&corrected, &code, Some(&suite), &options).expect("the example runs");
    assert!(outcome.findings.is_empty() && outcome.coverage.skipped.is_empty(), "the corrected example is clean");
    let mut group = c.benchmark_group("run customer360");
    group.sample_size(20);
    group.bench_function("corrected spec, SQLX models, shipped tests, 200 rows per table", |b| {
        b.iter(|| run_project(black_box(&corrected), &code, Some(&suite), &options).expect("runs"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
