//! Push limits that emerge from mechanisms: thread per connection binds on
//! CPU before the event loop at a message rate derived from its wake-up
//! cost; one memory-optimised gateway holds MailRu's 3 million
//! connections; balancer profiles cut idle connections by their real
//! idle timeouts, and an L7 balancer tier pays TLS and queues.

#[path = "push_common/mod.rs"]
mod push_common;

#[path = "common/mod.rs"]
mod common;

use edgesim::engine::SimTime;
use edgesim::models::push::costs;
use edgesim::models::push::params::{GatewayParams, IoModel};
use edgesim::prices::Prices;
use push_common::{metric, params, run};

/// One default gateway (an m4.large: 2 cores, 8 GiB) holding 5,000
/// WebSocket clients that receive `rate` messages/s, with `io_model`.
fn one_gateway(io_model: &str, rate: f64) -> edgesim::models::push::PushParams {
    params(&format!(
        r#"
transport = "websocket"
clients = 5000
[gateways]
count = 1
io_model = "{io_model}"
[producer]
rate = "{rate}/s"
[processors]
replicas = 6
"#
    ))
}

/// Messages per second a gateway of `g` can push with `threads`
/// connections: cores over one message's CPU (its `message_cost`, plus for
/// thread per connection the context switch, the cache refill and one
/// level of the run queue, the least it pays).
fn capacity_per_s(g: &GatewayParams, message_cost: SimTime, threads: u64) -> f64 {
    let per_message = match g.io_model {
        IoModel::EventLoop => message_cost,
        IoModel::ThreadPerConnection => message_cost + g.switch_cost(threads) + g.run_queue_cost.0,
    };
    g.cores as f64 / per_message.as_secs_f64()
}

#[test]
fn thread_per_connection_binds_on_cpu_before_the_event_loop() {
    let blocking = one_gateway("thread_per_connection", 1.0);
    let c = &blocking.connection;
    let limit = capacity_per_s(&blocking.gateways, c.message_cost.0, 5000);
    let loop_limit = capacity_per_s(
        &one_gateway("event_loop", 1.0).gateways,
        c.message_cost.0,
        0,
    );
    // 20 µs + 3.8 µs + 256 lines × 100 ns + 0.1 µs = 49.5 µs: about
    // 40,400 messages/s on two cores; the event loop 100,000/s.
    assert!(
        (40_000.0..41_000.0).contains(&limit),
        "thread-per-connection limit {limit}/s"
    );
    assert_eq!(loop_limit.round(), 100_000.0);
    // Equal memory: 5,000 threads of 1 MiB fit the 8 GiB of both.
    let rate = (1.5 * limit).round(); // about 60,700 messages/s
    let run_at = |io: &str, rate: f64| {
        let out = run(&one_gateway(io, rate), 1, 2, 10);
        (
            metric(&out, "gateway_cpu_utilisation"),
            metric(&out, "delivery_latency_ms_p99"),
            metric(&out, "connects_refused_per_s"),
        )
    };
    let (tpc_cpu, tpc_p99, tpc_refused) = run_at("thread_per_connection", rate);
    let (loop_cpu, loop_p99, _) = run_at("event_loop", rate);
    assert_eq!(tpc_refused, 0.0, "memory is not the limit here");
    assert!(
        tpc_cpu > 0.99,
        "thread per connection at {rate}/s: CPU {tpc_cpu}"
    );
    assert!(
        tpc_p99 > 1000.0,
        "its queue grows: delivery p99 {tpc_p99} ms"
    );
    let expected = rate / loop_limit;
    assert!(
        (loop_cpu - expected).abs() < 0.05,
        "event loop at {rate}/s: CPU {loop_cpu}, expected {expected}"
    );
    assert!(loop_p99 < 100.0, "event loop p99 {loop_p99} ms");
    // Below the limit both keep up.
    let (low_cpu, low_p99, _) = run_at("thread_per_connection", (0.5 * limit).round());
    assert!(low_cpu < 0.6 && low_p99 < 100.0, "{low_cpu} {low_p99}");
}

