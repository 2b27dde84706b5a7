//! Builds a `queue` model from its parameters and the run's context: the
//! station, the compiled service distribution and the random streams.

use super::model::QueueModel;
use super::params::QueueParams;
use crate::engine::{Histogram, SeriesKind, SimTime, TimeWeighted};
use crate::run::RunContext;
use crate::station::Station;

/// The model of one replication, ready to run.
pub fn build(params: &QueueParams, ctx: &RunContext) -> Result<QueueModel, String> {
    let service = params
        .service
        .compile()
        .map_err(|e| format!("queue.service.{}: {}", e.key, e.message))?;
    let queue_limit = params.queue_limit.map(|c| c.0 as usize);
    Ok(QueueModel {
        mean_interarrival_s: 1.0 / params.arrival_rate.0,
        service,
        station: Station::new(params.servers, queue_limit),
        in_service: vec![SimTime::ZERO; params.servers as usize],
        // Popped from the end: server 0 first.
        free_servers: (0..params.servers).rev().collect(),
        queue_limit,
        arrivals_rng: ctx.streams.stream("queue/arrivals", 0),
        service_rng: ctx.streams.stream("queue/service", 0),
        time_in_system: Histogram::new(),
        in_system: TimeWeighted::new(0.0),
        in_system_at_warmup: 0,
        departures_series: ctx.series("departures_per_s", "", SeriesKind::Rate),
        in_system_series: ctx.series("in_system", "", SeriesKind::Level),
    })
}
