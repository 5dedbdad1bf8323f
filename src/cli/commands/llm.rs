//! `specproof llm generate` and `specproof llm bench` (docs/llm.md).

use super::generate::{lint_clean, target_of};
use crate::cli::args::{BenchFormat, LlmBenchArgs, LlmCommand, LlmGenerateArgs};
use crate::cli::outcome::{usage_error, Outcome};
use crate::llm::bench::{render_text, replay};
use crate::llm::client::ClientConfig;
use crate::llm::session::{run as run_loop, LlmOptions, ModelRun, Session, Verdict};
use crate::project::layout::display;
use crate::run::options::{RunOptions, DEFAULT_RUN_TIME};
use std::time::Duration;

/// Runs `specproof llm …`.
pub fn run(command: &LlmCommand) -> Outcome {
    match command {
        LlmCommand::Generate(args) => generate(args),
        LlmCommand::Bench(args) => bench(args),
    }
}

/// Datasets each candidate is validated on, as `validate` does by default.
const CASES: usize = 3;

/// A positive, finite number of seconds from a flag, or the usage error.
fn seconds(flag: &str, value: f64) -> Result<Duration, Outcome> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|_| value.is_finite() && value > 0.0 && value <= 86_400.0)
        .ok_or_else(|| usage_error(format!("{flag} must be a positive number of seconds, at most 86400, not {value}")))
}

/// How validation runs for each candidate: `validate`'s defaults, with `seed`.
fn run_options(seed: u64) -> RunOptions {
    let mut options =
        RunOptions { run_time: DEFAULT_RUN_TIME.to_string(), cases: CASES, shrink: true, ..Default::default() };
    options.synth.seed = seed;
    options.synth.rows = 200;
    options
}

fn generate(args: &LlmGenerateArgs) -> Outcome {
    let (connect, read, backoff) = match (
        seconds("--connect-timeout", args.connect_timeout),
        seconds("--read-timeout", args.read_timeout),
        seconds("--backoff", args.backoff),
    ) {
        (Ok(c), Ok(r), Ok(b)) => (c, r, b),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e,
    };
    if args.concurrency == 0 {
        return usage_error("--concurrency must be at least 1".into());
    }
    let project = match lint_clean(&args.dir, &args.spec, &args.sources, &args.out) {
        Ok(project) => project,
        Err(outcome) => return outcome,
    };
    if let Some(unknown) = args.models.iter().find(|m| project.spec.spec.model_index(m).is_none()) {
        return usage_error(format!("--models: the spec has no model `{unknown}`"));
    }
    // Nothing is written over the project's inputs: not the scaffold's files (nor a failed
    // model's `.failed` beside one), not the transcript.
    let transcript = args.transcript.clone().unwrap_or_else(|| args.out.join("llm-transcript.jsonl"));
    let scaffold = crate::codegen::generate(&project.spec, &project.catalog, target_of(args.target));
    let written =
        scaffold.files.iter().flat_map(|f| [args.out.join(&f.path), args.out.join(format!("{}.failed", f.path))]);
    if let Some((path, role)) =
        written.chain([transcript.clone()]).find_map(|p| project.input_role(&p).map(|role| (p, role)))
    {
        return usage_error(format!(
            "{} is one of the project's inputs ({role}); choose another --out folder or --transcript file",
            display(&path)
        ));
    }
    // The key is read here and handed to the client only; nothing prints or writes it.
    let api_key = std::env::var(&args.api_key_env).ok().filter(|k| !k.trim().is_empty());
    let options = LlmOptions {
        client: ClientConfig {
            endpoint: args.endpoint.clone(),
            model: args.model.clone(),
            api_key,
            connect_timeout: connect,
            read_timeout: read,
            max_retries: args.max_retries,
            backoff_base: backoff,
            backoff_max: backoff.saturating_mul(64).max(Duration::from_secs(60)),
            seed: args.seed,
            stream: args.stream,
            max_body: 64 * 1024 * 1024,
        },
        target: target_of(args.target),
        repair_rounds: args.repair_rounds,
        concurrency: args.concurrency,
        only: (!args.models.is_empty()).then(|| args.models.clone()),
        run: run_options(args.seed),
    };
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        return usage_error(format!("cannot create {}: {e}", display(&args.out)));
    }
    let session = match run_loop(&project, &args.out, &options) {
        Ok(session) => session,
        Err(error) => return usage_error(error.to_string()),
    };
    let lines: String = session
        .models
        .iter()
        .flat_map(|m| m.exchanges.iter())
        .map(|e| serde_json::to_string(e).unwrap_or_default() + "\n")
        .collect();
    if let Err(e) = std::fs::write(&transcript, lines) {
        return usage_error(format!("cannot write the transcript {}: {e}", display(&transcript)));
    }
    let code = exit_code(&session);
    let stdout = match args.format {
        BenchFormat::Text => render(&session, &display(&args.out), &display(&transcript)),
        BenchFormat::Json => render_json(&session, &display(&transcript)),
    };
    let stderr: String = session
        .models
        .iter()
        .filter_map(|m| match &m.verdict {
            Verdict::Error(message) => Some(format!("specproof: error: {}: {message}\n", m.model)),
            _ => None,
        })
        .collect();
    Outcome { stdout, stderr, code }
}

