//! The mutants of a project's model code: every change of every operator at every site of each
//! model's main body, written into the file's text in place (templates, config block, comments
//! and layout kept), each checked to parse to exactly the tree the change made.

use super::operators::{apply_splices, offset, statement_mutants, Operator, Splice, Tokens};
use crate::check::lineage::CodeCheck;
use crate::project::code::{analyse_file, ModelCode, ProjectTables};
use crate::project::layout::{display, Project};
use crate::sql::parse::sqlparser_dialect;

/// One line of a mutant's diff against the original file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DiffLine {
    /// `-` a line of the original, `+` a line of the mutant.
    pub sign: char,
    /// Its 1-based line number in its own file.
    pub line: usize,
    /// The line.
    pub text: String,
}

/// One mutant of one model.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Mutant {
    /// The model.
    pub model: String,
    /// The model's file, as shown in messages.
    pub file: String,
    /// Its place among the model's mutants (site order), from 1.
    pub index: usize,
    /// The operator.
    pub operator: Operator,
    /// What changed, for a person.
    pub what: String,
    /// The line of the original file the change is on.
    pub line: usize,
    /// The lines that differ, original then mutant.
    pub diff: Vec<DiffLine>,
    /// The file's index in the project's model files.
    #[serde(skip)]
    pub file_index: usize,
    /// The mutated file.
    #[serde(skip)]
    pub text: String,
}

/// The mutants of a project, and the sites left out.
#[derive(Debug, Clone, Default)]
pub struct Mutants {
    /// The mutants, by model then site.
    pub mutants: Vec<Mutant>,
    /// Changes that could not be written into the file: they cross a template (`${ref(…)}`,
    /// `{{ … }}`), or the text did not parse back to the changed tree.
    pub not_written: usize,
}

/// The lines of `mutated` that differ from `original`, as a diff of the one block that changed.
pub fn diff_lines(original: &str, mutated: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = original.lines().collect();
    let b: Vec<&str> = mutated.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let rest = a.len().min(b.len()) - prefix;
    let suffix = a.iter().rev().zip(b.iter().rev()).take(rest).take_while(|(x, y)| x == y).count();
    let mut out = Vec::new();
    for (i, line) in a.iter().enumerate().take(a.len() - suffix).skip(prefix) {
        out.push(DiffLine { sign: '-', line: i + 1, text: line.to_string() });
    }
    for (i, line) in b.iter().enumerate().take(b.len() - suffix).skip(prefix) {
        out.push(DiffLine { sign: '+', line: i + 1, text: line.to_string() });
    }
    out
}

/// Every mutant of the models `wanted` accepts, of the `operators` given.
pub fn mutants_of(
    project: &Project,
    code: &CodeCheck,
    operators: &[Operator],
    wanted: &dyn Fn(&str) -> bool,
) -> Mutants {
    let tables = ProjectTables::new(&project.spec.spec, &project.catalog).with_snapshots(project);
    let mut out = Mutants::default();
    for model in &code.models {
        if !wanted(&model.model) {
            continue;
        }
        let Some(file_index) = project.model_files.iter().position(|f| display(&f.path) == model.file) else {
            continue;
        };
        let file = &project.model_files[file_index];
        let mut seen = std::collections::HashSet::new();
        let mut index = 0usize;
        for Written { text, expected, operator, what, line } in model_mutants(model, operators, &mut out.not_written) {
            // Two changes that write the same text are one mutant.
            if seen.contains(&text) {
                continue;
            }
            // The file parses back to the tree the change made, or the change is not written.
            let again = analyse_file(file, &text, project.code_dialect, &tables);
            if again.statements.as_ref().map(|s| joined(s)).as_deref() != Some(expected.as_str()) {
                out.not_written += 1;
                continue;
            }
            seen.insert(text.clone());
            index += 1;
            let original = model.rendered.as_ref().map(|r| r.original.as_str()).unwrap_or("");
            let diff = diff_lines(original, &text);
            // The first line that differs; the splice can start at the end of the line before.
            let line = diff.first().map_or(line, |d| d.line);
            out.mutants.push(Mutant {
                model: model.model.clone(),
                file: model.file.clone(),
                index,
                operator,
                what,
                line,
                diff,
                file_index,
                text,
            });
        }
    }
    out
}

/// Every statement printed, as the check compares them.
fn joined(statements: &[sqlparser::ast::Statement]) -> String {
    statements.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(";\n")
}

/// A change written into a model file.
struct Written {
    /// The mutated file.
    text: String,
    /// The statements the change made, printed: the file must parse back to them.
    expected: String,
    operator: Operator,
    what: String,
    line: usize,
}

/// The changes of one model's main body written into its file.
fn model_mutants(model: &ModelCode, operators: &[Operator], not_written: &mut usize) -> Vec<Written> {
    let (Some(rendered), Some(statements)) = (&model.rendered, &model.statements) else { return Vec::new() };
    let piece = &rendered.main;
    let Some(tokens) = Tokens::new(&piece.sql, sqlparser_dialect(model.dialect)) else { return Vec::new() };
    let original = &rendered.original;
    let mut out = Vec::new();
    for (si, statement) in statements.iter().enumerate() {
        for mutant in statement_mutants(statement, &tokens) {
            if !operators.contains(&mutant.change.operator) {
                continue;
            }
            // Each splice in the file's own places; its text there must be the parsed text
            // (no template inside it).
            let mut splices = Vec::new();
            let mut ok = true;
            for splice in &mutant.change.splices {
                let (sl, sc) = rendered.locate(piece, splice.start.0, splice.start.1);
                let (el, ec) = rendered.locate(piece, splice.end.0, splice.end.1);
                let start = (sl as u64, sc as u64);
                let end = (el as u64, ec as u64);
                let in_file = offset(original, start).zip(offset(original, end)).and_then(|(a, b)| original.get(a..b));
                let parsed = tokens.slice(splice.start, splice.end);
                if in_file.is_none() || in_file != parsed {
                    ok = false;
                    break;
                }
                splices.push(Splice { start, end, text: splice.text.clone() });
            }
            let Some(text) = ok.then(|| apply_splices(original, &splices)).flatten() else {
                *not_written += 1;
                continue;
            };
            let mut expected: Vec<sqlparser::ast::Statement> = statements.clone();
            expected[si] = mutant.statement;
            let line = splices.first().map_or(1, |s| s.start.0 as usize);
            out.push(Written {
                text,
                expected: joined(&expected),
                operator: mutant.change.operator,
                what: mutant.change.what,
                line,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_shows_only_the_block_that_changed() {
        let original = "config {}\nSELECT a,\n  b + 1 AS c\nFROM t\n";
        let mutated = "config {}\nSELECT a,\n  b - 1 AS c\nFROM t\n";
        assert_eq!(
            diff_lines(original, mutated),
            vec![
                DiffLine { sign: '-', line: 3, text: "  b + 1 AS c".into() },
                DiffLine { sign: '+', line: 3, text: "  b - 1 AS c".into() },
            ]
        );
        let joined = "SELECT a\nWHERE x = 1\n  AND y = 2\n";
        let dropped = "SELECT a\nWHERE x = 1\n";
        assert_eq!(diff_lines(joined, dropped), vec![DiffLine { sign: '-', line: 3, text: "  AND y = 2".into() }]);
    }
}
