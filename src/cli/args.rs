//! Command-line arguments (clap, derive).

use crate::spec::model::Dialect;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// specproof: tells you, in seconds, whether generated pipeline code does what its spec says.
///
/// Exit codes: 0 clean, 1 findings, 2 could not run.
#[derive(Debug, Parser)]
#[command(name = "specproof", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint the spec: every place it has no single meaning, with code, JSON path and line.
    ///
    /// Example: specproof lint specs/customer360
    #[command(
        after_help = "Examples:\n  specproof lint specs/customer360\n  specproof lint . --spec technical_requirements/spec.json --sources business_requirements/source_ddl\n  specproof lint specs/customer360 --format json"
    )]
    Lint(LintArgs),
    /// Validate a pipeline project against its spec: the spec lint, the static check of the
    /// code (lineage, joins, filters, grouping), then every model run in sandboxed DuckDB on
    /// synthetic data, its output checked against the spec's types and tests.
    ///
    /// Example: specproof validate specs/customer360
    #[command(
        after_help = "Examples:\n  specproof validate specs/customer360\n  specproof validate . --spec technical_requirements/spec.json --models pipeline_code/definitions --sources business_requirements/source_ddl\n  specproof validate . --changed-since origin/main --output specproof.sarif --output specproof.xml --output specproof.md\n  specproof validate . --write-baseline specproof-baseline.json\n  specproof validate . --baseline specproof-baseline.json --fail-on warning\n  specproof validate . --partition 2/4 --format json --output part-2.json\n\nExit codes: 0 nothing fails the gate, 1 findings fail it, 2 could not run."
    )]
    Validate(ValidateArgs),
    /// Write the synthetic dataset the models are run on, one CSV per source table, so a
    /// person can look at it.
    ///
    /// Example: specproof data specs/customer360 --out /tmp/customer360-data --rows 50
    #[command(
        after_help = "Examples:\n  specproof data specs/customer360 --out data\n  specproof data specs/customer360 --out data --seed 7 --rows 1000"
    )]
    Data(DataArgs),
    /// Show each model's column lineage (what every output column is derived from, joins,
    /// filters, grouping) and the static check of the code against the spec.
    ///
    /// Example: specproof lineage specs/customer360 --model stg_orders
    #[command(
        after_help = "Examples:\n  specproof lineage specs/customer360\n  specproof lineage specs/customer360 --model stg_orders\n  specproof lineage specs/customer360 --models specs/customer360/models_duckdb --dialect duckdb --format json"
    )]
    Lineage(LineageArgs),
    /// Draw the pipeline (sources, staging and final layers, model kinds) or a model's column
    /// lineage from the spec and the code, every disagreement highlighted (docs/review.md).
    ///
    /// Example: specproof diagram specs/customer360 --kind lineage --model stg_orders --format svg
    #[command(
        after_help = "Examples:\n  specproof diagram specs/customer360 > pipeline.mmd\n  specproof diagram specs/customer360 --format svg > pipeline.svg\n  specproof diagram specs/customer360 --model stg_orders --format svg > around-stg_orders.svg\n  specproof diagram specs/customer360 --kind lineage --model stg_orders --format dot\n  specproof diagram specs/customer360 --kind lineage --format svg --out diagrams"
    )]
    Diagram(DiagramArgs),
    /// Write what a spec approver reviews: CSV tables, one Markdown document and one
    /// self-contained HTML page, each model's lineage beside its columns (docs/review.md).
    ///
    /// Example: specproof review specs/customer360 --out review
    #[command(
        after_help = "Examples:\n  specproof review specs/customer360 --out review\n  specproof validate specs/customer360 --format json --output report.json; specproof review specs/customer360 --out review --report report.json"
    )]
    Review(ReviewArgs),
    /// Break the code on purpose and score the tests: each suite's share of the mutants it
    /// kills, per model, with the surviving mutants as diffs (docs/mutate.md).
    ///
    /// Example: specproof mutate specs/customer360 --budget 50
    #[command(
        after_help = "Examples:\n  specproof mutate specs/customer360\n  specproof mutate specs/customer360 --tests my-tests --min-score 80\n  specproof mutate . --format json --budget 200 --jobs 2\n\nExit codes: 0 ok, 1 a --min-score not met, 2 could not run."
    )]
    Mutate(MutateArgs),
    /// The spec as a table-driven requirements document and back: `spec to-markdown` writes it,
    /// `spec from-markdown` reads it into spec.json (docs/review.md).
    ///
    /// Example: specproof spec to-markdown specs/customer360 > requirements.md
    #[command(subcommand)]
    Spec(SpecCommand),
    /// Explain a finding code: what the check does, why it matters, an example.
    ///
    /// Example: specproof explain SPEC013
    #[command(
        after_help = "Examples:\n  specproof explain SPEC013\n  specproof explain key-can-repeat\n  specproof explain --all\n  specproof explain --all --format markdown > docs/findings.md"
    )]
    Explain(ExplainArgs),
    /// Scaffold a project folder (a small example that validates clean), a GitHub Actions
    /// workflow that runs the gate and uploads its reports, and a pre-commit hook. Writes
    /// nothing if any of those files exists.
    ///
    /// Example: specproof init my-pipeline
    #[command(
        after_help = "Examples:\n  specproof init my-pipeline\n  specproof init .\n\nThe workflow goes to .github/workflows/specproof.yml and the hook to hooks/pre-commit at the\nroot of the git repository DIR is in (DIR itself outside a repository)."
    )]
    Init(InitArgs),
    /// Generate a synthetic pipeline of any size, validate it with every stage timed, and report
    /// the time, throughput and memory of each stage, and which planted defects were found.
    ///
    /// Example: specproof bench --models 1000 --rows 1000 --defects 5
    #[command(
        after_help = "Examples:\n  specproof bench\n  specproof bench --models 1000 --rows 1000 --defects 5\n  specproof bench --models 10000 --no-run\n  specproof bench --models 200 --jobs 1,2 --format json --output bench.json\n\nExit codes: 0 every planted defect found and nothing else flagged, 1 otherwise, 2 could not run."
    )]
    Bench(BenchArgs),
    /// Work with reports: `specproof report merge` combines the JSON reports of the parts of a
    /// sharded run (`validate --partition K/N`) into one verdict, in any format.
    ///
    /// Example: specproof report merge part-1.json part-2.json part-3.json
    #[command(subcommand)]
    Report(ReportCommand),
    /// Generate pipeline code from the spec, deterministically: `specproof generate code`.
    ///
    /// Example: specproof generate code --target dbt specs/customer360 --out /tmp/c360-dbt
    #[command(subcommand)]
    Generate(GenerateCommand),
    /// Generate code with a language model behind an OpenAI-compatible endpoint, validate it,
    /// and give the findings back to the model to repair, in a loop (docs/llm.md).
    ///
    /// Example: specproof llm generate specs/inventory --endpoint http://127.0.0.1:8080/v1 --model qwen2.5-coder --target duckdb --out gen/llm
    #[command(subcommand)]
    Llm(LlmCommand),
}

