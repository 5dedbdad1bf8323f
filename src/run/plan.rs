//! Where a run puts things: the schemas a project needs, and the SQL relation of each model
//! and source inside a database's catalog.

use crate::project::code::ProjectTables;
use crate::project::layout::Project;

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
