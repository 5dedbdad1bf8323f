//! Column types as synthesis sees them: the DuckDB type a column is loaded as, what values it
//! can hold (NUMERIC(P, S) digits, STRING(L) length), its edge cases, and the value
//! generators every column is built from.
//!
//! Every generator here is a pure function of a number (a draw or an id), so a value can be
//! made again from the number alone; a shrinking step replaces numbers with smaller ones, and
//! a draw of 0 always gives the simplest value.

use super::value::{days_from_civil, parse_date, parse_timestamp, Value, MICROS_PER_DAY};
use sqlparser::ast::{CharacterLength, DataType, ExactNumberInfo};
use sqlparser::dialect::{BigQueryDialect, DuckDbDialect};
use sqlparser::parser::Parser;

/// The value families synthesis knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Numeric,
    Float,
    Str,
    Bool,
    Date,
    Timestamp,
    Datetime,
    Bytes,
    Time,
    Json,
    Uuid,
    /// Types synthesis does not model (ARRAY, STRUCT, INTERVAL, GEOGRAPHY, unknown names):
    /// loaded as VARCHAR with text values.
    Other,
}

/// A column's type with the parameters that limit its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ty {
    pub kind: Kind,
    /// NUMERIC precision and scale (38, 9 when not written).
    pub precision: u32,
    pub scale: u32,
    /// STRING(L) / BYTES(L).
    pub max_len: Option<usize>,
}

/// Where generated timestamps and dates centre: 2024-01-01.
const BASE_DAY: i64 = 19_723;
/// 9999-12-31, the last day BigQuery holds.
const LAST_DAY: i64 = 2_932_896;

impl Ty {
    /// The type of a column of canonical family `family` (see `sql::types`), written `written`.
    pub(crate) fn of(family: Option<&str>, written: &str) -> Ty {
        let kind = match family.unwrap_or("") {
            "INT64" => Kind::Int,
            "NUMERIC" | "BIGNUMERIC" => Kind::Numeric,
            "FLOAT64" => Kind::Float,
            "STRING" => Kind::Str,
            "BOOL" => Kind::Bool,
            "DATE" => Kind::Date,
            "TIMESTAMP" => Kind::Timestamp,
            "DATETIME" => Kind::Datetime,
            "BYTES" => Kind::Bytes,
            "TIME" => Kind::Time,
            "JSON" => Kind::Json,
            "UUID" => Kind::Uuid,
            _ => Kind::Other,
        };
        let mut ty = Ty { kind, precision: 38, scale: 9, max_len: None };
        match parse_type(written) {
            Some(DataType::Numeric(info) | DataType::Decimal(info) | DataType::Dec(info))
            | Some(DataType::BigNumeric(info) | DataType::BigDecimal(info)) => match info {
                ExactNumberInfo::Precision(p) if p <= 38 => (ty.precision, ty.scale) = (p as u32, 0),
                ExactNumberInfo::PrecisionAndScale(p, s) if p <= 38 && s >= 0 && (s as u64) <= p => {
                    (ty.precision, ty.scale) = (p as u32, s as u32)
                }
                _ => {}
            },
            Some(DataType::String(Some(n)) | DataType::Bytes(Some(n))) => ty.max_len = usize::try_from(n).ok(),
            Some(DataType::Varchar(Some(CharacterLength::IntegerLength { length, .. })))
            | Some(DataType::Char(Some(CharacterLength::IntegerLength { length, .. }))) => {
                ty.max_len = usize::try_from(length).ok()
            }
            _ => {}
        }
        ty
    }

    /// The DuckDB type the column is created with (spec-format.md's type table).
    pub(crate) fn duckdb(&self) -> String {
        match self.kind {
            Kind::Int => "BIGINT".into(),
            Kind::Numeric => format!("DECIMAL({},{})", self.precision, self.scale),
            Kind::Float => "DOUBLE".into(),
            Kind::Str | Kind::Json | Kind::Other => "VARCHAR".into(),
            Kind::Bool => "BOOLEAN".into(),
            Kind::Date => "DATE".into(),
            Kind::Timestamp | Kind::Datetime => "TIMESTAMP".into(),
            Kind::Bytes => "BLOB".into(),
            Kind::Time => "TIME".into(),
            Kind::Uuid => "UUID".into(),
        }
    }

