//! Denial-of-service attacks: a botnet sends HTTP requests at a rate from
//! the regions its bots sit in, for a window of time, on top of the regular
//! workload.
//!
//! The mix says what the requests ask for: `cacheable` requests ask for one
//! object of the catalogue (the one at `rank`), which a CDN serves from its
//! caches; `cache_busting` requests ask for the same object with a unique
//! query string, so every one is a miss that goes upstream (and whose copy
//! pushes legitimate content out of the caches). Each bot is one source
//! address: an edge rate limit per address sees `rate / bots` from each.
//!
//! Where the requests land is the routing's answer for the bots' own
//! networks. `resolve = "once"` (the default, how floods are usually run:
//! the tool resolves the name once and every bot is handed the address)
//! means that under geo-DNS every bot sends to the one PoP the name
//! resolved to, while under anycast the one address is announced by every
//! PoP and each bot still lands in its own catchment. `resolve = "each"`
//! lets each bot resolve for itself.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::units::{Count, Duration, Rate};

/// The most bots (source addresses) of one attack: each keeps a token
/// bucket for the edge rate limit (32 bytes).
pub const MAX_BOTS: u64 = 1_000_000;
/// The highest attack rate, as for the catalogue's request rate.
pub const MAX_RATE_PER_S: f64 = 1e7;
/// The most requests of all attacks of a run (each is at least one event).
pub const MAX_ATTACK_REQUESTS: f64 = 2e9;

/// What the attack's requests ask for (shares summing to 1).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttackMix {
    /// The object at the attack's rank, as is.
    pub cacheable: f64,
    /// The same object with a unique query string: never in any cache.
    pub cache_busting: f64,
}

impl Default for AttackMix {
    fn default() -> AttackMix {
        AttackMix {
            cacheable: 1.0,
            cache_busting: 0.0,
        }
    }
}

/// How the bots find their target.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resolve {
    /// The name is resolved once and every bot gets that address.
    #[default]
    Once,
    /// Each bot resolves the name through its own resolver.
    Each,
}

/// One attack (`[[cdn.attack]]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttackSpec {
    /// When it starts.
    pub at: Duration,
    /// How long it lasts.
    pub duration: Duration,
    /// Its request rate, over all its bots.
    pub rate: Rate,
    /// Source addresses; each sends `rate / bots`.
    #[serde(default = "default_bots")]
    pub bots: Count,
    /// Region name -> share of the bots; empty: every region, by population.
    #[serde(default)]
    pub sources: BTreeMap<String, f64>,
    #[serde(default)]
    pub mix: AttackMix,
    /// The popularity rank of the object it asks for (0: the most popular).
    #[serde(default)]
    pub rank: Count,
    #[serde(default)]
    pub resolve: Resolve,
}

fn default_bots() -> Count {
    Count(10_000)
}

impl AttackSpec {
    /// The key and complaint of the first bad parameter (region names are
    /// checked by the model, which knows the world).
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if self.duration.0.as_nanos() == 0 {
            return Some((
                "duration",
                "an attack must last longer than zero, e.g. \"2min\"".into(),
            ));
        }
        let rate = self.rate.0;
        if !(rate > 0.0 && rate <= MAX_RATE_PER_S) {
            return Some((
                "rate",
                format!("expected a rate above zero and at most 10M/s, got {rate}/s"),
            ));
        }
        if self.bots.0 == 0 || self.bots.0 > MAX_BOTS {
            return Some((
                "bots",
                format!("expected 1 to 1M bots, got {}", self.bots.0),
            ));
        }
        let share = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
        let m = &self.mix;
        if !share(m.cacheable) || !share(m.cache_busting) {
            return Some(("mix", "expected shares from 0 to 1".into()));
        }
        if (m.cacheable + m.cache_busting - 1.0).abs() > 1e-9 {
            return Some((
                "mix",
                format!(
                    "expected cacheable + cache_busting = 1, got {}",
                    m.cacheable + m.cache_busting
                ),
            ));
        }
        for (region, &s) in &self.sources {
            if !(s.is_finite() && s > 0.0) {
                return Some((
                    "sources",
                    format!("expected a share above zero for {region:?}, got {s}"),
                ));
            }
        }
        None
    }

    /// Requests it sends over its whole window, on average.
    pub fn expected_requests(&self) -> f64 {
        self.rate.0 * self.duration.0.as_secs_f64()
    }
}
