//! dbt snapshots as the history of an SCD2 model.
//!
//! In a dbt project the type 2 history is kept by a snapshot (`snapshots/*.sql`,
//! `{% snapshot name %} … {% endsnapshot %}`), and the model is a query over it. dbt runs the
//! snapshot before the model; specproof does the same: from the snapshot's `config(...)` it
//! derives the DuckDB statements that apply one snapshot run with dbt's documented semantics,
//! and runs them as the model's pre-operations, so every run of the model (the SCD2 history
//! runs included) first applies the snapshot and then runs the model's own query over it.
//!
//! The semantics are dbt's `check` strategy: a source row whose key has no current version, or
//! whose current version differs in a `check_cols` column (NULL-safely, as dbt compares), opens
//! a version valid from the run time; the differing current version is closed at the run time.
//! With `hard_deletes='invalidate'` (or `invalidate_hard_deletes=True`) a current version whose
//! key is gone from the source is closed too; with `'ignore'` (dbt's default) it stays open.
//! Keys match with `=`, as dbt joins them. Anything else (the `timestamp` strategy,
//! `hard_deletes='new_record'`, Jinja beyond `config`/`ref`/`source`) is a translation limit,
//! reported at its place: the model is then not run.

use crate::location::LineIndex;
use crate::sql::dialect::Dialect;
use crate::sql::names::quote_ident as ident;
use crate::sql::template::{render, TableRef, TemplateKind};
use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments, SelectItem, SetExpr, Statement, Value};
use std::path::PathBuf;

/// A snapshot of a dbt project, read and turned into the statements of one snapshot run.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Its name (`{% snapshot name %}`), which models `ref()`.
    pub name: String,
    /// The file, as shown in messages.
    pub file: String,
    /// The `schema.name` it is kept in.
    pub relation: String,
    /// The one table its query reads, when it reads exactly one (its lineage stands in for the
    /// snapshot's columns).
    pub upstream: Option<String>,
    /// The columns of its table: the query's, then dbt's meta columns.
    pub columns: Vec<String>,
    /// The DuckDB statements of one snapshot run, or why there are none.
    pub script: Result<String, Limit>,
}

/// Something in a snapshot specproof cannot run with dbt's meaning: a translation limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// What it is.
    pub message: String,
    /// 1-based line in the snapshot file.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// The snapshot files of the dbt project in `dir` (`snapshots/`, any depth), sorted.
pub fn snapshot_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.join("snapshots")];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "sql") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// dbt's meta column names, after `snapshot_meta_column_names`.
struct Meta {
    scd_id: String,
    updated_at: String,
    valid_from: String,
    valid_to: String,
}

/// The settings of a snapshot's `config(...)` that decide what a run does.
#[derive(Default)]
struct Settings {
    schema: Option<String>,
    unique_key: Vec<String>,
    strategy: Option<String>,
    check_cols: Option<Vec<String>>,
    hard_deletes: Option<String>,
    valid_to_current: Option<String>,
    meta: Vec<(String, String)>,
}

/// What a snapshot's query outputs and the one table it reads (see [`Snapshot::upstream`]).
pub type TraceQuery<'a> = &'a dyn Fn(&[Statement]) -> (Vec<String>, Option<String>);

