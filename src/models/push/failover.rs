//! Cluster outages and failover (push on the world): a lost cluster's site
//! leaves the routing (DNS or anycast stops sending clients there) and
//! every gateway of it dies; its clients reconnect to the next cluster the
//! routing table gives them, paying the world's RTT to it. And the
//! statistics per cluster and per region: connections, connects/s peak,
//! delivery latency, the RTT to the gateway, and the time until 95 % of
//! the connections an outage took are back.

use super::model::{Event, PushModel};
use crate::engine::{Histogram, Scheduler, SimTime, TimeWeighted};
use crate::faults::schedule::FaultSpec;
use crate::faults::storm::PeakRate;
use crate::run::{RunOutput, TimeUnit};
use crate::workload::trace::labels::slug;

/// The share of its connections a cluster or region must hold again to
/// count as back after an outage.
pub const BACK_SHARE: f64 = 0.95;

/// Statistics of one cluster or one region.
pub struct SiteStats {
    registered: u64,
    connected: TimeWeighted,
    connects: PeakRate,
    latency: Histogram,
    /// Regions: the round trip to the gateway of each delivery.
    rtt: Histogram,
    /// The first outage: when it struck and the connections to be back.
    outage: Option<(SimTime, u64)>,
    back_at: Option<SimTime>,
}

impl SiteStats {
    pub fn new() -> SiteStats {
        SiteStats {
            registered: 0,
            connected: TimeWeighted::new(0.0),
            connects: PeakRate::default(),
            latency: Histogram::new(),
            rtt: Histogram::new(),
            outage: None,
            back_at: None,
        }
    }

    fn note_registered(&mut self, delta: i64, now: SimTime) {
        self.registered = self.registered.saturating_add_signed(delta);
        self.connected.set(now, self.registered as f64);
        // Only a gain can bring a site back (the outage's own closes are
        // losses, counted while it strikes).
        if delta >= 0 {
            self.note_back(now);
        }
    }

    fn note_back(&mut self, now: SimTime) {
        if let (Some((_, target)), None) = (self.outage, self.back_at)
            && self.registered >= target
        {
            self.back_at = Some(now);
        }
    }

    fn begin_outage(&mut self, now: SimTime) {
        if self.outage.is_none() {
            let target = (self.registered as f64 * BACK_SHARE).ceil() as u64;
            self.outage = Some((now, target));
        }
    }

    /// After the outage struck: a site that kept enough is back at once.
    fn settle(&mut self, now: SimTime) {
        self.note_back(now);
    }

    fn end_warmup(&mut self, now: SimTime) {
        self.connected.reset(now);
        self.connects.reset();
        self.latency.reset();
        self.rtt.reset();
    }

    fn write(&self, out: &mut RunOutput, prefix: &str, clients: Option<u32>, end: SimTime) {
        let mean = self.connected.mean(end);
        out.scalar(format!("{prefix}.connections_mean"), mean);
        if let Some(n) = clients {
            out.scalar(format!("{prefix}.connected_share"), mean / n as f64);
        }
        out.scalar(
            format!("{prefix}.connects_per_s_peak"),
            self.connects.peak_per_s(),
        );
        let back_s = match (self.outage, self.back_at) {
            (Some((at, _)), Some(back)) => (back - at).as_secs_f64(),
            _ => f64::NAN,
        };
        out.scalar(format!("{prefix}.time_to_95_back_s"), back_s);
        out.histogram(
            &format!("{prefix}.delivery_latency_ms"),
            TimeUnit::Millis,
            self.latency.clone(),
        );
        if clients.is_some() {
            out.histogram(
                &format!("{prefix}.gateway_rtt_ms"),
                TimeUnit::Millis,
                self.rtt.clone(),
            );
        }
    }
}

impl Default for SiteStats {
    fn default() -> SiteStats {
        SiteStats::new()
    }
}

impl PushModel {
    /// The cluster of fault entry `source` (an outage), by its site.
    fn outage_cluster(&self, source: u16) -> Option<usize> {
        let FaultSpec::ClusterOutage(o) = &self.faults.specs[source as usize] else {
            return None;
        };
        self.p.clusters.iter().position(|c| c.site == o.cluster)
    }

