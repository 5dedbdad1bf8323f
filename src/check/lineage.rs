//! The static check: each model's traced code against the spec's meaning.
//!
//! Every finding is placed at the line of the code it is about. The rule throughout is *no false
//! alarms*: a difference is reported only when it is a difference in meaning under every
//! reading; where two forms may mean the same (a filter written in the ON clause of a LEFT join,
//! pre-aggregation in a CTE, `IF` for `CASE`), the check either proves them equal or stays
//! silent and leaves the question to the differential check.

use crate::finding::{Code, Finding, Location};
use crate::project::code::{analyse_file, load_model_code, ModelCode, ProjectTables};
use crate::project::layout::{CodeKind, Project};
use crate::spec::catalog::Catalog;
use crate::spec::model::{Model, Spec};
use crate::spec::resolve::context::{alias_of, target_of, Target};
use crate::spec::resolve::query::{JoinKind, ModelQuery, QCol};
use crate::spec::resolve::{kinds_of, resolve_models_with, ModelKind, Resolution};
use crate::sql::bridge::{to_duckdb, BridgeOptions};
use crate::sql::dialect::Dialect;
use crate::sql::expr::column_refs;
use crate::sql::lineage::{Derivation, FilterPlace, JoinType, Lineage, Pos, SourceColumn};
use crate::sql::parse::parse_expression;
use crate::sql::parse::parse_statements;
use crate::suggest::did_you_mean;
use rayon::prelude::*;
use sqlparser::ast::Expr;
use std::collections::{BTreeMap, BTreeSet};

/// The outcome of the static check over a project.
#[derive(Debug, Clone)]
pub struct CodeCheck {
    /// Each model file, evaluated, parsed and traced, sorted by model.
    pub models: Vec<ModelCode>,
    /// Every finding about the code, sorted.
    pub findings: Vec<Finding>,
}

/// Reads every model file of `project` (in parallel), traces it and compares it with the spec.
pub fn check_project(project: &Project) -> CodeCheck {
    check_with(project, None, None, true)
}

/// [`check_project`] reading the spec's meaning the lint resolved
/// ([`crate::spec::lint::lint_and_resolve`] on the same project) instead of resolving it again.
///
/// `for_run` keeps each model's parsed and translated statements, which only running the code
/// needs; a static check (`validate --no-run`) drops them as soon as a model is checked, so a
/// large project's check holds its lineage and texts, not every syntax tree twice.
pub fn check_project_resolved(project: &Project, resolution: Resolution, for_run: bool) -> CodeCheck {
    check_with(project, None, Some(resolution), for_run)
}

/// The same as [`check_project`] with the files' texts already in memory, in the order of
/// `project.model_files` (benchmarks, generated projects).
pub fn check_project_texts(project: &Project, texts: &[String]) -> CodeCheck {
    check_with(project, Some(texts), None, true)
}

fn check_with(project: &Project, texts: Option<&[String]>, resolution: Option<Resolution>, for_run: bool) -> CodeCheck {
    let spec = &project.spec.spec;
    crate::meter::count(crate::meter::Unit::ModelsRead, project.model_files.len());
    let (tables, queries) = match resolution {
        Some(Resolution { outputs, queries }) => {
            (ProjectTables::with_outputs(spec, &project.catalog, outputs).with_snapshots(project), queries)
        }
        None => {
            let tables = ProjectTables::new(spec, &project.catalog).with_snapshots(project);
            let queries = resolve_models_with(&project.spec, &project.catalog, tables.outputs());
            (tables, queries)
        }
    };
    let mut models: Vec<ModelCode> = project
        .model_files
        .par_iter()
        .enumerate()
        .map(|(i, file)| {
            let mut code = match texts.and_then(|t| t.get(i)) {
                Some(text) => analyse_file(file, text, project.code_dialect, &tables),
                None => load_model_code(file, project.code_dialect, &tables),
            };
            hint_dialect(&mut code, file.kind, project.code_dialect);
            parser_limit(&mut code);
            let index = spec.model_index(&code.model);
            if let Some(mi) = index {
                let found = check_model(&code, spec, &project.catalog, mi, queries[mi].as_ref(), &tables);
                code.findings.extend(found);
            }
            if !for_run {
                code.statements = None;
                code.translated = None;
                code.pre_operations = Vec::new();
                code.post_operations = Vec::new();
            }
            code
        })
        .collect();
    models.sort_by(|a, b| (&a.model, &a.file).cmp(&(&b.model, &b.file)));
    let mut findings: Vec<Finding> = models.iter().flat_map(|m| m.findings.iter().cloned()).collect();
    // An empty models folder is no excuse: every model of the spec without code is an error,
    // so a gate cannot pass on code that is not there.
    findings.extend(coverage(spec, &models, project));
    crate::finding::sort_findings(&mut findings);
    CodeCheck { models, findings }
}

/// DuckDB SQL that DuckDB's own parser reads (`count(*) FILTER (x)`, `INSERT … BY NAME`, a
/// FROM-first subquery) but sqlparser does not: the parser's limit, a finding about the tool
/// (CODE003) in place of CODE001 about the code. The model stays unchecked.
fn parser_limit(code: &mut ModelCode) {
    if code.dialect != Dialect::Duckdb || !code.findings.iter().any(|f| f.code == Code::CodeParse) {
        return;
    }
    let Some(sql) = code.rendered.as_ref().map(|r| r.main.sql.clone()) else { return };
    if !duckdb_parses(&sql) {
        return;
    }
    let Some(first) = code.findings.iter().position(|f| f.code == Code::CodeParse) else { return };
    let parse = code.findings.remove(first);
    code.findings.retain(|f| f.code != Code::CodeParse);
    let why = parse.message.split_once("): ").map_or(parse.message.as_str(), |(_, m)| m).to_string();
    let mut limit = Finding::new(
        Code::NoFaithfulTranslation,
        format!("DuckDB reads this SQL, but specproof's SQL parser does not ({why}), so the model is not checked"),
    )
    .model(&code.model)
    .help("a limit of specproof's parser, not a defect of the code; a plainer spelling of the same SQL is checked");
    limit.location = parse.location;
    code.findings.push(limit);
}

/// Whether DuckDB's own parser reads `sql`: preparing it in a sandboxed, empty database fails
/// with a `Parser Error` exactly when it does not (a missing table is the binder's error, after
/// parsing; several statements are refused after parsing them all). Nothing runs.
fn duckdb_parses(sql: &str) -> bool {
    let Ok(engine) = crate::engine::Engine::open(&crate::engine::EngineConfig::default()) else { return false };
    match engine.connection().prepare(sql) {
        Ok(_) => true,
        Err(error) => !error.to_string().contains("Parser Error"),
    }
}

/// A `.sql` file read as BigQuery that does not parse or names types BigQuery lacks, but reads
/// cleanly as DuckDB SQL, most likely is DuckDB SQL and the project forgot to say so: its findings say how. Only
/// a help line is added; the findings stand, since the file is not what the project declares.
fn hint_dialect(code: &mut ModelCode, kind: CodeKind, dialect: Dialect) {
    let stuck = |f: &Finding| matches!(f.code, Code::CodeParse | Code::NoFaithfulTranslation);
    // The signs of DuckDB SQL read as BigQuery: it does not parse, or it names types BigQuery
    // does not have. An untranslatable BigQuery function alone is no sign: it would read as
    // DuckDB too.
    let sign = |f: &Finding| {
        f.code == Code::CodeParse || (f.code == Code::NoFaithfulTranslation && f.message.contains("type `"))
    };
    if kind != CodeKind::Sql || dialect != Dialect::Bigquery || !code.findings.iter().any(sign) {
        return;
    }
    let Some(rendered) = &code.rendered else { return };
    let reads_as_duckdb = parse_statements(&rendered.main.sql, Dialect::Duckdb).is_ok_and(|mut statements| {
        to_duckdb(&mut statements, &BridgeOptions { from: Dialect::Duckdb, catalog: None }).is_empty()
    });
    if !reads_as_duckdb {
        return;
    }
    let hint = "this file reads as DuckDB SQL: if the project's .sql models are DuckDB SQL, pass \
                --dialect duckdb (or set `dialect = \"duckdb\"` in specproof.toml)";
    for finding in code.findings.iter_mut().filter(|f| stuck(f)) {
        finding.help = Some(match finding.help.take() {
            Some(help) => format!("{help}\n{hint}"),
            None => hint.to_string(),
        });
    }
}

/// Spec models without code, and code files that name no model.
fn coverage(spec: &Spec, models: &[ModelCode], project: &Project) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Sets, not a scan of the other list per name: quadratic in the models otherwise.
    let with_code: std::collections::HashSet<&str> = models.iter().map(|m| m.model.as_str()).collect();
    for model in &spec.models {
        if !with_code.contains(model.name.as_str()) {
            let folder = crate::project::layout::display(&project.paths.models);
            findings.push(
                Finding::new(Code::ModelWithoutCode, format!("model `{}` has no code file in {folder}", model.name))
                    .model(&model.name)
                    .help(format!("add {folder}/{}.sqlx or {folder}/{}.sql", model.name, model.name)),
            );
        }
    }
    for code in models {
        let not_a_model = code.rendered.as_ref().and_then(|r| r.config.as_ref()).and_then(|c| c.kind.as_deref());
        if matches!(not_a_model, Some("declaration" | "assertion")) {
            continue;
        }
        if spec.model_index(&code.model).is_none() {
            let names = spec.models.iter().map(|m| m.name.as_str());
            let mut f = Finding::new(
                Code::NoCodeForModel,
                format!("`{}` implements no model of the spec (the file name is the model name)", code.file),
            )
            .at(Location { file: code.file.clone(), line: 1, column: 1 });
            f.help = did_you_mean(&code.model, names).map(|s| format!("did you mean `{s}`?"));
            findings.push(f);
        }
    }
    findings
}

struct Ctx<'a> {
    code: &'a ModelCode,
    lineage: &'a Lineage,
    model: &'a Model,
    findings: Vec<Finding>,
}

impl Ctx<'_> {
    fn report(&mut self, code: Code, pos: Pos, message: String) -> &mut Finding {
        let at = self.code.locate(pos.line, pos.column);
        self.findings.push(Finding::new(code, message).model(&self.model.name).at(at));
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }
}

