//! Where things are in the spec file: JSON paths to line and column.
//!
//! serde tells us *what* a value is; a reviewer also needs *where* it is. The spec text is parsed
//! a second time with `jsonc-parser`, which keeps the byte range of every value, and each JSON
//! path (`models[0].joins[1].condition`) is mapped to its range.

use crate::location::{LineIndex, Location};
use jsonc_parser::ast::{ObjectPropName, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// A loaded spec file's text with the position of every JSON value.
#[derive(Debug, Clone)]
pub struct SpecText {
    /// The file name as the user gave it.
    pub file: String,
    /// The whole text.
    pub text: String,
    lines: LineIndex,
    /// Built on the first lookup: a clean run of a large spec asks for no position, and
    /// indexing every value of it was a sixth of a 10,000-model static check.
    ranges: OnceLock<HashMap<String, (usize, usize)>>,
}

impl SpecText {
    /// Keeps `text`; every value's position is indexed on the first lookup. A text that
    /// jsonc-parser cannot read gets no ranges (serde has already reported why in that case),
    /// and every lookup falls back to the start of the file.
    pub fn new(file: impl Into<String>, text: String) -> SpecText {
        let lines = LineIndex::new(&text);
        SpecText { file: file.into(), text, lines, ranges: OnceLock::new() }
    }

    fn ranges(&self) -> &HashMap<String, (usize, usize)> {
        self.ranges.get_or_init(|| {
            let mut ranges = HashMap::new();
            let parsed = jsonc_parser::parse_to_ast(&self.text, &Default::default(), &Default::default());
            if let Ok(result) = parsed {
                if let Some(value) = &result.value {
                    index_value(value, String::new(), &mut ranges);
                }
            }
            ranges
        })
    }

    /// The location of the value at `json_path`, or of its nearest ancestor that exists (a
    /// finding about a missing field points at the object that lacks it).
    pub fn locate(&self, json_path: &str) -> Location {
        let offset = self.range_of(json_path).map_or(0, |(start, _)| start);
        self.location_at(offset)
    }

    /// The location of character `(line, column)` (1-based, as sqlparser's spans count) of the
    /// decoded string value at `json_path`. Escapes in the JSON string are accounted for.
    pub fn locate_in_string(&self, json_path: &str, line: u64, column: u64) -> Location {
        let Some((start, end)) = self.ranges().get(json_path).copied() else {
            return self.locate(json_path);
        };
        let Some(raw) = self.text.get(start..end) else {
            return self.location_at(start);
        };
        let Some(quote) = raw.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return self.location_at(start);
        };
        // Character index of (line, column) within the decoded string.
        let mut want_line = 1u64;
        let mut want_col = 1u64;
        let mut offset = start + quote.len_utf8();
        let mut chars = raw[quote.len_utf8()..].char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if want_line >= line && want_col >= column {
                offset = start + quote.len_utf8() + i;
                break;
            }
            if c == quote {
                offset = start + quote.len_utf8() + i;
                break;
            }
            let decoded = if c == '\\' {
                match chars.next() {
                    Some((_, 'n')) => '\n',
                    Some((_, 'u')) => {
                        let hex: String = (0..4).filter_map(|_| chars.next().map(|(_, h)| h)).collect();
                        char::from_u32(u32::from_str_radix(&hex, 16).unwrap_or(0)).unwrap_or('?')
                    }
                    Some((_, other)) => other,
                    None => break,
                }
            } else {
                c
            };
            if decoded == '\n' {
                want_line += 1;
                want_col = 1;
            } else {
                want_col += 1;
            }
            offset = start + quote.len_utf8() + i + c.len_utf8();
        }
        self.location_at(offset)
    }

    /// The location of a byte offset.
    pub fn location_at(&self, offset: usize) -> Location {
        let (line, column) = self.lines.line_col(&self.text, offset);
        Location { file: self.file.clone(), line, column }
    }

    fn range_of(&self, json_path: &str) -> Option<(usize, usize)> {
        let mut path = json_path;
        loop {
            if let Some(range) = self.ranges().get(path) {
                return Some(*range);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }
}

fn index_value(value: &Value<'_>, path: String, ranges: &mut HashMap<String, (usize, usize)>) {
    let range = match value {
        Value::StringLit(v) => v.range,
        Value::NumberLit(v) => v.range,
        Value::BooleanLit(v) => v.range,
        Value::NullKeyword(v) => v.range,
        Value::Object(object) => {
            for prop in &object.properties {
                let name = match &prop.name {
                    ObjectPropName::String(s) => s.value.to_string(),
                    ObjectPropName::Word(w) => w.value.to_string(),
                };
                let child = if path.is_empty() { name } else { format!("{path}.{name}") };
                index_value(&prop.value, child, ranges);
            }
            object.range
        }
        Value::Array(array) => {
            for (i, element) in array.elements.iter().enumerate() {
                index_value(element, format!("{path}[{i}]"), ranges);
            }
            array.range
        }
    };
    ranges.insert(path, (range.start, range.end));
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "{\n  \"models\": [\n    {\"name\": \"m\", \"transform\": \"A\\\"é\\nB(x\"}\n  ]\n}\n";

    #[test]
    fn paths_map_to_lines_and_columns() {
        let spec = SpecText::new("spec.json", TEXT.to_string());
        let at = spec.locate("models[0].name");
        assert_eq!((at.line, at.column), (3, 14));
        // A missing field points at the object that lacks it.
        let at = spec.locate("models[0].joins[2].condition");
        assert_eq!((at.line, at.column), (3, 5));
        assert_eq!(spec.locate("nowhere").line, 1);
    }

    #[test]
    fn string_positions_account_for_escapes() {
        let spec = SpecText::new("spec.json", TEXT.to_string());
        // Decoded value: A"é<newline>B(x ; line 2, column 2 is '('.
        let at = spec.locate_in_string("models[0].transform", 2, 2);
        let line = TEXT.lines().nth(at.line - 1).unwrap();
        let ch = line.chars().nth(at.column - 1).unwrap();
        assert_eq!(ch, '(');
        // Line 1 column 3 is 'é', after the two-character escape \".
        let at = spec.locate_in_string("models[0].transform", 1, 3);
        let line = TEXT.lines().nth(at.line - 1).unwrap();
        assert_eq!(line.chars().nth(at.column - 1).unwrap(), 'é');
    }

    #[test]
    fn values_after_non_ascii_text_are_found() {
        let text = "{\"ü\": \"é\", \"t\": \"LOWER(x)\"}".to_string();
        let spec = SpecText::new("spec.json", text);
        let at = spec.locate_in_string("t", 1, 7);
        assert_eq!((at.line, at.column), (1, 24));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "ééé x";
        let lines = LineIndex::new(text);
        assert_eq!(lines.line_col(text, text.find('x').unwrap()), (1, 5));
    }
}
