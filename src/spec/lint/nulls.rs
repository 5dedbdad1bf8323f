//! `not_null`, `nullable: false` and primary keys on columns the spec's own meaning can fill
//! with NULL: a nullable source column no transform guards, the outer side of a join, or a
//! metric over a source that may have no rows for a group.

use crate::finding::Code;
use crate::spec::resolve::context::Lint;
use crate::spec::resolve::query::{ModelQuery, OutputColumn, QCol, FROM_IDENT};
use crate::sql::expr::{column_refs, nullability, Nullability};

/// Reports each output column that must not be null but can be.
pub fn check_not_null(lint: &mut Lint<'_>, mi: usize, q: &ModelQuery) {
    if q.incomplete {
        return;
    }
    let model = lint.spec.models[mi].name.clone();
    let dialect = lint.dialect();
    for output in &q.outputs {
        let Some(because) = output.not_null_because else { continue };
        let Some(reason) = why_nullable(q, output, dialect) else { continue };
        let message = format!("`{}` must not be null ({because}), but {reason}", output.name);
        // Point at the first nullable column the expression reads, when there is one.
        let at = output.expr.as_ref().and_then(|expr| {
            column_refs(expr)
                .into_iter()
                .find(|r| {
                    read_of(q, output, r.qualifier.as_deref(), &r.column).is_some_and(|c| column_reason(q, c).is_some())
                })
                .map(|r| (r.line, r.column_no))
        });
        let finding = match at {
            Some((line, column)) => {
                lint.report_in(Code::NotNullUnguarded, &model, &output.expr_path, line, column, message)
            }
            None => lint.report(Code::NotNullUnguarded, &model, &output.expr_path, message),
        };
        finding.help = Some(
            "guard the value (COALESCE or IFNULL), filter those rows out, or let the column be null (`nullable: true`, no `not_null`)"
                .into(),
        );
    }
}

/// Why the column can be null on allowed data, or `None` when it cannot (or cannot be told).
fn why_nullable(q: &ModelQuery, output: &OutputColumn, dialect: crate::spec::model::Dialect) -> Option<String> {
    let driving = q.joined.first().copied();
    if let (true, Some(source), Some(d)) = (q.per_source_metrics, output.metric_source, driving) {
        if source != d {
            let alias = &q.relations[source].alias;
            let driver = &q.relations[d].alias;
            return Some(format!("a group of `{driver}` with no rows in `{alias}` gets NULL"));
        }
    }
    let lookup = |qualifier: Option<&str>, column: &str| -> Nullability {
        match read_of(q, output, qualifier, column) {
            Some(qcol) if column_reason(q, qcol).is_some() => Nullability::Nullable,
            Some(_) => Nullability::NotNull,
            None => Nullability::Unknown,
        }
    };
    let verdict = match &output.expr {
        Some(expr) => nullability(expr, dialect, &lookup),
        None => match &output.direct {
            Some(qcol) if column_reason(q, qcol).is_some() => Nullability::Nullable,
            Some(_) => Nullability::NotNull,
            None => Nullability::Unknown,
        },
    };
    if verdict != Nullability::Nullable {
        return None;
    }
    let mut reasons: Vec<String> = output.reads.iter().filter_map(|(qcol, _)| column_reason(q, qcol)).collect();
    reasons.dedup();
    Some(match (reasons.is_empty(), &output.expr) {
        (true, _) => "its expression can produce NULL".to_string(),
        (false, Some(_)) => format!("{}, and the expression passes the null through", reasons.join("; ")),
        (false, None) => reasons.join("; "),
    })
}

/// The resolved column an expression's reference reads (`{from}` included).
fn read_of<'o>(q: &ModelQuery, output: &'o OutputColumn, qualifier: Option<&str>, column: &str) -> Option<&'o QCol> {
    if qualifier.is_none() && column == FROM_IDENT {
        return output.from.as_ref();
    }
    output.reads.iter().map(|(qcol, _)| qcol).find(|(r, c)| {
        c.eq_ignore_ascii_case(column) && qualifier.is_none_or(|want| q.relations[*r].alias.eq_ignore_ascii_case(want))
    })
}

/// Why a column read can be null, or `None` when its relation promises it is not.
fn column_reason(q: &ModelQuery, (r, c): &QCol) -> Option<String> {
    let relation = &q.relations[*r];
    let declared = relation.column(c)?;
    let filtered =
        |after: bool| q.filtered_not_null.iter().any(|((fr, fc), post)| fr == r && fc == c && *post == after);
    // A filter after the joins drops every row where it is NULL, padded by an outer join or not.
    if filtered(true) {
        return None;
    }
    if q.outer_nullable.contains(r) {
        Some(format!(
            "`{}.{}` is null where the outer join finds no `{}` row",
            relation.alias, declared.name, relation.alias
        ))
    } else if declared.nullable && !inner_join_rejects_null(q, &(*r, c.to_ascii_lowercase())) && !filtered(false) {
        let whose = if relation.model.is_some() { "its model allows nulls" } else { "its source declares no NOT NULL" };
        Some(format!("`{}.{}` can be null ({whose})", relation.alias, declared.name))
    } else {
        None
    }
}

/// An INNER join's `a = b` keeps no row where either side is null: on its output rows, a column
/// it equates (to a column, an expression or a literal) is never null.
fn inner_join_rejects_null(q: &ModelQuery, column: &QCol) -> bool {
    q.joins.iter().filter(|j| j.kind == crate::spec::resolve::query::JoinKind::Inner).any(|j| {
        j.equalities.iter().any(|(a, b)| a == column || b == column)
            || j.constants.contains(column)
            || j.derived.iter().any(|(_, c)| c == column)
    })
}

