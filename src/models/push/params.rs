//! Parameters of the `push` model (`[push]` in an experiment file): the
//! types, their `Default`s (values and sources in `defaults`) and what a
//! few of them resolve to. Checks are in `check`.
//!
//! Every sub-table is optional and takes the defaults of `defaults`; a table
//! for a transport that is not selected is accepted and ignored, so that a
//! sweep over `push.transport` can keep every transport's settings in one
//! file.

use serde::Deserialize;

use super::defaults as d;
use super::filters::FilterParams;
use crate::dist::DurationDist;
use crate::engine::SimTime;
use crate::faults::admission::AdmissionParams;
use crate::faults::backoff::RetryPolicy;
use crate::faults::schedule::FaultSpec;
use crate::units::{Bytes, Count, Duration, Rate};
use crate::world::RoutingSpec;

/// How messages reach clients.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// The client asks every `interval`; most answers are empty.
    ShortPoll,
    /// The client asks; the broker holds the request until a message
    /// arrives or the wait expires; the client asks again at once.
    LongPoll,
    /// Server-Sent Events: a persistent one-way HTTP stream; the browser
    /// reconnects after `retry`.
    Sse,
    /// WebSocket: a persistent bidirectional connection after an HTTP upgrade.
    Websocket,
}

impl PushParams {
    /// When the first scheduled disturbance (a fault, a producer burst)
    /// begins, if any: the steady-state check reads the series before it.
    pub fn disturbed_from(&self) -> Option<SimTime> {
        let faults = self.faults.iter().filter_map(|f| f.starts_at());
        let bursts = self.producer.bursts.iter().map(|b| b.start.0);
        // Clients that connect over a ramp from time zero are the event the
        // experiment studies (a start-up herd), not a warm-up to discard.
        let ramp = self.connection.connect_ramp.map(|_| SimTime::ZERO);
        faults.chain(bursts).chain(ramp).min()
    }
}

impl Transport {
    /// True for transports that hold a connection open (SSE, WebSocket).
    pub fn is_persistent(self) -> bool {
        matches!(self, Transport::Sse | Transport::Websocket)
    }
}

/// Parameters of the `push` model.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushParams {
    pub transport: Transport,
    /// Online clients (users with a device that polls or holds a connection).
    pub clients: Count,
    /// Client-to-server messages per client (acknowledgements, presence).
    #[serde(default)]
    pub upstream_rate: Rate,
    #[serde(default)]
    pub network: NetworkParams,
    #[serde(default)]
    pub short_poll: ShortPollParams,
    #[serde(default)]
    pub long_poll: LongPollParams,
    #[serde(default)]
    pub request_cost: RequestCost,
    #[serde(default)]
    pub connection: ConnectionParams,
    #[serde(default)]
    pub sse: SseParams,
    #[serde(default)]
    pub reconnect: ReconnectParams,
    #[serde(default)]
    pub gateways: GatewayParams,
    #[serde(default)]
    pub load_balancer: LoadBalancerParams,
    #[serde(default)]
    pub producer: ProducerParams,
    #[serde(default)]
    pub kafka: KafkaParams,
    #[serde(default)]
    pub processors: ProcessorParams,
    #[serde(default)]
    pub registry: RegistryParams,
    /// Present: processors scale on Kafka lag (KEDA + HPA).
    #[serde(default)]
    pub autoscaling: Option<AutoscalingParams>,
    /// Limits on new connections per gateway (`docs/faults.md`).
    #[serde(default)]
    pub admission: AdmissionParams,
    /// Scheduled and random faults, `[[push.faults]]` (`docs/faults.md`).
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// Gateway clusters at sites of the world, `[[push.clusters]]`; none:
    /// one cluster of `gateways.count` gateways with no geography.
    #[serde(default)]
    pub clusters: Vec<ClusterParams>,
    /// The world file the clusters stand in (`docs/world.md`; relative to
    /// the current folder); default: the shipped world.
    #[serde(default)]
    pub world: Option<String>,
    /// How clients reach a cluster: anycast, geo-DNS or ideal (`[push.routing]`).
    #[serde(default)]
    pub routing: RoutingSpec,
    /// Where the clients are, `[[push.regions]]`; none: every region of the
    /// world, by population.
    #[serde(default)]
    pub regions: Vec<RegionShare>,
    /// The cluster site that hosts the registry, Kafka and the processors;
    /// default: the first cluster's.
    #[serde(default)]
    pub home: Option<String>,
    /// The Zuul filter chain on the gateways (`[push.filters]`, `push::filters`).
    #[serde(default)]
    pub filters: Option<FilterParams>,
    /// Connection floods at the gateways (`[[push.attack]]`, `push::attack`).
    #[serde(default)]
    pub attack: Vec<super::attack::FloodSpec>,
}

