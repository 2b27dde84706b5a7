//! Back-ends with capacity and the Zuul filter chain (`docs/push.md`):
//! registry record TTL and refresh, Kafka brokers, rate limits and priority
//! load shedding. Truth tests (refresh write rate, broker utilisation,
//! message accounting over seeds), direction tests at reduced size, and bad
//! input that exits 2 naming the key.

mod common;
#[path = "push_common/mod.rs"]
mod push_common;

use std::fs;

use common::{edgesim, stderr};
use edgesim::models::push::{PushParams, check};
use push_common::{metric, params, run};

/// `clients` WebSocket clients on `gateways` two-core gateways, 1,000
/// messages/s, with `extra` appended (tables of `[push]`).
fn ws(clients: u32, gateways: u32, extra: &str) -> PushParams {
    params(&format!(
        r#"
transport = "websocket"
clients = {clients}
upstream_rate = "0.05/s"
[gateways]
count = {gateways}
[producer]
rate = "1000/s"
{extra}
"#
    ))
}

const CRASH: &str = r#"
[[faults]]
kind = "crash"
gateway = 0
at = "20s"
"#;

#[test]
fn shedding_keeps_connected_clients_within_the_slo() {
    // 10,000 clients of gateway 0 reconnect at once onto gateway 1: 10,000
    // handshakes of 650 us on two cores are 3.25 s of queue for the
    // deliveries of the 10,000 clients still connected there.
    const SLO_MS: f64 = 250.0;
    let base = format!("{CRASH}\n[filters]\nlow_priority_share = 0.5\n");
    let shed = format!("{base}shedding = true\nshed_queue = 200\n");
    let none = run(&ws(20_000, 2, &base), 1, 10, 40);
    let with = run(&ws(20_000, 2, &shed), 1, 10, 40);
    let (p_none, p_with) = (
        metric(&none, "delivery_latency_ms_p99"),
        metric(&with, "delivery_latency_ms_p99"),
    );
    assert!(p_none > SLO_MS, "no shedding: p99 {p_none} ms");
    assert!(p_with < SLO_MS, "shedding: p99 {p_with} ms");
    assert_eq!(metric(&none, "shed_requests"), 0.0);
    assert!(metric(&with, "shed.connect") > 1000.0);
    // Every client cut by the crash is back (shed connects retry).
    assert_eq!(
        metric(&with, "fault_reconnected_clients"),
        metric(&with, "fault_affected_clients")
    );
    // Shed before TLS (the default chain), a connect costs only the refusal.
    assert!(metric(&with, "refused_cpu_s_per_s") > 0.0);
    // After TLS each shed connect has paid its handshake: the queue stays.
    let late = format!("{shed}chain = [\"tls\", \"auth\", \"rate_limit\", \"shed\"]\n");
    let late = run(&ws(20_000, 2, &late), 1, 10, 40);
    assert!(metric(&late, "refused_cpu_s_per_s") > 5.0 * metric(&with, "refused_cpu_s_per_s"));
}

#[test]
fn a_rate_limit_before_tls_saves_what_one_after_it_spends() {
    let limit = |chain: &str| {
        let extra = format!("{CRASH}\n[filters]\n{chain}connect_global = {{ rate = \"500/s\" }}\n");
        run(&ws(20_000, 2, &extra), 1, 10, 40)
    };
    let after = limit("");
    let before = limit("chain = [\"rate_limit\", \"shed\", \"tls\", \"auth\"]\n");
    let (a, b) = (
        metric(&after, "refused_cpu_s_per_s"),
        metric(&before, "refused_cpu_s_per_s"),
    );
    assert!(metric(&after, "rate_limited.connect") > 1000.0);
    assert!(a > 10.0 * b, "refused CPU after TLS {a}, before {b}");
}

