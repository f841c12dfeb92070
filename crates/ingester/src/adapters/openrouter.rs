//! OpenRouter models API (`GET /api/v1/models`): `{"data": [model, ...]}`.
//!
//! Prices are strings in USD per token; `"-1"` marks router pseudo-models (no price);
//! `:free` variants price at 0; `~` ids are moving aliases. From 2026-06-15 a `benchmarks`
//! object carries Artificial Analysis indices; from 2026-06-22 a `reasoning` object.

use super::{ParseError, json_error, text};
use modelbrief_domain::{ModelId, Observation, ParsedPull, PricePerMTok, Provider, Score};
use serde::Deserialize;

#[derive(Deserialize)]
struct Row {
    id: String,
    name: String,
    #[serde(default)]
    canonical_slug: Option<String>,
    #[serde(default)]
    context_length: Option<u64>,
    pricing: Pricing,
    #[serde(default)]
    supported_parameters: Option<Vec<String>>,
    #[serde(default)]
    reasoning: Option<serde_json::Value>,
    #[serde(default)]
    benchmarks: Option<Benchmarks>,
    #[serde(default)]
    created: Option<i64>,
}

#[derive(Deserialize)]
struct Pricing {
    prompt: String,
    completion: String,
}

#[derive(Deserialize)]
struct Benchmarks {
    #[serde(default)]
    artificial_analysis: Option<ArtificialAnalysis>,
}

#[derive(Deserialize)]
struct ArtificialAnalysis {
    intelligence_index: Option<f64>,
    coding_index: Option<f64>,
    agentic_index: Option<f64>,
}

/// What one page of the models list says about paging (`links.next`, `total_count`).
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub next: Option<String>,
    pub total_count: Option<u64>,
    pub rows: usize,
}

/// Reads a page's paging fields; `None` when the body is not a JSON object with `data`. The
/// rows are counted, not built (`IgnoredAny`): a catalogue page is a megabyte of JSON.
pub fn page(body: &[u8]) -> Option<Page> {
    #[derive(Deserialize)]
    struct Links {
        #[serde(default)]
        next: Option<String>,
    }
    #[derive(Deserialize)]
    struct Paging {
        data: Vec<serde::de::IgnoredAny>,
        #[serde(default)]
        links: Option<Links>,
        #[serde(default)]
        total_count: Option<u64>,
    }
    let p: Paging = serde_json::from_slice(body).ok()?;
    Some(Page {
        next: p.links.and_then(|l| l.next).filter(|n| !n.is_empty()),
        total_count: p.total_count,
        rows: p.data.len(),
    })
}

/// Joins the pages of one listing into one document: the first page with every page's
/// `data` rows, in order, and no `links` (so the stored content hash is of the whole list).
pub fn join_pages(pages: &[Vec<u8>]) -> Result<Vec<u8>, ParseError> {
    let mut docs = pages
        .iter()
        .map(|p| serde_json::from_slice::<serde_json::Value>(p).map_err(|e| json_error(&e)));
    let Some(first) = docs.next() else {
        return Err(ParseError::Empty);
    };
    let mut first = first?;
    let mut rows = Vec::new();
    for doc in std::iter::once(Ok(first.clone())).chain(docs) {
        let doc = doc?;
        match doc.get("data").and_then(|d| d.as_array()) {
            Some(d) => rows.extend(d.iter().cloned()),
            None => return Err(ParseError::Shape("a page has no `data` array".into())),
        }
    }
    if let Some(o) = first.as_object_mut() {
        o.remove("links");
        o.insert("data".into(), serde_json::Value::Array(rows));
    }
    serde_json::to_vec(&first).map_err(|e| ParseError::Shape(e.to_string()))
}

pub fn parse(body: &[u8]) -> Result<ParsedPull, ParseError> {
    let s = text(body, "JSON")?;
    let doc: super::DataDoc = serde_json::from_str(s).map_err(|e| json_error(&e))?;
    Ok(super::json_rows::<Row>(doc.data, observation))
}

fn price(raw: &str, field: &str) -> Result<Option<PricePerMTok>, String> {
    if raw.trim() == "-1" {
        return Ok(None); // a router: the price depends on the model it routes to
    }
    PricePerMTok::from_per_token_str(raw)
        .map(Some)
        .map_err(|e| format!("pricing.{field}: {e}"))
}

