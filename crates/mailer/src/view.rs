//! The brief as a reader sees it: an [`Edition`] turned into display strings, in order of
//! interest, shared by the HTML and text templates.

use modelbrief_differ::compare::Comparison;
use modelbrief_differ::{
    ChangeKind, Edition, Matchup, NewModelKind, PriceHistory, ShiftKind, SourceStatus,
};
use rust_decimal::Decimal;
use serde::Serialize;

/// At most this many rows per section; the rest are counted and left to `changes.json`.
pub const MAX_ROWS: usize = 40;
/// The brief card's content width in pixels (640 less its padding).
const CHART_DISPLAY_WIDTH: u32 = 584;

#[derive(Debug, Serialize)]
pub struct BriefView {
    pub edition: String,
    pub headline: String,
    pub window_from: String,
    pub window_to: String,
    /// What an edition without changes says about its week (empty when it has changes).
    pub quiet: String,
    /// The edition's top stories, one line each.
    pub top_stories: Vec<String>,
    /// Whether anything shown comes from Artificial Analysis (its attribution is then due).
    pub uses_artificial_analysis: bool,
    pub new_models: Vec<NewModelView>,
    pub new_models_more: usize,
    /// New models only resellers list so far, by key, in one line.
    pub reseller_only: Vec<String>,
    pub price_changes: Vec<PriceView>,
    pub price_changes_more: usize,
    /// Moves on other listings of a model (routes, resellers), biggest first.
    pub listing_changes: Vec<PriceView>,
    pub listing_changes_more: usize,
    pub leaderboards: Vec<BoardView>,
    pub insignificant_shifts: usize,
    pub removed_models: Vec<RemovedView>,
    pub removed_more: usize,
    pub context_changes: Vec<ContextView>,
    /// "Output speed 82 tok/s → 140 tok/s (+70.7%)".
    pub speed_changes: Vec<ContextView>,
    pub notices: Vec<String>,
    pub sources: Vec<SourceView>,
    /// The subscriber's unsubscribe link (mail only).
    pub unsubscribe_url: Option<String>,
    /// The sender's postal address (mail only).
    pub postal_address: Option<String>,
    /// The web version of this edition ("view in browser").
    pub web_url: Option<String>,
    /// The edition's JSON with every change's evidence ("how we know"); the web archive sets it.
    pub receipts_url: Option<String>,
    /// The numbers behind the chart, one entry per listing (the text part prints them).
    pub price_history: Vec<HistoryView>,
    /// The chart image; set by whoever knows where the image will be (`cid:` in mail, a URL
    /// on the web, a data URI in a file), see [`BriefView::attach_chart`].
    pub chart: Option<ChartView>,
    /// What the chart shows, in words (its alt text).
    pub chart_alt: String,
    pub matchup: Option<MatchupView>,
    /// Value-frontier changes: "X is now the cheapest model scoring above 70 on …".
    pub frontier: Vec<FrontierView>,
}

#[derive(Debug, Serialize)]
pub struct FrontierView {
    /// The line's id on the page, the same as its feed entry's and webhook item's.
    pub anchor: String,
    /// The new cheapest model's key and name.
    pub model: String,
    pub name: String,
    /// "X: the cheapest model above 70 on LiveBench Coding".
    pub title: String,
    pub line: String,
    pub cited: String,
}

#[derive(Debug, Serialize)]
pub struct HistoryView {
    pub name: String,
    pub cited: String,
    /// `2026-06-29: $0.2 in / $0.77 out`, oldest first.
    pub points: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ChartView {
    pub src: String,
    /// The dark variant, where the page can offer one (the web archive; mail has none).
    pub dark_src: Option<String>,
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Serialize)]
pub struct MatchupView {
    pub board: String,
    /// `a` is the new #1, `b` the model it displaced (written flat: `matchup.a`, `matchup.rows`).
    #[serde(flatten)]
    pub card: CardView,
}

#[derive(Debug, Serialize)]
pub struct NewModelView {
    /// The line's id on the page (`#price-…`), the same as its feed entry's and webhook item's.
    pub anchor: String,
    pub name: String,
    pub model: String,
    pub provider: String,
    pub sources: String,
    pub price: String,
    pub price_basis: String,
    pub context: String,
    pub reasoning: String,
    pub scores: Vec<(String, String)>,
}

#[derive(Debug, Serialize)]
pub struct PriceView {
    /// The line's id on the page (`#price-…`), the same as its feed entry's and webhook item's.
    pub anchor: String,
    pub name: String,
    pub model: String,
    pub input: String,
    pub output: String,
    pub pct: String,
    pub direction: String,
    /// The price went down (shown in the "good" colour).
    pub cheaper: bool,
    pub correction: bool,
    pub cited: String,
}

