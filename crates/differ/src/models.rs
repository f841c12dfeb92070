//! New and removed models.
//!
//! New: a model key that no source listed at the window start, listed now by a source that was
//! healthy at the window start, and never stored before the window (a model that comes back is
//! a notice, not news). Removed: a model a source stopped listing, confirmed by N consecutive
//! healthy pulls without it, the Nth of them inside the window; failed and quarantined pulls
//! are skipped (they are evidence of nothing).

use crate::facts::{facts, rows_of};
use crate::prices::catalogue;
use crate::rank::headline_benchmark;
use crate::{NewModel, RemovedModel, Settings, SourceInput, Window};
use std::sync::Arc;

use chrono::Datelike;
use modelbrief_domain::{ModelId, ModelKey, Observation, SourceKind, Timestamp};
use std::collections::{BTreeMap, BTreeSet};

/// New models, and the keys that came back after an absence. `reshaped` names sources whose
/// row set changed wholesale this week (e.g. LMArena's source switch bringing back 42 retired
/// models): a model only such a source lists is held back and named in a notice instead.
pub(crate) fn new_models(
    sources: &[SourceInput],
    window: Window,
    first_seen: &BTreeMap<String, Timestamp>,
    reshaped: &BTreeSet<String>,
    notices: &mut Vec<crate::Notice>,
) -> (Vec<NewModel>, Vec<String>) {
    let with_baseline: Vec<&SourceInput> =
        sources.iter().filter(|s| s.baseline.is_some()).collect();
    let known: BTreeSet<&ModelKey> = with_baseline
        .iter()
        .flat_map(|s| {
            s.baseline
                .as_ref()
                .unwrap()
                .observations
                .iter()
                .map(|o| &o.model.key)
        })
        .collect();
    // Keys known at the start only as previews: a row under the model's own name now means
    // it became generally available.
    let preview = |o: &Observation| {
        o.model
            .variant
            .as_deref()
            .is_some_and(|v| v.split('+').any(|t| t == "preview"))
    };
    let known_released: BTreeSet<&ModelKey> = with_baseline
        .iter()
        .flat_map(|s| s.baseline.as_ref().unwrap().observations.iter())
        .filter(|o| !preview(o))
        .map(|o| &o.model.key)
        .collect();
    let mut candidates: BTreeMap<&ModelKey, Vec<(&SourceInput, &Observation)>> = BTreeMap::new();
    let mut ga: BTreeSet<&ModelKey> = BTreeSet::new();
    for s in &with_baseline {
        let Some(cur) = &s.current else { continue };
        for o in cur.observations.iter().filter(|o| !o.is_alias) {
            if !known.contains(&o.model.key) {
                candidates.entry(&o.model.key).or_default().push((s, o));
            } else if !known_released.contains(&o.model.key)
                && !preview(o)
                && s.kind.is_catalogue()
                && sold_by_maker(s.kind, o)
            {
                ga.insert(&o.model.key);
                candidates.entry(&o.model.key).or_default().push((s, o));
            }
        }
    }
    let current_cat = catalogue(sources.iter().filter_map(|s| {
        Some((
            s.name.as_str(),
            s.kind,
            s.current.as_ref()?.observations.as_slice(),
        ))
    }));
    let mut out = Vec::new();
    let mut returned = Vec::new();
    let mut older: Vec<String> = Vec::new();
    let mut catalogue_only: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut held: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    // A catalogue that starts listing a provider it never listed brings that provider's whole
    // range at once (LiteLLM adding Moonshot's ten keys on one day, old and new): that is the
    // catalogue growing, not a release. Where two or more candidates come only from such a
    // provider (and none is named as released in the last two months), they are one notice.
    let routes_before: BTreeSet<(&str, &str)> = with_baseline
        .iter()
        .flat_map(|s| {
            s.baseline
                .as_ref()
                .unwrap()
                .observations
                .iter()
                .filter_map(|o| Some((s.name.as_str(), o.route.as_deref()?)))
        })
        .collect();
    let onboarding = |rows: &[(&SourceInput, &Observation)]| -> Option<(String, String)> {
        let (s, o) = rows.first()?;
        let route = o.route.as_deref()?;
        let all_new_route = rows.iter().all(|(s2, o2)| {
            s2.kind.is_catalogue()
                && s2.name == s.name
                && o2.route.as_deref() == Some(route)
                && !routes_before.contains(&(s.name.as_str(), route))
        });
        (all_new_route && s.baseline.is_some()).then(|| (s.name.clone(), route.to_owned()))
    };
    let mut onboarded: BTreeMap<(String, String), Vec<&ModelKey>> = BTreeMap::new();
    for (key, rows) in &candidates {
        let dated_recent = rows
            .iter()
            .any(|(_, o)| release_date(&o.source_model).is_some_and(|d| recent(d, window)));
        // Cheapest tests first: `rows_of` scans every source.
        if !dated_recent
            && !ga.contains(key)
            && let Some(at) = onboarding(rows)
            && rows_of(sources, key).len() == rows.len()
        {
            onboarded.entry(at).or_default().push(key);
        }
    }
    onboarded.retain(|_, keys| keys.len() >= 2);
    let catalogued: BTreeSet<&ModelKey> = onboarded.values().flatten().copied().collect();
    for ((source, route), keys) in &onboarded {
        notices.push(crate::Notice {
            from: None,
            to: None,
            kind: crate::NoticeKind::ProviderAdded,
            source: Some(source.clone()),
            text: format!(
                "{source} now lists {route}, a provider it did not list before: {} models at once ({}); a catalogue adding a provider's range is not a release, so they are not reported as new",
                keys.len(),
                keys.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
            ),
        });
    }
    for (key, rows) in candidates {
        if catalogued.contains(key) {
            continue;
        }
        // A wholesale change of a source's rows cannot tell returning models from new ones,
        // except where the name itself says: a release date in the two months before the week
        // ends (`Qwen3-235B-A22B-Instruct-2507` in 2025-07) is a new model.
        let dated_recent = rows
            .iter()
            .any(|(_, o)| release_date(&o.source_model).is_some_and(|d| recent(d, window)));
        if !dated_recent && rows.iter().all(|(s, _)| reshaped.contains(&s.name)) {
            held.entry(rows[0].0.name.as_str())
                .or_default()
                .push(rows[0].1.name.clone());
            continue;
        }
        let seen = first_seen.get(key.as_str()).copied();
        let kind = if ga.contains(key) {
            crate::NewModelKind::GenerallyAvailable
        } else {
            crate::NewModelKind::New
        };
        if kind == crate::NewModelKind::New && seen.is_some_and(|t| t <= window.from) {
            returned.push(key.to_string());
            continue;
        }
        // Rows from every source, including ones without a baseline, describe the model.
        let all = rows_of(sources, key);
        // A source that dates the model (OpenRouter's `created`, a release date) well before
        // the week says it is an older model newly listed here, not a release: named in one
        // notice, not announced.
        if kind == crate::NewModelKind::New
            && !dated_recent
            && let Some((date, by)) = source_dated(&all)
            && window.from.datetime().date_naive() - date > chrono::Duration::days(OLDER_THAN_DAYS)
        {
            let name = all
                .iter()
                .find(|(_, k, _)| *k == SourceKind::Openrouter)
                .map_or(rows[0].1.name.as_str(), |(_, _, o)| o.name.as_str());
            older.push(format!("{name} ({by} dates it {date})"));
            continue;
        }
        let facts = facts(&all, &current_cat, key);
        // Only a documentation catalogue lists it, as the maker's own (LiteLLM filling in a
        // provider's range, an old id catalogued late): an entry there alone does not show a
        // release. Named in one notice; a model whose name dates it to the last two months is
        // still new. (A reseller-only listing stays in its own line below.)
        if kind == crate::NewModelKind::New
            && !dated_recent
            && all
                .iter()
                .all(|(_, k, _)| matches!(k, SourceKind::Litellm | SourceKind::ModelsDev))
            && all.iter().any(|(_, _, o)| o.provider.is_some())
        {
            let name = facts.name_row.unwrap_or(rows[0].1).name.clone();
            catalogue_only
                .entry(rows[0].0.name.as_str())
                .or_default()
                .push(name);
            continue;
        }
        let name_row = facts.name_row.unwrap_or(rows[0].1);
        let mut scores = BTreeMap::new();
        // A name that says one variant (Aider's "DeepSeek-V3.2-Exp (Chat)", where no row is the
        // plain model) is shown with that variant's scores, never another's.
        let named = name_row.model.variant.as_ref();
        // Within one source, a model ranked as several variants (LiveBench's xhigh and high
        // rows) is described by one of them, never a mix: the variant with the best mean of
        // its headline scores, named beside them.
        let mut score_variants: BTreeMap<String, String> = BTreeMap::new();
        let mut chosen: BTreeMap<&str, Option<&String>> = BTreeMap::new();
        if named.is_none() {
            let mut by_source: BTreeMap<&str, BTreeMap<Option<&String>, (f64, usize)>> =
                BTreeMap::new();
            for (source, kind, o) in &all {
                for s in o
                    .scores
                    .iter()
                    .filter(|s| headline_benchmark(*kind, &s.benchmark))
                {
                    let e = by_source
                        .entry(source)
                        .or_default()
                        .entry(o.model.variant.as_ref())
                        .or_insert((0.0, 0));
                    e.0 += s.value;
                    e.1 += 1;
                }
            }
            for (source, variants) in by_source {
                if variants.len() < 2 {
                    // One variant: its scores are shown, named when it is one.
                    if let Some(Some(v)) = variants.keys().next() {
                        score_variants.insert(source.to_owned(), v.replace('+', ", "));
                    }
                    continue;
                }
                let best = variants
                    .iter()
                    .max_by(|a, b| {
                        let (ma, mb) = (a.1.0 / a.1.1 as f64, b.1.0 / b.1.1 as f64);
                        ma.total_cmp(&mb).then_with(|| b.0.cmp(a.0))
                    })
                    .map(|(v, _)| *v)
                    .expect("two variants");
                if let Some(v) = best {
                    score_variants.insert(source.to_owned(), v.replace('+', ", "));
                }
                chosen.insert(source, best);
            }
        }
        for (source, kind, o) in all.iter().filter(|(source, _, o)| {
            (named.is_none() || o.model.variant.as_ref() == named)
                && chosen
                    .get(*source)
                    .is_none_or(|v| *v == o.model.variant.as_ref())
        }) {
            for s in o
                .scores
                .iter()
                .filter(|s| headline_benchmark(*kind, &s.benchmark))
            {
                let e = scores
                    .entry(format!("{source}:{}", s.benchmark))
                    .or_insert(f64::MIN);
                *e = e.max(s.value);
            }
        }
        let mut other_variants: BTreeMap<(String, &str), BTreeMap<String, f64>> = BTreeMap::new();
        if let Some(named) = named {
            for (source, kind, o) in &all {
                let Some(v) = o.model.variant.as_ref().filter(|v| *v != named) else {
                    continue;
                };
                for s in o
                    .scores
                    .iter()
                    .filter(|s| headline_benchmark(*kind, &s.benchmark))
                {
                    let e = other_variants
                        .entry((v.clone(), o.name.as_str()))
                        .or_default()
                        .entry(format!("{source}:{}", s.benchmark))
                        .or_insert(f64::MIN);
                    *e = e.max(s.value);
                }
            }
        }
        // A variant's name that does not say the variant (Aider's three `openai/gpt-5` runs)
        // gets it added, so each score is said of the variant that made it.
        let says = |name: &str, v: &str| name.to_lowercase().contains(&v.replace('+', " "));
        let other_variants: Vec<crate::VariantScores> = other_variants
            .into_iter()
            .map(|((v, name), scores)| crate::VariantScores {
                name: if says(name, &v) {
                    name.to_owned()
                } else {
                    format!("{name} ({})", v.replace('+', ", "))
                },
                scores,
            })
            .collect();
        if let Some(v) = named.filter(|v| !says(&name_row.name, v)) {
            for k in scores.keys() {
                let source = k.split(':').next().unwrap_or_default();
                score_variants.insert(source.to_owned(), v.replace('+', ", "));
            }
        }
        let sources_listing: BTreeSet<String> =
            all.iter().map(|(s, _, _)| (*s).to_owned()).collect();
        let kind = if kind == crate::NewModelKind::New
            && !dated_recent
            && sources_listing.len() == 1
            && all.iter().all(|(_, k, _)| !k.is_catalogue())
        {
            crate::NewModelKind::FirstRanked
        } else {
            kind
        };
        let notable = !scores.is_empty()
            || all.iter().any(|(_, k, o)| {
                !k.is_catalogue()
                    || *k == SourceKind::Openrouter
                    || (*k == SourceKind::Litellm && o.provider.is_some())
            });
        let (input_per_mtok, output_per_mtok) = facts.prices();
        out.push(NewModel {
            evidence: Vec::new(),
            model: key.to_string(),
            name: name_row.name.clone(),
            provider: facts.provider.clone(),
            sources: sources_listing.into_iter().collect(),
            input_per_mtok,
            output_per_mtok,
            price_basis: facts.price_basis(),
            price_source: facts.priced.map(|l| l.source.to_owned()),
            prices_elsewhere: facts.prices_elsewhere(&current_cat, key),
            context: facts.context,
            reasoning: facts.reasoning,
            scores,
            other_variants,
            score_variants,
            ranks: BTreeMap::new(),
            shared_ranks: Vec::new(),
            first_seen: seen,
            notable,
            kind,
        });
    }
    if !older.is_empty() {
        notices.push(crate::Notice {
            from: None,
            to: None,
            kind: crate::NoticeKind::OlderModelListed,
            source: None,
            text: format!(
                "{} newly listed {} older than this week by {} own date, so not reported as new: {}",
                older.len(),
                if older.len() == 1 { "model is" } else { "models are" },
                if older.len() == 1 { "its source's" } else { "their sources'" },
                older.join(", ")
            ),
        });
    }
    for (source, names) in catalogue_only {
        notices.push(crate::Notice {
            from: None,
            to: None,
            kind: crate::NoticeKind::Catalogued,
            source: Some(source.to_owned()),
            text: format!(
                "{source} catalogued {} that no other source lists ({}); a catalogue entry alone does not show a release, so {} not reported as new",
                if names.len() == 1 { "1 model".to_owned() } else { format!("{} models", names.len()) },
                names.join(", "),
                if names.len() == 1 { "it is" } else { "they are" }
            ),
        });
    }
    for (source, names) in held {
        notices.push(crate::Notice {
            from: None,
            to: None,
            kind: crate::NoticeKind::RowsReappeared,
            source: Some(source.to_owned()),
            text: if sources
                .iter()
                .any(|s| s.name == source && s.release_change().is_some())
            {
                format!(
                    "{} models are in {source}'s new release and not in its previous one; they are not reported as new from it: {}",
                    names.len(),
                    names.join(", ")
                )
            } else {
                format!(
                    "{} models that only {source} lists appeared with its change of row set; a wholesale change cannot tell returning models from new ones, so these are not reported as new: {}",
                    names.len(),
                    names.join(", ")
                )
            },
        });
    }
    (out, returned)
}

