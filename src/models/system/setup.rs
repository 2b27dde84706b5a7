//! A system point (its parts prepared by their own models, and the
//! campaigns resolved against their world) and a run's model built from it.

use super::check::{Invalid, check};
use super::model::{Campaign, Counters, SystemModel};
use super::params::SystemParams;
use crate::dist::DurationSampler;
use crate::engine::{Histogram, Relay, SimTime};
use crate::models::cdn::{self, CdnPoint};
use crate::models::push::{self, PushPoint};
use crate::run::{RunContext, RunIo};
use crate::world::RegionId;

/// The checked parameters of one point: each part as its own model
/// prepared it, and the campaigns.
#[derive(Clone, Debug, PartialEq)]
pub struct SystemPoint {
    pub params: SystemParams,
    pub cdn: Option<CdnPoint>,
    pub push: Option<PushPoint>,
}

impl SystemPoint {
    /// Checks the campaigns against the prepared parts.
    pub fn prepare(
        params: SystemParams,
        cdn: Option<CdnPoint>,
        push: Option<PushPoint>,
    ) -> Result<SystemPoint, Invalid> {
        check(&params, cdn.as_ref(), push.as_ref())?;
        Ok(SystemPoint { params, cdn, push })
    }

    /// When the first scheduled disturbance of either part, or the first
    /// campaign (or its pre-warming), begins.
    pub fn disturbed_from(&self) -> Option<SimTime> {
        let campaigns = self.params.campaign.iter().map(|c| c.at.0 - c.prewarm.0);
        self.cdn
            .as_ref()
            .and_then(CdnPoint::disturbed_from)
            .into_iter()
            .chain(self.push.as_ref().and_then(|p| p.params().disturbed_from()))
            .chain(campaigns)
            .min()
    }
}

/// Builds one run's model: each part by its own model's setup, on the
/// run's streams.
pub fn build(point: &SystemPoint, ctx: &RunContext, io: RunIo) -> Result<SystemModel, String> {
    let mut cdn = match &point.cdn {
        Some(p) => Some(cdn::setup::build(p, ctx, io)?),
        None => None,
    };
    let mut push = match &point.push {
        Some(p) => Some(push::setup::build_point(p, ctx)?),
        None => None,
    };
    let world = point.push.as_ref().and_then(|p| p.world().cloned());
    let mut campaigns = Vec::new();
    for (i, c) in point.params.campaign.iter().enumerate() {
        let world = world.as_ref().expect("checked: campaigns have a world");
        let regions: Vec<RegionId> = c
            .regions
            .iter()
            .map(|name| world.region_by_name(name).expect("checked"))
            .collect();
        let think: DurationSampler = c.think.compile().map_err(|e| e.message)?;
        campaigns.push(Campaign {
            name: c.name.clone().unwrap_or_else(|| format!("c{i}")),
            at: c.at.0,
            window: c.window.0,
            share: c.share,
            regions,
            objects: Vec::new(),
            object_count: c.objects,
            think,
            prewarm: (c.prewarm.0 > SimTime::ZERO).then_some(c.prewarm.0),
            users: Vec::new(),
            cursor: 0,
            rng: ctx.streams.stream("system/campaign", i as u64),
            think_rng: ctx.streams.stream("system/think", i as u64),
            counters: Counters::default(),
            latency: Histogram::new(),
            delivery: Histogram::new(),
            fetch: Histogram::new(),
        });
    }
    if !campaigns.is_empty() {
        cdn.as_mut().expect("checked").open_outbox();
        push.as_mut().expect("checked").open_outbox();
    }
    let regions = world.as_ref().map_or(0, |w| w.region_count());
    Ok(SystemModel {
        cdn,
        push,
        cdn_relay: Relay::default(),
        push_relay: Relay::default(),
        campaigns,
        notes: Vec::new(),
        notified: Vec::new(),
        fetched: Vec::new(),
        region_latency: (0..regions).map(|_| Histogram::new()).collect(),
        world,
        origin: super::model::OriginPeak::default(),
    })
}
