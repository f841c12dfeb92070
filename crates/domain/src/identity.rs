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

/// The version of the rules below. Stored keys are refined once when it changes (the store does
/// it at open), so raise it with every change that gives some spelling a different key.
pub const IDENTITY_RULES_VERSION: &str = "5";

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

impl ModelId {
    /// The key part of a model id as [`fmt::Display`] writes it (`gpt-5-4-mini:20260317` →
    /// `gpt-5-4-mini`): the one place that knows the written form.
    pub fn key_of(written: &str) -> &str {
        written.split_once(':').map_or(written, |(k, _)| k)
    }
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
    Regex::new(r"^(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|qwen|openai|writer|moonshot|moonshotai|minimax|xai|zai|google|nvidia|twelvelabs|stability)\.").unwrap()
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
/// Month-day or month-year dates written with a dash: Gemini's `-06-05`, `-09-2025`.
static DASHED_DATE_SUFFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"-((?:0[1-9]|1[0-2])-(?:[0-3]\d|20\d{2}))$").unwrap());
/// Effort or mode written as a bare suffix (LiveBench `gpt-5.5-xhigh`, `gpt-5.1-nothinking`):
/// a variant of the model named before it. A bare effort word counts only after a version
/// (`gpt-5-mini-high`), so `mistral-medium` stays a model of its own.
static BARE_EFFORT_SUFFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.*\d.*)-(xhigh|high|medium|low|minimal)$").unwrap());
/// Thinking budgets (`-thinking-64k`) and modes: `-thinking-auto`, `-highthinking`, …
static MODE_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-(thinking-\d+k|thinking-auto|highthinking|nothinking|non-reasoning|reasoning|thinking|instruct|it|base)$").unwrap()
});
/// Builds of the same weights: quantisations, LoRA adapters, multi-token prediction, Vertex's
/// model-as-a-service packaging (`-maas`), confidential-computing hosts (`-tee`).
static BUILD_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-(fp8|fp4|nvfp4|mxfp4|int4|int8|awq|gptq|bf16|fp16|lora|mtp|maas|tee|tput)$")
        .unwrap()
});
/// Open-weight families that some hosts glue to their version (`llama3.2`, `hermes3`,
/// `gemma3`, `phi4`) while most write a dash (`llama-3.2`): the key takes the dash.
static GLUED_FAMILY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(llama|hermes|gemma|phi|mixtral|granite)(\d)").unwrap());
/// Qwen 1.5 and 2.5 written without their point (`qwen25-coder`): `qwen2-5-coder`. (Qwen3 and
/// later have a one-digit version, written the same everywhere.)
static GLUED_QWEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^qwen([12])(5)(-|$)").unwrap());
/// Google's stable version numbers (`gemini-2.0-flash-001`, `gemini-1.5-pro-002`): versions of
/// the model named before them, like a dated snapshot.
static GOOGLE_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(gemini-.+)-(00[1-9])$").unwrap());
/// A preview of a model that later ships under the same name without the suffix.
static PREVIEW_SUFFIX: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"-preview$").unwrap());
/// Bedrock's names of the first Claude models: `claude-v2:1` is Claude 2.1, `claude-v2` Claude 2,
/// `claude-instant-v1` Claude Instant 1 (there, `:1` is the minor version, not a revision).
static BEDROCK_CLAUDE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^claude-(instant-)?v(\d+)(?::(\d+))?$").unwrap());
/// The same names as keys (`claude-instant-v1`).
static STORED_BEDROCK_CLAUDE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^claude-(instant-)?v(\d+)$").unwrap());
/// Bedrock's `:0` version suffix.
static BEDROCK_VERSION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r":\d+$").unwrap());
/// Bedrock's API version of a model id, before the `:0`: `meta.llama3-70b-instruct-v1:0`,
/// `openai.gpt-oss-120b-1:0`. Not part of the model's name, except Amazon's own (OpenRouter
/// too calls it `amazon/nova-lite-v1`).
static BEDROCK_API_VERSION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"-(v\d+|1)$").unwrap());
/// The same API version after a dated snapshot (`claude-opus-4-1-20250805-v1`): unambiguous
/// even without the vendor prefix, so stored keys refine too.
static DATED_API_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"-(20\d{6})-v\d+$").unwrap());
/// Anthropic's names from Claude 4 on put the family first (`claude-opus-4-1`); some sources
/// keep the older order (`claude-4-1-opus`, `Claude 4.5 Haiku`). Claude 3.x is named version
/// first everywhere (`claude-3-5-sonnet`), so only a major version of 4 or more is reordered.
static CLAUDE_VERSION_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^claude-([4-9]|[1-9]\d)((?:-\d)?)-(opus|sonnet|haiku)(-|$)").unwrap()
});
/// Fireworks' `llama-v3p1-70b`: the `v` is not in Meta's name.
static LLAMA_V: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^llama-v(\d)").unwrap());
/// Qwen's numbered generations written with a dash (`qwen-2.5-72b`, `qwen-3-14b`, Fireworks'
/// `qwen-v2p5-7b`) are the same models as `qwen2.5-72b`, `qwen3-14b`. Qwen's API products
/// (`qwen-max`, `qwen-plus`) have no number there and are left alone.
static DASHED_QWEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^qwen-v?(\d)(-|$)").unwrap());

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
        lower = REGION.replace(&lower, "").into_owned();
        let bedrock_versioned = is_bedrock_versioned(&lower);
        let vendor = VENDOR_DOT.captures(&lower).map(|c| c[1].to_owned());
        lower = VENDOR_DOT.replace(&lower, "").into_owned();
        // Bedrock's `deepseek.v3-v1:0` and `deepseek.r1-v1:0` leave the maker's name out.
        if vendor.as_deref() == Some("deepseek") && !lower.starts_with("deepseek") {
            lower = format!("deepseek-{lower}");
        }
        if let Some(c) = BEDROCK_CLAUDE.captures(&lower) {
            let minor = c.get(3).map(|m| m.as_str()).filter(|m| *m != "0");
            lower = format!(
                "claude-{}{}{}",
                c.get(1).map_or("", |m| m.as_str()),
                &c[2],
                minor.map_or(String::new(), |m| format!("-{m}"))
            );
        }
        lower = BEDROCK_VERSION.replace(&lower, "").into_owned();
        if bedrock_versioned {
            lower = BEDROCK_API_VERSION.replace(&lower, "").into_owned();
        }

        let key = ModelKey::normalise(&lower)?.0;
        let (key, mut found) = split_key(key);
        variants.append(&mut found);
        variants.extend(paren_tags);
        if key.is_empty() {
            return None;
        }
        Some(ModelId {
            key: ModelKey(key),
            variant: canonical_variant(variants),
        })
    }

    /// Whether `raw` is a Bedrock model id whose API version ([`ModelId::from_source_id`] drops
    /// it) cannot be told from its key alone: stored rows of such ids are re-keyed from the
    /// source's spelling, not from the stored key.
    pub fn is_bedrock_versioned(raw: &str) -> bool {
        let lower = raw.trim().to_lowercase();
        let last = lower.rsplit_once('/').map_or(lower.as_str(), |(_, l)| l);
        is_bedrock_versioned(&REGION.replace(last, ""))
    }

    /// Re-applies today's key rules to an id made by an earlier version (a stored row), so a
    /// model keeps one key across an upgrade of the rules: `gpt-5-5-xhigh` → `gpt-5-5:xhigh`.
    /// Idempotent; an id already made by these rules comes back unchanged.
    pub fn refined(self) -> Self {
        let (key, mut tags) = split_key(self.key.0.clone());
        if key.is_empty() {
            return self;
        }
        tags.extend(
            self.variant
                .iter()
                .flat_map(|v| v.split('+').map(str::to_owned)),
        );
        ModelId {
            key: ModelKey(key),
            variant: canonical_variant(tags),
        }
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
        let mut tags: Vec<String> = self
            .variant
            .iter()
            .flat_map(|v| v.split('+').map(str::to_owned))
            .collect();
        tags.push(tag.0);
        self.variant = canonical_variant(tags);
        self
    }
}

