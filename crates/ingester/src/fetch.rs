//! HTTP (and `file://`) fetching with timeouts, retries, a size cap and conditional GET.
//!
//! One request per host at a time (a semaphore per host), so pulling several sources from the
//! same server never hammers it. Retries back off exponentially with equal jitter, on timeouts,
//! connection errors, 5xx and 429, and honour `Retry-After`.

use rand::Rng;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::Semaphore;
use url::Url;

/// How to fetch: set once, from configuration (`[fetch]` is this type).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FetchPolicy {
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// Whole request, including reading the body.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
    #[serde(with = "humantime_serde")]
    pub backoff_base: Duration,
    #[serde(with = "humantime_serde")]
    pub backoff_max: Duration,
    /// Largest body accepted, after decompression.
    pub max_bytes: u64,
    pub user_agent: String,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            retries: 3,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_bytes: 32 * 1024 * 1024,
            user_agent: format!(
                "modelbrief/{} (+https://github.com/modelbrief/modelbrief)",
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
}

/// Validators from the last healthy pull, sent as `If-None-Match` / `If-Modified-Since`, and
/// the source's API key header, if it needs one (sent marked sensitive, never logged).
#[derive(Debug, Clone, Default)]
pub struct Conditional {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// `(header name, key)`.
    pub api_key: Option<(String, secrecy::SecretString)>,
}

