//! `specproof review`: the exports a spec approver reads, all written from one data model
//! ([`model::Review`]): a CSV file per table ([`csv`]), one Markdown document ([`markdown`]) and
//! one self-contained HTML page ([`html`]) with each model's lineage beside its columns, and an
//! XLSX workbook with a sheet per model ([`xlsx`]).

pub mod csv;
pub mod html;
pub mod markdown;
pub mod model;
pub mod xlsx;
