//! Parsing SQL text with sqlparser, keeping the position of every failure.
//!
//! sqlparser reports a parse error as text; the position is taken from the token the parser
//! stopped at (its span), not from the text, so it is exact even for multi-line input.

use crate::sql::depth::{self, TooDeep};
use crate::sql::dialect::Dialect;
use sqlparser::ast::{Expr, Statement};
use sqlparser::dialect::{BigQueryDialect, DuckDbDialect};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Tokenizer};
use std::fmt;

/// Why a piece of SQL did not parse, and where (1-based line, column in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    /// The parser's message, without its own position suffix.
    pub message: String,
    /// 1-based line within the parsed text.
    pub line: u64,
    /// 1-based column within that line.
    pub column: u64,
    /// The text parsed, but nests deeper than [`depth::MAX_DEPTH`]: no walk of it is attempted.
    pub too_deep: bool,
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// The sqlparser dialect for a spec dialect.
pub fn sqlparser_dialect(dialect: Dialect) -> &'static dyn sqlparser::dialect::Dialect {
    match dialect {
        Dialect::Bigquery => &BigQueryDialect,
        Dialect::Duckdb => &DuckDbDialect,
    }
}

/// Parses a whole script of statements.
pub fn parse_statements(sql: &str, dialect: Dialect) -> Result<Vec<Statement>, SqlError> {
    let mut parser = parser_for(sql, dialect)?;
    let mut statements = parser.parse_statements().map_err(|e| error_at(&parser, e))?;
    if let Some(at) = depth::statements_too_deep(&statements) {
        return Err(nests_too_deeply(statements, at, (1, 1)));
    }
    if dialect == Dialect::Duckdb {
        statements.iter_mut().for_each(equals_are_comparisons);
    }
    Ok(statements)
}

/// Parses a script like [`parse_statements`], keeping where each statement starts (1-based
/// line and column of its first token): some statements (`ASSERT`) carry no span of their own.
pub fn parse_located_statements(sql: &str, dialect: Dialect) -> Result<Vec<(Statement, u64, u64)>, SqlError> {
    let mut parser = parser_for(sql, dialect)?;
    let mut statements = Vec::new();
    let mut expecting_delimiter = false;
    // The loop of sqlparser's own `parse_statements`, recording the first token of each.
    loop {
        while parser.consume_token(&Token::SemiColon) {
            expecting_delimiter = false;
        }
        let next = parser.peek_token_ref();
        if next.token == Token::EOF {
            break;
        }
        if expecting_delimiter {
            let next = next.clone();
            return Err(error_at(
                &parser,
                ParserError::ParserError(format!("Expected: end of statement, found: {}", next.token)),
            ));
        }
        let (line, column) = (next.span.start.line, next.span.start.column);
        let mut statement = parser.parse_statement().map_err(|e| error_at(&parser, e))?;
        if let Some(at) = depth::too_deep(&statement) {
            return Err(nests_too_deeply(statement, at, (line, column)));
        }
        if dialect == Dialect::Duckdb {
            equals_are_comparisons(&mut statement);
        }
        statements.push((statement, line, column));
        expecting_delimiter = true;
    }
    Ok(statements)
}

/// Every statement of a script that does not parse, each with its first error, in order.
///
/// sqlparser stops at the first error; a person fixing a generated file wants them all in one
/// round, as a compiler gives them. So after an error the parser skips to the next `;` at the
/// token level (a `;` inside a string or a comment is part of that token) and goes on.
pub fn parse_errors(sql: &str, dialect: Dialect) -> Vec<SqlError> {
    let mut parser = match parser_for(sql, dialect) {
        Ok(parser) => parser,
        Err(error) => return vec![error],
    };
    let mut errors = Vec::new();
    let mut expecting_delimiter = false;
    loop {
        while parser.consume_token(&Token::SemiColon) {
            expecting_delimiter = false;
        }
        let next = parser.peek_token_ref();
        if next.token == Token::EOF {
            break;
        }
        let failed = if expecting_delimiter {
            let found = next.token.clone();
            Some(error_at(&parser, ParserError::ParserError(format!("Expected: end of statement, found: {found}"))))
        } else {
            let (line, column) = (next.span.start.line, next.span.start.column);
            match parser.parse_statement() {
                Ok(statement) => match depth::too_deep(&statement) {
                    Some(at) => Some(nests_too_deeply(statement, at, (line, column))),
                    None => {
                        expecting_delimiter = true;
                        None
                    }
                },
                Err(error) => Some(error_at(&parser, error)),
            }
        };
        if let Some(error) = failed {
            errors.push(error);
            expecting_delimiter = false;
            while !matches!(parser.peek_token_ref().token, Token::SemiColon | Token::EOF) {
                parser.next_token();
            }
        }
    }
    errors
}