    /// Integer digits a NUMERIC value may have.
    fn int_digits(&self) -> u32 {
        self.precision - self.scale
    }

    /// How many distinct values [`Ty::unique`] can make, when that is a limit worth knowing
    /// (fewer than 2^40).
    pub(crate) fn capacity(&self) -> Option<u64> {
        let pow =
            |base: u64, exp: usize| (0..exp).try_fold(1u64, |acc, _| acc.checked_mul(base).filter(|v| *v < 1 << 40));
        match self.kind {
            Kind::Bool => Some(2),
            Kind::Numeric => pow(10, self.int_digits() as usize).map(|n| n.saturating_sub(1)),
            Kind::Date => Some((LAST_DAY - BASE_DAY) as u64),
            Kind::Str | Kind::Other => self.max_len.and_then(|l| pow(36, l)).map(|n| n.saturating_sub(1)),
            Kind::Bytes => self.max_len.and_then(|l| pow(256, l)).map(|n| n.saturating_sub(1)),
            _ => None,
        }
    }

    /// Whether `value` fits the declared type (length, digits).
    pub(crate) fn fits(&self, value: &Value) -> bool {
        match (self.kind, value) {
            (Kind::Int, Value::Int(_)) | (Kind::Float, Value::Float(_)) | (Kind::Bool, Value::Bool(_)) => true,
            (Kind::Numeric, Value::Decimal(d)) => {
                let digits = d.trim_start_matches('-');
                let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
                let whole = whole.trim_start_matches('0');
                whole.len() <= self.int_digits() as usize && frac.len() <= self.scale as usize
            }
            (Kind::Str | Kind::Json | Kind::Time | Kind::Uuid | Kind::Other, Value::Str(s)) => {
                self.max_len.is_none_or(|l| s.chars().count() <= l)
            }
            (Kind::Bytes, Value::Bytes(b)) => self.max_len.is_none_or(|l| b.len() <= l),
            (Kind::Date, Value::Date(d)) => (*d as i64) <= LAST_DAY && (*d as i64) >= -719_162,
            (Kind::Timestamp | Kind::Datetime, Value::Timestamp(_)) => true,
            _ => false,
        }
    }

    /// An injective map from ids to values: distinct ids give distinct values, which keys and
    /// join pools need. `words` are readable values used for the first ids (a column's
    /// vocabulary); `prefix` names the rest. Ids must stay below [`Ty::capacity`].
    pub(crate) fn unique(&self, id: u64, words: &[&str], prefix: &str) -> Value {
        match self.kind {
            Kind::Int => Value::Int(id as i64 + 1),
            Kind::Numeric => Value::Decimal((id + 1).to_string()),
            Kind::Float => Value::Float(id as f64 + 0.5),
            Kind::Bool => Value::Bool(id % 2 == 1),
            Kind::Date => Value::Date((BASE_DAY - 1461 + id as i64).min(LAST_DAY) as i32),
            Kind::Timestamp | Kind::Datetime => {
                Value::Timestamp((BASE_DAY - 366) * MICROS_PER_DAY + id as i64 * 60_000_000)
            }
            Kind::Bytes => {
                let mut bytes: Vec<u8> = id.to_le_bytes().into_iter().rev().skip_while(|b| *b == 0).collect();
                bytes.reverse();
                match self.max_len {
                    Some(_) => Value::Bytes(bytes),
                    None => Value::Bytes([b"k".as_slice(), &bytes].concat()),
                }
            }
            Kind::Time => Value::Str(time_text(id % (86_400 * 1_000_000))),
            Kind::Json => Value::Str(format!("{{\"id\": {id}}}")),
            Kind::Uuid => Value::Str(format!("00000000-0000-4000-8000-{:012x}", id & 0xffff_ffff_ffff)),
            Kind::Str | Kind::Other => {
                if let Some(len) = self.max_len {
                    return Value::Str(base36(id, len));
                }
                match words.get(id as usize) {
                    Some(word) => Value::Str((*word).to_string()),
                    None => Value::Str(format!("{prefix}-{}", id - words.len() as u64 + 1)),
                }
            }
        }
    }

