//! Canonical prices and context windows, and their changes.
//!
//! One canonical listing per model: the maker's own first-party listing where one exists
//! (LiteLLM rows under the maker's provider, e.g. `anthropic`), otherwise OpenRouter's listing,
//! otherwise the cheapest listed route. A change is reported only when the *same* listing
//! changed, so a new route or a re-pointed alias never looks like a price cut.

use crate::{
    ChangeKind, ContextChange, Notice, NoticeKind, OldNew, PriceChange, Settings, SourceInput,
};
use modelbrief_domain::{ModelId, Observation, SourceKind, Timestamp};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A listing chosen as canonical.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Listing<'a> {
    pub source: &'a str,
    pub obs: &'a Observation,
    pub basis: &'static str,
}

/// The catalogue rows of a set of snapshots, by model id.
pub(crate) type Catalogue<'a> = BTreeMap<&'a ModelId, Vec<(&'a str, SourceKind, &'a Observation)>>;

pub(crate) fn catalogue<'a>(
    snaps: impl Iterator<Item = (&'a str, SourceKind, &'a [Arc<Observation>])>,
) -> Catalogue<'a> {
    let mut out: Catalogue<'a> = BTreeMap::new();
    for (source, kind, obs) in snaps {
        if !kind.may_list_prices() {
            continue;
        }
        for o in obs.iter().filter(|o| !o.is_alias) {
            out.entry(&o.model).or_default().push((source, kind, o));
        }
    }
    out
}

/// The catalogue's entries of one model: ids sort by key, then variant, so they are one
/// contiguous range starting at the base id.
pub(crate) fn of_key<'c, 'a>(
    catalogue: &'c Catalogue<'a>,
    key: &'c modelbrief_domain::ModelKey,
) -> impl Iterator<Item = (&'a ModelId, &'c Vec<(&'a str, SourceKind, &'a Observation)>)> + 'c {
    let first = ModelId {
        key: key.clone(),
        variant: None,
    };
    catalogue
        .range::<ModelId, _>(first..)
        .take_while(move |(id, _)| &id.key == key)
        .map(|(id, rows)| (*id, rows))
}

/// A price with nothing to compare it with (a first price, a maker's own price listed for the
/// first time, a paid listing after free ones): `old` on both sides, the listing's price new.
fn first_price(
    id: &ModelId,
    l: &Listing<'_>,
    old: Option<Decimal>,
    kind: ChangeKind,
    sources: &[SourceInput],
) -> PriceChange {
    let price = |p: Option<modelbrief_domain::PricePerMTok>| OldNew {
        old,
        new: p.map(|p| p.decimal()),
    };
    PriceChange {
        evidence: Vec::new(),
        model: id.to_string(),
        name: l.obs.name.clone(),
        source: l.source.to_owned(),
        listing: l.obs.source_model.clone(),
        basis: l.basis.to_owned(),
        input_per_mtok: price(l.obs.input_per_mtok),
        output_per_mtok: price(l.obs.output_per_mtok),
        pct: 0.0,
        input_pct: None,
        output_pct: None,
        kind,
        as_of: as_of(sources, l.source),
        reconciled_with: None,
        free_listing_kept: None,
    }
}

fn blended(o: &Observation) -> Option<Decimal> {
    Some(o.input_per_mtok?.decimal() + o.output_per_mtok?.decimal())
}

