//! Reading shipped tests: each `tests/*.sql` file is evaluated by the template front end, parsed
//! once, and every statement sorted into a fixture, an assertion or a singular test.
//!
//! The file's templates are Dataform's (`${ref('m')}`) when the file holds `${`, else dbt's
//! (`{{ ref('m') }}`); either way positions map back to the file as written. Its SQL is read in
//! the project's dialect (BigQuery unless the project says DuckDB), as the model code is.

use crate::finding::{Code, Finding, Location};
use crate::project::code::{ProjectTables, MAX_CODE_BYTES};
use crate::project::layout::{display, Project};
use crate::spec::catalog::Catalog;
use crate::spec::model::{Dialect, Spec};
use crate::spec::resolve::context::{target_of, Target};
use crate::sql::parse::parse_located_statements;
use crate::sql::template::{render, Rendered, TableRef, TemplateKind};
use sqlparser::ast::{Expr, ObjectName, ObjectNamePart, Query, SetExpr, Statement, Value, Visit, Visitor};
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};
use std::ops::ControlFlow;

/// Every shipped test file of a project, read and sorted by path.
#[derive(Debug, Clone, Default)]
pub struct Suite {
    /// The files, in path order.
    pub files: Vec<TestFile>,
}

/// One `tests/*.sql` file.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// The file as shown in messages.
    pub file: String,
    /// The dialect its SQL was parsed in.
    pub dialect: Dialect,
    /// Template evaluation: the SQL and the map back to the file.
    pub rendered: Option<Rendered>,
    /// The `-- cte: <model>.<cte>` header, when the file has one.
    pub cte: Option<CteTarget>,
    /// The statements, in file order. Empty when the file could not be read or parsed.
    pub statements: Vec<TestStatement>,
    /// The file's comments, consecutive `--` lines joined into one.
    pub comments: Vec<Comment>,
    /// Why the file (or part of it) cannot run: reading, template and parse problems (TST002).
    pub findings: Vec<Finding>,
}

impl TestFile {
    /// Whether the file fills tables of its own, and so runs in a database of its own.
    pub fn has_fixtures(&self) -> bool {
        self.statements.iter().any(|s| matches!(s.kind, StatementKind::Fixture { .. }))
    }

    /// The statements that are tests (assertions and singular tests).
    pub fn tests(&self) -> impl Iterator<Item = &TestStatement> {
        self.statements.iter().filter(|s| s.is_test())
    }
}

/// The CTE of a model that a file's tests read, from its `-- cte: <model>.<cte>` header.
///
/// The engine materialises the CTE (the model's WITH clause up to and including it, then
/// `SELECT * FROM <cte>`) on the file's inputs, and the tests name it by the CTE's name alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CteTarget {
    /// The model, as the spec names it.
    pub model: String,
    /// The CTE's name inside the model's query.
    pub cte: String,
    /// Where the header is.
    pub location: Location,
}

/// A comment of a test file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The text without `--`, `/*`, `*/`, one line per comment line.
    pub text: String,
    /// Where it starts in the file.
    pub location: Location,
    /// Its first and last line in the rendered SQL, to tell which statement it precedes.
    lines: (u64, u64),
}

/// One statement of a test file, and where it starts in the file.
#[derive(Debug, Clone)]
pub struct TestStatement {
    /// What it is.
    pub kind: StatementKind,
    /// Its first token in the file.
    pub location: Location,
    /// The comment right above it, when there is one: how a finding names the test when it has
    /// no ASSERT message.
    pub description: Option<String>,
}

impl TestStatement {
    /// An assertion or a singular test.
    pub fn is_test(&self) -> bool {
        matches!(self.kind, StatementKind::Assert { .. } | StatementKind::Singular(_))
    }

    /// The name a finding gives this test: the ASSERT message, else the comment above it.
    pub fn title(&self) -> Option<&str> {
        match &self.kind {
            StatementKind::Assert { message: Some(message), .. } => Some(message),
            _ => self.description.as_deref(),
        }
    }
}

