//! The spec's data model: serde types for every field spec-format.md names.
//!
//! Types stay close to the JSON so a spec loads unchanged; meaning (which kind a model is, how
//! names resolve) is decided by the lint and later stages, not here. Optional lists accept
//! `null`, a missing field, or `[]` alike, because real specs use all three.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// A whole pipeline spec (`spec.json`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Spec {
    /// Schema names of the three layers.
    pub schema: SchemaNames,
    /// The models, in any order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub models: Vec<Model>,
    /// The dialect of expressions inside the spec.
    #[serde(default)]
    pub dialect: Dialect,
    /// Source tables declared in the spec, an alternative (or addition) to DDL files.
    #[serde(default, deserialize_with = "null_as_default")]
    pub sources: Vec<SourceDecl>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Model positions by name, built on first use ([`Spec::model_index`]).
    #[serde(skip)]
    pub index: ModelIndex,
}

impl Spec {
    /// The position of the model called `name` (the first, if several are), found in constant
    /// time: every source entry and table reference of a project is resolved through here, so a
    /// scan of the models would make resolving a project quadratic in its models.
    pub fn model_index(&self, name: &str) -> Option<usize> {
        let (len, by_name) = self.index.0.get_or_init(|| {
            let mut by_name = std::collections::HashMap::with_capacity(self.models.len());
            for (i, m) in self.models.iter().enumerate() {
                by_name.entry(m.name.clone()).or_insert(i);
            }
            (self.models.len(), by_name)
        });
        // Built before the models changed (only a test builds a spec by hand): scan them.
        if *len != self.models.len() {
            return self.models.iter().position(|m| m.name == name);
        }
        let i = *by_name.get(name)?;
        if self.models.get(i).is_some_and(|m| m.name == name) {
            Some(i)
        } else {
            self.models.iter().position(|m| m.name == name)
        }
    }
}

/// The cached name index of a [`Spec`]: no part of its meaning, so specs compare equal
/// whatever it holds, and a clone builds its own.
#[derive(Default)]
pub struct ModelIndex(std::sync::OnceLock<(usize, std::collections::HashMap<String, usize>)>);

impl Clone for ModelIndex {
    fn clone(&self) -> Self {
        ModelIndex::default()
    }
}

impl PartialEq for ModelIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for ModelIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ModelIndex")
    }
}

/// `schema`: the schema of each layer.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SchemaNames {
    /// Where `raw.x` sources live.
    pub raw_schema: String,
    /// Where models of layer `staging` are materialised.
    pub staging_schema: String,
    /// Where models of layer `final` are materialised.
    pub final_schema: String,
}

pub use crate::sql::dialect::Dialect;

/// One model of the pipeline.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Model {
    /// Its name, also its table name.
    pub name: String,
    /// `staging` or `final`.
    #[serde(default)]
    pub layer: Option<String>,
    /// Its inputs: `schema.table` of a source, or another model's name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub sources: Vec<String>,
    /// Output columns of a mapping model.
    #[serde(default, deserialize_with = "null_as_default")]
    pub column_mapping: Vec<ColumnMapping>,
    /// Joins, applied in order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub joins: Vec<Join>,
    /// Filters, before or after the joins.
    #[serde(default, deserialize_with = "null_as_default")]
    pub filters: Vec<Filter>,
    /// Metrics of an aggregate model.
    #[serde(default, deserialize_with = "null_as_default")]
    pub aggregations: Vec<Aggregation>,
    /// Group-by columns of an aggregate model, from the driving (first) source.
    #[serde(default, deserialize_with = "null_as_default")]
    pub group_by: Vec<String>,
    /// Keys, SCD2 settings and physical layout.
    #[serde(default, deserialize_with = "null_as_default")]
    pub constraints: Constraints,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
}

/// One output column of a mapping model.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ColumnMapping {
    /// The output column.
    pub target_column: String,
    /// Its type (BigQuery or DuckDB type name).
    #[serde(rename = "type")]
    pub data_type: String,
    /// The source it mainly reads (the last part of a source entry).
    #[serde(default)]
    pub from_table: Option<String>,
    /// The column of `from_table` that `{from}` stands for.
    #[serde(default)]
    pub from_column: Option<String>,
    /// An expression; `{from}` is `from_table.from_column`. Null means the column itself.
    #[serde(default)]
    pub transform: Option<String>,
    /// `false` means the column must never be null.
    #[serde(default)]
    pub nullable: Option<bool>,
    /// Tests that must hold on the column.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tests: Vec<String>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
}

