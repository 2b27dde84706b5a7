//! Why connections end and how long a client waits before it connects
//! again: the seam where fault models (crashes, drains, load-balancer idle
//! cuts) and backoff policies plug in.
//!
//! A client tells three kinds of ends apart: the server asked it to go
//! (lifetime end, a drain's go-away) and it reconnects after `delay`; the
//! connection dropped without a word (crash, idle cut) and it starts its
//! backoff; an attempt failed (refused, handshake timed out) and it backs
//! off further. The backoff is a [`RetryPolicy`] (REFERENCES §2.1).
//!
//! [`PushModel::retry_delay`] is the one place a retry delay is drawn: for
//! a client after a close, for a long poll that found no gateway, and for
//! a client that found no room at time zero.

use rand::RngExt;

use super::model::PushModel;
use crate::engine::{SimRng, SimTime};
use crate::faults::backoff::{RetryPolicy, RetryState};

/// The most attempts a client slot counts (`Client::failures`, 8 bits).
pub const MAX_ATTEMPTS: u32 = u8::MAX as u32;

/// Why a connection (or a connection attempt) ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The server recycled the connection at the end of its lifetime (Z11).
    LifetimeEnd,
    /// The load balancer cut a connection with no data for its idle timeout.
    IdleTimeout,
    /// The gateway refused the connection: accepting it would exceed memory
    /// or an admission limit, or no gateway was up.
    Refused,
    /// The connection was not authenticated within `auth_timeout` (Z14).
    AuthTimeout,
    /// The gateway crashed under the connection.
    Crash,
    /// The gateway, going out of service, asked the client to go away.
    Drain,
}

/// How the client sees an end.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CloseKind {
    /// The server said goodbye.
    Graceful,
    /// The connection vanished.
    Dropped,
    /// The attempt failed.
    Failed,
}

impl CloseReason {
    /// How the client sees this end.
    pub fn kind(self) -> CloseKind {
        match self {
            CloseReason::LifetimeEnd | CloseReason::Drain => CloseKind::Graceful,
            CloseReason::IdleTimeout | CloseReason::Crash => CloseKind::Dropped,
            CloseReason::Refused | CloseReason::AuthTimeout => CloseKind::Failed,
        }
    }

    pub const COUNT: usize = 6;

    pub const ALL: [CloseReason; CloseReason::COUNT] = [
        CloseReason::LifetimeEnd,
        CloseReason::IdleTimeout,
        CloseReason::Refused,
        CloseReason::AuthTimeout,
        CloseReason::Crash,
        CloseReason::Drain,
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
            CloseReason::Crash => "closes_crash",
            CloseReason::Drain => "closes_drain",
        }
    }
}

/// The client's reconnect behaviour.
#[derive(Clone, Debug, PartialEq)]
pub struct ReconnectPolicy {
    /// After a graceful close.
    pub delay: SimTime,
    /// Without a backoff policy: the mean delay after a failed attempt,
    /// jittered uniformly in [0.5, 1.5).
    pub failure_delay: SimTime,
    /// After a dropped connection (its first retry) and after each failed
    /// attempt; without it a dropped connection reconnects after `delay`.
    pub backoff: Option<RetryPolicy>,
}

impl ReconnectPolicy {
    /// How long the client waits after a close for `reason`, advancing its
    /// retry `state`; `None` when the client gives up (`max_attempts`).
    pub fn delay(
        &self,
        reason: CloseReason,
        state: &mut RetryState,
        rng: &mut SimRng,
    ) -> Option<SimTime> {
        match (reason.kind(), &self.backoff) {
            (CloseKind::Graceful, _) | (CloseKind::Dropped, None) => {
                state.reset();
                Some(self.delay)
            }
            (CloseKind::Dropped, Some(policy)) => {
                state.reset();
                policy.next_delay(state, rng)
            }
            (CloseKind::Failed, Some(policy)) => policy.next_delay(state, rng),
            (CloseKind::Failed, None) => {
                *state = RetryState::resume(state.attempt.saturating_add(1), 0);
                let u: f64 = rng.random();
                Some(SimTime::from_secs_f64(
                    self.failure_delay.as_secs_f64() * (0.5 + u),
                ))
            }
        }
    }
}

