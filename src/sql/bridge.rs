//! The dialect bridge: rewrites a sqlparser tree parsed from BigQuery so that DuckDB computes
//! what BigQuery would, or says where it cannot.
//!
//! The tree is rewritten in place rather than translated as text, so the statements that run are
//! the ones the lineage stage read, and every construct that cannot be carried over is reported
//! at its position in the user's file (see `docs/dialect-bridge-evaluation.md` for why not a
//! text-to-text translator).
//!
//! Most rules follow one pattern: the bridge does not know the types of columns, so where
//! BigQuery and DuckDB differ for some input types only, the DuckDB form must be right for every
//! type BigQuery accepts there. `typeof(x)` is constant for a query, so a `CASE` on it picks the
//! branch DuckDB needs without changing the result type.
//!
//! DuckDB code (`Dialect::Duckdb`) gets only the rewrites that are about the engine rather than
//! the dialect: the run time in place of the clock, and catalog-qualified table names.
//!
//! # What is reported rather than translated
//!
//! Functions not checked against DuckDB (user-defined and JavaScript UDFs among them; the ones
//! kept by name are listed in `SAME_IN_DUCKDB`), `CREATE FUNCTION` and other statements outside
//! queries, DML and plain DDL, `FOR SYSTEM_TIME AS OF`, `UNNEST … WITH OFFSET`, `SELECT AS
//! STRUCT/VALUE`, STRUCT constructors, BYTES literals, `AT TIME ZONE` and time zone arguments
//! (DuckDB is built without time zone data), plain BIGNUMERIC, format elements with no DuckDB
//! equal (`%e`, `%Z`, …), REGEXP_EXTRACT with a computed pattern or several groups, and
//! aggregate `LIMIT`.
//!
//! # Known differences that remain
//!
//! The bridge does not know column types, so these cannot be told apart from correct code:
//! - `SUM(INT64)` is a HUGEINT in DuckDB (same value; BigQuery errors past 2^63, DuckDB does not).
//! - `AVG(NUMERIC)` and `NUMERIC / NUMERIC` are DOUBLE in DuckDB: within 1e-9 of BigQuery's
//!   NUMERIC, but of another type family.
//! - `NUMERIC * NUMERIC` is DECIMAL(38,18) in DuckDB: past 1e20 DuckDB stops with an overflow
//!   error where BigQuery returns the product; below, the extra decimals differ by < 5e-10.
//! - `CAST(timestamp AS STRING)` lacks BigQuery's `+00` (TIMESTAMP and DATETIME are one type
//!   here); FLOAT64 to STRING may differ in exponent form for very large or small values.
//! - `ARRAY_AGG` keeps NULL elements that BigQuery rejects in a final result.
//! - Functions kept by name can differ on invalid input only (BigQuery errors, DuckDB NaN/inf
//!   or a value): `EXP` overflow, `LENGTH` of BYTES.

use crate::sql::dialect::Dialect;
use crate::sql::parse::parse_expression;
use sqlparser::ast::{
    BinaryOperator, CastKind, ColumnOption, CreateTableOptions, DataType, DateTimeField, ExactNumberInfo,
    ExceptSelectItem, ExcludeSelectItem, Expr, FromTable, Function, FunctionArg, FunctionArgExpr,
    FunctionArgumentClause, FunctionArguments, Ident, NullTreatment, ObjectName, ObjectNamePart, OrderByExpr,
    OrderBySort, Select, SelectItem, Spanned, Statement, StructBracketKind, TableAliasColumnDef, TableConstraint,
    TableFactor, TimezoneInfo, UnaryOperator, Value, ValueWithSpan, VisitMut, VisitorMut, WildcardAdditionalOptions,
};
use sqlparser::tokenizer::Span;
use std::ops::ControlFlow;

/// Options for one translation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeOptions {
    /// The dialect the code was written in (Dialect::Bigquery or Dialect::Duckdb; DuckDB code gets
    /// only the name/run-time rewrites).
    pub from: Dialect,
    /// When set, every schema-qualified table name `s.t` becomes `<catalog>.s.t` (DuckDB has a
    /// built-in catalog `temp`, so a user schema called `temp` is ambiguous unless qualified by
    /// the database name; see spec-format.md).
    pub catalog: Option<String>,
}

/// A construct with no faithful DuckDB translation, at its place in the parsed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untranslatable {
    /// What cannot be carried over and why, as a lowercase fragment.
    pub message: String,
    /// 1-based line within the parsed text.
    pub line: u64,
    /// 1-based column within that line.
    pub column: u64,
}

/// The DuckDB variable the engine sets to the run's time before it runs translated code
/// (`SET VARIABLE specproof_run_time = TIMESTAMP '…'`).
pub const RUN_TIME_VARIABLE: &str = "specproof_run_time";

/// Rewrites `statements` in place; returns what could not be carried over (the caller turns each
/// into a finding and does not run the code).
pub fn to_duckdb(statements: &mut [Statement], options: &BridgeOptions) -> Vec<Untranslatable> {
    let mut bridge = Bridge::new(options);
    for statement in statements.iter_mut() {
        let _ = statement.visit(&mut bridge);
    }
    bridge.finish()
}

/// Same for one expression (spec expressions).
pub fn expr_to_duckdb(expr: &mut Expr, options: &BridgeOptions) -> Vec<Untranslatable> {
    let mut bridge = Bridge::new(options);
    let _ = expr.visit(&mut bridge);
    bridge.finish()
}

/// BigQuery functions that DuckDB has under the same name with the same meaning for every input
/// BigQuery accepts. Anything not here and not rewritten below is reported: a function we have
/// not checked is not assumed to agree.
const SAME_IN_DUCKDB: &[&str] = &[
    "ABS",
    "COALESCE",
    "NULLIF",
    "LOWER",
    "UPPER",
    "REPLACE",
    "REVERSE",
    "STARTS_WITH",
    "ENDS_WITH",
    "STRPOS",
    "LENGTH",
    "CHAR_LENGTH",
    "CHARACTER_LENGTH",
    "ARRAY_LENGTH",
    "FLOOR",
    "CEIL",
    "CEILING",
    "COUNT",
    "MIN",
    "MAX",
    "AVG",
    "SUM",
    "ANY_VALUE",
    "STDDEV",
    "STDDEV_SAMP",
    "STDDEV_POP",
    "VARIANCE",
    "VAR_SAMP",
    "VAR_POP",
    "CORR",
    "COVAR_POP",
    "COVAR_SAMP",
    "BIT_AND",
    "BIT_OR",
    "BIT_XOR",
    "ROW_NUMBER",
    "RANK",
    "DENSE_RANK",
    "PERCENT_RANK",
    "CUME_DIST",
    "NTILE",
    "LAG",
    "LEAD",
    "FIRST_VALUE",
    "LAST_VALUE",
    "NTH_VALUE",
];

/// Names that only mark an argument for the enclosing construct (`WEEK(MONDAY)` in a date part,
/// `OFFSET(0)` in a subscript); the enclosing construct translates or reports them.
const ARGUMENT_MARKERS: &[&str] = &["WEEK", "OFFSET", "SAFE_OFFSET", "ORDINAL", "SAFE_ORDINAL"];

/// Unicode White_Space, which BigQuery's TRIM strips (DuckDB's strips spaces only).
const WHITESPACE_CLASS: &str = r"[\x{09}-\x{0D}\x{85}\p{Z}]";

struct Bridge<'a> {
    options: &'a BridgeOptions,
    found: Vec<Untranslatable>,
    /// Where the current statement starts: the position for a construct whose own span is lost.
    fallback: (u64, u64),
}

impl<'a> Bridge<'a> {
    fn new(options: &'a BridgeOptions) -> Self {
        Bridge { options, found: Vec::new(), fallback: (1, 1) }
    }

    fn bigquery(&self) -> bool {
        self.options.from == Dialect::Bigquery
    }

    fn report(&mut self, span: Span, message: impl Into<String>) {
        let (line, column) = if span.start.line > 0 { (span.start.line, span.start.column) } else { self.fallback };
        self.found.push(Untranslatable { message: message.into(), line, column });
    }

    fn finish(mut self) -> Vec<Untranslatable> {
        // By place, so findings read in the order of the text.
        self.found.sort_by(|a, b| (a.line, a.column, &a.message).cmp(&(b.line, b.column, &b.message)));
        self.found.dedup();
        self.found
    }

    /// Applies a rewrite result to `expr`, reporting a failure at `span`.
    fn apply(&mut self, expr: &mut Expr, span: impl FnOnce(&Expr) -> Span, result: Rewrite) {
        match result {
            Ok(Some(new)) => *expr = new,
            Ok(None) => {}
            Err(message) => {
                let at = span(expr);
                self.report(at, message);
            }
        }
    }

    fn statement(&mut self, statement: &mut Statement) {
        if !self.bigquery() {
            return;
        }
        match statement {
            // BigQuery allows `INSERT t …`; DuckDB needs the INTO.
            Statement::Insert(insert) => insert.into = true,
            Statement::Query(_)
            | Statement::Update(_)
            | Statement::CreateView(_)
            | Statement::Drop { .. }
            | Statement::CreateSchema { .. }
            | Statement::Truncate(_)
            | Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. } => {}
            Statement::Delete(delete) => {
                // BigQuery allows `DELETE t WHERE …`; DuckDB needs the FROM.
                if let FromTable::WithoutKeyword(tables) = &mut delete.from {
                    delete.from = FromTable::WithFromKeyword(std::mem::take(tables));
                }
            }
            Statement::Merge(merge) => merge.into = true,
            Statement::CreateTable(create) => self.create_table(create),
            other => {
                let span = other.span();
                let kind = other.to_string();
                let kind: String = kind.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
                self.report(span, format!("statement `{kind} …` has no checked DuckDB translation"));
            }
        }
    }

    fn create_table(&mut self, create: &mut sqlparser::ast::CreateTable) {
        for column in &mut create.columns {
            match duckdb_type(&column.data_type) {
                Ok(t) => column.data_type = t,
                Err(message) => {
                    let span = column.name.span;
                    self.report(span, format!("column `{}`: {message}", column.name.value));
                }
            }
            // Column OPTIONS (descriptions) mean nothing to the data.
            column.options.retain(|o| !matches!(o.option, ColumnOption::Options(_)));
        }
        // BigQuery keys are always NOT ENFORCED: it accepts rows that break them. DuckDB would
        // enforce them and reject such rows, so they are dropped; the spec reads them from the
        // original DDL, not from this tree.
        create.constraints.retain(|c| !not_enforced(c));
        // Partitioning, clustering and table OPTIONS are storage settings with no meaning here.
        create.partition_by = None;
        create.cluster_by = None;
        if matches!(create.table_options, CreateTableOptions::Options(_)) {
            create.table_options = CreateTableOptions::None;
        }
    }

    fn relation(&mut self, name: &mut ObjectName) {
        if self.bigquery() {
            split_dotted_parts(&mut name.0);
        }
        if let Some(catalog) = &self.options.catalog {
            if name.0.len() == 2 {
                name.0.insert(0, ObjectNamePart::Identifier(Ident::with_quote('"', catalog.clone())));
            }
        }
    }

    fn table_factor(&mut self, factor: &mut TableFactor) {
        if !self.bigquery() {
            return;
        }
        match factor {
            TableFactor::Table { name, version: Some(_), .. } => {
                let span = name.span();
                self.report(span, "`FOR SYSTEM_TIME AS OF` (time travel) has no DuckDB equivalent");
            }
            TableFactor::UNNEST { alias, array_exprs, with_offset, with_offset_alias, .. } => {
                if *with_offset {
                    let span = with_offset_alias
                        .as_ref()
                        .map(|a| a.span)
                        .unwrap_or_else(|| array_exprs.first().map(|e| e.span()).unwrap_or(Span::empty()));
                    self.report(span, "`UNNEST … WITH OFFSET` is not translated (DuckDB counts from 1)");
                }
                if array_exprs.len() > 1 {
                    let span = array_exprs[1].span();
                    self.report(span, "`UNNEST` of several arrays is not translated");
                }
                // BigQuery's alias names the element column; DuckDB's names the table, so the
                // column is named explicitly as well.
                if let Some(alias) = alias {
                    if alias.columns.is_empty() {
                        alias.columns.push(TableAliasColumnDef { name: alias.name.clone(), data_type: None });
                    }
                }
            }
            _ => {}
        }
    }

    fn select(&mut self, select: &mut Select) {
        if !self.bigquery() {
            return;
        }
        if let Some(mode) = &select.value_table_mode {
            let span = select.select_token.0.span;
            self.report(span, format!("`SELECT {mode}` has no DuckDB equivalent"));
        }
        for item in &mut select.projection {
            if let SelectItem::Wildcard(options) | SelectItem::QualifiedWildcard(_, options) = item {
                except_to_exclude(options);
            }
        }
    }

    fn order_by_expr(&mut self, order: &mut OrderByExpr) {
        // BigQuery puts NULLs first ascending and last descending; DuckDB puts them last both
        // ways, so the default is written out.
        if self.bigquery() && order.options.nulls_first.is_none() {
            order.options.nulls_first = Some(!matches!(order.options.sort, Some(OrderBySort::Desc)));
        }
    }

    fn value(&mut self, value: &mut ValueWithSpan) {
        if !self.bigquery() {
            return;
        }
        let text = match &value.value {
            // Escapes were already processed by the tokenizer; raw strings never had any. Either
            // way the value is the text, which DuckDB's standard strings keep as written.
            Value::SingleQuotedString(s)
            | Value::DoubleQuotedString(s)
            | Value::TripleSingleQuotedString(s)
            | Value::TripleDoubleQuotedString(s)
            | Value::SingleQuotedRawStringLiteral(s)
            | Value::DoubleQuotedRawStringLiteral(s)
            | Value::TripleSingleQuotedRawStringLiteral(s)
            | Value::TripleDoubleQuotedRawStringLiteral(s) => s.clone(),
            _ => return,
        };
        value.value = duckdb_string(&text);
    }

    fn expr(&mut self, expr: &mut Expr) {
        if let Expr::Function(function) = expr {
            let name_span = function.name.span();
            let result = if self.bigquery() { bigquery_function(function) } else { duckdb_function(function) };
            self.apply(expr, |_| name_span, result);
            return;
        }
        if !self.bigquery() {
            return;
        }
        let result = bigquery_expr(expr);
        self.apply(expr, |e| e.span(), result);
    }
}

