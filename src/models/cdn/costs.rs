//! What a CDN run costs per hour, from `models/prices.toml`:
//! - compute: every PoP's cache servers, the shields and the origin
//!   servers, each an instance of its profile (or the cheapest that holds
//!   its cache);
//! - egress: the bytes each PoP sent to clients at the price of its
//!   region (the PoP's continent), by volume or at the 95th percentile of
//!   5-minute rates (`egress_billing`), and the bytes the origin sent
//!   (cache fills and pushes at `to_cdn`, clients in no-CDN mode at
//!   `to_clients`);
//! - requests: the requests each PoP answered, at its region's price per
//!   10,000 (none in no-CDN mode: the origin bills no requests).

use super::model::CdnModel;
use super::params::{CdnParams, Mode};
use super::setup::CdnPoint;
use crate::engine::{RunWindow, SimTime};
use crate::prices::{Costs, HOUR_S, Instance, Need, Prices, RegionPrice, requests_usd};
use crate::world::World;

/// A problem with the prices of a point: the key under `[cdn]` and what
/// was expected.
pub type Invalid = (String, String);

/// The interval percentile billing samples (REFERENCES C3).
pub const BILLING_INTERVAL: SimTime = SimTime::from_secs(300);
/// The share of samples percentile billing discards from the top.
const DISCARDED_SHARE: f64 = 0.05;

/// The instances of the cache servers, the shields and the origin servers.
pub struct Profiles<'a> {
    pub cache: &'a Instance,
    pub shield: &'a Instance,
    pub origin: &'a Instance,
}

/// The profiles `params` name, or the cheapest that hold their caches.
pub fn profiles<'a>(params: &CdnParams, prices: &'a Prices) -> Result<Profiles<'a>, Invalid> {
    let store = |bytes: u64| Need {
        cores: 1,
        memory_bytes: 0,
        store_bytes: bytes,
    };
    let pick = |key: &str, profile: &Option<String>, need: Need| {
        prices
            .choose(profile.as_deref(), need)
            .map_err(|m| (key.to_string(), m))
    };
    Ok(Profiles {
        cache: pick(
            "cache.profile",
            &params.cache.profile,
            store(params.cache.capacity.0),
        )?,
        shield: pick(
            "shield.profile",
            &params.shield.profile,
            store(params.shield.capacity.0),
        )?,
        origin: pick("origin.profile", &params.origin.profile, store(0))?,
    })
}

/// Checks a point's profiles against the prices. A world may label its
/// PoPs with continents the price file does not price: their egress and
/// requests cost NaN (empty cells), so `cost_per_hour` is empty too.
pub fn check_prices(point: &CdnPoint, prices: &Prices) -> Result<(), Invalid> {
    profiles(&point.params, prices).map(|_| ())
}

impl CdnModel {
    /// The costs of the run of `params` measured over `window`.
    pub fn costs(
        &self,
        params: &CdnParams,
        prices: &Prices,
        window: RunWindow,
    ) -> Result<Costs, String> {
        let p = profiles(params, prices).map_err(|(key, m)| format!("cdn.{key}: {m}"))?;
        let measured_s = (window.horizon - window.warmup).as_secs_f64();
        let per_hour = HOUR_S / measured_s;
        let cdn = params.mode != Mode::NoCdn;
        let cache_servers = if cdn {
            (self.pops.len() * params.cache.servers as usize) as f64
        } else {
            0.0
        };
        let compute = cache_servers * p.cache.usd_per_hour
            + self.shields.len() as f64 * p.shield.usd_per_hour
            + self.origins.len() as f64 * p.origin.usd_per_hour;
        let origin_bytes: u64 = self.origins.iter().map(|o| o.egress.bytes).sum();
        let origin_price = if cdn {
            prices.origin_to_cdn_usd_per_gb
        } else {
            prices.origin_to_clients_usd_per_gb
        };
        let mut egress = prices.gb(origin_bytes as f64) * per_hour * origin_price;
        let mut requests = 0.0;
        if cdn {
            egress += self.edge_egress_per_hour(prices, window);
            for (i, pop) in self.world.spec().pops.iter().enumerate() {
                let answered = self.stats.pops[i].requests as f64 * per_hour;
                requests += region_price(prices, &pop.continent, |r| {
                    requests_usd(answered, r.requests_usd_per_10k)
                });
            }
        }
        Ok(Costs {
            compute_per_hour: compute,
            egress_per_hour: egress,
            requests_per_hour: requests,
        })
    }

