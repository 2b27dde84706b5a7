//! Why connections end and how long a client waits before it connects
//! again: the seam where fault models (crashes, drains, load-balancer idle
//! cuts) and backoff policies plug in.

use rand::RngExt;

use crate::engine::{SimRng, SimTime};

/// Why a connection (or a connection attempt) ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The server recycled the connection at the end of its lifetime (Z11).
    LifetimeEnd,
    /// The load balancer cut a connection with no data for its idle timeout.
    IdleTimeout,
    /// The gateway refused the connection: accepting it would exceed memory,
    /// or no gateway was up.
    Refused,
    /// The connection was not authenticated within `auth_timeout` (Z14).
    AuthTimeout,
}

impl CloseReason {
    /// True when the attempt failed (the client backs off), false when an
    /// established connection ended normally.
    pub fn is_failure(self) -> bool {
        matches!(self, CloseReason::Refused | CloseReason::AuthTimeout)
    }

    pub const ALL: [CloseReason; 4] = [
        CloseReason::LifetimeEnd,
        CloseReason::IdleTimeout,
        CloseReason::Refused,
        CloseReason::AuthTimeout,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The metric name of closes for this reason.
    pub fn metric(self) -> &'static str {
        match self {
            CloseReason::LifetimeEnd => "closes_lifetime",
            CloseReason::IdleTimeout => "closes_idle_timeout",
            CloseReason::Refused => "connects_refused",
            CloseReason::AuthTimeout => "closes_auth_timeout",
        }
    }
}

/// The client's reconnect behaviour.
#[derive(Clone, Debug, PartialEq)]
pub struct ReconnectPolicy {
    /// After a normal close.
    pub delay: SimTime,
    /// Mean delay after a failed attempt, jittered uniformly in [0.5, 1.5).
    pub failure_delay: SimTime,
}

impl ReconnectPolicy {
    /// How long the client waits after a close for `reason`, having failed
    /// `failures` attempts in a row.
    pub fn delay(&self, reason: CloseReason, _failures: u32, rng: &mut SimRng) -> SimTime {
        if reason.is_failure() {
            let u: f64 = rng.random();
            SimTime::from_secs_f64(self.failure_delay.as_secs_f64() * (0.5 + u))
        } else {
            self.delay
        }
    }
}