/// One join, applied after the ones before it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Join {
    /// A table already in the query (the first join's is the base table).
    pub left_table: String,
    /// The table joined in.
    pub right_table: String,
    /// `LEFT`, `INNER`, `RIGHT`, `FULL` (optionally with `OUTER`/`JOIN`).
    #[serde(rename = "type")]
    pub join_type: String,
    /// The ON condition.
    pub condition: String,
}

/// A filter on a source before the joins, or on the joined rows.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Filter {
    /// A source table (filter before joining it), or the model/empty/null/`(none)` (after).
    #[serde(default)]
    pub applies_to: Option<String>,
    /// A boolean expression; empty means no filter.
    #[serde(default)]
    pub predicate: Option<String>,
    /// Why the filter exists.
    #[serde(default)]
    pub rationale: Option<String>,
}

/// One metric of an aggregate model.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Aggregation {
    /// The output column.
    pub metric_column: String,
    /// Its type.
    #[serde(rename = "type")]
    pub data_type: String,
    /// An aggregate expression over one source.
    pub formula: String,
    /// `false` means the metric must never be null.
    #[serde(default)]
    pub nullable: Option<bool>,
    /// Tests that must hold on the column.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tests: Vec<String>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
}

/// `constraints` of a model.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Constraints {
    /// Columns that are not null and unique together.
    #[serde(default)]
    pub primary_key: Option<ColumnList>,
    /// Physical partitioning (not part of the meaning; checked to name an output column).
    #[serde(default)]
    pub partition_by: Option<String>,
    /// Physical clustering (not part of the meaning; checked to name output columns).
    #[serde(default)]
    pub cluster_by: Option<ColumnList>,
    /// `2` makes the model an SCD type 2 history.
    #[serde(default)]
    pub scd_type: Option<i64>,
    /// SCD2: the key whose history is kept.
    #[serde(default)]
    pub natural_key: Option<ColumnList>,
    /// SCD2: the column holding when a version appeared.
    #[serde(default)]
    pub effective_at: Option<String>,
    /// SCD2: the column holding when a version stopped.
    #[serde(default)]
    pub expiry_at: Option<String>,
    /// SCD2: the column that is true for the live version.
    #[serde(default)]
    pub current_flag: Option<String>,
    /// SCD2: how an open `expiry_at` is written.
    #[serde(default)]
    pub open_expiry: Option<OpenExpiry>,
    /// SCD2: the columns whose change opens a new version (default: all but the key).
    #[serde(default)]
    pub tracked_columns: Option<ColumnList>,
}

/// How an SCD2 model writes the expiry of a live version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenExpiry {
    /// NULL.
    Null,
    /// `9999-12-31 23:59:59` UTC.
    FarFuture,
}

/// A source table declared in the spec.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SourceDecl {
    /// `schema.table`.
    pub name: String,
    /// Its columns; may be left out when a DDL file declares the table and the entry only adds keys.
    #[serde(default)]
    pub columns: Option<Vec<SourceColumn>>,
    /// A declared key.
    #[serde(default)]
    pub primary_key: Option<ColumnList>,
    /// Further declared unique keys.
    #[serde(default, deserialize_with = "null_as_default")]
    pub unique_keys: Vec<ColumnList>,
    /// Declared references to other tables.
    #[serde(default, deserialize_with = "null_as_default")]
    pub foreign_keys: Vec<ForeignKeyDecl>,
}

/// A column of a source declared in the spec.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SourceColumn {
    /// Column name.
    pub name: String,
    /// Type name.
    #[serde(rename = "type")]
    pub data_type: String,
    /// `false` for NOT NULL; defaults to nullable.
    #[serde(default)]
    pub nullable: Option<bool>,
}

