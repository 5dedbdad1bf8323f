//! The spec's meaning, resolved once for every stage that reads it: names to relations
//! ([`context`]), each mapping or aggregate model to its relations, joins, outputs and the columns
//! they read ([`query`]), the models' dependency graph ([`graph`]), and each model's kind
//! ([`models`]). The lint reports what does not resolve; the checks, the synthetic data and the
//! reference result read what does.

pub mod context;
pub mod graph;
pub mod models;
pub mod query;

pub use models::{kinds_of, resolve_models, resolve_models_with, resolve_some_models, ModelKind, Resolution};
