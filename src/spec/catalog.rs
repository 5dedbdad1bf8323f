//! The source catalog: every source table the project declares, from DDL files and from the
//! spec's `sources`, with exactly what each promises (NOT NULL columns and keys).

use crate::error::{read_text, Result};
use crate::finding::{Code, Finding, Location};
use crate::spec::model::{ColumnList, SourceDecl};
use crate::spec::position::SpecText;
use crate::sql::ddl::{parse_ddl, DeclaredColumn, DeclaredForeignKey, DeclaredTable};
use crate::sql::types::canonical_type_name;
use std::collections::BTreeMap;
use std::path::Path;

/// DDL files larger than this are refused; real source DDL is a few kilobytes.
pub const MAX_DDL_BYTES: u64 = 16 * 1024 * 1024;

/// One source table and where it was declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceTable {
    /// The declaration.
    pub table: DeclaredTable,
    /// Where it was declared (DDL file, or the spec).
    pub origin: Location,
}

/// All source tables, by `schema.table`.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Tables by full name, sorted.
    pub tables: BTreeMap<String, SourceTable>,
    /// The text of each DDL file read, by the name findings use, so reports can show lines.
    pub texts: BTreeMap<String, String>,
}

impl Catalog {
    /// The table of a full `schema.table` name.
    pub fn get(&self, name: &str) -> Option<&SourceTable> {
        self.tables.get(name)
    }
}

/// Reads every `*.sql` file of `files` (already sorted) into a catalog, then adds the spec's
/// `sources` entries. Problems are findings; only an unreadable file is an error.
pub fn build_catalog(
    files: &[(std::path::PathBuf, String)],
    decls: &[SourceDecl],
    spec: &SpecText,
) -> Result<(Catalog, Vec<Finding>)> {
    let mut catalog = Catalog::default();
    let mut findings = Vec::new();
    for (path, display) in files {
        add_ddl_file(&mut catalog, &mut findings, path, display)?;
    }
    add_declarations(&mut catalog, &mut findings, decls, spec);
    Ok((catalog, findings))
}

/// Adds the spec's `sources` entries to `catalog`. They come after the DDL because an entry
/// without columns only adds keys to a table the DDL creates.
pub fn add_declarations(catalog: &mut Catalog, findings: &mut Vec<Finding>, decls: &[SourceDecl], spec: &SpecText) {
    for (i, decl) in decls.iter().enumerate() {
        add_declaration(catalog, findings, decl, &format!("sources[{i}]"), spec);
    }
}

fn add_ddl_file(catalog: &mut Catalog, findings: &mut Vec<Finding>, path: &Path, display: &str) -> Result<()> {
    let text = read_text(path, MAX_DDL_BYTES)?;
    add_ddl_text(catalog, findings, &text, display);
    catalog.texts.insert(display.to_string(), text);
    Ok(())
}

/// Adds the tables of one DDL text (named `display` in findings) to `catalog`.
pub fn add_ddl_text(catalog: &mut Catalog, findings: &mut Vec<Finding>, text: &str, display: &str) {
    let at =
        |line: u64, column: u64| Location { file: display.to_string(), line: line as usize, column: column as usize };
    let file = match parse_ddl(text) {
        Ok(file) => file,
        Err(e) => {
            findings.push(
                Finding::new(Code::InvalidSourceDdl, format!("source DDL does not parse: {}", e.message))
                    .at(at(e.line, e.column)),
            );
            return;
        }
    };
    for (line, column, head) in file.other_statements {
        findings.push(
            Finding::new(Code::InvalidSourceDdl, format!("`{head} …` is not a CREATE TABLE statement; it is ignored"))
                .at(at(line, column)),
        );
    }
    for table in file.tables {
        let origin = at(table.line, table.column);
        for column in &table.columns {
            if column.data_type.is_none() {
                findings.push(
                    Finding::new(
                        Code::UnknownType,
                        format!(
                            "column `{}` of `{}` has unknown type `{}`",
                            column.name, table.name, column.written_type
                        ),
                    )
                    .at(origin.clone()),
                );
            }
        }
        check_key_columns(&table, findings, |_| origin.clone(), None);
        if let Some(first) = catalog.tables.get(&table.name) {
            findings.push(
                Finding::new(Code::DuplicateSource, format!("`{}` is already created at {}", table.name, first.origin))
                    .at(origin),
            );
            continue;
        }
        catalog.tables.insert(table.name.clone(), SourceTable { table, origin });
    }
}

