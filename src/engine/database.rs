//! The embedded DuckDB database: one per run, sandboxed, with a connection per worker.

use super::config::EngineConfig;
use super::run_error::RunError;
use super::{pool, sandbox, watchdog};
use crate::error::Result;
use crate::sql::bridge::RUN_TIME_VARIABLE;
use crate::sql::quote_ident as quote;
use duckdb::Connection;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

pub use super::run_error::RunErrorKind;

/// One row of a query result: each value as DuckDB's text of it, `None` for NULL.
pub type Row = Vec<Option<String>>;

/// A sandboxed DuckDB database and one connection to it.
///
/// A connection is `Send` but not `Sync`: each worker thread owns its own [`Engine`], made with
/// [`Engine::worker`] (or from a [`WorkerSource`] inside rayon's `map_init`).
#[derive(Debug)]
pub struct Engine {
    connection: Connection,
    catalog: String,
    timeout: Duration,
    /// The run time last set, so that a worker's connection reads the same one (variables
    /// belong to a connection, not to the database).
    run_time: RefCell<Option<String>>,
    /// Whether the database is a lease of a pooled instance ([`pool`]): a worker's connection
    /// then has to make the lease's catalog its default too.
    leased: bool,
    /// The pooled instance, on the engine that ends the lease when dropped (not on its
    /// workers). Its connection is kept apart from the lease's, whose session state (temporary
    /// objects, variables, prepared statements, an open transaction) closes with the lease.
    lease: Option<pool::Instance>,
    /// Set when a statement of this database or a worker's timed out, ran out of memory or was
    /// refused: the instance is then not kept.
    tainted: Arc<AtomicBool>,
}

impl Engine {
    /// Opens the database, in memory or at [`EngineConfig::db_path`], sandboxed before any SQL
    /// runs (see [`sandbox`]).
    pub fn open(config: &EngineConfig) -> Result<Engine> {
        if config.db_path.is_none() {
            return Engine::lease(config);
        }
        let flags = sandbox::config(config)?;
        // DuckDB opens the file itself, so external access being off does not stand in its way.
        let connection = match &config.db_path {
            Some(path) => Connection::open_with_flags(path, flags)?,
            None => Connection::open_in_memory_with_flags(flags)?,
        };
        // The time zone functions translated BigQuery calls (src/sql/bridge/zones.rs).
        crate::sql::bridge::zones::register(&connection)?;
        let catalog = connection.query_row("SELECT current_database()", [], |row| row.get(0))?;
        Engine::over(connection, config, None, catalog)
    }

    /// Opens pooled instances for an in-memory `config`, each on a thread of its own, until
    /// `instances` are kept or being opened, for the next [`Engine::open`]s to take ([`pool`]):
    /// a run spends its first milliseconds reading and checking files on one core, and opening
    /// an instance costs DuckDB ten to twenty more. A run with a worker per core leases as many
    /// databases at once (its datasets side by side), so it asks for one per worker: opened
    /// later, when the second dataset starts, the second instance held that dataset back while
    /// the first was already running. Dropping the [`Warming`] waits for the openings to end, so
    /// that no DuckDB work outlives the caller.
    pub fn warm(config: &EngineConfig, instances: usize) -> Warming {
        Warming(if config.db_path.is_none() { pool::warm(config, instances) } else { Vec::new() })
    }

    /// An in-memory database: a fresh catalog of a pooled instance ([`pool`]), opened with the
    /// same sandbox when none is kept.
    fn lease(config: &EngineConfig) -> Result<Engine> {
        let instance = pool::lend(config)?;
        let connection = instance.connection.try_clone()?;
        connection.execute_batch(&format!("USE {};", pool::LEASED))?;
        // The catalog is the one just made the default: asking DuckDB its name is a statement
        // (a quarter of a millisecond) per lease for what is known.
        Engine::over(connection, config, Some(instance), pool::LEASED.to_string())
    }

