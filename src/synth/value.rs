//! The dataset a synthesis produces: tables of typed columns, column-major, and the values in
//! them, with the calendar arithmetic their text forms need.

/// How much data to make, and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthOptions {
    /// The seed: the same seed, spec and sources always give the same dataset.
    pub seed: u64,
    /// Rows per source table, from a handful to millions. A table whose declarations cannot
    /// hold that many rows (a BOOL primary key holds two) gets fewer.
    pub rows: usize,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions { seed: 0, rows: 100 }
    }
}

/// Synthetic rows for every source table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// The tables, sorted by name.
    pub tables: Vec<SynthTable>,
}

impl Dataset {
    /// The table called `name` (`schema.table`).
    pub fn table(&self, name: &str) -> Option<&SynthTable> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Rows over all tables.
    pub fn total_rows(&self) -> usize {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// One source table's rows, column-major.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthTable {
    /// `schema.table`.
    pub name: String,
    /// The columns in declaration order; each holds `rows` values.
    pub columns: Vec<SynthColumn>,
    /// The number of rows.
    pub rows: usize,
}

impl SynthTable {
    /// The column called `name` (case-insensitive, as BigQuery compares column names).
    pub fn column(&self, name: &str) -> Option<&SynthColumn> {
        self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The schema and the table name; a name without a schema is in DuckDB's `main`.
    pub fn schema_and_table(&self) -> (&str, &str) {
        self.name.rsplit_once('.').unwrap_or(("main", &self.name))
    }
}

/// One column of a synthetic table.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthColumn {
    /// The column's name as declared.
    pub name: String,
    /// Its type as declared (BigQuery, or DuckDB when the DDL is DuckDB's).
    pub sql_type: String,
    /// The DuckDB type it is loaded as (spec-format.md's type table), e.g. `DECIMAL(38,9)`.
    pub duckdb_type: String,
    /// One value per row; `None` is SQL NULL.
    pub values: Vec<Option<Value>>,
}

/// One non-null value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// INT64.
    Int(i64),
    /// NUMERIC, exact decimal text: an optional `-`, digits, and at most 9 decimals.
    Decimal(String),
    /// FLOAT64.
    Float(f64),
    /// STRING (and the types carried as text: TIME, JSON, UUID).
    Str(String),
    /// BOOL.
    Bool(bool),
    /// DATE, days since 1970-01-01.
    Date(i32),
    /// TIMESTAMP or DATETIME, microseconds since 1970-01-01 00:00:00 UTC.
    Timestamp(i64),
    /// BYTES.
    Bytes(Vec<u8>),
}

impl Value {
    /// Simpler values to try in its place, simplest first, for shrinking a dataset that shows a
    /// finding down to one a person can read: zero, the empty string, the epoch, a shorter
    /// string, a value without fraction. Never holds the value itself.
    pub fn simpler(&self) -> Vec<Value> {
        let mut out = match self {
            Value::Int(n) => vec![Value::Int(0), Value::Int(n / 2), Value::Int(n - n.signum())],
            Value::Decimal(d) => {
                let whole = d.split('.').next().unwrap_or("0");
                let whole = if whole.is_empty() || whole == "-" || whole == "-0" { "0" } else { whole };
                vec![Value::Decimal("0".into()), Value::Decimal(whole.to_string())]
            }
            Value::Float(f) => vec![Value::Float(0.0), Value::Float(f.trunc())],
            Value::Str(s) => {
                let half: String = s.chars().take(s.chars().count() / 2).collect();
                vec![Value::Str(String::new()), Value::Str(half), Value::Str(s.trim().to_string())]
            }
            Value::Bool(_) => vec![Value::Bool(false)],
            Value::Date(_) => vec![Value::Date(0)],
            Value::Timestamp(t) => {
                vec![Value::Timestamp(0), Value::Timestamp(t.div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY)]
            }
            Value::Bytes(b) => vec![Value::Bytes(Vec::new()), Value::Bytes(b[..b.len() / 2].to_vec())],
        };
        let mut seen: Vec<Value> = Vec::with_capacity(out.len());
        out.retain(|v| {
            let keep = v != self && !seen.contains(v);
            if keep {
                seen.push(v.clone());
            }
            keep
        });
        out
    }

