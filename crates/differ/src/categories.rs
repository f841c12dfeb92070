//! Config-defined categories (BenchLM-style): a weighted mix of benchmark scores per model,
//! computed only where a model has enough of them, and an overall score from category weights.
//!
//! Scores are joined across sources by model key, taking each benchmark's best variant (a
//! model is judged by its best reported effort level, as the leaderboards themselves do).

use modelbrief_domain::Observation;
use std::collections::BTreeMap;

/// One part of a category.
#[derive(Debug, Clone)]
pub struct CategoryPart {
    pub benchmark: String,
    pub weight: f64,
}

/// A category: a weighted mean of benchmarks, needing at least `min_benchmarks` of them.
#[derive(Debug, Clone)]
pub struct CategoryDef {
    pub name: String,
    pub weight: f64,
    pub min_benchmarks: usize,
    pub parts: Vec<CategoryPart>,
}

/// Scores per (model key, benchmark) over the given observations, each scale's from one
/// variant of the model: the variant with the best mean on that scale (LiveBench's xhigh row
/// for all of a model's LiveBench benchmarks, never Data Analysis from `high` and Language
/// from `xhigh`). A category then averages what one configuration of the model scored.
pub(crate) fn best_scores<'a>(
    obs: impl Iterator<Item = &'a Observation>,
) -> BTreeMap<String, BTreeMap<String, f64>> {
    // key → scale → variant → benchmark → best value.
    type Variants = BTreeMap<Option<String>, BTreeMap<String, f64>>;
    let mut by: BTreeMap<String, BTreeMap<String, Variants>> = BTreeMap::new();
    for o in obs.filter(|o| !o.is_alias && !o.model.is_pricing_variant()) {
        for s in &o.scores {
            let e = by
                .entry(o.model.key.to_string())
                .or_default()
                .entry(scale_of(&s.benchmark).to_owned())
                .or_default()
                .entry(o.model.variant.clone())
                .or_default()
                .entry(s.benchmark.clone())
                .or_insert(f64::MIN);
            *e = e.max(s.value);
        }
    }
    by.into_iter()
        .map(|(key, scales)| {
            let mut out = BTreeMap::new();
            for variants in scales.into_values() {
                let mean = |b: &BTreeMap<String, f64>| b.values().sum::<f64>() / b.len() as f64;
                // Most benchmarks first, then the best mean; a tie: the first variant in order.
                if let Some(best) = variants
                    .into_values()
                    .rev()
                    .max_by(|a, b| a.len().cmp(&b.len()).then(mean(a).total_cmp(&mean(b))))
                {
                    out.extend(best);
                }
            }
            (key, out)
        })
        .collect()
}

/// A benchmark present for a model: (name, value, weight in its category).
type Part<'a> = (&'a str, f64, f64);

/// Category scores per model key; `None` entries are never produced (missing means missing).
/// A category score and the benchmarks it was computed from (so a score whose inputs changed
/// is not compared with one whose inputs did not).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CategoryScore {
    pub value: f64,
    pub basis: String,
}

