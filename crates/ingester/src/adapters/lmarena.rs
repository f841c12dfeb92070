//! LMArena text leaderboard, as the CSV mirror publishes it:
//! `rank,rank_stylectrl,model,arena_score,95_pct_ci,votes,organization,license,knowledge_cutoff,url`.
//!
//! The CI is written `+5/-4` around the score. Rank semantics changed mid-2025 (upper-bound
//! ranks with ties, then unique positions); the rank is kept as published and the differ judges
//! it.

use super::{ParseError, csv_complete, text};
use modelbrief_domain::{ModelId, Observation, ParsedPull, Provider, RowError, Score};
use serde::Deserialize;

/// Benchmark name of the Arena score.
pub const ARENA_TEXT: &str = "lmarena_text";

#[derive(Deserialize)]
struct Row {
    rank: u32,
    #[serde(default)]
    rank_stylectrl: Option<u32>,
    model: String,
    arena_score: f64,
    #[serde(rename = "95_pct_ci")]
    ci: String,
    votes: u64,
    #[serde(default)]
    organization: Option<String>,
    #[serde(default)]
    license: Option<String>,
}

fn parse_ci(ci: &str) -> Option<(f64, f64)> {
    let (plus, minus) = ci.trim().split_once('/')?;
    let plus: f64 = plus.trim().strip_prefix('+')?.parse().ok()?;
    let minus: f64 = minus.trim().strip_prefix('-')?.parse().ok()?;
    Some((plus, minus))
}

pub fn parse(body: &[u8]) -> Result<ParsedPull, ParseError> {
    let s = text(body, "CSV")?;
    csv_complete(s)?;
    let mut reader = csv::Reader::from_reader(s.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ParseError::Shape(format!("cannot read the CSV header: {e}")))?
        .clone();
    for required in ["rank", "model", "arena_score", "95_pct_ci", "votes"] {
        if !headers.iter().any(|h| h == required) {
            return Err(ParseError::Shape(format!(
                "CSV header has no {required:?} column"
            )));
        }
    }
    let mut out = ParsedPull::default();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let parsed = record.map_err(|e| e.to_string()).and_then(|r| {
            r.deserialize::<Row>(Some(&headers))
                .map_err(|e| e.to_string())
        });
        let row = match parsed {
            Ok(row) => row,
            Err(reason) => {
                out.skipped.push(RowError {
                    at: format!("line {line}"),
                    reason,
                });
                continue;
            }
        };
        let Some(model) = ModelId::from_source_id(&row.model) else {
            out.skipped.push(RowError {
                at: format!("line {line}"),
                reason: "empty model name".into(),
            });
            continue;
        };
        let Some((plus, minus)) = parse_ci(&row.ci) else {
            out.skipped.push(RowError {
                at: format!("line {line} ({})", row.model),
                reason: format!("95_pct_ci {:?} is not of the form +N/-M", row.ci),
            });
            continue;
        };
        let mut obs = Observation::new(&row.model, model, &row.model);
        obs.provider = row.organization.as_deref().and_then(Provider::normalise);
        obs.rank = Some(row.rank);
        obs.scores.push(Score {
            benchmark: ARENA_TEXT.into(),
            category: Some("Arena".into()),
            value: row.arena_score,
            ci_low: Some(row.arena_score - minus),
            ci_high: Some(row.arena_score + plus),
        });
        obs.extras.insert("votes", row.votes);
        if let Some(r) = row.rank_stylectrl {
            obs.extras.insert("rank_stylectrl", r);
        }
        if let Some(l) = row.license.filter(|l| !l.is_empty()) {
            obs.extras.insert("license", l);
        }
        out.observations.push(obs);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_ci_votes_and_organisation_are_read_from_a_real_row() {
        let csv = b"rank,rank_stylectrl,model,arena_score,95_pct_ci,votes,organization,license,knowledge_cutoff,url\n\
            1,1,Gemini-2.5-Pro,1473,+5/-4,14062,Google,Proprietary,Unknown,http://x\n\
            3,2,Claude Opus 4 (thinking-16k),1420,+6/-7,5000,Anthropic,Proprietary,,\n\
            x,2,Broken,1,+1/-1,1,A,B,,\n";
        let p = parse(csv).unwrap();
        assert_eq!(p.observations.len(), 2);
        let g = &p.observations[0];
        assert_eq!(g.model.to_string(), "gemini-2-5-pro");
        let s = g.score(ARENA_TEXT).unwrap();
        assert_eq!(
            (s.value, s.ci_low, s.ci_high),
            (1473.0, Some(1469.0), Some(1478.0))
        );
        assert_eq!(g.provider.as_ref().unwrap().as_str(), "google");
        assert_eq!(
            p.observations[1].model.to_string(),
            "claude-opus-4:thinking-16k"
        );
        assert_eq!(p.skipped[0].at, "line 4");
    }

    #[test]
    fn a_renamed_column_is_a_shape_error() {
        let err = parse(b"rank,model,score,95_pct_ci,votes\n1,a,1,+1/-1,1\n").unwrap_err();
        assert!(err.to_string().contains("arena_score"), "{err}");
    }
}
