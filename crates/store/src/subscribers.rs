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
    /// Random, never shown: link tokens carry its first digits so they act on this row only.
    #[serde(skip)]
    pub link_key: String,
    /// The row predates link keys: its version 1 links (id only) still work.
    #[serde(skip)]
    pub legacy_links: bool,
}

impl SubscriberRow {
    /// When the row last changed status, in unix seconds (a confirm link issued before the
    /// current pending period — before an unsubscribe and a new sign-up — does not confirm).
    pub fn status_since(&self) -> i64 {
        Timestamp::parse(&self.updated_at).map_or(i64::MAX, |t| t.datetime().timestamp())
    }
}

/// A fresh random link key (128 bits, hex).
fn new_link_key() -> String {
    hex::encode(rand::random::<[u8; 16]>())
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
        link_key: r.get(5),
        legacy_links: r.get::<i64, _>(6) != 0,
    }
}

/// The columns `row` reads, in order.
macro_rules! cols {
    () => {
        "id, email, status, created_at, updated_at, link_key, legacy_links"
    };
}

pub(crate) async fn append(
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
        let [hash, legacy_hash] = email.suppression_hashes();
        let suppressed: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM suppressions WHERE email_hash IN (?1, ?2) LIMIT 1")
                .bind(hash)
                .bind(legacy_hash)
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
            " FROM subscribers WHERE lower(email) = ?1 ORDER BY id LIMIT 1"
        ))
        .bind(email.canonical())
        .fetch_optional(&mut *tx)
        .await
        .what("find subscriber")?
        .map(|r| row(&r));
        let outcome = match existing {
            None => {
                let r = sqlx::query(concat!(
                    "INSERT INTO subscribers (email, status, created_at, updated_at, link_key) VALUES (?1, ?2, ?3, ?3, ?4) RETURNING ",
                    cols!()
                ))
                .bind(email.as_str())
                .bind(target.as_str())
                .bind(&at)
                .bind(new_link_key())
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
        let deleted = sqlx::query("DELETE FROM subscribers WHERE lower(email) = ?1")
            .bind(email.canonical())
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

pub(crate) async fn set_status(
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn now() -> Timestamp {
        Timestamp::parse("2026-12-02T09:00:00Z").unwrap()
    }

    /// A database as the releases before link keys left it: the migrations up to
    /// `20261202000002`, with subscribers, consent and a delivery in it.
    async fn old_database(path: &Path) {
        let old = tempfile::tempdir().unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            if name.as_str() <= "20261202000002_data_date.sql" {
                std::fs::copy(&p, old.path().join(&name)).unwrap();
            }
        }
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        sqlx::migrate::Migrator::new(old.path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        sqlx::raw_sql(
            "INSERT INTO subscribers (id, email, status, created_at, updated_at) VALUES
                 (1, 'ada@example.com', 'confirmed', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'),
                 (2, 'bob@example.com', 'confirmed', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z');
             INSERT INTO consent_ledger (subscriber_id, at, to_status, method) VALUES
                 (1, '2026-11-01T00:00:00Z', 'confirmed', 'cli');
             INSERT INTO editions (id, week, created_at, window_from, window_to, subject, content, status)
                 VALUES (1, '2026-W44', '2026-11-02T00:00:00Z', 'a', 'b', 's', '{}', 'sent');
             INSERT INTO deliveries (edition_id, subscriber_id, status, updated_at)
                 VALUES (1, 1, 'sent', '2026-11-02T00:00:00Z');",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }

    #[tokio::test]
    async fn the_migration_keeps_every_row_and_old_links_and_never_reuses_an_id_afterwards() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        old_database(&path).await;
        let store = Store::open(&path).await.unwrap();
        let ada = store.subscriber(1).await.unwrap().unwrap();
        assert_eq!(ada.email, "ada@example.com");
        assert!(
            ada.legacy_links,
            "links mailed before the migration keep working"
        );
        assert_eq!(ada.link_key.len(), 32);
        let bob = store.subscriber(2).await.unwrap().unwrap();
        assert_ne!(ada.link_key, bob.link_key);
        assert_eq!(store.consent_history(1).await.unwrap().len(), 1);
        let edition = store.edition("2026-W44").await.unwrap().unwrap();
        assert_eq!(edition.status, crate::EditionStatus::Sent);
        assert_eq!(store.delivery_counts(edition.id).await.unwrap().sent, 1);

        // Bob is erased; the next sign-up does not get his id, nor accept id-only links.
        let bob_email = SubscriberEmail::parse("bob@example.com").unwrap();
        assert!(store.erase(&bob_email, now()).await.unwrap());
        let new = SubscriberEmail::parse("carol@example.com").unwrap();
        let SubscribeOutcome::Created(carol) = store
            .subscribe(
                &new,
                now(),
                ConsentMethod::WebForm,
                &ConsentRecord::default(),
                false,
            )
            .await
            .unwrap()
        else {
            panic!("a new address is created");
        };
        assert_eq!(carol.id, 3, "id 2 is never handed out again");
        assert!(!carol.legacy_links);
        assert!(store.erase(&new, now()).await.unwrap());
        let dave = SubscriberEmail::parse("dave@example.com").unwrap();
        let SubscribeOutcome::Created(dave) = store
            .subscribe(
                &dave,
                now(),
                ConsentMethod::WebForm,
                &ConsentRecord::default(),
                false,
            )
            .await
            .unwrap()
        else {
            panic!("a new address is created");
        };
        assert_eq!(dave.id, 4);
    }

    #[tokio::test]
    async fn an_address_signs_up_once_whatever_its_case_and_an_erasure_covers_every_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("m.db")).await.unwrap();
        let sign_up = |raw: &'static str| {
            let store = store.clone();
            async move {
                store
                    .subscribe(
                        &SubscriberEmail::parse(raw).unwrap(),
                        now(),
                        ConsentMethod::WebForm,
                        &ConsentRecord::default(),
                        false,
                    )
                    .await
                    .unwrap()
            }
        };
        assert!(matches!(
            sign_up("Ada@Example.org").await,
            SubscribeOutcome::Created(_)
        ));
        let again = sign_up("ADA@example.ORG").await;
        let SubscribeOutcome::Unchanged(row) = again else {
            panic!("the same subscriber: {again:?}");
        };
        assert_eq!(
            row.email, "Ada@example.org",
            "mail goes to the first spelling"
        );
        assert!(
            store
                .erase(&SubscriberEmail::parse("ada@EXAMPLE.org").unwrap(), now())
                .await
                .unwrap()
        );
        assert_eq!(
            sign_up("aDa@example.org").await,
            SubscribeOutcome::Suppressed
        );
    }
}