/// The error for a tree that nests too deeply, at the node where the bounded walk stopped (or
/// at `start`, the statement or expression, when that node has no cheap position).
fn nests_too_deeply<T>(tree: T, at: TooDeep, start: (u64, u64)) -> SqlError {
    // Dropping the tree would recurse as deep as it nests, past any stack: it is left
    // allocated. Its size is bounded by the text it was parsed from, whose read is capped.
    std::mem::forget(tree);
    let (line, column) = if at.line > 0 { (at.line, at.column) } else { start };
    SqlError {
        message: format!("the SQL nests too deeply: more than {} levels of nesting", depth::MAX_DEPTH),
        line,
        column,
        too_deep: true,
    }
}

/// Parses one expression; anything after it is an error.
pub fn parse_expression(sql: &str, dialect: Dialect) -> Result<Expr, SqlError> {
    let mut parser = parser_for(sql, dialect)?;
    let mut expr = parser.parse_expr().map_err(|e| error_at(&parser, e))?;
    expect_end(&parser, "the end of the expression")?;
    if let Some(at) = depth::too_deep(&expr) {
        return Err(nests_too_deeply(expr, at, (1, 1)));
    }
    if dialect == Dialect::Duckdb {
        equals_are_comparisons(&mut expr);
    }
    Ok(expr)
}

/// Parses a comma-separated list of expressions (the arguments of a spec test).
pub fn parse_expression_list(sql: &str, dialect: Dialect) -> Result<Vec<Expr>, SqlError> {
    let mut parser = parser_for(sql, dialect)?;
    let mut list = parser.parse_comma_separated(Parser::parse_expr).map_err(|e| error_at(&parser, e))?;
    expect_end(&parser, "the list")?;
    if let Some(at) = list.iter().find_map(depth::too_deep) {
        return Err(nests_too_deeply(list, at, (1, 1)));
    }
    if dialect == Dialect::Duckdb {
        list.iter_mut().for_each(equals_are_comparisons);
    }
    Ok(list)
}

