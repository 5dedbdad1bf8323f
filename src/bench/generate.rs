//! A synthetic pipeline project of any size, for benchmarks and tests.
//!
//! Longer than the library's other files (about 2,000 lines with its tests): it is one generator whose parts
//! share one random stream and one naming scheme, and splitting it would only spread that shared
//! state across files.
//!
//! [`generate`] writes a spec, BigQuery source DDL and model code that is correct for the spec:
//! staging models on the raw tables, then intermediate and final models on the staging ones,
//! mixing mapping models (transforms, LEFT and INNER joins on keys, filters before and after the
//! joins) and aggregate models (per-source metrics, or metrics over a join); about one final
//! model in 25 is an SCD2 model, the history of a keyed upstream model, whose script is the one
//! `generate code` writes (`crate::codegen::scd2`) and which nothing reads. Every spec lints
//! clean: a join only ever reaches a table keyed on the join column, and a column is declared not
//! null only where its expression guarantees it.
//!
//! The same options give byte-identical files: every choice comes from one splitmix64 stream
//! seeded by the seed and the model count (not the flavour, so both flavours of a seed share
//! their spec), and nothing iterates a hash map.
//!
//! `specproof bench` generates its projects here; the benchmarks in `benches/` and the tests in
//! `tests/it/generated.rs` call it too.
//!
//! ```
//! use specproof::bench::generate::{generate, Flavour, GenerateOptions};
//!
//! let project = generate(&GenerateOptions { models: 20, seed: 7, flavour: Flavour::DuckDb });
//! assert!(project.files.contains_key("spec.json"));
//! assert_eq!(project.files.keys().filter(|p| p.starts_with("models/")).count(), 20);
//! ```

use crate::codegen::scd2::{merge_script, Scd2Shape};
use crate::spec::model::{Dialect, Model as SpecModel};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    /// How many models the project has.
    pub models: usize,
    /// The seed every choice derives from.
    pub seed: u64,
    /// The language of the model code.
    pub flavour: Flavour,
}

/// The language of the generated model code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `models/<model>.sql` in DuckDB's SQL, with `dialect = "duckdb"` in `specproof.toml`.
    DuckDb,
    /// `models/<model>.sqlx`: Dataform SQLX with BigQuery SQL inside.
    Sqlx,
}

/// A generated project, in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeneratedProject {
    /// File path relative to the project folder (`/`-separated) to its text, sorted by path.
    pub files: BTreeMap<String, String>,
}

impl GeneratedProject {
    /// Writes every file under `dir`, creating folders as needed.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        for (path, text) in &self.files {
            let target = dir.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&target, text)?;
        }
        Ok(())
    }
}

/// Generates a project of `options.models` models over about a tenth as many source tables
/// (at least three).
pub fn generate(options: &GenerateOptions) -> GeneratedProject {
    generate_with_defects(options, 0).0
}

/// A defect [`generate_with_defects`] planted: the model whose code is wrong, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlantedDefect {
    /// The model.
    pub model: String,
    /// Its code file, relative to the project folder.
    pub file: String,
    /// What was made wrong, for people.
    pub what: String,
}

/// [`generate`], with the code of `defects` models (spread evenly over the project, at most one
/// per model) made wrong in a way the spec forbids and the data shows: a filter left out, a
/// number off by one, a text value altered. The spec and every other model stay as
/// [`generate`] writes them, so a validation should flag exactly these models.
pub fn generate_with_defects(options: &GenerateOptions, defects: usize) -> (GeneratedProject, Vec<PlantedDefect>) {
    let g = generator(options);
    let n = g.models.len();
    let k = defects.min(n);
    // The middle model of each of k equal slices: spread over layers and chains.
    let mut planted: BTreeMap<usize, Defect> = BTreeMap::new();
    for i in 0..k {
        let m = (2 * i + 1) * n / (2 * k);
        if let Some(defect) = g.defect_for(&g.models[m]) {
            planted.insert(m, defect);
        }
    }
    let project = g.render(options, &planted);
    let list = planted
        .iter()
        .map(|(&m, defect)| {
            let def = &g.models[m];
            let name = g.rels[def.rel].name.clone();
            let ext = if options.flavour == Flavour::DuckDb { "sql" } else { "sqlx" };
            PlantedDefect { file: format!("models/{name}.{ext}"), what: g.describe_defect(def, *defect), model: name }
        })
        .collect();
    (project, list)
}

/// How a planted defect makes a model's code wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Defect {
    /// A mapping model's filter (after its joins, else its first before them) left out.
    DroppedFilter,
    /// Output column (mapping) or metric (aggregate) `i`, numeric, one too large.
    OffByOne(usize),
    /// Output column `i`, text, with a character appended.
    AlteredText(usize),
    /// An SCD2 model's tracked column `i` left out of the change test: a change to it alone
    /// opens no version.
    UntrackedChange(usize),
}

fn generator(options: &GenerateOptions) -> Generator {
    let mut g = Generator::new(options);
    let n = options.models;
    g.add_sources(n.div_ceil(10).max(3));
    // About 40% staging (at least one per source table), then intermediate and final models.
    let staging = n.min(g.raw_count.max(n * 2 / 5));
    let intermediate = (n - staging) * 55 / 100;
    let finals = n - staging - intermediate;
    for i in 0..staging {
        let first = (i < g.raw_count).then_some(i);
        g.add_model(Layer::Staging, first);
    }
    for _ in 0..intermediate {
        g.add_model(Layer::Intermediate, None);
    }
    // About one final model in 25 (at least one from ten models on) is an SCD2 history. It is
    // a leaf: nothing reads it, since a final model is read by none.
    let scd2 = if n >= 10 { (n / 25).max(1).min(finals) } else { 0 };
    let mut at: Vec<usize> = (0..finals).collect();
    g.rng.shuffle(&mut at);
    at.truncate(scd2);
    for i in 0..finals {
        if !(at.contains(&i) && g.add_scd2()) {
            g.add_model(Layer::Final, None);
        }
    }
    g
}

/// Names of an SCD2 model's `effective_at`, `expiry_at` and `current_flag`.
const HISTORY_COLUMNS: &[(&str, &str, &str)] = &[
    ("valid_from", "valid_to", "is_current"),
    ("effective_from", "effective_to", "is_current_version"),
    ("scd_valid_from", "scd_valid_to", "scd_is_current"),
];

/// splitmix64, the synthetic data's generator; one stream for the whole project, so that the
/// same options give the same project.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        crate::synth::rng::finalize(self.0)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        if items.is_empty() {
            None
        } else {
            Some(items[self.below(items.len())].clone())
        }
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Int64,
    Numeric,
    String,
    Timestamp,
    Date,
}

impl Ty {
    fn bigquery(self) -> &'static str {
        match self {
            Ty::Int64 => "INT64",
            Ty::Numeric => "NUMERIC",
            Ty::String => "STRING",
            Ty::Timestamp => "TIMESTAMP",
            Ty::Date => "DATE",
        }
    }
}

/// What a column holds, which decides the transforms, filters and metrics that make sense on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// An id of an entity (the table's own, or a reference).
    Id,
    /// A string with a known small set of values.
    Status,
    Text,
    Amount,
    Rate,
    Quantity,
    Time,
    Day,
}

#[derive(Debug, Clone)]
struct Col {
    name: String,
    ty: Ty,
    role: Role,
    /// Whether the spec (or DDL) allows a null here: what the lint will assume.
    nullable: bool,
    /// The source table whose id this column holds.
    entity: Option<usize>,
    /// The values a status column takes.
    values: Vec<String>,
    /// Already the result of a transform, so a second one would rarely make sense.
    shaped: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    Raw,
    Staging,
    Intermediate,
    Final,
}

impl Layer {
    fn schema(self) -> &'static str {
        match self {
            Layer::Raw => RAW_SCHEMA,
            Layer::Staging | Layer::Intermediate => STAGING_SCHEMA,
            Layer::Final => FINAL_SCHEMA,
        }
    }

    /// May a model of this layer read a relation of layer `other`?
    fn reads(self, other: Layer) -> bool {
        match self {
            Layer::Staging => other == Layer::Raw,
            Layer::Intermediate | Layer::Final => matches!(other, Layer::Staging | Layer::Intermediate),
            Layer::Raw => false,
        }
    }
}

const RAW_SCHEMA: &str = "raw";
const STAGING_SCHEMA: &str = "stg";
const FINAL_SCHEMA: &str = "mart";

/// A source table or a model's output, as later models see it.
#[derive(Debug, Clone)]
struct Rel {
    name: String,
    /// Plural noun of its grain, for names of models built on it.
    noun: String,
    singular: String,
    layer: Layer,
    cols: Vec<Col>,
    /// Its declared single-column key (an index into `cols`).
    key: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JoinKind {
    Left,
    Inner,
}

#[derive(Debug, Clone)]
struct JoinDef {
    kind: JoinKind,
    left: usize,
    left_col: String,
    right: usize,
    right_col: String,
}

#[derive(Debug, Clone)]
enum PredTest {
    NotEqual(String),
    OneOf(Vec<String>),
    Positive,
    Since(Ty),
    NotNull,
}

#[derive(Debug, Clone)]
struct Pred {
    rel: usize,
    col: String,
    test: PredTest,
}

impl Pred {
    fn render(&self, qualifier: Option<&str>) -> String {
        let c = match qualifier {
            Some(q) => format!("{q}.{}", self.col),
            None => self.col.clone(),
        };
        match &self.test {
            PredTest::NotEqual(v) => format!("{c} <> '{v}'"),
            PredTest::OneOf(values) => {
                let list: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
                format!("{c} IN ({})", list.join(", "))
            }
            PredTest::Positive => format!("{c} > 0"),
            PredTest::Since(Ty::Date) => format!("{c} >= DATE '2021-01-01'"),
            PredTest::Since(_) => format!("{c} >= TIMESTAMP '2021-01-01 00:00:00'"),
            PredTest::NotNull => format!("{c} IS NOT NULL"),
        }
    }

