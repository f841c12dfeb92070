//! Signed, purpose-bound subscriber tokens for confirm and unsubscribe links.
//!
//! A token is `base64url(payload).base64url(HMAC-SHA256(key, payload))` with payload
//! `1|<purpose>|<subscriber id>|<issued unix seconds>`: versioned (`1`), bound to a purpose
//! (a confirm token cannot unsubscribe and vice versa), carrying the subscriber id. Verification
//! is constant-time and tries the current key, then previous keys, so rotating the key keeps old
//! links working. Confirm tokens expire; unsubscribe tokens never do (an opt-out link must keep
//! working). Errors never say whether an address exists.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What a token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Confirm,
    Unsubscribe,
}

impl Purpose {
    fn tag(self) -> &'static str {
        match self {
            Purpose::Confirm => "c",
            Purpose::Unsubscribe => "u",
        }
    }
}

/// A verified token's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims {
    pub subscriber_id: i64,
    pub issued_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the link is malformed or incomplete")]
    Malformed,
    #[error("the link is not valid")]
    BadSignature,
    #[error("the link is not valid for this action")]
    WrongPurpose,
    /// Carries the claims so the page can offer a fresh link to the same subscriber.
    #[error("the link has expired")]
    Expired(Claims),
}

/// Signs and verifies tokens with the current key and any previous ones.
pub struct TokenKeys {
    current: SecretString,
    previous: Vec<SecretString>,
    confirm_ttl_secs: i64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("previous", &self.previous.len())
            .finish_non_exhaustive()
    }
}

/// A key that is too short to be safe.
#[derive(Debug, thiserror::Error)]
#[error("the token secret must be at least 32 characters (set MODELBRIEF__TOKENS__SECRET)")]
pub struct WeakKey;

impl TokenKeys {
    pub fn new(
        current: SecretString,
        previous: Vec<SecretString>,
        confirm_ttl_secs: i64,
    ) -> Result<Self, WeakKey> {
        if current.expose_secret().len() < 32 {
            return Err(WeakKey);
        }
        Ok(Self {
            current,
            previous,
            confirm_ttl_secs,
        })
    }

    fn mac(key: &SecretString, payload: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(key.expose_secret().as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(payload);
        mac
    }

    pub fn sign(&self, purpose: Purpose, subscriber_id: i64, issued_at: i64) -> String {
        let payload = format!("1|{}|{subscriber_id}|{issued_at}", purpose.tag());
        let tag = Self::mac(&self.current, payload.as_bytes())
            .finalize()
            .into_bytes();
        format!("{}.{}", B64.encode(payload), B64.encode(tag))
    }

    /// Verifies `token` for `purpose` at time `now` (unix seconds).
    pub fn verify(&self, token: &str, purpose: Purpose, now: i64) -> Result<Claims, TokenError> {
        let (payload_b64, tag_b64) = token.trim().split_once('.').ok_or(TokenError::Malformed)?;
        if payload_b64.len() > 128 || tag_b64.len() > 64 {
            return Err(TokenError::Malformed);
        }
        let payload = B64.decode(payload_b64).map_err(|_| TokenError::Malformed)?;
        let tag = B64.decode(tag_b64).map_err(|_| TokenError::Malformed)?;
        let valid = std::iter::once(&self.current)
            .chain(&self.previous)
            .any(|k| Self::mac(k, &payload).verify_slice(&tag).is_ok());
        if !valid {
            return Err(TokenError::BadSignature);
        }
        let text = std::str::from_utf8(&payload).map_err(|_| TokenError::Malformed)?;
        let mut parts = text.split('|');
        let (Some("1"), Some(tag), Some(id), Some(issued), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(TokenError::Malformed);
        };
        if tag != purpose.tag() {
            return Err(TokenError::WrongPurpose);
        }
        let claims = Claims {
            subscriber_id: id.parse().map_err(|_| TokenError::Malformed)?,
            issued_at: issued.parse().map_err(|_| TokenError::Malformed)?,
        };
        if purpose == Purpose::Confirm && now - claims.issued_at > self.confirm_ttl_secs {
            return Err(TokenError::Expired(claims));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str, previous: &[&str]) -> TokenKeys {
        TokenKeys::new(
            SecretString::from(secret.to_owned()),
            previous
                .iter()
                .map(|p| SecretString::from((*p).to_owned()))
                .collect(),
            7 * 86400,
        )
        .unwrap()
    }

    const K1: &str = "first-key-first-key-first-key-first-key";
    const K2: &str = "second-key-second-key-second-key-second";

    #[test]
    fn a_token_verifies_for_its_purpose_only() {
        let k = keys(K1, &[]);
        let t = k.sign(Purpose::Unsubscribe, 42, 1_000);
        assert_eq!(
            k.verify(&t, Purpose::Unsubscribe, 9_999_999_999),
            Ok(Claims {
                subscriber_id: 42,
                issued_at: 1_000
            })
        );
        assert_eq!(
            k.verify(&t, Purpose::Confirm, 1_000),
            Err(TokenError::WrongPurpose)
        );
    }

    #[test]
    fn confirm_tokens_expire_and_unsubscribe_tokens_do_not() {
        let k = keys(K1, &[]);
        let c = k.sign(Purpose::Confirm, 7, 0);
        assert!(k.verify(&c, Purpose::Confirm, 7 * 86400).is_ok());
        assert!(matches!(
            k.verify(&c, Purpose::Confirm, 7 * 86400 + 1),
            Err(TokenError::Expired(Claims {
                subscriber_id: 7,
                ..
            }))
        ));
        let u = k.sign(Purpose::Unsubscribe, 7, 0);
        assert!(
            k.verify(&u, Purpose::Unsubscribe, 100 * 365 * 86400)
                .is_ok()
        );
    }

    #[test]
    fn forged_truncated_and_tampered_tokens_are_refused() {
        let k = keys(K1, &[]);
        let t = k.sign(Purpose::Unsubscribe, 42, 1_000);
        assert_eq!(
            k.verify(&t[..t.len() - 3], Purpose::Unsubscribe, 0),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            k.verify("garbage", Purpose::Unsubscribe, 0),
            Err(TokenError::Malformed)
        );
        assert_eq!(
            k.verify("", Purpose::Unsubscribe, 0),
            Err(TokenError::Malformed)
        );
        let (_, tag) = t.split_once('.').unwrap();
        let other = format!("{}.{tag}", B64.encode("1|u|43|1000"));
        assert_eq!(
            k.verify(&other, Purpose::Unsubscribe, 0),
            Err(TokenError::BadSignature)
        );
        let forged = keys(K2, &[]).sign(Purpose::Unsubscribe, 42, 1_000);
        assert_eq!(
            k.verify(&forged, Purpose::Unsubscribe, 0),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn rotating_the_key_keeps_old_links_working() {
        let old = keys(K1, &[]).sign(Purpose::Unsubscribe, 5, 0);
        let rotated = keys(K2, &[K1]);
        assert!(rotated.verify(&old, Purpose::Unsubscribe, 0).is_ok());
        assert!(
            rotated
                .verify(
                    &rotated.sign(Purpose::Unsubscribe, 5, 0),
                    Purpose::Unsubscribe,
                    0
                )
                .is_ok()
        );
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(TokenKeys::new(SecretString::from("short".to_owned()), vec![], 1).is_err());
    }
}
