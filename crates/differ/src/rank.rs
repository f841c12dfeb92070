//! Leaderboards, rankings and ranking shifts.
//!
//! Ranks are computed from scores (competition ranking: ties share a rank), never taken from a
//! source's published rank, so a change of a source's rank semantics cannot fake moves; it is
//! still reported once, and that leaderboard's moves are held back that week. A benchmark that
//! was rescaled (a `rescaled:` notice on a pull in the window) is reported once as a
//! methodology change instead of as shifts.

use crate::categories::{CategoryScore, OVERALL, best_scores, board_scores};
use crate::{Notice, NoticeKind, RankShift, Settings, ShiftKind, SourceInput, Window};
use modelbrief_domain::{Observation, PullNotice, SourceKind, Timestamp};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Benchmarks that are leaderboards of their own (LiveBench's task columns are not).
pub(crate) fn headline_benchmark(kind: SourceKind, benchmark: &str) -> bool {
    match kind {
        SourceKind::Livebench => {
            benchmark == "livebench_overall" || benchmark.starts_with("livebench:")
        }
        _ => true,
    }
}

/// A readable leaderboard name.
pub fn leaderboard_name(source: &str, benchmark: &str) -> String {
    if let Some(cat) = benchmark.strip_prefix("livebench:") {
        return format!("LiveBench {cat}");
    }
    if let Some(cat) = benchmark.strip_prefix("lmarena_text:") {
        return format!("LMArena {cat}");
    }
    match benchmark {
        "livebench_overall" => "LiveBench overall".into(),
        "lmarena_text" => "LMArena text".into(),
        "aider_polyglot" if source == "aider" => "Aider polyglot".into(),
        "aa_intelligence_index" => "Artificial Analysis Intelligence Index".into(),
        "aa_coding_index" => "Artificial Analysis Coding Index".into(),
        "aa_agentic_index" => "Artificial Analysis Agentic Index".into(),
        "epoch_eci" => "Epoch Capabilities Index".into(),
        other => format!("{source} {other}"),
    }
}

/// What of a source's leaderboards is held back this week.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Held {
    /// Every leaderboard of the source (its rank semantics changed).
    All,
    /// One benchmark (it was rescaled).
    Benchmark(String),
}

/// Leaderboards whose moves are held back this week: `(source, what)`.
pub(crate) type Suppressed = BTreeSet<(String, Held)>;

/// A board's membership changing by half or more in one pull, with at least this many models
/// on the larger side, is a change of coverage, not of ranks.
pub(crate) const MASS_COVERAGE: usize = 20;

