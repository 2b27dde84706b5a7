//! The `queue` model: Poisson arrivals at one service station (M/G/c with an
//! optional bound on the queue). It exists to validate the engine and the
//! station against queueing theory: M/M/1, M/M/c (Erlang C), M/D/1 and M/G/1
//! (Pollaczek–Khinchine), M/M/1/K.
//!
//! The skeleton: `params` (the `[queue]` table), `defaults`, `check`,
//! `setup` (the model built from the parameters), `model` (arrivals and
//! departures), `output` (metrics and end-of-run invariants); `theory` holds
//! the closed-form results the validation suite compares against.

pub mod check;
pub mod costs;
pub mod defaults;
pub mod model;
pub mod output;
pub mod params;
pub mod setup;
pub mod theory;

pub use check::{Invalid, MAX_SERVERS, check};
pub use model::QueueModel;
pub use params::QueueParams;

use crate::engine::run;
use crate::run::{RunContext, RunOutput};

/// Runs one replication of the `queue` model.
pub fn run_queue(params: &QueueParams, ctx: &RunContext) -> Result<RunOutput, String> {
    let mut model = setup::build(params, ctx)?;
    let report = run(&mut model, ctx.window).within_bounds()?;
    model
        .check_invariants()
        .map_err(|e| format!("model invariant broken: {e}"))?;
    let mut out = model.output(&report, ctx.window);
    out.costs(&costs::costs(params, &ctx.prices)?);
    Ok(out)
}
