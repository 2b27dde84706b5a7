//! The fault experiments in `experiments/` run from the CLI (at reduced
//! size here) and show what they are meant to show.

mod common;

use std::fs;
use std::path::Path;

use common::{edgesim, root, stderr};

/// Runs `file` with `sets` and returns its results.csv rows as
/// (header, rows).
fn run(dir: &Path, file: &str, sets: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let path = root().join("experiments").join(file);
    let out_dir = dir.join(file);
    let mut args = vec![
        "run".to_string(),
        path.display().to_string(),
        "--out".to_string(),
        out_dir.display().to_string(),
        "--set".to_string(),
        "run.replications=1".to_string(),
    ];
    for set in sets {
        args.push("--set".to_string());
        args.push(set.to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = edgesim(dir, &args);
    assert!(out.status.success(), "{file}: {}", stderr(&out));
    let text = fs::read_to_string(out_dir.join("results.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn value(header: &[String], row: &[String], name: &str) -> f64 {
    let i = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    row[i].parse().unwrap_or(f64::NAN)
}

#[test]
fn small_vs_big_servers() {
    let dir = tempfile::tempdir().unwrap();
    let (h, rows) = run(
        dir.path(),
        "small-vs-big-servers.toml",
        &[
            "push.clients=100000",
            "push.producer.rate=100/s",
            "run.duration=700s",
            "run.warmup=500s",
        ],
    );
    // Fleets from small to big, each without and with jitter.
    assert_eq!(rows.len(), 8);
    let v = |i: usize, name: &str| value(&h, &rows[i], name);
    let mut last_cpu = 0.0;
    for fleet in 0..4 {
        let (immediate, jitter) = (2 * fleet, 2 * fleet + 1);
        let herd = v(immediate, "crashed_connections");
        assert!(herd > 0.0);
        // m5 list prices are linear in size: 64 x m5.large = 2 x
        // m5.16xlarge = $6.144/h, so the compute bills agree to the cent.
        let compute = v(immediate, "cost_compute_per_hour");
        assert!((compute - v(0, "cost_compute_per_hour")).abs() < 1e-9);
        let rest = compute - 6.144;
        assert!(
            (rest - (v(immediate, "processors_mean") * 0.17 + 3.0 * 0.126 + 3.0 * 0.096)).abs()
                < 1e-9
        );
        let peak = v(immediate, "storm_reconnects_per_s_peak");
        let cpu = v(immediate, "gateway_cpu_peak");
        // Until the survivors' CPU is the bottleneck the whole herd comes
        // back within a second.
        if cpu < 0.9 {
            assert!(peak > 0.9 * herd, "fleet {fleet}: {peak} of {herd}");
        }
        assert!(
            cpu >= last_cpu,
            "fleet {fleet}: CPU peak {cpu} < {last_cpu}"
        );
        last_cpu = cpu;
        let spread = v(jitter, "storm_reconnects_per_s_peak");
        assert!(spread < 0.65 * peak.max(herd / 2.0) + 50.0, "fleet {fleet}");
        for run in [immediate, jitter] {
            assert_eq!(v(run, "fault_clients_not_reconnected"), 0.0);
        }
    }
    assert!(v(6, "crashed_connections") > 20.0 * v(0, "crashed_connections"));
    assert!(v(6, "time_to_reconnect_100_s") > v(0, "time_to_reconnect_100_s"));
}

#[test]
fn graceful_drain_strategies() {
    let dir = tempfile::tempdir().unwrap();
    let (h, rows) = run(
        dir.path(),
        "graceful-drain.toml",
        &["push.clients=20000", "push.producer.rate=100/s"],
    );
    assert_eq!(rows.len(), 5);
    let v = |i: usize, name: &str| value(&h, &rows[i], name);
    let (at_once, slow, window, zuul, migrate) = (0, 1, 2, 3, 4);
    for i in 0..5 {
        assert_eq!(v(i, "fault_clients_not_reconnected"), 0.0, "row {i}");
    }
    assert!(v(at_once, "storm_reconnects_per_s_peak") > 1500.0);
    assert!(v(slow, "storm_reconnects_per_s_peak") <= 500.0 * 1.05);
    assert!(v(window, "storm_reconnects_per_s_peak") < 2000.0 / 120.0 * 1.3 + 2.0);
    assert!(v(zuul, "storm_reconnects_per_s_peak") > 1000.0);
    assert_eq!(v(migrate, "fault_affected_clients"), 0.0);
    assert!(v(migrate, "migrations") > 15_000.0);
}

#[test]
fn pipeline_faults() {
    let dir = tempfile::tempdir().unwrap();
    let (h, rows) = run(
        dir.path(),
        "faults-pipeline.toml",
        &["push.clients=20000", "run.duration=600s"],
    );
    assert_eq!(rows.len(), 4);
    let v = |i: usize, name: &str| value(&h, &rows[i], name);
    // The leader loss alone: one partition's 30 s of messages, about
    // 2,000 / 12 × 30 = 5,000.
    let lag = v(0, "kafka_lag_max");
    assert!((4_000.0..6_500.0).contains(&lag), "{lag}");
    // A 100× slower registry starves the processors.
    assert!(v(3, "kafka_lag_max") > 5.0 * lag);
    for i in 0..4 {
        assert_eq!(v(i, "messages_lost"), 0.0, "row {i}");
    }
}

/// Any run of a faulty sweep is reproduced on its own from the CLI:
/// `--shard K/N` with N = the number of runs runs exactly run K, with the
/// seed printed in its results row, and gives that row back byte for byte.
#[test]
fn a_faulty_run_reproduces_alone_from_its_index_and_seed() {
    let dir = tempfile::tempdir().unwrap();
    let sets = [
        "push.clients=20000",
        "push.producer.rate=50/s",
        "run.duration=700s",
        "run.warmup=500s",
    ];
    let (_, rows) = run(dir.path(), "small-vs-big-servers.toml", &sets);
    let total = rows.len();
    let full =
        fs::read_to_string(dir.path().join("small-vs-big-servers.toml/results.csv")).unwrap();
    let full_lines: Vec<&str> = full.lines().collect();
    for k in [1, total - 1] {
        let out_dir = dir.path().join(format!("alone-{k}"));
        let path = root().join("experiments/small-vs-big-servers.toml");
        let mut args = vec![
            "run".to_string(),
            path.display().to_string(),
            "--out".into(),
            out_dir.display().to_string(),
            "--shard".into(),
            format!("{k}/{total}"),
            "--set".into(),
            "run.replications=1".into(),
        ];
        for s in sets {
            args.push("--set".into());
            args.push(s.into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = edgesim(dir.path(), &args);
        assert!(out.status.success(), "{}", stderr(&out));
        let alone = fs::read_to_string(out_dir.join("results.csv")).unwrap();
        let alone_lines: Vec<&str> = alone.lines().collect();
        assert_eq!(alone_lines.len(), 2, "one run");
        assert_eq!(alone_lines[0], full_lines[0]);
        assert_eq!(
            alone_lines[1],
            full_lines[k + 1],
            "run {k} differs when run alone"
        );
    }
}
