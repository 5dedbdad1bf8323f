//! The one picture every renderer draws: boxes in groups, arrows between them, each with a
//! style that says what it is (a layer, a disagreement) and a legend that says what a style
//! means. Built once from the spec and the code; Mermaid, DOT and SVG only draw it. It is plain
//! data that serialises, so a part of a sharded run can hand its pictures to `report merge`.

use serde::{Deserialize, Serialize};

/// What a box or an arrow stands for; each renderer gives every style one look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    /// A source table, or a column of one.
    Source,
    /// A staging model, or a column of one.
    Staging,
    /// A final model, or a column of one.
    Final,
    /// A model of a layer the spec does not name.
    Other,
    /// An output column the spec and the code agree on.
    Column,
    /// An output column the spec lists and the code does not produce.
    Missing,
    /// An output column the code produces and the spec does not list.
    Extra,
    /// An output column the code derives differently from the spec (the static check says so).
    Differs,
    /// A join, as the spec and the code both have it.
    Join,
    /// A join the code makes with another type or condition than the spec.
    JoinDiffers,
    /// A model reads a table or model (the pipeline's arrows).
    Reads,
    /// An arrow both the spec and the code draw.
    Agreed,
    /// An arrow only the spec draws, on a column the check finds equivalent in the code.
    SpecOnly,
    /// An arrow only the code draws, on a column the check finds equivalent to the spec.
    CodeOnly,
    /// An arrow only the spec draws, on a column the code gets wrong.
    SpecOnlyWrong,
    /// An arrow only the code draws, on a column the code gets wrong.
    CodeOnlyWrong,
}

impl Style {
    /// A short lowercase name: Mermaid class names and SVG CSS classes.
    pub fn name(self) -> &'static str {
        match self {
            Style::Source => "source",
            Style::Staging => "staging",
            Style::Final => "final",
            Style::Other => "other",
            Style::Column => "column",
            Style::Missing => "missing",
            Style::Extra => "extra",
            Style::Differs => "differs",
            Style::Join => "join",
            Style::JoinDiffers => "joindiffers",
            Style::Reads => "reads",
            Style::Agreed => "agreed",
            Style::SpecOnly => "speconly",
            Style::CodeOnly => "codeonly",
            Style::SpecOnlyWrong => "speconlywrong",
            Style::CodeOnlyWrong => "codeonlywrong",
        }
    }

    /// Fill and stroke of a box, stroke and dash of an arrow (SVG/CSS colours).
    pub fn colours(self) -> (&'static str, &'static str) {
        match self {
            Style::Source => ("#eef2f7", "#5b6b7f"),
            Style::Staging => ("#e6f4ea", "#2e7d32"),
            Style::Final => ("#e8eefc", "#1f4fbf"),
            Style::Other => ("#f5f5f5", "#777777"),
            Style::Column => ("#ffffff", "#555555"),
            Style::Missing => ("#fde8e8", "#c62828"),
            Style::Extra => ("#fff4e0", "#e65100"),
            Style::Differs => ("#fce4ec", "#ad1457"),
            Style::Join => ("#f3e8fd", "#6a1b9a"),
            Style::JoinDiffers => ("#fde8e8", "#c62828"),
            Style::Reads => ("none", "#555555"),
            Style::Agreed => ("none", "#555555"),
            Style::SpecOnly => ("none", "#9e9e9e"),
            Style::CodeOnly => ("none", "#9e9e9e"),
            Style::SpecOnlyWrong => ("none", "#c62828"),
            Style::CodeOnlyWrong => ("none", "#e65100"),
        }
    }

    /// True for the styles that mark a disagreement between the spec and the code.
    pub fn is_disagreement(self) -> bool {
        matches!(
            self,
            Style::Missing
                | Style::Extra
                | Style::Differs
                | Style::JoinDiffers
                | Style::SpecOnlyWrong
                | Style::CodeOnlyWrong
        )
    }

    /// Dashed arrows are the ones only one side draws.
    pub fn dashed(self) -> bool {
        matches!(self, Style::SpecOnly | Style::SpecOnlyWrong)
    }

    /// Dotted arrows are the ones only the code draws.
    pub fn dotted(self) -> bool {
        matches!(self, Style::CodeOnly | Style::CodeOnlyWrong)
    }

    /// What the legend says about the style.
    pub fn meaning(self) -> &'static str {
        match self {
            Style::Source => "source table",
            Style::Staging => "staging model",
            Style::Final => "final model",
            Style::Other => "model of another layer",
            Style::Column => "output column: spec and code agree",
            Style::Missing => "output column the code does not produce",
            Style::Extra => "output column the spec does not list",
            Style::Differs => "output column the code derives differently",
            Style::Join => "join: spec and code agree",
            Style::JoinDiffers => "join the code makes differently",
            Style::Reads => "the model reads it (a source entry)",
            Style::Agreed => "read by spec and code",
            Style::SpecOnly => "read by the spec only (code equivalent)",
            Style::CodeOnly => "read by the code only (equivalent)",
            Style::SpecOnlyWrong => "read by the spec, not by the code",
            Style::CodeOnlyWrong => "read by the code from elsewhere",
        }
    }
}

