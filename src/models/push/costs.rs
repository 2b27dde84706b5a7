//! What a push run costs per hour, from `models/prices.toml`: compute
//! (the gateways, the processors as many as were ready on average, the
//! registry's nodes and Kafka's brokers, each an instance of its profile)
//! and requests (every poll and upstream message of a polling transport,
//! i.e. its `requests_per_s`, every connect of a persistent one, at the
//! request price of the file's `push_region`). The
//! model carries no message sizes, so it reports no egress cost.
//!
//! A gateway `profile` sets the gateways' cores and memory; without one,
//! the gateways are priced as the cheapest profile with their cores and
//! memory.

use super::defaults as d;
use super::params::PushParams;
use super::setup::PushPoint;
use crate::prices::{Costs, HOUR_S, Instance, Need, Prices, requests_usd};
use crate::run::RunOutput;

/// A problem with a profile: the key under `[push]` and what was expected.
pub type Invalid = (String, String);

/// The instance of every priced component.
pub struct Profiles<'a> {
    pub gateway: &'a Instance,
    pub processor: &'a Instance,
    pub registry: &'a Instance,
    pub kafka: &'a Instance,
}

/// The profiles `p` names (or, for gateways without one, the cheapest
/// that fits their cores and memory).
pub fn profiles<'a>(p: &PushParams, prices: &'a Prices) -> Result<Profiles<'a>, Invalid> {
    let g = &p.gateways;
    let need = Need {
        cores: g.cores,
        memory_bytes: g.memory.0,
        store_bytes: 0,
    };
    let named = |key: &str, name: &str| prices.instance(name).map_err(|m| (key.to_string(), m));
    Ok(Profiles {
        gateway: prices
            .choose(g.profile.as_deref(), need)
            .map_err(|m| ("gateways.profile".to_string(), m))?,
        processor: named("processors.profile", &p.processors.profile)?,
        registry: named("registry.profile", &p.registry.profile)?,
        kafka: named("kafka.profile", &p.kafka.profile)?,
    })
}

/// [`resolve`] on a prepared point: when a profile changes the gateways,
/// the point is prepared (and so checked) again on its world.
pub fn resolve_point(point: &mut PushPoint, prices: &Prices) -> Result<(), Invalid> {
    let mut params = point.params().clone();
    resolve(&mut params, prices)?;
    if &params != point.params() {
        *point = PushPoint::prepare(params, point.world().cloned())
            .map_err(super::check::first_problem)?;
    }
    Ok(())
}

/// Gives the gateways the cores and memory of their `profile`. Cores or
/// memory written next to a profile must agree with it.
pub fn resolve(p: &mut PushParams, prices: &Prices) -> Result<(), Invalid> {
    if let Some(name) = p.gateways.profile.clone() {
        let key = "gateways.profile".to_string();
        let instance = prices.instance(&name).map_err(|m| (key.clone(), m))?;
        let g = &mut p.gateways;
        let cores_given = g.cores != d::GATEWAY_CORES && g.cores != instance.cores;
        let memory_given =
            g.memory.0 != d::GATEWAY_MEMORY_BYTES && g.memory.0 != instance.memory_bytes;
        if cores_given || memory_given {
            return Err((
                key,
                format!(
                    "profile \"{name}\" has {} cores and {} bytes of memory, but `cores` = {} and `memory` = {} are written too; give either the profile or cores and memory",
                    instance.cores, instance.memory_bytes, g.cores, g.memory.0
                ),
            ));
        }
        g.cores = instance.cores;
        g.memory.0 = instance.memory_bytes;
    }
    profiles(p, prices).map(|_| ())
}

/// The costs of a finished run, from its metrics (`processors_mean`,
/// `requests_per_s`, `connects_per_s`), and the fleet's cores.
pub fn costs(p: &PushParams, prices: &Prices, out: &RunOutput) -> Result<Costs, String> {
    let profiles = profiles(p, prices).map_err(|(key, m)| format!("push.{key}: {m}"))?;
    let metric = |name: &str| out.get(name).filter(|v| v.is_finite()).unwrap_or(0.0);
    let compute = f64::from(p.gateway_count()) * profiles.gateway.usd_per_hour
        + metric("processors_mean") * profiles.processor.usd_per_hour
        + f64::from(p.registry.nodes.unwrap_or(d::REGISTRY_NODES)) * profiles.registry.usd_per_hour
        + p.kafka.brokers as f64 * profiles.kafka.usd_per_hour;
    let billed_per_s = if p.transport.is_persistent() {
        metric("connects_per_s")
    } else {
        metric("requests_per_s")
    };
    let region = prices.region(&prices.push_region)?;
    Ok(Costs {
        compute_per_hour: compute,
        egress_per_hour: 0.0,
        requests_per_hour: requests_usd(billed_per_s * HOUR_S, region.requests_usd_per_10k),
    })
}
