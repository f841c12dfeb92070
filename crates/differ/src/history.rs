//! The price history behind the brief's chart: a listing's prices at every healthy pull over
//! the weeks before the edition, reduced to the points where they changed.

use crate::{Edition, PriceChange, PriceHistory, PricePoint};
use modelbrief_domain::{Observation, Timestamp};

impl Edition {
    /// The price changes worth a chart: real changes (not corrections), biggest move first.
    pub fn charted_price_changes(&self, max: usize) -> Vec<&PriceChange> {
        let mut out: Vec<&PriceChange> = self
            .price_changes
            .iter()
            .filter(|p| p.kind == crate::ChangeKind::Change)
            .collect();
        out.sort_by(|a, b| {
            b.pct
                .abs()
                .total_cmp(&a.pct.abs())
                .then_with(|| a.model.cmp(&b.model))
        });
        out.truncate(max);
        out
    }
}

/// The history of `change`'s listing from what it said at each pull (oldest first; `None`
/// where the pull did not list it), carried to the last pull: never past what was seen.
pub fn price_history(
    change: &PriceChange,
    pulls: &[(Timestamp, Option<Observation>)],
) -> PriceHistory {
    let mut points: Vec<PricePoint> = Vec::new();
    for (at, obs) in pulls {
        let point = PricePoint {
            at: *at,
            input_per_mtok: obs
                .as_ref()
                .and_then(|o| o.input_per_mtok)
                .map(|p| p.decimal()),
            output_per_mtok: obs
                .as_ref()
                .and_then(|o| o.output_per_mtok)
                .map(|p| p.decimal()),
        };
        let same = points.last().is_some_and(|l| {
            l.input_per_mtok == point.input_per_mtok && l.output_per_mtok == point.output_per_mtok
        });
        if !same {
            points.push(point);
        }
    }
    if let (Some(last), Some((seen, _))) = (points.last().copied(), pulls.last())
        && last.at < *seen
    {
        points.push(PricePoint { at: *seen, ..last });
    }
    PriceHistory {
        model: change.model.clone(),
        name: change.name.clone(),
        source: change.source.clone(),
        listing: change.listing.clone(),
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OldNew;
    use modelbrief_domain::{ModelId, PricePerMTok};

    fn at(day: u32) -> Timestamp {
        Timestamp::parse(&format!("2026-07-{day:02}T06:00:00Z")).unwrap()
    }

    fn priced(input: &str, output: &str) -> Option<Observation> {
        let mut o = Observation::new("m/x", ModelId::from_source_id("m/x").unwrap(), "X");
        o.input_per_mtok = Some(PricePerMTok::parse(input).unwrap());
        o.output_per_mtok = Some(PricePerMTok::parse(output).unwrap());
        Some(o)
    }

    fn change(model: &str, pct: f64, kind: crate::ChangeKind) -> PriceChange {
        PriceChange {
            evidence: Vec::new(),
            model: model.into(),
            name: model.into(),
            source: "openrouter".into(),
            listing: format!("m/{model}"),
            basis: "openrouter".into(),
            input_per_mtok: OldNew {
                old: None,
                new: None,
            },
            output_per_mtok: OldNew {
                old: None,
                new: None,
            },
            pct,
            input_pct: None,
            output_pct: None,
            kind,
            as_of: at(13),
            reconciled_with: None,
            free_listing_kept: None,
        }
    }

    #[test]
    fn unchanged_pulls_collapse_and_the_last_price_is_carried_to_the_last_pull_only() {
        let pulls = vec![
            (at(1), priced("1", "4")),
            (at(2), priced("1", "4")),
            (at(6), priced("2", "8")),
            (at(7), None),
            (at(9), priced("2", "8")),
            (at(12), priced("2", "8")),
        ];
        let h = price_history(&change("x", 100.0, crate::ChangeKind::Change), &pulls);
        let days: Vec<_> = h
            .points
            .iter()
            .map(|p| {
                (
                    p.at.datetime().format("%d").to_string(),
                    p.input_per_mtok.map(|d| d.to_string()),
                )
            })
            .collect();
        assert_eq!(
            days,
            vec![
                ("01".into(), Some("1".into())),
                ("06".into(), Some("2".into())),
                ("07".into(), None),
                ("09".into(), Some("2".into())),
                ("12".into(), Some("2".into())),
            ]
        );
    }

    #[test]
    fn the_chart_takes_the_biggest_real_changes_and_leaves_corrections_out() {
        let mut e = crate::compute(
            "2026-W28",
            crate::Window {
                from: at(6),
                to: at(13),
            },
            &[],
            &Default::default(),
            &Default::default(),
        );
        e.price_changes = vec![
            change("small", 2.5, crate::ChangeKind::Change),
            change("swapped", 900.0, crate::ChangeKind::Correction),
            change("cut", -100.0, crate::ChangeKind::Change),
            change("rise", 40.0, crate::ChangeKind::Change),
        ];
        let models: Vec<_> = e
            .charted_price_changes(2)
            .iter()
            .map(|p| p.model.as_str())
            .collect();
        assert_eq!(models, vec!["cut", "rise"]);
    }
}
