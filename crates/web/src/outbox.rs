//! The outbox worker: sends the confirmation mails that sign-ups queued, in the background of
//! `serve` and `daemon`. A mail that cannot go out is retried with back-off (30 s doubling to an
//! hour) and, after [`MAX_ATTEMPTS`], left `failed` with the relay's last answer for `status`.
//! A row whose subscriber is no longer pending (confirmed, unsubscribed, erased) is dropped.

use crate::AppState;
use crate::confirm::send_confirmation;
use modelbrief_domain::{SubscriberStatus, Timestamp};
use std::time::Duration;

/// Attempts before a confirmation mail is given up.
pub const MAX_ATTEMPTS: i64 = 8;

fn retry_delay(attempts: i64) -> Duration {
    let secs = 30u64.saturating_mul(1 << attempts.clamp(0, 7) as u32);
    Duration::from_secs(secs.min(3600))
}

/// Works the outbox until `stop` resolves.
pub async fn work_outbox(state: AppState, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    loop {
        let wait = match work_once(&state).await {
            Ok(wait) => wait,
            Err(e) => {
                tracing::error!(error = %modelbrief_domain::present::error_chain(&e), "outbox: database error");
                Duration::from_secs(5)
            }
        };
        tokio::select! {
            () = &mut stop => return,
            () = state.outbox_wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Sends what is due; returns how long to sleep before the next due row (at most a minute).
async fn work_once(state: &AppState) -> Result<Duration, modelbrief_store::StoreError> {
    loop {
        let due = state.store.due_outbox(state.now(), 20).await?;
        if due.is_empty() {
            break;
        }
        for item in due {
            let row = state.store.subscriber(item.subscriber_id).await?;
            let Some(row) = row.filter(|r| r.status == SubscriberStatus::Pending) else {
                state.store.outbox_done(item.id).await?;
                continue;
            };
            match send_confirmation(state, &row).await {
                Ok(()) => state.store.outbox_done(item.id).await?,
                Err(e) => {
                    let text: String = modelbrief_domain::present::error_chain(&e)
                        .chars()
                        .take(300)
                        .collect();
                    let attempts = item.attempts + 1;
                    let retry_at = (attempts < MAX_ATTEMPTS).then(|| {
                        Timestamp::from_datetime(
                            state.now().datetime()
                                + chrono::Duration::from_std(retry_delay(item.attempts))
                                    .unwrap_or_default(),
                        )
                    });
                    if retry_at.is_some() {
                        tracing::warn!(subscriber = row.id, attempts, error = %text, "confirmation email not sent; will retry");
                    } else {
                        tracing::error!(subscriber = row.id, attempts, error = %text, "confirmation email given up");
                    }
                    state.store.outbox_failed(item.id, &text, retry_at).await?;
                }
            }
        }
    }
    let next = state.store.next_outbox_due().await?;
    Ok(next
        .and_then(|t| (t.datetime() - state.now().datetime()).to_std().ok())
        .unwrap_or(Duration::from_secs(60))
        .clamp(Duration::from_millis(50), Duration::from_secs(60)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_half_a_minute_to_an_hour() {
        assert_eq!(retry_delay(0), Duration::from_secs(30));
        assert_eq!(retry_delay(1), Duration::from_secs(60));
        assert_eq!(retry_delay(7), Duration::from_secs(3600));
        assert_eq!(retry_delay(40), Duration::from_secs(3600));
    }
}
