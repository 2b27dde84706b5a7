//! Distributions of durations (service times, think times, delays) as written
//! in experiment files, e.g. `{ dist = "exponential", mean = "10ms" }`.
//!
//! [`DurationDist`] is the file form; [`DurationSampler`] is the compiled
//! form a model draws from in its hot loop.

use rand::RngExt;
use rand_distr::{Distribution, Exp1, StandardNormal};
use serde::Deserialize;

use crate::engine::{SimRng, SimTime};
use crate::units::{Duration, Rate};

/// A distribution of durations.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum DurationDist {
    /// Exponential, given by its `mean` or its `rate`.
    Exponential {
        mean: Option<Duration>,
        rate: Option<Rate>,
    },
    /// Always `value`.
    Deterministic { value: Duration },
    /// Uniform on [low, high].
    Uniform { low: Duration, high: Duration },
    /// Lognormal, given by `mean` and coefficient of variation `cv`, or by
    /// `mu` and `sigma` of the natural log of the value in seconds.
    Lognormal {
        mean: Option<Duration>,
        cv: Option<f64>,
        mu: Option<f64>,
        sigma: Option<f64>,
    },
    /// Each of `values` with equal probability.
    Empirical { values: Vec<Duration> },
}

/// A problem with a distribution's parameters: the key (relative to the
/// distribution's table) and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistError {
    pub key: &'static str,
    pub message: String,
}

fn err(key: &'static str, message: impl Into<String>) -> DistError {
    DistError {
        key,
        message: message.into(),
    }
}

/// The largest number of values an empirical distribution may list.
const MAX_EMPIRICAL_VALUES: usize = 10_000_000;

impl DurationDist {
    pub fn exponential_mean(mean: SimTime) -> DurationDist {
        DurationDist::Exponential {
            mean: Some(Duration(mean)),
            rate: None,
        }
    }

    pub fn deterministic(value: SimTime) -> DurationDist {
        DurationDist::Deterministic {
            value: Duration(value),
        }
    }

    /// Checks the parameters and compiles the sampler.
    pub fn compile(&self) -> Result<DurationSampler, DistError> {
        match self {
            DurationDist::Exponential { mean, rate } => match (mean, rate) {
                (Some(mean), None) => {
                    positive(mean.0, "mean").map(|m| DurationSampler::Exponential { mean_s: m })
                }
                (None, Some(rate)) if rate.0 > 0.0 => Ok(DurationSampler::Exponential {
                    mean_s: 1.0 / rate.0,
                }),
                (None, Some(_)) => Err(err("rate", "the rate must be greater than zero")),
                _ => Err(err(
                    "mean",
                    "an exponential distribution needs exactly one of `mean` or `rate`",
                )),
            },
            DurationDist::Deterministic { value } => Ok(DurationSampler::Deterministic(value.0)),
            DurationDist::Uniform { low, high } => {
                if low.0 > high.0 {
                    return Err(err("low", "`low` must not be greater than `high`"));
                }
                Ok(DurationSampler::Uniform {
                    low_s: low.0.as_secs_f64(),
                    width_s: (high.0 - low.0).as_secs_f64(),
                })
            }
            DurationDist::Lognormal {
                mean,
                cv,
                mu,
                sigma,
            } => compile_lognormal(*mean, *cv, *mu, *sigma),
            DurationDist::Empirical { values } => {
                if values.is_empty() {
                    return Err(err(
                        "values",
                        "an empirical distribution needs at least one value",
                    ));
                }
                if values.len() > MAX_EMPIRICAL_VALUES {
                    return Err(err("values", "at most 10,000,000 values are accepted"));
                }
                Ok(DurationSampler::Empirical(
                    values.iter().map(|d| d.0).collect(),
                ))
            }
        }
    }
}

fn positive(t: SimTime, key: &'static str) -> Result<f64, DistError> {
    if t == SimTime::ZERO {
        Err(err(key, format!("`{key}` must be greater than zero")))
    } else {
        Ok(t.as_secs_f64())
    }
}

fn compile_lognormal(
    mean: Option<Duration>,
    cv: Option<f64>,
    mu: Option<f64>,
    sigma: Option<f64>,
) -> Result<DurationSampler, DistError> {
    let (mu, sigma) = match (mean, cv, mu, sigma) {
        (Some(mean), Some(cv), None, None) => {
            let mean_s = positive(mean.0, "mean")?;
            if !cv.is_finite() || cv <= 0.0 {
                return Err(err("cv", "`cv` must be a finite number greater than zero"));
            }
            // For a lognormal, cv^2 = exp(sigma^2) - 1 and mean = exp(mu + sigma^2 / 2).
            let sigma2 = (1.0 + cv * cv).ln();
            (mean_s.ln() - sigma2 / 2.0, sigma2.sqrt())
        }
        (None, None, Some(mu), Some(sigma)) => {
            if !mu.is_finite() || mu.abs() > 50.0 {
                return Err(err("mu", "`mu` must be a finite number between -50 and 50"));
            }
            if !sigma.is_finite() || sigma <= 0.0 || sigma > 10.0 {
                return Err(err(
                    "sigma",
                    "`sigma` must be greater than 0 and at most 10",
                ));
            }
            (mu, sigma)
        }
        _ => {
            return Err(err(
                "mean",
                "a lognormal distribution needs either `mean` and `cv`, or `mu` and `sigma`",
            ));
        }
    };
    Ok(DurationSampler::Lognormal { mu, sigma })
}

