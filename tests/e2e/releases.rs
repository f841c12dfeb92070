//! LiveBench releases (`release = "auto"`): each pull finds the newest release the listing
//! names whose table answers, falling back past a listed one not yet published; the switch
//! to a new release (replayed from the recorded files of 2026-07-06 and 2026-07-07) is a new
//! baseline: one `release_changed` notice, no ranking shifts, no removals, no row-loss hold.

use crate::common::{App, FixtureServer, Reply, Src, fixture, report};
use serde_json::Value;

const OLD: &str = "2026-01-08";
const NEW: &str = "2026-06-25";

fn listing(releases: &[&str]) -> Reply {
    let list: Vec<String> = releases.iter().map(|r| format!("  \"{r}\",")).collect();
    Reply::Body(
        format!(
            "// the site's release list\nexport const RELEASES = [\n{}\n];\n",
            list.join("\n")
        )
        .into_bytes(),
    )
}

#[tokio::test]
async fn a_new_release_is_one_notice_and_a_new_baseline_not_a_hundred_removals() {
    let server = FixtureServer::start().await;
    server.set(
        "/categories_2026_01_08.json",
        Reply::Body(fixture("livebench-categories/2026-01-19.json")),
    );
    server.set(
        "/categories_2026_06_25.json",
        Reply::Body(fixture("livebench-2026-06-25-categories/2026-06-29.json")),
    );
    let mut src = Src::new("livebench", "livebench", server.url("/table_{release}.csv"));
    src.extra = format!(
        "categories_url = \"{}\"\ncost_url = \"{}\"\nrelease = \"auto\"\nreleases_url = \"{}\"\n",
        server.url("/categories_{release}.json"),
        server.url("/cost_{release}.csv"),
        server.url("/constants.js")
    );
    let app = App::new(&[src]);

    // 29 June: the new release is listed but its table is not published yet.
    server.set("/constants.js", listing(&["2024-06-24", OLD, NEW]));
    server.set(
        "/table_2026_01_08.csv",
        Reply::Body(fixture("livebench/2026-06-29.csv")),
    );
    let (code, reports) = app.ingest("2026-06-29T20:00:00Z").await;
    assert_eq!(
        code, 0,
        "falls back to the release that answers: {reports:?}"
    );
    let store = app.store().await;
    let first = store
        .latest_healthy("livebench", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.release.as_deref(), Some(OLD));

    // 6 July: still the old release, its next recorded table.
    server.set(
        "/table_2026_01_08.csv",
        Reply::Body(fixture("livebench/2026-07-06.csv")),
    );
    let (code, _) = app.ingest("2026-07-06T20:00:00Z").await;
    assert_eq!(code, 0);

    // 7 July on: the site serves the new release (36 rows against 127).
    server.set(
        "/table_2026_06_25.csv",
        Reply::Body(fixture("livebench-2026-06-25/2026-07-06.csv")),
    );
    // The new release publishes what running it cost (the old one had no cost file: 404).
    server.set(
        "/cost_2026_06_25.csv",
        Reply::Body(fixture("livebench-2026-06-25-cost/2026-07-06.csv")),
    );
    for now in [
        "2026-07-07T20:00:00Z",
        "2026-07-09T20:00:00Z",
        "2026-07-12T20:00:00Z",
    ] {
        let (code, reports) = app.ingest(now).await;
        assert_eq!(
            code, 0,
            "{now}: a release switch is not a row loss: {reports:?}"
        );
        assert!(
            ["changed", "unchanged"]
                .contains(&report(&reports, "livebench")["status"].as_str().unwrap()),
            "{reports:?}"
        );
    }
    let current = store
        .latest_healthy("livebench", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current.release.as_deref(), Some(NEW));
    let rows = store.snapshot_observations(current.id).await.unwrap();
    let costed = rows
        .iter()
        .filter(|o| o.extras.get("run_cost_usd").is_some())
        .count();
    assert_eq!(
        costed,
        rows.len(),
        "every row of the new release has its run cost"
    );
    assert!(
        rows.iter().all(|o| o.input_per_mtok.is_none()),
        "assumed prices are not listings"
    );

    let brief: Value = app.brief_json("2026-07-13T08:00:00Z", "2026-W28").await;
    let notices: Vec<&Value> = brief["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "release_changed")
        .collect();
    assert_eq!(notices.len(), 1, "{:#}", brief["notices"]);
    assert_eq!(
        (notices[0]["from"].as_str(), notices[0]["to"].as_str()),
        (Some(OLD), Some(NEW))
    );
    assert_eq!(
        brief["rank_shifts"],
        serde_json::json!([]),
        "no shifts across releases"
    );
    assert_eq!(
        brief["removed_models"],
        serde_json::json!([]),
        "no removals across releases"
    );
    assert_eq!(
        brief["new_models"],
        serde_json::json!([]),
        "nothing new because of a release"
    );
}