/// `specproof llm` commands.
#[derive(Debug, Subcommand)]
pub enum LlmCommand {
    /// Generate every model (or those of --models) with the language model, validate each in
    /// context and let the model repair it from the findings for up to --repair-rounds rounds.
    #[command(
        after_help = "Examples:\n  SPECPROOF_LLM_API_KEY=sk-... specproof llm generate specs/inventory --endpoint https://api.openai.com/v1 --model gpt-4.1 --target dbt --out gen/llm\n  specproof llm generate specs/payroll --endpoint http://127.0.0.1:11434/v1 --model qwen2.5-coder --target duckdb --out gen/llm --models stg_employees\n\nExit codes: 0 every model validated, 1 a model never validated (its last code beside its file as <file>.failed, its findings reported), 2 could not run (key refused, endpoint unreachable, malformed reply, a reply with no code, bad input)."
    )]
    Generate(Box<LlmGenerateArgs>),
    /// Replay recorded rounds (spec, reply, findings, repaired reply) with no endpoint and report
    /// what validating each round costs.
    #[command(after_help = "Example:\n  specproof llm bench tests/corpus/llm/bench.json --format json")]
    Bench(LlmBenchArgs),
}

/// `specproof llm generate` arguments.
#[derive(Debug, Clone, Args)]
pub struct LlmGenerateArgs {
    /// The project folder (spec.json, sources/).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The spec file, instead of DIR/spec.json.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// The folder of source DDL (*.sql), instead of DIR/sources.
    #[arg(long, value_name = "DIR")]
    pub sources: Option<PathBuf>,
    /// The endpoint's base URL (`/chat/completions` is appended).
    #[arg(long, value_name = "URL")]
    pub endpoint: String,
    /// The model name the endpoint serves.
    #[arg(long, value_name = "NAME")]
    pub model: String,
    /// What to generate.
    #[arg(long, value_enum)]
    pub target: TargetArg,
    /// The folder to write the project into (the other models' code comes from `generate code`).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Regenerate only these models (comma-separated or repeated).
    #[arg(long, value_name = "MODEL", value_delimiter = ',')]
    pub models: Vec<String>,
    /// Rounds in which the model may repair its code after the first.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub repair_rounds: usize,
    /// Models of one dependency level asked at once.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub concurrency: usize,
    /// The environment variable holding the API key (none is sent when it is unset or empty).
    #[arg(long, value_name = "NAME", default_value = "SPECPROOF_LLM_API_KEY")]
    pub api_key_env: String,
    /// The longest wait to connect, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub connect_timeout: f64,
    /// The longest wait for any read of a reply, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0)]
    pub read_timeout: f64,
    /// Retries after a 429, a 5xx or a dropped connection.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub max_retries: u32,
    /// The first retry's wait in seconds, doubled each retry (with jitter), unless the endpoint
    /// sends Retry-After.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub backoff: f64,
    /// Ask for streamed replies (server-sent events).
    #[arg(long)]
    pub stream: bool,
    /// The transcript of every request and reply (JSON lines; the API key is never in it).
    #[arg(long, value_name = "FILE")]
    pub transcript: Option<PathBuf>,
    /// Seed of the synthetic data each candidate is validated on (and of the retry jitter).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Report format.
    #[arg(long, value_enum, default_value_t = BenchFormat::Text)]
    pub format: BenchFormat,
}