fn observation(row: Row) -> Result<Observation, String> {
    let model =
        ModelId::from_source_id(&row.id).ok_or_else(|| format!("unusable id {:?}", row.id))?;
    let (maker, name) = match row.name.split_once(": ") {
        Some((maker, name)) => (Some(maker), name.to_owned()),
        None => (None, row.name.clone()),
    };
    let provider_slug = row
        .id
        .trim_start_matches('~')
        .split('/')
        .next()
        .filter(|_| row.id.contains('/'));
    let mut obs = Observation::new(&row.id, model, name);
    obs.provider = provider_slug.or(maker).and_then(Provider::normalise);
    obs.is_alias = row.id.starts_with('~') || super::is_latest_alias(&row.id);
    obs.context = row.context_length;
    obs.input_per_mtok = price(&row.pricing.prompt, "prompt")?;
    obs.output_per_mtok = price(&row.pricing.completion, "completion")?;
    if obs.input_per_mtok.is_none() {
        obs.extras.insert("router", true);
    }
    obs.reasoning = match (&row.reasoning, &row.supported_parameters) {
        (Some(r), _) if !r.is_null() => Some(true),
        (_, Some(params)) => Some(params.iter().any(|p| p == "reasoning")),
        _ => None,
    };
    if let Some(slug) = row.canonical_slug {
        obs.extras.insert("canonical_slug", slug);
    }
    if let Some(created) = row.created {
        obs.extras.insert("listed_at", created);
    }
    if let Some(aa) = row.benchmarks.and_then(|b| b.artificial_analysis) {
        for (benchmark, category, value) in [
            (
                "aa_intelligence_index",
                "Intelligence",
                aa.intelligence_index,
            ),
            ("aa_coding_index", "Coding", aa.coding_index),
            ("aa_agentic_index", "Agentic", aa.agentic_index),
        ] {
            if let Some(value) = value {
                obs.scores.push(Score {
                    benchmark: benchmark.into(),
                    category: Some(category.into()),
                    value,
                    ci_low: None,
                    ci_high: None,
                });
            }
        }
    }
    Ok(obs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: &str = r#"{"data":[
      {"id":"anthropic/claude-sonnet-5","name":"Anthropic: Claude Sonnet 5","context_length":1000000,
       "pricing":{"prompt":"0.000002","completion":"0.00001"},"supported_parameters":["reasoning"],
       "benchmarks":{"artificial_analysis":{"intelligence_index":53.4,"coding_index":null,"agentic_index":46.7}}},
      {"id":"openrouter/auto","name":"Auto Router","pricing":{"prompt":"-1","completion":"-1"}},
      {"id":"moonshotai/kimi-k2.6:free","name":"MoonshotAI: Kimi K2.6 (free)","pricing":{"prompt":"0","completion":"0"}},
      {"id":"~anthropic/claude-sonnet-latest","name":"Anthropic: Claude Sonnet Latest","pricing":{"prompt":"0.000002","completion":"0.00001"}},
      {"id":"broken/model","name":"Broken","pricing":{"prompt":"cheap","completion":"0"}},
      {"id":"renamed/field","name":"Renamed","price":{"prompt":"0","completion":"0"}}
    ]}"#;

    #[test]
    fn string_prices_routers_free_variants_and_aliases_are_read_as_the_fixtures_mean_them() {
        let p = parse(ROWS.as_bytes()).unwrap();
        assert_eq!(p.observations.len(), 4);
        let sonnet = &p.observations[0];
        assert_eq!(sonnet.model.to_string(), "claude-sonnet-5");
        assert_eq!(sonnet.name, "Claude Sonnet 5");
        assert_eq!(sonnet.provider.as_ref().unwrap().as_str(), "anthropic");
        assert_eq!(sonnet.input_per_mtok.unwrap().to_string(), "2");
        assert_eq!(sonnet.output_per_mtok.unwrap().to_string(), "10");
        assert_eq!(sonnet.reasoning, Some(true));
        assert_eq!(sonnet.scores.len(), 2, "null indices are not invented");
        let router = &p.observations[1];
        assert!(router.input_per_mtok.is_none());
        let free = &p.observations[2];
        assert_eq!(free.model.variant.as_deref(), Some("free"));
        assert_eq!(free.input_per_mtok.unwrap().to_string(), "0");
        assert!(p.observations[3].is_alias);
        assert_eq!(p.skipped.len(), 2);
        assert!(
            p.skipped[0].reason.contains("pricing.prompt"),
            "{:?}",
            p.skipped[0]
        );
        assert!(p.skipped[1].at.contains("renamed/field"));
    }

    #[test]
    fn an_html_error_page_is_named_as_such() {
        let err = parse(b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>").unwrap_err();
        assert!(matches!(err, ParseError::Html { .. }), "{err}");
    }

    #[test]
    fn truncated_json_reports_line_and_column() {
        let err = parse(&ROWS.as_bytes()[..200]).unwrap_err();
        assert!(matches!(err, ParseError::Syntax { line: 3, .. }), "{err}");
    }
}