fn add_declaration(catalog: &mut Catalog, findings: &mut Vec<Finding>, decl: &SourceDecl, path: &str, spec: &SpecText) {
    let origin = spec.locate(path);
    let name = decl.name.trim().to_string();
    let mut keys: Vec<Vec<String>> = Vec::new();
    keys.extend(decl.primary_key.iter().map(list));
    keys.extend(decl.unique_keys.iter().map(list));
    keys.retain(|k| !k.is_empty());
    let foreign_keys: Vec<DeclaredForeignKey> = decl
        .foreign_keys
        .iter()
        .map(|fk| DeclaredForeignKey {
            columns: list(&fk.columns),
            references: fk.references.clone(),
            referenced_columns: fk.referenced_columns.as_ref().map_or_else(|| list(&fk.columns), list),
        })
        .collect();
    let mut columns = Vec::new();
    for (j, c) in decl.columns.iter().flatten().enumerate() {
        let data_type = canonical_type_name(&c.data_type);
        if data_type.is_none() {
            findings.push(
                Finding::new(
                    Code::UnknownType,
                    format!("column `{}` of `{name}` has unknown type `{}`", c.name, c.data_type),
                )
                .at(spec.locate(&format!("{path}.columns[{j}].type")))
                .at_path(format!("{path}.columns[{j}].type")),
            );
        }
        columns.push(DeclaredColumn {
            name: c.name.clone(),
            data_type,
            written_type: c.data_type.clone(),
            nullable: c.nullable.unwrap_or(true),
        });
    }
    match catalog.tables.get_mut(&name) {
        Some(existing) => {
            // A spec entry for a table that DDL also creates adds keys; columns, when given,
            // must say the same as the DDL or the table has two meanings.
            if decl.columns.is_some() {
                let same = columns.len() == existing.table.columns.len()
                    && columns.iter().zip(&existing.table.columns).all(|(a, b)| {
                        a.name.eq_ignore_ascii_case(&b.name) && a.data_type == b.data_type && a.nullable == b.nullable
                    });
                if !same {
                    findings.push(
                        Finding::new(
                            Code::DuplicateSource,
                            format!(
                                "`{name}` is declared here with columns that differ from its DDL at {}",
                                existing.origin
                            ),
                        )
                        .at(origin.clone())
                        .at_path(path)
                        .help("leave `columns` out to only add keys to a DDL table"),
                    );
                    return;
                }
            }
            let mut table = existing.table.clone();
            table.keys.extend(keys);
            table.foreign_keys.extend(foreign_keys);
            mark_key_columns_not_null(&mut table, decl.primary_key.as_ref());
            check_key_columns(&table, findings, |_| origin.clone(), Some(path));
            existing.table = table;
        }
        None => {
            if decl.columns.is_none() {
                findings.push(
                    Finding::new(
                        Code::InvalidSourceDdl,
                        format!("`{name}` has no columns here and no DDL file creates it"),
                    )
                    .at(origin)
                    .at_path(path),
                );
                return;
            }
            let mut table = DeclaredTable {
                name: name.clone(),
                columns,
                keys,
                foreign_keys,
                line: origin.line as u64,
                column: origin.column as u64,
            };
            mark_key_columns_not_null(&mut table, decl.primary_key.as_ref());
            check_key_columns(&table, findings, |_| origin.clone(), Some(path));
            catalog.tables.insert(name, SourceTable { table, origin });
        }
    }
}

