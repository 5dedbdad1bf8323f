//! Dates and times: the clock, date constructors, `EXTRACT`, date parts, `*_TRUNC`, `*_DIFF`,
//! `*_ADD`/`*_SUB`, and the format strings of `FORMAT_*` and `PARSE_*`.

use super::call::{single_arg, upper_name, Call, Family};
use super::literals::{duckdb_string, string_literal};
use super::rewrite::{template, templated, Rewrite};
use sqlparser::ast::{DateTimeField, Expr};

/// The DuckDB variable the engine sets to the run's time before it runs translated code
/// (`SET VARIABLE specproof_run_time = TIMESTAMP '…'`).
pub const RUN_TIME_VARIABLE: &str = "specproof_run_time";

/// The run time the command line pins `CURRENT_TIMESTAMP` to, so results do not depend on the
/// clock; the synthetic data takes it as a boundary of the columns compared with the clock.
pub const DEFAULT_RUN_TIME: &str = "2024-06-30 12:00:00";

/// The run time the engine supplies, for both dialects: reproducible runs need one clock.
pub(super) fn run_time(kind: &str) -> Rewrite {
    let variable = format!("getvariable('{RUN_TIME_VARIABLE}')");
    let text = match kind {
        "TIMESTAMP" => variable,
        "DATE" => format!("CAST({variable} AS DATE)"),
        _ => format!("CAST({variable} AS TIME)"),
    };
    templated(&text, &[])
}

