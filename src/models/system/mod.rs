//! The `system` model: the CDN and the push pipeline in one run, on one
//! world and one event queue, coupled by push campaigns whose notified
//! clients fetch the campaign's objects from the CDN.
//!
//! Each part is built by its own model's setup from its own table (`[cdn]`,
//! `[push]`) and handles its own events with its own code, relayed through
//! `engine::Relay`: a system with one part reproduces that model's run
//! event for event. The coupling is the campaigns' (`campaign`): a
//! notification is a tagged push message; its delivery is heard back from
//! the push part, and after the client's think time its requests enter the
//! CDN part, whose answers end the notification's notify-to-content time.
//! See `docs/system.md`.

mod campaign;
pub mod check;
pub mod defaults;
pub mod model;
pub mod output;
pub mod params;
pub mod setup;

pub use model::SystemModel;
pub use params::SystemParams;
pub use setup::SystemPoint;

use crate::engine::run;
use crate::run::{RunContext, RunIo, RunOutput};

/// Runs one replication of a prepared point (a trace or a recording goes
/// to the CDN part). A broken end-of-run invariant fails the run.
pub fn run_system(point: &SystemPoint, ctx: &RunContext, io: RunIo) -> Result<RunOutput, String> {
    let mut model = setup::build(point, ctx, io)?;
    let report = run(&mut model, ctx.window).within_bounds()?;
    let mut out = output::conclude(&mut model, point, ctx, report.end)?;
    out.events = report.events;
    Ok(out)
}
