//! Configuration: one TOML file, every key overridable from the environment
//! (`MODELBRIEF__DATABASE__PATH=...`, `MODELBRIEF__SOURCES__0__URL=...`).
//!
//! Errors name the file, the line and the key. Secrets are never read from the file: the
//! sections that need them read `MODELBRIEF__…` variables into `secrecy` types directly.

use modelbrief_domain::{SourceKind, SourceName};
use modelbrief_ingester::{
    HealthPolicy, HtmlMetric, HtmlTableSpec, KindOptions, MetricKind, SourceSpec,
};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

/// The prefix of environment overrides.
pub const ENV_PREFIX: &str = "MODELBRIEF__";

/// A configuration that cannot be used; the message says where and why.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub database: DatabaseConfig,
    #[serde(default)]
    pub fetch: FetchConfig,
    #[serde(default)]
    pub quarantine: QuarantineConfig,
    #[serde(default)]
    pub identity: IdentityConfig,
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    #[serde(default)]
    pub brief: BriefConfig,
    #[serde(default)]
    pub smtp: SmtpConfig,
    #[serde(default)]
    pub mail: MailConfig,
    #[serde(default)]
    pub web: WebConfig,
    #[serde(default)]
    pub tokens: TokensConfig,
    #[serde(default)]
    pub consent: ConsentConfig,
    #[serde(default)]
    pub delivery: DeliveryConfig,
    #[serde(default)]
    pub schedule: ScheduleConfig,
    #[serde(default)]
    #[allow(dead_code)]
    pub logging: LoggingConfig,
}

/// `[schedule]`: when the daemon and `tick` pull and send.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleConfig {
    pub timezone: String,
    /// Cron with seconds: `sec min hour day-of-month month day-of-week`.
    pub ingest: String,
    pub brief: String,
    /// An edition not sent within this of its time is held, not sent late.
    #[serde(with = "humantime_serde")]
    pub late_send_limit: Duration,
    /// How long a shutdown waits for in-flight work.
    #[serde(with = "humantime_serde")]
    pub shutdown_timeout: Duration,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        Self {
            timezone: "UTC".into(),
            ingest: "0 0 */6 * * *".into(),
            brief: "0 0 9 * * Mon".into(),
            late_send_limit: Duration::from_secs(12 * 3600),
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

/// `[logging]`: `format = "auto" | "json" | "text"` (auto: text on a terminal, JSON otherwise).
/// Read by `main` before the rest of the configuration; here so the key validates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoggingConfig {
    pub format: String,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self {
            format: "auto".into(),
        }
    }
}

/// `[delivery]`: how the weekly send runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// SMTP connections (one worker each).
    pub connections: usize,
    /// Deliveries claimed at a time per worker (the most that can be left in doubt by a crash).
    pub batch: usize,
    /// Relay limits; 0 = none.
    pub per_second: u32,
    pub per_hour: u32,
    /// Attempts per delivery before it counts as failed for good.
    pub max_attempts: i64,
    #[serde(with = "humantime_serde")]
    pub retry_base: Duration,
    #[serde(with = "humantime_serde")]
    pub retry_max: Duration,
    /// How long one run keeps retrying transient failures before leaving them to the next run.
    #[serde(with = "humantime_serde")]
    pub retry_window: Duration,
    /// Hard bounces before a subscriber is suppressed.
    pub bounce_threshold: i64,
    /// The send pauses when bounces + failures for good exceed this share of the list…
    pub error_budget_pct: f64,
    /// …or this many, whichever is smaller.
    pub error_budget_max: i64,
    /// The pre-send check refuses larger messages.
    pub max_message_bytes: usize,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            connections: 4,
            batch: 8,
            per_second: 0,
            per_hour: 0,
            max_attempts: 5,
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(300),
            retry_window: Duration::from_secs(900),
            bounce_threshold: 1,
            error_budget_pct: 5.0,
            error_budget_max: 500,
            max_message_bytes: 500_000,
        }
    }
}

/// `[smtp]`: the relay. The password comes only from `MODELBRIEF__SMTP__PASSWORD`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: modelbrief_mailer::smtp::TlsMode,
    pub username: String,
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    pub hello_name: String,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 2525,
            tls: modelbrief_mailer::smtp::TlsMode::None,
            username: String::new(),
            timeout: Duration::from_secs(30),
            hello_name: "localhost".into(),
        }
    }
}

