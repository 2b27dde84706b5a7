//! Admission limits on new connections: a server accepts a bounded rate of
//! new connections (each costs a TLS handshake and an authentication) and
//! refuses the rest, so that a reconnect storm is turned away cheaply
//! instead of queueing work that times out. Mail.Ru's fix for their
//! WebSocket self-DDoS was exactly this: stop accepting when overloaded and
//! cap accepts with a pool (REFERENCES B12).

use serde::Deserialize;

use crate::engine::SimTime;
use crate::units::{Count, Rate};

/// `[push.admission]`: per-gateway limits on new connections. Absent
/// limits do not apply; with none, only memory and the handshake timeout
/// bound what a gateway takes.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdmissionParams {
    /// New connections accepted per second (a token bucket).
    pub rate: Option<Rate>,
    /// Connections the bucket lets through at once; default: one second's
    /// worth of `rate`.
    pub burst: Option<Count>,
    /// Refuse new connections while more than this many jobs wait for the
    /// gateway's CPU (an overloaded server stops accepting).
    pub max_cpu_queue: Option<Count>,
}

impl AdmissionParams {
    /// Checks the parameters: (key, message) for each problem.
    pub fn validate(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if let Some(r) = self.rate
            && !(r.0 > 0.0 && r.0.is_finite())
        {
            problems.push((
                "rate",
                format!(
                    "expected an accept rate above zero, e.g. \"2000/s\", got {}",
                    r.0
                ),
            ));
        }
        if self.burst.is_some() && self.rate.is_none() {
            problems.push(("burst", "`burst` goes with a `rate`".to_string()));
        }
        if self.burst.is_some_and(|b| b.0 == 0) {
            problems.push((
                "burst",
                "the burst must let at least one connection through".to_string(),
            ));
        }
        problems
    }

    /// A fresh bucket for one gateway, or `None` without a rate limit.
    pub fn bucket(&self) -> Option<TokenBucket> {
        self.rate.map(|r| {
            let burst = self.burst.map_or(r.0.max(1.0), |b| b.0 as f64);
            TokenBucket::new(r.0, burst)
        })
    }
}

/// A token bucket, full at the start: `rate` tokens per second up to
/// `burst`; each accepted connection takes one.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenBucket {
    rate_per_s: f64,
    burst: f64,
    tokens: f64,
    since: SimTime,
}

impl TokenBucket {
    pub fn new(rate_per_s: f64, burst: f64) -> TokenBucket {
        TokenBucket {
            rate_per_s,
            burst,
            tokens: burst,
            since: SimTime::ZERO,
        }
    }

    /// Takes a token at `now` if there is one.
    pub fn try_take(&mut self, now: SimTime) -> bool {
        self.try_take_n(now, 1.0)
    }

    /// Takes `n` tokens at `now` if there are that many (a bucket of bytes
    /// takes a packet's size).
    pub fn try_take_n(&mut self, now: SimTime, n: f64) -> bool {
        let elapsed = now.saturating_sub(self.since).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate_per_s).min(self.burst);
        self.since = self.since.max(now);
        if self.tokens >= n {
            self.tokens -= n;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_passes_burst_then_rate() {
        let mut b = TokenBucket::new(10.0, 5.0);
        let t0 = SimTime::from_secs(1);
        let first: usize = (0..20).filter(|_| b.try_take(t0)).count();
        assert_eq!(first, 5);
        // One second later: ten more tokens, capped at the burst of five.
        let t1 = SimTime::from_secs(2);
        assert_eq!((0..20).filter(|_| b.try_take(t1)).count(), 5);
        // A tenth of a second: one token.
        let t2 = SimTime::from_millis(2100);
        assert_eq!((0..20).filter(|_| b.try_take(t2)).count(), 1);
    }
}
