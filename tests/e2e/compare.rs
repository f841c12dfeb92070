//! `compare` on real fixture models whose values were checked by hand in the files:
//! LiteLLM 2026-07-06 lists `claude-sonnet-5` at 2e-06/1e-05 and `claude-opus-4-8` at
//! 5e-06/2.5e-05 per token, both with max_input_tokens 1000000; LiveBench 2026-07-06 gives the
//! xhigh-effort rows IF means of 59.39 (Sonnet 5) and 67.45 (Opus 4.8).

use crate::common::demo_dir;
use serde_json::Value;
use std::process::Command;

fn compare(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_modelbrief"))
        .arg("--config")
        .arg(dir.join("modelbrief.toml"))
        .arg("compare")
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

#[test]
fn compare_shows_categories_prices_and_a_verdict_for_models_named_any_way() {
    let dir = demo_dir();
    // A slug, and a display name.
    let out = compare(
        dir.path(),
        &[
            "anthropic/claude-sonnet-5",
            "Claude Opus 4.8",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (c["a"]["model"].as_str(), c["b"]["model"].as_str()),
        (Some("claude-sonnet-5"), Some("claude-opus-4-8"))
    );
    assert_eq!(
        (
            c["a"]["input_per_mtok"].as_f64(),
            c["a"]["output_per_mtok"].as_f64()
        ),
        (Some(2.0), Some(10.0))
    );
    assert_eq!(
        (
            c["b"]["input_per_mtok"].as_f64(),
            c["b"]["output_per_mtok"].as_f64()
        ),
        (Some(5.0), Some(25.0))
    );
    assert_eq!(
        (c["a"]["context"].as_u64(), c["b"]["context"].as_u64()),
        (Some(1_000_000), Some(1_000_000))
    );
    assert_eq!(
        c["a"]["speed"],
        Value::Null,
        "no source publishes speed: N/A, never invented"
    );
    let ifc = c["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == "Instruction Following")
        .unwrap();
    assert_eq!(
        (ifc[1].as_f64(), ifc[2].as_f64(), ifc[3].as_f64()),
        (Some(59.4), Some(67.4), Some(-8.0))
    );
    let verdict = c["verdict"].as_str().unwrap();
    assert!(
        verdict.contains("Claude Opus 4.8 costs 2.5 times more"),
        "{verdict}"
    );

    let text =
        String::from_utf8(compare(dir.path(), &["claude-sonnet-5", "claude-opus-4-8"]).stdout)
            .unwrap();
    assert!(
        text.contains("speed") && text.contains("latency (TTFT)") && text.contains("N/A"),
        "{text}"
    );
    let html = String::from_utf8(
        compare(
            dir.path(),
            &["claude-sonnet-5", "claude-opus-4-8", "--format", "html"],
        )
        .stdout,
    )
    .unwrap();
    assert!(html.contains("<h1>Claude Sonnet 5 vs Claude Opus 4.8</h1>"));
}

#[test]
fn an_unknown_model_is_a_clear_error_with_close_matches() {
    let dir = demo_dir();
    let out = compare(dir.path(), &["claude-sonet-5", "claude-opus-4-8"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown model \"claude-sonet-5\" (did you mean: claude-sonnet-5"),
        "{err}"
    );
}
