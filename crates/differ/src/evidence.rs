//! A receipt for every change: the snapshot on each side of the week, per source the change
//! rests on — its id, when that content was first fetched and the hash of the fetched bytes,
//! with the source's URL — so anyone holding the database (or the raw files) can check the line.
//! `modelbrief verify WEEK` checks the stored rows and re-derives the edition from them.

use crate::{Edition, SourceInput};
use modelbrief_domain::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where one source's part of a change comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub source: String,
    /// The URL the source is pulled from (credentials and key-like query parameters removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The snapshot at the week's start; `None` when the source had none yet.
    pub before: Option<SnapshotEvidence>,
    /// The snapshot at the week's end.
    pub after: Option<SnapshotEvidence>,
}

/// One stored snapshot, as a receipt names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotEvidence {
    pub snapshot_id: i64,
    /// When this content was first fetched.
    pub fetched_at: Timestamp,
    /// SHA-256 of the fetched bytes, as the store keeps it.
    pub content_hash: String,
}

/// A URL fit to publish: no user or password, no query parameter that looks like a secret.
fn public_url(raw: &str) -> Option<String> {
    let mut url = url::Url::parse(raw).ok()?;
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let secret = |k: &str| {
        let k = k.to_ascii_lowercase();
        ["key", "token", "secret", "sig", "auth", "password"]
            .iter()
            .any(|s| k.contains(s))
    };
    if url.query_pairs().any(|(k, _)| secret(&k)) {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !secret(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.set_query(None);
        if !kept.is_empty() {
            url.query_pairs_mut().extend_pairs(kept);
        }
    }
    Some(url.to_string())
}

/// Fills `evidence` on every change of `e` from the snapshots it was computed from.
pub(crate) fn attach(e: &mut Edition, sources: &[SourceInput]) {
    let receipts: BTreeMap<&str, Evidence> = sources
        .iter()
        .map(|s| {
            let side = |snap: &Option<std::sync::Arc<crate::Snapshot>>| {
                snap.as_ref().map(|s| SnapshotEvidence {
                    snapshot_id: s.id,
                    fetched_at: s.taken_at,
                    content_hash: s.content_hash.clone(),
                })
            };
            (
                s.name.as_str(),
                Evidence {
                    source: s.name.clone(),
                    url: s.url.as_deref().and_then(public_url),
                    before: side(&s.baseline),
                    after: side(&s.current),
                },
            )
        })
        .collect();
    let of = |names: &[&str]| -> Vec<Evidence> {
        names
            .iter()
            .filter_map(|n| receipts.get(n).cloned())
            .collect()
    };
    // The sources whose current snapshot scores a model: what a category value rests on.
    let scored_by = |model: &str| -> Vec<&str> {
        sources
            .iter()
            .filter(|s| {
                s.current.as_ref().is_some_and(|c| {
                    c.observations
                        .iter()
                        .any(|o| o.model.key.as_str() == model && !o.scores.is_empty())
                })
            })
            .map(|s| s.name.as_str())
            .collect()
    };
    for m in &mut e.new_models {
        let names: Vec<&str> = m.sources.iter().map(String::as_str).collect();
        m.evidence = of(&names);
    }
    for p in e
        .price_changes
        .iter_mut()
        .chain(e.listing_price_changes.iter_mut())
    {
        p.evidence = of(&[p.source.as_str()]);
    }
    for s in &mut e.rank_shifts {
        s.evidence = match s.leaderboard.split_once(':') {
            Some(("category", _)) => of(&scored_by(&s.model)),
            Some((source, _)) => of(&[source]),
            None => Vec::new(),
        };
    }
    for r in &mut e.removed_models {
        r.evidence = of(&[r.source.as_str()]);
    }
    for c in &mut e.context_changes {
        c.evidence = of(&[c.source.as_str()]);
    }
    for c in &mut e.speed_changes {
        c.evidence = of(&[c.source.as_str()]);
    }
    for f in &mut e.frontier_changes {
        let mut names = vec![
            f.board.split_once(':').map_or("", |(s, _)| s),
            f.now.price_source.as_str(),
            f.before.price_source.as_str(),
        ];
        names.sort_unstable();
        names.dedup();
        f.evidence = of(&names);
    }
}

#[cfg(test)]
mod tests {
    use super::public_url;

    #[test]
    fn a_published_url_keeps_its_path_and_plain_query_and_loses_credentials_and_keys() {
        assert_eq!(
            public_url("https://user:pw@example.com/v1/models?page=2&api_key=s3cret&format=json")
                .as_deref(),
            Some("https://example.com/v1/models?page=2&format=json")
        );
        assert_eq!(
            public_url("https://openrouter.ai/api/v1/models").as_deref(),
            Some("https://openrouter.ai/api/v1/models")
        );
        assert_eq!(
            public_url("https://example.com/x?token=abc").as_deref(),
            Some("https://example.com/x")
        );
    }
}