#[derive(Debug, Serialize)]
pub struct BoardView {
    pub name: String,
    pub shifts: Vec<ShiftView>,
}

#[derive(Debug, Serialize)]
pub struct ShiftView {
    /// The line's id on the page (`#price-…`), the same as its feed entry's and webhook item's.
    pub anchor: String,
    pub name: String,
    pub model: String,
    pub movement: String,
    pub label: String,
    pub score: String,
}

#[derive(Debug, Serialize)]
pub struct RemovedView {
    /// The line's id on the page (`#price-…`), the same as its feed entry's and webhook item's.
    pub anchor: String,
    pub name: String,
    pub model: String,
    pub cited: String,
}

#[derive(Debug, Serialize)]
pub struct ContextView {
    /// The line's id on the page (`#price-…`), the same as its feed entry's and webhook item's.
    pub anchor: String,
    pub name: String,
    pub model: String,
    pub change: String,
    pub correction: bool,
    pub cited: String,
}

#[derive(Debug, Serialize)]
pub struct SourceView {
    pub name: String,
    pub status: String,
    pub detail: String,
    pub ok: bool,
}

use modelbrief_domain::present::{
    NA, date, diff, flag, money, money_or_na, pct, score, thousands, tokens, tokens_pair,
};

/// A fragment-safe id from its parts: lowercase letters, digits, `.`, `_` and `-`.
pub(crate) fn anchor(prefix: &str, parts: &[&str]) -> String {
    let mut out = prefix.to_owned();
    for p in parts {
        out.push('-');
        out.extend(p.chars().map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '.' | '_' | '-') => c,
            _ => '-',
        }));
    }
    out
}

fn pair(input: Option<Decimal>, output: Option<Decimal>) -> String {
    match (input, output) {
        (Some(i), Some(o)) => format!("{} in / {} out", money(i), money(o)),
        (Some(i), None) => format!("{} in", money(i)),
        (None, Some(o)) => format!("{} out", money(o)),
        (None, None) => "not listed".into(),
    }
}

fn history_view(h: &PriceHistory) -> HistoryView {
    HistoryView {
        name: h.name.clone(),
        cited: format!("{} listing {}", h.source, h.listing),
        points: h
            .points
            .iter()
            .map(|p| {
                format!(
                    "{}: {}",
                    date(p.at),
                    pair(p.input_per_mtok, p.output_per_mtok)
                )
            })
            .collect(),
    }
}

/// The chart's alt text: each listing's first and last price, the same numbers as the text.
fn chart_alt(history: &[PriceHistory]) -> String {
    let lines: Vec<String> = history
        .iter()
        .filter_map(|h| {
            let (first, last) = (h.points.first()?, h.points.last()?);
            Some(format!(
                "{} from {} on {} to {} on {}",
                h.name,
                pair(first.input_per_mtok, first.output_per_mtok),
                date(first.at),
                pair(last.input_per_mtok, last.output_per_mtok),
                date(last.at)
            ))
        })
        .collect();
    format!(
        "Chart of input and output prices per 1M tokens: {}.",
        lines.join("; ")
    )
}

fn matchup_view(m: &Matchup) -> MatchupView {
    MatchupView {
        board: m.leaderboard_name.clone(),
        card: CardView::new(&m.comparison, false),
    }
}

/// The head-to-head card as display strings: the matchup of the week in the brief and
/// `compare` in text and HTML all show these rows.
#[derive(Debug, Serialize)]
pub struct CardView {
    pub a: String,
    pub b: String,
    /// (what, a, b, difference a − b or empty).
    pub rows: Vec<(String, String, String, String)>,
    /// `Aider polyglot (79.6 vs 61.3)`: the widest single-benchmark gap.
    pub gap: Option<String>,
    pub verdict: String,
}

