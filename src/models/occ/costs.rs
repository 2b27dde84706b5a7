//! What an `occ` run costs per hour: the one database server the clients
//! contend on, an instance of `profile` (or the cheapest profile in the
//! price file). The model sends no billed bytes or requests.

use super::params::OccParams;
use crate::prices::{Costs, Instance, Need, Prices};

/// The instance the database runs on.
pub fn database<'a>(params: &OccParams, prices: &'a Prices) -> Result<&'a Instance, String> {
    prices.choose(
        params.profile.as_deref(),
        Need {
            cores: 1,
            ..Need::default()
        },
    )
}

/// Checks the profile against the prices; the problem is keyed `profile`.
pub fn check_prices(params: &OccParams, prices: &Prices) -> Result<(), (String, String)> {
    database(params, prices)
        .map(|_| ())
        .map_err(|m| ("profile".to_string(), m))
}

/// One database instance for the hour.
pub fn costs(params: &OccParams, prices: &Prices) -> Result<Costs, String> {
    Ok(Costs {
        compute_per_hour: database(params, prices)?.usd_per_hour,
        ..Costs::default()
    })
}