pub(crate) fn suppressions(
    sources: &[SourceInput],
    window: Window,
    notices: &mut Vec<Notice>,
) -> Suppressed {
    let mut out = Suppressed::new();
    for s in sources {
        for p in s
            .history
            .iter()
            .filter(|p| p.healthy && window.contains(p.at))
        {
            for n in &p.notices {
                if let PullNotice::Rescaled {
                    benchmark,
                    moved,
                    common,
                } = n
                    && out.insert((s.name.clone(), Held::Benchmark(benchmark.clone())))
                {
                    notices.push(Notice {
                        from: None,
                        to: None,
                        kind: NoticeKind::MethodologyChange,
                        source: Some(s.name.clone()),
                        text: format!(
                            "{} was rescaled on {} ({moved}/{common} models moved at once); rank moves on it are not reported this week",
                            leaderboard_name(&s.name, benchmark),
                            p.at.datetime().format("%Y-%m-%d")
                        ),
                    });
                }
            }
        }
        // A leaderboard the source starts (or stops) publishing: its first ranking is a
        // baseline, not a week of moves.
        if let (Some(b), Some(c)) = (&s.baseline, &s.current)
            && b.id != c.id
            && s.release_change().is_none()
        {
            fn count(kind: SourceKind, obs: &[Arc<Observation>]) -> BTreeMap<&str, usize> {
                let mut n: BTreeMap<&str, usize> = BTreeMap::new();
                for o in obs {
                    for sc in o
                        .scores
                        .iter()
                        .filter(|x| headline_benchmark(kind, &x.benchmark))
                    {
                        *n.entry(sc.benchmark.as_str()).or_default() += 1;
                    }
                }
                n
            }
            let (before, after) = (
                count(s.kind, &b.observations),
                count(s.kind, &c.observations),
            );
            for (bench, n) in &after {
                if !before.contains_key(bench) {
                    out.insert((s.name.clone(), Held::Benchmark((*bench).to_owned())));
                    notices.push(Notice {
                        from: None,
                        to: None,
                        kind: NoticeKind::BenchmarkAdded,
                        source: Some(s.name.clone()),
                        text: format!(
                            "{} now publishes {} ({n} models); its first ranking is a baseline, so no moves on it are reported this week",
                            s.name,
                            leaderboard_name(&s.name, bench)
                        ),
                    });
                }
            }
            // Coverage that collapses or multiplies in one pull (Artificial Analysis's indices
            // on OpenRouter went from 186 listings to 47 in a week) moves every rank on the
            // board without any model's own score moving: one notice, moves held back.
            for (bench, nb) in &before {
                let Some(na) = after.get(bench) else { continue };
                let (shrunk, grew) = (
                    *nb >= MASS_COVERAGE && na * 2 <= *nb,
                    *na >= MASS_COVERAGE && *na >= nb * 2,
                );
                if !(shrunk || grew) {
                    continue;
                }
                out.insert((s.name.clone(), Held::Benchmark((*bench).to_owned())));
                notices.push(Notice {
                    from: None,
                    to: None,
                    kind: if shrunk {
                        NoticeKind::BenchmarkRemoved
                    } else {
                        NoticeKind::BenchmarkAdded
                    },
                    source: Some(s.name.clone()),
                    text: format!(
                        "{} now publishes {} for {na} models ({} from {nb}); a board whose membership changed that much is not compared, so no moves on it are reported this week",
                        s.name,
                        leaderboard_name(&s.name, bench),
                        if shrunk { "down" } else { "up" }
                    ),
                });
            }
            for (bench, n) in &before {
                if !after.contains_key(bench) {
                    out.insert((s.name.clone(), Held::Benchmark((*bench).to_owned())));
                    notices.push(Notice {
                        from: None,
                        to: None,
                        kind: NoticeKind::BenchmarkRemoved,
                        source: Some(s.name.clone()),
                        text: format!(
                            "{} no longer publishes {} (it ranked {n} models)",
                            s.name,
                            leaderboard_name(&s.name, bench)
                        ),
                    });
                }
            }
        }
        if let Some((from, to)) = s.release_change() {
            out.insert((s.name.clone(), Held::All));
            notices.push(Notice {
                from: Some(from.to_owned()),
                to: Some(to.to_owned()),
                kind: NoticeKind::ReleaseChanged,
                source: Some(s.name.clone()),
                text: format!(
                    "{} moved to a new release ({from} → {to}); scores of different releases are not comparable, so its rank moves, new entries and removals are not reported this week",
                    s.name
                ),
            });
        }
        if matches!(s.kind, SourceKind::Lmarena | SourceKind::ArenaDataset)
            && let (Some(b), Some(c)) = (&s.baseline, &s.current)
            && has_ties(&b.observations) != has_ties(&c.observations)
        {
            out.insert((s.name.clone(), Held::All));
            notices.push(Notice {
                from: None,
                to: None,
                kind: NoticeKind::RankSemanticsChange,
                source: Some(s.name.clone()),
                text: format!(
                    "{} changed how it ranks ({} → {}) and its row set; rank moves on it are not reported this week",
                    s.name,
                    if has_ties(&b.observations) { "shared ranks for ties" } else { "unique positions" },
                    if has_ties(&c.observations) { "shared ranks for ties" } else { "unique positions" },
                ),
            });
        }
    }
    out
}

fn has_ties(obs: &[Arc<Observation>]) -> bool {
    let ranks: Vec<u32> = obs.iter().filter_map(|o| o.rank).collect();
    let unique: BTreeSet<u32> = ranks.iter().copied().collect();
    unique.len() < ranks.len()
}

/// One ranked entry.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    score: f64,
    ci: Option<(f64, f64)>,
    rank: u32,
    /// What the score was computed from; scores on different bases are not compared.
    basis: String,
}

