//! The loop: per model, ask for code, validate it in context, show the findings back, repeat.
//!
//! Each model is validated inside a whole project: the code `specproof generate code` writes for
//! the target is the scaffold, the models already validated replace their scaffold files, and the
//! candidate replaces its own. So a candidate is judged on what it reads as the pipeline will
//! feed it, and a failure is the candidate's, not a neighbour's. Models go in dependency order,
//! level by level; the models of one level (independent of each other) run in parallel.

use super::client::{complete, request_body, ClientConfig, ClientError, Message, Reply};
use super::extract::code_of;
use super::prompt::{model_prompt, repair_prompt, system_prompt};
use crate::codegen::{generate, Target};
use crate::error::{Error, ErrorKind, Result};
use crate::finding::Severity;
use crate::project::layout::{load_project, Overrides, Project};
use crate::report::render::text;
use crate::run::options::RunOptions;
use crate::spec::model::Dialect;
use crate::spec::resolve::graph::dependencies;
use crate::validate::{source_texts, validate, Options};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What `specproof llm generate` does.
#[derive(Debug, Clone)]
pub struct LlmOptions {
    /// The endpoint and how to talk to it.
    pub client: ClientConfig,
    /// The target the code is written for.
    pub target: Target,
    /// Rounds after the first in which the model may repair its code.
    pub repair_rounds: usize,
    /// Models asked at once (of one dependency level).
    pub concurrency: usize,
    /// Regenerate only these models (the others keep the code already in the output folder, or
    /// the scaffold's).
    pub only: Option<Vec<String>>,
    /// How each candidate is validated.
    pub run: RunOptions,
}

/// One request and its reply, as the transcript records it (the API key is in neither).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Exchange {
    /// The model of the pipeline the request is about.
    pub model: String,
    /// 1 for the first request, 2 for the first repair, …
    pub round: usize,
    /// The URL the request went to.
    pub url: String,
    /// The JSON body sent.
    pub request: serde_json::Value,
    /// The assistant's text, when a reply came.
    pub reply: Option<String>,
    /// Why no usable reply came.
    pub error: Option<String>,
    /// Tokens of the prompt and the reply, as the endpoint counted them.
    pub prompt_tokens: Option<u64>,
    /// Tokens of the reply.
    pub completion_tokens: Option<u64>,
    /// HTTP attempts made; each retry's status (0: no connection) and wait in milliseconds.
    pub attempts: u32,
    /// Each retry: status and wait (ms).
    pub retries: Vec<(u16, u128)>,
    /// Time waiting for the endpoint, in milliseconds (retries included).
    pub llm_ms: u128,
    /// Time validating the reply's code, in milliseconds.
    pub validate_ms: Option<u128>,
    /// Whether the reply's code validated.
    pub validated: Option<bool>,
}

/// How one model ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Its code validated: it is in the output folder.
    Validated,
    /// No round's code validated: the last code is beside its file, as `<file>.failed`.
    Failed,
    /// The loop could not run (the endpoint refused, failed or answered without code).
    Error(String),
    /// Not asked: an earlier model's request could not run.
    NotRun,
}

/// One model's run of the loop.
#[derive(Debug, Clone)]
pub struct ModelRun {
    /// The model.
    pub model: String,
    /// Its file in the output folder, `/`-separated.
    pub path: String,
    /// Rounds used (requests answered).
    pub rounds: usize,
    /// How it ended.
    pub verdict: Verdict,
    /// Prompt tokens over all rounds, as the endpoint counted them.
    pub prompt_tokens: u64,
    /// Reply tokens over all rounds.
    pub completion_tokens: u64,
    /// Wall time of the model's loop.
    pub wall: Duration,
    /// Time validating, per round.
    pub validate_times: Vec<Duration>,
    /// The last round's findings as specproof's text report (empty when it validated).
    pub findings: String,
    /// Every request and reply.
    pub exchanges: Vec<Exchange>,
}

impl ModelRun {
    /// A model's run before its first round: nothing asked, nothing validated.
    fn not_run(model: String, path: String) -> ModelRun {
        ModelRun {
            model,
            path,
            rounds: 0,
            verdict: Verdict::NotRun,
            prompt_tokens: 0,
            completion_tokens: 0,
            wall: Duration::ZERO,
            validate_times: Vec::new(),
            findings: String::new(),
            exchanges: Vec::new(),
        }
    }
}

/// The whole run.
#[derive(Debug, Clone)]
pub struct Session {
    /// Each regenerated model, in dependency order.
    pub models: Vec<ModelRun>,
    /// Files written into the output folder, `/`-separated, sorted.
    pub written: Vec<String>,
}