/// Reads one snapshot file. `resolve` names the tables of `ref()`/`source()` (the project's
/// resolver); `trace` gives the output columns and the single table read of its query.
pub fn read_snapshot(
    file: &str,
    text: &str,
    resolve: &dyn Fn(&TableRef) -> Option<String>,
    trace: TraceQuery<'_>,
    default_schema: &str,
) -> Option<Snapshot> {
    let lines = LineIndex::new(text);
    let at = |offset: usize, message: String| {
        let (line, column) = lines.line_col(text, offset);
        Limit { message, line, column }
    };
    let (name, body, body_start) = snapshot_block(text)?;
    let mut snapshot = Snapshot {
        name: name.clone(),
        file: file.to_string(),
        relation: String::new(),
        upstream: None,
        columns: Vec::new(),
        script: Err(at(0, String::new())),
    };
    let settings = match config_of(body) {
        Ok(settings) => settings,
        Err((offset, message)) => {
            snapshot.relation = format!("{default_schema}.{name}");
            snapshot.script = Err(at(body_start + offset, message));
            return Some(snapshot);
        }
    };
    let schema = settings.schema.clone().unwrap_or_else(|| default_schema.to_string());
    snapshot.relation = format!("{schema}.{name}");
    let rendered = render(body, TemplateKind::Sql, Dialect::Duckdb, resolve);
    if let Some(issue) = rendered.issues.first() {
        let offset = lines_offset(body, issue.line, issue.column);
        snapshot.script = Err(at(body_start + offset, issue.message.clone()));
        return Some(snapshot);
    }
    let query = match crate::sql::parse::parse_statements(&rendered.main.sql, Dialect::Duckdb) {
        Ok(statements) if matches!(statements.as_slice(), [Statement::Query(_)]) => statements,
        _ => {
            let message = format!("the query of snapshot `{name}` is not one SELECT specproof reads");
            snapshot.script = Err(at(body_start, message));
            return Some(snapshot);
        }
    };
    let (columns, upstream) = trace(&query);
    snapshot.upstream = upstream;
    let meta = meta_names(&settings);
    snapshot.columns = columns.clone();
    snapshot.columns.extend([&meta.scd_id, &meta.updated_at, &meta.valid_from, &meta.valid_to].map(|s| s.clone()));
    snapshot.script = script(&snapshot.relation, &schema, &query[0].to_string(), &columns, &settings, &meta)
        .map_err(|message| at(body_start, format!("snapshot `{name}`: {message}")));
    Some(snapshot)
}

/// `{% snapshot name %}` … `{% endsnapshot %}`: the name, the text between and its offset.
fn snapshot_block(text: &str) -> Option<(String, &str, usize)> {
    let mut at = 0;
    while let Some(open) = text[at..].find("{%").map(|i| at + i) {
        let close = text[open..].find("%}").map(|i| open + i)?;
        let tag = text[open + 2..close].trim().trim_matches('-').trim();
        if let Some(name) = tag.strip_prefix("snapshot ").map(str::trim) {
            let start = close + 2;
            // The block ends at `{% endsnapshot %}`; other tags inside are the body's (and are
            // reported when it is rendered).
            let mut from = start;
            while let Some(end) = text[from..].find("{%").map(|i| from + i) {
                let closing = text[end..].find("%}").map(|i| end + i)?;
                if text[end + 2..closing].trim().trim_matches('-').trim() == "endsnapshot" {
                    return Some((name.to_string(), &text[start..end], start));
                }
                from = closing + 2;
            }
            return None;
        }
        at = close + 2;
    }
    None
}

/// Byte offset of a 1-based (line, column) in `text`.
fn lines_offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let rest = &text[start.min(text.len())..];
    start + rest.char_indices().nth(column.saturating_sub(1)).map_or(rest.len(), |(i, _)| i)
}

/// The `{{ config(...) }}` of a snapshot body, its arguments parsed as a SQL call; an error is
/// (offset in `body`, message).
fn config_of(body: &str) -> Result<Settings, (usize, String)> {
    let mut at = 0;
    while let Some(open) = body[at..].find("{{").map(|i| at + i) {
        let close = body[open..].find("}}").map(|i| open + i).ok_or((open, "a `{{` is never closed".to_string()))?;
        let call = body[open + 2..close].trim();
        if call.strip_prefix("config").is_some_and(|r| r.trim_start().starts_with('(')) {
            return parse_config(call).map_err(|message| (open, message));
        }
        at = close + 2;
    }
    Err((0, "the snapshot has no `{{ config(...) }}`, so its key and strategy are unknown".to_string()))
}

