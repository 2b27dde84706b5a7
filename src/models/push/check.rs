//! Checks of the `[push]` parameters: every problem comes back with its key
//! (relative to `[push]`) and what was expected, so the loader can point at
//! the line. The fault pieces check themselves (`crate::faults`); this
//! module runs their checks against the push model's gateways, partitions
//! and pings.

use super::params::{AutoscalingParams, PushParams, Transport};
use super::reconnect::MAX_ATTEMPTS;
use crate::dist::DurationDist;
use crate::engine::SimTime;
use crate::faults::schedule::{self, FaultContext, FaultSpec};
use crate::world::{World, WorldSpec, unknown_name};

/// A problem: the key under `[push]` and what was expected.
pub type Invalid = (String, String);

/// The most online clients one run may simulate: about 23 GB of state at
/// 46 bytes each (`docs/push.md`, "State per client"); 300 million, Pushy's
/// scale, take 14 GB.
pub const MAX_CLIENTS: u64 = 500_000_000;
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
/// The most round trips before a connection's request reaches its gateway.
const MAX_HANDSHAKE_ROUND_TRIPS: u32 = 10;
/// The most delivery attempts of one message.
const MAX_DELIVERY_ATTEMPTS: u32 = 100;
/// The highest producer or burst rate: one message per nanosecond, the
/// clock's resolution (the CDN's `request_rate` has the same bound).
const MAX_RATE_PER_S: f64 = 1e9;
/// The shortest short-poll interval: a millisecond, three orders of
/// magnitude below the shortest the shipped sweep tries (1 s,
/// `experiments/push-poll-interval.toml`).
const MIN_POLL_INTERVAL: SimTime = SimTime::from_nanos(1_000_000);

