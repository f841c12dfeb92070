//! The public archive: `/archive`, `/archive/{week}` (the web version of an edition, linked
//! from each mail as "view in a browser", with its "how we know" link to `/archive/{week}.json`,
//! the frozen edition with every change's evidence) and its chart `/archive/{week}/price-history.png`
//! (and `price-history-dark.png`, offered to readers in dark mode),
//! `/feed.atom` (one entry per edition, then one per change), `/models/{key}.atom` (the changes
//! about one model) and `/changes.json`.
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
use modelbrief_mailer::changes::{self, ChangeItem};
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
    // `/archive/{week}.json`: the frozen edition itself, every change with its evidence.
    if let Some(week) = week.strip_suffix(".json") {
        return match frozen(&state, week).await {
            Ok(e) => axum::Json(e).into_response(),
            Err(r) => r,
        };
    }
    let edition = match frozen(&state, &week).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let mut view = BriefView::new(&edition);
    // Relative to /archive/{week}, like the chart.
    view.receipts_url = Some(format!("{week}.json"));
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

/// Per-change entries in `/feed.atom`, newest editions first.
const CHANGE_ENTRIES: usize = 200;

/// An absolute URL for a path of this server.
fn absolute(state: &AppState, path: &str) -> String {
    state
        .settings
        .base_url
        .join(path)
        .map(|u| u.to_string())
        .unwrap_or_default()
}

/// The `alternate` link of an entry or feed: the HTML page it stands for.
fn alternate(href: String) -> Link {
    Link {
        href,
        rel: "alternate".into(),
        mime_type: Some("text/html".into()),
        ..Default::default()
    }
}

/// Every change of `editions`, newest edition first, each with the edition it is in.
fn changes_of(
    editions: &[(modelbrief_store::EditionRow, Edition)],
) -> Vec<(&modelbrief_store::EditionRow, ChangeItem)> {
    editions
        .iter()
        .flat_map(|(r, e)| changes::items(e).into_iter().map(move |item| (r, item)))
        .collect()
}

/// One Atom entry per change: the model and the numbers in title and content, linked to its
/// line on the edition's archive page, whose URL with that anchor is also its id.
fn change_entries<'a>(
    state: &AppState,
    changes: impl Iterator<Item = &'a (&'a modelbrief_store::EditionRow, ChangeItem)>,
) -> Vec<Entry> {
    changes
        .filter_map(|(r, item)| {
            let when = chrono::DateTime::parse_from_rfc3339(&r.created_at).ok()?;
            let line = absolute(state, &format!("/archive/{}#{}", r.week, item.anchor));
            Some(Entry {
                id: line.clone(),
                title: Text::plain(format!("{}: {}", r.week, item.title)),
                updated: when,
                published: Some(when),
                links: vec![alternate(line)],
                categories: vec![atom_syndication::Category {
                    term: item.kind.as_str().to_owned(),
                    ..Default::default()
                }],
                summary: Some(Text::plain(item.text.clone())),
                content: Some(atom_syndication::Content {
                    value: Some(format!("{}. {}", item.title, item.text)),
                    content_type: Some("text".into()),
                    ..Default::default()
                }),
                ..Default::default()
            })
        })
        .collect()
}

