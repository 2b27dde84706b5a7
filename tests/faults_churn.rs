//! Churn without a crash: load balancers that cut idle connections
//! (REFERENCES §8 item 4, P13–P18) and lifetime rotation with and without
//! Zuul's dither (§8 item 2, Z10–Z12, Z16–Z18).

mod faults_common;

use faults_common::{assert_close, metric, params, run};

/// Zuul's lifetime 1800 s - U[0, 180) s has mean 1710 s.
const MEAN_LIFETIME_S: f64 = 1710.0;
/// Connect latency (5 one-way hops of 25 ms plus handshake and registry).
const CONNECT_S: f64 = 0.13;

#[test]
fn idle_timeout_churn_is_n_over_the_timeout_unless_pings_beat_it() {
    let n = 6000.0;
    for ping in [30u64, 180] {
        for timeout in [60u64, 100, 350] {
            let p = params(&format!(
                r#"
                transport = "websocket"
                clients = {n}
                connection = {{ ping_interval = "{ping}s" }}
                load_balancer = {{ layer = "l7", idle_timeout = "{timeout}s" }}
                producer = {{ rate = 0 }}
                "#
            ));
            let out = run(&p, ping + timeout, 400, 2200);
            let what = format!("ping {ping} s, idle timeout {timeout} s");
            let cuts = metric(&out, "closes_idle_timeout_per_s");
            let connects = metric(&out, "connects_per_s");
            if ping >= timeout {
                let expected = n / (timeout as f64 + CONNECT_S);
                assert_close(&format!("{what}: idle cuts/s"), cuts, expected, 0.02);
                assert_close(&format!("{what}: connects/s"), connects, expected, 0.02);
            } else {
                assert_eq!(cuts, 0.0, "{what}");
                assert_close(
                    &format!("{what}: connects/s"),
                    connects,
                    n / MEAN_LIFETIME_S,
                    0.1,
                );
            }
        }
    }
}

#[test]
fn lifetime_dither_dissolves_the_recurring_herd() {
    // 20,000 clients connect within 10 s, then recycle for six hours; the
    // peak is measured over the last hour.
    let text = |jitter: &str| {
        format!(
            r#"
            transport = "websocket"
            clients = 20000
            connection = {{ connect_ramp = "10s", lifetime_jitter = "{jitter}" }}
            producer = {{ rate = 0 }}
            "#
        )
    };
    let fixed = run(&params(&text("0s")), 7, 5 * 3600, 6 * 3600);
    let dithered = run(&params(&text("180s")), 7, 5 * 3600, 6 * 3600);
    let herd = metric(&fixed, "connect_attempts_per_s_peak");
    // The whole population within the 10 s of the first burst, every cycle.
    assert!(
        (1800.0..2400.0).contains(&herd),
        "fixed lifetime: peak {herd}/s"
    );
    let spread = metric(&dithered, "connect_attempts_per_s_peak");
    assert!(
        spread < herd / 10.0,
        "dithered lifetime: peak {spread}/s against {herd}/s"
    );
    assert!(spread > 20_000.0 / MEAN_LIFETIME_S, "{spread}");
}