fn parse_config(call: &str) -> Result<Settings, String> {
    let unreadable = |why: &str| format!("the snapshot's config(...) is not read by specproof: {why}");
    let statements = crate::sql::parse::parse_statements(&format!("SELECT {call}"), Dialect::Duckdb)
        .map_err(|e| unreadable(&e.message))?;
    let function = match statements.as_slice() {
        [Statement::Query(query)] => match query.body.as_ref() {
            SetExpr::Select(select) => match select.projection.as_slice() {
                [SelectItem::UnnamedExpr(Expr::Function(f))] => f.clone(),
                _ => return Err(unreadable("not one call")),
            },
            _ => return Err(unreadable("not one call")),
        },
        _ => return Err(unreadable("not one call")),
    };
    let FunctionArguments::List(list) = &function.args else { return Err(unreadable("no argument list")) };
    let mut settings = Settings::default();
    for arg in &list.args {
        let (name, value) = match arg {
            FunctionArg::Named { name, arg: FunctionArgExpr::Expr(value), .. } => (name.value.clone(), value),
            FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::BinaryOp { left, op, right }))
                if *op == sqlparser::ast::BinaryOperator::Eq =>
            {
                match left.as_ref() {
                    Expr::Identifier(name) => (name.value.clone(), right.as_ref()),
                    _ => return Err(unreadable("an argument is not `name=value`")),
                }
            }
            _ => return Err(unreadable("an argument is not `name=value`")),
        };
        match name.as_str() {
            "target_schema" | "schema" => settings.schema = Some(text_of(value).ok_or(unreadable(&name))?),
            "unique_key" => {
                settings.unique_key = match value {
                    Expr::Array(array) => array.elem.iter().map(text_of).collect::<Option<_>>(),
                    other => text_of(other).map(|k| vec![k]),
                }
                .ok_or(unreadable("unique_key"))?
            }
            "strategy" => settings.strategy = Some(text_of(value).ok_or(unreadable("strategy"))?),
            "check_cols" => {
                settings.check_cols = match value {
                    Expr::Array(array) => Some(array.elem.iter().map(text_of).collect::<Option<_>>()),
                    other => text_of(other).filter(|t| t == "all").map(|_| None),
                }
                .ok_or(unreadable("check_cols"))?
            }
            "hard_deletes" => settings.hard_deletes = Some(text_of(value).ok_or(unreadable("hard_deletes"))?),
            "invalidate_hard_deletes" => {
                if is_true(value) {
                    settings.hard_deletes = Some("invalidate".into());
                }
            }
            "dbt_valid_to_current" => settings.valid_to_current = Some(text_of(value).ok_or(unreadable(&name))?),
            "snapshot_meta_column_names" => {
                let Expr::Dictionary(fields) = value else { return Err(unreadable(&name)) };
                for field in fields {
                    let to = text_of(&field.value).ok_or(unreadable(&name))?;
                    settings.meta.push((field.key.value.clone(), to));
                }
            }
            // Where and how the table is stored, documentation, hooks: no effect on its rows.
            "target_database" | "database" | "alias" | "enabled" | "tags" | "meta" | "persist_docs" | "grants"
            | "pre_hook" | "post_hook" | "docs" => {}
            other => return Err(format!("the snapshot setting `{other}` is one specproof does not translate")),
        }
    }
    Ok(settings)
}

/// A quoted string (single or, as Jinja allows, double quotes) or a bare word.
fn text_of(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        Expr::Identifier(name) => Some(name.value.clone()),
        _ => None,
    }
}