/// Ranks models by a benchmark (best row per model id), competition style.
fn ranking(obs: &[Arc<Observation>], benchmark: &str) -> BTreeMap<String, Entry> {
    let mut best: BTreeMap<String, Entry> = BTreeMap::new();
    for o in obs
        .iter()
        .filter(|o| !o.is_alias && !o.model.is_pricing_variant())
    {
        if let Some(s) = o.score(benchmark) {
            let id = o.model.to_string();
            let ci = s.ci_low.zip(s.ci_high);
            let e = Entry {
                name: display_name(o),
                score: s.value,
                ci,
                rank: 0,
                basis: String::new(),
            };
            match best.get(&id) {
                Some(prev) if prev.score >= s.value => {}
                _ => {
                    best.insert(id, e);
                }
            }
        }
    }
    rank_entries(best)
}

/// Each model id's (rank, shared, score) on a source's own board of `benchmark`, as
/// [`shifts`] ranks it.
pub(crate) fn ranks_on(
    obs: &[Arc<Observation>],
    benchmark: &str,
) -> BTreeMap<String, (u32, bool, f64)> {
    let table = ranking(obs, benchmark);
    let mut count: BTreeMap<u32, usize> = BTreeMap::new();
    for e in table.values() {
        *count.entry(e.rank).or_default() += 1;
    }
    table
        .into_iter()
        .map(|(id, e)| (id, (e.rank, count[&e.rank] > 1, e.score)))
        .collect()
}

/// The source's name, plus the variant when the name does not already say it
/// (Aider's three `openai/gpt-5` runs differ only by reasoning effort).
fn display_name(o: &Observation) -> String {
    match &o.model.variant {
        Some(v) if !o.name.to_lowercase().contains(&v.replace('+', " ")) => {
            format!("{} ({})", o.name, v.replace('+', ", "))
        }
        _ => o.name.clone(),
    }
}

fn rank_entries(mut entries: BTreeMap<String, Entry>) -> BTreeMap<String, Entry> {
    let scores: Vec<f64> = entries.values().map(|e| e.score).collect();
    for e in entries.values_mut() {
        e.rank = 1 + scores.iter().filter(|s| **s > e.score).count() as u32;
    }
    entries
}

/// `table` re-ranked among the models that `other` ranks on the same basis.
fn common_ranks(
    table: &BTreeMap<String, Entry>,
    other: &BTreeMap<String, Entry>,
) -> BTreeMap<String, Entry> {
    rank_entries(
        table
            .iter()
            .filter(|(id, e)| other.get(*id).is_some_and(|o| o.basis == e.basis))
            .map(|(id, e)| (id.clone(), e.clone()))
            .collect(),
    )
}

/// Whether a move is outside the confidence intervals of the models it passed.
fn significant(
    id: &str,
    before: &BTreeMap<String, Entry>,
    after: &BTreeMap<String, Entry>,
) -> bool {
    let (Some(b), Some(a)) = (before.get(id), after.get(id)) else {
        return true;
    };
    let Some((low, high)) = a.ci else { return true };
    let passed = after
        .iter()
        .filter(|(other, _)| other.as_str() != id)
        .filter_map(|(other, oa)| {
            let ob = before.get(other)?;
            let was_above = ob.rank < b.rank;
            let is_above = oa.rank < a.rank;
            (was_above != is_above).then_some(oa)
        });
    // Significant only if it cleared the interval of at least one model it passed; a rank
    // that moved only because others came or went is not a move of its own.
    passed
        .filter_map(|o| o.ci)
        .any(|(ol, oh)| low > oh || ol > high)
}

/// Which models may appear on a board without a previous rank.
enum Newcomers<'a> {
    /// Any model new to the board (a source's own leaderboard).
    Any,
    /// Only models that are new altogether (category boards, where a model also "appears" when
    /// a source starts publishing one more of its benchmarks).
    Only(&'a BTreeSet<String>),
}

