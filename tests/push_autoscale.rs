//! Processor autoscaling on Kafka lag with KEDA and HPA semantics
//! (REFERENCES §5.4 and the §8 bonus check): replicas rise to
//! min(partitions, ceil(lag / lagThreshold)), each step at most
//! max(+4, x2) per 60 s, and fall only after the 300 s stabilisation window.

mod push_common;

use edgesim::engine::SimTime;
use edgesim::run::RunOutput;
use push_common::{context, metric, params, run_ctx};

fn series<'a>(out: &'a RunOutput, name: &str) -> &'a [f64] {
    &out.series
        .iter()
        .find(|s| s.name == name && s.entity.is_empty())
        .unwrap_or_else(|| panic!("no series {name}"))
        .values
}

/// The first second at which `values` satisfies `test`, from `after`.
fn first(values: &[f64], after: usize, test: impl Fn(f64) -> bool) -> usize {
    (after..values.len())
        .find(|&i| test(values[i]))
        .expect("the series gets there")
}

#[test]
fn processors_follow_lag_with_hpa_limits() {
    let p = params(
        r#"
        transport = "websocket"
        clients = 20000
        kafka = { partitions = 12 }
        processors = { replicas = 1, threads = 4, cpu = { dist = "deterministic", value = "4ms" } }
        autoscaling = { lag_threshold = 1000 }
        producer = { rate = "500/s", bursts = [{ start = "120s", duration = "60s", rate = "20k/s" }] }
        "#,
    );
    let mut ctx = context(1, 0, 1200);
    ctx.series_step = Some(SimTime::from_secs(1));
    let out = run_ctx(&p, ctx);
    // The burst leaves a backlog near a million: KEDA asks for
    // min(12 partitions, ceil(lag / 1000)) = 12 replicas.
    assert!(metric(&out, "kafka_lag_max") > 500_000.0);
    assert_eq!(metric(&out, "processors_max"), 12.0);
    let procs = series(&out, "processors");
    let lag = series(&out, "kafka_lag");
    assert_eq!(procs[100], 1.0, "one replica before the burst");
    // Scale-up: 1 -> 5 (+4), then 10 (x2) and 12, a 60 s period apart.
    let t5 = first(procs, 0, |v| v >= 5.0);
    let t10 = first(procs, t5, |v| v >= 10.0);
    let t12 = first(procs, t10, |v| v >= 12.0);
    assert_eq!(procs[t5], 5.0, "the first step is +4");
    assert_eq!(procs[t10], 10.0, "the second step doubles");
    assert!(t10 - t5 >= 59 && t12 - t10 >= 59, "{t5} {t10} {t12}");
    // Scale-down waits 300 s after the last high reading of the lag (read
    // every 30 s, so at least 270 s after the lag fell below 11,000).
    let last_high = (0..lag.len()).rev().find(|&i| lag[i] > 11_000.0).unwrap();
    let down = first(procs, t12, |v| v < 12.0);
    assert!(
        down - last_high >= 270,
        "scaled down {} s after the lag fell",
        down - last_high
    );
    assert_eq!(*procs.last().unwrap(), 1.0, "back to the minimum");
    assert_eq!(metric(&out, "messages_lost"), 0.0);
}
