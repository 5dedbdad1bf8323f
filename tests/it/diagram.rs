//! `specproof diagram`: goldens of every example pipeline in Mermaid, DOT and SVG; every SVG
//! well-formed XML, every Mermaid flowchart well-formed; correct code draws no disagreement, and
//! code that disagrees with the spec has each disagreement highlighted.

use crate::support::{binary, cases_under, copy_tree, corpus_cases, crate_root, golden, scratch, text};
use std::path::Path;
use std::process::Command;

const PIPELINES: [&str; 4] = ["customer360", "inventory", "payroll", "attribution"];
const FORMATS: [(&str, &str); 3] = [("mermaid", "mmd"), ("dot", "dot"), ("svg", "svg")];
/// The classes and styles that mark a disagreement, as every format names them.
const DISAGREEMENT: [&str; 6] = ["missing", "extra", "differs", "joindiffers", "speconlywrong", "codeonlywrong"];

fn diagram(args: &[&str]) -> std::process::Output {
    let out = Command::new(binary()).arg("diagram").args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "diagram {args:?} failed: {}", text(&out.stderr));
    out
}

/// Every file of `dir`, sorted: (name, text).
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    all.sort();
    all
}

/// Writes every diagram of `project` (pipeline and each model's lineage, every format) to a
/// scratch folder per format and returns them: (relative golden path, text).
fn all_diagrams(project: &Path, name: &str, extra: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let dir = project.to_str().unwrap();
    for (format, _) in FORMATS {
        let pipeline = scratch("diagram", &format!("{name}-{format}-pipeline"));
        let mut args = vec![dir, "--format", format, "--out", pipeline.to_str().unwrap()];
        args.extend(extra);
        diagram(&args);
        out.extend(files(&pipeline));
        let lineage = scratch("diagram", &format!("{name}-{format}-lineage"));
        let mut args = vec![dir, "--kind", "lineage", "--format", format, "--out", lineage.to_str().unwrap()];
        args.extend(extra);
        diagram(&args);
        out.extend(files(&lineage).into_iter().map(|(f, t)| (format!("lineage/{f}"), t)));
    }
    out
}

/// A small well-formedness check of XML: one root element, tags that nest and close, quoted
/// attributes, known entities, no `<` or `&` loose in text.
pub fn check_xml(xml: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = xml;
    let entity = |s: &str| -> Result<usize, String> {
        let end = s.find(';').ok_or_else(|| format!("unterminated entity at {:?}", &s[..s.len().min(20)]))?;
        let name = &s[1..end];
        let ok = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
            || name.strip_prefix("#x").is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            || name.strip_prefix('#').is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
        if ok {
            Ok(end + 1)
        } else {
            Err(format!("unknown entity &{name};"))
        }
    };
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = &after[after.find("?>").ok_or("unterminated <?")? + 2..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->").ok_or("unterminated comment")? + 3..];
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').ok_or("unterminated end tag")?;
            let name = after[..end].trim();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            if stack.is_empty() {
                roots += 1;
            }
            let name_end = after.find(|c: char| c.is_whitespace() || c == '>' || c == '/').ok_or("unterminated tag")?;
            let name = &after[..name_end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
            {
                return Err(format!("bad tag name {name:?}"));
            }
            let mut body = &after[name_end..];
            let mut seen: Vec<&str> = Vec::new();
            loop {
                body = body.trim_start();
                if let Some(r) = body.strip_prefix("/>") {
                    rest = r;
                    break;
                }
                if let Some(r) = body.strip_prefix('>') {
                    stack.push(name.to_string());
                    rest = r;
                    break;
                }
                let eq = body.find('=').ok_or_else(|| format!("attribute without value in <{name}>"))?;
                let attr = body[..eq].trim();
                if attr.is_empty() || seen.contains(&attr) {
                    return Err(format!("bad or repeated attribute {attr:?} in <{name}>"));
                }
                seen.push(attr);
                let value = body[eq + 1..].trim_start();
                let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'').ok_or("unquoted attribute")?;
                let close = value[1..].find(quote).ok_or("unterminated attribute")? + 1;
                let inner = &value[1..close];
                if inner.contains('<') {
                    return Err(format!("`<` in attribute {attr}"));
                }
                let mut i = 0;
                while let Some(at) = inner[i..].find('&') {
                    i += at + entity(&inner[i + at..])?;
                }
                body = &value[close + 1..];
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let content = &rest[..end];
            if stack.is_empty() && !content.trim().is_empty() {
                return Err(format!("text outside the root: {:?}", &content[..content.len().min(40)]));
            }
            let mut i = 0;
            while let Some(at) = content[i..].find('&') {
                i += at + entity(&content[i + at..])?;
            }
            rest = &rest[end..];
        }
    }
    match (stack.is_empty(), roots) {
        (true, 1) => Ok(()),
        (false, _) => Err(format!("unclosed {stack:?}")),
        (_, n) => Err(format!("{n} root elements")),
    }
}

