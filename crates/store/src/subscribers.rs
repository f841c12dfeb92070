//! Subscribers, the append-only consent ledger, and erasure with a suppression hash.
//!
//! Every state change is one `BEGIN IMMEDIATE` transaction that updates the subscriber and
//! appends its ledger row together, so concurrent requests serialise and the ledger is
//! complete: one row per change, none for a request that changed nothing.

use crate::error::QueryContext;
use crate::{Store, StoreError};
use modelbrief_domain::{ConsentMethod, SubscriberEmail, SubscriberStatus, Timestamp};
use serde::Serialize;
use sqlx::Row;

/// A subscriber as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriberRow {
    pub id: i64,
    pub email: String,
    pub status: SubscriberStatus,
    pub created_at: String,
    pub updated_at: String,
}

/// One ledger row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentEntry {
    pub at: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub method: String,
    pub consent_version: Option<String>,
    pub consent_text: Option<String>,
    pub ip: Option<String>,
}

/// What the person was shown when they consented, and where from (IP only when enabled).
#[derive(Debug, Clone, Default)]
pub struct ConsentRecord {
    pub version: Option<String>,
    pub text: Option<String>,
    pub ip: Option<String>,
}

/// The result of a subscribe request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscribeOutcome {
    /// A new subscriber (pending, or confirmed for an operator import).
    Created(SubscriberRow),
    /// Was unsubscribed (or pending) and asked again: now pending (or confirmed) again.
    Renewed(SubscriberRow),
    /// Already in the requested state or further: nothing changed.
    Unchanged(SubscriberRow),
    /// The address was erased at the person's request and may not be re-added.
    Suppressed,
    /// Bounced or complained: only an operator can bring it back.
    Blocked(SubscriberRow),
}

fn row(r: &sqlx::sqlite::SqliteRow) -> SubscriberRow {
    SubscriberRow {
        id: r.get(0),
        email: r.get(1),
        status: SubscriberStatus::parse(r.get(2)).unwrap_or(SubscriberStatus::Pending),
        created_at: r.get(3),
        updated_at: r.get(4),
    }
}

/// The columns `row` reads, in order.
macro_rules! cols {
    () => {
        "id, email, status, created_at, updated_at"
    };
}

async fn append(
    tx: &mut sqlx::SqliteConnection,
    id: i64,
    at: &str,
    from: Option<SubscriberStatus>,
    to: SubscriberStatus,
    method: ConsentMethod,
    consent: &ConsentRecord,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO consent_ledger (subscriber_id, at, from_status, to_status, method, consent_version, consent_text, ip)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(id)
    .bind(at)
    .bind(from.map(|s| s.as_str()))
    .bind(to.as_str())
    .bind(method.as_str())
    .bind(&consent.version)
    .bind(&consent.text)
    .bind(&consent.ip)
    .execute(&mut *tx)
    .await
    .what("append consent")?;
    Ok(())
}

