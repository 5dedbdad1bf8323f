//! `constraints.primary_key` on the output: no key column is null, no two rows share the key.

use super::context::{Ctx, HELPER};
use crate::finding::{plural, Code};
use crate::sql::quote_ident as ident;

impl Ctx<'_> {
    /// `constraints.primary_key`: no key column is null, and no two rows share the key.
    pub(super) fn primary_key(&mut self, mi: usize) {
        let Some(key) = self.key() else { return };
        let path = format!("models[{mi}].constraints.primary_key");
        let h = ident(HELPER);
        let keys = key.iter().map(|k| ident(k)).collect::<Vec<_>>().join(", ");
        let null = key.iter().map(|k| format!("{} IS NULL", ident(k))).collect::<Vec<_>>().join(" OR ");
        // No row fails exactly when no key column is null and no two rows share the key.
        if self.holds(&format!("count(*) FILTER (WHERE {null}) + count(*) - count(DISTINCT ({keys}))")) {
            return;
        }
        let rows = format!(
            "SELECT * EXCLUDE ({h}) FROM (SELECT *, count(*) OVER (PARTITION BY {keys}) AS {h} FROM {}) \
             WHERE {null} OR {h} > 1",
            self.from()
        );
        let (nulls, shared) = self
            .conn
            .query_row(
                &format!("SELECT count(*) FILTER (WHERE {null}), count(*) FILTER (WHERE NOT ({null})) FROM ({rows})"),
                [],
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
            )
            .unwrap_or((0, 0));
        let words = key.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
        let all = self.all_columns();
        self.check(Code::PrimaryKeyFailed, &path, &format!("({words}) is a key"), &rows, &all, &key, &|n| {
            let mut parts = Vec::new();
            if nulls > 0 {
                parts.push(format!(
                    "{} a null key column",
                    if nulls == 1 { "1 row has".into() } else { format!("{nulls} rows have") }
                ));
            }
            if shared > 0 {
                parts.push(format!("{} share a key with another row", plural(shared as u64, "row")));
            }
            if parts.is_empty() {
                // The split could not be counted; the total still says how much is wrong.
                parts.push(format!("{} break it", plural(n, "row")));
            }
            format!("the primary key ({words}) does not hold: {}", parts.join(", and "))
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::check::output::test_support::{codes, customers, database, project, run, ALICE, BOB};

    #[test]
    fn a_duplicate_key_breaks_unique_and_the_primary_key() {
        let (project, db) = (project(), database());
        let alice_again = ALICE.replace("'US'", "'CA'");
        customers(&db, &[ALICE, &alice_again, BOB]);
        let found = run(&db, &project, "stg_customers");
        assert_eq!(codes(&found), ["CHK004", "CHK009"]);
        assert!(found[0].message.contains("2 rows share 1 value"), "{}", found[0].message);
        assert!(found[1].message.contains("2 rows share a key"), "{}", found[1].message);
        // Every column is shown, so the reviewer sees where the duplicates differ.
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(help.contains("CA") && help.contains("US"), "{help}");
    }
}
