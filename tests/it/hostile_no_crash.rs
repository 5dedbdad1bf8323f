//! Hostile inputs that used to crash, hang or exhaust the machine (issue 13, "Crashes and
//! hangs"): deep SQL, absurd flags, FIFOs, devices, symlink loops, a run with no end. Each case
//! of `tests/corpus/hostile/no_crash/` runs the real binary and must end with its exit code and
//! its finding or message, never a panic or an abort.

use crate::support::{binary, copy_tree, crate_root, scratch, text};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    attack: String,
    make: Option<String>,
    #[serde(default)]
    terms: usize,
    args: Vec<String>,
    exit: i32,
    expect: Vec<String>,
    /// The most the report may weigh, stdout and stderr together.
    max_output_bytes: Option<usize>,
}

/// `stg_orders` (order_id, customer_id, amount from raw.orders) written as deep SQL.
fn deep_stg_orders(kind: &str, terms: usize) -> String {
    let select = "SELECT order_id, customer_id, amount FROM raw.orders";
    match kind {
        "or-chain" => {
            let ors: Vec<String> = (0..terms).map(|i| format!("order_id = {i}")).collect();
            format!("{select} WHERE TRUE OR {}\n", ors.join(" OR "))
        }
        "plus-chain" => {
            format!("SELECT order_id, customer_id, amount{} AS amount FROM raw.orders\n", " + 0".repeat(terms))
        }
        "union-chain" => {
            let empty = format!("\nUNION ALL\n{select} WHERE FALSE");
            format!("{select}{}\n", empty.repeat(terms))
        }
        "parens" => {
            format!(
                "SELECT order_id, customer_id, {}amount{} AS amount FROM raw.orders\n",
                "(".repeat(terms),
                ")".repeat(terms)
            )
        }
        other => panic!("unknown deep SQL {other}"),
    }
}

fn make(kind: &str, terms: usize, dir: &Path) {
    let model = dir.join("models/stg_orders.sql");
    match kind {
        "runaway" => std::fs::write(
            &model,
            "SELECT order_id, customer_id, amount FROM raw.orders, \
             (SELECT count(*) AS c FROM range(10000000000) a, range(100) b) WHERE c > 0\n",
        )
        .unwrap(),
        "view-runaway" => std::fs::write(
            &model,
            "CREATE OR REPLACE VIEW staging.stg_orders AS SELECT order_id, customer_id, amount FROM raw.orders, \
             (SELECT count(*) AS c FROM range(10000000000) a, range(100) b) WHERE c > 0;\n",
        )
        .unwrap(),
        "huge-value" => std::fs::write(
            &model,
            "SELECT order_id, customer_id, CAST(length(repeat('x', 2000000000)) AS DECIMAL(18, 2)) AS amount FROM raw.orders\n",
        )
        .unwrap(),
        "fifo" => {
            std::fs::remove_file(&model).unwrap();
            assert!(std::process::Command::new("mkfifo").arg(&model).status().unwrap().success());
        }
        "dev-zero-spec" => {
            std::fs::remove_file(dir.join("spec.json")).unwrap();
            std::os::unix::fs::symlink("/dev/zero", dir.join("spec.json")).unwrap();
        }
        "big-value" => std::fs::write(
            dir.join("models/stg_customers.sql"),
            "SELECT customer_id, CASE WHEN customer_id = (SELECT min(customer_id) FROM raw.customers) \
             THEN repeat('x', 50000000) || chr(27) || '[31m' ELSE LOWER(TRIM(email)) END AS email FROM raw.customers\n",
        )
        .unwrap(),
        "big-spec-string" => {
            let spec = std::fs::read_to_string(dir.join("spec.json")).unwrap();
            let big = spec.replacen(
                "\"from_column\": \"email\"",
                &format!("\"from_column\": \"{}\"", "e".repeat(50_000_000)),
                1,
            );
            assert_ne!(big, spec, "the base spec maps email from a column");
            std::fs::write(dir.join("spec.json"), big).unwrap();
        }
        "symlink-loop" => std::os::unix::fs::symlink(".", dir.join("models/again")).unwrap(),
        deep => std::fs::write(&model, deep_stg_orders(deep, terms)).unwrap(),
    }
}

