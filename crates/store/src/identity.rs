//! Keeps stored model keys in step with the identity rules.
//!
//! Keys are computed when a row is ingested. When a newer version of the rules links more
//! spellings to one model (`gpt-5-5-xhigh` becomes the `xhigh` variant of `gpt-5-5`), rows
//! stored before the upgrade would keep their old keys, and the first brief after it would
//! announce every re-keyed model as new and the old keys as removed. So at open, once per
//! rules version, every stored row is re-keyed with [`ModelId::refined`] in one transaction:
//! the row itself (its JSON, its key columns and its content hash, so a later pull of the same
//! content still finds it), the models table (merging first-seen dates) and the spellings.
//! Reading rows afterwards costs nothing extra.

use crate::StoreError;
use crate::error::QueryContext;
use modelbrief_domain::Observation;
use modelbrief_domain::identity::{IDENTITY_RULES_VERSION, ModelId, ModelKey};
use sqlx::{Row, SqlitePool};

/// The id today's rules give a stored (key, variant), when it differs.
fn refine(key: &str, variant: Option<String>) -> Option<ModelId> {
    let id = ModelId {
        key: ModelKey::normalise(key)?,
        variant,
    };
    let r = id.clone().refined();
    (r != id).then_some(r)
}

/// The id today's rules give a stored row of `source_model`: a Bedrock id whose API version
/// the key cannot show is derived again from the source's spelling (keeping stored tags).
fn refine_row(source_model: &str, key: &str, variant: Option<String>) -> Option<ModelId> {
    if !ModelId::is_bedrock_versioned(source_model) {
        return refine(key, variant);
    }
    let stored = ModelId {
        key: ModelKey::normalise(key)?,
        variant: variant.clone(),
    };
    let mut fresh = ModelId::from_source_id(source_model)?;
    for tag in variant.iter().flat_map(|v| v.split('+')) {
        fresh = fresh.with_variant(tag);
    }
    (fresh != stored).then_some(fresh)
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
    let rows = sqlx::query("SELECT id, model_key, variant, data, source_model FROM observations")
        .fetch_all(&mut *tx)
        .await
        .what("read stored model keys")?;
    let mut changed = 0usize;
    // Old key → new key, for keys the key rules alone would not change.
    let mut renamed: std::collections::BTreeMap<String, ModelKey> = Default::default();
    for r in &rows {
        let id: i64 = r.get(0);
        let Some(new) = refine_row(r.get(4), r.get(1), r.get(2)) else {
            continue;
        };
        renamed.insert(r.get::<String, _>(1), new.key.clone());
        let mut o: Observation = serde_json::from_str(r.get::<&str, _>(3))
            .map_err(|source| StoreError::Corrupt { id, source })?;
        o.model = new;
        sqlx::query(
            "UPDATE observations SET model_key = ?1, variant = ?2, data = ?3 WHERE id = ?4",
        )
        .bind(o.model.key.as_str())
        .bind(o.model.variant.as_deref())
        .bind(serde_json::to_string(&o).expect("observations always serialise"))
        .bind(id)
        .execute(&mut *tx)
        .await
        .what("re-key an observation")?;
        // The hash is of the content, which now includes the new key. Should another row
        // already hold that content, this one keeps its old hash (both stay readable).
        sqlx::query("UPDATE OR IGNORE observations SET hash = ?1 WHERE id = ?2")
            .bind(o.content_hash())
            .bind(id)
            .execute(&mut *tx)
            .await
            .what("re-hash an observation")?;
        changed += 1;
    }
    let models = sqlx::query("SELECT key, name, provider, first_seen FROM models")
        .fetch_all(&mut *tx)
        .await
        .what("read stored models")?;
    for m in &models {
        let old: String = m.get(0);
        let Some(base) = refine(&old, None).or_else(|| {
            renamed.get(&old).map(|k| ModelId {
                key: k.clone(),
                variant: None,
            })
        }) else {
            continue;
        };
        sqlx::query(
            "INSERT INTO models (key, name, provider, first_seen) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen)",
        )
        .bind(base.key.as_str())
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
            // The key changed, so refining the spelling's own variant always gives an id.
            let id = refine_row(s.get(1), &old, s.get(2)).unwrap_or_else(|| base.clone());
            sqlx::query(
                "UPDATE model_aliases SET model_key = ?1, variant = ?2
                 WHERE source = ?3 AND source_model = ?4",
            )
            .bind(id.key.as_str())
            .bind(id.variant.as_deref())
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

impl crate::Store {
    /// Re-keys stored rows by the operator's alias file, once per version of it (`tag`, e.g. a
    /// hash of its entries): `alias` gives the id a row should have, or `None` to keep it.
    /// Without this, adding an alias would link only rows ingested afterwards, and the first
    /// brief after the edit would call the old key removed. Returns the rows re-keyed.
    pub async fn apply_aliases(
        &self,
        tag: &str,
        alias: impl Fn(&Observation) -> Option<ModelId>,
    ) -> Result<usize, StoreError> {
        let current: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'identity_aliases'")
                .fetch_optional(&self.pool)
                .await
                .what("read the alias file version")?;
        if current.as_deref() == Some(tag) {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await.what("begin alias re-keying")?;
        let rows = sqlx::query("SELECT id, data FROM observations")
            .fetch_all(&mut *tx)
            .await
            .what("read stored rows")?;
        let mut changed = 0usize;
        for r in &rows {
            let id: i64 = r.get(0);
            let mut o: Observation = serde_json::from_str(r.get::<&str, _>(1))
                .map_err(|source| StoreError::Corrupt { id, source })?;
            let Some(new) = alias(&o).filter(|n| *n != o.model) else {
                continue;
            };
            let old_key = o.model.key.to_string();
            o.model = new;
            sqlx::query(
                "UPDATE observations SET model_key = ?1, variant = ?2, data = ?3 WHERE id = ?4",
            )
            .bind(o.model.key.as_str())
            .bind(o.model.variant.as_deref())
            .bind(serde_json::to_string(&o).expect("observations always serialise"))
            .bind(id)
            .execute(&mut *tx)
            .await
            .what("re-key an observation by alias")?;
            sqlx::query("UPDATE OR IGNORE observations SET hash = ?1 WHERE id = ?2")
                .bind(o.content_hash())
                .bind(id)
                .execute(&mut *tx)
                .await
                .what("re-hash an observation")?;
            // The alias's key has been known since the old key was first seen.
            sqlx::query(
                "INSERT INTO models (key, name, provider, first_seen)
                 SELECT ?1, name, provider, first_seen FROM models WHERE key = ?2
                 ON CONFLICT (key) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen)",
            )
            .bind(o.model.key.as_str())
            .bind(&old_key)
            .execute(&mut *tx)
            .await
            .what("merge an aliased model")?;
            sqlx::query(
                "UPDATE model_aliases SET model_key = ?1, variant = ?2 WHERE source_model = ?3",
            )
            .bind(o.model.key.as_str())
            .bind(o.model.variant.as_deref())
            .bind(&o.source_model)
            .execute(&mut *tx)
            .await
            .what("re-key an aliased spelling")?;
            // The old key is gone once no stored row has it.
            sqlx::query(
                "DELETE FROM models WHERE key = ?1
                 AND NOT EXISTS (SELECT 1 FROM observations WHERE model_key = ?1)",
            )
            .bind(&old_key)
            .execute(&mut *tx)
            .await
            .what("drop an aliased model")?;
            changed += 1;
        }
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('identity_aliases', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(tag)
        .execute(&mut *tx)
        .await
        .what("record the alias file version")?;
        tx.commit().await.what("commit alias re-keying")?;
        if changed > 0 {
            tracing::info!(
                rows = changed,
                "stored model keys re-keyed by the alias file"
            );
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;
    use modelbrief_domain::{ModelId, ModelKey, Observation, SourceKind, SourceName};

    /// A row as the old rules keyed LiveBench's `gpt-5.5-xhigh`: a model of its own.
    fn old_style_row() -> Observation {
        Observation::new(
            "gpt-5.5-xhigh",
            ModelId {
                key: ModelKey::normalise("gpt-5-5-xhigh").unwrap(),
                variant: None,
            },
            "gpt-5.5-xhigh",
        )
    }

    /// A Bedrock row as rules 4 keyed it: its API version `-v1` kept in the key.
    fn old_bedrock_row() -> Observation {
        Observation::new(
            "meta.llama3-70b-instruct-v1:0",
            ModelId {
                key: ModelKey::normalise("llama-3-70b-instruct-v1").unwrap(),
                variant: None,
            },
            "meta.llama3-70b-instruct-v1:0",
        )
    }

    #[tokio::test]
    async fn a_database_keyed_by_older_rules_is_re_keyed_once_and_reads_like_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let store = Store::open(&path).await.unwrap();
        let source = SourceName::parse("livebench").unwrap();
        store
            .upsert_source(&source, SourceKind::Livebench, "file:///x.csv")
            .await
            .unwrap();
        store
            .record_pull(crate::pulls::changed_pull(
                &source,
                "2026-06-15T20:00:00Z",
                "h",
                vec![old_style_row(), old_bedrock_row()],
            ))
            .await
            .unwrap();
        // Pretend the database was written before this version of the rules.
        sqlx::query("UPDATE meta SET value = '1' WHERE key = 'identity_rules'")
            .execute(&store.pool)
            .await
            .unwrap();
        store.close().await;

        let store = Store::open(&path).await.unwrap();
        let snap = store
            .latest_healthy("livebench", None)
            .await
            .unwrap()
            .unwrap();
        let rows = store.snapshot_observations(snap.id).await.unwrap();
        let want = ModelId::from_source_id("gpt-5.5-xhigh").unwrap();
        assert_eq!(rows[0].model, want, "the stored row reads with today's id");
        let bedrock = ModelId::from_source_id("meta.llama3-70b-instruct-v1:0").unwrap();
        assert_eq!(bedrock.key.as_str(), "llama-3-70b");
        assert_eq!(
            rows[1].model, bedrock,
            "re-keyed from the source's spelling"
        );
        let spellings = store.model_spellings().await.unwrap();
        assert!(
            spellings
                .iter()
                .all(|(_, k)| k == "gpt-5-5" || k == "llama-3-70b"),
            "models and spellings moved to the linked key: {spellings:?}"
        );
        // A later pull of the same content finds the re-keyed row instead of storing a copy.
        let mut fresh = old_style_row();
        fresh.model = want;
        let hash: String = sqlx::query_scalar(
            "SELECT hash FROM observations WHERE source_model = 'gpt-5.5-xhigh'",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!(hash, fresh.content_hash());
    }
}
