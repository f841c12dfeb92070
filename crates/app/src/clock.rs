//! The clock: the wall clock, or a replayed instant from `--now` / `MODELBRIEF_NOW`.
//!
//! A replayed clock starts at `--now` and then advances with real time, so waits inside a run
//! (retry back-off, schedules) behave as in production. [`Clock::anchor`] is the instant the
//! run is "about" — exactly `--now` when given — and is what gets stored and labelled (a pull's
//! time, an edition's window), so the same database and `--now` give the same bytes.
//! Everything that needs the time asks this, never `Utc::now()` directly.

use chrono::Utc;
use modelbrief_domain::Timestamp;
use std::time::Instant;

#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Replayed { start: Timestamp, at: Instant },
}

impl Clock {
    pub fn replayed(start: Timestamp) -> Self {
        Clock::Replayed {
            start,
            at: Instant::now(),
        }
    }

    /// The current instant.
    pub fn now(self) -> Timestamp {
        match self {
            Clock::System => Timestamp::from_datetime(Utc::now()),
            Clock::Replayed { start, at } => {
                let elapsed = chrono::Duration::from_std(at.elapsed()).unwrap_or_default();
                Timestamp::from_datetime(start.datetime() + elapsed)
            }
        }
    }

    /// The instant the run is about: `--now` exactly, or the wall clock.
    pub fn anchor(self) -> Timestamp {
        match self {
            Clock::System => Timestamp::from_datetime(Utc::now()),
            Clock::Replayed { start, .. } => start,
        }
    }
}
