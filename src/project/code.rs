//! A model's code, read once: template evaluation, one parse, and the lineage traced on that
//! tree. Every later stage (the lineage check, execution) reuses what is built here.

use crate::finding::{Code, Finding, Location};
use crate::project::dbt::{self, Snapshot};
use crate::project::layout::{display, CodeKind, ModelFile, Project, ToolLayout};
use crate::spec::catalog::Catalog;
use crate::spec::model::{Dialect, Spec};
use crate::spec::resolve::context::{alias_of, model_outputs, target_of, Relation, Target};
use crate::sql::bridge::{to_duckdb, BridgeOptions};
use crate::sql::lineage::{trace_in, Lineage, TableInfo, Tables};
use crate::sql::parse::{parse_errors, parse_statements};
use crate::sql::template::{render, Rendered, TableRef, TemplateKind};
use sqlparser::ast::Statement;

/// Model files larger than this are refused (a finding), not read.
pub const MAX_CODE_BYTES: u64 = 8 * 1024 * 1024;

/// One model file, evaluated, parsed and traced.
#[derive(Debug, Clone)]
pub struct ModelCode {
    /// The model it implements.
    pub model: String,
    /// The file as shown in messages.
    pub file: String,
    /// The dialect its SQL is parsed in.
    pub dialect: Dialect,
    /// Template evaluation: the SQL and the position map.
    pub rendered: Option<Rendered>,
    /// The parsed main body, when it parsed and its templates could be evaluated.
    pub statements: Option<Vec<Statement>>,
    /// The parsed SQLX `pre_operations` blocks, one entry per block of
    /// [`Rendered::pre_operations`], run before the body.
    pub pre_operations: Vec<Vec<Statement>>,
    /// The parsed SQLX `post_operations` blocks, run after the body.
    pub post_operations: Vec<Vec<Statement>>,
    /// `statements` carried over to DuckDB by the dialect bridge, when every construct could be.
    pub translated: Option<Vec<Statement>>,
    /// The lineage traced on `statements`.
    pub lineage: Option<Lineage>,
    /// Problems reading, evaluating or parsing the file.
    pub findings: Vec<Finding>,
}

impl ModelCode {
    /// The original file's location of a position in the parsed main body.
    pub fn locate(&self, line: u64, column: u64) -> Location {
        let (line, column) = match &self.rendered {
            Some(r) => r.locate(&r.main, line, column),
            None => (line as usize, column as usize),
        };
        Location { file: self.file.clone(), line, column }
    }

    /// The original file's location of a position in a part of the code.
    pub fn locate_in(&self, part: Part, line: u64, column: u64) -> Location {
        let piece = self.rendered.as_ref().and_then(|r| match part {
            Part::Main => Some(&r.main),
            Part::Pre(i) => r.pre_operations.get(i),
            Part::Post(i) => r.post_operations.get(i),
        });
        match (&self.rendered, piece) {
            (Some(r), Some(piece)) => {
                let (line, column) = r.locate(piece, line, column);
                Location { file: self.file.clone(), line, column }
            }
            _ => Location { file: self.file.clone(), line: line as usize, column: column as usize },
        }
    }

    /// Every statement of the code in the order it runs (pre-operations, body,
    /// post-operations), each with the part it comes from; empty when the body did not parse.
    pub fn script(&self) -> Vec<(Part, &Statement)> {
        let Some(main) = &self.statements else { return Vec::new() };
        let pre = self.pre_operations.iter().enumerate().flat_map(|(i, b)| b.iter().map(move |s| (Part::Pre(i), s)));
        let body = main.iter().map(|s| (Part::Main, s));
        let post = self.post_operations.iter().enumerate().flat_map(|(i, b)| b.iter().map(move |s| (Part::Post(i), s)));
        pre.chain(body).chain(post).collect()
    }
}

/// Where in a model file a statement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The `n`th `pre_operations` block.
    Pre(usize),
    /// The main body.
    Main,
    /// The `n`th `post_operations` block.
    Post(usize),
}

