//! Pulls and snapshots: recording each pull, and reading back what a source said when.

use crate::error::QueryContext;
use crate::{Store, StoreError};
use modelbrief_domain::{Observation, PullNotice, RowError, SourceKind, SourceName, Timestamp};
use serde::Serialize;
use sqlx::Row;

/// The outcome of a pull as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PullStatus {
    Changed,
    Unchanged,
    Failed,
    Quarantined,
}

impl PullStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PullStatus::Changed => "changed",
            PullStatus::Unchanged => "unchanged",
            PullStatus::Failed => "failed",
            PullStatus::Quarantined => "quarantined",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "changed" => PullStatus::Changed,
            "unchanged" => PullStatus::Unchanged,
            "quarantined" => PullStatus::Quarantined,
            _ => PullStatus::Failed,
        }
    }

    pub fn is_healthy(self) -> bool {
        matches!(self, PullStatus::Changed | PullStatus::Unchanged)
    }
}

/// What a pull produced.
#[derive(Debug, Clone)]
pub enum PullResult {
    /// New content: store it as a new snapshot.
    Changed {
        observations: Vec<Observation>,
        skipped: Vec<RowError>,
        etag: Option<String>,
        last_modified: Option<String>,
        /// The release of the source's data (LiveBench), when it has releases.
        release: Option<String>,
        /// The source's own date of the data, where its format carries one.
        data_date: Option<String>,
    },
    /// Same content as the given snapshot (304, or the same hash).
    Unchanged {
        snapshot_id: i64,
        rows: i64,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    Failed {
        error: String,
    },
    Quarantined {
        reason: String,
        rows: i64,
    },
}

/// One pull to record.
#[derive(Debug, Clone)]
pub struct NewPull {
    pub source: SourceName,
    pub started_at: Timestamp,
    pub duration_ms: i64,
    pub http_status: Option<u16>,
    pub bytes: Option<i64>,
    pub content_hash: Option<String>,
    /// Things the differ should know about this content (e.g. a metric rescaled).
    pub notices: Vec<PullNotice>,
    pub result: PullResult,
}

/// The last healthy snapshot of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRef {
    pub id: i64,
    pub source: String,
    pub content_hash: String,
    /// When the content was first seen.
    pub taken_at: Timestamp,
    /// When the last healthy pull confirmed it.
    pub confirmed_at: Timestamp,
    pub rows: i64,
    /// The release of the source's data it belongs to, for sources with releases.
    pub release: Option<String>,
    /// The source's own date of the data, where its format carries one.
    pub data_date: Option<String>,
}

/// A stored row, undecoded.
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub id: i64,
    pub source_model: String,
    pub hash: String,
    pub data: String,
}

/// One model key's record over time, as [`Store::model_history`] reads it.
#[derive(Debug, Clone)]
pub struct ModelHistory {
    /// Every stored row of the key, by observation id, oldest first.
    pub observations: Vec<(i64, Observation)>,
    /// (snapshot id, observation id) for every snapshot holding one of those rows.
    pub members: Vec<(i64, i64)>,
    /// Every healthy pull of every source, by source, oldest first.
    pub pulls: Vec<HealthyPull>,
}

/// A pull that vouched for a snapshot.
#[derive(Debug, Clone)]
pub struct HealthyPull {
    pub source: String,
    pub started_at: Timestamp,
    pub snapshot_id: i64,
}

/// A stored pull, for `status` and for tests.
#[derive(Debug, Clone, Serialize)]
pub struct PullRow {
    pub id: i64,
    pub source: String,
    pub started_at: String,
    pub status: PullStatus,
    pub http_status: Option<i64>,
    pub rows: Option<i64>,
    pub snapshot_id: Option<i64>,
    pub error: Option<String>,
    pub notices: Vec<PullNotice>,
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("the store writes only RFC 3339 timestamps")
}

impl Store {
    /// Registers a configured source (or updates its kind and URL).
    pub async fn upsert_source(
        &self,
        name: &SourceName,
        kind: SourceKind,
        url: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sources (name, kind, url) VALUES (?1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET
               etag = CASE WHEN sources.url = excluded.url THEN sources.etag END,
               last_modified = CASE WHEN sources.url = excluded.url THEN sources.last_modified END,
               kind = excluded.kind, url = excluded.url",
        )
        .bind(name.as_str())
        .bind(kind.as_str())
        .bind(url)
        .execute(&self.pool)
        .await
        .what("upsert source")?;
        Ok(())
    }