/// The kinds of statement a test file holds.
#[derive(Debug, Clone)]
pub enum StatementKind {
    /// `CREATE [OR REPLACE] [TEMP] TABLE <name> AS <query>`: the rows `query` returns replace the
    /// table's for this file. The name is a source table, a model, or (neither) a helper table
    /// the file creates for its own use.
    Fixture {
        /// The name as written, its parts split (BigQuery's `` `raw.t` `` is two parts).
        name: Vec<String>,
        /// The rows.
        query: Box<Query>,
    },
    /// BigQuery's `ASSERT <condition> [AS 'message']`: fails when the condition is not true.
    Assert {
        /// The condition.
        condition: Box<Expr>,
        /// The message, when it is a string literal.
        message: Option<String>,
    },
    /// A query: every row it returns is a failure (dbt's singular tests).
    Singular(Box<Query>),
    /// Any other statement: a test file cannot hold it (TST002).
    Other(Box<Statement>),
}

/// What a table name in a test file refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableTarget {
    /// A source table of the catalog, by its `schema.table` key.
    Source(String),
    /// The model at this spec index.
    Model(usize),
    /// The CTE the file's header names.
    Cte,
    /// Anything else (a helper table of the file, or an unknown name), as written.
    Other(String),
}

/// Resolves a table name as a test file writes it: the header's CTE by its bare name, a source
/// or model as the spec resolves source entries (`raw.t`, `temp.m`, `m`), else [`TableTarget::Other`].
pub fn resolve(spec: &Spec, catalog: &Catalog, cte: Option<&CteTarget>, parts: &[String]) -> TableTarget {
    if let ([name], Some(cte)) = (parts, cte) {
        if name.eq_ignore_ascii_case(&cte.cte) {
            return TableTarget::Cte;
        }
    }
    let joined = parts.join(".");
    match target_of(spec, catalog, &joined) {
        Target::Table(key) => TableTarget::Source(key),
        Target::Model(i) => TableTarget::Model(i),
        Target::Unknown => TableTarget::Other(joined),
    }
}

/// The tables a statement, query or expression reads, each as its name's parts; names of its
/// own CTEs are left out.
pub fn reads_of<V: Visit>(node: &V) -> Vec<Vec<String>> {
    let mut found = Reads::default();
    let _ = node.visit(&mut found);
    found.finish()
}

#[derive(Default)]
struct Reads {
    ctes: Vec<String>,
    names: Vec<Vec<String>>,
}

impl Reads {
    fn finish(self) -> Vec<Vec<String>> {
        let Reads { ctes, mut names } = self;
        names.retain(|n| !(n.len() == 1 && ctes.iter().any(|c| c.eq_ignore_ascii_case(&n[0]))));
        names.sort();
        names.dedup();
        names
    }
}

impl Visitor for Reads {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            self.ctes.extend(with.cte_tables.iter().map(|c| c.alias.name.value.clone()));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        self.names.push(name_parts(relation));
        ControlFlow::Continue(())
    }
}

/// A table name's parts; a BigQuery quoted name holding dots (`` `raw.t` ``) is split.
pub fn name_parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .flat_map(|part| match part {
            ObjectNamePart::Identifier(ident) => ident.value.split('.').map(str::to_string).collect(),
            ObjectNamePart::Function(f) => vec![f.name.value.clone()],
        })
        .collect()
}

/// Reads every test file of `project`.
pub fn load_suite(project: &Project) -> Suite {
    let tables = ProjectTables::new(&project.spec.spec, &project.catalog);
    let files = project
        .test_files
        .iter()
        .map(|path| {
            let file = display(path);
            match crate::error::read_text(path, MAX_CODE_BYTES) {
                Ok(text) => analyse_test_file(&file, &text, project, &tables),
                Err(error) => unreadable(&file, project.code_dialect, error.to_string()),
            }
        })
        .collect();
    Suite { files }
}

/// A file that could not be read: it holds nothing but that finding.
fn unreadable(file: &str, dialect: Dialect, message: String) -> TestFile {
    let at = Location { file: file.to_string(), line: 1, column: 1 };
    TestFile {
        file: file.to_string(),
        dialect,
        rendered: None,
        cte: None,
        statements: Vec::new(),
        comments: Vec::new(),
        findings: vec![Finding::new(Code::ShippedTestNotRun, message).at(at)],
    }
}

