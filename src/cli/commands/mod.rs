//! One module per command; each turns its arguments into an [`super::outcome::Outcome`].
//! `lint` and `validate` share [`check`], which runs [`crate::validate::validate`] and renders it.

pub mod bench;
pub mod check;
pub mod data;
pub mod diagram;
pub mod explain;
pub mod generate;
pub mod init;
pub mod lineage;
pub mod lint;
pub mod mutate;
pub mod llm;
pub mod report;
pub mod review;
pub mod spec;
pub mod validate;
