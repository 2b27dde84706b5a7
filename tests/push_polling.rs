//! Polling against theory (REFERENCES §8 item 5, RFC 6202 §2.2): short-poll
//! delivery waits half an interval on average and the request rate is
//! users / interval; a long poll delivers in about one network transit,
//! never more than three; one poller thread over several queues adds
//! head-of-line delay.

mod push_common;

use push_common::{assert_close, metric, params, run};

const TRANSIT_MS: f64 = 25.0;
/// The default L4 balancer adds 50 µs one way.
const HOP_MS: f64 = TRANSIT_MS + 0.05;

#[test]
fn short_poll_waits_half_an_interval_and_asks_users_per_interval() {
    let p = params(
        r#"
        transport = "short_poll"
        clients = 20000
        short_poll = { interval = "10s" }
        network = { transit = { dist = "deterministic", value = "25ms" } }
        producer = { rate = "200/s" }
        "#,
    );
    for seed in [1, 2] {
        let out = run(&p, seed, 60, 1200);
        // A message waits for the next poll, U(0, interval), then the answer's transit.
        let expected_ms = 10_000.0 / 2.0 + HOP_MS;
        assert_close(
            "mean delivery latency",
            metric(&out, "delivery_latency_ms_mean"),
            expected_ms,
            0.01,
        );
        assert_close(
            "requests/s",
            metric(&out, "requests_per_s"),
            20_000.0 / 10.0,
            0.002,
        );
        // Per-user Poisson rate 0.01/s: P(no message in 10 s) = exp(-0.1).
        let empty = metric(&out, "empty_share");
        assert!(
            (empty - (-0.1f64).exp()).abs() < 0.003,
            "empty share {empty}"
        );
        assert_eq!(metric(&out, "messages_lost"), 0.0);
    }
}

#[test]
fn long_poll_delivers_in_about_one_transit() {
    let p = params(
        r#"
        transport = "long_poll"
        clients = 20000
        long_poll = { wait = "30s" }
        network = { transit = { dist = "deterministic", value = "25ms" } }
        producer = { rate = "100/s" }
        "#,
    );
    let out = run(&p, 3, 60, 1200);
    let mean = metric(&out, "delivery_latency_ms_mean");
    assert!(
        (HOP_MS..1.1 * HOP_MS).contains(&mean),
        "mean latency {mean} ms, one transit is {HOP_MS} ms"
    );
    // A renewal cycle per user: parked until a message (rate 0.005/s) or
    // the 30 s wait, whichever is first, then two transits to the next poll.
    let rate = 100.0 / 20_000.0;
    let parked_s = (1.0 - (-rate * 30.0f64).exp()) / rate;
    let expected = 20_000.0 / (parked_s + 2.0 * HOP_MS / 1e3);
    assert_close("requests/s", metric(&out, "requests_per_s"), expected, 0.02);
}

#[test]
fn long_poll_worst_case_is_three_transits() {
    // One message per user per second: messages often land while the
    // answer to the previous one and the next request are on the wire.
    let p = params(
        r#"
        transport = "long_poll"
        clients = 100
        network = { transit = { dist = "deterministic", value = "25ms" } }
        producer = { rate = "100/s" }
        "#,
    );
    let out = run(&p, 4, 10, 600);
    let h = &out.histograms[0].histogram;
    let max_ms = h.max().unwrap().as_millis_f64();
    assert!(max_ms > 2.5 * HOP_MS, "max {max_ms} ms");
    // Three transits plus the broker's CPU for the re-poll.
    assert!(max_ms < 3.0 * HOP_MS + 2.0, "max {max_ms} ms");
}

#[test]
fn one_thread_over_many_queues_adds_head_of_line_delay() {
    let text = |per_thread: u32| {
        format!(
            r#"
            transport = "long_poll"
            clients = 800
            long_poll = {{ wait = "5s", queues_per_thread = {per_thread} }}
            producer = {{ rate = "10/s" }}
            "#
        )
    };
    let one = run(&params(&text(1)), 5, 30, 900);
    let eight = run(&params(&text(8)), 5, 30, 900);
    let (a, b) = (
        metric(&one, "delivery_latency_ms_mean"),
        metric(&eight, "delivery_latency_ms_mean"),
    );
    assert!(a < 30.0, "one thread per queue: {a} ms");
    // The thread is parked up to 5 s on each of 7 other queues.
    assert!(b > 5_000.0, "one thread over 8 queues: {b} ms");
}
