//! The subscriber-facing HTTP server (axum): a subscribe page, double opt-in confirmation,
//! one-click unsubscribe (RFC 8058), and a health check.
//!
//! Invariants: a GET or HEAD never changes a subscription (link scanners fetch every link, the
//! confirmation link included: its page has a button that POSTs); unsubscribing always works,
//! needs no cookie or login, and takes effect at once; no response says whether an address was
//! already subscribed, in its content or its timing (confirmation mail goes through a queue);
//! every response carries a script-free Content-Security-Policy; pages work without JavaScript.

mod archive;
mod client;
mod confirm;
mod layers;
mod outbox;
mod pages;
mod server;
mod subscribe;
#[cfg(test)]
mod tests;
mod unsubscribe;
mod webhooks;

pub use outbox::work_outbox;
pub use server::{ServerLimits, effective_max_connections, serve};
pub use webhooks::{FeedbackSettings, PostmarkSettings, SendgridSettings, SesSettings};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use lettre::message::Mailbox;
use modelbrief_domain::Timestamp;
use modelbrief_mailer::smtp::SmtpSettings;
use modelbrief_mailer::{Renderer, TokenKeys};
use modelbrief_store::Store;
use std::num::NonZeroU32;
use std::sync::Arc;
use url::Url;

/// Largest request body accepted.
pub const BODY_LIMIT: usize = 16 * 1024;

/// `[web]`, `[mail]` and consent settings the endpoints need.
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub base_url: Url,
    /// Store the client IP in the consent ledger (off unless the operator turns it on).
    pub record_ip: bool,
    /// Proxies whose `X-Forwarded-For` is believed (`[web] trusted_proxies`); empty: none.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub consent_text: String,
    pub consent_version: String,
    pub subscribe_per_ip_per_minute: u32,
    pub confirmations_per_address_per_hour: u32,
    pub confirm_ttl_days: i64,
}

/// How confirmation mail is sent.
pub struct Mailing {
    pub smtp: SmtpSettings,
    pub from: Mailbox,
    pub postal_address: String,
}

type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// Shared state of the server.
#[derive(Clone)]
pub struct AppState {
    pub(crate) store: Store,
    pub(crate) keys: Arc<TokenKeys>,
    pub(crate) renderer: Arc<Renderer>,
    pub(crate) mailing: Arc<Mailing>,
    pub(crate) settings: Arc<WebSettings>,
    pub(crate) clock: Clock,
    pub(crate) per_ip: Arc<DefaultKeyedRateLimiter<std::net::IpAddr>>,
    /// Wakes the outbox worker when a sign-up queued a mail.
    pub(crate) outbox_wake: Arc<tokio::sync::Notify>,
    /// Which email services may report bounces and complaints (`/webhooks/*`).
    pub(crate) feedback: Arc<FeedbackSettings>,
    /// For SNS signing certificates and subscription confirmations.
    pub(crate) http: reqwest::Client,
    pub(crate) certs: Arc<webhooks::CertCache>,
}

impl AppState {
    pub fn new(
        store: Store,
        keys: TokenKeys,
        renderer: Arc<Renderer>,
        mailing: Mailing,
        settings: WebSettings,
        clock: Clock,
    ) -> Self {
        let nz = |n: u32| NonZeroU32::new(n.max(1)).expect("at least 1");
        let per_ip =
            RateLimiter::keyed(Quota::per_minute(nz(settings.subscribe_per_ip_per_minute)));
        Self {
            store,
            keys: Arc::new(keys),
            renderer,
            mailing: Arc::new(mailing),
            settings: Arc::new(settings),
            clock,
            per_ip: Arc::new(per_ip),
            outbox_wake: Arc::new(tokio::sync::Notify::new()),
            feedback: Arc::new(FeedbackSettings::default()),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            certs: Arc::new(webhooks::CertCache::default()),
        }
    }

    /// The email services allowed to report bounces and complaints (none by default).
    pub fn with_feedback(mut self, feedback: FeedbackSettings) -> Self {
        self.feedback = Arc::new(feedback);
        self
    }

    pub(crate) fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Queues a confirmation mail for `subscriber_id` within the per-mailbox limit (counted in
    /// the database, so every web node shares it) and wakes the outbox worker if one was queued.
    pub(crate) async fn queue_confirmation(
        &self,
        subscriber_id: i64,
        email: &modelbrief_domain::SubscriberEmail,
    ) -> Result<(), modelbrief_store::StoreError> {
        let queued = self
            .store
            .enqueue_confirmation_limited(
                subscriber_id,
                &email.mailbox_hash(),
                self.now(),
                self.settings.confirmations_per_address_per_hour,
            )
            .await?;
        if queued {
            self.outbox_wake.notify_one();
        }
        Ok(())
    }

    /// A link on the public site, e.g. `/unsubscribe?token=…` (under `base_url`'s path).
    pub fn link(&self, path: &str, token: &str) -> String {
        modelbrief_mailer::links::token_url(&self.settings.base_url, path, token)
    }

    /// The prefix of the site's own links in pages (`/`, or `base_url`'s path).
    pub(crate) fn base_path(&self) -> String {
        modelbrief_mailer::links::base_path(&self.settings.base_url)
    }
}

/// The routes with the default limits (tests drive this with `oneshot`).
pub fn router(state: AppState) -> Router {
    router_with(state, &ServerLimits::default())
}

/// The routes, with the time limits, security headers and access log of [`layers`].
pub fn router_with(state: AppState, limits: &ServerLimits) -> Router {
    let routes = Router::new()
        .route("/", get(subscribe::page))
        .route("/subscribe", post(subscribe::submit))
        .route("/confirm", get(confirm::page).post(confirm::confirm))
        .route("/confirm/resend", post(confirm::resend))
        .route(
            "/unsubscribe",
            get(unsubscribe::page).post(unsubscribe::submit),
        )
        .route("/healthz", get(healthz))
        .route("/archive", get(archive::index))
        .route("/archive/{week}", get(archive::edition))
        .route("/archive/{week}/price-history.png", get(archive::chart_png))
        .route(
            "/archive/{week}/price-history-dark.png",
            get(archive::chart_dark_png),
        )
        .route("/feed.atom", get(archive::feed))
        .route("/models/{file}", get(archive::model))
        .route("/models/{key}/{file}", get(archive::model_chart))
        .route("/changes.json", get(archive::changes))
        .fallback(layers::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .merge(
            Router::new()
                .route("/webhooks/ses", post(webhooks::ses))
                .route("/webhooks/postmark", post(webhooks::postmark))
                .route("/webhooks/sendgrid", post(webhooks::sendgrid))
                .layer(DefaultBodyLimit::max(webhooks::WEBHOOK_BODY_LIMIT)),
        )
        .with_state(state.clone());
    layers::wrap(routes, state, limits)
}

async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::error!(error = %modelbrief_domain::present::error_chain(&e), "health check: database unavailable");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable\n",
            )
        }
    }
}

pub use confirm::send_confirmation;
