//! Parameters of the `push` model (`[push]` in an experiment file), their
//! defaults with the source of each, and their validation.
//!
//! Every sub-table is optional and defaults to the values below; a table
//! for a transport that is not selected is accepted and ignored, so that a
//! sweep over `push.transport` can keep every transport's settings in one
//! file.

use serde::Deserialize;

use crate::dist::DurationDist;
use crate::engine::SimTime;
use crate::faults::admission::AdmissionParams;
use crate::faults::backoff::RetryPolicy;
use crate::faults::schedule::FaultSpec;
use crate::units::{Bytes, Count, Duration, Rate};

/// The most online clients one run may simulate (about 5 GB of state at
/// 50 bytes each, plus headroom).
pub const MAX_CLIENTS: u64 = 100_000_000;
/// The most gateways: a gateway index is stored in 16 bits per client.
pub const MAX_GATEWAYS: u32 = 65_000;
/// The most partitions of the topic. Kafka guidance is about 4,000
/// partitions per broker and 200,000 per cluster (Confluent, "Apache Kafka
/// Supports 200K Partitions Per Cluster", 2018); one topic of a push
/// pipeline is far below that, and the bound keeps per-partition state small.
pub const MAX_PARTITIONS: u32 = 10_000;
/// The most message processors (replicas).
pub const MAX_PROCESSORS: u32 = 10_000;
/// The most threads per processor.
pub const MAX_PROCESSOR_THREADS: u32 = 100_000;
/// The most CPU cores per gateway.
pub const MAX_CORES: u32 = 1_024;
/// The most messages one publish may fan out to.
pub const MAX_FAN_OUT: u32 = 1_000_000;

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
            // REFERENCES L5: RTT ≈ 1.77 × 2d / (200 km/ms) + 4 ms gives about
            // 50 ms RTT at 2,500 km, a continental client: 25 ms one way.
            transit: DurationDist::deterministic(SimTime::from_millis(25)),
            // Assumption: a same-region hop between services, 0.5 ms.
            internal: DurationDist::deterministic(SimTime::from_micros(500)),
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
        // REFERENCES P5: Netflix's TV UI polled "every few seconds".
        ShortPollParams {
            interval: Duration(SimTime::from_secs(5)),
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
            // REFERENCES P3/P4: 30 s is RFC 6202's safer value and Firestore's default.
            wait: Duration(SimTime::from_secs(30)),
            client_wait: None,
            queues_per_thread: 1,
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
/// matters. Assumptions, not measurements: together about 260 µs, i.e.
/// about 3,800 requests/s per core, the order of an authenticated JSON API.
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
            connection: Duration(SimTime::from_micros(60)),
            auth: Duration(SimTime::from_micros(100)),
            quota: Duration(SimTime::from_micros(30)),
            decrypt: Duration(SimTime::from_micros(20)),
            deserialize: Duration(SimTime::from_micros(30)),
            validate: Duration(SimTime::from_micros(20)),
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
            // REFERENCES Z10: zuul.push.registry.ttl.seconds = 1800.
            lifetime: Duration(SimTime::from_secs(1800)),
            // REFERENCES Z11: zuul.push.reconnect.dither.seconds = 180.
            lifetime_jitter: Duration(SimTime::from_secs(180)),
            // REFERENCES Z13: zuul.push.keepalive.interval.seconds = 180.
            ping_interval: Duration(SimTime::from_secs(180)),
            // Assumption: one small frame each way on an event loop.
            ping_cost: Duration(SimTime::from_micros(5)),
            // RSA-2048 sign measured at 211 µs on one EPYC vCPU (`openssl
            // speed rsa2048`), plus ECDHE and record set-up: about 500 µs.
            handshake_cost: Duration(SimTime::from_micros(500)),
            // TCP SYN/SYN-ACK, then TLS 1.3 (1 RTT), then the request.
            handshake_round_trips: 2,
            // Assumption: parse one HTTP request and answer 101.
            upgrade_cost: Duration(SimTime::from_micros(50)),
            // Assumption: as `request_cost.auth`.
            auth_cost: Duration(SimTime::from_micros(100)),
            // REFERENCES Z14: zuul.push.noauth.ttl.seconds = 8.
            auth_timeout: Duration(SimTime::from_secs(8)),
            // Assumption: frame, encrypt and write a small notification.
            message_cost: Duration(SimTime::from_micros(20)),
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
            streams_per_browser: 1,
            browser_connection_limit: 6,
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
            // Assumption: a client-side retry timer of a few seconds.
            failure_delay: Duration(SimTime::from_secs(5)),
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
}

