//! The test-suite lint: shipped tests that cannot fail, found without running anything.
//!
//! - TST003: a test that reads no table (`SELECT 1`, `ASSERT TRUE`, `ASSERT 1 = 1`).
//! - TST004: a comment that holds an assertion (its text parses as an `ASSERT`, or as a query
//!   reading a model).
//! - TST005: a fixture that none of the file's tests reads, directly or through the models they
//!   read (upstream included; a model the file fills itself does not pass its inputs on).
//! - TST006: a test that reads source tables only.
//! - TST007: a test that reads tables, none of them a model, a source or the header's CTE.

use super::read::{reads_of, resolve, StatementKind, Suite, TableTarget, TestFile};
use crate::finding::{sort_findings, Code, Finding};
use crate::project::layout::Project;
use crate::spec::catalog::Catalog;
use crate::spec::model::Spec;
use crate::spec::resolve::context::{target_of, Target};
use crate::spec::resolve::graph::dependencies;
use crate::sql::parse::parse_statements;
use sqlparser::ast::Statement;

/// Lints every file of `suite`; the findings are sorted.
pub fn lint_suite(project: &Project, suite: &Suite) -> Vec<Finding> {
    let deps = dependencies(&project.spec.spec, &project.catalog);
    let mut findings: Vec<Finding> = suite.files.iter().flat_map(|file| lint_file(project, &deps, file)).collect();
    sort_findings(&mut findings);
    findings
}

/// The lint findings of one file.
pub fn lint_file(project: &Project, deps: &[Vec<usize>], file: &TestFile) -> Vec<Finding> {
    let spec = &project.spec.spec;
    let catalog = &project.catalog;
    let mut findings = Vec::new();
    let mut all_reads: Vec<TableTarget> = Vec::new();
    for test in file.tests() {
        let reads: Vec<TableTarget> =
            test_reads(&test.kind).iter().map(|parts| resolve(spec, catalog, file.cte.as_ref(), parts)).collect();
        let named = test.title().map(|t| format!(" (`{t}`)")).unwrap_or_default();
        let finding =
            if reads.is_empty() {
                Some(Finding::new(
                Code::TestCannotFail,
                format!("this test{named} reads no table: its outcome is fixed whatever the code does"),
            )
            .help("check a model's output, e.g. `ASSERT (SELECT COUNT(*) FROM <schema>.<model> WHERE …) = 0 AS '…'`"))
            } else if reads.iter().any(|r| matches!(r, TableTarget::Model(_) | TableTarget::Cte)) {
                None
            } else if reads.iter().any(|r| matches!(r, TableTarget::Source(_))) {
                Some(
                    Finding::new(
                        Code::TestReadsOnlySources,
                        format!("this test{named} reads source tables only ({}), not a model's output", names(&reads)),
                    )
                    .help("read the model that transforms these sources; fill the sources with fixtures"),
                )
            } else {
                Some(Finding::new(
                    Code::TestReadsNoModel,
                    format!("this test{named} reads no model, source or CTE of a model: only {}", names(&reads)),
                ))
            };
        findings.extend(finding.map(|f| f.at(test.location.clone())));
        all_reads.extend(reads);
    }
    findings.extend(commented_out(spec, catalog, file));
    findings.extend(unread_fixtures(spec, catalog, deps, file, &all_reads));
    findings
}

/// The tables a test statement reads, as written.
pub fn test_reads(kind: &StatementKind) -> Vec<Vec<String>> {
    match kind {
        StatementKind::Assert { condition, .. } => reads_of(condition.as_ref()),
        StatementKind::Singular(query) => reads_of(query.as_ref()),
        StatementKind::Fixture { query, .. } => reads_of(query.as_ref()),
        StatementKind::Other(statement) => reads_of(statement.as_ref()),
    }
}

fn names(reads: &[TableTarget]) -> String {
    let mut names: Vec<String> = reads
        .iter()
        .map(|r| match r {
            TableTarget::Source(key) => format!("`{key}`"),
            TableTarget::Other(name) => format!("`{name}`"),
            TableTarget::Model(_) | TableTarget::Cte => String::new(),
        })
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names.join(", ")
}