/// Checks the parameters; returns every problem found.
pub fn check(p: &PushParams) -> Result<(), Vec<Invalid>> {
    let mut problems = Vec::new();
    check_population(p, &mut problems);
    check_transport(p, &mut problems);
    check_gateways(p, &mut problems);
    check_pipeline(p, &mut problems);
    if let Some(a) = &p.autoscaling {
        check_autoscaling(a, &mut problems);
    }
    check_faults(p, &mut problems);
    check_clusters(p, &mut problems);
    check_outages(p, &mut problems);
    check_registry_nodes(p, &mut problems);
    super::lbtier::check_balancer(p, &mut problems);
    super::threads::check_threads(p, &mut problems);
    super::ttl::check_ttl(p, &mut problems);
    super::kafka::check_kafka(p, &mut problems);
    super::filters::check_filters(p, &mut problems);
    super::attack::check_floods(p, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The first of `problems` (none: an empty key and message).
pub fn first_problem(problems: Vec<Invalid>) -> Invalid {
    problems.into_iter().next().unwrap_or_default()
}

fn problem(problems: &mut Vec<Invalid>, key: &str, message: impl Into<String>) {
    problems.push((key.to_string(), message.into()));
}

fn check_dist(problems: &mut Vec<Invalid>, key: &str, dist: &DurationDist) {
    if let Err(e) = dist.compile() {
        problems.push((format!("{key}.{}", e.key), e.message));
    }
}

fn check_population(p: &PushParams, problems: &mut Vec<Invalid>) {
    if p.clients.0 == 0 || p.clients.0 > MAX_CLIENTS {
        problem(
            problems,
            "clients",
            format!(
                "expected between 1 and {MAX_CLIENTS} clients, got {}",
                p.clients.0
            ),
        );
    }
    check_dist(problems, "network.transit", &p.network.transit);
    check_dist(problems, "network.internal", &p.network.internal);
    let producer = &p.producer;
    if !(0.0..=1.0).contains(&producer.offline_share) || !producer.offline_share.is_finite() {
        problem(
            problems,
            "producer.offline_share",
            format!(
                "expected a share between 0 and 1, got {}",
                producer.offline_share
            ),
        );
    }
    if producer.fan_out == 0 || producer.fan_out > MAX_FAN_OUT {
        problem(
            problems,
            "producer.fan_out",
            format!("expected between 1 and {MAX_FAN_OUT} messages per publish"),
        );
    }
    if producer.rate.0 > MAX_RATE_PER_S {
        problem(
            problems,
            "producer.rate",
            format!("expected at most {MAX_RATE_PER_S}/s"),
        );
    }
    for (i, b) in producer.bursts.iter().enumerate() {
        if b.rate.0 > MAX_RATE_PER_S {
            problem(
                problems,
                &format!("producer.bursts[{i}].rate"),
                format!("expected at most {MAX_RATE_PER_S}/s, like `producer.rate`"),
            );
        }
        if b.duration.0 == SimTime::ZERO {
            problem(
                problems,
                &format!("producer.bursts[{i}].duration"),
                "a burst must last longer than zero",
            );
        }
    }
}

fn check_transport(p: &PushParams, problems: &mut Vec<Invalid>) {
    match p.transport {
        Transport::ShortPoll => {
            let interval = p.short_poll.interval.0;
            if interval < MIN_POLL_INTERVAL {
                problem(
                    problems,
                    "short_poll.interval",
                    format!(
                        "the polling interval must be at least {MIN_POLL_INTERVAL}, e.g. \"5s\", \
                         got {interval}"
                    ),
                );
            } else if p.clients.0 as f64 / interval.as_secs_f64() > MAX_RATE_PER_S {
                problem(
                    problems,
                    "short_poll.interval",
                    format!(
                        "{} clients polling every {interval} make more than {MAX_RATE_PER_S} \
                         polls/s; poll less often or with fewer clients",
                        p.clients.0
                    ),
                );
            }
        }
        Transport::LongPoll => {
            if p.long_poll.effective_wait() == SimTime::ZERO {
                let key = if p.long_poll.client_wait.is_some() {
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
    let q = p.long_poll.queues_per_thread;
    if q == 0 || q as u64 > p.clients.0.max(1) {
        problem(
            problems,
            "long_poll.queues_per_thread",
            "expected at least 1 and at most `clients` queues per thread",
        );
    }
    if q > 1 && p.transport != Transport::LongPoll {
        problem(
            problems,
            "long_poll.queues_per_thread",
            "several queues per poller thread are modelled for transport \"long_poll\" only",
        );
    }
    check_connection(p, problems);
    let sse = &p.sse;
    if sse.streams_per_browser == 0 || sse.browser_connection_limit == 0 {
        problem(
            problems,
            "sse.streams_per_browser",
            "streams per browser and the browser connection limit must be at least 1",
        );
    }
}

fn check_connection(p: &PushParams, problems: &mut Vec<Invalid>) {
    let c = &p.connection;
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
    if c.handshake_round_trips > MAX_HANDSHAKE_ROUND_TRIPS {
        problem(
            problems,
            "connection.handshake_round_trips",
            format!("expected at most {MAX_HANDSHAKE_ROUND_TRIPS} round trips"),
        );
    }
    if c.ping_interval.0 > SimTime::from_nanos(super::client::MAX_INSTANT_NS) {
        problem(
            problems,
            "connection.ping_interval",
            "the ping interval must be below 78 h (client slots keep instants in 48 bits)",
        );
    }
    if c.auth_timeout.0 == SimTime::ZERO {
        problem(
            problems,
            "connection.auth_timeout",
            "the authentication timeout must be greater than zero",
        );
    }
    if let Some(idle) = p.load_balancer.idle_timeout
        && idle.0 < SimTime::from_secs(1)
    {
        problem(
            problems,
            "load_balancer.idle_timeout",
            "an idle timeout must be at least 1s (omit it for none)",
        );
    }
}

fn check_gateways(p: &PushParams, problems: &mut Vec<Invalid>) {
    let g = &p.gateways;
    if p.clusters.is_empty() && (g.count == 0 || g.count > MAX_GATEWAYS) {
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

fn check_pipeline(p: &PushParams, problems: &mut Vec<Invalid>) {
    let k = &p.kafka;
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
    let r = &p.processors;
    if r.replicas > MAX_PROCESSORS {
        problem(
            problems,
            "processors.replicas",
            format!("expected at most {MAX_PROCESSORS} replicas"),
        );
    }
    if r.replicas == 0 && p.autoscaling.as_ref().is_none_or(|a| !a.enabled) {
        problem(
            problems,
            "processors.replicas",
            "without autoscaling at least one processor replica is needed",
        );
    }
    if r.threads == 0 || r.threads > MAX_PROCESSOR_THREADS {
        problem(
            problems,
            "processors.threads",
            format!("expected between 1 and {MAX_PROCESSOR_THREADS} threads"),
        );
    }
    if r.max_delivery_attempts == 0 || r.max_delivery_attempts > MAX_DELIVERY_ATTEMPTS {
        problem(
            problems,
            "processors.max_delivery_attempts",
            format!("expected between 1 and {MAX_DELIVERY_ATTEMPTS} attempts"),
        );
    }
    check_dist(problems, "processors.cpu", &r.cpu);
    let (read, write) = p.registry.latencies();
    check_dist(problems, "registry.read", &read);
    check_dist(problems, "registry.write", &write);
}

fn check_autoscaling(a: &AutoscalingParams, problems: &mut Vec<Invalid>) {
    let key = |k: &str| format!("autoscaling.{k}");
    if a.lag_threshold == 0 {
        problem(
            problems,
            &key("lag_threshold"),
            "the lag threshold must be at least 1 message per replica",
        );
    }
    if a.polling_interval.0 == SimTime::ZERO {
        problem(
            problems,
            &key("polling_interval"),
            "the polling interval must be greater than zero",
        );
    }
    if a.max_replicas == 0 || a.max_replicas > MAX_PROCESSORS || a.min_replicas > a.max_replicas {
        problem(
            problems,
            &key("max_replicas"),
            format!(
                "expected 1 <= max_replicas <= {MAX_PROCESSORS} and min_replicas <= max_replicas"
            ),
        );
    }
    if !(0.0..1.0).contains(&a.tolerance) {
        problem(
            problems,
            &key("tolerance"),
            "expected a tolerance between 0 and 1 (0.1 is 10 %)",
        );
    }
    if a.scale_up_period.0 == SimTime::ZERO {
        problem(
            problems,
            &key("scale_up_period"),
            "the scale-up period must be greater than zero",
        );
    }
}

/// `[push.admission]`, `[push.reconnect] backoff` and the fault schedule.
fn check_faults(p: &PushParams, problems: &mut Vec<Invalid>) {
    for (key, message) in p.admission.validate() {
        problems.push((format!("admission.{key}"), message));
    }
    if let Some(backoff) = &p.reconnect.backoff {
        if let Err((key, message)) = backoff.validate() {
            problems.push((format!("reconnect.backoff.{key}"), message));
        }
        if backoff.max_attempts().is_some_and(|m| m > MAX_ATTEMPTS) {
            problem(
                problems,
                "reconnect.backoff.max_attempts",
                format!("expected at most {MAX_ATTEMPTS} attempts (omit it to retry forever)"),
            );
        }
    }
    if !p.faults.is_empty() && !p.transport.is_persistent() {
        problem(
            problems,
            "faults",
            "faults are modelled for the persistent transports (\"sse\", \"websocket\")",
        );
    }
    let ctx = FaultContext {
        gateways: p.gateway_count(),
        partitions: p.kafka.partitions,
        pings: p.connection.ping_interval.0 > SimTime::ZERO,
    };
    problems.extend(schedule::validate(&p.faults, &ctx));
}

/// The most gateway clusters (a cluster index is kept in 16 bits per gateway).
pub const MAX_CLUSTERS: usize = 1_000;

/// `[[push.clusters]]` and what goes with them (world, routing, regions,
/// home), as far as they can be checked without the world.
fn check_clusters(p: &PushParams, problems: &mut Vec<Invalid>) {
    if p.clusters.is_empty() {
        let lone = [
            ("world", p.world.is_some()),
            ("regions", !p.regions.is_empty()),
            ("home", p.home.is_some()),
        ];
        for (key, set) in lone {
            if set {
                problem(
                    problems,
                    key,
                    "only used with [[push.clusters]]; add a cluster or leave it out",
                );
            }
        }
        return;
    }
    if !p.transport.is_persistent() {
        problem(
            problems,
            "clusters",
            "clusters are modelled for the persistent transports (\"sse\", \"websocket\")",
        );
    }
    if p.clusters.len() > MAX_CLUSTERS {
        problem(
            problems,
            "clusters",
            format!("expected at most {MAX_CLUSTERS} clusters"),
        );
    }
    for (i, c) in p.clusters.iter().enumerate() {
        if c.gateways == 0 || c.gateways > MAX_GATEWAYS {
            problem(
                problems,
                &format!("clusters[{i}].gateways"),
                format!(
                    "expected between 1 and {MAX_GATEWAYS} gateways, got {}",
                    c.gateways
                ),
            );
        }
        if p.clusters[..i].iter().any(|other| other.site == c.site) {
            problem(
                problems,
                &format!("clusters[{i}].site"),
                format!("a second cluster at `{}`; one cluster per site", c.site),
            );
        }
    }
    if p.gateway_count() > MAX_GATEWAYS {
        problem(
            problems,
            "clusters",
            format!(
                "expected at most {MAX_GATEWAYS} gateways over all clusters, got {}",
                p.gateway_count()
            ),
        );
    }
    check_placement(p, problems);
}

/// The most registry nodes.
pub const MAX_REGISTRY_NODES: u32 = 10_000;

/// `registry.nodes`, `replicas` and the per-node rates.
fn check_registry_nodes(p: &PushParams, problems: &mut Vec<Invalid>) {
    let r = &p.registry;
    let Some(nodes) = r.nodes else {
        return;
    };
    if nodes == 0 || nodes > MAX_REGISTRY_NODES {
        problem(
            problems,
            "registry.nodes",
            format!(
                "expected between 1 and {MAX_REGISTRY_NODES} registry nodes, got {nodes} (omit it for a registry without capacity)"
            ),
        );
    }
    if r.replicas == 0 || r.replicas > nodes.max(1) {
        problem(
            problems,
            "registry.replicas",
            format!(
                "expected between 1 and registry.nodes = {nodes} replicas, got {}",
                r.replicas
            ),
        );
    }
    for (key, rate) in [
        ("registry.node_reads_per_s", r.node_reads_per_s),
        ("registry.node_writes_per_s", r.node_writes_per_s),
    ] {
        if let Some(rate) = rate
            && !(rate.0.is_finite() && rate.0 >= 1.0 && rate.0 <= 1e9)
        {
            problem(
                problems,
                key,
                format!("expected between 1/s and 1e9/s per node, got {}/s", rate.0),
            );
        }
    }
}

/// A cluster outage names the site of a cluster.
fn check_outages(p: &PushParams, problems: &mut Vec<Invalid>) {
    for (i, fault) in p.faults.iter().enumerate() {
        if let FaultSpec::ClusterOutage(o) = fault
            && !p.clusters.iter().any(|c| c.site == o.cluster)
        {
            let sites: Vec<&str> = p.clusters.iter().map(|c| c.site.as_str()).collect();
            problem(
                problems,
                &format!("faults[{i}].cluster"),
                format!(
                    "`{}` is not the site of a cluster; the clusters are at: {}",
                    o.cluster,
                    if sites.is_empty() {
                        "(none: add [[push.clusters]])".to_string()
                    } else {
                        sites.join(", ")
                    }
                ),
            );
        }
    }
}

/// Where the home site and the clients are, and how clients are routed.
fn check_placement(p: &PushParams, problems: &mut Vec<Invalid>) {
    if let Some(home) = &p.home
        && !p.clusters.iter().any(|c| &c.site == home)
    {
        problem(
            problems,
            "home",
            format!("`{home}` is not the site of a cluster"),
        );
    }
    for (i, r) in p.regions.iter().enumerate() {
        if r.share.is_some_and(|s| !(s.is_finite() && s >= 0.0)) {
            problem(
                problems,
                &format!("regions[{i}].share"),
                "expected a share of at least 0",
            );
        }
    }
    if !p.regions.is_empty() && p.regions.iter().all(|r| r.share == Some(0.0)) {
        problem(
            problems,
            "regions",
            "every share is 0: no region has clients",
        );
    }
    if let Some((key, message)) = p.routing.problem() {
        problem(problems, key, message);
    }
}

/// The cluster sites against the whole world (before the world is loaded
/// with them as its PoP selection): each must be one of its PoPs.
pub fn cluster_sites(p: &PushParams, world: &WorldSpec) -> Result<(), Invalid> {
    for (i, c) in p.clusters.iter().enumerate() {
        if world.pop_id(&c.site).is_none() {
            return Err((
                format!("clusters[{i}].site"),
                unknown_name("site", &c.site, world.pops.iter().map(|pop| &pop.name)),
            ));
        }
    }
    Ok(())
}

/// What needs the world the clusters stand in: the regions' names.
pub fn check_on_world(p: &PushParams, world: &World) -> Result<(), Vec<Invalid>> {
    let problems: Vec<Invalid> = p
        .regions
        .iter()
        .enumerate()
        .filter(|(_, r)| world.region_by_name(&r.name).is_none())
        .map(|(i, r)| {
            (
                format!("regions[{i}].name"),
                unknown_name(
                    "region",
                    &r.name,
                    world.spec().regions.iter().map(|x| &x.name),
                ),
            )
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
