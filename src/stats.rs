//! Statistics over replications: mean, standard deviation, the 95%
//! confidence half-width with Student's t, and t quantiles at any level
//! (one-sided confidence bounds of the capacity search); and the MSER-5
//! truncation point of one run's time series (the steady-state check).

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

/// The quantile `p` (0 < p < 1) of Student's t with `df` degrees of
/// freedom, by bisection on the distribution function (regularized
/// incomplete beta, continued fraction as in Numerical Recipes §6.4);
/// absolute error below 1e-9. NaN for df 0 or p outside (0, 1).
pub fn t_quantile(p: f64, df: u64) -> f64 {
    if df == 0 || !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    if p < 0.5 {
        return -t_quantile(1.0 - p, df);
    }
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    while t_cdf(hi, df) < p && hi < 1e12 {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// P(T <= t) for Student's t with `df` degrees of freedom.
pub fn t_cdf(t: f64, df: u64) -> f64 {
    let v = df as f64;
    let x = v / (v + t * t);
    let tail = 0.5 * incomplete_beta(0.5 * v, 0.5, x);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The regularized incomplete beta function I_x(a, b).
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

/// The continued fraction of the incomplete beta (modified Lentz).
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        for aa in [
            m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)),
        ] {
            d = 1.0 + aa * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + aa / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = G[0];
    for (i, g) in G.iter().enumerate().skip(1) {
        sum += g / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
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
    #[test]
    fn general_t_quantiles() {
        // One-sided 95%: df 1 -> 6.3138, 5 -> 2.0150, 10 -> 1.8125, 30 -> 1.6973.
        for (df, want) in [(1, 6.313752), (5, 2.015048), (10, 1.812461), (30, 1.697261)] {
            assert!((t_quantile(0.95, df) - want).abs() < 1e-5, "df {df}");
        }
        for df in [1, 2, 7, 30, 40, 120] {
            assert!((t_quantile(0.975, df) - t_975(df)).abs() < 1e-5, "df {df}");
        }
        assert!((t_quantile(0.05, 10) + 1.812461).abs() < 1e-5);
        assert!(t_quantile(1.0, 3).is_nan() && t_quantile(0.9, 0).is_nan());
    }
}
