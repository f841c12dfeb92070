//! `modelbrief feedback read --maildir DIR`: reads the delivery-status (RFC 3464) and abuse
//! (RFC 5965) reports that a relay or a mailbox provider sent back to the bounce address, and
//! records them like the webhooks do: a hard bounce or a complaint suppresses the subscriber,
//! a soft bounce is counted. Reading the same maildir again changes nothing.

use crate::clock::Clock;
use modelbrief_store::{FeedbackOutcome, Store};
use serde::Serialize;
use std::path::Path;

/// What one reading did.
#[derive(Debug, Default, Serialize)]
pub struct ReadReport {
    pub messages: usize,
    pub events: usize,
    pub suppressed: usize,
    pub counted: usize,
    pub duplicate: usize,
    pub unmatched: usize,
    /// Messages that are not reports, or not readable ones: `(file, why)`.
    pub unreadable: Vec<(String, String)>,
}

pub async fn read_maildir(store: &Store, dir: &Path, clock: Clock) -> anyhow::Result<ReadReport> {
    let read = modelbrief_feedback::report::read_maildir(dir)
        .map_err(|e| anyhow::anyhow!("reading the maildir {}: {e}", dir.display()))?;
    let mut r = ReadReport {
        messages: read.len(),
        ..ReadReport::default()
    };
    for (path, parsed) in read {
        match parsed {
            Err(e) => r
                .unreadable
                .push((path.display().to_string(), e.to_string())),
            Ok(events) => {
                for e in events {
                    r.events += 1;
                    match store.record_feedback(&e, clock.now()).await? {
                        FeedbackOutcome::Duplicate => r.duplicate += 1,
                        FeedbackOutcome::Unmatched => r.unmatched += 1,
                        FeedbackOutcome::Matched {
                            suppressed: true, ..
                        } => r.suppressed += 1,
                        FeedbackOutcome::Matched { .. } => r.counted += 1,
                    }
                }
            }
        }
    }
    tracing::info!(
        job = "feedback",
        messages = r.messages,
        events = r.events,
        suppressed = r.suppressed,
        unreadable = r.unreadable.len(),
        "reports read"
    );
    Ok(r)
}

pub fn text(r: &ReadReport) -> String {
    let mut out = format!(
        "{} messages, {} events: {} subscribers suppressed, {} counted (soft bounces, already suppressed), {} seen before, {} matched nobody\n",
        r.messages, r.events, r.suppressed, r.counted, r.duplicate, r.unmatched
    );
    for (file, why) in &r.unreadable {
        out.push_str(&format!("unreadable: {file}: {why}\n"));
    }
    out
}
