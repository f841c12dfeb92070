//! The differ: pure functions from stored snapshots to the weekly edition.
//!
//! Invariants: no IO, no SQL, no clock. The caller (the binary) reads snapshots from the store
//! and hands them over as [`SourceInput`]s; [`compute`] returns an [`Edition`], the stable JSON
//! contract of `modelbrief brief --format json`. Output is deterministic: every list is sorted.
//!
//! Guards against false news live here: moving aliases never produce price changes, swapped
//! values are reported as corrections, a mass rescale of a benchmark or a change of rank
//! semantics is one notice instead of hundreds of shifts, LMArena moves inside overlapping
//! confidence intervals are not significant, and removals need N consecutive healthy pulls.

mod categories;
pub mod compare;
mod edition;
mod evidence;
mod facts;
mod frontier;
mod history;
mod models;
mod prices;
mod rank;
#[cfg(test)]
mod scenarios;
mod speed;
mod stories;

pub use categories::{CategoryDef, CategoryPart};
pub use edition::*;
pub use evidence::{Evidence, SnapshotEvidence};
pub use frontier::{FrontierChange, FrontierDef, FrontierModel};
pub use history::price_history;
pub use rank::leaderboard_name;
pub use stories::{StoryKind, TopStory};

use modelbrief_domain::{ModelId, Observation, SourceKind, Timestamp};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// One stored snapshot of a source.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub id: i64,
    pub taken_at: Timestamp,
    pub observations: Vec<Arc<Observation>>,
    /// SHA-256 of the fetched bytes this snapshot was parsed from.
    pub content_hash: String,
    /// The release of the source's data (LiveBench): scores of two releases are not comparable.
    pub release: Option<String>,
    /// The source's own date of the data, where its format carries one.
    pub data_date: Option<String>,
}

impl Snapshot {
    pub fn model_ids(&self) -> HashSet<ModelId> {
        self.observations.iter().map(|o| o.model.clone()).collect()
    }
}

/// The model ids (and names) of one snapshot: all that removals need from history.
#[derive(Debug, Clone, Default)]
pub struct SnapshotModels {
    pub id: i64,
    pub names: std::collections::BTreeMap<ModelId, String>,
    /// As [`Snapshot::release`].
    pub release: Option<String>,
}

/// One pull in a source's history, oldest first.
#[derive(Debug, Clone)]
pub struct PullView {
    pub at: Timestamp,
    pub healthy: bool,
    /// The models of the snapshot a healthy pull vouched for.
    pub models: Option<Arc<SnapshotModels>>,
    pub notices: Vec<modelbrief_domain::PullNotice>,
    pub error: Option<String>,
}

/// Everything the differ needs to know about one source.
#[derive(Debug, Clone)]
pub struct SourceInput {
    pub name: String,
    /// The URL the source is pulled from, for the changes' receipts.
    pub url: Option<String>,
    pub kind: SourceKind,
    /// The last healthy snapshot at or before the window start.
    pub baseline: Option<Arc<Snapshot>>,
    /// The last healthy snapshot at or before the window end.
    pub current: Option<Arc<Snapshot>>,
    /// Pulls up to the window end, oldest first (enough to confirm removals).
    pub history: Vec<PullView>,
    /// The last healthy pull at or before the window end, however old (the history may start
    /// after it).
    pub last_success: Option<Timestamp>,
    /// Content unchanged for longer than this (seconds) makes the source stale: it may be
    /// frozen upstream. `None`: never.
    pub max_unchanged_secs: Option<i64>,
}

impl SourceInput {
    /// `(from, to)` when the current snapshot belongs to another release than the baseline.
    pub fn release_change(&self) -> Option<(&str, &str)> {
        let from = self.baseline.as_ref()?.release.as_deref()?;
        let to = self.current.as_ref()?.release.as_deref()?;
        (from != to).then_some((from, to))
    }
}

/// The edition's time window: `(from, to]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: Timestamp,
    pub to: Timestamp,
}

impl Window {
    pub fn contains(&self, t: Timestamp) -> bool {
        self.from < t && t <= self.to
    }
}

/// Thresholds and definitions, from configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Price moves smaller than this (percent) are left out.
    pub price_threshold_pct: f64,
    /// Ranking shifts: entries into the top N.
    pub top_n: u32,
    /// Ranking shifts: moves of at least this many places…
    pub mover_threshold: u32,
    /// …by models ranked at most this (before or after).
    pub mover_max_rank: u32,
    /// Consecutive healthy pulls without a model before it counts as removed.
    pub removal_confirmations: usize,
    /// A source whose last success is older than this (seconds) is stale.
    pub stale_after_secs: i64,
    pub categories: Vec<CategoryDef>,
    /// Categories a model needs for an overall score.
    pub overall_min_categories: usize,
    /// The value frontiers to watch (`[[brief.frontier]]`).
    pub frontier: Vec<FrontierDef>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            price_threshold_pct: 2.0,
            top_n: 10,
            mover_threshold: 3,
            mover_max_rank: 25,
            removal_confirmations: 2,
            stale_after_secs: 8 * 24 * 3600,
            categories: Vec::new(),
            overall_min_categories: 3,
            frontier: Vec::new(),
        }
    }
}

