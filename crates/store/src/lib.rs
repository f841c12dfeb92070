//! The SQLite store: opens the database, runs the embedded migrations, and owns every query.
//!
//! Invariants:
//! - A pull is recorded in one transaction with the snapshot it creates: a crash leaves either
//!   the whole snapshot or nothing.
//! - Only `changed`/`unchanged` pulls point at a snapshot; the differ reads snapshots only
//!   through those pulls, so a failed or quarantined pull can never be diffed against.
//! - Row types stay here; callers get domain types.
//! - Subscriber ids are never reused (AUTOINCREMENT), and every row has a random link key:
//!   a link made for one subscriber can never act on another.

mod deliveries;
mod error;
mod feedback;
mod history;
mod identity;
mod outbox;
mod pulls;
mod subscribers;
mod webhooks;

pub use deliveries::{Claim, Counts, EditionRow, EditionStatus, NewEdition, Outcome};
pub use error::StoreError;
pub use feedback::{FeedbackCounts, FeedbackOutcome};
pub use history::{Listing, Period};
pub use outbox::{OutboxCounts, OutboxItem};
pub use pulls::{
    HealthyPull, ModelHistory, NewPull, ObservationHead, PullResult, PullRow, PullStatus,
    SnapshotRef, Spelling,
};
pub use subscribers::{ConsentEntry, ConsentRecord, SubscribeOutcome, SubscriberRow};
pub use webhooks::{WebhookCounts, WebhookDelivery};

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

/// The migrations in `migrations/`, embedded in the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating it and its folder if missing) the database at `path`, with WAL, foreign
    /// keys and a busy timeout, and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-512");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: path.to_owned(),
                source,
            })?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                path: path.to_owned(),
                source,
            })?;
        identity::refresh(&pool).await?;
        Ok(Self { pool })
    }

    /// A trivial query, for health checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(|source| StoreError::Query {
                what: "ping",
                source,
            })?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to finish (and the WAL to checkpoint).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