    fn rationale(&self) -> String {
        match &self.test {
            PredTest::NotEqual(v) => format!("exclude '{v}' rows"),
            PredTest::OneOf(_) => format!("keep only the listed {} values", self.col),
            PredTest::Positive => format!("drop rows without a positive {}", self.col),
            PredTest::Since(_) => "only rows since 2021".to_string(),
            PredTest::NotNull => format!("drop rows without {}", self.col),
        }
    }
}

/// How a post-join filter's `applies_to` is written; spec-format.md gives them one meaning.
#[derive(Debug, Clone, Copy)]
enum PostScope {
    Model,
    NoneWord,
    Null,
}

#[derive(Debug, Clone)]
enum Transform {
    Identity,
    LowerTrim,
    Upper,
    CoalesceZero,
    CoalesceText,
    Case { when: String, then: String, other: String },
    TimesRate { rel: usize, col: String },
    Day,
    ToText,
}

/// Whitespace as BigQuery's TRIM strips it (Unicode White_Space): RE2's `\s` plus the Unicode
/// separators, vertical tab and NEL. DuckDB's own trim strips spaces only.
const WHITESPACE_CLASS: &str = r"[\s\p{Z}\x{0B}\x{85}]";

/// The SQL a piece of text is written in: the spec's expressions are BigQuery, code either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sql {
    BigQuery,
    DuckDb,
}

impl Transform {
    /// The expression with `from` for the source column and `rate` for a rate column.
    fn render(&self, sql: Sql, from: &str, rate: &str) -> String {
        match self {
            Transform::Identity => from.to_string(),
            Transform::LowerTrim => match sql {
                Sql::BigQuery => format!("LOWER(TRIM({from}))"),
                Sql::DuckDb => {
                    let ws = WHITESPACE_CLASS;
                    format!("lower(regexp_replace({from}, '^{ws}+|{ws}+$', '', 'g'))")
                }
            },
            Transform::Upper => format!("UPPER({from})"),
            Transform::CoalesceZero => format!("COALESCE({from}, 0)"),
            Transform::CoalesceText => format!("COALESCE({from}, 'unknown')"),
            Transform::Case { when, then, other } => {
                format!("CASE WHEN {from} = '{when}' THEN '{then}' ELSE '{other}' END")
            }
            // INT64 × NUMERIC is exact in both: scale 9, 38 digits (DuckDB's DECIMAL(38,9)).
            Transform::TimesRate { .. } => format!("{from} * {rate}"),
            Transform::Day => match sql {
                Sql::BigQuery => format!("DATE({from})"),
                Sql::DuckDb => format!("CAST({from} AS DATE)"),
            },
            Transform::ToText => match sql {
                Sql::BigQuery => format!("CAST({from} AS STRING)"),
                Sql::DuckDb => format!("CAST({from} AS VARCHAR)"),
            },
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            Transform::Identity => "Copied from",
            Transform::LowerTrim => "Trimmed, lower-case",
            Transform::Upper => "Upper-case",
            Transform::CoalesceZero => "Zero where missing,",
            Transform::CoalesceText => "'unknown' where missing,",
            Transform::Case { .. } => "Bucketed",
            Transform::TimesRate { .. } => "Rate-weighted",
            Transform::Day => "Day of",
            Transform::ToText => "Text of",
        }
    }
}

#[derive(Debug, Clone)]
struct OutCol {
    target: String,
    ty: Ty,
    rel: usize,
    col: String,
    transform: Transform,
    nullable: bool,
    tests: Vec<String>,
}

#[derive(Debug, Clone)]
struct Mapping {
    joins: Vec<JoinDef>,
    pre_filters: Vec<Pred>,
    post_filter: Option<(Pred, PostScope)>,
    columns: Vec<OutCol>,
    primary_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Func {
    CountRows,
    Count(String),
    Sum(String, Ty),
    Max(String),
    Min(String),
    CountIf(String, String),
}

#[derive(Debug, Clone)]
struct Metric {
    name: String,
    ty: Ty,
    rel: usize,
    func: Func,
    nullable: bool,
    tests: Vec<String>,
}

impl Metric {
    /// The formula, its columns qualified with `qualifier` when given.
    fn render(&self, sql: Sql, qualifier: Option<&str>) -> String {
        let c = |col: &str| match qualifier {
            Some(q) => format!("{q}.{col}"),
            None => col.to_string(),
        };
        match (&self.func, sql) {
            (Func::CountRows, _) => "COUNT(*)".to_string(),
            (Func::Count(col), _) => format!("COUNT({})", c(col)),
            // DuckDB sums BIGINT into a HUGEINT; BigQuery's SUM(INT64) is INT64.
            (Func::Sum(col, Ty::Int64), Sql::DuckDb) => format!("CAST(SUM({}) AS BIGINT)", c(col)),
            (Func::Sum(col, _), _) => format!("SUM({})", c(col)),
            (Func::Max(col), _) => format!("MAX({})", c(col)),
            (Func::Min(col), _) => format!("MIN({})", c(col)),
            (Func::CountIf(col, v), Sql::BigQuery) => format!("COUNTIF({} = '{v}')", c(col)),
            // BigQuery's COUNTIF is 0 when nothing matches; so is a filtered count(*).
            (Func::CountIf(col, v), Sql::DuckDb) => format!("count(*) FILTER (WHERE {} = '{v}')", c(col)),
        }
    }

