//! A new HTML leaderboard added by configuration alone: speed, latency, prices, a score and
//! the maker, read strictly by unit, and carried to `compare`. The page is one written for
//! these tests in the shape such pages have (`tests/fixtures/speed-table`), not recorded data.

use crate::common::{App, FixtureServer, Reply, Src, fixture, report};
use serde_json::Value;

const PAGE: &str = "speed-table/2026-07-06.html";

fn speed_table(tps_selector: &str) -> String {
    format!(
        r#"[sources.html]
rows = "tr.m"
model = "td.name"
provider = "td.maker"
[[sources.html.metrics]]
name = "speed_tps"
selector = "{tps_selector}"
kind = "speed"
unit = "tokens_per_s"
[[sources.html.metrics]]
name = "ttft"
selector = "td.ttft"
kind = "latency"
unit = "s"
[[sources.html.metrics]]
name = "price_in"
selector = "td.in"
kind = "input_price"
unit = "usd_per_mtok"
[[sources.html.metrics]]
name = "price_out"
selector = "td.out"
kind = "output_price"
[[sources.html.metrics]]
name = "speedboard_quality"
selector = "td.q"
kind = "score"
"#
    )
}

fn app_with(server: &FixtureServer, html: String) -> App {
    let mut src = Src::new("speedboard", "html_table", server.url("/speed.html"));
    src.extra = html;
    App::new(&[src])
}

#[tokio::test]
async fn a_speed_table_added_by_config_alone_shows_up_in_compare() {
    let server = FixtureServer::start().await;
    server.set("/speed.html", Reply::Body(fixture(PAGE)));
    let app = app_with(&server, speed_table("td.tps"));
    let (code, reports) = app.ingest("2026-07-06T20:00:00Z").await;
    assert_eq!(code, 0, "{reports:?}");
    let r = report(&reports, "speedboard");
    assert_eq!(r["status"], "changed");
    assert_eq!(r["rows"], 4, "a row with an unreadable cell is kept: {r}");
    // Llama's "—" speed and Mistral's "€0.40" are left out, each counted.
    assert_eq!(r["missing_values"], 2, "{r}");

    let store = app.store().await;
    let snap = store
        .latest_healthy("speedboard", None)
        .await
        .unwrap()
        .unwrap();
    let rows = store.snapshot_observations(snap.id).await.unwrap();
    let row = |key: &str| rows.iter().find(|o| o.model.key.as_str() == key).unwrap();
    let gpt = row("gpt-5-5");
    assert_eq!(gpt.tokens_per_s, Some(1200.0), "1.2k tok/s");
    assert_eq!(gpt.ttft_s, Some(0.42), "420 ms, stored in seconds");
    assert_eq!(gpt.provider.as_ref().map(|p| p.as_str()), Some("openai"));
    let llama = row("llama-4-maverick");
    assert_eq!(
        llama.tokens_per_s, None,
        "\"—\" is no value, not the 4 of its name"
    );
    assert_eq!(llama.ttft_s, Some(0.38));
    let mistral = row("mistral-medium-3-1");
    assert_eq!(mistral.input_per_mtok, None, "euros are not dollars");
    assert_eq!(
        mistral.output_per_mtok.map(|p| p.decimal().to_string()),
        Some("2".into())
    );

    let out = app
        .run(
            "2026-07-07T08:00:00Z",
            &["compare", "claude-sonnet-5", "gpt-5.5", "--format", "json"],
        )
        .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(c["a"]["speed"]["tokens_per_s"].as_f64(), Some(82.4));
    assert_eq!(c["a"]["speed"]["ttft_s"].as_f64(), Some(1.25));
    assert_eq!(c["b"]["speed"]["ttft_s"].as_f64(), Some(0.42));
    assert_eq!(c["b"]["speed"]["source"], "speedboard");
    assert_eq!(
        c["a"]["input_per_mtok"].as_f64(),
        Some(2.0),
        "the table's price is a listing"
    );
    let text = app
        .stdout(
            "2026-07-07T08:00:00Z",
            &["compare", "claude-sonnet-5", "gpt-5.5"],
        )
        .await;
    assert!(
        text.contains("82.4 tok/s (speedboard, 2026-07-06)"),
        "{text}"
    );
    assert!(
        text.contains("1200 tok/s (speedboard, 2026-07-06)"),
        "{text}"
    );
    assert!(text.contains("0.42 s (speedboard, 2026-07-06)"), "{text}");
}

