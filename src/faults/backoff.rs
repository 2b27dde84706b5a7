//! Client retry and reconnect policies: immediate, fixed delay, exponential,
//! and exponential with full, equal or decorrelated jitter, exactly as
//! defined by M. Brooker, "Exponential Backoff And Jitter", AWS Architecture
//! Blog, 2015, and its simulator (aws-samples/aws-arch-backoff-simulator,
//! `backoff_simulator.py`):
//!
//! - `expo(n) = min(cap, base * 2^n)`; the attempt counter is incremented
//!   before the first backoff, so the first retry uses n = 1;
//! - exponential: `expo(n)`; full jitter: `U(0, expo(n))`; equal jitter:
//!   `expo(n)/2 + U(0, expo(n)/2)`; decorrelated:
//!   `sleep = min(cap, U(base, 3 * sleep))` with `sleep` starting at `base`.

use rand::RngExt;
use serde::Deserialize;

use crate::engine::{SimRng, SimTime};
use crate::units::Duration;

/// A retry policy as written in experiment files, e.g.
/// `{ policy = "full-jitter", base = "1s", cap = "60s" }`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "policy", rename_all = "kebab-case", deny_unknown_fields)]
pub enum RetryPolicy {
    /// Retry at once.
    Immediate {
        #[serde(default)]
        max_attempts: Option<u32>,
    },
    /// Retry after a fixed delay.
    Fixed {
        delay: Duration,
        #[serde(default)]
        max_attempts: Option<u32>,
    },
    /// `min(cap, base * 2^n)`.
    Exponential {
        base: Duration,
        cap: Duration,
        #[serde(default)]
        max_attempts: Option<u32>,
    },
    /// `U(0, min(cap, base * 2^n))`.
    FullJitter {
        base: Duration,
        cap: Duration,
        #[serde(default)]
        max_attempts: Option<u32>,
    },
    /// `v/2 + U(0, v/2)` with `v = min(cap, base * 2^n)`.
    EqualJitter {
        base: Duration,
        cap: Duration,
        #[serde(default)]
        max_attempts: Option<u32>,
    },
    /// `min(cap, U(base, 3 * previous))`, previous starting at `base`.
    Decorrelated {
        base: Duration,
        cap: Duration,
        #[serde(default)]
        max_attempts: Option<u32>,
    },
}

/// The per-client memory of a policy: the attempt count and, for
/// decorrelated jitter, the previous sleep.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct RetryState {
    pub attempt: u32,
    previous_ns: u64,
}

impl RetryState {
    /// Forgets past failures (after a success).
    pub fn reset(&mut self) {
        *self = RetryState::default();
    }

    /// A state rebuilt from what a model stores per client: the attempts
    /// so far and the previous sleep (decorrelated jitter only).
    pub fn resume(attempt: u32, previous_ns: u64) -> RetryState {
        RetryState {
            attempt,
            previous_ns,
        }
    }

    /// The previous sleep of decorrelated jitter, in nanoseconds (0 before
    /// the first).
    pub fn previous_ns(&self) -> u64 {
        self.previous_ns
    }
}

impl RetryPolicy {
    /// The attempts after which the client gives up, if bounded.
    pub fn max_attempts(&self) -> Option<u32> {
        match self {
            RetryPolicy::Immediate { max_attempts }
            | RetryPolicy::Fixed { max_attempts, .. }
            | RetryPolicy::Exponential { max_attempts, .. }
            | RetryPolicy::FullJitter { max_attempts, .. }
            | RetryPolicy::EqualJitter { max_attempts, .. }
            | RetryPolicy::Decorrelated { max_attempts, .. } => *max_attempts,
        }
    }

    /// Whether the policy remembers its previous sleep (decorrelated jitter).
    pub fn needs_previous(&self) -> bool {
        matches!(self, RetryPolicy::Decorrelated { .. })
    }

    fn base_cap(&self) -> Option<(SimTime, SimTime)> {
        match self {
            RetryPolicy::Exponential { base, cap, .. }
            | RetryPolicy::FullJitter { base, cap, .. }
            | RetryPolicy::EqualJitter { base, cap, .. }
            | RetryPolicy::Decorrelated { base, cap, .. } => Some((base.0, cap.0)),
            _ => None,
        }
    }

