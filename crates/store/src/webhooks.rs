//! The webhook queue: one row per (configured webhook, edition), queued when the edition is
//! made; a delivery attempt records its outcome, a failure schedules the next attempt, and a
//! row that keeps failing ends `failed` with its last error — shown by `status`.

use crate::error::QueryContext;
use crate::{Store, StoreError};
use modelbrief_domain::Timestamp;
use sqlx::Row;

/// One queued delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: i64,
    pub webhook: i64,
    pub url: String,
    pub edition: String,
    pub body: String,
    pub attempts: i64,
}

/// Deliveries of one webhook by state, for `status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct WebhookCounts {
    pub webhook: i64,
    pub url: String,
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
    /// The last delivery that succeeded, and the last error of a row not delivered.
    pub last_delivered_at: Option<String>,
    pub last_error: Option<String>,
    /// The newest delivery failed for good: the receiver has missed the latest edition.
    pub latest_failed: bool,
}

impl Store {
    /// Queues `body` for webhook `webhook` at `url` for `edition`, unless it is queued already.
    /// Returns whether a row was added.
    pub async fn enqueue_webhook(
        &self,
        webhook: i64,
        url: &str,
        edition: &str,
        body: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO webhook_deliveries (webhook, url, edition, body, created_at, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (webhook, url, edition) DO NOTHING",
        )
        .bind(webhook)
        .bind(url)
        .bind(edition)
        .bind(body)
        .bind(now.to_db())
        .execute(&self.pool)
        .await
        .what("queue a webhook delivery")?;
        Ok(done.rows_affected() == 1)
    }

    /// Pending deliveries whose next attempt is due at `now`, oldest first (take each with
    /// [`Store::claim_webhook`] before sending it).
    pub async fn due_webhooks(&self, now: Timestamp) -> Result<Vec<WebhookDelivery>, StoreError> {
        Ok(sqlx::query(
            "SELECT id, webhook, url, edition, body, attempts FROM webhook_deliveries
             WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id",
        )
        .bind(now.to_db())
        .fetch_all(&self.pool)
        .await
        .what("read due webhook deliveries")?
        .iter()
        .map(|r| WebhookDelivery {
            id: r.get(0),
            webhook: r.get(1),
            url: r.get(2),
            edition: r.get(3),
            body: r.get(4),
            attempts: r.get(5),
        })
        .collect())
    }

