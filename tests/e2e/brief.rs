//! Golden briefs: recorded weeks replayed through the real binary (ingest over loopback HTTP,
//! then `brief`), checked against the changes listed in tests/fixtures/README.md.

use crate::common::{App, FixtureServer, Reply, Src, fixture};
use serde_json::Value;

pub const WEEKS_2026: [&str; 5] = [
    "2026-06-08",
    "2026-06-15",
    "2026-06-22",
    "2026-06-29",
    "2026-07-06",
];

pub fn sources_2026(server: &FixtureServer) -> Vec<Src<'static>> {
    let mut livebench = Src::new("livebench", "livebench", server.url("/livebench.csv"));
    livebench.extra = format!("categories_url = \"{}\"\n", server.url("/categories.json"));
    vec![
        Src::new("openrouter", "openrouter", server.url("/openrouter.json")),
        Src::new("litellm", "litellm", server.url("/litellm.json")),
        livebench,
    ]
}

pub fn serve_2026(server: &FixtureServer, date: &str) {
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
    server.set(
        "/categories.json",
        Reply::Body(fixture("livebench-categories/2026-01-19.json")),
    );
}

/// Ingests every recorded 2026 week at its recorded time.
pub async fn replay_2026() -> (FixtureServer, App) {
    let server = FixtureServer::start().await;
    let app = App::new(&sources_2026(&server));
    for date in WEEKS_2026 {
        serve_2026(&server, date);
        let (code, reports) = app.ingest(&format!("{date}T20:00:00Z")).await;
        assert_eq!(code, 0, "{date}: {reports:?}");
    }
    (server, app)
}

pub async fn brief_json(app: &App, args: &[&str]) -> Value {
    let mut all = vec!["brief", "--format", "json"];
    all.extend_from_slice(args);
    let out = app.run("2026-07-07T09:00:00Z", &all).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn models(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect()
}

fn find<'a>(list: &'a Value, model: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == model)
        .unwrap_or_else(|| {
            panic!(
                "{model} not in {}",
                serde_json::to_string_pretty(list).unwrap()
            )
        })
}

