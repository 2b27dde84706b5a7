//! Every default of the push model, in one place, each with its source.
//! Values marked "assumption" are stated, not measured; values marked
//! "planning assumption" have no single published figure: they are round
//! numbers meant to be swept.

use super::params::{IoModel, LbLayer, LbPolicy, RegistryStore};
use crate::engine::SimTime;

// [push.network]

/// Client to gateway, one way. REFERENCES L5: RTT ≈ 1.77 × 2d / (200
/// km/ms) + 4 ms gives about 50 ms RTT at 2,500 km, a continental client:
/// 25 ms one way.
pub const TRANSIT: SimTime = SimTime::from_millis(25);
/// Assumption: a same-region hop between services, 0.5 ms.
pub const INTERNAL: SimTime = SimTime::from_micros(500);

// [push.short_poll], [push.long_poll]

/// REFERENCES P5: Netflix's TV UI polled "every few seconds".
pub const SHORT_POLL_INTERVAL: SimTime = SimTime::from_secs(5);
/// REFERENCES P3/P4: 30 s is RFC 6202's safer value and Firestore's default.
pub const LONG_POLL_WAIT: SimTime = SimTime::from_secs(30);
/// One poller thread per queue: no head-of-line delay unless asked for.
pub const QUEUES_PER_THREAD: u32 = 1;

// [push.request_cost]: assumptions, not measurements. Together about
// 260 µs, i.e. about 3,800 requests/s per core, the order of an
// authenticated JSON API.

/// Accepting the connection and parsing the HTTP request.
pub const REQUEST_CONNECTION: SimTime = SimTime::from_micros(60);
/// Validating the session token.
pub const REQUEST_AUTH: SimTime = SimTime::from_micros(100);
/// Checking the per-user rate quota.
pub const REQUEST_QUOTA: SimTime = SimTime::from_micros(30);
/// TLS record decryption of the request.
pub const REQUEST_DECRYPT: SimTime = SimTime::from_micros(20);
/// Parsing the body.
pub const REQUEST_DESERIALIZE: SimTime = SimTime::from_micros(30);
/// Checking the request against the schema.
pub const REQUEST_VALIDATE: SimTime = SimTime::from_micros(20);

// [push.connection]

/// REFERENCES Z10: `zuul.push.registry.ttl.seconds` = 1800.
pub const LIFETIME: SimTime = SimTime::from_secs(1800);
/// REFERENCES Z11: `zuul.push.reconnect.dither.seconds` = 180.
pub const LIFETIME_JITTER: SimTime = SimTime::from_secs(180);
/// REFERENCES Z13: `zuul.push.keepalive.interval.seconds` = 180.
pub const PING_INTERVAL: SimTime = SimTime::from_secs(180);
/// Assumption: one small frame each way on an event loop.
pub const PING_COST: SimTime = SimTime::from_micros(5);
/// RSA-2048 sign measured at 211 µs on one EPYC vCPU (`openssl speed
/// rsa2048`), plus ECDHE and record set-up: about 500 µs.
pub const HANDSHAKE_COST: SimTime = SimTime::from_micros(500);
/// TCP SYN/SYN-ACK (RFC 9293 §3.5), then TLS 1.3 (1 RTT, RFC 8446 §2),
/// then the request.
pub const HANDSHAKE_ROUND_TRIPS: u32 = 2;
/// Assumption: parse one HTTP request and answer 101.
pub const UPGRADE_COST: SimTime = SimTime::from_micros(50);
/// Assumption: as [`REQUEST_AUTH`].
pub const AUTH_COST: SimTime = REQUEST_AUTH;
/// REFERENCES Z14: `zuul.push.noauth.ttl.seconds` = 8.
pub const AUTH_TIMEOUT: SimTime = SimTime::from_secs(8);
/// Assumption: frame, encrypt and write a small notification.
pub const MESSAGE_COST: SimTime = SimTime::from_micros(20);

// [push.sse]

/// One stream per browser (one tab).
pub const STREAMS_PER_BROWSER: u32 = 1;
/// MDN EventSource: over HTTP/1.1 "the limit is per browser and set to a
/// very low number (6)".
pub const BROWSER_CONNECTION_LIMIT: u32 = 6;

// [push.reconnect]

/// After a normal close, WebSocket: Zuul clients reconnect at once
/// (REFERENCES Z16).
pub const RECONNECT_DELAY_WEBSOCKET: SimTime = SimTime::ZERO;
/// After a normal close, SSE: the `retry` field's usual default
/// (REFERENCES W1: implementations typically use 1–3 s).
pub const RECONNECT_DELAY_SSE: SimTime = SimTime::from_secs(3);
/// Assumption: a client-side retry timer of a few seconds.
pub const FAILURE_DELAY: SimTime = SimTime::from_secs(5);

// [push.gateways]