    /// The validators (ETag, Last-Modified) of the last healthy pull, for a conditional GET.
    pub async fn validators(
        &self,
        source: &SourceName,
    ) -> Result<(Option<String>, Option<String>), StoreError> {
        let row = sqlx::query("SELECT etag, last_modified FROM sources WHERE name = ?1")
            .bind(source.as_str())
            .fetch_optional(&self.pool)
            .await
            .what("read validators")?;
        Ok(row.map_or((None, None), |r| (r.get(0), r.get(1))))
    }

    /// The snapshot the last healthy pull at or before `at` vouched for (`None` = latest).
    pub async fn latest_healthy(
        &self,
        source: &str,
        at: Option<Timestamp>,
    ) -> Result<Option<SnapshotRef>, StoreError> {
        let at = at.map_or_else(|| "9999".to_owned(), Timestamp::to_db);
        let row = sqlx::query(
            "SELECT s.id, s.source, s.content_hash, s.taken_at, p.started_at, s.rows, s.release, s.data_date
             FROM pulls p JOIN snapshots s ON s.id = p.snapshot_id
             WHERE p.source = ?1 AND p.started_at <= ?2
             ORDER BY p.started_at DESC, p.id DESC LIMIT 1",
        )
        .bind(source)
        .bind(at)
        .fetch_optional(&self.pool)
        .await
        .what("find latest healthy snapshot")?;
        Ok(row.map(|r| SnapshotRef {
            id: r.get(0),
            source: r.get(1),
            content_hash: r.get(2),
            taken_at: ts(r.get(3)),
            confirmed_at: ts(r.get(4)),
            rows: r.get(5),
            release: r.get(6),
            data_date: r.get(7),
        }))
    }

