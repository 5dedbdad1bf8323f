//! Sandboxed in-memory databases kept between runs, each lending a fresh catalog.
//!
//! Opening a DuckDB database costs far more than what a run on a few hundred rows asks of it:
//! tens of milliseconds to set up an instance against well under one to attach an empty
//! in-memory catalog to an open one. A run opens many (one per dataset, per shipped test file,
//! per shrinking probe, per mutant), so an in-memory [`Engine`](super::Engine) is a *lease*: a
//! pooled instance, opened with the same sandbox and limits, with a fresh `:memory:` catalog
//! attached as `memory` and made the default. Every name a run writes is qualified with that
//! catalog, DuckDB's messages name it as before, and `current_database()` answers `memory`, so a
//! lease is indistinguishable from a database opened for it.
//!
//! A run may have one opened ahead ([`warm`]) while it reads its files: the first lease waits
//! for that one rather than open another.
//!
//! At most one lease uses an instance at a time. When it ends ([`release`]), its catalog is
//! detached, and so is the instance's own catalog (the one its connection sits in while no
//! lease runs), replaced by a fresh one: whatever code wrote outside its catalog goes with them.
//! The lease's connections are closed, and with them their temporary objects, variables,
//! prepared statements and open transactions. The `system` catalog takes no objects, settings
//! are locked, extensions and secrets refused. The instance is closed instead of kept when a
//! transaction was left open, another catalog is attached, or a statement timed out, ran out
//! of memory or was refused by the sandbox (DuckDB's state after those is its own). The memory
//! limit is the instance's, as it was the database's: one lease at a time holds it.

use super::config::EngineConfig;
use duckdb::Connection;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// The catalog a pooled instance's connection sits in after its `n`th lease: a fresh one for
/// each, so that nothing a lease wrote there outlives it.
fn base(n: usize) -> String {
    format!("specproof_pool_{n}")
}

/// The catalog a lease works in: the name an in-memory database has when opened on its own.
pub(super) const LEASED: &str = "memory";

/// Instances kept at most: one per worker thread and the thread that starts them is what a run
/// uses; more would only hold memory.
const KEPT: usize = 8;

/// The settings an instance was opened with that a lease must share.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    memory_limit: String,
    threads: usize,
}

/// A pooled instance: its settings, a connection to it, and how many leases it has had (its
/// connection sits in the catalog [`base`] of that number).
#[derive(Debug)]
pub(super) struct Instance {
    key: Key,
    pub(super) connection: Connection,
    leases: usize,
}

/// The kept instances, and the ones being opened ahead ([`warm`]).
#[derive(Debug)]
struct Pool {
    kept: Vec<Instance>,
    /// Each instance being opened ahead: its settings, a number of its own (a lease waits for
    /// that one, not for every one being opened), and whether a lease waits for it.
    warming: Vec<Warming>,
    /// The number the next instance opened ahead gets.
    next: usize,
}

/// An instance being opened ahead.
#[derive(Debug)]
struct Warming {
    key: Key,
    id: usize,
    waited: bool,
}

static POOL: Mutex<Pool> = Mutex::new(Pool { kept: Vec::new(), warming: Vec::new(), next: 0 });

/// Told when an instance opened ahead is kept, or could not be opened.
static WARMED: Condvar = Condvar::new();

fn pool() -> MutexGuard<'static, Pool> {
    POOL.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Key {
    fn of(config: &EngineConfig) -> Key {
        Key { memory_limit: config.memory_limit.clone(), threads: config.threads }
    }
}

/// An instance for `config`: a kept one with its settings, or a new one opened with the sandbox.
/// The lease's catalog is attached to it and made the default.
pub(super) fn lend(config: &EngineConfig) -> crate::error::Result<Instance> {
    let key = Key::of(config);
    let kept = {
        let mut pool = pool();
        loop {
            if let Some(at) = pool.kept.iter().position(|i| i.key == key) {
                break Some(pool.kept.swap_remove(at));
            }
            // One being opened ahead is nearer to ready than one opened now: the first lease
            // to need it waits for it (another may still take it first; then this one looks
            // again), a lease finding none unclaimed opens its own.
            let Some(waiting) = pool.warming.iter_mut().find(|w| w.key == key && !w.waited) else {
                break None;
            };
            waiting.waited = true;
            let id = waiting.id;
            pool = WARMED
                .wait_while(pool, |p| p.warming.iter().any(|w| w.id == id))
                .unwrap_or_else(PoisonError::into_inner);
        }
    };
    let instance = match kept {
        Some(instance) => instance,
        None => open(config, key)?,
    };
    instance.connection.execute_batch(&format!("ATTACH ':memory:' AS {LEASED};"))?;
    Ok(instance)
}

