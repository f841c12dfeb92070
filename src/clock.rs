//! The clock: the wall clock, or a fixed instant from `--now` / `MODELBRIEF_NOW` so recorded
//! weeks can be replayed. Everything that needs "now" asks this, never `Utc::now()` directly.

use chrono::Utc;
use modelbrief_domain::Timestamp;

#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(Timestamp),
}

impl Clock {
    pub fn now(self) -> Timestamp {
        match self {
            Clock::System => Timestamp::from_datetime(Utc::now()),
            Clock::Fixed(t) => t,
        }
    }
}