/// Checks the structure of a Mermaid flowchart as specproof writes it: a header, subgraphs that
/// close, node labels in quotes with nothing that ends them early, arrows between declared ids.
pub fn check_mermaid(mmd: &str) -> Result<(), String> {
    let mut lines = mmd.lines().filter(|l| !l.trim_start().starts_with("%%"));
    if lines.next() != Some("flowchart LR") {
        return Err("no `flowchart LR` header".into());
    }
    let mut depth = 0usize;
    let mut ids = std::collections::BTreeSet::new();
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut nodes = 0;
    for line in lines {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("subgraph ") {
            let (id, label) = rest.split_once('[').ok_or("subgraph without a label")?;
            if !ident(id)
                || !label.starts_with('"')
                || !label.ends_with("\"]")
                || label[1..label.len() - 2].contains('"')
            {
                return Err(format!("bad subgraph line {line:?}"));
            }
            ids.insert(id.to_string());
            depth += 1;
        } else if line == "end" {
            depth = depth.checked_sub(1).ok_or("`end` without a subgraph")?;
        } else if let Some((id, label)) = line.split_once("[\"") {
            if !ident(id) || !label.ends_with("\"]") || label[..label.len() - 2].contains('"') {
                return Err(format!("bad node line {line:?}"));
            }
            if label.contains('`') || label.contains('<') && !label.replace("<br/>", "").chars().all(|c| c != '<') {
                return Err(format!("unescaped label {line:?}"));
            }
            ids.insert(id.to_string());
            nodes += 1;
        } else if let Some((from, to)) = line.split_once(" --> ").or_else(|| line.split_once(" -.-> ")) {
            if !ids.contains(from) || !ids.contains(to) {
                return Err(format!("arrow between undeclared ids {line:?}"));
            }
        } else if !(line.starts_with("classDef ")
            || line.starts_with("class ")
            || line.starts_with("style ")
            || line.starts_with("linkStyle "))
        {
            return Err(format!("unexpected line {line:?}"));
        }
    }
    if depth != 0 {
        return Err("a subgraph is not closed".into());
    }
    if nodes == 0 {
        return Err("no nodes".into());
    }
    Ok(())
}

fn well_formed(name: &str, body: &str) {
    if name.ends_with(".svg") {
        check_xml(body).unwrap_or_else(|e| panic!("{name} is not well-formed XML: {e}"));
    } else if name.ends_with(".mmd") {
        check_mermaid(body).unwrap_or_else(|e| panic!("{name} is not a well-formed flowchart: {e}"));
    } else if name.ends_with(".dot") {
        assert!(body.starts_with("digraph \"") && body.ends_with("}\n"), "{name} is not a DOT digraph");
        assert_eq!(body.matches('{').count(), body.matches('}').count(), "{name}: braces do not balance");
    }
}

