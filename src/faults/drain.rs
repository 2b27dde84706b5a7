//! Graceful shutdown strategies for a server that holds long-lived
//! connections, and the pacing of a slow drain. Taking a server out of
//! service decides how its clients come back: all at once (a reconnect
//! storm of the server's size), at a set pace, without reconnecting at all
//! (connections handed to another server), or as Zuul does it.
//!
//! The model owning the server applies the strategy; this module only says
//! how many connections should have been shed by a given instant.

use serde::Deserialize;

use crate::engine::SimTime;
use crate::units::{Duration, Rate};

/// How a server sheds its connections when it is taken out of service,
/// e.g. `shutdown = { strategy = "slow", rate = "200/s" }`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(tag = "strategy", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ShutdownStrategy {
    /// Every connection is told to go away at once.
    #[default]
    AllAtOnce,
    /// Connections are told to go away at a set pace: `rate` per second,
    /// a `share` of those held at the start per second, or all of them
    /// spread evenly over `window`. Whatever is left after `force_after`
    /// goes at once.
    Slow {
        #[serde(default)]
        rate: Option<Rate>,
        #[serde(default)]
        share: Option<f64>,
        #[serde(default)]
        window: Option<Duration>,
        #[serde(default)]
        force_after: Option<Duration>,
    },
    /// Connections are handed to other servers without a reconnect (a
    /// connection-holding proxy re-homing its upstream, or a socket
    /// handoff), at `rate` per second or all at once; each costs `cost` of
    /// CPU on the server that takes it.
    Migrate {
        #[serde(default)]
        rate: Option<Rate>,
        #[serde(default = "default_migrate_cost")]
        cost: Duration,
    },
    /// Zuul's out-of-service handling (REFERENCES Z23, Z24): wait `delay`,
    /// then close each connection after its next response; connections
    /// still open `force_after` later are closed at once.
    Zuul {
        #[serde(default = "default_zuul_delay")]
        delay: Duration,
        #[serde(default = "default_zuul_force_after")]
        force_after: Duration,
    },
}

/// Zuul `ClientConnectionsShutdown.java` (commit 15241fb):
/// `server.outofservice.connections.delay` = 2000 ms.
fn default_zuul_delay() -> Duration {
    Duration(SimTime::from_millis(2000))
}

/// Zuul `ClientConnectionsShutdown.java` (commit 15241fb):
/// `server.outofservice.close.timeout` = 30 s before the force close.
fn default_zuul_force_after() -> Duration {
    Duration(SimTime::from_secs(30))
}

/// Assumption: re-creating a connection's session state (TLS keys,
/// subscriptions) on the receiving server costs about a tenth of a full
/// handshake and authentication, 50 µs.
fn default_migrate_cost() -> Duration {
    Duration(SimTime::from_micros(50))
}

impl ShutdownStrategy {
    /// Checks the parameters: (key, message) on a problem.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        match self {
            ShutdownStrategy::AllAtOnce | ShutdownStrategy::Zuul { .. } => Ok(()),
            ShutdownStrategy::Slow {
                rate,
                share,
                window,
                force_after,
            } => {
                let given = [rate.is_some(), share.is_some(), window.is_some()];
                if given.iter().filter(|&&g| g).count() != 1 {
                    return Err((
                        "rate",
                        "a slow drain needs exactly one pace: `rate` (connections/s), `share` (of its connections per second) or `window`".into(),
                    ));
                }
                if rate.is_some_and(|r| r.0 <= 0.0) {
                    return Err(("rate", "the drain rate must be greater than zero".into()));
                }
                if let Some(s) = share
                    && !(s.is_finite() && *s > 0.0 && *s <= 1.0)
                {
                    return Err((
                        "share",
                        format!("expected a share per second in (0, 1], got {s}"),
                    ));
                }
                if window.is_some_and(|w| w.0 == SimTime::ZERO) {
                    return Err(("window", "the drain window must be longer than zero".into()));
                }
                if force_after.is_some_and(|f| f.0 == SimTime::ZERO) {
                    return Err((
                        "force_after",
                        "`force_after` must be longer than zero (use \"all-at-once\" to close at once)"
                            .into(),
                    ));
                }
                Ok(())
            }
            ShutdownStrategy::Migrate { rate, .. } => {
                if rate.is_some_and(|r| r.0 <= 0.0) {
                    return Err((
                        "rate",
                        "the migration rate must be greater than zero".into(),
                    ));
                }
                Ok(())
            }
        }
    }

    /// Connections shed per second for a server holding `held` at the
    /// start; `None` when they all go at once.
    pub fn pace_per_s(&self, held: u64) -> Option<f64> {
        match self {
            ShutdownStrategy::Slow {
                rate,
                share,
                window,
                ..
            } => rate.map(|r| r.0).or_else(|| {
                share
                    .map(|s| (s * held as f64).max(1.0))
                    .or_else(|| window.map(|w| (held as f64 / w.0.as_secs_f64()).max(1.0)))
            }),
            ShutdownStrategy::Migrate { rate, .. } => rate.map(|r| r.0),
            ShutdownStrategy::AllAtOnce | ShutdownStrategy::Zuul { .. } => None,
        }
    }
}

/// How many connections a paced drain should have shed by each instant:
/// `floor(rate × elapsed)`, so that every second sheds at most
/// `ceil(rate)` and the total is exact however the drain is ticked.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct DrainPacer {
    pub started: SimTime,
    pub rate_per_s: f64,
}

impl DrainPacer {
    /// Connections due by `now` since the start.
    pub fn due_by(&self, now: SimTime) -> u64 {
        let elapsed = now.saturating_sub(self.started).as_secs_f64();
        (self.rate_per_s * elapsed).floor() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strategy(text: &str) -> ShutdownStrategy {
        #[derive(Deserialize)]
        struct W {
            s: ShutdownStrategy,
        }
        toml::from_str::<W>(text).unwrap().s
    }

    #[test]
    fn zuul_defaults_are_its_source_values() {
        let s = strategy(r#"s = { strategy = "zuul" }"#);
        assert_eq!(
            s,
            ShutdownStrategy::Zuul {
                delay: Duration(SimTime::from_millis(2000)),
                force_after: Duration(SimTime::from_secs(30)),
            }
        );
    }

    #[test]
    fn paces() {
        let s = strategy(r#"s = { strategy = "slow", share = 0.01 }"#);
        assert_eq!(s.pace_per_s(50_000), Some(500.0));
        let s = strategy(r#"s = { strategy = "slow", window = "100s" }"#);
        assert_eq!(s.pace_per_s(50_000), Some(500.0));
        assert_eq!(
            strategy(r#"s = { strategy = "all-at-once" }"#).pace_per_s(9),
            None
        );
        let pacer = DrainPacer {
            started: SimTime::from_secs(10),
            rate_per_s: 2.5,
        };
        assert_eq!(pacer.due_by(SimTime::from_secs(10)), 0);
        assert_eq!(pacer.due_by(SimTime::from_millis(10_900)), 2);
        assert_eq!(pacer.due_by(SimTime::from_secs(12)), 5);
    }

    #[test]
    fn a_slow_drain_needs_one_pace() {
        let s = strategy(r#"s = { strategy = "slow" }"#);
        assert_eq!(s.validate().unwrap_err().0, "rate");
        let s = strategy(r#"s = { strategy = "slow", rate = "5/s", window = "1s" }"#);
        assert_eq!(s.validate().unwrap_err().0, "rate");
        let s = strategy(r#"s = { strategy = "slow", share = 2 }"#);
        assert_eq!(s.validate().unwrap_err().0, "share");
    }
}
