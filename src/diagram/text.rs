//! Mermaid and Graphviz DOT: the picture as text, each label escaped for its format.

use super::model::{Diagram, Style};
use std::fmt::Write as _;

/// Escapes a label for a double-quoted Mermaid label: quotes, `#`, `<`, `>`, `&` and backticks
/// become Mermaid entity codes (so no label can close its quotes, open a Markdown string, start
/// HTML, or end a Markdown code fence around the diagram); line breaks become spaces.
pub fn mermaid_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A Mermaid comment line cannot hold a line break.
fn comment(text: &str) -> String {
    text.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect()
}

/// How an arrow of `style` looks, in words (the legend of every format says the same).
pub fn arrow_look(style: Style) -> &'static str {
    match style {
        Style::Reads | Style::Agreed => "solid arrow",
        Style::SpecOnly => "dashed grey arrow",
        Style::CodeOnly => "dotted grey arrow",
        Style::SpecOnlyWrong => "dashed red arrow",
        Style::CodeOnlyWrong => "thick dotted orange arrow",
        _ => "box",
    }
}

fn is_arrow(style: Style) -> bool {
    matches!(
        style,
        Style::Reads | Style::Agreed | Style::SpecOnly | Style::CodeOnly | Style::SpecOnlyWrong | Style::CodeOnlyWrong
    )
}

fn width(style: Style) -> f64 {
    if style.is_disagreement() {
        2.5
    } else {
        1.2
    }
}

/// The picture as a Mermaid flowchart (left to right), with one class per style, a legend
/// subgraph, and the notes as comments.
pub fn mermaid(d: &Diagram) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "%% {}", comment(&d.title));
    out.push_str("flowchart LR\n");
    let label = |lines: &[String]| lines.iter().map(|l| mermaid_escape(l)).collect::<Vec<_>>().join("<br/>");
    for (g, group) in d.groups.iter().enumerate() {
        let _ = writeln!(out, "  subgraph {}[\"{}\"]", group.id, mermaid_escape(&group.label));
        for node in d.nodes.iter().filter(|n| n.group == Some(g)) {
            let _ = writeln!(out, "    {}[\"{}\"]", node.id, label(&node.label));
        }
        out.push_str("  end\n");
    }
    for node in d.nodes.iter().filter(|n| n.group.is_none()) {
        let _ = writeln!(out, "  {}[\"{}\"]", node.id, label(&node.label));
    }
    for e in &d.edges {
        let link = if e.style.dashed() || e.style.dotted() { "-.->" } else { "-->" };
        let _ = writeln!(out, "  {} {link} {}", d.nodes[e.from].id, d.nodes[e.to].id);
    }
    let legend: Vec<Style> = d.legend.to_vec();
    if !legend.is_empty() {
        out.push_str("  subgraph legend[\"legend\"]\n");
        for (k, style) in legend.iter().enumerate() {
            let text = if is_arrow(*style) {
                format!("{}: {}", arrow_look(*style), style.meaning())
            } else {
                style.meaning().to_string()
            };
            let _ = writeln!(out, "    legend{k}[\"{}\"]", mermaid_escape(&text));
        }
        out.push_str("  end\n");
    }
    // Styles: classes for boxes, link styles for arrows, fills for groups.
    for style in node_styles(d) {
        let (fill, stroke) = style.colours();
        let _ = writeln!(
            out,
            "  classDef {} fill:{fill},stroke:{stroke},stroke-width:{}px,color:#000",
            style.name(),
            width(style)
        );
    }
    for style in node_styles(d) {
        let mut ids: Vec<String> = d.nodes.iter().filter(|n| n.style == style).map(|n| n.id.clone()).collect();
        ids.extend(
            legend
                .iter()
                .enumerate()
                .filter(|(_, s)| **s == style && !is_arrow(**s))
                .map(|(k, _)| format!("legend{k}")),
        );
        if !ids.is_empty() {
            let _ = writeln!(out, "  class {} {}", ids.join(","), style.name());
        }
    }
    for group in &d.groups {
        let (fill, stroke) = group.style.colours();
        let _ = writeln!(out, "  style {} fill:{fill},stroke:{stroke}", group.id);
    }
    let mut arrow_styles: Vec<Style> = d.edges.iter().map(|e| e.style).collect();
    arrow_styles.sort();
    arrow_styles.dedup();
    for style in arrow_styles {
        let indices: Vec<String> =
            d.edges.iter().enumerate().filter(|(_, e)| e.style == style).map(|(i, _)| i.to_string()).collect();
        let (_, stroke) = style.colours();
        let dash = if style.dotted() { ",stroke-dasharray:2 3" } else { "" };
        let _ =
            writeln!(out, "  linkStyle {} stroke:{stroke},stroke-width:{}px{dash}", indices.join(","), width(style));
    }
    for note in &d.notes {
        let _ = writeln!(out, "%% {}", comment(note));
    }
    out
}