/// The tables code can name: the project's source tables and the spec's models.
pub struct ProjectTables<'a> {
    spec: &'a Spec,
    catalog: &'a Catalog,
    outputs: Vec<Option<Relation>>,
    snapshots: Vec<Snapshot>,
    dbt_sources: Vec<((String, String), String)>,
}

impl<'a> ProjectTables<'a> {
    /// Indexes the spec's models and the catalog.
    pub fn new(spec: &'a Spec, catalog: &'a Catalog) -> ProjectTables<'a> {
        ProjectTables {
            spec,
            catalog,
            outputs: model_outputs(spec, catalog),
            snapshots: Vec::new(),
            dbt_sources: Vec::new(),
        }
    }

    /// [`ProjectTables::new`] with the models' outputs already worked out (`model_outputs`).
    pub fn with_outputs(spec: &'a Spec, catalog: &'a Catalog, outputs: Vec<Option<Relation>>) -> ProjectTables<'a> {
        ProjectTables { spec, catalog, outputs, snapshots: Vec::new(), dbt_sources: Vec::new() }
    }

    /// The same, with the snapshots of a dbt project: models `ref()` them, and each run of such
    /// a model applies the snapshot first (see [`crate::project::dbt`]).
    pub fn with_snapshots(mut self, project: &Project) -> ProjectTables<'a> {
        if project.layout != ToolLayout::Dbt {
            return self;
        }
        self.dbt_sources = dbt::declared_sources(&project.paths.models);
        let default_schema = self.spec.schema.staging_schema.clone();
        let mut snapshots = Vec::new();
        for path in dbt::snapshot_files(&project.paths.root) {
            let Ok(text) = crate::error::read_text(&path, MAX_CODE_BYTES) else { continue };
            let resolve = |table: &TableRef| self.resolve_ref(table, "");
            let trace = |statements: &[Statement]| {
                let lineage = trace_in(statements, &self, "", Dialect::Duckdb);
                let columns = lineage.outputs.iter().map(|o| o.name.clone()).collect();
                let read: Vec<&String> = lineage.tables.iter().filter_map(|t| t.table.as_ref()).collect();
                let upstream = match read.as_slice() {
                    [one] => Some((*one).clone()),
                    _ => None,
                };
                (columns, upstream)
            };
            snapshots.extend(dbt::read_snapshot(&display(&path), &text, &resolve, &trace, &default_schema));
        }
        self.snapshots = snapshots;
        self
    }

    fn snapshot(&self, name: &str) -> Option<&Snapshot> {
        self.snapshots.iter().find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// Each spec model's output columns, as the lint derives them.
    pub fn outputs(&self) -> &[Option<Relation>] {
        &self.outputs
    }

    /// The `schema.table` a model is materialised as (its layer's schema).
    pub fn model_table(&self, name: &str) -> Option<String> {
        let model = &self.spec.models[self.spec.model_index(name)?];
        let schema = match model.layer.as_deref().map(str::trim) {
            Some("final") => &self.spec.schema.final_schema,
            _ => &self.spec.schema.staging_schema,
        };
        Some(format!("{schema}.{name}"))
    }

    /// The `schema.table` a template reference names, for `model`'s file.
    pub fn resolve_ref(&self, table: &TableRef, model: &str) -> Option<String> {
        match table {
            TableRef::This => self.model_table(model),
            TableRef::Source(source, name) => Some(
                self.dbt_sources
                    .iter()
                    .find(|((s, t), _)| s == source && t == name)
                    .map_or_else(|| format!("{source}.{name}"), |(_, relation)| relation.clone()),
            ),
            TableRef::Ref(parts) => match parts.as_slice() {
                [name] => {
                    self.model_table(name).or_else(|| self.snapshot(name).map(|s| s.relation.clone())).or_else(|| {
                        // Dataform declarations are referred to by table name alone.
                        let mut hits = self.catalog.tables.keys().filter(|k| alias_of(k).eq_ignore_ascii_case(name));
                        let first = hits.next()?.clone();
                        hits.next().is_none().then_some(first)
                    })
                }
                [schema, name] => Some(format!("{schema}.{name}")),
                _ => None,
            },
        }
    }

    /// The catalog and models' keys, for "did you mean".
    pub fn known_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.catalog.tables.keys().cloned().collect();
        names.extend(self.spec.models.iter().filter_map(|m| self.model_table(&m.name)));
        names
    }
}

