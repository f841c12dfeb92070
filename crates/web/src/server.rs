//! The accept loop: hyper-util's HTTP/1 + HTTP/2 server with the limits one client must not be
//! able to lift for everyone else.
//!
//! - a connection that has not sent a whole request head within `header_timeout` is closed
//!   (hyper's header-read timer; it also runs while a kept-alive connection waits);
//! - a request body must arrive within `body_timeout`, and the whole request must be answered
//!   within `request_timeout` (tower-http layers, see [`crate::router`]);
//! - at most `max_connections` are open at once, never more than the process's open-files limit
//!   allows (less a reserve for the database and SMTP), and one client IP holds at most
//!   `max_connections_per_ip` of them (a trusted proxy, which carries many clients, only the
//!   global cap). A connection over either cap is closed at once, so the server never runs out
//!   of file descriptors and the others keep being served.
//!
//! Shutdown stops accepting, lets requests in flight finish, then returns.

use crate::AppState;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Connection and time limits of the server (`[web]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 512,
            max_connections_per_ip: 32,
        }
    }
}

/// File descriptors kept free for the database, SMTP sessions and logs.
const FD_RESERVE: u64 = 64;

/// `max_connections`, lowered to what the open-files limit allows.
pub fn effective_max_connections(configured: usize) -> usize {
    let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(u64::MAX);
    let room = soft.saturating_sub(FD_RESERVE).max(8);
    configured
        .min(usize::try_from(room).unwrap_or(usize::MAX))
        .max(1)
}

/// Open connections per client IP (IPv6 counted per /64, which one client usually holds).
#[derive(Default)]
struct PerIp {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// Releases a client's slot when its connection ends.
struct IpSlot {
    table: Arc<PerIp>,
    ip: IpAddr,
}

impl PerIp {
    fn take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<IpSlot> {
        let ip = crate::client::limiter_key(ip);
        let mut open = self.open.lock().expect("not poisoned");
        let n = open.entry(ip).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            table: self.clone(),
            ip,
        })
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().expect("not poisoned");
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Serves `state` on `listener` until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    limits: ServerLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = crate::router_with(state.clone(), &limits);
    let max = effective_max_connections(limits.max_connections);
    if max < limits.max_connections {
        tracing::warn!(
            configured = limits.max_connections,
            effective = max,
            "[web] max_connections lowered to fit the open-files limit (raise LimitNOFILE / ulimit -n)"
        );
    }
    let slots = Arc::new(Semaphore::new(max));
    let per_ip = Arc::new(PerIp::default());
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.header_timeout))
        .keep_alive_timeout(limits.header_timeout);
    let builder = Arc::new(builder);
    let sweeper = tokio::spawn(crate::client::sweep_limiters(state.clone()));
    tokio::pin!(shutdown);
    let mut refused: u64 = 0;
    loop {
        let (stream, addr) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning; the caps above keep
                    // this rare.
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            refused += 1;
            if refused.is_power_of_two() {
                tracing::warn!(client = %addr.ip(), refused, max_connections = max, "connection refused: server at its connection cap");
            }
            continue;
        };
        // A trusted reverse proxy carries many clients over its connections: it gets the
        // global cap only.
        let share = if state
            .settings
            .trusted_proxies
            .iter()
            .any(|n| n.contains(&addr.ip()))
        {
            usize::MAX
        } else {
            limits.max_connections_per_ip
        };
        let Some(slot) = per_ip.take(addr.ip(), share) else {
            refused += 1;
            if refused.is_power_of_two() {
                tracing::warn!(client = %addr.ip(), refused, per_ip = limits.max_connections_per_ip, "connection refused: client at its connection share");
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(addr));
                app.clone().oneshot(req)
            });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(client = %addr.ip(), error = %e, "connection ended with an error");
            }
            drop(slot);
            drop(permit);
        });
    }
    sweeper.abort();
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_holds_at_most_its_share_and_gets_it_back_when_connections_close() {
        let table = Arc::new(PerIp::default());
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let held: Vec<_> = (0..3).map(|_| table.take(ip, 3).expect("a slot")).collect();
        assert!(
            table.take(ip, 3).is_none(),
            "a fourth connection is refused"
        );
        assert!(
            table.take("192.0.2.8".parse().unwrap(), 3).is_some(),
            "others are not"
        );
        drop(held);
        assert!(table.take(ip, 3).is_some());
        assert!(
            table.open.lock().unwrap().len() <= 1,
            "closed clients leave no entry"
        );
    }

    #[test]
    fn the_connection_cap_never_exceeds_the_open_files_limit() {
        let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .unwrap_or(u64::MAX);
        let cap = effective_max_connections(usize::MAX) as u64;
        assert!(cap + FD_RESERVE <= soft.max(FD_RESERVE + 8));
        assert_eq!(effective_max_connections(3), 3);
    }
}
