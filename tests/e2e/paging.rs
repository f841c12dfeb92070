//! OpenRouter's paged list (`links.next`, `total_count`): every page is read, on the same host
//! only, and a list shorter than its `total_count` is never a healthy pull.

use crate::common::{App, FixtureServer, Reply, Src, fixture, report};

const WEEK: &str = "openrouter-models/2026-07-06.json";

/// The recorded list split after `first` rows; the first page links to `next` (if any).
fn pages(first: usize, next: Option<&str>) -> (Vec<u8>, Vec<u8>, usize) {
    let doc: serde_json::Value = serde_json::from_slice(&fixture(WEEK)).unwrap();
    let rows = doc["data"].as_array().unwrap().clone();
    let total = rows.len();
    let mut one = serde_json::json!({ "data": rows[..first], "total_count": total });
    if let Some(n) = next {
        one["links"] = serde_json::json!({ "next": n });
    }
    let two = serde_json::json!({ "data": rows[first..], "total_count": total });
    (
        serde_json::to_vec(&one).unwrap(),
        serde_json::to_vec(&two).unwrap(),
        total,
    )
}

async fn pull(server: &FixtureServer) -> (i32, serde_json::Value, App) {
    let app = App::new(&[Src::new("openrouter", "openrouter", server.url("/models"))]);
    let (code, reports) = app.ingest("2026-07-06T20:00:00Z").await;
    let r = report(&reports, "openrouter").clone();
    (code, r, app)
}

#[tokio::test]
async fn a_list_in_two_pages_is_read_to_the_end() {
    let server = FixtureServer::start().await;
    let (one, two, total) = pages(200, Some("/models-2"));
    server.set("/models", Reply::Body(one));
    server.set("/models-2", Reply::Body(two));
    let (code, r, _app) = pull(&server).await;
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["status"], "changed");
    // The same rows as the recorded file served whole.
    let whole = App::new(&[Src::new("or", "openrouter", server.url("/whole"))]);
    server.set("/whole", Reply::Body(fixture(WEEK)));
    let (_, reports) = whole.ingest("2026-07-06T20:00:00Z").await;
    assert_eq!(
        r["rows"],
        report(&reports, "or")["rows"],
        "{total} rows listed"
    );
    assert!(server.hits("/models-2") >= 1);
}

#[tokio::test]
async fn a_first_page_alone_is_incomplete_by_its_total_count() {
    let server = FixtureServer::start().await;
    let (one, _, total) = pages(200, None);
    server.set("/models", Reply::Body(one));
    let (code, r, _app) = pull(&server).await;
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["status"], "failed");
    let error = r["error"].as_str().unwrap();
    assert!(
        error.contains(&format!(
            "its pages hold 200 of the {total} models its total_count gives"
        )),
        "{error}"
    );
}

#[tokio::test]
async fn a_next_page_on_another_host_is_not_followed() {
    let server = FixtureServer::start().await;
    let (one, _, _) = pages(200, Some("http://127.0.0.2:9/models-2"));
    server.set("/models", Reply::Body(one));
    let (code, r, _app) = pull(&server).await;
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["status"], "failed");
    assert!(r["error"].as_str().unwrap().contains("leaves"), "{r}");
}