impl VisitorMut for Bridge<'_> {
    type Break = ();

    fn pre_visit_statement(&mut self, statement: &mut Statement) -> ControlFlow<()> {
        let start = statement.span().start;
        if start.line > 0 {
            self.fallback = (start.line, start.column);
        }
        self.statement(statement);
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        self.relation(relation);
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        self.table_factor(factor);
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
        self.select(select);
        ControlFlow::Continue(())
    }

    fn post_visit_order_by_expr(&mut self, order: &mut OrderByExpr) -> ControlFlow<()> {
        self.order_by_expr(order);
        ControlFlow::Continue(())
    }

    fn pre_visit_ident(&mut self, ident: &mut Ident) -> ControlFlow<()> {
        if self.bigquery() && ident.quote_style == Some('`') {
            set_quoted(ident);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<()> {
        self.value(value);
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        self.expr(expr);
        ControlFlow::Continue(())
    }
}

/// `Ok(Some(e))`: replace with `e`; `Ok(None)`: keep as is; `Err(m)`: untranslatable, because `m`.
type Rewrite = Result<Option<Expr>, String>;

// ---------------------------------------------------------------------------------------------
// Names, strings and types
// ---------------------------------------------------------------------------------------------

/// A DuckDB string literal holding exactly `text`.
///
/// sqlparser's printer guesses whether quotes in a value are already escaped (it leaves `''`
/// and `\'` alone), so a value containing a quote is printed through a placeholder, which prints
/// verbatim, with the quotes doubled here.
fn duckdb_string(text: &str) -> Value {
    if text.contains('\'') {
        Value::Placeholder(format!("'{}'", text.replace('\'', "''")))
    } else {
        Value::SingleQuotedString(text.to_string())
    }
}

/// The text of a string literal, as written by [`duckdb_string`] or by the parser.
fn string_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Nested(inner) => string_literal(inner),
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            Value::Placeholder(p) if p.len() >= 2 && p.starts_with('\'') && p.ends_with('\'') => {
                Some(p[1..p.len() - 1].replace("''", "'"))
            }
            _ => None,
        },
        _ => None,
    }
}

/// A backtick-quoted BigQuery name becomes a double-quoted DuckDB one. A value holding `"` is
/// printed verbatim with the quote doubled, for the same reason as in [`duckdb_string`].
fn set_quoted(ident: &mut Ident) {
    if ident.value.contains('"') {
        ident.value = format!("\"{}\"", ident.value.replace('"', "\"\""));
        ident.quote_style = None;
    } else {
        ident.quote_style = Some('"');
    }
}

/// `` `raw.crm_customers` `` is one quoted token naming two things; split it into its parts.
fn split_dotted_parts(parts: &mut Vec<ObjectNamePart>) {
    let mut out = Vec::with_capacity(parts.len());
    for part in parts.drain(..) {
        match part {
            ObjectNamePart::Identifier(ident) if ident.quote_style.is_some() && ident.value.contains('.') => {
                out.extend(split_ident(&ident).into_iter().map(ObjectNamePart::Identifier));
            }
            other => out.push(other),
        }
    }
    *parts = out;
}

fn split_ident(ident: &Ident) -> Vec<Ident> {
    ident
        .value
        .split('.')
        .map(|piece| {
            let mut part = Ident { value: piece.to_string(), quote_style: Some('"'), span: ident.span };
            set_quoted(&mut part);
            part
        })
        .collect()
}

fn not_enforced(constraint: &TableConstraint) -> bool {
    let characteristics = match constraint {
        TableConstraint::PrimaryKey(c) => c.characteristics.as_ref(),
        TableConstraint::ForeignKey(c) => c.characteristics.as_ref(),
        TableConstraint::Unique(c) => c.characteristics.as_ref(),
        _ => None,
    };
    characteristics.and_then(|c| c.enforced) == Some(false)
}

fn except_to_exclude(options: &mut WildcardAdditionalOptions) {
    if let Some(ExceptSelectItem { first_element, additional_elements }) = options.opt_except.take() {
        let names = std::iter::once(first_element)
            .chain(additional_elements)
            .map(|ident| ObjectName(vec![ObjectNamePart::Identifier(ident)]))
            .collect();
        options.opt_exclude = Some(ExcludeSelectItem::Multiple(names));
    }
}

/// The DuckDB type with the values of a BigQuery type (spec-format.md's type table), or why
/// there is none.
pub fn duckdb_type(data_type: &DataType) -> Result<DataType, String> {
    use sqlparser::ast::ArrayElemTypeDef as Elem;
    Ok(match data_type {
        // BigQuery's INT, INTEGER, SMALLINT, TINYINT and BYTEINT are all INT64; DuckDB's INTEGER
        // is 32 bits.
        DataType::Int64
        | DataType::Int(_)
        | DataType::Integer(_)
        | DataType::BigInt(_)
        | DataType::SmallInt(_)
        | DataType::TinyInt(_) => DataType::BigInt(None),
        DataType::Custom(name, _) if name.to_string().eq_ignore_ascii_case("BYTEINT") => DataType::BigInt(None),
        DataType::Float64 => DataType::Double(ExactNumberInfo::None),
        DataType::Bool | DataType::Boolean => DataType::Boolean,
        DataType::String(_) => DataType::Varchar(None),
        DataType::Bytes(_) => DataType::Blob(None),
        DataType::Date => DataType::Date,
        DataType::Time(_, _) => DataType::Time(None, TimezoneInfo::None),
        DataType::Datetime(_) | DataType::Timestamp(_, _) => DataType::Timestamp(None, TimezoneInfo::None),
        DataType::Interval { .. } => data_type.clone(),
        DataType::JSON => DataType::JSON,
        DataType::Numeric(info) | DataType::Decimal(info) => decimal(info, 29, 9)?,
        DataType::BigNumeric(info) | DataType::BigDecimal(info) => match info {
            // A parameterised BIGNUMERIC that fits DuckDB's 38 digits keeps its values.
            ExactNumberInfo::PrecisionAndScale(p, _) | ExactNumberInfo::Precision(p) if *p <= 38 => {
                decimal(info, 38, 0)?
            }
            _ => return Err("BIGNUMERIC (76 digits) does not fit DuckDB's widest DECIMAL (38 digits)".to_string()),
        },
        DataType::Array(Elem::AngleBracket(inner) | Elem::SquareBracket(inner, _) | Elem::Parenthesis(inner)) => {
            DataType::Array(Elem::SquareBracket(Box::new(duckdb_type(inner)?), None))
        }
        DataType::Struct(fields, _) => {
            let mut out = Vec::with_capacity(fields.len());
            for field in fields {
                if field.field_name.is_none() {
                    return Err("a STRUCT with unnamed fields has no DuckDB equivalent".to_string());
                }
                let mut field = field.clone();
                field.field_type = duckdb_type(&field.field_type)?;
                field.options = None;
                out.push(field);
            }
            DataType::Struct(out, StructBracketKind::Parentheses)
        }
        other => return Err(format!("type `{other}` has no checked DuckDB equivalent")),
    })
}

