//! Measuring a reconnect storm: peak rates in one-second bins (connect
//! attempts, registry writes), peak CPU utilisation in one-second bins, and
//! how long the clients a fault disconnected take to be connected again.
//!
//! Peaks are over fixed one-second bins from time zero, independent of the
//! experiment's time-series grid, so that "peak connects per second" means
//! the same thing in every run.

use crate::engine::{Histogram, SimTime};

/// Width of the bins peaks are taken over.
pub const PEAK_BIN: SimTime = SimTime::from_secs(1);

/// The largest count in any one-second bin.
#[derive(Clone, Debug, Default)]
pub struct PeakRate {
    bin: u64,
    count: u64,
    peak: u64,
}

impl PeakRate {
    /// Counts `n` occurrences at `now` (calls come in time order).
    #[inline]
    pub fn add(&mut self, now: SimTime, n: u64) {
        let bin = now.as_nanos() / PEAK_BIN.as_nanos();
        if bin != self.bin {
            self.peak = self.peak.max(self.count);
            self.bin = bin;
            self.count = 0;
        }
        self.count += n;
    }

    /// The peak per second so far.
    pub fn peak_per_s(&self) -> f64 {
        self.peak.max(self.count) as f64 / PEAK_BIN.as_secs_f64()
    }

    /// Forgets everything (end of the warm-up).
    pub fn reset(&mut self) {
        *self = PeakRate::default();
    }
}

/// The highest utilisation of a multi-server resource (a gateway's cores)
/// in any one-second bin. Service intervals are added when they start;
/// since starts come in time order, bins before the latest start are final.
#[derive(Clone, Debug, Default)]
pub struct BusyPeak {
    /// First bin of `pending`.
    first_bin: u64,
    /// Busy nanoseconds of the bins from `first_bin` on.
    pending: std::collections::VecDeque<u64>,
    peak_busy_ns: u64,
}

impl BusyPeak {
    /// A server is busy over [start, start + service).
    pub fn add(&mut self, start: SimTime, service: SimTime) {
        let bin_ns = PEAK_BIN.as_nanos();
        let first = start.as_nanos() / bin_ns;
        self.finalise_before(first);
        let (mut t, end) = (start.as_nanos(), (start + service).as_nanos());
        while t < end {
            let bin = t / bin_ns;
            let until = ((bin + 1) * bin_ns).min(end);
            let index = bin.saturating_sub(self.first_bin) as usize;
            if self.pending.len() <= index {
                self.pending.resize(index + 1, 0);
            }
            self.pending[index] += until - t;
            t = until;
        }
    }

    fn finalise_before(&mut self, bin: u64) {
        if self.pending.is_empty() {
            self.first_bin = self.first_bin.max(bin);
            return;
        }
        while self.first_bin < bin {
            match self.pending.pop_front() {
                Some(busy) => self.peak_busy_ns = self.peak_busy_ns.max(busy),
                None => {
                    self.first_bin = bin;
                    return;
                }
            }
            self.first_bin += 1;
        }
    }

    /// The peak utilisation of `servers` servers (1.0 = all busy a whole bin).
    pub fn peak_utilisation(&self, servers: u32) -> f64 {
        let busiest = self
            .pending
            .iter()
            .copied()
            .fold(self.peak_busy_ns, u64::max);
        busiest as f64 / (PEAK_BIN.as_nanos() as f64 * servers.max(1) as f64)
    }

    /// Forgets the finished bins (end of the warm-up); work already
    /// started stays in the bins ahead.
    pub fn reset(&mut self, now: SimTime) {
        self.finalise_before(now.as_nanos() / PEAK_BIN.as_nanos());
        self.peak_busy_ns = 0;
    }
}

/// Which clients a fault disconnected and how long each took to be
/// connected again. A client is affected once until it reconnects: a second
/// fault before then does not restart its clock.
#[derive(Clone, Debug, Default)]
pub struct ReconnectTracker {
    /// Per client: 0, or 1 + the index of the fault instant it lost its
    /// connection at. Allocated at the first fault.
    episode_of: Vec<u32>,
    episodes: Vec<SimTime>,
    pub affected: u64,
    pub reconnected: u64,
    /// Reconnections of affected clients per second.
    pub reconnect_rate: PeakRate,
    delays: Histogram,
}

