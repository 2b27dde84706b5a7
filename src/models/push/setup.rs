//! Wiring. Once per point ([`PushPoint::prepare`]): the checked parameters
//! with the world their clusters stand in (built by the caller and shared).
//! Once per run ([`build`]): the client slots and the timing wheel, the
//! gateways, their clusters and balancers, the world's routing, the pipeline's partitions and processors,
//! the pollers and mailboxes, the reconnect policy, the fault state and
//! the statistics. Every random stream of the model is named here, except
//! the per-entry crash streams the fault schedule draws at the start.

use std::collections::VecDeque;
use std::sync::Arc;

use super::autoscale::Autoscaler;
use super::check::{Invalid, check, check_on_world};
use super::defaults as d;
use super::failover::SiteStats;
use super::faults::FaultState;
use super::filters::Filters;
use super::geo::Geo;
use super::kafka::Brokers;
use super::messages::Messages;
use super::model::{
    Client, Cluster, Counters, Gateway, Mailbox, NO_GATEWAY, Poller, Processor, PushModel, Rngs,
    Samplers, SeriesSet, TICK,
};
use super::params::{PushParams, Transport};
use super::reconnect::{ReconnectPolicy, Reconnects};
use super::registry::RegistryNodes;
use super::ttl::RecordTtl;
use super::wheel::{NIL, TimingWheel};
use crate::dist::DurationDist;
use crate::engine::{GridSeries, Histogram, SeriesKind, Streams, TimeWeighted};
use crate::faults::storm::{BusyPeak, PeakRate, ReconnectTracker};
use crate::run::RunContext;
use crate::station::Station;
use crate::world::{LeastLoaded, World};

/// Buckets of the timing wheel: 4,096 one-second buckets hold deadlines up
/// to 68 minutes ahead without a second revolution.
const WHEEL_SLOTS: usize = 4096;
/// Per-partition and per-gateway series are written only up to these counts.
const MAX_ENTITY_SERIES: usize = 64;

/// A push point ready to run: its checked parameters and, with
/// `[[push.clusters]]`, the world they stand in (loaded with the cluster
/// sites as its PoP selection, built once by the caller and shared). Made
/// only by [`PushPoint::prepare`], so a point has always been checked.
#[derive(Clone, Debug)]
pub struct PushPoint {
    params: PushParams,
    world: Option<Arc<World>>,
}

impl PushPoint {
    /// Checks `params` (against `world` if they have clusters: a world is
    /// required then, and ignored otherwise).
    pub fn prepare(
        params: PushParams,
        world: Option<Arc<World>>,
    ) -> Result<PushPoint, Vec<Invalid>> {
        check(&params)?;
        let world = if params.clusters.is_empty() {
            None
        } else {
            let world = world.ok_or_else(|| {
                vec![(
                    "clusters".to_string(),
                    "clusters need a world; prepare the point with one".to_string(),
                )]
            })?;
            check_on_world(&params, &world)?;
            Some(world)
        };
        Ok(PushPoint { params, world })
    }

    pub fn params(&self) -> &PushParams {
        &self.params
    }

    /// The world the clusters stand in, if the point has clusters.
    pub fn world(&self) -> Option<&Arc<World>> {
        self.world.as_ref()
    }
}

/// Points are equal when what they were prepared from is (the world
/// compared by its description).
impl PartialEq for PushPoint {
    fn eq(&self, other: &PushPoint) -> bool {
        let same_world = match (&self.world, &other.world) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a.spec() == b.spec(),
            _ => false,
        };
        self.params == other.params && same_world
    }
}

/// Builds the model of one run of `point`.
pub fn build_point(point: &PushPoint, ctx: &RunContext) -> Result<PushModel, String> {
    let mut model = build(&point.params, ctx)?;
    if let Some(world) = &point.world {
        let geo = Geo::new(&point.params, Arc::clone(world), &ctx.streams)?;
        let regions = if point.params.regions.is_empty() {
            0
        } else {
            geo.region_count()
        };
        let sites = point.params.clusters.len() + regions;
        model.site_stats = (0..sites).map(|_| SiteStats::new()).collect();
        model.geo = Some(geo);
    }
    Ok(model)
}

