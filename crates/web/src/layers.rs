//! What every response goes through: the access log, the time limits, the security headers, the
//! cross-site check on form posts, `no-store` on pages whose URL carries a token, and JSON errors
//! for JSON clients (also for the framework's own refusals: 404, 405, 408, 413, 415).

use crate::AppState;
use crate::pages::wants_json;
use crate::server::ServerLimits;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Json, Response};
use serde_json::json;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// No script runs on any page; styles are inline (mail-style HTML); images and forms only from
/// this site; no framing.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub(crate) fn wrap(routes: Router, state: AppState, limits: &ServerLimits) -> Router {
    let fixed = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static(name),
            HeaderValue::from_static(value),
        )
    };
    routes
        .layer(axum::middleware::from_fn_with_state(state, guard))
        .layer(fixed("content-security-policy", CSP))
        .layer(fixed("x-content-type-options", "nosniff"))
        .layer(fixed("referrer-policy", "no-referrer"))
        .layer(fixed("x-frame-options", "DENY"))
        .layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(
            TraceLayer::new_for_http()
                // The path only: query strings carry tokens, which never reach a log.
                .make_span_with(|req: &Request<Body>| {
                    tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
}

/// Whether a form POST comes from another site (a page elsewhere submitting our form with the
/// visitor's browser). Browsers send `Sec-Fetch-Site`, older ones at least `Origin`; a request
/// with neither (curl, a script, a mail provider's one-click POST) is not a browser's cross-site
/// post.
fn cross_site(req: &Request<Body>, ours: &url::Origin) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site.eq_ignore_ascii_case("cross-site");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => false,
        Some(origin) => url::Url::parse(origin).map_or(true, |u| &u.origin() != ours),
    }
}

async fn guard(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let json = wants_json(req.headers());
    let carries_token = req
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|p| p.starts_with("token=")));
    // The unsubscribe POST is exempt: it must work from any mail client, and its token already
    // proves who sent it.
    if req.method() == Method::POST
        && req.uri().path() != "/unsubscribe"
        && cross_site(&req, &state.settings.base_url.origin())
    {
        tracing::info!(path = req.uri().path(), "cross-site form post refused");
        return error(
            json,
            StatusCode::FORBIDDEN,
            "cross_site",
            "This form can only be sent from this site.",
        );
    }
    let mut response = next.run(req).await;
    if carries_token {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json && !is_json && (status.is_client_error() || status.is_server_error()) {
        let text = status.canonical_reason().unwrap_or("error");
        return error(true, status, "error", text);
    }
    response
}

fn error(json: bool, status: StatusCode, code: &str, text: &str) -> Response {
    if json {
        (status, Json(json!({"status": code, "message": text}))).into_response()
    } else {
        (status, format!("{text}\n")).into_response()
    }
}

pub(crate) async fn not_found(req: Request<Body>) -> Response {
    error(
        wants_json(req.headers()),
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no page at this address.",
    )
}
