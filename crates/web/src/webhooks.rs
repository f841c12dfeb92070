//! `POST /webhooks/ses`, `/webhooks/postmark`, `/webhooks/sendgrid`: bounces and complaints
//! from an email service, after the send. A route answers only when its `[feedback.*]` section
//! is configured (404 otherwise); nothing in a body is believed before its authentication
//! passed (403 for a bad signature, 401 for Postmark's credentials); each event is recorded
//! once (a provider retrying or replaying gets 200 and changes nothing).

use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use modelbrief_domain::FeedbackEvent;
use modelbrief_feedback::{FeedbackError, postmark, sendgrid, ses};
use modelbrief_store::FeedbackOutcome;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

/// Largest webhook body accepted (an SES notification with full headers is ~10–30 KB).
pub const WEBHOOK_BODY_LIMIT: usize = 256 * 1024;

/// `[feedback]`: which email services may report, and how each authenticates.
#[derive(Debug, Clone, Default)]
pub struct FeedbackSettings {
    pub ses: Option<SesSettings>,
    pub postmark: Option<PostmarkSettings>,
    pub sendgrid: Option<SendgridSettings>,
}

#[derive(Debug, Clone, Default)]
pub struct SesSettings {
    /// Only these SNS topics are believed (empty: any topic whose message verifies).
    pub topic_arns: Vec<String>,
    /// Certificate hosts believed besides AWS's own (`host:port`, loopback over HTTP).
    pub cert_rules: ses::CertRules,
}

#[derive(Debug, Clone)]
pub struct PostmarkSettings {
    pub username: String,
    /// `MODELBRIEF__FEEDBACK__POSTMARK__PASSWORD`.
    pub password: SecretString,
}

#[derive(Debug, Clone)]
pub struct SendgridSettings {
    /// The verification key SendGrid shows for signed webhooks (base64 of its DER SPKI).
    pub public_key: String,
}

/// SNS signing certificates, fetched once per URL.
#[derive(Default)]
pub(crate) struct CertCache {
    certs: Mutex<HashMap<String, Arc<Vec<u8>>>>,
}

type Reply = (StatusCode, String);

fn refused(status: StatusCode, what: &str, e: &FeedbackError) -> Reply {
    tracing::warn!(webhook = what, error = %e, "webhook refused");
    (status, format!("{e}\n"))
}

/// Records the events; the reply says how many did something.
async fn record(state: &AppState, source: &str, events: Vec<FeedbackEvent>) -> Reply {
    let mut counts = [0usize; 3]; // suppressed, matched, other
    for e in &events {
        match state.store.record_feedback(e, state.now()).await {
            Ok(FeedbackOutcome::Matched { suppressed, .. }) => {
                counts[if suppressed { 0 } else { 1 }] += 1;
            }
            Ok(_) => counts[2] += 1,
            Err(err) => {
                tracing::error!(webhook = source, error = %modelbrief_domain::present::error_chain(&err), "recording feedback failed");
                // The service retries a non-2xx answer: nothing is lost.
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database unavailable\n".into(),
                );
            }
        }
    }
    tracing::info!(
        webhook = source,
        events = events.len(),
        suppressed = counts[0],
        "feedback recorded"
    );
    (
        StatusCode::OK,
        format!(
            "{} events: {} suppressed, {} counted, {} duplicate or unmatched\n",
            events.len(),
            counts[0],
            counts[1],
            counts[2]
        ),
    )
}