/// NUMERIC is DECIMAL(38, 9); NUMERIC(P) is DECIMAL(P, 0); NUMERIC(P, S) is DECIMAL(P, S).
fn decimal(info: &ExactNumberInfo, default_integer_digits: u64, default_scale: u64) -> Result<DataType, String> {
    let (precision, scale) = match info {
        ExactNumberInfo::None => (default_integer_digits + default_scale, default_scale),
        ExactNumberInfo::Precision(p) => (*p, 0),
        ExactNumberInfo::PrecisionAndScale(p, s) => {
            (*p, u64::try_from(*s).map_err(|_| format!("negative scale {s} has no DuckDB equivalent"))?)
        }
    };
    if precision > 38 {
        return Err(format!("precision {precision} exceeds DuckDB's 38 digits"));
    }
    Ok(DataType::Decimal(ExactNumberInfo::PrecisionAndScale(precision, scale as i64)))
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

/// Builds a DuckDB expression from `text`, where `__a0`, `__a1`, … stand for `args`.
///
/// The template is parsed as DuckDB, so what it prints is DuckDB by construction; its own
/// positions are cleared, so that positions in the result still point into the user's text.
fn template(text: &str, args: &[&Expr]) -> Result<Expr, String> {
    let mut expr = parse_expression(text, Dialect::Duckdb)
        .map_err(|e| format!("internal: bridge template `{text}` does not parse: {e}"))?;
    let _ = expr.visit(&mut ClearSpans);
    let mut missing = None;
    let _ = sqlparser::ast::visit_expressions_mut(&mut expr, |e| {
        if let Expr::Identifier(ident) = e {
            if let Some(index) = ident.value.strip_prefix("__a").and_then(|n| n.parse::<usize>().ok()) {
                match args.get(index) {
                    Some(arg) => *e = (*arg).clone(),
                    None => missing = Some(index),
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
    match missing {
        Some(index) => Err(format!("internal: bridge template `{text}` has no argument {index}")),
        None => Ok(expr),
    }
}

fn templated(text: &str, args: &[&Expr]) -> Rewrite {
    template(text, args).map(Some)
}

struct ClearSpans;

impl VisitorMut for ClearSpans {
    type Break = ();

    fn pre_visit_ident(&mut self, ident: &mut Ident) -> ControlFlow<()> {
        ident.span = Span::empty();
        ControlFlow::Continue(())
    }

    fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<()> {
        value.span = Span::empty();
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
        select.select_token.0.span = Span::empty();
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Case { case_token, end_token, .. } = expr {
            case_token.0.span = Span::empty();
            end_token.0.span = Span::empty();
        }
        ControlFlow::Continue(())
    }
}

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

fn bigquery_expr(expr: &mut Expr) -> Rewrite {
    match expr {
        Expr::Identifier(ident) if ident.quote_style.is_some() && ident.value.contains('.') => {
            Ok(Some(Expr::CompoundIdentifier(split_ident(ident))))
        }
        Expr::CompoundIdentifier(parts) => {
            if parts.iter().any(|p| p.quote_style.is_some() && p.value.contains('.')) {
                let split = parts
                    .iter()
                    .flat_map(|p| {
                        if p.quote_style.is_some() && p.value.contains('.') {
                            split_ident(p)
                        } else {
                            vec![p.clone()]
                        }
                    })
                    .collect();
                *parts = split;
            }
            Ok(None)
        }
        // BigQuery reads `1.5` as FLOAT64, DuckDB as DECIMAL.
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) if n.contains('.') && !n.contains(['e', 'E']) => {
                let literal = expr.clone();
                templated("CAST(__a0 AS DOUBLE)", &[&literal])
            }
            Value::SingleQuotedByteStringLiteral(_)
            | Value::DoubleQuotedByteStringLiteral(_)
            | Value::TripleSingleQuotedByteStringLiteral(_)
            | Value::TripleDoubleQuotedByteStringLiteral(_) => {
                Err("a BYTES literal (b'…') is not translated".to_string())
            }
            _ => Ok(None),
        },
        Expr::TypedString(typed) => typed_string(typed),
        Expr::Cast { kind, expr: operand, data_type, format } => {
            if format.is_some() {
                return Err("CAST … FORMAT has no DuckDB equivalent".to_string());
            }
            let safe = matches!(kind, CastKind::SafeCast | CastKind::TryCast);
            cast(operand, data_type, safe).map(Some)
        }
        Expr::BinaryOp { left, op, right } => binary(left, op, right),
        Expr::Trim { expr: operand, trim_where: None, trim_what: None, trim_characters: None } => {
            let operand = (**operand).clone();
            trim(&operand, "TRIM").map(Some)
        }
        // BigQuery's LIKE treats `\` as the escape character; DuckDB's has none unless told.
        Expr::Like { escape_char, any: false, .. } if escape_char.is_none() => {
            *escape_char = Some(Box::new(Expr::Value(Value::SingleQuotedString("\\".to_string()).into())));
            Ok(None)
        }
        Expr::InUnnest { expr: needle, array_expr, negated } => {
            let text = if *negated { "__a0 NOT IN (SELECT unnest(__a1))" } else { "__a0 IN (SELECT unnest(__a1))" };
            templated(text, &[needle, array_expr])
        }
        Expr::Substring { expr: s, substring_from: Some(from), substring_for, .. } => {
            substring(s, from, substring_for.as_deref()).map(Some)
        }
        Expr::Extract { field, expr: operand, .. } => extract(field, operand).map(Some),
        Expr::Interval(interval) => {
            if interval.last_field.is_some() {
                return Err("a range INTERVAL (… TO …) is not translated".to_string());
            }
            // DuckDB needs parentheses around a computed interval length.
            if !matches!(*interval.value, Expr::Value(_) | Expr::Nested(_)) {
                let value = std::mem::replace(&mut *interval.value, Expr::Value(Value::Null.into()));
                *interval.value = Expr::Nested(Box::new(value));
            }
            Ok(None)
        }
        Expr::CompoundFieldAccess { root, access_chain } => subscript(root, access_chain),
        Expr::AtTimeZone { .. } => Err("`AT TIME ZONE` needs time zone data DuckDB is built without".to_string()),
        Expr::Struct { .. } => Err("STRUCT constructors are not translated".to_string()),
        _ => Ok(None),
    }
}

fn typed_string(typed: &sqlparser::ast::TypedString) -> Rewrite {
    let Some(text) = string_literal(&Expr::Value(typed.value.clone())) else {
        return Ok(None);
    };
    let literal = Expr::Value(duckdb_string(&text).into());
    match &typed.data_type {
        DataType::Date | DataType::Time(_, _) | DataType::JSON => Ok(None),
        DataType::Datetime(_) => templated("CAST(__a0 AS TIMESTAMP)", &[&literal]),
        // BigQuery applies the literal's offset (`+05`, `Z`); DuckDB's TIMESTAMP ignores it, its
        // TIMESTAMPTZ applies it and is held in UTC without time zone data.
        DataType::Timestamp(_, _) => {
            if has_zone_name(&text) {
                return Err(format!("TIMESTAMP '{text}' names a time zone; DuckDB is built without time zone data"));
            }
            templated("CAST(CAST(__a0 AS TIMESTAMPTZ) AS TIMESTAMP)", &[&literal])
        }
        other => {
            let target = duckdb_type(other)?;
            Ok(Some(Expr::Cast { kind: CastKind::Cast, expr: Box::new(literal), data_type: target, format: None }))
        }
    }
}

/// True when a timestamp text names a zone (`America/New_York`) rather than an offset or UTC.
fn has_zone_name(text: &str) -> bool {
    let letters: String = text.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    let letters = letters.to_ascii_uppercase();
    !(letters.is_empty()
        || letters == "T"
        || letters == "Z"
        || letters == "TZ"
        || letters == "UTC"
        || letters == "TUTC")
}

fn cast(operand: &Expr, data_type: &DataType, safe: bool) -> Result<Expr, String> {
    let target = duckdb_type(data_type)?;
    let cast_kw = if safe { "TRY_CAST" } else { "CAST" };
    let plain = Expr::Cast {
        kind: if safe { CastKind::TryCast } else { CastKind::Cast },
        expr: Box::new(operand.clone()),
        data_type: target.clone(),
        format: None,
    };
    match target {
        DataType::BigInt(_) if !is_integer_literal(operand) => {
            // BigQuery rounds FLOAT64 half away from zero (DuckDB: half to even), and rejects a
            // string that is not an integer (DuckDB rounds '2.5'). `round` on a DOUBLE rounds half
            // away from zero; the other branches keep DuckDB's cast, which agrees elsewhere.
            let bad = if safe {
                "NULL".to_string()
            } else {
                "error('bad int64 value: ' || TRY_CAST(__a0 AS VARCHAR))".to_string()
            };
            templated_expr(
                &format!(
                    "CASE WHEN typeof(__a0) IN ('DOUBLE', 'FLOAT') \
                 THEN {cast_kw}(round(TRY_CAST(__a0 AS DOUBLE)) AS BIGINT) \
                 WHEN typeof(__a0) = 'VARCHAR' AND NOT regexp_full_match(TRY_CAST(__a0 AS VARCHAR), \
                 '\\s*[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)\\s*') THEN {bad} \
                 ELSE {cast_kw}(__a0 AS BIGINT) END"
                ),
                &[operand],
            )
        }
        DataType::Varchar(_) => {
            // DuckDB prints DECIMAL(38,9) with all nine decimals and whole DOUBLEs with `.0`;
            // BigQuery prints neither.
            templated_expr(
                &format!(
                    "CASE WHEN typeof(__a0) LIKE 'DECIMAL%' \
                 THEN regexp_replace({cast_kw}(__a0 AS VARCHAR), '(\\.[0-9]*[1-9])0+$|\\.0+$', '\\1') \
                 WHEN typeof(__a0) IN ('DOUBLE', 'FLOAT') THEN regexp_replace({cast_kw}(__a0 AS VARCHAR), '\\.0$', '') \
                 ELSE {cast_kw}(__a0 AS VARCHAR) END"
                ),
                &[operand],
            )
        }
        DataType::Timestamp(_, _) if matches!(data_type, DataType::Timestamp(_, _)) => {
            // A string's offset is applied by TIMESTAMPTZ and ignored by TIMESTAMP.
            templated_expr(&format!("{cast_kw}({cast_kw}(__a0 AS TIMESTAMPTZ) AS TIMESTAMP)"), &[operand])
        }
        _ => Ok(plain),
    }
}

fn templated_expr(text: &str, args: &[&Expr]) -> Result<Expr, String> {
    template(text, args)
}

fn binary(left: &mut Expr, op: &BinaryOperator, right: &mut Expr) -> Rewrite {
    match op {
        BinaryOperator::Divide => {
            // BigQuery stops with an error on a zero divisor; DuckDB returns inf or NULL.
            if nonzero_number(right) {
                return Ok(None);
            }
            templated("CASE WHEN __a1 = 0 THEN error('division by zero') ELSE __a0 / __a1 END", &[left, right])
        }
        // `^` is XOR in BigQuery and power in DuckDB.
        BinaryOperator::BitwiseXor => templated("xor(__a0, __a1)", &[left, right]),
        // BigQuery integer literals are INT64; DuckDB types small ones INTEGER, and INTEGER
        // arithmetic overflows at 2^31 (`100000 * 100000` fails). Plus and minus are widened only
        // between two literals: `d - 1` may be BigQuery's DATE minus days, which DuckDB accepts
        // with an INTEGER and rejects with a BIGINT; the engine's own columns are BIGINT already.
        BinaryOperator::Plus | BinaryOperator::Minus | BinaryOperator::Multiply | BinaryOperator::Modulo => {
            let both = is_integer_literal(left) && is_integer_literal(right);
            if both || matches!(op, BinaryOperator::Multiply | BinaryOperator::Modulo) {
                for side in [left, right] {
                    if is_integer_literal(side) {
                        let literal = side.clone();
                        *side = template("CAST(__a0 AS BIGINT)", &[&literal])?;
                    }
                }
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

fn is_integer_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Nested(inner) => is_integer_literal(inner),
        Expr::UnaryOp { op: UnaryOperator::Minus | UnaryOperator::Plus, expr } => is_integer_literal(expr),
        Expr::Value(v) => matches!(&v.value, Value::Number(n, _) if n.chars().all(|c| c.is_ascii_digit())),
        _ => false,
    }
}

fn nonzero_number(expr: &Expr) -> bool {
    match expr {
        Expr::Nested(inner) => nonzero_number(inner),
        Expr::UnaryOp { op: UnaryOperator::Minus | UnaryOperator::Plus, expr } => nonzero_number(expr),
        Expr::Value(v) => matches!(&v.value, Value::Number(n, _) if n.parse::<f64>().is_ok_and(|x| x != 0.0)),
        Expr::Cast { expr, .. } => nonzero_number(expr),
        _ => false,
    }
}

fn trim(operand: &Expr, which: &str) -> Result<Expr, String> {
    let pattern = match which {
        "LTRIM" => format!("^{WHITESPACE_CLASS}+"),
        "RTRIM" => format!("{WHITESPACE_CLASS}+$"),
        _ => format!("^{WHITESPACE_CLASS}+|{WHITESPACE_CLASS}+$"),
    };
    template(&format!("regexp_replace(__a0, '{pattern}', '', 'g')"), &[operand])
}

fn substring(s: &Expr, from: &Expr, length: Option<&Expr>) -> Result<Expr, String> {
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

fn extract(field: &DateTimeField, operand: &Expr) -> Result<Expr, String> {
    let text = match field {
        DateTimeField::Year => "extract(year FROM __a0)",
        DateTimeField::Month => "extract(month FROM __a0)",
        DateTimeField::Day => "extract(day FROM __a0)",
        DateTimeField::Hour => "extract(hour FROM __a0)",
        DateTimeField::Minute => "extract(minute FROM __a0)",
        DateTimeField::Second => "extract(second FROM __a0)",
        DateTimeField::Quarter => "extract(quarter FROM __a0)",
        DateTimeField::DayOfYear | DateTimeField::Doy => "extract(doy FROM __a0)",
        // BigQuery: Sunday = 1 … Saturday = 7; DuckDB: Sunday = 0.
        DateTimeField::DayOfWeek | DateTimeField::Dow => "(extract(dow FROM __a0) + 1)",
        // BigQuery's WEEK starts on Sunday, days before the first Sunday are week 0: strftime's %U.
        DateTimeField::Week(None) => "CAST(strftime(__a0, '%U') AS BIGINT)",
        DateTimeField::Week(Some(day)) if day.value.eq_ignore_ascii_case("SUNDAY") => {
            "CAST(strftime(__a0, '%U') AS BIGINT)"
        }
        DateTimeField::Week(Some(day)) if day.value.eq_ignore_ascii_case("MONDAY") => {
            "CAST(strftime(__a0, '%W') AS BIGINT)"
        }
        DateTimeField::IsoWeek => "extract(week FROM __a0)",
        DateTimeField::Isoyear => "extract(isoyear FROM __a0)",
        // DuckDB counts milli- and microseconds from the start of the minute, BigQuery from the
        // start of the second.
        DateTimeField::Millisecond | DateTimeField::Milliseconds => "(extract(millisecond FROM __a0) % 1000)",
        DateTimeField::Microsecond | DateTimeField::Microseconds => "(extract(microsecond FROM __a0) % 1000000)",
        DateTimeField::Date => "CAST(__a0 AS DATE)",
        DateTimeField::Time => "CAST(__a0 AS TIME)",
        DateTimeField::Datetime => "CAST(__a0 AS TIMESTAMP)",
        other => return Err(format!("EXTRACT({other} …) is not translated")),
    };
    template(text, &[operand])
}

/// `arr[OFFSET(i)]` and friends: BigQuery counts from 0 (OFFSET) or 1 (ORDINAL) and stops with an
/// error out of range unless SAFE_; DuckDB counts from 1, from the end for negative indexes, and
/// returns NULL out of range.
fn subscript(root: &Expr, chain: &[sqlparser::ast::AccessExpr]) -> Rewrite {
    use sqlparser::ast::{AccessExpr, Subscript};
    let [AccessExpr::Subscript(Subscript::Index { index })] = chain else {
        return match chain.iter().any(|a| matches!(a, AccessExpr::Subscript(_))) {
            true => Err("this array subscript is not translated".to_string()),
            false => Ok(None),
        };
    };
    let (marker, position) = match index {
        Expr::Function(f) => match (upper_name(f), single_arg(f)) {
            (Some(name), Some(arg)) => (name, arg),
            _ => return Err("this array subscript is not translated".to_string()),
        },
        // A bare index is an OFFSET in BigQuery.
        other => ("OFFSET".to_string(), other.clone()),
    };
    let text = match marker.as_str() {
        "OFFSET" => {
            "CASE WHEN __a1 < 0 OR __a1 >= len(__a0) THEN error('array index out of bounds') ELSE __a0[__a1 + 1] END"
        }
        "SAFE_OFFSET" => "CASE WHEN __a1 >= 0 THEN __a0[__a1 + 1] END",
        "ORDINAL" => {
            "CASE WHEN __a1 < 1 OR __a1 > len(__a0) THEN error('array index out of bounds') ELSE __a0[__a1] END"
        }
        "SAFE_ORDINAL" => "CASE WHEN __a1 >= 1 THEN __a0[__a1] END",
        other => return Err(format!("array subscript {other}(…) is not translated")),
    };
    templated(text, &[root, &position])
}

// ---------------------------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------------------------

fn upper_name(function: &Function) -> Option<String> {
    match function.name.0.as_slice() {
        [ObjectNamePart::Identifier(ident)] => Some(ident.value.to_ascii_uppercase()),
        _ => None,
    }
}

/// The plain positional arguments, or `None` when the call has anything else (named arguments,
/// `*`, clauses inside the parentheses).
fn plain_args(function: &Function) -> Option<Vec<Expr>> {
    match &function.args {
        FunctionArguments::None => Some(Vec::new()),
        FunctionArguments::List(list) if list.clauses.is_empty() && list.duplicate_treatment.is_none() => list
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn single_arg(function: &Function) -> Option<Expr> {
    match plain_args(function)?.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

fn renamed(function: &Function, name: &str) -> Expr {
    let mut out = function.clone();
    out.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))]);
    Expr::Function(out)
}

/// The run time the engine supplies, for both dialects: reproducible runs need one clock.
fn run_time(kind: &str) -> Rewrite {
    let variable = format!("getvariable('{RUN_TIME_VARIABLE}')");
    let text = match kind {
        "TIMESTAMP" => variable,
        "DATE" => format!("CAST({variable} AS DATE)"),
        _ => format!("CAST({variable} AS TIME)"),
    };
    templated(&text, &[])
}

fn duckdb_function(function: &Function) -> Rewrite {
    let Some(name) = upper_name(function) else { return Ok(None) };
    let no_args = plain_args(function).is_some_and(|a| a.is_empty());
    match name.as_str() {
        "CURRENT_TIMESTAMP"
        | "NOW"
        | "GET_CURRENT_TIMESTAMP"
        | "TRANSACTION_TIMESTAMP"
        | "LOCALTIMESTAMP"
        | "CURRENT_LOCALTIMESTAMP"
            if no_args =>
        {
            run_time("TIMESTAMP")
        }
        "CURRENT_DATE" | "TODAY" if no_args => run_time("DATE"),
        "CURRENT_TIME" | "LOCALTIME" if no_args => run_time("TIME"),
        _ => Ok(None),
    }
}

fn bigquery_function(function: &mut Function) -> Rewrite {
    let Some(name) = upper_name(function) else {
        return Err(format!("function `{}` is user-defined or qualified; it is not translated", function.name));
    };
    if SAME_IN_DUCKDB.contains(&name.as_str()) {
        return same_function(function, &name);
    }
    if ARGUMENT_MARKERS.contains(&name.as_str()) {
        return Ok(None);
    }
    match name.as_str() {
        "LOGICAL_AND" => return Ok(Some(renamed(function, "bool_and"))),
        "LOGICAL_OR" => return Ok(Some(renamed(function, "bool_or"))),
        "IFNULL" => return Ok(Some(renamed(function, "coalesce"))),
        "COUNTIF" => return countif(function),
        "ARRAY_AGG" | "STRING_AGG" => return ordered_aggregate(function, &name),
        _ => {}
    }
    if function.over.is_some() || function.filter.is_some() {
        return Err(format!("{name} … OVER is not translated"));
    }
    let Some(args) = plain_args(function) else {
        return Err(format!("this call of {name} is not translated"));
    };
    let a: Vec<&Expr> = args.iter().collect();
    let arity = |ok: &[usize]| -> Result<(), String> {
        if ok.contains(&a.len()) {
            Ok(())
        } else {
            Err(format!("{name} with {} arguments is not translated", a.len()))
        }
    };
    match name.as_str() {
        "CURRENT_TIMESTAMP" | "CURRENT_DATETIME" => {
            arity(&[0])?;
            run_time("TIMESTAMP")
        }
        "CURRENT_DATE" => {
            arity(&[0])?;
            run_time("DATE")
        }
        "CURRENT_TIME" => {
            arity(&[0])?;
            run_time("TIME")
        }
        "IF" => {
            arity(&[3])?;
            templated("CASE WHEN __a0 THEN __a1 ELSE __a2 END", &a)
        }
        // BigQuery: NULL if any argument is NULL. DuckDB's `concat` skips NULLs; `||` does not.
        "CONCAT" => {
            if a.is_empty() {
                return Err("CONCAT without arguments".to_string());
            }
            let mut text = (0..a.len()).map(|i| format!("__a{i}")).collect::<Vec<_>>().join(" || ");
            if a.len() == 1 {
                text.push_str(" || ''");
            }
            templated(&format!("({text})"), &a)
        }
        // BigQuery: NULL if any argument is NULL. DuckDB's greatest/least skip NULLs.
        "GREATEST" | "LEAST" => {
            if a.is_empty() {
                return Err(format!("{name} without arguments"));
            }
            let vars: Vec<String> = (0..a.len()).map(|i| format!("__a{i}")).collect();
            let any_null = vars.iter().map(|v| format!("{v} IS NULL")).collect::<Vec<_>>().join(" OR ");
            let text =
                format!("CASE WHEN {any_null} THEN NULL ELSE {}({}) END", name.to_ascii_lowercase(), vars.join(", "));
            templated(&text, &a)
        }
        "SAFE_DIVIDE" => {
            arity(&[2])?;
            templated("CASE WHEN __a1 = 0 THEN NULL ELSE __a0 / __a1 END", &a)
        }
        "IEEE_DIVIDE" => {
            arity(&[2])?;
            templated("CAST(__a0 AS DOUBLE) / CAST(__a1 AS DOUBLE)", &a)
        }
        // DuckDB's `//` truncates towards zero and stops on a zero divisor, as DIV does.
        "DIV" => {
            arity(&[2])?;
            templated("(__a0 // __a1)", &a)
        }
        "MOD" => {
            arity(&[2])?;
            templated("mod(__a0, __a1)", &a)
        }
        // BigQuery stops with an error outside the domain; DuckDB returns NaN or infinity.
        "SQRT" => {
            arity(&[1])?;
            templated("CASE WHEN __a0 < 0 THEN error('argument of SQRT is negative') ELSE sqrt(__a0) END", &a)
        }
        // LOG(x) is the natural logarithm in BigQuery and base 10 in DuckDB.
        "LN" | "LOG" | "LOG10" => {
            let text = match (name.as_str(), a.len()) {
                ("LN" | "LOG", 1) => {
                    "CASE WHEN __a0 <= 0 THEN error('argument of LN is not positive') ELSE ln(__a0) END"
                }
                ("LOG10", 1) => {
                    "CASE WHEN __a0 <= 0 THEN error('argument of LOG10 is not positive') ELSE log10(__a0) END"
                }
                // LOG(x, base); DuckDB's two-argument log takes the base first.
                ("LOG", 2) => {
                    "CASE WHEN __a0 <= 0 OR __a1 <= 0 OR __a1 = 1 THEN error('invalid argument of LOG') \
                     ELSE log(__a1, __a0) END"
                }
                _ => return Err(format!("{name} with {} arguments is not translated", a.len())),
            };
            templated(text, &a)
        }
        "POW" | "POWER" => {
            arity(&[2])?;
            templated(
                "CASE WHEN __a0 = 0 AND __a1 < 0 THEN error('POW of zero to a negative power') \
                 WHEN __a0 < 0 AND __a1 <> floor(__a1) THEN error('POW of a negative number to a fractional power') \
                 ELSE pow(__a0, __a1) END",
                &a,
            )
        }
        // ROUND(x, n, mode) has no DuckDB equivalent; with one or two arguments both round half away from zero.
        "ROUND" | "TRUNC" => {
            arity(&[1, 2])?;
            Ok(Some(renamed(function, &name.to_ascii_lowercase())))
        }
        "REGEXP_CONTAINS" => {
            arity(&[2])?;
            templated("regexp_matches(__a0, __a1)", &a)
        }
        "REGEXP_REPLACE" => {
            arity(&[3])?;
            templated("regexp_replace(__a0, __a1, __a2, 'g')", &a)
        }
        "REGEXP_EXTRACT" | "REGEXP_SUBSTR" | "REGEXP_EXTRACT_ALL" => regexp_extract(&name, &a),
        "LTRIM" | "RTRIM" => match a.len() {
            1 => trim(a[0], &name).map(Some),
            2 => Ok(Some(renamed(function, &name.to_ascii_lowercase()))),
            _ => Err(format!("{name} with {} arguments is not translated", a.len())),
        },
        "LPAD" | "RPAD" => match a.len() {
            2 => templated(&format!("{}(__a0, __a1, ' ')", name.to_ascii_lowercase()), &a),
            3 => Ok(Some(renamed(function, &name.to_ascii_lowercase()))),
            _ => Err(format!("{name} with {} arguments is not translated", a.len())),
        },
        // BigQuery stops on a negative count; DuckDB counts from the other end or returns ''.
        "LEFT" | "RIGHT" | "REPEAT" => {
            arity(&[2])?;
            let text = format!(
                "CASE WHEN __a1 < 0 THEN error('second argument of {name} is negative') ELSE {}(__a0, __a1) END",
                name.to_ascii_lowercase()
            );
            templated(&text, &a)
        }
        "SPLIT" => match a.len() {
            1 => templated("string_split(__a0, ',')", &a),
            2 => templated("string_split(__a0, __a1)", &a),
            _ => Err(format!("SPLIT with {} arguments is not translated", a.len())),
        },
        "SUBSTR" | "SUBSTRING" => match a.len() {
            2 => substring(a[0], a[1], None).map(Some),
            3 => substring(a[0], a[1], Some(a[2])).map(Some),
            _ => Err(format!("{name} with {} arguments is not translated", a.len())),
        },
        "DATE" => match a.len() {
            1 => templated("CAST(__a0 AS DATE)", &a),
            3 => templated("make_date(__a0, __a1, __a2)", &a),
            _ => Err("DATE with a time zone is not translated".to_string()),
        },
        "DATETIME" => match a.len() {
            1 => templated("CAST(__a0 AS TIMESTAMP)", &a),
            2 => templated("(CAST(__a0 AS DATE) + CAST(__a1 AS TIME))", &a),
            6 => templated("make_timestamp(__a0, __a1, __a2, __a3, __a4, __a5)", &a),
            _ => Err("DATETIME with a time zone is not translated".to_string()),
        },
        "TIMESTAMP" => match a.len() {
            1 => templated("CAST(CAST(__a0 AS TIMESTAMPTZ) AS TIMESTAMP)", &a),
            _ => Err("TIMESTAMP with a time zone is not translated".to_string()),
        },
        "DATE_TRUNC" | "DATETIME_TRUNC" | "TIMESTAMP_TRUNC" => {
            if a.len() != 2 {
                return Err(format!("{name} with a time zone is not translated"));
            }
            date_trunc(&name, a[0], a[1]).map(Some)
        }
        "DATE_DIFF" | "DATETIME_DIFF" | "TIMESTAMP_DIFF" => {
            arity(&[3])?;
            date_diff(&name, a[0], a[1], a[2]).map(Some)
        }
        "DATE_ADD" | "DATE_SUB" | "DATETIME_ADD" | "DATETIME_SUB" | "TIMESTAMP_ADD" | "TIMESTAMP_SUB" => {
            arity(&[2])?;
            date_add(&name, a[0], a[1]).map(Some)
        }
        "FORMAT_DATE" | "FORMAT_DATETIME" | "FORMAT_TIMESTAMP" => {
            if a.len() != 2 {
                return Err(format!("{name} with a time zone is not translated"));
            }
            let format = duckdb_format(a[0], false)?;
            let format = Expr::Value(duckdb_string(&format).into());
            templated("strftime(__a1, __a0)", &[&format, a[1]])
        }
        "PARSE_DATE" | "PARSE_DATETIME" | "PARSE_TIMESTAMP" => {
            if a.len() != 2 {
                return Err(format!("{name} with a time zone is not translated"));
            }
            let format = duckdb_format(a[0], true)?;
            let format = Expr::Value(duckdb_string(&format).into());
            let text = if name == "PARSE_DATE" { "CAST(strptime(__a1, __a0) AS DATE)" } else { "strptime(__a1, __a0)" };
            templated(text, &[&format, a[1]])
        }
        // Random in both engines: BigQuery returns the UUID as a STRING.
        "GENERATE_UUID" => {
            arity(&[0])?;
            templated("CAST(uuid() AS VARCHAR)", &[])
        }
        "RAND" => {
            arity(&[0])?;
            templated("random()", &[])
        }
        _ => Err(format!("BigQuery function {name} has no checked DuckDB translation")),
    }
}

/// A function DuckDB has with the same meaning; its argument clauses still need checking.
fn same_function(function: &mut Function, name: &str) -> Rewrite {
    if let FunctionArguments::List(list) = &function.args {
        for clause in &list.clauses {
            match clause {
                FunctionArgumentClause::IgnoreOrRespectNulls(_) | FunctionArgumentClause::OrderBy(_) => {}
                other => return Err(format!("{name}(… {other}) is not translated")),
            }
        }
    }
    Ok(None)
}

fn countif(function: &Function) -> Rewrite {
    // DuckDB's count_if is NULL over all-NULL input and a HUGEINT; BigQuery's COUNTIF is 0 and INT64.
    let Some(condition) = single_arg(function) else {
        return Err("this call of COUNTIF is not translated".to_string());
    };
    let mut out = template("count(*) FILTER (WHERE __a0)", &[&condition])?;
    if let Expr::Function(f) = &mut out {
        f.over = function.over.clone();
        if let Some(existing) = &function.filter {
            f.filter = Some(Box::new(template("(__a0) AND (__a1)", &[existing, &condition])?));
        }
    }
    Ok(Some(out))
}

fn ordered_aggregate(function: &mut Function, name: &str) -> Rewrite {
    let FunctionArguments::List(list) = &mut function.args else {
        return Err(format!("this call of {name} is not translated"));
    };
    let mut ignore_nulls = matches!(function.null_treatment, Some(NullTreatment::IgnoreNulls));
    let mut clauses = Vec::new();
    for clause in std::mem::take(&mut list.clauses) {
        match clause {
            FunctionArgumentClause::OrderBy(_) => clauses.push(clause),
            FunctionArgumentClause::IgnoreOrRespectNulls(NullTreatment::IgnoreNulls) => ignore_nulls = true,
            FunctionArgumentClause::IgnoreOrRespectNulls(NullTreatment::RespectNulls) => {}
            other => {
                let text = other.to_string();
                list.clauses = clauses;
                return Err(format!("{name}(… {text}) is not translated"));
            }
        }
    }
    list.clauses = clauses;
    function.null_treatment = None;
    if ignore_nulls {
        // DuckDB accepts IGNORE NULLS on window functions only; a filter drops the same rows.
        let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(value))) = list.args.first() else {
            return Err(format!("this call of {name} is not translated"));
        };
        let not_null = template("__a0 IS NOT NULL", &[value])?;
        function.filter = Some(Box::new(match function.filter.take() {
            Some(existing) => template("(__a0) AND __a1", &[&existing, &not_null])?,
            None => not_null,
        }));
    }
    Ok(Some(renamed(function, &name.to_ascii_lowercase())))
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

/// A BigQuery date part (`MONTH`, `WEEK(MONDAY)`), as written in an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Microsecond,
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    /// A week starting on the given day, 0 = Sunday … 6 = Saturday.
    Week(u8),
    Month,
    Quarter,
    Year,
    IsoYear,
}

impl Part {
    fn duckdb(self) -> &'static str {
        match self {
            Part::Microsecond => "microsecond",
            Part::Millisecond => "millisecond",
            Part::Second => "second",
            Part::Minute => "minute",
            Part::Hour => "hour",
            Part::Day => "day",
            Part::Week(_) => "week",
            Part::Month => "month",
            Part::Quarter => "quarter",
            Part::Year => "year",
            Part::IsoYear => "isoyear",
        }
    }

    fn sub_day(self) -> bool {
        matches!(self, Part::Microsecond | Part::Millisecond | Part::Second | Part::Minute | Part::Hour)
    }
}

const WEEKDAYS: [&str; 7] = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"];

fn date_part(expr: &Expr) -> Result<Part, String> {
    let word = match expr {
        Expr::Identifier(ident) => ident.value.to_ascii_uppercase(),
        Expr::Function(f) if upper_name(f).as_deref() == Some("WEEK") => {
            return match single_arg(f) {
                Some(Expr::Identifier(day)) => WEEKDAYS
                    .iter()
                    .position(|d| d.eq_ignore_ascii_case(&day.value))
                    .map(|i| Part::Week(i as u8))
                    .ok_or_else(|| format!("`WEEK({})` is not a date part", day.value)),
                _ => Err(format!("`{expr}` is not a date part")),
            };
        }
        other => return Err(format!("`{other}` is not a date part")),
    };
    Ok(match word.as_str() {
        "MICROSECOND" => Part::Microsecond,
        "MILLISECOND" => Part::Millisecond,
        "SECOND" => Part::Second,
        "MINUTE" => Part::Minute,
        "HOUR" => Part::Hour,
        "DAY" => Part::Day,
        "WEEK" => Part::Week(0),
        "ISOWEEK" => Part::Week(1),
        "MONTH" => Part::Month,
        "QUARTER" => Part::Quarter,
        "YEAR" => Part::Year,
        "ISOYEAR" => Part::IsoYear,
        other => return Err(format!("date part {other} is not translated")),
    })
}

/// A string literal where BigQuery expects a date or timestamp is coerced; DuckDB could not pick
/// an overload for it, so it is cast explicitly.
fn coerced(expr: &Expr, to: &str) -> Result<Expr, String> {
    if string_literal(expr).is_some() {
        template(&format!("CAST(__a0 AS {to})"), &[expr])
    } else {
        Ok(expr.clone())
    }
}

/// The start of the week (starting on `weekday`) holding `x`, keeping x's type: 2000-01-02 was
/// a Sunday.
fn week_start(weekday: u8) -> String {
    format!("time_bucket(INTERVAL 7 DAY, __a0, DATE '2000-01-{:02}')", 2 + weekday)
}

fn date_trunc(name: &str, value: &Expr, part: &Expr) -> Result<Expr, String> {
    let part = date_part(part)?;
    let to = if name == "DATE_TRUNC" { "DATE" } else { "TIMESTAMP" };
    let value = coerced(value, to)?;
    // DuckDB's date_trunc turns a DATE into a TIMESTAMP; time_bucket keeps the input's type, as
    // BigQuery's DATE_TRUNC does.
    let text = match part {
        Part::Week(day) => week_start(day),
        Part::IsoYear => return Err(format!("{name} to ISOYEAR is not translated")),
        p if name == "DATE_TRUNC" && !p.sub_day() => {
            let interval = match p {
                Part::Day => "INTERVAL 1 DAY",
                Part::Month => "INTERVAL 1 MONTH",
                Part::Quarter => "INTERVAL 3 MONTH",
                _ => "INTERVAL 1 YEAR",
            };
            format!("time_bucket({interval}, __a0)")
        }
        p => format!("date_trunc('{}', __a0)", p.duckdb()),
    };
    template(&text, &[&value])
}

/// BigQuery's DATE_DIFF and DATETIME_DIFF count part boundaries between the two values, like
/// DuckDB's date_diff; TIMESTAMP_DIFF counts whole elapsed parts, like DuckDB's date_sub. BigQuery
/// puts the later value first.
fn date_diff(name: &str, end: &Expr, start: &Expr, part: &Expr) -> Result<Expr, String> {
    let part = date_part(part)?;
    let to = if name == "DATE_DIFF" { "DATE" } else { "TIMESTAMP" };
    let (end, start) = (coerced(end, to)?, coerced(start, to)?);
    let text = if name == "TIMESTAMP_DIFF" {
        if !(part.sub_day() || part == Part::Day) {
            return Err(format!("TIMESTAMP_DIFF by {} is not translated", part.duckdb()));
        }
        format!("date_sub('{}', __a1, __a0)", part.duckdb())
    } else {
        match part {
            // DuckDB's week difference counts whole weeks elapsed, not week boundaries.
            Part::Week(day) => {
                let (e, s) = (week_start(day), week_start(day).replace("__a0", "__a1"));
                format!("(date_diff('day', {s}, {e}) // 7)")
            }
            p if p.sub_day() && name == "DATE_DIFF" => return Err(format!("DATE_DIFF by {} is not valid", p.duckdb())),
            p => format!("date_diff('{}', __a1, __a0)", p.duckdb()),
        }
    };
    template(&text, &[&end, &start])
}

fn date_add(name: &str, value: &Expr, interval: &Expr) -> Result<Expr, String> {
    let Expr::Interval(interval) = interval else {
        return Err(format!("{name} without an INTERVAL argument is not translated"));
    };
    if interval.last_field.is_some() {
        return Err(format!("{name} with a range INTERVAL is not translated"));
    }
    let unit = match &interval.leading_field {
        Some(field) => field.to_string().to_ascii_uppercase(),
        None => return Err(format!("{name} with an INTERVAL without a unit is not translated")),
    };
    let allowed: &[&str] = match name {
        "DATE_ADD" | "DATE_SUB" => &["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"],
        "TIMESTAMP_ADD" | "TIMESTAMP_SUB" => &["MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY"],
        _ => &["MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"],
    };
    if !allowed.contains(&unit.as_str()) {
        return Err(format!("{name} by {unit} is not translated"));
    }
    let sign = if name.ends_with("_SUB") { "-" } else { "+" };
    let amount = (*interval.value).clone();
    let text = if name.starts_with("DATE_") {
        // DuckDB's DATE + INTERVAL is a TIMESTAMP; BigQuery's DATE_ADD is a DATE.
        let value = coerced(value, "DATE")?;
        return template(&format!("CAST(__a0 {sign} INTERVAL (__a1) {unit} AS DATE)"), &[&value, &amount]);
    } else {
        format!("(__a0 {sign} INTERVAL (__a1) {unit})")
    };
    let value = coerced(value, "TIMESTAMP")?;
    template(&text, &[&value, &amount])
}

/// A BigQuery format string for FORMAT_*/PARSE_* as DuckDB's strftime/strptime reads it.
fn duckdb_format(format: &Expr, parsing: bool) -> Result<String, String> {
    let Some(text) = string_literal(format) else {
        return Err("a computed format string is not translated".to_string());
    };
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else {
            return Err("format string ends with `%`".to_string());
        };
        let mapped = match spec {
            'Y' | 'm' | 'd' | 'H' | 'M' | 'S' | 'j' | 'a' | 'A' | 'b' | 'B' | 'h' | 'y' | 'p' | 'I' | '%' => {
                format!("%{spec}")
            }
            'U' | 'W' | 'V' | 'G' | 'u' | 'w' if !parsing => format!("%{spec}"),
            'F' => "%Y-%m-%d".to_string(),
            'T' => "%H:%M:%S".to_string(),
            'D' => "%m/%d/%y".to_string(),
            'R' => "%H:%M".to_string(),
            'n' => "\n".to_string(),
            't' => "\t".to_string(),
            // %E3S and %E6S: seconds with milli- or microseconds.
            'E' => {
                let digits: String = chars.by_ref().take(2).collect();
                match digits.as_str() {
                    "3S" => "%S.%g".to_string(),
                    "6S" => "%S.%f".to_string(),
                    other => return Err(format!("format element %E{other} is not translated")),
                }
            }
            other => return Err(format!("format element %{other} is not translated")),
        };
        out.push_str(&mapped);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! Every trap is proved in DuckDB: the BigQuery text is parsed, translated, run in embedded
    //! DuckDB, and the value compared with BigQuery's documented result, on inputs that expose
    //! the difference.

    use super::*;
    use crate::sql::parse::{parse_expression, parse_statements};
    use duckdb::Connection;

    const RUN_TIME: &str = "2024-05-06 07:08:09";

    fn bigquery() -> BridgeOptions {
        BridgeOptions { from: Dialect::Bigquery, catalog: None }
    }

    fn database() -> Connection {
        let db = Connection::open_in_memory().expect("open DuckDB");
        db.execute_batch(&format!("SET VARIABLE {RUN_TIME_VARIABLE} = TIMESTAMP '{RUN_TIME}'"))
            .expect("set the run time");
        db
    }

    /// The DuckDB text of a BigQuery expression that must translate.
    fn translate(text: &str) -> String {
        let mut expr = parse_expression(text, Dialect::Bigquery).unwrap_or_else(|e| panic!("{text}: {e}"));
        let problems = expr_to_duckdb(&mut expr, &bigquery());
        assert!(problems.is_empty(), "{text}: {problems:?}");
        expr.to_string()
    }

    /// What BigQuery's refusal looks like: the problems found in an expression.
    fn problems(text: &str) -> Vec<Untranslatable> {
        let mut expr = parse_expression(text, Dialect::Bigquery).unwrap_or_else(|e| panic!("{text}: {e}"));
        expr_to_duckdb(&mut expr, &bigquery())
    }

    /// The value DuckDB computes for the translation of `text`, as text (`None` for NULL), or
    /// DuckDB's error.
    fn eval(text: &str) -> Result<Option<String>, String> {
        let sql = translate(text);
        parse_expression(&sql, Dialect::Duckdb).unwrap_or_else(|e| panic!("{sql} does not reparse: {e}"));
        database()
            .query_row(&format!("SELECT CAST(({sql}) AS VARCHAR)"), [], |row| row.get::<_, Option<String>>(0))
            .map_err(|e| format!("{sql}: {e}"))
    }

    fn value(text: &str) -> Option<String> {
        eval(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn is(text: &str, want: &str) {
        assert_eq!(value(text).as_deref(), Some(want), "{text} => {}", translate(text));
    }

    fn is_null(text: &str) {
        assert_eq!(value(text), None, "{text} => {}", translate(text));
    }

    fn fails(text: &str, message: &str) {
        let err = eval(text).expect_err(text);
        assert!(err.contains(message), "{text}: {err}");
    }

    fn type_of(text: &str) -> String {
        let sql = translate(text);
        database()
            .query_row(&format!("SELECT typeof({sql})"), [], |row| row.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Translates a BigQuery script, runs `setup` then the script in DuckDB, then `check`,
    /// returning its rows as text.
    fn run(setup: &str, script: &str, check: &str, options: &BridgeOptions) -> Vec<Vec<Option<String>>> {
        let mut statements = parse_statements(script, options.from).unwrap_or_else(|e| panic!("{script}: {e}"));
        let problems = to_duckdb(&mut statements, options);
        assert!(problems.is_empty(), "{script}: {problems:?}");
        let db = database();
        db.execute_batch(setup).expect("setup");
        let mut last = Vec::new();
        for statement in &statements {
            let sql = statement.to_string();
            // What is printed must read back as DuckDB, not only run.
            parse_statements(&sql, Dialect::Duckdb).unwrap_or_else(|e| panic!("{sql} does not reparse: {e}"));
            if matches!(statement, Statement::Query(_)) {
                last = rows(&db, &sql);
            } else {
                db.execute_batch(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
        }
        if check.is_empty() {
            last
        } else {
            rows(&db, check)
        }
    }

    fn rows(db: &Connection, sql: &str) -> Vec<Vec<Option<String>>> {
        let mut statement = db.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let mut out = Vec::new();
        let mut result = statement.query([]).unwrap_or_else(|e| panic!("{sql}: {e}"));
        while let Some(row) = result.next().expect("next row") {
            let width = row.as_ref().column_count();
            let mut values = Vec::new();
            for i in 0..width {
                let value: duckdb::types::Value = row.get(i).expect("a value");
                values.push(match value {
                    duckdb::types::Value::Null => None,
                    duckdb::types::Value::Text(s) => Some(s),
                    other => Some(format!("{other:?}")),
                });
            }
            out.push(values);
        }
        out
    }

    fn texts(rows: &[Vec<Option<String>>]) -> Vec<String> {
        rows.iter().map(|r| r.iter().map(|v| v.as_deref().unwrap_or("NULL")).collect::<Vec<_>>().join("|")).collect()
    }

    // ----- the trap table -----------------------------------------------------------------

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
    fn raw_strings_keep_backslashes_and_quotes_are_doubled() {
        is(r"r'\d'", r"\d");
        is(r"LENGTH(r'a\nb')", "4");
        is(r#"r"it's""#, "it's");
        // An escaped string whose value holds a backslash before a quote: sqlparser's printer
        // would leave that quote undoubled.
        is(r"'a\\\'b'", r"a\'b");
        is(r"'tab\there'", "tab\there");
        is(r"REGEXP_CONTAINS('2024', r'^\d{4}$')", "true");
    }

    #[test]
    fn double_quoted_strings_are_string_literals() {
        is(r#""OPEN""#, "OPEN");
        is(r#""it's""#, "it's");
        let got = run(
            "CREATE TABLE t AS SELECT * FROM (VALUES ('OPEN'), ('CLOSED')) v(status)",
            r#"SELECT COUNT(*) FROM t WHERE status = "OPEN""#,
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["BigInt(1)"]);
    }

    #[test]
    fn backtick_names_hold_schema_and_table() {
        let setup = "CREATE SCHEMA raw; CREATE TABLE raw.crm_customers AS SELECT 1 AS id, 'Ann' AS name; \
                     CREATE TABLE raw.orders AS SELECT 1 AS customer_id, 5 AS amount;";
        let got = run(
            setup,
            "SELECT `raw.crm_customers`.name, o.amount FROM `raw.crm_customers` \
             JOIN `raw`.`orders` AS o ON o.customer_id = `raw.crm_customers`.id",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["Ann|Int(5)"]);
    }

    #[test]
    fn backtick_names_in_every_statement_position() {
        let setup = "CREATE SCHEMA raw; CREATE SCHEMA stg;";
        let script = "BEGIN TRANSACTION;\n\
                      CREATE TABLE `stg.t` (id INT64, v STRING);\n\
                      INSERT INTO `stg.t` (id, v) VALUES (1, 'a'), (2, 'b');\n\
                      INSERT `stg.t` (id, v) VALUES (3, 'c');\n\
                      UPDATE `stg.t` SET v = 'z' WHERE `stg.t`.id = 2;\n\
                      DELETE `stg.t` WHERE id = 3;\n\
                      CREATE TABLE `raw.s` AS SELECT 1 AS id, 'm' AS v;\n\
                      MERGE `stg.t` T USING `raw.s` S ON T.id = S.id WHEN MATCHED THEN UPDATE SET v = S.v;\n\
                      COMMIT TRANSACTION;";
        let got = run(setup, script, "SELECT id, v FROM stg.t ORDER BY id", &bigquery());
        assert_eq!(texts(&got), ["BigInt(1)|m", "BigInt(2)|z"]);
    }

    #[test]
    fn quoted_identifiers_become_double_quoted() {
        assert_eq!(translate("`my col` * 2"), r#""my col" * CAST(2 AS BIGINT)"#);
        let got = run("CREATE TABLE t AS SELECT 1 AS \"order\"", "SELECT `order` AS `select` FROM t", "", &bigquery());
        assert_eq!(texts(&got), ["Int(1)"]);
    }

    #[test]
    fn safe_cast_safe_divide_ifnull_logical_and() {
        is_null("SAFE_CAST('x' AS INT64)");
        is("SAFE_CAST('12' AS INT64)", "12");
        is_null("SAFE_DIVIDE(1, 0)");
        is("SAFE_DIVIDE(1, 2)", "0.5");
        is("IFNULL(NULL, 2)", "2");
        let got =
            run("", "SELECT LOGICAL_AND(x), LOGICAL_OR(x) FROM UNNEST([true, false, NULL]) AS x", "", &bigquery());
        assert_eq!(texts(&got), ["Boolean(false)|Boolean(true)"]);
    }

    #[test]
    fn date_trunc_takes_the_part_second_and_keeps_the_type() {
        is("DATE_TRUNC(DATE '2024-03-15', MONTH)", "2024-03-01");
        assert_eq!(type_of("DATE_TRUNC(DATE '2024-03-15', MONTH)"), "DATE");
        is("DATE_TRUNC('2024-03-15', YEAR)", "2024-01-01");
        is("DATE_TRUNC(DATE '2024-05-15', QUARTER)", "2024-04-01");
        // 2024-01-10 is a Wednesday: BigQuery's weeks start on Sunday.
        is("DATE_TRUNC(DATE '2024-01-10', WEEK)", "2024-01-07");
        is("DATE_TRUNC(DATE '2024-01-10', WEEK(MONDAY))", "2024-01-08");
        is("DATE_TRUNC(DATE '2024-01-10', ISOWEEK)", "2024-01-08");
        is("DATE_TRUNC(DATE '1969-12-15', MONTH)", "1969-12-01");
        is("DATE_TRUNC(TIMESTAMP '2024-03-15 10:11:12', MONTH)", "2024-03-01 00:00:00");
        assert_eq!(type_of("DATE_TRUNC(TIMESTAMP '2024-03-15 10:11:12', MONTH)"), "TIMESTAMP");
        is("TIMESTAMP_TRUNC(TIMESTAMP '2024-03-15 10:11:12', HOUR)", "2024-03-15 10:00:00");
        is("TIMESTAMP_TRUNC(TIMESTAMP '2024-01-10 10:11:12', WEEK)", "2024-01-07 00:00:00");
        is("DATETIME_TRUNC(DATETIME '2024-03-15 10:11:12', DAY)", "2024-03-15 00:00:00");
    }

    #[test]
    fn date_diff_counts_boundaries_end_first() {
        is("DATE_DIFF('2024-03-01', '2024-01-31', MONTH)", "2");
        is("DATE_DIFF(DATE '2024-03-01', DATE '2024-01-31', DAY)", "30");
        is("DATE_DIFF(DATE '2024-01-31', DATE '2024-03-01', DAY)", "-30");
        is("DATE_DIFF(DATE '2024-01-01', DATE '2023-12-31', YEAR)", "1");
        // Saturday to the next Monday crosses one Sunday; Sunday to Saturday crosses none.
        is("DATE_DIFF(DATE '2024-01-08', DATE '2024-01-06', WEEK)", "1");
        is("DATE_DIFF(DATE '2024-01-13', DATE '2024-01-07', WEEK)", "0");
        is("DATE_DIFF(DATE '2024-01-08', DATE '2024-01-07', ISOWEEK)", "1");
        is("DATE_DIFF(DATE '2024-01-08', DATE '2024-01-07', WEEK(MONDAY))", "1");
        is("DATE_DIFF(DATE '2024-12-30', DATE '2024-12-29', ISOYEAR)", "1");
        assert_eq!(type_of("DATE_DIFF(DATE '2024-03-01', DATE '2024-01-31', DAY)"), "BIGINT");
    }

    #[test]
    fn timestamp_diff_counts_whole_parts_and_datetime_diff_boundaries() {
        is("TIMESTAMP_DIFF(TIMESTAMP '2024-01-02 01:00:00', TIMESTAMP '2024-01-01 23:00:00', DAY)", "0");
        is("TIMESTAMP_DIFF(TIMESTAMP '2024-01-02 01:00:00', TIMESTAMP '2024-01-01 23:00:00', HOUR)", "2");
        is("TIMESTAMP_DIFF(TIMESTAMP '2024-01-01 10:59:00', TIMESTAMP '2024-01-01 10:01:00', HOUR)", "0");
        is("DATETIME_DIFF(DATETIME '2024-01-02 01:00:00', DATETIME '2024-01-01 23:00:00', DAY)", "1");
        is("DATETIME_DIFF(DATETIME '2024-01-01 11:01:00', DATETIME '2024-01-01 10:59:00', HOUR)", "1");
        // The examples of BigQuery's documentation.
        is("TIMESTAMP_DIFF(TIMESTAMP '2001-02-01 01:00:00', TIMESTAMP '2001-02-01 00:00:01', HOUR)", "0");
        is("TIMESTAMP_DIFF(TIMESTAMP '2010-07-07 10:20:00+00', TIMESTAMP '2008-12-25 15:30:00+00', HOUR)", "13410");
        is("DATETIME_DIFF(DATETIME '2010-07-07 10:20:00', DATETIME '2008-12-25 15:30:00', DAY)", "559");
        is("DATETIME_DIFF(DATETIME '2017-10-15 00:00:00', DATETIME '2017-10-14 00:00:00', WEEK)", "1");
    }

    #[test]
    fn type_names_in_casts() {
        for (bq, duck) in [
            ("CAST(1 AS INT64)", "BIGINT"),
            ("CAST(1 AS INT)", "BIGINT"),
            ("CAST(1 AS FLOAT64)", "DOUBLE"),
            ("CAST(1 AS NUMERIC)", "DECIMAL(38,9)"),
            ("CAST(1 AS DECIMAL)", "DECIMAL(38,9)"),
            ("CAST(1 AS NUMERIC(10, 2))", "DECIMAL(10,2)"),
            ("CAST(1 AS BIGNUMERIC(20, 4))", "DECIMAL(20,4)"),
            ("CAST('a' AS STRING)", "VARCHAR"),
            ("CAST(1 AS BOOL)", "BOOLEAN"),
            ("CAST('a' AS BYTES)", "BLOB"),
            ("CAST('2024-01-01' AS DATE)", "DATE"),
            ("CAST('2024-01-01 10:00:00' AS DATETIME)", "TIMESTAMP"),
            ("CAST('2024-01-01 10:00:00' AS TIMESTAMP)", "TIMESTAMP"),
            ("NUMERIC '1.5'", "DECIMAL(38,9)"),
            ("DATETIME '2024-01-01 10:00:00'", "TIMESTAMP"),
            ("1.5", "DOUBLE"),
        ] {
            assert_eq!(type_of(bq), duck, "{bq}");
        }
        let found = problems("CAST(x AS BIGNUMERIC)");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("BIGNUMERIC"), "{found:?}");
    }

    #[test]
    fn type_names_in_ddl_and_unenforced_keys_dropped() {
        let script = "CREATE TABLE raw.t (\n  a INT64 NOT NULL,\n  b FLOAT64,\n  c NUMERIC,\n  \
                      d STRING OPTIONS(description = 'x'),\n  e BOOL,\n  f BYTES,\n  g DATE,\n  h DATETIME,\n  \
                      i TIMESTAMP,\n  j ARRAY<STRING>,\n  k STRUCT<x INT64, y STRING>,\n  \
                      PRIMARY KEY (a) NOT ENFORCED\n) PARTITION BY g CLUSTER BY a OPTIONS(description = 'd');\n\
                      INSERT INTO raw.t (a) VALUES (1), (1);";
        let check = "SELECT column_name, data_type FROM information_schema.columns \
                     WHERE table_name = 't' ORDER BY ordinal_position";
        let got = run("CREATE SCHEMA raw", script, check, &bigquery());
        assert_eq!(
            texts(&got),
            [
                "a|BIGINT",
                "b|DOUBLE",
                "c|DECIMAL(38,9)",
                "d|VARCHAR",
                "e|BOOLEAN",
                "f|BLOB",
                "g|DATE",
                "h|TIMESTAMP",
                "i|TIMESTAMP",
                "j|VARCHAR[]",
                "k|STRUCT(x BIGINT, y VARCHAR)",
            ]
        );
    }

    #[test]
    fn bignumeric_columns_are_reported_at_the_column() {
        let mut statements =
            parse_statements("CREATE TABLE raw.t (\n  a INT64,\n  b BIGNUMERIC\n)", Dialect::Bigquery).expect("parse");
        let found = to_duckdb(&mut statements, &bigquery());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].line, found[0].column), (3, 3));
    }

    #[test]
    fn countif_is_zero_and_bigint_over_all_null_rows() {
        let got = run(
            "CREATE TABLE t AS SELECT CAST(NULL AS BOOLEAN) AS c FROM range(3)",
            "SELECT COUNTIF(c) AS n, COUNTIF(c IS NULL) AS m FROM t",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["BigInt(0)|BigInt(3)"]);
        let got = run(
            "CREATE TABLE t AS SELECT CAST(NULL AS BOOLEAN) AS c",
            "CREATE TABLE r AS SELECT COUNTIF(c) AS n FROM t",
            "SELECT typeof(n) FROM r",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["BIGINT"]);
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
    fn order_by_puts_nulls_first_ascending_and_last_descending() {
        let setup = "CREATE TABLE t AS SELECT * FROM (VALUES (2, 'b'), (NULL, 'n'), (1, 'a')) v(x, y)";
        let got = run(setup, "SELECT y FROM t ORDER BY x", "", &bigquery());
        assert_eq!(texts(&got), ["n", "a", "b"]);
        let got = run(setup, "SELECT y FROM t ORDER BY x DESC", "", &bigquery());
        assert_eq!(texts(&got), ["b", "a", "n"]);
        let got = run(setup, "SELECT y, ROW_NUMBER() OVER (ORDER BY x) AS r FROM t ORDER BY r", "", &bigquery());
        assert_eq!(texts(&got), ["n|BigInt(1)", "a|BigInt(2)", "b|BigInt(3)"]);
        let got = run(setup, "SELECT STRING_AGG(y, ',' ORDER BY x) FROM t", "", &bigquery());
        assert_eq!(texts(&got), ["n,a,b"]);
        let got = run(setup, "SELECT STRING_AGG(y, ',' ORDER BY x DESC) FROM t", "", &bigquery());
        assert_eq!(texts(&got), ["b,a,n"]);
        // An explicit NULLS clause is kept.
        let got = run(setup, "SELECT y FROM t ORDER BY x ASC NULLS LAST", "", &bigquery());
        assert_eq!(texts(&got), ["a", "b", "n"]);
    }

    #[test]
    fn cast_to_int64_rounds_half_away_from_zero_for_every_input_type() {
        is("CAST(2.5 AS INT64)", "3");
        is("CAST(-2.5 AS INT64)", "-3");
        is("CAST(CAST(2.5 AS FLOAT64) AS INT64)", "3");
        is("CAST(CAST(-2.5 AS FLOAT64) AS INT64)", "-3");
        is("CAST(CAST(0.5 AS FLOAT64) AS INT64)", "1");
        is("CAST(CAST(2.4999999999999996 AS FLOAT64) AS INT64)", "2");
        is("CAST(NUMERIC '2.5' AS INT64)", "3");
        is("CAST(NUMERIC '-2.5' AS INT64)", "-3");
        is("CAST('12' AS INT64)", "12");
        is("CAST(' -12 ' AS INT64)", "-12");
        is("CAST(TRUE AS INT64)", "1");
        is("CAST(7 AS INT64)", "7");
        is_null("CAST(NULL AS INT64)");
        fails("CAST('2.5' AS INT64)", "bad int64 value");
        is_null("SAFE_CAST('2.5' AS INT64)");
        is("SAFE_CAST(CAST(2.5 AS FLOAT64) AS INT64)", "3");
        is_null("SAFE_CAST(CAST('nan' AS FLOAT64) AS INT64)");
        // A column of unknown type: the same translation serves every type.
        let got = run(
            "CREATE TABLE t AS SELECT 2.5::DOUBLE AS d, 2.5::DECIMAL(38,9) AS n, '3' AS s, 4 AS i",
            "SELECT CAST(d AS INT64), CAST(n AS INT64), CAST(s AS INT64), CAST(i AS INT64) FROM t",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["BigInt(3)|BigInt(3)|BigInt(3)|BigInt(4)"]);
    }

    #[test]
    fn division_by_zero_is_an_error() {
        fails("1 / 0", "division by zero");
        fails("1.5 / 0", "division by zero");
        fails("CAST(1 AS FLOAT64) / CAST(0 AS FLOAT64)", "division by zero");
        is("1 / 2", "0.5");
        is_null("1 / NULL");
        is("DIV(-7, 2)", "-3");
        fails("DIV(1, 0)", "Division by zero");
        fails("MOD(1, 0)", "Division by zero");
        is("MOD(-5, 3)", "-2");
        is("IEEE_DIVIDE(1, 0)", "inf");
        // A literal divisor that is not zero needs no guard.
        assert_eq!(translate("x / 100"), "x / 100");
        let got = run(
            "CREATE TABLE t AS SELECT * FROM (VALUES (4, 2), (1, 0)) v(a, b)",
            "SELECT a / b FROM t WHERE b <> 0",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["Double(2.0)"]);
    }

    #[test]
    fn aggregate_result_types_keep_bigquery_values() {
        // SUM of INT64: DuckDB's HUGEINT holds the same value (the type family is INT64).
        let got = run(
            "CREATE TABLE t AS SELECT * FROM (VALUES (1::BIGINT), (2::BIGINT)) v(x)",
            "SELECT SUM(x), AVG(x) FROM t",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["HugeInt(3)|Double(1.5)"]);
        // AVG of NUMERIC: BigQuery 1.666666667 (NUMERIC), DuckDB a DOUBLE within 1e-9 of it.
        let got = run(
            "CREATE TABLE t AS SELECT * FROM (VALUES (1), (2), (2)) v(x)",
            "SELECT AVG(CAST(x AS NUMERIC)) FROM t",
            "",
            &bigquery(),
        );
        let avg: f64 = got[0][0]
            .as_deref()
            .and_then(|s| s.strip_prefix("Double("))
            .and_then(|s| s.strip_suffix(')'))
            .and_then(|s| s.parse().ok())
            .expect("a DOUBLE");
        assert!((avg - 1.666666667).abs() < 1e-9, "{avg}");
        // NUMERIC * NUMERIC past 1e20: DuckDB's DECIMAL(38,18) stops with an error rather than
        // returning another value; the engine sees a failed run, never a wrong number.
        fails("CAST(123456789012345678901 AS NUMERIC) * CAST(10 AS NUMERIC)", "Overflow");
        is("CAST(1.5 AS NUMERIC) * CAST(2.5 AS NUMERIC)", "3.750000000000000000");
    }

    #[test]
    fn integer_literals_are_int64() {
        is("100000 * 100000", "10000000000");
        is("2147483647 + 1", "2147483648");
        assert_eq!(type_of("1 + 1"), "BIGINT");
        // DATE minus days keeps working: DuckDB has DATE - INTEGER, not DATE - BIGINT.
        is("DATE '2024-01-10' - 1", "2024-01-09");
    }

    #[test]
    fn merge_gets_into() {
        let setup = "CREATE TABLE t AS SELECT 1 AS id, 'old' AS v; CREATE TABLE s AS SELECT 1 AS id, 'new' AS v";
        let script = "MERGE t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v";
        let mut statements = parse_statements(script, Dialect::Bigquery).expect("parse");
        assert!(to_duckdb(&mut statements, &bigquery()).is_empty());
        assert!(statements[0].to_string().starts_with("MERGE INTO t USING s"), "{}", statements[0]);
        assert_eq!(texts(&run(setup, script, "SELECT v FROM t", &bigquery())), ["new"]);
    }

    #[test]
    fn the_clock_is_the_run_time_in_both_dialects() {
        for text in ["CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP()", "CURRENT_DATETIME()"] {
            is(text, RUN_TIME);
            assert_eq!(type_of(text), "TIMESTAMP", "{text}");
        }
        is("CURRENT_DATE()", "2024-05-06");
        is("CURRENT_DATE", "2024-05-06");
        assert_eq!(type_of("CURRENT_DATE"), "DATE");
        is("TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR)", "2024-05-06 06:08:09");
        let duckdb = BridgeOptions { from: Dialect::Duckdb, catalog: None };
        for text in ["current_timestamp", "now()", "get_current_timestamp()", "current_date", "today()"] {
            let mut expr = parse_expression(text, Dialect::Duckdb).expect("parse");
            assert!(expr_to_duckdb(&mut expr, &duckdb).is_empty());
            assert!(expr.to_string().contains("getvariable('specproof_run_time')"), "{text}: {expr}");
            let got: String =
                database().query_row(&format!("SELECT CAST(({expr}) AS VARCHAR)"), [], |r| r.get(0)).expect("run");
            assert!(RUN_TIME.starts_with(&got), "{text}: {got}");
        }
    }

    #[test]
    fn catalog_qualifies_schema_names_so_temp_is_not_ambiguous() {
        let options = BridgeOptions { from: Dialect::Bigquery, catalog: Some("memory".to_string()) };
        let script = "CREATE SCHEMA IF NOT EXISTS temp;\n\
                      CREATE TABLE temp.stg AS SELECT 1 AS id;\n\
                      CREATE TABLE `temp.out` AS SELECT temp.stg.id, s.id AS id2 \
                      FROM temp.stg JOIN `temp.stg` AS s USING (id)";
        let got = run("", script, "SELECT * FROM memory.temp.out", &options);
        assert_eq!(texts(&got), ["Int(1)|Int(1)"]);
        let mut statements = parse_statements("SELECT * FROM temp.stg, cte", Dialect::Duckdb).expect("parse");
        to_duckdb(&mut statements, &BridgeOptions { from: Dialect::Duckdb, catalog: Some("memory".to_string()) });
        assert_eq!(statements[0].to_string(), r#"SELECT * FROM "memory".temp.stg, cte"#);
    }

    // ----- beyond the table ---------------------------------------------------------------

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
    fn null_propagation_and_math() {
        is_null("GREATEST(1, NULL)");
        is_null("LEAST(NULL, 1)");
        is("GREATEST(1, 3, 2)", "3");
        is("IF(1 > 2, 'a', 'b')", "b");
        is("IF(NULL, 'a', 'b')", "b");
        let ln100 = value("LOG(100)").expect("a value");
        assert!(ln100.starts_with("4.605"), "{ln100}");
        is("LOG(8, 2)", "3.0");
        is("LOG10(100)", "2.0");
        fails("SQRT(-1)", "negative");
        fails("LN(0)", "not positive");
        fails("POW(0, -1)", "negative power");
        is("POW(2, 10)", "1024.0");
        is("ROUND(2.5)", "3.0");
        is("ROUND(-2.5)", "-3.0");
        is("6 ^ 3", "5");
    }

    #[test]
    fn casts_to_string_print_as_bigquery() {
        is("CAST(NUMERIC '1.50' AS STRING)", "1.5");
        is("CAST(NUMERIC '100' AS STRING)", "100");
        is("CAST(NUMERIC '0' AS STRING)", "0");
        is("CAST(CAST(1 AS FLOAT64) AS STRING)", "1");
        is("CAST(0.25 AS STRING)", "0.25");
        is("CAST(100 AS STRING)", "100");
        is("CAST(TRUE AS STRING)", "true");
        is("CAST(DATE '2024-01-05' AS STRING)", "2024-01-05");
    }

    #[test]
    fn timestamps_with_offsets_are_instants_in_utc() {
        is("TIMESTAMP '2024-01-01 00:00:00+05'", "2023-12-31 19:00:00");
        is("TIMESTAMP '2024-01-01T10:00:00Z'", "2024-01-01 10:00:00");
        is("CAST('2024-01-01 00:00:00+01:00' AS TIMESTAMP)", "2023-12-31 23:00:00");
        is("TIMESTAMP('2024-01-01 00:00:00+01:00')", "2023-12-31 23:00:00");
        is("CAST(DATE '2024-01-01' AS TIMESTAMP)", "2024-01-01 00:00:00");
        assert_eq!(problems("TIMESTAMP '2024-01-01 10:00:00 America/New_York'").len(), 1);
    }

    #[test]
    fn date_arithmetic_and_formats() {
        is("DATE_ADD(DATE '2024-01-31', INTERVAL 1 MONTH)", "2024-02-29");
        assert_eq!(type_of("DATE_ADD(DATE '2024-01-31', INTERVAL 1 DAY)"), "DATE");
        is("DATE_SUB('2024-03-01', INTERVAL 1 DAY)", "2024-02-29");
        is("DATE_ADD(DATE '2024-01-01', INTERVAL 1 QUARTER)", "2024-04-01");
        is("TIMESTAMP_ADD(TIMESTAMP '2024-01-01 23:00:00', INTERVAL 2 HOUR)", "2024-01-02 01:00:00");
        is("DATETIME_SUB(DATETIME '2024-03-31 10:00:00', INTERVAL 1 MONTH)", "2024-02-29 10:00:00");
        let got = run(
            "CREATE TABLE t AS SELECT DATE '2024-01-01' AS d, 3 AS n",
            "SELECT DATE_ADD(d, INTERVAL n DAY) FROM t",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["Date32(19726)"]);
        is("FORMAT_DATE('%Y-%m-%d', DATE '2024-01-05')", "2024-01-05");
        is("FORMAT_DATE('%F (%a %b)', DATE '2024-01-05')", "2024-01-05 (Fri Jan)");
        is("FORMAT_DATE('%U %W %V %G %u %w', DATE '2024-01-07')", "01 01 01 2024 7 0");
        is("FORMAT_TIMESTAMP('%T %p', TIMESTAMP '2024-01-05 13:04:05')", "13:04:05 PM");
        is("FORMAT_TIMESTAMP('%E3S', TIMESTAMP '2024-01-05 13:04:05.123456')", "05.123");
        is("PARSE_DATE('%d/%m/%Y', '05/01/2024')", "2024-01-05");
        assert_eq!(type_of("PARSE_DATE('%d/%m/%Y', '05/01/2024')"), "DATE");
        is("PARSE_TIMESTAMP('%Y%m%d %H%M', '20240105 1304')", "2024-01-05 13:04:00");
        let found = problems("FORMAT_DATE('%e', d)");
        assert!(found.len() == 1 && found[0].message.contains("%e"), "{found:?}");
        assert_eq!(problems("FORMAT_TIMESTAMP('%Y', ts, 'Europe/Paris')").len(), 1);
        is("DATE(2024, 1, 5)", "2024-01-05");
        is("DATE(TIMESTAMP '2024-01-05 23:00:00')", "2024-01-05");
    }

    #[test]
    fn extract_parts_count_as_bigquery() {
        // 2024-01-07 is a Sunday.
        is("EXTRACT(DAYOFWEEK FROM DATE '2024-01-07')", "1");
        is("EXTRACT(DAYOFWEEK FROM DATE '2024-01-06')", "7");
        is("EXTRACT(WEEK FROM DATE '2024-01-06')", "0");
        is("EXTRACT(WEEK FROM DATE '2024-01-07')", "1");
        is("EXTRACT(ISOWEEK FROM DATE '2024-01-07')", "1");
        is("EXTRACT(WEEK(MONDAY) FROM DATE '2024-01-07')", "1");
        is("EXTRACT(YEAR FROM DATE '2024-01-07')", "2024");
        is("EXTRACT(DAYOFYEAR FROM DATE '2024-02-01')", "32");
        is("EXTRACT(MILLISECOND FROM TIMESTAMP '2024-01-07 10:00:05.123')", "123");
        is("EXTRACT(MICROSECOND FROM TIMESTAMP '2024-01-07 10:00:05.123456')", "123456");
        is("EXTRACT(DATE FROM TIMESTAMP '2024-01-07 10:00:05')", "2024-01-07");
        assert_eq!(problems("EXTRACT(WEEK(FRIDAY) FROM d)").len(), 1);
    }

    #[test]
    fn aggregates_keep_their_clauses() {
        let setup = "CREATE TABLE t AS SELECT * FROM (VALUES (2, 'b'), (NULL, NULL), (1, 'a')) v(x, y)";
        let got = run(setup, "SELECT ARRAY_AGG(x IGNORE NULLS ORDER BY x DESC) FROM t", "", &bigquery());
        assert_eq!(texts(&got), ["List([Int(2), Int(1)])"]);
        let got = run(setup, "SELECT STRING_AGG(DISTINCT y) FROM t", "", &bigquery());
        assert!(texts(&got) == ["a,b"] || texts(&got) == ["b,a"], "{got:?}");
        assert_eq!(problems("ARRAY_AGG(x LIMIT 2)").len(), 1);
        let got = run(setup, "SELECT COUNTIF(x > 1) OVER () FROM t LIMIT 1", "", &bigquery());
        assert_eq!(texts(&got), ["BigInt(1)"]);
    }

    #[test]
    fn select_star_except_replace_qualify_unnest() {
        let setup = "CREATE TABLE t AS SELECT 1 AS a, 2 AS b, 3 AS c, [1, 2] AS arr";
        let got = run(setup, "SELECT * EXCEPT (b, arr) FROM t", "", &bigquery());
        assert_eq!(texts(&got), ["Int(1)|Int(3)"]);
        let got = run(setup, "SELECT * EXCEPT (arr) REPLACE (a * 10 AS a) FROM t", "", &bigquery());
        assert_eq!(texts(&got), ["BigInt(10)|Int(2)|Int(3)"]);
        let got = run(setup, "SELECT x FROM t, UNNEST(t.arr) AS x ORDER BY x DESC", "", &bigquery());
        assert_eq!(texts(&got), ["Int(2)", "Int(1)"]);
        let got = run(setup, "SELECT 2 IN UNNEST(arr), 5 IN UNNEST(arr), 5 NOT IN UNNEST(arr) FROM t", "", &bigquery());
        assert_eq!(texts(&got), ["Boolean(true)|Boolean(false)|Boolean(true)"]);
        let got = run(
            "CREATE TABLE t AS SELECT * FROM (VALUES (1, 'x'), (2, 'x'), (3, 'y')) v(id, k)",
            "SELECT id FROM t WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY k ORDER BY id DESC) = 1 ORDER BY id",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["Int(2)", "Int(3)"]);
    }

    #[test]
    fn array_subscripts_count_as_bigquery() {
        let setup = "CREATE TABLE t AS SELECT [10, 20, 30] AS arr";
        let got = run(
            setup,
            "SELECT arr[OFFSET(0)], arr[ORDINAL(1)], arr[SAFE_OFFSET(5)], arr[SAFE_OFFSET(-1)], arr[1] FROM t",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["Int(10)|Int(10)|NULL|NULL|Int(20)"]);
        let mut statements = parse_statements("SELECT arr[OFFSET(3)] FROM t", Dialect::Bigquery).expect("parse");
        assert!(to_duckdb(&mut statements, &bigquery()).is_empty());
        let db = database();
        db.execute_batch(setup).expect("setup");
        let err = db.execute_batch(&statements[0].to_string()).expect_err("out of bounds");
        assert!(err.to_string().contains("out of bounds"), "{err}");
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

    #[test]
    fn generate_uuid_is_a_random_string() {
        is("LENGTH(GENERATE_UUID())", "36");
        assert_eq!(type_of("GENERATE_UUID()"), "VARCHAR");
    }

    #[test]
    fn untranslatable_constructs_are_reported_at_their_place() {
        let script = "CREATE TEMP FUNCTION f(x STRING) RETURNS STRING LANGUAGE js AS r'return x;';\n\
                      SELECT\n  a,\n  my_js_udf(a) AS b,\n  mydataset.fn(a)\n\
                      FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2024-01-01'";
        let mut statements = parse_statements(script, Dialect::Bigquery).expect("parse");
        let found = to_duckdb(&mut statements, &bigquery());
        let places: Vec<(u64, u64)> = found.iter().map(|u| (u.line, u.column)).collect();
        assert_eq!(places, [(1, 1), (4, 3), (5, 3), (6, 6)], "{found:?}");
        assert!(found[1].message.contains("MY_JS_UDF"), "{found:?}");
        assert!(found[3].message.contains("FOR SYSTEM_TIME"), "{found:?}");
    }

    #[test]
    fn positions_survive_rewritten_neighbours() {
        // The IF and the division become templates; the unknown function after them keeps its
        // place in the user's text.
        let found = problems("IF(a > 0, a / b, 0)\n  + SAFE.NOPE(1)".replace("SAFE.NOPE", "NOPE").as_str());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].line, found[0].column), (2, 5));
        let found = problems("CONCAT(a, b) || WHATEVER(c)");
        assert_eq!((found[0].line, found[0].column), (1, 17));
    }

    #[test]
    fn unknown_and_non_faithful_functions_are_reported() {
        for text in
            ["CONTAINS_SUBSTR(a, 'x')", "TO_JSON_STRING(a)", "FORMAT('%d', a)", "ROUND(x, 2, 'ROUND_HALF_EVEN')"]
        {
            assert_eq!(problems(text).len(), 1, "{text}");
        }
    }

    #[test]
    fn duckdb_code_is_left_alone_but_for_names_and_clock() {
        let duckdb = BridgeOptions { from: Dialect::Duckdb, catalog: None };
        let text = "SELECT concat(a, NULL), TRIM(b), regexp_replace(c, 'x', 'y'), \"OPEN\" FROM s.t ORDER BY a";
        let mut statements = parse_statements(text, Dialect::Duckdb).expect("parse");
        assert!(to_duckdb(&mut statements, &duckdb).is_empty());
        assert_eq!(statements[0].to_string(), text);
    }

    #[test]
    fn output_is_deterministic_and_reparses_as_duckdb() {
        let text = "SELECT COUNTIF(x > 1), SAFE_DIVIDE(a, b), TRIM(s), `raw.t`.c FROM `raw.t` ORDER BY a";
        let once = |t: &str| {
            let mut statements = parse_statements(t, Dialect::Bigquery).expect("parse");
            assert!(to_duckdb(&mut statements, &bigquery()).is_empty());
            statements[0].to_string()
        };
        let first = once(text);
        assert_eq!(first, once(text));
        parse_statements(&first, Dialect::Duckdb).unwrap_or_else(|e| panic!("{first}: {e}"));
    }
}
