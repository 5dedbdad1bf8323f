//! Stage 6, reports: findings rendered for people (`text`), for machines (`json`), for CI test
//! reports (`junit`), for pull-request comments (`markdown`) and for code hosts' line
//! annotations (`sarif`). The renderers only format; they never decide what is a finding.

pub mod json;
pub mod junit;
pub mod lineage;
pub mod markdown;
pub mod sarif;
pub mod summary;
pub mod text;
