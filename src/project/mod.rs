//! The project: where the spec, source DDL, model code and tests of a pipeline are ([`layout`],
//! [`config`]), and the code under test read once: rendered, parsed, translated and traced
//! against the spec ([`code`]).

pub mod code;
pub mod config;
pub mod dbt;
pub mod layout;
