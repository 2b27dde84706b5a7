//! Every default of the `occ` model, each with its source: the reference
//! simulator of M. Brooker, "Exponential Backoff And Jitter" (AWS
//! Architecture Blog, 2015), aws-samples/aws-arch-backoff-simulator,
//! `backoff_simulator.py`: `backoff_cls(5, 2000)` and `Net(10, 2)`, in
//! milliseconds. The client count and the strategy have none: an
//! experiment names them.

use crate::engine::SimTime;
use crate::units::Duration;

/// Backoff base: `backoff_cls(5, 2000)`.
pub const BASE: SimTime = SimTime::from_millis(5);
/// Backoff cap: `backoff_cls(5, 2000)`.
pub const CAP: SimTime = SimTime::from_millis(2000);
/// Mean of one network hop: `Net(10, 2)`.
pub const HOP_MEAN: SimTime = SimTime::from_millis(10);
/// Standard deviation of one network hop: `Net(10, 2)`.
pub const HOP_SD: SimTime = SimTime::from_millis(2);

/// [`BASE`], for serde.
pub fn base() -> Duration {
    Duration(BASE)
}

/// [`CAP`], for serde.
pub fn cap() -> Duration {
    Duration(CAP)
}

/// [`HOP_MEAN`], for serde.
pub fn hop_mean() -> Duration {
    Duration(HOP_MEAN)
}

/// [`HOP_SD`], for serde.
pub fn hop_sd() -> Duration {
    Duration(HOP_SD)
}