/// What a fetch returned.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// 304: the content is what we already have.
    NotModified { status: u16 },
    Body {
        status: Option<u16>,
        body: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// Why a fetch failed (after retries).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: timed out after {attempts} attempt(s)")]
    Timeout { url: String, attempts: u32 },
    #[error("{url}: cannot connect after {attempts} attempt(s)")]
    Connect {
        url: String,
        attempts: u32,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url}: HTTP {status} after {attempts} attempt(s)")]
    Status {
        url: String,
        status: u16,
        attempts: u32,
    },
    #[error(
        "{url}: the body ended after {got} of the {declared} bytes its Content-Length promised"
    )]
    Short {
        url: String,
        got: usize,
        declared: u64,
    },
    #[error("{url}: body larger than the {limit}-byte cap")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: request failed")]
    Request {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("cannot read {path}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("unsupported URL scheme {scheme:?} in {url} (use http, https or file)")]
    Scheme { url: String, scheme: String },
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
}

impl FetchError {
    /// The HTTP status of the last response, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A shared HTTP client with per-host serialisation.
#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    policy: FetchPolicy,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

enum Attempt {
    Done(Result<Fetched, FetchError>),
    Retry {
        error: FetchError,
        after: Option<Duration>,
    },
}

impl Fetcher {
    pub fn new(policy: FetchPolicy) -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.timeout)
            .user_agent(policy.user_agent.clone())
            .gzip(true)
            .build()
            .map_err(FetchError::Client)?;
        Ok(Self {
            client,
            policy,
            hosts: Mutex::new(HashMap::new()),
        })
    }

    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// Fetches `url` once (with retries); `file://` URLs are read from disk.
    #[tracing::instrument(skip_all, fields(url = %url))]
    pub async fn fetch(&self, url: &Url, cond: &Conditional) -> Result<Fetched, FetchError> {
        match url.scheme() {
            "file" => self.read_file(url).await,
            "http" | "https" => {
                let host = format!(
                    "{}:{}",
                    url.host_str().unwrap_or(""),
                    url.port_or_known_default().unwrap_or(0)
                );
                let gate = {
                    let mut hosts = self.hosts.lock().expect("host map lock is never poisoned");
                    hosts
                        .entry(host)
                        .or_insert_with(|| Arc::new(Semaphore::new(1)))
                        .clone()
                };
                let _permit = gate.acquire().await.expect("semaphore is never closed");
                self.fetch_http(url, cond).await
            }
            other => Err(FetchError::Scheme {
                url: url.to_string(),
                scheme: other.to_owned(),
            }),
        }
    }

    async fn read_file(&self, url: &Url) -> Result<Fetched, FetchError> {
        let path = url.to_file_path().map_err(|()| FetchError::File {
            path: url.to_string(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a local file path"),
        })?;
        let file_err = |source| FetchError::File {
            path: path.display().to_string(),
            source,
        };
        let meta = tokio::fs::metadata(&path).await.map_err(file_err)?;
        if meta.len() > self.policy.max_bytes {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                limit: self.policy.max_bytes,
            });
        }
        let body = tokio::fs::read(&path).await.map_err(file_err)?;
        Ok(Fetched::Body {
            status: None,
            body,
            etag: None,
            last_modified: None,
        })
    }

    async fn fetch_http(&self, url: &Url, cond: &Conditional) -> Result<Fetched, FetchError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(url, cond, attempt).await {
                Attempt::Done(result) => return result,
                Attempt::Retry { error, after } => {
                    if attempt > self.policy.retries {
                        return Err(error);
                    }
                    let delay = after.unwrap_or_else(|| self.backoff(attempt));
                    tracing::warn!(attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying fetch");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        backoff(self.policy.backoff_base, self.policy.backoff_max, attempt)
    }

    async fn attempt(&self, url: &Url, cond: &Conditional, attempts: u32) -> Attempt {
        let u = url.to_string();
        let mut headers = HeaderMap::new();
        if let Some(v) = cond
            .etag
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(header::IF_NONE_MATCH, v);
        }
        if let Some(v) = cond
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(header::IF_MODIFIED_SINCE, v);
        }
        if let Some((name, key)) = &cond.api_key {
            use secrecy::ExposeSecret;
            if let (Ok(name), Ok(mut v)) = (
                header::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(key.expose_secret()),
            ) {
                v.set_sensitive(true);
                headers.insert(name, v);
            }
        }
        let response = match self.client.get(url.clone()).headers(headers).send().await {
            Ok(r) => r,
            Err(e) => return self.classify(u, e, attempts),
        };
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Attempt::Done(Ok(Fetched::NotModified { status: 304 }));
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let after = retry_after(response.headers()).map(|d| d.min(self.policy.backoff_max));
            return Attempt::Retry {
                error: FetchError::Status {
                    url: u,
                    status: status.as_u16(),
                    attempts,
                },
                after,
            };
        }
        if !status.is_success() {
            return Attempt::Done(Err(FetchError::Status {
                url: u,
                status: status.as_u16(),
                attempts,
            }));
        }
        let header_str = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let etag = header_str(header::ETAG);
        let last_modified = header_str(header::LAST_MODIFIED);
        let limit = self.policy.max_bytes;
        if response.content_length().is_some_and(|n| n > limit) {
            return Attempt::Done(Err(FetchError::TooLarge { url: u, limit }));
        }
        // Set only when the body is not being decompressed (then it counts the bytes we read).
        let declared = response.content_length();
        let mut response = response;
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() as u64 + chunk.len() as u64 > limit {
                        return Attempt::Done(Err(FetchError::TooLarge { url: u, limit }));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                // The connection ended before the promised length: say so, and try again.
                Err(_) if declared.is_some_and(|n| (body.len() as u64) < n) => break,
                Err(e) => return self.classify(u, e, attempts),
            }
        }
        if let Some(declared) = declared.filter(|n| (body.len() as u64) < *n) {
            return Attempt::Retry {
                error: FetchError::Short {
                    url: u,
                    got: body.len(),
                    declared,
                },
                after: None,
            };
        }
        Attempt::Done(Ok(Fetched::Body {
            status: Some(status.as_u16()),
            body,
            etag,
            last_modified,
        }))
    }

    fn classify(&self, url: String, e: reqwest::Error, attempts: u32) -> Attempt {
        if e.is_timeout() {
            Attempt::Retry {
                error: FetchError::Timeout { url, attempts },
                after: None,
            }
        } else if e.is_connect() {
            Attempt::Retry {
                error: FetchError::Connect {
                    url,
                    attempts,
                    source: e,
                },
                after: None,
            }
        } else if e.is_body() || e.is_decode() || e.is_request() {
            // A dropped connection mid-body is transient; a decode error is not.
            if e.is_decode() {
                Attempt::Done(Err(FetchError::Request { url, source: e }))
            } else {
                Attempt::Retry {
                    error: FetchError::Request { url, source: e },
                    after: None,
                }
            }
        } else {
            Attempt::Done(Err(FetchError::Request { url, source: e }))
        }
    }
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or_default())
}

/// Exponential back-off with equal jitter, capped: a random wait between half and all of
/// `base × 2^attempt` (at most `max`). Shared by fetch retries and the send's SMTP retries.
pub fn backoff(base: Duration, max: Duration, attempt: u32) -> Duration {
    let cap = base.saturating_mul(1u32 << attempt.min(16)).min(max);
    let ms = cap.as_millis() as u64;
    Duration::from_millis(rand::rng().random_range(ms / 2..=ms.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn backoff_grows_and_stays_under_the_cap() {
        let f = Fetcher::new(FetchPolicy {
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1000),
            ..FetchPolicy::default()
        })
        .unwrap();
        for attempt in 1..10 {
            let d = f.backoff(attempt);
            assert!(d <= Duration::from_millis(1000), "{d:?}");
        }
        assert!(f.backoff(1) <= Duration::from_millis(200));
    }
}
