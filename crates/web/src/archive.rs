//! The public archive: `/archive`, `/archive/{week}` (the web version of an edition, linked
//! from each mail as "view in a browser") and its chart `/archive/{week}/price-history.png`
//! (and `price-history-dark.png`, offered to readers in dark mode),
//! `/feed.atom` and `/changes.json`.
//!
//! Nothing personal is ever rendered here: no address, no token, no unsubscribe link.

use crate::AppState;
use crate::pages::{message, render};
use atom_syndication::{Entry, Feed, Link, Person, Text};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use modelbrief_differ::Edition;
use modelbrief_mailer::BriefView;
use modelbrief_mailer::chart::{self, Chart};
use serde_json::json;

/// Editions in the feed and in `changes.json`.
const RECENT: i64 = 20;

fn unavailable(state: &AppState, e: impl std::error::Error) -> Response {
    crate::pages::unavailable(state, false, "archive", e)
}

async fn recent(
    state: &AppState,
) -> Result<Vec<(modelbrief_store::EditionRow, Edition)>, Response> {
    let rows = state
        .store
        .editions(RECENT)
        .await
        .map_err(|e| unavailable(state, e))?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let e: Edition = serde_json::from_str(&r.content).ok()?;
            Some((r, e))
        })
        .collect())
}

pub(crate) async fn index(State(state): State<AppState>) -> Response {
    let editions = match recent(&state).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let list: Vec<_> = editions
        .iter()
        .map(|(r, e)| json!({"week": r.week, "headline": e.headline()}))
        .collect();
    render(
        &state,
        StatusCode::OK,
        "web/archive.html",
        json!({"editions": list}),
    )
}

/// The frozen edition of `week`, or the page to answer with instead.
async fn frozen(state: &AppState, week: &str) -> Result<Edition, Response> {
    let not_found = || {
        message(
            state,
            false,
            StatusCode::NOT_FOUND,
            "not_found",
            "No such edition",
            "There is no edition for that week.",
        )
    };
    if modelbrief_domain::IsoWeek::parse(week).is_err() {
        return Err(not_found());
    }
    let row = match state.store.edition(week).await {
        Ok(Some(r)) => r,
        Ok(None) => return Err(not_found()),
        Err(e) => return Err(unavailable(state, e)),
    };
    serde_json::from_str::<Edition>(&row.content).map_err(|_| not_found())
}

/// Draws an edition's chart off the async workers (a few milliseconds of CPU).
async fn draw(edition: Edition, theme: chart::Theme) -> Result<Option<Chart>, String> {
    tokio::task::spawn_blocking(move || {
        chart::price_history_png_themed(&edition.price_history, theme)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())
}

pub(crate) async fn edition(State(state): State<AppState>, Path(week): Path<String>) -> Response {
    let edition = match frozen(&state, &week).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let mut view = BriefView::new(&edition);
    // Linked, not drawn here: relative to /archive/{week}, so it works behind a path prefix too.
    if let Some(size) = chart::size(&edition.price_history) {
        view.attach_chart(format!("{week}/{}", chart::CHART_FILE), size);
        view.attach_dark_chart(format!("{week}/{}", chart::CHART_DARK_FILE));
    }
    match state.renderer.html(&view) {
        Ok(html) => Html(html).into_response(),
        Err(e) => unavailable(&state, e),
    }
}

/// `GET /archive/{week}/price-history.png`: the edition's chart (frozen, so cacheable).
pub(crate) async fn chart_png(state: State<AppState>, week: Path<String>) -> Response {
    themed_chart(state, week, chart::Theme::Light).await
}

/// `GET /archive/{week}/price-history-dark.png`: the same chart for readers in dark mode.
pub(crate) async fn chart_dark_png(state: State<AppState>, week: Path<String>) -> Response {
    themed_chart(state, week, chart::Theme::Dark).await
}

async fn themed_chart(
    State(state): State<AppState>,
    Path(week): Path<String>,
    theme: chart::Theme,
) -> Response {
    let edition = match frozen(&state, &week).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match draw(edition, theme).await {
        Ok(Some(c)) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            c.png,
        )
            .into_response(),
        Ok(None) => message(
            &state,
            false,
            StatusCode::NOT_FOUND,
            "not_found",
            "No chart",
            "That edition has no price changes to chart.",
        ),
        Err(e) => unavailable(&state, std::io::Error::other(e)),
    }
}

pub(crate) async fn feed(State(state): State<AppState>) -> Response {
    let editions = match recent(&state).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let base = state.settings.base_url.clone();
    let url = |path: &str| base.join(path).map(|u| u.to_string()).unwrap_or_default();
    let updated = editions
        .first()
        .and_then(|(r, _)| chrono::DateTime::parse_from_rfc3339(&r.created_at).ok())
        // No edition yet: the feed is as new as this response.
        .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
    let entries: Vec<Entry> = editions
        .iter()
        .map(|(r, e)| {
            let link = url(&format!("/archive/{}", r.week));
            let when = chrono::DateTime::parse_from_rfc3339(&r.created_at).unwrap_or(updated);
            Entry {
                id: link.clone(),
                title: Text::plain(r.subject.clone()),
                updated: when,
                published: Some(when),
                links: vec![Link {
                    href: link,
                    rel: "alternate".into(),
                    mime_type: Some("text/html".into()),
                    ..Default::default()
                }],
                summary: Some(Text::plain(e.headline())),
                ..Default::default()
            }
        })
        .collect();
    let feed = Feed {
        id: url("/feed.atom"),
        title: Text::plain("modelbrief: the weekly brief on AI models"),
        updated,
        authors: vec![Person {
            name: "modelbrief".into(),
            ..Default::default()
        }],
        links: vec![
            Link {
                href: url("/feed.atom"),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Default::default()
            },
            Link {
                href: url("/archive"),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Default::default()
            },
        ],
        entries,
        ..Default::default()
    };
    (
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed.to_string(),
    )
        .into_response()
}

pub(crate) async fn changes(State(state): State<AppState>) -> Response {
    match recent(&state).await {
        Ok(editions) => {
            let list: Vec<&Edition> = editions.iter().map(|(_, e)| e).collect();
            axum::Json(list).into_response()
        }
        Err(r) => r,
    }
}