impl CardView {
    /// The card's rows; `speed` adds the speed / latency row (the full `compare` card).
    pub fn new(c: &Comparison, speed: bool) -> Self {
        let mut rows: Vec<(String, String, String, String)> = c
            .categories
            .iter()
            .map(|(name, a, b, _)| (name.clone(), score(*a), score(*b), diff(*a, *b)))
            .collect();
        // Single benchmarks both are scored on, widest gap first, each gap relative to its
        // benchmark's scale (as the verdict's widest gap is): 30 Arena points are not more
        // than 13 LiveBench points. A benchmark that is a category of its own (IF) is shown
        // once, as the category.
        let relative = |a: f64, b: f64| (a - b).abs() / a.abs().max(b.abs()).max(1e-9);
        let mut shared: Vec<(&String, f64, f64)> =
            c.a.benchmarks
                .iter()
                .filter_map(|(k, a)| Some((k, *a, *c.b.benchmarks.get(k)?)))
                .filter(|(_, a, b)| {
                    !c.categories
                        .iter()
                        .any(|(_, ca, cb, _)| score(*ca) == score(*a) && score(*cb) == score(*b))
                })
                .collect();
        shared.sort_by(|x, y| {
            relative(y.1, y.2)
                .total_cmp(&relative(x.1, x.2))
                .then_with(|| x.0.cmp(y.0))
        });
        rows.extend(
            shared
                .into_iter()
                .take(4)
                .map(|(k, a, b)| (k.clone(), score(a), score(b), diff(a, b))),
        );
        rows.push((
            "input per 1M".into(),
            money_or_na(c.a.input_per_mtok),
            money_or_na(c.b.input_per_mtok),
            String::new(),
        ));
        rows.push((
            "output per 1M".into(),
            money_or_na(c.a.output_per_mtok),
            money_or_na(c.b.output_per_mtok),
            String::new(),
        ));
        let (ca, cb) = match (c.a.context, c.b.context) {
            (Some(a), Some(b)) => tokens_pair(a, b),
            (a, b) => (
                a.map_or_else(|| NA.into(), tokens),
                b.map_or_else(|| NA.into(), tokens),
            ),
        };
        rows.push(("context".into(), ca, cb, String::new()));
        rows.push((
            "reasoning".into(),
            flag(c.a.reasoning),
            flag(c.b.reasoning),
            String::new(),
        ));
        if speed {
            let measured =
                |p: &modelbrief_differ::compare::Profile,
                 value: fn(&modelbrief_differ::compare::Speed) -> Option<String>| {
                    p.speed
                        .as_ref()
                        .and_then(|s| {
                            Some(format!("{} ({}, {})", value(s)?, s.source, date(s.as_of)))
                        })
                        .unwrap_or_else(|| NA.into())
                };
            let tps: fn(&modelbrief_differ::compare::Speed) -> Option<String> =
                |s| s.tokens_per_s.map(modelbrief_domain::present::speed);
            let ttft: fn(&modelbrief_differ::compare::Speed) -> Option<String> =
                |s| s.ttft_s.map(modelbrief_domain::present::seconds);
            rows.push((
                "speed".into(),
                measured(&c.a, tps),
                measured(&c.b, tps),
                String::new(),
            ));
            rows.push((
                "latency (TTFT)".into(),
                measured(&c.a, ttft),
                measured(&c.b, ttft),
                String::new(),
            ));
        }
        CardView {
            a: c.a.name.clone(),
            b: c.b.name.clone(),
            rows,
            gap: c
                .biggest_gap
                .as_ref()
                .map(|g| format!("{} ({} vs {})", g.benchmark, score(g.a), score(g.b))),
            verdict: c.verdict.clone(),
        }
    }
}

fn price_view(prefix: &str, p: &modelbrief_differ::PriceChange) -> PriceView {
    PriceView {
        anchor: anchor(prefix, &[&p.model, &p.source, &p.listing]),
        name: p.name.clone(),
        model: p.model.clone(),
        input: old_new(&p.input_per_mtok),
        output: old_new(&p.output_per_mtok),
        pct: if p.kind == ChangeKind::Change {
            pct(Some(p.pct))
        } else {
            String::new()
        },
        direction: if p.kind == ChangeKind::Correction {
            "corrected".into()
        } else if p.kind == ChangeKind::BecameFree {
            // What the listing says, no more: a paid listing at $0 may be a promotion or a slip.
            "listed at $0 now (was paid)".into()
        } else if p.kind == ChangeKind::BecamePaid {
            if p.free_listing_kept == Some(false) {
                "now paid (its free listing is gone)".into()
            } else {
                "paid listing added (was free only)".into()
            }
        } else if p.kind == ChangeKind::FirstPartyListed {
            "first-party price now listed".into()
        } else if p.kind == ChangeKind::FirstPriced {
            "price now listed (none before)".into()
        } else if p.kind == ChangeKind::Reconciled {
            format!(
                "now matches {}'s price (a catalogue fix, not a price move)",
                p.reconciled_with.as_deref().unwrap_or("another source")
            )
        } else if p
            .input_pct
            .zip(p.output_pct)
            .is_some_and(|(i, o)| i * o < 0.0)
        {
            "mixed".into()
        } else if p.pct < 0.0 {
            "cheaper".into()
        } else {
            "pricier".into()
        },
        cheaper: match p.kind {
            ChangeKind::BecameFree => true,
            ChangeKind::Change => p.pct < 0.0,
            _ => false,
        },
        correction: p.kind == ChangeKind::Correction,
        cited: format!(
            "{} listing {} ({}), as of {}",
            p.source,
            p.listing,
            p.basis.replace('_', "-"),
            date(p.as_of)
        ),
    }
}

