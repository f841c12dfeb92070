//! Amazon SES bounce and complaint notifications, delivered by SNS over HTTP(S).
//!
//! An SNS message is believed only when its signature verifies against the certificate at its
//! `SigningCertURL`, and that URL passes [`CertRules`]: HTTPS, a host of the form
//! `sns.<region>.amazonaws.com` (`.com.cn` in China), a path ending in `.pem` — the rules AWS
//! documents, so a forged message cannot point at a certificate of its own. Signature version 1
//! is SHA1withRSA, version 2 SHA256withRSA, over the fields AWS lists, in its order.

use crate::FeedbackError;
use base64::Engine;
use modelbrief_domain::feedback::normalise_message_id;
use modelbrief_domain::{FeedbackEvent, FeedbackKind, FeedbackSource};
use serde::Deserialize;
use url::Url;

/// One SNS HTTP message, as posted.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Envelope {
    #[serde(rename = "Type")]
    pub kind: String,
    pub message_id: String,
    pub topic_arn: String,
    #[serde(default)]
    pub subject: Option<String>,
    pub message: String,
    pub timestamp: String,
    pub signature_version: String,
    pub signature: String,
    #[serde(rename = "SigningCertURL")]
    pub signing_cert_url: String,
    #[serde(default, rename = "SubscribeURL")]
    pub subscribe_url: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
}

/// Which certificate URLs are believed. The default is AWS's; `extra_hosts` adds exact
/// `host[:port]`s (a test server on loopback, a private mirror), over HTTP only on loopback.
#[derive(Debug, Clone, Default)]
pub struct CertRules {
    pub extra_hosts: Vec<String>,
}

impl CertRules {
    /// The URL, if a certificate may be fetched from it.
    pub fn check(&self, raw: &str) -> Result<Url, FeedbackError> {
        let url = Url::parse(raw).map_err(|e| FeedbackError::CertUrl(format!("{raw}: {e}")))?;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let with_port = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        let aws = url.scheme() == "https"
            && url.port().is_none()
            && aws_sns_host(&host)
            && url.path().ends_with(".pem")
            && url.query().is_none();
        let extra = self
            .extra_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&with_port))
            && url.path().ends_with(".pem")
            && (url.scheme() == "https"
                || (url.scheme() == "http"
                    && url.host().is_some_and(|h| {
                        matches!(h, url::Host::Ipv4(a) if a.is_loopback())
                            || matches!(h, url::Host::Ipv6(a) if a.is_loopback())
                    })));
        if aws || extra {
            Ok(url)
        } else {
            Err(FeedbackError::CertUrl(format!(
                "{raw} (must be https://sns.<region>.amazonaws.com/….pem)"
            )))
        }
    }
}

impl CertRules {
    /// A URL SNS asks to be fetched (`SubscribeURL`): the same hosts, any path.
    pub fn check_host(&self, raw: &str) -> Result<Url, FeedbackError> {
        let url = Url::parse(raw).map_err(|e| FeedbackError::CertUrl(format!("{raw}: {e}")))?;
        let mut probe = url.clone();
        probe.set_path("/probe.pem");
        probe.set_query(None);
        self.check(probe.as_str())
            .map(|_| url)
            .map_err(|_| FeedbackError::CertUrl(format!("{raw} is not an SNS host")))
    }
}

