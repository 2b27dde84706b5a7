//! Builds an `occ` model from its parameters and the run's context: the
//! retry policy, one retry state per client and the random streams.

use super::model::OccModel;
use super::params::OccParams;
use crate::engine::SimTime;
use crate::faults::backoff::RetryState;
use crate::run::RunContext;

/// The model of one replication, ready to run.
pub fn build(params: &OccParams, ctx: &RunContext) -> Result<OccModel, String> {
    let policy = params.policy()?;
    let n = params.clients.0 as usize;
    Ok(OccModel {
        policy,
        hop_mean_s: params.hop_mean.0.as_secs_f64(),
        hop_sd_s: params.hop_sd.0.as_secs_f64(),
        clients: vec![RetryState::default(); n],
        version: 0,
        network: ctx.streams.stream("occ/network", 0),
        backoff: ctx.streams.stream("occ/backoff", 0),
        calls: 0,
        reads: 0,
        failures: 0,
        unfinished: n as u64,
        last_success: SimTime::ZERO,
    })
}