#[allow(clippy::too_many_arguments)]
fn shifts_of(
    leaderboard: &str,
    display: &str,
    before: &BTreeMap<String, Entry>,
    after: &BTreeMap<String, Entry>,
    newcomers: &Newcomers<'_>,
    settings: &Settings,
    as_of: Timestamp,
    out: &mut Vec<RankShift>,
) {
    let old_leaders: BTreeSet<&str> = before
        .iter()
        .filter(|(_, e)| e.rank == 1)
        .map(|(k, _)| k.as_str())
        .collect();
    // Moves are judged among the models ranked on the same basis at both ends, so a model
    // pushed down by newcomers (reported as new) or lifted by departures has not moved.
    let (common_before, common_after) = (common_ranks(before, after), common_ranks(after, before));
    for (id, e) in after {
        let old = before.get(id);
        if old.is_some_and(|o| o.basis != e.basis) {
            continue; // computed from different inputs: not comparable
        }
        if old.is_none() && matches!(newcomers, Newcomers::Only(keys) if !keys.contains(id)) {
            continue;
        }
        let old_rank = old.map(|o| o.rank);
        // A model whose own score did not move was passed by others (or others left), who are
        // reported: it never "moves", "leads" or "enters the top" on its own.
        let passive = old.is_some_and(|o| o.score == e.score);
        if passive {
            continue;
        }
        // A shared #1 is a tie, never a new sole leader.
        let tied = e.rank == 1 && after.iter().any(|(k, o)| k != id && o.rank == 1);
        let kind = if e.rank == 1 && !old_leaders.contains(id.as_str()) && !before.is_empty() {
            if tied {
                ShiftKind::TiedLeader
            } else {
                ShiftKind::NewLeader
            }
        } else if e.rank <= settings.top_n
            && old_rank.is_none_or(|r| r > settings.top_n)
            && !before.is_empty()
        {
            ShiftKind::EnteredTop
        } else if let (Some(r), Some(cb), Some(ca)) =
            (old_rank, common_before.get(id), common_after.get(id))
            && cb.rank.abs_diff(ca.rank) >= settings.mover_threshold
            && r.min(e.rank) <= settings.mover_max_rank
            && r != e.rank
        {
            if ca.rank < cb.rank {
                ShiftKind::Up
            } else {
                ShiftKind::Down
            }
        } else if old.is_none()
            && matches!(newcomers, Newcomers::Any)
            && !before.is_empty()
            && e.rank <= settings.mover_max_rank
        {
            ShiftKind::Joined
        } else {
            continue;
        };
        out.push(RankShift {
            evidence: Vec::new(),
            leaderboard: leaderboard.to_owned(),
            leaderboard_name: display.to_owned(),
            model: id.clone(),
            name: e.name.clone(),
            old_rank,
            new_rank: e.rank,
            score: e.score,
            old_score: old.map(|o| o.score),
            significant: old.is_none() || significant(id, before, after),
            kind,
            as_of,
            // Only a sole #1 was displaced; a shared one is named by no single model.
            previous_leader: (kind == ShiftKind::NewLeader && old_leaders.len() == 1)
                .then(|| old_leaders.first().map(|k| (*k).to_owned()))
                .flatten(),
            shared: after.iter().any(|(k, o)| k != id && o.rank == e.rank),
            rescored: false,
        });
    }
}

/// More models than this joining one board in a pull is a change of its make-up.
const MAX_JOINS: usize = 5;