/// Planning assumption: a small cluster.
pub const GATEWAYS: u32 = 10;
/// REFERENCES Z8: the Zuul Push server was an AWS m4.large (2 vCPU, 8 GiB).
pub const GATEWAY_CORES: u32 = 2;
/// See [`GATEWAY_CORES`].
pub const GATEWAY_MEMORY_BYTES: u64 = 8 << 30;
/// Assumption: JVM heap floor, OS and agents.
pub const GATEWAY_MEMORY_BASE_BYTES: u64 = 1 << 30;
/// REFERENCES P9 (WhatsApp ≈ 23 KB/conn) and P11 (HAProxy with TLS ≈ 20
/// KB/conn), kernel included.
pub const MEMORY_PER_CONNECTION_BYTES: u64 = 20 << 10;
/// The JVM's default thread stack on 64-bit Linux (-Xss 1 MiB): the
/// classic C10K arithmetic (10,000 threads ≈ 10 GB, REFERENCES P12).
pub const MEMORY_PER_THREAD_BYTES: u64 = 1 << 20;
/// Zuul Push is Netty-based (REFERENCES Z1): one event loop per core.
pub const IO_MODEL: IoModel = IoModel::EventLoop;
/// Li, Ding and Shen, "Quantifying the Cost of Context Switch" (ExpCS
/// 2007): direct cost about 3.8 µs.
pub const CONTEXT_SWITCH: SimTime = SimTime::from_nanos(3_800);
/// Assumption: four 4 KiB pages of stack and buffers per wake-up.
pub const THREAD_WORKING_SET_BYTES: u64 = 16 << 10;
/// Xeon E5-2676 v3 (m4 instances, REFERENCES Z8): 30 MB shared L3.
pub const CACHE_BYTES: u64 = 30 << 20;
/// Typical DRAM load-to-use latency on servers: about 100 ns.
pub const CACHE_MISS: SimTime = SimTime::from_nanos(100);

// [push.load_balancer]

/// REFERENCES Z9: Netflix ran the ELB in TCP (L4) mode.
pub const LB_LAYER: LbLayer = LbLayer::L4;
/// HAProxy's manual recommends `leastconn` "where very long sessions are
/// expected"; a planning assumption for persistent connections.
pub const LB_POLICY: LbPolicy = LbPolicy::LeastConnections;

/// Assumption: the balancer forwards a packet at L4.
pub const LB_LATENCY_L4: SimTime = SimTime::from_micros(50);
/// Assumption: the balancer parses HTTP and proxies a hop at L7.
pub const LB_LATENCY_L7: SimTime = SimTime::from_millis(1);

// [push.producer], [push.kafka], [push.processors]

/// Planning assumption: publishes per second.
pub const PUBLISH_RATE_PER_S: f64 = 1_000.0;
/// One message per publish.
pub const FAN_OUT: u32 = 1;
/// Every message is for an online user.
pub const OFFLINE_SHARE: f64 = 0.0;
/// The topic of REFERENCES §8's KEDA check: 12 partitions.
pub const PARTITIONS: u32 = 12;
/// Assumption: a few ms for an acks=all produce in one region.
pub const KAFKA_LATENCY: SimTime = SimTime::from_millis(5);
/// Planning assumption: two processor replicas.
pub const PROCESSOR_REPLICAS: u32 = 2;
/// Planning assumption: messages one replica handles at once.
pub const PROCESSOR_THREADS: u32 = 16;
/// Assumption: 200 µs of CPU per message.
pub const PROCESSOR_CPU: SimTime = SimTime::from_micros(200);
/// Planning assumption: tries before a message whose connection keeps
/// moving is lost.
pub const MAX_DELIVERY_ATTEMPTS: u32 = 3;

// [push.registry]

/// A store's latency as a lognormal distribution.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct StoreLatency {
    pub mean: SimTime,
    /// Coefficient of variation.
    pub cv: f64,
}

/// REFERENCES Z20: Netflix used Dynomite (Redis underneath).
pub const REGISTRY_STORE: RegistryStore = RegistryStore::Redis;
/// Redis: "sub-millisecond" responses (redis.io); in-region about 0.3 ms to
/// read and 0.4 ms to write.
pub const REDIS_READ: StoreLatency = StoreLatency {
    mean: SimTime::from_micros(300),
    cv: 0.5,
};
/// See [`REDIS_READ`].
pub const REDIS_WRITE: StoreLatency = StoreLatency {
    mean: SimTime::from_micros(400),
    cv: 0.5,
};
/// Assumption: Cassandra at LOCAL_QUORUM, low single-digit ms with a long
/// tail from compaction and GC.
pub const CASSANDRA_READ: StoreLatency = StoreLatency {
    mean: SimTime::from_micros(2_000),
    cv: 1.0,
};
/// See [`CASSANDRA_READ`].
pub const CASSANDRA_WRITE: StoreLatency = StoreLatency {
    mean: SimTime::from_micros(1_500),
    cv: 1.0,
};
/// DynamoDB: "single-digit millisecond performance" (AWS product page).
pub const DYNAMODB_READ: StoreLatency = StoreLatency {
    mean: SimTime::from_micros(4_000),
    cv: 0.6,
};
/// See [`DYNAMODB_READ`].
pub const DYNAMODB_WRITE: StoreLatency = StoreLatency {
    mean: SimTime::from_micros(6_000),
    cv: 0.6,
};