/// Reads one test file whose text is in memory; `file` is its name in messages.
pub fn analyse_test_file(file: &str, text: &str, project: &Project, tables: &ProjectTables<'_>) -> TestFile {
    let dialect = project.code_dialect;
    let kind = if text.contains("${") { TemplateKind::Sqlx } else { TemplateKind::Sql };
    // A test file belongs to no model: `self()` / `{{ this }}` resolve to nothing.
    let resolver = |table: &TableRef| match table {
        TableRef::This => None,
        other => tables.resolve_ref(other, ""),
    };
    let rendered = render(text, kind, dialect, &resolver);
    let mut out = TestFile {
        file: file.to_string(),
        dialect,
        rendered: None,
        cte: None,
        statements: Vec::new(),
        comments: Vec::new(),
        findings: Vec::new(),
    };
    for issue in &rendered.issues {
        let at = Location { file: file.to_string(), line: issue.line, column: issue.column };
        out.findings.push(match &issue.fix {
            Some(fix) => {
                let mut finding = Finding::new(Code::TemplateMistake, issue.message.clone()).at(at).help(fix.clone());
                finding.subject = crate::finding::Subject::Test;
                finding
            }
            None => Finding::new(Code::ShippedTestNotRun, issue.message.clone()).at(at),
        });
    }
    // A recognised mistake was rendered as its fix would have it: the tests still run.
    if rendered.issues.iter().any(|i| i.fix.is_none()) {
        out.rendered = Some(rendered);
        return out;
    }
    let locate = |line: u64, column: u64| {
        let (line, column) = rendered.locate(&rendered.main, line, column);
        Location { file: file.to_string(), line, column }
    };
    out.comments = comments(&rendered.main.sql, dialect, &locate);
    match parse_located_statements(&rendered.main.sql, dialect) {
        Ok(parsed) => {
            let first_line = parsed.first().map_or(u64::MAX, |(_, line, _)| *line);
            out.cte = header(&out.comments, first_line, &project.spec.spec, &mut out.findings);
            for (statement, line, column) in parsed {
                let description = out
                    .comments
                    .iter()
                    .rev()
                    .find(|c| c.lines.1 + 1 == line && !is_header(&c.text))
                    .map(|c| c.text.lines().map(str::trim).collect::<Vec<_>>().join(" "));
                let kind = classify(statement);
                if let StatementKind::Other(statement) = &kind {
                    let what = statement.to_string();
                    let what: String = what.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
                    out.findings.push(
                        Finding::new(
                            Code::ShippedTestNotRun,
                            format!("a test file holds fixtures, ASSERTs and queries, not `{what} …`"),
                        )
                        .at(locate(line, column))
                        .help("fill input tables with `CREATE TEMP TABLE <table> AS SELECT …`"),
                    );
                }
                out.statements.push(TestStatement { kind, location: locate(line, column), description });
            }
        }
        Err(error) => {
            out.findings.push(
                Finding::new(
                    Code::ShippedTestNotRun,
                    format!("the test does not parse ({dialect} dialect): {}", error.message),
                )
                .at(locate(error.line, error.column)),
            );
        }
    }
    out.rendered = Some(rendered);
    out
}

/// Sorts a statement into its kind.
fn classify(statement: Statement) -> StatementKind {
    match statement {
        Statement::Query(query) => StatementKind::Singular(query),
        Statement::Assert { condition, message } => {
            let message = message.map(|m| match m {
                Expr::Value(v) => match v.value {
                    Value::SingleQuotedString(s)
                    | Value::DoubleQuotedString(s)
                    | Value::TripleSingleQuotedString(s)
                    | Value::TripleDoubleQuotedString(s)
                    | Value::SingleQuotedRawStringLiteral(s)
                    | Value::DoubleQuotedRawStringLiteral(s) => s,
                    other => other.to_string(),
                },
                other => other.to_string(),
            });
            StatementKind::Assert { condition: Box::new(condition), message }
        }
        Statement::CreateTable(create) if create.query.is_some() && create.columns.is_empty() => {
            let name = name_parts(&create.name);
            match create.query {
                Some(query) => StatementKind::Fixture { name, query },
                None => StatementKind::Other(Box::new(Statement::CreateTable(create))),
            }
        }
        other => StatementKind::Other(Box::new(other)),
    }
}

/// Whether a query is a bare `VALUES` list (its columns have no names).
pub fn is_values(query: &Query) -> bool {
    match query.body.as_ref() {
        SetExpr::Values(_) => true,
        SetExpr::Query(inner) => is_values(inner),
        _ => false,
    }
}

