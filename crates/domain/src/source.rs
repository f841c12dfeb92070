//! Source names and kinds, as written in the configuration.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The name an operator gives a source: unique, `[a-z0-9_-]{1,64}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SourceName(String);

/// Why a source name was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid source name {name:?}: use 1 to 64 characters from [a-z0-9_-]")]
pub struct InvalidSourceName {
    pub name: String,
}

impl SourceName {
    pub fn parse(name: &str) -> Result<Self, InvalidSourceName> {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(name.to_owned()))
        } else {
            Err(InvalidSourceName {
                name: name.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for SourceName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SourceName::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for SourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The format of a source; decides which adapter parses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Openrouter,
    Litellm,
    Livebench,
    Lmarena,
    Aider,
    HtmlTable,
    /// The official LMArena data (Hugging Face `lmarena-ai/leaderboard-dataset`).
    ArenaDataset,
    /// models.dev's catalogue: one listing per provider and model.
    ModelsDev,
    /// Epoch AI's Capabilities Index.
    Epoch,
    /// Artificial Analysis's API: indices, prices, speed and latency.
    ArtificialAnalysis,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Openrouter => "openrouter",
            SourceKind::Litellm => "litellm",
            SourceKind::Livebench => "livebench",
            SourceKind::Lmarena => "lmarena",
            SourceKind::Aider => "aider",
            SourceKind::HtmlTable => "html_table",
            SourceKind::ArenaDataset => "arena_dataset",
            SourceKind::ModelsDev => "models_dev",
            SourceKind::Epoch => "epoch",
            SourceKind::ArtificialAnalysis => "artificial_analysis",
        }
    }

    /// Whether this kind of source lists prices (a catalogue) rather than scores.
    pub fn is_catalogue(self) -> bool {
        matches!(
            self,
            SourceKind::Openrouter | SourceKind::Litellm | SourceKind::ModelsDev
        )
    }

    /// Whether a model's score, once measured, stays put for the whole release (LiveBench's
    /// question set is fixed per release): a changed score of a model already on the board is a
    /// re-grade, not a new result. Arena ratings move with every vote, Artificial Analysis
    /// re-weights its indices, and an Aider row that changes is a new run of the model.
    pub fn scores_are_fixed(self) -> bool {
        matches!(self, SourceKind::Livebench)
    }

    /// Whether its rows may carry prices that count as listings: the catalogues, and HTML
    /// tables (whose configuration may name price columns).
    pub fn may_list_prices(self) -> bool {
        self.is_catalogue()
            || matches!(self, SourceKind::HtmlTable | SourceKind::ArtificialAnalysis)
    }

    /// How long content may stay byte-for-byte the same before the source counts as stale
    /// (frozen upstream): price catalogues change weekly, arena ratings within two weeks, other
    /// leaderboards monthly.
    pub fn default_max_unchanged(self) -> std::time::Duration {
        // Arena ratings and Artificial Analysis's indices move every few days (the recorded
        // LMArena files changed every 1–9 days); LiveBench, Aider and Epoch publish releases
        // weeks apart.
        let days = match self {
            _ if self.is_catalogue() => 10,
            SourceKind::Lmarena | SourceKind::ArenaDataset | SourceKind::ArtificialAnalysis => 14,
            _ => 45,
        };
        std::time::Duration::from_secs(days * 24 * 3600)
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_accept_lowercase_digits_dash_and_underscore() {
        assert!(SourceName::parse("open-router_2").is_ok());
    }

    #[test]
    fn source_names_refuse_uppercase_spaces_and_empty() {
        for bad in ["", "OpenRouter", "open router", "a/b", &"x".repeat(65)] {
            assert!(SourceName::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
