//! Object sizes: a lognormal body spliced to a Pareto tail.
//!
//! Web and CDN object sizes have a lognormal body and a heavy (Pareto) tail
//! (P. Barford, M. Crovella, "Generating Representative Web Workloads for
//! Network and Server Performance Evaluation", SIGMETRICS 1998, the SURGE
//! model). The two are spliced at `tail_from`: a size is drawn from the
//! lognormal; if it lands at or above `tail_from` it is redrawn from the
//! Pareto tail `tail_from * U^(-1/tail_alpha)` instead. The tail therefore
//! holds exactly the lognormal's own mass above the splice point, and the
//! density is continuous in mass (no extra parameter for the tail share).
//! Sizes are capped at `max` and at least one byte.

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use serde::Deserialize;

use crate::engine::SimRng;
use crate::units::Bytes;

/// SURGE body: ln(size in bytes) ~ Normal(9.357, 1.318), so the median is
/// e^9.357 ≈ 11.6 kB (Barford and Crovella, SIGMETRICS 1998).
pub const SURGE_BODY_MU: f64 = 9.357;
/// SURGE body sigma (same source).
pub const SURGE_BODY_SIGMA: f64 = 1.318;
/// SURGE tail: Pareto from k = 133 kB (same source).
pub const SURGE_TAIL_FROM_BYTES: u64 = 133_000;
/// SURGE tail exponent alpha = 1.1 (same source).
pub const SURGE_TAIL_ALPHA: f64 = 1.1;
/// Sizes are stored as `u32`; the largest object a catalogue may hold.
pub const MAX_OBJECT_BYTES: u64 = u32::MAX as u64;
/// Default cap on object sizes: a planning assumption (large video files).
pub const DEFAULT_MAX_OBJECT_BYTES: u64 = 1 << 30;

/// Object sizes as written in an experiment file.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SizeSpec {
    /// Median of the lognormal body.
    pub median: Bytes,
    /// Sigma of the natural log of the size (the body's spread).
    pub sigma: f64,
    /// Where the Pareto tail starts; no tail when absent.
    pub tail_from: Option<Bytes>,
    /// Pareto exponent of the tail (smaller is heavier).
    pub tail_alpha: f64,
    /// The largest size drawn.
    pub max: Bytes,
}

impl Default for SizeSpec {
    fn default() -> SizeSpec {
        SizeSpec {
            median: Bytes(SURGE_BODY_MU.exp().round() as u64),
            sigma: SURGE_BODY_SIGMA,
            tail_from: Some(Bytes(SURGE_TAIL_FROM_BYTES)),
            tail_alpha: SURGE_TAIL_ALPHA,
            max: Bytes(DEFAULT_MAX_OBJECT_BYTES),
        }
    }
}

impl SizeSpec {
    /// A size distribution that always gives `bytes`.
    pub fn fixed(bytes: u64) -> SizeSpec {
        SizeSpec {
            median: Bytes(bytes),
            sigma: 0.0,
            tail_from: None,
            tail_alpha: SURGE_TAIL_ALPHA,
            max: Bytes(bytes.max(1)),
        }
    }

    /// The key (relative to the size table) and complaint of the first bad parameter.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if self.median.0 == 0 {
            return Some(("median", "the median size must be at least 1 byte".into()));
        }
        if !(self.sigma.is_finite() && (0.0..=5.0).contains(&self.sigma)) {
            return Some((
                "sigma",
                format!("expected a spread from 0 to 5, got {}", self.sigma),
            ));
        }
        if self.tail_from.is_some_and(|t| t.0 == 0) {
            return Some(("tail_from", "the tail must start above 0 bytes".into()));
        }
        if !(self.tail_alpha.is_finite() && self.tail_alpha > 0.0 && self.tail_alpha <= 10.0) {
            return Some((
                "tail_alpha",
                format!(
                    "expected a Pareto exponent above 0 and at most 10, got {}",
                    self.tail_alpha
                ),
            ));
        }
        if self.max.0 == 0 || self.max.0 > MAX_OBJECT_BYTES {
            return Some((
                "max",
                format!(
                    "expected a largest size from 1 byte to {MAX_OBJECT_BYTES} bytes (4 GiB), got {}",
                    self.max.0
                ),
            ));
        }
        None
    }

    /// Draws one size in bytes, in [1, max].
    pub fn sample(&self, rng: &mut SimRng) -> u64 {
        let z: f64 = StandardNormal.sample(rng);
        let mut size = (self.median.0 as f64).ln() + self.sigma * z;
        size = size.exp();
        if let Some(from) = self.tail_from
            && size >= from.0 as f64
        {
            // 1 - U is in (0, 1], so the power is finite.
            let u: f64 = 1.0 - rng.random::<f64>();
            size = from.0 as f64 * u.powf(-1.0 / self.tail_alpha);
        }
        (size.round() as u64).clamp(1, self.max.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Streams;

    #[test]
    fn body_median_and_tail_share_follow_the_splice() {
        let spec = SizeSpec::default();
        let mut rng = Streams::new(5).stream("sizes-test", 0);
        let n = 200_000;
        let mut sizes: Vec<u64> = (0..n).map(|_| spec.sample(&mut rng)).collect();
        sizes.sort_unstable();
        let median = sizes[n / 2] as f64;
        assert!((median / 11_566.0 - 1.0).abs() < 0.03, "median {median}");
        // The tail holds the lognormal's mass above 133 kB:
        // P(Z > (ln 133000 - 9.357) / 1.318) = P(Z > 1.852) = 0.0320.
        let tail = sizes.iter().filter(|&&s| s >= 133_000).count() as f64 / n as f64;
        assert!((tail - 0.0320).abs() < 0.002, "tail share {tail}");
        assert!(*sizes.last().unwrap() <= 1 << 30);
        assert!(sizes[0] >= 1);
    }

    #[test]
    fn fixed_sizes_and_problems() {
        let mut rng = Streams::new(5).stream("sizes-test", 1);
        let spec = SizeSpec::fixed(4_000);
        assert!(spec.problem().is_none());
        assert_eq!(spec.sample(&mut rng), 4_000);
        let bad = SizeSpec {
            sigma: -1.0,
            ..SizeSpec::default()
        };
        assert_eq!(bad.problem().unwrap().0, "sigma");
        let bad = SizeSpec {
            max: Bytes(1 << 40),
            ..SizeSpec::default()
        };
        assert_eq!(bad.problem().unwrap().0, "max");
    }
}
