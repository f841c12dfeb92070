//! The ingest job: pull every source concurrently, judge each pull, store it.
//!
//! One broken source never stops the others: each source's outcome is a [`SourceReport`].

use crate::config::Loaded;
use modelbrief_domain::{ModelId, ModelKey, Observation, ParsedPull, SourceKind, Timestamp};
use modelbrief_ingester::{
    ApiKey, Conditional, Fetched, Fetcher, HealthPolicy, KindOptions, ReleaseChoice, ReleaseSpec,
    SourceSpec, Verdict, assess,
};
use modelbrief_store::{NewPull, PullResult, PullStatus, Store};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Instant;

/// What a fetch brought: the document, the LiveBench categories and cost files, the release.
type Pulled = (Fetched, Option<Vec<u8>>, Option<Vec<u8>>, Option<String>);

/// The outcome of one source's pull, as printed by `modelbrief ingest`.
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    pub source: String,
    pub status: PullStatus,
    pub rows: Option<i64>,
    pub error: Option<String>,
    /// Single values left out because their cell did not read as its unit (`html_table`).
    #[serde(skip_serializing_if = "is_zero")]
    pub missing_values: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Everything an ingest run needs.
pub struct Ingest<'a> {
    pub store: &'a Store,
    pub fetcher: &'a Fetcher,
    pub config: &'a Loaded,
    pub policy: HealthPolicy,
    pub now: Timestamp,
    pub accept_mass_change: bool,
    /// Sources whose next pull is accepted without comparing it to the last healthy one.
    pub accept: Vec<String>,
}

