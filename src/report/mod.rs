//! Reports: what a run found, as data ([`model`]: findings, counts, the checks that ran, what a
//! baseline accepted), and its renderers ([`render`]): for people (`text`), for machines
//! (`json`), for CI test reports (`junit`), for pull-request comments (`markdown`) and for code
//! hosts' line annotations (`sarif`). The renderers only format; they never decide what is a
//! finding.

pub mod merge;
pub mod model;
pub mod render;