/// `openrouter listing deepseek/deepseek-v4-flash, as of 2026-07-06`.
fn listing_cited(source: &str, listing: &str, as_of: modelbrief_domain::Timestamp) -> String {
    format!("{source} listing {listing}, as of {}", date(as_of))
}

fn old_new(o: &modelbrief_differ::OldNew) -> String {
    match (o.old, o.new) {
        (Some(a), Some(b)) if a == b => money(b),
        (Some(a), Some(b)) => {
            let (a, b) = modelbrief_domain::present::money_pair(a, b);
            format!("{a} \u{2192} {b}")
        }
        (None, Some(b)) => format!("listed at {}", money(b)),
        (Some(a), None) => format!("{} \u{2192} unlisted", money(a)),
        (None, None) => "n/a".into(),
    }
}

impl BriefView {
    pub fn new(e: &Edition) -> Self {
        Self::with_limit(e, MAX_ROWS)
    }

    /// The view with at most `limit` rows per section (a quarter of that per leaderboard); the
    /// rest is counted in the `_more` fields. `usize::MAX` keeps every change.
    pub fn with_limit(e: &Edition, limit: usize) -> Self {
        let notable: Vec<_> = e.new_models.iter().filter(|m| m.notable).collect();
        let new_models = notable
            .iter()
            .take(limit)
            .map(|m| NewModelView {
                anchor: anchor("new", &[&m.model]),
                name: match m.kind {
                    NewModelKind::New => m.name.clone(),
                    NewModelKind::GenerallyAvailable => {
                        format!("{}: now generally available (was a preview)", m.name)
                    }
                    NewModelKind::FirstRanked => format!(
                        "{}: first ranked by {}; none of the catalogues tracked here lists it yet",
                        m.name,
                        m.sources.join(", ")
                    ),
                },
                model: m.model.clone(),
                provider: m.provider.clone().unwrap_or_else(|| "unknown maker".into()),
                sources: m.sources.join(", "),
                price: match (m.input_per_mtok, m.output_per_mtok) {
                    (Some(i), Some(o)) => {
                        format!("{} in / {} out per 1M tokens", money(i), money(o))
                    }
                    _ => "no price listed yet".into(),
                },
                price_basis: m
                    .price_basis
                    .as_deref()
                    .map(|b| {
                        b.replacen("first_party", "first-party listing", 1)
                            .replacen("cheapest_route", "cheapest route", 1)
                            .replacen("openrouter (", "OpenRouter listing (", 1)
                    })
                    .map(|b| {
                        // Sources that disagree on the price are said to, with theirs.
                        let mut b = b;
                        for (source, p) in &m.prices_elsewhere {
                            b.push_str(&format!(
                                "; {source} lists {} in / {} out",
                                money(p.input_per_mtok),
                                money(p.output_per_mtok)
                            ));
                        }
                        b
                    })
                    .unwrap_or_default(),
                context: m.context.map_or_else(|| "n/a".into(), tokens),
                reasoning: match m.reasoning {
                    Some(true) => "reasoning".into(),
                    Some(false) => "no reasoning mode".into(),
                    None => String::new(),
                },
                scores: m
                    .scores
                    .iter()
                    .map(|(k, v)| (None, k, v))
                    .chain(m.other_variants.iter().flat_map(|o| {
                        o.scores
                            .iter()
                            .map(move |(k, v)| (Some(o.name.as_str()), k, v))
                    }))
                    .map(|(variant, k, v)| {
                        let (source, bench) = k.split_once(':').unwrap_or(("", k));
                        let board = modelbrief_differ::leaderboard_name(source, bench);
                        (
                            match (variant, m.score_variants.get(source)) {
                                (Some(name), _) => format!("{board}, as {name}"),
                                (None, Some(v)) => format!("{board} ({v})"),
                                (None, None) => board,
                            },
                            match (variant, m.ranks.get(k.as_str())) {
                                (None, Some(rank)) if m.shared_ranks.contains(k) => {
                                    format!("{} (joint #{rank})", score(*v))
                                }
                                (None, Some(rank)) => format!("{} (#{rank})", score(*v)),
                                _ => score(*v),
                            },
                        )
                    })
                    .collect(),
            })
            .collect();
        let price_changes = e
            .price_changes
            .iter()
            .take(limit)
            .map(|p| price_view("price", p))
            .collect();
        // Other listings, biggest move first, in one compact block.
        let mut others: Vec<&modelbrief_differ::PriceChange> =
            e.listing_price_changes.iter().collect();
        others.sort_by(|a, b| b.pct.abs().total_cmp(&a.pct.abs()));
        let listing_changes = others
            .into_iter()
            .take(limit)
            .map(|p| price_view("listing", p))
            .collect();
        let mut leaderboards: Vec<BoardView> = Vec::new();
        for s in e.shown_shifts() {
            let view = ShiftView {
                anchor: anchor("rank", &[&s.leaderboard, &s.model]),
                name: s.name.clone(),
                model: s.model.clone(),
                movement: match s.old_rank {
                    Some(o) => format!("#{o} \u{2192} #{}", s.new_rank),
                    None if s.shared && s.kind != ShiftKind::TiedLeader => {
                        format!("new at joint #{}", s.new_rank)
                    }
                    None => format!("new at #{}", s.new_rank),
                },
                label: match s.kind {
                    _ if s.rescored => format!(
                        "re-scored by {} inside its release: was {}",
                        s.leaderboard
                            .split_once(':')
                            .map_or("its source", |(src, _)| src),
                        s.old_score.map(score).unwrap_or_default()
                    ),
                    ShiftKind::NewLeader => "new #1".into(),
                    ShiftKind::TiedLeader => "ties for #1".into(),
                    ShiftKind::EnteredTop => "enters the top".into(),
                    ShiftKind::Up => "up".into(),
                    ShiftKind::Down => "down".into(),
                    ShiftKind::Joined => "joins the board".into(),
                },
                score: score(s.score),
            };
            match leaderboards.last_mut() {
                Some(b) if b.name == s.leaderboard_name => b.shifts.push(view),
                _ => leaderboards.push(BoardView {
                    name: s.leaderboard_name.clone(),
                    shifts: vec![view],
                }),
            }
        }
        for b in &mut leaderboards {
            b.shifts.truncate(limit / 4);
        }
        let removed_models = e
            .removed_models
            .iter()
            .take(limit)
            .map(|r| RemovedView {
                anchor: anchor("removed", &[&r.model, &r.source]),
                name: r.name.clone(),
                model: r.model.clone(),
                cited: if let Some(maker) = &r.maker_listing {
                    format!(
                        "{} no longer lists {maker}'s own listing of it (last on {}, gone {}); still sold via {}",
                        r.source,
                        date(r.last_seen),
                        date(r.confirmed_at),
                        r.still_sold_via.join(", ")
                    )
                } else if r.still_listed_by.is_empty() {
                    format!(
                        "last listed by {} on {}; confirmed gone {}",
                        r.source,
                        date(r.last_seen),
                        date(r.confirmed_at)
                    )
                } else {
                    format!(
                        "{} no longer lists it (last on {}, confirmed gone {}); still listed by {}",
                        r.source,
                        date(r.last_seen),
                        date(r.confirmed_at),
                        r.still_listed_by.join(", ")
                    )
                },
            })
            .collect();
        let speed_changes = e
            .speed_changes
            .iter()
            .take(limit)
            .map(|c| {
                let (what, show): (&str, fn(f64) -> String) = match c.metric {
                    modelbrief_differ::SpeedMetric::TokensPerS => {
                        ("output speed", modelbrief_domain::present::speed)
                    }
                    modelbrief_differ::SpeedMetric::TtftS => {
                        ("time to first token", modelbrief_domain::present::seconds)
                    }
                };
                ContextView {
                    anchor: anchor(
                        "speed",
                        &[
                            match c.metric {
                                modelbrief_differ::SpeedMetric::TokensPerS => "tokens_per_s",
                                modelbrief_differ::SpeedMetric::TtftS => "ttft_s",
                            },
                            &c.model,
                            &c.source,
                            &c.listing,
                        ],
                    ),
                    name: c.name.clone(),
                    model: c.model.clone(),
                    change: format!(
                        "{what} {} \u{2192} {} ({})",
                        show(c.old),
                        show(c.new),
                        pct(Some(c.pct))
                    ),
                    correction: false,
                    cited: listing_cited(&c.source, &c.listing, c.as_of),
                }
            })
            .collect();
        let context_changes = e
            .context_changes
            .iter()
            .take(limit)
            .map(|c| ContextView {
                anchor: anchor("context", &[&c.model, &c.source, &c.listing]),
                name: c.name.clone(),
                model: c.model.clone(),
                change: {
                    // Two counts that round alike (131,072 and 128,000 are both "128K") are
                    // printed exactly, so the change is visible.
                    let (old, new) = match tokens_pair(c.old, c.new) {
                        _ if tokens(c.old) == tokens(c.new) => (thousands(c.old), thousands(c.new)),
                        (a, b) if a == b => (thousands(c.old), thousands(c.new)),
                        pair => pair,
                    };
                    let mut line = format!("{old} \u{2192} {new} tokens");
                    if !c.also.is_empty() {
                        line.push_str(&format!(" (also {})", c.also.join(", ")));
                    }
                    if let Some(with) = &c.reconciled_with {
                        line.push_str(&format!(
                            ", now matching {with}: a catalogue fix, not a change of the model"
                        ));
                    }
                    // Sources that disagree are said to, with their figure.
                    for (source, v) in &c.elsewhere {
                        line.push_str(&format!("; {source} lists {}", tokens(*v)));
                    }
                    line
                },
                correction: c.kind == ChangeKind::Correction,
                cited: listing_cited(&c.source, &c.listing, c.as_of),
            })
            .collect();
        let sources = e
            .sources
            .iter()
            .map(|s| SourceView {
                name: s.name.clone(),
                status: match s.status {
                    SourceStatus::Ok => "ok",
                    SourceStatus::Stale => "stale",
                    SourceStatus::Waiting => "waiting",
                    SourceStatus::Failing => "failing",
                }
                .into(),
                detail: {
                    let detail = match (s.status, s.last_success) {
                        _ if s.unchanged_since.is_some() => format!(
                            "pulled {}, but unchanged since {}",
                            s.last_success.map(date).unwrap_or_default(),
                            s.unchanged_since.map(date).unwrap_or_default()
                        ),
                        (SourceStatus::Ok, Some(t)) => format!("last pulled {}", date(t)),
                        (_, Some(t)) => format!("no successful pull since {}", date(t)),
                        (SourceStatus::Waiting, _) => "not pulled yet".into(),
                        (_, None) => "never pulled successfully".into(),
                    };
                    match &s.data_date {
                        Some(d) => format!("{detail}; its data dated {d}"),
                        None => detail,
                    }
                },
                ok: s.status == SourceStatus::Ok,
            })
            .collect();
        let mut view = Self {
            edition: e.edition.clone(),
            headline: e.headline(),
            window_from: date(e.window.from),
            window_to: date(e.window.to),
            quiet: quiet_line(e),
            top_stories: e.top_stories.iter().map(|s| s.text.clone()).collect(),
            uses_artificial_analysis: uses_artificial_analysis(e),
            new_models,
            new_models_more: notable.len().saturating_sub(limit),
            reseller_only: e
                .new_models
                .iter()
                .filter(|m| !m.notable)
                .map(|m| m.model.clone())
                .collect(),
            price_changes,
            price_changes_more: e.price_changes.len().saturating_sub(limit),
            listing_changes,
            listing_changes_more: e.listing_price_changes.len().saturating_sub(limit),
            leaderboards,
            insignificant_shifts: e.rank_shifts.iter().filter(|s| !s.significant).count(),
            removed_models,
            removed_more: e.removed_models.len().saturating_sub(limit),
            context_changes,
            speed_changes,
            notices: e.notices.iter().map(|n| n.text.clone()).collect(),
            sources,
            unsubscribe_url: None,
            postal_address: None,
            web_url: None,
            receipts_url: None,
            price_history: e.price_history.iter().map(history_view).collect(),
            chart: None,
            chart_alt: chart_alt(&e.price_history),
            matchup: e.matchup.as_ref().map(matchup_view),
            frontier: e
                .frontier_changes
                .iter()
                .take(limit)
                .map(|f| {
                    let side = |m: &modelbrief_differ::FrontierModel| {
                        format!(
                            "{} in / {} out per 1M tokens (score {})",
                            money(m.input_per_mtok),
                            money(m.output_per_mtok),
                            score(m.score)
                        )
                    };
                    FrontierView {
                        anchor: anchor("frontier", &[&f.board, &f.now.model]),
                        model: f.now.model.clone(),
                        name: f.now.name.clone(),
                        title: format!(
                            "{}: the cheapest model above {} on {}",
                            f.now.name,
                            score(f.above),
                            f.board_name
                        ),
                        line: format!(
                            "{} is now the cheapest model scoring above {} on {}: {}{}; at the week's start the cheapest was {} at {}",
                            f.now.name,
                            score(f.above),
                            f.board_name,
                            side(&f.now),
                            if f.newly_ranked {
                                ", ranked there for the first time this week"
                            } else if f.newly_priced {
                                ", priced for the first time this week"
                            } else {
                                ""
                            },
                            f.before.name,
                            side(&f.before)
                        ),
                        cited: format!(
                            "scores: {}; prices: {} listing {} and {} listing {}",
                            f.board.split_once(':').map_or("", |(s, _)| s),
                            f.now.price_source,
                            f.now.price_listing,
                            f.before.price_source,
                            f.before.price_listing
                        ),
                    }
                })
                .collect(),
        };
        view.unique_anchors();
        view
    }