/// A new instance opened with the sandbox, as a kept one is between leases.
fn open(config: &EngineConfig, key: Key) -> crate::error::Result<Instance> {
    let connection = Connection::open_in_memory_with_flags(super::sandbox::config(config)?)?;
    // The time zone functions translated BigQuery calls (src/sql/bridge/zones.rs).
    crate::sql::bridge::zones::register(&connection)?;
    // The database's first catalog is `memory`: it is detached so that every lease,
    // the first too, gets one attached for it alone.
    let first = base(0);
    connection.execute_batch(&format!("ATTACH ':memory:' AS {first}; USE {first}; DETACH {LEASED};"))?;
    Ok(Instance { key, connection, leases: 0 })
}

/// Opens instances for `config` ahead, each on a thread of its own, and keeps them for the next
/// leases, until `wanted` of its settings are kept or being opened (at most [`KEPT`]). The
/// threads' handles, none when none was needed or could start. An instance that cannot be
/// opened is not kept: the lease that needs it opens its own and reports why it cannot.
pub(super) fn warm(config: &EngineConfig, wanted: usize) -> Vec<std::thread::JoinHandle<()>> {
    let key = Key::of(config);
    let ids: Vec<usize> = {
        let mut pool = pool();
        let there =
            pool.kept.iter().filter(|i| i.key == key).count() + pool.warming.iter().filter(|w| w.key == key).count();
        let room = KEPT.saturating_sub(pool.kept.len() + pool.warming.len());
        let missing = wanted.min(KEPT).saturating_sub(there).min(room);
        let first = pool.next;
        pool.next += missing;
        let ids: Vec<usize> = (first..first + missing).collect();
        pool.warming.extend(ids.iter().map(|&id| Warming { key: key.clone(), id, waited: false }));
        ids
    };
    let done = |id: usize, instance: Option<Instance>| {
        let mut pool = pool();
        if let Some(at) = pool.warming.iter().position(|w| w.id == id) {
            pool.warming.swap_remove(at);
        }
        if let Some(instance) = instance.filter(|_| pool.kept.len() < KEPT) {
            pool.kept.push(instance);
        }
        WARMED.notify_all();
    };
    ids.into_iter()
        .filter_map(|id| {
            let config = config.clone();
            let key = key.clone();
            let opening = move || {
                // Whatever happens, a lease waiting for this instance is told (a panic would
                // leave it waiting for ever).
                let opened = std::panic::catch_unwind(|| open(&config, key).ok());
                done(id, opened.ok().flatten());
            };
            let started = std::thread::Builder::new().name("specproof-warm".into()).spawn(opening);
            if started.is_err() {
                done(id, None);
            }
            started.ok()
        })
        .collect()
}

/// Ends a lease whose connection is `lease` (the caller closes it next) and keeps the instance
/// for the next lease, or drops it, which closes it ([module docs](self)). `tainted` says a
/// statement of the lease timed out, ran out of memory or was refused.
pub(super) fn release(mut instance: Instance, lease: &Connection, tainted: bool) {
    // A ROLLBACK that succeeds found a transaction the code left open.
    if tainted || lease.execute_batch("ROLLBACK").is_ok() || !renew(&mut instance, lease) {
        return;
    }
    let mut pool = pool();
    if pool.kept.len() < KEPT {
        pool.kept.push(instance);
    }
}

/// Moves both connections to a fresh catalog of the instance's own, detaches the old one and
/// the lease's, and says whether nothing else is attached.
fn renew(instance: &mut Instance, lease: &Connection) -> bool {
    let (old, new) = (base(instance.leases), base(instance.leases + 1));
    let connection = &instance.connection;
    if connection.execute_batch(&format!("ATTACH ':memory:' AS {new}; USE {new};")).is_err()
        || lease.execute_batch(&format!("USE {new};")).is_err()
    {
        return false;
    }
    // The detaches run as the script's first statements and the count is its last, read: one
    // call where two were (a lease ends for every dataset and shipped test file).
    let others = format!(
        "DETACH {old}; DETACH {LEASED};\n\
         SELECT count(*) FROM duckdb_databases() WHERE database_name NOT IN ('{new}', 'system', 'temp')"
    );
    let Ok(mut statement) = connection.prepare(&others) else { return false };
    instance.leases += 1;
    matches!(statement.query_row([], |row| row.get::<_, i64>(0)), Ok(0))
}