pub(crate) fn category_scores(
    defs: &[CategoryDef],
    scores: &BTreeMap<String, BTreeMap<String, f64>>,
    overall_min: usize,
) -> BTreeMap<String, BTreeMap<String, CategoryScore>> {
    let mut out: BTreeMap<String, BTreeMap<String, CategoryScore>> = BTreeMap::new();
    for (model, bench) in scores {
        let mut cats = BTreeMap::new();
        for def in defs {
            let present: Vec<(&str, f64, f64)> = def
                .parts
                .iter()
                .filter_map(|p| {
                    bench
                        .get(&p.benchmark)
                        .map(|v| (p.benchmark.as_str(), *v, p.weight))
                })
                .collect();
            // One scale per value: LiveBench's 0–100 task means are never averaged with an
            // Artificial Analysis index or an Arena rating. The scale with most of the
            // category's benchmarks present is used (a tie: the one listed first).
            let mut by_scale: Vec<(&str, Vec<Part<'_>>)> = Vec::new();
            for part in present {
                let scale = scale_of(part.0);
                match by_scale.iter_mut().find(|(s, _)| *s == scale) {
                    Some((_, parts)) => parts.push(part),
                    None => by_scale.push((scale, vec![part])),
                }
            }
            let Some(present) = by_scale
                .into_iter()
                .rev()
                .max_by_key(|(_, parts)| parts.len())
                .map(|(_, parts)| parts)
            else {
                continue;
            };
            if present.len() < def.min_benchmarks.max(1) {
                continue;
            }
            let w: f64 = present.iter().map(|(_, _, w)| w).sum();
            if w > 0.0 {
                let v = present.iter().map(|(_, v, w)| v * w).sum::<f64>() / w;
                let basis = present
                    .iter()
                    .map(|(b, _, _)| *b)
                    .collect::<Vec<_>>()
                    .join("+");
                cats.insert(
                    def.name.clone(),
                    // Unrounded: boards rank on the exact mean (84.370 is ahead of 84.356,
                    // though both print as 84.4); only what is printed is rounded.
                    CategoryScore { value: v, basis },
                );
            }
        }
        // The overall score, like a category, stays on one scale: the categories of the scale
        // most of them are on (a tie: the scale of the first category defined).
        let scale_of_cat =
            |c: &CategoryScore| scale_of(c.basis.split('+').next().unwrap_or_default()).to_owned();
        let mut by_scale: Vec<(String, usize)> = Vec::new();
        for d in defs {
            if let Some(c) = cats.get(&d.name) {
                let sc = scale_of_cat(c);
                match by_scale.iter_mut().find(|(s, _)| *s == sc) {
                    Some((_, n)) => *n += 1,
                    None => by_scale.push((sc, 1)),
                }
            }
        }
        let overall_scale = by_scale
            .into_iter()
            .rev()
            .max_by_key(|(_, n)| *n)
            .map(|(s, _)| s);
        let on_scale: BTreeMap<&String, &CategoryScore> = cats
            .iter()
            .filter(|(_, c)| Some(scale_of_cat(c)) == overall_scale)
            .collect();
        if !defs.is_empty() && on_scale.len() >= overall_min.max(1) {
            let weights: BTreeMap<&str, f64> =
                defs.iter().map(|d| (d.name.as_str(), d.weight)).collect();
            let w: f64 = on_scale.keys().map(|k| weights[k.as_str()]).sum();
            if w > 0.0 {
                let v = on_scale
                    .iter()
                    .map(|(k, c)| c.value * weights[k.as_str()])
                    .sum::<f64>()
                    / w;
                let basis = on_scale
                    .iter()
                    .map(|(k, c)| format!("{k}={}", c.basis))
                    .collect::<Vec<_>>()
                    .join(";");
                cats.insert(OVERALL.to_owned(), CategoryScore { value: v, basis });
            }
        }
        if !cats.is_empty() {
            out.insert(model.clone(), cats);
        }
    }
    out
}

/// The scale a benchmark's values are on, named by their publisher: `livebench:Coding` is
/// LiveBench's, `aa_coding_index` Artificial Analysis's, `aider_polyglot` Aider's,
/// `lmarena_text` an Arena rating.
pub fn scale_of(benchmark: &str) -> &str {
    match benchmark.split_once(':') {
        Some((source, _)) => source,
        None => benchmark.split('_').next().unwrap_or(benchmark),
    }
}

/// Name of the overall score among the category scores.
pub const OVERALL: &str = "Overall";

/// The subset of `sets` that most of them contain (ties: the larger, then the first in order):
/// the one basis a board ranks everybody on.
fn dominant<'a>(sets: impl Iterator<Item = Vec<&'a str>>) -> Option<Vec<&'a str>> {
    let sets: Vec<Vec<&str>> = sets.filter(|s| !s.is_empty()).collect();
    let mut candidates = sets.clone();
    candidates.sort();
    candidates.dedup();
    candidates
        .into_iter()
        .map(|c| {
            let n = sets
                .iter()
                .filter(|s| c.iter().all(|x| s.contains(x)))
                .count();
            (n, c.len(), std::cmp::Reverse(c.clone()), c)
        })
        .max()
        .map(|(_, _, _, c)| c)
}

