//! Source DDL: `CREATE TABLE` statements to table declarations.
//!
//! A source promises only what it declares (spec-format.md): NOT NULL columns, primary and
//! unique keys, foreign keys, inline or as table constraints, `NOT ENFORCED` or not.

use super::parse::{parse_statements, SqlError};
use super::types::canonical_of;
use crate::sql::dialect::Dialect;
use sqlparser::ast::{
    ColumnOption, CreateTable, Expr, ObjectName, ObjectNamePart, Spanned, Statement, TableConstraint,
};

/// A table as a DDL statement declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredTable {
    /// `schema.table` (a project prefix, if any, dropped).
    pub name: String,
    /// Columns in declaration order.
    pub columns: Vec<DeclaredColumn>,
    /// Declared keys: the primary key first, then unique keys. Each is a set of column names.
    pub keys: Vec<Vec<String>>,
    /// Declared foreign keys.
    pub foreign_keys: Vec<DeclaredForeignKey>,
    /// 1-based line of the statement.
    pub line: u64,
    /// 1-based column of the statement.
    pub column: u64,
}

/// A column as declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredColumn {
    /// Name.
    pub name: String,
    /// Canonical type family, or `None` when the type is unknown.
    pub data_type: Option<String>,
    /// The type as written.
    pub written_type: String,
    /// False when declared NOT NULL (or part of the primary key).
    pub nullable: bool,
}

/// A declared foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredForeignKey {
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table, `schema.table`.
    pub references: String,
    /// Referenced columns.
    pub referenced_columns: Vec<String>,
}

/// What a DDL file held: its tables, and the statements that were something else.
#[derive(Debug, Clone, Default)]
pub struct DdlFile {
    /// The CREATE TABLE statements.
    pub tables: Vec<DeclaredTable>,
    /// Statements that are not CREATE TABLE: (line, column, first words).
    pub other_statements: Vec<(u64, u64, String)>,
}

/// Parses a DDL file. BigQuery first; text only DuckDB understands is tried as DuckDB, and when
/// neither parses, BigQuery's error is the one reported.
pub fn parse_ddl(sql: &str) -> Result<DdlFile, SqlError> {
    let statements = match parse_statements(sql, Dialect::Bigquery) {
        Ok(statements) => statements,
        Err(bigquery) => parse_statements(sql, Dialect::Duckdb).map_err(|_| bigquery)?,
    };
    let mut file = DdlFile::default();
    for statement in &statements {
        let span = statement.span();
        match statement {
            Statement::CreateTable(create) => {
                file.tables.push(declared_table(create, span.start.line, span.start.column))
            }
            other => {
                let text = other.to_string();
                let head: String = text.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
                file.other_statements.push((span.start.line, span.start.column, head));
            }
        }
    }
    Ok(file)
}

/// `schema.table` of an object name: a backtick name holding dots is split, a project prefix is
/// dropped, so `` `proj.raw.t` ``, `proj.raw.t` and `raw.t` are one table.
pub fn table_name(name: &ObjectName) -> String {
    let parts: Vec<String> = name
        .0
        .iter()
        .flat_map(|part| match part {
            ObjectNamePart::Identifier(ident) => ident.value.split('.').map(str::to_string).collect::<Vec<_>>(),
            ObjectNamePart::Function(f) => vec![f.to_string()],
        })
        .collect();
    let keep = parts.len().saturating_sub(2);
    parts[keep..].join(".")
}

