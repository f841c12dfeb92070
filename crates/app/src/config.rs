//! Configuration: one TOML file, every key overridable from the environment
//! (`MODELBRIEF__DATABASE__PATH=...`, `MODELBRIEF__SOURCES__0__URL=...`).
//!
//! The library policy types (`FetchPolicy`, `HealthPolicy`, `DeliveryPolicy`, `MetricKind`)
//! are deserialized as they are; cron expressions and the time zone are parsed once, while
//! loading. The file is parsed into a spanned TOML tree: errors name the file, line, column and
//! key from those spans, and an override's error names its environment variable. An override's
//! value is parsed against the field it sets: `3` is a number for a number field and text for
//! a text field. Secrets are never read from the file: they are read once from the environment
//! into [`Secrets`], which cannot be printed.

use crate::schedule::CronExpr;
use modelbrief_domain::{SourceKind, SourceName};
use modelbrief_ingester::{
    ApiKey, FetchPolicy, HealthPolicy, HtmlMetric, HtmlTableSpec, KindOptions, MetricKind,
    ReleaseChoice, ReleaseSpec, SourceSpec, resolve_url,
};
use secrecy::SecretString;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;
use toml::de::{DeTable, DeValue};
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
    pub fetch: FetchPolicy,
    #[serde(default)]
    pub quarantine: HealthPolicy,
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
    pub feedback: FeedbackConfig,
    /// `[[webhooks]]`: receivers of each edition's changes.
    #[serde(default)]
    pub webhooks: Vec<WebhookConfig>,
    #[serde(default)]
    pub tokens: TokensConfig,
    #[serde(default)]
    pub consent: ConsentConfig,
    #[serde(default)]
    pub delivery: crate::send::DeliveryPolicy,
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
    #[serde(deserialize_with = "zone")]
    pub timezone: chrono_tz::Tz,
    /// Cron with seconds: `sec min hour day-of-month month day-of-week`.
    pub ingest: CronExpr,
    pub brief: CronExpr,
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
            timezone: chrono_tz::UTC,
            ingest: "0 0 */6 * * *".parse().expect("a valid default"),
            brief: "0 0 9 * * Mon".parse().expect("a valid default"),
            late_send_limit: Duration::from_secs(12 * 3600),
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

/// An IANA time zone name, parsed once.
fn zone<'de, D: serde::Deserializer<'de>>(d: D) -> Result<chrono_tz::Tz, D::Error> {
    let name = String::deserialize(d)?;
    name.parse().map_err(|_| {
        serde::de::Error::custom(format!(
            "{name:?} is not an IANA time zone (e.g. UTC, Europe/Berlin)"
        ))
    })
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
    /// Send the password over a connection without TLS (`tls = "none"` with a username).
    /// Off: such a configuration is refused, because anyone on the path reads the password.
    pub allow_insecure_auth: bool,
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
            allow_insecure_auth: false,
        }
    }
}

impl SmtpConfig {
    /// The settings, with the password from the environment.
    pub fn settings(&self, secrets: &Secrets) -> modelbrief_mailer::smtp::SmtpSettings {
        let password = secrets.smtp_password.clone();
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
        secrets: &Secrets,
    ) -> Result<modelbrief_mailer::messages::Dkim, ConfigError> {
        use lettre::message::dkim::{
            DkimCanonicalization, DkimCanonicalizationType, DkimSigningAlgorithm, DkimSigningKey,
        };
        use secrecy::ExposeSecret;
        let key = match &secrets.dkim_private_key {
            Some(v) => v.expose_secret().to_owned(),
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

/// `[feedback]`: email services that report bounces and complaints after the send, each on its
/// own webhook (`/webhooks/ses`, `/webhooks/postmark`, `/webhooks/sendgrid`). A service not
/// configured here gets 404.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedbackConfig {
    pub ses: Option<SesFeedbackConfig>,
    pub postmark: Option<PostmarkFeedbackConfig>,
    pub sendgrid: Option<SendgridFeedbackConfig>,
}

/// `[feedback.ses]`: Amazon SES through an SNS topic subscribed to `/webhooks/ses`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SesFeedbackConfig {
    /// Only these topics are believed (empty: any topic whose signature verifies).
    pub topic_arns: Vec<String>,
    /// Signing-certificate hosts believed besides AWS's `sns.<region>.amazonaws.com`
    /// (`host:port`; plain HTTP only on loopback). For a test server or a private mirror.
    pub extra_cert_hosts: Vec<String>,
}

/// `[feedback.postmark]`: the webhook URL's Basic credentials; the password comes from
/// `MODELBRIEF__FEEDBACK__POSTMARK__PASSWORD`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostmarkFeedbackConfig {
    pub username: String,
}

/// `[feedback.sendgrid]`: the signed Event Webhook's verification key (base64, as SendGrid
/// shows it; a public key, not a secret).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SendgridFeedbackConfig {
    pub public_key: String,
}

