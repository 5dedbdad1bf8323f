//! Time zones: BigQuery's time zone arguments (`DATE(ts, 'America/Chicago')`,
//! `TIMESTAMP_TRUNC(ts, DAY, '+05:30')`, `EXTRACT(HOUR FROM ts AT TIME ZONE 'Europe/Paris')`, …).
//!
//! DuckDB is built without time zone data (the ICU extension is not bundled), so the
//! translations call two scalar functions that specproof registers on every database it opens
//! ([`register`]), computed from the IANA time zone database compiled into the binary (jiff's
//! bundled copy): the same offsets on every machine, whatever its own zone files say.
//!
//! - `specproof_tz_offset(zone, instant)`: the zone's offset from UTC, in seconds, at a UTC
//!   instant (a BigQuery TIMESTAMP is a DuckDB TIMESTAMP in UTC);
//! - `specproof_tz_offset_local(zone, civil)`: the offset that turns a civil time of the zone
//!   back into an instant: a time that happens twice (the hour clocks go back) is its first, a
//!   time that never happens (the hour clocks skip) is read with the offset before the skip, as
//!   BigQuery and RFC 5545's "compatible" rule do.
//!
//! A zone is an IANA name (`UTC`, `America/Chicago`) or a fixed offset `(+|-)H[H][:MM]`; an
//! unknown zone is a query error, as it is in BigQuery.

use duckdb::arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use duckdb::arrow::datatypes::{DataType, TimeUnit, TimestampMicrosecondType};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::vscalar::{ArrowFunctionSignature, VArrowScalar};
use duckdb::Connection;
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;
use std::error::Error;
use std::sync::Arc;

/// The function giving a zone's offset at a UTC instant.
pub const OFFSET_AT_INSTANT: &str = "specproof_tz_offset";
/// The function giving a zone's offset at one of its civil times.
pub const OFFSET_AT_CIVIL: &str = "specproof_tz_offset_local";

/// Registers the time zone functions on `connection`'s database (every connection to it sees
/// them).
pub fn register(connection: &Connection) -> duckdb::Result<()> {
    connection.register_scalar_function::<OffsetAtInstant>(OFFSET_AT_INSTANT)?;
    connection.register_scalar_function::<OffsetAtCivil>(OFFSET_AT_CIVIL)
}

/// The zone a BigQuery time zone string names: an IANA name or a fixed offset.
pub fn zone(name: &str) -> Result<TimeZone, String> {
    if let Some(offset) = fixed_offset(name) {
        return Ok(TimeZone::fixed(offset));
    }
    TimeZone::get(name).map_err(|_| format!("`{name}` is not a time zone"))
}

/// `(+|-)H[H][:MM]`, as BigQuery writes an offset.
fn fixed_offset(name: &str) -> Option<Offset> {
    let (sign, rest) = match name.as_bytes().first()? {
        b'+' => (1, &name[1..]),
        b'-' => (-1, &name[1..]),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((h, m)) if m.len() == 2 => (h, m),
        Some(_) => return None,
        None => (rest, "0"),
    };
    if hours.is_empty() || hours.len() > 2 || !hours.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !minutes.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    if hours > 14 || minutes > 59 {
        return None;
    }
    Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

/// The offset, in seconds, of `zone` at the UTC instant `micros` (microseconds since the epoch).
pub fn offset_at_instant(zone: &TimeZone, micros: i64) -> Result<i64, String> {
    let instant = Timestamp::from_microsecond(micros).map_err(|e| e.to_string())?;
    Ok(i64::from(zone.to_offset(instant).seconds()))
}

/// The offset, in seconds, that turns the civil time `micros` of `zone` into an instant.
pub fn offset_at_civil(zone: &TimeZone, micros: i64) -> Result<i64, String> {
    // The civil time is held as if it were a UTC instant; both share their fraction of a second.
    let as_utc = Timestamp::from_microsecond(micros).map_err(|e| e.to_string())?;
    let instant =
        zone.to_ambiguous_timestamp(Offset::UTC.to_datetime(as_utc)).compatible().map_err(|e| e.to_string())?;
    Ok(as_utc.as_second() - instant.as_second())
}

/// Applies `offset` to every (zone, timestamp) row; NULL in, NULL out.
fn offsets(input: &RecordBatch, offset: fn(&TimeZone, i64) -> Result<i64, String>) -> Result<ArrayRef, Box<dyn Error>> {
    let (Some(zones), Some(times)) = (input.columns().first(), input.columns().get(1)) else {
        return Err("a time zone function takes a zone and a timestamp".into());
    };
    let zones = zones.as_string_opt::<i32>().ok_or("the time zone is not a string")?;
    let times = times.as_primitive_opt::<TimestampMicrosecondType>().ok_or("the time is not a timestamp")?;
    // One zone is usually named on every row: look it up once.
    let mut last: Option<(String, TimeZone)> = None;
    let mut out = Vec::with_capacity(input.num_rows());
    for row in 0..input.num_rows() {
        if zones.is_null(row) || times.is_null(row) {
            out.push(None);
            continue;
        }
        let name = zones.value(row);
        let tz = match &last {
            Some((n, tz)) if n == name => tz.clone(),
            _ => {
                let tz = zone(name)?;
                last = Some((name.to_string(), tz.clone()));
                tz
            }
        };
        out.push(Some(offset(&tz, times.value(row))?));
    }
    Ok(Arc::new(Int64Array::from(out)))
}

fn signature() -> Vec<ArrowFunctionSignature> {
    vec![ArrowFunctionSignature::exact(
        vec![DataType::Utf8, DataType::Timestamp(TimeUnit::Microsecond, None)],
        DataType::Int64,
    )]
}

struct OffsetAtInstant;

impl VArrowScalar for OffsetAtInstant {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        offsets(&input, offset_at_instant)
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        signature()
    }
}