/// `vendor.name-v1:0` with a vendor other than Amazon (region prefix already removed).
fn is_bedrock_versioned(lower: &str) -> bool {
    let Some(c) = VENDOR_DOT.captures(lower) else {
        return false;
    };
    if &c[1] == "amazon"
        || !BEDROCK_VERSION.is_match(lower)
        || BEDROCK_CLAUDE.is_match(&lower[c[0].len()..])
    {
        return false;
    }
    BEDROCK_API_VERSION.is_match(&BEDROCK_VERSION.replace(lower, ""))
}

/// The one spelling of a set of variant tags, whatever order the rules found them in: dates
/// first, then the other tags in byte order, each once, joined with `+`.
fn canonical_variant(mut tags: Vec<String>) -> Option<String> {
    tags.retain(|t| !t.is_empty());
    // `false` sorts first: all-digit tags (dates) lead.
    let not_date = |t: &str| !t.bytes().all(|c| c.is_ascii_digit());
    tags.sort_by(|a, b| (not_date(a), a).cmp(&(not_date(b), b)));
    tags.dedup();
    (!tags.is_empty()).then(|| tags.join("+"))
}

/// Splits variant suffixes off a normalised key until none is left: effort levels in every
/// spelling the sources use, thinking modes and budgets, builds of the same weights, previews
/// and one dated snapshot. Returns the model's key and the tags (in any order:
/// [`canonical_variant`] orders them).
fn split_key(mut key: String) -> (String, Vec<String>) {
    // Meta's own prefix (`meta-llama-3-1-405b`, Azure's spelling) is not part of the name.
    if let Some(rest) = key.strip_prefix("meta-llama-") {
        key = format!("llama-{rest}");
    }
    // A key stored before the Bedrock Claude rule (`claude-instant-v1`, `claude-v2`).
    if let Some(c) = STORED_BEDROCK_CLAUDE.captures(&key) {
        key = format!("claude-{}{}", c.get(1).map_or("", |m| m.as_str()), &c[2]);
    }
    key = GLUED_FAMILY.replace(&key, "$1-$2").into_owned();
    key = GLUED_QWEN.replace(&key, "qwen$1-$2$3").into_owned();
    key = LLAMA_V.replace(&key, "llama-$1").into_owned();
    key = DASHED_QWEN.replace(&key, "qwen$1$2").into_owned();
    key = CLAUDE_VERSION_FIRST
        .replace(&key, "claude-$3-$1$2$4")
        .into_owned();
    key = DATED_API_VERSION.replace(&key, "-$1").into_owned();
    let mut tags: Vec<String> = Vec::new();
    let mut dated = false;
    loop {
        let before = key.len();
        if let Some(c) = EFFORT_SUFFIX.captures(&key) {
            tags.push(c[1].to_owned());
            key.truncate(c.get(0).unwrap().start());
        }
        for tag in DASH_VARIANTS {
            if let Some(base) = key.strip_suffix(&format!("-{tag}")) {
                tags.push((*tag).to_owned());
                key = base.to_owned();
            }
        }
        for re in [&*MODE_SUFFIX, &*BUILD_SUFFIX, &*PREVIEW_SUFFIX] {
            if let Some(c) = re.captures(&key)
                && c.get(0).unwrap().start() > 0
            {
                tags.push(c[0].trim_start_matches('-').to_owned());
                key.truncate(c.get(0).unwrap().start());
            }
        }
        if let Some(c) = BARE_EFFORT_SUFFIX.captures(&key) {
            let level = c[2].to_owned();
            key.truncate(c.get(1).unwrap().end());
            tags.push(level);
        }
        if !dated && let Some(c) = GOOGLE_VERSION.captures(&key) {
            tags.push(c[2].to_owned());
            key.truncate(c.get(1).unwrap().end());
            dated = true;
        }
        if !dated {
            for re in [&*DATE_SUFFIX, &*DASHED_DATE_SUFFIX] {
                if let Some(c) = re.captures(&key)
                    // Keep a bare `-0709`-style date only when something precedes it.
                    && c.get(0).unwrap().start() > 0
                {
                    tags.push(c[1].replace('-', ""));
                    key.truncate(c.get(0).unwrap().start());
                    dated = true;
                    break;
                }
            }
        }
        if key.len() == before {
            break;
        }
    }
    (key, tags)
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
    fn bedrock_api_versions_word_order_and_hosts_spellings_name_the_model_everyone_else_names() {
        for (raw, want) in [
            (
                "anthropic.claude-opus-4-1-20250805-v1:0",
                "claude-opus-4-1:20250805",
            ),
            (
                "apac.anthropic.claude-3-5-sonnet-20241022-v2:0",
                "claude-3-5-sonnet:20241022",
            ),
            ("meta.llama3-70b-instruct-v1:0", "llama-3-70b:instruct"),
            (
                "bedrock/eu-west-1/meta.llama3-8b-instruct-v1:0",
                "llama-3-8b:instruct",
            ),
            ("cohere.command-r-plus-v1:0", "command-r-plus"),
            ("writer.palmyra-x5-v1:0", "palmyra-x5"),
            ("openai.gpt-oss-120b-1:0", "gpt-oss-120b"),
            ("qwen.qwen3-32b-v1:0", "qwen3-32b"),
            ("deepseek.v3-v1:0", "deepseek-v3"),
            ("deepseek.r1-v1:0", "deepseek-r1"),
            ("mistral.mistral-7b-instruct-v0:2", "mistral-7b:instruct"),
            // Amazon's own keep their `v1`, as OpenRouter writes them.
            ("amazon.nova-lite-v1:0", "nova-lite-v1"),
            ("amazon/nova-lite-v1", "nova-lite-v1"),
            (
                "claude-4-1-opus-20250805-thinking-32k",
                "claude-opus-4-1:20250805+thinking-32k",
            ),
            (
                "claude-4-sonnet-20250514-base",
                "claude-sonnet-4:20250514+base",
            ),
            ("Claude 4.5 Haiku", "claude-haiku-4-5"),
            ("claude-4-opus", "claude-opus-4"),
            (
                "fireworks_ai/accounts/fireworks/models/llama-v3p1-70b-instruct",
                "llama-3-1-70b:instruct",
            ),
            ("qwen/qwen-2.5-72b-instruct", "qwen2-5-72b:instruct"),
            ("Qwen2.5-72B-Instruct", "qwen2-5-72b:instruct"),
            ("fireworks_ai/qwen-v2p5-7b", "qwen2-5-7b"),
            ("cerebras/qwen-3-32b", "qwen3-32b"),
            (
                "together_ai/Qwen/Qwen3-235B-A22B-Instruct-2507-tput",
                "qwen3-235b-a22b-instruct-2507:tput",
            ),
        ] {
            assert_eq!(id(raw), want, "{raw}");
        }
    }

    #[test]
    fn versions_that_are_part_of_a_name_are_kept() {
        // Claude 3.x is named version first by Anthropic itself.
        assert_eq!(
            id("claude-3-5-sonnet-20241022"),
            "claude-3-5-sonnet:20241022"
        );
        // Qwen's API products are not numbered generations.
        assert_eq!(id("qwen-max"), "qwen-max");
        assert_eq!(id("qwen-plus-2025-01-25"), "qwen-plus:20250125");
        // A `v` that is the model's own.
        assert_eq!(id("deepseek/deepseek-v3.2"), "deepseek-v3-2");
        assert_eq!(id("mistral-large-2407"), "mistral-large-2407");
        assert!(!ModelId::is_bedrock_versioned("amazon.nova-pro-v1:0"));
        assert!(ModelId::is_bedrock_versioned(
            "us.meta.llama3-1-8b-instruct-v1:0"
        ));
        assert!(!ModelId::is_bedrock_versioned("anthropic.claude-v2:1"));
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

    #[test]
    fn every_effort_and_mode_spelling_of_the_sources_is_a_variant_of_the_base_model() {
        for (raw, want) in [
            ("gpt-5.5-xhigh", "gpt-5-5:xhigh"),
            ("gpt-5.4-mini-high", "gpt-5-4-mini:high"),
            ("gemini-3.1-pro-preview-high", "gemini-3-1-pro:high+preview"),
            (
                "claude-opus-4-6-thinking-auto",
                "claude-opus-4-6:thinking-auto",
            ),
            (
                "claude-opus-4-6-thinking-auto-high-effort",
                "claude-opus-4-6:high+thinking-auto",
            ),
            (
                "gpt-5.1-2025-11-13-nothinking",
                "gpt-5-1:20251113+nothinking",
            ),
            (
                "gemini-2.5-pro-06-05-highthinking",
                "gemini-2-5-pro:0605+highthinking",
            ),
            (
                "gemini-3-pro-preview-11-2025-high",
                "gemini-3-pro:112025+high+preview",
            ),
            (
                "grok-4.20-beta-0309-non-reasoning",
                "grok-4-20-beta:0309+non-reasoning",
            ),
            (
                "claude-4-sonnet-20250514-thinking-64k",
                "claude-sonnet-4:20250514+thinking-64k",
            ),
            ("moonshotai/kimi-k2-0711-preview", "kimi-k2:0711+preview"),
            ("kimi-k2-instruct", "kimi-k2:instruct"),
            (
                "google/gemini-3.1-flash-image-preview",
                "gemini-3-1-flash-image:preview",
            ),
            ("google/gemma-4-31b-it", "gemma-4-31b:it"),
            ("qwen3.6-27b-fp8", "qwen3-6-27b:fp8"),
            ("glm-5.1-nvfp4-mtp", "glm-5-1:mtp+nvfp4"),
        ] {
            assert_eq!(id(raw), want, "{raw}");
        }
    }

    #[test]
    fn hosts_that_glue_a_family_to_its_version_or_package_it_name_the_same_model() {
        for (a, b) in [
            (
                "lambda_ai/llama3.2-11b-vision-instruct",
                "azure_ai/Llama-3.2-11B-Vision-Instruct",
            ),
            (
                "lambda_ai/llama3.1-nemotron-70b-instruct-fp8",
                "Llama-3.1-Nemotron-70B-Instruct",
            ),
            (
                "lambda_ai/qwen25-coder-32b-instruct",
                "fireworks_ai/qwen2p5-coder-32b-instruct",
            ),
            ("groq/gemma2-9b-it", "google/gemma-2-9b-it"),
            ("phi4", "microsoft/phi-4"),
            (
                "vertex_ai/meta/llama-3.1-405b-instruct-maas",
                "meta-llama/llama-3.1-405b-instruct",
            ),
            (
                "azure_ai/Meta-Llama-3.1-8B-Instruct",
                "meta-llama/llama-3.1-8b-instruct",
            ),
            ("libertai/hermes-3-8b-tee", "hermes3-8b"),
            ("gemini/gemini-2.0-flash-001", "google/gemini-2.0-flash"),
            ("anthropic.claude-v2:1", "claude-2.1"),
            ("us.anthropic.claude-instant-v1", "claude-instant-1"),
            ("anthropic.claude-v2", "openrouter/anthropic/claude-2"),
            (
                "gemini-2.0-flash-live-preview-04-09",
                "vertex_ai/gemini-2.0-flash-live-001",
            ),
        ] {
            let (x, y) = (
                ModelId::from_source_id(a).unwrap(),
                ModelId::from_source_id(b).unwrap(),
            );
            assert_eq!(x.key, y.key, "{a} and {b}");
        }
        // Not a glued version: the model's own name.
        assert_eq!(id("qwen3-coder"), "qwen3-coder");
        assert_eq!(id("qwen2-72b"), "qwen2-72b");
        assert_eq!(id("llamaguard-7b"), "llamaguard-7b");
        assert_eq!(id("phi-3.5-mini"), "phi-3-5-mini");
    }

    #[test]
    fn names_that_end_in_an_effort_word_but_are_models_stay_models() {
        assert_eq!(id("mistral-medium"), "mistral-medium");
        assert_eq!(id("qwen/qwen3.7-max"), "qwen3-7-max");
        assert_eq!(id("openai/gpt-5.1-codex-max"), "gpt-5-1-codex-max");
        assert_eq!(id("gpt-5.1-codex-max-high"), "gpt-5-1-codex-max:high");
        assert_ne!(
            id("deepseek/deepseek-v3.2-exp"),
            id("deepseek/deepseek-v3.2")
        );
    }

    #[test]
    fn an_id_stored_by_the_old_rules_refines_to_the_id_the_new_rules_give() {
        for raw in [
            "gpt-5.5-xhigh",
            "claude-opus-4-6-thinking-auto-high-effort",
            "gemini-3-pro-preview-11-2025-high",
            "claude-opus-4-20250514 (32k thinking)",
            "anthropic/claude-opus-4.8",
            "lambda_ai/llama3.2-11b-vision-instruct",
            "qwen25-coder-32b-instruct",
            "anthropic.claude-v2:1",
            "anthropic.claude-instant-v1",
            "anthropic.claude-opus-4-1-20250805-v1:0",
            "claude-4-1-opus-20250805-thinking-32k",
            "meta.llama3-70b-instruct-v1:0",
            "qwen/qwen-2.5-72b-instruct",
        ] {
            let new = ModelId::from_source_id(raw).unwrap();
            assert_eq!(new.clone().refined(), new, "idempotent for {raw}");
        }
        let old = ModelId {
            key: ModelKey("claude-opus-4-6-thinking-auto".into()),
            variant: Some("high".into()),
        };
        assert_eq!(
            old.refined(),
            ModelId::from_source_id("claude-opus-4-6-thinking-auto-high-effort").unwrap()
        );
        let old = ModelId {
            key: ModelKey("llama3-2-11b-vision".into()),
            variant: Some("instruct".into()),
        };
        assert_eq!(
            old.refined(),
            ModelId::from_source_id("Llama-3.2-11B-Vision-Instruct").unwrap()
        );
    }
}