    /// Every observation of a snapshot, in source-id order. Read as one aggregated JSON value:
    /// row-by-row fetching costs more than the decoding for snapshots of thousands of rows.
    pub async fn snapshot_observations(
        &self,
        snapshot_id: i64,
    ) -> Result<Vec<Observation>, StoreError> {
        let json: Option<String> = sqlx::query_scalar(
            "SELECT '[' || ifnull(group_concat(data, ','), '') || ']' FROM (
                 SELECT o.data FROM snapshot_observations so
                 JOIN observations o ON o.id = so.observation_id
                 WHERE so.snapshot_id = ?1 ORDER BY o.source_model, o.id)",
        )
        .bind(snapshot_id)
        .fetch_one(&self.pool)
        .await
        .what("read snapshot observations")?;
        serde_json::from_str(json.as_deref().unwrap_or("[]")).map_err(|source| {
            StoreError::Corrupt {
                id: snapshot_id,
                source,
            }
        })
    }

    /// What `source` said about the model `model_key` (all variants and routes) as of `at`.
    pub async fn observations_at(
        &self,
        source: &str,
        model_key: &str,
        at: Timestamp,
    ) -> Result<Vec<Observation>, StoreError> {
        let Some(snap) = self.latest_healthy(source, Some(at)).await? else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT o.id, o.data FROM snapshot_observations so
             JOIN observations o ON o.id = so.observation_id
             WHERE so.snapshot_id = ?1 AND o.model_key = ?2 ORDER BY o.source_model",
        )
        .bind(snap.id)
        .bind(model_key)
        .fetch_all(&self.pool)
        .await
        .what("read observations of a model")?;
        rows.iter().map(decode_observation).collect()
    }

    /// Everything the store holds about one model key over time, for `history`: every healthy
    /// pull of every source (oldest first, with the snapshot it vouched for), which of the key's
    /// rows each of those snapshots holds, and each of those rows decoded once.
    pub async fn model_history(&self, model_key: &str) -> Result<ModelHistory, StoreError> {
        let rows =
            sqlx::query("SELECT id, data FROM observations WHERE model_key = ?1 ORDER BY id")
                .bind(model_key)
                .fetch_all(&self.pool)
                .await
                .what("read a model's rows")?;
        let observations = rows
            .iter()
            .map(|r| Ok((r.get::<i64, _>(0), decode_observation(r)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let members = sqlx::query(
            "SELECT so.snapshot_id, so.observation_id FROM snapshot_observations so
             WHERE so.observation_id IN (SELECT id FROM observations WHERE model_key = ?1)
             ORDER BY so.snapshot_id, so.observation_id",
        )
        .bind(model_key)
        .fetch_all(&self.pool)
        .await
        .what("read the snapshots holding a model's rows")?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        let pulls = sqlx::query(
            "SELECT source, started_at, snapshot_id FROM pulls
             WHERE snapshot_id IS NOT NULL AND status IN ('changed', 'unchanged')
             ORDER BY source, started_at, id",
        )
        .fetch_all(&self.pool)
        .await
        .what("read the healthy pulls")?
        .iter()
        .map(|r| HealthyPull {
            source: r.get(0),
            started_at: ts(r.get::<&str, _>(1)),
            snapshot_id: r.get(2),
        })
        .collect();
        Ok(ModelHistory {
            observations,
            members,
            pulls,
        })
    }

    /// A snapshot's rows exactly as stored: (observation id, source row id, the hash the row is
    /// kept under, its JSON), in id order — for `verify` to check each row against its hash.
    pub async fn stored_rows(&self, snapshot_id: i64) -> Result<Vec<StoredRow>, StoreError> {
        Ok(sqlx::query(
            "SELECT o.id, o.source_model, o.hash, o.data FROM snapshot_observations so
             JOIN observations o ON o.id = so.observation_id
             WHERE so.snapshot_id = ?1 ORDER BY o.id",
        )
        .bind(snapshot_id)
        .fetch_all(&self.pool)
        .await
        .what("read a snapshot's stored rows")?
        .iter()
        .map(|r| StoredRow {
            id: r.get(0),
            source_model: r.get(1),
            hash: r.get(2),
            data: r.get(3),
        })
        .collect())
    }

    /// Records a pull; a `Changed` pull stores its snapshot in the same transaction.
    /// Returns the pull id.
    #[tracing::instrument(skip_all, fields(source = %pull.source))]
    pub async fn record_pull(&self, pull: NewPull) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await.what("begin pull transaction")?;
        let started = pull.started_at.to_db();
        let (status, snapshot_id, rows, error) = match &pull.result {
            PullResult::Changed {
                observations,
                skipped,
                etag,
                last_modified,
                release,
                data_date,
            } => {
                let snapshot_id: i64 = sqlx::query_scalar(
                    "INSERT INTO snapshots (source, content_hash, taken_at, rows, skipped, release, data_date)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                )
                .bind(pull.source.as_str())
                .bind(pull.content_hash.as_deref().unwrap_or_default())
                .bind(&started)
                .bind(observations.len() as i64)
                .bind(skipped.len() as i64)
                .bind(release)
                .bind(data_date)
                .fetch_one(&mut *tx)
                .await
                .what("insert snapshot")?;
                insert_observations(
                    &mut tx,
                    snapshot_id,
                    pull.source.as_str(),
                    &started,
                    observations,
                )
                .await?;
                set_validators(&mut tx, &pull.source, etag, last_modified).await?;
                (
                    PullStatus::Changed,
                    Some(snapshot_id),
                    Some(observations.len() as i64),
                    None,
                )
            }
            PullResult::Unchanged {
                snapshot_id,
                rows,
                etag,
                last_modified,
            } => {
                set_validators(&mut tx, &pull.source, etag, last_modified).await?;
                (PullStatus::Unchanged, Some(*snapshot_id), Some(*rows), None)
            }
            PullResult::Failed { error } => (PullStatus::Failed, None, None, Some(error.clone())),
            PullResult::Quarantined { reason, rows } => (
                PullStatus::Quarantined,
                None,
                Some(*rows),
                Some(reason.clone()),
            ),
        };
        let notices = serde_json::to_string(&pull.notices).expect("notices serialise as strings");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO pulls (source, started_at, duration_ms, status, http_status, bytes,
                                content_hash, rows, snapshot_id, error, notices)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
        )
        .bind(pull.source.as_str())
        .bind(&started)
        .bind(pull.duration_ms)
        .bind(status.as_str())
        .bind(pull.http_status.map(i64::from))
        .bind(pull.bytes)
        .bind(&pull.content_hash)
        .bind(rows)
        .bind(snapshot_id)
        .bind(error)
        .bind(notices)
        .fetch_one(&mut *tx)
        .await
        .what("insert pull")?;
        tx.commit().await.what("commit pull")?;
        Ok(id)
    }

    /// All pulls of a source, oldest first.
    pub async fn pulls(&self, source: &str) -> Result<Vec<PullRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, source, started_at, status, http_status, rows, snapshot_id, error, notices
             FROM pulls WHERE source = ?1 ORDER BY started_at, id",
        )
        .bind(source)
        .fetch_all(&self.pool)
        .await
        .what("list pulls")?;
        Ok(rows.iter().map(pull_row).collect())
    }

    /// Counts of stored rows, for measurements and tests: (snapshots, observations, links).
    pub async fn row_counts(&self) -> Result<(i64, i64, i64), StoreError> {
        let r = sqlx::query(
            "SELECT (SELECT count(*) FROM snapshots), (SELECT count(*) FROM observations),
                    (SELECT count(*) FROM snapshot_observations)",
        )
        .fetch_one(&self.pool)
        .await
        .what("count rows")?;
        Ok((r.get(0), r.get(1), r.get(2)))
    }
}