    fn describe(&self) -> String {
        match &self.func {
            Func::CountRows => "Number of rows".to_string(),
            Func::Count(col) => format!("Number of rows with a {col}"),
            Func::Sum(col, _) => format!("Sum of {col}"),
            Func::Max(col) => format!("Latest or largest {col}"),
            Func::Min(col) => format!("Earliest or smallest {col}"),
            Func::CountIf(col, v) => format!("Rows whose {col} is '{v}'"),
        }
    }
}

#[derive(Debug, Clone)]
struct Aggregate {
    group_by: Vec<String>,
    join: Option<JoinDef>,
    metrics: Vec<Metric>,
    primary_key: Option<String>,
}

/// A type 2 history of one keyed upstream model (spec-format.md, "SCD type 2 model").
#[derive(Debug, Clone)]
struct Scd2 {
    /// The upstream's key column: unique there, so every snapshot has one row per key.
    natural_key: String,
    /// The tracked columns when not all of them, in the upstream's order.
    tracked: Option<Vec<String>>,
    /// `tracked_columns` written as one comma-separated string rather than an array.
    tracked_as_text: bool,
    /// The names of `effective_at`, `expiry_at` and `current_flag`.
    history: (&'static str, &'static str, &'static str),
    /// `open_expiry: "far_future"`, else an open version's expiry is NULL.
    far_future: bool,
}

#[derive(Debug, Clone)]
enum Body {
    Mapping(Mapping),
    Aggregate(Aggregate),
    Scd2(Scd2),
}

#[derive(Debug, Clone)]
struct ModelDef {
    /// Its output in `Generator::rels`.
    rel: usize,
    description: String,
    /// What it reads, base (or driving source) first.
    sources: Vec<usize>,
    body: Body,
}

struct Attribute {
    name: &'static str,
    ty: Ty,
    role: Role,
    /// Values of a status column; empty means one of `STATUS_SETS`.
    values: &'static [&'static str],
}

const fn attr(name: &'static str, ty: Ty, role: Role, values: &'static [&'static str]) -> Attribute {
    Attribute { name, ty, role, values }
}

/// Columns a source table can have besides ids, in the order tables declare them.
const ATTRIBUTES: &[Attribute] = &[
    attr("status", Ty::String, Role::Status, &[]),
    attr("tier", Ty::String, Role::Status, &["gold", "silver", "bronze"]),
    attr("channel", Ty::String, Role::Status, &["web", "store", "phone"]),
    attr("name", Ty::String, Role::Text, &[]),
    attr("email", Ty::String, Role::Text, &[]),
    attr("country", Ty::String, Role::Text, &[]),
    attr("category", Ty::String, Role::Text, &[]),
    attr("amount", Ty::Numeric, Role::Amount, &[]),
    attr("price", Ty::Numeric, Role::Amount, &[]),
    attr("discount", Ty::Numeric, Role::Amount, &[]),
    attr("rate", Ty::Numeric, Role::Rate, &[]),
    attr("quantity", Ty::Int64, Role::Quantity, &[]),
    attr("score", Ty::Int64, Role::Quantity, &[]),
    attr("created_at", Ty::Timestamp, Role::Time, &[]),
    attr("updated_at", Ty::Timestamp, Role::Time, &[]),
    attr("closed_at", Ty::Timestamp, Role::Time, &[]),
];

const STATUS_SETS: &[&[&str]] = &[
    &["active", "inactive", "trial"],
    &["open", "closed", "pending"],
    &["new", "shipped", "delivered", "returned"],
    &["paid", "refunded", "failed"],
];

/// What a CASE maps a status to.
const BUCKETS: &[(&str, &str)] =
    &[("high", "low"), ("yes", "no"), ("current", "other"), ("priority", "standard"), ("kept", "dropped")];

/// Source table names (plural, singular); later ones get a number.
const NOUNS: &[(&str, &str)] = &[
    ("customers", "customer"),
    ("orders", "order"),
    ("products", "product"),
    ("payments", "payment"),
    ("shipments", "shipment"),
    ("tickets", "ticket"),
    ("invoices", "invoice"),
    ("accounts", "account"),
    ("subscriptions", "subscription"),
    ("sessions", "session"),
    ("stores", "store"),
    ("suppliers", "supplier"),
    ("employees", "employee"),
    ("campaigns", "campaign"),
    ("refunds", "refund"),
    ("reviews", "review"),
    ("carts", "cart"),
    ("warehouses", "warehouse"),
    ("contracts", "contract"),
    ("devices", "device"),
    ("visits", "visit"),
    ("claims", "claim"),
    ("policies", "policy"),
    ("vendors", "vendor"),
    ("opportunities", "opportunity"),
    ("deliveries", "delivery"),
    ("coupons", "coupon"),
    ("branches", "branch"),
    ("agents", "agent"),
    ("leases", "lease"),
];

/// Words a short table alias must not be.
const RESERVED: &[&str] = &[
    "as", "at", "by", "do", "if", "in", "is", "no", "of", "on", "or", "to", "all", "and", "any", "asc", "end", "for",
    "new", "not", "set", "top", "case", "cast", "desc", "else", "from", "full", "hash", "into", "join", "left", "like",
    "null", "over", "rows", "some", "then", "true", "when", "with",
];

struct Generator {
    rng: Rng,
    rels: Vec<Rel>,
    raw_count: usize,
    /// For each source table, the relations keyed by a column holding its id.
    keyed_by_entity: Vec<Vec<usize>>,
    models: Vec<ModelDef>,
    names: BTreeSet<String>,
}

impl Generator {
    fn new(options: &GenerateOptions) -> Generator {
        let seed = options.seed ^ (options.models as u64).wrapping_mul(0xA076_1D64_78BD_642F);
        Generator {
            rng: Rng(seed),
            rels: Vec::new(),
            raw_count: 0,
            keyed_by_entity: Vec::new(),
            models: Vec::new(),
            names: BTreeSet::new(),
        }
    }

    fn add_sources(&mut self, count: usize) {
        self.keyed_by_entity = vec![Vec::new(); count];
        for i in 0..count {
            let (plural, singular) = NOUNS[i % NOUNS.len()];
            let (plural, singular) = match i / NOUNS.len() {
                0 => (plural.to_string(), singular.to_string()),
                k => (format!("{plural}_{}", k + 1), format!("{singular}_{}", k + 1)),
            };
            // The first table is always keyed, so every later one has a parent to reference.
            let keyed = i == 0 || self.rng.percent(75);
            let mut cols = vec![Col {
                name: format!("{singular}_id"),
                ty: Ty::Int64,
                role: Role::Id,
                nullable: false,
                entity: Some(i),
                values: Vec::new(),
                shaped: false,
            }];
            let parents: Vec<usize> = (0..i).filter(|&j| self.rels[j].key.is_some()).collect();
            let wanted = if parents.is_empty() { 0 } else { 1 + self.rng.below(2) };
            for _ in 0..wanted {
                let Some(p) = self.rng.pick(&parents) else { break };
                let name = format!("{}_id", self.rels[p].singular);
                if cols.iter().any(|c| c.name == name) {
                    continue;
                }
                let nullable = !self.rng.percent(70);
                let values = Vec::new();
                cols.push(Col {
                    name,
                    ty: Ty::Int64,
                    role: Role::Id,
                    nullable,
                    entity: Some(p),
                    values,
                    shaped: false,
                });
            }
            let mut attributes: Vec<usize> = (0..ATTRIBUTES.len()).collect();
            self.rng.shuffle(&mut attributes);
            attributes.truncate(3 + self.rng.below(5));
            attributes.sort_unstable();
            for a in attributes {
                let attribute = &ATTRIBUTES[a];
                let values: Vec<String> = match (attribute.role, attribute.values) {
                    (Role::Status, []) => {
                        let set = STATUS_SETS[self.rng.below(STATUS_SETS.len())];
                        set.iter().map(|v| v.to_string()).collect()
                    }
                    (_, values) => values.iter().map(|v| v.to_string()).collect(),
                };
                cols.push(Col {
                    name: attribute.name.to_string(),
                    ty: attribute.ty,
                    role: attribute.role,
                    nullable: !self.rng.percent(25),
                    entity: None,
                    values,
                    shaped: false,
                });
            }
            self.names.insert(plural.clone());
            self.rels.push(Rel {
                name: plural.clone(),
                noun: plural,
                singular,
                layer: Layer::Raw,
                cols,
                key: keyed.then_some(0),
            });
            if keyed {
                self.keyed_by_entity[i].push(i);
            }
        }
        self.raw_count = count;
    }

    fn add_model(&mut self, layer: Layer, first_for: Option<usize>) {
        let aggregate_percent = match layer {
            Layer::Staging => 15,
            Layer::Intermediate => 40,
            _ => 50,
        };
        let aggregate =
            if first_for.is_none() && self.rng.percent(aggregate_percent) { self.aggregate(layer) } else { None };
        let (rel, def) = match aggregate {
            Some(built) => built,
            None => self.mapping(layer, first_for),
        };
        let index = self.rels.len();
        if let Some(entity) = rel.key.and_then(|k| rel.cols[k].entity) {
            self.keyed_by_entity[entity].push(index);
        }
        self.rels.push(rel);
        self.models.push(ModelDef { rel: index, ..def });
    }

    /// Adds an SCD2 model over a keyed staging or intermediate model with another column to
    /// track; false (nothing added) when there is none.
    fn add_scd2(&mut self) -> bool {
        let candidates: Vec<usize> = self
            .inputs(Layer::Final)
            .into_iter()
            .filter(|&r| {
                let rel = &self.rels[r];
                rel.cols.len() >= 2 && rel.key.is_some_and(|k| !rel.cols[k].nullable)
            })
            .collect();
        let Some(source) = self.rng.pick(&candidates) else { return false };
        let upstream = self.rels[source].clone();
        let key = upstream.key.unwrap_or(0);
        let natural_key = upstream.cols[key].name.clone();
        let rest: Vec<String> =
            upstream.cols.iter().enumerate().filter(|&(c, _)| c != key).map(|(_, c)| c.name.clone()).collect();
        // Sometimes a subset, so that untracked columns exist (their values stay as the
        // version's first snapshot had them).
        let tracked = (rest.len() >= 2 && self.rng.percent(50)).then(|| {
            let mut kept: Vec<usize> = (0..rest.len()).collect();
            self.rng.shuffle(&mut kept);
            kept.truncate(1 + self.rng.below(rest.len() - 1));
            kept.sort_unstable();
            kept.into_iter().map(|i| rest[i].clone()).collect::<Vec<String>>()
        });
        let tracked_as_text = tracked.is_some() && self.rng.percent(50);
        let taken = |name: &str| upstream.cols.iter().any(|c| c.name == name);
        let first = self.rng.below(HISTORY_COLUMNS.len());
        let history = (0..HISTORY_COLUMNS.len())
            .map(|i| HISTORY_COLUMNS[(first + i) % HISTORY_COLUMNS.len()])
            .find(|(e, x, f)| !taken(e) && !taken(x) && !taken(f))
            .unwrap_or(HISTORY_COLUMNS[first]);
        let far_future = self.rng.percent(40);
        let name = self.model_name("dim", &format!("{}_scd2", upstream.noun));
        let description = format!(
            "Type 2 history of {} keyed on {natural_key}: {} and {} ({} while open), {}.",
            upstream.name,
            history.0,
            history.1,
            if far_future { "9999-12-31 23:59:59" } else { "NULL" },
            history.2
        );
        let rel = Rel {
            name,
            noun: upstream.noun.clone(),
            singular: upstream.singular.clone(),
            layer: Layer::Final,
            // No model reads it, so the history columns (one a BOOL) need no place here.
            cols: upstream.cols.clone(),
            key: None,
        };
        let index = self.rels.len();
        self.rels.push(rel);
        let body = Body::Scd2(Scd2 { natural_key, tracked, tracked_as_text, history, far_future });
        self.models.push(ModelDef { rel: index, description, sources: vec![source], body });
        true
    }

    fn may_read(&self, layer: Layer, r: usize) -> bool {
        layer.reads(self.rels[r].layer)
    }

    fn inputs(&self, layer: Layer) -> Vec<usize> {
        (0..self.rels.len()).filter(|&r| self.may_read(layer, r)).collect()
    }

    /// A unique model name `<prefix>_<stem>`, numbered when taken.
    fn model_name(&mut self, prefix: &str, stem: &str) -> String {
        let base = format!("{prefix}_{stem}");
        let mut name = base.clone();
        let mut n = 2;
        while self.names.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.names.insert(name.clone());
        name
    }

    /// A join from one of `joined` to a relation keyed on the joined column, so it cannot fan out.
    fn join_from(&mut self, layer: Layer, joined: &[usize]) -> Option<JoinDef> {
        let mut candidates: Vec<(usize, usize, usize)> = Vec::new();
        for &j in joined {
            for (c, col) in self.rels[j].cols.iter().enumerate() {
                let Some(entity) = col.entity else { continue };
                for &r in &self.keyed_by_entity[entity] {
                    if r != j && !joined.contains(&r) && self.may_read(layer, r) {
                        candidates.push((j, c, r));
                    }
                }
            }
        }
        let (left, c, right) = self.rng.pick(&candidates)?;
        let key = self.rels[right].key?;
        let kind = if self.rng.percent(70) { JoinKind::Left } else { JoinKind::Inner };
        Some(JoinDef {
            kind,
            left,
            left_col: self.rels[left].cols[c].name.clone(),
            right,
            right_col: self.rels[right].cols[key].name.clone(),
        })
    }

    /// A filter on one column of relation `r`, when one of its columns suits one.
    fn predicate(&mut self, r: usize) -> Option<Pred> {
        let mut options = Vec::new();
        for col in &self.rels[r].cols {
            let test = match col.role {
                Role::Status if !col.values.is_empty() => {
                    let v = col.values[self.rng.below(col.values.len())].clone();
                    if col.values.len() >= 3 && self.rng.percent(40) {
                        let mut pair = col.values.clone();
                        self.rng.shuffle(&mut pair);
                        pair.truncate(2);
                        PredTest::OneOf(pair)
                    } else {
                        PredTest::NotEqual(v)
                    }
                }
                Role::Amount | Role::Quantity | Role::Rate => PredTest::Positive,
                Role::Time => PredTest::Since(Ty::Timestamp),
                Role::Day => PredTest::Since(Ty::Date),
                _ if col.nullable => PredTest::NotNull,
                _ => continue,
            };
            options.push(Pred { rel: r, col: col.name.clone(), test });
        }
        self.rng.pick(&options)
    }

    fn pick_base(&mut self, layer: Layer) -> usize {
        let inputs = self.inputs(layer);
        let mut base = 0;
        // Prefer a relation with enough columns for a 3-column model.
        for _ in 0..4 {
            base = self.rng.pick(&inputs).unwrap_or(0);
            if self.rels[base].cols.len() >= 3 {
                break;
            }
        }
        base
    }

    fn mapping(&mut self, layer: Layer, first_for: Option<usize>) -> (Rel, ModelDef) {
        let first = first_for.is_some();
        let base = match first_for {
            Some(b) => b,
            None => self.pick_base(layer),
        };
        let mut sources = vec![base];
        let mut joins = Vec::new();
        if !first {
            let wanted = match self.rng.below(10) {
                0..=3 => 0,
                4..=7 => 1,
                _ => 2,
            };
            for _ in 0..wanted {
                let Some(join) = self.join_from(layer, &sources) else { break };
                sources.push(join.right);
                joins.push(join);
            }
        }
        let outer: Vec<usize> = joins.iter().filter(|j| j.kind == JoinKind::Left).map(|j| j.right).collect();

        let mut pre_filters = Vec::new();
        for &r in &sources {
            if self.rng.percent(if first { 20 } else { 25 }) {
                pre_filters.extend(self.predicate(r));
            }
        }
        let mut post_filter = None;
        if !first && self.rng.percent(if joins.is_empty() { 10 } else { 25 }) {
            let r = sources[self.rng.below(sources.len())];
            let scope = match self.rng.below(3) {
                0 => PostScope::Model,
                1 => PostScope::NoneWord,
                _ => PostScope::Null,
            };
            post_filter = self.predicate(r).map(|p| (p, scope));
        }

        // The base's key first: it stays the key of the output when every join is to a keyed table.
        let key = self.rels[base].key;
        let mut picks: Vec<(usize, usize)> = Vec::new();
        if first {
            picks.extend((0..self.rels[base].cols.len()).filter(|&c| Some(c) != key).map(|c| (base, c)));
        } else {
            let mut references = Vec::new();
            let mut rest = Vec::new();
            for &r in &sources {
                for (c, col) in self.rels[r].cols.iter().enumerate() {
                    let join_key = joins.iter().any(|j| j.right == r && j.right_col == col.name);
                    if (r == base && Some(c) == key) || join_key {
                        continue;
                    }
                    if r == base && col.entity.is_some() {
                        references.push((r, c));
                    } else {
                        rest.push((r, c));
                    }
                }
            }
            self.rng.shuffle(&mut rest);
            let wanted = 3 + self.rng.below(10) - usize::from(key.is_some());
            // A model without a key needs one column it picked: a base whose columns are all
            // references, each left out by chance, would give a model of no columns.
            let fallback = references.first().or(rest.first()).copied();
            for pick in references {
                if self.rng.percent(80) {
                    picks.push(pick);
                }
            }
            picks.extend(rest);
            picks.truncate(wanted);
            if picks.is_empty() && key.is_none() {
                picks.extend(fallback);
            }
        }

        let mut taken = BTreeSet::new();
        let mut columns = Vec::new();
        let mut out_cols = Vec::new();
        if let Some(k) = key {
            let (out, col) = self.out_col(base, k, Transform::Identity, &outer, base, &mut taken);
            columns.push(OutCol { nullable: false, tests: vec!["not_null".into(), "unique".into()], ..out });
            out_cols.push(Col { nullable: false, ..col });
        }
        for (r, c) in picks {
            let transform = self.transform_for(r, c, &sources);
            let (mut out, col) = self.out_col(r, c, transform, &outer, base, &mut taken);
            if !out.nullable && self.rng.percent(50) {
                out.tests.push("not_null".into());
            }
            if matches!(out.transform, Transform::Case { .. }) && self.rng.percent(40) {
                out.tests.push("accepted_values(...)".into());
            }
            columns.push(out);
            out_cols.push(col);
        }

        let base_rel = &self.rels[base];
        let (noun, singular) = (base_rel.noun.clone(), base_rel.singular.clone());
        let name = match (layer, first) {
            (_, true) => self.model_name("stg", &noun),
            _ => {
                let suffixes: &[&str] = if joins.is_empty() {
                    &["cleaned", "current", "base", "slim", "typed"]
                } else {
                    &["enriched", "joined", "details", "combined"]
                };
                let suffix = suffixes[self.rng.below(suffixes.len())];
                let prefix = match layer {
                    Layer::Final if key.is_some() => "dim",
                    Layer::Final => "fct",
                    Layer::Intermediate => "int",
                    _ => "stg",
                };
                self.model_name(prefix, &format!("{noun}_{suffix}"))
            }
        };
        let mut description = match key {
            Some(_) => format!("One row per {singular} of {}", self.rels[base].name),
            None => format!("Rows of {}", self.rels[base].name),
        };
        for j in &joins {
            let kind = if j.kind == JoinKind::Left { "with" } else { "that have" };
            description.push_str(&format!(", {kind} their {}", self.rels[j.right].name));
        }
        description.push('.');
        let primary_key = key.map(|k| self.rels[base].cols[k].name.clone());
        let rel = Rel { name, noun, singular, layer, cols: out_cols, key: key.map(|_| 0) };
        let body = Body::Mapping(Mapping { joins, pre_filters, post_filter, columns, primary_key });
        (rel, ModelDef { rel: 0, description, sources, body })
    }

    fn transform_for(&mut self, r: usize, c: usize, sources: &[usize]) -> Transform {
        let col = &self.rels[r].cols[c];
        let roll = self.rng.below(100);
        if col.shaped && roll < 70 {
            return Transform::Identity;
        }
        match col.role {
            Role::Id | Role::Rate | Role::Day => Transform::Identity,
            Role::Status if col.values.is_empty() => Transform::Identity,
            Role::Status => match roll {
                0..=29 => Transform::Identity,
                30..=49 => Transform::LowerTrim,
                50..=59 => Transform::Upper,
                60..=84 => {
                    let when = col.values[self.rng.below(col.values.len())].clone();
                    let (then, other) = BUCKETS[self.rng.below(BUCKETS.len())];
                    Transform::Case { when, then: then.into(), other: other.into() }
                }
                _ => Transform::CoalesceText,
            },
            Role::Text => match roll {
                0..=39 => Transform::Identity,
                40..=74 => Transform::LowerTrim,
                _ => Transform::CoalesceText,
            },
            Role::Amount => match roll {
                0..=59 => Transform::Identity,
                _ => Transform::CoalesceZero,
            },
            Role::Quantity => match roll {
                0..=39 => Transform::Identity,
                40..=64 => Transform::CoalesceZero,
                65..=89 => {
                    let rates: Vec<(usize, String)> = sources
                        .iter()
                        .flat_map(|&s| {
                            self.rels[s].cols.iter().filter(|c| c.role == Role::Rate).map(move |c| (s, c.name.clone()))
                        })
                        .collect();
                    match self.rng.pick(&rates) {
                        Some((rel, col)) => Transform::TimesRate { rel, col },
                        None => Transform::Identity,
                    }
                }
                _ => Transform::ToText,
            },
            Role::Time => match roll {
                0..=69 => Transform::Identity,
                _ => Transform::Day,
            },
        }
    }

    /// The output column for column `c` of `r` under `transform`, and how later models see it.
    fn out_col(
        &mut self,
        r: usize,
        c: usize,
        transform: Transform,
        outer: &[usize],
        base: usize,
        taken: &mut BTreeSet<String>,
    ) -> (OutCol, Col) {
        let col = self.rels[r].cols[c].clone();
        let nullable_in = col.nullable || outer.contains(&r);
        let (ty, role, nullable, values) = match &transform {
            Transform::Identity => (col.ty, col.role, nullable_in, col.values.clone()),
            Transform::LowerTrim => {
                (Ty::String, col.role, nullable_in, col.values.iter().map(|v| v.to_lowercase()).collect())
            }
            Transform::Upper => {
                (Ty::String, col.role, nullable_in, col.values.iter().map(|v| v.to_uppercase()).collect())
            }
            Transform::CoalesceZero => (col.ty, col.role, false, Vec::new()),
            Transform::CoalesceText => {
                let mut values = col.values.clone();
                if col.role == Role::Status {
                    values.push("unknown".into());
                }
                (Ty::String, col.role, false, values)
            }
            Transform::Case { then, other, .. } => (Ty::String, Role::Status, false, vec![then.clone(), other.clone()]),
            Transform::TimesRate { rel, col: rate } => {
                let rate_nullable = self.rels[*rel].cols.iter().any(|c| &c.name == rate && c.nullable);
                (Ty::Numeric, Role::Amount, nullable_in || rate_nullable || outer.contains(rel), Vec::new())
            }
            Transform::Day => (Ty::Date, Role::Day, nullable_in, Vec::new()),
            Transform::ToText => (Ty::String, Role::Text, nullable_in, Vec::new()),
        };
        let stem = match &transform {
            Transform::Identity | Transform::CoalesceZero | Transform::CoalesceText => col.name.clone(),
            Transform::LowerTrim => format!("{}_clean", col.name),
            Transform::Upper => format!("{}_code", col.name),
            Transform::Case { .. } => format!("{}_group", col.name),
            Transform::TimesRate { .. } => format!("{}_value", col.name),
            Transform::Day => format!("{}_date", col.name.strip_suffix("_at").unwrap_or(&col.name)),
            Transform::ToText => format!("{}_text", col.name),
        };
        let prefix = (r != base).then(|| self.rels[r].singular.clone());
        let target = unique_name(&stem, prefix.as_deref(), taken);
        let identity = matches!(transform, Transform::Identity);
        let entity = if identity { col.entity } else { None };
        let shaped = col.shaped || !identity;
        let out = OutCol {
            target: target.clone(),
            ty,
            rel: r,
            col: col.name.clone(),
            transform,
            nullable,
            tests: Vec::new(),
        };
        (out, Col { name: target, ty, role, nullable, entity, values, shaped })
    }

    fn aggregate(&mut self, layer: Layer) -> Option<(Rel, ModelDef)> {
        let inputs = self.inputs(layer);
        let mut by_key = None;
        for _ in 0..8 {
            let d = self.rng.pick(&inputs)?;
            let rel = &self.rels[d];
            // Group by a non-null id: a null group would need a null-safe join of the metrics.
            let groupable: Vec<usize> =
                (0..rel.cols.len()).filter(|&c| rel.cols[c].entity.is_some() && !rel.cols[c].nullable).collect();
            let references: Vec<usize> = groupable.iter().copied().filter(|&c| Some(c) != rel.key).collect();
            if let Some(g) = self.rng.pick(&references) {
                return Some(self.build_aggregate(layer, d, g));
            }
            if by_key.is_none() {
                by_key = self.rng.pick(&groupable).map(|g| (d, g));
            }
        }
        // Grouping by the driving source's own key only makes sense with other sources' metrics.
        let (d, g) = by_key?;
        Some(self.build_aggregate(layer, d, g))
    }

    fn build_aggregate(&mut self, layer: Layer, d: usize, g: usize) -> (Rel, ModelDef) {
        let group = self.rels[d].cols[g].clone();
        let mut sources = vec![d];
        let mut group_cols = vec![group.clone()];
        let by_key = Some(g) == self.rels[d].key;
        let mut join = None;
        if !by_key && self.rng.percent(25) {
            join = self.join_from(layer, &[d]);
        }
        match &join {
            Some(j) => sources.push(j.right),
            None => {
                let wanted = match self.rng.below(20) {
                    0..=9 => usize::from(by_key),
                    10..=16 => 1,
                    _ => 2,
                };
                // Another source's metrics are grouped by the same column, so it must have it.
                let mut others: Vec<usize> = self
                    .inputs(layer)
                    .into_iter()
                    .filter(|&r| {
                        r != d && self.rels[r].cols.iter().any(|c| c.name == group.name && c.entity == group.entity)
                    })
                    .collect();
                self.rng.shuffle(&mut others);
                sources.extend(others.into_iter().take(wanted));
                if sources.len() == 1 && !by_key && self.rng.percent(25) {
                    let statuses: Vec<Col> =
                        self.rels[d].cols.iter().filter(|c| c.role == Role::Status).cloned().collect();
                    group_cols.extend(self.rng.pick(&statuses));
                }
            }
        }
        let per_source = join.is_none();
        let mut taken: BTreeSet<String> = group_cols.iter().map(|c| c.name.clone()).collect();
        let mut metrics = Vec::new();
        if self.rng.percent(70) {
            let name = unique_name(&format!("{}_count", self.rels[d].singular), None, &mut taken);
            metrics.push(self.metric(name, d, Func::CountRows, Ty::Int64, per_source, d));
        }
        for (i, &s) in sources.iter().enumerate() {
            let wanted = 1 + self.rng.below(if i == 0 { 3 } else { 2 });
            for _ in 0..wanted {
                if let Some(metric) = self.metric_on(s, d, per_source, &group.name, &metrics, &mut taken) {
                    metrics.push(metric);
                }
            }
        }
        if metrics.is_empty() {
            let name = unique_name(&format!("{}_count", self.rels[d].singular), None, &mut taken);
            metrics.push(self.metric(name, d, Func::CountRows, Ty::Int64, per_source, d));
        }
        self.rng.shuffle(&mut metrics[1..]);

        let entity = group.entity.unwrap_or(0);
        let (noun, singular) = (self.rels[entity].noun.clone(), self.rels[entity].singular.clone());
        let prefix = match layer {
            Layer::Final => "agg",
            Layer::Intermediate => "int",
            _ => "stg",
        };
        let mut stem = format!("{}_by_{singular}", self.rels[d].noun);
        if let Some(second) = group_cols.get(1) {
            stem.push_str(&format!("_{}", second.name));
        }
        let name = self.model_name(prefix, &stem);
        let group_by: Vec<String> = group_cols.iter().map(|c| c.name.clone()).collect();
        let primary_key = group_cols.iter().all(|c| !c.nullable).then(|| group_by.join(", "));
        let mut cols = group_cols.clone();
        for m in &metrics {
            let role = match &m.func {
                Func::CountRows | Func::Count(_) | Func::CountIf(..) => Role::Quantity,
                Func::Sum(col, _) | Func::Max(col) | Func::Min(col) => {
                    self.rels[m.rel].cols.iter().find(|c| &c.name == col).map_or(Role::Amount, |c| c.role)
                }
            };
            cols.push(Col {
                name: m.name.clone(),
                ty: m.ty,
                role,
                nullable: m.nullable,
                entity: None,
                values: Vec::new(),
                shaped: true,
            });
        }
        let others: Vec<&str> = sources[1..].iter().map(|&s| self.rels[s].name.as_str()).collect();
        let mut description = format!("One row per {} of {}", group_by.join(" and "), self.rels[d].name);
        if !others.is_empty() {
            let how = if join.is_some() { "joined to" } else { "with metrics from" };
            description.push_str(&format!(", {how} {}", others.join(" and ")));
        }
        description.push('.');
        let key = (group_cols.len() == 1).then_some(0);
        let rel = Rel { name, noun, singular, layer, cols, key };
        let body = Body::Aggregate(Aggregate { group_by, join, metrics, primary_key });
        (rel, ModelDef { rel: 0, description, sources, body })
    }

    /// A metric; counts are never null, except on another source's groups (spec-format.md:
    /// a group of the driving source with no rows in that source gets NULL).
    fn metric(&mut self, name: String, rel: usize, func: Func, ty: Ty, per_source: bool, driving: usize) -> Metric {
        let counting = matches!(func, Func::CountRows | Func::Count(_) | Func::CountIf(..));
        let nullable = !(counting && (!per_source || rel == driving));
        let tests = if !nullable && self.rng.percent(50) { vec!["not_null".to_string()] } else { Vec::new() };
        Metric { name, ty, rel, func, nullable, tests }
    }

    fn metric_on(
        &mut self,
        s: usize,
        driving: usize,
        per_source: bool,
        group: &str,
        existing: &[Metric],
        taken: &mut BTreeSet<String>,
    ) -> Option<Metric> {
        let rel = &self.rels[s];
        let singular = rel.singular.clone();
        let mut options: Vec<(String, Func, Ty)> = Vec::new();
        for col in &rel.cols {
            let name = col.name.clone();
            match col.role {
                Role::Amount | Role::Quantity => {
                    options.push((stem("total", &name), Func::Sum(name.clone(), col.ty), col.ty));
                    if col.role == Role::Amount {
                        options.push((stem("max", &name), Func::Max(name), col.ty));
                    }
                }
                Role::Time | Role::Day => {
                    options.push((stem("last", &name), Func::Max(name.clone()), col.ty));
                    options.push((stem("first", &name), Func::Min(name), col.ty));
                }
                Role::Status if !col.values.is_empty() => {
                    let v = col.values[self.rng.below(col.values.len())].clone();
                    let stem = format!("{}_{singular}_count", v.to_lowercase());
                    options.push((stem, Func::CountIf(name, v), Ty::Int64));
                }
                _ => {}
            }
        }
        if s != driving && per_source {
            options.push((format!("{singular}_count"), Func::Count(group.to_string()), Ty::Int64));
        }
        // Two names for one formula would be a metric twice.
        options.retain(|(_, func, _)| !existing.iter().any(|m| m.rel == s && &m.func == func));
        let (stem, func, ty) = self.rng.pick(&options)?;
        let prefix = (s != driving).then_some(singular.as_str());
        let name = unique_name(&stem, prefix, taken);
        Some(self.metric(name, s, func, ty, per_source, driving))
    }

    /// The defect to plant in `def`: a filter left out where it has one, else a number off by
    /// one, else a text value altered; `None` when it has no column either can change.
    fn defect_for(&self, def: &ModelDef) -> Option<Defect> {
        let numeric = |ty: Ty| matches!(ty, Ty::Int64 | Ty::Numeric);
        match &def.body {
            Body::Mapping(m) => {
                if m.post_filter.is_some() || !m.pre_filters.is_empty() {
                    return Some(Defect::DroppedFilter);
                }
                let key = m.primary_key.as_deref();
                let plain = |c: &OutCol| Some(c.target.as_str()) != key;
                m.columns
                    .iter()
                    .position(|c| plain(c) && numeric(c.ty))
                    .map(Defect::OffByOne)
                    .or_else(|| m.columns.iter().position(|c| plain(c) && c.ty == Ty::String).map(Defect::AlteredText))
            }
            Body::Aggregate(a) => a.metrics.iter().position(|m| numeric(m.ty)).map(Defect::OffByOne),
            // The first tracked column; the history changes every tracked column alone.
            Body::Scd2(s) => (!self.tracked(def, s).is_empty()).then_some(Defect::UntrackedChange(0)),
        }
    }

    /// An SCD2 model's tracked columns, in the upstream's order.
    fn tracked(&self, def: &ModelDef, s: &Scd2) -> Vec<String> {
        match &s.tracked {
            Some(list) => list.clone(),
            None => {
                let upstream = &self.rels[def.sources[0]];
                upstream.cols.iter().map(|c| c.name.clone()).filter(|c| *c != s.natural_key).collect()
            }
        }
    }

    fn describe_defect(&self, def: &ModelDef, defect: Defect) -> String {
        match (&def.body, defect) {
            (Body::Mapping(m), Defect::DroppedFilter) => match &m.post_filter {
                Some((p, _)) => format!("the filter `{}` left out", p.render(None)),
                None => m.pre_filters.first().map_or_else(
                    || "a filter left out".to_string(),
                    |p| format!("the filter `{}` on {} left out", p.render(None), self.rels[p.rel].name),
                ),
            },
            (Body::Mapping(m), Defect::OffByOne(i)) => {
                format!("`{}` one too large", m.columns.get(i).map_or("?", |c| c.target.as_str()))
            }
            (Body::Mapping(_), Defect::UntrackedChange(_)) => "a column altered".to_string(),
            (Body::Mapping(m), Defect::AlteredText(i)) => {
                format!("`{}` with '!' appended", m.columns.get(i).map_or("?", |c| c.target.as_str()))
            }
            (Body::Aggregate(a), Defect::OffByOne(i)) => {
                format!("`{}` one too large", a.metrics.get(i).map_or("?", |c| c.name.as_str()))
            }
            (Body::Aggregate(_), _) => "a metric altered".to_string(),
            (Body::Scd2(s), Defect::UntrackedChange(i)) => format!(
                "a change to `{}` alone opens no version (left out of the change test)",
                self.tracked(def, s).get(i).map_or("?", String::as_str)
            ),
            (Body::Scd2(_), _) => "the history altered".to_string(),
        }
    }

    fn render(&self, options: &GenerateOptions, defects: &BTreeMap<usize, Defect>) -> GeneratedProject {
        let mut files = BTreeMap::new();
        for rel in &self.rels[..self.raw_count] {
            files.insert(format!("sources/{}.sql", rel.name), self.ddl(rel));
        }
        files.insert("spec.json".to_string(), self.spec_json(options));
        for (m, def) in self.models.iter().enumerate() {
            let rel = &self.rels[def.rel];
            let defect = defects.get(&m).copied();
            let (path, text) = match options.flavour {
                Flavour::DuckDb => {
                    let code = self.code(def, Flavour::DuckDb, defect);
                    (format!("models/{}.sql", rel.name), format!("-- {}\n{code}", def.description))
                }
                Flavour::Sqlx => {
                    // An SCD2 model's code is a script that owns its table, as Dataform's
                    // operations with an output are.
                    let kind = match def.body {
                        Body::Scd2(_) => "operations\",\n  hasOutput: true",
                        _ => "table\"",
                    };
                    let config = format!("config {{\n  type: \"{kind},\n  schema: \"{}\"\n}}\n\n", rel.layer.schema());
                    (format!("models/{}.sqlx", rel.name), format!("{config}{}", self.code(def, Flavour::Sqlx, defect)))
                }
            };
            files.insert(path, text);
        }
        if options.flavour == Flavour::DuckDb {
            files.insert(crate::project::config::CONFIG_FILE.to_string(), "dialect = \"duckdb\"\n".to_string());
        }
        GeneratedProject { files }
    }

    fn ddl(&self, rel: &Rel) -> String {
        let width = rel.cols.iter().map(|c| c.name.len()).max().unwrap_or(0);
        let lines: Vec<String> = rel
            .cols
            .iter()
            .map(|c| {
                let not_null = if c.nullable { "" } else { " NOT NULL" };
                format!("  {:width$} {}{not_null}", c.name, c.ty.bigquery())
            })
            .collect();
        let note = match rel.key {
            Some(_) => format!("One row per {} (the key is declared in spec.json).", rel.singular),
            None => format!("Several rows may share a {}_id.", rel.singular),
        };
        format!(
            "-- {}: synthetic source table. {note}\nCREATE TABLE {RAW_SCHEMA}.{} (\n{}\n);\n",
            rel.name,
            rel.name,
            lines.join(",\n")
        )
    }

    /// The name a model's `sources` entry uses for relation `r`.
    fn entry(&self, r: usize) -> String {
        let rel = &self.rels[r];
        match rel.layer {
            Layer::Raw => format!("{RAW_SCHEMA}.{}", rel.name),
            _ => rel.name.clone(),
        }
    }

    /// How model code names relation `r`.
    fn table_ref(&self, r: usize, flavour: Flavour) -> String {
        let rel = &self.rels[r];
        match (flavour, rel.layer) {
            (Flavour::DuckDb, layer) => format!("{}.{}", layer.schema(), rel.name),
            (Flavour::Sqlx, Layer::Raw) => format!("`{RAW_SCHEMA}.{}`", rel.name),
            (Flavour::Sqlx, _) => format!("${{ref(\"{}\")}}", rel.name),
        }
    }

    /// Short table aliases (`stg_orders` → `so`), as people write them.
    fn aliases(&self, sources: &[usize]) -> Aliases {
        let mut out: Vec<String> = Vec::new();
        for &r in sources {
            let initials: String = self.rels[r]
                .name
                .split('_')
                .filter_map(|w| w.chars().next())
                .filter(|c| c.is_ascii_alphabetic())
                .collect();
            let mut alias = if initials.is_empty() { "t".to_string() } else { initials };
            if RESERVED.contains(&alias.as_str()) || out.contains(&alias) {
                let mut n = 2;
                while out.contains(&format!("{alias}{n}")) {
                    n += 1;
                }
                alias = format!("{alias}{n}");
            }
            out.push(alias);
        }
        Aliases { sources: sources.to_vec(), names: out }
    }

    fn code(&self, def: &ModelDef, flavour: Flavour, defect: Option<Defect>) -> String {
        let sql = match flavour {
            Flavour::DuckDb => Sql::DuckDb,
            Flavour::Sqlx => Sql::BigQuery,
        };
        let aliases = self.aliases(&def.sources);
        match &def.body {
            Body::Mapping(m) => self.mapping_code(def, m, flavour, sql, &aliases, defect),
            Body::Aggregate(a) => self.aggregate_code(def, a, flavour, sql, &aliases, defect),
            Body::Scd2(s) => self.scd2_code(def, s, flavour, defect),
        }
    }

    /// An SCD2 model's script as `generate code` writes it (`crate::codegen::scd2`): the table
    /// created when missing, then one MERGE that closes changed or vanished versions and opens
    /// new ones.
    fn scd2_code(&self, def: &ModelDef, s: &Scd2, flavour: Flavour, defect: Option<Defect>) -> String {
        let source = def.sources[0];
        let mut tracked = self.tracked(def, s);
        if let Some(Defect::UntrackedChange(i)) = defect {
            if i < tracked.len() {
                tracked.remove(i);
            }
        }
        let shape = Scd2Shape {
            source_entry: self.entry(source),
            columns: self.rels[source].cols.iter().map(|c| (c.name.clone(), c.ty.bigquery().to_string())).collect(),
            keys: vec![s.natural_key.clone()],
            tracked,
            effective_at: s.history.0.to_string(),
            expiry_at: s.history.1.to_string(),
            current_flag: s.history.2.to_string(),
            far_future: s.far_future,
            mi: self.models.iter().position(|m| m.rel == def.rel).unwrap_or(0),
        };
        let name = &self.rels[def.rel].name;
        // Only the name of the spec's model goes into the script (its header comment).
        let Ok(model) = serde_json::from_value::<SpecModel>(serde_json::json!({ "name": name })) else {
            return String::new();
        };
        let (table, dialect) = match flavour {
            Flavour::DuckDb => (format!("{FINAL_SCHEMA}.{name}"), Dialect::Duckdb),
            Flavour::Sqlx => ("${self()}".to_string(), Dialect::Bigquery),
        };
        merge_script(&shape, &model, &table, &self.table_ref(source, flavour), dialect)
    }

    fn mapping_code(
        &self,
        def: &ModelDef,
        m: &Mapping,
        flavour: Flavour,
        sql: Sql,
        aliases: &Aliases,
        defect: Option<Defect>,
    ) -> String {
        // A dropped filter is the one after the joins where there is one, else the first before.
        let dropped = defect == Some(Defect::DroppedFilter);
        let drop_pre = dropped && m.post_filter.is_none();
        let alias = |r: usize| aliases.of(r);
        let mut out = String::new();
        // A filter on a source applies before its join, so it goes in a CTE of its own.
        let ctes: Vec<String> = m
            .pre_filters
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let rel = &self.rels[p.rel];
                let columns: Vec<&str> = rel.cols.iter().map(|c| c.name.as_str()).collect();
                let filter = if drop_pre && i == 0 { String::new() } else { format!("\n    WHERE {}", p.render(None)) };
                format!(
                    "{}_filtered AS (\n    SELECT {}\n    FROM {}{filter}\n)",
                    rel.name,
                    columns.join(", "),
                    self.table_ref(p.rel, flavour),
                )
            })
            .collect();
        if !ctes.is_empty() {
            out.push_str(&format!("WITH {}\n\n", ctes.join(",\n")));
        }
        let from_of = |r: usize| -> String {
            if m.pre_filters.iter().any(|p| p.rel == r) {
                format!("{}_filtered", self.rels[r].name)
            } else {
                self.table_ref(r, flavour)
            }
        };
        let items: Vec<String> = m
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let from = format!("{}.{}", alias(c.rel), c.col);
                let rate = match &c.transform {
                    Transform::TimesRate { rel, col } => format!("{}.{col}", alias(*rel)),
                    _ => String::new(),
                };
                let expr = match defect {
                    Some(Defect::OffByOne(d)) if d == i => format!("({}) + 1", c.transform.render(sql, &from, &rate)),
                    Some(Defect::AlteredText(d)) if d == i => {
                        format!("({}) || '!'", c.transform.render(sql, &from, &rate))
                    }
                    _ => c.transform.render(sql, &from, &rate),
                };
                if expr == from && c.col == c.target {
                    format!("    {expr}")
                } else {
                    format!("    {expr} AS {}", c.target)
                }
            })
            .collect();
        let base = def.sources[0];
        out.push_str(&format!("SELECT\n{}\nFROM {} AS {}\n", items.join(",\n"), from_of(base), alias(base)));
        for j in &m.joins {
            let kind = if j.kind == JoinKind::Left { "LEFT" } else { "INNER" };
            out.push_str(&format!(
                "{kind} JOIN {} AS {}\n    ON {}.{} = {}.{}\n",
                from_of(j.right),
                alias(j.right),
                alias(j.left),
                j.left_col,
                alias(j.right),
                j.right_col
            ));
        }
        if let Some((p, _)) = m.post_filter.as_ref().filter(|_| !dropped) {
            out.push_str(&format!("WHERE {}\n", p.render(Some(alias(p.rel)))));
        }
        out
    }

    fn aggregate_code(
        &self,
        def: &ModelDef,
        a: &Aggregate,
        flavour: Flavour,
        sql: Sql,
        aliases: &Aliases,
        defect: Option<Defect>,
    ) -> String {
        let alias = |r: usize| aliases.of(r);
        let d = def.sources[0];
        let item = |expr: String, name: &str| match defect {
            Some(Defect::OffByOne(i)) if a.metrics.get(i).is_some_and(|m| m.name == name) => {
                format!("({expr}) + 1 AS {name}")
            }
            _ => format!("{expr} AS {name}"),
        };
        if let Some(j) = &a.join {
            // Over the joined rows, as a mapping model would be, grouped by the group-by columns.
            let mut items: Vec<String> = a.group_by.iter().map(|g| format!("    {}.{g}", alias(d))).collect();
            items.extend(a.metrics.iter().map(|m| format!("    {}", item(m.render(sql, Some(alias(m.rel))), &m.name))));
            let groups: Vec<String> = a.group_by.iter().map(|g| format!("{}.{g}", alias(d))).collect();
            let kind = if j.kind == JoinKind::Left { "LEFT" } else { "INNER" };
            return format!(
                "SELECT\n{}\nFROM {} AS {}\n{kind} JOIN {} AS {}\n    ON {}.{} = {}.{}\nGROUP BY {}\n",
                items.join(",\n"),
                self.table_ref(d, flavour),
                alias(d),
                self.table_ref(j.right, flavour),
                alias(j.right),
                alias(j.left),
                j.left_col,
                alias(j.right),
                j.right_col,
                groups.join(", ")
            );
        }
        let groups = a.group_by.join(", ");
        let grouped_select = |s: usize, indent: &str| -> String {
            let mut items: Vec<String> = a.group_by.iter().map(|g| format!("{indent}    {g}")).collect();
            items.extend(
                a.metrics
                    .iter()
                    .filter(|m| m.rel == s)
                    .map(|m| format!("{indent}    {}", item(m.render(sql, None), &m.name))),
            );
            format!(
                "{indent}SELECT\n{}\n{indent}FROM {}\n{indent}GROUP BY {groups}",
                items.join(",\n"),
                self.table_ref(s, flavour)
            )
        };
        if def.sources.len() == 1 {
            return format!("{}\n", grouped_select(d, ""));
        }
        // Each source's metrics are grouped on that source alone, then left-joined onto the
        // driving source's groups, so no metric fans out across another source's rows.
        let ctes: Vec<String> = def
            .sources
            .iter()
            .map(|&s| format!("{}_metrics AS (\n{}\n)", self.rels[s].name, grouped_select(s, "    ")))
            .collect();
        let mut items: Vec<String> = a.group_by.iter().map(|g| format!("    {}.{g}", alias(d))).collect();
        items.extend(a.metrics.iter().map(|m| format!("    {}.{}", alias(m.rel), m.name)));
        let mut out = format!(
            "WITH {}\n\nSELECT\n{}\nFROM {}_metrics AS {}\n",
            ctes.join(",\n"),
            items.join(",\n"),
            self.rels[d].name,
            alias(d)
        );
        for &s in &def.sources[1..] {
            let on: Vec<String> = a.group_by.iter().map(|g| format!("{}.{g} = {}.{g}", alias(d), alias(s))).collect();
            out.push_str(&format!(
                "LEFT JOIN {}_metrics AS {}\n    ON {}\n",
                self.rels[s].name,
                alias(s),
                on.join(" AND ")
            ));
        }
        out
    }

    fn spec_json(&self, options: &GenerateOptions) -> String {
        let sources = self.rels[..self.raw_count]
            .iter()
            .filter_map(|rel| {
                let key = rel.key?;
                Some(SourceJson { name: format!("{RAW_SCHEMA}.{}", rel.name), primary_key: rel.cols[key].name.clone() })
            })
            .collect();
        let models = self.models.iter().map(|def| self.model_json(def)).collect();
        let spec = SpecJson {
            description: format!(
                "Synthetic pipeline of {} models (seed {}), written by specproof's project generator.",
                options.models, options.seed
            ),
            schema: SchemaJson { raw_schema: RAW_SCHEMA, staging_schema: STAGING_SCHEMA, final_schema: FINAL_SCHEMA },
            sources,
            models,
        };
        // Plain structs of strings, numbers and lists always serialise.
        let mut text = serde_json::to_string_pretty(&spec).unwrap_or_default();
        text.push('\n');
        text
    }

    fn model_json(&self, def: &ModelDef) -> ModelJson {
        let rel = &self.rels[def.rel];
        let name_of = |r: usize| self.rels[r].name.clone();
        let condition =
            |j: &JoinDef| format!("{}.{} = {}.{}", name_of(j.left), j.left_col, name_of(j.right), j.right_col);
        let join_json = |j: &JoinDef| JoinJson {
            left_table: name_of(j.left),
            right_table: name_of(j.right),
            join_type: if j.kind == JoinKind::Left { "LEFT" } else { "INNER" },
            condition: condition(j),
        };
        let mut model = ModelJson {
            name: rel.name.clone(),
            layer: if rel.layer == Layer::Final { "final" } else { "staging" },
            description: def.description.clone(),
            sources: def.sources.iter().map(|&r| self.entry(r)).collect(),
            column_mapping: Vec::new(),
            joins: Vec::new(),
            filters: Vec::new(),
            aggregations: Vec::new(),
            group_by: Vec::new(),
            constraints: None,
        };
        match &def.body {
            Body::Mapping(m) => {
                model.column_mapping = m
                    .columns
                    .iter()
                    .map(|c| {
                        let rate = match &c.transform {
                            Transform::TimesRate { rel, col } => format!("{}.{col}", name_of(*rel)),
                            _ => String::new(),
                        };
                        let transform = match c.transform {
                            Transform::Identity => None,
                            _ => Some(c.transform.render(Sql::BigQuery, "{from}", &rate)),
                        };
                        ColumnJson {
                            target_column: c.target.clone(),
                            data_type: c.ty.bigquery(),
                            from_table: name_of(c.rel),
                            from_column: c.col.clone(),
                            transform,
                            nullable: c.nullable,
                            tests: c.tests.clone(),
                            description: format!("{} {}.{}", c.transform.describe(), name_of(c.rel), c.col),
                        }
                    })
                    .collect();
                model.joins = m.joins.iter().map(join_json).collect();
                model.filters = m
                    .pre_filters
                    .iter()
                    .map(|p| FilterJson {
                        applies_to: Some(name_of(p.rel)),
                        predicate: p.render(None),
                        rationale: p.rationale(),
                    })
                    .collect();
                if let Some((p, scope)) = &m.post_filter {
                    let applies_to = match scope {
                        PostScope::Model => Some(rel.name.clone()),
                        PostScope::NoneWord => Some("(none)".to_string()),
                        PostScope::Null => None,
                    };
                    model.filters.push(FilterJson {
                        applies_to,
                        predicate: p.render(Some(&name_of(p.rel))),
                        rationale: p.rationale(),
                    });
                }
                model.constraints = m.primary_key.clone().map(ConstraintsJson::key);
            }
            Body::Aggregate(a) => {
                // A formula names one source; qualify it whenever the model has several, since
                // an unqualified column two sources share has no single meaning.
                let qualify = def.sources.len() > 1;
                model.aggregations = a
                    .metrics
                    .iter()
                    .map(|m| AggregationJson {
                        metric_column: m.name.clone(),
                        data_type: m.ty.bigquery(),
                        formula: m.render(Sql::BigQuery, qualify.then(|| name_of(m.rel)).as_deref()),
                        nullable: m.nullable,
                        tests: m.tests.clone(),
                        description: format!("{} in {}", m.describe(), name_of(m.rel)),
                    })
                    .collect();
                model.group_by = a.group_by.clone();
                model.joins = a.join.iter().map(join_json).collect();
                model.constraints = a.primary_key.clone().map(ConstraintsJson::key);
            }
            Body::Scd2(s) => {
                let tracked_columns = s.tracked.as_ref().map(|list| match s.tracked_as_text {
                    true => serde_json::Value::from(list.join(", ")),
                    false => serde_json::Value::from(list.clone()),
                });
                model.constraints = Some(ConstraintsJson {
                    scd_type: Some(2),
                    natural_key: Some(s.natural_key.clone()),
                    effective_at: Some(s.history.0),
                    expiry_at: Some(s.history.1),
                    current_flag: Some(s.history.2),
                    tracked_columns,
                    open_expiry: s.far_future.then_some("far_future"),
                    ..ConstraintsJson::default()
                });
            }
        }
        model
    }
}