/// The date and time functions: the clock is the run time; parts, week starts, boundaries and
/// formats are BigQuery's.
pub(super) fn date_function(call: &Call) -> Family {
    let Call { name, args: a, .. } = *call;
    Ok(Some(match name {
        "CURRENT_TIMESTAMP" => {
            call.arity(&[0])?;
            run_time("TIMESTAMP")
        }
        // The run time's civil time in a zone.
        "CURRENT_DATETIME" | "CURRENT_DATE" if a.len() == 1 => {
            let now = run_time("TIMESTAMP")?.ok_or("internal: no run time")?;
            let local = in_zone(&now, a[0])?;
            if name == "CURRENT_DATE" {
                templated("CAST(__a0 AS DATE)", &[&local])
            } else {
                Ok(Some(local))
            }
        }
        "CURRENT_DATETIME" => {
            call.arity(&[0])?;
            run_time("TIMESTAMP")
        }
        "CURRENT_DATE" => {
            call.arity(&[0])?;
            run_time("DATE")
        }
        "CURRENT_TIME" => {
            call.arity(&[0])?;
            run_time("TIME")
        }
        "DATE" => match a.len() {
            1 => templated("CAST(__a0 AS DATE)", a),
            2 => templated("CAST(__a0 AS DATE)", &[&in_zone(a[0], a[1])?]),
            3 => templated("make_date(__a0, __a1, __a2)", a),
            _ => Err("DATE takes 1 to 3 arguments".to_string()),
        },
        "DATETIME" => match a.len() {
            1 => templated("CAST(__a0 AS TIMESTAMP)", a),
            // DATETIME(date, time) or DATETIME(timestamp, zone): a literal that names a zone is
            // a zone; anything else is read as a TIME, the common case.
            2 if string_literal(a[1]).is_some_and(|t| super::zones::zone(&t).is_ok()) => Ok(Some(in_zone(a[0], a[1])?)),
            2 => templated("(CAST(__a0 AS DATE) + CAST(__a1 AS TIME))", a),
            6 => templated("make_timestamp(__a0, __a1, __a2, __a3, __a4, __a5)", a),
            _ => Err("DATETIME takes 1, 2 or 6 arguments".to_string()),
        },
        "TIMESTAMP" => match a.len() {
            1 => templated("CAST(CAST(__a0 AS TIMESTAMPTZ) AS TIMESTAMP)", a),
            2 => {
                if let Some(text) = string_literal(a[0]) {
                    // A string that names its own zone keeps it in BigQuery; the bridge reads
                    // only plain civil times.
                    let civil =
                        text.parse::<jiff::civil::DateTime>().is_ok() || text.parse::<jiff::civil::Date>().is_ok();
                    if !civil || text.parse::<jiff::Timestamp>().is_ok() {
                        return Err(format!("TIMESTAMP('{text}', zone) is not translated: not a plain date and time"));
                    }
                }
                let civil = template("CAST(__a0 AS TIMESTAMP)", &[a[0]])?;
                Ok(Some(from_zone(&civil, a[1])?))
            }
            _ => Err("TIMESTAMP takes 1 or 2 arguments".to_string()),
        },
        "TIMESTAMP_TRUNC" if a.len() == 3 => {
            // Truncated on the zone's clock, then back to an instant.
            let local = in_zone(a[0], a[2])?;
            let truncated = date_trunc("DATETIME_TRUNC", &local, a[1])?;
            Ok(Some(from_zone(&truncated, a[2])?))
        }
        "DATE_TRUNC" | "DATETIME_TRUNC" | "TIMESTAMP_TRUNC" => {
            if a.len() != 2 {
                return Err(format!("{name} takes 2 arguments"));
            }
            date_trunc(name, a[0], a[1]).map(Some)
        }
        // The month's last day; DuckDB's last_day takes a date or a timestamp and gives a DATE,
        // as BigQuery's does. Other parts (WEEK, QUARTER, YEAR) are not translated.
        "LAST_DAY" => match a {
            [d] => template("last_day(__a0)", &[d]).map(Some),
            [d, Expr::Identifier(part)] if part.value.eq_ignore_ascii_case("MONTH") => {
                template("last_day(__a0)", &[d]).map(Some)
            }
            _ => Err("LAST_DAY to a part other than MONTH is not translated".to_string()),
        },
        "DATE_DIFF" | "DATETIME_DIFF" | "TIMESTAMP_DIFF" => {
            call.arity(&[3])?;
            date_diff(name, a[0], a[1], a[2]).map(Some)
        }
        "DATE_ADD" | "DATE_SUB" | "DATETIME_ADD" | "DATETIME_SUB" | "TIMESTAMP_ADD" | "TIMESTAMP_SUB" => {
            call.arity(&[2])?;
            date_add(name, a[0], a[1]).map(Some)
        }
        "FORMAT_TIMESTAMP" if a.len() == 3 => {
            // The zone's clock; the format elements that would print a zone are refused by
            // duckdb_format.
            let format = duckdb_format(a[0], false)?;
            let format = Expr::Value(duckdb_string(&format).into());
            templated("strftime(__a1, __a0)", &[&format, &in_zone(a[1], a[2])?])
        }
        "FORMAT_DATE" | "FORMAT_DATETIME" | "FORMAT_TIMESTAMP" => {
            if a.len() != 2 {
                return Err(format!("{name} takes 2 arguments"));
            }
            let format = duckdb_format(a[0], false)?;
            let format = Expr::Value(duckdb_string(&format).into());
            templated("strftime(__a1, __a0)", &[&format, a[1]])
        }
        "PARSE_DATE" | "PARSE_DATETIME" | "PARSE_TIMESTAMP" => {
            if a.len() != 2 {
                return Err(format!("{name} with a time zone is not translated"));
            }
            let format = duckdb_format(a[0], true)?;
            let format = Expr::Value(duckdb_string(&format).into());
            let text = if name == "PARSE_DATE" { "CAST(strptime(__a1, __a0) AS DATE)" } else { "strptime(__a1, __a0)" };
            templated(text, &[&format, a[1]])
        }
        _ => return Ok(None),
    }))
}

