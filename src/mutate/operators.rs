//! The mutation operators: each takes one node of a parsed statement and returns the nodes it
//! can be changed into, each with the text edits that make the same change in the source (so
//! that the mutant keeps the file's templates, comments and layout). A mutant is made by one
//! operator at one site; sites are numbered in the visitor's order, so enumeration is
//! deterministic.

use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Distinct, DuplicateTreatment, Expr, FunctionArg, FunctionArgExpr,
    FunctionArguments, GroupByExpr, Ident, JoinOperator, ObjectNamePart, Query, Select, SetExpr, Spanned, Statement,
    Value, ValueWithSpan, VisitMut, VisitorMut,
};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan};
use std::ops::ControlFlow;

/// A documented kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operator {
    /// LEFT / INNER / FULL join swapped for another.
    JoinType,
    /// `=`↔`<>`, `<`↔`<=`, `>`↔`>=`.
    Comparison,
    /// `+`↔`-`, `*`↔`/`.
    Arithmetic,
    /// SUM↔AVG, MIN↔MAX, COUNT↔COUNT DISTINCT.
    Aggregate,
    /// A string literal compared with, listed in IN, or a CASE branch: case changed, or its
    /// last character dropped.
    StringLiteral,
    /// The results of a CASE's first two branches (or its only branch and ELSE) swapped.
    CaseSwap,
    /// One side of an AND dropped (a WHERE, ON or HAVING conjunct).
    DropConjunct,
    /// One GROUP BY key dropped.
    GroupByKey,
    /// COALESCE / IFNULL removed: its first argument alone.
    Coalesce,
    /// A CAST's target type changed (integer ↔ floating point, DATE ↔ TIMESTAMP).
    CastType,
    /// An integer constant plus or minus one.
    NumericConstant,
    /// DISTINCT added to or removed from a SELECT.
    Distinct,
    /// `LIMIT 1` added to the model's query.
    Limit,
    /// A column of a join's `ON a.x = b.y` replaced by another column of the same table that
    /// the statement reads.
    JoinColumn,
    /// A WHERE conjunct on a LEFT JOIN's right table moved into the join's ON.
    FilterAcrossJoin,
    /// `COALESCE(x, 0)` put around a column operand of arithmetic.
    CoalesceAdded,
    /// `IS [NOT] DISTINCT FROM` replaced by `<>` / `=` (the NULL handling of a change test).
    NullSafeComparison,
    /// TRUE↔FALSE (a current flag set, reset or tested).
    BooleanLiteral,
    /// `IS NULL`↔`IS NOT NULL`.
    NullTest,
}

impl Operator {
    /// Every operator, in documentation order.
    pub const ALL: [Operator; 19] = [
        Operator::JoinType,
        Operator::JoinColumn,
        Operator::FilterAcrossJoin,
        Operator::Comparison,
        Operator::Arithmetic,
        Operator::Aggregate,
        Operator::StringLiteral,
        Operator::CaseSwap,
        Operator::DropConjunct,
        Operator::GroupByKey,
        Operator::Coalesce,
        Operator::CoalesceAdded,
        Operator::CastType,
        Operator::NumericConstant,
        Operator::Distinct,
        Operator::Limit,
        Operator::NullSafeComparison,
        Operator::BooleanLiteral,
        Operator::NullTest,
    ];

    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Operator::JoinType => "join-type",
            Operator::JoinColumn => "join-column",
            Operator::FilterAcrossJoin => "filter-across-join",
            Operator::CoalesceAdded => "coalesce-added",
            Operator::Comparison => "comparison",
            Operator::Arithmetic => "arithmetic",
            Operator::Aggregate => "aggregate",
            Operator::StringLiteral => "string-literal",
            Operator::CaseSwap => "case-swap",
            Operator::DropConjunct => "drop-conjunct",
            Operator::GroupByKey => "group-by-key",
            Operator::Coalesce => "coalesce",
            Operator::CastType => "cast-type",
            Operator::NumericConstant => "numeric-constant",
            Operator::Distinct => "distinct",
            Operator::Limit => "limit",
            Operator::NullSafeComparison => "null-safe-comparison",
            Operator::BooleanLiteral => "boolean-literal",
            Operator::NullTest => "null-test",
        }
    }

    /// The operator a name names.
    pub fn from_name(name: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// A position in the parsed text: 1-based line and column (in characters).
pub type Pos = (u64, u64);

/// Replace the text from `start` to `end` (exclusive) with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    /// Where the replaced text starts.
    pub start: Pos,
    /// Where it ends (exclusive).
    pub end: Pos,
    /// What it becomes.
    pub text: String,
}

/// One change a node can undergo.
#[derive(Debug, Clone)]
pub struct Change<T> {
    /// The operator.
    pub operator: Operator,
    /// What changes, for a person (``SUM → AVG``).
    pub what: String,
    /// The node after the change.
    pub node: T,
    /// The text edits that make the same change.
    pub splices: Vec<Splice>,
}

/// The tokens of the parsed text, whitespace and comments left out, with their places.
pub struct Tokens {
    tokens: Vec<(Token, Pos, Pos)>,
    text: String,
}

fn pos(location: Location) -> Pos {
    (location.line, location.column)
}

impl Tokens {
    /// The tokens of `sql` as `dialect` reads them; `None` when it does not tokenize.
    pub fn new(sql: &str, dialect: &dyn sqlparser::dialect::Dialect) -> Option<Tokens> {
        let tokens: Vec<TokenWithSpan> =
            sqlparser::tokenizer::Tokenizer::new(dialect, sql).tokenize_with_location().ok()?;
        let tokens = tokens
            .into_iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
            .map(|t| (t.token, pos(t.span.start), pos(t.span.end)))
            .collect();
        Some(Tokens { tokens, text: sql.to_string() })
    }

    fn first_at_or_after(&self, at: Pos) -> Option<usize> {
        let i = self.tokens.partition_point(|t| t.1 < at);
        (i < self.tokens.len()).then_some(i)
    }

    fn last_before(&self, at: Pos) -> Option<usize> {
        self.tokens.partition_point(|t| t.2 <= at).checked_sub(1)
    }

    fn is(&self, i: usize, token: &Token) -> bool {
        self.tokens.get(i).is_some_and(|t| &t.0 == token)
    }

