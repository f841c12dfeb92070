//! Editions and the per-recipient delivery ledger.
//!
//! Invariants: one edition per ISO week (`UNIQUE(week)`, created with `INSERT OR IGNORE` in an
//! immediate transaction together with its delivery rows); a row is claimed (`pending` →
//! `sending`) in the same transaction that re-checks the subscriber is still confirmed, right
//! before the message is handed to the relay; a claim is atomic, so two senders can never claim
//! the same row.

use crate::error::QueryContext;
use crate::{Store, StoreError};
use modelbrief_domain::{ConsentMethod, Timestamp};
use serde::Serialize;
use sqlx::Row;

/// Where an edition's send stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EditionStatus {
    /// Created, deliveries still to hand over (or retry).
    Sending,
    /// Every delivery has an answer.
    Sent,
    /// Every delivery has a final answer, and some of them are failures (retries used up).
    SentWithFailures,
    /// Stopped on its error budget until the operator runs `send` again.
    Paused,
}

impl EditionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::SentWithFailures => "sent_with_failures",
            Self::Paused => "paused",
        }
    }

    /// Read back from the table; only this type writes it, so anything else is still sending.
    fn from_db(s: &str) -> Self {
        match s {
            "sent" => Self::Sent,
            "sent_with_failures" => Self::SentWithFailures,
            "paused" => Self::Paused,
            _ => Self::Sending,
        }
    }

    /// Sent or paused: a scheduler has nothing more to do for it unasked.
    pub fn is_settled(self) -> bool {
        matches!(self, Self::Sent | Self::SentWithFailures | Self::Paused)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditionRow {
    pub id: i64,
    pub week: String,
    pub created_at: String,
    pub window_from: String,
    pub window_to: String,
    pub subject: String,
    pub content: String,
    pub status: EditionStatus,
}

/// A delivery claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub subscriber_id: i64,
    pub email: String,
    /// The subscriber's link key, for the unsubscribe link in this message.
    pub link_key: String,
    pub attempts: i64,
}

/// What happened to one claimed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent {
        reply: String,
        message_id: String,
    },
    /// A transient failure: try again at `retry_at`, or give up if `None`.
    Failed {
        reply: String,
        retry_at: Option<Timestamp>,
    },
    Bounced {
        reply: String,
    },
    /// Claimed but not handed over (the send was stopped): back to pending, the attempt not
    /// counted.
    Released,
    /// The message went out and no answer came: the relay may have it. The row stays in doubt
    /// (`sending`), is never claimed again, and only `send --resend-in-doubt` requeues it.
    InDoubt {
        reply: String,
    },
}

/// Delivery counts of an edition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub pending: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub bounced: i64,
    pub suppressed: i64,
}

impl Counts {
    pub fn total(&self) -> i64 {
        self.pending + self.sending + self.sent + self.failed + self.bounced + self.suppressed
    }
}

fn edition_row(r: &sqlx::sqlite::SqliteRow) -> EditionRow {
    EditionRow {
        id: r.get(0),
        week: r.get(1),
        created_at: r.get(2),
        window_from: r.get(3),
        window_to: r.get(4),
        subject: r.get(5),
        content: r.get(6),
        status: EditionStatus::from_db(r.get(7)),
    }
}

macro_rules! edition_cols {
    () => {
        "id, week, created_at, window_from, window_to, subject, content, status"
    };
}

/// A new edition to create.
pub struct NewEdition<'a> {
    pub week: &'a str,
    pub now: Timestamp,
    pub window_from: Timestamp,
    pub window_to: Timestamp,
    pub subject: &'a str,
    pub content: &'a str,
}

