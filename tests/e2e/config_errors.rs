//! A configuration that cannot work fails fast with exit 2 and a message naming the place.

use crate::common::{App, Src};

async fn check(app: &App) -> (i32, String) {
    let out = app.run("2026-07-06T20:00:00Z", &["config", "check"]).await;
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_valid_config_checks_ok() {
    let app = App::new(&[Src::new(
        "a",
        "openrouter",
        "https://openrouter.ai/api/v1/models".into(),
    )]);
    let out = app.run("2026-07-06T20:00:00Z", &["config", "check"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "no token key yet: {stdout}");
    assert!(stdout.contains("ok (1 sources enabled)"));
    assert!(
        stdout.contains("ingest, brief, compare, status: ready"),
        "{stdout}"
    );
    assert!(
        stdout.contains("send, tick, daemon: not ready: MODELBRIEF__TOKENS__SECRET is not set"),
        "{stdout}"
    );
    let app = app.with_env("MODELBRIEF__TOKENS__SECRET", &"k".repeat(40));
    let out = app.run("2026-07-06T20:00:00Z", &["config", "check"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test]
async fn weak_short_and_demo_keys_are_refused_by_every_command_that_signs_links() {
    let app = App::new(&[]);
    for (env, key, message) in [
        ("MODELBRIEF__TOKENS__SECRET", "short", "at least 32 bytes"),
        (
            "MODELBRIEF__TOKENS__SECRET",
            "modelbrief-demo-key-public-not-for-production-use",
            "public demo key",
        ),
        (
            "MODELBRIEF__TOKENS__PREVIOUS_SECRETS",
            "x",
            "PREVIOUS_SECRETS entry 1",
        ),
    ] {
        let mut app = App::new(&[]);
        if env.ends_with("PREVIOUS_SECRETS") {
            app = app.with_env("MODELBRIEF__TOKENS__SECRET", &"k".repeat(40));
        }
        let app = app.with_env(env, key);
        let out = app.run("2026-07-06T20:00:00Z", &["config", "check"]).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        assert!(stdout.contains(message), "{message}: {stdout}");
        let out = app.run("2026-07-06T20:00:00Z", &["serve"]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "serve refuses: {stderr}");
        assert!(stderr.contains(message), "{message}: {stderr}");
    }
    let _ = app;
}

#[tokio::test]
async fn forwarded_for_trust_and_clear_text_smtp_passwords_are_refused_with_the_fix() {
    let app = App::new(&[]);
    app.append_config("[web]\ntrust_forwarded_for = true\n");
    let (code, err) = check(&app).await;
    assert_eq!(code, 2);
    assert!(err.contains("trusted_proxies"), "{err}");
    let app = App::new(&[]);
    app.append_config("[smtp]\nusername = \"brief\"\ntls = \"none\"\n");
    let (code, err) = check(&app).await;
    assert_eq!(code, 2);
    assert!(
        err.contains("clear text") && err.contains("allow_insecure_auth"),
        "{err}"
    );
    let app = App::new(&[]);
    app.append_config("[smtp]\nusername = \"brief\"\ntls = \"none\"\nallow_insecure_auth = true\n");
    let out = app.run("2026-07-06T20:00:00Z", &["config", "check"]).await;
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let app = App::new(&[]);
    app.append_config("[web]\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\", \"nonsense\"]\n");
    let (code, err) = check(&app).await;
    assert_eq!(code, 2);
    assert!(
        err.contains("\"nonsense\" is not an IP address or CIDR"),
        "{err}"
    );
}

#[tokio::test]
async fn an_unknown_kind_exits_2_naming_file_line_and_key() {
    let app = App::new(&[Src::new("a", "huggingface", "https://x/y".into())]);
    let (code, err) = check(&app).await;
    assert_eq!(code, 2);
    assert!(err.contains("modelbrief.toml:14:8 (key `kind`)"), "{err}");
    assert!(err.contains("unknown variant `huggingface`"), "{err}");
}

#[tokio::test]
async fn a_duplicate_source_name_exits_2() {
    let app = App::new(&[
        Src::new("dup", "openrouter", "https://x/a".into()),
        Src::new("dup", "litellm", "https://x/b".into()),
    ]);
    let (code, err) = check(&app).await;
    assert_eq!(code, 2);
    assert!(
        err.contains("modelbrief.toml:18: sources[1] (key `name`): duplicate source name \"dup\""),
        "{err}"
    );
}

#[tokio::test]
async fn a_bad_url_exits_2() {
    let app = App::new(&[Src::new("a", "litellm", "htps//nowhere".into())]);
    let (code, err) = check(&app).await;
    assert_eq!(code, 2);
    assert!(
        err.contains("sources[0] (key `url`): bad URL \"htps//nowhere\""),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_config_file_exits_2_and_says_which() {
    let app = App::new(&[]);
    let out = app
        .run_raw(&["--config", "/nonexistent/m.toml", "ingest"])
        .await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/m.toml: cannot read the configuration file"),
        "{err}"
    );
}

#[tokio::test]
async fn an_unknown_source_on_the_command_line_exits_2() {
    let app = App::new(&[Src::new("a", "litellm", "https://x/y".into())]);
    let out = app
        .run("2026-07-06T20:00:00Z", &["ingest", "--source", "b"])
        .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--source b: no enabled source"));
}

#[tokio::test]
async fn a_bad_now_is_a_usage_error() {
    let app = App::new(&[]);
    let out = app.run("next tuesday", &["config", "check"]).await;
    assert_eq!(out.status.code(), Some(2));
}