/// One gateway of instance profile `profile` holding `clients` idle
/// WebSocket connections (MailRu, REFERENCES P1/P6).
fn mailru_gateway(profile: &str, clients: u64) -> edgesim::models::push::PushParams {
    let mut p = params(&format!(
        r#"
transport = "websocket"
clients = {clients}
[gateways]
count = 1
profile = "{profile}"
[producer]
rate = "100/s"
"#
    ));
    costs::resolve(&mut p, &Prices::shipped()).expect("a shipped profile");
    p
}

#[test]
fn one_r5_2xlarge_holds_three_million_connections() {
    let p = mailru_gateway("r5.2xlarge", 3_000_000);
    let g = &p.gateways;
    assert_eq!((g.cores, g.memory.0), (8, 64 << 30));
    // (64 GiB − 1 GiB − 8 loop threads × 1 MiB) / 20 KiB = 3,302,604.
    let room = (g.memory.0 - g.memory_idle()) / g.memory_per_connection.0;
    assert_eq!(room, 3_302_604);
    let out = run(&p, 1, 0, 5);
    assert_eq!(metric(&out, "connects_refused_per_s"), 0.0);
    assert_eq!(metric(&out, "connections_per_gateway_max"), 3_000_000.0);
    assert!(metric(&out, "gateway_memory_bytes_max") <= g.memory.0 as f64);
    // Past the room, connections are refused: memory is the limit.
    let over = run(&mailru_gateway("r5.2xlarge", room + 50_000), 1, 0, 5);
    assert!(metric(&over, "connections_per_gateway_max") <= room as f64);
    // Half the memory (r5.xlarge, 32 GiB) cannot hold them.
    let small = mailru_gateway("r5.xlarge", 3_000_000);
    let small_room = (small.gateways.memory.0 - small.gateways.memory_idle())
        / small.gateways.memory_per_connection.0;
    assert!(small_room < 2_000_000, "{small_room}");
}

/// 6,000 WebSocket clients on two gateways behind balancer `profile`,
/// Zuul's 180 s pings, with a tier of one node per cluster.
fn behind(profile: &str) -> edgesim::models::push::PushParams {
    params(&format!(
        r#"
transport = "websocket"
clients = 6000
[gateways]
count = 2
[load_balancer]
profile = "{profile}"
nodes = 1
[producer]
rate = "10/s"
"#
    ))
}

#[test]
fn alb_cuts_idle_connections_and_nlb_does_not() {
    let alb = run(&behind("alb"), 1, 120, 240);
    let nlb = run(&behind("nlb"), 1, 120, 240);
    assert_eq!(metric(&alb, "balancer_idle_timeout_s"), 60.0);
    assert_eq!(metric(&nlb, "balancer_idle_timeout_s"), 350.0);
    // Pings every 180 s behind a 60 s timeout: each connection is cut once
    // per ~60 s, about 6,000 / 60 = 100 cuts/s (P18); a message (one per
    // client per 600 s) restarts the timer, so a cycle lasts
    // 600 s × (e^0.1 − 1) = 63 s: about 95/s.
    let cuts = metric(&alb, "closes_idle_timeout_per_s");
    assert!((85.0..105.0).contains(&cuts), "ALB cuts {cuts}/s");
    assert_eq!(metric(&nlb, "closes_idle_timeout_per_s"), 0.0);
    assert!(metric(&alb, "connects_per_s") > 20.0 * metric(&nlb, "connects_per_s"));
    // The reconnects pay TLS at the L7 nodes: far more balancer CPU.
    let (alb_cpu, nlb_cpu) = (
        metric(&alb, "balancer_cpu_cores"),
        metric(&nlb, "balancer_cpu_cores"),
    );
    assert!(
        alb_cpu > 20.0 * nlb_cpu,
        "ALB {alb_cpu} cores, NLB {nlb_cpu}"
    );
    // Pings more frequent than 60 s keep the ALB's connections open.
    let mut pinged = behind("alb");
    pinged.connection.ping_interval = edgesim::units::Duration(SimTime::from_secs(30));
    let pinged = run(&pinged, 1, 120, 240);
    assert_eq!(metric(&pinged, "closes_idle_timeout_per_s"), 0.0);
}

