//! A generic HTML table adapter: rows, the model cell and each metric cell are CSS selectors
//! from the configuration, so a new HTML leaderboard is added by config alone.

use super::{ParseError, text};
use modelbrief_domain::{ModelId, Observation, ParsedPull, PricePerMTok, RowError, Score};
use scraper::{Html, Selector};

/// What a metric cell holds (`kind = "score"` … in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// A benchmark score.
    #[default]
    Score,
    InputPrice,
    OutputPrice,
    Context,
    /// Kept as a fact, not compared (e.g. a benchmark run cost).
    Extra,
}

/// One metric column.
#[derive(Debug, Clone)]
pub struct HtmlMetric {
    pub name: String,
    pub selector: Selector,
    /// Read this attribute instead of the cell text.
    pub attr: Option<String>,
    pub kind: MetricKind,
    pub category: Option<String>,
    pub unit: Option<String>,
}

/// Selectors for one table.
#[derive(Debug, Clone)]
pub struct HtmlTableSpec {
    pub rows: Selector,
    pub model: Selector,
    pub metrics: Vec<HtmlMetric>,
}

/// The first number in a text, e.g. `88.0%` → 88.0, `$1,234.50` → 1234.5.
fn number(s: &str) -> Option<f64> {
    let cleaned: String = s.chars().filter(|c| *c != ',').collect();
    let start = cleaned.find(|c: char| c.is_ascii_digit() || c == '-' || c == '.')?;
    let rest = &cleaned[start..];
    let end = rest
        .char_indices()
        .skip(1)
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(rest.len(), |(i, _)| i);
    rest[..end].parse().ok()
}

pub fn parse(body: &[u8], spec: &HtmlTableSpec) -> Result<ParsedPull, ParseError> {
    let s = text(body, "HTML")?;
    if !s
        .as_bytes()
        .windows(7)
        .any(|w| w.eq_ignore_ascii_case(b"</html>"))
    {
        return Err(ParseError::Truncated(
            "the HTML page has no closing </html>".into(),
        ));
    }
    let doc = Html::parse_document(s);
    let mut out = ParsedPull::default();
    for (i, row) in doc.select(&spec.rows).enumerate() {
        let at = format!("row {}", i + 1);
        let Some(cell) = row.select(&spec.model).next() else {
            out.skipped.push(RowError {
                at,
                reason: "no model cell matches the model selector".into(),
            });
            continue;
        };
        let name = cell
            .text()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let Some(model) = ModelId::from_source_id(&name) else {
            out.skipped.push(RowError {
                at,
                reason: "empty model cell".into(),
            });
            continue;
        };
        let mut obs = Observation::new(&name, model, &name);
        let mut error = None;
        for m in &spec.metrics {
            let Some(el) = row.select(&m.selector).next() else {
                continue;
            };
            let raw = match &m.attr {
                Some(a) => el.value().attr(a).unwrap_or("").to_owned(),
                None => el.text().collect::<String>(),
            };
            let Some(value) = number(&raw) else {
                error = Some(format!(
                    "metric {}: {:?} holds no number",
                    m.name,
                    raw.trim()
                ));
                break;
            };
            match m.kind {
                MetricKind::Score => obs.scores.push(Score {
                    benchmark: m.name.clone(),
                    category: m.category.clone(),
                    value,
                    ci_low: None,
                    ci_high: None,
                }),
                MetricKind::InputPrice | MetricKind::OutputPrice => {
                    match PricePerMTok::parse(&value.to_string()) {
                        Ok(p) if m.kind == MetricKind::InputPrice => obs.input_per_mtok = Some(p),
                        Ok(p) => obs.output_per_mtok = Some(p),
                        Err(e) => {
                            error = Some(format!("metric {}: {e}", m.name));
                            break;
                        }
                    }
                }
                MetricKind::Context => obs.context = Some(value.max(0.0) as u64),
                MetricKind::Extra => {
                    obs.extras.insert(m.name.clone(), value);
                }
            }
        }
        match error {
            Some(reason) => out.skipped.push(RowError {
                at: format!("{at} ({name})"),
                reason,
            }),
            None => out.observations.push(obs),
        }
    }
    if out.observations.is_empty() && out.skipped.is_empty() {
        return Err(ParseError::Shape(
            "the rows selector matched nothing".into(),
        ));
    }
    // Two rows with one display name: keep them apart by their position.
    let mut seen = std::collections::HashMap::new();
    for obs in &mut out.observations {
        let n = seen.entry(obs.source_model.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            obs.source_model = format!("{} #{n}", obs.source_model);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_found_inside_formatted_cells() {
        assert_eq!(number("88.0%"), Some(88.0));
        assert_eq!(number(" $1,234.50 "), Some(1234.5));
        assert_eq!(number("n/a"), None);
    }
}

/// A CSS selector from the configuration that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("invalid CSS selector {selector:?} for {what}: {message}")]
pub struct InvalidSelector {
    pub what: String,
    pub selector: String,
    pub message: String,
}

/// Parses a CSS selector written in the configuration.
pub fn selector(what: &str, css: &str) -> Result<Selector, InvalidSelector> {
    Selector::parse(css).map_err(|e| InvalidSelector {
        what: what.to_owned(),
        selector: css.to_owned(),
        message: e.to_string(),
    })
}
