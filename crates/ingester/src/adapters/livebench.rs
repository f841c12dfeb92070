//! LiveBench: a CSV table (`model`, then one column per task) plus a categories file mapping
//! each category to its task columns.
//!
//! There is no rank and no category column: category score = mean of its tasks, overall =
//! mean of the categories, each computed only when every input is present (never invented).

use super::{ParseError, csv_complete, json_error, text};
use modelbrief_domain::{ModelId, Observation, ParsedPull, RowError, Score};
use std::collections::BTreeMap;

/// Benchmark name of the overall LiveBench score.
pub const OVERALL: &str = "livebench_overall";

/// Benchmark name of a category mean, e.g. `livebench:Coding`.
pub fn category_benchmark(category: &str) -> String {
    format!("livebench:{category}")
}

/// The release dates a listing names, oldest first: the quoted `YYYY-MM-DD` strings of the
/// first `RELEASES = [...]` (the site's `constants.js`) or `LIVE_BENCH_RELEASES = {...}` (the
/// evaluation repository's `common.py`). Only the list of dates is read.
pub fn releases(text: &str) -> Vec<String> {
    let Some(start) = text.find("RELEASES") else {
        return Vec::new();
    };
    let rest = &text[start..];
    let Some(open) = rest.find(['[', '{', '(']) else {
        return Vec::new();
    };
    let close = match rest.as_bytes()[open] {
        b'[' => ']',
        b'{' => '}',
        _ => ')',
    };
    let list = &rest[open + 1..];
    let list = &list[..list.find(close).unwrap_or(list.len())];
    let mut out: Vec<String> = list
        .split(['"', '\''])
        .filter(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10)
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    out
}

pub fn parse(body: &[u8], categories: Option<&[u8]>) -> Result<ParsedPull, ParseError> {
    let categories: BTreeMap<String, Vec<String>> = match categories {
        Some(raw) => serde_json::from_str(text(raw, "JSON")?).map_err(|e| json_error(&e))?,
        None => BTreeMap::new(),
    };
    let task_category: BTreeMap<&str, &str> = categories
        .iter()
        .flat_map(|(cat, tasks)| tasks.iter().map(move |t| (t.as_str(), cat.as_str())))
        .collect();

    let s = text(body, "CSV")?;
    csv_complete(s)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(s.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ParseError::Shape(format!("cannot read the CSV header: {e}")))?
        .clone();
    if headers.get(0) != Some("model") {
        return Err(ParseError::Shape(format!(
            "first CSV column is {:?}, expected \"model\"",
            headers.get(0).unwrap_or("")
        )));
    }
    if let Some(missing) = task_category
        .keys()
        .find(|t| !headers.iter().any(|h| h == **t))
    {
        return Err(ParseError::Shape(format!(
            "task column {missing:?} named in the categories file is not in the table"
        )));
    }
    let mut out = ParsedPull::default();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.skipped.push(RowError {
                    at: format!("line {line}"),
                    reason: e.to_string(),
                });
                continue;
            }
        };
        out.record(
            format!("line {line} ({})", record.get(0).unwrap_or("")),
            row(&headers, &record, &categories, &task_category),
        );
    }
    Ok(out)
}

