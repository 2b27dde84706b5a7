//! Statistics over replications: mean, standard deviation and the 95%
//! confidence half-width with Student's t; and the MSER-5 truncation point
//! of one run's time series (the steady-state check).

/// Two-sided 95% quantiles of Student's t for 1..=30 degrees of freedom
/// (t_{0.975, df}; standard tables, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
const T_975: [f64; 30] = [
    12.706204736,
    4.302652730,
    3.182446305,
    2.776445105,
    2.570581836,
    2.446911851,
    2.364624252,
    2.306004135,
    2.262157163,
    2.228138852,
    2.200985160,
    2.178812830,
    2.160368656,
    2.144786688,
    2.131449546,
    2.119905299,
    2.109815578,
    2.100922040,
    2.093024054,
    2.085963447,
    2.079613845,
    2.073873068,
    2.068657610,
    2.063898562,
    2.059538553,
    2.055529439,
    2.051830516,
    2.048407142,
    2.045229642,
    2.042272456,
];

/// t_{0.975, df}: from the table up to 30, above by the Cornish–Fisher
/// expansion around the normal quantile (error below 1e-6 there).
pub fn t_975(df: u64) -> f64 {
    if df == 0 {
        return f64::NAN;
    }
    if df <= 30 {
        return T_975[df as usize - 1];
    }
    let z: f64 = 1.959_963_984_540_054;
    let v = df as f64;
    let z3 = z.powi(3);
    let z5 = z.powi(5);
    let z7 = z.powi(7);
    let z9 = z.powi(9);
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v.powi(3))
        + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / (92160.0 * v.powi(4))
}

/// Mean, spread and 95% CI of a sample (non-finite values are left out).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Summary {
    pub n: u64,
    pub mean: f64,
    /// Sample standard deviation (n - 1); NaN for n < 2.
    pub std: f64,
    /// Half-width of the 95% confidence interval of the mean; NaN for n < 2.
    pub ci95: f64,
    pub min: f64,
    pub max: f64,
}

pub fn summarize(values: &[f64]) -> Summary {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let n = finite.len() as u64;
    if n == 0 {
        return Summary {
            n,
            mean: f64::NAN,
            std: f64::NAN,
            ci95: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
        };
    }
    let mean = finite.iter().sum::<f64>() / n as f64;
    let (std, ci95) = if n >= 2 {
        let var = finite.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let std = var.sqrt();
        (std, t_975(n - 1) * std / (n as f64).sqrt())
    } else {
        (f64::NAN, f64::NAN)
    };
    Summary {
        n,
        mean,
        std,
        ci95,
        min: finite.iter().copied().fold(f64::INFINITY, f64::min),
        max: finite.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    }
}

/// Values per batch of MSER-5.
pub const MSER_BATCH: usize = 5;

/// MSER-5 (White 1997; Franklin & White 2008): the series is cut into
/// batches of 5 consecutive values (a tail shorter than a batch is left
/// out), and the truncation point is the number of leading batches `d`,
/// searched over the first half, that minimises
/// `sum_{i>=d} (Z_i - mean(Z_d..))^2 / (n - d)^2`, the squared standard
/// error of the mean of what is kept. Returns the truncation point in
/// values of the series (`5 d`), the first minimum on ties, or `None` for a
/// series of fewer than 4 batches or with a value that is not finite.
pub fn mser5(series: &[f64]) -> Option<usize> {
    let batches: Vec<f64> = series
        .chunks_exact(MSER_BATCH)
        .map(|c| c.iter().sum::<f64>() / MSER_BATCH as f64)
        .collect();
    let n = batches.len();
    if n < 4 || batches.iter().any(|z| !z.is_finite()) {
        return None;
    }
    // Suffix sums make every candidate O(1).
    let (mut sum, mut squares) = (0.0, 0.0);
    let mut best = (f64::INFINITY, 0);
    let mut statistic = vec![0.0; n];
    for d in (0..n).rev() {
        sum += batches[d];
        squares += batches[d] * batches[d];
        let kept = (n - d) as f64;
        let deviation = (squares - sum * sum / kept).max(0.0);
        statistic[d] = deviation / (kept * kept);
    }
    for (d, &s) in statistic.iter().enumerate().take(n / 2 + 1) {
        // A relative tolerance keeps rounding noise from moving the point.
        if s < best.0 * (1.0 - 1e-12) {
            best = (s, d);
        }
    }
    Some(best.1 * MSER_BATCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic noise in [-1, 1) (a 64-bit LCG, Knuth's MMIX constants).
    fn noise(n: usize) -> Vec<f64> {
        let mut x = 12345u64;
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 11) as f64 / (1u64 << 52) as f64 - 1.0
            })
            .collect()
    }

    #[test]
    fn mser5_truncates_a_known_transient() {
        // 400 values: a start 20 above the mean decaying with time constant
        // 10 (below the noise after ~30 values), then noise only.
        let series: Vec<f64> = noise(400)
            .iter()
            .enumerate()
            .map(|(i, e)| 50.0 + 20.0 * (-(i as f64) / 10.0).exp() + e)
            .collect();
        let d = mser5(&series).unwrap();
        assert!((20..=60).contains(&d), "truncation at {d}");
        assert_eq!(d % MSER_BATCH, 0);
        // A linear ramp over the first quarter is cut near its end.
        let ramp: Vec<f64> = noise(400)
            .iter()
            .enumerate()
            .map(|(i, e)| (100.0 - i as f64).max(0.0) + e)
            .collect();
        let d = mser5(&ramp).unwrap();
        assert!((80..=130).contains(&d), "ramp truncation at {d}");
        // No transient: little or nothing is cut; too short: no answer.
        let flat: Vec<f64> = vec![3.0; 100];
        assert_eq!(mser5(&flat), Some(0));
        assert_eq!(mser5(&[1.0; 19]), None);
        assert_eq!(mser5(&[f64::NAN; 40]), None);
    }

    #[test]
    fn t_quantiles() {
        assert!((t_975(1) - 12.7062).abs() < 1e-3);
        assert!((t_975(30) - 2.0423).abs() < 1e-3);
        // Tabulated: df 40 -> 2.0211, 60 -> 2.0003, 120 -> 1.9799.
        assert!((t_975(40) - 2.021075).abs() < 1e-5);
        assert!((t_975(60) - 2.000298).abs() < 1e-5);
        assert!((t_975(120) - 1.979930).abs() < 1e-5);
    }

    #[test]
    fn summary_of_a_sample() {
        let s = summarize(&[1.0, 2.0, 3.0, f64::NAN]);
        assert_eq!(s.n, 3);
        assert_eq!(s.mean, 2.0);
        assert_eq!(s.std, 1.0);
        assert!((s.ci95 - 4.302652730 / 3f64.sqrt()).abs() < 1e-12);
        let one = summarize(&[5.0]);
        assert!(one.ci95.is_nan());
    }
}
