//! Where messages go: an SMTP relay (pooled by the caller, one connection per worker) or a
//! local outbox folder of `.eml` files (lettre's file transport), for the demo and for dry runs.

use crate::smtp::{Connection, SendFailure, SmtpError, SmtpSettings};
use lettre::address::Envelope;
use lettre::{AsyncFileTransport, AsyncTransport, Tokio1Executor};
use std::path::PathBuf;

/// A configured destination.
#[derive(Debug, Clone)]
pub enum Transport {
    Smtp(SmtpSettings),
    Outbox(PathBuf),
}

/// An open destination: one SMTP session, or the outbox.
pub enum Sink {
    Smtp(Box<Connection>),
    Outbox(AsyncFileTransport<Tokio1Executor>),
}

impl Transport {
    pub async fn open(&self) -> Result<Sink, SmtpError> {
        match self {
            Transport::Smtp(s) => Ok(Sink::Smtp(Box::new(s.connect().await?))),
            Transport::Outbox(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| SmtpError::Connect {
                    addr: dir.display().to_string(),
                    source,
                })?;
                Ok(Sink::Outbox(AsyncFileTransport::<Tokio1Executor>::new(dir)))
            }
        }
    }
}

impl Sink {
    /// Hands one message over; returns the server's reply (or the outbox file id).
    pub async fn send(&mut self, envelope: &Envelope, raw: &[u8]) -> Result<String, SendFailure> {
        match self {
            Sink::Smtp(c) => c.send(envelope, raw).await.map(|r| {
                let text: Vec<&str> = r.message().collect();
                format!("{} {}", r.code(), text.join(" "))
            }),
            Sink::Outbox(t) => t
                .send_raw(envelope, raw)
                .await
                .map(|id| format!("stored {id}"))
                .map_err(|e| {
                    SendFailure::Session(SmtpError::Connect {
                        addr: "outbox".into(),
                        source: std::io::Error::other(e.to_string()),
                    })
                }),
        }
    }

    /// Whether the session must be replaced.
    pub fn is_broken(&self) -> bool {
        matches!(self, Sink::Smtp(c) if c.is_broken())
    }

    pub async fn close(self) {
        if let Sink::Smtp(c) = self {
            (*c).quit().await;
        }
    }
}
