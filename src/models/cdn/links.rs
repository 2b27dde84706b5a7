//! Links with finite bandwidth, as FIFO fluid queues without events.
//!
//! A link remembers when it will have sent everything already handed to it
//! (`free_at`). A transfer of n bytes that starts at `now` occupies it from
//! `max(now, free_at)` for `8 n / bandwidth`. A response that crosses several
//! links (PoP egress, the access link) is pipelined through them: it ends
//! when the slowest of them has sent it. Overload therefore shows as latency
//! that grows with the backlog, and no event is scheduled per transfer.

use crate::engine::SimTime;
use crate::engine::time::ceil_to_u64;

/// One link (or egress port) of finite bandwidth.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Link {
    free_at: SimTime,
    ns_per_byte: f64,
    /// Bytes sent since the last reset.
    pub bytes: u64,
}

impl Link {
    /// A link of `bits_per_s` (above zero).
    pub fn new(bits_per_s: f64) -> Link {
        Link {
            free_at: SimTime::ZERO,
            ns_per_byte: 8e9 / bits_per_s,
            bytes: 0,
        }
    }

    /// When a transfer of `bytes` handed over at `now` would be sent.
    #[inline]
    pub fn finish(&self, now: SimTime, bytes: u64) -> SimTime {
        let start = self.free_at.max(now);
        start + self.serialisation(bytes)
    }

    /// Sends `bytes` handed over at `now`; returns when they are sent.
    #[inline]
    pub fn send(&mut self, now: SimTime, bytes: u64) -> SimTime {
        let done = self.finish(now, bytes);
        self.free_at = done;
        self.bytes += bytes;
        done
    }

    /// Time to send `bytes` on an idle link.
    #[inline]
    pub fn serialisation(&self, bytes: u64) -> SimTime {
        SimTime::from_nanos(ceil_to_u64(bytes as f64 * self.ns_per_byte))
    }
}

/// Extra round trips of TCP slow start for a response of `bytes` on a new
/// connection with initial window `initial_window` bytes: the window doubles
/// each round trip, so k rounds carry `initial_window * (2^k - 1)` bytes; the
/// first round rides on the request's own round trip. 0 when slow start is off.
#[inline]
pub fn slow_start_rounds(bytes: u64, initial_window: u64) -> u32 {
    if initial_window == 0 || bytes <= initial_window {
        return 0;
    }
    let windows = bytes.div_ceil(initial_window);
    // Smallest k with 2^k - 1 >= windows, i.e. ceil(log2(windows + 1)).
    let k = 64 - windows.leading_zeros();
    k - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfers_queue_behind_each_other() {
        let mut link = Link::new(8e9); // 1 byte per ns
        let a = link.send(SimTime::from_nanos(100), 1_000);
        assert_eq!(a, SimTime::from_nanos(1_100));
        // Handed over while the first is still sending: waits for it.
        let b = link.send(SimTime::from_nanos(500), 1_000);
        assert_eq!(b, SimTime::from_nanos(2_100));
        // After an idle gap: starts at once.
        let c = link.send(SimTime::from_nanos(5_000), 10);
        assert_eq!(c, SimTime::from_nanos(5_010));
        assert_eq!(link.bytes, 2_010);
    }

    #[test]
    fn slow_start_round_trips() {
        let iw = 14_600;
        assert_eq!(slow_start_rounds(1_000, iw), 0);
        assert_eq!(slow_start_rounds(14_600, iw), 0);
        // 2 windows: 1 + 2 = 3 windows after two rounds.
        assert_eq!(slow_start_rounds(14_601, iw), 1);
        assert_eq!(slow_start_rounds(3 * 14_600, iw), 1);
        assert_eq!(slow_start_rounds(3 * 14_600 + 1, iw), 2);
        // 1 MB = 69 windows: 2^7 - 1 = 127 >= 69, so 7 rounds, 6 extra.
        assert_eq!(slow_start_rounds(1_000_000, iw), 6);
        assert_eq!(slow_start_rounds(1_000_000, 0), 0);
    }
}