/// Box styles the picture uses (boxes and legend entries), in style order.
fn node_styles(d: &Diagram) -> Vec<Style> {
    let mut styles: Vec<Style> = d.nodes.iter().map(|n| n.style).collect();
    styles.extend(d.legend.iter().copied().filter(|s| !is_arrow(*s)));
    styles.sort();
    styles.dedup();
    styles
}

/// Escapes a label for a double-quoted DOT string.
pub fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// The picture as a Graphviz DOT digraph (left to right), a cluster per group and a legend.
pub fn dot(d: &Diagram) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", dot_escape(&d.title));
    out.push_str("  rankdir=LR;\n  fontname=\"monospace\";\n");
    out.push_str("  node [shape=box, style=\"rounded,filled\", fontname=\"monospace\", fontsize=11];\n");
    out.push_str("  edge [arrowsize=0.7];\n");
    let node = |out: &mut String, indent: &str, n: &super::model::Node| {
        let (fill, stroke) = n.style.colours();
        let text = n.label.iter().map(|l| dot_escape(l)).collect::<Vec<_>>().join("\\n");
        let _ = writeln!(
            out,
            "{indent}{} [label=\"{text}\", fillcolor=\"{fill}\", color=\"{stroke}\", penwidth={}];",
            n.id,
            width(n.style)
        );
    };
    for (g, group) in d.groups.iter().enumerate() {
        let (fill, stroke) = group.style.colours();
        let _ = writeln!(out, "  subgraph cluster_{} {{", group.id);
        let _ = writeln!(out, "    label=\"{}\";", dot_escape(&group.label));
        let _ = writeln!(out, "    style=\"rounded,filled\"; fillcolor=\"{fill}\"; color=\"{stroke}\";");
        for n in d.nodes.iter().filter(|n| n.group == Some(g)) {
            node(&mut out, "    ", n);
        }
        out.push_str("  }\n");
    }
    for n in d.nodes.iter().filter(|n| n.group.is_none()) {
        node(&mut out, "  ", n);
    }
    for e in &d.edges {
        let (_, stroke) = e.style.colours();
        let style = if e.style.dashed() {
            "dashed"
        } else if e.style.dotted() {
            "dotted"
        } else {
            "solid"
        };
        let _ = writeln!(
            out,
            "  {} -> {} [color=\"{stroke}\", style={style}, penwidth={}];",
            d.nodes[e.from].id,
            d.nodes[e.to].id,
            width(e.style)
        );
    }
    if !d.legend.is_empty() || !d.notes.is_empty() {
        out.push_str("  subgraph cluster_legend {\n    label=\"legend\";\n    style=rounded; color=\"#999999\";\n");
        for (k, style) in d.legend.iter().enumerate() {
            let (fill, stroke) = style.colours();
            if is_arrow(*style) {
                let text = format!("{}: {}", arrow_look(*style), style.meaning());
                let _ = writeln!(
                    out,
                    "    legend{k} [label=\"{}\", shape=plaintext, style=\"\", fontcolor=\"{stroke}\"];",
                    dot_escape(&text)
                );
            } else {
                let _ = writeln!(
                    out,
                    "    legend{k} [label=\"{}\", fillcolor=\"{fill}\", color=\"{stroke}\"];",
                    dot_escape(style.meaning())
                );
            }
        }
        for (k, note) in d.notes.iter().enumerate() {
            let _ = writeln!(out, "    note{k} [label=\"{}\", shape=plaintext, style=\"\"];", dot_escape(note));
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_labels_cannot_break_out_of_their_quotes_or_fence() {
        let text = mermaid_escape("a \"b\" <c> & #d ```e");
        assert!(!text.contains('"') && !text.contains('<') && !text.contains('`'), "{text}");
        assert_eq!(mermaid_escape("x\ny"), "x y");
    }

    #[test]
    fn dot_labels_escape_quotes_and_backslashes() {
        assert_eq!(dot_escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