    /// The cluster of outage `source` is lost: its site leaves the routing
    /// and every gateway of it crashes.
    pub(super) fn on_cluster_down(&mut self, source: u16, sched: &mut Scheduler<Event>) {
        let (Some(k), Some(geo)) = (self.outage_cluster(source), self.geo.as_mut()) else {
            return;
        };
        let now = sched.now();
        geo.withdraw(k);
        for s in self.site_stats.iter_mut() {
            s.begin_outage(now);
        }
        let cluster = &self.clusters[k];
        for g in cluster.first..cluster.first + cluster.size {
            self.on_crash(g, source, sched);
        }
        for s in self.site_stats.iter_mut() {
            s.settle(now);
        }
    }

    /// The cluster of outage `source` is back: routed to again, its
    /// gateways up and empty (clients return as their connections end).
    pub(super) fn on_cluster_up(&mut self, source: u16, sched: &mut Scheduler<Event>) {
        let (Some(k), Some(geo)) = (self.outage_cluster(source), self.geo.as_mut()) else {
            return;
        };
        geo.restore(k);
        let cluster = &self.clusters[k];
        for g in cluster.first..cluster.first + cluster.size {
            self.on_restart(g, source, sched);
        }
    }

    /// Client `c`'s connection on gateway `g` registered (`delta` 1) or ended (−1).
    #[inline]
    pub(super) fn note_site_registered(&mut self, c: u32, g: usize, delta: i64, now: SimTime) {
        let Some(geo) = &self.geo else {
            return;
        };
        let k = self.gateway_cluster[g] as usize;
        self.site_stats[k].note_registered(delta, now);
        if self.site_stats.len() > self.clusters.len() {
            let r = self.clusters.len() + geo.region_slot(c);
            self.site_stats[r].note_registered(delta, now);
        }
    }

    /// Client `c` completed a connect on gateway `g`.
    #[inline]
    pub(super) fn note_site_connect(&mut self, c: u32, g: usize, now: SimTime) {
        let Some(geo) = &self.geo else {
            return;
        };
        let k = self.gateway_cluster[g] as usize;
        self.site_stats[k].connects.add(now, 1);
        if self.site_stats.len() > self.clusters.len() {
            let r = self.clusters.len() + geo.region_slot(c);
            self.site_stats[r].connects.add(now, 1);
        }
    }

    /// A message reached client `c` through gateway `g` after `latency`.
    #[inline]
    pub(super) fn note_site_delivery(&mut self, c: u32, g: usize, latency: SimTime) {
        let Some(geo) = &self.geo else {
            return;
        };
        let k = self.gateway_cluster[g] as usize;
        self.site_stats[k].latency.record(latency);
        if self.site_stats.len() > self.clusters.len() {
            let rtt = geo.client_one_way(c, k).saturating_mul(2);
            let r = self.clusters.len() + geo.region_slot(c);
            self.site_stats[r].latency.record(latency);
            self.site_stats[r].rtt.record(rtt);
        }
    }

    pub(super) fn site_stats_end_warmup(&mut self, now: SimTime) {
        for s in &mut self.site_stats {
            s.end_warmup(now);
        }
    }

    /// `cluster.<site>.*` for every cluster, and `region.<name>.*` for the
    /// regions of `[[push.regions]]`.
    pub(super) fn write_sites(&self, out: &mut RunOutput, end: SimTime) {
        let Some(geo) = &self.geo else {
            return;
        };
        for (k, c) in self.p.clusters.iter().enumerate() {
            let prefix = format!("cluster.{}", slug(&c.site));
            self.site_stats[k].write(out, &prefix, None, end);
        }
        for slot in 0..self.site_stats.len() - self.clusters.len() {
            let name = &geo.world.region(geo.region(slot)).name;
            let prefix = format!("region.{}", slug(name));
            let clients = geo.region_clients(slot);
            self.site_stats[self.clusters.len() + slot].write(out, &prefix, Some(clients), end);
        }
    }
}