    fn over(
        connection: Connection,
        config: &EngineConfig,
        lease: Option<pool::Instance>,
        catalog: String,
    ) -> Result<Engine> {
        Ok(Engine {
            connection,
            catalog,
            timeout: config.query_timeout,
            run_time: RefCell::new(None),
            leased: lease.is_some(),
            lease,
            tainted: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The catalog (database) name to qualify schema names with, e.g. "memory" or the file's stem.
    pub fn catalog(&self) -> &str {
        &self.catalog
    }

    /// CREATE SCHEMA IF NOT EXISTS for each, qualified with the catalog, so a schema named `temp`
    /// works (unqualified, `temp` is DuckDB's catalog of temporary objects).
    pub fn create_schemas(&self, schemas: &[&str]) -> Result<(), RunError> {
        let catalog = quote(&self.catalog);
        let script: String = schemas
            .iter()
            .map(|schema| format!("CREATE SCHEMA IF NOT EXISTS {catalog}.{};\n", quote(schema)))
            .collect();
        self.execute(&script)
    }

    /// Sets the run time translated code reads in place of the clock (TIMESTAMP literal text
    /// like "2024-01-01 00:00:00"), on this connection and on workers made after.
    pub fn set_run_time(&self, timestamp: &str) -> Result<(), RunError> {
        self.execute(&run_time_sql(timestamp))?;
        *self.run_time.borrow_mut() = Some(timestamp.to_string());
        Ok(())
    }

    /// Runs a script (several statements) with the timeout.
    pub fn execute(&self, sql: &str) -> Result<(), RunError> {
        self.limited(|connection| connection.execute_batch(sql))
    }

    /// Runs a query with the timeout and returns its column names and rows, every value rendered
    /// as `Option<String>` (NULL = None) in a stable text form: DuckDB's own cast to VARCHAR
    /// (`1.5`, `2024-01-01 00:00:00`, `[1, 2]`, `{'k': 1}`; DOUBLE in its shortest exact form).
    ///
    /// `sql` is one query (SELECT, WITH, FROM, VALUES, TABLE, DESCRIBE, …; a trailing `;` is
    /// fine). More than one statement is an error rather than a script: the query is run as a
    /// subquery, `SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (sql)`, planned once
    /// ([`rows_planned_once`]); where the subquery may have renamed a repeated column, the names
    /// are taken from `DESCRIBE`, so duplicate column names come back as written.
    pub fn query(&self, sql: &str) -> Result<(Vec<String>, Vec<Row>), RunError> {
        let sql = trim_statement(sql);
        self.limited(|connection| {
            // Planned once (see rows_planned_once); a DESCRIBE first would plan it a second time.
            let (mut names, rows) = result_planned_once(connection, sql)?;
            // The subquery renames a repeated name (`a`, `a` come back `a`, `a_1`): where that
            // may have happened, the names are taken as written from DESCRIBE.
            if maybe_renamed(&names) {
                names = describe_query(connection, sql)?.into_iter().map(|(name, _)| name).collect();
            }
            Ok((names, rows))
        })
    }

    /// The rows of `sql`, one query whose columns have distinct names, each value as text as
    /// [`Engine::query`] gives it: [`Engine::query`] without the column names, so never a
    /// `DESCRIBE` for a name that looks renamed. For the many short queries of a run over its
    /// tables (the coverage probes, a shipped test's ASSERTs and row count).
    pub fn query_rows(&self, sql: &str) -> Result<Vec<Row>, RunError> {
        let sql = trim_statement(sql);
        self.limited(|connection| rows_planned_once(connection, sql))
    }

    /// The column names and DuckDB types (`INTEGER`, `DECIMAL(38,9)`, `VARCHAR[]`, …) of a table
    /// or query (`DESCRIBE`). A table is named as SQL names it, qualified as it must be
    /// (`"memory".temp.t`).
    pub fn describe(&self, relation_sql: &str) -> Result<Vec<(String, String)>, RunError> {
        let relation = trim_statement(relation_sql);
        let query = if is_query(relation) { relation.to_string() } else { format!("SELECT * FROM {relation}") };
        self.limited(|connection| describe_query(connection, &query))
    }

    /// Replaces the view at `relation` (a qualified name, as SQL writes it) by a table of its
    /// rows, computed under the time limit; returns whether there was a view. Model code may
    /// leave its output as a view, and a view's query runs again on every read: the output
    /// checks, the comparison with the reference and the models downstream would each run it,
    /// some through the raw connection outside any limit. Materialised once here, a view whose
    /// query runs forever is stopped on the model that made it, and every later read is of rows.
    pub fn materialise_view(&self, relation: &str) -> Result<bool, RunError> {
        let Some(parts) = name_parts(relation) else { return Ok(false) };
        let [catalog, schema, name] = parts.as_slice() else { return Ok(false) };
        let is_view = self.limited(|connection| {
            connection.query_row(
                "SELECT count(*) FROM duckdb_views() WHERE NOT internal AND database_name = ? AND schema_name = ? \
                 AND view_name = ?",
                [catalog, schema, name],
                |row| row.get::<_, i64>(0),
            )
        })? > 0;
        if !is_view {
            return Ok(false);
        }
        let rows = format!("{}.{}.{}", quote(catalog), quote(schema), quote(&format!("specproof_rows_of_{name}")));
        self.execute(&format!("CREATE OR REPLACE TABLE {rows} AS SELECT * FROM {relation}"))?;
        self.execute(&format!("DROP VIEW {relation}; ALTER TABLE {rows} RENAME TO {}", quote(name)))?;
        Ok(true)
    }

    /// A second connection to the same database, for one rayon worker (DuckDB connections are
    /// not `Sync`). It has the same sandbox and limits (they belong to the database, which is
    /// locked) and the same run time.
    pub fn worker(&self) -> Result<Engine> {
        let worker = self.bare_worker()?;
        // Its catalog and run time, as one script: a run makes dozens of workers.
        let mut setup = String::new();
        if self.leased {
            setup.push_str(&format!("USE {};\n", quote(&self.catalog)));
        }
        if let Some(timestamp) = self.run_time.borrow().as_deref() {
            // Already accepted once on this database; setting a variable takes no time to limit.
            setup.push_str(&run_time_sql(timestamp));
            setup.push_str(";\n");
        }
        if !setup.is_empty() {
            worker.connection.execute_batch(&setup)?;
        }
        Ok(worker)
    }

    /// A second connection with this one's settings, not yet in its catalog nor given its run
    /// time: what [`Engine::worker`] sets up, and what a [`WorkerSource`] makes its workers from.
    fn bare_worker(&self) -> Result<Engine> {
        Ok(Engine {
            connection: self.connection.try_clone()?,
            catalog: self.catalog.clone(),
            timeout: self.timeout,
            run_time: RefCell::new(self.run_time.borrow().clone()),
            leased: self.leased,
            lease: None,
            tainted: Arc::clone(&self.tainted),
        })
    }

    /// A [`WorkerSource`], for making workers inside rayon's `map_init`.
    pub fn worker_source(&self) -> Result<WorkerSource> {
        // Its connection only makes others: it runs nothing, so it is not set up (two
        // statements saved per model run, of which a run makes one per dataset and test file).
        Ok(WorkerSource { engine: Mutex::new(self.bare_worker()?) })
    }

    /// The underlying connection (for the Appender / Arrow loading done elsewhere). What runs
    /// through it directly has no time limit, but the same sandbox.
    pub fn connection(&self) -> &duckdb::Connection {
        &self.connection
    }

    /// Runs `work` on the connection under the time limit, as every call above runs: for a
    /// caller that needs the connection itself (the reference comparison's statements).
    pub fn limited<T>(&self, work: impl FnOnce(&Connection) -> duckdb::Result<T>) -> Result<T, RunError> {
        crate::meter::count(crate::meter::Unit::Statements, 1);
        let handle = self.connection.interrupt_handle();
        match watchdog::run_with_limit(&handle, self.timeout, || work(&self.connection)) {
            Ok((Ok(value), _)) => Ok(value),
            Ok((Err(error), interrupted)) => {
                let error = RunError::from_duckdb(&error, interrupted, self.timeout);
                if error.kind != RunErrorKind::Failed {
                    self.tainted.store(true, Ordering::Relaxed);
                }
                Err(error)
            }
            // Nothing ran: without a watchdog there is no limit, so refuse rather than run.
            Err(error) => Err(RunError {
                kind: RunErrorKind::Failed,
                message: format!("cannot start the time limit's watchdog thread: {error}"),
            }),
        }
    }
}

impl Drop for Engine {
    /// Ends a lease ([`pool::release`]): the instance goes back to the pool, and this
    /// connection, with its session's state, closes.
    fn drop(&mut self) {
        if let Some(instance) = self.lease.take() {
            pool::release(instance, &self.connection, self.tainted.load(Ordering::Relaxed));
        }
    }
}

/// An instance being opened ahead of a run ([`Engine::warm`]); dropped, it waits for the
/// opening to end.
#[derive(Debug)]
#[must_use = "dropping it waits for the instance to open"]
pub struct Warming(Vec<std::thread::JoinHandle<()>>);

impl Drop for Warming {
    fn drop(&mut self) {
        for opening in self.0.drain(..) {
            // A thread that panicked opened nothing to keep; the lease opens its own.
            let _ = opening.join();
        }
    }
}

/// Makes worker [`Engine`]s from any thread.
///
/// rayon's `map_init` wants a `Sync` closure, and an [`Engine`] is only `Send`; this holds one
/// behind a mutex, taken only for the moment a new connection is made:
///
/// ```
/// use rayon::prelude::*;
/// use specproof::engine::{Engine, EngineConfig};
///
/// let engine = Engine::open(&EngineConfig::default()).unwrap();
/// let source = engine.worker_source().unwrap();
/// let answers: Vec<String> = (0..4)
///     .into_par_iter()
///     .map_init(|| source.worker(), |worker, i| {
///         let worker = worker.as_ref().map_err(|e| e.to_string())?;
///         let (_, rows) = worker.query(&format!("SELECT {i} * 2")).map_err(|e| e.to_string())?;
///         Ok::<_, String>(rows[0][0].clone().unwrap_or_default())
///     })
///     .collect::<Result<_, _>>()
///     .unwrap();
/// assert_eq!(answers, ["0", "2", "4", "6"]);
/// ```
#[derive(Debug)]
pub struct WorkerSource {
    engine: Mutex<Engine>,
}

impl WorkerSource {
    /// A new connection to the database, as [`Engine::worker`] makes it.
    pub fn worker(&self) -> Result<Engine> {
        self.engine.lock().unwrap_or_else(PoisonError::into_inner).worker()
    }
}

/// The temporary table [`rows_planned_once`] passes a result through.
const RESULT_TABLE: &str = "temp.main.specproof_result";

/// The rows of `query` (one query whose columns have distinct names), each value as DuckDB's
/// text of it, with the query planned once.
///
/// duckdb-rs reads a result only through a prepared statement, and DuckDB 2.0 plans a prepared
/// statement that reads tables again when it runs it: every such query was bound and optimized
/// twice, and for the short queries of a run (a comparison's hash sums, a coverage probe's
/// counts) planning is most of their cost. A script is planned once, so the query runs as one
/// into a temporary table, and the prepared statement reads that table (planning a scan is
/// cheap): measured on the comparisons of a 300-model project, the same statements took 15 %
/// less time. The table is replaced by the next call; it ends with the connection.
pub fn rows_planned_once(connection: &Connection, query: &str) -> duckdb::Result<Vec<Row>> {
    Ok(result_planned_once(connection, query)?.1)
}

/// [`rows_planned_once`] with the result's column names, as the subquery left them (a repeated
/// name renamed `a_1`).
fn result_planned_once(connection: &Connection, query: &str) -> duckdb::Result<(Vec<String>, Vec<Row>)> {
    connection.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE {RESULT_TABLE} AS SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (\n{query}\n) AS specproof_query"
    ))?;
    let mut statement = connection.prepare(&format!("FROM {RESULT_TABLE}"))?;
    let width = statement.column_count();
    let rows = statement
        .query_map([], |row| (0..width).map(|i| row.get::<_, Option<String>>(i)).collect())?
        .collect::<duckdb::Result<Vec<Row>>>()?;
    Ok((statement.column_names(), rows))
}

/// The one row of each of `queries` (each a query of one row of whole numbers, such as a row
/// of counts), asked as one statement: a `UNION ALL` of a row each, the query's number and its
/// values as a list. A statement whose rows are read costs DuckDB about a millisecond besides
/// the query's own, more than a short query takes. `None` for a query whose row did not come
/// back whole; an error when the statement fails (one of the queries cannot run), for the
/// caller to ask each alone.
pub fn counts_asked_together(
    connection: &Connection,
    queries: &[String],
) -> duckdb::Result<Vec<Option<Vec<Option<i64>>>>> {
    let branches: Vec<String> = queries
        .iter()
        .enumerate()
        .map(|(k, sql)| {
            format!(
                "SELECT {k} AS specproof_k, list_value(*COLUMNS(*)) AS specproof_values FROM ({sql}) AS specproof_row"
            )
        })
        .collect();
    let mut out: Vec<Option<Vec<Option<i64>>>> = vec![None; queries.len()];
    for row in rows_planned_once(connection, &branches.join("\nUNION ALL "))? {
        let (Some(Some(k)), Some(Some(list))) = (row.first(), row.get(1)) else { continue };
        let Some(slot) = k.parse::<usize>().ok().and_then(|k| out.get_mut(k)) else { continue };
        // DuckDB writes a list of numbers `[1, NULL, 3]`.
        *slot = list
            .strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .map(|l| l.split(", ").map(|v| v.parse::<i64>().ok()).collect());
    }
    Ok(out)
}

/// Opens an in-memory DuckDB database, without the sandbox (for trusted SQL only: the bridge's
/// and the generator's own tests).
pub fn open_in_memory() -> Result<Connection> {
    let connection = Connection::open_in_memory()?;
    crate::sql::bridge::zones::register(&connection)?;
    Ok(connection)
}

/// The version of the DuckDB library specproof is built with, as DuckDB reports it.
pub fn duckdb_version(connection: &Connection) -> Result<String> {
    Ok(connection.query_row("SELECT version()", [], |row| row.get(0))?)
}

/// The parts of a qualified name as SQL writes it (`"memory"."analytics"."t"`), unquoted; `None`
/// when it is not a plain dotted name.
fn name_parts(relation: &str) -> Option<Vec<String>> {
    let dialect = sqlparser::dialect::DuckDbDialect {};
    let mut parser = sqlparser::parser::Parser::new(&dialect).try_with_sql(relation).ok()?;
    let name = parser.parse_object_name(false).ok()?;
    if parser.peek_token().token != sqlparser::tokenizer::Token::EOF {
        return None;
    }
    name.0.iter().map(|part| part.as_ident().map(|ident| ident.value.clone())).collect()
}

/// The statement that sets the run time variable.
fn run_time_sql(timestamp: &str) -> String {
    format!("SET VARIABLE {RUN_TIME_VARIABLE} = TIMESTAMP '{}'", timestamp.replace('\'', "''"))
}

/// `sql` without surrounding whitespace, and without the trailing semicolons and whole-line
/// `--` comments that would break it once wrapped in parentheses.
fn trim_statement(sql: &str) -> &str {
    let mut sql = sql.trim();
    loop {
        let trimmed = sql.trim_end_matches(|c: char| c == ';' || c.is_whitespace());
        let last_line = trimmed.rfind('\n').map_or(trimmed, |at| &trimmed[at + 1..]);
        if last_line.trim_start().starts_with("--") {
            sql = &trimmed[..trimmed.len() - last_line.len()];
        } else {
            return trimmed;
        }
    }
}

/// Whether `sql` is a query rather than the name of a table: it opens with a keyword that
/// starts one, or a parenthesis.
fn is_query(sql: &str) -> bool {
    if sql.starts_with('(') {
        return true;
    }
    let word: String = sql.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    const STARTS: [&str; 10] =
        ["SELECT", "WITH", "FROM", "VALUES", "TABLE", "DESCRIBE", "SHOW", "SUMMARIZE", "PIVOT", "UNPIVOT"];
    STARTS.iter().any(|start| word.eq_ignore_ascii_case(start))
}

/// `DESCRIBE (query)`: the parentheses make a second statement a syntax error rather than
/// something that runs.
/// Whether a name in `names` may be one DuckDB made for a repeated column: `x_<n>` beside an
/// `x` (names compare without case).
fn maybe_renamed(names: &[String]) -> bool {
    names.iter().any(|name| {
        let Some((base, n)) = name.rsplit_once('_') else { return false };
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
            && names.iter().any(|other| other.eq_ignore_ascii_case(base))
    })
}

fn describe_query(connection: &Connection, query: &str) -> duckdb::Result<Vec<(String, String)>> {
    let mut statement = connection.prepare(&format!("DESCRIBE (\n{query}\n)"))?;
    let columns = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    columns.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RunErrorKind::*;
    use crate::spec::model::Dialect;
    use crate::sql::bridge::{to_duckdb, BridgeOptions};
    use crate::sql::parse::parse_statements;
    use rayon::prelude::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    fn engine() -> Engine {
        Engine::open(&EngineConfig::default()).unwrap()
    }

    fn kind(result: Result<(), RunError>) -> RunErrorKind {
        result.expect_err("should fail").kind
    }

    fn rows(engine: &Engine, sql: &str) -> Vec<Row> {
        engine.query(sql).unwrap_or_else(|e| panic!("{sql}: {e}")).1
    }

    fn text(values: &[&str]) -> Row {
        values.iter().map(|v| Some(v.to_string())).collect()
    }

    /// A fresh path in the temporary directory, and the files DuckDB keeps beside it, removed
    /// on drop.
    struct TempDb(PathBuf);

    impl TempDb {
        fn new(name: &str) -> TempDb {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            TempDb(std::env::temp_dir().join(format!("specproof-{name}-{}-{n}.db", std::process::id())))
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
            let _ = std::fs::remove_file(self.0.with_extension("db.wal"));
        }
    }

    #[test]
    fn an_in_memory_database_runs_a_query() {
        let db = open_in_memory().unwrap();
        let sum: i64 = db.query_row("SELECT sum(x) FROM range(5) t(x)", [], |row| row.get(0)).unwrap();
        assert_eq!(sum, 10);
        let version = duckdb_version(&db).unwrap();
        assert!(version.starts_with("v"), "{version}");
    }

    #[test]
    fn the_sandbox_denies_every_way_out() {
        let engine = engine();
        let target = std::env::temp_dir().join(format!("specproof-should-not-exist-{}.csv", std::process::id()));
        let forbidden = [
            "SELECT * FROM read_csv('/etc/passwd')".to_string(),
            format!("COPY (SELECT 1) TO '{}'", target.display()),
            "COPY (SELECT 1) TO '/tmp/specproof-should-not-exist.csv'".to_string(),
            "INSTALL httpfs".to_string(),
            "LOAD httpfs".to_string(),
            "SET enable_external_access = true".to_string(),
            "ATTACH '/tmp/x.db'".to_string(),
            "SELECT * FROM read_text('/etc/hostname')".to_string(),
            "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')".to_string(),
            "CREATE SECRET (TYPE http)".to_string(),
            "PRAGMA memory_limit = '100GB'".to_string(),
            "SET memory_limit = '100GB'".to_string(),
            "RESET memory_limit".to_string(),
            "SET GLOBAL threads = 64".to_string(),
            "SET temp_directory = '/tmp'".to_string(),
            "SET lock_configuration = false".to_string(),
            "SET autoload_known_extensions = true".to_string(),
            "SELECT * FROM glob('/etc/*')".to_string(),
            "SELECT * FROM read_csv('https://example.com/x.csv')".to_string(),
            "EXPORT DATABASE '/tmp/specproof-should-not-exist'".to_string(),
        ];
        for sql in &forbidden {
            let error = engine.execute(sql).expect_err(sql);
            assert_eq!(error.kind, Denied, "{sql}: {error}");
            assert!(!error.message.contains('\n'), "{sql}: {error}");
        }
        assert!(!target.exists());
        assert!(!std::path::Path::new("/tmp/specproof-should-not-exist.csv").exists());
        assert!(!std::path::Path::new("/tmp/specproof-should-not-exist").exists());
        assert!(!std::path::Path::new("/tmp/x.db").exists());
        // The settings are still the sandbox's.
        let settings = rows(
            &engine,
            "SELECT value FROM duckdb_settings() WHERE name IN \
             ('enable_external_access', 'lock_configuration', 'temp_directory') ORDER BY name",
        );
        assert_eq!(settings, [text(&["false"]), text(&["true"]), text(&[""])]);
        // The connection survives all of it.
        assert_eq!(rows(&engine, "SELECT 42"), [text(&["42"])]);
    }

    #[test]
    fn a_runaway_query_times_out_and_the_connection_still_works() {
        let config = EngineConfig { query_timeout: Duration::from_millis(300), ..EngineConfig::default() };
        let engine = Engine::open(&config).unwrap();
        for runaway in [
            "SELECT count(*) FROM range(10000000000) a",
            "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r",
        ] {
            let start = Instant::now();
            let error = engine.query(runaway).expect_err(runaway);
            assert_eq!(error.kind, Timeout, "{runaway}: {error}");
            assert_eq!(error.code().as_str(), "RUN002");
            assert_eq!(error.message, "ran longer than the time limit of 300 ms, interrupted");
            assert!(start.elapsed() < Duration::from_secs(5), "{runaway}: {:?}", start.elapsed());
            assert_eq!(rows(&engine, "SELECT 42"), [text(&["42"])]);
        }
        // A script is limited as a whole, and nothing after the interrupted statement runs.
        let script = "CREATE TABLE t AS SELECT 1 AS x; SELECT count(*) FROM range(10000000000); CREATE TABLE u (x INT)";
        assert_eq!(kind(engine.execute(script)), Timeout);
        assert_eq!(kind(engine.execute("SELECT * FROM u")), Failed);
        assert_eq!(rows(&engine, "SELECT x FROM t"), [text(&["1"])]);
    }

    #[test]
    fn a_query_over_the_memory_limit_fails_instead_of_spilling() {
        let config =
            EngineConfig { memory_limit: "64MB".into(), query_timeout: Duration::from_secs(120), ..Default::default() };
        let engine = Engine::open(&config).unwrap();
        for hungry in [
            "SELECT count(*) FROM (SELECT * FROM range(30000000) ORDER BY random())",
            "SELECT length(string_agg(range::VARCHAR, ',')) FROM range(30000000)",
            "CREATE TABLE big AS SELECT range AS r, range::VARCHAR AS s FROM range(20000000)",
        ] {
            let error = engine.execute(hungry).expect_err(hungry);
            assert_eq!(error.kind, MemoryLimit, "{hungry}: {error}");
            assert_eq!(error.code().as_str(), "RUN004");
            assert!(error.message.starts_with("Out of Memory Error: "), "{error}");
            assert!(!error.message.contains("temp_directory"), "{error}");
        }
        assert_eq!(rows(&engine, "SELECT 42"), [text(&["42"])]);
    }

    #[test]
    fn a_failing_model_is_failed_with_a_one_line_message() {
        let engine = engine();
        let error = engine.execute("SELECT CAST('active' AS INTEGER)").unwrap_err();
        assert_eq!((error.kind, error.code().as_str()), (Failed, "RUN001"));
        assert!(error.message.starts_with("Conversion Error: "), "{error}");
        let error = engine.query("SELECT nope FROM range(3) t(x)").unwrap_err();
        assert_eq!(error.kind, Failed);
        assert!(!error.message.contains('\n') && !error.message.contains("LINE 1"), "{error}");
        assert_eq!(error.to_string(), error.message);
        // A function of an extension that is not loaded is a failure, not a denial: nothing
        // tried to leave the sandbox.
        assert_eq!(kind(engine.execute("SELECT st_point(1, 2)")), Failed);
    }

    #[test]
    fn the_temp_schema_works_when_qualified_with_the_catalog() {
        let engine = engine();
        assert_eq!(engine.catalog(), "memory");
        engine.create_schemas(&["raw", "temp", "analytics"]).unwrap();
        engine.create_schemas(&["temp"]).unwrap();
        engine.execute(r#"CREATE TABLE "memory".temp.t AS SELECT 1 AS id, 'a' AS name"#).unwrap();
        assert_eq!(
            engine.query(r#"SELECT * FROM "memory".temp.t"#).unwrap(),
            (vec!["id".into(), "name".into()], vec![text(&["1", "a"])])
        );
        // Unqualified, DuckDB cannot tell the schema from its catalog of temporary objects.
        assert_eq!(kind(engine.execute("SELECT * FROM temp.t")), Failed);

        // Translated code, qualified by the bridge, runs.
        engine.execute(r#"CREATE TABLE "memory".raw.src AS SELECT * FROM range(3) t(id)"#).unwrap();
        engine.set_run_time("2024-05-06 07:08:09").unwrap();
        let script = "CREATE TABLE temp.stg AS SELECT id FROM `raw.src` WHERE id > 0;\n\
                      CREATE TABLE analytics.out AS SELECT s.id, CURRENT_TIMESTAMP() AS at FROM temp.stg AS s";
        let mut statements = parse_statements(script, Dialect::Bigquery).unwrap();
        let options = BridgeOptions { from: Dialect::Bigquery, catalog: Some(engine.catalog().into()) };
        assert!(to_duckdb(&mut statements, &options).is_empty());
        let translated: Vec<String> = statements.iter().map(|s| s.to_string()).collect();
        engine.execute(&translated.join(";\n")).unwrap();
        assert_eq!(
            rows(&engine, r#"SELECT * FROM "memory".analytics.out ORDER BY id"#),
            [text(&["1", "2024-05-06 07:08:09"]), text(&["2", "2024-05-06 07:08:09"])]
        );
    }

    #[test]
    fn names_a_subquery_may_have_renamed_are_read_as_written() {
        let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert!(maybe_renamed(&names(&["a", "a_1"])));
        assert!(maybe_renamed(&names(&["A", "a_2", "b"])));
        assert!(!maybe_renamed(&names(&["a_1", "b"])), "no `a` beside it");
        assert!(!maybe_renamed(&names(&["a", "a_x", "a_"])));
        let (found, _) = engine().query("SELECT 1 AS x, 2 AS X, 3 AS x_1").unwrap();
        assert_eq!(found, ["x", "X", "x_1"]);
    }

    #[test]
    fn query_renders_values_as_duckdb_text() {
        let engine = engine();
        let (names, rows) = engine
            .query(
                "SELECT 1 AS a, 2 AS a, 1.5::DOUBLE AS d, 0.1::DECIMAL(10, 3) AS n, NULL AS z, [1, 2] AS l, \
                 {'k': 1} AS s, TIMESTAMP '2024-01-01' AS ts, DATE '2024-01-02' AS dt, \
                 TIMESTAMPTZ '2024-01-01 12:00:00+02' AS tz, true AS b;\n-- a comment\n",
            )
            .unwrap();
        assert_eq!(names, ["a", "a", "d", "n", "z", "l", "s", "ts", "dt", "tz", "b"]);
        let want = [
            Some("1"),
            Some("2"),
            Some("1.5"),
            Some("0.100"),
            None,
            Some("[1, 2]"),
            Some("{'k': 1}"),
            Some("2024-01-01 00:00:00"),
            Some("2024-01-02"),
            Some("2024-01-01 10:00:00+00"),
            Some("true"),
        ];
        assert_eq!(rows, [want.map(|v| v.map(str::to_string)).to_vec()]);
        let (_, ordered) = engine.query("SELECT x FROM range(100000) t(x) ORDER BY x DESC").unwrap();
        assert_eq!(ordered.len(), 100000);
        assert_eq!(ordered[0], text(&["99999"]));
        assert_eq!(ordered[99999], text(&["0"]));
        assert!(engine.query("SELECT 0 WHERE false").unwrap().1.is_empty());
        // One query only: a second statement is a syntax error, not something that runs.
        engine.execute("CREATE TABLE keep (x INT)").unwrap();
        assert_eq!(engine.query("SELECT 1; DROP TABLE keep").unwrap_err().kind, Failed);
        assert_eq!(engine.describe("keep").unwrap(), [("x".to_string(), "INTEGER".to_string())]);
    }

    #[test]
    fn describe_gives_names_and_types_of_tables_and_queries() {
        let engine = engine();
        engine.create_schemas(&["temp"]).unwrap();
        engine.execute(r#"CREATE TABLE "memory".temp.t (id BIGINT, amount DECIMAL(38, 9), tags VARCHAR[])"#).unwrap();
        let want: Vec<(String, String)> = [("id", "BIGINT"), ("amount", "DECIMAL(38,9)"), ("tags", "VARCHAR[]")]
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .to_vec();
        assert_eq!(engine.describe(r#""memory".temp.t"#).unwrap(), want);
        assert_eq!(engine.describe(r#"SELECT * FROM "memory".temp.t;"#).unwrap(), want);
        assert_eq!(engine.describe(r#"from "memory".temp.t"#).unwrap(), want);
        assert_eq!(engine.describe("(SELECT 1 AS x)").unwrap(), [("x".to_string(), "INTEGER".to_string())]);
        assert_eq!(engine.describe("missing").unwrap_err().kind, Failed);
    }

    #[test]
    fn workers_share_the_tables_the_run_time_and_the_sandbox() {
        let engine = engine();
        engine.create_schemas(&["temp"]).unwrap();
        engine.execute(r#"CREATE TABLE "memory".temp.t AS SELECT * FROM range(100) t(x)"#).unwrap();
        engine.set_run_time("2024-01-01 00:00:00").unwrap();
        let source = engine.worker_source().unwrap();
        let threads = std::sync::Mutex::new(std::collections::HashSet::new());
        let results: Vec<(u64, Vec<Row>, RunErrorKind)> = (0..16u64)
            .into_par_iter()
            .map_init(
                || source.worker().unwrap(),
                |worker, i| {
                    threads.lock().unwrap().insert(std::thread::current().id());
                    let sql = format!(
                        r#"SELECT count(*), getvariable('specproof_run_time') FROM "memory".temp.t WHERE x % 16 = {i}"#
                    );
                    let denied = kind(worker.execute("SELECT * FROM read_csv('/etc/passwd')"));
                    (i, rows(worker, &sql), denied)
                },
            )
            .collect();
        for (i, rows, denied) in results {
            let count = if i < 4 { "7" } else { "6" };
            assert_eq!(rows, [text(&[count, "2024-01-01 00:00:00"])], "worker query {i}");
            assert_eq!(denied, Denied);
        }
        // A worker of a worker, made on another thread, is the same database too.
        let worker = std::thread::scope(|s| s.spawn(|| source.worker().unwrap().worker().unwrap()).join().unwrap());
        assert_eq!(rows(&worker, r#"SELECT count(*) FROM "memory".temp.t"#), [text(&["100"])]);
        eprintln!("{} rayon threads", threads.lock().unwrap().len());
    }

    #[test]
    fn a_file_database_keeps_its_tables_and_the_sandbox() {
        let file = TempDb::new("engine");
        let config = EngineConfig { db_path: Some(file.0.clone()), ..EngineConfig::default() };
        {
            let engine = Engine::open(&config).unwrap();
            let stem = file.0.file_stem().unwrap().to_str().unwrap();
            assert_eq!(engine.catalog(), stem);
            engine.create_schemas(&["raw", "temp"]).unwrap();
            let table = format!("{}.temp.t", quote(engine.catalog()));
            engine.execute(&format!("CREATE TABLE {table} AS SELECT 7 AS x")).unwrap();
            assert_eq!(kind(engine.execute("SELECT * FROM read_csv('/etc/passwd')")), Denied);
            assert_eq!(kind(engine.execute("ATTACH '/tmp/x.db' AS other")), Denied);
            assert_eq!(kind(engine.execute("SET enable_external_access = true")), Denied);
            assert_eq!(kind(engine.execute("SET temp_directory = '/tmp'")), Denied);
            let worker = engine.worker().unwrap();
            assert_eq!(rows(&worker, &format!("SELECT x FROM {table}")), [text(&["7"])]);
            assert_eq!(kind(worker.execute("COPY (SELECT 1) TO '/tmp/specproof-should-not-exist.csv'")), Denied);
            engine.execute("CHECKPOINT").unwrap();
        }
        assert!(file.0.exists());
        let engine = Engine::open(&config).unwrap();
        let table = format!("{}.temp.t", quote(engine.catalog()));
        assert_eq!(rows(&engine, &format!("SELECT x FROM {table}")), [text(&["7"])]);
        assert!(!std::path::Path::new("/tmp/specproof-should-not-exist.csv").exists());
    }

    #[test]
    fn a_bad_setting_is_an_error_not_a_panic() {
        let config = EngineConfig { memory_limit: "lots".into(), ..EngineConfig::default() };
        let error = Engine::open(&config).unwrap_err();
        assert!(matches!(error.kind, crate::error::ErrorKind::Database(_)), "{error}");
        assert!(error.to_string().contains("memory_limit"), "{error}");
        let nowhere = EngineConfig { db_path: Some("/nonexistent-dir/x.db".into()), ..EngineConfig::default() };
        assert!(matches!(
            Engine::open(&nowhere),
            Err(crate::error::Error { kind: crate::error::ErrorKind::Database(_), .. })
        ));
    }

    #[test]
    fn set_run_time_rejects_what_is_not_a_timestamp() {
        let engine = engine();
        assert_eq!(kind(engine.set_run_time("yesterday")), Failed);
        assert_eq!(kind(engine.set_run_time("2024-01-01' ; SELECT 1; --")), Failed);
        engine.set_run_time("2024-02-03 04:05:06").unwrap();
        assert_eq!(rows(&engine, "SELECT getvariable('specproof_run_time')"), [text(&["2024-02-03 04:05:06"])]);
    }

    #[test]
    fn helpers_quote_trim_and_tell_queries_from_names() {
        assert_eq!(quote(r#"my"db"#), r#""my""db""#);
        assert_eq!(trim_statement(" SELECT 1 ;\n ; "), "SELECT 1");
        assert_eq!(trim_statement("SELECT 1 -- one\n;\n  -- done\n--\n"), "SELECT 1 -- one");
        assert_eq!(trim_statement("-- only a comment"), "");
        assert!(is_query("with x as (select 1) select * from x"));
        assert!(is_query("(SELECT 1)"));
        assert!(!is_query(r#""memory".temp.t"#));
        assert!(!is_query("selection"));
    }
}
