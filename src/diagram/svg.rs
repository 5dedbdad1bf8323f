//! SVG drawn by specproof itself from its own layered layout ([`super::layout`]): no browser,
//! no network, no external program. The title above, the legend and the notes below.

use super::layout::{layout, text_width, Layout, FONT_SIZE, GROUP_HEADER, LINE_HEIGHT, PAD};
use super::model::{Diagram, Style};
use super::text::arrow_look;
use std::fmt::Write as _;

const MARGIN: f64 = 16.0;
const TITLE: f64 = 28.0;

/// Escapes text for XML content and attribute values.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids are dropped rather than written.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn n(v: f64) -> String {
    // One decimal, and never `-0.0`: byte-identical output on every platform.
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 {
        "0".to_string()
    } else if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

fn is_arrow(style: Style) -> bool {
    matches!(
        style,
        Style::Reads | Style::Agreed | Style::SpecOnly | Style::CodeOnly | Style::SpecOnlyWrong | Style::CodeOnlyWrong
    )
}

fn stroke_attrs(style: Style) -> String {
    let (_, stroke) = style.colours();
    let width = if style.is_disagreement() { 2.5 } else { 1.2 };
    let dash = if style.dashed() {
        " stroke-dasharray=\"6 4\""
    } else if style.dotted() {
        " stroke-dasharray=\"2 3\""
    } else {
        ""
    };
    format!("stroke=\"{stroke}\" stroke-width=\"{}\"{dash}", n(width))
}

/// The picture as a standalone SVG document; `banded` lays each group out in its own columns
/// (the pipeline's layers).
pub fn svg(d: &Diagram, banded: bool) -> String {
    svg_in_page(d, banded, "")
}

/// The same, every `id` in it prefixed with `prefix`, so several pictures can share one HTML
/// page without their ids (arrow heads, boxes) colliding.
pub fn svg_in_page(d: &Diagram, banded: bool, prefix: &str) -> String {
    let l = layout(d, banded);
    render(d, &l, &xml_escape(prefix))
}

