//! `modelbrief subscribers …`: the operator's view of the list.

use crate::clock::Clock;
use crate::config::{ConfigError, Loaded};
use anyhow::Context;
use modelbrief_domain::{ConsentMethod, SubscriberEmail, SubscriberStatus};
use modelbrief_store::{ConsentRecord, Store, SubscribeOutcome};
use serde::Serialize;
use std::path::Path;

fn parse_email(raw: &str) -> Result<SubscriberEmail, ConfigError> {
    SubscriberEmail::parse(raw).map_err(|e| ConfigError(format!("{raw:?}: {e}")))
}

fn operator_consent(loaded: &Loaded) -> ConsentRecord {
    ConsentRecord {
        version: Some(loaded.config.consent.version.clone()),
        text: Some("added by the operator".into()),
        ip: None,
    }
}

/// `add EMAIL [--confirmed]`: an operator import. Without `--confirmed` the address is pending
/// and gets a confirmation email.
pub async fn add(
    store: &Store,
    loaded: &Loaded,
    clock: Clock,
    raw: &str,
    confirmed: bool,
) -> anyhow::Result<String> {
    let email = parse_email(raw)?;
    let outcome = store
        .subscribe(
            &email,
            clock.anchor(),
            ConsentMethod::OperatorImport,
            &operator_consent(loaded),
            confirmed,
        )
        .await?;
    Ok(match outcome {
        SubscribeOutcome::Created(s) | SubscribeOutcome::Renewed(s) => {
            if s.status == SubscriberStatus::Pending {
                let state = crate::serve::state(store.clone(), loaded, clock)?;
                modelbrief_web::send_confirmation(&state, &s)
                    .await
                    .context("sending the confirmation email")?;
                format!("{}: pending (confirmation email sent)", s.email)
            } else {
                format!("{}: {}", s.email, s.status)
            }
        }
        SubscribeOutcome::Unchanged(s) => format!("{}: already {}", s.email, s.status),
        SubscribeOutcome::Blocked(s) => {
            format!("{}: {} (use --confirmed to override)", s.email, s.status)
        }
        SubscribeOutcome::Suppressed => anyhow::bail!(ConfigError(format!(
            "{email}: erased at the person's request; it cannot be added again"
        ))),
    })
}

/// `import FILE.csv`: a header row with `email`; no mail is sent.
pub async fn import(
    store: &Store,
    loaded: &Loaded,
    clock: Clock,
    path: &Path,
    confirmed: bool,
) -> anyhow::Result<String> {
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    let headers = reader
        .headers()
        .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?
        .clone();
    let col = headers
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case("email"))
        .ok_or_else(|| {
            ConfigError(format!(
                "{}: line 1: no `email` column in the header",
                path.display()
            ))
        })?;
    let (mut added, mut unchanged, mut refused) = (0, 0, Vec::new());
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record =
            record.map_err(|e| ConfigError(format!("{}: line {line}: {e}", path.display())))?;
        let raw = record.get(col).unwrap_or("");
        let Ok(email) = SubscriberEmail::parse(raw) else {
            refused.push(format!("line {line}: {raw:?} is not a valid address"));
            continue;
        };
        match store
            .subscribe(
                &email,
                clock.anchor(),
                ConsentMethod::OperatorImport,
                &operator_consent(loaded),
                confirmed,
            )
            .await?
        {
            SubscribeOutcome::Created(_) | SubscribeOutcome::Renewed(_) => added += 1,
            SubscribeOutcome::Unchanged(_) => unchanged += 1,
            SubscribeOutcome::Blocked(s) => {
                refused.push(format!("line {line}: {} is {}", s.email, s.status))
            }
            SubscribeOutcome::Suppressed => {
                refused.push(format!("line {line}: erased at the person's request"))
            }
        }
    }
    let mut out = format!(
        "{added} added, {unchanged} unchanged, {} refused",
        refused.len()
    );
    for r in &refused {
        out.push_str("\n  ");
        out.push_str(r);
    }
    Ok(out)
}

#[derive(Serialize)]
struct Exported {
    email: String,
    status: SubscriberStatus,
    created_at: String,
    updated_at: String,
    consent: Vec<modelbrief_store::ConsentEntry>,
}

/// `export`: every subscriber with the full consent history.
pub async fn export(store: &Store, json: bool) -> anyhow::Result<String> {
    let mut rows = Vec::new();
    for s in store.subscribers(None).await? {
        let consent = store.consent_history(s.id).await?;
        rows.push(Exported {
            email: s.email,
            status: s.status,
            created_at: s.created_at,
            updated_at: s.updated_at,
            consent,
        });
    }
    if json {
        return Ok(serde_json::to_string_pretty(&rows)?);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "email",
        "status",
        "created_at",
        "event_at",
        "from_status",
        "to_status",
        "method",
        "consent_version",
        "consent_text",
        "ip",
    ])?;
    for r in &rows {
        for c in &r.consent {
            let cells = [
                r.email.as_str(),
                r.status.as_str(),
                r.created_at.as_str(),
                c.at.as_str(),
                c.from_status.as_deref().unwrap_or(""),
                c.to_status.as_str(),
                c.method.as_str(),
                c.consent_version.as_deref().unwrap_or(""),
                c.consent_text.as_deref().unwrap_or(""),
                c.ip.as_deref().unwrap_or(""),
            ];
            w.write_record(cells.map(|c| spreadsheet_safe(c).into_owned()))?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?.trim_end().to_owned())
}

/// `list [--status S]`.
pub async fn list(store: &Store, status: Option<&str>, json: bool) -> anyhow::Result<String> {
    let status = match status {
        Some(s) => Some(SubscriberStatus::parse(s).ok_or_else(|| {
            ConfigError(format!(
                "--status {s}: use pending, confirmed, unsubscribed, bounced or complained"
            ))
        })?),
        None => None,
    };
    let rows = store.subscribers(status).await?;
    if json {
        return Ok(serde_json::to_string_pretty(&rows)?);
    }
    Ok(rows
        .iter()
        .map(|r| format!("{}\t{}\t{}", r.email, r.status, r.created_at))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// `remove EMAIL`: erasure; only a suppression hash stays.
pub async fn remove(store: &Store, clock: Clock, raw: &str) -> anyhow::Result<String> {
    let email = parse_email(raw)?;
    Ok(if store.erase(&email, clock.anchor()).await? {
        format!("{email}: erased (a hash is kept so it is never re-added by accident)")
    } else {
        format!("{email}: not on the list (a hash is kept so it is never added)")
    })
}

/// A CSV cell that a spreadsheet will not run as a formula: one starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return gets a leading `'` (OWASP's advice for CSV injection).
fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_are_defused_and_others_kept() {
        for evil in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\t=1"] {
            assert_eq!(spreadsheet_safe(evil), format!("'{evil}"));
        }
        for fine in ["ada@example.com", "2026-07-06T20:00:00Z", "I agree", ""] {
            assert_eq!(spreadsheet_safe(fine), fine);
        }
    }
}