fn is_header(text: &str) -> bool {
    header_text(text).is_some()
}

/// `cte: <model>.<cte>` without the prefix.
fn header_text(text: &str) -> Option<&str> {
    let text = text.trim();
    let (word, rest) = text.split_once(':')?;
    word.trim().eq_ignore_ascii_case("cte").then(|| rest.trim())
}

/// The `-- cte: <model>.<cte>` header among the comments before the first statement.
fn header(comments: &[Comment], first_line: u64, spec: &Spec, findings: &mut Vec<Finding>) -> Option<CteTarget> {
    for comment in comments.iter().filter(|c| c.lines.0 < first_line) {
        for (i, line) in comment.text.lines().enumerate() {
            let Some(target) = header_text(line) else { continue };
            let mut at = comment.location.clone();
            at.line += i;
            let Some((model, cte)) =
                target.split_once('.').filter(|(m, c)| !m.trim().is_empty() && !c.trim().is_empty())
            else {
                findings.push(
                    Finding::new(
                        Code::ShippedTestNotRun,
                        format!("the header `cte: {target}` names no `<model>.<cte>`"),
                    )
                    .at(at),
                );
                return None;
            };
            let (model, cte) = (model.trim().to_string(), cte.trim().to_string());
            if !spec.models.iter().any(|m| m.name == model) {
                findings.push(
                    Finding::new(
                        Code::ShippedTestNotRun,
                        format!("the header names model `{model}`, which the spec does not define"),
                    )
                    .at(at),
                );
                return None;
            }
            return Some(CteTarget { model, cte, location: at });
        }
    }
    None
}

/// The comments of `sql`, consecutive `--` lines joined into one comment.
fn comments(sql: &str, dialect: Dialect, locate: &dyn Fn(u64, u64) -> Location) -> Vec<Comment> {
    let Ok(tokens) = Tokenizer::new(crate::sql::parse::sqlparser_dialect(dialect), sql).tokenize_with_location() else {
        return Vec::new();
    };
    let mut out: Vec<Comment> = Vec::new();
    // Whether the last comment is a run of `--` lines that the next such line may extend.
    let mut open = false;
    for token in tokens {
        let line = token.span.start.line;
        match token.token {
            Token::Whitespace(Whitespace::SingleLineComment { comment, .. }) => {
                let text = comment.trim_end_matches(['\n', '\r']).to_string();
                match out.last_mut() {
                    Some(last) if open && last.lines.1 + 1 == line => {
                        last.text.push('\n');
                        last.text.push_str(&text);
                        last.lines.1 = line;
                    }
                    _ => {
                        out.push(Comment { text, location: locate(line, token.span.start.column), lines: (line, line) })
                    }
                }
                open = true;
            }
            Token::Whitespace(Whitespace::MultiLineComment(text)) => {
                let end = line + text.matches('\n').count() as u64;
                let text = text.lines().map(|l| l.trim().trim_start_matches('*')).collect::<Vec<_>>().join("\n");
                out.push(Comment { text, location: locate(line, token.span.start.column), lines: (line, end) });
                open = false;
            }
            Token::Whitespace(_) => {}
            _ => open = false,
        }
    }
    out
}

