//! `modelbrief demo` as a newcomer runs it: a fresh folder, no network, no mail server.

use std::process::Command;

#[test]
fn the_demo_replays_the_bundled_weeks_into_a_brief_and_an_outbox_of_valid_mail() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("modelbrief-demo");
    let out = Command::new(env!("CARGO_BIN_EXE_modelbrief"))
        .current_dir(dir.path())
        .args(["demo", "--dir", "modelbrief-demo"])
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The summary names changes the bundled weeks really contain.
    assert!(
        stdout.contains(
            "4 new models, 0 ranking shifts, 9 price changes, 1 now generally available, 2 removals"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("new: Claude Sonnet 5 (claude-sonnet-5)"));
    // Claude Opus 4.6's fast route went while the model stays listed: not a removal.
    assert!(
        stdout.contains("removed: INTELLECT-3 from openrouter"),
        "{stdout}"
    );
    assert!(!stdout.contains("removed: Claude Opus 4.6"), "{stdout}");
    assert!(stdout.contains("~anthropic/claude-sonnet-latest now costs $2/$10"));
    assert!(
        stdout.contains("compare claude-sonnet-5 claude-opus-4-8"),
        "says what to try next"
    );

    let html = std::fs::read_to_string(target.join("brief.html")).unwrap();
    assert!(html.contains("Claude Sonnet 5"));
    assert!(
        std::fs::read_to_string(target.join("brief.txt"))
            .unwrap()
            .starts_with("modelbrief 2026-W28:")
    );
    let mut eml: Vec<_> = std::fs::read_dir(target.join("outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    eml.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    assert_eq!(eml.len(), 3, "one message per demo subscriber");
    for path in eml {
        let raw = std::fs::read(&path).unwrap();
        let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert!(
            msg.body_text(0).is_some() && msg.body_html(0).is_some(),
            "multipart: {}",
            path.display()
        );
        assert!(
            msg.parts.iter().any(|p| {
                use mail_parser::MimeHeaders;
                p.content_id() == Some("price-history@modelbrief")
                    && p.contents().starts_with(b"\x89PNG")
            }),
            "the price chart travels inline: {}",
            path.display()
        );
        let lu = msg.header_raw("List-Unsubscribe").unwrap();
        assert!(
            lu.contains("http://127.0.0.1:8080/unsubscribe?token="),
            "{lu}"
        );
        assert_eq!(
            msg.header_raw("List-Unsubscribe-Post").unwrap().trim(),
            "List-Unsubscribe=One-Click"
        );
    }
    // The config it wrote finds its database from inside the folder too.
    let inside = Command::new(env!("CARGO_BIN_EXE_modelbrief"))
        .current_dir(&target)
        .args([
            "--config",
            "modelbrief.toml",
            "brief",
            "--week",
            "2026-W28",
            "--format",
            "text",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&inside.stdout).starts_with("modelbrief 2026-W28: 4 new models"),
        "{}",
        String::from_utf8_lossy(&inside.stderr)
    );
    // Running it again starts from a fresh database and gives the same brief.
    let again = Command::new(env!("CARGO_BIN_EXE_modelbrief"))
        .args(["demo", "--dir"])
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(target.join("brief.html")).unwrap(),
        html
    );
}

#[test]
fn the_readme_starts_with_the_two_commands_and_ci_runs_the_test_command() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let blocks: Vec<&str> = readme
        .split("```sh\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap().trim())
        .collect();
    assert_eq!(
        blocks[0], "cargo run --release -- demo",
        "the first command runs the main job"
    );
    assert_eq!(
        blocks[1], "cargo test --workspace",
        "the second runs the tests"
    );
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == blocks[1]),
        "CI calls the README's test command verbatim"
    );
    assert!(
        ci.lines().any(|l| l.trim() == blocks[0]),
        "CI runs the README's main command verbatim"
    );
}
