//! Data-driven tests of the whole differ: small sources written as text, the edition they give
//! written as one line per claim (`expect-test`; `UPDATE_EXPECT=1 cargo test -p
//! modelbrief-differ` rewrites the expectations after a deliberate change), and property tests
//! of its invariants.

use crate::{Edition, PullView, Settings, Snapshot, SnapshotModels, SourceInput, Window, compute};
use expect_test::{Expect, expect};
use modelbrief_domain::{ModelId, Observation, PricePerMTok, Score, SourceKind, Timestamp};
use std::collections::BTreeMap;
use std::sync::Arc;

fn day(d: u32) -> Timestamp {
    Timestamp::parse(&format!("2026-07-{d:02}T06:00:00Z")).unwrap()
}

/// The window of these scenarios: the week after 6 July.
fn week() -> Window {
    Window {
        from: day(6),
        to: day(13),
    }
}

/// One row per line: `source id | name | input/output per 1M | bench=score …` (the last two
/// may be empty).
fn rows(text: &str) -> Vec<Observation> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('|').map(str::trim).collect();
            let id = ModelId::from_source_id(f[0]).expect("a valid id");
            let mut o = Observation::new(f[0], id, f.get(1).copied().unwrap_or(f[0]));
            if let Some((i, out)) = f.get(2).and_then(|p| p.split_once('/')) {
                o.input_per_mtok = Some(PricePerMTok::parse(i).unwrap());
                o.output_per_mtok = Some(PricePerMTok::parse(out).unwrap());
            }
            for s in f.get(3).map_or("", |s| s).split_whitespace() {
                let (bench, value) = s.split_once('=').expect("bench=score");
                o.scores.push(Score {
                    benchmark: bench.into(),
                    category: None,
                    value: value.parse().unwrap(),
                    ci_low: None,
                    ci_high: None,
                });
            }
            o
        })
        .collect()
}

/// A source pulled healthily on the given days, each pull with its rows.
fn source(name: &str, kind: SourceKind, pulls: &[(u32, Vec<Observation>)]) -> SourceInput {
    let snaps: Vec<(Timestamp, Arc<Snapshot>)> = pulls
        .iter()
        .enumerate()
        .map(|(i, (d, obs))| {
            let snap = Snapshot {
                id: i as i64 + 1,
                taken_at: day(*d),
                content_hash: format!("{name}-{i}"),
                observations: obs.iter().cloned().map(Arc::new).collect(),
                release: None,
                data_date: None,
            };
            (day(*d), Arc::new(snap))
        })
        .collect();
    let last_at = |t: Timestamp| {
        snaps
            .iter()
            .rev()
            .find(|(at, _)| *at <= t)
            .map(|s| s.1.clone())
    };
    SourceInput {
        name: name.into(),
        url: Some(format!("https://{name}.example/data.json")),
        kind,
        baseline: last_at(week().from),
        current: last_at(week().to),
        history: snaps
            .iter()
            .map(|(at, s)| PullView {
                at: *at,
                healthy: true,
                models: Some(Arc::new(SnapshotModels {
                    id: s.id,
                    names: s
                        .observations
                        .iter()
                        .map(|o| (o.model.clone(), o.name.clone()))
                        .collect(),
                    release: s.release.clone(),
                })),
                notices: Vec::new(),
                error: None,
            })
            .collect(),
        last_success: snaps.last().map(|s| s.0),
        max_unchanged_secs: None,
    }
}

/// When each key was first stored, as the store would say.
fn first_seen(sources: &[SourceInput]) -> BTreeMap<String, Timestamp> {
    let mut out = BTreeMap::new();
    for s in sources {
        for pull in &s.history {
            for id in pull.models.iter().flat_map(|m| m.names.keys()) {
                out.entry(id.key.to_string()).or_insert(pull.at);
            }
        }
    }
    out
}

fn edition(sources: &[SourceInput], settings: &Settings) -> Edition {
    compute("2026-W28", week(), sources, &first_seen(sources), settings)
}

fn money(d: Option<rust_decimal::Decimal>) -> String {
    d.map_or_else(|| "-".into(), |d| d.normalize().to_string())
}

fn kind<T: serde::Serialize>(k: &T) -> String {
    serde_json::to_value(k)
        .unwrap()
        .as_str()
        .unwrap_or("?")
        .to_owned()
}

