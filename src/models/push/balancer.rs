//! The load balancer's choice of gateway: least loaded (a tournament tree,
//! O(log G) per change, ties to the lowest index so the choice is
//! deterministic) or uniformly random among gateways that are up.
//!
//! "Load" is whatever the model says: open connections for persistent
//! transports, requests in flight for polling.

use rand::RngExt;

use crate::engine::SimRng;

/// Gateways that cannot take traffic carry this load (never chosen while
/// another is up).
pub const DOWN: u64 = u64::MAX;

/// A min-tournament over per-gateway loads.
pub struct LeastLoaded {
    leaves: usize,
    /// `tree[leaves + g]` is gateway g's load; inner nodes hold the index
    /// of their subtree's least-loaded gateway.
    load: Vec<u64>,
    winner: Vec<u32>,
}

impl LeastLoaded {
    pub fn new(gateways: usize) -> LeastLoaded {
        let leaves = gateways.next_power_of_two().max(1);
        let mut load = vec![DOWN; leaves];
        load[..gateways].iter_mut().for_each(|l| *l = 0);
        let mut tree = LeastLoaded {
            leaves,
            load,
            winner: vec![0; 2 * leaves],
        };
        for g in 0..leaves {
            tree.winner[leaves + g] = g as u32;
        }
        for node in (1..leaves).rev() {
            tree.winner[node] = tree.better(tree.winner[2 * node], tree.winner[2 * node + 1]);
        }
        tree
    }

    fn better(&self, a: u32, b: u32) -> u32 {
        if self.load[b as usize] < self.load[a as usize] {
            b
        } else {
            a
        }
    }

    /// Sets gateway `g`'s load.
    pub fn set(&mut self, g: usize, load: u64) {
        self.load[g] = load;
        let mut node = (self.leaves + g) / 2;
        while node >= 1 {
            self.winner[node] = self.better(self.winner[2 * node], self.winner[2 * node + 1]);
            node /= 2;
        }
    }

    pub fn load(&self, g: usize) -> u64 {
        self.load[g]
    }

    /// The least-loaded gateway, or `None` if all are down.
    pub fn least(&self) -> Option<usize> {
        let g = if self.leaves == 1 {
            0
        } else {
            self.winner[1] as usize
        };
        (self.load[g] != DOWN).then_some(g)
    }

    /// A uniformly random gateway that is up, or `None` if all are down.
    pub fn random(&self, gateways: usize, rng: &mut SimRng) -> Option<usize> {
        self.least()?;
        loop {
            let g = rng.random_range(0..gateways as u64) as usize;
            if self.load[g] != DOWN {
                return Some(g);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_least_loaded_lowest_index() {
        let mut t = LeastLoaded::new(5);
        assert_eq!(t.least(), Some(0));
        t.set(0, 3);
        t.set(1, 1);
        t.set(2, 1);
        t.set(3, 2);
        t.set(4, 2);
        assert_eq!(t.least(), Some(1));
        t.set(1, 5);
        assert_eq!(t.least(), Some(2));
        for g in 0..5 {
            t.set(g, DOWN);
        }
        assert_eq!(t.least(), None);
    }

    #[test]
    fn single_gateway() {
        let mut t = LeastLoaded::new(1);
        assert_eq!(t.least(), Some(0));
        t.set(0, 7);
        assert_eq!(t.least(), Some(0));
    }
}
