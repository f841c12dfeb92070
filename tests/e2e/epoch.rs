//! Epoch AI's Capabilities Index from its recorded releases (the CSV of 2026-02-05, then the
//! Benchmarking Hub zip of 2026-04-11): the recalibration of the whole index is one notice,
//! never per-model ranking shifts, and the new models are new.

use crate::common::{App, FixtureServer, Reply, Src, fixture, report};
use serde_json::Value;

#[tokio::test]
async fn a_recalibrated_index_is_one_notice_not_hundreds_of_shifts() {
    let server = FixtureServer::start().await;
    server.set("/eci", Reply::Body(fixture("epoch-eci/2026-02-05.csv")));
    let app = App::new(&[Src::new("epoch", "epoch", server.url("/eci"))]);
    let (code, reports) = app.ingest("2026-04-05T06:00:00Z").await;
    assert_eq!(code, 0, "{reports:?}");
    // 501 rows, 282 of them scored (README of the fixtures).
    assert_eq!(report(&reports, "epoch")["rows"], 282);

    server.set(
        "/eci",
        Reply::Body(fixture("epoch-benchmark-data/2026-04-11.zip")),
    );
    let (code, reports) = app.ingest("2026-04-11T18:00:00Z").await;
    assert_eq!(code, 0, "{reports:?}");
    assert_eq!(report(&reports, "epoch")["status"], "changed");
    assert_eq!(
        report(&reports, "epoch")["rows"],
        348,
        "read from the zip's index member"
    );

    let brief: Value = app.brief_json("2026-04-13T08:00:00Z", "2026-W15").await;
    let shifts = brief["rank_shifts"].as_array().unwrap();
    assert!(
        shifts.is_empty(),
        "no per-model shifts across a recalibration: {shifts:#?}"
    );
    let notices = brief["notices"].to_string();
    assert!(notices.contains("methodology_change"), "{notices}");
    assert!(
        notices.contains("epoch_eci") || notices.contains("Epoch"),
        "{notices}"
    );
}