/// The aliases of a model's sources in its code.
struct Aliases {
    sources: Vec<usize>,
    names: Vec<String>,
}

impl Aliases {
    fn of(&self, r: usize) -> &str {
        let at = self.sources.iter().position(|&s| s == r).unwrap_or(0);
        self.names.get(at).map_or("t", String::as_str)
    }
}

/// A metric name `<what>_<column>`, without repeating `what` (`total_total_x`).
fn stem(what: &str, column: &str) -> String {
    if column.starts_with(&format!("{what}_")) {
        column.to_string()
    } else {
        format!("{what}_{column}")
    }
}

/// `stem` if free, else `prefix_stem`, else numbered; the result is marked taken.
fn unique_name(stem: &str, prefix: Option<&str>, taken: &mut BTreeSet<String>) -> String {
    let mut candidates = vec![stem.to_string()];
    if let Some(prefix) = prefix.filter(|p| !stem.starts_with(&format!("{p}_"))) {
        candidates.push(format!("{prefix}_{stem}"));
    }
    let name = match candidates.into_iter().find(|c| !taken.contains(c) && c.len() <= 48) {
        Some(name) => name,
        None => {
            let short: String = stem.chars().take(40).collect();
            let mut n = 2;
            while taken.contains(&format!("{short}_{n}")) {
                n += 1;
            }
            format!("{short}_{n}")
        }
    };
    taken.insert(name.clone());
    name
}

