//! `[[webhooks]]` through the real binary: the W28 edition of the recorded 2026 weeks POSTed
//! to a receiver on loopback that fails twice and then accepts — the same signed body each
//! time, retried by later `tick`s on the back-off schedule — and to a Slack-format receiver
//! that takes only removals.

use crate::brief::replay_2026;
use crate::send::{NOW, prepared, send};
use crate::smtp::SmtpServer;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::Value;
use std::sync::{Arc, Mutex};

type Seen = Arc<Mutex<Vec<(String, HeaderMap, String)>>>;

/// A receiver: `/hook` answers 500 to its first two requests and 204 after; `/down` always
/// 500; `/slack` 200.
async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().fallback(
        move |uri: axum::http::Uri, headers: HeaderMap, body: String| {
            let log = log.clone();
            async move {
                let mut log = log.lock().unwrap();
                let path = uri.path().to_owned();
                let earlier = log.iter().filter(|(p, _, _)| *p == path).count();
                log.push((path.clone(), headers, body));
                match path.as_str() {
                    "/hook" if earlier < 2 => StatusCode::INTERNAL_SERVER_ERROR,
                    "/hook" => StatusCode::NO_CONTENT,
                    "/down" => StatusCode::INTERNAL_SERVER_ERROR,
                    _ => StatusCode::OK,
                }
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

const KEY: &str = "webhook-test-key-0123456789";

#[tokio::test]
async fn a_webhook_gets_the_editions_changes_signed_and_is_retried_until_it_accepts() {
    let (_server, app) = replay_2026().await;
    let smtp = SmtpServer::start(&[]);
    let (app, _) = prepared(app, &smtp, 2, "").await;
    let (base, seen) = receiver().await;
    app.append_config(&format!(
        "\n[[webhooks]]\nurl = \"{base}/hook\"\n\n[[webhooks]]\nurl = \"{base}/slack\"\nformat = \"slack\"\nkinds = [\"removed\"]\n\n[[webhooks]]\nurl = \"{base}/down\"\nformat = \"discord\"\n"
    ));
    let app = app.with_env("MODELBRIEF__WEBHOOKS__0__SECRET", KEY);

    let (code, summary) = send(&app, &[]).await;
    assert_eq!(code, 0, "{summary}");
    let hits = |path: &str| {
        seen.lock()
            .unwrap()
            .iter()
            .filter(|(p, _, _)| p == path)
            .map(|(_, h, b)| (h.clone(), b.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(hits("/hook").len(), 1, "tried once as the edition went out");
    // 09:00 failed → retry at 09:01; 09:02 failed → retry at 09:07; 09:10 accepted.
    let tick = |now: &'static str| {
        let app = &app;
        async move {
            let out = app.run(now, &["tick"]).await;
            assert_eq!(
                out.status.code(),
                Some(0),
                "tick at {now}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    };
    for now in [
        "2026-07-13T09:00:30Z",
        "2026-07-13T09:02:00Z",
        "2026-07-13T09:05:00Z",
    ] {
        tick(now).await;
    }
    assert_eq!(hits("/hook").len(), 2, "not before each retry is due");
    tick("2026-07-13T09:10:00Z").await;
    tick("2026-07-13T10:00:00Z").await;
    let hook = hits("/hook");
    assert_eq!(
        hook.len(),
        3,
        "accepted on the third attempt, then never again"
    );

    // The same bytes every time, signed with the key, one delivery id.
    let body = &hook[0].1;
    for (headers, b) in &hook {
        assert_eq!(b, body);
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
        mac.update(b.as_bytes());
        let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(headers["x-modelbrief-signature"], expected.as_str());
        assert_eq!(headers["x-modelbrief-edition"], "2026-W28");
        assert_eq!(
            headers["x-modelbrief-delivery"],
            hook[0].0["x-modelbrief-delivery"]
        );
        assert_eq!(headers["content-type"], "application/json");
    }
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["edition"], "2026-W28");
    let changes = v["changes"].as_array().unwrap();
    let brief = crate::brief::brief_json(&app, &["--week", "2026-W28"]).await;
    let shown = brief["price_changes"].as_array().unwrap().len()
        + brief["listing_price_changes"].as_array().unwrap().len();
    let prices = changes
        .iter()
        .filter(|c| c["kind"] == "price" || c["kind"] == "listing_price")
        .count();
    assert_eq!(prices, shown, "every price line of the edition");
    let kimi = changes
        .iter()
        .find(|c| c["model"] == "kimi-k2-6")
        .expect("OpenRouter's Kimi K2.6 move");
    assert_eq!(kimi["title"], "Kimi K2.6: pricier +8.5%");
    assert!(
        kimi["text"]
            .as_str()
            .unwrap()
            .contains("input $0.55 → $0.66, output $3.2 → $3.41")
    );
    assert!(
        kimi["url"]
            .as_str()
            .unwrap()
            .contains("/archive/2026-W28#listing-kimi-k2-6-")
    );

    // Slack: only removals, as mrkdwn text, unsigned (no secret for it).
    let slack = hits("/slack");
    assert_eq!(slack.len(), 1);
    assert!(slack[0].0.get("x-modelbrief-signature").is_none());
    let text = serde_json::from_str::<Value>(&slack[0].1).unwrap()["text"]
        .as_str()
        .unwrap()
        .to_owned();
    let removed = brief["removed_models"].as_array().unwrap();
    assert!(!removed.is_empty());
    assert_eq!(text.matches("\n• ").count(), removed.len(), "{text}");
    assert!(
        text.contains("no longer listed") && !text.contains("pricier"),
        "{text}"
    );

    let out = app
        .run("2026-07-13T10:00:00Z", &["status", "--format", "json"])
        .await;
    let st: Value = serde_json::from_slice(&out.stdout).unwrap();
    let w = &st["webhooks"];
    assert_eq!(
        (w[0]["delivered"].as_i64(), w[0]["pending"].as_i64()),
        (Some(1), Some(0)),
        "{w}"
    );
    assert_eq!(w[1]["delivered"], 1);
    // Only the receiver's host is shown: a Slack or Discord webhook URL is a credential.
    assert!(!out.stdout.windows(5).any(|x| x == b"/hook"), "{st}");

    // Discord: mentions in upstream names cannot ping anyone.
    let down = hits("/down");
    let first: Value = serde_json::from_str(&down[0].1).unwrap();
    assert_eq!(first["allowed_mentions"]["parse"], serde_json::json!([]));
    assert!(first["content"].as_str().unwrap().chars().count() <= 2_000);
    // A receiver that never accepts: tried 7 times (the first, then after 1 min, 5 min, 30 min,
    // 2 h, 6 h and 24 h), then given up, and `status` asks for attention.
    assert_eq!(down.len(), 4, "09:00, 09:02, 09:10, 10:00");
    for now in [
        "2026-07-13T12:30:00Z",
        "2026-07-13T19:00:00Z",
        "2026-07-14T19:30:00Z",
        "2026-07-16T00:00:00Z",
    ] {
        tick(now).await;
    }
    assert_eq!(hits("/down").len(), 7);
    let out = app
        .run("2026-07-16T00:00:00Z", &["status", "--format", "json"])
        .await;
    assert_eq!(out.status.code(), Some(1));
    let st: Value = serde_json::from_slice(&out.stdout).unwrap();
    let down = &st["webhooks"][2];
    assert_eq!(
        (down["failed"].as_i64(), down["pending"].as_i64()),
        (Some(1), Some(0))
    );
    let attention = st["attention"].to_string();
    assert!(
        attention.contains("webhook 2 (http://127.0.0.1:")
            && attention.contains("its latest delivery failed for good")
            && attention.contains("HTTP 500"),
        "{attention}"
    );
}

#[tokio::test]
async fn a_json_webhook_without_its_secret_is_a_config_error_that_names_the_variable() {
    let (_server, app) = replay_2026().await;
    app.append_config("\n[[webhooks]]\nurl = \"http://127.0.0.1:9/hook\"\n");
    let out = app.run(NOW, &["config", "check"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("MODELBRIEF__WEBHOOKS__0__SECRET is not set"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
