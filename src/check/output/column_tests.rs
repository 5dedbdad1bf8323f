//! The tests the spec names on a column (spec-format.md, "Tests named in the spec"), each run on
//! the output.

use super::context::{Ctx, HELPER};
use super::declared::DeclaredColumn;
use crate::finding::{plural, Code};
use crate::spec::named_tests::SpecTest;
use crate::sql::bridge::{expr_to_duckdb, BridgeOptions};
use crate::sql::expr::{case_literals, column_refs, literal_text};
use crate::sql::parse::parse_expression;
use crate::sql::quote_ident as ident;
use sqlparser::ast::Expr;

impl Ctx<'_> {
    /// Runs one test the spec names on `column`: `text`, parsed as `test`, written at `path`.
    pub(super) fn run_test(
        &mut self,
        declared: &DeclaredColumn<'_>,
        column: &str,
        path: &str,
        text: &str,
        test: SpecTest,
        relation_of: &dyn Fn(&str) -> Option<String>,
    ) {
        let q = ident(column);
        let from = self.from();
        let test_text = text.trim();
        match test {
            SpecTest::NotNull => self.not_null(Code::TestNotNullFailed, path, column, "is tested `not_null`"),
            SpecTest::Unique => {
                // No row fails exactly when no non-null value is there twice.
                if self.holds(&format!("count({q}) - count(DISTINCT {q})")) {
                    return;
                }
                let h = ident(HELPER);
                let rows = format!(
                    "SELECT * EXCLUDE ({h}) FROM (SELECT *, count(*) OVER (PARTITION BY {q}) AS {h} FROM {from}) \
                     WHERE {q} IS NOT NULL AND {h} > 1"
                );
                let values = self
                    .conn
                    .query_row(&format!("SELECT count(DISTINCT {q}) FROM ({rows})"), [], |row| row.get::<_, i64>(0))
                    .unwrap_or(0);
                // All columns: how duplicates differ shows where they came from (a join fanning out).
                let all = self.all_columns();
                self.check(
                    Code::TestUniqueFailed,
                    path,
                    &format!("`{column}` is unique"),
                    &rows,
                    &all,
                    &[column.into()],
                    &|n| {
                        format!(
                            "`{column}` is tested `unique` but {} share {}",
                            plural(n, "row"),
                            plural(values as u64, "value")
                        )
                    },
                );
            }
            SpecTest::AcceptedValues(list) => {
                let values = match list {
                    Some(values) => values,
                    None => match declared.expr.as_deref().and_then(|e| self.case_values(e)) {
                        Some(values) => values,
                        // SPEC009: nothing to infer the list from.
                        None => return,
                    },
                };
                let mut listed = Vec::new();
                for mut value in values {
                    // NULL in the list would make `NOT IN` unknown for every row; nulls pass anyway.
                    if matches!(literal_text(&value), Some(None)) {
                        continue;
                    }
                    match self.translate(&mut value) {
                        Some(sql) => listed.push(sql),
                        None => return self.untranslatable(path, test_text),
                    }
                }
                let list = listed.join(", ");
                let condition = if listed.is_empty() {
                    format!("{q} IS NOT NULL")
                } else {
                    format!("{q} IS NOT NULL AND {q} NOT IN ({list})")
                };
                let shown = self.shown(&[column]);
                let what = format!("`{column}` holds only accepted values");
                let order = [column.into()];
                self.check_where(Code::TestAcceptedValuesFailed, path, &what, &condition, &shown, &order, &|n| {
                    format!("`{column}` holds a value outside its accepted values ({list}) in {}", plural(n, "row"))
                });
            }
            SpecTest::Relationships { target, column: target_column } => {
                let Some(parent) = relation_of(&target) else { return };
                let child = ident(self.table.model);
                let p = ident(&format!("{HELPER}_parent"));
                // A condition on the row like the other tests', so the table's one scan counts it
                // too: on a table that keeps it, no statement of its own (DuckDB's planning of a
                // statement, not the anti-join on a few hundred rows, was its cost).
                let condition = format!(
                    "{child}.{q} IS NOT NULL AND NOT EXISTS \
                     (SELECT 1 FROM {parent} AS {p} WHERE {p}.{tq} = {child}.{q})",
                    tq = ident(&target_column)
                );
                let shown = self.shown(&[column]);
                let what = format!("every `{column}` appears in `{target}.{target_column}`");
                let order = [column.into()];
                self.check_where(Code::TestRelationshipsFailed, path, &what, &condition, &shown, &order, &|n| {
                    format!("`{column}` holds a value missing from `{target}.{target_column}` in {}", plural(n, "row"))
                });
            }
            SpecTest::AcceptedRange { min, max } => {
                let mut outside = Vec::new();
                let mut bounds = Vec::new();
                for (bound, op) in [(min, "<"), (max, ">")] {
                    let Some(mut bound) = bound else { continue };
                    let Some(sql) = self.translate(&mut bound) else { return self.untranslatable(path, test_text) };
                    outside.push(format!("{q} {op} ({sql})"));
                    bounds.push(if op == "<" { format!("at least {sql}") } else { format!("at most {sql}") });
                }
                let condition = format!("{q} IS NOT NULL AND ({})", outside.join(" OR "));
                let shown = self.shown(&[column]);
                let bounds = bounds.join(" and ");
                let what = format!("`{column}` is {bounds}");
                let order = [column.into()];
                self.check_where(Code::TestRangeFailed, path, &what, &condition, &shown, &order, &|n| {
                    format!("`{column}` must be {bounds} but is not in {}", plural(n, "row"))
                });
            }
            SpecTest::Expression(mut expr) => {
                let reads: Vec<String> = column_refs(&expr).into_iter().map(|r| r.column).collect();
                let Some(sql) = self.translate(&mut expr) else { return self.untranslatable(path, test_text) };
                // NULL is not true: a row where the expression is unknown fails it.
                let condition = format!("NOT coalesce(({sql}), false)");
                let mut read: Vec<&str> = vec![column];
                read.extend(reads.iter().map(String::as_str));
                let shown = self.shown(&read);
                let what = format!("`{test_text}` holds");
                self.check_where(Code::TestExpressionFailed, path, &what, &condition, &shown, &[], &|n| {
                    format!("`{test_text}` on `{column}` is not true for {}", plural(n, "row"))
                });
            }
        }
    }

    /// The CASE literals an expression can produce, as expressions, when it is such a CASE.
    fn case_values(&self, expr: &str) -> Option<Vec<Expr>> {
        let expr = parse_expression(expr, self.dialect()).ok()?;
        // `case_literals` decides whether the list is known, the same way the lint does.
        case_literals(&expr)?;
        let mut case = &expr;
        while let Expr::Nested(inner) = case {
            case = inner;
        }
        let Expr::Case { conditions, else_result, .. } = case else { return None };
        let mut values: Vec<Expr> = Vec::new();
        for result in conditions.iter().map(|c| &c.result).chain(else_result.as_deref()) {
            if !values.contains(result) {
                values.push(result.clone());
            }
        }
        Some(values)
    }

    /// A spec expression translated to DuckDB, or `None` where the bridge cannot keep its meaning.
    fn translate(&self, expr: &mut Expr) -> Option<String> {
        let options = BridgeOptions { from: self.dialect(), catalog: self.table.catalog.clone() };
        expr_to_duckdb(expr, &options).is_empty().then(|| expr.to_string())
    }

    /// A test whose SQL the dialect bridge cannot carry to DuckDB is a fault of the spec's
    /// expression, not of the output; it is reported as such so the check is not silently lost.
    fn untranslatable(&mut self, path: &str, test: &str) {
        let message = format!("the test `{test}` cannot be checked: it has no faithful DuckDB translation");
        let help = "write the test with functions BigQuery and DuckDB share".to_string();
        self.report(Code::InvalidExpression, path, message, Some(help));
    }
}

