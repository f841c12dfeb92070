//! Bounces and complaints reported after the send: each event recorded once (per reporter and
//! its own id), matched to the delivery by Message-ID or to the subscriber by address, and a hard
//! bounce or a complaint suppresses the subscriber at once, in the same transaction, with the
//! consent ledger entry saying why.

use crate::error::QueryContext;
use crate::subscribers::{ConsentRecord, append, set_status};
use crate::{Store, StoreError};
use modelbrief_domain::{ConsentMethod, FeedbackEvent, FeedbackKind, SubscriberStatus, Timestamp};
use sqlx::Row;

/// What recording one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedbackOutcome {
    /// Seen before (a replayed webhook, a report read twice): nothing changed.
    Duplicate,
    /// No delivery has its Message-ID and no subscriber its address: kept, acted on by nobody.
    Unmatched,
    /// Matched a subscriber; `suppressed` when this event moved it to bounced or complained.
    Matched {
        subscriber_id: i64,
        suppressed: bool,
    },
}

/// Counts of recorded events, for `status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FeedbackCounts {
    pub hard_bounces: i64,
    pub soft_bounces: i64,
    pub complaints: i64,
    pub unmatched: i64,
}

impl Store {
    /// Records `event` (received at `now`) and applies it; idempotent on the reporter's id.
    pub async fn record_feedback(
        &self,
        event: &FeedbackEvent,
        now: Timestamp,
    ) -> Result<FeedbackOutcome, StoreError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .what("begin feedback")?;
        // The delivery it is about, by the Message-ID modelbrief wrote; else the subscriber
        // with that address.
        let delivery: Option<(i64, i64)> = match &event.message_id {
            Some(id) => sqlx::query(
                "SELECT edition_id, subscriber_id FROM deliveries WHERE message_id = ?1 LIMIT 1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .what("find delivery by message id")?
            .map(|r| (r.get(0), r.get(1))),
            None => None,
        };
        let subscriber: Option<i64> = match (delivery, &event.recipient) {
            (Some((_, s)), _) => Some(s),
            (None, Some(addr)) => sqlx::query_scalar(
                "SELECT id FROM subscribers WHERE lower(email) = lower(?1) ORDER BY id LIMIT 1",
            )
            .bind(addr.trim())
            .fetch_optional(&mut *tx)
            .await
            .what("find subscriber by address")?,
            (None, None) => None,
        };
        let at = now.to_db();
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO feedback_events (source, event_id, kind, subscriber_id, edition_id, message_id, received_at, reported_at, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (source, event_id) DO NOTHING RETURNING id",
        )
        .bind(event.source.as_str())
        .bind(&event.event_id)
        .bind(event.kind.as_str())
        .bind(subscriber)
        .bind(delivery.map(|d| d.0))
        .bind(&event.message_id)
        .bind(&at)
        .bind(event.at.map(Timestamp::to_db))
        .bind(&event.detail)
        .fetch_optional(&mut *tx)
        .await
        .what("record feedback event")?;
        if inserted.is_none() {
            return Ok(FeedbackOutcome::Duplicate);
        }
        let Some(subscriber_id) = subscriber else {
            tx.commit().await.what("commit feedback")?;
            return Ok(FeedbackOutcome::Unmatched);
        };
        if event.kind == FeedbackKind::HardBounce {
            if let Some((edition_id, _)) = delivery {
                sqlx::query(
                    "UPDATE deliveries SET status = 'bounced', last_reply = ?3, updated_at = ?4
                     WHERE edition_id = ?1 AND subscriber_id = ?2 AND status IN ('sent', 'sending')",
                )
                .bind(edition_id)
                .bind(subscriber_id)
                .bind(format!("{}: {}", event.source.as_str(), event.detail))
                .bind(&at)
                .execute(&mut *tx)
                .await
                .what("mark delivery bounced")?;
            }
            sqlx::query("UPDATE subscribers SET hard_bounces = hard_bounces + 1 WHERE id = ?1")
                .bind(subscriber_id)
                .execute(&mut *tx)
                .await
                .what("count bounce")?;
        }
        let to = match event.kind {
            FeedbackKind::HardBounce => Some((SubscriberStatus::Bounced, ConsentMethod::Bounce)),
            FeedbackKind::Complaint => {
                Some((SubscriberStatus::Complained, ConsentMethod::Complaint))
            }
            FeedbackKind::SoftBounce => None,
        };
        let mut suppressed = false;
        if let Some((to, method)) = to {
            let from: String = sqlx::query_scalar("SELECT status FROM subscribers WHERE id = ?1")
                .bind(subscriber_id)
                .fetch_one(&mut *tx)
                .await
                .what("read subscriber status")?;
            let from = SubscriberStatus::parse(&from).unwrap_or(SubscriberStatus::Pending);
            // A complaint outranks a bounce; neither is undone by the other.
            let already = from == to || from == SubscriberStatus::Complained;
            if !already {
                set_status(&mut tx, subscriber_id, to, &at).await?;
                let consent = ConsentRecord {
                    version: None,
                    text: Some(format!("{} {}", event.source.as_str(), event.kind.as_str())),
                    ip: None,
                };
                append(
                    &mut tx,
                    subscriber_id,
                    &at,
                    Some(from),
                    to,
                    method,
                    &consent,
                )
                .await?;
                suppressed = true;
            }
        }
        tx.commit().await.what("commit feedback")?;
        Ok(FeedbackOutcome::Matched {
            subscriber_id,
            suppressed,
        })
    }

