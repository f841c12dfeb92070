//! Normalised observations: what one source said about one model in one pull.
//!
//! Every adapter turns its format into a list of [`Observation`]s, so the store and the differ
//! never see a source's own format. Prices are exact decimals in USD per 1M tokens.

use crate::identity::{ModelId, Provider};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A price in USD per 1M tokens, exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PricePerMTok(#[serde(with = "rust_decimal::serde::str")] Decimal);

/// A price that could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InvalidPrice {
    #[error("price {0:?} is not a decimal number")]
    NotANumber(String),
    #[error("price {0:?} is negative")]
    Negative(String),
}

impl PricePerMTok {
    /// Reads a per-token price written as decimal text (`"0.000003"`, `"3e-06"`), as sources
    /// publish it, and scales it to per 1M tokens without going through binary floats.
    pub fn from_per_token_str(raw: &str) -> Result<Self, InvalidPrice> {
        let raw = raw.trim();
        let d = Decimal::from_str(raw)
            .or_else(|_| Decimal::from_scientific(raw))
            .map_err(|_| InvalidPrice::NotANumber(raw.to_owned()))?;
        if d.is_sign_negative() && !d.is_zero() {
            return Err(InvalidPrice::Negative(raw.to_owned()));
        }
        Ok(Self((d * Decimal::from(1_000_000)).normalize()))
    }

    /// Reads a price already expressed per 1M tokens.
    pub fn from_per_mtok(d: Decimal) -> Result<Self, InvalidPrice> {
        if d.is_sign_negative() && !d.is_zero() {
            return Err(InvalidPrice::Negative(d.to_string()));
        }
        Ok(Self(d.normalize()))
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidPrice> {
        let d =
            Decimal::from_str(raw.trim()).map_err(|_| InvalidPrice::NotANumber(raw.to_owned()))?;
        Self::from_per_mtok(d)
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for PricePerMTok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One benchmark score as a source reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Benchmark or task name, e.g. `arena_text`, `code_generation`, `aa_intelligence_index`.
    pub benchmark: String,
    /// The category the source files it under, when it says (LiveBench `Coding`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub value: f64,
    /// 95% confidence interval bounds, when the source publishes them (LMArena).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_high: Option<f64>,
}

/// What one source said about one model in one pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The id exactly as the source spells it; unique within a pull.
    pub source_model: String,
    pub model: ModelId,
    /// Human name, e.g. `Claude Sonnet 5`.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    /// The route or reseller the row is listed under (LiteLLM `litellm_provider`), when it differs
    /// from the maker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// A moving alias (OpenRouter `~…-latest`): it points at some model, it is not one.
    #[serde(default)]
    pub is_alias: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_per_mtok: Option<PricePerMTok>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_per_mtok: Option<PricePerMTok>,
    /// Rank as the source publishes it (LMArena); computed ranks belong to the differ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<Score>,
    /// Source-specific facts worth keeping (votes, licence, run cost, edit format).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extras: BTreeMap<String, serde_json::Value>,
}

impl Observation {
    /// A minimal observation; adapters fill in what their source knows.
    pub fn new(source_model: impl Into<String>, model: ModelId, name: impl Into<String>) -> Self {
        Self {
            source_model: source_model.into(),
            model,
            name: name.into(),
            provider: None,
            route: None,
            is_alias: false,
            reasoning: None,
            context: None,
            input_per_mtok: None,
            output_per_mtok: None,
            rank: None,
            scores: Vec::new(),
            extras: BTreeMap::new(),
        }
    }

    /// A content hash: equal observations hash equal, so the store keeps each once.
    pub fn content_hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("observations always serialise");
        hex::encode(Sha256::digest(json))
    }

    pub fn score(&self, benchmark: &str) -> Option<&Score> {
        self.scores.iter().find(|s| s.benchmark == benchmark)
    }
}

/// A row a parser could not turn into an observation, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowError {
    /// Where in the document: a key, a line, a row number.
    pub at: String,
    pub reason: String,
}

/// The result of parsing one pull: the rows that parsed, and the ones that did not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedPull {
    pub observations: Vec<Observation>,
    pub skipped: Vec<RowError>,
    /// Rows deliberately left out (non-chat modes, documentation entries): not errors.
    pub ignored: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_token_string_prices_become_exact_prices_per_million() {
        let p = PricePerMTok::from_per_token_str("0.000003").unwrap();
        assert_eq!(p.to_string(), "3");
        let p = PricePerMTok::from_per_token_str("0.0000000481").unwrap();
        assert_eq!(p.to_string(), "0.0481");
        let p = PricePerMTok::from_per_token_str("3e-06").unwrap();
        assert_eq!(p.to_string(), "3");
        let p = PricePerMTok::from_per_token_str("2.79e-07").unwrap();
        assert_eq!(p.to_string(), "0.279");
    }

    #[test]
    fn negative_and_non_numeric_prices_are_refused() {
        assert!(PricePerMTok::from_per_token_str("-1").is_err());
        assert!(PricePerMTok::from_per_token_str("free").is_err());
    }

    #[test]
    fn equal_observations_hash_equal_and_different_ones_do_not() {
        let id = ModelId::from_source_id("gpt-5").unwrap();
        let a = Observation::new("gpt-5", id.clone(), "GPT-5");
        let mut b = a.clone();
        assert_eq!(a.content_hash(), b.content_hash());
        b.context = Some(1);
        assert_ne!(a.content_hash(), b.content_hash());
    }
}