    /// Checks the parameters: (key, message) on a problem.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if let Some((base, cap)) = self.base_cap() {
            if base == SimTime::ZERO {
                return Err(("base", "`base` must be greater than zero".into()));
            }
            if cap < base {
                return Err((
                    "cap",
                    format!("`cap` ({cap}) must not be below `base` ({base})"),
                ));
            }
        }
        if self.max_attempts() == Some(0) {
            return Err(("max_attempts", "`max_attempts` must be at least 1".into()));
        }
        Ok(())
    }

    /// The delay before the next attempt after a failure, advancing `state`;
    /// `None` when the policy gives up (`max_attempts` reached).
    pub fn next_delay(&self, state: &mut RetryState, rng: &mut SimRng) -> Option<SimTime> {
        state.attempt = state.attempt.saturating_add(1);
        if self.max_attempts().is_some_and(|m| state.attempt > m) {
            return None;
        }
        let n = state.attempt;
        let expo = |base: SimTime, cap: SimTime| -> u64 {
            // min(cap, base * 2^n) without overflow for large n.
            let shifted = if n >= 63 {
                u64::MAX
            } else {
                base.as_nanos().saturating_mul(1 << n)
            };
            shifted.min(cap.as_nanos())
        };
        let ns = match self {
            RetryPolicy::Immediate { .. } => 0,
            RetryPolicy::Fixed { delay, .. } => delay.0.as_nanos(),
            RetryPolicy::Exponential { base, cap, .. } => expo(base.0, cap.0),
            RetryPolicy::FullJitter { base, cap, .. } => uniform(rng, 0, expo(base.0, cap.0)),
            RetryPolicy::EqualJitter { base, cap, .. } => {
                let v = expo(base.0, cap.0);
                v / 2 + uniform(rng, 0, v / 2)
            }
            RetryPolicy::Decorrelated { base, cap, .. } => {
                let previous = if state.previous_ns == 0 {
                    base.0.as_nanos()
                } else {
                    state.previous_ns
                };
                let drawn = uniform(rng, base.0.as_nanos(), previous.saturating_mul(3));
                let sleep = drawn.min(cap.0.as_nanos());
                state.previous_ns = sleep;
                sleep
            }
        };
        Some(SimTime::from_nanos(ns))
    }
}

/// A uniform draw on [low, high] in nanoseconds (continuous, as the reference
/// simulator's `random.uniform`, rounded to the nanosecond).
fn uniform(rng: &mut SimRng, low: u64, high: u64) -> u64 {
    if high <= low {
        return low;
    }
    let u: f64 = rng.random();
    low + (u * (high - low) as f64).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Streams;

    fn policy(text: &str) -> RetryPolicy {
        #[derive(Deserialize)]
        struct W {
            p: RetryPolicy,
        }
        toml::from_str::<W>(text).unwrap().p
    }

    #[test]
    fn exponential_doubles_from_the_first_retry_and_caps() {
        let p = policy(r#"p = { policy = "exponential", base = "5ms", cap = "2000ms" }"#);
        let mut rng = Streams::new(1).stream("t", 0);
        let mut state = RetryState::default();
        let delays: Vec<u64> = (0..10)
            .map(|_| p.next_delay(&mut state, &mut rng).unwrap().as_nanos() / 1_000_000)
            .collect();
        assert_eq!(
            delays,
            vec![10, 20, 40, 80, 160, 320, 640, 1280, 2000, 2000]
        );
    }

    #[test]
    fn jittered_policies_stay_in_their_ranges() {
        let mut rng = Streams::new(2).stream("t", 0);
        for kind in ["full-jitter", "equal-jitter", "decorrelated"] {
            let p = policy(&format!(
                r#"p = {{ policy = "{kind}", base = "5ms", cap = "2000ms" }}"#
            ));
            let mut state = RetryState::default();
            for _ in 0..1000 {
                let n = state.attempt + 1;
                let v = (5u64 << n.min(40)).min(2000) * 1_000_000;
                let d = p.next_delay(&mut state, &mut rng).unwrap().as_nanos();
                match kind {
                    "full-jitter" => assert!(d <= v),
                    "equal-jitter" => assert!(d >= v / 2 && d <= v),
                    _ => assert!((5_000_000..=2_000_000_000).contains(&d)),
                }
            }
        }
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let p = policy(r#"p = { policy = "fixed", delay = "1s", max_attempts = 2 }"#);
        let mut rng = Streams::new(3).stream("t", 0);
        let mut state = RetryState::default();
        assert!(p.next_delay(&mut state, &mut rng).is_some());
        assert!(p.next_delay(&mut state, &mut rng).is_some());
        assert!(p.next_delay(&mut state, &mut rng).is_none());
    }

    #[test]
    fn validation() {
        let p = policy(r#"p = { policy = "full-jitter", base = "2s", cap = "1s" }"#);
        assert_eq!(p.validate().unwrap_err().0, "cap");
        let p = policy(r#"p = { policy = "exponential", base = 0, cap = "1s" }"#);
        assert_eq!(p.validate().unwrap_err().0, "base");
    }
}