/// A declared foreign key of a source.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ForeignKeyDecl {
    /// The referencing columns.
    pub columns: ColumnList,
    /// The referenced table (`schema.table` or model name).
    pub references: String,
    /// The referenced columns (default: the same names).
    #[serde(default)]
    pub referenced_columns: Option<ColumnList>,
}

/// A list of column names written either as `"a, b"` or as `["a", "b"]`.
///
/// Deserialised by hand rather than with `#[serde(untagged)]` so a wrong type still gets a
/// precise error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ColumnList(pub Vec<String>);

impl ColumnList {
    /// The column names, trimmed, without empty entries.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    /// True when it names no column.
    pub fn is_empty(&self) -> bool {
        self.names().next().is_none()
    }
}

impl<'de> Deserialize<'de> for ColumnList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> serde::de::Visitor<'de> for ListVisitor {
            type Value = ColumnList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a column name, a comma-separated list of them, or an array of them")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ColumnList, E> {
                Ok(ColumnList(v.split(',').map(|s| s.trim().to_string()).collect()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<ColumnList, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(ColumnList(names))
            }
        }
        deserializer.deserialize_any(ListVisitor)
    }
}

/// Deserialises `null` as the type's default, so `"joins": null` means no joins.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_are_found_by_name_also_after_a_change() {
        let text = r#"{"schema": {"raw_schema": "r", "staging_schema": "s", "final_schema": "f"},
            "models": [{"name": "a"}, {"name": "b"}, {"name": "a"}]}"#;
        let mut spec: Spec = serde_json::from_str(text).unwrap();
        assert_eq!(spec.model_index("b"), Some(1));
        assert_eq!(spec.model_index("a"), Some(0), "the first of two");
        assert_eq!(spec.model_index("c"), None);
        // A spec changed after the index was built is still read right.
        spec.models.push(Model { name: "c".into(), ..spec.models[0].clone() });
        assert_eq!(spec.model_index("c"), Some(3));
        spec.models.swap(0, 1);
        assert_eq!(spec.model_index("b"), Some(0));
        assert_eq!(spec.clone(), spec, "the index is no part of a spec's value");
    }

    #[test]
    fn column_list_accepts_string_and_array() {
        let a: ColumnList = serde_json::from_str(r#""customer_id, last_order_ts""#).unwrap();
        let b: ColumnList = serde_json::from_str(r#"["customer_id", "last_order_ts"]"#).unwrap();
        assert_eq!(a.names().collect::<Vec<_>>(), ["customer_id", "last_order_ts"]);
        assert_eq!(a.names().collect::<Vec<_>>(), b.names().collect::<Vec<_>>());
        assert!(serde_json::from_str::<ColumnList>("3").is_err());
        assert!(ColumnList(vec![" ".into()]).is_empty());
    }

    #[test]
    fn nulls_and_missing_lists_are_empty() {
        let model: Model =
            serde_json::from_str(r#"{"name": "m", "sources": ["raw.t"], "aggregations": null, "joins": null}"#)
                .unwrap();
        assert!(model.aggregations.is_empty());
        assert!(model.joins.is_empty());
        assert!(model.column_mapping.is_empty());
        assert_eq!(model.constraints, Constraints::default());
    }

    #[test]
    fn dialect_defaults_to_bigquery_and_rejects_others() {
        let spec: Spec = serde_json::from_str(
            r#"{"schema": {"raw_schema": "raw", "staging_schema": "s", "final_schema": "f"}, "models": []}"#,
        )
        .unwrap();
        assert_eq!(spec.dialect, Dialect::Bigquery);
        let err = serde_json::from_str::<Dialect>(r#""postgres""#).unwrap_err();
        assert!(err.to_string().contains("unknown variant"));
    }

    #[test]
    fn scd2_constraints_load() {
        let c: Constraints = serde_json::from_str(
            r#"{"scd_type": 2, "natural_key": "customer_id", "effective_at": "valid_from",
                "expiry_at": "valid_to", "current_flag": "is_current", "open_expiry": "far_future"}"#,
        )
        .unwrap();
        assert_eq!(c.scd_type, Some(2));
        assert_eq!(c.open_expiry, Some(OpenExpiry::FarFuture));
        assert_eq!(c.natural_key.unwrap().names().collect::<Vec<_>>(), ["customer_id"]);
    }
}