/// The file of `model` in `target`'s layout: the scaffold's file whose name is the model's (the
/// file the project loader maps to the model), else where the scaffold would put it.
fn path_of(files: &BTreeMap<String, String>, model: &str, layer: &str, target: Target) -> String {
    let mine = |path: &&String| {
        let name = path.rsplit('/').next().unwrap_or(path);
        let in_models = path.starts_with("models/") || path.starts_with("definitions/");
        in_models && (name == format!("{model}.sql") || name == format!("{model}.sqlx"))
    };
    match files.keys().find(mine) {
        Some(path) => path.clone(),
        None => match target {
            Target::Duckdb | Target::Bigquery => format!("models/{model}.sql"),
            Target::Dataform => format!("definitions/models/{layer}/{model}.sqlx"),
            Target::Dbt => format!("models/{layer}/{model}.sql"),
        },
    }
}

/// The target's preamble in a scaffold file: what comes before the banner line (Dataform's
/// `config {…}`, dbt's `{{ config(…) }}`), or, in a plain target, the `CREATE … AS` line.
fn preamble_of(scaffold: &str) -> String {
    let banner = scaffold.lines().position(|l| l.contains("Generated by specproof"));
    let before: Vec<&str> = scaffold.lines().take(banner.unwrap_or(0)).collect();
    if before.iter().any(|l| !l.trim().is_empty()) {
        return before.join("\n");
    }
    scaffold
        .lines()
        .find(|l| l.trim_start().to_ascii_uppercase().starts_with("CREATE OR REPLACE TABLE"))
        .unwrap_or("")
        .to_string()
}

/// A failed write of `path`.
fn io(path: &Path, source: std::io::Error) -> Error {
    Error::in_file(ErrorKind::Write { action: "write", source }, path)
}

/// Writes `files` into `dir` (emptied first).
pub(crate) fn write_tree(dir: &Path, files: &BTreeMap<String, String>) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    for (path, text) in files {
        let file = dir.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&file, text).map_err(|e| io(&file, e))?;
    }
    std::fs::create_dir_all(dir.join(EMPTY_TESTS)).map_err(|e| io(dir, e))?;
    Ok(())
}

/// The folder of a work copy that holds no shipped tests: candidates are judged against the
/// spec, not against tests written for other code.
const EMPTY_TESTS: &str = ".no-tests";

/// What validating one candidate gave.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// Nothing fails the gate.
    pub clean: bool,
    /// The report as text (paths relative to the work copy), empty when clean.
    pub findings: String,
    /// How long validating took.
    pub elapsed: Duration,
}

/// Validates the project in `dir` (a work copy) against `project`'s spec and sources.
pub fn judge(project: &Project, dir: &Path, target: Target, run: &RunOptions) -> Result<Judgement> {
    let started = Instant::now();
    let dialect = match target {
        Target::Duckdb => Some(Dialect::Duckdb),
        Target::Bigquery => Some(Dialect::Bigquery),
        Target::Dataform | Target::Dbt => None,
    };
    let overrides = Overrides {
        spec: Some(project.paths.spec.clone()),
        // A project whose sources are all declared in the spec may have no sources folder.
        sources: project.paths.sources.is_dir().then(|| project.paths.sources.clone()),
        models: None,
        tests: Some(dir.join(EMPTY_TESTS)),
        dialect,
    };
    let copy = load_project(dir, &overrides)?;
    let options = Options {
        run: Some(crate::run::options::in_memory(run)),
        no_run: false,
        changed_since: None,
        partition: None,
        baseline: None,
        fail_on: Severity::Error,
    };
    let validation = validate(&copy, &options)?;
    let clean = validation.report.is_clean();
    let findings = if clean {
        String::new()
    } else {
        let shown =
            text::render(&validation.report, &source_texts(&copy, validation.code.as_ref(), validation.suite.as_ref()));
        // The model knows its file by its path in the project, not by the work copy's.
        let prefix = format!("{}/", crate::project::layout::display(dir));
        shown.replace(&prefix, "")
    };
    Ok(Judgement { clean, findings, elapsed: started.elapsed() })
}

/// Dependency level of each model: 0 for models reading no model, else one more than the
/// deepest model read. Cycles (a lint error) are cut where they close.
fn levels(deps: &[Vec<usize>]) -> Vec<usize> {
    fn level(i: usize, deps: &[Vec<usize>], memo: &mut Vec<Option<usize>>, on: &mut Vec<bool>) -> usize {
        if let Some(l) = memo[i] {
            return l;
        }
        if on[i] {
            return 0;
        }
        on[i] = true;
        let l = deps[i].iter().map(|&d| level(d, deps, memo, on) + 1).max().unwrap_or(0);
        on[i] = false;
        memo[i] = Some(l);
        l
    }
    let mut memo = vec![None; deps.len()];
    let mut on = vec![false; deps.len()];
    (0..deps.len()).map(|i| level(i, deps, &mut memo, &mut on)).collect()
}

