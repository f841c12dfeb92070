//! Head-to-head: two models' category scores, biggest single-benchmark gap, canonical prices,
//! context and reasoning, from the latest snapshots, with a verdict written from the numbers.
//! Nothing is invented: a score no source publishes is absent, and the verdict says so.

use crate::categories::{OVERALL, best_scores, category_scores};
use crate::facts::{facts, rows_of};
use crate::prices::catalogue;
use crate::rank::{headline_benchmark, leaderboard_name};
use crate::{Settings, SourceInput};
use modelbrief_domain::{ModelKey, SourceKind, present};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the sources say about one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub model: String,
    pub name: String,
    pub provider: Option<String>,
    pub categories: BTreeMap<String, f64>,
    /// Headline benchmark scores, by leaderboard name (best variant).
    pub benchmarks: BTreeMap<String, f64>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub input_per_mtok: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::float_option")]
    pub output_per_mtok: Option<Decimal>,
    pub price_basis: Option<String>,
    pub context: Option<u64>,
    pub reasoning: Option<bool>,
    /// Output speed and time to first token, where a source measures them; `None` otherwise.
    pub speed: Option<Speed>,
}

/// Measured speed of one model, from one source's current snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Speed {
    pub tokens_per_s: Option<f64>,
    pub ttft_s: Option<f64>,
    pub source: String,
    /// When that snapshot was taken.
    pub as_of: modelbrief_domain::Timestamp,
}

