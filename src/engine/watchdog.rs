//! The time limit: a watchdog thread interrupts the connection once a call has run too long.
//!
//! One watchdog thread for the process, started on the first timed call: every call registers
//! its connection's interrupt handle and deadline with it and removes them when it returns. (A
//! thread per call cost a thread's creation, its stack's mapping and two context switches per
//! statement: a 1,000-model run makes about 40,000 statements.) Two races are guarded:
//!
//! * **A late interrupt must not hit the next query.** The watchdog interrupts only while
//!   holding the lock on the registered calls, and only a call still registered; the caller
//!   removes its call under that lock the moment the work returns, before it can run anything
//!   else on the connection. So every interrupt happens while the timed call is still inside
//!   DuckDB or just returning from it. One that lands after DuckDB finished, before the call is
//!   removed, leaves the connection's interrupt flag raised, and DuckDB clears that flag when
//!   the next query on the connection starts (a test below pins this down).
//! * **An interrupt must not be lost.** For the same reason (DuckDB clearing the flag when a
//!   call starts), an interrupt that lands between two DuckDB calls of one operation, say
//!   between preparing and executing, would vanish. So once the limit has passed the watchdog
//!   repeats the interrupt every [`REPEAT`] until the work returns.

use duckdb::InterruptHandle;
use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// How often an expired watchdog repeats its interrupt.
pub const REPEAT: Duration = Duration::from_millis(20);

/// Runs `work` on this thread while the watchdog interrupts `handle`'s connection if `work`
/// takes longer than `limit`. Returns what `work` returned and whether the watchdog
/// interrupted, or the error of starting the watchdog thread (then `work` has not run).
pub fn run_with_limit<T>(
    handle: &Arc<InterruptHandle>,
    limit: Duration,
    work: impl FnOnce() -> T,
) -> std::io::Result<(T, bool)> {
    let watchdog = watchdog()?;
    let id = watchdog.register(Arc::clone(handle), limit);
    // Removes the call even if the work panics: otherwise the watchdog would interrupt the
    // connection forever.
    let call = Registered { watchdog, id };
    let result = work();
    Ok((result, call.finish()))
}

/// The process's watchdog, started on first use.
fn watchdog() -> std::io::Result<&'static Watchdog> {
    static WATCHDOG: OnceLock<Option<&'static Watchdog>> = OnceLock::new();
    let started = WATCHDOG.get_or_init(|| {
        let watchdog: &'static Watchdog = Box::leak(Box::new(Watchdog::default()));
        std::thread::Builder::new()
            .name("specproof-watchdog".to_string())
            .stack_size(256 * 1024)
            .spawn(move || watchdog.watch())
            .ok()
            .map(|_| watchdog)
    });
    started.ok_or_else(|| std::io::Error::other("the watchdog thread could not be started"))
}

/// Timed calls in flight, by registration number.
#[derive(Default)]
struct Watchdog {
    calls: Mutex<Calls>,
    wake: Condvar,
}

#[derive(Default)]
struct Calls {
    next: u64,
    running: BTreeMap<u64, Call>,
}

struct Call {
    handle: Arc<InterruptHandle>,
    /// When to interrupt next: the deadline, then every [`REPEAT`] after it.
    due: Instant,
    fired: bool,
}

impl Watchdog {
    fn register(&self, handle: Arc<InterruptHandle>, limit: Duration) -> u64 {
        let now = Instant::now();
        // A limit too large for the clock is no limit.
        let due = now.checked_add(limit).unwrap_or_else(|| now + Duration::from_secs(86_400 * 365));
        let mut calls = lock(&self.calls);
        let id = calls.next;
        calls.next += 1;
        // The watchdog sleeps until the earliest deadline: wake it only for an earlier one.
        let earlier = calls.running.values().all(|c| c.due > due);
        calls.running.insert(id, Call { handle, due, fired: false });
        drop(calls);
        if earlier {
            self.wake.notify_one();
        }
        id
    }

    /// Interrupts every call past its deadline, then sleeps until the next deadline.
    fn watch(&self) {
        let mut calls = lock(&self.calls);
        loop {
            let now = Instant::now();
            for call in calls.running.values_mut().filter(|c| c.due <= now) {
                call.fired = true;
                // Still holding the lock: the call cannot be removed, so it has not moved on to
                // another query, while this interrupt is delivered.
                call.handle.interrupt();
                call.due = now + REPEAT;
            }
            calls = match calls.running.values().map(|c| c.due).min() {
                Some(due) => match self.wake.wait_timeout(calls, due.saturating_duration_since(now)) {
                    Ok((guard, _)) => guard,
                    Err(poisoned) => poisoned.into_inner().0,
                },
                None => self.wake.wait(calls).unwrap_or_else(PoisonError::into_inner),
            };
        }
    }
}

/// A registered call, removed when dropped.
struct Registered {
    watchdog: &'static Watchdog,
    id: u64,
}

impl Registered {
    /// Removes the call; whether it was interrupted.
    fn finish(self) -> bool {
        let fired = lock(&self.watchdog.calls).running.remove(&self.id).is_some_and(|c| c.fired);
        std::mem::forget(self);
        fired
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        lock(&self.watchdog.calls).running.remove(&self.id);
    }
}

