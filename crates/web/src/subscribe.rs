//! `GET /` (the form) and `POST /subscribe` (form or JSON).

use crate::AppState;
use crate::pages::{media_type, message, render, unavailable, wants_json};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use modelbrief_domain::{ConsentMethod, SubscriberEmail};
use modelbrief_store::{ConsentRecord, SubscribeOutcome};
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;

pub(crate) async fn page(State(state): State<AppState>) -> Response {
    render(
        &state,
        StatusCode::OK,
        "web/subscribe.html",
        json!({"consent_text": state.settings.consent_text, "email": "", "error": null}),
    )
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Flag {
    Bool(bool),
    Text(String),
}

impl Flag {
    fn is_yes(&self) -> bool {
        match self {
            Flag::Bool(b) => *b,
            Flag::Text(t) => matches!(
                t.trim().to_ascii_lowercase().as_str(),
                "yes" | "on" | "true" | "1"
            ),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Form {
    #[serde(default)]
    email: String,
    #[serde(default)]
    consent: Option<Flag>,
    #[serde(default)]
    website: Option<String>,
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = wants_json(&headers);
    // Only what the form and the JSON API send: a `text/plain` post (which another site's page
    // can make without asking the browser) is not a sign-up.
    let parsed: Result<Form, String> = match media_type(&headers).as_deref() {
        Some("application/json") => serde_json::from_slice(&body).map_err(|e| e.to_string()),
        Some("application/x-www-form-urlencoded") | None => {
            serde_urlencoded::from_bytes(&body).map_err(|e| e.to_string())
        }
        Some(_) => {
            return message(
                &state,
                json,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Please use the form",
                "Send the form (application/x-www-form-urlencoded) or JSON (application/json).",
            );
        }
    };
    let bad = |text: &str, email: &str| {
        if json {
            message(
                &state,
                true,
                StatusCode::BAD_REQUEST,
                "invalid",
                "Please check the form",
                text,
            )
        } else {
            render(
                &state,
                StatusCode::BAD_REQUEST,
                "web/subscribe.html",
                json!({"consent_text": state.settings.consent_text, "email": email, "error": text}),
            )
        }
    };
    let form = match parsed {
        Ok(f) => f,
        Err(_) => {
            return bad(
                "The request could not be read; send email, consent and website fields.",
                "",
            );
        }
    };
    if form
        .website
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        tracing::info!("subscribe refused: honeypot field filled");
        return bad("The request was refused.", "");
    }
    let email = match SubscriberEmail::parse(&form.email) {
        Ok(e) => e,
        Err(e) => {
            let shown: String = form
                .email
                .chars()
                .filter(|c| !c.is_control())
                .take(254)
                .collect();
            return bad(&format!("{}.", capitalise(&e.to_string())), &shown);
        }
    };
    if !form.consent.as_ref().is_some_and(Flag::is_yes) {
        return bad(
            "Please tick the box to agree to receive the weekly email.",
            email.as_str(),
        );
    }
    let ip = crate::client::client_ip(&state.settings.trusted_proxies, &headers, addr);
    if state
        .per_ip
        .check_key(&crate::client::limiter_key(ip))
        .is_err()
    {
        return message(
            &state,
            json,
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests",
            "Too many sign-ups from your network; please try again in a minute.",
        );
    }
    let consent = ConsentRecord {
        version: Some(state.settings.consent_version.clone()),
        text: Some(state.settings.consent_text.clone()),
        ip: state.settings.record_ip.then(|| ip.to_string()),
    };
    let outcome = match state
        .store
        .subscribe(&email, state.now(), ConsentMethod::WebForm, &consent, false)
        .await
    {
        Ok(o) => o,
        Err(e) => {
            return unavailable(&state, json, "subscribe", e);
        }
    };
    // Same answer, in content and in time, whatever the address's state: nobody learns who is
    // subscribed. The mail itself is queued and sent by the outbox worker.
    let pending = match &outcome {
        SubscribeOutcome::Created(s) | SubscribeOutcome::Renewed(s) => Some(s.clone()),
        SubscribeOutcome::Unchanged(s)
            if s.status == modelbrief_domain::SubscriberStatus::Pending =>
        {
            Some(s.clone())
        }
        _ => None,
    };
    if let Some(subscriber) = pending
        && let Err(e) = state.queue_confirmation(subscriber.id, &email).await
    {
        return unavailable(&state, json, "subscribe", e);
    }
    message(
        &state,
        json,
        StatusCode::OK,
        "confirmation_sent",
        "Check your inbox",
        "If the address can receive the brief, a confirmation link is on its way. Nothing else arrives until you click it.",
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}
