//! Responses: an HTML page for browsers, JSON for API clients, same status codes.

use crate::AppState;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Response};
use serde_json::json;

/// The media type of a `Content-Type` value, without parameters, in lower case
/// (`Application/JSON; charset=utf-8` → `application/json`).
pub(crate) fn media_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(v.split(';').next()?.trim().to_ascii_lowercase())
}

/// Whether the client wants JSON (it sent JSON, or its `Accept` names it).
pub(crate) fn wants_json(headers: &HeaderMap) -> bool {
    let accepts = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            t.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
    accepts || media_type(headers).as_deref() == Some("application/json")
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
    mut ctx: serde_json::Value,
) -> Response {
    if let Some(map) = ctx.as_object_mut() {
        map.insert("base".into(), state.base_path().into());
    }
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
    error: impl std::error::Error,
) -> Response {
    let error = modelbrief_domain::present::error_chain(&error);
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
