//! Reconnect storms against the figures they must reproduce (REFERENCES §8
//! item 3, Z7): a crashed gateway's clients all come back at once unless
//! they jitter; full jitter spreads them over its window; a slow drain
//! keeps the reconnect rate at its pace; migration needs no reconnect;
//! Zuul's defaults end in a herd at the force close; admission limits turn
//! a storm away and the clients' backoff brings it back.

mod faults_common;

use faults_common::{assert_close, metric, params, run};

/// 100,000 clients on 10 gateways: about 10,000 per gateway.
fn cluster(extra: &str) -> String {
    format!(
        r#"
        transport = "websocket"
        clients = 100000
        gateways = {{ count = 10 }}
        producer = {{ rate = "500/s" }}
        {extra}
        "#
    )
}

fn crash(backoff: &str) -> String {
    cluster(&format!(
        r#"
        reconnect = {{ backoff = {backoff} }}
        [[faults]]
        kind = "crash"
        gateway = 3
        at = "300s"
        "#
    ))
}

#[test]
fn the_burst_after_a_crash_equals_the_nodes_connections() {
    let out = run(&params(&crash(r#"{ policy = "immediate" }"#)), 1, 200, 400);
    let crashed = metric(&out, "crashed_connections");
    assert!((9_000.0..11_000.0).contains(&crashed), "{crashed}");
    assert_eq!(metric(&out, "fault_affected_clients"), crashed);
    assert_eq!(metric(&out, "fault_reconnected_clients"), crashed);
    // Every one of them reconnects within the same second.
    assert_close(
        "storm reconnects/s",
        metric(&out, "storm_reconnects_per_s_peak"),
        crashed,
        0.01,
    );
    // Accepted attempts: the herd plus the lifetime rotation (~58/s).
    let attempts = metric(&out, "connects_accepted_per_s_peak");
    assert!(
        attempts >= crashed && attempts < crashed + 150.0,
        "{attempts}"
    );
    // Each reconnect writes the registry once (the crash leaves phantoms).
    let writes = metric(&out, "registry_writes_per_s_peak");
    assert!(writes >= crashed && writes < crashed + 300.0, "{writes}");
    assert!(metric(&out, "time_to_reconnect_100_s") < 1.0);
}

#[test]
fn full_jitter_spreads_the_burst_over_its_window() {
    // First retry: U(0, min(cap, 2 × base)) = U(0, 10 s).
    let jitter = r#"{ policy = "full-jitter", base = "5s", cap = "60s" }"#;
    let out = run(&params(&crash(jitter)), 2, 200, 400);
    let crashed = metric(&out, "crashed_connections");
    let peak = metric(&out, "storm_reconnects_per_s_peak");
    let window_s = 10.0;
    assert!(
        peak >= 0.9 * crashed / window_s && peak <= 1.2 * crashed / window_s,
        "peak {peak}/s, expected about {} / {window_s} s",
        crashed
    );
    let done = metric(&out, "time_to_reconnect_100_s");
    assert!((9.0..11.0).contains(&done), "{done}");
    assert_eq!(metric(&out, "fault_clients_not_reconnected"), 0.0);
    // Without jitter the exponential backoff only moves the herd 10 s later.
    let expo = r#"{ policy = "exponential", base = "5s", cap = "60s" }"#;
    let out = run(&params(&crash(expo)), 2, 200, 400);
    let herd = metric(&out, "storm_reconnects_per_s_peak");
    assert_close("no-jitter herd", herd, crashed, 0.02);
}

fn drain(shutdown: &str) -> String {
    cluster(&format!(
        r#"
        [[faults]]
        kind = "drain"
        gateway = 3
        at = "300s"
        restart_after = "60s"
        shutdown = {shutdown}
        "#
    ))
}

#[test]
fn a_slow_drain_keeps_the_peak_at_its_rate() {
    let out = run(
        &params(&drain(r#"{ strategy = "slow", rate = "200/s" }"#)),
        3,
        200,
        500,
    );
    let peak = metric(&out, "storm_reconnects_per_s_peak");
    assert!((180.0..=210.0).contains(&peak), "storm peak {peak}/s");
    // With the lifetime rotation (~58/s) the gateways never see more.
    let attempts = metric(&out, "connect_attempts_per_s_peak");
    assert!(attempts < 200.0 + 110.0, "attempts {attempts}/s");
    let drained = metric(&out, "fault_affected_clients");
    assert_eq!(metric(&out, "fault_reconnected_clients"), drained);
    let done = metric(&out, "time_to_reconnect_100_s");
    assert_close("drain time", done, drained / 200.0, 0.03);
    let at_once = run(
        &params(&drain(r#"{ strategy = "all-at-once" }"#)),
        3,
        200,
        500,
    );
    let herd = metric(&at_once, "storm_reconnects_per_s_peak");
    assert_close(
        "all-at-once herd",
        herd,
        metric(&at_once, "fault_affected_clients"),
        0.01,
    );
}

#[test]
fn migration_moves_connections_without_a_reconnect() {
    let out = run(
        &params(&drain(r#"{ strategy = "migrate", rate = "1000/s" }"#)),
        4,
        200,
        500,
    );
    let moved = metric(&out, "migrations");
    assert!(moved > 9_000.0, "{moved}");
    assert_eq!(metric(&out, "fault_affected_clients"), 0.0);
    assert_eq!(metric(&out, "closes_drain_per_s"), 0.0);
    assert_eq!(metric(&out, "messages_lost"), 0.0);
    // One registry write per migrated connection, at the migration pace.
    let writes = metric(&out, "registry_writes_per_s_peak");
    assert!(writes > 1000.0 && writes < 1000.0 + 250.0, "{writes}");
}

#[test]
fn zuul_defaults_end_in_a_herd_at_the_force_close() {
    let out = run(&params(&drain(r#"{ strategy = "zuul" }"#)), 5, 200, 500);
    // Idle push connections have no "next response" to close after: most
    // wait for the force close, 2 s + 30 s after the drain began (Z23, Z24).
    let affected = metric(&out, "fault_affected_clients");
    let herd = metric(&out, "storm_reconnects_per_s_peak");
    assert!(herd > 0.7 * affected, "herd {herd} of {affected}");
    let done = metric(&out, "time_to_reconnect_100_s");
    assert!((32.0..33.0).contains(&done), "{done}");
}

#[test]
fn admission_limits_turn_the_storm_away_and_backoff_brings_it_back() {
    let text = cluster(
        r#"
        admission = { rate = "100/s" }
        reconnect = { backoff = { policy = "full-jitter", base = "1s", cap = "60s" } }
        [[faults]]
        kind = "crash"
        gateway = 3
        at = "300s"
        "#,
    );
    let out = run(&params(&text), 6, 200, 900);
    // Nine survivors accept at most 100/s each after their one-second burst.
    let accepted = metric(&out, "connects_accepted_per_s_peak");
    assert!(accepted <= 9.0 * 200.0, "accepted {accepted}/s");
    assert!(metric(&out, "connects_refused_per_s_peak") > 500.0);
    assert_eq!(metric(&out, "fault_clients_not_reconnected"), 0.0);
    // Slower than an unlimited cluster, but everyone is back.
    let done = metric(&out, "time_to_reconnect_100_s");
    assert!(done > 5.0, "{done}");
}

#[test]
fn an_overloaded_gateway_refuses_instead_of_timing_out() {
    // 5 ms of CPU per handshake on one core: 200 connects/s. A herd of
    // 5,000 would wait up to 25 s, past the 8 s authentication timeout.
    let text = |admission: &str| {
        format!(
            r#"
            transport = "websocket"
            clients = 10000
            gateways = {{ count = 2, cores = 1 }}
            connection = {{ handshake_cost = "5ms" }}
            producer = {{ rate = "10/s" }}
            reconnect = {{ backoff = {{ policy = "full-jitter", base = "2s", cap = "60s" }} }}
            {admission}
            [[faults]]
            kind = "crash"
            gateway = 0
            at = "100s"
            restart_after = "1s"
            "#
        )
    };
    let queued = run(&params(&text("")), 8, 50, 900);
    assert!(metric(&queued, "closes_auth_timeout_per_s") > 0.0);
    let limited = run(
        &params(&text("admission = { max_cpu_queue = 400 }")),
        8,
        50,
        900,
    );
    assert_eq!(metric(&limited, "closes_auth_timeout_per_s"), 0.0);
    assert!(metric(&limited, "connects_refused_per_s_peak") > 100.0);
    for out in [&queued, &limited] {
        assert_eq!(metric(out, "fault_clients_not_reconnected"), 0.0);
    }
}