impl FeedbackConfig {
    pub fn settings(
        &self,
        secrets: &Secrets,
    ) -> Result<modelbrief_web::FeedbackSettings, ConfigError> {
        let postmark = match &self.postmark {
            None => None,
            Some(p) => {
                let password = secrets.postmark_password.clone().ok_or_else(|| {
                    ConfigError("[feedback.postmark] needs MODELBRIEF__FEEDBACK__POSTMARK__PASSWORD (the password in the webhook URL's credentials)".into())
                })?;
                if p.username.trim().is_empty() {
                    return Err(ConfigError("[feedback.postmark] username is empty".into()));
                }
                Some(modelbrief_web::PostmarkSettings {
                    username: p.username.clone(),
                    password,
                })
            }
        };
        let sendgrid = match &self.sendgrid {
            None => None,
            Some(s) if s.public_key.trim().is_empty() => {
                return Err(ConfigError(
                    "[feedback.sendgrid] public_key is empty: paste the verification key SendGrid shows for the signed Event Webhook".into(),
                ));
            }
            Some(s) => Some(modelbrief_web::SendgridSettings {
                public_key: s.public_key.trim().to_owned(),
            }),
        };
        Ok(modelbrief_web::FeedbackSettings {
            ses: self.ses.as_ref().map(|s| modelbrief_web::SesSettings {
                topic_arns: s.topic_arns.clone(),
                cert_rules: modelbrief_feedback::ses::CertRules {
                    extra_hosts: s.extra_cert_hosts.clone(),
                },
            }),
            postmark,
            sendgrid,
        })
    }
}

/// `[web]`: the HTTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    pub listen: String,
    pub base_url: Url,
    pub record_ip: bool,
    /// Replaced by `trusted_proxies`; `true` is refused with a pointer to it.
    pub trust_forwarded_for: Option<bool>,
    /// Reverse proxies (CIDRs or single addresses) whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<TrustedProxy>,
    pub subscribe_per_ip_per_minute: u32,
    pub confirmations_per_address_per_hour: u32,
    /// A client that has not sent a whole request head in this time is disconnected.
    #[serde(with = "humantime_serde")]
    pub header_timeout: Duration,
    /// A request body must arrive within this time.
    #[serde(with = "humantime_serde")]
    pub body_timeout: Duration,
    /// A request must be answered within this time (408 otherwise).
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Open connections at most (lowered to fit the open-files limit).
    pub max_connections: usize,
    /// Open connections one client IP (IPv6: one /64) may hold.
    pub max_connections_per_ip: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        let limits = modelbrief_web::ServerLimits::default();
        Self {
            listen: "127.0.0.1:8080".into(),
            base_url: Url::parse("http://127.0.0.1:8080").expect("valid"),
            record_ip: false,
            trust_forwarded_for: None,
            trusted_proxies: Vec::new(),
            subscribe_per_ip_per_minute: 10,
            confirmations_per_address_per_hour: 3,
            header_timeout: limits.header_timeout,
            body_timeout: limits.body_timeout,
            request_timeout: limits.request_timeout,
            max_connections: limits.max_connections,
            max_connections_per_ip: limits.max_connections_per_ip,
        }
    }
}

impl WebConfig {
    pub fn limits(&self) -> modelbrief_web::ServerLimits {
        modelbrief_web::ServerLimits {
            header_timeout: self.header_timeout,
            body_timeout: self.body_timeout,
            request_timeout: self.request_timeout,
            max_connections: self.max_connections,
            max_connections_per_ip: self.max_connections_per_ip,
        }
    }
}

/// One `[web] trusted_proxies` entry: a CIDR (`10.0.0.0/8`) or a single address (`::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy(pub ipnet::IpNet);

impl<'de> Deserialize<'de> for TrustedProxy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let s = s.trim();
        s.parse::<ipnet::IpNet>()
            .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map(TrustedProxy)
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "{s:?} is not an IP address or CIDR (e.g. \"10.0.0.0/8\", \"::1\")"
                ))
            })
    }
}

