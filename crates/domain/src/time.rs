//! The one timestamp format stored and compared everywhere: UTC, RFC 3339, millisecond precision.
//!
//! Stored as text that sorts in time order, so SQL `ORDER BY` and `<=` on the column are correct.

use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A point in time in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(DateTime<Utc>);

/// A timestamp that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid RFC 3339 timestamp {input:?}: {source}")]
pub struct InvalidTimestamp {
    pub input: String,
    #[source]
    pub source: chrono::ParseError,
}

impl Timestamp {
    pub fn parse(input: &str) -> Result<Self, InvalidTimestamp> {
        DateTime::parse_from_rfc3339(input.trim())
            .map(|t| Self(t.with_timezone(&Utc)))
            .map_err(|source| InvalidTimestamp {
                input: input.to_owned(),
                source,
            })
    }

    pub fn from_datetime(t: DateTime<Utc>) -> Self {
        Self(t)
    }

    pub fn datetime(self) -> DateTime<Utc> {
        self.0
    }

    /// The sortable text form stored in the database.
    pub fn to_db(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Secs, true))
    }
}

/// An ISO week, e.g. `2026-W28`: the key of an edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    pub year: i32,
    pub week: u32,
}

/// An ISO week that could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid ISO week {0:?}: expected YYYY-Www, e.g. 2026-W28")]
pub struct InvalidIsoWeek(pub String);

impl IsoWeek {
    pub fn parse(input: &str) -> Result<Self, InvalidIsoWeek> {
        let err = || InvalidIsoWeek(input.to_owned());
        let (y, w) = input.trim().split_once("-W").ok_or_else(err)?;
        let year: i32 = y.parse().map_err(|_| err())?;
        let week: u32 = w.parse().map_err(|_| err())?;
        chrono::NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Mon).ok_or_else(err)?;
        Ok(Self { year, week })
    }

    /// The ISO week an instant falls in (UTC).
    /// The last ISO week that has ended at `t` (the week before the one `t` is in).
    pub fn last_complete(t: Timestamp) -> Self {
        Self::of(Timestamp::from_datetime(
            t.datetime() - chrono::Duration::days(7),
        ))
    }

    pub fn of(t: Timestamp) -> Self {
        let w = t.0.iso_week();
        Self {
            year: w.year(),
            week: w.week(),
        }
    }

    /// Monday 00:00 UTC at the start of the week.
    pub fn start(self) -> Timestamp {
        let d = chrono::NaiveDate::from_isoywd_opt(self.year, self.week, chrono::Weekday::Mon)
            .expect("validated when parsed");
        Timestamp(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc())
    }

    /// Monday 00:00 UTC after the week.
    pub fn end(self) -> Timestamp {
        Timestamp(self.start().0 + chrono::Duration::days(7))
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_weeks_parse_print_and_span_monday_to_monday() {
        let w = IsoWeek::parse("2026-W28").unwrap();
        assert_eq!(w.to_string(), "2026-W28");
        assert_eq!(w.start().to_string(), "2026-07-06T00:00:00Z");
        assert_eq!(w.end().to_string(), "2026-07-13T00:00:00Z");
        assert_eq!(
            IsoWeek::of(Timestamp::parse("2026-07-06T20:00:00Z").unwrap()),
            w
        );
        assert!(IsoWeek::parse("2026-W54").is_err());
        assert!(IsoWeek::parse("2026-28").is_err());
    }

    #[test]
    fn the_last_complete_week_is_the_one_before_now_even_on_a_monday_evening() {
        let at = |s: &str| IsoWeek::last_complete(Timestamp::parse(s).unwrap()).to_string();
        assert_eq!(at("2026-07-06T21:00:00Z"), "2026-W27", "Monday of W28");
        assert_eq!(at("2026-07-06T00:00:00Z"), "2026-W27");
        assert_eq!(at("2026-07-05T23:59:59Z"), "2026-W26", "Sunday of W27");
        assert_eq!(at("2026-01-01T12:00:00Z"), "2025-W52");
    }

    #[test]
    fn offsets_are_converted_to_utc_and_stored_text_sorts_in_time_order() {
        let a = Timestamp::parse("2026-06-29T22:00:00+02:00").unwrap();
        let b = Timestamp::parse("2026-06-29T20:00:01Z").unwrap();
        assert_eq!(a.to_db(), "2026-06-29T20:00:00.000Z");
        assert!(a.to_db() < b.to_db());
    }

    #[test]
    fn garbage_timestamps_are_refused_with_the_input_named() {
        let err = Timestamp::parse("next monday").unwrap_err();
        assert!(err.to_string().contains("next monday"));
    }
}
