//! A generic HTML table adapter: rows, the model cell and each metric cell are CSS selectors
//! from the configuration, so a new HTML leaderboard is added by config alone.

use super::{ParseError, text};
use modelbrief_domain::{
    ModelId, Observation, ParsedPull, PricePerMTok, Provider, RowError, Score,
};
use scraper::{Html, Selector};

/// What a metric cell holds (`kind = "score"` … in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// A benchmark score (higher is better), ranked like any leaderboard's.
    #[default]
    Score,
    /// Prices per 1M tokens, in USD: a listing like a catalogue's.
    InputPrice,
    OutputPrice,
    /// Output speed, stored in tokens per second.
    Speed,
    /// Time to first token, stored in seconds.
    Latency,
    /// Context window, in tokens.
    Context,
    /// Kept as a fact, not compared (e.g. a benchmark run cost).
    Extra,
}

impl MetricKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Score => "score",
            MetricKind::InputPrice => "input_price",
            MetricKind::OutputPrice => "output_price",
            MetricKind::Speed => "speed",
            MetricKind::Latency => "latency",
            MetricKind::Context => "context",
            MetricKind::Extra => "extra",
        }
    }

    /// Whether more is better: scores, speed and context; not prices or latency.
    pub fn higher_is_better(self) -> bool {
        matches!(
            self,
            MetricKind::Score | MetricKind::Speed | MetricKind::Context | MetricKind::Extra
        )
    }

    /// The units a cell of this kind may be written in; without one a bare number reads as the
    /// first (a score cell may still end in `%` unless the unit is `points`); `extra` takes
    /// any label.
    pub fn units(self) -> &'static [&'static str] {
        match self {
            MetricKind::Score => &["points", "percent"],
            MetricKind::InputPrice | MetricKind::OutputPrice => {
                &["usd_per_mtok", "usd_per_ktok", "usd_per_token"]
            }
            MetricKind::Speed => &["tokens_per_s"],
            MetricKind::Latency => &["s", "ms"],
            MetricKind::Context => &["tokens"],
            MetricKind::Extra => &[],
        }
    }
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
    /// One of `kind.units()` (checked by the configuration), or a free label for `extra`.
    pub unit: Option<String>,
}

/// Selectors for one table.
#[derive(Debug, Clone)]
pub struct HtmlTableSpec {
    pub rows: Selector,
    pub model: Selector,
    /// The cell naming the model's maker, if the table has one.
    pub provider: Option<Selector>,
    pub metrics: Vec<HtmlMetric>,
    /// The settings as written; the stored content hash covers it, so a fixed selector
    /// re-parses content already seen.
    pub fingerprint: String,
}

/// The leading number of a cell (thousands separators dropped) and the rest of the cell.
fn leading_number(s: &str) -> Option<(f64, &str)> {
    let bytes = s.as_bytes();
    let mut end = usize::from(bytes.first().is_some_and(|b| *b == b'-' || *b == b'+'));
    let digits_from = end;
    while end < bytes.len()
        && (bytes[end].is_ascii_digit() || bytes[end] == b',' || bytes[end] == b'.')
    {
        end += 1;
    }
    let text: String = s[..end].chars().filter(|c| *c != ',').collect();
    if end == digits_from || !text.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((text.parse().ok()?, s[end..].trim()))
}

