//! A pipeline project on disk: where its spec, source DDL, model code and tests are.
//!
//! The default layout is `spec.json`, `sources/*.sql`, `models/<model>.sql|.sqlx` and
//! `tests/*.sql` in one folder. `specproof.toml` may move any of them, and command-line flags
//! override both, so a repository laid out differently validates without moving a file.
//!
//! A Dataform project (`workflow_settings.yaml` or `dataform.json` in the folder) and a dbt
//! project (`dbt_project.yml`) are recognised, so a project `specproof generate` wrote validates
//! as it is: see [`ToolLayout`] for the defaults each changes. Flags and `specproof.toml` still win.

use super::config::{load_config, Config};
use crate::error::{Error, ErrorKind, Result};
use crate::finding::Finding;
use crate::spec::catalog::{build_catalog, Catalog};
use crate::spec::load::{load_spec, LoadedSpec};
use crate::spec::model::Dialect;
use std::path::{Path, PathBuf};

/// Paths given on the command line; each wins over `specproof.toml` and the default layout.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// The spec file.
    pub spec: Option<PathBuf>,
    /// The source DDL folder.
    pub sources: Option<PathBuf>,
    /// The model code folder.
    pub models: Option<PathBuf>,
    /// The shipped tests folder.
    pub tests: Option<PathBuf>,
    /// The dialect of `.sql` code.
    pub dialect: Option<Dialect>,
}

/// Where each part of a project is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPaths {
    /// The project folder.
    pub root: PathBuf,
    /// The spec file.
    pub spec: PathBuf,
    /// The source DDL folder.
    pub sources: PathBuf,
    /// The model code folder.
    pub models: PathBuf,
    /// The shipped tests folder.
    pub tests: PathBuf,
}

/// The language a model file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// Dataform SQLX (BigQuery inside).
    Sqlx,
    /// Plain SQL (dbt templates allowed) in the project's dialect.
    Sql,
}

/// One file of generated model code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFile {
    /// The model it implements: the file's name without extension.
    pub model: String,
    /// The file.
    pub path: PathBuf,
    /// SQLX or SQL.
    pub kind: CodeKind,
}

/// A loaded project: spec, source catalog and the code and test files found.
#[derive(Debug, Clone)]
pub struct Project {
    /// Where things are.
    pub paths: ProjectPaths,
    /// `specproof.toml`, or defaults.
    pub config: Config,
    /// The dialect of `.sql` code files.
    pub code_dialect: Dialect,
    /// The spec.
    pub spec: LoadedSpec,
    /// Source tables.
    pub catalog: Catalog,
    /// Problems with the source declarations (DDL that does not parse, …).
    pub source_findings: Vec<Finding>,
    /// Model code files, sorted by path.
    pub model_files: Vec<ModelFile>,
    /// Shipped test files, sorted by path.
    pub test_files: Vec<PathBuf>,
    /// The tool layout the folder was recognised as.
    pub layout: ToolLayout,
}

/// The tool a project folder is laid out for, recognised by the tool's own project file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ToolLayout {
    /// specproof's own layout: `spec.json`, `sources/`, `models/`, `tests/`.
    #[default]
    Plain,
    /// A Dataform project: models are the SQLX files under `definitions/` (any depth);
    /// declarations and assertions there are not model code.
    Dataform,
    /// A dbt project: models under `models/` (any depth), snapshots under `snapshots/`, `.sql`
    /// in DuckDB SQL unless `profiles.yml` says BigQuery; dbt's own `tests/` are not read as
    /// specproof tests (name specproof's with `--tests`).
    Dbt,
}

/// The layout of the project in `dir`: dbt when `dbt_project.yml` is there, Dataform when
/// `workflow_settings.yaml` or `dataform.json` is, else specproof's own.
pub fn detect_layout(dir: &Path) -> ToolLayout {
    if dir.join("dbt_project.yml").is_file() {
        ToolLayout::Dbt
    } else if dir.join("workflow_settings.yaml").is_file() || dir.join("dataform.json").is_file() {
        ToolLayout::Dataform
    } else {
        ToolLayout::Plain
    }
}

/// Works out where each part of the project in `dir` is, in specproof's own layout.
pub fn resolve_paths(dir: &Path, config: &Config, overrides: &Overrides) -> ProjectPaths {
    resolve_paths_in(dir, config, overrides, ToolLayout::Plain)
}

