//! Changing content: each object of a class with an update process gets
//! new versions at the origin, and a cached copy is stale once the origin
//! has a newer version than the one it holds.
//!
//! The update times are a function of the object, not a state: nothing is
//! stored per object and the answer never depends on the order in which
//! objects are asked about.
//!
//! - Poisson at rate mu (`update_rate`): time is cut into windows of
//!   `W = 1/mu`; window k of object o holds `N ~ Poisson(mu W)` updates at
//!   uniform positions, both drawn from a hash of (run key, o, k). The
//!   windows are independent, so the points form a Poisson process of rate
//!   mu exactly (in whole nanoseconds).
//! - A schedule (`update_every` P): updates at `phase + k P`, the phase
//!   uniform in [0, P) from a hash of the object (so objects do not change
//!   all at once).
//!
//! - Aligned (a live playlist): updates at every whole multiple of the
//!   period, the same instants for every object (a new segment completes).
//! - Published by a purge (`[[cdn.purge]] publish = true`): the purged
//!   objects get a new version at the purge's `at`, the usual reason to purge.
//!
//! A copy's content is the origin's version at the copy's content time
//! (when the origin last answered for it, a 200 or a 304); it is stale at
//! `now` when an update fell in (content time, now].

use crate::engine::SimTime;
use crate::engine::rng::{mix2, splitmix64};

/// How the objects of one class change.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Update {
    /// Never.
    Never,
    /// Poisson updates, one per `window_ns` on average.
    Poisson { window_ns: u64 },
    /// Every `period_ns`, at a phase of its own per object.
    Every { period_ns: u64 },
    /// At every whole multiple of `period_ns` (k >= 1), for every object.
    Aligned { period_ns: u64 },
}

/// The most updates a Poisson window is given (its mean is 1; more than
/// 40 has probability below 1e-48).
const MAX_PER_WINDOW: u64 = 40;

/// The update processes of the content classes.
#[derive(Clone, Debug)]
pub struct Versions {
    by_class: Vec<Update>,
    key: u64,
    /// Purges that publish: every object may change, at the purges' times.
    publishes: bool,
    /// The publications so far: when, and the object ids (sorted).
    published: Vec<(SimTime, Vec<u64>)>,
}

impl Versions {
    /// Update processes by class index (a class past the end never changes).
    pub fn new(by_class: Vec<Update>, key: u64) -> Versions {
        Versions {
            by_class,
            key,
            publishes: false,
            published: Vec::new(),
        }
    }

    /// Purges will publish new versions: content of every class is tracked.
    pub fn with_publishing_purges(mut self, on: bool) -> Versions {
        self.publishes = on;
        self
    }

    /// A purge published new versions of `ids` at `at`.
    pub fn publish(&mut self, at: SimTime, mut ids: Vec<u64>) {
        ids.sort_unstable();
        ids.dedup();
        self.published.push((at, ids));
    }

    /// Whether objects of `class` change.
    #[inline]
    pub fn changes(&self, class: u8) -> bool {
        self.publishes || self.process(class) != Update::Never
    }

    /// Whether any class changes.
    pub fn any(&self) -> bool {
        self.publishes || self.by_class.iter().any(|u| *u != Update::Never)
    }

    /// The latest publication of `object` in (`after`, `until`], if any.
    pub fn published_in(&self, object: u64, after: SimTime, until: SimTime) -> Option<SimTime> {
        (self.published.iter().rev())
            .filter(|(at, _)| *at > after && *at <= until)
            .find(|(_, ids)| ids.binary_search(&object).is_ok())
            .map(|(at, _)| *at)
    }

    #[inline]
    fn process(&self, class: u8) -> Update {
        self.by_class
            .get(class as usize)
            .copied()
            .unwrap_or(Update::Never)
    }