/// The release date a model's name carries at its end, when it says the year: `-2507` (YYMM,
/// Qwen's and Mistral's style), `-20250715`, `-2025-07-15`. Month-day forms without a year
/// (`-0628`) say nothing here.
fn release_date(source_model: &str) -> Option<chrono::NaiveDate> {
    let tail = source_model.rsplit(['/', ':']).next()?.to_ascii_lowercase();
    let digits: String = tail
        .rsplit(['-', '_'])
        .take_while(|p| p.bytes().all(|b| b.is_ascii_digit()))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let ymd = |y: i32, m: u32, d: u32| chrono::NaiveDate::from_ymd_opt(y, m, d);
    match digits.len() {
        4 => {
            let (yy, mm) = (digits[..2].parse::<i32>().ok()?, digits[2..].parse().ok()?);
            (22..=39)
                .contains(&yy)
                .then(|| ymd(2000 + yy, mm, 1))
                .flatten()
        }
        8 => ymd(
            digits[..4].parse().ok()?,
            digits[4..6].parse().ok()?,
            digits[6..].parse().ok()?,
        )
        .filter(|d| d.year() >= 2022),
        _ => None,
    }
}

/// A model a source dates more than this many days before the window starts was available
/// before the previous edition's week: an older model, whatever this week's listings say.
const OLDER_THAN_DAYS: i64 = 14;