#[test]
fn no_message_lost_or_duplicated_with_filters_and_brokers() {
    let extra = r#"
[kafka]
capacity = true
brokers = 3
[registry]
nodes = 2
ttl = "60s"
refresh_interval = "20s"
[connection]
lifetime = "120s"
lifetime_jitter = "30s"
[filters]
shedding = true
shed_queue = 50
low_priority_share = 0.3
upstream_per_user = { rate = "1.5/s", burst = 3 }
connect_global = { rate = "400/s" }
"#;
    for seed in 1..=4 {
        let out = run(&ws(4_000, 2, extra), seed, 0, 200);
        let published = metric(&out, "messages_published");
        let accounted = metric(&out, "messages_delivered")
            + metric(&out, "messages_dropped_offline")
            + metric(&out, "messages_lost")
            + metric(&out, "messages_shed")
            + metric(&out, "messages_in_flight_end");
        assert_eq!(published, accounted, "seed {seed}");
        assert_eq!(metric(&out, "messages_duplicated"), 0.0, "seed {seed}");
        assert_eq!(metric(&out, "messages_unaccounted"), 0.0, "seed {seed}");
        assert_eq!(metric(&out, "messages_lost"), 0.0, "seed {seed}");
        assert_eq!(metric(&out, "kafka_produce_refused"), 0.0, "seed {seed}");
        assert!(metric(&out, "messages_delivered") > 0.9 * published);
    }
}

#[test]
fn refresh_writes_are_connections_over_the_interval() {
    let extra = r#"
[registry]
nodes = 1
ttl = "60s"
refresh_interval = "10s"
"#;
    let out = run(&ws(5_000, 2, extra), 1, 10, 60);
    let expected = metric(&out, "connections_mean") / 10.0;
    let got = metric(&out, "registry_refresh_writes_per_s");
    assert!(
        (got - expected).abs() < 0.01 * expected,
        "{got} vs {expected}"
    );
}

#[test]
fn a_crashed_gateways_records_expire_after_the_ttl() {
    // Clients back off up to 60 s after the crash: without a TTL every
    // message to one not yet back meets its phantom record and is lost
    // after three lookups; with a 15 s TTL (5 s refresh) the records
    // expire 10-15 s after the crash and later messages are dropped as to
    // an offline user.
    let extra = |ttl: &str| {
        format!(
            "{CRASH}\n[reconnect]\nbackoff = {{ policy = \"full-jitter\", base = \"60s\", cap = \"60s\" }}\n[registry]\n{ttl}"
        )
    };
    let without = run(&ws(4_000, 2, &extra("")), 1, 10, 60);
    let with = run(
        &ws(
            4_000,
            2,
            &extra("ttl = \"15s\"\nrefresh_interval = \"5s\"\n"),
        ),
        1,
        10,
        60,
    );
    let (lost0, lost1) = (
        metric(&without, "messages_lost"),
        metric(&with, "messages_lost"),
    );
    assert!(lost0 > 1000.0, "no TTL: {lost0} lost");
    assert!(lost1 < lost0 / 2.0, "TTL: {lost1} lost, none: {lost0}");
    assert!(metric(&with, "registry_records_expired") > 500.0);
    assert!(metric(&with, "registry_stale_lookups") > 0.0);
    let gone = |o| metric(o, "messages_lost") + metric(o, "messages_dropped_offline");
    let (g0, g1) = (gone(&without), gone(&with));
    assert!((g0 - g1).abs() < 0.2 * g0, "undelivered {g0} vs {g1}");
}

#[test]
fn broker_utilisation_is_the_offered_load_and_its_queue_delays_delivery() {
    let brokers = |rate: &str| {
        let extra = format!("[kafka]\ncapacity = true\nbrokers = 2\nbroker_rate = \"{rate}\"\n");
        run(&ws(2_000, 2, &extra), 1, 10, 60)
    };
    let fast = brokers("100000/s");
    let slow = brokers("600/s");
    // 1,000 messages/s over two brokers of 100,000/s: 0.5 % each.
    let u = metric(&fast, "broker_utilisation");
    assert!((u - 0.005).abs() < 0.0005, "utilisation {u}");
    assert!(metric(&slow, "broker_utilisation_max") > 0.7);
    let (pf, ps) = (
        metric(&fast, "delivery_latency_ms_p99"),
        metric(&slow, "delivery_latency_ms_p99"),
    );
    assert!(ps > pf + 2.0, "p99 {pf} ms fast brokers, {ps} ms slow");
}

