//! Strings and regular expressions: `CONCAT`, `TRIM`, padding, `SUBSTR`, `SPLIT`, and the
//! `REGEXP_*` functions.

use super::call::{renamed, Call, Family};
use super::literals::string_literal;
use super::rewrite::{template, templated, Rewrite};
use sqlparser::ast::{Expr, Value};

/// Unicode White_Space, which BigQuery's TRIM strips (DuckDB's strips spaces only).
const WHITESPACE_CLASS: &str = r"[\x{09}-\x{0D}\x{85}\p{Z}]";

/// The string functions: BigQuery's NULLs, errors and whitespace where DuckDB differs.
pub(super) fn string_function(call: &Call) -> Family {
    let Call { function, name, args: a } = *call;
    Ok(Some(match name {
        // BigQuery: NULL if any argument is NULL. DuckDB's `concat` skips NULLs; `||` does not.
        "CONCAT" => {
            if a.is_empty() {
                return Err("CONCAT without arguments".to_string());
            }
            let mut text = (0..a.len()).map(|i| format!("__a{i}")).collect::<Vec<_>>().join(" || ");
            if a.len() == 1 {
                text.push_str(" || ''");
            }
            templated(&format!("({text})"), a)
        }
        "LTRIM" | "RTRIM" => match a.len() {
            1 => trim(a[0], name).map(Some),
            2 => Ok(Some(renamed(function, &name.to_ascii_lowercase()))),
            _ => Err(format!("{name} with {} arguments is not translated", a.len())),
        },
        "LPAD" | "RPAD" => match a.len() {
            2 => templated(&format!("{}(__a0, __a1, ' ')", name.to_ascii_lowercase()), a),
            3 => Ok(Some(renamed(function, &name.to_ascii_lowercase()))),
            _ => Err(format!("{name} with {} arguments is not translated", a.len())),
        },
        // BigQuery stops on a negative count; DuckDB counts from the other end or returns ''.
        "LEFT" | "RIGHT" | "REPEAT" => {
            call.arity(&[2])?;
            let text = format!(
                "CASE WHEN __a1 < 0 THEN error('second argument of {name} is negative') ELSE {}(__a0, __a1) END",
                name.to_ascii_lowercase()
            );
            templated(&text, a)
        }
        "SPLIT" => match a.len() {
            1 => templated("string_split(__a0, ',')", a),
            2 => templated("string_split(__a0, __a1)", a),
            _ => Err(format!("SPLIT with {} arguments is not translated", a.len())),
        },
        "SUBSTR" | "SUBSTRING" => match a.len() {
            2 => substring(a[0], a[1], None).map(Some),
            3 => substring(a[0], a[1], Some(a[2])).map(Some),
            _ => Err(format!("{name} with {} arguments is not translated", a.len())),
        },
        _ => return Ok(None),
    }))
}

/// The `REGEXP_*` functions: BigQuery replaces every match and returns NULL for no match.
pub(super) fn regexp_function(call: &Call) -> Family {
    let Call { name, args: a, .. } = *call;
    Ok(Some(match name {
        "REGEXP_CONTAINS" => {
            call.arity(&[2])?;
            templated("regexp_matches(__a0, __a1)", a)
        }
        "REGEXP_REPLACE" => {
            call.arity(&[3])?;
            templated("regexp_replace(__a0, __a1, __a2, 'g')", a)
        }
        "REGEXP_EXTRACT" | "REGEXP_SUBSTR" | "REGEXP_EXTRACT_ALL" => regexp_extract(name, a),
        _ => return Ok(None),
    }))
}

pub(super) fn trim(operand: &Expr, which: &str) -> Result<Expr, String> {
    let pattern = match which {
        "LTRIM" => format!("^{WHITESPACE_CLASS}+"),
        "RTRIM" => format!("{WHITESPACE_CLASS}+$"),
        _ => format!("^{WHITESPACE_CLASS}+|{WHITESPACE_CLASS}+$"),
    };
    template(&format!("regexp_replace(__a0, '{pattern}', '', 'g')"), &[operand])
}

pub(super) fn substring(s: &Expr, from: &Expr, length: Option<&Expr>) -> Result<Expr, String> {
    // BigQuery starts at 1 when the position is 0 or before the start; DuckDB counts from 0
    // and takes fewer characters. A negative length is an error in BigQuery.
    let position = if matches!(positive_integer(from), Some(p) if p > 0) {
        "__a1"
    } else {
        "CASE WHEN __a1 = 0 OR __a1 < -length(__a0) THEN 1 ELSE __a1 END"
    };
    match length {
        None => template(&format!("substr(__a0, {position})"), &[s, from]),
        Some(length) => {
            let length_text = if positive_integer(length).is_some() {
                "__a2"
            } else {
                "CASE WHEN __a2 < 0 THEN error('third argument of SUBSTR cannot be negative') ELSE __a2 END"
            };
            template(&format!("substr(__a0, {position}, {length_text})"), &[s, from, length])
        }
    }
}

