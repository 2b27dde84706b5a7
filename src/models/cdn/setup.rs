//! Wiring. Once per point ([`CdnPoint::prepare`]): the checked parameters
//! with the world they name (built by the caller and shared), the content
//! classes' storage rules and what a pass through the trace found. Once per
//! run ([`build`]): the routing tables, PoPs with their cache servers and
//! links, shields, origins, the workload generators and the statistics
//! tables. Every random stream is named here.

use std::sync::Arc;

use super::attack::{AttackCounters, AttackRun, Defence, Door, PopAttack};
use super::check::{Invalid, check};
use super::links::Link;
use super::model::{
    CacheServer, CdnModel, Chooser, Config, FailureState, FlashState, NO_POP, OriginState,
    PopState, Route, ShieldState, Workload,
};
use super::params::{CdnParams, EgressBilling, Mode};
use super::slab::Slab;
use super::source::{Recorder, request_source};
use super::stats::{Series, Stats};
use super::versions::{Update, Versions};
use super::video::VideoState;
use crate::cache::Cache;
use crate::cache::http::Storage;
use crate::cache::idmap::IdMap;
use crate::engine::{Histogram, SimTime, Streams};
use crate::error::Error;
use crate::faults::admission::TokenBucket;
use crate::faults::schedule::random_outages;
use crate::run::{RunContext, RunIo};
use crate::station::Workers;
use crate::workload::arrivals::PoissonStream;
use crate::workload::attack::Resolve;
use crate::workload::catalogue::Catalogue;
use crate::workload::trace::TraceFile;
use crate::workload::trace::scan::TraceSummary;
use crate::workload::zipf::Zipf;
use crate::world::RoutingMode;
use crate::world::servers::RING_POINTS_PER_SERVER;
use crate::world::{HashRing, RoundRobin, Router, ServerChoice, World};

/// A CDN point ready to run: its checked parameters, the world they name
/// (built once by the caller and shared by every run of the point, and by
/// the points naming the same world), each content class's storage rule as
/// the check parsed it, and the trace workload. Made only by
/// [`CdnPoint::prepare`], so a point has always been checked; runs only
/// read it.
#[derive(Clone, Debug)]
pub struct CdnPoint {
    pub(super) params: CdnParams,
    pub(super) world: Arc<World>,
    pub(super) rules: Vec<Storage>,
    pub(super) trace: Option<PreparedTrace>,
}

/// A trace workload: its file, and what one pass through it found (the
/// first time, whether every stamp is a whole unit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedTrace {
    pub file: TraceFile,
    pub summary: TraceSummary,
}

impl CdnPoint {
    /// Checks `params` against `world` (the world they name, with their PoP
    /// selection) and keeps what every run needs. A trace workload is read
    /// through once by `scan` (the caller's: the model opens no file), so
    /// that a bad line is found before anything runs.
    pub fn prepare(
        params: CdnParams,
        world: Arc<World>,
        scan: impl FnOnce(&TraceFile) -> Result<TraceSummary, Error>,
    ) -> Result<CdnPoint, Vec<Invalid>> {
        let checked = check(&params, &world)?;
        let trace = match checked.trace {
            Some(file) => {
                let summary =
                    scan(&file).map_err(|e| vec![("workload.trace".to_string(), e.to_string())])?;
                Some(PreparedTrace { file, summary })
            }
            None => None,
        };
        Ok(CdnPoint {
            params,
            world,
            rules: checked.rules,
            trace,
        })
    }

    /// The trace workload, if the requests come from a trace.
    /// When the first scheduled disturbance (flash crowd, PoP failure,
    /// origin outage, attack) begins, if any: the steady-state check reads the
    /// series before it.
    pub fn disturbed_from(&self) -> Option<SimTime> {
        let p = &self.params;
        let crowds = p.flash_crowd.iter().map(|c| c.at.0);
        let failures = p.failure.iter().filter_map(|f| f.at.map(|d| d.0));
        let outages = p.origin.outage.iter().map(|o| o.at.0);
        let attacks = p.attack.iter().map(|a| a.at.0);
        crowds.chain(failures).chain(outages).chain(attacks).min()
    }

    /// The checked parameters.
    pub fn params(&self) -> &CdnParams {
        &self.params
    }