/// Works out where each part of the project in `dir` is, with `layout`'s defaults.
pub fn resolve_paths_in(dir: &Path, config: &Config, overrides: &Overrides, layout: ToolLayout) -> ProjectPaths {
    let pick = |flag: &Option<PathBuf>, configured: &Option<PathBuf>, default: &str| -> PathBuf {
        match (flag, configured) {
            (Some(path), _) => path.clone(),
            (None, Some(path)) => join(dir, path),
            (None, None) => join(dir, Path::new(default)),
        }
    };
    ProjectPaths {
        root: dir.to_path_buf(),
        spec: pick(&overrides.spec, &config.paths.spec, "spec.json"),
        sources: pick(&overrides.sources, &config.paths.sources, "sources"),
        models: pick(
            &overrides.models,
            &config.paths.models,
            if layout == ToolLayout::Dataform { "definitions" } else { "models" },
        ),
        tests: pick(&overrides.tests, &config.paths.tests, "tests"),
    }
}

/// `dir/path`, without a `./` prefix when `dir` is `.`, so messages show the paths users type.
fn join(dir: &Path, path: &Path) -> PathBuf {
    if dir == Path::new(".") || dir.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        dir.join(path)
    }
}

impl Project {
    /// What `path` is to this project when it is one of its inputs (the spec, the configuration,
    /// or a file of the sources, models or tests folders), so that nothing is written over it.
    /// A path that does not exist yet is compared through its folder.
    pub fn input_role(&self, path: &Path) -> Option<&'static str> {
        let target = canonical(path)?;
        let same = |p: &Path| canonical(p).is_some_and(|c| c == target);
        let under = |folder: &Path| canonical(folder).is_some_and(|f| target.starts_with(f));
        if same(&self.paths.spec) {
            Some("the spec")
        } else if same(&self.paths.root.join(super::config::CONFIG_FILE)) {
            Some("the project configuration")
        } else if under(&self.paths.sources) {
            Some("in the sources folder")
        } else if under(&self.paths.models) {
            Some("in the models folder")
        } else if under(&self.paths.tests) {
            Some("in the shipped tests folder")
        } else {
            None
        }
    }
}

/// `path` with links and `..` resolved; for a path that does not exist yet, its folder's
/// resolved path joined with its name.
fn canonical(path: &Path) -> Option<PathBuf> {
    if let Ok(resolved) = std::fs::canonicalize(path) {
        return Some(resolved);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(path.file_name()?))
}

/// What to tell someone whose spec is not where it was looked for: the specs under `dir` (a JSON
/// file with `schema` and `models`, at most three folders down), and how to name one.
fn spec_hint(dir: &Path, flag_given: bool) -> String {
    let found = spec_candidates(dir);
    let how = if flag_given {
        "check the path given to --spec".to_string()
    } else {
        "name it with --spec FILE, or with `spec = \"…\"` under `[paths]` in specproof.toml".to_string()
    };
    match found.as_slice() {
        [] => how,
        found => {
            let shown: Vec<String> = found.iter().map(|p| display(p)).collect();
            format!("specs found under {}: {}; {how}", display(dir), shown.join(", "))
        }
    }
}

/// JSON files under `dir` (three folders deep at most, hidden folders and build output left out)
/// that look like a spec: an object with `schema` and `models`. Sorted, five at most.
fn spec_candidates(dir: &Path) -> Vec<PathBuf> {
    const MAX_SHOWN: usize = 5;
    const MAX_BYTES: u64 = 4 * 1024 * 1024;
    let mut found = Vec::new();
    let mut folders = vec![(dir.to_path_buf(), 0)];
    while let Some((folder, depth)) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            // `file_type` does not follow links, so a linked folder cannot send the search round.
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() && depth < 3 && !name.starts_with('.') && name != "target" && name != "node_modules" {
                folders.push((path, depth + 1));
            } else if kind.is_file() && name.ends_with(".json") && looks_like_spec(&path, MAX_BYTES) {
                found.push(path);
            }
        }
    }
    found.sort();
    found.truncate(MAX_SHOWN);
    found
}

/// Whether `path` holds a JSON object with `schema` and `models` (small files only).
fn looks_like_spec(path: &Path, max_bytes: u64) -> bool {
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= max_bytes);
    small
        && std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(text.trim_start_matches('\u{feff}')).ok())
            .is_some_and(|value| value.get("schema").is_some() && value.get("models").is_some())
}

