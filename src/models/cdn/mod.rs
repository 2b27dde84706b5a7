//! The `cdn` model: how much a CDN improves read latency and read
//! scalability for heavy media, and which design choices matter.
//!
//! Client regions (from the world model) send requests that anycast,
//! geo-DNS or ideal routing sends to a PoP; inside the PoP a request-routing
//! server picks a cache server (round robin, least loaded, consistent
//! hashing). Cache servers are service stations with a replacement policy
//! (`crate::cache`) and HTTP freshness from `Cache-Control` (lazily checked
//! on access); concurrent misses collapse into one fetch; misses go through
//! an optional shield to the origin, itself a station. Links have finite
//! bandwidth (fluid FIFO queues), so overload shows as latency. A busy PoP
//! forwards to its next PoP; a failed PoP is withdrawn from routing after a
//! convergence delay. Pull, push and no-CDN modes share the request path.
//!
//! A run starts from a [`CdnPoint`]: the checked parameters with the world
//! they name, built once by the experiment layer and shared behind an `Arc`.
//! The model opens no file: a trace workload's reader and a recording's
//! writer come from the runner in [`RunIo`].
//!
//! Not here: geography and routing policy (`crate::world`), replacement
//! policies and HTTP parsing (`crate::cache`), popularity, sizes, arrival
//! processes and trace files (`crate::workload`), service stations
//! (`crate::station`). See `docs/cdn.md`.

pub mod attack;
mod bounds;
pub mod check;
pub mod costs;
pub mod defaults;
pub mod external;
mod failure;
mod fetch;
mod flash;
pub mod links;
pub mod live;
pub mod model;
pub mod output;
pub mod params;
mod publish;
pub mod purge;
mod serve;
pub mod setup;
pub mod slab;
pub mod source;
pub mod stats;
pub mod versions;
mod video;

pub use check::{Checked, Invalid, check};
pub use model::CdnModel;
pub use params::{CdnParams, EgressBilling, Mode};
pub use setup::{CdnPoint, PreparedTrace};

use crate::engine::run;
use crate::run::{RunContext, RunIo, RunOutput};

/// Runs one replication of a prepared point, reading its trace from and
/// recording its requests to what the runner opened in `io`. A broken
/// end-of-run invariant fails the run (a model bug).
pub fn run_cdn(point: &CdnPoint, ctx: &RunContext, io: RunIo) -> Result<RunOutput, String> {
    let mut model = setup::build(point, ctx, io)?;
    let report = run(&mut model, ctx.window).within_bounds()?;
    let mut out = conclude(&mut model, point, ctx, report.end)?;
    out.events = report.events;
    Ok(out)
}

/// The end of a run that stopped at `end`: the invariants, the recording
/// closed, the metrics and the costs (also a composite model's CDN part).
pub fn conclude(
    model: &mut CdnModel,
    point: &CdnPoint,
    ctx: &RunContext,
    end: crate::engine::SimTime,
) -> Result<RunOutput, String> {
    model
        .check_invariants(end)
        .map_err(|e| format!("model invariant broken: {e}"))?;
    model.finish_workload()?;
    let measured_s = (ctx.window.horizon - ctx.window.warmup).as_secs_f64();
    let mut out = model.output(end, measured_s, &point.params.report_regions);
    out.costs(&model.costs(&point.params, &ctx.prices, ctx.window)?);
    Ok(out)
}
