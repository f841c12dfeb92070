//! The 2025 window: LMArena (confidence intervals, the rank-semantics switch), Aider (variants
//! told apart only by reasoning effort, then renamed) and LiteLLM (swapped context windows).

use crate::common::{App, FixtureServer, Reply, Src, fixture};
use serde_json::Value;

const LMARENA: [&str; 6] = [
    "2025-07-01",
    "2025-07-07",
    "2025-07-16",
    "2025-07-18",
    "2025-07-27",
    "2025-07-28",
];
const AIDER: [&str; 7] = [
    "2025-07-07",
    "2025-07-14",
    "2025-07-21",
    "2025-07-28",
    "2025-08-11",
    "2025-08-25",
    "2025-10-06",
];
const LITELLM: [&str; 6] = [
    "2025-06-30",
    "2025-07-07",
    "2025-07-14",
    "2025-07-21",
    "2025-07-28",
    "2025-08-04",
];

/// The latest recorded file at or before `date`.
fn latest<'a>(dates: &[&'a str], date: &str) -> Option<&'a str> {
    dates.iter().rev().find(|d| **d <= date).copied()
}

async fn replay_2025() -> App {
    let server = FixtureServer::start().await;
    let app = App::new(&[
        Src::new("lmarena", "lmarena", server.url("/lmarena.csv")),
        Src::new("aider", "aider", server.url("/aider.yml")),
        Src::new("litellm", "litellm", server.url("/litellm.json")),
    ]);
    let mut dates: Vec<&str> = LMARENA
        .iter()
        .chain(&AIDER)
        .chain(&LITELLM)
        .copied()
        .collect();
    dates.sort();
    dates.dedup();
    for date in dates {
        for (path, dir, ext, list) in [
            ("/lmarena.csv", "lmarena-text", "csv", &LMARENA[..]),
            ("/aider.yml", "aider-polyglot", "yml", &AIDER[..]),
            (
                "/litellm.json",
                "litellm-model-prices",
                "json",
                &LITELLM[..],
            ),
        ] {
            match latest(list, date) {
                Some(d) => server.set(path, Reply::Body(fixture(&format!("{dir}/{d}.{ext}")))),
                None => server.set(path, Reply::Status(404)),
            }
        }
        app.ingest(&format!("{date}T12:00:00Z")).await;
    }
    app
}