fn declared_table(create: &CreateTable, line: u64, column: u64) -> DeclaredTable {
    let mut columns: Vec<DeclaredColumn> = create
        .columns
        .iter()
        .map(|c| DeclaredColumn {
            name: c.name.value.clone(),
            data_type: canonical_of(&c.data_type),
            written_type: c.data_type.to_string(),
            nullable: true,
        })
        .collect();
    let mut primary = None;
    let mut uniques = Vec::new();
    let mut foreign_keys = Vec::new();
    for (i, def) in create.columns.iter().enumerate() {
        for option in &def.options {
            match &option.option {
                ColumnOption::NotNull => columns[i].nullable = false,
                ColumnOption::PrimaryKey(_) => primary = Some(vec![def.name.value.clone()]),
                ColumnOption::Unique(_) => uniques.push(vec![def.name.value.clone()]),
                ColumnOption::ForeignKey(fk) => foreign_keys.push(DeclaredForeignKey {
                    columns: vec![def.name.value.clone()],
                    references: table_name(&fk.foreign_table),
                    referenced_columns: fk.referred_columns.iter().map(|c| c.value.clone()).collect(),
                }),
                _ => {}
            }
        }
    }
    for constraint in &create.constraints {
        match constraint {
            TableConstraint::PrimaryKey(pk) => {
                primary = Some(pk.columns.iter().filter_map(|c| column_of(&c.column.expr)).collect());
            }
            TableConstraint::Unique(u) => {
                uniques.push(u.columns.iter().filter_map(|c| column_of(&c.column.expr)).collect())
            }
            TableConstraint::ForeignKey(fk) => foreign_keys.push(DeclaredForeignKey {
                columns: fk.columns.iter().map(|c| c.value.clone()).collect(),
                references: table_name(&fk.foreign_table),
                referenced_columns: fk.referred_columns.iter().map(|c| c.value.clone()).collect(),
            }),
            _ => {}
        }
    }
    // A primary key is NOT NULL by definition, declared so or not.
    if let Some(pk) = &primary {
        for c in columns.iter_mut().filter(|c| pk.iter().any(|k| k.eq_ignore_ascii_case(&c.name))) {
            c.nullable = false;
        }
    }
    let keys = primary.into_iter().chain(uniques).filter(|k| !k.is_empty()).collect();
    DeclaredTable { name: table_name(&create.name), columns, keys, foreign_keys, line, column }
}

fn column_of(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(ident) => Some(ident.value.clone()),
        Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigquery_ddl_with_keys() {
        let file = parse_ddl(
            "-- orders\nCREATE TABLE `proj.raw.orders` (\n  order_id INT64 NOT NULL,\n  customer_id INT64,\n  total NUMERIC(10,2),\n  PRIMARY KEY (order_id) NOT ENFORCED,\n  FOREIGN KEY (customer_id) REFERENCES raw.customers(customer_id) NOT ENFORCED\n);",
        )
        .unwrap();
        let t = &file.tables[0];
        assert_eq!(t.name, "raw.orders");
        // Positions point at the table's name.
        assert_eq!((t.line, t.column), (2, 14));
        assert_eq!(t.keys, vec![vec!["order_id".to_string()]]);
        assert_eq!(t.foreign_keys[0].references, "raw.customers");
        assert_eq!(t.columns[2].data_type.as_deref(), Some("NUMERIC"));
        assert!(!t.columns[0].nullable);
        assert!(t.columns[1].nullable);
    }

    #[test]
    fn duckdb_ddl_and_inline_keys() {
        let file =
            parse_ddl("CREATE TABLE raw.fx (currency VARCHAR PRIMARY KEY, rate DOUBLE, code TEXT UNIQUE);").unwrap();
        let t = &file.tables[0];
        assert_eq!(t.keys, vec![vec!["currency".to_string()], vec!["code".to_string()]]);
        assert!(!t.columns[0].nullable, "a primary key column is not null");
        assert_eq!(t.columns[1].data_type.as_deref(), Some("FLOAT64"));
    }

    #[test]
    fn other_statements_are_reported_and_errors_located() {
        let file = parse_ddl("CREATE TABLE raw.a (x INT64);\nINSERT INTO raw.a VALUES (1);").unwrap();
        assert_eq!(file.other_statements.len(), 1);
        assert_eq!(file.other_statements[0].0, 2);
        let err = parse_ddl("CREATE TABLE raw.a (\n  x INT64,,\n  y STRING\n);").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