/// Builds the model of one run with no geography; the parameters must have
/// passed `check` (and have no clusters: those need [`build_point`]).
pub fn build(p: &PushParams, ctx: &RunContext) -> Result<PushModel, String> {
    let p = &super::lbtier::resolved(p);
    let n = p.clients.0 as usize;
    let persistent = p.transport.is_persistent();
    let gateways_n = p.gateway_count() as usize;
    let partitions = p.kafka.partitions as usize;
    let slots = if persistent { n } else { 0 };
    if let Some((key, message)) = super::client::window_problem(p, ctx.window.horizon) {
        return Err(format!("{key}: {message}"));
    }
    let (pollers, mailboxes) = polling_state(p, n);
    let autoscaler = p
        .autoscaling
        .as_ref()
        .filter(|a| a.enabled)
        .map(|a| Autoscaler::new(a, p.kafka.partitions));
    let (initial_replicas, max_processors) = replica_counts(p);
    Ok(PushModel {
        transport: p.transport,
        clients_n: n as u32,
        s: samplers(p)?,
        rng: rngs(&ctx.streams),
        lb_one_way: p.load_balancer.one_way(),
        request_cost: p.request_cost.total(),
        reconnects: reconnects(p),
        clients: vec![empty_client(); slots],
        registry: vec![NO_GATEWAY; slots],
        wheel: TimingWheel::new(slots, WHEEL_SLOTS, TICK.as_nanos()),
        drained_tick: None,
        due: Vec::new(),
        gateways: (0..gateways_n).map(|_| new_gateway(p)).collect(),
        clusters: clusters(p),
        gateway_cluster: gateway_clusters(p),
        geo: None,
        outbox: None,
        site_stats: Vec::new(),
        registry_nodes: RegistryNodes::new(&p.registry),
        filters: Filters::new(p, n.max(pollers.len()), gateways_n),
        brokers: Brokers::new(&p.kafka),
        ttl: RecordTtl::new(&p.registry, slots as u32),
        messages: Messages::new(),
        partitions: vec![VecDeque::new(); partitions],
        lag_total: 0,
        processors: vec![Processor::default(); max_processors as usize],
        consumers: initial_replicas,
        ready: initial_replicas,
        target: initial_replicas,
        rebalancing: false,
        rebalance_epoch: 0,
        autoscaler,
        pollers,
        poll_order: Vec::new(),
        expiries: VecDeque::new(),
        expiry_armed: false,
        mailboxes,
        counters: Counters::default(),
        latency: Histogram::new(),
        connect_latency: Histogram::new(),
        connected: TimeWeighted::new(0.0),
        registered: 0,
        busy_threads: TimeWeighted::new(0.0),
        ready_level: TimeWeighted::new(initial_replicas as f64),
        lag_level: TimeWeighted::new(0.0),
        series: series(ctx, partitions, gateways_n, persistent),
        faults: fault_state(p, ctx),
        balancers: super::lbtier::BalancerTier::new(p, p.clusters.len()),
        floods: super::attack::Floods::new(&p.attack, gateways_n, &ctx.streams),
        p: p.clone(),
    })
}

/// The gateway clusters: `[[push.clusters]]` in order, each a block of
/// consecutive gateways, or every gateway in one.
fn clusters(p: &PushParams) -> Vec<Cluster> {
    let sizes: Vec<u32> = if p.clusters.is_empty() {
        vec![p.gateways.count]
    } else {
        p.clusters.iter().map(|c| c.gateways).collect()
    };
    let mut first = 0;
    sizes
        .iter()
        .map(|&size| {
            let cluster = Cluster {
                first,
                size: size as usize,
                balancer: LeastLoaded::new(size),
            };
            first += size as usize;
            cluster
        })
        .collect()
}

/// Each gateway's cluster.
fn gateway_clusters(p: &PushParams) -> Vec<u16> {
    clusters(p)
        .iter()
        .enumerate()
        .flat_map(|(k, c)| std::iter::repeat_n(k as u16, c.size))
        .collect()
}

/// The distributions the model draws from, compiled.
fn samplers(p: &PushParams) -> Result<Samplers, String> {
    let compile = |key: &str, d: &DurationDist| {
        d.compile()
            .map_err(|e| format!("push.{key}.{}: {}", e.key, e.message))
    };
    let (read, write) = p.registry.latencies();
    Ok(Samplers {
        transit: compile("network.transit", &p.network.transit)?,
        internal: compile("network.internal", &p.network.internal)?,
        registry_read: compile("registry.read", &read)?,
        registry_write: compile("registry.write", &write)?,
        processor_cpu: compile("processors.cpu", &p.processors.cpu)?,
        kafka_latency: compile("kafka.latency", &p.kafka.latency)?,
    })
}

/// One named stream per purpose (common random numbers: a change to one
/// part of the model leaves the draws of the others alone).
fn rngs(st: &Streams) -> Rngs {
    Rngs {
        producer: st.stream("push/producer", 0),
        target: st.stream("push/target", 0),
        network: st.stream("push/network", 0),
        registry: st.stream("push/registry", 0),
        processor: st.stream("push/processor", 0),
        kafka: st.stream("push/kafka", 0),
        lifetime: st.stream("push/lifetime", 0),
        balancer: st.stream("push/balancer", 0),
        reconnect: st.stream("push/reconnect", 0),
        upstream: st.stream("push/upstream", 0),
        initial: st.stream("push/initial", 0),
    }
}