fn notices(e: &Value, kind: &str) -> Vec<String> {
    e["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == kind)
        .map(|n| n["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn four_recorded_weeks_give_the_changes_the_fixtures_really_contain() {
    let (_server, app) = replay_2026().await;

    // 06-08 -> 06-15 (edition 2026-W25).
    let e = brief_json(&app, &["--week", "2026-W25"]).await;
    assert_eq!(e["edition"], "2026-W25");
    assert_eq!(e["window"]["from"], "2026-06-15T00:00:00Z");
    let fable = find(&e["new_models"], "claude-fable-5");
    assert_eq!(
        (
            fable["input_per_mtok"].as_f64(),
            fable["output_per_mtok"].as_f64()
        ),
        (Some(10.0), Some(50.0))
    );
    assert_eq!(fable["context"], 1_000_000);
    assert_eq!(
        fable["price_basis"],
        "first_party (litellm: claude-fable-5)"
    );
    assert_eq!(
        fable["sources"],
        serde_json::json!(["litellm", "livebench", "openrouter"])
    );
    let kimi = find(&e["new_models"], "kimi-k2-7-code");
    assert_eq!(
        (
            kimi["input_per_mtok"].as_f64(),
            kimi["output_per_mtok"].as_f64()
        ),
        (Some(0.75), Some(3.5))
    );
    // The `~anthropic/claude-fable-latest` alias is not a model.
    assert!(
        !models(&e["new_models"])
            .iter()
            .any(|m| m.contains("latest"))
    );
    let m27 = find(&e["price_changes"], "minimax-m2-7");
    assert_eq!(
        m27["input_per_mtok"],
        serde_json::json!({"old": 0.279, "new": 0.25})
    );
    assert_eq!(
        m27["output_per_mtok"],
        serde_json::json!({"old": 1.2, "new": 1.0})
    );
    assert_eq!(m27["kind"], "change");
    let qvl = find(&e["price_changes"], "qwen2-5-vl-72b:instruct");
    assert_eq!(
        qvl["input_per_mtok"],
        serde_json::json!({"old": 0.25, "new": 0.8})
    );
    let fusion = find(&e["context_changes"], "fusion");
    assert_eq!(
        (fusion["old"].as_u64(), fusion["new"].as_u64()),
        (Some(128_000), Some(1_000_000))
    );
    // A new model entering the top is said with its scores, once, not as a ranking shift per
    // board and variant: LiveBench's xhigh row (overall 78.3, #4) describes it there.
    let fable = find(&e["new_models"], "claude-fable-5");
    assert_eq!(fable["score_variants"]["livebench"], "xhigh");
    assert_eq!(fable["ranks"]["livebench:livebench_overall"], 4);
    assert!(
        e["rank_shifts"]
            .as_array()
            .unwrap()
            .iter()
            .all(
                |s| !s["model"].as_str().unwrap().starts_with("claude-fable-5")
                    || s["kind"] == "new_leader"
            ),
        "{}",
        e["rank_shifts"]
    );
    // Seven models left OpenRouter on 06-15: one pull without them is not yet a removal.
    assert_eq!(e["removed_models"], serde_json::json!([]));

    // 06-15 -> 06-22 (2026-W26).
    let e = brief_json(&app, &["--week", "2026-W26"]).await;
    let glm = find(&e["new_models"], "glm-5-2");
    assert_eq!(
        (
            glm["input_per_mtok"].as_f64(),
            glm["output_per_mtok"].as_f64()
        ),
        (Some(0.98), Some(3.08))
    );
    // poolside/laguna-m.1 and nex-agi/nex-n2-pro are new ids, but their `:free` variants were
    // listed on 06-15: a paid variant of a known model is not a new model.
    assert!(
        !models(&e["new_models"]).contains(&"laguna-m-1")
            && !models(&e["new_models"]).contains(&"nex-n2-pro")
    );
    // glm-5v-turbo is back on OpenRouter (and LiteLLM listed it all along): not new.
    assert!(!models(&e["new_models"]).contains(&"glm-5v-turbo"));
    let grok = find(&e["price_changes"], "grok-4-20-multi-agent");
    assert_eq!(
        grok["input_per_mtok"],
        serde_json::json!({"old": 2.0, "new": 1.25})
    );
    assert_eq!(
        grok["output_per_mtok"],
        serde_json::json!({"old": 6.0, "new": 2.5})
    );
    // LiteLLM's first-party deepseek listing is new this week: that is the model's price now,
    // said as such (not a percentage against a route); the OpenRouter route's own cut is one
    // of its other listings.
    let ds = find(&e["price_changes"], "deepseek-v4-flash");
    assert_eq!(
        (
            ds["source"].as_str(),
            ds["kind"].as_str(),
            ds["input_per_mtok"]["old"].as_f64(),
            ds["input_per_mtok"]["new"].as_f64()
        ),
        (
            Some("litellm"),
            Some("first_party_listed"),
            None,
            Some(0.14)
        )
    );
    let route = find(&e["listing_price_changes"], "deepseek-v4-flash");
    assert_eq!(
        (
            route["source"].as_str(),
            route["input_per_mtok"]["new"].as_f64()
        ),
        (Some("openrouter"), Some(0.09))
    );
    let m3 = find(&e["price_changes"], "minimax-m3");
    assert_eq!(
        (m3["basis"].as_str(), m3["pct"].as_f64()),
        (Some("first_party"), Some(-50.0))
    );
    assert_eq!(find(&e["context_changes"], "minimax-m3")["new"], 1_000_000);
    // Swapped input/output prices put back in place: a correction, not a change.
    let cr = find(&e["price_changes"], "command-r7b:122024");
    assert_eq!(cr["kind"], "correction");
    // The Artificial Analysis rescale is one notice per index, not hundreds of shifts.
    let method = notices(&e, "methodology_change");
    assert_eq!(method.len(), 3, "{method:?}");
    assert!(!e["rank_shifts"].as_array().unwrap().iter().any(|s| {
        s["leaderboard"]
            .as_str()
            .unwrap()
            .starts_with("openrouter:aa_")
    }));
    assert!(e["rank_shifts"].as_array().unwrap().len() < 30);
    // Removals of 06-15, confirmed by a second healthy pull on 06-22; glm-5v-turbo came back.
    let removed = models(&e["removed_models"]);
    assert!(removed.contains(&"llama-guard-3-8b"), "{removed:?}");
    // Kimi K2.6's `:free` route went, its paid listing stayed: the model was not removed.
    assert!(
        !removed.iter().any(|m| m.starts_with("kimi-k2-6")),
        "{removed:?}"
    );
    assert!(!removed.contains(&"glm-5v-turbo"));
    // The LiveBench retroactive fix moves claude-opus-4-8-high-effort #10 -> #6 overall.
    let opus = e["rank_shifts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["leaderboard"] == "livebench:livebench_overall"
                && s["model"] == "claude-opus-4-8:high"
        })
        .unwrap();
    assert_eq!(
        (opus["old_rank"].as_u64(), opus["new_rank"].as_u64()),
        (Some(10), Some(6))
    );

    // 06-22 -> 06-29 (2026-W27).
    let e = brief_json(&app, &["--week", "2026-W27"]).await;
    assert_eq!(find(&e["new_models"], "fugu-ultra")["input_per_mtok"], 5.0);
    let oss = find(&e["price_changes"], "gpt-oss-120b");
    assert_eq!(
        oss["input_per_mtok"],
        serde_json::json!({"old": 0.039, "new": 0.03})
    );
    assert_eq!(
        find(&e["context_changes"], "gpt-5-4-mini")["new"],
        1_050_000
    );
    // mistral-medium-latest is an alias re-pointed to mistral-medium-2604: a note, no price change.
    assert!(!models(&e["price_changes"]).contains(&"mistral-medium-latest"));
    assert!(
        notices(&e, "alias_repointed")
            .iter()
            .any(|t| t.starts_with("mistral/mistral-medium-latest"))
    );
    // mistral-medium-2604 (Mistral Medium 3.5, from April) is only in LiteLLM: catalogued, not
    // announced as new.
    assert!(!models(&e["new_models"]).contains(&"mistral-medium-2604"));
    assert!(
        notices(&e, "catalogued")
            .iter()
            .any(|t| t.contains("mistral-medium-2604")),
        "{:?}",
        notices(&e, "catalogued")
    );
    let removed = models(&e["removed_models"]);
    assert!(
        removed.contains(&"claude-3-5-haiku") && removed.contains(&"mimo-v2-flash"),
        "{removed:?}"
    );
    // LiveBench did not change this week (identical files): no LiveBench shifts.
    assert!(
        !e["rank_shifts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["leaderboard"].as_str().unwrap().starts_with("livebench"))
    );

    // 06-29 -> 07-06 (2026-W28).
    let e = brief_json(&app, &["--week", "2026-W28"]).await;
    let sonnet = find(&e["new_models"], "claude-sonnet-5");
    assert_eq!(
        (
            sonnet["input_per_mtok"].as_f64(),
            sonnet["output_per_mtok"].as_f64()
        ),
        (Some(2.0), Some(10.0))
    );
    assert_eq!(sonnet["context"], 1_000_000);
    assert_eq!(sonnet["reasoning"], true);
    let overall = sonnet["scores"]["livebench:livebench_overall"]
        .as_f64()
        .unwrap();
    assert!(
        (overall - 75.8).abs() < 0.05,
        "LiveBench overall ~75.8, got {overall}"
    );
    for m in ["hy3", "laguna-xs-2-1"] {
        assert!(models(&e["new_models"]).contains(&m), "{m}");
    }
    // The re-pointed alias is not a price cut of anything.
    assert!(
        !models(&e["price_changes"])
            .iter()
            .any(|m| m.contains("sonnet"))
    );
    assert!(notices(&e, "alias_repointed").iter().any(|t| {
        t.contains("~anthropic/claude-sonnet-latest")
            && t.contains("$2/$10")
            && t.contains("$3/$15")
    }));
    let qwen = find(&e["price_changes"], "qwen3-30b-a3b-instruct-2507");
    assert_eq!(qwen["output_per_mtok"]["new"], 0.0);
    assert_eq!(
        find(&e["context_changes"], "qwen3-30b-a3b-instruct-2507")["new"],
        262_144
    );
    let removed = models(&e["removed_models"]);
    // Claude Opus 4.6's fast route went while the model stays on OpenRouter: no removal.
    assert!(
        !removed.iter().any(|m| m.starts_with("claude-opus-4-6"))
            && removed.contains(&"intellect-3"),
        "{removed:?}"
    );
    assert!(
        e["sources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "ok")
    );
}

#[tokio::test]
async fn a_brief_over_an_unchanged_source_is_empty() {
    let server = FixtureServer::start().await;
    let app = App::new(&sources_2026(&server));
    serve_2026(&server, "2026-07-06");
    app.ingest("2026-07-01T20:00:00Z").await;
    app.ingest("2026-07-06T20:00:00Z").await;
    let e = brief_json(&app, &["--week", "2026-W28"]).await;
    for section in [
        "new_models",
        "price_changes",
        "rank_shifts",
        "removed_models",
        "context_changes",
    ] {
        assert_eq!(e[section], serde_json::json!([]), "{section}");
    }
}

/// The W28 edition computed with `extra` pulls inserted (or the files transformed).
async fn w28_with(
    transform: impl Fn(&str, Vec<u8>) -> Vec<u8>,
    failing_pull_between: bool,
) -> Value {
    let server = FixtureServer::start().await;
    let app = App::new(&sources_2026(&server));
    for date in ["2026-06-22", "2026-06-29", "2026-07-06"] {
        if date == "2026-07-06" && failing_pull_between {
            for p in ["/openrouter.json", "/litellm.json", "/livebench.csv"] {
                server.set(p, Reply::Status(503));
            }
            let (code, _) = app.ingest("2026-07-02T20:00:00Z").await;
            assert_eq!(code, 1);
        }
        serve_2026(&server, date);
        for (path, file) in [
            ("/openrouter.json", "openrouter-models"),
            ("/litellm.json", "litellm-model-prices"),
        ] {
            server.set(
                path,
                Reply::Body(transform(file, fixture(&format!("{file}/{date}.json")))),
            );
        }
        app.ingest(&format!("{date}T20:00:00Z")).await;
    }
    brief_json(&app, &["--week", "2026-W28"]).await
}

/// The edition without what differs between two runs on two fixture servers: each receipt's
/// URL (another port) and snapshot ids (ids are local to a database, handed out in the order
/// concurrent pulls finish), and, with `receipts`, the whole receipt (the bytes were different).
fn claims_only(mut v: Value, receipts: bool) -> Value {
    fn walk(v: &mut Value, receipts: bool) {
        match v {
            Value::Object(m) => {
                if receipts {
                    m.remove("evidence");
                } else if let Some(Value::Array(ev)) = m.get_mut("evidence") {
                    for e in ev.iter_mut() {
                        let e = e.as_object_mut().unwrap();
                        e.remove("url");
                        for side in ["before", "after"] {
                            if let Some(Value::Object(s)) = e.get_mut(side) {
                                s.remove("snapshot_id");
                            }
                        }
                    }
                }
                m.values_mut().for_each(|x| walk(x, receipts));
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, receipts)),
            _ => {}
        }
    }
    walk(&mut v, receipts);
    v
}

#[tokio::test]
async fn a_failed_pull_between_two_good_ones_changes_nothing() {
    let plain = w28_with(|_, b| b, false).await;
    let with_failure = w28_with(|_, b| b, true).await;
    assert!(plain["price_changes"][0]["evidence"][0]["url"].is_string());
    // Not even the receipts: the same content, fetched at the same times, hashing the same.
    assert_eq!(claims_only(plain, false), claims_only(with_failure, false));
}

#[tokio::test]
async fn the_order_of_rows_in_a_source_file_does_not_matter() {
    let plain = w28_with(|_, b| b, false).await;
    let reversed = w28_with(
        |file, bytes| {
            let mut v: Value = serde_json::from_slice(&bytes).unwrap();
            if file == "openrouter-models" {
                v["data"].as_array_mut().unwrap().reverse();
            } else {
                let obj = v.as_object().unwrap();
                let rev: serde_json::Map<String, Value> = obj
                    .iter()
                    .rev()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                v = Value::Object(rev);
            }
            serde_json::to_vec(&v).unwrap()
        },
        false,
    )
    .await;
    // The receipts differ (the fetched bytes did); what the edition says does not.
    assert_ne!(plain, reversed);
    assert_eq!(claims_only(plain, true), claims_only(reversed, true));
}

fn shift<'a>(e: &'a Value, board: &str, model_prefix: &str) -> Option<&'a Value> {
    e["rank_shifts"].as_array().unwrap().iter().find(|s| {
        s["leaderboard"] == board && s["model"].as_str().unwrap().starts_with(model_prefix)
    })
}

fn listing<'a>(e: &'a Value, id: &str) -> Option<&'a Value> {
    e["listing_price_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["listing"] == id)
}