impl Default for GatewayParams {
    fn default() -> Self {
        GatewayParams {
            count: 10,
            // REFERENCES Z8: the Zuul Push server was an AWS m4.large
            // (2 vCPU, 8 GiB).
            cores: 2,
            memory: Bytes(8 << 30),
            // Assumption: JVM heap floor, OS and agents.
            memory_base: Bytes(1 << 30),
            // REFERENCES P9 (WhatsApp ≈ 23 KB/conn) and P11 (HAProxy with
            // TLS ≈ 20 KB/conn), kernel included.
            memory_per_connection: Bytes(20 << 10),
            // The JVM's default thread stack on 64-bit Linux (-Xss 1 MiB):
            // the classic C10K arithmetic (10,000 threads ≈ 10 GB).
            memory_per_thread: Bytes(1 << 20),
            io_model: IoModel::EventLoop,
            // Li, Ding and Shen, "Quantifying the Cost of Context Switch"
            // (ExpCS 2007): direct cost about 3.8 µs.
            context_switch: Duration(SimTime::from_nanos(3_800)),
            // Assumption: four 4 KiB pages of stack and buffers per wake-up.
            thread_working_set: Bytes(16 << 10),
            // Xeon E5-2676 v3 (m4 instances): 30 MB shared L3.
            cache: Bytes(30 << 20),
            // Typical DRAM load-to-use latency on servers: about 100 ns.
            cache_miss: Duration(SimTime::from_nanos(100)),
        }
    }
}

impl GatewayParams {
    /// CPU cost of one thread wake-up with `threads` threads sharing the
    /// cache: the direct switch plus refilling the evicted part of the
    /// working set (Li et al. 2007: the indirect cost dominates once the
    /// working sets exceed the cache).
    pub fn switch_cost(&self, threads: u64) -> SimTime {
        let lines = self.thread_working_set.0.div_ceil(64);
        let refill_ns = lines as f64 * self.cache_miss.0.as_nanos() as f64;
        let evicted = (threads as f64 * self.thread_working_set.0 as f64
            / self.cache.0.max(1) as f64)
            .min(1.0);
        self.context_switch.0 + SimTime::from_nanos((refill_ns * evicted).round() as u64)
    }

    /// Memory one more connection takes (its thread too, if blocking).
    pub fn memory_per_connection_total(&self) -> u64 {
        match self.io_model {
            IoModel::ThreadPerConnection => self.memory_per_connection.0 + self.memory_per_thread.0,
            IoModel::EventLoop => self.memory_per_connection.0,
        }
    }

