//! The fuzzing harness (issue 13, item 4): grammar-aware generators and byte-level mutations
//! drive the spec loader, the template front end, the SQL front end with lineage, the dialect
//! bridge and the whole of `specproof::validate`, and check properties that can fail.
//!
//! By default each target runs a fixed number of cases from a fixed seed (the same cases every
//! run, a few seconds in all). `SPECPROOF_FUZZ_SECONDS=N` runs each target for N seconds on
//! fresh seeds instead, printing the cases run and every failure with its shrunk input;
//! `SPECPROOF_FUZZ_SEED=S` replays the seed a report printed. See docs/fuzzing.md.
//!
//! Why proptest and not cargo-fuzz: the crate links a bundled DuckDB, which a sanitizer build on
//! nightly would recompile from C++ (half an hour) for every change of flags; proptest runs in
//! the ordinary test binary and shrinks what it finds to a minimal input.

mod bigquery;
mod mutate;
mod spec;
mod templates;

use crate::support::crate_root;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestError, TestRunner};
use specproof::finding::Finding;
use specproof::project::code::{analyse_file, ProjectTables};
use specproof::project::layout::{load_project, CodeKind, ModelFile, Overrides, Project};
use specproof::spec::lint::lint_spec;
use specproof::spec::load::parse_spec;
use specproof::spec::model::Dialect;
use specproof::sql::bridge::{to_duckdb, BridgeOptions};
use specproof::sql::depth::STACK_SIZE;
use specproof::sql::lineage::trace;
use specproof::sql::parse::parse_statements;
use specproof::sql::template::{render, TableRef, TemplateKind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The example project, loaded once: its spec and catalog resolve the generated code's names.
fn example() -> &'static Project {
    static PROJECT: OnceLock<Project> = OnceLock::new();
    PROJECT.get_or_init(|| {
        let dir = crate_root().join("specs/customer360");
        let overrides = Overrides { spec: Some(dir.join("spec.corrected.json")), ..Overrides::default() };
        load_project(&dir, &overrides).expect("the example loads")
    })
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(crate_root().join(relative)).expect("an example file")
}

/// The example's model files, by folder: `models` (SQLX) or `models_duckdb` (DuckDB SQL).
fn model_seeds(folder: &str) -> Vec<(&'static str, String)> {
    ["stg_customers", "stg_orders", "stg_support_pivot", "fact_customer_orders", "dim_customers_scd2"]
        .into_iter()
        .map(|model| {
            let ext = if folder == "models" { "sqlx" } else { "sql" };
            (model, read(&format!("specs/customer360/{folder}/{model}.{ext}")))
        })
        .collect()
}

/// `Ok` when (line, column) is a place in `text`: 1-based, on one of its lines, at most one
/// past that line's last character.
fn within(text: &str, line: usize, column: usize, what: &str) -> Result<(), TestCaseError> {
    let lines: Vec<&str> = text.split('\n').collect();
    let ok = line >= 1 && line <= lines.len() && column >= 1 && column <= lines[line - 1].chars().count() + 1;
    if ok {
        Ok(())
    } else {
        Err(TestCaseError::fail(format!(
            "{what}: position {line}:{column} is outside the text ({} lines{})",
            lines.len(),
            lines
                .get(line.wrapping_sub(1))
                .map(|l| format!(", line {line} has {} characters", l.chars().count()))
                .unwrap_or_default()
        )))
    }
}

/// Every located finding about `file` points inside `text`.
fn findings_within(findings: &[Finding], file: &str, text: &str) -> Result<(), TestCaseError> {
    for f in findings {
        if let Some(at) = f.location.as_ref().filter(|at| at.file == file && at.line > 0) {
            within(text, at.line, at.column, &format!("{} `{}`", f.code.as_str(), f.message))?;
        }
    }
    Ok(())
}

