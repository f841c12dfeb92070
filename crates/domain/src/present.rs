//! How numbers and dates read for people: the one place that decides it.
//!
//! The brief (HTML and text), `compare` (text, HTML and verdict), the web pages and the chart
//! all format through these functions, so the same value prints the same everywhere. JSON
//! keeps exact values; only prose and tables go through here.

use crate::Timestamp;
use rust_decimal::Decimal;

/// A price in dollars for prose, to three significant digits: `$0.909` for 0.9086, `$0.0482`
/// for 0.04815, `$10`, `$2.5`. JSON keeps the exact value.
pub fn money(d: Decimal) -> String {
    let r = d
        .round_sf_with_strategy(3, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .unwrap_or(d);
    format!("${}", r.normalize())
}

/// A price exactly as the source lists it: `$0.9086`.
pub fn money_exact(d: Decimal) -> String {
    format!("${}", d.normalize())
}

/// Two prices of one listing, old → new: to three significant digits, unless that would make
/// two different prices read the same, then exact.
pub fn money_pair(old: Decimal, new: Decimal) -> (String, String) {
    let (a, b) = (money(old), money(new));
    if a == b && old != new {
        (money_exact(old), money_exact(new))
    } else {
        (a, b)
    }
}

/// A price or `N/A` when none is listed.
pub fn money_or_na(d: Option<Decimal>) -> String {
    d.map_or_else(|| NA.to_owned(), money)
}

/// What a missing value prints as.
pub const NA: &str = "N/A";

/// A token count (context window) in the vendor's units: a round decimal count in thousands
/// (128,000 → `128K`, 1,050,000 → `1.05M`), a binary one as it is sold (131,072 → `128K`,
/// 1,048,576 → `1M`), anything else in thousands (`203K`). Decimal first: 128,000 is also a
/// multiple of 1,024, but nobody sells it as 125K. Binary only for the sizes that are sold
/// (powers of two, multiples of 32K: 8K, 96K, 128K, 192K): 202,752 is 198 × 1,024, which no
/// vendor sells as "198K", so it reads `203K`.
pub fn tokens(n: u64) -> String {
    if sold_binary(n) {
        binary_tokens(n)
    } else {
        decimal_tokens(n)
    }
}

/// Two token counts within 5% of each other are one figure written two ways (1,048,576 and 1M,
/// 131,072 and 128K): neither "more context" nor a disagreement between sources.
pub fn tokens_alike(a: u64, b: u64) -> bool {
    a.abs_diff(b) * 20 <= a.max(b)
}

/// Two token counts printed side by side (a change, a comparison) in one unit system, so the
/// printed gap is the real one: 202,752 → 262,144 reads `198K → 256K` (both binary), not
/// `203K → 256K`; 1,050,000 against 1,048,576 reads `1.05M` against `1.05M` (both decimal), not
/// `1.05M` against `1M`.
pub fn tokens_pair(a: u64, b: u64) -> (String, String) {
    const KI: u64 = 1024;
    match (sold_binary(a), sold_binary(b)) {
        (x, y) if x == y => (tokens(a), tokens(b)),
        _ if a.is_multiple_of(KI)
            && b.is_multiple_of(KI)
            && a >= KI
            && b >= KI
            && !a.is_multiple_of(1000)
            && !b.is_multiple_of(1000) =>
        {
            (binary_tokens(a), binary_tokens(b))
        }
        _ => (decimal_tokens(a), decimal_tokens(b)),
    }
}

/// Whether a count is a binary size as vendors sell it (powers of two, multiples of 32K).
fn sold_binary(n: u64) -> bool {
    const KI: u64 = 1024;
    let sold = |k: u64| k.is_power_of_two() || k.is_multiple_of(32);
    n >= KI && n.is_multiple_of(KI) && !n.is_multiple_of(1000) && sold(n / KI)
}

fn binary_tokens(n: u64) -> String {
    const KI: u64 = 1024;
    let k = n / KI;
    if k >= KI && k.is_multiple_of(KI) {
        format!("{}M", k / KI)
    } else if k >= KI {
        let m = format!("{:.2}", k as f64 / KI as f64);
        format!("{}M", m.trim_end_matches('0').trim_end_matches('.'))
    } else {
        format!("{k}K")
    }
}

fn decimal_tokens(n: u64) -> String {
    if n >= 1_000_000 {
        let m = n as f64 / 1_000_000.0;
        if (m - m.round()).abs() < 0.005 {
            format!("{}M", m.round())
        } else {
            format!("{m:.2}M")
        }
    } else if n >= 1_000 {
        format!("{}K", (n as f64 / 1000.0).round())
    } else {
        n.to_string()
    }
}

/// A whole count with thousands separators: `131,072`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A benchmark score: one decimal, without a trailing `.0` (`84.4`, `60`).
pub fn score(v: f64) -> String {
    let r = round1(v);
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// A score in a table column, always with one decimal (`84.4`, `60.0`).
pub fn score_fixed(v: f64) -> String {
    format!("{:.1}", round1(v))
}

/// A signed difference of scores, one decimal: `+2.3`, `-0.8`, `+0.0`.
fn signed(d: f64) -> String {
    format!("{:+.1}", round1(d))
}

/// The difference of two scores as printed beside them: the difference of the rounded values,
/// so `59.4` against `67.4` reads `-8.0`, never `-8.1`; two values that print alike are a
/// `tie`, never `+0.0` (which reads as a lead).
pub fn diff(a: f64, b: f64) -> String {
    let d = round1(a) - round1(b);
    if round1(d) == 0.0 {
        "tie".into()
    } else {
        signed(d)
    }
}

/// A change in percent: `+12.5%`, `−8.0%` (a true minus sign); `new` when there was none.
pub fn pct(p: Option<f64>) -> String {
    match p {
        Some(p) if p > 0.0 => format!("+{p:.1}%"),
        Some(p) => format!("\u{2212}{:.1}%", p.abs()),
        None => "new".into(),
    }
}

/// Output speed: `182 tok/s`, `38.5 tok/s` (three significant digits, at most one decimal).
pub fn speed(tokens_per_s: f64) -> String {
    let v = if tokens_per_s >= 100.0 {
        format!("{:.0}", tokens_per_s.round())
    } else {
        score(tokens_per_s)
    };
    format!("{v} tok/s")
}

/// A latency in seconds: `0.42 s`, `1.3 s`, `12 s` (two decimals below one second).
pub fn seconds(s: f64) -> String {
    // Halves round away from zero, as every other number here does.
    if s < 1.0 {
        format!("{:.2} s", (s * 100.0).round() / 100.0)
    } else if s < 10.0 {
        format!("{:.1} s", round1(s))
    } else {
        format!("{:.0} s", s.round())
    }
}

/// A calendar date: `2026-07-06`.
pub fn date(t: Timestamp) -> String {
    t.datetime().format("%Y-%m-%d").to_string()
}

/// `yes`, `no` or `N/A`.
pub fn flag(b: Option<bool>) -> String {
    match b {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => NA.into(),
    }
}

/// Rounds half away from zero to one decimal, so a difference printed beside two rounded
/// values is computed from the same rounding as they are.
pub fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// An error with its causes on one line, `error: cause: cause`, for logs and stored replies
/// (libraries without `anyhow`; a cause its parent already prints is not repeated).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn token_counts_and_prices_read_like_a_person_wrote_them() {
        assert_eq!(tokens(1_000_000), "1M");
        assert_eq!(tokens(262_144), "256K");
        assert_eq!(tokens(131_072), "128K");
        assert_eq!(tokens(65_536), "64K");
        assert_eq!(tokens(1_048_576), "1M");
        assert_eq!(tokens(1_050_000), "1.05M");
        assert_eq!(tokens(200_000), "200K");
        // Round decimal counts that happen to be multiples of 1,024.
        assert_eq!(tokens(128_000), "128K");
        assert_eq!(tokens(256_000), "256K");
        assert_eq!(tokens(512_000), "512K");
        assert_eq!(tokens(2_048_000), "2.05M");
        // Binary multiples nobody sells read in decimal thousands; sold ones stay binary.
        assert_eq!(tokens(202_752), "203K");
        assert_eq!(tokens(196_608), "192K");
        assert_eq!(tokens(98_304), "96K");
        assert_eq!(tokens(8_192), "8K");
        assert_eq!(thousands(131_072), "131,072");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(money(Decimal::from_str("2.50").unwrap()), "$2.5");
        assert_eq!(money(Decimal::from_str("0.9086").unwrap()), "$0.909");
        assert_eq!(money(Decimal::from_str("0.04815").unwrap()), "$0.0482");
        assert_eq!(money(Decimal::from_str("2.385").unwrap()), "$2.39");
        assert_eq!(
            money_pair(
                Decimal::from_str("0.2551").unwrap(),
                Decimal::from_str("0.2552").unwrap()
            ),
            ("$0.2551".to_owned(), "$0.2552".to_owned())
        );
        assert_eq!(money(Decimal::from(2)), "$2");
        assert_eq!(money_or_na(None), "N/A");
    }

    #[test]
    fn a_score_prints_the_same_in_prose_and_in_a_table() {
        assert_eq!(score(84.356), "84.4");
        assert_eq!(score(60.0), "60");
        assert_eq!(score_fixed(60.0), "60.0");
        assert_eq!(diff(59.392, 67.446), "-8.0");
        assert_eq!(
            tokens_pair(202_752, 262_144),
            ("198K".into(), "256K".into())
        );
        assert_eq!(
            tokens_pair(1_050_000, 1_048_576),
            ("1.05M".into(), "1.05M".into())
        );
        assert_eq!(
            tokens_pair(131_072, 262_144),
            ("128K".into(), "256K".into())
        );
        assert_eq!(
            tokens_pair(128_000, 1_000_000),
            ("128K".into(), "1M".into())
        );
        assert_eq!(diff(84.356, 84.370), "tie", "both print 84.4");
        assert_eq!(signed(2.0), "+2.0");
    }

    #[test]
    fn speeds_and_latencies_read_like_the_tables_they_come_from() {
        assert_eq!(speed(182.4), "182 tok/s");
        assert_eq!(speed(38.46), "38.5 tok/s");
        assert_eq!(seconds(0.42), "0.42 s");
        assert_eq!(seconds(1.25), "1.3 s");
        assert_eq!(seconds(12.4), "12 s");
    }
}
