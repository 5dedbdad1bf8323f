//! `specproof review`: CSV tables, a Markdown document and an HTML page for a spec approver.

use crate::check::lineage::check_project;
use crate::cli::args::{ProjectArgs, ReviewArgs};
use crate::cli::outcome::{load, Outcome};
use crate::error::{Error, ErrorKind};
use crate::review::{csv, html, markdown, model, xlsx};

/// Runs `specproof review`.
pub fn run(args: &ReviewArgs) -> Outcome {
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
    let report = match &args.report {
        None => None,
        Some(path) => match super::report::read_report(path) {
            Ok(report) => Some((crate::project::layout::display(path), report.findings)),
            Err(message) => {
                return Outcome { stdout: String::new(), stderr: format!("specproof: error: {message}\n"), code: 2 }
            }
        },
    };
    let check = check_project(&project);
    let review = model::build(&project, &check, report);
    let mut files = csv::files(&review);
    files.push(("review.md".to_string(), markdown::render(&review)));
    files.push(("review.html".to_string(), html::render(&review)));
    let workbook = match xlsx::render(&review) {
        Ok(bytes) => bytes,
        Err(error) => {
            let stderr = format!("specproof: error: cannot write the workbook: {error}\n");
            return Outcome { stdout: String::new(), stderr, code: 2 };
        }
    };
    if let Err(source) = std::fs::create_dir_all(&args.out) {
        return Outcome::failed(&Error::in_file(ErrorKind::Write { action: "create", source }, &args.out));
    }
    for (name, body) in &files {
        let path = args.out.join(name);
        if let Err(source) = std::fs::write(&path, body) {
            return Outcome::failed(&Error::in_file(ErrorKind::Write { action: "write", source }, &path));
        }
    }
    let book = args.out.join("review.xlsx");
    if let Err(source) = std::fs::write(&book, &workbook) {
        return Outcome::failed(&Error::in_file(ErrorKind::Write { action: "write", source }, &book));
    }
    files.push(("review.xlsx".to_string(), String::new()));
    let stdout = format!(
        "wrote {} to {}: {}\n",
        crate::finding::plural(files.len(), "file"),
        crate::project::layout::display(&args.out),
        files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
    );
    Outcome { stdout, stderr: String::new(), code: 0 }
}
