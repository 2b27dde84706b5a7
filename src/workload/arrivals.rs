//! Poisson arrivals with diurnal modulation by local time.
//!
//! A region's rate at instant t is `mean_rate * (1 + amplitude * cos(2 pi
//! (local_hour(t) - peak_hour) / 24))`, whose average over a day is
//! `mean_rate`. The non-homogeneous process is drawn by thinning (P. A. W.
//! Lewis, G. S. Shedler, "Simulation of nonhomogeneous Poisson processes by
//! thinning", Naval Research Logistics Quarterly 26(3), 1979): candidates
//! arrive at the peak rate and each is kept with probability
//! `rate(t) / peak rate`.

use rand_distr::{Distribution, Exp1};
use serde::Deserialize;

use crate::engine::{SimRng, SimTime};

/// The diurnal cycle of request rates (`[cdn.diurnal]`). Amplitude 0 (the
/// default) is a constant rate.
#[derive(Copy, Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiurnalSpec {
    /// Relative swing around the daily mean, from 0 (flat) to 1 (zero at the trough).
    pub amplitude: f64,
    /// Local hour (0 to 24) of the peak: a planning assumption, evening prime
    /// time for video by default.
    pub peak_hour: f64,
    /// The UTC hour at simulated time zero.
    pub start_hour_utc: f64,
}

/// Local hour of the daily peak by default: evening prime time (assumption).
pub const DEFAULT_PEAK_HOUR: f64 = 21.0;

impl Default for DiurnalSpec {
    fn default() -> DiurnalSpec {
        DiurnalSpec {
            amplitude: 0.0,
            peak_hour: DEFAULT_PEAK_HOUR,
            start_hour_utc: 0.0,
        }
    }
}

impl DiurnalSpec {
    /// The key and complaint of the first bad parameter.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if !(self.amplitude.is_finite() && (0.0..=1.0).contains(&self.amplitude)) {
            return Some((
                "amplitude",
                format!("expected an amplitude from 0 to 1, got {}", self.amplitude),
            ));
        }
        for (key, hour) in [
            ("peak_hour", self.peak_hour),
            ("start_hour_utc", self.start_hour_utc),
        ] {
            if !(hour.is_finite() && (0.0..=24.0).contains(&hour)) {
                return Some((key, format!("expected an hour from 0 to 24, got {hour}")));
            }
        }
        None
    }

    /// The rate multiplier at `now` for a region `utc_offset_hours` from UTC.
    #[inline]
    pub fn factor(&self, utc_offset_hours: f64, now: SimTime) -> f64 {
        if self.amplitude == 0.0 {
            return 1.0;
        }
        let hours = self.start_hour_utc + now.as_secs_f64() / 3_600.0 + utc_offset_hours;
        let phase = (hours - self.peak_hour) / 24.0 * std::f64::consts::TAU;
        1.0 + self.amplitude * phase.cos()
    }

    /// The largest multiplier: candidates are drawn at `mean * peak_factor`.
    pub fn peak_factor(&self) -> f64 {
        1.0 + self.amplitude
    }
}

/// A Poisson stream at a fixed candidate rate (the peak rate when thinned).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct PoissonStream {
    mean_gap_ns: f64,
}

impl PoissonStream {
    /// Candidates at `rate_per_s` (above zero).
    pub fn new(rate_per_s: f64) -> PoissonStream {
        PoissonStream {
            mean_gap_ns: 1e9 / rate_per_s,
        }
    }

    /// The gap to the next candidate, truncated to the nanosecond (the cast
    /// saturates, so a huge draw at a tiny rate stays finite). Always
    /// inlined: it is drawn once per simulated request, and a call costs
    /// about 1 % of a CDN run where the compiler chose not to inline it.
    #[inline(always)]
    pub fn gap(&self, rng: &mut SimRng) -> SimTime {
        let e: f64 = Exp1.sample(rng);
        SimTime::from_nanos((e * self.mean_gap_ns) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_peaks_at_the_local_peak_hour_and_averages_one() {
        let d = DiurnalSpec {
            amplitude: 0.5,
            peak_hour: 20.0,
            start_hour_utc: 0.0,
        };
        // UTC+2 reaches 20:00 local at 18:00 UTC.
        let at = |h: f64| SimTime::from_secs_f64(h * 3_600.0);
        assert!((d.factor(2.0, at(18.0)) - 1.5).abs() < 1e-12);
        assert!((d.factor(2.0, at(6.0)) - 0.5).abs() < 1e-12);
        let mean: f64 = (0..24 * 60)
            .map(|m| d.factor(-5.0, SimTime::from_secs(m * 60)))
            .sum::<f64>()
            / (24.0 * 60.0);
        assert!((mean - 1.0).abs() < 1e-9);
        assert_eq!(DiurnalSpec::default().factor(3.0, at(5.0)), 1.0);
    }
}
