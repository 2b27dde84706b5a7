//! Persistent connections (WebSocket, SSE) against the figures they must
//! reproduce: the request load is connects plus messages only, the connect
//! rate is N / E[lifetime] (REFERENCES Z18), the drop share is the offline
//! share (Z21), idle timeouts below the ping interval cut every connection
//! once per timeout (P18), and blocking I/O hits its connection limit from
//! memory alone (P6, P12).

mod push_common;

use push_common::{assert_close, metric, params, run};

/// Zuul's lifetime 1800 s - U[0, 180) s has mean 1710 s; a reconnect adds
/// the connect latency (about 0.13 s here), negligible.
const MEAN_LIFETIME_S: f64 = 1710.0;

#[test]
fn push_request_load_is_connects_plus_messages() {
    let p = params(
        r#"
        transport = "websocket"
        clients = 50000
        producer = { rate = "500/s" }
        "#,
    );
    let out = run(&p, 1, 100, 1800);
    let connects = metric(&out, "connects_per_s");
    let delivered = metric(&out, "delivered_per_s");
    assert_close(
        "requests = connects + messages",
        metric(&out, "requests_per_s"),
        connects + delivered,
        1e-9,
    );
    assert_close("connects/s", connects, 50_000.0 / MEAN_LIFETIME_S, 0.03);
    assert_close("delivered/s", delivered, 500.0, 0.02);
    // Each connect writes the record, each close removes it.
    assert_close(
        "registry writes/s",
        metric(&out, "registry_writes_per_s"),
        2.0 * connects,
        0.03,
    );
    assert_close(
        "registry reads/s",
        metric(&out, "registry_reads_per_s"),
        500.0,
        0.02,
    );
}

#[test]
fn drop_share_equals_offline_share() {
    for transport in ["websocket", "short_poll"] {
        let p = params(&format!(
            r#"
            transport = "{transport}"
            clients = 20000
            producer = {{ rate = "1000/s", offline_share = 0.3 }}
            "#
        ));
        let out = run(&p, 2, 60, 600);
        let drop = metric(&out, "drop_share");
        // 600,000 messages: the binomial standard deviation is 0.0006.
        assert!((drop - 0.3).abs() < 0.003, "{transport}: drop share {drop}");
    }
}

#[test]
fn no_message_is_lost_or_delivered_twice_under_churn() {
    // Short lifetimes, an idle timeout below the ping interval, random
    // balancing and a slow path from processor to gateway make connections
    // move while messages are on their way to them.
    let mut redeliveries = 0.0;
    for transport in ["websocket", "sse"] {
        for seed in 1..=4 {
            let p = params(&format!(
                r#"
                transport = "{transport}"
                clients = 5000
                gateways = {{ count = 3 }}
                connection = {{ lifetime = "120s", lifetime_jitter = "60s" }}
                load_balancer = {{ policy = "random", idle_timeout = "60s" }}
                network = {{ internal = {{ dist = "exponential", mean = "50ms" }} }}
                registry = {{ store = "dynamodb" }}
                producer = {{ rate = "300/s", fan_out = 2, offline_share = 0.1 }}
                "#
            ));
            let out = run(&p, seed, 30, 300);
            let what = format!("{transport} seed {seed}");
            assert_eq!(metric(&out, "messages_lost"), 0.0, "{what}");
            assert_eq!(metric(&out, "messages_duplicated"), 0.0, "{what}");
            assert_eq!(metric(&out, "messages_unaccounted"), 0.0, "{what}");
            assert!(metric(&out, "closes_idle_timeout_per_s") > 0.0, "{what}");
            assert!(metric(&out, "messages_delivered") > 1e5, "{what}");
            redeliveries += metric(&out, "redeliveries");
        }
    }
    assert!(
        redeliveries > 20.0,
        "the retry path ran {redeliveries} times"
    );
}

#[test]
fn idle_timeout_below_the_ping_interval_cuts_every_connection() {
    let text = |ping: &str| {
        format!(
            r#"
            transport = "websocket"
            clients = 6000
            connection = {{ ping_interval = "{ping}" }}
            load_balancer = {{ idle_timeout = "60s" }}
            producer = {{ rate = 0 }}
            "#
        )
    };
    // Pings every 180 s never beat a 60 s idle timer: each connection lives
    // 60 s (plus its connect latency).
    let cut = run(&params(&text("180s")), 3, 120, 1200);
    assert_close(
        "idle cuts/s",
        metric(&cut, "closes_idle_timeout_per_s"),
        6000.0 / 60.13,
        0.02,
    );
    // Pings every 30 s keep every connection open; only lifetimes rotate.
    let kept = run(&params(&text("30s")), 3, 120, 1200);
    assert_eq!(metric(&kept, "closes_idle_timeout_per_s"), 0.0);
    assert_close(
        "lifetime closes/s",
        metric(&kept, "closes_lifetime_per_s"),
        6000.0 / MEAN_LIFETIME_S,
        0.1,
    );
}

#[test]
fn thread_per_connection_limit_comes_from_memory() {
    let text = |io: &str| {
        format!(
            r#"
            transport = "websocket"
            clients = 20000
            gateways = {{ count = 1, io_model = "{io}" }}
            producer = {{ rate = "100/s" }}
            "#
        )
    };
    let blocking = run(&params(&text("thread_per_connection")), 4, 30, 120);
    // (8 GiB - 1 GiB) / (1 MiB stack + 20 KiB) = 7,030 connections.
    let limit = ((8u64 << 30) - (1 << 30)) / ((1 << 20) + (20 << 10));
    assert_eq!(
        metric(&blocking, "connections_per_gateway_max"),
        limit as f64
    );
    assert!(metric(&blocking, "connects_refused_per_s") > 0.0);
    let evented = run(&params(&text("event_loop")), 4, 30, 120);
    assert_eq!(metric(&evented, "connections_per_gateway_max"), 20000.0);
    assert_eq!(metric(&evented, "connects_refused_per_s"), 0.0);
}

#[test]
fn sse_streams_beyond_the_browser_limit_never_connect() {
    let p = params(
        r#"
        transport = "sse"
        clients = 8000
        sse = { streams_per_browser = 8, browser_connection_limit = 6 }
        producer = { rate = "100/s" }
        "#,
    );
    let out = run(&p, 5, 30, 300);
    let share = metric(&out, "connected_share");
    assert!((share - 0.75).abs() < 0.002, "connected share {share}");
}

#[test]
fn same_seed_same_numbers() {
    let p = params(
        r#"
        transport = "websocket"
        clients = 3000
        load_balancer = { policy = "random", idle_timeout = "100s" }
        producer = { rate = "300/s", offline_share = 0.2 }
        "#,
    );
    let values = |seed| -> Vec<(String, u64)> {
        run(&p, seed, 10, 200)
            .metrics
            .iter()
            .map(|m| (m.name.clone(), m.value.to_bits()))
            .collect()
    };
    assert_eq!(values(9), values(9));
    assert_ne!(values(9), values(10));
}
