//! Ingesting two recorded dates of every source over loopback HTTP, checked against values
//! read by hand from the fixture files.

use crate::common::{App, FixtureServer, Reply, Src, fixture, report};
use modelbrief_domain::Timestamp;

const CATEGORIES: &str = "livebench-categories/2026-01-19.json";

pub(crate) fn html_extra() -> String {
    r#"[sources.html]
rows = 'tr[id^="main-row-"]'
model = "td:nth-child(2) span"
[[sources.html.metrics]]
name = "aider_polyglot"
selector = "td.bar-cell:not(.cost-bar-cell) span"
category = "Coding"
[[sources.html.metrics]]
name = "run_cost_usd"
selector = "td.cost-bar-cell .cost-bar"
attr = "data-cost"
kind = "extra"
"#
    .to_owned()
}

fn all_sources(server: &FixtureServer) -> Vec<Src<'static>> {
    let mut livebench = Src::new("livebench", "livebench", server.url("/livebench.csv"));
    livebench.extra = format!("categories_url = \"{}\"\n", server.url("/categories.json"));
    let mut html = Src::new("aider_html", "html_table", server.url("/aider.html"));
    html.extra = html_extra();
    vec![
        Src::new("openrouter", "openrouter", server.url("/openrouter.json")),
        Src::new("litellm", "litellm", server.url("/litellm.json")),
        livebench,
        Src::new("lmarena", "lmarena", server.url("/lmarena.csv")),
        Src::new("aider", "aider", server.url("/aider.yml")),
        html,
    ]
}

/// Serves the week of `date` for the 2026 sources and `old` for the 2025 ones.
fn serve_week(server: &FixtureServer, date: &str, old: &str, lmarena: &str) {
    server.set(
        "/openrouter.json",
        Reply::Body(fixture(&format!("openrouter-models/{date}.json"))),
    );
    server.set(
        "/litellm.json",
        Reply::Body(fixture(&format!("litellm-model-prices/{date}.json"))),
    );
    server.set(
        "/livebench.csv",
        Reply::Body(fixture(&format!("livebench/{date}.csv"))),
    );
    server.set("/categories.json", Reply::Body(fixture(CATEGORIES)));
    server.set(
        "/lmarena.csv",
        Reply::Body(fixture(&format!("lmarena-text/{lmarena}.csv"))),
    );
    server.set(
        "/aider.yml",
        Reply::Body(fixture(&format!("aider-polyglot/{old}.yml"))),
    );
    server.set(
        "/aider.html",
        Reply::Body(fixture("aider-leaderboard-html/2026-03-13.html")),
    );
}

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

