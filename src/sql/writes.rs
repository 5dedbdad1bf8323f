//! What a statement writes: the relations (or schemas) an `INSERT`, `UPDATE`, `DELETE`,
//! `MERGE`, `TRUNCATE`, `ALTER`, `DROP`, `CREATE`, `RENAME` or `COPY … FROM` changes. Every
//! statement specproof runs is a parsed one, so reading this off the tree before running is
//! enough to keep code under test away from tables that are not its own.

use sqlparser::ast::{
    CopySource, CreateTable, CreateView, Delete, FromTable, Insert, Merge, ObjectName, ObjectNamePart, ObjectType,
    SchemaName, Spanned, Statement, TableFactor, TableObject, TableWithJoins, Truncate, Update,
};

/// One thing a statement writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// The statement, as a person would name it: `UPDATE`, `DROP SCHEMA`, `CREATE TABLE`, …
    pub verb: String,
    /// The name written, split into its parts (a BigQuery `` `a.b` `` is two parts).
    pub name: Vec<String>,
    /// The name is a schema (or database), not a relation.
    pub schema: bool,
    /// A `CREATE TEMP TABLE` / `CREATE TEMP VIEW`: a table of the connection's own, which no
    /// loaded table can be.
    pub creates_temporary: bool,
    /// 1-based line of the statement's start in the parsed text (0 when the parser kept none).
    pub line: u64,
    /// 1-based column of the statement's start.
    pub column: u64,
}

impl Write {
    /// The name as written, parts joined by dots.
    pub fn display_name(&self) -> String {
        self.name.join(".")
    }
}

/// The parts of an object name; a quoted part holding dots (BigQuery's `` `schema.table` ``) is
/// split at them.
pub fn name_parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .flat_map(|part| match part {
            ObjectNamePart::Identifier(ident) => ident.value.split('.').map(str::to_string).collect::<Vec<_>>(),
            ObjectNamePart::Function(f) => vec![f.to_string()],
        })
        .collect()
}

/// Everything `statement` writes; empty for a query, `SET`, `DECLARE` and the like.
pub fn writes(statement: &Statement) -> Vec<Write> {
    let start = statement.span().start;
    // Some statements (`DROP`) keep no span of their own: their name's is the next best place.
    let write = |verb: &str, name: &ObjectName, schema: bool, creates_temporary: bool| {
        let at = if start.line > 0 { start } else { name.span().start };
        Write {
            verb: verb.to_string(),
            name: name_parts(name),
            schema,
            creates_temporary,
            line: at.line,
            column: at.column,
        }
    };
    let unnamed = |verb: &str, what: String| Write {
        verb: verb.to_string(),
        name: vec![what],
        schema: false,
        creates_temporary: false,
        line: start.line,
        column: start.column,
    };
    let relation = |verb: &str, name: &ObjectName| write(verb, name, false, false);
    match statement {
        Statement::Insert(Insert { table, .. }) => match table {
            TableObject::TableName(name) => vec![relation("INSERT", name)],
            other => vec![unnamed("INSERT", other.to_string())],
        },
        Statement::Update(Update { table, .. }) => factor_names(table).map(|n| relation("UPDATE", n)).collect(),
        Statement::Delete(Delete { tables, from, .. }) => {
            if !tables.is_empty() {
                return tables.iter().map(|n| relation("DELETE", n)).collect();
            }
            let from = match from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            from.first().map_or_else(Vec::new, |t| factor_names(t).map(|n| relation("DELETE", n)).collect())
        }
        Statement::Merge(Merge { table, .. }) => match table {
            TableFactor::Table { name, .. } => vec![relation("MERGE", name)],
            other => vec![unnamed("MERGE", other.to_string())],
        },
        Statement::Truncate(Truncate { table_names, .. }) => {
            table_names.iter().map(|t| relation("TRUNCATE", &t.name)).collect()
        }
        Statement::AlterTable(alter) => vec![relation("ALTER TABLE", &alter.name)],
        Statement::AlterView { name, .. } => vec![relation("ALTER VIEW", name)],
        Statement::RenameTable(renames) => renames
            .iter()
            .flat_map(|r| [relation("RENAME TABLE", &r.old_name), relation("RENAME TABLE", &r.new_name)])
            .collect(),
        Statement::Drop { object_type, names, .. } => {
            let schema = matches!(object_type, ObjectType::Schema | ObjectType::Database);
            let verb = format!("DROP {object_type}");
            names.iter().map(|n| write(&verb, n, schema, false)).collect()
        }
        Statement::CreateTable(CreateTable { name, temporary, .. }) => {
            vec![write("CREATE TABLE", name, false, *temporary)]
        }
        Statement::CreateView(CreateView { name, temporary, .. }) => {
            vec![write("CREATE VIEW", name, false, *temporary)]
        }
        Statement::CreateIndex(index) => vec![relation("CREATE INDEX ON", &index.table_name)],
        // `CREATE OR REPLACE SCHEMA` empties a schema that exists; `CREATE SCHEMA [IF NOT
        // EXISTS]` changes nothing that is there.
        Statement::CreateSchema { schema_name, or_replace: true, .. } => match schema_name {
            SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _) => {
                vec![write("CREATE OR REPLACE SCHEMA", n, true, false)]
            }
            SchemaName::UnnamedAuthorization(i) => {
                let mut w = unnamed("CREATE OR REPLACE SCHEMA", i.value.clone());
                w.schema = true;
                vec![w]
            }
        },
        Statement::Copy { source: CopySource::Table { table_name, .. }, to: false, .. } => {
            vec![relation("COPY … FROM", table_name)]
        }
        _ => Vec::new(),
    }
}