/// `[[webhooks]]`: a receiver of every edition's changes, POSTed from a durable queue with
/// retries. The signing key comes only from `MODELBRIEF__WEBHOOKS__<i>__SECRET` (`<i>` is the
/// webhook's index, from 0): with it, the body's HMAC-SHA256 goes in `X-Modelbrief-Signature`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: url::Url,
    #[serde(default)]
    pub format: crate::webhooks::WebhookFormat,
    /// Which kinds of change to send (`new_model`, `price`, `listing_price`, `rank`, `context`,
    /// `speed`, `frontier`, `removed`); all when absent. An edition with none of them sends nothing.
    pub kinds: Option<Vec<modelbrief_mailer::changes::ChangeKind>>,
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
    pub fn keys(&self, secrets: &Secrets) -> Result<modelbrief_mailer::TokenKeys, ConfigError> {
        let secret = secrets.tokens_secret.clone().ok_or_else(|| {
            ConfigError("MODELBRIEF__TOKENS__SECRET is not set: links in mail need a secret key of at least 32 characters (e.g. `openssl rand -hex 32`)".into())
        })?;
        let make = if secrets.demo {
            modelbrief_mailer::TokenKeys::for_demo
        } else {
            modelbrief_mailer::TokenKeys::new
        };
        make(
            secret,
            secrets.previous_secrets.clone(),
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
    /// `[[brief.frontier]]`: boards (`<source>:<benchmark>`) and score floors whose cheapest
    /// model above the floor the brief follows.
    pub frontier: Vec<modelbrief_differ::FrontierDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryConfig {
    pub name: String,
    #[serde(default = "one")]
    pub weight: f64,
    #[serde(default = "one_usize")]
    pub min_benchmarks: usize,
    /// Benchmark name → weight within the category, in the order written (the first listed
    /// benchmark's scale wins a tie between scales).
    pub benchmarks: indexmap::IndexMap<String, f64>,
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
            frontier: Vec::new(),
            // BenchLM's weights for the categories our sources can fill.
            categories: vec![
                cat(
                    "Agentic",
                    0.22,
                    1,
                    &["livebench:Agentic Coding", "aa_agentic_index"],
                ),
                cat(
                    "Coding",
                    0.20,
                    1,
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
            frontier: self.frontier.clone(),
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
    /// LiveBench: the cost file (`cost_{release}.csv`): what running the benchmark cost.
    pub cost_url: Option<String>,
    /// `"auto"` (the newest release `releases_url` names) or a release date (`"2026-06-25"`);
    /// `{release}` in `url` and `categories_url` is replaced by it, written with underscores.
    pub release: Option<String>,
    /// With `release = "auto"`: a file listing the releases (LiveBench's `constants.js` with
    /// `RELEASES = [...]`, or `common.py` with `LIVE_BENCH_RELEASES = {...}`).
    pub releases_url: Option<String>,
    /// `html_table`: the selectors.
    pub html: Option<HtmlConfig>,
    /// `arena_dataset`: the categories whose leaderboards to track (default `["overall"]`).
    pub categories: Option<Vec<String>>,
    /// The environment variable holding the source's API key (`artificial_analysis`); the
    /// key itself is never written in the file.
    pub api_key_env: Option<String>,
    /// The header the key is sent in (default `x-api-key`).
    pub api_key_header: Option<String>,
    /// A pull with fewer rows than this is held (a partial answer that still parses).
    pub min_rows: Option<usize>,
    /// Overrides `[schedule] ingest` for this source.
    pub schedule: Option<CronExpr>,
    /// Content unchanged for longer than this makes the source stale (default: 10 days for
    /// price catalogues, 45 days for leaderboards).
    #[serde(default, with = "humantime_serde::option")]
    pub max_unchanged: Option<Duration>,
}

fn yes() -> bool {
    true
}

/// `[sources.html]`: how to read an HTML table (documented in docs/configuration.md).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlConfig {
    pub rows: String,
    pub model: String,
    /// The cell naming the model's maker (optional).
    pub provider: Option<String>,
    #[serde(default)]
    pub metrics: Vec<HtmlMetricConfig>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlMetricConfig {
    pub name: String,
    pub selector: String,
    pub attr: Option<String>,
    #[serde(default)]
    pub kind: MetricKind,
    pub category: Option<String>,
    pub unit: Option<String>,
    /// Must agree with the kind: true for score, speed and context; false for prices and
    /// latency.
    pub higher_is_better: Option<bool>,
}

/// What `config check` says of each group of commands: ready, or what is missing.
pub fn readiness(loaded: &Loaded) -> Vec<(&'static str, Result<(), String>)> {
    let cfg = &loaded.config;
    let keys = cfg
        .tokens
        .keys(&loaded.secrets)
        .map(|_| ())
        .map_err(|e| e.0);
    let smtp = if !cfg.smtp.username.is_empty() && loaded.secrets.smtp_password.is_none() {
        Err(format!(
            "smtp.username is {:?} but MODELBRIEF__SMTP__PASSWORD is not set",
            cfg.smtp.username
        ))
    } else {
        Ok(())
    };
    let dkim = match &cfg.mail.dkim {
        Some(d) => d.load(&loaded.secrets).map(|_| ()).map_err(|e| e.0),
        None => Ok(()),
    };
    let feedback = cfg
        .feedback
        .settings(&loaded.secrets)
        .map(|_| ())
        .map_err(|e| e.0);
    vec![
        ("ingest, brief, compare, status", Ok(())),
        (
            "serve",
            keys.clone().and(smtp.clone()).and(feedback.clone()),
        ),
        ("send, tick, daemon", keys.and(smtp).and(dkim).and(feedback)),
    ]
}

/// A loaded, validated configuration and where it came from.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub sources: Vec<SourceSpec>,
    /// Lowercased source spelling → `key` or `key:variant`.
    pub aliases: BTreeMap<String, String>,
    /// Read once from the environment; never printed.
    pub secrets: Secrets,
}

/// The secrets, read once from the environment (never from the file). `Debug` says only which
/// are set, so a `Loaded` can be logged.
#[derive(Default)]
pub struct Secrets {
    /// `MODELBRIEF__SMTP__PASSWORD`.
    pub smtp_password: Option<SecretString>,
    /// `MODELBRIEF__TOKENS__SECRET`: the key of the links in mail.
    pub tokens_secret: Option<SecretString>,
    /// `MODELBRIEF__TOKENS__PREVIOUS_SECRETS`, comma-separated: old keys still accepted.
    pub previous_secrets: Vec<SecretString>,
    /// `MODELBRIEF__MAIL__DKIM_PRIVATE_KEY`.
    pub dkim_private_key: Option<SecretString>,
    /// `MODELBRIEF__FEEDBACK__POSTMARK__PASSWORD`: Postmark's webhook credentials.
    pub postmark_password: Option<SecretString>,
    /// `MODELBRIEF__WEBHOOKS__<i>__SECRET`: each webhook's signing key, by index.
    pub webhook_secrets: std::collections::BTreeMap<usize, SecretString>,
    /// Set by `modelbrief demo` only (never from the environment): the public demo key may sign.
    pub demo: bool,
}

impl Secrets {
    /// The environment variables that hold secrets, as their paths below the prefix.
    const PATHS: [&'static str; 5] = [
        "SMTP__PASSWORD",
        "TOKENS__SECRET",
        "TOKENS__PREVIOUS_SECRETS",
        "MAIL__DKIM_PRIVATE_KEY",
        "FEEDBACK__POSTMARK__PASSWORD",
    ];

    pub fn from_env(env: &[(String, String)]) -> Self {
        let get = |k: &str| {
            env.iter()
                .find(|(n, _)| n.strip_prefix(ENV_PREFIX) == Some(k))
                .map(|(_, v)| v.as_str())
        };
        Self {
            smtp_password: get("SMTP__PASSWORD").map(SecretString::from),
            tokens_secret: get("TOKENS__SECRET").map(SecretString::from),
            previous_secrets: get("TOKENS__PREVIOUS_SECRETS")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(SecretString::from)
                        .collect()
                })
                .unwrap_or_default(),
            dkim_private_key: get("MAIL__DKIM_PRIVATE_KEY").map(SecretString::from),
            postmark_password: get("FEEDBACK__POSTMARK__PASSWORD").map(SecretString::from),
            webhook_secrets: env
                .iter()
                .filter_map(|(n, v)| {
                    Some((Self::webhook_index(n)?, SecretString::from(v.as_str())))
                })
                .collect(),
            demo: false,
        }
    }

    fn is_secret(name: &str) -> bool {
        Self::webhook_index(name).is_some()
            || name
                .strip_prefix(ENV_PREFIX)
                .is_some_and(|rest| Self::PATHS.iter().any(|p| rest.eq_ignore_ascii_case(p)))
    }

    /// `<i>` of `MODELBRIEF__WEBHOOKS__<i>__SECRET`.
    fn webhook_index(name: &str) -> Option<usize> {
        let rest = name.strip_prefix(ENV_PREFIX)?;
        let (head, tail) = rest.split_once("__")?;
        let (index, key) = tail.split_once("__")?;
        (head.eq_ignore_ascii_case("WEBHOOKS") && key.eq_ignore_ascii_case("SECRET"))
            .then(|| index.parse().ok())
            .flatten()
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |o: bool| if o { "set" } else { "unset" };
        f.debug_struct("Secrets")
            .field("smtp_password", &set(self.smtp_password.is_some()))
            .field("tokens_secret", &set(self.tokens_secret.is_some()))
            .field("previous_secrets", &self.previous_secrets.len())
            .field("dkim_private_key", &set(self.dkim_private_key.is_some()))
            .field("postmark_password", &set(self.postmark_password.is_some()))
            .field(
                "webhook_secrets",
                &self.webhook_secrets.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
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

type Node<'i> = Spanned<DeValue<'i>>;

/// The key whose entry (key or value) contains a byte offset. A table's span covers only its
/// header, so every table is searched, not only those whose span contains the offset.
fn key_at(table: &DeTable<'_>, offset: usize) -> Option<String> {
    fn in_value(v: &DeValue<'_>, offset: usize) -> Option<String> {
        match v {
            DeValue::Table(t) => key_at(t, offset),
            DeValue::Array(items) => items.iter().find_map(|i| in_value(i.get_ref(), offset)),
            _ => None,
        }
    }
    table.iter().find_map(|(k, v)| {
        in_value(v.get_ref(), offset).or_else(|| {
            (k.span().contains(&offset) || v.span().contains(&offset))
                .then(|| k.get_ref().to_string())
        })
    })
}

/// The node at a path of keys and array indexes.
fn node_at<'a, 'i>(table: &'a DeTable<'i>, path: &[&str]) -> Option<&'a Node<'i>> {
    let (first, rest) = path.split_first()?;
    let mut node = table.get(*first)?;
    for p in rest {
        node = match node.get_ref() {
            DeValue::Table(t) => t.get(*p)?,
            DeValue::Array(items) => items.get(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// A node parsed from a slice of the source, moved to the slice's place in it.
fn shifted<'i>(node: Node<'i>, by: usize) -> Node<'i> {
    let span = node.span();
    let span = span.start + by..span.end + by;
    let value = match node.into_inner() {
        DeValue::Array(items) => {
            DeValue::Array(items.into_iter().map(|i| shifted(i, by)).collect())
        }
        DeValue::Table(t) => DeValue::Table(
            t.into_iter()
                .map(|(k, v)| {
                    let ks = k.span();
                    (
                        Spanned::new(ks.start + by..ks.end + by, k.into_inner()),
                        shifted(v, by),
                    )
                })
                .collect(),
        ),
        other => other,
    };
    Spanned::new(span, value)
}

/// Sets the node at `path` (keys, and indexes into arrays that exist), creating tables.
fn set_node<'i>(
    table: &mut DeTable<'i>,
    path: &[String],
    span: Range<usize>,
    value: Node<'i>,
) -> Result<(), String> {
    let (first, rest) = path.split_first().ok_or("empty key")?;
    if rest.is_empty() {
        table.insert(Spanned::new(span, Cow::Owned(first.clone())), value);
        return Ok(());
    }
    if table.get(first.as_str()).is_none() {
        table.insert(
            Spanned::new(span.clone(), Cow::Owned(first.clone())),
            Spanned::new(span.clone(), DeValue::Table(DeTable::new())),
        );
    }
    let node = table.get_mut(first.as_str()).expect("inserted above");
    match node.get_mut() {
        DeValue::Table(t) => set_node(t, rest, span, value),
        DeValue::Array(items) => {
            let (idx, rest) = rest.split_first().ok_or("empty key")?;
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
            } else if let DeValue::Table(t) = item.get_mut() {
                set_node(t, rest, span, value)
            } else {
                Err(format!("{first}[{i}] is not a table"))
            }
        }
        _ => Err(format!("{first} is not a table")),
    }
}

/// One `MODELBRIEF__…` override: its name, its key path, and where its value sits in the
/// combined source (after the file's text).
struct Override {
    name: String,
    path: Vec<String>,
    at: Range<usize>,
}

impl Override {
    fn set<'i>(&self, doc: &mut DeTable<'i>, value: Node<'i>) -> Result<(), ConfigError> {
        set_node(doc, &self.path, self.at.clone(), value)
            .map_err(|why| ConfigError(format!("environment variable {}: {why}", self.name)))
    }
}

fn deserialize(doc: &Spanned<DeTable<'_>>) -> Result<Config, toml::de::Error> {
    Config::deserialize(toml::de::Deserializer::from(doc.clone()))
}

/// Reads, overrides from the environment, and validates a configuration file.
pub fn load(path: &Path, env: &[(String, String)]) -> Result<Loaded, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("{shown}: cannot read the configuration file: {e}")))?;
    // The overrides' values are appended to the file's text, so every span, in the file or in
    // an override, points into one string and an error says which of them it is in.
    let mut source = text.clone();
    let mut overrides = Vec::new();
    for (name, raw) in env {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        // Secrets are read into `Secrets`, never merged into the config.
        if Secrets::is_secret(name) {
            continue;
        }
        source.push('\n');
        let start = source.len();
        source.push_str(raw);
        overrides.push(Override {
            name: name.clone(),
            path: rest.split("__").map(|s| s.to_ascii_lowercase()).collect(),
            at: start..source.len(),
        });
    }
    let file = &source[..text.len()];
    let mut doc = DeTable::parse(file).map_err(|e| {
        let (line, col) = e.span().map_or((0, 0), |s| line_col(&text, s.start));
        ConfigError(format!("{shown}:{line}:{col}: {}", e.message().trim()))
    })?;
    let describe = |doc: &Spanned<DeTable<'_>>, e: toml::de::Error| {
        let message = e.message().trim().to_owned();
        match e.span() {
            Some(s) if s.start >= text.len() => {
                let o = overrides
                    .iter()
                    .find(|o| o.at.start <= s.start && s.start <= o.at.end);
                let name = o.map_or("an environment variable", |o| o.name.as_str());
                ConfigError(format!("{shown}: environment variable {name}: {message}"))
            }
            Some(s) => {
                let (line, col) = line_col(&text, s.start);
                let key = key_at(doc.get_ref(), s.start)
                    .map_or_else(String::new, |k| format!(" (key `{k}`)"));
                ConfigError(format!("{shown}:{line}:{col}{key}: {message}"))
            }
            None => ConfigError(format!("{shown}: {message}")),
        }
    };
    for o in &overrides {
        let raw = &source[o.at.clone()];
        let text_value = Spanned::new(o.at.clone(), DeValue::String(Cow::Borrowed(raw)));
        // Parsed against the field's type: a TOML literal (number, boolean, array) where the
        // field takes one, else the text as written.
        match DeValue::parse(raw) {
            Ok(literal) => {
                o.set(doc.get_mut(), shifted(literal, o.at.start))?;
                let rejected = matches!(deserialize(&doc), Err(e)
                    if e.span().is_some_and(|s| o.at.start <= s.start && s.start <= o.at.end));
                if rejected {
                    o.set(doc.get_mut(), text_value)?;
                }
            }
            Err(_) => o.set(doc.get_mut(), text_value)?,
        }
    }
    let mut config = deserialize(&doc).map_err(|e| describe(&doc, e))?;
    let key_line = |table: &str, key: &str| {
        node_at(doc.get_ref(), &[table, key])
            .map(Spanned::span)
            .filter(|s| s.start < text.len())
            .map_or_else(
                || shown.clone(),
                |s| format!("{shown}:{}", line_col(&text, s.start).0),
            )
    };
    if config.web.trust_forwarded_for == Some(true) {
        return Err(ConfigError(format!(
            "{} (key `web.trust_forwarded_for`): replaced by `trusted_proxies`, the addresses of your own reverse proxies (e.g. trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]); X-Forwarded-For is believed only when it comes from one of them",
            key_line("web", "trust_forwarded_for")
        )));
    }
    if config.smtp.tls == modelbrief_mailer::smtp::TlsMode::None
        && !config.smtp.username.is_empty()
        && !config.smtp.allow_insecure_auth
    {
        return Err(ConfigError(format!(
            "{} (key `smtp.tls`): tls = \"none\" with a username would send the SMTP password in clear text; use tls = \"starttls\" or \"tls\", or set allow_insecure_auth = true if the relay is on this machine",
            key_line("smtp", "tls")
        )));
    }
    for (i, f) in config.brief.frontier.iter().enumerate() {
        let known = f
            .board
            .split_once(':')
            .is_some_and(|(source, _)| config.sources.iter().any(|s| s.name.as_str() == source));
        if !known {
            return Err(ConfigError(format!(
                "{shown}: brief.frontier[{i}] (key `board`): {:?} is not `<source>:<benchmark>` with a configured source (a board id as rank shifts name it, e.g. \"livebench:livebench:Coding\")",
                f.board
            )));
        }
    }
    for (i, w) in config.webhooks.iter().enumerate() {
        // The URL itself may be a credential (Slack's, Discord's): errors name its host only.
        let receiver = modelbrief_ingester::post::redacted(w.url.as_str());
        if !matches!(w.url.scheme(), "http" | "https") {
            return Err(ConfigError(format!(
                "{shown}: webhooks[{i}] (key `url`): {receiver} is not an http(s) URL"
            )));
        }
        let secret = env
            .iter()
            .find(|(n, _)| Secrets::webhook_index(n) == Some(i))
            .map(|(_, v)| v.as_str());
        if secret.is_some_and(|v| v.trim().is_empty()) {
            return Err(ConfigError(format!(
                "{shown}: MODELBRIEF__WEBHOOKS__{i}__SECRET is empty: a signature under an empty key proves nothing"
            )));
        }
        if w.format == crate::webhooks::WebhookFormat::Json && secret.is_none() {
            return Err(ConfigError(format!(
                "{shown}: webhooks[{i}] sends JSON to {receiver} but MODELBRIEF__WEBHOOKS__{i}__SECRET is not set: the receiver needs the key to check the X-Modelbrief-Signature of each body"
            )));
        }
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let at = |i: usize, key: &str| {
        let index = i.to_string();
        match node_at(doc.get_ref(), &["sources", &index, key]).map(Spanned::span) {
            Some(s) if s.start < text.len() => {
                format!("{shown}:{}: sources[{i}]", line_col(&text, s.start).0)
            }
            Some(s) => {
                let name = overrides
                    .iter()
                    .find(|o| o.at.contains(&s.start))
                    .map_or("", |o| o.name.as_str());
                format!("{shown}: environment variable {name}: sources[{i}]")
            }
            None => format!("{shown}: sources[{i}]"),
        }
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
        let release =
            match &s.release {
                None => None,
                Some(r) => Some(release_spec(s, r, base).map_err(|e| {
                    ConfigError(format!("{} (key `release`): {e}", at(i, "release")))
                })?),
            };
        let api_key = match &s.api_key_env {
            None if s.kind == SourceKind::ArtificialAnalysis => {
                return Err(ConfigError(format!(
                    "{} (source {:?}): kind artificial_analysis needs api_key_env, the environment variable that holds its key",
                    at(i, "kind"),
                    s.name.as_str()
                )));
            }
            None => None,
            Some(variable) => {
                let header = s.api_key_header.as_deref().unwrap_or("x-api-key");
                if !modelbrief_ingester::valid_header_name(header) {
                    return Err(ConfigError(format!(
                        "{} (key `api_key_header`): {header:?} is not a header name",
                        at(i, "api_key_header")
                    )));
                }
                let header = header.to_owned();
                Some(
                    match env.iter().find(|(k, v)| k == variable && !v.is_empty()) {
                        Some((_, v)) => ApiKey::Set(header, SecretString::from(v.as_str())),
                        None => ApiKey::Missing {
                            variable: variable.clone(),
                        },
                    },
                )
            }
        };
        // A release source's own URL is its template, kept for display.
        let shown_url = s.url.replace("{release}", "RELEASE");
        let url = resolve_url(&shown_url, base).map_err(|e| {
            ConfigError(format!(
                "{} (key `url`): bad URL {:?}: {e}",
                at(i, "url"),
                s.url
            ))
        })?;
        let options = match s.kind {
            SourceKind::Livebench => KindOptions::Livebench {
                categories: None,
                cost: None,
            },
            SourceKind::ArenaDataset => KindOptions::ArenaDataset {
                categories: s
                    .categories
                    .clone()
                    .unwrap_or_else(|| vec!["overall".to_owned()]),
            },
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
        // Keys of one kind, written on another, would silently do nothing.
        for (set, key, kind) in [
            (s.release.is_some(), "release", SourceKind::Livebench),
            (
                s.releases_url.is_some(),
                "releases_url",
                SourceKind::Livebench,
            ),
            (
                s.categories_url.is_some(),
                "categories_url",
                SourceKind::Livebench,
            ),
            (s.cost_url.is_some(), "cost_url", SourceKind::Livebench),
            (s.html.is_some(), "html", SourceKind::HtmlTable),
        ] {
            if set && s.kind != kind {
                return Err(ConfigError(format!(
                    "{} (key `{key}`): only kind {kind} takes {key}",
                    at(i, key)
                )));
            }
        }
        if s.release.is_none()
            && (s.url.contains("{release}")
                || [&s.categories_url, &s.cost_url]
                    .iter()
                    .any(|u| u.as_deref().is_some_and(|c| c.contains("{release}"))))
        {
            return Err(ConfigError(format!(
                "{} (key `url`): {{release}} in a URL needs `release = \"auto\"` (with releases_url) or a release date",
                at(i, "url")
            )));
        }
        if s.api_key_header.is_some() && s.api_key_env.is_none() {
            return Err(ConfigError(format!(
                "{} (key `api_key_header`): api_key_header without api_key_env sends nothing",
                at(i, "api_key_header")
            )));
        }
        if s.categories.is_some() && s.kind != SourceKind::ArenaDataset {
            return Err(ConfigError(format!(
                "{} (key `categories`): only kind arena_dataset takes categories",
                at(i, "categories")
            )));
        }
        if s.kind == SourceKind::Livebench && s.categories_url.is_none() {
            return Err(ConfigError(format!(
                "{} (source {:?}): kind livebench needs categories_url",
                at(i, "kind"),
                s.name.as_str()
            )));
        }
        let categories_url = match &s.categories_url {
            Some(c) => Some(
                resolve_url(&c.replace("{release}", "RELEASE"), base).map_err(|e| {
                    ConfigError(format!(
                        "{} (key `categories_url`): bad URL {c:?}: {e}",
                        at(i, "categories_url")
                    ))
                })?,
            ),
            None => None,
        };
        if s.enabled {
            sources.push(SourceSpec {
                name: s.name.clone(),
                kind: s.kind,
                url,
                categories_url,
                cost_url: match &s.cost_url {
                    Some(c) => Some(
                        resolve_url(&c.replace("{release}", "RELEASE"), base).map_err(|e| {
                            ConfigError(format!(
                                "{} (key `cost_url`): bad URL {c:?}: {e}",
                                at(i, "cost_url")
                            ))
                        })?,
                    ),
                    None => None,
                },
                options,
                max_unchanged: s
                    .max_unchanged
                    .unwrap_or_else(|| s.kind.default_max_unchanged()),
                release,
                api_key,
                min_rows: s.min_rows,
            });
        }
    }
    let aliases = match &config.identity.aliases {
        Some(file) => load_aliases(&base.join(file))?,
        None => BTreeMap::new(),
    };
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
        secrets: Secrets::from_env(env),
    })
}