#[tokio::test]
async fn two_recorded_weeks_of_every_source_are_stored_with_the_values_in_the_files() {
    let server = FixtureServer::start().await;
    let app = App::new(&all_sources(&server));

    serve_week(&server, "2026-06-29", "2025-07-07", "2025-07-07");
    let (code, reports) = app.ingest("2026-06-29T20:00:00Z").await;
    assert_eq!(code, 0, "{reports:?}");
    assert!(
        reports.iter().all(|r| r["status"] == "changed"),
        "{reports:?}"
    );
    assert_eq!(report(&reports, "openrouter")["rows"], 338);
    assert_eq!(report(&reports, "aider_html")["rows"], 69);

    serve_week(&server, "2026-07-06", "2025-07-14", "2025-07-16");
    let (code, reports) = app.ingest("2026-07-06T20:00:00Z").await;
    assert_eq!(code, 0, "{reports:?}");
    assert_eq!(report(&reports, "openrouter")["status"], "changed");
    assert_eq!(report(&reports, "openrouter")["rows"], 343);
    assert_eq!(report(&reports, "aider_html")["status"], "unchanged");

    let store = app.store().await;
    let before = t("2026-07-01T00:00:00Z");
    let after = t("2026-07-07T00:00:00Z");

    // OpenRouter: Claude Sonnet 5 is new on 07-06 at $2 / $10 per 1M tokens, 1M context.
    assert!(
        store
            .observations_at("openrouter", "claude-sonnet-5", before)
            .await
            .unwrap()
            .is_empty()
    );
    let or = store
        .observations_at("openrouter", "claude-sonnet-5", after)
        .await
        .unwrap();
    assert_eq!(or.len(), 1);
    assert_eq!(or[0].source_model, "anthropic/claude-sonnet-5");
    assert_eq!(or[0].input_per_mtok.unwrap().to_string(), "2");
    assert_eq!(or[0].output_per_mtok.unwrap().to_string(), "10");
    assert_eq!(or[0].context, Some(1_000_000));
    // The moving alias is marked as one, so nobody mistakes its re-pointing for a price cut.
    let alias = store
        .observations_at("openrouter", "claude-sonnet-latest", after)
        .await
        .unwrap();
    assert!(alias[0].is_alias);
    assert_eq!(alias[0].input_per_mtok.unwrap().to_string(), "2");
    let alias_before = store
        .observations_at("openrouter", "claude-sonnet-latest", before)
        .await
        .unwrap();
    assert_eq!(alias_before[0].input_per_mtok.unwrap().to_string(), "3");

    // LiteLLM: the same model under ten keys (regions, Bedrock, Vertex, Azure) is one model.
    let ll = store
        .observations_at("litellm", "claude-sonnet-5", after)
        .await
        .unwrap();
    assert_eq!(
        ll.len(),
        10,
        "{:?}",
        ll.iter().map(|o| &o.source_model).collect::<Vec<_>>()
    );
    let first_party = ll
        .iter()
        .find(|o| o.source_model == "claude-sonnet-5")
        .unwrap();
    assert_eq!(first_party.route.as_deref(), Some("anthropic"));
    assert_eq!(first_party.input_per_mtok.unwrap().to_string(), "2");
    // mistral-medium-latest: 0.40/2.00 on 06-22, 1.50/7.50 from 06-29.
    let mm = store
        .observations_at("litellm", "mistral-medium-latest", after)
        .await
        .unwrap();
    assert_eq!(mm[0].input_per_mtok.unwrap().to_string(), "1.5");
    assert_eq!(mm[0].output_per_mtok.unwrap().to_string(), "7.5");

    // LiveBench: claude-sonnet-5-xhigh-effort is new on 07-06, as an effort variant.
    let lb = store
        .observations_at("livebench", "claude-sonnet-5", after)
        .await
        .unwrap();
    assert_eq!(lb.len(), 1);
    assert_eq!(lb[0].model.to_string(), "claude-sonnet-5:xhigh");
    assert!(lb[0].score("livebench:Coding").is_some());
    assert!(lb[0].score("livebench_overall").is_some());

    // LMArena: Grok-4-0709 enters at rank 2 with 1440 (+9/-9) on 07-16.
    let grok = store
        .observations_at("lmarena", "grok-4", after)
        .await
        .unwrap();
    assert_eq!(grok[0].model.to_string(), "grok-4:0709");
    assert_eq!(grok[0].rank, Some(2));
    let s = grok[0].score("lmarena_text").unwrap();
    assert_eq!(
        (s.value, s.ci_low, s.ci_high),
        (1440.0, Some(1431.0), Some(1449.0))
    );

    // Aider: grok-4 (high) at 79.6%, its $59.62 run cost kept as a fact, not a price.
    let ag = store
        .observations_at("aider", "grok-4", after)
        .await
        .unwrap();
    assert_eq!(ag[0].model.to_string(), "grok-4:high");
    assert_eq!(ag[0].score("aider_polyglot").unwrap().value, 79.6);
    assert!(ag[0].input_per_mtok.is_none());
    assert_eq!(ag[0].extras["run_cost_usd"], 59.6182);

    // The scraped HTML page knows the same model and pass rate as the YAML.
    let html = store
        .observations_at("aider_html", "grok-4", after)
        .await
        .unwrap();
    assert_eq!(html[0].score("aider_polyglot").unwrap().value, 79.6);
}

#[tokio::test]
async fn an_unchanged_source_costs_a_304_and_stores_no_new_rows() {
    let server = FixtureServer::start().await;
    let app = App::new(&all_sources(&server));
    serve_week(&server, "2026-06-29", "2025-07-21", "2025-07-18");
    let (code, _) = app.ingest("2026-06-29T20:00:00Z").await;
    assert_eq!(code, 0);
    let counts = app.store().await.row_counts().await.unwrap();

    let (code, reports) = app.ingest("2026-06-30T02:00:00Z").await;
    assert_eq!(code, 0);
    assert!(
        reports.iter().all(|r| r["status"] == "unchanged"),
        "{reports:?}"
    );
    assert_eq!(report(&reports, "litellm")["rows"], 2368);
    assert_eq!(
        server.not_modified("/litellm.json"),
        1,
        "the second pull must be conditional"
    );
    assert_eq!(app.store().await.row_counts().await.unwrap(), counts);

    // A server without validators: the content hash decides, with the same result.
    server.set(
        "/litellm.json",
        Reply::Plain(fixture("litellm-model-prices/2026-06-29.json")),
    );
    let (_, reports) = app.ingest("2026-06-30T08:00:00Z").await;
    assert_eq!(report(&reports, "litellm")["status"], "unchanged");
    assert_eq!(app.store().await.row_counts().await.unwrap(), counts);
}

#[tokio::test]
async fn a_week_without_changes_is_stored_once_and_the_next_change_only_adds_what_changed() {
    let server = FixtureServer::start().await;
    let app = App::new(&all_sources(&server)[..3]);
    serve_week(&server, "2026-06-22", "2025-07-21", "2025-07-18");
    app.ingest("2026-06-22T20:00:00Z").await;
    let (s1, o1, _) = app.store().await.row_counts().await.unwrap();
    serve_week(&server, "2026-06-29", "2025-07-21", "2025-07-18");
    let (_, reports) = app.ingest("2026-06-29T20:00:00Z").await;
    // LiveBench's 06-29 file is byte-identical to 06-22's.
    assert_eq!(report(&reports, "livebench")["status"], "unchanged");
    let (s2, o2, _) = app.store().await.row_counts().await.unwrap();
    assert_eq!(
        s2,
        s1 + 2,
        "one new snapshot each for openrouter and litellm"
    );
    // Most rows are identical week to week, and stored once.
    assert!(o2 - o1 < 1000, "{o1} -> {o2} observations");
}
