//! The load balancer in front of the gateways: which gateway a new
//! connection or request goes to, and when it cuts a connection that has
//! carried no data for its idle timeout.
//!
//! The choice is least loaded (`world::LeastLoaded`, a tournament tree,
//! O(log G) per change, ties to the lowest index so the choice is
//! deterministic; a gateway that is down or draining carries its `DOWN`
//! load and rejoins with the count it kept) or uniformly random
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
use crate::world::LeastLoaded;

/// Gateways that cannot take traffic carry this load (never chosen while
/// another is up).
const DOWN: u64 = LeastLoaded::DOWN;

impl PushModel {
    /// The gateway the balancer picks for a new request (polling: one cluster).
    pub fn pick_gateway(&mut self) -> Option<usize> {
        self.pick_in(0)
    }

    /// The gateway a new connection of client `c` goes to: the cluster the
    /// world's routing sends it to (the only one without clusters), then
    /// that cluster's balancer.
    #[inline]
    pub fn pick_gateway_for(&mut self, c: u32) -> Option<usize> {
        let k = match &self.geo {
            Some(geo) => geo.cluster_of_client(c)?,
            None => 0,
        };
        self.pick_in(k)
    }

    /// The gateway cluster `k`'s balancer picks.
    pub fn pick_in(&mut self, k: usize) -> Option<usize> {
        let cluster = &self.clusters[k];
        let local = match self.p.load_balancer.policy {
            LbPolicy::LeastConnections => cluster.balancer.least().map(|g| g as usize),
            LbPolicy::Random => random_up(&cluster.balancer, cluster.size, &mut self.rng.balancer),
        };
        local.map(|g| cluster.first + g)
    }

    /// The cluster gateway `g` belongs to.
    #[inline]
    pub fn cluster_of(&self, g: usize) -> usize {
        self.gateway_cluster[g] as usize
    }

    /// Changes gateway `g`'s balancer count by `delta`.
    pub fn add_open(&mut self, g: usize, delta: i64) {
        let gw = &mut self.gateways[g];
        gw.open = gw.open.saturating_add_signed(delta);
        if gw.up && gw.accepting {
            let open = gw.open;
            self.set_balancer_load(g, open);
        }
    }

    /// Tells the balancer whether gateway `g` takes new connections.
    pub fn set_accepting(&mut self, g: usize, up: bool, accepting: bool) {
        let gw = &mut self.gateways[g];
        gw.up = up;
        gw.accepting = up && accepting;
        let load = if gw.accepting { gw.open } else { DOWN };
        self.set_balancer_load(g, load);
    }

    #[inline]
    fn set_balancer_load(&mut self, g: usize, load: u64) {
        let cluster = &mut self.clusters[self.gateway_cluster[g] as usize];
        cluster.balancer.set((g - cluster.first) as u32, load);
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
            self.clients[c].set_idle_at_ns(cut_at(now, t));
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
        let last_data = client.idle_at_ns() as i128 - t;
        if p > 0 {
            let r = (client.phase_ns() as i128 - last_data).rem_euclid(p);
            let ping = last_data + if r == 0 { p } else { r };
            if ping < last_data + t {
                return (ping + t).max(0) as u64;
            }
        }
        client.idle_at_ns()
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

/// A uniformly random gateway that is up, or `None` if all are down.
fn random_up(balancer: &LeastLoaded, gateways: usize, rng: &mut SimRng) -> Option<usize> {
    balancer.least()?;
    loop {
        let g = rng.random_range(0..gateways as u64) as usize;
        if balancer.load(g as u32) != DOWN {
            return Some(g);
        }
    }
}

/// The idle cut of a connection whose last data passed at `last_data`.
#[inline]
fn cut_at(last_data: SimTime, timeout: Duration) -> u64 {
    (last_data + timeout.0).as_nanos()
}
