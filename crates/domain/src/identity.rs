//! Model identity: one canonical key per model, whatever a source calls it.
//!
//! Sources spell the same model many ways (see the fixtures README): `anthropic/claude-opus-4.8`,
//! `claude-opus-4-8`, `us.anthropic.claude-opus-4-8`, `vertex_ai/claude-opus-4-8@default`,
//! `fireworks_ai/kimi-k2p7-code`, `Claude Opus 4 (thinking-16k)`, `gpt-5 (high)`.
//! [`ModelId::from_source_id`] applies deterministic rules to turn each into a [`ModelKey`]
//! (the model) plus an optional variant (effort level, `:free`, `-fast`, a dated snapshot,
//! a thinking budget). Variants stay distinct, but share the key, so they are linked.
//!
//! The rules only ever *remove decoration* (routes, regions, case, separators); they never
//! guess that two differently-named models are the same. What they cannot decide (word order
//! such as `Claude 4.5 Haiku`) goes in the operator's alias file.

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::LazyLock;

/// The canonical key of a model, e.g. `claude-opus-4-8`, `kimi-k2-7-code`, `gpt-5`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ModelKey(String);

impl ModelKey {
    /// Normalises free text into a key: lowercase, `[a-z0-9-]` only, version dots as dashes.
    pub fn normalise(raw: &str) -> Option<Self> {
        let s = raw.trim().to_lowercase();
        let s = DIGIT_SEP.replace_all(&s, "$1-$2");
        // Run twice: the first pass consumes the digit after a separator (`1.2.3`).
        let s = DIGIT_SEP.replace_all(&s, "$1-$2");
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        let out = out.trim_matches('-').to_owned();
        (!out.is_empty()).then_some(Self(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ModelKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A model plus the variant a source observed: `claude-opus-4-8` + `xhigh`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ModelId {
    pub key: ModelKey,
    /// Variant tags joined with `+` in a stable order, e.g. `20250514+32k-thinking`.
    pub variant: Option<String>,
}

impl fmt::Display for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.variant {
            Some(v) => write!(f, "{}:{}", self.key, v),
            None => write!(f, "{}", self.key),
        }
    }
}

/// `4.8` → `4-8`, `k2p7` → `k2-7` (Fireworks writes `p` for the decimal point).
static DIGIT_SEP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d)[.p_](\d)").unwrap());
/// Bedrock and Vertex region prefixes.
static REGION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(us|eu|jp|apac|au|ca|global|us-gov)\.").unwrap());
/// Bedrock vendor prefixes (`anthropic.claude-…`, `amazon.nova-…`).
static VENDOR_DOT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|qwen|openai|writer|moonshot|moonshotai|minimax|xai|zai|google|nvidia)\.").unwrap()
});
/// Parenthesised qualifiers: `(high)`, `(thinking-16k)`, `(20250514)`, `(32k thinking)`.
static PARENS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s*\(([^)]*)\)").unwrap());
/// LiveBench effort suffixes.
static EFFORT_SUFFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"-(minimal|low|medium|high|xhigh|max)-effort$").unwrap());
/// Dated snapshots at the end of a key: `-2025-04-14`, `-20250514`, `-0709`.
static DATE_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-(20\d{2}-[01]\d-[0-3]\d|20\d{2}[01]\d[0-3]\d|[01]\d[0-3]\d)$").unwrap()
});
/// Bedrock's `:0` version suffix.
static BEDROCK_VERSION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r":\d+$").unwrap());

/// OpenRouter-style `:tag` suffixes that mark a variant of the same model.
const COLON_VARIANTS: &[&str] = &[
    "free", "thinking", "extended", "beta", "nitro", "floor", "exacto", "online",
];
/// `-tag` suffixes that mark a variant of the same model.
const DASH_VARIANTS: &[&str] = &["fast"];

