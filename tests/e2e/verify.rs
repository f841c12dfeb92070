//! `verify WEEK` on the demo's database: its W28 edition, sent by the demo, matches the stored
//! snapshots; after one stored row is edited in place (OpenRouter's 2026-07-06 Kimi K2.6 row,
//! its $0.66 input price, 6.6e-07 per token in tests/fixtures — the same row as 06-22's — made
//! $0.10), verify names that row in both snapshots
//! and the edition's price line that no longer follows.

use crate::common::demo_dir;
use serde_json::Value;
use std::process::{Command, Output};

fn verify(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_modelbrief"))
        .arg("--config")
        .arg(dir.join("modelbrief.toml"))
        .arg("verify")
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

#[tokio::test]
async fn verify_passes_a_real_edition_and_names_a_tampered_row_and_what_it_changed() {
    let dir = demo_dir();
    let out = verify(dir.path(), &["2026-W28", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matches"], true);
    assert_eq!(v["difference_count"], 0);
    assert!(v["rows_checked"].as_u64().unwrap() > 5_000, "{v}");

    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("modelbrief.db").display()
    ))
    .await
    .unwrap();
    let (id, data): (i64, String) = sqlx::query_as(
        "SELECT id, data FROM observations
         WHERE source_model = 'moonshotai/kimi-k2.6' AND data LIKE '%\"input_per_mtok\":\"0.66\"%'
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE observations SET data = ?1 WHERE id = ?2")
        .bind(data.replace("\"input_per_mtok\":\"0.66\"", "\"input_per_mtok\":\"0.10\""))
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let out = verify(dir.path(), &["2026-W28", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matches"], false);
    // The row is stored once and shared by the two snapshots that listed the same price
    // (06-22, read by the chart's history, and 07-06): named in each.
    let altered = v["altered_rows"].as_array().unwrap();
    assert_eq!(altered.len(), 2, "{v}");
    for a in altered {
        assert_eq!(a["observation_id"], id);
        assert_eq!(a["source"], "openrouter");
        assert_eq!(a["source_model"], "moonshotai/kimi-k2.6");
    }
    assert_ne!(altered[0]["snapshot_id"], altered[1]["snapshot_id"]);
    let paths: Vec<&str> = v["differences"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["path"].as_str())
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("/listing_price_changes/")),
        "the Kimi K2.6 move on OpenRouter is no longer what the row says: {paths:?}"
    );

    let text = verify(dir.path(), &["2026-W28"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.starts_with("2026-W28: DOES NOT MATCH its stored snapshots"),
        "{text}"
    );
    assert!(
        text.contains("openrouter snapshot ")
            && text.contains(&format!("row {id} (moonshotai/kimi-k2.6)")),
        "{text}"
    );
}

#[test]
fn verify_refuses_a_week_without_an_edition_or_an_unreadable_one_with_exit_2() {
    let dir = demo_dir();
    let out = verify(dir.path(), &["2026-W27"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no edition for 2026-W27"));
    let out = verify(dir.path(), &["last-week"]);
    assert_eq!(out.status.code(), Some(2));
}
