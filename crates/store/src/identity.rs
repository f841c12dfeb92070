//! Keeps stored model keys in step with the identity rules.
//!
//! Keys are computed when a row is ingested. When a newer version of the rules links more
//! spellings to one model (`gpt-5-5-xhigh` becomes the `xhigh` variant of `gpt-5-5`), rows
//! stored before the upgrade would keep their old keys, and the first brief after it would
//! announce every re-keyed model as new and the old keys as removed. So at open, once per
//! rules version, every stored key is refined with [`ModelId::refined`] in one transaction:
//! observations, the models table (merging first-seen dates) and the spellings. Rows decoded
//! from the stored JSON are refined the same way as they are read.

use crate::StoreError;
use crate::error::QueryContext;
use modelbrief_domain::identity::{IDENTITY_RULES_VERSION, ModelId, ModelKey};
use sqlx::{Row, SqlitePool};

fn refine(key: &str, variant: Option<String>) -> Option<(String, Option<String>)> {
    let id = ModelId {
        key: ModelKey::normalise(key)?,
        variant,
    };
    let r = id.clone().refined();
    (r != id || r.key.as_str() != key).then(|| (r.key.to_string(), r.variant))
}

/// Re-keys stored rows made under older identity rules; a no-op when they are current.
pub(crate) async fn refresh(pool: &SqlitePool) -> Result<(), StoreError> {
    let current: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'identity_rules'")
            .fetch_optional(pool)
            .await
            .what("read the identity rules version")?;
    if current.as_deref() == Some(IDENTITY_RULES_VERSION) {
        return Ok(());
    }
    let mut tx = pool.begin().await.what("begin re-keying")?;
    let rows = sqlx::query("SELECT id, model_key, variant FROM observations")
        .fetch_all(&mut *tx)
        .await
        .what("read stored model keys")?;
    let mut changed = 0usize;
    for r in &rows {
        if let Some((key, variant)) = refine(r.get(1), r.get(2)) {
            sqlx::query("UPDATE observations SET model_key = ?1, variant = ?2 WHERE id = ?3")
                .bind(&key)
                .bind(&variant)
                .bind(r.get::<i64, _>(0))
                .execute(&mut *tx)
                .await
                .what("re-key an observation")?;
            changed += 1;
        }
    }
    let models = sqlx::query("SELECT key, name, provider, first_seen FROM models")
        .fetch_all(&mut *tx)
        .await
        .what("read stored models")?;
    for m in &models {
        let old: String = m.get(0);
        let Some((key, _)) = refine(&old, None) else {
            continue;
        };
        sqlx::query(
            "INSERT INTO models (key, name, provider, first_seen) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen)",
        )
        .bind(&key)
        .bind(m.get::<String, _>(1))
        .bind(m.get::<Option<String>, _>(2))
        .bind(m.get::<String, _>(3))
        .execute(&mut *tx)
        .await
        .what("merge a re-keyed model")?;
        let spellings = sqlx::query(
            "SELECT source, source_model, variant FROM model_aliases WHERE model_key = ?1",
        )
        .bind(&old)
        .fetch_all(&mut *tx)
        .await
        .what("read a model's spellings")?;
        for s in &spellings {
            let (k, v) = refine(&old, s.get(2)).unwrap_or((key.clone(), s.get(2)));
            sqlx::query(
                "UPDATE model_aliases SET model_key = ?1, variant = ?2
                 WHERE source = ?3 AND source_model = ?4",
            )
            .bind(k)
            .bind(v)
            .bind(s.get::<String, _>(0))
            .bind(s.get::<String, _>(1))
            .execute(&mut *tx)
            .await
            .what("re-key a spelling")?;
        }
        sqlx::query("DELETE FROM models WHERE key = ?1")
            .bind(&old)
            .execute(&mut *tx)
            .await
            .what("drop a re-keyed model")?;
    }
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ('identity_rules', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(IDENTITY_RULES_VERSION)
    .execute(&mut *tx)
    .await
    .what("record the identity rules version")?;
    tx.commit().await.what("commit re-keying")?;
    if changed > 0 {
        tracing::info!(
            rows = changed,
            rules = IDENTITY_RULES_VERSION,
            "stored model keys refined to the current identity rules"
        );
    }
    Ok(())
}
