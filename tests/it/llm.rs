//! `specproof llm` (issue 19) against a real HTTP server on 127.0.0.1, started by each test and
//! answering from recorded chat-completion bodies (tests/corpus/llm/replies), so every run is the
//! same: a reply that validates first time, a wrong one repaired after it sees the findings, a
//! timeout, a 429 then success, a malformed body, a wrong key, a reply without code, one that
//! never validates, a streamed reply and a very long one. The server records what it received,
//! so the tests also check the key went only where it belongs and the findings reached the model.

use crate::support::{binary, copy_tree, crate_root, scratch, text};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The key the tests hand the binary through the environment.
const KEY: &str = "sk-test-5e1f0c0ffee";

/// One recorded answer.
struct Canned {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    /// Wait this long before answering (past the client's read timeout: a timeout).
    delay: Duration,
    /// Send the body in chunks (`Transfer-Encoding: chunked`), as a streaming server does.
    chunked: bool,
    /// With `chunked`: wait this long after the first chunk (a stream that stalls mid-reply).
    stall: Duration,
}

impl Canned {
    fn ok(body: Vec<u8>) -> Canned {
        Canned {
            status: 200,
            headers: vec![("Content-Type", "application/json".into())],
            body,
            delay: Duration::ZERO,
            chunked: false,
            stall: Duration::ZERO,
        }
    }

    fn status(status: u16, body: Vec<u8>) -> Canned {
        Canned { status, ..Canned::ok(body) }
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    /// Header lines, names lowercased.
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn recorded(name: &str) -> Vec<u8> {
    std::fs::read(crate_root().join("tests/corpus/llm/replies").join(name)).unwrap()
}

/// Starts a server on 127.0.0.1 that answers each connection's one request with the next canned
/// answer (and closes it); returns its base URL and what it received.
fn serve(answers: Vec<Canned>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for answer in answers {
            let Ok((stream, _)) = listener.accept() else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = Vec::new();
            let mut line = String::new();
            assert!(reader.read_line(&mut line).unwrap() > 0);
            assert!(line.starts_with("POST /v1/chat/completions "), "request line: {line}");
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let trimmed = line.trim_end();
                if trimmed.is_empty() {
                    break;
                }
                let (name, value) = trimmed.split_once(':').unwrap();
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
            let length: usize = headers.iter().find(|(n, _)| n == "content-length").unwrap().1.parse().unwrap();
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            log.lock().unwrap().push(Seen { headers, body: String::from_utf8(body).unwrap() });
            std::thread::sleep(answer.delay);
            let mut stream = stream;
            let mut head = format!("HTTP/1.1 {} Recorded\r\nConnection: close\r\n", answer.status);
            for (name, value) in &answer.headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            // The client may have given up (the timeout test): a failed write is expected then.
            if answer.chunked {
                head.push_str("Transfer-Encoding: chunked\r\n\r\n");
                let _ = stream.write_all(head.as_bytes());
                for (n, chunk) in answer.body.chunks(97).enumerate() {
                    let _ = stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes());
                    let _ = stream.write_all(chunk);
                    let _ = stream.write_all(b"\r\n");
                    let _ = stream.flush();
                    if n == 0 {
                        std::thread::sleep(answer.stall);
                    }
                }
                let _ = stream.write_all(b"0\r\n\r\n");
            } else {
                head.push_str(&format!("Content-Length: {}\r\n\r\n", answer.body.len()));
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&answer.body);
            }
            let _ = stream.flush();
        }
    });
    (url, seen)
}

/// What a run of `specproof llm generate` gave.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    out: PathBuf,
    transcript: String,
    elapsed: Duration,
}