    /// An ordinary value for a draw: values repeat (a column without a key holds duplicates),
    /// and draw 0 is the simplest.
    pub(crate) fn ordinary(&self, draw: u64, words: &[&str], prefix: &str) -> Value {
        let v = match self.kind {
            Kind::Int => Value::Int((draw % 100) as i64),
            Kind::Numeric => {
                let limit = 10u64.saturating_pow(self.int_digits().min(6));
                let whole = (draw / 100) % limit.max(1);
                let cents = draw % 100;
                match self.scale {
                    0 => Value::Decimal(whole.to_string()),
                    1 => Value::Decimal(format!("{whole}.{}", cents / 10)),
                    _ => Value::Decimal(format!("{whole}.{cents:02}")),
                }
            }
            Kind::Float => Value::Float((draw % 1_000_000) as f64 / 100.0),
            Kind::Bool => Value::Bool(draw % 2 == 1),
            Kind::Date => Value::Date((BASE_DAY - 365 + (draw % 731) as i64) as i32),
            Kind::Timestamp | Kind::Datetime => {
                let seconds = (draw % (731 * 86_400)) as i64;
                // Now and then a timestamp carries microseconds, which truncation must keep.
                let micros = if (draw >> 40) % 8 == 1 { ((draw >> 20) % 1_000_000) as i64 } else { 0 };
                Value::Timestamp((BASE_DAY - 365) * MICROS_PER_DAY + seconds * 1_000_000 + micros)
            }
            Kind::Bytes => Value::Bytes(((draw % 65_536) as u16).to_be_bytes().to_vec()),
            Kind::Time => Value::Str(time_text((draw % 86_400) * 1_000_000)),
            Kind::Json => Value::Str(format!("{{\"n\": {}}}", draw % 100)),
            Kind::Uuid => Value::Str(format!("00000000-0000-4000-8000-{:012x}", draw % 1000)),
            Kind::Str | Kind::Other => {
                if words.is_empty() {
                    Value::Str(format!("{prefix}-{}", draw % 50))
                } else {
                    Value::Str(words[(draw % words.len() as u64) as usize].to_string())
                }
            }
        };
        self.clamp(v)
    }

    /// A value cut to the declared length, so draws always fit.
    fn clamp(&self, v: Value) -> Value {
        match (self.max_len, v) {
            (Some(l), Value::Str(s)) if s.chars().count() > l => Value::Str(s.chars().take(l).collect()),
            (Some(l), Value::Bytes(mut b)) if b.len() > l => {
                b.truncate(l);
                Value::Bytes(b)
            }
            (_, v) => v,
        }
    }

