//! HTTP freshness for a shared cache (a CDN edge or shield): parsing
//! `Cache-Control` response headers (RFC 9111 §5.2.2, RFC 5861) and deciding,
//! lazily at each access, whether a stored response is fresh, may be served
//! stale, or must be fetched again.
//!
//! Nothing here schedules events: an entry carries its [`Expiry`] (an
//! instant and two windows) as the cache payload and [`Expiry::classify`] compares them with
//! the current time when the object is requested.
//!
//! Precedence, pinned down for a shared cache (tested below):
//! 1. `no-store` or `private` -> not stored (RFC 9111 §5.2.2.5, §5.2.2.7:
//!    a shared cache must not store a private response).
//! 2. Lifetime: `s-maxage`, else `max-age`, else the caller's default TTL
//!    (RFC 9111 §5.2.2.10: s-maxage overrides max-age for a shared cache).
//! 3. `no-cache` -> stored with lifetime 0: every reuse is validated first
//!    (RFC 9111 §5.2.2.4).
//! 4. `must-revalidate`, `proxy-revalidate`, `s-maxage` (which "incorporates
//!    the semantics of proxy-revalidate", §5.2.2.10) and `no-cache` forbid
//!    serving stale: `stale-while-revalidate` and `stale-if-error` are
//!    ignored (RFC 9111 §4.2.4: a cache must not serve stale when an explicit
//!    directive prohibits it; this overrides RFC 5861 §4's "regardless of
//!    other freshness information").
//! 5. Fresh while `age < lifetime`, strictly (RFC 9111 §4.2: fresh when the
//!    freshness lifetime exceeds the age). The stale windows are strict too:
//!    stale-while-revalidate=N serves while `age < lifetime + N`.
//!
//! Parsing follows RFC 9111 §5.2: comma-separated directives, names
//! case-insensitive, values as tokens or quoted strings. Where the RFC has
//! a cache ignore unknown directives (§5.2.3), this parser does not (below).
//! Delta-seconds above 2^31 are capped to 2^31
//! (§1.2.2). Stricter than the RFC, because headers here are written by
//! people in experiment files: an unknown directive (with the nearest known
//! one suggested: `max-agee` -> `max-age`), a request-only directive, a
//! directive given twice, a missing or non-numeric number of seconds, or a
//! value on a flag directive is an error that says what was expected;
//! `must-understand`, `no-transform` and `immutable` (RFC 8246) are accepted
//! and change nothing here. Qualified `no-cache="field"` and
//! `private="field"` restrict only the named header fields, so they do not
//! change whether or how long the body is cached (§5.2.2.4, §5.2.2.7).

use crate::engine::SimTime;
use crate::suggest;

/// RFC 9111 §1.2.2: delta-seconds larger than this are taken as this.
const DELTA_SECONDS_MAX: u64 = 1 << 31;

/// The directives of one `Cache-Control` response header that matter to a
/// shared cache. Times are in seconds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheControl {
    pub max_age: Option<u64>,
    pub s_maxage: Option<u64>,
    pub no_store: bool,
    pub no_cache: bool,
    pub private: bool,
    pub public: bool,
    pub must_revalidate: bool,
    pub proxy_revalidate: bool,
    pub stale_while_revalidate: Option<u64>,
    pub stale_if_error: Option<u64>,
}

/// What a shared cache does with a response.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Storage {
    /// Not stored; every request goes to the origin.
    NotStored,
    /// Stored under these rules.
    Stored(FreshnessRule),
}

/// How long a stored response stays fresh and may be served stale.
///
/// The stale windows come only from delta-seconds (RFC 5861), capped at
/// 2^31 s, so whole seconds in a `u32` hold them exactly.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct FreshnessRule {
    pub lifetime: SimTime,
    /// Seconds after `lifetime` in which a stale copy is served while it is revalidated.
    pub stale_while_revalidate_s: u32,
    /// Seconds after `lifetime` in which a stale copy is served if the origin fails.
    pub stale_if_error_s: u32,
}

