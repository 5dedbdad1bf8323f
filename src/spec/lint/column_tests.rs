//! The tests a spec names on output columns: known names, well-formed arguments, an
//! `accepted_values` list that exists, and references that resolve.

use crate::finding::Code;
use crate::spec::named_tests::{parse_test, SpecTest, TestError, TEST_NAMES};
use crate::spec::resolve::context::{Lint, Resolved};
use crate::spec::resolve::query::OutputColumn;
use crate::sql::expr::column_refs;
use crate::suggest::did_you_mean;

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

#[cfg(test)]
mod tests {
    use crate::spec::lint::test_support::{codes, column, lint_models, mapping};

    fn with_tests(transform: Option<&str>, tests: &str) -> Vec<crate::finding::Finding> {
        let c = column("s", "customers", "status", transform, &format!(r#", "tests": {tests}"#));
        let id = column("customer_id", "customers", "customer_id", None, "");
        lint_models(&format!("[{}]", mapping("m", r#"["raw.customers"]"#, &format!("[{id}, {c}]"), "[]", "{}")), "")
    }

    #[test]
    fn accepted_values_are_inferred_from_a_case_of_literals() {
        let case = "CASE WHEN {from} = 'a' THEN 'active' ELSE 'other' END";
        assert!(with_tests(Some(case), r#"["accepted_values(...)"]"#).is_empty());
        assert_eq!(codes(&with_tests(Some("LOWER({from})"), r#"["accepted_values"]"#)), ["SPEC009"]);
        assert!(with_tests(Some("LOWER({from})"), r#"["accepted_values('a', 'b')"]"#).is_empty());
    }

    #[test]
    fn unknown_tests_suggest_the_known_one() {
        let findings = with_tests(None, r#"["not_nul"]"#);
        assert_eq!(codes(&findings), ["SPEC012"]);
        assert_eq!(findings[0].help.as_deref(), Some("did you mean `not_null`?"));
        assert_eq!(findings[0].json_path.as_deref(), Some("models[0].column_mapping[1].tests[0]"));
    }

    #[test]
    fn references_of_tests_resolve() {
        assert!(with_tests(None, r#"["relationships(raw.customers.status)"]"#).is_empty());
        assert_eq!(codes(&with_tests(None, r#"["relationships(raw.customers.stat)"]"#)), ["SPEC003"]);
        assert_eq!(codes(&with_tests(None, r#"["relationships(nowhere.x)"]"#)), ["SPEC001"]);
        assert!(with_tests(None, r#"["expression(s <> '' OR customer_id > 0)"]"#).is_empty());
        assert_eq!(codes(&with_tests(None, r#"["expression(status <> '')"]"#)), ["SPEC003"]);
    }
}
