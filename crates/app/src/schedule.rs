//! When jobs are due: cron schedules in a time zone, and the decisions the daemon and `tick`
//! share (what is overdue, whether an edition is sent or held). Pure functions of the clock and
//! of what the store says happened, so they are tested with an injected time.

use chrono::{DateTime, Duration, Timelike, Utc};
use chrono_tz::Tz;
use cron::Schedule;
use std::str::FromStr;

/// A cron expression with seconds (`sec min hour day-of-month month day-of-week`), parsed
/// once where the configuration is read.
#[derive(Debug, Clone)]
pub struct CronExpr(Schedule);

impl FromStr for CronExpr {
    type Err = String;

    fn from_str(expr: &str) -> Result<Self, String> {
        Schedule::from_str(expr)
            .map(Self)
            .map_err(|e| format!("invalid cron expression {expr:?}: {e}"))
    }
}

impl<'de> serde::Deserialize<'de> for CronExpr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A cron expression in a zone.
#[derive(Debug, Clone)]
pub struct Cron {
    schedule: Schedule,
    tz: Tz,
}

impl Cron {
    pub fn new(expr: &CronExpr, tz: Tz) -> Self {
        Self {
            schedule: expr.0.clone(),
            tz,
        }
    }

    #[cfg(test)]
    fn parse(expr: &str, tz: Tz) -> Result<Self, String> {
        Ok(Self::new(&expr.parse()?, tz))
    }

    /// The first fire time strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule
            .after(&t.with_timezone(&self.tz))
            .next()
            .map(|d| d.with_timezone(&Utc))
    }

    /// The latest fire time at or before `t`.
    pub fn last_at_or_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let whole = t.with_nanosecond(0).unwrap_or(t);
        let local = whole.with_timezone(&self.tz);
        if self.schedule.includes(local) {
            return Some(whole);
        }
        self.schedule
            .after(&local)
            .next_back()
            .map(|d| d.with_timezone(&Utc))
    }
}

/// Whether a source's pull is due: a fire time passed since its last pull (or it never ran).
pub fn pull_due(cron: &Cron, last_pull: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    match (cron.last_at_or_before(now), last_pull) {
        (Some(fire), Some(last)) => last < fire,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// What to do about the latest edition time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditionDecision {
    /// Nothing scheduled yet, or this edition is already complete.
    Nothing,
    /// Send (or resume) the edition of this fire time.
    Send { fire: DateTime<Utc> },
    /// The edition's time passed more than `late_send_limit` ago: hold it for the operator.
    Held { fire: DateTime<Utc> },
}

/// `done` says whether the edition of a fire time is already fully handled.
/// `installed` is when tracking began (the first pull): an edition time further back than the
/// late-send limit before that is from before this installation existed, and is not held.
pub fn edition_decision(
    cron: &Cron,
    now: DateTime<Utc>,
    late_send_limit: Duration,
    installed: Option<DateTime<Utc>>,
    done: impl Fn(DateTime<Utc>) -> bool,
    started: impl Fn(DateTime<Utc>) -> bool,
) -> EditionDecision {
    let Some(fire) = cron.last_at_or_before(now) else {
        return EditionDecision::Nothing;
    };
    if installed.is_none_or(|i| fire < i - late_send_limit) && !started(fire) {
        return EditionDecision::Nothing;
    }
    if done(fire) {
        return EditionDecision::Nothing;
    }
    // A send already under way is always finished, however late.
    if started(fire) || now - fire <= late_send_limit {
        EditionDecision::Send { fire }
    } else {
        EditionDecision::Held { fire }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_weekly_edition_at_nine_in_berlin_stays_at_nine_local_across_dst() {
        let c = Cron::parse("0 0 9 * * Mon", chrono_tz::Europe::Berlin).unwrap();
        // Summer time ends on 2026-10-25: 09:00 CEST is 07:00Z, then 09:00 CET is 08:00Z.
        assert_eq!(
            c.next_after(t("2026-10-20T00:00:00Z")),
            Some(t("2026-10-26T08:00:00Z"))
        );
        assert_eq!(
            c.next_after(t("2026-10-13T00:00:00Z")),
            Some(t("2026-10-19T07:00:00Z"))
        );
        // And back to summer time on 2026-03-29.
        assert_eq!(
            c.next_after(t("2026-03-24T00:00:00Z")),
            Some(t("2026-03-30T07:00:00Z"))
        );
        assert_eq!(
            c.last_at_or_before(t("2026-03-29T12:00:00Z")),
            Some(t("2026-03-23T08:00:00Z"))
        );
    }

    #[test]
    fn a_nightly_job_in_the_skipped_hour_does_not_fire_twice_or_vanish_for_good() {
        let c = Cron::parse("0 30 2 * * *", chrono_tz::Europe::Berlin).unwrap();
        let after = c.next_after(t("2026-03-28T02:00:00Z")).unwrap();
        assert!(after > t("2026-03-28T02:00:00Z"));
        let next = c.next_after(after).unwrap();
        assert!(next - after >= Duration::hours(23), "{after} then {next}");
    }

    #[test]
    fn an_overdue_pull_runs_at_once_after_a_gap_and_only_once() {
        let c = Cron::parse("0 0 */6 * * *", chrono_tz::UTC).unwrap();
        let now = t("2026-07-06T13:30:00Z");
        // Down since yesterday: overdue.
        assert!(pull_due(&c, Some(t("2026-07-05T06:00:00Z")), now));
        // Pulled at 12:00 (the latest fire): not due again until 18:00.
        assert!(!pull_due(&c, Some(t("2026-07-06T12:00:00Z")), now));
        assert!(pull_due(&c, None, now));
        assert_eq!(c.next_after(now), Some(t("2026-07-06T18:00:00Z")));
    }

    #[test]
    fn an_edition_is_sent_within_the_late_limit_and_held_after_it() {
        let c = Cron::parse("0 0 9 * * Mon", chrono_tz::UTC).unwrap();
        let fire = t("2026-07-06T09:00:00Z");
        let limit = Duration::hours(12);
        let never = |_| false;
        let since = Some(t("2026-06-01T00:00:00Z"));
        assert_eq!(
            edition_decision(&c, t("2026-07-06T20:00:00Z"), limit, since, never, never),
            EditionDecision::Send { fire }
        );
        assert_eq!(
            edition_decision(&c, t("2026-07-07T10:00:00Z"), limit, since, never, never),
            EditionDecision::Held { fire }
        );
        // Already started before the daemon went down: finish it, however late.
        assert_eq!(
            edition_decision(&c, t("2026-07-08T10:00:00Z"), limit, since, never, |_| true),
            EditionDecision::Send { fire }
        );
        assert_eq!(
            edition_decision(&c, t("2026-07-06T20:00:00Z"), limit, since, |_| true, never),
            EditionDecision::Nothing
        );
        // A fresh installation does not hold last week's edition it never had data for.
        let fresh = Some(t("2026-07-07T10:00:00Z"));
        assert_eq!(
            edition_decision(&c, t("2026-07-07T10:00:00Z"), limit, fresh, never, never),
            EditionDecision::Nothing
        );
    }
}
