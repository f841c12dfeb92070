//! Signed, purpose-bound subscriber tokens for confirm and unsubscribe links.
//!
//! A token is `base64url(payload).base64url(HMAC-SHA256(key, payload))` with payload
//! `2|<purpose>|<subscriber id>|<issued unix seconds>|<link tag>`: versioned, bound to a purpose
//! (a confirm token cannot unsubscribe and vice versa), carrying the subscriber id and the first
//! 16 hex digits of the subscriber's random link key ([`LINK_TAG_LEN`]), so a link acts only on the
//! row it was issued for, never on a later subscriber. Version 1 tokens (no tag) still verify;
//! the caller accepts them only for subscribers that existed when tags were introduced
//! ([`Claims::binds`]). Verification is constant-time and tries the current key, then previous
//! keys, so rotating the key keeps old links working. Confirm tokens expire; unsubscribe tokens
//! never do (an opt-out link must keep working). Errors never say whether an address exists.

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

/// How many hex digits of the subscriber's link key a token carries.
pub const LINK_TAG_LEN: usize = 16;

/// The demo's key: printed by `modelbrief demo`, so public; refused everywhere else.
pub const DEMO_KEY: &str = "modelbrief-demo-key-public-not-for-production-use";

/// The shortest key accepted, current or previous.
pub const MIN_KEY_LEN: usize = 32;

/// A verified token's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub subscriber_id: i64,
    pub issued_at: i64,
    /// The link tag (version 2 tokens); `None` for a version 1 token.
    pub link_tag: Option<String>,
}

impl Claims {
    /// Whether the token belongs to the subscriber row with `link_key`: its tag matches, or it
    /// is a version 1 token and the row accepts those (`legacy`: created before tags existed).
    pub fn binds(&self, link_key: &str, legacy: bool) -> bool {
        match &self.link_tag {
            Some(tag) => link_key.get(..LINK_TAG_LEN) == Some(tag.as_str()),
            None => legacy,
        }
    }
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
    Expired(Box<Claims>),
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

/// A key that is not safe to sign links with.
#[derive(Debug, thiserror::Error)]
pub enum WeakKey {
    #[error(
        "MODELBRIEF__TOKENS__SECRET must be at least {MIN_KEY_LEN} bytes (e.g. `openssl rand -hex 32`)"
    )]
    Short,
    #[error(
        "MODELBRIEF__TOKENS__PREVIOUS_SECRETS entry {0} is shorter than {MIN_KEY_LEN} bytes; old keys must be as strong as new ones"
    )]
    ShortPrevious(usize),
    #[error(
        "MODELBRIEF__TOKENS__SECRET is the public demo key, which anyone can sign links with; generate your own (e.g. `openssl rand -hex 32`)"
    )]
    Demo,
}

impl TokenKeys {
    /// Keys for a real list: every key at least [`MIN_KEY_LEN`] bytes, and not the demo key.
    pub fn new(
        current: SecretString,
        previous: Vec<SecretString>,
        confirm_ttl_secs: i64,
    ) -> Result<Self, WeakKey> {
        let all = std::iter::once(&current).chain(&previous);
        if all.clone().any(|k| k.expose_secret() == DEMO_KEY) {
            return Err(WeakKey::Demo);
        }
        Self::checked(current, previous, confirm_ttl_secs)
    }

    /// Keys for `modelbrief demo` only, where [`DEMO_KEY`] is allowed.
    pub fn for_demo(
        current: SecretString,
        previous: Vec<SecretString>,
        confirm_ttl_secs: i64,
    ) -> Result<Self, WeakKey> {
        Self::checked(current, previous, confirm_ttl_secs)
    }

