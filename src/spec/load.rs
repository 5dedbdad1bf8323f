//! Loading a spec: JSON text to [`Spec`], with precise errors and unknown fields noted.

use super::model::Spec;
use super::position::SpecText;
use crate::error::{read_text, Error, ErrorKind, Result};
use crate::finding::{Code, Finding};
use crate::location::LineIndex;
use std::path::Path;

/// Specs larger than this are refused before being read: a multi-gigabyte file given by
/// mistake should fail fast rather than exhaust memory. A pipeline of 100,000 models has a spec
/// of about 250 MB (`specproof bench --models 100000`): twice that is the margin. The error
/// names the file, its size and this bound.
pub const MAX_SPEC_BYTES: u64 = 512 * 1024 * 1024;

/// A spec as loaded: the model, its text (for positions), and warnings found while reading.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The spec.
    pub spec: Spec,
    /// Its text, with the position of every value.
    pub text: SpecText,
    /// Fields that were ignored because the format does not define them.
    pub unknown_fields: Vec<Finding>,
}

/// Reads and parses the spec at `path`; `display` is the name used in messages.
pub fn load_spec(path: &Path, display: &str) -> Result<LoadedSpec> {
    let text = read_text(path, MAX_SPEC_BYTES)?;
    parse_spec(display, text)
}

/// Parses spec `text`. Errors carry the file, line, column and JSON path of the problem.
pub fn parse_spec(display: &str, text: String) -> Result<LoadedSpec> {
    let mut ignored = Vec::new();
    let spec_error = |json_path: String, inner: &serde_json::Error| {
        let (line, column) = if inner.line() == 0 { (1, 1) } else { char_column(&text, inner.line(), inner.column()) };
        Error::at(
            ErrorKind::InvalidJson { what: "spec", json_path, message: strip_serde_position(&inner.to_string()) },
            Path::new(display),
            line,
            column,
        )
    };
    let mut json = serde_json::Deserializer::from_str(&text);
    let mut note_ignored = |path: serde_ignored::Path<'_>| ignored.push(json_path_of(&path));
    let tracked = serde_ignored::Deserializer::new(&mut json, &mut note_ignored);
    let spec: Spec =
        serde_path_to_error::deserialize(tracked).map_err(|err| spec_error(err.path().to_string(), err.inner()))?;
    // Trailing text after the value is as malformed as anything inside it.
    json.end().map_err(|err| spec_error(".".to_string(), &err))?;
    let text = SpecText::new(display, text);
    let unknown_fields = ignored
        .into_iter()
        .map(|path| {
            let field = path.rsplit('.').next().unwrap_or(&path).to_string();
            Finding::new(Code::UnknownField, format!("unknown field `{field}` is ignored"))
                .at(text.locate(&path))
                .at_path(path)
                .help("spec-format.md lists the fields a spec may have; check the spelling")
        })
        .collect();
    Ok(LoadedSpec { spec, text, unknown_fields })
}

/// serde_json counts columns in bytes; people count characters.
pub(crate) fn char_column(text: &str, line: usize, byte_column: usize) -> (usize, usize) {
    let lines = LineIndex::new(text);
    let start: usize = text.split_inclusive('\n').take(line - 1).map(str::len).sum();
    let offset = start + byte_column.saturating_sub(1);
    let offset = (0..=offset.min(text.len())).rev().find(|&o| text.is_char_boundary(o)).unwrap_or(0);
    lines.line_col(text, offset)
}

/// serde_json appends " at line L column C"; the position is reported in its own fields.
pub(crate) fn strip_serde_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(cut) if message[cut..].contains(" column ") => message[..cut].to_string(),
        _ => message.to_string(),
    }
}

/// `serde_ignored`'s path, written the way `serde_path_to_error` writes paths.
fn json_path_of(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path as P;
    match path {
        P::Root => String::new(),
        P::Seq { parent, index } => format!("{}[{index}]", json_path_of(parent)),
        P::Map { parent, key } => {
            let parent = json_path_of(parent);
            if parent.is_empty() {
                key.to_string()
            } else {
                format!("{parent}.{key}")
            }
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => json_path_of(parent),
    }
}

#[cfg(test)]
mod tests {

    use crate::test_support::crate_root;

    use super::*;

    fn err(text: &str) -> (usize, usize, String, String) {
        match parse_spec("spec.json", text.to_string()) {
            Err(Error { kind: ErrorKind::InvalidJson { json_path, message, .. }, location: Some(at) }) => {
                (at.line, at.column, json_path, message)
            }
            other => panic!("expected a spec error, got {other:?}"),
        }
    }

    const SCHEMA: &str = r#""schema": {"raw_schema": "raw", "staging_schema": "s", "final_schema": "f"}"#;

    #[test]
    fn the_example_spec_loads_unchanged() {
        let path = crate_root().join("specs/customer360/spec.json");
        let loaded = load_spec(&path, "spec.json").unwrap();
        assert_eq!(loaded.spec.models.len(), 5);
        assert!(loaded.unknown_fields.is_empty());
        let pivot = &loaded.spec.models[2];
        assert_eq!(pivot.aggregations.len(), 2);
        assert_eq!(pivot.group_by, ["customer_id"]);
    }

    #[test]
    fn malformed_json_gives_line_and_column() {
        let (line, column, _, message) = err("{\n  \"schema\": {,\n}");
        assert_eq!((line, column), (2, 14));
        assert!(message.contains("key must be a string"), "{message}");
    }

    #[test]
    fn wrong_type_gives_json_path() {
        let text = format!("{{{SCHEMA},\n \"models\": [{{\"name\": \"m\", \"sources\": \"raw.t\"}}]}}");
        let (line, _, path, message) = err(&text);
        assert_eq!(path, "models[0].sources");
        assert_eq!(line, 2);
        assert!(message.contains("invalid type"), "{message}");
    }

    #[test]
    fn missing_field_is_named() {
        let (_, _, path, message) = err(r#"{"models": []}"#);
        assert_eq!(path, ".");
        assert!(message.contains("missing field `schema`"), "{message}");
    }

    #[test]
    fn trailing_text_is_an_error() {
        let text = format!("{{{SCHEMA}}} x");
        let (line, column, _, message) = err(&text);
        assert_eq!(line, 1);
        assert_eq!(column, text.len());
        assert!(message.contains("trailing"), "{message}");
    }

    #[test]
    fn unknown_fields_are_warnings_with_positions() {
        let text = format!("{{{SCHEMA},\n \"models\": [{{\"name\": \"m\",\n \"nullabel\": false}}]}}");
        let loaded = parse_spec("spec.json", text).unwrap();
        assert_eq!(loaded.unknown_fields.len(), 1);
        let finding = &loaded.unknown_fields[0];
        assert_eq!(finding.json_path.as_deref(), Some("models[0].nullabel"));
        assert_eq!(finding.location.as_ref().unwrap().line, 3);
    }

    #[test]
    fn columns_count_characters() {
        let (line, column, _, _) = err("{\"é\": [1,]}");
        assert_eq!(line, 1);
        assert_eq!(column, 10);
    }
}
