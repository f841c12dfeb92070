//! A source that answers every pull with the same bytes for longer than its `max_unchanged`
//! is stale: `status` says so (JSON `stale`, `unchanged_since`; exit 1; under attention) and the
//! brief's sources section says "unchanged since". Replayed with Aider's last recorded file,
//! which is what its live URL still serves.

use crate::common::{App, FixtureServer, Reply, Src, fixture};
use serde_json::Value;

async fn status(app: &App, now: &str) -> (i32, Value) {
    let out = app.run(now, &["status", "--format", "json"]).await;
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

fn source<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()
}

#[tokio::test]
async fn the_same_content_for_longer_than_max_unchanged_makes_a_source_stale() {
    let server = FixtureServer::start().await;
    server.set(
        "/aider.yml",
        Reply::Body(fixture("aider-polyglot/2025-10-06.yml")),
    );
    server.set(
        "/prices.json",
        Reply::Body(fixture("litellm-model-prices/2025-08-04.json")),
    );
    let mut prices = Src::new("prices", "litellm", server.url("/prices.json"));
    prices.extra = "max_unchanged = \"60d\"\n".into();
    let app = App::new(&[Src::new("aider", "aider", server.url("/aider.yml")), prices]);
    // No edition falls due in these weeks, so only the sources can need the operator.
    app.append_config("[schedule]\nbrief = \"0 0 9 1 1 *\"\n");
    // Weekly pulls from 6 October; every one answers the same bytes.
    let days = [
        "2025-10-06",
        "2025-10-13",
        "2025-10-20",
        "2025-10-27",
        "2025-11-03",
        "2025-11-10",
        "2025-11-17",
        "2025-11-24",
    ];
    for d in days {
        let (code, reports) = app.ingest(&format!("{d}T06:00:00Z")).await;
        assert_eq!(code, 0, "{d}: {reports:?}");
    }

    // 44 days after the content first came: within the default 45 days of a leaderboard.
    let (code, s) = status(&app, "2025-11-19T07:00:00Z").await;
    assert_eq!(source(&s, "aider")["stale"], false, "{s}");
    assert_eq!(code, 0, "{s}");

    // 49 days: stale, and the operator is told why.
    let (code, s) = status(&app, "2025-11-24T07:00:00Z").await;
    assert_eq!(code, 1, "a stale source needs the operator: {s}");
    let aider = source(&s, "aider");
    assert_eq!(aider["stale"], true, "{aider}");
    assert_eq!(aider["unchanged_since"], "2025-10-06T06:00:00Z");
    assert_eq!(
        aider["status"], "unchanged",
        "its pulls themselves are fine"
    );
    let attention = s["attention"].to_string();
    assert!(
        attention.contains("source aider is stale: its content has not changed since 2025-10-06"),
        "{attention}"
    );
    // The catalogue's own max_unchanged (60 days) is what counts for it.
    assert_eq!(source(&s, "prices")["stale"], false, "{s}");

    let brief = app
        .stdout(
            "2025-11-24T07:00:00Z",
            &["brief", "--week", "2025-W47", "--format", "text"],
        )
        .await;
    assert!(
        brief.contains("* aider: stale (pulled 2025-11-17, but unchanged since 2025-10-06)"),
        "{brief}"
    );
    assert!(
        brief.contains("aider has not changed since 2025-10-06: it may be frozen upstream"),
        "{brief}"
    );
    assert!(brief.contains("* prices: ok"), "{brief}");
}
