//! `specproof lineage`: each model's column lineage and the static check of its code.

use crate::check::lineage::check_project as check_code;
use crate::cli::args::{Format, LineageArgs};
use crate::cli::outcome::{load, usage_error, Outcome};
use crate::finding::{plural, Finding};
use crate::project::code::ModelCode;
use crate::report::model::Report;
use crate::report::render::{lineage, text};
use crate::validate::source_texts;

/// Runs `specproof lineage`.
pub fn run(args: &LineageArgs) -> Outcome {
    let project = match load(&args.project) {
        Ok(project) => project,
        Err(error) => return Outcome::failed(&error),
    };
    if let Some(unknown) = args.model.iter().find(|m| !project.model_files.iter().any(|f| &f.model == *m)) {
        let known: Vec<&str> = project.model_files.iter().map(|f| f.model.as_str()).collect();
        let stderr = format!(
            "specproof: error: no code file for model `{unknown}` in {}; models with code: {}\n",
            crate::project::layout::display(&project.paths.models),
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        );
        return Outcome { stdout: String::new(), stderr, code: 2 };
    }
    let code = check_code(&project);
    let wanted = |model: &str| args.model.is_empty() || args.model.iter().any(|m| m == model);
    let models: Vec<&ModelCode> = code.models.iter().filter(|m| wanted(&m.model)).collect();
    let findings: Vec<Finding> =
        code.findings.iter().filter(|f| f.model.as_deref().is_none_or(wanted)).cloned().collect();
    let scope = format!("static check of {}", plural(models.len(), "model file"));
    let mut report = Report::new("lineage", &project.spec.text.file, scope, findings);
    report.bound_values();
    let stdout = match args.project.format.unwrap_or(Format::Text) {
        Format::Junit | Format::Markdown | Format::Sarif => {
            return usage_error("lineage writes text or json; the other formats are for lint and validate".into())
        }
        Format::Text => {
            let mut out = lineage::render_text(&models);
            out.push_str(&text::render(&report, &source_texts(&project, Some(&code), None)));
            out
        }
        Format::Json => lineage::render_json(&models, &report.findings),
    };
    Outcome { stdout, stderr: String::new(), code: if report.is_clean() { 0 } else { 1 } }
}
