//! The parameters of the `queue` model: the `[queue]` table of an
//! experiment file.

use serde::Deserialize;

use super::defaults;
use crate::dist::DurationDist;
use crate::units::{Count, Rate};

/// Parameters of the `queue` model (`[queue]` in an experiment file).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueParams {
    /// Poisson arrival rate, e.g. "0.9/s".
    pub arrival_rate: Rate,
    /// Number of identical servers.
    #[serde(default = "defaults::servers")]
    pub servers: u32,
    /// Service-time distribution.
    pub service: DurationDist,
    /// Most jobs that may wait (not counting those in service); none = unbounded.
    #[serde(default)]
    pub queue_limit: Option<Count>,
    /// The instance profile of one server (`models/prices.toml`), for
    /// `cost_per_hour`; none: the cheapest profile.
    #[serde(default)]
    pub profile: Option<String>,
}

impl QueueParams {
    /// Offered load per server, rho = lambda * E[S] / c.
    pub fn rho(&self) -> f64 {
        let mean_s = self.service.compile().map_or(f64::NAN, |s| s.mean_s());
        self.arrival_rate.0 * mean_s / self.servers as f64
    }
}
