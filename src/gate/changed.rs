//! Changed-only runs: which models changed since a git ref, and everything downstream of them.
//!
//! git itself says which files changed (`git diff --name-only REF`, plus files git does not
//! track yet), so the answer is the one a reviewer sees in the pull request. A model changed
//! when its code file did, when its entry in the spec did (the spec at the ref, `git show
//! REF:path`, compared model by model as JSON values), or when a source table it reads did (a
//! DDL file or a `sources` entry of the spec). Anything that changes every model's meaning (the
//! spec's schemas or dialect, `specproof.toml`, a spec that did not exist at the ref) selects
//! every model: when in doubt, validate more.

use crate::error::{Error, ErrorKind};
use crate::project::layout::Project;
use crate::spec::resolve::context::{target_of, Target};
use crate::spec::resolve::graph::dependencies;
use crate::sql::ddl::parse_ddl;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The models a changed-only run validates, and what it leaves out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Models that changed themselves, sorted.
    pub changed: Vec<String>,
    /// Models downstream of a changed one, not changed themselves, sorted.
    pub downstream: Vec<String>,
    /// Models left out, sorted.
    pub skipped: Vec<String>,
    /// Shipped test files that changed (absolute, canonical).
    pub changed_tests: Vec<PathBuf>,
}

impl Selection {
    /// Whether the run validates `model`.
    pub fn selects(&self, model: &str) -> bool {
        self.changed.iter().chain(&self.downstream).any(|m| m == model)
    }

    /// Changed and downstream models, sorted.
    pub fn selected(&self) -> Vec<String> {
        let mut all: Vec<String> = self.changed.iter().chain(&self.downstream).cloned().collect();
        all.sort();
        all
    }
}

/// Runs git in `dir`; its standard output, or an error carrying what git said.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, Error> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|error| git_error(format!("--changed-since needs git, and running it failed: {error}")))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr).trim().to_string();
        return Err(git_error(format!("git {} failed: {said}", args.join(" "))));
    }
    Ok(output.stdout)
}

fn canonical(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// Which models of `project` changed since `reference`, and what is downstream of them.
pub fn select(project: &Project, reference: &str) -> Result<Selection, Error> {
    let root = &project.paths.root;
    let top = git(root, &["rev-parse", "--show-toplevel"]).map_err(|_| {
        git_error(format!(
            "--changed-since needs the project to be in a git repository, and {} is not",
            crate::project::layout::display(root)
        ))
    })?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    let top = canonical(&top).unwrap_or(top);
    let commit = format!("{reference}^{{commit}}");
    git(root, &["rev-parse", "--verify", "--quiet", &commit])
        .map_err(|_| git_error(format!("--changed-since {reference}: git knows no commit of that name")))?;
    // -z: names exactly as they are, whatever characters they hold; --no-renames: a moved file
    // counts under both names.
    let mut files = git(&top, &["diff", "--name-only", "--no-renames", "-z", reference, "--"])?;
    files.push(0);
    files.extend(git(&top, &["ls-files", "--others", "--exclude-standard", "-z"])?);
    let changed_files: BTreeSet<PathBuf> = files
        .split(|&b| b == 0)
        .filter(|name| !name.is_empty())
        .map(|name| top.join(String::from_utf8_lossy(name).as_ref()))
        .collect();

    let spec = &project.spec.spec;
    let names: Vec<&str> = spec.models.iter().map(|m| m.name.as_str()).collect();
    let mut changed: BTreeSet<usize> = BTreeSet::new();
    let mut tables: BTreeSet<String> = BTreeSet::new();
    let mut everything = false;
    let mut changed_tests = Vec::new();

    let spec_file = canonical(&project.paths.spec);
    // The project folder exists; its config file may not (a change can delete it).
    let config_file = canonical(root).map(|dir| dir.join(crate::project::config::CONFIG_FILE));
    let models_dir = canonical(&project.paths.models);
    let sources_dir = canonical(&project.paths.sources);
    let tests_dir = canonical(&project.paths.tests);
    let under = |dir: &Option<PathBuf>, file: &Path| dir.as_ref().is_some_and(|d| file.starts_with(d));
    for file in &changed_files {
        let extension = file.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if spec_file.as_deref() == Some(file.as_path()) {
            let relative = file.strip_prefix(&top).unwrap_or(file).to_string_lossy().replace('\\', "/");
            let old = git(&top, &["show", &format!("{reference}:{relative}")]).ok();
            match old.and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok()) {
                Some(old) => {
                    let new: Value = serde_json::from_str(&project.spec.text.text).unwrap_or(Value::Null);
                    everything |= compare_specs(&old, &new, &mut changed, &mut tables, &names);
                }
                None => everything = true,
            }
        } else if config_file.as_deref() == Some(file.as_path()) {
            everything = true;
        } else if under(&models_dir, file) && (extension == "sql" || extension == "sqlx") {
            let stem = file.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
            if let Some(i) = names.iter().position(|n| *n == stem) {
                changed.insert(i);
            }
        } else if under(&sources_dir, file) && extension == "sql" {
            let relative = file.strip_prefix(&top).unwrap_or(file).to_string_lossy().replace('\\', "/");
            let old = git(&top, &["show", &format!("{reference}:{relative}")]).ok();
            let new = std::fs::read_to_string(file).ok();
            for text in [old.map(|b| String::from_utf8_lossy(&b).to_string()), new].into_iter().flatten() {
                match parse_ddl(&text) {
                    Ok(ddl) => tables.extend(ddl.tables.into_iter().map(|t| t.name.to_ascii_lowercase())),
                    // A DDL file that does not parse could declare anything.
                    Err(_) => everything = true,
                }
            }
        } else if under(&tests_dir, file) && extension == "sql" {
            changed_tests.push(file.clone());
        }
    }

    if everything {
        changed.extend(0..names.len());
    }
    for (i, model) in spec.models.iter().enumerate() {
        let reads_changed = model.sources.iter().any(|entry| match target_of(spec, &project.catalog, entry) {
            Target::Table(table) => tables.contains(&table.to_ascii_lowercase()),
            Target::Model(_) | Target::Unknown => false,
        });
        if reads_changed {
            changed.insert(i);
        }
    }
    let deps = dependencies(spec, &project.catalog);
    let mut selected = changed.clone();
    loop {
        let more: Vec<usize> = (0..names.len())
            .filter(|i| !selected.contains(i) && deps[*i].iter().any(|d| selected.contains(d)))
            .collect();
        if more.is_empty() {
            break;
        }
        selected.extend(more);
    }
    let sorted = |set: &mut dyn Iterator<Item = usize>| {
        let mut list: Vec<String> = set.map(|i| names[i].to_string()).collect();
        list.sort();
        list.dedup();
        list
    };
    Ok(Selection {
        changed: sorted(&mut changed.iter().copied()),
        downstream: sorted(&mut selected.iter().copied().filter(|i| !changed.contains(i))),
        skipped: sorted(&mut (0..names.len()).filter(|i| !selected.contains(i))),
        changed_tests,
    })
}

