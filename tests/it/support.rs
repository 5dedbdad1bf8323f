//! Helpers the test modules share: where the crate and the binary are, golden files, scratch
//! folders, copies of the example project and the defect corpora.

use std::path::{Path, PathBuf};

/// The crate's folder, read when the test runs: cargo sets it for tests and benches, and a build
/// shared between clones (one CARGO_TARGET_DIR) must not send a test to another clone's files.
pub fn crate_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}

/// The binary under test. `SPECPROOF_BIN` may name a copy: clones that share one target folder
/// replace `target/debug/specproof` with their own build, between this test's build and its run;
/// and the README's corpus figures use the release build.
pub fn binary() -> PathBuf {
    std::env::var_os("SPECPROOF_BIN").map(PathBuf::from).unwrap_or_else(|| env!("CARGO_BIN_EXE_specproof").into())
}

/// Output of the binary as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

/// Compares `actual` with the golden file `golden/<relative>`, or rewrites it when
/// `SPECPROOF_UPDATE_GOLDEN` is set: golden files are written by the tool, never by hand.
pub fn golden(relative: &str, actual: &str) {
    let path = crate_root().join("golden").join(relative);
    if std::env::var_os("SPECPROOF_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {}; run with SPECPROOF_UPDATE_GOLDEN=1", path.display()));
    assert_eq!(
        actual, expected,
        "output differs from golden/{relative}; rerun with SPECPROOF_UPDATE_GOLDEN=1 and review the diff"
    );
}

/// A fresh, empty folder `specproof-<module>-<process>-<name>` in the temporary directory. The
/// modules share one process, so the module's name keeps their folders apart.
pub fn scratch(module: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("specproof-{module}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies the files (not the folders) of `from` into `to`, creating it.
pub fn copy_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

/// Which of the example's model code a copy gets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Flavour {
    /// `models/`: Dataform SQLX with BigQuery SQL inside.
    Sqlx,
    /// `models_duckdb/`: DuckDB SQL.
    Duckdb,
}

impl Flavour {
    /// The DuckDB flavour when `duckdb`, else SQLX.
    pub fn of(duckdb: bool) -> Flavour {
        if duckdb {
            Flavour::Duckdb
        } else {
            Flavour::Sqlx
        }
    }
}

/// The example pipelines: every folder of `specs/` with a spec and both flavours of correct
/// code (`models/` in SQLX, `models_duckdb/` in DuckDB SQL), sorted.
pub fn pipelines() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(crate_root().join("specs"))
        .expect("specs folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("spec.json").is_file() && p.join("models").is_dir() && p.join("models_duckdb").is_dir())
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
        .collect();
    names.sort();
    names
}

/// The pipeline `specs/<pipeline>` in `dir`: its spec as `spec.json` (the corrected one where the
/// pipeline has one), its sources, and the model code of `flavour` as `models/`. No tests and no
/// `specproof.toml`: the caller adds what it needs.
pub fn pipeline_into(dir: &Path, pipeline: &str, flavour: Flavour) {
    let src = crate_root().join("specs").join(pipeline);
    std::fs::create_dir_all(dir).unwrap();
    let corrected = src.join("spec.corrected.json");
    let spec = if corrected.is_file() { corrected } else { src.join("spec.json") };
    std::fs::copy(spec, dir.join("spec.json")).unwrap();
    if src.join("sources").is_dir() {
        copy_files(&src.join("sources"), &dir.join("sources"));
    }
    let models = if flavour == Flavour::Sqlx { "models" } else { "models_duckdb" };
    copy_files(&src.join(models), &dir.join("models"));
}

/// A copy of the pipeline (see [`pipeline_into`]) in a fresh scratch folder, which validates as
/// it is: the DuckDB flavour comes with `dialect = "duckdb"` in its `specproof.toml`.
pub fn pipeline_copy(module: &str, name: &str, pipeline: &str, flavour: Flavour) -> PathBuf {
    let dir = scratch(module, name);
    pipeline_into(&dir, pipeline, flavour);
    if flavour == Flavour::Duckdb {
        std::fs::write(dir.join("specproof.toml"), "dialect = \"duckdb\"\n").unwrap();
    }
    dir
}

/// The example customer360 in `dir` (see [`pipeline_into`]).
pub fn example_into(dir: &Path, flavour: Flavour) {
    pipeline_into(dir, "customer360", flavour);
}

/// A copy of the example customer360 (see [`pipeline_copy`]).
pub fn example_copy(module: &str, name: &str, flavour: Flavour) -> PathBuf {
    pipeline_copy(module, name, "customer360", flavour)
}

/// Every case file (`.sql` or `.sqlx`) of the corpus `tests/corpus/<corpus>/<model>/`, sorted.
pub fn corpus_cases(corpus: &str) -> Vec<PathBuf> {
    cases_under(&crate_root().join("tests/corpus").join(corpus))
}

/// Every case file (`.sql` or `.sqlx`) in the model folders of `dir` (`dir/<model>/<case>`),
/// sorted; none when `dir` does not exist.
pub fn cases_under(dir: &Path) -> Vec<PathBuf> {
    let mut cases = Vec::new();
    for model in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if !model.path().is_dir() {
            continue;
        }
        for case in std::fs::read_dir(model.path()).expect("model folder").flatten() {
            let path = case.path();
            if matches!(path.extension().and_then(|e| e.to_str()), Some("sql" | "sqlx")) {
                cases.push(path);
            }
        }
    }
    cases.sort();
    cases
}

/// Replaces the first `from` (which must be there) with `to` in the file at `path`.
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} does not contain {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Copies the folder `from` into `to`, folders included.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// `specproof validate DIR --format json EXTRA…`: its exit code and its JSON report.
pub fn validate_json(dir: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = std::process::Command::new(binary())
        .arg("validate")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("JSON output ({e}): {stdout}\nstderr: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), json)
}