#[test]
fn hostile_inputs_end_with_a_finding_or_a_message_never_a_crash() {
    let corpus = crate_root().join("tests/corpus/hostile/no_crash");
    let mut names: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| corpus.join(name).join("case.toml").is_file())
        .collect();
    names.sort();
    assert!(names.len() >= 10, "the corpus has its cases: {names:?}");
    let mut failures = Vec::new();
    for name in &names {
        let case: Case = toml::from_str(&std::fs::read_to_string(corpus.join(name).join("case.toml")).unwrap())
            .unwrap_or_else(|e| panic!("{name}/case.toml: {e}"));
        let dir = scratch("hostile_no_crash", name);
        copy_tree(&corpus.join("base"), &dir);
        if let Some(kind) = &case.make {
            make(kind, case.terms, &dir);
        }
        let output = std::process::Command::new(binary())
            .arg("validate")
            .arg(&dir)
            .args(&case.args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        let all = format!("{stdout}{stderr}");
        let mut wrong = Vec::new();
        if output.status.code() != Some(case.exit) {
            wrong.push(format!("exit {:?}, expected {}", output.status.code(), case.exit));
        }
        if let Some(max) = case.max_output_bytes.filter(|&max| all.len() > max) {
            wrong.push(format!("{} bytes of output, more than {max}", all.len()));
        }
        if all.contains('\u{1b}') {
            wrong.push("a terminal escape reached the output".to_string());
        }
        if stderr.contains("panicked") || stderr.contains("overflowed its stack") {
            wrong.push("it panicked".to_string());
        }
        wrong.extend(
            case.expect.iter().filter(|e| !all.contains(e.as_str())).map(|e| format!("no `{e}` in the output")),
        );
        if !wrong.is_empty() {
            let shown: String = all.chars().take(3000).collect();
            let shown = shown.replace('\u{1b}', "\\u{1b}");
            failures.push(format!("{name} ({}): {}\n{shown}", case.attack, wrong.join("; ")));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The run's memory-bounded child reports its exit code to its parent once its output is
/// written; a child killed before that (as the kernel or an operator would) is waited for, and
/// the parent says how it ended and exits 2: the caller never sees a verdict the child did not
/// give.
#[cfg(target_os = "linux")]
#[test]
fn a_child_killed_before_its_verdict_is_reported_by_its_parent() {
    let (dir, parent) = runaway("killed_child");
    let child = child_of(parent.id());
    kill("-KILL", &child);
    let output = parent.wait_with_output().unwrap();
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stderr.contains("the run was ended by signal 9; nothing was reported"), "{stderr}");
    assert!(stdout.is_empty(), "no verdict without the child's: {stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A parent killed (a CI job's timeout, an operator) takes its running child with it: nothing
/// of the run goes on writing to the caller's output.
#[cfg(target_os = "linux")]
#[test]
fn a_killed_parent_takes_its_child_with_it() {
    let (dir, mut parent) = runaway("killed_parent");
    let child = child_of(parent.id());
    kill("-TERM", &parent.id().to_string());
    let _ = parent.wait().unwrap();
    // Gone, or a zombie waiting for whoever adopted it to reap it: either way it runs no more.
    let started = std::time::Instant::now();
    loop {
        let state = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
        let state = state.rsplit(')').next().unwrap_or_default().split_whitespace().next().unwrap_or("gone");
        if matches!(state, "gone" | "Z" | "X") {
            break;
        }
        if started.elapsed().as_secs() >= 30 {
            kill("-KILL", &child);
            panic!("the child {child} still runs ({state}) 30 s after its parent was killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `specproof validate` started on a project (in a scratch folder `name`) whose model runs for
/// hours, under a deadline of two minutes, its output piped: the folder and the process.
#[cfg(target_os = "linux")]
fn runaway(name: &str) -> (std::path::PathBuf, std::process::Child) {
    let dir = scratch("hostile_no_crash", name);
    copy_tree(&crate_root().join("tests/corpus/hostile/no_crash/base"), &dir);
    make("runaway", 0, &dir);
    let parent = std::process::Command::new(binary())
        .arg("validate")
        .arg(&dir)
        .args(["--timeout", "86400", "--deadline", "120"])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    (dir, parent)
}

/// The one child process of `pid`, once it has forked (`specproof validate`'s bounded child).
#[cfg(target_os = "linux")]
fn child_of(pid: u32) -> String {
    let children = format!("/proc/{pid}/task/{pid}/children");
    let started = std::time::Instant::now();
    loop {
        let listed = std::fs::read_to_string(&children).unwrap_or_default();
        if let Some(child) = listed.split_whitespace().next() {
            return child.to_string();
        }
        assert!(started.elapsed().as_secs() < 60, "{pid} started no child");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Sends `signal` (`-KILL` or `-TERM`, as `kill` writes them) to the process `pid`.
#[cfg(target_os = "linux")]
fn kill(signal: &str, pid: &str) {
    use rustix::process::{kill_process, Pid, Signal};
    let signal = match signal {
        "-KILL" => Signal::KILL,
        "-TERM" => Signal::TERM,
        other => panic!("no signal {other}"),
    };
    let pid = Pid::from_raw(pid.parse().unwrap()).unwrap();
    kill_process(pid, signal).unwrap();
}
