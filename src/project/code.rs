//! A model's code, read once: template evaluation, one parse, and the lineage traced on that
//! tree. Every later stage (the lineage check, execution) reuses what is built here.

use crate::finding::{Code, Finding, Location};
use crate::project::layout::{display, CodeKind, ModelFile};
use crate::spec::catalog::Catalog;
use crate::spec::model::{Dialect, Spec};
use crate::spec::resolve::context::{alias_of, model_outputs, target_of, Relation, Target};
use crate::sql::bridge::{to_duckdb, BridgeOptions};
use crate::sql::lineage::{trace, Lineage, TableInfo, Tables};
use crate::sql::parse::parse_statements;
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
}

/// The tables code can name: the project's source tables and the spec's models.
pub struct ProjectTables<'a> {
    spec: &'a Spec,
    catalog: &'a Catalog,
    outputs: Vec<Option<Relation>>,
}

impl<'a> ProjectTables<'a> {
    /// Indexes the spec's models and the catalog.
    pub fn new(spec: &'a Spec, catalog: &'a Catalog) -> ProjectTables<'a> {
        ProjectTables { spec, catalog, outputs: model_outputs(spec, catalog) }
    }

    /// Each spec model's output columns, as the lint derives them.
    pub fn outputs(&self) -> &[Option<Relation>] {
        &self.outputs
    }

    /// The `schema.table` a model is materialised as (its layer's schema).
    pub fn model_table(&self, name: &str) -> Option<String> {
        let model = self.spec.models.iter().find(|m| m.name == name)?;
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
            TableRef::Source(schema, name) => Some(format!("{schema}.{name}")),
            TableRef::Ref(parts) => match parts.as_slice() {
                [name] => self.model_table(name).or_else(|| {
                    // Dataform declarations are referred to by table name alone.
                    let mut hits = self.catalog.tables.keys().filter(|k| alias_of(k).eq_ignore_ascii_case(name));
                    let first = hits.next()?.clone();
                    hits.next().is_none().then_some(first)
                }),
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
        translated: None,
        lineage: None,
        findings: Vec::new(),
    };
    analyse_text(&mut code, text, file.kind, tables);
    code
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
        code.findings.push(
            Finding::new(Code::TemplateNotEvaluable, issue.message.clone())
                .model(&code.model)
                .at(at)
                .help("write the SQL this template would produce, or keep the logic in the spec"),
        );
    }
    let evaluable = rendered.issues.is_empty();
    code.rendered = Some(rendered);
    if !evaluable {
        return;
    }
    let Some(rendered) = &code.rendered else { return };
    match parse_statements(&rendered.main.sql, code.dialect) {
        Ok(statements) => {
            let self_key = code.model.clone();
            code.lineage = Some(trace(&statements, tables, &self_key));
            let mut translated = statements.clone();
            let options = BridgeOptions { from: code.dialect, catalog: None };
            let untranslatable = to_duckdb(&mut translated, &options);
            for problem in &untranslatable {
                let at = code.locate(problem.line, problem.column);
                code.findings.push(
                    Finding::new(Code::NoFaithfulTranslation, problem.message.clone())
                        .model(&code.model)
                        .at(at)
                        .help("write it with constructs that mean the same in BigQuery and DuckDB"),
                );
            }
            code.translated = untranslatable.is_empty().then_some(translated);
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
            let at = code.locate(error.line, error.column);
            code.findings.push(
                Finding::new(
                    Code::CodeParse,
                    format!("the SQL does not parse ({} dialect): {}", code.dialect, error.message),
                )
                .model(&code.model)
                .at(at),
            );
        }
    }
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