/// The reconnect policy and what it remembers across a client's attempts
/// beyond its slot.
pub struct Reconnects {
    pub(super) policy: ReconnectPolicy,
    /// Decorrelated jitter's previous sleep per client (empty for the
    /// other policies and for polling).
    pub(super) previous_ns: Vec<u64>,
    /// Clients that used up their attempts and stay disconnected.
    pub(super) gave_up: u64,
}

impl Reconnects {
    /// Bytes of per-client state (decorrelated jitter's previous sleep).
    pub fn client_state_bytes(&self) -> usize {
        self.previous_ns.capacity() * std::mem::size_of::<u64>()
    }
}

/// Whose next attempt a delay is for: where its retry state lives and
/// which stream it draws from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Client `c`'s connection or attempt ended for `reason`: its attempts
    /// so far are in its slot (decorrelated jitter's previous sleep in
    /// [`Reconnects`]); stream `push/reconnect`.
    Close(u32, CloseReason),
    /// A long poll found no gateway up. A poller keeps no retry state: each
    /// retry is a first failed attempt, and it never gives up; stream
    /// `push/reconnect`.
    Poll,
    /// A client found no room at time zero. In the steady state a run
    /// starts in, it is already part-way through a failure delay, so what
    /// is left is uniform in [0, failure_delay); stream `push/initial`.
    Start,
}

impl PushModel {
    /// The delay before the next attempt of `retry`, advancing the retry
    /// state it has; `None`: the client gives up (`max_attempts`).
    #[inline]
    pub fn retry_delay(&mut self, retry: Retry) -> Option<SimTime> {
        let r = &mut self.reconnects;
        match retry {
            Retry::Close(c, reason) => {
                let i = c as usize;
                let previous = r.previous_ns.get(i).copied().unwrap_or(0);
                let mut state = RetryState::resume(self.clients[i].failures as u32, previous);
                let delay = r.policy.delay(reason, &mut state, &mut self.rng.reconnect);
                self.clients[i].failures = state.attempt.min(MAX_ATTEMPTS) as u8;
                if let Some(p) = r.previous_ns.get_mut(i) {
                    *p = state.previous_ns();
                }
                delay
            }
            Retry::Poll => {
                let mut first_failure = RetryState::default();
                let delay = r.policy.delay(
                    CloseReason::Refused,
                    &mut first_failure,
                    &mut self.rng.reconnect,
                );
                Some(delay.unwrap_or(r.policy.failure_delay))
            }
            Retry::Start => {
                let u: f64 = self.rng.initial.random();
                let left = u * r.policy.failure_delay.as_secs_f64();
                Some(SimTime::from_secs_f64(left))
            }
        }
    }

    /// Client `c` has used up its attempts: it stays disconnected.
    pub fn give_up(&mut self, c: u32) {
        self.cancel_deadline(c);
        self.reconnects.gave_up += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Streams;
    use crate::units::Duration;

    #[test]
    fn a_drop_starts_the_backoff_and_failures_continue_it() {
        let policy = ReconnectPolicy {
            delay: SimTime::ZERO,
            failure_delay: SimTime::from_secs(5),
            backoff: Some(RetryPolicy::Exponential {
                base: Duration(SimTime::from_secs(1)),
                cap: Duration(SimTime::from_secs(60)),
                max_attempts: Some(3),
            }),
        };
        let mut rng = Streams::new(1).stream("t", 0);
        let mut state = RetryState::default();
        let mut next = |reason| policy.delay(reason, &mut state, &mut rng);
        assert_eq!(next(CloseReason::Crash), Some(SimTime::from_secs(2)));
        assert_eq!(next(CloseReason::Refused), Some(SimTime::from_secs(4)));
        assert_eq!(next(CloseReason::AuthTimeout), Some(SimTime::from_secs(8)));
        assert_eq!(next(CloseReason::Refused), None);
        assert_eq!(next(CloseReason::LifetimeEnd), Some(SimTime::ZERO));
        assert_eq!(next(CloseReason::IdleTimeout), Some(SimTime::from_secs(2)));
    }
}