async fn set_validators(
    tx: &mut sqlx::SqliteConnection,
    source: &SourceName,
    etag: &Option<String>,
    last_modified: &Option<String>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sources SET etag = ?2, last_modified = ?3 WHERE name = ?1")
        .bind(source.as_str())
        .bind(etag)
        .bind(last_modified)
        .execute(&mut *tx)
        .await
        .what("store validators")?;
    Ok(())
}

/// Rows per multi-row INSERT (6 parameters each, well under SQLite's limit).
const CHUNK: usize = 400;

/// Stores a snapshot's observations in a few multi-row statements: content-addressed rows
/// (an unchanged row is stored once), the snapshot's links to them, and the identity tables.
async fn insert_observations(
    tx: &mut sqlx::SqliteConnection,
    snapshot_id: i64,
    source: &str,
    seen_at: &str,
    observations: &[Observation],
) -> Result<(), StoreError> {
    let rows: Vec<(String, String, &Observation)> = observations
        .iter()
        .map(|o| {
            (
                o.content_hash(),
                serde_json::to_string(o).expect("observations always serialise"),
                o,
            )
        })
        .collect();
    for chunk in rows.chunks(CHUNK) {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO observations (hash, source_model, model_key, variant, data) ",
        );
        q.push_values(chunk, |mut b, (hash, data, o)| {
            b.push_bind(hash.as_str())
                .push_bind(o.source_model.as_str())
                .push_bind(o.model.key.as_str())
                .push_bind(o.model.variant.as_deref())
                .push_bind(data.as_str());
        });
        q.push(" ON CONFLICT(hash) DO NOTHING");
        q.build()
            .execute(&mut *tx)
            .await
            .what("insert observations")?;
        let mut link = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT OR IGNORE INTO snapshot_observations (snapshot_id, observation_id) SELECT ",
        );
        link.push_bind(snapshot_id)
            .push(", id FROM observations WHERE hash IN (");
        let mut sep = link.separated(", ");
        for (hash, _, _) in chunk {
            sep.push_bind(hash.as_str());
        }
        link.push(")");
        link.build()
            .execute(&mut *tx)
            .await
            .what("link observations")?;
    }
    // Identity: every key and spelling this snapshot contains (first sighting wins for models).
    sqlx::query(
        "INSERT INTO models (key, name, provider, first_seen)
         SELECT o.model_key, json_extract(o.data, '$.name'), json_extract(o.data, '$.provider'), ?2
         FROM snapshot_observations so JOIN observations o ON o.id = so.observation_id
         WHERE so.snapshot_id = ?1 ORDER BY o.source_model
         ON CONFLICT(key) DO NOTHING",
    )
    .bind(snapshot_id)
    .bind(seen_at)
    .execute(&mut *tx)
    .await
    .what("insert models")?;
    sqlx::query(
        "INSERT INTO model_aliases (source, source_model, model_key, variant, first_seen)
         SELECT ?3, o.source_model, o.model_key, o.variant, ?2
         FROM snapshot_observations so JOIN observations o ON o.id = so.observation_id
         WHERE so.snapshot_id = ?1 AND true
         ON CONFLICT(source, source_model) DO UPDATE SET
           model_key = excluded.model_key, variant = excluded.variant",
    )
    .bind(snapshot_id)
    .bind(seen_at)
    .bind(source)
    .execute(&mut *tx)
    .await
    .what("insert aliases")?;
    Ok(())
}

fn decode_observation(row: &sqlx::sqlite::SqliteRow) -> Result<Observation, StoreError> {
    let id: i64 = row.get(0);
    serde_json::from_str(row.get::<&str, _>(1)).map_err(|source| StoreError::Corrupt { id, source })
}

