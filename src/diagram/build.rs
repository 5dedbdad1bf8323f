//! From the spec (and the code's traced lineage beside it) to a [`Diagram`].
//!
//! Whether the code *disagrees* with the spec is not decided here: two different-looking
//! lineages can mean the same (a key read from the other side of an inner join, `COUNT(key)`
//! for `COUNT(*)`), and the static check ([`crate::check::lineage`]) is the one place that
//! proves a difference. A picture marks a column, a join or an arrow as a disagreement only
//! where that check reported a finding at its place in the code, or where a column is plainly
//! absent from one side; everything else that differs is drawn in grey as an equivalent reading.

use super::model::{Diagram, Style};
use crate::check::lineage::CodeCheck;
use crate::finding::{Code, Finding, Subject};
use crate::project::code::{ModelCode, ProjectTables};
use crate::project::layout::Project;
use crate::spec::catalog::Catalog;
use crate::spec::model::{Model, Spec};
use crate::spec::resolve::context::{alias_of, target_of, Target};
use crate::spec::resolve::query::ModelQuery;
use crate::spec::resolve::resolve_some_models;
use crate::spec::resolve::{kinds_of, ModelKind};
use crate::sql::lineage::{JoinType, SourceColumn};
use std::collections::{BTreeMap, BTreeSet};

/// The style of a model of `layer`.
pub fn layer_style(layer: Option<&str>) -> Style {
    match layer.map(|l| l.trim().to_ascii_lowercase()).as_deref() {
        Some("staging") => Style::Staging,
        Some("final") => Style::Final,
        _ => Style::Other,
    }
}

/// How a model's kind is shown: `mapping`, `aggregate`, `SCD2`, or `no single kind`.
pub fn kind_label(model: &Model) -> &'static str {
    match kinds_of(model).as_slice() {
        [ModelKind::Mapping] => "mapping",
        [ModelKind::Aggregate] => "aggregate",
        [ModelKind::Scd2] => "SCD2",
        _ => "no single kind",
    }
}

/// The pipeline: every source table a model reads, then the models, grouped by layer
/// (sources, staging, final, then any other layer), each model marked with its kind; an arrow
/// for every source entry.
pub fn pipeline(spec: &Spec, catalog: &Catalog) -> Diagram {
    pipeline_of(spec, catalog, &[])
}