pub(super) fn extract(field: &DateTimeField, operand: &Expr) -> Result<Expr, String> {
    let text = match field {
        DateTimeField::Year => "extract(year FROM __a0)",
        DateTimeField::Month => "extract(month FROM __a0)",
        DateTimeField::Day => "extract(day FROM __a0)",
        DateTimeField::Hour => "extract(hour FROM __a0)",
        DateTimeField::Minute => "extract(minute FROM __a0)",
        DateTimeField::Second => "extract(second FROM __a0)",
        DateTimeField::Quarter => "extract(quarter FROM __a0)",
        DateTimeField::DayOfYear | DateTimeField::Doy => "extract(doy FROM __a0)",
        // BigQuery: Sunday = 1 … Saturday = 7; DuckDB: Sunday = 0.
        DateTimeField::DayOfWeek | DateTimeField::Dow => "(extract(dow FROM __a0) + 1)",
        // BigQuery's WEEK starts on Sunday, days before the first Sunday are week 0: strftime's %U.
        DateTimeField::Week(None) => "CAST(strftime(__a0, '%U') AS BIGINT)",
        DateTimeField::Week(Some(day)) if day.value.eq_ignore_ascii_case("SUNDAY") => {
            "CAST(strftime(__a0, '%U') AS BIGINT)"
        }
        DateTimeField::Week(Some(day)) if day.value.eq_ignore_ascii_case("MONDAY") => {
            "CAST(strftime(__a0, '%W') AS BIGINT)"
        }
        DateTimeField::IsoWeek => "extract(week FROM __a0)",
        DateTimeField::Isoyear => "extract(isoyear FROM __a0)",
        // DuckDB counts milli- and microseconds from the start of the minute, BigQuery from the
        // start of the second.
        DateTimeField::Millisecond | DateTimeField::Milliseconds => "(extract(millisecond FROM __a0) % 1000)",
        DateTimeField::Microsecond | DateTimeField::Microseconds => "(extract(microsecond FROM __a0) % 1000000)",
        DateTimeField::Date => "CAST(__a0 AS DATE)",
        DateTimeField::Time => "CAST(__a0 AS TIME)",
        DateTimeField::Datetime => "CAST(__a0 AS TIMESTAMP)",
        other => return Err(format!("EXTRACT({other} …) is not translated")),
    };
    template(text, &[operand])
}

/// A BigQuery date part (`MONTH`, `WEEK(MONDAY)`), as written in an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Microsecond,
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    /// A week starting on the given day, 0 = Sunday … 6 = Saturday.
    Week(u8),
    Month,
    Quarter,
    Year,
    IsoYear,
}

impl Part {
    fn duckdb(self) -> &'static str {
        match self {
            Part::Microsecond => "microsecond",
            Part::Millisecond => "millisecond",
            Part::Second => "second",
            Part::Minute => "minute",
            Part::Hour => "hour",
            Part::Day => "day",
            Part::Week(_) => "week",
            Part::Month => "month",
            Part::Quarter => "quarter",
            Part::Year => "year",
            Part::IsoYear => "isoyear",
        }
    }

    fn sub_day(self) -> bool {
        matches!(self, Part::Microsecond | Part::Millisecond | Part::Second | Part::Minute | Part::Hour)
    }
}

const WEEKDAYS: [&str; 7] = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"];

fn date_part(expr: &Expr) -> Result<Part, String> {
    let word = match expr {
        Expr::Identifier(ident) => ident.value.to_ascii_uppercase(),
        Expr::Function(f) if upper_name(f).as_deref() == Some("WEEK") => {
            return match single_arg(f) {
                Some(Expr::Identifier(day)) => WEEKDAYS
                    .iter()
                    .position(|d| d.eq_ignore_ascii_case(&day.value))
                    .map(|i| Part::Week(i as u8))
                    .ok_or_else(|| format!("`WEEK({})` is not a date part", day.value)),
                _ => Err(format!("`{expr}` is not a date part")),
            };
        }
        other => return Err(format!("`{other}` is not a date part")),
    };
    Ok(match word.as_str() {
        "MICROSECOND" => Part::Microsecond,
        "MILLISECOND" => Part::Millisecond,
        "SECOND" => Part::Second,
        "MINUTE" => Part::Minute,
        "HOUR" => Part::Hour,
        "DAY" => Part::Day,
        "WEEK" => Part::Week(0),
        "ISOWEEK" => Part::Week(1),
        "MONTH" => Part::Month,
        "QUARTER" => Part::Quarter,
        "YEAR" => Part::Year,
        "ISOYEAR" => Part::IsoYear,
        other => return Err(format!("date part {other} is not translated")),
    })
}

/// A string literal where BigQuery expects a date or timestamp is coerced; DuckDB could not pick
/// an overload for it, so it is cast explicitly.
/// The civil time a UTC instant shows in a zone (see [`super::zones`]); a zone written as a
/// literal must be one BigQuery knows.
pub(super) fn in_zone(instant: &Expr, zone: &Expr) -> Result<Expr, String> {
    checked_zone(zone)?;
    let instant = template("CAST(__a0 AS TIMESTAMP)", &[&coerced(instant, "TIMESTAMPTZ")?])?;
    let text = format!("(__a0 + to_seconds({}(__a1, __a0)))", super::zones::OFFSET_AT_INSTANT);
    template(&text, &[&instant, zone])
}