/// Everything the rounds of one model share.
struct Shared<'a> {
    project: &'a Project,
    options: &'a LlmOptions,
    work: PathBuf,
    system: String,
}

/// Runs the loop for model `mi`, its code at `path`, over the project files `files`.
fn run_model(
    shared: &Shared<'_>,
    mi: usize,
    path: &str,
    preamble: &str,
    files: &BTreeMap<String, String>,
) -> (ModelRun, Option<String>) {
    let started = Instant::now();
    let project = shared.project;
    let options = shared.options;
    let name = project.spec.spec.models[mi].name.clone();
    let extension = if path.ends_with(".sqlx") { "sqlx" } else { "sql" };
    let url = super::client::completions_url(&options.client.endpoint);
    let mut messages = vec![
        Message::new("system", shared.system.clone()),
        Message::new("user", model_prompt(project, mi, options.target, path, preamble)),
    ];
    let mut run = ModelRun::not_run(name.clone(), path.to_string());
    let mut last_code = None;
    let work = shared.work.join(&name);
    for round in 1..=options.repair_rounds + 1 {
        let request = serde_json::from_str(&request_body(&options.client.model, &messages, options.client.stream))
            .unwrap_or(serde_json::Value::Null);
        let asked = Instant::now();
        let mut exchange = Exchange {
            model: name.clone(),
            round,
            url: url.clone(),
            request,
            reply: None,
            error: None,
            prompt_tokens: None,
            completion_tokens: None,
            attempts: 0,
            retries: Vec::new(),
            llm_ms: 0,
            validate_ms: None,
            validated: None,
        };
        let reply: std::result::Result<Reply, ClientError> = complete(&options.client, &messages);
        exchange.llm_ms = asked.elapsed().as_millis();
        let reply = match reply {
            Ok(reply) => reply,
            Err(error) => {
                exchange.error = Some(error.to_string());
                run.exchanges.push(exchange);
                run.verdict = Verdict::Error(error.to_string());
                break;
            }
        };
        run.rounds = round;
        run.prompt_tokens += reply.prompt_tokens.unwrap_or(0);
        run.completion_tokens += reply.completion_tokens.unwrap_or(0);
        exchange.reply = Some(reply.content.clone());
        exchange.prompt_tokens = reply.prompt_tokens;
        exchange.completion_tokens = reply.completion_tokens;
        exchange.attempts = reply.attempts;
        exchange.retries = reply.retries.iter().map(|(s, w)| (*s, w.as_millis())).collect();
        let Some(code) = code_of(&reply.content, extension) else {
            let message = "the reply holds no fenced code block (```sql … ```)".to_string();
            exchange.error = Some(message.clone());
            run.exchanges.push(exchange);
            run.verdict = Verdict::Error(message);
            break;
        };
        let mut candidate = files.clone();
        candidate.insert(path.to_string(), code.clone());
        last_code = Some(code);
        let judged = write_tree(&work, &candidate).and_then(|()| judge(project, &work, options.target, &options.run));
        let judged = match judged {
            Ok(judged) => judged,
            Err(error) => {
                let message = format!("validating round {round} failed: {error}");
                exchange.error = Some(message.clone());
                run.exchanges.push(exchange);
                run.verdict = Verdict::Error(message);
                break;
            }
        };
        exchange.validate_ms = Some(judged.elapsed.as_millis());
        exchange.validated = Some(judged.clean);
        run.validate_times.push(judged.elapsed);
        run.exchanges.push(exchange);
        run.findings = judged.findings.clone();
        if judged.clean {
            run.verdict = Verdict::Validated;
            break;
        }
        run.verdict = Verdict::Failed;
        messages.push(Message::new("assistant", reply.content));
        messages.push(Message::new("user", repair_prompt(&name, round, &judged.findings)));
    }
    // The work copy is scratch: keep nothing that could be mistaken for output.
    let _ = std::fs::remove_dir_all(&work);
    run.wall = started.elapsed();
    (run, last_code)
}

