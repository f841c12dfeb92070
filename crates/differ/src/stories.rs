//! The week's top stories: the three to five changes a reader should see first, chosen by a
//! documented score from the edition's own sections (so a story is never anything the
//! sections below do not say, and never says more).
//!
//! Scores (higher first; one story per model, its best):
//! - a strict new #1 on a leaderboard: 6, plus 1 on a category or overall board;
//! - a new model: 2, plus 1 per source listing it beyond the first (at most 2), plus 2 when it
//!   is ranked in the top 3 of a board on arrival (a frontier release), plus 3 when it takes or
//!   shares a #1 (said in its story), plus 1 when it has a price;
//! - a price move on a model's canonical listing: 2 plus a point per 20% moved, at most 5 in
//!   all, plus 1 when two or more sources list the model; `became_free` and `became_paid`
//!   count as a 50% move;
//! - a shared #1: 3; a preview now generally available: 3; a model no source lists any more: 1.
//!
//! Ties go to the order of the sections (leaders, new models, prices, the rest), then by key.
//! Stories below 3 points are left out unless fewer than three would remain; at most five.

use crate::{ChangeKind, Edition, NewModelKind, ShiftKind};
use modelbrief_domain::present;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What a top story is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoryKind {
    NewLeader,
    TiedLeader,
    NewModel,
    GenerallyAvailable,
    PriceChange,
    Removed,
}

/// One top story: the model, a one-line summary built from the edition's numbers, and the
/// score that chose it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopStory {
    pub kind: StoryKind,
    pub model: String,
    pub name: String,
    pub text: String,
    pub score: f64,
}

/// A board's name from its id (`livebench:livebench_overall`, `category:Coding`).
fn board_name(id: &str) -> String {
    match id.split_once(':') {
        Some(("category", cat)) => cat.to_owned(),
        Some((source, bench)) => crate::leaderboard_name(source, bench),
        None => id.to_owned(),
    }
}

/// At most this many stories.
const MAX_STORIES: usize = 5;
/// Stories scoring less are kept only to reach three.
const MIN_SCORE: f64 = 3.0;

/// The lowest rank a new model's story names (its rank on every board is in its section).
const STORY_MAX_RANK: u32 = 10;

