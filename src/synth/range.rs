//! How large a source column's values may be, so that every expression of the spec stays inside
//! the range of the types it computes in.
//!
//! One fixed cap cannot do it: `SUM(a * b) * rate` multiplies three columns and sums over a
//! group, so values that are harmless alone overflow together, while a column never multiplied
//! can take the type's extremes. Each expression's magnitude is estimated as a function of a
//! per-column bound `10^x`: a product adds the factors' degrees (and DuckDB's DECIMAL scales:
//! NUMERIC × NUMERIC is DECIMAL(38,18), good to 1e20; three factors DECIMAL(38,27), 1e11), a
//! SUM multiplies by the rows a group can hold, a division by a NUMERIC may divide by 1e-9.
//! Each node then asks `degree·x + log ≤ limit`, and every column it reads takes the smallest
//! `x` any node allows. Upstream models are read through: a downstream `SUM(amount_usd)` over
//! `total_amount * rate` bounds `total_amount` and `rate`.
//!
//! The limits are the narrower of the source dialect's type (INT64 9.2e18, NUMERIC 1e29) and
//! DuckDB's translated one, so the reference and the code both run; where DuckDB cannot hold
//! what BigQuery does even on small values, the run reports a translation limit (DIF004).

use super::harvest::ColKey;
use crate::spec::catalog::Catalog;
use crate::spec::model::Spec;
use crate::spec::resolve::context::{alias_of, resolve_ref, target_of, RefResolution, Relation, Target};
use crate::spec::resolve::query::{ModelQuery, FROM_IDENT};
use crate::sql::expr::{column_refs, ColumnRef};
use crate::sql::parse::parse_expression;
use sqlparser::ast::{
    BinaryOperator, DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, UnaryOperator, Value,
};
use std::collections::{BTreeMap, BTreeSet};

/// Beyond this many decimal digits a bound is no bound: the type's own range rules.
const NO_BOUND: f64 = 30.0;
/// Orders of magnitude kept free below each limit (rounding, a few more rows than planned).
const MARGIN: f64 = 1.0;
/// How deep upstream models are read through.
const MAX_DEPTH: usize = 32;

/// The most a value of each bounded source column may be, in absolute value.
pub(crate) fn bounds(
    spec: &Spec,
    catalog: &Catalog,
    queries: &[Option<ModelQuery>],
    rows: usize,
) -> BTreeMap<ColKey, f64> {
    // A group can gather every row of a table, and a join can multiply them.
    let group = ((rows.max(1) * 4) as f64).log10();
    let walker = Walker { spec, catalog, queries, group };
    let mut exponents: BTreeMap<ColKey, f64> = BTreeMap::new();
    for (mi, model) in spec.models.iter().enumerate() {
        let Some(q) = queries.get(mi).and_then(Option::as_ref) else { continue };
        let mut limit = |m: &Mag| {
            for (col, x) in m.allowed() {
                let e = exponents.entry(col).or_insert(NO_BOUND);
                *e = e.min(x);
            }
        };
        for output in &q.outputs {
            let Some(expr) = &output.expr else { continue };
            walker.mag(mi, q, output.from.as_ref(), expr, 0, &mut limit);
        }
        for filter in &model.filters {
            let Ok(expr) = parse_expression(filter.predicate.as_deref().unwrap_or("").trim(), spec.dialect) else {
                continue;
            };
            walker.mag(mi, q, None, &expr, 0, &mut limit);
        }
        for join in &model.joins {
            let Ok(expr) = parse_expression(&join.condition, spec.dialect) else { continue };
            walker.mag(mi, q, None, &expr, 0, &mut limit);
        }
    }
    exponents.into_iter().filter(|(_, x)| *x < NO_BOUND).map(|(c, x)| (c, 10f64.powf(x.max(0.0)))).collect()
}

