//! SMTP connections with lettre, tuned for throughput.
//!
//! lettre 0.11's own transports never set `TCP_NODELAY`, so every message waits on the server's
//! delayed ACK (~40 ms). We open the TCP socket ourselves, set `TCP_NODELAY`, and hand it to
//! `AsyncSmtpConnection::connect_with_transport`; STARTTLS upgrades that same socket. Implicit
//! TLS (`tls = "tls"`) goes through lettre's own connector (and so without `TCP_NODELAY`).

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// How to secure the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    None,
    Starttls,
    Tls,
}

/// Where and how to connect; the password comes from the environment only.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub timeout: Duration,
    /// The name sent in EHLO.
    pub hello_name: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// An SMTP failure, classified the way retries need it.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    #[error("cannot connect to {addr}")]
    Connect {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("SMTP {what} timed out after {secs}s")]
    Timeout { what: &'static str, secs: u64 },
    #[error("SMTP {what} failed")]
    Smtp {
        what: &'static str,
        #[source]
        source: lettre::transport::smtp::Error,
    },
}

impl SmtpError {
    /// A 5xx reply: retrying will not help.
    pub fn is_permanent(&self) -> bool {
        matches!(self, SmtpError::Smtp { source, .. } if source.is_permanent())
    }

    /// The reply code, when the server gave one.
    pub fn code(&self) -> Option<String> {
        match self {
            SmtpError::Smtp { source, .. } => source.status().map(|c| c.to_string()),
            _ => None,
        }
    }
}

/// One open SMTP session.
pub struct Connection {
    inner: AsyncSmtpConnection,
    timeout: Duration,
}

async fn timed<T>(
    what: &'static str,
    limit: Duration,
    f: impl std::future::Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, SmtpError> {
    match tokio::time::timeout(limit, f).await {
        Ok(r) => r.map_err(|source| SmtpError::Smtp { what, source }),
        Err(_) => Err(SmtpError::Timeout {
            what,
            secs: limit.as_secs(),
        }),
    }
}

impl SmtpSettings {
    /// Opens a session: connect, EHLO, STARTTLS if configured, AUTH if a user is set.
    pub async fn connect(&self) -> Result<Connection, SmtpError> {
        let hello = ClientId::Domain(self.hello_name.clone());
        let addr = format!("{}:{}", self.host, self.port);
        let tls = || {
            TlsParameters::new(self.host.clone()).map_err(|source| SmtpError::Smtp {
                what: "TLS setup",
                source,
            })
        };
        let mut inner = match self.tls {
            TlsMode::Tls => {
                let params = tls()?;
                timed(
                    "connect",
                    self.timeout,
                    AsyncSmtpConnection::connect_tokio1(
                        (self.host.as_str(), self.port),
                        Some(self.timeout),
                        &hello,
                        Some(params),
                        None,
                    ),
                )
                .await?
            }
            TlsMode::None | TlsMode::Starttls => {
                let tcp =
                    match tokio::time::timeout(self.timeout, tokio::net::TcpStream::connect(&addr))
                        .await
                    {
                        Ok(Ok(tcp)) => tcp,
                        Ok(Err(source)) => return Err(SmtpError::Connect { addr, source }),
                        Err(_) => {
                            return Err(SmtpError::Timeout {
                                what: "connect",
                                secs: self.timeout.as_secs(),
                            });
                        }
                    };
                tcp.set_nodelay(true).map_err(|source| SmtpError::Connect {
                    addr: addr.clone(),
                    source,
                })?;
                let mut conn = timed(
                    "greeting",
                    self.timeout,
                    AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello),
                )
                .await?;
                if self.tls == TlsMode::Starttls {
                    let params = tls()?;
                    timed("STARTTLS", self.timeout, conn.starttls(params, &hello)).await?;
                }
                conn
            }
        };
        if let Some(user) = &self.username {
            let password = self
                .password
                .as_ref()
                .map(|p| p.expose_secret().to_owned())
                .unwrap_or_default();
            let creds = Credentials::new(user.clone(), password);
            timed(
                "AUTH",
                self.timeout,
                inner.auth(&[Mechanism::Plain, Mechanism::Login], &creds),
            )
            .await?;
        }
        Ok(Connection {
            inner,
            timeout: self.timeout,
        })
    }
}

impl Connection {
    /// Sends one message (MAIL FROM, RCPT TO, DATA).
    pub async fn send(&mut self, envelope: &Envelope, raw: &[u8]) -> Result<Response, SmtpError> {
        timed("send", self.timeout, self.inner.send(envelope, raw)).await
    }

    /// Whether the session can still be used.
    pub fn is_broken(&self) -> bool {
        self.inner.has_broken()
    }

    /// Ends the session politely.
    pub async fn quit(mut self) {
        let _ = tokio::time::timeout(self.timeout, self.inner.quit()).await;
    }
}
