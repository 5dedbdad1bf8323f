//! The renderers of a [`crate::report::model::Report`], one module per format, and of
//! `specproof lineage`'s column lineage ([`lineage`]), and the findings reference ([`codes`]).

pub mod codes;
pub mod json;
pub mod junit;
pub mod lineage;
pub mod markdown;
pub mod sarif;
pub mod text;
