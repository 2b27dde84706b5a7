//! The push model's state and event loop: clients, gateways, the pipeline
//! and the statistics (built once in `setup`); each event is handed to a
//! named `on_*` method in `connections`, `gateways`, `pipeline`, `polling`
//! or `faults`.

use std::collections::VecDeque;

use super::autoscale::Autoscaler;
use super::failover::SiteStats;
use super::faults::{FaultEvent, FaultState};
use super::filters::Filters;
use super::geo::Geo;
use super::kafka::Brokers;
use super::lbtier::BalancerTier;
use super::messages::Messages;
use super::params::{PushParams, Transport};
use super::reconnect::{CloseReason, Reconnects};
use super::registry::RegistryNodes;
use super::ttl::RecordTtl;
use super::wheel::TimingWheel;
use crate::dist::DurationSampler;
use crate::engine::{GridSeries, Histogram, Model, Scheduler, SimRng, SimTime, TimeWeighted};
use crate::station::Station;
use crate::world::LeastLoaded;

/// "No gateway" in the registry and in a client slot.
pub const NO_GATEWAY: u16 = u16::MAX;
/// Width of a timing-wheel bucket and of a ping batch.
pub const TICK: SimTime = SimTime::from_secs(1);

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

impl ConnState {
    /// Whether a client in this state holds a gateway's memory (an
    /// accepted attempt or a connection).
    pub fn holds_memory(self) -> bool {
        matches!(
            self,
            ConnState::Handshaking | ConnState::Registering | ConnState::Registered
        )
    }
}

pub use super::client::Client;

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
    /// The filters a refused request passed before it was refused (`push::filters`).
    Refused { work_ns: u64 },
    /// A flood bot's TLS handshake (`push::attack`), accepted at
    /// `accepted_ms` (milliseconds of simulated time, modulo 2^32).
    Flood { flood: u16, accepted_ms: u32 },
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
    /// A batch of registry record refreshes (`push::ttl`).
    RecordRefresh,
    /// A flood's next bot opens a connection (`push::attack`).
    FloodConnect {
        flood: u16,
    },
    /// A bot's connection reaches its gateway.
    FloodArrive {
        gateway: u16,
        flood: u16,
    },
    /// A bot's connection closes.
    FloodRelease {
        gateway: u16,
    },
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

/// A cluster of gateways: the consecutive gateways `first..first + size`
/// behind their own balancer (a site's load balancer).
pub struct Cluster {
    pub first: usize,
    pub size: usize,
    pub balancer: LeastLoaded,
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

/// The whole push model.
pub struct PushModel {
    pub p: PushParams,
    pub transport: Transport,
    pub clients_n: u32,
    pub s: Samplers,
    pub rng: Rngs,
    pub lb_one_way: SimTime,
    pub request_cost: SimTime,
    /// The reconnect policy and the retry memory beyond the client slots.
    pub reconnects: Reconnects,
    pub clients: Vec<Client>,
    pub registry: Vec<u16>,
    pub wheel: TimingWheel,
    /// The last wheel bucket moved into the event queue.
    pub drained_tick: Option<u64>,
    pub due: Vec<u32>,
    pub gateways: Vec<Gateway>,
    /// The gateway clusters (one without `[[push.clusters]]`), each with its balancer.
    pub clusters: Vec<Cluster>,
    /// Per gateway, its cluster.
    pub gateway_cluster: Vec<u16>,
    /// The world the clusters stand in (none without `[[push.clusters]]`).
    pub geo: Option<Geo>,
    /// How tagged messages ended (`external`); `None` when nothing outside
    /// the model sends messages.
    pub outbox: Option<Vec<super::external::Notified>>,
    /// The registry's nodes, with `registry.nodes`.
    pub registry_nodes: Option<RegistryNodes>,
    /// The gateways' filter chain, with `[push.filters]`.
    pub filters: Option<Filters>,
    /// Kafka brokers with capacity, with `kafka.capacity`.
    pub brokers: Option<Brokers>,
    /// Record TTL and refresh, with `registry.ttl`.
    pub ttl: Option<RecordTtl>,
    /// With clusters: statistics per cluster, then per region of
    /// `[[push.regions]]` (empty without clusters).
    pub site_stats: Vec<SiteStats>,
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
    /// The balancer nodes with capacity, with `load_balancer.nodes`.
    pub balancers: Option<BalancerTier>,
    /// Connection floods, with `[[push.attack]]`.
    pub floods: Option<Box<super::attack::Floods>>,
}

impl PushModel {
    /// One network hop between a client and a gateway, balancer included.
    #[inline]
    pub fn client_hop(&mut self) -> SimTime {
        self.s.transit.sample(&mut self.rng.network) + self.lb_one_way
    }

