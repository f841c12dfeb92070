//! Bounces and complaints reported after the SMTP conversation, by the email service or the
//! receiving side: Amazon SES notifications through SNS ([`ses`]), Postmark and SendGrid webhooks
//! ([`postmark`], [`sendgrid`]), and RFC 3464 delivery-status / RFC 5965 feedback reports read
//! from a maildir ([`report`]).
//!
//! Invariants: nothing is believed before its authentication passed (SNS signature against a
//! certificate from an allowed host, SendGrid's ECDSA signature, Postmark's credentials, which
//! the web layer checks); parsing never guesses a hard bounce — an event of unknown kind is left
//! out, a bounce of undetermined type is soft; every event carries the reporter's own id, so a
//! replay is recognised by the store. No IO here except [`report::Maildir`]'s files.

pub mod postmark;
pub mod report;
pub mod sendgrid;
pub mod ses;

/// Why a notification was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FeedbackError {
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
    #[error("signature does not verify: {0}")]
    BadSignature(String),
    #[error("signing certificate URL not allowed: {0}")]
    CertUrl(String),
}

impl FeedbackError {
    pub(crate) fn malformed(what: &'static str, detail: impl std::fmt::Display) -> Self {
        Self::Malformed {
            what,
            detail: detail.to_string(),
        }
    }
}

/// A timestamp as the reporters write it (RFC 3339, or unix seconds).
pub(crate) fn parse_time(raw: &str) -> Option<modelbrief_domain::Timestamp> {
    chrono::DateTime::parse_from_rfc3339(raw.trim())
        .ok()
        .map(|t| modelbrief_domain::Timestamp::from_datetime(t.with_timezone(&chrono::Utc)))
}
