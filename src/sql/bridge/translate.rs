//! The entry points and the walk: the visitor that meets every statement, table, select,
//! `ORDER BY`, name, value and expression of the tree, and hands each to its rewrite.

use super::expressions::bigquery_expr;
use super::functions::{bigquery_function, duckdb_function};
use super::literals::duckdb_string;
use super::names::{set_quoted, split_dotted_parts};
use super::rewrite::Rewrite;
use super::types::duckdb_type;
use crate::sql::dialect::Dialect;
use sqlparser::ast::{
    ColumnOption, CreateTableOptions, ExceptSelectItem, ExcludeSelectItem, Expr, FromTable, Ident, ObjectName,
    ObjectNamePart, OrderByExpr, OrderBySort, Select, SelectItem, Spanned, Statement, TableAliasColumnDef,
    TableConstraint, TableFactor, Value, ValueWithSpan, VisitMut, VisitorMut, WildcardAdditionalOptions,
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
            Statement::Merge(merge) => {
                merge.into = true;
                unqualify_merge_assignments(merge);
            }
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
        // sqlparser prints `- -x` as `--x`, which DuckDB reads as a comment to the end of the
        // line: the statement would run cut short, or fail and be blamed on the code. A minus
        // before an operand that prints with a minus of its own gets it in parentheses. Both
        // dialects: DuckDB code is printed and run too.
        if let Expr::UnaryOp { op: sqlparser::ast::UnaryOperator::Minus, expr: operand } = expr {
            if operand.to_string().starts_with('-') {
                let inner = std::mem::replace(operand.as_mut(), Expr::Value(Value::Null.into()));
                **operand = Expr::Nested(Box::new(inner));
            }
        }
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

/// BigQuery lets `MERGE … UPDATE SET T.col = …` name the target's column through its alias or
/// table; DuckDB takes the bare column only. The column set is always the target's, so the
/// qualifier carries no meaning and is dropped.
fn unqualify_merge_assignments(merge: &mut sqlparser::ast::Merge) {
    use sqlparser::ast::{AssignmentTarget, MergeAction, MergeUpdateExpr, MergeUpdateKind, ObjectName};
    let bare = |name: &mut ObjectName| {
        if name.0.len() > 1 {
            name.0.drain(..name.0.len() - 1);
        }
    };
    for clause in &mut merge.clauses {
        if let MergeAction::Update(MergeUpdateExpr { kind: MergeUpdateKind::Set(assignments), .. }) = &mut clause.action
        {
            for assignment in assignments {
                match &mut assignment.target {
                    AssignmentTarget::ColumnName(name) => bare(name),
                    AssignmentTarget::Tuple(names) => names.iter_mut().for_each(bare),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::bridge::test_support::*;
    use crate::sql::parse::parse_statements;

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
    fn merge_assignments_qualified_by_the_target_run_in_duckdb() {
        let setup = "CREATE SCHEMA raw; CREATE SCHEMA stg; CREATE TABLE stg.t AS SELECT 1 AS id, 'a' AS v; \
                     CREATE TABLE raw.s AS SELECT 1 AS id, 'm' AS v UNION ALL SELECT 2, 'n'";
        let script = "MERGE `stg.t` T USING `raw.s` S ON T.id = S.id\n\
                      WHEN MATCHED THEN UPDATE SET T.v = S.v\n\
                      WHEN NOT MATCHED THEN INSERT (id, v) VALUES (S.id, S.v);";
        let got = run(setup, script, "SELECT id, v FROM stg.t ORDER BY id", &bigquery());
        assert_eq!(texts(&got), ["Int(1)|m", "Int(2)|n"]);
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

    /// Found by the fuzzing harness (issue 13, tests/it/fuzz.rs): `- - order_id` was printed
    /// `--order_id`, a comment in DuckDB, and the rest of the line (`HAVING`, `QUALIFY`, a set
    /// operation, `LIMIT`) was lost.
    #[test]
    fn a_double_minus_is_not_printed_as_a_comment() {
        is("- -1", "1");
        is("- - -2 + 5", "3");
        for dialect in [Dialect::Bigquery, Dialect::Duckdb] {
            let mut statements = parse_statements("SELECT - -a AS a, 2 AS b FROM t", dialect).expect("parse");
            let options = BridgeOptions { from: dialect, catalog: None };
            assert!(to_duckdb(&mut statements, &options).is_empty());
            let printed = statements[0].to_string();
            assert!(!printed.contains("--"), "{printed}");
            let again = parse_statements(&printed, Dialect::Duckdb).expect("the output parses");
            assert_eq!(again[0].to_string(), printed);
        }
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
    fn merge_gets_into() {
        let setup = "CREATE TABLE t AS SELECT 1 AS id, 'old' AS v; CREATE TABLE s AS SELECT 1 AS id, 'new' AS v";
        let script = "MERGE t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v";
        let mut statements = parse_statements(script, Dialect::Bigquery).expect("parse");
        assert!(to_duckdb(&mut statements, &bigquery()).is_empty());
        assert!(statements[0].to_string().starts_with("MERGE INTO t USING s"), "{}", statements[0]);
        assert_eq!(texts(&run(setup, script, "SELECT v FROM t", &bigquery())), ["new"]);
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
