//! `modelbrief serve`: the subscriber HTTP server, until SIGTERM/SIGINT.

use crate::clock::Clock;
use crate::config::{ConfigError, Loaded};
use anyhow::Context;
use modelbrief_store::Store;
use modelbrief_web::{AppState, Mailing, WebSettings};
use std::sync::Arc;

/// Builds the web state from the configuration (shared with the daemon).
pub fn state(store: Store, loaded: &Loaded, clock: Clock) -> anyhow::Result<AppState> {
    let cfg = &loaded.config;
    let keys = cfg.tokens.keys(&loaded.secrets)?;
    let renderer = modelbrief_mailer::Renderer::new(cfg.brief.templates.as_deref())
        .map_err(|e| ConfigError(format!("{:#}", anyhow::Error::from(e))))?;
    let from = modelbrief_mailer::messages::mailbox(&cfg.mail.from)
        .map_err(|e| ConfigError(format!("[mail] from: {e}")))?;
    let settings = WebSettings {
        base_url: cfg.web.base_url.clone(),
        record_ip: cfg.web.record_ip,
        trusted_proxies: cfg.web.trusted_proxies.iter().map(|p| p.0).collect(),
        consent_text: cfg.consent.text.clone(),
        consent_version: cfg.consent.version.clone(),
        subscribe_per_ip_per_minute: cfg.web.subscribe_per_ip_per_minute,
        confirmations_per_address_per_hour: cfg.web.confirmations_per_address_per_hour,
        confirm_ttl_days: (cfg.tokens.confirm_ttl.as_secs() / 86400).max(1) as i64,
    };
    let mailing = Mailing {
        smtp: cfg.smtp.settings(&loaded.secrets),
        from,
        postal_address: cfg.mail.postal_address.clone(),
    };
    let feedback = cfg.feedback.settings(&loaded.secrets)?;
    Ok(AppState::new(
        store,
        keys,
        Arc::new(renderer),
        mailing,
        settings,
        Arc::new(move || clock.now()),
    )
    .with_feedback(feedback))
}

/// Resolves when SIGTERM or SIGINT arrives.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Binds `[web] listen` and says where, for `serve` and `daemon` alike.
pub async fn bind(loaded: &Loaded) -> anyhow::Result<tokio::net::TcpListener> {
    let listener = tokio::net::TcpListener::bind(&loaded.config.web.listen)
        .await
        .map_err(|e| {
            ConfigError(format!(
                "[web] listen = {:?}: cannot listen: {e}",
                loaded.config.web.listen
            ))
        })?;
    let addr = listener.local_addr()?;
    tracing::info!(listen = %addr, base_url = %loaded.config.web.base_url, "serving");
    // Tests and scripts read the bound address (port 0 picks a free one) from this line.
    println!("listening on http://{addr}");
    Ok(listener)
}

/// Serves the site on `listener` and works the confirmation outbox beside it, until `stop`
/// resolves (for `serve` and `daemon` alike).
pub async fn web(
    state: AppState,
    limits: modelbrief_web::ServerLimits,
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut outbox_rx = rx.clone();
    let outbox = tokio::spawn(modelbrief_web::work_outbox(state.clone(), async move {
        let _ = outbox_rx.wait_for(|s| *s).await;
    }));
    let served = modelbrief_web::serve(listener, state, limits, async move {
        stop.await;
        let _ = tx.send(true);
    })
    .await;
    let _ = outbox.await;
    served
}

pub async fn run(loaded: &Loaded, clock: Clock) -> anyhow::Result<()> {
    let store = crate::ingest::open_store(loaded)
        .await
        .context("opening the database")?;
    let state = state(store.clone(), loaded, clock)?;
    let listener = bind(loaded).await?;
    web(
        state,
        loaded.config.web.limits(),
        listener,
        shutdown_signal(),
    )
    .await
    .context("HTTP server")?;
    store.close().await;
    tracing::info!("server stopped");
    Ok(())
}
