//! What the runs of a point share, prepared once while the experiment loads:
//! a CDN point's or a push point's world (built once per distinct world file and PoP
//! selection, and shared behind an `Arc` by every point and run that names
//! it) and the pass through its trace. Reading those files is this layer's
//! job; the model gets them built.

use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;

use super::models::ModelSpec;
use crate::error::InputError;
use crate::models::cdn::{self, CdnParams, CdnPoint, Invalid};
use crate::models::push::{self, PushParams, PushPoint};
use crate::prices::Prices;
use crate::run::{RunContext, RunOutput};
use crate::workload::trace::TraceFile;
use crate::world::{World, WorldChoice};

/// A world built (or why it cannot be), shared by the points naming it.
type Built = Result<Arc<World>, Invalid>;

/// The worlds built so far, by what named them (an experiment names few).
#[derive(Debug, Default)]
pub struct Worlds {
    built: RefCell<Vec<(WorldChoice, Built)>>,
}

impl Worlds {
    pub fn new() -> Worlds {
        Worlds::default()
    }

    /// The world `params` name, with their PoP selection: built on first
    /// use, shared afterwards (a problem is keyed `world` or `pops`).
    pub fn for_cdn(&self, params: &CdnParams) -> Result<Arc<World>, Invalid> {
        let choice = WorldChoice {
            file: params.world.clone(),
            pops: params.pops.clone(),
        };
        self.built_for(choice, cdn::check::world_fits)
    }

    /// The world a push point's clusters stand in, with the cluster sites as
    /// its PoP selection (none without clusters). A site the world does
    /// not have is keyed `clusters[i].site`; a world unusable with that
    /// selection (a region that reaches no cluster) `clusters`.
    pub fn for_push(&self, params: &PushParams) -> Result<Option<Arc<World>>, Invalid> {
        if params.clusters.is_empty() {
            return Ok(None);
        }
        let whole = WorldChoice {
            file: params.world.clone(),
            pops: None,
        };
        let spec = whole.load()?;
        push::check::cluster_sites(params, &spec)?;
        let choice = WorldChoice {
            file: params.world.clone(),
            pops: Some(params.clusters.iter().map(|c| c.site.clone()).collect()),
        };
        let world = self.built_for(choice, |_| Ok(()));
        world
            .map(Some)
            .map_err(|(key, message)| match key.as_str() {
                "pops" => ("clusters".to_string(), message),
                _ => (key, message),
            })
    }

    fn built_for(
        &self,
        choice: WorldChoice,
        fits: impl FnOnce(&crate::world::WorldSpec) -> Result<(), Invalid>,
    ) -> Result<Arc<World>, Invalid> {
        let known = self
            .built
            .borrow()
            .iter()
            .find(|(c, _)| *c == choice)
            .cloned();
        if let Some((_, world)) = known {
            return world;
        }
        let world = choice.load().and_then(|spec| {
            fits(&spec)?;
            Ok(Arc::new(World::build(spec)))
        });
        self.built.borrow_mut().push((choice, world.clone()));
        world
    }
}

/// The price files loaded so far, by the `[prices] file` that named them
/// (`None`: the shipped prices).
#[derive(Debug, Default)]
pub struct PriceFiles {
    loaded: RefCell<Vec<(Option<String>, Arc<Prices>)>>,
}

impl PriceFiles {
    /// The prices `file` names: read and checked on first use, shared
    /// afterwards. An error is located in the price file; one that cannot
    /// be read is keyed `prices.file`.
    pub fn get(&self, file: Option<&str>) -> Result<Arc<Prices>, InputError> {
        let key = file.map(str::to_string);
        if let Some((_, p)) = self.loaded.borrow().iter().find(|(k, _)| *k == key) {
            return Ok(p.clone());
        }
        let prices = match file {
            None => Prices::shipped(),
            Some(path) => Arc::new(Prices::load(Path::new(path)).map_err(|e| *e)?),
        };
        self.loaded.borrow_mut().push((key, prices.clone()));
        Ok(prices)
    }
}

/// A CDN point, checked and prepared: its world from `worlds`, its trace
/// (if any) read through once. Problems are keyed relative to `[cdn]`.
pub fn cdn_point(params: CdnParams, worlds: &Worlds) -> Result<CdnPoint, Vec<Invalid>> {
    let world = worlds.for_cdn(&params).map_err(|problem| vec![problem])?;
    CdnPoint::prepare(params, world, TraceFile::scan)
}

/// A push point, checked and prepared: the world its clusters stand in
/// from `worlds`. The first problem comes back, keyed relative to `[push]`.
pub fn push_point(params: PushParams, worlds: &Worlds) -> Result<PushPoint, Invalid> {
    push::check(&params).map_err(push::check::first_problem)?;
    let world = worlds.for_push(&params)?;
    PushPoint::prepare(params, world).map_err(push::check::first_problem)
}

/// [`push_point`] on its own, for library use and tests (the key comes
/// back with its `push.` prefix).
pub fn prepare_push(params: &PushParams) -> Result<PushPoint, Invalid> {
    push_point(params.clone(), &Worlds::new())
        .map_err(|(key, message)| (format!("push.{key}"), message))
}

/// [`cdn_point`] on its own, for library use and tests.
pub fn prepare_cdn(params: &CdnParams) -> Result<CdnPoint, Vec<Invalid>> {
    cdn_point(params.clone(), &Worlds::new())
}

/// Prepares `params` on their own and runs one replication, with the trace
/// (if any) opened as the runner opens it; the first problem with the
/// parameters fails it. For library use and tests.
pub fn run_cdn(params: &CdnParams, ctx: &RunContext) -> Result<RunOutput, String> {
    let point = prepare_cdn(params).map_err(|problems| {
        let (key, message) = cdn::check::first_problem(problems);
        format!("{key}: {message}")
    })?;
    let model = ModelSpec::Cdn(Box::new(point));
    let io = super::runner::open_io(&model, None)?;
    model.run_with(ctx, io)
}
