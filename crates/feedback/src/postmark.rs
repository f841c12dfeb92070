//! Postmark's bounce and spam-complaint webhooks. Postmark authenticates a webhook by the HTTP
//! Basic credentials written into its URL (checked by the web layer); the body is one record.
//! Postmark's `MessageID` is its own id, not the message's header, so the recipient address is
//! what identifies the subscriber.

use crate::FeedbackError;
use modelbrief_domain::{FeedbackEvent, FeedbackKind, FeedbackSource};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Record {
    record_type: String,
    #[serde(rename = "ID")]
    id: serde_json::Value,
    #[serde(rename = "Type", default)]
    kind: Option<String>,
    email: String,
    #[serde(default)]
    bounced_at: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    details: Option<String>,
}

/// The event a webhook body reports: `None` for records that are not bounces or complaints
/// (deliveries, opens) and for bounce types that say nothing about the address
/// (auto-responders, challenge-response).
pub fn parse(body: &[u8]) -> Result<Option<FeedbackEvent>, FeedbackError> {
    let r: Record =
        serde_json::from_slice(body).map_err(|e| FeedbackError::malformed("Postmark record", e))?;
    let kind = match (r.record_type.as_str(), r.kind.as_deref()) {
        ("SpamComplaint", _) | ("Bounce", Some("SpamComplaint")) => FeedbackKind::Complaint,
        ("Bounce", Some("HardBounce" | "BadEmailAddress")) => FeedbackKind::HardBounce,
        ("Bounce", Some("SoftBounce" | "Transient" | "DnsError" | "Blocked")) => {
            FeedbackKind::SoftBounce
        }
        _ => return Ok(None),
    };
    let id = match &r.id {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => {
            return Err(FeedbackError::malformed(
                "Postmark record",
                format!("ID {other}"),
            ));
        }
    };
    Ok(Some(FeedbackEvent {
        source: FeedbackSource::Postmark,
        event_id: format!("{}:{id}", r.record_type),
        kind,
        recipient: Some(r.email),
        message_id: None,
        at: r.bounced_at.as_deref().and_then(crate::parse_time),
        detail: [r.kind, r.description, r.details]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(": "),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Postmark's documented sample bounce webhook (developer docs, "Bounce webhook").
    const SAMPLE: &str = r#"{
      "RecordType": "Bounce", "MessageStream": "outbound", "ID": 4323372036854775807,
      "Type": "HardBounce", "TypeCode": 1, "Name": "Hard bounce", "Tag": "Test",
      "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483", "Metadata": {"a_key": "a_value"},
      "ServerID": 23, "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
      "Details": "Test bounce details", "Email": "john@example.com", "From": "sender@example.com",
      "BouncedAt": "2019-11-05T16:33:54.9070259Z", "DumpAvailable": true, "Inactive": true,
      "CanActivate": true, "Subject": "Test subject", "Content": "<Full dump of bounce>"}"#;

    #[test]
    fn postmarks_sample_hard_bounce_names_the_recipient_and_suppresses() {
        let e = parse(SAMPLE.as_bytes()).unwrap().unwrap();
        assert_eq!(e.kind, FeedbackKind::HardBounce);
        assert_eq!(e.recipient.as_deref(), Some("john@example.com"));
        assert_eq!(e.event_id, "Bounce:4323372036854775807");
        assert!(e.at.is_some());
    }

    #[test]
    fn a_spam_complaint_is_a_complaint_and_an_auto_reply_is_nothing() {
        let complaint = SAMPLE
            .replace(
                "\"RecordType\": \"Bounce\"",
                "\"RecordType\": \"SpamComplaint\"",
            )
            .replace("\"HardBounce\"", "\"SpamComplaint\"");
        assert_eq!(
            parse(complaint.as_bytes()).unwrap().unwrap().kind,
            FeedbackKind::Complaint
        );
        let auto = SAMPLE.replace("\"HardBounce\"", "\"AutoResponder\"");
        assert_eq!(parse(auto.as_bytes()).unwrap(), None);
    }
}