    /// Two changes of one kind on one listing cannot happen today; should they, the later one
    /// gets a suffix rather than the same id. In the page's order.
    fn unique_anchors(&mut self) {
        let mut seen = std::collections::HashSet::new();
        let anchors = self
            .new_models
            .iter_mut()
            .map(|v| &mut v.anchor)
            .chain(self.price_changes.iter_mut().map(|v| &mut v.anchor))
            .chain(self.listing_changes.iter_mut().map(|v| &mut v.anchor))
            .chain(
                self.leaderboards
                    .iter_mut()
                    .flat_map(|b| b.shifts.iter_mut().map(|v| &mut v.anchor)),
            )
            .chain(self.context_changes.iter_mut().map(|v| &mut v.anchor))
            .chain(self.speed_changes.iter_mut().map(|v| &mut v.anchor))
            .chain(self.removed_models.iter_mut().map(|v| &mut v.anchor))
            .chain(self.frontier.iter_mut().map(|v| &mut v.anchor));
        for a in anchors {
            let base = a.clone();
            let mut n = 1;
            while !seen.insert(a.clone()) {
                n += 1;
                *a = format!("{base}-{n}");
            }
        }
    }

    /// Shows `chart` (drawn from this edition's price history) at `src`.
    ///
    /// `src` is `cid:…` in mail, a URL on the web and a `data:` URI in a file.
    pub fn attach_chart(&mut self, src: String, (width, height): (u32, u32)) {
        self.chart = Some(ChartView {
            src,
            dark_src: None,
            alt: self.chart_alt.clone(),
            // Shown at the card's content width: Outlook sizes images by these attributes.
            width: CHART_DISPLAY_WIDTH.min(width),
            height: height * CHART_DISPLAY_WIDTH.min(width) / width,
        });
    }
}

