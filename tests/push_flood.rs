//! Connection floods at the gateways (`[[push.attack]]`): a handshake
//! flood takes the gateways' CPU from legitimate connects and deliveries,
//! an admission limit on the CPU queue keeps deliveries on time, a
//! slowloris flood holds about rate x auth_timeout connections (Little's
//! law), every bot connection is counted once, and bad floods are refused
//! naming the key.

#[path = "push_common/mod.rs"]
mod push_common;

use edgesim::models::push::{PushParams, check};
use push_common::{assert_close, metric, params, run};

/// 20,000 WebSocket clients whose connections last 20 s (1,000 connects/s)
/// on two two-core gateways (4,000 handshakes/s each), with `extra`.
fn churning(extra: &str) -> PushParams {
    churning_on("", extra)
}

/// As [`churning`], with `gateway` keys added to `[gateways]`.
fn churning_on(gateway: &str, extra: &str) -> PushParams {
    params(&format!(
        r#"
transport = "websocket"
clients = 20000
[gateways]
count = 2
{gateway}
[connection]
lifetime = "20s"
lifetime_jitter = "10s"
[producer]
rate = "500/s"
{extra}
"#
    ))
}

const HANDSHAKE_FLOOD: &str = r#"
[[attack]]
at = "20s"
duration = "30s"
rate = "12k/s"
"#;

#[test]
fn a_handshake_flood_takes_the_cpu_from_legitimate_clients() {
    let calm = run(&churning(""), 1, 20, 30);
    let flood = run(&churning(HANDSHAKE_FLOOD), 1, 20, 30);
    let (c, f) = (
        metric(&calm, "delivery_latency_ms_p99"),
        metric(&flood, "delivery_latency_ms_p99"),
    );
    assert!(
        f > 10.0 * c,
        "delivery p99 {f} ms under the flood, {c} ms calm"
    );
    let failed = metric(&flood, "legit_connect_failed_share");
    assert!(failed > 0.2, "legitimate connects failed: {failed}");
    assert!(metric(&flood, "attack.accepted") > 100_000.0);
    assert!(calm.get("attack.connections").is_none());
}

#[test]
fn a_cpu_queue_limit_keeps_deliveries_on_time_under_the_flood() {
    let open = run(&churning(HANDSHAKE_FLOOD), 2, 20, 30);
    let limited = format!("{HANDSHAKE_FLOOD}\n[admission]\nmax_cpu_queue = 200\n");
    let limited = run(&churning(&limited), 2, 20, 30);
    let (o, l) = (
        metric(&open, "delivery_latency_ms_p99"),
        metric(&limited, "delivery_latency_ms_p99"),
    );
    assert!(
        l < 0.1 * o,
        "delivery p99 {l} ms with the limit, {o} ms without"
    );
    let refused = metric(&limited, "attack.refused") / metric(&limited, "attack.connections");
    assert!(refused > 0.2, "refused share of the flood {refused}");
}

#[test]
fn a_slowloris_flood_holds_rate_times_auth_timeout_connections() {
    // 1,000 bots/s, each holding its connection for a minute, cut by the
    // 8 s authentication timeout: about 8,000 held at once.
    let slow = r#"
[[attack]]
at = "10s"
duration = "40s"
rate = "1k/s"
hold = "60s"
"#;
    let out = run(&churning(slow), 3, 10, 40);
    let held = metric(&out, "attack.held_peak");
    assert_close("connections held", held, 8_000.0, 0.05);
    assert_eq!(metric(&out, "attack.refused"), 0.0);
}

#[test]
fn every_flood_connection_is_counted_once_over_seeds() {
    for seed in 1..=4 {
        // A handshake flood; and a slowloris one that fills memory.
        let slow = "[[attack]]\nat = \"5s\"\nduration = \"40s\"\nrate = \"3k/s\"\nhold = \"5s\"\n";
        for (gateway, extra) in [("", HANDSHAKE_FLOOD), ("memory = \"1100MiB\"", slow)] {
            let p = churning_on(gateway, extra);
            let out = run(&p, seed, 10, 30);
            let ended: f64 = [
                "attack.unrouted",
                "attack.refused",
                "attack.closed",
                "attack.in_flight",
            ]
            .iter()
            .map(|m| metric(&out, m))
            .sum();
            assert_eq!(ended, metric(&out, "attack.connections"), "seed {seed}");
        }
    }
}

#[test]
fn bad_floods_are_refused_naming_the_key() {
    let parse = |extra: &str, transport: &str| -> PushParams {
        toml::from_str(&format!(
            "transport = \"{transport}\"\nclients = 1000\n[producer]\nrate = \"10/s\"\n{extra}"
        ))
        .expect("parses")
    };
    let cases = [
        (
            "[[attack]]\nat = \"1s\"\nduration = \"1s\"\nrate = \"0/s\"\n",
            "websocket",
            "attack[0].rate",
        ),
        (
            "[[attack]]\nat = \"1s\"\nduration = \"0s\"\nrate = \"1/s\"\n",
            "websocket",
            "attack[0].duration",
        ),
        (
            "[[attack]]\nat = \"1s\"\nduration = \"1s\"\nrate = \"1/s\"\n",
            "short_poll",
            "attack",
        ),
        (
            "[[attack]]\nat = \"1s\"\nduration = \"3000d\"\nrate = \"10k/s\"\n",
            "websocket",
            "attack",
        ),
    ];
    for (extra, transport, key) in cases {
        let problems = check(&parse(extra, transport)).expect_err(extra);
        assert!(
            problems.iter().any(|(k, _)| k == key),
            "{extra}: {problems:?}"
        );
    }
    let many: String = (0..17)
        .map(|i| format!("[[attack]]\nat = \"{i}s\"\nduration = \"1s\"\nrate = \"1/s\"\n"))
        .collect();
    let problems = check(&parse(&many, "websocket")).expect_err("17 floods");
    assert!(
        problems.iter().any(|(_, m)| m.contains("at most 16")),
        "{problems:?}"
    );
}
