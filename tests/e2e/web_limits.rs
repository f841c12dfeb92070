//! The web server under hostile clients, through the real binary on loopback: half-sent
//! requests held open, from one address and from many, under a lowered open-files limit (what
//! a systemd unit without `LimitNOFILE` gives), must not lock anyone else out.

use crate::common::App;
use crate::server::{Served, free_port};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const SECRET: &str = "limits-test-secret-limits-test-secret-0123";

fn serve(web: &str, open_files: u64) -> (App, Served) {
    let app = App::new(&[]);
    let port = free_port();
    app.append_config(&format!(
        "[web]\nlisten = \"127.0.0.1:{port}\"\nbase_url = \"http://127.0.0.1:{port}\"\n{web}\n"
    ));
    let env = vec![("MODELBRIEF__TOKENS__SECRET".to_owned(), SECRET.to_owned())];
    let served = Served::start_with_open_files(&app.config(), None, &env, Some(open_files));
    (app, served)
}

fn addr(served: &Served) -> SocketAddr {
    served
        .base
        .strip_prefix("http://")
        .unwrap()
        .parse()
        .unwrap()
}

/// A connection from `from` (any 127.x address is loopback) that sends half a request and stalls.
async fn half_request(from: &str, to: SocketAddr) -> Option<TcpStream> {
    let socket = TcpSocket::new_v4().ok()?;
    socket.bind(format!("{from}:0").parse().unwrap()).ok()?;
    let mut stream = tokio::time::timeout(Duration::from_secs(2), socket.connect(to))
        .await
        .ok()?
        .ok()?;
    stream
        .write_all(b"POST /subscribe HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n")
        .await
        .ok()?;
    Some(stream)
}

async fn healthz_ok(base: &str) -> usize {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let mut ok = 0;
    for _ in 0..5 {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status() == 200
        {
            ok += 1;
        }
    }
    ok
}

/// Whether the server closed `stream` (EOF or reset) within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 512];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue, // a 408 or similar before the close
        }
    }
}

#[tokio::test]
async fn six_hundred_half_open_connections_from_one_client_leave_the_site_up_for_everyone_else() {
    // 256 open files: without a cap the server would run out of descriptors near 250.
    let (app, served) = serve("header_timeout = \"30s\"", 256);
    let to = addr(&served);
    let mut held = Vec::new();
    for _ in 0..600 {
        if let Some(s) = half_request("127.0.0.2", to).await {
            held.push(s);
        }
    }
    assert_eq!(
        healthz_ok(&served.base).await,
        5,
        "others are served while one client holds 600 half-open connections"
    );
    // The client got its share (32 by default) and the rest were closed at once.
    let mut open = 0;
    for s in &mut held {
        if !closed_within(s, Duration::from_millis(20)).await {
            open += 1;
        }
    }
    assert!(open <= 32, "{open} connections stayed open for one client");
    drop(held);
    let log = std::fs::read_to_string(app.config().with_file_name("serve.log")).unwrap();
    assert!(
        !log.contains("Too many open files"),
        "the server never ran out of descriptors:\n{log}"
    );
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_is_disconnected_after_the_header_timeout() {
    let (_app, served) = serve(
        "header_timeout = \"1s\"\nmax_connections = 40\nmax_connections_per_ip = 40",
        256,
    );
    let to = addr(&served);
    // Many clients together fill the whole server ...
    let mut held = Vec::new();
    for i in 0..60 {
        if let Some(s) = half_request(&format!("127.0.1.{}", 1 + i % 20), to).await {
            held.push(s);
        }
    }
    // ... for no longer than the header timeout: each stalled connection is closed.
    let started = Instant::now();
    for s in &mut held {
        assert!(
            closed_within(s, Duration::from_secs(5)).await,
            "a stalled connection is closed"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(held);
    assert_eq!(healthz_ok(&served.base).await, 5, "and the site is back");
}
