//! The reference history of an SCD type 2 model (spec-format.md, "SCD type 2 model"): given the
//! snapshots S1…Sn of its source and their run times t1…tn, the rows its table must hold after
//! run n.
//!
//! For each natural key, one row per *version*: a maximal run of consecutive snapshots in which
//! the key is present with the same tracked values (compared NULL-safely). `effective_at` is the
//! run time of the version's first snapshot; `expiry_at` the run time of the snapshot after its
//! last one, or open (NULL, or `9999-12-31 23:59:59` with `open_expiry: "far_future"`) when its
//! last snapshot is Sn; `current_flag` is true exactly for open versions. A key that disappears
//! and comes back opens a new version.
//!
//! Decisions the spec leaves open (see the module's report): the source columns a version holds
//! are the values of its first snapshot (untracked columns, when `tracked_columns` is given, can
//! change inside a version); a NULL natural key is one key, as `GROUP BY` makes it.
//!
//! A snapshot with two rows for one natural key has no defined history: the query then fails
//! with DuckDB's `error()` rather than return rows.

use super::sql::quote;
use crate::spec::catalog::Catalog;
use crate::spec::load::LoadedSpec;
use crate::spec::model::OpenExpiry;
use crate::spec::resolve::context::{model_output, target_of, Lint, Resolved, Target};

/// One snapshot of an SCD2 model's source, as a run saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// SQL naming a relation that holds the snapshot's rows (a table, or a parenthesised query).
    pub relation: String,
    /// The run's time, TIMESTAMP literal text such as `2024-01-01 00:00:00`.
    pub run_time: String,
}

/// The message of the error the history query raises when a snapshot repeats a natural key.
pub const REPEATED_KEY: &str = "a snapshot has two rows for one natural key, so the history is not defined";