/// An expression's magnitude: at most `10^(degree·x + log)` when every column it reads is at
/// most `10^x`.
#[derive(Debug, Clone, Default)]
struct Mag {
    degree: u32,
    log: f64,
    /// NUMERIC factors multiplied: DuckDB's DECIMAL scale is nine times this.
    decimals: u32,
    numeric: bool,
    float: bool,
    cols: BTreeSet<ColKey>,
}

impl Mag {
    fn join(mut self, other: Mag) -> Mag {
        self.degree = self.degree.max(other.degree);
        self.log = self.log.max(other.log);
        self.decimals = self.decimals.max(other.decimals);
        self.numeric |= other.numeric;
        self.float |= other.float;
        self.cols.extend(other.cols);
        self
    }

    fn times(mut self, other: Mag) -> Mag {
        self.degree += other.degree;
        self.log += other.log;
        self.decimals += other.decimals;
        self.numeric |= other.numeric;
        self.float |= other.float;
        self.cols.extend(other.cols);
        self
    }

    /// The largest magnitude (log10) the result's type holds, in the source dialect and in
    /// DuckDB.
    fn limit(&self) -> f64 {
        if self.float {
            300.0
        } else if self.numeric {
            let duckdb = if self.decimals > 1 { 38.0 - 9.0 * f64::from(self.decimals) } else { 29.0 };
            duckdb.min(29.0)
        } else {
            18.9
        }
    }

    /// The exponent each column may reach for this node to stay in range.
    fn allowed(&self) -> Vec<(ColKey, f64)> {
        if self.degree == 0 {
            return Vec::new();
        }
        let x = (self.limit() - MARGIN - self.log) / f64::from(self.degree);
        self.cols.iter().map(|c| (c.clone(), x)).collect()
    }
}

struct Walker<'a> {
    spec: &'a Spec,
    catalog: &'a Catalog,
    queries: &'a [Option<ModelQuery>],
    group: f64,
}