/// The models `around` names are in, with everything upstream and downstream of them (the
/// whole pipeline when `around` is empty): in a pipeline of a thousand models, the part one
/// model belongs to is the picture a reviewer can read.
pub fn pipeline_of(spec: &Spec, catalog: &Catalog, around: &[String]) -> Diagram {
    let mut d = Diagram { title: "pipeline".to_string(), ..Diagram::default() };
    let targets: Vec<Vec<Target>> =
        spec.models.iter().map(|m| m.sources.iter().map(|s| target_of(spec, catalog, s)).collect()).collect();
    let keep = neighbourhood(spec, &targets, around);
    if !around.is_empty() {
        d.title = format!("pipeline around {}", around.join(", "));
    }
    let tables: BTreeSet<&str> = targets
        .iter()
        .enumerate()
        .filter(|(i, _)| keep[*i])
        .flat_map(|(_, t)| t)
        .filter_map(|t| match t {
            Target::Table(name) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let mut group_of: BTreeMap<Style, usize> = BTreeMap::new();
    let mut group = |d: &mut Diagram, style: Style| -> usize {
        *group_of.entry(style).or_insert_with(|| {
            let label = match style {
                Style::Source => format!("sources · {}", spec.schema.raw_schema),
                Style::Staging => format!("staging · {}", spec.schema.staging_schema),
                Style::Final => format!("final · {}", spec.schema.final_schema),
                _ => "other layers".to_string(),
            };
            d.group(format!("layer_{}", style.name()), label, style)
        })
    };
    let mut table_node = BTreeMap::new();
    for (i, table) in tables.iter().enumerate() {
        let g = group(&mut d, Style::Source);
        table_node.insert(*table, d.node(format!("src_{i}"), vec![table.to_string()], Some(g), Style::Source));
    }
    // Groups in layer order whatever order the models come in.
    let mut order: Vec<usize> = (0..spec.models.len()).filter(|&i| keep[i]).collect();
    order.sort_by_key(|&i| layer_style(spec.models[i].layer.as_deref()));
    let mut model_node = vec![usize::MAX; spec.models.len()];
    for i in order {
        let model = &spec.models[i];
        let style = layer_style(model.layer.as_deref());
        let g = group(&mut d, style);
        let label = vec![model.name.clone(), kind_label(model).to_string()];
        model_node[i] = d.node(format!("mdl_{i}"), label, Some(g), style);
    }
    for (i, model) in spec.models.iter().enumerate().filter(|(i, _)| keep[*i]) {
        for (entry, target) in model.sources.iter().zip(&targets[i]) {
            match target {
                Target::Table(name) => {
                    if let Some(&n) = table_node.get(name.as_str()) {
                        d.edge(n, model_node[i], Style::Reads);
                    }
                }
                Target::Model(j) if keep[*j] => d.edge(model_node[*j], model_node[i], Style::Reads),
                Target::Model(_) => {}
                Target::Unknown => {
                    d.notes.push(format!("`{}` reads `{}`, which is no source or model", model.name, entry))
                }
            }
        }
    }
    d.finish_legend();
    d
}

/// Which models to draw: all when `around` is empty, else the named ones and every model
/// upstream or downstream of them.
fn neighbourhood(spec: &Spec, targets: &[Vec<Target>], around: &[String]) -> Vec<bool> {
    let n = spec.models.len();
    if around.is_empty() {
        return vec![true; n];
    }
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, list) in targets.iter().enumerate() {
        for t in list {
            if let Target::Model(j) = t {
                up[i].push(*j);
                down[*j].push(i);
            }
        }
    }
    let start: Vec<usize> = around.iter().filter_map(|m| spec.model_index(m)).collect();
    let mut keep = vec![false; n];
    for links in [&up, &down] {
        let mut seen = vec![false; n];
        let mut stack = start.clone();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            keep[i] = true;
            stack.extend(links[i].iter().copied());
        }
    }
    keep
}

/// What one model's lineage picture is drawn from.
pub struct LineageInput<'a> {
    /// The spec.
    pub spec: &'a Spec,
    /// Source tables.
    pub catalog: &'a Catalog,
    /// The model's index in the spec.
    pub model: usize,
    /// The model resolved (mapping and aggregate models that resolve).
    pub query: Option<&'a ModelQuery>,
    /// The model's code, read and traced, when it has a file.
    pub code: Option<&'a ModelCode>,
    /// The static check's findings (any model's: only this model's are used).
    pub findings: &'a [Finding],
}

/// One output column, as the spec and the code each have it.
struct Output {
    name: String,
    spec: Option<BTreeSet<SourceColumn>>,
    code: Option<BTreeSet<SourceColumn>>,
    differs: bool,
}

/// One join, as the spec and the code each have it.
struct JoinRow {
    right: String,
    spec: Option<String>,
    code: Option<String>,
    spec_keys: Vec<(SourceColumn, SourceColumn)>,
    code_keys: Vec<(SourceColumn, SourceColumn)>,
    differs: bool,
}