/// The earliest date any source gives for the model's availability, and that source: OpenRouter's
/// `created` (`listed_at`), models.dev's and Epoch AI's `release_date`.
fn source_dated<'a>(rows: &[crate::facts::Row<'a>]) -> Option<(chrono::NaiveDate, &'a str)> {
    rows.iter()
        .filter_map(|(source, _, o)| {
            let listed = o
                .extras
                .get("listed_at")
                .and_then(serde_json::Value::as_i64)
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                .map(|t| t.date_naive());
            let released = o
                .extras
                .get("release_date")
                .and_then(serde_json::Value::as_str)
                .and_then(|d| chrono::NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok());
            listed
                .into_iter()
                .chain(released)
                .min()
                .map(|d| (d, *source))
        })
        .min()
}

/// Within the two months before the window ends (and not after it).
fn recent(date: chrono::NaiveDate, window: Window) -> bool {
    let end = window.to.datetime().date_naive();
    date <= end && end - date <= chrono::Duration::days(62)
}

/// Whether a catalogue row is the maker's own listing (or OpenRouter's, which names the maker):
/// only such a row is evidence that a preview became generally available — a reseller's
/// `kimi-k2-instruct` next to Moonshot's own `kimi-k2-0711-preview` is not.
fn sold_by_maker(kind: SourceKind, o: &Observation) -> bool {
    match kind {
        SourceKind::Openrouter => true,
        SourceKind::Litellm => o.provider.is_some(),
        _ => o.route.is_none(),
    }
}

