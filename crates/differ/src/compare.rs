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
use std::sync::Arc;

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
    /// Every benchmark's best score (raw names): what a head-to-head recomputes categories
    /// from, on the benchmarks both models have.
    #[serde(skip)]
    pub scores: BTreeMap<String, f64>,
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
            .map(|o| &**o)
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
    let current: Vec<(&str, SourceKind, &[Arc<modelbrief_domain::Observation>])> = sources
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
    let own = scores.get(key.as_str()).cloned().unwrap_or_default();
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
    // The single-benchmark rows show the same variant's values the categories use (one
    // variant per scale, `best_scores`), never a better row of another effort level.
    let mut benchmarks = BTreeMap::new();
    for (source, kind, o) in &rows {
        for s in o.scores.iter().filter(|s| {
            headline_benchmark(*kind, &s.benchmark) && own.get(&s.benchmark) == Some(&s.value)
        }) {
            benchmarks.insert(leaderboard_name(source, &s.benchmark), s.value);
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
        scores: own,
    }
}

fn blended(p: &Profile) -> Option<Decimal> {
    Some((p.input_per_mtok? + p.output_per_mtok?) / Decimal::from(2))
}

/// The categories of two models computed on the benchmarks both have only, so neither is
/// pulled up or down by a benchmark (or a scale) the other was never measured on.
fn shared_categories(
    a: &Profile,
    b: &Profile,
    settings: &Settings,
) -> Vec<(String, f64, f64, f64)> {
    let shared = |x: &Profile, y: &Profile| -> BTreeMap<String, f64> {
        x.scores
            .iter()
            .filter(|(k, _)| y.scores.contains_key(*k))
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    };
    let by_model = BTreeMap::from([
        ("a".to_owned(), shared(a, b)),
        ("b".to_owned(), shared(b, a)),
    ]);
    let cats = category_scores(
        &settings.categories,
        &by_model,
        settings.overall_min_categories,
    );
    let (Some(ca), Some(cb)) = (cats.get("a"), cats.get("b")) else {
        return Vec::new();
    };
    ca.iter()
        .filter_map(|(k, va)| {
            let (va, vb) = (present::round1(va.value), present::round1(cb.get(k)?.value));
            Some((k.clone(), va, vb, present::round1(va - vb)))
        })
        .collect()
}

/// Compares two profiles and writes the verdict: categories on the benchmarks both have, the
/// widest gap relative to its benchmark's own scale (an Arena rating's 30 points are not a
/// wider gap than 20 points of a percentage).
pub fn compare(a: Profile, b: Profile, settings: &Settings) -> Comparison {
    let categories = shared_categories(&a, &b, settings);
    let relative = |g: &Gap| (g.a - g.b).abs() / g.a.abs().max(g.b.abs()).max(1e-9);
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
        .max_by(|x, y| relative(x).total_cmp(&relative(y)));
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
        Some((_, x, y, _)) => v.push(if present::score(*x) == present::score(*y) {
            format!(
                "{} and {} are level overall ({})",
                a.name,
                b.name,
                present::score(*x)
            )
        } else {
            format!(
                "{} and {} are level overall ({} vs {}, within half a point)",
                a.name,
                b.name,
                present::score(*x),
                present::score(*y)
            )
        }),
        None => v.push(
            "No overall score covers both models, so this compares what the sources do publish"
                .into(),
        ),
    }
    // A category within half a point is level, as overall is: a lead of 0.1 on a mean of
    // scores is noise, not a win (84.3 against 84.4 is a tie).
    let lead = |c: &(String, f64, f64, f64)| present::round1(c.1) - present::round1(c.2);
    let a_wins = categories
        .iter()
        .filter(|c| c.0 != OVERALL && present::round1(lead(c)) >= 0.5)
        .count();
    let b_wins = categories
        .iter()
        .filter(|c| c.0 != OVERALL && present::round1(lead(c)) <= -0.5)
        .count();
    let shared = categories.iter().filter(|c| c.0 != OVERALL).count();
    if a_wins + b_wins > 0 {
        let level = shared - a_wins - b_wins;
        v.push(format!(
            "{} is ahead in {a_wins} of {shared} shared categories, {} in {b_wins}{}",
            a.name,
            b.name,
            if level > 0 {
                format!(", level in {level}")
            } else {
                String::new()
            }
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
    // Context windows within 5% of each other (1,048,576 against 1,050,000) are the same size
    // to a reader: no "reads more".
    if let (Some(x), Some(y)) = (a.context, b.context)
        && !present::tokens_alike(x, y)
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
    let key_of = |id: &str| ModelKey::normalise(modelbrief_domain::ModelId::key_of(id));
    let (shift, new, old) = shifts
        .iter()
        .filter(|s| s.kind == crate::ShiftKind::NewLeader && s.significant && !s.rescored)
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
            settings,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CategoryDef, CategoryPart};

    fn profile(name: &str, scores: &[(&str, f64)]) -> Profile {
        Profile {
            model: name.to_lowercase(),
            name: name.into(),
            provider: None,
            categories: BTreeMap::new(),
            benchmarks: scores.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            input_per_mtok: None,
            output_per_mtok: None,
            price_basis: None,
            context: None,
            reasoning: None,
            speed: None,
            scores: scores.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        }
    }

    fn coding() -> Settings {
        Settings {
            categories: vec![CategoryDef {
                name: "Coding".into(),
                weight: 1.0,
                min_benchmarks: 1,
                parts: ["livebench:Coding", "aa_coding_index"]
                    .iter()
                    .map(|b| CategoryPart {
                        benchmark: (*b).into(),
                        weight: 1.0,
                    })
                    .collect(),
            }],
            overall_min_categories: 1,
            ..Settings::default()
        }
    }

    #[test]
    fn a_category_is_compared_on_the_benchmarks_both_models_have() {
        // A is also on a lower-scaled index B was never measured on; on what both have, A leads.
        let a = profile(
            "A",
            &[("livebench:Coding", 70.0), ("aa_coding_index", 40.0)],
        );
        let b = profile("B", &[("livebench:Coding", 65.0)]);
        let c = compare(a, b, &coding());
        let row = c.categories.iter().find(|r| r.0 == "Coding").unwrap();
        assert_eq!((row.1, row.2, row.3), (70.0, 65.0, 5.0));
        assert!(
            c.verdict.starts_with("A leads overall (70 vs 65)"),
            "{}",
            c.verdict
        );
    }

    #[test]
    fn the_widest_gap_is_measured_against_each_benchmark_s_own_scale() {
        let a = profile("A", &[("LMArena text", 1500.0), ("Aider polyglot", 80.0)]);
        let b = profile("B", &[("LMArena text", 1470.0), ("Aider polyglot", 60.0)]);
        let c = compare(a, b, &Settings::default());
        assert_eq!(c.biggest_gap.unwrap().benchmark, "Aider polyglot");
    }
}