/// Loads the project in `dir`: configuration, spec, source catalog and the list of files.
///
/// A folder given explicitly (by flag or configuration) that does not exist is an error; a
/// default folder that does not exist is simply empty.
pub fn load_project(dir: &Path, overrides: &Overrides) -> Result<Project> {
    if !dir.is_dir() {
        return Err(Error::in_file(ErrorKind::Missing { what: "project folder", hint: String::new() }, dir));
    }
    let config = load_config(dir)?;
    let layout = detect_layout(dir);
    let mut paths = resolve_paths_in(dir, &config, overrides, layout);
    // A generated dbt or Dataform project carries no source DDL: the spec's own folder does.
    if layout != ToolLayout::Plain
        && overrides.sources.is_none()
        && config.paths.sources.is_none()
        && !paths.sources.is_dir()
    {
        if let Some(beside) = paths.spec.parent().map(|p| p.join("sources")).filter(|p| p.is_dir()) {
            paths.sources = beside;
        }
    }
    // A spec that exists but is no regular file (a FIFO, a device) is refused by its read.
    if !paths.spec.exists() {
        let hint = spec_hint(dir, overrides.spec.is_some());
        return Err(Error::in_file(ErrorKind::Missing { what: "spec", hint }, &paths.spec));
    }
    let explicit = |flag: &Option<PathBuf>, configured: &Option<PathBuf>| flag.is_some() || configured.is_some();
    for (what, path, given) in [
        ("sources folder", &paths.sources, explicit(&overrides.sources, &config.paths.sources)),
        ("models folder", &paths.models, explicit(&overrides.models, &config.paths.models)),
        ("tests folder", &paths.tests, explicit(&overrides.tests, &config.paths.tests)),
    ] {
        if given && !path.is_dir() {
            return Err(Error::in_file(ErrorKind::Missing { what, hint: String::new() }, path));
        }
    }
    let spec = load_spec(&paths.spec, &display(&paths.spec))?;
    let ddl_files: Vec<(PathBuf, String)> = files_with(&paths.sources, &["sql"])?
        .into_iter()
        .map(|p| {
            let d = display(&p);
            (p, d)
        })
        .collect();
    let (catalog, source_findings) = build_catalog(&ddl_files, &spec.spec.sources, &spec.text)?;
    let model_files = files_with(&paths.models, &["sql", "sqlx"])?
        .into_iter()
        .filter_map(|path| {
            let model = path.file_stem()?.to_str()?.to_string();
            let kind = if path.extension().is_some_and(|e| e == "sqlx") { CodeKind::Sqlx } else { CodeKind::Sql };
            Some(ModelFile { model, path, kind })
        })
        .collect();
    // dbt's `tests/` holds dbt's own tests, not specproof's: read only when named.
    let dbt_tests = layout == ToolLayout::Dbt && !explicit(&overrides.tests, &config.paths.tests);
    let test_files = if dbt_tests { Vec::new() } else { files_with(&paths.tests, &["sql"])? };
    let layout_dialect = match layout {
        ToolLayout::Dbt => dbt_dialect(dir),
        _ => Dialect::default(),
    };
    let code_dialect = overrides.dialect.or(config.dialect).unwrap_or(layout_dialect);
    Ok(Project { paths, config, code_dialect, spec, catalog, source_findings, model_files, test_files, layout })
}

/// The dialect of a dbt project's SQL: BigQuery when every adapter `type:` in its
/// `profiles.yml` is `bigquery`, else DuckDB (dbt-duckdb, what `specproof generate` writes).
/// The file is only scanned for `type:` lines: a profile is a handful of settings, and one
/// that names no adapter leaves the default.
fn dbt_dialect(dir: &Path) -> Dialect {
    let Ok(text) = crate::error::read_text(&dir.join("profiles.yml"), 1024 * 1024) else { return Dialect::Duckdb };
    let types: Vec<String> = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("type:"))
        .map(|value| value.split('#').next().unwrap_or("").trim().trim_matches(['"', '\'']).to_ascii_lowercase())
        .collect();
    if !types.is_empty() && types.iter().all(|t| t == "bigquery") {
        Dialect::Bigquery
    } else {
        Dialect::Duckdb
    }
}

