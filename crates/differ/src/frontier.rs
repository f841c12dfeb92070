//! The value frontier: for each configured board and score floor, the cheapest model scoring
//! above the floor — at the week's start and at its end — and a change when another model has
//! become the cheapest one and costs less than the previous cheapest did.
//!
//! Like with like: a model's score is its best variant's on that one board, the price is its
//! canonical listing's (the maker's, else OpenRouter's, else the cheapest route), "cheapest" is
//! by input + output price per 1M tokens, and nothing is said when the top is a tie, when the
//! board's source moved to a new release in the week (scores of two releases are not
//! comparable, and a rescale or a coverage that halved or doubled holds it back as it holds
//! the board's moves), or when either side has no model above the floor. A new cheapest that
//! the board did not rank, or no catalogue priced, at the week's start is said to be so.

use crate::prices::{canonical, catalogue, of_key};
use crate::{Snapshot, SourceInput};
use modelbrief_domain::ModelKey;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One frontier to watch: `[[brief.frontier]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontierDef {
    /// The board, as rank shifts name it: `<source>:<benchmark>`.
    pub board: String,
    /// The score a model must exceed.
    pub above: f64,
}

/// The cheapest model above the floor on one side of the week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontierModel {
    pub model: String,
    pub name: String,
    /// Its best score on the board, and the variant that scored it.
    pub score: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(with = "rust_decimal::serde::float")]
    pub input_per_mtok: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub output_per_mtok: Decimal,
    /// Where the price is listed: the source, its row id and which listing it is
    /// (`first_party`, `openrouter`, `cheapest_route`).
    pub price_source: String,
    pub price_listing: String,
    pub price_basis: String,
}

/// Another model became the cheapest one above the floor, for less.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontierChange {
    pub board: String,
    pub board_name: String,
    pub above: f64,
    /// The cheapest at the week's end, and the one at its start.
    pub now: FrontierModel,
    pub before: FrontierModel,
    /// The new cheapest was not on the board at the week's start.
    #[serde(default)]
    pub newly_ranked: bool,
    /// It was on the board but had no price at the week's start.
    #[serde(default)]
    pub newly_priced: bool,
    /// The snapshots this change rests on, per source: its receipt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<crate::Evidence>,
}

fn blended(m: &FrontierModel) -> Decimal {
    m.input_per_mtok + m.output_per_mtok
}

/// Every model the board scores on the snapshots `side` picks, with its canonical price where
/// it has one, cheapest first (ties by key).
fn scored(
    def: &FrontierDef,
    sources: &[SourceInput],
    names: &BTreeMap<String, String>,
    side: impl Fn(&SourceInput) -> Option<&Arc<Snapshot>>,
) -> Option<Scored> {
    let (source, benchmark) = def.board.split_once(':')?;
    let board = sources.iter().find(|s| s.name == source)?;
    // Each model's best score on the board, with the variant that made it.
    let mut best: BTreeMap<&ModelKey, (f64, Option<&String>)> = BTreeMap::new();
    for o in side(board)?.observations.iter().filter(|o| !o.is_alias) {
        let Some(s) = o.score(benchmark) else {
            continue;
        };
        let entry = best
            .entry(&o.model.key)
            .or_insert((s.value, o.model.variant.as_ref()));
        if s.value > entry.0 {
            *entry = (s.value, o.model.variant.as_ref());
        }
    }
    let prices = catalogue(sources.iter().filter_map(|s| {
        side(s).map(|snap| (s.name.as_str(), s.kind, snap.observations.as_slice()))
    }));
    let keys = best.keys().map(|k| k.to_string()).collect();
    let mut priced: Vec<FrontierModel> = best
        .into_iter()
        .filter_map(|(key, (score, variant))| {
            let rows: Vec<_> = of_key(&prices, key)
                .flat_map(|(_, rows)| rows.iter().copied())
                .collect();
            let listing = canonical(&rows, true)?;
            Some(FrontierModel {
                model: key.to_string(),
                name: names
                    .get(key.as_str())
                    .cloned()
                    .unwrap_or_else(|| key.to_string()),
                score,
                variant: variant.cloned(),
                input_per_mtok: listing.obs.input_per_mtok?.decimal().normalize(),
                output_per_mtok: listing.obs.output_per_mtok?.decimal().normalize(),
                price_source: listing.source.to_owned(),
                price_listing: listing.obs.source_model.clone(),
                price_basis: listing.basis.to_owned(),
            })
        })
        .collect();
    priced.sort_by(|a, b| blended(a).cmp(&blended(b)).then(a.model.cmp(&b.model)));
    Some(Scored { keys, priced })
}

/// One side of the week on one board.
struct Scored {
    /// Every model the board scores.
    keys: std::collections::BTreeSet<String>,
    /// Those with a price, cheapest first.
    priced: Vec<FrontierModel>,
}

impl Scored {
    /// The cheapest model above the floor; `None` when none is, or when two tie for cheapest
    /// (then "the cheapest" would be one of two).
    fn cheapest(&self, above: f64) -> Option<&FrontierModel> {
        let mut over = self.priced.iter().filter(|m| m.score > above);
        let first = over.next()?;
        match over.next() {
            Some(second) if blended(second) == blended(first) => None,
            _ => Some(first),
        }
    }
}

/// Each model's name as people write it: its plain row's, OpenRouter's first.
fn names(sources: &[SourceInput]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let ordered = sources
        .iter()
        .filter(|s| s.kind == modelbrief_domain::SourceKind::Openrouter)
        .chain(sources.iter());
    for s in ordered {
        for o in s.current.iter().flat_map(|c| c.observations.iter()) {
            if o.model.variant.is_none() && !o.is_alias {
                out.entry(o.model.key.to_string())
                    .or_insert_with(|| o.name.clone());
            }
        }
    }
    out
}

/// The frontier changes of the week, in the order the frontiers are configured.
pub(crate) fn changes(
    defs: &[FrontierDef],
    sources: &[SourceInput],
    suppressed: &crate::rank::Suppressed,
) -> Vec<FrontierChange> {
    if defs.is_empty() {
        return Vec::new();
    }
    let names = &names(sources);
    defs.iter()
        .filter_map(|def| {
            let (source, benchmark) = def.board.split_once(':')?;
            let board = sources.iter().find(|s| s.name == source)?;
            // Held back like the board's moves: a new release, a rescale, new rank semantics.
            let held = suppressed.iter().any(|(s, h)| {
                s == source
                    && match h {
                        crate::rank::Held::All => true,
                        crate::rank::Held::Benchmark(b) => b == benchmark,
                    }
            });
            if board.release_change().is_some() || held {
                return None;
            }
            let start = scored(def, sources, names, |s| s.baseline.as_ref())?;
            let end = scored(def, sources, names, |s| s.current.as_ref())?;
            // A board whose coverage halved or doubled in the week changed its make-up.
            let (small, large) = (
                start.keys.len().min(end.keys.len()),
                start.keys.len().max(end.keys.len()),
            );
            if large >= crate::rank::MASS_COVERAGE && small * 2 <= large {
                return None;
            }
            let (before, now) = (start.cheapest(def.above)?, end.cheapest(def.above)?);
            (now.model != before.model && blended(now) < blended(before)).then(|| FrontierChange {
                board: def.board.clone(),
                board_name: crate::leaderboard_name(source, benchmark),
                above: def.above,
                now: now.clone(),
                before: before.clone(),
                // Why it is new at the top, where the board or the catalogues say so.
                newly_ranked: !start.keys.contains(&now.model),
                newly_priced: start.keys.contains(&now.model)
                    && !start.priced.iter().any(|m| m.model == now.model),
                evidence: Vec::new(),
            })
        })
        .collect()
}
