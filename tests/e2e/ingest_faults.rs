//! Every fault a source can throw at a pull ends as a clear per-source error, leaves the
//! earlier snapshot untouched, and does not affect the other sources in the same run.

use crate::common::{App, FixtureServer, Reply, Src, fixture, report};
use std::time::{Duration, Instant};

const GOOD: &str = "openrouter-models/2026-07-06.json";

struct Scene {
    server: FixtureServer,
    app: App,
    snapshot: i64,
}

/// A victim source with one healthy pull behind it, and a bystander.
async fn scene(victim_url: Option<String>) -> Scene {
    let server = FixtureServer::start().await;
    server.set("/victim.json", Reply::Body(fixture(GOOD)));
    server.set(
        "/bystander.csv",
        Reply::Body(fixture("lmarena-text/2025-07-16.csv")),
    );
    let app = App::new(&[
        Src::new("victim", "openrouter", server.url("/victim.json")),
        Src::new("bystander", "lmarena", server.url("/bystander.csv")),
    ])
    .with_env("MODELBRIEF__FETCH__TIMEOUT", "\"700ms\"");
    let (code, reports) = app.ingest("2026-07-06T20:00:00Z").await;
    assert_eq!(code, 0, "{reports:?}");
    let snapshot = app.latest("victim").await.id;
    if let Some(url) = victim_url {
        // Point the victim somewhere else from now on, through an environment override.
        let app = app.with_env("MODELBRIEF__SOURCES__0__URL", &format!("\"{url}\""));
        return Scene {
            server,
            app,
            snapshot,
        };
    }
    Scene {
        server,
        app,
        snapshot,
    }
}

/// Runs the next pull with the fault in place and checks the common promises.
async fn pull_with_fault(scene: &Scene, expected_status: &str, message: &str) {
    scene.server.set(
        "/bystander.csv",
        Reply::Body(fixture("lmarena-text/2025-07-18.csv")),
    );
    let (code, reports) = scene.app.ingest("2026-07-07T02:00:00Z").await;
    assert_eq!(
        code, 1,
        "a failed or quarantined source makes ingest exit 1: {reports:?}"
    );
    let victim = report(&reports, "victim");
    assert_eq!(victim["status"], expected_status, "{victim}");
    let error = victim["error"].as_str().unwrap();
    assert!(
        error.contains(message),
        "error {error:?} should contain {message:?}"
    );
    assert_eq!(
        report(&reports, "bystander")["status"],
        "changed",
        "other sources are unaffected"
    );

    let store = scene.app.store().await;
    let latest = store.latest_healthy("victim", None).await.unwrap().unwrap();
    assert_eq!(
        latest.id, scene.snapshot,
        "the earlier snapshot stays the one to diff against"
    );
    let obs = store
        .observations_at(
            "victim",
            "claude-sonnet-5",
            modelbrief_domain::Timestamp::parse("2026-07-08T00:00:00Z").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        obs[0].input_per_mtok.unwrap().to_string(),
        "2",
        "earlier data is untouched"
    );
    let pulls = store.pulls("victim").await.unwrap();
    assert_eq!(pulls.last().unwrap().snapshot_id, None);
}

#[tokio::test]
async fn a_server_that_never_answers_in_time_is_a_timeout() {
    let s = scene(None).await;
    s.server.set(
        "/victim.json",
        Reply::Slow(Duration::from_secs(3), Box::new(Reply::Body(fixture(GOOD)))),
    );
    pull_with_fault(&s, "failed", "timed out after 3 attempt(s)").await;
}

#[tokio::test]
async fn a_refused_connection_is_a_clear_failure() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let s = scene(Some(format!("http://{closed}/gone.json"))).await;
    pull_with_fault(&s, "failed", "cannot connect").await;
}