/// Runs `llm generate` for customer360's `stg_support_pivot` (DuckDB) against `url`.
fn generate(name: &str, url: &str, extra: &[&str]) -> Run {
    let out = scratch("llm", name);
    let specs = crate_root().join("specs/customer360");
    let started = Instant::now();
    let run = Command::new(binary())
        .args(["llm", "generate"])
        .arg(&specs)
        .arg("--spec")
        .arg(specs.join("spec.corrected.json"))
        .args(["--endpoint", url, "--model", "recorded-model", "--target", "duckdb", "--models", "stg_support_pivot"])
        .arg("--out")
        .arg(&out)
        .args(["--backoff", "0.05", "--connect-timeout", "5"])
        .args(extra)
        .env("SPECPROOF_LLM_API_KEY", KEY)
        .output()
        .unwrap();
    let transcript = std::fs::read_to_string(out.join("llm-transcript.jsonl")).unwrap_or_default();
    Run {
        code: run.status.code(),
        stdout: text(&run.stdout),
        stderr: text(&run.stderr),
        out,
        transcript,
        elapsed: started.elapsed(),
    }
}

/// The key appears in no output and no file the run wrote.
fn key_kept_secret(run: &Run) {
    assert!(!run.stdout.contains(KEY) && !run.stderr.contains(KEY), "the key was printed");
    assert!(!run.transcript.contains(KEY), "the key is in the transcript");
    for entry in walk(&run.out) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(KEY), "the key is in {}", entry.display());
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn model_file(out: &Path) -> PathBuf {
    out.join("models/stg_support_pivot.sql")
}

#[test]
fn a_reply_that_validates_first_time_is_written_and_reported() {
    let (url, seen) = serve(vec![Canned::ok(recorded("right.json"))]);
    let run = generate("first-time", &url, &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("validated  stg_support_pivot  rounds 1  tokens 3912 in / 88 out"), "{}", run.stdout);
    let code = std::fs::read_to_string(model_file(&run.out)).unwrap();
    assert!(code.contains("count(*) FILTER (WHERE status = 'CLOSED')"), "{code}");
    // The other models are the scaffold `generate code` writes.
    assert!(run.out.join("models/stg_orders.sql").is_file());
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(body["model"], "recorded-model");
    assert_eq!(body["stream"], false);
    let prompt = body["messages"][1]["content"].as_str().unwrap();
    assert!(prompt.contains("`raw.support_tickets`") && prompt.contains("COUNTIF(status = 'OPEN')"), "{prompt}");
    assert!(body["messages"][0]["content"].as_str().unwrap().contains("## Kinds of model"));
    key_kept_secret(&run);
    assert_eq!(run.transcript.lines().count(), 1);
}

#[test]
fn a_wrong_reply_is_repaired_after_the_model_sees_the_findings() {
    let (url, seen) = serve(vec![Canned::ok(recorded("wrong.json")), Canned::ok(recorded("repaired.json"))]);
    let run = generate("repaired", &url, &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("validated  stg_support_pivot  rounds 2"), "{}", run.stdout);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    let body: serde_json::Value = serde_json::from_str(&seen[1].body).unwrap();
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4, "system, model, the wrong reply, the findings");
    assert_eq!(messages[2]["role"], "assistant");
    let repair = messages[3]["content"].as_str().unwrap();
    // The finding, the line it points at, and the counterexample: expected beside actual.
    for needle in [
        "DIF001",
        "models/stg_support_pivot.sql:",
        "expected: 0 | 0 | 0",
        "actual: 0 | 0 | 1",
        "input rows of raw.support_tickets",
    ] {
        assert!(repair.contains(needle), "the repair prompt lacks `{needle}`:\n{repair}");
    }
    assert!(!repair.contains("specproof-llm-work"), "work-copy paths leak into the prompt:\n{repair}");
    let rounds: Vec<serde_json::Value> = run.transcript.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rounds.len(), 2);
    assert_eq!((rounds[0]["validated"].as_bool(), rounds[1]["validated"].as_bool()), (Some(false), Some(true)));
    key_kept_secret(&run);
}

