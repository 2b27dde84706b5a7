//! The `push` model: how a service delivers messages to millions of
//! clients, and what each choice costs. Transports (short polling, long
//! polling, Server-Sent Events, WebSocket), a gateway cluster behind a load
//! balancer (CPU, memory per connection and per thread, blocking or
//! event-loop I/O), and the Netflix Zuul push pipeline (producers, Kafka,
//! message processors autoscaled on lag, the push registry).
//!
//! Idle connections cost memory, not events: a client is a 48-byte slot,
//! its next timed action a deadline in a timing wheel, and keep-alive pings
//! are charged to the gateways in batches. See `docs/push.md`.
//!
//! Faults (crashes, drains, rolling deploys, registry slowdowns, Kafka
//! leader loss, admission limits, backoff) are wired in `faults` through
//! hooks in `reconnect`, `connections` and `pipeline` (see `docs/faults.md`).

pub mod autoscale;
pub mod balancer;
mod connections;
pub mod faults;
pub mod messages;
pub mod model;
mod output;
pub mod params;
mod pipeline;
mod polling;
pub mod reconnect;
pub mod wheel;

pub use model::PushModel;
pub use params::{PushParams, Transport};

use crate::engine::run;
use crate::run::{RunContext, RunOutput};

/// Runs one replication of the `push` model.
pub fn run_push(params: &PushParams, ctx: &RunContext) -> Result<RunOutput, String> {
    let mut model = PushModel::new(params, ctx)?;
    let report = run(&mut model, ctx.window);
    let measured_s = (ctx.window.horizon - ctx.window.warmup).as_secs_f64();
    model
        .check_invariants()
        .map_err(|e| format!("model invariant broken: {e}"))?;
    let messages = &model.messages;
    if messages.duplicates > 0 {
        return Err(format!(
            "model invariant broken: {} messages ended twice",
            messages.duplicates
        ));
    }
    if messages.ended_count() + messages.in_flight != messages.published() {
        return Err(format!(
            "model invariant broken: {} published, {} ended, {} in flight",
            messages.published(),
            messages.ended_count(),
            messages.in_flight
        ));
    }
    let mut out = RunOutput {
        events: report.events,
        ..RunOutput::default()
    };
    model.write_output(&mut out, report.end, measured_s);
    Ok(out)
}
