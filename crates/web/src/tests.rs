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
    link_key: String,
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
        trusted_proxies: Vec::new(),
        consent_text: "yes".into(),
        consent_version: "1".into(),
        subscribe_per_ip_per_minute: 1000,
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
        link_key: row.link_key,
    }
}

async fn call(state: &AppState, mut req: Request<Body>) -> (StatusCode, String) {
    // What the accept loop adds to every request.
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [192, 0, 2, 1],
            5555,
        ))));
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
    f.state
        .keys
        .sign(Purpose::Unsubscribe, f.id, &f.link_key, issued)
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

fn form_post(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

async fn subscribe(f: &Fixture, email: &str) -> StatusCode {
    let body = format!("email={}&consent=yes", email.replace('+', "%2B"));
    call(&f.state, form_post("/subscribe", &body)).await.0
}

async fn row_of(f: &Fixture, email: &str) -> modelbrief_store::SubscriberRow {
    let all = f.state.store.subscribers(None).await.unwrap();
    all.into_iter()
        .find(|r| r.email.eq_ignore_ascii_case(email))
        .expect("the address has a row")
}

#[tokio::test]
async fn an_erased_subscribers_links_never_act_on_the_next_sign_up() {
    let f = fixture().await;
    let old_unsubscribe = unsubscribe_token(&f);
    let now = Timestamp::parse(NOW).unwrap().datetime().timestamp();
    let old_confirm = f.state.keys.sign(Purpose::Confirm, f.id, &f.link_key, now);
    let email = SubscriberEmail::parse("reader@example.com").unwrap();
    assert!(
        f.state
            .store
            .erase(&email, Timestamp::parse(NOW).unwrap())
            .await
            .unwrap()
    );
    assert_eq!(subscribe(&f, "newcomer@example.com").await, StatusCode::OK);
    let newcomer = row_of(&f, "newcomer@example.com").await;
    assert_ne!(newcomer.id, f.id, "ids are never handed out twice");
    // Even a token naming the newcomer's id, made with the erased row's link key, is inert.
    for token in [
        old_unsubscribe,
        f.state
            .keys
            .sign(Purpose::Unsubscribe, newcomer.id, &f.link_key, 0),
    ] {
        let (code, _) = call(
            &f.state,
            form_post(
                &format!("/unsubscribe?token={token}"),
                "List-Unsubscribe=One-Click",
            ),
        )
        .await;
        assert_eq!(code, StatusCode::OK, "the same answer as ever");
    }
    for token in [
        old_confirm,
        f.state
            .keys
            .sign(Purpose::Confirm, newcomer.id, &f.link_key, now),
    ] {
        let (code, _) = call(&f.state, form_post(&format!("/confirm?token={token}"), "")).await;
        assert_eq!(code, StatusCode::BAD_REQUEST);
    }
    let after = row_of(&f, "newcomer@example.com").await;
    assert_eq!(
        after.status,
        SubscriberStatus::Pending,
        "nothing happened to her"
    );
    let ledger = f.state.store.consent_history(after.id).await.unwrap();
    assert_eq!(ledger.len(), 1, "no consent row she never made: {ledger:?}");
}

#[tokio::test]
async fn a_confirm_link_from_before_an_unsubscribe_does_not_confirm_the_next_sign_up() {
    let f = fixture().await;
    assert_eq!(subscribe(&f, "again@example.com").await, StatusCode::OK);
    let row = row_of(&f, "again@example.com").await;
    let issued = Timestamp::parse(NOW).unwrap().datetime().timestamp() - 60;
    let old = f
        .state
        .keys
        .sign(Purpose::Confirm, row.id, &row.link_key, issued);
    let (code, _) = call(&f.state, form_post(&format!("/confirm?token={old}"), "")).await;
    assert_eq!(
        code,
        StatusCode::BAD_REQUEST,
        "issued before this pending period began"
    );
    assert_eq!(
        row_of(&f, "again@example.com").await.status,
        SubscriberStatus::Pending
    );
    let fresh = f
        .state
        .keys
        .sign(Purpose::Confirm, row.id, &row.link_key, issued + 60);
    let (code, page) = call(&f.state, form_post(&format!("/confirm?token={fresh}"), "")).await;
    assert_eq!(code, StatusCode::OK, "{page}");
    assert_eq!(
        row_of(&f, "again@example.com").await.status,
        SubscriberStatus::Confirmed
    );
}

#[tokio::test]
async fn case_and_tag_variants_of_one_mailbox_make_one_row_and_at_most_the_address_limit_of_mail() {
    let f = fixture().await;
    for i in 0..50 {
        let spelled: String = "victim@example.com"
            .chars()
            .enumerate()
            .map(|(j, c)| {
                if (i >> (j % 6)) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        assert_eq!(subscribe(&f, &spelled).await.as_u16() / 100, 2);
    }
    let rows = f.state.store.subscribers(None).await.unwrap();
    assert_eq!(
        rows.len(),
        2,
        "the fixture's reader and one victim: {rows:?}"
    );
    let queued = f.state.store.outbox_counts().await.unwrap();
    assert_eq!(queued.pending, 1, "one confirmation mail waits");
    for i in 0..5 {
        subscribe(&f, &format!("victim+{i}@example.com")).await;
    }
    let victim_rows = f.state.store.subscribers(None).await.unwrap().len() - 1;
    assert_eq!(victim_rows, 6, "a +tag is an address of its own");
    let queued = f.state.store.outbox_counts().await.unwrap();
    assert!(
        queued.pending <= 3,
        "the per-mailbox limit (3/hour) counts tags and case as one: {queued:?}"
    );
}

#[tokio::test]
async fn every_page_carries_the_security_headers_and_token_pages_are_not_cached() {
    let f = fixture().await;
    let res = router(f.state.clone())
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let h = res.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"));
    assert!(!csp.contains("script-src"), "no script may run: {csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(h.get("cache-control").is_none());
    let uri = format!("/unsubscribe?token={}", unsubscribe_token(&f));
    let res = router(f.state.clone())
        .oneshot(Request::get(&uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.headers().contains_key("content-security-policy"));
}

#[tokio::test]
async fn a_cross_site_or_text_plain_post_signs_nobody_up() {
    let f = fixture().await;
    let body = "email=csrf%40example.com&consent=yes";
    let cross = |name: &str, value: &str| {
        Request::post("/subscribe")
            .header("content-type", "application/x-www-form-urlencoded")
            .header(name, value)
            .body(Body::from(body))
            .unwrap()
    };
    let (code, _) = call(&f.state, cross("sec-fetch-site", "cross-site")).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _) = call(&f.state, cross("origin", "https://evil.example")).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let plain = Request::post("/subscribe")
        .header("content-type", "text/plain")
        .body(Body::from(body))
        .unwrap();
    let (code, _) = call(&f.state, plain).await;
    assert_eq!(code, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(f.state.store.subscribers(None).await.unwrap().len(), 1);
    // Our own form, as a browser sends it, works.
    let (code, page) = call(&f.state, cross("origin", "http://127.0.0.1:8080")).await;
    assert_eq!(code, StatusCode::OK, "{page}");
    let (code, _) = call(&f.state, cross("sec-fetch-site", "same-origin")).await;
    assert_eq!(code, StatusCode::OK);
}

#[tokio::test]
async fn json_clients_get_json_errors_also_from_the_framework() {
    let f = fixture().await;
    let req = |uri: &str, accept: &str| {
        Request::get(uri)
            .header("accept", accept)
            .body(Body::empty())
            .unwrap()
    };
    let (code, body) = call(&f.state, req("/no-such-page", "application/json")).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let v: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(v["status"], "not_found");
    let big = Request::post("/subscribe")
        .header("content-type", "Application/JSON; charset=utf-8")
        .body(Body::from(vec![b' '; crate::BODY_LIMIT + 10]))
        .unwrap();
    let (code, body) = call(&f.state, big).await;
    assert_eq!(code, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        serde_json::from_str::<serde_json::Value>(&body).is_ok(),
        "{body}"
    );
    // `application/jsonxyz` is not JSON.
    let odd = Request::post("/subscribe")
        .header("content-type", "application/jsonxyz")
        .body(Body::from(r#"{"email":"a@example.com","consent":true}"#))
        .unwrap();
    let (code, _) = call(&f.state, odd).await;
    assert_eq!(code, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let ok = Request::post("/subscribe")
        .header("content-type", "Application/JSON")
        .body(Body::from(r#"{"email":"a@example.com","consent":true}"#))
        .unwrap();
    let (code, body) = call(&f.state, ok).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(body.contains("confirmation_sent"));
}