#[test]
fn a_reply_that_never_validates_fails_with_its_findings_and_its_code_beside() {
    let wrong = || Canned::ok(recorded("wrong.json"));
    let (url, _) = serve(vec![wrong(), wrong()]);
    let run = generate("never", &url, &["--repair-rounds", "1"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("FAILED     stg_support_pivot  rounds 2"), "{}", run.stdout);
    assert!(run.stdout.contains("DIF001") && run.stdout.contains(".failed"), "{}", run.stdout);
    assert!(!model_file(&run.out).exists(), "a failed model's file must not look finished");
    let failed = std::fs::read_to_string(run.out.join("models/stg_support_pivot.sql.failed")).unwrap();
    assert!(failed.contains("WHERE status <> 'OPEN'"), "{failed}");
    assert!(run.stdout.contains("0 of 1 models validated, 1 failed"), "{}", run.stdout);
}

#[test]
fn a_reply_past_the_read_timeout_is_a_clear_error() {
    let mut slow = Canned::ok(recorded("right.json"));
    slow.delay = Duration::from_secs(8);
    let (url, _) = serve(vec![slow]);
    let run = generate("timeout", &url, &["--read-timeout", "0.5", "--max-retries", "0"]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("could not be reached") && run.stdout.contains("timed out"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.elapsed < Duration::from_secs(8),
        "the client waited past its timeout: {:?}\n{}",
        run.elapsed,
        run.stdout
    );
    assert!(!model_file(&run.out).exists());
}

#[test]
fn a_429_is_retried_after_retry_after_then_succeeds() {
    let mut limited = Canned::status(429, recorded("rate-limited.json"));
    limited.headers.push(("Retry-After", "0.3".into()));
    let (url, seen) = serve(vec![limited, Canned::ok(recorded("right.json"))]);
    let run = generate("retry", &url, &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(seen.lock().unwrap().len(), 2);
    let exchange: serde_json::Value = serde_json::from_str(run.transcript.lines().next().unwrap()).unwrap();
    assert_eq!(exchange["attempts"], 2);
    assert_eq!(exchange["retries"], serde_json::json!([[429, 300]]), "Retry-After honoured, not the backoff");
}

#[test]
fn a_malformed_body_is_a_clear_error() {
    let mut html = Canned::ok(recorded("malformed.txt"));
    html.headers = vec![("Content-Type", "text/html".into())];
    let (url, _) = serve(vec![html]);
    let run = generate("malformed", &url, &[]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("not a chat completion") && run.stdout.contains("502 Bad Gateway"), "{}", run.stdout);
}

#[test]
fn a_refused_key_is_a_clear_error_and_the_key_is_never_shown() {
    // The recorded refusal, with the key echoed back as some endpoints do.
    let body =
        String::from_utf8(recorded("unauthorized.json")).unwrap().replace("provided.", &format!("provided: {KEY}."));
    let (url, seen) = serve(vec![Canned::status(401, body.into_bytes())]);
    let run = generate("refused", &url, &[]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("refused the API key (HTTP 401): Incorrect API key provided: <api key>."),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("specproof: error: stg_support_pivot: the endpoint refused the API key"),
        "{}",
        run.stderr
    );
    assert_eq!(seen.lock().unwrap().len(), 1, "a refused key is not retried");
    key_kept_secret(&run);
}

#[test]
fn a_reply_without_code_is_a_clear_error() {
    let (url, _) = serve(vec![Canned::ok(recorded("no-code.json"))]);
    let run = generate("no-code", &url, &[]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("no fenced code block"), "{}", run.stdout);
    // The reply is kept for the reader.
    assert!(run.transcript.contains("I'm sorry"));
}

#[test]
fn a_streamed_reply_in_chunks_is_read_whole() {
    let mut stream = Canned::ok(recorded("right.sse"));
    stream.headers = vec![("Content-Type", "text/event-stream".into())];
    stream.chunked = true;
    let (url, seen) = serve(vec![stream]);
    let run = generate("stream", &url, &["--stream", "--format", "json"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let model = &report["models"][0];
    assert_eq!(
        (model["model"].as_str(), model["verdict"].as_str(), model["rounds"].as_u64()),
        (Some("stg_support_pivot"), Some("validated"), Some(1))
    );
    // The token counts came in the stream's last chunk.
    assert_eq!((model["prompt_tokens"].as_u64(), model["completion_tokens"].as_u64()), (Some(3912), Some(88)));
    let body: serde_json::Value = serde_json::from_str(&seen.lock().unwrap()[0].body).unwrap();
    assert_eq!(body["stream"], true);
    assert!(std::fs::read_to_string(model_file(&run.out)).unwrap().contains("GROUP BY customer_id"));
}

#[test]
fn a_stream_that_stalls_mid_reply_times_out_on_the_read() {
    // The headers and a first event arrive at once, then nothing: the read timeout bounds each
    // read of the body, not only the wait for the headers.
    let mut stream = Canned::ok(recorded("right.sse"));
    stream.headers = vec![("Content-Type", "text/event-stream".into())];
    stream.chunked = true;
    stream.stall = Duration::from_secs(8);
    let (url, _) = serve(vec![stream]);
    let run = generate("stall", &url, &["--stream", "--read-timeout", "0.5", "--max-retries", "0"]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("reading the reply failed") && run.stdout.contains("timed out"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert!(run.elapsed < Duration::from_secs(8), "the client waited past its timeout: {:?}", run.elapsed);
    assert!(!model_file(&run.out).exists());
}

#[test]
fn a_very_long_reply_is_read_whole() {
    let right: serde_json::Value = serde_json::from_slice(&recorded("right.json")).unwrap();
    let content = right["choices"][0]["message"]["content"].as_str().unwrap();
    let padded = format!("{}{content}", "Let me think about the tickets table step by step. ".repeat(40_000));
    let body = serde_json::json!({"choices": [{"message": {"role": "assistant", "content": padded}}]});
    let mut long = Canned::ok(body.to_string().into_bytes());
    long.chunked = true;
    let (url, _) = serve(vec![long]);
    let run = generate("long", &url, &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("tokens 0 in / 0 out"), "no usage reported, none invented: {}", run.stdout);
}

#[test]
fn an_unreachable_endpoint_is_a_clear_error() {
    // A port just released: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let run = generate("unreachable", &format!("http://127.0.0.1:{port}/v1"), &["--max-retries", "1"]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("could not be reached"), "{}", run.stdout);
}

#[test]
fn the_bench_replays_the_recorded_rounds_as_recorded() {
    let run = Command::new(binary())
        .args(["llm", "bench"])
        .arg(crate_root().join("tests/corpus/llm/bench.json"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}{}", text(&run.stdout), text(&run.stderr));
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let rounds = report["cases"][0]["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 2);
    assert_eq!((rounds[0]["validated"].as_bool(), rounds[1]["validated"].as_bool()), (Some(false), Some(true)));
    assert!(rounds[0]["findings_lines"].as_u64().unwrap() > 5);
    assert!(rounds.iter().all(|r| r["validate"].as_f64().unwrap() > 0.0));
}

/// Reads one HTTP request from `stream`: its body.
fn read_request(stream: &std::net::TcpStream) -> String {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    let mut length = 0usize;
    reader.read_line(&mut line).unwrap();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    String::from_utf8(body).unwrap()
}

/// The model a request asks for (`Write the model `m``).
fn model_asked(body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).unwrap();
    let prompt = value["messages"][1]["content"].as_str().unwrap();
    prompt.split('`').nth(1).unwrap().to_string()
}

#[test]
fn models_go_in_dependency_order_and_one_levels_models_in_parallel() {
    // Replies for stg_orders and fact_customer_orders: the code `generate code` writes for them,
    // recorded as a model's reply would hold it.
    let scaffold = scratch("llm", "order-scaffold");
    let specs = crate_root().join("specs/customer360");
    let made = Command::new(binary())
        .args(["generate", "code", "--target", "duckdb"])
        .arg(&specs)
        .arg("--spec")
        .arg(specs.join("spec.corrected.json"))
        .arg("--out")
        .arg(&scaffold)
        .output()
        .unwrap();
    assert_eq!(made.status.code(), Some(0));
    let reply_of = |model: &str| -> Vec<u8> {
        if model == "stg_support_pivot" {
            return recorded("right.json");
        }
        let code = std::fs::read_to_string(scaffold.join(format!("models/{model}.sql"))).unwrap();
        let content = format!("```sql\n{code}```\n");
        serde_json::json!({"choices": [{"message": {"role": "assistant", "content": content}}]})
            .to_string()
            .into_bytes()
    };
    let replies: Vec<(String, Vec<u8>)> = ["stg_orders", "stg_support_pivot", "fact_customer_orders"]
        .iter()
        .map(|m| (m.to_string(), reply_of(m)))
        .collect();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    // (model, when its request arrived, when its answer was sent)
    let events: Arc<Mutex<Vec<(String, Instant, Instant)>>> = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&events);
    std::thread::spawn(move || {
        for _ in 0..3 {
            let Ok((stream, _)) = listener.accept() else { return };
            let replies = replies.clone();
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let arrived = Instant::now();
                let model = model_asked(&read_request(&stream));
                // Held a while, so that a second request of the same level arrives meanwhile.
                std::thread::sleep(Duration::from_millis(1000));
                let body = &replies.iter().find(|(m, _)| *m == model).unwrap().1;
                let mut stream = stream;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).unwrap();
                stream.write_all(body).unwrap();
                log.lock().unwrap().push((model, arrived, Instant::now()));
            });
        }
    });
    let out = scratch("llm", "order");
    let run = Command::new(binary())
        .args(["llm", "generate"])
        .arg(&specs)
        .arg("--spec")
        .arg(specs.join("spec.corrected.json"))
        .args(["--endpoint", &url, "--model", "recorded-model", "--target", "duckdb"])
        .args(["--models", "fact_customer_orders,stg_support_pivot,stg_orders", "--concurrency", "2"])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}{}", text(&run.stdout), text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(stdout.contains("3 of 3 models validated"), "{stdout}");
    let events = events.lock().unwrap();
    let at = |model: &str| events.iter().find(|(m, _, _)| m == model).unwrap().clone();
    let (orders, pivot, fact) = (at("stg_orders"), at("stg_support_pivot"), at("fact_customer_orders"));
    // The level-0 models were asked together: the second arrived before the first was answered.
    assert!(orders.1 < pivot.2 && pivot.1 < orders.2, "stg_orders and stg_support_pivot were not asked in parallel");
    // fact_customer_orders reads both: asked only after both were answered (and validated).
    assert!(fact.1 > orders.2 && fact.1 > pivot.2, "fact_customer_orders was asked before what it reads was done");
    // The report lists them in dependency order.
    let fact_line = stdout.find("fact_customer_orders").unwrap();
    assert!(stdout.find("stg_orders").unwrap() < fact_line && stdout.find("stg_support_pivot").unwrap() < fact_line);
}

#[test]
fn an_unknown_model_a_bad_timeout_or_an_input_as_output_is_refused_before_any_request() {
    // Nothing listens here: a request would fail differently.
    let url = "http://127.0.0.1:9/v1";
    // A copy: were the check to fail, the run would write over the copy's spec, not the repo's.
    let specs = scratch("llm", "refused-project");
    copy_tree(&crate_root().join("specs/customer360"), &specs);
    let spec = specs.join("spec.corrected.json");
    let original = std::fs::read(&spec).unwrap();
    for (extra, expected) in [
        (vec!["--models", "no_such_model"], "the spec has no model `no_such_model`"),
        (vec!["--read-timeout", "0"], "--read-timeout must be a positive number of seconds"),
        (vec!["--transcript", spec.to_str().unwrap()], "is one of the project's inputs"),
    ] {
        let out = scratch("llm", "refused-args");
        let run = Command::new(binary())
            .args(["llm", "generate"])
            .arg(&specs)
            .arg("--spec")
            .arg(&spec)
            .args(["--endpoint", url, "--model", "m", "--target", "dbt", "--out"])
            .arg(&out)
            .args(&extra)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2));
        assert!(text(&run.stderr).contains(expected), "{}", text(&run.stderr));
        assert!(!out.join("llm-transcript.jsonl").exists());
    }
    assert_eq!(std::fs::read(&spec).unwrap(), original, "the spec was written over");
    // --out the project itself: its models would be overwritten by the scaffold.
    let run = Command::new(binary())
        .args(["llm", "generate"])
        .arg(&specs)
        .arg("--spec")
        .arg(&spec)
        .args(["--endpoint", url, "--model", "m", "--target", "duckdb", "--out"])
        .arg(&specs)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stdout));
    assert!(text(&run.stderr).contains("inputs"), "{}", text(&run.stderr));
}
