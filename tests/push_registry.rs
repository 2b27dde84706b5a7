//! The push registry as nodes with capacity (`registry.nodes`): a crash's
//! reconnect storm queues its registry writes at the nodes, so the
//! registry's p99 grows with the storm and falls with the node count.

#[path = "push_common/mod.rs"]
mod push_common;

use push_common::{metric, params, run};

/// `clients` WebSocket clients on two gateways, gateway 0 crashing at
/// 20 s, against a DynamoDB-like registry (1,000 writes/s per partition)
/// of `nodes` nodes.
fn storm(clients: u32, nodes: u32) -> edgesim::models::push::PushParams {
    params(&format!(
        r#"
transport = "websocket"
clients = {clients}
[gateways]
count = 2
[producer]
rate = "100/s"
[registry]
store = "dynamodb"
nodes = {nodes}
[[faults]]
kind = "crash"
gateway = 0
at = "20s"
"#
    ))
}

#[test]
fn registry_p99_grows_with_the_storm_and_falls_with_nodes() {
    let p99 = |clients, nodes| {
        let out = run(&storm(clients, nodes), 1, 10, 60);
        assert_eq!(
            metric(&out, "fault_reconnected_clients"),
            metric(&out, "fault_affected_clients")
        );
        (
            metric(&out, "registry_latency_ms_p99"),
            metric(&out, "connect_latency_ms_p99"),
            metric(&out, "registry_utilisation_max"),
        )
    };
    let (small, _, _) = p99(2000, 1);
    let (big, big_connect, busy) = p99(8000, 1);
    let (spread, spread_connect, _) = p99(8000, 4);
    // 4,000 re-registrations at 1,000 writes/s queue about 4 s at one node.
    assert!(big > 2000.0, "one node, 4,000 writes at once: p99 {big} ms");
    assert!(
        big > 2.0 * small,
        "p99 {small} ms for 1,000 writes, {big} ms for 4,000"
    );
    assert!(
        spread < big / 2.0,
        "four nodes: p99 {spread} ms, one node {big} ms"
    );
    assert!(
        spread_connect < big_connect,
        "connect p99 {spread_connect} ms vs {big_connect} ms"
    );
    assert!(busy > 0.0 && busy < 1.0, "utilisation {busy}");
}

#[test]
fn without_nodes_the_registry_has_no_capacity_metrics() {
    let p = params("transport = \"websocket\"\nclients = 500\n[producer]\nrate = \"10/s\"\n");
    let out = run(&p, 1, 5, 20);
    assert!(out.get("registry_latency_ms_p99").is_none());
}
