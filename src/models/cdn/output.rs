//! The metrics of a finished CDN run, and its end-of-run invariants. Names
//! carry units last (`latency_ms_p99`, `origin_egress_bits_per_s`);
//! per-entity metrics are prefixed `pop.<name>.`, `continent.<name>.` and
//! `region.<name>.` with the name in lower case and `-` for other characters.

use super::model::{CacheServer, CdnModel};
use super::params::Mode;
use super::setup::{continents, slug};
use super::source::RequestSource;
use super::stats::Failure;
use crate::cache::http::Expiry;
use crate::cache::{Cache, CachePolicy};
use crate::engine::{Histogram, SimTime};
use crate::run::{RunOutput, TimeUnit, share};
use crate::world::routing_stats;

impl CdnModel {
    /// Every metric of the run that ended at `end`, measured over `measured_s`.
    pub fn output(&self, end: SimTime, measured_s: f64, report_regions: &[String]) -> RunOutput {
        let mut out = RunOutput::default();
        self.overall(&mut out, measured_s);
        self.latency(&mut out, report_regions);
        self.origin(&mut out, end, measured_s);
        if self.cfg.mode != Mode::NoCdn {
            self.routing(&mut out);
            self.per_pop(&mut out, end, measured_s);
        }
        self.extras(&mut out, measured_s);
        self.attack_output(&mut out, report_regions);
        self.purge_output(&mut out);
        if let Some(series) = &self.series {
            let workers: Vec<u32> = (0..self.pops.len()).map(|p| self.pop_workers(p)).collect();
            let push = self.cfg.mode == Mode::Push;
            out.series.extend(series.finish(end, &workers, push));
        }
        out
    }

    fn overall(&self, out: &mut RunOutput, measured_s: f64) {
        let st = &self.stats;
        let attempted = st.requests + st.failed;
        out.scalar("requests", attempted as f64);
        out.scalar("requests_per_s", attempted as f64 / measured_s);
        out.scalar("hit_ratio", share(st.hits, st.requests));
        out.scalar("byte_hit_ratio", share(st.bytes_hit, st.bytes));
        out.scalar("stale_hits", st.stale_hits as f64);
        out.scalar("stale_if_error_served", st.stale_on_error as f64);
        out.scalar("uncacheable_requests", st.passes as f64);
        out.scalar("collapsed_requests", st.collapsed as f64);
        out.scalar("collapsed_at_shield", st.collapsed_at_shield as f64);
        out.scalar("forwarded_requests", st.forwarded as f64);
        out.scalar("failed_over_requests", st.failed_over as f64);
        out.scalar("failed_requests", st.failed as f64);
        out.scalar("failed_share", share(st.failed, attempted));
        // `saturated` exists only with front ends that can be full.
        let kinds = Failure::NAMES.len() - self.attack.is_none() as usize;
        for (name, count) in Failure::NAMES.iter().zip(st.failed_by).take(kinds) {
            out.scalar(format!("failed_{name}"), count as f64);
        }
    }

    fn latency(&self, out: &mut RunOutput, report_regions: &[String]) {
        let st = &self.stats;
        let mut all = Histogram::new();
        for h in &st.continent_latency {
            all.merge(h);
        }
        out.histogram("latency_ms", TimeUnit::Millis, all);
        for (name, h) in continents(&self.world).iter().zip(&st.continent_latency) {
            let name = format!("continent.{}.latency_ms", slug(name));
            out.histogram(&name, TimeUnit::Millis, h.clone());
        }
        for (name, h) in report_regions.iter().zip(&st.region_latency) {
            let name = format!("region.{}.latency_ms", slug(name));
            out.histogram(&name, TimeUnit::Millis, h.clone());
        }
        if !self.failures.is_empty() {
            let h = st.failed_over_latency.clone();
            out.histogram("failed_over.latency_ms", TimeUnit::Millis, h);
            let extra = st.failover_extra_rtt_ms / st.failover_routed as f64;
            out.scalar("failed_over.extra_rtt_ms_mean", extra);
            let slower = share(st.failover_slower, st.failover_routed);
            out.scalar("failed_over.slower_share", slower);
        }
    }