#[tokio::test]
async fn the_brief_calls_ties_free_listings_route_moves_and_followed_aliases_what_they_are() {
    let (_server, app) = replay_2026().await;

    // W25: Kimi K2.7 Code and gpt-5.4-xhigh both score 70.000 on LiveBench Agentic Coding.
    let w25 = brief_json(&app, &["--week", "2026-W25"]).await;
    let kimi = shift(&w25, "livebench:livebench:Agentic Coding", "kimi-k2-7-code")
        .expect("Kimi joins the top of Agentic Coding");
    assert_eq!(kimi["kind"], "tied_leader", "{kimi}");
    // No LiveBench Reasoning score moved that week: nobody "takes #1" on it by standing still.
    assert!(
        !w25["rank_shifts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| { s["leaderboard"] == "category:Reasoning" && s["old_score"] == s["score"] }),
        "{}",
        w25["rank_shifts"]
    );
    // GPT-5.5-xhigh is GPT-5.5: linked, so Claude Fable 5 is not a new #1 on Knowledge
    // (84.356 against GPT-5.5's 84.370).
    assert!(
        shift(&w25, "category:Knowledge", "claude-fable-5")
            .is_none_or(|s| s["kind"] != "new_leader")
    );
    // OpenRouter's MiniMax M2.5 route fell 19% while LiteLLM's first-party row is canonical.
    let m25 = listing(&w25, "minimax/minimax-m2.5").expect("the route's move is reported");
    assert_eq!(m25["basis"], "other_listing");

    // W27: kimi-latest followed kimi-k2.6's cut; that is K2.6's price change, not a re-point.
    let w27 = brief_json(&app, &["--week", "2026-W27"]).await;
    assert!(listing(&w27, "moonshotai/kimi-k2.6").is_some());
    assert!(
        !notices(&w27, "alias_repointed")
            .iter()
            .any(|n| n.contains("kimi-latest")),
        "{:?}",
        notices(&w27, "alias_repointed")
    );
    assert!(listing(&w27, "sambanova/gpt-oss-120b").is_some());

    // W28: a paid listing at $0 is said as listed at $0, never "cheaper −100%" (nor "free":
    // it may be a promotion or a slip); Hy3 leaves preview.
    let w28 = brief_json(&app, &["--week", "2026-W28"]).await;
    assert_eq!(
        find(&w28["price_changes"], "qwen3-30b-a3b-instruct-2507")["kind"],
        "became_free"
    );
    assert_eq!(
        find(&w28["new_models"], "hy3")["kind"],
        "generally_available"
    );
    let text = app
        .stdout(
            "2026-07-07T09:00:00Z",
            &["brief", "--week", "2026-W28", "--format", "text"],
        )
        .await;
    assert!(text.contains("listed at $0 now (was paid)"), "{text}");
    assert!(!text.contains("now free"), "{text}");
    assert!(!text.contains("\u{2212}100.0%"), "{text}");
}

/// The same database gives the same bytes whatever else the machine is doing: eight briefs of
/// one week, computed at once by separate processes while every core is kept busy, print
/// identical JSON, text and HTML.
#[tokio::test]
async fn a_brief_computed_many_times_at_once_under_load_gives_the_same_bytes() {
    let (_server, app) = replay_2026().await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let burners: Vec<_> = (0..std::thread::available_parallelism().map_or(2, |n| n.get()))
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                }
                x
            })
        })
        .collect();
    for format in ["json", "text", "html"] {
        let args = ["brief", "--week", "2026-W28", "--format", format];
        let runs = (0..8).map(|_| app.run("2026-07-07T09:00:00Z", &args));
        let outs = futures::future::join_all(runs).await;
        let first = &outs[0];
        assert_eq!(first.status.code(), Some(0), "{format}");
        assert!(first.stdout.len() > 1000, "{format}: a real brief");
        for (i, o) in outs.iter().enumerate() {
            assert_eq!(o.status.code(), Some(0), "{format} run {i}");
            assert!(
                o.stdout == first.stdout,
                "{format} run {i} differs from run 0"
            );
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for b in burners {
        b.join().unwrap();
    }
}

/// The top stories are the week's real news, first, each said once: 2026-W25's new frontier
/// model with the #1 it took, the tie for #1, then the largest price moves; 2026-W26's strict
/// new #1.
#[tokio::test]
async fn the_top_stories_put_the_real_news_first_and_say_each_model_once() {
    let (_server, app) = replay_2026().await;
    let w25 = app.brief_json("2026-06-22T09:00:00Z", "2026-W25").await;
    let stories = w25["top_stories"].as_array().unwrap();
    assert!((3..=5).contains(&stories.len()), "{stories:?}");
    assert_eq!(stories[0]["kind"], "new_model");
    assert_eq!(stories[0]["model"], "claude-fable-5");
    let first = stories[0]["text"].as_str().unwrap();
    assert!(
        first.contains("$10 in / $50 out")
            && first.contains("new #1 on LiveBench Language (as Claude Fable 5 (xhigh))"),
        "{first}"
    );
    assert_eq!(stories[1]["model"], "kimi-k2-7-code");
    assert!(
        stories[1]["text"]
            .as_str()
            .unwrap()
            .contains("shares #1 on LiveBench Agentic Coding")
    );
    let models: Vec<&str> = stories
        .iter()
        .map(|s| s["model"].as_str().unwrap())
        .collect();
    let mut unique = models.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        models.len(),
        "one story per model: {models:?}"
    );
    // Every story is something its section says.
    for s in stories.iter().filter(|s| s["kind"] == "price_change") {
        assert!(
            w25["price_changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["model"]
                    .as_str()
                    .unwrap()
                    .starts_with(s["model"].as_str().unwrap())),
            "{s}"
        );
    }
    let text = app
        .stdout(
            "2026-06-22T09:00:00Z",
            &["brief", "--week", "2026-W25", "--format", "text"],
        )
        .await;
    let top = text
        .split("TOP STORIES")
        .nth(1)
        .expect("a top stories section");
    assert!(
        text.find("TOP STORIES") < text.find("NEW MODELS"),
        "at the top"
    );
    assert!(top.contains("* New: Claude Fable 5 by anthropic"), "{top}");

    let w26 = app.brief_json("2026-06-29T09:00:00Z", "2026-W26").await;
    // GLM 5.2 arrives (in the bundled weeks) and takes #1: the first story, said once.
    let leader = &w26["top_stories"][0];
    assert_eq!(leader["model"], "glm-5-2");
    assert!(
        leader["text"]
            .as_str()
            .unwrap()
            .contains("new #1 on LiveBench Agentic Coding"),
        "{leader}"
    );
    // Bigger moves first: the −53% cut is ahead of the −13% one.
    let pos = |m: &str| {
        w26["top_stories"]
            .as_array()
            .unwrap()
            .iter()
            .position(|s| s["model"] == m)
    };
    assert!(pos("grok-4-20-multi-agent") < pos("kimi-k2-7-code").or(Some(99)));
    // LiteLLM's MiniMax-M3 moving to the $0.3/$1.2 OpenRouter listed all along is a catalogue
    // fix: listed as such, not counted, not a story.
    let m3 = find(&w26["price_changes"], "minimax-m3");
    assert_eq!(m3["kind"], "reconciled");
    assert_eq!(m3["reconciled_with"], "openrouter");
    assert_eq!(pos("minimax-m3"), None);
    // Artificial Analysis's coverage on OpenRouter collapsing (186 listings to 47) is one
    // notice per index, not a week of rank moves.
    let collapsed: Vec<&str> = w26["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "benchmark_removed")
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert!(
        collapsed
            .iter()
            .any(|t| t
                .contains("Artificial Analysis Intelligence Index for 47 models (down from 186)")),
        "{collapsed:?}"
    );
    assert!(!w26["rank_shifts"].as_array().unwrap().iter().any(|s| {
        s["leaderboard"]
            .as_str()
            .unwrap()
            .starts_with("openrouter:aa_")
    }));
}