/// Computes the edition `label` for `window` from the sources' snapshots.
///
/// `first_seen` is when each model key was first stored by any source, so a model that comes
/// back is not announced as new.
///
/// A leaderboard that names its rows by raw id (LiveBench's `claude-sonnet-5-xhigh-effort`)
/// is shown under the model's name from a catalogue (OpenRouter's first), with the variant:
/// `Claude Sonnet 5 (xhigh)`; the JSON's `model` keeps the id.
fn readable_names(shifts: &mut [RankShift], sources: &[SourceInput]) {
    use modelbrief_domain::ModelId;
    // An id rather than a name: no space, no capital (`claude-sonnet-5-xhigh-effort`).
    let id_like = |n: &str| !n.contains(' ') && n.chars().all(|c| !c.is_uppercase());
    let mut names: BTreeMap<&str, (bool, &str)> = BTreeMap::new();
    for s in sources.iter().filter(|s| s.kind.is_catalogue()) {
        let Some(cur) = &s.current else { continue };
        for o in &cur.observations {
            if o.model.variant.is_some() || o.is_alias || id_like(&o.name) || o.name.is_empty() {
                continue;
            }
            let openrouter = s.kind == modelbrief_domain::SourceKind::Openrouter;
            let e = names
                .entry(o.model.key.as_str())
                .or_insert((openrouter, o.name.as_str()));
            if openrouter && !e.0 {
                *e = (true, o.name.as_str());
            }
        }
    }
    for shift in shifts.iter_mut().filter(|s| id_like(&s.name)) {
        let Some(id) = ModelId::from_source_id(&shift.name) else {
            continue;
        };
        if id.to_string() != shift.model {
            continue;
        }
        if let Some((_, name)) = names.get(id.key.as_str()) {
            shift.name = match &id.variant {
                Some(v) => format!("{name} ({})", v.replace('+', ", ")),
                None => (*name).to_owned(),
            };
        }
    }
}