impl BriefView {
    /// Offers `src` as the chart for readers in dark mode (after [`BriefView::attach_chart`]).
    pub fn attach_dark_chart(&mut self, src: String) {
        if let Some(c) = &mut self.chart {
            c.dark_src = Some(src);
        }
    }

    /// The view for a self-contained HTML file (`brief --format html`, the demo): the chart,
    /// when there is one, inside the file as a `data:` URI.
    pub fn standalone(e: &Edition) -> Result<Self, crate::chart::ChartError> {
        let mut view = Self::new(e);
        if let Some(chart) = crate::chart::price_history_png(&e.price_history)? {
            view.attach_chart(png_data_uri(&chart.png), (chart.width, chart.height));
        }
        Ok(view)
    }
}

/// Whether the edition shows an Artificial Analysis index anywhere (a new model's scores, a
/// ranking shift, the matchup).
fn uses_artificial_analysis(e: &Edition) -> bool {
    let aa = |benchmark: &str| benchmark.split(':').any(|p| p.starts_with("aa_"));
    e.new_models.iter().any(|m| m.scores.keys().any(|k| aa(k)))
        || e.rank_shifts.iter().any(|s| aa(&s.leaderboard))
        || e.matchup.as_ref().is_some_and(|m| {
            [&m.comparison.a, &m.comparison.b].iter().any(|p| {
                p.benchmarks
                    .keys()
                    .any(|k| k.starts_with("Artificial Analysis"))
            })
        })
}

