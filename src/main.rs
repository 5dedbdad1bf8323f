//! The `specproof` binary: parse arguments, call the library, print, exit.

use clap::Parser;
use specproof::cli::args::Command;
use specproof::cli::dispatch::run_with;
use specproof::cli::outcome::Terminal;
use specproof::cli::progress::{ProgressBar, Ticker};
use specproof::run::options::Progress;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// mimalloc serves the whole process, DuckDB's allocations included (see Cargo.toml): faster
/// than glibc's allocator for a run's many short-lived parse trees, plans and vectors.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Set in the child process that runs `validate` under the memory bound (see [`supervise`]).
static SUPERVISED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// In that child, the pipe its exit code goes to once everything is written ([`verdict`]).
static VERDICT: std::sync::Mutex<Option<std::io::PipeWriter>> = std::sync::Mutex::new(None);

/// Room in the child's address space beyond what it has reserved when the bound is set and the
/// database's memory limit: watchdog threads' stacks, the allocator's arenas, the reports.
#[cfg(target_os = "linux")]
const SLACK: u64 = 512 * 1024 * 1024;

fn main() -> ExitCode {
    if let Some(code) = supervise() {
        return code;
    }
    // Generated SQL can nest deeply (a 400-term OR chain is a left-deep tree 400 levels down),
    // and the walks over it recurse: every thread that runs them gets a stack sized for the
    // deepest tree the parser lets through (`specproof::sql::depth`), the rayon workers too.
    let stack = specproof::sql::depth::STACK_SIZE;
    let _ = rayon::ThreadPoolBuilder::new().stack_size(stack).build_global();
    match std::thread::Builder::new().name("specproof".into()).stack_size(stack).spawn(run) {
        // A panic has already been printed by the hook; 101 is the code Rust gives it.
        Ok(thread) => thread.join().unwrap_or(ExitCode::from(101)),
        Err(_) => run(),
    }
}

fn run() -> ExitCode {
    let cli = specproof::cli::args::Cli::parse();
    if let Command::Validate(args) = &cli.command {
        specproof::cli::options::deadline(args).into_iter().for_each(stop_at);
        if SUPERVISED.load(std::sync::atomic::Ordering::Relaxed) {
            specproof::cli::options::memory_limit(args).into_iter().for_each(bound_memory);
        }
    }
    // The progress bar is for a person watching a terminal; captured stderr never gets it.
    let bar = Arc::new(ProgressBar::start());
    let draw = |line: &str| {
        let _ = std::io::stderr().write_all(line.as_bytes());
    };
    let (progress, ticker) = if std::io::stderr().is_terminal() {
        let shown = Arc::clone(&bar);
        let ticker = Ticker::start(Arc::clone(&bar), Duration::from_millis(100), draw);
        (Progress::new(move |step| shown.line(step).iter().for_each(|l| draw(l))), Some(ticker))
    } else {
        (Progress::default(), None)
    };
    let outcome = run_with(cli, &Terminal::detect(progress));
    ticker.into_iter().for_each(Ticker::stop);
    if let Some(erase) = bar.finish() {
        let _ = std::io::stderr().write_all(erase.as_bytes());
    }
    // A closed pipe (`specproof lint | head`) is not worth a panic.
    let _ = std::io::stdout().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    verdict(outcome.code);
    ExitCode::from(outcome.code)
}

/// In the supervised child, once its output is written: closes its ends of stdout and stderr
/// (a reader waiting for their end, a pipe or a CI log, sees it now) and sends `code` to the
/// parent, which exits with it at once. What is left of the child's end is the kernel freeing
/// its memory, 8-10 ms of a small run that nobody needs to wait for. Does nothing in a process
/// no parent supervises.
fn verdict(code: u8) {
    let writer = VERDICT.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    let Some(mut writer) = writer else { return };
    let _ = std::io::stdout().flush();
    #[cfg(target_os = "linux")]
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        let _ = rustix::stdio::dup2_stdout(&null);
        let _ = rustix::stdio::dup2_stderr(&null);
    }
    let _ = writer.write_all(&[code]);
}

/// Ends the process with exit 2 once `deadline` has passed, whatever the run is doing: the
/// per-query time limit bounds each query, this bounds their sum and anything else that could
/// hang (a read, a check). Nothing of the run is reported then: a partial report would pass
/// what was never checked.
#[expect(clippy::exit, reason = "the deadline ends the process from its own thread: the run may be stuck anywhere")]
fn stop_at(deadline: Duration) {
    let spawned = std::thread::Builder::new().name("specproof-deadline".into()).spawn(move || {
        std::thread::sleep(deadline);
        let _ = std::io::stderr().write_all(
            format!(
                "specproof: error: the run passed its deadline of {} s (--deadline) and was stopped; \
                 nothing was reported for the work not done: raise --deadline, or validate fewer models (--changed-since)\n",
                deadline.as_secs_f64()
            )
            .as_bytes(),
        );
        std::process::exit(2);
    });
    if spawned.is_err() {
        let _ = std::io::stderr().write_all(b"specproof: error: cannot start the deadline's thread\n");
        std::process::exit(2);
    }
}

