//! `modelbrief demo`: the whole pipeline on bundled recorded weeks, with no network, no mail
//! server and no configuration.
//!
//! Only the data source (the embedded files, written out and read through `file:` URLs) and the
//! transport (an outbox of `.eml` files) differ from production: ingest, differ, rendering and
//! delivery are the same code.

use crate::clock::Clock;
use crate::config;
use anyhow::Context;
use flate2::read::GzDecoder;
use modelbrief_domain::{ConsentMethod, IsoWeek, SubscriberEmail, Timestamp};
use modelbrief_store::{ConsentRecord, Store};
use std::io::Read;
use std::path::{Path, PathBuf};

/// One recorded week: (date, openrouter, litellm, livebench), gzipped.
type Week = (&'static str, &'static [u8], &'static [u8], &'static [u8]);

/// The recorded weeks, oldest first.
const WEEKS: &[Week] = &[
    (
        "2026-06-22",
        include_bytes!("../../../demo/openrouter-2026-06-22.json.gz"),
        include_bytes!("../../../demo/litellm-2026-06-22.json.gz"),
        include_bytes!("../../../demo/livebench-2026-06-22.csv.gz"),
    ),
    (
        "2026-06-29",
        include_bytes!("../../../demo/openrouter-2026-06-29.json.gz"),
        include_bytes!("../../../demo/litellm-2026-06-29.json.gz"),
        include_bytes!("../../../demo/livebench-2026-06-29.csv.gz"),
    ),
    (
        "2026-07-06",
        include_bytes!("../../../demo/openrouter-2026-07-06.json.gz"),
        include_bytes!("../../../demo/litellm-2026-07-06.json.gz"),
        include_bytes!("../../../demo/livebench-2026-07-06.csv.gz"),
    ),
];
const CATEGORIES: &[u8] = include_bytes!("../../../demo/livebench-categories.json.gz");

/// A public key for demo links only; every other command refuses it.
pub const DEMO_SECRET: &str = modelbrief_mailer::token::DEMO_KEY;

const SUBSCRIBERS: &[&str] = &["ada@example.com", "grace@example.com", "alan@example.com"];

