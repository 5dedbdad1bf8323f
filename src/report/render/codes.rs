//! The findings reference: every finding code with what it checks, why it matters and an
//! example, as Markdown (docs/findings.md is this, written by the tool).

use crate::finding::Code;
use std::fmt::Write;

/// The reference of `codes`: a table of them, then a section each.
pub fn reference(codes: &[Code]) -> String {
    let mut out = String::from(
        "# Findings reference\n\nEvery finding specproof reports has a stable code. This page is written by the tool \
         (`specproof explain --all --format markdown > docs/findings.md`) and a test keeps it in step with the code; \
         `specproof explain CODE` prints one entry at a terminal.\n\n| code | name | severity | about the |\n| --- | --- | --- | --- |\n",
    );
    for code in codes {
        let _ = writeln!(
            out,
            "| [{}](#{}) | `{}` | {} | {} |",
            code.as_str(),
            code.as_str().to_ascii_lowercase(),
            code.name(),
            code.severity().as_str(),
            code.subject().as_str()
        );
    }
    for code in codes {
        out.push('\n');
        out.push_str(&section(*code));
    }
    out
}

/// One code's section: its heading, severity and subject, and its doc with the `Why:` and
/// `Example:` paragraphs marked.
pub fn section(code: Code) -> String {
    let mut out = format!(
        "## {}\n\n`{}`: {}, about the {}.\n\n",
        code.as_str(),
        code.name(),
        code.severity().as_str(),
        code.subject().as_str()
    );
    for paragraph in code.doc().split("\n\n") {
        let paragraph = match paragraph.split_once(": ") {
            Some((label @ ("Why" | "Example"), rest)) => format!("**{label}:** {rest}"),
            _ => paragraph.to_string(),
        };
        out.push_str(&paragraph);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_row_and_a_section_with_its_why() {
        let text = reference(Code::ALL);
        for code in Code::ALL {
            assert!(text.contains(&format!("| [{}](#", code.as_str())), "{code} has a row");
            assert!(text.contains(&format!("\n## {}\n", code.as_str())), "{code} has a section");
        }
        assert!(section(Code::KeyCanRepeat).contains("**Why:** the spec contradicts itself"));
    }
}
