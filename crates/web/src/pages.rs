//! Responses: an HTML page for browsers, JSON for API clients, same status codes.

use crate::AppState;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Response};
use serde_json::json;

/// Whether the client wants JSON (it sent JSON, or asked for it).
pub(crate) fn wants_json(headers: &HeaderMap) -> bool {
    let has = |name, what: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains(what))
    };
    has(header::CONTENT_TYPE, "application/json") || has(header::ACCEPT, "application/json")
}

/// A page (or JSON object) with a title and message.
pub(crate) fn message(
    state: &AppState,
    json: bool,
    status: StatusCode,
    code: &str,
    title: &str,
    text: &str,
) -> Response {
    if json {
        return (status, Json(json!({"status": code, "message": text}))).into_response();
    }
    render(
        state,
        status,
        "web/message.html",
        json!({"title": title, "message": text, "error": !status.is_success()}),
    )
}

pub(crate) fn render(
    state: &AppState,
    status: StatusCode,
    name: &str,
    ctx: serde_json::Value,
) -> Response {
    match state.renderer.render(name, ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(template = name, error = %e, "cannot render page");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }
    }
}

/// A database failure: logged as an error (an operator must look), answered with a 503 that
/// says nothing about the subscription.
pub(crate) fn unavailable(
    state: &AppState,
    json: bool,
    what: &str,
    error: impl std::fmt::Display,
) -> Response {
    tracing::error!(error = %error, "{what}: database error");
    message(
        state,
        json,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "Please try again",
        "Something went wrong on our side; please try again later.",
    )
}

/// A link whose token is forged, truncated or for another purpose.
pub(crate) fn invalid_link(state: &AppState, text: &str) -> Response {
    message(
        state,
        false,
        StatusCode::BAD_REQUEST,
        "invalid_token",
        "This link is not valid",
        text,
    )
}
