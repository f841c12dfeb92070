//! The archive, the Atom feed and changes.json over real HTTP, on the demo's database.

use crate::common::demo_dir;
use crate::server::{Served, free_port};
use crate::smtp::python;
use serde_json::Value;
use std::process::Command;

#[tokio::test]
async fn the_archive_feed_and_changes_json_publish_editions_without_personal_data() {
    let dir = demo_dir();
    let config = dir.path().join("modelbrief.toml");
    let port = free_port();
    let env = vec![
        (
            "MODELBRIEF__TOKENS__SECRET".to_owned(),
            "archive-test-key-archive-test-key-0123456789".to_owned(),
        ),
        (
            "MODELBRIEF__WEB__LISTEN".to_owned(),
            format!("\"127.0.0.1:{port}\""),
        ),
        (
            "MODELBRIEF__WEB__BASE_URL".to_owned(),
            format!("\"http://127.0.0.1:{port}\""),
        ),
    ];
    let served = Served::start(&config, None, &env);
    // Like any well-behaved client, drop idle connections before the server does (it closes
    // them after `header_timeout`, 10 s): the validators below can take that long on a busy
    // machine, and a request sent on a connection the server is closing fails.
    let http = reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap();
    let get = |path: &str| {
        let http = http.clone();
        let url = format!("{}{path}", served.base);
        async move {
            let r = http.get(url).send().await.unwrap();
            let ct = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (r.status().as_u16(), ct, r.text().await.unwrap())
        }
    };

    let (code, _, index) = get("/archive").await;
    assert_eq!(code, 200);
    assert!(
        index.contains("href=\"/archive/2026-W28\"") && index.contains("4 new models"),
        "{index}"
    );

    let (code, _, web) = get("/archive/2026-W28").await;
    assert_eq!(code, 200);
    assert!(web.contains("Claude Sonnet 5"));
    for personal in ["@example.com", "token=", "unsubscribe?", "1 Example Street"] {
        assert!(
            !web.contains(personal),
            "the web edition has no personal data: {personal}"
        );
    }
    // The chart: a relative link from the page, served as a PNG.
    let src = web
        .split("<img src=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the web edition shows the chart")
        .replace("&#x2f;", "/");
    let page = url::Url::parse(&format!("{}/archive/2026-W28", served.base)).unwrap();
    let png = http.get(page.join(&src).unwrap()).send().await.unwrap();
    assert_eq!(png.status(), 200, "{src}");
    assert_eq!(png.headers()["content-type"], "image/png");
    let light = png.bytes().await.unwrap();
    assert_eq!(&light[..8], b"\x89PNG\r\n\x1a\n");
    // Readers in dark mode are offered the dark chart, a PNG of the same size.
    let dark_src = web
        .split("<source srcset=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the web edition offers a dark chart")
        .replace("&#x2f;", "/");
    assert!(web.contains("media=\"(prefers-color-scheme: dark)\""));
    let dark = http
        .get(page.join(&dark_src).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(dark.status(), 200, "{dark_src}");
    assert_eq!(dark.headers()["content-type"], "image/png");
    let dark = dark.bytes().await.unwrap();
    assert_eq!(&dark[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(dark[16..24], light[16..24], "same width and height (IHDR)");
    assert_ne!(dark, light);
    assert_eq!(get("/archive/2026-W99/price-history.png").await.0, 404);
    assert_eq!(get("/archive/2026-W99").await.0, 404);
    assert_eq!(get("/archive/not-a-week").await.0, 404);

    let (code, ct, atom) = get("/feed.atom").await;
    assert_eq!(code, 200);
    assert!(ct.starts_with("application/atom+xml"));
    let feed = dir.path().join("feed.atom");
    std::fs::write(&feed, &atom).unwrap();
    // Valid per RFC 4287: its RELAX NG schema (lxml) and the rules the RFC states in prose.
    let validate = |path: &std::path::Path| {
        Command::new(python())
            .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/atom_validate.py"))
            .arg(path)
            .output()
            .unwrap()
    };
    let v = validate(&feed);
    assert!(
        v.status.success(),
        "{}{}\n{atom}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
    // The validator is not a rubber stamp: a feed without its id fails.
    let broken = dir.path().join("broken.atom");
    let id = atom
        .split("<id>")
        .nth(1)
        .unwrap()
        .split("</id>")
        .next()
        .unwrap();
    std::fs::write(&broken, atom.replacen(&format!("<id>{id}</id>"), "", 1)).unwrap();
    let v = validate(&broken);
    assert!(!v.status.success());
    assert!(
        String::from_utf8_lossy(&v.stdout).contains("Expecting an element id"),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
    // What the feed says, read with a real XML parser.
    let check = r##"
import sys, xml.etree.ElementTree as ET
A = "{http://www.w3.org/2005/Atom}"
root = ET.parse(sys.argv[1]).getroot()
entries = root.findall(A + "entry")
e = entries[0]
assert e.find(A + "link[@rel='alternate']").get("href").endswith("/archive/2026-W28")
assert e.find(A + "title").text.startswith("modelbrief 2026-W28: 4 new models"), e.find(A + "title").text
assert root.find(A + "updated").text == e.find(A + "updated").text
# Then one entry per change of the edition, each with its own id and the edition's page.
changes = entries[1:]
assert len(changes) == int(sys.argv[2]), (len(changes), sys.argv[2])
page = open(sys.argv[3]).read()
ids = [x.find(A + "id").text for x in entries]
assert len(set(ids)) == len(ids), ids
for c in changes:
    assert c.find(A + "id").text.startswith(e.find(A + "id").text + "#"), c.find(A + "id").text
    # The link is the change's line on the page, and that line carries the id.
    href = c.find(A + "link[@rel='alternate']").get("href")
    assert href == c.find(A + "id").text, href
    assert href.split("#")[0].endswith("/archive/2026-W28"), href
    assert 'id="' + href.split("#")[1] + '"' in page, href
    assert c.find(A + "title").text.startswith("2026-W28: "), c.find(A + "title").text
# OpenRouter's Kimi K2.6 went from 5.5e-07/3.2e-06 to 6.6e-07/3.41e-06 per token (fixtures).
kimi = [c for c in changes if c.find(A + "title").text.startswith("2026-W28: Kimi K2.6: pricier")]
assert len(kimi) == 1, [c.find(A + "title").text for c in changes]
content = kimi[0].find(A + "content").text
assert "input $0.55 \u2192 $0.66, output $3.2 \u2192 $3.41" in content, content
assert "openrouter" in content, content
print("ok")
"##;
    let web_file = dir.path().join("w28.html");
    std::fs::write(&web_file, &web).unwrap();
    // As many change entries as the edition has changes the brief shows.
    let (_, _, listed) = get("/changes.json").await;
    let w28 = &serde_json::from_str::<Vec<Value>>(&listed).unwrap()[0];
    let len = |k: &str| w28[k].as_array().unwrap().len();
    let count = |k: &str, flag: &str| {
        w28[k]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x[flag] == true)
            .count()
    };
    let expected = count("new_models", "notable")
        + len("price_changes")
        + len("listing_price_changes")
        + count("rank_shifts", "significant")
        + len("context_changes")
        + len("speed_changes")
        + len("removed_models");
    assert!(expected > 10, "{expected}");
    let v = Command::new(python())
        .arg("-c")
        .arg(check)
        .arg(&feed)
        .arg(expected.to_string())
        .arg(&web_file)
        .output()
        .unwrap();
    assert!(
        v.status.success(),
        "{}\n{atom}",
        String::from_utf8_lossy(&v.stderr)
    );

    let (code, ct, changes) = get("/changes.json").await;
    assert_eq!(code, 200);
    assert!(ct.starts_with("application/json"));
    let changes: Vec<Value> = serde_json::from_str(&changes).unwrap();
    // The same contract, and the same content, as `brief --format json` for that week.
    let brief = Command::new(env!("CARGO_BIN_EXE_modelbrief"))
        .arg("--config")
        .arg(&config)
        .args([
            "--now",
            "2026-07-06T21:00:00Z",
            "brief",
            "--week",
            "2026-W28",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let brief: Value = serde_json::from_slice(&brief.stdout).unwrap();
    assert_eq!(changes[0], brief);
    // "How we know": the web edition links its frozen JSON, every change with its receipt.
    assert!(web.contains(">How we know</a>"), "{web}");
    let receipts = web
        .split("href=\"")
        .find(|r| r.starts_with("2026-W28.json"))
        .and_then(|r| r.split('"').next())
        .expect("a relative link to the edition's JSON");
    let url = page.join(receipts).unwrap();
    assert_eq!(url.path(), "/archive/2026-W28.json");
    let frozen: Value =
        serde_json::from_str(&http.get(url).send().await.unwrap().text().await.unwrap()).unwrap();
    assert_eq!(frozen, changes[0]);
    let receipt = &frozen["price_changes"][0]["evidence"][0];
    assert_eq!(receipt["source"], frozen["price_changes"][0]["source"]);
    assert_eq!(
        receipt["after"]["content_hash"].as_str().map(str::len),
        Some(64)
    );
    assert_eq!(get("/archive/2026-W27.json").await.0, 404);

    // `since`: the editions whose week ends after it (W28 ends 2026-07-13T00:00:00Z).
    for (since, weeks) in [
        ("2026-07-01", vec!["2026-W28"]),
        ("2026-07-12T23:59:59Z", vec!["2026-W28"]),
        ("2026-07-13", vec![]),
    ] {
        let (code, _, body) = get(&format!("/changes.json?since={since}")).await;
        assert_eq!(code, 200, "{since}: {body}");
        let list: Vec<Value> = serde_json::from_str(&body).unwrap();
        let got: Vec<&str> = list
            .iter()
            .map(|e| e["edition"].as_str().unwrap())
            .collect();
        assert_eq!(got, weeks, "since={since}");
    }
    // One model's changes: a valid feed of entries about it alone; 404 for a key never seen.
    let (code, ct, kimi) = get("/models/kimi-k2-6.atom").await;
    assert_eq!(code, 200);
    assert!(ct.starts_with("application/atom+xml"));
    let kimi_feed = dir.path().join("kimi.atom");
    std::fs::write(&kimi_feed, &kimi).unwrap();
    let v = validate(&kimi_feed);
    assert!(
        v.status.success(),
        "{}\n{kimi}",
        String::from_utf8_lossy(&v.stdout)
    );
    let titles: Vec<&str> = kimi
        .split("<title>")
        .skip(2)
        .filter_map(|t| t.split("</title>").next())
        .collect();
    assert_eq!(titles, ["2026-W28: Kimi K2.6: pricier +8.5%"], "{kimi}");
    assert!(
        kimi.contains("<title>modelbrief: changes to Kimi K2.6</title>"),
        "{kimi}"
    );
    assert_eq!(get("/models/kimi-k9.atom").await.0, 404);

    // The model's page: each listing's dated prices (OpenRouter's Kimi K2.6 row was
    // 6.6e-07/3.41e-06 per token on 06-22 and 07-06, 5.5e-07/3.2e-06 on 06-29).
    let (code, ct, page) = get("/models/kimi-k2-6").await;
    assert_eq!(code, 200);
    assert!(ct.starts_with("text/html"));
    assert!(page.contains("<h1>Kimi K2.6</h1>"), "{page}");
    let at = page
        .find("<code>moonshotai&#x2f;kimi-k2.6</code>")
        .expect("the OpenRouter listing");
    let table = &page[at..page[at..].find("</table>").unwrap() + at];
    let rows: Vec<&str> = table.split("<tr><td>").skip(1).collect();
    assert_eq!(
        rows.iter()
            .map(|r| r.split("</td><td>").take(3).collect::<Vec<_>>().join(" | "))
            .collect::<Vec<_>>(),
        [
            "2026-06-22 | 2026-06-29 | $0.66 &#x2f; $3.41",
            "2026-06-29 | 2026-07-06 | $0.55 &#x2f; $3.2",
            "2026-07-06 | still listed 2026-07-06 | $0.66 &#x2f; $3.41",
        ]
    );
    assert!(page.contains("href=\"/models/kimi-k2-6.atom\""), "{page}");
    // Its price chart: the one listing whose price moved, linked relative to the page.
    let src = page
        .split("<img src=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the model page shows its price chart")
        .replace("&#x2f;", "/");
    assert_eq!(src, "kimi-k2-6/price-history.png");
    assert!(
        page.contains("moonshotai&#x2f;kimi-k2.6 at openrouter: $0.66 in, $3.41 out on 2026-06-22, then $0.55 in, $3.2 out on 2026-06-29, then $0.66 in, $3.41 out on 2026-07-06."),
        "the alt text says the numbers: {page}"
    );
    let model_url = url::Url::parse(&format!("{}/models/kimi-k2-6", served.base)).unwrap();
    let png = http
        .get(model_url.join(&src).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(&png.bytes().await.unwrap()[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(get("/models/kimi-k2-6/price-history-dark.png").await.0, 200);
    assert_eq!(get("/models/kimi-k2-6/other.png").await.0, 404);
    // A model whose price never moved has no chart.
    let (code, _, steady) = get("/models/claude-opus-4-8").await;
    assert_eq!(code, 200);
    assert!(!steady.contains("<img "), "{steady}");
    assert_eq!(
        get("/models/claude-opus-4-8/price-history.png").await.0,
        404
    );
    // Its spellings: LiveBench's thinking variant links to the same model.
    let known = &page[page.find("<h2>Known as</h2>").expect("a Known as list")..];
    assert!(
        known.contains("livebench · <code>kimi-k2.6-thinking</code> <span class=\"muted\">(variant thinking)</span>"),
        "{known}"
    );
    assert_eq!(get("/models/kimi-k9").await.0, 404);

    let (code, _, body) = get("/changes.json?since=last-week").await;
    assert_eq!(code, 400);
    assert!(
        body.contains("since=\\\"last-week\\\": expected a date"),
        "{body}"
    );
}
