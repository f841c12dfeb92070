//! The brief job: read the window's snapshots from the store, hand them to the differ, render.
//!
//! The only place that turns stored pulls into the differ's inputs; the differ itself does no IO.

use crate::config::Loaded;
use modelbrief_differ::{Edition, PullView, Snapshot, SnapshotModels, SourceInput, Window};
use modelbrief_domain::{IsoWeek, Timestamp};
use modelbrief_store::Store;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// How many past pulls per source, and how far back before the window, are read to confirm
/// removals.
const HISTORY_PULLS: i64 = 200;
const HISTORY_DAYS: i64 = 28;
/// The chart shows at most this many listings over this many weeks.
const CHART_MODELS: usize = 6;
const CHART_WEEKS: i64 = 8;

/// The edition label and window: an ISO week (Monday to Monday, UTC), or the configured window
/// ending at `now`, labelled with the ISO week `now` falls in.
/// The edition label of `brief` without `--week`: a preview of the days before `--now`.
pub const PREVIEW: &str = "preview";

pub fn window(week: Option<IsoWeek>, now: Timestamp, loaded: &Loaded) -> (String, Window) {
    match week {
        Some(w) => (
            w.to_string(),
            Window {
                from: w.start(),
                to: w.end(),
            },
        ),
        None => {
            let len = chrono::Duration::from_std(loaded.config.brief.window)
                .unwrap_or(chrono::Duration::days(7));
            let from = Timestamp::from_datetime(now.datetime() - len);
            // A preview covers no ISO week, so it claims none.
            (PREVIEW.to_owned(), Window { from, to: now })
        }
    }
}

struct Snapshots<'a> {
    store: &'a Store,
    cache: HashMap<i64, Arc<Snapshot>>,
    models: HashMap<i64, Arc<SnapshotModels>>,
}

impl Snapshots<'_> {
    /// Only the model ids and names of a snapshot (no full decode).
    async fn models(&mut self, id: i64) -> anyhow::Result<Arc<SnapshotModels>> {
        if let Some(m) = self.models.get(&id) {
            return Ok(m.clone());
        }
        let mut names = std::collections::BTreeMap::new();
        // The source's own name for the row (the first by source id): the same database gives
        // the same name, whichever source happened to store the model first.
        for (key, variant, own) in self.store.snapshot_model_ids(id).await? {
            let name = if own.trim().is_empty() {
                key.clone()
            } else {
                own
            };
            let Some(key) = modelbrief_domain::ModelKey::normalise(&key) else {
                continue;
            };
            names
                .entry(modelbrief_domain::ModelId { key, variant })
                .or_insert(name);
        }
        let (release, _) = self.store.snapshot_dates(id).await?;
        let m = Arc::new(SnapshotModels { id, names, release });
        self.models.insert(id, m.clone());
        Ok(m)
    }

    async fn get(&mut self, id: i64, taken_at: Option<Timestamp>) -> anyhow::Result<Arc<Snapshot>> {
        if let Some(s) = self.cache.get(&id) {
            return Ok(s.clone());
        }
        let taken_at = match taken_at {
            Some(t) => t,
            None => self.store.snapshot_taken_at(id).await?,
        };
        let (release, data_date) = self.store.snapshot_dates(id).await?;
        let snap = Arc::new(Snapshot {
            id,
            taken_at,
            observations: self.store.snapshot_observations(id).await?,
            release,
            data_date,
        });
        self.cache.insert(id, snap.clone());
        Ok(snap)
    }
}

/// Computes the edition for `window` from what the store holds.
pub async fn compute(
    store: &Store,
    loaded: &Loaded,
    label: &str,
    window: Window,
) -> anyhow::Result<Edition> {
    let mut snaps = Snapshots {
        store,
        cache: HashMap::new(),
        models: HashMap::new(),
    };
    let mut inputs = Vec::new();
    for spec in &loaded.sources {
        let name = spec.name.as_str();
        let baseline = match store.latest_healthy(name, Some(window.from)).await? {
            Some(r) => Some(snaps.get(r.id, Some(r.taken_at)).await?),
            None => None,
        };
        let latest = store.latest_healthy(name, Some(window.to)).await?;
        let current = match &latest {
            Some(r) => Some(snaps.get(r.id, Some(r.taken_at)).await?),
            None => None,
        };
        let mut history = Vec::new();
        let since = window.from.datetime() - chrono::Duration::days(HISTORY_DAYS);
        for p in store.pulls_until(name, window.to, HISTORY_PULLS).await? {
            let at = Timestamp::parse(&p.started_at)?;
            if at.datetime() < since {
                continue;
            }
            let models = match p.snapshot_id {
                Some(id) => Some(snaps.models(id).await?),
                None => None,
            };
            history.push(PullView {
                at,
                healthy: p.status.is_healthy(),
                models,
                notices: p.notices,
                error: p.error,
            });
        }
        inputs.push(SourceInput {
            name: name.to_owned(),
            kind: spec.kind,
            baseline,
            current,
            history,
            last_success: latest.map(|r| r.confirmed_at),
            max_unchanged_secs: Some(spec.max_unchanged.as_secs() as i64),
        });
    }
    let first_seen: BTreeMap<String, Timestamp> =
        store.models_first_seen().await?.into_iter().collect();
    let mut edition = modelbrief_differ::compute(
        label,
        window,
        &inputs,
        &first_seen,
        &loaded.config.brief.settings(),
    );
    edition.price_history = price_history(store, &edition, window).await?;
    Ok(edition)
}

/// The chart's data: the prices of the listings that moved most, over the weeks before the
/// window's end.
async fn price_history(
    store: &Store,
    edition: &Edition,
    window: Window,
) -> anyhow::Result<Vec<modelbrief_differ::PriceHistory>> {
    let since =
        Timestamp::from_datetime(window.to.datetime() - chrono::Duration::weeks(CHART_WEEKS));
    let mut out = Vec::new();
    for change in edition.charted_price_changes(CHART_MODELS) {
        let key = change.model.split(':').next().unwrap_or(&change.model);
        let pulls = store
            .listing_history(&change.source, key, &change.listing, since, window.to)
            .await?;
        out.push(modelbrief_differ::price_history(change, &pulls));
    }
    Ok(out)
}