impl Store {
    /// Creates the week's edition and a pending delivery for every confirmed subscriber, or
    /// returns the existing one. The bool is true when this call created it.
    pub async fn create_edition(
        &self,
        e: NewEdition<'_>,
    ) -> Result<(EditionRow, bool), StoreError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .what("begin edition")?;
        let at = e.now.to_db();
        let created = sqlx::query(
            "INSERT OR IGNORE INTO editions (week, created_at, window_from, window_to, subject, content, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sending')",
        )
        .bind(e.week)
        .bind(&at)
        .bind(e.window_from.to_db())
        .bind(e.window_to.to_db())
        .bind(e.subject)
        .bind(e.content)
        .execute(&mut *tx)
        .await
        .what("insert edition")?
        .rows_affected()
            == 1;
        let row = sqlx::query(concat!(
            "SELECT ",
            edition_cols!(),
            " FROM editions WHERE week = ?1"
        ))
        .bind(e.week)
        .fetch_one(&mut *tx)
        .await
        .what("read edition")?;
        let row = edition_row(&row);
        if created {
            sqlx::query(
                "INSERT INTO deliveries (edition_id, subscriber_id, status, updated_at)
                 SELECT ?1, id, 'pending', ?2 FROM subscribers WHERE status = 'confirmed'",
            )
            .bind(row.id)
            .bind(&at)
            .execute(&mut *tx)
            .await
            .what("create deliveries")?;
        }
        tx.commit().await.what("commit edition")?;
        Ok((row, created))
    }

    pub async fn edition(&self, week: &str) -> Result<Option<EditionRow>, StoreError> {
        Ok(sqlx::query(concat!(
            "SELECT ",
            edition_cols!(),
            " FROM editions WHERE week = ?1"
        ))
        .bind(week)
        .fetch_optional(&self.pool)
        .await
        .what("read edition")?
        .map(|r| edition_row(&r)))
    }

    /// The latest editions, newest first.
    pub async fn editions(&self, limit: i64) -> Result<Vec<EditionRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            edition_cols!(),
            " FROM editions ORDER BY week DESC LIMIT ?1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .what("list editions")?;
        Ok(rows.iter().map(edition_row).collect())
    }

    /// Every edition whose week ends after `since`, newest first: the ones holding changes
    /// observed after that moment.
    pub async fn editions_since(&self, since: Timestamp) -> Result<Vec<EditionRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            edition_cols!(),
            " FROM editions WHERE window_to > ?1 ORDER BY week DESC"
        ))
        .bind(since.to_db())
        .fetch_all(&self.pool)
        .await
        .what("list editions since a date")?;
        Ok(rows.iter().map(edition_row).collect())
    }

    pub async fn set_edition_status(
        &self,
        id: i64,
        status: EditionStatus,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE editions SET status = ?2 WHERE id = ?1")
            .bind(id)
            .bind(status.as_str())
            .execute(&self.pool)
            .await
            .what("set edition status")?;
        Ok(())
    }

    /// Puts in-doubt rows (`sending` with no recorded answer) back to `pending`: only on the
    /// operator's explicit request, as they may have been delivered.
    pub async fn requeue_in_doubt(
        &self,
        edition_id: i64,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        Ok(sqlx::query("UPDATE deliveries SET status = 'pending', updated_at = ?2 WHERE edition_id = ?1 AND status = 'sending'")
            .bind(edition_id)
            .bind(now.to_db())
            .execute(&self.pool)
            .await
            .what("requeue in-doubt deliveries")?
            .rows_affected())
    }

    /// Right before sending: marks rows whose subscriber is no longer confirmed as
    /// `suppressed`, then claims up to `limit` sendable rows (`pending`, or `failed` and due)
    /// as `sending`. One transaction, so an unsubscribe either lands before the claim (and the
    /// row is suppressed) or after the message is handed over.
    pub async fn claim(
        &self,
        edition_id: i64,
        limit: i64,
        now: Timestamp,
        max_attempts: i64,
    ) -> Result<Vec<Claim>, StoreError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .what("begin claim")?;
        let at = now.to_db();
        // Candidates through the (edition, status, subscriber) index: pending first, then failed
        // deliveries whose retry is due. Only these rows are looked at, so a claim costs the
        // same at 100 and at 100,000 recipients.
        let mut claims = Vec::new();
        // If every candidate turned out to be unsubscribed, look again: an empty result must
        // mean there is nothing left to send.
        while claims.is_empty() {
            let mut rows = sqlx::query(
            "SELECT d.subscriber_id, s.status, s.email, s.link_key FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
             WHERE d.edition_id = ?1 AND d.status = 'pending' ORDER BY d.subscriber_id LIMIT ?2",
        )
        .bind(edition_id)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .what("find pending deliveries")?;
            if (rows.len() as i64) < limit {
                let due = sqlx::query(
                "SELECT d.subscriber_id, s.status, s.email, s.link_key FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
                 WHERE d.edition_id = ?1 AND d.status = 'failed' AND d.next_attempt_at IS NOT NULL
                   AND d.next_attempt_at <= ?2 AND d.attempts < ?3
                 ORDER BY d.subscriber_id LIMIT ?4",
            )
            .bind(edition_id)
            .bind(&at)
            .bind(max_attempts)
            .bind(limit - rows.len() as i64)
            .fetch_all(&mut *tx)
            .await
            .what("find deliveries to retry")?;
                rows.extend(due);
            }
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let id: i64 = r.get(0);
                // Re-checked here, right before the message is handed over.
                if r.get::<&str, _>(1) != "confirmed" {
                    sqlx::query(
                    "UPDATE deliveries SET status = 'suppressed', updated_at = ?3 WHERE edition_id = ?1 AND subscriber_id = ?2",
                )
                .bind(edition_id)
                .bind(id)
                .bind(&at)
                .execute(&mut *tx)
                .await
                .what("suppress delivery")?;
                    continue;
                }
                let attempts: i64 = sqlx::query_scalar(
                "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = ?3
                 WHERE edition_id = ?1 AND subscriber_id = ?2 RETURNING attempts",
            )
            .bind(edition_id)
            .bind(id)
            .bind(&at)
            .fetch_one(&mut *tx)
            .await
            .what("claim delivery")?;
                claims.push(Claim {
                    subscriber_id: id,
                    email: r.get(2),
                    link_key: r.get(3),
                    attempts,
                });
            }
        }
        tx.commit().await.what("commit claim")?;
        Ok(claims)
    }

    /// Records the outcome of claimed deliveries; a subscriber whose hard bounces reach
    /// `bounce_threshold` is marked `bounced` (with a ledger row) and gets nothing more.
    pub async fn record(
        &self,
        edition_id: i64,
        results: &[(i64, Outcome)],
        now: Timestamp,
        bounce_threshold: i64,
    ) -> Result<(), StoreError> {
        if results.is_empty() {
            return Ok(());
        }
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .what("begin record")?;
        let at = now.to_db();
        for (subscriber_id, outcome) in results {
            if *outcome == Outcome::Released {
                sqlx::query(
                    "UPDATE deliveries SET status = 'pending', attempts = max(attempts - 1, 0), updated_at = ?3
                     WHERE edition_id = ?1 AND subscriber_id = ?2 AND status = 'sending'",
                )
                .bind(edition_id)
                .bind(subscriber_id)
                .bind(&at)
                .execute(&mut *tx)
                .await
                .what("release delivery")?;
                continue;
            }
            let (status, reply, message_id, retry) = match outcome {
                Outcome::Sent { reply, message_id } => {
                    ("sent", reply, Some(message_id.as_str()), None)
                }
                Outcome::Failed { reply, retry_at } => {
                    ("failed", reply, None, retry_at.map(|t| t.to_db()))
                }
                Outcome::Bounced { reply } => ("bounced", reply, None, None),
                Outcome::InDoubt { reply } => ("sending", reply, None, None),
                Outcome::Released => unreachable!("handled above"),
            };
            sqlx::query(
                "UPDATE deliveries SET status = ?3, last_reply = ?4, message_id = COALESCE(?5, message_id),
                        next_attempt_at = ?6, updated_at = ?7
                 WHERE edition_id = ?1 AND subscriber_id = ?2",
            )
            .bind(edition_id)
            .bind(subscriber_id)
            .bind(status)
            .bind(reply)
            .bind(message_id)
            .bind(retry)
            .bind(&at)
            .execute(&mut *tx)
            .await
            .what("record delivery")?;
            if matches!(outcome, Outcome::Bounced { .. }) {
                let bounces: i64 = sqlx::query_scalar(
                    "UPDATE subscribers SET hard_bounces = hard_bounces + 1 WHERE id = ?1 RETURNING hard_bounces",
                )
                .bind(subscriber_id)
                .fetch_one(&mut *tx)
                .await
                .what("count bounce")?;
                if bounces >= bounce_threshold {
                    let from: Option<String> = sqlx::query_scalar(
                        "SELECT status FROM subscribers WHERE id = ?1 AND status != 'bounced'",
                    )
                    .bind(subscriber_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .what("read bounced subscriber")?;
                    if from.is_some() {
                        sqlx::query("UPDATE subscribers SET status = 'bounced', updated_at = ?2 WHERE id = ?1")
                            .bind(subscriber_id)
                            .bind(&at)
                            .execute(&mut *tx)
                            .await
                            .what("suppress bounced subscriber")?;
                    }
                    if let Some(from) = from {
                        sqlx::query(
                            "INSERT INTO consent_ledger (subscriber_id, at, from_status, to_status, method) VALUES (?1, ?2, ?3, 'bounced', ?4)",
                        )
                        .bind(subscriber_id)
                        .bind(&at)
                        .bind(from)
                        .bind(ConsentMethod::Bounce.as_str())
                        .execute(&mut *tx)
                        .await
                        .what("append bounce")?;
                    }
                }
            }
        }
        tx.commit().await.what("commit record")?;
        Ok(())
    }

    pub async fn delivery_counts(&self, edition_id: i64) -> Result<Counts, StoreError> {
        let rows = sqlx::query(
            "SELECT status, count(*) FROM deliveries WHERE edition_id = ?1 GROUP BY status",
        )
        .bind(edition_id)
        .fetch_all(&self.pool)
        .await
        .what("count deliveries")?;
        let mut c = Counts::default();
        for r in &rows {
            let n: i64 = r.get(1);
            match r.get::<&str, _>(0) {
                "pending" => c.pending = n,
                "sending" => c.sending = n,
                "sent" => c.sent = n,
                "failed" => c.failed = n,
                "bounced" => c.bounced = n,
                _ => c.suppressed = n,
            }
        }
        Ok(c)
    }

    /// Failed deliveries that will not be retried any more.
    pub async fn final_failures(
        &self,
        edition_id: i64,
        max_attempts: i64,
    ) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "SELECT count(*) FROM deliveries WHERE edition_id = ?1 AND status = 'failed'
               AND (next_attempt_at IS NULL OR attempts >= ?2)",
        )
        .bind(edition_id)
        .bind(max_attempts)
        .fetch_one(&self.pool)
        .await
        .what("count final failures")
    }

    /// When the next failed delivery may be retried, if any is still to be retried.
    pub async fn next_retry(
        &self,
        edition_id: i64,
        max_attempts: i64,
    ) -> Result<Option<Timestamp>, StoreError> {
        let t: Option<String> = sqlx::query_scalar(
            "SELECT min(next_attempt_at) FROM deliveries WHERE edition_id = ?1 AND status = 'failed'
               AND next_attempt_at IS NOT NULL AND attempts < ?2",
        )
        .bind(edition_id)
        .bind(max_attempts)
        .fetch_one(&self.pool)
        .await
        .what("next retry")?;
        Ok(t.and_then(|t| Timestamp::parse(&t).ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ConsentRecord;
    use modelbrief_domain::{SubscriberEmail, SubscriberStatus};
    use std::collections::BTreeSet;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    async fn list(store: &Store, n: usize) {
        for i in 0..n {
            let email = SubscriberEmail::parse(&format!("reader{i}@example.com")).unwrap();
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
    }

    #[tokio::test]
    async fn concurrent_claims_hand_each_delivery_to_one_worker_and_skip_the_unsubscribed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("m.db")).await.unwrap();
        list(&store, 40).await;
        let now = at("2026-07-13T09:00:00Z");
        let (edition, created) = store
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
        assert!(created);
        // Reader 7 leaves after the edition was made and before anything is claimed.
        store
            .transition(
                8,
                SubscriberStatus::Unsubscribed,
                now,
                ConsentMethod::OneClick,
                &ConsentRecord::default(),
            )
            .await
            .unwrap();
        let workers = (0..4).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let claims = store.claim(edition.id, 3, now, 5).await.unwrap();
                    if claims.is_empty() {
                        return got;
                    }
                    got.extend(claims.into_iter().map(|c| c.email));
                }
            })
        });
        let mut all = Vec::new();
        for w in workers {
            all.extend(w.await.unwrap());
        }
        let distinct: BTreeSet<_> = all.iter().cloned().collect();
        assert_eq!(all.len(), 39, "each delivery claimed once: {all:?}");
        assert_eq!(distinct.len(), 39);
        assert!(!distinct.contains("reader7@example.com"));
        let counts = store.delivery_counts(edition.id).await.unwrap();
        assert_eq!((counts.sending, counts.suppressed), (39, 1));
    }
}
