//! Flash crowds: a burst of extra requests for one object from some (or all)
//! regions, on top of the regular workload.
//!
//! The object is either a newly published one (published when the crowd
//! starts, as with breaking news or a release) or the object at a given
//! popularity rank. The crowd's requests are Poisson at `rate`, shared
//! among its regions by population.

use serde::Deserialize;

use crate::units::{Count, Duration, Rate};

/// One flash crowd (`[[cdn.flash_crowd]]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlashCrowdSpec {
    /// When the crowd starts.
    pub at: Duration,
    /// How long it lasts.
    pub duration: Duration,
    /// Its request rate, over all its regions.
    pub rate: Rate,
    /// The regions it comes from; empty: every region, by population.
    #[serde(default)]
    pub regions: Vec<String>,
    /// The popularity rank of its object at the start; absent: a new object
    /// published when the crowd starts.
    #[serde(default)]
    pub rank: Option<Count>,
    /// A `Cache-Control` header for its object, instead of the catalogue's.
    #[serde(default)]
    pub cache_control: Option<String>,
}

impl FlashCrowdSpec {
    /// The key and complaint of the first bad parameter (regions and header
    /// are checked by the model, which knows the world and HTTP).
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if self.duration.0.as_nanos() == 0 {
            return Some((
                "duration",
                "a flash crowd must last longer than zero, e.g. \"2min\"".into(),
            ));
        }
        if self.rate.0 <= 0.0 {
            return Some((
                "rate",
                "a flash crowd needs a rate above zero, e.g. \"5k/s\"".into(),
            ));
        }
        None
    }
}
