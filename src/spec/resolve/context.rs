//! What the lint rules share: the relations a model reads, name resolution, and the findings
//! collected so far (placed at their line in the spec file).

use crate::finding::{Code, Finding};
use crate::spec::catalog::Catalog;
use crate::spec::model::{Dialect, Model, Spec};
use crate::spec::named_tests::{parse_test, SpecTest};
use crate::spec::position::SpecText;
use crate::sql::expr::ColumnRef;
use crate::sql::parse::parse_expression;
use crate::sql::types::canonical_type_name;
use sqlparser::ast::Expr;
use std::collections::HashMap;

/// A column of a relation a model reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelColumn {
    /// Name as declared.
    pub name: String,
    /// Canonical type, when known.
    pub data_type: Option<String>,
    /// Whether the relation allows a null here.
    pub nullable: bool,
}

/// A table a model reads: a source table, or an upstream model's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The name the model refers to it by (the last part of the source entry).
    pub alias: String,
    /// The index of the upstream model, when it is one.
    pub model: Option<usize>,
    /// Its columns in order.
    pub columns: Vec<RelColumn>,
    /// Declared keys (lowercase column names): each set is unique on the relation.
    pub keys: Vec<Vec<String>>,
}

impl Relation {
    /// The column called `name` (case-insensitive, as BigQuery compares column names).
    pub fn column(&self, name: &str) -> Option<&RelColumn> {
        self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// True when some declared key lies within `columns` (lowercase names).
    pub fn keyed_by(&self, columns: &[String]) -> bool {
        self.keys.iter().any(|key| key.iter().all(|k| columns.contains(k)))
    }
}

/// What a source entry of a model resolves to.
#[derive(Debug, Clone)]
pub enum Resolved {
    /// A source table or a model whose output is known.
    Relation(Relation),
    /// A model whose output cannot be known (it is in a dependency cycle).
    Unavailable,
    /// Nothing of that name.
    Unknown,
}

/// The lint's working state.
pub struct Lint<'a> {
    /// The spec.
    pub spec: &'a Spec,
    /// Its text, for positions.
    pub text: &'a SpecText,
    /// Declared source tables.
    pub catalog: &'a Catalog,
    /// Each model's output as a relation, when it can be known; borrowed where many workers
    /// read one copy (a copy per worker was work quadratic in the models).
    pub outputs: std::borrow::Cow<'a, [Option<Relation>]>,
    /// Findings so far.
    pub findings: Vec<Finding>,
}

impl<'a> Lint<'a> {
    /// The dialect of spec expressions.
    pub fn dialect(&self) -> Dialect {
        self.spec.dialect
    }

    /// Records a finding about `model` at a JSON path.
    pub fn report(&mut self, code: Code, model: &str, path: &str, message: String) -> &mut Finding {
        let finding = Finding::new(code, message).model(model).at_path(path).at(self.text.locate(path));
        self.findings.push(finding);
        self.findings.last_mut().expect("just pushed")
    }

    /// Records a finding at a position inside the expression string at `path`.
    pub fn report_in(
        &mut self,
        code: Code,
        model: &str,
        path: &str,
        line: u64,
        column: u64,
        message: String,
    ) -> &mut Finding {
        let finding =
            Finding::new(code, message).model(model).at_path(path).at(self.text.locate_in_string(path, line, column));
        self.findings.push(finding);
        self.findings.last_mut().expect("just pushed")
    }

    /// Parses the spec expression at `path`; a parse failure is a finding and gives `None`.
    pub fn parse_expr(&mut self, model: &str, path: &str, text: &str) -> Option<Expr> {
        match parse_expression(text, self.dialect()) {
            Ok(expr) => Some(expr),
            Err(e) => {
                self.report_in(
                    Code::InvalidExpression,
                    model,
                    path,
                    e.line,
                    e.column,
                    format!("the expression does not parse: {}", e.message),
                );
                None
            }
        }
    }

    /// Checks a type name, reporting an unknown one.
    pub fn check_type(&mut self, model: &str, path: &str, type_name: &str) {
        if canonical_type_name(type_name).is_none() {
            self.report(Code::UnknownType, model, path, format!("`{type_name}` is not a BigQuery or DuckDB type"))
                .help = Some("use a BigQuery type such as INT64, NUMERIC, STRING, BOOL, DATE or TIMESTAMP".into());
        }
    }

