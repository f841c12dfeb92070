//! Bounces and complaints after the send, through the real `serve` process over loopback: SES
//! notifications signed like SNS signs them (a throwaway RSA certificate served on loopback,
//! allowed by `[feedback.ses] extra_cert_hosts`), SendGrid's ECDSA-signed events, Postmark's
//! Basic-authenticated records, and RFC 3464 / RFC 5965 reports read from a maildir. Forged
//! ones are refused; good ones suppress the right subscriber, once.

use crate::common::{App, FixtureServer, Reply};
use crate::server::{Served, free_port};
use base64::Engine;
use ring::signature::KeyPair;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

const SECRET: &str = "test-secret-test-secret-test-secret-0123";
const POSTMARK_PASSWORD: &str = "pm-webhook-password";

/// A throwaway RSA key and certificate (the `openssl` CLI), as SNS's signing key stands in.
struct Rsa {
    _dir: tempfile::TempDir,
    key: std::path::PathBuf,
    cert: Vec<u8>,
}

impl Rsa {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (key, cert) = (dir.path().join("k.pem"), dir.path().join("c.pem"));
        let out = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=sns",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .unwrap();
        assert!(out.status.success());
        let cert = std::fs::read(&cert).unwrap();
        Self {
            _dir: dir,
            key,
            cert,
        }
    }

    /// SHA1withRSA, base64: SNS signature version 1.
    fn sign(&self, data: &str) -> String {
        let mut child = Command::new("openssl")
            .args(["dgst", "-sha1", "-sign"])
            .arg(&self.key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(data.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        base64::engine::general_purpose::STANDARD.encode(out.stdout)
    }
}

/// An SNS HTTP message, signed over the fields AWS documents, in its order (written out here
/// independently of the code under test).
fn sns(
    rsa: &Rsa,
    kind: &str,
    message: &str,
    cert_url: &str,
    subscribe_url: Option<&str>,
) -> String {
    let (id, ts, topic) = (
        format!("msg-{}", message.len()),
        "2026-07-14T08:00:00.000Z",
        "arn:aws:sns:us-east-1:123456789012:bounces",
    );
    let signed = match subscribe_url {
        None => format!(
            "Message\n{message}\nMessageId\n{id}\nTimestamp\n{ts}\nTopicArn\n{topic}\nType\n{kind}\n"
        ),
        Some(u) => format!(
            "Message\n{message}\nMessageId\n{id}\nSubscribeURL\n{u}\nTimestamp\n{ts}\nToken\ntok\nTopicArn\n{topic}\nType\n{kind}\n"
        ),
    };
    let mut v = serde_json::json!({
        "Type": kind, "MessageId": id, "TopicArn": topic, "Message": message,
        "Timestamp": ts, "SignatureVersion": "1", "Signature": rsa.sign(&signed),
        "SigningCertURL": cert_url,
    });
    if let Some(u) = subscribe_url {
        v["SubscribeURL"] = u.into();
        v["Token"] = "tok".into();
    }
    v.to_string()
}

fn ses_bounce(to: &str, kind: &str) -> String {
    serde_json::json!({
        "notificationType": "Bounce",
        "bounce": {"bounceType": kind, "bounceSubType": "General", "timestamp": "2026-07-14T07:59:00.000Z",
                   "bouncedRecipients": [{"emailAddress": to, "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]},
        "mail": {"messageId": "ses-1", "headers": [{"name": "Message-ID", "value": "<2026-W28.99@example.com>"}]}
    })
    .to_string()
}

/// `reader1@example.com` … `readerN@example.com`, confirmed (an operator import).
async fn add_readers(app: &App, n: usize) {
    for i in 1..=n {
        let email = format!("reader{i}@example.com");
        let out = app
            .run(
                "2026-07-13T09:00:00Z",
                &["subscribers", "add", &email, "--confirmed"],
            )
            .await;
        assert!(out.status.success(), "{out:?}");
    }
}

struct Site {
    app: App,
    served: Served,
    http: reqwest::Client,
    certs: FixtureServer,
    sendgrid: ring::signature::EcdsaKeyPair,
}

async fn site() -> Site {
    let certs = FixtureServer::start().await;
    let rng = ring::rand::SystemRandom::new();
    let alg = &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING;
    let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
    let sendgrid = ring::signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap();
    let mut spki = vec![
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];
    spki.extend_from_slice(sendgrid.public_key().as_ref());
    let public = base64::engine::general_purpose::STANDARD.encode(spki);
    let app = App::new(&[]);
    let port = free_port();
    let cert_host = certs.base.trim_start_matches("http://").to_owned();
    app.append_config(&format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"\n\n[mail]\nfrom = \"modelbrief <brief@example.com>\"\npostal_address = \"1 Test Street\"\n\n\
         [web]\nlisten = \"127.0.0.1:{port}\"\nbase_url = \"http://127.0.0.1:{port}\"\n\n\
         [feedback.ses]\nextra_cert_hosts = [\"{cert_host}\"]\n\n[feedback.postmark]\nusername = \"postmark\"\n\n\
         [feedback.sendgrid]\npublic_key = \"{public}\"\n"
    ));
    add_readers(&app, 4).await;
    let env = vec![
        ("MODELBRIEF__TOKENS__SECRET".to_owned(), SECRET.to_owned()),
        (
            "MODELBRIEF__FEEDBACK__POSTMARK__PASSWORD".to_owned(),
            POSTMARK_PASSWORD.to_owned(),
        ),
    ];
    let served = Served::start(&app.config(), None, &env);
    Site {
        app,
        served,
        http: reqwest::Client::new(),
        certs,
        sendgrid,
    }
}

impl Site {
    async fn post(&self, path: &str, body: &str, headers: &[(&str, String)]) -> (u16, String) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.served.base))
            .header("content-type", "application/json")
            .body(body.to_owned());
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let r = req.send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn status_of(&self, email: &str) -> String {
        let out = self
            .app
            .stdout(
                "2026-07-14T09:00:00Z",
                &["subscribers", "list", "--format", "json"],
            )
            .await;
        let list: Value = serde_json::from_str(&out).unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .find(|s| s["email"] == email)
            .map(|s| s["status"].as_str().unwrap().to_owned())
            .unwrap()
    }

    fn sendgrid_headers(&self, body: &str) -> Vec<(&'static str, String)> {
        let ts = "1784016000".to_owned();
        let rng = ring::rand::SystemRandom::new();
        let sig = self
            .sendgrid
            .sign(&rng, format!("{ts}{body}").as_bytes())
            .unwrap();
        vec![
            ("X-Twilio-Email-Event-Webhook-Timestamp", ts),
            (
                "X-Twilio-Email-Event-Webhook-Signature",
                base64::engine::general_purpose::STANDARD.encode(sig.as_ref()),
            ),
        ]
    }
}

#[tokio::test]
async fn signed_ses_sendgrid_and_postmark_reports_suppress_the_right_reader_once_and_forgeries_are_refused()
 {
    let site = site().await;
    let rsa = Rsa::new();
    site.certs.set("/sns.pem", Reply::Plain(rsa.cert.clone()));
    site.certs
        .set("/confirm-subscription", Reply::Plain(b"ok".to_vec()));
    let cert_url = site.certs.url("/sns.pem");

    // SES: a certificate from a host that is not SNS's is never fetched, and refused.
    let evil = sns(
        &rsa,
        "Notification",
        &ses_bounce("reader1@example.com", "Permanent"),
        "https://sns.example.net/x.pem",
        None,
    );
    assert_eq!(site.post("/webhooks/ses", &evil, &[]).await.0, 403);
    // Signed by another key than the certificate's.
    let other = Rsa::new();
    let forged = sns(
        &other,
        "Notification",
        &ses_bounce("reader1@example.com", "Permanent"),
        &cert_url,
        None,
    );
    assert_eq!(site.post("/webhooks/ses", &forged, &[]).await.0, 403);
    assert_eq!(site.status_of("reader1@example.com").await, "confirmed");
    // The real thing: reader1 bounced; a replay changes nothing.
    let good = sns(
        &rsa,
        "Notification",
        &ses_bounce("reader1@example.com", "Permanent"),
        &cert_url,
        None,
    );
    let (code, text) = site.post("/webhooks/ses", &good, &[]).await;
    assert_eq!(
        (code, text.as_str()),
        (
            200,
            "1 events: 1 suppressed, 0 counted, 0 duplicate or unmatched\n"
        )
    );
    assert_eq!(site.status_of("reader1@example.com").await, "bounced");
    let (code, text) = site.post("/webhooks/ses", &good, &[]).await;
    assert_eq!(
        (code, text.as_str()),
        (
            200,
            "1 events: 0 suppressed, 0 counted, 1 duplicate or unmatched\n"
        )
    );
    assert_eq!(
        site.certs.hits("/sns.pem"),
        1,
        "the certificate is fetched once"
    );
    // A transient bounce is counted, nothing suppressed.
    let soft = sns(
        &rsa,
        "Notification",
        &ses_bounce("reader2@example.com", "Transient"),
        &cert_url,
        None,
    );
    assert_eq!(site.post("/webhooks/ses", &soft, &[]).await.0, 200);
    assert_eq!(site.status_of("reader2@example.com").await, "confirmed");
    // A subscription confirmation is confirmed by fetching the URL SNS signed.
    let confirm_url = site.certs.url("/confirm-subscription");
    let sub = sns(
        &rsa,
        "SubscriptionConfirmation",
        "You have chosen to subscribe",
        &cert_url,
        Some(&confirm_url),
    );
    assert_eq!(site.post("/webhooks/ses", &sub, &[]).await.0, 200);
    assert_eq!(site.certs.hits("/confirm-subscription"), 1);

    // SendGrid: a spam report for reader2, refused unsigned, applied signed.
    let events = serde_json::json!([
        {"email": "reader2@example.com", "timestamp": 1784016000, "event": "spamreport",
         "sg_event_id": "sg-1", "smtp-id": "<2026-W28.2@example.com>"},
        {"email": "reader2@example.com", "timestamp": 1784016000, "event": "delivered", "sg_event_id": "sg-2"}
    ])
    .to_string();
    let mut bad = site.sendgrid_headers(&events);
    bad[0].1 = "1784016001".into();
    assert_eq!(site.post("/webhooks/sendgrid", &events, &bad).await.0, 403);
    assert_eq!(site.status_of("reader2@example.com").await, "confirmed");
    let headers = site.sendgrid_headers(&events);
    assert_eq!(
        site.post("/webhooks/sendgrid", &events, &headers).await.0,
        200
    );
    assert_eq!(site.status_of("reader2@example.com").await, "complained");

    // Postmark: Basic credentials required.
    let record = serde_json::json!({"RecordType": "Bounce", "ID": 42, "Type": "HardBounce",
        "Email": "READER3@example.com", "BouncedAt": "2026-07-14T08:00:00Z", "Description": "unknown user"})
    .to_string();
    assert_eq!(site.post("/webhooks/postmark", &record, &[]).await.0, 401);
    let wrong = base64::engine::general_purpose::STANDARD.encode("postmark:guess");
    assert_eq!(
        site.post(
            "/webhooks/postmark",
            &record,
            &[("authorization", format!("Basic {wrong}"))]
        )
        .await
        .0,
        401
    );
    let right =
        base64::engine::general_purpose::STANDARD.encode(format!("postmark:{POSTMARK_PASSWORD}"));
    assert_eq!(
        site.post(
            "/webhooks/postmark",
            &record,
            &[("authorization", format!("Basic {right}"))]
        )
        .await
        .0,
        200
    );
    assert_eq!(site.status_of("reader3@example.com").await, "bounced");
    assert_eq!(
        site.status_of("reader4@example.com").await,
        "confirmed",
        "nobody else touched"
    );

    // The consent ledger says why.
    let export = site
        .app
        .stdout(
            "2026-07-14T09:00:00Z",
            &["subscribers", "export", "--format", "json"],
        )
        .await;
    assert!(export.contains("\"complaint\""), "{export}");
    let status: Value = serde_json::from_str(
        &site
            .app
            .stdout("2026-07-14T09:00:00Z", &["status", "--format", "json"])
            .await,
    )
    .unwrap();
    assert_eq!(
        status["feedback"],
        serde_json::json!({"hard_bounces": 2, "soft_bounces": 1, "complaints": 1, "unmatched": 0})
    );
}

#[tokio::test]
async fn a_maildir_of_delivery_reports_suppresses_once_and_names_an_unreadable_message() {
    let app = App::new(&[]);
    add_readers(&app, 2).await;
    let maildir = tempfile::tempdir().unwrap();
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir(maildir.path().join(sub)).unwrap();
    }
    let dsn = "Date: Tue, 14 Jul 2026 08:00:00 +0000\nFrom: MAILER-DAEMON@mx.example.com\nMessage-ID: <dsn-1@mx.example.com>\nTo: bounces@example.com\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nDelivery failed.\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\nFinal-Recipient: rfc822; reader1@example.com\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 no such user\n\n--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <2026-W28.1@example.com>\nTo: reader1@example.com\n\n--b--\n"
        .replace('\n', "\r\n");
    std::fs::write(maildir.path().join("new/1"), dsn).unwrap();
    std::fs::write(maildir.path().join("new/2"), "garbage without headers").unwrap();
    let dir = maildir.path().to_str().unwrap();
    let out = app
        .run(
            "2026-07-14T09:00:00Z",
            &["feedback", "read", "--maildir", dir, "--format", "json"],
        )
        .await;
    assert_eq!(out.status.code(), Some(1), "an unreadable message: exit 1");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (r["events"].as_u64(), r["suppressed"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(
        r["unreadable"][0][0].as_str().unwrap().ends_with("new/2"),
        "{r}"
    );
    std::fs::remove_file(maildir.path().join("new/2")).unwrap();
    let again = app
        .run(
            "2026-07-14T10:00:00Z",
            &["feedback", "read", "--maildir", dir, "--format", "json"],
        )
        .await;
    assert_eq!(again.status.code(), Some(0));
    let r: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (r["suppressed"].as_u64(), r["duplicate"].as_u64()),
        (Some(0), Some(1))
    );
    let list = app
        .stdout(
            "2026-07-14T10:00:00Z",
            &["subscribers", "list", "--format", "json"],
        )
        .await;
    let list: Value = serde_json::from_str(&list).unwrap();
    let status = |e: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|s| s["email"] == e)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("reader1@example.com"), "bounced");
    assert_eq!(status("reader2@example.com"), "confirmed");
}