/// TST004: comments whose text, from some line on, parses as an ASSERT or a query that reads
/// a model.
fn commented_out(spec: &Spec, catalog: &Catalog, file: &TestFile) -> Vec<Finding> {
    let mut findings = Vec::new();
    for comment in &file.comments {
        if file.cte.as_ref().is_some_and(|c| c.location == comment.location) {
            continue;
        }
        let lines: Vec<&str> = comment.text.lines().collect();
        let mut start = 0;
        'starts: while start < lines.len() {
            let first = lines[start].trim_start();
            let word: String = first.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
            if !["ASSERT", "SELECT", "WITH"].iter().any(|w| word.eq_ignore_ascii_case(w)) {
                start += 1;
                continue;
            }
            // The longest run of lines from here that parses is the commented-out statement.
            for end in (start + 1..=lines.len()).rev() {
                let text = lines[start..end].join("\n");
                let Ok(statements) = parse_statements(&text, file.dialect) else { continue };
                let [statement] = statements.as_slice() else { continue };
                let what = match statement {
                    Statement::Assert { .. } => "an ASSERT",
                    Statement::Query(query) => {
                        let reads_model = reads_of(query.as_ref()).iter().any(|parts| {
                            matches!(
                                resolve(spec, catalog, file.cte.as_ref(), parts),
                                TableTarget::Model(_) | TableTarget::Cte
                            )
                        });
                        if !reads_model {
                            continue;
                        }
                        "a test query on a model"
                    }
                    _ => continue,
                };
                let mut at = comment.location.clone();
                if start > 0 {
                    at.line += start;
                }
                findings.push(
                    Finding::new(Code::AssertionCommentedOut, format!("this comment holds {what} that never runs"))
                        .at(at)
                        .help("run it (remove the comment markers), or delete it if it no longer holds"),
                );
                start = end;
                continue 'starts;
            }
            start += 1;
        }
    }
    findings
}

