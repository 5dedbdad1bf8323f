//! Findings: what specproof says about the pipeline under test.
//!
//! A finding is data (a stable code, a severity, whose fault it is, where it is, a message);
//! the renderers in [`crate::report`] decide how it looks. Errors that stop the tool from doing
//! its job are not findings: they live in [`crate::error`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a finding is. Errors fail a run; warnings are shown but do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The pipeline has no single meaning or breaks it.
    Error,
    /// Worth a look; does not change the exit code.
    Warning,
}

/// Whose fault a finding is (spec-format.md, "Whose fault is a finding").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// The spec (or the source declarations it relies on).
    Spec,
    /// The generated code.
    Code,
    /// A shipped test.
    Test,
    /// specproof itself: the translation to DuckDB cannot hold what the source dialect does,
    /// so the model was not checked on that data. Neither the code nor the spec is at fault.
    Tool,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl Subject {
    /// `spec`, `code`, `test` or `tool`.
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Spec => "spec",
            Subject::Code => "code",
            Subject::Test => "test",
            Subject::Tool => "tool",
        }
    }
}

pub use crate::location::Location;

macro_rules! codes {
    ($( $variant:ident = $code:literal, $name:literal, $severity:ident, $subject:ident, $doc:literal; )*) => {
        /// Every check specproof runs, with a code that never changes meaning.
        ///
        /// `specproof explain CODE` prints the doc of a code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( #[doc = $doc] $variant, )*
        }

        impl Code {
            /// Every code, in code order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable code, e.g. `SPEC003`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// A short kebab-case name, e.g. `unknown-column`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// What the check does, why it matters, and an example.
            pub fn doc(self) -> &'static str {
                match self { $(Code::$variant => $doc,)* }
            }

            /// The severity a finding of this code has.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// Whose fault a finding of this code is.
            pub fn subject(self) -> Subject {
                match self { $(Code::$variant => Subject::$subject,)* }
            }

            /// The code for `SPEC003` or `unknown-column`, case-insensitively.
            pub fn parse(text: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| {
                    c.as_str().eq_ignore_ascii_case(text) || c.name().eq_ignore_ascii_case(text)
                })
            }
        }
    };
}

