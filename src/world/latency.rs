//! The latency model: round-trip time from great-circle distance.
//!
//! `rtt = 2 × distance × path_inflation / fibre_speed + base_rtt`, and the
//! one-way delay is half of it. Path inflation stands for fibre that does not
//! follow the great circle and for routing detours; the base cost for access
//! networks, switching and the last mile, which dominate short paths. It is a
//! propagation model only: queueing and transmission time are the CDN model's.

use serde::Deserialize;

use crate::engine::SimTime;

/// Light in standard single-mode fibre (group index ≈ 1.467) covers about
/// 204 km per ms; the usual rule of thumb is 200 km/ms, 5 µs per km
/// (https://mapyourtech.com/the-5-microsecond-rule-fiber-propagation-latency-per-kilometer/).
pub const FIBRE_KM_PER_MS: f64 = 200.0;

/// Least-squares fit of measured city-pair RTTs (WonderProxy, "Miles per
/// millisecond", https://wonderproxy.com/blog/miles-per-milisecond/) against the
/// fibre floor 2d/200 km/ms: RTT ≈ 1.77 × floor + 4 ms. Bozkurt et al. 2018
/// (https://arxiv.org/abs/1811.10737) report the older rule of thumb 2.1.
pub const PATH_INFLATION: f64 = 1.77;

/// The constant of the same fit, in ms of round trip.
pub const BASE_RTT_MS: f64 = 4.0;

/// Parameters of the latency model, as written in a world file's `[latency]` table.
#[derive(Copy, Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LatencyModel {
    /// Signal speed in fibre, km per ms.
    pub fibre_km_per_ms: f64,
    /// Ratio of the path's fibre length to the great-circle distance (≥ 1).
    pub path_inflation: f64,
    /// Fixed round-trip cost added to every path, ms.
    pub base_rtt_ms: f64,
}

impl Default for LatencyModel {
    fn default() -> LatencyModel {
        LatencyModel {
            fibre_km_per_ms: FIBRE_KM_PER_MS,
            path_inflation: PATH_INFLATION,
            base_rtt_ms: BASE_RTT_MS,
        }
    }
}

impl LatencyModel {
    /// The round-trip time in ms over a path of great-circle length `distance_km`.
    pub fn rtt_ms(&self, distance_km: f64) -> f64 {
        2.0 * distance_km * self.path_inflation / self.fibre_km_per_ms + self.base_rtt_ms
    }

    /// The round-trip time as simulated time (rounded to the nanosecond).
    pub fn rtt(&self, distance_km: f64) -> SimTime {
        SimTime::from_secs_f64(self.rtt_ms(distance_km) / 1_000.0)
    }

    /// The one-way delay in ms: half the round trip.
    pub fn one_way_ms(&self, distance_km: f64) -> f64 {
        self.rtt_ms(distance_km) / 2.0
    }

    /// The key and the complaint for the first unusable parameter, if any.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let speed = self.fibre_km_per_ms;
        if !speed.is_finite() || speed <= 0.0 || speed > 300.0 {
            return Some((
                "latency.fibre_km_per_ms",
                format!(
                    "expected a speed above 0 and at most 300 km/ms (light in vacuum), got {speed}"
                ),
            ));
        }
        let inflation = self.path_inflation;
        if !inflation.is_finite() || !(1.0..=10.0).contains(&inflation) {
            return Some((
                "latency.path_inflation",
                format!(
                    "expected a factor from 1 to 10 (paths are never shorter than the great circle), got {inflation}"
                ),
            ));
        }
        let base = self.base_rtt_ms;
        if !base.is_finite() || !(0.0..=10_000.0).contains(&base) {
            return Some((
                "latency.base_rtt_ms",
                format!("expected a round-trip cost from 0 to 10000 ms, got {base}"),
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_fit() {
        let model = LatencyModel::default();
        // 1,000 km: floor 10 ms, × 1.77 + 4 = 21.7 ms.
        assert!((model.rtt_ms(1_000.0) - 21.7).abs() < 1e-9);
        assert_eq!(model.rtt(0.0), SimTime::from_millis(4));
        assert!((model.one_way_ms(1_000.0) - 10.85).abs() < 1e-9);
    }

    #[test]
    fn rejects_impossible_parameters() {
        let mut model = LatencyModel::default();
        assert!(model.problem().is_none());
        model.path_inflation = 0.5;
        assert_eq!(model.problem().unwrap().0, "latency.path_inflation");
        model = LatencyModel {
            fibre_km_per_ms: f64::NAN,
            ..LatencyModel::default()
        };
        assert_eq!(model.problem().unwrap().0, "latency.fibre_km_per_ms");
    }
}
