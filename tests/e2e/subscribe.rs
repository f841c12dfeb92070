//! Subscribing, confirming and leaving, over real HTTP against `modelbrief serve`, with the
//! confirmation mail read back from a real SMTP server.

use crate::common::App;
use crate::server::{Served, free_port};
use crate::smtp::SmtpServer;
use modelbrief_mailer::{Purpose, TokenKeys};
use serde_json::Value;

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";

pub fn keys() -> TokenKeys {
    TokenKeys::new(
        secrecy::SecretString::from(SECRET.to_owned()),
        vec![],
        7 * 86400,
    )
    .unwrap()
}

/// The link key of subscriber `id`, which every link token for it carries.
pub async fn link_key(app: &App, id: i64) -> String {
    app.store()
        .await
        .subscriber(id)
        .await
        .unwrap()
        .expect("the subscriber exists")
        .link_key
}

pub struct Site {
    pub app: App,
    pub smtp: SmtpServer,
    pub served: Served,
    pub http: reqwest::Client,
}

/// A `serve` process on a temp database, sending mail to a real SMTP server.
pub async fn site(per_ip_per_minute: u32) -> Site {
    site_with(per_ip_per_minute, "").await
}

/// [`site`] with more `[web]` settings.
pub async fn site_with(per_ip_per_minute: u32, web: &str) -> Site {
    site_full(per_ip_per_minute, web, &[]).await
}