fn positive_integer(expr: &Expr) -> Option<u64> {
    match expr {
        Expr::Nested(inner) => positive_integer(inner),
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// BigQuery's REGEXP_EXTRACT returns the capture group when the pattern has one, the match when it
/// has none, and NULL when nothing matches; DuckDB's returns '' when nothing matches and needs the
/// group number. The number of groups can only be read from a literal pattern.
fn regexp_extract(name: &str, a: &[&Expr]) -> Rewrite {
    if a.len() != 2 {
        return Err(format!("{name} with a position or occurrence is not translated"));
    }
    let Some(pattern) = string_literal(a[1]) else {
        return Err(format!("{name} with a computed pattern is not translated (its capture groups are unknown)"));
    };
    let group = match capture_groups(&pattern) {
        0 => 0,
        1 => 1,
        n => return Err(format!("{name} pattern has {n} capture groups; BigQuery rejects more than one")),
    };
    if name == "REGEXP_EXTRACT_ALL" {
        templated(&format!("regexp_extract_all(__a0, __a1, {group})"), a)
    } else {
        templated(&format!("CASE WHEN regexp_matches(__a0, __a1) THEN regexp_extract(__a0, __a1, {group}) END"), a)
    }
}

/// Capturing groups of an RE2 pattern: `(` not escaped, not in a class, not `(?…` except the
/// named `(?P<…>`.
fn capture_groups(pattern: &str) -> usize {
    let chars: Vec<char> = pattern.chars().collect();
    let mut count = 0;
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => {
                let named = chars.get(i + 1) == Some(&'?') && chars.get(i + 2) == Some(&'P');
                if chars.get(i + 1) != Some(&'?') || named {
                    count += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use crate::sql::bridge::test_support::*;

    #[test]
    fn regexp_replace_replaces_every_match() {
        is("REGEXP_REPLACE('a1b2', '[0-9]', '')", "ab");
        is(r"REGEXP_REPLACE('abc', 'b', r'[\0]')", "a[b]c");
    }

    #[test]
    fn concat_is_null_when_any_argument_is_null() {
        is_null("CONCAT('a', NULL)");
        is_null("CONCAT(NULL, 'a', 'b')");
        is("CONCAT('a', 'b', 'c')", "abc");
        is("CONCAT('a')", "a");
    }

    #[test]
    fn trim_strips_all_unicode_whitespace() {
        is(r"TRIM('\t x \n')", "x");
        is("TRIM('\u{a0}\u{2003}x\u{3000}\u{85}\u{b}')", "x");
        is(r"LTRIM('\t x \n')", "x \n");
        is(r"RTRIM('\t x \n')", "\t x");
        is("TRIM('   ')", "");
        is("TRIM(' a b ')", "a b");
        // The two-argument form strips the given characters in both engines.
        is("TRIM('xxaxx', 'x')", "a");
        is("LTRIM('xxaxx', 'x')", "axx");
        is_null("TRIM(NULL)");
    }

    #[test]
    fn regexp_functions() {
        is("REGEXP_CONTAINS('abc', 'b')", "true");
        is("REGEXP_CONTAINS('abc', '^b')", "false");
        is_null("REGEXP_EXTRACT('abc', 'x')");
        is("REGEXP_EXTRACT('abc', 'b.')", "bc");
        is("REGEXP_EXTRACT('abc', 'b(c)')", "c");
        is("REGEXP_EXTRACT('abc', 'b(?:c)')", "bc");
        is(r"REGEXP_EXTRACT('a(c', r'a\((c)')", "c");
        is("REGEXP_EXTRACT_ALL('a1b22', '[0-9]+')", "[1, 22]");
        is("REGEXP_EXTRACT_ALL('a1b22', 'b([0-9]+)')", "[22]");
        assert_eq!(problems("REGEXP_EXTRACT(s, '(a)(b)')").len(), 1);
        assert_eq!(problems("REGEXP_EXTRACT(s, pattern_column)").len(), 1);
        assert_eq!(problems("REGEXP_EXTRACT(s, 'a', 2)").len(), 1);
    }

    #[test]
    fn string_functions() {
        is("STARTS_WITH('abc', 'a')", "true");
        is("ENDS_WITH('abc', 'bc')", "true");
        is("LENGTH('héllo')", "5");
        is("STRPOS('abc', 'c')", "3");
        is("STRPOS('abc', 'x')", "0");
        is("SUBSTR('abcdef', 2)", "bcdef");
        is("SUBSTR('abcdef', 2, 3)", "bcd");
        is("SUBSTR('abcdef', 0, 2)", "ab");
        is("SUBSTR('abcdef', -2)", "ef");
        is("SUBSTR('abcdef', -10, 3)", "abc");
        is("SUBSTR('abc', 10)", "");
        fails("SUBSTR('abc', 1, -1)", "cannot be negative");
        is("LPAD('7', 3, '0')", "007");
        is("LPAD('7', 3)", "  7");
        is("SPLIT('a,b')", "[a, b]");
        is("SPLIT('a|b', '|')", "[a, b]");
        is("UPPER('a')", "A");
        is("LEFT('abc', 2)", "ab");
        fails("LEFT('abc', -1)", "negative");
        is("REPEAT('ab', 2)", "abab");
        is("'a_b' LIKE 'a\\\\_b'", "true");
        is("'axb' LIKE 'a\\\\_b'", "false");
    }

    #[test]
    fn the_reference_example_phone_transform() {
        let transform = "CASE WHEN REGEXP_CONTAINS(REGEXP_REPLACE({from}, '[^0-9]', ''), r'^1?[0-9]{10}$') \
                         THEN CONCAT('+1', RIGHT(REGEXP_REPLACE({from}, '[^0-9]', ''), 10)) \
                         WHEN REGEXP_CONTAINS(REGEXP_REPLACE({from}, '[^0-9]', ''), r'^[0-9]{11,15}$') \
                         THEN CONCAT('+', REGEXP_REPLACE({from}, '[^0-9]', '')) ELSE NULL END";
        // DuckDB's first-match REGEXP_REPLACE would leave digits' separators in place.
        is(&transform.replace("{from}", "'(555) 123-4567'"), "+15551234567");
        is(&transform.replace("{from}", "'+44 20 7946 0958'"), "+442079460958");
        is_null(&transform.replace("{from}", "'12'"));
        is_null(&transform.replace("{from}", "NULL"));
        is("LOWER(TRIM('\\tAnn@Example.COM '))", "ann@example.com");
    }
}
