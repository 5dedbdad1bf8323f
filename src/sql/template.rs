//! The template front end: Dataform SQLX and dbt-style files become plain SQL, with a map back
//! to the original file so every later finding points at the line the user wrote.
//!
//! What is evaluated is exactly what can be evaluated faithfully without running JavaScript or
//! Jinja: SQLX `config { }` (a literal object), `pre_operations { }` / `post_operations { }`,
//! `${ref(...)}`, `${resolve(...)}` and `${self()}`; dbt `{{ ref(...) }}`, `{{ source(...) }}`,
//! `{{ this }}`, `{{ config(...) }}` and `{# comments #}`. Anything else (`js { }`, other `${}`
//! expressions, `{% if %}`, macros) is reported as an issue at its place and the file's SQL is
//! not judged: the query that would run is unknown, and a guess would judge the wrong query.
//!
//! Scanning here is lexical (braces, quotes, comments) and only finds template delimiters; the
//! SQL itself is parsed by sqlparser afterwards.

use crate::location::LineIndex;
use crate::sql::dialect::Dialect;

/// Which template language a file may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    /// Dataform SQLX: `config { }` blocks and `${...}` JavaScript interpolation.
    Sqlx,
    /// Plain SQL, where dbt's `{{ }}`, `{% %}` and `{# #}` are recognised.
    Sql,
}

/// A table a template expression names, before it is resolved against the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableRef {
    /// `ref("name")`, `ref("schema", "name")` or `resolve(...)`: the parts as written.
    Ref(Vec<String>),
    /// dbt `source("schema", "table")`.
    Source(String, String),
    /// `self()` or `{{ this }}`: the model's own table.
    This,
}

/// Resolves a [`TableRef`] to a `schema.table` name; `None` leaves the written name in place so
/// the lineage stage reports it as unknown.
pub type Resolver<'a> = &'a dyn Fn(&TableRef) -> Option<String>;

/// Something in a file the front end cannot evaluate faithfully, at its place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateIssue {
    /// What it is and why it is not evaluated.
    pub message: String,
    /// 1-based line in the original file.
    pub line: usize,
    /// 1-based column (characters) in the original file.
    pub column: usize,
    /// For a recognised mistake (one Dataform or dbt rejects too), how to fix it; the template
    /// was rendered as the fix would have it, so the rest of the file is still checked.
    pub fix: Option<String>,
}

/// The settings of a SQLX `config { }` block that specproof uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqlxConfig {
    /// `type`: table, view, incremental, operations, assertion, declaration.
    pub kind: Option<String>,
    /// `schema`.
    pub schema: Option<String>,
    /// `name`, when it overrides the file name.
    pub name: Option<String>,
    /// `hasOutput` (operations that create the model's table).
    pub has_output: bool,
    /// `uniqueKey` (incremental) or `assertions.uniqueKey`.
    pub unique_key: Vec<String>,
    /// `assertions.nonNull`.
    pub non_null: Vec<String>,
    /// Line of the block in the original file.
    pub line: usize,
}

/// One piece of SQL produced from a file (the main body, or one operations block), with the
/// map from its positions back to the original file.
#[derive(Debug, Clone)]
pub struct Piece {
    /// The SQL to parse.
    pub sql: String,
    segments: Vec<Segment>,
    lines: LineIndex,
}

/// A run of output bytes starting at `out`, taken from the original at `orig`. A verbatim run
/// maps byte for byte; a substituted one (a rendered `ref()`) maps every byte to its start.
#[derive(Debug, Clone, Copy)]
struct Segment {
    out: usize,
    orig: usize,
    verbatim: bool,
}

/// A file after template evaluation.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The original text (positions are reported in it).
    pub original: String,
    /// The main SQL body.
    pub main: Piece,
    /// `pre_operations` blocks, in file order.
    pub pre_operations: Vec<Piece>,
    /// `post_operations` blocks, in file order.
    pub post_operations: Vec<Piece>,
    /// The SQLX config block, when there is one.
    pub config: Option<SqlxConfig>,
    /// Every table reference made through the template, resolved or not, in file order.
    pub references: Vec<(TableRef, usize, usize)>,
    /// What could not be evaluated. When not empty, the SQL is not what would run.
    pub issues: Vec<TemplateIssue>,
    original_lines: LineIndex,
}