#[cfg(test)]
mod tests {
    use crate::check::output::test_support::{
        codes, customers, database, index, project, run, ALICE, BOB, CAROL, CUSTOMERS,
    };
    use crate::finding::{Code, Finding};
    use crate::project::layout::Project;

    #[test]
    fn a_value_outside_the_case_is_one_finding_with_its_rows() {
        let (project, db) = (project(), database());
        let dave = "(4, NULL, NULL, 'inactive', NULL, NULL, NULL, NULL, NULL)";
        let erin = "(5, NULL, NULL, 'inactive', NULL, NULL, NULL, NULL, NULL)";
        customers(&db, &[ALICE, BOB, CAROL, dave, erin]);
        let found = run(&db, &project, "stg_customers");
        assert_eq!(codes(&found), ["CHK005"]);
        let f = &found[0];
        assert!(f.message.contains("2 rows") && f.message.contains("'churned'"), "{}", f.message);
        assert_eq!(f.json_path.as_deref(), Some("models[0].column_mapping[3].tests[0]"));
        assert_eq!(f.model.as_deref(), Some("stg_customers"));
        assert!(f.location.as_ref().is_some_and(|l| l.line > 1), "{f:?}");
        let help = f.help.as_deref().unwrap_or_default();
        assert!(help.contains("customer_id | lifecycle_stage"), "{help}");
        assert!(help.contains("4           | inactive\n    5           | inactive"), "{help}");
    }

