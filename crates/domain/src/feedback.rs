//! What a relay or email service reports about a message after the SMTP conversation: hard and
//! soft bounces and complaints, from webhooks (Amazon SES via SNS, Postmark, SendGrid) and from
//! delivery-status (RFC 3464) and feedback (RFC 5965 ARF) reports. Parsed into these types at
//! the edge (`modelbrief-feedback`), recorded by the store, which suppresses the subscriber.

use crate::Timestamp;

/// Who reported the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FeedbackSource {
    Ses,
    Postmark,
    Sendgrid,
    /// A delivery-status or feedback report read from a mailbox.
    Report,
}

impl FeedbackSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ses => "ses",
            Self::Postmark => "postmark",
            Self::Sendgrid => "sendgrid",
            Self::Report => "report",
        }
    }
}

/// What happened to the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FeedbackKind {
    /// Permanent: the address does not take mail. Suppresses the subscriber.
    HardBounce,
    /// Temporary (mailbox full, greylisting): counted, nothing suppressed.
    SoftBounce,
    /// The recipient marked the message as spam. Suppresses the subscriber.
    Complaint,
}

impl FeedbackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HardBounce => "hard_bounce",
            Self::SoftBounce => "soft_bounce",
            Self::Complaint => "complaint",
        }
    }

    /// Whether the subscriber is suppressed by it.
    pub fn suppresses(self) -> bool {
        matches!(self, Self::HardBounce | Self::Complaint)
    }
}

/// One event about one recipient of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackEvent {
    pub source: FeedbackSource,
    /// The reporter's id for the event (SNS `MessageId`, Postmark `ID`, SendGrid
    /// `sg_event_id`, the report's own Message-ID), with the recipient: replaying it changes
    /// nothing.
    pub event_id: String,
    pub kind: FeedbackKind,
    /// The recipient's address as reported.
    pub recipient: Option<String>,
    /// The `Message-ID` header of the message it is about (`<2026-W28.7@example.com>`), where
    /// the reporter gives it back.
    pub message_id: Option<String>,
    pub at: Option<Timestamp>,
    /// The reporter's own words (diagnostic code, bounce type), for the operator.
    pub detail: String,
}

/// The `Message-ID` written the way modelbrief writes it: one pair of angle brackets.
pub fn normalise_message_id(raw: &str) -> Option<String> {
    let inner = raw
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!inner.is_empty() && !inner.contains(char::is_whitespace)).then(|| format!("<{inner}>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_id_reads_the_same_with_or_without_its_brackets() {
        assert_eq!(
            normalise_message_id(" 2026-W28.7@example.com "),
            Some("<2026-W28.7@example.com>".into())
        );
        assert_eq!(
            normalise_message_id("<2026-W28.7@example.com>"),
            Some("<2026-W28.7@example.com>".into())
        );
        assert_eq!(normalise_message_id("<>"), None);
    }
}
