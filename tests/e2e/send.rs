//! The weekly send through the real binary into a real SMTP server (aiosmtpd), checked with a
//! real MIME parser: headers, parts, personal links, one-click, DKIM, faults, crashes, races.

use crate::brief::{replay_2026, serve_2026, sources_2026};
use crate::common::{App, FixtureServer};
use crate::server::{Served, free_port};
use crate::smtp::{SmtpServer, python};
use crate::subscribe::{SECRET, keys};
use modelbrief_mailer::Purpose;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

pub const NOW: &str = "2026-07-13T09:00:00Z";

/// The app with `n` confirmed subscribers (user0..), SMTP and web settings, and the secret.
pub async fn prepared(app: App, smtp: &SmtpServer, n: usize, delivery: &str) -> (App, u16) {
    let port = free_port();
    // Test defaults for whatever `delivery` does not set itself.
    let mut section = String::new();
    for (key, value) in [
        ("retry_base", "\"20ms\""),
        ("retry_max", "\"200ms\""),
        ("retry_window", "\"5s\""),
    ] {
        if !delivery.lines().any(|l| l.trim_start().starts_with(key)) {
            section.push_str(&format!("{key} = {value}\n"));
        }
    }
    let (delivery_keys, tables): (Vec<&str>, Vec<&str>) = match delivery.find("\n[") {
        Some(i) => (vec![&delivery[..i]], vec![&delivery[i..]]),
        None => (vec![delivery], vec![]),
    };
    app.append_config(&format!(
        "[smtp]\nport = {}\ntimeout = \"2s\"\n\n[mail]\nfrom = \"modelbrief <brief@example.com>\"\npostal_address = \"1 Test Street, Testville\"\n\n\
         [web]\nlisten = \"127.0.0.1:{port}\"\nbase_url = \"http://127.0.0.1:{port}\"\n\n[delivery]\n{section}{}\n{}\n",
        smtp.port,
        delivery_keys.join(""),
        tables.join("")
    ));
    let csv = app.dir.path().join("subscribers.csv");
    let mut text = String::from("email\n");
    for i in 0..n {
        text.push_str(&format!("user{i}@example.com\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let out = app
        .run(
            NOW,
            &[
                "subscribers",
                "import",
                csv.to_str().unwrap(),
                "--confirmed",
            ],
        )
        .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (app.with_env("MODELBRIEF__TOKENS__SECRET", SECRET), port)
}

/// A database with one recorded week ingested (enough for an edition).
pub async fn one_week() -> (FixtureServer, App) {
    let server = FixtureServer::start().await;
    let app = App::new(&sources_2026(&server));
    serve_2026(&server, "2026-07-06");
    assert_eq!(app.ingest("2026-07-06T20:00:00Z").await.0, 0);
    (server, app)
}

pub async fn send(app: &App, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["send", "--week", "2026-W28", "--format", "json"];
    args.extend_from_slice(extra);
    let out = app.run(NOW, &args).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(&stdout).unwrap_or_else(|_| {
        panic!(
            "send printed {stdout:?}; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), v)
}

/// Recipient → number of messages stored by the SMTP server.
pub fn per_recipient(smtp: &SmtpServer) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for raw in smtp.messages() {
        let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let to = msg
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap()
            .to_owned();
        *out.entry(to).or_default() += 1;
    }
    out
}

pub async fn subscribers(app: &App) -> Vec<Value> {
    let out = app
        .run(NOW, &["subscribers", "list", "--format", "json"])
        .await;
    serde_json::from_slice(&out.stdout).unwrap()
}

fn header(msg: &mail_parser::Message<'_>, name: &str) -> String {
    msg.header_raw(name)
        .unwrap_or_else(|| panic!("missing {name}"))
        .trim()
        .replace("\r\n", "")
        .replace('\n', "")
}

#[tokio::test]
async fn every_confirmed_subscriber_gets_one_signed_message_whose_headers_unsubscribe_them() {
    let (_fixtures, app) = replay_2026().await;
    let smtp = SmtpServer::start(&[]);
    let key = app.dir.path().join("dkim.pem");
    let public = app.dir.path().join("dkim.pub");
    assert!(
        std::process::Command::new("openssl")
            .args(["genrsa", "-traditional", "-out"])
            .arg(&key)
            .arg("2048")
            .output()
            .unwrap()
            .status
            .success()
    );
    assert!(
        std::process::Command::new("openssl")
            .args(["rsa", "-pubout", "-in"])
            .arg(&key)
            .arg("-out")
            .arg(&public)
            .output()
            .unwrap()
            .status
            .success()
    );
    let (app, port) = prepared(
        app,
        &smtp,
        20,
        &format!("\n[mail.dkim]\nselector = \"mb\"\ndomain = \"example.com\"\nprivate_key_path = \"{}\"\n", key.display()),
    )
    .await;
    // A pending address (imported without --confirmed, so no mail) gets no brief.
    let pending = app.dir.path().join("pending.csv");
    std::fs::write(&pending, "email\npending@example.com\n").unwrap();
    let out = app
        .run(NOW, &["subscribers", "import", pending.to_str().unwrap()])
        .await;
    assert_eq!(out.status.code(), Some(0));

    let (code, summary) = send(&app, &[]).await;
    assert_eq!(code, 0, "{summary}");
    assert_eq!(
        (
            summary["sent"].as_i64(),
            summary["failed"].as_i64(),
            summary["in_doubt"].as_i64()
        ),
        (Some(20), Some(0), Some(0))
    );
    let messages = smtp.wait_for(20).await;
    assert_eq!(messages.len(), 20);
    assert!(
        !per_recipient(&smtp).contains_key("pending@example.com"),
        "pending subscribers get nothing"
    );

    let subs = subscribers(&app).await;
    let ids: BTreeMap<String, i64> = subs
        .iter()
        .map(|s| {
            (
                s["email"].as_str().unwrap().to_owned(),
                s["id"].as_i64().unwrap(),
            )
        })
        .collect();
    let k = keys();
    let mut files = Vec::new();
    for (i, raw) in messages.iter().enumerate() {
        let msg = mail_parser::MessageParser::default().parse(raw).unwrap();
        let to = msg
            .to()
            .unwrap()
            .first()
            .unwrap()
            .address()
            .unwrap()
            .to_owned();
        let id = ids[&to];
        assert!(
            msg.subject()
                .unwrap()
                .starts_with("modelbrief 2026-W28: 4 new models"),
            "{:?}",
            msg.subject()
        );
        assert_eq!(
            msg.message_id(),
            Some(format!("2026-W28.{id}@example.com").as_str())
        );
        assert!(msg.date().is_some());
        assert_eq!(header(&msg, "List-Id"), "modelbrief <brief.example.com>");
        assert_eq!(
            header(&msg, "List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click"
        );
        let lu = header(&msg, "List-Unsubscribe");
        let url = lu
            .trim_start_matches('<')
            .split('>')
            .next()
            .unwrap()
            .to_owned();
        assert!(
            url.starts_with(&format!("http://127.0.0.1:{port}/unsubscribe?token=")),
            "{url}"
        );
        let token = url.split("token=").nth(1).unwrap();
        assert_eq!(
            k.verify(token, Purpose::Unsubscribe, 0)
                .unwrap()
                .subscriber_id,
            id,
            "the link is personal"
        );
        let text = msg.body_text(0).unwrap();
        let html = msg.body_html(0).unwrap();
        for part in [&text, &html] {
            assert!(part.contains(&url), "a visible personal unsubscribe link");
            assert!(
                part.contains("1 Test Street, Testville"),
                "the postal address"
            );
        }
        assert!(html.contains("Claude Sonnet 5") && text.contains("Claude Sonnet 5"));
        assert_chart_travels_inline(&msg, &html, &text);
        let file = app.dir.path().join(format!("m{i}.eml"));
        std::fs::write(&file, raw).unwrap();
        files.push(file);
    }
    // DKIM: every signature verifies against the public key (dkimpy) and covers the
    // unsubscribe headers.
    let first = String::from_utf8_lossy(&messages[0]).to_ascii_lowercase();
    assert!(
        first.contains("list-unsubscribe-post"),
        "h= covers List-Unsubscribe-Post"
    );
    let verify = std::process::Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dkim_verify.py"))
        .arg(&public)
        .args(["mb", "example.com"])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );

    // The header URL unsubscribes with exactly the POST a mail provider sends.
    let served = Served::start(
        &app.config(),
        None,
        &[("MODELBRIEF__TOKENS__SECRET".into(), SECRET.into())],
    );
    let msg = mail_parser::MessageParser::default()
        .parse(&messages[3])
        .unwrap();
    let to = msg
        .to()
        .unwrap()
        .first()
        .unwrap()
        .address()
        .unwrap()
        .to_owned();
    let url = header(&msg, "List-Unsubscribe")
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap()
        .to_owned();
    let r = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    drop(served);
    let after = subscribers(&app).await;
    assert_eq!(
        after.iter().find(|s| s["email"] == to.as_str()).unwrap()["status"],
        "unsubscribed"
    );

    // A second run sends nothing more: one edition per week, one message per person.
    let (code, again) = send(&app, &[]).await;
    assert_eq!(code, 0);
    assert_eq!(
        (again["created"].as_bool(), again["sent"].as_i64()),
        (Some(false), Some(20))
    );
    assert_eq!(smtp.messages().len(), 20);
}

/// The HTML shows the price chart by Content-ID, the message carries that PNG, and the alt text
/// gives the same prices the text part lists.
fn assert_chart_travels_inline(msg: &mail_parser::Message<'_>, html: &str, text: &str) {
    use mail_parser::MimeHeaders;
    let cid = "price-history@modelbrief";
    let img = html.split("<img ").nth(1).expect("the brief has an image");
    assert!(img.starts_with(&format!("src=\"cid:{cid}\"")), "{img}");
    let part = msg
        .parts
        .iter()
        .find(|p| p.content_id() == Some(cid))
        .expect("the message carries the image it shows");
    assert_eq!(
        part.content_type().map(|c| (c.ctype(), c.subtype())),
        Some(("image", Some("png")))
    );
    assert_eq!(&part.contents()[..8], b"\x89PNG\r\n\x1a\n");
    let alt = unescape(
        img.split("alt=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap(),
    );
    let listings = alt.split_once(": ").unwrap().1.trim_end_matches('.');
    assert!(listings.split("; ").count() >= 2, "{alt}");
    for listing in listings.split("; ") {
        // "Name from $a in / $b out on 2026-06-29 to $c in / $d out on 2026-07-06"
        let (_, from_to) = listing.split_once(" from ").unwrap();
        let (from, to) = from_to.split_once(" to ").unwrap();
        for end in [from, to] {
            let (price, day) = end.rsplit_once(" on ").unwrap();
            assert!(
                text.contains(&format!("{day}: {price}")),
                "the text part lists {day}: {price}\n{text}"
            );
        }
    }
}

fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn a_dry_run_checks_and_counts_but_sends_and_creates_nothing() {
    let (_f, app) = one_week().await;
    let smtp = SmtpServer::start(&[]);
    let (app, _) = prepared(app, &smtp, 5, "").await;
    let (code, s) = send(&app, &["--dry-run"]).await;
    assert_eq!(code, 0);
    assert_eq!(
        (
            s["dry_run"].as_bool(),
            s["recipients"].as_i64(),
            s["sent"].as_i64()
        ),
        (Some(true), Some(5), Some(0))
    );
    assert!(smtp.messages().is_empty());
    let (_, s) = send(&app, &[]).await;
    assert_eq!(s["created"], true, "the dry run created no edition");
}

async fn faulty(args: &[&str], n: usize, delivery: &str) -> (App, SmtpServer, i32, Value) {
    let (_f, app) = one_week().await;
    let smtp = SmtpServer::start(args);
    let (app, _) = prepared(app, &smtp, n, delivery).await;
    let (code, s) = send(&app, &[]).await;
    (app, smtp, code, s)
}

#[tokio::test]
async fn a_relay_that_refuses_every_connection_leaves_the_deliveries_failed_for_a_later_run() {
    let (_app, smtp, code, s) = faulty(
        &["--greeting-code", "421"],
        4,
        "max_attempts = 2\nretry_window = \"1s\"",
    )
    .await;
    assert_eq!(code, 1, "{s}");
    assert_eq!(
        (
            s["sent"].as_i64(),
            s["failed"]
                .as_i64()
                .map(|f| f + s["pending"].as_i64().unwrap())
        ),
        (Some(0), Some(4))
    );
    assert!(smtp.messages().is_empty());
}

#[tokio::test]
async fn a_451_then_success_is_retried_and_delivered_once() {
    let (_app, smtp, code, s) = faulty(&["--fail-first", "3=451"], 6, "").await;
    assert_eq!(code, 0, "{s}");
    assert_eq!(s["sent"], 6);
    assert!(per_recipient(&smtp).values().all(|n| *n == 1));
    assert_eq!(per_recipient(&smtp).len(), 6);
}

#[tokio::test]
async fn a_550_bounces_that_address_and_suppresses_the_subscriber() {
    let (app, smtp, code, s) = faulty(&["--reject-rcpt", "user2@example.com=550"], 5, "").await;
    assert_eq!(code, 0, "a hard bounce is an outcome, not a failure: {s}");
    assert_eq!(
        (s["sent"].as_i64(), s["bounced"].as_i64()),
        (Some(4), Some(1))
    );
    assert!(!per_recipient(&smtp).contains_key("user2@example.com"));
    let subs = subscribers(&app).await;
    assert_eq!(
        subs.iter()
            .find(|s| s["email"] == "user2@example.com")
            .unwrap()["status"],
        "bounced"
    );
}

#[tokio::test]
async fn a_connection_dropped_after_the_message_went_out_is_in_doubt_and_never_resent() {
    let (app, smtp, code, s) = faulty(&["--drop-data", "1"], 3, "connections = 1").await;
    assert_eq!(code, 1, "in doubt is not a clean send: {s}");
    assert_eq!(
        (s["sent"].as_i64(), s["in_doubt"].as_i64()),
        (Some(2), Some(1)),
        "{s}"
    );
    assert_eq!(per_recipient(&smtp).len(), 2);
    // A later run does not resend it on its own ...
    let (_, again) = send(&app, &[]).await;
    assert_eq!(again["in_doubt"], 1, "{again}");
    assert_eq!(smtp.messages().len(), 2);
    // ... the operator decides.
    let (code, resent) = send(&app, &["--resend-in-doubt"]).await;
    assert_eq!(code, 0, "{resent}");
    assert_eq!(per_recipient(&smtp).len(), 3);
}

#[tokio::test]
async fn a_relay_that_answers_the_final_dot_late_gets_each_message_once_and_it_is_reported_in_doubt()
 {
    // The relay stores each message but answers 4 s after the final ".", past the 2 s
    // timeout: before, each timeout was retried and the relay kept every copy.
    let (app, smtp, code, s) = faulty(&["--stall", "4"], 2, "connections = 1").await;
    assert_eq!(code, 1, "{s}");
    assert_eq!(
        (s["sent"].as_i64(), s["in_doubt"].as_i64()),
        (Some(0), Some(2)),
        "{s}"
    );
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let copies = per_recipient(&smtp);
    assert_eq!(copies.len(), 2, "{copies:?}");
    assert!(
        copies.values().all(|n| *n == 1),
        "one copy each: {copies:?}"
    );
    let replies = delivery_replies(&app).await;
    assert!(
        replies
            .iter()
            .all(|r| r.contains("in doubt") && r.contains("timed out")),
        "{replies:?}"
    );
}

#[tokio::test]
async fn a_relay_that_never_answers_the_final_dot_costs_one_copy_reported_in_doubt() {
    let (_app, smtp, code, s) = faulty(&["--never-answer"], 3, "connections = 2").await;
    assert_eq!(code, 1, "{s}");
    assert_eq!(
        (s["sent"].as_i64(), s["in_doubt"].as_i64()),
        (Some(0), Some(3)),
        "{s}"
    );
    let copies = per_recipient(&smtp);
    assert!(
        copies.values().all(|n| *n == 1),
        "at most one copy each: {copies:?}"
    );
    assert_eq!(copies.len(), 3, "the relay stored each message once");
}

#[tokio::test]
async fn a_452_on_one_recipient_is_retried_without_dropping_the_session_or_slowing_the_others() {
    let (app, smtp, code, s) = faulty(
        &["--reject-rcpt", "user1@example.com=452"],
        30,
        "max_attempts = 3\nconnections = 1\nretry_window = \"1s\"",
    )
    .await;
    assert_eq!(
        code, 1,
        "a delivery that failed for good is not a clean send: {s}"
    );
    assert_eq!(
        (s["sent"].as_i64(), s["failed"].as_i64()),
        (Some(29), Some(1)),
        "{s}"
    );
    assert_eq!(per_recipient(&smtp).len(), 29);
    let replies = delivery_replies(&app).await;
    assert!(
        replies
            .iter()
            .any(|r| r.contains("452") && r.contains("recipient rejected by test server")),
        "the relay's code and text are kept: {replies:?}"
    );
    let status = app
        .stdout("2026-07-13T12:00:00Z", &["status", "--format", "json"])
        .await;
    let status: Value = serde_json::from_str(&status).unwrap();
    let edition = &status["editions"][0];
    assert_eq!(edition["status"], "sent_with_failures", "{edition}");
}

#[tokio::test]
async fn a_550_records_the_relays_code_and_text() {
    let (app, _smtp, _code, _s) = faulty(&["--reject-rcpt", "user0@example.com=550"], 2, "").await;
    let replies = delivery_replies(&app).await;
    assert!(
        replies
            .iter()
            .any(|r| r.contains("550") && r.contains("5.1.1") && r.contains("recipient rejected")),
        "{replies:?}"
    );
}

/// The `last_reply` of every delivery that has one.
async fn delivery_replies(app: &App) -> Vec<String> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.db().display()))
        .await
        .unwrap();
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT last_reply FROM deliveries WHERE last_reply IS NOT NULL AND status != 'sent'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

#[tokio::test]
async fn many_bounces_pause_the_send_on_the_error_budget() {
    let mut args = Vec::new();
    for i in 0..6 {
        args.push("--reject-rcpt".to_owned());
        args.push(format!("user{i}@example.com=550"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (_app, _smtp, code, s) = faulty(
        &args,
        40,
        "error_budget_pct = 5.0\nconnections = 1\nbatch = 2",
    )
    .await;
    assert_eq!(code, 1, "{s}");
    assert!(
        s["paused"]
            .as_str()
            .unwrap()
            .contains("error budget exceeded"),
        "{s}"
    );
    assert!(
        s["pending"].as_i64().unwrap() > 0,
        "the rest waits for the operator: {s}"
    );
}

#[tokio::test]
async fn an_unsubscribe_during_a_send_of_2000_is_honoured() {
    let (_f, app) = one_week().await;
    let smtp = SmtpServer::start(&[]);
    let (app, _) = prepared(
        app,
        &smtp,
        2000,
        "per_second = 600\nconnections = 2\nbatch = 4",
    )
    .await;
    let served = Served::start(
        &app.config(),
        None,
        &[("MODELBRIEF__TOKENS__SECRET".into(), SECRET.into())],
    );
    let subs = subscribers(&app).await;
    let leaver = subs.last().unwrap();
    let id = leaver["id"].as_i64().unwrap();
    let child = app.spawn(NOW, &["send", "--week", "2026-W28", "--format", "json"]);
    // Wait until the send is under way, then leave.
    smtp.wait_for(100).await;
    let token = keys().sign(
        Purpose::Unsubscribe,
        id,
        &crate::subscribe::link_key(&app, id).await,
        0,
    );
    let r = reqwest::Client::new()
        .post(format!("{}/unsubscribe?token={token}", served.base))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            summary["sent"].as_i64(),
            summary["skipped_unsubscribed"].as_i64()
        ),
        (Some(1999), Some(1)),
        "{summary}"
    );
    let got = per_recipient(&smtp);
    assert!(
        !got.contains_key(leaver["email"].as_str().unwrap()),
        "nothing after the POST"
    );
    assert_eq!(got.len(), 1999);
}

#[tokio::test]
async fn two_sends_started_at_once_deliver_each_message_once() {
    let (_f, app) = one_week().await;
    let smtp = SmtpServer::start(&[]);
    let (app, _) = prepared(app, &smtp, 200, "").await;
    let a = app.spawn(NOW, &["send", "--week", "2026-W28"]);
    let b = app.spawn(NOW, &["send", "--week", "2026-W28"]);
    let (a, b) = tokio::task::spawn_blocking(move || {
        (a.wait_with_output().unwrap(), b.wait_with_output().unwrap())
    })
    .await
    .unwrap();
    assert_eq!((a.status.code(), b.status.code()), (Some(0), Some(0)));
    let got = per_recipient(&smtp);
    assert_eq!(got.len(), 200);
    assert!(got.values().all(|n| *n == 1), "{got:?}");
}

#[tokio::test]
async fn killing_the_send_at_random_points_never_doubles_or_loses_mail() {
    let (_f, app) = one_week().await;
    let smtp = SmtpServer::start(&[]);
    let (app, _) = prepared(
        app,
        &smtp,
        300,
        // Slow enough that 20 runs of 50-550 ms cannot finish the edition between them: every
        // run is still mid-way when it is killed (at 400/s the first two or three runs sent
        // everything and the kill count depended on the machine's speed).
        "connections = 2\nbatch = 2\nper_second = 40",
    )
    .await;
    let mut rng_state = 0x2545F4914F6CDD1Du64;
    let mut kills = 0;
    for _ in 0..20 {
        let mut child = app.spawn(NOW, &["send", "--week", "2026-W28"]);
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        tokio::time::sleep(Duration::from_millis(50 + rng_state % 500)).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    let (code, s) = send(&app, &[]).await;
    assert!(
        kills >= 3,
        "the send was killed mid-way at least a few times ({kills})"
    );
    let in_doubt = s["in_doubt"].as_i64().unwrap();
    assert_eq!(s["sent"].as_i64().unwrap() + in_doubt, 300, "{s}");
    assert_eq!(code, if in_doubt > 0 { 1 } else { 0 });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = per_recipient(&smtp);
    assert!(
        got.values().all(|n| *n == 1),
        "nobody gets the brief twice: {got:?}"
    );
    let received = got.len() as i64;
    assert!(
        received >= s["sent"].as_i64().unwrap() && received <= 300,
        "{received} received, {s}"
    );
}

#[tokio::test]
async fn sigterm_stops_the_send_cleanly_and_the_next_run_finishes_it_without_a_duplicate() {
    let (_f, app) = one_week().await;
    let smtp = SmtpServer::start(&[]);
    let (app, _) = prepared(
        app,
        &smtp,
        1500,
        "per_second = 300\nconnections = 3\nbatch = 20",
    )
    .await;
    let child = app.spawn(NOW, &["send", "--week", "2026-W28", "--format", "json"]);
    smtp.wait_for(100).await;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "a summary after SIGTERM: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        summary["in_doubt"].as_i64().unwrap() <= 3,
        "at most one message in flight per connection is left in doubt: {summary}"
    );
    assert!(
        summary["pending"].as_i64().unwrap() > 0,
        "it stopped early: {summary}"
    );
    assert!(summary["sent"].as_i64().unwrap() >= 100, "{summary}");
    let (code, rest) = send(&app, &["--resend-in-doubt"]).await;
    assert_eq!(code, 0, "{rest}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let copies = per_recipient(&smtp);
    assert_eq!(copies.len(), 1500);
    let doubled = copies.values().filter(|n| **n > 1).count() as i64;
    assert!(
        doubled <= summary["in_doubt"].as_i64().unwrap(),
        "only a message reported in doubt may arrive twice: {doubled}"
    );
}

#[tokio::test]
async fn send_without_a_week_on_a_monday_evening_sends_the_week_that_ended_not_the_one_begun() {
    let (_f, app) = one_week().await;
    let smtp = SmtpServer::start(&[]);
    let (app, _) = prepared(app, &smtp, 2, "").await;
    let out = app
        .run("2026-07-06T21:00:00Z", &["send", "--format", "json"])
        .await;
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["edition"], "2026-W27", "the week that has ended: {s}");
    // The real W28 is still to come, whole, a week later.
    let out = app
        .run("2026-07-13T09:00:00Z", &["send", "--format", "json"])
        .await;
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (s["edition"].as_str(), s["created"].as_bool()),
        (Some("2026-W28"), Some(true)),
        "{s}"
    );
    // A week that has not ended gets no edition (the run at 07-13 made W28, W29 is under way).
    let out = app
        .run(
            "2026-07-14T09:00:00Z",
            &["send", "--week", "2026-W29", "--format", "json"],
        )
        .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("2026-W29 has not ended yet"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A preview claims no ISO week.
    let preview = app
        .stdout("2026-07-08T12:00:00Z", &["brief", "--format", "json"])
        .await;
    let preview: Value = serde_json::from_str(&preview).unwrap();
    assert_eq!(preview["edition"], "preview");
    assert!(
        preview["window"]["from"]
            .as_str()
            .unwrap()
            .starts_with("2026-07-01"),
        "{preview}"
    );
}