/// The canonical listing of a model among `rows`; `priced` requires a price.
pub(crate) fn canonical<'a>(
    rows: &[(&'a str, SourceKind, &'a Observation)],
    priced: bool,
) -> Option<Listing<'a>> {
    let ok =
        |o: &Observation| !priced || (o.input_per_mtok.is_some() && o.output_per_mtok.is_some());
    let maker = rows
        .iter()
        .find(|(_, k, _)| *k == SourceKind::Openrouter)
        .and_then(|(_, _, o)| o.provider.clone());
    let first_party = rows
        .iter()
        .filter(|(_, k, o)| {
            matches!(k, SourceKind::Litellm | SourceKind::ModelsDev)
                && o.provider.is_some()
                && ok(o)
        })
        .filter(|(_, _, o)| maker.is_none() || o.provider == maker)
        .min_by_key(|(_, _, o)| (o.source_model.len(), o.source_model.as_str()));
    if let Some((source, _, obs)) = first_party {
        return Some(Listing {
            source,
            obs,
            basis: "first_party",
        });
    }
    let openrouter = rows
        .iter()
        .filter(|(_, k, o)| *k == SourceKind::Openrouter && ok(o))
        .min_by_key(|(_, _, o)| o.source_model.as_str());
    if let Some((source, _, obs)) = openrouter {
        return Some(Listing {
            source,
            obs,
            basis: "openrouter",
        });
    }
    rows.iter()
        .filter(|(_, _, o)| ok(o) && (priced || o.context.is_some()))
        .min_by_key(|(_, _, o)| (blended(o), o.source_model.as_str()))
        .map(|(source, _, obs)| Listing {
            source,
            obs,
            basis: "cheapest_route",
        })
}

fn pct(old: Decimal, new: Decimal) -> Option<f64> {
    if old.is_zero() {
        return None;
    }
    ((new - old) / old * Decimal::from(100))
        .round_dp(1)
        .to_f64()
}

/// The same listing at both ends: today's canonical one if it existed at the start, else the
/// start's canonical one if it still exists. A listing that appeared or vanished is never
/// compared with a different one, so a new route can't pose as a price change.
fn comparable<'a>(
    old_rows: &[(&'a str, SourceKind, &'a Observation)],
    rows: &[(&'a str, SourceKind, &'a Observation)],
    priced: bool,
) -> Option<(Listing<'a>, Listing<'a>)> {
    let find = |rows: &[(&'a str, SourceKind, &'a Observation)], l: &Listing<'_>| {
        rows.iter()
            .find(|(s, _, o)| *s == l.source && o.source_model == l.obs.source_model)
            .filter(|(_, _, o)| {
                !priced || (o.input_per_mtok.is_some() && o.output_per_mtok.is_some())
            })
            .map(|(source, _, obs)| Listing {
                source,
                obs,
                basis: l.basis,
            })
    };
    if let Some(c) = canonical(rows, priced)
        && let Some(b) = find(old_rows, &c)
    {
        return Some((b, c));
    }
    let b = canonical(old_rows, priced)?;
    let c = find(rows, &b)?;
    Some((b, c))
}

fn as_of(sources: &[SourceInput], name: &str) -> Timestamp {
    sources
        .iter()
        .find(|s| s.name == name)
        .and_then(|s| s.current.as_ref())
        .map(|c| c.taken_at)
        .expect("a listing comes from a current snapshot")
}

use modelbrief_domain::present::money;