impl Ingest<'_> {
    /// Pulls the given sources concurrently (one request per host at a time).
    pub async fn run(&self, sources: &[&SourceSpec]) -> anyhow::Result<Vec<SourceReport>> {
        for s in sources {
            self.store
                .upsert_source(&s.name, s.kind, s.url.as_str())
                .await?;
        }
        let reports = futures::future::join_all(sources.iter().map(|s| self.one(s))).await;
        reports.into_iter().collect()
    }

    #[tracing::instrument(skip_all, fields(source = %spec.name))]
    async fn one(&self, spec: &SourceSpec) -> anyhow::Result<SourceReport> {
        let clock = Instant::now();
        let name = spec.name.as_str();
        let previous = self.store.latest_healthy(name, None).await?;
        // An HTML table's stored content depends on how it is read, which a server's
        // validators know nothing of: it is always downloaded, and its hash (which covers
        // the settings) decides whether it changed.
        let html = matches!(spec.options, KindOptions::HtmlTable(_));
        let cond = if previous.is_some() && !html {
            let (etag, last_modified) = self.store.validators(&spec.name).await?;
            Conditional {
                etag,
                last_modified,
                api_key: None,
            }
        } else {
            Conditional::default()
        };
        let mut cond = cond;
        let mut no_key = None;
        match &spec.api_key {
            None => {}
            Some(ApiKey::Set(header, key)) => cond.api_key = Some((header.clone(), key.clone())),
            Some(ApiKey::Missing { variable }) => {
                no_key = Some(format!(
                    "its API key is not set: put it in the environment variable {variable}"
                ));
            }
        }
        let mut pull = NewPull {
            source: spec.name.clone(),
            started_at: self.now,
            duration_ms: 0,
            http_status: None,
            bytes: None,
            content_hash: None,
            notices: Vec::new(),
            result: PullResult::Failed {
                error: String::new(),
            },
        };
        let mut missing = 0;
        let fetched = match no_key {
            Some(error) => Err((error, None)),
            None => self.fetch(spec, &cond).await,
        };
        let release = fetched.as_ref().ok().and_then(|f| f.3.clone());
        pull.result = match fetched {
            Err(error) => {
                pull.http_status = error.1;
                PullResult::Failed { error: error.0 }
            }
            Ok((Fetched::NotModified { status }, _, _, _)) => {
                pull.http_status = Some(status);
                match &previous {
                    Some(p) => {
                        pull.content_hash = Some(p.content_hash.clone());
                        PullResult::Unchanged {
                            snapshot_id: p.id,
                            rows: p.rows,
                            etag: cond.etag,
                            last_modified: cond.last_modified,
                        }
                    }
                    None => PullResult::Failed {
                        error: "server answered 304 but nothing is stored yet".into(),
                    },
                }
            }
            Ok((
                Fetched::Body {
                    status,
                    body,
                    etag,
                    last_modified,
                },
                categories,
                cost,
                _,
            )) => {
                pull.http_status = status;
                pull.bytes = Some((body.len() + categories.as_ref().map_or(0, Vec::len)) as i64);
                let mut hasher = Sha256::new();
                hasher.update(&body);
                if let Some(c) = &categories {
                    hasher.update(c);
                }
                if let Some(c) = &cost {
                    hasher.update(b"cost");
                    hasher.update(c);
                }
                // How a table is read is part of what was stored: a fixed selector re-parses.
                if let KindOptions::HtmlTable(h) = &spec.options {
                    hasher.update(h.fingerprint.as_bytes());
                }
                let hash = hex::encode(hasher.finalize());
                pull.content_hash = Some(hash.clone());
                match &previous {
                    Some(p) if p.content_hash == hash => PullResult::Unchanged {
                        snapshot_id: p.id,
                        rows: p.rows,
                        etag,
                        last_modified,
                    },
                    _ => {
                        // Scores of another release are not comparable: a new baseline.
                        let comparable = previous
                            .as_ref()
                            .filter(|p| p.release == release)
                            .map(|p| p.id);
                        self.judge(
                            spec,
                            body,
                            (categories, cost),
                            comparable,
                            (etag, last_modified),
                            release.clone(),
                            &mut pull.notices,
                            &mut missing,
                        )
                        .await?
                    }
                }
            }
        };
        pull.duration_ms = clock.elapsed().as_millis() as i64;
        let report = match &pull.result {
            PullResult::Changed { observations, .. } => {
                (PullStatus::Changed, Some(observations.len() as i64), None)
            }
            PullResult::Unchanged { rows, .. } => (PullStatus::Unchanged, Some(*rows), None),
            PullResult::Failed { error } => (PullStatus::Failed, None, Some(error.clone())),
            PullResult::Quarantined { reason, rows } => {
                (PullStatus::Quarantined, Some(*rows), Some(reason.clone()))
            }
        };
        let duration_ms = pull.duration_ms;
        self.store.record_pull(pull).await?;
        let (status, rows, error) = report;
        if status.is_healthy() {
            tracing::info!(status = status.as_str(), rows, duration_ms, "pulled");
        } else {
            tracing::warn!(
                status = status.as_str(),
                error = error.as_deref().unwrap_or(""),
                duration_ms,
                "pull not usable"
            );
        }
        Ok(SourceReport {
            source: name.to_owned(),
            status,
            rows,
            error,
            missing_values: missing,
        })
    }

    /// Fetches the source (and, for LiveBench, its categories file), and the release it is
    /// of, for sources with releases.
    async fn fetch(
        &self,
        spec: &SourceSpec,
        cond: &Conditional,
    ) -> Result<Pulled, (String, Option<u16>)> {
        let err =
            |e: modelbrief_ingester::FetchError| (format!("{:#}", anyhow::Error::from(e)), None);
        let (mut main, categories_url, cost_url, release) = match &spec.release {
            None => {
                let main = self.fetcher.fetch(&spec.url, cond).await.map_err(|e| {
                    let status = e.http_status();
                    (err(e).0, status)
                })?;
                (
                    main,
                    spec.categories_url.clone(),
                    spec.cost_url.clone(),
                    None,
                )
            }
            Some(r) => self.fetch_release(r, cond).await?,
        };
        if let Fetched::Body { body, status, .. } = &mut main {
            let first = std::mem::take(body);
            *body = match spec.kind {
                SourceKind::Openrouter => self.follow_pages(&spec.url, first).await,
                SourceKind::ArenaDataset => self.follow_offsets(&spec.url, first).await,
                _ => Ok(first),
            }
            .map_err(|e| (e, *status))?;
        }
        let categories = match &categories_url {
            Some(url) if matches!(main, Fetched::Body { .. }) => {
                match self
                    .fetcher
                    .fetch(url, &Conditional::default())
                    .await
                    .map_err(err)?
                {
                    Fetched::Body { body, .. } => Some(body),
                    Fetched::NotModified { .. } => None,
                }
            }
            _ => None,
        };
        // The cost file is an extra: a release without one (404), or one that cannot be
        // fetched, leaves the costs out, never the pull.
        let cost = match &cost_url {
            Some(url) if matches!(main, Fetched::Body { .. }) => {
                match self.fetcher.fetch(url, &Conditional::default()).await {
                    Ok(Fetched::Body { body, .. }) => Some(body),
                    Ok(Fetched::NotModified { .. }) => None,
                    Err(e) => {
                        tracing::warn!(url = %url, error = %e, "no cost file; costs left out");
                        None
                    }
                }
            }
            _ => None,
        };
        Ok((main, categories, cost, release))
    }

    /// The newest release whose data file answers: from the listing (`release = "auto"`),
    /// trying up to three, newest first, past any that answer 404; or the pinned one.
    async fn fetch_release(
        &self,
        spec: &ReleaseSpec,
        cond: &Conditional,
    ) -> Result<(Fetched, Option<url::Url>, Option<url::Url>, Option<String>), (String, Option<u16>)>
    {
        const TRIES: usize = 3;
        let err = |e: modelbrief_ingester::FetchError| {
            let status = e.http_status();
            (format!("{:#}", anyhow::Error::from(e)), status)
        };
        let candidates = match &spec.choice {
            ReleaseChoice::Pinned(r) => vec![r.clone()],
            ReleaseChoice::Auto { listing } => {
                let body = match self
                    .fetcher
                    .fetch(listing, &Conditional::default())
                    .await
                    .map_err(err)?
                {
                    Fetched::Body { body, .. } => body,
                    Fetched::NotModified { .. } => Vec::new(),
                };
                let text = String::from_utf8_lossy(&body);
                let mut all = modelbrief_ingester::adapters::livebench::releases(&text);
                if all.is_empty() {
                    return Err((
                        format!(
                            "{listing}: names no releases (expected RELEASES = [\"YYYY-MM-DD\", …])"
                        ),
                        None,
                    ));
                }
                all.reverse();
                all.truncate(TRIES);
                all
            }
        };
        let mut missing = Vec::new();
        for release in candidates {
            let (url, categories, cost) = spec.urls(&release).map_err(|e| (e, None))?;
            match self.fetcher.fetch(&url, cond).await {
                Ok(f) => {
                    if !missing.is_empty() {
                        tracing::warn!(release = %release, missing = ?missing, "newer releases are listed but not published yet");
                    }
                    return Ok((f, categories, cost, Some(release)));
                }
                Err(e) if e.http_status() == Some(404) => {
                    missing.push(format!("{release} ({url}: 404)"))
                }
                Err(e) => return Err(err(e)),
            }
        }
        Err((
            format!("no listed release answered: {}", missing.join(", ")),
            Some(404),
        ))
    }

    /// One further page of a paged list: a body, or why not.
    async fn fetch_page(&self, url: &url::Url) -> Result<Vec<u8>, String> {
        match self.fetcher.fetch(url, &Conditional::default()).await {
            Ok(Fetched::Body { body, .. }) => Ok(body),
            Ok(Fetched::NotModified { .. }) => {
                Err(format!("{url}: a page answered 304 to a plain GET"))
            }
            Err(e) => Err(format!("{:#}", anyhow::Error::from(e))),
        }
    }

    /// A paged list (OpenRouter's `links.next`, `total_count`): follows the pages on the same
    /// host to the end and joins them; a list shorter than its `total_count` is incomplete.
    async fn follow_pages(&self, url: &url::Url, first: Vec<u8>) -> Result<Vec<u8>, String> {
        use modelbrief_ingester::adapters::openrouter;
        const MAX_PAGES: usize = 100;
        // Not a models list at all: the parser says what is wrong with it.
        let Some(mut page) = openrouter::page(&first) else {
            return Ok(first);
        };
        let total = page.total_count;
        let mut rows = page.rows;
        let mut pages = vec![first];
        let mut at = url.clone();
        while let Some(next) = page.next.take() {
            if pages.len() >= MAX_PAGES {
                return Err(format!("{url}: more than {MAX_PAGES} pages of models"));
            }
            let next = at
                .join(&next)
                .map_err(|e| format!("{at}: links.next {next:?} is not a URL: {e}"))?;
            if next.host_str() != url.host_str()
                || next.port_or_known_default() != url.port_or_known_default()
            {
                return Err(format!("{at}: links.next {next} leaves {url}'s host"));
            }
            let body = self.fetch_page(&next).await?;
            page = openrouter::page(&body)
                .ok_or_else(|| format!("{next}: page {} is not a models list", pages.len() + 1))?;
            rows += page.rows;
            pages.push(body);
            at = next;
        }
        if let Some(total) = total.filter(|t| (rows as u64) < *t) {
            return Err(format!(
                "{url}: incomplete list: its pages hold {rows} of the {total} models its total_count gives"
            ));
        }
        if pages.len() == 1 {
            return Ok(pages.remove(0));
        }
        openrouter::join_pages(&pages).map_err(|e| format!("{url}: cannot join its pages: {e}"))
    }

    /// The datasets-server's pages (`offset`, `length`, `num_rows_total`): fetches the rest
    /// of the rows page by page and joins them; fewer rows than `num_rows_total` is incomplete.
    async fn follow_offsets(&self, url: &url::Url, first: Vec<u8>) -> Result<Vec<u8>, String> {
        const MAX_PAGES: usize = 1000;
        type Page = (Vec<serde_json::Value>, Option<u64>, serde_json::Value);
        let page = |body: &[u8]| -> Option<Page> {
            let mut v: serde_json::Value = serde_json::from_slice(body).ok()?;
            let rows = v.get_mut("rows")?.as_array_mut().map(std::mem::take)?;
            let total = v.get("num_rows_total").and_then(serde_json::Value::as_u64);
            Some((rows, total, v))
        };
        // Not a page at all, or not paged: the parser reads it as it is.
        let Some((mut rows, Some(total), mut doc)) = page(&first) else {
            return Ok(first);
        };
        let start: u64 = url
            .query_pairs()
            .find(|(k, _)| k == "offset")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut pages = 1;
        while (rows.len() as u64) + start < total {
            if pages >= MAX_PAGES {
                return Err(format!("{url}: more than {MAX_PAGES} pages of rows"));
            }
            let offset = start + rows.len() as u64;
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| k != "offset")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let mut next = url.clone();
            next.query_pairs_mut()
                .clear()
                .extend_pairs(kept)
                .append_pair("offset", &offset.to_string());
            let body = self.fetch_page(&next).await?;
            let (more, _, _) = page(&body)
                .ok_or_else(|| format!("{next}: page {} is not a page of rows", pages + 1))?;
            if more.is_empty() {
                return Err(format!(
                    "{url}: incomplete rows: the pages hold {} of the {total} rows its num_rows_total gives",
                    rows.len() as u64 + start
                ));
            }
            rows.extend(more);
            pages += 1;
        }
        if pages == 1 {
            return Ok(first);
        }
        doc["rows"] = serde_json::Value::Array(rows);
        serde_json::to_vec(&doc).map_err(|e| e.to_string())
    }

    /// Parses and judges new content.
    #[allow(clippy::too_many_arguments)]
    async fn judge(
        &self,
        spec: &SourceSpec,
        body: Vec<u8>,
        (categories, cost): (Option<Vec<u8>>, Option<Vec<u8>>),
        previous: Option<i64>,
        (etag, last_modified): (Option<String>, Option<String>),
        release: Option<String>,
        notices: &mut Vec<modelbrief_domain::PullNotice>,
        missing: &mut usize,
    ) -> anyhow::Result<PullResult> {
        let kind = spec.kind;
        let options = match &spec.options {
            KindOptions::Livebench { .. } => KindOptions::Livebench { categories, cost },
            other => other.clone(),
        };
        let parsed =
            tokio::task::spawn_blocking(move || modelbrief_ingester::parse(kind, &options, &body))
                .await?;
        let mut parsed: ParsedPull = match parsed {
            Ok(p) => p,
            // A cut download is a failed pull (the next one may be whole), not bad content.
            Err(e @ modelbrief_ingester::ParseError::Truncated(_)) => {
                return Ok(PullResult::Failed {
                    error: format!("incomplete download: {e}"),
                });
            }
            Err(e) => {
                return Ok(PullResult::Quarantined {
                    reason: format!("cannot parse: {e}"),
                    rows: 0,
                });
            }
        };
        apply_aliases(&mut parsed.observations, &self.config.aliases);
        let previous_obs = match previous {
            Some(id) => Some(self.store.snapshot_observations(id).await?),
            None => None,
        };
        if let Some(min) = spec.min_rows
            && parsed.observations.len() < min
        {
            return Ok(PullResult::Quarantined {
                reason: format!(
                    "only {} rows, fewer than its min_rows of {min}",
                    parsed.observations.len()
                ),
                rows: parsed.observations.len() as i64,
            });
        }
        let accepted = self.accept.iter().any(|a| a == spec.name.as_str());
        if accepted {
            tracing::warn!(
                "accepting this pull without comparing it to the last healthy one (--accept)"
            );
        }
        match assess(
            previous_obs.as_deref().filter(|_| !accepted),
            &parsed,
            &self.policy.for_kind(spec.kind),
            self.accept_mass_change || accepted,
        ) {
            Verdict::Quarantined { reason } => Ok(PullResult::Quarantined {
                reason,
                rows: parsed.observations.len() as i64,
            }),
            Verdict::Healthy { notices: n } => {
                for skip in &parsed.skipped {
                    tracing::warn!(at = %skip.at, reason = %skip.reason, "row skipped");
                }
                for miss in &parsed.missing {
                    tracing::warn!(at = %miss.at, reason = %miss.reason, "value left out");
                }
                *missing = parsed.missing.len();
                *notices = n;
                Ok(PullResult::Changed {
                    observations: parsed.observations,
                    skipped: parsed.skipped,
                    etag,
                    last_modified,
                    release,
                    data_date: parsed.data_date,
                })
            }
        }
    }
}

