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

impl ChangeKind {
    /// The kind as the JSON, the feeds' categories and `kinds` in config spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewModel => "new_model",
            Self::Price => "price",
            Self::ListingPrice => "listing_price",
            Self::Rank => "rank",
            Self::Context => "context",
            Self::Speed => "speed",
            Self::Removed => "removed",
            Self::Frontier => "frontier",
        }
    }
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
    let item =
        |kind, model: &str, name: &str, anchor: &str, title: String, text: String| ChangeItem {
            kind,
            model: model.to_owned(),
            name: name.to_owned(),
            anchor: anchor.to_owned(),
            title,
            text,
        };
    let mut out = Vec::new();
    for v in &view.new_models {
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
        let title = format!("New: {} by {}", v.name, v.provider);
        out.push(item(
            ChangeKind::NewModel,
            &v.model,
            &v.name,
            &v.anchor,
            title,
            text,
        ));
    }
    let price = |kind, v: &crate::view::PriceView| {
        let pct = if v.pct.is_empty() {
            String::new()
        } else {
            format!(" {}", v.pct)
        };
        let text = format!(
            "Per 1M tokens: input {}, output {}. Source: {}.",
            v.input, v.output, v.cited
        );
        let title = format!("{}: {}{pct}", v.name, v.direction);
        item(kind, &v.model, &v.name, &v.anchor, title, text)
    };
    out.extend(
        view.price_changes
            .iter()
            .map(|v| price(ChangeKind::Price, v)),
    );
    out.extend(
        view.listing_changes
            .iter()
            .map(|v| price(ChangeKind::ListingPrice, v)),
    );
    for b in &view.leaderboards {
        for v in &b.shifts {
            let title = format!("{}: {} on {}", v.name, v.label, b.name);
            let text = format!("{}: {} {} (score {}).", b.name, v.movement, v.name, v.score);
            out.push(item(
                ChangeKind::Rank,
                &v.model,
                &v.name,
                &v.anchor,
                title,
                text,
            ));
        }
    }
    for v in &view.context_changes {
        let title = format!("{}: context {}", v.name, v.change);
        let text = format!("Source: {}.", v.cited);
        out.push(item(
            ChangeKind::Context,
            &v.model,
            &v.name,
            &v.anchor,
            title,
            text,
        ));
    }
    for v in &view.speed_changes {
        let title = format!("{}: {}", v.name, v.change);
        let text = format!("Source: {}.", v.cited);
        out.push(item(
            ChangeKind::Speed,
            &v.model,
            &v.name,
            &v.anchor,
            title,
            text,
        ));
    }
    for v in &view.frontier {
        let text = format!("{}. Sources: {}.", v.line, v.cited);
        out.push(item(
            ChangeKind::Frontier,
            &v.model,
            &v.name,
            &v.anchor,
            v.title.clone(),
            text,
        ));
    }
    for v in &view.removed_models {
        let title = format!("{}: no longer listed", v.name);
        let text = format!("{}.", v.cited);
        out.push(item(
            ChangeKind::Removed,
            &v.model,
            &v.name,
            &v.anchor,
            title,
            text,
        ));
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
    fn a_kinds_name_is_its_serde_spelling() {
        for k in [
            ChangeKind::NewModel,
            ChangeKind::Price,
            ChangeKind::ListingPrice,
            ChangeKind::Rank,
            ChangeKind::Context,
            ChangeKind::Speed,
            ChangeKind::Removed,
            ChangeKind::Frontier,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
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
