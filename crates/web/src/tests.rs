//! Handler tests in process: the real router over a temp SQLite file, driven with
//! `tower::ServiceExt::oneshot` (no socket). The end-to-end suite drives the same routes over
//! loopback through the binary.

use crate::{AppState, Mailing, WebSettings, router};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use modelbrief_domain::{ConsentMethod, SubscriberEmail, SubscriberStatus, Timestamp};
use modelbrief_mailer::smtp::{SmtpSettings, TlsMode};
use modelbrief_mailer::{Purpose, Renderer, TokenKeys};
use modelbrief_store::{ConsentRecord, Store, SubscribeOutcome};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

const NOW: &str = "2026-07-13T09:00:00Z";

struct Fixture {
    _dir: tempfile::TempDir,
    state: AppState,
    /// A confirmed subscriber.
    id: i64,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("m.db")).await.unwrap();
    let now = Timestamp::parse(NOW).unwrap();
    let email = SubscriberEmail::parse("reader@example.com").unwrap();
    let outcome = store
        .subscribe(
            &email,
            now,
            ConsentMethod::OperatorImport,
            &ConsentRecord::default(),
            true,
        )
        .await
        .unwrap();
    let SubscribeOutcome::Created(row) = outcome else {
        panic!("a new address is created: {outcome:?}");
    };
    let keys = TokenKeys::new(
        secrecy::SecretString::from("0123456789abcdef0123456789abcdef"),
        Vec::new(),
        7 * 86400,
    )
    .unwrap();
    let mailing = Mailing {
        // Never used by these tests: nothing here sends a confirmation.
        smtp: SmtpSettings {
            host: "127.0.0.1".into(),
            port: 9,
            tls: TlsMode::None,
            username: None,
            password: None,
            timeout: Duration::from_secs(1),
            hello_name: "localhost".into(),
        },
        from: "brief <brief@example.com>".parse().unwrap(),
        postal_address: "1 Example Street".into(),
    };
    let settings = WebSettings {
        base_url: "http://127.0.0.1:8080".parse().unwrap(),
        record_ip: false,
        trust_forwarded_for: false,
        consent_text: "yes".into(),
        consent_version: "1".into(),
        subscribe_per_ip_per_minute: 10,
        confirmations_per_address_per_hour: 3,
        confirm_ttl_days: 7,
    };
    let state = AppState::new(
        store,
        keys,
        Arc::new(Renderer::new(None).unwrap()),
        mailing,
        settings,
        Arc::new(move || now),
    );
    Fixture {
        _dir: dir,
        state,
        id: row.id,
    }
}

async fn call(state: &AppState, req: Request<Body>) -> (StatusCode, String) {
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn status_of(f: &Fixture) -> SubscriberStatus {
    f.state
        .store
        .subscriber(f.id)
        .await
        .unwrap()
        .unwrap()
        .status
}

fn unsubscribe_token(f: &Fixture) -> String {
    let issued = Timestamp::parse(NOW).unwrap().datetime().timestamp();
    f.state.keys.sign(Purpose::Unsubscribe, f.id, issued)
}

#[tokio::test]
async fn opening_the_unsubscribe_link_changes_nothing_and_the_one_click_post_unsubscribes() {
    let f = fixture().await;
    let uri = format!("/unsubscribe?token={}", unsubscribe_token(&f));
    let (code, page) = call(&f.state, Request::get(&uri).body(Body::empty()).unwrap()).await;
    assert_eq!(code, StatusCode::OK, "{page}");
    assert!(page.contains("<form"), "the page offers a button: {page}");
    assert_eq!(status_of(&f).await, SubscriberStatus::Confirmed);

    let post = Request::post(&uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("List-Unsubscribe=One-Click"))
        .unwrap();
    let (code, page) = call(&f.state, post).await;
    assert_eq!(code, StatusCode::OK, "{page}");
    assert_eq!(status_of(&f).await, SubscriberStatus::Unsubscribed);
    let ledger = f.state.store.consent_history(f.id).await.unwrap();
    let last = ledger.last().expect("the unsubscribe is in the ledger");
    assert_eq!(last.method, ConsentMethod::OneClick.as_str());
}

#[tokio::test]
async fn a_tampered_unsubscribe_token_is_refused_and_changes_nothing() {
    let f = fixture().await;
    let mut token = unsubscribe_token(&f).into_bytes();
    // A character of the signature, away from the last one (whose low bits may be padding).
    let i = token.len() - 5;
    token[i] = if token[i] == b'A' { b'B' } else { b'A' };
    let uri = format!("/unsubscribe?token={}", String::from_utf8(token).unwrap());
    let (code, page) = call(&f.state, Request::post(&uri).body(Body::empty()).unwrap()).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("This link is not valid"), "{page}");
    assert_eq!(status_of(&f).await, SubscriberStatus::Confirmed);
}

#[tokio::test]
async fn the_health_check_answers_ok_while_the_database_is_reachable() {
    let f = fixture().await;
    let (code, body) = call(
        &f.state,
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!((code, body.as_str()), (StatusCode::OK, "ok\n"));
    f.state.store.close().await;
    let (code, _) = call(
        &f.state,
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE);
}
