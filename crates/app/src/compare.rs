//! `modelbrief compare A B`: the head-to-head card from the latest snapshots.

use crate::config::Loaded;
use modelbrief_differ::compare::{Comparison, compare, profile};
use modelbrief_differ::{Snapshot, SourceInput};
use modelbrief_mailer::view::CardView;
use modelbrief_store::Store;
use std::sync::Arc;

pub async fn run(store: &Store, loaded: &Loaded, a: &str, b: &str) -> anyhow::Result<Comparison> {
    let (ka, kb) = (
        crate::models::resolve(store, a).await?,
        crate::models::resolve(store, b).await?,
    );
    let mut inputs = Vec::new();
    for spec in &loaded.sources {
        let current = match store.latest_healthy(spec.name.as_str(), None).await? {
            Some(r) => Some(Arc::new(Snapshot {
                id: r.id,
                taken_at: r.taken_at,
                content_hash: r.content_hash.clone(),
                observations: store
                    .snapshot_observations(r.id)
                    .await?
                    .into_iter()
                    .map(Arc::new)
                    .collect(),
                release: r.release,
                data_date: r.data_date,
            })),
            None => None,
        };
        inputs.push(SourceInput {
            name: spec.name.to_string(),
            url: Some(spec.url.to_string()),
            kind: spec.kind,
            baseline: None,
            current,
            history: Vec::new(),
            last_success: None,
            max_unchanged_secs: None,
        });
    }
    let settings = loaded.config.brief.settings();
    Ok(compare(
        profile(&inputs, &ka, &settings),
        profile(&inputs, &kb, &settings),
        &settings,
    ))
}

/// The card as text: the same rows and numbers as the HTML card and the brief's matchup.
pub fn text(c: &Comparison) -> String {
    let card = CardView::new(c, true);
    let mut out = format!("{} vs {}\n\n", card.a, card.b);
    let w = 28;
    // Columns as wide as their widest value (a speed with its source and date is long).
    let wa = card
        .rows
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .max(12);
    let wb = card
        .rows
        .iter()
        .map(|r| r.2.chars().count())
        .max()
        .unwrap_or(0)
        .max(12);
    out.push_str(&format!(
        "{:<w$} {:>wa$} {:>wb$} {:>8}\n",
        "",
        trunc(&card.a, wa),
        trunc(&card.b, wb),
        "diff"
    ));
    for (label, x, y, d) in &card.rows {
        out.push_str(&format!(
            "{:<w$} {x:>wa$} {y:>wb$} {d:>8}\n",
            trunc(label, w)
        ));
    }
    if let Some(gap) = &card.gap {
        out.push_str(&format!("\nbiggest single-benchmark gap: {gap}\n"));
    }
    for p in [&c.a, &c.b] {
        if let Some(basis) = &p.price_basis {
            out.push_str(&format!(
                "price of {}: {}\n",
                p.name,
                basis.replace('_', "-")
            ));
        }
    }
    out.push_str(&format!("\n{}\n", card.verdict));
    out
}

fn trunc(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

/// The card as an HTML page (`templates/compare.html`), from the same view as [`text`].
pub fn html(
    c: &Comparison,
    renderer: &modelbrief_mailer::Renderer,
) -> Result<String, modelbrief_mailer::RenderError> {
    #[derive(serde::Serialize)]
    struct Page {
        card: CardView,
    }
    renderer.render(
        "compare.html",
        &Page {
            card: CardView::new(c, true),
        },
    )
}
