//! A client slot of a persistent transport, packed: 36 bytes, no heap
//! allocation, 300 million of them in one run (`docs/push.md`, "State per
//! client").
//!
//! The four instants a slot keeps (its deadline, its lifetime end, its
//! idle cut, its ping phase) are nanoseconds in 48 bits, stored as a low
//! `u32` and a high `u16` so that the slot packs to 4-byte alignment with
//! no padding. 2^48 ns is 78 hours: a run's horizon and ping interval must
//! stay below it ([`window_problem`], `check`); an instant at or beyond it can only
//! lie after the horizon, and is kept as "never" (`u64::MAX`), which every
//! comparison with an instant inside the run treats alike.

use super::model::ConnState;
use super::params::PushParams;
use crate::engine::SimTime;

/// The largest instant a slot holds exactly; it and beyond read as "never".
pub const MAX_INSTANT_NS: u64 = (1 << 48) - 1;

const DEADLINE: usize = 0;
const LIFETIME_END: usize = 1;
const IDLE_AT: usize = 2;
const PHASE: usize = 3;

/// A client of a persistent transport.
#[derive(Copy, Clone, Debug)]
pub struct Client {
    /// Low 32 bits of the four instants (deadline, lifetime end, idle cut,
    /// ping phase).
    lo: [u32; 4],
    /// Bumped at every connection attempt and close: events of an older
    /// connection are stale.
    pub generation: u32,
    /// Bumped whenever the deadline changes: older timer events are stale.
    pub timer: u32,
    /// High 16 bits of the four instants.
    hi: [u16; 4],
    pub gateway: u16,
    pub state: ConnState,
    /// Failed attempts in a row (saturating).
    pub failures: u8,
}

impl Client {
    /// A disconnected client with no deadline.
    pub fn empty(gateway: u16) -> Client {
        let mut c = Client {
            lo: [0; 4],
            generation: 0,
            timer: 0,
            hi: [0; 4],
            gateway,
            state: ConnState::Disconnected,
            failures: 0,
        };
        c.set_deadline_ns(u64::MAX);
        c.set_idle_at_ns(u64::MAX);
        c
    }

    #[inline]
    fn get(&self, i: usize) -> u64 {
        let v = (self.hi[i] as u64) << 32 | self.lo[i] as u64;
        if v == MAX_INSTANT_NS { u64::MAX } else { v }
    }

    #[inline]
    fn set(&mut self, i: usize, v: u64) {
        let v = v.min(MAX_INSTANT_NS);
        self.lo[i] = v as u32;
        self.hi[i] = (v >> 32) as u16;
    }

    /// The next instant something happens to this client by itself.
    #[inline]
    pub fn deadline_ns(&self) -> u64 {
        self.get(DEADLINE)
    }

    #[inline]
    pub fn set_deadline_ns(&mut self, v: u64) {
        self.set(DEADLINE, v)
    }

    /// Registered: when the lifetime ends. Connecting to Registering: when
    /// the attempt began (for the connect latency).
    #[inline]
    pub fn lifetime_end_ns(&self) -> u64 {
        self.get(LIFETIME_END)
    }

    #[inline]
    pub fn set_lifetime_end_ns(&mut self, v: u64) {
        self.set(LIFETIME_END, v)
    }

    /// When the balancer cuts the connection if nothing passes before:
    /// last data + idle timeout.
    #[inline]
    pub fn idle_at_ns(&self) -> u64 {
        self.get(IDLE_AT)
    }

    #[inline]
    pub fn set_idle_at_ns(&mut self, v: u64) {
        self.set(IDLE_AT, v)
    }

    /// Registered: pings go out at instants congruent to this modulo the
    /// ping interval. Handshaking: the accept instant.
    #[inline]
    pub fn phase_ns(&self) -> u64 {
        self.get(PHASE)
    }

    #[inline]
    pub fn set_phase_ns(&mut self, v: u64) {
        self.set(PHASE, v)
    }
}

/// A run whose slots hold every instant that matters exactly: a horizon
/// below 2^48 ns (78 hours) with persistent connections; (key, message)
/// otherwise. The ping interval's bound is in `check`.
pub fn window_problem(p: &PushParams, horizon: SimTime) -> Option<(String, String)> {
    let limit = SimTime::from_nanos(MAX_INSTANT_NS);
    (p.transport.is_persistent() && horizon >= limit).then(|| {
        (
            "run.duration".to_string(),
            format!(
                "a push run with persistent connections must end before {:.0} h (client slots \
                 keep instants in 48 bits), got {:.0} h",
                limit.as_secs_f64() / 3600.0,
                horizon.as_secs_f64() / 3600.0
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_in_48_bits_and_saturate_to_never() {
        let mut c = Client::empty(u16::MAX);
        assert_eq!(c.deadline_ns(), u64::MAX);
        assert_eq!(c.idle_at_ns(), u64::MAX);
        for v in [
            0,
            1,
            u32::MAX as u64,
            1 << 32,
            600_000_000_000,
            MAX_INSTANT_NS - 1,
        ] {
            c.set_lifetime_end_ns(v);
            c.set_phase_ns(v / 2);
            assert_eq!(c.lifetime_end_ns(), v);
            assert_eq!(c.phase_ns(), v / 2);
        }
        c.set_deadline_ns(MAX_INSTANT_NS);
        assert_eq!(c.deadline_ns(), u64::MAX);
        c.set_deadline_ns(u64::MAX - 5);
        assert_eq!(c.deadline_ns(), u64::MAX);
        assert_eq!(std::mem::size_of::<Client>(), 36);
    }
}