/// A stored response's deadlines: the payload a cache entry carries. 16
/// bytes, so that a CDN cache entry fits in 48: the stale deadlines are
/// kept as windows after `fresh_until`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Expiry {
    pub fresh_until: SimTime,
    /// Stale copies are served while revalidating until this many seconds after `fresh_until`.
    pub stale_while_revalidate_s: u32,
    /// Stale copies are served on an origin error until this many seconds after `fresh_until`.
    pub stale_if_error_s: u32,
}

/// The state of a stored response at an instant.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Serve it.
    Fresh,
    /// Serve it and revalidate in the background (RFC 5861 §3).
    StaleWhileRevalidate,
    /// Fetch again; serve it only if the origin fails (RFC 5861 §4).
    StaleIfErrorOnly,
    /// Fetch again; it cannot be served.
    Stale,
}

impl FreshnessRule {
    /// A plain TTL with no stale serving.
    pub fn ttl(lifetime: SimTime) -> FreshnessRule {
        FreshnessRule {
            lifetime,
            ..FreshnessRule::default()
        }
    }

    /// The deadlines of a response stored (or revalidated) at `stored_at`.
    pub fn expiry(&self, stored_at: SimTime) -> Expiry {
        Expiry {
            fresh_until: stored_at + self.lifetime,
            stale_while_revalidate_s: self.stale_while_revalidate_s,
            stale_if_error_s: self.stale_if_error_s,
        }
    }
}

impl Expiry {
    /// Fresh until `until`, never served stale.
    pub const fn fresh_until(until: SimTime) -> Expiry {
        Expiry {
            fresh_until: until,
            stale_while_revalidate_s: 0,
            stale_if_error_s: 0,
        }
    }

    /// Classifies the response at `now`; every comparison is strict.
    #[inline]
    pub fn classify(&self, now: SimTime) -> Freshness {
        if now < self.fresh_until {
            return Freshness::Fresh;
        }
        let stale_ns = (now - self.fresh_until).as_nanos();
        let window = |seconds: u32| seconds as u64 * 1_000_000_000;
        if stale_ns < window(self.stale_while_revalidate_s) {
            Freshness::StaleWhileRevalidate
        } else if stale_ns < window(self.stale_if_error_s) {
            Freshness::StaleIfErrorOnly
        } else {
            Freshness::Stale
        }
    }
}

impl CacheControl {
    /// Parses a `Cache-Control` header value; the error says what was expected.
    pub fn parse(header: &str) -> Result<CacheControl, String> {
        let mut cc = CacheControl::default();
        let mut seen: Vec<String> = Vec::new();
        for element in split_directives(header)? {
            let element = element.trim();
            if element.is_empty() {
                continue; // RFC 9110 §5.6.1: empty list elements are allowed
            }
            let (name, value) = match element.split_once('=') {
                Some((n, v)) => (n.trim(), Some(unquote(v.trim())?)),
                None => (element, None),
            };
            if name.is_empty() || !name.bytes().all(is_token_byte) {
                return Err(format!(
                    "\"{element}\" is not a directive; expected name or name=value, separated by commas"
                ));
            }
            let name = name.to_ascii_lowercase();
            if seen.contains(&name) {
                return Err(format!("{name} is given twice; give each directive once"));
            }
            seen.push(name.clone());
            cc.set(&name, value)?;
        }
        Ok(cc)
    }

    fn set(&mut self, name: &str, value: Option<&str>) -> Result<(), String> {
        let flag = |value: Option<&str>| match value {
            None => Ok(true),
            Some(_) => Err(format!("{name} takes no value; write just \"{name}\"")),
        };
        match name {
            "max-age" => self.max_age = Some(seconds(name, value)?),
            "s-maxage" => self.s_maxage = Some(seconds(name, value)?),
            "stale-while-revalidate" => self.stale_while_revalidate = Some(seconds(name, value)?),
            "stale-if-error" => self.stale_if_error = Some(seconds(name, value)?),
            "no-store" => self.no_store = flag(value)?,
            "must-revalidate" => self.must_revalidate = flag(value)?,
            "proxy-revalidate" => self.proxy_revalidate = flag(value)?,
            "public" => self.public = flag(value)?,
            // Qualified forms name header fields only; see the module doc.
            "no-cache" => self.no_cache = value.is_none(),
            "private" => self.private = value.is_none(),
            // Defined for responses but without effect on how long a
            // shared cache keeps the body: RFC 9111 §5.2.2.3, §5.2.2.6 and
            // RFC 8246.
            "must-understand" | "no-transform" | "immutable" => {
                flag(value)?;
            }
            "max-stale" | "min-fresh" | "only-if-cached" => {
                return Err(format!(
                    "{name} is a request directive (RFC 9111 §5.2.1); a response's Cache-Control does not carry it"
                ));
            }
            _ => return Err(unknown_directive(name)),
        }
        Ok(())
    }