/// Price and context changes between each source's baseline and current snapshot.
pub(crate) fn changes(
    sources: &[SourceInput],
    settings: &Settings,
    notices: &mut Vec<Notice>,
) -> (Vec<PriceChange>, Vec<PriceChange>, Vec<ContextChange>) {
    // Only sources with both ends take part, so the canonical choice is made among the same
    // sources on both sides.
    let pairs: Vec<_> = sources
        .iter()
        .filter_map(|s| Some((s, s.baseline.as_ref()?, s.current.as_ref()?)))
        .collect();
    let base = catalogue(
        pairs
            .iter()
            .map(|(s, b, _)| (s.name.as_str(), s.kind, b.observations.as_slice())),
    );
    let cur = catalogue(
        pairs
            .iter()
            .map(|(s, _, c)| (s.name.as_str(), s.kind, c.observations.as_slice())),
    );

    let mut prices = Vec::new();
    let mut listings = Vec::new();
    let mut contexts = Vec::new();
    let is_free = |o: &Observation| {
        o.input_per_mtok.is_some_and(|p| p.decimal().is_zero())
            && o.output_per_mtok.is_some_and(|p| p.decimal().is_zero())
    };
    // One first price per model, on its first listing (the base id sorts before its variants).
    let mut first_priced = BTreeSet::new();
    for (id, rows) in &cur {
        let Some(old_rows) = base.get(id) else {
            // A paid listing for a model that was listed only for free (a `:free` route):
            // the model can now be bought, said as such (old side $0).
            let mut old_of_key = of_key(&base, &id.key)
                .flat_map(|(_, r)| r.iter())
                .peekable();
            if old_of_key.peek().is_none() || !old_of_key.all(|(_, _, o)| is_free(o)) {
                continue;
            }
            let already = of_key(&cur, &id.key)
                .filter(|(c, _)| *c < *id && !base.contains_key(*c))
                .any(|(_, r)| canonical(r, true).is_some_and(|l| !is_free(l.obs)));
            if let Some(c) = canonical(rows, true).filter(|c| !is_free(c.obs))
                && !already
            {
                let mut p =
                    first_price(id, &c, Some(Decimal::ZERO), ChangeKind::BecamePaid, sources);
                p.free_listing_kept = Some(
                    of_key(&cur, &id.key)
                        .flat_map(|(_, r)| r.iter())
                        .any(|(_, _, o)| is_free(o)),
                );
                prices.push(p);
            }
            continue;
        };
        let chosen = comparable(old_rows, rows, true);
        // No listing of the model had a price before, and this one has one now.
        if chosen.is_none()
            && let Some(c) = canonical(rows, true)
            && !of_key(&base, &id.key).any(|(_, r)| canonical(r, true).is_some())
            && first_priced.insert(&id.key)
        {
            prices.push(first_price(id, &c, None, ChangeKind::FirstPriced, sources));
        }
        // The maker's own price appeared this week: that is the model's price now, said as
        // such; the route it used to be priced by is only another listing from here on.
        let now = canonical(rows, true);
        let first_party_new = now.as_ref().is_some_and(|n| {
            n.basis == "first_party"
                && chosen.as_ref().is_some_and(|(_, c)| {
                    c.basis != "first_party"
                        && !(c.source == n.source && c.obs.source_model == n.obs.source_model)
                })
        });
        if first_party_new && let Some(n) = &now {
            prices.push(first_price(
                id,
                n,
                None,
                ChangeKind::FirstPartyListed,
                sources,
            ));
        }
        let chosen = if first_party_new {
            // Its route's own move, if any, is reported with the other listings below.
            None
        } else {
            chosen
        };
        if let Some((b, c)) = &chosen
            && let Some(mut change) = price_change(id, b, c, settings, sources)
        {
            // A catalogue that documents the maker's price (LiteLLM's first-party rows, not a
            // marketplace) moving to the price the maker's listing had elsewhere at both ends of
            // the week (LiteLLM's MiniMax-M3 catching up with OpenRouter's): a catalogue fix,
            // not a price anyone paid changing. A move on OpenRouter itself is always real.
            let new = (change.input_per_mtok.new, change.output_per_mtok.new);
            let priced = |o: &Observation| {
                (
                    o.input_per_mtok.map(|p| p.decimal()),
                    o.output_per_mtok.map(|p| p.decimal()),
                )
            };
            let listed_elsewhere = |cat: &Catalogue<'_>| -> Option<String> {
                cat.get(id)?
                    .iter()
                    .find(|(src, kind, o)| {
                        *src != c.source
                            && !o.is_alias
                            && (*kind == SourceKind::Openrouter || o.provider.is_some())
                            && priced(o) == new
                    })
                    .map(|(src, _, _)| (*src).to_owned())
            };
            let documents_maker = sources
                .iter()
                .any(|s| s.name == c.source && s.kind != SourceKind::Openrouter)
                && c.basis == "first_party";
            if change.kind == ChangeKind::Change
                && documents_maker
                && let (Some(before), Some(now)) = (listed_elsewhere(&base), listed_elsewhere(&cur))
                && before == now
            {
                change.kind = ChangeKind::Reconciled;
                change.reconciled_with = Some(now);
            }
            prices.push(change);
        }
        // Every other listing of the model that moved (OpenRouter's route of a model with a
        // first-party price, resellers): a real move on a listing people buy from, reported in
        // its own block, never as the model's price.
        for (source, _, o) in rows.iter() {
            if chosen
                .as_ref()
                .is_some_and(|(_, c)| c.source == *source && c.obs.source_model == o.source_model)
            {
                continue;
            }
            let Some((_, _, old)) = old_rows
                .iter()
                .find(|(s, _, x)| s == source && x.source_model == o.source_model)
            else {
                continue;
            };
            let l = |obs| Listing {
                source,
                obs,
                basis: "other_listing",
            };
            if let Some(change) = price_change(id, &l(old), &l(o), settings, sources) {
                listings.push(change);
            }
        }
        if let Some((b, c)) = comparable(old_rows, rows, false)
            && let (Some(old), Some(new)) = (b.obs.context, c.obs.context)
            && old != new
        {
            let (before, now) = (
                contexts_elsewhere(&base, &id.key, c.source),
                contexts_elsewhere(&cur, &id.key, c.source),
            );
            // As with prices: a catalogue documenting the maker's figure (not OpenRouter, whose
            // own listing is what people buy) moving to the value another source gave at both
            // ends of the week is that catalogue catching up.
            let documents_maker = sources
                .iter()
                .any(|s| s.name == c.source && s.kind != SourceKind::Openrouter);
            let same = modelbrief_domain::present::tokens_alike;
            let reconciled_with = now
                .iter()
                .find(|(src, v)| same(**v, new) && before.get(*src).is_some_and(|b| same(*b, new)))
                .map(|(src, _)| src.clone())
                .filter(|_| documents_maker && !same(old, new));
            contexts.push(ContextChange {
                evidence: Vec::new(),
                model: id.to_string(),
                name: c.obs.name.clone(),
                source: c.source.to_owned(),
                listing: c.obs.source_model.clone(),
                old,
                new,
                kind: if reconciled_with.is_some() {
                    ChangeKind::Reconciled
                } else {
                    ChangeKind::Change
                },
                as_of: as_of(sources, c.source),
                reconciled_with,
                elsewhere: now.into_iter().filter(|(_, v)| !same(*v, new)).collect(),
                also: Vec::new(),
            });
        }
    }
    // One line per model: a dated snapshot making the same change as its alias (the base id
    // sorts first) is named on the alias's line.
    let mut folded: Vec<ContextChange> = Vec::new();
    for c in contexts {
        let key = |m: &str| ModelId::key_of(m).to_owned();
        if let Some(first) = folded.iter_mut().find(|f| {
            key(&f.model) == key(&c.model)
                && f.source == c.source
                && (f.old, f.new, f.kind) == (c.old, c.new, c.kind)
        }) {
            first.also.push(c.listing);
        } else {
            folded.push(c);
        }
    }
    let mut contexts = folded;
    // Two models whose values were swapped back into place: corrections, not news.
    let swapped: BTreeSet<usize> = (0..contexts.len())
        .flat_map(|i| (0..contexts.len()).map(move |j| (i, j)))
        .filter(|&(i, j)| {
            i != j
                && contexts[i].source == contexts[j].source
                && contexts[i].old == contexts[j].new
                && contexts[i].new == contexts[j].old
        })
        .map(|(i, _)| i)
        .collect();
    for i in swapped {
        contexts[i].kind = ChangeKind::Correction;
    }
    alias_notices(sources, &prices, &listings, notices);
    (prices, listings, contexts)
}

