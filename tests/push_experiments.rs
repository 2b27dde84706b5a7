//! Every push experiment in `experiments/` runs from the CLI (at reduced
//! size here) and loses no message.

#[path = "common/mod.rs"]
mod common;

use std::fs;

use common::{edgesim, root, stderr};

/// (file, overrides that shrink it to a test's size).
const EXPERIMENTS: &[(&str, &[&str])] = &[
    (
        "mailru.toml",
        &["push.clients=5000", "push.producer.rate=255/s"],
    ),
    (
        "push-poll-interval.toml",
        &["push.clients=2000", "push.producer.rate=20/s"],
    ),
    (
        "push-long-poll-wait.toml",
        &["push.clients=2000", "push.producer.rate=10/s"],
    ),
    (
        "push-poller-threads.toml",
        &["push.clients=256", "push.producer.rate=3/s"],
    ),
    (
        "push-io-models.toml",
        &["run.duration=20s", "run.warmup=5s"],
    ),
    (
        "push-transports.toml",
        &["push.clients=5000", "push.producer.rate=255/s"],
    ),
    ("push-idle-timeout.toml", &["push.clients=5000"]),
    ("push-lb-profiles.toml", &["push.clients=5000"]),
    (
        "netflix-pipeline.toml",
        &[
            "push.clients=20000",
            "push.producer.rate=500/s",
            "push.producer.bursts=[{start=\"100s\",duration=\"20s\",rate=\"5k/s\"}]",
        ],
    ),
    (
        "netflix-10m.toml",
        &["push.clients=20000", "push.producer.rate=500/s"],
    ),
    (
        "push-region-failover.toml",
        &["push.clients=20000", "push.producer.rate=200/s"],
    ),
];

#[test]
fn push_experiments_run_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (file, sets) in EXPERIMENTS {
        let path = root().join("experiments").join(file);
        let out_dir = dir.path().join(file);
        let mut args = vec![
            "run".to_string(),
            path.display().to_string(),
            "--out".to_string(),
            out_dir.display().to_string(),
            "--set".to_string(),
            "run.replications=1".to_string(),
        ];
        let shorten = ["run.duration=240s", "run.warmup=30s"];
        let has_duration = sets.iter().any(|s| s.starts_with("run.duration"));
        let all: Vec<&str> = if has_duration {
            sets.to_vec()
        } else {
            sets.iter().chain(shorten.iter()).copied().collect()
        };
        for set in all {
            args.push("--set".to_string());
            args.push(set.to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = edgesim(dir.path(), &args);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        // A swept value may hold commas (an inline table): read it as CSV.
        let mut results = csv::Reader::from_path(out_dir.join("results.csv")).unwrap();
        let header = results.headers().unwrap().clone();
        let lost = header.iter().position(|h| h == "messages_lost").unwrap();
        for row in results.records() {
            let row = row.unwrap();
            assert_eq!(row.get(lost), Some("0"), "{file}: {row:?}");
        }
    }
}

#[test]
fn push_output_bytes_do_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = root().join("experiments/push-transports.toml");
    let path = path.display().to_string();
    let run = |threads: &str| {
        let out_dir = dir.path().join(threads);
        let out_s = out_dir.display().to_string();
        let args = [
            "run",
            path.as_str(),
            "--out",
            out_s.as_str(),
            "--threads",
            threads,
            "--set",
            "push.clients=3000",
            "--set",
            "push.producer.rate=150/s",
            "--set",
            "run.duration=120s",
            "--set",
            "run.warmup=30s",
        ];
        let out = edgesim(dir.path(), &args);
        assert!(out.status.success(), "{}", stderr(&out));
        [
            "results.csv",
            "summary.csv",
            "timeseries.csv",
            "histograms.csv",
        ]
        .map(|f| fs::read(out_dir.join(f)).unwrap())
    };
    assert_eq!(run("1"), run("2"));
}
