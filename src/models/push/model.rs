//! The push model's state and event loop: clients, gateways, the pipeline
//! and the statistics, built once from the parameters; each event is handed
//! to a named `on_*` method in `connections`, `pipeline` or `polling`.

use std::collections::VecDeque;

use super::autoscale::Autoscaler;
use super::balancer::{DOWN, LeastLoaded};
use super::faults::{FaultEvent, FaultState};
use super::messages::Messages;
use super::params::{IoModel, LbPolicy, PushParams, Transport};
use super::reconnect::{CloseReason, ReconnectPolicy};
use super::wheel::{NIL, TimingWheel};
use crate::dist::DurationSampler;
use crate::engine::{
    GridSeries, Histogram, Model, Scheduler, SeriesKind, SimRng, SimTime, Streams, TimeWeighted,
};
use crate::run::RunContext;
use crate::station::{Admission, Station};

/// "No gateway" in the registry and in a client slot.
pub const NO_GATEWAY: u16 = u16::MAX;
/// Width of a timing-wheel bucket and of a ping batch.
pub const TICK: SimTime = SimTime::from_secs(1);
/// Buckets of the timing wheel: 4,096 one-second buckets hold deadlines up
/// to 68 minutes ahead without a second revolution.
const WHEEL_SLOTS: usize = 4096;
/// Per-partition and per-gateway series are written only up to these counts.
const MAX_ENTITY_SERIES: usize = 64;

/// Where a client's connection is in its lifecycle.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ConnState {
    /// An SSE stream over the browser's connection limit: never connects.
    Blocked,
    /// Waiting for its deadline to (re)connect.
    Disconnected,
    /// The attempt is crossing the network to the gateway.
    Connecting,
    /// Accepted (memory taken); the handshake and authentication wait for
    /// or use the gateway's CPU.
    Handshaking,
    /// Authenticated; the registry write is in flight.
    Registering,
    /// In the registry: messages can reach it.
    Registered,
}

/// A client of a persistent transport: 48 bytes, no heap allocation.
#[derive(Copy, Clone, Debug)]
pub struct Client {
    /// The next instant something happens to this client by itself.
    pub deadline_ns: u64,
    /// Registered: when the lifetime ends. Connecting to Registering: when
    /// the attempt began (for the connect latency).
    pub lifetime_end_ns: u64,
    /// When the balancer cuts the connection if nothing passes before:
    /// last data + idle timeout.
    pub idle_at_ns: u64,
    /// Registered: pings go out at instants congruent to this modulo the
    /// ping interval. Handshaking: the accept instant.
    pub phase_ns: u64,
    /// Bumped at every connection attempt and close: events of an older
    /// connection are stale.
    pub generation: u32,
    /// Bumped whenever the deadline changes: older timer events are stale.
    pub timer: u32,
    pub gateway: u16,
    pub state: ConnState,
    /// Failed attempts in a row (saturating).
    pub failures: u8,
}

/// Work on a gateway's CPU.
#[derive(Copy, Clone, Debug)]
pub enum CpuJob {
    /// Handshake, upgrade and authentication of a new connection.
    Handshake { client: u32, generation: u32 },
    /// Push one message down a connection.
    Deliver { message: u32 },
    /// A client-to-server message (a frame, or an HTTP request).
    Upstream,
    /// A poll request.
    Poll { poller: u32 },
    /// A batch of keep-alive pings, pre-computed work.
    Ping { work_ns: u64 },
    /// Taking over connections migrated from a draining gateway.
    Migrate { work_ns: u64 },
}