    fn origin(&self, out: &mut RunOutput, end: SimTime, measured_s: f64) {
        let st = &self.stats;
        out.scalar("origin_requests", st.origin_requests as f64);
        out.scalar(
            "origin_requests_per_s",
            st.origin_requests as f64 / measured_s,
        );
        out.scalar("origin_revalidations", st.origin_revalidations as f64);
        out.scalar("origin_refused", st.origin_refused as f64);
        out.scalar(
            "origin_egress_bits_per_s",
            st.origin_bytes as f64 * 8.0 / measured_s,
        );
        out.scalar(
            "origin_offload",
            1.0 - share(st.origin_requests, st.requests + st.failed),
        );
        let utilisation = self
            .origins
            .iter()
            .map(|o| o.workers.utilisation(end))
            .sum::<f64>()
            / self.origins.len().max(1) as f64;
        out.scalar("origin_utilisation", utilisation);
    }

    /// The routing's calibration over the world (exact, from its
    /// distributions) and the share of requests that reached their nearest PoP.
    fn routing(&self, out: &mut RunOutput) {
        let r = routing_stats(&self.world, &self.router);
        out.scalar("routing.nearest_share", r.nearest_share);
        out.scalar("routing.suboptimal_share", r.suboptimal_share);
        out.scalar("routing.far_share", r.far_share);
        out.scalar("routing.rtt_ms_mean", r.rtt_ms_mean);
        out.scalar("routing.extra_rtt_ms_mean", r.extra_rtt_ms_mean);
        let st = &self.stats;
        out.scalar(
            "requests_to_nearest_pop_share",
            share(st.to_nearest, st.requests + st.failed),
        );
    }

    fn per_pop(&self, out: &mut RunOutput, end: SimTime, measured_s: f64) {
        let n = self.cfg.servers_per_pop as usize;
        let mut stored_total = 0u64;
        let mut egress_total = 0u64;
        for (i, pop) in self.pops.iter().enumerate() {
            let c = &self.stats.pops[i];
            let servers = &self.servers[pop.first_server as usize..pop.first_server as usize + n];
            let stored: u64 = servers.iter().map(|s| s.cache.used_bytes()).sum();
            let utilisation = self.pop_utilisation(i, end);
            stored_total += stored;
            egress_total += pop.egress.bytes;
            let name = slug(&self.world.spec().pops[i].name);
            let mut add = |metric: &str, v: f64| out.scalar(format!("pop.{name}.{metric}"), v);
            add("requests_per_s", c.requests as f64 / measured_s);
            add("hit_ratio", share(c.hits, c.requests));
            add("byte_hit_ratio", share(c.bytes_hit, c.bytes));
            add("utilisation", utilisation);
            if self.cfg.router.is_some() {
                let servers_u = servers
                    .iter()
                    .map(|s| s.workers.utilisation(end))
                    .sum::<f64>();
                add("server_utilisation", servers_u / n as f64);
                add("router_utilisation", pop.router.utilisation(end));
            }
            add(
                "egress_bits_per_s",
                pop.egress.bytes as f64 * 8.0 / measured_s,
            );
            add("stored_bytes", stored as f64);
            add("forwarded_out", c.forwarded_out as f64);
            add("failed", c.failed as f64);
        }
        out.scalar("stored_bytes", stored_total as f64);
        out.scalar(
            "edge_egress_bits_per_s",
            egress_total as f64 * 8.0 / measured_s,
        );
        self.server_balance(out);
        if self.cfg.router.is_some() {
            let u: Vec<f64> = (self.pops.iter())
                .map(|p| p.router.utilisation(end))
                .collect();
            let mean = u.iter().sum::<f64>() / u.len().max(1) as f64;
            out.scalar("router_utilisation_mean", mean);
            out.scalar(
                "router_utilisation_max",
                u.iter().cloned().fold(0.0, f64::max),
            );
            out.scalar("router_refused", self.stats.router_refused as f64);
        }
    }

    /// A PoP's workers: its cache servers', and its request router's when
    /// the router is a station.
    fn pop_workers(&self, pop: usize) -> u32 {
        let servers = self.cfg.servers_per_pop * self.servers[0].workers.workers();
        match self.cfg.router {
            Some(_) => servers + self.pops[pop].router.workers(),
            None => servers,
        }
    }

    /// A PoP's utilisation: the busy time of its cache servers and (when it
    /// is a station) its request router over their capacity, so at most 1.
    fn pop_utilisation(&self, pop: usize, end: SimTime) -> f64 {
        let p = &self.pops[pop];
        let n = self.cfg.servers_per_pop as usize;
        let servers = &self.servers[p.first_server as usize..p.first_server as usize + n];
        if self.cfg.router.is_none() {
            return servers
                .iter()
                .map(|s| s.workers.utilisation(end))
                .sum::<f64>()
                / n as f64;
        }
        let weighted = |w: &crate::station::Workers| w.utilisation(end) * w.workers() as f64;
        let busy: f64 =
            servers.iter().map(|s| weighted(&s.workers)).sum::<f64>() + weighted(&p.router);
        busy / self.pop_workers(pop) as f64
    }

