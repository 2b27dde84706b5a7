//! A CDN experiment gives byte-identical outputs whatever the number of
//! threads, and run after run.

mod common;

use std::fs;

use common::{edgesim, root, stderr};

fn run(dir: &std::path::Path, out: &str, threads: &str) -> Vec<(String, Vec<u8>)> {
    let experiment = root().join("experiments/quickstart.toml");
    let experiment = experiment.display().to_string();
    let args = [
        "run",
        &experiment,
        "--out",
        out,
        "--threads",
        threads,
        "--set",
        "run.duration=90s",
        "--set",
        "run.warmup=30s",
        "--set",
        "cdn.request_rate=500/s",
    ];
    let o = edgesim(dir, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    [
        "results.csv",
        "summary.csv",
        "timeseries.csv",
        "histograms.csv",
    ]
    .iter()
    .map(|name| {
        let bytes = fs::read(dir.join(out).join(name)).expect("output file exists");
        (name.to_string(), bytes)
    })
    .collect()
}

#[test]
fn cdn_outputs_do_not_depend_on_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let one = run(dir.path(), "one", "1");
    let two = run(dir.path(), "two", "2");
    let again = run(dir.path(), "again", "2");
    for ((name, a), ((_, b), (_, c))) in one.iter().zip(two.iter().zip(again.iter())) {
        assert_eq!(a, b, "{name} differs between 1 and 2 threads");
        assert_eq!(b, c, "{name} differs between two runs");
    }
}
