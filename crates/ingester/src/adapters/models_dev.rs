//! models.dev's catalogue (`https://models.dev/api.json`, MIT): an object keyed by provider,
//! each with `models` keyed by model id; `cost` in USD per 1M tokens, `limit.context`,
//! `reasoning`, `release_date`, `open_weights`.
//!
//! Every provider/model pair is a listing of its own (`deepseek/deepseek-v4-pro`,
//! `zenmux/deepseek/deepseek-v4-pro`), routed through its provider; the canonical-price rules
//! pick among them as among any catalogue's. A `0`/`0` cost means "not priced" (hundreds of
//! entries carry it), not free.

use super::{ParseError, json_error, text};
use modelbrief_domain::{ModelId, Observation, ParsedPull, PricePerMTok, Provider};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct ProviderEntry {
    #[serde(default)]
    models: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct Model {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    cost: Option<Cost>,
    #[serde(default)]
    limit: Option<Limit>,
    #[serde(default)]
    reasoning: Option<bool>,
    #[serde(default)]
    release_date: Option<String>,
    #[serde(default)]
    open_weights: Option<bool>,
}

#[derive(Deserialize)]
struct Cost {
    #[serde(default)]
    input: Option<f64>,
    #[serde(default)]
    output: Option<f64>,
}

#[derive(Deserialize)]
struct Limit {
    #[serde(default)]
    context: Option<u64>,
}

/// Providers that make the models they list (their listing is first party).
const MAKERS: &[&str] = &[
    "openai",
    "anthropic",
    "google",
    "deepseek",
    "mistral",
    "xai",
    "moonshotai",
    "zai",
    "alibaba",
    "minimax",
    "cohere",
    "amazon-bedrock",
    "meta",
    "inception",
    "xiaomi",
];

fn price(v: Option<f64>, field: &str) -> Result<Option<PricePerMTok>, String> {
    let Some(v) = v else { return Ok(None) };
    PricePerMTok::from_per_mtok_f64(v)
        .map(Some)
        .map_err(|e| format!("cost.{field}: {e}"))
}

pub fn parse(body: &[u8]) -> Result<ParsedPull, ParseError> {
    let s = text(body, "JSON")?;
    let doc: BTreeMap<String, ProviderEntry> =
        serde_json::from_str(s).map_err(|e| json_error(&e))?;
    let mut out = ParsedPull::default();
    for (provider, entry) in doc {
        for (id, value) in entry.models {
            let listing = format!("{provider}/{id}");
            let row = serde_json::from_value::<Model>(value)
                .map_err(|e| e.to_string())
                .and_then(|m| observation(&provider, &id, &listing, m));
            out.record(listing, row);
        }
    }
    Ok(out)
}

fn observation(provider: &str, id: &str, listing: &str, m: Model) -> Result<Observation, String> {
    let model = ModelId::from_source_id(id).ok_or("empty model id")?;
    let name = m.name.clone().unwrap_or_else(|| id.to_owned());
    let mut o = Observation::new(listing, model, name);
    o.route = Some(provider.to_owned());
    if MAKERS.contains(&provider) {
        o.provider = Provider::normalise(provider);
    }
    if let Some(c) = m.cost {
        let (input, output) = (price(c.input, "input")?, price(c.output, "output")?);
        let unpriced = |p: Option<PricePerMTok>| p.is_none_or(|p| p.decimal().is_zero());
        // 0/0 is models.dev's "no price known", not a free model.
        if !(unpriced(input) && unpriced(output)) {
            o.input_per_mtok = input;
            o.output_per_mtok = output;
        }
    }
    o.context = m.limit.and_then(|l| l.context).filter(|c| *c > 0);
    o.reasoning = m.reasoning;
    if let Some(d) = m.release_date {
        o.extras.insert("release_date", d);
    }
    if let Some(w) = m.open_weights {
        o.extras.insert("open_weights", w);
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_provider_listing_is_a_row_and_zero_cost_is_unpriced() {
        let doc = r#"{
          "deepseek": {"id": "deepseek", "models": {
            "deepseek-v4-pro": {"id": "deepseek-v4-pro", "name": "DeepSeek V4 Pro",
              "cost": {"input": 1.74, "output": 3.48}, "limit": {"context": 1000000, "output": 384000},
              "reasoning": true, "release_date": "2026-04-24", "open_weights": true}}},
          "zenmux": {"id": "zenmux", "models": {
            "deepseek/deepseek-v4-pro": {"id": "deepseek/deepseek-v4-pro", "name": "DeepSeek V4 Pro",
              "cost": {"input": 0, "output": 0}, "limit": {"context": 1000000}}}}
        }"#;
        let p = parse(doc.as_bytes()).unwrap();
        assert_eq!(p.observations.len(), 2);
        let first = &p.observations[0];
        assert_eq!(first.source_model, "deepseek/deepseek-v4-pro");
        assert_eq!(first.model.key.as_str(), "deepseek-v4-pro");
        assert_eq!(first.provider.as_ref().unwrap().as_str(), "deepseek");
        assert_eq!(first.input_per_mtok.unwrap().decimal().to_string(), "1.74");
        let resold = &p.observations[1];
        assert_eq!(
            resold.model.key.as_str(),
            "deepseek-v4-pro",
            "the same model"
        );
        assert!(resold.provider.is_none());
        assert_eq!(resold.input_per_mtok, None, "0/0 is not free");
        assert_eq!(resold.route.as_deref(), Some("zenmux"));
    }
}
