//! `modelbrief verify WEEK`: is the stored edition what the stored snapshots say?
//!
//! Two checks, both against the database alone:
//! - every stored row of the snapshots the week rests on (each source's snapshot at the start
//!   and at the end of the week, and any a healthy pull vouched for inside it or in the weeks
//!   before that the chart's price history reads) still hashes to the hash it was stored
//!   under — a row edited after the fact is named, with its source;
//! - the edition re-derived from those snapshots with today's rules equals the frozen one, byte
//!   for byte as JSON; where it does not, the differences are listed as RFC 6902 operations
//!   (a JSON Patch from the frozen edition to the re-derived one).
//!
//! A difference can also mean the rules changed since the edition was made (a newer
//! modelbrief): the patch says what moved either way.

use crate::config::{ConfigError, Loaded};
use modelbrief_domain::{IsoWeek, Timestamp};
use modelbrief_store::Store;
use serde::Serialize;
use std::collections::BTreeSet;

/// Differences listed at most (the count is always complete).
const MAX_DIFFERENCES: usize = 50;

/// What `verify` found.
#[derive(Debug, Serialize)]
pub struct Verification {
    pub edition: String,
    /// Both checks passed.
    pub matches: bool,
    /// Snapshots whose rows were checked, and how many rows.
    pub snapshots_checked: usize,
    pub rows_checked: usize,
    /// Rows whose JSON no longer hashes to the hash they were stored under.
    pub altered_rows: Vec<AlteredRow>,
    /// How many JSON Patch operations turn the frozen edition into the re-derived one.
    pub difference_count: usize,
    /// The first of them (at most 50), RFC 6902: `{"op", "path", "value"}`.
    pub differences: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct AlteredRow {
    pub source: String,
    pub snapshot_id: i64,
    pub observation_id: i64,
    pub source_model: String,
}

/// `verify WEEK`.
pub async fn verify(store: &Store, loaded: &Loaded, week: IsoWeek) -> anyhow::Result<Verification> {
    let label = week.to_string();
    let Some(row) = store.edition(&label).await? else {
        return Err(ConfigError(format!(
            "there is no edition for {label}: `send --week {label}` makes one (`brief --week {label}` previews it)"
        ))
        .into());
    };
    let frozen: serde_json::Value = serde_json::from_str(&row.content)
        .map_err(|e| anyhow::anyhow!("the stored edition {label} is not valid JSON: {e}"))?;
    let (from, to) = (week.start(), week.end());

    let mut snapshots: BTreeSet<(String, i64)> = BTreeSet::new();
    for spec in &loaded.sources {
        let name = spec.name.as_str();
        for at in [from, to] {
            if let Some(s) = store.latest_healthy(name, Some(at)).await? {
                snapshots.insert((name.to_owned(), s.id));
            }
        }
        // The chart's price history reads the weeks before the window's end, which cover the
        // window itself.
        let history_from = Timestamp::from_datetime(
            to.datetime() - chrono::Duration::weeks(crate::brief::CHART_WEEKS),
        );
        for p in store.pulls_until(name, to, 10_000).await? {
            let inside = Timestamp::parse(&p.started_at).is_ok_and(|t| t >= history_from);
            if let (true, true, Some(id)) = (inside, p.status.is_healthy(), p.snapshot_id) {
                snapshots.insert((name.to_owned(), id));
            }
        }
    }
    let mut rows_checked = 0;
    let mut altered_rows = Vec::new();
    for (source, snapshot_id) in &snapshots {
        for r in store.stored_rows(*snapshot_id).await? {
            rows_checked += 1;
            if modelbrief_domain::row_hash(r.data.as_bytes()) != r.hash {
                altered_rows.push(AlteredRow {
                    source: source.clone(),
                    snapshot_id: *snapshot_id,
                    observation_id: r.id,
                    source_model: r.source_model,
                });
            }
        }
    }

    let window = modelbrief_differ::Window { from, to };
    let derived = crate::brief::compute(store, loaded, &label, window).await?;
    let derived = serde_json::to_value(&derived)?;
    let patch = json_patch::diff(&frozen, &derived);
    let differences: Vec<serde_json::Value> = patch
        .iter()
        .take(MAX_DIFFERENCES)
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()?;
    Ok(Verification {
        edition: label,
        matches: altered_rows.is_empty() && patch.is_empty(),
        snapshots_checked: snapshots.len(),
        rows_checked,
        altered_rows,
        difference_count: patch.len(),
        differences,
    })
}

/// `verify` as text.
pub fn verify_text(v: &Verification) -> String {
    let mut out = format!(
        "{}: {}\n",
        v.edition,
        if v.matches {
            "matches its stored snapshots"
        } else {
            "DOES NOT MATCH its stored snapshots"
        }
    );
    out.push_str(&format!(
        "  rows: {} of {} snapshots checked against their stored hashes, {} altered\n",
        v.rows_checked,
        v.snapshots_checked,
        v.altered_rows.len()
    ));
    for r in &v.altered_rows {
        out.push_str(&format!(
            "    {} snapshot {}: row {} ({}) no longer hashes to the hash it was stored under\n",
            r.source, r.snapshot_id, r.observation_id, r.source_model
        ));
    }
    if v.difference_count == 0 {
        out.push_str("  edition: re-derived from those snapshots, identical to the frozen one\n");
    } else {
        out.push_str(&format!(
            "  edition: re-derived from those snapshots, {} difference{} from the frozen one (frozen → re-derived):\n",
            v.difference_count,
            if v.difference_count == 1 { "" } else { "s" }
        ));
        for d in &v.differences {
            let value = d.get("value").map_or_else(String::new, |v| {
                let v = v.to_string();
                match v.char_indices().nth(120) {
                    Some((i, _)) => format!(" {}…", &v[..i]),
                    None => format!(" {v}"),
                }
            });
            out.push_str(&format!(
                "    {} {}{}\n",
                d["op"].as_str().unwrap_or("?"),
                d["path"].as_str().unwrap_or("?"),
                value
            ));
        }
        if v.difference_count > v.differences.len() {
            out.push_str(&format!(
                "    … and {} more (--format json lists the first {MAX_DIFFERENCES})\n",
                v.difference_count - v.differences.len()
            ));
        }
    }
    out
}