/// `specproof llm bench` arguments.
#[derive(Debug, Clone, Args)]
pub struct LlmBenchArgs {
    /// The corpus file of recorded rounds.
    #[arg(default_value = "tests/corpus/llm/bench.json")]
    pub corpus: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value_t = BenchFormat::Text)]
    pub format: BenchFormat,
}

/// `specproof generate` commands.
#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// Write readable code for every model of the spec in the target's idiom (see docs/generate.md).
    #[command(
        after_help = "Examples:\n  specproof generate code --target duckdb specs/customer360 --spec specs/customer360/spec.corrected.json --out gen/duckdb\n  specproof generate code --target dataform specs/inventory --out gen/dataform\n  specproof generate code --target dbt specs/payroll --out gen/dbt\n\nExit codes: 0 everything generated, 1 some spec construct could not be generated (listed, the rest is written), 2 could not run (the spec lints with errors, bad input)."
    )]
    Code(GenerateArgs),
    /// Write every test the spec names in a test format: the engine's own shipped-test scripts,
    /// dbt singular tests, or Dataform assertions.
    #[command(
        after_help = "Examples:\n  specproof generate tests --target specproof specs/inventory --out gen/tests\n  specproof generate tests --target dbt specs/payroll --out gen/dbt\n\nExit codes: as for `generate code`."
    )]
    Tests(GenerateTestsArgs),
}

