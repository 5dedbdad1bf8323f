//! An SCD type 2 model's code (spec-format.md, "SCD type 2 model"): the table created on the first
//! run, then one `MERGE` per run.
//!
//! The `MERGE` matches a current version to a source row of the same natural key *and* the same
//! tracked values (NULL-safely). A current version with no such row changed or vanished: it is
//! closed. A source row with no such version is new, changed or back: it opens a version. One
//! statement therefore does what the usual UPDATE-then-INSERT pair does, and a version keeps the
//! untracked values of its first snapshot, as the spec says.

use crate::reference::duckdb_type_of;
use crate::reference::plan::{bigquery_type_of, ident};
use crate::spec::catalog::Catalog;
use crate::spec::load::LoadedSpec;
use crate::spec::model::{Dialect, Model, OpenExpiry};
use crate::spec::resolve::context::{model_outputs, Lint, Resolved};

/// What an SCD2 model's code is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scd2Shape {
    /// The source entry it keeps the history of.
    pub source_entry: String,
    /// The source's columns in order, with their spec types.
    pub columns: Vec<(String, String)>,
    /// The natural key columns.
    pub keys: Vec<String>,
    /// The tracked columns.
    pub tracked: Vec<String>,
    /// When a version appeared.
    pub effective_at: String,
    /// When a version stopped.
    pub expiry_at: String,
    /// True for the live version.
    pub current_flag: String,
    /// An open expiry is `9999-12-31 23:59:59` rather than NULL.
    pub far_future: bool,
    /// The model's index.
    pub mi: usize,
}

/// The timestamp an open version's expiry holds with `open_expiry: "far_future"`.
pub const FAR_FUTURE: &str = "9999-12-31 23:59:59";

/// The shape of SCD2 model `mi`, or why it has none (the lint reports the same problems).
pub fn shape(loaded: &LoadedSpec, catalog: &Catalog, mi: usize) -> Result<Scd2Shape, String> {
    let spec = &loaded.spec;
    let model = spec.models.get(mi).ok_or_else(|| format!("there is no model at index {mi}"))?;
    let c = &model.constraints;
    let missing = |what: &str| format!("SCD2 model `{}` has no `{what}`", model.name);
    let (Some(effective_at), Some(expiry_at), Some(current_flag)) =
        (c.effective_at.as_deref(), c.expiry_at.as_deref(), c.current_flag.as_deref())
    else {
        return Err(missing("effective_at`, `expiry_at` or `current_flag"));
    };
    let entry = match model.sources.as_slice() {
        [entry] => entry,
        _ => return Err(format!("SCD2 model `{}` must have exactly one source", model.name)),
    };
    let lint =
        Lint { spec, text: &loaded.text, catalog, outputs: model_outputs(spec, catalog).into(), findings: Vec::new() };
    let Resolved::Relation(source) = lint.resolve_entry(entry) else {
        return Err(format!("source `{entry}` of `{}` does not resolve", model.name));
    };
    // The upstream model's own spec types are exact (NUMERIC(10, 2) stays so); a source table's
    // are the types its DDL declares.
    let upstream = spec.model_index(entry.trim()).map(|i| &spec.models[i]);
    let table = catalog.get(entry.trim().trim_matches('`'));
    let mut columns = Vec::new();
    for column in &source.columns {
        let exact = upstream.and_then(|m| {
            m.column_mapping
                .iter()
                .find(|c| c.target_column.eq_ignore_ascii_case(&column.name))
                .map(|c| c.data_type.clone())
                .or_else(|| {
                    m.aggregations
                        .iter()
                        .find(|a| a.metric_column.eq_ignore_ascii_case(&column.name))
                        .map(|a| a.data_type.clone())
                })
        });
        let declared = table.and_then(|t| {
            t.table.columns.iter().find(|c| c.name.eq_ignore_ascii_case(&column.name)).map(|c| c.written_type.clone())
        });
        let data_type = exact
            .or(declared)
            .or_else(|| column.data_type.clone())
            .ok_or_else(|| format!("the type of `{}.{}` is not known", source.alias, column.name))?;
        columns.push((column.name.clone(), data_type));
    }
    let find = |name: &str| {
        source.column(name).map(|c| c.name.clone()).ok_or_else(|| format!("`{entry}` has no column `{name}`"))
    };
    let keys: Vec<String> = c.natural_key.iter().flat_map(|k| k.names()).map(find).collect::<Result<_, _>>()?;
    if keys.is_empty() {
        return Err(missing("natural_key"));
    }
    let tracked: Vec<String> = match &c.tracked_columns {
        Some(list) => list.names().map(find).collect::<Result<_, _>>()?,
        None => columns.iter().map(|(n, _)| n.clone()).filter(|c| !keys.contains(c)).collect(),
    };
    Ok(Scd2Shape {
        source_entry: entry.clone(),
        columns,
        keys,
        tracked,
        effective_at: effective_at.to_string(),
        expiry_at: expiry_at.to_string(),
        current_flag: current_flag.to_string(),
        far_future: c.open_expiry == Some(OpenExpiry::FarFuture),
        mi,
    })
}