    /// Resolves a model's source entry (`raw.x`, a model name, or `schema.model`).
    pub fn resolve_entry(&self, entry: &str) -> Resolved {
        match target_of(self.spec, self.catalog, entry) {
            Target::Table(name) => match self.catalog.get(&name) {
                Some(table) => Resolved::Relation(relation_of_table(alias_of(entry), &table.table)),
                None => Resolved::Unknown,
            },
            Target::Model(i) => match &self.outputs[i] {
                Some(relation) => Resolved::Relation(Relation { model: Some(i), ..relation.clone() }),
                None => Resolved::Unavailable,
            },
            Target::Unknown => Resolved::Unknown,
        }
    }

    /// The index of the model called `name`.
    pub fn model_index(&self, name: &str) -> Option<usize> {
        self.spec.model_index(name)
    }

    /// Every name a source entry could have meant, for "did you mean".
    pub fn known_entries(&self) -> Vec<String> {
        self.catalog.tables.keys().cloned().chain(self.spec.models.iter().map(|m| m.name.clone())).collect()
    }
}

/// The name a model uses for a source entry: its last part.
pub fn alias_of(entry: &str) -> &str {
    let entry = entry.trim().trim_matches('`');
    entry.rsplit('.').next().unwrap_or(entry)
}

/// What a source entry names, before anything is known of its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A declared source table, by its full `schema.table` name.
    Table(String),
    /// The model at this index.
    Model(usize),
    /// Nothing declared or defined.
    Unknown,
}

/// Resolves a source entry the one way every rule uses: a declared `schema.table` (with an
/// optional project prefix, backticks allowed), else a model by name, bare or qualified with
/// the staging or final schema.
pub fn target_of(spec: &Spec, catalog: &Catalog, entry: &str) -> Target {
    let entry = entry.trim().trim_matches('`');
    let parts: Vec<&str> = entry.split('.').collect();
    let table = match parts.as_slice() {
        [_project, schema, table] => format!("{schema}.{table}"),
        _ => entry.to_string(),
    };
    if catalog.get(&table).is_some() {
        return Target::Table(table);
    }
    let model_schema = |schema: &str| schema == spec.schema.staging_schema || schema == spec.schema.final_schema;
    let name = match parts.as_slice() {
        [name] => *name,
        [schema, name] | [_, schema, name] if model_schema(schema) => *name,
        _ => return Target::Unknown,
    };
    spec.model_index(name).map_or(Target::Unknown, Target::Model)
}

fn relation_of_table(alias: &str, table: &crate::sql::ddl::DeclaredTable) -> Relation {
    Relation {
        alias: alias.to_string(),
        model: None,
        columns: table
            .columns
            .iter()
            .map(|c| RelColumn { name: c.name.clone(), data_type: c.data_type.clone(), nullable: c.nullable })
            .collect(),
        keys: table.keys.iter().map(|k| k.iter().map(|c| c.to_ascii_lowercase()).collect()).collect(),
    }
}

/// A column reference resolved against the relations in scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefResolution {
    /// Found in relation `index` of the scope, as column `column` (its declared spelling).
    Found {
        /// Index into the scope.
        index: usize,
        /// The column's declared name.
        column: String,
    },
    /// The qualifier names no relation in scope.
    UnknownTable,
    /// No relation in scope has the column; with a likely intended name.
    UnknownColumn(Option<String>),
    /// Several relations have the column (unqualified reference); their aliases.
    Ambiguous(Vec<String>),
}

/// Resolves a reference against `scope`.
pub fn resolve_ref(scope: &[&Relation], reference: &ColumnRef) -> RefResolution {
    let candidates: Vec<usize> = match &reference.qualifier {
        Some(q) => {
            let found: Vec<usize> = (0..scope.len()).filter(|&i| scope[i].alias.eq_ignore_ascii_case(q)).collect();
            if found.is_empty() {
                return RefResolution::UnknownTable;
            }
            found
        }
        None => (0..scope.len()).collect(),
    };
    let hits: Vec<usize> =
        candidates.iter().copied().filter(|&i| scope[i].column(&reference.column).is_some()).collect();
    match hits.as_slice() {
        [index] => RefResolution::Found {
            index: *index,
            column: scope[*index].column(&reference.column).map(|c| c.name.clone()).unwrap_or_default(),
        },
        [] => {
            let names = candidates.iter().flat_map(|&i| scope[i].columns.iter().map(|c| c.name.as_str()));
            RefResolution::UnknownColumn(crate::suggest::did_you_mean(&reference.column, names).map(str::to_string))
        }
        many => RefResolution::Ambiguous(many.iter().map(|&i| scope[i].alias.clone()).collect()),
    }
}

