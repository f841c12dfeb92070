//! The rendered brief: golden HTML and text for a recorded week, size under Gmail's clipping
//! limit, and hostile model names arriving as text.

use crate::brief::{replay_2026, serve_2026, sources_2026};
use crate::common::{App, FixtureServer, Reply, fixture};
use std::path::Path;

/// Compares with the golden file, or rewrites it when `UPDATE_GOLDEN=1`.
fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "{} differs at line {}:\n  expected: {:?}\n  actual:   {:?}\n(run with UPDATE_GOLDEN=1 to accept)",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

#[tokio::test]
async fn the_html_and_text_briefs_of_a_recorded_week_match_the_golden_files() {
    let (_server, app) = replay_2026().await;
    let html = app
        .run(
            "2026-07-07T09:00:00Z",
            &["brief", "--week", "2026-W28", "--format", "html"],
        )
        .await;
    let html = String::from_utf8(html.stdout).unwrap();
    // The file carries its chart as a data: URI; mail carries it by Content-ID instead, so the
    // size that matters to Gmail and the golden file leave the picture's bytes out.
    let (before, rest) = html
        .split_once("src=\"data:image&#x2f;png;base64,")
        .expect("the standalone HTML embeds the chart");
    let (payload, after) = rest.split_once('"').unwrap();
    assert!(
        payload.starts_with("iVBORw0KGgo"),
        "a PNG: {}",
        &payload[..20]
    );
    let html = format!("{before}src=\"data:image&#x2f;png;base64,(chart)\"{after}");
    let text = app
        .run(
            "2026-07-07T09:00:00Z",
            &["brief", "--week", "2026-W28", "--format", "text"],
        )
        .await;
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        html.len() < 100_000,
        "Gmail clips messages over ~100 KB; got {}",
        html.len()
    );
    assert!(
        text.starts_with("modelbrief 2026-W28: 4 new models, 0 ranking shifts, 9 price changes, 1 now generally available"),
        "{text}"
    );
    golden("brief-2026-W28.html", &html);
    golden("brief-2026-W28.txt", &text);

    // --out writes the same bytes to a file.
    let out = app.dir.path().join("brief.html");
    let o = app
        .run(
            "2026-07-07T09:00:00Z",
            &[
                "brief",
                "--week",
                "2026-W28",
                "--format",
                "html",
                "--out",
                out.to_str().unwrap(),
            ],
        )
        .await;
    assert_eq!(o.status.code(), Some(0));
    let written = std::fs::read_to_string(out).unwrap();
    assert!(written.contains(payload), "the same chart");
    assert_eq!(written.replace(payload, "(chart)"), html);
}

const HOSTILE: [&str; 4] = [
    "<script>alert('x')</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(document.cookie)",
    "Evil</td></tr></table><h1>pwned</h1>",
];

#[tokio::test]
async fn hostile_model_names_are_escaped_in_html_and_harmless_in_text() {
    let server = FixtureServer::start().await;
    let app = App::new(&sources_2026(&server));
    serve_2026(&server, "2026-06-29");
    app.ingest("2026-06-29T20:00:00Z").await;
    serve_2026(&server, "2026-07-06");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&fixture("openrouter-models/2026-07-06.json")).unwrap();
    for (i, name) in HOSTILE.iter().enumerate() {
        doc["data"].as_array_mut().unwrap().push(serde_json::json!({
            "id": format!("evil/model-{i}"), "name": format!("Evil: {name}"), "context_length": 1000,
            "pricing": {"prompt": "0.000001", "completion": "0.000002"}
        }));
    }
    // Names that try to add lines to the text mail, reverse text, or stretch the page.
    for (id, name) in [
        (
            "evil/newline",
            "Injected\nNEW MODELS\n  - Fake Model free forever\u{0}",
        ),
        ("evil/bidi", "Bidi \u{202E}gnp.exe"),
        ("evil/long", &"W".repeat(10_000)),
    ] {
        doc["data"].as_array_mut().unwrap().push(serde_json::json!({
            "id": id, "name": name, "context_length": 1000,
            "pricing": {"prompt": "0.000001", "completion": "0.000002"}
        }));
    }
    server.set(
        "/openrouter.json",
        Reply::Body(serde_json::to_vec(&doc).unwrap()),
    );
    let (code, _) = app.ingest("2026-07-06T20:00:00Z").await;
    assert_eq!(code, 0);

    let html = app
        .stdout(
            "2026-07-07T09:00:00Z",
            &["brief", "--week", "2026-W28", "--format", "html"],
        )
        .await;
    assert!(
        html.contains("&lt;script&gt;alert("),
        "the name is shown, escaped"
    );
    assert!(!html.contains("<script>"));
    assert!(!html.contains("<img src=x"));
    assert!(!html.contains("<h1>pwned"));
    assert!(html.contains("&lt;&#x2f;td&gt;") || html.contains("&lt;/td&gt;"));
    assert!(
        !html.contains("href=\"javascript:"),
        "data never becomes a link"
    );
    assert_eq!(
        html.matches("<table").count(),
        html.matches("</table>").count()
    );

    let text = app
        .stdout(
            "2026-07-07T09:00:00Z",
            &["brief", "--week", "2026-W28", "--format", "text"],
        )
        .await;
    for name in HOSTILE {
        assert!(
            text.contains(name),
            "the text part shows the name as it is: {name}"
        );
    }
    assert!(
        text.contains("Injected NEW MODELS - Fake Model free forever"),
        "a name stays on its own line: {text}"
    );
    assert_eq!(
        text.lines().filter(|l| *l == "NEW MODELS").count(),
        1,
        "{text}"
    );
    assert!(!text.lines().any(|l| l.starts_with("  - Fake")), "{text}");
    assert!(!text.contains('\u{0}') && !text.contains('\u{202E}'));
    assert!(text.contains("Bidi gnp.exe"));
    let longest = text.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(longest < 400, "a 10,000-character name is cut: {longest}");
    assert!(!html.contains(&"W".repeat(200)));
}