    /// How evenly each PoP's cache servers share its requests and its
    /// stored bytes: the busiest server over the PoP's mean, averaged over
    /// the PoPs weighted by their requests (1: even; `servers`: one server
    /// takes everything).
    fn server_balance(&self, out: &mut RunOutput) {
        let n = self.cfg.servers_per_pop as usize;
        let (mut requests, mut stored, mut weight) = (0.0, 0.0, 0.0);
        for pop in &self.pops {
            let servers = &self.servers[pop.first_server as usize..pop.first_server as usize + n];
            let max_over_mean = |v: &dyn Fn(&CacheServer) -> f64| {
                let total: f64 = servers.iter().map(v).sum();
                let max = servers.iter().map(v).fold(0.0, f64::max);
                if total > 0.0 {
                    max * n as f64 / total
                } else {
                    1.0
                }
            };
            let w: f64 = servers.iter().map(|s| s.requests as f64).sum();
            requests += w * max_over_mean(&|s| s.requests as f64);
            stored += w * max_over_mean(&|s| s.cache.used_bytes() as f64);
            weight += w;
        }
        let mean = |sum: f64| if weight > 0.0 { sum / weight } else { f64::NAN };
        out.scalar("servers.requests_max_over_mean", mean(requests));
        out.scalar("servers.stored_max_over_mean", mean(stored));
    }

    fn extras(&self, out: &mut RunOutput, measured_s: f64) {
        let st = &self.stats;
        if let RequestSource::Trace(trace) = &self.workload.source {
            // Counted from time zero (warm-up included): they describe the input.
            out.scalar("trace.sent_requests", trace.sent as f64);
            out.scalar("trace.reordered_requests", trace.reordered as f64);
            out.scalar("trace.exhausted", trace.exhausted() as u8 as f64);
        }
        if self.cfg.mode == Mode::Push {
            out.scalar("push_bytes", st.push_bytes as f64);
            out.scalar("push_bits_per_s", st.push_bytes as f64 * 8.0 / measured_s);
        }
        if self.workload.publish.is_some() || self.cfg.mode == Mode::Push {
            out.scalar("published_objects", st.published as f64);
        }
        if !self.workload.flash.is_empty() {
            let f = &st.flash;
            out.scalar("flash.requests", f.requests as f64);
            out.scalar("flash.hit_ratio", share(f.hits, f.requests));
            out.scalar("flash.origin_fetches", f.origin_fetches as f64);
            out.scalar("flash.fetch_episodes", f.episodes as f64);
            out.scalar(
                "flash.origin_fetches_per_expiry",
                share(f.origin_fetches, f.episodes),
            );
            out.histogram("flash.latency_ms", TimeUnit::Millis, f.latency.clone());
        }
        if self.cfg.versions.any() {
            out.scalar(
                "stale_served_share",
                share(st.stale_served, st.content_served),
            );
            let age_s = st.content_age_ns as f64 / 1e9 / st.content_served.max(1) as f64;
            out.scalar("served_age_s_mean", age_s);
            out.scalar("origin_not_modified", st.origin_not_modified as f64);
            out.scalar("origin_full_fetches", st.origin_full as f64);
        }
        if self.workload.video.is_some() {
            let v = &st.video;
            out.scalar("video.sessions", v.sessions as f64);
            out.scalar("video.completed_sessions", v.completed as f64);
            out.scalar("video.failed_sessions", v.failed as f64);
            out.scalar("video.segments", v.segments as f64);
            out.scalar("video.stalls_per_session", share(v.stalls, v.completed));
            out.scalar("video.rebuffer_ratio", share(v.stall_ns, v.watch_ns));
            out.histogram("video.startup_ms", TimeUnit::Millis, v.startup.clone());
            if self.workload.video.as_ref().is_some_and(|v| v.abr) {
                let segments = v.segments.max(1) as f64;
                out.scalar("video.mean_bitrate_bits_per_s", v.bitrate_sum / segments);
                out.scalar("video.switches_up", v.switches_up as f64);
                out.scalar("video.switches_down", v.switches_down as f64);
            }
            self.video_load(out, measured_s);
        }
    }
}

