//! Building the emails: the confirmation mail and the brief, multipart HTML + text.

use lettre::Message;
use lettre::message::{Mailbox, MultiPart, SinglePart, header};

/// A message ready to hand to SMTP.
pub struct Outgoing {
    pub envelope: lettre::address::Envelope,
    pub raw: Vec<u8>,
    pub message_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("invalid address {0:?}")]
    Address(String),
    #[error("invalid header name {0:?}")]
    Header(String),
    #[error("cannot build the message")]
    Message(#[source] lettre::error::Error),
}

pub fn mailbox(raw: &str) -> Result<Mailbox, BuildError> {
    raw.parse().map_err(|_| BuildError::Address(raw.to_owned()))
}

/// The parts every message shares.
pub struct Parts<'a> {
    pub from: &'a Mailbox,
    pub to: &'a str,
    pub subject: &'a str,
    pub text: String,
    pub html: String,
    pub message_id: String,
    /// Extra headers: (name, value).
    pub headers: Vec<(String, String)>,
    pub date: std::time::SystemTime,
}

/// Builds a multipart/alternative message (text first, then HTML).
pub fn build(parts: Parts<'_>) -> Result<Outgoing, BuildError> {
    let to = mailbox(parts.to)?;
    let mut builder = Message::builder()
        .from(parts.from.clone())
        .to(to)
        .subject(parts.subject)
        .message_id(Some(parts.message_id.clone()))
        .date(parts.date);
    for (name, value) in &parts.headers {
        // Headers the builder does not model (List-Unsubscribe and friends).
        let name = header::HeaderName::new_from_ascii(name.clone())
            .map_err(|_| BuildError::Header(name.clone()))?;
        builder = builder.raw_header(header::HeaderValue::new(name, value.clone()));
    }
    let message = builder
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(parts.text))
                .singlepart(SinglePart::html(parts.html)),
        )
        .map_err(BuildError::Message)?;
    Ok(Outgoing {
        envelope: message.envelope().clone(),
        raw: message.formatted(),
        message_id: parts.message_id,
    })
}
