//! What a `queue` run costs per hour: its servers, each one instance of
//! `profile` (or the cheapest profile in the price file). A queue sends no
//! billed bytes and no billed requests.

use super::params::QueueParams;
use crate::prices::{Costs, Instance, Need, Prices};

/// The instance one server runs on.
pub fn server<'a>(params: &QueueParams, prices: &'a Prices) -> Result<&'a Instance, String> {
    prices.choose(
        params.profile.as_deref(),
        Need {
            cores: 1,
            ..Need::default()
        },
    )
}

/// Checks the profile against the prices; the problem is keyed `profile`.
pub fn check_prices(params: &QueueParams, prices: &Prices) -> Result<(), (String, String)> {
    server(params, prices)
        .map(|_| ())
        .map_err(|m| ("profile".to_string(), m))
}

/// `servers` instances for the hour.
pub fn costs(params: &QueueParams, prices: &Prices) -> Result<Costs, String> {
    let instance = server(params, prices)?;
    Ok(Costs {
        compute_per_hour: params.servers as f64 * instance.usd_per_hour,
        ..Costs::default()
    })
}
