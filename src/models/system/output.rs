//! The system model's metrics: each part's own, prefixed `cdn.` and
//! `push.`, the campaigns' (`campaign.<name>.*`, and over all campaigns
//! unprefixed), the whole system's cost, and the end-of-run invariants
//! that cross the parts.

use super::model::SystemModel;

/// The metrics that answer a campaign's questions (the end-to-end tail by
/// its push and CDN shares, the origin's peak, the price): the report's
/// headline when an experiment names none (`[output] headline`).
pub const HEADLINE: &[&str] = &[
    "notify_to_content_ms_p99",
    "campaign.delivery_ms_p99",
    "campaign.fetch_ms_p99",
    "origin_requests_per_s_peak",
    "cost_per_hour",
];

/// The headline of a system without campaigns: its parts' own.
pub const HEADLINE_CDN: &[&str] = &[
    "cdn.latency_ms_p99",
    "cdn.hit_ratio",
    "cdn.origin_requests_per_s",
    "cost_per_hour",
];

/// The headline of a push-only system.
pub const HEADLINE_PUSH: &[&str] = &[
    "push.delivery_latency_ms_p99",
    "push.connected_share",
    "push.gateway_cpu_utilisation_max",
    "cost_per_hour",
];
use super::setup::SystemPoint;
use crate::engine::{Histogram, SimTime};
use crate::models::{cdn, push};
use crate::run::{RunContext, RunOutput, TimeUnit};

impl SystemModel {
    /// Every notification is accounted for: still in the push pipeline,
    /// not delivered, waiting to fetch or fetching, fetched, or failed;
    /// counted once.
    pub fn check_invariants(&self) -> Result<(), String> {
        for c in &self.campaigns {
            let k = &c.counters;
            if k.notified != c.cursor as u64 {
                return Err(format!(
                    "campaign {}: {} notified, {} sent",
                    c.name, k.notified, c.cursor
                ));
            }
            if k.delivered + k.not_delivered > k.notified {
                return Err(format!(
                    "campaign {}: more endings than notifications",
                    c.name
                ));
            }
            if k.fetched + k.fetch_failed > k.delivered {
                return Err(format!("campaign {}: more fetches than deliveries", c.name));
            }
            if c.latency.count() != k.fetched {
                return Err(format!("campaign {}: latencies and fetches differ", c.name));
            }
        }
        let notes = self.notes.len() as u64;
        let notified: u64 = self.campaigns.iter().map(|c| c.counters.notified).sum();
        if notes != notified {
            return Err(format!("{notes} notes for {notified} notifications"));
        }
        Ok(())
    }

    /// The campaigns' metrics.
    pub fn write_campaigns(&self, out: &mut RunOutput) {
        if self.campaigns.is_empty() {
            return;
        }
        let mut all = Histogram::new();
        let mut delivery = Histogram::new();
        let mut fetch = Histogram::new();
        let mut total = super::model::Counters::default();
        for c in &self.campaigns {
            let prefix = format!("campaign.{}", c.name);
            counters(out, &prefix, &c.counters);
            let fetches: u64 = c
                .objects
                .iter()
                .map(|&o| self.cdn.as_ref().map_or(0, |cdn| cdn.watched_fetches(o)))
                .sum();
            out.scalar(format!("{prefix}.origin_fetches"), fetches as f64);
            if let Some(cdn) = self.cdn.as_ref().filter(|cdn| cdn.cfg.shield_enabled) {
                let (lookups, hits) = c.objects.iter().fold((0, 0), |(l, h), &o| {
                    let (lo, ho) = cdn.watched_shield(o);
                    (l + lo, h + ho)
                });
                out.scalar(
                    format!("{prefix}.shield_hit_ratio"),
                    crate::run::share(hits, lookups),
                );
            }
            out.histogram(
                &format!("{prefix}.notify_to_content_ms"),
                TimeUnit::Millis,
                c.latency.clone(),
            );
            out.histogram(
                &format!("{prefix}.delivery_ms"),
                TimeUnit::Millis,
                c.delivery.clone(),
            );
            out.histogram(
                &format!("{prefix}.fetch_ms"),
                TimeUnit::Millis,
                c.fetch.clone(),
            );
            all.merge(&c.latency);
            delivery.merge(&c.delivery);
            fetch.merge(&c.fetch);
            add(&mut total, &c.counters);
        }
        counters(out, "campaign", &total);
        out.scalar("origin_requests_per_s_peak", self.origin.peak as f64);
        out.scalar(
            "campaign.origin_fetches_per_s_peak",
            self.origin.watched_peak as f64,
        );
        out.histogram("notify_to_content_ms", TimeUnit::Millis, all);
        out.histogram("campaign.delivery_ms", TimeUnit::Millis, delivery);
        out.histogram("campaign.fetch_ms", TimeUnit::Millis, fetch);
        if let Some(world) = &self.world {
            for (r, h) in self.region_latency.iter().enumerate() {
                if h.count() == 0 {
                    continue;
                }
                let name = cdn::setup::slug(&world.region(crate::world::RegionId(r as u32)).name);
                let value = h.quantile(0.99).map_or(f64::NAN, |v| v.as_millis_f64());
                out.scalar(format!("region.{name}.notify_to_content_ms_p99"), value);
            }
        }
    }
}

fn counters(out: &mut RunOutput, prefix: &str, k: &super::model::Counters) {
    out.scalar(format!("{prefix}.notified"), k.notified as f64);
    out.scalar(format!("{prefix}.delivered"), k.delivered as f64);
    out.scalar(format!("{prefix}.not_delivered"), k.not_delivered as f64);
    out.scalar(format!("{prefix}.fetched"), k.fetched as f64);
    out.scalar(format!("{prefix}.fetch_failed"), k.fetch_failed as f64);
    let waiting = k.delivered - k.fetched - k.fetch_failed;
    out.scalar(format!("{prefix}.fetch_pending"), waiting as f64);
    out.scalar(
        format!("{prefix}.edge_hit_ratio"),
        crate::run::share(k.edge_hits, k.requests),
    );
}

fn add(total: &mut super::model::Counters, k: &super::model::Counters) {
    total.notified += k.notified;
    total.delivered += k.delivered;
    total.not_delivered += k.not_delivered;
    total.fetched += k.fetched;
    total.fetch_failed += k.fetch_failed;
    total.requests += k.requests;
    total.edge_hits += k.edge_hits;
}

/// The end of a run that stopped at `end`: the parts' own endings and
/// metrics, the campaigns', and the whole system's cost per hour.
pub fn conclude(
    model: &mut SystemModel,
    point: &SystemPoint,
    ctx: &RunContext,
    end: SimTime,
) -> Result<RunOutput, String> {
    model
        .check_invariants()
        .map_err(|e| format!("model invariant broken: {e}"))?;
    let mut out = RunOutput::default();
    let mut cost = 0.0;
    if let (Some(m), Some(p)) = (&mut model.cdn, &point.cdn) {
        let part = cdn::conclude(m, p, ctx, end)?;
        cost += part.get("cost_per_hour").unwrap_or(0.0);
        out.absorb(part, "cdn");
    }
    if let (Some(m), Some(p)) = (&model.push, &point.push) {
        let part = push::conclude(m, p.params(), ctx, end)?;
        cost += part.get("cost_per_hour").unwrap_or(0.0);
        out.absorb(part, "push");
    }
    model.write_campaigns(&mut out);
    out.scalar("cost_per_hour", cost);
    Ok(out)
}
