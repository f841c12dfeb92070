//! What the current snapshots say about one model: its rows across sources, display name,
//! maker, canonical price and context, and reasoning flag. Shared by new models and `compare`.

use crate::SourceInput;
use crate::prices::{Catalogue, Listing, canonical};
use modelbrief_domain::{ModelId, ModelKey, Observation, SourceKind};

/// One source row: (source name, kind, observation).
pub(crate) type Row<'a> = (&'a str, SourceKind, &'a Observation);

/// Every non-alias row of `key` in the sources' current snapshots.
pub(crate) fn rows_of<'a>(sources: &'a [SourceInput], key: &ModelKey) -> Vec<Row<'a>> {
    sources
        .iter()
        .filter_map(|s| Some((s, s.current.as_ref()?)))
        .flat_map(|(s, c)| {
            c.observations
                .iter()
                .filter(|o| &o.model.key == key && !o.is_alias)
                .map(move |o| (s.name.as_str(), s.kind, &**o))
        })
        .collect()
}

pub(crate) struct Facts<'a> {
    /// The row whose name to show: OpenRouter's base model, else any base model, else any.
    pub name_row: Option<&'a Observation>,
    pub provider: Option<String>,
    pub priced: Option<Listing<'a>>,
    pub context: Option<u64>,
    pub reasoning: Option<bool>,
}

impl Facts<'_> {
    /// `first_party (litellm: claude-sonnet-5)`.
    pub fn price_basis(&self) -> Option<String> {
        self.priced
            .map(|l| format!("{} ({}: {})", l.basis, l.source, l.obs.source_model))
    }

    /// What the other sources' own listings of the model (first-party or OpenRouter's, not a
    /// reseller's) charge, where it differs from the chosen listing.
    pub fn prices_elsewhere(
        &self,
        catalogue: &Catalogue<'_>,
        key: &ModelKey,
    ) -> std::collections::BTreeMap<String, crate::Price> {
        let mut out = std::collections::BTreeMap::new();
        let Some(chosen) = self.priced else {
            return out;
        };
        let base = ModelId {
            key: key.clone(),
            variant: None,
        };
        let price =
            |o: &Observation| Some((o.input_per_mtok?.decimal(), o.output_per_mtok?.decimal()));
        let Some(mine) = price(chosen.obs) else {
            return out;
        };
        let rows = catalogue.get(&base).map(Vec::as_slice).unwrap_or_default();
        let mut others: Vec<&str> = rows.iter().map(|(s, _, _)| *s).collect();
        others.sort_unstable();
        others.dedup();
        for source in others.into_iter().filter(|s| *s != chosen.source) {
            let own: Vec<Row<'_>> = rows
                .iter()
                .copied()
                .filter(|(s, _, _)| *s == source)
                .collect();
            if let Some(l) = canonical(&own, true).filter(|l| l.basis != "cheapest_route")
                && let Some(theirs) = price(l.obs)
                && theirs != mine
            {
                out.insert(
                    source.to_owned(),
                    crate::Price {
                        input_per_mtok: theirs.0,
                        output_per_mtok: theirs.1,
                    },
                );
            }
        }
        out
    }

    /// The chosen listing's input and output prices per 1M tokens.
    pub fn prices(&self) -> (Option<rust_decimal::Decimal>, Option<rust_decimal::Decimal>) {
        let obs = self.priced.map(|l| l.obs);
        (
            obs.and_then(|o| o.input_per_mtok).map(|p| p.decimal()),
            obs.and_then(|o| o.output_per_mtok).map(|p| p.decimal()),
        )
    }
}

pub(crate) fn facts<'a>(rows: &[Row<'a>], catalogue: &Catalogue<'a>, key: &ModelKey) -> Facts<'a> {
    let base = ModelId {
        key: key.clone(),
        variant: None,
    };
    let listings = catalogue.get(&base);
    let priced = listings
        .and_then(|r| canonical(r, true))
        .or_else(|| variant_listing(catalogue, key, true));
    // Where no row is the base model: the priced listing's name unless it is a preview (so
    // name and price come from one row), else a row that is not a preview.
    let preview = |o: &Observation| {
        o.model
            .variant
            .as_deref()
            .is_some_and(|v| v.split('+').any(|t| t == "preview"))
    };
    let name_row = rows
        .iter()
        .find(|(_, k, o)| *k == SourceKind::Openrouter && o.model.variant.is_none())
        .or_else(|| rows.iter().find(|(_, _, o)| o.model.variant.is_none()))
        .map(|(_, _, o)| *o)
        .or_else(|| priced.map(|l| l.obs).filter(|o| !preview(o)))
        .or_else(|| rows.iter().map(|(_, _, o)| *o).find(|o| !preview(o)))
        .or_else(|| priced.map(|l| l.obs))
        .or_else(|| rows.first().map(|(_, _, o)| *o));
    Facts {
        name_row,
        provider: rows
            .iter()
            .find_map(|(_, _, o)| o.provider.as_ref().map(|p| p.to_string())),
        priced,
        context: listings
            .and_then(|r| canonical(r, false))
            .or_else(|| variant_listing(catalogue, key, false))
            .and_then(|l| l.obs.context),
        reasoning: rows
            .iter()
            .filter_map(|(_, _, o)| o.reasoning)
            .reduce(|a, b| a || b),
    }
}

/// Where a model is listed only as variants (OpenRouter's `qwen3-vl-8b-thinking` and
/// `-instruct`, LiveBench-style effort builds), the canonical listing among its variants that
/// change what the model does, else among its pricing variants (`:free`).
fn variant_listing<'a>(
    catalogue: &Catalogue<'a>,
    key: &ModelKey,
    priced: bool,
) -> Option<Listing<'a>> {
    let rows = |pricing: bool| -> Vec<Row<'a>> {
        crate::prices::of_key(catalogue, key)
            .filter(|(id, _)| id.is_pricing_variant() == pricing)
            .flat_map(|(_, r)| r.iter().copied())
            .collect()
    };
    canonical(&rows(false), priced).or_else(|| canonical(&rows(true), priced))
}