async fn at(app: &App, now: &str) -> Value {
    let out = app.run(now, &["brief", "--format", "json"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn shifts<'a>(e: &'a Value, board: &str) -> Vec<&'a Value> {
    e["rank_shifts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["leaderboard"] == board)
        .collect()
}

fn new_keys(e: &Value) -> Vec<&str> {
    e["new_models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn lmarena_aider_and_litellm_weeks_of_2025_read_true() {
    let app = replay_2025().await;

    // 07-09 .. 07-16: Grok 4 arrives on LMArena (1440) and on Aider (79.6%, #4).
    let e = at(&app, "2025-07-16T13:00:00Z").await;
    let grok = e["new_models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == "grok-4")
        .unwrap();
    assert_eq!(grok["scores"]["lmarena:lmarena_text"], 1440.0);
    assert_eq!(grok["scores"]["aider:aider_polyglot"], 79.6);
    assert_eq!(
        grok["input_per_mtok"], 3.0,
        "xai/grok-4 on LiteLLM at $3 / $15"
    );
    // Its debuts in the top are said with its scores (LMArena #3 by score, Aider #4), not as
    // ranking shifts of their own.
    assert_eq!(grok["ranks"]["lmarena:lmarena_text"], 3);
    assert_eq!(grok["ranks"]["aider:aider_polyglot"], 4);
    let arena = shifts(&e, "lmarena:lmarena_text");
    assert!(arena.iter().all(|s| s["model"] != "grok-4:0709"));
    // Minimax-M1 drops several places, but inside overlapping confidence intervals.
    let mm = arena.iter().find(|s| s["model"] == "minimax-m1").unwrap();
    assert_eq!(mm["significant"], false);
    let text = String::from_utf8(app.run("2025-07-16T13:00:00Z", &["brief"]).await.stdout).unwrap();
    assert!(!text.contains("Minimax-M1"), "{text}");
    assert!(text.contains("1 LMArena move inside overlapping confidence intervals left out"));

    // 07-20 .. 07-27: LMArena switches source; ranks become unique and 42 old rows return.
    let e = at(&app, "2025-07-27T13:00:00Z").await;
    let kinds: Vec<&str> = e["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"rank_semantics_change"), "{kinds:?}");
    assert!(kinds.contains(&"rows_reappeared"));
    assert!(shifts(&e, "lmarena:lmarena_text").is_empty());
    for old in ["claude-1", "claude-2-0", "gemini-app"] {
        assert!(!new_keys(&e).contains(&old), "{old} is not a new model");
    }
    // LiteLLM had swapped the Nova context windows; putting them back is a correction.
    let ctx: Vec<&Value> = e["context_changes"].as_array().unwrap().iter().collect();
    let lite = ctx.iter().find(|c| c["model"] == "nova-lite-v1").unwrap();
    assert_eq!(
        (
            lite["old"].as_u64(),
            lite["new"].as_u64(),
            lite["kind"].as_str()
        ),
        (Some(128_000), Some(300_000), Some("correction"))
    );
    // Removed from LiteLLM on 07-21, confirmed by the next healthy pull. Claude Instant 1 is not
    // gone: LiteLLM still lists it as Bedrock's `anthropic.claude-instant-v1`, so only
    // Anthropic's own listing is said to have gone. (QwQ stays here because this config has no
    // alias file; the shipped one links `qwen-qwq-32b` to `qwq-32b`, which SambaNova still lists.)
    let removed: Vec<(&str, Option<&str>)> = e["removed_models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["model"].as_str().unwrap(), m["maker_listing"].as_str()))
        .collect();
    assert_eq!(
        removed,
        [
            ("claude-instant-1", Some("anthropic")),
            ("claude-instant-1-2", None),
            ("qwen-qwq-32b", None)
        ]
    );

    // 08-18 .. 08-25: three GPT-5 runs, one `model` string, told apart by reasoning effort.
    let e = at(&app, "2025-08-25T13:00:00Z").await;
    assert_eq!(new_keys(&e), ["gpt-5"]);
    let aider = shifts(&e, "aider:aider_polyglot");
    let got: Vec<(&str, u64, &str)> = aider
        .iter()
        .map(|s| {
            (
                s["model"].as_str().unwrap(),
                s["new_rank"].as_u64().unwrap(),
                s["kind"].as_str().unwrap(),
            )
        })
        .collect();
    // One line for the model: its best variant's new #1 (medium at #2 and low at #5 are the
    // same model, not news of their own).
    assert_eq!(got, [("gpt-5:high", 1, "new_leader")]);
    let gpt5 = e["new_models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == "gpt-5")
        .unwrap();
    assert_eq!(gpt5["score_variants"]["aider"], "high");
    // The new #1 gets the matchup of the week against the #1 it displaced.
    let leader = aider.iter().find(|s| s["kind"] == "new_leader").unwrap();
    let m = &e["matchup"];
    assert_eq!(m["leaderboard"], "aider:aider_polyglot");
    assert_eq!(m["comparison"]["a"]["model"], "gpt-5");
    assert_eq!(
        m["comparison"]["b"]["model"].as_str(),
        leader["previous_leader"]
            .as_str()
            .map(|p| p.split(':').next().unwrap()),
        "{m:#}"
    );
    assert_eq!(m["comparison"]["b"]["model"], "o3-pro");
    // GPT-5 has no price in LiteLLM's table yet: the card says so instead of guessing.
    assert_eq!(m["comparison"]["a"]["input_per_mtok"], Value::Null);
    let text = app
        .run("2025-08-25T13:00:00Z", &["brief", "--format", "text"])
        .await;
    let text = String::from_utf8(text.stdout).unwrap();
    let card = text
        .split("MATCHUP OF THE WEEK")
        .nth(1)
        .expect("the text brief has the matchup");
    assert!(
        card.contains("openai/gpt-5, the new #1 on Aider polyglot, against o3-pro"),
        "{card}"
    );
    // Coding rests on Aider alone here: one row for it, not the same numbers twice.
    assert!(card.contains("Coding: 88 vs 84.9 (+3.1)"), "{card}");
    assert!(!card.contains("Aider polyglot: 88 vs 84.9"), "{card}");
    assert!(card.contains("input per 1M: N/A vs $20"), "{card}");
    assert!(
        card.contains("the widest single gap is Aider polyglot (openai/gpt-5 by 3.1)"),
        "{card}"
    );

    // 09-29 .. 10-06: the GPT-5 runs are renamed `gpt-5 (high)` etc.; that is not news.
    let e = at(&app, "2025-10-06T13:00:00Z").await;
    assert_eq!(new_keys(&e), ["deepseek-v3-2-exp"]);
    assert_eq!(e["removed_models"], serde_json::json!([]));
    assert!(
        !e["rank_shifts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["model"].as_str().unwrap().starts_with("gpt-5"))
    );
}