    /// The world the point stands in.
    pub fn world(&self) -> &Arc<World> {
        &self.world
    }

    pub fn trace(&self) -> Option<&PreparedTrace> {
        self.trace.as_ref()
    }
}

/// Points are equal when what they were prepared from is: the world is
/// built from the parameters (compared by its description).
impl PartialEq for CdnPoint {
    fn eq(&self, other: &CdnPoint) -> bool {
        self.params == other.params
            && self.rules == other.rules
            && self.trace == other.trace
            && (Arc::ptr_eq(&self.world, &other.world) || self.world.spec() == other.world.spec())
    }
}

/// Builds the model of one run of `point`, reading its trace from and
/// recording its requests to what `io` holds.
pub fn build(point: &CdnPoint, ctx: &RunContext, io: RunIo) -> Result<CdnModel, String> {
    let (params, world) = (&point.params, Arc::clone(&point.world));
    let streams = ctx.streams;
    let router = Router::new(&world, &params.routing, &streams);
    let mut cfg = config(params, point.rules.clone())?;
    let publishes = super::purge::Purges::publishes(params);
    cfg.versions = Versions::new(
        updates(params, cfg.rules.len()),
        streams.key("cdn/versions", 0),
    )
    .with_publishing_purges(publishes);
    let catalogue = Catalogue::new(
        params.catalogue.objects.0,
        params.catalogue.zipf_alpha,
        &params.catalogue.size,
        &class_shares(params),
        &mut streams.stream("cdn/catalogue", 0),
    )?;
    let failures = failures(params, &world, &streams, ctx.window.horizon)?;
    let (pops, servers) = edge(params, &world, &streams, &failures)?;
    let mut model = CdnModel {
        routes: Vec::new(),
        nearest: world
            .regions()
            .map(|r| world.nearest_pop(r).0 as u16)
            .collect(),
        ring: HashRing::new(
            params.cache.servers,
            RING_POINTS_PER_SERVER,
            streams.key("cdn/ring", 0),
        ),
        shields: shields(params, &world, &streams)?,
        origins: origins(params, &world, &streams),
        access: links(
            world.region_count() * world.pop_count(),
            world.spec().links.access_bps,
        ),
        direct: links(
            world.region_count() * world.origins().len(),
            world.spec().links.direct_bps,
        ),
        requests: Slab::new(),
        fetches: Slab::new(),
        workload: workload(point, &streams, &cfg, io)?,
        failures,
        stats: stats(params, &world),
        series: Series::new(ctx, &pop_names(&world)),
        egress_bins: (params.egress_billing == EgressBilling::P95)
            .then(|| vec![Vec::new(); world.pop_count()]),
        outbox: None,
        watched: Vec::new(),
        watched_shield: Vec::new(),
        attack: defence(params, &world, &streams),
        purges: super::purge::Purges::new(params, streams.stream("cdn/purge", 0)),
        world,
        router,
        cfg,
        catalogue,
        pops,
        servers,
    };
    let slots = model.world.region_count() * params.clients_per_region as usize;
    model.routes = vec![Route::NONE; slots];
    model.refresh_routes();
    for route in &mut model.routes {
        route.base = route.pop;
    }
    pin_attacks(&mut model, params);
    Ok(model)
}

/// The PoPs' names as metric and series entities: lower case, `-` for spaces.
pub fn slug(name: &str) -> String {
    crate::workload::trace::labels::slug(name)
}

fn pop_names(world: &World) -> Vec<String> {
    world.spec().pops.iter().map(|p| slug(&p.name)).collect()
}

fn links(n: usize, bits_per_s: f64) -> Vec<Link> {
    vec![Link::new(bits_per_s); n]
}

fn class_shares(p: &CdnParams) -> Vec<f64> {
    if p.catalogue.class.is_empty() {
        vec![1.0]
    } else {
        p.catalogue.class.iter().map(|c| c.share).collect()
    }
}

