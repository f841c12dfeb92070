//! Is a parsed pull fit to diff against? The one place that decides quarantine.
//!
//! A pull is quarantined (stored as such, never used as a snapshot) when it has no rows, when
//! too many rows could not be read, when it lost more than a share of the last healthy pull's
//! rows, or when most prices moved at once. A mass move of one *score* (a methodology change
//! such as the Artificial Analysis rescale in OpenRouter on 2026-06-22) is real news that
//! persists, so it is accepted with a notice naming the benchmark, and the differ reports it
//! once instead of as hundreds of rank shifts.

use modelbrief_domain::{Observation, ParsedPull, PullNotice};
use std::collections::{BTreeMap, HashMap};

/// Thresholds, from configuration (`[quarantine]` is this type).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HealthPolicy {
    /// Largest share of the last healthy pull's rows that may vanish (default 0.30).
    pub max_row_loss: f64,
    /// Largest share of rows that may fail to parse (default 0.10).
    pub max_skipped: f64,
    /// Share of common priced models whose price moved that counts as a mass change (0.5).
    pub mass_price_share: f64,
    /// Share of common scored models whose score moved by more than `mass_score_delta`
    /// (relative) that counts as a rescale (0.5).
    pub mass_score_share: f64,
    pub mass_score_delta: f64,
    /// Mass-change checks need at least this many common models (10).
    pub mass_min_models: usize,
}

impl Default for HealthPolicy {
    fn default() -> Self {
        Self {
            max_row_loss: 0.30,
            max_skipped: 0.10,
            mass_price_share: 0.5,
            mass_score_share: 0.5,
            mass_score_delta: 0.05,
            mass_min_models: 10,
        }
    }
}

impl HealthPolicy {
    /// The policy for one kind of source. Epoch AI recalibrates its whole index between
    /// releases by a few percent (268 of 282 common models on 2026-04-11): any change of most
    /// scores at once is that recalibration, so for it "moved" means changed at all.
    pub fn for_kind(&self, kind: modelbrief_domain::SourceKind) -> HealthPolicy {
        match kind {
            modelbrief_domain::SourceKind::Epoch => HealthPolicy {
                mass_score_delta: 0.0,
                ..self.clone()
            },
            _ => self.clone(),
        }
    }
}

/// The decision on a pull.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Healthy { notices: Vec<PullNotice> },
    Quarantined { reason: String },
}

