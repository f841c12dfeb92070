//! The brief job: read the window's snapshots from the store, hand them to the differ, render.
//!
//! The only place that turns stored pulls into the differ's inputs; the differ itself does no IO.

use crate::config::Loaded;
use modelbrief_differ::{Edition, PullView, Snapshot, SnapshotModels, SourceInput, Window};
use modelbrief_domain::{IsoWeek, Observation, Timestamp};
use modelbrief_store::Store;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// How many past pulls per source, and how far back before the window, are read to confirm
/// removals.
const HISTORY_PULLS: i64 = 200;
const HISTORY_DAYS: i64 = 28;
/// The chart shows at most this many listings over this many weeks.
const CHART_MODELS: usize = 6;
pub const CHART_WEEKS: i64 = 8;

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

/// Reads the window's snapshots, each stored row at most once: consecutive snapshots of a
/// source share most of their rows (a catalogue's week changes a few dozen of 2,400), so rows
/// are cached by observation id across snapshots, and a snapshot is its list of member ids.
struct Snapshots<'a> {
    store: &'a Store,
    cache: HashMap<i64, Arc<Snapshot>>,
    models: HashMap<i64, Arc<SnapshotModels>>,
    /// Decoded rows by observation id.
    rows: HashMap<i64, Arc<Observation>>,
    /// Each row's (source id, model id, name), as [`Snapshots::models`] needs them.
    ids: HashMap<i64, (String, modelbrief_domain::ModelId, String)>,
}

impl Snapshots<'_> {
    /// Only the model ids and names of a snapshot (no full decode).
    async fn models(&mut self, id: i64) -> anyhow::Result<Arc<SnapshotModels>> {
        if let Some(m) = self.models.get(&id) {
            return Ok(m.clone());
        }
        let members = self.store.snapshot_members(id).await?;
        // Each row's model id and name, worked out once across snapshots: from the decoded row
        // where there is one, else from its identifying columns, read only for rows not known.
        let mut unknown = Vec::new();
        for m in &members {
            if self.ids.contains_key(m) {
                continue;
            }
            match self.rows.get(m) {
                Some(o) => {
                    let entry = identify(
                        &o.source_model,
                        o.model.key.as_str(),
                        o.model.variant.as_deref(),
                        &o.name,
                    );
                    if let Some(e) = entry {
                        self.ids.insert(*m, e);
                    }
                }
                None => unknown.push(*m),
            }
        }
        for h in self.store.observation_heads(&unknown).await? {
            if let Some(e) = identify(&h.source_model, &h.model_key, h.variant.as_deref(), &h.name)
            {
                self.ids.insert(h.id, e);
            }
        }
        // In source-id order: the source's own name for the model is that of its first row, so
        // the same database gives the same name whichever source happened to store it first.
        let mut rows: Vec<(i64, &(String, modelbrief_domain::ModelId, String))> = members
            .iter()
            .filter_map(|m| self.ids.get(m).map(|r| (*m, r)))
            .collect();
        rows.sort_unstable_by(|a, b| (&a.1.0, a.0).cmp(&(&b.1.0, b.0)));
        let mut names = BTreeMap::new();
        for (_, (_, model, name)) in rows {
            if !names.contains_key(model) {
                names.insert(model.clone(), name.clone());
            }
        }
        let (release, _) = self.store.snapshot_dates(id).await?;
        let m = Arc::new(SnapshotModels { id, names, release });
        self.models.insert(id, m.clone());
        Ok(m)
    }

    async fn get(&mut self, r: &modelbrief_store::SnapshotRef) -> anyhow::Result<Arc<Snapshot>> {
        let id = r.id;
        if let Some(s) = self.cache.get(&id) {
            return Ok(s.clone());
        }
        let members = self.store.snapshot_members(id).await?;
        let missing: Vec<i64> = members
            .iter()
            .copied()
            .filter(|m| !self.rows.contains_key(m))
            .collect();
        for (row, o) in self.store.observations_by_id(&missing).await? {
            self.rows.insert(row, Arc::new(o));
        }
        let mut observations: Vec<(i64, Arc<Observation>)> = members
            .iter()
            .filter_map(|m| self.rows.get(m).map(|o| (*m, o.clone())))
            .collect();
        // In source-id order, as the store gives a snapshot.
        observations
            .sort_unstable_by(|a, b| (&a.1.source_model, a.0).cmp(&(&b.1.source_model, b.0)));
        let snap = Arc::new(Snapshot {
            id,
            taken_at: r.taken_at,
            content_hash: r.content_hash.clone(),
            observations: observations.into_iter().map(|(_, o)| o).collect(),
            release: r.release.clone(),
            data_date: r.data_date.clone(),
        });
        self.cache.insert(id, snap.clone());
        Ok(snap)
    }
}

/// A row's (source id, model id, name) as the removal history keys it; `None` for a key that
/// normalises to nothing. The name falls back to the key where the source wrote none.
fn identify(
    source_model: &str,
    key: &str,
    variant: Option<&str>,
    own: &str,
) -> Option<(String, modelbrief_domain::ModelId, String)> {
    let model = modelbrief_domain::ModelId {
        key: modelbrief_domain::ModelKey::normalise(key)?,
        variant: variant.map(str::to_owned),
    };
    let name = if own.trim().is_empty() { key } else { own };
    Some((source_model.to_owned(), model, name.to_owned()))
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
        rows: HashMap::new(),
        ids: HashMap::new(),
    };
    let mut inputs = Vec::new();
    for spec in &loaded.sources {
        let name = spec.name.as_str();
        let baseline = match store.latest_healthy(name, Some(window.from)).await? {
            Some(r) => Some(snaps.get(&r).await?),
            None => None,
        };
        let latest = store.latest_healthy(name, Some(window.to)).await?;
        let current = match &latest {
            Some(r) => Some(snaps.get(r).await?),
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
            url: Some(spec.url.to_string()),
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
        let key = modelbrief_domain::ModelId::key_of(&change.model);
        let pulls = store
            .listing_history(&change.source, key, &change.listing, since, window.to)
            .await?;
        out.push(modelbrief_differ::price_history(change, &pulls));
    }
    Ok(out)
}
