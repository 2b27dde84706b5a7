//! Defaults of the `system` model, each with where it comes from.

use crate::dist::DurationDist;
use crate::engine::SimTime;
use crate::units::Duration;

/// All notifications at once: the simplest campaign.
pub fn window() -> Duration {
    Duration(SimTime::ZERO)
}

/// One linked object (an article, an episode page).
pub fn objects() -> u32 {
    1
}

/// Think time from notification to fetch: lognormal, mean 30 s, cv 2. An
/// assumption, not a measurement: notification open times are heavy
/// tailed (most opens within the first minute, a long tail after), so a
/// lognormal with a large cv; set `think` to your own app's figures.
pub fn think() -> DurationDist {
    DurationDist::Lognormal {
        mean: Some(Duration(SimTime::from_secs(30))),
        cv: Some(2.0),
        mu: None,
        sigma: None,
    }
}

/// Most campaigns one experiment may list.
pub const MAX_CAMPAIGNS: usize = 64;
/// Most objects one campaign may link to.
pub const MAX_OBJECTS: u32 = 16;
/// Most notifications all campaigns together may send (expected: the sum
/// of each share times the push clients): each keeps a 32-byte record until
/// the run ends, so this bounds them at 1.6 GB.
pub const MAX_NOTIFICATIONS: f64 = 50e6;