fn gunzip(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .context("decompressing the bundled data")?;
    Ok(out)
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

const CONFIG: &str = r#"# Written by `modelbrief demo`: the bundled recorded weeks, read from files.
# Try: modelbrief --config modelbrief-demo/modelbrief.toml brief --format text

[database]
path = "modelbrief-demo/modelbrief.db"

[[sources]]
name = "openrouter"
kind = "openrouter"
url = "file:sources/openrouter.json"

[[sources]]
name = "litellm"
kind = "litellm"
url = "file:sources/litellm.json"

[[sources]]
name = "livebench"
kind = "livebench"
url = "file:sources/livebench.csv"
categories_url = "file:sources/livebench-categories.json"

[mail]
from = "modelbrief demo <brief@demo.example>"
postal_address = "modelbrief demo, 1 Example Street, Example City"

[web]
listen = "127.0.0.1:8080"
base_url = "http://127.0.0.1:8080"
"#;

pub struct Outcome {
    pub dir: PathBuf,
    pub headline: String,
    pub lines: Vec<String>,
    pub eml: usize,
}

pub async fn run(dir: &Path, open_browser: bool) -> anyhow::Result<Outcome> {
    std::fs::create_dir_all(dir.join("sources"))
        .with_context(|| format!("creating {}", dir.display()))?;
    // Absolute, so the written config finds its database from any working directory.
    let dir = &std::path::absolute(dir).with_context(|| format!("resolving {}", dir.display()))?;
    let db = dir.join("modelbrief.db");
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    let outbox = dir.join("outbox");
    let _ = std::fs::remove_dir_all(&outbox);
    let config_path = dir.join("modelbrief.toml");
    let db_line = format!("path = {:?}", db.display().to_string());
    write(
        &config_path,
        CONFIG
            .replace("path = \"modelbrief-demo/modelbrief.db\"", &db_line)
            .as_bytes(),
    )?;
    let mut env: Vec<(String, String)> =
        vec![("MODELBRIEF__TOKENS__SECRET".into(), DEMO_SECRET.into())];
    env.extend(std::env::vars().filter(|(k, _)| !k.starts_with("MODELBRIEF__")));
    let mut loaded = config::load(&config_path, &env)?;
    loaded.secrets.demo = true;
    let store = Store::open(&db).await?;
    write(
        &dir.join("sources/livebench-categories.json"),
        &gunzip(CATEGORIES)?,
    )?;

    let fetcher = modelbrief_ingester::Fetcher::new(loaded.config.fetch.clone())?;
    for (date, openrouter, litellm, livebench) in WEEKS {
        write(&dir.join("sources/openrouter.json"), &gunzip(openrouter)?)?;
        write(&dir.join("sources/litellm.json"), &gunzip(litellm)?)?;
        write(&dir.join("sources/livebench.csv"), &gunzip(livebench)?)?;
        let at = Timestamp::parse(&format!("{date}T20:00:00Z"))?;
        let job = crate::ingest::Ingest {
            store: &store,
            fetcher: &fetcher,
            config: &loaded,
            policy: loaded.config.quarantine.clone(),
            now: at,
            accept_mass_change: false,
            accept: Vec::new(),
        };
        let sources: Vec<_> = loaded.sources.iter().collect();
        for r in job.run(&sources).await? {
            anyhow::ensure!(
                r.status.is_healthy(),
                "demo ingest of {date} {}: {:?}",
                r.source,
                r.error
            );
            tracing::info!(week = date, source = %r.source, status = r.status.as_str(), rows = r.rows, "demo week ingested");
        }
    }

    // The Monday after the last recorded week (W28, which holds the 07-06 pull) has ended: an
    // edition is made only for a week that is over.
    let send_time = Timestamp::parse("2026-07-13T06:00:00Z")?;
    let clock = Clock::replayed(send_time);
    for email in SUBSCRIBERS {
        let email = SubscriberEmail::parse(email)?;
        let consent = ConsentRecord {
            version: Some("demo".into()),
            text: Some("demo subscriber".into()),
            ip: None,
        };
        store
            .subscribe(
                &email,
                send_time,
                ConsentMethod::OperatorImport,
                &consent,
                true,
            )
            .await?;
    }

    // The brief of the latest week, written as files, then delivered to the outbox.
    let week = IsoWeek::last_complete(send_time);
    let (label, window) = crate::brief::window(Some(week), send_time, &loaded);
    let edition = crate::brief::compute(&store, &loaded, &label, window).await?;
    let renderer = modelbrief_mailer::Renderer::new(None)?;
    let view = modelbrief_mailer::BriefView::standalone(&edition)?;
    write(&dir.join("brief.html"), renderer.html(&view)?.as_bytes())?;
    write(&dir.join("brief.txt"), renderer.text(&view)?.as_bytes())?;
    write(
        &dir.join("brief.json"),
        serde_json::to_string_pretty(&edition)?.as_bytes(),
    )?;
    let summary = crate::send::run(
        &store,
        &loaded,
        clock,
        crate::send::Options {
            week: Some(week),
            dry_run: false,
            resend_in_doubt: false,
            transport: modelbrief_mailer::transport::Transport::Outbox(outbox.clone()),
            progress: false,
            stop: None,
        },
    )
    .await?;
    anyhow::ensure!(summary.ok(), "demo delivery: {}", summary.line());
    store.close().await;

    let mut lines = Vec::new();
    for m in edition.new_models.iter().filter(|m| m.notable).take(3) {
        let what = match m.kind {
            modelbrief_differ::NewModelKind::New => "new",
            modelbrief_differ::NewModelKind::GenerallyAvailable => "now generally available",
            modelbrief_differ::NewModelKind::FirstRanked => "first ranked",
        };
        lines.push(format!("{what}: {} ({})", m.name, m.model));
    }
    for p in edition.price_changes.iter().take(3) {
        lines.push(format!("price: {} {:+.1}% ({})", p.name, p.pct, p.source));
    }
    for r in edition.removed_models.iter().take(2) {
        lines.push(format!("removed: {} from {}", r.name, r.source));
    }
    for n in edition
        .notices
        .iter()
        .filter(|n| n.kind == modelbrief_differ::NoticeKind::AliasRepointed)
        .take(1)
    {
        lines.push(format!("note: {}", n.text));
    }
    if open_browser && let Err(e) = open::that(dir.join("brief.html")) {
        tracing::warn!(error = %e, "cannot open a browser");
    }
    let eml = std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0);
    Ok(Outcome {
        dir: dir.to_owned(),
        headline: edition.headline(),
        lines,
        eml,
    })
}