fn render(d: &Diagram, l: &Layout, prefix: &str) -> String {
    let mut notes: Vec<String> = d.notes.clone();
    if l.skipped > 0 {
        notes.push(format!("{} arrow(s) of a cycle are not drawn", l.skipped));
    }
    let legend_rows = d.legend.len();
    let legend_h = if legend_rows == 0 { 0.0 } else { 24.0 + legend_rows as f64 * 20.0 };
    let notes_h = notes.len() as f64 * LINE_HEIGHT;
    let legend_w = d
        .legend
        .iter()
        .map(|s| text_width(&legend_text(*s)) + 60.0)
        .chain(notes.iter().map(|t| text_width(t)))
        .chain(std::iter::once(text_width(&d.title) + 8.0))
        .fold(0.0, f64::max);
    let width = (l.width + 2.0 * MARGIN + PAD).max(legend_w + 2.0 * MARGIN);
    let graph_top = MARGIN + TITLE;
    let height = graph_top + l.height + PAD + 24.0 + legend_h + notes_h + MARGIN;
    let (ox, oy) = (MARGIN + PAD, graph_top);

    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"{fs}\">",
        w = n(width),
        h = n(height),
        fs = n(FONT_SIZE)
    );
    let _ = writeln!(out, "<title>{}</title>", xml_escape(&d.title));
    out.push_str("<defs>\n");
    let mut arrows: Vec<Style> =
        d.edges.iter().map(|e| e.style).chain(d.legend.iter().copied().filter(|s| is_arrow(*s))).collect();
    arrows.sort();
    arrows.dedup();
    for style in &arrows {
        let (_, stroke) = style.colours();
        let _ = writeln!(
            out,
            "<marker id=\"{prefix}arrow-{}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{stroke}\"/></marker>",
            style.name()
        );
    }
    out.push_str("</defs>\n");
    let _ = writeln!(out, "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>", n(width), n(height));
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"15\" font-weight=\"bold\">{}</text>",
        n(MARGIN),
        n(MARGIN + 14.0),
        xml_escape(&d.title)
    );
    let _ = writeln!(out, "<g transform=\"translate({},{})\">", n(ox), n(oy));
    for b in &l.groups {
        let group = &d.groups[b.group];
        let (fill, stroke) = group.style.colours();
        let _ = writeln!(
            out,
            "<g class=\"group {}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{fill}\" fill-opacity=\"0.55\" stroke=\"{stroke}\" stroke-width=\"{}\"/><text x=\"{}\" y=\"{}\" font-weight=\"bold\" fill=\"{stroke}\">{}</text></g>",
            group.style.name(),
            n(b.rect.x),
            n(b.rect.y),
            n(b.rect.w),
            n(b.rect.h),
            if group.style.is_disagreement() { "2" } else { "1" },
            n(b.rect.x + PAD),
            n(b.rect.y + GROUP_HEADER - 6.0),
            xml_escape(&group.label)
        );
    }
    for route in &l.routes {
        let e = &d.edges[route.edge];
        let mut path = String::new();
        let points = &route.points;
        if let Some(&(x0, y0)) = points.first() {
            let _ = write!(path, "M{},{}", n(x0), n(y0));
            // Even steps cross a gap between columns (a curve inside the gap); odd steps run
            // along a passage slot inside a column (a straight line).
            for (k, pair) in points.windows(2).enumerate() {
                let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
                if k % 2 == 0 {
                    let mid = (x1 + x2) / 2.0;
                    let _ = write!(path, " C{},{} {},{} {},{}", n(mid), n(y1), n(mid), n(y2), n(x2), n(y2));
                } else {
                    let _ = write!(path, " L{},{}", n(x2), n(y2));
                }
            }
        }
        let _ = writeln!(
            out,
            "<path class=\"edge {}\" d=\"{path}\" fill=\"none\" {} marker-end=\"url(#{prefix}arrow-{})\"><title>{} → {}</title></path>",
            e.style.name(),
            stroke_attrs(e.style),
            e.style.name(),
            xml_escape(&d.nodes[e.from].label.join(" ")),
            xml_escape(&d.nodes[e.to].label.join(" "))
        );
    }
    for (i, node) in d.nodes.iter().enumerate() {
        let r = l.nodes[i];
        let (fill, stroke) = node.style.colours();
        let _ = write!(
            out,
            "<g class=\"node {}\" id=\"{prefix}{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{}\"/>",
            node.style.name(),
            xml_escape(&node.id),
            n(r.x),
            n(r.y),
            n(r.w),
            n(r.h),
            if node.style.is_disagreement() { "2.5" } else { "1" }
        );
        for (k, line) in node.label.iter().enumerate() {
            let weight = if k == 0 { " font-weight=\"bold\"" } else { " fill=\"#444444\"" };
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\"{weight}>{}</text>",
                n(r.x + PAD),
                n(r.y + PAD + LINE_HEIGHT * (k as f64 + 1.0) - 4.0),
                xml_escape(line)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n");

    // Legend and notes under the picture.
    let mut y = graph_top + l.height + PAD + 24.0;
    if !d.legend.is_empty() {
        let _ = writeln!(out, "<text x=\"{}\" y=\"{}\" font-weight=\"bold\">legend</text>", n(MARGIN), n(y));
        y += 8.0;
        for style in &d.legend {
            let (fill, stroke) = style.colours();
            if is_arrow(*style) {
                let _ = writeln!(
                    out,
                    "<path d=\"M{},{} L{},{}\" fill=\"none\" {} marker-end=\"url(#{prefix}arrow-{})\"/>",
                    n(MARGIN),
                    n(y + 8.0),
                    n(MARGIN + 40.0),
                    n(y + 8.0),
                    stroke_attrs(*style),
                    style.name()
                );
            } else {
                let _ = writeln!(
                    out,
                    "<rect x=\"{}\" y=\"{}\" width=\"40\" height=\"14\" rx=\"3\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{}\"/>",
                    n(MARGIN),
                    n(y + 1.0),
                    if style.is_disagreement() { "2.5" } else { "1" }
                );
            }
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\">{}</text>",
                n(MARGIN + 50.0),
                n(y + 12.0),
                xml_escape(&legend_text(*style))
            );
            y += 20.0;
        }
        y += 16.0;
    }
    for note in &notes {
        let _ = writeln!(out, "<text x=\"{}\" y=\"{}\" fill=\"#444444\">{}</text>", n(MARGIN), n(y), xml_escape(note));
        y += LINE_HEIGHT;
    }
    out.push_str("</svg>\n");
    out
}

fn legend_text(style: Style) -> String {
    if is_arrow(style) {
        format!("{}: {}", arrow_look(style), style.meaning())
    } else {
        style.meaning().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escape_escapes_markup_and_drops_control_characters() {
        assert_eq!(xml_escape("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;");
    }

    #[test]
    fn numbers_are_written_the_same_everywhere() {
        assert_eq!(n(-0.01), "0");
        assert_eq!(n(12.0), "12");
        assert_eq!(n(12.25), "12.3");
    }
}