    /// The edge cases of the type, most telling first: zero, negatives, values past float
    /// precision, many decimals, empty and padded strings, non-ASCII, day and year boundaries.
    pub(crate) fn edges(&self) -> Vec<Value> {
        let day = |y, m, d| days_from_civil(y, m, d);
        let ts = |y, m, d, secs: i64, micros: i64| (day(y, m, d) * 86_400 + secs) * 1_000_000 + micros;
        let values = match self.kind {
            Kind::Int => vec![
                Value::Int(0),
                Value::Int(-1),
                // 2^53 + 1: the first integer a FLOAT64 cannot hold.
                Value::Int(9_007_199_254_740_993),
                Value::Int(-2_147_483_649),
            ],
            Kind::Numeric => ["0", "-1.5", "0.000000001", "123456789.123456789", "2.5", "-2.5", "100.005"]
                .into_iter()
                .map(|d| Value::Decimal(d.into()))
                .collect(),
            Kind::Float => [0.0, -1.5, 2.5, -2.5, 0.1, 1e15 + 0.5].into_iter().map(Value::Float).collect(),
            Kind::Str | Kind::Other => {
                ["", "  padded  ", "MiXeD CaSe", "ünïcödé ✓ 日本", "O'Brien, \"quoted\"", "line\nbreak"]
                    .into_iter()
                    .map(|s| Value::Str(s.into()))
                    .collect()
            }
            Kind::Bool => vec![Value::Bool(false), Value::Bool(true)],
            Kind::Date => [day(1970, 1, 1), day(2024, 2, 29), day(2023, 12, 31), day(2024, 1, 1), day(1969, 12, 31)]
                .into_iter()
                .map(|d| Value::Date(d as i32))
                .collect(),
            Kind::Timestamp | Kind::Datetime => [
                ts(1970, 1, 1, 0, 0),
                ts(2023, 12, 31, 86_399, 999_999),
                ts(2024, 1, 1, 0, 0),
                ts(2024, 2, 29, 12 * 3600, 0),
                ts(1969, 12, 31, 86_399, 999_999),
                ts(2024, 3, 10, 2 * 3600 + 1800, 0),
            ]
            .into_iter()
            .map(Value::Timestamp)
            .collect(),
            Kind::Bytes => vec![Value::Bytes(vec![]), Value::Bytes(vec![0]), Value::Bytes(vec![0xff, 0xfe])],
            Kind::Time => {
                ["00:00:00", "23:59:59.999999", "12:00:00"].into_iter().map(|s| Value::Str(s.into())).collect()
            }
            Kind::Json => {
                ["{}", "[]", "null", "{\"a\": {\"b\": [1, 2]}}"].into_iter().map(|s| Value::Str(s.into())).collect()
            }
            Kind::Uuid => vec![Value::Str("00000000-0000-0000-0000-000000000000".into())],
        };
        values.into_iter().filter(|v| self.fits(v)).collect()
    }

    /// A literal of the spec as a value of this type, when it is one.
    pub(crate) fn literal(&self, text: &str) -> Option<Value> {
        let v = match self.kind {
            Kind::Int => Value::Int(text.trim().parse().ok()?),
            Kind::Numeric => Value::Decimal(normalize_decimal(text)?),
            Kind::Float => Value::Float(text.trim().parse().ok().filter(|f: &f64| f.is_finite())?),
            Kind::Bool => Value::Bool(match text.trim().to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => return None,
            }),
            Kind::Date => Value::Date(parse_date(text.get(..10).unwrap_or(text))?),
            Kind::Timestamp | Kind::Datetime => Value::Timestamp(parse_timestamp(text)?),
            Kind::Bytes => Value::Bytes(text.as_bytes().to_vec()),
            Kind::Str | Kind::Json | Kind::Time | Kind::Uuid | Kind::Other => Value::Str(text.to_string()),
        };
        self.fits(&v).then_some(v)
    }

    /// Values just beside `value`: the other side of a comparison's boundary, and for strings
    /// the near misses people write by accident (other case, padding).
    pub(crate) fn near(&self, value: &Value) -> Vec<Value> {
        let out = match value {
            Value::Int(n) => vec![Value::Int(n.saturating_sub(1)), Value::Int(n.saturating_add(1))],
            Value::Decimal(d) => {
                let step = if self.scale == 0 {
                    "1".to_string()
                } else {
                    format!("0.{}1", "0".repeat(self.scale as usize - 1))
                };
                [decimal_add(d, &format!("-{step}")), decimal_add(d, "1")]
                    .into_iter()
                    .flatten()
                    .map(Value::Decimal)
                    .collect()
            }
            Value::Float(f) => vec![Value::Float(f - 0.001), Value::Float(f + 0.001)],
            Value::Bool(b) => vec![Value::Bool(!b)],
            Value::Date(d) => vec![Value::Date(d - 1), Value::Date(d + 1)],
            Value::Timestamp(t) => vec![Value::Timestamp(t - 1), Value::Timestamp(t + 1_000_000)],
            Value::Str(s) => {
                let mut v = Vec::new();
                if let Some(other_case) = other_case(s) {
                    v.push(Value::Str(other_case));
                }
                v.push(Value::Str(format!(" {s}")));
                v.push(Value::Str(format!("{s} ")));
                v
            }
            Value::Bytes(b) => vec![Value::Bytes([b.as_slice(), &[0]].concat())],
        };
        out.into_iter().filter(|v| v != value && self.fits(v)).collect()
    }
}

