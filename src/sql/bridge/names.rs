//! Names: BigQuery's backtick names, which may hold several parts in one quoted token, as
//! DuckDB's double-quoted ones.

use sqlparser::ast::{Ident, ObjectNamePart};

/// A backtick-quoted BigQuery name becomes a double-quoted DuckDB one. A value holding `"` is
/// printed verbatim with the quote doubled, for the same reason as in
/// [`duckdb_string`](super::literals::duckdb_string).
pub(super) fn set_quoted(ident: &mut Ident) {
    if ident.value.contains('"') {
        ident.value = format!("\"{}\"", ident.value.replace('"', "\"\""));
        ident.quote_style = None;
    } else {
        ident.quote_style = Some('"');
    }
}

/// `` `raw.crm_customers` `` is one quoted token naming two things; split it into its parts.
pub(super) fn split_dotted_parts(parts: &mut Vec<ObjectNamePart>) {
    let mut out = Vec::with_capacity(parts.len());
    for part in parts.drain(..) {
        match part {
            ObjectNamePart::Identifier(ident) if ident.quote_style.is_some() && ident.value.contains('.') => {
                out.extend(split_ident(&ident).into_iter().map(ObjectNamePart::Identifier));
            }
            other => out.push(other),
        }
    }
    *parts = out;
}

pub(super) fn split_ident(ident: &Ident) -> Vec<Ident> {
    ident
        .value
        .split('.')
        .map(|piece| {
            let mut part = Ident { value: piece.to_string(), quote_style: Some('"'), span: ident.span };
            set_quoted(&mut part);
            part
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::sql::bridge::test_support::*;

    #[test]
    fn backtick_names_hold_schema_and_table() {
        let setup = "CREATE SCHEMA raw; CREATE TABLE raw.crm_customers AS SELECT 1 AS id, 'Ann' AS name; \
                     CREATE TABLE raw.orders AS SELECT 1 AS customer_id, 5 AS amount;";
        let got = run(
            setup,
            "SELECT `raw.crm_customers`.name, o.amount FROM `raw.crm_customers` \
             JOIN `raw`.`orders` AS o ON o.customer_id = `raw.crm_customers`.id",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["Ann|Int(5)"]);
    }

    #[test]
    fn quoted_identifiers_become_double_quoted() {
        assert_eq!(translate("`my col` * 2"), r#""my col" * CAST(2 AS BIGINT)"#);
        let got = run("CREATE TABLE t AS SELECT 1 AS \"order\"", "SELECT `order` AS `select` FROM t", "", &bigquery());
        assert_eq!(texts(&got), ["Int(1)"]);
    }
}