/// One line per claim of the edition, in the edition's order.
fn claims(e: &Edition) -> String {
    let mut out = Vec::new();
    for m in &e.new_models {
        let price = format!("{}/{}", money(m.input_per_mtok), money(m.output_per_mtok));
        out.push(format!(
            "new {} {:?} {price} {}",
            m.model,
            m.name,
            kind(&m.kind)
        ));
    }
    for (what, list) in [
        ("price", &e.price_changes),
        ("listing", &e.listing_price_changes),
    ] {
        for p in list {
            out.push(format!(
                "{what} {} ({}) {}/{} -> {}/{} {:+.1}% {}",
                p.model,
                p.listing,
                money(p.input_per_mtok.old),
                money(p.output_per_mtok.old),
                money(p.input_per_mtok.new),
                money(p.output_per_mtok.new),
                p.pct,
                kind(&p.kind)
            ));
        }
    }
    for r in &e.rank_shifts {
        let old = r.old_rank.map_or_else(|| "-".into(), |n| n.to_string());
        out.push(format!(
            "shift {} {} #{old} -> #{} {}{}",
            r.leaderboard,
            r.model,
            r.new_rank,
            kind(&r.kind),
            if r.rescored { " rescored" } else { "" }
        ));
    }
    for r in &e.removed_models {
        let mut line = format!("removed {} from {}", r.model, r.source);
        if let Some(m) = &r.maker_listing {
            line.push_str(&format!(
                " (only {m}'s own listing; still via {})",
                r.still_sold_via.join(",")
            ));
        }
        out.push(line);
    }
    for c in &e.context_changes {
        let mut line = format!(
            "context {} {} -> {} {}",
            c.model,
            c.old,
            c.new,
            kind(&c.kind)
        );
        for (s, v) in &c.elsewhere {
            line.push_str(&format!(" ({s} lists {v})"));
        }
        if let Some(w) = &c.reconciled_with {
            line.push_str(&format!(" (matches {w})"));
        }
        if !c.also.is_empty() {
            line.push_str(&format!(" also {}", c.also.join(",")));
        }
        out.push(line);
    }
    for n in &e.notices {
        out.push(format!("notice {}: {}", n.kind.as_str(), n.text));
    }
    if let Some(m) = &e.matchup {
        out.push(format!(
            "matchup {}: {} vs {}",
            m.leaderboard, m.comparison.a.model, m.comparison.b.model
        ));
    }
    out.join("\n")
}

fn check(sources: &[SourceInput], settings: &Settings, expected: Expect) {
    expected.assert_eq(&claims(&edition(sources, settings)));
}

