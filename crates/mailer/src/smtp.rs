//! SMTP connections with lettre, tuned for throughput.
//!
//! lettre 0.11's own transports never set `TCP_NODELAY`, so every message waits on the server's
//! delayed ACK (~40 ms). We open the TCP socket ourselves, set `TCP_NODELAY`, and hand it to
//! `AsyncSmtpConnection::connect_with_transport`; STARTTLS upgrades that same socket. Implicit
//! TLS (`tls = "tls"`) goes through lettre's own connector (and so without `TCP_NODELAY`).

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
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
    /// A step timed out or failed mid-conversation: the session's state is unknown.
    broken: bool,
}

/// Why one message was not (surely) delivered.
#[derive(Debug, thiserror::Error)]
pub enum SendFailure {
    /// The relay answered with a refusal (`stage`: MAIL FROM, RCPT TO, DATA or the end of
    /// data): not delivered. `reply` has the code and the relay's text.
    #[error("{stage} refused: {reply}")]
    Refused {
        stage: &'static str,
        reply: String,
        permanent: bool,
    },
    /// The session failed before the message content went out: not delivered.
    #[error("SMTP session failed before the message was handed over")]
    Session(#[source] SmtpError),
    /// The content went out and no answer came: the relay may have the message.
    #[error("no answer after the message was handed over (in doubt)")]
    InDoubt(#[source] SmtpError),
}

impl SendFailure {
    /// The reply code, if the relay gave one.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            SendFailure::Refused {
                permanent: true,
                ..
            }
        )
    }

    /// The failure with every cause, for logs and `last_reply` (at most 300 characters).
    pub fn text(&self) -> String {
        modelbrief_domain::present::error_chain(self)
            .chars()
            .take(300)
            .collect()
    }
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
            broken: false,
        })
    }
}

impl Connection {
    /// One command, under the timeout. A refusal resets the transaction (RSET) and keeps the
    /// session; a timeout or network failure breaks it.
    async fn step<C: std::fmt::Display>(
        &mut self,
        stage: &'static str,
        command: C,
    ) -> Result<(), SendFailure> {
        match tokio::time::timeout(self.timeout, self.inner.command(command)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.status().is_some() => {
                let failure = SendFailure::Refused {
                    stage,
                    reply: e.to_string(),
                    permanent: e.is_permanent(),
                };
                let reset = tokio::time::timeout(self.timeout, self.inner.command(Rset)).await;
                if !matches!(reset, Ok(Ok(_))) {
                    self.broken = true;
                }
                Err(failure)
            }
            Ok(Err(source)) => {
                self.broken = true;
                Err(SendFailure::Session(SmtpError::Smtp {
                    what: stage,
                    source,
                }))
            }
            Err(_) => {
                self.broken = true;
                Err(SendFailure::Session(SmtpError::Timeout {
                    what: stage,
                    secs: self.timeout.as_secs(),
                }))
            }
        }
    }

    /// Sends one message: MAIL FROM, RCPT TO, DATA, then the content.
    pub async fn send(&mut self, envelope: &Envelope, raw: &[u8]) -> Result<Response, SendFailure> {
        let info = self.inner.server_info();
        let mut options = Vec::new();
        let ascii = |a: &lettre::Address| AsRef::<str>::as_ref(a).is_ascii();
        let non_ascii =
            envelope.from().is_some_and(|a| !ascii(a)) || !envelope.to().iter().all(ascii);
        if non_ascii && info.supports_feature(Extension::SmtpUtfEight) {
            options.push(MailParameter::SmtpUtfEight);
        }
        if !raw.is_ascii() && info.supports_feature(Extension::EightBitMime) {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        self.step("MAIL FROM", Mail::new(envelope.from().cloned(), options))
            .await?;
        for to in envelope.to() {
            self.step("RCPT TO", Rcpt::new(to.clone(), Vec::new()))
                .await?;
        }
        self.step("DATA", Data).await?;
        // From here on the relay may have the message: no answer is not a "no".
        match tokio::time::timeout(self.timeout, self.inner.message(raw)).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) if e.status().is_some() => Err(SendFailure::Refused {
                stage: "end of data",
                reply: e.to_string(),
                permanent: e.is_permanent(),
            }),
            Ok(Err(source)) => {
                self.broken = true;
                Err(SendFailure::InDoubt(SmtpError::Smtp {
                    what: "end of data",
                    source,
                }))
            }
            Err(_) => {
                self.broken = true;
                Err(SendFailure::InDoubt(SmtpError::Timeout {
                    what: "reply to the end of data",
                    secs: self.timeout.as_secs(),
                }))
            }
        }
    }

    /// Whether the session can still be used.
    pub fn is_broken(&self) -> bool {
        self.broken || self.inner.has_broken()
    }

    /// Ends the session politely.
    pub async fn quit(mut self) {
        if !self.broken {
            let _ = tokio::time::timeout(self.timeout, self.inner.quit()).await;
        }
    }
}