/// `release = "auto" | "YYYY-MM-DD"` with `{release}` in the URL.
fn release_spec(s: &SourceConfig, release: &str, base: &Path) -> Result<ReleaseSpec, String> {
    if !s.url.contains("{release}") {
        return Err(format!(
            "url {:?} has no {{release}} to put the release in (e.g. https://livebench.ai/table_{{release}}.csv)",
            s.url
        ));
    }
    let choice = if release == "auto" {
        let listing = s
            .releases_url
            .as_deref()
            .ok_or("release = \"auto\" needs releases_url, a file that lists the releases")?;
        ReleaseChoice::Auto {
            listing: resolve_url(listing, base)
                .map_err(|e| format!("releases_url {listing:?}: {e}"))?,
        }
    } else if chrono::NaiveDate::parse_from_str(release, "%Y-%m-%d").is_ok() {
        ReleaseChoice::Pinned(release.to_owned())
    } else {
        return Err(format!(
            "{release:?} is neither \"auto\" nor a release date such as \"2026-06-25\""
        ));
    };
    let spec = ReleaseSpec {
        choice,
        url: s.url.clone(),
        categories_url: s.categories_url.clone(),
        cost_url: s.cost_url.clone(),
        base: base.to_path_buf(),
    };
    spec.urls("2000-01-01")?;
    Ok(spec)
}