    /// How many events of each kind have been recorded.
    pub async fn feedback_counts(&self) -> Result<FeedbackCounts, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, subscriber_id IS NULL, count(*) FROM feedback_events GROUP BY 1, 2",
        )
        .fetch_all(&self.pool)
        .await
        .what("count feedback events")?;
        let mut c = FeedbackCounts::default();
        for r in rows {
            let (kind, unmatched, n): (String, bool, i64) = (r.get(0), r.get(1), r.get(2));
            if unmatched {
                c.unmatched += n;
            }
            match kind.as_str() {
                "hard_bounce" => c.hard_bounces += n,
                "soft_bounce" => c.soft_bounces += n,
                _ => c.complaints += n,
            }
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewEdition, Outcome};
    use modelbrief_domain::{FeedbackSource, SubscriberEmail};

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    /// Three confirmed readers; the W28 edition sent to all of them.
    async fn sent() -> (tempfile::TempDir, Store, i64) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("m.db")).await.unwrap();
        for i in 0..3 {
            let email = SubscriberEmail::parse(&format!("Reader{i}@Example.com")).unwrap();
            store
                .subscribe(
                    &email,
                    at("2026-07-01T00:00:00Z"),
                    ConsentMethod::OperatorImport,
                    &ConsentRecord::default(),
                    true,
                )
                .await
                .unwrap();
        }
        let now = at("2026-07-13T09:00:00Z");
        let (edition, _) = store
            .create_edition(NewEdition {
                week: "2026-W28",
                now,
                window_from: at("2026-07-06T00:00:00Z"),
                window_to: now,
                subject: "s",
                content: "{}",
            })
            .await
            .unwrap();
        let claims = store.claim(edition.id, 10, now, 5).await.unwrap();
        let results: Vec<(i64, Outcome)> = claims
            .iter()
            .map(|c| {
                (
                    c.subscriber_id,
                    Outcome::Sent {
                        reply: "250 ok".into(),
                        message_id: format!("<2026-W28.{}@example.com>", c.subscriber_id),
                    },
                )
            })
            .collect();
        store.record(edition.id, &results, now, 3).await.unwrap();
        (dir, store, edition.id)
    }

    fn event(kind: FeedbackKind, id: &str) -> FeedbackEvent {
        FeedbackEvent {
            source: FeedbackSource::Ses,
            event_id: id.into(),
            kind,
            recipient: None,
            message_id: None,
            at: None,
            detail: "test".into(),
        }
    }

    #[tokio::test]
    async fn a_hard_bounce_by_message_id_suppresses_its_reader_once_and_a_replay_changes_nothing() {
        let (_dir, store, edition) = sent().await;
        let now = at("2026-07-13T10:00:00Z");
        let bounce = FeedbackEvent {
            message_id: Some("<2026-W28.2@example.com>".into()),
            ..event(FeedbackKind::HardBounce, "sns-1")
        };
        assert_eq!(
            store.record_feedback(&bounce, now).await.unwrap(),
            FeedbackOutcome::Matched {
                subscriber_id: 2,
                suppressed: true
            }
        );
        assert_eq!(
            store.record_feedback(&bounce, now).await.unwrap(),
            FeedbackOutcome::Duplicate
        );
        let row = store.subscriber(2).await.unwrap().unwrap();
        assert_eq!(row.status, SubscriberStatus::Bounced);
        let ledger = store.consent_history(2).await.unwrap();
        assert_eq!(ledger.len(), 2, "confirmed, then bounced: {ledger:?}");
        let counts = store.delivery_counts(edition).await.unwrap();
        assert_eq!((counts.sent, counts.bounced), (2, 1));
        assert_eq!(
            store.subscriber(1).await.unwrap().unwrap().status,
            SubscriberStatus::Confirmed
        );
    }

    #[tokio::test]
    async fn a_complaint_by_address_suppresses_a_soft_bounce_only_counts_and_a_stranger_is_unmatched()
     {
        let (_dir, store, _) = sent().await;
        let now = at("2026-07-13T10:00:00Z");
        let complaint = FeedbackEvent {
            recipient: Some("reader0@example.com".into()),
            ..event(FeedbackKind::Complaint, "c-1")
        };
        assert!(matches!(
            store.record_feedback(&complaint, now).await.unwrap(),
            FeedbackOutcome::Matched {
                subscriber_id: 1,
                suppressed: true
            }
        ));
        assert_eq!(
            store.subscriber(1).await.unwrap().unwrap().status,
            SubscriberStatus::Complained
        );
        // A later hard bounce of the same reader does not turn a complaint into a bounce.
        let bounce = FeedbackEvent {
            recipient: Some("reader0@example.com".into()),
            ..event(FeedbackKind::HardBounce, "b-1")
        };
        assert!(matches!(
            store.record_feedback(&bounce, now).await.unwrap(),
            FeedbackOutcome::Matched {
                suppressed: false,
                ..
            }
        ));
        let soft = FeedbackEvent {
            recipient: Some("READER1@example.com".into()),
            ..event(FeedbackKind::SoftBounce, "s-1")
        };
        assert!(matches!(
            store.record_feedback(&soft, now).await.unwrap(),
            FeedbackOutcome::Matched {
                subscriber_id: 2,
                suppressed: false
            }
        ));
        assert_eq!(
            store.subscriber(2).await.unwrap().unwrap().status,
            SubscriberStatus::Confirmed
        );
        let stranger = FeedbackEvent {
            recipient: Some("nobody@example.com".into()),
            ..event(FeedbackKind::HardBounce, "x-1")
        };
        assert_eq!(
            store.record_feedback(&stranger, now).await.unwrap(),
            FeedbackOutcome::Unmatched
        );
        assert_eq!(
            store.feedback_counts().await.unwrap(),
            FeedbackCounts {
                hard_bounces: 2,
                soft_bounces: 1,
                complaints: 1,
                unmatched: 1
            }
        );
    }
}