/// Each model's output as a relation other models can read, or `None` where it cannot be
/// known (the model is in a cycle, or its sources are unknown).
pub fn model_outputs(spec: &Spec, catalog: &Catalog) -> Vec<Option<Relation>> {
    let mut states = HashMap::with_capacity(spec.models.len());
    (0..spec.models.len()).map(|i| visit_output(i, spec, catalog, &mut states)).collect()
}

/// Model `mi`'s element of [`model_outputs`], working out only the models it takes its columns
/// from (its first source, and that one's, …): a caller that needs one model's output does not
/// pay for every model's.
pub fn model_output(spec: &Spec, catalog: &Catalog, mi: usize) -> Option<Relation> {
    if mi >= spec.models.len() {
        return None;
    }
    visit_output(mi, spec, catalog, &mut HashMap::new())
}

/// Where [`visit_output`] is with a model: `None` while it is being worked out (a cycle reads
/// it as unknown), then its output.
type OutputStates = HashMap<usize, Option<Option<Relation>>>;

fn visit_output(i: usize, spec: &Spec, catalog: &Catalog, states: &mut OutputStates) -> Option<Relation> {
    match states.get(&i) {
        Some(Some(done)) => return done.clone(),
        Some(None) => return None,
        None => {}
    }
    states.insert(i, None);
    crate::meter::count(crate::meter::Unit::ModelOutputs, 1);
    let model = &spec.models[i];
    let first_source = model.sources.first().and_then(|entry| match target_of(spec, catalog, entry) {
        Target::Table(name) => catalog.get(&name).map(|t| relation_of_table(alias_of(entry), &t.table)),
        Target::Model(j) => visit_output(j, spec, catalog, states),
        Target::Unknown => None,
    });
    let result = output_of(model, first_source, spec.dialect);
    states.insert(i, Some(result.clone()));
    result
}

/// Whether a test list asks for non-null values.
pub fn asks_not_null(tests: &[String], dialect: Dialect) -> bool {
    tests.iter().any(|t| matches!(parse_test(t, dialect), Ok(SpecTest::NotNull)))
}

fn asks_unique(tests: &[String], dialect: Dialect) -> bool {
    tests.iter().any(|t| matches!(parse_test(t, dialect), Ok(SpecTest::Unique)))
}

fn output_of(model: &Model, driving: Option<Relation>, dialect: Dialect) -> Option<Relation> {
    let pk: Vec<String> =
        model.constraints.primary_key.iter().flat_map(|k| k.names()).map(str::to_ascii_lowercase).collect();
    let mut keys = Vec::new();
    if !pk.is_empty() {
        keys.push(pk.clone());
    }
    let column = |name: &str, data_type: &str, nullable: Option<bool>, tests: &[String]| RelColumn {
        name: name.to_string(),
        data_type: canonical_type_name(data_type),
        nullable: !(nullable == Some(false)
            || asks_not_null(tests, dialect)
            || pk.contains(&name.to_ascii_lowercase())),
    };
    let mut columns = Vec::new();
    if model.constraints.scd_type == Some(2) {
        let source = driving?;
        let c = &model.constraints;
        columns.extend(source.columns.iter().cloned());
        let far_future = c.open_expiry == Some(crate::spec::model::OpenExpiry::FarFuture);
        let extra = [
            (c.effective_at.as_deref(), "TIMESTAMP", false),
            (c.expiry_at.as_deref(), "TIMESTAMP", !far_future),
            (c.current_flag.as_deref(), "BOOL", false),
        ];
        for (name, data_type, nullable) in extra {
            if let Some(name) = name {
                columns.push(RelColumn { name: name.to_string(), data_type: Some(data_type.into()), nullable });
            }
        }
        let natural: Vec<String> = c.natural_key.iter().flat_map(|k| k.names()).map(str::to_ascii_lowercase).collect();
        if let (false, Some(eff)) = (natural.is_empty(), &c.effective_at) {
            keys.push(natural.into_iter().chain(std::iter::once(eff.to_ascii_lowercase())).collect());
        }
    } else if !model.aggregations.is_empty() {
        for g in &model.group_by {
            let from = driving.as_ref().and_then(|d| d.column(g));
            columns.push(RelColumn {
                name: g.clone(),
                data_type: from.and_then(|c| c.data_type.clone()),
                nullable: from.is_none_or(|c| c.nullable),
            });
        }
        // One output row per group, with joins or without: the group-by columns are a key.
        if !model.group_by.is_empty() {
            keys.push(model.group_by.iter().map(|g| g.to_ascii_lowercase()).collect());
        }
        for a in &model.aggregations {
            columns.push(column(&a.metric_column, &a.data_type, a.nullable, &a.tests));
            if asks_unique(&a.tests, dialect) {
                keys.push(vec![a.metric_column.to_ascii_lowercase()]);
            }
        }
    } else {
        for m in &model.column_mapping {
            columns.push(column(&m.target_column, &m.data_type, m.nullable, &m.tests));
            if asks_unique(&m.tests, dialect) {
                keys.push(vec![m.target_column.to_ascii_lowercase()]);
            }
        }
        keys.extend(grouped_mapping_key(model, dialect));
    }
    Some(Relation { alias: model.name.clone(), model: None, columns, keys })
}

