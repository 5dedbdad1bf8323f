//! What running a project's models takes, worked out once per validation ([`Plan`]): the
//! schemas the database needs, each model's table, the models it reads and its code; and the
//! SQL relation of each model and source inside a database's catalog.

use crate::check::lineage::CodeCheck;
use crate::project::code::{ModelCode, ProjectTables};
use crate::project::layout::Project;
use crate::spec::model::Spec;
use crate::spec::resolve::graph::dependencies;
use crate::spec::resolve::query::ModelQuery;
use crate::spec::resolve::resolve_models_with;

/// A project and its code, with everything a run derives from them computed once: every run
/// of every dataset, shrinking probe and shipped test file reads it instead of working it out
/// again.
pub struct Plan<'a> {
    /// The project.
    pub project: &'a Project,
    /// Its code, as the static check read it.
    pub code: &'a CodeCheck,
    /// The tables code can name, with each model's outputs resolved.
    pub tables: ProjectTables<'a>,
    /// Every schema a run needs ([`project_schemas`]).
    pub schemas: Vec<String>,
    /// One per spec model, in spec order.
    pub models: Vec<PlannedModel>,
    /// Each model's meaning as the spec resolves it (see [`crate::spec::resolve::resolve_models`]), for the reference
    /// result.
    pub queries: Vec<Option<ModelQuery>>,
}

/// One model of a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedModel {
    /// Its table, `schema.table` (its layer's schema); `None` when it has none.
    pub table: Option<String>,
    /// The spec indexes of the models it reads.
    pub upstream: Vec<usize>,
    /// Its code's index in [`CodeCheck::models`]; `None` without a code file.
    pub code: Option<usize>,
}

impl<'a> Plan<'a> {
    /// Works out the plan of `project` with its `code`.
    pub fn new(project: &'a Project, code: &'a CodeCheck) -> Plan<'a> {
        let spec = &project.spec.spec;
        let tables = ProjectTables::new(spec, &project.catalog);
        let upstream = dependencies(spec, &project.catalog);
        let code_index: std::collections::HashMap<&str, usize> =
            code.models.iter().enumerate().rev().map(|(c, m)| (m.model.as_str(), c)).collect();
        let models = spec
            .models
            .iter()
            .zip(upstream)
            .map(|(model, upstream)| PlannedModel {
                table: tables.model_table(&model.name),
                upstream,
                code: code_index.get(model.name.as_str()).copied(),
            })
            .collect();
        let queries = resolve_models_with(&project.spec, &project.catalog, tables.outputs());
        Plan { project, code, tables, schemas: project_schemas(project), models, queries }
    }

    /// The spec.
    pub fn spec(&self) -> &'a Spec {
        &self.project.spec.spec
    }

    /// A dataset for `synth`, aimed at the spec and at the code under test: every run of a
    /// validation (search, shrinking, blame) makes its data here, so a seed always gives the
    /// same rows.
    pub fn dataset(&self, synth: &crate::synth::SynthOptions) -> crate::synth::Dataset {
        let code: Vec<&[sqlparser::ast::Statement]> =
            self.code.models.iter().filter_map(|m| m.statements.as_deref()).collect();
        crate::synth::synthesize_resolved(&self.project.spec, &self.project.catalog, &self.queries, &code, synth)
    }

    /// Model `i`'s code, when it has a code file.
    pub fn code_of(&self, i: usize) -> Option<&'a ModelCode> {
        self.models.get(i)?.code.and_then(|c| self.code.models.get(c))
    }

    /// Model `i`'s table inside database `catalog`.
    pub fn relation(&self, catalog: &str, i: usize) -> Option<String> {
        self.models.get(i)?.table.as_deref().map(|t| qualify(catalog, t))
    }

    /// The relation of a model or source named `name` inside database `catalog`.
    pub fn relation_of(&self, catalog: &str, name: &str) -> Option<String> {
        relation_for(&self.tables, catalog, name)
    }

    /// `only` and every model they read from, transitively, except through the models `given`;
    /// sorted.
    pub fn upstream_closure(&self, only: &[usize], given: &[usize]) -> Vec<usize> {
        let given: std::collections::HashSet<usize> = given.iter().copied().collect();
        let mut seen: std::collections::HashSet<usize> = only.iter().copied().collect();
        let mut needed: Vec<usize> = seen.iter().copied().collect();
        let mut i = 0;
        while i < needed.len() {
            if !given.contains(&needed[i]) {
                for &d in self.models.get(needed[i]).map_or(&[][..], |m| &m.upstream) {
                    if seen.insert(d) {
                        needed.push(d);
                    }
                }
            }
            i += 1;
        }
        needed.sort_unstable();
        needed
    }
}

/// Every schema a run needs: the spec's three layers and each source table's, sorted, once each.
pub fn project_schemas(project: &Project) -> Vec<String> {
    let spec = &project.spec.spec;
    let mut schemas =
        vec![spec.schema.raw_schema.clone(), spec.schema.staging_schema.clone(), spec.schema.final_schema.clone()];
    schemas.extend(project.catalog.tables.keys().filter_map(|t| t.split_once('.')).map(|(s, _)| s.to_string()));
    schemas.sort_unstable();
    schemas.dedup();
    schemas
}

/// `schema.table` as `"catalog".schema.table`.
pub fn qualify(catalog: &str, table: &str) -> String {
    let quoted: Vec<String> = table.split('.').map(|p| format!("\"{}\"", p.replace('"', "\"\""))).collect();
    format!("\"{}\".{}", catalog.replace('"', "\"\""), quoted.join("."))
}

/// The SQL relation of a model or source named in a `relationships()` test, or in a model's
/// `sources` (what [`crate::reference::sql_for`] reads).
pub fn relation_for(tables: &ProjectTables<'_>, catalog: &str, name: &str) -> Option<String> {
    if let Some(table) = tables.model_table(name) {
        return Some(qualify(catalog, &table));
    }
    let parts: Vec<String> = name.split('.').map(str::to_string).collect();
    crate::sql::lineage::Tables::lookup(tables, &parts).map(|info| qualify(catalog, &info.key))
}

/// The schema the reference results are kept in (visible with `--db`).
pub const REFERENCE_SCHEMA: &str = "specproof_reference";
