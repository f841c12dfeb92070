//! The one timestamp format stored and compared everywhere: UTC, RFC 3339, millisecond precision.
//!
//! Stored as text that sorts in time order, so SQL `ORDER BY` and `<=` on the column are correct.

use chrono::{DateTime, SecondsFormat, Utc};
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

#[cfg(test)]
mod tests {
    use super::*;

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