impl Tables for ProjectTables<'_> {
    fn lookup(&self, parts: &[String]) -> Option<TableInfo> {
        // DuckDB code may name the database first (`memory.temp.x`): keep the last two parts.
        let tail = &parts[parts.len().saturating_sub(2)..];
        let joined = tail.join(".");
        if let Some(snapshot) = self.snapshots.iter().find(|s| s.relation.eq_ignore_ascii_case(&joined)) {
            // The snapshot's table holds its query's rows: lineage sees through to what it reads.
            let key = snapshot.upstream.clone().unwrap_or_else(|| snapshot.name.clone());
            return Some(TableInfo { key, columns: snapshot.columns.clone() });
        }
        match target_of(self.spec, self.catalog, &tail.join(".")) {
            Target::Table(name) => {
                let table = &self.catalog.get(&name)?.table;
                Some(TableInfo { key: name, columns: table.columns.iter().map(|c| c.name.clone()).collect() })
            }
            Target::Model(i) => {
                let columns = self.outputs[i].as_ref().map(|r| r.columns.iter().map(|c| c.name.clone()).collect());
                Some(TableInfo { key: self.spec.models[i].name.clone(), columns: columns.unwrap_or_default() })
            }
            Target::Unknown => None,
        }
    }
}

/// Reads, evaluates, parses and traces one model file. `sql_dialect` is the dialect of `.sql`
/// files; SQLX is always BigQuery.
pub fn load_model_code(file: &ModelFile, sql_dialect: Dialect, tables: &ProjectTables<'_>) -> ModelCode {
    match crate::error::read_text(&file.path, MAX_CODE_BYTES) {
        Ok(text) => analyse_file(file, &text, sql_dialect, tables),
        Err(error) => {
            let mut code = analyse_file(file, "", sql_dialect, tables);
            code.rendered = None;
            code.statements = None;
            code.lineage = None;
            code.translated = None;
            let at = Location { file: code.file.clone(), line: 1, column: 1 };
            code.findings = vec![Finding::new(Code::CodeParse, error.to_string()).model(&file.model).at(at)];
            code
        }
    }
}

/// [`load_model_code`] for a file whose text is already in memory.
pub fn analyse_file(file: &ModelFile, text: &str, sql_dialect: Dialect, tables: &ProjectTables<'_>) -> ModelCode {
    let dialect = match file.kind {
        CodeKind::Sqlx => Dialect::Bigquery,
        CodeKind::Sql => sql_dialect,
    };
    let mut code = ModelCode {
        model: file.model.clone(),
        file: display(&file.path),
        dialect,
        rendered: None,
        statements: None,
        pre_operations: Vec::new(),
        post_operations: Vec::new(),
        translated: None,
        lineage: None,
        findings: Vec::new(),
    };
    analyse_text(&mut code, text, file.kind, tables);
    apply_snapshots(&mut code, tables);
    code
}