impl SmtpConfig {
    /// The settings, with the password from the environment.
    pub fn settings(&self, env: &[(String, String)]) -> modelbrief_mailer::smtp::SmtpSettings {
        let password = env
            .iter()
            .find(|(k, _)| k == "MODELBRIEF__SMTP__PASSWORD")
            .map(|(_, v)| secrecy::SecretString::from(v.clone()));
        modelbrief_mailer::smtp::SmtpSettings {
            host: self.host.clone(),
            port: self.port,
            tls: self.tls,
            username: (!self.username.is_empty()).then(|| self.username.clone()),
            password,
            timeout: self.timeout,
            hello_name: self.hello_name.clone(),
        }
    }
}

/// `[mail]`: who the mail is from, and the CAN-SPAM postal address.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    pub from: String,
    pub postal_address: String,
    /// `List-Id` value inside `<>`; default `brief.<from domain>`.
    pub list_id: Option<String>,
    /// An optional `mailto:` for `List-Unsubscribe`, e.g. `mailto:unsubscribe@example.com`.
    pub unsubscribe_mailto: Option<String>,
    pub dkim: Option<DkimConfig>,
}

/// `[mail.dkim]`: the key from `private_key_path` or `MODELBRIEF__MAIL__DKIM_PRIVATE_KEY`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkimConfig {
    pub selector: String,
    pub domain: String,
    /// `rsa` (PKCS#1 PEM) or `ed25519` (base64 of the 32-byte seed).
    #[serde(default = "rsa")]
    pub algorithm: String,
    pub private_key_path: Option<PathBuf>,
}

fn rsa() -> String {
    "rsa".into()
}

impl DkimConfig {
    pub fn load(
        &self,
        env: &[(String, String)],
    ) -> Result<modelbrief_mailer::messages::Dkim, ConfigError> {
        use lettre::message::dkim::{
            DkimCanonicalization, DkimCanonicalizationType, DkimSigningAlgorithm, DkimSigningKey,
        };
        let key = match env
            .iter()
            .find(|(k, _)| k == "MODELBRIEF__MAIL__DKIM_PRIVATE_KEY")
        {
            Some((_, v)) => v.clone(),
            None => {
                let path = self.private_key_path.as_ref().ok_or_else(|| {
                    ConfigError(
                        "[mail.dkim] needs private_key_path or MODELBRIEF__MAIL__DKIM_PRIVATE_KEY"
                            .into(),
                    )
                })?;
                std::fs::read_to_string(path).map_err(|e| {
                    ConfigError(format!(
                        "[mail.dkim] private_key_path {}: {e}",
                        path.display()
                    ))
                })?
            }
        };
        let algorithm = match self.algorithm.as_str() {
            "rsa" => DkimSigningAlgorithm::Rsa,
            "ed25519" => DkimSigningAlgorithm::Ed25519,
            other => {
                return Err(ConfigError(format!(
                    "[mail.dkim] algorithm {other:?}: use rsa or ed25519"
                )));
            }
        };
        let key = DkimSigningKey::new(key.trim(), algorithm)
            .map_err(|e| ConfigError(format!("[mail.dkim] the private key cannot be read: {e}")))?;
        let headers = modelbrief_mailer::messages::SIGNED_HEADERS
            .iter()
            .map(|h| lettre::message::header::HeaderName::new_from_ascii_str(h))
            .collect();
        let canon = DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        };
        Ok(modelbrief_mailer::messages::Dkim {
            config: lettre::message::dkim::DkimConfig::new(
                self.selector.clone(),
                self.domain.clone(),
                key,
                headers,
                canon,
            ),
        })
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            from: "modelbrief <brief@example.com>".into(),
            postal_address: "modelbrief, 1 Example Street, Example City".into(),
            list_id: None,
            unsubscribe_mailto: None,
            dkim: None,
        }
    }
}

/// `[web]`: the HTTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    pub listen: String,
    pub base_url: Url,
    pub record_ip: bool,
    pub trust_forwarded_for: bool,
    pub subscribe_per_ip_per_minute: u32,
    pub confirmations_per_address_per_hour: u32,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            base_url: Url::parse("http://127.0.0.1:8080").expect("valid"),
            record_ip: false,
            trust_forwarded_for: false,
            subscribe_per_ip_per_minute: 10,
            confirmations_per_address_per_hour: 3,
        }
    }
}