    /// Whether `object` of `class` was updated in (`after`, `until`].
    pub fn modified(&self, class: u8, object: u64, after: SimTime, until: SimTime) -> bool {
        if until <= after {
            return false;
        }
        self.updated(class, object, after, until)
            || (!self.published.is_empty() && self.published_in(object, after, until).is_some())
    }

    /// Whether the class's own process updated `object` in (`after`, `until`].
    fn updated(&self, class: u8, object: u64, after: SimTime, until: SimTime) -> bool {
        let (after, until) = (after.as_nanos(), until.as_nanos());
        match self.process(class) {
            Update::Never => false,
            Update::Every { period_ns } => {
                let phase = splitmix64(mix2(self.key, object)) % period_ns;
                // The last update at or before `until`, if any.
                until >= phase && {
                    let last = phase + (until - phase) / period_ns * period_ns;
                    last > after
                }
            }
            Update::Aligned { period_ns } => until / period_ns > after / period_ns,
            Update::Poisson { window_ns } => {
                // Windows from the latest back; stop at the first update found.
                let first = after / window_ns;
                (first..=until / window_ns)
                    .rev()
                    .any(|w| self.window_has(object, w, window_ns, after, until))
            }
        }
    }

    /// Whether Poisson window `w` of `object` holds an update in (`after`, `until`].
    fn window_has(&self, object: u64, w: u64, window_ns: u64, after: u64, until: u64) -> bool {
        let seed = mix2(mix2(self.key, object), w);
        let count = poisson_one(unit(seed));
        let start = w * window_ns;
        (1..=count).any(|j| {
            let at = start + (unit(mix2(seed, j)) * window_ns as f64) as u64;
            at > after && at <= until
        })
    }
}

/// A uniform draw in [0, 1) from a hash.
#[inline]
fn unit(h: u64) -> f64 {
    (splitmix64(h) >> 11) as f64 / (1u64 << 53) as f64
}

/// The Poisson(1) count whose distribution function first exceeds `u`.
fn poisson_one(u: f64) -> u64 {
    let mut p = (-1.0f64).exp();
    let (mut k, mut cdf) = (0, p);
    while u >= cdf && k < MAX_PER_WINDOW {
        k += 1;
        p /= k as f64;
        cdf += p;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: u64) -> SimTime {
        SimTime::from_secs(x)
    }

    #[test]
    fn poisson_updates_have_the_rate_and_the_gaps_of_a_poisson_process() {
        // Rate 1/10 s: over 1,000 objects and 1,000 s, 100 updates each on
        // average; a 5 s interval holds none with probability e^-0.5.
        let v = Versions::new(
            vec![Update::Poisson {
                window_ns: 10_000_000_000,
            }],
            7,
        );
        let objects = 1_000u64;
        let (mut empty, mut total) = (0u64, 0u64);
        for o in 0..objects {
            for k in 0..200 {
                total += 1;
                empty += !v.modified(0, o, s(5 * k), s(5 * k + 5)) as u64;
            }
        }
        let p = empty as f64 / total as f64;
        assert!((p - (-0.5f64).exp()).abs() < 0.005, "{p}");
        // Deterministic, and nothing in an empty interval or a class that never changes.
        assert_eq!(v.modified(0, 3, s(1), s(90)), v.modified(0, 3, s(1), s(90)));
        assert!(!v.modified(0, 3, s(9), s(9)));
        assert!(!v.modified(1, 3, s(0), s(1_000)));
    }

    #[test]
    fn scheduled_updates_come_once_a_period() {
        let v = Versions::new(
            vec![Update::Every {
                period_ns: 60_000_000_000,
            }],
            1,
        );
        for o in 0..100 {
            // Any 60 s interval holds exactly one update; count the 1 s steps that do.
            let hits = (0..60)
                .filter(|&t| v.modified(0, o, s(100 + t), s(101 + t)))
                .count();
            assert_eq!(hits, 1, "object {o}");
            assert!(v.modified(0, o, s(100), s(160)));
        }
    }
}
