//! Cache-server choice inside a PoP: what a request-routing server does with a
//! request once DNS or anycast has brought it to the PoP.
//!
//! Three policies: round robin, least loaded (the lowest load, ties to the
//! lowest index or spread by the object's hash: requests in service, or
//! whatever load the owner measures)
//! and consistent hashing on the object id (Karger et al.,
//! STOC 1997), with virtual nodes so that load is even and removing one server
//! moves only about 1/n of the objects. All are deterministic and cost O(1) or
//! O(log n) per request. Servers are numbered 0..n within their PoP.

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

/// Least loaded: the server with the lowest load, ties to the lowest index
/// so that the choice is deterministic. The one least-loaded rule of the
/// crate, in two forms:
///
/// - a kept table of loads (a min-tournament tree, O(log n) per change and
///   O(1) per pick) that the owner updates: requests in service with
///   [`start`](Self::start) and [`finish`](Self::finish), or any load with
///   [`set`](Self::set) (open connections, [`DOWN`](LeastLoaded::DOWN) for a server that is out);
/// - [`among`](Self::among), for servers that keep their own load and are
///   compared when a request arrives (the CDN's event-free workers: when
///   each one's next worker is free), O(n) with nothing kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeastLoaded {
    /// Leaves of the tree: `servers` rounded up to a power of two; the
    /// padding leaves are [`DOWN`](LeastLoaded::DOWN).
    leaves: usize,
    load: Vec<u64>,
    /// `winner[node]` is the least-loaded server of the node's subtree
    /// (`winner[leaves + s] = s`); the root is node 1.
    winner: Vec<u32>,
}

impl LeastLoaded {
    /// The load of a server that cannot take traffic: never picked while
    /// another's is lower, and [`least`](Self::least) skips it.
    pub const DOWN: u64 = u64::MAX;

    /// Over `servers` idle servers (at least one).
    pub fn new(servers: u32) -> LeastLoaded {
        let servers = servers.max(1) as usize;
        let leaves = servers.next_power_of_two();
        let mut load = vec![Self::DOWN; leaves];
        load[..servers].fill(0);
        let mut winner = vec![0; 2 * leaves];
        for (s, w) in winner[leaves..].iter_mut().enumerate() {
            *w = s as u32;
        }
        let mut tree = LeastLoaded {
            leaves,
            load,
            winner,
        };
        for node in (1..leaves).rev() {
            tree.winner[node] = tree.better(tree.winner[2 * node], tree.winner[2 * node + 1]);
        }
        tree
    }

    /// The least loaded of `servers` servers by the load `load_of` measures
    /// now, ties to the lowest index (the same rule as the kept table).
    #[inline]
    pub fn among<K: Ord>(servers: u32, load_of: impl FnMut(&u32) -> K) -> u32 {
        // `min_by_key` keeps the first of equal minima: the lowest index.
        (0..servers).min_by_key(load_of).unwrap_or(0)
    }

    /// The least loaded of `servers` servers by the load `load_of` measures
    /// now, ties spread by `key`: to the first tied server at or after
    /// `hash(key) mod servers`, cyclically. At light load, when every
    /// server is idle, requests for one object go to one server and
    /// objects spread over the servers as with hashing; the choice stays
    /// deterministic. O(n), like [`among`](Self::among).
    #[inline]
    pub fn among_spread<K: Ord>(servers: u32, key: u64, mut load_of: impl FnMut(&u32) -> K) -> u32 {
        let servers = servers.max(1);
        let first = (splitmix64(key) % servers as u64) as u32;
        // `min_by_key` keeps the first of equal minima in this cyclic order.
        (0..servers)
            .map(|i| (first + i) % servers)
            .min_by_key(|s| load_of(s))
            .unwrap_or(0)
    }

    /// The least-loaded server; does not change its load.
    #[inline]
    pub fn pick(&self) -> u32 {
        // With one leaf, node 1 is that leaf.
        self.winner[1]
    }

    /// The least-loaded server that is not [`DOWN`](Self::DOWN), if any.
    #[inline]
    pub fn least(&self) -> Option<u32> {
        let server = self.pick();
        (self.load[server as usize] != Self::DOWN).then_some(server)
    }

    /// A request started on `server`.
    pub fn start(&mut self, server: u32) {
        self.set(server, self.load[server as usize].saturating_add(1));
    }

    /// A request finished on `server`.
    pub fn finish(&mut self, server: u32) {
        self.set(server, self.load[server as usize].saturating_sub(1));
    }

    /// The load of `server`: requests in service, or what [`set`](Self::set) gave.
    pub fn load(&self, server: u32) -> u64 {
        self.load[server as usize]
    }

    /// Sets the load of `server` (whatever the owner counts; [`DOWN`](Self::DOWN): out).
    pub fn set(&mut self, server: u32, load: u64) {
        self.load[server as usize] = load;
        let mut node = (self.leaves + server as usize) / 2;
        while node >= 1 {
            self.winner[node] = self.better(self.winner[2 * node], self.winner[2 * node + 1]);
            node /= 2;
        }
    }

    /// Of two servers, the lower load; the left one (lower index) on a tie.
    #[inline]
    fn better(&self, left: u32, right: u32) -> u32 {
        if self.load[right as usize] < self.load[left as usize] {
            right
        } else {
            left
        }
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

    #[test]
    fn least_loaded_by_set_loads_skips_down_servers() {
        let mut ll = LeastLoaded::new(5);
        for (server, load) in [(0, 3), (1, 1), (2, 1), (3, 2), (4, 2)] {
            ll.set(server, load);
        }
        assert_eq!(ll.least(), Some(1));
        ll.set(1, 5);
        assert_eq!(ll.least(), Some(2));
        for server in 0..5 {
            ll.set(server, LeastLoaded::DOWN);
        }
        assert_eq!(ll.least(), None);
        let mut one = LeastLoaded::new(1);
        one.set(0, 7);
        assert_eq!((one.pick(), one.least()), (0, Some(0)));
    }

    #[test]
    fn least_loaded_among_measured_loads_takes_the_lowest_index_on_ties() {
        let loads = [4, 2, 7, 2];
        assert_eq!(LeastLoaded::among(4, |&s| loads[s as usize]), 1);
        assert_eq!(LeastLoaded::among(1, |_| 9), 0);
    }

    #[test]
    fn least_loaded_among_spread_breaks_ties_by_key_and_keeps_the_least() {
        // All tied: each key has its server, and 4,000 keys spread evenly.
        let mut count = [0u32; 4];
        for key in 0..4_000u64 {
            let s = LeastLoaded::among_spread(4, key, |_| 0);
            assert_eq!(s, LeastLoaded::among_spread(4, key, |_| 0));
            count[s as usize] += 1;
        }
        assert!(
            count.iter().all(|&c| (900..1_100).contains(&c)),
            "{count:?}"
        );
        // A strict minimum wins whatever the key.
        let loads = [4, 2, 7, 3];
        for key in 0..50 {
            assert_eq!(LeastLoaded::among_spread(4, key, |&s| loads[s as usize]), 1);
        }
        // Among the tied, the first at or after the key's start.
        let tied = [1, 0, 1, 0];
        for key in 0..50u64 {
            let first = (splitmix64(key) % 4) as u32;
            let want = if first == 2 || first == 3 { 3 } else { 1 };
            assert_eq!(
                LeastLoaded::among_spread(4, key, |&s| tied[s as usize]),
                want
            );
        }
    }
}