/// `[[push.clusters]]`: gateways at one site of the world (a PoP name).
/// Every gateway has the `[push.gateways]` shape.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterParams {
    pub site: String,
    pub gateways: u32,
}

/// `[[push.regions]]`: a client region of the world and its share of the
/// clients (shares are weights: they need not sum to 1; default: the
/// region's share of the world's population).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionShare {
    pub name: String,
    #[serde(default)]
    pub share: Option<f64>,
}

impl PushParams {
    /// Gateways in all: the clusters' sum, or `gateways.count` without clusters.
    pub fn gateway_count(&self) -> u32 {
        if self.clusters.is_empty() {
            self.gateways.count
        } else {
            self.clusters
                .iter()
                .fold(0u32, |n, c| n.saturating_add(c.gateways))
        }
    }
}

/// `[push.network]`: one-way latencies.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkParams {
    /// Client to gateway (through the load balancer), one way.
    pub transit: DurationDist,
    /// Inside the data centre: processor to gateway, broker hops.
    pub internal: DurationDist,
}

impl Default for NetworkParams {
    fn default() -> Self {
        NetworkParams {
            transit: DurationDist::deterministic(d::TRANSIT),
            internal: DurationDist::deterministic(d::INTERNAL),
        }
    }
}

/// `[push.short_poll]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShortPollParams {
    /// Time between two polls of one client (a fixed-rate timer).
    pub interval: Duration,
}

impl Default for ShortPollParams {
    fn default() -> Self {
        ShortPollParams {
            interval: Duration(d::SHORT_POLL_INTERVAL),
        }
    }
}

/// `[push.long_poll]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LongPollParams {
    /// The broker-wide wait (like SQS `ReceiveMessageWaitTimeSeconds`).
    pub wait: Duration,
    /// A wait the client asks for in each request; overrides `wait`.
    pub client_wait: Option<Duration>,
    /// Queues one poller thread serves in turn (1: one thread per queue).
    pub queues_per_thread: u32,
}

impl Default for LongPollParams {
    fn default() -> Self {
        LongPollParams {
            wait: Duration(d::LONG_POLL_WAIT),
            client_wait: None,
            queues_per_thread: d::QUEUES_PER_THREAD,
        }
    }
}

impl LongPollParams {
    /// The wait every request gets.
    pub fn effective_wait(&self) -> SimTime {
        self.client_wait.unwrap_or(self.wait).0
    }
}

/// `[push.request_cost]`: gateway CPU per HTTP request (polls, SSE
/// connects, uploads over HTTP), by component, so a sweep can ask which one
/// matters (defaults: `defaults::REQUEST_*`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RequestCost {
    /// Accepting the connection and parsing the HTTP request.
    pub connection: Duration,
    /// Validating the session token.
    pub auth: Duration,
    /// Checking the per-user rate quota.
    pub quota: Duration,
    /// TLS record decryption of the request.
    pub decrypt: Duration,
    /// Parsing the body.
    pub deserialize: Duration,
    /// Checking the request against the schema.
    pub validate: Duration,
}

impl Default for RequestCost {
    fn default() -> Self {
        RequestCost {
            connection: Duration(d::REQUEST_CONNECTION),
            auth: Duration(d::REQUEST_AUTH),
            quota: Duration(d::REQUEST_QUOTA),
            decrypt: Duration(d::REQUEST_DECRYPT),
            deserialize: Duration(d::REQUEST_DESERIALIZE),
            validate: Duration(d::REQUEST_VALIDATE),
        }
    }
}

impl RequestCost {
    /// The CPU time of one request.
    pub fn total(&self) -> SimTime {
        self.connection.0
            + self.auth.0
            + self.quota.0
            + self.decrypt.0
            + self.deserialize.0
            + self.validate.0
    }
}