fn disagreement_marks(body: &str) -> Vec<&'static str> {
    // Mermaid styles arrows by index, not class: its legend names the arrows it draws.
    let legend = |class: &str| match class {
        "speconlywrong" => "read by the spec, not by the code",
        "codeonlywrong" => "read by the code from elsewhere",
        _ => "\u{0}",
    };
    DISAGREEMENT
        .iter()
        .filter(|class| {
            body.contains(&format!("class=\"node {class}\""))
                || body.contains(&format!("class=\"edge {class}\""))
                || body.lines().any(|l| l.starts_with("  class ") && l.ends_with(&format!(" {class}")))
                || body.contains(legend(class))
        })
        .copied()
        .collect()
}

#[test]
fn goldens_of_every_pipeline_are_well_formed_and_correct_code_disagrees_nowhere() {
    for pipeline in PIPELINES {
        let project = crate_root().join("specs").join(pipeline);
        for (name, body) in all_diagrams(&project, pipeline, &[]) {
            well_formed(&name, &body);
            let marks = disagreement_marks(&body);
            assert!(marks.is_empty(), "{pipeline}: the correct code's diagram {name} marks a disagreement: {marks:?}");
            golden(&format!("{pipeline}/diagram/{name}"), &body);
        }
    }
}

#[test]
fn correct_duckdb_code_disagrees_nowhere() {
    for pipeline in PIPELINES {
        let project = crate_root().join("specs").join(pipeline);
        let models = project.join("models_duckdb");
        let extra = ["--models", models.to_str().unwrap(), "--dialect", "duckdb"];
        let dir = scratch("diagram", &format!("{pipeline}-duckdb"));
        let mut args = vec![project.to_str().unwrap(), "--kind", "lineage", "--out", dir.to_str().unwrap()];
        args.extend(extra);
        diagram(&args);
        for (name, body) in files(&dir) {
            well_formed(&name, &body);
            assert!(disagreement_marks(&body).is_empty(), "{pipeline} (DuckDB): {name} marks a disagreement");
        }
    }
}

#[test]
fn code_that_disagrees_with_the_spec_is_highlighted() {
    let project = scratch("diagram", "disagrees");
    copy_tree(&crate_root().join("specs/customer360"), &project);
    let file = project.join("models/stg_customers.sqlx");
    let code = std::fs::read_to_string(&file).unwrap();
    let wrong = code
        .replace("LEFT JOIN addresses", "JOIN addresses")
        .replace("addresses.city AS city", "customers.status AS city")
        .replace("  addresses.postal_code AS postal_code,\n", "");
    assert_ne!(code, wrong, "the example code changed: update the test's edits");
    std::fs::write(&file, wrong).unwrap();
    let dir = project.to_str().unwrap();
    let svg = text(&diagram(&[dir, "--kind", "lineage", "--model", "stg_customers", "--format", "svg"]).stdout);
    check_xml(&svg).unwrap();
    // The join made INNER, the column read from another table, the column left out.
    assert!(svg.contains("<g class=\"node joindiffers\""), "the INNER join is not highlighted");
    assert!(svg.contains("code: INNER JOIN"), "the join's label does not say what the code does");
    assert!(svg.contains("<g class=\"node differs\" id=\"o"), "the column read from elsewhere is not highlighted");
    assert!(svg.contains("<path class=\"edge codeonlywrong\""), "the read from elsewhere has no arrow of its own");
    assert!(svg.contains("<path class=\"edge speconlywrong\""), "the spec's read the code drops has no arrow");
    assert!(svg.contains("<g class=\"node missing\""), "the missing column is not highlighted");
    for meaning in [
        "join the code makes differently",
        "output column the code does not produce",
        "read by the code from elsewhere",
    ] {
        assert!(svg.contains(meaning), "the legend does not explain: {meaning}");
    }
    let mmd = text(&diagram(&[dir, "--kind", "lineage", "--model", "stg_customers"]).stdout);
    check_mermaid(&mmd).unwrap();
    assert_eq!(disagreement_marks(&mmd), ["missing", "differs", "joindiffers", "speconlywrong", "codeonlywrong"]);
    // The pipeline picture is the spec's and does not change.
    let pipeline = text(&diagram(&[dir]).stdout);
    assert_eq!(pipeline, text(&diagram(&[crate_root().join("specs/customer360").to_str().unwrap()]).stdout));
}

