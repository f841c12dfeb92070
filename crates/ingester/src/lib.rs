//! Ingestion: fetch a source (HTTP or `file://`) and parse it into normalised observations.
//!
//! This is the only crate that knows reqwest and scraper. It knows nothing of SQL: the caller
//! stores what it returns. Invariants:
//! - an adapter turns bytes into a [`ParsedPull`] or a [`ParseError`]; it never panics on input;
//! - a row that cannot be read is reported in `skipped`, never silently dropped;
//! - [`health::assess`] is the single place that decides whether a pull is fit to diff against.

pub mod adapters;
pub mod fetch;
pub mod health;
pub mod post;

pub use adapters::{
    HtmlMetric, HtmlTableSpec, InvalidSelector, KindOptions, MetricKind, ParseError, parse,
    selector,
};
pub use fetch::{Conditional, FetchError, FetchPolicy, Fetched, Fetcher};
pub use health::{HealthPolicy, Verdict, assess};

use modelbrief_domain::{SourceKind, SourceName};
use std::path::{Path, PathBuf};
use url::Url;

/// Which release of a source with releases (LiveBench) to pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseChoice {
    /// The newest release the listing names whose files answer (falling back to older ones).
    Auto { listing: Url },
    /// Always this release (`2026-06-25`).
    Pinned(String),
}

/// A source whose URLs name a release: `{release}` in them is replaced by the release date
/// written with underscores (`table_{release}.csv` → `table_2026_06_25.csv`).
#[derive(Debug, Clone)]
pub struct ReleaseSpec {
    pub choice: ReleaseChoice,
    /// `url`, `categories_url` and `cost_url` as configured, with `{release}`.
    pub url: String,
    pub categories_url: Option<String>,
    pub cost_url: Option<String>,
    /// The folder relative `file:` URLs are resolved against.
    pub base: PathBuf,
}

impl ReleaseSpec {
    /// The data, categories and cost URLs of one release.
    pub fn urls(&self, release: &str) -> Result<(Url, Option<Url>, Option<Url>), String> {
        let fill = |t: &str| {
            let raw = t.replace("{release}", &release.replace('-', "_"));
            resolve_url(&raw, &self.base).map_err(|e| format!("bad URL {raw:?}: {e}"))
        };
        Ok((
            fill(&self.url)?,
            self.categories_url.as_deref().map(fill).transpose()?,
            self.cost_url.as_deref().map(fill).transpose()?,
        ))
    }
}

/// Resolves a configured URL: absolute URLs as written; `file:relative/path` against `base`.
pub fn resolve_url(raw: &str, base: &Path) -> Result<Url, String> {
    if let Some(rel) = raw.strip_prefix("file:").filter(|r| !r.starts_with('/')) {
        let abs = std::path::absolute(base.join(rel)).map_err(|e| e.to_string())?;
        return Url::from_file_path(&abs)
            .map_err(|()| format!("cannot make a file URL of {}", abs.display()));
    }
    let url = Url::parse(raw).map_err(|e| e.to_string())?;
    match url.scheme() {
        "http" | "https" | "file" => Ok(url),
        other => Err(format!(
            "scheme {other:?} is not supported (use http, https or file)"
        )),
    }
}

/// A configured source, parsed.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    pub name: SourceName,
    pub kind: SourceKind,
    pub url: Url,
    /// LiveBench: where its categories file is.
    pub categories_url: Option<Url>,
    /// LiveBench: its cost file (optional; a release may have none).
    pub cost_url: Option<Url>,
    pub options: KindOptions,
    /// Content unchanged for longer than this makes the source stale (frozen upstream).
    pub max_unchanged: std::time::Duration,
    /// Set when the URLs name a release (`{release}`).
    pub release: Option<ReleaseSpec>,
    /// The API key the source needs, read from the environment variable the configuration
    /// names.
    pub api_key: Option<ApiKey>,
    /// A pull with fewer rows is held.
    pub min_rows: Option<usize>,
}

/// Whether `name` can be an HTTP header name.
pub fn valid_header_name(name: &str) -> bool {
    reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
}

/// A source's API key: the header to send it in and its value, or the variable that should
/// have held it.
#[derive(Debug, Clone)]
pub enum ApiKey {
    Set(String, secrecy::SecretString),
    /// The environment variable is not set: the source's pulls fail saying so.
    Missing {
        variable: String,
    },
}
