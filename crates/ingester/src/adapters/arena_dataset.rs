//! The official LMArena leaderboard data: the Hugging Face dataset
//! `lmarena-ai/leaderboard-dataset` (CC-BY-4.0), as the datasets-server serves it in JSON pages
//! (`/rows` or `/filter`): `{"rows": [{"row_idx": 0, "row": {…}}], "num_rows_total": N}` with
//! the columns `model_name`, `rating`, `rating_lower`, `rating_upper`, `vote_count`, `rank`,
//! `category`, `leaderboard_publish_date` (and `organization`, `license` where present).
//!
//! Written from the dataset's documented columns: no recorded copy of it exists in any public
//! repository we could find, so its tests use small pages written in that shape. The pages
//! are followed and joined by the caller; this parses one joined document.
//!
//! Each configured category is a leaderboard: `overall` is `lmarena_text` (the same benchmark
//! as the CSV mirror's, so the history continues), any other `lmarena_text:<category>`. Only
//! the rows of the newest publish date are read; that date is the pull's data date.

use super::{ParseError, json_error, text};
use crate::adapters::lmarena::ARENA_TEXT;
use modelbrief_domain::{ModelId, Observation, ParsedPull, Provider, RowError, Score};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Page {
    rows: Vec<Wrapped>,
    #[serde(default)]
    partial: bool,
}

#[derive(Deserialize)]
struct Wrapped {
    #[serde(default)]
    row_idx: Option<u64>,
    row: serde_json::Value,
}

#[derive(Deserialize)]
struct Row {
    model_name: String,
    rating: f64,
    #[serde(default)]
    rating_lower: Option<f64>,
    #[serde(default)]
    rating_upper: Option<f64>,
    #[serde(default)]
    vote_count: Option<u64>,
    #[serde(default)]
    rank: Option<u32>,
    category: String,
    #[serde(default)]
    leaderboard_publish_date: Option<String>,
    #[serde(default)]
    organization: Option<String>,
    #[serde(default)]
    license: Option<String>,
}

/// The benchmark of one category's leaderboard.
pub fn benchmark(category: &str) -> String {
    if category == "overall" {
        ARENA_TEXT.to_owned()
    } else {
        format!("{ARENA_TEXT}:{category}")
    }
}

pub fn parse(body: &[u8], categories: &[String]) -> Result<ParsedPull, ParseError> {
    let s = text(body, "JSON")?;
    let page: Page = serde_json::from_str(s).map_err(|e| json_error(&e))?;
    if page.partial {
        return Err(ParseError::Truncated(
            "the datasets-server says its rows are partial".into(),
        ));
    }
    let mut out = ParsedPull::default();
    let mut rows = Vec::new();
    for (i, w) in page.rows.into_iter().enumerate() {
        let at = format!("row {}", w.row_idx.unwrap_or(i as u64));
        match serde_json::from_value::<Row>(w.row) {
            Ok(r) => rows.push((at, r)),
            Err(e) => out.skipped.push(RowError {
                at,
                reason: e.to_string(),
            }),
        }
    }
    // The newest publication only: a page mixing dates would mix leaderboards.
    let newest = rows
        .iter()
        .filter_map(|(_, r)| r.leaderboard_publish_date.clone())
        .max();
    let mut models: BTreeMap<String, Observation> = BTreeMap::new();
    for (at, r) in rows {
        if r.leaderboard_publish_date != newest || !categories.contains(&r.category) {
            out.ignored += 1;
            continue;
        }
        let Some(model) = ModelId::from_source_id(&r.model_name) else {
            out.skipped.push(RowError {
                at,
                reason: "empty model_name".into(),
            });
            continue;
        };
        let obs = models
            .entry(r.model_name.clone())
            .or_insert_with(|| Observation::new(&r.model_name, model, &r.model_name));
        if r.category == "overall" {
            obs.rank = r.rank;
            if let Some(v) = r.vote_count {
                obs.extras.insert("votes", v);
            }
        }
        if obs.provider.is_none() {
            obs.provider = r.organization.as_deref().and_then(Provider::normalise);
        }
        if let Some(l) = r.license.filter(|l| !l.is_empty()) {
            obs.extras.insert("license", l);
        }
        obs.scores.push(Score {
            benchmark: benchmark(&r.category),
            category: Some("Arena".into()),
            value: r.rating,
            ci_low: r.rating_lower,
            ci_high: r.rating_upper,
        });
    }
    out.observations = models.into_values().collect();
    out.data_date = newest;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page in the datasets-server's shape (written for this test).
    const PAGE: &str = r#"{"features":[],"rows":[
      {"row_idx":0,"row":{"model_name":"gemini-3-pro","organization":"Google","rating":1501.2,"rating_lower":1496.0,"rating_upper":1506.1,"vote_count":20113,"rank":1,"category":"overall","leaderboard_publish_date":"2026-06-30"},"truncated_cells":[]},
      {"row_idx":1,"row":{"model_name":"gpt-5.5","organization":"OpenAI","rating":1497.9,"rating_lower":1492.2,"rating_upper":1503.0,"vote_count":15020,"rank":1,"category":"overall","leaderboard_publish_date":"2026-06-30"},"truncated_cells":[]},
      {"row_idx":2,"row":{"model_name":"gpt-5.5","organization":"OpenAI","rating":1520.0,"rating_lower":1510.0,"rating_upper":1530.0,"vote_count":4000,"rank":1,"category":"coding","leaderboard_publish_date":"2026-06-30"},"truncated_cells":[]},
      {"row_idx":3,"row":{"model_name":"gpt-5.5","organization":"OpenAI","rating":1490.0,"rating_lower":1485.0,"rating_upper":1495.0,"vote_count":14000,"rank":2,"category":"overall","leaderboard_publish_date":"2026-06-23"},"truncated_cells":[]}
    ],"num_rows_total":4,"num_rows_per_page":100,"partial":false}"#;

    #[test]
    fn the_newest_publication_of_the_chosen_categories_is_read_with_its_intervals() {
        let p = parse(PAGE.as_bytes(), &["overall".into()]).unwrap();
        assert_eq!(p.data_date.as_deref(), Some("2026-06-30"));
        assert_eq!(p.observations.len(), 2);
        assert_eq!(p.ignored, 2, "the coding row and the older publication");
        let gpt = p.observations.iter().find(|o| o.name == "gpt-5.5").unwrap();
        let s = gpt.score(ARENA_TEXT).unwrap();
        assert_eq!(
            (s.value, s.ci_low, s.ci_high),
            (1497.9, Some(1492.2), Some(1503.0))
        );
        assert_eq!(gpt.rank, Some(1), "a shared rank, as published");

        let both = parse(PAGE.as_bytes(), &["overall".into(), "coding".into()]).unwrap();
        let gpt = both
            .observations
            .iter()
            .find(|o| o.name == "gpt-5.5")
            .unwrap();
        assert_eq!(gpt.score("lmarena_text:coding").unwrap().value, 1520.0);
    }

    #[test]
    fn a_partial_answer_is_a_cut_short_document() {
        let partial = PAGE.replace("\"partial\":false", "\"partial\":true");
        assert!(matches!(
            parse(partial.as_bytes(), &["overall".into()]),
            Err(ParseError::Truncated(_))
        ));
    }
}
