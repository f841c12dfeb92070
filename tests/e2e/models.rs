//! `models show` and `models unlinked` on the demo's database (the bundled 2026 fixtures):
//! LiveBench names GPT-5.5 by raw id with its effort (`gpt-5.5-xhigh`), LiteLLM and
//! OpenRouter by slug at $5/$30; `arcee-trinity-large-preview` and `elephant-alpha` are LiveBench
//! rows no catalogue lists (checked in tests/fixtures).

use crate::common::demo_dir;
use serde_json::Value;
use std::process::{Command, Output};

fn models(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_modelbrief"))
        .arg("--config")
        .arg(dir.join("modelbrief.toml"))
        .arg("models")
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

#[test]
fn models_show_lists_every_row_spelling_and_variant_behind_a_model_named_any_way() {
    let dir = demo_dir();
    for name in ["GPT-5.5", "openai/gpt-5.5", "gpt-5.5-xhigh", "gpt-5-5"] {
        let s = json(&models(dir.path(), &["show", name, "--format", "json"]));
        assert_eq!(s["key"], "gpt-5-5", "{name}");
        assert_eq!(s["name"], "GPT-5.5", "the catalogue's name, not a raw id");
        let rows = s["rows"].as_array().unwrap();
        let row = |source: &str, id: &str| {
            rows.iter()
                .find(|r| r["source"] == source && r["source_model"] == id)
                .unwrap_or_else(|| panic!("{source} {id} in {rows:?}"))
        };
        let xhigh = row("livebench", "gpt-5.5-xhigh");
        assert_eq!(xhigh["variant"], "xhigh");
        assert!(xhigh["scores"].as_object().unwrap().len() > 10);
        let lite = row("litellm", "gpt-5.5");
        assert_eq!(lite["input_per_mtok"], "5");
        assert_eq!(lite["output_per_mtok"], "30");
        assert_eq!(row("openrouter", "openai/gpt-5.5")["context"], 1_050_000);
        let spellings = s["spellings"].as_array().unwrap();
        assert_eq!(
            spellings.len(),
            rows.len(),
            "every stored spelling is listed"
        );
    }
    let text = String::from_utf8(models(dir.path(), &["show", "GPT-5.5"]).stdout).unwrap();
    assert!(text.starts_with("gpt-5-5  GPT-5.5 by openai\n"), "{text}");
    assert!(
        text.contains("livebench    gpt-5.5-xhigh  \"gpt-5.5-xhigh\"  variant xhigh, 31 scores"),
        "{text}"
    );
    assert!(text.contains("$5 in / $30 out, context 1.05M"), "{text}");

    // A name without its family's prefix, when only one model ends with it.
    let opus = json(&models(
        dir.path(),
        &["show", "Opus 4.8", "--format", "json"],
    ));
    assert_eq!(opus["key"], "claude-opus-4-8");

    let unknown = models(dir.path(), &["show", "gpt-5.55-ultra"]);
    assert_eq!(unknown.status.code(), Some(2));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        err.contains("did you mean") && err.contains("gpt-5-5"),
        "{err}"
    );
}

#[test]
fn models_unlinked_lists_the_keys_only_one_source_knows_with_candidates_elsewhere() {
    let dir = demo_dir();
    let u = json(&models(
        dir.path(),
        &["unlinked", "--source", "livebench", "--format", "json"],
    ));
    let keys: Vec<&str> = u["unlinked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    // Every LiveBench row the rules link (raw ids with efforts, `-thinking-32k`, `-base`,
    // `claude-4-1-opus`) is gone from the list; what is left has no catalogue row.
    assert_eq!(
        keys,
        ["arcee-trinity-large", "elephant-alpha", "mimo-v2-pro"]
    );
    let arcee = &u["unlinked"][0];
    assert_eq!(arcee["names"][0], "arcee-trinity-large-preview");
    // The maker's name in front does not hide OpenRouter's `arcee-ai/trinity-large-thinking`.
    assert_eq!(arcee["candidates"][0]["key"], "trinity-large");
    assert_eq!(arcee["candidates"][0]["sources"][0], "openrouter");
    // A different model is offered as a candidate, never linked.
    assert_eq!(u["unlinked"][2]["candidates"][0]["key"], "mimo-v2-5-pro");
    assert!(u["keys"].as_u64().unwrap() > 900);

    let all = json(&models(dir.path(), &["unlinked", "--format", "json"]));
    assert!(all["unlinked"].as_array().unwrap().len() > keys.len());
    let none = models(dir.path(), &["unlinked", "--source", "nope"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no source named \"nope\""));
}

/// An alias added to a running install re-keys the rows already stored, so the week of the edit
/// reads as if the alias had always been there: the old key is not "removed", the new one not
/// "new".
#[tokio::test]
async fn an_alias_added_later_re_keys_the_stored_rows_and_the_brief_calls_nothing_removed_or_new() {
    use crate::brief::{serve_2026, sources_2026};
    let server = crate::common::FixtureServer::start().await;
    let app = crate::common::App::new(&sources_2026(&server));
    for date in ["2026-06-22", "2026-06-29"] {
        serve_2026(&server, date);
        app.ingest(&format!("{date}T20:00:00Z")).await;
    }
    std::fs::write(
        app.dir.path().join("aliases.toml"),
        "[aliases]\n\"elephant-alpha\" = \"elephant:alpha\"\n",
    )
    .unwrap();
    app.append_config("\n[identity]\naliases = \"aliases.toml\"\n");
    serve_2026(&server, "2026-07-06");
    app.ingest("2026-07-06T20:00:00Z").await;

    let e = crate::brief::brief_json(&app, &["--week", "2026-W28"]).await;
    let keys = |section: &str| -> Vec<String> {
        e[section]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["model"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        !keys("removed_models")
            .iter()
            .any(|k| k.starts_with("elephant")),
        "{}",
        e["removed_models"]
    );
    assert!(
        !keys("new_models").iter().any(|k| k.starts_with("elephant")),
        "{}",
        e["new_models"]
    );

    let out = app
        .run(
            "2026-07-07T09:00:00Z",
            &["models", "show", "elephant-alpha", "--format", "json"],
        )
        .await;
    let s = json(&out);
    assert_eq!(s["key"], "elephant");
    assert_eq!(s["rows"][0]["source_model"], "elephant-alpha");
    assert_eq!(s["rows"][0]["variant"], "alpha");
    assert_eq!(s["alias_entries"][0]["target"], "elephant:alpha");
    assert!(
        s["spellings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|sp| sp["variant"] == "alpha"),
        "{}",
        s["spellings"]
    );
}
