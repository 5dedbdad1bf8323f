//! `specproof.toml`: a project's own settings.
//!
//! ```toml
//! dialect = "bigquery"   # dialect of models/*.sql (SQLX is always BigQuery)
//! seed = 42              # synthetic data seed
//! rows = 1000            # synthetic rows per source table
//! cases = 3              # synthetic datasets `validate` searches
//!
//! [paths]                # relative to the project folder
//! spec = "technical_requirements/spec.json"
//! sources = "business_requirements/source_ddl"
//! models = "pipeline_code/definitions"
//! tests = "pipeline_code/tests"
//! ```

use crate::error::{read_text, Error, ErrorKind, Result};
use crate::location::LineIndex;
use crate::spec::model::Dialect;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The configuration file's name inside a project folder.
pub const CONFIG_FILE: &str = "specproof.toml";

/// Settings from `specproof.toml`; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Dialect of `.sql` model and test files.
    pub dialect: Option<Dialect>,
    /// Seed of the synthetic data.
    pub seed: Option<u64>,
    /// Rows per source table in the synthetic data.
    pub rows: Option<u64>,
    /// Synthetic datasets `validate` searches.
    pub cases: Option<u64>,
    /// Where the parts of the project are.
    #[serde(default)]
    pub paths: PathsConfig,
}

/// `[paths]` of `specproof.toml`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathsConfig {
    /// The spec file.
    pub spec: Option<PathBuf>,
    /// The folder of source DDL.
    pub sources: Option<PathBuf>,
    /// The folder of model code.
    pub models: Option<PathBuf>,
    /// The folder of shipped tests.
    pub tests: Option<PathBuf>,
}

/// Reads `specproof.toml` in `dir`, or the default configuration when there is none.
pub fn load_config(dir: &Path) -> Result<Config> {
    let path = dir.join(CONFIG_FILE);
    if !path.is_file() {
        return Ok(Config::default());
    }
    let text = read_text(&path, 1024 * 1024)?;
    toml::from_str(&text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |span| LineIndex::new(&text).line_col(&text, span.start));
        Error::at(ErrorKind::Config(e.message().to_string()), &path, line, column)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_config_parses() {
        let config: Config = toml::from_str(
            "dialect = \"duckdb\"\nseed = 7\nrows = 100\n[paths]\nspec = \"req/spec.json\"\nmodels = \"code\"\n",
        )
        .unwrap();
        assert_eq!(config.dialect, Some(Dialect::Duckdb));
        assert_eq!(config.paths.models, Some(PathBuf::from("code")));
    }

    #[test]
    fn unknown_keys_are_errors_with_positions() {
        let dir = std::env::temp_dir().join(format!("specproof-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(CONFIG_FILE), "seed = 1\n\ndialekt = \"duckdb\"\n").unwrap();
        let err = load_config(&dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        match err {
            Error { kind: ErrorKind::Config(message), location: Some(at) } => {
                assert_eq!((at.line, at.column), (3, 1));
                assert!(message.contains("dialekt"), "{message}");
            }
            other => panic!("expected a config error, got {other:?}"),
        }
    }
}