codes! {
    UnknownSource = "SPEC001", "unknown-source", Error, Spec,
        "A model's `sources` entry names neither a declared source table nor a model.\n\nWhy: the model has no input to be read from, so it has no meaning.\n\nExample: `\"sources\": [\"raw.crm_customer\"]` when the DDL declares `raw.crm_customers`.";
    UnknownTable = "SPEC002", "unknown-table", Error, Spec,
        "A table name inside a model (`from_table`, `left_table`, `right_table`, `applies_to`, or a qualifier inside an expression) is not one of the model's sources.\n\nWhy: a model may only read its own sources, referred to by the last part of their name.\n\nExample: `\"from_table\": \"crm_address\"` in a model whose sources are `raw.crm_customers` and `raw.crm_addresses`.";
    UnknownColumn = "SPEC003", "unknown-column", Error, Spec,
        "A column is named that its table does not have (in `from_column`, a join condition, a filter, a transform, a formula, `group_by`, a key or a test).\n\nWhy: the reference result cannot be computed, and the generated code is free to guess.\n\nExample: `\"from_column\": \"emial\"` where `crm_customers` has `email`.";
    AmbiguousColumn = "SPEC004", "ambiguous-column", Error, Spec,
        "An unqualified column name is a column of several of the sources in scope.\n\nWhy: the expression has two meanings; qualify it with the table it comes from.\n\nExample: `created_at` in a post-join filter of a model joining `crm_customers` and `crm_addresses`, which both have `created_at`.";
    DependencyCycle = "SPEC005", "dependency-cycle", Error, Spec,
        "Models depend on each other in a cycle through their `sources`.\n\nWhy: no order of execution exists.\n\nExample: `a` reads `b` and `b` reads `a`.";
    ModelKind = "SPEC006", "model-kind", Error, Spec,
        "A model is of no kind or of several: a mapping model has `column_mapping` and no `aggregations`, an aggregate model has `aggregations`, an SCD2 model has `constraints.scd_type` 2.\n\nWhy: each kind has a different meaning; a model must have exactly one.\n\nExample: a model with both `column_mapping` and `aggregations`.";
    DisconnectedSources = "SPEC007", "disconnected-sources", Error, Spec,
        "A model with several sources has sources that no join connects.\n\nWhy: how their rows combine is undefined (a cross join is never implied).\n\nExample: sources `raw.a` and `raw.b` with `\"joins\": []` in a mapping model.";
    FormulaSources = "SPEC008", "formula-two-sources", Error, Spec,
        "An aggregate model without joins has a formula whose source cannot be told: it names columns of two sources, or an unqualified column that two sources share.\n\nWhy: each metric is computed on its own source and left-joined onto the driving source's groups; a formula must belong to one source.\n\nExample: `SUM(amount_usd) / SUM(open_tickets)` over `stg_orders` and `stg_support_pivot`.";
    AcceptedValuesNotInferable = "SPEC009", "accepted-values-not-inferable", Error, Spec,
        "`accepted_values` is given without a list, and the transform is not a CASE whose THEN/ELSE results are all literals.\n\nWhy: the list of accepted values cannot be known.\n\nExample: `\"tests\": [\"accepted_values\"]` on a column mapped with `LOWER({from})`.";
    DuplicateColumn = "SPEC010", "duplicate-column", Error, Spec,
        "Two output columns of one model have the same name (compared case-insensitively, as BigQuery does).\n\nWhy: the output table cannot hold both.\n\nExample: two `column_mapping` entries with `\"target_column\": \"email\"`.";
    KeyNotOutput = "SPEC011", "key-not-output", Error, Spec,
        "A key column (`constraints.primary_key`, `natural_key`, `partition_by`, `cluster_by`) is not an output column of the model.\n\nWhy: the key cannot be checked on the output.\n\nExample: `\"primary_key\": \"id\"` in a model whose output has `customer_id`.";
    UnknownTest = "SPEC012", "unknown-test", Error, Spec,
        "A test name is not one spec-format.md defines, or its arguments are malformed.\n\nWhy: a test that is not understood is a check that silently never runs.\n\nExample: `\"tests\": [\"notnull\"]`.";
    KeyCanRepeat = "SPEC013", "key-can-repeat", Error, Spec,
        "The spec's own meaning can repeat a primary key (or a `unique` column) on data its sources allow: the base table declares no key on the key's source columns, or a join can fan out because the joined table declares no key on the join columns.\n\nWhy: the spec contradicts itself; any code that follows it fails its key test.\n\nExample: `stg_customers` keyed by `customer_id` LEFT JOINs `crm_addresses`, which may hold several rows per customer.";
    NotNullUnguarded = "SPEC014", "not-null-unguarded", Error, Spec,
        "`not_null` or `nullable: false` is asked of a column whose value can be null on data the sources allow: a nullable source column that no transform guards, the right side of a LEFT join, or an aggregate over such values.\n\nWhy: the spec contradicts itself; code that follows it fails the test.\n\nExample: `LOWER(TRIM(email))` with `nullable: false` while `crm_customers.email` is nullable.";
    Scd2KeyNotUnique = "SPEC015", "scd2-key-not-unique", Error, Spec,
        "An SCD2 model's natural key is not declared unique by its source.\n\nWhy: a snapshot with two rows for one key has no defined history.\n\nExample: `natural_key: customer_id` over a source that declares no key on `customer_id`.";
    InvalidExpression = "SPEC016", "invalid-expression", Error, Spec,
        "An expression inside the spec (`transform`, `formula`, `predicate`, `condition`, an `expression(...)` test) does not parse in the spec's dialect.\n\nWhy: it has no meaning at all.\n\nExample: `\"transform\": \"LOWER({from}\"`.";
    UnknownField = "SPEC017", "unknown-field", Warning, Spec,
        "The spec has a field that spec-format.md does not define; it is ignored.\n\nWhy: a misspelt field (`nullabel`) silently loses its meaning.\n\nExample: `\"nullabel\": false` in a column mapping.";
    InvalidJoin = "SPEC018", "invalid-join", Error, Spec,
        "A join is malformed: an unknown join type, a condition that is not a boolean comparison, or a `left_table` that is not joined yet when the join is applied.\n\nWhy: joins are applied in order from `joins[0].left_table`; anything else has no single meaning.\n\nExample: `\"type\": \"OUTER\"`.";
    InvalidScd2 = "SPEC019", "invalid-scd2", Error, Spec,
        "An SCD2 model lacks a required key (`natural_key`, `effective_at`, `expiry_at`, `current_flag`), has other than one source, names an output column twice, or has an unknown `scd_type`.\n\nWhy: its history has no meaning without them.\n\nExample: `\"scd_type\": 2` with no `natural_key`.";
    DuplicateModel = "SPEC020", "duplicate-model", Error, Spec,
        "Two models have the same name.\n\nWhy: references to the name have two meanings.\n\nExample: two models named `stg_orders`.";
    UnknownType = "SPEC021", "unknown-type", Error, Spec,
        "A column type is not a BigQuery or DuckDB type specproof knows.\n\nWhy: the output type cannot be checked.\n\nExample: `\"type\": \"STRNG\"`.";
    UnknownLayer = "SPEC022", "unknown-layer", Error, Spec,
        "A model's `layer` is neither `staging` nor `final`.\n\nWhy: the schema the model is materialised in is unknown.\n\nExample: `\"layer\": \"mart\"`.";
    MissingMapping = "SPEC023", "incomplete-mapping", Error, Spec,
        "A column mapping has neither a `from_table`/`from_column` pair nor a transform, or its transform uses `{from}` without them; or an aggregation has an empty formula.\n\nWhy: the column has no value.\n\nExample: `{\"target_column\": \"x\", \"transform\": \"UPPER({from})\"}` with no `from_column`.";
    InvalidSourceDdl = "SRC001", "invalid-source", Error, Spec,
        "A source DDL file does not parse or holds something other than CREATE TABLE statements, or a spec `sources` entry has no columns and no DDL file creates its table.\n\nWhy: the tables it should declare are unknown, so every model reading them is unchecked.\n\nExample: `CREATE TABLE raw.x (a INT64,, b STRING)`.";
    DuplicateSource = "SRC002", "duplicate-source", Error, Spec,
        "A source table is declared twice (in two DDL files, or in the spec's `sources` with columns that differ from its DDL).\n\nWhy: its columns or keys have two meanings.\n\nExample: `raw.fx_rates` created in two files.";
    CodeParse = "CODE001", "code-does-not-parse", Error, Code,
        "A model file's SQL does not parse in its dialect (BigQuery for `.sqlx`, the project's dialect for `.sql`).\n\nWhy: code that does not parse has no meaning to check; the other models are still checked.\n\nExample: `SELECT customer_id,, email FROM raw.crm_customers`.";
    TemplateNotEvaluable = "CODE002", "template-not-evaluable", Error, Tool,
        "A model file uses template logic specproof cannot evaluate faithfully: a `js { }` block, a `${...}` other than `ref()`/`self()`, a dbt `{% ... %}` block, macro call or `var()`, or a `config { }` block that is no literal object. This is a translation limit of specproof, not a fault of the code: that file is not checked, the other models are.\n\nWhy: the SQL that would run depends on code specproof does not execute; guessing would judge the wrong query.\n\nExample: `${when(incremental(), `WHERE ts > (SELECT MAX(ts) FROM ${self()})`)}`.";
    NoFaithfulTranslation = "CODE003", "no-faithful-translation", Error, Tool,
        "A BigQuery construct has no translation to DuckDB that keeps its meaning, so the model is not run. This is a limit of specproof, not a fault of the code: the finding is about the tool.\n\nWhy: running it with a different meaning would judge code that is not the code under test; the model is unproven until it is written with constructs specproof translates.\n\nExample: `FOR SYSTEM_TIME AS OF`, a JavaScript UDF call, or a time zone BigQuery does not know.";
    MissingOutputColumn = "CODE004", "missing-output-column", Error, Code,
        "The code's output lacks a column the spec lists for the model.\n\nWhy: downstream models and tests read it.\n\nExample: `stg_customers` without `phone_e164`.";
    ExtraOutputColumn = "CODE005", "extra-output-column", Error, Code,
        "The code outputs a column the spec does not list for the model.\n\nWhy: the spec is the single source of truth; an unlisted column is untested and may leak data.\n\nExample: `stg_customers` also selecting `crm_customers.updated_at`.";
    WrongSourceColumn = "CODE006", "wrong-source-column", Error, Code,
        "An output column is derived from a different source table or column than the spec's `from_table`/`from_column` (or metric formula).\n\nWhy: the values are not the ones the spec describes.\n\nExample: `order_ts` selected from `commerce_orders.updated_at` instead of `order_ts`.";
    TransformReadsDiffer = "CODE007", "transform-reads-differ", Error, Code,
        "The set of source columns an output column's expression reads differs from the set the spec's transform reads.\n\nWhy: an input was dropped or added (a missing currency conversion, a phone built from the email).\n\nExample: `amount_usd` computed as `total_amount` without `fx_rates.rate_to_usd`.";
    JoinTypeDiffers = "CODE008", "join-type-differs", Error, Code,
        "A join between two of the model's sources has a different type in the code than in the spec.\n\nWhy: an INNER join for a LEFT one drops rows; a LEFT for an INNER keeps rows the spec removes.\n\nExample: `JOIN crm_addresses` where the spec says `LEFT`.";
    JoinConditionDiffers = "CODE009", "join-condition-differs", Error, Code,
        "A join's condition compares different columns than the spec's condition (or a spec join is missing).\n\nWhy: rows are matched with the wrong partners.\n\nExample: `ON o.customer_id = i.order_id` where the spec joins on `order_id`.";
    FilterMissing = "CODE010", "filter-missing", Error, Code,
        "A filter the spec names is not applied anywhere in the code.\n\nWhy: rows the spec removes reach the output.\n\nExample: addresses without a country are joined although the spec filters `country IS NOT NULL`.";
    FilterAfterJoin = "CODE011", "filter-after-join", Error, Code,
        "A filter the spec applies to a table before it is LEFT-joined is applied after the join, in the WHERE clause.\n\nWhy: filtering after a LEFT join also drops the left rows whose match was filtered away, which the spec keeps.\n\nExample: `LEFT JOIN crm_addresses a ON ... WHERE a.country IS NOT NULL`.";
    GroupByDiffers = "CODE012", "group-by-differs", Error, Code,
        "The code groups by different columns than the spec implies (the `group_by` of an aggregate model, or every non-aggregated column of a mapping model that aggregates).\n\nWhy: the output has a different grain, so rows are split or merged.\n\nExample: `GROUP BY customer_id, status` for a pivot grouped by `customer_id`.";
    CodeUnknownColumn = "CODE013", "code-unknown-column", Error, Code,
        "The code names a column that the table, CTE or upstream model it reads does not have.\n\nWhy: the code fails at run time or reads something else than intended.\n\nExample: `custmer_id` where `crm_customers` has `customer_id`.";
    CodeUnknownTable = "CODE014", "code-unknown-table", Error, Code,
        "The code reads a table that is not among the model's sources in the spec (or that does not exist).\n\nWhy: the model depends on data the spec does not give it.\n\nExample: `stg_orders` reading `raw.crm_addresses`.";
    NoCodeForModel = "CODE015", "no-code-for-model", Warning, Code,
        "A code file names no model in the spec (a model of the spec without code is CODE017).\n\nWhy: code exists that nothing specifies, often a misspelt file name.\n\nExample: `models/stg_order.sqlx` when the spec's model is `stg_orders`.";
    WritesOutsideItsTable = "CODE016", "writes-outside-its-table", Error, Code,
        "A model's code (its body or a SQLX `pre_operations` / `post_operations` block) writes to a relation other than its own table: `INSERT`, `UPDATE`, `DELETE`, `MERGE`, `TRUNCATE`, `ALTER`, `DROP` or `CREATE` on a source, another model's table, a schema or a permanent table of its own making. Its statements are not run, so the sources stay as loaded for the reference and for every other model. Writing the model's own table (`CREATE OR REPLACE TABLE`, `INSERT INTO ${self()}`, …) and temporary tables the script creates itself is allowed.\n\nWhy: a model that rewrites its inputs changes the data its own check is computed from, and breaks the models downstream of what it rewrote; a pipeline model has no business outside its table.\n\nExample: `UPDATE raw.crm_customers SET status = 'active';` before the model's `SELECT`, or `DROP SCHEMA analytics CASCADE`.";
    ModelWithoutCode = "CODE017", "model-without-code", Error, Code,
        "A model of the spec has no code file in the models folder (the folder is empty or missing, the file is misspelt, or its path is a folder).\n\nWhy: a model without code is not implemented, and nothing about it can be checked; a gate must not pass it.\n\nExample: the spec names `stg_orders` and `models/` holds only `stg_customers.sqlx`.";
    TemplateMistake = "CODE018", "template-mistake", Error, Code,
        "A template slip that Dataform or dbt itself rejects, recognised and explained with its fix: a `${ref()}` inside backticks (it renders a quoted name already), a config block without the `config` keyword, dbt's `{{ ref() }}` in a SQLX file or Dataform's `${ref()}` in dbt SQL.\n\nWhy: the code would not compile in its own tool; read as the fix would have it, the rest of the file is still checked, so one slip does not hide the real defects behind parser messages.\n\nExample: ``FROM `${ref(\"stg_orders\")}` `` instead of `FROM ${ref(\"stg_orders\")}`.";
    CodeTooDeep = "CODE019", "nests-too-deeply", Error, Code,
        "A model file's SQL parses, but nests deeper than specproof walks (1000 levels of expressions, subqueries and set operations, or too many parentheses).\n\nWhy: every check of the model walks its tree once per level; a tree deeper than the bound is reported instead of exhausting the stack. DuckDB refuses expressions that deep too. The other models are still checked.\n\nExample: a `WHERE` of 1,200 conditions joined by `OR`, or 1,200 `SELECT`s joined by `UNION ALL`; write them as `IN (...)`, a join on a values list, or a table.";
    ModelFailed = "RUN001", "model-failed", Error, Code,
        "A model's code fails when DuckDB runs it (after translation) on data its sources allow.\n\nWhy: code that errors produces no table; everything downstream is unchecked.\n\nExample: `CAST(status AS INT64)` on a status of `'active'`.";
    QueryTimeout = "RUN002", "query-timeout", Error, Code,
        "A model's query ran longer than the time limit and was interrupted.\n\nWhy: a runaway query (a cross join, a recursive CTE that never ends) must become a finding, not a hang.\n\nExample: `FROM a, b, c` over three large sources with no join condition.";
    SandboxDenied = "RUN003", "sandbox-denied", Error, Code,
        "A model's code tried something the sandbox forbids: reading or writing host files, the network, installing or loading extensions, changing the database configuration.\n\nWhy: generated code is untrusted; a pipeline model has no business outside its tables.\n\nExample: `SELECT * FROM read_csv('/etc/passwd')`, `COPY t TO '/tmp/x'`, `INSTALL httpfs`.";
    MemoryLimit = "RUN004", "memory-limit", Error, Code,
        "A model's query needed more memory than the database's limit.\n\nWhy: an explosion of rows (a fan-out join) is a defect even when it would finish.\n\nExample: joining two sources on a constant.";
    OutputTypeDiffers = "CHK001", "output-type-differs", Error, Code,
        "An output column's type, as the code produces it, is not the spec's `type` (compared as families: integer, exact decimal, float, string, boolean, date, timestamp, bytes).\n\nWhy: downstream code and consumers read the declared type.\n\nExample: `amount_usd` declared NUMERIC, produced as DOUBLE by a division.";
    NullInNonNullable = "CHK002", "null-in-non-nullable", Error, Code,
        "An output column with `nullable: false` holds a null.\n\nWhy: the spec promises consumers the column is always set.\n\nExample: `lifecycle_stage` null for a customer with status `'Active '`.";
    TestNotNullFailed = "CHK003", "not-null-failed", Error, Code,
        "A column's `not_null` test fails on the model's output.\n\nWhy: the spec names the test; the output breaks it.\n\nExample: `order_count` null for a customer.";
    TestUniqueFailed = "CHK004", "unique-failed", Error, Code,
        "A column's `unique` test fails: two rows hold the same non-null value.\n\nWhy: a duplicate usually means a join fanned out.\n\nExample: two rows for `customer_id` 7 after a join to addresses.";
    TestAcceptedValuesFailed = "CHK005", "accepted-values-failed", Error, Code,
        "A column holds a value outside its `accepted_values` (the listed ones, or those the CASE can produce).\n\nWhy: a mapping branch is wrong or missing.\n\nExample: `lifecycle_stage` = 'inactive' where the spec maps it to 'churned'.";
    TestRelationshipsFailed = "CHK006", "relationships-failed", Error, Code,
        "A column holds a value that does not appear in the column its `relationships` test names.\n\nWhy: an orphan reference.\n\nExample: an order's `customer_id` missing from `stg_customers`.";
    TestRangeFailed = "CHK007", "accepted-range-failed", Error, Code,
        "A column holds a value outside its `accepted_range`.\n\nWhy: the value is impossible by the spec.\n\nExample: a negative `order_count`.";
    TestExpressionFailed = "CHK008", "expression-failed", Error, Code,
        "A column's `expression(...)` test is false for some row.\n\nWhy: the spec states the condition holds for every row.\n\nExample: `expression(total_refund_usd <= total_spent_usd)`.";
    PrimaryKeyFailed = "CHK009", "primary-key-failed", Error, Code,
        "The model's `constraints.primary_key` does not hold on its output: a key column is null, or two rows share a key.\n\nWhy: consumers join on the key; a duplicate multiplies their rows.\n\nExample: two rows for one `order_id`.";
    Scd2InvariantFailed = "CHK010", "scd2-invariant-failed", Error, Code,
        "An SCD2 model's history breaks an invariant after some run: two current rows for a key, overlapping versions, a closed version that ends before it starts, or a version that does not follow the spec's history.\n\nWhy: history that contradicts itself cannot be queried as of a time.\n\nExample: a key whose old version stays current after its email changed.";
    DiffersFromReference = "DIF001", "differs-from-reference", Error, Code,
        "The model's output is not the spec's: specproof computes, from the spec alone, what the model must hold on the same inputs (its reference result, on the upstream tables the run produced) and compares the two as multisets of rows over the spec's columns, NULL equal to NULL, numbers within a relative 1e-9. The finding shows the expected rows beside the actual ones.\n\nWhy: named tests catch what someone thought to name; a CASE branch mapped wrong, a literal in the wrong case or a filter after the join changes values no test names.\n\nExample: `lifecycle_stage` 'lost' where the spec maps 'inactive' to 'churned'.";
    ReferenceFailed = "DIF002", "reference-failed", Error, Spec,
        "The spec's reference result for a model could not be built or failed on data its sources allow: a spec expression errors at run time (a cast of a value the source allows, a NUMERIC product past DuckDB's DECIMAL range) or has no translation for DuckDB. The model's output is then not compared, and this finding says so instead of passing it.\n\nWhy: a model with no reference is unchecked; the cause is the spec's expression (or a limit of the translation), never the code.\n\nExample: `CAST({from} AS INT64)` in the spec on a STRING source column that may hold `'n/a'`.";
    CouldNotCompare = "DIF003", "could-not-compare", Error, Code,
        "A model's output and its reference result were both there but could not be compared: the model's table lacks a column the spec gives it, or has it in a type that cannot be compared, and no static finding said so (a script that drops the column after building the table). Running out of time or memory while comparing is DIF005, about specproof's resources.\n\nWhy: a comparison that did not happen proves nothing; a gate that took it for agreement would pass code nobody checked. It is an error so that CI fails closed; rerun with fewer `--rows` or a larger memory limit when it is a matter of resources.\n\nExample: a model whose rows hold megabyte-wide strings, compared under a small memory limit.";
    TranslationLimit = "DIF004", "translation-limit", Error, Tool,
        "A model (or its reference result) failed in DuckDB on a value the source dialect holds: a NUMERIC product past DuckDB's DECIMAL(38,18) range (1e20; BigQuery's NUMERIC holds 29 integer digits), or a product of three NUMERIC factors past DECIMAL(38,27). The translation maps the type to a narrower one; the model is not checked on this data, and nothing is blamed on the code. The same code says a spec expression has no translation to DuckDB yet (`LAST_DAY(d, WEEK)`): the model's output checks run, its comparison with the reference does not. And it says DuckDB code called a function of an extension the sandboxed engine does not load (`timezone()`, `AT TIME ZONE`: ICU's), so the model could not run here. A run error of the code where the spec's own reference fails on the same data is likewise not the code's: it is reported as DIF002.\n\nWhy: a failure of the tool's translation is no evidence against the code; reporting it as a code failure would be a false alarm, and passing silently would call an unchecked model checked.\n\nExample: `SUM(quantity * unit_price) * rate` on BigQuery NUMERIC columns whose sum of products passes 1e20.";
    ComparisonOutOfResources = "DIF005", "comparison-out-of-resources", Error, Tool,
        "A model's output could not be compared with its reference result because building the reference or comparing ran past the time limit or the memory limit (or the database could not make room for it). Neither the code nor the spec is shown wrong: specproof ran out of what it was given.\n\nWhy: a comparison that did not happen proves nothing, so this is an error and CI fails closed; but it is not blamed on the code, which may well be right. Rerun with fewer `--rows`, a larger `--memory-limit` or a longer `--timeout`.\n\nExample: a model whose rows hold megabyte-wide strings, compared under a small memory limit.";
    OutcomeNotReached = "DIF006", "outcome-not-reached", Warning, Tool,
        "A construct of the spec has an outcome that no synthetic dataset reached: a condition never true, false or NULL, a CASE branch never taken, two compared columns never equal, a division never by zero or NULL, an aggregate never over a group of one or of many rows, a TRIM never given a tab, a join key never unmatched or never matched twice, an SCD2 history where only an untracked column changes. Reach is measured on the data the run actually used (a probe query per outcome on each dataset's inputs and joined rows), and outcomes the sources' declarations make impossible (NULL from a NOT NULL column, two matches on a declared key) are listed in the coverage table, not warned about.\n\nWhy: the proof compares code and spec on the data it generated; a branch no row takes was never compared, so a defect there would pass. The warning names the construct and its place so a reviewer knows what the gate did not exercise.\n\nExample: `CASE WHEN status = 'inactive' THEN 'churned' …` where no generated status was `inactive`: `case … when 2 was reached by none of the 240 rows or groups that reached the construct over the 3 synthetic datasets`. The message says which: no row reached the construct at all (its joins and filters kept none: the data never got there), or some did and none took the outcome; outcomes that could not be measured say why.";
    ShippedTestFailed = "TST001", "shipped-test-failed", Error, Test,
        "A shipped test in `tests/*.sql` failed: an `ASSERT` whose condition is false or NULL, or a singular test (a query) that returned rows. The finding shows the test's message and the first failing rows.\n\nWhy: the project's own tests say the code is wrong on this input (or the test expects what the spec does not say: read both).\n\nExample: `ASSERT (SELECT COUNT(*) FROM temp.stg_customers WHERE email IS NULL) = 0 AS 'every customer has an email'` on data where an email is null.";
    ShippedTestNotRun = "TST002", "shipped-test-not-run", Error, Test,
        "A shipped test could not run: its file does not parse or uses a template specproof cannot evaluate, a statement is of a kind a test file cannot hold, a table it reads does not exist, a model it reads did not run, or DuckDB reported an error. The other tests still run.\n\nWhy: a test that does not run proves nothing, and says nothing about the code.\n\nExample: `SELECT * FROM temp.stg_customer` (a misspelt model name).";
    TestCannotFail = "TST003", "test-cannot-fail", Error, Test,
        "A shipped test reads no table at all: a singular test that returns constants (`SELECT 1`, `SELECT 1 WHERE FALSE`), or an `ASSERT` on a constant (`ASSERT TRUE`, `ASSERT 1 = 1`).\n\nWhy: its outcome is fixed before any data exists; it passes whatever the code does.\n\nExample: `ASSERT (1 = 1) AS 'customers are unique'`.";
    AssertionCommentedOut = "TST004", "assertion-commented-out", Error, Test,
        "A comment in a shipped test holds an assertion: its text parses as an `ASSERT`, or as a query that reads a model.\n\nWhy: a disabled check is a test that cannot fail, and often hides a failure someone silenced.\n\nExample: `-- ASSERT (SELECT COUNT(*) FROM analytics.fact_customer_orders) > 0 AS 'has rows'`.";
    FixtureNotRead = "TST005", "fixture-not-read", Warning, Test,
        "A fixture (`CREATE TEMP TABLE <table> AS …`) fills a table that none of the file's tests reads: not directly, and not through a model the tests read (or a model upstream of it).\n\nWhy: the input the test meant to control does not reach what it checks, so the test runs on something else than its author thought (usually empty tables).\n\nExample: a fixture for `raw.support_tickets` in a file whose only assertion reads `temp.stg_customers`.";
    TestReadsOnlySources = "TST006", "test-reads-only-sources", Error, Test,
        "A shipped test reads source tables only, no model's output and no CTE of a model.\n\nWhy: it checks the input data, not the code; it passes or fails whatever the models do.\n\nExample: `ASSERT (SELECT COUNT(*) FROM raw.crm_customers) > 0`.";
    TestReadsNoModel = "TST007", "test-reads-no-model", Error, Test,
        "A shipped test reads tables, but none of them is a model, a source, or the CTE its file's `-- cte:` header names (only tables the file creates itself, or names the project does not know).\n\nWhy: it cannot tell whether the code is right.\n\nExample: `SELECT * FROM expected WHERE amount < 0` where `expected` is a table the test file fills itself.";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A code as a report writes it (`SPEC003`), for `specproof report merge`.
impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Code, D::Error> {
        let text = String::deserialize(deserializer)?;
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown finding code `{text}`")))
    }
}