/// 2 when any request could not run, else 1 when any model never validated, else 0.
fn exit_code(session: &Session) -> u8 {
    if session.models.iter().any(|m| matches!(m.verdict, Verdict::Error(_) | Verdict::NotRun)) {
        2
    } else if session.models.iter().any(|m| m.verdict == Verdict::Failed) {
        1
    } else {
        0
    }
}

fn verdict_word(run: &ModelRun) -> &'static str {
    match run.verdict {
        Verdict::Validated => "validated",
        Verdict::Failed => "FAILED",
        Verdict::Error(_) => "error",
        Verdict::NotRun => "not run",
    }
}

/// The report for people: one line per model, then each failed model's last findings.
fn render(session: &Session, out: &str, transcript: &str) -> String {
    let mut text = String::new();
    for run in &session.models {
        text.push_str(&format!(
            "{:<10} {}  rounds {}  tokens {} in / {} out  {:.1} s (validating {:.1} s)\n",
            verdict_word(run),
            run.model,
            run.rounds,
            run.prompt_tokens,
            run.completion_tokens,
            run.wall.as_secs_f64(),
            run.validate_times.iter().map(Duration::as_secs_f64).fold(0.0, |a, b| a + b),
        ));
        match &run.verdict {
            Verdict::Validated => text.push_str(&format!("           {out}/{}\n", run.path)),
            Verdict::Failed => text.push_str(&format!(
                "           never validated: its last code is {out}/{}.failed; its last findings:\n{}",
                run.path,
                indent(&run.findings)
            )),
            Verdict::Error(message) => text.push_str(&format!("           {message}\n")),
            Verdict::NotRun => text.push_str("           not asked: an earlier request could not run\n"),
        }
    }
    let count = |v: &dyn Fn(&Verdict) -> bool| session.models.iter().filter(|m| v(&m.verdict)).count();
    text.push_str(&format!(
        "{} of {} models validated, {} failed, {} could not run; transcript: {transcript}\n",
        count(&|v| *v == Verdict::Validated),
        session.models.len(),
        count(&|v| *v == Verdict::Failed),
        count(&|v| matches!(v, Verdict::Error(_) | Verdict::NotRun)),
    ));
    text
}

fn indent(text: &str) -> String {
    text.lines().map(|l| if l.is_empty() { "\n".to_string() } else { format!("             {l}\n") }).collect()
}

fn render_json(session: &Session, transcript: &str) -> String {
    let models: Vec<serde_json::Value> = session
        .models
        .iter()
        .map(|run| {
            serde_json::json!({
                "model": run.model,
                "file": run.path,
                "verdict": verdict_word(run).to_ascii_lowercase(),
                "error": match &run.verdict { Verdict::Error(m) => Some(m.clone()), _ => None },
                "rounds": run.rounds,
                "prompt_tokens": run.prompt_tokens,
                "completion_tokens": run.completion_tokens,
                "wall_ms": run.wall.as_millis() as u64,
                "validate_ms": run.validate_times.iter().map(|d| d.as_millis() as u64).collect::<Vec<_>>(),
                "findings": run.findings,
            })
        })
        .collect();
    let value = serde_json::json!({"models": models, "written": session.written, "transcript": transcript});
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

fn bench(args: &LlmBenchArgs) -> Outcome {
    let work = std::env::temp_dir().join(format!("specproof-llm-bench-{}", std::process::id()));
    match replay(&args.corpus, &work, &run_options(42)) {
        Ok(report) => {
            let stdout = match args.format {
                BenchFormat::Text => render_text(&report),
                BenchFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
            };
            let as_recorded = report.cases.iter().flat_map(|c| c.rounds.iter()).all(|r| r.as_recorded);
            Outcome { stdout, stderr: String::new(), code: if as_recorded { 0 } else { 1 } }
        }
        Err(error) => usage_error(error.to_string()),
    }
}
