//! Human units in experiment files: durations ("250ms", "1h"), rates
//! ("20k/s", "3/min"), sizes ("10GiB", "1.5MB"), bandwidths ("10Gbps") and
//! counts ("10M"). Each type deserializes from a string with a unit or from a
//! bare number in the base unit (seconds, per second, bytes, bits per second).
//!
//! Parsing is strict: no negative values, no NaN or infinity, no trailing text;
//! every error says what was expected.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::engine::SimTime;

/// Parses a non-negative finite decimal number at the start of `text`,
/// returning the value and the rest of the text.
fn split_number(text: &str) -> Option<(f64, &str)> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || c == '_'
                || ((c == 'e' || c == 'E') && i > 0 && next_is_exponent(&text[i + 1..]))
                || ((c == '+' || c == '-')
                    && i > 0
                    && matches!(text.as_bytes()[i - 1], b'e' | b'E')))
        })
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    if end == 0 {
        return None;
    }
    let number: String = text[..end].chars().filter(|&c| c != '_').collect();
    let value: f64 = number.parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    Some((value, text[end..].trim()))
}

fn next_is_exponent(rest: &str) -> bool {
    let mut chars = rest.chars();
    match chars.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some('+') | Some('-') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    }
}

fn seconds_per_unit(unit: &str) -> Option<f64> {
    Some(match unit {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "" | "s" | "sec" | "secs" => 1.0,
        "m" | "min" | "mins" => 60.0,
        "h" | "hr" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        _ => return None,
    })
}

/// Parses a duration: a number with an optional unit (ns, us, ms, s, min, h, d);
/// a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<SimTime, String> {
    let expected = "a duration such as \"250ms\", \"30s\", \"5min\" or \"1h\"";
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!(
            "durations cannot be negative; expected {expected}, got \"{text}\""
        ));
    }
    let (value, unit) =
        split_number(trimmed).ok_or_else(|| format!("expected {expected}, got \"{text}\""))?;
    let scale = seconds_per_unit(unit)
        .ok_or_else(|| format!("unknown time unit \"{unit}\"; expected {expected}"))?;
    let secs = value * scale;
    if secs > MAX_DURATION_SECS {
        return Err(format!(
            "duration \"{text}\" is too long; the longest a run can simulate is 100 years"
        ));
    }
    Ok(SimTime::from_secs_f64(secs))
}

/// The longest duration accepted anywhere: 100 years fits in u64 nanoseconds
/// (584 years) with room for arithmetic.
pub const MAX_DURATION_SECS: f64 = 100.0 * 365.25 * 86_400.0;

fn decimal_multiplier(prefix: &str) -> Option<f64> {
    Some(match prefix {
        "" => 1.0,
        "k" | "K" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        _ => return None,
    })
}

/// Parses a rate in events per second: "20k/s", "0.9/s", "3/min", "1.2M/h";
/// a bare number is per second.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let expected = "a rate such as \"0.9/s\", \"20k/s\" or \"3/min\"";
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!(
            "rates cannot be negative; expected {expected}, got \"{text}\""
        ));
    }
    let (value, rest) =
        split_number(trimmed).ok_or_else(|| format!("expected {expected}, got \"{text}\""))?;
    let (prefix, per) = match rest.split_once('/') {
        Some((prefix, per)) => (prefix.trim(), per.trim()),
        None => (rest, "s"),
    };
    let multiplier = decimal_multiplier(prefix).ok_or_else(|| {
        format!("unknown multiplier \"{prefix}\" in \"{text}\"; expected {expected}")
    })?;
    let per_secs = match per {
        "" => None,
        unit => seconds_per_unit(unit),
    }
    .ok_or_else(|| format!("unknown time unit \"/{per}\" in \"{text}\"; expected {expected}"))?;
    let rate = value * multiplier / per_secs;
    if !rate.is_finite() || rate > 1e15 {
        return Err(format!("rate \"{text}\" is out of range (at most 1e15/s)"));
    }
    Ok(rate)
}

/// Parses a size in bytes: "1500B", "1.5MB", "10GiB"; a bare number is bytes.
/// Decimal prefixes (kB, MB, GB, TB, PB) are powers of 1000, binary ones
/// (KiB, MiB, GiB, TiB, PiB) powers of 1024.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let expected = "a size such as \"1500B\", \"64KiB\", \"1.5MB\" or \"10GiB\"";
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!(
            "sizes cannot be negative; expected {expected}, got \"{text}\""
        ));
    }
    let (value, unit) =
        split_number(trimmed).ok_or_else(|| format!("expected {expected}, got \"{text}\""))?;
    let scale: f64 = match unit {
        "" | "B" => 1.0,
        "kB" | "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        "PB" => 1e15,
        "KiB" => 1024.0,
        "MiB" => 1024f64.powi(2),
        "GiB" => 1024f64.powi(3),
        "TiB" => 1024f64.powi(4),
        "PiB" => 1024f64.powi(5),
        _ => return Err(format!("unknown size unit \"{unit}\"; expected {expected}")),
    };
    let bytes = (value * scale).round();
    if bytes > MAX_BYTES as f64 {
        return Err(format!(
            "size \"{text}\" is absurdly large (the limit is 1 EiB)"
        ));
    }
    Ok(bytes as u64)
}