/// Fails unless both runs of `f` give the same output (compared as `key` of it, in its debug
/// form: what a report is made of, without maps whose order is not part of the output).
fn twice_by<T, K: std::fmt::Debug>(what: &str, f: impl Fn() -> T, key: impl Fn(&T) -> K) -> Result<T, TestCaseError> {
    let (first, second) = (f(), f());
    let (a, b) = (format!("{:?}", key(&first)), format!("{:?}", key(&second)));
    if a != b {
        let at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
        let window = |s: &str| s.get(at.saturating_sub(120)..(at + 120).min(s.len())).unwrap_or("").to_string();
        return Err(TestCaseError::fail(format!(
            "{what}: the same input gave different output, from byte {at}:\n{}\n---\n{}",
            window(&a),
            window(&b)
        )));
    }
    Ok(first)
}

/// [`twice_by`] on the whole output.
fn twice<T: std::fmt::Debug>(what: &str, f: impl Fn() -> T) -> Result<T, TestCaseError> {
    twice_by(what, f, |t| format!("{t:?}"))
}

/// How long each target runs, when asked for a long run.
fn long_run() -> Option<Duration> {
    let seconds: f64 = std::env::var("SPECPROOF_FUZZ_SECONDS").ok()?.parse().ok()?;
    (seconds > 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// Runs `property` on values of the strategy `strategy` makes: `cases` cases from a fixed seed by default, or
/// batches on fresh seeds for `SPECPROOF_FUZZ_SECONDS`. Runs on a thread with the workers'
/// stack ([`STACK_SIZE`]), so that deep input is judged as the binary would judge it. Panics
/// with every failure found, each with its shrunk input and its seed.
#[expect(
    clippy::print_stdout,
    reason = "a long run reports seeds, counts and failures as it goes; the harness captures them unless --nocapture"
)]
fn fuzz<S>(
    name: &str,
    strategy: impl Fn() -> S + Sync,
    cases: u32,
    property: impl Fn(S::Value) -> Result<(), TestCaseError> + Sync,
) where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let runs = AtomicU64::new(0);
    // A crash that ends the process (a stack overflow aborts) cannot be shrunk or reported by
    // proptest: in a long run each input is written down before it runs, so the file holds the
    // input that crashed.
    let last = (long_run().is_some() || std::env::var_os("SPECPROOF_FUZZ_KEEP_LAST").is_some())
        .then(|| std::env::temp_dir().join(format!("specproof-fuzz-{name}.last")));
    let counted = |value: S::Value| {
        runs.fetch_add(1, Ordering::Relaxed);
        if let Some(last) = &last {
            let _ = std::fs::write(last, format!("{value:#?}"));
        }
        property(value)
    };
    let config = |cases: u32, seed: u64| Config {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    };
    let run_one = |cases: u32, seed: u64| -> Option<String> {
        let mut runner = TestRunner::new(config(cases, seed));
        // Built on the fuzz thread: proptest's boxed strategies are not `Send`.
        match runner.run(&strategy(), counted) {
            Ok(()) => None,
            Err(TestError::Fail(why, input)) => {
                Some(format!("fuzz {name}: seed {seed}: {why}\nminimal input: {input:#?}"))
            }
            Err(TestError::Abort(why)) => Some(format!("fuzz {name}: seed {seed}: aborted: {why}")),
        }
    };
    let started = Instant::now();
    let failures = std::thread::scope(|scope| {
        let worker = std::thread::Builder::new().name(format!("fuzz-{name}")).stack_size(STACK_SIZE);
        let job = worker
            .spawn_scoped(scope, || {
                let fixed: Option<u64> = std::env::var("SPECPROOF_FUZZ_SEED").ok().and_then(|s| s.parse().ok());
                let Some(budget) = long_run() else {
                    return run_one(cases, fixed.unwrap_or(0x5eed_f022)).into_iter().collect::<Vec<_>>();
                };
                let mut failures = Vec::new();
                let mut seed = fixed.unwrap_or_else(|| {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(1, |d| d.as_nanos() as u64)
                });
                while started.elapsed() < budget {
                    // Printed before the batch: a crash that kills the process (an abort)
                    // leaves the seed to replay it with.
                    println!("fuzz {name}: batch seed {seed}");
                    if let Some(failure) = run_one(cases, seed) {
                        println!("{failure}");
                        failures.push(failure);
                    }
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                }
                failures
            })
            .expect("the fuzz thread starts");
        job.join().unwrap_or_else(|_| vec![format!("fuzz {name}: the harness itself panicked")])
    });
    println!(
        "fuzz {name}: {} cases run (shrinking steps included) in {:.1} s, {} failure(s)",
        runs.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A rayon pool with the workers' stack, as the binary builds its global one: the library's
/// parallel stages then run as they do in the binary.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| rayon::ThreadPoolBuilder::new().num_threads(2).stack_size(STACK_SIZE).build().expect("a pool"))
}

