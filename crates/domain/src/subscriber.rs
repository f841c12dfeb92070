//! Subscribers: a validated email address, and the states a subscription moves through.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// A subscriber's address: RFC-valid, ASCII, no control characters, at most 254 characters, and
/// deliverable by our SMTP client (the local part is a dot-atom: no quoted strings, no spaces).
/// Mail goes to the address as written (domain in lower case); sign-ups, erasure and the
/// per-address limit compare the [`canonical`](Self::canonical) form, case-folded whole: the
/// providers people sign up with treat `Ada@` and `ada@` as one mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct SubscriberEmail(String);

/// Why an address was refused; the message is safe to show to the person who typed it.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum InvalidEmail {
    #[error("the email address is empty")]
    Empty,
    #[error("the email address is longer than 254 characters")]
    TooLong,
    #[error("the email address contains a line break or control character")]
    ControlCharacter,
    #[error(
        "the email address contains non-ASCII characters (internationalised addresses are not supported)"
    )]
    NonAscii,
    #[error("the email address needs exactly one @ with a name before it and a domain after it")]
    Shape,
    #[error("the part before the @ is longer than 64 characters")]
    LocalTooLong,
    #[error("the domain {0:?} is not a valid mail domain")]
    Domain(String),
    #[error(
        "the part before the @ may hold only letters, digits, dots and !#$%&'*+-/=?^_`{{|}}~ (no spaces or quotes)"
    )]
    LocalPart,
    #[error("the email address is not valid: {0}")]
    Syntax(String),
}

impl SubscriberEmail {
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(InvalidEmail::Empty);
        }
        if s.chars().any(|c| c.is_control()) {
            return Err(InvalidEmail::ControlCharacter);
        }
        if !s.is_ascii() {
            return Err(InvalidEmail::NonAscii);
        }
        if s.len() > 254 {
            return Err(InvalidEmail::TooLong);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(InvalidEmail::Shape)?;
        if local.is_empty() || domain.is_empty() || local.contains('@') && !local.starts_with('"') {
            return Err(InvalidEmail::Shape);
        }
        if local.len() > 64 {
            return Err(InvalidEmail::LocalTooLong);
        }
        let atext = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b);
        if !local
            .split('.')
            .all(|a| !a.is_empty() && a.bytes().all(atext))
        {
            return Err(InvalidEmail::LocalPart);
        }
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !domain_ok {
            return Err(InvalidEmail::Domain(domain.to_owned()));
        }
        email_address::EmailAddress::parse_with_options(
            s,
            email_address::Options::default().without_display_text(),
        )
        .map_err(|e| InvalidEmail::Syntax(e.to_string()))?;
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address case-folded whole: what "the same address" means for sign-ups and erasure.
    pub fn canonical(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// The mailbox the per-address confirmation limit counts: the canonical address without a
    /// `+tag` (`ada+1@`, `ada+2@` and `Ada@` land in one inbox at most providers). Only the
    /// limit uses it; `ada+news@` stays a subscriber of its own.
    pub fn mailbox_key(&self) -> String {
        let c = self.canonical();
        match c.split_once('@') {
            Some((local, domain)) => {
                let base = local.split('+').next().unwrap_or(local);
                format!("{base}@{domain}")
            }
            None => c,
        }
    }

    /// The hash kept after an erasure, so the address is never re-added by accident (of the
    /// canonical address).
    pub fn suppression_hash(&self) -> String {
        hex::encode(Sha256::digest(self.canonical().as_bytes()))
    }

    /// The SHA-256 of [`Self::mailbox_key`]: what the shared confirmation limit counts by, so
    /// the database holds no address for it.
    pub fn mailbox_hash(&self) -> String {
        hex::encode(Sha256::digest(self.mailbox_key().as_bytes()))
    }

    /// The hashes an erasure may have been stored under: the canonical one, and the one of the
    /// address as written that erasures before case-folding stored.
    pub fn suppression_hashes(&self) -> [String; 2] {
        [
            self.suppression_hash(),
            hex::encode(Sha256::digest(self.0.as_bytes())),
        ]
    }
}