/// Category scores for the category *boards*: each category ranks every model on one basis,
/// the set of its benchmarks most models have (LiveBench's 0–100 task means are never averaged
/// with an index on another scale for some models and not others), and the overall board on
/// the one set of categories most models have. `basis_from` (the current snapshot's scores)
/// chooses the bases, so both ends of the week are ranked on the same ones.
pub(crate) fn board_scores(
    defs: &[CategoryDef],
    basis_from: &BTreeMap<String, BTreeMap<String, f64>>,
    scores: &BTreeMap<String, BTreeMap<String, f64>>,
    overall_min: usize,
) -> BTreeMap<String, BTreeMap<String, CategoryScore>> {
    let board_defs: Vec<CategoryDef> = defs
        .iter()
        .filter_map(|d| {
            let present = basis_from.values().map(|bench| {
                d.parts
                    .iter()
                    .filter(|p| bench.contains_key(&p.benchmark))
                    .map(|p| p.benchmark.as_str())
                    .collect::<Vec<_>>()
            });
            let basis = dominant(present.filter(|s| s.len() >= d.min_benchmarks.max(1)))?;
            Some(CategoryDef {
                name: d.name.clone(),
                weight: d.weight,
                min_benchmarks: basis.len(),
                parts: d
                    .parts
                    .iter()
                    .filter(|p| basis.contains(&p.benchmark.as_str()))
                    .cloned()
                    .collect(),
            })
        })
        .collect();
    let with_overall = |s| category_scores(&board_defs, s, overall_min);
    let chooser = with_overall(basis_from);
    let categories = dominant(
        chooser
            .values()
            .filter(|c| c.contains_key(OVERALL))
            .map(|c| {
                c.keys()
                    .filter(|k| k.as_str() != OVERALL)
                    .map(String::as_str)
                    .collect()
            }),
    );
    let mut out = with_overall(scores);
    for cats in out.values_mut() {
        let overall = categories.as_ref().and_then(|set| {
            let weights: BTreeMap<&str, f64> = board_defs
                .iter()
                .map(|d| (d.name.as_str(), d.weight))
                .collect();
            let parts: Vec<(&CategoryScore, f64)> = set
                .iter()
                .map(|k| Some((cats.get(*k)?, weights[k])))
                .collect::<Option<_>>()?;
            let w: f64 = parts.iter().map(|(_, w)| w).sum();
            (w > 0.0).then(|| CategoryScore {
                value: parts.iter().map(|(c, w)| c.value * w).sum::<f64>() / w,
                basis: set.join("+"),
            })
        });
        cats.remove(OVERALL);
        if let Some(o) = overall {
            cats.insert(OVERALL.to_owned(), o);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str, parts: &[&str], min: usize) -> CategoryDef {
        CategoryDef {
            name: name.into(),
            weight: 1.0,
            min_benchmarks: min,
            parts: parts
                .iter()
                .map(|b| CategoryPart {
                    benchmark: (*b).into(),
                    weight: 1.0,
                })
                .collect(),
        }
    }

    #[test]
    fn a_category_averages_benchmarks_of_one_scale_only() {
        let defs = vec![def(
            "Agentic",
            &[
                "aa_agentic_index",
                "livebench:Agentic Coding",
                "livebench:Tools",
            ],
            1,
        )];
        let scores = BTreeMap::from([
            (
                "both".to_owned(),
                BTreeMap::from([
                    ("aa_agentic_index".to_owned(), 80.6),
                    ("livebench:Agentic Coding".to_owned(), 60.0),
                    ("livebench:Tools".to_owned(), 70.0),
                ]),
            ),
            (
                "one_each".to_owned(),
                BTreeMap::from([
                    ("aa_agentic_index".to_owned(), 80.6),
                    ("livebench:Agentic Coding".to_owned(), 60.0),
                ]),
            ),
        ]);
        let c = category_scores(&defs, &scores, 9);
        let both = &c["both"]["Agentic"];
        assert_eq!(both.value, 65.0, "LiveBench's two, not the index");
        assert_eq!(both.basis, "livebench:Agentic Coding+livebench:Tools");
        let one = &c["one_each"]["Agentic"];
        assert_eq!(
            (one.value, one.basis.as_str()),
            (80.6, "aa_agentic_index"),
            "a tie of scales: the first listed"
        );
        assert_eq!(scale_of("lmarena_text"), "lmarena");
        assert_eq!(scale_of("livebench:IF"), "livebench");
    }

    #[test]
    fn a_models_scores_on_one_scale_come_from_one_variant_and_overall_stays_on_one_scale() {
        use modelbrief_domain::{ModelId, Score};
        let row = |id: &str, scores: &[(&str, f64)]| {
            let mut o = Observation::new(id, ModelId::from_source_id(id).unwrap(), id);
            o.scores = scores
                .iter()
                .map(|(b, v)| Score {
                    benchmark: (*b).into(),
                    category: None,
                    value: *v,
                    ci_low: None,
                    ci_high: None,
                })
                .collect();
            o
        };
        // LiveBench's Claude Fable 5 rows (2026-06-15): Data Analysis is best at high, Language
        // at xhigh; xhigh has the better mean, so both come from xhigh.
        let obs = [
            row(
                "claude-fable-5-high-effort",
                &[
                    ("livebench:Data Analysis", 80.239),
                    ("livebench:Language", 86.3),
                ],
            ),
            row(
                "claude-fable-5-xhigh-effort",
                &[
                    ("livebench:Data Analysis", 80.0),
                    ("livebench:Language", 88.473),
                ],
            ),
            row(
                "anthropic/claude-fable-5",
                &[("aa_intelligence_index", 64.9)],
            ),
        ];
        let scores = best_scores(obs.iter());
        let fable = &scores["claude-fable-5"];
        assert_eq!(fable["livebench:Data Analysis"], 80.0);
        assert_eq!(fable["livebench:Language"], 88.473);
        assert_eq!(
            fable["aa_intelligence_index"], 64.9,
            "another scale keeps its own row"
        );
        let defs = vec![
            def(
                "Knowledge",
                &["livebench:Language", "livebench:Data Analysis"],
                2,
            ),
            def("Reasoning", &["aa_intelligence_index"], 1),
            def("Language", &["livebench:Language"], 1),
        ];
        let cats = category_scores(&defs, &scores, 2);
        let overall = &cats["claude-fable-5"][OVERALL];
        assert_eq!(
            overall.basis,
            "Knowledge=livebench:Language+livebench:Data Analysis;Language=livebench:Language",
            "the AA-based category is left out of a LiveBench overall"
        );
    }

    #[test]
    fn a_category_is_computed_only_where_enough_benchmarks_exist() {
        let defs = vec![def("Coding", &["x:a", "x:b"], 2), def("Math", &["x:c"], 1)];
        let mut scores = BTreeMap::new();
        scores.insert(
            "m1".to_owned(),
            BTreeMap::from([
                ("x:a".to_owned(), 80.0),
                ("x:b".to_owned(), 60.0),
                ("x:c".to_owned(), 50.0),
            ]),
        );
        scores.insert(
            "m2".to_owned(),
            BTreeMap::from([("x:a".to_owned(), 90.0), ("x:c".to_owned(), 40.0)]),
        );
        let cats = category_scores(&defs, &scores, 2);
        assert_eq!(cats["m1"]["Coding"].value, 70.0);
        assert_eq!(cats["m1"]["Coding"].basis, "x:a+x:b");
        assert_eq!(cats["m1"][OVERALL].value, 60.0);
        assert!(
            !cats["m2"].contains_key("Coding"),
            "one of two benchmarks is not enough"
        );
        assert!(
            !cats["m2"].contains_key(OVERALL),
            "one category is not enough for overall"
        );
    }

    #[test]
    fn a_category_board_ranks_everybody_on_the_benchmarks_most_models_have() {
        let defs = vec![def("Agentic", &["livebench", "aa_index"], 1)];
        let model = |pairs: &[(&str, f64)]| -> BTreeMap<String, f64> {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
        };
        let scores = BTreeMap::from([
            // A is also on an index with another scale; on what everybody has, it is last but one.
            (
                "a".to_owned(),
                model(&[("livebench", 60.0), ("aa_index", 80.0)]),
            ),
            ("b".to_owned(), model(&[("livebench", 70.0)])),
            ("c".to_owned(), model(&[("livebench", 50.0)])),
        ]);
        let board = board_scores(&defs, &scores, &scores, 1);
        let value = |m: &str| board[m]["Agentic"].value;
        assert_eq!((value("a"), value("b"), value("c")), (60.0, 70.0, 50.0));
        assert!(board.values().all(|c| c["Agentic"].basis == "livebench"));
        // The overall board, too, is on the one set of categories most models have.
        assert_eq!(board["a"][OVERALL].value, 60.0);
    }
}