// The spec as written: field order as in spec-format.md's example, empty parts left out.

#[derive(Serialize)]
struct SpecJson {
    description: String,
    schema: SchemaJson,
    sources: Vec<SourceJson>,
    models: Vec<ModelJson>,
}

#[derive(Serialize)]
struct SchemaJson {
    raw_schema: &'static str,
    staging_schema: &'static str,
    final_schema: &'static str,
}

#[derive(Serialize)]
struct SourceJson {
    name: String,
    primary_key: String,
}

#[derive(Serialize)]
struct ModelJson {
    name: String,
    layer: &'static str,
    description: String,
    sources: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    column_mapping: Vec<ColumnJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    joins: Vec<JoinJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    filters: Vec<FilterJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aggregations: Vec<AggregationJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    group_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    constraints: Option<ConstraintsJson>,
}

#[derive(Serialize)]
struct ColumnJson {
    target_column: String,
    #[serde(rename = "type")]
    data_type: &'static str,
    from_table: String,
    from_column: String,
    transform: Option<String>,
    nullable: bool,
    tests: Vec<String>,
    description: String,
}

#[derive(Serialize)]
struct JoinJson {
    left_table: String,
    right_table: String,
    #[serde(rename = "type")]
    join_type: &'static str,
    condition: String,
}

