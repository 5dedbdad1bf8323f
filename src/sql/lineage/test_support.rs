//! What the lineage unit tests share: a fixture of tables and a trace of SQL text against it.

use super::{trace_in, Lineage, TableInfo, Tables};
use crate::sql::dialect::Dialect;
use crate::sql::parse::parse_statements;

struct Fixture;

impl Tables for Fixture {
    fn lookup(&self, parts: &[String]) -> Option<TableInfo> {
        let key = parts[parts.len().saturating_sub(2)..].join(".");
        let columns: &[&str] = match key.as_str() {
            "raw.crm_customers" => &["customer_id", "email", "phone", "status"],
            "raw.crm_addresses" => &["customer_id", "country", "city"],
            "raw.orders" => &["order_id", "customer_id", "amount"],
            "temp.stg_orders" => {
                return Some(TableInfo {
                    key: "stg_orders".into(),
                    columns: vec!["customer_id".into(), "amount_usd".into()],
                })
            }
            "analytics.dim" => return Some(TableInfo { key: "dim".into(), columns: vec![] }),
            _ => return None,
        };
        Some(TableInfo { key, columns: columns.iter().map(|c| c.to_string()).collect() })
    }
}

pub(super) fn lineage(sql: &str, dialect: Dialect) -> Lineage {
    let statements = parse_statements(sql, dialect).expect("parses");
    trace_in(&statements, &Fixture, "dim", dialect)
}

pub(super) fn reads(l: &Lineage, column: &str) -> Vec<String> {
    let out = l.outputs.iter().find(|o| o.name == column).unwrap_or_else(|| panic!("no output {column}"));
    out.reads.iter().map(ToString::to_string).collect()
}