/// `clients` WebSocket clients on two 32-core gateways behind an L4 or L7
/// tier of one two-core node; gateway 0 crashes at 20 s.
fn storm(layer_profile: &str, clients: u32) -> edgesim::models::push::PushParams {
    params(&format!(
        r#"
transport = "websocket"
clients = {clients}
[gateways]
count = 2
cores = 32
memory = "64GiB"
[load_balancer]
profile = "{layer_profile}"
idle_timeout = "3600s"
nodes = 1
[producer]
rate = "100/s"
[[faults]]
kind = "crash"
gateway = 0
at = "20s"
"#
    ))
}

#[test]
fn an_l7_tier_queues_a_reconnect_storm_and_an_l4_tier_does_not() {
    let l7 = run(&storm("alb", 20_000), 1, 10, 40);
    let l4 = run(&storm("nlb", 20_000), 1, 10, 40);
    // 10,000 reconnects × 550 µs of TLS on two cores: about 2.75 s of
    // backlog at the L7 node; 10,000 × 5 µs on the L4 node: 25 ms.
    let (l7_p99, l4_p99) = (
        metric(&l7, "balancer_latency_ms_p99"),
        metric(&l4, "balancer_latency_ms_p99"),
    );
    assert!(l7_p99 > 2000.0, "L7 balancer p99 {l7_p99} ms");
    assert!(l4_p99 < 100.0, "L4 balancer p99 {l4_p99} ms");
    let (l7_connect, l4_connect) = (
        metric(&l7, "connect_latency_ms_p99"),
        metric(&l4, "connect_latency_ms_p99"),
    );
    assert!(
        l7_connect > l4_connect + 1500.0,
        "connect p99 L7 {l7_connect} ms, L4 {l4_connect} ms"
    );
    for out in [&l7, &l4] {
        assert_eq!(
            metric(out, "fault_reconnected_clients"),
            metric(out, "fault_affected_clients")
        );
    }
}

#[test]
fn without_a_profile_or_nodes_nothing_changes() {
    let p = params("transport = \"websocket\"\nclients = 500\n[producer]\nrate = \"10/s\"\n");
    let out = run(&p, 1, 5, 20);
    assert!(out.get("balancer_idle_timeout_s").is_none());
    assert!(out.get("balancer_utilisation").is_none());
}

const GOOD: &str = r#"schema = 1
name = "bad-balancer"
model = "push"

[run]
seed = 1
duration = "30s"

[push]
transport = "websocket"
clients = 1000

[push.load_balancer]
profile = "alb"
nodes = 2

[push.producer]
rate = "100/s"
"#;

fn rejects(text: &str, key: &str, also: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("exp.toml"), text).unwrap();
    let out = common::edgesim(dir.path(), &["run", "exp.toml", "--out", "out"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(key), "expected `{key}` in: {err}");
    assert!(err.contains(also), "expected `{also}` in: {err}");
}

#[test]
fn the_good_balancer_file_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("exp.toml"), GOOD).unwrap();
    let out = common::edgesim(dir.path(), &["run", "exp.toml", "--out", "out"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
}

#[test]
fn bad_balancer_input_exits_2_naming_the_key() {
    rejects(
        &GOOD.replace("nodes = 2", "nodes = 0"),
        "push.load_balancer.nodes",
        "between 1 and",
    );
    rejects(
        &GOOD.replace("profile = \"alb\"", "profile = \"abl\""),
        "push.load_balancer.profile",
        "did you mean \"alb\"",
    );
    rejects(
        &GOOD.replace("nodes = 2", "nodes = 2\ncores = 0"),
        "push.load_balancer.cores",
        "between 1 and",
    );
    rejects(
        &GOOD.replace("profile = \"alb\"", "profile = \"nlb\"\nlayer = \"l7\""),
        "push.load_balancer.layer",
        "L4",
    );
    rejects(
        &GOOD.replace("transport = \"websocket\"", "transport = \"short_poll\""),
        "push.load_balancer.nodes",
        "persistent",
    );
    rejects(
        &GOOD.replace(
            "[push.producer]",
            "[push.gateways]\nrun_queue_cost = \"2ms\"\n\n[push.producer]",
        ),
        "push.gateways.run_queue_cost",
        "at most",
    );
}
