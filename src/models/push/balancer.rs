//! The load balancer in front of the gateways: which gateway a new
//! connection or request goes to, and when it cuts a connection that has
//! carried no data for its idle timeout.
//!
//! The choice is least loaded (a tournament tree, O(log G) per change, ties
//! to the lowest index so the choice is deterministic) or uniformly random
//! among gateways that are up. "Load" is what the balancer counts: open
//! connections for persistent transports, requests in flight for polling.
//!
//! The idle cut (REFERENCES P13–P17) costs no event of its own: a
//! connection keeps the instant its idle timer runs out, data moves it on,
//! and the client's deadline is the earlier of its lifetime end and its cut.

use rand::RngExt;

use super::model::PushModel;
use super::params::LbPolicy;
use crate::engine::{SimRng, SimTime};
use crate::units::Duration;

impl PushModel {
    /// The gateway the balancer picks for a new connection or request.
    pub fn pick_gateway(&mut self) -> Option<usize> {
        match self.p.load_balancer.policy {
            LbPolicy::LeastConnections => self.balancer.least(),
            LbPolicy::Random => self
                .balancer
                .random(self.gateways.len(), &mut self.rng.balancer),
        }
    }

    /// Changes gateway `g`'s balancer count by `delta`.
    pub fn add_open(&mut self, g: usize, delta: i64) {
        let gw = &mut self.gateways[g];
        gw.open = gw.open.saturating_add_signed(delta);
        if gw.up && gw.accepting {
            self.balancer.set(g, gw.open);
        }
    }

    /// Tells the balancer whether gateway `g` takes new connections.
    pub fn set_accepting(&mut self, g: usize, up: bool, accepting: bool) {
        let gw = &mut self.gateways[g];
        gw.up = up;
        gw.accepting = up && accepting;
        let load = if gw.accepting { gw.open } else { DOWN };
        self.balancer.set(g, load);
    }

    /// When the balancer cuts a connection whose last data passed at `now`
    /// (`u64::MAX`: never, without an idle timeout).
    #[inline]
    pub fn idle_at_after(&self, now: SimTime) -> u64 {
        self.p
            .load_balancer
            .idle_timeout
            .map_or(u64::MAX, |t| cut_at(now, t))
    }

    /// When the balancer cuts a connection found open at time zero, in the
    /// steady state: its last data was uniformly `1 - u` of a timeout ago.
    pub fn idle_at_in_progress(&self, u: f64) -> u64 {
        self.p
            .load_balancer
            .idle_timeout
            .map_or(u64::MAX, |t| (u * t.0.as_nanos() as f64) as u64)
    }

    /// Data passed on client `c`'s connection at `now`: its idle timer
    /// starts again (REFERENCES P14: only data resets it).
    #[inline]
    pub fn note_data(&mut self, c: usize, now: SimTime) {
        // Without a timeout the cut stays at "never": no write per message.
        if let Some(t) = self.p.load_balancer.idle_timeout {
            self.clients[c].idle_at_ns = cut_at(now, t);
        }
    }

    /// When the balancer cuts client `c`'s connection, given its last data
    /// and its keep-alive pings (REFERENCES P14: only data resets the idle
    /// timer; a WebSocket ping frame is data). Pings more frequent than the
    /// idle timeout keep it open forever.
    pub fn idle_cut(&self, c: u32) -> u64 {
        let Some(timeout) = self.p.load_balancer.idle_timeout else {
            return u64::MAX;
        };
        let client = &self.clients[c as usize];
        let t = timeout.0.as_nanos() as i128;
        let p = self.p.connection.ping_interval.0.as_nanos() as i128;
        if p > 0 && p < t {
            return u64::MAX;
        }
        let last_data = client.idle_at_ns as i128 - t;
        if p > 0 {
            let r = (client.phase_ns as i128 - last_data).rem_euclid(p);
            let ping = last_data + if r == 0 { p } else { r };
            if ping < last_data + t {
                return (ping + t).max(0) as u64;
            }
        }
        client.idle_at_ns
    }

    /// How long a parked long poll is held: the wait, or less if the
    /// balancer cuts idle connections sooner.
    pub fn long_poll_hold(&self) -> SimTime {
        let wait = self.p.long_poll.effective_wait();
        match self.p.load_balancer.idle_timeout {
            Some(idle) => wait.min(idle.0),
            None => wait,
        }
    }
}

/// The idle cut of a connection whose last data passed at `last_data`.
#[inline]
fn cut_at(last_data: SimTime, timeout: Duration) -> u64 {
    (last_data + timeout.0).as_nanos()
}

/// Gateways that cannot take traffic carry this load (never chosen while
/// another is up).
pub const DOWN: u64 = u64::MAX;

/// A min-tournament over per-gateway loads. Not `crate::world::LeastLoaded`:
/// a gateway here leaves the choice (down, draining) and rejoins it with
/// the count it kept, the choice can be "none", and the random policy asks
/// which gateways are in; that one only counts starts and finishes.
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
