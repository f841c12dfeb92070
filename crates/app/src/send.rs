//! `modelbrief send`: create the week's edition (once) and deliver it to every confirmed
//! subscriber through the per-recipient ledger.
//!
//! Workers (one SMTP connection each) claim small batches right before sending, so an
//! unsubscribe that lands mid-send is honoured for every message not yet handed over. Every
//! outcome is recorded as it happens; a crash leaves at most the claimed batches `in doubt`,
//! which are reported, never silently resent. Transient failures are retried with jittered
//! exponential back-off and slow every worker down; permanent ones bounce; an error budget
//! pauses the send.

use crate::clock::Clock;
use crate::config::{ConfigError, Loaded};
use anyhow::Context;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use modelbrief_differ::Edition;
use modelbrief_domain::{IsoWeek, Timestamp};
use modelbrief_mailer::messages::{BriefMessage, UNSUBSCRIBE_PLACEHOLDER, check};
use modelbrief_mailer::smtp::SendFailure;
use modelbrief_mailer::transport::{Sink, Transport};
use modelbrief_mailer::{BriefView, Purpose, Renderer, TokenKeys};
use modelbrief_store::{Claim, Counts, EditionStatus, NewEdition, Outcome, Store};
use serde::Serialize;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Where an edition's deliveries stand: the same fields in `send`'s summary and in `status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub sent: i64,
    pub failed: i64,
    pub bounced: i64,
    /// Claimed (`sending`) with no recorded answer: maybe delivered.
    pub in_doubt: i64,
    pub skipped_unsubscribed: i64,
    pub pending: i64,
}

impl From<Counts> for Tally {
    fn from(c: Counts) -> Self {
        Self {
            sent: c.sent,
            failed: c.failed,
            bounced: c.bounced,
            in_doubt: c.sending,
            skipped_unsubscribed: c.suppressed,
            pending: c.pending,
        }
    }
}

/// What `send` did, as printed at the end.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub edition: String,
    pub created: bool,
    pub recipients: i64,
    #[serde(flatten)]
    pub tally: Tally,
    pub paused: Option<String>,
    pub dry_run: bool,
}

impl Summary {
    pub fn ok(&self) -> bool {
        if self.dry_run {
            return true;
        }
        // A hard bounce is a normal outcome of a send (the address is suppressed); a failure,
        // a delivery in doubt, a pause or anything left unsent needs the operator.
        let t = &self.tally;
        t.failed == 0 && t.in_doubt == 0 && self.paused.is_none() && t.pending == 0
    }

    pub fn line(&self) -> String {
        let mut s = format!(
            "{}: sent {}, failed {}, bounced {}, in doubt {}, skipped as unsubscribed {}",
            self.edition,
            self.tally.sent,
            self.tally.failed,
            self.tally.bounced,
            self.tally.in_doubt,
            self.tally.skipped_unsubscribed
        );
        if self.tally.pending > 0 {
            s.push_str(&format!(", not yet sent {}", self.tally.pending));
        }
        if let Some(p) = &self.paused {
            s.push_str(&format!(" — PAUSED: {p}"));
        }
        if self.dry_run {
            s.push_str(" (dry run: nothing sent)");
        }
        s
    }
}

/// Options of one run.
pub struct Options {
    pub week: Option<IsoWeek>,
    pub dry_run: bool,
    pub resend_in_doubt: bool,
    pub transport: Transport,
    pub progress: bool,
    /// Set to stop claiming new work (shutdown); claimed batches still finish and are recorded.
    pub stop: Option<Arc<AtomicBool>>,
}

/// How the weekly send runs (`[delivery]` in the configuration is this type).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryPolicy {
    /// SMTP connections (one worker each).
    pub connections: usize,
    /// Deliveries claimed at a time per worker (the most that can be left in doubt by a crash).
    pub batch: usize,
    /// Relay limits; 0 = none.
    pub per_second: u32,
    pub per_hour: u32,
    /// Attempts per delivery before it counts as failed for good.
    pub max_attempts: i64,
    #[serde(with = "humantime_serde")]
    pub retry_base: Duration,
    #[serde(with = "humantime_serde")]
    pub retry_max: Duration,
    /// How long one run keeps retrying transient failures before leaving them to the next run.
    #[serde(with = "humantime_serde")]
    pub retry_window: Duration,
    /// Hard bounces before a subscriber is suppressed.
    pub bounce_threshold: i64,
    /// The send pauses when bounces + failures for good exceed this share of the list…
    pub error_budget_pct: f64,
    /// …or this many, whichever is smaller.
    pub error_budget_max: i64,
    /// The pre-send check refuses larger messages.
    pub max_message_bytes: usize,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            connections: 4,
            batch: 8,
            per_second: 0,
            per_hour: 0,
            max_attempts: 5,
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(300),
            retry_window: Duration::from_secs(900),
            bounce_threshold: 1,
            error_budget_pct: 5.0,
            error_budget_max: 500,
            max_message_bytes: 500_000,
        }
    }
}

/// Everything a worker needs.
struct Shared {
    store: Store,
    edition_id: i64,
    message: BriefMessage,
    keys: TokenKeys,
    base_url: url::Url,
    clock: Clock,
    transport: Transport,
    policy: DeliveryPolicy,
    limiter: Option<DefaultDirectRateLimiter>,
    hourly: Option<DefaultDirectRateLimiter>,
    /// Unix millis until which every worker waits (a burst of transient failures).
    slow_until: AtomicU64,
    transient_streak: AtomicU32,
    stop: AtomicBool,
    external_stop: Option<Arc<AtomicBool>>,
    paused: std::sync::Mutex<Option<String>>,
    budget: i64,
    /// Deliveries bounced or failed for good so far, against the budget.
    given_up: std::sync::atomic::AtomicI64,
    handed: AtomicU64,
}

fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}

use modelbrief_ingester::fetch::backoff;

impl Shared {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
            || self
                .external_stop
                .as_ref()
                .is_some_and(|s| s.load(Ordering::Relaxed))
    }

    fn unsubscribe_url(&self, claim: &Claim) -> String {
        let token = self.keys.sign(
            Purpose::Unsubscribe,
            claim.subscriber_id,
            &claim.link_key,
            self.clock.now().datetime().timestamp(),
        );
        modelbrief_mailer::links::token_url(&self.base_url, "unsubscribe", &token)
    }

    async fn open(&self) -> Option<Sink> {
        let mut attempt = 0;
        loop {
            if self.stopping() {
                return None;
            }
            match self.transport.open().await {
                Ok(s) => return Some(s),
                Err(e) => {
                    attempt += 1;
                    tracing::warn!(error = %modelbrief_domain::present::error_chain(&e), attempt, "cannot open an SMTP session");
                    if attempt >= self.policy.max_attempts as u32 {
                        return None;
                    }
                    tokio::time::sleep(backoff(
                        self.policy.retry_base,
                        self.policy.retry_max,
                        attempt,
                    ))
                    .await;
                }
            }
        }
    }

    async fn wait_turn(&self) {
        let until = self.slow_until.load(Ordering::Relaxed);
        let now = unix_millis();
        if until > now {
            tokio::time::sleep(Duration::from_millis(until - now)).await;
        }
        if let Some(l) = &self.limiter {
            l.until_ready().await;
        }
        if let Some(l) = &self.hourly {
            l.until_ready().await;
        }
    }

    /// Sends one claimed delivery and says what happened.
    async fn deliver(&self, sink: &mut Option<Sink>, claim: &Claim) -> Outcome {
        let url = self.unsubscribe_url(claim);
        let out = match self.message.for_subscriber(
            claim.subscriber_id,
            &claim.email,
            &url,
            self.clock.now().datetime().into(),
        ) {
            Ok(o) => o,
            Err(e) => {
                return Outcome::Bounced {
                    reply: format!("cannot build the message: {e}"),
                };
            }
        };
        if sink.as_ref().is_none_or(Sink::is_broken) {
            if let Some(old) = sink.take() {
                old.close().await;
            }
            *sink = self.open().await;
        }
        let Some(s) = sink.as_mut() else {
            return self.transient(claim, "no SMTP session could be opened".into());
        };
        self.wait_turn().await;
        self.handed.fetch_add(1, Ordering::Relaxed);
        match s.send(&out.envelope, &out.raw).await {
            Ok(reply) => {
                self.transient_streak.store(0, Ordering::Relaxed);
                tracing::debug!(subscriber = claim.subscriber_id, reply = %reply, "sent");
                Outcome::Sent {
                    reply,
                    message_id: out.message_id,
                }
            }
            Err(e) => {
                let reply = e.text();
                if sink.as_ref().is_some_and(Sink::is_broken)
                    && let Some(old) = sink.take()
                {
                    old.close().await;
                }
                match e {
                    SendFailure::InDoubt(_) => {
                        tracing::warn!(subscriber = claim.subscriber_id, reply = %reply, "in doubt: the message went out and no answer came; it will not be sent again");
                        Outcome::InDoubt { reply }
                    }
                    SendFailure::Refused {
                        permanent: true, ..
                    } => {
                        tracing::info!(subscriber = claim.subscriber_id, reply = %reply, "bounced");
                        Outcome::Bounced { reply }
                    }
                    // One recipient's temporary refusal (mailbox full, greylisting): retry
                    // that delivery later; the session and the other workers carry on.
                    SendFailure::Refused {
                        stage: "RCPT TO", ..
                    } => {
                        tracing::info!(subscriber = claim.subscriber_id, reply = %reply, "recipient deferred; will retry");
                        self.retry_later(claim, reply)
                    }
                    SendFailure::Refused { .. } | SendFailure::Session(_) => {
                        self.transient(claim, reply)
                    }
                }
            }
        }
    }

    /// A failed delivery's next attempt (with back-off), or none when its attempts are used up.
    fn retry_later(&self, claim: &Claim, reply: String) -> Outcome {
        let retry_at = (claim.attempts < self.policy.max_attempts).then(|| {
            let wait = backoff(
                self.policy.retry_base,
                self.policy.retry_max,
                claim.attempts as u32,
            );
            Timestamp::from_datetime(
                self.clock.now().datetime() + chrono::Duration::from_std(wait).unwrap_or_default(),
            )
        });
        Outcome::Failed { reply, retry_at }
    }

    fn transient(&self, claim: &Claim, reply: String) -> Outcome {
        let streak = self.transient_streak.fetch_add(1, Ordering::Relaxed) + 1;
        let pause = backoff(self.policy.retry_base, self.policy.retry_max, streak);
        self.slow_until
            .fetch_max(unix_millis() + pause.as_millis() as u64, Ordering::Relaxed);
        tracing::warn!(subscriber = claim.subscriber_id, reply = %reply, streak, "transient failure; slowing down");
        self.retry_later(claim, reply)
    }

    async fn worker(self: Arc<Self>) -> anyhow::Result<()> {
        let mut sink: Option<Sink> = None;
        while !self.stopping() {
            let claims = self
                .store
                .claim(
                    self.edition_id,
                    self.policy.batch as i64,
                    self.clock.now(),
                    self.policy.max_attempts,
                )
                .await?;
            if claims.is_empty() {
                break;
            }
            let mut results = Vec::with_capacity(claims.len());
            for c in &claims {
                // Stopping: what is not handed over yet goes back to pending, so at most the
                // messages in flight (one per connection) are left to record.
                let outcome = if self.stopping() {
                    Outcome::Released
                } else {
                    self.deliver(&mut sink, c).await
                };
                results.push((c.subscriber_id, outcome));
            }
            self.store
                .record(
                    self.edition_id,
                    &results,
                    self.clock.now(),
                    self.policy.bounce_threshold,
                )
                .await?;
            // Counted in memory (seeded from the ledger at start): a query over the whole
            // edition after every batch would make a send quadratic in the list size.
            let lost = results
                .iter()
                .filter(|(_, o)| {
                    matches!(
                        o,
                        Outcome::Bounced { .. } | Outcome::Failed { retry_at: None, .. }
                    )
                })
                .count() as i64;
            let given_up = self.given_up.fetch_add(lost, Ordering::Relaxed) + lost;
            if given_up > self.budget {
                let why = format!(
                    "error budget exceeded: {given_up} deliveries bounced or failed for good (budget {})",
                    self.budget
                );
                *self.paused.lock().expect("not poisoned") = Some(why);
                self.stop.store(true, Ordering::Relaxed);
            }
        }
        if let Some(s) = sink {
            s.close().await;
        }
        Ok(())
    }
}

/// Renders the edition into the per-subscriber message template.
fn brief_message(loaded: &Loaded, edition: &Edition, week: &str) -> anyhow::Result<BriefMessage> {
    let cfg = &loaded.config;
    let renderer = Renderer::new(cfg.brief.templates.as_deref())
        .map_err(|e| ConfigError(format!("{:#}", anyhow::Error::from(e))))?;
    let mut view = BriefView::new(edition);
    let chart = modelbrief_mailer::chart::price_history_png(&edition.price_history)?;
    if let Some(chart) = &chart {
        view.attach_chart(
            format!("cid:{}", modelbrief_mailer::chart::CHART_CID),
            (chart.width, chart.height),
        );
    }
    view.unsubscribe_url = Some(UNSUBSCRIBE_PLACEHOLDER.to_owned());
    view.postal_address = Some(cfg.mail.postal_address.clone());
    view.web_url = Some(
        modelbrief_mailer::links::site_url(&cfg.web.base_url, &format!("archive/{week}"))
            .to_string(),
    );
    let from = modelbrief_mailer::messages::mailbox(&cfg.mail.from)
        .map_err(|e| ConfigError(format!("[mail] from: {e}")))?;
    let host = from.email.domain().to_owned();
    Ok(BriefMessage {
        subject: format!("modelbrief {week}: {}", edition.headline()),
        html: renderer.html(&view)?,
        text: renderer.text(&view)?,
        list_id: format!(
            "modelbrief <{}>",
            cfg.mail
                .list_id
                .clone()
                .unwrap_or_else(|| format!("brief.{host}"))
        ),
        host,
        from,
        week: week.to_owned(),
        unsubscribe_mailto: cfg.mail.unsubscribe_mailto.clone(),
        dkim: cfg
            .mail
            .dkim
            .as_ref()
            .map(|d| d.load(&loaded.secrets))
            .transpose()?,
        chart: chart.map(|c| modelbrief_mailer::messages::png_body(c.png)),
        prepared: Default::default(),
    })
}

pub async fn run(
    store: &Store,
    loaded: &Loaded,
    clock: Clock,
    opts: Options,
) -> anyhow::Result<Summary> {
    let cfg = &loaded.config;
    let keys = cfg.tokens.keys(&loaded.secrets)?;
    // Without `--week`: the last complete ISO week. An edition is labelled by the week it
    // covers and never created before that week has ended.
    let week = opts
        .week
        .unwrap_or_else(|| IsoWeek::last_complete(clock.anchor()));
    let (label, window) = crate::brief::window(Some(week), clock.anchor(), loaded);

    // The edition's content is frozen at creation: a rerun sends exactly what the first run did.
    let existing = store.edition(&label).await?;
    if existing.is_none() && !opts.dry_run && week.end().datetime() > clock.anchor().datetime() {
        return Err(ConfigError(format!(
            "{label} has not ended yet (it ends {}): an edition is made only for a week that is over, so it holds the whole week; `brief --week {label}` previews it, `send --dry-run` checks it",
            week.end()
        ))
        .into());
    }
    let edition: Edition = match &existing {
        Some(e) => serde_json::from_str(&e.content).context("reading the stored edition")?,
        None => crate::brief::compute(store, loaded, &label, window).await?,
    };
    let message = brief_message(loaded, &edition, &label)?;

    // Pre-send check on a sample message.
    let sample_url = "https://example.invalid/unsubscribe?token=sample";
    let sample = message.for_subscriber(
        0,
        "check@example.com",
        sample_url,
        clock.now().datetime().into(),
    )?;
    let problems = check(
        &sample,
        sample_url,
        &cfg.mail.postal_address,
        message.dkim.is_some(),
        cfg.delivery.max_message_bytes,
    );
    if !problems.is_empty() {
        anyhow::bail!(
            "the edition {label} failed the pre-send check, nothing was sent: {}",
            problems.join("; ")
        );
    }
    if opts.dry_run {
        let confirmed = store
            .subscribers(Some(modelbrief_domain::SubscriberStatus::Confirmed))
            .await?
            .len() as i64;
        tracing::info!(edition = %label, bytes = sample.raw.len(), recipients = confirmed, subject = %message.subject, "dry run: the edition passed the pre-send check");
        return Ok(Summary {
            edition: label,
            created: false,
            recipients: confirmed,
            tally: Tally {
                pending: confirmed,
                ..Tally::default()
            },
            paused: None,
            dry_run: true,
        });
    }

    let content = serde_json::to_string(&edition)?;
    let (row, created) = store
        .create_edition(NewEdition {
            week: &label,
            now: clock.now(),
            window_from: window.from,
            window_to: window.to,
            subject: &message.subject,
            content: &content,
        })
        .await?;
    if !cfg.webhooks.is_empty() {
        // The team's own services hear of the edition as the mail goes out; a receiver that is
        // down is retried from the queue by later scheduler passes, never by failing the send.
        let now = clock.now();
        let pass = match crate::webhooks::enqueue(store, loaded, &edition, now).await {
            Ok(_) => crate::webhooks::deliver_due(store, loaded, now).await,
            Err(e) => Err(e),
        };
        if let Err(e) = pass {
            tracing::error!(edition = %label, error = %format!("{e:#}"), "webhooks not queued or sent");
        }
    }
    let before = store.delivery_counts(row.id).await?;
    if opts.resend_in_doubt && before.sending > 0 {
        let n = store.requeue_in_doubt(row.id, clock.now()).await?;
        tracing::warn!(edition = %label, requeued = n, "in-doubt deliveries requeued at the operator's request");
    }
    let recipients = before.total();
    let budget = ((recipients as f64 * cfg.delivery.error_budget_pct / 100.0).ceil() as i64)
        .min(cfg.delivery.error_budget_max)
        .max(1);
    let nz = |n: u32| NonZeroU32::new(n);
    let shared = Arc::new(Shared {
        store: store.clone(),
        edition_id: row.id,
        message,
        keys,
        base_url: cfg.web.base_url.clone(),
        clock,
        transport: opts.transport,
        policy: cfg.delivery.clone(),
        limiter: nz(cfg.delivery.per_second).map(|n| RateLimiter::direct(Quota::per_second(n))),
        hourly: nz(cfg.delivery.per_hour).map(|n| RateLimiter::direct(Quota::per_hour(n))),
        slow_until: AtomicU64::new(0),
        transient_streak: AtomicU32::new(0),
        stop: AtomicBool::new(false),
        external_stop: opts.stop.clone(),
        paused: std::sync::Mutex::new(None),
        budget,
        given_up: std::sync::atomic::AtomicI64::new(
            before.bounced
                + store
                    .final_failures(row.id, cfg.delivery.max_attempts)
                    .await?,
        ),
        handed: AtomicU64::new(0),
    });
    tracing::info!(edition = %label, created, recipients, in_doubt = before.sending, "sending");

    let started = Instant::now();
    let progress = Progress::new(opts.progress, recipients as u64);
    let deadline = started + cfg.delivery.retry_window;
    loop {
        let workers: Vec<_> = (0..cfg.delivery.connections.max(1))
            .map(|_| tokio::spawn(shared.clone().worker()))
            .collect();
        let ticker = progress.spawn(store.clone(), row.id);
        let mut first_error = None;
        for w in workers {
            if let Err(e) = w.await.context("send worker")? {
                first_error.get_or_insert(e);
            }
        }
        ticker.abort();
        if let Some(e) = first_error {
            return Err(e);
        }
        if shared.stopping() {
            break;
        }
        // Retries due within the window: wait for the earliest, then go again.
        match store.next_retry(row.id, cfg.delivery.max_attempts).await? {
            Some(t) if Instant::now() < deadline => {
                let wait = (t.datetime() - clock.now().datetime())
                    .to_std()
                    .unwrap_or_default();
                if Instant::now() + wait > deadline {
                    break;
                }
                tokio::time::sleep(wait).await;
            }
            _ => break,
        }
    }
    let after = store.delivery_counts(row.id).await?;
    progress.finish(&after);
    let paused = shared.paused.lock().expect("not poisoned").clone();
    // Failures with attempts left keep the edition `sending`: later runs (the daemon, `tick`,
    // `send --week`) retry them when due. Once every failure is final, the edition ends.
    let retries_left = after.failed > 0
        && store
            .next_retry(row.id, cfg.delivery.max_attempts)
            .await?
            .is_some();
    let status = if paused.is_some() {
        EditionStatus::Paused
    } else if after.pending == 0 && after.failed == 0 {
        EditionStatus::Sent
    } else if after.pending == 0 && !retries_left {
        EditionStatus::SentWithFailures
    } else {
        EditionStatus::Sending
    };
    store.set_edition_status(row.id, status).await?;
    let secs = started.elapsed().as_secs_f64();
    let handed = shared.handed.load(Ordering::Relaxed);
    tracing::info!(
        job = "send", edition = %label, sent = after.sent, failed = after.failed, bounced = after.bounced,
        in_doubt = after.sending, suppressed = after.suppressed, handed, seconds = secs,
        msgs_per_sec = if secs > 0.0 { handed as f64 / secs } else { 0.0 }, "send finished"
    );
    if let Some(p) = &paused {
        tracing::error!(edition = %label, reason = %p, "send paused; fix the cause and run `send` again");
    }
    Ok(Summary {
        edition: label,
        created,
        recipients,
        tally: after.into(),
        paused,
        dry_run: false,
    })
}

/// A progress bar on a terminal, periodic log lines otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(terminal: bool, total: u64) -> Self {
        let bar = terminal.then(|| {
            let b = indicatif::ProgressBar::new(total);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {wide_bar} {pos}/{len} {per_sec} eta {eta} {msg}",
                )
                .expect("valid template"),
            );
            b
        });
        Self { bar }
    }

    fn spawn(&self, store: Store, edition_id: i64) -> tokio::task::JoinHandle<()> {
        let bar = self.bar.clone();
        tokio::spawn(async move {
            let period = if bar.is_some() {
                Duration::from_millis(200)
            } else {
                Duration::from_secs(5)
            };
            loop {
                tokio::time::sleep(period).await;
                let Ok(c) = store.delivery_counts(edition_id).await else {
                    continue;
                };
                let done = (c.sent + c.bounced + c.suppressed) as u64;
                match &bar {
                    Some(b) => {
                        b.set_position(done);
                        b.set_message(format!("failed {} bounced {}", c.failed, c.bounced));
                    }
                    None => tracing::info!(
                        sent = c.sent,
                        failed = c.failed,
                        bounced = c.bounced,
                        pending = c.pending,
                        "send progress"
                    ),
                }
            }
        })
    }

    fn finish(&self, c: &Counts) {
        if let Some(b) = &self.bar {
            b.set_position((c.sent + c.bounced + c.suppressed) as u64);
            b.finish_and_clear();
        }
    }
}
