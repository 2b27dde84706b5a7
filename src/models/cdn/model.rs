//! The CDN model's state and its event loop: regions send requests that
//! DNS or anycast routes to a PoP, a request-routing server hands each to a
//! cache server, misses go (through a shield, optionally) to the origin.
//! Every component lives in a dense `Vec` indexed by a typed or plain id;
//! events are a small enum carrying ids. The handlers live in modules named
//! after what happens: `source` (requests arrive), `serve`, `fetch`,
//! `publish`, `flash`, `failure` and `video`; this file holds the state,
//! the start and the dispatch.

use std::sync::Arc;

use crate::cache::Cache;
use crate::cache::http::{Expiry, Storage};
use crate::cache::idmap::IdMap;
use crate::dist::DurationSampler;
use crate::engine::{Model, Scheduler, SimRng, SimTime};
use crate::station::Workers;
use crate::workload::arrivals::{DiurnalSpec, PoissonStream};
use crate::workload::catalogue::Catalogue;
use crate::world::{HashRing, RoundRobin, Router, World};

use super::links::Link;
use super::params::{Mode, RouterMode};
use super::slab::Slab;
use super::source::{Recorder, RequestSource};
use super::stats::{Series, Stats};
use super::versions::Versions;
use super::video::VideoState;

/// "No index": an empty list link or an absent id.
pub const NONE: u32 = u32::MAX;
/// "No PoP" in the routing tables.
pub const NO_POP: u16 = u16::MAX;

/// Where a request came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Catalogue,
    /// A flash crowd, by index.
    Flash(u16),
    /// A video session, by slab index.
    Video(u32),
    /// A request a composite model sent (`external`), by its tag.
    External(u32),
    /// An attack's request, by its bot (`attack`).
    Attack(u32),
}

/// A client request in flight.
#[derive(Copy, Clone, Debug)]
pub struct Request {
    /// When the client started it (before connection set-up).
    pub sent_at: SimTime,
    pub object: u64,
    /// One-way delay of PoP-to-PoP forwarding; the response pays it again.
    pub detour: SimTime,
    /// When its cache server has processed it (the response can leave).
    pub ready: SimTime,
    pub size: u32,
    /// Global index of the cache server (or the origin index in no-CDN mode).
    pub server: u32,
    /// The serving PoP's epoch when the request reached it.
    pub epoch: u32,
    /// Next request waiting on the same fetch.
    pub next: u32,
    pub region: u16,
    /// The PoP the client connected to.
    pub entry_pop: u16,
    /// The PoP serving it (differs from `entry_pop` after forwarding).
    pub pop: u16,
    pub class: u8,
    pub hops: u8,
    /// On an open connection: no handshake and no slow start.
    pub warm: bool,
    /// Its first-choice PoP was withdrawn and routing sent it elsewhere.
    pub failed_over: bool,
    pub source: Source,
}

/// A fetch from upstream: a PoP's (to a shield or the origin) or a shield's (to the origin).
#[derive(Copy, Clone, Debug)]
pub struct Fetch {
    pub object: u64,
    pub size: u32,
    /// Cache server (PoP level) or shield index (shield level).
    pub server: u32,
    pub epoch: u32,
    /// Waiting requests (PoP level) or waiting PoP fetches (shield level).
    pub head: u32,
    pub tail: u32,
    /// Next PoP fetch waiting on the same shield fetch.
    pub next: u32,
    /// When the shield has processed this PoP fetch.
    pub ready: SimTime,
    pub pop: u16,
    pub class: u8,
    pub shield_level: bool,
    /// A stale copy is held: the upstream answers 304 Not Modified, no body.
    pub conditional: bool,
    /// The upstream failed (outage, refused): waiters get stale-if-error or fail.
    pub error: bool,
    /// A conditional fetch: the content time of the copy held (changing content).
    pub copy_at: SimTime,
    /// The content time of what the fetch brings back: when the origin
    /// answered, or the content time of the shield's copy.
    pub content_at: SimTime,
    /// Whether the object is a flash crowd's (counts its origin fetches).
    pub flash: bool,
}

