//! `specproof llm bench`: replays recorded rounds of the loop — a spec, a model's reply, the
//! findings it drew, the repaired reply — with no endpoint, and measures what specproof's own
//! part of each round costs: extracting the code and validating it in context.
//!
//! A corpus is a JSON file: `{"cases": [{"name", "spec", "target", "model", "rounds": [{"reply",
//! "validates"}]}]}`, paths relative to the file; each reply is a recorded chat-completion body.

use super::client::parse_completion;
use super::extract::code_of;
use super::session::{judge, write_tree};
use crate::codegen::{generate, Target};
use crate::error::{Error, ErrorKind, Result};
use crate::project::layout::{load_project, Overrides};
use crate::run::options::RunOptions;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// One recorded round.
#[derive(Debug, Clone, serde::Deserialize)]
struct RoundFile {
    /// The recorded reply (a chat-completion JSON body).
    reply: String,
    /// Whether its code is expected to validate.
    validates: bool,
}

/// One recorded loop.
#[derive(Debug, Clone, serde::Deserialize)]
struct CaseFile {
    name: String,
    spec: String,
    target: String,
    model: String,
    rounds: Vec<RoundFile>,
}

#[derive(Debug, Clone, serde::Deserialize)]
struct CorpusFile {
    cases: Vec<CaseFile>,
}

/// One replayed round.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RoundTiming {
    /// 1 for the first reply.
    pub round: usize,
    /// Whether the code validated.
    pub validated: bool,
    /// Whether that is what the corpus recorded.
    pub as_recorded: bool,
    /// Extracting the code, writing the work copy and validating it.
    #[serde(serialize_with = "millis")]
    pub validate: Duration,
    /// Findings lines shown to the model after this round (0 when it validated).
    pub findings_lines: usize,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1e6).round() / 1e3)
}

/// One replayed case.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseTiming {
    /// The case's name.
    pub name: String,
    /// The model regenerated.
    pub model: String,
    /// The target.
    pub target: String,
    /// Its rounds.
    pub rounds: Vec<RoundTiming>,
}

/// The whole replay.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BenchReport {
    /// The cases, in corpus order.
    pub cases: Vec<CaseTiming>,
}

fn target_named(name: &str) -> Option<Target> {
    [Target::Duckdb, Target::Bigquery, Target::Dataform, Target::Dbt].into_iter().find(|t| t.name() == name)
}

fn bad(corpus: &Path, message: String) -> Error {
    Error::in_file(ErrorKind::InvalidJson { what: "llm bench corpus", json_path: ".".into(), message }, corpus)
}

/// Replays every case of the corpus file `corpus`, validating with `run`; `work` is a scratch
/// folder (emptied).
pub fn replay(corpus: &Path, work: &Path, run: &RunOptions) -> Result<BenchReport> {
    let text = crate::error::read_text(corpus, 16 * 1024 * 1024)?;
    let file: CorpusFile = serde_json::from_str(&text).map_err(|e| bad(corpus, e.to_string()))?;
    let base = corpus.parent().unwrap_or(Path::new("."));
    let mut cases = Vec::new();
    for case in &file.cases {
        let target =
            target_named(&case.target).ok_or_else(|| bad(corpus, format!("unknown target `{}`", case.target)))?;
        let spec = base.join(&case.spec);
        let dir = spec.parent().unwrap_or(Path::new("."));
        let overrides = Overrides { spec: Some(spec.clone()), ..Overrides::default() };
        let project = load_project(dir, &overrides)?;
        let scaffold: BTreeMap<String, String> =
            generate(&project.spec, &project.catalog, target).files.into_iter().map(|f| (f.path, f.text)).collect();
        let path = scaffold
            .keys()
            .find(|p| {
                let name = p.rsplit('/').next().unwrap_or(p);
                name == format!("{}.sql", case.model) || name == format!("{}.sqlx", case.model)
            })
            .cloned()
            .ok_or_else(|| bad(corpus, format!("case `{}`: no file for model `{}`", case.name, case.model)))?;
        let extension = if path.ends_with(".sqlx") { "sqlx" } else { "sql" };
        let mut rounds = Vec::new();
        for (i, round) in case.rounds.iter().enumerate() {
            let reply_path = base.join(&round.reply);
            let body = crate::error::read_text(&reply_path, 16 * 1024 * 1024)?;
            let reply = parse_completion(&body).map_err(|e| bad(&reply_path, e.to_string()))?;
            let started = std::time::Instant::now();
            let code = code_of(&reply.content, extension)
                .ok_or_else(|| bad(&reply_path, "the reply holds no fenced code block".into()))?;
            let mut files = scaffold.clone();
            files.insert(path.clone(), code);
            write_tree(work, &files)?;
            let judged = judge(&project, work, target, run)?;
            let validate = started.elapsed();
            rounds.push(RoundTiming {
                round: i + 1,
                validated: judged.clean,
                as_recorded: judged.clean == round.validates,
                validate,
                findings_lines: judged.findings.lines().count(),
            });
        }
        cases.push(CaseTiming {
            name: case.name.clone(),
            model: case.model.clone(),
            target: case.target.clone(),
            rounds,
        });
    }
    let _ = std::fs::remove_dir_all(work);
    Ok(BenchReport { cases })
}

/// The report as text: per case and round, the validation time and its share of a 30-second
/// regenerate-and-prove loop.
pub fn render_text(report: &BenchReport) -> String {
    let mut out = String::from("specproof llm bench: specproof's part of each round (extract, write, validate)\n");
    let mut total = Duration::ZERO;
    let mut count = 0usize;
    for case in &report.cases {
        out.push_str(&format!("{} ({} {}):\n", case.name, case.target, case.model));
        for round in &case.rounds {
            total += round.validate;
            count += 1;
            out.push_str(&format!(
                "  round {}: {:>8.1} ms  {:>5.1}% of 30 s  {}{}\n",
                round.round,
                round.validate.as_secs_f64() * 1e3,
                round.validate.as_secs_f64() / 30.0 * 100.0,
                if round.validated { "validated" } else { "findings" },
                if round.as_recorded { "" } else { "  (NOT as recorded)" }
            ));
        }
    }
    if count > 0 {
        let mean = total / count as u32;
        out.push_str(&format!(
            "mean per round: {:.1} ms ({:.1}% of a 30-second loop)\n",
            mean.as_secs_f64() * 1e3,
            mean.as_secs_f64() / 30.0 * 100.0
        ));
    }
    out
}