fn config(p: &CdnParams, rules: Vec<Storage>) -> Result<Config, String> {
    let compile = |d: &crate::dist::DurationDist, key: &str| {
        d.compile()
            .map_err(|e| format!("cdn.{key}.service.{}: {}", e.key, e.message))
    };
    Ok(Config {
        mode: p.mode,
        collapsing: p.collapsing,
        handshake_round_trips: p.network.handshake_round_trips,
        initial_window: p.network.initial_window.0,
        client_ns_per_byte: p.network.client_bandwidth.map_or(0.0, |b| 8e9 / b.0),
        timeout: p.network.timeout.0,
        max_forwards: p.overload.max_forwards.min(u8::MAX as u32) as u8,
        forward_wait: p.overload.forward_wait.map(|d| d.0),
        servers_per_pop: p.cache.servers,
        shield_enabled: p.shield.enabled,
        push_preload: p.push.preload,
        rules,
        cache_service: compile(&p.cache.service, "cache")?,
        shield_service: compile(&p.shield.service, "shield")?,
        origin_service: compile(&p.origin.service, "origin")?,
        clients_per_region: p.clients_per_region,
        outages: p
            .origin
            .outage
            .iter()
            .map(|o| (o.at.0, o.at.0 + o.duration.0))
            .collect(),
        versions: Versions::new(Vec::new(), 0),
        router: (p.router.workers > 0).then_some(p.router.mode),
        router_service: compile(&p.router.service, "router")?,
    })
}

/// The update process of each of the `classes` classes: a catalogue
/// class's own, or the catalogue's when it sets none; a live playlist
/// changes whenever a segment completes; flash-crowd, VOD and segment
/// classes never change.
fn updates(p: &CdnParams, classes: usize) -> Vec<Update> {
    let mut all = catalogue_updates(p);
    if p.video.enabled() && p.video.live() && classes >= 2 {
        all.resize(classes, Update::Never);
        all[classes - 2] = Update::Aligned {
            period_ns: p.video.segment_duration.0.as_nanos().max(1),
        };
    }
    all
}

/// The update process of each catalogue class.
fn catalogue_updates(p: &CdnParams) -> Vec<Update> {
    let one = |rate: crate::units::Rate, every: Option<crate::units::Duration>| {
        if let Some(period) = every {
            Update::Every {
                period_ns: period.0.as_nanos().max(1),
            }
        } else if rate.0 > 0.0 {
            Update::Poisson {
                window_ns: ((1e9 / rate.0).round() as u64).max(1),
            }
        } else {
            Update::Never
        }
    };
    let c = &p.catalogue;
    let catalogue = one(c.update_rate, c.update_every);
    if c.class.is_empty() {
        return vec![catalogue];
    }
    c.class
        .iter()
        .map(|class| match one(class.update_rate, class.update_every) {
            Update::Never => catalogue,
            own => own,
        })
        .collect()
}

/// The PoPs and their cache servers (servers of PoP p are contiguous).
fn edge(
    p: &CdnParams,
    world: &World,
    streams: &Streams,
    failures: &[FailureState],
) -> Result<(Vec<PopState>, Vec<CacheServer>), String> {
    let n = p.cache.servers;
    let links = world.spec().links;
    let push_targets: Option<Vec<String>> = p.push.pops.clone();
    let mut pops = Vec::with_capacity(world.pop_count());
    let mut servers = Vec::with_capacity(world.pop_count() * n as usize);
    for pop in world.pops() {
        let name = &world.pop(pop).name;
        pops.push(PopState {
            down: false,
            epoch: 0,
            next_fail: failures
                .iter()
                .filter(|f| f.pop as usize == pop.0 as usize)
                .map(|f| f.at)
                .min()
                .unwrap_or(SimTime::MAX),
            first_server: servers.len() as u32,
            chooser: match p.cache.server_choice {
                ServerChoice::RoundRobin => Chooser::RoundRobin(RoundRobin::new(n)),
                ServerChoice::LeastLoaded => Chooser::LeastLoaded,
                ServerChoice::ConsistentHash => Chooser::Hash,
            },
            egress: Link::new(links.pop_egress_bps),
            origin_link: Link::new(links.upstream_bps),
            shield_link: Link::new(links.upstream_bps),
            push_target: push_targets.as_ref().is_none_or(|t| t.contains(name)),
            router: Workers::new(p.router.workers, p.router.queue_limit.0 as usize),
            router_rng: streams.stream("cdn/router-service", pop.0 as u64),
        });
        for _ in 0..n {
            let index = servers.len() as u64;
            servers.push(CacheServer {
                // Requests are drawn ahead and warm their lookups (source.rs).
                cache: Cache::new(p.cache.policy.0, p.cache.capacity.0)?.with_prefetch(),
                workers: Workers::new(p.cache.workers, p.cache.queue_limit.0 as usize),
                inflight: IdMap::with_capacity(64),
                rng: streams.stream("cdn/cache-service", index),
                pop: pop.0 as u16,
                requests: 0,
            });
        }
    }
    Ok((pops, servers))
}