/// A model's column lineage: its input tables' columns on the left (one group per table), its
/// output columns and joins on the right; an arrow from every column read to what reads it,
/// from the spec and from the code, styled by whether they agree.
pub fn lineage(input: &LineageInput<'_>) -> Diagram {
    let spec = input.spec;
    let model = &spec.models[input.model];
    let mut d = Diagram { title: format!("lineage of {}", model.name), ..Diagram::default() };
    let keys = source_keys(spec, input.catalog, model);
    let findings: Vec<&Finding> = input
        .findings
        .iter()
        .filter(|f| f.model.as_deref() == Some(model.name.as_str()) && f.subject == Subject::Code)
        .collect();
    let flagged = |code: &ModelCode, codes: &[Code], line: u64, column: u64| {
        let at = code.locate(line, column);
        findings.iter().any(|f| codes.contains(&f.code) && f.location.as_ref() == Some(&at))
    };
    let traced = input.code.and_then(|c| c.lineage.as_ref().map(|l| (c, l)));
    match (input.code, traced) {
        (None, _) => d.notes.push("no code file: the spec's lineage only".to_string()),
        (Some(_), None) => d.notes.push("the code could not be traced: the spec's lineage only".to_string()),
        (Some(_), Some((_, l))) if !l.complete => {
            d.notes.push("part of the code could not be traced: missing columns are not marked".to_string())
        }
        _ => {}
    }

    // The spec's side.
    let mut outputs: Vec<Output> = Vec::new();
    let mut joins: Vec<JoinRow> = Vec::new();
    let key_of = |q: &ModelQuery, i: usize| {
        q.relations.get(i).and_then(|r| keys.get(&r.alias.to_ascii_lowercase()).cloned()).unwrap_or_default()
    };
    if let Some(q) = input.query {
        for out in &q.outputs {
            let reads =
                out.reads.iter().map(|((i, c), _)| SourceColumn { table: key_of(q, *i), column: c.clone() }).collect();
            outputs.push(Output { name: out.name.clone(), spec: Some(reads), code: None, differs: false });
        }
        for j in &q.joins {
            let sc = |(i, c): &(usize, String)| SourceColumn { table: key_of(q, *i), column: c.clone() };
            joins.push(JoinRow {
                right: key_of(q, j.right),
                spec: Some(j.kind.keyword().to_string()),
                code: None,
                spec_keys: j.equalities.iter().map(|(a, b)| (sc(a), sc(b))).collect(),
                code_keys: Vec::new(),
                differs: false,
            });
        }
    } else if kinds_of(model).as_slice() == [ModelKind::Scd2] {
        // An SCD2 model copies its source's columns and adds its own history columns.
        let tables = ProjectTables::new(spec, input.catalog);
        let source = model.sources.first().and_then(|e| keys.get(&alias_of(e).to_ascii_lowercase())).cloned();
        if let Some(Some(relation)) = tables.outputs().get(input.model) {
            for column in &relation.columns {
                let from = source.as_ref().filter(|s| {
                    crate::sql::lineage::Tables::lookup(&tables, std::slice::from_ref(*s))
                        .is_some_and(|t| t.columns.iter().any(|c| c.eq_ignore_ascii_case(&column.name)))
                });
                let reads = from
                    .map(|s| SourceColumn { table: s.clone(), column: column.name.to_ascii_lowercase() })
                    .into_iter()
                    .collect();
                outputs.push(Output { name: column.name.clone(), spec: Some(reads), code: None, differs: false });
            }
        }
    }

    // The code's side, matched by name.
    if let Some((code, lineage)) = traced {
        for out in &lineage.outputs {
            let differs =
                flagged(code, &[Code::WrongSourceColumn, Code::TransformReadsDiffer], out.pos.line, out.pos.column);
            let reads: BTreeSet<SourceColumn> = out.reads.union(&out.guards).cloned().collect();
            match outputs.iter_mut().find(|o| o.name.eq_ignore_ascii_case(&out.name) && o.code.is_none()) {
                Some(o) => {
                    o.code = Some(reads);
                    o.differs = differs;
                }
                None => outputs.push(Output { name: out.name.clone(), spec: None, code: Some(reads), differs }),
            }
        }
        for edge in &lineage.joins {
            let differs = flagged(code, &[Code::JoinTypeDiffers], edge.pos.line, edge.pos.column)
                || flagged(code, &[Code::JoinConditionDiffers], edge.condition_pos.line, edge.condition_pos.column);
            let kind = join_keyword(edge.kind).to_string();
            match joins.iter_mut().find(|j| j.code.is_none() && edge.right.contains(&j.right)) {
                Some(j) => {
                    j.code = Some(kind);
                    j.code_keys.clone_from(&edge.equalities);
                    j.differs = differs;
                }
                None => joins.push(JoinRow {
                    right: edge.right.iter().cloned().collect::<Vec<_>>().join(", "),
                    spec: None,
                    code: Some(kind),
                    spec_keys: Vec::new(),
                    code_keys: edge.equalities.clone(),
                    differs,
                }),
            }
        }
    }
    let code_complete = traced.is_some_and(|(_, l)| l.complete);

    // Input tables: the model's sources in spec order, then anything else the code reads.
    let mut tables: Vec<String> = Vec::new();
    for entry in &model.sources {
        if let Some(key) = keys.get(&alias_of(entry).to_ascii_lowercase()) {
            if !tables.contains(key) {
                tables.push(key.clone());
            }
        }
    }
    let mut read: BTreeSet<SourceColumn> = BTreeSet::new();
    for o in &outputs {
        read.extend(o.spec.iter().flatten().cloned());
        read.extend(o.code.iter().flatten().cloned());
    }
    for j in &joins {
        for (a, b) in j.spec_keys.iter().chain(&j.code_keys) {
            read.insert(a.clone());
            read.insert(b.clone());
        }
    }
    for c in &read {
        if !tables.contains(&c.table) {
            tables.push(c.table.clone());
        }
    }
    let sources: BTreeSet<&String> = keys.values().collect();
    let mut column_node: BTreeMap<SourceColumn, usize> = BTreeMap::new();
    for (t, table) in tables.iter().enumerate() {
        let (style, label) = if sources.contains(table) {
            (table_style(spec, table), table.clone())
        } else if *table == model.name {
            (Style::Other, format!("{table} (its own table)"))
        } else {
            (Style::Extra, format!("{table} (not a source in the spec)"))
        };
        let g = d.group(format!("t{t}"), label, style);
        let columns: Vec<&SourceColumn> = read.iter().filter(|c| &c.table == table).collect();
        for (k, c) in columns.into_iter().enumerate() {
            let n = d.node(format!("t{t}c{k}"), vec![c.column.clone()], Some(g), style);
            column_node.insert(c.clone(), n);
        }
    }

    // The model's side: its output columns, then its joins.
    let out_group = d.group("out".to_string(), format!("{} (output)", model.name), layer_style(model.layer.as_deref()));
    for (k, o) in outputs.iter().enumerate() {
        let (style, note) = match (&o.spec, &o.code) {
            (Some(_), None) if code_complete => (Style::Missing, Some("missing in the code")),
            (None, Some(_)) => (Style::Extra, Some("not in the spec")),
            _ if o.differs => (Style::Differs, Some("derived differently")),
            _ => (Style::Column, None),
        };
        let mut label = vec![o.name.clone()];
        label.extend(note.map(str::to_string));
        let n = d.node(format!("o{k}"), label, Some(out_group), style);
        let wrong = style.is_disagreement();
        let empty = BTreeSet::new();
        let spec_reads = o.spec.as_ref().unwrap_or(&empty);
        let code_reads = o.code.as_ref().unwrap_or(&empty);
        for c in spec_reads.union(code_reads) {
            let Some(&from) = column_node.get(c) else { continue };
            let style = arrow(
                spec_reads.contains(c) && o.spec.is_some(),
                code_reads.contains(c) && o.code.is_some(),
                wrong,
                o.code.is_none(),
            );
            d.edge(from, n, style);
        }
    }
    for (k, j) in joins.iter().enumerate() {
        let mut label = Vec::new();
        match (&j.spec, &j.code) {
            (Some(s), Some(c)) if s == c => label.push(format!("{s} JOIN {}", j.right)),
            (Some(s), Some(c)) => {
                label.push(format!("{s} JOIN {}", j.right));
                label.push(format!("code: {c} JOIN"));
            }
            (Some(s), None) => {
                label.push(format!("{s} JOIN {}", j.right));
                if traced.is_some() {
                    label.push("not found in the code".to_string());
                }
            }
            (None, Some(c)) => {
                label.push(format!("{c} JOIN {}", j.right));
                label.push("the code's own join".to_string());
            }
            (None, None) => {}
        }
        let style = if j.differs { Style::JoinDiffers } else { Style::Join };
        let n = d.node(format!("j{k}"), label, Some(out_group), style);
        let same = |x: &(SourceColumn, SourceColumn), list: &[(SourceColumn, SourceColumn)]| {
            list.iter().any(|y| (y.0 == x.0 && y.1 == x.1) || (y.0 == x.1 && y.1 == x.0))
        };
        let mut keyed: Vec<(SourceColumn, bool, bool)> = Vec::new();
        for pair in &j.spec_keys {
            let in_code = same(pair, &j.code_keys) || j.code.is_none();
            keyed.push((pair.0.clone(), true, in_code));
            keyed.push((pair.1.clone(), true, in_code));
        }
        for pair in j.code_keys.iter().filter(|p| !same(p, &j.spec_keys)) {
            keyed.push((pair.0.clone(), j.spec.is_none(), true));
            keyed.push((pair.1.clone(), j.spec.is_none(), true));
        }
        for (c, in_spec, in_code) in keyed {
            if let Some(&from) = column_node.get(&c) {
                d.edge(from, n, arrow(in_spec, in_code, j.differs, false));
            }
        }
    }
    for f in &findings {
        let at = f.location.as_ref().map_or(String::new(), |l| format!(" (line {})", l.line));
        d.notes.push(format!("{}{at}: {}", f.code.as_str(), f.message));
    }
    d.finish_legend();
    d
}

