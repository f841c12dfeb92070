//! `[[webhooks]]`: every edition's changes POSTed to a team's own service, Slack or Discord.
//!
//! When an edition is made, one delivery per configured webhook is queued in the database (with
//! the body it will send, so a retry sends the same bytes); [`deliver_due`] sends what is due —
//! right after the edition is made, and on every scheduler pass after that — and a receiver that
//! fails is retried with back-off (1 min, 5 min, 30 min, 2 h, 6 h, 24 h), then the delivery ends
//! `failed` with its last error, shown by `status`. Redirects are not followed: a webhook URL is
//! where the body goes, nowhere else.
//!
//! Every request carries `X-Modelbrief-Edition` and `X-Modelbrief-Delivery` (the same id on every
//! retry of one delivery, so a receiver can drop a repeat); with a secret
//! (`MODELBRIEF__WEBHOOKS__<i>__SECRET`), `X-Modelbrief-Signature: sha256=<hex>`, the
//! HMAC-SHA256 of the exact body under that key.

use crate::config::Loaded;
use hmac::{Hmac, Mac};
use modelbrief_differ::Edition;
use modelbrief_domain::Timestamp;
use modelbrief_mailer::changes::{self, ChangeItem};
use modelbrief_store::Store;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What a webhook's body looks like.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// `{"edition", "window", "url", "headline", "changes": [{"kind", "model", "name",
    /// "anchor", "title", "text", "url"}]}`; a change's `url` is its line on the edition's archive
    /// page (`#anchor`, the same id as its Atom entry's fragment).
    #[default]
    Json,
    /// A Slack incoming webhook: `{"text": …}` in Slack's mrkdwn.
    Slack,
    /// A Discord webhook: `{"content": …}`, at most 2,000 characters.
    Discord,
}

/// The wait before each retry; after the last, the delivery has failed for good.
const BACKOFF: [Duration; 6] = [
    Duration::from_secs(60),
    Duration::from_secs(300),
    Duration::from_secs(1_800),
    Duration::from_secs(7_200),
    Duration::from_secs(21_600),
    Duration::from_secs(86_400),
];

/// Discord refuses a longer `content`.
const DISCORD_MAX: usize = 2_000;

#[derive(Serialize)]
struct JsonChange<'a> {
    #[serde(flatten)]
    item: &'a ChangeItem,
    url: String,
}

/// The body webhook `w` gets for `e`, or `None` when none of its kinds of change happened.
fn body(
    w: &crate::config::WebhookConfig,
    e: &Edition,
    all: &[ChangeItem],
    page: &str,
) -> Option<String> {
    let items: Vec<&ChangeItem> = all
        .iter()
        .filter(|i| w.kinds.as_ref().is_none_or(|k| k.contains(&i.kind)))
        .collect();
    if items.is_empty() {
        return None;
    }
    let headline = format!("modelbrief {}: {}", e.edition, e.headline());
    let value = match w.format {
        WebhookFormat::Json => serde_json::json!({
            "edition": e.edition,
            "window": e.window,
            "url": page,
            "headline": headline,
            "changes": items
                .iter()
                .map(|item| JsonChange { item, url: format!("{page}#{}", item.anchor) })
                .collect::<Vec<_>>(),
        }),
        WebhookFormat::Slack => {
            // Slack's mrkdwn: `<`, `>` and `&` are its markup and are escaped in text.
            let esc = |s: &str| {
                s.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            };
            let mut text = format!("*<{page}|{}>*", esc(&headline));
            for i in &items {
                text.push_str(&format!("\n• *{}*: {}", esc(&i.title), esc(&i.text)));
            }
            serde_json::json!({ "text": text })
        }
        WebhookFormat::Discord => {
            let mut text = format!("**{headline}** {page}");
            for (n, i) in items.iter().enumerate() {
                let line = format!("\n• **{}**: {}", i.title, i.text);
                let rest = items.len() - n;
                let tail = format!("\n… and {rest} more: {page}");
                if text.chars().count() + line.chars().count() + tail.chars().count() > DISCORD_MAX
                {
                    text.push_str(&tail);
                    break;
                }
                text.push_str(&line);
            }
            // Names come from upstream sources: no `@everyone` in one may ping a channel.
            serde_json::json!({ "content": text, "allowed_mentions": { "parse": [] } })
        }
    };
    Some(value.to_string())
}