    fn checked(
        current: SecretString,
        previous: Vec<SecretString>,
        confirm_ttl_secs: i64,
    ) -> Result<Self, WeakKey> {
        if current.expose_secret().len() < MIN_KEY_LEN {
            return Err(WeakKey::Short);
        }
        if let Some(i) = previous
            .iter()
            .position(|k| k.expose_secret().len() < MIN_KEY_LEN)
        {
            return Err(WeakKey::ShortPrevious(i + 1));
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

    /// A link token for the subscriber `subscriber_id` whose link key is `link_key`.
    pub fn sign(
        &self,
        purpose: Purpose,
        subscriber_id: i64,
        link_key: &str,
        issued_at: i64,
    ) -> String {
        let tag: String = link_key.chars().take(LINK_TAG_LEN).collect();
        let payload = format!("2|{}|{subscriber_id}|{issued_at}|{tag}", purpose.tag());
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
        let parts: Vec<&str> = text.split('|').collect();
        let (tag, id, issued, link_tag) = match parts.as_slice() {
            ["1", tag, id, issued] => (*tag, *id, *issued, None),
            ["2", tag, id, issued, link] if link.len() == LINK_TAG_LEN => {
                (*tag, *id, *issued, Some((*link).to_owned()))
            }
            _ => return Err(TokenError::Malformed),
        };
        if tag != purpose.tag() {
            return Err(TokenError::WrongPurpose);
        }
        let claims = Claims {
            subscriber_id: id.parse().map_err(|_| TokenError::Malformed)?,
            issued_at: issued.parse().map_err(|_| TokenError::Malformed)?,
            link_tag,
        };
        if purpose == Purpose::Confirm && now - claims.issued_at > self.confirm_ttl_secs {
            return Err(TokenError::Expired(Box::new(claims)));
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
    const LINK: &str = "0123456789abcdef0123456789abcdef";
    const OTHER: &str = "fedcba9876543210fedcba9876543210";
    const K2: &str = "second-key-second-key-second-key-second";

    #[test]
    fn a_token_verifies_for_its_purpose_only() {
        let k = keys(K1, &[]);
        let t = k.sign(Purpose::Unsubscribe, 42, LINK, 1_000);
        assert_eq!(
            k.verify(&t, Purpose::Unsubscribe, 9_999_999_999),
            Ok(Claims {
                subscriber_id: 42,
                issued_at: 1_000,
                link_tag: Some(LINK[..LINK_TAG_LEN].to_owned()),
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
        let c = k.sign(Purpose::Confirm, 7, LINK, 0);
        assert!(k.verify(&c, Purpose::Confirm, 7 * 86400).is_ok());
        assert!(matches!(
            k.verify(&c, Purpose::Confirm, 7 * 86400 + 1),
            Err(TokenError::Expired(c)) if c.subscriber_id == 7
        ));
        let u = k.sign(Purpose::Unsubscribe, 7, LINK, 0);
        assert!(
            k.verify(&u, Purpose::Unsubscribe, 100 * 365 * 86400)
                .is_ok()
        );
    }

    #[test]
    fn forged_truncated_and_tampered_tokens_are_refused() {
        let k = keys(K1, &[]);
        let t = k.sign(Purpose::Unsubscribe, 42, LINK, 1_000);
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
        let other = format!(
            "{}.{tag}",
            B64.encode(format!("2|u|43|1000|{}", &LINK[..LINK_TAG_LEN]))
        );
        assert_eq!(
            k.verify(&other, Purpose::Unsubscribe, 0),
            Err(TokenError::BadSignature)
        );
        let forged = keys(K2, &[]).sign(Purpose::Unsubscribe, 42, LINK, 1_000);
        assert_eq!(
            k.verify(&forged, Purpose::Unsubscribe, 0),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn rotating_the_key_keeps_old_links_working() {
        let old = keys(K1, &[]).sign(Purpose::Unsubscribe, 5, LINK, 0);
        let rotated = keys(K2, &[K1]);
        assert!(rotated.verify(&old, Purpose::Unsubscribe, 0).is_ok());
        assert!(
            rotated
                .verify(
                    &rotated.sign(Purpose::Unsubscribe, 5, LINK, 0),
                    Purpose::Unsubscribe,
                    0
                )
                .is_ok()
        );
    }

    #[test]
    fn short_keys_old_or_new_and_the_public_demo_key_are_refused() {
        let s = |k: &str| SecretString::from(k.to_owned());
        assert!(matches!(
            TokenKeys::new(s("short"), vec![], 1),
            Err(WeakKey::Short)
        ));
        assert!(matches!(
            TokenKeys::new(s(K1), vec![s(K2), s("x")], 1),
            Err(WeakKey::ShortPrevious(2))
        ));
        assert!(matches!(
            TokenKeys::new(s(DEMO_KEY), vec![], 1),
            Err(WeakKey::Demo)
        ));
        assert!(matches!(
            TokenKeys::new(s(K1), vec![s(DEMO_KEY)], 1),
            Err(WeakKey::Demo)
        ));
        assert!(TokenKeys::for_demo(s(DEMO_KEY), vec![], 1).is_ok());
    }

    #[test]
    fn a_token_binds_only_to_the_row_it_was_issued_for() {
        let k = keys(K1, &[]);
        let claims = k
            .verify(
                &k.sign(Purpose::Unsubscribe, 9, LINK, 0),
                Purpose::Unsubscribe,
                0,
            )
            .unwrap();
        assert!(claims.binds(LINK, false));
        assert!(!claims.binds(OTHER, true), "a later row with the same id");
        // A version 1 token (issued before link tags): only rows that predate tags take it.
        let payload = "1|u|9|0";
        let tag = TokenKeys::mac(&k.current, payload.as_bytes())
            .finalize()
            .into_bytes();
        let v1 = format!("{}.{}", B64.encode(payload), B64.encode(tag));
        let claims = k.verify(&v1, Purpose::Unsubscribe, 0).unwrap();
        assert_eq!(claims.link_tag, None);
        assert!(claims.binds(OTHER, true));
        assert!(!claims.binds(OTHER, false));
    }
}