impl Rendered {
    /// Maps a 1-based (line, column) of `piece` back to the original file.
    pub fn locate(&self, piece: &Piece, line: u64, column: u64) -> (usize, usize) {
        let offset = piece.offset_of(line, column);
        let orig = piece.original_offset(offset);
        self.original_lines.line_col(&self.original, orig)
    }
}

impl Piece {
    fn offset_of(&self, line: u64, column: u64) -> usize {
        let line = (line.max(1) as usize).min(self.lines_count());
        let start = self.line_start(line);
        let rest = &self.sql[start..];
        let skip = column.saturating_sub(1) as usize;
        start + rest.char_indices().nth(skip).map_or(rest.len(), |(i, _)| i)
    }

    fn lines_count(&self) -> usize {
        self.sql.matches('\n').count() + 1
    }

    fn line_start(&self, line: usize) -> usize {
        if line <= 1 {
            return 0;
        }
        self.sql.match_indices('\n').nth(line - 2).map_or(self.sql.len(), |(i, _)| i + 1)
    }

    fn original_offset(&self, offset: usize) -> usize {
        let at = self.segments.partition_point(|s| s.out <= offset);
        match at.checked_sub(1).map(|i| self.segments[i]) {
            Some(s) if s.verbatim => s.orig + (offset - s.out),
            Some(s) => s.orig,
            None => 0,
        }
    }

    /// 1-based (line, column) of a byte offset in this piece's SQL.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.lines.line_col(&self.sql, offset)
    }
}

struct PieceBuilder {
    sql: String,
    segments: Vec<Segment>,
}

impl PieceBuilder {
    fn new() -> PieceBuilder {
        PieceBuilder { sql: String::new(), segments: Vec::new() }
    }

    fn verbatim(&mut self, text: &str, range: std::ops::Range<usize>) {
        if range.is_empty() {
            return;
        }
        self.segments.push(Segment { out: self.sql.len(), orig: range.start, verbatim: true });
        self.sql.push_str(&text[range]);
    }

    fn substitute(&mut self, replacement: &str, orig: usize) {
        self.segments.push(Segment { out: self.sql.len(), orig, verbatim: false });
        self.sql.push_str(replacement);
    }

    fn finish(self) -> Piece {
        let lines = LineIndex::new(&self.sql);
        Piece { sql: self.sql, segments: self.segments, lines }
    }
}

/// Evaluates the templates of a model file. `dialect` decides how resolved names are quoted.
pub fn render(text: &str, kind: TemplateKind, dialect: Dialect, resolve: Resolver<'_>) -> Rendered {
    let original_lines = LineIndex::new(text);
    let mut state =
        State { text, kind, dialect, resolve, lines: &original_lines, issues: Vec::new(), references: Vec::new() };
    let mut main = PieceBuilder::new();
    let mut pre = Vec::new();
    let mut post = Vec::new();
    let mut config = None;
    let mut at = 0;
    let mut verbatim_from = 0;
    let mut scan = SqlScan::default();
    while at < text.len() {
        if kind == TemplateKind::Sqlx
            && matches!(text.as_bytes()[at], b'c' | b'j' | b'p')
            && scan.at_top(text, at)
            && at_line_start(text, at)
        {
            if let Some((word, open)) = block_start(text, at) {
                main.verbatim(text, verbatim_from..at);
                let close = match matching_brace(text, open, word == "config" || word == "js") {
                    Some(close) => close,
                    None => {
                        state.issue(at, format!("`{word} {{` block is never closed"));
                        verbatim_from = text.len();
                        break;
                    }
                };
                let inner = open + 1..close;
                match word {
                    "config" => config = Some(state.config_block(inner, at)),
                    "js" => state.issue(at, "a `js { }` block runs JavaScript that specproof does not evaluate".into()),
                    "pre_operations" => pre.push(state.sql_piece(inner)),
                    _ => post.push(state.sql_piece(inner)),
                }
                at = close + 1;
                verbatim_from = at;
                continue;
            }
        }
        // `{ type: "table" }` opening a SQLX file is a config block that lost its keyword.
        if kind == TemplateKind::Sqlx && text.as_bytes()[at] == b'{' && text[..at].trim().is_empty() {
            if let Some(close) = matching_brace(text, at, true) {
                let inner = at + 1..close;
                if text[inner.clone()].contains(':') {
                    main.verbatim(text, verbatim_from..at);
                    state.mistake(
                        at,
                        "a block `{ … }` opens the file without the `config` keyword, which Dataform rejects".into(),
                        "write `config { … }`".into(),
                    );
                    config = Some(state.config_block(inner, at));
                    at = close + 1;
                    verbatim_from = at;
                    continue;
                }
            }
        }
        if let Some(end) = state.template_at(&mut main, at, &mut verbatim_from) {
            at = end;
            continue;
        }
        at = scan.step(text, at);
    }
    main.verbatim(text, verbatim_from..text.len());
    let State { issues, references, .. } = state;
    Rendered {
        original: text.to_string(),
        main: main.finish(),
        pre_operations: pre,
        post_operations: post,
        config,
        references,
        issues,
        original_lines,
    }
}