/// A compiled distribution, ready to draw from.
#[derive(Clone, Debug, PartialEq)]
pub enum DurationSampler {
    Exponential { mean_s: f64 },
    Deterministic(SimTime),
    Uniform { low_s: f64, width_s: f64 },
    Lognormal { mu: f64, sigma: f64 },
    Empirical(Vec<SimTime>),
}

impl DurationSampler {
    /// Draws one duration. The exponential, the common service time, is
    /// inlined in the caller; the others are out of line.
    #[inline(always)]
    pub fn sample(&self, rng: &mut SimRng) -> SimTime {
        match self {
            DurationSampler::Exponential { mean_s } => {
                let e: f64 = Exp1.sample(rng);
                SimTime::from_secs_f64(e * mean_s)
            }
            _ => self.sample_other(rng),
        }
    }

    /// `sample` of every distribution but the exponential.
    #[inline(never)]
    fn sample_other(&self, rng: &mut SimRng) -> SimTime {
        match self {
            DurationSampler::Exponential { mean_s } => {
                let e: f64 = Exp1.sample(rng);
                SimTime::from_secs_f64(e * mean_s)
            }
            DurationSampler::Deterministic(t) => *t,
            DurationSampler::Uniform { low_s, width_s } => {
                let u: f64 = rng.random();
                SimTime::from_secs_f64(low_s + u * width_s)
            }
            DurationSampler::Lognormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                SimTime::from_secs_f64((mu + sigma * z).exp())
            }
            DurationSampler::Empirical(values) => {
                let i = rng.random_range(0..values.len() as u64) as usize;
                values[i]
            }
        }
    }

    /// The mean in seconds.
    pub fn mean_s(&self) -> f64 {
        match self {
            DurationSampler::Exponential { mean_s } => *mean_s,
            DurationSampler::Deterministic(t) => t.as_secs_f64(),
            DurationSampler::Uniform { low_s, width_s } => low_s + width_s / 2.0,
            DurationSampler::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            DurationSampler::Empirical(values) => {
                values.iter().map(|t| t.as_secs_f64()).sum::<f64>() / values.len() as f64
            }
        }
    }

    /// The second moment E[X^2] in seconds squared (for Pollaczek–Khinchine).
    pub fn second_moment_s2(&self) -> f64 {
        match self {
            DurationSampler::Exponential { mean_s } => 2.0 * mean_s * mean_s,
            DurationSampler::Deterministic(t) => t.as_secs_f64().powi(2),
            DurationSampler::Uniform { low_s, width_s } => {
                let (a, b) = (*low_s, low_s + width_s);
                (a * a + a * b + b * b) / 3.0
            }
            DurationSampler::Lognormal { mu, sigma } => (2.0 * mu + 2.0 * sigma * sigma).exp(),
            DurationSampler::Empirical(values) => {
                values.iter().map(|t| t.as_secs_f64().powi(2)).sum::<f64>() / values.len() as f64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Streams;

    fn parse(text: &str) -> Result<DurationDist, toml::de::Error> {
        #[derive(Deserialize)]
        struct W {
            d: DurationDist,
        }
        toml::from_str::<W>(text).map(|w| w.d)
    }

    #[test]
    fn parses_every_form() {
        assert!(parse(r#"d = { dist = "exponential", mean = "10ms" }"#).is_ok());
        assert!(parse(r#"d = { dist = "exponential", rate = "100/s" }"#).is_ok());
        assert!(parse(r#"d = { dist = "deterministic", value = 1 }"#).is_ok());
        assert!(parse(r#"d = { dist = "uniform", low = "1ms", high = "3ms" }"#).is_ok());
        assert!(parse(r#"d = { dist = "lognormal", mean = "1s", cv = 0.5 }"#).is_ok());
        assert!(parse(r#"d = { dist = "empirical", values = ["1ms", "2ms"] }"#).is_ok());
        let e = parse(r#"d = { dist = "expo", mean = "10ms" }"#).unwrap_err();
        assert!(e.to_string().contains("unknown variant"), "{e}");
        let e = parse(r#"d = { dist = "exponential", maen = "10ms" }"#).unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
    }

    #[test]
    fn compile_rejects_bad_parameters() {
        let both = parse(r#"d = { dist = "exponential", mean = "1s", rate = "1/s" }"#).unwrap();
        assert!(both.compile().is_err());
        let zero = parse(r#"d = { dist = "exponential", rate = 0 }"#).unwrap();
        assert_eq!(zero.compile().unwrap_err().key, "rate");
        let inverted = parse(r#"d = { dist = "uniform", low = "3ms", high = "1ms" }"#).unwrap();
        assert!(inverted.compile().is_err());
        let empty = parse(r#"d = { dist = "empirical", values = [] }"#).unwrap();
        assert!(empty.compile().is_err());
    }

    #[test]
    fn sample_means_match_moments() {
        let mut rng = Streams::new(3).stream("test", 0);
        for text in [
            r#"d = { dist = "exponential", mean = "2s" }"#,
            r#"d = { dist = "uniform", low = "1s", high = "3s" }"#,
            r#"d = { dist = "lognormal", mean = "2s", cv = 0.5 }"#,
            r#"d = { dist = "empirical", values = ["1s", "3s"] }"#,
        ] {
            let s = parse(text).unwrap().compile().unwrap();
            let n = 200_000;
            let mean: f64 = (0..n)
                .map(|_| s.sample(&mut rng).as_secs_f64())
                .sum::<f64>()
                / n as f64;
            assert!(
                (mean - s.mean_s()).abs() < 0.02,
                "{text}: {mean} vs {}",
                s.mean_s()
            );
        }
    }
}