/// A spec type in `dialect`.
pub fn type_in(spec_type: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::Duckdb => duckdb_type_of(spec_type).unwrap_or_else(|_| spec_type.to_string()),
        Dialect::Bigquery => bigquery_type_of(spec_type).unwrap_or_else(|_| spec_type.to_string()),
    }
}

/// The table's columns: the source's, then the three history columns.
pub fn table_columns(shape: &Scd2Shape, dialect: Dialect) -> Vec<(String, String)> {
    let mut columns: Vec<(String, String)> =
        shape.columns.iter().map(|(n, t)| (n.clone(), type_in(t, dialect))).collect();
    columns.push((shape.effective_at.clone(), type_in("TIMESTAMP", dialect)));
    columns.push((shape.expiry_at.clone(), type_in("TIMESTAMP", dialect)));
    columns.push((shape.current_flag.clone(), type_in("BOOL", dialect)));
    columns
}

/// The run's time and the open expiry in `dialect`.
fn times(shape: &Scd2Shape, dialect: Dialect) -> (&'static str, String) {
    let now = match dialect {
        Dialect::Bigquery => "CURRENT_TIMESTAMP()",
        Dialect::Duckdb => "CURRENT_TIMESTAMP",
    };
    let open =
        if shape.far_future { format!("TIMESTAMP '{FAR_FUTURE}'") } else { "CAST(NULL AS TIMESTAMP)".to_string() };
    (now, open)
}

/// The script: `CREATE TABLE IF NOT EXISTS table (…)`, then the `MERGE` from `source`.
pub fn merge_script(shape: &Scd2Shape, model: &Model, table: &str, source: &str, dialect: Dialect) -> String {
    let id = |name: &str| ident(name, dialect);
    let (now, open) = times(shape, dialect);
    let keys = shape.keys.join(", ");
    let tracked = if shape.tracked.is_empty() { "none".to_string() } else { shape.tracked.join(", ") };
    let mut text = format!(
        "-- {} (models[{}]): type 2 history of {}, keyed on {keys} (constraints.natural_key).\n\
         -- Tracked (a change opens a version): {tracked}.\n\
         -- A current version with no source row of the same key and tracked values changed or\n\
         -- vanished, and is closed; a source row with no such version opens one.\n",
        model.name, shape.mi, shape.source_entry
    );
    let columns: Vec<String> =
        table_columns(shape, dialect).iter().map(|(n, t)| format!("    {} {t}", id(n))).collect();
    text.push_str(&format!("CREATE TABLE IF NOT EXISTS {table} (\n{}\n);\n\n", columns.join(",\n")));
    let mut on = vec![format!("target.{}", id(&shape.current_flag))];
    for c in shape.keys.iter().chain(&shape.tracked) {
        on.push(format!("target.{0} IS NOT DISTINCT FROM source.{0}", id(c)));
    }
    let names: Vec<String> = shape
        .columns
        .iter()
        .map(|(n, _)| id(n))
        .chain([id(&shape.effective_at), id(&shape.expiry_at), id(&shape.current_flag)])
        .collect();
    let values: Vec<String> = shape
        .columns
        .iter()
        .map(|(n, _)| format!("source.{}", id(n)))
        .chain([now.to_string(), open, "TRUE".to_string()])
        .collect();
    let into = if dialect == Dialect::Duckdb { "MERGE INTO" } else { "MERGE" };
    text.push_str(&format!(
        "{into} {table} AS target\nUSING {source} AS source\nON {}\n\
         WHEN NOT MATCHED BY SOURCE AND target.{flag} THEN\n    UPDATE SET {expiry} = {now}, {flag} = FALSE\n\
         WHEN NOT MATCHED THEN\n    INSERT ({})\n    VALUES ({});\n",
        on.join("\n    AND "),
        names.join(", "),
        values.join(", "),
        flag = id(&shape.current_flag),
        expiry = id(&shape.expiry_at),
    ));
    text
}
