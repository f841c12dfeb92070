//! Downloads cut short, both ways a connection can end early (closed with no Content-Length;
//! closed before the Content-Length it promised), for every text format: each pull is
//! `failed` with the reason, the earlier snapshot stays current, and no change is reported.
//!
//! The server here writes HTTP by hand over loopback, because a well-behaved HTTP library will
//! not send a body shorter than its own Content-Length.

use crate::common::{App, FixtureServer, Reply, Src, fixture, report};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the hand-written server sends: the body, how much of it, and whether it declares the
/// whole length first.
#[derive(Clone)]
struct Cut {
    body: Vec<u8>,
    keep: usize,
    declare_full_length: bool,
}

struct CutServer {
    port: u16,
    cut: Arc<Mutex<Cut>>,
}

impl CutServer {
    async fn start(body: Vec<u8>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(Mutex::new(Cut {
            keep: body.len(),
            body,
            declare_full_length: true,
        }));
        let shared = cut.clone();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let c = shared.lock().unwrap().clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match conn.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let length = if c.declare_full_length {
                        format!("Content-Length: {}\r\n", c.body.len())
                    } else {
                        String::new()
                    };
                    let head = format!("HTTP/1.1 200 OK\r\n{length}Connection: close\r\n\r\n");
                    let _ = conn.write_all(head.as_bytes()).await;
                    let _ = conn.write_all(&c.body[..c.keep]).await;
                    let _ = conn.shutdown().await;
                });
            }
        });
        Self { port, cut }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// From now on send `share` of the body, declaring the full length or not.
    fn cut_to(&self, share: f64, declare_full_length: bool) {
        let mut c = self.cut.lock().unwrap();
        c.keep = (c.body.len() as f64 * share) as usize;
        c.declare_full_length = declare_full_length;
    }
}

/// One source of `kind` served whole once, then cut to 80% both ways.
async fn cut_both_ways(kind: &str, file: &str, extra: String, why_without_length: &str) {
    let fixtures = FixtureServer::start().await;
    fixtures.set(
        "/categories.json",
        Reply::Body(fixture("livebench-categories/2026-01-19.json")),
    );
    let server = CutServer::start(fixture(file)).await;
    let mut src = Src::new("victim", kind, server.url("/data"));
    src.extra = extra.replace("{categories}", &fixtures.url("/categories.json"));
    let app = App::new(&[src]);
    let (code, reports) = app.ingest("2026-07-06T20:00:00Z").await;
    assert_eq!(code, 0, "the whole file is healthy: {reports:?}");
    let before = app.latest("victim").await;

    for (declare, why) in [
        (true, "Content-Length promised"),
        (false, why_without_length),
    ] {
        server.cut_to(0.8, declare);
        let (code, reports) = app.ingest("2026-07-07T02:00:00Z").await;
        assert_eq!(code, 1, "{reports:?}");
        let victim = report(&reports, "victim");
        assert_eq!(
            victim["status"], "failed",
            "{kind} cut, length declared {declare}: {victim}"
        );
        let error = victim["error"].as_str().unwrap();
        assert!(error.contains(why), "{kind}: {error:?} should say {why:?}");
        let after = app.latest("victim").await;
        assert_eq!(after.id, before.id, "the earlier snapshot stays current");
    }
    let brief: serde_json::Value = app.brief_json("2026-07-07T03:00:00Z", "2026-W28").await;
    for list in [
        "new_models",
        "rank_shifts",
        "removed_models",
        "price_changes",
    ] {
        assert_eq!(
            brief[list],
            serde_json::json!([]),
            "{kind}: no false {list}"
        );
    }
}

#[tokio::test]
async fn a_livebench_csv_cut_short_fails_both_ways() {
    cut_both_ways(
        "livebench",
        "livebench/2026-07-06.csv",
        "categories_url = \"{categories}\"\n".into(),
        "the last CSV line has no line break",
    )
    .await;
}

#[tokio::test]
async fn an_lmarena_csv_cut_short_fails_both_ways() {
    cut_both_ways(
        "lmarena",
        "lmarena-text/2025-07-16.csv",
        String::new(),
        "the last CSV line has no line break",
    )
    .await;
}

#[tokio::test]
async fn an_aider_yaml_cut_short_fails_both_ways() {
    cut_both_ways(
        "aider",
        "aider-polyglot/2025-10-06.yml",
        String::new(),
        "the YAML ends inside an entry",
    )
    .await;
}

#[tokio::test]
async fn an_html_table_cut_short_fails_both_ways() {
    cut_both_ways(
        "html_table",
        "aider-leaderboard-html/2026-03-13.html",
        crate::ingest::html_extra(),
        "no closing </html>",
    )
    .await;
}