/// A box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// An identifier safe in every output format (letters, digits, `_`).
    pub id: String,
    /// Its text, one entry per line.
    pub label: Vec<String>,
    /// The group it is drawn in, an index into [`Diagram::groups`].
    pub group: Option<usize>,
    /// How it looks.
    pub style: Style,
}

/// A box around boxes: a layer of the pipeline, or a table whose columns are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// An identifier safe in every output format.
    pub id: String,
    /// Its title.
    pub label: String,
    /// How it looks.
    pub style: Style,
}

/// An arrow from what is read to what reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    /// Index of the node it starts at.
    pub from: usize,
    /// Index of the node it ends at.
    pub to: usize,
    /// How it looks.
    pub style: Style,
}

/// A picture, ready for any renderer. Everything is in a fixed order, so every output is
/// byte-for-byte the same for the same input.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Diagram {
    /// Its title.
    pub title: String,
    /// The groups, in drawing order.
    pub groups: Vec<Group>,
    /// The boxes.
    pub nodes: Vec<Node>,
    /// The arrows.
    pub edges: Vec<Edge>,
    /// The styles used, each once, in legend order.
    pub legend: Vec<Style>,
    /// Lines said under the picture (what the code check could not trace, the findings).
    pub notes: Vec<String>,
}

impl Diagram {
    /// Adds a group and returns its index.
    pub fn group(&mut self, id: String, label: String, style: Style) -> usize {
        self.groups.push(Group { id, label, style });
        self.groups.len() - 1
    }

    /// Adds a node and returns its index.
    pub fn node(&mut self, id: String, label: Vec<String>, group: Option<usize>, style: Style) -> usize {
        self.nodes.push(Node { id, label, group, style });
        self.nodes.len() - 1
    }

    /// Adds an arrow, once.
    pub fn edge(&mut self, from: usize, to: usize, style: Style) {
        if !self.edges.iter().any(|e| e.from == from && e.to == to) {
            self.edges.push(Edge { from, to, style });
        }
    }

    /// Fills the legend with every style the picture uses, in [`Style`] order.
    pub fn finish_legend(&mut self) {
        let mut used: Vec<Style> = self
            .nodes
            .iter()
            .map(|n| n.style)
            .chain(self.groups.iter().map(|g| g.style))
            .chain(self.edges.iter().map(|e| e.style))
            .collect();
        used.sort();
        used.dedup();
        self.legend = used;
    }

    /// True when some box or arrow marks a disagreement between the spec and the code.
    pub fn has_disagreement(&self) -> bool {
        self.nodes.iter().any(|n| n.style.is_disagreement()) || self.edges.iter().any(|e| e.style.is_disagreement())
    }
}
