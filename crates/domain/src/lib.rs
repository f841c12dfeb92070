//! Domain types of modelbrief: sources, model identity, prices and normalised observations.
//!
//! Everything here is pure: values are parsed into these types at the edge (config, adapters)
//! and the rest of the code takes the parsed types. No IO, no SQL, no HTTP.

pub mod feedback;
pub mod identity;
pub mod notice;
pub mod observation;
pub mod present;
pub mod source;
pub mod subscriber;
pub mod time;

pub use feedback::{FeedbackEvent, FeedbackKind, FeedbackSource};
pub use identity::{ModelId, ModelKey, Provider};
pub use notice::PullNotice;
pub use observation::{
    Extras, MAX_NAME_CHARS, Observation, ParsedPull, PricePerMTok, RowError, Score, clean_name,
    row_hash,
};
pub use source::{SourceKind, SourceName};
pub use subscriber::{ConsentMethod, InvalidEmail, SubscriberEmail, SubscriberStatus};
pub use time::{IsoWeek, Timestamp};
