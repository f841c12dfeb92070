//! Artificial Analysis (`artificial_analysis`): the key comes from the environment variable
//! the configuration names and is sent in its header, never logged; without it the pull fails
//! saying which variable to set. The API's answer is a small file written here in its
//! documented shape (there is no recorded copy: it needs a key).

use crate::common::{App, FixtureServer, Reply, Src, report};
use serde_json::Value;

const KEY: &str = "aa-test-key-5f0e1c9b";

fn answer() -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"status": 200, "data": [
        {"id": "0b7c-1", "name": "GPT-5.5 (high)", "slug": "gpt-5-5",
         "model_creator": {"slug": "openai"},
         "evaluations": {"artificial_analysis_intelligence_index": 73.2},
         "pricing": {"price_1m_input_tokens": 5.0, "price_1m_output_tokens": 30.0},
         "median_output_tokens_per_second": 182.4, "median_time_to_first_token_seconds": 0.62},
        {"id": "0b7c-2", "name": "Claude Sonnet 5", "slug": "claude-sonnet-5",
         "model_creator": {"slug": "anthropic"},
         "evaluations": {"artificial_analysis_intelligence_index": 70.9},
         "pricing": {"price_1m_input_tokens": 2.0, "price_1m_output_tokens": 10.0},
         "median_output_tokens_per_second": 76.0, "median_time_to_first_token_seconds": 1.31}
    ]}))
    .unwrap()
}

fn app(server: &FixtureServer) -> App {
    let mut src = Src::new(
        "aa",
        "artificial_analysis",
        server.url("/api/v2/data/llms/models"),
    );
    src.extra = "api_key_env = \"MB_TEST_AA_KEY\"\n".into();
    App::new(&[src])
}

#[tokio::test]
async fn without_its_key_the_pull_fails_and_says_which_variable_to_set() {
    let server = FixtureServer::start().await;
    server.set(
        "/api/v2/data/llms/models",
        Reply::NeedsHeader("x-api-key", KEY.into(), Box::new(Reply::Body(answer()))),
    );
    let (code, reports) = app(&server).ingest("2026-07-06T20:00:00Z").await;
    assert_eq!(code, 1);
    let r = report(&reports, "aa");
    assert_eq!(r["status"], "failed");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("put it in the environment variable MB_TEST_AA_KEY"),
        "{r}"
    );
    assert_eq!(
        server.hits("/api/v2/data/llms/models"),
        0,
        "nothing is sent without the key"
    );
}

#[tokio::test]
async fn with_its_key_speed_latency_and_indices_reach_compare_and_the_key_is_never_logged() {
    let server = FixtureServer::start().await;
    server.set(
        "/api/v2/data/llms/models",
        Reply::NeedsHeader("x-api-key", KEY.into(), Box::new(Reply::Body(answer()))),
    );
    let app = app(&server)
        .with_env("MB_TEST_AA_KEY", KEY)
        .with_env("RUST_LOG", "debug");
    let out = app
        .run("2026-07-06T20:00:00Z", &["ingest", "--format", "json"])
        .await;
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(!log.contains(KEY), "the key is in the log");
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report(&reports, "aa")["status"], "changed");

    let c: Value = serde_json::from_str(
        &app.stdout(
            "2026-07-07T08:00:00Z",
            &["compare", "gpt-5.5", "claude-sonnet-5", "--format", "json"],
        )
        .await,
    )
    .unwrap();
    assert_eq!(c["a"]["speed"]["tokens_per_s"].as_f64(), Some(182.4));
    assert_eq!(c["b"]["speed"]["ttft_s"].as_f64(), Some(1.31));
    assert_eq!(c["a"]["speed"]["source"], "aa");
}

#[tokio::test]
async fn a_large_move_in_measured_speed_is_reported_in_the_brief() {
    let server = FixtureServer::start().await;
    let path = "/api/v2/data/llms/models";
    server.set(
        path,
        Reply::NeedsHeader("x-api-key", KEY.into(), Box::new(Reply::Body(answer()))),
    );
    let app = app(&server).with_env("MB_TEST_AA_KEY", KEY);
    let (code, _) = app.ingest("2026-07-05T20:00:00Z").await;
    assert_eq!(code, 0);
    // A week later GPT-5.5 is served faster (182.4 -> 260 tok/s); Claude's latency barely moves.
    let faster = String::from_utf8(answer())
        .unwrap()
        .replace("182.4", "260.0")
        .replace("1.31", "1.35");
    server.set(
        path,
        Reply::NeedsHeader(
            "x-api-key",
            KEY.into(),
            Box::new(Reply::Body(faster.into_bytes())),
        ),
    );
    let (code, _) = app.ingest("2026-07-08T20:00:00Z").await;
    assert_eq!(code, 0);
    let e = app.brief_json("2026-07-13T08:00:00Z", "2026-W28").await;
    let speed = e["speed_changes"].as_array().unwrap();
    assert_eq!(speed.len(), 1, "{speed:#?}");
    assert_eq!(
        (
            speed[0]["metric"].as_str(),
            speed[0]["old"].as_f64(),
            speed[0]["new"].as_f64()
        ),
        (Some("tokens_per_s"), Some(182.4), Some(260.0))
    );
    let text = app
        .stdout(
            "2026-07-13T08:00:00Z",
            &["brief", "--week", "2026-W28", "--format", "text"],
        )
        .await;
    assert!(
        text.contains(
            "GPT-5.5 (high) (gpt-5-5): output speed 182 tok/s \u{2192} 260 tok/s (+42.5%)"
        ),
        "{text}"
    );
}
