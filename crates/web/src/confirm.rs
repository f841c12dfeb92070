//! `GET /confirm` (the double opt-in link), `POST /confirm/resend`, and the confirmation mail.

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
    #[error("cannot send the confirmation email")]
    Smtp(#[from] modelbrief_mailer::smtp::SmtpError),
}

/// Sends the double opt-in mail (HTML + text) with a fresh confirm link.
pub async fn send_confirmation(
    state: &AppState,
    subscriber: &SubscriberRow,
) -> Result<(), SendError> {
    let now = state.now();
    let token = state
        .keys
        .sign(Purpose::Confirm, subscriber.id, now.datetime().timestamp());
    let ctx = json!({
        "confirm_url": state.link("/confirm", &token),
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

pub(crate) async fn confirm(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Response {
    let now = state.now();
    match state
        .keys
        .verify(&q.token, Purpose::Confirm, now.datetime().timestamp())
    {
        Ok(claims) => {
            let consent = ConsentRecord {
                version: Some(state.settings.consent_version.clone()),
                text: Some(state.settings.consent_text.clone()),
                ip: None,
            };
            match state
                .store
                .transition(
                    claims.subscriber_id,
                    SubscriberStatus::Confirmed,
                    now,
                    ConsentMethod::ConfirmationLink,
                    &consent,
                )
                .await
            {
                Ok(Some((row, _))) if row.status == SubscriberStatus::Confirmed => message(
                    &state,
                    false,
                    StatusCode::OK,
                    "confirmed",
                    "You’re subscribed",
                    "Thank you. The next weekly brief will arrive in your inbox; every issue has a one-click unsubscribe link.",
                ),
                Ok(_) => invalid(&state),
                Err(e) => unavailable(&state, false, "confirm", e),
            }
        }
        Err(TokenError::Expired(_)) => render(
            &state,
            StatusCode::GONE,
            "web/message.html",
            json!({
                "title": "This link has expired",
                "message": "Confirmation links are valid for a limited time. We can send you a new one.",
                "error": true,
                "resend_token": q.token,
            }),
        ),
        Err(_) => invalid(&state),
    }
}

pub(crate) async fn resend(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    let now = state.now().datetime().timestamp();
    let claims = match state.keys.verify(&q.token, Purpose::Confirm, now) {
        Ok(c) | Err(TokenError::Expired(c)) => c,
        Err(_) => return invalid(&state),
    };
    let sent = "If the subscription is still waiting for confirmation, a new link is on its way.";
    match state.store.subscriber(claims.subscriber_id).await {
        Ok(Some(s)) if s.status == SubscriberStatus::Pending => {
            if state.per_address.check_key(&s.email).is_ok()
                && let Err(e) = send_confirmation(&state, &s).await
            {
                tracing::error!(subscriber = s.id, error = %e, "cannot resend the confirmation email");
                return message(
                    &state,
                    false,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "mail_unavailable",
                    "Please try again",
                    "We could not send the email just now; please try again in a few minutes.",
                );
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