pub(crate) fn removed_models(
    sources: &[SourceInput],
    window: Window,
    settings: &Settings,
) -> Vec<RemovedModel> {
    let mut out = Vec::new();
    let n = settings.removal_confirmations.max(1);
    // Which sources list each key now (any variant, any route).
    let mut listed_by: BTreeMap<&modelbrief_domain::ModelKey, BTreeSet<&str>> = BTreeMap::new();
    for s in sources {
        for o in s.current.iter().flat_map(|c| c.observations.iter()) {
            listed_by.entry(&o.model.key).or_default().insert(&s.name);
        }
    }
    for s in sources {
        let current: BTreeSet<ModelId> = s
            .current
            .as_ref()
            .map(|c| c.model_ids().into_iter().collect())
            .unwrap_or_default();
        let current_keys: BTreeSet<&modelbrief_domain::ModelKey> =
            current.iter().map(|id| &id.key).collect();
        // Names as the source wrote them (baseline first), then the history's fallbacks; looked
        // up only for the few models that turn out removed.
        let name_of = |id: &ModelId| -> String {
            s.baseline
                .iter()
                .flat_map(|b| b.observations.iter())
                .find(|o| &o.model == id)
                .map(|o| o.name.clone())
                .or_else(|| {
                    s.history
                        .iter()
                        .filter_map(|p| p.models.as_ref())
                        .find_map(|m| m.names.get(id).cloned())
                })
                .unwrap_or_default()
        };
        // Models missing from the latest healthy pull: (last seen, consecutive healthy pulls
        // without it). Successive pulls mostly vouch for the same snapshot, so the sets are
        // compared only when the snapshot changes, and each pull only counts the missing ones.
        let mut absent: BTreeMap<&ModelId, (Timestamp, usize)> = BTreeMap::new();
        let mut previous: Option<(&crate::SnapshotModels, Timestamp)> = None;
        for p in &s.history {
            // A failed or quarantined pull is no evidence either way: it neither counts towards
            // a removal nor resets one.
            let Some(snap) = p.models.as_deref().filter(|_| p.healthy) else {
                continue;
            };
            match previous {
                // The same snapshot (the binary shares one `Arc` per stored snapshot).
                Some((prev, _)) if std::ptr::eq(prev, snap) => {}
                // A new release is a new baseline: what it leaves out was not removed.
                Some((prev, _)) if prev.release != snap.release => absent.clear(),
                Some((prev, prev_at)) => {
                    for id in prev.names.keys() {
                        if !snap.names.contains_key(id) {
                            absent.entry(id).or_insert((prev_at, 0));
                        }
                    }
                    absent.retain(|id, _| !snap.names.contains_key(*id));
                }
                None => {}
            }
            previous = Some((snap, p.at));
            for (id, (last_seen, count)) in absent.iter_mut() {
                *count += 1;
                // Nothing is removed while another listing of the model is left in the
                // source: a `:free` route, an effort level or a dated snapshot that goes while
                // the model stays is not news of its own.
                let still_listed = current_keys.contains(&id.key);
                if *count == n && window.contains(p.at) && !current.contains(*id) && !still_listed {
                    out.push(RemovedModel {
                        evidence: Vec::new(),
                        model: id.to_string(),
                        name: name_of(id),
                        source: s.name.clone(),
                        last_seen: *last_seen,
                        confirmed_at: p.at,
                        still_listed_by: others_listing(&listed_by, &id.key, &s.name),
                        maker_listing: None,
                        still_sold_via: Vec::new(),
                    });
                }
            }
        }
        maker_listings_dropped(s, window, &listed_by, &mut out);
    }
    out.sort_by(|a, b| (&a.source, &a.model).cmp(&(&b.source, &b.model)));
    out
}

