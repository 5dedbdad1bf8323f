//! `specproof generate code` (issue 16): every generated file of every pipeline pinned by a golden
//! file; the generated DuckDB and Dataform code validated against its own spec with no finding
//! about code or spec (generator and validator cannot drift apart); and the generated dbt
//! project of the example built by the real dbt (dbt-core + dbt-duckdb from PyPI) over the
//! example's sample data.

use crate::support::{binary, crate_root, golden, pipelines, scratch, text};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const TARGETS: [&str; 4] = ["duckdb", "bigquery", "dataform", "dbt"];

/// The spec a pipeline validates with: the corrected one where it has one.
fn spec_of(pipeline: &str) -> PathBuf {
    let dir = crate_root().join("specs").join(pipeline);
    let corrected = dir.join("spec.corrected.json");
    if corrected.is_file() {
        corrected
    } else {
        dir.join("spec.json")
    }
}

/// Generates `target` for `pipeline` into a fresh folder and returns it.
fn generate(pipeline: &str, target: &str) -> PathBuf {
    generate_as(pipeline, target, "")
}

/// [`generate`] into a folder named with `tag` too: tests run in parallel in one process, and
/// two of them must never share (and so wipe) one folder.
fn generate_as(pipeline: &str, target: &str, tag: &str) -> PathBuf {
    let out = scratch("generate", &format!("{pipeline}-{target}{tag}"));
    generate_into("code", pipeline, target, &out);
    out
}

/// Runs `specproof generate <what> --target <target>` for `pipeline` into `out`.
fn generate_into(what: &str, pipeline: &str, target: &str, out: &Path) {
    let dir = crate_root().join("specs").join(pipeline);
    let run = Command::new(binary())
        .args(["generate", what, "--target", target])
        .arg(&dir)
        .arg("--spec")
        .arg(spec_of(pipeline))
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "generate {what} {target} for {pipeline}: {}{}",
        text(&run.stdout),
        text(&run.stderr)
    );
}

/// Every file under `dir`, as `/`-separated paths relative to it, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if let Ok(relative) = path.strip_prefix(root) {
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn generated_code_matches_its_golden_files() {
    for pipeline in pipelines() {
        for target in TARGETS {
            let out = generate(&pipeline, target);
            let generated = files(&out);
            assert!(!generated.is_empty(), "{pipeline} {target}: nothing generated");
            for file in &generated {
                let actual = std::fs::read_to_string(out.join(file)).unwrap();
                golden(&format!("{pipeline}/generate/{target}/{file}"), &actual);
            }
            // A golden file the generator no longer writes is stale.
            if std::env::var_os("SPECPROOF_UPDATE_GOLDEN").is_none() {
                let pinned = files(&crate_root().join("golden").join(&pipeline).join("generate").join(target));
                assert_eq!(pinned, generated, "{pipeline} {target}: golden files and generated files differ");
            }
        }
    }
}

#[test]
fn generated_tests_match_their_golden_files() {
    for pipeline in pipelines() {
        for format in ["specproof", "dbt", "dataform"] {
            let out = scratch("generate", &format!("{pipeline}-tests-{format}"));
            generate_into("tests", &pipeline, format, &out);
            let generated = files(&out);
            assert!(!generated.is_empty(), "{pipeline} {format}: no tests generated");
            for file in &generated {
                let actual = std::fs::read_to_string(out.join(file)).unwrap();
                golden(&format!("{pipeline}/generate/tests-{format}/{file}"), &actual);
            }
            if std::env::var_os("SPECPROOF_UPDATE_GOLDEN").is_none() {
                let pinned = files(
                    &crate_root().join("golden").join(&pipeline).join("generate").join(format!("tests-{format}")),
                );
                assert_eq!(pinned, generated, "{pipeline} {format}: golden files and generated files differ");
            }
        }
    }
}

#[test]
fn generating_twice_gives_identical_files() {
    let first = generate_as("customer360", "dataform", "-first");
    let again = scratch("generate", "customer360-dataform-again");
    let run = Command::new(binary())
        .args(["generate", "code", "--target", "dataform", "specs/customer360", "--spec"])
        .arg(spec_of("customer360"))
        .arg("--out")
        .arg(&again)
        .current_dir(crate_root())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    for file in files(&first) {
        assert_eq!(std::fs::read(first.join(&file)).unwrap(), std::fs::read(again.join(&file)).unwrap(), "{file}");
    }
}