/// A model of a dbt project that `ref()`s a snapshot runs that snapshot first: its statements
/// become the model's pre-operations (specproof derives them, so the check of what code writes
/// does not apply to them). A snapshot specproof cannot translate is one finding about the tool,
/// at its place, and the model is not run.
fn apply_snapshots(code: &mut ModelCode, tables: &ProjectTables<'_>) {
    let Some(rendered) = &code.rendered else { return };
    let used: Vec<&Snapshot> = rendered
        .references
        .iter()
        .filter_map(|(table, _, _)| match table {
            TableRef::Ref(parts) if parts.len() == 1 => tables.snapshot(&parts[0]),
            _ => None,
        })
        .collect();
    let mut runs = Vec::new();
    let mut limits = Vec::new();
    for snapshot in used {
        match &snapshot.script {
            Ok(sql) => match parse_statements(sql, Dialect::Duckdb) {
                Ok(statements) if code.dialect == Dialect::Duckdb => runs.push(statements),
                Ok(_) => {
                    limits.push((snapshot, "a snapshot in a BigQuery dbt project is not translated".to_string(), 1, 1))
                }
                Err(error) => limits.push((snapshot, error.message, 1, 1)),
            },
            Err(limit) => limits.push((snapshot, limit.message.clone(), limit.line, limit.column)),
        }
    }
    for (snapshot, message, line, column) in limits {
        let at = Location { file: snapshot.file.clone(), line, column };
        code.findings.push(
            Finding::new(
                Code::TemplateNotEvaluable,
                format!(
                    "the dbt snapshot `{}` that `{}` reads cannot be run with dbt's meaning: {message}: a translation limit of specproof, not a fault of the code; the model is not run",
                    snapshot.name, code.model
                ),
            )
            .model(&code.model)
            .at(at)
            .help("write the snapshot with strategy='check', a unique_key and check_cols, or validate the model's SQL on its own"),
        );
        code.translated = None;
    }
    if code.translated.is_some() {
        code.pre_operations.splice(0..0, runs);
    }
}

/// Evaluates, parses and traces `text` into `code`.
fn analyse_text(code: &mut ModelCode, text: &str, kind: CodeKind, tables: &ProjectTables<'_>) {
    let template = match kind {
        CodeKind::Sqlx => TemplateKind::Sqlx,
        CodeKind::Sql => TemplateKind::Sql,
    };
    let model = code.model.clone();
    let resolver = |table: &TableRef| tables.resolve_ref(table, &model);
    let mut rendered = render(text, template, code.dialect, &resolver);
    // A SQLX `config { name: … }` names the model instead of the file; `${self()}` must then
    // resolve to that name too.
    if let Some(name) = rendered.config.as_ref().and_then(|c| c.name.clone()).filter(|n| *n != code.model) {
        code.model = name;
        let model = code.model.clone();
        let resolver = |table: &TableRef| tables.resolve_ref(table, &model);
        rendered = render(text, template, code.dialect, &resolver);
    }
    // Dataform declarations and assertions are not model code: nothing here to check.
    if rendered
        .config
        .as_ref()
        .and_then(|c| c.kind.as_deref())
        .is_some_and(|k| matches!(k, "declaration" | "assertion"))
    {
        code.rendered = Some(rendered);
        return;
    }
    for issue in &rendered.issues {
        let at = Location { file: code.file.clone(), line: issue.line, column: issue.column };
        let finding = match &issue.fix {
            Some(fix) => Finding::new(Code::TemplateMistake, issue.message.clone()).help(fix.clone()),
            None => Finding::new(
                Code::TemplateNotEvaluable,
                format!(
                    "{}: a translation limit of specproof, not a fault of the code; this file is not checked",
                    issue.message
                ),
            )
            .help("write the SQL this template would produce, or keep the logic in the spec"),
        };
        code.findings.push(finding.model(&code.model).at(at));
    }
    // A recognised mistake was rendered as its fix would have it: the rest is still checked.
    let evaluable = rendered.issues.iter().all(|i| i.fix.is_some());
    code.rendered = Some(rendered);
    if !evaluable {
        return;
    }
    let Some(rendered) = &code.rendered else { return };
    match parse_statements(&rendered.main.sql, code.dialect) {
        Ok(statements) => {
            let self_key = code.model.clone();
            code.lineage = Some(trace_in(&statements, tables, &self_key, code.dialect));
            code.statements = Some(statements);
        }
        Err(error) if error.too_deep => {
            let at = code.locate(error.line, error.column);
            code.findings.push(
                Finding::new(Code::CodeTooDeep, error.message).model(&code.model).at(at).help(
                    "write a long chain of conditions as `IN (...)`, and many `UNION ALL` branches as a table or a values list",
                ),
            );
        }
        Err(error) => {
            // Every statement that does not parse, not only the first: one round of fixes.
            let mut errors = parse_errors(&rendered.main.sql, code.dialect);
            if errors.is_empty() {
                errors.push(error);
            }
            for error in errors {
                let at = code.locate(error.line, error.column);
                let finding = if error.too_deep {
                    Finding::new(Code::CodeTooDeep, error.message)
                } else {
                    Finding::new(
                        Code::CodeParse,
                        format!("the SQL does not parse ({} dialect): {}", code.dialect, error.message),
                    )
                };
                code.findings.push(finding.model(&code.model).at(at));
            }
            return;
        }
    }
    // Operations blocks run before and after the body: parsed, translated and checked like it.
    let mut runnable = parse_operations(code);
    for (part, statements) in code_parts(code) {
        let mut translated = statements.to_vec();
        let options = BridgeOptions { from: code.dialect, catalog: None };
        for problem in to_duckdb(&mut translated, &options) {
            runnable = false;
            let at = code.locate_in(part, problem.line, problem.column);
            code.findings.push(
                Finding::new(Code::NoFaithfulTranslation, problem.message.clone())
                    .model(&code.model)
                    .at(at)
                    .help("write it with constructs that mean the same in BigQuery and DuckDB"),
            );
        }
        if part == Part::Main {
            code.translated = Some(translated);
        }
    }
    let foreign = foreign_writes(code, tables);
    runnable &= foreign.is_empty();
    code.findings.extend(foreign);
    if !runnable {
        code.translated = None;
    }
}