impl ReconnectTracker {
    /// Starts a fault episode at `now` for a population of `clients`.
    pub fn begin(&mut self, now: SimTime, clients: usize) -> u32 {
        if self.episode_of.is_empty() {
            self.episode_of = vec![0; clients];
        }
        self.episodes.push(now);
        self.episodes.len() as u32
    }

    /// Client `c` lost its connection (or attempt) in `episode`.
    pub fn affect(&mut self, c: u32, episode: u32) {
        let slot = &mut self.episode_of[c as usize];
        if *slot == 0 {
            *slot = episode;
            self.affected += 1;
        }
    }

    /// Whether client `c` is still disconnected by a fault.
    #[inline]
    pub fn is_pending(&self, c: u32) -> bool {
        self.episode_of.get(c as usize).is_some_and(|&e| e != 0)
    }

    /// Client `c` is connected again at `now`.
    #[inline]
    pub fn on_connected(&mut self, c: u32, now: SimTime) {
        let Some(slot) = self.episode_of.get_mut(c as usize) else {
            return;
        };
        if *slot == 0 {
            return;
        }
        let since = self.episodes[*slot as usize - 1];
        *slot = 0;
        self.reconnected += 1;
        self.delays.record(now - since);
        self.reconnect_rate.add(now, 1);
    }

    /// Bytes held per population (4 per client once a fault struck).
    pub fn client_state_bytes(&self) -> usize {
        self.episode_of.capacity() * std::mem::size_of::<u32>()
    }

    /// Affected clients not connected again.
    pub fn pending(&self) -> u64 {
        self.affected - self.reconnected
    }

    /// Time until `share` of the affected clients were connected again
    /// (seconds), NaN when fewer than that ever were.
    pub fn time_to_share_s(&self, share: f64) -> f64 {
        if self.affected == 0 {
            return f64::NAN;
        }
        let needed = (share * self.affected as f64).ceil().max(1.0) as u64;
        if needed > self.reconnected {
            return f64::NAN;
        }
        if needed == self.reconnected {
            return self.delays.max().map_or(f64::NAN, |t| t.as_secs_f64());
        }
        let q = needed as f64 / self.reconnected as f64;
        self.delays
            .quantile(q)
            .map_or(f64::NAN, |t| t.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_rate_takes_the_fullest_second() {
        let mut p = PeakRate::default();
        p.add(SimTime::from_millis(100), 3);
        p.add(SimTime::from_millis(1100), 5);
        p.add(SimTime::from_millis(1900), 1);
        p.add(SimTime::from_millis(2000), 2);
        assert_eq!(p.peak_per_s(), 6.0);
    }

    #[test]
    fn busy_peak_splits_service_across_bins() {
        let mut b = BusyPeak::default();
        // Two servers: one busy 0.5..1.5 s, the other 1.2..1.8 s.
        b.add(SimTime::from_millis(500), SimTime::from_millis(1000));
        b.add(SimTime::from_millis(1200), SimTime::from_millis(600));
        // Bin 1 holds 0.5 + 0.6 s of 2 s.
        assert!((b.peak_utilisation(2) - 0.55).abs() < 1e-9);
        b.add(SimTime::from_millis(3000), SimTime::from_millis(2000));
        assert!((b.peak_utilisation(2) - 0.55).abs() < 1e-9);
        b.add(SimTime::from_millis(3000), SimTime::from_millis(1000));
        assert!((b.peak_utilisation(2) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn tracker_times_each_client_from_its_fault() {
        let mut t = ReconnectTracker::default();
        let e = t.begin(SimTime::from_secs(10), 4);
        for c in 0..4 {
            t.affect(c, e);
        }
        t.affect(0, e);
        assert_eq!(t.affected, 4);
        for c in 0..3 {
            t.on_connected(c, SimTime::from_secs(11 + c as u64));
        }
        t.on_connected(0, SimTime::from_secs(20));
        assert_eq!(t.reconnected, 3);
        assert!(t.time_to_share_s(1.0).is_nan());
        assert!((t.time_to_share_s(0.5) - 2.0).abs() < 0.01);
        t.on_connected(3, SimTime::from_secs(30));
        assert_eq!(t.time_to_share_s(1.0), 20.0);
        assert_eq!(t.pending(), 0);
    }
}