/// The UTC instant of a civil time of a zone.
fn from_zone(civil: &Expr, zone: &Expr) -> Result<Expr, String> {
    checked_zone(zone)?;
    let text = format!("(__a0 - to_seconds({}(__a1, __a0)))", super::zones::OFFSET_AT_CIVIL);
    template(&text, &[civil, zone])
}

fn checked_zone(zone: &Expr) -> Result<(), String> {
    match string_literal(zone) {
        Some(name) => super::zones::zone(&name).map(|_| ()),
        None => Ok(()),
    }
}

fn coerced(expr: &Expr, to: &str) -> Result<Expr, String> {
    if string_literal(expr).is_some() {
        template(&format!("CAST(__a0 AS {to})"), &[expr])
    } else {
        Ok(expr.clone())
    }
}

/// The start of the week (starting on `weekday`) holding `x`, keeping x's type: 2000-01-02 was
/// a Sunday.
fn week_start(weekday: u8) -> String {
    format!("time_bucket(INTERVAL 7 DAY, __a0, DATE '2000-01-{:02}')", 2 + weekday)
}

fn date_trunc(name: &str, value: &Expr, part: &Expr) -> Result<Expr, String> {
    let part = date_part(part)?;
    let to = if name == "DATE_TRUNC" { "DATE" } else { "TIMESTAMP" };
    let value = coerced(value, to)?;
    // DuckDB's date_trunc turns a DATE into a TIMESTAMP; time_bucket keeps the input's type, as
    // BigQuery's DATE_TRUNC does.
    let text = match part {
        Part::Week(day) => week_start(day),
        Part::IsoYear => return Err(format!("{name} to ISOYEAR is not translated")),
        p if name == "DATE_TRUNC" && !p.sub_day() => {
            let interval = match p {
                Part::Day => "INTERVAL 1 DAY",
                Part::Month => "INTERVAL 1 MONTH",
                Part::Quarter => "INTERVAL 3 MONTH",
                _ => "INTERVAL 1 YEAR",
            };
            format!("time_bucket({interval}, __a0)")
        }
        p => format!("date_trunc('{}', __a0)", p.duckdb()),
    };
    template(&text, &[&value])
}

/// BigQuery's DATE_DIFF and DATETIME_DIFF count part boundaries between the two values, like
/// DuckDB's date_diff; TIMESTAMP_DIFF counts whole elapsed parts, like DuckDB's date_sub. BigQuery
/// puts the later value first.
fn date_diff(name: &str, end: &Expr, start: &Expr, part: &Expr) -> Result<Expr, String> {
    let part = date_part(part)?;
    let to = if name == "DATE_DIFF" { "DATE" } else { "TIMESTAMP" };
    let (end, start) = (coerced(end, to)?, coerced(start, to)?);
    let text = if name == "TIMESTAMP_DIFF" {
        if !(part.sub_day() || part == Part::Day) {
            return Err(format!("TIMESTAMP_DIFF by {} is not translated", part.duckdb()));
        }
        format!("date_sub('{}', __a1, __a0)", part.duckdb())
    } else {
        match part {
            // DuckDB's week difference counts whole weeks elapsed, not week boundaries.
            Part::Week(day) => {
                let (e, s) = (week_start(day), week_start(day).replace("__a0", "__a1"));
                format!("(date_diff('day', {s}, {e}) // 7)")
            }
            p if p.sub_day() && name == "DATE_DIFF" => return Err(format!("DATE_DIFF by {} is not valid", p.duckdb())),
            p => format!("date_diff('{}', __a1, __a0)", p.duckdb()),
        }
    };
    template(&text, &[&end, &start])
}

