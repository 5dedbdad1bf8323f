//! Stage 5, checks: the code against the spec. Today the static check ([`lineage`]): the code's
//! column lineage, joins, filters and grouping compared with the spec's meaning. Checks on the
//! executed output and the reference comparison land with the issues "Run it" and "Prove it".

pub mod explained;
pub mod lineage;
pub mod output;