/// A poisoned lock still holds valid calls: recover them rather than propagate a panic.
fn lock(calls: &Mutex<Calls>) -> MutexGuard<'_, Calls> {
    calls.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use duckdb::Connection;
    use std::time::Instant;

    const RUNAWAY: &str = "SELECT count(*) FROM range(10000000000) a";

    fn connection() -> Connection {
        Connection::open_in_memory_with_flags(duckdb::Config::default().threads(1).unwrap()).unwrap()
    }

    #[test]
    fn a_call_within_the_limit_is_not_interrupted() {
        let db = connection();
        let (result, fired) =
            run_with_limit(&db.interrupt_handle(), Duration::from_secs(10), || db.execute_batch("SELECT 1")).unwrap();
        assert!(result.is_ok());
        assert!(!fired);
    }

    #[test]
    fn a_runaway_query_is_interrupted() {
        let db = connection();
        let start = Instant::now();
        let (result, fired) =
            run_with_limit(&db.interrupt_handle(), Duration::from_millis(100), || db.execute_batch(RUNAWAY)).unwrap();
        assert!(fired);
        assert!(result.unwrap_err().to_string().contains("Interrupted"));
        assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
    }

    /// The one watchdog serves calls on several threads at once: each is interrupted at its own
    /// deadline, and only its own connection is.
    #[test]
    fn calls_side_by_side_each_keep_their_own_limit() {
        let results: Vec<(bool, bool, Duration)> = std::thread::scope(|scope| {
            let calls: Vec<_> = [
                (Duration::from_millis(100), RUNAWAY),
                (Duration::from_secs(30), "SELECT 42"),
                (Duration::from_millis(300), RUNAWAY),
                (Duration::from_secs(30), "SELECT sum(range) FROM range(1000000)"),
            ]
            .into_iter()
            .map(|(limit, sql)| {
                scope.spawn(move || {
                    let db = connection();
                    let start = Instant::now();
                    let (result, fired) =
                        run_with_limit(&db.interrupt_handle(), limit, || db.execute_batch(sql)).unwrap();
                    (result.is_ok(), fired, start.elapsed())
                })
            })
            .collect();
            calls.into_iter().map(|c| c.join().unwrap()).collect()
        });
        let [(ok0, fired0, took0), (ok1, fired1, _), (ok2, fired2, took2), (ok3, fired3, _)] = results.as_slice()
        else {
            panic!("{results:?}")
        };
        assert!(!ok0 && *fired0 && !ok2 && *fired2, "{results:?}");
        assert!(*ok1 && !fired1 && *ok3 && !fired3, "{results:?}");
        assert!(*took0 >= Duration::from_millis(100) && *took2 >= Duration::from_millis(300), "{results:?}");
        assert!(*took0 < Duration::from_secs(5) && *took2 < Duration::from_secs(5), "{results:?}");
    }

    #[test]
    fn the_watchdog_stops_when_the_work_panics() {
        let db = connection();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_with_limit(&db.interrupt_handle(), Duration::from_millis(10), || panic!("work failed"))
        }));
        assert!(panicked.is_err());
    }

    /// What the first guard relies on: an interrupt raised while the connection is idle does not
    /// fail the next query.
    #[test]
    fn duckdb_clears_a_stale_interrupt_when_the_next_query_starts() {
        let db = connection();
        db.interrupt_handle().interrupt();
        assert_eq!(db.query_row("SELECT 42", [], |row| row.get::<_, i64>(0)).unwrap(), 42);
        db.interrupt_handle().interrupt();
        db.execute_batch("SELECT 1; SELECT 2").unwrap();
    }

    /// Regression guard for the race between a watchdog and the call after its own: queries
    /// that end right around a tiny limit, each followed by a call with a generous one. A late
    /// interrupt from the first watchdog would fail the second call.
    #[test]
    fn a_late_interrupt_never_hits_the_next_call() {
        let db = connection();
        let handle = db.interrupt_handle();
        let mut interrupted = 0;
        // Limits from 0 to twice what the query takes on this machine.
        let sql = "SELECT sum(hash(range)) FROM range(1000000)";
        let start = Instant::now();
        db.query_row(sql, [], |row| row.get::<_, i128>(0)).unwrap();
        let takes = start.elapsed();
        for i in 0..100u32 {
            let (first, fired) =
                run_with_limit(&handle, takes * i / 50, || db.query_row(sql, [], |row| row.get::<_, i128>(0))).unwrap();
            interrupted += usize::from(first.is_err());
            assert!(first.is_ok() || fired, "{first:?}");
            let (second, fired) = run_with_limit(&handle, Duration::from_secs(60), || {
                db.query_row("SELECT 42", [], |row| row.get::<_, i64>(0))
            })
            .unwrap();
            assert!(!fired);
            assert_eq!(second.unwrap(), 42, "after round {i}");
        }
        // Not asserted (it depends on the machine's speed), but the test only means something if
        // some first calls were interrupted and some were not.
        eprintln!("{interrupted} of 100 first calls interrupted; the query takes {takes:?}");
    }
}
