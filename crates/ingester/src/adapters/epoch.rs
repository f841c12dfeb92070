//! Epoch AI's Capabilities Index (Benchmarking Hub, CC BY 4.0: "Epoch AI, 'AI Benchmarking
//! Hub'. Published online at epoch.ai."): `epoch_capabilities_index.csv`, served inside
//! `benchmark_data.zip` or on its own. Header:
//! `Model version,ECI Score,Release date,Organization,Country,Model accessibility,…,Display name`.
//!
//! `Model version` encodes the effort (`gpt-5.2-2025-12-11_xhigh`, `claude-opus-4-6_120K`);
//! the identity rules turn it into a variant. Rows without a score are not ranked (ignored,
//! not errors). The whole index is recalibrated between releases; the quarantine's rescale
//! check turns that into one notice instead of hundreds of shifts.

use super::{ParseError, csv_complete, text};
use modelbrief_domain::{ModelId, Observation, ParsedPull, Provider, RowError, Score};
use std::io::Read;

/// Benchmark name of the index.
pub const ECI: &str = "epoch_eci";

/// The member of the zip that holds the index.
const MEMBER: &str = "epoch_capabilities_index.csv";

/// The index CSV: the body itself, or its member when the body is the zip.
fn index_csv(body: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, ParseError> {
    if !body.starts_with(b"PK\x03\x04") {
        return Ok(body.into());
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body))
        .map_err(|e| ParseError::Truncated(format!("the zip cannot be read: {e}")))?;
    let mut member = zip
        .by_name(MEMBER)
        .map_err(|e| ParseError::Shape(format!("the zip has no {MEMBER}: {e}")))?;
    let mut out = Vec::new();
    member
        .read_to_end(&mut out)
        .map_err(|e| ParseError::Truncated(format!("{MEMBER} cannot be read from the zip: {e}")))?;
    Ok(out.into())
}

pub fn parse(body: &[u8]) -> Result<ParsedPull, ParseError> {
    let csv_bytes = index_csv(body)?;
    let s = text(&csv_bytes, "CSV")?;
    csv_complete(s)?;
    let mut reader = csv::Reader::from_reader(s.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ParseError::Shape(format!("cannot read the CSV header: {e}")))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ParseError::Shape(format!("CSV header has no {name:?} column")))
    };
    let (version, score, org, display) = (
        col("Model version")?,
        col("ECI Score")?,
        col("Organization")?,
        col("Display name")?,
    );
    let date = headers.iter().position(|h| h == "Release date");
    let mut out = ParsedPull::default();
    for (i, record) in reader.records().enumerate() {
        let at = format!("record {}", i + 2);
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.skipped.push(RowError {
                    at,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let raw_score = record.get(score).unwrap_or("").trim();
        if raw_score.is_empty() {
            out.ignored += 1;
            continue;
        }
        let id = record.get(version).unwrap_or("").trim();
        let at = format!("{at} ({id})");
        let Ok(value) = raw_score.parse::<f64>() else {
            out.skipped.push(RowError {
                at,
                reason: format!("ECI Score {raw_score:?} is not a number"),
            });
            continue;
        };
        let Some(model) = ModelId::from_source_id(&id.replace('_', "-")) else {
            out.skipped.push(RowError {
                at,
                reason: "empty Model version".into(),
            });
            continue;
        };
        let name = record
            .get(display)
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(id);
        let mut obs = Observation::new(id, model, name);
        obs.provider = record.get(org).and_then(Provider::normalise);
        obs.scores.push(Score {
            benchmark: ECI.into(),
            category: None,
            value,
            ci_low: None,
            ci_high: None,
        });
        if let Some(d) = date.and_then(|d| record.get(d)).filter(|d| !d.is_empty()) {
            obs.extras.insert("release_date", d);
        }
        out.observations.push(obs);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "Model version,ECI Score,Release date,Organization,Country,Model accessibility,Training compute (FLOP),Confidence,Model name,Description,Display name\n\
        gpt-5.4-2026-03-05_xhigh,155.9,2026-03-05,OpenAI,United States of America,API access,,Likely,GPT-5.4,,GPT-5.4 (xhigh)\n\
        gemma-4-31b-it,,2026-04-02,Google DeepMind,United States of America,Open weights,,Likely,Gemma 4 31B IT,,Gemma 4 31B IT\n\
        gpt-5.3-codex,150.1,2026-02-05,OpenAI,United States of America,API access,,Likely,GPT-5.3 Codex,\"A model,\nfor code\",\"GPT-5.3 Codex\n\"\n";

    #[test]
    fn the_effort_in_a_model_version_becomes_a_variant_and_unscored_rows_are_left_out() {
        let p = parse(CSV.as_bytes()).unwrap();
        assert_eq!(p.observations.len(), 2);
        assert_eq!(p.ignored, 1);
        assert_eq!(p.observations[0].model.key.as_str(), "gpt-5-4");
        assert!(
            p.observations[0].model.to_string().contains("xhigh"),
            "{}",
            p.observations[0].model
        );
        assert_eq!(p.observations[0].score(ECI).unwrap().value, 155.9);
        assert_eq!(
            p.observations[1].name, "GPT-5.3 Codex",
            "a quoted newline is trimmed"
        );
    }
}
