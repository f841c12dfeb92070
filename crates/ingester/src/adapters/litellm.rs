//! LiteLLM's `model_prices_and_context_window.json`: one object keyed by model name.
//!
//! `sample_spec` (documentation) and `last_updated` (added by one recorder) are not models.
//! Only text-generation modes (`chat`, `responses`, `completion`) are kept; the rest are counted
//! as ignored. Prices are floats in USD per token.

use super::{ParseError, json_error, per_token_f64, text};
use modelbrief_domain::{ModelId, ModelKey, Observation, ParsedPull, Provider, RowError};
use serde::Deserialize;

const TEXT_MODES: &[&str] = &["chat", "responses", "completion"];

/// LiteLLM provider names that are the model maker's own API (a first-party listing).
const FIRST_PARTY: &[&str] = &[
    "openai",
    "anthropic",
    "xai",
    "deepseek",
    "mistral",
    "gemini",
    "moonshot",
    "minimax",
    "zai",
    "cohere_chat",
    "cohere",
    "dashscope",
    "ai21",
    "perplexity",
];

#[derive(Deserialize)]
struct Row {
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    litellm_provider: Option<String>,
    #[serde(default)]
    input_cost_per_token: Option<f64>,
    #[serde(default)]
    output_cost_per_token: Option<f64>,
    #[serde(default)]
    max_input_tokens: Option<serde_json::Value>,
    #[serde(default)]
    max_tokens: Option<serde_json::Value>,
    #[serde(default)]
    max_output_tokens: Option<serde_json::Value>,
    #[serde(default)]
    supports_reasoning: Option<bool>,
    #[serde(default)]
    deprecation_date: Option<String>,
}

fn tokens(v: &Option<serde_json::Value>, field: &str) -> Result<Option<u64>, String> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                    .map(|f| f as u64)
            })
            .map(Some)
            .ok_or_else(|| format!("{field}: {n} is not a token count")),
        Some(serde_json::Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{field}: {s:?} is not a token count")),
        Some(other) => Err(format!("{field}: {other} is not a token count")),
    }
}

pub fn parse(body: &[u8]) -> Result<ParsedPull, ParseError> {
    let s = text(body, "JSON")?;
    let doc: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(s).map_err(|e| json_error(&e))?;
    let mut out = ParsedPull::default();
    for (key, value) in doc {
        if key == "sample_spec" || key == "last_updated" {
            out.ignored += 1;
            continue;
        }
        let row: Row = match serde_json::from_value(value) {
            Ok(row) => row,
            Err(e) => {
                out.skipped.push(RowError {
                    at: key,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        if !row.mode.as_deref().is_some_and(|m| TEXT_MODES.contains(&m)) {
            out.ignored += 1;
            continue;
        }
        let obs = observation(&key, row);
        out.record(key, obs);
    }
    Ok(out)
}

fn observation(key: &str, row: Row) -> Result<Observation, String> {
    let model =
        ModelId::from_source_id(key).ok_or_else(|| format!("unusable model name {key:?}"))?;
    let name = key.rsplit('/').next().unwrap_or(key).to_owned();
    let mut obs = Observation::new(key, model, name);
    // `…-latest` names move from model to model: an alias, not a model.
    obs.is_alias = super::is_latest_alias(key);
    let route = row.litellm_provider.unwrap_or_default();
    // A maker selling under its own name is first party too, listed or not above:
    // `morph/morph-v3-large`, `v0/v0-1.5-md` (the route is the model's family).
    let own_family = !route.is_empty()
        && ModelKey::normalise(&route)
            .is_some_and(|r| obs.model.key.as_str().starts_with(&format!("{r}-")));
    if FIRST_PARTY.contains(&route.as_str()) || own_family {
        obs.provider = Provider::normalise(&route);
    }
    obs.route = (!route.is_empty()).then_some(route);
    obs.input_per_mtok = row
        .input_cost_per_token
        .map(per_token_f64)
        .transpose()
        .map_err(|e| format!("input_cost_per_token: {e}"))?;
    obs.output_per_mtok = row
        .output_cost_per_token
        .map(per_token_f64)
        .transpose()
        .map_err(|e| format!("output_cost_per_token: {e}"))?;
    obs.context = match tokens(&row.max_input_tokens, "max_input_tokens")? {
        Some(n) => Some(n),
        None => tokens(&row.max_tokens, "max_tokens")?,
    };
    if let Some(n) = tokens(&row.max_output_tokens, "max_output_tokens")? {
        obs.extras.insert("max_output_tokens", n);
    }
    obs.reasoning = row.supports_reasoning;
    if let Some(d) = row.deprecation_date {
        obs.extras.insert("deprecation_date", d);
    }
    Ok(obs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documentation_keys_and_non_chat_modes_are_not_models() {
        let doc = br#"{"sample_spec":{"mode":"one of: chat"},"last_updated":"2025-06-28T05:07:00Z",
          "text-embedding-3-small":{"mode":"embedding","litellm_provider":"openai","input_cost_per_token":2e-08},
          "claude-sonnet-5":{"mode":"chat","litellm_provider":"anthropic","input_cost_per_token":2e-06,
            "output_cost_per_token":1e-05,"max_input_tokens":1000000,"supports_reasoning":true},
          "fireworks_ai/kimi-k2p7-code":{"mode":"chat","litellm_provider":"fireworks_ai",
            "input_cost_per_token":7.5e-07,"output_cost_per_token":3.5e-06,"max_tokens":"262144"},
          "bad":{"mode":"chat","input_cost_per_token":"x"}}"#;
        let p = parse(doc).unwrap();
        assert_eq!(p.ignored, 3);
        assert_eq!(p.observations.len(), 2);
        let sonnet = &p.observations[0];
        assert_eq!(sonnet.model.to_string(), "claude-sonnet-5");
        assert_eq!(sonnet.input_per_mtok.unwrap().to_string(), "2");
        assert_eq!(sonnet.output_per_mtok.unwrap().to_string(), "10");
        assert_eq!(sonnet.provider.as_ref().unwrap().as_str(), "anthropic");
        let kimi = &p.observations[1];
        assert_eq!(kimi.model.to_string(), "kimi-k2-7-code");
        assert_eq!(kimi.provider, None, "a reseller is not the maker");
        assert_eq!(kimi.route.as_deref(), Some("fireworks_ai"));
        assert_eq!(kimi.context, Some(262144));
        assert_eq!(p.skipped.len(), 1);
        assert_eq!(p.skipped[0].at, "bad");
    }
}