    /// Whether stale copies may be served at all (rule 4 of the module doc).
    pub fn forbids_stale(&self) -> bool {
        self.must_revalidate || self.proxy_revalidate || self.s_maxage.is_some() || self.no_cache
    }

    /// What a shared cache does with this response; `default_ttl` applies
    /// when the header gives no lifetime.
    pub fn shared_cache_storage(&self, default_ttl: SimTime) -> Storage {
        if self.no_store || self.private {
            return Storage::NotStored;
        }
        let lifetime = if self.no_cache {
            SimTime::ZERO
        } else {
            match self.s_maxage.or(self.max_age) {
                Some(s) => SimTime::from_secs(s),
                None => default_ttl,
            }
        };
        // Parsing caps delta-seconds at 2^31, so they fit in a u32.
        let window = |v: Option<u64>| match v {
            Some(s) if !self.forbids_stale() => s.min(DELTA_SECONDS_MAX) as u32,
            _ => 0,
        };
        Storage::Stored(FreshnessRule {
            lifetime,
            stale_while_revalidate_s: window(self.stale_while_revalidate),
            stale_if_error_s: window(self.stale_if_error),
        })
    }
}

/// Splits at commas outside quoted strings.
/// The response directives accepted, for messages.
const RESPONSE_DIRECTIVES: &[&str] = &[
    "max-age",
    "s-maxage",
    "no-cache",
    "no-store",
    "private",
    "public",
    "must-revalidate",
    "proxy-revalidate",
    "must-understand",
    "no-transform",
    "stale-while-revalidate",
    "stale-if-error",
    "immutable",
];

fn unknown_directive(name: &str) -> String {
    let known = RESPONSE_DIRECTIVES.join(", ");
    match suggest::did_you_mean(name, RESPONSE_DIRECTIVES.iter().copied()) {
        Some(hint) => format!("unknown directive \"{name}\"; {hint} The directives are: {known}"),
        None => format!("unknown directive \"{name}\"; expected one of: {known}"),
    }
}

fn split_directives(header: &str) -> Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in header.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&header[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return Err(format!("unterminated quoted string in \"{header}\""));
    }
    parts.push(&header[start..]);
    Ok(parts)
}

fn unquote(value: &str) -> Result<&str, String> {
    if let Some(inner) = value.strip_prefix('"') {
        return inner
            .strip_suffix('"')
            .ok_or_else(|| format!("unterminated quoted string {value}"));
    }
    Ok(value)
}