/// The model's events: small plain values.
#[derive(Copy, Clone, Debug)]
pub enum Event {
    Publish,
    KafkaVisible {
        message: u32,
    },
    ProcessorDone {
        processor: u32,
        message: u32,
    },
    /// A registry lookup retried after a delivery found the connection gone.
    LookupDone {
        message: u32,
    },
    AtGateway {
        gateway: u16,
        message: u32,
    },
    CpuDone {
        gateway: u16,
        job: CpuJob,
    },
    ClientTimer {
        client: u32,
        timer: u32,
    },
    ConnectArrive {
        client: u32,
        generation: u32,
    },
    RegistryWritten {
        client: u32,
        generation: u32,
    },
    WheelTick,
    PingTick,
    UpstreamArrival,
    /// The short-poll client at `index` of the send order sends its poll.
    PollSend {
        index: u32,
    },
    PollArrive {
        poller: u32,
    },
    /// The earliest parked long poll may have expired.
    PollExpiryDue,
    AutoscaleTick,
    ReplicasReady {
        count: u32,
    },
    RebalanceDone {
        epoch: u32,
    },
    /// Something of the fault schedule happens (`push::faults`).
    Fault(FaultEvent),
}

/// One gateway: CPU, connections, memory.
pub struct Gateway {
    pub cpu: Station<CpuJob>,
    /// What the balancer counts: attempts on their way plus accepted
    /// connections (persistent), or requests in flight plus parked polls.
    pub open: u64,
    /// Connections (or requests) holding memory.
    pub accepted: u64,
    pub accepted_level: TimeWeighted,
    /// Hook for fault models: a gateway that is down takes no traffic.
    pub up: bool,
    /// False while a gateway is out of service (draining): it keeps its
    /// connections but the balancer sends it no new ones.
    pub accepting: bool,
}

/// One processor replica.
#[derive(Copy, Clone, Debug, Default)]
pub struct Processor {
    pub busy: u32,
    /// Which of its partitions it reads next (round robin).
    pub cursor: u32,
}

/// A long- or short-poll client thread.
#[derive(Copy, Clone, Debug)]
pub struct Poller {
    /// Short poll: when this poller's next request leaves the client.
    pub next_send_ns: u64,
    /// The queue it polls now.
    pub queue: u32,
    /// Bumped when a parked poll ends: older expiry events are stale.
    pub generation: u32,
    pub gateway: u16,
    pub parked: bool,
}

/// A parked long poll's expiry: every poll is held equally long, so
/// expiries come in the order polls were parked (a FIFO, not a heap).
#[derive(Copy, Clone, Debug)]
pub struct Expiry {
    pub at_ns: u64,
    pub poller: u32,
    pub generation: u32,
}

/// A queue of messages for one user (polling): an intrusive list.
#[derive(Copy, Clone, Debug)]
pub struct Mailbox {
    pub head: u32,
    pub tail: u32,
}

/// Counters of the measured window (reset at the end of warm-up).
#[derive(Clone, Debug, Default)]
pub struct Counters {
    pub published: u64,
    pub delivered: u64,
    pub dropped_offline: u64,
    pub lost: u64,
    pub requests: u64,
    pub polls: u64,
    pub polls_empty: u64,
    pub long_polls_cut: u64,
    pub connects: u64,
    pub closes: [u64; CloseReason::COUNT],
    pub registry_reads: u64,
    pub registry_writes: u64,
    pub upstream: u64,
    pub upstream_unconnected: u64,
    pub pings: f64,
    pub redeliveries: u64,
}

/// Time series on the run's grid (all `None` when series are off).
#[derive(Default)]
pub struct SeriesSet {
    pub published: Option<GridSeries>,
    pub delivered: Option<GridSeries>,
    pub dropped: Option<GridSeries>,
    pub requests: Option<GridSeries>,
    pub connects: Option<GridSeries>,
    pub registry_reads: Option<GridSeries>,
    pub registry_writes: Option<GridSeries>,
    pub connections: Option<GridSeries>,
    pub lag_total: Option<GridSeries>,
    pub lag_partition: Vec<GridSeries>,
    pub processors: Option<GridSeries>,
    pub gateway_connections: Vec<GridSeries>,
}