impl Store {
    /// Records a subscribe request: a new address becomes `pending` (or `confirmed` when
    /// `confirmed`, for operator imports); an unsubscribed one becomes pending again.
    pub async fn subscribe(
        &self,
        email: &SubscriberEmail,
        now: Timestamp,
        method: ConsentMethod,
        consent: &ConsentRecord,
        confirmed: bool,
    ) -> Result<SubscribeOutcome, StoreError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .what("begin subscribe")?;
        let at = now.to_db();
        let suppressed: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM suppressions WHERE email_hash = ?1")
                .bind(email.suppression_hash())
                .fetch_optional(&mut *tx)
                .await
                .what("check suppression")?;
        if suppressed.is_some() {
            return Ok(SubscribeOutcome::Suppressed);
        }
        let target = if confirmed {
            SubscriberStatus::Confirmed
        } else {
            SubscriberStatus::Pending
        };
        let existing = sqlx::query(concat!(
            "SELECT ",
            cols!(),
            " FROM subscribers WHERE email = ?1"
        ))
        .bind(email.as_str())
        .fetch_optional(&mut *tx)
        .await
        .what("find subscriber")?
        .map(|r| row(&r));
        let outcome = match existing {
            None => {
                let r = sqlx::query(concat!(
                    "INSERT INTO subscribers (email, status, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) RETURNING ",
                    cols!()
                ))
                .bind(email.as_str())
                .bind(target.as_str())
                .bind(&at)
                .fetch_one(&mut *tx)
                .await
                .what("insert subscriber")?;
                let new = row(&r);
                append(&mut tx, new.id, &at, None, target, method, consent).await?;
                SubscribeOutcome::Created(new)
            }
            Some(s)
                if matches!(
                    s.status,
                    SubscriberStatus::Bounced | SubscriberStatus::Complained
                ) && !confirmed =>
            {
                SubscribeOutcome::Blocked(s)
            }
            Some(s)
                if s.status == target
                    || (s.status == SubscriberStatus::Confirmed && !confirmed) =>
            {
                SubscribeOutcome::Unchanged(s)
            }
            Some(s) => {
                let updated = set_status(&mut tx, s.id, target, &at).await?;
                append(&mut tx, s.id, &at, Some(s.status), target, method, consent).await?;
                SubscribeOutcome::Renewed(updated)
            }
        };
        tx.commit().await.what("commit subscribe")?;
        Ok(outcome)
    }

    /// Moves a subscriber to `to` if allowed from its current state; returns the row and
    /// whether anything changed. `None` if there is no such subscriber.
    pub async fn transition(
        &self,
        id: i64,
        to: SubscriberStatus,
        now: Timestamp,
        method: ConsentMethod,
        consent: &ConsentRecord,
    ) -> Result<Option<(SubscriberRow, bool)>, StoreError> {
        // Already there (a repeated one-click, a link scanner's POST): answer from a read,
        // without taking the write lock.
        if let Some(current) = self.subscriber(id).await?
            && current.status == to
        {
            return Ok(Some((current, false)));
        }
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .what("begin transition")?;
        let Some(current) = sqlx::query(concat!(
            "SELECT ",
            cols!(),
            " FROM subscribers WHERE id = ?1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .what("find subscriber")?
        .map(|r| row(&r)) else {
            return Ok(None);
        };
        use SubscriberStatus::*;
        let allowed = match (current.status, to) {
            (a, b) if a == b => false,
            (Pending, Confirmed) => true,
            // Leaving always works, from any state: an opt-out must never fail.
            (_, Unsubscribed) => !matches!(current.status, Bounced | Complained),
            (_, Bounced | Complained) => true,
            _ => false,
        };
        if !allowed {
            return Ok(Some((current, false)));
        }
        let at = now.to_db();
        let updated = set_status(&mut tx, id, to, &at).await?;
        append(&mut tx, id, &at, Some(current.status), to, method, consent).await?;
        tx.commit().await.what("commit transition")?;
        Ok(Some((updated, true)))
    }

    pub async fn subscriber(&self, id: i64) -> Result<Option<SubscriberRow>, StoreError> {
        Ok(sqlx::query(concat!(
            "SELECT ",
            cols!(),
            " FROM subscribers WHERE id = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .what("read subscriber")?
        .map(|r| row(&r)))
    }

    /// Subscribers, optionally of one status, in id order.
    pub async fn subscribers(
        &self,
        status: Option<SubscriberStatus>,
    ) -> Result<Vec<SubscriberRow>, StoreError> {
        let rows = match status {
            Some(s) => {
                sqlx::query(concat!(
                    "SELECT ",
                    cols!(),
                    " FROM subscribers WHERE status = ?1 ORDER BY id"
                ))
                .bind(s.as_str())
                .fetch_all(&self.pool)
                .await
            }
            None => {
                sqlx::query(concat!("SELECT ", cols!(), " FROM subscribers ORDER BY id"))
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .what("list subscribers")?;
        Ok(rows.iter().map(row).collect())
    }

    /// Counts by status.
    pub async fn subscriber_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows =
            sqlx::query("SELECT status, count(*) FROM subscribers GROUP BY status ORDER BY status")
                .fetch_all(&self.pool)
                .await
                .what("count subscribers")?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// The consent history of one subscriber, oldest first.
    pub async fn consent_history(&self, id: i64) -> Result<Vec<ConsentEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, from_status, to_status, method, consent_version, consent_text, ip
             FROM consent_ledger WHERE subscriber_id = ?1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .what("read consent history")?;
        Ok(rows
            .iter()
            .map(|r| ConsentEntry {
                at: r.get(0),
                from_status: r.get(1),
                to_status: r.get(2),
                method: r.get(3),
                consent_version: r.get(4),
                consent_text: r.get(5),
                ip: r.get(6),
            })
            .collect())
    }

    /// Erases an address (subscriber and ledger) and keeps only its suppression hash.
    /// Returns whether a subscriber was erased.
    pub async fn erase(&self, email: &SubscriberEmail, now: Timestamp) -> Result<bool, StoreError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .what("begin erase")?;
        let deleted = sqlx::query("DELETE FROM subscribers WHERE email = ?1")
            .bind(email.as_str())
            .execute(&mut *tx)
            .await
            .what("erase subscriber")?
            .rows_affected();
        sqlx::query("INSERT OR IGNORE INTO suppressions (email_hash, reason, at) VALUES (?1, 'erasure', ?2)")
            .bind(email.suppression_hash())
            .bind(now.to_db())
            .execute(&mut *tx)
            .await
            .what("store suppression")?;
        tx.commit().await.what("commit erase")?;
        Ok(deleted > 0)
    }
}

async fn set_status(
    tx: &mut sqlx::SqliteConnection,
    id: i64,
    to: SubscriberStatus,
    at: &str,
) -> Result<SubscriberRow, StoreError> {
    let r = sqlx::query(concat!(
        "UPDATE subscribers SET status = ?2, updated_at = ?3 WHERE id = ?1 RETURNING ",
        cols!()
    ))
    .bind(id)
    .bind(to.as_str())
    .bind(at)
    .fetch_one(&mut *tx)
    .await
    .what("update subscriber")?;
    Ok(row(&r))
}
