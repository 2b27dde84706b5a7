//! Idle connections cost memory, not events: under 100 bytes of simulator
//! state per connected client, and no event per idle connection.

mod push_common;

use push_common::{metric, params, run};

#[test]
fn idle_connections_cost_bytes_not_events() {
    let p = params(
        r#"
        transport = "websocket"
        clients = 1000000
        gateways = { count = 10, memory = "64GiB" }
        producer = { rate = 0 }
        "#,
    );
    let out = run(&p, 1, 0, 60);
    let bytes = metric(&out, "sim_state_bytes_per_client");
    assert!(bytes < 100.0, "{bytes} bytes of state per client");
    assert!(metric(&out, "connected_share") > 0.999);
    // In 60 s about 1e6 * 60 / 1710 = 35,000 connections rotate (a handful
    // of events each) and each second brings a wheel tick and the ping
    // batches: far fewer events than connections.
    let per_client = out.events as f64 / 1e6;
    assert!(per_client < 0.25, "{per_client} events per idle client");
}
