//! The edition: the stable JSON contract of `brief --format json`, and source health.
//!
//! Prices are JSON numbers in USD per 1M tokens. Field names and meanings are documented in
//! README.md; add fields freely, never rename or remove one.

use crate::{Settings, SourceInput, Window};
use modelbrief_domain::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edition {
    pub edition: String,
    pub window: WindowJson,
    /// The 3–5 changes to read first, chosen by the score documented in `stories.rs`.
    #[serde(default)]
    pub top_stories: Vec<crate::TopStory>,
    pub new_models: Vec<NewModel>,
    pub price_changes: Vec<PriceChange>,
    /// Moves on the other listings of a model (OpenRouter routes of models with a first-party
    /// price, resellers), same shape as `price_changes`, `basis` = `other_listing`.
    #[serde(default)]
    pub listing_price_changes: Vec<PriceChange>,
    pub rank_shifts: Vec<RankShift>,
    pub removed_models: Vec<RemovedModel>,
    pub context_changes: Vec<ContextChange>,
    /// Moves of 25% or more in measured speed or latency on a listing.
    #[serde(default)]
    pub speed_changes: Vec<SpeedChange>,
    pub notices: Vec<Notice>,
    pub sources: Vec<SourceHealth>,
    /// The sources whose week could be compared: a snapshot at the window start and a healthy
    /// pull inside it. Empty: nothing this edition says "no change" about was observed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compared: Vec<String>,
    /// The price history of the models whose price moved most (the brief's chart), biggest
    /// move first. Filled by the brief job from stored pulls; empty in editions frozen before
    /// it existed.
    #[serde(default)]
    pub price_history: Vec<PriceHistory>,
    /// The matchup of the week: a leaderboard's new #1 against the model it displaced.
    #[serde(default)]
    pub matchup: Option<Matchup>,
    /// A configured value frontier whose cheapest model above its floor changed, for less.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frontier_changes: Vec<crate::FrontierChange>,
}

/// One listing's prices over the weeks before the edition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceHistory {
    pub model: String,
    pub name: String,
    pub source: String,
    pub listing: String,
    /// The price at the start of the period, every change, and the price at its end, oldest
    /// first. A point without prices means the listing was absent at that pull.
    pub points: Vec<PricePoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PricePoint {
    pub at: Timestamp,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub input_per_mtok: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub output_per_mtok: Option<Decimal>,
}

/// The matchup of the week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matchup {
    /// The leaderboard with the new leader (`category:Overall`, `openrouter:aa_intelligence_index`).
    pub leaderboard: String,
    pub leaderboard_name: String,
    /// `a` is the new #1, `b` the previous one.
    pub comparison: crate::compare::Comparison,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowJson {
    pub from: Timestamp,
    pub to: Timestamp,
}

/// One variant's headline scores, under the name its source gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantScores {
    pub name: String,
    pub scores: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewModel {
    /// The snapshots this change rests on, per source: its receipt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<crate::Evidence>,
    pub model: String,
    pub name: String,
    pub provider: Option<String>,
    pub sources: Vec<String>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub input_per_mtok: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub output_per_mtok: Option<Decimal>,
    /// Which listing the price is: `first_party`, `openrouter` or `cheapest_route`.
    pub price_basis: Option<String>,
    /// The source of the listing the price comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_source: Option<String>,
    /// Other sources whose own listing of the model (the maker's, or OpenRouter's) gives another
    /// price now: source → its price. The sources disagree; the brief says so.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub prices_elsewhere: BTreeMap<String, Price>,
    pub context: Option<u64>,
    pub reasoning: Option<bool>,
    /// Headline scores known for the model (best variant), by leaderboard.
    pub scores: BTreeMap<String, f64>,
    /// Sources that rank the model as several variants: the one whose scores are shown (by
    /// source name), so no score of one variant is shown beside another's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub score_variants: BTreeMap<String, String>,
    /// Where it entered the top of a board (the board's id, as in `rank_shifts`): its rank
    /// there. Said here instead of as a ranking shift of its own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ranks: BTreeMap<String, u32>,
    /// The boards of `ranks` where another model has the same score (a joint rank).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_ranks: Vec<String>,
    /// Where the model's name is one variant's (Aider's `DeepSeek-V3.2-Exp (Chat)`), the other
    /// variants' headline scores, each under its own name, so no row is lost and none is
    /// shown under another's name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_variants: Vec<VariantScores>,
    pub first_seen: Option<Timestamp>,
    /// Listed by the maker or OpenRouter, or ranked on a leaderboard. `false`: only a
    /// reseller lists it so far (quantised builds, LoRAs, hosting variants); the brief names
    /// those in one line instead of a section each.
    pub notable: bool,
    /// `new`, or `generally_available`: a model listed only as a preview at the window start
    /// now listed under its own name (one line, not a new model).
    #[serde(default)]
    pub kind: NewModelKind,
}