/// An edition without changes says why: nothing changed in a week that was compared, this
/// week's pulls are the first (nothing to compare yet), or nothing was pulled at all.
fn quiet_line(e: &Edition) -> String {
    if !e.has_no_changes() {
        return String::new();
    }
    let fresh = e
        .sources
        .iter()
        .any(|s| s.last_success.is_some_and(|t| t > e.window.from));
    if !e.compared.is_empty() {
        "A quiet week: no source reported a change that passed our checks.".into()
    } else if fresh {
        "The first pulls on record: this week's data is what the next brief compares against."
            .into()
    } else {
        "No fresh data: no source was pulled successfully this week, so this brief cannot say what changed."
            .into()
    }
}

/// A `data:` URI for a PNG: the chart inside a self-contained HTML file.
pub fn png_data_uri(png: &[u8]) -> String {
    use base64::Engine;
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use modelbrief_domain::Timestamp;

    #[test]
    fn a_context_change_whose_ends_round_alike_is_printed_exactly() {
        let at = Timestamp::parse("2026-06-15T06:00:00Z").unwrap();
        let window = modelbrief_differ::Window { from: at, to: at };
        let mut e = modelbrief_differ::compute(
            "2026-W25",
            window,
            &[],
            &Default::default(),
            &Default::default(),
        );
        let change = |old, new| modelbrief_differ::ContextChange {
            evidence: Vec::new(),
            model: "r1-distill-llama-70b".into(),
            name: "R1 Distill Llama 70B".into(),
            source: "openrouter".into(),
            listing: "deepseek/deepseek-r1-distill-llama-70b".into(),
            old,
            new,
            kind: ChangeKind::Change,
            as_of: at,
            reconciled_with: None,
            elsewhere: Default::default(),
            also: Vec::new(),
        };
        e.context_changes = vec![change(131_072, 128_000), change(128_000, 1_000_000)];
        let v = BriefView::new(&e);
        assert_eq!(
            v.context_changes[0].change,
            "131,072 \u{2192} 128,000 tokens"
        );
        assert_eq!(v.context_changes[1].change, "128K \u{2192} 1M tokens");
    }

    #[test]
    fn a_context_change_names_the_sources_that_disagree_and_the_listings_it_covers() {
        let at = Timestamp::parse("2026-06-29T06:00:00Z").unwrap();
        let window = modelbrief_differ::Window { from: at, to: at };
        let mut e = modelbrief_differ::compute(
            "2026-W27",
            window,
            &[],
            &Default::default(),
            &Default::default(),
        );
        e.context_changes = vec![modelbrief_differ::ContextChange {
            evidence: Vec::new(),
            model: "gpt-5-4-mini".into(),
            name: "gpt-5.4-mini".into(),
            source: "litellm".into(),
            listing: "gpt-5.4-mini".into(),
            old: 272_000,
            new: 1_050_000,
            kind: ChangeKind::Change,
            as_of: at,
            reconciled_with: None,
            elsewhere: [("openrouter".to_owned(), 400_000)].into(),
            also: vec!["gpt-5.4-mini-2026-03-17".into()],
        }];
        assert_eq!(
            BriefView::new(&e).context_changes[0].change,
            "272K \u{2192} 1.05M tokens (also gpt-5.4-mini-2026-03-17); openrouter lists 400K"
        );
    }
}