fn shields(p: &CdnParams, world: &World, streams: &Streams) -> Result<Vec<ShieldState>, String> {
    if !p.shield.enabled {
        return Ok(Vec::new());
    }
    (0..world.shields().len())
        .map(|i| {
            Ok(ShieldState {
                cache: Cache::new(p.shield.policy.0, p.shield.capacity.0)?,
                workers: Workers::new(p.shield.workers, p.shield.queue_limit.0 as usize),
                inflight: IdMap::with_capacity(64),
                rng: streams.stream("cdn/shield-service", i as u64),
                origin_link: Link::new(world.spec().links.upstream_bps),
            })
        })
        .collect()
}

fn origins(p: &CdnParams, world: &World, streams: &Streams) -> Vec<OriginState> {
    (0..world.origins().len())
        .map(|i| OriginState {
            workers: Workers::new(p.origin.workers, p.origin.queue_limit.0 as usize),
            egress: Link::new(world.spec().links.origin_egress_bps),
            rng: streams.stream("cdn/origin-service", i as u64),
        })
        .collect()
}

/// Cumulative population weights over `regions`.
fn cumulative(world: &World, regions: &[u16]) -> Vec<f64> {
    let total: f64 = regions
        .iter()
        .map(|&r| world.region_share(crate::world::RegionId(r as u32)))
        .sum();
    let mut running = 0.0;
    regions
        .iter()
        .map(|&r| {
            running += world.region_share(crate::world::RegionId(r as u32)) / total;
            running
        })
        .collect()
}

fn workload(
    point: &CdnPoint,
    streams: &Streams,
    cfg: &Config,
    io: RunIo,
) -> Result<Workload, String> {
    let (p, world) = (&point.params, &*point.world);
    let clients = client_regions(p, world);
    let trace = point.trace.as_ref().map(|t| (t, io.trace));
    Ok(Workload {
        source: request_source(p, world, streams, &clients, trace)?,
        recorder: io.record.map(|sink| Recorder::new(sink, world)),
        diurnal: p.diurnal,
        publish: (p.catalogue.publish_rate.0 > 0.0)
            .then(|| PoissonStream::new(p.catalogue.publish_rate.0)),
        publish_rng: streams.stream("cdn/publish", 0),
        flash: flash_crowds(p, world, streams),
        video: video(p, world, streams, cfg)?,
    })
}

/// The regions whose clients send requests: `cdn.regions`, or all.
fn client_regions(p: &CdnParams, world: &World) -> Vec<u16> {
    match &p.regions {
        Some(names) => names
            .iter()
            .filter_map(|name| world.region_by_name(name))
            .map(|r| r.0 as u16)
            .collect(),
        None => world.regions().map(|r| r.0 as u16).collect(),
    }
}

fn flash_crowds(p: &CdnParams, world: &World, streams: &Streams) -> Vec<FlashState> {
    let mut own_class = if p.catalogue.class.is_empty() {
        1
    } else {
        p.catalogue.class.len()
    };
    let mut crowds = Vec::new();
    for (i, c) in p.flash_crowd.iter().enumerate() {
        let regions: Vec<u16> = if c.regions.is_empty() {
            world.regions().map(|r| r.0 as u16).collect()
        } else {
            c.regions
                .iter()
                .filter_map(|name| world.region_by_name(name))
                .map(|r| r.0 as u16)
                .collect()
        };
        let class = match c.cache_control {
            Some(_) => {
                own_class += 1;
                (own_class - 1) as u8
            }
            None => u8::MAX,
        };
        crowds.push(FlashState {
            start: c.at.0,
            end: c.at.0 + c.duration.0,
            stream: PoissonStream::new(c.rate.0),
            region_cumulative: cumulative(world, &regions),
            regions,
            rank: c.rank.map(|r| r.0),
            object: u64::MAX,
            class,
            rng: streams.stream("cdn/flash", i as u64),
        });
    }
    crowds
}

