//! The review as one self-contained HTML page: inline CSS, a few lines of inline JavaScript for
//! the search box, inline SVG pictures; nothing loaded from anywhere. It is also well-formed
//! XML (void elements closed), so a plain XML check can hold it. The pipeline first, an
//! overview table, then each model with its lineage beside its columns, its other tables and
//! its latest findings.

use super::model::{Review, Table};
use crate::diagram::svg::{svg_in_page, xml_escape};
use std::fmt::Write as _;

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d1d1f;background:#fafafa}\
header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:10px 24px;z-index:1;display:flex;gap:16px;align-items:center}\
header h1{font-size:18px;margin:0}header input{flex:1;max-width:420px;padding:6px 10px;font-size:14px;border:1px solid #bbb;border-radius:6px}\
main{padding:0 24px 48px}section{background:#fff;border:1px solid #e3e3e3;border-radius:8px;margin:18px 0;padding:12px 18px}\
h2{font-size:17px;margin:6px 0 10px}h3{font-size:14px;margin:14px 0 6px;color:#444}\
.pair{display:flex;gap:18px;align-items:flex-start;flex-wrap:wrap}.diagram{overflow:auto;max-width:100%;border:1px solid #eee;border-radius:6px;background:#fff}\
.pair .diagram{flex:1 1 480px}.pair .cols{flex:1 1 420px;overflow:auto}\
table{border-collapse:collapse;font-size:13px;margin:4px 0 8px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}\
th{background:#f1f3f5;position:sticky;top:0}td code{font-size:12px}.bad{color:#c62828;font-weight:600}.ok{color:#2e7d32}\
ul.findings li{margin:4px 0}.muted{color:#666}";

const SCRIPT: &str = "(function(){var q=document.getElementById('q');if(!q){return;}\
q.addEventListener('input',function(){var t=q.value.toLowerCase();\
document.querySelectorAll('table.search tbody tr').forEach(function(r){r.style.display=r.textContent.toLowerCase().indexOf(t)>=0?'':'none';});\
document.querySelectorAll('section.model').forEach(function(s){s.style.display=(t===''||s.textContent.toLowerCase().indexOf(t)>=0)?'':'none';});});})();";

/// Cells of a status column are coloured: green where the spec and the code agree, red where
/// they do not.
fn status_class(column: &str, value: &str) -> &'static str {
    match (column, value) {
        ("status" | "agreement", "agrees") => " class=\"ok\"",
        ("status" | "agreement", "") => "",
        ("status" | "agreement", _) => " class=\"bad\"",
        _ => "",
    }
}

/// `table`'s rows (all, or those about `model` without the model column) as an HTML table.
fn table(out: &mut String, table: &Table, model: Option<&str>) {
    let skip = usize::from(model.is_some());
    let rows: Vec<&Vec<String>> = match model {
        Some(m) => table.of_model(m).collect(),
        None => table.rows.iter().collect(),
    };
    if rows.is_empty() {
        return;
    }
    let _ = write!(out, "<table class=\"search {}\"><thead><tr>", table.name);
    for c in &table.columns[skip..] {
        let _ = write!(out, "<th>{}</th>", xml_escape(c));
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (column, value) in table.columns[skip..].iter().zip(&row[skip..]) {
            let _ = write!(out, "<td{}>{}</td>", status_class(column, value), xml_escape(value));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

/// The review as one HTML page.
pub fn render(review: &Review) -> String {
    let mut out = String::new();
    let title = format!("specproof review of {}", review.spec);
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        xml_escape(&title)
    );
    let _ = writeln!(
        out,
        "<header><h1>{}</h1><input id=\"q\" type=\"search\" placeholder=\"search models, columns, expressions, findings\" aria-label=\"search\"/></header>\n<main>",
        xml_escape(&title)
    );
    if let Some(report) = &review.report {
        let _ = writeln!(out, "<p class=\"muted\">Findings from <code>{}</code>.</p>", xml_escape(report));
    }
    let _ = writeln!(
        out,
        "<section><h2>Pipeline</h2><div class=\"diagram\">\n{}</div>",
        svg_in_page(&review.pipeline, true, "pipeline-")
    );
    if let Some(overview) = review.table("overview") {
        table(&mut out, overview, None);
    }
    out.push_str("</section>\n");
    if !review.project_findings.is_empty() {
        out.push_str("<section><h2>Findings about the whole project</h2><ul class=\"findings\">\n");
        for f in &review.project_findings {
            let _ = writeln!(out, "<li><b>{} {}</b>: {}</li>", f.severity.as_str(), f.code, xml_escape(&f.message));
        }
        out.push_str("</ul></section>\n");
    }
    for (k, model) in review.models.iter().enumerate() {
        let _ = writeln!(out, "<section class=\"model\" id=\"model-{k}\"><h2>{}</h2>", xml_escape(&model.name));
        if !model.description.is_empty() {
            let _ = writeln!(out, "<p class=\"muted\">{}</p>", xml_escape(&model.description));
        }
        let _ = write!(
            out,
            "<div class=\"pair\"><div class=\"diagram\">\n{}</div><div class=\"cols\">",
            svg_in_page(&model.diagram, false, &format!("m{k}-"))
        );
        if let Some(columns) = review.table("columns") {
            table(&mut out, columns, Some(&model.name));
        }
        out.push_str("</div></div>\n");
        for name in ["transforms", "joins", "filters", "tests", "lineage"] {
            if let Some(t) = review.table(name).filter(|t| t.of_model(&model.name).next().is_some()) {
                let _ = writeln!(out, "<h3>{name}</h3>");
                table(&mut out, t, Some(&model.name));
            }
        }
        if review.report.is_some() {
            if model.findings.is_empty() {
                out.push_str("<h3>findings</h3><p class=\"ok\">none</p>\n");
            } else {
                out.push_str("<h3>findings</h3><ul class=\"findings\">\n");
                for f in &model.findings {
                    let place = f.location.as_ref().map(|l| format!(" at {}:{}", l.file, l.line)).unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "<li><b class=\"bad\">{} {}</b>{}: {}</li>",
                        f.severity.as_str(),
                        f.code,
                        xml_escape(&place),
                        xml_escape(&f.message)
                    );
                }
                out.push_str("</ul>\n");
            }
        }
        out.push_str("</section>\n");
    }
    let _ = writeln!(out, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>");
    out
}
