//! The push registry as nodes with capacity (`registry.nodes`): records are
//! sharded by user over the nodes, each record kept on `replicas`
//! consecutive nodes; a node is a single FIFO server (`station::Workers`,
//! event-free) whose service time per operation is one over its operation
//! rate. A write (a registration or its removal) goes to every replica and
//! is done when the slowest is; a read goes to the user's first replica.
//! A reconnect storm's writes therefore queue at the nodes, and connect
//! and delivery latency grow from that queue. Without `registry.nodes` the
//! registry has latency only, as before.

use super::model::PushModel;
use super::params::RegistryParams;
use crate::engine::{Histogram, SimTime};
use crate::run::{RunOutput, TimeUnit};
use crate::station::Workers;

/// Operations one node holds waiting, at most (10 s of a Redis-like
/// node's 100,000 ops/s): a write beyond it is refused.
pub const NODE_QUEUE_LIMIT: usize = 1_000_000;
/// Per-node utilisation metrics are written up to this many nodes.
const MAX_NODE_METRICS: usize = 64;

/// Resets a tier of nodes (the registry's, the balancers') at the end of
/// the warm-up: its latency histogram, refusal count and busy time.
pub(super) fn reset_tier(
    nodes: &mut [Workers],
    latency: &mut Histogram,
    refused: &mut u64,
    now: SimTime,
) {
    latency.reset();
    *refused = 0;
    for node in nodes {
        node.reset_stats(now);
    }
}

/// Writes a tier's `{name}_latency_ms`, `{name}_utilisation` (the mean over
/// its nodes) and `{name}_utilisation_max`; returns each node's utilisation.
pub(super) fn write_tier(
    out: &mut RunOutput,
    name: &str,
    nodes: &[Workers],
    latency: &Histogram,
    end: SimTime,
) -> Vec<f64> {
    out.histogram(
        &format!("{name}_latency_ms"),
        TimeUnit::Millis,
        latency.clone(),
    );
    let utilisation: Vec<f64> = nodes.iter().map(|n| n.utilisation(end)).collect();
    let mean = utilisation.iter().sum::<f64>() / utilisation.len() as f64;
    out.scalar(format!("{name}_utilisation"), mean);
    out.scalar(
        format!("{name}_utilisation_max"),
        utilisation.iter().copied().fold(0.0, f64::max),
    );
    utilisation
}

/// The registry's nodes and what they measured.
pub struct RegistryNodes {
    nodes: Vec<Workers>,
    replicas: usize,
    read_service: SimTime,
    write_service: SimTime,
    latency: Histogram,
    refused: u64,
}

impl RegistryNodes {
    /// Operations held waiting over all nodes.
    pub fn queued(&self) -> usize {
        self.nodes.iter().map(Workers::queued).sum()
    }

    /// The nodes of `p`, if it names a node count.
    pub fn new(p: &RegistryParams) -> Option<RegistryNodes> {
        let nodes = p.nodes?;
        let (read_rate, write_rate) = p.node_rates();
        Some(RegistryNodes {
            nodes: (0..nodes)
                .map(|_| Workers::new(1, NODE_QUEUE_LIMIT))
                .collect(),
            replicas: p.replicas.clamp(1, nodes) as usize,
            read_service: SimTime::from_secs_f64(1.0 / read_rate),
            write_service: SimTime::from_secs_f64(1.0 / write_rate),
            latency: Histogram::new(),
            refused: 0,
        })
    }

    /// The first node of `user`'s record (a hash, so that consecutive
    /// users, who share a region, spread over the nodes).
    fn shard(&self, user: u32) -> usize {
        let mut x = user as u64 ^ 0x9e37_79b9_7f4a_7c15;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((x ^ (x >> 31)) % self.nodes.len() as u64) as usize
    }

    /// A write of `user`'s record at `now`: the time until every replica
    /// has done it, or `None` if a replica's queue is full.
    fn write(&mut self, user: u32, now: SimTime) -> Option<SimTime> {
        let first = self.shard(user);
        let n = self.nodes.len();
        let mut done = now;
        for i in 0..self.replicas {
            let Some(slot) = self.nodes[(first + i) % n].admit(now, self.write_service) else {
                self.refused += 1;
                return None;
            };
            done = done.max(slot.finish);
        }
        Some(done - now)
    }

    /// A read of `user`'s record at `now` from its first replica. A read
    /// that finds the queue full waits for the backlog without joining it.
    fn read(&mut self, user: u32, now: SimTime) -> SimTime {
        let shard = self.shard(user);
        let node = &mut self.nodes[shard];
        match node.admit(now, self.read_service) {
            Some(slot) => slot.finish - now,
            None => node.earliest_start(now) - now + self.read_service,
        }
    }

    /// `writes` record writes spread evenly over the nodes (refreshes: one
    /// batch per node, each replica writing), queued behind what is there.
    pub fn charge_bulk_writes(&mut self, writes: f64, now: SimTime) {
        let per_node = writes * self.replicas as f64 / self.nodes.len() as f64;
        let service =
            SimTime::from_nanos((per_node * self.write_service.as_nanos() as f64).round() as u64);
        if service > SimTime::ZERO {
            for node in &mut self.nodes {
                let _ = node.admit(now, service);
            }
        }
    }

    pub fn reset_stats(&mut self, now: SimTime) {
        reset_tier(&mut self.nodes, &mut self.latency, &mut self.refused, now);
    }

    pub fn write_output(&self, out: &mut RunOutput, end: SimTime) {
        let utilisation = write_tier(out, "registry", &self.nodes, &self.latency, end);
        out.scalar("registry_writes_refused", self.refused as f64);
        if utilisation.len() <= MAX_NODE_METRICS {
            for (i, u) in utilisation.iter().enumerate() {
                out.scalar(format!("registry.node{i}.utilisation"), *u);
            }
        }
    }
}

impl PushModel {
    /// A registry write for `user` whose store latency is `base`: that plus
    /// the wait and service at its nodes, or `None` if a node refused it.
    pub fn registry_write_at_nodes(
        &mut self,
        user: u32,
        base: SimTime,
        now: SimTime,
    ) -> Option<SimTime> {
        let Some(nodes) = self.registry_nodes.as_mut() else {
            return Some(base);
        };
        let total = base + nodes.write(user, now)?;
        nodes.latency.record(total);
        Some(total)
    }

    /// The removal of `user`'s record: load on its nodes, nothing waits
    /// for it (a refused removal leaves a record the TTL would clear).
    pub fn registry_remove_at_nodes(&mut self, user: u32, now: SimTime) {
        if let Some(nodes) = self.registry_nodes.as_mut() {
            let _ = nodes.write(user, now);
        }
    }

    /// A registry read for `user` whose store latency is `base`: that plus
    /// the wait and service at its node.
    pub fn registry_read_at_nodes(&mut self, user: u32, base: SimTime, now: SimTime) -> SimTime {
        let Some(nodes) = self.registry_nodes.as_mut() else {
            return base;
        };
        let total = base + nodes.read(user, now);
        nodes.latency.record(total);
        total
    }
}