impl CdnModel {
    /// End-of-run consistency checks (release builds too): every request
    /// that ended was a hit, a miss or a failure, overall and at each PoP;
    /// the PoPs' requests and those that reached none add up to the whole;
    /// no cache holds more bytes than its capacity; no station and no PoP
    /// in any time bin was busy more than its capacity by the run's `end`.
    /// A failure is a model bug.
    pub fn check_invariants(&self, end: SimTime) -> Result<(), String> {
        let st = &self.stats;
        let requests = st.requests + st.failed;
        if requests != st.hits + st.misses + st.failed {
            return Err(format!(
                "{requests} requests, but {} hits + {} misses + {} failed",
                st.hits, st.misses, st.failed
            ));
        }
        let mut at_pops = 0;
        for (i, c) in st.pops.iter().enumerate() {
            let pop_requests = c.requests + c.failed;
            if pop_requests != c.hits + c.misses + c.failed {
                return Err(format!(
                    "PoP {}: {pop_requests} requests, but {} hits + {} misses + {} failed",
                    self.world.spec().pops[i].name,
                    c.hits,
                    c.misses,
                    c.failed
                ));
            }
            at_pops += pop_requests;
        }
        if at_pops + st.without_pop != requests {
            return Err(format!(
                "{requests} requests, but {at_pops} at PoPs + {} at none",
                st.without_pop
            ));
        }
        self.check_capacity()?;
        self.check_attack()?;
        self.check_utilisation(end)
    }

    /// Every attack request sent is counted once: unrouted, dropped,
    /// rate-limited, served, failed or still in flight.
    fn check_attack(&self) -> Result<(), String> {
        let Some(d) = &self.attack else {
            return Ok(());
        };
        let c = &d.counters;
        let ended = c.unrouted + c.dropped + c.rate_limited + c.hits + c.served_upstream + c.failed;
        if c.sent != ended + c.in_flight {
            return Err(format!(
                "{} attack requests sent, but {ended} ended + {} in flight",
                c.sent, c.in_flight
            ));
        }
        Ok(())
    }

    /// Every station's utilisation, and every PoP's in every time bin, is
    /// at most 1 (busy time over capacity).
    fn check_utilisation(&self, end: SimTime) -> Result<(), String> {
        let stations = (self.servers.iter().map(|s| ("cache server", &s.workers)))
            .chain(self.pops.iter().map(|p| ("request router", &p.router)))
            .chain(self.shields.iter().map(|s| ("shield", &s.workers)))
            .chain(self.origins.iter().map(|o| ("origin", &o.workers)));
        for (i, (what, workers)) in stations.enumerate() {
            let u = workers.utilisation(end);
            if !(0.0..=1.0 + 1e-9).contains(&u) {
                return Err(format!("{what} (station {i}) has utilisation {u}"));
            }
        }
        let Some(series) = &self.series else {
            return Ok(());
        };
        for (pop, busy) in series.pop_busy_ns.iter().enumerate() {
            let capacity = busy.step().as_nanos() as f64 * self.pop_workers(pop) as f64;
            let values = busy.values(end);
            if let Some((bin, b)) =
                (values.iter().enumerate()).find(|(_, b)| **b > capacity * (1.0 + 1e-9))
            {
                return Err(format!(
                    "PoP {}: busy {b} ns in bin {bin}, over its capacity of {capacity} ns",
                    self.world.spec().pops[pop].name
                ));
            }
        }
        Ok(())
    }

    /// Every cache server and shield holds at most its capacity.
    fn check_capacity(&self) -> Result<(), String> {
        let within = |what: &str, i: usize, cache: &Cache<Expiry>| {
            let (used, capacity) = (cache.used_bytes(), cache.capacity());
            if used > capacity {
                return Err(format!(
                    "{what} {i} stores {used} bytes, over its capacity of {capacity}"
                ));
            }
            Ok(())
        };
        for (i, server) in self.servers.iter().enumerate() {
            within("cache server", i, &server.cache)?;
        }
        for (i, shield) in self.shields.iter().enumerate() {
            within("shield", i, &shield.cache)?;
        }
        Ok(())
    }
}

/// The metrics that answer most questions asked of this model (the read tail, the hit ratio, the origin load and the price):
/// the report's headline when an experiment names none (`[output] headline`).
pub const HEADLINE: &[&str] = &[
    "latency_ms_p99",
    "hit_ratio",
    "origin_requests_per_s",
    "cost_per_hour",
];

