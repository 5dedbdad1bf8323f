//! `not_null`, `nullable: false` and primary keys on columns the spec's own meaning can fill
//! with NULL: a nullable source column no transform guards, the outer side of a join, or a
//! metric over a source that may have no rows for a group.

use super::context::Lint;
use super::query::{ModelQuery, OutputColumn, QCol, FROM_IDENT};
use crate::finding::Code;
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
    if q.outer_nullable.contains(r) {
        Some(format!(
            "`{}.{}` is null where the outer join finds no `{}` row",
            relation.alias, declared.name, relation.alias
        ))
    } else if declared.nullable {
        let whose = if relation.model.is_some() { "its model allows nulls" } else { "its source declares no NOT NULL" };
        Some(format!("`{}.{}` can be null ({whose})", relation.alias, declared.name))
    } else {
        None
    }
}