pub(crate) async fn ses(State(state): State<AppState>, body: Bytes) -> Reply {
    let Some(cfg) = state.feedback.ses.clone() else {
        return (StatusCode::NOT_FOUND, "not found\n".into());
    };
    let envelope = match ses::Envelope::parse(&body) {
        Ok(e) => e,
        Err(e) => return refused(StatusCode::BAD_REQUEST, "ses", &e),
    };
    if !cfg.topic_arns.is_empty() && !cfg.topic_arns.contains(&envelope.topic_arn) {
        let e =
            FeedbackError::BadSignature(format!("topic {} is not configured", envelope.topic_arn));
        return refused(StatusCode::FORBIDDEN, "ses", &e);
    }
    let url = match cfg.cert_rules.check(&envelope.signing_cert_url) {
        Ok(u) => u,
        Err(e) => return refused(StatusCode::FORBIDDEN, "ses", &e),
    };
    let cert = match certificate(&state, &url).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(webhook = "ses", url = %url, error = %e, "signing certificate unavailable");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("signing certificate: {e}\n"),
            );
        }
    };
    if let Err(e) = envelope.verify(&cert) {
        return refused(StatusCode::FORBIDDEN, "ses", &e);
    }
    match envelope.kind.as_str() {
        "SubscriptionConfirmation" => {
            // Confirming is a GET of the URL SNS signed, itself held to the same host rules.
            let Some(confirm) = envelope
                .subscribe_url
                .as_deref()
                .and_then(|u| cfg.cert_rules.check_host(u).ok())
            else {
                let e = FeedbackError::CertUrl("SubscribeURL not allowed".into());
                return refused(StatusCode::FORBIDDEN, "ses", &e);
            };
            match state.http.get(confirm.as_str()).send().await {
                Ok(r) if r.status().is_success() => {
                    tracing::info!(webhook = "ses", topic = %envelope.topic_arn, "SNS subscription confirmed");
                    (StatusCode::OK, "subscription confirmed\n".into())
                }
                Ok(r) => (
                    StatusCode::BAD_GATEWAY,
                    format!("confirming the subscription: HTTP {}\n", r.status()),
                ),
                Err(e) => (
                    StatusCode::BAD_GATEWAY,
                    format!("confirming the subscription: {e}\n"),
                ),
            }
        }
        "UnsubscribeConfirmation" => (StatusCode::OK, "noted\n".into()),
        _ => match envelope.events() {
            Ok(events) => record(&state, "ses", events).await,
            Err(e) => refused(StatusCode::BAD_REQUEST, "ses", &e),
        },
    }
}

async fn certificate(state: &AppState, url: &url::Url) -> Result<Arc<Vec<u8>>, String> {
    if let Some(c) = state.certs.certs.lock().await.get(url.as_str()) {
        return Ok(c.clone());
    }
    let r = state
        .http
        .get(url.as_str())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !r.status().is_success() {
        return Err(format!("HTTP {}", r.status()));
    }
    let bytes = Arc::new(r.bytes().await.map_err(|e| e.to_string())?.to_vec());
    state
        .certs
        .certs
        .lock()
        .await
        .insert(url.as_str().to_owned(), bytes.clone());
    Ok(bytes)
}

pub(crate) async fn postmark(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let Some(cfg) = state.feedback.postmark.clone() else {
        return (StatusCode::NOT_FOUND, "not found\n".into());
    };
    if !basic_auth_matches(&headers, &cfg.username, cfg.password.expose_secret()) {
        tracing::warn!(webhook = "postmark", "webhook refused: bad credentials");
        return (StatusCode::UNAUTHORIZED, "credentials required\n".into());
    }
    match postmark::parse(&body) {
        Ok(event) => record(&state, "postmark", event.into_iter().collect()).await,
        Err(e) => refused(StatusCode::BAD_REQUEST, "postmark", &e),
    }
}

/// HTTP Basic credentials equal to the configured ones, compared in constant time.
fn basic_auth_matches(headers: &HeaderMap, user: &str, password: &str) -> bool {
    use base64::Engine;
    let Some(given) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
    else {
        return false;
    };
    let want = format!("{user}:{password}");
    use subtle::ConstantTimeEq;
    given.len() == want.len() && bool::from(given.as_slice().ct_eq(want.as_bytes()))
}

pub(crate) async fn sendgrid(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let Some(cfg) = state.feedback.sendgrid.clone() else {
        return (StatusCode::NOT_FOUND, "not found\n".into());
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    if let Err(e) = sendgrid::verify(
        &cfg.public_key,
        header(sendgrid::TIMESTAMP_HEADER),
        header(sendgrid::SIGNATURE_HEADER),
        &body,
    ) {
        return refused(StatusCode::FORBIDDEN, "sendgrid", &e);
    }
    match sendgrid::parse(&body) {
        Ok(events) => record(&state, "sendgrid", events).await,
        Err(e) => refused(StatusCode::BAD_REQUEST, "sendgrid", &e),
    }
}