    /// Takes a due delivery for one attempt: pushes its next attempt to `lease_until`, so a
    /// second process working the queue at the same moment does not send it too. False when
    /// another process took it first (or it is no longer due).
    pub async fn claim_webhook(
        &self,
        id: i64,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_at = ?3
             WHERE id = ?1 AND status = 'pending' AND next_attempt_at <= ?2",
        )
        .bind(id)
        .bind(now.to_db())
        .bind(lease_until.to_db())
        .execute(&self.pool)
        .await
        .what("claim a webhook delivery")?;
        Ok(done.rows_affected() == 1)
    }

    /// When the earliest pending delivery is due, for the scheduler's next wake-up.
    pub async fn next_webhook_attempt(&self) -> Result<Option<Timestamp>, StoreError> {
        let t: Option<String> = sqlx::query_scalar(
            "SELECT min(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending'",
        )
        .fetch_one(&self.pool)
        .await
        .what("read the next webhook attempt")?;
        Ok(t.and_then(|t| Timestamp::parse(&t).ok()))
    }

    /// Records a delivery the receiver accepted.
    pub async fn webhook_delivered(
        &self,
        id: i64,
        http_status: u16,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1,
             last_status = ?2, last_error = NULL, delivered_at = ?3 WHERE id = ?1",
        )
        .bind(id)
        .bind(i64::from(http_status))
        .bind(now.to_db())
        .execute(&self.pool)
        .await
        .what("record a webhook delivery")?;
        Ok(())
    }

    /// Records a failed attempt: retried at `retry_at`, or `failed` for good when `None`.
    pub async fn webhook_attempt_failed(
        &self,
        id: i64,
        http_status: Option<u16>,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?2, last_error = ?3,
             status = CASE WHEN ?4 IS NULL THEN 'failed' ELSE 'pending' END,
             next_attempt_at = coalesce(?4, next_attempt_at) WHERE id = ?1",
        )
        .bind(id)
        .bind(http_status.map(i64::from))
        .bind(error)
        .bind(retry_at.map(Timestamp::to_db))
        .execute(&self.pool)
        .await
        .what("record a failed webhook attempt")?;
        Ok(())
    }

    /// Deliveries by webhook and state.
    pub async fn webhook_counts(&self) -> Result<Vec<WebhookCounts>, StoreError> {
        Ok(sqlx::query(
            "SELECT webhook, url,
                    sum(status = 'pending'), sum(status = 'delivered'), sum(status = 'failed'),
                    max(delivered_at),
                    (SELECT last_error FROM webhook_deliveries l
                     WHERE l.webhook = d.webhook AND l.url = d.url AND l.status != 'delivered'
                       AND l.last_error IS NOT NULL ORDER BY l.id DESC LIMIT 1),
                    (SELECT n.status = 'failed' FROM webhook_deliveries n
                     WHERE n.webhook = d.webhook AND n.url = d.url ORDER BY n.id DESC LIMIT 1)
             FROM webhook_deliveries d GROUP BY webhook, url ORDER BY webhook, url",
        )
        .fetch_all(&self.pool)
        .await
        .what("count webhook deliveries")?
        .iter()
        .map(|r| WebhookCounts {
            webhook: r.get(0),
            url: r.get(1),
            pending: r.get(2),
            delivered: r.get(3),
            failed: r.get(4),
            last_delivered_at: r.get(5),
            last_error: r.get(6),
            latest_failed: r.get::<i64, _>(7) == 1,
        })
        .collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;
    use modelbrief_domain::Timestamp;

    #[tokio::test]
    async fn a_delivery_is_queued_once_retried_when_due_and_counted_by_state() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("m.db")).await.unwrap();
        let t = |s: &str| Timestamp::parse(s).unwrap();
        let now = t("2026-07-13T06:00:00Z");
        let url = "http://127.0.0.1:9/hook";
        assert!(
            store
                .enqueue_webhook(0, url, "2026-W28", "{}", now)
                .await
                .unwrap()
        );
        assert!(
            !store
                .enqueue_webhook(0, url, "2026-W28", "{}", now)
                .await
                .unwrap()
        );
        let due = store.due_webhooks(now).await.unwrap();
        assert_eq!(due.len(), 1);
        let later = t("2026-07-13T06:01:00Z");
        store
            .webhook_attempt_failed(due[0].id, Some(500), "HTTP 500", Some(later))
            .await
            .unwrap();
        assert!(
            store.due_webhooks(now).await.unwrap().is_empty(),
            "not before its retry time"
        );
        assert_eq!(store.next_webhook_attempt().await.unwrap(), Some(later));
        let again = store.due_webhooks(later).await.unwrap();
        assert_eq!(again[0].attempts, 1);
        // Two processes working the queue at once: only one takes the delivery.
        let lease = t("2026-07-13T06:02:00Z");
        assert!(
            store
                .claim_webhook(again[0].id, later, lease)
                .await
                .unwrap()
        );
        assert!(
            !store
                .claim_webhook(again[0].id, later, lease)
                .await
                .unwrap()
        );
        let counts = store.webhook_counts().await.unwrap();
        assert_eq!(
            (counts[0].pending, counts[0].last_error.as_deref()),
            (1, Some("HTTP 500"))
        );
        store
            .webhook_delivered(again[0].id, 204, later)
            .await
            .unwrap();
        let counts = store.webhook_counts().await.unwrap();
        assert_eq!(
            (counts[0].pending, counts[0].delivered, counts[0].failed),
            (0, 1, 0)
        );
        assert_eq!(counts[0].last_error, None);
        assert!(store.due_webhooks(later).await.unwrap().is_empty());
    }
}
