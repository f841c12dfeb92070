//! Normalised observations: what one source said about one model in one pull.
//!
//! Every adapter turns its format into a list of [`Observation`]s, so the store and the differ
//! never see a source's own format. Prices are exact decimals in USD per 1M tokens.

use crate::identity::{ModelId, Provider};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
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

    /// A price per 1M tokens that a source writes as a JSON or table number: kept to nine
    /// decimals, so the binary float's tail (`0.15000000000000002`) is not a price change.
    pub fn from_per_mtok_f64(v: f64) -> Result<Self, InvalidPrice> {
        let d =
            Decimal::from_f64_retain(v).ok_or_else(|| InvalidPrice::NotANumber(v.to_string()))?;
        Self::from_per_mtok(d.round_dp(9))
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
    #[serde(default, skip_serializing_if = "Extras::is_empty")]
    pub extras: Extras,
    /// Output speed in tokens per second, where a source measures it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_per_s: Option<f64>,
    /// Time to first token in seconds, where a source measures it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttft_s: Option<f64>,
}

/// Source-specific facts of one row, in key order. A sorted list rather than a `BTreeMap`: most
/// rows have one to three, and a map node has room for eleven, which made these maps 5.5 MB of
/// a brief's 14 MB heap peak. It is written as a JSON object with its keys in order, exactly as
/// the map was, so stored rows keep their content hashes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extras(Vec<(String, serde_json::Value)>);

impl Extras {
    /// Sets `key`, replacing any earlier value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<serde_json::Value>) {
        let (key, value) = (key.into(), value.into());
        match self.0.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (key, value)),
        }
    }

    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl std::ops::Index<&str> for Extras {
    type Output = serde_json::Value;

    fn index(&self, key: &str) -> &serde_json::Value {
        self.get(key)
            .unwrap_or_else(|| panic!("no extra named {key:?}"))
    }
}

impl Serialize for Extras {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de> Deserialize<'de> for Extras {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Extras;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of source-specific facts")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Extras, A::Error> {
                let mut out = Extras(Vec::with_capacity(map.size_hint().unwrap_or(0)));
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    out.insert(k, v);
                }
                out.0.shrink_to_fit();
                Ok(out)
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// The hash a stored row is kept under: SHA-256 of its JSON, in hex.
pub fn row_hash(json: &[u8]) -> String {
    hex::encode(Sha256::digest(json))
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
            extras: Extras::default(),
            tokens_per_s: None,
            ttft_s: None,
        }
    }

    /// A content hash: equal observations hash equal, so the store keeps each once. It is
    /// [`row_hash`] of the JSON the store keeps, so a stored row can be checked against it.
    pub fn content_hash(&self) -> String {
        row_hash(&serde_json::to_vec(self).expect("observations always serialise"))
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

/// The longest name kept, in characters: longer names are cut (with `…`) when parsed, so a
/// source cannot stretch every page and mail that shows it.
pub const MAX_NAME_CHARS: usize = 160;

/// A name from a source, made safe to print anywhere: control characters (line breaks, NUL,
/// tabs) become spaces, so no name can add a line to the text mail; bidirectional overrides and
/// zero-width characters (U+202E and friends), which can make text read backwards or hide
/// characters, are dropped; runs of spaces are collapsed; the result is cut at
/// [`MAX_NAME_CHARS`].
pub fn clean_name(raw: &str) -> String {
    let invisible = |c: char| {
        matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}'
            | '\u{061C}' | '\u{FEFF}')
    };
    let mut out = String::with_capacity(raw.len().min(4 * MAX_NAME_CHARS));
    let mut chars = 0;
    let mut space = false;
    for c in raw.chars() {
        if invisible(c) {
            continue;
        }
        if c.is_control() || c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            chars += 1;
            space = false;
        }
        if chars + 1 >= MAX_NAME_CHARS {
            out.push('…');
            return out;
        }
        out.push(c);
        chars += 1;
    }
    out
}

/// The result of parsing one pull: the rows that parsed, and the ones that did not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedPull {
    pub observations: Vec<Observation>,
    pub skipped: Vec<RowError>,
    /// Rows deliberately left out (non-chat modes, documentation entries): not errors.
    pub ignored: usize,
    /// Single values that could not be read (a `—` in a table cell): the row stays without
    /// them. Counted and reported, never a reason to drop the row.
    pub missing: Vec<RowError>,
    /// The source's own date of its data, where the format carries one (`2026-07-01`).
    pub data_date: Option<String>,
}

impl ParsedPull {
    /// Records one row: its observation, or why it was skipped and where it is.
    pub fn record(&mut self, at: String, row: Result<Observation, String>) {
        match row {
            Ok(obs) => self.observations.push(obs),
            Err(reason) => self.skipped.push(RowError { at, reason }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_add_lines_reverse_text_or_stretch_a_page() {
        assert_eq!(
            clean_name("GPT-5\nSubject: free money"),
            "GPT-5 Subject: free money"
        );
        assert_eq!(clean_name("a\0b\r\n\tc"), "a b c");
        assert_eq!(clean_name("evil\u{202E}txt.exe"), "eviltxt.exe");
        assert_eq!(clean_name("zero\u{200B}width"), "zerowidth");
        assert_eq!(clean_name("  Claude   Sonnet 5  "), "Claude Sonnet 5");
        let long = clean_name(&"x".repeat(10_000));
        assert_eq!(long.chars().count(), MAX_NAME_CHARS);
        assert!(long.ends_with('…'));
        assert_eq!(
            clean_name("Qwen3 235B A22B Instruct 2507"),
            "Qwen3 235B A22B Instruct 2507"
        );
        assert_eq!(clean_name("日本語モデル"), "日本語モデル");
    }

    #[test]
    fn extras_are_written_exactly_as_the_map_they_replace_so_content_hashes_hold() {
        use std::collections::BTreeMap;
        let mut extras = Extras::default();
        let mut map = BTreeMap::new();
        for (k, v) in [
            ("votes", serde_json::json!(1234)),
            ("license", serde_json::json!("MIT")),
            ("edit_format", serde_json::json!("diff")),
            ("votes", serde_json::json!(1235)),
        ] {
            extras.insert(k, v.clone());
            map.insert(k.to_owned(), v);
        }
        let json = serde_json::to_string(&extras).unwrap();
        assert_eq!(json, serde_json::to_string(&map).unwrap());
        assert_eq!(
            json,
            r#"{"edit_format":"diff","license":"MIT","votes":1235}"#
        );
        let back: Extras = serde_json::from_str(&json).unwrap();
        assert_eq!(back, extras);
        assert_eq!(back["votes"], 1235);
        assert_eq!(back.get("missing"), None);
        let unsorted: Extras = serde_json::from_str(r#"{"b":1,"a":2}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&unsorted).unwrap(),
            r#"{"a":2,"b":1}"#
        );
    }

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
