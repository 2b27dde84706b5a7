//! `experiments/plan-push-fleet.toml` at reduced size (200,000 clients,
//! 1,000 messages/s, gateway counts 2 to 20): the answer comes out of the
//! reconnect storm, not out of the file. The chosen count holds delivery
//! p99 <= 1 s with one gateway down, and the next smaller count of the same
//! profile, which the bisection evaluated too, fails there while it still
//! holds in the base design: the scenario is what sizes the fleet.

mod common;

use std::fs;

use common::{edgesim, root, stderr};

/// The reduced size, as `--set` values (also the harness's REDUCED entry).
const REDUCED: [&str; 4] = [
    "push.clients=200000",
    "push.producer.rate=1000/s",
    "search.param[1].range={ from = 2, to = 20 }",
    "push.kafka.partitions=12",
];

const P99: &str = "delivery_latency_ms_p99";
const DOWN: &str = "delivery_latency_ms_p99@one gateway down";

#[test]
fn the_chosen_fleet_survives_a_crash_and_one_gateway_fewer_does_not() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("fleet");
    let file = root().join("experiments/plan-push-fleet.toml");
    let mut args = vec![
        "run".to_string(),
        file.to_string_lossy().into_owned(),
        "--out".into(),
        out.to_string_lossy().into_owned(),
    ];
    for set in REDUCED {
        args.extend(["--set".into(), set.into()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = edgesim(temp.path(), &args);
    assert!(run.status.success(), "{}", stderr(&run));

    let answer: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("answer.json")).unwrap()).unwrap();
    assert_eq!(answer["feasible"], true, "{answer}");
    let profile = answer["values"]["push.gateways.profile"].as_str().unwrap();
    let count = answer["values"]["push.gateways.count"].as_u64().unwrap();
    assert!(
        count > 2 && count < 20,
        "the answer is inside the range: {answer}"
    );

    let mut plan = csv::Reader::from_path(out.join("plan.csv")).unwrap();
    let header = plan.headers().unwrap().clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    let rows: Vec<csv::StringRecord> = plan.records().map(|r| r.unwrap()).collect();
    let row = |n: u64| {
        rows.iter()
            .find(|r| {
                &r[col("push.gateways.profile")] == profile
                    && r[col("push.gateways.count")] == n.to_string()
            })
            .unwrap_or_else(|| panic!("{profile} x {n} was not evaluated"))
    };
    let chosen = row(count);
    assert_eq!(&chosen[col("feasible")], "true");
    assert_eq!(&chosen[col(&format!("{DOWN}.verdict"))], "holds");
    let down_bound: f64 = chosen[col(&format!("{DOWN}.bound"))].parse().unwrap();
    assert!(down_bound <= 1000.0, "{down_bound}");

    let fewer = row(count - 1);
    assert_eq!(&fewer[col("feasible")], "false");
    assert_eq!(
        &fewer[col(&format!("{P99}.verdict"))],
        "holds",
        "without a crash one gateway fewer is fine"
    );
    assert_ne!(
        &fewer[col(&format!("{DOWN}.verdict"))],
        "holds",
        "one gateway fewer must fail with a gateway down"
    );
    let fewer_p99: f64 = fewer[col(&format!("{DOWN}.estimate"))].parse().unwrap();
    let base_p99: f64 = fewer[col(&format!("{P99}.estimate"))].parse().unwrap();
    assert!(
        fewer_p99 > 1000.0 && fewer_p99 > 5.0 * base_p99,
        "the crash's storm makes the p99: {fewer_p99} ms with a gateway down, {base_p99} ms without"
    );
}
