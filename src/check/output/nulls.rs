//! `nullable: false` and the `not_null` test on the output.

use super::context::Ctx;
use crate::finding::{plural, Code};
use crate::sql::quote_ident as ident;

impl Ctx<'_> {
    /// `nullable: false` and `not_null`: no row has a null in the column.
    pub(super) fn not_null(&mut self, code: Code, path: &str, column: &str, why: &str) {
        let condition = format!("{} IS NULL", ident(column));
        let shown = self.shown(&[column]);
        let what = format!("`{column}` is never null");
        self.check_where(code, path, &what, &condition, &shown, &[], &|n| {
            format!("`{column}` {why} but is null in {}", plural(n, "row"))
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::check::output::test_support::{customers, database, project, run, ALICE};

    #[test]
    fn nulls_break_nullable_not_null_and_the_key() {
        let (project, db) = (project(), database());
        let nobody = "(NULL, NULL, NULL, 'trial', NULL, NULL, NULL, NULL, NULL)";
        let no_stage = "(4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)";
        customers(&db, &[ALICE, nobody, no_stage]);
        let found = run(&db, &project, "stg_customers");
        let mut got: Vec<(&str, &str)> =
            found.iter().map(|f| (f.code.as_str(), f.json_path.as_deref().unwrap_or_default())).collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("CHK002", "models[0].column_mapping[0].nullable"),
                ("CHK002", "models[0].column_mapping[3].nullable"),
                ("CHK003", "models[0].column_mapping[0].tests[0]"),
                ("CHK009", "models[0].constraints.primary_key"),
            ]
        );
        assert!(found.iter().all(|f| f.message.contains("1 row")), "{found:?}");
    }
}
