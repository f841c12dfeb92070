//! `modelbrief daemon` and `modelbrief tick`: the scheduler.
//!
//! Both take the same lock beside the database (an OS file lock, released if the process
//! dies) and make the same decisions ([`run_due`]): pull every source whose cron time passed
//! since its last pull, and send the edition of the latest brief time unless it is done, or
//! hold it when it is later than `late_send_limit`. The daemon also serves the HTTP pages, logs
//! `next_run` for each job, sleeps until the next fire time or a signal, and on SIGTERM/SIGINT
//! stops taking work, lets the in-flight send finish its claimed batches, and exits 0.

use crate::clock::Clock;
use crate::config::{ConfigError, Loaded};
use crate::schedule::{Cron, EditionDecision, edition_decision, pull_due};
use anyhow::Context;
use chrono::{DateTime, Utc};
use modelbrief_domain::{IsoWeek, Timestamp};
use modelbrief_store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The schedules, parsed.
pub struct Schedules {
    pub ingest: Vec<(String, Cron)>,
    pub brief: Cron,
    pub late_send_limit: chrono::Duration,
}

impl Schedules {
    pub fn new(loaded: &Loaded) -> Self {
        let s = &loaded.config.schedule;
        let ingest = loaded
            .sources
            .iter()
            .map(|src| {
                let own = loaded
                    .config
                    .sources
                    .iter()
                    .find(|c| c.name == src.name)
                    .and_then(|c| c.schedule.as_ref());
                let expr = own.unwrap_or(&s.ingest);
                (src.name.to_string(), Cron::new(expr, s.timezone))
            })
            .collect();
        Self {
            ingest,
            brief: Cron::new(&s.brief, s.timezone),
            late_send_limit: chrono::Duration::from_std(s.late_send_limit)
                .unwrap_or(chrono::Duration::hours(12)),
        }
    }
}

/// The edition a brief time sends: the ISO week that ended last before it.
pub fn edition_week(fire: DateTime<Utc>) -> IsoWeek {
    IsoWeek::of(Timestamp::from_datetime(fire - chrono::Duration::days(7)))
}

/// What one pass did.
#[derive(Debug, Default)]
pub struct Pass {
    pub ingested: usize,
    pub unhealthy: usize,
    pub sent: Option<crate::send::Summary>,
    pub held: Option<String>,
    /// Webhook deliveries made, rescheduled and given up in this pass.
    pub webhooks: crate::webhooks::Delivered,
}

async fn last_pull(
    store: &Store,
    source: &str,
    now: Timestamp,
) -> anyhow::Result<Option<DateTime<Utc>>> {
    Ok(store
        .pulls_until(source, now, 1)
        .await?
        .first()
        .and_then(|p| Timestamp::parse(&p.started_at).ok())
        .map(Timestamp::datetime))
}

/// Does whatever is due at `clock.now()`.
pub async fn run_due(
    store: &Store,
    loaded: &Loaded,
    schedules: &Schedules,
    clock: Clock,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<Pass> {
    let now = clock.now();
    let mut pass = Pass::default();
    let mut due = Vec::new();
    for (name, cron) in &schedules.ingest {
        if pull_due(cron, last_pull(store, name, now).await?, now.datetime()) {
            due.push(
                loaded
                    .sources
                    .iter()
                    .find(|s| s.name.as_str() == name)
                    .expect("configured"),
            );
        }
    }
    if !due.is_empty() && !stop.load(Ordering::Relaxed) {
        let fetcher = modelbrief_ingester::Fetcher::new(loaded.config.fetch.clone())?;
        let job = crate::ingest::Ingest {
            store,
            fetcher: &fetcher,
            config: loaded,
            policy: loaded.config.quarantine.clone(),
            now,
            accept_mass_change: false,
            accept: Vec::new(),
        };
        let reports = job.run(&due).await?;
        pass.ingested = reports.len();
        pass.unhealthy = reports.iter().filter(|r| !r.status.is_healthy()).count();
        for r in reports.iter().filter(|r| !r.status.is_healthy()) {
            tracing::error!(source = %r.source, status = r.status.as_str(), error = r.error.as_deref().unwrap_or(""), "source not usable");
        }
    }
    if stop.load(Ordering::Relaxed) {
        return Ok(pass);
    }
    // Which editions exist, for the decision below.
    let fire = schedules.brief.last_at_or_before(now.datetime());
    let existing = match fire {
        Some(f) => store.edition(&edition_week(f).to_string()).await?,
        None => None,
    };
    let done = |_| existing.as_ref().is_some_and(|e| e.status.is_settled());
    let started = |_| existing.is_some();
    let installed = store.first_pull_at().await?.map(Timestamp::datetime);
    match edition_decision(
        &schedules.brief,
        now.datetime(),
        schedules.late_send_limit,
        installed,
        done,
        started,
    ) {
        EditionDecision::Nothing => {}
        EditionDecision::Held { fire } => {
            let week = edition_week(fire);
            let msg = format!(
                "the {week} edition was due at {} and is more than the late-send limit late; it is held (send it with `modelbrief send --week {week}`)",
                Timestamp::from_datetime(fire)
            );
            tracing::error!(edition = %week, "{msg}");
            pass.held = Some(msg);
        }
        EditionDecision::Send { fire } => {
            let week = edition_week(fire);
            let _lock = crate::lock::exclusive(&loaded.config.database.path, "send")?;
            let summary = crate::send::run(
                store,
                loaded,
                clock,
                crate::send::Options {
                    week: Some(week),
                    dry_run: false,
                    resend_in_doubt: false,
                    transport: modelbrief_mailer::transport::Transport::Smtp(
                        loaded.config.smtp.settings(&loaded.secrets),
                    ),
                    progress: false,
                    stop: Some(stop.clone()),
                },
            )
            .await?;
            if !summary.ok() {
                tracing::error!(edition = %week, summary = %summary.line(), "the edition needs the operator");
            }
            pass.sent = Some(summary);
        }
    }
    if !loaded.config.webhooks.is_empty() && !stop.load(Ordering::Relaxed) {
        match crate::webhooks::deliver_due(store, loaded, clock.now()).await {
            Ok(d) => pass.webhooks = d,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "webhook deliveries not sent");
            }
        }
    }
    Ok(pass)
}