impl ModelId {
    /// Applies the deterministic identity rules to an id or display name as a source spells it.
    ///
    /// Returns `None` when nothing identifying is left (an empty or punctuation-only name).
    pub fn from_source_id(raw: &str) -> Option<Self> {
        let mut variants: Vec<String> = Vec::new();
        let mut s = raw.trim().trim_start_matches('~').to_owned();

        // Parenthesised qualifiers become variants.
        let mut paren_tags = Vec::new();
        for cap in PARENS.captures_iter(&s) {
            if let Some(tag) = ModelKey::normalise(&cap[1]) {
                paren_tags.push(tag.0);
            }
        }
        s = PARENS.replace_all(&s, "").into_owned();

        // Route and provider prefixes: keep the last path segment.
        if let Some((_, last)) = s.rsplit_once('/') {
            s = last.to_owned();
        }
        // Vertex `@default` / `@20240620`.
        if let Some((base, at)) = s.split_once('@') {
            if at.len() == 8 && at.bytes().all(|b| b.is_ascii_digit()) {
                variants.push(at.to_owned());
            }
            s = base.to_owned();
        }
        let mut lower = s.to_lowercase();
        // `:free`, `:thinking`; Bedrock `:0`.
        if let Some((base, tag)) = lower.rsplit_once(':')
            && COLON_VARIANTS.contains(&tag)
        {
            variants.push(tag.to_owned());
            lower = base.to_owned();
        }
        lower = BEDROCK_VERSION.replace(&lower, "").into_owned();
        lower = REGION.replace(&lower, "").into_owned();
        lower = VENDOR_DOT.replace(&lower, "").into_owned();

        let mut key = ModelKey::normalise(&lower)?.0;
        if let Some(c) = EFFORT_SUFFIX.captures(&key) {
            variants.push(c[1].to_owned());
            key.truncate(c.get(0).unwrap().start());
        }
        for tag in DASH_VARIANTS {
            if let Some(base) = key.strip_suffix(&format!("-{tag}")) {
                variants.push((*tag).to_owned());
                key = base.to_owned();
            }
        }
        if let Some(c) = DATE_SUFFIX.captures(&key) {
            let date = c[1].replace('-', "");
            // Keep a bare `-0709`-style date only when something precedes it.
            if c.get(0).unwrap().start() > 0 {
                variants.insert(0, date);
                key.truncate(c.get(0).unwrap().start());
            }
        }
        variants.extend(paren_tags);
        if key.is_empty() {
            return None;
        }
        let variant = (!variants.is_empty()).then(|| variants.join("+"));
        Some(ModelId {
            key: ModelKey(key),
            variant,
        })
    }

    /// A variant that changes only how the model is sold (`:free`, `:nitro`), not what it can
    /// do: leaderboards skip it so one model is not ranked twice.
    pub fn is_pricing_variant(&self) -> bool {
        self.variant.as_deref().is_some_and(|v| {
            v.split('+')
                .all(|t| matches!(t, "free" | "nitro" | "floor" | "exacto" | "online" | "beta"))
        })
    }

    /// Adds a variant tag (e.g. Aider's `reasoning_effort`) unless it is already there.
    pub fn with_variant(mut self, tag: &str) -> Self {
        let Some(tag) = ModelKey::normalise(tag) else {
            return self;
        };
        match &mut self.variant {
            Some(v) if v.split('+').any(|t| t == tag.as_str()) => {}
            Some(v) => {
                v.push('+');
                v.push_str(tag.as_str());
            }
            None => self.variant = Some(tag.0),
        }
        self
    }
}

/// A model maker, normalised so `z-ai`, `zai-org` and `Z.ai` are one provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Provider(String);