    /// Memory with no connection: base plus the event-loop threads.
    pub fn memory_idle(&self) -> u64 {
        let loop_threads = match self.io_model {
            IoModel::ThreadPerConnection => 0,
            IoModel::EventLoop => self.cores as u64,
        };
        self.memory_base.0 + loop_threads * self.memory_per_thread.0
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
}

impl Default for LoadBalancerParams {
    fn default() -> Self {
        LoadBalancerParams {
            // REFERENCES Z9: Netflix ran the ELB in TCP (L4) mode.
            layer: LbLayer::L4,
            policy: LbPolicy::LeastConnections,
            idle_timeout: None,
            latency: None,
        }
    }
}

impl LoadBalancerParams {
    /// The one-way latency added by the balancer. Assumptions: a packet
    /// forward at L4, an HTTP parse and a proxy hop at L7.
    pub fn one_way(&self) -> SimTime {
        self.latency.map(|d| d.0).unwrap_or(match self.layer {
            LbLayer::L4 => SimTime::from_micros(50),
            LbLayer::L7 => SimTime::from_millis(1),
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
            rate: Rate(1_000.0),
            fan_out: 1,
            offline_share: 0.0,
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
}

impl Default for KafkaParams {
    fn default() -> Self {
        KafkaParams {
            partitions: 12,
            // Assumption: a few ms for an acks=all produce in one region.
            latency: DurationDist::deterministic(SimTime::from_millis(5)),
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
}

impl Default for ProcessorParams {
    fn default() -> Self {
        ProcessorParams {
            replicas: 2,
            threads: 16,
            // Assumption: 200 µs of CPU per message.
            cpu: DurationDist::deterministic(SimTime::from_micros(200)),
            max_delivery_attempts: 3,
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
}

impl Default for RegistryParams {
    fn default() -> Self {
        // REFERENCES Z20: Netflix used Dynomite (Redis underneath).
        RegistryParams {
            store: RegistryStore::Redis,
            read: None,
            write: None,
        }
    }
}

impl RegistryParams {
    /// (read, write) latency distributions.
    pub fn latencies(&self) -> (DurationDist, DurationDist) {
        let lognormal = |mean_us: u64, cv: f64| DurationDist::Lognormal {
            mean: Some(Duration(SimTime::from_micros(mean_us))),
            cv: Some(cv),
            mu: None,
            sigma: None,
        };
        let (read, write) = match self.store {
            // Redis: "sub-millisecond" responses (redis.io); in-region ~0.3 ms.
            RegistryStore::Redis => (lognormal(300, 0.5), lognormal(400, 0.5)),
            // Assumption: Cassandra at LOCAL_QUORUM, low single-digit ms with
            // a long tail from compaction and GC.
            RegistryStore::Cassandra => (lognormal(2_000, 1.0), lognormal(1_500, 1.0)),
            // DynamoDB: "single-digit millisecond performance" (AWS product page).
            RegistryStore::Dynamodb => (lognormal(4_000, 0.6), lognormal(6_000, 0.6)),
        };
        (
            self.read.clone().unwrap_or(read),
            self.write.clone().unwrap_or(write),
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
            enabled: true,
            lag_threshold: 10,
            activation_lag_threshold: 0,
            polling_interval: Duration(SimTime::from_secs(30)),
            cooldown: Duration(SimTime::from_secs(300)),
            min_replicas: 1,
            max_replicas: 100,
            allow_idle_consumers: false,
            tolerance: 0.1,
            scale_down_stabilization: Duration(SimTime::from_secs(300)),
            scale_up_pods: 4,
            scale_up_percent: 100,
            scale_up_period: Duration(SimTime::from_secs(60)),
            // Assumption: a JVM service pod is ready about 30 s after scheduling.
            startup: Duration(SimTime::from_secs(30)),
            // Assumption: an eager rebalance stalls the group a few seconds.
            rebalance_pause: Duration(SimTime::from_secs(3)),
        }
    }
}

/// A parameter problem: the key under `[push]` and what was expected.
pub type Invalid = (String, String);

fn problem(problems: &mut Vec<Invalid>, key: &str, message: impl Into<String>) {
    problems.push((key.to_string(), message.into()));
}

fn check_dist(problems: &mut Vec<Invalid>, key: &str, dist: &DurationDist) {
    if let Err(e) = dist.compile() {
        problems.push((format!("{key}.{}", e.key), e.message));
    }
}

impl PushParams {
    /// Checks the parameters; returns every problem found.
    pub fn validate(&self) -> Result<(), Vec<Invalid>> {
        let mut problems = Vec::new();
        self.validate_population(&mut problems);
        self.validate_transport(&mut problems);
        self.validate_gateways(&mut problems);
        self.validate_pipeline(&mut problems);
        if let Some(a) = &self.autoscaling {
            a.validate(&mut problems);
        }
        problems.extend(super::faults::validate(self));
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    fn validate_population(&self, problems: &mut Vec<Invalid>) {
        if self.clients.0 == 0 || self.clients.0 > MAX_CLIENTS {
            problem(
                problems,
                "clients",
                format!(
                    "expected between 1 and {MAX_CLIENTS} clients, got {}",
                    self.clients.0
                ),
            );
        }
        check_dist(problems, "network.transit", &self.network.transit);
        check_dist(problems, "network.internal", &self.network.internal);
        let p = &self.producer;
        if !(0.0..=1.0).contains(&p.offline_share) || !p.offline_share.is_finite() {
            problem(
                problems,
                "producer.offline_share",
                format!("expected a share between 0 and 1, got {}", p.offline_share),
            );
        }
        if p.fan_out == 0 || p.fan_out > MAX_FAN_OUT {
            problem(
                problems,
                "producer.fan_out",
                format!("expected between 1 and {MAX_FAN_OUT} messages per publish"),
            );
        }
        for (i, b) in p.bursts.iter().enumerate() {
            if b.duration.0 == SimTime::ZERO {
                problem(
                    problems,
                    &format!("producer.bursts[{i}].duration"),
                    "a burst must last longer than zero",
                );
            }
        }
    }

    fn validate_transport(&self, problems: &mut Vec<Invalid>) {
        match self.transport {
            Transport::ShortPoll => {
                if self.short_poll.interval.0 == SimTime::ZERO {
                    problem(
                        problems,
                        "short_poll.interval",
                        "the polling interval must be greater than zero, e.g. \"5s\"",
                    );
                }
            }
            Transport::LongPoll => {
                if self.long_poll.effective_wait() == SimTime::ZERO {
                    let key = if self.long_poll.client_wait.is_some() {
                        "long_poll.client_wait"
                    } else {
                        "long_poll.wait"
                    };
                    problem(
                        problems,
                        key,
                        "the long-poll wait must be greater than zero, e.g. \"30s\"",
                    );
                }
            }
            Transport::Sse | Transport::Websocket => {}
        }
        let q = self.long_poll.queues_per_thread;
        if q == 0 || q as u64 > self.clients.0.max(1) {
            problem(
                problems,
                "long_poll.queues_per_thread",
                "expected at least 1 and at most `clients` queues per thread",
            );
        }
        if q > 1 && self.transport != Transport::LongPoll {
            problem(
                problems,
                "long_poll.queues_per_thread",
                "several queues per poller thread are modelled for transport \"long_poll\" only",
            );
        }
        self.validate_connection(problems);
        let sse = &self.sse;
        if sse.streams_per_browser == 0 || sse.browser_connection_limit == 0 {
            problem(
                problems,
                "sse.streams_per_browser",
                "streams per browser and the browser connection limit must be at least 1",
            );
        }
    }

    fn validate_connection(&self, problems: &mut Vec<Invalid>) {
        let c = &self.connection;
        if c.lifetime.0 == SimTime::ZERO {
            problem(
                problems,
                "connection.lifetime",
                "the connection lifetime must be greater than zero, e.g. \"1800s\"",
            );
        }
        if c.lifetime_jitter.0 >= c.lifetime.0 {
            problem(
                problems,
                "connection.lifetime_jitter",
                format!(
                    "the lifetime jitter ({}) must be smaller than the lifetime ({}): a lifetime is lifetime - U[0, jitter)",
                    c.lifetime_jitter, c.lifetime
                ),
            );
        }
        if c.handshake_round_trips > 10 {
            problem(
                problems,
                "connection.handshake_round_trips",
                "expected at most 10 round trips",
            );
        }
        if c.auth_timeout.0 == SimTime::ZERO {
            problem(
                problems,
                "connection.auth_timeout",
                "the authentication timeout must be greater than zero",
            );
        }
        if let Some(idle) = self.load_balancer.idle_timeout
            && idle.0 < SimTime::from_secs(1)
        {
            problem(
                problems,
                "load_balancer.idle_timeout",
                "an idle timeout must be at least 1s (omit it for none)",
            );
        }
    }

    fn validate_gateways(&self, problems: &mut Vec<Invalid>) {
        let g = &self.gateways;
        if g.count == 0 || g.count > MAX_GATEWAYS {
            problem(
                problems,
                "gateways.count",
                format!(
                    "expected between 1 and {MAX_GATEWAYS} gateways, got {}",
                    g.count
                ),
            );
        }
        if g.cores == 0 || g.cores > MAX_CORES {
            problem(
                problems,
                "gateways.cores",
                format!("expected between 1 and {MAX_CORES} cores, got {}", g.cores),
            );
        }
        if g.memory_idle() >= g.memory.0 {
            problem(
                problems,
                "gateways.memory",
                format!(
                    "a gateway's memory ({} bytes) must exceed its idle use ({} bytes: base plus event-loop threads)",
                    g.memory.0,
                    g.memory_idle()
                ),
            );
        }
        if g.memory_per_connection_total() == 0 {
            problem(
                problems,
                "gateways.memory_per_connection",
                "a connection must take some memory",
            );
        }
    }

    fn validate_pipeline(&self, problems: &mut Vec<Invalid>) {
        let k = &self.kafka;
        if k.partitions == 0 || k.partitions > MAX_PARTITIONS {
            problem(
                problems,
                "kafka.partitions",
                format!(
                    "expected between 1 and {MAX_PARTITIONS} partitions, got {}",
                    k.partitions
                ),
            );
        }
        check_dist(problems, "kafka.latency", &k.latency);
        let p = &self.processors;
        if p.replicas > MAX_PROCESSORS {
            problem(
                problems,
                "processors.replicas",
                format!("expected at most {MAX_PROCESSORS} replicas"),
            );
        }
        if p.replicas == 0 && self.autoscaling.as_ref().is_none_or(|a| !a.enabled) {
            problem(
                problems,
                "processors.replicas",
                "without autoscaling at least one processor replica is needed",
            );
        }
        if p.threads == 0 || p.threads > MAX_PROCESSOR_THREADS {
            problem(
                problems,
                "processors.threads",
                format!("expected between 1 and {MAX_PROCESSOR_THREADS} threads"),
            );
        }
        if p.max_delivery_attempts == 0 || p.max_delivery_attempts > 100 {
            problem(
                problems,
                "processors.max_delivery_attempts",
                "expected between 1 and 100 attempts",
            );
        }
        check_dist(problems, "processors.cpu", &p.cpu);
        let (read, write) = self.registry.latencies();
        check_dist(problems, "registry.read", &read);
        check_dist(problems, "registry.write", &write);
    }
}

impl AutoscalingParams {
    fn validate(&self, problems: &mut Vec<Invalid>) {
        let key = |k: &str| format!("autoscaling.{k}");
        if self.lag_threshold == 0 {
            problem(
                problems,
                &key("lag_threshold"),
                "the lag threshold must be at least 1 message per replica",
            );
        }
        if self.polling_interval.0 == SimTime::ZERO {
            problem(
                problems,
                &key("polling_interval"),
                "the polling interval must be greater than zero",
            );
        }
        if self.max_replicas == 0
            || self.max_replicas > MAX_PROCESSORS
            || self.min_replicas > self.max_replicas
        {
            problem(
                problems,
                &key("max_replicas"),
                format!(
                    "expected 1 <= max_replicas <= {MAX_PROCESSORS} and min_replicas <= max_replicas"
                ),
            );
        }
        if !(0.0..1.0).contains(&self.tolerance) {
            problem(
                problems,
                &key("tolerance"),
                "expected a tolerance between 0 and 1 (0.1 is 10 %)",
            );
        }
        if self.scale_up_period.0 == SimTime::ZERO {
            problem(
                problems,
                &key("scale_up_period"),
                "the scale-up period must be greater than zero",
            );
        }
    }
}