#[tokio::test]
async fn a_selector_that_matches_nothing_holds_the_pull_and_its_fix_re_reads_the_same_page() {
    let server = FixtureServer::start().await;
    server.set("/speed.html", Reply::Body(fixture(PAGE)));
    let app = app_with(&server, speed_table("td.tokens-per-second"));
    let (code, reports) = app.ingest("2026-07-06T20:00:00Z").await;
    assert_eq!(code, 1);
    let r = report(&reports, "speedboard");
    assert_eq!(r["status"], "quarantined", "{r}");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("metric \"speed_tps\": its selector matches in none of the 4 rows"),
        "{r}"
    );

    // The operator fixes the selector; the page has not changed, but it is read again.
    let fixed = std::fs::read_to_string(app.config())
        .unwrap()
        .replace("td.tokens-per-second", "td.tps");
    std::fs::write(app.config(), fixed).unwrap();
    let (code, reports) = app.ingest("2026-07-06T21:00:00Z").await;
    assert_eq!(code, 0, "{reports:?}");
    assert_eq!(report(&reports, "speedboard")["status"], "changed");

    // A later change of how a healthy table is read also re-reads it, even with the same bytes.
    let renamed = std::fs::read_to_string(app.config())
        .unwrap()
        .replace("name = \"ttft\"", "name = \"ttft_s\"");
    std::fs::write(app.config(), renamed).unwrap();
    let (_, reports) = app.ingest("2026-07-06T22:00:00Z").await;
    assert_eq!(
        report(&reports, "speedboard")["status"],
        "changed",
        "{reports:?}"
    );
}

#[tokio::test]
async fn config_check_refuses_a_metric_named_twice_and_a_unit_its_kind_has_not() {
    let server = FixtureServer::start().await;
    for (change, message) in [
        (
            ("name = \"ttft\"", "name = \"speed_tps\""),
            "metric \"speed_tps\" is named twice",
        ),
        (
            ("unit = \"s\"", "unit = \"minutes\""),
            "unit \"minutes\" is not a unit of kind latency (use one of: s, ms)",
        ),
        (
            ("kind = \"speed\"", "kind = \"velocity\""),
            "unknown variant `velocity`",
        ),
        (
            ("unit = \"s\"", "unit = \"s\"\nhigher_is_better = true"),
            "for kind latency, lower is better; higher_is_better = true contradicts it",
        ),
    ] {
        let app = app_with(&server, speed_table("td.tps").replace(change.0, change.1));
        let out = app.run("2026-07-06T20:00:00Z", &["config", "check"]).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(message), "{message:?} not in {err}");
    }
}

#[tokio::test]
async fn a_column_none_of_whose_cells_read_as_its_unit_holds_the_pull() {
    let server = FixtureServer::start().await;
    server.set("/speed.html", Reply::Body(fixture(PAGE)));
    // The latency metric pointed at the maker column by mistake.
    let app = app_with(
        &server,
        speed_table("td.tps").replace("selector = \"td.ttft\"", "selector = \"td.maker\""),
    );
    let (code, reports) = app.ingest("2026-07-06T20:00:00Z").await;
    assert_eq!(code, 1);
    let r = report(&reports, "speedboard");
    assert_eq!(r["status"], "quarantined", "{r}");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("metric \"ttft\": none of its 4 cells reads as s"),
        "{r}"
    );
}