/// The top stories of an edition whose sections are complete; `sources_of` says how many
/// sources list a model key now.
pub(crate) fn top_stories(e: &Edition, sources_of: impl Fn(&str) -> usize) -> Vec<TopStory> {
    let key = |id: &str| modelbrief_domain::ModelId::key_of(id).to_owned();
    let mut all: Vec<(usize, TopStory)> = Vec::new();
    // A re-grade moves a model on the board, but nothing happened to the model.
    for s in e.shown_shifts().filter(|s| !s.rescored) {
        let on_category = s.leaderboard.starts_with("category:");
        let (kind, score, what) = match s.kind {
            ShiftKind::NewLeader => (
                StoryKind::NewLeader,
                6.0 + f64::from(u8::from(on_category)),
                "new #1",
            ),
            ShiftKind::TiedLeader => (StoryKind::TiedLeader, 3.0, "now shares #1"),
            _ => continue,
        };
        all.push((
            0,
            TopStory {
                kind,
                model: key(&s.model),
                name: s.name.clone(),
                text: format!(
                    "{} {what} on {} ({})",
                    s.name,
                    s.leaderboard_name,
                    present::score(s.score)
                ),
                score,
            },
        ));
    }
    for m in e.new_models.iter().filter(|m| m.notable) {
        let (kind, score, text) = match m.kind {
            NewModelKind::GenerallyAvailable => (
                StoryKind::GenerallyAvailable,
                3.0,
                format!("{} is now generally available", m.name),
            ),
            // New on one board only: its rank is in the section, not a story.
            NewModelKind::FirstRanked => continue,
            NewModelKind::New => {
                let top3 = m.ranks.values().any(|r| *r <= 3);
                let priced = m.input_per_mtok.is_some() || m.output_per_mtok.is_some();
                let score = 2.0
                    + m.sources.len().saturating_sub(1).min(2) as f64
                    + if top3 { 2.0 } else { 0.0 }
                    + if priced { 1.0 } else { 0.0 };
                // Seen by one source only: new there, which is all the brief knows.
                let mut text = match m.sources.as_slice() {
                    [only] => format!("New on {only}: {}", m.name),
                    _ => format!("New: {}", m.name),
                };
                if let Some(p) = m.provider.as_deref() {
                    text.push_str(&format!(" by {p}"));
                }
                if priced {
                    text.push_str(&format!(
                        ", {} in / {} out per 1M tokens",
                        present::money_or_na(m.input_per_mtok),
                        present::money_or_na(m.output_per_mtok)
                    ));
                    // Where sources disagree, whose price that is and what the other says.
                    if !m.prices_elsewhere.is_empty() {
                        let by = m.price_source.as_deref().unwrap_or("one source");
                        let theirs: Vec<String> = m
                            .prices_elsewhere
                            .iter()
                            .map(|(source, p)| {
                                format!(
                                    "{source}: {} / {}",
                                    present::money(p.input_per_mtok),
                                    present::money(p.output_per_mtok)
                                )
                            })
                            .collect();
                        text.push_str(&format!(" ({by}; {})", theirs.join("; ")));
                    }
                }
                // Its #1 (or shared #1) is said here: one story per model.
                let lead = e.shown_shifts().find(|s| {
                    key(&s.model) == m.model
                        && matches!(s.kind, ShiftKind::NewLeader | ShiftKind::TiedLeader)
                });
                match lead {
                    Some(s) => {
                        let what = if s.kind == ShiftKind::NewLeader {
                            "new #1"
                        } else {
                            "shares #1"
                        };
                        text.push_str(&format!(", {what} on {}", s.leaderboard_name));
                        // The variant that holds it, when the board names one.
                        if s.name != m.name {
                            text.push_str(&format!(" (as {})", s.name));
                        }
                    }
                    None => {
                        // A rank is a story only near the top; the rest are in the section.
                        if let Some((board, best)) = m
                            .ranks
                            .iter()
                            .filter(|(_, r)| **r <= STORY_MAX_RANK)
                            .min_by_key(|(b, r)| (**r, *b))
                        {
                            let joint = if m.shared_ranks.contains(board) {
                                "joint "
                            } else {
                                ""
                            };
                            text.push_str(&format!(", {joint}#{best} on {}", board_name(board)));
                        }
                    }
                }
                let score = score + if lead.is_some() { 3.0 } else { 0.0 };
                (StoryKind::NewModel, score, text)
            }
        };
        all.push((
            1,
            TopStory {
                kind,
                model: m.model.clone(),
                name: m.name.clone(),
                text,
                score,
            },
        ));
    }
    for p in &e.price_changes {
        let moved = match p.kind {
            ChangeKind::Change => p.pct.abs(),
            // A paid listing priced at nothing is as often a promotion or a listing slip as a
            // model made free: news, but not the week's first story.
            ChangeKind::BecameFree => 0.0,
            ChangeKind::BecamePaid => 50.0,
            _ => continue,
        };
        let k = key(&p.model);
        let many = sources_of(&k) >= 2;
        let score = (2.0 + moved / 20.0).min(5.0) + if many { 1.0 } else { 0.0 };
        let what = match p.kind {
            ChangeKind::BecameFree => "is listed at $0".to_owned(),
            ChangeKind::BecamePaid if p.free_listing_kept == Some(false) => {
                "is now paid (its free listing is gone)".to_owned()
            }
            ChangeKind::BecamePaid => "has a paid listing (was free only)".to_owned(),
            _ => format!(
                "{} {}",
                if p.pct < 0.0 { "cheaper" } else { "pricier" },
                present::pct(Some(p.pct))
            ),
        };
        all.push((
            2,
            TopStory {
                kind: StoryKind::PriceChange,
                model: k,
                name: p.name.clone(),
                text: format!("{} {what} ({})", p.name, p.source),
                score,
            },
        ));
    }
    for r in e.removed_models.iter().filter(|r| r.is_gone()) {
        all.push((
            3,
            TopStory {
                kind: StoryKind::Removed,
                model: key(&r.model),
                name: r.name.clone(),
                text: format!("{} is no longer listed by any source", r.name),
                score: 1.0,
            },
        ));
    }
    all.sort_by(|(sa, a), (sb, b)| {
        b.score
            .total_cmp(&a.score)
            .then(sa.cmp(sb))
            .then_with(|| a.model.cmp(&b.model))
            .then_with(|| a.text.cmp(&b.text))
    });
    let mut seen = BTreeSet::new();
    let mut out: Vec<TopStory> = Vec::new();
    for (_, s) in all {
        if out.len() == MAX_STORIES {
            break;
        }
        if s.score < MIN_SCORE && out.len() >= 3 {
            break;
        }
        if seen.insert(s.model.clone()) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_changes_make_no_stories() {
        let e: Edition = serde_json::from_value(serde_json::json!({
            "edition": "2026-W28",
            "window": {"from": "2026-07-06T00:00:00Z", "to": "2026-07-13T00:00:00Z"},
            "new_models": [], "price_changes": [], "rank_shifts": [], "removed_models": [],
            "context_changes": [], "notices": [], "sources": []
        }))
        .unwrap();
        assert!(top_stories(&e, |_| 0).is_empty());
    }
}
