//! `tick`, `daemon` and `status` as real processes: schedules, catch-up, the late-send hold,
//! the lock, a SIGTERM in the middle of a send, and what `status` reports.

use crate::brief::{serve_2026, sources_2026};
use crate::common::{App, FixtureServer, Reply};
use crate::send::{per_recipient, prepared};
use crate::smtp::SmtpServer;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::time::Duration;

async fn scheduled(n: usize, schedule: &str, delivery: &str) -> (FixtureServer, SmtpServer, App) {
    let server = FixtureServer::start().await;
    serve_2026(&server, "2026-07-06");
    let app = App::new(&sources_2026(&server));
    app.append_config(&format!("[schedule]\ntimezone = \"UTC\"\n{schedule}\n\n"));
    let smtp = SmtpServer::start(&[]);
    let (app, _) = prepared(app, &smtp, n, delivery).await;
    (server, smtp, app)
}

async fn pulls(app: &App) -> usize {
    let store = app.store().await;
    let mut n = 0;
    for s in ["openrouter", "litellm", "livebench"] {
        n += store.pulls(s).await.unwrap().len();
    }
    n
}

async fn status(app: &App, now: &str) -> (i32, Value) {
    let out = app.run(now, &["status", "--format", "json"]).await;
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

#[tokio::test]
async fn tick_does_what_is_due_once_and_holds_an_edition_that_is_too_late() {
    let (_f, smtp, app) = scheduled(
        3,
        "ingest = \"0 0 */6 * * *\"\nbrief = \"0 0 9 * * Mon\"\nlate_send_limit = \"12h\"",
        "",
    )
    .await;
    // Monday 09:00:30: every source is overdue (never pulled) and the edition of the week that
    // just ended (2026-W28) is due.
    let out = app.run("2026-07-13T09:00:30Z", &["tick"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("3 source(s) pulled") && said.contains("2026-W28: sent 3"),
        "{said}"
    );
    assert_eq!(pulls(&app).await, 3);
    assert_eq!(smtp.wait_for(3).await.len(), 3);

    // The same minute again: nothing is due.
    let out = app.run("2026-07-13T09:00:50Z", &["tick"]).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 source(s) pulled"));
    assert_eq!(pulls(&app).await, 3);
    assert_eq!(smtp.messages().len(), 3);
    let (code, st) = status(&app, "2026-07-13T10:00:00Z").await;
    assert_eq!(code, 0, "{st}");
    assert_eq!(st["editions"][0]["week"], "2026-W28");
    assert_eq!(st["editions"][0]["sent"], 3);
    assert_eq!(st["next_edition"], "2026-07-20T09:00:00Z");
    assert_eq!(st["sources"][0]["next_pull"], "2026-07-13T12:00:00Z");

    // A week later the machine was down until Tuesday 10:00: 25 h late is past the 12 h limit,
    // so W29 is held, not sent late, and both tick and status say so.
    let out = app.run("2026-07-21T10:00:00Z", &["tick"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("send --week 2026-W29"));
    assert_eq!(smtp.messages().len(), 3, "nothing sent late");
    let (code, st) = status(&app, "2026-07-21T10:00:00Z").await;
    assert_eq!(code, 1);
    assert!(
        st["attention"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().unwrap().contains("edition 2026-W29 is held")),
        "{st}"
    );
}

#[tokio::test]
async fn status_reports_a_failing_source_and_deliveries_in_doubt() {
    let (server, _smtp, app) = scheduled(2, "late_send_limit = \"30d\"", "").await;
    assert_eq!(app.ingest("2026-07-06T20:00:00Z").await.0, 0);
    let (code, st) = status(&app, "2026-07-06T21:00:00Z").await;
    assert_eq!(code, 0, "{st}");
    server.set("/litellm.json", Reply::Status(500));
    assert_eq!(app.ingest("2026-07-06T22:00:00Z").await.0, 1);
    let (_, summary) = crate::send::send(&app, &[]).await;
    assert_eq!(summary["sent"], 2);
    // A crash between handing a message to the relay and recording the answer leaves the row
    // in `sending`; reproduce that state exactly.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.db().display()))
        .await
        .unwrap();
    sqlx::query("UPDATE deliveries SET status = 'sending' WHERE subscriber_id = 1")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let (code, st) = status(&app, "2026-07-06T23:00:00Z").await;
    assert_eq!(code, 1);
    let litellm = st["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "litellm")
        .unwrap();
    assert_eq!(litellm["status"], "failed");
    assert!(litellm["error"].as_str().unwrap().contains("HTTP 500"));
    assert_eq!(st["editions"][0]["in_doubt"], 1);
    let attention: Vec<&str> = st["attention"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        attention
            .iter()
            .any(|a| a.starts_with("source litellm is failed")),
        "{attention:?}"
    );
    assert!(
        attention
            .iter()
            .any(|a| a.contains("1 deliveries in doubt")),
        "{attention:?}"
    );
    assert_eq!(st["subscribers"]["confirmed"], 2);
}

#[tokio::test]
async fn the_daemon_pulls_and_sends_on_schedule_refuses_a_twin_and_stops_cleanly_on_sigterm() {
    let (_f, smtp, app) = scheduled(
        1500,
        "ingest = \"0 0 */6 * * *\"\nbrief = \"0 0 9 * * Mon\"\nlate_send_limit = \"12h\"\nshutdown_timeout = \"20s\"",
        "per_second = 250\nconnections = 2\nbatch = 4",
    )
    .await;
    // Two seconds before the Monday 09:00 edition time.
    let mut child = app.spawn("2026-07-13T08:59:58Z", &["daemon"]);
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on http://"), "{line}");

    // A second daemon on the same database refuses at once, saying why.
    let twin = app.run("2026-07-13T08:59:58Z", &["daemon"]).await;
    assert_eq!(twin.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&twin.stderr)
            .contains("another modelbrief daemon or tick is running")
    );

    // Catch-up pulls at start, then the edition at 09:00; stop it in the middle of the send.
    smtp.wait_for(200).await;
    assert_eq!(pulls(&app).await, 3, "the overdue pulls ran at start");
    let pid = child.id() as i32;
    assert_eq!(unsafe_kill(pid), 0);
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0), "a clean exit on SIGTERM");

    tokio::time::sleep(Duration::from_millis(200)).await;
    let store = app.store().await;
    let edition = store
        .edition("2026-W28")
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no edition; daemon log:\n{}", app.spawned_log()));
    let c = store.delivery_counts(edition.id).await.unwrap();
    assert_eq!(c.sending, 0, "nothing half-recorded: {c:?}");
    assert!(c.sent > 0 && c.pending > 0, "stopped mid-send: {c:?}");
    assert_eq!(c.sent + c.pending, 1500);
    assert_eq!(
        per_recipient(&smtp).len() as i64,
        c.sent,
        "every recorded send arrived, and only those"
    );
}

/// SIGTERM via the `kill` command (no libc dependency in the tests).
fn unsafe_kill(pid: i32) -> i32 {
    std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .unwrap()
        .code()
        .unwrap()
}

#[test]
fn the_systemd_units_verify_and_the_dockerfile_builds_as_the_readme_says() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let docker = std::fs::read_to_string(root.join("deploy/Dockerfile")).unwrap();
    assert!(docker.contains("RUN cargo build --release --locked"));
    assert!(
        readme.contains("cargo build --release --locked"),
        "the README gives the same build command"
    );
    if std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("systemd-analyze is not installed here: unit verification not possible");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut units = Vec::new();
    for name in [
        "modelbrief.service",
        "modelbrief-tick.service",
        "modelbrief-tick.timer",
    ] {
        let text = std::fs::read_to_string(root.join("deploy/systemd").join(name)).unwrap();
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            text.replace(
                "/usr/local/bin/modelbrief",
                env!("CARGO_BIN_EXE_modelbrief"),
            ),
        )
        .unwrap();
        units.push(path);
    }
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .args(&units)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn tick_starts_on_a_fresh_machine_whose_database_folder_does_not_exist_yet() {
    let app = crate::common::App::new(&[]);
    assert!(!app.db().parent().unwrap().exists());
    let out = app.run("2026-07-06T20:00:00Z", &["tick"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("lock file"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(app.db().exists());
}