/// Parses the SQLX operations blocks into `code`; false when one does not parse (a finding
/// placed in the original file says where).
fn parse_operations(code: &mut ModelCode) -> bool {
    let Some(rendered) = code.rendered.take() else { return true };
    let mut parsed = true;
    for (pre, pieces) in [(true, &rendered.pre_operations), (false, &rendered.post_operations)] {
        for piece in pieces {
            let statements = match parse_statements(&piece.sql, code.dialect) {
                Ok(statements) => statements,
                Err(error) => {
                    parsed = false;
                    let (line, column) = rendered.locate(piece, error.line, error.column);
                    let which = if pre { "pre_operations" } else { "post_operations" };
                    code.findings.push(
                        Finding::new(
                            Code::CodeParse,
                            format!("the `{which}` block does not parse ({} dialect): {}", code.dialect, error.message),
                        )
                        .model(&code.model)
                        .at(Location { file: code.file.clone(), line, column }),
                    );
                    Vec::new()
                }
            };
            if pre {
                code.pre_operations.push(statements);
            } else {
                code.post_operations.push(statements);
            }
        }
    }
    code.rendered = Some(rendered);
    parsed
}

/// Each part of the code with its statements, in the order they run.
fn code_parts(code: &ModelCode) -> Vec<(Part, Vec<Statement>)> {
    let pre = code.pre_operations.iter().enumerate().map(|(i, s)| (Part::Pre(i), s.clone()));
    let main = code.statements.iter().map(|s| (Part::Main, s.clone()));
    let post = code.post_operations.iter().enumerate().map(|(i, s)| (Part::Post(i), s.clone()));
    pre.chain(main).chain(post).collect()
}

