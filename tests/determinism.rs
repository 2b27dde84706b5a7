//! The same experiment and seed give byte-identical outputs whatever the
//! number of threads, and run after run.

mod common;

use std::fs;

use common::{SMALL_QUEUE, edgesim, stderr};

fn run(dir: &std::path::Path, out: &str, threads: &str) -> Vec<(String, Vec<u8>)> {
    let o = edgesim(
        dir,
        &["run", "exp.toml", "--out", out, "--threads", threads],
    );
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
fn outputs_do_not_depend_on_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), SMALL_QUEUE).unwrap();
    let one = run(dir.path(), "one", "1");
    let two = run(dir.path(), "two", "2");
    let again = run(dir.path(), "again", "2");
    for ((name, a), ((_, b), (_, c))) in one.iter().zip(two.iter().zip(again.iter())) {
        assert_eq!(a, b, "{name} differs between 1 and 2 threads");
        assert_eq!(b, c, "{name} differs between two runs");
    }
    let results = String::from_utf8(one[0].1.clone()).unwrap();
    // 4 points x 3 replications, plus the header.
    assert_eq!(results.lines().count(), 13);
}

#[test]
fn common_random_numbers_share_seeds_across_points() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), SMALL_QUEUE).unwrap();
    let o = edgesim(dir.path(), &["run", "exp.toml", "--dry-run"]);
    assert!(o.status.success());
    let table = String::from_utf8(o.stdout).unwrap();
    let seeds: Vec<Vec<String>> = table
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(String::from).collect())
        .collect();
    // Replication r has the same seed at every point; replications differ.
    for row in &seeds {
        let same_rep = seeds.iter().find(|r| r[2] == row[2]).unwrap();
        assert_eq!(row[3], same_rep[3]);
    }
    assert_ne!(seeds[0][3], seeds[1][3]);
    let unique = edgesim(
        dir.path(),
        &[
            "run",
            "exp.toml",
            "--dry-run",
            "--set",
            "run.seed_mode=\"unique\"",
        ],
    );
    let table = String::from_utf8(unique.stdout).unwrap();
    let mut all: Vec<&str> = table
        .lines()
        .skip(1)
        .map(|l| l.split('\t').nth(3).unwrap())
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 12, "unique mode gives every run its own seed");
}