struct State<'a> {
    text: &'a str,
    kind: TemplateKind,
    dialect: Dialect,
    resolve: Resolver<'a>,
    lines: &'a LineIndex,
    issues: Vec<TemplateIssue>,
    references: Vec<(TableRef, usize, usize)>,
}

impl State<'_> {
    fn issue(&mut self, offset: usize, message: String) {
        let (line, column) = self.lines.line_col(self.text, offset);
        self.issues.push(TemplateIssue { message, line, column, fix: None });
    }

    /// A recognised mistake at `offset`, rendered as `fix` would have it.
    fn mistake(&mut self, offset: usize, message: String, fix: String) {
        let (line, column) = self.lines.line_col(self.text, offset);
        self.issues.push(TemplateIssue { message, line, column, fix: Some(fix) });
    }

    /// Renders the SQL of an operations block (templates inside are evaluated too).
    fn sql_piece(&mut self, range: std::ops::Range<usize>) -> Piece {
        let mut piece = PieceBuilder::new();
        let mut verbatim_from = range.start;
        let mut at = range.start;
        let mut scan = SqlScan::default();
        while at < range.end {
            if let Some(end) = self.template_at(&mut piece, at, &mut verbatim_from) {
                at = end;
                continue;
            }
            at = scan.step(self.text, at).min(range.end);
        }
        piece.verbatim(self.text, verbatim_from..range.end);
        piece.finish()
    }

    /// When a template expression starts at `at`, renders it into `out` and returns where the
    /// scan goes on.
    fn template_at(&mut self, out: &mut PieceBuilder, at: usize, verbatim_from: &mut usize) -> Option<usize> {
        let rest = &self.text[at..];
        if let Some(end) = self.other_syntax(out, at, verbatim_from) {
            return Some(end);
        }
        let (inner, end) = match self.kind {
            TemplateKind::Sqlx if rest.starts_with("${") => {
                let close = matching_brace(self.text, at + 1, true)?;
                (at + 2..close, close + 1)
            }
            TemplateKind::Sql if rest.starts_with("{{") || rest.starts_with("{%") || rest.starts_with("{#") => {
                let closer = match &rest[1..2] {
                    "{" => "}}",
                    "%" => "%}",
                    _ => "#}",
                };
                let close = rest[2..].find(closer).map(|i| at + 2 + i);
                match close {
                    Some(close) => (at + 2..close, close + 2),
                    None => {
                        out.verbatim(self.text, *verbatim_from..at);
                        self.issue(at, format!("template tag opened here is never closed with `{closer}`"));
                        *verbatim_from = self.text.len();
                        return Some(self.text.len());
                    }
                }
            }
            _ => return None,
        };
        let body = self.text[inner].trim();
        // `${ref("x")}` already renders a quoted name; backticks around it quote it twice.
        let names_table = parse_call(body).is_some_and(|(name, _)| matches!(name, "ref" | "resolve" | "self"));
        let backticked = self.kind == TemplateKind::Sqlx
            && names_table
            && at > 0
            && self.text.as_bytes()[at - 1] == b'`'
            && self.text.as_bytes().get(end) == Some(&b'`');
        let (at, end) = if backticked {
            self.mistake(
                at - 1,
                format!("`${{{body}}}` is inside backticks, but it renders a quoted table name already"),
                format!("remove the backticks around `${{{body}}}`"),
            );
            (at - 1, end + 1)
        } else {
            (at, end)
        };
        out.verbatim(self.text, *verbatim_from..at);
        *verbatim_from = end;
        let replacement = match (self.kind, &rest[..2]) {
            (TemplateKind::Sql, "{#") => Some(String::new()),
            (TemplateKind::Sql, "{%") => {
                self.issue(at, format!("`{{% {body} %}}` is Jinja logic that specproof does not evaluate"));
                Some(String::new())
            }
            _ => self.expression(body, at),
        };
        match replacement {
            Some(text) => out.substitute(&text, at),
            None => out.substitute("", at),
        }
        Some(end)
    }

    /// The other template language's table reference where this one is expected (`{{ ref('x') }}`
    /// in SQLX, `${ref("x")}` in dbt SQL): a mistake, rendered as the right syntax would be.
    fn other_syntax(&mut self, out: &mut PieceBuilder, at: usize, verbatim_from: &mut usize) -> Option<usize> {
        let rest = &self.text[at..];
        let (open, closer, right) = match self.kind {
            TemplateKind::Sqlx if rest.starts_with("{{") => ("{{", "}}", "${ref(\"…\")}"),
            TemplateKind::Sql if rest.starts_with("${") => ("${", "}", "{{ ref('…') }}"),
            _ => return None,
        };
        let close = at + open.len() + rest[open.len()..].find(closer)?;
        let body = self.text[at + open.len()..close].trim();
        let (name, args) = parse_call(body)?;
        let table = match (name, args.as_slice()) {
            ("ref", [_] | [_, _]) => TableRef::Ref(args),
            ("source", [schema, table]) => TableRef::Source(schema.clone(), table.clone()),
            _ => return None,
        };
        let language = if self.kind == TemplateKind::Sqlx { "a SQLX file (Dataform)" } else { "dbt SQL" };
        self.mistake(
            at,
            format!(
                "`{}` is the other tool's template syntax, which {language} does not evaluate",
                &self.text[at..close + closer.len()]
            ),
            format!("write it as {right}"),
        );
        out.verbatim(self.text, *verbatim_from..at);
        let rendered = self.table(table, at);
        out.substitute(&rendered, at);
        *verbatim_from = close + closer.len();
        Some(close + closer.len())
    }

    /// Renders a `${...}` or `{{ ... }}` expression; `None` after reporting an issue.
    fn expression(&mut self, body: &str, at: usize) -> Option<String> {
        if self.kind == TemplateKind::Sql && body == "this" {
            return Some(self.table(TableRef::This, at));
        }
        // dbt's config() only sets how the model is materialised; the query is the same.
        if self.kind == TemplateKind::Sql
            && body.strip_prefix("config").is_some_and(|r| r.trim_start().starts_with('('))
        {
            return Some(String::new());
        }
        let Some((name, args)) = parse_call(body) else {
            self.issue(at, format!("`{body}` is a template expression specproof does not evaluate"));
            return None;
        };
        let table = match (self.kind, name, args.as_slice()) {
            (TemplateKind::Sqlx, "self", []) => TableRef::This,
            (_, "ref" | "resolve", [_] | [_, _]) => TableRef::Ref(args),
            (TemplateKind::Sql, "source", [schema, table]) => TableRef::Source(schema.clone(), table.clone()),
            _ => {
                self.issue(at, format!("`{body}` is a template call specproof does not evaluate"));
                return None;
            }
        };
        Some(self.table(table, at))
    }

    fn table(&mut self, table: TableRef, at: usize) -> String {
        let (line, column) = self.lines.line_col(self.text, at);
        let name = (self.resolve)(&table).unwrap_or_else(|| match &table {
            TableRef::Ref(parts) => parts.join("."),
            TableRef::Source(schema, name) => format!("{schema}.{name}"),
            TableRef::This => "self".to_string(),
        });
        self.references.push((table, line, column));
        quote_name(&name, self.dialect)
    }

    fn config_block(&mut self, range: std::ops::Range<usize>, at: usize) -> SqlxConfig {
        let (line, _) = self.lines.line_col(self.text, at);
        let mut config = SqlxConfig { line, ..Default::default() };
        let object_text = &self.text[range.start - 1..range.end + 1];
        let value = match jsonc_parser::parse_to_value(object_text, &Default::default()) {
            Ok(Some(value)) => value,
            Ok(None) => return config,
            Err(error) => {
                self.issue(
                    range.start - 1 + error.range().start,
                    format!("the config block is not a literal object specproof can read: {}", error.kind()),
                );
                return config;
            }
        };
        let jsonc_parser::JsonValue::Object(object) = value else { return config };
        config.kind = object.get_string("type").map(|s| s.to_string());
        config.schema = object.get_string("schema").map(|s| s.to_string());
        config.name = object.get_string("name").map(|s| s.to_string());
        config.has_output = object.get_boolean("hasOutput").unwrap_or(false);
        config.unique_key = strings(object.get("uniqueKey"));
        if let Some(assertions) = object.get_object("assertions") {
            if config.unique_key.is_empty() {
                config.unique_key = strings(assertions.get("uniqueKey"));
            }
            config.non_null = strings(assertions.get("nonNull"));
        }
        config
    }
}