/// One thing wrong with the pipeline under test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The check that produced it.
    pub code: Code,
    /// Error or warning (from the code).
    pub severity: Severity,
    /// Whose fault it is (from the code).
    pub subject: Subject,
    /// The model it is about, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Where it is, when that is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Where inside the spec JSON, e.g. `models[0].column_mapping[2].transform`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_path: Option<String>,
    /// What is wrong, in words a reviewer acts on.
    pub message: String,
    /// How to fix it, when there is an obvious way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Rows that show it: a counterexample's input tables, the rows expected and the rows the
    /// code produced. Empty for findings that need no data to be seen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<EvidenceTable>,
}

/// What a table of a finding's evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableRole {
    /// An input table of the counterexample (a source table or an upstream model's output).
    Input,
    /// Rows the spec says the output has, that the code's output lacks.
    Expected,
    /// Rows the code's output has, that the spec's does not.
    Actual,
}

impl TableRole {
    /// `input`, `expected` or `actual`.
    pub fn as_str(self) -> &'static str {
        match self {
            TableRole::Input => "input",
            TableRole::Expected => "expected",
            TableRole::Actual => "actual",
        }
    }
}

/// A small table of rows shown with a finding; values are DuckDB's text form, `None` is NULL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceTable {
    /// What the table is.
    pub role: TableRole,
    /// Its name: the table (`raw.crm_customers`) or the model whose output it is.
    pub name: String,
    /// Column names, in order.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<Option<String>>>,
}

