//! Each model's meaning as the spec gives it: its kind, and its query resolved against the
//! source catalog and the other models (relations, joins, outputs and what they read).

use super::context::{model_outputs, Lint, Relation};
use super::query::{resolve_query, ModelQuery};
use crate::spec::catalog::Catalog;
use crate::spec::load::LoadedSpec;
use crate::spec::model::Model;

/// The kind of a model (spec-format.md, "Kinds of model").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// `column_mapping` and no `aggregations`.
    Mapping,
    /// `aggregations`.
    Aggregate,
    /// `constraints.scd_type` 2.
    Scd2,
}

/// The kinds a model fits; exactly one makes it valid.
pub fn kinds_of(model: &Model) -> Vec<ModelKind> {
    let mut kinds = Vec::new();
    if !model.column_mapping.is_empty() && model.aggregations.is_empty() {
        kinds.push(ModelKind::Mapping);
    }
    if !model.aggregations.is_empty() {
        kinds.push(ModelKind::Aggregate);
    }
    if model.constraints.scd_type.is_some() {
        kinds.push(ModelKind::Scd2);
    }
    kinds
}

/// Each model's meaning resolved as the lint sees it (relations, joins, outputs and what they
/// read), for the checks that compare code with the spec; `None` for SCD2 models and models
/// of no single kind. Problems are the lint's to report, so they are dropped here.
pub fn resolve_models(loaded: &LoadedSpec, catalog: &Catalog) -> Vec<Option<ModelQuery>> {
    resolve_models_with(loaded, catalog, &model_outputs(&loaded.spec, catalog))
}

/// The spec's meaning resolved once for a run: each model's output relation
/// ([`model_outputs`]) and its query ([`resolve_models`]). The lint resolves every model to
/// report what does not resolve; the static check reads the same result instead of resolving
/// (and parsing every spec expression) a second time.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    /// Each model's output, as [`model_outputs`] gives it.
    pub outputs: Vec<Option<Relation>>,
    /// Each model's query, as [`resolve_models`] gives it.
    pub queries: Vec<Option<ModelQuery>>,
}

/// [`resolve_models`] with the models' outputs already computed (`model_outputs`).
pub fn resolve_models_with(
    loaded: &LoadedSpec,
    catalog: &Catalog,
    outputs: &[Option<Relation>],
) -> Vec<Option<ModelQuery>> {
    resolve_some_models(loaded, catalog, outputs, &|_| true)
}

/// [`resolve_models_with`] for the models `wanted` (spec indexes) only, `None` for the others:
/// a model resolves from the outputs of the models it reads, not from their queries.
pub fn resolve_some_models(
    loaded: &LoadedSpec,
    catalog: &Catalog,
    outputs: &[Option<Relation>],
    wanted: &(dyn Fn(usize) -> bool + Sync),
) -> Vec<Option<ModelQuery>> {
    use rayon::prelude::*;
    let spec = &loaded.spec;
    crate::meter::count(crate::meter::Unit::ModelsResolved, (0..spec.models.len()).filter(|&mi| wanted(mi)).count());
    // Each model resolves on its own; a worker keeps one Lint, reading the one copy of the outputs.
    (0..spec.models.len())
        .into_par_iter()
        .map_init(
            || Lint { spec, text: &loaded.text, catalog, outputs: outputs.into(), findings: Vec::new() },
            |lint, mi| match kinds_of(&spec.models[mi]).as_slice() {
                _ if !wanted(mi) => None,
                [ModelKind::Mapping] | [ModelKind::Aggregate] if !spec.models[mi].sources.is_empty() => {
                    lint.findings.clear();
                    Some(resolve_query(lint, mi))
                }
                _ => None,
            },
        )
        .collect()
}
