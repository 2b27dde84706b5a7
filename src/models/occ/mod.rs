//! The `occ` model: the optimistic-concurrency contention experiment of
//! M. Brooker, "Exponential Backoff And Jitter" (AWS Architecture Blog,
//! 2015), reproduced as its simulator (aws-samples/aws-arch-backoff-simulator,
//! `backoff_simulator.py`) sets it up:
//!
//! - one row with one version number on a server that answers instantly and
//!   has no capacity limit: all contention is version races;
//! - every client starts at t = 0 and loops read version -> write(version);
//!   the write succeeds iff the version still matches (then it increments);
//!   a client stops after its first successful write;
//! - every network hop (client -> server and back) takes |Normal(10, 2)| ms;
//! - after a failed write the client sleeps one hop delay plus the backoff
//!   for its attempt, then reads again;
//! - `calls` counts write attempts (reads are not counted); `time` is the
//!   instant the last client learns of its success.
//!
//! The skeleton: `params` (the `[occ]` table), `defaults` (the reference
//! simulator's figures), `check`, `setup`, `model` (reads, writes and their
//! answers), `output` (metrics and end-of-run invariants).

pub mod check;
pub mod costs;
pub mod defaults;
pub mod model;
pub mod output;
pub mod params;
pub mod setup;

pub use check::{Invalid, MAX_CLIENTS, check};
pub use model::OccModel;
pub use params::{OccParams, STRATEGIES};

use crate::engine::run;
use crate::run::{RunContext, RunOutput};

/// Runs one replication of the `occ` model.
pub fn run_occ(params: &OccParams, ctx: &RunContext) -> Result<RunOutput, String> {
    let mut model = setup::build(params, ctx)?;
    let report = run(&mut model, ctx.window).within_bounds()?;
    model
        .check_invariants()
        .map_err(|e| format!("model invariant broken: {e}"))?;
    let mut out = model.output(&report);
    out.costs(&costs::costs(params, &ctx.prices)?);
    Ok(out)
}
