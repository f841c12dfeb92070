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
        // An error on the last line is the document stopping mid-entry: a cut download.
        if loc.as_ref().is_some_and(|l| l.line() >= s.lines().count()) {
            return ParseError::Truncated(format!("the YAML ends inside an entry ({e})"));
        }
        ParseError::Syntax {
            format: "YAML",
            line: loc.as_ref().map_or(0, |l| l.line()),
            column: loc.as_ref().map_or(0, |l| l.column()),
            message: e.to_string(),
        }
    })?;
    complete(&docs)?;
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

/// A list cut short ends in an entry that lacks keys every other entry has (the cut fell
/// inside it). Needs three entries to tell.
fn complete(docs: &[serde_yaml_ng::Value]) -> Result<(), ParseError> {
    let keys = |v: &serde_yaml_ng::Value| -> std::collections::BTreeSet<String> {
        v.as_mapping()
            .map(|m| {
                m.keys()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let Some((last, rest)) = docs.split_last() else {
        return Ok(());
    };
    if rest.len() < 2 {
        return Ok(());
    }
    let mut common = keys(&rest[0]);
    for d in &rest[1..] {
        let k = keys(d);
        common.retain(|c| k.contains(c));
    }
    let have = keys(last);
    match common.iter().find(|c| !have.contains(*c)) {
        Some(missing) => Err(ParseError::Truncated(format!(
            "the last entry (entry {}) has no `{missing}`, which every other entry has",
            docs.len()
        ))),
        None => Ok(()),
    }
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
                     - dirname: d\n  model: nothing\n\
                     - dirname: c\n  model: gpt-5 (high)\n  pass_rate_2: 88.0\n  reasoning_effort: high\n";
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
        let err =
            parse(b"- dirname: a\n  model: [unclosed\n- dirname: b\n  model: x\n").unwrap_err();
        assert!(
            matches!(err, ParseError::Syntax { format: "YAML", .. }),
            "{err}"
        );
    }

    #[test]
    fn a_list_whose_last_entry_lacks_a_key_every_other_entry_has_is_cut_short() {
        let entry = |d: &str| format!("- dirname: {d}\n  model: M {d}\n  pass_rate_2: 50.0\n");
        let whole = format!("{}{}{}", entry("a"), entry("b"), entry("c"));
        assert_eq!(parse(whole.as_bytes()).unwrap().observations.len(), 3);
        let cut = format!("{}{}- dirname: c\n  model: M c\n", entry("a"), entry("b"));
        assert_eq!(
            parse(cut.as_bytes()),
            Err(ParseError::Truncated(
                "the last entry (entry 3) has no `pass_rate_2`, which every other entry has".into()
            ))
        );
    }
}
