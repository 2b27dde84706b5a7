//! The parameters of the `occ` model: the `[occ]` table of an experiment
//! file, and the retry policy its strategy names.

use serde::Deserialize;

use super::defaults;
use crate::faults::backoff::RetryPolicy;
use crate::units::{Count, Duration};

/// Parameters of the `occ` model (`[occ]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OccParams {
    /// Contending clients, all starting at t = 0.
    pub clients: Count,
    /// "none", "exponential", "equal-jitter", "full-jitter" or "decorrelated".
    pub strategy: String,
    /// Backoff base; the reference simulator uses 5 ms.
    #[serde(default = "defaults::base")]
    pub base: Duration,
    /// Backoff cap; the reference simulator uses 2000 ms.
    #[serde(default = "defaults::cap")]
    pub cap: Duration,
    /// Mean of one network hop; the reference simulator uses 10 ms.
    #[serde(default = "defaults::hop_mean")]
    pub hop_mean: Duration,
    /// Standard deviation of one hop; the reference simulator uses 2 ms.
    #[serde(default = "defaults::hop_sd")]
    pub hop_sd: Duration,
    /// The instance profile of the database server (`models/prices.toml`),
    /// for `cost_per_hour`; none: the cheapest profile.
    #[serde(default)]
    pub profile: Option<String>,
}

/// The strategy names, in the order the blog post plots them.
pub const STRATEGIES: [&str; 5] = [
    "none",
    "exponential",
    "decorrelated",
    "equal-jitter",
    "full-jitter",
];

impl OccParams {
    /// The retry policy the strategy names.
    pub fn policy(&self) -> Result<RetryPolicy, String> {
        let (base, cap, max_attempts) = (self.base, self.cap, None);
        Ok(match self.strategy.as_str() {
            "none" => RetryPolicy::Immediate { max_attempts },
            "exponential" => RetryPolicy::Exponential {
                base,
                cap,
                max_attempts,
            },
            "equal-jitter" => RetryPolicy::EqualJitter {
                base,
                cap,
                max_attempts,
            },
            "full-jitter" => RetryPolicy::FullJitter {
                base,
                cap,
                max_attempts,
            },
            "decorrelated" => RetryPolicy::Decorrelated {
                base,
                cap,
                max_attempts,
            },
            other => {
                return Err(format!(
                    "unknown strategy \"{other}\"; expected one of: {}",
                    STRATEGIES.join(", ")
                ));
            }
        })
    }
}