    /// One network hop between client `c` and gateway `g`: from the
    /// world's RTT with clusters, from `network.transit` without.
    #[inline]
    pub fn client_hop_to(&mut self, c: u32, g: usize) -> SimTime {
        match &self.geo {
            Some(geo) => geo.client_one_way(c, self.gateway_cluster[g] as usize) + self.lb_one_way,
            None => self.client_hop(),
        }
    }

    /// The round trip from gateway `g`'s site to the home site (registry,
    /// Kafka); zero without clusters (one site).
    #[inline]
    pub fn home_round_trip(&self, g: usize) -> SimTime {
        self.geo.as_ref().map_or(SimTime::ZERO, |geo| {
            geo.home_rtt(self.gateway_cluster[g] as usize)
        })
    }

    /// One way from the home site to gateway `g`'s site; zero without clusters.
    #[inline]
    pub fn from_home(&self, g: usize) -> SimTime {
        self.geo.as_ref().map_or(SimTime::ZERO, |geo| {
            geo.home_one_way(self.gateway_cluster[g] as usize)
        })
    }

    /// One hop inside the data centre.
    #[inline]
    pub fn internal_hop(&mut self) -> SimTime {
        self.s.internal.sample(&mut self.rng.network)
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
        self.start_records(sched);
        self.start_floods(sched);
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
            Event::RecordRefresh => self.on_record_refresh(sched),
            Event::FloodConnect { flood } => self.on_flood_connect(flood, sched),
            Event::FloodArrive { gateway, flood } => {
                self.on_flood_arrive(gateway as usize, flood, sched)
            }
            Event::FloodRelease { gateway } => self.on_flood_release(gateway as usize, sched.now()),
        }
    }

    fn over_bound(&self, max_queued: u64) -> Option<String> {
        self.queues_over_bound(max_queued)
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
        self.site_stats_end_warmup(now);
        if let Some(nodes) = &mut self.registry_nodes {
            nodes.reset_stats(now);
        }
        if let Some(tier) = &mut self.balancers {
            tier.reset_stats(now);
        }
        if let Some(t) = &mut self.ttl {
            t.reset_stats();
        }
        if let Some(b) = &mut self.brokers {
            b.reset_stats(now);
        }
        if let Some(f) = &mut self.filters {
            f.reset_stats();
        }
    }
}

/// The most jobs all gateways together may hold waiting for CPU before
/// the run fails (an overloaded fleet's queues would otherwise grow until
/// memory runs out).
pub const MAX_CPU_WAITING: usize = 20_000_000;

impl PushModel {
    /// The first growing queue past its bound (`max_queued` items, the
    /// gateways' CPU queues at most [`MAX_CPU_WAITING`]): the gateways' CPU
    /// queues, the registry nodes (whose backlog also holds up the
    /// processors), the Kafka partitions.
    pub fn queues_over_bound(&self, max_queued: u64) -> Option<String> {
        let max = usize::try_from(max_queued).unwrap_or(usize::MAX);
        let cpu = MAX_CPU_WAITING.min(max);
        let waiting: usize = self.gateways.iter().map(|g| g.cpu.waiting()).sum();
        if waiting > cpu {
            return Some(format!(
                "push gateways: {waiting} jobs waiting for CPU passed the bound of \
                 {cpu} (the gateways cannot keep up); add `push.gateways.count` or \
                 `push.gateways.cores`, or lower the load (`push.producer.rate`, \
                 `push.clients`, `push.short_poll.interval`)"
            ));
        }
        let registry = self.registry_nodes.as_ref().map_or(0, |n| n.queued());
        if registry > max {
            return Some(format!(
                "push registry: {registry} operations waiting at the registry nodes passed \
                 the bound of {max} (the nodes cannot keep up); add `push.registry.nodes`, \
                 raise `push.registry.node_writes_per_s` or `push.registry.node_reads_per_s`, \
                 lower the load, or raise `run.max_queued` if the machine has the memory"
            ));
        }
        let lag: usize = self.partitions.iter().map(VecDeque::len).sum();
        (lag > max).then(|| {
            format!(
                "push kafka: {lag} messages waiting in the partitions passed the bound of \
                 {max} (the processors cannot keep up); add `push.processors.replicas` or \
                 `push.processors.threads`, lower `push.producer.rate`, or raise \
                 `run.max_queued` if the machine has the memory"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_client_and_per_event_state_stay_small() {
        // The state budget of docs/push.md: 36 bytes per client slot.
        assert_eq!(std::mem::size_of::<Client>(), 36);
        assert!(std::mem::size_of::<Event>() <= 24);
    }
}