fn is_true(expr: &Expr) -> bool {
    match expr {
        Expr::Value(v) => matches!(v.value, Value::Boolean(true)),
        Expr::Identifier(name) => name.value.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn meta_names(settings: &Settings) -> Meta {
    let named =
        |key: &str| settings.meta.iter().find(|(k, _)| k == key).map_or_else(|| key.to_string(), |(_, v)| v.clone());
    Meta {
        scd_id: named("dbt_scd_id"),
        updated_at: named("dbt_updated_at"),
        valid_from: named("dbt_valid_from"),
        valid_to: named("dbt_valid_to"),
    }
}

/// The DuckDB statements of one snapshot run (see the module documentation).
fn script(
    relation: &str,
    schema: &str,
    query: &str,
    columns: &[String],
    settings: &Settings,
    meta: &Meta,
) -> Result<String, String> {
    match settings.strategy.as_deref() {
        Some("check") => {}
        Some(other) => {
            return Err(format!("the `{other}` strategy is one specproof does not translate (only `check`)"))
        }
        None => return Err("no `strategy` is set".into()),
    }
    let hard_deletes = settings.hard_deletes.as_deref().unwrap_or("ignore");
    if !matches!(hard_deletes, "ignore" | "invalidate") {
        return Err(format!("hard_deletes='{hard_deletes}' is one specproof does not translate"));
    }
    if settings.unique_key.is_empty() {
        return Err("no `unique_key` is set".into());
    }
    let has = |c: &String| columns.iter().any(|o| o.eq_ignore_ascii_case(c));
    let check_cols: Vec<String> = match &settings.check_cols {
        Some(cols) => cols.clone(),
        // 'all': every column of the query but the key.
        None => {
            columns.iter().filter(|c| !settings.unique_key.iter().any(|k| k.eq_ignore_ascii_case(c))).cloned().collect()
        }
    };
    if let Some(missing) = settings.unique_key.iter().chain(&check_cols).find(|c| !has(c)) {
        return Err(format!("`{missing}` is not a column of its query"));
    }
    if check_cols.is_empty() {
        return Err("no `check_cols` is set".into());
    }
    let table = relation.split('.').map(ident).collect::<Vec<_>>().join(".");
    let (vf, vt, scd, upd) =
        (ident(&meta.valid_from), ident(&meta.valid_to), ident(&meta.scd_id), ident(&meta.updated_at));
    let open_to = match &settings.valid_to_current {
        Some(expr) => {
            crate::sql::parse::parse_statements(&format!("SELECT {expr}"), Dialect::Duckdb)
                .map_err(|_| format!("dbt_valid_to_current `{expr}` is not a SQL expression specproof reads"))?;
            format!("CAST({expr} AS TIMESTAMP)")
        }
        None => "CAST(NULL AS TIMESTAMP)".into(),
    };
    let current = match &settings.valid_to_current {
        Some(_) => format!("(h.{vt} IS NULL OR h.{vt} = {open_to})"),
        None => format!("h.{vt} IS NULL"),
    };
    let same_key =
        settings.unique_key.iter().map(|k| format!("h.{0} = s.{0}", ident(k))).collect::<Vec<_>>().join(" AND ");
    let changed =
        check_cols.iter().map(|c| format!("h.{0} IS DISTINCT FROM s.{0}", ident(c))).collect::<Vec<_>>().join(" OR ");
    let key_text = settings
        .unique_key
        .iter()
        .map(|k| format!("coalesce(CAST(s.{} AS VARCHAR), '')", ident(k)))
        .collect::<Vec<_>>()
        .join(" || '|' || ");
    let mut sql = vec![
        format!("CREATE SCHEMA IF NOT EXISTS {}", ident(schema)),
        format!(
            "CREATE TABLE IF NOT EXISTS {table} AS SELECT s.*, CAST(NULL AS VARCHAR) AS {scd}, \
             CAST(NULL AS TIMESTAMP) AS {upd}, CAST(NULL AS TIMESTAMP) AS {vf}, CAST(NULL AS TIMESTAMP) AS {vt} \
             FROM ({query}) AS s WHERE FALSE"
        ),
        format!(
            "UPDATE {table} AS h SET {vt} = CAST(CURRENT_TIMESTAMP AS TIMESTAMP) WHERE {current} \
             AND EXISTS (SELECT 1 FROM ({query}) AS s WHERE {same_key} AND ({changed}))"
        ),
    ];
    if hard_deletes == "invalidate" {
        sql.push(format!(
            "UPDATE {table} AS h SET {vt} = CAST(CURRENT_TIMESTAMP AS TIMESTAMP) WHERE {current} \
             AND NOT EXISTS (SELECT 1 FROM ({query}) AS s WHERE {same_key})"
        ));
    }
    sql.push(format!(
        "INSERT INTO {table} SELECT s.*, md5({key_text} || '|' || CAST(CAST(CURRENT_TIMESTAMP AS TIMESTAMP) AS VARCHAR)), \
         CAST(CURRENT_TIMESTAMP AS TIMESTAMP), CAST(CURRENT_TIMESTAMP AS TIMESTAMP), {open_to} \
         FROM ({query}) AS s WHERE NOT EXISTS (SELECT 1 FROM {table} AS h WHERE {current} AND {same_key})"
    ));
    Ok(sql.join(";\n") + ";")
}

/// The tables the `sources:` of dbt YAML files under `dir` declare: `(source, table)` → the
/// `schema.identifier` dbt reads for `source('source', 'table')` (the schema defaults to the
/// source's name, the identifier to the table's). Only the block-style layout dbt documents is
/// read (`- name:`, `schema:`, `tables:`, `identifier:`, one per line); a `sources:` written
/// otherwise (flow style, anchors) adds nothing, and the names then keep dbt's defaults.
pub fn declared_sources(dir: &std::path::Path) -> Vec<((String, String), String)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                if let Ok(text) = crate::error::read_text(&path, 4 * 1024 * 1024) {
                    found.extend(sources_in(&text));
                }
            }
        }
    }
    found
}

