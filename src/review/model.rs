//! The one data model every review export is written from: tables a spec approver reads
//! (overview, columns, transforms, joins, filters, tests, lineage), each model's lineage
//! picture, and the latest findings per model when a report is given.

use crate::check::lineage::CodeCheck;
use crate::diagram::build::kind_label;
use crate::diagram::{lineages_of, pipeline, Diagram, Style};
use crate::finding::Finding;
use crate::project::layout::Project;

/// A table: a name (its file name), a header and rows of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// `overview`, `columns`, …
    pub name: &'static str,
    /// The header.
    pub columns: Vec<&'static str>,
    /// The rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    fn new(name: &'static str, columns: &[&'static str]) -> Table {
        Table { name, columns: columns.to_vec(), rows: Vec::new() }
    }

    fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    /// The rows about `model` (the first column names the model in every table but none).
    pub fn of_model<'a>(&'a self, model: &'a str) -> impl Iterator<Item = &'a Vec<String>> + 'a {
        self.rows.iter().filter(move |r| r.first().is_some_and(|m| m == model))
    }
}

/// One model: its lineage picture and its findings.
#[derive(Debug, Clone)]
pub struct ModelReview {
    /// Its name.
    pub name: String,
    /// Its description in the spec.
    pub description: String,
    /// Its lineage, spec and code.
    pub diagram: Diagram,
    /// The latest findings about it (from the report given), in the report's order.
    pub findings: Vec<Finding>,
}

/// Everything a review export shows.
#[derive(Debug, Clone)]
pub struct Review {
    /// The spec file.
    pub spec: String,
    /// The pipeline picture.
    pub pipeline: Diagram,
    /// The tables, in export order: overview, columns, transforms, joins, filters, tests, lineage.
    pub tables: Vec<Table>,
    /// Each model, in spec order.
    pub models: Vec<ModelReview>,
    /// The report the findings come from, when one was given.
    pub report: Option<String>,
    /// Findings of the report about no model (the spec as a whole, the project).
    pub project_findings: Vec<Finding>,
}

impl Review {
    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

/// What the picture says about a box: its style's meaning.
fn status(style: Style) -> &'static str {
    match style {
        Style::Column | Style::Join => "agrees",
        Style::Missing => "missing in the code",
        Style::Extra => "not in the spec",
        Style::Differs => "derived differently in the code",
        Style::JoinDiffers => "joined differently in the code",
        _ => "",
    }
}