/// `specproof generate tests` arguments.
#[derive(Debug, Clone, Args)]
pub struct GenerateTestsArgs {
    /// The project folder (spec.json, sources/).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The spec file, instead of DIR/spec.json.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// The folder of source DDL (*.sql), instead of DIR/sources.
    #[arg(long, value_name = "DIR")]
    pub sources: Option<PathBuf>,
    /// The test format.
    #[arg(long, value_enum)]
    pub target: TestFormatArg,
    /// The folder to write into (created when missing; files of the same name are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `validate --fixture-format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FixtureFormatArg {
    /// A tests/*.sql file in the shipped-test format.
    Specproof,
    /// A dbt unit test (YAML).
    Dbt,
    /// A SQLMesh test (YAML).
    Sqlmesh,
    /// A Dataform unit test (SQLX).
    Dataform,
}

/// `generate tests --target` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormatArg {
    /// The engine's own tests/*.sql (ASSERT scripts), run by `specproof validate`.
    Specproof,
    /// dbt singular tests.
    Dbt,
    /// Dataform assertions.
    Dataform,
}

/// `specproof generate code` arguments.
#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// The project folder (spec.json, sources/).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The spec file, instead of DIR/spec.json.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// The folder of source DDL (*.sql), instead of DIR/sources.
    #[arg(long, value_name = "DIR")]
    pub sources: Option<PathBuf>,
    /// What to generate.
    #[arg(long, value_enum)]
    pub target: TargetArg,
    /// The folder to write into (created when missing; files of the same name are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `generate --target` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetArg {
    /// Plain DuckDB SQL, one file per model, and the run order.
    Duckdb,
    /// Plain BigQuery SQL, one file per model, and the run order.
    Bigquery,
    /// A Dataform project (SQLX).
    Dataform,
    /// A dbt project for dbt-duckdb.
    Dbt,
}

/// `specproof spec` commands.
#[derive(Debug, Subcommand)]
pub enum SpecCommand {
    /// Write the spec as a requirements document: per model a `### Model:` heading, a
    /// `Sources:` line and tables for its columns, joins, filters, aggregations, group-by and
    /// constraints.
    ///
    /// Example: specproof spec to-markdown specs/customer360 > requirements.md
    ToMarkdown(SpecToMarkdownArgs),
    /// Read a requirements document into spec.json (standard output, or --out), reporting every
    /// line it cannot read with its line and column (exit 2).
    ///
    /// Example: specproof spec from-markdown requirements.md --out spec.json
    FromMarkdown(SpecFromMarkdownArgs),
}

/// `specproof spec to-markdown` arguments.
#[derive(Debug, Clone, Args)]
pub struct SpecToMarkdownArgs {
    /// The project folder (its spec.json).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The spec file, instead of DIR/spec.json.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
}

/// `specproof spec from-markdown` arguments.
#[derive(Debug, Clone, Args)]
pub struct SpecFromMarkdownArgs {
    /// The requirements document.
    pub file: PathBuf,
    /// Write spec.json here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `specproof report` commands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Merge the JSON reports of every part of a sharded run into the report one run over every
    /// model gives: the same findings, verdict and exit code.
    ///
    /// Example: specproof report merge part-1.json part-2.json --output specproof.sarif
    #[command(
        after_help = "Examples:\n  specproof report merge reports/*.json\n  specproof report merge part-1.json part-2.json --format markdown\n  specproof report merge reports/*.json --output specproof.sarif --output specproof.xml --output specproof.md\n\nExit codes: 0 nothing fails the gate, 1 findings fail it, 2 the reports cannot be merged (malformed, of different runs, a part twice or missing)."
    )]
    Merge(MergeArgs),
}

/// `specproof report merge` arguments.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// The parts' reports, as `validate --partition K/N --format json` wrote them.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// Output format (default text). With one --output, the format of that file.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report to FILE (repeatable); standard output then gets the text report. The
    /// format is --format's with one --output, else the file's extension.
    #[arg(long, value_name = "FILE")]
    pub output: Vec<PathBuf>,
    /// Merge even when parts are missing: the report says which, and covers only the others.
    #[arg(long)]
    pub allow_partial: bool,
}

