//! `modelbrief history KEY [--at DATE]`: one model's record over every stored pull.
//!
//! Every listing of the model (each source's own row id: a catalogue's routes and free tiers, a
//! leaderboard's effort variants) as dated periods of unchanged price, context and scores. A
//! period runs from the first healthy pull that showed those facts to the first healthy pull
//! that showed something else or no longer listed the row; a period still running has no end.
//! Failed and quarantined pulls vouch for nothing, so they neither end nor start a period.
//! With `--at`, each listing's facts as they stood at that moment: the price at a date.
//!
//! Input is resolved as `compare` and `models show` resolve it: any source id, name or alias.

use crate::config::{ConfigError, Loaded};
use modelbrief_domain::Timestamp;
use modelbrief_domain::present;
use modelbrief_store::Store;
pub use modelbrief_store::{Listing, Period};
use serde::Serialize;

/// A model's history, as `history --format json` prints it.
#[derive(Debug, Serialize)]
pub struct History {
    pub key: String,
    pub name: Option<String>,
    pub provider: Option<String>,
    pub first_seen: Option<Timestamp>,
    /// The moment asked about with `--at`; every listing then holds the one period covering it.
    pub at: Option<Timestamp>,
    pub listings: Vec<Listing>,
}

/// Reads `--at`: an RFC 3339 moment, or a date meaning the end of that day (UTC).
pub fn parse_at(input: &str) -> Result<Timestamp, ConfigError> {
    if let Ok(t) = Timestamp::parse(input) {
        return Ok(t);
    }
    chrono::NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|t| Timestamp::from_datetime(t.and_utc()))
        .ok_or_else(|| {
            ConfigError(format!(
                "--at {input:?}: expected a date (2026-06-20) or an RFC 3339 time (2026-06-20T12:00:00Z)"
            ))
        })
}

/// `history INPUT [--at AT]`.
pub async fn history(
    store: &Store,
    loaded: &Loaded,
    input: &str,
    at: Option<Timestamp>,
) -> anyhow::Result<History> {
    let shown = crate::models::show(store, loaded, input).await?;
    let record = store.model_history(&shown.key).await?;
    Ok(build(shown, record, at))
}

fn build(
    shown: crate::models::Shown,
    record: modelbrief_store::ModelHistory,
    at: Option<Timestamp>,
) -> History {
    let mut listings = record.listings();
    if let Some(at) = at {
        for l in &mut listings {
            l.periods.retain(|p| p.covers(at));
        }
        listings.retain(|l| !l.periods.is_empty());
    }
    History {
        key: shown.key,
        name: shown.name,
        provider: shown.provider,
        first_seen: shown.first_seen,
        at,
        listings,
    }
}

/// `history` as text.
pub fn history_text(h: &History) -> String {
    let mut out = format!(
        "{}  {}{}\n",
        h.key,
        h.name.as_deref().unwrap_or("(no stored name)"),
        h.provider
            .as_deref()
            .map(|p| format!(" by {p}"))
            .unwrap_or_default()
    );
    match h.at {
        Some(at) => out.push_str(&format!(
            "as stored at {at}: {} listings\n",
            h.listings.len()
        )),
        None => out.push_str(&format!(
            "{} listings over every stored pull\n",
            h.listings.len()
        )),
    }
    if h.listings.is_empty() {
        out.push_str("\nno source listed this model then\n");
    }
    for l in &h.listings {
        let about = l.about();
        out.push_str(&format!(
            "\n{}  {}{}\n",
            l.source,
            l.source_model,
            if about.is_empty() {
                String::new()
            } else {
                format!(" ({})", about.join(", "))
            }
        ));
        for p in &l.periods {
            // Periods within one day (6-hourly pulls) need the time to be told apart.
            let short = p
                .until
                .is_some_and(|u| present::date(u) == present::date(p.from));
            let when = |t: Timestamp| {
                if short {
                    t.datetime().format("%Y-%m-%d %H:%M").to_string()
                } else {
                    present::date(t)
                }
            };
            // A running period says how recent the knowledge is, not "now": a source that
            // stopped being pulled leaves its last period running.
            let span = match p.until {
                Some(u) => format!("{} → {}", when(p.from), when(u)),
                None => format!("{} → {} (still listed)", when(p.from), when(p.last_seen)),
            };
            out.push_str(&format!("  {span:<26} {}\n", facts(p)));
        }
    }
    out
}