struct OffsetAtCivil;

impl VArrowScalar for OffsetAtCivil {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        offsets(&input, offset_at_civil)
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        signature()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(text: &str) -> i64 {
        let ts: Timestamp = text.parse().expect("timestamp");
        ts.as_microsecond()
    }

    #[test]
    fn offsets_follow_daylight_saving_time_and_fixed_offsets() {
        let chicago = zone("America/Chicago").expect("zone");
        assert_eq!(offset_at_instant(&chicago, micros("2024-01-15T12:00:00Z")), Ok(-6 * 3600));
        assert_eq!(offset_at_instant(&chicago, micros("2024-07-15T12:00:00Z")), Ok(-5 * 3600));
        assert_eq!(offset_at_instant(&zone("+05:30").expect("zone"), 0), Ok(5 * 3600 + 1800));
        assert_eq!(offset_at_instant(&zone("-3").expect("zone"), 0), Ok(-3 * 3600));
        assert_eq!(offset_at_instant(&zone("UTC").expect("zone"), 0), Ok(0));
        assert!(zone("Mars/Olympus").is_err());
        assert!(zone("+5:3").is_err());
    }

    #[test]
    fn civil_times_that_repeat_take_the_first_and_skipped_ones_the_offset_before() {
        let chicago = zone("America/Chicago").expect("zone");
        // 2024-11-03 01:30 happens twice in Chicago: first in daylight time (-05:00).
        assert_eq!(offset_at_civil(&chicago, micros("2024-11-03T01:30:00Z")), Ok(-5 * 3600));
        // 2024-03-10 02:30 never happens: read with standard time (-06:00), the offset before.
        assert_eq!(offset_at_civil(&chicago, micros("2024-03-10T02:30:00Z")), Ok(-6 * 3600));
        assert_eq!(offset_at_civil(&chicago, micros("2024-07-01T00:00:00Z")), Ok(-5 * 3600));
    }

    #[test]
    fn the_functions_run_in_duckdb_with_nulls_and_errors() {
        let db = Connection::open_in_memory().expect("open");
        register(&db).expect("register");
        let row: (Option<i64>, Option<i64>, Option<i64>) = db
            .query_row(
                "SELECT specproof_tz_offset('America/Los_Angeles', TIMESTAMP '2024-07-01 00:00:00'),
                        specproof_tz_offset_local('Europe/Paris', TIMESTAMP '2024-01-01 00:00:00'),
                        specproof_tz_offset(NULL, TIMESTAMP '2024-07-01 00:00:00')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("query");
        assert_eq!(row, (Some(-7 * 3600), Some(3600), None));
        let err = db.query_row("SELECT specproof_tz_offset('Nowhere/Else', TIMESTAMP '2024-01-01')", [], |r| {
            r.get::<_, Option<i64>>(0)
        });
        assert!(err.expect_err("unknown zone").to_string().contains("not a time zone"));
    }
}