#[test]
fn labels_are_escaped_in_every_format() {
    let project = scratch("diagram", "escaping");
    copy_tree(&crate_root().join("specs/customer360"), &project);
    // A model name with markup, quotes and a fence in it: the spec allows any string.
    let spec = std::fs::read_to_string(project.join("spec.json")).unwrap();
    std::fs::write(project.join("spec.json"), spec.replace("\"stg_support_pivot\"", "\"a<b>&\\\"c```#d\"")).unwrap();
    let dir = project.to_str().unwrap();
    check_xml(&text(&diagram(&[dir, "--format", "svg"]).stdout)).unwrap();
    let mmd = text(&diagram(&[dir]).stdout);
    check_mermaid(&mmd).unwrap();
    assert!(mmd.contains("a#lt;b#gt;#amp;#quot;c#96;#96;#96;#35;d"), "{mmd}");
    let dot = text(&diagram(&[dir, "--format", "dot"]).stdout);
    assert!(dot.contains("a<b>&\\\"c```#d"), "{dot}");
}

#[test]
fn the_xml_check_refuses_what_is_not_xml() {
    assert!(check_xml("<a><b></a></b>").is_err());
    assert!(check_xml("<a x=1/>").is_err());
    assert!(check_xml("<a>&nope;</a>").is_err());
    assert!(check_xml("<a>1 < 2</a>").is_err());
    assert!(check_xml("<a/><b/>").is_err());
    assert!(check_xml("<a x=\"&amp;\">&lt;</a>").is_ok());
    assert!(check_mermaid("flowchart LR\n  a[\"x\"y\"]\n").is_err());
    assert!(check_mermaid("flowchart LR\n  a[\"x\"]\n  a --> b\n").is_err());
}

#[test]
fn the_markdown_report_embeds_each_lineage_with_findings_as_mermaid() {
    // golden/gate/planted.md is `validate --format markdown` of code with a join made INNER
    // (tests/it/gate.rs writes it); each embedded block is a flowchart of its own.
    let markdown = std::fs::read_to_string(crate_root().join("golden/gate/planted.md")).unwrap();
    let blocks: Vec<&str> =
        markdown.split("```mermaid\n").skip(1).map(|rest| rest.split("```").next().unwrap()).collect();
    assert_eq!(blocks.len(), 2, "one diagram per model with findings");
    for block in &blocks {
        check_mermaid(block).unwrap();
    }
    assert!(blocks
        .iter()
        .any(|b| b.contains("lineage of fact_customer_orders") && disagreement_marks(b) == ["joindiffers"]));
    // Shown when it marks a disagreement, folded away when it does not.
    assert!(markdown.contains("<details open><summary>lineage"));
}

#[test]
fn the_pipeline_around_a_model_keeps_what_is_upstream_and_downstream_of_it() {
    let dir = crate_root().join("specs/customer360");
    let mmd = text(&diagram(&[dir.to_str().unwrap(), "--model", "stg_orders"]).stdout);
    check_mermaid(&mmd).unwrap();
    for kept in ["stg_orders", "fact_customer_orders", "raw.fx_rates"] {
        assert!(mmd.contains(&format!("[\"{kept}")), "{kept} is drawn");
    }
    for left in ["stg_customers", "dim_customers_scd2", "raw.crm_customers"] {
        assert!(!mmd.contains(&format!("[\"{left}")), "{left} is neither upstream nor downstream");
    }
}

