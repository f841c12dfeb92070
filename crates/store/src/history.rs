//! A model's stored record as dated periods: each listing (a source's own row id) from the
//! first healthy pull that showed its facts — price, context, scores — to the first healthy
//! pull that showed other facts or no longer listed it. Failed and quarantined pulls vouch for
//! nothing, so they neither end nor start a period. `history` and the model page read this.

use crate::ModelHistory;
use modelbrief_domain::{Observation, Timestamp};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One source row id of the model, over time.
#[derive(Debug, Serialize)]
pub struct Listing {
    pub source: String,
    pub source_model: String,
    pub variant: Option<String>,
    pub route: Option<String>,
    pub is_alias: bool,
    /// Oldest first.
    pub periods: Vec<Period>,
}

impl Listing {
    /// What sets the listing apart from the model's plain row: `variant high`, `via azure`,
    /// `moving alias`.
    pub fn about(&self) -> Vec<String> {
        let mut about = Vec::new();
        if let Some(v) = &self.variant {
            about.push(format!("variant {v}"));
        }
        if let Some(r) = &self.route {
            about.push(format!("via {r}"));
        }
        if self.is_alias {
            about.push("moving alias".to_owned());
        }
        about
    }
}

/// A stretch of pulls over which the listing's facts did not change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    /// The first healthy pull that showed these facts.
    pub from: Timestamp,
    /// The first healthy pull that did not; `None` while the source's latest healthy pull
    /// still shows them.
    pub until: Option<Timestamp>,
    /// The last healthy pull that showed them: for a running period, how recent the knowledge
    /// is (a source that stopped being pulled leaves its last period running).
    pub last_seen: Timestamp,
    pub name: String,
    /// US dollars per million tokens, exact, as a decimal string.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub input_per_mtok: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub output_per_mtok: Option<Decimal>,
    pub context: Option<u64>,
    /// Benchmark → score, exactly as stored.
    pub scores: BTreeMap<String, f64>,
}

impl Period {
    fn of(o: &Observation, from: Timestamp) -> Self {
        Self {
            from,
            until: None,
            last_seen: from,
            name: o.name.clone(),
            input_per_mtok: o.input_per_mtok.map(|p| p.decimal().normalize()),
            output_per_mtok: o.output_per_mtok.map(|p| p.decimal().normalize()),
            context: o.context,
            scores: o
                .scores
                .iter()
                .map(|s| (s.benchmark.clone(), s.value))
                .collect(),
        }
    }

    /// Same facts, whatever the dates.
    fn same_facts(&self, other: &Self) -> bool {
        (
            &self.name,
            self.input_per_mtok,
            self.output_per_mtok,
            self.context,
            &self.scores,
        ) == (
            &other.name,
            other.input_per_mtok,
            other.output_per_mtok,
            other.context,
            &other.scores,
        )
    }

    /// Whether the period was running at `at`.
    pub fn covers(&self, at: Timestamp) -> bool {
        self.from <= at && self.until.is_none_or(|u| at < u)
    }
}

impl ModelHistory {
    /// Every listing of the model with its periods, oldest first, by (source, row id).
    pub fn listings(&self) -> Vec<Listing> {
        let record = self;
        let rows: HashMap<i64, &Observation> =
            record.observations.iter().map(|(id, o)| (*id, o)).collect();
        let mut members: HashMap<i64, Vec<i64>> = HashMap::new();
        for (snapshot, row) in &record.members {
            members.entry(*snapshot).or_default().push(*row);
        }
        // (source, source row id) → the listing, built pull by pull.
        let mut listings: BTreeMap<(String, String), Listing> = BTreeMap::new();
        for (source, pulls) in record
            .pulls
            .chunk_by(|a, b| a.source == b.source)
            .map(|c| (c[0].source.as_str(), c))
        {
            let mut last_snapshot = None;
            for pull in pulls {
                if last_snapshot == Some(pull.snapshot_id) {
                    // The same content again: every listing it shows was seen once more.
                    for ((s, _), listing) in listings.iter_mut() {
                        if let Some(p) = listing.periods.last_mut()
                            && s == source
                            && p.until.is_none()
                        {
                            p.last_seen = pull.started_at;
                        }
                    }
                    continue;
                }
                last_snapshot = Some(pull.snapshot_id);
                let shown_now: BTreeMap<&str, &Observation> = members
                    .get(&pull.snapshot_id)
                    .into_iter()
                    .flatten()
                    .filter_map(|id| rows.get(id))
                    .map(|o| (o.source_model.as_str(), *o))
                    .collect();
                // Listings this source had running that this pull no longer shows end here.
                for ((s, id), listing) in listings.iter_mut() {
                    if s != source || shown_now.contains_key(id.as_str()) {
                        continue;
                    }
                    if let Some(p) = listing.periods.last_mut()
                        && p.until.is_none()
                    {
                        p.until = Some(pull.started_at);
                    }
                }
                for (id, o) in shown_now {
                    let period = Period::of(o, pull.started_at);
                    let listing = listings
                        .entry((source.to_owned(), id.to_owned()))
                        .or_insert_with(|| Listing {
                            source: source.to_owned(),
                            source_model: id.to_owned(),
                            variant: None,
                            route: None,
                            is_alias: false,
                            periods: Vec::new(),
                        });
                    listing.variant.clone_from(&o.model.variant);
                    listing.route.clone_from(&o.route);
                    listing.is_alias = o.is_alias;
                    match listing.periods.last_mut() {
                        Some(p) if p.until.is_none() && p.same_facts(&period) => {
                            p.last_seen = pull.started_at;
                        }
                        Some(p) if p.until.is_none() => {
                            p.until = Some(pull.started_at);
                            listing.periods.push(period);
                        }
                        _ => listing.periods.push(period),
                    }
                }
            }
        }
        listings.into_values().collect()
    }
}