/// Puts back the comparisons sqlparser's DuckDB dialect reads as named arguments: it takes
/// `coalesce(a = b, TRUE)` as `coalesce(a := b, TRUE)`, while DuckDB itself compares `a` with
/// `b` there (a scalar function has no parameter named by `=`). Left as a name, `a` would go
/// missing from lineage and a correct column be reported as not reading it.
fn equals_are_comparisons<T: sqlparser::ast::VisitMut>(tree: &mut T) {
    use sqlparser::ast::{BinaryOperator, FunctionArg, FunctionArgExpr, FunctionArgOperator, FunctionArguments};
    let _ = sqlparser::ast::visit_expressions_mut(tree, |expr| {
        if let Expr::Function(f) = expr {
            if let FunctionArguments::List(list) = &mut f.args {
                for arg in &mut list.args {
                    if let FunctionArg::Named {
                        name,
                        arg: FunctionArgExpr::Expr(value),
                        operator: FunctionArgOperator::Equals,
                    } = arg
                    {
                        let comparison = Expr::BinaryOp {
                            left: Box::new(Expr::Identifier(name.clone())),
                            op: BinaryOperator::Eq,
                            right: Box::new(value.clone()),
                        };
                        *arg = FunctionArg::Unnamed(FunctionArgExpr::Expr(comparison));
                    }
                }
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
}

/// Text after what was parsed is an error at its first token.
fn expect_end(parser: &Parser<'_>, after: &str) -> Result<(), SqlError> {
    let next = parser.peek_token_ref();
    if next.token == Token::EOF {
        return Ok(());
    }
    Err(SqlError {
        message: format!("unexpected `{}` after {after}", next.token),
        line: next.span.start.line,
        column: next.span.start.column,
        too_deep: false,
    })
}

fn parser_for(sql: &str, dialect: Dialect) -> Result<Parser<'static>, SqlError> {
    let dialect = sqlparser_dialect(dialect);
    let tokens = Tokenizer::new(dialect, sql).tokenize_with_location().map_err(|e| SqlError {
        message: strip_position(&e.message),
        line: e.location.line,
        column: e.location.column,
        too_deep: false,
    })?;
    Ok(Parser::new(dialect).with_tokens_with_locations(tokens))
}

fn error_at(parser: &Parser<'_>, error: ParserError) -> SqlError {
    let too_deep = matches!(error, ParserError::RecursionLimitExceeded);
    let message = match error {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => strip_position(&m),
        ParserError::RecursionLimitExceeded => "the SQL nests too deeply: too many levels of parentheses".to_string(),
    };
    // The parser reports the token it has just consumed and could not use; at the end of
    // the input that is EOF, which has no position, so the error points past the last token.
    let current = parser.get_current_token();
    // Most rules report the token they peeked at (the offending one, not yet consumed); the
    // message names it ("found: x").
    let next = parser.peek_token_ref();
    let found = message.rsplit_once("found: ").map(|(_, f)| f.trim());
    let peeked = found.is_some_and(|f| f == next.token.to_string());
    let (line, column) = if peeked && next.span.start.line > 0 {
        (next.span.start.line, next.span.start.column)
    } else if current.token == Token::EOF || current.span.start.line == 0 {
        let previous = parser.get_previous_token().span;
        (previous.end.line.max(1), previous.end.column.max(1))
    } else {
        (current.span.start.line, current.span.start.column)
    };
    SqlError { message, line, column, too_deep }
}

/// sqlparser appends " at Line: L, Column: C"; positions are reported in their own fields.
fn strip_position(message: &str) -> String {
    match message.rfind(" at Line: ") {
        Some(cut) => message[..cut].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_point_at_the_offending_token() {
        let err = parse_expression("LOWER(x) +\n  , 3", Dialect::Bigquery).unwrap_err();
        assert_eq!((err.line, err.column), (2, 3));
        assert!(!err.message.contains("Line:"), "{}", err.message);
    }

    #[test]
    fn errors_on_a_peeked_token_point_at_it() {
        let err = parse_statements("SELECT a,\n  FROM `t.u` x y\n", Dialect::Bigquery).unwrap_err();
        assert_eq!((err.line, err.column), (2, 16), "{err}");
    }

    #[test]
    fn every_statement_that_does_not_parse_is_reported() {
        let sql = "SELECT a FROM t;\nSELECT FROM WHERE;\nSELECT ';' AS semi FROM t;\nSELECT b c d FROM t;\nSELECT 1";
        let errors = parse_errors(sql, Dialect::Bigquery);
        let places: Vec<(u64, u64)> = errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(places, [(2, 8), (4, 12)], "{errors:?}");
        assert!(parse_errors("SELECT 1; SELECT 2", Dialect::Duckdb).is_empty());
        assert_eq!(parse_errors("SELECT 'unterminated", Dialect::Duckdb).len(), 1);
    }

    #[test]
    fn trailing_tokens_are_errors() {
        let err = parse_expression("a = 1 b", Dialect::Bigquery).unwrap_err();
        assert_eq!((err.line, err.column), (1, 7));
    }

    #[test]
    fn unterminated_strings_are_tokenizer_errors_with_positions() {
        let err = parse_expression("CONCAT('a", Dialect::Bigquery).unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.column >= 8, "{err}");
    }

    #[test]
    fn bigquery_raw_strings_and_countif_parse() {
        parse_expression("REGEXP_CONTAINS(x, r'^1?[0-9]{10}$')", Dialect::Bigquery).unwrap();
        parse_expression("COUNTIF(status = 'OPEN')", Dialect::Bigquery).unwrap();
        let list = parse_expression_list("'a', 'b', 3", Dialect::Bigquery).unwrap();
        assert_eq!(list.len(), 3);
    }

    #[test]
    fn located_statements_know_where_they_start() {
        let sql = "SELECT 1;\n\n  ASSERT (SELECT 1) = 1 AS 'one';;\nSELECT 2";
        for dialect in [Dialect::Bigquery, Dialect::Duckdb] {
            let found = parse_located_statements(sql, dialect).unwrap();
            let starts: Vec<(u64, u64)> = found.iter().map(|(_, l, c)| (*l, *c)).collect();
            assert_eq!(starts, [(1, 1), (3, 3), (4, 1)]);
            assert!(matches!(found[1].0, Statement::Assert { .. }));
        }
        let err = parse_located_statements("SELECT 1\nSELECT 2", Dialect::Bigquery).unwrap_err();
        assert_eq!((err.line, err.column), (2, 1), "{err}");
    }

    /// Found by the fuzzing harness (issue 13, tests/it/fuzz.rs): BigQuery's bit shifts are
    /// valid code that sqlparser 0.63's BigQuery dialect does not read ("No infix parser for
    /// token ShiftLeft"), so a model using them draws a parse finding about correct code. Not
    /// fixed here: the fix belongs in sqlparser's BigQuery dialect (its precedence table lacks
    /// the shift operators), and rewriting the text before parsing would move every position.
    #[test]
    #[ignore = "sqlparser 0.63's BigQuery dialect does not parse `<<` / `>>`; see the comment"]
    fn bigquery_bit_shifts_parse() {
        parse_expression("order_id << 2", Dialect::Bigquery).unwrap();
        parse_expression("order_id >> 2", Dialect::Bigquery).unwrap();
    }

    /// Found by the fuzzing harness's long run (docs/fuzzing.md): `IN ((SELECT …), b)`, a list
    /// whose first item is a scalar subquery, is read by sqlparser as `IN (<parenthesised
    /// query>)`, and the comma is then an error. Valid BigQuery, so a parse finding about correct
    /// code; the fix belongs in sqlparser.
    #[test]
    #[ignore = "sqlparser 0.63 reads `IN ((SELECT …), b)` as an IN subquery; see the comment"]
    fn an_in_list_opening_with_a_subquery_parses() {
        parse_expression("a IN ((SELECT 1), b)", Dialect::Bigquery).unwrap();
    }

    #[test]
    fn statements_parse_in_both_dialects() {
        let ddl = "CREATE TABLE raw.t (a INT64 NOT NULL, PRIMARY KEY (a) NOT ENFORCED);";
        assert_eq!(parse_statements(ddl, Dialect::Bigquery).unwrap().len(), 1);
        let ddl = "CREATE TABLE raw.t (a BIGINT NOT NULL, b VARCHAR);";
        assert_eq!(parse_statements(ddl, Dialect::Duckdb).unwrap().len(), 1);
    }

    #[test]
    fn an_equality_inside_a_duckdb_call_is_a_comparison() {
        let expr = parse_expression("coalesce(parent = id, TRUE)", Dialect::Duckdb).unwrap();
        assert_eq!(expr.to_string(), "coalesce(parent = id, true)");
        let refs: Vec<String> = crate::sql::expr::column_refs(&expr).into_iter().map(|r| r.column).collect();
        assert_eq!(refs, ["parent", "id"]);
        let statements = parse_statements("SELECT ifnull(a = b, FALSE) AS x FROM t", Dialect::Duckdb).unwrap();
        assert!(statements[0].to_string().contains("ifnull(a = b, false)"), "{}", statements[0]);
        // `:=` and `=>` stay named arguments.
        let named = parse_expression("struct_pack(a := 1)", Dialect::Duckdb).unwrap();
        assert!(crate::sql::expr::column_refs(&named).is_empty());
    }
}
