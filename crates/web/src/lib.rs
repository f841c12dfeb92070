//! The subscriber-facing HTTP server (axum): a subscribe page, double opt-in confirmation,
//! one-click unsubscribe (RFC 8058), and a health check.
//!
//! Invariants: a GET never changes a subscription (link scanners fetch every link) except the
//! confirmation link itself; unsubscribing always works, needs no cookie or login, and takes
//! effect at once; no response says whether an address was already subscribed; pages work
//! without JavaScript.

mod archive;
mod confirm;
mod pages;
mod subscribe;
#[cfg(test)]
mod tests;
mod unsubscribe;

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
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
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
    pub(crate) per_ip: Arc<DefaultKeyedRateLimiter<String>>,
    pub(crate) per_address: Arc<DefaultKeyedRateLimiter<String>>,
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
        let per_address = RateLimiter::keyed(Quota::per_hour(nz(
            settings.confirmations_per_address_per_hour
        )));
        Self {
            store,
            keys: Arc::new(keys),
            renderer,
            mailing: Arc::new(mailing),
            settings: Arc::new(settings),
            clock,
            per_ip: Arc::new(per_ip),
            per_address: Arc::new(per_address),
        }
    }

    pub(crate) fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// A link on the public site, e.g. `/unsubscribe?token=…`.
    pub fn link(&self, path: &str, token: &str) -> String {
        let mut url = self.settings.base_url.join(path).expect("paths are valid");
        url.query_pairs_mut().append_pair("token", token);
        url.to_string()
    }
}

/// The routes, ready to serve.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(subscribe::page))
        .route("/subscribe", post(subscribe::submit))
        .route("/confirm", get(confirm::confirm))
        .route("/confirm/resend", post(confirm::resend))
        .route(
            "/unsubscribe",
            get(unsubscribe::page).post(unsubscribe::submit),
        )
        .route("/healthz", get(healthz))
        .route("/archive", get(archive::index))
        .route("/archive/{week}", get(archive::edition))
        .route("/archive/{week}/price-history.png", get(archive::chart_png))
        .route("/feed.atom", get(archive::feed))
        .route("/changes.json", get(archive::changes))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable\n",
            )
        }
    }
}

pub use confirm::send_confirmation;

/// Serves `state` on `listener` until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
