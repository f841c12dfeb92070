//! The official Arena data (`arena_dataset`): the datasets-server's JSON pages followed to
//! `num_rows_total`, its publish date kept as the data date. No recorded copy of this dataset
//! exists in any public repository we could find, so these pages are written here in its
//! documented shape (`rows[].row` with `model_name`, `rating`, `rating_lower`,
//! `rating_upper`, `vote_count`, `rank`, `category`, `leaderboard_publish_date`).

use crate::common::{App, FixtureServer, Reply, Src, report};
use serde_json::{Value, json};

/// `n` models of one publication, best first; model 7 gets `boost` points.
fn rows(n: usize, date: &str, boost: f64) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let rating = 1500.0 - 4.0 * i as f64 + if i == 7 { boost } else { 0.0 };
            json!({"row_idx": i, "row": {
                "model_name": format!("arena-model-{i}"), "organization": "Example",
                "rating": rating, "rating_lower": rating - 1.5, "rating_upper": rating + 1.5,
                "vote_count": 10_000 - i, "rank": i + 1, "category": "overall",
                "leaderboard_publish_date": date}, "truncated_cells": []})
        })
        .collect()
}

/// Serves `all` in pages of 100 at `/rows?…&offset=N`.
fn serve(server: &FixtureServer, all: &[Value], total: usize) {
    for (k, chunk) in all.chunks(100).enumerate() {
        let body = json!({"features": [], "rows": chunk, "num_rows_total": total,
                          "num_rows_per_page": 100, "partial": false});
        let path = if k == 0 {
            "/rows".to_owned()
        } else {
            format!(
                "/rows?dataset=lmarena-ai%2Fleaderboard-dataset&config=text&split=latest&length=100&offset={}",
                k * 100
            )
        };
        server.set(&path, Reply::Body(serde_json::to_vec(&body).unwrap()));
    }
}

fn app(server: &FixtureServer) -> App {
    let url = format!(
        "{}?dataset=lmarena-ai%2Fleaderboard-dataset&config=text&split=latest&length=100",
        server.url("/rows")
    );
    App::new(&[Src::new("arena", "arena_dataset", url)])
}

#[tokio::test]
async fn every_page_is_read_and_the_publish_date_is_the_data_date() {
    let server = FixtureServer::start().await;
    serve(&server, &rows(250, "2026-06-30", 0.0), 250);
    let app = app(&server);
    let (code, reports) = app.ingest("2026-07-01T06:00:00Z").await;
    assert_eq!(code, 0, "{reports:?}");
    assert_eq!(report(&reports, "arena")["rows"], 250);

    let out = app
        .run("2026-07-01T07:00:00Z", &["status", "--format", "json"])
        .await;
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["sources"][0]["data_date"], "2026-06-30", "{s}");

    // A week on, model 7 climbs past six others, outside every interval.
    serve(&server, &rows(250, "2026-07-07", 26.0), 250);
    let (code, _) = app.ingest("2026-07-08T06:00:00Z").await;
    assert_eq!(code, 0);
    let brief: Value = app.brief_json("2026-07-13T08:00:00Z", "2026-W28").await;
    let shifts = brief["rank_shifts"].as_array().unwrap();
    assert!(
        shifts
            .iter()
            .any(|s| s["model"] == "arena-model-7" && s["new_rank"] == 2 && s["old_rank"] == 8),
        "{shifts:#?}"
    );
    let text = app
        .stdout(
            "2026-07-13T08:00:00Z",
            &["brief", "--week", "2026-W28", "--format", "text"],
        )
        .await;
    assert!(text.contains("its data dated 2026-07-07"), "{text}");
}

#[tokio::test]
async fn pages_that_end_before_num_rows_total_are_an_incomplete_pull() {
    let server = FixtureServer::start().await;
    // Claims 300 rows, serves 250, then an empty page.
    serve(&server, &rows(250, "2026-06-30", 0.0), 300);
    server.set(
        "/rows?dataset=lmarena-ai%2Fleaderboard-dataset&config=text&split=latest&length=100&offset=250",
        Reply::Body(serde_json::to_vec(&json!({"rows": [], "num_rows_total": 300})).unwrap()),
    );
    let app = app(&server);
    let (code, reports) = app.ingest("2026-07-01T06:00:00Z").await;
    assert_eq!(code, 1);
    let r = report(&reports, "arena");
    assert_eq!(r["status"], "failed", "{r}");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("the pages hold 250 of the 300 rows"),
        "{r}"
    );
}