/// A finding for every statement of `code` that writes something other than the model's own
/// table: a source, another model's table, a schema, or a permanent table of its own making.
/// Temporary tables the script creates (and later writes or drops) are its own: they live in
/// the connection's temporary catalog, where no loaded table is.
fn foreign_writes(code: &ModelCode, tables: &ProjectTables<'_>) -> Vec<Finding> {
    let own_table = tables.model_table(&code.model).map(|t| t.to_ascii_lowercase());
    let own_name = code.model.to_ascii_lowercase();
    let mut temporary: Vec<String> = Vec::new();
    let mut findings = Vec::new();
    for (part, statement) in code.script() {
        for write in crate::sql::writes::writes(statement) {
            let lower: Vec<String> = write.name.iter().map(|p| p.to_ascii_lowercase()).collect();
            let joined = lower.join(".");
            // A database name in front (`memory.staging.m`, `project.dataset.m`) changes nothing.
            let tail = lower[lower.len().saturating_sub(2)..].join(".");
            let own = !write.schema
                && (own_table.as_deref() == Some(tail.as_str()) || (lower.len() == 1 && joined == own_name));
            if write.creates_temporary {
                temporary.push(joined);
                continue;
            }
            if own || (!write.schema && temporary.contains(&joined)) {
                continue;
            }
            let what = if write.schema {
                format!("schema `{}`", write.display_name())
            } else {
                // The project's names are lower case; SQL's identifiers are not case-sensitive.
                match tables.lookup(&write.name).or_else(|| tables.lookup(&lower)) {
                    Some(info) if tables.spec.model_index(&info.key).is_some() => {
                        format!("model `{}`'s table `{}`", info.key, write.display_name())
                    }
                    Some(info) => format!("source table `{}`", info.key),
                    None => format!("`{}`, which is not its table", write.display_name()),
                }
            };
            let at = code.locate_in(part, write.line.max(1), write.column.max(1));
            let place = match part {
                Part::Main => String::new(),
                Part::Pre(_) => " in its `pre_operations`".into(),
                Part::Post(_) => " in its `post_operations`".into(),
            };
            findings.push(
                Finding::new(
                    Code::WritesOutsideItsTable,
                    format!(
                        "`{}` writes outside its table{place}: `{}` on {what}; its code is not run",
                        code.model, write.verb
                    ),
                )
                .model(&code.model)
                .at(at)
                .help(match &own_table {
                    Some(t) => format!("a model writes only its own table (`{t}`) and temporary tables it creates"),
                    None => "a model writes only its own table and temporary tables it creates".into(),
                }),
            );
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::crate_root;

    fn analyse(file_model: &str, text: &str) -> ModelCode {
        let dir = crate_root().join("specs/customer360");
        let project = crate::project::layout::load_project(&dir, &Default::default()).expect("example loads");
        let tables = ProjectTables::new(&project.spec.spec, &project.catalog);
        let file =
            ModelFile { model: file_model.into(), path: format!("{file_model}.sqlx").into(), kind: CodeKind::Sqlx };
        analyse_file(&file, text, Dialect::Bigquery, &tables)
    }

    #[test]
    fn a_config_name_names_the_model_and_self() {
        let code = analyse("customers", "config { type: \"table\", name: \"stg_customers\" }\nSELECT * FROM ${self()}");
        assert_eq!(code.model, "stg_customers");
        let rendered = code.rendered.expect("rendered");
        assert!(rendered.main.sql.contains("`temp.stg_customers`"), "{}", rendered.main.sql);
        assert!(code.findings.is_empty(), "{:?}", code.findings);
    }

    #[test]
    fn declarations_are_not_model_code() {
        let code = analyse("crm_customers", "config { type: \"declaration\", schema: \"raw\" }\n");
        assert!(code.statements.is_none() && code.findings.is_empty());
    }

    #[test]
    fn code_that_does_not_parse_is_placed_in_the_original_file() {
        let code = analyse(
            "stg_orders",
            "config {\n  type: \"table\"\n}\nSELECT order_id,\n  FROM ${ref(\"stg_customers\")} x x\n",
        );
        let finding = &code.findings[0];
        assert_eq!(finding.code, Code::CodeParse);
        let at = finding.location.as_ref().expect("placed");
        assert_eq!((at.line, at.column), (5, 34), "{}", finding.message);
    }

    fn writes_outside(code: &ModelCode) -> Vec<(usize, usize, String)> {
        code.findings
            .iter()
            .filter(|f| f.code == Code::WritesOutsideItsTable)
            .map(|f| {
                let at = f.location.as_ref().expect("placed");
                (at.line, at.column, f.message.clone())
            })
            .collect()
    }

    #[test]
    fn writing_a_source_or_another_model_is_refused_and_not_run() {
        let code = analyse(
            "stg_support_pivot",
            "config { type: \"operations\", hasOutput: true }\nUPDATE ${ref(\"support_tickets\")} SET status = 'OPEN' WHERE TRUE;\n\
             DELETE FROM ${ref(\"stg_customers\")} WHERE TRUE;\nCREATE OR REPLACE TABLE ${self()} AS SELECT 1 AS customer_id",
        );
        let found = writes_outside(&code);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (2, 1));
        assert!(found[0].2.contains("`UPDATE` on source table `raw.support_tickets`"), "{}", found[0].2);
        assert!(found[1].2.contains("model `stg_customers`'s table"), "{}", found[1].2);
        assert!(code.translated.is_none(), "refused code is not run");
    }

    #[test]
    fn its_own_table_and_its_temporary_tables_are_its_own() {
        let code = analyse(
            "stg_support_pivot",
            "config { type: \"operations\", hasOutput: true }\nCREATE TEMP TABLE scratch AS SELECT 1 AS x;\n\
             INSERT INTO scratch SELECT 2;\nCREATE OR REPLACE TABLE `TEMP.stg_support_pivot` AS SELECT x AS customer_id FROM scratch;\n\
             DELETE FROM ${self()} WHERE FALSE;\nDROP TABLE scratch",
        );
        assert!(writes_outside(&code).is_empty(), "{:?}", code.findings);
        assert!(code.translated.is_some());
    }

    #[test]
    fn operations_blocks_are_parsed_placed_and_checked() {
        let text = "config { type: \"table\" }\npre_operations {\n  SET x = 1;\n  TRUNCATE TABLE ${ref(\"support_tickets\")}\n}\n\
                    SELECT 1 AS customer_id\npost_operations {\n  SELEC oops\n}\n";
        let code = analyse("stg_support_pivot", text);
        assert_eq!(code.pre_operations.len(), 1);
        assert_eq!(code.pre_operations[0].len(), 2);
        let found = writes_outside(&code);
        assert_eq!(found.len(), 1, "{:?}", code.findings);
        // sqlparser spans a TRUNCATE from its table name: the line is what matters.
        assert_eq!(found[0].0, 4, "{}", found[0].2);
        assert!(found[0].2.contains("in its `pre_operations`"), "{}", found[0].2);
        let parse = code.findings.iter().find(|f| f.code == Code::CodeParse).expect("post block does not parse");
        assert_eq!(parse.location.as_ref().map(|l| l.line), Some(8), "{}", parse.message);
        assert!(parse.message.contains("post_operations"), "{}", parse.message);
        assert!(code.translated.is_none());
        // The order they run in: the pre block, the body, the post block.
        let script = code.script();
        assert_eq!(script.first().map(|(p, _)| *p), Some(Part::Pre(0)));
        assert!(script.iter().any(|(p, _)| *p == Part::Main));
    }

    #[test]
    fn code_that_nests_too_deeply_is_a_finding_at_its_start() {
        // Far past the bound: the tree is never walked, so the test thread's stack is enough.
        let ors = (0..5_000).map(|i| format!("order_id = {i}")).collect::<Vec<_>>().join(" OR ");
        let code =
            analyse("stg_orders", &format!("config {{ type: \"table\" }}\nSELECT order_id\nFROM x\nWHERE {ors}\n"));
        let finding = &code.findings[0];
        assert_eq!(finding.code, Code::CodeTooDeep, "{}", finding.message);
        let at = finding.location.as_ref().expect("placed");
        assert_eq!((at.line, at.column), (4, 7), "{}", finding.message);
        assert!(code.statements.is_none());
    }
}