fn date_add(name: &str, value: &Expr, interval: &Expr) -> Result<Expr, String> {
    let Expr::Interval(interval) = interval else {
        return Err(format!("{name} without an INTERVAL argument is not translated"));
    };
    if interval.last_field.is_some() {
        return Err(format!("{name} with a range INTERVAL is not translated"));
    }
    let unit = match &interval.leading_field {
        Some(field) => field.to_string().to_ascii_uppercase(),
        None => return Err(format!("{name} with an INTERVAL without a unit is not translated")),
    };
    let allowed: &[&str] = match name {
        "DATE_ADD" | "DATE_SUB" => &["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"],
        "TIMESTAMP_ADD" | "TIMESTAMP_SUB" => &["MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY"],
        _ => &["MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"],
    };
    if !allowed.contains(&unit.as_str()) {
        return Err(format!("{name} by {unit} is not translated"));
    }
    let sign = if name.ends_with("_SUB") { "-" } else { "+" };
    let amount = (*interval.value).clone();
    let text = if name.starts_with("DATE_") {
        // DuckDB's DATE + INTERVAL is a TIMESTAMP; BigQuery's DATE_ADD is a DATE.
        let value = coerced(value, "DATE")?;
        return template(&format!("CAST(__a0 {sign} INTERVAL (__a1) {unit} AS DATE)"), &[&value, &amount]);
    } else {
        format!("(__a0 {sign} INTERVAL (__a1) {unit})")
    };
    let value = coerced(value, "TIMESTAMP")?;
    template(&text, &[&value, &amount])
}

