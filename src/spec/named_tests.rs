//! The tests a spec names on a column (`"tests": ["not_null", "accepted_values(...)"]`),
//! parsed into what they check.
//!
//! Arguments are SQL and are parsed with sqlparser; a test string is split into its name and
//! its parenthesised argument text only, never pattern-matched further.

use crate::spec::model::Dialect;
use crate::sql::parse::{parse_expression, parse_expression_list, SqlError};
use sqlparser::ast::Expr;
use sqlparser::tokenizer::{Token, Tokenizer};

/// A test named in the spec, parsed.
#[expect(clippy::large_enum_variant, reason = "built once per test string; boxing buys nothing")]
#[derive(Debug, Clone, PartialEq)]
pub enum SpecTest {
    /// No row has a null.
    NotNull,
    /// No two non-null values are equal.
    Unique,
    /// Every non-null value is one of these; `None` means "infer them from the CASE".
    AcceptedValues(Option<Vec<Expr>>),
    /// Every non-null value appears in `target.column`.
    Relationships {
        /// A model name, or a source's `schema.table`.
        target: String,
        /// The column of the target.
        column: String,
    },
    /// Every non-null value is within the bounds; either may be missing.
    AcceptedRange {
        /// Lower bound, inclusive.
        min: Option<Expr>,
        /// Upper bound, inclusive.
        max: Option<Expr>,
    },
    /// A boolean expression that holds on every row.
    Expression(Expr),
}

/// Why a test string is not a test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestError {
    /// The name is not a test spec-format.md defines.
    UnknownName(String),
    /// The name is known but the arguments are wrong; `at` is a position in the arguments'
    /// text, counted from the start of the test string (1-based character column), when known.
    BadArguments {
        /// What is wrong.
        message: String,
        /// 1-based character column in the test string.
        at: Option<u64>,
    },
}

/// The test names spec-format.md defines.
pub const TEST_NAMES: &[&str] =
    &["not_null", "unique", "accepted_values", "relationships", "accepted_range", "expression"];

/// Parses one test string.
pub fn parse_test(text: &str, dialect: Dialect) -> Result<SpecTest, TestError> {
    let text = text.trim();
    let (name, args) = match text.find('(') {
        Some(open) => {
            let Some(inner) = text[open + 1..].strip_suffix(')') else {
                return Err(bad("the argument list is not closed with `)`", Some(text.chars().count() as u64)));
            };
            (text[..open].trim(), Some((inner, text[..=open].chars().count() as u64)))
        }
        None => (text, None),
    };
    let lower = name.to_ascii_lowercase();
    let no_args = |test: SpecTest| match args {
        Some((inner, offset)) if !inner.trim().is_empty() => {
            Err(bad(&format!("`{name}` takes no arguments"), Some(offset + 1)))
        }
        _ => Ok(test),
    };
    match lower.as_str() {
        "not_null" => no_args(SpecTest::NotNull),
        "unique" => no_args(SpecTest::Unique),
        "accepted_values" => match args {
            None => Ok(SpecTest::AcceptedValues(None)),
            Some((inner, _)) if inner.trim().is_empty() || inner.trim() == "..." => Ok(SpecTest::AcceptedValues(None)),
            Some((inner, offset)) => {
                let values = parse_expression_list(inner, dialect).map_err(|e| sql_bad(e, offset))?;
                Ok(SpecTest::AcceptedValues(Some(values)))
            }
        },
        "relationships" => {
            let Some((inner, offset)) = args else {
                return Err(bad("`relationships` needs the column it refers to: relationships(model.column)", None));
            };
            let target = inner.trim();
            match target.rsplit_once('.') {
                Some((table, column)) if !table.trim().is_empty() && !column.trim().is_empty() => {
                    Ok(SpecTest::Relationships {
                        target: table.trim().trim_matches('`').to_string(),
                        column: column.trim().trim_matches('`').to_string(),
                    })
                }
                _ => Err(bad("write the referred column as relationships(model.column)", Some(offset + 1))),
            }
        }
        "accepted_range" => {
            let Some((inner, offset)) = args else {
                return Err(bad("`accepted_range` needs bounds: accepted_range(min, max)", None));
            };
            let parts = split_top_level(inner, dialect).map_err(|e| sql_bad(e, offset))?;
            if parts.len() != 2 {
                return Err(bad("`accepted_range` takes two bounds, either of which may be empty", Some(offset + 1)));
            }
            let bound = |(start, part): &(usize, &str)| -> Result<Option<Expr>, TestError> {
                if part.trim().is_empty() {
                    return Ok(None);
                }
                parse_expression(part, dialect).map(Some).map_err(|e| sql_bad(e, offset + *start as u64))
            };
            let min = bound(&parts[0])?;
            let max = bound(&parts[1])?;
            if min.is_none() && max.is_none() {
                return Err(bad("`accepted_range` needs at least one bound", Some(offset + 1)));
            }
            Ok(SpecTest::AcceptedRange { min, max })
        }
        "expression" => {
            let Some((inner, offset)) = args.filter(|(inner, _)| !inner.trim().is_empty()) else {
                return Err(bad("`expression` needs a boolean SQL expression: expression(<condition>)", None));
            };
            parse_expression(inner, dialect).map(SpecTest::Expression).map_err(|e| sql_bad(e, offset))
        }
        _ => Err(TestError::UnknownName(name.to_string())),
    }
}

