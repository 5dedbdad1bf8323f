//! Pictures of a pipeline for the people who review it: the pipeline graph (sources, staging and
//! final layers, each model's kind) and each model's column lineage drawn from the spec *and*
//! from the code's traced lineage, every disagreement the static check proves highlighted.
//!
//! [`model`] is the picture as data; [`build`] makes it from the spec and the code; [`text`]
//! writes Mermaid and DOT, [`svg`] draws SVG on the layout of [`layout`]; [`format`] picks one.

pub mod build;
pub mod format;
pub mod layout;
pub mod model;
pub mod svg;
pub mod text;

pub use build::{lineage, lineages_of, pipeline, pipeline_of, project_lineages, LineageInput};
pub use format::{render, DiagramFormat};
pub use model::{Diagram, Style};