impl Walker<'_> {
    /// The magnitude of `expr` in model `mi`, reporting every node's to `limit`.
    fn mag(
        &self,
        mi: usize,
        q: &ModelQuery,
        from: Option<&crate::spec::resolve::query::QCol>,
        expr: &Expr,
        depth: usize,
        limit: &mut dyn FnMut(&Mag),
    ) -> Mag {
        let rec = |e: &Expr, limit: &mut dyn FnMut(&Mag)| self.mag(mi, q, from, e, depth, limit);
        let m = match expr {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
                let refs = column_refs(expr);
                match refs.first() {
                    Some(r) => self.column(mi, q, from, r, depth),
                    None => Mag::default(),
                }
            }
            Expr::Value(v) => match &v.value {
                Value::Number(n, _) => {
                    let n: f64 = n.parse().unwrap_or(0.0);
                    Mag { log: if n.abs() > 1.0 { n.abs().log10() } else { 0.0 }, ..Mag::default() }
                }
                _ => Mag::default(),
            },
            Expr::Nested(inner) | Expr::UnaryOp { op: UnaryOperator::Minus | UnaryOperator::Plus, expr: inner } => {
                rec(inner, limit)
            }
            Expr::BinaryOp { left, op, right } => {
                let (l, r) = (rec(left, limit), rec(right, limit));
                match op {
                    BinaryOperator::Multiply => l.times(r),
                    BinaryOperator::Plus | BinaryOperator::Minus => {
                        let mut m = l.join(r);
                        m.log += 0.31;
                        m
                    }
                    BinaryOperator::Divide => divide(l, &r),
                    _ => Mag::default(),
                }
            }
            Expr::Cast { expr: inner, data_type, .. } => {
                let m = rec(inner, limit);
                cast(m, data_type)
            }
            Expr::Case { operand, conditions, else_result, .. } => {
                if let Some(o) = operand {
                    rec(o, limit);
                }
                let mut m = Mag::default();
                for when in conditions {
                    rec(&when.condition, limit);
                    m = m.join(rec(&when.result, limit));
                }
                if let Some(e) = else_result {
                    m = m.join(rec(e, limit));
                }
                m
            }
            Expr::Function(f) => {
                let name = f.name.to_string().to_ascii_uppercase();
                let args: Vec<&Expr> = match &f.args {
                    FunctionArguments::List(list) => list
                        .args
                        .iter()
                        .filter_map(|a| match a {
                            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                            FunctionArg::Named { arg: FunctionArgExpr::Expr(e), .. } => Some(e),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                let mags: Vec<Mag> = args.iter().map(|a| rec(a, limit)).collect();
                match name.as_str() {
                    "COUNT" | "COUNTIF" | "COUNT_IF" => Mag { log: self.group, ..Mag::default() },
                    "SUM" => {
                        let mut m = mags.into_iter().fold(Mag::default(), Mag::join);
                        m.log += self.group;
                        m
                    }
                    "SAFE_DIVIDE" | "IEEE_DIVIDE" | "DIV" => match mags.as_slice() {
                        [a, b] => divide(a.clone(), b),
                        _ => Mag::default(),
                    },
                    "SAFE_MULTIPLY" => mags.into_iter().fold(Mag::default(), Mag::times),
                    "LENGTH" | "CHAR_LENGTH" | "STRPOS" | "INSTR" | "EXTRACT" | "DATE_DIFF" | "TIMESTAMP_DIFF"
                    | "DATETIME_DIFF" => Mag { log: 9.0, ..Mag::default() },
                    // IF, COALESCE, ROUND, ABS, GREATEST, MIN, MAX, AVG, …: no larger than
                    // their largest argument.
                    _ => mags.into_iter().fold(Mag::default(), Mag::join),
                }
            }
            other => {
                // Comparisons, IN, BETWEEN, IS NULL, …: a boolean, but their operands are
                // computed and must stay in range too.
                for child in direct_children(other) {
                    rec(child, limit);
                }
                Mag::default()
            }
        };
        limit(&m);
        m
    }

    /// A column reference: a source column of a numeric type, or an upstream model's output
    /// read through.
    fn column(
        &self,
        mi: usize,
        q: &ModelQuery,
        from: Option<&crate::spec::resolve::query::QCol>,
        r: &ColumnRef,
        depth: usize,
    ) -> Mag {
        let qcol = if r.qualifier.is_none() && r.column == FROM_IDENT {
            from.cloned()
        } else {
            let relations: Vec<&Relation> = q.relations.iter().collect();
            match resolve_ref(&relations, r) {
                RefResolution::Found { index, column } => Some((index, column.to_ascii_lowercase())),
                _ => None,
            }
        };
        let Some((rel, col)) = qcol else { return Mag::default() };
        let Some(alias) = q.relations.get(rel).map(|r| r.alias.clone()) else { return Mag::default() };
        let Some(entry) = self.spec.models[mi].sources.iter().find(|e| alias_of(e).eq_ignore_ascii_case(&alias)) else {
            return Mag::default();
        };
        match target_of(self.spec, self.catalog, entry) {
            Target::Table(name) => {
                let Some(table) = self.catalog.get(&name) else { return Mag::default() };
                let Some(c) = table.table.columns.iter().find(|c| c.name.eq_ignore_ascii_case(&col)) else {
                    return Mag::default();
                };
                let ty = c.data_type.as_deref().unwrap_or("").to_ascii_uppercase();
                let key = (name, c.name.to_ascii_lowercase());
                let one = |numeric: bool, float: bool| Mag {
                    degree: 1,
                    decimals: u32::from(numeric),
                    numeric,
                    float,
                    cols: BTreeSet::from([key.clone()]),
                    ..Mag::default()
                };
                if ty.starts_with("NUMERIC") || ty.starts_with("BIGNUMERIC") || ty.starts_with("DECIMAL") {
                    one(true, false)
                } else if ty.starts_with("INT") || ty.starts_with("BIGINT") {
                    one(false, false)
                } else if ty.starts_with("FLOAT") || ty.starts_with("DOUBLE") {
                    one(false, true)
                } else {
                    Mag::default()
                }
            }
            Target::Model(k) if depth < MAX_DEPTH => {
                let Some(uq) = self.queries.get(k).and_then(Option::as_ref) else { return Mag::default() };
                let Some(output) = uq.outputs.iter().find(|o| o.name.eq_ignore_ascii_case(&col)) else {
                    return Mag::default();
                };
                match (&output.expr, &output.direct) {
                    (Some(expr), _) => self.mag(k, uq, output.from.as_ref(), expr, depth + 1, &mut |_| {}),
                    (None, Some(_)) | (None, None) => match &output.from {
                        Some((r2, c2)) => {
                            let reference = ColumnRef {
                                qualifier: uq.relations.get(*r2).map(|r| r.alias.clone()),
                                column: c2.clone(),
                                in_aggregate: false,
                                line: 0,
                                column_no: 0,
                            };
                            self.column(k, uq, None, &reference, depth + 1)
                        }
                        None => Mag::default(),
                    },
                }
            }
            _ => Mag::default(),
        }
    }
}

/// `value` brought within `bound` in absolute value, keeping its sign and decimals: the
/// integer part is taken modulo the bound, so bounded values still differ from each other.
pub(crate) fn within(value: super::value::Value, bound: f64) -> super::value::Value {
    use super::value::Value as V;
    let cap = bound.floor().max(1.0);
    match value {
        V::Int(n) if (n as f64).abs() > cap => V::Int(n % (cap as i64 + 1)),
        V::Float(f) if f.abs() > cap => V::Float(f % (cap + 1.0)),
        V::Decimal(d) => {
            let (sign, digits) = d.strip_prefix('-').map_or(("", d.as_str()), |rest| ("-", rest));
            let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
            match whole.parse::<f64>() {
                Ok(w) if w + 1.0 > cap => {
                    let kept = (w % cap).floor() as u64;
                    let sign = if kept == 0 && frac.trim_end_matches('0').is_empty() { "" } else { sign };
                    let frac = if frac.is_empty() { String::new() } else { format!(".{frac}") };
                    V::Decimal(format!("{sign}{kept}{frac}"))
                }
                _ => V::Decimal(d),
            }
        }
        other => other,
    }
}

/// `a / b`: DuckDB divides NUMERICs as DOUBLE; BigQuery keeps NUMERIC, and a NUMERIC divisor
/// can be as small as 1e-9.
fn divide(mut a: Mag, b: &Mag) -> Mag {
    if b.numeric {
        a.log += 9.0;
    }
    a.decimals = 0;
    a.numeric |= b.numeric;
    a.float |= b.float;
    a.cols.extend(b.cols.iter().cloned());
    a
}

/// A cast sets the type the value computes in from then on: a NUMERIC restarts DuckDB's scale.
fn cast(mut m: Mag, to: &DataType) -> Mag {
    let name = to.to_string().to_ascii_uppercase();
    if name.starts_with("NUMERIC") || name.starts_with("DECIMAL") || name.starts_with("BIGNUMERIC") {
        m.decimals = u32::from(m.degree > 0);
        m.numeric = true;
        m.float = false;
    } else if name.starts_with("INT") || name.starts_with("BIGINT") {
        m.decimals = 0;
        m.numeric = false;
        m.float = false;
    } else if name.starts_with("FLOAT") || name.starts_with("DOUBLE") {
        m.decimals = 0;
        m.float = true;
    } else {
        return Mag::default();
    }
    m
}

/// The expressions directly under a boolean expression.
fn direct_children(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::IsNull(e) | Expr::IsNotNull(e) | Expr::IsTrue(e) | Expr::IsFalse(e) | Expr::UnaryOp { expr: e, .. } => {
            vec![e]
        }
        Expr::Between { expr, low, high, .. } => vec![expr, low, high],
        Expr::InList { expr, list, .. } => std::iter::once(&**expr).chain(list.iter()).collect(),
        Expr::BinaryOp { left, right, .. } => vec![left, right],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::catalog::add_ddl_text;
    use crate::spec::load::parse_spec;

    fn bounds_of(models: &str, ddl: &str) -> BTreeMap<ColKey, f64> {
        let text = format!(
            r#"{{"schema": {{"raw_schema": "raw", "staging_schema": "staging", "final_schema": "analytics"}}, "models": {models}}}"#
        );
        let loaded = parse_spec("spec.json", text).expect("test spec loads");
        let mut catalog = Catalog::default();
        let mut findings = Vec::new();
        add_ddl_text(&mut catalog, &mut findings, ddl, "s.sql");
        let queries = crate::spec::resolve::resolve_models(&loaded, &catalog);
        bounds(&loaded.spec, &catalog, &queries, 100)
    }

    const DDL: &str =
        "CREATE TABLE raw.lines (id INT64 NOT NULL, qty NUMERIC, price NUMERIC, n INT64, note STRING, rate NUMERIC);";

    fn model(formula: &str) -> String {
        format!(
            r#"[{{"name": "m", "layer": "staging", "sources": ["raw.lines"], "group_by": ["id"],
                "aggregations": [{{"metric_column": "v", "type": "NUMERIC", "formula": "{formula}"}}]}}]"#
        )
    }

    fn key(c: &str) -> ColKey {
        ("raw.lines".into(), c.into())
    }

    #[test]
    fn products_and_sums_bound_the_columns_they_read() {
        // Issue 14: SUM(a * b) * rate passed DuckDB's DECIMAL(38,27) range (1e11).
        let b = bounds_of(&model("SUM(qty * price) * rate"), DDL);
        let (qty, rate) = (b[&key("qty")], b[&key("rate")]);
        // Three NUMERIC factors summed over a group of 400 rows stay within 1e10.
        assert!(qty.powi(3) * 400.0 <= 1.001e10, "{qty}");
        assert!(qty >= 100.0, "values are not squeezed for nothing: {qty}");
        assert_eq!(qty, rate);
        // A column no expression multiplies or sums is left alone.
        assert!(!b.contains_key(&key("n")) && !b.contains_key(&key("note")));
        // A single NUMERIC summed keeps a wide range.
        let b = bounds_of(&model("SUM(qty)"), DDL);
        assert!(b[&key("qty")] >= 1e20, "{b:?}");
        // INT64 × INT64 stays inside INT64.
        let b = bounds_of(&model("SUM(n * n)"), DDL);
        assert!(b[&key("n")].powi(2) * 400.0 < 9.2e18 && b[&key("n")] > 1e6, "{b:?}");
        // A product through a cast to NUMERIC: DECIMAL(38,18), good to 1e20.
        let b = bounds_of(&model("SUM(CAST(n AS NUMERIC) * price)"), DDL);
        assert!(b[&key("n")].powi(2) * 400.0 <= 1.001e20, "{b:?}");
    }

    #[test]
    fn upstream_models_are_read_through() {
        let models = r#"[{"name": "up", "layer": "staging", "sources": ["raw.lines"],
            "column_mapping": [{"target_column": "id", "type": "INT64", "from_table": "lines", "from_column": "id"},
                               {"target_column": "amount", "type": "NUMERIC", "from_table": "lines", "from_column": "qty", "transform": "{from} * lines.price"}]},
            {"name": "down", "layer": "final", "sources": ["up"], "group_by": ["id"],
             "aggregations": [{"metric_column": "v", "type": "NUMERIC", "formula": "SUM(amount) * 10"}]}]"#;
        let b = bounds_of(models, DDL);
        let price = b[&key("price")];
        assert!(price.powi(2) * 400.0 * 10.0 <= 1e20, "{price}");
    }
}