#[tokio::test]
async fn a_404_fails_at_once_and_names_the_status() {
    let s = scene(None).await;
    s.server.set("/victim.json", Reply::Status(404));
    let hits = s.server.hits("/victim.json");
    pull_with_fault(&s, "failed", "HTTP 404 after 1 attempt(s)").await;
    assert_eq!(
        s.server.hits("/victim.json"),
        hits + 1,
        "a 404 is not retried"
    );
}

#[tokio::test]
async fn a_500_followed_by_success_is_retried_and_stored() {
    let s = scene(None).await;
    let hits = s.server.hits("/victim.json");
    s.server.set(
        "/victim.json",
        Reply::FailFirst {
            n: hits + 1,
            status: 500,
            retry_after: None,
            then: Box::new(Reply::Body(fixture("openrouter-models/2026-06-29.json"))),
        },
    );
    let (code, reports) = s.app.ingest("2026-07-07T02:00:00Z").await;
    assert_eq!(code, 0, "{reports:?}");
    assert_eq!(report(&reports, "victim")["status"], "changed");
    assert_eq!(s.server.hits("/victim.json"), hits + 2);
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_retried() {
    let s = scene(None).await;
    let hits = s.server.hits("/victim.json");
    s.server.set(
        "/victim.json",
        Reply::FailFirst {
            n: hits + 1,
            status: 429,
            retry_after: Some(1),
            then: Box::new(Reply::Body(fixture("openrouter-models/2026-06-29.json"))),
        },
    );
    let started = Instant::now();
    let (code, reports) = s.app.ingest("2026-07-07T02:00:00Z").await;
    assert_eq!(code, 0, "{reports:?}");
    assert_eq!(report(&reports, "victim")["status"], "changed");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 must be honoured"
    );
}

#[tokio::test]
async fn truncated_json_is_quarantined_with_line_and_column() {
    let s = scene(None).await;
    s.server.set(
        "/victim.json",
        Reply::Body(fixture(GOOD)[..100_000].to_vec()),
    );
    pull_with_fault(
        &s,
        "quarantined",
        "cannot parse: invalid JSON at line 1, column 100000",
    )
    .await;
}

#[tokio::test]
async fn an_empty_body_is_quarantined() {
    let s = scene(None).await;
    s.server.set("/victim.json", Reply::Body(Vec::new()));
    pull_with_fault(&s, "quarantined", "body is empty").await;
}

#[tokio::test]
async fn an_html_error_page_where_json_was_expected_is_quarantined() {
    let s = scene(None).await;
    s.server.set(
        "/victim.json",
        Reply::Body(
            b"<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head></html>".to_vec(),
        ),
    );
    pull_with_fault(
        &s,
        "quarantined",
        "got an HTML page where JSON was expected",
    )
    .await;
}

#[tokio::test]
async fn a_body_over_the_size_cap_is_refused() {
    let s = scene(None).await;
    s.server
        .set("/victim.json", Reply::Body(vec![b' '; 5_000_000]));
    pull_with_fault(&s, "failed", "larger than the 4000000-byte cap").await;
}

#[tokio::test]
async fn non_utf8_bytes_are_quarantined() {
    let s = scene(None).await;
    let mut body = fixture(GOOD);
    body[5000] = 0xff;
    s.server.set("/victim.json", Reply::Body(body));
    pull_with_fault(
        &s,
        "quarantined",
        "not valid UTF-8 (first bad byte at offset 5000)",
    )
    .await;
}

#[tokio::test]
async fn a_renamed_field_is_quarantined_instead_of_wiping_the_prices() {
    let s = scene(None).await;
    let renamed = String::from_utf8(fixture(GOOD))
        .unwrap()
        .replace("\"pricing\":", "\"price\":");
    s.server
        .set("/victim.json", Reply::Body(renamed.into_bytes()));
    pull_with_fault(&s, "quarantined", "missing field `pricing`").await;
}

