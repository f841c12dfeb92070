//! Source adapters, one module per format; each turns bytes into a [`ParsedPull`].

pub mod aider;
pub mod arena_dataset;
pub mod artificial_analysis;
pub mod epoch;
pub mod html_table;
pub mod litellm;
pub mod livebench;
pub mod lmarena;
pub mod models_dev;
pub mod openrouter;

pub use html_table::{HtmlMetric, HtmlTableSpec, InvalidSelector, MetricKind, selector};

use modelbrief_domain::{ParsedPull, RowError, SourceKind};

/// Kind-specific settings of a source.
#[derive(Debug, Clone, Default)]
pub enum KindOptions {
    #[default]
    None,
    /// LiveBench: the categories file maps each category to its task columns.
    Livebench {
        categories: Option<Vec<u8>>,
        /// `cost_<release>.csv`, when the release has one.
        cost: Option<Vec<u8>>,
    },
    HtmlTable(HtmlTableSpec),
    /// The official Arena data: which categories are leaderboards (`overall` by default).
    ArenaDataset {
        categories: Vec<String>,
    },
}

/// Why a whole document could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ParseError {
    #[error("body is empty")]
    Empty,
    #[error("body is not valid UTF-8 (first bad byte at offset {offset})")]
    NotUtf8 { offset: usize },
    #[error("got an HTML page where {expected} was expected (starts {start:?})")]
    Html {
        expected: &'static str,
        start: String,
    },
    #[error("invalid {format} at line {line}, column {column}: {message}")]
    Syntax {
        format: &'static str,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("unexpected shape: {0}")]
    Shape(String),
    /// The document stops mid-structure: a download cut short, never a smaller table.
    #[error("the document is cut short: {0}")]
    Truncated(String),
    #[error("{0}")]
    Config(String),
}

