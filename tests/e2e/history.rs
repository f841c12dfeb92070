//! `history` on the demo's database (the bundled 2026 fixtures, pulled at 20:00 UTC on
//! 2026-06-22, 06-29 and 07-06): OpenRouter lists `moonshotai/kimi-k2.6` at 6.6e-07/3.41e-06 per
//! token, then 5.5e-07/3.2e-06, then 6.6e-07/3.41e-06 again (checked in tests/fixtures).

use crate::common::demo_dir;
use serde_json::Value;
use std::process::{Command, Output};

fn history(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_modelbrief"))
        .arg("--config")
        .arg(dir.join("modelbrief.toml"))
        .arg("history")
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (from, until, input, output) of each period of one listing.
fn periods(h: &Value, source: &str, id: &str) -> Vec<(String, String, String, String)> {
    let listing = h["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["source"] == source && l["source_model"] == id)
        .unwrap_or_else(|| panic!("no {source} listing {id} in {h:#}"));
    listing["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |v: &Value| v.as_str().unwrap_or("-").to_owned();
            (
                s(&p["from"]),
                s(&p["until"]),
                s(&p["input_per_mtok"]),
                s(&p["output_per_mtok"]),
            )
        })
        .collect()
}

#[test]
fn history_dates_every_price_of_a_listing_and_at_a_date_gives_that_days_price() {
    let dir = demo_dir();
    let h = json(&history(dir.path(), &["Kimi K2.6", "--format", "json"]));
    assert_eq!(h["key"], "kimi-k2-6");
    let p = |a: &str, b: &str, i: &str, o: &str| (a.into(), b.into(), i.into(), o.into());
    assert_eq!(
        periods(&h, "openrouter", "moonshotai/kimi-k2.6"),
        [
            p(
                "2026-06-22T20:00:00Z",
                "2026-06-29T20:00:00Z",
                "0.66",
                "3.41"
            ),
            p(
                "2026-06-29T20:00:00Z",
                "2026-07-06T20:00:00Z",
                "0.55",
                "3.2"
            ),
            p("2026-07-06T20:00:00Z", "-", "0.66", "3.41"),
        ]
    );

    let last = &h["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["source_model"] == "moonshotai/kimi-k2.6")
        .unwrap()["periods"][2];
    assert_eq!(last["last_seen"], "2026-07-06T20:00:00Z");

    let at = json(&history(
        dir.path(),
        &[
            "moonshotai/kimi-k2.6",
            "--at",
            "2026-07-01",
            "--format",
            "json",
        ],
    ));
    assert_eq!(at["at"], "2026-07-01T23:59:59Z");
    assert_eq!(
        periods(&at, "openrouter", "moonshotai/kimi-k2.6"),
        [p(
            "2026-06-29T20:00:00Z",
            "2026-07-06T20:00:00Z",
            "0.55",
            "3.2"
        )]
    );
    let before = json(&history(
        dir.path(),
        &["kimi-k2.6", "--at", "2026-06-01", "--format", "json"],
    ));
    assert_eq!(before["listings"], Value::Array(Vec::new()));

    let text = history(dir.path(), &["Kimi K2.6"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("2026-06-29 → 2026-07-06")
            && text.contains("$0.55 in / $3.2 out; context 256K"),
        "{text}"
    );
}

#[test]
fn history_refuses_an_unknown_model_or_date_with_exit_2_and_says_why() {
    let dir = demo_dir();
    let out = history(dir.path(), &["kimi-k2.6", "--at", "last tuesday"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--at \"last tuesday\": expected a date")
    );
    let out = history(dir.path(), &["kimi-k9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown model \"kimi-k9\""));
}