/// [`site_with`], with options for the SMTP server (`--stall 2`, …).
pub async fn site_full(per_ip_per_minute: u32, web: &str, smtp_args: &[&str]) -> Site {
    let smtp = SmtpServer::start(smtp_args);
    let app = App::new(&[]);
    let port = free_port();
    app.append_config(&format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n\n[mail]\nfrom = \"modelbrief <brief@example.com>\"\npostal_address = \"1 Test Street, Testville\"\n\n\
         [web]\nlisten = \"127.0.0.1:{port}\"\nbase_url = \"http://127.0.0.1:{port}\"\nsubscribe_per_ip_per_minute = {per_ip_per_minute}\nrecord_ip = true\n{web}\n",
        smtp.port
    ));
    let env = vec![("MODELBRIEF__TOKENS__SECRET".to_owned(), SECRET.to_owned())];
    let served = Served::start(&app.config(), None, &env);
    let app = app.with_env("MODELBRIEF__TOKENS__SECRET", SECRET);
    Site {
        app,
        smtp,
        served,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

impl Site {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.served.base)
    }

    pub async fn subscribe_form(&self, body: String) -> (u16, String) {
        let r = self
            .http
            .post(self.url("/subscribe"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    pub async fn subscribers(&self) -> Vec<Value> {
        let out = self
            .app
            .run(
                "2026-07-07T09:00:00Z",
                &["subscribers", "list", "--format", "json"],
            )
            .await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub async fn export(&self) -> Vec<Value> {
        let out = self
            .app
            .run(
                "2026-07-07T09:00:00Z",
                &["subscribers", "export", "--format", "json"],
            )
            .await;
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub async fn one_click(&self, token: &str) -> u16 {
        self.http
            .post(format!("{}?token={token}", self.url("/unsubscribe")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

pub fn form(email: &str, consent: bool, website: &str) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("email", email);
    if consent {
        s.append_pair("consent", "yes");
    }
    s.append_pair("website", website);
    s.finish()
}

fn text_part(raw: &[u8]) -> String {
    let msg = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a MIME message");
    assert!(
        msg.body_html(0).is_some(),
        "the confirmation mail has an HTML part"
    );
    msg.body_text(0).expect("a text part").into_owned()
}

#[tokio::test]
async fn a_visitor_subscribes_confirms_by_mail_and_leaves_with_one_click() {
    let s = site(100).await;
    let page = s
        .http
        .get(s.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("name=\"email\"")
            && page.contains("name=\"consent\"")
            && page.contains("name=\"website\"")
    );
    assert_eq!(
        s.http.get(s.url("/healthz")).send().await.unwrap().status(),
        200
    );

    let (status, body) = s
        .subscribe_form(form("Ada.Lovelace@Example.org", true, ""))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Check your inbox"));
    let subs = s.subscribers().await;
    assert_eq!(
        (subs[0]["email"].as_str(), subs[0]["status"].as_str()),
        (Some("Ada.Lovelace@example.org"), Some("pending"))
    );
    assert!(subs[0]["created_at"].is_string());

    let mails = s.smtp.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    let text = text_part(&mails[0]);
    let link = regex::Regex::new(r"http://\S+/confirm\?token=\S+")
        .unwrap()
        .find(&text)
        .expect("a confirm link")
        .as_str()
        .to_owned();
    // Opening the link (as a mail scanner or preview does, HEAD or GET) changes nothing: the
    // page has a button, and only its POST confirms.
    assert_eq!(s.http.head(&link).send().await.unwrap().status(), 200);
    let r = s.http.get(&link).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["cache-control"],
        "no-store",
        "a page with a token"
    );
    let page = r.text().await.unwrap();
    assert!(page.contains("Confirm my subscription"), "{page}");
    assert_eq!(s.subscribers().await[0]["status"], "pending");
    let r = s.http.post(&link).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("You’re subscribed"));
    // Confirming twice is harmless, and opening the link afterwards says so.
    assert_eq!(s.http.post(&link).send().await.unwrap().status(), 200);
    let again = s
        .http
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("You’re subscribed"), "{again}");
    assert_eq!(s.subscribers().await[0]["status"], "confirmed");

    // The operator can prove when and how consent was given.
    let export = s.export().await;
    let consent = export[0]["consent"].as_array().unwrap();
    assert_eq!(consent.len(), 2, "{consent:?}");
    assert_eq!(
        (
            consent[0]["to_status"].as_str(),
            consent[0]["method"].as_str()
        ),
        (Some("pending"), Some("web_form"))
    );
    assert!(
        consent[0]["consent_text"]
            .as_str()
            .unwrap()
            .contains("unsubscribe at any time")
    );
    assert_eq!(consent[0]["consent_version"], "2026-11-01");
    assert_eq!(
        consent[0]["ip"], "127.0.0.1",
        "record_ip is on in this config"
    );
    assert_eq!(
        (
            consent[1]["to_status"].as_str(),
            consent[1]["method"].as_str()
        ),
        (Some("confirmed"), Some("confirmation_link"))
    );

    // One-click unsubscribe: a GET changes nothing; the RFC 8058 POST does, once.
    let id = subs[0]["id"].as_i64().unwrap();
    let token = keys().sign(Purpose::Unsubscribe, id, &link_key(&s.app, id).await, 0);
    let get = s
        .http
        .get(format!("{}?token={token}", s.url("/unsubscribe")))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 200);
    assert!(
        get.text()
            .await
            .unwrap()
            .contains("<button type=\"submit\">Unsubscribe</button>")
    );
    assert_eq!(s.subscribers().await[0]["status"], "confirmed");
    assert_eq!(s.one_click(&token).await, 200);
    assert_eq!(s.subscribers().await[0]["status"], "unsubscribed");
    assert_eq!(s.one_click(&token).await, 200, "a second POST is harmless");
    let consent = s.export().await[0]["consent"].as_array().unwrap().clone();
    assert_eq!(consent.len(), 3);
    assert_eq!(
        (
            consent[2]["to_status"].as_str(),
            consent[2]["method"].as_str()
        ),
        (Some("unsubscribed"), Some("one_click"))
    );
}

#[tokio::test]
async fn hostile_input_gets_a_clear_4xx_and_changes_nothing() {
    let s = site(1000).await;
    let long = format!("{}@example.com", "a".repeat(300));
    let corpus = [
        "victim@example.com\r\nBcc: everyone@example.com",
        "victim@example.com%0d%0aBcc:x@example.com",
        &long,
        "p\u{0430}ypal@example.com",
        "user@exa\u{202e}moc.com",
        "not-an-address",
        "user@localhost",
        "",
    ];
    for email in corpus {
        let (status, body) = s.subscribe_form(form(email, true, "")).await;
        assert_eq!(status, 400, "{email:?}: {body}");
        assert!(body.contains("class=\"error\""), "{email:?} gets a message");
    }
    let (status, body) = s.subscribe_form(form("ok@example.com", false, "")).await;
    assert_eq!(status, 400);
    assert!(body.contains("tick the box"));
    let (status, _) = s
        .subscribe_form(form("ok@example.com", true, "http://spam.example"))
        .await;
    assert_eq!(status, 400, "a filled honeypot is refused");
    let big = s
        .http
        .post(s.url("/subscribe"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=".to_owned() + &"a".repeat(40_000))
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 413);
    let json = s
        .http
        .post(s.url("/subscribe"))
        .header("content-type", "application/json")
        .body(r#"{"email":"bad","consent":"yes"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), 400);
    let v: Value = serde_json::from_str(&json.text().await.unwrap()).unwrap();
    assert_eq!(v["status"], "invalid");
    assert!(s.subscribers().await.is_empty(), "no state change");
    assert!(s.smtp.messages().is_empty(), "no mail sent");

    // Tokens: forged, truncated, cross-purpose, expired.
    let (status, _) = s.subscribe_form(form("real@example.com", true, "")).await;
    assert_eq!(status, 200);
    let id = s.subscribers().await[0]["id"].as_i64().unwrap();
    let lk = link_key(&s.app, id).await;
    let k = keys();
    let forged = TokenKeys::new(
        secrecy::SecretString::from("another-secret-another-secret-another".to_owned()),
        vec![],
        1,
    )
    .unwrap()
    .sign(Purpose::Confirm, id, &lk, chrono_now());
    let good_unsub = k.sign(Purpose::Unsubscribe, id, &lk, 0);
    for (path, token) in [
        ("/confirm", forged.clone()),
        ("/confirm", good_unsub[..good_unsub.len() - 4].to_owned()),
        ("/confirm", good_unsub.clone()), // an unsubscribe token cannot confirm
        ("/confirm", "x".repeat(5000)),
    ] {
        let r = s
            .http
            .get(format!("{}?token={token}", s.url(path)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{path} {token}");
        assert!(r.text().await.unwrap().contains("This link is not valid"));
    }
    let confirm_as_unsub = k.sign(Purpose::Confirm, id, &lk, chrono_now());
    assert_eq!(
        s.one_click(&confirm_as_unsub).await,
        400,
        "a confirm token cannot unsubscribe"
    );
    assert_eq!(s.one_click(&forged).await, 400);
    // An unknown subscriber's valid-looking token gets the same answer as a real one.
    assert_eq!(
        s.one_click(&k.sign(Purpose::Unsubscribe, 999_999, &lk, 0))
            .await,
        200
    );
    assert_eq!(
        s.subscribers().await[0]["status"],
        "pending",
        "nothing changed"
    );

    let expired = k.sign(Purpose::Confirm, id, &lk, chrono_now() - 8 * 86400);
    let r = s
        .http
        .get(format!("{}?token={expired}", s.url("/confirm")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    let page = r.text().await.unwrap();
    assert!(page.contains("Send me a new confirmation link"));
    assert_eq!(s.subscribers().await[0]["status"], "pending");
    let before = s.smtp.messages().len();
    let r = s
        .http
        .post(format!("{}?token={expired}", s.url("/confirm/resend")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        s.smtp.wait_for(before + 1).await.len(),
        before + 1,
        "a fresh link is mailed"
    );
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn the_answer_never_reveals_whether_an_address_is_subscribed() {
    let s = site(1000).await;
    let (_, first) = s.subscribe_form(form("known@example.com", true, "")).await;
    let id = s.subscribers().await[0]["id"].as_i64().unwrap();
    let lk = link_key(&s.app, id).await;
    let r = s
        .http
        .post(format!(
            "{}?token={}",
            s.url("/confirm"),
            keys().sign(Purpose::Confirm, id, &lk, chrono_now())
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, again) = s.subscribe_form(form("known@example.com", true, "")).await;
    let (_, fresh) = s
        .subscribe_form(form("unknown@example.com", true, ""))
        .await;
    assert_eq!(status, 200);
    assert_eq!(first, again);
    assert_eq!(again, fresh);
}

#[tokio::test]
async fn repeated_requests_do_not_spam_an_address_or_flood_from_one_ip() {
    let s = site(5).await;
    let mut codes = Vec::new();
    for _ in 0..8 {
        codes.push(
            s.subscribe_form(form("spam-me@example.com", true, ""))
                .await
                .0,
        );
    }
    assert_eq!(
        codes.iter().filter(|c| **c == 429).count(),
        3,
        "5 per minute per IP: {codes:?}"
    );
    s.smtp.wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let sent = s.smtp.messages().len();
    assert!(
        (1..=3).contains(&sent),
        "at most 3 confirmation mails per address per hour, and at least one: {sent}"
    );
}

#[tokio::test]
async fn two_hundred_parallel_requests_on_one_address_leave_a_consistent_state_and_ledger() {
    // 200 connections from one client: more than its usual share, allowed here.
    let s = site_with(100_000, "max_connections_per_ip = 400").await;
    assert_eq!(
        s.subscribe_form(form("race@example.com", true, "")).await.0,
        200
    );
    let id = s.subscribers().await[0]["id"].as_i64().unwrap();
    let token = keys().sign(Purpose::Unsubscribe, id, &link_key(&s.app, id).await, 0);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let http = s.http.clone();
        let (sub, unsub) = (
            s.url("/subscribe"),
            format!("{}?token={token}", s.url("/unsubscribe")),
        );
        tasks.push(tokio::spawn(async move {
            let r = if i % 2 == 0 {
                http.post(sub)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form("race@example.com", true, ""))
                    .send()
                    .await
            } else {
                http.post(unsub)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("List-Unsubscribe=One-Click")
                    .send()
                    .await
            };
            r.unwrap().status().as_u16()
        }));
    }
    for t in tasks {
        let code = t.await.unwrap();
        assert!(code == 200 || code == 503, "{code}");
    }
    let subs = s.subscribers().await;
    assert_eq!(subs.len(), 1, "one row for one address");
    let export = s.export().await;
    let ledger = export[0]["consent"].as_array().unwrap();
    // The ledger is a complete chain: every change starts where the previous one ended, and
    // the last one is the current state.
    for pair in ledger.windows(2) {
        assert_eq!(pair[1]["from_status"], pair[0]["to_status"], "{ledger:?}");
    }
    assert_eq!(ledger.last().unwrap()["to_status"], subs[0]["status"]);
    assert!(ledger.len() >= 2);
}

/// Confirms `email` through the link in its confirmation mail (the `n`-th mail).
async fn confirm_by_mail(s: &Site, n: usize) {
    let mails = s.smtp.wait_for(n).await;
    let text = text_part(&mails[n - 1]);
    let link = regex::Regex::new(r"http://\S+/confirm\?token=\S+")
        .unwrap()
        .find(&text)
        .expect("a confirm link")
        .as_str()
        .to_owned();
    assert_eq!(s.http.post(&link).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn no_sign_up_answer_waits_for_the_relay_so_timing_tells_new_from_confirmed_nothing() {
    // The relay takes 2 s per message: an answer that waited for the mail would show it.
    let s = site_full(1000, "", &["--stall", "2"]).await;
    s.subscribe_form(form("known@example.com", true, "")).await;
    confirm_by_mail(&s, 1).await;
    assert_eq!(s.subscribers().await[0]["status"], "confirmed");
    let mut bodies = std::collections::BTreeSet::new();
    let mut slowest = std::time::Duration::ZERO;
    for i in 0..3 {
        for email in [
            format!("new{i}@example.com"),
            "known@example.com".to_owned(),
        ] {
            let started = std::time::Instant::now();
            let (status, body) = s.subscribe_form(form(&email, true, "")).await;
            slowest = slowest.max(started.elapsed());
            assert_eq!(status, 200, "{email}: {body}");
            bodies.insert(body);
        }
    }
    assert_eq!(bodies.len(), 1, "one answer for every address");
    assert!(
        slowest < std::time::Duration::from_millis(1500),
        "no answer waited for the 2 s relay: {slowest:?}"
    );
    // The mails still go out, from the queue.
    assert!(s.smtp.wait_for(4).await.len() >= 4);
}

#[tokio::test]
async fn with_the_relay_down_a_new_and_a_confirmed_address_get_the_same_answer_and_the_mail_waits()
{
    let mut s = site(1000).await;
    s.subscribe_form(form("known@example.com", true, "")).await;
    confirm_by_mail(&s, 1).await;
    s.smtp.stop();
    let (new_status, new_body) = s.subscribe_form(form("new@example.com", true, "")).await;
    let (known_status, known_body) = s.subscribe_form(form("known@example.com", true, "")).await;
    assert_eq!((new_status, known_status), (200, 200));
    assert_eq!(new_body, known_body);
    // The mail waits in the outbox, to be retried.
    let mut waiting = 0;
    for _ in 0..40 {
        let store = s.app.store().await;
        let c = store.outbox_counts().await.unwrap();
        store.close().await;
        waiting = c.pending;
        if waiting == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(waiting, 1, "the confirmation mail waits for the relay");
}

#[tokio::test]
async fn a_spoofed_forwarded_for_never_passes_the_limiter_or_reaches_the_ledger() {
    // No trusted proxy: X-Forwarded-For is the client's own writing.
    let s = site_with(3, "").await;
    let mut codes = Vec::new();
    for i in 0..10 {
        let r = s
            .http
            .post(s.url("/subscribe"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-for", format!("10.9.{i}.1, <script>x</script>"))
            .body(form(&format!("spoof{i}@example.com"), true, ""))
            .send()
            .await
            .unwrap();
        codes.push(r.status().as_u16());
    }
    assert_eq!(codes.iter().filter(|c| **c == 200).count(), 3, "{codes:?}");
    for row in s.export().await {
        for c in row["consent"].as_array().unwrap() {
            assert_eq!(c["ip"], "127.0.0.1", "the socket's address: {c}");
        }
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_limiter_counts_the_real_client_not_what_it_claims() {
    let s = site_with(3, "trusted_proxies = [\"127.0.0.1\"]").await;
    let post = |xff: String, email: String| {
        s.http
            .post(s.url("/subscribe"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-for", xff)
            .body(form(&email, true, ""))
            .send()
    };
    // The proxy appended the real client, 198.51.100.7; the left entries are spoofed.
    let mut codes = Vec::new();
    for i in 0..6 {
        let r = post(
            format!("10.9.{i}.1, 198.51.100.7"),
            format!("p{i}@example.com"),
        )
        .await
        .unwrap();
        codes.push(r.status().as_u16());
    }
    assert_eq!(codes.iter().filter(|c| **c == 429).count(), 3, "{codes:?}");
    // Another real client is not held back by the first.
    let r = post("198.51.100.8".into(), "other@example.com".into())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let ips: std::collections::BTreeSet<String> = s
        .export()
        .await
        .iter()
        .flat_map(|r| r["consent"].as_array().unwrap().clone())
        .map(|c| c["ip"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ips,
        ["198.51.100.7", "198.51.100.8"].map(String::from).into(),
        "only real client addresses are recorded"
    );
}

#[tokio::test]
async fn every_request_is_in_the_access_log_with_its_path_status_and_latency_but_never_its_token() {
    let s = site(100).await;
    let token = "a".repeat(40) + ".secretpart";
    s.http
        .get(format!("{}?token={token}", s.url("/unsubscribe")))
        .send()
        .await
        .unwrap();
    s.http.get(s.url("/healthz")).send().await.unwrap();
    let log_path = s.app.config().with_file_name("serve.log");
    let mut log = String::new();
    for _ in 0..40 {
        log = std::fs::read_to_string(&log_path).unwrap();
        if log.contains("\"path\":\"/healthz\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let line = log
        .lines()
        .find(|l| l.contains("\"path\":\"/unsubscribe\""))
        .unwrap_or_else(|| panic!("an access log line: {log}"));
    let entry: Value = serde_json::from_str(line).unwrap();
    assert_eq!(
        (entry["span"]["method"].as_str(), entry["status"].as_u64()),
        (Some("GET"), Some(400)),
        "{line}"
    );
    assert!(entry["latency"].is_string(), "{line}");
    assert!(!log.contains("secretpart"), "no token in the log:\n{log}");
}

#[tokio::test]
async fn the_per_address_confirmation_limit_holds_across_two_web_nodes_on_one_database() {
    let s = site(1000).await;
    // A second `serve` on the same database, on its own port: a second web node.
    let port = free_port();
    let text = std::fs::read_to_string(s.app.config()).unwrap();
    let first = s.served.base.trim_start_matches("http://").to_owned();
    let second = s.app.config().with_file_name("node-b.toml");
    std::fs::write(&second, text.replace(&first, &format!("127.0.0.1:{port}"))).unwrap();
    let env = vec![("MODELBRIEF__TOKENS__SECRET".to_owned(), SECRET.to_owned())];
    let node_b = Served::start(&second, None, &env);
    let post = |base: String| {
        let http = s.http.clone();
        async move {
            http.post(format!("{base}/subscribe"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form("twice@example.com", true, ""))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Six requests, alternating nodes, each after the previous mail went out (so the outbox's
    // one-pending-mail rule is not what stops them): the limit of 3 per hour is one count.
    for i in 0..6 {
        let base = if i % 2 == 0 {
            s.served.base.clone()
        } else {
            node_b.base.clone()
        };
        assert_eq!(post(base).await, 200);
        if i < 3 {
            s.smtp.wait_for(i + 1).await;
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(
        s.smtp.messages().len(),
        3,
        "3 confirmation mails per address per hour, counted once for both nodes"
    );
}