// ---------------------------------------------------------------------------------------------
// Target: the spec loader and the spec lint.

#[test]
fn fuzz_spec_loader() {
    let base = read("specs/customer360/spec.corrected.json");
    let seeds = vec![("spec.corrected.json", base.clone()), ("spec.json", read("specs/customer360/spec.json"))];
    let strategy =
        || prop_oneof![spec::edited_spec(base.clone()), mutate::mutant(seeds.clone()).prop_map(|(_, _, text)| text),];
    let catalog = &example().catalog;
    fuzz("spec_loader", strategy, 48, |text| {
        // The spec's position map is a hash map: its order is no output of the loader.
        let loaded = twice_by(
            "parse_spec",
            || parse_spec("spec.json", text.clone()),
            |r| r.as_ref().map(|l| format!("{:?} {:?}", l.spec, l.unknown_fields)).map_err(|e| format!("{e:?}")),
        )?;
        match loaded {
            Err(error) => {
                let at = error.location.as_ref().ok_or_else(|| TestCaseError::fail(format!("no location: {error}")))?;
                prop_assert_eq!(&at.file, "spec.json");
                within(&text, at.line, at.column, &format!("error `{error}`"))?;
            }
            Ok(loaded) => {
                findings_within(&loaded.unknown_fields, "spec.json", &text)?;
                let findings = pool().install(|| twice("lint_spec", || lint_spec(&loaded, catalog)))?;
                findings_within(&findings, "spec.json", &text)?;
            }
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Target: the template front end (render, then the whole reading of a model file).

fn file_of(model: &str, kind: CodeKind) -> ModelFile {
    let ext = if kind == CodeKind::Sqlx { "sqlx" } else { "sql" };
    ModelFile { model: model.to_string(), path: PathBuf::from(format!("models/{model}.{ext}")), kind }
}

/// A model file: generated (SQLX or dbt-style) or a mutant of one of the example's.
fn model_file() -> BoxedStrategy<(&'static str, CodeKind, String)> {
    let models = || {
        proptest::sample::select(vec![
            "stg_customers",
            "stg_orders",
            "stg_support_pivot",
            "fact_customer_orders",
            "dim_customers_scd2",
        ])
    };
    prop_oneof![
        3 => (models(), templates::sqlx_file()).prop_map(|(m, text)| (m, CodeKind::Sqlx, text)),
        1 => (models(), templates::dbt_file()).prop_map(|(m, text)| (m, CodeKind::Sql, text)),
        2 => mutate::mutant(model_seeds("models")).prop_map(|(m, _, text)| (m, CodeKind::Sqlx, text)),
        1 => mutate::mutant(model_seeds("models_duckdb")).prop_map(|(m, _, text)| (m, CodeKind::Sql, text)),
    ]
    .boxed()
}

#[test]
fn fuzz_template_front_end() {
    let project = example();
    let tables = ProjectTables::new(&project.spec.spec, &project.catalog);
    fuzz("template_front_end", model_file, 32, |(model, kind, text)| {
        let template = if kind == CodeKind::Sqlx { TemplateKind::Sqlx } else { TemplateKind::Sql };
        let dialect = if kind == CodeKind::Sqlx { Dialect::Bigquery } else { Dialect::Duckdb };
        let resolve = |t: &TableRef| tables.resolve_ref(t, model);
        let rendered = twice("render", || render(&text, template, dialect, &resolve))?;
        for issue in &rendered.issues {
            within(&text, issue.line, issue.column, &format!("template issue `{}`", issue.message))?;
        }
        for (reference, line, column) in &rendered.references {
            within(&text, *line, *column, &format!("reference {reference:?}"))?;
        }
        // Every place of every piece maps back into the original file.
        let pieces = std::iter::once(&rendered.main).chain(&rendered.pre_operations).chain(&rendered.post_operations);
        for piece in pieces {
            // Fifty lines spread over the piece: every line of a 3,000-line chain costs minutes.
            let lines: Vec<&str> = piece.sql.split('\n').collect();
            let step = lines.len() / 50 + 1;
            for (i, line) in lines.iter().enumerate().step_by(step) {
                let chars = line.chars().count() as u64;
                for column in [1, chars / 2 + 1, chars + 1, chars + 9] {
                    let (l, c) = rendered.locate(piece, i as u64 + 1, column);
                    within(&text, l, c, &format!("piece position {}:{column}", i + 1))?;
                }
            }
        }
        let file = file_of(model, kind);
        let code = pool().install(|| twice("analyse_file", || analyse_file(&file, &text, Dialect::Duckdb, &tables)))?;
        findings_within(&code.findings, &code.file, &text)?;
        prop_assert!(
            code.findings.iter().all(|f| f.location.is_some()),
            "a finding without a place: {:?}",
            code.findings
        );
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Target: the SQL front end (parse, depth bound, lineage).

/// SQL to parse, and whether it is valid (generated by the grammar, so it must parse).
fn sql_input() -> BoxedStrategy<(bool, Dialect, String)> {
    prop_oneof![
        4 => bigquery::script().prop_map(|s| (true, Dialect::Bigquery, s)),
        2 => bigquery::chain().prop_map(|s| (false, Dialect::Bigquery, s)),
        2 => (bigquery::script(), mutate::mutations()).prop_map(|(s, m)| (false, Dialect::Bigquery, mutate::apply(&s, &m))),
        1 => mutate::mutant(model_seeds("models_duckdb")).prop_map(|(_, _, text)| (false, Dialect::Duckdb, text)),
    ]
    .boxed()
}

#[test]
fn fuzz_sql_front_end() {
    let project = example();
    let tables = ProjectTables::new(&project.spec.spec, &project.catalog);
    fuzz("sql_front_end", sql_input, 64, |(valid, dialect, sql)| {
        let parsed = twice("parse_statements", || parse_statements(&sql, dialect))?;
        match parsed {
            Ok(statements) => {
                twice("trace", || trace(&statements, &tables, "stg_orders"))?;
            }
            Err(error) => {
                prop_assert!(!valid || error.too_deep, "valid BigQuery does not parse: {error}");
                within(&sql, error.line as usize, error.column as usize, &format!("parse error `{error}`"))?;
            }
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Target: the dialect bridge.

/// The statements printed, or each limit with its line and column.
type Translation = Result<Vec<String>, Vec<(u64, u64, String)>>;

/// What [`to_duckdb`] gives for `sql`: the statements printed, or what could not be carried
/// over; `None` when `sql` does not parse.
fn translate(sql: &str, dialect: Dialect, catalog: Option<&str>) -> Option<Translation> {
    let mut statements = parse_statements(sql, dialect).ok()?;
    let options = BridgeOptions { from: dialect, catalog: catalog.map(str::to_string) };
    let problems = to_duckdb(&mut statements, &options);
    if problems.is_empty() {
        Some(Ok(statements.iter().map(|s| format!("{s}")).collect()))
    } else {
        Some(Err(problems.into_iter().map(|p| (p.line, p.column, p.message)).collect()))
    }
}

#[test]
fn fuzz_bridge() {
    let bodies: Vec<(&'static str, String)> = model_seeds("models")
        .into_iter()
        .map(|(m, text)| {
            let resolve = |_: &TableRef| Some("`raw.commerce_orders`".to_string());
            (m, render(&text, TemplateKind::Sqlx, Dialect::Bigquery, &resolve).main.sql)
        })
        .collect();
    let strategy = || {
        prop_oneof![
            4 => bigquery::script().prop_map(|s| (Dialect::Bigquery, s)),
            1 => bigquery::chain().prop_map(|s| (Dialect::Bigquery, s)),
            2 => mutate::mutant(bodies.clone()).prop_map(|(_, _, s)| (Dialect::Bigquery, s)),
            1 => mutate::mutant(model_seeds("models_duckdb")).prop_map(|(_, _, s)| (Dialect::Duckdb, s)),
        ]
    };
    // How the cases ended, printed: a target whose every case ends in "does not parse" would
    // test nothing of the bridge.
    let [unparsed, carried, limited] = [(); 3].map(|()| AtomicU64::new(0));
    fuzz("bridge", strategy, 48, |(dialect, sql)| {
        for catalog in [None, Some("memory")] {
            let Some(outcome) = twice("to_duckdb", || translate(&sql, dialect, catalog))? else {
                unparsed.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            };
            let ended = if outcome.is_ok() { &carried } else { &limited };
            ended.fetch_add(1, Ordering::Relaxed);
            match outcome {
                Ok(printed) => {
                    for statement in &printed {
                        if let Err(error) = parse_statements(statement, Dialect::Duckdb) {
                            return Err(TestCaseError::fail(format!(
                                "the bridge's output does not parse as DuckDB ({error}), and no limit was reported:\n{statement}"
                            )));
                        }
                    }
                }
                Err(problems) => {
                    for (line, column, message) in problems {
                        within(&sql, line as usize, column as usize, &format!("translation limit `{message}`"))?;
                    }
                }
            }
        }
        Ok(())
    });
    let [unparsed, carried, limited] = [unparsed, carried, limited].map(AtomicU64::into_inner);
    println!("fuzz bridge: {carried} translations re-parsed, {limited} with a limit reported, {unparsed} inputs that do not parse");
    assert!(carried > 0 && limited > 0, "the bridge target exercises both outcomes");
}

// ---------------------------------------------------------------------------------------------
// Target: the library end to end, one model of the example replaced by generated code.

#[test]
fn fuzz_validate_end_to_end() {
    use specproof::finding::Severity;
    use specproof::run::options::RunOptions;
    use specproof::validate::{validate, Options};
    let dir = crate::support::scratch("fuzz", "validate");
    let options = Options {
        run: Some(RunOptions {
            run_time: "2024-06-30 12:00:00".into(),
            cases: 1,
            shrink: true,
            synth: specproof::synth::SynthOptions { seed: 7, rows: 24 },
            ..RunOptions::default()
        }),
        no_run: false,
        changed_since: None,
        partition: None,
        baseline: None,
        fail_on: Severity::Error,
    };
    let counter = AtomicU64::new(0);
    let [clean, found, failed] = [(); 3].map(|()| AtomicU64::new(0));
    fuzz("validate_end_to_end", model_file, 3, |(model, kind, text)| {
        let mut project = example().clone();
        let ext = if kind == CodeKind::Sqlx { "sqlx" } else { "sql" };
        // A file of its own per case: a case never reads another's.
        let path = dir.join(format!("{}-{model}.{ext}", counter.fetch_add(1, Ordering::Relaxed)));
        std::fs::write(&path, &text).expect("a scratch file");
        project.model_files.retain(|f| f.model != model);
        project.model_files.push(ModelFile { model: model.to_string(), path: path.clone(), kind });
        let outcome = pool().install(|| validate(&project, &options));
        let _ = std::fs::remove_file(&path);
        let ended = match &outcome {
            Ok(v) if v.report.findings.is_empty() => &clean,
            Ok(_) => &found,
            Err(_) => &failed,
        };
        ended.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Ok(validation) => {
                let shown = specproof::project::layout::display(&path);
                findings_within(&validation.report.findings, &shown, &text)?;
            }
            Err(error) => {
                prop_assert!(error.location.is_some(), "an error with no place: {error}");
            }
        }
        Ok(())
    });
    let [clean, found, failed] = [clean, found, failed].map(AtomicU64::into_inner);
    println!("fuzz validate_end_to_end: {clean} clean, {found} with findings, {failed} located errors");
}