/// The findings of validating `models` (in `dialect`) against the pipeline's spec, but for the
/// coverage warning DIF006, which is about the synthetic data reaching a construct, not the code.
fn findings(pipeline: &str, models: &Path, dialect: Option<&str>) -> Vec<String> {
    let empty = scratch("generate", &format!("{pipeline}-{}-no-tests", dialect.unwrap_or("bigquery")));
    findings_with(pipeline, models, dialect, &empty)
}

/// [`findings`] with the shipped tests of `tests`.
fn findings_with(pipeline: &str, models: &Path, dialect: Option<&str>, tests: &Path) -> Vec<String> {
    let mut command = Command::new(binary());
    command
        .arg("validate")
        .arg(crate_root().join("specs").join(pipeline))
        .arg("--spec")
        .arg(spec_of(pipeline))
        .arg("--models")
        .arg(models)
        .arg("--tests")
        .arg(tests)
        .args(["--format", "json"]);
    if let Some(dialect) = dialect {
        command.args(["--dialect", dialect]);
    }
    let run = command.output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&run.stdout)
        .unwrap_or_else(|e| panic!("{pipeline}: no JSON report ({e}): {}", text(&run.stderr)));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"].as_str() != Some("DIF006"))
        .map(|f| format!("{} {} {}", f["code"], f["model"], f["message"]))
        .collect()
}

#[test]
fn generated_duckdb_bigquery_and_dataform_code_validates_clean() {
    for pipeline in pipelines() {
        let duckdb = generate_as(&pipeline, "duckdb", "-validate");
        let found = findings(&pipeline, &duckdb.join("models"), Some("duckdb"));
        assert!(found.is_empty(), "{pipeline}: generated DuckDB code draws findings:\n{}", found.join("\n"));
        let bigquery = generate_as(&pipeline, "bigquery", "-validate");
        let found = findings(&pipeline, &bigquery.join("models"), None);
        assert!(found.is_empty(), "{pipeline}: generated BigQuery code draws findings:\n{}", found.join("\n"));
        let dataform = generate_as(&pipeline, "dataform", "-validate");
        let found = findings(&pipeline, &dataform.join("definitions").join("models"), None);
        assert!(found.is_empty(), "{pipeline}: generated Dataform SQLX draws findings:\n{}", found.join("\n"));
    }
}

#[test]
fn generated_spec_tests_pass_on_correct_code_and_fail_on_a_defect() {
    for pipeline in pipelines() {
        let tests = scratch("generate", &format!("{pipeline}-spec-tests"));
        generate_into("tests", &pipeline, "specproof", &tests);
        let tests = tests.join("tests");
        let specs = crate_root().join("specs").join(&pipeline);
        let found = findings_with(&pipeline, &specs.join("models"), None, &tests);
        assert!(found.is_empty(), "{pipeline}: generated tests on the SQLX code:\n{}", found.join("\n"));
        let found = findings_with(&pipeline, &specs.join("models_duckdb"), Some("duckdb"), &tests);
        assert!(found.is_empty(), "{pipeline}: generated tests on the DuckDB code:\n{}", found.join("\n"));
        let generated = generate_as(&pipeline, "duckdb", "-with-tests");
        let found = findings_with(&pipeline, &generated.join("models"), Some("duckdb"), &tests);
        assert!(found.is_empty(), "{pipeline}: generated tests on the generated code:\n{}", found.join("\n"));
    }
    // The tests are real: an accepted value misspelt by the code fails the generated test.
    let tests = scratch("generate", "customer360-spec-tests-planted");
    generate_into("tests", "customer360", "specproof", &tests);
    let models = scratch("generate", "customer360-planted-models");
    crate::support::copy_files(&crate_root().join("specs/customer360/models_duckdb"), &models);
    let file = models.join("stg_customers.sql");
    let code = std::fs::read_to_string(&file).unwrap();
    let planted = code.replacen("ELSE 'unknown' END AS lifecycle_stage", "ELSE 'unknwn' END AS lifecycle_stage", 1);
    assert_ne!(planted, code);
    std::fs::write(&file, planted).unwrap();
    let found = findings_with("customer360", &models, Some("duckdb"), &tests.join("tests"));
    assert!(
        found.iter().any(|f| f.starts_with("\"TST001\"") && f.contains("accepted_values on lifecycle_stage")),
        "{}",
        found.join("\n")
    );
}