/// `[push.connection]`: persistent connections (SSE, WebSocket).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionParams {
    /// Base lifetime: the server asks the client to reconnect after it.
    pub lifetime: Duration,
    /// Each lifetime is `lifetime - U[0, lifetime_jitter)`.
    pub lifetime_jitter: Duration,
    /// Server keep-alive ping interval ("0s": no pings).
    pub ping_interval: Duration,
    /// Gateway CPU per ping (write a frame, read the pong).
    pub ping_cost: Duration,
    /// Gateway CPU of TCP accept and a full TLS handshake.
    pub handshake_cost: Duration,
    /// Round trips before the upgrade (or SSE) request reaches the gateway.
    pub handshake_round_trips: u32,
    /// Gateway CPU of the WebSocket HTTP upgrade (WebSocket only).
    pub upgrade_cost: Duration,
    /// Gateway CPU of authenticating a new connection.
    pub auth_cost: Duration,
    /// A connection not registered this long after its accept is closed.
    pub auth_timeout: Duration,
    /// Gateway CPU per message pushed (frame, encrypt, write) or received.
    pub message_cost: Duration,
    /// Start with every client disconnected, connecting at uniform times in
    /// [0, connect_ramp); absent: start in steady state (all connected).
    pub connect_ramp: Option<Duration>,
}

impl Default for ConnectionParams {
    fn default() -> Self {
        ConnectionParams {
            lifetime: Duration(d::LIFETIME),
            lifetime_jitter: Duration(d::LIFETIME_JITTER),
            ping_interval: Duration(d::PING_INTERVAL),
            ping_cost: Duration(d::PING_COST),
            handshake_cost: Duration(d::HANDSHAKE_COST),
            handshake_round_trips: d::HANDSHAKE_ROUND_TRIPS,
            upgrade_cost: Duration(d::UPGRADE_COST),
            auth_cost: Duration(d::AUTH_COST),
            auth_timeout: Duration(d::AUTH_TIMEOUT),
            message_cost: Duration(d::MESSAGE_COST),
            connect_ramp: None,
        }
    }
}

/// `[push.sse]`: Server-Sent Events specifics.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SseParams {
    /// Streams each browser wants open (one per tab).
    pub streams_per_browser: u32,
    /// Connections a browser opens to one host: 6 over HTTP/1.1 (MDN
    /// EventSource: "the limit is per browser and set to a very low number
    /// (6)"); about 100 streams over HTTP/2.
    pub browser_connection_limit: u32,
}

impl Default for SseParams {
    fn default() -> Self {
        SseParams {
            streams_per_browser: d::STREAMS_PER_BROWSER,
            browser_connection_limit: d::BROWSER_CONNECTION_LIMIT,
        }
    }
}

/// `[push.reconnect]`: what a client does after its connection ends.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReconnectParams {
    /// Delay after a normal close (lifetime end, idle cut). Default: 0 for
    /// WebSocket (Zuul clients reconnect at once, Z16); 3 s for SSE (the
    /// `retry` field's usual default, REFERENCES W1).
    pub delay: Option<Duration>,
    /// Mean delay after a refused or timed-out attempt; each delay is drawn
    /// uniformly in [0.5, 1.5) times it so that refused clients spread out.
    /// Not used with a `backoff`.
    pub failure_delay: Duration,
    /// Backoff after a dropped connection (crash, idle cut) and after each
    /// failed attempt, e.g. `{ policy = "full-jitter", base = "1s", cap =
    /// "60s" }` (REFERENCES §2.1); absent: a dropped connection reconnects
    /// after `delay`, a failed attempt after `failure_delay`.
    pub backoff: Option<RetryPolicy>,
}

impl Default for ReconnectParams {
    fn default() -> Self {
        ReconnectParams {
            delay: None,
            failure_delay: Duration(d::FAILURE_DELAY),
            backoff: None,
        }
    }
}

/// How a gateway serves its connections.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IoModel {
    /// Blocking I/O: a thread (and its stack) per connection; every wake-up
    /// is a context switch whose cost grows with the threads sharing the cache.
    ThreadPerConnection,
    /// Non-blocking I/O: one event loop per core (Netty, Zuul).
    EventLoop,
}