impl SeriesSet {
    fn new(ctx: &RunContext, partitions: usize, gateways: usize, persistent: bool) -> SeriesSet {
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

    #[inline]
    pub fn count(series: &mut Option<GridSeries>, now: SimTime, amount: f64) {
        if let Some(s) = series {
            s.add(now, amount);
        }
    }

    #[inline]
    pub fn level(series: &mut Option<GridSeries>, now: SimTime, value: f64) {
        if let Some(s) = series {
            s.set_level(now, value);
        }
    }
}

/// Compiled distributions the model draws from.
pub struct Samplers {
    pub transit: DurationSampler,
    pub internal: DurationSampler,
    pub registry_read: DurationSampler,
    pub registry_write: DurationSampler,
    pub processor_cpu: DurationSampler,
    pub kafka_latency: DurationSampler,
}

impl Samplers {
    fn new(p: &PushParams) -> Result<Samplers, String> {
        let compile = |key: &str, d: &crate::dist::DurationDist| {
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
}

/// Named random streams, one per purpose (REFERENCES: common random numbers).
pub struct Rngs {
    pub producer: SimRng,
    pub target: SimRng,
    pub network: SimRng,
    pub registry: SimRng,
    pub processor: SimRng,
    pub kafka: SimRng,
    pub lifetime: SimRng,
    pub balancer: SimRng,
    pub reconnect: SimRng,
    pub upstream: SimRng,
    pub initial: SimRng,
}

impl Rngs {
    fn new(st: &Streams) -> Rngs {
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

/// The whole push model.
pub struct PushModel {
    pub p: PushParams,
    pub transport: Transport,
    pub clients_n: u32,
    pub s: Samplers,
    pub rng: Rngs,
    pub lb_one_way: SimTime,
    pub request_cost: SimTime,
    pub reconnect: ReconnectPolicy,
    pub clients: Vec<Client>,
    pub registry: Vec<u16>,
    pub wheel: TimingWheel,
    /// The last wheel bucket moved into the event queue.
    pub drained_tick: Option<u64>,
    pub due: Vec<u32>,
    pub gateways: Vec<Gateway>,
    pub balancer: LeastLoaded,
    pub messages: Messages,
    pub partitions: Vec<VecDeque<u32>>,
    pub lag_total: u64,
    pub processors: Vec<Processor>,
    /// Replicas consuming (after the last rebalance).
    pub consumers: u32,
    /// Replicas started and ready.
    pub ready: u32,
    /// Replicas asked for (HPA spec.replicas).
    pub target: u32,
    pub rebalancing: bool,
    pub rebalance_epoch: u32,
    pub autoscaler: Option<Autoscaler>,
    pub pollers: Vec<Poller>,
    /// Short poll: pollers in the order they send within an interval.
    pub poll_order: Vec<u32>,
    pub expiries: VecDeque<Expiry>,
    pub expiry_armed: bool,
    pub mailboxes: Vec<Mailbox>,
    pub counters: Counters,
    pub latency: Histogram,
    pub connect_latency: Histogram,
    pub connected: TimeWeighted,
    pub registered: u64,
    pub busy_threads: TimeWeighted,
    pub ready_level: TimeWeighted,
    pub lag_level: TimeWeighted,
    pub series: SeriesSet,
    /// The fault schedule, admission limits and storm metrics.
    pub faults: FaultState,
}

impl PushModel {
    /// Builds the model; the parameters must have passed `validate`.
    pub fn new(p: &PushParams, ctx: &RunContext) -> Result<PushModel, String> {
        let s = Samplers::new(p)?;
        let rng = Rngs::new(&ctx.streams);
        let n = p.clients.0 as usize;
        let persistent = p.transport.is_persistent();
        let gateways_n = p.gateways.count as usize;
        let reconnect = ReconnectPolicy {
            delay: p.reconnect.delay.map(|d| d.0).unwrap_or(match p.transport {
                Transport::Sse => SimTime::from_secs(3),
                _ => SimTime::ZERO,
            }),
            failure_delay: p.reconnect.failure_delay.0,
            backoff: p.reconnect.backoff.clone(),
        };
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
            s,
            rng,
            lb_one_way: p.load_balancer.one_way(),
            request_cost: p.request_cost.total(),
            reconnect,
            clients: if persistent {
                vec![empty_client(); n]
            } else {
                Vec::new()
            },
            registry: if persistent {
                vec![NO_GATEWAY; n]
            } else {
                Vec::new()
            },
            wheel: TimingWheel::new(if persistent { n } else { 0 }, WHEEL_SLOTS, TICK.as_nanos()),
            drained_tick: None,
            due: Vec::new(),
            gateways: (0..gateways_n).map(|_| new_gateway(p)).collect(),
            balancer: LeastLoaded::new(gateways_n),
            messages: Messages::new(),
            partitions: vec![VecDeque::new(); p.kafka.partitions as usize],
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
            series: SeriesSet::new(ctx, p.kafka.partitions as usize, gateways_n, persistent),
            faults: FaultState::new(p, ctx),
            p: p.clone(),
        })
    }

    /// Bytes of simulator state that grow with the number of clients
    /// (per-client slots, registry, wheel links, pollers, mailboxes, and
    /// the fault tracker's and decorrelated backoff's per-client words).
    pub fn client_state_bytes(&self) -> usize {
        self.clients.capacity() * std::mem::size_of::<Client>()
            + self.registry.capacity() * std::mem::size_of::<u16>()
            + if self.clients.is_empty() {
                0
            } else {
                self.clients.len() * TimingWheel::BYTES_PER_CLIENT
            }
            + self.pollers.capacity() * std::mem::size_of::<Poller>()
            + self.poll_order.capacity() * std::mem::size_of::<u32>()
            + self.mailboxes.capacity() * std::mem::size_of::<Mailbox>()
            + self.faults.client_state_bytes()
    }

    /// One network hop between a client and a gateway, balancer included.
    #[inline]
    pub fn client_hop(&mut self) -> SimTime {
        self.s.transit.sample(&mut self.rng.network) + self.lb_one_way
    }

    /// One hop inside the data centre.
    #[inline]
    pub fn internal_hop(&mut self) -> SimTime {
        self.s.internal.sample(&mut self.rng.network)
    }

    /// The gateway the balancer picks for a new connection or request.
    pub fn pick_gateway(&mut self) -> Option<usize> {
        match self.p.load_balancer.policy {
            LbPolicy::LeastConnections => self.balancer.least(),
            LbPolicy::Random => self
                .balancer
                .random(self.gateways.len(), &mut self.rng.balancer),
        }
    }

    /// Changes gateway `g`'s balancer count by `delta`.
    pub fn add_open(&mut self, g: usize, delta: i64) {
        let gw = &mut self.gateways[g];
        gw.open = gw.open.saturating_add_signed(delta);
        if gw.up && gw.accepting {
            self.balancer.set(g, gw.open);
        }
    }

    /// Tells the balancer whether gateway `g` takes new connections.
    pub fn set_accepting(&mut self, g: usize, up: bool, accepting: bool) {
        let gw = &mut self.gateways[g];
        gw.up = up;
        gw.accepting = up && accepting;
        let load = if gw.accepting { gw.open } else { DOWN };
        self.balancer.set(g, load);
    }

    /// Changes gateway `g`'s accepted connections (memory) by `delta`.
    pub fn add_accepted(&mut self, g: usize, delta: i64, now: SimTime) {
        let gw = &mut self.gateways[g];
        gw.accepted = gw.accepted.saturating_add_signed(delta);
        gw.accepted_level.set(now, gw.accepted as f64);
        if let Some(s) = self.series.gateway_connections.get_mut(g) {
            s.set_level(now, gw.accepted as f64);
        }
    }

    /// Memory gateway `g` uses now.
    pub fn memory_bytes(&self, g: usize) -> u64 {
        let gp = &self.p.gateways;
        gp.memory_idle() + self.gateways[g].accepted * gp.memory_per_connection_total()
    }

    /// Whether gateway `g` can take one more connection without exceeding
    /// its memory.
    pub fn has_memory_for_one(&self, g: usize) -> bool {
        self.memory_bytes(g) + self.p.gateways.memory_per_connection_total()
            <= self.p.gateways.memory.0
    }

    /// Extra CPU per job for thread-per-connection gateways.
    pub fn switch_cost(&self, g: usize) -> SimTime {
        match self.p.gateways.io_model {
            IoModel::ThreadPerConnection => self
                .p
                .gateways
                .switch_cost(self.gateways[g].accepted.max(1)),
            IoModel::EventLoop => SimTime::ZERO,
        }
    }

    /// Puts `job` on gateway `g`'s CPU.
    pub fn submit(&mut self, g: usize, job: CpuJob, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        match self.gateways[g].cpu.arrive(now, job) {
            Admission::Started(job) => self.start_job(g, job, sched),
            Admission::Queued => {}
            Admission::Rejected(_) => unreachable!("gateway CPU queues are unbounded"),
        }
    }

    fn start_job(&mut self, g: usize, job: CpuJob, sched: &mut Scheduler<Event>) {
        let service = self.service_time(g, &job, sched.now());
        self.faults.cpu_busy(g, sched.now(), service);
        sched.schedule_in(
            service,
            Event::CpuDone {
                gateway: g as u16,
                job,
            },
        );
    }

    fn service_time(&self, g: usize, job: &CpuJob, now: SimTime) -> SimTime {
        let c = &self.p.connection;
        if !self.gateways[g].up {
            // A crashed gateway's queue is gone: its jobs end at once
            // (deliveries bounce, handshakes are stale).
            return SimTime::ZERO;
        }
        let switch = self.switch_cost(g);
        match *job {
            CpuJob::Handshake { client, generation } => {
                let slot = &self.clients[client as usize];
                let stale = slot.generation != generation || slot.state != ConnState::Handshaking;
                let waited = now - SimTime::from_nanos(slot.phase_ns);
                if stale || waited > c.auth_timeout.0 {
                    // The socket is already gone or will be closed unread.
                    return SimTime::ZERO;
                }
                let upgrade = if self.transport == Transport::Websocket {
                    c.upgrade_cost.0
                } else {
                    self.request_cost
                };
                c.handshake_cost.0 + upgrade + c.auth_cost.0 + switch
            }
            CpuJob::Deliver { .. } => c.message_cost.0 + switch,
            CpuJob::Upstream => {
                if self.transport == Transport::Websocket {
                    c.message_cost.0 + switch
                } else {
                    self.request_cost + switch
                }
            }
            CpuJob::Poll { .. } => self.request_cost + switch,
            CpuJob::Ping { work_ns } | CpuJob::Migrate { work_ns } => SimTime::from_nanos(work_ns),
        }
    }

    fn on_cpu_done(&mut self, g: usize, job: CpuJob, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        if let Some(next) = self.gateways[g].cpu.depart(now) {
            self.start_job(g, next, sched);
        }
        match job {
            CpuJob::Handshake { client, generation } => {
                self.on_handshake_done(client, generation, sched)
            }
            CpuJob::Deliver { message } => self.on_deliver_done(g, message, sched),
            CpuJob::Upstream => self.count_request(now),
            CpuJob::Poll { poller } => self.on_poll_done(g, poller, sched),
            CpuJob::Ping { .. } | CpuJob::Migrate { .. } => {}
        }
    }

    /// One unit of gateway work that a client asked for (request, connect,
    /// message): what "request load" counts.
    pub fn count_request(&mut self, now: SimTime) {
        self.counters.requests += 1;
        SeriesSet::count(&mut self.series.requests, now, 1.0);
    }

    pub fn count_registry_read(&mut self, now: SimTime) {
        self.counters.registry_reads += 1;
        SeriesSet::count(&mut self.series.registry_reads, now, 1.0);
    }

    pub fn count_registry_write(&mut self, now: SimTime) {
        self.counters.registry_writes += 1;
        self.faults.registry_writes.add(now, 1);
        SeriesSet::count(&mut self.series.registry_writes, now, 1.0);
    }

    /// Records the close of a connection for `reason` in the counters.
    pub fn count_close(&mut self, reason: CloseReason) {
        self.counters.closes[reason.index()] += 1;
    }
}

fn empty_client() -> Client {
    Client {
        deadline_ns: u64::MAX,
        lifetime_end_ns: 0,
        idle_at_ns: u64::MAX,
        phase_ns: 0,
        generation: 0,
        timer: 0,
        gateway: NO_GATEWAY,
        state: ConnState::Disconnected,
        failures: 0,
    }
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

impl Model for PushModel {
    type Event = Event;

    fn start(&mut self, sched: &mut Scheduler<Event>) {
        if self.transport.is_persistent() {
            self.start_connections(sched);
        } else {
            self.start_polling(sched);
        }
        self.start_pipeline(sched);
        self.start_faults(sched);
        if self.p.upstream_rate.0 > 0.0 {
            self.schedule_upstream(sched);
        }
    }

    #[inline]
    fn handle(&mut self, event: Event, sched: &mut Scheduler<Event>) {
        match event {
            Event::Publish => self.on_publish(sched),
            Event::KafkaVisible { message } => self.on_kafka_visible(message, sched),
            Event::ProcessorDone { processor, message } => {
                self.on_processor_done(processor, message, sched)
            }
            Event::LookupDone { message } => self.route(message, sched),
            Event::AtGateway { gateway, message } => {
                self.on_at_gateway(gateway as usize, message, sched)
            }
            Event::CpuDone { gateway, job } => self.on_cpu_done(gateway as usize, job, sched),
            Event::ClientTimer { client, timer } => self.on_client_timer(client, timer, sched),
            Event::ConnectArrive { client, generation } => {
                self.on_connect_arrive(client, generation, sched)
            }
            Event::RegistryWritten { client, generation } => {
                self.on_registry_written(client, generation, sched)
            }
            Event::WheelTick => self.on_wheel_tick(sched),
            Event::PingTick => self.on_ping_tick(sched),
            Event::UpstreamArrival => self.on_upstream(sched),
            Event::PollSend { index } => self.on_poll_send(index, sched),
            Event::PollArrive { poller } => self.on_poll_arrive(poller, sched),
            Event::PollExpiryDue => self.on_poll_expiry_due(sched),
            Event::AutoscaleTick => self.on_autoscale_tick(sched),
            Event::ReplicasReady { count } => self.on_replicas_ready(count, sched),
            Event::RebalanceDone { epoch } => self.on_rebalance_done(epoch, sched),
            Event::Fault(fault) => self.on_fault(fault, sched),
        }
    }

    fn end_warmup(&mut self, now: SimTime) {
        self.counters = Counters::default();
        self.latency.reset();
        self.connect_latency.reset();
        self.connected.reset(now);
        self.busy_threads.reset(now);
        self.ready_level.reset(now);
        self.lag_level.reset(now);
        for g in &mut self.gateways {
            g.cpu.reset_stats(now);
            g.accepted_level.reset(now);
        }
        self.faults.end_warmup(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_client_and_per_event_state_stay_small() {
        // The state budget of docs/push.md: 48 bytes per client slot.
        assert_eq!(std::mem::size_of::<Client>(), 48);
        assert!(std::mem::size_of::<Event>() <= 24);
    }
}