/// `sns.us-east-1.amazonaws.com`, `sns.cn-north-1.amazonaws.com.cn`.
fn aws_sns_host(host: &str) -> bool {
    let rest = host
        .strip_suffix(".amazonaws.com")
        .or_else(|| host.strip_suffix(".amazonaws.com.cn"));
    rest.and_then(|r| r.strip_prefix("sns."))
        .is_some_and(|region| {
            !region.is_empty()
                && region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

impl Envelope {
    pub fn parse(body: &[u8]) -> Result<Self, FeedbackError> {
        serde_json::from_slice(body).map_err(|e| FeedbackError::malformed("SNS message", e))
    }

    /// The text AWS signs: `Key\nValue\n` for each listed field, in AWS's order.
    pub fn string_to_sign(&self) -> Result<String, FeedbackError> {
        let mut out = String::new();
        let mut push = |k: &str, v: &str| {
            out.push_str(k);
            out.push('\n');
            out.push_str(v);
            out.push('\n');
        };
        match self.kind.as_str() {
            "Notification" => {
                push("Message", &self.message);
                push("MessageId", &self.message_id);
                if let Some(s) = &self.subject {
                    push("Subject", s);
                }
                push("Timestamp", &self.timestamp);
                push("TopicArn", &self.topic_arn);
                push("Type", &self.kind);
            }
            "SubscriptionConfirmation" | "UnsubscribeConfirmation" => {
                let missing = |f| FeedbackError::malformed("SNS message", format!("no {f}"));
                push("Message", &self.message);
                push("MessageId", &self.message_id);
                push(
                    "SubscribeURL",
                    self.subscribe_url
                        .as_deref()
                        .ok_or_else(|| missing("SubscribeURL"))?,
                );
                push("Timestamp", &self.timestamp);
                push(
                    "Token",
                    self.token.as_deref().ok_or_else(|| missing("Token"))?,
                );
                push("TopicArn", &self.topic_arn);
                push("Type", &self.kind);
            }
            other => {
                return Err(FeedbackError::malformed(
                    "SNS message",
                    format!("unknown Type {other:?}"),
                ));
            }
        }
        Ok(out)
    }

    /// Verifies the signature with the certificate (PEM) fetched from `signing_cert_url`.
    pub fn verify(&self, cert_pem: &[u8]) -> Result<(), FeedbackError> {
        use x509_cert::der::DecodePem;
        let cert = x509_cert::Certificate::from_pem(cert_pem)
            .map_err(|e| FeedbackError::BadSignature(format!("signing certificate: {e}")))?;
        let key = cert
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes();
        let algorithm: &dyn ring::signature::VerificationAlgorithm =
            match self.signature_version.as_str() {
                "1" => &ring::signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
                "2" => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                v => {
                    return Err(FeedbackError::BadSignature(format!(
                        "unknown SignatureVersion {v:?}"
                    )));
                }
            };
        let signature = base64::engine::general_purpose::STANDARD
            .decode(self.signature.trim())
            .map_err(|e| FeedbackError::BadSignature(format!("Signature is not base64: {e}")))?;
        ring::signature::UnparsedPublicKey::new(algorithm, key)
            .verify(self.string_to_sign()?.as_bytes(), &signature)
            .map_err(|_| FeedbackError::BadSignature("SNS signature".into()))
    }

    /// The bounce or complaint events of a `Notification` (none for other SES notifications,
    /// such as deliveries): one per recipient.
    pub fn events(&self) -> Result<Vec<FeedbackEvent>, FeedbackError> {
        if self.kind != "Notification" {
            return Ok(Vec::new());
        }
        let n: SesNotification = serde_json::from_str(&self.message)
            .map_err(|e| FeedbackError::malformed("SES notification", e))?;
        let message_id = n.mail.as_ref().and_then(|m| {
            m.headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("Message-ID"))
                .map(|h| h.value.clone())
                .or_else(|| m.common_headers.as_ref()?.message_id.clone())
                .and_then(|id| normalise_message_id(&id))
        });
        let kind = n.notification_type.or(n.event_type).unwrap_or_default();
        let mut out = Vec::new();
        let mut push = |kind, r: &Recipient, at: Option<&str>, detail: String| {
            out.push(FeedbackEvent {
                source: FeedbackSource::Ses,
                event_id: format!("{}:{}", self.message_id, r.email_address.to_lowercase()),
                kind,
                recipient: Some(r.email_address.clone()),
                message_id: message_id.clone(),
                at: at.and_then(crate::parse_time),
                detail,
            });
        };
        match (kind.as_str(), n.bounce, n.complaint) {
            ("Bounce", Some(b), _) => {
                // Only a permanent bounce suppresses; an undetermined one is counted as soft.
                let k = if b.bounce_type == "Permanent" {
                    FeedbackKind::HardBounce
                } else {
                    FeedbackKind::SoftBounce
                };
                for r in &b.bounced_recipients {
                    let detail = format!(
                        "{}/{}{}",
                        b.bounce_type,
                        b.bounce_sub_type.as_deref().unwrap_or(""),
                        r.diagnostic_code
                            .as_deref()
                            .map(|d| format!(": {d}"))
                            .unwrap_or_default()
                    );
                    push(k, r, b.timestamp.as_deref(), detail);
                }
            }
            ("Complaint", _, Some(c)) => {
                for r in &c.complained_recipients {
                    let detail = c
                        .complaint_feedback_type
                        .clone()
                        .unwrap_or_else(|| "complaint".into());
                    push(FeedbackKind::Complaint, r, c.timestamp.as_deref(), detail);
                }
            }
            _ => {}
        }
        Ok(out)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SesNotification {
    notification_type: Option<String>,
    /// SES event publishing writes `eventType` instead.
    event_type: Option<String>,
    bounce: Option<Bounce>,
    complaint: Option<Complaint>,
    mail: Option<Mail>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bounce {
    bounce_type: String,
    bounce_sub_type: Option<String>,
    #[serde(default)]
    bounced_recipients: Vec<Recipient>,
    timestamp: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Complaint {
    #[serde(default)]
    complained_recipients: Vec<Recipient>,
    timestamp: Option<String>,
    complaint_feedback_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recipient {
    email_address: String,
    diagnostic_code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Mail {
    #[serde(default)]
    headers: Vec<Header>,
    common_headers: Option<CommonHeaders>,
}

#[derive(Debug, Deserialize)]
struct Header {
    name: String,
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommonHeaders {
    message_id: Option<String>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::process::Command;

    /// AWS's example bounce notification (SES developer guide, "Amazon SES notification
    /// examples"), with the original Message-ID header modelbrief wrote.
    pub(crate) const BOUNCE: &str = r#"{"notificationType":"Bounce","bounce":{"feedbackId":"0100017b-example","bounceType":"Permanent","bounceSubType":"General","bouncedRecipients":[{"emailAddress":"jane@example.com","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],"timestamp":"2016-01-27T14:59:38.237Z","remoteMtaIp":"127.0.2.0","reportingMTA":"dsn; a7-21.smtp-out.us-west-2.amazonses.com"},"mail":{"timestamp":"2016-01-27T14:59:38.237Z","source":"john@example.com","sourceArn":"arn:aws:ses:us-west-2:888888888888:identity/example.com","sourceIp":"127.0.3.0","sendingAccountId":"123456789012","messageId":"00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000","destination":["jane@example.com"],"headersTruncated":false,"headers":[{"name":"From","value":"John Doe <john@example.com>"},{"name":"To","value":"Jane Doe <jane@example.com>"},{"name":"Message-ID","value":"<2026-W28.7@example.com>"},{"name":"Subject","value":"modelbrief 2026-W28"}],"commonHeaders":{"from":["John Doe <john@example.com>"],"to":["Jane Doe <jane@example.com>"],"messageId":"<2026-W28.7@example.com>","subject":"modelbrief 2026-W28"}}}"#;

    /// A throwaway RSA key and self-signed certificate made with the `openssl` CLI.
    pub(crate) struct Signer {
        _dir: tempfile::TempDir,
        key: std::path::PathBuf,
        pub cert_pem: Vec<u8>,
    }

    impl Signer {
        pub(crate) fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
            let ok = Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                ])
                .args(["-subj", "/CN=sns.us-east-1.amazonaws.com", "-keyout"])
                .arg(&key)
                .arg("-out")
                .arg(&cert)
                .output()
                .expect("openssl is installed (README: the tests need it)");
            assert!(
                ok.status.success(),
                "{}",
                String::from_utf8_lossy(&ok.stderr)
            );
            let cert_pem = std::fs::read(&cert).unwrap();
            Self {
                _dir: dir,
                key,
                cert_pem,
            }
        }

        /// An SNS notification of `message`, signed (signature version 1, SHA1withRSA).
        pub(crate) fn notification(&self, message: &str, cert_url: &str) -> Envelope {
            let mut e = Envelope {
                kind: "Notification".into(),
                message_id: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324".into(),
                topic_arn: "arn:aws:sns:us-west-2:123456789012:MyTopic".into(),
                subject: None,
                message: message.into(),
                timestamp: "2012-05-02T00:54:06.655Z".into(),
                signature_version: "1".into(),
                signature: String::new(),
                signing_cert_url: cert_url.into(),
                subscribe_url: None,
                token: None,
            };
            e.signature = self.sign(e.string_to_sign().unwrap().as_bytes());
            e
        }

        pub(crate) fn sign(&self, data: &[u8]) -> String {
            use std::io::Write;
            let mut child = Command::new("openssl")
                .args(["dgst", "-sha1", "-sign"])
                .arg(&self.key)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(data).unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
            base64::engine::general_purpose::STANDARD.encode(out.stdout)
        }
    }

    #[test]
    fn a_signed_ses_bounce_verifies_and_gives_a_hard_bounce_of_our_message() {
        let signer = Signer::new();
        let e = signer.notification(BOUNCE, "https://sns.us-west-2.amazonaws.com/cert.pem");
        e.verify(&signer.cert_pem).unwrap();
        let events = e.events().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, FeedbackKind::HardBounce);
        assert_eq!(events[0].recipient.as_deref(), Some("jane@example.com"));
        assert_eq!(
            events[0].message_id.as_deref(),
            Some("<2026-W28.7@example.com>")
        );

        let mut forged = e.clone();
        forged.message = forged.message.replace("jane@", "joan@");
        assert!(matches!(
            forged.verify(&signer.cert_pem),
            Err(FeedbackError::BadSignature(_))
        ));
        let other = Signer::new();
        assert!(
            e.verify(&other.cert_pem).is_err(),
            "another key's certificate"
        );
    }

    #[test]
    fn a_transient_bounce_is_soft_and_a_complaint_is_a_complaint() {
        let signer = Signer::new();
        let transient = BOUNCE.replace("\"Permanent\"", "\"Transient\"");
        let e = signer.notification(&transient, "https://sns.us-west-2.amazonaws.com/c.pem");
        assert_eq!(e.events().unwrap()[0].kind, FeedbackKind::SoftBounce);
        let complaint = r#"{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"richard@example.com"}],"timestamp":"2016-01-27T14:59:38.237Z","feedbackId":"0100","complaintFeedbackType":"abuse"},"mail":{"messageId":"x","headers":[],"commonHeaders":{"messageId":"<2026-W28.9@example.com>"}}}"#;
        let e = signer.notification(complaint, "https://sns.us-west-2.amazonaws.com/c.pem");
        let events = e.events().unwrap();
        assert_eq!(events[0].kind, FeedbackKind::Complaint);
        assert_eq!(
            events[0].message_id.as_deref(),
            Some("<2026-W28.9@example.com>")
        );
    }

    #[test]
    fn only_aws_sns_hosts_over_https_may_sign() {
        let rules = CertRules::default();
        assert!(
            rules
                .check("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem")
                .is_ok()
        );
        assert!(
            rules
                .check("https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem")
                .is_ok()
        );
        for bad in [
            "http://sns.us-east-1.amazonaws.com/x.pem",
            "https://sns.us-east-1.amazonaws.com.evil.example/x.pem",
            "https://evil.example/sns.us-east-1.amazonaws.com/x.pem",
            "https://sns.us-east-1.amazonaws.com/x.txt",
            "https://sns.us-east-1.amazonaws.com:8443/x.pem",
            "https://s3.amazonaws.com/x.pem",
        ] {
            assert!(rules.check(bad).is_err(), "{bad}");
        }
        let test = CertRules {
            extra_hosts: vec!["127.0.0.1:8080".into()],
        };
        assert!(test.check("http://127.0.0.1:8080/cert.pem").is_ok());
        assert!(test.check("http://127.0.0.1:9090/cert.pem").is_err());
    }
}
