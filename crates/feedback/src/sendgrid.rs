//! SendGrid's Event Webhook, with its signed-webhook security: an ECDSA (P-256, SHA-256)
//! signature in `X-Twilio-Email-Event-Webhook-Signature` over the timestamp header's value
//! followed by the raw body, checked against the public key SendGrid shows (base64 of its DER
//! SubjectPublicKeyInfo).

use crate::FeedbackError;
use base64::Engine;
use modelbrief_domain::feedback::normalise_message_id;
use modelbrief_domain::{FeedbackEvent, FeedbackKind, FeedbackSource, Timestamp};
use serde::Deserialize;

/// The header names SendGrid signs with.
pub const SIGNATURE_HEADER: &str = "X-Twilio-Email-Event-Webhook-Signature";
pub const TIMESTAMP_HEADER: &str = "X-Twilio-Email-Event-Webhook-Timestamp";

/// Checks the signature of a webhook request.
pub fn verify(
    public_key_b64: &str,
    timestamp: &str,
    signature_b64: &str,
    body: &[u8],
) -> Result<(), FeedbackError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let spki = b64
        .decode(public_key_b64.trim())
        .map_err(|e| FeedbackError::BadSignature(format!("public key is not base64: {e}")))?;
    use x509_cert::der::Decode;
    let info = x509_cert::spki::SubjectPublicKeyInfoRef::from_der(&spki)
        .map_err(|e| FeedbackError::BadSignature(format!("public key: {e}")))?;
    let signature = b64
        .decode(signature_b64.trim())
        .map_err(|e| FeedbackError::BadSignature(format!("signature is not base64: {e}")))?;
    let mut signed = timestamp.as_bytes().to_vec();
    signed.extend_from_slice(body);
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_ASN1,
        info.subject_public_key.raw_bytes(),
    )
    .verify(&signed, &signature)
    .map_err(|_| FeedbackError::BadSignature("SendGrid signature".into()))
}

#[derive(Debug, Deserialize)]
struct Event {
    email: String,
    event: String,
    #[serde(default)]
    timestamp: Option<i64>,
    #[serde(default, rename = "type")]
    bounce_type: Option<String>,
    #[serde(default)]
    sg_event_id: Option<String>,
    #[serde(default, rename = "smtp-id")]
    smtp_id: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

/// The bounce and complaint events of a webhook body (an array of events; deliveries, opens
/// and clicks are left out).
pub fn parse(body: &[u8]) -> Result<Vec<FeedbackEvent>, FeedbackError> {
    let events: Vec<Event> =
        serde_json::from_slice(body).map_err(|e| FeedbackError::malformed("SendGrid events", e))?;
    let mut out = Vec::new();
    for e in events {
        let kind = match (e.event.as_str(), e.bounce_type.as_deref()) {
            ("spamreport", _) => FeedbackKind::Complaint,
            // `blocked` is a refusal of this message (content, reputation), not of the address.
            ("bounce", Some("blocked")) | ("deferred", _) => FeedbackKind::SoftBounce,
            ("bounce", _) => FeedbackKind::HardBounce,
            _ => continue,
        };
        let Some(id) = e.sg_event_id else {
            return Err(FeedbackError::malformed(
                "SendGrid events",
                "an event without sg_event_id",
            ));
        };
        out.push(FeedbackEvent {
            source: FeedbackSource::Sendgrid,
            event_id: id,
            kind,
            recipient: Some(e.email),
            message_id: e.smtp_id.as_deref().and_then(normalise_message_id),
            at: e
                .timestamp
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                .map(Timestamp::from_datetime),
            detail: [Some(e.event), e.status, e.reason]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": "),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::KeyPair;

    /// SendGrid's documented sample events (Event Webhook reference), a bounce, a spam report
    /// and a delivery.
    pub(crate) const SAMPLE: &str = r#"[
      {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"bounce","category":"cat facts","sg_event_id":"6g4ZI7SA-xmRDv57GoPIPw==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","reason":"500 unknown recipient","status":"5.0.0","type":"bounce"},
      {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"spamreport","category":"cat facts","sg_event_id":"37nvH5QBz858KGVYCM4uOA==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"},
      {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"delivered","category":"cat facts","sg_event_id":"rWVYmVk90MjZJ9iohOBa3w==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","response":"250 OK"}
    ]"#;

    #[test]
    fn the_documented_sample_gives_a_hard_bounce_and_a_complaint_with_the_message_id() {
        let events = parse(SAMPLE.as_bytes()).unwrap();
        let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [FeedbackKind::HardBounce, FeedbackKind::Complaint]);
        assert_eq!(
            events[0].message_id.as_deref(),
            Some("<14c5d75ce93.dfd.64b469@ismtpd-555>")
        );
    }

    /// A P-256 key, and its public half as SendGrid shows it (base64 of the DER SPKI).
    pub(crate) fn keypair() -> (ring::signature::EcdsaKeyPair, String) {
        let rng = ring::rand::SystemRandom::new();
        let alg = &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING;
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let pair = ring::signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap();
        // SubjectPublicKeyInfo header for id-ecPublicKey / prime256v1, then the point.
        let mut spki = vec![
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
            0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
        ];
        spki.extend_from_slice(pair.public_key().as_ref());
        (pair, base64::engine::general_purpose::STANDARD.encode(spki))
    }

    #[test]
    fn a_signed_body_verifies_and_a_changed_body_or_timestamp_does_not() {
        let (pair, public) = keypair();
        let rng = ring::rand::SystemRandom::new();
        let body = SAMPLE.as_bytes();
        let ts = "1513299569";
        let mut signed = ts.as_bytes().to_vec();
        signed.extend_from_slice(body);
        let sig = base64::engine::general_purpose::STANDARD
            .encode(pair.sign(&rng, &signed).unwrap().as_ref());
        assert_eq!(verify(&public, ts, &sig, body), Ok(()));
        assert!(verify(&public, "1513299570", &sig, body).is_err());
        let mut forged = body.to_vec();
        forged[10] ^= 1;
        assert!(verify(&public, ts, &sig, &forged).is_err());
        assert!(verify(&public, ts, "bm90IGEgc2lnbmF0dXJl", body).is_err());
    }
}