/// Builds the review of `project` from the static check of its code and, when given, the
/// findings of a report (`report`: its file name as shown, and its findings).
pub fn build(project: &Project, check: &CodeCheck, report: Option<(String, Vec<Finding>)>) -> Review {
    let spec = &project.spec.spec;
    let diagrams = lineages_of(project, check, &|_| true);
    let (report_name, findings) = match report {
        Some((name, findings)) => (Some(name), findings),
        None => (None, Vec::new()),
    };
    let mut overview = Table::new(
        "overview",
        &["model", "layer", "kind", "table", "sources", "columns", "joins", "filters", "code", "agreement", "findings"],
    );
    let mut columns = Table::new(
        "columns",
        &["model", "column", "type", "nullable", "from_table", "from_column", "tests", "description"],
    );
    let mut transforms = Table::new("transforms", &["model", "column", "expression", "status"]);
    let mut joins = Table::new("joins", &["model", "left_table", "right_table", "type", "condition", "code", "status"]);
    let mut filters = Table::new("filters", &["model", "applies_to", "predicate", "rationale"]);
    let mut tests = Table::new("tests", &["model", "column", "test"]);
    let mut lineage = Table::new("lineage", &["model", "column", "reads", "drawn_by", "status"]);
    let mut models = Vec::new();
    for (mi, (model, (_, diagram))) in spec.models.iter().zip(&diagrams).enumerate() {
        let name = &model.name;
        let schema = match model.layer.as_deref().map(str::trim) {
            Some("staging") => spec.schema.staging_schema.as_str(),
            Some("final") => spec.schema.final_schema.as_str(),
            _ => "",
        };
        let code = check.models.iter().find(|c| &c.model == name);
        let model_findings: Vec<Finding> =
            findings.iter().filter(|f| f.model.as_deref() == Some(name.as_str())).cloned().collect();
        let agreement = match code {
            None => "no code",
            Some(c) if c.lineage.is_none() => "not traced",
            Some(_) if diagram.has_disagreement() => "differs",
            Some(_) => "agrees",
        };
        // An SCD2 model maps no columns: its output is its source's columns and the version
        // columns, as the spec resolves it (spec-format.md, "SCD type 2 model").
        let scd2_output = (model.constraints.scd_type == Some(2))
            .then(|| crate::spec::resolve::context::model_output(spec, &project.catalog, mi))
            .flatten();
        let column_count = match &scd2_output {
            Some(output) => output.columns.len(),
            None => model.column_mapping.len() + model.group_by.len() + model.aggregations.len(),
        };
        overview.push(vec![
            name.clone(),
            text(&model.layer),
            kind_label(model).to_string(),
            if schema.is_empty() { name.clone() } else { format!("{schema}.{name}") },
            model.sources.join(", "),
            column_count.to_string(),
            model.joins.len().to_string(),
            model
                .filters
                .iter()
                .filter(|f| f.predicate.as_deref().is_some_and(|p| !p.trim().is_empty()))
                .count()
                .to_string(),
            code.map_or_else(String::new, |c| c.file.clone()),
            agreement.to_string(),
            if report_name.is_some() { model_findings.len().to_string() } else { String::new() },
        ]);
        // The status of an output column, as its lineage picture marks it.
        let column_status = |column: &str| {
            diagram
                .nodes
                .iter()
                .find(|n| n.id.starts_with('o') && n.label.first().is_some_and(|l| l.eq_ignore_ascii_case(column)))
                .map_or("", |n| status(n.style))
                .to_string()
        };
        for c in scd2_output.iter().flat_map(|o| &o.columns) {
            columns.push(vec![
                name.clone(),
                c.name.clone(),
                c.data_type.clone().unwrap_or_default(),
                (if c.nullable { "yes" } else { "no" }).to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        for c in &model.column_mapping {
            let nullable = match c.nullable {
                Some(false) => "no",
                _ => "yes",
            };
            columns.push(vec![
                name.clone(),
                c.target_column.clone(),
                c.data_type.clone(),
                nullable.to_string(),
                text(&c.from_table),
                text(&c.from_column),
                c.tests.join("; "),
                text(&c.description),
            ]);
            let expression =
                c.transform.clone().unwrap_or_else(|| format!("{}.{}", text(&c.from_table), text(&c.from_column)));
            transforms.push(vec![name.clone(), c.target_column.clone(), expression, column_status(&c.target_column)]);
            for t in &c.tests {
                tests.push(vec![name.clone(), c.target_column.clone(), t.clone()]);
            }
        }
        for g in &model.group_by {
            columns.push(vec![
                name.clone(),
                g.clone(),
                String::new(),
                String::new(),
                String::new(),
                g.clone(),
                "group by".into(),
                String::new(),
            ]);
            transforms.push(vec![name.clone(), g.clone(), format!("GROUP BY {g}"), column_status(g)]);
        }
        for a in &model.aggregations {
            let nullable = match a.nullable {
                Some(false) => "no",
                _ => "yes",
            };
            columns.push(vec![
                name.clone(),
                a.metric_column.clone(),
                a.data_type.clone(),
                nullable.to_string(),
                String::new(),
                String::new(),
                a.tests.join("; "),
                text(&a.description),
            ]);
            transforms.push(vec![
                name.clone(),
                a.metric_column.clone(),
                a.formula.clone(),
                column_status(&a.metric_column),
            ]);
            for t in &a.tests {
                tests.push(vec![name.clone(), a.metric_column.clone(), t.clone()]);
            }
        }
        for (k, j) in model.joins.iter().enumerate() {
            let node = diagram.nodes.iter().find(|n| n.id == format!("j{k}"));
            let code_kind = node.and_then(|n| n.label.get(1)).filter(|l| l.starts_with("code: ")).cloned();
            joins.push(vec![
                name.clone(),
                j.left_table.clone(),
                j.right_table.clone(),
                j.join_type.clone(),
                j.condition.clone(),
                code_kind.map_or_else(String::new, |l| l.trim_start_matches("code: ").to_string()),
                node.map_or("", |n| status(n.style)).to_string(),
            ]);
        }
        for f in &model.filters {
            if f.predicate.as_deref().is_some_and(|p| !p.trim().is_empty()) {
                filters.push(vec![name.clone(), text(&f.applies_to), text(&f.predicate), text(&f.rationale)]);
            }
        }
        let cons = &model.constraints;
        if let Some(key) = cons.primary_key.as_ref().filter(|k| !k.is_empty()) {
            tests.push(vec![name.clone(), key.names().collect::<Vec<_>>().join(", "), "primary_key".into()]);
        }
        if cons.scd_type == Some(2) {
            let key = cons.natural_key.as_ref().map(|k| k.names().collect::<Vec<_>>().join(", ")).unwrap_or_default();
            tests.push(vec![name.clone(), key, "scd_type 2: one current row per key, versions never overlap".into()]);
        }
        // Lineage rows: every arrow into an output column of the picture.
        for e in &diagram.edges {
            let (from, to) = (&diagram.nodes[e.from], &diagram.nodes[e.to]);
            if !to.id.starts_with('o') {
                continue;
            }
            let table = from.group.map(|g| diagram.groups[g].label.clone()).unwrap_or_default();
            let table = table.split(" (").next().unwrap_or_default().to_string();
            let drawn_by = match e.style {
                Style::Agreed => "spec and code",
                Style::SpecOnly | Style::SpecOnlyWrong => "spec",
                _ => "code",
            };
            let state = if e.style.is_disagreement() { "disagrees" } else { "agrees" };
            lineage.push(vec![
                name.clone(),
                to.label.first().cloned().unwrap_or_default(),
                format!("{table}.{}", from.label.first().cloned().unwrap_or_default()),
                drawn_by.to_string(),
                state.to_string(),
            ]);
        }
        models.push(ModelReview {
            name: name.clone(),
            description: text(&model.description),
            diagram: diagram.clone(),
            findings: model_findings,
        });
    }
    let project_findings = findings.iter().filter(|f| f.model.is_none()).cloned().collect();
    Review {
        spec: project.spec.text.file.clone(),
        pipeline: pipeline(spec, &project.catalog),
        tables: vec![overview, columns, transforms, joins, filters, tests, lineage],
        models,
        report: report_name,
        project_findings,
    }
}