/// Compares one model's code with its spec.
pub fn check_model(
    code: &ModelCode,
    spec: &Spec,
    catalog: &Catalog,
    mi: usize,
    query: Option<&ModelQuery>,
    tables: &ProjectTables<'_>,
) -> Vec<Finding> {
    let Some(lineage) = &code.lineage else { return Vec::new() };
    let model = &spec.models[mi];
    let mut ctx = Ctx { code, lineage, model, findings: Vec::new() };
    let keys = source_keys(spec, catalog, model);

    names(&mut ctx, &keys, tables, code);
    // Structure is only compared when every name resolved: otherwise the trace is partial and
    // a difference could be an artefact of what is unknown.
    if !ctx.findings.is_empty() || !lineage.complete {
        return ctx.findings;
    }
    let kinds = kinds_of(model);
    let expected = expected_outputs(spec, tables, mi, &kinds);
    outputs(&mut ctx, &expected);
    if kinds.as_slice() == [ModelKind::Scd2] {
        scd2_columns(&mut ctx, tables, &keys);
    }
    if let (Some(q), [ModelKind::Mapping] | [ModelKind::Aggregate]) = (query, kinds.as_slice()) {
        if q.incomplete {
            return ctx.findings;
        }
        let key_of = |i: usize| keys.get(&q.relations[i].alias.to_ascii_lowercase()).cloned().unwrap_or_default();
        let sc = |(i, c): &QCol| SourceColumn { table: key_of(*i), column: c.clone() };
        let mut classes = Classes::default();
        for join in &q.joins {
            for (a, b) in &join.equalities {
                classes.union(&sc(a), &sc(b));
            }
        }
        column_reads(&mut ctx, q, &sc, &classes);
        joins(&mut ctx, q, &key_of, &sc, (catalog, spec.dialect));
        filters(&mut ctx, spec, q, &keys);
        grouping(&mut ctx, q, &sc, classes, spec, catalog);
    }
    ctx.findings
}

/// Each source entry's alias (lowercase) → the table key lineage uses for it.
fn source_keys(spec: &Spec, catalog: &Catalog, model: &Model) -> BTreeMap<String, String> {
    model
        .sources
        .iter()
        .filter_map(|entry| {
            let key = match target_of(spec, catalog, entry) {
                Target::Table(name) => name,
                Target::Model(i) => spec.models[i].name.clone(),
                Target::Unknown => return None,
            };
            Some((alias_of(entry).to_ascii_lowercase(), key))
        })
        .collect()
}

/// Unknown tables, tables that are not the model's sources, unknown columns.
fn names(ctx: &mut Ctx<'_>, keys: &BTreeMap<String, String>, tables: &ProjectTables<'_>, code: &ModelCode) {
    let lineage = ctx.lineage;
    for used in &lineage.tables {
        match &used.table {
            None => {
                let known = tables.known_names();
                let hint = did_you_mean(&used.written, known.iter().map(String::as_str)).map(str::to_string);
                let message = format!("`{}` is not a source table or a model of the spec", used.written);
                ctx.report(Code::CodeUnknownTable, used.pos, message).help =
                    Some(hint.map_or_else(|| sources_help(keys), |h| format!("did you mean `{h}`?")));
            }
            Some(key) if key == &code.model || keys.values().any(|k| k == key) => {}
            Some(key) => {
                let message = format!("`{}` is not among the model's sources in the spec", key);
                ctx.report(Code::CodeUnknownTable, used.pos, message).help = Some(sources_help(keys));
            }
        }
    }
    for unknown in &lineage.unknown_columns {
        let message = format!("`{}` is not a column of any table in scope", unknown.written);
        ctx.report(Code::CodeUnknownColumn, unknown.pos, message).help =
            unknown.suggestion.as_ref().map(|s| format!("did you mean `{s}`?"));
    }
}

fn sources_help(keys: &BTreeMap<String, String>) -> String {
    let list: Vec<&str> = keys.values().map(String::as_str).collect();
    format!("the model's sources are: {}", list.join(", "))
}

/// The spec's output column names, in order.
fn expected_outputs(spec: &Spec, tables: &ProjectTables<'_>, mi: usize, kinds: &[ModelKind]) -> Option<Vec<String>> {
    let model = &spec.models[mi];
    match kinds {
        [ModelKind::Mapping] => Some(model.column_mapping.iter().map(|c| c.target_column.clone()).collect()),
        [ModelKind::Aggregate] => Some(
            model.group_by.iter().cloned().chain(model.aggregations.iter().map(|a| a.metric_column.clone())).collect(),
        ),
        [ModelKind::Scd2] => tables.outputs()[mi].as_ref().map(|r| r.columns.iter().map(|c| c.name.clone()).collect()),
        _ => None,
    }
}

/// An SCD2 model copies its source's columns: each must come from the source column of the
/// same name (an INSERT whose columns are in another order swaps values silently).
fn scd2_columns(ctx: &mut Ctx<'_>, tables: &ProjectTables<'_>, keys: &BTreeMap<String, String>) {
    let lineage = ctx.lineage;
    let Some(entry) = ctx.model.sources.first() else { return };
    let Some(source) = keys.get(&alias_of(entry).to_ascii_lowercase()).cloned() else { return };
    let Some(info) = crate::sql::lineage::Tables::lookup(tables, std::slice::from_ref(&source)) else { return };
    for column in &info.columns {
        let Some(out) = lineage.outputs.iter().find(|o| o.name.eq_ignore_ascii_case(column)) else { continue };
        let expected = SourceColumn { table: source.clone(), column: column.to_ascii_lowercase() };
        if !out.reads.is_empty() && !out.reads.contains(&expected) {
            let got: Vec<String> = out.reads.iter().map(ToString::to_string).collect();
            let message = format!("`{}` is filled from {}; an SCD2 model copies {expected}", out.name, got.join(", "));
            ctx.report(Code::WrongSourceColumn, out.pos, message);
        }
    }
}

fn outputs(ctx: &mut Ctx<'_>, expected: &Option<Vec<String>>) {
    let Some(expected) = expected else { return };
    let lineage = ctx.lineage;
    let has = |list: &[String], name: &str| list.iter().any(|n| n.eq_ignore_ascii_case(name));
    let actual: Vec<String> = lineage.outputs.iter().map(|o| o.name.clone()).collect();
    let at = lineage.output_pos.unwrap_or_default();
    for name in expected {
        if !has(&actual, name) {
            let hint = did_you_mean(name, actual.iter().map(String::as_str))
                .map(|s| format!("`{s}` is output instead; rename it?"));
            ctx.report(
                Code::MissingOutputColumn,
                at,
                format!("the output has no column `{name}`, which the spec lists"),
            )
            .help = hint;
        }
    }
    for out in &lineage.outputs {
        if !has(expected, &out.name) {
            let message = format!("the output has a column `{}` the spec does not list", out.name);
            ctx.report(Code::ExtraOutputColumn, out.pos, message).help =
                Some(format!("the spec's columns are: {}", expected.join(", ")));
        }
    }
}

/// Equivalence classes of source columns that inner joins make equal (union-find by name).
#[derive(Default, Clone)]
struct Classes {
    parent: BTreeMap<SourceColumn, SourceColumn>,
}

impl Classes {
    fn find(&self, c: &SourceColumn) -> SourceColumn {
        let mut c = c.clone();
        while let Some(p) = self.parent.get(&c) {
            if *p == c {
                break;
            }
            c = p.clone();
        }
        c
    }

    fn union(&mut self, a: &SourceColumn, b: &SourceColumn) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (root, child) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent.insert(child, root);
        }
    }

    /// Every column in the class of `c`, `c` included.
    fn members(&self, c: &SourceColumn) -> Vec<SourceColumn> {
        let root = self.find(c);
        let mut all: Vec<SourceColumn> = self.parent.keys().filter(|k| self.find(k) == root).cloned().collect();
        for extra in [c.clone(), root] {
            if !all.contains(&extra) {
                all.push(extra);
            }
        }
        all
    }

    fn canon(&self, set: &BTreeSet<SourceColumn>) -> BTreeSet<SourceColumn> {
        set.iter().map(|c| self.find(c)).collect()
    }
}

fn column_reads(ctx: &mut Ctx<'_>, q: &ModelQuery, sc: &dyn Fn(&QCol) -> SourceColumn, join_classes: &Classes) {
    let lineage = ctx.lineage;
    // Only inner joins make two columns interchangeable in a value (a LEFT join's right key
    // is null where the left one is not).
    let mut inner = Classes::default();
    for join in q.joins.iter().filter(|j| j.kind == JoinKind::Inner) {
        for (a, b) in &join.equalities {
            inner.union(&sc(a), &sc(b));
        }
    }
    // Columns that are certainly not null on every row the model reads: declared NOT NULL and
    // on no outer join's null-extended side.
    let not_null =
        |(i, c): &QCol| !q.outer_nullable.contains(i) && q.relations[*i].column(c).is_some_and(|col| !col.nullable);
    let not_null_source = |c: &SourceColumn| {
        (0..q.relations.len()).any(|i| sc(&(i, c.column.clone())) == *c && not_null(&(i, c.column.clone())))
    };
    // Columns the spec's joins or the code's equate.
    let mut merged = join_classes.clone();
    for edge in &lineage.joins {
        for (a, b) in &edge.equalities {
            merged.union(a, b);
        }
    }
    for spec_out in &q.outputs {
        let Some(out) = lineage.outputs.iter().find(|o| o.name.eq_ignore_ascii_case(&spec_out.name)) else {
            continue;
        };
        let expected: BTreeSet<SourceColumn> = spec_out.reads.iter().map(|(c, _)| sc(c)).collect();
        // `COUNT(*)` or a literal reads nothing; `COUNT(order_id)` may mean the same.
        if expected.is_empty() {
            continue;
        }
        if inner.canon(&expected) == inner.canon(&out.reads) {
            continue;
        }
        // The reads whose value can change the result: `COUNT(key)` over a NOT NULL key is
        // `COUNT(*)`, so `AVG(x)` may well be the spec's `SAFE_DIVIDE(SUM(x), COUNT(key))`.
        let essential: BTreeSet<SourceColumn> =
            essential_reads(q, spec_out, &not_null).map_or_else(|| expected.clone(), |e| e.iter().map(sc).collect());
        // A column the code reads only to pick a set operation's branch (the spec's CASE
        // condition as the branches' WHERE) is read all the same.
        let read_or_guard: BTreeSet<SourceColumn> = out.reads.union(&out.guards).cloned().collect();
        let missing: BTreeSet<SourceColumn> =
            inner.canon(&essential).difference(&inner.canon(&read_or_guard)).cloned().collect();
        // A NOT NULL column the code reads and the spec does not may be read where its value
        // cannot matter (`COUNT(key)`, `key IS NOT NULL`): no proof of a difference.
        // Nor is a column a join equates with one the spec reads: a USING column of a LEFT
        // join reads both sides, and is the left one's value wherever that is set.
        let joined_to_expected = |c: &SourceColumn| {
            let root = merged.find(c);
            expected.iter().any(|e| merged.find(e) == root)
        };
        let extra: BTreeSet<SourceColumn> = inner
            .canon(&out.reads)
            .difference(&inner.canon(&expected))
            .filter(|c| !inner.members(c).iter().any(|m| not_null_source(m) || joined_to_expected(m)))
            .cloned()
            .collect();
        if missing.is_empty() && extra.is_empty() {
            continue;
        }
        let show = |set: &BTreeSet<SourceColumn>| {
            if set.is_empty() {
                "no column".to_string()
            } else {
                set.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            }
        };
        if expected.len() == 1 && out.reads.len() == 1 {
            let message = format!(
                "`{}` is derived from {}; the spec derives it from {}",
                out.name,
                show(&out.reads),
                show(&expected)
            );
            ctx.report(Code::WrongSourceColumn, out.pos, message);
        } else {
            let mut parts = Vec::new();
            if !missing.is_empty() {
                parts.push(format!("does not read {}", show(&missing)));
            }
            if !extra.is_empty() {
                parts.push(format!("also reads {}", show(&extra)));
            }
            let message =
                format!("`{}` {}; the spec's expression reads {}", out.name, parts.join(" and "), show(&expected));
            ctx.report(Code::TransformReadsDiffer, out.pos, message);
        }
    }
}