/// A mapping model that aggregates groups by every column read outside an aggregate; when each
/// such column is also output as itself (and nothing else is read outside an aggregate), those
/// outputs are one row per group: a key.
fn grouped_mapping_key(model: &Model, dialect: Dialect) -> Option<Vec<String>> {
    let mut aggregates = false;
    let mut key = Vec::new();
    for m in &model.column_mapping {
        let transform = m.transform.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let Some(text) = transform else {
            key.push(m.target_column.to_ascii_lowercase());
            continue;
        };
        let expr = parse_expression(&text.replace("{from}", "__from"), dialect).ok()?;
        let refs = crate::sql::expr::column_refs(&expr);
        if crate::sql::expr::contains_aggregate(&expr) {
            aggregates = true;
            if refs.iter().any(|r| !r.in_aggregate) {
                return None;
            }
        } else if matches!(expr, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
            key.push(m.target_column.to_ascii_lowercase());
        } else if !refs.is_empty() {
            return None;
        }
    }
    (aggregates && !key.is_empty()).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(alias: &str, columns: &[&str]) -> Relation {
        Relation {
            alias: alias.into(),
            model: None,
            columns: columns
                .iter()
                .map(|c| RelColumn { name: c.to_string(), data_type: None, nullable: true })
                .collect(),
            keys: vec![],
        }
    }

    fn reference(qualifier: Option<&str>, column: &str) -> ColumnRef {
        ColumnRef {
            qualifier: qualifier.map(str::to_string),
            column: column.into(),
            in_aggregate: false,
            line: 1,
            column_no: 1,
        }
    }

    #[test]
    fn references_resolve_or_explain_why_not() {
        let a = rel("crm_customers", &["customer_id", "email", "created_at"]);
        let b = rel("crm_addresses", &["customer_id", "country", "created_at"]);
        let scope = [&a, &b];
        assert_eq!(
            resolve_ref(&scope, &reference(None, "EMAIL")),
            RefResolution::Found { index: 0, column: "email".into() }
        );
        assert_eq!(
            resolve_ref(&scope, &reference(Some("crm_addresses"), "customer_id")),
            RefResolution::Found { index: 1, column: "customer_id".into() }
        );
        assert_eq!(
            resolve_ref(&scope, &reference(None, "created_at")),
            RefResolution::Ambiguous(vec!["crm_customers".into(), "crm_addresses".into()])
        );
        assert_eq!(resolve_ref(&scope, &reference(Some("fx"), "x")), RefResolution::UnknownTable);
        assert_eq!(resolve_ref(&scope, &reference(None, "emial")), RefResolution::UnknownColumn(Some("email".into())));
        assert_eq!(resolve_ref(&scope, &reference(None, "zzz")), RefResolution::UnknownColumn(None));
    }

    #[test]
    fn entries_resolve_to_tables_then_models() {
        use crate::spec::catalog::add_ddl_text;
        let spec: Spec = serde_json::from_str(
            r#"{"schema": {"raw_schema": "raw", "staging_schema": "temp", "final_schema": "analytics"},
                "models": [{"name": "stg"}, {"name": "dim"}]}"#,
        )
        .unwrap();
        let mut catalog = Catalog::default();
        add_ddl_text(&mut catalog, &mut Vec::new(), "CREATE TABLE raw.t (a INT64);", "t.sql");
        assert_eq!(target_of(&spec, &catalog, "raw.t"), Target::Table("raw.t".into()));
        assert_eq!(target_of(&spec, &catalog, "`proj.raw.t`"), Target::Table("raw.t".into()));
        assert_eq!(target_of(&spec, &catalog, "stg"), Target::Model(0));
        assert_eq!(target_of(&spec, &catalog, "temp.stg"), Target::Model(0));
        assert_eq!(target_of(&spec, &catalog, "proj.analytics.dim"), Target::Model(1));
        // A model is never found under the raw schema, nor a table by its bare name.
        assert_eq!(target_of(&spec, &catalog, "raw.stg"), Target::Unknown);
        assert_eq!(target_of(&spec, &catalog, "t"), Target::Unknown);
    }
}