/// Queues edition `e` for every configured webhook (once: a second call adds nothing).
pub async fn enqueue(
    store: &Store,
    loaded: &Loaded,
    e: &Edition,
    now: Timestamp,
) -> anyhow::Result<usize> {
    let page = loaded
        .config
        .web
        .base_url
        .join(&format!("archive/{}", e.edition))?
        .to_string();
    let items = changes::items(e);
    let mut queued = 0;
    for (i, w) in loaded.config.webhooks.iter().enumerate() {
        let Some(body) = body(w, e, &items, &page) else {
            tracing::info!(webhook = i, edition = %e.edition, "no change of the webhook's kinds: nothing to send");
            continue;
        };
        if store
            .enqueue_webhook(i as i64, w.url.as_str(), &e.edition, &body, now)
            .await?
        {
            queued += 1;
        }
    }
    Ok(queued)
}

/// The outcome of one pass over the queue.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Delivered {
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
}

fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sends every delivery due at `now`; failures are rescheduled or given up as the back-off says.
pub async fn deliver_due(
    store: &Store,
    loaded: &Loaded,
    now: Timestamp,
) -> anyhow::Result<Delivered> {
    let mut out = Delivered::default();
    for d in store.due_webhooks(now).await? {
        let receiver = modelbrief_ingester::post::redacted(&d.url);
        // The row belongs to the receiver it was queued for; a webhook entry moved, re-pointed or
        // removed since must not get (or sign) another receiver's delivery.
        let index = usize::try_from(d.webhook).ok();
        let configured = index
            .and_then(|i| loaded.config.webhooks.get(i))
            .filter(|w| w.url.as_str() == d.url);
        let Some(config) = configured else {
            store
                .webhook_attempt_failed(
                    d.id,
                    None,
                    &format!(
                        "webhooks[{}] no longer points at {receiver}: not sent",
                        d.webhook
                    ),
                    None,
                )
                .await?;
            tracing::error!(webhook = d.webhook, %receiver, edition = %d.edition, "webhook delivery dropped: its entry is no longer configured");
            out.failed += 1;
            continue;
        };
        let lease = Timestamp::from_datetime(now.datetime() + chrono::Duration::seconds(60));
        if !store.claim_webhook(d.id, now, lease).await? {
            continue; // another process is sending it
        }
        let mut headers = vec![
            ("X-Modelbrief-Edition", d.edition.clone()),
            ("X-Modelbrief-Delivery", d.id.to_string()),
        ];
        let secret = index.and_then(|i| loaded.secrets.webhook_secrets.get(&i));
        match secret {
            Some(secret) => headers.push((
                "X-Modelbrief-Signature",
                signature(secret.expose_secret(), d.body.as_bytes()),
            )),
            None if config.format == WebhookFormat::Json => {
                anyhow::bail!(
                    "webhooks[{}] sends JSON but MODELBRIEF__WEBHOOKS__{}__SECRET is not set",
                    d.webhook,
                    d.webhook
                );
            }
            None => {}
        }
        let answer = modelbrief_ingester::post::post_json(
            &d.url,
            &headers,
            d.body.clone(),
            Duration::from_secs(10),
        )
        .await;
        let (status, error) = match answer {
            Ok(code) if (200..300).contains(&code) => (Some(code), None),
            Ok(code) => (Some(code), Some(format!("HTTP {code}"))),
            Err(e) => (None, Some(e.to_string())),
        };
        match error {
            None => {
                store
                    .webhook_delivered(d.id, status.unwrap_or(200), now)
                    .await?;
                tracing::info!(webhook = d.webhook, %receiver, edition = %d.edition, attempt = d.attempts + 1, "webhook delivered");
                out.delivered += 1;
            }
            Some(error) => {
                let retry_at = BACKOFF.get(d.attempts as usize).map(|wait| {
                    Timestamp::from_datetime(
                        now.datetime() + chrono::Duration::from_std(*wait).unwrap_or_default(),
                    )
                });
                store
                    .webhook_attempt_failed(d.id, status, &error, retry_at)
                    .await?;
                match retry_at {
                    Some(at) => {
                        tracing::warn!(webhook = d.webhook, %receiver, edition = %d.edition, attempt = d.attempts + 1, %error, retry_at = %at, "webhook delivery failed; will retry");
                        out.retrying += 1;
                    }
                    None => {
                        tracing::error!(webhook = d.webhook, %receiver, edition = %d.edition, attempts = d.attempts + 1, %error, "webhook delivery failed for good");
                        out.failed += 1;
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_sha256_of_the_body_in_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