#[cfg(test)]
mod frontier_tests {
    use super::*;
    use modelbrief_domain::Timestamp;

    #[test]
    fn a_frontier_change_says_both_models_prices_and_scores_and_why_it_is_new() {
        let at = Timestamp::parse("2026-07-13T00:00:00Z").unwrap();
        let window = modelbrief_differ::Window { from: at, to: at };
        let mut e = modelbrief_differ::compute(
            "2026-W28",
            window,
            &[],
            &Default::default(),
            &Default::default(),
        );
        let model = |key: &str, name: &str, score: f64, i: &str, o: &str| {
            modelbrief_differ::FrontierModel {
                model: key.into(),
                name: name.into(),
                score,
                variant: None,
                input_per_mtok: i.parse().unwrap(),
                output_per_mtok: o.parse().unwrap(),
                price_source: "openrouter".into(),
                price_listing: format!("acme/{key}"),
                price_basis: "openrouter".into(),
            }
        };
        e.frontier_changes = vec![modelbrief_differ::FrontierChange {
            board: "livebench:livebench:Coding".into(),
            board_name: "LiveBench Coding".into(),
            above: 70.0,
            now: model("gamma", "Gamma", 71.24, "0.5", "1"),
            before: model("alpha", "Alpha", 75.0, "2", "8"),
            newly_ranked: true,
            newly_priced: false,
            evidence: Vec::new(),
        }];
        let v = BriefView::new(&e);
        assert_eq!(
            v.frontier[0].line,
            "Gamma is now the cheapest model scoring above 70 on LiveBench Coding: $0.5 in / $1 out per 1M tokens (score 71.2), ranked there for the first time this week; at the week's start the cheapest was Alpha at $2 in / $8 out per 1M tokens (score 75)"
        );
        assert_eq!(
            v.frontier[0].cited,
            "scores: livebench; prices: openrouter listing acme/gamma and openrouter listing acme/alpha"
        );
        assert_eq!(
            v.frontier[0].anchor,
            "frontier-livebench-livebench-coding-gamma"
        );
    }
}
