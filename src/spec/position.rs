//! Where things are in the spec file: JSON paths to line and column.
//!
//! serde tells us *what* a value is; a reviewer also needs *where* it is. The spec text is parsed
//! a second time with `jsonc-parser`, which keeps the byte range of every value, and each JSON
//! path (`models[0].joins[1].condition`) is mapped to its range.

use crate::location::{LineIndex, Location};
use jsonc_parser::ast::{ObjectPropName, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A loaded spec file's text with the position of every JSON value.
#[derive(Debug)]
pub struct SpecText {
    /// The file name as the user gave it.
    pub file: String,
    /// The whole text.
    pub text: String,
    lines: LineIndex,
    /// The members of each object or array a lookup has walked into, by the offset of its
    /// opening bracket. A lookup walks down its path only: indexing every value of a large
    /// spec (a 24 MB spec of 10,000 models has millions) was half a second of loading it, paid
    /// by the first finding about a source entry.
    members: Mutex<HashMap<usize, Arc<[Member]>>>,
    /// The range of the whole value, or `Err` when the text is not plain JSON.
    root: OnceLock<Result<Option<(usize, usize)>, ()>>,
    /// Every value's position, built by jsonc-parser only when the quick walk meets text it
    /// does not read (not plain JSON: serde has refused such a spec already, so in practice
    /// never).
    ranges: OnceLock<HashMap<String, (usize, usize)>>,
}

impl Clone for SpecText {
    fn clone(&self) -> SpecText {
        let members = self.members.lock().map(|m| m.clone()).unwrap_or_default();
        SpecText {
            file: self.file.clone(),
            text: self.text.clone(),
            lines: self.lines.clone(),
            members: Mutex::new(members),
            root: self.root.clone(),
            ranges: self.ranges.clone(),
        }
    }
}

/// One member of an object or array: its key (`None` in an array) and its value's byte range.
#[derive(Debug, Clone)]
struct Member {
    key: Option<String>,
    start: usize,
    end: usize,
}

/// The quick walk met text it does not read as plain JSON.
struct NotPlain;

impl SpecText {
    /// Keeps `text`; a value's position is found when it is first asked for. A text that
    /// jsonc-parser cannot read gets no ranges (serde has already reported why in that case),
    /// and every lookup falls back to the start of the file.
    pub fn new(file: impl Into<String>, text: String) -> SpecText {
        let lines = LineIndex::new(&text);
        SpecText {
            file: file.into(),
            text,
            lines,
            members: Mutex::new(HashMap::new()),
            root: OnceLock::new(),
            ranges: OnceLock::new(),
        }
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

    /// The byte range of the value at exactly `json_path`: what [`index_value`] would map it
    /// to, found by walking down the path.
    fn range_at(&self, json_path: &str) -> Option<(usize, usize)> {
        if let Some(ranges) = self.ranges.get() {
            return ranges.get(json_path).copied();
        }
        let walked = self.root().and_then(|root| {
            let mut found = None;
            if let Some((start, end)) = root {
                self.walk(start, end, json_path, true, &mut found)?;
            }
            Ok(found)
        });
        match walked {
            Ok(found) => found,
            Err(NotPlain) => self.ranges().get(json_path).copied(),
        }
    }

    /// The range of the whole value (none in a text of only whitespace), found once: every
    /// lookup starts there, and finding its end reads the whole text.
    fn root(&self) -> Result<Option<(usize, usize)>, NotPlain> {
        let root = self.root.get_or_init(|| {
            let bytes = self.text.as_bytes();
            let start = skip_space(bytes, 0);
            if start >= bytes.len() {
                return Ok(None);
            }
            skip_value(bytes, start).map(|end| Some((start, end))).map_err(|_| ())
        });
        root.map_err(|()| NotPlain)
    }

    /// Finds the values under the one at `start..end` whose path continues with `rest`. Of
    /// several (a duplicated key, a key with a dot in it), the one the index would keep: it
    /// inserts each value after the values inside it, in document order, the last insert
    /// winning; that is the one that ends last.
    fn walk(
        &self,
        start: usize,
        end: usize,
        rest: &str,
        root: bool,
        found: &mut Option<(usize, usize)>,
    ) -> Result<(), NotPlain> {
        if rest.is_empty() {
            if found.is_none_or(|(_, e)| end >= e) {
                *found = Some((start, end));
            }
            return Ok(());
        }
        let opening = self.text.as_bytes()[start];
        if opening != b'{' && opening != b'[' {
            return Ok(());
        }
        let members = self.members_of(start)?;
        if opening == b'[' {
            let Some(close) = rest.strip_prefix('[').and_then(|r| r.find(']')) else { return Ok(()) };
            let digits = &rest[1..=close];
            let Ok(index) = digits.parse::<usize>() else { return Ok(()) };
            if let Some(member) = members.get(index).filter(|_| index.to_string() == digits) {
                self.walk(member.start, member.end, &rest[close + 2..], false, found)?;
            }
            return Ok(());
        }
        let rest = if root {
            rest
        } else {
            match rest.strip_prefix('.') {
                Some(rest) => rest,
                None => return Ok(()),
            }
        };
        for member in members.iter() {
            let Some(key) = &member.key else { continue };
            if let Some(after) = rest.strip_prefix(key.as_str()) {
                self.walk(member.start, member.end, after, false, found)?;
            }
        }
        Ok(())
    }

    /// The members of the object or array opening at `start`, read once.
    fn members_of(&self, start: usize) -> Result<Arc<[Member]>, NotPlain> {
        let mut cache = self.members.lock().map_err(|_| NotPlain)?;
        if let Some(members) = cache.get(&start) {
            return Ok(Arc::clone(members));
        }
        let members: Arc<[Member]> = read_members(&self.text, start)?.into();
        cache.insert(start, Arc::clone(&members));
        Ok(members)
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
        let Some((start, end)) = self.range_at(json_path) else {
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
            if let Some(range) = self.range_at(path) {
                return Some(range);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }
}

/// The members of the object or array whose opening bracket is at `start` in `text`.
fn read_members(text: &str, start: usize) -> Result<Vec<Member>, NotPlain> {
    let bytes = text.as_bytes();
    let object = bytes[start] == b'{';
    let close = if object { b'}' } else { b']' };
    let mut members = Vec::new();
    let mut at = skip_space(bytes, start + 1);
    if bytes.get(at) == Some(&close) {
        return Ok(members);
    }
    loop {
        let key = if object {
            if bytes.get(at) != Some(&b'"') {
                return Err(NotPlain);
            }
            let key_end = skip_string(bytes, at)?;
            let raw = &text[at..key_end];
            // Keys are compared decoded, as jsonc-parser gives them.
            let key = if raw.contains('\\') {
                serde_json::from_str::<String>(raw).map_err(|_| NotPlain)?
            } else {
                raw[1..raw.len() - 1].to_string()
            };
            at = skip_space(bytes, key_end);
            if bytes.get(at) != Some(&b':') {
                return Err(NotPlain);
            }
            at = skip_space(bytes, at + 1);
            Some(key)
        } else {
            None
        };
        let end = skip_value(bytes, at)?;
        members.push(Member { key, start: at, end });
        at = skip_space(bytes, end);
        match bytes.get(at) {
            Some(b',') => at = skip_space(bytes, at + 1),
            Some(&c) if c == close => return Ok(members),
            _ => return Err(NotPlain),
        }
    }
}

/// The offset of the first byte at or after `at` that is not JSON whitespace.
fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// The end (exclusive) of the string whose opening quote is at `at`.
fn skip_string(bytes: &[u8], at: usize) -> Result<usize, NotPlain> {
    let mut i = at + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(NotPlain)
}

/// The end (exclusive) of the value starting at `at`: a string, an object or array (brackets
/// counted outside strings), or a number, `true`, `false` or `null`. Anything else (a comment,
/// a single-quoted string) is not plain JSON.
fn skip_value(bytes: &[u8], at: usize) -> Result<usize, NotPlain> {
    match bytes.get(at) {
        Some(b'"') => skip_string(bytes, at),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = at;
            while let Some(&b) = bytes.get(i) {
                match b {
                    b'"' => {
                        i = skip_string(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(i + 1);
                        }
                    }
                    b'/' | b'\'' => return Err(NotPlain),
                    _ => {}
                }
                i += 1;
            }
            Err(NotPlain)
        }
        Some(b'-' | b'0'..=b'9') => {
            let mut i = at + 1;
            while bytes.get(i).is_some_and(|b| matches!(b, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')) {
                i += 1;
            }
            Ok(i)
        }
        Some(b't' | b'f' | b'n') => {
            let word = [&b"true"[..], b"false", b"null"].into_iter().find(|w| bytes[at..].starts_with(w));
            word.map(|w| at + w.len()).ok_or(NotPlain)
        }
        _ => Err(NotPlain),
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

    /// The walk finds every value exactly where the full index puts it, in the example specs
    /// and in the corners: duplicated keys, keys with dots and escapes, an empty key.
    #[test]
    fn the_walk_agrees_with_the_full_index() {
        let mut texts: Vec<String> = vec![
            r#"{"a": {"x": 1, "y": [1, {"z": "q\"]"}]}, "a": {"y": 2}, "a.x": true, "": null, "k\u00e9": [ ]}"#.into(),
            "  [ {\"a\" : -1.5e3 } , \"s\" ]  ".into(),
            "{}".into(),
        ];
        let specs = crate::test_support::crate_root().join("specs");
        for entry in std::fs::read_dir(&specs).unwrap().flatten() {
            for file in std::fs::read_dir(entry.path()).into_iter().flatten().flatten() {
                if file.path().extension().is_some_and(|e| e == "json") {
                    texts.push(std::fs::read_to_string(file.path()).unwrap());
                }
            }
        }
        assert!(texts.len() > 5, "the example specs are read");
        for text in texts {
            let full = SpecText::new("spec.json", text.clone());
            let index = full.ranges().clone();
            let walked = SpecText::new("spec.json", text.clone());
            for (path, range) in &index {
                assert_eq!(walked.range_at(path), Some(*range), "{path} in {text}");
            }
            assert!(walked.ranges.get().is_none(), "plain JSON needs no full index");
            for missing in ["nowhere", "models[99999]", "models[0].nope", "models[00]", "a.", "[0", "a[0]"] {
                assert_eq!(walked.range_at(missing), index.get(missing).copied(), "{missing}");
            }
        }
    }

    #[test]
    fn text_that_is_not_plain_json_falls_back_to_the_full_index() {
        let text = "{\n  // a comment\n  \"a\": 'x'\n}";
        let spec = SpecText::new("spec.json", text.to_string());
        assert_eq!(spec.locate("a").line, 3);
    }
}
