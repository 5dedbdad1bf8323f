//! Byte-level mutations of real files (the example's spec and model code): deletions,
//! insertions of hostile tokens, duplications, flipped bytes, truncations. A mutant that is not
//! UTF-8 is read lossily, as a text that reached the loader would be after its UTF-8 check.

use proptest::prelude::*;
use proptest::sample::select;

/// One edit; positions are fractions of the current length, so an edit shrinks independently
/// of the text it applies to.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Remove `len` bytes.
    Delete(f64, usize),
    /// Insert a token.
    Insert(f64, &'static str),
    /// Copy `len` bytes to another place.
    Duplicate(f64, usize, f64),
    /// XOR one byte.
    Flip(f64, u8),
    /// Cut the text off.
    Truncate(f64),
    /// Repeat a token many times (long runs, deep brackets).
    Repeat(f64, &'static str, usize),
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "'",
    "`",
    ",",
    ":",
    ";",
    "\\",
    "\\u",
    "\\ud800",
    "\n",
    "\r\n",
    "\t",
    "\0",
    "\u{feff}",
    "\u{202e}",
    "😀",
    "é",
    "${",
    "}}",
    "{{",
    "{%",
    "{#",
    "/*",
    "*/",
    "--",
    "#",
    "r'",
    "-1e999",
    "1e400",
    "NaN",
    "-0",
    "null",
    "true",
    "[]",
    "{}",
    "\"\"",
    "9999999999999999999999",
    "SELECT",
    "FROM",
    "UNION ALL",
    "config {",
    "js {",
    "pre_operations {",
    "${ref(\"x\")}",
    "${self()}",
    "\"models\": []",
    "\"name\": \"\"",
    "\"type\": \"STRUCT<a INT64>\"",
    "\"transform\": \"CASE WHEN\"",
    "\"expression\": \"(((((\"",
    "AS",
    "OVER (",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0.0f64..1.0;
    prop_oneof![
        3 => (at.clone(), 1usize..40).prop_map(|(a, n)| Mutation::Delete(a, n)),
        4 => (at.clone(), select(TOKENS.to_vec())).prop_map(|(a, t)| Mutation::Insert(a, t)),
        1 => (at.clone(), 1usize..200, at.clone()).prop_map(|(a, n, b)| Mutation::Duplicate(a, n, b)),
        2 => (at.clone(), 1u8..=255).prop_map(|(a, x)| Mutation::Flip(a, x)),
        1 => at.clone().prop_map(Mutation::Truncate),
        1 => (at, select(vec!["(", "[", "{", "x", "a OR ", "+1", "\\\\", "${ref(\"x\")}"]), 1usize..3000)
            .prop_map(|(a, t, n)| Mutation::Repeat(a, t, n)),
    ]
}

fn position(bytes: &[u8], at: f64) -> usize {
    ((bytes.len() as f64) * at) as usize
}

/// Applies `mutations` in order.
pub fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for m in mutations {
        match *m {
            Mutation::Delete(at, len) => {
                let start = position(&bytes, at);
                let end = (start + len).min(bytes.len());
                bytes.drain(start..end);
            }
            Mutation::Insert(at, token) => {
                let start = position(&bytes, at);
                bytes.splice(start..start, token.bytes());
            }
            Mutation::Duplicate(at, len, to) => {
                let start = position(&bytes, at);
                let end = (start + len).min(bytes.len());
                let copy = bytes[start..end].to_vec();
                let to = position(&bytes, to);
                bytes.splice(to..to, copy);
            }
            Mutation::Flip(at, x) => {
                let i = position(&bytes, at);
                if let Some(b) = bytes.get_mut(i) {
                    *b ^= x;
                }
            }
            Mutation::Truncate(at) => {
                let cut = position(&bytes, at);
                bytes.truncate(cut);
            }
            Mutation::Repeat(at, token, n) => {
                let start = position(&bytes, at);
                bytes.splice(start..start, token.repeat(n).into_bytes());
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One to four mutations.
pub fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    proptest::collection::vec(mutation(), 1..5)
}

/// One of `seeds` with one to four mutations; the pair is returned so a failure shows both.
pub fn mutant(seeds: Vec<(&'static str, String)>) -> BoxedStrategy<(&'static str, Vec<Mutation>, String)> {
    (select(seeds), mutations())
        .prop_map(|((name, text), mutations)| {
            let mutated = apply(&text, &mutations);
            (name, mutations, mutated)
        })
        .boxed()
}