/// The name of the table a DML statement's target factor names (none for a subquery target).
fn factor_names(table: &TableWithJoins) -> impl Iterator<Item = &ObjectName> {
    match &table.relation {
        TableFactor::Table { name, .. } => Some(name),
        _ => None,
    }
    .into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::dialect::Dialect;
    use crate::sql::parse::parse_statements;

    fn all(sql: &str, dialect: Dialect) -> Vec<(String, String, bool, bool)> {
        let statements = parse_statements(sql, dialect).expect("parses");
        statements
            .iter()
            .flat_map(writes)
            .map(|w| (w.verb.clone(), w.display_name(), w.schema, w.creates_temporary))
            .collect()
    }

    #[test]
    fn every_kind_of_write_names_what_it_writes() {
        let sql =
            "UPDATE raw.src SET a = 1 WHERE TRUE; INSERT INTO `temp.m` SELECT 1; DELETE FROM raw.src WHERE a = 1; \
                   MERGE INTO raw.src t USING temp.m s ON t.a = s.a WHEN MATCHED THEN DELETE; \
                   TRUNCATE TABLE raw.src; DROP SCHEMA analytics CASCADE; DROP TABLE IF EXISTS raw.src; \
                   CREATE TEMP TABLE scratch AS SELECT 1 AS a; CREATE OR REPLACE TABLE `temp.m` AS SELECT 1 AS a; \
                   ALTER TABLE raw.src ADD COLUMN b INT64";
        let found = all(sql, Dialect::Bigquery);
        let expect =
            |verb: &str, name: &str, schema: bool, temp: bool| (verb.to_string(), name.to_string(), schema, temp);
        assert_eq!(
            found,
            vec![
                expect("UPDATE", "raw.src", false, false),
                expect("INSERT", "temp.m", false, false),
                expect("DELETE", "raw.src", false, false),
                expect("MERGE", "raw.src", false, false),
                expect("TRUNCATE", "raw.src", false, false),
                expect("DROP SCHEMA", "analytics", true, false),
                expect("DROP TABLE", "raw.src", false, false),
                expect("CREATE TABLE", "scratch", false, true),
                expect("CREATE TABLE", "temp.m", false, false),
                expect("ALTER TABLE", "raw.src", false, false),
            ]
        );
    }

    #[test]
    fn reads_and_harmless_statements_write_nothing() {
        let sql = "SELECT * FROM raw.src; CREATE SCHEMA IF NOT EXISTS staging; SET x = 1";
        assert!(all(sql, Dialect::Duckdb).is_empty());
    }

    #[test]
    fn the_statement_start_is_kept() {
        let statements =
            parse_statements("SELECT 1;\n  UPDATE raw.src SET a = 1;\nDROP SCHEMA x", Dialect::Duckdb).expect("parses");
        let w = writes(&statements[1]);
        assert_eq!((w[0].line, w[0].column), (2, 3));
        let w = writes(&statements[2]);
        assert_eq!((w[0].line, w[0].column), (3, 13), "a DROP keeps no span: its name's");
    }
}