#[test]
fn a_part_of_a_sharded_run_carries_its_pictures_to_the_merge() {
    // `report merge` has no project to draw from: each part's JSON report carries the lineage
    // pictures of its models with findings, within the schema, and the merged Markdown shows them.
    let dir = scratch("diagram", "sharded");
    copy_tree(&crate_root().join("specs/customer360"), &dir);
    let file = dir.join("models/fact_customer_orders.sqlx");
    let code = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, code.replace("LEFT JOIN ticket_metrics", "INNER JOIN ticket_metrics")).unwrap();
    let run = |args: &[&str]| Command::new(binary()).current_dir(&dir).args(args).output().unwrap();
    let part = run(&["validate", ".", "--no-run", "--partition", "1/1", "--format", "json", "--output", "part.json"]);
    assert_eq!(part.status.code(), Some(1), "{}", text(&part.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("part.json")).unwrap()).unwrap();
    let errors = crate::gate::schema_errors(&json);
    assert!(errors.is_empty(), "the part's report breaks the schema: {errors:#?}");
    let drawn: Vec<&str> =
        json["partition"]["diagrams"].as_array().unwrap().iter().map(|d| d["model"].as_str().unwrap()).collect();
    assert!(drawn.contains(&"fact_customer_orders"), "{drawn:?}");
    let merged = run(&["report", "merge", "part.json", "--format", "markdown"]);
    let markdown = text(&merged.stdout);
    let block = markdown.split("%% lineage of fact_customer_orders").nth(1).unwrap().split("```").next().unwrap();
    assert!(block.contains("joindiffers"), "the merged report shows the INNER join highlighted");
}

/// The lineage of the model `case` implements, drawn with `case` in place of its code in a copy
/// of `pipeline` (a `.sql` case is DuckDB SQL).
fn lineage_with_case(pipeline: &str, case: &Path, name: &str) -> String {
    let model = case.parent().unwrap().file_name().unwrap().to_str().unwrap();
    let dir = scratch("diagram", name);
    copy_tree(&crate_root().join("specs").join(pipeline), &dir);
    let duckdb = case.extension().is_some_and(|e| e == "sql");
    let models = dir.join(if duckdb { "models_duckdb" } else { "models" });
    let ext = if duckdb { "sql" } else { "sqlx" };
    std::fs::copy(case, models.join(format!("{model}.{ext}"))).unwrap();
    let (dir, models) = (dir.to_str().unwrap().to_string(), models.to_str().unwrap().to_string());
    let dialect = if duckdb { "duckdb" } else { "bigquery" };
    let args = [dir.as_str(), "--kind", "lineage", "--model", model, "--models", &models, "--dialect", dialect];
    text(&diagram(&args).stdout)
}

#[test]
fn equivalent_rewrites_draw_no_disagreement_and_column_and_join_defects_are_marked() {
    // The pictures say no more than the static check: every equivalent rewrite of every
    // pipeline (tests/corpus/rewrites, and the lineage corpus's ok-* cases) draws no red, and
    // every lineage-corpus defect the check reports on a column or a join is marked.
    let mut rewrites = 0;
    for pipeline in PIPELINES {
        for case in cases_under(&crate_root().join("tests/corpus/rewrites").join(pipeline)) {
            let marks = disagreement_marks(&lineage_with_case(pipeline, &case, "rewrite"));
            assert!(marks.is_empty(), "{}: an equivalent rewrite marks {marks:?}", case.display());
            rewrites += 1;
        }
    }
    assert!(rewrites > 20, "the rewrites corpus is there");
    let mut defects = 0;
    for case in corpus_cases("lineage") {
        let code = std::fs::read_to_string(&case).unwrap();
        let name = case.file_name().unwrap().to_str().unwrap();
        let marks = disagreement_marks(&lineage_with_case("customer360", &case, "lineage-case"));
        if name.starts_with("ok-") {
            assert!(marks.is_empty(), "{}: an equivalent rewrite marks {marks:?}", case.display());
        } else if ["CODE004", "CODE005", "CODE006", "CODE007", "CODE008", "CODE009"]
            .iter()
            .any(|c| code.contains(&format!("expect: {c}")))
        {
            assert!(!marks.is_empty(), "{}: the check's finding is not marked", case.display());
            defects += 1;
        }
    }
    assert!(defects >= 10, "the lineage corpus has column and join defects ({defects})");
}
