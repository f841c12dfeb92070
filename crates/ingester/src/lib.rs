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

pub use adapters::{
    HtmlMetric, HtmlTableSpec, InvalidSelector, KindOptions, MetricKind, ParseError, parse,
    selector,
};
pub use fetch::{Conditional, FetchError, FetchPolicy, Fetched, Fetcher};
pub use health::{HealthPolicy, Verdict, assess};

use modelbrief_domain::{SourceKind, SourceName};
use url::Url;

/// A configured source, parsed.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    pub name: SourceName,
    pub kind: SourceKind,
    pub url: Url,
    /// LiveBench: where its categories file is.
    pub categories_url: Option<Url>,
    pub options: KindOptions,
    /// Content unchanged for longer than this makes the source stale (frozen upstream).
    pub max_unchanged: std::time::Duration,
}