impl CdnModel {
    /// Under attack (or with front-end limits): what legitimate users got,
    /// by region, and where the attack went. `attack.*` count the whole
    /// run, every attack request once; the rest count after the warm-up.
    fn attack_output(&self, out: &mut RunOutput, report_regions: &[String]) {
        let Some(d) = &self.attack else {
            return;
        };
        let st = &self.stats;
        out.scalar(
            "legit_failed_share",
            share(st.failed, st.requests + st.failed),
        );
        for name in report_regions {
            if let Some(r) = self.world.region_by_name(name) {
                let (n, f) = (st.region_attempts[r.index()], st.region_failed[r.index()]);
                out.scalar(
                    format!("region.{}.legit_failed_share", slug(name)),
                    share(f, n),
                );
            }
        }
        let from = (d.measured_from.as_nanos() / 1_000_000_000) as usize;
        let peak = d.origin_bins.iter().skip(from).max().copied().unwrap_or(0);
        out.scalar("origin_requests_per_s_peak", peak as f64);
        if d.runs.is_empty() {
            return;
        }
        let c = &d.counters;
        out.scalar("attack.requests", c.sent as f64);
        out.scalar("attack.arrived", c.arrived as f64);
        out.scalar("attack.unrouted", c.unrouted as f64);
        out.scalar("attack.dropped", c.dropped as f64);
        out.scalar("attack.rate_limited", c.rate_limited as f64);
        out.scalar("attack.served_from_cache", c.hits as f64);
        out.scalar("attack.served_upstream", c.served_upstream as f64);
        out.scalar("attack.failed", c.failed as f64);
        out.scalar("attack.in_flight", c.in_flight as f64);
        if self.cfg.mode == Mode::NoCdn {
            // No edge: every request that arrived was the origin's to take.
            out.scalar("attack.upstream_share", 1.0);
            out.scalar("attack.absorbed_share", 0.0);
            return;
        }
        out.scalar("attack.upstream_share", share(c.upstream, c.arrived));
        out.scalar("attack.absorbed_share", 1.0 - share(c.upstream, c.arrived));
        for (i, pop) in self.world.spec().pops.iter().enumerate() {
            let p = &d.pops[i];
            let name = slug(&pop.name);
            out.scalar(format!("pop.{name}.attack_requests"), p.arrived as f64);
            let dropped = share(p.dropped + p.rate_limited, p.arrived);
            out.scalar(format!("pop.{name}.attack_dropped_share"), dropped);
        }
        out.scalar(
            "attack.pops_reached",
            d.pops.iter().filter(|p| p.arrived > 0).count() as f64,
        );
        let busiest = d.pops.iter().map(|p| p.arrived).max().unwrap_or(0);
        out.scalar("attack.busiest_pop_share", share(busiest, c.arrived));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::{CdnParams, CdnPoint, setup};
    use crate::engine::{SimTime, run};
    use crate::run::{RunContext, RunIo};
    use crate::units::Rate;
    use crate::world::{World, WorldSpec};

    #[test]
    fn a_request_counted_twice_or_lost_breaks_the_invariants() {
        let params = CdnParams {
            request_rate: Rate(500.0),
            ..CdnParams::default()
        };
        let world = Arc::new(World::build(WorldSpec::shipped()));
        let point = CdnPoint::prepare(params, world, |_| unreachable!("no trace")).unwrap();
        let ctx = RunContext::new(3, SimTime::from_secs(1), SimTime::from_secs(10));
        let mut model = setup::build(&point, &ctx, RunIo::default()).unwrap();
        run(&mut model, ctx.window);
        let end = ctx.window.horizon;
        assert_eq!(model.check_invariants(end), Ok(()));
        model.stats.misses += 1;
        let total = model.check_invariants(end).unwrap_err();
        assert!(total.contains("requests, but"), "{total}");
        model.stats.misses -= 1;
        let pop = model.stats.pops.iter().position(|c| c.hits > 0).unwrap();
        model.stats.pops[pop].hits -= 1;
        let at_pop = model.check_invariants(end).unwrap_err();
        assert!(at_pop.starts_with("PoP "), "{at_pop}");
        model.stats.pops[pop].hits += 1;
        model.stats.without_pop += 1;
        let whole = model.check_invariants(end).unwrap_err();
        assert!(whole.contains("at PoPs"), "{whole}");
    }
}