#[test]
fn a_spec_that_lints_with_errors_is_refused() {
    let run = Command::new(binary())
        .args(["generate", "code", "--target", "duckdb", "specs/customer360", "--out"])
        .arg(scratch("generate", "refused"))
        .current_dir(crate_root())
        .output()
        .unwrap();
    // The original example spec has seven lint errors (specs/customer360/CORRECTIONS.md).
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("SPEC013") && stderr.contains("lints with 7 errors"), "{stderr}");
}

#[test]
fn generated_files_never_replace_the_projects_inputs() {
    let dir = scratch("generate", "inputs");
    crate::support::pipeline_into(&dir, "inventory", crate::support::Flavour::Duckdb);
    let before = std::fs::read_to_string(dir.join("models/stg_products.sql")).unwrap();
    let run = Command::new(binary())
        .args(["generate", "code", "--target", "duckdb"])
        .arg(&dir)
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert!(
        text(&run.stderr).contains("is one of the project's inputs (in the models folder)"),
        "{}",
        text(&run.stderr)
    );
    assert_eq!(std::fs::read_to_string(dir.join("models/stg_products.sql")).unwrap(), before);
    assert!(!dir.join("run_order.txt").exists(), "nothing is written");
}

/// The pinned versions the real-tool test installs.
const DBT_PINS: [&str; 3] = ["dbt-core==1.9.4", "dbt-duckdb==1.9.4", "duckdb==2.0.1"];

/// A virtual environment with the pinned dbt, cached beside the build (a second run is fast), or
/// why there is none.
fn dbt_venv() -> Result<PathBuf, String> {
    let target_dir = binary().parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_else(std::env::temp_dir);
    let venv = target_dir.join("dbt-venv-1.9.4");
    let dbt = venv.join("bin").join("dbt");
    let marker = venv.join("specproof-pins.txt");
    if dbt.is_file() && std::fs::read_to_string(&marker).is_ok_and(|m| m == DBT_PINS.join("\n")) {
        return Ok(dbt);
    }
    let run = |program: &Path, args: &[&str]| -> Result<(), String> {
        let out = Command::new(program).args(args).output().map_err(|e| format!("{}: {e}", program.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("{} {}: {}", program.display(), args.join(" "), text(&out.stderr)))
        }
    };
    run(Path::new("python3"), &["-m", "venv", &venv.to_string_lossy()])?;
    let pip = venv.join("bin").join("pip");
    let mut args = vec!["install", "--quiet", "--disable-pip-version-check"];
    args.extend(DBT_PINS);
    run(&pip, &args)?;
    std::fs::write(&marker, DBT_PINS.join("\n")).map_err(|e| e.to_string())?;
    Ok(dbt)
}

/// `dbt build` in `project`: whether it passed, and its output.
fn dbt_build(dbt: &Path, project: &Path) -> (bool, String) {
    let out = Command::new(dbt)
        .args(["build", "--profiles-dir", "."])
        .current_dir(project)
        .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        .env("DBT_USE_COLORS", "false")
        .output()
        .unwrap();
    (out.status.success(), format!("{}{}", text(&out.stdout), text(&out.stderr)))
}