/// How a request-routing server picks a cache server.
#[derive(Clone, Debug)]
pub enum Chooser {
    RoundRobin(RoundRobin),
    /// The server whose next worker is free soonest (ties spread by the
    /// object's hash, so idle servers split the objects between them).
    LeastLoaded,
    /// Consistent hashing on the object id, over the model's ring.
    Hash,
}

/// One cache server of a PoP.
pub struct CacheServer {
    pub cache: Cache<Expiry>,
    pub workers: Workers,
    /// Object -> the fetch that later misses collapse onto.
    pub inflight: IdMap,
    pub rng: SimRng,
    pub pop: u16,
    /// Requests admitted since the end of warm-up (load balance).
    pub requests: u64,
}

/// A PoP.
pub struct PopState {
    pub down: bool,
    pub epoch: u32,
    /// Its next scheduled failure (`SimTime::MAX`: none).
    pub next_fail: SimTime,
    pub first_server: u32,
    pub chooser: Chooser,
    pub egress: Link,
    /// Upstream link to its origin, and to its shield.
    pub origin_link: Link,
    pub shield_link: Link,
    pub push_target: bool,
    /// The request router (used when `Config::router` is set).
    pub router: Workers,
    pub router_rng: SimRng,
}

/// A shield (parent cache) site.
pub struct ShieldState {
    pub cache: Cache<Expiry>,
    pub workers: Workers,
    pub inflight: IdMap,
    pub rng: SimRng,
    pub origin_link: Link,
}

/// A job at the origin: a fetch, or a client request in no-CDN mode.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum OriginJob {
    Fetch(u32),
    Direct(u32),
}

/// An origin site.
pub struct OriginState {
    pub workers: Workers,
    pub egress: Link,
    pub rng: SimRng,
}

/// What the run's parameters fix: read on every request, never changed.
pub struct Config {
    pub mode: Mode,
    pub collapsing: bool,
    pub handshake_round_trips: u32,
    pub initial_window: u64,
    /// Each client's own access link, ns per byte (0: unlimited).
    pub client_ns_per_byte: f64,
    pub timeout: SimTime,
    pub max_forwards: u8,
    /// Forward a request that would wait longer than this for a worker.
    pub forward_wait: Option<SimTime>,
    pub servers_per_pop: u32,
    pub shield_enabled: bool,
    /// Push mode: push the whole catalogue at the start.
    pub push_preload: bool,
    /// Storage rule of each content class.
    pub rules: Vec<Storage>,
    pub cache_service: DurationSampler,
    pub shield_service: DurationSampler,
    pub origin_service: DurationSampler,
    pub clients_per_region: u32,
    /// Origin outage windows [start, end).
    pub outages: Vec<(SimTime, SimTime)>,
    /// How each content class changes at the origin.
    pub versions: Versions,
    /// The PoPs' request routers, when they are stations.
    pub router: Option<RouterMode>,
    pub router_service: DurationSampler,
}

impl Config {
    /// The content time of a stored copy of class `class` (changing
    /// content): when the origin last answered for it, its freshness
    /// deadline less the class's lifetime.
    #[inline]
    pub fn content_time(&self, class: u8, e: &Expiry) -> SimTime {
        match self.rules[class as usize] {
            Storage::Stored(rule) => e.fresh_until.saturating_sub(rule.lifetime),
            Storage::NotStored => e.fresh_until,
        }
    }
}

/// A flash crowd while the run goes.
pub struct FlashState {
    pub start: SimTime,
    pub end: SimTime,
    pub stream: PoissonStream,
    /// Cumulative region weights and their regions.
    pub region_cumulative: Vec<f64>,
    pub regions: Vec<u16>,
    /// The popularity rank of its object, or none for a new object.
    pub rank: Option<u64>,
    pub object: u64,
    pub class: u8,
    pub rng: SimRng,
}

/// A scheduled PoP failure.
pub struct FailureState {
    pub pop: u16,
    pub at: SimTime,
    pub until: Option<SimTime>,
    pub withdraw_after: SimTime,
}