/// The week's shifts, and a notice per board whose make-up changed (see [`MAX_JOINS`]).
pub(crate) fn shifts(
    sources: &[SourceInput],
    suppressed: &Suppressed,
    new_keys: &BTreeSet<String>,
    settings: &Settings,
) -> (Vec<RankShift>, Vec<crate::Notice>) {
    let mut out = Vec::new();
    let mut crowded = Vec::new();
    // Benchmarks that have a board of their own, from their source.
    let mut source_boards: BTreeSet<String> = BTreeSet::new();
    let held = |source: &str, bench: &str| {
        suppressed.contains(&(source.to_owned(), Held::All))
            || suppressed.contains(&(source.to_owned(), Held::Benchmark(bench.to_owned())))
    };
    for s in sources {
        let (Some(b), Some(c)) = (&s.baseline, &s.current) else {
            continue;
        };
        if b.id == c.id {
            continue;
        }
        let benchmarks: BTreeSet<&str> = c
            .observations
            .iter()
            .flat_map(|o| o.scores.iter().map(|x| x.benchmark.as_str()))
            .filter(|bench| headline_benchmark(s.kind, bench))
            .collect();
        for bench in benchmarks {
            source_boards.insert(bench.to_owned());
            if held(&s.name, bench) {
                continue;
            }
            let before = ranking(&b.observations, bench);
            let after = ranking(&c.observations, bench);
            let from = out.len();
            shifts_of(
                &format!("{}:{bench}", s.name),
                &leaderboard_name(&s.name, bench),
                &before,
                &after,
                &Newcomers::Any,
                settings,
                c.taken_at,
                &mut out,
            );
            // A board that many models join at once changed its make-up (Artificial Analysis
            // re-adding 29 models): joins are not news one by one, and one notice says so.
            let joined = after.keys().filter(|k| !before.contains_key(*k)).count();
            if joined > MAX_JOINS && !before.is_empty() {
                let n = out.len();
                let mut i = from;
                while i < out.len() {
                    if out[i].kind == ShiftKind::Joined
                        && !new_keys.contains(modelbrief_domain::ModelId::key_of(&out[i].model))
                    {
                        out.remove(i);
                    } else {
                        i += 1;
                    }
                }
                if out.len() < n {
                    crowded.push(crate::Notice {
                        from: Some(before.len().to_string()),
                        to: Some(after.len().to_string()),
                        kind: crate::NoticeKind::BoardGrew,
                        source: Some(s.name.clone()),
                        text: format!(
                            "{joined} models joined {} this week ({} → {} ranked); a board that grows this much at once changed its make-up, so who joined where is not listed one by one",
                            leaderboard_name(&s.name, bench),
                            before.len(),
                            after.len()
                        ),
                    });
                }
            }
            // Inside one release, a fixed-score source moving a model it had already scored
            // has re-graded it (a new release is a new baseline and never gets here).
            if s.kind.scores_are_fixed() && b.release == c.release {
                for shift in &mut out[from..] {
                    shift.rescored = shift.old_score.is_some_and(|o| o != shift.score);
                }
            }
        }
    }
    // Categories, across sources; held back when any of their benchmarks is.
    if !settings.categories.is_empty() {
        let both: Vec<&SourceInput> = sources
            .iter()
            .filter(|s| s.baseline.is_some() && s.current.is_some())
            .collect();
        let any_change = both
            .iter()
            .any(|s| s.baseline.as_ref().unwrap().id != s.current.as_ref().unwrap().id);
        if any_change {
            let bscores = best_scores(both.iter().flat_map(|s| {
                s.baseline
                    .as_ref()
                    .unwrap()
                    .observations
                    .iter()
                    .map(|o| &**o)
            }));
            let cscores = best_scores(both.iter().flat_map(|s| {
                s.current
                    .as_ref()
                    .unwrap()
                    .observations
                    .iter()
                    .map(|o| &**o)
            }));
            // Each board ranks everybody on one basis, chosen from the current scores.
            let board = |scores| {
                board_scores(
                    &settings.categories,
                    &cscores,
                    scores,
                    settings.overall_min_categories,
                )
            };
            let (bcats, ccats) = (board(&bscores), board(&cscores));
            let names = model_names(&both);
            let as_of = both
                .iter()
                .map(|s| s.current.as_ref().unwrap().taken_at)
                .max()
                .expect("some source");
            let held_here: BTreeSet<&Held> = suppressed
                .iter()
                .filter(|(src, _)| both.iter().any(|s| &s.name == src))
                .map(|(_, h)| h)
                .collect();
            let mut cat_names: Vec<&str> = settings
                .categories
                .iter()
                .map(|d| d.name.as_str())
                .collect();
            cat_names.push(OVERALL);
            for cat in cat_names {
                let uses_held = settings
                    .categories
                    .iter()
                    .filter(|d| cat == OVERALL || d.name == cat)
                    .any(|d| {
                        d.parts.iter().any(|p| {
                            held_here.contains(&Held::All)
                                || held_here.contains(&Held::Benchmark(p.benchmark.clone()))
                        })
                    });
                if uses_held {
                    continue;
                }
                let table = |cats: &BTreeMap<String, BTreeMap<String, CategoryScore>>| {
                    rank_entries(
                        cats.iter()
                            .filter_map(|(m, c)| {
                                let score = c.get(cat)?;
                                Some((
                                    m.clone(),
                                    Entry {
                                        name: names.get(m).cloned().unwrap_or_else(|| m.clone()),
                                        score: score.value,
                                        ci: None,
                                        rank: 0,
                                        basis: score.basis.clone(),
                                    },
                                ))
                            })
                            .collect(),
                    )
                };
                // The board's one basis, said in its name: a reader sees what it ranks on.
                let basis = ccats
                    .values()
                    .find_map(|c| c.get(cat))
                    .map(|c| c.basis.clone())
                    .unwrap_or_default();
                // A category of one benchmark ranks exactly what that benchmark's own board
                // ranks (an overall of one category, what that category's does): reporting
                // both would say everything twice.
                let single = !basis.is_empty() && !basis.contains('+');
                if single && (cat == OVERALL || source_boards.contains(basis.as_str())) {
                    continue;
                }
                let on = basis
                    .split('+')
                    .filter(|b| !b.is_empty())
                    .map(|b| {
                        if cat == OVERALL {
                            b.to_owned()
                        } else {
                            leaderboard_name("", b).trim().to_owned()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" + ");
                let display = match (cat == OVERALL, on.is_empty()) {
                    (true, true) => "Overall (categories)".to_owned(),
                    (true, false) => format!("Overall (categories: {on})"),
                    (false, true) => format!("{cat} (category)"),
                    (false, false) => format!("{cat} (category: {on})"),
                };
                shifts_of(
                    &format!("category:{cat}"),
                    &display,
                    &table(&bcats),
                    &table(&ccats),
                    &Newcomers::Only(new_keys),
                    settings,
                    as_of,
                    &mut out,
                );
            }
        }
    }
    out.sort_by(|a, b| {
        (&a.leaderboard, a.kind, a.new_rank, &a.model).cmp(&(
            &b.leaderboard,
            b.kind,
            b.new_rank,
            &b.model,
        ))
    });
    (out, crowded)
}

/// A new model's arrival in a board's top: (model id with its variant, board, rank, shared).
pub(crate) type Debut = (String, String, u32, bool, f64);

/// One line per model per board, and none that repeats the new-models section:
/// - a model's variants on one board (LiveBench ranks `gpt-5.5-xhigh` and `gpt-5.5-high` as
///   rows of their own) are one line, its best-ranked variant's;
/// - a model new this week is described in full under new models: on a board it is news only
///   when it takes (or shares) #1. Where it entered the top instead, its rank goes with its
///   scores there (`debuts`: model id with its variant, board, rank).
///
/// Takes the shifts sorted by board, then kind, then rank.
pub(crate) fn fold(
    shifts: Vec<RankShift>,
    new_keys: &BTreeSet<String>,
) -> (Vec<RankShift>, Vec<Debut>) {
    let key = |s: &RankShift| modelbrief_domain::ModelId::key_of(&s.model).to_owned();
    let mut best: BTreeMap<(String, String), u32> = BTreeMap::new();
    for s in &shifts {
        best.entry((s.leaderboard.clone(), key(s)))
            .and_modify(|r| *r = (*r).min(s.new_rank))
            .or_insert(s.new_rank);
    }
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut debuts = Vec::new();
    let mut kept = Vec::new();
    for s in shifts {
        let k = (s.leaderboard.clone(), key(&s));
        if best[&k] != s.new_rank || !seen.insert(k) {
            continue;
        }
        if matches!(s.kind, ShiftKind::EnteredTop | ShiftKind::Joined)
            && s.old_rank.is_none()
            && new_keys.contains(&key(&s))
        {
            debuts.push((
                s.model.clone(),
                s.leaderboard,
                s.new_rank,
                s.shared,
                s.score,
            ));
            continue;
        }
        kept.push(s);
    }
    (kept, debuts)
}

/// A display name per model key (OpenRouter's when it has one).
fn model_names(sources: &[&SourceInput]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for s in sources
        .iter()
        .filter(|s| s.kind == SourceKind::Openrouter)
        .chain(sources.iter())
    {
        for o in &s.current.as_ref().unwrap().observations {
            if o.model.variant.is_none() {
                out.entry(o.model.key.to_string())
                    .or_insert_with(|| o.name.clone());
            }
        }
    }
    out
}