/// The context each source other than `except` gives the model `key` in `cat`: its first
/// listing with one (the base id sorts before its variants).
fn contexts_elsewhere(
    cat: &Catalogue<'_>,
    key: &modelbrief_domain::ModelKey,
    except: &str,
) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (_, rows) in of_key(cat, key) {
        for (source, _, o) in rows {
            if *source != except
                && let Some(ctx) = o.context
            {
                out.entry((*source).to_owned()).or_insert(ctx);
            }
        }
    }
    out
}

fn price_change(
    id: &ModelId,
    b: &Listing<'_>,
    c: &Listing<'_>,
    settings: &Settings,
    sources: &[SourceInput],
) -> Option<PriceChange> {
    let (bi, bo) = (
        b.obs.input_per_mtok?.decimal(),
        b.obs.output_per_mtok?.decimal(),
    );
    let (ci, co) = (
        c.obs.input_per_mtok?.decimal(),
        c.obs.output_per_mtok?.decimal(),
    );
    if bi == ci && bo == co {
        return None;
    }
    let input_pct = pct(bi, ci);
    let output_pct = pct(bo, co);
    let blended_pct = pct(bi + bo, ci + co).unwrap_or(100.0);
    let moved = |p: Option<f64>, old: Decimal, new: Decimal| match p {
        Some(p) => p.abs() >= settings.price_threshold_pct,
        None => old != new,
    };
    if !moved(input_pct, bi, ci) && !moved(output_pct, bo, co) {
        return None;
    }
    let correction = bi != bo && ci == bo && co == bi;
    let free = |i: Decimal, o: Decimal| i.is_zero() && o.is_zero();
    let kind = if correction {
        ChangeKind::Correction
    } else if free(ci, co) && !free(bi, bo) {
        ChangeKind::BecameFree
    } else if free(bi, bo) && !free(ci, co) {
        ChangeKind::BecamePaid
    } else {
        ChangeKind::Change
    };
    Some(PriceChange {
        evidence: Vec::new(),
        model: id.to_string(),
        name: c.obs.name.clone(),
        source: c.source.to_owned(),
        listing: c.obs.source_model.clone(),
        basis: c.basis.to_owned(),
        input_per_mtok: OldNew {
            old: Some(bi),
            new: Some(ci),
        },
        output_per_mtok: OldNew {
            old: Some(bo),
            new: Some(co),
        },
        pct: blended_pct,
        input_pct,
        output_pct,
        kind,
        as_of: as_of(sources, c.source),
        reconciled_with: None,
        free_listing_kept: None,
    })
}