/// Reads one cell strictly as its kind and unit, into the kind's stored unit: the cell must be
/// a number (after a `$` for money) followed only by a suffix its unit allows.
pub fn cell_value(raw: &str, kind: MetricKind, unit: Option<&str>) -> Result<f64, String> {
    let cell = raw.trim();
    let no = || format!("{cell:?} is not a {} value", unit.unwrap_or(kind.as_str()));
    let lower = cell.to_lowercase();
    if cell.is_empty() || ["-", "—", "–", "n/a", "na", "?", "none"].contains(&lower.as_str()) {
        return Err(format!("{cell:?} is empty"));
    }
    let money = matches!(kind, MetricKind::InputPrice | MetricKind::OutputPrice)
        || (kind == MetricKind::Extra && unit == Some("usd"));
    let body = if money {
        let stripped = cell
            .strip_prefix("US$")
            .or_else(|| cell.strip_prefix('$'))
            .unwrap_or(cell)
            .trim_start();
        if stripped.starts_with(['€', '£', '¥', '₹']) || stripped.ends_with(['€', '£']) {
            return Err(format!("{cell:?} is not in USD"));
        }
        stripped.strip_suffix("USD").unwrap_or(stripped).trim()
    } else {
        cell
    };
    let (value, rest) = leading_number(body).ok_or_else(no)?;
    let rest = rest.to_lowercase();
    let rest = rest.as_str();
    let value = match kind {
        MetricKind::Score => match rest {
            "" => value,
            "%" if unit != Some("points") => value,
            _ => return Err(no()),
        },
        MetricKind::InputPrice | MetricKind::OutputPrice => {
            let per = match unit.unwrap_or("usd_per_mtok") {
                "usd_per_ktok" => 1_000.0,
                "usd_per_token" => 1_000_000.0,
                _ => 1.0,
            };
            let suffix_ok = match per {
                1.0 => ["", "/m", "/1m", "per 1m", "/mtok"].contains(&rest),
                1_000.0 => ["", "/k", "/1k", "per 1k"].contains(&rest),
                _ => rest.is_empty(),
            };
            if !suffix_ok {
                return Err(no());
            }
            value * per
        }
        MetricKind::Speed => {
            let (mult, unit_text) = match rest.strip_prefix('k') {
                Some(r) => (1_000.0, r.trim()),
                None => (1.0, rest),
            };
            match unit_text {
                "" | "tok/s" | "tokens/s" | "t/s" | "tps" | "tokens per second" => value * mult,
                _ => return Err(no()),
            }
        }
        // A unit written in the cell wins; a bare number is in the configured unit.
        MetricKind::Latency => match rest {
            "ms" => value / 1_000.0,
            "s" | "sec" | "secs" | "seconds" => value,
            "" if unit == Some("ms") => value / 1_000.0,
            "" => value,
            _ => return Err(no()),
        },
        MetricKind::Context => {
            let (mult, unit_text) = match rest.chars().next() {
                Some('k') => (1_000.0, rest[1..].trim()),
                Some('m') => (1_000_000.0, rest[1..].trim()),
                _ => (1.0, rest),
            };
            match unit_text {
                "" | "tokens" | "tok" => value * mult,
                _ => return Err(no()),
            }
        }
        // A fact kept as written: the number must come first; any label may follow.
        MetricKind::Extra => value,
    };
    if kind != MetricKind::Score && kind != MetricKind::Extra && value < 0.0 {
        return Err(format!("{cell:?} is negative"));
    }
    Ok(value)
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
    let mut matched = vec![0usize; spec.metrics.len()];
    // Per metric: the cells that did not read as its unit, and the first reason.
    let mut unread: Vec<(usize, Option<String>)> = vec![(0, None); spec.metrics.len()];
    let mut rows = 0usize;
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
        if let Some(p) = &spec.provider {
            obs.provider = row
                .select(p)
                .next()
                .and_then(|el| Provider::normalise(el.text().collect::<String>().trim()));
        }
        let mut error = None;
        for (k, m) in spec.metrics.iter().enumerate() {
            let Some(el) = row.select(&m.selector).next() else {
                continue;
            };
            matched[k] += 1;
            let raw = match &m.attr {
                Some(a) => el.value().attr(a).unwrap_or("").to_owned(),
                None => el.text().collect::<String>(),
            };
            // A cell that does not read as its unit leaves out that metric, not the row.
            let value = match cell_value(&raw, m.kind, m.unit.as_deref()) {
                Ok(v) => v,
                Err(reason) => {
                    unread[k].0 += 1;
                    unread[k].1.get_or_insert_with(|| reason.clone());
                    out.missing.push(RowError {
                        at: format!("{at} ({name}) metric {}", m.name),
                        reason,
                    });
                    continue;
                }
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
                    let price = PricePerMTok::from_per_mtok_f64(value);
                    match price {
                        Ok(p) if m.kind == MetricKind::InputPrice => obs.input_per_mtok = Some(p),
                        Ok(p) => obs.output_per_mtok = Some(p),
                        Err(e) => {
                            error = Some(format!("metric {}: {e}", m.name));
                            break;
                        }
                    }
                }
                MetricKind::Speed => obs.tokens_per_s = Some(value),
                MetricKind::Latency => obs.ttft_s = Some(value),
                MetricKind::Context => obs.context = Some(value as u64),
                MetricKind::Extra => {
                    obs.extras.insert(m.name.clone(), value);
                }
            }
        }
        rows += 1;
        match error {
            Some(reason) => out.skipped.push(RowError {
                at: format!("{at} ({name})"),
                reason,
            }),
            None => out.observations.push(obs),
        }
    }
    // A metric whose selector matches in no row is a broken selector, not a table without
    // that column: the pull is held with its name.
    if rows > 0
        && let Some((m, _)) = spec.metrics.iter().zip(&matched).find(|(_, n)| **n == 0)
    {
        return Err(ParseError::Shape(format!(
            "metric {:?}: its selector matches in none of the {rows} rows",
            m.name
        )));
    }
    // So is one whose every cell is unreadable (the column moved, or its unit is wrong).
    for ((m, n), (bad, first)) in spec.metrics.iter().zip(&matched).zip(&unread) {
        if *n > 1 && bad == n {
            return Err(ParseError::Shape(format!(
                "metric {:?}: none of its {n} cells reads as {} (first: {})",
                m.name,
                m.unit.as_deref().unwrap_or(m.kind.as_str()),
                first.as_deref().unwrap_or("")
            )));
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
    fn a_cell_reads_only_as_its_unit() {
        use MetricKind::*;
        assert_eq!(cell_value("88.0%", Score, Some("percent")), Ok(88.0));
        assert_eq!(cell_value(" 1,234.5 ", Score, None), Ok(1234.5));
        assert!(cell_value("Llama 4 Maverick", Speed, None).is_err());
        assert!(cell_value("4 Maverick", Speed, None).is_err());
        assert_eq!(cell_value("1.5k tok/s", Speed, None), Ok(1500.0));
        assert_eq!(cell_value("420 ms", Latency, Some("s")), Ok(0.42));
        assert_eq!(cell_value("420", Latency, Some("ms")), Ok(0.42));
        assert_eq!(cell_value("0.6 s", Latency, None), Ok(0.6));
        assert_eq!(cell_value("$1.25", InputPrice, None), Ok(1.25));
        assert_eq!(
            cell_value("$0.002", InputPrice, Some("usd_per_ktok")),
            Ok(2.0)
        );
        assert!(
            cell_value("€13.80", OutputPrice, None)
                .unwrap_err()
                .contains("not in USD")
        );
        assert_eq!(cell_value("128K", Context, None), Ok(128_000.0));
        assert_eq!(cell_value("1M", Context, None), Ok(1_000_000.0));
        for empty in ["—", "-", "N/A", ""] {
            assert!(
                cell_value(empty, Score, None)
                    .unwrap_err()
                    .contains("is empty")
            );
        }
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
