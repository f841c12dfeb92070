//! Notices a healthy pull carries for the differ: facts about the pull as a whole that are not
//! rows (a benchmark rescaled at once, a release change).
//!
//! Stored as strings in a pull's `notices` JSON array, in the format earlier versions wrote
//! (`rescaled:<benchmark>:<moved>/<common>`), so databases written before this type existed
//! read back the same. Parsing splits from the right, so a benchmark name may contain `:`
//! (`livebench:Agentic Coding`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// One notice on a pull.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PullNotice {
    /// Most models' scores on one benchmark moved at once: a methodology change, not news.
    Rescaled {
        benchmark: String,
        moved: usize,
        common: usize,
    },
    /// A notice this version does not know (written by a newer one): kept, never acted on.
    Other(String),
}

impl PullNotice {
    /// Reads a stored notice; anything unrecognised is kept as [`PullNotice::Other`].
    pub fn parse(raw: &str) -> Self {
        raw.strip_prefix("rescaled:")
            .and_then(|rest| {
                let (benchmark, counts) = rest.rsplit_once(':')?;
                let (moved, common) = counts.split_once('/')?;
                Some(PullNotice::Rescaled {
                    benchmark: benchmark.to_owned(),
                    moved: moved.parse().ok()?,
                    common: common.parse().ok()?,
                })
            })
            .unwrap_or_else(|| PullNotice::Other(raw.to_owned()))
    }
}

impl fmt::Display for PullNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PullNotice::Rescaled {
                benchmark,
                moved,
                common,
            } => write!(f, "rescaled:{benchmark}:{moved}/{common}"),
            PullNotice::Other(s) => f.write_str(s),
        }
    }
}

impl Serialize for PullNotice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PullNotice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(PullNotice::parse(&String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_benchmark_name_with_a_colon_survives_the_round_trip() {
        let n = PullNotice::Rescaled {
            benchmark: "livebench:Agentic Coding".into(),
            moved: 40,
            common: 45,
        };
        assert_eq!(n.to_string(), "rescaled:livebench:Agentic Coding:40/45");
        assert_eq!(PullNotice::parse(&n.to_string()), n);
    }

    #[test]
    fn notices_stored_by_earlier_versions_read_back_the_same() {
        assert_eq!(
            PullNotice::parse("rescaled:aa_intelligence_index:45/45"),
            PullNotice::Rescaled {
                benchmark: "aa_intelligence_index".into(),
                moved: 45,
                common: 45
            }
        );
        assert_eq!(
            PullNotice::parse("something-new"),
            PullNotice::Other("something-new".into())
        );
    }
}