/// A BigQuery format string for FORMAT_*/PARSE_* as DuckDB's strftime/strptime reads it.
fn duckdb_format(format: &Expr, parsing: bool) -> Result<String, String> {
    let Some(text) = string_literal(format) else {
        return Err("a computed format string is not translated".to_string());
    };
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else {
            return Err("format string ends with `%`".to_string());
        };
        let mapped = match spec {
            'Y' | 'm' | 'd' | 'H' | 'M' | 'S' | 'j' | 'a' | 'A' | 'b' | 'B' | 'h' | 'y' | 'p' | 'I' | '%' => {
                format!("%{spec}")
            }
            'U' | 'W' | 'V' | 'G' | 'u' | 'w' if !parsing => format!("%{spec}"),
            'F' => "%Y-%m-%d".to_string(),
            'T' => "%H:%M:%S".to_string(),
            'D' => "%m/%d/%y".to_string(),
            'R' => "%H:%M".to_string(),
            'n' => "\n".to_string(),
            't' => "\t".to_string(),
            // %E3S and %E6S: seconds with milli- or microseconds.
            'E' => {
                let digits: String = chars.by_ref().take(2).collect();
                match digits.as_str() {
                    "3S" => "%S.%g".to_string(),
                    "6S" => "%S.%f".to_string(),
                    other => return Err(format!("format element %E{other} is not translated")),
                }
            }
            other => return Err(format!("format element %{other} is not translated")),
        };
        out.push_str(&mapped);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::sql::bridge::test_support::*;
    use crate::sql::bridge::{expr_to_duckdb, BridgeOptions};
    use crate::sql::dialect::Dialect;
    use crate::sql::parse::parse_expression;

    #[test]
    fn date_trunc_takes_the_part_second_and_keeps_the_type() {
        is("DATE_TRUNC(DATE '2024-03-15', MONTH)", "2024-03-01");
        assert_eq!(type_of("DATE_TRUNC(DATE '2024-03-15', MONTH)"), "DATE");
        is("DATE_TRUNC('2024-03-15', YEAR)", "2024-01-01");
        is("DATE_TRUNC(DATE '2024-05-15', QUARTER)", "2024-04-01");
        // 2024-01-10 is a Wednesday: BigQuery's weeks start on Sunday.
        is("DATE_TRUNC(DATE '2024-01-10', WEEK)", "2024-01-07");
        is("DATE_TRUNC(DATE '2024-01-10', WEEK(MONDAY))", "2024-01-08");
        is("DATE_TRUNC(DATE '2024-01-10', ISOWEEK)", "2024-01-08");
        is("DATE_TRUNC(DATE '1969-12-15', MONTH)", "1969-12-01");
        is("DATE_TRUNC(TIMESTAMP '2024-03-15 10:11:12', MONTH)", "2024-03-01 00:00:00");
        assert_eq!(type_of("DATE_TRUNC(TIMESTAMP '2024-03-15 10:11:12', MONTH)"), "TIMESTAMP");
        is("TIMESTAMP_TRUNC(TIMESTAMP '2024-03-15 10:11:12', HOUR)", "2024-03-15 10:00:00");
        is("TIMESTAMP_TRUNC(TIMESTAMP '2024-01-10 10:11:12', WEEK)", "2024-01-07 00:00:00");
        is("DATETIME_TRUNC(DATETIME '2024-03-15 10:11:12', DAY)", "2024-03-15 00:00:00");
    }

    #[test]
    fn safe_prefixed_calls_are_null_where_the_call_would_fail() {
        is_null("SAFE.PARSE_DATE('%Y-%m-%d', '2024-13-01')");
        is("SAFE.PARSE_DATE('%Y-%m-%d', '2024-12-01')", "2024-12-01");
        is("safe.parse_timestamp('%Y-%m-%d %H:%M', '2024-12-01 10:30')", "2024-12-01 10:30:00");
        is_null("SAFE.PARSE_TIMESTAMP('%Y-%m-%d %H:%M', 'n/a')");
    }

    #[test]
    fn last_day_is_the_month_s_last_day() {
        is("LAST_DAY(DATE '2024-02-10')", "2024-02-29");
        is("LAST_DAY(DATE '2023-12-31', MONTH)", "2023-12-31");
        is("LAST_DAY(DATETIME '2023-04-05 10:00:00')", "2023-04-30");
        is_null("LAST_DAY(CAST(NULL AS DATE))");
    }

    #[test]
    fn date_diff_counts_boundaries_end_first() {
        is("DATE_DIFF('2024-03-01', '2024-01-31', MONTH)", "2");
        is("DATE_DIFF(DATE '2024-03-01', DATE '2024-01-31', DAY)", "30");
        is("DATE_DIFF(DATE '2024-01-31', DATE '2024-03-01', DAY)", "-30");
        is("DATE_DIFF(DATE '2024-01-01', DATE '2023-12-31', YEAR)", "1");
        // Saturday to the next Monday crosses one Sunday; Sunday to Saturday crosses none.
        is("DATE_DIFF(DATE '2024-01-08', DATE '2024-01-06', WEEK)", "1");
        is("DATE_DIFF(DATE '2024-01-13', DATE '2024-01-07', WEEK)", "0");
        is("DATE_DIFF(DATE '2024-01-08', DATE '2024-01-07', ISOWEEK)", "1");
        is("DATE_DIFF(DATE '2024-01-08', DATE '2024-01-07', WEEK(MONDAY))", "1");
        is("DATE_DIFF(DATE '2024-12-30', DATE '2024-12-29', ISOYEAR)", "1");
        assert_eq!(type_of("DATE_DIFF(DATE '2024-03-01', DATE '2024-01-31', DAY)"), "BIGINT");
    }

    #[test]
    fn timestamp_diff_counts_whole_parts_and_datetime_diff_boundaries() {
        is("TIMESTAMP_DIFF(TIMESTAMP '2024-01-02 01:00:00', TIMESTAMP '2024-01-01 23:00:00', DAY)", "0");
        is("TIMESTAMP_DIFF(TIMESTAMP '2024-01-02 01:00:00', TIMESTAMP '2024-01-01 23:00:00', HOUR)", "2");
        is("TIMESTAMP_DIFF(TIMESTAMP '2024-01-01 10:59:00', TIMESTAMP '2024-01-01 10:01:00', HOUR)", "0");
        is("DATETIME_DIFF(DATETIME '2024-01-02 01:00:00', DATETIME '2024-01-01 23:00:00', DAY)", "1");
        is("DATETIME_DIFF(DATETIME '2024-01-01 11:01:00', DATETIME '2024-01-01 10:59:00', HOUR)", "1");
        // The examples of BigQuery's documentation.
        is("TIMESTAMP_DIFF(TIMESTAMP '2001-02-01 01:00:00', TIMESTAMP '2001-02-01 00:00:01', HOUR)", "0");
        is("TIMESTAMP_DIFF(TIMESTAMP '2010-07-07 10:20:00+00', TIMESTAMP '2008-12-25 15:30:00+00', HOUR)", "13410");
        is("DATETIME_DIFF(DATETIME '2010-07-07 10:20:00', DATETIME '2008-12-25 15:30:00', DAY)", "559");
        is("DATETIME_DIFF(DATETIME '2017-10-15 00:00:00', DATETIME '2017-10-14 00:00:00', WEEK)", "1");
    }

    #[test]
    fn the_clock_is_the_run_time_in_both_dialects() {
        for text in ["CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP()", "CURRENT_DATETIME()"] {
            is(text, RUN_TIME);
            assert_eq!(type_of(text), "TIMESTAMP", "{text}");
        }
        is("CURRENT_DATE()", "2024-05-06");
        is("CURRENT_DATE", "2024-05-06");
        assert_eq!(type_of("CURRENT_DATE"), "DATE");
        is("TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR)", "2024-05-06 06:08:09");
        let duckdb = BridgeOptions { from: Dialect::Duckdb, catalog: None };
        for text in ["current_timestamp", "now()", "get_current_timestamp()", "current_date", "today()"] {
            let mut expr = parse_expression(text, Dialect::Duckdb).expect("parse");
            assert!(expr_to_duckdb(&mut expr, &duckdb).is_empty());
            assert!(expr.to_string().contains("getvariable('specproof_run_time')"), "{text}: {expr}");
            let got: String =
                database().query_row(&format!("SELECT CAST(({expr}) AS VARCHAR)"), [], |r| r.get(0)).expect("run");
            assert!(RUN_TIME.starts_with(&got), "{text}: {got}");
        }
    }

    #[test]
    fn date_arithmetic_and_formats() {
        is("DATE_ADD(DATE '2024-01-31', INTERVAL 1 MONTH)", "2024-02-29");
        assert_eq!(type_of("DATE_ADD(DATE '2024-01-31', INTERVAL 1 DAY)"), "DATE");
        is("DATE_SUB('2024-03-01', INTERVAL 1 DAY)", "2024-02-29");
        is("DATE_ADD(DATE '2024-01-01', INTERVAL 1 QUARTER)", "2024-04-01");
        is("TIMESTAMP_ADD(TIMESTAMP '2024-01-01 23:00:00', INTERVAL 2 HOUR)", "2024-01-02 01:00:00");
        is("DATETIME_SUB(DATETIME '2024-03-31 10:00:00', INTERVAL 1 MONTH)", "2024-02-29 10:00:00");
        let got = run(
            "CREATE TABLE t AS SELECT DATE '2024-01-01' AS d, 3 AS n",
            "SELECT DATE_ADD(d, INTERVAL n DAY) FROM t",
            "",
            &bigquery(),
        );
        assert_eq!(texts(&got), ["Date32(19726)"]);
        is("FORMAT_DATE('%Y-%m-%d', DATE '2024-01-05')", "2024-01-05");
        is("FORMAT_DATE('%F (%a %b)', DATE '2024-01-05')", "2024-01-05 (Fri Jan)");
        is("FORMAT_DATE('%U %W %V %G %u %w', DATE '2024-01-07')", "01 01 01 2024 7 0");
        is("FORMAT_TIMESTAMP('%T %p', TIMESTAMP '2024-01-05 13:04:05')", "13:04:05 PM");
        is("FORMAT_TIMESTAMP('%E3S', TIMESTAMP '2024-01-05 13:04:05.123456')", "05.123");
        is("PARSE_DATE('%d/%m/%Y', '05/01/2024')", "2024-01-05");
        assert_eq!(type_of("PARSE_DATE('%d/%m/%Y', '05/01/2024')"), "DATE");
        is("PARSE_TIMESTAMP('%Y%m%d %H%M', '20240105 1304')", "2024-01-05 13:04:00");
        let found = problems("FORMAT_DATE('%e', d)");
        assert!(found.len() == 1 && found[0].message.contains("%e"), "{found:?}");
        // Already 2025 in Paris; a format element that prints the zone is not translated.
        is("FORMAT_TIMESTAMP('%Y', TIMESTAMP '2024-12-31 23:30:00', 'Europe/Paris')", "2025");
        assert_eq!(problems("FORMAT_TIMESTAMP('%Z', ts, 'Europe/Paris')").len(), 1);
        is("DATE(2024, 1, 5)", "2024-01-05");
        is("DATE(TIMESTAMP '2024-01-05 23:00:00')", "2024-01-05");
    }

    #[test]
    fn extract_parts_count_as_bigquery() {
        // 2024-01-07 is a Sunday.
        is("EXTRACT(DAYOFWEEK FROM DATE '2024-01-07')", "1");
        is("EXTRACT(DAYOFWEEK FROM DATE '2024-01-06')", "7");
        is("EXTRACT(WEEK FROM DATE '2024-01-06')", "0");
        is("EXTRACT(WEEK FROM DATE '2024-01-07')", "1");
        is("EXTRACT(ISOWEEK FROM DATE '2024-01-07')", "1");
        is("EXTRACT(WEEK(MONDAY) FROM DATE '2024-01-07')", "1");
        is("EXTRACT(YEAR FROM DATE '2024-01-07')", "2024");
        is("EXTRACT(DAYOFYEAR FROM DATE '2024-02-01')", "32");
        is("EXTRACT(MILLISECOND FROM TIMESTAMP '2024-01-07 10:00:05.123')", "123");
        is("EXTRACT(MICROSECOND FROM TIMESTAMP '2024-01-07 10:00:05.123456')", "123456");
        is("EXTRACT(DATE FROM TIMESTAMP '2024-01-07 10:00:05')", "2024-01-07");
        assert_eq!(problems("EXTRACT(WEEK(FRIDAY) FROM d)").len(), 1);
    }

    #[test]
    fn time_zone_arguments_read_the_zones_clock() {
        // Chicago is 6 hours behind UTC in winter, Los Angeles 7 in summer.
        is("DATE(TIMESTAMP '2024-01-01 03:00:00', 'America/Chicago')", "2023-12-31");
        is("DATE(TIMESTAMP '2024-07-01 06:59:59', 'America/Los_Angeles')", "2024-06-30");
        is("DATE(TIMESTAMP '2024-07-01 07:00:00', 'America/Los_Angeles')", "2024-07-01");
        is("DATE(TIMESTAMP '2024-07-01 20:00:00', '+05:30')", "2024-07-02");
        is("DATE(TIMESTAMP '2024-07-01 20:00:00', 'UTC')", "2024-07-01");
        is("DATE('2024-07-01 01:00:00+00', '-03')", "2024-06-30");
        is_null("DATE(CAST(NULL AS TIMESTAMP), 'Europe/Paris')");
        is("DATETIME(TIMESTAMP '2024-07-01 12:00:00', 'Europe/Paris')", "2024-07-01 14:00:00");
        is("DATETIME(DATE '2024-07-01', TIME '10:30:00')", "2024-07-01 10:30:00");
        is("TIMESTAMP('2024-07-01 12:00:00', 'Europe/Paris')", "2024-07-01 10:00:00");
        is("TIMESTAMP(DATETIME '2024-01-01 12:00:00', 'Asia/Tokyo')", "2024-01-01 03:00:00");
        // Midnight in Chicago, as an instant.
        is("TIMESTAMP_TRUNC(TIMESTAMP '2024-07-01 03:00:00', DAY, 'America/Chicago')", "2024-06-30 05:00:00");
        is("FORMAT_TIMESTAMP('%H:%M', TIMESTAMP '2024-01-01 12:00:00', 'Asia/Tokyo')", "21:00");
        is("EXTRACT(HOUR FROM TIMESTAMP '2024-01-01 12:00:00' AT TIME ZONE 'Asia/Kolkata')", "17");
        // The run time is 2024-05-06 07:08:09 UTC: still the 5th in Pago Pago (UTC-11).
        is("CURRENT_DATE('Pacific/Pago_Pago')", "2024-05-05");
        is("CURRENT_DATETIME('+01:00')", "2024-05-06 08:08:09");
        assert_eq!(problems("DATE(ts, 'Mars/Olympus_Mons')").len(), 1);
        assert_eq!(problems("TIMESTAMP('2024-01-01 00:00:00+03', 'UTC')").len(), 1);
        // A zone held in a column is looked up when the query runs.
        is("DATE(TIMESTAMP '2024-01-01 03:00:00', CONCAT('America/', 'Chicago'))", "2023-12-31");
        fails("DATE(TIMESTAMP '2024-01-01 03:00:00', CONCAT('Nowhere/', 'Else'))", "not a time zone");
    }
}