fn is_token_byte(b: u8) -> bool {
    // RFC 9110 §5.6.2 tchar.
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn seconds(name: &str, value: Option<&str>) -> Result<u64, String> {
    let expected = format!("expected {name}=<seconds>, a non-negative integer");
    let value = value.ok_or_else(|| format!("{name} needs a value; {expected}"))?;
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{name}={value}: {expected}"));
    }
    // All digits: only overflow can fail, and an overflow is past the cap.
    Ok(value
        .parse::<u64>()
        .unwrap_or(u64::MAX)
        .min(DELTA_SECONDS_MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: SimTime = SimTime::from_secs(86_400);

    fn rule(header: &str) -> FreshnessRule {
        match CacheControl::parse(header)
            .unwrap()
            .shared_cache_storage(DAY)
        {
            Storage::Stored(r) => r,
            Storage::NotStored => panic!("{header} not stored"),
        }
    }

    fn secs(s: u64) -> SimTime {
        SimTime::from_secs(s)
    }

    #[test]
    fn parses_the_directives_a_cdn_honours() {
        let cc = CacheControl::parse(
            "public, Max-Age=60, s-maxage=\"120\", stale-while-revalidate=30, stale-if-error=600",
        )
        .unwrap();
        assert!(cc.public);
        assert_eq!(cc.max_age, Some(60));
        assert_eq!(cc.s_maxage, Some(120));
        assert_eq!(cc.stale_while_revalidate, Some(30));
        assert_eq!(cc.stale_if_error, Some(600));
        assert_eq!(CacheControl::parse("").unwrap(), CacheControl::default());
        assert_eq!(
            CacheControl::parse("max-age=99999999999").unwrap().max_age,
            Some(1 << 31)
        );
    }

    #[test]
    fn bad_headers_say_what_was_expected() {
        for (header, needle) in [
            ("max-age=abc", "expected max-age=<seconds>"),
            ("max-age", "needs a value"),
            ("max-age=-1", "non-negative integer"),
            ("max-age=10, max-age=20", "given twice"),
            ("no-store=1", "takes no value"),
            ("max age=10", "is not a directive"),
            ("private=\"x", "unterminated"),
            ("max-agee=10", "did you mean \"max-age\"?"),
            ("x-ext=1", "unknown directive \"x-ext\""),
            ("max-stale=5", "request directive"),
            ("immutable=1", "takes no value"),
        ] {
            let err = CacheControl::parse(header).unwrap_err();
            assert!(err.contains(needle), "{header}: {err}");
        }
    }

    #[test]
    fn s_maxage_overrides_max_age_and_forbids_stale() {
        let r = rule("max-age=60, s-maxage=120, stale-while-revalidate=30, stale-if-error=600");
        assert_eq!(r.lifetime, secs(120));
        assert_eq!(r.stale_while_revalidate_s, 0);
        assert_eq!(r.stale_if_error_s, 0);
    }

    #[test]
    fn must_and_proxy_revalidate_forbid_stale() {
        for h in [
            "max-age=60, must-revalidate",
            "max-age=60, proxy-revalidate",
        ] {
            let r = rule(&format!(
                "{h}, stale-while-revalidate=30, stale-if-error=600"
            ));
            assert_eq!(r, FreshnessRule::ttl(secs(60)), "{h}");
        }
    }

    #[test]
    fn stale_windows_apply_when_nothing_forbids_them() {
        let r = rule("max-age=60, stale-while-revalidate=30, stale-if-error=600");
        assert_eq!(r.lifetime, secs(60));
        assert_eq!(r.stale_while_revalidate_s, 30);
        assert_eq!(r.stale_if_error_s, 600);
    }

    #[test]
    fn no_store_and_private_are_not_stored_no_cache_always_revalidates() {
        let none = CacheControl::parse("no-store, max-age=60").unwrap();
        assert_eq!(none.shared_cache_storage(DAY), Storage::NotStored);
        let private = CacheControl::parse("private, max-age=60").unwrap();
        assert_eq!(private.shared_cache_storage(DAY), Storage::NotStored);
        let r = rule("no-cache, max-age=60, stale-while-revalidate=30");
        assert_eq!(r, FreshnessRule::ttl(SimTime::ZERO));
        assert_eq!(r.expiry(secs(5)).classify(secs(5)), Freshness::Stale);
        // Qualified forms restrict header fields only.
        assert_eq!(
            rule("no-cache=\"Set-Cookie\", max-age=60").lifetime,
            secs(60)
        );
    }

    #[test]
    fn default_ttl_applies_without_a_lifetime() {
        assert_eq!(rule("public").lifetime, DAY);
    }

    #[test]
    fn freshness_is_strict_at_every_boundary() {
        let e = rule("max-age=60, stale-while-revalidate=30, stale-if-error=600").expiry(secs(100));
        assert_eq!(e.classify(secs(159)), Freshness::Fresh);
        assert_eq!(
            e.classify(secs(160)),
            Freshness::StaleWhileRevalidate,
            "age == TTL is stale"
        );
        assert_eq!(e.classify(secs(189)), Freshness::StaleWhileRevalidate);
        assert_eq!(e.classify(secs(190)), Freshness::StaleIfErrorOnly);
        assert_eq!(e.classify(secs(759)), Freshness::StaleIfErrorOnly);
        assert_eq!(e.classify(secs(760)), Freshness::Stale);
    }
}