#[derive(Serialize)]
struct FilterJson {
    applies_to: Option<String>,
    predicate: String,
    rationale: String,
}

#[derive(Serialize)]
struct AggregationJson {
    metric_column: String,
    #[serde(rename = "type")]
    data_type: &'static str,
    formula: String,
    nullable: bool,
    tests: Vec<String>,
    description: String,
}

#[derive(Serialize, Default)]
struct ConstraintsJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scd_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    natural_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    effective_at: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiry_at: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_flag: Option<&'static str>,
    /// An array of names, or one comma-separated string.
    #[serde(skip_serializing_if = "Option::is_none")]
    tracked_columns: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    open_expiry: Option<&'static str>,
}

impl ConstraintsJson {
    fn key(primary_key: String) -> ConstraintsJson {
        ConstraintsJson { primary_key: Some(primary_key), ..ConstraintsJson::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::catalog::{add_ddl_text, add_declarations, Catalog};
    use crate::spec::lint::lint_spec;
    use crate::spec::load::parse_spec;

    /// SCD2 models come in every project of 50 models and more, lint clean, each a leaf over a
    /// keyed upstream model whose key is its natural key, with code that owns its table.
    #[test]
    fn generated_projects_have_scd2_models_that_lint_clean() {
        let (mut subsets, mut all, mut far_future, mut as_text) = (0, 0, 0, 0);
        for seed in 1..=8 {
            for flavour in [Flavour::DuckDb, Flavour::Sqlx] {
                let project = generate(&GenerateOptions { models: 60, seed, flavour });
                let text = project.files.get("spec.json").cloned().unwrap_or_default();
                // One comma-separated string (the parsed spec no longer tells the two apart).
                as_text += text.matches("\"tracked_columns\": \"").count();
                let loaded = parse_spec("spec.json", text).expect("the generated spec parses");
                let mut catalog = Catalog::default();
                let mut findings = Vec::new();
                for (path, ddl) in project.files.iter().filter(|(p, _)| p.starts_with("sources/")) {
                    add_ddl_text(&mut catalog, &mut findings, ddl, path);
                }
                add_declarations(&mut catalog, &mut findings, &loaded.spec.sources, &loaded.text);
                findings.extend(lint_spec(&loaded, &catalog));
                assert!(findings.is_empty(), "seed {seed}: {findings:#?}");

                let models = &loaded.spec.models;
                let scd2: Vec<&SpecModel> = models.iter().filter(|m| m.constraints.scd_type == Some(2)).collect();
                assert_eq!(scd2.len(), 2, "seed {seed}: 60 models have 60 / 25 SCD2 models");
                for m in scd2 {
                    let c = &m.constraints;
                    assert_eq!(m.layer.as_deref(), Some("final"));
                    assert_eq!(m.sources.len(), 1, "{}", m.name);
                    let upstream = models.iter().find(|u| u.name == m.sources[0]).expect("an upstream model");
                    let key: Vec<&str> = c.natural_key.iter().flat_map(|k| k.names()).collect();
                    assert_eq!(
                        upstream.constraints.primary_key.iter().flat_map(|k| k.names()).collect::<Vec<_>>(),
                        key,
                        "{}",
                        m.name
                    );
                    assert!(c.effective_at.is_some() && c.expiry_at.is_some() && c.current_flag.is_some());
                    // A leaf: nothing reads it.
                    assert!(!models.iter().any(|o| o.sources.contains(&m.name)), "{} is read", m.name);
                    match &c.tracked_columns {
                        Some(_) => subsets += 1,
                        None => all += 1,
                    }
                    far_future += usize::from(c.open_expiry.is_some());
                    let (file, script) = match flavour {
                        Flavour::DuckDb => (format!("models/{}.sql", m.name), "MERGE INTO mart."),
                        Flavour::Sqlx => (format!("models/{}.sqlx", m.name), "MERGE ${self()}"),
                    };
                    let code = project.files.get(&file).cloned().unwrap_or_default();
                    assert!(code.contains("CREATE TABLE IF NOT EXISTS") && code.contains(script), "{file}:\n{code}");
                }
            }
        }
        assert!(subsets > 0 && all > 0 && far_future > 0 && as_text > 0, "{subsets} {all} {far_future} {as_text}");
        // Fewer than ten models have none.
        let small = generate(&GenerateOptions { models: 9, seed: 1, flavour: Flavour::Sqlx });
        assert!(!small.files.get("spec.json").is_some_and(|s| s.contains("scd_type")));
    }

    /// A mapping model always has an output column: over a base without a key whose only column
    /// references another table, each draw leaving that column out (one in five) made a model
    /// of no columns (`fct_products_158_current` of the 50,000-model project of seed 42).
    #[test]
    fn a_mapping_over_a_base_of_references_only_keeps_a_column() {
        let mut generator = generator(&GenerateOptions { models: 10, seed: 1, flavour: Flavour::DuckDb });
        let reference = Col {
            name: "customer_id".into(),
            ty: Ty::Int64,
            role: Role::Id,
            nullable: false,
            entity: Some(0),
            values: Vec::new(),
            shaped: false,
        };
        let base = Rel {
            name: "stg_visits".into(),
            noun: "visits".into(),
            singular: "visit".into(),
            layer: Layer::Staging,
            cols: vec![reference],
            key: None,
        };
        generator.rels = vec![base];
        generator.keyed_by_entity = vec![Vec::new()];
        for draw in 0..100 {
            let (rel, _) = generator.mapping(Layer::Intermediate, None);
            assert!(!rel.cols.is_empty(), "draw {draw}: `{}` has no column", rel.name);
        }
    }

    /// The SCD2 defect leaves one tracked column out of the MERGE's change test, and only that.
    #[test]
    fn the_scd2_defect_leaves_a_tracked_column_out_of_the_change_test() {
        let options = GenerateOptions { models: 25, seed: 3, flavour: Flavour::DuckDb };
        let (project, planted) = generate_with_defects(&options, 25);
        let clean = generate(&options);
        let defect = planted.iter().find(|d| d.model.ends_with("_scd2")).expect("an SCD2 model with a defect");
        assert!(defect.what.contains("left out of the change test"), "{}", defect.what);
        let (wrong, right) = (&project.files[&defect.file], &clean.files[&defect.file]);
        let tests = |code: &str| code.lines().filter(|l| l.contains("IS NOT DISTINCT FROM")).count();
        assert_eq!(tests(wrong) + 1, tests(right), "{wrong}");
    }
}