impl Store {
    /// The last `limit` pulls of a source at or before `until`, oldest first.
    pub async fn pulls_until(
        &self,
        source: &str,
        until: Timestamp,
        limit: i64,
    ) -> Result<Vec<PullRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, source, started_at, status, http_status, rows, snapshot_id, error, notices
             FROM (SELECT * FROM pulls WHERE source = ?1 AND started_at <= ?2
                   ORDER BY started_at DESC, id DESC LIMIT ?3)
             ORDER BY started_at, id",
        )
        .bind(source)
        .bind(until.to_db())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .what("list recent pulls")?;
        Ok(rows.iter().map(pull_row).collect())
    }

    /// When each model key was first stored by any source.
    pub async fn models_first_seen(&self) -> Result<Vec<(String, Timestamp)>, StoreError> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT group_concat(key || char(31) || first_seen, char(30)) FROM models",
        )
        .fetch_one(&self.pool)
        .await
        .what("list models")?;
        Ok(split_pairs(text.as_deref())
            .map(|(k, t)| (k.to_owned(), ts(t)))
            .collect())
    }

    /// When the snapshot was taken.
    /// The release a snapshot belongs to and the source's own date of its data (each `None`
    /// where the source has none).
    pub async fn snapshot_dates(
        &self,
        snapshot_id: i64,
    ) -> Result<(Option<String>, Option<String>), StoreError> {
        let r = sqlx::query("SELECT release, data_date FROM snapshots WHERE id = ?1")
            .bind(snapshot_id)
            .fetch_one(&self.pool)
            .await
            .what("read snapshot dates")?;
        Ok((r.get(0), r.get(1)))
    }

    pub async fn snapshot_taken_at(&self, snapshot_id: i64) -> Result<Timestamp, StoreError> {
        let t: String = sqlx::query_scalar("SELECT taken_at FROM snapshots WHERE id = ?1")
            .bind(snapshot_id)
            .fetch_one(&self.pool)
            .await
            .what("read snapshot time")?;
        Ok(ts(&t))
    }
}

fn pull_row(r: &sqlx::sqlite::SqliteRow) -> PullRow {
    PullRow {
        id: r.get(0),
        source: r.get(1),
        started_at: r.get(2),
        status: PullStatus::parse(r.get(3)),
        http_status: r.get(4),
        rows: r.get(5),
        snapshot_id: r.get(6),
        error: r.get(7),
        notices: serde_json::from_str(r.get::<&str, _>(8)).unwrap_or_default(),
    }
}

impl Store {
    /// Every spelling that resolved to a key: model names and source ids, with the key.
    pub async fn model_spellings(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, key FROM models UNION SELECT source_model, model_key FROM model_aliases ORDER BY 2, 1",
        )
        .fetch_all(&self.pool)
        .await
        .what("list model spellings")?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}

impl Store {
    /// When the first pull of any source happened: when this installation started tracking.
    pub async fn first_pull_at(&self) -> Result<Option<Timestamp>, StoreError> {
        let t: Option<String> = sqlx::query_scalar("SELECT min(started_at) FROM pulls")
            .fetch_one(&self.pool)
            .await
            .what("first pull")?;
        Ok(t.map(|t| ts(&t)))
    }
}

impl Store {
    /// The (key, variant, the source's own name) of every row of a snapshot, in source-id
    /// order, without decoding the rows.
    pub async fn snapshot_model_ids(
        &self,
        snapshot_id: i64,
    ) -> Result<Vec<(String, Option<String>, String)>, StoreError> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT group_concat(model_key || char(31) || ifnull(variant, '') || char(31) || name, char(30)) FROM (
                 SELECT o.model_key, o.variant, ifnull(json_extract(o.data, '$.name'), '') AS name
                 FROM snapshot_observations so
                 JOIN observations o ON o.id = so.observation_id
                 WHERE so.snapshot_id = ?1 ORDER BY o.source_model, o.id)",
        )
        .bind(snapshot_id)
        .fetch_one(&self.pool)
        .await
        .what("read snapshot model ids")?;
        Ok(split_records(text.as_deref())
            .filter_map(|r| {
                let mut f = r.splitn(3, '\u{1f}');
                let (k, v, n) = (f.next()?, f.next()?, f.next().unwrap_or_default());
                Some((
                    k.to_owned(),
                    (!v.is_empty()).then(|| v.to_owned()),
                    n.to_owned(),
                ))
            })
            .collect())
    }
}

/// Splits `a<US>b<RS>c<US>d` (ASCII unit and record separators) into records: many small rows
/// read as one value, which is much cheaper than fetching them row by row.
fn split_records(text: Option<&str>) -> impl Iterator<Item = &str> {
    text.unwrap_or_default()
        .split('\u{1e}')
        .filter(|r| !r.is_empty())
}

/// [`split_records`] of two fields each.
fn split_pairs(text: Option<&str>) -> impl Iterator<Item = (&str, &str)> {
    split_records(text).filter_map(|r| r.split_once('\u{1f}'))
}