/// The style of an arrow read by the spec, the code or both, on a column or join that is or is
/// not wrong. `absent`: the code does not produce the column at all.
fn arrow(in_spec: bool, in_code: bool, wrong: bool, absent: bool) -> Style {
    match (in_spec, in_code) {
        (true, true) => Style::Agreed,
        (true, false) if wrong || absent => Style::SpecOnlyWrong,
        (true, false) => Style::SpecOnly,
        (false, _) if wrong => Style::CodeOnlyWrong,
        (false, _) => Style::CodeOnly,
    }
}

fn join_keyword(kind: JoinType) -> &'static str {
    kind.keyword()
}

/// A table's style: a source table, or an upstream model's layer.
fn table_style(spec: &Spec, key: &str) -> Style {
    match spec.model_index(key) {
        Some(i) => layer_style(spec.models[i].layer.as_deref()),
        None => Style::Source,
    }
}

/// Each source entry's alias (lowercase) → the table key lineage uses for it: `schema.table`
/// for a source table, the name for a model (as the static check keys them).
fn source_keys(spec: &Spec, catalog: &Catalog, model: &Model) -> BTreeMap<String, String> {
    model
        .sources
        .iter()
        .filter_map(|entry| {
            let key = match target_of(spec, catalog, entry) {
                Target::Table(name) => name,
                Target::Model(i) => spec.models[i].name.clone(),
                Target::Unknown => return None,
            };
            Some((alias_of(entry).to_ascii_lowercase(), key))
        })
        .collect()
}