/// TST005: fixtures no test of the file reads.
fn unread_fixtures(
    spec: &Spec,
    catalog: &Catalog,
    deps: &[Vec<usize>],
    file: &TestFile,
    reads: &[TableTarget],
) -> Vec<Finding> {
    let fixtures: Vec<(&Vec<String>, &crate::finding::Location)> = file
        .statements
        .iter()
        .filter_map(|s| match &s.kind {
            StatementKind::Fixture { name, .. } => Some((name, &s.location)),
            _ => None,
        })
        .collect();
    if fixtures.is_empty() {
        return Vec::new();
    }
    let targets: Vec<TableTarget> = fixtures.iter().map(|(name, _)| resolve(spec, catalog, None, name)).collect();
    let given: Vec<usize> =
        targets.iter().filter_map(|t| if let TableTarget::Model(i) = t { Some(*i) } else { None }).collect();
    let mut models: Vec<usize> =
        reads.iter().filter_map(|t| if let TableTarget::Model(i) = t { Some(*i) } else { None }).collect();
    if let Some(cte) = &file.cte {
        if reads.contains(&TableTarget::Cte) {
            models.extend(spec.model_index(&cte.model));
        }
    }
    // Upstream of what the tests read, stopping at models the file fills itself: their code
    // does not run, so their inputs reach nothing.
    let mut i = 0;
    while i < models.len() {
        let m = models[i];
        if !given.contains(&m) {
            for &d in &deps[m] {
                if !models.contains(&d) {
                    models.push(d);
                }
            }
        }
        i += 1;
    }
    let mut sources: Vec<String> =
        reads.iter().filter_map(|t| if let TableTarget::Source(k) = t { Some(k.clone()) } else { None }).collect();
    for &m in models.iter().filter(|m| !given.contains(m)) {
        for entry in &spec.models[m].sources {
            if let Target::Table(key) = target_of(spec, catalog, entry) {
                sources.push(key);
            }
        }
    }
    let mut findings = Vec::new();
    for ((name, at), target) in fixtures.iter().zip(&targets) {
        let read = match target {
            TableTarget::Source(key) => sources.contains(key),
            TableTarget::Model(i) => models.contains(i),
            TableTarget::Cte | TableTarget::Other(_) => {
                let written = name.join(".");
                reads.iter().any(|r| matches!(r, TableTarget::Other(n) if n.eq_ignore_ascii_case(&written)))
            }
        };
        if !read {
            findings.push(
                Finding::new(
                    Code::FixtureNotRead,
                    format!(
                        "the fixture for `{}` is read by no test of this file, neither directly nor through a model the tests read",
                        name.join(".")
                    ),
                )
                .at((*at).clone())
                .help("make a test read the model this input feeds, or remove the fixture"),
            );
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::code::ProjectTables;
    use crate::spec::model::Dialect;
    use crate::suite::read::analyse_test_file;
    use crate::test_support::crate_root;

    fn lint(text: &str) -> Vec<(String, usize)> {
        let dir = crate_root().join("specs/customer360");
        let overrides = crate::project::layout::Overrides {
            spec: Some(dir.join("spec.corrected.json")),
            dialect: Some(Dialect::Bigquery),
            ..Default::default()
        };
        let project = crate::project::layout::load_project(&dir, &overrides).expect("example loads");
        let tables = ProjectTables::new(&project.spec.spec, &project.catalog);
        let file = analyse_test_file("tests/t.sql", text, &project, &tables);
        assert!(file.findings.is_empty(), "{:?}", file.findings);
        let suite = Suite { files: vec![file] };
        lint_suite(&project, &suite)
            .into_iter()
            .map(|f| (f.code.as_str().to_string(), f.location.map_or(0, |l| l.line)))
            .collect()
    }

    fn codes(found: &[(String, usize)]) -> Vec<&str> {
        found.iter().map(|(c, _)| c.as_str()).collect()
    }

    #[test]
    fn good_tests_draw_nothing() {
        let text = "-- cte: stg_customers.customers\n\
             CREATE TEMP TABLE raw.crm_customers AS (SELECT 1 AS customer_id);\n\
             CREATE TEMP TABLE raw.fx_rates AS (SELECT 'USD' AS currency, 1.0 AS rate_to_usd);\n\
             -- the order, in dollars\n\
             ASSERT (SELECT COUNT(*) FROM customers) = 1 AS 'one';\n\
             ASSERT NOT EXISTS (SELECT 1 FROM analytics.fact_customer_orders WHERE order_count < 1) AS 'x';\n\
             WITH x AS (SELECT * FROM temp.stg_customers) SELECT * FROM x WHERE customer_id IS NULL;\n";
        assert_eq!(lint(text), []);
    }

    #[test]
    fn constant_tests_cannot_fail() {
        let found = lint("SELECT 1;\nASSERT TRUE AS 'always';\nASSERT (1 = 1);\nWITH a AS (SELECT 1 AS x) SELECT * FROM a WHERE x = 2");
        assert_eq!(found, [("TST003".into(), 1), ("TST003".into(), 2), ("TST003".into(), 3), ("TST003".into(), 4)]);
    }

    #[test]
    fn commented_out_assertions_are_found() {
        let text = "ASSERT (SELECT COUNT(*) FROM temp.stg_customers) > 0 AS 'rows';\n\
             -- ASSERT (SELECT COUNT(*) FROM temp.stg_customers WHERE email IS NULL) = 0\n\
             --   AS 'emails';\n\
             -- The next check was too slow:\n\
             -- SELECT * FROM analytics.fact_customer_orders\n\
             -- WHERE order_count < 0\n\
             /* select the customers from the raw table */\n\
             -- select what matters\n";
        assert_eq!(lint(text), [("TST004".into(), 2), ("TST004".into(), 5)]);
    }

    #[test]
    fn fixtures_must_reach_a_test() {
        let text = "CREATE TEMP TABLE raw.support_tickets AS (SELECT 1 AS ticket_id);\n\
             CREATE TEMP TABLE raw.crm_customers AS (SELECT 1 AS customer_id);\n\
             CREATE TEMP TABLE temp.stg_orders AS (SELECT 1 AS customer_id);\n\
             CREATE TEMP TABLE raw.commerce_orders AS (SELECT 1 AS order_id);\n\
             CREATE TEMP TABLE expected AS (SELECT 1 AS n);\n\
             ASSERT (SELECT COUNT(*) FROM temp.stg_customers) = 1 AS 'x';\n";
        // Tickets feed only the support pivot; orders feed stg_orders, which the file fills
        // itself; nothing reads `expected`. Customers reach stg_customers.
        assert_eq!(codes(&lint(text)), ["TST005", "TST005", "TST005", "TST005"],);
        let found = lint(text);
        let lines: Vec<usize> = found.iter().map(|(_, l)| *l).collect();
        assert_eq!(lines, [1, 3, 4, 5]);
        let text = "CREATE TEMP TABLE temp.stg_orders AS (SELECT 1 AS customer_id);\n\
             CREATE TEMP TABLE raw.support_tickets AS (SELECT 1 AS ticket_id);\n\
             SELECT * FROM analytics.fact_customer_orders WHERE order_count <> 1;\n";
        assert_eq!(lint(text), []);
    }

    #[test]
    fn tests_must_read_a_model() {
        let text = "ASSERT (SELECT COUNT(*) FROM raw.crm_customers) > 0 AS 'has input';\n\
             SELECT * FROM expected;\n\
             SELECT * FROM raw.crm_customers JOIN temp.stg_customers USING (customer_id);\n";
        assert_eq!(lint(text), [("TST006".into(), 1), ("TST007".into(), 2)]);
    }
}
