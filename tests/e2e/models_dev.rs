//! models.dev's catalogue from two recorded dates: one listing per provider and model, every
//! listing read, and the real move of 2026-03-30 (`mistral/mistral-small-latest` 0.1/0.3 ->
//! 0.15/0.6, context 128000 -> 256000) reported.

use crate::common::{App, FixtureServer, Reply, Src, fixture, report};
use serde_json::Value;

#[tokio::test]
async fn two_weeks_of_models_dev_report_its_real_price_and_context_move() {
    let server = FixtureServer::start().await;
    server.set(
        "/api.json",
        Reply::Body(fixture("models-dev/2026-03-23.json")),
    );
    let app = App::new(&[Src::new(
        "models_dev",
        "models_dev",
        server.url("/api.json"),
    )]);
    let (code, reports) = app.ingest("2026-03-23T05:00:00Z").await;
    assert_eq!(code, 0, "{reports:?}");
    // 3898 provider/model entries on 2026-03-23 (README of the fixtures).
    assert_eq!(report(&reports, "models_dev")["rows"], 3898);

    server.set(
        "/api.json",
        Reply::Body(fixture("models-dev/2026-03-30.json")),
    );
    let (code, reports) = app.ingest("2026-03-30T05:00:00Z").await;
    assert_eq!(code, 0, "{reports:?}");
    assert_eq!(report(&reports, "models_dev")["rows"], 4111);

    let brief: Value = app.brief_json("2026-04-06T08:00:00Z", "2026-W14").await;
    let all: Vec<&Value> = brief["price_changes"]
        .as_array()
        .unwrap()
        .iter()
        .chain(brief["listing_price_changes"].as_array().unwrap())
        .collect();
    let small = all
        .iter()
        .find(|p| p["listing"] == "mistral/mistral-small-latest")
        .unwrap_or_else(|| panic!("{all:#?}"));
    assert_eq!(
        (
            small["input_per_mtok"]["old"].as_f64(),
            small["input_per_mtok"]["new"].as_f64()
        ),
        (Some(0.1), Some(0.15))
    );
    assert_eq!(
        (
            small["output_per_mtok"]["old"].as_f64(),
            small["output_per_mtok"]["new"].as_f64()
        ),
        (Some(0.3), Some(0.6))
    );
    let contexts = brief["context_changes"].as_array().unwrap();
    assert!(
        contexts
            .iter()
            .any(|c| c["listing"] == "mistral/mistral-small-latest"
                && c["old"] == 128000
                && c["new"] == 256000),
        "{contexts:#?}"
    );
}