fn list(columns: &ColumnList) -> Vec<String> {
    columns.names().map(str::to_string).collect()
}

fn mark_key_columns_not_null(table: &mut DeclaredTable, primary_key: Option<&ColumnList>) {
    if let Some(pk) = primary_key {
        for c in table.columns.iter_mut().filter(|c| pk.names().any(|k| k.eq_ignore_ascii_case(&c.name))) {
            c.nullable = false;
        }
    }
}

fn check_key_columns(
    table: &DeclaredTable,
    findings: &mut Vec<Finding>,
    at: impl Fn(&str) -> Location,
    path: Option<&str>,
) {
    let keys = table.keys.iter().flatten().chain(table.foreign_keys.iter().flat_map(|fk| &fk.columns));
    for key in keys {
        if !table.columns.iter().any(|c| c.name.eq_ignore_ascii_case(key)) {
            let mut finding =
                Finding::new(Code::UnknownColumn, format!("key column `{key}` is not a column of `{}`", table.name))
                    .at(at(key));
            if let Some(path) = path {
                finding = finding.at_path(path);
            }
            findings.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::{SourceColumn, SourceDecl};

    fn decl(name: &str, columns: Option<Vec<(&str, &str)>>, pk: Option<&str>) -> SourceDecl {
        SourceDecl {
            name: name.into(),
            columns: columns.map(|cs| {
                cs.into_iter()
                    .map(|(n, t)| SourceColumn { name: n.into(), data_type: t.into(), nullable: None })
                    .collect()
            }),
            primary_key: pk.map(|k| ColumnList(vec![k.into()])),
            unique_keys: vec![],
            foreign_keys: vec![],
        }
    }

    fn ddl_dir(files: &[(&str, &str)]) -> (std::path::PathBuf, Vec<(std::path::PathBuf, String)>) {
        let dir = std::env::temp_dir().join(format!("specproof-catalog-{}-{}", std::process::id(), files.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let list = files
            .iter()
            .map(|(name, text)| {
                let path = dir.join(name);
                std::fs::write(&path, text).unwrap();
                (path, name.to_string())
            })
            .collect();
        (dir, list)
    }

    #[test]
    fn spec_entries_add_keys_to_ddl_tables() {
        let (dir, files) = ddl_dir(&[("fx.sql", "CREATE TABLE raw.fx (currency STRING, rate NUMERIC);")]);
        let spec = SpecText::new("spec.json", "{}".into());
        let (catalog, findings) = build_catalog(&files, &[decl("raw.fx", None, Some("currency"))], &spec).unwrap();
        std::fs::remove_dir_all(dir).unwrap();
        assert!(findings.is_empty(), "{findings:?}");
        let fx = &catalog.get("raw.fx").unwrap().table;
        assert_eq!(fx.keys, vec![vec!["currency".to_string()]]);
        assert!(!fx.columns[0].nullable, "a declared primary key is not null");
    }

    #[test]
    fn conflicting_and_broken_declarations_are_findings() {
        let (dir, files) = ddl_dir(&[
            ("a.sql", "CREATE TABLE raw.a (x INT64);"),
            ("b.sql", "CREATE TABLE raw.a (x INT64);\nCREATE TABLE raw.b (x INT64,, y STRING);"),
        ]);
        let spec = SpecText::new("spec.json", "{}".into());
        let decls = [
            decl("raw.a", Some(vec![("x", "STRING")]), None),
            decl("raw.c", None, None),
            decl("raw.d", Some(vec![("x", "INT64")]), Some("y")),
        ];
        let (catalog, findings) = build_catalog(&files, &decls, &spec).unwrap();
        std::fs::remove_dir_all(dir).unwrap();
        let codes: Vec<_> = findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["SRC001", "SRC002", "SRC001", "SPEC003"]);
        assert!(catalog.get("raw.d").is_some());
    }
}
