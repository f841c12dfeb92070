//! Large changes of measured speed (output tokens per second) and latency (time to first
//! token) on a listing, where a source measures them (Artificial Analysis, a speed table).
//! Speeds are medians of noisy measurements: only a move of at least [`SPEED_THRESHOLD_PCT`]
//! on the same listing at both ends of the week is reported.

use crate::{SourceInput, SpeedChange, SpeedMetric};
use std::collections::BTreeMap;

/// The smallest relative move reported.
pub const SPEED_THRESHOLD_PCT: f64 = 25.0;

pub(crate) fn changes(sources: &[SourceInput]) -> Vec<SpeedChange> {
    let mut out = Vec::new();
    for s in sources {
        let (Some(b), Some(c)) = (&s.baseline, &s.current) else {
            continue;
        };
        if b.id == c.id {
            continue;
        }
        let before: BTreeMap<&str, &modelbrief_domain::Observation> = b
            .observations
            .iter()
            .map(|o| (o.source_model.as_str(), &**o))
            .collect();
        for o in &c.observations {
            let Some(old) = before.get(o.source_model.as_str()) else {
                continue;
            };
            for (metric, was, now) in [
                (SpeedMetric::TokensPerS, old.tokens_per_s, o.tokens_per_s),
                (SpeedMetric::TtftS, old.ttft_s, o.ttft_s),
            ] {
                let (Some(was), Some(now)) = (was, now) else {
                    continue;
                };
                if was <= 0.0 {
                    continue;
                }
                let pct = (now - was) / was * 100.0;
                if pct.abs() >= SPEED_THRESHOLD_PCT {
                    out.push(SpeedChange {
                        evidence: Vec::new(),
                        model: o.model.to_string(),
                        name: o.name.clone(),
                        source: s.name.clone(),
                        listing: o.source_model.clone(),
                        metric,
                        old: was,
                        new: now,
                        pct: (pct * 10.0).round() / 10.0,
                        as_of: c.taken_at,
                    });
                }
            }
        }
    }
    // Biggest moves first, then by name, so the same inputs give the same order.
    out.sort_by(|a, b| {
        b.pct
            .abs()
            .total_cmp(&a.pct.abs())
            .then_with(|| (&a.source, &a.listing, a.metric).cmp(&(&b.source, &b.listing, b.metric)))
    });
    out
}