/// The workload generators.
pub struct Workload {
    /// The catalogue requests: synthetic or from a trace.
    pub source: RequestSource,
    /// Writes every request sent (`--record-trace`).
    pub recorder: Option<Recorder>,
    pub diurnal: DiurnalSpec,
    pub publish: Option<PoissonStream>,
    pub publish_rng: SimRng,
    pub flash: Vec<FlashState>,
    pub video: Option<VideoState>,
}

/// The events of the CDN model: ids, never pointers.
#[derive(Copy, Clone, Debug)]
pub enum Event {
    /// A catalogue request of a region reaches its PoP.
    Arrival(u16),
    /// The trace's next request reaches its PoP.
    TraceArrival,
    FlashStart(u16),
    FlashArrival(u16),
    Publish,
    /// A forwarded request reaches another PoP.
    AtPop(u32),
    /// The PoP's request router has handled a request.
    Routed(u32),
    ShieldArrive(u32),
    OriginArrive(OriginJob),
    /// A fetch's response reaches the PoP or shield that asked.
    FetchDone(u32),
    /// A pushed object lands at a PoP.
    PushArrive {
        pop: u16,
        object: u64,
    },
    Fail(u16),
    Withdraw(u16),
    Restore(u16),
    VideoStart,
    /// A video session's player asks for its next object.
    VideoRequest(u32),
    /// A video session's response reaches the player.
    VideoReceived(u32),
    /// An attack's next request leaves its bot.
    AttackArrival(u16),
    /// A purge is issued.
    PurgeIssued(u16),
    /// A purge reaches a PoP (`NO_POP`: the shields).
    PurgeAt {
        purge: u16,
        pop: u16,
    },
}

/// Where one (region, client prefix) goes: its PoP now, and with every
/// PoP up. Both in one 4-byte cell, so a dispatch reads one cache line.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub pop: u16,
    pub base: u16,
}

impl Route {
    /// No PoP, now or with every PoP up.
    pub const NONE: Route = Route {
        pop: NO_POP,
        base: NO_POP,
    };
}

/// The whole model of one run.
pub struct CdnModel {
    /// The point's world, shared with its other runs (read only).
    pub world: Arc<World>,
    pub router: Router,
    /// PoP of each (region, client prefix) now, and with every PoP up.
    pub routes: Vec<Route>,
    /// Each region's nearest PoP (for the share of requests reaching it).
    pub nearest: Vec<u16>,
    /// The consistent-hash ring of cache servers: every PoP runs the same
    /// software with the same server count, so they share one layout.
    pub ring: HashRing,
    pub cfg: Config,
    pub catalogue: Catalogue,
    pub pops: Vec<PopState>,
    pub servers: Vec<CacheServer>,
    pub shields: Vec<ShieldState>,
    pub origins: Vec<OriginState>,
    /// Region x PoP access links and region x origin direct links.
    pub access: Vec<Link>,
    pub direct: Vec<Link>,
    pub requests: Slab<Request>,
    pub fetches: Slab<Fetch>,
    pub workload: Workload,
    pub failures: Vec<FailureState>,
    pub stats: Stats,
    pub series: Option<Series>,
    /// Bytes each PoP sent to clients in every 5-minute interval of the
    /// run (percentile billing only).
    pub egress_bins: Option<Vec<Vec<u64>>>,
    /// How external requests ended (`external`); `None` when nothing
    /// outside the model sends requests.
    pub outbox: Option<Vec<super::external::Fetched>>,
    /// Objects whose origin fetches are counted, with the count
    /// (`external::watch`); empty for the model on its own.
    pub watched: Vec<(u64, u64)>,
    /// Per watched object (same order): shield lookups and shield hits.
    pub watched_shield: Vec<(u64, u64)>,
    /// Denial-of-service attacks and the front ends (`attack`); `None`
    /// without attacks or front-end limits.
    pub attack: Option<Box<super::attack::Defence>>,
    /// Purges and their counts.
    pub purges: super::purge::Purges,
}

impl Model for CdnModel {
    type Event = Event;

    fn start(&mut self, s: &mut Scheduler<Event>) {
        self.on_start(s);
    }