/// The model's index in the spec.
pub fn model_index(spec: &Spec, name: &str) -> Option<usize> {
    spec.model_index(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::crate_root;

    fn project(dialect: Dialect) -> Project {
        let dir = crate_root().join("specs/customer360");
        let overrides = crate::project::layout::Overrides {
            spec: Some(dir.join("spec.corrected.json")),
            dialect: Some(dialect),
            ..Default::default()
        };
        crate::project::layout::load_project(&dir, &overrides).expect("example loads")
    }

    fn read(text: &str, dialect: Dialect) -> TestFile {
        let project = project(dialect);
        let tables = ProjectTables::new(&project.spec.spec, &project.catalog);
        analyse_test_file("tests/t.sql", text, &project, &tables)
    }

    #[test]
    fn statements_are_sorted_into_kinds_with_their_places() {
        let text = "-- cte: stg_customers.customers\n\
                    CREATE OR REPLACE TEMP TABLE raw.crm_customers AS (SELECT 1 AS customer_id);\n\
                    -- every customer kept\n\
                    ASSERT (SELECT COUNT(*) FROM customers) = 1 AS 'one customer';\n\
                    SELECT * FROM ${ref('stg_customers')} WHERE customer_id IS NULL;\n";
        let file = read(text, Dialect::Bigquery);
        assert!(file.findings.is_empty(), "{:?}", file.findings);
        let cte = file.cte.as_ref().expect("header");
        assert_eq!((cte.model.as_str(), cte.cte.as_str(), cte.location.line), ("stg_customers", "customers", 1));
        let kinds: Vec<&str> = file
            .statements
            .iter()
            .map(|s| match &s.kind {
                StatementKind::Fixture { .. } => "fixture",
                StatementKind::Assert { .. } => "assert",
                StatementKind::Singular(_) => "singular",
                StatementKind::Other(_) => "other",
            })
            .collect();
        assert_eq!(kinds, ["fixture", "assert", "singular"]);
        let lines: Vec<(usize, usize)> = file.statements.iter().map(|s| (s.location.line, s.location.column)).collect();
        assert_eq!(lines, [(2, 1), (4, 1), (5, 1)]);
        assert_eq!(file.statements[1].title(), Some("one customer"));
        let StatementKind::Fixture { name, .. } = &file.statements[0].kind else { panic!() };
        assert_eq!(name, &["raw", "crm_customers"]);
        let spec = &project(Dialect::Bigquery).spec.spec;
        let catalog = &project(Dialect::Bigquery).catalog;
        let StatementKind::Singular(query) = &file.statements[2].kind else { panic!() };
        let read = reads_of(query.as_ref());
        assert_eq!(read, [vec!["temp".to_string(), "stg_customers".to_string()]]);
        assert_eq!(resolve(spec, catalog, file.cte.as_ref(), &read[0]), TableTarget::Model(0));
        assert_eq!(resolve(spec, catalog, file.cte.as_ref(), &["customers".into()]), TableTarget::Cte);
        let raw = ["raw".to_string(), "crm_customers".to_string()];
        assert_eq!(resolve(spec, catalog, None, &raw), TableTarget::Source("raw.crm_customers".into()));
    }

    #[test]
    fn duckdb_files_and_dbt_templates_read_too() {
        let text = "ASSERT (SELECT count(*) FROM {{ ref('stg_customers') }}) >= 0 AS 'x';\nSELECT 1";
        let file = read(text, Dialect::Duckdb);
        assert!(file.findings.is_empty(), "{:?}", file.findings);
        assert_eq!(file.statements.len(), 2);
        assert_eq!(file.statements[1].location.line, 2);
    }

    #[test]
    fn what_cannot_run_is_a_finding_at_its_place() {
        let file = read("SELECT 1;\nSELECT FROM WHERE;\n", Dialect::Bigquery);
        assert_eq!(file.findings.len(), 1);
        assert_eq!(file.findings[0].code, Code::ShippedTestNotRun);
        assert_eq!(file.findings[0].location.as_ref().unwrap().line, 2);
        let file = read("SELECT 1;\nDROP TABLE raw.crm_customers;\n", Dialect::Bigquery);
        assert_eq!(file.findings.len(), 1, "{:?}", file.findings);
        assert_eq!(file.findings[0].location.as_ref().unwrap().line, 2);
        let file = read("-- cte: nomodel.x\nSELECT 1", Dialect::Bigquery);
        assert!(file.findings[0].message.contains("nomodel"), "{:?}", file.findings);
        let file = read("SELECT * FROM ${when(true, 'x')}", Dialect::Bigquery);
        assert_eq!(file.findings[0].code, Code::ShippedTestNotRun);
    }

    #[test]
    fn comment_lines_join_and_describe_the_next_statement() {
        let text = "-- a\n-- b\nSELECT 1;\n/* c\n * d */\n\n-- e\nSELECT 2";
        let file = read(text, Dialect::Bigquery);
        let texts: Vec<&str> = file.comments.iter().map(|c| c.text.trim()).collect();
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert_eq!(file.comments[0].text, " a\n b");
        assert_eq!(file.statements[0].description.as_deref(), Some("a b"));
        assert_eq!(file.statements[1].description.as_deref(), Some("e"));
        assert_eq!(file.comments[2].location.line, 7);
    }
}