pub fn compute(
    label: &str,
    window: Window,
    sources: &[SourceInput],
    first_seen: &BTreeMap<String, Timestamp>,
    settings: &Settings,
) -> Edition {
    let mut notices = Vec::new();
    let suppressed = rank::suppressions(sources, window, &mut notices);
    let reshaped = suppressed
        .iter()
        .filter(|(_, h)| *h == rank::Held::All)
        .map(|(s, _)| s.clone())
        .collect();
    let (new_models, returned) =
        models::new_models(sources, window, first_seen, &reshaped, &mut notices);
    let removed_models = models::removed_models(sources, window, settings);
    let speed_changes = speed::changes(sources);
    let (price_changes, listing_price_changes, context_changes) =
        prices::changes(sources, settings, &mut notices);
    let mut new_models = new_models;
    let new_keys = new_models.iter().map(|m| m.model.clone()).collect();
    let (shifts, crowded) = rank::shifts(sources, &suppressed, &new_keys, settings);
    notices.extend(crowded);
    let (mut rank_shifts, debuts) = rank::fold(shifts, &new_keys);
    // A rank is said beside a score only when it is that score's rank: the same number from
    // the same row (a model named as its Chat variant never shows its Reasoner's rank).
    let same = |a: f64, b: f64| (a - b).abs() < 1e-9;
    for (id, board, rank, shared, score) in debuts {
        let (key, variant) = id
            .split_once(':')
            .map_or((id.as_str(), None), |(k, v)| (k, Some(v)));
        let Some(m) = new_models.iter_mut().find(|m| m.model == key) else {
            continue;
        };
        let source = board.split(':').next().unwrap_or_default();
        let shown = m.score_variants.get(source).map(|v| v.replace(", ", "+"));
        let fits = match m.scores.get(&board) {
            Some(s) => same(*s, score),
            // A category board: only beside the variant whose scores are shown.
            None => shown.is_none() || shown.as_deref() == variant,
        };
        if fits {
            if shared {
                m.shared_ranks.push(board.clone());
            }
            m.ranks.insert(board, rank);
        }
    }
    // A new model's rank on every source board it is scored on, not only where it enters the
    // top: Kimi K2's Aider debut at #21 is news too. The rank of the variant whose scores are
    // shown, on that source's current board.
    let mut boards: BTreeMap<String, BTreeMap<String, (u32, bool, f64)>> = BTreeMap::new();
    for m in &mut new_models {
        let unranked: Vec<String> = m
            .scores
            .keys()
            .filter(|b| !m.ranks.contains_key(*b))
            .cloned()
            .collect();
        for board in unranked {
            let Some((source, bench)) = board.split_once(':') else {
                continue;
            };
            let Some(cur) = sources
                .iter()
                .find(|s| s.name == source)
                .and_then(|s| s.current.as_ref())
            else {
                continue;
            };
            let table = boards
                .entry(board.clone())
                .or_insert_with(|| rank::ranks_on(&cur.observations, bench));
            // The row that gave the score shown: its variant, with that very score.
            let shown = m.scores[&board];
            let id = match m.score_variants.get(source) {
                Some(v) => format!("{}:{}", m.model, v.replace(", ", "+")),
                None => m.model.clone(),
            };
            let of_key = |k: &String| {
                k == &m.model
                    || k.strip_prefix(m.model.as_str())
                        .is_some_and(|r| r.starts_with(':'))
            };
            let hit = table.get(&id).filter(|e| same(e.2, shown)).or_else(|| {
                table
                    .iter()
                    .filter(|(k, e)| of_key(k) && same(e.2, shown))
                    .map(|(_, e)| e)
                    .min_by_key(|e| e.0)
            });
            if let Some(&(rank, shared, _)) = hit {
                if shared {
                    m.shared_ranks.push(board.clone());
                }
                m.ranks.insert(board, rank);
            }
        }
    }
    readable_names(&mut rank_shifts, sources);
    let matchup = compare::of_the_week(sources, &rank_shifts, settings);
    let health = edition::health(sources, window, settings);
    for s in &health {
        if s.status != SourceStatus::Ok {
            notices.push(Notice {
                from: None,
                to: None,
                kind: NoticeKind::SourceHealth,
                source: Some(s.name.clone()),
                text: match (&s.status, &s.last_success) {
                    _ if s.unchanged_since.is_some() => format!(
                        "{} has not changed since {}: it may be frozen upstream, so changes there may be missing from this brief",
                        s.name,
                        s.unchanged_since
                            .map(|t| t.datetime().format("%Y-%m-%d").to_string())
                            .unwrap_or_default()
                    ),
                    (SourceStatus::Failing, Some(t)) => format!(
                        "{} is failing ({}); its changes since {} are not in this brief",
                        s.name,
                        s.error.as_deref().unwrap_or("no healthy pull"),
                        t.datetime().format("%Y-%m-%d")
                    ),
                    (SourceStatus::Waiting, _) => format!(
                        "{} has not been pulled yet; its changes are not in this brief",
                        s.name
                    ),
                    (SourceStatus::Failing, None) => {
                        format!("{} has never been pulled successfully", s.name)
                    }
                    (_, t) => format!(
                        "{} is stale: last success {}",
                        s.name,
                        t.map_or_else(
                            || "never".into(),
                            |t| t.datetime().format("%Y-%m-%d").to_string()
                        )
                    ),
                },
            });
        }
    }
    for r in returned {
        notices.push(Notice {
            from: None,
            to: None,
            kind: NoticeKind::ModelReturned,
            source: None,
            text: format!("{r} is listed again after an absence"),
        });
    }
    notices.sort_by(|a, b| {
        (a.kind.as_str(), &a.source, &a.text).cmp(&(b.kind.as_str(), &b.source, &b.text))
    });
    notices.dedup();
    let compared = sources
        .iter()
        .filter(|s| {
            s.baseline.is_some() && s.history.iter().any(|p| p.healthy && window.contains(p.at))
        })
        .map(|s| s.name.clone())
        .collect();
    let mut sources_of: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for s in sources {
        for o in s.current.iter().flat_map(|c| c.observations.iter()) {
            sources_of
                .entry(o.model.key.as_str())
                .or_default()
                .insert(&s.name);
        }
    }
    let mut edition = Edition {
        top_stories: Vec::new(),
        compared,
        edition: label.to_owned(),
        window: WindowJson {
            from: window.from,
            to: window.to,
        },
        new_models,
        price_changes,
        listing_price_changes,
        rank_shifts,
        removed_models,
        context_changes,
        speed_changes,
        notices,
        sources: health,
        price_history: Vec::new(),
        matchup,
        frontier_changes: frontier::changes(&settings.frontier, sources, &suppressed),
    };
    evidence::attach(&mut edition, sources);
    edition.top_stories = stories::top_stories(&edition, |k| {
        sources_of.get(k).map_or(0, std::collections::BTreeSet::len)
    });
    edition
}