#[test]
fn a_price_cut_a_new_model_and_a_confirmed_removal_are_each_one_line() {
    let before = "openai/gpt-5 | GPT-5 | 1.25/10\n\
                  acme/old-1 | Old 1 | 1/1\n\
                  acme/steady | Steady | 2/8";
    let cut = "openai/gpt-5 | GPT-5 | 0.625/5\n\
               acme/old-1 | Old 1 | 1/1\n\
               acme/steady | Steady | 2/8\n\
               acme/fresh-2 | Fresh 2 | 3/15";
    let gone = "openai/gpt-5 | GPT-5 | 0.625/5\n\
                acme/steady | Steady | 2/8\n\
                acme/fresh-2 | Fresh 2 | 3/15";
    let or = source(
        "openrouter",
        SourceKind::Openrouter,
        &[
            (5, rows(before)),
            (8, rows(cut)),
            (10, rows(gone)),
            (12, rows(gone)),
        ],
    );
    check(
        &[or],
        &Settings::default(),
        expect![[r#"
            new fresh-2 "Fresh 2" 3/15 new
            price gpt-5 (openai/gpt-5) 1.25/10 -> 0.625/5 -50.0% change
            removed old-1 from openrouter"#]],
    );
}

#[test]
fn a_model_that_overtakes_the_leader_is_one_shift_and_models_it_passed_are_not() {
    let board = |a: f64, b: f64| {
        rows(&format!(
            "alpha | Alpha | | lb={a}\nbeta | Beta | | lb={b}\ngamma | Gamma | | lb=50\ndelta | Delta | | lb=40"
        ))
    };
    let lb = source(
        "bench",
        SourceKind::Aider,
        &[(5, board(70.0, 60.0)), (9, board(70.0, 75.0))],
    );
    let settings = Settings {
        top_n: 3,
        ..Settings::default()
    };
    check(
        &[lb],
        &settings,
        expect![[r#"
            shift bench:lb beta #2 -> #1 new_leader
            matchup bench:lb: beta vs alpha"#]],
    );
}

#[test]
fn a_livebench_re_grade_inside_one_release_is_said_as_one_and_makes_no_matchup() {
    let board = |b: f64| {
        rows(&format!(
            "alpha | Alpha | | livebench_overall={b}\nbeta | Beta | | livebench_overall=70\ngamma | Gamma | | livebench_overall=50"
        ))
    };
    let lb = source(
        "livebench",
        SourceKind::Livebench,
        &[(5, board(60.0)), (9, board(80.0))],
    );
    let e = edition(&[lb], &Settings::default());
    expect!["shift livebench:livebench_overall alpha #2 -> #1 new_leader rescored"]
        .assert_eq(&claims(&e));
    assert!(e.top_stories.is_empty(), "a re-grade is not a story");
}

#[test]
fn a_new_model_below_the_top_still_has_its_rank_beside_its_score_but_no_story_of_it() {
    // Twenty models scored 80 down to 61; Kimi K2 debuts at 65.5, between 66 and 65: #16.
    let board: String = (0..20)
        .map(|i| format!("m{i} | M{i} | | lb={}\n", 80 - i))
        .collect();
    let lb = source(
        "aider",
        SourceKind::Aider,
        &[
            (5, rows(&board)),
            (9, rows(&format!("{board}kimi-k2 | Kimi K2 | | lb=65.5"))),
        ],
    );
    // OpenRouter lists it from the same week: a release, not only a board's newcomer.
    let or = source(
        "openrouter",
        SourceKind::Openrouter,
        &[
            (5, rows("acme/other | Other | 1/1")),
            (
                9,
                rows("acme/other | Other | 1/1\nmoonshotai/kimi-k2 | Kimi K2 | 0.6/2.5"),
            ),
        ],
    );
    let e = edition(&[lb, or], &Settings::default());
    let m = &e.new_models[0];
    assert_eq!(m.model, "kimi-k2");
    assert_eq!(m.ranks.get("aider:lb"), Some(&16), "{:?}", m.ranks);
    assert!(e.rank_shifts.is_empty(), "below the top: no shift");
    assert_eq!(
        e.top_stories
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>(),
        ["New: Kimi K2, $0.6 in / $2.5 out per 1M tokens"],
        "a rank that far down is not the story"
    );
}

#[test]
fn a_known_model_joining_a_board_below_the_top_is_one_line_and_far_down_is_none() {
    let board: String = (0..30)
        .map(|i| format!("m{i} | M{i} | | lb={}\n", 90 - i))
        .collect();
    // Kimi K2 is listed by OpenRouter all week; Aider scores it for the first time, at #21;
    // Old-1, also known, lands at #31, below the movers' range.
    let or_rows = rows("moonshotai/kimi-k2 | Kimi K2 | 0.6/2.5\nacme/old-1 | Old 1 | 1/1");
    let or = source(
        "openrouter",
        SourceKind::Openrouter,
        &[(5, or_rows.clone()), (9, or_rows)],
    );
    let aider = source(
        "aider",
        SourceKind::Aider,
        &[
            (5, rows(&board)),
            (
                9,
                rows(&format!(
                    "{board}kimi-k2 | Kimi K2 | | lb=70.5\nold-1 | Old 1 | | lb=1"
                )),
            ),
        ],
    );
    check(
        &[or, aider],
        &Settings::default(),
        expect!["shift aider:lb kimi-k2 #- -> #21 joined"],
    );
}

#[test]
fn many_models_joining_a_board_at_once_are_one_notice_not_a_line_each() {
    let board: String = (0..10)
        .map(|i| format!("m{i} | M{i} | | lb={}\n", 90 - i))
        .collect();
    let joiners: String = (0..6)
        .map(|i| format!("j{i} | J{i} | | lb={}\n", 75 - i))
        .collect();
    let known: String = (0..6)
        .map(|i| format!("acme/j{i} | J{i} | 1/1\n"))
        .collect();
    let or = source(
        "openrouter",
        SourceKind::Openrouter,
        &[(5, rows(&known)), (9, rows(&known))],
    );
    let lb = source(
        "aider",
        SourceKind::Aider,
        &[(5, rows(&board)), (9, rows(&format!("{board}{joiners}")))],
    );
    check(
        &[or, lb],
        &Settings::default(),
        expect![
            "notice board_grew: 6 models joined aider lb this week (10 → 16 ranked); a board that grows this much at once changed its make-up, so who joined where is not listed one by one"
        ],
    );
}

#[test]
fn a_model_that_draws_level_with_the_leader_is_called_a_tie() {
    let board = |b: f64| {
        rows(&format!(
            "alpha | Alpha | | lb=70\nbeta | Beta | | lb={b}\ngamma | Gamma | | lb=50"
        ))
    };
    let lb = source(
        "bench",
        SourceKind::Aider,
        &[(5, board(60.0)), (9, board(70.0))],
    );
    check(
        &[lb],
        &Settings::default(),
        expect!["shift bench:lb beta #2 -> #1 tied_leader"],
    );
}

/// `rows` of OpenAI's models, each with the context window given for its source id.
fn with_context(text: &str, contexts: &[(&str, u64)]) -> Vec<Observation> {
    let mut out = rows(text);
    for o in &mut out {
        o.provider = modelbrief_domain::Provider::normalise("openai");
        o.context = contexts
            .iter()
            .find(|(id, _)| *id == o.source_model)
            .map(|(_, c)| *c);
    }
    out
}

#[test]
fn a_context_change_is_one_line_per_model_says_where_sources_disagree_and_a_catch_up_is_not_news() {
    let lite = "gpt-5.4-mini | gpt-5.4-mini | 0.75/4.5\n\
                gpt-5.4-mini-2026-03-17 | gpt-5.4-mini-2026-03-17 | 0.75/4.5\n\
                gpt-5-pro | gpt-5-pro | 15/120";
    let litellm = source(
        "litellm",
        SourceKind::Litellm,
        &[
            (
                5,
                with_context(
                    lite,
                    &[
                        ("gpt-5.4-mini", 272_000),
                        ("gpt-5.4-mini-2026-03-17", 272_000),
                        ("gpt-5-pro", 128_000),
                    ],
                ),
            ),
            (
                8,
                with_context(
                    lite,
                    &[
                        ("gpt-5.4-mini", 1_050_000),
                        ("gpt-5.4-mini-2026-03-17", 1_050_000),
                        ("gpt-5-pro", 400_000),
                    ],
                ),
            ),
        ],
    );
    let or_rows = with_context(
        "openai/gpt-5.4-mini | GPT-5.4 Mini | 0.75/4.5\nopenai/gpt-5-pro | GPT-5 Pro | 15/120",
        &[
            ("openai/gpt-5.4-mini", 400_000),
            ("openai/gpt-5-pro", 400_000),
        ],
    );
    let or = source(
        "openrouter",
        SourceKind::Openrouter,
        &[(5, or_rows.clone()), (8, or_rows)],
    );
    let e = edition(&[litellm, or], &Settings::default());
    expect![[r#"
        context gpt-5-4-mini 272000 -> 1050000 change (openrouter lists 400000) also gpt-5.4-mini-2026-03-17
        context gpt-5-pro 128000 -> 400000 reconciled (matches openrouter)"#]]
    .assert_eq(&claims(&e));
    assert_eq!(
        e.headline(),
        "0 new models, 0 ranking shifts, 0 price changes, 1 context change",
        "the catch-up is not counted"
    );
}

#[test]
fn a_model_its_source_dates_a_month_before_the_week_is_an_older_model_newly_listed_not_a_release() {
    let before = rows("openai/gpt-5 | GPT-5 | 1.25/10");
    let mut after = rows(
        "openai/gpt-5 | GPT-5 | 1.25/10\n\
         x-ai/grok-build-0.1 | xAI: Grok Build 0.1 | 1/4\n\
         acme/fresh-2 | Fresh 2 | 3/15",
    );
    let unix = |d: &str| {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp()
    };
    after[1].extras.insert("listed_at", unix("2026-05-20"));
    after[2].extras.insert("listed_at", unix("2026-07-08"));
    let or = source(
        "openrouter",
        SourceKind::Openrouter,
        &[(5, before), (8, after)],
    );
    check(
        &[or],
        &Settings::default(),
        expect![[r#"
            new fresh-2 "Fresh 2" 3/15 new
            notice older_model_listed: 1 newly listed model is older than this week by its source's own date, so not reported as new: xAI: Grok Build 0.1 (openrouter dates it 2026-05-20)"#]],
    );
}

#[test]
fn a_new_model_whose_sources_disagree_on_its_price_says_both() {
    let mut lite = rows("minimax/MiniMax-M3 | MiniMax-M3 | 0.6/2.4");
    lite[0].provider = modelbrief_domain::Provider::normalise("minimax");
    let mut or = rows("minimax/minimax-m3 | MiniMax M3 | 0.3/1.2");
    or[0].provider = modelbrief_domain::Provider::normalise("minimax");
    let e = edition(
        &[
            source(
                "litellm",
                SourceKind::Litellm,
                &[(5, Vec::new()), (8, lite)],
            ),
            source(
                "openrouter",
                SourceKind::Openrouter,
                &[(5, Vec::new()), (8, or)],
            ),
        ],
        &Settings::default(),
    );
    let m = &e.new_models[0];
    assert_eq!(
        m.price_source.as_deref(),
        Some("litellm"),
        "the maker's row is canonical"
    );
    let theirs = &m.prices_elsewhere["openrouter"];
    assert_eq!(
        (
            theirs.input_per_mtok.to_string(),
            theirs.output_per_mtok.to_string()
        ),
        ("0.3".to_owned(), "1.2".to_owned())
    );
    assert_eq!(
        e.top_stories[0].text,
        "New: MiniMax M3 by minimax, $0.6 in / $2.4 out per 1M tokens (litellm; openrouter: $0.3 / $1.2)"
    );
}

#[test]
fn a_maker_dropping_its_own_listing_while_a_reseller_keeps_the_model_is_said_once() {
    let row = |id: &str, provider: Option<&str>, route: Option<&str>| {
        let mut o = rows(&format!("{id} | {id} | 8/24")).remove(0);
        o.provider = provider.and_then(modelbrief_domain::Provider::normalise);
        o.route = route.map(str::to_owned);
        o
    };
    let maker = row("claude-2", Some("anthropic"), Some("anthropic"));
    let bedrock = row("anthropic.claude-v2", None, Some("bedrock"));
    let before = vec![maker, bedrock.clone()];
    let after = vec![bedrock];
    let litellm = source(
        "litellm",
        SourceKind::Litellm,
        &[(5, before.clone()), (8, after.clone()), (10, after.clone())],
    );
    check(
        &[litellm],
        &Settings::default(),
        expect!["removed claude-2 from litellm (only anthropic's own listing; still via bedrock)"],
    );
    // The week after, nothing more is said of it.
    let later = |d: u32| Timestamp::from_datetime(day(d).datetime() + chrono::Duration::days(7));
    let next = Window {
        from: later(6),
        to: later(13),
    };
    let mut litellm = source(
        "litellm",
        SourceKind::Litellm,
        &[(5, before), (8, after.clone()), (10, after)],
    );
    litellm.baseline = litellm.current.clone();
    let e = compute(
        "2026-W29",
        next,
        &[litellm],
        &BTreeMap::new(),
        &Settings::default(),
    );
    assert!(e.removed_models.is_empty(), "{:?}", e.removed_models);
}

#[test]
fn a_model_only_a_documentation_catalogue_lists_is_named_in_a_notice_unless_its_name_dates_it() {
    let maker = |text: &str| {
        let mut r = rows(text);
        for o in &mut r {
            o.provider = modelbrief_domain::Provider::normalise("moonshot");
        }
        r
    };
    let before = maker("moonshot/moonshot-v1-8k | moonshot-v1-8k | 0.2/2");
    let after = maker(
        "moonshot/moonshot-v1-8k | moonshot-v1-8k | 0.2/2\n\
         moonshot/moonshot-v1-8k-vision-preview | moonshot-v1-8k-vision-preview | 0.2/2\n\
         moonshot/kimi-k3-2607 | kimi-k3-2607 | 1/4",
    );
    let litellm = source("litellm", SourceKind::Litellm, &[(5, before), (8, after)]);
    check(
        &[litellm],
        &Settings::default(),
        expect![[r#"
            new kimi-k3-2607 "kimi-k3-2607" 1/4 new
            notice catalogued: litellm catalogued 1 model that no other source lists (moonshot-v1-8k-vision-preview); a catalogue entry alone does not show a release, so it is not reported as new"#]],
    );
}

#[test]
fn a_model_one_leaderboard_ranks_and_no_catalogue_lists_is_first_ranked_not_new() {
    let before = "alpha | Alpha | | lb=70\nbeta | Beta | | lb=60";
    let after = "alpha | Alpha | | lb=70\nbeta | Beta | | lb=60\nqwen3-30b-a3b | Qwen3-30B-A3B | | lb=65\n\
                 qwen3-235b-a22b-instruct-2607 | Qwen3-235B-A22B-Instruct-2607 | | lb=66";
    let lb = source(
        "lmarena",
        SourceKind::Lmarena,
        &[(5, rows(before)), (9, rows(after))],
    );
    let e = edition(&[lb], &Settings::default());
    let kinds: Vec<(&str, String)> = e
        .new_models
        .iter()
        .map(|m| (m.model.as_str(), kind(&m.kind)))
        .collect();
    assert_eq!(
        kinds,
        [
            ("qwen3-235b-a22b-instruct-2607", "new".to_owned()),
            ("qwen3-30b-a3b", "first_ranked".to_owned())
        ],
        "a name dated this month is new; an undated one new to one board is first ranked"
    );
    assert_eq!(
        e.headline(),
        "1 new model, 0 ranking shifts, 0 price changes, 1 first ranked on a board only"
    );
    assert!(
        e.top_stories.iter().all(|s| !s.text.contains("Qwen3-30B")),
        "{:?}",
        e.top_stories
    );
}

#[test]
fn a_model_whose_free_route_is_still_listed_is_not_removed() {
    let before = "acme/m | M | 1/2\nacme/m:free | M (free) | 0/0\nacme/gone | Gone | 1/1";
    let after = "acme/m:free | M (free) | 0/0";
    let or = source(
        "openrouter",
        SourceKind::Openrouter,
        &[(5, rows(before)), (8, rows(after)), (10, rows(after))],
    );
    check(
        &[or],
        &Settings::default(),
        expect!["removed gone from openrouter"],
    );
}

#[test]
fn a_leaderboard_a_source_starts_publishing_is_a_baseline_not_a_week_of_entries() {
    let before = "alpha | Alpha | | lb=70\nbeta | Beta | | lb=60\ngamma | Gamma | | lb=50";
    let after = "alpha | Alpha | | lb=70 idx=10\nbeta | Beta | | lb=60 idx=30\ngamma | Gamma | | lb=50 idx=20";
    let lb = source(
        "bench",
        SourceKind::Aider,
        &[(5, rows(before)), (9, rows(after))],
    );
    check(
        &[lb],
        &Settings::default(),
        expect![
            "notice benchmark_added: bench now publishes bench idx (3 models); its first ranking is a baseline, so no moves on it are reported this week"
        ],
    );
}

#[test]
fn a_new_leader_over_a_shared_first_place_displaces_no_single_model() {
    let board = |a: f64| {
        rows(&format!(
            "alpha | Alpha | | lb=70\nbeta | Beta | | lb=70\ngamma | Gamma | | lb={a}\ndelta | Delta | | lb=40"
        ))
    };
    let lb = source(
        "bench",
        SourceKind::Aider,
        &[(5, board(50.0)), (9, board(80.0))],
    );
    let e = edition(&[lb], &Settings::default());
    let shift = e.rank_shifts.iter().find(|s| s.model == "gamma").unwrap();
    assert_eq!(shift.kind, crate::ShiftKind::NewLeader);
    assert_eq!(shift.previous_leader, None, "alpha and beta shared #1");
    assert!(
        e.matchup.is_none(),
        "no matchup against a model that was not #1 alone"
    );
}

#[test]
fn a_new_model_named_after_one_variant_shows_that_variant_s_score() {
    let top =
        "a | A | | aider_polyglot=90\nb | B | | aider_polyglot=85\nc | C | | aider_polyglot=80";
    let before = format!("{top}\nold | Old | | aider_polyglot=50");
    let after = format!(
        "{before}\n\
                 deepseek-v3.2-exp (chat) | DeepSeek-V3.2-Exp (Chat) | | aider_polyglot=70.2\n\
                 deepseek-v3.2-exp (reasoner) | DeepSeek-V3.2-Exp (Reasoner) | | aider_polyglot=74.2"
    );
    let lb = source(
        "aider",
        SourceKind::Aider,
        &[(5, rows(&before)), (9, rows(&after))],
    );
    let e = edition(&[lb], &Settings::default());
    let m = &e.new_models[0];
    assert_eq!(m.name, "DeepSeek-V3.2-Exp (Chat)");
    assert_eq!(
        m.scores.get("aider:aider_polyglot"),
        Some(&70.2),
        "not the Reasoner's 74.2"
    );
    // Its rank beside that score is the Chat row's (#5), not the Reasoner's #4.
    assert_eq!(
        m.ranks.get("aider:aider_polyglot"),
        Some(&5),
        "{:?}",
        m.ranks
    );
}

#[test]
fn a_first_party_price_listed_for_the_first_time_is_said_as_such_not_as_a_route_cut() {
    let or_before = "deepseek/deepseek-v4-flash | DeepSeek V4 Flash | 0.1/0.2";
    let or_after = "deepseek/deepseek-v4-flash | DeepSeek V4 Flash | 0.09/0.18";
    let mut first = rows("deepseek-v4-flash | DeepSeek V4 Flash | 0.14/0.28");
    first[0].provider = modelbrief_domain::Provider::normalise("deepseek");
    let or = source(
        "openrouter",
        SourceKind::Openrouter,
        &[(5, rows(or_before)), (9, rows(or_after))],
    );
    let litellm = source(
        "litellm",
        SourceKind::Litellm,
        &[
            (5, rows("other-model | Other | 1/1")),
            (9, {
                let mut r = rows("other-model | Other | 1/1");
                r.extend(first);
                r
            }),
        ],
    );
    check(
        &[litellm, or],
        &Settings::default(),
        expect![[r#"
            price deepseek-v4-flash (deepseek-v4-flash) -/- -> 0.14/0.28 +0.0% first_party_listed
            listing deepseek-v4-flash (deepseek/deepseek-v4-flash) 0.1/0.2 -> 0.09/0.18 -10.0% change"#]],
    );
}

#[test]
fn a_model_listed_only_as_a_preview_and_a_stable_version_is_one_line_named_for_the_priced_row() {
    let before = "acme/steady | Steady | 2/8";
    let after = "acme/steady | Steady | 2/8\n\
                 gemini-2.0-flash-live-preview-04-09 | Gemini 2.0 Flash Live Preview | 0.35/1.5\n\
                 gemini/gemini-2.0-flash-live-001 | Gemini 2.0 Flash Live | 0.35/1.5";
    let litellm = source(
        "litellm",
        SourceKind::Litellm,
        &[(5, rows(before)), (8, rows(after))],
    );
    check(
        &[litellm],
        &Settings::default(),
        expect![[r#"new gemini-2-0-flash-live "Gemini 2.0 Flash Live" 0.35/1.5 new"#]],
    );
}

#[test]
fn a_paid_listing_for_a_model_listed_only_for_free_is_said_as_became_paid() {
    let before = "poolside/laguna-m.1:free | Laguna M.1 (free) | 0/0";
    let after = "poolside/laguna-m.1:free | Laguna M.1 (free) | 0/0\n\
                 poolside/laguna-m.1 | Laguna M.1 | 0.5/2";
    let or = source(
        "openrouter",
        SourceKind::Openrouter,
        &[(5, rows(before)), (8, rows(after))],
    );
    check(
        &[or],
        &Settings::default(),
        expect!["price laguna-m-1 (poolside/laguna-m.1) 0/0 -> 0.5/2 +0.0% became_paid"],
    );
}

#[test]
fn a_model_listed_without_a_price_that_gets_one_is_said_as_its_first_price() {
    let before = "moonshot/moonshot-v1-8k | moonshot-v1-8k";
    let after = "moonshot/moonshot-v1-8k | moonshot-v1-8k | 0.2/2";
    let litellm = source(
        "litellm",
        SourceKind::Litellm,
        &[(5, rows(before)), (8, rows(after))],
    );
    check(
        &[litellm],
        &Settings::default(),
        expect!["price moonshot-v1-8k (moonshot/moonshot-v1-8k) -/- -> 0.2/2 +0.0% first_priced"],
    );
}

#[test]
fn a_source_with_no_pull_in_the_week_reports_only_that_it_is_stale() {
    let or = source(
        "openrouter",
        SourceKind::Openrouter,
        &[(2, rows("acme/a | A | 1/2")), (4, rows("acme/a | A | 2/4"))],
    );
    check(
        &[or],
        &Settings::default(),
        expect!["notice source_health: openrouter is stale: last success 2026-07-04"],
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Up to 12 distinct models with prices and a score.
    fn models() -> impl Strategy<Value = Vec<Observation>> {
        prop::collection::btree_map(0u8..30, (1u32..5000, 1u32..5000, 0u32..1000), 1..12).prop_map(
            |m| {
                m.into_iter()
                    .map(|(i, (input, output, score))| {
                        let line = format!(
                            "acme/m-{i} | M {i} | {}/{} | lb={}",
                            f64::from(input) / 100.0,
                            f64::from(output) / 100.0,
                            f64::from(score) / 10.0
                        );
                        rows(&line).remove(0)
                    })
                    .collect()
            },
        )
    }

    proptest! {
        #[test]
        fn a_snapshot_diffed_with_itself_reports_no_change(obs in models()) {
            let sources = [
                source("openrouter", SourceKind::Openrouter, &[(3, obs.clone()), (9, obs.clone())]),
                source("bench", SourceKind::Aider, &[(3, obs.clone()), (9, obs)]),
            ];
            let e = edition(&sources, &Settings::default());
            prop_assert_eq!(claims(&e), "");
        }

        #[test]
        fn the_order_of_rows_does_not_change_the_edition(
            before in models(),
            after in models().prop_flat_map(|v| {
                let shuffled = Just(v.clone()).prop_shuffle();
                (Just(v), shuffled)
            }),
        ) {
            let (after, shuffled) = after;
            let run = |rows: Vec<Observation>| {
                let sources = [
                    source("openrouter", SourceKind::Openrouter, &[(3, before.clone()), (9, rows.clone())]),
                    source("bench", SourceKind::Aider, &[(3, before.clone()), (9, rows)]),
                ];
                serde_json::to_string(&edition(&sources, &Settings::default())).unwrap()
            };
            prop_assert_eq!(run(after), run(shuffled));
        }
    }
}

#[test]
fn every_change_carries_the_snapshots_on_both_sides_of_its_week_as_its_receipt() {
    let before = "openai/gpt-5 | GPT-5 | 1.25/10\nacme/steady | Steady | 2/8";
    let after =
        "openai/gpt-5 | GPT-5 | 0.625/5\nacme/steady | Steady | 2/8\nacme/fresh-2 | Fresh 2 | 3/15";
    let board = |a: f64, b: f64| rows(&format!("alpha | Alpha | | lb={a}\nbeta | Beta | | lb={b}"));
    let or = source(
        "openrouter",
        SourceKind::Openrouter,
        &[(5, rows(before)), (8, rows(after))],
    );
    let lb = source(
        "bench",
        SourceKind::Aider,
        &[(5, board(70.0, 60.0)), (9, board(70.0, 75.0))],
    );
    let e = edition(&[or, lb], &Settings::default());
    let receipt = |ev: &[crate::Evidence]| -> Vec<String> {
        ev.iter()
            .map(|x| {
                let side = |s: &Option<crate::SnapshotEvidence>| {
                    s.as_ref().map_or("none".to_owned(), |s| {
                        format!("#{} {} {}", s.snapshot_id, s.fetched_at, s.content_hash)
                    })
                };
                format!(
                    "{} {} | {} | {}",
                    x.source,
                    x.url.as_deref().unwrap_or("-"),
                    side(&x.before),
                    side(&x.after)
                )
            })
            .collect()
    };
    let price = &e.price_changes[0];
    assert_eq!(price.model, "gpt-5");
    assert_eq!(
        receipt(&price.evidence),
        [
            "openrouter https://openrouter.example/data.json | #1 2026-07-05T06:00:00Z openrouter-0 | #2 2026-07-08T06:00:00Z openrouter-1"
        ]
    );
    let new = e.new_models.iter().find(|m| m.model == "fresh-2").unwrap();
    assert_eq!(
        receipt(&new.evidence)[0].split(" | ").last(),
        Some("#2 2026-07-08T06:00:00Z openrouter-1")
    );
    let shift = &e.rank_shifts[0];
    assert_eq!(
        receipt(&shift.evidence),
        [
            "bench https://bench.example/data.json | #1 2026-07-05T06:00:00Z bench-0 | #2 2026-07-09T06:00:00Z bench-1"
        ]
    );
    // In the JSON contract, next to the change.
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(
        json["price_changes"][0]["evidence"][0]["after"]["content_hash"],
        "openrouter-1"
    );
}

#[test]
fn a_cheaper_model_crossing_the_floor_moves_the_value_frontier_and_a_tie_or_dearer_one_does_not() {
    let settings = Settings {
        frontier: vec![crate::FrontierDef {
            board: "bench:lb".into(),
            above: 70.0,
        }],
        ..Settings::default()
    };
    let scores = |c: f64| {
        rows(&format!(
            "alpha | Alpha | | lb=75\nbeta | Beta | | lb=72\ngamma | Gamma | | lb={c}"
        ))
    };
    let prices = |gamma: &str| {
        rows(&format!(
            "acme/alpha | Alpha | 2/8\nacme/beta | Beta | 3/10\nacme/gamma | Gamma | {gamma}"
        ))
    };
    let run = |gamma_score: f64, gamma_price: &str| {
        let lb = source(
            "bench",
            SourceKind::Aider,
            &[(5, scores(65.0)), (9, scores(gamma_score))],
        );
        let or = source(
            "openrouter",
            SourceKind::Openrouter,
            &[(5, prices("0.5/1")), (9, prices(gamma_price))],
        );
        edition(&[lb, or], &settings).frontier_changes
    };
    // Gamma, $0.5/$1 all along, now scores 71: the cheapest above 70 instead of Alpha ($2/$8).
    let moved = run(71.0, "0.5/1");
    assert_eq!(moved.len(), 1, "{moved:?}");
    let f = &moved[0];
    assert_eq!(
        (f.now.model.as_str(), f.before.model.as_str()),
        ("gamma", "alpha")
    );
    assert_eq!((f.now.score, f.before.score), (71.0, 75.0));
    assert_eq!(f.now.input_per_mtok.to_string(), "0.5");
    assert_eq!(f.before.output_per_mtok.to_string(), "8");
    assert_eq!(f.board_name, "bench lb");
    assert_eq!(
        f.evidence
            .iter()
            .map(|e| e.source.as_str())
            .collect::<Vec<_>>(),
        ["bench", "openrouter"]
    );
    // Exactly at the floor is not above it.
    assert!(run(70.0, "0.5/1").is_empty());
    // Above the floor but dearer than Alpha: Alpha stays the cheapest.
    assert!(run(71.0, "2/9").is_empty());
    // Level with Alpha ($2 + $8): a tie for cheapest is not a new cheapest.
    assert!(run(71.0, "4/6").is_empty());
}

#[test]
fn a_board_whose_coverage_halves_does_not_move_the_value_frontier() {
    let settings = Settings {
        frontier: vec![crate::FrontierDef {
            board: "bench:lb".into(),
            above: 70.0,
        }],
        ..Settings::default()
    };
    // 24 models ranked at the start, 11 at the end, one of them newly ranked and the cheapest
    // of all: a board that halved changed its make-up, so no frontier move is said.
    let board = |n: usize| {
        rows(
            &(0..n)
                .map(|i| format!("m{i:02} | M{i:02} | | lb={}", 71 + i))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    };
    let prices = rows(
        &(0..24)
            .map(|i| format!("acme/m{i:02} | M{i:02} | {}/1", 10 + i))
            .chain(["acme/cheap | Cheap | 1/1".to_owned()])
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let run = |end: Vec<Observation>| {
        let lb = source("bench", SourceKind::Aider, &[(5, board(24)), (9, end)]);
        let or = source(
            "openrouter",
            SourceKind::Openrouter,
            &[(5, prices.clone()), (9, prices.clone())],
        );
        edition(&[lb, or], &settings).frontier_changes
    };
    let with_cheap = |mut b: Vec<Observation>| {
        b.extend(rows("cheap | Cheap | | lb=80"));
        b
    };
    let halved: Vec<Observation> = board(24).into_iter().skip(14).collect();
    assert!(run(with_cheap(halved)).is_empty());
    // The same newcomer on a board whose coverage held: said, as newly ranked.
    let moved = run(with_cheap(board(24)));
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].now.model, "cheap");
    assert!(moved[0].newly_ranked);
}
