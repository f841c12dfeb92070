//! Aider polyglot leaderboard YAML: a list of benchmark runs.
//!
//! The score is `pass_rate_2`. `total_cost` is the cost of the whole benchmark run, not a
//! price, so it is kept as an extra. Runs of one model told apart only by `reasoning_effort`
//! get it as a variant; `dirname` is the run's stable id, so a later rename of the display
//! string keeps the same source row.

use super::{ParseError, text};
use modelbrief_domain::{ModelId, Observation, ParsedPull, Provider, Score};
use serde::Deserialize;

/// Benchmark name of the Aider polyglot pass rate.
pub const POLYGLOT: &str = "aider_polyglot";

#[derive(Deserialize)]
struct Run {
    dirname: String,
    model: String,
    pass_rate_2: f64,
    #[serde(default)]
    total_cost: Option<f64>,
    #[serde(default)]
    edit_format: Option<String>,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    reasoning_effort: Option<String>,
    #[serde(default)]
    seconds_per_case: Option<f64>,
    #[serde(default)]
    percent_cases_well_formed: Option<f64>,
}

pub fn parse(body: &[u8]) -> Result<ParsedPull, ParseError> {
    let s = text(body, "YAML")?;
    let docs: Vec<serde_yaml_ng::Value> = serde_yaml_ng::from_str(s).map_err(|e| {
        let loc = e.location();
        ParseError::Syntax {
            format: "YAML",
            line: loc.as_ref().map_or(0, |l| l.line()),
            column: loc.as_ref().map_or(0, |l| l.column()),
            message: e.to_string(),
        }
    })?;
    let mut out = ParsedPull::default();
    for (i, value) in docs.into_iter().enumerate() {
        let at = value.get("dirname").and_then(|v| v.as_str()).map_or_else(
            || format!("entry {}", i + 1),
            |d| format!("entry {} ({d})", i + 1),
        );
        let run = serde_yaml_ng::from_value::<Run>(value).map_err(|e| e.to_string());
        out.record(at, run.and_then(observation));
    }
    Ok(out)
}

/// The model argument of `aider --model openrouter/x-ai/grok-4`.
fn command_model(command: &str) -> Option<&str> {
    let mut words = command.split_whitespace();
    while let Some(w) = words.next() {
        if w == "--model" {
            return words.next();
        }
        if let Some(m) = w.strip_prefix("--model=") {
            return Some(m);
        }
    }
    None
}

fn observation(run: Run) -> Result<Observation, String> {
    let mut model = ModelId::from_source_id(&run.model)
        .ok_or_else(|| format!("unusable model name {:?}", run.model))?;
    if let Some(effort) = &run.reasoning_effort {
        model = model.with_variant(effort);
    }
    let mut obs = Observation::new(&run.dirname, model, run.model.trim());
    obs.provider = run
        .command
        .as_deref()
        .and_then(command_model)
        .and_then(|m| {
            let parts: Vec<&str> = m.split('/').collect();
            match parts.as_slice() {
                ["openrouter", maker, _, ..] => Some(*maker),
                [maker, _, ..] => Some(*maker),
                _ => None,
            }
        })
        .and_then(Provider::normalise);
    obs.scores.push(Score {
        benchmark: POLYGLOT.into(),
        category: Some("Coding".into()),
        value: run.pass_rate_2,
        ci_low: None,
        ci_high: None,
    });
    if let Some(c) = run.total_cost {
        obs.extras.insert("run_cost_usd", c);
    }
    if let Some(f) = run.edit_format {
        obs.extras.insert("edit_format", f);
    }
    if let Some(c) = run.command {
        obs.extras.insert("command", c);
    }
    if let Some(s) = run.seconds_per_case {
        obs.extras.insert("seconds_per_case", s);
    }
    if let Some(w) = run.percent_cases_well_formed {
        obs.extras.insert("percent_well_formed", w);
    }
    Ok(obs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_told_apart_only_by_reasoning_effort_are_distinct_variants() {
        let yaml = b"- dirname: a\n  model: openai/gpt-5\n  pass_rate_2: 88.0\n  reasoning_effort: high\n  command: aider --model openai/gpt-5\n\
                     - dirname: b\n  model: openai/gpt-5\n  pass_rate_2: 86.7\n  reasoning_effort: medium\n\
                     - dirname: c\n  model: gpt-5 (high)\n  pass_rate_2: 88.0\n  reasoning_effort: high\n\
                     - dirname: d\n  model: nothing\n";
        let p = parse(yaml).unwrap();
        let ids: Vec<String> = p.observations.iter().map(|o| o.model.to_string()).collect();
        assert_eq!(ids, ["gpt-5:high", "gpt-5:medium", "gpt-5:high"]);
        assert_eq!(
            p.observations[0].provider.as_ref().unwrap().as_str(),
            "openai"
        );
        assert_eq!(p.skipped.len(), 1);
        assert!(p.skipped[0].at.contains("(d)"));
    }

    #[test]
    fn yaml_syntax_errors_carry_the_line() {
        let err = parse(b"- dirname: a\n  model: [unclosed\n").unwrap_err();
        assert!(
            matches!(err, ParseError::Syntax { format: "YAML", .. }),
            "{err}"
        );
    }
}
