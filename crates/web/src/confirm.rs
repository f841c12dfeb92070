//! The double opt-in link: `GET /confirm` shows a button and changes nothing (link scanners and
//! previews fetch, even HEAD, every link in a mail); `POST /confirm` confirms. `POST
//! /confirm/resend` queues a fresh link. A confirm link confirms only the row it was made for,
//! only while that row is pending, and only if it was issued in the current pending period (a
//! link from before an unsubscribe does not confirm the next sign-up).

use crate::AppState;
use crate::pages::{invalid_link, message, render, unavailable};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use modelbrief_domain::{ConsentMethod, SubscriberStatus};
use modelbrief_mailer::messages::{Parts, build};
use modelbrief_mailer::{Purpose, TokenError};
use modelbrief_store::{ConsentRecord, SubscriberRow};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
pub(crate) struct TokenQuery {
    #[serde(default)]
    token: String,
}

impl TokenQuery {
    pub(crate) fn token_str(&self) -> &str {
        &self.token
    }
}

/// Why a confirmation mail could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("cannot render the confirmation email")]
    Render(#[from] modelbrief_mailer::RenderError),
    #[error("cannot build the confirmation email")]
    Build(#[from] modelbrief_mailer::messages::BuildError),
    #[error("cannot reach the relay")]
    Smtp(#[from] modelbrief_mailer::smtp::SmtpError),
    #[error("the relay did not take the confirmation email")]
    Send(#[from] modelbrief_mailer::smtp::SendFailure),
}

/// Sends the double opt-in mail (HTML + text) with a fresh confirm link.
pub async fn send_confirmation(
    state: &AppState,
    subscriber: &SubscriberRow,
) -> Result<(), SendError> {
    let now = state.now();
    let token = state.keys.sign(
        Purpose::Confirm,
        subscriber.id,
        &subscriber.link_key,
        now.datetime().timestamp(),
    );
    let ctx = json!({
        "confirm_url": state.link("confirm", &token),
        "valid_days": state.settings.confirm_ttl_days,
        "postal_address": state.mailing.postal_address,
    });
    let host = state
        .settings
        .base_url
        .host_str()
        .unwrap_or("modelbrief.local")
        .to_owned();
    let out = build(Parts {
        from: &state.mailing.from,
        to: &subscriber.email,
        subject: "Confirm your modelbrief subscription",
        text: state.renderer.render("email/confirm.txt", &ctx)?,
        html: state.renderer.render("email/confirm.html", &ctx)?,
        message_id: format!(
            "<confirm.{}.{}@{host}>",
            subscriber.id,
            now.datetime().timestamp_millis()
        ),
        headers: Vec::new(),
        date: now.datetime().into(),
    })?;
    let mut conn = state.mailing.smtp.connect().await?;
    let result = conn.send(&out.envelope, &out.raw).await;
    conn.quit().await;
    result?;
    tracing::info!(subscriber = subscriber.id, "confirmation email sent");
    Ok(())
}

fn invalid(state: &AppState) -> Response {
    invalid_link(
        state,
        "The link is incomplete or not one of ours. Copy the whole link from the email, or subscribe again.",
    )
}

/// What a confirm link can do now, from one token check and one read of its row.
enum LinkState {
    /// Its row is waiting for this very link: pending, bound to the link, and the link issued
    /// in the current pending period.
    Waiting(SubscriberRow),
    /// Its row is confirmed already (a second click says so).
    Done,
    Expired,
    /// Forged, for another purpose, or for a row it does not bind to (erased, unsubscribed
    /// since, a later sign-up).
    Invalid,
}

async fn link_state(
    state: &AppState,
    token: &str,
) -> Result<LinkState, modelbrief_store::StoreError> {
    let now = state.now().datetime().timestamp();
    let claims = match state.keys.verify(token, Purpose::Confirm, now) {
        Ok(c) => c,
        Err(TokenError::Expired(_)) => return Ok(LinkState::Expired),
        Err(_) => return Ok(LinkState::Invalid),
    };
    let row = state.store.subscriber(claims.subscriber_id).await?;
    Ok(match row {
        Some(r) if claims.binds(&r.link_key, r.legacy_links) => match r.status {
            SubscriberStatus::Pending if claims.issued_at >= r.status_since() => {
                LinkState::Waiting(r)
            }
            SubscriberStatus::Confirmed => LinkState::Done,
            _ => LinkState::Invalid,
        },
        _ => LinkState::Invalid,
    })
}

fn expired(state: &AppState, token: &str) -> Response {
    render(
        state,
        StatusCode::GONE,
        "web/message.html",
        json!({
            "title": "This link has expired",
            "message": "Confirmation links are valid for a limited time. We can send you a new one.",
            "error": true,
            "resend_token": token,
        }),
    )
}

/// `GET /confirm`: the page with the button; nothing changes.
pub(crate) async fn page(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    match link_state(&state, &q.token).await {
        Ok(LinkState::Waiting(_)) => render(
            &state,
            StatusCode::OK,
            "web/confirm.html",
            json!({"token": q.token}),
        ),
        Ok(LinkState::Done) => confirmed(&state),
        Ok(LinkState::Expired) => expired(&state, &q.token),
        Ok(LinkState::Invalid) => invalid(&state),
        Err(e) => unavailable(&state, false, "confirm", e),
    }
}

fn confirmed(state: &AppState) -> Response {
    message(
        state,
        false,
        StatusCode::OK,
        "confirmed",
        "You’re subscribed",
        "Thank you. The next weekly brief will arrive in your inbox; every issue has a one-click unsubscribe link.",
    )
}

/// `POST /confirm`: confirms.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Response {
    let row = match link_state(&state, &q.token).await {
        Ok(LinkState::Waiting(row)) => row,
        Ok(LinkState::Done) => return confirmed(&state),
        Ok(LinkState::Expired) => return expired(&state, &q.token),
        Ok(LinkState::Invalid) => return invalid(&state),
        Err(e) => return unavailable(&state, false, "confirm", e),
    };
    let consent = ConsentRecord {
        version: Some(state.settings.consent_version.clone()),
        text: Some(state.settings.consent_text.clone()),
        ip: None,
    };
    match state
        .store
        .transition(
            row.id,
            SubscriberStatus::Confirmed,
            state.now(),
            ConsentMethod::ConfirmationLink,
            &consent,
        )
        .await
    {
        Ok(Some((row, _))) if row.status == SubscriberStatus::Confirmed => confirmed(&state),
        Ok(_) => invalid(&state),
        Err(e) => unavailable(&state, false, "confirm", e),
    }
}

pub(crate) async fn resend(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    let now = state.now().datetime().timestamp();
    let claims = match state.keys.verify(&q.token, Purpose::Confirm, now) {
        Ok(c) => c,
        Err(TokenError::Expired(c)) => *c,
        Err(_) => return invalid(&state),
    };
    let sent = "If the subscription is still waiting for confirmation, a new link is on its way.";
    match state.store.subscriber(claims.subscriber_id).await {
        Ok(Some(s))
            if s.status == SubscriberStatus::Pending
                && claims.binds(&s.link_key, s.legacy_links) =>
        {
            if let Ok(email) = modelbrief_domain::SubscriberEmail::parse(&s.email)
                && let Err(e) = state.queue_confirmation(s.id, &email).await
            {
                return unavailable(&state, false, "resend", e);
            }
            message(
                &state,
                false,
                StatusCode::OK,
                "confirmation_sent",
                "Check your inbox",
                sent,
            )
        }
        Ok(_) => message(
            &state,
            false,
            StatusCode::OK,
            "confirmation_sent",
            "Check your inbox",
            sent,
        ),
        Err(e) => unavailable(&state, false, "resend", e),
    }
}