    /// The example with extra tests on stg_orders' columns.
    fn with_tests(tests: &[(usize, &str)]) -> Project {
        let mut project = project();
        let orders = index(&project, "stg_orders");
        for (column, test) in tests {
            project.spec.spec.models[orders].column_mapping[*column].tests.push(test.to_string());
        }
        project
    }

    const ORDERS: &str = "CREATE TABLE memory.temp.stg_orders (order_id BIGINT, customer_id BIGINT, \
        order_ts TIMESTAMP, amount_usd DECIMAL(38,9), items HUGEINT, refund_usd DECIMAL(38,9));
        INSERT INTO memory.temp.stg_orders VALUES
        (10, 1, TIMESTAMP '2024-01-01', 20, 2, NULL),
        (11, 2, TIMESTAMP '2024-01-02', 5, 1, 6),
        (12, 9, NULL, NULL, -1, NULL),
        (13, 8, NULL, 7, 0, 0);";

    #[test]
    fn relationships_ranges_and_expressions() {
        let project = with_tests(&[
            (1, "relationships(stg_customers.customer_id)"),
            (4, "accepted_range(0, )"),
            (4, "accepted_range(, 1)"),
            (5, "expression(IFNULL(refund_usd, 0) <= amount_usd)"),
        ]);
        let db = database();
        customers(&db, &[ALICE, BOB, CAROL]);
        db.execute_batch(ORDERS).unwrap();
        let found = run(&db, &project, "stg_orders");
        let got: Vec<(&str, &str)> =
            found.iter().map(|f| (f.code.as_str(), f.json_path.as_deref().unwrap_or_default())).collect();
        assert_eq!(
            got,
            [
                ("CHK006", "models[1].column_mapping[1].tests[0]"),
                ("CHK007", "models[1].column_mapping[4].tests[0]"),
                ("CHK007", "models[1].column_mapping[4].tests[1]"),
                ("CHK008", "models[1].column_mapping[5].tests[0]"),
            ]
        );
        // Customers 8 and 9 are missing from stg_customers.
        assert!(found[0].message.contains("2 rows"), "{}", found[0].message);
        assert!(found[0].help.as_deref().unwrap_or_default().contains("12       | 9"), "{:?}", found[0].help);
        assert!(found[1].message.contains("at least 0") && found[1].message.contains("1 row"), "{}", found[1].message);
        assert!(found[2].message.contains("at most 1") && found[2].message.contains("1 row"), "{}", found[2].message);
        // Order 11 refunds more than it cost; order 12 has no amount, so the expression is
        // NULL, which is not true.
        assert!(found[3].message.contains("2 rows"), "{}", found[3].message);
        let help = found[3].help.as_deref().unwrap_or_default();
        assert!(help.contains("order_id | refund_usd  | amount_usd"), "{help}");
        assert!(help.contains("12       | NULL        | NULL"), "{help}");
    }