impl Store {
    /// What one listing (`source_model` of `source`, a row of model `model_key`) said at every
    /// healthy pull in `(from, to]`, plus the last healthy pull at or before `from`, oldest first.
    /// `None` where the pull's snapshot does not list it. For the price-history chart.
    pub async fn listing_history(
        &self,
        source: &str,
        model_key: &str,
        source_model: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(Timestamp, Option<Observation>)>, StoreError> {
        // The healthy pulls, then the listing's row in each distinct snapshot they vouched for:
        // a snapshot is shared by every unchanged pull after it, so this reads each row once.
        let pulls = sqlx::query(
            "SELECT started_at, snapshot_id FROM pulls
             WHERE source = ?1 AND snapshot_id IS NOT NULL AND started_at > ?2 AND started_at <= ?3
             UNION ALL
             SELECT * FROM (SELECT started_at, snapshot_id FROM pulls
                 WHERE source = ?1 AND snapshot_id IS NOT NULL AND started_at <= ?2
                 ORDER BY started_at DESC LIMIT 1)
             ORDER BY 1",
        )
        .bind(source)
        .bind(from.to_db())
        .bind(to.to_db())
        .fetch_all(&self.pool)
        .await
        .what("read a listing's pulls")?;
        let pulls: Vec<(String, i64)> = pulls.iter().map(|r| (r.get(0), r.get(1))).collect();
        let mut ids: Vec<i64> = pulls.iter().map(|(_, id)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        let rows = sqlx::query(
            "SELECT so.snapshot_id, o.data FROM observations o
             JOIN snapshot_observations so ON so.observation_id = o.id
             WHERE o.model_key = ?1 AND o.source_model = ?2
               AND so.snapshot_id IN (SELECT value FROM json_each(?3))",
        )
        .bind(model_key)
        .bind(source_model)
        .bind(serde_json::to_string(&ids).expect("ids serialise"))
        .fetch_all(&self.pool)
        .await
        .what("read a listing's rows")?;
        let mut by_snapshot = std::collections::HashMap::new();
        for r in &rows {
            let id: i64 = r.get(0);
            let obs: Observation = serde_json::from_str(r.get::<&str, _>(1))
                .map_err(|source| StoreError::Corrupt { id, source })?;
            by_snapshot.insert(id, obs);
        }
        Ok(pulls
            .iter()
            .map(|(at, id)| (ts(at), by_snapshot.get(id).cloned()))
            .collect())
    }
}

/// One source spelling that resolved to a model key (a row of `model_aliases`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spelling {
    pub source: String,
    pub source_model: String,
    pub variant: Option<String>,
    pub first_seen: Timestamp,
}

impl Store {
    /// Every source spelling ever resolved to `model_key`, by source then spelling.
    pub async fn spellings_of(&self, model_key: &str) -> Result<Vec<Spelling>, StoreError> {
        let rows = sqlx::query(
            "SELECT source, source_model, variant, first_seen FROM model_aliases
             WHERE model_key = ?1 ORDER BY source, source_model",
        )
        .bind(model_key)
        .fetch_all(&self.pool)
        .await
        .what("list the spellings of a model")?;
        Ok(rows
            .iter()
            .map(|r| Spelling {
                source: r.get(0),
                source_model: r.get(1),
                variant: r.get(2),
                first_seen: ts(r.get(3)),
            })
            .collect())
    }

    /// The name, maker and first-seen time the models table holds for a key.
    pub async fn model_record(
        &self,
        model_key: &str,
    ) -> Result<Option<(String, Option<String>, Timestamp)>, StoreError> {
        let row = sqlx::query("SELECT name, provider, first_seen FROM models WHERE key = ?1")
            .bind(model_key)
            .fetch_optional(&self.pool)
            .await
            .what("read a model")?;
        Ok(row.map(|r| (r.get(0), r.get(1), ts(r.get(2)))))
    }
}

/// The identifying columns of one stored observation, without its JSON decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservationHead {
    pub id: i64,
    pub source_model: String,
    pub model_key: String,
    pub variant: Option<String>,
    /// The source's own name for the model (`""` where it wrote none).
    pub name: String,
}