/// The largest size accepted anywhere: 1 EiB.
pub const MAX_BYTES: u64 = 1 << 60;

/// Parses a bandwidth in bits per second: "10Gbps", "100Mbit/s", "1.5GB/s"
/// (bytes per second); a bare number is bits per second.
pub fn parse_bandwidth(text: &str) -> Result<f64, String> {
    let expected = "a bandwidth such as \"100Mbps\", \"10Gbps\" or \"1.25GB/s\"";
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!(
            "bandwidths cannot be negative; expected {expected}, got \"{text}\""
        ));
    }
    let (value, unit) =
        split_number(trimmed).ok_or_else(|| format!("expected {expected}, got \"{text}\""))?;
    let (prefix, bits) = if let Some(p) = unit.strip_suffix("bps") {
        (p, 1.0)
    } else if let Some(p) = unit.strip_suffix("bit/s") {
        (p, 1.0)
    } else if let Some(p) = unit.strip_suffix("B/s") {
        (p, 8.0)
    } else if unit.is_empty() {
        ("", 1.0)
    } else {
        return Err(format!(
            "unknown bandwidth unit \"{unit}\"; expected {expected}"
        ));
    };
    let multiplier = decimal_multiplier(prefix).ok_or_else(|| {
        format!("unknown multiplier \"{prefix}\" in \"{text}\"; expected {expected}")
    })?;
    let bps = value * multiplier * bits;
    if bps > 1e18 {
        return Err(format!(
            "bandwidth \"{text}\" is out of range (at most 1 Ebit/s)"
        ));
    }
    Ok(bps)
}

/// Parses a count: "10M", "20k", "1500"; must be a whole number.
pub fn parse_count(text: &str) -> Result<u64, String> {
    let expected = "a whole count such as 1500, \"20k\" or \"10M\"";
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!(
            "counts cannot be negative; expected {expected}, got \"{text}\""
        ));
    }
    let (value, prefix) =
        split_number(trimmed).ok_or_else(|| format!("expected {expected}, got \"{text}\""))?;
    let multiplier = decimal_multiplier(prefix).ok_or_else(|| {
        format!("unknown multiplier \"{prefix}\" in \"{text}\"; expected {expected}")
    })?;
    let count = value * multiplier;
    if count.fract() != 0.0 {
        return Err(format!(
            "\"{text}\" is not a whole number; expected {expected}"
        ));
    }
    if count > 1e15 {
        return Err(format!("count \"{text}\" is absurdly large (at most 1e15)"));
    }
    Ok(count as u64)
}

/// Accepts a string (parsed by `parse`) or a bare number (in the base unit).
struct UnitVisitor<T> {
    expecting: &'static str,
    parse: fn(&str) -> Result<T, String>,
    from_number: fn(f64) -> Result<T, String>,
}

impl<T> Visitor<'_> for UnitVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        (self.from_number)(v as f64).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        (self.from_number)(v as f64).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        (self.from_number)(v).map_err(E::custom)
    }
}

fn check_number(v: f64, what: &str) -> Result<f64, String> {
    if v.is_nan() || v.is_infinite() {
        Err(format!("{what} must be a finite number, got {v}"))
    } else if v < 0.0 {
        Err(format!("{what} cannot be negative, got {v}"))
    } else {
        Ok(v)
    }
}

/// A duration in an experiment file ("250ms", "1h", or seconds).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Duration(pub SimTime);

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UnitVisitor {
            expecting: "a duration such as \"250ms\", \"30s\" or \"1h\" (a bare number is seconds)",
            parse: |s| parse_duration(s).map(Duration),
            from_number: |v| {
                let secs = check_number(v, "a duration")?;
                if secs > MAX_DURATION_SECS {
                    return Err(format!("duration {v}s is too long (at most 100 years)"));
                }
                Ok(Duration(SimTime::from_secs_f64(secs)))
            },
        })
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A rate in events per second ("20k/s", "3/min", or per second).
#[derive(Copy, Clone, Debug, PartialEq, PartialOrd, Default)]
pub struct Rate(pub f64);

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UnitVisitor {
            expecting: "a rate such as \"0.9/s\", \"20k/s\" or \"3/min\" (a bare number is per second)",
            parse: |s| parse_rate(s).map(Rate),
            from_number: |v| {
                let rate = check_number(v, "a rate")?;
                if rate > 1e15 {
                    return Err(format!("rate {v}/s is out of range (at most 1e15/s)"));
                }
                Ok(Rate(rate))
            },
        })
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0)
    }
}