    /// A relationships test is a condition on the row, so the table's one scan counts it: where
    /// every value has its parent the scan settles it without a query of its own, and where
    /// some have none the scan counts their rows and the test reports them.
    #[test]
    fn a_relationships_test_is_counted_by_the_tables_one_scan() {
        use crate::check::output::context::Ctx;
        use crate::check::output::declared::declared_columns;
        use crate::check::output::driver::every_check;
        use crate::check::output::table::describe;
        use crate::check::output::test_support::{output_table, relation};

        let project = with_tests(&[(1, "relationships(stg_customers.customer_id)")]);
        let mi = index(&project, "stg_orders");
        let relation_of = |name: &str| project.spec.spec.models.iter().any(|m| m.name == name).then(|| relation(name));
        // (the scan's count for the test, the codes found)
        let checked = |orders: &str| {
            let db = database();
            customers(&db, &[ALICE, BOB, CAROL]);
            db.execute_batch(orders).unwrap();
            let table = output_table("stg_orders");
            let columns = describe(&db, &table.relation).unwrap();
            let declared = declared_columns(&project.spec, &project.catalog, mi);
            let mut ctx = Ctx::new(&db, &project.spec, &project.spec.spec.models[mi], &table, columns);
            let checks = |ctx: &mut Ctx<'_>| every_check(ctx, &declared, &project.spec, mi, &relation_of);
            let probes = ctx.collect(&checks);
            let at = probes.iter().position(|p| p.contains("NOT EXISTS")).expect("the test has a probe");
            let counts = ctx.scan(&probes).expect("the scan runs");
            let count = counts[at];
            ctx.finish(probes, Some(counts), &checks);
            let found: Vec<&str> = codes(&ctx.findings).into_iter().filter(|c| *c == "CHK006").collect();
            (count, found)
        };
        // Customers 8 and 9 are missing from stg_customers.
        assert_eq!(checked(ORDERS), (Some(2), vec!["CHK006"]));
        let kept = ORDERS.replace("(12, 9,", "(12, 1,").replace("(13, 8,", "(13, NULL,");
        assert_eq!(checked(&kept), (Some(0), vec![]));
    }

    #[test]
    fn listed_values_are_bigquery_literals_and_nulls_pass() {
        let mut project = project();
        let stage = &mut project.spec.spec.models[0].column_mapping[3];
        stage.tests = vec![r#"accepted_values("active", 'churned', NULL)"#.into()];
        let db = database();
        customers(&db, &[ALICE, BOB]);
        assert_eq!(run(&db, &project, "stg_customers"), []);
        let db = database();
        customers(&db, &[ALICE, BOB, CAROL]);
        let found = run(&db, &project, "stg_customers");
        assert_eq!(codes(&found), ["CHK005"]);
        assert!(found[0].message.contains("('active', 'churned')"), "{}", found[0].message);
    }

    #[test]
    fn odd_column_names_are_quoted() {
        let mut project = project();
        let name = r#"life "cycle" stage"#;
        project.spec.spec.models[0].column_mapping[3].target_column = name.into();
        project.spec.spec.models[0].column_mapping[3].tests.push("unique".into());
        let db = database();
        let table = CUSTOMERS.replace("lifecycle_stage VARCHAR", r#""life ""cycle"" stage" VARCHAR"#);
        let dave = "(4, NULL, NULL, 'inactive', NULL, NULL, NULL, NULL, NULL)";
        let erin = "(5, NULL, NULL, 'inactive', NULL, NULL, NULL, NULL, NULL)";
        db.execute_batch(&format!("{table}; INSERT INTO memory.temp.stg_customers VALUES {ALICE}, {dave}, {erin};"))
            .unwrap();
        let found = run(&db, &project, "stg_customers");
        let mut got = codes(&found);
        got.sort();
        assert_eq!(got, ["CHK004", "CHK005"]);
        assert!(found.iter().all(|f| f.message.contains(name) && f.message.contains("2 rows")), "{found:?}");
    }

    #[test]
    fn a_test_duckdb_cannot_run_is_a_finding_not_a_pass() {
        let project = with_tests(&[(2, "accepted_range(0, 10)")]);
        let db = database();
        db.execute_batch(ORDERS).unwrap();
        db.execute_batch("ALTER TABLE memory.temp.stg_orders ALTER order_ts TYPE VARCHAR").unwrap();
        db.execute_batch("UPDATE memory.temp.stg_orders SET order_ts = 'yesterday' WHERE order_id = 10").unwrap();
        let found = run(&db, &project, "stg_orders");
        let range: Vec<&Finding> = found.iter().filter(|f| f.code == Code::TestRangeFailed).collect();
        assert_eq!(range.len(), 1, "{found:?}");
        assert!(range[0].message.contains("could not check"), "{}", range[0].message);
    }
}
