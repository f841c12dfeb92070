//! `modelbrief`: the command-line entry point. Parses the CLI, loads the configuration,
//! wires the crates together and maps outcomes to exit codes (0 ok, 1 needs attention,
//! 2 usage or configuration error).

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use modelbrief_app::clock::Clock;
use modelbrief_app::config::ConfigError;
use modelbrief_app::{
    brief, compare, config, daemon, demo, history, ingest, lock, models, send, serve, status,
    subscribers, verify,
};
use modelbrief_domain::{IsoWeek, Timestamp};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "modelbrief",
    version,
    about = "The AI models change fast. We track them for you."
)]
struct Cli {
    /// Configuration file.
    #[arg(
        long,
        global = true,
        env = "MODELBRIEF_CONFIG",
        default_value = "config/modelbrief.toml"
    )]
    config: PathBuf,
    /// Pretend it is this instant (RFC 3339), to replay recorded weeks.
    #[arg(long, global = true, env = "MODELBRIEF_NOW", value_parser = parse_now)]
    now: Option<Timestamp>,
    #[command(subcommand)]
    command: Command,
}

fn parse_now(s: &str) -> Result<Timestamp, String> {
    Timestamp::parse(s).map_err(|e| e.to_string())
}

#[derive(Subcommand)]
enum Command {
    /// Pull each configured source once and store a snapshot per source.
    Ingest {
        /// Only these sources (repeatable).
        #[arg(long = "source", value_name = "NAME")]
        sources: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Accept a mass price change that quarantine would hold back (after checking it).
        #[arg(long)]
        accept_mass_change: bool,
        /// Accept this source's next pull whatever it lost or moved against the last healthy
        /// one (after checking it upstream); later pulls are judged against it (repeatable).
        #[arg(long = "accept", value_name = "SOURCE")]
        accept: Vec<String>,
    },
    /// Compute the edition for a week and print or write it; sends nothing.
    Brief {
        /// The ISO week (e.g. 2026-W28); default: the window ending at --now.
        #[arg(long, value_parser = parse_week)]
        week: Option<IsoWeek>,
        #[arg(long, value_enum, default_value_t = BriefFormat::Text)]
        format: BriefFormat,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Create the week's edition (once) and deliver it to every confirmed subscriber.
    Send {
        /// The ISO week (e.g. 2026-W28); default: the week ending at --now.
        #[arg(long, value_parser = parse_week)]
        week: Option<IsoWeek>,
        /// Check and count, send nothing, create nothing.
        #[arg(long)]
        dry_run: bool,
        /// Send again the deliveries left in doubt by a crash (they may arrive twice).
        #[arg(long)]
        resend_in_doubt: bool,
        /// Write `.eml` files to this folder instead of using SMTP.
        #[arg(long, value_name = "DIR")]
        outbox: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Head-to-head of two models from the latest snapshots.
    Compare {
        a: String,
        b: String,
        #[arg(long, value_enum, default_value_t = BriefFormat::Text)]
        format: BriefFormat,
    },
    /// One model's record over every stored pull: each listing's prices, context and scores as
    /// dated periods; with --at, as they stood at that date.
    History {
        model: String,
        /// A date (the end of that day, UTC) or an RFC 3339 time.
        #[arg(long, value_name = "DATE")]
        at: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Check a sent edition against the stored snapshots: every row still hashes to its stored
    /// hash, and the edition re-derived from them equals the frozen one.
    Verify {
        /// The ISO week of the edition, e.g. 2026-W28.
        week: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// How sources' names resolve to models: see and fix identity.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
    /// Run the whole pipeline on bundled recorded weeks: no network, mail server or config.
    Demo {
        /// Where to write the database, the brief and the outbox.
        #[arg(long, default_value = "modelbrief-demo")]
        dir: PathBuf,
        /// Open the brief in a browser when one is available.
        #[arg(long)]
        open: bool,
    },
    /// Run the scheduler (ingest, weekly send) and the HTTP server until SIGTERM/SIGINT.
    Daemon,
    /// Do whatever is due now, then exit (for cron or a systemd timer; safe every minute).
    Tick,
    /// Sources, subscribers, editions and what needs attention; exit 1 when something does.
    Status {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Serve the subscribe / confirm / unsubscribe pages on `[web] listen`.
    Serve,
    /// Manage subscribers.
    Subscribers {
        #[command(subcommand)]
        command: SubscribersCommand,
    },
    /// Configuration commands.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Bounces and complaints reported after the send.
    Feedback {
        #[command(subcommand)]
        command: FeedbackCommand,
    },
}

#[derive(Subcommand)]
enum FeedbackCommand {
    /// Read delivery-status (RFC 3464) and abuse (RFC 5965) reports from a maildir; hard
    /// bounces and complaints suppress their subscriber. Exit 1 when a message was unreadable.
    Read {
        #[arg(long, value_name = "DIR")]
        maildir: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum ModelsCommand {
    /// Every source row, spelling and alias behind a model (any name, id, alias or key).
    Show {
        model: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Keys seen in one source only, with their closest keys in the other sources.
    Unlinked {
        /// Only keys of this source.
        #[arg(long, value_name = "NAME")]
        source: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum SubscribersCommand {
    /// Add an address as an operator import (pending + confirmation mail, or --confirmed).
    Add {
        email: String,
        /// The person already consented elsewhere: no confirmation mail.
        #[arg(long)]
        confirmed: bool,
    },
    /// Import a CSV with an `email` column (no mail is sent).
    Import {
        file: PathBuf,
        #[arg(long)]
        confirmed: bool,
    },
    /// Export every subscriber with the consent history.
    Export {
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
    },
    /// List subscribers.
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Erase an address for good (keeps only a hash so it is never re-added).
    Remove { email: String },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExportFormat {
    Csv,
    Json,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate the configuration file; exit 0 when it is usable, 2 when not.
    Check,
}

fn parse_week(s: &str) -> Result<IsoWeek, String> {
    IsoWeek::parse(s).map_err(|e| e.to_string())
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BriefFormat {
    Json,
    Html,
    Text,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// `[logging] format` (or `MODELBRIEF__LOGGING__FORMAT`), read before the full configuration so
/// that configuration errors are logged in the chosen format too.
fn logging_format(config: &std::path::Path) -> String {
    if let Ok(v) = std::env::var("MODELBRIEF__LOGGING__FORMAT") {
        return v.trim_matches('"').to_owned();
    }
    std::fs::read_to_string(config)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| t.get("logging")?.get("format")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| "auto".into())
}

fn init_logging(default: &str, format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let json = match format {
        "json" => true,
        "text" => false,
        _ => !std::io::stderr().is_terminal(),
    };
    if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The demo prints its own summary; its logs would only clutter a first look.
    let default = if matches!(cli.command, Command::Demo { .. }) {
        "warn"
    } else {
        "info,sqlx=warn"
    };
    init_logging(default, &logging_format(&cli.config));
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<ConfigError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let clock = cli.now.map_or(Clock::System, Clock::replayed);
    let env: Vec<(String, String)> = std::env::vars().collect();
    if let Command::Demo { dir, open } = &cli.command {
        let out = demo::run(dir, *open).await?;
        let shown = out.dir.display();
        println!("modelbrief demo: three recorded weeks replayed through the real pipeline.\n");
        println!("This week (2026-W28): {}", out.headline);
        for l in &out.lines {
            println!("  - {l}");
        }
        println!("\nFiles:");
        println!("  {shown}/brief.html     the brief as subscribers see it (open it in a browser)");
        println!("  {shown}/brief.txt      the plain-text part");
        println!(
            "  {shown}/outbox/        {} delivered .eml files, one per demo subscriber",
            out.eml
        );
        println!(
            "  {shown}/modelbrief.db  the SQLite database;  {shown}/modelbrief.toml  its config"
        );
        println!("\nTry next:");
        println!(
            "  modelbrief --config {shown}/modelbrief.toml compare claude-sonnet-5 claude-opus-4-8"
        );
        println!("  modelbrief --config {shown}/modelbrief.toml brief --week 2026-W27");
        println!(
            "  MODELBRIEF__TOKENS__SECRET=$(openssl rand -hex 32) modelbrief --config {shown}/modelbrief.toml serve   # then open http://127.0.0.1:8080/archive"
        );
        println!(
            "  modelbrief ingest    # the live sources in config/modelbrief.toml (needs the network)"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let loaded = config::load(&cli.config, &env)?;
    match cli.command {
        Command::Config {
            command: ConfigCommand::Check,
        } => {
            println!(
                "{}: ok ({} sources enabled)",
                cli.config.display(),
                loaded.sources.len()
            );
            let mut ready = true;
            for (commands, needs) in config::readiness(&loaded) {
                match needs {
                    Ok(()) => println!("  {commands}: ready"),
                    Err(why) => {
                        ready = false;
                        println!("  {commands}: not ready: {why}");
                    }
                }
            }
            // 1: the file is valid, but some commands will refuse to run as things stand.
            Ok(if ready {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Send {
            week,
            dry_run,
            resend_in_doubt,
            outbox,
            format,
        } => {
            let store = ingest::open_store(&loaded).await.with_context(|| {
                format!("opening the database named in {}", cli.config.display())
            })?;
            let _lock = lock::exclusive(&loaded.config.database.path, "send")?;
            let transport = match outbox {
                Some(dir) => modelbrief_mailer::transport::Transport::Outbox(dir),
                None => modelbrief_mailer::transport::Transport::Smtp(
                    loaded.config.smtp.settings(&loaded.secrets),
                ),
            };
            let summary = send::run(
                &store,
                &loaded,
                clock,
                send::Options {
                    week,
                    dry_run,
                    resend_in_doubt,
                    transport,
                    progress: std::io::stderr().is_terminal(),
                    stop: Some(stop_on_signal()),
                },
            )
            .await?;
            store.close().await;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
                Format::Text => println!("{}", summary.line()),
            }
            Ok(if summary.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Compare { a, b, format } => {
            let store = ingest::open_store(&loaded).await.with_context(|| {
                format!("opening the database named in {}", cli.config.display())
            })?;
            let card = compare::run(&store, &loaded, &a, &b).await?;
            store.close().await;
            match format {
                BriefFormat::Json => println!("{}", serde_json::to_string_pretty(&card)?),
                BriefFormat::Text => print!("{}", compare::text(&card)),
                BriefFormat::Html => {
                    let renderer =
                        modelbrief_mailer::Renderer::new(loaded.config.brief.templates.as_deref())?;
                    print!("{}", compare::html(&card, &renderer)?);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::History { model, at, format } => {
            let at = at.as_deref().map(history::parse_at).transpose()?;
            let store = ingest::open_store(&loaded).await.with_context(|| {
                format!("opening the database named in {}", cli.config.display())
            })?;
            let h = history::history(&store, &loaded, &model, at).await;
            store.close().await;
            let h = h?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&h)?),
                Format::Text => print!("{}", history::history_text(&h)),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { week, format } => {
            let week = IsoWeek::parse(&week).map_err(|e| ConfigError(format!("{e}")))?;
            let store = ingest::open_store(&loaded).await.with_context(|| {
                format!("opening the database named in {}", cli.config.display())
            })?;
            let v = verify::verify(&store, &loaded, week).await;
            store.close().await;
            let v = v?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&v)?),
                Format::Text => print!("{}", verify::verify_text(&v)),
            }
            Ok(if v.matches {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Models { command } => {
            let store = ingest::open_store(&loaded).await.with_context(|| {
                format!("opening the database named in {}", cli.config.display())
            })?;
            let out = match command {
                ModelsCommand::Show { model, format } => {
                    let shown = models::show(&store, &loaded, &model).await;
                    store.close().await;
                    let shown = shown?;
                    match format {
                        Format::Json => serde_json::to_string_pretty(&shown)? + "\n",
                        Format::Text => models::show_text(&shown),
                    }
                }
                ModelsCommand::Unlinked { source, format } => {
                    let u = models::unlinked(&store, &loaded, source.as_deref()).await;
                    store.close().await;
                    let u = u?;
                    match format {
                        Format::Json => serde_json::to_string_pretty(&u)? + "\n",
                        Format::Text => models::unlinked_text(&u),
                    }
                }
            };
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { .. } => unreachable!("handled before the configuration is loaded"),
        Command::Daemon => {
            daemon::daemon(&loaded, clock).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Tick => {
            let pass = daemon::tick(&loaded, clock).await?;
            let failed = pass.unhealthy > 0
                || pass.held.is_some()
                || pass.sent.as_ref().is_some_and(|s| !s.ok());
            println!(
                "tick: {} source(s) pulled ({} unusable){}{}",
                pass.ingested,
                pass.unhealthy,
                pass.sent
                    .as_ref()
                    .map_or_else(String::new, |s| format!("; {}", s.line())),
                pass.held
                    .as_ref()
                    .map_or_else(String::new, |h| format!("; {h}"))
            );
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Status { format } => {
            let store = ingest::open_store(&loaded).await.with_context(|| {
                format!("opening the database named in {}", cli.config.display())
            })?;
            let report = status::report(&store, &loaded, clock).await?;
            store.close().await;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
                Format::Text => print!("{}", status::text(&report)),
            }
            Ok(if report.attention.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Feedback {
            command: FeedbackCommand::Read { maildir, format },
        } => {
            let store = ingest::open_store(&loaded).await.with_context(|| {
                format!("opening the database named in {}", cli.config.display())
            })?;
            let report = modelbrief_app::feedback::read_maildir(&store, &maildir, clock).await;
            store.close().await;
            let report = report?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
                Format::Text => print!("{}", modelbrief_app::feedback::text(&report)),
            }
            Ok(if report.unreadable.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Serve => {
            serve::run(&loaded, clock).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Subscribers { command } => {
            let store = ingest::open_store(&loaded).await.with_context(|| {
                format!("opening the database named in {}", cli.config.display())
            })?;
            let out = match command {
                SubscribersCommand::Add { email, confirmed } => {
                    subscribers::add(&store, &loaded, clock, &email, confirmed).await
                }
                SubscribersCommand::Import { file, confirmed } => {
                    subscribers::import(&store, &loaded, clock, &file, confirmed).await
                }
                SubscribersCommand::Export { format } => {
                    subscribers::export(&store, format == ExportFormat::Json).await
                }
                SubscribersCommand::List { status, format } => {
                    subscribers::list(&store, status.as_deref(), format == Format::Json).await
                }
                SubscribersCommand::Remove { email } => {
                    subscribers::remove(&store, clock, &email).await
                }
            };
            store.close().await;
            println!("{}", out?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Brief { week, format, out } => {
            let store = ingest::open_store(&loaded).await.with_context(|| {
                format!("opening the database named in {}", cli.config.display())
            })?;
            let started = std::time::Instant::now();
            let (label, window) = brief::window(week, clock.anchor(), &loaded);
            let edition = brief::compute(&store, &loaded, &label, window).await?;
            store.close().await;
            let computed_ms = started.elapsed().as_millis() as u64;
            let rendered = match format {
                BriefFormat::Json => serde_json::to_string_pretty(&edition)? + "\n",
                BriefFormat::Html | BriefFormat::Text => {
                    let renderer =
                        modelbrief_mailer::Renderer::new(loaded.config.brief.templates.as_deref())
                            .map_err(|e| ConfigError(format!("{:#}", anyhow::Error::from(e))))?;
                    if format == BriefFormat::Html {
                        renderer.html(&modelbrief_mailer::BriefView::standalone(&edition)?)?
                    } else {
                        renderer.text(&modelbrief_mailer::BriefView::new(&edition))?
                    }
                }
            };
            tracing::info!(job = "brief", edition = %label, computed_ms, total_ms = started.elapsed().as_millis() as u64, bytes = rendered.len(), headline = %edition.headline(), "brief computed");
            match out {
                Some(path) => std::fs::write(&path, &rendered)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{rendered}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest {
            sources,
            format,
            accept_mass_change,
            accept,
        } => {
            for name in &accept {
                if !loaded.sources.iter().any(|s| s.name.as_str() == name) {
                    let known: Vec<_> = loaded.sources.iter().map(|s| s.name.as_str()).collect();
                    return Err(ConfigError(format!(
                        "--accept {name}: no enabled source of that name in {} (known: {})",
                        cli.config.display(),
                        known.join(", ")
                    ))
                    .into());
                }
            }
            let selected: Vec<_> = if sources.is_empty() {
                loaded.sources.iter().collect()
            } else {
                let mut out = Vec::new();
                for name in &sources {
                    let s = loaded
                        .sources
                        .iter()
                        .find(|s| s.name.as_str() == name)
                        .ok_or_else(|| {
                            let known: Vec<_> =
                                loaded.sources.iter().map(|s| s.name.as_str()).collect();
                            ConfigError(format!(
                                "--source {name}: no enabled source of that name in {} (known: {})",
                                cli.config.display(),
                                known.join(", ")
                            ))
                        })?;
                    out.push(s);
                }
                out
            };
            let store = ingest::open_store(&loaded).await.with_context(|| {
                format!("opening the database named in {}", cli.config.display())
            })?;
            let fetcher = modelbrief_ingester::Fetcher::new(loaded.config.fetch.clone())?;
            let job = ingest::Ingest {
                store: &store,
                fetcher: &fetcher,
                config: &loaded,
                policy: loaded.config.quarantine.clone(),
                now: clock.anchor(),
                accept_mass_change,
                accept,
            };
            let started = std::time::Instant::now();
            let reports = job.run(&selected).await?;
            store.close().await;
            let bad = reports.iter().filter(|r| !r.status.is_healthy()).count();
            tracing::info!(
                job = "ingest",
                sources = reports.len(),
                unhealthy = bad,
                duration_ms = started.elapsed().as_millis() as u64,
                "ingest finished"
            );
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&reports)?),
                Format::Text => {
                    for r in &reports {
                        let rows = r
                            .rows
                            .map_or_else(|| "-".to_owned(), |n| format!("{n} rows"));
                        match &r.error {
                            Some(e) => println!(
                                "{:<16} {:<12} {:<11} {e}",
                                r.source,
                                r.status.as_str(),
                                rows
                            ),
                            None => println!("{:<16} {:<12} {rows}", r.source, r.status.as_str()),
                        }
                    }
                }
            }
            Ok(if bad == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// A flag set by SIGTERM/SIGINT: a send stops claiming, finishes the messages already handed
/// over, records them and exits (a second signal is left to the default, which kills).
fn stop_on_signal() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let set = flag.clone();
    tokio::spawn(async move {
        modelbrief_app::serve::shutdown_signal().await;
        tracing::warn!("stop requested: finishing the messages in flight, then exiting");
        set.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    flag
}