#[tokio::test]
async fn losing_half_the_rows_is_quarantined_not_reported_as_removals() {
    let s = scene(None).await;
    let mut doc: serde_json::Value = serde_json::from_slice(&fixture(GOOD)).unwrap();
    let data = doc["data"].as_array_mut().unwrap();
    let keep = data.len() / 2;
    data.truncate(keep);
    s.server.set(
        "/victim.json",
        Reply::Body(serde_json::to_vec(&doc).unwrap()),
    );
    pull_with_fault(&s, "quarantined", "lost 172 of 343 rows").await;
}

#[tokio::test]
async fn a_case_only_rename_of_every_id_is_not_a_row_loss_and_changes_no_model() {
    let s = scene(None).await;
    let mut doc: serde_json::Value = serde_json::from_slice(&fixture(GOOD)).unwrap();
    for row in doc["data"].as_array_mut().unwrap() {
        let id = row["id"].as_str().unwrap().to_uppercase();
        row["id"] = serde_json::Value::String(id);
    }
    s.server.set(
        "/victim.json",
        Reply::Body(serde_json::to_vec(&doc).unwrap()),
    );
    let (code, reports) = s.app.ingest("2026-07-07T02:00:00Z").await;
    assert_eq!(code, 0, "{reports:?}");
    assert_eq!(report(&reports, "victim")["status"], "changed");
    let brief: serde_json::Value = s.app.brief_json("2026-07-07T03:00:00Z", "2026-W28").await;
    for list in [
        "new_models",
        "removed_models",
        "price_changes",
        "rank_shifts",
    ] {
        assert_eq!(
            brief[list],
            serde_json::json!([]),
            "a re-casing is no {list}"
        );
    }
}

#[tokio::test]
async fn an_operator_accepts_a_held_pull_once_and_the_next_is_judged_against_it() {
    let s = scene(None).await;
    let mut doc: serde_json::Value = serde_json::from_slice(&fixture(GOOD)).unwrap();
    let data = doc["data"].as_array_mut().unwrap();
    let keep = data.len() / 2;
    data.truncate(keep);
    let half = serde_json::to_vec(&doc).unwrap();
    s.server.set("/victim.json", Reply::Body(half.clone()));
    let (code, reports) = s.app.ingest("2026-07-07T02:00:00Z").await;
    assert_eq!(code, 1);
    assert_eq!(report(&reports, "victim")["status"], "quarantined");

    let out = s
        .app
        .run(
            "2026-07-07T03:00:00Z",
            &["ingest", "--format", "json", "--accept", "victim"],
        )
        .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reports: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report(&reports, "victim")["status"],
        "changed",
        "{reports:?}"
    );
    assert_eq!(report(&reports, "victim")["rows"], keep as i64);

    // The next pull, with no flag, is judged against the accepted one: the same half is fine.
    s.server.set("/victim.json", Reply::Body(half));
    let (code, reports) = s.app.ingest("2026-07-07T04:00:00Z").await;
    assert_eq!(code, 0, "{reports:?}");
    assert_eq!(report(&reports, "victim")["status"], "unchanged");

    let out = s
        .app
        .run("2026-07-07T05:00:00Z", &["ingest", "--accept", "nosuch"])
        .await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown source is a usage error"
    );
}

#[tokio::test]
async fn a_pull_with_fewer_rows_than_min_rows_is_held_even_with_nothing_before_it() {
    let server = crate::common::FixtureServer::start().await;
    let mut doc: serde_json::Value = serde_json::from_slice(&fixture(GOOD)).unwrap();
    doc["data"].as_array_mut().unwrap().truncate(171);
    server.set(
        "/first.json",
        Reply::Body(serde_json::to_vec(&doc).unwrap()),
    );
    let app = App::new(&[Src::new("victim", "openrouter", server.url("/first.json"))])
        .with_env("MODELBRIEF__SOURCES__0__MIN_ROWS", "300");
    let (code, reports) = app.ingest("2026-07-06T20:00:00Z").await;
    assert_eq!(code, 1);
    let r = report(&reports, "victim");
    assert_eq!(r["status"], "quarantined", "{r}");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("only 171 rows, fewer than its min_rows of 300"),
        "{r}"
    );
}