fn video(
    p: &CdnParams,
    world: &World,
    streams: &Streams,
    cfg: &Config,
) -> Result<Option<VideoState>, String> {
    let v = &p.video;
    if !v.enabled() {
        return Ok(None);
    }
    let regions = client_regions(p, world);
    let classes = cfg.rules.len();
    Ok(Some(VideoState {
        stream: PoissonStream::new(v.session_rate.0 * p.diurnal.peak_factor()),
        rng: streams.stream("cdn/video", 0),
        region_cumulative: cumulative(world, &regions),
        regions,
        videos: Zipf::new(v.videos.0, v.zipf_alpha)?,
        segment_bytes: (0..v.ladder.len()).map(|r| v.segment_bytes(r)).collect(),
        abr: v.abr,
        segment_duration: v.segment_duration.0,
        buffer: v.buffer.0,
        segments: v.segments,
        watch_mean_s: v.watch_mean.0.as_secs_f64(),
        manifest_bytes: v.manifest_size.0,
        manifest_class: (classes - 2) as u8,
        segment_class: (classes - 1) as u8,
        sessions: Slab::new(),
        live_latency: v.live().then_some(v.live_latency),
    }))
}

/// Every failure window: the scheduled ones as written, then the random ones
/// of each `mtbf`/`mttr` entry, drawn from stream `faults/pop` (component =
/// the entry's index) up to the horizon.
fn failures(
    p: &CdnParams,
    world: &World,
    streams: &Streams,
    horizon: SimTime,
) -> Result<Vec<FailureState>, String> {
    let mut out = Vec::new();
    for (i, f) in p.failure.iter().enumerate() {
        let Some(pop) = world.pop_by_name(&f.pop) else {
            continue;
        };
        let state = |at: SimTime, until: Option<SimTime>| FailureState {
            pop: pop.0 as u16,
            at,
            until,
            withdraw_after: f.withdraw_after.0,
        };
        match (f.at, f.mtbf, f.mttr) {
            (Some(at), _, _) => out.push(state(at.0, f.duration.map(|d| at.0 + d.0))),
            (None, Some(mtbf), Some(mttr)) => {
                let mut rng = streams.stream("faults/pop", i as u64);
                for o in random_outages(mtbf.0, mttr.0, horizon, &mut rng) {
                    out.push(state(o.down, Some(o.up)));
                }
            }
            _ => {}
        }
    }
    // Failure events carry a 16-bit index.
    if out.len() > u16::MAX as usize {
        return Err(format!(
            "cdn.failure: {} PoP failures in one run; at most {} (raise `mtbf`)",
            out.len(),
            u16::MAX
        ));
    }
    Ok(out)
}