impl Finding {
    /// A finding of `code` with `message`; severity and subject come from the code.
    pub fn new(code: Code, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: code.severity(),
            subject: code.subject(),
            model: None,
            location: None,
            json_path: None,
            message: bounded(message.into(), MAX_MESSAGE_CHARS),
            help: None,
            tables: Vec::new(),
        }
    }

    /// Names the model the finding is about.
    pub fn model(mut self, model: impl Into<String>) -> Finding {
        self.model = Some(model.into());
        self
    }

    /// Places the finding at a JSON path of the spec (resolved to a line later).
    pub fn at_path(mut self, path: impl Into<String>) -> Finding {
        self.json_path = Some(path.into());
        self
    }

    /// Places the finding at a file location.
    pub fn at(mut self, location: Location) -> Finding {
        self.location = Some(location);
        self
    }

    /// Adds a hint on how to fix it.
    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(bounded(help.into(), MAX_MESSAGE_CHARS));
        self
    }

    /// Adds a table of rows that shows the finding, each value shortened to
    /// [`MAX_VALUE_CHARS`] and its control characters escaped.
    pub fn table(mut self, mut table: EvidenceTable) -> Finding {
        for value in table.rows.iter_mut().flatten().flatten() {
            *value = bounded(std::mem::take(value), MAX_VALUE_CHARS);
        }
        self.tables.push(table);
        self
    }

    /// Every message, hint and table value shortened and escaped as [`Finding::new`],
    /// [`Finding::help`] and [`Finding::table`] do: checks that edit a finding's fields after
    /// building it (a note of the seed, a diff as the hint) bypass those.
    pub fn bound(&mut self) {
        self.message = bounded(std::mem::take(&mut self.message), MAX_MESSAGE_CHARS);
        self.help = self.help.take().map(|h| bounded(h, MAX_MESSAGE_CHARS));
        for value in self.tables.iter_mut().flat_map(|t| t.rows.iter_mut()).flatten().flatten() {
            *value = bounded(std::mem::take(value), MAX_VALUE_CHARS);
        }
    }

    /// The order findings are reported in: by file, line, column, then code and message, so
    /// output is the same whatever order the checks ran in.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            self.location.as_ref().map(|l| (&l.file, l.line, l.column)),
            self.code,
            &self.model,
            &self.json_path,
            &self.message,
        )
    }
}