    fn is_word(&self, i: usize, word: &str) -> bool {
        matches!(self.tokens.get(i), Some((Token::Word(w), _, _)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
    }

    /// The `)` that closes the `(` at `open`.
    fn closing(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for (i, (token, _, _)) in self.tokens.iter().enumerate().skip(open) {
            match token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The tokens wholly between `start` and `end`.
    fn between(&self, start: Pos, end: Pos) -> std::ops::Range<usize> {
        let from = self.tokens.partition_point(|t| t.1 < start);
        let to = self.tokens.partition_point(|t| t.2 <= end);
        from..to.max(from)
    }

    /// The text from `start` to `end`.
    pub fn slice(&self, start: Pos, end: Pos) -> Option<&str> {
        let a = offset(&self.text, start)?;
        let b = offset(&self.text, end)?;
        self.text.get(a..b)
    }

    /// Where an expression's text starts and ends: sqlparser's spans leave out closing
    /// parentheses, a CAST's type and the words after an operand (`IS NULL`), so these are
    /// found among the tokens.
    pub fn extent(&self, expr: &Expr) -> Option<(Pos, Pos)> {
        let span = expr.span();
        let (start, end) = (pos(span.start), pos(span.end));
        let known = start.0 > 0 && end.0 > 0;
        match expr {
            Expr::Nested(inner) => {
                let (s, e) = self.extent(inner)?;
                let open = self.last_before(s).filter(|&i| self.is(i, &Token::LParen))?;
                let close = self.first_at_or_after(e).filter(|&i| self.is(i, &Token::RParen))?;
                Some((self.tokens[open].1, self.tokens[close].2))
            }
            Expr::Function(f) => {
                if f.over.is_some() || f.filter.is_some() || !f.within_group.is_empty() || !known {
                    return None;
                }
                let open = self.first_at_or_after(start)?;
                let open = (open..self.tokens.len()).find(|&i| self.is(i, &Token::LParen))?;
                let close = self.closing(open)?;
                Some((start, self.tokens[close].2))
            }
            Expr::Cast { kind: CastKind::Cast | CastKind::TryCast | CastKind::SafeCast, expr: inner, .. } => {
                let (s, _) = self.extent(inner)?;
                let open = self.last_before(s).filter(|&i| self.is(i, &Token::LParen))?;
                let word = open.checked_sub(1)?;
                let close = self.closing(open)?;
                Some((self.tokens[word].1, self.tokens[close].2))
            }
            Expr::IsNull(inner) | Expr::IsNotNull(inner) => {
                let (s, e) = self.extent(inner)?;
                let is = self.first_at_or_after(e).filter(|&i| self.is_word(i, "IS"))?;
                let null = (is + 1..is + 3).find(|&i| self.is_word(i, "NULL"))?;
                Some((s, self.tokens[null].2))
            }
            Expr::BinaryOp { left, right, .. }
            | Expr::IsDistinctFrom(left, right)
            | Expr::IsNotDistinctFrom(left, right) => Some((self.extent(left)?.0, self.extent(right)?.1)),
            Expr::UnaryOp { expr: inner, .. } => {
                let (s, e) = self.extent(inner)?;
                let op = self.last_before(s)?;
                Some((self.tokens[op].1, e))
            }
            Expr::Value(_) | Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Case { .. } if known => {
                Some((start, end))
            }
            _ => None,
        }
    }

    /// Replaces the tokens between two places (an operator between its operands) with `text`.
    fn replace_between(&self, start: Pos, end: Pos, text: &str) -> Option<Splice> {
        let range = self.between(start, end);
        if range.is_empty() || range.clone().any(|i| matches!(self.tokens[i].0, Token::LParen | Token::RParen)) {
            return None;
        }
        Some(Splice { start: self.tokens[range.start].1, end: self.tokens[range.end - 1].2, text: text.to_string() })
    }
}

/// The byte offset of a 1-based (line, column in characters) place in `text`.
pub fn offset(text: &str, (line, column): Pos) -> Option<usize> {
    let mut start = 0usize;
    for _ in 1..line {
        start += text.get(start..)?.find('\n')? + 1;
    }
    let rest = text.get(start..)?;
    let skip = usize::try_from(column.checked_sub(1)?).ok()?;
    match rest.char_indices().nth(skip) {
        Some((i, _)) => Some(start + i),
        None if rest.chars().count() == skip => Some(start + rest.len()),
        None => None,
    }
}

fn comparison_swap(op: &BinaryOperator) -> Option<BinaryOperator> {
    Some(match op {
        BinaryOperator::Eq => BinaryOperator::NotEq,
        BinaryOperator::NotEq => BinaryOperator::Eq,
        BinaryOperator::Lt => BinaryOperator::LtEq,
        BinaryOperator::LtEq => BinaryOperator::Lt,
        BinaryOperator::Gt => BinaryOperator::GtEq,
        BinaryOperator::GtEq => BinaryOperator::Gt,
        _ => return None,
    })
}

fn arithmetic_swap(op: &BinaryOperator) -> Option<BinaryOperator> {
    Some(match op {
        BinaryOperator::Plus => BinaryOperator::Minus,
        BinaryOperator::Minus => BinaryOperator::Plus,
        BinaryOperator::Multiply => BinaryOperator::Divide,
        BinaryOperator::Divide => BinaryOperator::Multiply,
        _ => return None,
    })
}

/// The literals a string operand can be changed into: case changed, last character dropped.
fn string_variants(value: &Value) -> Vec<Value> {
    let (text, make): (&str, fn(String) -> Value) = match value {
        Value::SingleQuotedString(s) => (s, Value::SingleQuotedString),
        Value::DoubleQuotedString(s) => (s, Value::DoubleQuotedString),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    let flipped = if text.chars().any(|c| c.is_lowercase()) { text.to_uppercase() } else { text.to_lowercase() };
    if flipped != text {
        out.push(make(flipped));
    }
    let mut shorter = text.to_string();
    if shorter.pop().is_some() {
        out.push(make(shorter));
    } else {
        out.push(make("x".into()));
    }
    out
}

fn literal(expr: &Expr) -> Option<&ValueWithSpan> {
    match expr {
        Expr::Value(v) => Some(v),
        _ => None,
    }
}

/// Changes of the string literal `child`, placed into `parent` by `put`.
fn literal_changes(
    tokens: &Tokens,
    parent: &Expr,
    child: &Expr,
    put: &dyn Fn(&mut Expr, Expr),
    out: &mut Vec<Change<Expr>>,
) {
    let Some(value) = literal(child) else { return };
    let Some((s, e)) = tokens.extent(child) else { return };
    for variant in string_variants(&value.value) {
        let mut node = parent.clone();
        put(&mut node, Expr::Value(ValueWithSpan { value: variant.clone(), span: value.span }));
        out.push(Change {
            operator: Operator::StringLiteral,
            what: format!("{} → {}", value.value, variant),
            node,
            splices: vec![Splice { start: s, end: e, text: variant.to_string() }],
        });
    }
}

fn function_name(f: &sqlparser::ast::Function) -> Option<&Ident> {
    match f.name.0.as_slice() {
        [ObjectNamePart::Identifier(ident)] => Some(ident),
        _ => None,
    }
}

/// In the case of the original: `sum` stays lower case.
fn like(original: &str, name: &str) -> String {
    if original.chars().any(|c| c.is_lowercase()) {
        name.to_lowercase()
    } else {
        name.to_string()
    }
}

fn data_type_swap(data_type: &DataType) -> Option<DataType> {
    Some(match data_type {
        DataType::Int64 => DataType::Float64,
        DataType::Float64 => DataType::Int64,
        DataType::BigInt(None) => DataType::Double(sqlparser::ast::ExactNumberInfo::None),
        DataType::Integer(None) | DataType::Int(None) => DataType::Double(sqlparser::ast::ExactNumberInfo::None),
        DataType::Double(_) => DataType::BigInt(None),
        DataType::Date => DataType::Timestamp(None, sqlparser::ast::TimezoneInfo::None),
        DataType::Timestamp(None, sqlparser::ast::TimezoneInfo::None) => DataType::Date,
        _ => return None,
    })
}

/// Every change of one expression (not of the expressions inside it).
pub fn expr_changes(expr: &Expr, tokens: &Tokens) -> Vec<Change<Expr>> {
    let mut out: Vec<Change<Expr>> = Vec::new();
    match expr {
        Expr::BinaryOp { left, op, right } => {
            let (Some((ls, le)), Some((rs, re))) = (tokens.extent(left), tokens.extent(right)) else { return out };
            let swapped = comparison_swap(op).map(|o| (Operator::Comparison, o));
            let swapped = swapped.or_else(|| arithmetic_swap(op).map(|o| (Operator::Arithmetic, o)));
            if let Some((operator, new)) = swapped {
                if let Some(splice) = tokens.replace_between(le, rs, &new.to_string()) {
                    let node = Expr::BinaryOp { left: left.clone(), op: new.clone(), right: right.clone() };
                    out.push(Change { operator, what: format!("`{op}` → `{new}`"), node, splices: vec![splice] });
                }
            }
            if arithmetic_swap(op).is_some() {
                for (side, operand, (s, e)) in [(0, left, (ls, le)), (1, right, (rs, re))] {
                    if !matches!(**operand, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
                        continue;
                    }
                    let Some(text) = tokens.slice(s, e) else { continue };
                    let Some(wrapped) = coalesce_of(operand) else { continue };
                    let mut node = expr.clone();
                    if let Expr::BinaryOp { left, right, .. } = &mut node {
                        let slot = if side == 0 { left } else { right };
                        **slot = wrapped;
                    }
                    out.push(Change {
                        operator: Operator::CoalesceAdded,
                        what: format!("`{operand}` → `COALESCE({operand}, 0)`"),
                        node,
                        splices: vec![Splice { start: s, end: e, text: format!("COALESCE({text}, 0)") }],
                    });
                }
            }
            if *op == BinaryOperator::And {
                out.push(Change {
                    operator: Operator::DropConjunct,
                    what: format!("conjunct `{right}` dropped"),
                    node: (**left).clone(),
                    splices: vec![Splice { start: le, end: re, text: String::new() }],
                });
                out.push(Change {
                    operator: Operator::DropConjunct,
                    what: format!("conjunct `{left}` dropped"),
                    node: (**right).clone(),
                    splices: vec![Splice { start: ls, end: rs, text: String::new() }],
                });
            }
            if comparison_swap(op).is_some() {
                let put_left = |e: &mut Expr, v: Expr| {
                    if let Expr::BinaryOp { left, .. } = e {
                        **left = v;
                    }
                };
                let put_right = |e: &mut Expr, v: Expr| {
                    if let Expr::BinaryOp { right, .. } = e {
                        **right = v;
                    }
                };
                literal_changes(tokens, expr, left, &put_left, &mut out);
                literal_changes(tokens, expr, right, &put_right, &mut out);
            }
        }
        Expr::InList { list, .. } => {
            for (i, item) in list.iter().enumerate() {
                let put = move |e: &mut Expr, v: Expr| {
                    if let Expr::InList { list, .. } = e {
                        if let Some(slot) = list.get_mut(i) {
                            *slot = v;
                        }
                    }
                };
                literal_changes(tokens, expr, item, &put, &mut out);
            }
        }
        Expr::Case { operand, conditions, else_result, .. } => {
            let result_extent = |e: &Expr| tokens.extent(e);
            // The first two results swapped, or the only one with ELSE.
            let second = conditions.get(1).map(|c| &c.result).or(else_result.as_deref());
            if let (Some(first), Some(second)) = (conditions.first().map(|c| &c.result), second) {
                if let (Some((a0, a1)), Some((b0, b1))) = (result_extent(first), result_extent(second)) {
                    if let (Some(ta), Some(tb)) = (tokens.slice(a0, a1), tokens.slice(b0, b1)) {
                        if first.to_string() != second.to_string() {
                            let mut node = expr.clone();
                            if let Expr::Case { conditions, else_result, .. } = &mut node {
                                let (x, y) = (first.clone(), second.clone());
                                conditions[0].result = y;
                                match conditions.get_mut(1) {
                                    Some(c) => c.result = x,
                                    None => *else_result = Some(Box::new(x)),
                                }
                            }
                            out.push(Change {
                                operator: Operator::CaseSwap,
                                what: format!("CASE results `{first}` and `{second}` swapped"),
                                node,
                                splices: vec![
                                    Splice { start: a0, end: a1, text: tb.to_string() },
                                    Splice { start: b0, end: b1, text: ta.to_string() },
                                ],
                            });
                        }
                    }
                }
            }
            for (i, branch) in conditions.iter().enumerate() {
                let put = move |e: &mut Expr, v: Expr| {
                    if let Expr::Case { conditions, .. } = e {
                        conditions[i].result = v;
                    }
                };
                literal_changes(tokens, expr, &branch.result, &put, &mut out);
                if operand.is_some() {
                    let put = move |e: &mut Expr, v: Expr| {
                        if let Expr::Case { conditions, .. } = e {
                            conditions[i].condition = v;
                        }
                    };
                    literal_changes(tokens, expr, &branch.condition, &put, &mut out);
                }
            }
            if let Some(else_result) = else_result {
                let put = |e: &mut Expr, v: Expr| {
                    if let Expr::Case { else_result: Some(r), .. } = e {
                        **r = v;
                    }
                };
                literal_changes(tokens, expr, else_result, &put, &mut out);
            }
        }
        Expr::Function(f) => function_changes(expr, f, tokens, &mut out),
        Expr::Cast {
            kind: CastKind::Cast | CastKind::TryCast | CastKind::SafeCast,
            expr: inner,
            data_type,
            format: None,
        } => {
            if let (Some(new), Some((_, e)), Some((_, end))) =
                (data_type_swap(data_type), tokens.extent(inner), tokens.extent(expr))
            {
                let range = tokens.between(e, end);
                // AS, the type's tokens, then the closing parenthesis.
                if range.len() >= 3 && tokens.is_word(range.start, "AS") {
                    let first = range.start + 1;
                    let last = range.end - 2;
                    let mut node = expr.clone();
                    if let Expr::Cast { data_type, .. } = &mut node {
                        *data_type = new.clone();
                    }
                    out.push(Change {
                        operator: Operator::CastType,
                        what: format!("CAST AS {data_type} → AS {new}"),
                        node,
                        splices: vec![Splice {
                            start: tokens.tokens[first].1,
                            end: tokens.tokens[last].2,
                            text: new.to_string(),
                        }],
                    });
                }
            }
        }
        Expr::Value(v) => {
            if let (Value::Number(n, long), Some((s, e))) = (&v.value, tokens.extent(expr)) {
                if let Ok(i) = n.parse::<i64>() {
                    let mut variants = vec![i.checked_add(1)];
                    if i >= 1 {
                        variants.push(Some(i - 1));
                    }
                    for new in variants.into_iter().flatten() {
                        let value = Value::Number(new.to_string(), *long);
                        out.push(Change {
                            operator: Operator::NumericConstant,
                            what: format!("{n} → {new}"),
                            node: Expr::Value(ValueWithSpan { value: value.clone(), span: v.span }),
                            splices: vec![Splice { start: s, end: e, text: value.to_string() }],
                        });
                    }
                }
            }
            if let (Value::Boolean(b), Some((s, e))) = (&v.value, tokens.extent(expr)) {
                let original = tokens.slice(s, e).unwrap_or("");
                let new = like(original, if *b { "FALSE" } else { "TRUE" });
                out.push(Change {
                    operator: Operator::BooleanLiteral,
                    what: format!("{original} → {new}"),
                    node: Expr::Value(ValueWithSpan { value: Value::Boolean(!*b), span: v.span }),
                    splices: vec![Splice { start: s, end: e, text: new }],
                });
            }
        }
        Expr::IsDistinctFrom(left, right) | Expr::IsNotDistinctFrom(left, right) => {
            let distinct = matches!(expr, Expr::IsDistinctFrom(..));
            let op = if distinct { BinaryOperator::NotEq } else { BinaryOperator::Eq };
            if let (Some((_, le)), Some((rs, _))) = (tokens.extent(left), tokens.extent(right)) {
                if let Some(splice) = tokens.replace_between(le, rs, &op.to_string()) {
                    let was = if distinct { "IS DISTINCT FROM" } else { "IS NOT DISTINCT FROM" };
                    out.push(Change {
                        operator: Operator::NullSafeComparison,
                        what: format!("`{was}` → `{op}`"),
                        node: Expr::BinaryOp { left: left.clone(), op, right: right.clone() },
                        splices: vec![splice],
                    });
                }
            }
        }
        Expr::IsNull(inner) | Expr::IsNotNull(inner) => {
            let null = matches!(expr, Expr::IsNull(_));
            if let (Some((_, ie)), Some((_, e))) = (tokens.extent(inner), tokens.extent(expr)) {
                let range = tokens.between(ie, e);
                if !range.is_empty() {
                    let new = if null { "IS NOT NULL" } else { "IS NULL" };
                    out.push(Change {
                        operator: Operator::NullTest,
                        what: format!("`{}` → `{new}`", if null { "IS NULL" } else { "IS NOT NULL" }),
                        node: if null { Expr::IsNotNull(inner.clone()) } else { Expr::IsNull(inner.clone()) },
                        splices: vec![Splice {
                            start: tokens.tokens[range.start].1,
                            end: tokens.tokens[range.end - 1].2,
                            text: new.to_string(),
                        }],
                    });
                }
            }
        }
        _ => {}
    }
    out
}

/// `COALESCE(operand, 0)` as a tree.
fn coalesce_of(operand: &Expr) -> Option<Expr> {
    let text = format!("COALESCE({operand}, 0)");
    sqlparser::parser::Parser::new(&sqlparser::dialect::GenericDialect {}).try_with_sql(&text).ok()?.parse_expr().ok()
}

fn function_changes(expr: &Expr, f: &sqlparser::ast::Function, tokens: &Tokens, out: &mut Vec<Change<Expr>>) {
    let Some(ident) = function_name(f) else { return };
    let FunctionArguments::List(list) = &f.args else { return };
    let Some((start, end)) = tokens.extent(expr) else { return };
    let upper = ident.value.to_uppercase();
    let renamed = match upper.as_str() {
        "SUM" => Some("AVG"),
        "AVG" => Some("SUM"),
        "MIN" => Some("MAX"),
        "MAX" => Some("MIN"),
        _ => None,
    };
    let name_end = pos(ident.span.end);
    if let Some(new) = renamed {
        if ident.quote_style.is_none() && pos(ident.span.start) == start {
            let text = like(&ident.value, new);
            let mut node = expr.clone();
            if let Expr::Function(g) = &mut node {
                g.name.0 = vec![ObjectNamePart::Identifier(Ident { value: text.clone(), ..ident.clone() })];
            }
            out.push(Change {
                operator: Operator::Aggregate,
                what: format!("{} → {new}", upper),
                node,
                splices: vec![Splice { start, end: name_end, text }],
            });
        }
    }
    let single = match list.args.as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))] => Some(arg),
        _ => None,
    };
    if let (true, Some(arg), Some((arg_start, _))) = (upper == "COUNT", single, single.and_then(|a| tokens.extent(a))) {
        let mut node = expr.clone();
        match list.duplicate_treatment {
            None => {
                if let Expr::Function(g) = &mut node {
                    if let FunctionArguments::List(l) = &mut g.args {
                        l.duplicate_treatment = Some(DuplicateTreatment::Distinct);
                    }
                }
                let text = format!("{} ", like(&ident.value, "DISTINCT"));
                out.push(Change {
                    operator: Operator::Aggregate,
                    what: format!("COUNT({arg}) → COUNT(DISTINCT {arg})"),
                    node,
                    splices: vec![Splice { start: arg_start, end: arg_start, text }],
                });
            }
            Some(DuplicateTreatment::Distinct) => {
                let range = tokens.between(name_end, arg_start);
                if let Some(word) = range.clone().find(|&i| tokens.is_word(i, "DISTINCT")) {
                    if let Expr::Function(g) = &mut node {
                        if let FunctionArguments::List(l) = &mut g.args {
                            l.duplicate_treatment = None;
                        }
                    }
                    out.push(Change {
                        operator: Operator::Aggregate,
                        what: format!("COUNT(DISTINCT {arg}) → COUNT({arg})"),
                        node,
                        splices: vec![Splice { start: tokens.tokens[word].1, end: arg_start, text: String::new() }],
                    });
                }
            }
            Some(DuplicateTreatment::All) => {}
        }
    }
    if matches!(upper.as_str(), "COALESCE" | "IFNULL") && list.args.len() >= 2 && list.duplicate_treatment.is_none() {
        if let FunctionArg::Unnamed(FunctionArgExpr::Expr(first)) = &list.args[0] {
            if let Some(text) = tokens.extent(first).and_then(|(s, e)| tokens.slice(s, e)) {
                out.push(Change {
                    operator: Operator::Coalesce,
                    what: format!("{upper}({first}, …) → {first}"),
                    node: first.clone(),
                    splices: vec![Splice { start, end, text: text.to_string() }],
                });
            }
        }
    }
}

fn join_keywords(op: &JoinOperator) -> Option<&'static str> {
    Some(match op {
        JoinOperator::Join(_) | JoinOperator::Inner(_) => "INNER",
        JoinOperator::Left(_) | JoinOperator::LeftOuter(_) => "LEFT",
        JoinOperator::FullOuter(_) => "FULL",
        JoinOperator::Right(_) | JoinOperator::RightOuter(_) => "RIGHT",
        _ => return None,
    })
}