/// The next fire time of every job after `now`, logged, and the earliest.
fn next_runs(schedules: &Schedules, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut earliest: Option<DateTime<Utc>> = None;
    for (name, cron) in &schedules.ingest {
        if let Some(t) = cron.next_after(now) {
            tracing::info!(job = "ingest", source = %name, next_run = %Timestamp::from_datetime(t), "scheduled");
            earliest = Some(earliest.map_or(t, |e| e.min(t)));
        }
    }
    if let Some(t) = schedules.brief.next_after(now) {
        tracing::info!(job = "send", next_run = %Timestamp::from_datetime(t), "scheduled");
        earliest = Some(earliest.map_or(t, |e| e.min(t)));
    }
    earliest
}

fn take_lock(loaded: &Loaded) -> anyhow::Result<crate::lock::Held> {
    crate::lock::try_exclusive(&loaded.config.database.path, "scheduler")?.ok_or_else(|| {
        ConfigError(format!(
            "another modelbrief daemon or tick is running on {} (lock {}.scheduler.lock); only one may run per database",
            loaded.config.database.path.display(),
            loaded.config.database.path.display()
        ))
        .into()
    })
}

/// `modelbrief tick`: do what is due now, then exit.
pub async fn tick(loaded: &Loaded, clock: Clock) -> anyhow::Result<Pass> {
    let _lock = take_lock(loaded)?;
    let store = crate::ingest::open_store(loaded)
        .await
        .context("opening the database")?;
    let schedules = Schedules::new(loaded);
    let pass = run_due(
        &store,
        loaded,
        &schedules,
        clock,
        Arc::new(AtomicBool::new(false)),
    )
    .await?;
    store.close().await;
    Ok(pass)
}

/// `modelbrief daemon`: the scheduler and the HTTP server until SIGTERM/SIGINT.
pub async fn daemon(loaded: &Loaded, clock: Clock) -> anyhow::Result<()> {
    let _lock = take_lock(loaded)?;
    let store = crate::ingest::open_store(loaded)
        .await
        .context("opening the database")?;
    let schedules = Schedules::new(loaded);
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = tokio::sync::watch::channel(false);

    let state = crate::serve::state(store.clone(), loaded, clock)?;
    let listener = crate::serve::bind(loaded).await?;
    let addr = listener.local_addr()?;
    let mut web_rx = rx.clone();
    let limits = loaded.config.web.limits();
    let web = tokio::spawn(async move {
        crate::serve::web(state, limits, listener, async move {
            let _ = web_rx.wait_for(|s| *s).await;
        })
        .await
    });
    {
        let stop = stop.clone();
        tokio::spawn(async move {
            crate::serve::shutdown_signal().await;
            tracing::info!("shutdown requested: finishing in-flight work");
            stop.store(true, Ordering::Relaxed);
            let _ = tx.send(true);
        });
    }
    tracing::info!(listen = %addr, "daemon started");
    let mut rx = rx;
    while !stop.load(Ordering::Relaxed) {
        // Fire times that pass while a pass runs are caught by the next pass at once.
        let pass_started = clock.now().datetime();
        let run_id = format!("{:08x}", rand::random::<u32>());
        let span = tracing::info_span!("run", run_id = %run_id);
        let started = std::time::Instant::now();
        let job = {
            let _e = span.enter();
            run_due(&store, loaded, &schedules, clock, stop.clone())
        };
        let pass = tokio::time::timeout(
            loaded
                .config
                .schedule
                .shutdown_timeout
                .max(std::time::Duration::from_secs(3600 * 6)),
            job,
        )
        .await;
        match pass {
            Ok(Ok(p)) => {
                let _e = span.enter();
                tracing::info!(
                    job = "pass",
                    duration_ms = started.elapsed().as_millis() as u64,
                    ingested = p.ingested,
                    unhealthy = p.unhealthy,
                    sent = p.sent.as_ref().map_or(0, |s| s.tally.sent),
                    held = p.held.is_some(),
                    "pass finished"
                );
            }
            Ok(Err(e)) => {
                let _e = span.enter();
                tracing::error!(error = %format!("{e:#}"), "pass failed");
            }
            Err(_) => tracing::error!("pass timed out"),
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
        // A webhook delivery waiting for its retry wakes the scheduler too.
        let retry = match store.next_webhook_attempt().await {
            Ok(t) => t.map(Timestamp::datetime),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the webhook queue");
                None
            }
        };
        let Some(next) = [next_runs(&schedules, pass_started), retry]
            .into_iter()
            .flatten()
            .min()
        else {
            break;
        };
        let wait = (next - clock.now().datetime()).to_std().unwrap_or_default()
            + std::time::Duration::from_millis(5);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = rx.wait_for(|s| *s) => {}
        }
    }
    let drain = tokio::time::timeout(loaded.config.schedule.shutdown_timeout, web).await;
    if drain.is_err() {
        tracing::warn!("the HTTP server did not stop within the shutdown timeout");
    }
    store.close().await;
    tracing::info!("daemon stopped");
    Ok(())
}
