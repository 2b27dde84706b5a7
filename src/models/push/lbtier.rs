//! Balancer profiles and the balancer tier.
//!
//! A `load_balancer.profile` names a product and carries its layer and
//! its real idle-timeout default (REFERENCES §5.3), so choosing L4/NLB or
//! L7/ALB changes what happens to idle connections, not only a latency.
//! An explicit `idle_timeout` or `latency` still wins.
//!
//! With `load_balancer.nodes` each cluster's balancer is a tier of that
//! many nodes, each a FIFO station of `cores` servers (`station::Workers`,
//! event-free: no event per operation). A connection goes to a node by a
//! hash of its client (flow hashing) and stays there; the node's CPU does
//! a new connection's `connect_cost` (L7: TLS termination and the HTTP
//! upgrade; L4: a flow entry), and every message pushed and every
//! keep-alive ping on it costs `message_cost` (L7: decrypt, parse the
//! frame, re-encrypt; L4: forwarding a packet). Connect attempts and
//! messages wait for the node, so a reconnect storm (idle cuts, a crash)
//! queues at an L7 tier and can saturate it; a connect that finds
//! `NODE_QUEUE_LIMIT` attempts waiting is refused. Without `nodes`
//! nothing changes (same output bytes).

use super::model::PushModel;
use super::params::{LbLayer, PushParams};
use super::registry::{reset_tier, write_tier};
use crate::engine::{Histogram, SimTime};
use crate::run::RunOutput;
use crate::station::Workers;
use crate::units::Duration;

/// A balancer product: its layer and its idle-timeout default.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct BalancerProfile {
    pub name: &'static str,
    pub layer: LbLayer,
    pub idle_timeout: SimTime,
}

/// Every profile `load_balancer.profile` accepts (REFERENCES §5.3).
pub const PROFILES: [BalancerProfile; 6] = [
    // P13: NLB TCP idle timeout 350 s by default (fixed at 350 s for TLS
    // listeners).
    BalancerProfile {
        name: "nlb",
        layer: LbLayer::L4,
        idle_timeout: SimTime::from_secs(350),
    },
    // P15: ALB idle timeout 60 s by default.
    BalancerProfile {
        name: "alb",
        layer: LbLayer::L7,
        idle_timeout: SimTime::from_secs(60),
    },
    // P14: Classic LB 60 s; in TCP mode (L4), as Netflix ran it (Z9).
    BalancerProfile {
        name: "clb",
        layer: LbLayer::L4,
        idle_timeout: SimTime::from_secs(60),
    },
    // P16: nginx closes a proxied WebSocket after 60 s without data
    // (`proxy_read_timeout`).
    BalancerProfile {
        name: "nginx",
        layer: LbLayer::L7,
        idle_timeout: SimTime::from_secs(60),
    },
    // P17: Cloudflare resets WebSockets after 100 s of inactivity.
    BalancerProfile {
        name: "cloudflare",
        layer: LbLayer::L7,
        idle_timeout: SimTime::from_secs(100),
    },
    // P17: CloudFront's origin idle timeout for WebSockets, 10 min.
    BalancerProfile {
        name: "cloudfront",
        layer: LbLayer::L7,
        idle_timeout: SimTime::from_secs(600),
    },
];

/// Planning assumption: a balancer node of two cores (AWS does not publish
/// the size of ALB/NLB nodes; sweep it).
pub const NODE_CORES: u32 = 2;
/// L7 connect: a full TLS handshake (`defaults::HANDSHAKE_COST`, RSA-2048
/// sign measured at 211 µs, about 500 µs in all) plus parsing the upgrade
/// request (`defaults::UPGRADE_COST`, 50 µs).
pub const L7_CONNECT_COST: SimTime = SimTime::from_micros(550);
/// Assumption: an L4 node sets up a flow entry (no TLS), a few µs.
pub const L4_CONNECT_COST: SimTime = SimTime::from_micros(5);
/// Assumption: an L7 node decrypts, parses and re-encrypts a small frame:
/// half the gateway's 20 µs `message_cost` (no application work).
pub const L7_MESSAGE_COST: SimTime = SimTime::from_micros(10);
/// Assumption: an L4 node forwards a packet, about 1 µs.
pub const L4_MESSAGE_COST: SimTime = SimTime::from_micros(1);
/// Connect attempts one node holds waiting, at most: one beyond is refused.
pub const NODE_QUEUE_LIMIT: usize = 100_000;
/// The most balancer nodes per cluster.
pub const MAX_NODES: u32 = 10_000;
/// The most cores of a balancer node.
const MAX_NODE_CORES: u32 = 1_024;
/// The most CPU of one operation at a node.
const MAX_COST: SimTime = SimTime::from_secs(1);