/// `[push.gateways]`: the servers that hold connections or answer polls.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GatewayParams {
    pub count: u32,
    pub cores: u32,
    /// Memory of one gateway.
    pub memory: Bytes,
    /// Memory the process and OS use with no connection.
    pub memory_base: Bytes,
    /// Kernel and user-space memory per open connection (socket buffers,
    /// TLS state, session object).
    pub memory_per_connection: Bytes,
    /// Memory per thread (stack).
    pub memory_per_thread: Bytes,
    pub io_model: IoModel,
    /// Direct cost of one context switch.
    pub context_switch: Duration,
    /// Data a thread touches per wake-up (its stack and buffers).
    pub thread_working_set: Bytes,
    /// Last-level cache shared by the threads.
    pub cache: Bytes,
    /// Time to refill one 64-byte cache line from memory.
    pub cache_miss: Duration,
    /// An instance profile of `models/prices.toml` (e.g. "c5.xlarge"): sets
    /// `cores` and `memory` and the price; none: the cheapest profile with
    /// `cores` and `memory`.
    pub profile: Option<String>,
    /// Thread per connection: scheduler CPU per level of the run queue's
    /// tree at each wake-up (`threads` module).
    pub run_queue_cost: Duration,
}

impl Default for GatewayParams {
    fn default() -> Self {
        GatewayParams {
            count: d::GATEWAYS,
            cores: d::GATEWAY_CORES,
            memory: Bytes(d::GATEWAY_MEMORY_BYTES),
            memory_base: Bytes(d::GATEWAY_MEMORY_BASE_BYTES),
            memory_per_connection: Bytes(d::MEMORY_PER_CONNECTION_BYTES),
            memory_per_thread: Bytes(d::MEMORY_PER_THREAD_BYTES),
            io_model: d::IO_MODEL,
            context_switch: Duration(d::CONTEXT_SWITCH),
            thread_working_set: Bytes(d::THREAD_WORKING_SET_BYTES),
            cache: Bytes(d::CACHE_BYTES),
            cache_miss: Duration(d::CACHE_MISS),
            profile: None,
            run_queue_cost: Duration(super::threads::RUN_QUEUE_COST),
        }
    }
}

/// Layer of the load balancer in front of the gateways.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LbLayer {
    /// TCP pass-through (NLB, ELB in TCP mode).
    L4,
    /// Terminates HTTP (ALB, nginx): one more parse per request.
    L7,
}

/// How the load balancer picks a gateway.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LbPolicy {
    /// Fewest open connections (persistent) or requests in flight (polling).
    LeastConnections,
    Random,
}

/// `[push.load_balancer]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoadBalancerParams {
    pub layer: LbLayer,
    pub policy: LbPolicy,
    /// Cut a connection with no data either way for this long (REFERENCES
    /// P13–P17: NLB 350 s, ALB/CLB/nginx 60 s, Cloudflare 100 s); absent: never.
    pub idle_timeout: Option<Duration>,
    /// Latency the balancer adds one way; default 50 µs at L4, 1 ms at L7.
    pub latency: Option<Duration>,
    /// A balancer product (`nlb`, `alb`, `clb`, `nginx`, `cloudflare`,
    /// `cloudfront`): sets the layer and the idle timeout (`lbtier`).
    pub profile: Option<String>,
    /// Balancer nodes per cluster, each a station with CPU; absent: the
    /// balancer has no capacity limit.
    pub nodes: Option<u32>,
    /// Cores of one balancer node.
    pub cores: u32,
    /// CPU per new connection at a node; default by layer (TLS at L7).
    pub connect_cost: Option<Duration>,
    /// CPU per message or ping proxied by a node; default by layer.
    pub message_cost: Option<Duration>,
}

impl Default for LoadBalancerParams {
    fn default() -> Self {
        LoadBalancerParams {
            layer: d::LB_LAYER,
            policy: d::LB_POLICY,
            idle_timeout: None,
            latency: None,
            profile: None,
            nodes: None,
            cores: super::lbtier::NODE_CORES,
            connect_cost: None,
            message_cost: None,
        }
    }
}

impl LoadBalancerParams {
    /// The one-way latency added by the balancer: `latency`, or the
    /// default of its layer.
    pub fn one_way(&self) -> SimTime {
        self.latency.map(|d| d.0).unwrap_or(match self.layer {
            LbLayer::L4 => d::LB_LATENCY_L4,
            LbLayer::L7 => d::LB_LATENCY_L7,
        })
    }
}

