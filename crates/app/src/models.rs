//! `modelbrief models`: the identity layer as an operator sees it.
//!
//! - `models show KEY` lists every row of the latest snapshots, every source spelling ever
//!   resolved to the key and every alias-file entry pointing at it, so an operator can see why
//!   two names are (or are not) one model.
//! - `models unlinked` lists the keys that only one source knows, each with the closest keys the
//!   other sources hold: the candidates for a line in the alias file (or a missing rule).
//!
//! Input is resolved as `compare` resolves it: any source id, display name, alias or key.

use crate::config::{ConfigError, Loaded};
use modelbrief_domain::present;
use modelbrief_domain::{ModelId, ModelKey, Observation, Timestamp};
use modelbrief_store::Store;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Resolves a slug, display name or alias to a model key, or says what is close.
pub async fn resolve(store: &Store, input: &str) -> anyhow::Result<ModelKey> {
    let spellings = store.model_spellings().await?;
    let keys: BTreeSet<&str> = spellings.iter().map(|(_, k)| k.as_str()).collect();
    if let Some(id) = ModelId::from_source_id(input)
        && keys.contains(id.key.as_str())
    {
        return Ok(id.key);
    }
    let lower = input.trim().to_lowercase();
    if let Some((_, key)) = spellings.iter().find(|(s, _)| s.to_lowercase() == lower) {
        return ModelKey::normalise(key)
            .ok_or_else(|| anyhow::anyhow!("stored key {key:?} is invalid"));
    }
    // A name without its family's prefix ("Opus 4.8" for `claude-opus-4-8`), when exactly one
    // key ends with it.
    if let Some(norm) = ModelId::from_source_id(input) {
        let suffix = format!("-{}", norm.key);
        let ends: Vec<&&str> = keys.iter().filter(|k| k.ends_with(&suffix)).collect();
        if let [only] = ends.as_slice() {
            return ModelKey::normalise(only)
                .ok_or_else(|| anyhow::anyhow!("stored key {only:?} is invalid"));
        }
    }
    let mut close: Vec<(f64, &str)> = spellings
        .iter()
        .map(|(s, k)| {
            (
                strsim::jaro_winkler(&lower, &s.to_lowercase())
                    .max(strsim::jaro_winkler(&lower, k)),
                k.as_str(),
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let mut names: Vec<&str> = Vec::new();
    for (_, k) in close {
        if !names.contains(&k) {
            names.push(k);
        }
        if names.len() == 5 {
            break;
        }
    }
    let hint = if names.is_empty() {
        "no close match".to_owned()
    } else {
        format!("did you mean: {}?", names.join(", "))
    };
    Err(ConfigError(format!("unknown model {input:?} ({hint})")).into())
}

/// Everything behind one key.
#[derive(Debug, Serialize)]
pub struct Shown {
    pub key: String,
    pub name: Option<String>,
    pub provider: Option<String>,
    pub first_seen: Option<Timestamp>,
    /// The rows of each source's latest healthy snapshot that carry this key.
    pub rows: Vec<ShownRow>,
    /// Every source spelling ever resolved to this key.
    pub spellings: Vec<ShownSpelling>,
    /// Alias-file entries (`left = "right"`) whose right side is this key.
    pub alias_entries: Vec<AliasEntry>,
}

#[derive(Debug, Serialize)]
pub struct ShownRow {
    pub source: String,
    pub source_model: String,
    pub name: String,
    pub variant: Option<String>,
    pub route: Option<String>,
    pub is_alias: bool,
    /// US dollars per million tokens, exact, as a decimal string.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub input_per_mtok: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub output_per_mtok: Option<Decimal>,
    pub context: Option<u64>,
    pub scores: BTreeMap<String, f64>,
    pub snapshot_taken_at: Timestamp,
    #[serde(skip)]
    provider: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ShownSpelling {
    pub source: String,
    pub source_model: String,
    pub variant: Option<String>,
    pub first_seen: Timestamp,
}

#[derive(Debug, Serialize)]
pub struct AliasEntry {
    pub spelling: String,
    pub target: String,
}

/// `models show INPUT`.
pub async fn show(store: &Store, loaded: &Loaded, input: &str) -> anyhow::Result<Shown> {
    let key = resolve(store, input).await?;
    let record = store.model_record(key.as_str()).await?;
    let mut rows = Vec::new();
    for spec in &loaded.sources {
        let Some(snap) = store.latest_healthy(spec.name.as_str(), None).await? else {
            continue;
        };
        for o in store
            .observations_at(spec.name.as_str(), key.as_str(), snap.confirmed_at)
            .await?
        {
            rows.push(shown_row(spec.name.as_str(), &o, snap.taken_at));
        }
    }
    let spellings = store
        .spellings_of(key.as_str())
        .await?
        .into_iter()
        .map(|s| ShownSpelling {
            source: s.source,
            source_model: s.source_model,
            variant: s.variant,
            first_seen: s.first_seen,
        })
        .collect();
    let alias_entries = loaded
        .aliases
        .iter()
        .filter(|(_, to)| modelbrief_domain::ModelId::key_of(to) == key.as_str())
        .map(|(from, to)| AliasEntry {
            spelling: from.clone(),
            target: to.clone(),
        })
        .collect();
    let (stored_name, provider, first_seen) = match record {
        Some((n, p, f)) => (Some(n), p, Some(f)),
        None => (None, None, None),
    };
    // The models table keeps the first name ever seen, which may be a leaderboard's raw id
    // (`gpt-5.5-high`); a catalogue's plain row names the model as people do.
    // So does its maker; which source's pull was stored first must not change the answer.
    let plain = rows
        .iter()
        .find(|r| r.variant.is_none() && !r.is_alias && r.route.is_none())
        .or_else(|| rows.iter().find(|r| r.variant.is_none() && !r.is_alias));
    let name = plain.map(|r| r.name.clone()).or(stored_name);
    let provider = plain
        .and_then(|r| r.provider.clone())
        .or_else(|| rows.iter().find_map(|r| r.provider.clone()))
        .or(provider);
    Ok(Shown {
        key: key.to_string(),
        name,
        provider,
        first_seen,
        rows,
        spellings,
        alias_entries,
    })
}

fn shown_row(source: &str, o: &Observation, taken_at: Timestamp) -> ShownRow {
    ShownRow {
        source: source.to_owned(),
        source_model: o.source_model.clone(),
        name: o.name.clone(),
        variant: o.model.variant.clone(),
        route: o.route.clone(),
        is_alias: o.is_alias,
        input_per_mtok: o.input_per_mtok.map(|p| p.decimal().normalize()),
        output_per_mtok: o.output_per_mtok.map(|p| p.decimal().normalize()),
        context: o.context,
        scores: o
            .scores
            .iter()
            .map(|s| (s.benchmark.clone(), s.value))
            .collect(),
        snapshot_taken_at: taken_at,
        provider: o.provider.as_ref().map(ToString::to_string),
    }
}

/// `models show` as text.
pub fn show_text(s: &Shown) -> String {
    let mut out = format!(
        "{}  {}{}\n",
        s.key,
        s.name.as_deref().unwrap_or("(no stored name)"),
        s.provider
            .as_deref()
            .map(|p| format!(" by {p}"))
            .unwrap_or_default()
    );
    if let Some(f) = s.first_seen {
        out.push_str(&format!("first seen {}\n", present::date(f)));
    }
    out.push_str(&format!(
        "\nRows in the latest snapshots ({}):\n",
        s.rows.len()
    ));
    if s.rows.is_empty() {
        out.push_str("  none: no source lists this key today\n");
    }
    for r in &s.rows {
        let mut facts = Vec::new();
        if let Some(v) = &r.variant {
            facts.push(format!("variant {v}"));
        }
        if let Some(route) = &r.route {
            facts.push(format!("via {route}"));
        }
        if r.is_alias {
            facts.push("moving alias".into());
        }
        if r.input_per_mtok.is_some() || r.output_per_mtok.is_some() {
            facts.push(format!(
                "{} in / {} out",
                r.input_per_mtok
                    .map_or_else(|| "?".into(), present::money_exact),
                r.output_per_mtok
                    .map_or_else(|| "?".into(), present::money_exact)
            ));
        }
        if let Some(c) = r.context {
            facts.push(format!("context {}", present::tokens(c)));
        }
        if !r.scores.is_empty() {
            facts.push(format!("{} scores", r.scores.len()));
        }
        out.push_str(&format!(
            "  {:<12} {}  \"{}\"  {}\n",
            r.source,
            r.source_model,
            r.name,
            facts.join(", ")
        ));
    }
    out.push_str(&format!(
        "\nSpellings resolved to this key ({}):\n",
        s.spellings.len()
    ));
    for sp in &s.spellings {
        out.push_str(&format!(
            "  {:<12} {}{}  since {}\n",
            sp.source,
            sp.source_model,
            sp.variant
                .as_deref()
                .map(|v| format!(" (variant {v})"))
                .unwrap_or_default(),
            present::date(sp.first_seen)
        ));
    }
    out.push_str(&format!(
        "\nAlias-file entries ({}):\n",
        s.alias_entries.len()
    ));
    for a in &s.alias_entries {
        out.push_str(&format!("  \"{}\" = \"{}\"\n", a.spelling, a.target));
    }
    out
}

/// Keys that one source knows and no other does.
#[derive(Debug, Serialize)]
pub struct Unlinked {
    /// Distinct keys across the latest snapshots of every source.
    pub keys: usize,
    pub unlinked: Vec<UnlinkedKey>,
}

#[derive(Debug, Serialize)]
pub struct UnlinkedKey {
    pub key: String,
    pub source: String,
    /// The source's own names for the key's rows.
    pub names: Vec<String>,
    /// The closest keys other sources hold, best first.
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Serialize)]
pub struct Candidate {
    pub key: String,
    pub sources: Vec<String>,
    /// Jaro–Winkler similarity of the two keys, 0–1.
    pub similarity: f64,
}

/// How alike two keys must be to be offered as a candidate.
const CANDIDATE_SIMILARITY: f64 = 0.8;
/// Candidates listed per key.
const CANDIDATES: usize = 3;

/// `models unlinked [--source NAME]`.
pub async fn unlinked(
    store: &Store,
    loaded: &Loaded,
    only: Option<&str>,
) -> anyhow::Result<Unlinked> {
    if let Some(name) = only
        && !loaded.sources.iter().any(|s| s.name.as_str() == name)
    {
        return Err(ConfigError(format!("no source named {name:?} is configured")).into());
    }
    // key → source → that source's names for it.
    let mut seen: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for spec in &loaded.sources {
        let Some(snap) = store.latest_healthy(spec.name.as_str(), None).await? else {
            continue;
        };
        for (key, _variant, name) in store.snapshot_model_ids(snap.id).await? {
            seen.entry(key)
                .or_default()
                .entry(spec.name.to_string())
                .or_default()
                .insert(name);
        }
    }
    Ok(unlinked_of(&seen, only))
}

/// The pure part of [`unlinked`]: which keys one source alone holds, and what is close.
fn unlinked_of(
    seen: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    only: Option<&str>,
) -> Unlinked {
    // Keys are compared within blocks of the same leading letters ("gpt", "claude",
    // "hermes"), which keeps the search near-linear on catalogues of thousands of keys. A key
    // is in two blocks, its first word's and its second's, so a maker's name written in
    // front (`arcee-trinity-large`) still meets `trinity-large`.
    let block = |k: &str| -> String { k.chars().take_while(char::is_ascii_alphabetic).collect() };
    let blocks = |k: &str| -> Vec<String> {
        let mut b = vec![block(k)];
        if let Some((_, rest)) = k.split_once('-') {
            let second = block(rest);
            if second.len() > 2 && !b.contains(&second) {
                b.push(second);
            }
        }
        b
    };
    let mut by_block: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for k in seen.keys() {
        for b in blocks(k) {
            by_block.entry(b).or_default().insert(k);
        }
    }
    let mut out = Vec::new();
    for (key, sources) in seen {
        if sources.len() != 1 {
            continue;
        }
        let (source, names) = sources.iter().next().expect("one source");
        if only.is_some_and(|o| o != source) {
            continue;
        }
        let near: BTreeSet<&str> = blocks(key)
            .iter()
            .filter_map(|b| by_block.get(b))
            .flatten()
            .copied()
            .collect();
        let mut candidates: Vec<Candidate> = near
            .into_iter()
            .filter(|other| *other != key.as_str())
            .filter_map(|other| {
                let theirs = &seen[other];
                if theirs.keys().all(|s| s == source) {
                    return None;
                }
                let similarity = similarity(key, other);
                (similarity >= CANDIDATE_SIMILARITY).then(|| Candidate {
                    key: other.to_owned(),
                    sources: theirs.keys().filter(|s| *s != source).cloned().collect(),
                    similarity: (similarity * 1000.0).round() / 1000.0,
                })
            })
            .collect();
        candidates.sort_by(|a, b| {
            b.similarity
                .total_cmp(&a.similarity)
                .then_with(|| a.key.cmp(&b.key))
        });
        candidates.truncate(CANDIDATES);
        out.push(UnlinkedKey {
            key: key.clone(),
            source: source.clone(),
            names: names.iter().cloned().collect(),
            candidates,
        });
    }
    out.sort_by(|a, b| a.source.cmp(&b.source).then_with(|| a.key.cmp(&b.key)));
    Unlinked {
        keys: seen.len(),
        unlinked: out,
    }
}

/// How alike two keys are, 0–1: Jaro–Winkler, also with either key's first word dropped (a
/// maker's name some sources write in front: `arcee-trinity-large`, `trinity-large`).
fn similarity(a: &str, b: &str) -> f64 {
    let rest = |k: &str| k.split_once('-').map(|(_, r)| r.to_owned());
    let mut best = strsim::jaro_winkler(a, b);
    if let Some(ra) = rest(a) {
        best = best.max(strsim::jaro_winkler(&ra, b));
    }
    if let Some(rb) = rest(b) {
        best = best.max(strsim::jaro_winkler(a, &rb));
    }
    best
}

/// `models unlinked` as text: one line per key, candidates after it.
pub fn unlinked_text(u: &Unlinked) -> String {
    let mut out = format!(
        "{} of {} keys are seen in one source only\n",
        u.unlinked.len(),
        u.keys
    );
    let mut last = "";
    for k in &u.unlinked {
        if k.source != last {
            out.push_str(&format!("\n{}:\n", k.source));
            last = &k.source;
        }
        let names = if k.names.iter().any(|n| n != &k.key) {
            format!("  \"{}\"", k.names.join("\", \""))
        } else {
            String::new()
        };
        let close = if k.candidates.is_empty() {
            "no close key elsewhere".to_owned()
        } else {
            k.candidates
                .iter()
                .map(|c| format!("{} ({}, {:.2})", c.key, c.sources.join("+"), c.similarity))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!("  {}{}  → {}\n", k.key, names, close));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(rows: &[(&str, &str, &str)]) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
        let mut m: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
        for (k, s, n) in rows {
            m.entry((*k).into())
                .or_default()
                .entry((*s).into())
                .or_default()
                .insert((*n).into());
        }
        m
    }

    #[test]
    fn a_key_two_sources_share_is_linked_and_a_lone_key_gets_its_closest_candidates() {
        let s = seen(&[
            ("gpt-5-5", "litellm", "gpt-5.5"),
            ("gpt-5-5", "livebench", "gpt-5.5-xhigh"),
            ("mistral-small-2506", "lmarena", "Mistral-Small-2506"),
            ("mistral-small-3-2-24b", "litellm", "mistral-small-3.2-24b"),
            ("mistral-small-2506-lora", "lmarena", "other"),
            ("qwen3-coder", "litellm", "qwen3-coder"),
        ]);
        let u = unlinked_of(&s, None);
        assert_eq!(u.keys, 5);
        let keys: Vec<&str> = u.unlinked.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "mistral-small-3-2-24b",
                "qwen3-coder",
                "mistral-small-2506",
                "mistral-small-2506-lora"
            ]
        );
        let m = &u.unlinked[2];
        // The other lmarena key is no candidate: linking needs a second source.
        assert_eq!(m.candidates.len(), 1);
        assert_eq!(m.candidates[0].key, "mistral-small-3-2-24b");
        assert_eq!(m.candidates[0].sources, ["litellm"]);
        assert!(u.unlinked[1].candidates.is_empty());
        let text = unlinked_text(&u);
        assert!(
            text.starts_with("4 of 5 keys are seen in one source only"),
            "{text}"
        );
        assert!(
            text.contains(
                "  mistral-small-2506  \"Mistral-Small-2506\"  → mistral-small-3-2-24b (litellm, 0."
            ),
            "{text}"
        );
    }

    #[test]
    fn unlinked_for_one_source_lists_only_that_source() {
        let s = seen(&[("a-1", "x", "a-1"), ("a-2", "y", "a-2")]);
        let u = unlinked_of(&s, Some("y"));
        assert_eq!(u.unlinked.len(), 1);
        assert_eq!(u.unlinked[0].key, "a-2");
        assert_eq!(u.unlinked[0].candidates[0].key, "a-1");
    }
}
