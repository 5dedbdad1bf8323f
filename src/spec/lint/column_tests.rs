//! The tests a spec names on output columns: known names, well-formed arguments, an
//! `accepted_values` list that exists, and references that resolve.

use super::context::{did_you_mean, Lint, Resolved};
use super::query::OutputColumn;
use crate::finding::Code;
use crate::spec::checks::{parse_test, SpecTest, TestError, TEST_NAMES};
use crate::sql::expr::column_refs;

/// Checks the tests of every output column of model `mi`; `outputs` are its output column
/// names (for `expression(...)` tests).
pub fn check_column_tests(lint: &mut Lint<'_>, mi: usize, columns: &[OutputColumn], outputs: &[String]) {
    let model = lint.spec.models[mi].name.clone();
    let dialect = lint.dialect();
    for column in columns {
        for (t, text) in column.tests.iter().enumerate() {
            let path = format!("{}.tests[{t}]", column.path);
            let test = match parse_test(text, dialect) {
                Ok(test) => test,
                Err(TestError::UnknownName(name)) => {
                    let hint = did_you_mean(&name, TEST_NAMES.iter().copied());
                    lint.report(
                        Code::UnknownTest,
                        &model,
                        &path,
                        format!("`{name}` is not a test spec-format.md defines"),
                    )
                    .help = Some(match hint {
                        Some(h) => format!("did you mean `{h}`?"),
                        None => format!("known tests: {}", TEST_NAMES.join(", ")),
                    });
                    continue;
                }
                Err(TestError::BadArguments { message, at }) => {
                    let message = format!("malformed test `{text}`: {message}");
                    match at {
                        Some(at) => lint.report_in(Code::UnknownTest, &model, &path, 1, at, message),
                        None => lint.report(Code::UnknownTest, &model, &path, message),
                    };
                    continue;
                }
            };
            match test {
                SpecTest::AcceptedValues(None) if column.case_values.is_none() => {
                    lint.report(
                        Code::AcceptedValuesNotInferable,
                        &model,
                        &path,
                        format!(
                            "`{}` asks for accepted values without a list, and its expression is not a CASE whose results are all literals",
                            column.name
                        ),
                    )
                    .help = Some("list the values: accepted_values('a', 'b')".into());
                }
                SpecTest::Relationships { target, column: target_column } => match lint.resolve_entry(&target) {
                    Resolved::Relation(relation) => {
                        if relation.column(&target_column).is_none() {
                            let hint = did_you_mean(&target_column, relation.columns.iter().map(|c| c.name.as_str()));
                            lint.report(
                                Code::UnknownColumn,
                                &model,
                                &path,
                                format!("`{target}` has no column `{target_column}`"),
                            )
                            .help = hint.map(|h| format!("did you mean `{h}`?"));
                        }
                    }
                    Resolved::Unavailable => {}
                    Resolved::Unknown => {
                        let known = lint.known_entries();
                        let hint = did_you_mean(&target, known.iter().map(String::as_str));
                        lint.report(
                            Code::UnknownSource,
                            &model,
                            &path,
                            format!("`{target}` is neither a model nor a declared source table"),
                        )
                        .help = hint.map(|h| format!("did you mean `{h}`?"));
                    }
                },
                SpecTest::Expression(expr) => {
                    for r in column_refs(&expr) {
                        let qualified_elsewhere =
                            r.qualifier.as_deref().is_some_and(|q| !q.eq_ignore_ascii_case(&model));
                        if qualified_elsewhere || !outputs.iter().any(|o| o.eq_ignore_ascii_case(&r.column)) {
                            // The expression sits after `expression(`; positions count from the test string.
                            let at = r.column_no + "expression(".len() as u64;
                            let hint = did_you_mean(&r.column, outputs.iter().map(String::as_str));
                            lint.report_in(
                                Code::UnknownColumn,
                                &model,
                                &path,
                                r.line,
                                if r.line == 1 { at } else { r.column_no },
                                format!("`{}` is not an output column of `{model}`; an expression test reads the model's output", r.column),
                            )
                            .help = hint.map(|h| format!("did you mean `{h}`?"));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}