/// A path as shown in messages: as given, with `/` separators.
pub fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Files under `dir` (recursively) with one of `extensions`, sorted so every run sees them in
/// the same order. A missing folder has no files. Symlinked folders are followed, each folder
/// once: a link back up the tree would otherwise be walked forever.
fn files_with(dir: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    if !dir.is_dir() {
        return Ok(found);
    }
    let mut seen = std::collections::HashSet::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let canonical =
            std::fs::canonicalize(&current).map_err(|source| Error::in_file(ErrorKind::Read(source), &current))?;
        if !seen.insert(canonical) {
            continue;
        }
        let entries =
            std::fs::read_dir(&current).map_err(|source| Error::in_file(ErrorKind::Read(source), &current))?;
        for entry in entries {
            let entry = entry.map_err(|source| Error::in_file(ErrorKind::Read(source), &current))?;
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.contains(&e)) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {

    use crate::test_support::crate_root;

    use super::*;

    #[test]
    fn flags_beat_configuration_beats_defaults() {
        let mut config = Config::default();
        config.paths.models = Some("pipeline_code/definitions".into());
        config.paths.spec = Some("technical_requirements/spec.json".into());
        let overrides = Overrides { spec: Some("elsewhere/spec.json".into()), ..Default::default() };
        let paths = resolve_paths(Path::new("proj"), &config, &overrides);
        assert_eq!(paths.spec, PathBuf::from("elsewhere/spec.json"));
        assert_eq!(paths.models, PathBuf::from("proj/pipeline_code/definitions"));
        assert_eq!(paths.sources, PathBuf::from("proj/sources"));
        let here = resolve_paths(Path::new("."), &Config::default(), &Overrides::default());
        assert_eq!(here.spec, PathBuf::from("spec.json"));
    }

    #[test]
    fn the_example_project_loads() {
        let dir = crate_root().join("specs/customer360");
        let project = load_project(&dir, &Overrides::default()).unwrap();
        assert_eq!(project.catalog.tables.len(), 6);
        assert!(project.source_findings.is_empty(), "{:?}", project.source_findings);
        let orders = &project.catalog.get("raw.commerce_orders").unwrap().table;
        assert!(orders.keys.is_empty(), "the DDL declares no key");
        assert_eq!(project.code_dialect, Dialect::Bigquery);
    }

    #[test]
    fn missing_parts_are_errors() {
        let dir = crate_root().join("specs/customer360");
        let overrides = Overrides { models: Some(dir.join("no-such-folder")), ..Default::default() };
        let err = load_project(&dir, &overrides).unwrap_err();
        assert!(err.to_string().contains("models folder"), "{err}");
        let err = load_project(Path::new("/no/such/project"), &Overrides::default()).unwrap_err();
        assert!(err.to_string().contains("project folder"), "{err}");
    }

    #[test]
    fn dbt_and_dataform_projects_are_recognised_and_flags_still_win() {
        let dir = std::env::temp_dir().join(format!("specproof-layout-{}-tools", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sources")).unwrap();
        let spec = crate_root().join("specs/customer360/spec.corrected.json");
        std::fs::write(dir.join("dbt_project.yml"), "name: x\n").unwrap();
        std::fs::write(dir.join("profiles.yml"), "x:\n  outputs:\n    dev:\n      type: bigquery\n").unwrap();
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        std::fs::write(dir.join("tests/dbt_singular.sql"), "SELECT 1").unwrap();
        let overrides = Overrides { spec: Some(spec.clone()), ..Default::default() };
        let project = load_project(&dir, &overrides).unwrap();
        assert_eq!(project.layout, ToolLayout::Dbt);
        assert_eq!(project.code_dialect, Dialect::Bigquery, "profiles.yml names BigQuery");
        assert!(project.test_files.is_empty(), "dbt's tests are not specproof's");
        std::fs::write(dir.join("profiles.yml"), "x:\n  outputs:\n    dev:\n      type: 'duckdb' # local\n").unwrap();
        assert_eq!(load_project(&dir, &overrides).unwrap().code_dialect, Dialect::Duckdb);
        let named = Overrides { tests: Some(dir.join("tests")), dialect: Some(Dialect::Bigquery), ..overrides.clone() };
        let project = load_project(&dir, &named).unwrap();
        assert_eq!(project.test_files.len(), 1);
        assert_eq!(project.code_dialect, Dialect::Bigquery);
        std::fs::remove_file(dir.join("dbt_project.yml")).unwrap();
        std::fs::write(dir.join("workflow_settings.yaml"), "defaultDataset: x\n").unwrap();
        let project = load_project(&dir, &overrides).unwrap();
        assert_eq!(project.layout, ToolLayout::Dataform);
        assert_eq!(project.paths.models, dir.join("definitions"));
        // The folder's own empty `sources/` is used; without it, the one beside the spec.
        assert_eq!(project.paths.sources, dir.join("sources"));
        std::fs::remove_dir_all(dir.join("sources")).unwrap();
        let project = load_project(&dir, &overrides).unwrap();
        assert_eq!(project.paths.sources, crate_root().join("specs/customer360/sources"));
        assert_eq!(project.catalog.tables.len(), 6);
        let moved = Overrides { models: Some(dir.join("elsewhere")), ..overrides };
        std::fs::create_dir_all(dir.join("elsewhere")).unwrap();
        assert_eq!(load_project(&dir, &moved).unwrap().paths.models, dir.join("elsewhere"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_folder_loop_is_walked_once() {
        let dir = std::env::temp_dir().join(format!("specproof-layout-{}-loop", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("inner")).unwrap();
        std::fs::write(dir.join("inner/a.sql"), "SELECT 1").unwrap();
        std::os::unix::fs::symlink("..", dir.join("inner/up")).unwrap();
        let found = files_with(&dir, &["sql"]).unwrap();
        assert_eq!(found, vec![dir.join("inner/a.sql")]);
    }
}