/// The profile called `name`, if there is one.
pub fn profile(name: &str) -> Option<&'static BalancerProfile> {
    PROFILES.iter().find(|p| p.name == name)
}

/// `p` with its balancer profile applied: the profile's layer, and its
/// idle timeout unless `idle_timeout` is written. The model runs on this.
pub fn resolved(p: &PushParams) -> PushParams {
    let mut p = p.clone();
    let lb = &mut p.load_balancer;
    if let Some(prof) = lb.profile.as_deref().and_then(profile) {
        lb.layer = prof.layer;
        lb.idle_timeout = lb.idle_timeout.or(Some(Duration(prof.idle_timeout)));
    }
    p
}

/// Checks of the balancer's profile and tier; problems as `check` reports them.
pub fn check_balancer(p: &PushParams, problems: &mut Vec<(String, String)>) {
    let lb = &p.load_balancer;
    let mut problem = |key: &str, message: String| problems.push((key.to_string(), message));
    if let Some(name) = lb.profile.as_deref() {
        match profile(name) {
            None => {
                let names = PROFILES.iter().map(|p| p.name);
                let message = format!(
                    "unknown balancer profile \"{name}\"; expected one of {}",
                    PROFILES.map(|p| p.name).join(", ")
                );
                problem(
                    "load_balancer.profile",
                    crate::suggest::with_hint(message, name, names),
                );
            }
            Some(prof) if prof.layer == LbLayer::L4 && lb.layer == LbLayer::L7 => problem(
                "load_balancer.layer",
                format!("profile \"{name}\" is an L4 balancer; omit `layer` or use an L7 profile"),
            ),
            Some(_) => {}
        }
    }
    let Some(nodes) = lb.nodes else {
        return;
    };
    if nodes == 0 || nodes > MAX_NODES {
        problem(
            "load_balancer.nodes",
            format!(
                "expected between 1 and {MAX_NODES} balancer nodes per cluster, got {nodes} (omit it for a balancer without capacity)"
            ),
        );
    }
    if !p.transport.is_persistent() {
        problem(
            "load_balancer.nodes",
            "the balancer tier serves the persistent transports (sse, websocket); omit `nodes` for polling".into(),
        );
    }
    if lb.cores == 0 || lb.cores > MAX_NODE_CORES {
        problem(
            "load_balancer.cores",
            format!(
                "expected between 1 and {MAX_NODE_CORES} cores per balancer node, got {}",
                lb.cores
            ),
        );
    }
    for (key, cost) in [
        ("load_balancer.connect_cost", lb.connect_cost),
        ("load_balancer.message_cost", lb.message_cost),
    ] {
        if cost.is_some_and(|c| c.0 > MAX_COST) {
            problem(
                key,
                format!("expected at most {MAX_COST} of CPU per operation"),
            );
        }
    }
}

/// The balancer nodes of every cluster and what they measured.
pub struct BalancerTier {
    nodes: Vec<Workers>,
    per_cluster: usize,
    connect_cost: SimTime,
    message_cost: SimTime,
    ping_cost: SimTime,
    latency: Histogram,
    refused: u64,
}

impl BalancerTier {
    /// The tier of (resolved) `p` for `clusters` clusters, if `p` names nodes.
    pub fn new(p: &PushParams, clusters: usize) -> Option<BalancerTier> {
        let lb = &p.load_balancer;
        let per_cluster = lb.nodes? as usize;
        let (connect, message) = match lb.layer {
            LbLayer::L4 => (L4_CONNECT_COST, L4_MESSAGE_COST),
            LbLayer::L7 => (L7_CONNECT_COST, L7_MESSAGE_COST),
        };
        let message_cost = lb.message_cost.map_or(message, |c| c.0);
        Some(BalancerTier {
            nodes: (0..per_cluster * clusters.max(1))
                .map(|_| Workers::new(lb.cores, NODE_QUEUE_LIMIT))
                .collect(),
            per_cluster,
            connect_cost: lb.connect_cost.map_or(connect, |c| c.0),
            message_cost,
            ping_cost: message_cost,
            latency: Histogram::new(),
            refused: 0,
        })
    }