/// The speed of `key`: from the first source (by name) that measures it, the base model's row
/// before a variant's, never mixed across sources.
fn speed(sources: &[SourceInput], key: &ModelKey) -> Option<Speed> {
    let mut by_name: Vec<&SourceInput> = sources.iter().collect();
    by_name.sort_by(|a, b| a.name.cmp(&b.name));
    by_name.into_iter().find_map(|s| {
        let snap = s.current.as_ref()?;
        let mut rows: Vec<&modelbrief_domain::Observation> = snap
            .observations
            .iter()
            .filter(|o| &o.model.key == key && (o.tokens_per_s.is_some() || o.ttft_s.is_some()))
            .collect();
        rows.sort_by_key(|o| (o.model.variant.is_some(), o.source_model.clone()));
        let o = rows.first()?;
        Some(Speed {
            tokens_per_s: o.tokens_per_s,
            ttft_s: o.ttft_s,
            source: s.name.clone(),
            as_of: snap.taken_at,
        })
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    pub benchmark: String,
    pub a: f64,
    pub b: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub a: Profile,
    pub b: Profile,
    /// Categories both have: (name, a, b, a - b).
    pub categories: Vec<(String, f64, f64, f64)>,
    pub biggest_gap: Option<Gap>,
    pub verdict: String,
}

/// The profile of `key` from the sources' current snapshots.
pub fn profile(sources: &[SourceInput], key: &ModelKey, settings: &Settings) -> Profile {
    let current: Vec<(&str, SourceKind, &[modelbrief_domain::Observation])> = sources
        .iter()
        .filter_map(|s| {
            Some((
                s.name.as_str(),
                s.kind,
                s.current.as_ref()?.observations.as_slice(),
            ))
        })
        .collect();
    let rows = rows_of(sources, key);
    let scores = best_scores(rows.iter().map(|(_, _, o)| *o));
    let categories = category_scores(
        &settings.categories,
        &scores,
        settings.overall_min_categories,
    )
    .remove(key.as_str())
    .unwrap_or_default()
    .into_iter()
    .map(|(k, v)| (k, present::round1(v.value)))
    .collect();
    let mut benchmarks = BTreeMap::new();
    for (source, kind, o) in &rows {
        for s in o
            .scores
            .iter()
            .filter(|s| headline_benchmark(*kind, &s.benchmark))
        {
            let e = benchmarks
                .entry(leaderboard_name(source, &s.benchmark))
                .or_insert(f64::MIN);
            *e = e.max(s.value);
        }
    }
    let facts = facts(&rows, &catalogue(current.iter().copied()), key);
    let (input_per_mtok, output_per_mtok) = facts.prices();
    Profile {
        model: key.to_string(),
        name: facts
            .name_row
            .map_or_else(|| key.to_string(), |o| o.name.clone()),
        provider: facts.provider.clone(),
        categories,
        benchmarks,
        input_per_mtok,
        output_per_mtok,
        price_basis: facts.price_basis(),
        context: facts.context,
        reasoning: facts.reasoning,
        speed: speed(sources, key),
    }
}

fn blended(p: &Profile) -> Option<Decimal> {
    Some((p.input_per_mtok? + p.output_per_mtok?) / Decimal::from(2))
}

/// Compares two profiles and writes the verdict.
pub fn compare(a: Profile, b: Profile) -> Comparison {
    let categories: Vec<(String, f64, f64, f64)> = a
        .categories
        .iter()
        .filter_map(|(k, va)| {
            b.categories
                .get(k)
                .map(|vb| (k.clone(), *va, *vb, ((va - vb) * 10.0).round() / 10.0))
        })
        .collect();
    let biggest_gap = a
        .benchmarks
        .iter()
        .filter_map(|(k, va)| {
            b.benchmarks.get(k).map(|vb| Gap {
                benchmark: k.clone(),
                a: *va,
                b: *vb,
            })
        })
        .max_by(|x, y| (x.a - x.b).abs().total_cmp(&(y.a - y.b).abs()));
    let mut v = Vec::new();
    let overall = categories.iter().find(|c| c.0 == OVERALL);
    match overall {
        Some((_, x, y, d)) if d.abs() >= 0.5 => {
            let w = if *d > 0.0 { &a } else { &b };
            v.push(format!(
                "{} leads overall ({} vs {})",
                w.name,
                present::score(x.max(*y)),
                present::score(x.min(*y))
            ));
        }
        Some((_, x, _, _)) => v.push(format!(
            "{} and {} are level overall ({})",
            a.name,
            b.name,
            present::score(*x)
        )),
        None => v.push(
            "No overall score covers both models, so this compares what the sources do publish"
                .into(),
        ),
    }
    let a_wins = categories
        .iter()
        .filter(|c| c.0 != OVERALL && c.3 > 0.0)
        .count();
    let b_wins = categories
        .iter()
        .filter(|c| c.0 != OVERALL && c.3 < 0.0)
        .count();
    if a_wins + b_wins > 0 {
        v.push(format!(
            "{} is ahead in {a_wins} of {} shared categories, {} in {b_wins}",
            a.name,
            categories.iter().filter(|c| c.0 != OVERALL).count(),
            b.name
        ));
    }
    if let Some(g) = &biggest_gap {
        let (w, d) = if g.a >= g.b {
            (&a.name, present::round1(g.a) - present::round1(g.b))
        } else {
            (&b.name, present::round1(g.b) - present::round1(g.a))
        };
        v.push(format!(
            "the widest single gap is {} ({w} by {})",
            g.benchmark,
            present::score(d)
        ));
    }
    match (blended(&a), blended(&b)) {
        (Some(x), Some(y)) if x != y && !x.is_zero() && !y.is_zero() => {
            let (cheap, dear, ratio) = if x < y {
                (&a.name, &b.name, y / x)
            } else {
                (&b.name, &a.name, x / y)
            };
            v.push(format!(
                "{dear} costs {} per token (mean of input and output) than {cheap}",
                format_ratio(ratio)
            ));
        }
        (Some(x), Some(y)) if x == y => v.push("they cost the same per token".into()),
        (None, None) => v.push("neither has a listed price".into()),
        (None, _) => v.push(format!("{} has no listed price", a.name)),
        (_, None) => v.push(format!("{} has no listed price", b.name)),
        _ => {}
    }
    if let (Some(x), Some(y)) = (a.context, b.context)
        && x != y
    {
        let (big, n) = if x > y { (&a.name, x) } else { (&b.name, y) };
        v.push(format!(
            "{big} reads more context ({} tokens)",
            present::tokens(n)
        ));
    }
    let mut verdict = v.join("; ");
    if let Some(first) = verdict.get(..1) {
        verdict = first.to_uppercase() + &verdict[1..];
    }
    verdict.push('.');
    Comparison {
        a,
        b,
        categories,
        biggest_gap,
        verdict,
    }
}

/// `2.5 times more`, `30% more`.
fn format_ratio(r: Decimal) -> String {
    let f: f64 = r.to_string().parse().unwrap_or(1.0);
    if f >= 1.95 {
        format!("{f:.1} times more")
    } else {
        format!("{:.0}% more", (f - 1.0) * 100.0)
    }
}

/// The matchup of the week: the new #1 of the most telling leaderboard (the overall category
/// first, then the other categories, then single benchmarks) against the model it displaced.
/// Only a significant change of leader between two different models counts.
pub(crate) fn of_the_week(
    sources: &[SourceInput],
    shifts: &[crate::RankShift],
    settings: &Settings,
) -> Option<crate::Matchup> {
    let overall = format!("category:{OVERALL}");
    let weight = |board: &str| {
        if board == overall {
            0
        } else if board.starts_with("category:") {
            1
        } else {
            2
        }
    };
    let key_of = |id: &str| ModelKey::normalise(id.split(':').next().unwrap_or(id));
    let (shift, new, old) = shifts
        .iter()
        .filter(|s| s.kind == crate::ShiftKind::NewLeader && s.significant)
        .filter_map(|s| {
            let new = key_of(&s.model)?;
            let old = key_of(s.previous_leader.as_deref()?)?;
            (new != old).then_some((s, new, old))
        })
        .min_by_key(|(s, _, _)| (weight(&s.leaderboard), s.leaderboard.clone()))?;
    Some(crate::Matchup {
        leaderboard: shift.leaderboard.clone(),
        leaderboard_name: shift.leaderboard_name.clone(),
        comparison: compare(
            profile(sources, &new, settings),
            profile(sources, &old, settings),
        ),
    })
}