/// A lineage picture of every model of `project` (spec order), from the static check's result.
pub fn project_lineages(project: &Project, check: &CodeCheck) -> Vec<(String, Diagram)> {
    lineages_of(project, check, &|_| true)
}

/// A lineage picture of each model of `project` that `wanted` keeps (spec order).
pub fn lineages_of(project: &Project, check: &CodeCheck, wanted: &dyn Fn(&str) -> bool) -> Vec<(String, Diagram)> {
    let spec = &project.spec.spec;
    if !spec.models.iter().any(|m| wanted(&m.name)) {
        return Vec::new();
    }
    let tables = ProjectTables::new(spec, &project.catalog);
    // Only the models drawn are resolved, and their code found through an index: a report of
    // a 10,000-model project with findings on a few models resolved and scanned them all.
    let drawn: Vec<bool> = spec.models.iter().map(|m| wanted(&m.name)).collect();
    let queries = resolve_some_models(&project.spec, &project.catalog, tables.outputs(), &|mi| drawn[mi]);
    let code: std::collections::HashMap<&str, &ModelCode> =
        check.models.iter().rev().map(|c| (c.model.as_str(), c)).collect();
    spec.models
        .iter()
        .enumerate()
        .filter(|&(mi, _)| drawn[mi])
        .map(|(mi, model)| {
            let input = LineageInput {
                spec,
                catalog: &project.catalog,
                model: mi,
                query: queries.get(mi).and_then(Option::as_ref),
                code: code.get(model.name.as_str()).copied(),
                findings: &check.findings,
            };
            (model.name.clone(), lineage(&input))
        })
        .collect()
}
