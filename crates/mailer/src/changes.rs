//! One item per change of an edition: the per-change entries of `/feed.atom` and
//! `/models/{key}.atom`. Each says, in its title and text, the same words and numbers as the
//! brief's line for it (built from the same [`BriefView`], with no row limit), names the model
//! it is about, and has an anchor that stays the same for as long as the edition does (an
//! edition is frozen when it is made), so a feed reader never sees one change twice.

use crate::view::BriefView;
use modelbrief_differ::Edition;

/// What a change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    NewModel,
    Price,
    ListingPrice,
    Rank,
    Context,
    Speed,
    Removed,
    Frontier,
}

/// One change, as a feed entry says it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChangeItem {
    pub kind: ChangeKind,
    /// The model key it is about.
    pub model: String,
    /// The model's name, as the brief shows it.
    pub name: String,
    /// Unique within the edition and stable: `price-grok-4-20-openrouter-x-ai-grok-4.20`.
    pub anchor: String,
    /// One line: the model and what changed, with the numbers.
    pub title: String,
    /// The rest of the brief's lines about it: prices, source and date.
    pub text: String,
}

/// Every change of `e`, in the brief's order: new models, price changes, other listings,
/// ranking shifts, context windows, speed, value frontiers, removals.
pub fn items(e: &Edition) -> Vec<ChangeItem> {
    let view = BriefView::with_limit(e, usize::MAX);
    let mut out = Vec::new();
    let notable = e.new_models.iter().filter(|m| m.notable);
    for (m, v) in notable.zip(&view.new_models) {
        let mut text = v.price.clone();
        if v.context != "n/a" {
            text.push_str(&format!(", {} context", v.context));
        }
        if !v.reasoning.is_empty() {
            text.push_str(&format!(", {}", v.reasoning));
        }
        text.push('.');
        if !v.price_basis.is_empty() {
            text.push_str(&format!(" Price: {}.", v.price_basis));
        }
        for (board, score) in &v.scores {
            text.push_str(&format!(" {board}: {score}."));
        }
        text.push_str(&format!(" Listed by {}.", v.sources));
        out.push(ChangeItem {
            kind: ChangeKind::NewModel,
            model: m.model.clone(),
            name: v.name.clone(),
            anchor: v.anchor.clone(),
            title: format!("New: {} by {}", v.name, v.provider),
            text,
        });
    }
    let price =
        |kind: ChangeKind, p: &modelbrief_differ::PriceChange, v: &crate::view::PriceView| {
            let pct = if v.pct.is_empty() {
                String::new()
            } else {
                format!(" {}", v.pct)
            };
            ChangeItem {
                kind,
                model: p.model.clone(),
                name: v.name.clone(),
                anchor: v.anchor.clone(),
                title: format!("{}: {}{pct}", v.name, v.direction),
                text: format!(
                    "Per 1M tokens: input {}, output {}. Source: {}.",
                    v.input, v.output, v.cited
                ),
            }
        };
    for (p, v) in e.price_changes.iter().zip(&view.price_changes) {
        out.push(price(ChangeKind::Price, p, v));
    }
    // The view lists other listings biggest move first; so does this.
    let mut others: Vec<&modelbrief_differ::PriceChange> = e.listing_price_changes.iter().collect();
    others.sort_by(|a, b| b.pct.abs().total_cmp(&a.pct.abs()));
    for (p, v) in others.into_iter().zip(&view.listing_changes) {
        out.push(price(ChangeKind::ListingPrice, p, v));
    }
    let shifts = view
        .leaderboards
        .iter()
        .flat_map(|b| b.shifts.iter().map(move |s| (b.name.as_str(), s)));
    for (s, (board, v)) in e.shown_shifts().zip(shifts) {
        out.push(ChangeItem {
            kind: ChangeKind::Rank,
            model: s.model.clone(),
            name: v.name.clone(),
            anchor: v.anchor.clone(),
            title: format!("{}: {} on {board}", v.name, v.label),
            text: format!("{board}: {} {} (score {}).", v.movement, v.name, v.score),
        });
    }
    for (c, v) in e.context_changes.iter().zip(&view.context_changes) {
        out.push(ChangeItem {
            kind: ChangeKind::Context,
            model: c.model.clone(),
            name: v.name.clone(),
            anchor: v.anchor.clone(),
            title: format!("{}: context {}", v.name, v.change),
            text: format!("Source: {}.", v.cited),
        });
    }
    for (c, v) in e.speed_changes.iter().zip(&view.speed_changes) {
        out.push(ChangeItem {
            kind: ChangeKind::Speed,
            model: c.model.clone(),
            name: v.name.clone(),
            anchor: v.anchor.clone(),
            title: format!("{}: {}", v.name, v.change),
            text: format!("Source: {}.", v.cited),
        });
    }
    for (f, v) in e.frontier_changes.iter().zip(&view.frontier) {
        out.push(ChangeItem {
            kind: ChangeKind::Frontier,
            model: f.now.model.clone(),
            name: f.now.name.clone(),
            anchor: v.anchor.clone(),
            title: format!(
                "{}: the cheapest model above {} on {}",
                f.now.name,
                modelbrief_domain::present::score(f.above),
                f.board_name
            ),
            text: format!("{}. Sources: {}.", v.line, v.cited),
        });
    }
    for (r, v) in e.removed_models.iter().zip(&view.removed_models) {
        out.push(ChangeItem {
            kind: ChangeKind::Removed,
            model: r.model.clone(),
            name: v.name.clone(),
            anchor: v.anchor.clone(),
            title: format!("{}: no longer listed", v.name),
            text: format!("{}.", v.cited),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use modelbrief_domain::Timestamp;

    fn edition_with_context_changes(listings: &[&str]) -> Edition {
        let at = Timestamp::parse("2026-06-15T06:00:00Z").unwrap();
        let window = modelbrief_differ::Window { from: at, to: at };
        let mut e = modelbrief_differ::compute(
            "2026-W25",
            window,
            &[],
            &Default::default(),
            &Default::default(),
        );
        e.context_changes = listings
            .iter()
            .map(|l| modelbrief_differ::ContextChange {
                evidence: Vec::new(),
                model: "r1-distill-llama-70b".into(),
                name: "R1 Distill Llama 70B".into(),
                source: "openrouter".into(),
                listing: (*l).into(),
                old: 131_072,
                new: 1_000_000,
                kind: modelbrief_differ::ChangeKind::Change,
                as_of: at,
                reconciled_with: None,
                elsewhere: Default::default(),
                also: Vec::new(),
            })
            .collect();
        e
    }

    #[test]
    fn every_change_gets_an_item_even_past_the_briefs_row_limit() {
        let names: Vec<String> = (0..crate::view::MAX_ROWS + 5)
            .map(|i| format!("deepseek/r1-{i}"))
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let items = items(&edition_with_context_changes(&refs));
        assert_eq!(items.len(), crate::view::MAX_ROWS + 5);
        assert_eq!(
            items[0].title,
            "R1 Distill Llama 70B: context 131K \u{2192} 1M tokens"
        );
        assert_eq!(
            items[0].text,
            "Source: openrouter listing deepseek/r1-0, as of 2026-06-15."
        );
    }

    #[test]
    fn anchors_are_fragment_safe_and_unique_within_an_edition() {
        let items = items(&edition_with_context_changes(&[
            "Deepseek/R1 Distill:free",
            "Deepseek/R1 Distill:free",
        ]));
        let anchors: Vec<&str> = items.iter().map(|i| i.anchor.as_str()).collect();
        assert_eq!(
            anchors,
            [
                "context-r1-distill-llama-70b-openrouter-deepseek-r1-distill-free",
                "context-r1-distill-llama-70b-openrouter-deepseek-r1-distill-free-2"
            ]
        );
    }
}
