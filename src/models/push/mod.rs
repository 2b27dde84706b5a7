//! The `push` model: how a service delivers messages to millions of
//! clients, and what each choice costs. Transports (short polling, long
//! polling, Server-Sent Events, WebSocket), a gateway cluster behind a load
//! balancer (CPU, memory per connection and per thread, blocking or
//! event-loop I/O), and the Netflix Zuul push pipeline (producers, Kafka,
//! message processors autoscaled on lag, the push registry).
//!
//! Idle connections cost memory, not events: a client is a 36-byte slot,
//! its next timed action a deadline in a timing wheel, and keep-alive pings
//! are charged to the gateways in batches. See `docs/push.md`.
//!
//! The skeleton every model shares: `params` (types), `defaults` (each with
//! its source), `check` (validation), `setup` (build from params), `model`
//! (state and event loop) with handlers named after what happens
//! (`connections`, `polling`, `pipeline`, `gateways`, `balancer`,
//! `reconnect`, `faults`, `drains`), `output` (metrics, end-of-run invariants).
//!
//! Faults (crashes, drains, rolling deploys, registry slowdowns, Kafka
//! leader loss, admission limits, backoff) are wired in `faults` through
//! hooks in `reconnect`, `connections` and `pipeline` (see `docs/faults.md`).

pub mod attack;
pub mod autoscale;
pub mod balancer;
pub mod check;
pub mod client;
mod connections;
pub mod costs;
pub mod defaults;
mod drains;
pub mod external;
mod failover;
pub mod faults;
pub mod filters;
mod gateways;
pub mod geo;
pub mod kafka;
pub mod lbtier;
pub mod messages;
pub mod model;
pub mod output;
pub mod params;
mod pipeline;
mod polling;
pub mod reconnect;
mod registry;
pub mod setup;
mod threads;
mod ttl;
pub mod wheel;

pub use check::{Invalid, check};
pub use model::PushModel;
pub use params::{PushParams, Transport};
pub use setup::PushPoint;

use crate::engine::run;
use crate::run::{RunContext, RunOutput};

/// Runs one replication of the `push` model with no geography (parameters
/// with `[[push.clusters]]` need a world: [`run_point`]).
pub fn run_push(params: &PushParams, ctx: &RunContext) -> Result<RunOutput, String> {
    if !params.clusters.is_empty() {
        return Err("push.clusters: clusters need a world; run a prepared PushPoint".into());
    }
    finish(setup::build(params, ctx)?, params, ctx)
}

/// Runs one replication of a prepared push point.
pub fn run_point(point: &PushPoint, ctx: &RunContext) -> Result<RunOutput, String> {
    finish(setup::build_point(point, ctx)?, point.params(), ctx)
}

fn finish(
    mut model: PushModel,
    params: &PushParams,
    ctx: &RunContext,
) -> Result<RunOutput, String> {
    let report = run(&mut model, ctx.window).within_bounds()?;
    let mut out = conclude(&model, params, ctx, report.end)?;
    out.events = report.events;
    Ok(out)
}

/// The end of a run that stopped at `end`: the invariants, the metrics and
/// the costs (also a composite model's push part).
pub fn conclude(
    model: &PushModel,
    params: &PushParams,
    ctx: &RunContext,
    end: crate::engine::SimTime,
) -> Result<RunOutput, String> {
    let measured_s = (ctx.window.horizon - ctx.window.warmup).as_secs_f64();
    model
        .check_invariants()
        .map_err(|e| format!("model invariant broken: {e}"))?;
    let mut out = RunOutput::default();
    model.write_output(&mut out, end, measured_s);
    let costs = costs::costs(params, &ctx.prices, &out)?;
    out.costs(&costs);
    Ok(out)
}
