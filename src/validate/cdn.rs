//! Validation of the CDN model's own cache path: the full model (routing,
//! cache server, lazy freshness, collapsing, origin) on a one-region,
//! one-PoP world where every round trip and service time is zero or known,
//! against the analytic TTL-cache results.
//!
//! - Pure TTL, set on a miss and not reset on a hit (HTTP `max-age`),
//!   Poisson requests at rate lambda per object: hit ratio
//!   `lambda T / (1 + lambda T)` (J. Jung, A. W. Berger, H. Balakrishnan,
//!   "Modeling TTL-based Internet Caches", IEEE INFOCOM 2003).
//! - Request collapsing with a fetch that takes F: each expiry cycle is
//!   one fetch, F of waiting, T of freshness and an exponential wait for
//!   the next request, so origin fetches per second are `1 / (T + F + 1/lambda)`
//!   (one per expiry at the PoP), and the hit ratio is
//!   `lambda T / (1 + lambda (T + F))` (the requests during F wait, collapsed).

use std::sync::Arc;

use super::CheckResult;
use crate::dist::DurationDist;
use crate::engine::SimTime;
use crate::models::cdn::check::first_problem;
use crate::models::cdn::params::Mode;
use crate::models::cdn::{CdnParams, CdnPoint, run_cdn};
use crate::run::{RunContext, RunIo, RunOutput};
use crate::units::{Bytes, Count, Duration, Rate};
use crate::workload::sizes::SizeSpec;
use crate::workload::trace::TraceFile;
use crate::world::{RoutingMode, World, WorldSpec};

const GROUP: &str = "cdn";
const SEED: u64 = 20_251_127;
/// The tolerance the issue sets for cache checks.
const TOLERANCE: f64 = 0.003;
const TOLERANCE_KIND: &str = "fixed 0.003";

/// One region, one PoP and the origin at one spot with no base round trip,
/// and links so fast that transfers take no time.
const POINT_WORLD: &str = r#"
[latency]
base_rtt_ms = 0.0

[[pop]]
name = "edge"
lat = 0.0
lon = 0.0
continent = "nowhere"

[links]
access = "1000Tbps"
backbone = "1000Tbps"
upstream = "1000Tbps"
direct = "1000Tbps"
pop_egress = "1000Tbps"
origin_egress = "1000Tbps"

[[origin]]
name = "origin"
lat = 0.0
lon = 0.0

[[region]]
name = "here"
lat = 0.0
lon = 0.0
population_millions = 1.0
utc_offset_hours = 0.0
continent = "nowhere"
"#;

/// The one-PoP world of these checks.
pub fn point_world() -> World {
    let no_csv = |_: &str| Err("no PoP list".to_string());
    let spec = WorldSpec::parse("validation world", POINT_WORLD, &no_csv, None)
        .expect("the validation world is valid");
    World::build(spec)
}

/// `objects` equally popular objects of 1 kB with header `cache_control`,
/// `rate` requests/s in all, no protocol or service costs; the origin takes
/// `origin_service` per request.
pub fn point_params(
    objects: u64,
    rate_per_s: f64,
    cache_control: &str,
    origin_service: SimTime,
) -> CdnParams {
    let mut p = CdnParams {
        mode: Mode::Pull,
        request_rate: Rate(rate_per_s),
        clients_per_region: 1,
        ..CdnParams::default()
    };
    p.routing.mode = RoutingMode::Ideal;
    p.network.handshake_round_trips = 0;
    p.network.initial_window = Bytes(0);
    p.cache.servers = 1;
    p.cache.service = DurationDist::deterministic(SimTime::ZERO);
    p.overload.forward_wait = None;
    p.origin.service = DurationDist::deterministic(origin_service);
    p.catalogue.objects = Count(objects);
    p.catalogue.zipf_alpha = 0.0;
    p.catalogue.size = SizeSpec::fixed(1_000);
    p.catalogue.cache_control = cache_control.to_string();
    p.network.timeout = Duration(SimTime::from_secs(3_600));
    p
}

/// Runs one replication of `params` (a synthetic workload) over `world`
/// instead of the world they name; the first problem with them fails it.
pub fn run_cdn_in(params: &CdnParams, world: World, ctx: &RunContext) -> Result<RunOutput, String> {
    let prepared = CdnPoint::prepare(params.clone(), Arc::new(world), TraceFile::scan);
    let point = prepared.map_err(|problems| {
        let (key, message) = first_problem(problems);
        format!("{key}: {message}")
    })?;
    run_cdn(&point, ctx, RunIo::default())
}

/// Runs the point world for `measured_s` after a tenth of it as warm-up.
fn run(params: &CdnParams, measured_s: u64) -> RunOutput {
    let warmup = SimTime::from_secs(measured_s / 10);
    let ctx = RunContext::new(SEED, warmup, warmup + SimTime::from_secs(measured_s));
    run_cdn_in(params, point_world(), &ctx).expect("the validation parameters are valid")
}

/// Every CDN check, in a fixed order.
pub fn cdn_checks() -> Vec<CheckResult> {
    let mut checks = Vec::new();
    for (rate_per_s, ttl_s) in [(1.0, 1), (3.0, 1)] {
        checks.push(ttl_check(rate_per_s, ttl_s));
    }
    checks.extend(collapsing_checks());
    checks
}

/// 1,000 objects at `rate_per_s` each with `max-age=ttl_s`: the CDN's hit
/// ratio against lambda T / (1 + lambda T).
pub fn ttl_check(rate_per_s: f64, ttl_s: u64) -> CheckResult {
    let objects = 1_000;
    let header = format!("max-age={ttl_s}");
    let params = point_params(objects, rate_per_s * objects as f64, &header, SimTime::ZERO);
    let measured_s = (1_000_000.0 / (rate_per_s * objects as f64)) as u64;
    let out = run(&params, measured_s);
    let lt = rate_per_s * ttl_s as f64;
    CheckResult::within(
        GROUP,
        format!("CDN pure TTL hit ratio, lambda={rate_per_s}/s T={ttl_s}s"),
        lt / (1.0 + lt),
        out.get("hit_ratio").unwrap_or(f64::NAN),
        TOLERANCE,
        TOLERANCE_KIND,
    )
}

/// One hot object at 1,000 requests/s, `max-age=1`, a 200 ms origin: origin
/// fetches per expiry cycle (expected 1) and the hit ratio.
pub fn collapsing_checks() -> Vec<CheckResult> {
    let (lambda, ttl_s, fetch_s, measured_s) = (1_000.0, 1.0, 0.2, 600);
    let params = point_params(1, lambda, "max-age=1", SimTime::from_millis(200));
    let out = run(&params, measured_s);
    let cycle_s = ttl_s + fetch_s + 1.0 / lambda;
    let expected_fetches = measured_s as f64 / cycle_s;
    let fetches = out.get("origin_requests").unwrap_or(f64::NAN);
    vec![
        CheckResult::within(
            GROUP,
            "collapsing: origin fetches per expiry at the PoP, lambda=1000/s T=1s F=200ms",
            1.0,
            fetches / expected_fetches,
            // One cycle in either direction at the window's edges.
            2.0 / expected_fetches,
            "fixed: 2 cycles in the window",
        ),
        CheckResult::within(
            GROUP,
            "collapsing: hit ratio lambda T / (1 + lambda (T + F))",
            lambda * ttl_s / (1.0 + lambda * (ttl_s + fetch_s)),
            out.get("hit_ratio").unwrap_or(f64::NAN),
            TOLERANCE,
            TOLERANCE_KIND,
        ),
    ]
}
