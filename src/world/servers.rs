//! Cache-server choice inside a PoP: what a request-routing server does with a
//! request once DNS or anycast has brought it to the PoP.
//!
//! Three policies: round robin, least loaded (fewest requests in service, ties
//! to the lowest index) and consistent hashing on the object id (Karger et al.,
//! STOC 1997), with virtual nodes so that load is even and removing one server
//! moves only about 1/n of the objects. All are deterministic and cost O(1) or
//! O(log n) per request. Servers are numbered 0..n within their PoP.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::engine::rng::{mix2, splitmix64};

/// Virtual nodes per server on the hash ring. With v points per server the
/// load spread is about 1/sqrt(v) (Karger et al. 1997; Stoica et al., Chord,
/// SIGCOMM 2001 use O(log n) points): 160 keeps the busiest server within
/// ~15 % of the mean, as in libketama's 160 points per server.
pub const RING_POINTS_PER_SERVER: u32 = 160;

/// How a request-routing server picks a cache server (`server_choice` of a PoP).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ServerChoice {
    RoundRobin,
    LeastLoaded,
    #[default]
    ConsistentHash,
}

/// Round robin over n servers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundRobin {
    servers: u32,
    next: u32,
}

impl RoundRobin {
    /// Over `servers` servers (at least one).
    pub fn new(servers: u32) -> RoundRobin {
        RoundRobin {
            servers: servers.max(1),
            next: 0,
        }
    }

    /// The next server, O(1).
    #[inline]
    pub fn pick(&mut self) -> u32 {
        let server = self.next;
        self.next = (self.next + 1) % self.servers;
        server
    }
}

/// Least loaded: the server with the fewest requests in service, ties to the
/// lowest index. The caller reports starts and finishes; O(log n) each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeastLoaded {
    load: Vec<u32>,
    by_load: BTreeSet<(u32, u32)>,
}

impl LeastLoaded {
    /// Over `servers` idle servers (at least one).
    pub fn new(servers: u32) -> LeastLoaded {
        let servers = servers.max(1);
        LeastLoaded {
            load: vec![0; servers as usize],
            by_load: (0..servers).map(|s| (0, s)).collect(),
        }
    }

    /// The least-loaded server; does not change its load.
    #[inline]
    pub fn pick(&self) -> u32 {
        self.by_load.first().map_or(0, |&(_, s)| s)
    }

    /// A request started on `server`.
    pub fn start(&mut self, server: u32) {
        self.set(server, self.load[server as usize].saturating_add(1));
    }

    /// A request finished on `server`.
    pub fn finish(&mut self, server: u32) {
        self.set(server, self.load[server as usize].saturating_sub(1));
    }

    /// Requests in service on `server`.
    pub fn load(&self, server: u32) -> u32 {
        self.load[server as usize]
    }

    fn set(&mut self, server: u32, load: u32) {
        let old = self.load[server as usize];
        self.by_load.remove(&(old, server));
        self.by_load.insert((load, server));
        self.load[server as usize] = load;
    }
}

/// A consistent-hash ring of servers with virtual nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashRing {
    /// (point on the ring, server), sorted by point.
    points: Vec<(u64, u32)>,
    salt: u64,
    /// For each of `2^(64 - shift)` equal slices of the hash space, the
    /// index of the first point at or after the slice's start: a lookup
    /// reads one slot and steps over at most a point or two instead of
    /// binary-searching the ring (a CDN run looks up every request).
    first_point: Vec<u32>,
    shift: u32,
}

impl HashRing {
    /// A ring of servers `0..servers`, `points_per_server` virtual nodes each.
    /// `salt` (e.g. from `Streams::key("ring", pop)`) varies the layout between PoPs.
    pub fn new(servers: u32, points_per_server: u32, salt: u64) -> HashRing {
        let mut ring = HashRing {
            points: Vec::new(),
            salt,
            first_point: Vec::new(),
            shift: 64,
        };
        for server in 0..servers {
            ring.add(server, points_per_server);
        }
        ring.index();
        ring
    }

    /// Adds `server` with `points` virtual nodes. O(n log n).
    pub fn add(&mut self, server: u32, points: u32) {
        for point in 0..points {
            self.points
                .push((mix2(mix2(self.salt, server as u64), point as u64), server));
        }
        // Ties (vanishingly rare) are broken by server id so the order is total.
        self.points.sort_unstable();
        self.index();
    }

    /// Removes every virtual node of `server` (it failed or was drained).
    pub fn remove(&mut self, server: u32) {
        self.points.retain(|&(_, s)| s != server);
        self.index();
    }

    /// Rebuilds `first_point`: at least two slices per point, so a slice
    /// holds under one point on average.
    fn index(&mut self) {
        let slices = (2 * self.points.len()).next_power_of_two().max(2);
        self.shift = 64 - slices.trailing_zeros();
        let shift = self.shift;
        self.first_point = (0..slices as u64)
            .map(|slice| {
                let start = slice << shift;
                self.points.partition_point(|&(p, _)| p < start) as u32
            })
            .collect();
    }

    /// The server for `object`: the first point clockwise of the object's hash,
    /// or `None` for an empty ring. O(1) on average.
    #[inline]
    pub fn lookup(&self, object: u64) -> Option<u32> {
        let hash = splitmix64(object ^ self.salt.rotate_left(17));
        // Every point before the slice's first is below the slice, so below
        // `hash`: the scan ends where a binary search would.
        let mut i = self.first_point[(hash >> self.shift) as usize] as usize;
        while self.points.get(i).is_some_and(|&(p, _)| p < hash) {
            i += 1;
        }
        self.points
            .get(i)
            .or_else(|| self.points.first())
            .map(|&(_, s)| s)
    }

    /// Whether the ring has no servers.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_lookup_matches_a_binary_search() {
        let binary_search = |ring: &HashRing, object: u64| {
            let hash = splitmix64(object ^ ring.salt.rotate_left(17));
            let i = ring.points.partition_point(|&(p, _)| p < hash);
            ring.points.get(i).or(ring.points.first()).map(|&(_, s)| s)
        };
        let mut ring = HashRing::new(5, 37, 11);
        for step in 0..3 {
            for object in 0..20_000u64 {
                let object = object.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ step;
                assert_eq!(ring.lookup(object), binary_search(&ring, object));
            }
            ring.remove(step as u32);
        }
        for server in 0..5 {
            ring.remove(server);
        }
        assert_eq!(ring.lookup(42), None);
        assert_eq!(HashRing::new(0, 10, 3).lookup(42), None);
    }

    #[test]
    fn round_robin_cycles() {
        let mut rr = RoundRobin::new(3);
        let picks: Vec<u32> = (0..7).map(|_| rr.pick()).collect();
        assert_eq!(picks, vec![0, 1, 2, 0, 1, 2, 0]);
    }

    #[test]
    fn least_loaded_prefers_idle_then_lowest_index() {
        let mut ll = LeastLoaded::new(3);
        assert_eq!(ll.pick(), 0);
        ll.start(0);
        assert_eq!(ll.pick(), 1);
        ll.start(1);
        ll.start(2);
        ll.start(2);
        assert_eq!(ll.pick(), 0);
        ll.finish(2);
        ll.finish(2);
        assert_eq!(ll.pick(), 2);
        assert_eq!(ll.load(0), 1);
    }
}
