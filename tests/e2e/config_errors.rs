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
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok (1 sources enabled)"));
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