fn html_spec(html: &HtmlConfig) -> Result<HtmlTableSpec, String> {
    let sel =
        |what: &str, css: &str| modelbrief_ingester::selector(what, css).map_err(|e| e.to_string());
    let mut names = HashSet::new();
    let mut metrics = Vec::new();
    for m in &html.metrics {
        if !names.insert(m.name.as_str()) {
            return Err(format!("metric {:?} is named twice", m.name));
        }
        let units = m.kind.units();
        if let Some(u) = &m.unit
            && !units.is_empty()
            && !units.contains(&u.as_str())
        {
            return Err(format!(
                "metric {:?}: unit {u:?} is not a unit of kind {} (use one of: {})",
                m.name,
                m.kind.as_str(),
                units.join(", ")
            ));
        }
        if let Some(h) = m.higher_is_better
            && h != m.kind.higher_is_better()
        {
            return Err(format!(
                "metric {:?}: for kind {}, {} is better; higher_is_better = {h} contradicts it",
                m.name,
                m.kind.as_str(),
                if m.kind.higher_is_better() {
                    "higher"
                } else {
                    "lower"
                }
            ));
        }
        metrics.push(HtmlMetric {
            name: m.name.clone(),
            selector: sel(&format!("metric {}", m.name), &m.selector)?,
            attr: m.attr.clone(),
            kind: m.kind,
            category: m.category.clone(),
            unit: m.unit.clone(),
        });
    }
    Ok(HtmlTableSpec {
        rows: sel("rows", &html.rows)?,
        model: sel("model", &html.model)?,
        provider: html
            .provider
            .as_deref()
            .map(|p| sel("provider", p))
            .transpose()?,
        metrics,
        fingerprint: serde_json::to_string(html).expect("settings serialise"),
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

    fn var(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn an_override_is_parsed_as_the_type_of_the_field_it_sets() {
        let (_d, p) = write(GOOD);
        let env = vec![
            var("MODELBRIEF__CONSENT__VERSION", "3"),
            var("MODELBRIEF__SMTP__USERNAME", "12345"),
            var("MODELBRIEF__SMTP__ALLOW_INSECURE_AUTH", "true"),
            var("MODELBRIEF__SMTP__PORT", "2526"),
            var("MODELBRIEF__WEB__RECORD_IP", "true"),
            var("MODELBRIEF__FETCH__TIMEOUT", "90s"),
        ];
        let c = load(&p, &env).unwrap().config;
        assert_eq!(c.consent.version, "3");
        assert_eq!(c.smtp.username, "12345");
        assert_eq!(c.smtp.port, 2526);
        assert!(c.web.record_ip);
        assert_eq!(c.fetch.timeout, Duration::from_secs(90));
    }

    #[test]
    fn a_bad_override_names_its_environment_variable() {
        let (_d, p) = write(GOOD);
        let env = vec![
            var("MODELBRIEF__CONSENT__VERSION", "3"),
            var("MODELBRIEF__FETCH__RETRIES", "many"),
        ];
        let err = load(&p, &env).unwrap_err().0;
        assert!(
            err.contains("m.toml: environment variable MODELBRIEF__FETCH__RETRIES:"),
            "{err}"
        );
        let env = vec![var("MODELBRIEF__SOURCES__0__URL", "gopher://x")];
        let err = load(&p, &env).unwrap_err().0;
        assert!(
            err.contains(
                "environment variable MODELBRIEF__SOURCES__0__URL: sources[0] (key `url`)"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_comment_after_a_table_header_keeps_the_line_of_the_key() {
        let text = GOOD
            .replace(
                "[[sources]]\n",
                "[[sources]] # the catalogue\n# name first\n",
            )
            .replace("https://openrouter.ai/api/v1/models", "not a url");
        let (_d, p) = write(&text);
        let err = load(&p, &[]).unwrap_err().0;
        assert!(err.contains("m.toml:8: sources[0] (key `url`)"), "{err}");
    }

    #[test]
    fn a_bad_cron_or_time_zone_is_reported_at_its_key_while_loading() {
        let (_d, p) = write(&format!("{GOOD}\n[schedule]\ningest = \"every monday\"\n"));
        let err = load(&p, &[]).unwrap_err().0;
        assert!(err.contains("m.toml:10:10 (key `ingest`)"), "{err}");
        assert!(err.contains("invalid cron expression"), "{err}");
        let (_d, p) = write(&format!(
            "{GOOD}\n[schedule]\ntimezone = \"Mars/Olympus\"\n"
        ));
        let err = load(&p, &[]).unwrap_err().0;
        assert!(err.contains("(key `timezone`)"), "{err}");
        assert!(err.contains("not an IANA time zone"), "{err}");
    }

    #[test]
    fn secrets_are_read_from_the_environment_and_never_printed() {
        let (_d, p) = write(GOOD);
        let env = vec![
            var("MODELBRIEF__SMTP__PASSWORD", "hunter2-password"),
            var(
                "MODELBRIEF__TOKENS__SECRET",
                "s3cret-s3cret-s3cret-s3cret-s3cret",
            ),
            var("MODELBRIEF__TOKENS__PREVIOUS_SECRETS", "old-one, old-two"),
        ];
        let l = load(&p, &env).unwrap();
        assert_eq!(l.secrets.previous_secrets.len(), 2);
        let printed = format!("{l:?}");
        for s in ["hunter2", "s3cret", "old-one"] {
            assert!(!printed.contains(s), "{s} printed in {printed}");
        }
        assert!(printed.contains("smtp_password: \"set\""), "{printed}");
    }

    #[test]
    fn a_release_source_needs_its_placeholder_and_a_listing_or_a_date() {
        let lb = |extra: &str, url: &str| {
            format!(
                "[database]\npath = \"x.db\"\n\n[[sources]]\nname = \"lb\"\nkind = \"livebench\"\nurl = \"{url}\"\ncategories_url = \"https://x/categories_{{release}}.json\"\n{extra}"
            )
        };
        let (_d, p) = write(&lb("release = \"auto\"\n", "https://x/table.csv"));
        let err = load(&p, &[]).unwrap_err().0;
        assert!(
            err.contains(
                "m.toml:9: sources[0] (key `release`): url \"https://x/table.csv\" has no {release}"
            ),
            "{err}"
        );
        let (_d, p) = write(&lb("release = \"auto\"\n", "https://x/table_{release}.csv"));
        let err = load(&p, &[]).unwrap_err().0;
        assert!(err.contains("needs releases_url"), "{err}");
        let (_d, p) = write(&lb(
            "release = \"latest\"\n",
            "https://x/table_{release}.csv",
        ));
        let err = load(&p, &[]).unwrap_err().0;
        assert!(
            err.contains("\"latest\" is neither \"auto\" nor a release date"),
            "{err}"
        );
        let (_d, p) = write(&lb(
            "release = \"2026-06-25\"\n",
            "https://x/table_{release}.csv",
        ));
        let l = load(&p, &[]).unwrap();
        let r = l.sources[0].release.as_ref().unwrap();
        let (url, categories, _) = r.urls("2026-06-25").unwrap();
        assert_eq!(url.as_str(), "https://x/table_2026_06_25.csv");
        assert_eq!(
            categories.unwrap().as_str(),
            "https://x/categories_2026_06_25.json"
        );
    }
}