impl Store {
    /// The ids of the observations a snapshot holds (in id order). Index-only: consecutive
    /// snapshots of a source share most of their rows, so a reader of several snapshots reads
    /// these first and fetches each distinct row once ([`Store::observation_heads`],
    /// [`Store::observations_by_id`]).
    pub async fn snapshot_members(&self, snapshot_id: i64) -> Result<Vec<i64>, StoreError> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT group_concat(observation_id, ',') FROM snapshot_observations WHERE snapshot_id = ?1",
        )
        .bind(snapshot_id)
        .fetch_one(&self.pool)
        .await
        .what("read a snapshot's members")?;
        Ok(text
            .unwrap_or_default()
            .split(',')
            .filter_map(|id| id.parse().ok())
            .collect())
    }

    /// The heads of the observations `ids` (any order; unknown ids are left out).
    pub async fn observation_heads(&self, ids: &[i64]) -> Result<Vec<ObservationHead>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let text: Option<String> = sqlx::query_scalar(
            "SELECT group_concat(id || char(31) || source_model || char(31) || model_key || char(31)
                 || ifnull(variant, '') || char(31) || ifnull(json_extract(data, '$.name'), ''), char(30))
             FROM observations WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(serde_json::to_string(ids).expect("ids serialise"))
        .fetch_one(&self.pool)
        .await
        .what("read observation heads")?;
        Ok(split_records(text.as_deref())
            .filter_map(|r| {
                let mut f = r.splitn(5, '\u{1f}');
                let id = f.next()?.parse().ok()?;
                let (source_model, model_key, variant) = (f.next()?, f.next()?, f.next()?);
                Some(ObservationHead {
                    id,
                    source_model: source_model.to_owned(),
                    model_key: model_key.to_owned(),
                    variant: (!variant.is_empty()).then(|| variant.to_owned()),
                    name: f.next().unwrap_or_default().to_owned(),
                })
            })
            .collect())
    }

    /// The observations `ids`, decoded, with their ids (any order; unknown ids are left out).
    pub async fn observations_by_id(
        &self,
        ids: &[i64],
    ) -> Result<Vec<(i64, Observation)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // One aggregated value (`[[id, data], …]`): row-by-row fetching costs more than the
        // decoding for thousands of rows.
        let json: Option<String> = sqlx::query_scalar(
            "SELECT '[' || ifnull(group_concat('[' || id || ',' || data || ']', ','), '') || ']'
             FROM observations WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(serde_json::to_string(ids).expect("ids serialise"))
        .fetch_one(&self.pool)
        .await
        .what("read observations by id")?;
        let text = json.as_deref().unwrap_or("[]");
        if let Ok(rows) = serde_json::from_str::<Vec<(i64, Observation)>>(text) {
            return Ok(rows);
        }
        // A row did not decode: the envelope, then each row on its own, to name it by its id.
        let rows: Vec<(i64, &serde_json::value::RawValue)> = serde_json::from_str(text)
            .map_err(|source| StoreError::Corrupt { id: ids[0], source })?;
        rows.into_iter()
            .map(|(id, raw)| {
                serde_json::from_str(raw.get())
                    .map(|o| (id, o))
                    .map_err(|source| StoreError::Corrupt { id, source })
            })
            .collect()
    }
}

