//! The formats a picture is written in.

use super::model::Diagram;
use super::{svg, text};

/// The text formats a picture is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagramFormat {
    /// A Mermaid flowchart.
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// A standalone SVG document.
    Svg,
}

/// Writes `diagram` in `format`; `banded` lays groups out as bands (the pipeline's layers).
pub fn render(diagram: &Diagram, format: DiagramFormat, banded: bool) -> String {
    match format {
        DiagramFormat::Mermaid => text::mermaid(diagram),
        DiagramFormat::Dot => text::dot(diagram),
        DiagramFormat::Svg => svg::svg(diagram, banded),
    }
}