/// A moving alias whose price changed: when a concrete listing of the same source made the same
/// move, the alias only followed that model (whose change is reported); otherwise it was
/// re-pointed at another model: say so, once.
fn alias_notices(
    sources: &[SourceInput],
    prices: &[PriceChange],
    listings: &[PriceChange],
    notices: &mut Vec<Notice>,
) {
    for s in sources {
        let (Some(b), Some(c)) = (&s.baseline, &s.current) else {
            continue;
        };
        if b.id == c.id {
            continue;
        }
        let old: BTreeMap<&str, &Observation> = b
            .observations
            .iter()
            .filter(|o| o.is_alias)
            .map(|o| (o.source_model.as_str(), &**o))
            .collect();
        for o in c.observations.iter().filter(|o| o.is_alias) {
            let Some(prev) = old.get(o.source_model.as_str()) else {
                continue;
            };
            if let (Some(bi), Some(bo), Some(ci), Some(co)) = (
                prev.input_per_mtok,
                prev.output_per_mtok,
                o.input_per_mtok,
                o.output_per_mtok,
            ) && (bi != ci || bo != co)
            {
                let followed = prices.iter().chain(listings).any(|p| {
                    p.source == s.name
                        && p.input_per_mtok.old == Some(bi.decimal())
                        && p.input_per_mtok.new == Some(ci.decimal())
                        && p.output_per_mtok.old == Some(bo.decimal())
                        && p.output_per_mtok.new == Some(co.decimal())
                });
                if followed {
                    continue;
                }
                notices.push(Notice {
                    from: None,
                    to: None,
                    kind: NoticeKind::AliasRepointed,
                    source: Some(s.name.clone()),
                    text: format!(
                        "{} now costs {}/{} per 1M tokens (was {}/{}): the alias points at a different model; this is not a price change of any model",
                        o.source_model,
                        money(ci.decimal()),
                        money(co.decimal()),
                        money(bi.decimal()),
                        money(bo.decimal())
                    ),
                });
            }
        }
    }
}