/// Judges `current` against the observations of the last healthy snapshot, if any.
/// `accept_mass_change` lets an operator accept a mass price change they have checked.
pub fn assess(
    previous: Option<&[Observation]>,
    current: &ParsedPull,
    policy: &HealthPolicy,
    accept_mass_change: bool,
) -> Verdict {
    let rows = current.observations.len();
    let skipped = current.skipped.len();
    if rows == 0 {
        let why = current
            .skipped
            .first()
            .map_or_else(String::new, |e| format!("; first: {}: {}", e.at, e.reason));
        return Verdict::Quarantined {
            reason: format!("no usable rows ({skipped} unreadable{why})"),
        };
    }
    let share_skipped = skipped as f64 / (rows + skipped) as f64;
    if share_skipped > policy.max_skipped {
        let first = &current.skipped[0];
        return Verdict::Quarantined {
            reason: format!(
                "partial pull: {skipped} of {} rows unreadable ({:.0}% > {:.0}%); first: {}: {}",
                rows + skipped,
                share_skipped * 100.0,
                policy.max_skipped * 100.0,
                first.at,
                first.reason
            ),
        };
    }
    let Some(previous) = previous else {
        return Verdict::Healthy {
            notices: Vec::new(),
        };
    };
    // Rows are matched case-blind, as identity folds case: a source that re-cases its ids
    // lost nothing.
    let now: HashMap<String, &Observation> = current
        .observations
        .iter()
        .map(|o| (o.source_model.to_lowercase(), o))
        .collect();
    let lost = previous
        .iter()
        .filter(|o| !now.contains_key(&o.source_model.to_lowercase()))
        .count();
    if !previous.is_empty() {
        let loss = lost as f64 / previous.len() as f64;
        if loss > policy.max_row_loss {
            return Verdict::Quarantined {
                reason: format!(
                    "lost {lost} of {} rows since the last healthy pull ({:.0}% > {:.0}%)",
                    previous.len(),
                    loss * 100.0,
                    policy.max_row_loss * 100.0
                ),
            };
        }
    }
    let pairs: Vec<(&Observation, &Observation)> = previous
        .iter()
        .filter(|o| !o.is_alias)
        .filter_map(|o| now.get(&o.source_model.to_lowercase()).map(|n| (o, *n)))
        .collect();

    let priced: Vec<_> = pairs
        .iter()
        .filter(|(a, b)| a.input_per_mtok.is_some() && b.input_per_mtok.is_some())
        .collect();
    let moved = priced
        .iter()
        .filter(|(a, b)| {
            a.input_per_mtok != b.input_per_mtok || a.output_per_mtok != b.output_per_mtok
        })
        .count();
    if !accept_mass_change
        && priced.len() >= policy.mass_min_models
        && moved as f64 / priced.len() as f64 > policy.mass_price_share
    {
        return Verdict::Quarantined {
            reason: format!(
                "implausible mass price change: {moved} of {} models moved at once \
                 (accept with `ingest --accept-mass-change` if it is real)",
                priced.len()
            ),
        };
    }

    let mut per_benchmark: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (a, b) in &pairs {
        for s in &a.scores {
            if let Some(n) = b.score(&s.benchmark) {
                let e = per_benchmark.entry(s.benchmark.as_str()).or_default();
                e.0 += 1;
                let scale = s.value.abs().max(1e-9);
                if (n.value - s.value).abs() / scale > policy.mass_score_delta {
                    e.1 += 1;
                }
            }
        }
    }
    let notices = per_benchmark
        .into_iter()
        .filter(|(_, (common, moved))| {
            *common >= policy.mass_min_models
                && *moved as f64 / *common as f64 > policy.mass_score_share
        })
        .map(|(b, (common, moved))| PullNotice::Rescaled {
            benchmark: b.to_owned(),
            moved,
            common,
        })
        .collect();
    Verdict::Healthy { notices }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modelbrief_domain::{ModelId, PricePerMTok, RowError, Score};

    fn obs(i: usize, price: &str, score: f64) -> Observation {
        let mut o = Observation::new(
            format!("m{i}"),
            ModelId::from_source_id(&format!("m{i}")).unwrap(),
            "M",
        );
        o.input_per_mtok = Some(PricePerMTok::parse(price).unwrap());
        o.output_per_mtok = o.input_per_mtok;
        o.scores.push(Score {
            benchmark: "b".into(),
            category: None,
            value: score,
            ci_low: None,
            ci_high: None,
        });
        o
    }

    fn pull(obs: Vec<Observation>) -> ParsedPull {
        ParsedPull {
            observations: obs,
            ..ParsedPull::default()
        }
    }

    #[test]
    fn losing_half_the_rows_is_quarantined_and_losing_a_few_is_not() {
        let prev: Vec<_> = (0..20).map(|i| obs(i, "1", 50.0)).collect();
        let half = pull(prev[..10].to_vec());
        assert!(matches!(
            assess(Some(&prev), &half, &HealthPolicy::default(), false),
            Verdict::Quarantined { .. }
        ));
        let most = pull(prev[..18].to_vec());
        assert!(matches!(
            assess(Some(&prev), &most, &HealthPolicy::default(), false),
            Verdict::Healthy { .. }
        ));
    }

    #[test]
    fn most_prices_moving_at_once_is_quarantined_unless_accepted() {
        let prev: Vec<_> = (0..20).map(|i| obs(i, "1", 50.0)).collect();
        let cur = pull((0..20).map(|i| obs(i, "1000000", 50.0)).collect());
        match assess(Some(&prev), &cur, &HealthPolicy::default(), false) {
            Verdict::Quarantined { reason } => assert!(reason.contains("20 of 20"), "{reason}"),
            v => panic!("{v:?}"),
        }
        assert!(matches!(
            assess(Some(&prev), &cur, &HealthPolicy::default(), true),
            Verdict::Healthy { .. }
        ));
    }

    #[test]
    fn a_mass_score_rescale_is_accepted_with_a_notice_naming_the_benchmark() {
        let prev: Vec<_> = (0..20).map(|i| obs(i, "1", 50.0)).collect();
        let cur = pull((0..20).map(|i| obs(i, "1", 70.0)).collect());
        assert_eq!(
            assess(Some(&prev), &cur, &HealthPolicy::default(), false),
            Verdict::Healthy {
                notices: vec![PullNotice::Rescaled {
                    benchmark: "b".into(),
                    moved: 20,
                    common: 20
                }]
            }
        );
    }

    #[test]
    fn a_pull_with_too_many_unreadable_rows_is_quarantined_as_partial() {
        let mut cur = pull((0..5).map(|i| obs(i, "1", 1.0)).collect());
        cur.skipped = (0..5)
            .map(|i| RowError {
                at: format!("row {i}"),
                reason: "bad".into(),
            })
            .collect();
        match assess(None, &cur, &HealthPolicy::default(), false) {
            Verdict::Quarantined { reason } => {
                assert!(reason.starts_with("partial pull"), "{reason}")
            }
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn an_empty_pull_is_never_healthy() {
        assert!(matches!(
            assess(
                None,
                &ParsedPull::default(),
                &HealthPolicy::default(),
                false
            ),
            Verdict::Quarantined { .. }
        ));
    }
}