/// The continents of a world, sorted: the per-continent latency tables.
pub fn continents(world: &World) -> Vec<String> {
    let mut names: Vec<String> = world
        .spec()
        .regions
        .iter()
        .map(|r| r.continent.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn stats(p: &CdnParams, world: &World) -> Stats {
    // Legitimate failures by region are reported only under attack.
    let tracked = if defended(p) { world.region_count() } else { 0 };
    let continents = continents(world);
    let region_continent = world
        .spec()
        .regions
        .iter()
        .map(|r| {
            continents
                .iter()
                .position(|c| *c == r.continent)
                .unwrap_or(0) as u8
        })
        .collect();
    let region_report = world
        .spec()
        .regions
        .iter()
        .map(|r| {
            p.report_regions
                .iter()
                .position(|n| *n == r.name)
                .map_or(u16::MAX, |i| i as u16)
        })
        .collect();
    Stats {
        continent_latency: vec![Histogram::new(); continents.len()],
        region_latency: vec![Histogram::new(); p.report_regions.len()],
        region_continent,
        region_report,
        pops: vec![Default::default(); world.pop_count()],
        region_attempts: vec![0; tracked],
        region_failed: vec![0; tracked],
        ..Stats::default()
    }
}

/// Whether a run has attacks or front-end limits (and so a [`Defence`]).
pub fn defended(p: &CdnParams) -> bool {
    !p.attack.is_empty()
        || p.edge.limits()
        || p.origin.request_capacity.is_some()
        || p.origin.bandwidth.is_some()
}

/// The attacks of a run and its sites' front ends, or none without either.
fn defence(p: &CdnParams, world: &World, streams: &Streams) -> Option<Box<Defence>> {
    if !defended(p) {
        return None;
    }
    let e = &p.edge;
    let burst_s = e.burst.0.as_secs_f64();
    let bytes = e.request_bytes.0 as f64;
    let door = |requests: Option<f64>, bits: Option<f64>| {
        Door::new(requests, bits.map(|b| b / 8.0), burst_s, bytes)
    };
    let client_sites = if p.mode == Mode::NoCdn {
        world.origins().len()
    } else {
        world.pop_count()
    };
    let client = door(e.request_capacity.map(|r| r.0), e.bandwidth.map(|b| b.0));
    let origin = door(
        p.origin.request_capacity.map(|r| r.0),
        p.origin.bandwidth.map(|b| b.0),
    );
    let mut runs = Vec::new();
    let mut first_bot = 0u32;
    for (i, a) in p.attack.iter().enumerate() {
        let (regions, shares): (Vec<u16>, Vec<f64>) = if a.sources.is_empty() {
            world
                .regions()
                .map(|r| (r.0 as u16, world.region_share(r)))
                .unzip()
        } else {
            a.sources
                .iter()
                .filter_map(|(name, &share)| {
                    world.region_by_name(name).map(|r| (r.0 as u16, share))
                })
                .unzip()
        };
        let total: f64 = shares.iter().sum();
        let mut running = 0.0;
        let region_cumulative = shares
            .iter()
            .map(|s| {
                running += s / total;
                running
            })
            .collect();
        runs.push(AttackRun {
            start: a.at.0,
            end: a.at.0 + a.duration.0,
            stream: PoissonStream::new(a.rate.0),
            rng: streams.stream("cdn/attack", i as u64),
            first_bot,
            bots: a.bots.0 as u32,
            region_cumulative,
            regions,
            rank: a.rank.0,
            busting: a.mix.cache_busting,
            pinned: None,
        });
        first_bot += a.bots.0 as u32;
    }
    let bot_limits = match e.rate_limit {
        Some(r) => vec![TokenBucket::new(r.0, (r.0 * burst_s).max(1.0)); first_bot as usize],
        None => Vec::new(),
    };
    Some(Box::new(Defence {
        runs,
        client_doors: vec![client; client_sites],
        origin_doors: vec![origin; world.origins().len()],
        bot_limits,
        request_bytes: bytes,
        slots: p.catalogue.objects.0.next_power_of_two(),
        busted: 0,
        counters: AttackCounters::default(),
        pops: vec![PopAttack::default(); world.pop_count()],
        origin_bins: Vec::new(),
        measured_from: SimTime::ZERO,
    }))
}

/// Pins each attack whose bots resolved the name once, under a routing
/// that answers by name (geo-DNS, ideal): every bot sends to the PoP the
/// name resolved to for the bots' largest source region. Anycast needs no
/// pin: the one address leads each bot to its own catchment.
fn pin_attacks(model: &mut CdnModel, p: &CdnParams) {
    let by_name = p.routing.mode != RoutingMode::Anycast && p.mode != Mode::NoCdn;
    let Some(d) = &mut model.attack else {
        return;
    };
    for (run, spec) in d.runs.iter_mut().zip(&p.attack) {
        if !(by_name && spec.resolve == Resolve::Once) {
            continue;
        }
        let mut widest = (0usize, 0.0f64);
        let mut before = 0.0;
        for (i, &c) in run.region_cumulative.iter().enumerate() {
            if c - before > widest.1 + 1e-12 {
                widest = (i, c - before);
            }
            before = c;
        }
        let region = run.regions[widest.0];
        let slot = region as usize * p.clients_per_region as usize;
        run.pinned = Some(model.routes[slot].pop).filter(|&pop| pop != NO_POP);
    }
}
