//! `modelbrief status`: what the operator needs to know, and whether they must act.

use crate::clock::Clock;
use crate::config::Loaded;
use crate::daemon::{Schedules, edition_week};
use crate::schedule::{EditionDecision, edition_decision};
use modelbrief_domain::Timestamp;
use modelbrief_store::Store;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct SourceStatus {
    pub name: String,
    pub kind: String,
    pub last_pull: Option<String>,
    pub status: Option<String>,
    pub last_success: Option<String>,
    pub rows: Option<i64>,
    pub error: Option<String>,
    pub next_pull: Option<String>,
    /// No healthy pull for too long, or the same content for longer than `max_unchanged`.
    pub stale: bool,
    /// When the current content was first pulled, if that is longer ago than `max_unchanged`.
    pub unchanged_since: Option<String>,
    /// The source's own date of its current data (a LiveBench release, an Arena publication).
    pub data_date: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct EditionStatus {
    pub week: String,
    pub status: modelbrief_store::EditionStatus,
    pub created_at: String,
    #[serde(flatten)]
    pub tally: crate::send::Tally,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub now: String,
    pub sources: Vec<SourceStatus>,
    pub subscribers: BTreeMap<String, i64>,
    /// Bounces and complaints reported after the send (webhooks, `feedback read`).
    pub feedback: modelbrief_store::FeedbackCounts,
    pub editions: Vec<EditionStatus>,
    /// The webhook delivery log: per `[[webhooks]]` receiver, deliveries by state.
    pub webhooks: Vec<modelbrief_store::WebhookCounts>,
    pub next_edition: Option<String>,
    /// Everything an operator must act on; empty when healthy.
    pub attention: Vec<String>,
}

pub async fn report(store: &Store, loaded: &Loaded, clock: Clock) -> anyhow::Result<Report> {
    let now = clock.now();
    let schedules = Schedules::new(loaded);
    let stale_after = chrono::Duration::from_std(loaded.config.brief.stale_after)
        .unwrap_or(chrono::Duration::days(8));
    let mut attention = Vec::new();
    let mut sources = Vec::new();
    for (spec, (_, cron)) in loaded.sources.iter().zip(&schedules.ingest) {
        let name = spec.name.as_str();
        let last = store.pulls_until(name, now, 1).await?.pop();
        let success = store.latest_healthy(name, Some(now)).await?;
        if let Some(p) = &last
            && !p.status.is_healthy()
        {
            attention.push(format!(
                "source {name} is {}: {}",
                p.status.as_str(),
                p.error.as_deref().unwrap_or("")
            ));
        }
        let max_unchanged =
            chrono::Duration::from_std(spec.max_unchanged).unwrap_or(chrono::Duration::MAX);
        let unchanged_since = success
            .as_ref()
            .map(|s| s.taken_at)
            .filter(|t| now.datetime() - t.datetime() > max_unchanged);
        let mut stale = true;
        match &success {
            None => attention.push(format!("source {name} has never been pulled successfully")),
            Some(s) if now.datetime() - s.confirmed_at.datetime() > stale_after => {
                attention.push(format!(
                    "source {name} is stale: last success {}",
                    s.confirmed_at
                ));
            }
            Some(_) if unchanged_since.is_some() => {
                attention.push(format!(
                    "source {name} is stale: its content has not changed since {} (longer than its max_unchanged of {} days); it may be frozen upstream, so check its URL",
                    unchanged_since.map(|t| t.to_string()).unwrap_or_default(),
                    spec.max_unchanged.as_secs_f64() / 86400.0
                ));
            }
            _ => stale = false,
        }
        sources.push(SourceStatus {
            name: name.to_owned(),
            kind: spec.kind.to_string(),
            last_pull: last.as_ref().map(|p| p.started_at.clone()),
            status: last.as_ref().map(|p| p.status.as_str().to_owned()),
            last_success: success.as_ref().map(|s| s.confirmed_at.to_string()),
            rows: last.as_ref().and_then(|p| p.rows),
            error: last.as_ref().and_then(|p| p.error.clone()),
            next_pull: cron
                .next_after(now.datetime())
                .map(|t| Timestamp::from_datetime(t).to_string()),
            stale,
            unchanged_since: unchanged_since.map(|t| t.to_string()),
            data_date: success
                .as_ref()
                .and_then(|s| s.data_date.clone().or_else(|| s.release.clone())),
        });
    }
    let subscribers = store.subscriber_counts().await?.into_iter().collect();
    let mut editions = Vec::new();
    for e in store.editions(5).await? {
        let c = store.delivery_counts(e.id).await?;
        if c.sending > 0 {
            attention.push(format!(
                "edition {}: {} deliveries in doubt (handed to the relay, no answer recorded); check the relay's logs, then `send --week {} --resend-in-doubt` if they did not go out",
                e.week, c.sending, e.week
            ));
        }
        if e.status == modelbrief_store::EditionStatus::Paused {
            attention.push(format!(
                "edition {} is paused on its error budget; fix the cause and run `send --week {}`",
                e.week, e.week
            ));
        } else if c.failed > 0 {
            let max = loaded.config.delivery.max_attempts;
            let given_up = store.final_failures(e.id, max).await?;
            if given_up > 0 {
                attention.push(format!(
                    "edition {}: {given_up} deliveries failed for good after {max} attempts; the relay's last reply is kept with each delivery and the logs name the subscriber; nothing more is tried",
                    e.week
                ));
            }
            if c.failed > given_up {
                let next = store.next_retry(e.id, max).await?;
                attention.push(format!(
                    "edition {}: {} deliveries failed and will be retried from {} (by the daemon or `tick`, or now with `send --week {}`)",
                    e.week,
                    c.failed - given_up,
                    next.map_or_else(|| "-".to_owned(), |t| t.to_string()),
                    e.week
                ));
            }
        }
        editions.push(EditionStatus {
            week: e.week,
            status: e.status,
            created_at: e.created_at,
            tally: c.into(),
        });
    }
    let fire_week = schedules
        .brief
        .last_at_or_before(now.datetime())
        .map(|f| edition_week(f).to_string());
    let existing = editions
        .iter()
        .find(|e| Some(&e.week) == fire_week.as_ref());
    let done = |_| existing.is_some_and(|e| e.status.is_settled());
    let installed = store.first_pull_at().await?.map(Timestamp::datetime);
    if let EditionDecision::Held { fire } = edition_decision(
        &schedules.brief,
        now.datetime(),
        schedules.late_send_limit,
        installed,
        done,
        |_| existing.is_some(),
    ) {
        let week = edition_week(fire);
        attention.push(format!("edition {week} is held: it was due at {} and not sent in time; send it with `modelbrief send --week {week}`", Timestamp::from_datetime(fire)));
    }
    // A webhook URL can be a credential (Slack's, Discord's): only its host is shown.
    let mut webhooks = store.webhook_counts().await?;
    for w in &mut webhooks {
        w.url = modelbrief_ingester::post::redacted(&w.url);
    }
    for w in webhooks.iter().filter(|w| w.latest_failed) {
        attention.push(format!(
            "webhook {} ({}): its latest delivery failed for good ({} in all), last error: {}",
            w.webhook,
            w.url,
            w.failed,
            w.last_error.as_deref().unwrap_or("-")
        ));
    }
    Ok(Report {
        now: now.to_string(),
        webhooks,
        sources,
        subscribers,
        feedback: store.feedback_counts().await?,
        editions,
        next_edition: schedules
            .brief
            .next_after(now.datetime())
            .map(|t| Timestamp::from_datetime(t).to_string()),
        attention,
    })
}

pub fn text(r: &Report) -> String {
    let mut out = format!("modelbrief status at {}\n\nsources:\n", r.now);
    for s in &r.sources {
        out.push_str(&format!(
            "  {:<14} {:<12} last pull {}  last success {}  rows {}  next {}\n",
            s.name,
            s.status.as_deref().unwrap_or("never"),
            s.last_pull.as_deref().unwrap_or("-"),
            s.last_success.as_deref().unwrap_or("-"),
            s.rows.map_or("-".into(), |n| n.to_string()),
            s.next_pull.as_deref().unwrap_or("-"),
        ));
        if let Some(t) = &s.unchanged_since {
            out.push_str(&format!("  {:<14} unchanged since {t}\n", ""));
        }
    }
    let subs: Vec<String> = r
        .subscribers
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let f = &r.feedback;
    out.push_str(&format!(
        "\nsubscribers: {}\nreported after the send: {} hard bounces, {} soft bounces, {} complaints ({} matched no subscriber)\n\neditions:\n",
        if subs.is_empty() {
            "none".into()
        } else {
            subs.join(", ")
        },
        f.hard_bounces,
        f.soft_bounces,
        f.complaints,
        f.unmatched
    ));
    for e in &r.editions {
        out.push_str(&format!(
            "  {} {:<8} sent {} failed {} bounced {} in doubt {} skipped {} pending {}\n",
            e.week,
            e.status.as_str(),
            e.tally.sent,
            e.tally.failed,
            e.tally.bounced,
            e.tally.in_doubt,
            e.tally.skipped_unsubscribed,
            e.tally.pending
        ));
    }
    if !r.webhooks.is_empty() {
        out.push_str("\nwebhooks:\n");
    }
    for w in &r.webhooks {
        out.push_str(&format!(
            "  {} {}  delivered {} pending {} failed {}  last delivered {}{}\n",
            w.webhook,
            w.url,
            w.delivered,
            w.pending,
            w.failed,
            w.last_delivered_at.as_deref().unwrap_or("-"),
            w.last_error
                .as_deref()
                .map(|e| format!("  last error: {e}"))
                .unwrap_or_default()
        ));
    }
    out.push_str(&format!(
        "\nnext edition: {}\n",
        r.next_edition.as_deref().unwrap_or("-")
    ));
    if r.attention.is_empty() {
        out.push_str("\nall healthy\n");
    } else {
        out.push_str("\nneeds attention:\n");
        for a in &r.attention {
            out.push_str(&format!("  - {a}\n"));
        }
    }
    out
}