impl fmt::Display for SubscriberEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SubscriberEmail {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        SubscriberEmail::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubscriberStatus {
    Pending,
    Confirmed,
    Unsubscribed,
    Bounced,
    Complained,
}

impl SubscriberStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Unsubscribed => "unsubscribed",
            Self::Bounced => "bounced",
            Self::Complained => "complained",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "confirmed" => Self::Confirmed,
            "unsubscribed" => Self::Unsubscribed,
            "bounced" => Self::Bounced,
            "complained" => Self::Complained,
            _ => return None,
        })
    }
}

impl fmt::Display for SubscriberStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a consent change happened (the consent ledger's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    WebForm,
    ConfirmationLink,
    OneClick,
    UnsubscribePage,
    OperatorImport,
    Cli,
    Bounce,
    Complaint,
}

impl ConsentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebForm => "web_form",
            Self::ConfirmationLink => "confirmation_link",
            Self::OneClick => "one_click",
            Self::UnsubscribePage => "unsubscribe_page",
            Self::OperatorImport => "operator_import",
            Self::Cli => "cli",
            Self::Bounce => "bounce",
            Self::Complaint => "complaint",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_domain_is_lowercased_and_the_local_part_kept() {
        let e = SubscriberEmail::parse("  Ada.Lovelace@Example.ORG ").unwrap();
        assert_eq!(e.as_str(), "Ada.Lovelace@example.org");
    }

    #[test]
    fn a_corpus_of_hostile_addresses_is_refused_with_a_reason() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long = format!("{}@{}.com", "a".repeat(60), "b".repeat(250));
        let cases: Vec<(&str, InvalidEmail)> = vec![
            ("", InvalidEmail::Empty),
            (
                "victim@example.com\r\nBcc: all@example.com",
                InvalidEmail::ControlCharacter,
            ),
            ("victim@example.com\nX: y", InvalidEmail::ControlCharacter),
            ("pаypal@example.com", InvalidEmail::NonAscii), // Cyrillic a
            ("user@exa\u{202e}moc.com", InvalidEmail::NonAscii), // right-to-left override
            ("user@ex\u{200b}ample.com", InvalidEmail::NonAscii),
            ("no-at-sign.example.com", InvalidEmail::Shape),
            ("@example.com", InvalidEmail::Shape),
            ("user@", InvalidEmail::Shape),
            ("user@localhost", InvalidEmail::Domain("localhost".into())),
            ("user@-bad-.com", InvalidEmail::Domain("-bad-.com".into())),
            (
                "user@exa mple.com",
                InvalidEmail::Domain("exa mple.com".into()),
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(SubscriberEmail::parse(raw), Err(want), "{raw:?}");
        }
        assert_eq!(
            SubscriberEmail::parse(&long_local),
            Err(InvalidEmail::LocalTooLong)
        );
        assert_eq!(SubscriberEmail::parse(&long), Err(InvalidEmail::TooLong));
        for undeliverable in [
            "a..b@example.com",
            ".a@example.com",
            "\"john doe\"@example.com",
            "\"a@b\"@example.com",
            "a(comment)@example.com",
        ] {
            assert_eq!(
                SubscriberEmail::parse(undeliverable),
                Err(InvalidEmail::LocalPart),
                "{undeliverable}"
            );
        }
        assert!(SubscriberEmail::parse("o'brien+news@example.com").is_ok());
    }

    #[test]
    fn case_variants_are_one_canonical_address_and_tags_one_mailbox() {
        let a = SubscriberEmail::parse("Ada.Lovelace+News@Example.org").unwrap();
        assert_eq!(
            a.as_str(),
            "Ada.Lovelace+News@example.org",
            "mail goes as written"
        );
        assert_eq!(a.canonical(), "ada.lovelace+news@example.org");
        assert_eq!(a.mailbox_key(), "ada.lovelace@example.org");
        let b = SubscriberEmail::parse("ADA.LOVELACE@example.ORG").unwrap();
        assert_eq!(a.mailbox_key(), b.mailbox_key());
        assert_eq!(
            SubscriberEmail::parse("ada.lovelace+news@example.org")
                .unwrap()
                .suppression_hash(),
            a.suppression_hash()
        );
    }

    #[test]
    fn suppression_hashes_ignore_domain_case() {
        let a = SubscriberEmail::parse("x@EXAMPLE.com").unwrap();
        let b = SubscriberEmail::parse("x@example.com").unwrap();
        assert_eq!(a.suppression_hash(), b.suppression_hash());
    }
}