/// The sources other than `source` that list `key` now.
fn others_listing(
    listed_by: &BTreeMap<&ModelKey, BTreeSet<&str>>,
    key: &ModelKey,
    source: &str,
) -> Vec<String> {
    listed_by
        .get(key)
        .into_iter()
        .flatten()
        .filter(|o| **o != source)
        .map(|o| (*o).to_owned())
        .collect()
}

/// A catalogue that documents makers' own prices (LiteLLM, models.dev) dropping the maker's
/// listing of a model while it still lists the model through resellers: Anthropic's API no
/// longer selling Claude 2 while Bedrock does is news, though the model is still listed. Said
/// once, in the week of the first healthy pull without it: only the window's two ends are read
/// in full, so a later week's baseline no longer has the row to miss. One pull suffices, as
/// such a catalogue is one file, and a pull that lost rows wholesale is quarantined, not healthy.
fn maker_listings_dropped(
    s: &SourceInput,
    window: Window,
    listed_by: &BTreeMap<&ModelKey, BTreeSet<&str>>,
    out: &mut Vec<RemovedModel>,
) {
    if !matches!(s.kind, SourceKind::Litellm | SourceKind::ModelsDev) {
        return;
    }
    let (Some(base), Some(cur)) = (&s.baseline, &s.current) else {
        return;
    };
    if base.id == cur.id {
        return;
    }
    // The healthy pulls since the source's content moved on from the baseline, oldest first
    // (only the two ends are read in full: the rows in between are known by id only).
    let confirming: Vec<Timestamp> = s
        .history
        .iter()
        .filter(|p| p.healthy && p.at > base.taken_at)
        .filter(|p| p.models.as_ref().is_some_and(|m| m.id != base.id))
        .map(|p| p.at)
        .collect();
    let Some(&confirmed_at) = confirming.first() else {
        return;
    };
    if !window.contains(confirmed_at) {
        return;
    }
    let makers = |obs: &'_ [Arc<Observation>]| -> BTreeMap<ModelKey, (String, String)> {
        obs.iter()
            .filter(|o| !o.is_alias)
            .filter_map(|o| {
                Some((
                    o.model.key.clone(),
                    (o.provider.as_ref()?.to_string(), o.name.clone()),
                ))
            })
            .collect()
    };
    let (before, now) = (makers(&base.observations), makers(&cur.observations));
    for (key, (maker, name)) in before {
        if now.contains_key(&key) {
            continue;
        }
        let routes: BTreeSet<&str> = cur
            .observations
            .iter()
            .filter(|o| o.model.key == key && !o.is_alias)
            .filter_map(|o| o.route.as_deref())
            .collect();
        if routes.is_empty() {
            continue; // gone altogether: the removal rule above says so
        }
        // The last healthy pull that still showed the baseline.
        let last_seen = s
            .history
            .iter()
            .filter(|p| p.healthy && p.models.as_ref().is_some_and(|m| m.id == base.id))
            .map(|p| p.at)
            .next_back()
            .unwrap_or(base.taken_at);
        out.push(RemovedModel {
            evidence: Vec::new(),
            model: key.to_string(),
            name,
            source: s.name.clone(),
            last_seen,
            confirmed_at,
            still_listed_by: others_listing(listed_by, &key, &s.name),
            maker_listing: Some(maker),
            still_sold_via: routes.into_iter().map(str::to_owned).collect(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(to: &str) -> Window {
        let to = Timestamp::parse(to).unwrap();
        Window {
            from: Timestamp::from_datetime(to.datetime() - chrono::Duration::days(7)),
            to,
        }
    }

    #[test]
    fn a_release_date_is_read_only_where_the_name_gives_its_year() {
        let d = |s: &str| release_date(s).map(|d| d.to_string());
        assert_eq!(
            d("Qwen3-235B-A22B-Instruct-2507"),
            Some("2025-07-01".into())
        );
        assert_eq!(d("mistral/mistral-small-2506"), Some("2025-06-01".into()));
        assert_eq!(d("claude-3-5-sonnet-20240620"), Some("2024-06-20".into()));
        assert_eq!(d("openai/o1-2024-12-17"), Some("2024-12-17".into()));
        for none in [
            "gpt-4-0613",
            "Deepseek-v2-API-0628",
            "gemini-2.0-flash-live-preview-04-09",
            "llama-3.1-70b",
            "Claude-1",
            "kimi-k2-0711-preview",
        ] {
            assert_eq!(d(none), None, "{none}");
        }
    }

    #[test]
    fn only_a_date_in_the_two_months_before_the_week_ends_is_recent() {
        let w = window("2025-07-28T00:00:00Z");
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(recent(day("2025-07-01"), w));
        assert!(recent(day("2025-06-01"), w));
        assert!(!recent(day("2025-05-01"), w));
        assert!(!recent(day("2024-01-24"), w));
        assert!(!recent(day("2025-08-01"), w), "not after the week");
    }
}