/// `[push.producer]`: who publishes messages.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProducerParams {
    /// Publishes per second (Poisson).
    pub rate: Rate,
    /// Messages per publish, each to a different random user.
    pub fan_out: u32,
    /// Share of messages addressed to users who are offline.
    pub offline_share: f64,
    /// Windows with a different publish rate.
    pub bursts: Vec<Burst>,
}

impl Default for ProducerParams {
    fn default() -> Self {
        ProducerParams {
            rate: Rate(d::PUBLISH_RATE_PER_S),
            fan_out: d::FAN_OUT,
            offline_share: d::OFFLINE_SHARE,
            bursts: Vec::new(),
        }
    }
}

/// A window `[start, start + duration)` during which publishes arrive at `rate`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Burst {
    pub start: Duration,
    pub duration: Duration,
    pub rate: Rate,
}

/// `[push.kafka]`: the topic between producers and processors.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaParams {
    pub partitions: u32,
    /// Produce to visible-to-consumers latency (acks=all, replication).
    pub latency: DurationDist,
    /// Brokers, for the cost.
    pub brokers: u32,
    /// Instance profile of one broker, for the cost.
    pub profile: String,
    /// True: the brokers have capacity (`push::kafka`): partitions led
    /// round robin by the brokers, each appending `broker_rate` messages/s.
    pub capacity: bool,
    /// Messages one broker appends per second (with `capacity`).
    pub broker_rate: Rate,
}

impl Default for KafkaParams {
    fn default() -> Self {
        KafkaParams {
            partitions: d::PARTITIONS,
            latency: DurationDist::deterministic(d::KAFKA_LATENCY),
            brokers: d::KAFKA_BROKERS,
            profile: d::KAFKA_PROFILE.to_string(),
            capacity: false,
            broker_rate: Rate(d::KAFKA_BROKER_RATE_PER_S),
        }
    }
}

/// `[push.processors]`: the consumer group that looks users up and delivers.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProcessorParams {
    /// Replicas at the start (and always, without autoscaling).
    pub replicas: u32,
    /// Messages one replica handles at once.
    pub threads: u32,
    /// CPU per message (decode, route, encode).
    pub cpu: DurationDist,
    /// Tries to deliver a message whose connection moved before it is lost.
    pub max_delivery_attempts: u32,
    /// Instance profile of one replica, for the cost.
    pub profile: String,
}

impl Default for ProcessorParams {
    fn default() -> Self {
        ProcessorParams {
            replicas: d::PROCESSOR_REPLICAS,
            threads: d::PROCESSOR_THREADS,
            cpu: DurationDist::deterministic(d::PROCESSOR_CPU),
            max_delivery_attempts: d::MAX_DELIVERY_ATTEMPTS,
            profile: d::PROCESSOR_PROFILE.to_string(),
        }
    }
}

/// Latency profile of the push registry's store.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistryStore {
    Redis,
    Cassandra,
    Dynamodb,
}

/// `[push.registry]`: user -> gateway records.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegistryParams {
    pub store: RegistryStore,
    /// Overrides the store's read latency.
    pub read: Option<DurationDist>,
    /// Overrides the store's write latency.
    pub write: Option<DurationDist>,
    /// Nodes with capacity, records sharded by user over them (none: the
    /// registry has latency only).
    pub nodes: Option<u32>,
    /// Nodes each record is kept on (writes go to all of them).
    pub replicas: u32,
    /// Overrides the store's reads per second per node.
    pub node_reads_per_s: Option<Rate>,
    /// Overrides the store's writes per second per node.
    pub node_writes_per_s: Option<Rate>,
    /// Instance profile of one node, for the cost.
    pub profile: String,
    /// Record TTL (REFERENCES Z10: 1800 s); absent: records never expire.
    pub ttl: Option<Duration>,
    /// How often a gateway rewrites the records of its connections (with
    /// `ttl`); absent: written once per connect, so `ttl` must outlast
    /// `connection.lifetime`.
    pub refresh_interval: Option<Duration>,
}

impl Default for RegistryParams {
    fn default() -> Self {
        RegistryParams {
            store: d::REGISTRY_STORE,
            read: None,
            write: None,
            nodes: None,
            replicas: d::REGISTRY_REPLICAS,
            node_reads_per_s: None,
            node_writes_per_s: None,
            profile: d::REGISTRY_PROFILE.to_string(),
            ttl: None,
            refresh_interval: None,
        }
    }
}