/// The reference history of SCD2 model `mi` after the runs of `snapshots` (in run order): one
/// DuckDB query giving the source's columns in source order, then `effective_at`, `expiry_at`
/// and `current_flag`.
///
/// Fails (with a lowercase fragment) for a model that is not SCD2 or lacks one of its keys (the
/// lint reports which), a source that does not resolve, or no snapshots.
pub fn history_sql(
    loaded: &LoadedSpec,
    catalog: &Catalog,
    mi: usize,
    snapshots: &[Snapshot],
) -> Result<String, String> {
    let spec = &loaded.spec;
    let model = spec.models.get(mi).ok_or_else(|| format!("there is no model at index {mi}"))?;
    let c = &model.constraints;
    if c.scd_type != Some(2) {
        return Err(format!("`{}` is not an SCD2 model", model.name));
    }
    if snapshots.is_empty() {
        return Err("a history needs at least one snapshot".into());
    }
    let missing = |what: &str| format!("SCD2 model `{}` has no `{what}`", model.name);
    let (Some(effective_at), Some(expiry_at), Some(current_flag)) =
        (c.effective_at.as_deref(), c.expiry_at.as_deref(), c.current_flag.as_deref())
    else {
        return Err(missing("effective_at`, `expiry_at` or `current_flag"));
    };
    let natural: Vec<&str> = c.natural_key.iter().flat_map(|k| k.names()).collect();
    if natural.is_empty() {
        return Err(missing("natural_key"));
    }
    let entry = match model.sources.as_slice() {
        [entry] => entry,
        _ => return Err(format!("SCD2 model `{}` must have exactly one source", model.name)),
    };
    // Only the source's output: working out every model's for each SCD2 model was work quadratic
    // in the models.
    let mut outputs = vec![None; spec.models.len()];
    if let Target::Model(j) = target_of(spec, catalog, entry) {
        outputs[j] = model_output(spec, catalog, j);
    }
    let lint = Lint { spec, text: &loaded.text, catalog, outputs: outputs.into(), findings: Vec::new() };
    let Resolved::Relation(source) = lint.resolve_entry(entry) else {
        return Err(format!("source `{entry}` of `{}` does not resolve", model.name));
    };
    let columns: Vec<&str> = source.columns.iter().map(|c| c.name.as_str()).collect();
    let find = |name: &str| {
        source.column(name).map(|c| c.name.as_str()).ok_or_else(|| format!("`{entry}` has no column `{name}`"))
    };
    let keys: Vec<&str> = natural.iter().map(|k| find(k)).collect::<Result<_, _>>()?;
    let tracked: Vec<&str> = match &c.tracked_columns {
        Some(list) => list.names().map(find).collect::<Result<_, _>>()?,
        None => columns.iter().copied().filter(|c| !keys.contains(c)).collect(),
    };

    let quoted = |names: &[&str]| names.iter().map(|n| quote(n)).collect::<Vec<_>>();
    let key_list = quoted(&keys).join(", ");
    let column_list = quoted(&columns).join(", ");
    let literal = |t: &str| format!("CAST('{}' AS TIMESTAMP)", t.replace('\'', "''"));
    let union: Vec<String> = snapshots
        .iter()
        .enumerate()
        .map(|(i, s)| format!("SELECT {} AS specproof_run, {column_list} FROM {}", i + 1, s.relation))
        .collect();
    let runs: Vec<String> =
        snapshots.iter().enumerate().map(|(i, s)| format!("({}, {})", i + 1, literal(&s.run_time))).collect();
    // A version continues when the key was there in the run before with the same tracked values.
    let same: Vec<String> = tracked
        .iter()
        .map(|t| format!("lag({0}) OVER w IS NOT DISTINCT FROM {0}", quote(t)))
        .chain(std::iter::once("lag(specproof_run) OVER w = specproof_run - 1".to_string()))
        .collect();
    let on_key: Vec<String> = keys.iter().map(|k| format!("v.{0} IS NOT DISTINCT FROM s.{0}", quote(k))).collect();
    let open = match c.open_expiry {
        Some(OpenExpiry::FarFuture) => literal("9999-12-31 23:59:59"),
        _ => "CAST(NULL AS TIMESTAMP)".to_string(),
    };
    let v_columns: Vec<String> = columns.iter().map(|c| format!("v.{}", quote(c))).collect();
    let n = snapshots.len();
    Ok(format!(
        "WITH snapshots AS (\n  {union}\n),\n\
         runs(specproof_run, specproof_at) AS (VALUES {runs}),\n\
         repeated AS (\n  SELECT count(*) AS n FROM (SELECT specproof_run, {key_list} FROM snapshots GROUP BY ALL HAVING count(*) > 1)\n),\n\
         marked AS (\n  SELECT *, CASE WHEN {same} THEN 0 ELSE 1 END AS specproof_new\n  FROM snapshots\n  \
         WINDOW w AS (PARTITION BY {key_list} ORDER BY specproof_run)\n),\n\
         versioned AS (\n  SELECT *, sum(specproof_new) OVER (PARTITION BY {key_list} ORDER BY specproof_run ROWS UNBOUNDED PRECEDING) AS specproof_version\n  FROM marked\n),\n\
         spans AS (\n  SELECT {key_list}, specproof_version, min(specproof_run) AS first_run, max(specproof_run) AS last_run\n  \
         FROM versioned GROUP BY ALL\n)\n\
         SELECT\n  {v_columns},\n  opened.specproof_at AS {effective_at},\n  \
         CASE WHEN s.last_run = {n} THEN {open} ELSE closed.specproof_at END AS {expiry_at},\n  \
         s.last_run = {n} AS {current_flag}\n\
         FROM spans AS s\n\
         JOIN versioned AS v ON {on_key} AND v.specproof_version = s.specproof_version AND v.specproof_run = s.first_run\n\
         JOIN runs AS opened ON opened.specproof_run = s.first_run\n\
         LEFT JOIN runs AS closed ON closed.specproof_run = s.last_run + 1\n\
         WHERE (SELECT CASE WHEN n > 0 THEN error('{REPEATED_KEY}') ELSE TRUE END FROM repeated)",
        union = union.join("\n  UNION ALL BY NAME\n  "),
        runs = runs.join(", "),
        same = same.join(" AND "),
        v_columns = v_columns.join(", "),
        on_key = on_key.join(" AND "),
        effective_at = quote(effective_at),
        expiry_at = quote(expiry_at),
        current_flag = quote(current_flag),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::catalog::add_ddl_text;
    use crate::spec::load::parse_spec;

    fn spec(constraints: &str) -> (LoadedSpec, Catalog) {
        let text = format!(
            r#"{{"schema": {{"raw_schema": "raw", "staging_schema": "stg", "final_schema": "mart"}},
                "models": [{{"name": "dim", "layer": "final", "sources": ["raw.people"],
                             "constraints": {{"scd_type": 2, "natural_key": "id", "effective_at": "valid_from",
                                             "expiry_at": "valid_to", "current_flag": "is_current"{constraints}}}}}]}}"#
        );
        let loaded = parse_spec("spec.json", text).expect("spec");
        let mut catalog = Catalog::default();
        add_ddl_text(
            &mut catalog,
            &mut Vec::new(),
            "CREATE TABLE raw.people (id INT64, name STRING, city STRING);",
            "p.sql",
        );
        (loaded, catalog)
    }

    fn history(constraints: &str, snapshots: &[&str]) -> Result<Vec<String>, String> {
        let (loaded, catalog) = spec(constraints);
        let conn = duckdb::Connection::open_in_memory().expect("DuckDB");
        let mut list = Vec::new();
        for (i, rows) in snapshots.iter().enumerate() {
            conn.execute_batch(&format!(
                "CREATE TABLE s{i} AS SELECT * FROM (VALUES {rows}) v(id, name, city) WHERE id IS NOT NULL"
            ))
            .expect("snapshot");
            list.push(Snapshot { relation: format!("s{i}"), run_time: format!("2024-01-0{} 00:00:00", i + 1) });
        }
        let sql = history_sql(&loaded, &catalog, 0, &list)?;
        let text = format!(
            "SELECT concat_ws('|', id, name, coalesce(city, '∅'), strftime(valid_from, '%d'), \
             coalesce(strftime(valid_to, '%Y-%m-%d'), 'open'), is_current) FROM ({sql}) ORDER BY ALL"
        );
        let mut statement = conn.prepare(&text).map_err(|e| e.to_string())?;
        let rows = statement.query_map([], |r| r.get::<_, String>(0)).map_err(|e| e.to_string())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())
    }

    #[test]
    fn versions_open_close_and_come_back() {
        let rows = history(
            "",
            &[
                "(1, 'ann', 'Oslo'), (2, 'bob', NULL), (3, 'cy', 'Rome')",
                // 1 changes, 2 changes from NULL, 3 disappears, 4 is new.
                "(1, 'ann', 'Bergen'), (2, 'bob', 'Paris'), (4, 'di', 'Kyiv')",
                // 1 unchanged, 2 unchanged, 3 comes back unchanged, 4 disappears.
                "(1, 'ann', 'Bergen'), (2, 'bob', 'Paris'), (3, 'cy', 'Rome')",
            ],
        )
        .unwrap();
        assert_eq!(
            rows,
            [
                "1|ann|Bergen|02|open|true",
                "1|ann|Oslo|01|2024-01-02|false",
                "2|bob|Paris|02|open|true",
                "2|bob|∅|01|2024-01-02|false",
                "3|cy|Rome|01|2024-01-02|false",
                "3|cy|Rome|03|open|true",
                "4|di|Kyiv|02|2024-01-03|false",
            ]
        );
    }

    #[test]
    fn only_tracked_columns_open_versions_and_far_future_is_open() {
        let rows = history(
            r#", "tracked_columns": ["city"], "open_expiry": "far_future""#,
            &["(1, 'ann', 'Oslo')", "(1, 'anne', 'Oslo')", "(1, 'anne', NULL)"],
        )
        .unwrap();
        // The name changing alone keeps the version, which holds its first snapshot's values.
        assert_eq!(rows, ["1|anne|∅|03|9999-12-31|true", "1|ann|Oslo|01|2024-01-03|false"]);
    }

    #[test]
    fn a_repeated_key_has_no_history() {
        let error = history("", &["(1, 'ann', 'Oslo'), (1, 'ann', 'Bergen')"]).unwrap_err();
        assert!(error.contains(REPEATED_KEY), "{error}");
    }
}