/// Runs the loop for every model (or those of [`LlmOptions::only`]) of `project` and writes the
/// result into `out`: validated code in place, a failed model's last code beside its file as
/// `<file>.failed` (its own file left out, so nothing failed looks finished). An error of the
/// endpoint stops the models not yet asked.
pub fn run(project: &Project, out: &Path, options: &LlmOptions) -> Result<Session> {
    let spec = &project.spec.spec;
    let scaffold = generate(&project.spec, &project.catalog, options.target);
    let scaffold_files: BTreeMap<String, String> =
        scaffold.files.iter().map(|f| (f.path.clone(), f.text.clone())).collect();
    // A file already in the output folder (an earlier run's validated code) wins over the
    // scaffold, so `--models` regenerates only what it names.
    let mut files = scaffold_files.clone();
    for (path, text) in files.iter_mut() {
        if let Ok(existing) = std::fs::read_to_string(out.join(path)) {
            *text = existing;
        }
    }
    let chosen = |name: &str| options.only.as_ref().is_none_or(|only| only.iter().any(|m| m == name));
    let deps = dependencies(spec, &project.catalog);
    let levels = levels(&deps);
    let deepest = levels.iter().copied().max().unwrap_or(0);
    let shared =
        Shared { project, options, work: out.join(".specproof-llm-work"), system: system_prompt(options.target) };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.concurrency.max(1))
        .build()
        .map_err(|e| io(out, std::io::Error::other(e.to_string())))?;
    let mut runs: Vec<ModelRun> = Vec::new();
    let mut failed_code: Vec<(String, String)> = Vec::new();
    let mut stopped = false;
    for level in 0..=deepest {
        let models: Vec<usize> =
            (0..spec.models.len()).filter(|&i| levels[i] == level && chosen(&spec.models[i].name)).collect();
        let jobs: Vec<(usize, String, String)> = models
            .iter()
            .map(|&mi| {
                let model = &spec.models[mi];
                let layer = model.layer.clone().unwrap_or_else(|| "staging".into());
                let path = path_of(&scaffold_files, &model.name, &layer, options.target);
                let preamble = scaffold_files.get(&path).map(|s| preamble_of(s)).unwrap_or_default();
                (mi, path, preamble)
            })
            .collect();
        let results: Vec<(ModelRun, Option<String>)> = if stopped {
            jobs.iter()
                .map(|(mi, path, _)| {
                    let run = ModelRun::not_run(spec.models[*mi].name.clone(), path.clone());
                    (run, None)
                })
                .collect()
        } else {
            let snapshot = files.clone();
            pool.install(|| {
                use rayon::prelude::*;
                jobs.par_iter().map(|(mi, path, preamble)| run_model(&shared, *mi, path, preamble, &snapshot)).collect()
            })
        };
        for (run, code) in results {
            match (&run.verdict, code) {
                (Verdict::Validated, Some(code)) => {
                    // An earlier run's failed code for this model is stale now.
                    let _ = std::fs::remove_file(out.join(format!("{}.failed", run.path)));
                    files.insert(run.path.clone(), code);
                }
                (Verdict::Failed, Some(code)) => {
                    failed_code.push((run.path.clone(), code));
                }
                (Verdict::Error(_), _) => stopped = true,
                _ => {}
            }
            runs.push(run);
        }
    }
    let _ = std::fs::remove_dir_all(&shared.work);
    // The output: every file but a failed model's, and each failed model's last code beside.
    let mut output = files;
    for (path, code) in &failed_code {
        output.remove(path);
        output.insert(format!("{path}.failed"), code.clone());
    }
    for run in runs.iter().filter(|r| matches!(r.verdict, Verdict::Error(_) | Verdict::NotRun)) {
        // Never asked or never answered: the model keeps what the folder held before, if anything.
        if !out.join(&run.path).is_file() {
            output.remove(&run.path);
        }
    }
    for (path, text) in &output {
        let file = out.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&file, text).map_err(|e| io(&file, e))?;
    }
    for (path, _) in &failed_code {
        // A file an earlier run validated is not valid for this spec any more.
        let _ = std::fs::remove_file(out.join(path));
    }
    Ok(Session { models: runs, written: output.keys().cloned().collect() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_dependency_graph() {
        // 0 and 3 read nothing; 1 reads 0; 2 reads 1 and 3.
        let deps = vec![vec![], vec![0], vec![1, 3], vec![]];
        assert_eq!(levels(&deps), vec![0, 1, 2, 0]);
        // A cycle (a lint error) does not hang.
        assert_eq!(levels(&[vec![1], vec![0]]).len(), 2);
    }

    #[test]
    fn the_preamble_is_the_config_block_or_the_create_line() {
        let dataform = "config {\n  type: \"table\"\n}\n\n-- Generated by specproof from s.json; regenerate rather than edit.\nSELECT 1\n";
        assert_eq!(preamble_of(dataform), "config {\n  type: \"table\"\n}\n");
        let plain = "-- Generated by specproof from s.json; regenerate rather than edit.\n-- m\nCREATE OR REPLACE TABLE s.m AS\nSELECT 1;\n";
        assert_eq!(preamble_of(plain), "CREATE OR REPLACE TABLE s.m AS");
    }

    #[test]
    fn a_models_file_is_the_scaffolds_file_of_its_name() {
        let files: BTreeMap<String, String> =
            [("models/staging/ab.sql", ""), ("models/staging/a.sql", ""), ("snapshots/a_history.sql", "")]
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect();
        assert_eq!(path_of(&files, "a", "staging", Target::Dbt), "models/staging/a.sql");
        assert_eq!(path_of(&files, "c", "final", Target::Dataform), "definitions/models/final/c.sqlx");
    }
}