impl RegistryParams {
    /// (reads, writes) per second of one node: the store's profile unless
    /// overridden.
    pub fn node_rates(&self) -> (f64, f64) {
        let (read, write) = match self.store {
            RegistryStore::Redis => d::REDIS_NODE_OPS_PER_S,
            RegistryStore::Cassandra => d::CASSANDRA_NODE_OPS_PER_S,
            RegistryStore::Dynamodb => d::DYNAMODB_NODE_OPS_PER_S,
        };
        (
            self.node_reads_per_s.map_or(read, |r| r.0),
            self.node_writes_per_s.map_or(write, |r| r.0),
        )
    }

    /// (read, write) latency distributions: the store's profile unless
    /// overridden.
    pub fn latencies(&self) -> (DurationDist, DurationDist) {
        let lognormal = |l: d::StoreLatency| DurationDist::Lognormal {
            mean: Some(Duration(l.mean)),
            cv: Some(l.cv),
            mu: None,
            sigma: None,
        };
        let (read, write) = match self.store {
            RegistryStore::Redis => (d::REDIS_READ, d::REDIS_WRITE),
            RegistryStore::Cassandra => (d::CASSANDRA_READ, d::CASSANDRA_WRITE),
            RegistryStore::Dynamodb => (d::DYNAMODB_READ, d::DYNAMODB_WRITE),
        };
        (
            self.read.clone().unwrap_or_else(|| lognormal(read)),
            self.write.clone().unwrap_or_else(|| lognormal(write)),
        )
    }
}

/// `[push.autoscaling]`: KEDA's Kafka scaler driving the HPA (REFERENCES §5.4).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutoscalingParams {
    /// False: the table is kept but processors do not scale (for sweeps).
    pub enabled: bool,
    /// K1: target lag per replica (KEDA `lagThreshold`, default 10).
    pub lag_threshold: u64,
    /// K1: lag above which 0 replicas become 1 (`activationLagThreshold`).
    pub activation_lag_threshold: u64,
    /// K3: how often KEDA reads the lag (`pollingInterval`, 30 s).
    pub polling_interval: Duration,
    /// K3: idle time before scaling to zero (`cooldownPeriod`, 300 s).
    pub cooldown: Duration,
    pub min_replicas: u32,
    /// K3: `maxReplicaCount`, 100.
    pub max_replicas: u32,
    /// K1: replicas may exceed partitions (`allowIdleConsumers`, false).
    pub allow_idle_consumers: bool,
    /// K4: 10 % tolerance around the target before acting.
    pub tolerance: f64,
    /// K4: scale-down stabilisation window, 300 s.
    pub scale_down_stabilization: Duration,
    /// K4: scale-up allows the larger of +`scale_up_pods` and
    /// +`scale_up_percent` % per `scale_up_period` (4 pods, 100 %, 60 s in
    /// the HPA API reference; the Kubernetes docs' example uses 15 s).
    pub scale_up_pods: u32,
    pub scale_up_percent: u32,
    pub scale_up_period: Duration,
    /// Time from a scale-up decision to a consuming replica (pod start).
    pub startup: Duration,
    /// Consumer-group rebalance: every consumer stops this long when
    /// membership changes (eager rebalance).
    pub rebalance_pause: Duration,
}

impl Default for AutoscalingParams {
    fn default() -> Self {
        AutoscalingParams {
            enabled: d::AUTOSCALING_ENABLED,
            lag_threshold: d::LAG_THRESHOLD,
            activation_lag_threshold: d::ACTIVATION_LAG_THRESHOLD,
            polling_interval: Duration(d::POLLING_INTERVAL),
            cooldown: Duration(d::COOLDOWN),
            min_replicas: d::MIN_REPLICAS,
            max_replicas: d::MAX_REPLICAS,
            allow_idle_consumers: d::ALLOW_IDLE_CONSUMERS,
            tolerance: d::TOLERANCE,
            scale_down_stabilization: Duration(d::SCALE_DOWN_STABILIZATION),
            scale_up_pods: d::SCALE_UP_PODS,
            scale_up_percent: d::SCALE_UP_PERCENT,
            scale_up_period: Duration(d::SCALE_UP_PERIOD),
            startup: Duration(d::STARTUP),
            rebalance_pause: Duration(d::REBALANCE_PAUSE),
        }
    }
}