/// Adds what running the benchmark cost, from the release's `cost_<release>.csv` (per task,
/// the total USD cost of the run, under the same column names as the table; and the prices per
/// 1M tokens LiveBench assumed): `run_cost_usd` (the sum over the tasks the table scores) and
/// `assumed_input_per_mtok` / `assumed_output_per_mtok` as extras. They are LiveBench's
/// assumptions, never a price listing. A cost file that cannot be read leaves the costs out,
/// saying why in `missing`; the scores stand.
pub fn apply_costs(pull: &mut ParsedPull, cost: &[u8]) {
    let s = match text(cost, "CSV").and_then(|s| csv_complete(s).map(|()| s)) {
        Ok(s) => s,
        Err(e) => {
            pull.missing.push(RowError {
                at: "cost file".into(),
                reason: e.to_string(),
            });
            return;
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(s.as_bytes());
    let Ok(headers) = reader.headers().cloned() else {
        return;
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (input, output) = (
        col("input_price_per_million"),
        col("output_price_per_million"),
    );
    let mut by_model = BTreeMap::new();
    for record in reader.records().flatten() {
        if let Some(m) = record.get(0) {
            by_model.insert(m.trim().to_owned(), record);
        }
    }
    for obs in &mut pull.observations {
        let Some(record) = by_model.get(&obs.source_model) else {
            continue;
        };
        let number = |i: Option<usize>| i.and_then(|i| record.get(i)?.trim().parse::<f64>().ok());
        let tasks: Vec<f64> = obs
            .scores
            .iter()
            .filter_map(|sc| number(col(&sc.benchmark)))
            .collect();
        if !tasks.is_empty() {
            let total = tasks.iter().sum::<f64>();
            obs.extras
                .insert("run_cost_usd", (total * 10_000.0).round() / 10_000.0);
        }
        if let Some(p) = number(input) {
            obs.extras.insert("assumed_input_per_mtok", p);
        }
        if let Some(p) = number(output) {
            obs.extras.insert("assumed_output_per_mtok", p);
        }
    }
}

fn row(
    headers: &csv::StringRecord,
    record: &csv::StringRecord,
    categories: &BTreeMap<String, Vec<String>>,
    task_category: &BTreeMap<&str, &str>,
) -> Result<Observation, String> {
    if record.len() > headers.len() {
        return Err(format!(
            "{} fields, but the header has {}",
            record.len(),
            headers.len()
        ));
    }
    let raw = record.get(0).unwrap_or("").trim();
    let model =
        ModelId::from_source_id(raw).ok_or_else(|| format!("unusable model name {raw:?}"))?;
    let mut obs = Observation::new(raw, model, raw);
    let mut values = BTreeMap::new();
    for (h, v) in headers.iter().zip(record.iter()).skip(1) {
        let v = v.trim();
        if v.is_empty() {
            continue; // a task this model was not run on (short rows end early)
        }
        let value: f64 = v
            .parse()
            .map_err(|_| format!("column {h}: {v:?} is not a number"))?;
        if !value.is_finite() {
            return Err(format!("column {h}: {v:?} is not a finite number"));
        }
        values.insert(h.to_owned(), value);
        obs.scores.push(Score {
            benchmark: h.to_owned(),
            category: task_category.get(h).map(|c| (*c).to_owned()),
            value,
            ci_low: None,
            ci_high: None,
        });
    }
    let mut means = Vec::new();
    for (cat, tasks) in categories {
        let got: Option<Vec<f64>> = tasks.iter().map(|t| values.get(t).copied()).collect();
        if let Some(got) = got.filter(|g| !g.is_empty()) {
            let mean = got.iter().sum::<f64>() / got.len() as f64;
            means.push(mean);
            obs.scores.push(Score {
                benchmark: category_benchmark(cat),
                category: Some(cat.clone()),
                value: round3(mean),
                ci_low: None,
                ci_high: None,
            });
        }
    }
    if !categories.is_empty() && means.len() == categories.len() {
        obs.scores.push(Score {
            benchmark: OVERALL.into(),
            category: None,
            value: round3(means.iter().sum::<f64>() / means.len() as f64),
            ci_low: None,
            ci_high: None,
        });
    }
    Ok(obs)
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATS: &[u8] = br#"{"Coding":["code_generation","code_completion"],"Math":["olympiad"]}"#;

    #[test]
    fn category_means_and_overall_are_computed_only_from_present_tasks() {
        let csv = b"model,code_generation,code_completion,olympiad\n\
                    claude-opus-4-8-xhigh-effort,80,70,90\n\
                    half-run,60,,50\n";
        let p = parse(csv, Some(CATS)).unwrap();
        let opus = &p.observations[0];
        assert_eq!(opus.model.to_string(), "claude-opus-4-8:xhigh");
        assert_eq!(opus.score("livebench:Coding").unwrap().value, 75.0);
        assert_eq!(opus.score(OVERALL).unwrap().value, 82.5);
        let half = &p.observations[1];
        assert!(
            half.score("livebench:Coding").is_none(),
            "a missing task is not invented"
        );
        assert_eq!(half.score("livebench:Math").unwrap().value, 50.0);
        assert!(half.score(OVERALL).is_none());
    }

    #[test]
    fn a_categories_file_naming_a_missing_column_is_a_shape_error() {
        let err = parse(b"model,code_generation\nx,1\n", Some(CATS)).unwrap_err();
        assert!(err.to_string().contains("code_completion"), "{err}");
    }

    #[test]
    fn a_short_row_has_its_missing_trailing_tasks_left_out_not_invented() {
        let p = parse(
            b"model,code_generation,code_completion,olympiad\nshort,60,70\nwhole,1,2,3\n",
            Some(CATS),
        )
        .unwrap();
        let o = &p.observations[0];
        assert_eq!(o.score("livebench:Coding").unwrap().value, 65.0);
        assert!(o.score("olympiad").is_none());
        assert!(o.score(OVERALL).is_none());
    }

    #[test]
    fn a_non_numeric_score_skips_the_row_and_says_where() {
        let p = parse(b"model,olympiad\na,1\nb,lots\n", None).unwrap();
        assert_eq!(p.observations.len(), 1);
        assert_eq!(p.skipped[0].at, "line 3 (b)");
    }

    #[test]
    fn the_release_list_is_read_from_the_site_constants_or_the_evaluation_repository() {
        let site = "export const X = 1;\nexport const RELEASES = [\n  \"2024-06-24\",\n  \"2026-01-08\", \"2026-06-25\",\n];\nconst other = [\"2099-01-01\"];\n";
        assert_eq!(releases(site), ["2024-06-24", "2026-01-08", "2026-06-25"]);
        let py = "LIVE_BENCH_RELEASES = {'2024-07-26', \"2026-06-25\", \"2026-01-08\"}\nDATES = ['2099-01-01']\n";
        assert_eq!(releases(py), ["2024-07-26", "2026-01-08", "2026-06-25"]);
        assert!(releases("nothing here").is_empty());
    }

    #[test]
    fn the_cost_file_adds_the_run_cost_and_the_assumed_prices_as_extras_not_prices() {
        let mut p = parse(
            b"model,code_generation,code_completion,olympiad\nm1,60,70,80\nm2,50,40,30\n",
            Some(CATS),
        )
        .unwrap();
        apply_costs(
            &mut p,
            b"model,code_generation,code_completion,nq_code_generation,input_price_per_million,output_price_per_million\nm1,1.25,0.5,100,3,15\n",
        );
        let m1 = &p.observations[0];
        assert_eq!(
            m1.extras.get("run_cost_usd"),
            Some(&serde_json::json!(1.75))
        );
        assert_eq!(
            m1.extras.get("assumed_input_per_mtok"),
            Some(&serde_json::json!(3.0))
        );
        assert_eq!(m1.input_per_mtok, None, "an assumption, not a listing");
        assert!(p.observations[1].extras.get("run_cost_usd").is_none());
        apply_costs(&mut p, b"model,code_generation\nm1,1.2");
        assert_eq!(p.missing.len(), 1, "a cut cost file is said, and ignored");
    }
}