/// Where the project is and how to report.
#[derive(Debug, Clone, Args)]
pub struct ProjectArgs {
    /// The project folder (spec.json, sources/, models/, tests/, specproof.toml).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The spec file, instead of DIR/spec.json.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// The folder of source DDL (*.sql), instead of DIR/sources.
    #[arg(long, value_name = "DIR")]
    pub sources: Option<PathBuf>,
    /// The folder of model code (*.sql, *.sqlx), instead of DIR/models.
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// The folder of shipped tests (*.sql), instead of DIR/tests.
    #[arg(long, value_name = "DIR")]
    pub tests: Option<PathBuf>,
    /// The dialect of .sql code files (.sqlx is always BigQuery).
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
    /// Output format (default text). With one --output, the format of that file.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

/// How a report becomes a gate: where it goes and what fails it.
#[derive(Debug, Clone, Args)]
pub struct GateArgs {
    /// Write the report to FILE (repeatable); standard output then gets the text report. The
    /// format is --format's with one --output, else the file's extension: .json, .xml (JUnit),
    /// .sarif, .md, .txt.
    #[arg(long, value_name = "FILE")]
    pub output: Vec<PathBuf>,
    /// The least severe finding that fails the run (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Accept the findings this baseline lists (each with a reason): they are shown, and do
    /// not fail the run.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Write a baseline accepting every current finding to FILE (keeping the reasons of an
    /// existing FILE); fill in each new entry's reason before using it.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

/// `specproof lint` arguments.
#[derive(Debug, Clone, Args)]
pub struct LintArgs {
    /// Where the project is and how to report.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// What fails the run and where the report goes.
    #[command(flatten)]
    pub gate: GateArgs,
}

/// `specproof init` arguments.
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// The project folder to create (or fill).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// How the models are run on synthetic data.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Seed of the synthetic data (default: `seed` in specproof.toml, else 42).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Rows per source table (default: `rows` in specproof.toml, else 200).
    #[arg(long)]
    pub rows: Option<u64>,
}

/// `specproof validate` arguments.
#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// Where the project is and how to report.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// The synthetic data.
    #[command(flatten)]
    pub run: RunArgs,
    /// Keep the database in this file for a person to inspect (default: in memory).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Time limit of each query, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Memory limit of the database (DuckDB syntax, e.g. 2GB).
    #[arg(long, value_name = "SIZE", default_value = "2GB")]
    pub memory_limit: String,
    /// Time limit of the whole run, in seconds: past it the run stops, reports that the rest
    /// was not run, and exits 2.
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0)]
    pub deadline: f64,
    /// Check the code statically only; do not run it.
    #[arg(long)]
    pub no_run: bool,
    /// Synthetic datasets to search, run in parallel: the first of --seed, the others of the
    /// seeds after it (default: `cases` in specproof.toml, else 3).
    #[arg(long, value_name = "N")]
    pub cases: Option<usize>,
    /// Report a difference from the reference on the dataset that showed it, without
    /// shrinking it to a small counterexample.
    #[arg(long)]
    pub no_shrink: bool,
    /// Write each counterexample as a regression test (a tests/*.sql file in the shipped-test
    /// format) into this folder: it fails on the code that was wrong, passes once it is right.
    #[arg(long, value_name = "DIR")]
    pub emit_fixture: Option<PathBuf>,
    /// The format of --emit-fixture's files: the shipped-test script, a dbt unit test, a
    /// SQLMesh test or a Dataform unit test.
    #[arg(long, value_enum, default_value_t = FixtureFormatArg::Specproof, requires = "emit_fixture")]
    pub fixture_format: FixtureFormatArg,
    /// Validate only the models whose spec entry, code or source tables changed since this git
    /// ref (plus everything downstream of them); the report says what was skipped.
    // A baseline written from part of the models would drop the others' entries.
    #[arg(long, value_name = "REF", conflicts_with = "write_baseline")]
    pub changed_since: Option<String>,
    /// Validate part K of N of the models (1 ≤ K ≤ N): whole connected components of the model
    /// graph, balanced by model count, on the same data as a full run; `specproof report merge`
    /// combines the parts' JSON reports into one verdict.
    // A baseline written from part of the models would drop the others' entries; a part is fixed
    // by the model graph, not by a change.
    #[arg(long, value_name = "K/N", conflicts_with_all = ["write_baseline", "changed_since"])]
    pub partition: Option<String>,
    /// What fails the run and where the report goes.
    #[command(flatten)]
    pub gate: GateArgs,
}