    /// Dollars per hour of the bytes the PoPs sent to clients.
    fn edge_egress_per_hour(&self, prices: &Prices, window: RunWindow) -> f64 {
        let world = &self.world;
        let mut total = 0.0;
        for region in pop_regions(world) {
            let price = region_price(prices, &region, |r| r.egress_usd_per_gb);
            let pops: Vec<usize> = (0..self.pops.len())
                .filter(|&i| world.spec().pops[i].continent == region)
                .collect();
            let bytes_per_s = match &self.egress_bins {
                None => {
                    let bytes: u64 = pops.iter().map(|&i| self.pops[i].egress.bytes).sum();
                    bytes as f64 / (window.horizon - window.warmup).as_secs_f64()
                }
                Some(bins) => percentile_rate(bins, &pops, window),
            };
            total += prices.gb(bytes_per_s * HOUR_S) * price;
        }
        total
    }

    /// Counts `bytes` sent by PoP `pop` at `now` into its 5-minute sample
    /// (percentile billing only).
    #[inline]
    pub(super) fn count_billed_egress(&mut self, pop: usize, now: SimTime, bytes: u64) {
        if let Some(bins) = &mut self.egress_bins {
            let bin = (now.as_nanos() / BILLING_INTERVAL.as_nanos()) as usize;
            let pop_bins = &mut bins[pop];
            if pop_bins.len() <= bin {
                pop_bins.resize(bin + 1, 0);
            }
            pop_bins[bin] += bytes;
        }
    }
}

/// `f` of the prices of `region`; NaN (an empty cell) for a region the
/// price file lacks.
fn region_price(prices: &Prices, region: &str, f: impl Fn(&RegionPrice) -> f64) -> f64 {
    prices.region(region).map_or(f64::NAN, f)
}

/// The regions (continents) of the world's PoPs, sorted.
fn pop_regions(world: &World) -> Vec<String> {
    let mut names: Vec<String> = world
        .spec()
        .pops
        .iter()
        .map(|p| p.continent.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The billed rate (bytes/s) of `pops` together: their 5-minute samples
/// that lie wholly in the measured window, the top 5 % discarded, the
/// highest remaining. A window shorter than one interval is one sample.
pub fn percentile_rate(bins: &[Vec<u64>], pops: &[usize], window: RunWindow) -> f64 {
    let step = BILLING_INTERVAL.as_nanos();
    let first = window.warmup.as_nanos().div_ceil(step);
    let end = window.horizon.as_nanos() / step;
    let sum = |k: u64| -> u64 {
        pops.iter()
            .map(|&p| bins[p].get(k as usize).copied().unwrap_or(0))
            .sum()
    };
    if end <= first {
        let all: u64 = (0..=end).map(sum).sum();
        return all as f64 / (window.horizon - window.warmup).as_secs_f64();
    }
    let mut samples: Vec<u64> = (first..end).map(sum).collect();
    samples.sort_unstable();
    let discarded = (samples.len() as f64 * DISCARDED_SHARE).floor() as usize;
    let billed = samples[samples.len() - 1 - discarded];
    billed as f64 / BILLING_INTERVAL.as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_billing_discards_the_top_five_percent() {
        // 40 whole samples: the top 2 are discarded, the third highest billed.
        let mut bins = vec![300u64; 40];
        bins[3] = 300_000;
        bins[17] = 600_000;
        bins[20] = 3_000;
        let window = RunWindow {
            warmup: SimTime::ZERO,
            horizon: SimTime::from_secs(40 * 300),
            max_events: u64::MAX,
            max_pending: u64::MAX,
            max_queued: u64::MAX,
        };
        let rate = percentile_rate(&[bins], &[0], window);
        assert_eq!(rate, 10.0);
    }
}