fn strings(value: Option<&jsonc_parser::JsonValue<'_>>) -> Vec<String> {
    match value {
        Some(jsonc_parser::JsonValue::String(s)) => vec![s.to_string()],
        Some(jsonc_parser::JsonValue::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                jsonc_parser::JsonValue::String(s) => Some(s.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A resolved `schema.table` quoted for the dialect: one backtick name in BigQuery (as Dataform
/// renders it), two double-quoted parts in DuckDB.
fn quote_name(name: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::Bigquery => format!("`{}`", name.replace('`', "")),
        Dialect::Duckdb => {
            name.split('.').map(|p| format!("\"{}\"", p.replace('"', "\"\""))).collect::<Vec<_>>().join(".")
        }
    }
}

/// `name(arg, ...)` where every argument is a quoted string: the only template calls with a
/// meaning that needs no JavaScript or Jinja.
fn parse_call(body: &str) -> Option<(&str, Vec<String>)> {
    let open = body.find('(')?;
    let name = body[..open].trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let rest = body[open + 1..].trim_end();
    let inner = rest.strip_suffix(')')?;
    let mut args = Vec::new();
    let mut chars = inner.trim().chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(quote) = chars.next() else { break };
        if !matches!(quote, '\'' | '"' | '`') {
            return None;
        }
        let mut arg = String::new();
        loop {
            match chars.next()? {
                c if c == quote => break,
                '\\' => arg.push(chars.next()?),
                c => arg.push(c),
            }
        }
        args.push(arg);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => break,
            Some(',') => continue,
            Some(_) => return None,
        }
    }
    Some((name, args))
}

fn at_line_start(text: &str, at: usize) -> bool {
    text[..at].rsplit('\n').next().is_none_or(|before| before.trim().is_empty())
}

/// `config {`, `js {`, `pre_operations {` or `post_operations {` at `at`: the word and the
/// offset of its brace.
fn block_start(text: &str, at: usize) -> Option<(&'static str, usize)> {
    let rest = &text[at..];
    for word in ["config", "js", "pre_operations", "post_operations"] {
        if let Some(after) = rest.strip_prefix(word) {
            let trimmed = after.trim_start();
            if trimmed.starts_with('{') {
                return Some((word, at + word.len() + (after.len() - trimmed.len())));
            }
        }
    }
    None
}

/// The offset of the `}` matching the `{` at `open`, skipping strings and comments. `js` picks
/// JavaScript lexing (`//` comments, template literals) over SQL's (`--` and `#` comments).
fn matching_brace(text: &str, open: usize, js: bool) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            b'\'' | b'"' | b'`' => {
                i += 1;
                while i < bytes.len() && bytes[i] != c {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(bytes.len(), |j| i + 2 + j + 1);
            }
            b'/' if js && bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(bytes.len(), |j| i + j);
            }
            b'-' if !js && bytes.get(i + 1) == Some(&b'-') => {
                i = text[i..].find('\n').map_or(bytes.len(), |j| i + j);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Tracks whether the scan is inside a SQL string or comment, so that block keywords are only
/// recognised at the top level.
#[derive(Default)]
struct SqlScan {
    inside: Option<&'static str>,
}

impl SqlScan {
    fn at_top(&self, _text: &str, _at: usize) -> bool {
        self.inside.is_none()
    }

    /// Advances over one character (or one closing delimiter), returning the next offset.
    fn step(&mut self, text: &str, at: usize) -> usize {
        let rest = &text[at..];
        let width = rest.chars().next().map_or(1, char::len_utf8);
        match self.inside {
            Some(close) => {
                if rest.starts_with('\\') && close.len() == 1 && close != "\n" {
                    return (at + 1 + rest[1..].chars().next().map_or(0, char::len_utf8)).min(text.len());
                }
                if rest.starts_with(close) {
                    self.inside = None;
                    return at + close.len();
                }
            }
            None => {
                for (open, close) in [
                    ("--", "\n"),
                    ("#", "\n"),
                    ("/*", "*/"),
                    ("'''", "'''"),
                    ("\"\"\"", "\"\"\""),
                    ("'", "'"),
                    ("\"", "\""),
                    ("`", "`"),
                ] {
                    if rest.starts_with(open) {
                        self.inside = Some(close);
                        return at + open.len();
                    }
                }
            }
        }
        at + width
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(table: &TableRef) -> Option<String> {
        match table {
            TableRef::Ref(parts) if parts.len() == 1 && parts[0] == "stg_orders" => Some("temp.stg_orders".into()),
            TableRef::Ref(parts) if parts.len() == 1 && parts[0] == "crm_customers" => Some("raw.crm_customers".into()),
            TableRef::Source(s, t) => Some(format!("{s}.{t}")),
            TableRef::This => Some("analytics.dim".into()),
            _ => None,
        }
    }

    #[test]
    fn sqlx_config_refs_and_positions() {
        let text = "config {\n  type: \"table\", schema: 'temp', // comment\n  assertions: { uniqueKey: [\"id\"], nonNull: [\"id\", 'x'] },\n}\n\nSELECT id,\n  x FROM ${ref(\"stg_orders\")} o\nJOIN ${ ref('crm_customers') } c ON c.id = o.bad\n";
        let r = render(text, TemplateKind::Sqlx, Dialect::Bigquery, &resolver);
        assert!(r.issues.is_empty(), "{:?}", r.issues);
        let config = r.config.clone().unwrap();
        assert_eq!(config.kind.as_deref(), Some("table"));
        assert_eq!(config.schema.as_deref(), Some("temp"));
        assert_eq!(config.unique_key, ["id"]);
        assert_eq!(config.non_null, ["id", "x"]);
        assert!(r.main.sql.contains("FROM `temp.stg_orders` o"), "{}", r.main.sql);
        assert!(r.main.sql.contains("JOIN `raw.crm_customers` c"), "{}", r.main.sql);
        // `o.bad` in the rendered text maps back to its place in the file: line 8.
        let offset = r.main.sql.find("o.bad").unwrap();
        let (line, column) = r.main.line_col(offset);
        let original = r.locate(&r.main, line as u64, column as u64);
        assert_eq!(original, (8, text.lines().nth(7).unwrap().find("o.bad").unwrap() + 1));
        // A substituted name maps to the start of its template expression.
        let offset = r.main.sql.find("`raw.crm").unwrap() + 3;
        let (line, column) = r.main.line_col(offset);
        assert_eq!(r.locate(&r.main, line as u64, column as u64), (8, 6));
        assert_eq!(r.references.len(), 2);
    }

    #[test]
    fn operations_blocks_and_self() {
        let text = "config { type: \"operations\", hasOutput: true }\npre_operations {\n  DELETE FROM ${self()} WHERE TRUE\n}\nINSERT INTO ${self()} SELECT 1;\npost_operations { SELECT '}' }\n";
        let r = render(text, TemplateKind::Sqlx, Dialect::Bigquery, &resolver);
        assert!(r.issues.is_empty(), "{:?}", r.issues);
        assert!(r.config.as_ref().unwrap().has_output);
        assert_eq!(r.pre_operations.len(), 1);
        assert!(r.pre_operations[0].sql.contains("DELETE FROM `analytics.dim` WHERE TRUE"));
        assert_eq!(r.post_operations[0].sql.trim(), "SELECT '}'");
        assert_eq!(r.main.sql.trim(), "INSERT INTO `analytics.dim` SELECT 1;");
        let at = r.pre_operations[0].sql.find("WHERE").unwrap();
        let (l, c) = r.pre_operations[0].line_col(at);
        assert_eq!(r.locate(&r.pre_operations[0], l as u64, c as u64), (3, 25));
    }

    #[test]
    fn unevaluable_templates_are_issues_at_their_place() {
        let text = "config { type: \"incremental\" }\njs {\n  const x = 1;\n}\nSELECT * FROM t\n${when(incremental(), `WHERE ts > 0`)}\n";
        let r = render(text, TemplateKind::Sqlx, Dialect::Bigquery, &resolver);
        let places: Vec<_> = r.issues.iter().map(|i| (i.line, i.column)).collect();
        assert_eq!(places, [(2, 1), (6, 1)], "{:?}", r.issues);
        let text = "{{ config(materialized='table') }}\nSELECT * FROM {{ source('raw', 'crm_customers') }}\n{% if is_incremental() %} WHERE 1 {% endif %}\n{# note #}";
        let r = render(text, TemplateKind::Sql, Dialect::Duckdb, &resolver);
        assert!(r.main.sql.contains("FROM \"raw\".\"crm_customers\""), "{}", r.main.sql);
        let places: Vec<_> = r.issues.iter().map(|i| (i.line, i.column)).collect();
        assert_eq!(places, [(3, 1), (3, 35)]);
        let r = render("config { type: foo( }\nSELECT 1", TemplateKind::Sqlx, Dialect::Bigquery, &resolver);
        assert_eq!(r.issues.len(), 1, "{:?}", r.issues);
        assert_eq!(r.issues[0].line, 1);
    }

    #[test]
    fn recognised_slips_are_mistakes_with_a_fix_and_render_as_fixed() {
        // A ref inside backticks: quoted twice.
        let r = render("SELECT * FROM `${ref(\"stg_orders\")}` o\n", TemplateKind::Sqlx, Dialect::Bigquery, &resolver);
        assert_eq!(r.issues.len(), 1, "{:?}", r.issues);
        assert_eq!((r.issues[0].line, r.issues[0].column), (1, 15));
        assert!(r.issues[0].fix.as_deref().is_some_and(|f| f.contains("remove the backticks")));
        assert_eq!(r.main.sql, "SELECT * FROM `temp.stg_orders` o\n");
        // A config block without its keyword.
        let r = render(
            "{\n  type: \"table\",\n  schema: \"temp\"\n}\nSELECT 1\n",
            TemplateKind::Sqlx,
            Dialect::Bigquery,
            &resolver,
        );
        assert_eq!(r.issues.len(), 1, "{:?}", r.issues);
        assert!(r.issues[0].fix.as_deref().is_some_and(|f| f.contains("config {")));
        assert_eq!(r.config.as_ref().and_then(|c| c.schema.as_deref()), Some("temp"));
        assert_eq!(r.main.sql.trim(), "SELECT 1");
        // The other tool's syntax, both ways.
        let r = render("SELECT * FROM {{ ref('stg_orders') }}", TemplateKind::Sqlx, Dialect::Bigquery, &resolver);
        assert_eq!(r.issues.len(), 1, "{:?}", r.issues);
        assert_eq!(r.main.sql, "SELECT * FROM `temp.stg_orders`");
        let r = render("SELECT * FROM ${ref(\"stg_orders\")}", TemplateKind::Sql, Dialect::Duckdb, &resolver);
        assert_eq!(r.issues.len(), 1, "{:?}", r.issues);
        assert!(r.issues[0].fix.as_deref().is_some_and(|f| f.contains("{{ ref(")));
        assert_eq!(r.main.sql, "SELECT * FROM \"temp\".\"stg_orders\"");
        // Right syntax, nothing said; a backticked name that is no template is SQL.
        for text in ["SELECT * FROM ${ref(\"stg_orders\")}", "SELECT * FROM `raw.t`", "SELECT '{{ x }}'"] {
            let r = render(text, TemplateKind::Sqlx, Dialect::Bigquery, &resolver);
            assert!(r.issues.is_empty(), "{text}: {:?}", r.issues);
        }
    }

    #[test]
    fn block_words_inside_strings_and_comments_are_sql() {
        let text = "SELECT 'config {' AS a -- js {\n, `js` FROM t";
        let r = render(text, TemplateKind::Sqlx, Dialect::Bigquery, &resolver);
        assert!(r.issues.is_empty());
        assert_eq!(r.main.sql, text);
        let r = render("SELECT {{ unknown_macro() }}", TemplateKind::Sql, Dialect::Duckdb, &resolver);
        assert_eq!(r.issues.len(), 1);
        let r = render("SELECT * FROM {{ ref('nope') }}", TemplateKind::Sql, Dialect::Duckdb, &resolver);
        assert!(r.issues.is_empty());
        assert_eq!(r.main.sql, "SELECT * FROM \"nope\"");
    }
}
