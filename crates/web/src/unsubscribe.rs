//! `GET /unsubscribe` shows a button and changes nothing (link scanners fetch every link);
//! `POST /unsubscribe` unsubscribes at once, including RFC 8058 one-click POSTs
//! (`List-Unsubscribe=One-Click`) that carry no cookie and no login.

use crate::AppState;
use crate::confirm::TokenQuery;
use crate::pages::{invalid_link, message, render, unavailable};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use modelbrief_domain::{ConsentMethod, SubscriberStatus};
use modelbrief_mailer::Purpose;
use modelbrief_store::ConsentRecord;
use serde_json::json;

fn invalid(state: &AppState) -> Response {
    invalid_link(
        state,
        "The unsubscribe link is incomplete or not one of ours. Copy the whole link from the email.",
    )
}

pub(crate) async fn page(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    if state
        .keys
        .verify(token(&q), Purpose::Unsubscribe, 0)
        .is_err()
    {
        return invalid(&state);
    }
    render(
        &state,
        StatusCode::OK,
        "web/unsubscribe.html",
        json!({"token": token(&q)}),
    )
}

fn token(q: &TokenQuery) -> &str {
    q.token_str()
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
    body: Bytes,
) -> Response {
    let Ok(claims) = state.keys.verify(token(&q), Purpose::Unsubscribe, 0) else {
        return invalid(&state);
    };
    let done = || {
        message(
            &state,
            false,
            StatusCode::OK,
            "unsubscribed",
            "You’re unsubscribed",
            "You will not receive the weekly brief any more. If this was a mistake, you can subscribe again on the front page.",
        )
    };
    // A link acts only on the row it was made for: an erased subscriber's link, whose id a later
    // sign-up could hold, changes nothing (and answers the same: nothing will be sent to its
    // owner).
    match state.store.subscriber(claims.subscriber_id).await {
        Ok(Some(row)) if claims.binds(&row.link_key, row.legacy_links) => {}
        Ok(_) => return done(),
        Err(e) => return unavailable(&state, false, "unsubscribe", e),
    }
    let one_click = body.windows(26).any(|w| w == b"List-Unsubscribe=One-Click");
    let method = if one_click {
        ConsentMethod::OneClick
    } else {
        ConsentMethod::UnsubscribePage
    };
    match state
        .store
        .transition(
            claims.subscriber_id,
            SubscriberStatus::Unsubscribed,
            state.now(),
            method,
            &ConsentRecord::default(),
        )
        .await
    {
        // Idempotent, and the same answer for an erased subscriber: nothing will be sent.
        Ok(_) => done(),
        Err(e) => unavailable(&state, false, "unsubscribe", e),
    }
}