/// The operator's alias file wins over the rules, matched on the source id, the name, or the
/// key the rules gave (so one entry covers every source's spelling of a model).
fn apply_aliases(obs: &mut [Observation], aliases: &BTreeMap<String, String>) {
    if aliases.is_empty() {
        return;
    }
    for o in obs {
        if let Some(id) = aliased(o, aliases) {
            o.model = id;
        }
    }
}

/// The id the alias file gives a row, if any entry matches it.
pub fn aliased(o: &Observation, aliases: &BTreeMap<String, String>) -> Option<ModelId> {
    let target = aliases
        .get(&o.source_model.to_lowercase())
        .or_else(|| aliases.get(&o.name.to_lowercase()))
        .or_else(|| aliases.get(o.model.key.as_str()))?;
    let (key, variant) = target
        .split_once(':')
        .map_or((target.as_str(), None), |(k, v)| (k, Some(v)));
    Some(ModelId {
        key: ModelKey::normalise(key)?,
        variant: variant.map(str::to_owned).or(o.model.variant.clone()),
    })
}

/// Opens the configured database with every stored row keyed by today's identity rules and
/// alias file (re-keyed once after either changes).
pub async fn open_store(loaded: &Loaded) -> Result<Store, modelbrief_store::StoreError> {
    let store = Store::open(&loaded.config.database.path).await?;
    let tag = {
        let mut h = Sha256::new();
        for (from, to) in &loaded.aliases {
            h.update(from.as_bytes());
            h.update([0x1f]);
            h.update(to.as_bytes());
            h.update([0x1e]);
        }
        hex::encode(h.finalize())
    };
    store
        .apply_aliases(&tag, |o| aliased(o, &loaded.aliases))
        .await?;
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(source_id: &str) -> Observation {
        Observation::new(
            source_id.to_owned(),
            ModelId::from_source_id(source_id).unwrap(),
            source_id,
        )
    }

    #[test]
    fn an_alias_on_a_key_covers_every_spelling_that_has_that_key() {
        let aliases: BTreeMap<String, String> = [
            ("hermes-3-70b", "hermes-3-llama-3-1-70b"),
            ("mistral-medium-2508", "mistral-medium-3-1:2508"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .into();
        let mut rows = vec![
            obs("lambda_ai/hermes3-70b"),
            obs("hyperbolic/NousResearch/Hermes-3-70B"),
            obs("mistral/mistral-medium-2508"),
            obs("openrouter/mistralai/mistral-medium-3.1"),
            obs("lambda_ai/hermes3-8b"),
        ];
        apply_aliases(&mut rows, &aliases);
        let ids: Vec<String> = rows.iter().map(|o| o.model.to_string()).collect();
        assert_eq!(
            ids,
            [
                "hermes-3-llama-3-1-70b",
                "hermes-3-llama-3-1-70b",
                "mistral-medium-3-1:2508",
                "mistral-medium-3-1",
                "hermes-3-8b",
            ]
        );
    }
}
