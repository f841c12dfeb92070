//! `modelbrief-bench`: the floors the benchmark suite (scripts/bench.sh) measures modelbrief
//! against, in the same run.
//!
//! - `smtp-floor HOST PORT CONNECTIONS MESSAGES [BYTES]`: a bare lettre `AsyncSmtpConnection`
//!   over `TCP_NODELAY` sockets blasting one pre-rendered message of BYTES (default 16,000, or
//!   the size of the real brief); prints messages per second.
//! - `parse-floor FILE...`: reads and parses the given fixture files with serde_json, csv or
//!   serde_yaml alone (by extension); prints the milliseconds it took.
//! - `brief-floor DB AT`: the least any weekly edition ending at AT must do — for every source,
//!   read the rows of the snapshots its latest pulls at AT and at AT − 7 days vouch for, from
//!   the same SQLite file, and decode each row's JSON with serde_json; prints the milliseconds.

use lettre::address::Envelope;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::ClientId;
use sqlx::Connection;
use std::time::Instant;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("smtp-floor") => {
            let host = args[2].clone();
            let port: u16 = args[3].parse()?;
            let connections: usize = args[4].parse()?;
            let messages: usize = args[5].parse()?;
            let bytes: usize = args
                .get(6)
                .map(|b| b.parse())
                .transpose()?
                .unwrap_or(16_000);
            let body = format!(
                "From: a@example.com\r\nTo: b@example.com\r\nSubject: floor\r\n\r\n{}\r\n",
                "x".repeat(bytes)
            );
            let envelope = Envelope::new(
                Some("a@example.com".parse()?),
                vec!["b@example.com".parse()?],
            )?;
            let started = Instant::now();
            let per = messages / connections;
            let mut tasks = Vec::new();
            for _ in 0..connections {
                let (host, body, envelope) = (host.clone(), body.clone(), envelope.clone());
                tasks.push(tokio::spawn(async move {
                    let tcp = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
                    tcp.set_nodelay(true)?;
                    let mut c = AsyncSmtpConnection::connect_with_transport(
                        Box::new(tcp),
                        &ClientId::Domain("bench".into()),
                    )
                    .await?;
                    for _ in 0..per {
                        c.send(&envelope, body.as_bytes()).await?;
                    }
                    c.quit().await?;
                    anyhow::Ok(())
                }));
            }
            for t in tasks {
                t.await??;
            }
            let secs = started.elapsed().as_secs_f64();
            println!("{:.0}", (per * connections) as f64 / secs);
        }
        Some("parse-floor") => {
            let started = Instant::now();
            let mut rows = 0usize;
            for path in &args[2..] {
                let bytes = std::fs::read(path)?;
                if path.ends_with(".json") {
                    let v: serde_json::Value = serde_json::from_slice(&bytes)?;
                    rows += v.as_object().map_or(0, |o| o.len());
                } else if path.ends_with(".csv") {
                    rows += csv::Reader::from_reader(bytes.as_slice()).records().count();
                } else if path.ends_with(".yml") {
                    let v: serde_yaml_ng::Value = serde_yaml_ng::from_slice(&bytes)?;
                    rows += v.as_sequence().map_or(0, Vec::len);
                } else {
                    rows += bytes.len();
                }
            }
            println!("{:.1} {rows}", started.elapsed().as_secs_f64() * 1000.0);
        }
        Some("brief-floor") => {
            let at = chrono::DateTime::parse_from_rfc3339(&args[3])?.with_timezone(&chrono::Utc);
            let from = at - chrono::Duration::days(7);
            let stamp = |t: chrono::DateTime<chrono::Utc>| {
                t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            };
            let started = Instant::now();
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&args[2])
                .read_only(true);
            let mut db = sqlx::SqliteConnection::connect_with(&options).await?;
            let sources: Vec<(String,)> = sqlx::query_as("SELECT name FROM sources ORDER BY name")
                .fetch_all(&mut db)
                .await?;
            let mut rows = 0usize;
            for (source,) in &sources {
                for t in [stamp(from), stamp(at)] {
                    let data: Vec<(String,)> = sqlx::query_as(
                        "SELECT o.data FROM snapshot_observations so
                         JOIN observations o ON o.id = so.observation_id
                         WHERE so.snapshot_id = (SELECT snapshot_id FROM pulls
                             WHERE source = ?1 AND started_at <= ?2 AND snapshot_id IS NOT NULL
                             ORDER BY started_at DESC, id DESC LIMIT 1)",
                    )
                    .bind(source)
                    .bind(&t)
                    .fetch_all(&mut db)
                    .await?;
                    for (d,) in &data {
                        let v: serde_json::Value = serde_json::from_str(d)?;
                        rows += usize::from(v.is_object());
                    }
                }
            }
            println!("{:.1} {rows}", started.elapsed().as_secs_f64() * 1000.0);
        }
        _ => anyhow::bail!(
            "usage: modelbrief-bench smtp-floor HOST PORT CONNECTIONS MESSAGES | parse-floor FILE... | brief-floor DB AT"
        ),
    }
    Ok(())
}