    #[inline]
    fn handle(&mut self, event: Event, s: &mut Scheduler<Event>) {
        match event {
            Event::Arrival(region) => self.on_arrival(region, s),
            Event::TraceArrival => self.on_trace_arrival(s),
            Event::FlashStart(crowd) => self.on_flash_start(crowd, s),
            Event::FlashArrival(crowd) => self.on_flash_arrival(crowd, s),
            Event::Publish => self.on_publish(s),
            Event::AtPop(req) => self.on_at_pop(req, s),
            Event::Routed(req) => self.serve_at_pop(req, s),
            Event::ShieldArrive(fetch) => self.on_shield_arrive(fetch, s),
            Event::OriginArrive(job) => self.on_origin_arrive(job, s),
            Event::FetchDone(fetch) => self.on_fetch_done(fetch, s),
            Event::PushArrive { pop, object } => self.on_push_arrive(pop, object, s.now()),
            Event::Fail(failure) => self.on_fail(failure, s),
            Event::Withdraw(pop) => self.on_withdraw(pop),
            Event::Restore(failure) => self.on_restore(failure),
            Event::VideoStart => self.on_video_start(s),
            Event::VideoRequest(session) => self.on_video_request(session, s),
            Event::VideoReceived(session) => self.on_video_received(session, s),
            Event::AttackArrival(attack) => self.on_attack_arrival(attack, s),
            Event::PurgeIssued(purge) => self.on_purge_issued(purge, s),
            Event::PurgeAt { purge, pop } => self.on_purge_at(purge, pop, s),
        }
    }

    fn over_bound(&self, max_queued: u64) -> Option<String> {
        self.queues_over_bound(max_queued)
    }

    fn end_warmup(&mut self, now: SimTime) {
        self.stats.reset();
        self.purges.reset();
        for server in &mut self.servers {
            server.workers.reset_stats(now);
            server.requests = 0;
        }
        for shield in &mut self.shields {
            shield.workers.reset_stats(now);
        }
        for origin in &mut self.origins {
            origin.workers.reset_stats(now);
            origin.egress.bytes = 0;
        }
        for pop in &mut self.pops {
            pop.egress.bytes = 0;
            pop.router.reset_stats(now);
        }
        for bins in self.egress_bins.iter_mut().flatten() {
            bins.clear();
        }
        if let Some(d) = &mut self.attack {
            d.measured_from = now;
        }
    }
}

impl CdnModel {
    /// Time zero: the first event of every generator, and the push preload.
    pub(super) fn on_start(&mut self, s: &mut Scheduler<Event>) {
        self.start_requests(s);
        self.start_purges(s);
        if let Some(publish) = self.workload.publish {
            s.schedule_at(publish.gap(&mut self.workload.publish_rng), Event::Publish);
        }
        for (i, crowd) in self.workload.flash.iter().enumerate() {
            s.schedule_at(crowd.start, Event::FlashStart(i as u16));
        }
        for (i, failure) in self.failures.iter().enumerate() {
            s.schedule_at(failure.at, Event::Fail(i as u16));
        }
        if let Some(video) = &mut self.workload.video {
            let gap = video.stream.gap(&mut video.rng);
            s.schedule_at(gap, Event::VideoStart);
        }
        if self.cfg.mode == Mode::Push && self.cfg.push_preload {
            self.preload();
        }
        self.start_attacks(s);
    }

    /// The routing-table slot of a region's client prefix.
    #[inline]
    pub fn route_slot(&self, region: u16, client: u32) -> usize {
        region as usize * self.cfg.clients_per_region as usize + client as usize
    }

    /// Recomputes the routing table after a withdrawal or restoration.
    pub fn refresh_routes(&mut self) {
        let clients = self.cfg.clients_per_region;
        for region in self.world.regions() {
            for client in 0..clients {
                let slot = self.route_slot(region.0 as u16, client);
                self.routes[slot].pop = self
                    .router
                    .route(region, client as u64)
                    .map_or(NO_POP, |p| p.0 as u16);
            }
        }
    }

    /// Whether the origin is in an outage at `now`.
    #[inline]
    pub fn origin_out(&self, now: SimTime) -> bool {
        self.cfg
            .outages
            .iter()
            .any(|&(from, to)| now >= from && now < to)
    }
}