/// The reconnect policy, with the per-client memory decorrelated jitter
/// needs (persistent transports only).
fn reconnects(p: &PushParams) -> Reconnects {
    let default_delay = match p.transport {
        Transport::Sse => d::RECONNECT_DELAY_SSE,
        _ => d::RECONNECT_DELAY_WEBSOCKET,
    };
    let backoff = p.reconnect.backoff.clone();
    let decorrelated = backoff.as_ref().is_some_and(|b| b.needs_previous());
    let per_client = decorrelated && p.transport.is_persistent();
    Reconnects {
        policy: ReconnectPolicy {
            delay: p.reconnect.delay.map_or(default_delay, |d| d.0),
            failure_delay: p.reconnect.failure_delay.0,
            backoff,
        },
        previous_ns: vec![0; if per_client { p.clients.0 as usize } else { 0 }],
        gave_up: 0,
    }
}

/// Processor replicas at the start, and the most there can ever be.
fn replica_counts(p: &PushParams) -> (u32, u32) {
    match &p.autoscaling {
        Some(a) if a.enabled => {
            let initial = p.processors.replicas.clamp(a.min_replicas, a.max_replicas);
            (initial, a.max_replicas.max(initial))
        }
        _ => (p.processors.replicas, p.processors.replicas),
    }
}

fn empty_client() -> Client {
    Client::empty(NO_GATEWAY)
}

fn new_gateway(p: &PushParams) -> Gateway {
    Gateway {
        cpu: Station::new(p.gateways.cores, None),
        open: 0,
        accepted: 0,
        accepted_level: TimeWeighted::new(0.0),
        up: true,
        accepting: true,
    }
}

/// Pollers and mailboxes for the polling transports (empty otherwise).
fn polling_state(p: &PushParams, n: usize) -> (Vec<Poller>, Vec<Mailbox>) {
    if p.transport.is_persistent() {
        return (Vec::new(), Vec::new());
    }
    let per_thread = match p.transport {
        Transport::LongPoll => p.long_poll.queues_per_thread as usize,
        _ => 1,
    };
    let threads = n.div_ceil(per_thread);
    let pollers = (0..threads)
        .map(|t| Poller {
            next_send_ns: 0,
            queue: (t * per_thread) as u32,
            generation: 0,
            gateway: NO_GATEWAY,
            parked: false,
        })
        .collect();
    let mailboxes = vec![
        Mailbox {
            head: NIL,
            tail: NIL
        };
        n
    ];
    (pollers, mailboxes)
}

/// The run's time series (none when the experiment writes no series).
fn series(ctx: &RunContext, partitions: usize, gateways: usize, persistent: bool) -> SeriesSet {
    let rate = |name: &str| ctx.series(name, "", SeriesKind::Rate);
    let level = |name: &str| ctx.series(name, "", SeriesKind::Level);
    let per = |name: &str, prefix: &str, n: usize| -> Vec<GridSeries> {
        if n > MAX_ENTITY_SERIES {
            return Vec::new();
        }
        (0..n)
            .filter_map(|i| ctx.series(name, &format!("{prefix}{i}"), SeriesKind::Level))
            .collect()
    };
    SeriesSet {
        published: rate("published_per_s"),
        delivered: rate("delivered_per_s"),
        dropped: rate("dropped_per_s"),
        requests: rate("requests_per_s"),
        connects: rate("connects_per_s"),
        registry_reads: rate("registry_reads_per_s"),
        registry_writes: rate("registry_writes_per_s"),
        connections: level("connections"),
        lag_total: persistent.then(|| level("kafka_lag")).flatten(),
        lag_partition: if persistent {
            per("kafka_lag", "p", partitions)
        } else {
            Vec::new()
        },
        processors: persistent.then(|| level("processors")).flatten(),
        gateway_connections: per("connections", "g", gateways),
    }
}

/// The fault schedule, admission limits and storm metrics.
fn fault_state(p: &PushParams, ctx: &RunContext) -> FaultState {
    let gateways = p.gateway_count() as usize;
    let persistent_rate = |name: &str| {
        p.transport
            .is_persistent()
            .then(|| ctx.series(name, "", SeriesKind::Rate))
            .flatten()
    };
    FaultState {
        specs: p.faults.clone(),
        streams: ctx.streams,
        notice_rng: ctx.streams.stream("faults/notice", 0),
        buckets: (0..gateways).filter_map(|_| p.admission.bucket()).collect(),
        max_cpu_queue: p.admission.max_cpu_queue.map(|c| c.0),
        tracker: ReconnectTracker::default(),
        registry_writes: PeakRate::default(),
        attempts: PeakRate::default(),
        accepted: PeakRate::default(),
        refused: PeakRate::default(),
        attempts_total: 0,
        refused_total: 0,
        cpu: vec![BusyPeak::default(); gateways],
        messages_dropped_storm: 0,
        crashed_connections: 0,
        migrations: 0,
        slowdowns: vec![1.0; p.faults.len()],
        leader_back_ns: vec![0; p.kafka.partitions as usize],
        drains: (0..gateways).map(|_| None).collect(),
        drain_epoch: 0,
        rolling_at: vec![0; p.faults.len()],
        horizon: ctx.window.horizon,
        attempts_series: persistent_rate("connect_attempts_per_s"),
        refused_series: persistent_rate("connects_refused_per_s"),
    }
}
