//! The operator's `subscribers` commands on a real database.

use crate::common::App;
use serde_json::Value;

async fn run(app: &App, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["subscribers"];
    all.extend_from_slice(args);
    let out = app.run("2026-07-07T09:00:00Z", &all).await;
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn an_operator_imports_lists_exports_and_erases_subscribers() {
    let app = App::new(&[]);
    let (code, out, err) = run(&app, &["add", "Grace@Example.com", "--confirmed"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "Grace@example.com: confirmed");

    let csv = app.dir.path().join("list.csv");
    std::fs::write(
        &csv,
        "name,email\nAlan,alan@example.com\nBad,not-an-email\nGrace again,Grace@EXAMPLE.COM\n",
    )
    .unwrap();
    let (code, out, _) = run(&app, &["import", csv.to_str().unwrap(), "--confirmed"]).await;
    assert_eq!(code, 0);
    assert!(out.starts_with("1 added, 1 unchanged, 1 refused"), "{out}");
    assert!(
        out.contains("line 3: \"not-an-email\" is not a valid address"),
        "{out}"
    );

    let (_, out, _) = run(&app, &["list", "--status", "confirmed", "--format", "json"]).await;
    let list: Vec<Value> = serde_json::from_str(&out).unwrap();
    let emails: Vec<&str> = list.iter().map(|s| s["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["Grace@example.com", "alan@example.com"]);
    assert!(
        list.iter()
            .all(|s| s["status"] == "confirmed" && s["created_at"].is_string())
    );

    let (_, out, _) = run(&app, &["export"]).await;
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some(
            "email,status,created_at,event_at,from_status,to_status,method,consent_version,consent_text,ip"
        )
    );
    assert!(out.contains("Grace@example.com,confirmed,2026-07-07T09:00:00.000Z,2026-07-07T09:00:00.000Z,,confirmed,operator_import"));

    let (code, out, _) = run(&app, &["remove", "Grace@example.com"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("erased"));
    let (_, out, _) = run(&app, &["list", "--format", "json"]).await;
    assert_eq!(serde_json::from_str::<Vec<Value>>(&out).unwrap().len(), 1);
    let (code, _, err) = run(&app, &["add", "Grace@example.com", "--confirmed"]).await;
    assert_eq!(code, 2, "an erased address is never re-added by accident");
    assert!(err.contains("erased at the person's request"), "{err}");

    let (code, _, err) = run(&app, &["add", "bad\r\nBcc: x@example.com"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("line break or control character"), "{err}");
}