/// Parses a pulled document of the given kind.
///
/// A row repeating an id already seen in the same document (LMArena lists `Yi-34B-Chat`
/// twice on 2025-07-27) is reported as skipped, so each id means one row. Every name and
/// route is cleaned here ([`modelbrief_domain::clean_name`]), whatever the format.
pub fn parse(
    kind: SourceKind,
    options: &KindOptions,
    body: &[u8],
) -> Result<ParsedPull, ParseError> {
    let mut pull = parse_kind(kind, options, body)?;
    for o in &mut pull.observations {
        let name = modelbrief_domain::clean_name(&o.name);
        o.name = if name.is_empty() {
            modelbrief_domain::clean_name(&o.source_model)
        } else {
            name
        };
        if let Some(route) = &mut o.route {
            *route = modelbrief_domain::clean_name(route);
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut duplicates = Vec::new();
    pull.observations.retain(|o| {
        let first = seen.insert(o.source_model.clone());
        if !first {
            duplicates.push(RowError {
                at: o.source_model.clone(),
                reason: "duplicate row: the id appears earlier in the same document".into(),
            });
        }
        first
    });
    pull.skipped.extend(duplicates);
    Ok(pull)
}

fn parse_kind(
    kind: SourceKind,
    options: &KindOptions,
    body: &[u8],
) -> Result<ParsedPull, ParseError> {
    match kind {
        SourceKind::Openrouter => openrouter::parse(body),
        SourceKind::Litellm => litellm::parse(body),
        SourceKind::Lmarena => lmarena::parse(body),
        SourceKind::Aider => aider::parse(body),
        SourceKind::Livebench => match options {
            KindOptions::Livebench { categories, cost } => {
                let mut pull = livebench::parse(body, categories.as_deref())?;
                if let Some(cost) = cost {
                    livebench::apply_costs(&mut pull, cost);
                }
                Ok(pull)
            }
            _ => livebench::parse(body, None),
        },
        SourceKind::ArenaDataset => match options {
            KindOptions::ArenaDataset { categories } => arena_dataset::parse(body, categories),
            _ => arena_dataset::parse(body, &["overall".to_owned()]),
        },
        SourceKind::ModelsDev => models_dev::parse(body),
        SourceKind::Epoch => epoch::parse(body),
        SourceKind::ArtificialAnalysis => artificial_analysis::parse(body),
        SourceKind::HtmlTable => match options {
            KindOptions::HtmlTable(spec) => html_table::parse(body, spec),
            _ => Err(ParseError::Config(
                "html_table source has no [sources.html] selectors".into(),
            )),
        },
    }
}

/// Checks a text body: not empty, UTF-8, and not an HTML error page when `expected` isn't HTML.
pub(crate) fn text<'a>(body: &'a [u8], expected: &'static str) -> Result<&'a str, ParseError> {
    let s = std::str::from_utf8(body).map_err(|e| ParseError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let s = s.strip_prefix('\u{feff}').unwrap_or(s);
    let trimmed = s.trim_start();
    if trimmed.is_empty() {
        return Err(ParseError::Empty);
    }
    let head = trimmed.get(..15).unwrap_or(trimmed).to_ascii_lowercase();
    if expected != "HTML" && (head.starts_with("<!doctype") || head.starts_with("<html")) {
        return Err(ParseError::Html {
            expected,
            start: trimmed.chars().take(60).collect(),
        });
    }
    Ok(s)
}

/// A CSV cut short: the last line has no line break, or fewer fields than the header. (A cut
/// exactly at a line break cannot be seen here; the fetcher's Content-Length check and the
/// row-loss quarantine are the other guards.)
pub(crate) fn csv_complete(s: &str) -> Result<(), ParseError> {
    if !s.ends_with('\n') {
        return Err(ParseError::Truncated(
            "the last CSV line has no line break".into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(s.as_bytes());
    let (mut header, mut last, mut lines) = (None, 0, 0);
    for record in reader.records() {
        let Ok(record) = record else { continue };
        lines += 1;
        header.get_or_insert(record.len());
        last = record.len();
    }
    match header {
        Some(h) if last < h => Err(ParseError::Truncated(format!(
            "the last CSV row (record {lines}) has {last} of the header's {h} fields"
        ))),
        _ => Ok(()),
    }
}

/// A document whose rows are a `data` array (OpenRouter, Artificial Analysis).
#[derive(serde::Deserialize)]
pub(crate) struct DataDoc {
    pub data: Vec<serde_json::Value>,
}

/// The rows of a JSON `data` array, each read as `R` and turned into an observation; a row
/// that does not read is skipped with its place (`data[3] (its id)`).
pub(crate) fn json_rows<R: serde::de::DeserializeOwned>(
    data: Vec<serde_json::Value>,
    observe: impl Fn(R) -> Result<modelbrief_domain::Observation, String>,
) -> ParsedPull {
    let mut out = ParsedPull::default();
    for (i, value) in data.into_iter().enumerate() {
        let at = value
            .get("id")
            .and_then(|v| v.as_str())
            .map_or_else(|| format!("data[{i}]"), |id| format!("data[{i}] ({id})"));
        let row = serde_json::from_value::<R>(value).map_err(|e| e.to_string());
        out.record(at, row.and_then(&observe));
    }
    out
}

pub(crate) fn json_error(e: &serde_json::Error) -> ParseError {
    ParseError::Syntax {
        format: "JSON",
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}

/// Reads a float written with its shortest decimal text as an exact per-token price.
pub(crate) fn per_token_f64(v: f64) -> Result<modelbrief_domain::PricePerMTok, String> {
    modelbrief_domain::PricePerMTok::from_per_token_str(&v.to_string()).map_err(|e| e.to_string())
}

/// `…-latest`, `kimi-latest-8k`, `chatgpt-4o-latest`: names that move from model to model.
pub(crate) fn is_latest_alias(id: &str) -> bool {
    let last = id.rsplit('/').next().unwrap_or(id).to_ascii_lowercase();
    last.split(['-', '_', '.', ':']).any(|t| t == "latest") || is_router(&last)
}

/// A routing endpoint (`openrouter/auto`, `openrouter/switchpoint/router`) sends each request
/// to some model it picks: like a `-latest` alias, it is not a model.
fn is_router(last: &str) -> bool {
    matches!(last.split(':').next(), Some("auto" | "router"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_is_whole_only_when_its_last_line_ends_and_has_every_field() {
        assert_eq!(csv_complete("model,a,b\nx,1,2\ny,3,4\n"), Ok(()));
        assert_eq!(csv_complete("model,a,b\r\nx,1,2\r\n"), Ok(()));
        let cut = |s| match csv_complete(s) {
            Err(ParseError::Truncated(why)) => why,
            other => panic!("{s:?} should be cut short, got {other:?}"),
        };
        assert_eq!(
            cut("model,a,b\nx,1,2\ny,3"),
            "the last CSV line has no line break"
        );
        assert_eq!(
            cut("model,a,b\nx,1,2\ny,3\n"),
            "the last CSV row (record 3) has 2 of the header's 3 fields"
        );
    }
}