/// Compares the spec at the ref with the current one. Marks models whose entry changed (or is
/// new) and source tables whose `sources` entry changed; returns true when something every
/// model depends on changed.
fn compare_specs(
    old: &Value,
    new: &Value,
    changed: &mut BTreeSet<usize>,
    tables: &mut BTreeSet<String>,
    names: &[&str],
) -> bool {
    let by_name = |value: &Value, key: &str| -> BTreeMap<String, Value> {
        value
            .get(key)
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|item| {
                        (item.get("name").and_then(Value::as_str).unwrap_or_default().to_string(), item.clone())
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (old_models, new_models) = (by_name(old, "models"), by_name(new, "models"));
    for (name, entry) in &new_models {
        if old_models.get(name) != Some(entry) {
            if let Some(i) = names.iter().position(|n| n == name) {
                changed.insert(i);
            }
        }
    }
    let (old_sources, new_sources) = (by_name(old, "sources"), by_name(new, "sources"));
    for name in old_sources.keys().chain(new_sources.keys()) {
        if old_sources.get(name) != new_sources.get(name) {
            tables.insert(table_key(name));
        }
    }
    // Everything else but free text (schemas, dialect) gives every model its meaning.
    let shared = |value: &Value| -> BTreeMap<String, Value> {
        value
            .as_object()
            .map(|o| {
                o.iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "models" | "sources" | "description"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    shared(old) != shared(new)
}

/// A `sources` entry's name as the catalog keys it: backticks and a project prefix dropped.
fn table_key(name: &str) -> String {
    let name = name.trim().trim_matches('`').to_ascii_lowercase();
    let parts: Vec<&str> = name.split('.').collect();
    match parts.as_slice() {
        [_project, schema, table] => format!("{schema}.{table}"),
        _ => name,
    }
}

/// A git failure as an error.
fn git_error(message: String) -> Error {
    Error::new(ErrorKind::Git(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_model_entry_and_a_changed_source_entry_are_seen() {
        let old = serde_json::json!({
            "schema": {"raw_schema": "raw"},
            "models": [{"name": "a", "x": 1}, {"name": "b", "x": 1}],
            "sources": [{"name": "proj.raw.t", "primary_key": "id"}]
        });
        let mut new = old.clone();
        new["models"][1]["x"] = 2.into();
        new["description"] = "free text changes nothing".into();
        let (mut changed, mut tables) = (BTreeSet::new(), BTreeSet::new());
        assert!(!compare_specs(&old, &new, &mut changed, &mut tables, &["a", "b"]));
        assert_eq!(changed.into_iter().collect::<Vec<_>>(), [1]);
        assert!(tables.is_empty());
        new["sources"][0]["primary_key"] = "other".into();
        new["schema"]["raw_schema"] = "landing".into();
        let (mut changed, mut tables) = (BTreeSet::new(), BTreeSet::new());
        assert!(compare_specs(&old, &new, &mut changed, &mut tables, &["a", "b"]));
        assert_eq!(tables.into_iter().collect::<Vec<_>>(), ["raw.t"]);
    }
}