/// A size in bytes ("10GiB", "1.5MB", or bytes).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Bytes(pub u64);

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UnitVisitor {
            expecting: "a size such as \"1500B\", \"64KiB\" or \"10GiB\" (a bare number is bytes)",
            parse: |s| parse_bytes(s).map(Bytes),
            from_number: |v| {
                let bytes = check_number(v, "a size")?;
                if bytes > MAX_BYTES as f64 {
                    return Err(format!(
                        "size {v} bytes is absurdly large (the limit is 1 EiB)"
                    ));
                }
                if bytes.fract() != 0.0 {
                    return Err(format!("size {v} is not a whole number of bytes"));
                }
                Ok(Bytes(bytes as u64))
            },
        })
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

/// A bandwidth in bits per second ("10Gbps", "100Mbit/s", or bits per second).
#[derive(Copy, Clone, Debug, PartialEq, PartialOrd, Default)]
pub struct Bandwidth(pub f64);

impl<'de> Deserialize<'de> for Bandwidth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UnitVisitor {
            expecting: "a bandwidth such as \"100Mbps\" or \"10Gbps\" (a bare number is bits per second)",
            parse: |s| parse_bandwidth(s).map(Bandwidth),
            from_number: |v| {
                let bps = check_number(v, "a bandwidth")?;
                if bps > 1e18 {
                    return Err(format!("bandwidth {v} bit/s is out of range"));
                }
                Ok(Bandwidth(bps))
            },
        })
    }
}

impl Serialize for Bandwidth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0)
    }
}

/// A whole count ("10M", "20k", or a plain integer).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Count(pub u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UnitVisitor {
            expecting: "a whole count such as 1500, \"20k\" or \"10M\"",
            parse: |s| parse_count(s).map(Count),
            from_number: |v| {
                let count = check_number(v, "a count")?;
                if count.fract() != 0.0 {
                    return Err(format!("{v} is not a whole number"));
                }
                if count > 1e15 {
                    return Err(format!("count {v} is absurdly large (at most 1e15)"));
                }
                Ok(Count(count as u64))
            },
        })
    }
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

/// Formats a metric value: shortest round-trip decimal; empty when undefined.
pub fn number(v: f64) -> String {
    if v.is_finite() {
        v.to_string()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms").unwrap(), SimTime::from_millis(250));
        assert_eq!(parse_duration("1h").unwrap(), SimTime::from_secs(3600));
        assert_eq!(parse_duration("1.5s").unwrap(), SimTime::from_millis(1500));
        assert_eq!(parse_duration("30").unwrap(), SimTime::from_secs(30));
        assert_eq!(parse_duration("5 min").unwrap(), SimTime::from_secs(300));
        assert_eq!(parse_duration("1e3s").unwrap(), SimTime::from_secs(1000));
        assert_eq!(parse_duration("10us").unwrap(), SimTime::from_micros(10));
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("1 fortnight").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("1000 years").is_err());
        assert!(parse_duration("NaN").is_err());
        assert!(parse_duration("inf").is_err());
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("20k/s").unwrap(), 20_000.0);
        assert_eq!(parse_rate("0.9/s").unwrap(), 0.9);
        assert_eq!(parse_rate("3/min").unwrap(), 0.05);
        assert_eq!(parse_rate("7200/h").unwrap(), 2.0);
        assert_eq!(parse_rate("50000").unwrap(), 50_000.0);
        assert!(parse_rate("-1/s").is_err());
        assert!(parse_rate("1/fortnight").is_err());
        assert!(parse_rate("1x/s").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("10GiB").unwrap(), 10 * (1 << 30));
        assert_eq!(parse_bytes("1.5MB").unwrap(), 1_500_000);
        assert_eq!(parse_bytes("1500").unwrap(), 1500);
        assert_eq!(parse_bytes("64KiB").unwrap(), 65536);
        assert!(parse_bytes("1e30GiB").is_err());
        assert!(parse_bytes("12 parsecs").is_err());
    }

    #[test]
    fn bandwidths_and_counts() {
        assert_eq!(parse_bandwidth("10Gbps").unwrap(), 1e10);
        assert_eq!(parse_bandwidth("100Mbit/s").unwrap(), 1e8);
        assert_eq!(parse_bandwidth("1GB/s").unwrap(), 8e9);
        assert_eq!(parse_count("10M").unwrap(), 10_000_000);
        assert_eq!(parse_count("20k").unwrap(), 20_000);
        assert!(parse_count("1.5").is_err());
    }

    #[test]
    fn display_picks_an_exact_unit() {
        assert_eq!(SimTime::from_millis(250).to_string(), "250ms");
        assert_eq!(SimTime::from_secs(3).to_string(), "3s");
        assert_eq!(SimTime::from_nanos(7).to_string(), "7ns");
    }
}