/// The key `check` names for `extra` (tables of `[push]`).
fn rejected_key(extra: &str) -> String {
    let text = format!("transport = \"websocket\"\nclients = 100\n{extra}");
    let p: PushParams = toml::from_str(&text).expect("parses");
    let problems = check(&p).expect_err("rejected");
    problems[0].0.clone()
}

#[test]
fn bad_backend_and_filter_values_name_their_key() {
    for (extra, key) in [
        ("[filters]\nshed_threshold = 1.5", "filters.shed_threshold"),
        ("[filters]\nshed_threshold = 0.0", "filters.shed_threshold"),
        ("[filters]\nshed_queue = 0", "filters.shed_queue"),
        (
            "[filters]\nconnect_global = { rate = \"0/s\" }",
            "filters.connect_global.rate",
        ),
        (
            "[filters]\npoll_per_user = { rate = \"0/s\" }",
            "filters.poll_per_user.rate",
        ),
        ("[filters]\nchain = [\"tls\", \"tls\"]", "filters.chain[1]"),
        ("[kafka]\nbrokers = 0", "kafka.brokers"),
        ("[kafka]\npartitions = 0", "kafka.partitions"),
        ("[kafka]\nbroker_rate = \"0/s\"", "kafka.broker_rate"),
        ("[registry]\nttl = \"0s\"", "registry.ttl"),
        ("[registry]\nttl = \"60s\"", "registry.ttl"),
        (
            "[registry]\nttl = \"60s\"\nrefresh_interval = \"60s\"",
            "registry.refresh_interval",
        ),
        (
            "[registry]\nrefresh_interval = \"5s\"",
            "registry.refresh_interval",
        ),
    ] {
        assert_eq!(rejected_key(extra), key, "{extra}");
    }
}

#[test]
fn bad_input_exits_2_from_the_cli() {
    for (table, key) in [
        (
            "[push.filters]\nshed_threshold = 2.0\n",
            "push.filters.shed_threshold",
        ),
        (
            "[push.filters]\nupstream_global = { rate = \"0/s\" }\n",
            "push.filters.upstream_global.rate",
        ),
        ("[push.kafka]\nbrokers = 0\n", "push.kafka.brokers"),
        ("[push.registry]\nttl = \"0s\"\n", "push.registry.ttl"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "schema = 1\nname = \"bad\"\nmodel = \"push\"\n[run]\nseed = 1\nduration = \"10s\"\n[push]\ntransport = \"websocket\"\nclients = 100\n{table}"
        );
        fs::write(dir.path().join("exp.toml"), text).unwrap();
        let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "out"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(key), "message does not name `{key}`: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn the_shipped_filters_experiment_runs_and_shedding_wins() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::root().join("experiments/push-zuul-filters.toml");
    let path = path.display().to_string();
    let args = [
        "run",
        path.as_str(),
        "--out",
        "out",
        "--set",
        "run.replications=1",
        "--set",
        "run.duration=80s",
    ];
    let out = edgesim(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut summary = csv::Reader::from_path(dir.path().join("out/summary.csv")).unwrap();
    let header = summary.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (point, metric_col, mean) = (col("point"), col("metric"), col("mean"));
    let mut p99 = Vec::new();
    for row in summary.records() {
        let row = row.unwrap();
        if &row[metric_col] == "delivery_latency_ms_p99" {
            p99.push((row[point].to_string(), row[mean].parse::<f64>().unwrap()));
        }
    }
    assert_eq!(p99.len(), 5, "{p99:?}");
    // Point 0: no limits; point 3: shedding before TLS (the default chain).
    assert!(p99[3].1 < p99[0].1 / 4.0, "{p99:?}");
}