fn join_constraint(op: &JoinOperator) -> Option<&sqlparser::ast::JoinConstraint> {
    match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c) => Some(c),
        _ => None,
    }
}

/// Every change of one SELECT (not of the SELECTs inside it): join types, GROUP BY keys,
/// DISTINCT.
pub fn select_changes(select: &Select, tokens: &Tokens, columns: &Columns) -> Vec<Change<Select>> {
    let mut out = Vec::new();
    join_column_changes(select, tokens, columns, &mut out);
    filter_across_join_changes(select, tokens, &mut out);
    for (t, from) in select.from.iter().enumerate() {
        for (j, join) in from.joins.iter().enumerate() {
            let (Some(kind), Some(constraint)) =
                (join_keywords(&join.join_operator), join_constraint(&join.join_operator))
            else {
                continue;
            };
            let start = pos(join.relation.span().start);
            let Some(first) = tokens.first_at_or_after(start) else { continue };
            // The join's words, read backwards from its table.
            let mut k = first;
            while k > 0 && ["JOIN", "LEFT", "RIGHT", "FULL", "OUTER", "INNER"].iter().any(|w| tokens.is_word(k - 1, w))
            {
                k -= 1;
                if tokens.is_word(k, "JOIN") && k != first - 1 {
                    break;
                }
            }
            if k == first || !tokens.is_word(first - 1, "JOIN") {
                continue;
            }
            for new in ["INNER", "LEFT", "FULL"] {
                if new == kind {
                    continue;
                }
                let c = constraint.clone();
                let operator = match new {
                    "INNER" => JoinOperator::Inner(c),
                    "LEFT" => JoinOperator::Left(c),
                    _ => JoinOperator::FullOuter(c),
                };
                let text = if new == "FULL" { "FULL OUTER JOIN".to_string() } else { format!("{new} JOIN") };
                let mut node = select.clone();
                node.from[t].joins[j].join_operator = operator;
                out.push(Change {
                    operator: Operator::JoinType,
                    what: format!("{kind} JOIN {} → {new} JOIN", join.relation),
                    node,
                    splices: vec![Splice { start: tokens.tokens[k].1, end: tokens.tokens[first - 1].2, text }],
                });
            }
        }
    }
    if let GroupByExpr::Expressions(keys, modifiers) = &select.group_by {
        if keys.len() >= 2 && modifiers.is_empty() {
            let extents: Option<Vec<(Pos, Pos)>> = keys.iter().map(|k| tokens.extent(k)).collect();
            if let Some(extents) = extents {
                for (i, key) in keys.iter().enumerate() {
                    let splice = if i == 0 {
                        Splice { start: extents[0].0, end: extents[1].0, text: String::new() }
                    } else {
                        Splice { start: extents[i - 1].1, end: extents[i].1, text: String::new() }
                    };
                    let mut node = select.clone();
                    let mut kept = keys.clone();
                    kept.remove(i);
                    node.group_by = GroupByExpr::Expressions(kept, Vec::new());
                    out.push(Change {
                        operator: Operator::GroupByKey,
                        what: format!("GROUP BY key `{key}` dropped"),
                        node,
                        splices: vec![splice],
                    });
                }
            }
        }
    }
    let select_end = pos(select.select_token.0.span.end);
    if select.top.is_none() && select_end.0 > 0 {
        match &select.distinct {
            None => {
                let mut node = select.clone();
                node.distinct = Some(Distinct::Distinct);
                out.push(Change {
                    operator: Operator::Distinct,
                    what: "DISTINCT added".into(),
                    node,
                    splices: vec![Splice { start: select_end, end: select_end, text: " DISTINCT".into() }],
                });
            }
            Some(Distinct::Distinct) => {
                if let Some(i) = tokens.first_at_or_after(select_end).filter(|&i| tokens.is_word(i, "DISTINCT")) {
                    let mut node = select.clone();
                    node.distinct = None;
                    out.push(Change {
                        operator: Operator::Distinct,
                        what: "DISTINCT removed".into(),
                        node,
                        splices: vec![Splice { start: select_end, end: tokens.tokens[i].2, text: String::new() }],
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// The columns a statement reads through each qualifier (`t.x`), in the order first read.
pub type Columns = Vec<(String, Vec<String>)>;

/// Every `qualifier.column` a statement names.
pub fn columns_of(statement: &Statement) -> Columns {
    let mut out: Columns = Vec::new();
    let _ = sqlparser::ast::visit_expressions(statement, |e| {
        if let Expr::CompoundIdentifier(parts) = e {
            if let [q, c] = parts.as_slice() {
                let q = q.value.to_lowercase();
                let i = match out.iter().position(|(name, _)| *name == q) {
                    Some(i) => i,
                    None => {
                        out.push((q, Vec::new()));
                        out.len() - 1
                    }
                };
                if !out[i].1.iter().any(|x| x.eq_ignore_ascii_case(&c.value)) {
                    out[i].1.push(c.value.clone());
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
    out
}

fn on_of(op: &mut JoinOperator) -> Option<&mut Expr> {
    match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c) => match c {
            sqlparser::ast::JoinConstraint::On(e) => Some(e),
            _ => None,
        },
        _ => None,
    }
}

/// The first `a.x = b.y` of a join's ON (itself, or the left-most of an AND chain).
fn first_equality(expr: &mut Expr) -> Option<&mut Expr> {
    match expr {
        Expr::BinaryOp { op: BinaryOperator::And, left, .. } => first_equality(left),
        Expr::BinaryOp { op: BinaryOperator::Eq, left, right }
            if matches!(**left, Expr::CompoundIdentifier(_)) && matches!(**right, Expr::CompoundIdentifier(_)) =>
        {
            Some(expr)
        }
        _ => None,
    }
}

/// The right side of each join's first `a.x = b.y` replaced by the first other column of its
/// table the statement reads.
fn join_column_changes(select: &Select, tokens: &Tokens, columns: &Columns, out: &mut Vec<Change<Select>>) {
    for t in 0..select.from.len() {
        for j in 0..select.from[t].joins.len() {
            let mut node = select.clone();
            let Some(on) = on_of(&mut node.from[t].joins[j].join_operator) else { continue };
            let Some(Expr::BinaryOp { right, .. }) = first_equality(on) else { continue };
            let Expr::CompoundIdentifier(parts) = &mut **right else { continue };
            let [q, c] = parts.as_mut_slice() else { continue };
            let was = Expr::CompoundIdentifier(vec![q.clone(), c.clone()]);
            let Some(other) = columns
                .iter()
                .find(|(name, _)| *name == q.value.to_lowercase())
                .and_then(|(_, cs)| cs.iter().find(|x| !x.eq_ignore_ascii_case(&c.value)))
            else {
                continue;
            };
            let Some((s, e)) = tokens.extent(&was) else { continue };
            let new = Ident { value: other.clone(), quote_style: c.quote_style, span: c.span };
            let text = format!("{}.{}", q, new);
            *c = new;
            out.push(Change {
                operator: Operator::JoinColumn,
                what: format!("join condition `{was}` → `{text}`"),
                node,
                splices: vec![Splice { start: s, end: e, text }],
            });
        }
    }
}

/// The conjuncts of an AND chain, left to right.
fn conjuncts(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::BinaryOp { op: BinaryOperator::And, left, right } => {
            let mut out = conjuncts(left);
            out.extend(conjuncts(right));
            out
        }
        other => vec![other],
    }
}

/// The qualifiers an expression's columns name; `None` when a column has none.
fn qualifiers(expr: &Expr) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut bare = false;
    let _ = sqlparser::ast::visit_expressions(expr, |e| {
        match e {
            Expr::CompoundIdentifier(parts) if parts.len() == 2 => out.push(parts[0].value.to_lowercase()),
            Expr::Identifier(_) | Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => bare = true,
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    (!bare && !out.is_empty()).then_some(out)
}

/// A WHERE conjunct that reads only a LEFT JOIN's right table moved into that join's ON: the
/// unmatched rows come back with NULLs instead of being filtered out.
fn filter_across_join_changes(select: &Select, tokens: &Tokens, out: &mut Vec<Change<Select>>) {
    let Some(selection) = &select.selection else { return };
    let parts = conjuncts(selection);
    for (t, from) in select.from.iter().enumerate() {
        for (j, join) in from.joins.iter().enumerate() {
            if !matches!(join.join_operator, JoinOperator::Left(_) | JoinOperator::LeftOuter(_)) {
                continue;
            }
            let alias = match &join.relation {
                sqlparser::ast::TableFactor::Table { alias: Some(a), .. } => a.name.value.to_lowercase(),
                sqlparser::ast::TableFactor::Table { name, .. } => match name.0.last() {
                    Some(ObjectNamePart::Identifier(i)) => i.value.to_lowercase(),
                    _ => continue,
                },
                _ => continue,
            };
            let mut probe = select.clone();
            let Some(on) = on_of(&mut probe.from[t].joins[j].join_operator) else { continue };
            let Some((_, on_end)) = tokens.extent(on) else { continue };
            if matches!(on, Expr::BinaryOp { op: BinaryOperator::Or, .. }) {
                continue;
            }
            for (k, part) in parts.iter().enumerate() {
                if !qualifiers(part).is_some_and(|q| q.iter().all(|x| *x == alias)) {
                    continue;
                }
                let extents: Option<Vec<(Pos, Pos)>> = parts.iter().map(|p| tokens.extent(p)).collect();
                let Some(extents) = extents else { continue };
                let Some(text) = tokens.slice(extents[k].0, extents[k].1) else { continue };
                if matches!(part, Expr::BinaryOp { op: BinaryOperator::Or, .. }) {
                    continue;
                }
                // Out of WHERE: the conjunct and its AND, or the whole WHERE when it is alone.
                let removed = if parts.len() == 1 {
                    let Some(word) = tokens.last_before(extents[0].0).filter(|&i| tokens.is_word(i, "WHERE")) else {
                        continue;
                    };
                    Splice { start: tokens.tokens[word].1, end: extents[0].1, text: String::new() }
                } else if k == 0 {
                    Splice { start: extents[0].0, end: extents[1].0, text: String::new() }
                } else {
                    Splice { start: extents[k - 1].1, end: extents[k].1, text: String::new() }
                };
                let mut node = probe.clone();
                let rest: Vec<Expr> =
                    parts.iter().enumerate().filter(|(i, _)| *i != k).map(|(_, p)| (*p).clone()).collect();
                node.selection = rest.into_iter().reduce(|a, b| Expr::BinaryOp {
                    left: Box::new(a),
                    op: BinaryOperator::And,
                    right: Box::new(b),
                });
                if let Some(on) = on_of(&mut node.from[t].joins[j].join_operator) {
                    let old = on.clone();
                    *on = Expr::BinaryOp {
                        left: Box::new(old),
                        op: BinaryOperator::And,
                        right: Box::new((*part).clone()),
                    };
                }
                out.push(Change {
                    operator: Operator::FilterAcrossJoin,
                    what: format!("WHERE `{part}` moved into the ON of the LEFT JOIN {}", join.relation),
                    node,
                    splices: vec![Splice { start: on_end, end: on_end, text: format!(" AND {text}") }, removed],
                });
            }
        }
    }
}

/// `LIMIT 1` added to a statement that is one query without a limit, at the end of its text.
pub fn limit_change(statement: &Statement, tokens: &Tokens) -> Option<Change<Statement>> {
    let Statement::Query(query) = statement else { return None };
    if query.limit_clause.is_some() || query.fetch.is_some() {
        return None;
    }
    // The statement's last token: sqlparser's span ends before a closing parenthesis.
    let from = tokens.first_at_or_after(pos(statement.span().start))?;
    let last = (from..tokens.tokens.len()).take_while(|&i| !tokens.is(i, &Token::SemiColon)).last()?;
    let end = tokens.tokens[last].2;
    let mut node = (**query).clone();
    node.limit_clause = Some(sqlparser::ast::LimitClause::LimitOffset {
        limit: Some(Expr::value(Value::Number("1".into(), false))),
        offset: None,
        limit_by: Vec::new(),
    });
    Some(Change {
        operator: Operator::Limit,
        what: "LIMIT 1 added".into(),
        node: Statement::Query(Box::new(node)),
        splices: vec![Splice { start: end, end, text: "\nLIMIT 1".into() }],
    })
}

/// Which node of a statement a walk stops at: expressions and SELECTs are counted apart, each
/// in the visitor's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Expr(usize),
    Select(usize),
}

/// Walks a statement: counts its expressions and SELECTs, and lists (or applies) the changes
/// at one of them.
struct Walk<'a> {
    tokens: &'a Tokens,
    columns: &'a Columns,
    exprs: usize,
    selects: usize,
    /// With `Some`, the change to apply: (target, which change of it).
    apply: Option<(Target, usize)>,
    applied: bool,
    /// Without `apply`: every (target, change) found, the change without its node.
    found: Vec<(Target, usize, Change<()>)>,
}

fn strip<T>(change: Change<T>) -> Change<()> {
    Change { operator: change.operator, what: change.what, node: (), splices: change.splices }
}

impl Walk<'_> {
    fn selects_of<'b>(body: &'b mut SetExpr, out: &mut Vec<&'b mut Select>) {
        match body {
            SetExpr::Select(select) => out.push(select),
            SetExpr::SetOperation { left, right, .. } => {
                Self::selects_of(left, out);
                Self::selects_of(right, out);
            }
            _ => {}
        }
    }
}

impl VisitorMut for Walk<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let here = Target::Expr(self.exprs);
        self.exprs += 1;
        match self.apply {
            Some((target, k)) if target == here && !self.applied => {
                if let Some(change) = expr_changes(expr, self.tokens).into_iter().nth(k) {
                    *expr = change.node;
                    self.applied = true;
                }
                ControlFlow::Break(())
            }
            Some(_) => ControlFlow::Continue(()),
            None => {
                for (k, change) in expr_changes(expr, self.tokens).into_iter().enumerate() {
                    self.found.push((here, k, strip(change)));
                }
                ControlFlow::Continue(())
            }
        }
    }

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let mut selects = Vec::new();
        Self::selects_of(&mut query.body, &mut selects);
        for select in selects {
            let here = Target::Select(self.selects);
            self.selects += 1;
            match self.apply {
                Some((target, k)) if target == here && !self.applied => {
                    if let Some(change) = select_changes(select, self.tokens, self.columns).into_iter().nth(k) {
                        *select = change.node;
                        self.applied = true;
                    }
                    return ControlFlow::Break(());
                }
                Some(_) => {}
                None => {
                    for (k, change) in select_changes(select, self.tokens, self.columns).into_iter().enumerate() {
                        self.found.push((here, k, strip(change)));
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// One mutant of a statement: the change, and the statement after it.
#[derive(Debug, Clone)]
pub struct StatementMutant {
    /// The change (its node left out).
    pub change: Change<()>,
    /// The statement after the change.
    pub statement: Statement,
}

/// Every mutant of `statement`, in visitor order (SELECT-level changes of a query come where
/// the query is visited, before its expressions), then the added LIMIT.
pub fn statement_mutants(statement: &Statement, tokens: &Tokens) -> Vec<StatementMutant> {
    let columns = columns_of(statement);
    let columns = &columns;
    let mut list = Walk { tokens, columns, exprs: 0, selects: 0, apply: None, applied: false, found: Vec::new() };
    let mut copy = statement.clone();
    let _ = copy.visit(&mut list);
    let mut out = Vec::new();
    for (target, k, change) in list.found {
        let mut walk =
            Walk { tokens, columns, exprs: 0, selects: 0, apply: Some((target, k)), applied: false, found: Vec::new() };
        let mut copy = statement.clone();
        let _ = copy.visit(&mut walk);
        if walk.applied {
            out.push(StatementMutant { change, statement: copy });
        }
    }
    if let Some(change) = limit_change(statement, tokens) {
        let statement = change.node.clone();
        out.push(StatementMutant { change: strip(change), statement });
    }
    out
}

/// `text` with `splices` (in `text`'s own places) applied; `None` when one falls outside it or
/// two overlap.
pub fn apply_splices(text: &str, splices: &[Splice]) -> Option<String> {
    let mut ranges: Vec<(usize, usize, &str)> = splices
        .iter()
        .map(|s| Some((offset(text, s.start)?, offset(text, s.end)?, s.text.as_str())))
        .collect::<Option<_>>()?;
    ranges.sort_by_key(|r| r.0);
    if ranges.windows(2).any(|w| w[0].1 > w[1].0) || ranges.iter().any(|r| r.0 > r.1) {
        return None;
    }
    let mut out = text.to_string();
    for (a, b, t) in ranges.into_iter().rev() {
        out.replace_range(a..b, t);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Dialect;
    use crate::sql::parse::{parse_statements, sqlparser_dialect};

    /// Every mutant of `sql` of `operator`, as the text the splices make; each must parse to
    /// the statement the AST change made.
    fn mutants(sql: &str, dialect: Dialect, operator: Operator) -> Vec<String> {
        let statements = parse_statements(sql, dialect).expect("parses");
        let tokens = Tokens::new(sql, sqlparser_dialect(dialect)).expect("tokenizes");
        let mut out = Vec::new();
        for mutant in statement_mutants(&statements[0], &tokens) {
            if mutant.change.operator != operator {
                continue;
            }
            let text = apply_splices(sql, &mutant.change.splices).expect("splices apply");
            let reparsed = parse_statements(&text, dialect).expect("the mutant parses");
            assert_eq!(reparsed[0].to_string(), mutant.statement.to_string(), "splice and AST agree for {text}");
            out.push(text);
        }
        out
    }

    fn bq(sql: &str, operator: Operator) -> Vec<String> {
        mutants(sql, Dialect::Bigquery, operator)
    }

    #[test]
    fn join_type() {
        let sql = "SELECT a.x FROM a LEFT JOIN b ON a.id = b.id";
        assert_eq!(
            bq(sql, Operator::JoinType),
            vec!["SELECT a.x FROM a INNER JOIN b ON a.id = b.id", "SELECT a.x FROM a FULL OUTER JOIN b ON a.id = b.id"]
        );
    }

    #[test]
    fn comparison_and_arithmetic() {
        assert_eq!(bq("SELECT x FROM t WHERE (a) >= 1", Operator::Comparison), vec!["SELECT x FROM t WHERE (a) > 1"]);
        assert_eq!(
            bq("SELECT (a + b) * c FROM t", Operator::Arithmetic),
            vec!["SELECT (a + b) / c FROM t", "SELECT (a - b) * c FROM t"]
        );
    }

    #[test]
    fn aggregate() {
        assert_eq!(
            bq("SELECT sum(x), COUNT(DISTINCT y) FROM t", Operator::Aggregate),
            vec!["SELECT avg(x), COUNT(DISTINCT y) FROM t", "SELECT sum(x), COUNT(y) FROM t"]
        );
        assert_eq!(
            bq("SELECT COUNT(y), MIN(z) FROM t", Operator::Aggregate),
            vec!["SELECT COUNT(DISTINCT y), MIN(z) FROM t", "SELECT COUNT(y), MAX(z) FROM t"]
        );
    }

    #[test]
    fn string_literal() {
        assert_eq!(
            bq("SELECT x FROM t WHERE s = 'Active'", Operator::StringLiteral),
            vec!["SELECT x FROM t WHERE s = 'ACTIVE'", "SELECT x FROM t WHERE s = 'Activ'"]
        );
        assert_eq!(
            bq("SELECT CASE WHEN a THEN 'y' ELSE 'N' END FROM t", Operator::StringLiteral),
            vec![
                "SELECT CASE WHEN a THEN 'Y' ELSE 'N' END FROM t",
                "SELECT CASE WHEN a THEN '' ELSE 'N' END FROM t",
                "SELECT CASE WHEN a THEN 'y' ELSE 'n' END FROM t",
                "SELECT CASE WHEN a THEN 'y' ELSE '' END FROM t"
            ]
        );
    }

    #[test]
    fn case_swap() {
        assert_eq!(
            bq("SELECT CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' END FROM t", Operator::CaseSwap),
            vec!["SELECT CASE WHEN a > 1 THEN 'small' WHEN a > 0 THEN 'big' END FROM t"]
        );
    }

    #[test]
    fn drop_conjunct() {
        assert_eq!(
            bq("SELECT x FROM t WHERE a = 1 AND (b = 2)", Operator::DropConjunct),
            vec!["SELECT x FROM t WHERE a = 1", "SELECT x FROM t WHERE (b = 2)"]
        );
    }

    #[test]
    fn group_by_key() {
        assert_eq!(
            bq("SELECT a, b, SUM(c) FROM t GROUP BY a, b", Operator::GroupByKey),
            vec!["SELECT a, b, SUM(c) FROM t GROUP BY b", "SELECT a, b, SUM(c) FROM t GROUP BY a"]
        );
    }

    #[test]
    fn coalesce() {
        assert_eq!(bq("SELECT COALESCE(a, 0) + 1 FROM t", Operator::Coalesce), vec!["SELECT a + 1 FROM t"]);
    }

    #[test]
    fn cast_type() {
        assert_eq!(bq("SELECT CAST(a AS INT64) FROM t", Operator::CastType), vec!["SELECT CAST(a AS FLOAT64) FROM t"]);
        assert_eq!(
            mutants("SELECT CAST(a AS DATE) FROM t", Dialect::Duckdb, Operator::CastType),
            vec!["SELECT CAST(a AS TIMESTAMP) FROM t"]
        );
    }

    #[test]
    fn numeric_constant() {
        assert_eq!(
            bq("SELECT x FROM t WHERE n > 1", Operator::NumericConstant),
            vec!["SELECT x FROM t WHERE n > 2", "SELECT x FROM t WHERE n > 0"]
        );
    }

    #[test]
    fn distinct_and_limit() {
        assert_eq!(bq("SELECT a FROM t", Operator::Distinct), vec!["SELECT DISTINCT a FROM t"]);
        assert_eq!(bq("SELECT DISTINCT a FROM t", Operator::Distinct), vec!["SELECT a FROM t"]);
        assert_eq!(bq("SELECT a FROM t ORDER BY a", Operator::Limit), vec!["SELECT a FROM t ORDER BY a\nLIMIT 1"]);
    }

    #[test]
    fn scd2_null_handling_and_current_flag() {
        let sql = "UPDATE d SET is_current = FALSE WHERE d.is_current AND s.email IS DISTINCT FROM d.email";
        assert_eq!(
            bq(sql, Operator::NullSafeComparison),
            vec!["UPDATE d SET is_current = FALSE WHERE d.is_current AND s.email <> d.email"]
        );
        assert_eq!(
            bq(sql, Operator::BooleanLiteral),
            vec!["UPDATE d SET is_current = TRUE WHERE d.is_current AND s.email IS DISTINCT FROM d.email"]
        );
    }

    #[test]
    fn join_column_and_filter_across_join() {
        let sql = "SELECT o.id FROM o LEFT JOIN r ON o.cur = r.cur WHERE r.day = o.day AND r.ok = 1";
        assert_eq!(
            bq(sql, Operator::JoinColumn),
            vec!["SELECT o.id FROM o LEFT JOIN r ON o.cur = r.day WHERE r.day = o.day AND r.ok = 1"]
        );
        assert_eq!(
            bq(sql, Operator::FilterAcrossJoin),
            vec!["SELECT o.id FROM o LEFT JOIN r ON o.cur = r.cur AND r.ok = 1 WHERE r.day = o.day"]
        );
        let alone = "SELECT o.id FROM o LEFT JOIN r ON o.cur = r.cur WHERE r.ok = 1";
        assert_eq!(
            bq(alone, Operator::FilterAcrossJoin),
            vec!["SELECT o.id FROM o LEFT JOIN r ON o.cur = r.cur AND r.ok = 1 "]
        );
    }

    #[test]
    fn coalesce_added() {
        assert_eq!(bq("SELECT t.a * 2 FROM t", Operator::CoalesceAdded), vec!["SELECT COALESCE(t.a, 0) * 2 FROM t"]);
    }

    #[test]
    fn null_test() {
        assert_eq!(
            bq("SELECT x FROM t WHERE a IS NULL", Operator::NullTest),
            vec!["SELECT x FROM t WHERE a IS NOT NULL"]
        );
    }
}
