//! The output's column types against the spec's, compared as families.

use super::context::Ctx;
use super::declared::DeclaredColumn;
use super::table::TableColumn;
use crate::finding::Code;
use crate::sql::types::canonical_type_name;

/// The type family a type name belongs to, for comparison: the canonical name with the
/// families DuckDB does not tell apart brought together.
fn family(type_name: &str) -> Option<String> {
    let canonical = canonical_type_name(type_name)?;
    // A STRUCT prints its fields in each dialect's own syntax; comparing the text would be a
    // false alarm, and judging field by field is more than this check promises.
    if canonical.contains("STRUCT") {
        return None;
    }
    Some(canonical.replace("BIGNUMERIC", "NUMERIC").replace("DATETIME", "TIMESTAMP"))
}

impl Ctx<'_> {
    /// The column's type in the output against the spec's, compared as families ([`family`]).
    pub(super) fn check_type(&mut self, column: &DeclaredColumn<'_>, actual: &TableColumn) {
        let Some(declared) = column.data_type.as_deref() else { return };
        let (Some(want), Some(got)) = (family(declared), family(&actual.data_type)) else { return };
        let numeric_or_float = |f: &str| f == "NUMERIC" || f == "FLOAT64";
        let undecidable = self.table.translated_from_bigquery && numeric_or_float(&want) && numeric_or_float(&got);
        if want != got && !undecidable {
            let message =
                format!("`{}` is {} in the output; the spec declares {declared}", actual.name, actual.data_type);
            let help = format!("produce a {declared}, e.g. CAST(… AS {declared})");
            self.report(Code::OutputTypeDiffers, &column.type_path, message, Some(help));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check::output::test_support::{codes, database, project, run, ALICE, CUSTOMERS};

    #[test]
    fn types_compare_by_family() {
        let (project, db) = (project(), database());
        let integer = CUSTOMERS.replace("customer_id BIGINT", "customer_id HUGEINT");
        db.execute_batch(&format!("{integer}; INSERT INTO memory.temp.stg_customers VALUES {ALICE};")).unwrap();
        assert_eq!(run(&db, &project, "stg_customers"), []);

        let db = database();
        let dated = CUSTOMERS.replace("created_at TIMESTAMP", "created_at DATE");
        db.execute_batch(&dated).unwrap();
        let found = run(&db, &project, "stg_customers");
        assert_eq!(codes(&found), ["CHK001"]);
        assert_eq!(found[0].json_path.as_deref(), Some("models[0].column_mapping[8].type"));
        assert!(found[0].message.contains("`created_at` is DATE"), "{}", found[0].message);
    }
}