/// The same text in another case: `active` → `Active`, `OPEN` → `open`, `Mixed` → `mixed`.
pub(crate) fn other_case(s: &str) -> Option<String> {
    let lower = s.to_lowercase();
    let candidate = if s == lower {
        let mut chars = s.chars();
        let first = chars.next()?;
        first.to_uppercase().chain(chars).collect()
    } else {
        lower
    };
    (candidate != s).then_some(candidate)
}

/// `HH:MM:SS[.ffffff]` of microseconds in a day.
fn time_text(micros: u64) -> String {
    let secs = micros / 1_000_000;
    let frac = micros % 1_000_000;
    let base = format!("{:02}:{:02}:{:02}", secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if frac == 0 {
        base
    } else {
        format!("{base}.{frac:06}")
    }
}

/// `id` in base 36, at most `len` characters (ids beyond that wrap; callers respect capacity).
fn base36(mut id: u64, len: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(id % 36) as usize]);
        id /= 36;
        if id == 0 || out.len() >= len.max(1) {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Decimal text in canonical form (no `+`, no leading zeros, no trailing fraction zeros), or
/// `None` when it is not a decimal with at most 9 fraction digits.
pub(crate) fn normalize_decimal(text: &str) -> Option<String> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 9 {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let zero = whole == "0" && frac.is_empty();
    let sign = if negative && !zero { "-" } else { "" };
    Some(if frac.is_empty() { format!("{sign}{whole}") } else { format!("{sign}{whole}.{frac}") })
}

/// `a + b` of two decimal texts with at most 9 decimals, exactly (through i128 nano-units).
pub(crate) fn decimal_add(a: &str, b: &str) -> Option<String> {
    let sum = decimal_units(a, 9)?.checked_add(decimal_units(b, 9)?)?;
    Some(units_text(sum, 9))
}

/// A decimal text as an integer count of 10^-scale units; `None` when it has more decimals
/// than `scale` or does not fit.
pub(crate) fn decimal_units(text: &str, scale: u32) -> Option<i128> {
    let text = normalize_decimal(text)?;
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if frac.len() > scale as usize {
        return None;
    }
    let whole: i128 = whole.parse().ok()?;
    let frac: i128 =
        if frac.is_empty() { 0 } else { format!("{frac:0<width$}", width = scale as usize).parse().ok()? };
    let units = whole.checked_mul(10i128.checked_pow(scale)?)?.checked_add(frac)?;
    Some(if negative { -units } else { units })
}

fn units_text(units: i128, scale: u32) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.unsigned_abs();
    let div = 10u128.pow(scale);
    let text = format!("{sign}{}.{:0width$}", abs / div, abs % div, width = scale as usize);
    normalize_decimal(&text).unwrap_or(text)
}

fn parse_type(text: &str) -> Option<DataType> {
    [&BigQueryDialect as &dyn sqlparser::dialect::Dialect, &DuckDbDialect].into_iter().find_map(|dialect| {
        let mut parser = Parser::new(dialect).try_with_sql(text).ok()?;
        parser.parse_data_type().ok()
    })
}