impl Provider {
    pub fn normalise(raw: &str) -> Option<Self> {
        let key = ModelKey::normalise(raw)?.0;
        let canonical = match key.as_str() {
            "z-ai" | "zai" | "zai-org" | "z-ai-org" | "zhipu" | "zhipuai" => "z-ai",
            "moonshot" | "moonshotai" | "moonshot-ai" => "moonshotai",
            "xai" | "x-ai" => "x-ai",
            "google" | "gemini" | "vertex-ai" | "vertex-ai-language-models" => "google",
            "meta" | "meta-llama" | "meta-ai" => "meta",
            "mistral" | "mistralai" | "mistral-ai" => "mistral",
            "alibaba" | "qwen" | "dashscope" => "qwen",
            "deepseek" | "deepseek-ai" => "deepseek",
            "minimax" | "minimaxai" => "minimax",
            "cohere" | "cohere-chat" | "cohereforai" => "cohere",
            other => other,
        };
        Some(Self(canonical.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(raw: &str) -> String {
        ModelId::from_source_id(raw).unwrap().to_string()
    }

    #[test]
    fn every_spelling_of_claude_opus_4_8_in_the_fixtures_is_one_model() {
        for raw in [
            "anthropic/claude-opus-4.8",
            "claude-opus-4-8",
            "anthropic.claude-opus-4-8",
            "us.anthropic.claude-opus-4-8",
            "global.anthropic.claude-opus-4-8",
            "jp.anthropic.claude-opus-4-8",
            "vertex_ai/claude-opus-4-8@default",
            "azure_ai/claude-opus-4-8",
        ] {
            assert_eq!(id(raw), "claude-opus-4-8", "{raw}");
        }
    }

    #[test]
    fn effort_levels_free_and_fast_are_variants_of_the_same_key() {
        assert_eq!(id("claude-opus-4-8-xhigh-effort"), "claude-opus-4-8:xhigh");
        assert_eq!(id("moonshotai/kimi-k2.6:free"), "kimi-k2-6:free");
        assert_eq!(id("anthropic/claude-opus-4.8-fast"), "claude-opus-4-8:fast");
        assert_eq!(id("gpt-5 (high)"), "gpt-5:high");
        assert_eq!(
            ModelId::from_source_id("openai/gpt-5")
                .unwrap()
                .with_variant("high")
                .to_string(),
            "gpt-5:high"
        );
    }

    #[test]
    fn fireworks_p_for_point_and_org_slugs_resolve_to_the_same_key() {
        assert_eq!(
            id("fireworks_ai/kimi-k2p7-code"),
            id("moonshotai/kimi-k2.7-code")
        );
        assert_eq!(id("kimi-k2.7-code"), "kimi-k2-7-code");
        assert_eq!(id("fireworks_ai/glm-5p2"), "glm-5-2");
        assert_eq!(id("cloudflare/@cf/zai-org/glm-5.2"), "glm-5-2");
        assert_eq!(id("z-ai/glm-5.2"), "glm-5-2");
    }

    #[test]
    fn case_and_bedrock_versions_do_not_split_a_model() {
        assert_eq!(id("minimax/MiniMax-M3"), id("minimax/minimax-m3"));
        assert_eq!(id("amazon.nova-micro-v1:0"), "nova-micro-v1");
    }

    #[test]
    fn dated_snapshots_are_variants_linked_to_the_undated_model() {
        assert_eq!(id("GPT-4.1-2025-04-14"), "gpt-4-1:20250414");
        assert_eq!(id("Grok-4-0709"), "grok-4:0709");
        assert_eq!(id("xai/grok-4-0709"), "grok-4:0709");
        assert_eq!(id("DeepSeek R1 (0528)"), id("DeepSeek-R1-0528"));
        assert_eq!(id("Claude Opus 4 (20250514)"), "claude-opus-4:20250514");
        assert_eq!(
            id("claude-opus-4-20250514 (32k thinking)"),
            "claude-opus-4:20250514+32k-thinking"
        );
    }

    #[test]
    fn different_models_never_collapse_into_one_key() {
        let distinct = [
            "gpt-4.1",
            "gpt-4.1-mini",
            "gpt-4o",
            "claude-opus-4-8",
            "claude-opus-4-7",
            "claude-sonnet-5",
            "glm-5.2",
            "glm-5v-turbo",
            "kimi-k2.7-code",
            "kimi-k2.6",
            "qwen3-30b-a3b",
            "qwen3-32b",
            "o3",
            "o3-pro",
        ];
        let keys: std::collections::BTreeSet<_> = distinct.iter().map(|r| id(r)).collect();
        assert_eq!(keys.len(), distinct.len(), "{keys:?}");
    }

    #[test]
    fn aliases_keep_their_own_key() {
        assert_eq!(
            id("~anthropic/claude-sonnet-latest"),
            "claude-sonnet-latest"
        );
    }

    #[test]
    fn providers_spelled_differently_are_one_provider() {
        for raw in ["z-ai", "zai-org", "Z.ai"] {
            assert_eq!(Provider::normalise(raw).unwrap().as_str(), "z-ai", "{raw}");
        }
        assert_eq!(
            Provider::normalise("Moonshot").unwrap().as_str(),
            "moonshotai"
        );
    }

    #[test]
    fn names_with_nothing_identifying_are_refused() {
        assert!(ModelId::from_source_id("  ").is_none());
        assert!(ModelId::from_source_id("(high)").is_none());
    }
}