/// A plain or quoted YAML scalar, without a trailing ` # comment`.
fn yaml_scalar(value: &str) -> String {
    let value = value.trim();
    match value.chars().next() {
        Some(quote @ ('"' | '\'')) => value[1..].split(quote).next().unwrap_or_default().to_string(),
        _ => value.split(" #").next().unwrap_or_default().trim().to_string(),
    }
}

/// The `sources:` block of one YAML file (see [`declared_sources`]).
fn sources_in(text: &str) -> Vec<((String, String), String)> {
    struct Source {
        name: String,
        schema: Option<String>,
        tables: Vec<(String, Option<String>)>,
    }
    let mut sources: Vec<Source> = Vec::new();
    let mut inside = false;
    let (mut source_indent, mut table_indent, mut in_tables) = (None, None, false);
    for raw in text.lines() {
        let line = raw.trim_end();
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        if indent == 0 {
            inside = content == "sources:";
            (source_indent, table_indent, in_tables) = (None, None, false);
            continue;
        }
        if !inside {
            continue;
        }
        let (item, indent, content) = match content.strip_prefix("- ") {
            Some(rest) => (true, indent + 2, rest.trim_start()),
            None => (false, indent, content),
        };
        let Some((key, value)) = content.split_once(':') else { continue };
        let value = yaml_scalar(value);
        let at_source = *source_indent.get_or_insert(indent) == indent;
        if at_source {
            match (item, key.trim()) {
                (true, "name") => {
                    sources.push(Source { name: value, schema: None, tables: Vec::new() });
                    (table_indent, in_tables) = (None, false);
                }
                (false, "schema") => {
                    if let Some(source) = sources.last_mut() {
                        source.schema = Some(value);
                    }
                }
                (false, "tables") => in_tables = true,
                (_, _) => in_tables = false,
            }
            continue;
        }
        if !in_tables || indent < source_indent.unwrap_or(0) {
            continue;
        }
        let at_table = *table_indent.get_or_insert(indent) == indent;
        let Some(source) = sources.last_mut() else { continue };
        match (at_table, item, key.trim()) {
            (true, true, "name") => source.tables.push((value, None)),
            (true, false, "identifier") => {
                if let Some(table) = source.tables.last_mut() {
                    table.1 = Some(value);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for source in sources {
        let schema = source.schema.clone().unwrap_or_else(|| source.name.clone());
        for (table, identifier) in source.tables {
            let relation = format!("{schema}.{}", identifier.as_deref().unwrap_or(&table));
            out.push(((source.name.clone(), table), relation));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERATED: &str = "{% snapshot dim_history %}\n\n{{\n    config(\n        target_schema='analytics',\n        unique_key='k',\n        strategy='check',\n        check_cols=['v', 'w'],\n        hard_deletes='invalidate',\n        snapshot_meta_column_names={'dbt_valid_from': 'valid_from', 'dbt_valid_to': 'valid_to'},\n        dbt_valid_to_current=\"TIMESTAMP '9999-12-31 23:59:59'\"\n    )\n}}\n\n-- the rows to keep history of\nSELECT k, v, w FROM {{ ref('src') }}\n\n{% endsnapshot %}\n";

    fn read(text: &str) -> Snapshot {
        let resolve = |table: &TableRef| match table {
            TableRef::Ref(parts) => Some(format!("main.{}", parts[0])),
            _ => None,
        };
        let trace =
            |_: &[Statement]| (vec!["k".to_string(), "v".to_string(), "w".to_string()], Some("src".to_string()));
        read_snapshot("snapshots/dim_history.sql", text, &resolve, &trace, "staging").unwrap()
    }

    #[test]
    fn a_generated_snapshot_reads_as_a_check_snapshot() {
        let snapshot = read(GENERATED);
        assert_eq!(snapshot.name, "dim_history");
        assert_eq!(snapshot.relation, "analytics.dim_history");
        assert_eq!(snapshot.columns, ["k", "v", "w", "dbt_scd_id", "dbt_updated_at", "valid_from", "valid_to"]);
        let script = snapshot.script.unwrap();
        assert!(script.contains("h.\"v\" IS DISTINCT FROM s.\"v\" OR h.\"w\" IS DISTINCT FROM s.\"w\""), "{script}");
        assert!(
            script.contains(
                "NOT EXISTS (SELECT 1 FROM (SELECT k, v, w FROM \"main\".\"src\") AS s WHERE h.\"k\" = s.\"k\")"
            ),
            "{script}"
        );
        assert!(script.contains("CAST(TIMESTAMP '9999-12-31 23:59:59' AS TIMESTAMP)"), "{script}");
    }

    /// The derived statements keep dbt's history: a change closes and opens, a vanished key is
    /// closed (invalidate), a returning key opens a new version, an unchanged row does nothing.
    #[test]
    fn the_derived_run_keeps_dbts_history() {
        let text = GENERATED.replace(",\n        dbt_valid_to_current=\"TIMESTAMP '9999-12-31 23:59:59'\"", "");
        let script = read(&text).script.unwrap();
        let db = duckdb::Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE src (k INT, v VARCHAR, w INT, untracked INT);").unwrap();
        let run = |rows: &str| {
            db.execute_batch(&format!("DELETE FROM src; INSERT INTO src VALUES {rows};")).unwrap();
            db.execute_batch(&script).unwrap();
        };
        let versions = |k: i32| -> (i64, i64) {
            db.query_row(
                &format!("SELECT count(*), count(*) FILTER (WHERE valid_to IS NULL) FROM analytics.dim_history WHERE k = {k}"),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        run("(1, 'a', 1, 0), (2, 'b', NULL, 0), (3, 'c', 3, 0)");
        run("(1, 'a2', 1, 0), (2, 'b', NULL, 9)");
        assert_eq!(versions(1), (2, 1), "a tracked change closes one version and opens another");
        assert_eq!(versions(2), (1, 1), "NULL to NULL is no change; untracked columns open nothing");
        assert_eq!(versions(3), (1, 0), "a vanished key is closed");
        run("(1, 'a2', 1, 0), (2, 'b', 2, 0), (3, 'c', 3, 0)");
        assert_eq!(versions(1), (2, 1));
        assert_eq!(versions(2), (2, 1), "NULL to a value is a change");
        assert_eq!(versions(3), (2, 1), "a returning key opens a new version");
    }

    #[test]
    fn what_is_not_translated_is_a_limit_at_its_place() {
        let snapshot = read(&GENERATED.replace("strategy='check'", "strategy='timestamp'"));
        let limit = snapshot.script.unwrap_err();
        assert!(limit.message.contains("`timestamp` strategy"), "{}", limit.message);
        let snapshot = read(&GENERATED.replace("unique_key='k',", "unique_key='k', updated_at='ts',"));
        let limit = snapshot.script.unwrap_err();
        assert!(limit.message.contains("`updated_at`"), "{}", limit.message);
        assert_eq!((limit.line, limit.column), (3, 1), "at the config call");
        let snapshot = read(&GENERATED.replace("SELECT k", "{% if true %}{% endif %}SELECT k"));
        let limit = snapshot.script.unwrap_err();
        assert_eq!((limit.line, limit.column), (16, 1), "at the Jinja tag: {}", limit.message);
        assert!(read(&GENERATED.replace("hard_deletes='invalidate'", "hard_deletes='new_record'")).script.is_err());
    }

    #[test]
    fn sources_yml_names_schemas_and_identifiers() {
        let yml = "version: 2\n\nsources:\n  - name: crm\n    schema: raw  # where the loader writes\n    tables:\n      - name: customers\n        identifier: crm_customers\n        columns:\n          - name: customer_id\n            data_tests:\n              - not_null\n      - name: addresses\n  - name: raw\n    tables:\n      - name: fx_rates\nmodels:\n  - name: x\n";
        let found = sources_in(yml);
        let pairs: Vec<(&str, &str, &str)> =
            found.iter().map(|((s, t), r)| (s.as_str(), t.as_str(), r.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("crm", "customers", "raw.crm_customers"),
                ("crm", "addresses", "raw.addresses"),
                ("raw", "fx_rates", "raw.fx_rates")
            ]
        );
    }
}