/// `[tokens]`: link tokens. The key comes only from `MODELBRIEF__TOKENS__SECRET`; earlier keys
/// (so old links keep working after a rotation) from `MODELBRIEF__TOKENS__PREVIOUS_SECRETS`,
/// comma-separated.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokensConfig {
    #[serde(with = "humantime_serde")]
    pub confirm_ttl: Duration,
}

impl Default for TokensConfig {
    fn default() -> Self {
        Self {
            confirm_ttl: Duration::from_secs(7 * 86400),
        }
    }
}

impl TokensConfig {
    pub fn keys(
        &self,
        env: &[(String, String)],
    ) -> Result<modelbrief_mailer::TokenKeys, ConfigError> {
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let secret = get("MODELBRIEF__TOKENS__SECRET").ok_or_else(|| {
            ConfigError("MODELBRIEF__TOKENS__SECRET is not set: links in mail need a secret key of at least 32 characters (e.g. `openssl rand -hex 32`)".into())
        })?;
        let previous = get("MODELBRIEF__TOKENS__PREVIOUS_SECRETS")
            .map(|v| {
                v.split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| secrecy::SecretString::from(s.trim().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        modelbrief_mailer::TokenKeys::new(
            secrecy::SecretString::from(secret),
            previous,
            self.confirm_ttl.as_secs() as i64,
        )
        .map_err(|e| ConfigError(e.to_string()))
    }
}

/// `[consent]`: what a subscriber agrees to, recorded with every sign-up.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsentConfig {
    pub version: String,
    pub text: String,
}

impl Default for ConsentConfig {
    fn default() -> Self {
        Self {
            version: "2026-11-01".into(),
            text: "I want to receive the modelbrief weekly email, and I know I can unsubscribe at any time.".into(),
        }
    }
}

/// `[brief]`: what counts as news, and the categories.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BriefConfig {
    /// Length of the window before the edition time.
    #[serde(with = "humantime_serde")]
    pub window: Duration,
    pub price_threshold_pct: f64,
    pub top_n: u32,
    pub mover_threshold: u32,
    pub mover_max_rank: u32,
    pub removal_confirmations: usize,
    #[serde(with = "humantime_serde")]
    pub stale_after: Duration,
    pub overall_min_categories: usize,
    /// A folder whose `brief.html` / `brief.txt` override the built-in templates.
    pub templates: Option<PathBuf>,
    pub categories: Vec<CategoryConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryConfig {
    pub name: String,
    #[serde(default = "one")]
    pub weight: f64,
    #[serde(default = "one_usize")]
    pub min_benchmarks: usize,
    /// Benchmark name → weight within the category.
    pub benchmarks: BTreeMap<String, f64>,
}

fn one() -> f64 {
    1.0
}

fn one_usize() -> usize {
    1
}

impl Default for BriefConfig {
    fn default() -> Self {
        let d = modelbrief_differ::Settings::default();
        let cat = |name: &str, weight: f64, min: usize, parts: &[&str]| CategoryConfig {
            name: name.to_owned(),
            weight,
            min_benchmarks: min,
            benchmarks: parts.iter().map(|p| ((*p).to_owned(), 1.0)).collect(),
        };
        Self {
            window: Duration::from_secs(7 * 24 * 3600),
            price_threshold_pct: d.price_threshold_pct,
            top_n: d.top_n,
            mover_threshold: d.mover_threshold,
            mover_max_rank: d.mover_max_rank,
            removal_confirmations: d.removal_confirmations,
            stale_after: Duration::from_secs(d.stale_after_secs as u64),
            overall_min_categories: d.overall_min_categories,
            templates: None,
            // BenchLM's weights for the categories our sources can fill.
            categories: vec![
                cat(
                    "Agentic",
                    0.22,
                    1,
                    &["aa_agentic_index", "livebench:Agentic Coding"],
                ),
                cat(
                    "Coding",
                    0.20,
                    2,
                    &["livebench:Coding", "aider_polyglot", "aa_coding_index"],
                ),
                cat(
                    "Reasoning",
                    0.17,
                    1,
                    &["livebench:Reasoning", "aa_intelligence_index"],
                ),
                cat(
                    "Knowledge",
                    0.12,
                    2,
                    &["livebench:Language", "livebench:Data Analysis"],
                ),
                cat("Instruction Following", 0.05, 1, &["livebench:IF"]),
                cat("Math", 0.05, 1, &["livebench:Mathematics"]),
            ],
        }
    }
}

impl BriefConfig {
    pub fn settings(&self) -> modelbrief_differ::Settings {
        modelbrief_differ::Settings {
            price_threshold_pct: self.price_threshold_pct,
            top_n: self.top_n,
            mover_threshold: self.mover_threshold,
            mover_max_rank: self.mover_max_rank,
            removal_confirmations: self.removal_confirmations,
            stale_after_secs: self.stale_after.as_secs() as i64,
            overall_min_categories: self.overall_min_categories,
            categories: self
                .categories
                .iter()
                .map(|c| modelbrief_differ::CategoryDef {
                    name: c.name.clone(),
                    weight: c.weight,
                    min_benchmarks: c.min_benchmarks,
                    parts: c
                        .benchmarks
                        .iter()
                        .map(|(b, w)| modelbrief_differ::CategoryPart {
                            benchmark: b.clone(),
                            weight: *w,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub path: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FetchConfig {
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    pub retries: u32,
    #[serde(with = "humantime_serde")]
    pub backoff_base: Duration,
    #[serde(with = "humantime_serde")]
    pub backoff_max: Duration,
    pub max_bytes: u64,
    pub user_agent: Option<String>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        let p = modelbrief_ingester::FetchPolicy::default();
        Self {
            connect_timeout: p.connect_timeout,
            timeout: p.timeout,
            retries: p.retries,
            backoff_base: p.backoff_base,
            backoff_max: p.backoff_max,
            max_bytes: p.max_bytes,
            user_agent: None,
        }
    }
}

impl FetchConfig {
    pub fn policy(&self) -> modelbrief_ingester::FetchPolicy {
        let mut p = modelbrief_ingester::FetchPolicy {
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            retries: self.retries,
            backoff_base: self.backoff_base,
            backoff_max: self.backoff_max,
            max_bytes: self.max_bytes,
            ..Default::default()
        };
        if let Some(ua) = &self.user_agent {
            p.user_agent = ua.clone();
        }
        p
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuarantineConfig {
    pub max_row_loss: f64,
    pub max_skipped: f64,
    pub mass_price_share: f64,
    pub mass_score_share: f64,
    pub mass_score_delta: f64,
}

impl Default for QuarantineConfig {
    fn default() -> Self {
        let p = HealthPolicy::default();
        Self {
            max_row_loss: p.max_row_loss,
            max_skipped: p.max_skipped,
            mass_price_share: p.mass_price_share,
            mass_score_share: p.mass_score_share,
            mass_score_delta: p.mass_score_delta,
        }
    }
}

impl QuarantineConfig {
    pub fn policy(&self) -> HealthPolicy {
        HealthPolicy {
            max_row_loss: self.max_row_loss,
            max_skipped: self.max_skipped,
            mass_price_share: self.mass_price_share,
            mass_score_share: self.mass_score_share,
            mass_score_delta: self.mass_score_delta,
            ..HealthPolicy::default()
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    /// The operator's alias file: spellings the rules cannot resolve.
    pub aliases: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub name: SourceName,
    pub kind: SourceKind,
    pub url: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// LiveBench: the categories JSON that maps categories to task columns.
    pub categories_url: Option<String>,
    /// `html_table`: the selectors.
    pub html: Option<HtmlConfig>,
    /// Overrides `[schedule] ingest` for this source.
    pub schedule: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlConfig {
    pub rows: String,
    pub model: String,
    #[serde(default)]
    pub metrics: Vec<HtmlMetricConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlMetricConfig {
    pub name: String,
    pub selector: String,
    pub attr: Option<String>,
    #[serde(default = "score_kind")]
    pub kind: HtmlMetricKind,
    pub category: Option<String>,
    pub unit: Option<String>,
}

fn score_kind() -> HtmlMetricKind {
    HtmlMetricKind::Score
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HtmlMetricKind {
    Score,
    InputPrice,
    OutputPrice,
    Context,
    Extra,
}

/// A loaded, validated configuration and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub sources: Vec<SourceSpec>,
    /// Lowercased source spelling → `key` or `key:variant`.
    pub aliases: BTreeMap<String, String>,
    /// The process environment (secrets are read from here where needed).
    pub env: Vec<(String, String)>,
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, col)
}

/// The key written at the start of a line (`kind = "x"` → `kind`), if any.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let (k, _) = l.split_once('=')?;
    let k = k.trim().trim_matches('"');
    (!k.is_empty() && !k.starts_with('[')).then(|| k.to_owned())
}

/// The line of `key = …` inside the `index`-th `[[sources]]` table, for semantic errors.
fn source_key_line(text: &str, index: usize, key: &str) -> Option<usize> {
    let mut seen = None;
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if t == "[[sources]]" {
            seen = Some(seen.map_or(0, |n: usize| n + 1));
            continue;
        }
        if seen == Some(index) {
            if t.starts_with("[[") && !t.starts_with("[[sources.")
                || (t.starts_with('[') && !t.starts_with("[sources") && !t.starts_with("[[sources"))
            {
                return None;
            }
            if t.split_once('=').is_some_and(|(k, _)| k.trim() == key) {
                return Some(i + 1);
            }
        }
    }
    None
}

/// Environment variables that hold secrets: read where needed, never merged into the config.
fn is_secret(path: &[String]) -> bool {
    matches!(path, [a, b] if (a == "smtp" && b == "password")
        || (a == "tokens" && (b == "secret" || b == "previous_secrets"))
        || (a == "mail" && b == "dkim_private_key"))
}

/// Applies `MODELBRIEF__A__B=value` overrides to a TOML table. Returns the names applied.
fn apply_env(
    table: &mut toml::Table,
    vars: &[(String, String)],
) -> Result<Vec<String>, ConfigError> {
    let mut applied = Vec::new();
    for (name, raw) in vars {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let path: Vec<String> = rest.split("__").map(|s| s.to_ascii_lowercase()).collect();
        // Secrets are read by the sections that need them, never merged into the config.
        if is_secret(&path) {
            continue;
        }
        let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(raw.clone()));
        set_path(table, &path, value)
            .map_err(|why| ConfigError(format!("environment variable {name}: {why}")))?;
        applied.push(name.clone());
    }
    Ok(applied)
}

fn set_path(table: &mut toml::Table, path: &[String], value: toml::Value) -> Result<(), String> {
    let (first, rest) = path.split_first().ok_or("empty key")?;
    if rest.is_empty() {
        table.insert(first.clone(), value);
        return Ok(());
    }
    let entry = table
        .entry(first.clone())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    set_value(entry, rest, value)
}

fn set_value(node: &mut toml::Value, path: &[String], value: toml::Value) -> Result<(), String> {
    match node {
        toml::Value::Table(t) => set_path(t, path, value),
        toml::Value::Array(items) => {
            let (idx, rest) = path.split_first().ok_or("empty key")?;
            let i: usize = idx
                .parse()
                .map_err(|_| format!("{idx:?} is not an array index"))?;
            let len = items.len();
            let item = items
                .get_mut(i)
                .ok_or_else(|| format!("index {i} is past the {len} configured entries"))?;
            if rest.is_empty() {
                *item = value;
                Ok(())
            } else {
                set_value(item, rest, value)
            }
        }
        _ => Err(format!(
            "{} is not a table",
            path.first().map_or("", String::as_str)
        )),
    }
}

/// Resolves a source URL: absolute URLs as written; `file:relative/path` against `base`.
fn resolve_url(raw: &str, base: &Path) -> Result<Url, String> {
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

/// Reads, overrides from the environment, and validates a configuration file.
pub fn load(path: &Path, env: &[(String, String)]) -> Result<Loaded, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("{shown}: cannot read the configuration file: {e}")))?;
    let located = |e: toml::de::Error| {
        let (line, col) = e.span().map_or((0, 0), |s| line_col(&text, s.start));
        let key = key_on_line(&text, line).map_or_else(String::new, |k| format!(" (key `{k}`)"));
        ConfigError(format!("{shown}:{line}:{col}{key}: {}", e.message().trim()))
    };
    let mut config: Config = toml::from_str(&text).map_err(located)?;
    let mut table: toml::Table = toml::from_str(&text).map_err(located)?;
    let applied = apply_env(&mut table, env)?;
    if !applied.is_empty() {
        config = Config::deserialize(toml::Value::Table(table)).map_err(|e| {
            ConfigError(format!(
                "{shown} with overrides from {}: {}",
                applied.join(", "),
                e.message().trim()
            ))
        })?;
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let at = |i: usize, key: &str| {
        source_key_line(&text, i, key).map_or_else(
            || format!("{shown}: sources[{i}]"),
            |l| format!("{shown}:{l}: sources[{i}]"),
        )
    };
    let mut names = HashSet::new();
    let mut sources = Vec::new();
    for (i, s) in config.sources.iter().enumerate() {
        if !names.insert(s.name.clone()) {
            return Err(ConfigError(format!(
                "{} (key `name`): duplicate source name {:?}",
                at(i, "name"),
                s.name.as_str()
            )));
        }
        let url = resolve_url(&s.url, base).map_err(|e| {
            ConfigError(format!(
                "{} (key `url`): bad URL {:?}: {e}",
                at(i, "url"),
                s.url
            ))
        })?;
        let options = match s.kind {
            SourceKind::Livebench => KindOptions::Livebench { categories: None },
            SourceKind::HtmlTable => {
                let html = s.html.as_ref().ok_or_else(|| {
                    ConfigError(format!("{} (source {:?}): kind html_table needs a [sources.html] table with rows, model and metrics selectors", at(i, "kind"), s.name.as_str()))
                })?;
                KindOptions::HtmlTable(
                    html_spec(html)
                        .map_err(|e| ConfigError(format!("{} (key `html`): {e}", at(i, "html"))))?,
                )
            }
            _ => KindOptions::None,
        };
        if s.kind == SourceKind::Livebench && s.categories_url.is_none() {
            return Err(ConfigError(format!(
                "{} (source {:?}): kind livebench needs categories_url",
                at(i, "kind"),
                s.name.as_str()
            )));
        }
        let categories_url = match &s.categories_url {
            Some(c) => Some(resolve_url(c, base).map_err(|e| {
                ConfigError(format!(
                    "{} (key `categories_url`): bad URL {c:?}: {e}",
                    at(i, "categories_url")
                ))
            })?),
            None => None,
        };
        if s.enabled {
            sources.push(SourceSpec {
                name: s.name.clone(),
                kind: s.kind,
                url,
                categories_url,
                options,
            });
        }
    }
    let aliases = match &config.identity.aliases {
        Some(file) => load_aliases(&base.join(file))?,
        None => BTreeMap::new(),
    };
    let tz: chrono_tz::Tz = config.schedule.timezone.parse().map_err(|_| {
        ConfigError(format!(
            "{shown}: [schedule] timezone {:?} is not an IANA time zone (e.g. UTC, Europe/Berlin)",
            config.schedule.timezone
        ))
    })?;
    for (key, expr) in [
        ("ingest", &config.schedule.ingest),
        ("brief", &config.schedule.brief),
    ] {
        crate::schedule::Cron::parse(expr, tz)
            .map_err(|e| ConfigError(format!("{shown}: [schedule] {key}: {e}")))?;
    }
    for (i, s) in config.sources.iter().enumerate() {
        if let Some(expr) = &s.schedule {
            crate::schedule::Cron::parse(expr, tz)
                .map_err(|e| ConfigError(format!("{} (key `schedule`): {e}", at(i, "schedule"))))?;
        }
    }
    if let Some(t) = &config.brief.templates {
        config.brief.templates = Some(base.join(t));
    }
    if let Some(d) = config.mail.dkim.as_mut()
        && let Some(p) = &d.private_key_path
    {
        d.private_key_path = Some(base.join(p));
    }
    Ok(Loaded {
        config,
        sources,
        aliases,
        env: env.to_vec(),
    })
}

fn html_spec(html: &HtmlConfig) -> Result<HtmlTableSpec, String> {
    let sel =
        |what: &str, css: &str| modelbrief_ingester::selector(what, css).map_err(|e| e.to_string());
    Ok(HtmlTableSpec {
        rows: sel("rows", &html.rows)?,
        model: sel("model", &html.model)?,
        metrics: html
            .metrics
            .iter()
            .map(|m| {
                Ok(HtmlMetric {
                    name: m.name.clone(),
                    selector: sel(&format!("metric {}", m.name), &m.selector)?,
                    attr: m.attr.clone(),
                    kind: match m.kind {
                        HtmlMetricKind::Score => MetricKind::Score,
                        HtmlMetricKind::InputPrice => MetricKind::InputPrice,
                        HtmlMetricKind::OutputPrice => MetricKind::OutputPrice,
                        HtmlMetricKind::Context => MetricKind::Context,
                        HtmlMetricKind::Extra => MetricKind::Extra,
                    },
                    category: m.category.clone(),
                    unit: m.unit.clone(),
                })
            })
            .collect::<Result<_, String>>()?,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AliasFile {
    #[serde(default)]
    aliases: BTreeMap<String, String>,
}

fn load_aliases(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("{shown}: cannot read the alias file: {e}")))?;
    let file: AliasFile = toml::from_str(&text).map_err(|e| {
        let (line, col) = e.span().map_or((0, 0), |s| line_col(&text, s.start));
        ConfigError(format!("{shown}:{line}:{col}: {}", e.message().trim()))
    })?;
    let mut out = BTreeMap::new();
    for (from, to) in file.aliases {
        let (key, _variant) = to
            .split_once(':')
            .map_or((to.as_str(), None), |(k, v)| (k, Some(v)));
        if modelbrief_domain::ModelKey::normalise(key).is_none_or(|k| k.as_str() != key) {
            return Err(ConfigError(format!(
                "{shown}: alias {from:?} = {to:?}: {key:?} is not a canonical key ([a-z0-9-])"
            )));
        }
        out.insert(from.to_lowercase(), to);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.toml");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    const GOOD: &str = "[database]\npath = \"x.db\"\n\n[[sources]]\nname = \"or\"\nkind = \"openrouter\"\nurl = \"https://openrouter.ai/api/v1/models\"\n";

    #[test]
    fn an_unknown_kind_is_reported_with_file_line_and_key() {
        let (_d, p) = write(&GOOD.replace("\"openrouter\"\nurl", "\"openrutter\"\nurl"));
        let err = load(&p, &[]).unwrap_err().0;
        assert!(err.contains("m.toml:6:8 (key `kind`)"), "{err}");
        assert!(err.contains("openrutter"), "{err}");
    }

    #[test]
    fn environment_variables_override_nested_keys_and_array_entries() {
        let (_d, p) = write(GOOD);
        let env = vec![
            (
                "MODELBRIEF__DATABASE__PATH".to_owned(),
                "/tmp/other.db".to_owned(),
            ),
            (
                "MODELBRIEF__SOURCES__0__URL".to_owned(),
                "https://example.com/m.json".to_owned(),
            ),
            ("MODELBRIEF__FETCH__RETRIES".to_owned(), "7".to_owned()),
            ("UNRELATED".to_owned(), "1".to_owned()),
        ];
        let l = load(&p, &env).unwrap();
        assert_eq!(l.config.database.path, PathBuf::from("/tmp/other.db"));
        assert_eq!(l.sources[0].url.as_str(), "https://example.com/m.json");
        assert_eq!(l.config.fetch.retries, 7);
    }

    #[test]
    fn a_duplicate_source_name_names_the_second_one() {
        let (_d, p) = write(&format!(
            "{GOOD}\n[[sources]]\nname = \"or\"\nkind = \"litellm\"\nurl = \"https://x/y\"\n"
        ));
        let err = load(&p, &[]).unwrap_err().0;
        assert!(
            err.contains("m.toml:10: sources[1] (key `name`): duplicate source name \"or\""),
            "{err}"
        );
    }

    #[test]
    fn a_bad_url_names_its_line() {
        let (_d, p) = write(&GOOD.replace("https://openrouter.ai/api/v1/models", "not a url"));
        let err = load(&p, &[]).unwrap_err().0;
        assert!(
            err.contains("m.toml:7: sources[0] (key `url`): bad URL \"not a url\""),
            "{err}"
        );
    }

    #[test]
    fn relative_file_urls_resolve_against_the_config_folder() {
        let (d, p) =
            write(&GOOD.replace("https://openrouter.ai/api/v1/models", "file:data/m.json"));
        let l = load(&p, &[]).unwrap();
        assert_eq!(
            l.sources[0].url.to_file_path().unwrap(),
            std::path::absolute(d.path().join("data/m.json")).unwrap()
        );
    }
}
