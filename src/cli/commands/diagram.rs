//! `specproof diagram`: the pipeline or a model's lineage as Mermaid, DOT or SVG.

use crate::check::lineage::check_project;
use crate::cli::args::{DiagramArgs, DiagramFormatArg, DiagramKind, ProjectArgs};
use crate::cli::outcome::{load, usage_error, Outcome};
use crate::diagram::{pipeline_of, project_lineages, render, Diagram, DiagramFormat};
use crate::error::{Error, ErrorKind};

/// Runs `specproof diagram`.
pub fn run(args: &DiagramArgs) -> Outcome {
    let project_args = ProjectArgs {
        dir: args.dir.clone(),
        spec: args.spec.clone(),
        sources: args.sources.clone(),
        models: args.models.clone(),
        tests: None,
        dialect: args.dialect,
        format: None,
    };
    let project = match load(&project_args) {
        Ok(project) => project,
        Err(error) => return Outcome::failed(&error),
    };
    let (format, ext) = match args.format {
        DiagramFormatArg::Mermaid => (DiagramFormat::Mermaid, "mmd"),
        DiagramFormatArg::Dot => (DiagramFormat::Dot, "dot"),
        DiagramFormatArg::Svg => (DiagramFormat::Svg, "svg"),
    };
    let spec = &project.spec.spec;
    if let Some(unknown) = args.model.iter().find(|m| spec.model_index(m).is_none()) {
        let known: Vec<&str> = spec.models.iter().map(|m| m.name.as_str()).collect();
        return usage_error(format!("the spec has no model `{unknown}`; its models: {}", known.join(", ")));
    }
    let diagrams: Vec<(String, Diagram, bool)> = match args.kind {
        DiagramKind::Pipeline => vec![("pipeline".to_string(), pipeline_of(spec, &project.catalog, &args.model), true)],
        DiagramKind::Lineage => {
            if args.model.is_empty() && args.out.is_none() {
                return usage_error("a lineage diagram needs --model M, or --out DIR for every model".into());
            }
            let check = check_project(&project);
            project_lineages(&project, &check)
                .into_iter()
                .filter(|(name, _)| args.model.is_empty() || args.model.contains(name))
                .map(|(name, d)| (name, d, false))
                .collect()
        }
    };
    match &args.out {
        None => {
            let stdout =
                diagrams.iter().map(|(_, d, banded)| render(d, format, *banded)).collect::<Vec<_>>().join("\n");
            Outcome { stdout, stderr: String::new(), code: 0 }
        }
        Some(dir) => {
            if let Err(source) = std::fs::create_dir_all(dir) {
                return Outcome::failed(&Error::in_file(ErrorKind::Write { action: "create", source }, dir));
            }
            for (name, d, banded) in &diagrams {
                let path = dir.join(format!("{}.{ext}", file_name(name)));
                if let Err(source) = std::fs::write(&path, render(d, format, *banded)) {
                    return Outcome::failed(&Error::in_file(ErrorKind::Write { action: "write", source }, &path));
                }
            }
            let stdout = format!(
                "wrote {} to {}\n",
                crate::finding::plural(diagrams.len(), "diagram"),
                crate::project::layout::display(dir)
            );
            Outcome { stdout, stderr: String::new(), code: 0 }
        }
    }
}

/// A model name as a file name: anything but letters, digits, `_`, `-` and `.` becomes `_`, so a
/// name from the spec cannot write outside the folder.
fn file_name(name: &str) -> String {
    let clean: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '_' }).collect();
    if clean.is_empty() || clean.starts_with('.') {
        format!("_{clean}")
    } else {
        clean
    }
}
