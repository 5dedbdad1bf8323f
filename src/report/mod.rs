//! Stage 6, reports: findings rendered for people (`text`) and for machines (`json`). The
//! renderers only format; they never decide what is a finding.

pub mod json;
pub mod lineage;
pub mod summary;
pub mod text;
