//! Validation of the world model: the latency model against measured city-pair
//! RTTs, and routing over the shipped world against the anycast measurements of
//! Calder et al. (IMC 2015). `edgesim validate` prints these next to the other
//! checks; `tests/world_routing.rs` asserts them.

use super::CheckResult;
use crate::engine::Streams;
use crate::world::{
    LatLon, LatencyModel, Router, RoutingMode, RoutingSpec, World, WorldSpec, routing_stats,
};

const GROUP: &str = "world";

/// Measured RTTs between city pairs, ms (WonderProxy, "Miles per millisecond",
/// 2011, https://wonderproxy.com/blog/miles-per-milisecond/), with city-centre
/// coordinates (Fremont, California for the US west coast server).
pub const MEASURED_RTT_MS: [(&str, LatLon, &str, LatLon, f64); 8] = [
    ("New York", NEW_YORK, "Paris", PARIS, 78.0),
    ("Fremont", FREMONT, "New York", NEW_YORK, 77.0),
    ("Dallas", DALLAS, "New York", NEW_YORK, 39.0),
    ("Milan", MILAN, "Paris", PARIS, 22.0),
    ("Paris", PARIS, "Moscow", MOSCOW, 56.0),
    ("Sydney", SYDNEY, "Fremont", FREMONT, 185.0),
    ("New York", NEW_YORK, "Sydney", SYDNEY, 319.0),
    ("Zurich", ZURICH, "Milan", MILAN, 11.0),
];

const NEW_YORK: LatLon = LatLon::new(40.71, -74.01);
const PARIS: LatLon = LatLon::new(48.86, 2.35);
const FREMONT: LatLon = LatLon::new(37.55, -121.99);
const DALLAS: LatLon = LatLon::new(32.78, -96.80);
const MILAN: LatLon = LatLon::new(45.46, 9.19);
const MOSCOW: LatLon = LatLon::new(55.76, 37.62);
const SYDNEY: LatLon = LatLon::new(-33.87, 151.21);
const ZURICH: LatLon = LatLon::new(47.37, 8.54);

/// Paths at least this long are "long": propagation dominates and the fitted
/// inflation applies. Shorter ones are ruled by access and switching costs
/// that a single factor cannot capture (the fit underestimates them by ~30 %).
pub const LONG_PATH_KM: f64 = 2_000.0;

/// Mean relative error the default model may show over the long paths: the
/// measured inflation of those paths ranges 1.34–2.26 (NY–Paris to
/// Paris–Moscow), so one factor cannot be closer than about ±25 % on each.
pub const LONG_PATH_MEAN_ERROR: f64 = 0.25;
/// Relative error any single long path may show. NY–Paris, the most direct
/// route of the set (measured 1.34× the fibre floor), sits 38 % under the
/// 1.77× model; 40 % admits it while still catching a wrong unit or factor.
pub const LONG_PATH_MAX_ERROR: f64 = 0.40;

/// Tolerance on the anycast shares: ±3 percentage points, the precision with
/// which the published figures ("≈ 55 %", "20 %", "just under 10 %") can be read.
pub const ANYCAST_SHARE_TOLERANCE: f64 = 0.03;

/// Every world check.
pub fn world_checks() -> Vec<CheckResult> {
    let mut checks = latency_checks(&LatencyModel::default());
    let world = World::build(WorldSpec::shipped());
    checks.extend(routing_checks(&world));
    checks
}

/// The latency model against the measured long-path RTTs.
pub fn latency_checks(model: &LatencyModel) -> Vec<CheckResult> {
    let mut checks = Vec::new();
    let mut errors = Vec::new();
    for (a, at_a, b, at_b, measured_ms) in MEASURED_RTT_MS {
        let distance_km = at_a.distance_km(at_b);
        if distance_km < LONG_PATH_KM {
            continue;
        }
        let model_ms = model.rtt_ms(distance_km);
        errors.push((model_ms - measured_ms).abs() / measured_ms);
        checks.push(CheckResult::within(
            GROUP,
            format!("RTT {a}-{b} ({distance_km:.0} km), ms"),
            measured_ms,
            model_ms,
            LONG_PATH_MAX_ERROR * measured_ms,
            "fixed 40% of the measured RTT",
        ));
    }
    let mean_error = errors.iter().sum::<f64>() / errors.len() as f64;
    checks.push(CheckResult::within(
        GROUP,
        "RTT mean relative error over paths >= 2000 km",
        0.0,
        mean_error,
        LONG_PATH_MEAN_ERROR,
        "fixed 0.25",
    ));
    checks
}

/// Anycast calibration and the ideal bound over a world.
pub fn routing_checks(world: &World) -> Vec<CheckResult> {
    let streams = Streams::new(1);
    let anycast = Router::new(world, &RoutingSpec::default(), &streams);
    let stats = routing_stats(world, &anycast);
    let kind = "fixed 0.03";
    let ideal_spec = RoutingSpec {
        mode: RoutingMode::Ideal,
        ..RoutingSpec::default()
    };
    let ideal = routing_stats(world, &Router::new(world, &ideal_spec, &streams));
    vec![
        CheckResult::within(
            GROUP,
            "anycast share of clients at their nearest PoP",
            0.55,
            stats.nearest_share,
            ANYCAST_SHARE_TOLERANCE,
            kind,
        ),
        CheckResult::within(
            GROUP,
            "anycast share >= 25 ms slower than the nearest PoP",
            0.20,
            stats.suboptimal_share,
            ANYCAST_SHARE_TOLERANCE,
            kind,
        ),
        CheckResult::within(
            GROUP,
            "anycast share >= 100 ms slower than the nearest PoP",
            0.09,
            stats.far_share,
            ANYCAST_SHARE_TOLERANCE,
            kind,
        ),
        CheckResult::within(
            GROUP,
            "ideal routing share at the nearest PoP",
            1.0,
            ideal.nearest_share,
            1e-9,
            "fixed 1e-9",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_world_check_passes() {
        for check in world_checks() {
            assert!(check.pass, "{check:?}");
        }
    }
}