/// Sorts findings into their report order and drops exact duplicates.
pub fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
}

/// The longest value an evidence table keeps, in characters: a row of the code under test may
/// hold a 50 MB string, and every report format would carry it (twice, expected and actual).
pub const MAX_VALUE_CHARS: usize = 200;

/// The longest message or hint a finding keeps, in characters; messages quote DuckDB's errors
/// and shipped tests' text, which the code under test controls.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// `text` with control characters other than newline and tab escaped (`\u{1b}`: code under test
/// must not write terminal escapes into a report), cut to `max` characters with a note of how
/// much was left out.
pub fn bounded(text: String, max: usize) -> String {
    let clean = |c: char| !c.is_control() || c == '\n' || c == '\t';
    let length = text.chars().count();
    if length <= max && text.chars().all(clean) {
        return text;
    }
    let mut out = String::new();
    for c in text.chars().take(max) {
        if clean(c) {
            out.push(c);
        } else {
            out.push_str(&c.escape_unicode().to_string());
        }
    }
    if length > max {
        out.push_str(&format!("… ({} more characters)", length - max));
    }
    out
}

/// `n` and `word`, plural unless `n` is 1: "1 row", "3 rows".
pub fn plural<N: std::fmt::Display + PartialEq + From<u8>>(n: N, word: &str) -> String {
    if n == N::from(1) {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {code}");
            assert!(seen.insert(code.name()), "duplicate name {}", code.name());
            assert_eq!(Code::parse(code.as_str()), Some(*code));
            assert_eq!(Code::parse(&code.name().to_uppercase()), Some(*code));
            assert!(code.doc().contains("Why:"), "{code} doc lacks a why");
            assert!(code.doc().contains("Example:"), "{code} doc lacks an example");
        }
    }

    #[test]
    fn values_are_shortened_and_control_characters_escaped() {
        let table = EvidenceTable {
            role: TableRole::Actual,
            name: "m".into(),
            columns: vec!["v".into()],
            rows: vec![vec![Some("x".repeat(50_000_000))], vec![Some("red\u{1b}[31m\rx".into())], vec![None]],
        };
        let finding = Finding::new(Code::DiffersFromReference, "\u{7}".repeat(5_000)).table(table);
        let rows = &finding.tables[0].rows;
        let long = rows[0][0].as_deref().unwrap_or_default();
        assert!(long.starts_with(&"x".repeat(MAX_VALUE_CHARS)) && long.ends_with("… (49999800 more characters)"));
        assert_eq!(rows[1][0].as_deref(), Some("red\\u{1b}[31m\\u{d}x"));
        assert_eq!(rows[2][0], None);
        assert!(finding.message.starts_with("\\u{7}") && finding.message.ends_with("(1000 more characters)"));
    }

    #[test]
    fn findings_sort_by_place_then_code() {
        let at = |line| Location { file: "spec.json".into(), line, column: 1 };
        let mut findings = vec![
            Finding::new(Code::UnknownColumn, "b").at(at(9)),
            Finding::new(Code::UnknownTable, "a").at(at(2)),
            Finding::new(Code::UnknownTable, "a").at(at(2)),
            Finding::new(Code::DependencyCycle, "c"),
        ];
        sort_findings(&mut findings);
        let order: Vec<_> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(order, ["c", "a", "b"]);
    }
}