/// Runs `validate` in a child process, a fork of this one, and returns its exit code; `None`
/// (run here) for the other commands, in the child itself, off Linux, or when the child cannot
/// be started (then unbounded).
///
/// DuckDB's memory limit bounds its buffer manager, not a single value a scalar function builds
/// (`repeat('x', 2000000000)` took the process to 7.7 GB under a 2 GB limit). Only an
/// allocation that fails stops that, so the child bounds its own address space
/// ([`bound_memory`]): DuckDB then fails the query (RUN004) instead of taking the machine's
/// memory. An allocation on the Rust side that fails aborts the child; this process, outside
/// the bound, turns that into a message and exit 2 rather than a crash.
///
/// A fork rather than a new process of the binary: starting the binary again (loading it and
/// applying its 120,000 relocations) took about 3 ms of every run's start. The child's exit
/// code comes through a pipe once its output is written ([`verdict`]), so this process ends
/// without waiting for the kernel to free the child's memory; only a child that ends without
/// sending one is waited for, and its status read. This process killed, the child is killed
/// too.
#[cfg(target_os = "linux")]
fn supervise() -> Option<ExitCode> {
    use rustix::io::Errno;
    use rustix::process::{waitpid, Pid, WaitOptions};
    let cli = specproof::cli::args::Cli::try_parse().ok()?;
    let Command::Validate(args) = &cli.command else { return None };
    // A static check runs no generated SQL: the bound is for what DuckDB runs, and would stop a
    // large project's check (the spec and the parsed code of 50,000 models take 5 GB).
    if args.no_run {
        return None;
    }
    // An invalid limit is the run's to report, in this process.
    specproof::cli::options::memory_limit(args)?;
    // The child's exit code comes through this pipe as soon as its output is written; its end
    // of file without one says the child ended before (then its status says how).
    let (mut code, writer) = std::io::pipe().ok()?;
    let parent = rustix::process::getpid();
    // SAFETY: nothing but this thread runs yet (`main` calls this first, before any thread is
    // started or any lock taken), so the child's copy of the process is whole: no lock is held
    // by a thread that is not there.
    #[expect(unsafe_code, reason = "fork has no safe form; the SAFETY note says why it is sound here")]
    let forked = unsafe { libc::fork() };
    let child = match forked {
        0 => {
            // Killed (a CI job's timeout, an operator), the parent takes the run with it: a
            // child left running would go on writing to their output.
            let death = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
            if death.is_ok() && rustix::process::getppid() != Some(parent) {
                // The parent ended before the signal was asked for.
                return Some(ExitCode::from(2));
            }
            drop(code);
            *VERDICT.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(writer);
            SUPERVISED.store(true, std::sync::atomic::Ordering::Relaxed);
            return None;
        }
        pid => Pid::from_raw(pid)?,
    };
    drop(writer);
    let mut sent = [0u8; 1];
    loop {
        match std::io::Read::read(&mut code, &mut sent) {
            Ok(1) => return Some(ExitCode::from(sent[0])),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            _ => break,
        }
    }
    let status = loop {
        match waitpid(Some(child), WaitOptions::empty()) {
            Err(Errno::INTR) => continue,
            Ok(Some((_, status))) => break status,
            // The child is not ours to wait for: nothing can be said of its run.
            _ => return Some(ExitCode::from(2)),
        }
    };
    if let Some(code) = status.exit_status() {
        return Some(ExitCode::from(u8::try_from(code).unwrap_or(2)));
    }
    let signal = status.terminating_signal().unwrap_or(0);
    let message = match signal {
        // What Rust does when an allocation fails; a panic unwinds and exits 101 instead.
        6 => format!(
            "specproof: error: the run passed its memory bound (--memory-limit {}, plus the process's own) \
             and was stopped; nothing was reported: raise --memory-limit, or validate with fewer --rows\n",
            args.memory_limit
        ),
        2 | 15 => return Some(ExitCode::from(128 + signal as u8)),
        _ => format!("specproof: error: the run was ended by signal {signal}; nothing was reported\n"),
    };
    let _ = std::io::stderr().write_all(message.as_bytes());
    Some(ExitCode::from(2))
}

#[cfg(not(target_os = "linux"))]
fn supervise() -> Option<ExitCode> {
    None
}

/// Bounds this process's address space to what it has now plus `limit` bytes and [`SLACK`]:
/// past it an allocation fails (see [`supervise`]). The threads' stacks are already reserved
/// when this runs, so they count in what it has now.
#[cfg(target_os = "linux")]
fn bound_memory(limit: u64) {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let Some(now) = virtual_size() else { return };
    let hard = getrlimit(Resource::As).maximum;
    let bound = now.saturating_add(limit).saturating_add(SLACK);
    let current = Some(hard.map_or(bound, |h| h.min(bound)));
    // Unbounded is what the process had before: a refusal leaves it as it was.
    let _ = setrlimit(Resource::As, Rlimit { current, maximum: hard });
}

#[cfg(not(target_os = "linux"))]
fn bound_memory(_limit: u64) {}

/// This process's address space in bytes (`VmSize`).
#[cfg(target_os = "linux")]
fn virtual_size() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 =
        status.lines().find_map(|l| l.strip_prefix("VmSize:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    kib.checked_mul(1024)
}