fn facts(p: &Period) -> String {
    let mut facts = Vec::new();
    if p.input_per_mtok.is_some() || p.output_per_mtok.is_some() {
        facts.push(format!(
            "{} in / {} out",
            p.input_per_mtok
                .map_or_else(|| "?".into(), present::money_exact),
            p.output_per_mtok
                .map_or_else(|| "?".into(), present::money_exact)
        ));
    }
    if let Some(c) = p.context {
        facts.push(format!("context {}", present::tokens(c)));
    }
    if !p.scores.is_empty() {
        facts.push(
            p.scores
                .iter()
                .map(|(b, v)| format!("{b} {}", present::score(*v)))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if facts.is_empty() {
        "listed, no price, context or score".to_owned()
    } else {
        facts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modelbrief_domain::{ModelId, Observation, PricePerMTok};
    use modelbrief_store::{HealthyPull, ModelHistory};

    fn listing(id: &str, input: &str, extra: &str) -> Observation {
        let mut o = Observation::new(id, ModelId::from_source_id(id).unwrap(), "Kimi K2.6");
        o.input_per_mtok = Some(PricePerMTok::parse(input).unwrap());
        // A fact history does not follow (a description, a licence): it must not split a period.
        o.extras.insert("licence", serde_json::json!(extra));
        o
    }

    fn at(day: u32) -> Timestamp {
        Timestamp::parse(&format!("2026-06-{day:02}T20:00:00Z")).unwrap()
    }

    fn shown() -> crate::models::Shown {
        crate::models::Shown {
            key: "kimi-k2-6".into(),
            name: Some("Kimi K2.6".into()),
            provider: None,
            first_seen: None,
            rows: Vec::new(),
            spellings: Vec::new(),
            alias_entries: Vec::new(),
        }
    }

    /// Rows 1–3 of one listing; snapshot n holds the rows listed for it; one pull per day.
    fn record(snapshots: &[&[i64]], pulls: &[i64]) -> ModelHistory {
        ModelHistory {
            observations: vec![
                (1, listing("moonshotai/kimi-k2.6", "0.66", "a")),
                (2, listing("moonshotai/kimi-k2.6", "0.66", "b")),
                (3, listing("moonshotai/kimi-k2.6", "0.55", "b")),
            ],
            members: snapshots
                .iter()
                .enumerate()
                .flat_map(|(s, rows)| rows.iter().map(move |r| (s as i64 + 10, *r)))
                .collect(),
            pulls: pulls
                .iter()
                .enumerate()
                .map(|(day, s)| HealthyPull {
                    source: "openrouter".into(),
                    started_at: at(day as u32 + 1),
                    snapshot_id: s + 10,
                })
                .collect(),
        }
    }

    #[test]
    fn a_price_move_a_gap_and_a_return_are_dated_periods_and_other_facts_do_not_split_them() {
        // Day 1 row 1; day 2 row 2 (same price, other licence); day 3 unchanged; day 4 row 3
        // (a cut); day 5 unlisted; day 6 row 3 again.
        let h = build(
            shown(),
            record(&[&[1], &[2], &[3], &[]], &[0, 1, 1, 2, 3, 2]),
            None,
        );
        assert_eq!(h.listings.len(), 1);
        let spans: Vec<(Timestamp, Option<Timestamp>, String)> = h.listings[0]
            .periods
            .iter()
            .map(|p| (p.from, p.until, p.input_per_mtok.unwrap().to_string()))
            .collect();
        assert_eq!(
            spans,
            [
                (at(1), Some(at(4)), "0.66".to_owned()),
                (at(4), Some(at(5)), "0.55".to_owned()),
                (at(6), None, "0.55".to_owned()),
            ]
        );
        assert_eq!(
            h.listings[0].periods[0].last_seen,
            at(3),
            "seen unchanged on day 3, gone on day 4"
        );
        let text = history_text(&h);
        assert!(
            text.contains("2026-06-01 → 2026-06-04") && text.contains("$0.66 in / ? out"),
            "{text}"
        );
        assert!(
            text.contains("2026-06-06 → 2026-06-06 (still listed)"),
            "{text}"
        );
    }

    #[test]
    fn at_a_date_each_listing_shows_the_one_period_covering_it_and_unlisted_days_show_none() {
        let r = || record(&[&[1], &[3], &[]], &[0, 1, 2]);
        let mid = build(shown(), r(), Some(parse_at("2026-06-02").unwrap()));
        assert_eq!(mid.listings.len(), 1);
        assert_eq!(mid.listings[0].periods.len(), 1);
        assert_eq!(
            mid.listings[0].periods[0]
                .input_per_mtok
                .unwrap()
                .to_string(),
            "0.55",
            "the end of 2026-06-02 is after that day's 20:00 pull"
        );
        let before = build(shown(), r(), Some(parse_at("2026-05-31").unwrap()));
        assert!(before.listings.is_empty());
        let gone = build(
            shown(),
            r(),
            Some(parse_at("2026-06-03T21:00:00Z").unwrap()),
        );
        assert!(gone.listings.is_empty(), "unlisted on day 3");
        assert!(history_text(&gone).contains("no source listed this model then"));
    }

    #[test]
    fn an_unreadable_at_says_what_it_expected() {
        let e = parse_at("last tuesday").unwrap_err();
        assert!(
            e.0.contains("--at \"last tuesday\"") && e.0.contains("2026-06-20"),
            "{}",
            e.0
        );
    }
}