#[cfg(test)]
mod tests {
    use crate::spec::lint::test_support::{codes, column, lint_models, mapping};

    #[test]
    fn a_filter_that_rejects_nulls_guards_its_column() {
        // zoo inventory log FA-L2: a strict comparison keeps no row where the column is NULL.
        let c = column("email", "customers", "email", None, r#", "nullable": false"#);
        let model = |filters: &str| {
            let m = mapping("m", r#"["raw.customers"]"#, &format!("[{c}]"), "[]", "{}");
            let m = m.replacen("\"joins\"", &format!("\"filters\": {filters}, \"joins\""), 1);
            codes(&lint_models(&format!("[{m}]"), "")).into_iter().collect::<Vec<_>>()
        };
        assert_eq!(
            model(r#"[{"applies_to": "customers", "predicate": "email LIKE '%@%' AND status = 'a'"}]"#),
            Vec::<&str>::new()
        );
        assert_eq!(model(r#"[{"applies_to": "", "predicate": "customers.email <> ''"}]"#), Vec::<&str>::new());
        // Under an OR, or guarded by IS NULL, the NULL row may pass.
        assert_eq!(model(r#"[{"applies_to": "", "predicate": "email <> '' OR status = 'a'"}]"#), ["SPEC014"]);
        assert_eq!(model(r#"[{"applies_to": "", "predicate": "email IS NULL OR email <> ''"}]"#), ["SPEC014"]);
    }

    #[test]
    fn an_inner_join_equality_rejects_nulls() {
        // zoo payroll log FA-2: the INNER JOIN's `a.x = b.x` keeps no row with a null a.x.
        let c = column("country", "addresses", "country", None, r#", "nullable": false"#);
        let key = column("customer_id", "customers", "customer_id", None, "");
        let inner = r#"[{"left_table": "customers", "right_table": "addresses", "type": "INNER", "condition": "customers.customer_id = addresses.customer_id AND UPPER(customers.status) = addresses.country"}]"#;
        assert_eq!(one(&[key.clone(), c.clone()], r#"["raw.customers", "raw.addresses"]"#, inner), Vec::<&str>::new());
        // A LEFT join keeps its right side's nulls.
        let left = inner.replace("INNER", "LEFT");
        assert_eq!(one(&[key, c], r#"["raw.customers", "raw.addresses"]"#, &left), ["SPEC014"]);
    }

    fn one(columns: &[String], sources: &str, joins: &str) -> Vec<&'static str> {
        let model = mapping("m", sources, &format!("[{}]", columns.join(",")), joins, "{}");
        codes(&lint_models(&format!("[{model}]"), "")).into_iter().collect()
    }

    #[test]
    fn an_unguarded_nullable_column_cannot_be_not_null() {
        let c = column("email", "customers", "email", Some("LOWER(TRIM({from}))"), r#", "nullable": false"#);
        assert_eq!(one(&[c], r#"["raw.customers"]"#, "[]"), ["SPEC014"]);
        let c = column("email", "customers", "email", None, r#", "tests": ["not_null"]"#);
        assert_eq!(one(&[c], r#"["raw.customers"]"#, "[]"), ["SPEC014"]);
    }

    #[test]
    fn guards_and_not_null_sources_are_fine() {
        let guarded =
            column("email", "customers", "email", Some("COALESCE(LOWER({from}), '')"), r#", "nullable": false"#);
        let case = column(
            "s",
            "customers",
            "status",
            Some("CASE WHEN {from} = 'a' THEN 'x' ELSE 'y' END"),
            r#", "nullable": false"#,
        );
        let declared = column("id", "customers", "customer_id", None, r#", "tests": ["not_null"]"#);
        assert!(one(&[guarded, case, declared], r#"["raw.customers"]"#, "[]").is_empty());
    }

    #[test]
    fn the_outer_side_of_a_left_join_is_nullable() {
        let joins = r#"[{"left_table": "customers", "right_table": "orders", "type": "LEFT", "condition": "customers.customer_id = orders.customer_id"}]"#;
        let c = column("order_id", "orders", "order_id", None, r#", "nullable": false"#);
        let findings = one(std::slice::from_ref(&c), r#"["raw.customers", "raw.orders"]"#, joins);
        assert_eq!(findings, ["SPEC014"]);
        let inner = joins.replace("LEFT", "INNER");
        assert!(one(&[c], r#"["raw.customers", "raw.orders"]"#, &inner).is_empty());
    }

    #[test]
    fn a_metric_on_another_source_is_null_for_groups_it_lacks() {
        let model = r#"{"name": "f", "layer": "final", "sources": ["raw.orders", "raw.tickets"],
            "aggregations": [
              {"metric_column": "orders", "type": "INT64", "formula": "COUNT(*)", "tests": ["not_null"]},
              {"metric_column": "tickets", "type": "INT64", "formula": "COUNT(status)", "tests": ["not_null"]}],
            "group_by": ["customer_id"]}"#;
        let findings = lint_models(&format!("[{model}]"), "");
        assert_eq!(codes(&findings), ["SPEC014"]);
        assert_eq!(findings[0].json_path.as_deref(), Some("models[0].aggregations[1].formula"));
    }
}