/// `specproof bench` arguments.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Models in the generated project (a mix of mapping and aggregate models, in chains and
    /// fan-in, over about a tenth as many source tables).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub models: usize,
    /// Rows per source table.
    #[arg(long, value_name = "R", default_value_t = 200)]
    pub rows: u64,
    /// Seed of the generated project and of its synthetic data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The language of the generated code.
    #[arg(long, value_enum, default_value_t = FlavourArg::Sqlx)]
    pub flavour: FlavourArg,
    /// Worker thread counts, one validation each (e.g. 1,2 to show scaling); default: one
    /// validation with a thread per core.
    #[arg(long, value_name = "N,…", value_delimiter = ',')]
    pub jobs: Vec<usize>,
    /// Models whose code is made wrong (a filter left out, a number off by one, a text value
    /// altered), spread over the project; the report says which were found.
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub defects: usize,
    /// Synthetic datasets per validation.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub cases: usize,
    /// Check the code statically only; do not run it.
    #[arg(long)]
    pub no_run: bool,
    /// Report differences without shrinking them.
    #[arg(long)]
    pub no_shrink: bool,
    /// Time limit of each query, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Write the generated project to this folder (new or empty) and keep it.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Measure this project instead of a generated one: --models, --flavour and --defects do
    /// not apply, and the data is --rows, --seed and --cases, not its specproof.toml's.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["keep", "defects"])]
    pub project: Option<PathBuf>,
    /// With --project: the spec file, instead of DIR/spec.json.
    #[arg(long, value_name = "FILE", requires = "project")]
    pub spec: Option<PathBuf>,
    /// With --project: the folder of model code, instead of DIR/models.
    #[arg(long = "models-dir", value_name = "DIR", requires = "project")]
    pub models_dir: Option<PathBuf>,
    /// With --project: the dialect of .sql code files.
    #[arg(long, value_enum, requires = "project")]
    pub dialect: Option<DialectArg>,
    /// Output format (default text): json for trend tracking.
    #[arg(long, value_enum, default_value_t = BenchFormat::Text)]
    pub format: BenchFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `bench --flavour` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlavourArg {
    /// Dataform SQLX with BigQuery SQL.
    Sqlx,
    /// DuckDB SQL.
    Duckdb,
}

/// `bench --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchFormat {
    /// A table per run, for people.
    Text,
    /// JSON, for trend tracking.
    Json,
}

/// `specproof data` arguments.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Where the project is.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// The synthetic data.
    #[command(flatten)]
    pub run: RunArgs,
    /// The folder to write the CSV files to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `specproof diagram` arguments.
