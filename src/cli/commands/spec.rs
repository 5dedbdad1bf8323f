//! `specproof spec to-markdown` and `spec from-markdown`: the spec as a requirements document.

use crate::cli::args::{SpecCommand, SpecFromMarkdownArgs, SpecToMarkdownArgs};
use crate::cli::outcome::Outcome;
use crate::error::{Error, ErrorKind};
use crate::project::layout::display;
use crate::spec::load::load_spec;
use crate::spec::markdown::{from_markdown, to_markdown};

/// Runs a `specproof spec` command.
pub fn run(command: &SpecCommand) -> Outcome {
    match command {
        SpecCommand::ToMarkdown(args) => to(args),
        SpecCommand::FromMarkdown(args) => from(args),
    }
}

fn to(args: &SpecToMarkdownArgs) -> Outcome {
    let path = args.spec.clone().unwrap_or_else(|| args.dir.join("spec.json"));
    match load_spec(&path, &display(&path)) {
        Ok(loaded) => Outcome { stdout: to_markdown(&loaded.spec), stderr: String::new(), code: 0 },
        Err(error) => Outcome::failed(&error),
    }
}

fn from(args: &SpecFromMarkdownArgs) -> Outcome {
    let name = display(&args.file);
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(source) => return Outcome::failed(&Error::in_file(ErrorKind::Read(source), &args.file)),
    };
    let spec = match from_markdown(&text) {
        Ok(spec) => spec,
        Err(errors) => {
            let stderr: String = errors
                .iter()
                .map(|e| format!("specproof: error: {name}:{}:{}: {}\n", e.line, e.column, e.message))
                .collect();
            return Outcome { stdout: String::new(), stderr, code: 2 };
        }
    };
    // Serialising plain data with string keys cannot fail.
    let mut json = serde_json::to_string_pretty(&spec).unwrap_or_default();
    json.push('\n');
    match &args.out {
        None => Outcome { stdout: json, stderr: String::new(), code: 0 },
        Some(out) => match std::fs::write(out, json) {
            Ok(()) => Outcome { stdout: format!("wrote {}\n", display(out)), stderr: String::new(), code: 0 },
            Err(source) => Outcome::failed(&Error::in_file(ErrorKind::Write { action: "write", source }, out)),
        },
    }
}