/// The columns of a spec output's expression whose value can change its result, given what the
/// sources declare NOT NULL: `COUNT(c)` counts rows, `c IS NULL` is constant, and
/// `COALESCE(c, …)` / `IFNULL(c, …)` is `c`, when `c` is never null. `None` when the expression
/// cannot be read that way (no expression, or a reference that does not resolve).
fn essential_reads(
    q: &ModelQuery,
    out: &crate::spec::resolve::query::OutputColumn,
    not_null: &dyn Fn(&QCol) -> bool,
) -> Option<BTreeSet<QCol>> {
    use crate::spec::resolve::context::{resolve_ref, RefResolution};
    use sqlparser::ast::{FunctionArg, FunctionArgExpr, FunctionArguments, Value};
    let mut expr = out.expr.clone()?;
    let relations: Vec<&crate::spec::resolve::context::Relation> = q.relations.iter().collect();
    let resolve = |e: &Expr| -> Option<QCol> {
        let refs = column_refs(e);
        let [r] = refs.as_slice() else { return None };
        if !matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
            return None;
        }
        if r.qualifier.is_none() && r.column == crate::spec::resolve::query::FROM_IDENT {
            return out.from.clone();
        }
        match resolve_ref(&relations, r) {
            RefResolution::Found { index, column } => Some((index, column.to_ascii_lowercase())),
            _ => None,
        }
    };
    let never_null = |e: &Expr| resolve(e).is_some_and(|c| not_null(&c));
    let constant = || Expr::value(Value::Number("0".into(), false));
    let _ = sqlparser::ast::visit_expressions_mut(&mut expr, |e| {
        let replacement = match &*e {
            Expr::IsNull(inner) | Expr::IsNotNull(inner) if never_null(inner) => Some(constant()),
            Expr::Function(f) => {
                let name = f.name.to_string().to_ascii_uppercase();
                let args: Option<(bool, Vec<&Expr>)> = match &f.args {
                    FunctionArguments::List(list) => list
                        .args
                        .iter()
                        .map(|a| match a {
                            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                            _ => None,
                        })
                        .collect::<Option<Vec<&Expr>>>()
                        .map(|args| (list.duplicate_treatment.is_some(), args)),
                    _ => None,
                };
                match (name.as_str(), args) {
                    ("COUNT", Some((false, args))) if args.len() == 1 && never_null(args[0]) && f.filter.is_none() => {
                        Some(constant())
                    }
                    // `COUNT(DISTINCT k)` can be counted as rows after grouping by `k` upstream
                    // (a pre-aggregation CTE): the code need not read `k` in the output.
                    ("COUNT", Some((true, args))) if args.len() == 1 && f.filter.is_none() => Some(constant()),
                    ("COALESCE" | "IFNULL" | "NVL", Some((_, args))) if args.first().is_some_and(|a| never_null(a)) => {
                        args.first().map(|a| (*a).clone())
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(replacement) = replacement {
            *e = replacement;
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    let mut reads = BTreeSet::new();
    for r in column_refs(&expr) {
        if r.qualifier.is_none() && r.column == crate::spec::resolve::query::FROM_IDENT {
            reads.insert(out.from.clone()?);
            continue;
        }
        match resolve_ref(&relations, &r) {
            RefResolution::Found { index, column } => {
                reads.insert((index, column.to_ascii_lowercase()));
            }
            _ => return None,
        }
    }
    Some(reads)
}

/// A join the spec's meaning implies, between relations of the model.
struct ExpectedJoin {
    left: usize,
    right: usize,
    kind: JoinKind,
    equalities: Vec<(QCol, QCol)>,
    /// Columns the spec's condition equates to an expression (`UPPER(a.code) = b.code`): code
    /// that writes a plain equality there may mean the same (the expression can be a no-op on
    /// the data), so a column pair on them is no proof of a difference.
    loose: Vec<QCol>,
}

fn code_join_type(kind: JoinKind) -> JoinType {
    match kind {
        JoinKind::Left => JoinType::Left,
        JoinKind::Inner => JoinType::Inner,
        JoinKind::Right => JoinType::Right,
        JoinKind::Full => JoinType::Full,
    }
}

/// The joins the spec's meaning implies: its `joins`, or for an aggregate model without joins,
/// each other metric source's groups LEFT-joined onto the driving source's on the group-by
/// columns.
fn expected_joins(q: &ModelQuery) -> Vec<ExpectedJoin> {
    if !q.per_source_metrics {
        return q
            .joins
            .iter()
            .map(|j| ExpectedJoin {
                left: j.left,
                right: j.right,
                kind: j.kind,
                equalities: j.equalities.clone(),
                loose: j.derived.iter().map(|(_, c)| c.clone()).collect(),
            })
            .collect();
    }
    let Some(grouped) = &q.grouped else { return Vec::new() };
    let driving = 0;
    (1..q.relations.len())
        .map(|other| {
            let pairs = grouped
                .iter()
                .filter(|(_, c)| q.relations[other].column(c).is_some())
                .map(|(_, c)| ((driving, c.clone()), (other, c.clone())))
                .collect();
            ExpectedJoin { left: driving, right: other, kind: JoinKind::Left, equalities: pairs, loose: Vec::new() }
        })
        .collect()
}

/// True when every row of the join's left side finds a match, so INNER and LEFT keep the same
/// rows: the join equates exactly a declared foreign key's columns (NOT NULL, on no
/// null-extended side) with the columns it references, and the spec filters the joined table
/// before the join nowhere.
fn every_row_matches(
    model: &Model,
    q: &ModelQuery,
    join: &ExpectedJoin,
    key_of: &dyn Fn(usize) -> String,
    (catalog, dialect): (&Catalog, crate::sql::dialect::Dialect),
) -> bool {
    let (left, right) = (&q.relations[join.left], &q.relations[join.right]);
    if q.outer_nullable.contains(&join.left) || !join.loose.is_empty() {
        return false;
    }
    // The condition is the equalities and nothing else (`AND b.kind = 'x'` drops matches).
    let condition = model
        .joins
        .iter()
        .find(|j| q.index(j.right_table.trim()) == Some(join.right))
        .and_then(|j| parse_expression(&j.condition, dialect).ok());
    if condition.is_none_or(|c| spec_conjuncts(&c).len() != join.equalities.len()) {
        return false;
    }
    let filtered = model.filters.iter().any(|f| {
        f.predicate.as_deref().is_some_and(|p| !p.trim().is_empty())
            && f.applies_to.as_deref().is_some_and(|t| q.index(t.trim()) == Some(join.right))
    });
    if filtered {
        return false;
    }
    let Some(table) = catalog.get(&key_of(join.left)) else { return false };
    let right_key = key_of(join.right);
    table.table.foreign_keys.iter().any(|fk| {
        if !fk.references.trim().eq_ignore_ascii_case(&right_key) || fk.columns.len() != join.equalities.len() {
            return false;
        }
        fk.columns.iter().zip(&fk.referenced_columns).all(|(c, r)| {
            let (c, r) = ((join.left, c.to_ascii_lowercase()), (join.right, r.to_ascii_lowercase()));
            let equated = join.equalities.iter().any(|(a, b)| (a == &c && b == &r) || (a == &r && b == &c));
            equated && left.column(&c.1).is_some_and(|col| !col.nullable) && right.column(&r.1).is_some()
        })
    })
}

fn joins(
    ctx: &mut Ctx<'_>,
    q: &ModelQuery,
    key_of: &dyn Fn(usize) -> String,
    sc: &dyn Fn(&QCol) -> SourceColumn,
    (catalog, dialect): (&Catalog, crate::sql::dialect::Dialect),
) {
    let lineage = ctx.lineage;
    for join in expected_joins(q) {
        let (left, right) = (key_of(join.left), key_of(join.right));
        let found = lineage.joins.iter().find_map(|edge| {
            if edge.right.contains(&right) && edge.left.contains(&left) {
                Some((edge, edge.kind))
            } else if edge.left.contains(&right) && edge.right.contains(&left) {
                let flipped = match edge.kind {
                    JoinType::Left => JoinType::Right,
                    JoinType::Right => JoinType::Left,
                    other => other,
                };
                Some((edge, flipped))
            } else {
                None
            }
        });
        let Some((edge, kind)) = found else { continue };
        // A CROSS join takes its condition from the WHERE (`CROSS JOIN c WHERE c.k = o.k` is an
        // INNER join), and a semi, anti or as-of join is none the spec names: what rows they keep
        // is left to execution.
        if matches!(edge.kind, JoinType::Cross | JoinType::Other) {
            continue;
        }
        let wanted = code_join_type(join.kind);
        let same_rows = matches!((kind, wanted), (JoinType::Inner, JoinType::Left) | (JoinType::Left, JoinType::Inner))
            && every_row_matches(ctx.model, q, &join, key_of, (catalog, dialect));
        // `LEFT JOIN c … WHERE c.x = 1`: the WHERE drops the rows the LEFT JOIN kept without a
        // match (their c.x is NULL), so the rows are an INNER join's; likewise for the side a
        // RIGHT join (the spec's LEFT written from the other table) or a FULL join makes null.
        let rejects = |table: &str| rejects_nulls_of(lineage, table, ctx.code.dialect);
        let same_rows = same_rows || effective_join(kind, &|| rejects(&left), &|| rejects(&right)) == wanted;
        if kind != wanted && !same_rows {
            let message = format!(
                "`{right}` is joined with {} JOIN; the spec joins it with {} JOIN",
                kind.keyword(),
                wanted.keyword()
            );
            ctx.report(Code::JoinTypeDiffers, edge.pos, message);
        }
        if edge.opaque_condition {
            continue;
        }
        let pair = |a: SourceColumn, b: SourceColumn| if a <= b { (a, b) } else { (b, a) };
        let expected: BTreeSet<_> = join.equalities.iter().map(|(a, b)| pair(sc(a), sc(b))).collect();
        let loose: BTreeSet<SourceColumn> = join.loose.iter().map(sc).collect();
        let actual: BTreeSet<_> = edge
            .equalities
            .iter()
            .map(|(a, b)| pair(a.clone(), b.clone()))
            .filter(|p| expected.contains(p) || !(loose.contains(&p.0) || loose.contains(&p.1)))
            .collect();
        if !expected.is_empty() && expected != actual {
            let show = |set: &BTreeSet<(SourceColumn, SourceColumn)>| {
                set.iter().map(|(a, b)| format!("{a} = {b}")).collect::<Vec<_>>().join(" AND ")
            };
            let message = format!(
                "the join to `{right}` matches on {}; the spec matches on {}",
                if actual.is_empty() { "no column equality".to_string() } else { show(&actual) },
                show(&expected)
            );
            ctx.report(Code::JoinConditionDiffers, edge.condition_pos, message);
        }
    }
}

/// The join a code join of type `kind` amounts to after a WHERE that drops the rows whose left
/// (`rejects_left`) or right (`rejects_right`) side is NULL: a LEFT join whose joined side must
/// be set is an INNER one, a FULL join whose left side must be set a LEFT one, and so on.
fn effective_join(kind: JoinType, rejects_left: &dyn Fn() -> bool, rejects_right: &dyn Fn() -> bool) -> JoinType {
    let keeps_unmatched_left = matches!(kind, JoinType::Left | JoinType::Full) && !rejects_right();
    let keeps_unmatched_right = matches!(kind, JoinType::Right | JoinType::Full) && !rejects_left();
    match (kind, keeps_unmatched_left, keeps_unmatched_right) {
        (JoinType::Left | JoinType::Right | JoinType::Full, false, false) => JoinType::Inner,
        (JoinType::Left | JoinType::Right | JoinType::Full, true, false) => JoinType::Left,
        (JoinType::Left | JoinType::Right | JoinType::Full, false, true) => JoinType::Right,
        _ => kind,
    }
}

/// Whether a WHERE conjunct of the code reads only `table`'s columns and is false or NULL when
/// they are NULL (`c.x = 1`, `c.x IN (…)`, `c.flag`, `c.x IS NOT NULL`): past it, no row of an
/// outer join that found no `table` row is left. A WHERE at any level counts (one in an
/// `EXISTS` on `table` can make every row find its match): where one is found, the question is
/// left to execution.
fn rejects_nulls_of(
    lineage: &crate::sql::lineage::Lineage,
    table: &str,
    dialect: crate::sql::dialect::Dialect,
) -> bool {
    lineage.filters.iter().any(|f| {
        matches!(f.place, FilterPlace::Where { .. })
            && !f.reads.is_empty()
            && f.reads.iter().all(|c| c.table == table)
            && crate::sql::parse::parse_expression(&f.text, dialect).is_ok_and(|e| null_rejecting(&e))
    })
}

/// A condition that is not true when every column it reads is NULL, as far as its form shows:
/// a bare boolean column, or a conjunct that compares a bare column.
fn null_rejecting(expr: &Expr) -> bool {
    let mut inner = expr;
    while let Expr::Nested(e) = inner {
        inner = e;
    }
    matches!(inner, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
        || !crate::spec::resolve::query::null_rejected(inner).is_empty()
}

/// Top-level AND conjuncts, through parentheses.
fn spec_conjuncts(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::BinaryOp { left, op: sqlparser::ast::BinaryOperator::And, right } => {
            let mut all = spec_conjuncts(left);
            all.extend(spec_conjuncts(right));
            all
        }
        Expr::Nested(inner) => spec_conjuncts(inner),
        other => vec![other],
    }
}

/// The spec's filters, each as the set of source columns it reads and the table it restricts
/// before the join (`None` for a filter after the joins).
fn spec_filters(
    spec: &Spec,
    model: &Model,
    q: &ModelQuery,
    keys: &BTreeMap<String, String>,
) -> Vec<(String, BTreeSet<SourceColumn>, Option<String>)> {
    let mut out = Vec::new();
    for filter in &model.filters {
        let Some(predicate) = filter.predicate.as_deref().map(str::trim).filter(|p| !p.is_empty()) else { continue };
        let Ok(expr) = parse_expression(predicate, spec.dialect) else { continue };
        let target = filter.applies_to.as_deref().map(str::trim).and_then(|t| q.index(t));
        // Each conjunct is a filter of its own, as the code's WHERE is read: `A AND (B OR C)`
        // is met by code that writes the same conjuncts.
        let parts = spec_conjuncts(&expr);
        let whole = parts.len() == 1;
        for part in parts {
            let mut reads = BTreeSet::new();
            for r in column_refs(part) {
                let relation = match (&r.qualifier, target) {
                    (Some(qualifier), _) => q.index(alias_of(qualifier)),
                    (None, Some(t)) => Some(t),
                    (None, None) => {
                        let hits: Vec<usize> =
                            (0..q.relations.len()).filter(|&i| q.relations[i].column(&r.column).is_some()).collect();
                        (hits.len() == 1).then(|| hits[0])
                    }
                };
                let Some(i) = relation else { return Vec::new() };
                let Some(key) = keys.get(&q.relations[i].alias.to_ascii_lowercase()) else { return Vec::new() };
                reads.insert(SourceColumn { table: key.clone(), column: r.column.to_ascii_lowercase() });
            }
            let before = target.and_then(|t| keys.get(&q.relations[t].alias.to_ascii_lowercase()).cloned());
            let text = if whole { predicate.to_string() } else { part.to_string() };
            out.push((text, reads, before));
        }
    }
    out
}

/// True for a spec filter `c IS NOT NULL` whose column is declared NOT NULL (and, for a filter
/// after the joins, is on no null-extended side).
fn always_true(spec: &Spec, q: &ModelQuery, predicate: &str, before_join: bool) -> bool {
    let Ok(Expr::IsNotNull(inner)) = parse_expression(predicate, spec.dialect) else { return false };
    if !matches!(*inner, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
        return false;
    }
    let refs = column_refs(&inner);
    let [r] = refs.as_slice() else { return false };
    // An unqualified name may be any relation's that has it (the filter's own table among
    // them): it holds when it holds for each.
    let candidates: Vec<usize> = (0..q.relations.len())
        .filter(|&i| r.qualifier.as_deref().is_none_or(|t| q.relations[i].alias.eq_ignore_ascii_case(t)))
        .filter(|&i| q.relations[i].column(&r.column).is_some())
        .collect();
    !candidates.is_empty()
        && candidates.iter().all(|&i| {
            (before_join || !q.outer_nullable.contains(&i))
                && q.relations[i].column(&r.column).is_some_and(|c| !c.nullable)
        })
}

fn filters(ctx: &mut Ctx<'_>, spec: &Spec, q: &ModelQuery, keys: &BTreeMap<String, String>) {
    let lineage = ctx.lineage;
    let model = ctx.model;
    // Tables the spec's joins can make null: a filter on them after the join is not the same
    // as before it.
    let null_extended: BTreeSet<String> = q
        .outer_nullable
        .iter()
        .filter_map(|&i| keys.get(&q.relations[i].alias.to_ascii_lowercase()).cloned())
        .collect();
    for (predicate, reads, before) in spec_filters(spec, model, q, keys) {
        if reads.is_empty() {
            continue;
        }
        let matches: Vec<_> = lineage.filters.iter().filter(|f| f.reads == reads).collect();
        // A table the spec joins INNER that the code LEFT-joins and then filters on (a WHERE
        // that is not true on NULL): the code's join is an inner one, and its WHERE a filter
        // before it.
        let inner_in_effect =
            |table: &String| !null_extended.contains(table) && rejects_nulls_of(lineage, table, ctx.code.dialect);
        let applied = |f: &&crate::sql::lineage::FilterUse| match (&f.place, &before) {
            // In the ON of an outer join, a conjunct on the side the join can make null only
            // decides which of its rows match: the same as filtering that side before the join
            // (LEFT: the joined relation; RIGHT: what is joined before it). On the side the join
            // keeps, or on either side of a FULL join, the rows it fails stay, unmatched.
            (FilterPlace::On { join: JoinType::Left, right_only, .. }, _) => *right_only,
            (FilterPlace::On { join: JoinType::Right, left_only, .. }, _) => *left_only,
            (FilterPlace::On { join: JoinType::Full, .. }, _) => false,
            (FilterPlace::On { .. }, _) => true,
            (FilterPlace::Where { null_extended: code_null, .. }, Some(table)) => {
                !code_null.contains(table) || inner_in_effect(table)
            }
            (FilterPlace::Where { .. }, None) | (FilterPlace::AfterGrouping, None) => true,
            (FilterPlace::AfterGrouping, Some(_)) => false,
        };
        if matches.iter().any(applied) {
            continue;
        }
        // A code filter that also reads other columns may hold the spec's in a form the check
        // cannot take apart (`NOT (a <= 0 OR b IS NULL)` for two spec filters): no proof.
        if lineage.filters.iter().filter(|f| f.reads.is_superset(&reads) && f.reads != reads).any(|f| applied(&f)) {
            continue;
        }
        // `c IS NOT NULL` on a column declared NOT NULL, read where no outer join nulls it,
        // holds on every row: code that leaves it out means the same.
        if always_true(spec, q, &predicate, before.is_some()) {
            continue;
        }
        let late = matches
            .iter()
            .find(|f| matches!(&f.place, FilterPlace::Where { null_extended, .. } if before.as_ref().is_some_and(|t| null_extended.contains(t))));
        match (late, &before) {
            (Some(f), Some(table)) if null_extended.contains(table) => {
                let message = format!(
                    "`{}` filters `{table}` after it is LEFT-joined; the spec filters it before the join (`{predicate}`), which keeps the left rows whose match is filtered away",
                    f.text
                );
                ctx.report(Code::FilterAfterJoin, f.pos, message).help = Some(format!(
                    "move the condition into the join's ON clause, or filter `{table}` in a CTE before joining it"
                ));
            }
            _ => {
                let place = before
                    .as_ref()
                    .and_then(|t| lineage.tables.iter().find(|u| u.table.as_deref() == Some(t.as_str())))
                    .map(|u| u.pos)
                    .or(lineage.output_pos)
                    .unwrap_or_default();
                let target = before.as_deref().map_or("the joined rows".to_string(), |t| format!("`{t}`"));
                let message = format!("the spec's filter `{predicate}` on {target} is not applied");
                ctx.report(Code::FilterMissing, place, message);
            }
        }
    }
}

fn grouping(
    ctx: &mut Ctx<'_>,
    q: &ModelQuery,
    sc: &dyn Fn(&QCol) -> SourceColumn,
    classes: Classes,
    spec: &Spec,
    catalog: &Catalog,
) {
    let lineage = ctx.lineage;
    let Some(grouped) = &q.grouped else {
        // Grouping by a declared key of a table the level reads (`GROUP BY course_id` over the
        // courses, the rest taken with ANY_VALUE) keeps one row per row of that table: a
        // de-duplication that can be a no-op. Execution tells whether rows are lost.
        let by_declared_key = |g: &&crate::sql::lineage::GroupLevel| {
            g.tables.iter().any(|table| {
                declared_keys(table, spec, catalog).iter().filter(|k| !k.is_empty()).any(|key| {
                    key.iter().all(|c| {
                        let col = SourceColumn { table: table.clone(), column: c.to_ascii_lowercase() };
                        g.keys.iter().any(|k| k.len() == 1 && k.contains(&col))
                    })
                })
            })
        };
        if let Some(level) = lineage.groups.iter().find(|g| !g.keys.is_empty() && !g.opaque && !by_declared_key(g)) {
            ctx.report(
                Code::GroupByDiffers,
                level.pos,
                "the code groups rows; the spec's model does not aggregate".into(),
            );
        }
        return;
    };
    // Levels in the order the trace meets them: a CTE's before the query that reads it.
    let levels: Vec<(usize, _)> = lineage.groups.iter().enumerate().filter(|(_, g)| !g.opaque).collect();
    if lineage.groups.is_empty() {
        // Window functions (`SUM(x) OVER (PARTITION BY k)` with a QUALIFY) and scalar subqueries
        // (one correlated SELECT per metric) aggregate without a GROUP BY the trace records: no
        // proof of a difference, so execution decides.
        if aggregates_otherwise(ctx.code) {
            return;
        }
        let at = lineage.output_pos.unwrap_or_default();
        ctx.report(Code::GroupByDiffers, at, "the code does not group; the spec aggregates".into());
        return;
    }
    let spec_keys: Vec<SourceColumn> = if q.per_source_metrics {
        // Each metric's source is grouped by the group-by columns on its own.
        let names: Vec<&String> = grouped.iter().map(|(_, c)| c).collect();
        let mut keys = Vec::new();
        for (i, relation) in q.relations.iter().enumerate() {
            for name in &names {
                if relation.column(name).is_some() {
                    keys.push(sc(&(i, (*name).clone())));
                }
            }
        }
        keys
    } else {
        grouped.iter().map(sc).collect()
    };
    let otherwise = aggregates_otherwise(ctx.code);
    for (at, level) in levels {
        // A level without GROUP BY keys in code that aggregates through scalar subqueries or
        // windows (`(SELECT count(*) FROM e WHERE e.k = s.k)`): its grain is the correlation's,
        // which the trace does not record.
        if otherwise && level.keys.is_empty() {
            continue;
        }
        let mut classes = classes.clone();
        for (a, b) in &level.equalities {
            classes.union(a, b);
        }
        let expected: BTreeSet<SourceColumn> =
            // A spec key counts at this level when the level reads it, or a column the joins
            // make equal to it (an items CTE grouped by items.order_id stands for orders.order_id).
            spec_keys
                .iter()
                .filter(|k| classes.members(k).iter().any(|m| level.tables.contains(&m.table)))
                .map(|k| classes.find(k))
                .collect();
        let actual: BTreeSet<SourceColumn> =
            level.keys.iter().flat_map(|k| k.iter().map(|c| classes.find(c))).collect();
        if expected == actual {
            continue;
        }
        // A spec key the code's keys determine (a declared key of its table is among them, the
        // key column itself taken with ANY_VALUE) does not change the grain either.
        // Nor does one the code carries as an aggregate of that key alone (`ANY_VALUE(k)`,
        // `MAX(k)`): the code takes it to be determined by its keys (through an upstream join,
        // say), which the static check cannot tell; execution does.
        let carried = |c: &SourceColumn| {
            lineage.outputs.iter().any(|o| {
                o.derivation == Derivation::Aggregated
                    && !o.reads.is_empty()
                    && o.reads.iter().all(|r| classes.find(r) == *c)
            })
        };
        let missing: Vec<_> = expected
            .difference(&actual)
            .filter(|c| !determined(c, &actual, &classes, spec, catalog) && !carried(c))
            .collect();
        // A key that a declared key of its table determines does not change the grain.
        let extra: Vec<_> =
            actual.difference(&expected).filter(|c| !determined(c, &actual, &classes, spec, catalog)).collect();
        if missing.is_empty() && extra.is_empty() {
            continue;
        }
        // Keys added at one of several grouping levels are a finer pre-aggregation that a
        // level above groups again (sums of sums, counts of groups): no proof of a difference.
        let regrouped = lineage.groups[at + 1..].iter().any(|above| level.tables.is_subset(&above.tables));
        if missing.is_empty() && regrouped {
            continue;
        }
        let show = |v: &[&SourceColumn]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ");
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!("lacks {}", show(&missing)));
        }
        if !extra.is_empty() {
            parts.push(format!("adds {}", show(&extra)));
        }
        let message = format!("the GROUP BY {} compared with the spec's grouping", parts.join(" and "));
        ctx.report(Code::GroupByDiffers, level.pos, message);
    }
}

/// Whether the model's code aggregates through a window (`… OVER (…)`) or a scalar subquery.
fn aggregates_otherwise(code: &ModelCode) -> bool {
    let Some(statements) = &code.statements else { return false };
    let mut found = false;
    let _ = sqlparser::ast::visit_expressions(statements, |expr| {
        if matches!(expr, Expr::Function(f) if f.over.is_some()) || matches!(expr, Expr::Subquery(_)) {
            found = true;
            return std::ops::ControlFlow::Break(());
        }
        std::ops::ControlFlow::Continue(())
    });
    found
}

/// The keys a source table declares (primary, then unique), or an upstream model's spec'd
/// primary key.
fn declared_keys(table: &str, spec: &Spec, catalog: &Catalog) -> Vec<Vec<String>> {
    match catalog.get(table) {
        Some(t) => t.table.keys.clone(),
        None => spec
            .models
            .iter()
            .find(|m| m.name == table)
            .and_then(|m| m.constraints.primary_key.as_ref())
            .map(|k| vec![k.names().map(str::to_ascii_lowercase).collect()])
            .unwrap_or_default(),
    }
}

/// True when `column` is functionally determined by other grouping keys: its table declares a
/// key whose columns are all among them.
fn determined(
    column: &SourceColumn,
    keys: &BTreeSet<SourceColumn>,
    classes: &Classes,
    spec: &Spec,
    catalog: &Catalog,
) -> bool {
    let declared = declared_keys(&column.table, spec, catalog);
    declared.iter().filter(|k| !k.is_empty()).any(|key| {
        key.iter().all(|c| {
            let col = SourceColumn { table: column.table.clone(), column: c.to_ascii_lowercase() };
            keys.contains(&classes.find(&col))
        }) && !key.iter().any(|c| c.eq_ignore_ascii_case(&column.column))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::code::analyse_file;
    use crate::project::layout::{CodeKind, ModelFile};

    use crate::test_support::crate_root;

    /// The codes and lines the static check reports for `code` as model `model` of the
    /// corrected customer360 spec.
    fn check(model: &str, code: &str, kind: CodeKind) -> Vec<(&'static str, usize)> {
        check_edited(model, code, kind, &[])
    }

    /// [`check`] against the corrected spec with `edits` (from, to) applied to its text.
    fn check_edited(model: &str, code: &str, kind: CodeKind, edits: &[(&str, &str)]) -> Vec<(&'static str, usize)> {
        let dir = crate_root().join("specs/customer360");
        let mut spec_path = dir.join("spec.corrected.json");
        if !edits.is_empty() {
            let mut text = std::fs::read_to_string(&spec_path).expect("spec reads");
            for (from, to) in edits {
                assert!(text.contains(from), "{from} is in the spec");
                text = text.replace(from, to);
            }
            let unique = format!("specproof-lineage-{}-{}.json", std::process::id(), edits.len() + code.len());
            spec_path = std::env::temp_dir().join(unique);
            std::fs::write(&spec_path, text).expect("temp spec writes");
        }
        let overrides = crate::project::layout::Overrides { spec: Some(spec_path), ..Default::default() };
        let project = crate::project::layout::load_project(&dir, &overrides).expect("example loads");
        let spec = &project.spec.spec;
        let tables = ProjectTables::new(spec, &project.catalog);
        let queries = crate::spec::resolve::resolve_models(&project.spec, &project.catalog);
        let extension = if kind == CodeKind::Sqlx { "sqlx" } else { "sql" };
        let file = ModelFile { model: model.into(), path: format!("{model}.{extension}").into(), kind };
        let code = analyse_file(&file, code, crate::spec::model::Dialect::Duckdb, &tables);
        let mi = spec.models.iter().position(|m| m.name == model).expect("model in spec");
        let mut found: Vec<_> =
            code.findings.iter().map(|f| (f.code.as_str(), f.location.as_ref().map_or(0, |l| l.line))).collect();
        found.extend(
            check_model(&code, spec, &project.catalog, mi, queries[mi].as_ref(), &tables)
                .iter()
                .map(|f| (f.code.as_str(), f.location.as_ref().map_or(0, |l| l.line))),
        );
        found
    }

    const ORDERS_PREAGGREGATED: &str = "WITH items AS (\n  SELECT order_id, SUM(quantity) AS items, SUM(refund_amount) AS refund\n  FROM raw.commerce_order_items GROUP BY order_id\n)\nSELECT o.order_id, o.customer_id, o.order_ts,\n  o.total_amount * fx.rate_to_usd AS amount_usd,\n  i.items,\n  i.refund * fx.rate_to_usd AS refund_usd\nFROM raw.commerce_orders o\nLEFT JOIN items i ON i.order_id = o.order_id\nLEFT JOIN raw.fx_rates fx ON o.currency = fx.currency\n";

    #[test]
    fn duckdb_sql_only_sqlparser_cannot_read_is_the_tool_s_limit() {
        let dir = crate_root().join("specs/customer360");
        let project = crate::project::layout::load_project(&dir, &Default::default()).expect("example loads");
        let tables = ProjectTables::new(&project.spec.spec, &project.catalog);
        let file = ModelFile { model: "stg_orders".into(), path: "stg_orders.sql".into(), kind: CodeKind::Sql };
        let codes = |text: &str| -> Vec<Code> {
            {
                let mut code = analyse_file(&file, text, Dialect::Duckdb, &tables);
                parser_limit(&mut code);
                code.findings.iter().map(|f| f.code).collect()
            }
        };
        // DuckDB reads FILTER without WHERE and INSERT … BY NAME; sqlparser 0.63 does not.
        assert_eq!(
            codes("SELECT count(*) FILTER (order_id > 1) AS n FROM raw.commerce_orders"),
            [Code::NoFaithfulTranslation]
        );
        assert_eq!(codes("INSERT INTO temp.x BY NAME SELECT 1 AS a"), [Code::NoFaithfulTranslation]);
        // What DuckDB cannot read either stays the code's.
        assert_eq!(codes("SELEC order_id FROM raw.commerce_orders"), [Code::CodeParse]);
    }

    #[test]
    fn aggregation_through_windows_or_subqueries_is_left_to_execution() {
        let windowed = "SELECT customer_id, count(*) OVER (PARTITION BY customer_id) AS order_count\nFROM temp.stg_orders\nQUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY order_id) = 1\n";
        let found = check("fact_customer_orders", windowed, CodeKind::Sql);
        assert!(found.iter().all(|(code, _)| *code != "CODE012"), "{found:?}");
        let correlated = "SELECT c.customer_id, (SELECT count(*) FROM temp.stg_orders o WHERE o.customer_id = c.customer_id) AS order_count\nFROM temp.stg_customers c\n";
        let found = check("fact_customer_orders", correlated, CodeKind::Sql);
        assert!(found.iter().all(|(code, _)| *code != "CODE012"), "{found:?}");
        // Without either, code that does not group still does not.
        let flat = "SELECT customer_id, 1 AS order_count FROM temp.stg_orders\n";
        assert!(check("fact_customer_orders", flat, CodeKind::Sql).contains(&("CODE012", 1)));
    }

    #[test]
    fn conditions_false_on_null_are_told_apart() {
        let rejects = |text: &str| null_rejecting(&parse_expression(text, Dialect::Duckdb).unwrap());
        for yes in
            ["c.is_published", "c.x = 1", "c.x IN (1, 2)", "c.x IS NOT NULL", "c.a > 0 AND c.b IS NULL", "(c.x <> 'a')"]
        {
            assert!(rejects(yes), "{yes}");
        }
        for no in ["c.x IS NULL", "c.x = 1 OR c.y = 2", "coalesce(c.x, 0) = 0", "c.x IS NOT TRUE", "NOT c.flag"] {
            assert!(!rejects(no), "{no}");
        }
    }

    #[test]
    fn pre_aggregation_in_a_cte_is_the_spec_grouping() {
        assert_eq!(check("stg_orders", ORDERS_PREAGGREGATED, CodeKind::Sql), []);
        let wrong = ORDERS_PREAGGREGATED.replace("GROUP BY order_id", "GROUP BY order_id, quantity");
        assert_eq!(check("stg_orders", &wrong, CodeKind::Sql), [("CODE012", 3)]);
        let inner = ORDERS_PREAGGREGATED.replace("LEFT JOIN items", "JOIN items");
        assert_eq!(check("stg_orders", &inner, CodeKind::Sql), [("CODE008", 10)]);
        let flipped = ORDERS_PREAGGREGATED.replace(
            "FROM raw.commerce_orders o\nLEFT JOIN items i ON i.order_id = o.order_id",
            "FROM items i\nRIGHT JOIN raw.commerce_orders o ON i.order_id = o.order_id",
        );
        assert_eq!(check("stg_orders", &flipped, CodeKind::Sql), []);
        let no_rate = ORDERS_PREAGGREGATED.replace("o.total_amount * fx.rate_to_usd", "o.total_amount");
        assert_eq!(check("stg_orders", &no_rate, CodeKind::Sql), [("CODE007", 6)]);
    }

    const CUSTOMERS: &str = "config { type: \"table\", schema: \"temp\" }\nSELECT c.customer_id, LOWER(TRIM(c.email)) AS email,\n  CASE WHEN REGEXP_CONTAINS(c.phone, r'x') THEN c.phone END AS phone_e164,\n  IF(c.status = 'active', 'active', 'unknown') AS lifecycle_stage,\n  a.country, a.city, a.state, a.postal_code, c.created_at\nFROM `raw.crm_customers` c\nLEFT JOIN ${ref(\"crm_addresses\")} a ON c.customer_id = a.customer_id AND a.country IS NOT NULL\n";

    #[test]
    fn a_filter_in_the_on_clause_is_a_filter_before_the_join() {
        assert_eq!(check("stg_customers", CUSTOMERS, CodeKind::Sqlx), []);
        let late = CUSTOMERS.replace(" AND a.country IS NOT NULL\n", "\nWHERE a.country IS NOT NULL\n");
        assert_eq!(check("stg_customers", &late, CodeKind::Sqlx), [("CODE011", 8)]);
        let missing = CUSTOMERS.replace(" AND a.country IS NOT NULL", "");
        assert_eq!(check("stg_customers", &missing, CodeKind::Sqlx), [("CODE010", 7)]);
        let wrong = CUSTOMERS.replace("a.country, a.city", "c.status AS country, a.city");
        assert_eq!(check("stg_customers", &wrong, CodeKind::Sqlx), [("CODE006", 5)]);
        let typo = CUSTOMERS.replace("c.created_at\n", "c.created_on AS created_at\n");
        assert_eq!(check("stg_customers", &typo, CodeKind::Sqlx), [("CODE013", 5)]);
        let js = CUSTOMERS.replace("FROM `raw", "${when(true, 'x')}\nFROM `raw");
        assert_eq!(check("stg_customers", &js, CodeKind::Sqlx), [("CODE002", 6)]);
        let broken = CUSTOMERS.replace("a.country, a.city", "a.country,, a.city");
        assert_eq!(check("stg_customers", &broken, CodeKind::Sqlx), [("CODE001", 5)]);
    }

    #[test]
    fn an_on_filter_of_the_side_an_outer_join_makes_null_is_a_filter_before_it() {
        // The spec's LEFT join written as a RIGHT join from the other side: the ON conjunct on
        // the addresses (now the left, null-supplying operand) filters them before the join.
        let flipped = CUSTOMERS.replace(
            "FROM `raw.crm_customers` c\nLEFT JOIN ${ref(\"crm_addresses\")} a ON",
            "FROM ${ref(\"crm_addresses\")} a\nRIGHT JOIN `raw.crm_customers` c ON",
        );
        assert_ne!(flipped, CUSTOMERS);
        assert_eq!(check("stg_customers", &flipped, CodeKind::Sqlx), []);
        // A FULL join keeps the addresses the conjunct fails, unmatched: not the same rows.
        let full = flipped.replace("RIGHT JOIN", "FULL JOIN");
        assert_eq!(check("stg_customers", &full, CodeKind::Sqlx), [("CODE008", 7), ("CODE010", 6)]);
        // On the side a RIGHT join keeps (the customers), a filter of the addresses is missing.
        let kept_side = flipped.replace("AND a.country IS NOT NULL", "AND c.email IS NOT NULL");
        assert_eq!(check("stg_customers", &kept_side, CodeKind::Sqlx), [("CODE010", 6)]);
    }

    #[test]
    fn metrics_on_their_own_sources_and_missing_or_extra_columns() {
        let fact = "WITH o AS (SELECT customer_id, COUNT(*) AS order_count, SUM(amount_usd) AS total_spent_usd,\n  AVG(amount_usd) AS aov_usd, SUM(refund_usd) AS total_refund_usd, MIN(order_ts) AS first_order_ts,\n  MAX(order_ts) AS last_order_ts FROM temp.stg_orders GROUP BY customer_id),\nt AS (SELECT customer_id, SUM(open_tickets) AS open_tickets, SUM(closed_tickets) AS closed_tickets\n  FROM temp.stg_support_pivot GROUP BY customer_id)\nSELECT o.*, t.open_tickets, t.closed_tickets\nFROM o LEFT JOIN t USING (customer_id)\n";
        assert_eq!(check("fact_customer_orders", fact, CodeKind::Sql), []);
        let extra = fact.replace("t.closed_tickets\n", "t.closed_tickets, 1 AS one\n");
        assert_eq!(check("fact_customer_orders", &extra, CodeKind::Sql), [("CODE005", 6)]);
        let missing = fact.replace(", t.closed_tickets\n", "\n");
        assert_eq!(check("fact_customer_orders", &missing, CodeKind::Sql), [("CODE004", 6)]);
        let foreign = fact.replace("FROM temp.stg_support_pivot", "FROM raw.support_tickets");
        assert!(check("fact_customer_orders", &foreign, CodeKind::Sql).contains(&("CODE014", 5)));
    }

    const FACT: &str = "WITH o AS (SELECT customer_id, COUNT(*) AS order_count, SUM(amount_usd) AS total_spent_usd,\n  AVG(amount_usd) AS aov_usd, SUM(refund_usd) AS total_refund_usd, MIN(order_ts) AS first_order_ts,\n  MAX(order_ts) AS last_order_ts FROM temp.stg_orders GROUP BY customer_id),\nt AS (SELECT customer_id, SUM(open_tickets) AS open_tickets, SUM(closed_tickets) AS closed_tickets\n  FROM temp.stg_support_pivot GROUP BY customer_id)\nSELECT o.*, t.open_tickets, t.closed_tickets\nFROM o LEFT JOIN t USING (customer_id)\n";

    #[test]
    fn count_of_a_not_null_column_reads_no_value() {
        // Issue 14: AVG(x) for SAFE_DIVIDE(SUM(x), COUNT(key)) over a NOT NULL key, both ways.
        let spec_divides =
            [("\"AVG(amount_usd)\"", "\"CAST(SAFE_DIVIDE(SUM(amount_usd), COUNT(order_id)) AS NUMERIC)\"")];
        assert_eq!(check_edited("fact_customer_orders", FACT, CodeKind::Sql, &spec_divides), []);
        let code_divides = FACT.replace("AVG(amount_usd)", "SAFE_DIVIDE(SUM(amount_usd), COUNT(order_id))");
        assert_eq!(check("fact_customer_orders", &code_divides, CodeKind::Sql), []);
        let code_coalesces =
            FACT.replace("COUNT(*) AS order_count", "COUNT(COALESCE(order_id, customer_id)) AS order_count");
        assert_eq!(check("fact_customer_orders", &code_coalesces, CodeKind::Sql), []);
        // A nullable column the code reads instead is still a proven difference.
        let wrong = FACT.replace("AVG(amount_usd)", "SAFE_DIVIDE(SUM(amount_usd), COUNT(refund_usd))");
        assert_eq!(check("fact_customer_orders", &wrong, CodeKind::Sql), [("CODE007", 6)]);
        let spec_nullable = [("\"AVG(amount_usd)\"", "\"SAFE_DIVIDE(SUM(amount_usd), COUNT(refund_usd))\"")];
        assert_eq!(check_edited("fact_customer_orders", FACT, CodeKind::Sql, &spec_nullable), [("CODE007", 6)]);
        // A value the code does not read at all is one too.
        let missing = FACT.replace("AVG(amount_usd)", "AVG(refund_usd)");
        assert_eq!(check("fact_customer_orders", &missing, CodeKind::Sql), [("CODE006", 6)]);
    }

    #[test]
    fn a_filter_the_check_cannot_take_apart_or_that_always_holds_is_not_missing() {
        let negated = CUSTOMERS.replace(" AND a.country IS NOT NULL", " AND NOT (a.country IS NULL OR a.city = '')");
        assert_eq!(check("stg_customers", &negated, CodeKind::Sqlx), []);
        let dropped = CUSTOMERS.replace(" AND a.country IS NOT NULL", "");
        let not_null_key = [("\"predicate\": \"country IS NOT NULL\"", "\"predicate\": \"customer_id IS NOT NULL\"")];
        assert_eq!(check_edited("stg_customers", &dropped, CodeKind::Sqlx, &not_null_key), []);
        // The nullable column's filter dropped is still a proven difference.
        assert_eq!(check("stg_customers", &dropped, CodeKind::Sqlx), [("CODE010", 7)]);
        // A spec predicate that is a conjunction is met by code that writes its conjuncts.
        let both = [(
            "\"predicate\": \"country IS NOT NULL\"",
            "\"predicate\": \"country IS NOT NULL AND (city IS NULL OR city <> '')\"",
        )];
        let code_both = CUSTOMERS
            .replace(" AND a.country IS NOT NULL", " AND a.country IS NOT NULL AND (a.city IS NULL OR a.city <> '')");
        assert_eq!(check_edited("stg_customers", &code_both, CodeKind::Sqlx, &both), []);
        assert_eq!(check_edited("stg_customers", CUSTOMERS, CodeKind::Sqlx, &both), [("CODE010", 7)]);
    }

    /// The static check's findings (code, line) for a small project written in a temp folder:
    /// `ddl` as its sources, `spec_models` its models, `code` the DuckDB SQL of model `m`.
    fn check_small(name: &str, ddl: &str, spec_models: &str, code: &str) -> Vec<(&'static str, usize)> {
        let dir = std::env::temp_dir().join(format!("specproof-lineage-small-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sources")).expect("temp dir");
        std::fs::create_dir_all(dir.join("models")).expect("temp dir");
        let spec = format!(
            r#"{{"schema": {{"raw_schema": "raw", "staging_schema": "staging", "final_schema": "analytics"}}, "models": {spec_models}}}"#
        );
        std::fs::write(dir.join("spec.json"), spec).expect("spec writes");
        std::fs::write(dir.join("sources/src.sql"), ddl).expect("ddl writes");
        std::fs::write(dir.join("models/m.sql"), code).expect("code writes");
        let overrides = crate::project::layout::Overrides {
            dialect: Some(crate::sql::dialect::Dialect::Duckdb),
            ..Default::default()
        };
        let project = crate::project::layout::load_project(&dir, &overrides).expect("project loads");
        let found = check_project(&project)
            .findings
            .iter()
            .map(|f| (f.code.as_str(), f.location.as_ref().map_or(0, |l| l.line)))
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        found
    }

    const ORDERS_DDL: &str = "CREATE TABLE raw.orders (order_id BIGINT NOT NULL, account_id BIGINT NOT NULL, currency VARCHAR, PRIMARY KEY (order_id), FOREIGN KEY (account_id) REFERENCES raw.accounts (account_id));\nCREATE TABLE raw.accounts (account_id BIGINT NOT NULL, region VARCHAR, PRIMARY KEY (account_id));\nCREATE TABLE raw.rates (code VARCHAR NOT NULL, rate DECIMAL(38, 9), PRIMARY KEY (code));";

    fn orders_model(join: &str) -> String {
        format!(
            r#"[{{"name": "m", "layer": "staging", "sources": ["raw.orders", "raw.accounts"],
              "column_mapping": [
                {{"target_column": "order_id", "type": "INT64", "from_table": "orders", "from_column": "order_id"}},
                {{"target_column": "region", "type": "STRING", "from_table": "accounts", "from_column": "region"}}],
              "joins": [{join}], "constraints": {{"primary_key": "order_id"}}}}]"#
        )
    }

    #[test]
    fn a_case_split_into_filtered_branches_of_a_union_reads_its_condition() {
        let ddl = "CREATE TABLE raw.enrollments (enrollment_id BIGINT NOT NULL, letter_grade VARCHAR, enrollment_status VARCHAR, note VARCHAR, PRIMARY KEY (enrollment_id));";
        let model = r#"[{"name": "m", "layer": "staging", "sources": ["raw.enrollments"],
              "column_mapping": [
                {"target_column": "enrollment_id", "type": "INT64", "from_table": "enrollments", "from_column": "enrollment_id"},
                {"target_column": "status", "type": "STRING", "from_table": "enrollments", "from_column": "enrollment_status",
                 "transform": "CASE WHEN enrollments.letter_grade IS NOT NULL THEN 'completed' WHEN {from} = 'W' THEN 'withdrawn' ELSE 'in_progress' END"}],
              "joins": [], "filters": [], "constraints": {"primary_key": "enrollment_id"}}]"#;
        let halves = "SELECT enrollment_id, 'completed' AS status FROM raw.enrollments WHERE letter_grade IS NOT NULL\nUNION ALL\nSELECT enrollment_id, CASE WHEN enrollment_status = 'W' THEN 'withdrawn' ELSE 'in_progress' END AS status\nFROM raw.enrollments WHERE letter_grade IS NULL\n";
        assert_eq!(check_small("halves", ddl, model, halves), []);
        // Through a CTE and a subquery above it, the branches' filters still decide the value.
        let wrapped = format!("WITH u AS ({halves})\nSELECT enrollment_id, status FROM (SELECT * FROM u) x\n");
        assert_eq!(check_small("halves-wrapped", ddl, model, &wrapped), []);
        // With each half filtered in a CTE of its own, the union's branches do not filter.
        let in_ctes = "WITH e AS (SELECT * FROM raw.enrollments),\ngraded AS (SELECT * FROM e WHERE letter_grade IS NOT NULL),\nungraded AS (SELECT * FROM e WHERE letter_grade IS NULL)\nSELECT enrollment_id, 'completed' AS status FROM graded\nUNION ALL\nSELECT enrollment_id, CASE WHEN enrollment_status = 'W' THEN 'withdrawn' ELSE 'in_progress' END FROM ungraded\n";
        assert_eq!(check_small("halves-ctes", ddl, model, in_ctes), []);
        // Without the filters, the condition is read nowhere.
        let unfiltered =
            halves.replace(" WHERE letter_grade IS NOT NULL", "").replace(" WHERE letter_grade IS NULL", "");
        assert_eq!(check_small("halves-unfiltered", ddl, model, &unfiltered), [("CODE007", 1)]);
        // A column the spec does not read at all is still an extra read.
        let extra = halves.replace("'completed' AS status", "COALESCE(note, 'completed') AS status");
        assert_eq!(check_small("halves-extra", ddl, model, &extra), [("CODE007", 1)]);
    }

    #[test]
    fn a_group_key_carried_as_an_aggregate_of_itself_is_left_to_execution() {
        let ddl = "CREATE TABLE raw.lines (line_id BIGINT NOT NULL, course_id VARCHAR NOT NULL, department VARCHAR, amount BIGINT, PRIMARY KEY (line_id));";
        let model = r#"[{"name": "m", "layer": "final", "sources": ["raw.lines"],
              "aggregations": [{"metric_column": "total", "type": "INT64", "formula": "SUM(lines.amount)"}],
              "group_by": ["course_id", "department"], "joins": [], "filters": [],
              "constraints": {"primary_key": "course_id, department"}}]"#;
        let code = |department: &str| {
            format!("SELECT course_id, {department} AS department, SUM(amount) AS total\nFROM raw.lines\nGROUP BY course_id\n")
        };
        // The code takes the department to be a function of the course (an upstream join can
        // make it one): the same groups where it is, which execution tells.
        assert_eq!(check_small("carried", ddl, model, &code("ANY_VALUE(department)")), []);
        assert_eq!(check_small("carried-max", ddl, model, &code("MAX(department)")), []);
        // Without the key carried, the grain is still a proven difference.
        assert!(check_small("dropped", ddl, model, &code("'x'")).contains(&("CODE012", 3)));
    }

    #[test]
    fn inner_for_left_over_a_not_null_foreign_key_keeps_the_same_rows() {
        let left = r#"{"left_table": "orders", "right_table": "accounts", "type": "LEFT", "condition": "orders.account_id = accounts.account_id"}"#;
        let inner_code =
            "SELECT o.order_id, a.region\nFROM raw.orders o\nJOIN raw.accounts a ON a.account_id = o.account_id\n";
        assert_eq!(check_small("fk-inner", ORDERS_DDL, &orders_model(left), inner_code), []);
        // Another condition on the joined table can drop a match: no longer the same rows.
        let filtered = left.replace(
            "orders.account_id = accounts.account_id",
            "orders.account_id = accounts.account_id AND accounts.region = 'EU'",
        );
        let inner_filtered = inner_code.replace("= o.account_id", "= o.account_id AND a.region = 'EU'");
        assert_eq!(check_small("fk-filtered", ORDERS_DDL, &orders_model(&filtered), &inner_filtered), [("CODE008", 3)]);
        // Without the foreign key, INNER can drop an order.
        let no_fk = ORDERS_DDL.replace(", FOREIGN KEY (account_id) REFERENCES raw.accounts (account_id)", "");
        assert_eq!(check_small("no-fk", &no_fk, &orders_model(left), inner_code), [("CODE008", 3)]);
    }

    #[test]
    fn grouping_by_a_declared_key_in_a_model_that_does_not_aggregate_is_left_to_execution() {
        let left = r#"{"left_table": "orders", "right_table": "accounts", "type": "LEFT", "condition": "orders.account_id = accounts.account_id"}"#;
        let code = |group: &str| {
            format!("SELECT o.order_id, a.region\nFROM raw.orders o\nLEFT JOIN (SELECT account_id, ANY_VALUE(region) AS region FROM raw.accounts\n  GROUP BY {group}) a ON a.account_id = o.account_id\n")
        };
        // One row per account either way: a de-duplication by the primary key.
        assert_eq!(check_small("dedup-key", ORDERS_DDL, &orders_model(left), &code("account_id")), []);
        // Grouping by a column that is no key still aggregates where the spec does not.
        let by_region = code("account_id, region").replace("ANY_VALUE(region)", "region");
        assert_eq!(check_small("dedup-key-region", ORDERS_DDL, &orders_model(left), &by_region), []);
        let not_key = "SELECT ANY_VALUE(o.order_id) AS order_id, MAX(a.region) AS region\nFROM raw.orders o\nLEFT JOIN raw.accounts a ON a.account_id = o.account_id\nGROUP BY o.account_id\n";
        assert_eq!(check_small("not-key", ORDERS_DDL, &orders_model(left), not_key), [("CODE012", 4)]);
    }

    #[test]
    fn an_outer_join_whose_null_side_a_where_rejects_is_the_join_it_amounts_to() {
        let inner = r#"{"left_table": "orders", "right_table": "accounts", "type": "INNER", "condition": "orders.account_id = accounts.account_id"}"#;
        let code = |from: &str| format!("SELECT o.order_id, a.region\n{from}\n");
        // The spec's INNER join written from the accounts' side as a LEFT join, the orders it
        // cannot find dropped by the WHERE: an INNER join's rows.
        let flipped =
            code("FROM raw.accounts a\nLEFT JOIN raw.orders o ON o.account_id = a.account_id\nWHERE o.order_id > 0");
        assert_eq!(check_small("flipped-left", ORDERS_DDL, &orders_model(inner), &flipped), []);
        let right =
            code("FROM raw.orders o\nRIGHT JOIN raw.accounts a ON o.account_id = a.account_id\nWHERE o.order_id > 0");
        assert_eq!(check_small("right", ORDERS_DDL, &orders_model(inner), &right), []);
        // Without it, the accounts without orders stay.
        let kept = code("FROM raw.accounts a\nLEFT JOIN raw.orders o ON o.account_id = a.account_id");
        assert_eq!(check_small("flipped-kept", ORDERS_DDL, &orders_model(inner), &kept), [("CODE008", 3)]);
        // A FULL join for the spec's LEFT whose WHERE rejects only the left side's NULLs is a
        // LEFT join; without it, the accounts without orders stay.
        let left = inner.replace("INNER", "LEFT");
        let full =
            code("FROM raw.orders o\nFULL JOIN raw.accounts a ON o.account_id = a.account_id\nWHERE o.order_id > 0");
        assert_eq!(check_small("full", ORDERS_DDL, &orders_model(&left), &full), []);
        let unfiltered = code("FROM raw.orders o\nFULL JOIN raw.accounts a ON o.account_id = a.account_id");
        assert_eq!(check_small("full-kept", ORDERS_DDL, &orders_model(&left), &unfiltered), [("CODE008", 3)]);
    }

    #[test]
    fn a_cross_join_whose_where_equates_the_keys_is_left_to_execution() {
        let inner = r#"{"left_table": "orders", "right_table": "accounts", "type": "INNER", "condition": "orders.account_id = accounts.account_id"}"#;
        let cross = "SELECT o.order_id, a.region\nFROM raw.orders o\nCROSS JOIN raw.accounts a\nWHERE a.account_id = o.account_id\n";
        assert_eq!(check_small("cross", ORDERS_DDL, &orders_model(inner), cross), []);
        // An explicit join still is compared.
        let right = cross.replace("CROSS JOIN raw.accounts a\nWHERE", "RIGHT JOIN raw.accounts a ON");
        assert_eq!(check_small("cross-right", ORDERS_DDL, &orders_model(inner), &right), [("CODE008", 3)]);
    }

    #[test]
    fn a_plain_equality_where_the_spec_wrote_an_expression_is_no_proof() {
        let ddl = ORDERS_DDL.replace(
            "CREATE TABLE raw.rates (code VARCHAR NOT NULL, rate DECIMAL(38, 9), PRIMARY KEY (code));",
            "CREATE TABLE raw.rates (code VARCHAR NOT NULL, account_id BIGINT NOT NULL, rate DECIMAL(38, 9), PRIMARY KEY (code, account_id));",
        );
        let model = r#"[{"name": "m", "layer": "staging", "sources": ["raw.orders", "raw.rates"],
              "column_mapping": [
                {"target_column": "order_id", "type": "INT64", "from_table": "orders", "from_column": "order_id"},
                {"target_column": "rate", "type": "NUMERIC", "from_table": "rates", "from_column": "rate"}],
              "joins": [{"left_table": "orders", "right_table": "rates", "type": "LEFT", "condition": "orders.account_id = rates.account_id AND UPPER(TRIM(orders.currency)) = rates.code"}],
              "constraints": {"primary_key": "order_id"}}]"#;
        let code = |on: &str| format!("SELECT o.order_id, r.rate\nFROM raw.orders o\nLEFT JOIN raw.rates r ON {on}\n");
        // `o.currency = r.code` is the spec's form where currencies are already trimmed upper case.
        assert_eq!(check_small("loose", &ddl, model, &code("o.account_id = r.account_id AND o.currency = r.code")), []);
        let exact = code("r.account_id = o.account_id AND r.code = UPPER(TRIM(o.currency))");
        assert_eq!(check_small("exact", &ddl, model, &exact), []);
        // A plain pair on other columns is still a proven difference.
        let wrong = code("o.order_id = r.account_id AND o.currency = r.code");
        assert_eq!(check_small("wrong", &ddl, model, &wrong), [("CODE009", 3)]);
    }

    #[test]
    fn a_using_column_and_a_finer_pre_aggregation_are_no_proof() {
        // zoo payroll FA-6: the USING column of a LEFT join reads both sides.
        let using = "WITH o AS (SELECT customer_id, COUNT(*) AS order_count, SUM(amount_usd) AS total_spent_usd,\n  AVG(amount_usd) AS aov_usd, SUM(refund_usd) AS total_refund_usd, MIN(order_ts) AS first_order_ts,\n  MAX(order_ts) AS last_order_ts FROM temp.stg_orders GROUP BY customer_id),\nt AS (SELECT customer_id, SUM(open_tickets) AS open_tickets, SUM(closed_tickets) AS closed_tickets\n  FROM temp.stg_support_pivot GROUP BY customer_id)\nSELECT customer_id, order_count, total_spent_usd, aov_usd, total_refund_usd, first_order_ts, last_order_ts, t.open_tickets, t.closed_tickets\nFROM o LEFT JOIN t USING (customer_id)\n";
        assert_eq!(check("fact_customer_orders", using, CodeKind::Sql), []);
        // zoo payroll FA-5: per-order groups, grouped again per customer above.
        let finer = FACT.replace(
            "WITH o AS (SELECT customer_id, COUNT(*) AS order_count, SUM(amount_usd) AS total_spent_usd,\n  AVG(amount_usd) AS aov_usd, SUM(refund_usd) AS total_refund_usd, MIN(order_ts) AS first_order_ts,\n  MAX(order_ts) AS last_order_ts FROM temp.stg_orders GROUP BY customer_id),",
            "WITH po AS (SELECT customer_id, order_id, SUM(amount_usd) AS amount, SUM(refund_usd) AS refund, MIN(order_ts) AS ts\n  FROM temp.stg_orders GROUP BY customer_id, order_id),\no AS (SELECT customer_id, COUNT(*) AS order_count, SUM(amount) AS total_spent_usd, AVG(amount) AS aov_usd,\n  SUM(refund) AS total_refund_usd, MIN(ts) AS first_order_ts, MAX(ts) AS last_order_ts FROM po GROUP BY customer_id),",
        );
        assert_ne!(finer, FACT);
        assert_eq!(check("fact_customer_orders", &finer, CodeKind::Sql), []);
        // The same finer grouping with nothing above it is the wrong grain.
        let wrong = FACT.replace(
            "FROM temp.stg_orders GROUP BY customer_id",
            "FROM temp.stg_orders GROUP BY customer_id, order_id",
        );
        assert_eq!(check("fact_customer_orders", &wrong, CodeKind::Sql), [("CODE012", 3)]);
    }
}