fn bad(message: &str, at: Option<u64>) -> TestError {
    TestError::BadArguments { message: message.to_string(), at }
}

fn sql_bad(e: SqlError, offset: u64) -> TestError {
    let at = (e.line == 1).then_some(offset + e.column);
    bad(&e.message, at)
}

/// Splits `text` at commas that are not inside parentheses or strings, using the SQL
/// tokenizer so quoted commas stay where they are. Each part comes with its character offset.
fn split_top_level(text: &str, dialect: Dialect) -> Result<Vec<(usize, &str)>, SqlError> {
    let tokens =
        Tokenizer::new(crate::sql::parse::sqlparser_dialect(dialect), text).tokenize_with_location().map_err(|e| {
            SqlError { message: e.message, line: e.location.line, column: e.location.column, too_deep: false }
        })?;
    let char_to_byte: Vec<usize> = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect();
    let mut depth = 0i32;
    let mut parts = Vec::new();
    let mut start_char = 0usize;
    for token in &tokens {
        match token.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::Comma if depth == 0 && token.span.start.line == 1 => {
                let comma = token.span.start.column as usize - 1;
                parts.push((start_char, &text[char_to_byte[start_char]..char_to_byte[comma]]));
                start_char = comma + 1;
            }
            _ => {}
        }
    }
    parts.push((start_char, &text[char_to_byte[start_char.min(char_to_byte.len() - 1)]..]));
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SpecTest, TestError> {
        parse_test(text, Dialect::Bigquery)
    }

    #[test]
    fn simple_tests() {
        assert_eq!(parse("not_null"), Ok(SpecTest::NotNull));
        assert_eq!(parse(" unique "), Ok(SpecTest::Unique));
        assert_eq!(parse("accepted_values(...)"), Ok(SpecTest::AcceptedValues(None)));
        assert_eq!(parse("accepted_values"), Ok(SpecTest::AcceptedValues(None)));
        assert!(matches!(parse("accepted_values('a', 'b')"), Ok(SpecTest::AcceptedValues(Some(v))) if v.len() == 2));
    }

    #[test]
    fn relationships_and_ranges() {
        assert_eq!(
            parse("relationships(stg_customers.customer_id)"),
            Ok(SpecTest::Relationships { target: "stg_customers".into(), column: "customer_id".into() })
        );
        assert!(matches!(parse("accepted_range(0, )"), Ok(SpecTest::AcceptedRange { min: Some(_), max: None })));
        assert!(matches!(parse("accepted_range(, 100)"), Ok(SpecTest::AcceptedRange { min: None, max: Some(_) })));
        assert!(matches!(
            parse("accepted_range(-1.5, 10)"),
            Ok(SpecTest::AcceptedRange { min: Some(_), max: Some(_) })
        ));
        assert!(matches!(parse("accepted_range(, )"), Err(TestError::BadArguments { .. })));
        assert!(matches!(parse("accepted_range(1)"), Err(TestError::BadArguments { .. })));
        assert!(matches!(parse("relationships(customer_id)"), Err(TestError::BadArguments { .. })));
    }

    #[test]
    fn expressions_are_sql() {
        assert!(matches!(parse("expression(amount >= 0 AND amount < 1e9)"), Ok(SpecTest::Expression(_))));
        match parse("expression(amount >= )") {
            Err(TestError::BadArguments { at: Some(at), .. }) => assert!(at > 11, "{at}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_and_malformed_names() {
        assert_eq!(parse("notnull"), Err(TestError::UnknownName("notnull".into())));
        assert!(matches!(parse("not_null(x)"), Err(TestError::BadArguments { .. })));
        assert!(matches!(parse("accepted_values('a'"), Err(TestError::BadArguments { .. })));
    }
}