#[test]
fn dbt_builds_the_generated_example_project() {
    let started = Instant::now();
    let dbt = match dbt_venv() {
        Ok(dbt) => dbt,
        Err(why) => {
            println!("SKIPPED dbt_builds_the_generated_example_project: dbt could not be installed from PyPI: {why}");
            return;
        }
    };
    let installed = started.elapsed();
    let project = generate_as("customer360", "dbt", "-build");
    // The spec's tests as dbt singular tests too (`generate tests --target dbt`).
    generate_into("tests", "customer360", "dbt", &project);
    // The example's sample data, loaded as the sources by dbt seeds (typed by the source DDL).
    let seeds = project.join("seeds");
    crate::support::copy_files(&crate_root().join("specs/customer360/seeds"), &seeds);
    // Counterexamples of two defects of the semantic corpus, as dbt unit tests
    // (`validate --emit-fixture --fixture-format dbt`): the inputs the wrong code was caught on and
    // the rows the spec gives; the generated (right) code must pass them.
    for (model, case) in [
        ("stg_customers", "stg_customers/country-filter-drops-empty.sql"),
        ("fact_customer_orders", "fact_customer_orders/aov-rounded-to-cents.sql"),
    ] {
        let models = scratch("generate", &format!("dbt-defect-{model}"));
        crate::support::copy_files(&crate_root().join("specs/customer360/models_duckdb"), &models);
        std::fs::copy(
            crate_root().join("tests/corpus/semantic/customer360").join(case),
            models.join(format!("{model}.sql")),
        )
        .unwrap();
        let fixtures = scratch("generate", &format!("dbt-fixtures-{model}"));
        let empty = scratch("generate", &format!("dbt-fixtures-{model}-no-tests"));
        let run = Command::new(binary())
            .arg("validate")
            .arg(crate_root().join("specs/customer360"))
            .arg("--spec")
            .arg(spec_of("customer360"))
            .arg("--models")
            .arg(&models)
            .args(["--dialect", "duckdb", "--tests"])
            .arg(&empty)
            .arg("--emit-fixture")
            .arg(&fixtures)
            .args(["--fixture-format", "dbt"])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(1), "{case} is caught: {}", text(&run.stderr));
        let written = files(&fixtures);
        assert!(
            written.iter().any(|f| f.starts_with(&format!("specproof_{model}_seed")) && f.ends_with(".yml")),
            "{written:?}"
        );
        for file in written {
            std::fs::copy(fixtures.join(&file), project.join("models").join(&file)).unwrap();
        }
    }
    let built = Instant::now();
    let (ok, log) = dbt_build(&dbt, &project);
    assert!(ok, "dbt build failed on the generated project:\n{log}");
    // Every node passed: seeds, models under enforced contracts, the snapshot, every data test.
    assert!(log.contains("ERROR=0") && log.contains("WARN=0") && log.contains("SKIP=0"), "{log}");
    for kind in ["snapshot", "table model", "view model", "data test", "stg_customers__primary_key", "unit_test"] {
        assert!(log.contains(kind), "no {kind} in the build:\n{log}");
    }
    // A second run keeps the history: the snapshot sees the same rows and changes nothing.
    let (ok, log) = dbt_build(&dbt, &project);
    assert!(ok, "the second dbt build failed:\n{log}");
    let first_builds = built.elapsed();

    // The snapshot keeps history as the spec means it: a changed tracked column closes the
    // version and opens one, a vanished key is closed, and a key that comes back opens a new one.
    let customers = seeds.join("crm_customers.csv");
    let original_customers = std::fs::read_to_string(&customers).unwrap();
    let rows: Vec<&str> = original_customers.lines().collect();
    assert!(rows.len() == 4 && rows[1].starts_with("1,ALICE@example.com,"), "{original_customers}");
    let changed =
        format!("{}\n{}\n{}\n", rows[0], rows[1].replacen("ALICE@example.com", "alice@new.example.com", 1), rows[2]);
    std::fs::write(&customers, changed).unwrap();
    let (ok, log) = dbt_build(&dbt, &project);
    assert!(ok, "the build after a change failed:\n{log}");
    std::fs::write(&customers, &original_customers).unwrap();
    let (ok, log) = dbt_build(&dbt, &project);
    assert!(ok, "the build after a key came back failed:\n{log}");
    let python = dbt.with_file_name("python");
    let query = "import duckdb\n\
        c = duckdb.connect('specproof_generated.duckdb', read_only=True)\n\
        for r in c.execute('SELECT customer_id, email, is_current, valid_to IS NULL FROM analytics.dim_customers_scd2 ORDER BY customer_id, valid_from').fetchall(): print(*r)";
    let out = Command::new(&python).args(["-c", query]).current_dir(&project).output().unwrap();
    assert_eq!(
        text(&out.stdout),
        "1 alice@example.com False False\n1 alice@new.example.com False False\n1 alice@example.com True True\n\
         2 bob@example.com True True\n3 charlie@example.com False False\n3 charlie@example.com True True\n",
        "{}",
        text(&out.stderr)
    );

    // The contract and the tests are real: a planted wrong type and a planted null each fail.
    let schema = project.join("models/schema.yml");
    let original = std::fs::read_to_string(&schema).unwrap();
    let wrong = original.replacen("data_type: \"BIGINT\"", "data_type: \"VARCHAR\"", 1);
    assert_ne!(wrong, original);
    std::fs::write(&schema, wrong).unwrap();
    let (ok, log) = dbt_build(&dbt, &project);
    assert!(!ok, "a contract with a wrong type passed:\n{log}");
    std::fs::write(&schema, original).unwrap();
    let model = project.join("models/staging/stg_customers.sql");
    let code = std::fs::read_to_string(&model).unwrap();
    let nulled = code.replacen("CAST(crm_customers.customer_id AS BIGINT)", "CAST(NULL AS BIGINT)", 1);
    assert_ne!(nulled, code);
    std::fs::write(&model, nulled).unwrap();
    let (ok, log) = dbt_build(&dbt, &project);
    assert!(!ok && log.contains("not_null_stg_customers_customer_id"), "a null key passed:\n{log}");
    std::fs::write(&model, code).unwrap();
    // A planted defect in a unit test's expected rows fails it: the unit test is real.
    let unit = files(&project.join("models"))
        .into_iter()
        .find(|f| f.starts_with("specproof_stg_customers_seed"))
        .map(|f| project.join("models").join(f))
        .unwrap();
    let yaml = std::fs::read_to_string(&unit).unwrap();
    let planted = yaml.replacen("lifecycle_stage: \"unknown\"", "lifecycle_stage: \"prospect\"", 1);
    assert_ne!(planted, yaml, "{yaml}");
    std::fs::write(&unit, planted).unwrap();
    let (ok, log) = dbt_build(&dbt, &project);
    assert!(!ok && log.contains("specproof_stg_customers_seed"), "a wrong expected row passed:\n{log}");
    println!(
        "dbt: install/cache check {:.1}s, two builds of the generated customer360 project {:.1}s",
        installed.as_secs_f64(),
        first_builds.as_secs_f64()
    );
}