/// Whether a model is new or a preview that became generally available.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewModelKind {
    #[default]
    New,
    GenerallyAvailable,
    /// Ranked by one leaderboard and listed by no catalogue, with nothing dating it to now:
    /// new on that board, perhaps not a new model (LMArena adding an April model in July).
    /// Shown with its scores, not counted or told as a release.
    FirstRanked,
}

/// A listing's price per 1M tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Price {
    #[serde(with = "rust_decimal::serde::float")]
    pub input_per_mtok: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub output_per_mtok: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OldNew {
    #[serde(with = "rust_decimal::serde::float_option")]
    pub old: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub new: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceChange {
    /// The snapshots this change rests on, per source: its receipt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<crate::Evidence>,
    pub model: String,
    pub name: String,
    /// The source of the canonical listing.
    pub source: String,
    /// The listing itself (the source's id for it).
    pub listing: String,
    /// `first_party`, `openrouter` or `cheapest_route`.
    pub basis: String,
    pub input_per_mtok: OldNew,
    pub output_per_mtok: OldNew,
    /// Change of the blended price (mean of input and output), in percent.
    pub pct: f64,
    pub input_pct: Option<f64>,
    pub output_pct: Option<f64>,
    /// `change`, `correction` when the source swapped two values back into place,
    /// `became_free` (a paid listing now at $0) or `became_paid` (a $0 listing now priced),
    /// `first_party_listed` (the maker's own price appeared), `first_priced` (a model listed
    /// without a price has one now).
    pub kind: ChangeKind,
    /// When the source's current snapshot was taken.
    pub as_of: Timestamp,
    /// `reconciled`: the source whose price it now matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconciled_with: Option<String>,
    /// `became_paid`: whether a free listing of the model is still there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_listing_kept: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankShift {
    /// The snapshots this change rests on, per source: its receipt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<crate::Evidence>,
    /// Leaderboard id, `<source>:<benchmark>` or `category:<name>`.
    pub leaderboard: String,
    pub leaderboard_name: String,
    pub model: String,
    pub name: String,
    pub old_rank: Option<u32>,
    pub new_rank: u32,
    pub score: f64,
    pub old_score: Option<f64>,
    /// False when the move is inside overlapping confidence intervals (LMArena).
    pub significant: bool,
    /// `new_leader`, `tied_leader`, `entered_top`, `up` or `down`.
    pub kind: ShiftKind,
    pub as_of: Timestamp,
    /// For a `new_leader`: the model that was #1 before (the first by id when several tied).
    #[serde(default)]
    pub previous_leader: Option<String>,
    /// Another model has the same score: the rank is shared (said "joint #5").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
    /// The source re-graded the model inside one release: on a board whose scores are fixed
    /// once measured (LiveBench), its own score changed, so the move is the source's
    /// re-scoring, not new competition. Said as such; never a top story or the matchup.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rescored: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemovedModel {
    /// The snapshots this change rests on, per source: its receipt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<crate::Evidence>,
    pub model: String,
    pub name: String,
    pub source: String,
    pub last_seen: Timestamp,
    /// The pull that confirmed the removal (the Nth healthy pull without it).
    pub confirmed_at: Timestamp,
    /// Other sources that still list the model: then only `source` dropped it (the brief says
    /// "no longer lists … still listed by …"), the model itself is not gone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub still_listed_by: Vec<String>,
    /// Only the maker's own listing went (Anthropic's API rows of Claude 2 in LiteLLM) while
    /// the source still lists the model through the routes in `still_sold_via` (Bedrock):
    /// the maker named here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maker_listing: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub still_sold_via: Vec<String>,
}

impl RemovedModel {
    /// Nothing lists the model any more (not only one source or its maker's own listing).
    pub fn is_gone(&self) -> bool {
        self.still_listed_by.is_empty() && self.maker_listing.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextChange {
    /// The snapshots this change rests on, per source: its receipt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<crate::Evidence>,
    pub model: String,
    pub name: String,
    pub source: String,
    pub listing: String,
    pub old: u64,
    pub new: u64,
    /// `change`; `correction` when two models' values had been swapped; `reconciled` when a
    /// catalogue that documents the maker's figure moved to the value another source listed at
    /// both ends of the week (a catalogue fix, not the model changing).
    pub kind: ChangeKind,
    pub as_of: Timestamp,
    /// `reconciled`: the source whose value it now matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconciled_with: Option<String>,
    /// Other sources whose listing of the model gives another context now (source → tokens):
    /// the sources disagree, and the brief says so beside the change.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub elsewhere: BTreeMap<String, u64>,
    /// Other listings of the same model in the same source that made the same change (a dated
    /// snapshot beside its alias): one line for the model, these named on it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub kind: NoticeKind,
    pub source: Option<String>,
    pub text: String,
    /// What changed, for notices about one value changing (`release_changed`: the releases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// What a speed change measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeedMetric {
    /// Output tokens per second (higher is better).
    TokensPerS,
    /// Time to first token in seconds (lower is better).
    TtftS,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedChange {
    /// The snapshots this change rests on, per source: its receipt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<crate::Evidence>,
    pub model: String,
    pub name: String,
    pub source: String,
    pub listing: String,
    pub metric: SpeedMetric,
    pub old: f64,
    pub new: f64,
    pub pct: f64,
    pub as_of: Timestamp,
}

/// What kind of price or context change: news, or a value put back into place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Change,
    /// The source swapped two values back into place: not news.
    Correction,
    /// A paid listing now lists $0 for input and output (said as such, never as −100%).
    BecameFree,
    /// A listing at $0 now has a price.
    BecamePaid,
    /// The maker's own price is listed for the first time (the model was priced only by its
    /// routes before): its price is now this, and no percentage compares it with a route's.
    FirstPartyListed,
    /// A model listed without a price before now has one (LiteLLM's `moonshot-v1-8k`, priced a
    /// week after it appeared): its first price, with nothing to compare it with.
    FirstPriced,
    /// The source now lists the price another source listed for the model all along (a
    /// catalogue catching up): a fix of the catalogue, not a price move.
    Reconciled,
}

/// How a model's place on a leaderboard changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShiftKind {
    /// Sole #1 where it was not #1 before.
    NewLeader,
    /// Shares #1 (an equal score) where it was not #1 before.
    TiedLeader,
    EnteredTop,
    Up,
    Down,
    /// A model not on the board at the week's start is on it now, below the top but within
    /// the movers' range (Kimi K2's Aider debut at #21). A new model's rank is said beside its
    /// scores instead.
    Joined,
}

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    MethodologyChange,
    RankSemanticsChange,
    AliasRepointed,
    SourceHealth,
    ModelReturned,
    RowsReappeared,
    ReleaseChanged,
    BenchmarkAdded,
    BenchmarkRemoved,
    /// A catalogue started listing a provider it never listed (a backfill, not releases).
    ProviderAdded,
    /// Models first listed this week that a source dates well before it (a backfill).
    OlderModelListed,
    /// Models only a documentation catalogue lists (an entry there is not a release).
    Catalogued,
    /// Many models joined one board at once: its make-up changed.
    BoardGrew,
}

impl NoticeKind {
    /// The JSON name, which also orders notices in the brief.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::MethodologyChange => "methodology_change",
            NoticeKind::RankSemanticsChange => "rank_semantics_change",
            NoticeKind::AliasRepointed => "alias_repointed",
            NoticeKind::SourceHealth => "source_health",
            NoticeKind::ModelReturned => "model_returned",
            NoticeKind::RowsReappeared => "rows_reappeared",
            NoticeKind::ReleaseChanged => "release_changed",
            NoticeKind::BenchmarkAdded => "benchmark_added",
            NoticeKind::BenchmarkRemoved => "benchmark_removed",
            NoticeKind::ProviderAdded => "provider_added",
            NoticeKind::OlderModelListed => "older_model_listed",
            NoticeKind::Catalogued => "catalogued",
            NoticeKind::BoardGrew => "board_grew",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceStatus {
    Ok,
    Stale,
    Failing,
    /// Configured, and never pulled at all: not failing, not there yet.
    Waiting,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceHealth {
    pub name: String,
    pub status: SourceStatus,
    pub last_success: Option<Timestamp>,
    pub last_pull: Option<Timestamp>,
    pub error: Option<String>,
    /// Set when the source is stale because its content has not changed since then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unchanged_since: Option<Timestamp>,
    /// The source's own date of its current data: its release (LiveBench) or publication date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_date: Option<String>,
}

impl Edition {
    /// Significant ranking shifts: the ones the brief shows.
    pub fn shown_shifts(&self) -> impl Iterator<Item = &RankShift> {
        self.rank_shifts.iter().filter(|s| s.significant)
    }

    /// "3 new models, 5 ranking shifts, 4 price changes".
    pub fn headline(&self) -> String {
        let n = |count: usize, one: &str, many: &str| {
            format!("{count} {}", if count == 1 { one } else { many })
        };
        let mut parts = vec![
            n(
                self.new_models
                    .iter()
                    .filter(|m| m.notable && m.kind == NewModelKind::New)
                    .count(),
                "new model",
                "new models",
            ),
            n(
                self.shown_shifts().count(),
                "ranking shift",
                "ranking shifts",
            ),
            // Moves only: catalogue fixes (swapped values, a catalogue catching up) and first
            // prices are listed, not counted as moves.
            n(
                self.price_changes
                    .iter()
                    .filter(|p| {
                        matches!(
                            p.kind,
                            ChangeKind::Change | ChangeKind::BecameFree | ChangeKind::BecamePaid
                        )
                    })
                    .count(),
                "price change",
                "price changes",
            ),
        ];
        // A first price (the maker's own, or any for a model listed unpriced) moves nothing.
        let first_prices = self
            .price_changes
            .iter()
            .filter(|p| {
                matches!(
                    p.kind,
                    ChangeKind::FirstPriced | ChangeKind::FirstPartyListed
                )
            })
            .count();
        if first_prices > 0 {
            parts.push(n(first_prices, "first price", "first prices"));
        }
        let ga = self
            .new_models
            .iter()
            .filter(|m| m.kind == NewModelKind::GenerallyAvailable)
            .count();
        if ga > 0 {
            parts.push(format!("{ga} now generally available"));
        }
        let first_ranked = self
            .new_models
            .iter()
            .filter(|m| m.notable && m.kind == NewModelKind::FirstRanked)
            .count();
        if first_ranked > 0 {
            parts.push(format!("{first_ranked} first ranked on a board only"));
        }
        // A model one source dropped while another still lists it is not "removed".
        let (gone, dropped): (Vec<&RemovedModel>, Vec<&RemovedModel>) =
            self.removed_models.iter().partition(|r| r.is_gone());
        if !gone.is_empty() {
            parts.push(n(gone.len(), "removal", "removals"));
        }
        if !dropped.is_empty() {
            parts.push(n(dropped.len(), "listing dropped", "listings dropped"));
        }
        // A catalogue catching up with what another source listed all along moved nothing.
        let contexts = self
            .context_changes
            .iter()
            .filter(|c| c.kind != ChangeKind::Reconciled)
            .count();
        if contexts > 0 {
            parts.push(n(contexts, "context change", "context changes"));
        }
        if !self.speed_changes.is_empty() {
            parts.push(n(self.speed_changes.len(), "speed change", "speed changes"));
        }
        parts.join(", ")
    }

    /// Nothing changed (notices about health aside).
    pub fn has_no_changes(&self) -> bool {
        self.new_models.is_empty()
            && self.price_changes.is_empty()
            && self.listing_price_changes.is_empty()
            && self.rank_shifts.is_empty()
            && self.removed_models.is_empty()
            && self.context_changes.is_empty()
            && self.speed_changes.is_empty()
    }
}

/// The health of every source as of the window end.
pub(crate) fn health(
    sources: &[SourceInput],
    window: Window,
    settings: &Settings,
) -> Vec<SourceHealth> {
    let mut out: Vec<SourceHealth> = sources
        .iter()
        .map(|s| {
            let last = s.history.last();
            let last_success = s
                .history
                .iter()
                .rev()
                .find(|p| p.healthy)
                .map(|p| p.at)
                .or(s.last_success);
            let stale = last_success.is_none_or(|t| {
                (window.to.datetime() - t.datetime()).num_seconds() > settings.stale_after_secs
            });
            let status = match last {
                Some(p) if !p.healthy => SourceStatus::Failing,
                None if last_success.is_none() => SourceStatus::Waiting,
                _ if stale => SourceStatus::Stale,
                _ => SourceStatus::Ok,
            };
            // Pulled and healthy, but the same content for too long: frozen upstream?
            let unchanged_since = s.current.as_ref().map(|c| c.taken_at).filter(|since| {
                status == SourceStatus::Ok
                    && s.max_unchanged_secs.is_some_and(|max| {
                        (window.to.datetime() - since.datetime()).num_seconds() > max
                    })
            });
            let status = if unchanged_since.is_some() {
                SourceStatus::Stale
            } else {
                status
            };
            SourceHealth {
                name: s.name.clone(),
                status,
                last_success,
                // No pull inside the window: the last one known is the last success.
                last_pull: last.map(|p| p.at).or(last_success),
                error: last.filter(|p| !p.healthy).and_then(|p| p.error.clone()),
                unchanged_since,
                data_date: s
                    .current
                    .as_ref()
                    .and_then(|c| c.data_date.clone().or_else(|| c.release.clone())),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use modelbrief_domain::SourceKind;

    fn at(day: &str) -> Timestamp {
        Timestamp::parse(&format!("{day}T06:00:00Z")).unwrap()
    }

    #[test]
    fn a_source_last_pulled_long_ago_is_stale_not_never_pulled() {
        let source = SourceInput {
            name: "litellm".into(),
            url: None,
            kind: SourceKind::Litellm,
            baseline: None,
            current: None,
            history: Vec::new(),
            last_success: Some(at("2026-07-13")),
            max_unchanged_secs: None,
        };
        let window = Window {
            from: at("2026-11-21"),
            to: at("2026-11-28"),
        };
        let e = crate::compute(
            "2026-W48",
            window,
            std::slice::from_ref(&source),
            &Default::default(),
            &Settings::default(),
        );
        assert_eq!(e.sources[0].status, SourceStatus::Stale);
        assert_eq!(e.sources[0].last_success, Some(at("2026-07-13")));
        assert_eq!(
            e.notices[0].text,
            "litellm is stale: last success 2026-07-13"
        );

        let never = SourceInput {
            last_success: None,
            max_unchanged_secs: None,
            ..source
        };
        let e = crate::compute(
            "2026-W48",
            window,
            &[never],
            &Default::default(),
            &Settings::default(),
        );
        assert_eq!(
            e.sources[0].status,
            SourceStatus::Waiting,
            "JSON says `waiting`"
        );
        // No pull on record at all: not yet pulled, not "failing to pull".
        assert_eq!(
            e.notices[0].text,
            "litellm has not been pulled yet; its changes are not in this brief"
        );
    }
}