    /// The value as text: what a CSV cell holds and DuckDB reads back as the same value.
    /// Timestamps are UTC without a zone suffix; bytes are base64, as BigQuery writes them.
    pub fn to_text(&self) -> String {
        match self {
            Value::Int(n) => n.to_string(),
            Value::Decimal(d) => d.clone(),
            Value::Float(f) => format_float(*f),
            Value::Str(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Date(d) => format_date(*d),
            Value::Timestamp(t) => format_timestamp(*t),
            Value::Bytes(b) => base64(b),
        }
    }
}

/// Microseconds in a day.
pub const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Rust prints `1e300` where SQL readers expect digits; keep plain notation for the values
/// synthesis makes and Rust's shortest round-trip form otherwise.
fn format_float(f: f64) -> String {
    if f.is_finite() && f == f.trunc() && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian), after Howard Hinnant's
/// `days_from_civil`.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DD`.
pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD HH:MM:SS`, with `.ffffff` when the microseconds are not zero.
pub fn format_timestamp(micros: i64) -> String {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let in_day = micros.rem_euclid(MICROS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let secs = in_day / 1_000_000;
    let frac = in_day % 1_000_000;
    let (hh, mm, ss) = (secs / 3600, secs / 60 % 60, secs % 60);
    if frac == 0 {
        format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}.{frac:06}")
    }
}

/// Parses `YYYY-MM-DD` into days since the epoch.
pub fn parse_date(text: &str) -> Option<i32> {
    let text = text.trim();
    let mut parts = text.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    i32::try_from(days_from_civil(y, m, d)).ok()
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parses a timestamp literal as BigQuery writes them: `YYYY-MM-DD`, optionally followed by
/// `[ T]HH:MM[:SS[.ffffff]]` and a UTC marker (`Z`, `UTC`, `+00`, `+00:00`). Other offsets
/// are applied, so the result is always UTC.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    let date = text.get(..10)?;
    let days = parse_date(date)? as i64;
    let rest = text[10..].trim_start_matches([' ', 'T', 't']);
    let (time, zone) = split_zone(rest);
    let mut micros = 0i64;
    if !time.is_empty() {
        let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
        let mut fields = hms.split(':');
        let h: i64 = fields.next()?.parse().ok()?;
        let mi: i64 = fields.next()?.parse().ok()?;
        let s: i64 = fields.next().map_or(Some(0), |s| s.parse().ok())?;
        if fields.next().is_some() || h > 23 || mi > 59 || s > 59 || frac.len() > 6 {
            return None;
        }
        let frac_us: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<6}").parse().ok()? };
        micros = ((h * 60 + mi) * 60 + s) * 1_000_000 + frac_us;
    }
    let offset = parse_offset(zone)?;
    Some(days * MICROS_PER_DAY + micros - offset * 60_000_000)
}

fn split_zone(rest: &str) -> (&str, &str) {
    let rest = rest.trim();
    if let Some(stripped) = rest.strip_suffix("UTC") {
        return (stripped.trim(), "");
    }
    if let Some(stripped) = rest.strip_suffix(['Z', 'z']) {
        return (stripped.trim(), "");
    }
    // An offset starts at the last sign after the time's own digits.
    match rest.rfind(['+', '-']) {
        Some(at) if at > 0 => (rest[..at].trim(), &rest[at..]),
        _ => (rest, ""),
    }
}

/// Minutes east of UTC of `+HH`, `+HH:MM` or `+HHMM`; empty is UTC.
fn parse_offset(zone: &str) -> Option<i64> {
    if zone.is_empty() {
        return Some(0);
    }
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i64>().ok()?, 0),
        4 => (digits[..2].parse::<i64>().ok()?, digits[2..].parse::<i64>().ok()?),
        _ => return None,
    };
    Some(sign * (h * 60 + m))
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A source column: (table, column in lower case).
pub(crate) type ColKey = (String, String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        for days in [-719_162, -1, 0, 1, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(format_timestamp(-1), "1969-12-31 23:59:59.999999");
        assert_eq!(parse_timestamp("1969-12-31 23:59:59.999999"), Some(-1));
        assert_eq!(parse_timestamp("2024-06-01T10:00:00Z"), parse_timestamp("2024-06-01 10:00:00 UTC"));
        assert_eq!(parse_timestamp("2024-06-01 12:00:00+02:00"), parse_timestamp("2024-06-01 10:00:00"));
        assert_eq!(parse_timestamp("2024-06-01"), Some(19_875 * MICROS_PER_DAY));
        assert_eq!(parse_timestamp("2024-06-01 25:00:00"), None);
    }

    #[test]
    fn text_forms() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(Value::Float(2.0).to_text(), "2.0");
        assert_eq!(Value::Float(2.5).to_text(), "2.5");
    }

    #[test]
    fn simpler_values_are_different_and_simpler() {
        assert_eq!(Value::Int(10).simpler(), [Value::Int(0), Value::Int(5), Value::Int(9)]);
        assert!(Value::Int(0).simpler().is_empty());
        assert_eq!(Value::Str(" ab ".into()).simpler()[0], Value::Str(String::new()));
        assert_eq!(
            Value::Decimal("-12.5".into()).simpler(),
            [Value::Decimal("0".into()), Value::Decimal("-12".into())]
        );
        assert_eq!(Value::Bool(true).simpler(), [Value::Bool(false)]);
        assert!(Value::Bool(false).simpler().is_empty());
    }
}
