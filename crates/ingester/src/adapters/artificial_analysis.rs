//! Artificial Analysis's API (`GET https://artificialanalysis.ai/api/v2/data/llms/models`,
//! a free key in the `x-api-key` header; attribution required: "Source: Artificial Analysis
//! (artificialanalysis.ai)"): `{"data": [{"id", "name", "slug", "model_creator": {"slug"},
//! "evaluations": {"artificial_analysis_intelligence_index", …}, "pricing":
//! {"price_1m_input_tokens", "price_1m_output_tokens"}, "median_output_tokens_per_second",
//! "median_time_to_first_token_seconds"}]}`.
//!
//! Built from its public documentation and tested on small files written in that shape (no
//! key, so no recorded copy). Rows are keyed on `id` (a slug may be reused); a `0` means "no
//! data", never a zero. The indices carry the same benchmark names as OpenRouter's copies of
//! them, so categories and boards read one scale.

use super::{ParseError, json_error, text};
use modelbrief_domain::{ModelId, Observation, ParsedPull, PricePerMTok, Provider, Score};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Row {
    id: String,
    name: String,
    slug: String,
    #[serde(default)]
    model_creator: Option<Creator>,
    #[serde(default)]
    evaluations: BTreeMap<String, Option<f64>>,
    #[serde(default)]
    pricing: BTreeMap<String, Option<f64>>,
    #[serde(default)]
    median_output_tokens_per_second: Option<f64>,
    #[serde(default)]
    median_time_to_first_token_seconds: Option<f64>,
}

#[derive(Deserialize)]
struct Creator {
    #[serde(default)]
    slug: Option<String>,
}

/// The API's evaluation fields and the benchmark names they are stored under.
const INDICES: &[(&str, &str)] = &[
    (
        "artificial_analysis_intelligence_index",
        "aa_intelligence_index",
    ),
    ("artificial_analysis_coding_index", "aa_coding_index"),
    ("artificial_analysis_math_index", "aa_math_index"),
    ("artificial_analysis_agentic_index", "aa_agentic_index"),
];

/// A measured value: `0` (and anything not positive) is "no data".
fn measured(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite() && *v > 0.0)
}

fn price(v: Option<f64>) -> Result<Option<PricePerMTok>, String> {
    let Some(v) = measured(v) else {
        return Ok(None);
    };
    PricePerMTok::from_per_mtok_f64(v)
        .map(Some)
        .map_err(|e| e.to_string())
}

pub fn parse(body: &[u8]) -> Result<ParsedPull, ParseError> {
    let s = text(body, "JSON")?;
    let doc: super::DataDoc = serde_json::from_str(s).map_err(|e| json_error(&e))?;
    Ok(super::json_rows::<Row>(doc.data, observation))
}

fn observation(r: Row) -> Result<Observation, String> {
    let model = ModelId::from_source_id(&r.slug).ok_or("empty slug")?;
    let mut o = Observation::new(&r.id, model, &r.name);
    o.provider = r
        .model_creator
        .and_then(|c| c.slug)
        .as_deref()
        .and_then(Provider::normalise);
    for (field, benchmark) in INDICES {
        if let Some(v) = measured(r.evaluations.get(*field).copied().flatten()) {
            o.scores.push(Score {
                benchmark: (*benchmark).into(),
                category: None,
                value: v,
                ci_low: None,
                ci_high: None,
            });
        }
    }
    o.input_per_mtok = price(r.pricing.get("price_1m_input_tokens").copied().flatten())?;
    o.output_per_mtok = price(r.pricing.get("price_1m_output_tokens").copied().flatten())?;
    o.tokens_per_s = measured(r.median_output_tokens_per_second);
    o.ttft_s = measured(r.median_time_to_first_token_seconds);
    o.extras.insert("slug", r.slug);
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two rows in the documented shape (written for this test).
    const DOC: &str = r#"{"status": 200, "data": [
      {"id": "6f1c1a52-0000-4000-8000-000000000001", "name": "GPT-5.5 (high)", "slug": "gpt-5-5",
       "model_creator": {"id": "x", "name": "OpenAI", "slug": "openai"},
       "evaluations": {"artificial_analysis_intelligence_index": 73.2, "artificial_analysis_coding_index": 68.1, "mmlu_pro": 0.88},
       "pricing": {"price_1m_blended_3_to_1": 11.25, "price_1m_input_tokens": 5.0, "price_1m_output_tokens": 30.0},
       "median_output_tokens_per_second": 182.4, "median_time_to_first_token_seconds": 0.62},
      {"id": "6f1c1a52-0000-4000-8000-000000000002", "name": "Tiny Model", "slug": "tiny-model",
       "model_creator": {"slug": "example"},
       "evaluations": {"artificial_analysis_intelligence_index": 0},
       "pricing": {"price_1m_input_tokens": 0, "price_1m_output_tokens": 0},
       "median_output_tokens_per_second": 0, "median_time_to_first_token_seconds": 0}
    ]}"#;

    #[test]
    fn indices_prices_speed_and_latency_are_read_and_zero_is_no_data() {
        let p = parse(DOC.as_bytes()).unwrap();
        assert_eq!(p.observations.len(), 2);
        let gpt = &p.observations[0];
        assert_eq!(
            gpt.source_model, "6f1c1a52-0000-4000-8000-000000000001",
            "keyed on id"
        );
        assert_eq!(gpt.score("aa_intelligence_index").unwrap().value, 73.2);
        assert_eq!(gpt.score("aa_coding_index").unwrap().value, 68.1);
        assert_eq!(gpt.input_per_mtok.unwrap().decimal().to_string(), "5");
        assert_eq!((gpt.tokens_per_s, gpt.ttft_s), (Some(182.4), Some(0.62)));
        let tiny = &p.observations[1];
        assert!(tiny.scores.is_empty() && tiny.input_per_mtok.is_none());
        assert_eq!((tiny.tokens_per_s, tiny.ttft_s), (None, None));
    }
}