/// Instances kept with `config`'s settings.
#[cfg(test)]
fn kept(config: &EngineConfig) -> usize {
    let key = Key::of(config);
    pool().kept.iter().filter(|i| i.key == key).count()
}

/// Closes the instances kept with `config`'s settings: a test that keeps instances of settings
/// of its own ends with this, so that they do not take the room ([`KEPT`]) another test's need.
#[cfg(test)]
fn discard(config: &EngineConfig) {
    let key = Key::of(config);
    let gone: Vec<Instance> = {
        let mut pool = pool();
        let (gone, kept) = std::mem::take(&mut pool.kept).into_iter().partition(|i| i.key == key);
        pool.kept = kept;
        gone
    };
    drop(gone);
}

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, EngineConfig};

    fn value(engine: &Engine, sql: &str) -> String {
        let (_, rows) = engine.query(sql).unwrap();
        rows[0][0].clone().unwrap_or_default()
    }

    /// Everything a lease can see that another lease could have left; not the temporary table
    /// `Engine::query` itself reads its result from (this connection's own).
    const LEFT: &str =
        "SELECT (SELECT count(*) FROM duckdb_tables() WHERE NOT (database_name = 'temp' AND table_name = 'specproof_result')) \
        + (SELECT count(*) FROM duckdb_views() WHERE NOT internal) \
        + (SELECT count(*) FROM duckdb_sequences()) + (SELECT count(*) FROM duckdb_variables()) \
        + (SELECT count(*) FROM duckdb_functions() WHERE NOT internal AND database_name <> 'system') \
        + (SELECT count(*) FROM duckdb_types() WHERE NOT internal AND database_name <> 'system') \
        + (SELECT count(*) FROM duckdb_schemas() WHERE NOT internal AND database_name <> 'system') \
        + (SELECT count(*) FROM duckdb_databases() WHERE database_name NOT IN ('memory', 'system', 'temp') \
           AND database_name NOT LIKE 'specproof_pool_%')";

    #[test]
    fn an_instance_is_kept_after_a_clean_lease_and_not_after_a_tainted_one() {
        // Settings no other test uses, so that no other test takes the instance meanwhile.
        let config = EngineConfig { memory_limit: "123MB".into(), ..EngineConfig::default() };
        let engine = Engine::open(&config).unwrap();
        engine.execute("CREATE TABLE t AS SELECT 1 AS a").unwrap();
        assert_eq!(super::kept(&config), 0);
        drop(engine);
        assert_eq!(super::kept(&config), 1);
        let engine = Engine::open(&config).unwrap();
        assert_eq!(super::kept(&config), 0);
        // Refused by the sandbox: DuckDB's state afterwards is its own, the instance is closed.
        assert!(engine.execute("SET memory_limit = '1GB'").is_err());
        drop(engine);
        assert_eq!(super::kept(&config), 0);
    }

    /// An instance warmed ahead is kept for the next lease, once: a second warming while it
    /// is kept opens none, and a lease does not open another while it is being opened.
    #[test]
    fn a_warmed_instance_is_kept_for_the_next_lease() {
        // Settings no other test uses, so that no other test takes the instance meanwhile.
        let config = EngineConfig { memory_limit: "124MB".into(), ..EngineConfig::default() };
        assert_eq!(super::kept(&config), 0);
        drop(Engine::warm(&config, 1));
        assert_eq!(super::kept(&config), 1);
        drop(Engine::warm(&config, 1));
        assert_eq!(super::kept(&config), 1);
        let engine = Engine::open(&config).unwrap();
        assert_eq!(super::kept(&config), 0);
        assert_eq!(value(&engine, "SELECT current_database()"), "memory");
        assert_eq!(value(&engine, LEFT), "0");
        drop(engine);
        assert_eq!(super::kept(&config), 1);
        // A lease asked for while an instance is still being opened ahead takes that one
        // rather than opening another: one instance in all.
        let config = EngineConfig { memory_limit: "125MB".into(), ..EngineConfig::default() };
        let warming = Engine::warm(&config, 1);
        let engine = Engine::open(&config).unwrap();
        drop(warming);
        assert_eq!(super::kept(&config), 0);
        drop(engine);
        assert_eq!(super::kept(&config), 1);
        super::discard(&config);
        super::discard(&EngineConfig { memory_limit: "124MB".into(), ..EngineConfig::default() });
    }

    /// Warming for two workers opens two instances, each kept for a lease, and no more while
    /// they are kept; two leases at once take one each, and a third opens its own.
    #[test]
    fn instances_are_warmed_one_per_worker() {
        // Settings no other test uses, so that no other test takes the instances meanwhile.
        let config = EngineConfig { memory_limit: "126MB".into(), ..EngineConfig::default() };
        drop(Engine::warm(&config, 2));
        assert_eq!(super::kept(&config), 2);
        drop(Engine::warm(&config, 2));
        assert_eq!(super::kept(&config), 2);
        let first = Engine::open(&config).unwrap();
        let second = Engine::open(&config).unwrap();
        assert_eq!(super::kept(&config), 0);
        let third = Engine::open(&config).unwrap();
        for engine in [&first, &second, &third] {
            assert_eq!(value(engine, LEFT), "0");
        }
        drop((first, second, third));
        assert_eq!(super::kept(&config), 3);
        // Leases asked for while both are still being opened take them: none opens another.
        let config = EngineConfig { memory_limit: "127MB".into(), ..EngineConfig::default() };
        let warming = Engine::warm(&config, 2);
        let (first, second) = std::thread::scope(|s| {
            let a = s.spawn(|| Engine::open(&config).unwrap());
            let b = s.spawn(|| Engine::open(&config).unwrap());
            (a.join().unwrap(), b.join().unwrap())
        });
        drop(warming);
        assert_eq!(super::kept(&config), 0);
        drop((first, second));
        assert_eq!(super::kept(&config), 2);
        super::discard(&config);
        super::discard(&EngineConfig { memory_limit: "126MB".into(), ..EngineConfig::default() });
    }

    #[test]
    fn a_lease_is_a_fresh_database_named_memory() {
        let config = EngineConfig::default();
        for _ in 0..3 {
            let engine = Engine::open(&config).unwrap();
            assert_eq!(engine.catalog(), "memory");
            assert_eq!(value(&engine, "SELECT current_database()"), "memory");
            assert_eq!(value(&engine, LEFT), "0");
            engine.create_schemas(&["temp", "analytics"]).unwrap();
            engine
                .execute("CREATE TABLE memory.analytics.t AS SELECT 1 AS a; CREATE VIEW v AS SELECT 2 AS b;")
                .unwrap();
            let worker = engine.worker().unwrap();
            assert_eq!(value(&worker, "SELECT count(*) FROM analytics.t, v"), "1");
        }
    }

    #[test]
    fn what_a_lease_leaves_outside_its_catalog_is_not_seen_by_the_next() {
        let config = EngineConfig::default();
        // `{base}`: the catalog the instance's own connection sits in, as code can find it.
        let leftovers = [
            "CREATE TABLE {base}.main.kept AS SELECT 1 AS a",
            "CREATE TEMP TABLE kept AS SELECT 1 AS a",
            "CREATE MACRO {base}.main.kept(x) AS x + 1",
            "CREATE TEMP MACRO kept(x) AS x + 1",
            "SET VARIABLE kept = 1",
            "ATTACH ':memory:' AS kept",
            "CREATE SCHEMA {base}.kept",
            "CREATE SEQUENCE {base}.main.kept",
            "CREATE TYPE {base}.main.kept AS INTEGER",
            "BEGIN TRANSACTION; CREATE TABLE t AS SELECT 1 AS a",
            "USE {base}",
        ];
        for leftover in leftovers {
            for _ in 0..2 {
                let engine = Engine::open(&config).unwrap();
                assert_eq!(value(&engine, LEFT), "0", "after `{leftover}`");
                let base = value(
                    &engine,
                    "SELECT database_name FROM duckdb_databases() WHERE database_name LIKE 'specproof_pool_%'",
                );
                engine.execute(&leftover.replace("{base}", &base)).unwrap();
            }
        }
    }
}