    /// The node of client `c`'s flows in cluster `k` (a hash, so that
    /// consecutive clients spread over the nodes).
    fn node(&self, k: usize, c: u32) -> usize {
        let mut x = c as u64 ^ 0x2545_f491_4f6c_dd1d;
        x = (x ^ (x >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        x = (x ^ (x >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        k * self.per_cluster + ((x ^ (x >> 33)) % self.per_cluster as u64) as usize
    }

    /// Time client `c`'s connect spends at its node in cluster `k`
    /// (wait and CPU), or `None` if the node's queue is full.
    fn connect(&mut self, k: usize, c: u32, now: SimTime) -> Option<SimTime> {
        let n = self.node(k, c);
        let Some(slot) = self.nodes[n].admit(now, self.connect_cost) else {
            self.refused += 1;
            return None;
        };
        self.latency.record(slot.finish - now);
        Some(slot.finish - now)
    }

    /// Time a message to client `c` spends at its node in cluster `k`; a
    /// message that finds the queue full waits for the backlog without
    /// joining it.
    fn forward(&mut self, k: usize, c: u32, now: SimTime) -> SimTime {
        let n = self.node(k, c);
        let node = &mut self.nodes[n];
        let delay = match node.admit(now, self.message_cost) {
            Some(slot) => slot.finish - now,
            None => node.earliest_start(now) - now + self.message_cost,
        };
        self.latency.record(delay);
        delay
    }

    /// One second of keep-alive pings on cluster `k`'s `connections`
    /// (every `interval`), spread evenly over its nodes, as one job per core.
    fn pings(&mut self, k: usize, connections: u64, interval: SimTime, now: SimTime) {
        if interval == SimTime::ZERO || connections == 0 {
            return;
        }
        let per_node = connections as f64 / self.per_cluster as f64;
        let work_ns = per_node * super::model::TICK.as_secs_f64() / interval.as_secs_f64()
            * self.ping_cost.as_nanos() as f64;
        for n in k * self.per_cluster..(k + 1) * self.per_cluster {
            let cores = self.nodes[n].workers();
            let job = SimTime::from_nanos((work_ns / cores as f64).round() as u64);
            if job > SimTime::ZERO {
                for _ in 0..cores {
                    let _ = self.nodes[n].admit(now, job);
                }
            }
        }
    }

    pub fn reset_stats(&mut self, now: SimTime) {
        reset_tier(&mut self.nodes, &mut self.latency, &mut self.refused, now);
    }

    /// `balancer_*` metrics (`docs/push.md`).
    pub fn write_output(&self, out: &mut RunOutput, end: SimTime) {
        let utilisation = write_tier(out, "balancer", &self.nodes, &self.latency, end);
        let busy_cores: f64 = self
            .nodes
            .iter()
            .zip(&utilisation)
            .map(|(n, u)| u * n.workers() as f64)
            .sum();
        out.scalar("balancer_cpu_cores", busy_cores);
        out.scalar("balancer_connects_refused", self.refused as f64);
    }
}

impl PushModel {
    /// Client `c`'s connect to gateway `g` at its balancer node: the time
    /// it spends there (zero without a tier), or `None` if refused.
    pub fn balancer_connect(&mut self, c: u32, g: usize, now: SimTime) -> Option<SimTime> {
        let k = self.cluster_of(g);
        match self.balancers.as_mut() {
            Some(tier) => tier.connect(k, c, now),
            None => Some(SimTime::ZERO),
        }
    }

    /// A message from gateway `g` to client `c` through its balancer node:
    /// the time it spends there (zero without a tier).
    #[inline]
    pub fn balancer_forward(&mut self, c: u32, g: usize, now: SimTime) -> SimTime {
        if self.balancers.is_none() {
            return SimTime::ZERO;
        }
        let k = self.cluster_of(g);
        self.balancers
            .as_mut()
            .map_or(SimTime::ZERO, |tier| tier.forward(k, c, now))
    }

    /// One second of keep-alive pings through every cluster's balancer nodes.
    pub fn balancer_pings(&mut self, now: SimTime) {
        let Some(tier) = self.balancers.as_mut() else {
            return;
        };
        let interval = self.p.connection.ping_interval.0;
        for (k, cluster) in self.clusters.iter().enumerate() {
            let connections: u64 = self.gateways[cluster.first..cluster.first + cluster.size]
                .iter()
                .map(|g| g.accepted)
                .sum();
            tier.pings(k, connections, interval, now);
        }
    }

    /// The balancer's metrics: its idle timeout with a profile, its tier's
    /// load with nodes.
    pub fn write_balancer(&self, out: &mut RunOutput, end: SimTime) {
        if self.p.load_balancer.profile.is_some() || self.balancers.is_some() {
            let idle = self
                .p
                .load_balancer
                .idle_timeout
                .map_or(0.0, |t| t.0.as_secs_f64());
            out.scalar("balancer_idle_timeout_s", idle);
        }
        if let Some(tier) = &self.balancers {
            tier.write_output(out, end);
        }
    }
}
