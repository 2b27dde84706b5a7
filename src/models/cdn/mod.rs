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
//! Not here: geography and routing policy (`crate::world`), replacement
//! policies and HTTP parsing (`crate::cache`), popularity, sizes and arrival
//! processes (`crate::workload`). See `docs/cdn.md`.

pub mod check;
pub mod defaults;
mod events;
mod fetch;
pub mod links;
pub mod model;
mod output;
pub mod params;
mod serve;
pub mod setup;
pub mod slab;
pub mod source;
pub mod stats;
mod video;

pub use check::{Invalid, check, load_world};
pub use model::CdnModel;
pub use params::{CdnParams, Mode};

use std::path::Path;

use crate::engine::{RunReport, run};
use crate::run::{RunContext, RunOutput};

/// Runs one replication of the `cdn` model.
pub fn run_cdn(params: &CdnParams, ctx: &RunContext) -> Result<RunOutput, String> {
    run_cdn_recording(params, ctx, None)
}

/// Runs one replication, writing every request it sends to `record`
/// (`.csv` or `.oracleGeneral`) when given.
pub fn run_cdn_recording(
    params: &CdnParams,
    ctx: &RunContext,
    record: Option<&Path>,
) -> Result<RunOutput, String> {
    let mut model = setup::build(params, ctx)?;
    if let Some(path) = record {
        let recorder = source::Recorder::create(path, &model.world).map_err(|e| e.to_string())?;
        model.workload.recorder = Some(recorder);
    }
    finish(model, params, ctx)
}

/// Runs one replication over an already built world (validation, tests).
pub fn run_cdn_in(
    params: &CdnParams,
    world: crate::world::World,
    ctx: &RunContext,
) -> Result<RunOutput, String> {
    let model = setup::build_in(params, world, ctx)?;
    finish(model, params, ctx)
}

fn finish(mut model: CdnModel, params: &CdnParams, ctx: &RunContext) -> Result<RunOutput, String> {
    let report: RunReport = run(&mut model, ctx.window);
    model.finish_workload()?;
    let measured_s = (ctx.window.horizon - ctx.window.warmup).as_secs_f64();
    let mut out = model.output(report.end, measured_s, &params.report_regions);
    out.events = report.events;
    Ok(out)
}