/// Operations per second of one node (`registry.nodes`), as (reads, writes).
/// REFERENCES F5: one Redis instance runs commands on one thread, about
/// 100,000 simple operations per second per core (redis.io benchmarks).
pub const REDIS_NODE_OPS_PER_S: (f64, f64) = (100_000.0, 100_000.0);
/// Assumption (no published per-node figure in REFERENCES; sweep it): a
/// Cassandra node at 10,000 operations per second of each kind.
pub const CASSANDRA_NODE_OPS_PER_S: (f64, f64) = (10_000.0, 10_000.0);
/// REFERENCES F5: a DynamoDB partition serves up to 3,000 read and 1,000
/// write capacity units per second (AWS docs); a node here is a partition.
pub const DYNAMODB_NODE_OPS_PER_S: (f64, f64) = (3_000.0, 1_000.0);
/// A record on one node unless `registry.replicas` says more.
pub const REGISTRY_REPLICAS: u32 = 1;

// [push.autoscaling]: KEDA's Kafka scaler and the HPA (REFERENCES §5.4).

/// A `[push.autoscaling]` table scales unless it says otherwise.
pub const AUTOSCALING_ENABLED: bool = true;
/// K1: `lagThreshold`, 10.
pub const LAG_THRESHOLD: u64 = 10;
/// K1: `activationLagThreshold`, 0.
pub const ACTIVATION_LAG_THRESHOLD: u64 = 0;
/// K3: `pollingInterval`, 30 s.
pub const POLLING_INTERVAL: SimTime = SimTime::from_secs(30);
/// K3: `cooldownPeriod`, 300 s.
pub const COOLDOWN: SimTime = SimTime::from_secs(300);
/// The HPA's `minReplicas` defaults to 1 (Kubernetes
/// HorizontalPodAutoscalerSpec).
pub const MIN_REPLICAS: u32 = 1;
/// K3: `maxReplicaCount`, 100.
pub const MAX_REPLICAS: u32 = 100;
/// K1: `allowIdleConsumers`, false.
pub const ALLOW_IDLE_CONSUMERS: bool = false;
/// K4: 10 % tolerance.
pub const TOLERANCE: f64 = 0.1;
/// K4: scale-down stabilisation window, 300 s.
pub const SCALE_DOWN_STABILIZATION: SimTime = SimTime::from_secs(300);
/// K4: scale-up by the larger of +4 pods and +100 % per 60 s (the HPA API
/// reference; the Kubernetes docs' example uses 15 s).
pub const SCALE_UP_PODS: u32 = 4;
/// See [`SCALE_UP_PODS`].
pub const SCALE_UP_PERCENT: u32 = 100;
/// See [`SCALE_UP_PODS`].
pub const SCALE_UP_PERIOD: SimTime = SimTime::from_secs(60);
/// Assumption: a JVM service pod is ready about 30 s after scheduling.
pub const STARTUP: SimTime = SimTime::from_secs(30);
/// Assumption: an eager rebalance stalls the group a few seconds.
pub const REBALANCE_PAUSE: SimTime = SimTime::from_secs(3);

// Costs (profiles of `models/prices.toml`)

/// Planning assumption: a stateless consumer pod of 4 vCPU (16 threads of
/// mostly I/O wait), priced as a compute-optimised instance.
pub const PROCESSOR_PROFILE: &str = "c5.xlarge";
/// Planning assumption: a Redis (or Cassandra) replica set of three
/// memory-optimised nodes holds the user -> gateway records.
pub const REGISTRY_NODES: u32 = 3;
/// See [`REGISTRY_NODES`].
pub const REGISTRY_PROFILE: &str = "r5.large";
/// Planning assumption: three brokers, the smallest cluster that keeps
/// replication factor 3 (Kafka's recommended production setting).
pub const KAFKA_BROKERS: u32 = 3;
/// See [`KAFKA_BROKERS`]; general purpose, like Amazon MSK's kafka.m5.large.
pub const KAFKA_PROFILE: &str = "m5.large";

/// Messages one Kafka broker appends per second, with `kafka.capacity`:
/// J. Kreps, "Benchmarking Apache Kafka: 2 Million Writes Per Second (On
/// Three Cheap Machines)", LinkedIn Engineering 2014 (REFERENCES F5): one
/// producer, 100-byte records, 3x synchronous replication: 421,823
/// records/s (40.2 MB/s) on a three-broker cluster; about 140,000/s per
/// broker leading a third of the partitions.
pub const KAFKA_BROKER_RATE_PER_S: f64 = 140_000.0;