/// The pinned Dataform CLI the real-tool test installs from npm.
const DATAFORM_CLI: &str = "@dataform/cli@3.0.69";

/// The Dataform CLI, installed from npm beside the build (a second run is fast), or why not.
fn dataform_cli() -> Result<PathBuf, String> {
    let target_dir = binary().parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_else(std::env::temp_dir);
    let prefix = target_dir.join("dataform-cli-3.0.69");
    let cli = prefix.join("node_modules").join(".bin").join("dataform");
    if cli.is_file() {
        return Ok(cli);
    }
    let out = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&prefix)
        .arg(DATAFORM_CLI)
        .output()
        .map_err(|e| format!("npm: {e}"))?;
    if !out.status.success() || !cli.is_file() {
        return Err(format!("npm install {DATAFORM_CLI}: {}", text(&out.stderr)));
    }
    Ok(cli)
}

/// `dataform compile --json` in `project`: whether it succeeded, and the compiled graph.
fn dataform_compile(cli: &Path, project: &Path) -> (bool, serde_json::Value, String) {
    let out = Command::new(cli).args(["compile", ".", "--json"]).current_dir(project).output().unwrap();
    let graph = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.success(), graph, format!("{}{}", text(&out.stdout), text(&out.stderr)))
}

#[test]
fn dataform_compiles_the_generated_projects() {
    let started = Instant::now();
    let cli = match dataform_cli() {
        Ok(cli) => cli,
        Err(why) => {
            println!("SKIPPED dataform_compiles_the_generated_projects: the Dataform CLI could not be installed from npm: {why}");
            return;
        }
    };
    let installed = started.elapsed();
    let compiling = Instant::now();
    for pipeline in pipelines() {
        let project = generate_as(&pipeline, "dataform", "-compile");
        generate_into("tests", &pipeline, "dataform", &project);
        let (ok, graph, log) = dataform_compile(&cli, &project);
        assert!(ok, "{pipeline}: dataform compile failed:\n{log}");
        assert_eq!(graph["graphErrors"], serde_json::json!({}), "{pipeline}: {log}");
        // Every model of the spec is an action: a table, or the SCD2 model's operations.
        let spec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(spec_of(&pipeline)).unwrap()).unwrap();
        let models = spec["models"].as_array().unwrap().len();
        let actions =
            graph["tables"].as_array().map_or(0, Vec::len) + graph["operations"].as_array().map_or(0, Vec::len);
        assert_eq!(actions, models, "{pipeline}: {log}");
        assert!(graph["assertions"].as_array().is_some_and(|a| !a.is_empty()), "{pipeline}: no assertions");
    }
    // The compile is real: a ref to no action fails it.
    let project = generate_as("customer360", "dataform", "-broken");
    let model = project.join("definitions/models/final/fact_customer_orders.sqlx");
    let code = std::fs::read_to_string(&model).unwrap();
    std::fs::write(&model, code.replacen("ref(\"stg_orders\")", "ref(\"no_such_model\")", 1)).unwrap();
    let (ok, _, log) = dataform_compile(&cli, &project);
    assert!(!ok, "a ref to nothing compiled:\n{log}");
    println!(
        "dataform: install/cache check {:.1}s, compile of the four generated projects {:.1}s",
        installed.as_secs_f64(),
        compiling.elapsed().as_secs_f64()
    );
}