#[derive(Debug, Clone, Args)]
pub struct DiagramArgs {
    /// The project folder (spec.json, sources/, models/).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The spec file, instead of DIR/spec.json.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// The folder of source DDL (*.sql), instead of DIR/sources.
    #[arg(long, value_name = "DIR")]
    pub sources: Option<PathBuf>,
    /// The folder of model code (*.sql, *.sqlx), instead of DIR/models.
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// The dialect of .sql code files (.sqlx is always BigQuery).
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
    /// `pipeline`: the models and their sources by layer; `lineage`: a model's columns.
    #[arg(long, value_enum, default_value_t = DiagramKind::Pipeline)]
    pub kind: DiagramKind,
    /// The model of a lineage diagram (repeatable; with --out, every model by default); with
    /// `--kind pipeline`, draw only the part of the pipeline upstream and downstream of it.
    #[arg(long, value_name = "MODEL")]
    pub model: Vec<String>,
    /// `mermaid`, `dot` or `svg`.
    #[arg(long, value_enum, default_value_t = DiagramFormatArg::Mermaid)]
    pub format: DiagramFormatArg,
    /// Write one file per diagram into DIR (`pipeline.<ext>`, `<model>.<ext>`) instead of
    /// standard output.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `specproof mutate` arguments.
#[derive(Debug, Clone, Args)]
pub struct MutateArgs {
    /// Where the project is and how to report (text, json or markdown).
    #[command(flatten)]
    pub project: ProjectArgs,
    /// The synthetic data.
    #[command(flatten)]
    pub run: RunArgs,
    /// Synthetic datasets each mutant runs on (the differential check's search).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub cases: u32,
    /// The most mutants run: more are sampled down to N in a stable order of --seed.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub budget: usize,
    /// Threads running mutants side by side (default: one per core).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Time limit of each query, in seconds: a mutant past it is killed by timeout.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Only these models (repeatable).
    #[arg(long = "model", value_name = "MODEL")]
    pub model: Vec<String>,
    /// Only these operators (repeatable; names in docs/mutate.md).
    #[arg(long = "operator", value_name = "NAME")]
    pub operator: Vec<String>,
    /// Do not run the tests `generate tests` writes from the spec.
    #[arg(long)]
    pub no_generated: bool,
    /// Only list the mutants (as diffs, the budget applied); run nothing.
    #[arg(long)]
    pub list: bool,
    /// Fail (exit 1) when the --min-score-suite's overall score is below PCT per cent.
    #[arg(long, value_name = "PCT")]
    pub min_score: Option<f64>,
    /// The suite --min-score holds, and whose surviving mutants are listed: shipped, spec,
    /// generated, static or differential.
    #[arg(long, value_name = "SUITE", default_value = "shipped")]
    pub min_score_suite: String,
}

/// `specproof review` arguments.
#[derive(Debug, Clone, Args)]
pub struct ReviewArgs {
    /// The project folder (spec.json, sources/, models/).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The spec file, instead of DIR/spec.json.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// The folder of source DDL (*.sql), instead of DIR/sources.
    #[arg(long, value_name = "DIR")]
    pub sources: Option<PathBuf>,
    /// The folder of model code (*.sql, *.sqlx), instead of DIR/models.
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// The dialect of .sql code files (.sqlx is always BigQuery).
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
    /// The folder to write to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// A JSON report (`validate --format json`) whose findings are shown per model.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// Kinds of diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagramKind {
    /// The models and their sources, by layer.
    Pipeline,
    /// A model's column lineage, spec and code.
    Lineage,
}

/// Formats of a diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagramFormatArg {
    /// A Mermaid flowchart (.mmd).
    Mermaid,
    /// Graphviz DOT (.dot).
    Dot,
    /// SVG drawn by specproof (.svg).
    Svg,
}

/// `specproof lineage` arguments.
#[derive(Debug, Clone, Args)]
pub struct LineageArgs {
    /// Where the project is and how to report.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Only this model (repeatable).
    #[arg(long, value_name = "MODEL")]
    pub model: Vec<String>,
}

/// `specproof explain` arguments.
#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// A code (`SPEC013`) or name (`key-can-repeat`).
    #[arg(required_unless_present = "all")]
    pub code: Option<String>,
    /// List every code.
    #[arg(long)]
    pub all: bool,
    /// `text` for a terminal; `markdown` for the findings reference (docs/findings.md is
    /// `specproof explain --all --format markdown`).
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

/// Formats of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// For people at a terminal.
    Text,
    /// Markdown, as the findings reference in docs/.
    Markdown,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For machines: a versioned JSON document (schema/report.v1.json).
    Json,
    /// JUnit XML: one test case per check, for CI test reports.
    Junit,
    /// Markdown: a summary for a pull-request comment.
    Markdown,
    /// SARIF 2.1.0: for code hosts to annotate lines.
    Sarif,
}

/// `--fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Errors fail the run; warnings are shown.
    Error,
    /// Warnings fail the run too.
    Warning,
}

/// `--dialect` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// BigQuery (the default).
    Bigquery,
    /// DuckDB.
    Duckdb,
}

impl From<DialectArg> for Dialect {
    fn from(d: DialectArg) -> Dialect {
        match d {
            DialectArg::Bigquery => Dialect::Bigquery,
            DialectArg::Duckdb => Dialect::Duckdb,
        }
    }
}
