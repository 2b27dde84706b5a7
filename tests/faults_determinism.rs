//! A faulty run is a pure function of its experiment point and its printed
//! seed: a whole experiment with random crashes, drains and jittered
//! backoff writes the same bytes on one thread or two, and any single run
//! redone from the seed in its `results.csv` row gives that row back, cell
//! for cell.

mod common;

use std::fs;
use std::path::Path;

use common::{edgesim, stderr};
use edgesim::engine::{RunWindow, Streams};
use edgesim::experiment::{load, runner};
use edgesim::report::output::number;
use edgesim::run::RunContext;

const FAULTY: &str = r#"
schema = 1
name = "faulty"
model = "push"

[run]
seed = 42
replications = 2
duration = "900s"
warmup = "100s"

[push]
transport = "websocket"
clients = 20000
producer = { rate = "200/s" }
gateways = { count = 4 }
admission = { rate = "400/s" }
reconnect = { backoff = { policy = "decorrelated", base = "500ms", cap = "20s" } }

[[push.faults]]
kind = "crash"
mtbf = "400s"
mttr = "30s"
until = "600s"

[[push.faults]]
kind = "drain"
gateway = 2
at = "300s"
restart_after = "20s"
shutdown = { strategy = "slow", rate = "300/s" }

[[sweep.param]]
path = "push.reconnect.backoff.policy"
values = ["decorrelated", "full-jitter"]

[output]
timeseries_step = "10s"
"#;

const FILES: [&str; 4] = [
    "results.csv",
    "summary.csv",
    "timeseries.csv",
    "histograms.csv",
];

fn run_cli(dir: &Path, out: &str, threads: &str) -> Vec<Vec<u8>> {
    let o = edgesim(
        dir,
        &["run", "exp.toml", "--out", out, "--threads", threads],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    FILES
        .iter()
        .map(|f| fs::read(dir.join(out).join(f)).expect("output file"))
        .collect()
}

#[test]
fn faulty_runs_reproduce_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), FAULTY).unwrap();
    let one = run_cli(dir.path(), "one", "1");
    let two = run_cli(dir.path(), "two", "2");
    for ((name, a), b) in FILES.iter().zip(&one).zip(&two) {
        assert_eq!(a, b, "{name} differs between 1 and 2 threads");
    }
    let results = String::from_utf8(one[0].clone()).unwrap();
    assert!(results.contains("fault_affected_clients"));
    let mut reader = csv::Reader::from_reader(results.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 4);
    let exp = load(&dir.path().join("exp.toml"), &[]).expect("the file loads");
    for row in &rows {
        redo_from_printed_seed(&exp, &header, row);
    }
}

/// Runs the row's point again with nothing but the seed printed in the row
/// and checks every cell from `events` on.
fn redo_from_printed_seed(
    exp: &edgesim::experiment::Experiment,
    header: &[String],
    row: &[String],
) {
    let point: usize = row[1].parse().unwrap();
    let seed: u64 = row[3].parse().unwrap();
    let spec = &exp.points[point].spec;
    let ctx = RunContext {
        streams: Streams::new(seed),
        window: RunWindow {
            warmup: spec.run.warmup.fixed(),
            horizon: spec.run.duration.0,
            max_events: runner::DEFAULT_MAX_EVENTS,
            max_pending: edgesim::engine::DEFAULT_MAX_PENDING,
            max_queued: edgesim::engine::DEFAULT_MAX_QUEUED,
        },
        series_step: None,
        series_only: None,
        prices: edgesim::prices::Prices::shipped(),
    };
    let out = spec.model.run(&ctx).expect("the run succeeds");
    let first = header.iter().position(|h| h == "events").unwrap();
    assert_eq!(row[first], out.events.to_string(), "events, seed {seed}");
    assert!(out.get("fault_affected_clients").unwrap() > 0.0);
    // The steady-state columns come from the runner, not the model.
    let model_columns = header.iter().zip(row).skip(first + 1);
    for (name, cell) in model_columns.filter(|(n, _)| !n.starts_with("warmup")) {
        let again = out.get(name).map(number).unwrap_or_default();
        assert_eq!(&again, cell, "{name}, point {point}, seed {seed}");
    }
}
