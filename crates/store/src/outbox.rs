//! The outbox: confirmation mails waiting to be sent. A sign-up only adds a row (in the same
//! moment for every address, so the answer's timing says nothing about the address); the web
//! server's background worker sends it, retrying with back-off, and a row that keeps failing
//! ends `failed` with its last error for the operator.

use crate::error::QueryContext;
use crate::{Store, StoreError};
use modelbrief_domain::Timestamp;
use sqlx::Row;

/// One mail to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    pub subscriber_id: i64,
    pub attempts: i64,
}

/// Rows by state, for `status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxCounts {
    pub pending: i64,
    pub failed: i64,
}

/// Queues a confirmation mail for subscriber `?1` at `?2`, unless one is already waiting.
const QUEUE_CONFIRMATION: &str = "INSERT INTO outbox (kind, subscriber_id, created_at, next_attempt_at)
     SELECT 'confirm', ?1, ?2, ?2
     WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE subscriber_id = ?1 AND kind = 'confirm' AND status = 'pending')";

impl Store {
    /// Queues a confirmation mail for `subscriber_id`, unless one is already waiting.
    pub async fn enqueue_confirmation(
        &self,
        subscriber_id: i64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(QUEUE_CONFIRMATION)
            .bind(subscriber_id)
            .bind(now.to_db())
            .execute(&self.pool)
            .await
            .what("queue confirmation")?;
        Ok(())
    }

    /// Queues a confirmation mail for `subscriber_id` if its mailbox (`mailbox_hash`) has had
    /// fewer than `per_hour` in the last hour; returns whether one was queued (or already
    /// waiting). The count lives in the database, so every web node shares it.
    pub async fn enqueue_confirmation_limited(
        &self,
        subscriber_id: i64,
        mailbox_hash: &str,
        now: Timestamp,
        per_hour: u32,
    ) -> Result<bool, StoreError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .what("begin confirmation limit")?;
        let since = Timestamp::from_datetime(now.datetime() - chrono::Duration::hours(1)).to_db();
        sqlx::query("DELETE FROM confirmation_slots WHERE at <= ?1")
            .bind(&since)
            .execute(&mut *tx)
            .await
            .what("expire confirmation slots")?;
        let used: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM confirmation_slots WHERE mailbox_hash = ?1 AND at > ?2",
        )
        .bind(mailbox_hash)
        .bind(&since)
        .fetch_one(&mut *tx)
        .await
        .what("count confirmation slots")?;
        if used >= i64::from(per_hour.max(1)) {
            tx.commit().await.what("commit confirmation limit")?;
            return Ok(false);
        }
        sqlx::query("INSERT INTO confirmation_slots (mailbox_hash, at) VALUES (?1, ?2)")
            .bind(mailbox_hash)
            .bind(now.to_db())
            .execute(&mut *tx)
            .await
            .what("take confirmation slot")?;
        sqlx::query(QUEUE_CONFIRMATION)
            .bind(subscriber_id)
            .bind(now.to_db())
            .execute(&mut *tx)
            .await
            .what("queue confirmation")?;
        tx.commit().await.what("commit confirmation limit")?;
        Ok(true)
    }

    /// Mails due at `now`, oldest first.
    pub async fn due_outbox(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, subscriber_id, attempts FROM outbox
             WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2",
        )
        .bind(now.to_db())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .what("read outbox")?;
        Ok(rows
            .iter()
            .map(|r| OutboxItem {
                id: r.get(0),
                subscriber_id: r.get(1),
                attempts: r.get(2),
            })
            .collect())
    }

    /// The mail went out (or is no longer needed): forget it.
    pub async fn outbox_done(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM outbox WHERE id = ?1")
            .bind(id)
            .execute(&self.pool)
            .await
            .what("clear outbox row")?;
        Ok(())
    }

    /// The mail could not go out: try again at `retry_at`, or give up (`None`) keeping `error`.
    pub async fn outbox_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2,
                 status = CASE WHEN ?3 IS NULL THEN 'failed' ELSE 'pending' END,
                 next_attempt_at = coalesce(?3, next_attempt_at)
             WHERE id = ?1",
        )
        .bind(id)
        .bind(error)
        .bind(retry_at.map(|t| t.to_db()))
        .execute(&self.pool)
        .await
        .what("record outbox failure")?;
        Ok(())
    }

    /// The earliest time a pending mail is due, if any.
    pub async fn next_outbox_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let at: Option<String> =
            sqlx::query_scalar("SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'")
                .fetch_one(&self.pool)
                .await
                .what("read outbox")?;
        Ok(at.and_then(|a| Timestamp::parse(&a).ok()))
    }

    pub async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let r = sqlx::query(
            "SELECT coalesce(sum(status = 'pending'), 0), coalesce(sum(status = 'failed'), 0) FROM outbox",
        )
        .fetch_one(&self.pool)
        .await
        .what("count outbox")?;
        Ok(OutboxCounts {
            pending: r.get(0),
            failed: r.get(1),
        })
    }
}