/// Readable values for a column, chosen by its name, so that data a person reads looks like
/// what the column holds. Names promise nothing (spec-format.md): these only flavour values,
/// and every column still gets its type's edge cases.
pub(crate) fn vocabulary(column: &str) -> &'static [&'static str] {
    let name = column.to_ascii_lowercase();
    let has = |part: &str| name.contains(part);
    if has("email") {
        &["alice@example.com", "bob@example.org", "carol.smith@example.co.uk", "dave+tag@example.com"]
    } else if has("currency") {
        &["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "INR"]
    } else if has("country") {
        &["US", "GB", "JP", "DE", "FR", "BR", "IN", "CA"]
    } else if has("city") {
        &["San Francisco", "London", "Tokyo", "Berlin", "Paris", "São Paulo", "Mumbai", "Toronto"]
    } else if has("state") || has("region") {
        &["CA", "NY", "TX", "WA", "ON", "BY"]
    } else if has("postal") || has("zip") {
        &["94105", "SW1A 1AA", "100-0001", "10115", "75001"]
    } else if has("phone") {
        &["+1 (415) 555-0101", "020 7946 0958", "+81-3-1234-5678", "555-0199"]
    } else if has("status") {
        &["pending", "on_hold", "archived", "new"]
    } else if has("name") {
        &["Alice", "Bob", "Chloé", "Dmitri", "Émile", "Fatima", "Grace", "Hiro"]
    } else {
        &[]
    }
}

/// A short prefix for generated strings of a column: `customer_id` → `CUS`.
pub(crate) fn prefix_of(column: &str) -> String {
    let letters: String = column.chars().filter(|c| c.is_ascii_alphanumeric()).take(3).collect();
    if letters.is_empty() {
        "K".into()
    } else {
        letters.to_ascii_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_parameters_limit_values() {
        let t = Ty::of(Some("NUMERIC"), "NUMERIC(5, 2)");
        assert_eq!((t.precision, t.scale), (5, 2));
        assert_eq!(t.duckdb(), "DECIMAL(5,2)");
        assert!(t.fits(&Value::Decimal("999.99".into())));
        assert!(!t.fits(&Value::Decimal("1000".into())));
        assert!(!t.fits(&Value::Decimal("1.005".into())));
        assert!(t.edges().iter().all(|v| t.fits(v)));
        assert_eq!(t.capacity(), Some(999));
        assert_eq!(Ty::of(Some("NUMERIC"), "NUMERIC").duckdb(), "DECIMAL(38,9)");
        let s = Ty::of(Some("STRING"), "STRING(3)");
        assert_eq!(s.max_len, Some(3));
        assert!(s.edges().iter().all(|v| s.fits(v)));
        assert!(s.fits(&s.ordinary(12345, &["toolong"], "X")));
        assert_eq!(Ty::of(Some("DATETIME"), "DATETIME").duckdb(), "TIMESTAMP");
        assert_eq!(Ty::of(None, "GEOGRAPHY").kind, Kind::Other);
    }

    #[test]
    fn unique_values_are_distinct() {
        for (family, written) in
            [("INT64", "INT64"), ("STRING", "STRING"), ("STRING", "STRING(2)"), ("DATE", "DATE"), ("BYTES", "BYTES")]
        {
            let t = Ty::of(Some(family), written);
            let values: Vec<Value> = (0..1000).map(|id| t.unique(id, &["a", "b"], "P")).collect();
            for (i, v) in values.iter().enumerate() {
                assert!(!values[..i].contains(v), "{written}: {v:?} repeats");
                assert!(t.fits(v), "{written}: {v:?}");
            }
        }
    }

    #[test]
    fn literals_and_near_misses() {
        let s = Ty::of(Some("STRING"), "STRING");
        let active = s.literal("active").unwrap();
        let near: Vec<String> = s.near(&active).iter().map(Value::to_text).collect();
        assert_eq!(near, ["Active", " active", "active "]);
        assert_eq!(other_case("OPEN").as_deref(), Some("open"));
        assert_eq!(other_case("123"), None);
        let n = Ty::of(Some("NUMERIC"), "NUMERIC(10, 2)");
        let v = n.literal("100").unwrap();
        assert_eq!(n.near(&v), [Value::Decimal("99.99".into()), Value::Decimal("101".into())]);
        assert_eq!(n.literal("1.234"), None);
        let d = Ty::of(Some("DATE"), "DATE");
        assert_eq!(d.literal("2024-01-01").unwrap(), Value::Date(19_723));
        assert_eq!(Ty::of(Some("INT64"), "INT64").literal("x"), None);
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(normalize_decimal("+007.50").as_deref(), Some("7.5"));
        assert_eq!(normalize_decimal("-0.0").as_deref(), Some("0"));
        assert_eq!(normalize_decimal("1e5"), None);
        assert_eq!(decimal_add("0.1", "0.2").as_deref(), Some("0.3"));
        assert_eq!(decimal_add("100", "-0.000000001").as_deref(), Some("99.999999999"));
        assert_eq!(decimal_units("-1.5", 9), Some(-1_500_000_000));
        assert_eq!(decimal_units("1.5", 0), None);
    }
}