/// A healthy pull at `at` that stored `observations` as a new snapshot (for tests).
#[cfg(test)]
pub(crate) fn changed_pull(
    source: &modelbrief_domain::SourceName,
    at: &str,
    content_hash: &str,
    observations: Vec<Observation>,
) -> NewPull {
    NewPull {
        source: source.clone(),
        started_at: Timestamp::parse(at).unwrap(),
        duration_ms: 1,
        http_status: Some(200),
        bytes: Some(1),
        content_hash: Some(content_hash.into()),
        notices: Vec::new(),
        result: PullResult::Changed {
            observations,
            skipped: Vec::new(),
            etag: None,
            last_modified: None,
            release: None,
            data_date: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::{Store, StoreError};
    use modelbrief_domain::{ModelId, Observation, SourceKind, SourceName};

    fn row(id: &str, name: &str) -> Observation {
        Observation::new(id, ModelId::from_source_id(id).unwrap(), name)
    }

    async fn store_with(rows: &[Vec<Observation>]) -> (tempfile::TempDir, Store, Vec<i64>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("m.db")).await.unwrap();
        let source = SourceName::parse("openrouter").unwrap();
        store
            .upsert_source(&source, SourceKind::Openrouter, "file:///x.json")
            .await
            .unwrap();
        let mut snapshots = Vec::new();
        for (i, observations) in rows.iter().enumerate() {
            let at = format!("2026-06-{:02}T20:00:00Z", i + 1);
            store
                .record_pull(super::changed_pull(
                    &source,
                    &at,
                    &format!("h{i}"),
                    observations.clone(),
                ))
                .await
                .unwrap();
            snapshots.push(
                store
                    .latest_healthy("openrouter", None)
                    .await
                    .unwrap()
                    .unwrap()
                    .id,
            );
        }
        (dir, store, snapshots)
    }

    #[tokio::test]
    async fn two_snapshots_sharing_a_row_name_the_same_stored_row_and_read_as_the_whole_snapshot() {
        let a = row("openai/gpt-5.5", "GPT-5.5");
        let b = row("x-ai/grok-5", "Grok 5");
        let c = row("z-ai/glm-6", "GLM 6");
        let (_dir, store, snaps) = store_with(&[vec![a.clone(), b.clone()], vec![a, c]]).await;
        let first = store.snapshot_members(snaps[0]).await.unwrap();
        let second = store.snapshot_members(snaps[1]).await.unwrap();
        assert_eq!((first.len(), second.len()), (2, 2));
        let shared: Vec<_> = first.iter().filter(|id| second.contains(id)).collect();
        assert_eq!(shared.len(), 1, "GPT-5.5's unchanged row is stored once");

        let mut heads = store.observation_heads(&second).await.unwrap();
        heads.sort_by(|x, y| x.source_model.cmp(&y.source_model));
        let got: Vec<_> = heads
            .iter()
            .map(|h| {
                (
                    h.source_model.as_str(),
                    h.model_key.as_str(),
                    h.name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("openai/gpt-5.5", "gpt-5-5", "GPT-5.5"),
                ("z-ai/glm-6", "glm-6", "GLM 6")
            ]
        );
        let mut decoded: Vec<Observation> = store
            .observations_by_id(&second)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, o)| o)
            .collect();
        decoded.sort_by(|x, y| x.source_model.cmp(&y.source_model));
        assert_eq!(
            decoded,
            store.snapshot_observations(snaps[1]).await.unwrap()
        );
    }

    #[tokio::test]
    async fn a_corrupt_stored_row_is_named_by_its_id() {
        let (_dir, store, snaps) = store_with(&[vec![
            row("openai/gpt-5.5", "GPT-5.5"),
            row("x-ai/grok-5", "Grok 5"),
        ]])
        .await;
        let ids = store.snapshot_members(snaps[0]).await.unwrap();
        sqlx::query("UPDATE observations SET data = '{\"broken\": 1}' WHERE id = ?1")
            .bind(ids[1])
            .execute(&store.pool)
            .await
            .unwrap();
        match store.observations_by_id(&ids).await {
            Err(StoreError::Corrupt { id, .. }) => assert_eq!(id, ids[1]),
            other => panic!("expected the corrupt row's id, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_models_history_reads_each_of_its_rows_once_with_every_snapshot_and_healthy_pull() {
        let priced = |input: &str| {
            let mut o = row("openai/gpt-5.5", "GPT-5.5");
            o.input_per_mtok = Some(modelbrief_domain::PricePerMTok::parse(input).unwrap());
            o
        };
        let other = row("x-ai/grok-5", "Grok 5");
        let (_dir, store, snaps) = store_with(&[
            vec![priced("5"), other.clone()],
            vec![priced("4"), other.clone()],
            vec![other],
        ])
        .await;
        let mut failed = super::changed_pull(
            &SourceName::parse("openrouter").unwrap(),
            "2026-06-04T20:00:00Z",
            "h-failed",
            Vec::new(),
        );
        failed.result = super::PullResult::Failed {
            error: "HTTP 503".into(),
        };
        store.record_pull(failed).await.unwrap();

        let h = store.model_history("gpt-5-5").await.unwrap();
        let prices: Vec<String> = h
            .observations
            .iter()
            .map(|(_, o)| o.input_per_mtok.unwrap().decimal().normalize().to_string())
            .collect();
        assert_eq!(prices, ["5", "4"], "each distinct row once, oldest first");
        let ids: Vec<i64> = h.observations.iter().map(|(id, _)| *id).collect();
        assert_eq!(h.members, [(snaps[0], ids[0]), (snaps[1], ids[1])]);
        let pulls: Vec<(String, i64)> = h
            .pulls
            .iter()
            .map(|p| (p.started_at.to_string(), p.snapshot_id))
            .collect();
        assert_eq!(
            pulls,
            [
                ("2026-06-01T20:00:00Z".to_owned(), snaps[0]),
                ("2026-06-02T20:00:00Z".to_owned(), snaps[1]),
                ("2026-06-03T20:00:00Z".to_owned(), snaps[2]),
            ],
            "the failed pull vouches for nothing"
        );
    }
}
