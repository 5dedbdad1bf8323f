//! Stage 0, the project: where the spec, source DDL, model code and tests of a pipeline are,
//! and the catalog of source tables they declare.

pub mod catalog;
pub mod config;
pub mod layout;
