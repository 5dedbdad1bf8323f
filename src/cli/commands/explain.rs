//! `specproof explain`: what a finding code checks, why it matters, an example.

use crate::cli::args::{ExplainArgs, ExplainFormat};
use crate::cli::outcome::Outcome;
use crate::finding::Code;
use crate::report::render::codes;

/// Runs `specproof explain`.
pub fn run(args: &ExplainArgs) -> Outcome {
    if args.format == ExplainFormat::Markdown {
        let wanted = if args.all {
            Some(Code::ALL.to_vec())
        } else {
            args.code.as_deref().and_then(Code::parse).map(|c| vec![c])
        };
        if let Some(wanted) = wanted {
            let stdout = if args.all { codes::reference(&wanted) } else { codes::section(wanted[0]) };
            return Outcome { stdout, stderr: String::new(), code: 0 };
        }
    }
    if args.all {
        let stdout = Code::ALL.iter().map(|c| format!("{}  {}\n", c.as_str(), c.name())).collect();
        return Outcome { stdout, stderr: String::new(), code: 0 };
    }
    let wanted = args.code.as_deref().unwrap_or_default();
    match Code::parse(wanted) {
        Some(code) => Outcome {
            stdout: format!(
                "{} {} ({}, about the {})\n\n{}\n",
                code.as_str(),
                code.name(),
                code.severity().as_str(),
                code.subject().as_str(),
                code.doc()
            ),
            stderr: String::new(),
            code: 0,
        },
        None => Outcome {
            stdout: String::new(),
            stderr: format!(
                "specproof: error: `{wanted}` is not a finding code; `specproof explain --all` lists them\n"
            ),
            code: 2,
        },
    }
}