/// A feed document: `self_path` is its own path, `entries` newest first.
fn atom(
    state: &AppState,
    self_path: &str,
    title: String,
    entries: Vec<Entry>,
    updated: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> Response {
    // No edition yet: the feed is as new as this response.
    let updated = updated.unwrap_or_else(|| chrono::Utc::now().fixed_offset());
    let feed = Feed {
        id: absolute(state, self_path),
        title: Text::plain(title),
        updated,
        authors: vec![Person {
            name: "modelbrief".into(),
            ..Default::default()
        }],
        links: vec![
            Link {
                href: absolute(state, self_path),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Default::default()
            },
            alternate(absolute(state, "/archive")),
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

fn newest(
    editions: &[(modelbrief_store::EditionRow, Edition)],
) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    editions
        .first()
        .and_then(|(r, _)| chrono::DateTime::parse_from_rfc3339(&r.created_at).ok())
}

/// `GET /feed.atom`: one entry per edition (its subject, and its headline as the summary),
/// then one entry per change of those editions (at most [`CHANGE_ENTRIES`]).
pub(crate) async fn feed(State(state): State<AppState>) -> Response {
    let editions = match recent(&state).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let updated = newest(&editions);
    let mut entries: Vec<Entry> = editions
        .iter()
        .filter_map(|(r, e)| {
            let link = absolute(&state, &format!("/archive/{}", r.week));
            let when = chrono::DateTime::parse_from_rfc3339(&r.created_at).ok()?;
            Some(Entry {
                id: link.clone(),
                title: Text::plain(r.subject.clone()),
                updated: when,
                published: Some(when),
                links: vec![alternate(link)],
                summary: Some(Text::plain(e.headline())),
                ..Default::default()
            })
        })
        .collect();
    let mut changes = change_entries(&state, changes_of(&editions).iter());
    changes.truncate(CHANGE_ENTRIES);
    entries.extend(changes);
    atom(
        &state,
        "/feed.atom",
        "modelbrief: the weekly brief on AI models".into(),
        entries,
        updated,
    )
}

/// The answer for a model key the store has never seen.
fn no_such_model(state: &AppState) -> Response {
    message(
        state,
        false,
        StatusCode::NOT_FOUND,
        "not_found",
        "No such model",
        "modelbrief has never seen a model with that key.",
    )
}

/// `GET /models/{key}` (the model's page) and `GET /models/{key}.atom` (its feed).
pub(crate) async fn model(state: State<AppState>, Path(file): Path<String>) -> Response {
    if file.ends_with(".atom") {
        model_feed(state, Path(file)).await
    } else {
        model_page(state, Path(file)).await
    }
}

/// `GET /models/{key}`: every listing of the model over the stored pulls, as dated periods of
/// unchanged price, context and scores (what `modelbrief history KEY` prints); 404 for a key
/// the store has never seen.
async fn model_page(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    use modelbrief_domain::present;
    let Some(key) = modelbrief_domain::ModelKey::normalise(&key) else {
        return no_such_model(&state);
    };
    let (stored_name, provider, first_seen) = match state.store.model_record(key.as_str()).await {
        Ok(Some(r)) => r,
        Ok(None) => return no_such_model(&state),
        Err(e) => return unavailable(&state, e),
    };
    let listings = match state.store.model_history(key.as_str()).await {
        Ok(h) => h.listings(),
        Err(e) => return unavailable(&state, e),
    };
    // Every source spelling ever resolved to this key: its variants and the names it goes by.
    let spellings: Vec<_> = match state.store.spellings_of(key.as_str()).await {
        Ok(s) => s
            .iter()
            .map(|s| {
                json!({
                    "source": s.source,
                    "source_model": s.source_model,
                    "variant": s.variant,
                    "since": present::date(s.first_seen),
                })
            })
            .collect(),
        Err(e) => return unavailable(&state, e),
    };
    // The name a catalogue's plain, current row gives it; the stored one may be a raw id.
    let name = listings
        .iter()
        .filter(|l| l.variant.is_none() && l.route.is_none() && !l.is_alias)
        .filter_map(|l| l.periods.last().filter(|p| p.until.is_none()))
        .map(|p| p.name.clone())
        .next()
        .unwrap_or(stored_name);
    let history = model_price_history(key.as_str(), &listings);
    // Linked, relative to /models/{key}, like the archive's chart.
    let chart = chart::size(&history).map(|(width, height)| {
        json!({
            "src": format!("{}/{}", key.as_str(), chart::CHART_FILE),
            "dark_src": format!("{}/{}", key.as_str(), chart::CHART_DARK_FILE),
            "alt": model_chart_alt(&history),
            "width": width,
            "height": height,
        })
    });
    let money =
        |d: Option<rust_decimal::Decimal>| d.map_or_else(|| "?".into(), present::money_exact);
    let view: Vec<_> = listings
        .iter()
        .map(|l| {
            let periods: Vec<_> = l
                .periods
                .iter()
                .map(|p| {
                    json!({
                        "from": present::date(p.from),
                        "until": p.until.map_or_else(
                            || format!("still listed {}", present::date(p.last_seen)),
                            present::date,
                        ),
                        "price": if p.input_per_mtok.is_some() || p.output_per_mtok.is_some() {
                            format!("{} / {}", money(p.input_per_mtok), money(p.output_per_mtok))
                        } else {
                            "\u{2014}".to_owned()
                        },
                        "context": p.context.map_or_else(|| "\u{2014}".to_owned(), present::tokens),
                        "scores": p.scores.iter()
                            .map(|(b, v)| format!("{b} {}", present::score(*v)))
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
                })
                .collect();
            let anchor: String = format!("{}-{}", l.source, l.source_model)
                .chars()
                .map(|c| match c {
                    'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '.' => c,
                    _ => '-',
                })
                .collect();
            json!({
                "source": l.source,
                "source_model": l.source_model,
                "anchor": anchor,
                "about": l.about().join(", "),
                "periods": periods,
            })
        })
        .collect();
    render(
        &state,
        StatusCode::OK,
        "web/model.html",
        json!({
            "name": name,
            "key": key.as_str(),
            "provider": provider,
            "first_seen": present::date(first_seen),
            "listings": view,
            "spellings": spellings,
            "chart": chart,
        }),
    )
}

/// Listings shown in a model's price chart, at most.
const MODEL_CHART_PANELS: usize = 6;

/// The model page's chart data: the listings whose price changed over the stored pulls (plain
/// listings first), each as the price at every period's start, a price-less point where the
/// listing was absent, and its last price again at the last pull that showed it.
fn model_price_history(
    key: &str,
    listings: &[modelbrief_store::Listing],
) -> Vec<modelbrief_differ::PriceHistory> {
    use modelbrief_differ::{PriceHistory, PricePoint};
    let mut moved: Vec<&modelbrief_store::Listing> = listings
        .iter()
        .filter(|l| {
            let mut prices = l
                .periods
                .iter()
                .filter(|p| p.input_per_mtok.is_some() || p.output_per_mtok.is_some())
                .map(|p| (p.input_per_mtok, p.output_per_mtok));
            let first = prices.next();
            first.is_some() && prices.any(|p| Some(p) != first)
        })
        .collect();
    moved.sort_by_key(|l| {
        (
            l.variant.is_some() || l.route.is_some() || l.is_alias,
            &l.source,
            &l.source_model,
        )
    });
    moved
        .into_iter()
        .take(MODEL_CHART_PANELS)
        .map(|l| {
            let mut points = Vec::new();
            for (i, p) in l.periods.iter().enumerate() {
                points.push(PricePoint {
                    at: p.from,
                    input_per_mtok: p.input_per_mtok,
                    output_per_mtok: p.output_per_mtok,
                });
                let next_from = l.periods.get(i + 1).map(|n| n.from);
                match p.until {
                    // Absent between this period's end and the next one's start (or for good).
                    Some(u) if next_from != Some(u) => points.push(PricePoint {
                        at: u,
                        input_per_mtok: None,
                        output_per_mtok: None,
                    }),
                    Some(_) => {}
                    None if p.last_seen > p.from => points.push(PricePoint {
                        at: p.last_seen,
                        input_per_mtok: p.input_per_mtok,
                        output_per_mtok: p.output_per_mtok,
                    }),
                    None => {}
                }
            }
            PriceHistory {
                model: key.to_owned(),
                // Each panel is one listing of the one model: named by the listing.
                name: format!("{} at {}", l.source_model, l.source),
                source: l.source.clone(),
                listing: l.source_model.clone(),
                points,
            }
        })
        .collect()
}

/// What the model page's chart shows, in words: every price of every charted listing.
fn model_chart_alt(history: &[modelbrief_differ::PriceHistory]) -> String {
    use modelbrief_domain::present::{date, money_exact};
    let lines: Vec<String> = history
        .iter()
        .map(|h| {
            let prices: Vec<String> = h
                .points
                .iter()
                .map(|p| match (p.input_per_mtok, p.output_per_mtok) {
                    (Some(i), Some(o)) => format!(
                        "{} in, {} out on {}",
                        money_exact(i),
                        money_exact(o),
                        date(p.at)
                    ),
                    _ => format!("not listed on {}", date(p.at)),
                })
                .collect();
            format!("{} at {}: {}", h.listing, h.source, prices.join(", then "))
        })
        .collect();
    format!(
        "Chart of input and output prices per 1M tokens. {}.",
        lines.join("; ")
    )
}

/// `GET /models/{key}/price-history.png` (and `-dark.png`): the model page's chart.
pub(crate) async fn model_chart(
    State(state): State<AppState>,
    Path((key, file)): Path<(String, String)>,
) -> Response {
    let theme = match file.as_str() {
        chart::CHART_FILE => chart::Theme::Light,
        chart::CHART_DARK_FILE => chart::Theme::Dark,
        _ => return no_such_model(&state),
    };
    let Some(key) = modelbrief_domain::ModelKey::normalise(&key) else {
        return no_such_model(&state);
    };
    let listings = match state.store.model_history(key.as_str()).await {
        Ok(h) => h.listings(),
        Err(e) => return unavailable(&state, e),
    };
    let history = model_price_history(key.as_str(), &listings);
    let drawn =
        tokio::task::spawn_blocking(move || chart::price_history_png_themed(&history, theme))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
    match drawn {
        Ok(Some(c)) => ([(header::CONTENT_TYPE, "image/png")], c.png).into_response(),
        Ok(None) => message(
            &state,
            false,
            StatusCode::NOT_FOUND,
            "not_found",
            "No chart",
            "No listing of that model has changed price in the stored pulls.",
        ),
        Err(e) => unavailable(&state, std::io::Error::other(e)),
    }
}

/// `GET /models/{key}.atom`: one entry per change about one model, across the recent editions;
/// 404 for a key the store has never seen (an empty feed would look like a quiet model forever).
async fn model_feed(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(key) = file
        .strip_suffix(".atom")
        .and_then(modelbrief_domain::ModelKey::normalise)
    else {
        return no_such_model(&state);
    };
    let record = match state.store.model_record(key.as_str()).await {
        Ok(r) => r,
        Err(e) => return unavailable(&state, e),
    };
    let Some((stored_name, _, _)) = record else {
        return no_such_model(&state);
    };
    let editions = match recent(&state).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let all = changes_of(&editions);
    let about: Vec<_> = all
        .iter()
        .filter(|(_, i)| i.model == key.as_str())
        .collect();
    // The name the brief gives it; the stored one may be the first raw id a leaderboard used.
    let name = about.first().map_or(stored_name, |(_, i)| i.name.clone());
    let entries = change_entries(&state, about.into_iter());
    atom(
        &state,
        &format!("/models/{}.atom", key.as_str()),
        format!("modelbrief: changes to {name}"),
        entries,
        newest(&editions),
    )
}

/// `GET /changes.json[?since=DATE]`.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct ChangesQuery {
    /// A date (from the start of that day, UTC) or an RFC 3339 time.
    since: Option<String>,
}

/// Reads `since`: an RFC 3339 time, or a date meaning the start of that day (UTC).
fn parse_since(input: &str) -> Option<modelbrief_domain::Timestamp> {
    modelbrief_domain::Timestamp::parse(input).ok().or_else(|| {
        chrono::NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| modelbrief_domain::Timestamp::from_datetime(t.and_utc()))
    })
}

/// The recent editions in the `brief --format json` contract, newest first; with `since`, every
/// edition whose week ends after it (the ones holding changes seen since then).
pub(crate) async fn changes(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<ChangesQuery>,
) -> Response {
    let Some(raw) = q.since else {
        return match recent(&state).await {
            Ok(editions) => {
                let list: Vec<&Edition> = editions.iter().map(|(_, e)| e).collect();
                axum::Json(list).into_response()
            }
            Err(r) => r,
        };
    };
    let Some(since) = parse_since(&raw) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({
                "error": format!(
                    "since={raw:?}: expected a date (2026-06-29) or an RFC 3339 time (2026-06-29T12:00:00Z)"
                )
            })),
        )
            .into_response();
    };
    match state.store.editions_since(since).await {
        Ok(rows) => {
            let list: Vec<Edition> = rows
                .iter()
                .filter_map(|r| serde_json::from_str(&r.content).ok())
                .collect();
            axum::Json(list).into_response()
        }
        Err(e) => unavailable(&state, e),
    }
}
