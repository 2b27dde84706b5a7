//! `edgesim run --record-trace`: what a run records replays to the same
//! counts, through one cache (`edgesim replay`) and through the whole CDN
//! model (`edgesim replay --model cdn`), and recordings do not depend on
//! the thread count.
//!
//! Why the single-cache equality is exact here, not approximately true:
//! the world has one region, one PoP with one cache server and the origin
//! all at one spot (no round trips), links of 1000 Tbps and zero service
//! times, so a miss's fetch returns within nanoseconds, before the next
//! request (the test checks every gap is at least a microsecond). Each
//! request is then one access to one cache, in trace order, and a miss is
//! inserted before the next access, exactly as libCacheSim's counting
//! does. The TTL (a year) never expires, so no stale copy turns a cache hit
//! into a revalidation; nothing collapses, times out or is refused (the test
//! checks the run's counters). With several cache servers, TTL expiries or
//! fetches slower than the gaps between requests, the CDN's hit counts
//! legitimately differ from one cache's.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{edgesim, root, stderr, stdout};

const POLICIES: [&str; 6] = ["lru", "fifo", "lfu", "sieve", "clock", "s3fifo"];
const CAPACITY_BYTES: u64 = 2_000_000;
const WARMUP_S: f64 = 20.0;
const DURATION_S: f64 = 200.0;

fn point_experiment() -> String {
    format!(
        r#"
schema = 1
name = "rec"
model = "cdn"

[run]
seed = 3
duration = "{DURATION_S}s"
warmup = "{WARMUP_S}s"

[cdn]
world = "{world}"
request_rate = "100/s"
clients_per_region = 1

[cdn.routing]
mode = "ideal"

[cdn.network]
handshake_round_trips = 0
initial_window = "0B"
timeout = "1h"

[cdn.cache]
servers = 1
capacity = "{CAPACITY_BYTES}B"
service = {{ dist = "deterministic", value = "0s" }}

[cdn.overload]
forward_wait = "1h"

[cdn.origin]
service = {{ dist = "deterministic", value = "0s" }}

[cdn.catalogue]
objects = 2000
zipf_alpha = 0.9
cache_control = "max-age=31536000"
size = {{ max = "1MB" }}

[[sweep.param]]
path = "cdn.cache.policy"
values = ["lru", "fifo", "lfu", "sieve", "clock", "s3fifo"]

[output]
report = false
"#,
        world = root().join("tests/data/cdn/point-world.toml").display()
    )
}

/// Rows of a CSV file as maps from column to value.
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn number(row: &BTreeMap<String, String>, key: &str) -> f64 {
    row[key]
        .parse()
        .unwrap_or_else(|_| panic!("{key} = {:?}", row[key]))
}

/// Request times of a recording, in nanoseconds.
fn recorded_times_ns(path: &Path) -> Vec<u64> {
    csv_rows(path)
        .iter()
        .map(|r| {
            let (s, ns) = r["timestamp"].split_once('.').unwrap();
            s.parse::<u64>().unwrap() * 1_000_000_000 + ns.parse::<u64>().unwrap()
        })
        .collect()
}

#[test]
fn recorded_runs_replay_through_one_cache_with_the_same_hits() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rec.toml"), point_experiment()).unwrap();
    std::fs::create_dir(dir.path().join("traces")).unwrap();
    let out = edgesim(
        dir.path(),
        &[
            "run",
            "rec.toml",
            "--out",
            "out",
            "--record-trace",
            "traces/",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The workload is open-loop and seeds are common: every point sent the same requests.
    let first = std::fs::read(dir.path().join("traces/run-00000000.csv")).unwrap();
    for run in 1..POLICIES.len() {
        let other = std::fs::read(dir.path().join(format!("traces/run-{run:08}.csv"))).unwrap();
        assert_eq!(first, other, "run {run} recorded other requests");
    }
    let trace = dir.path().join("traces/run-00000000.csv");
    let times = recorded_times_ns(&trace);
    assert!(times.len() > 15_000, "{} requests", times.len());
    // A fetch of the largest object crosses a 1000 Tbps link (1e6 bits/ns)
    // in this many nanoseconds (rounded up, twice over for safety).
    let largest = csv_rows(&trace)
        .iter()
        .map(|r| r["size"].parse::<u64>().unwrap())
        .max()
        .unwrap();
    let fetch_ns = 2 * (largest * 8).div_ceil(1_000_000) + 2;
    let min_gap = times.windows(2).map(|w| w[1] - w[0]).min().unwrap();
    assert!(
        min_gap > fetch_ns,
        "gap of {min_gap} ns, fetches take {fetch_ns}"
    );
    for edge in [WARMUP_S, DURATION_S] {
        let edge_ns = (edge * 1e9) as u64;
        assert!(times.iter().all(|&t| t.abs_diff(edge_ns) > fetch_ns));
    }
    let warmup = times
        .iter()
        .filter(|&&t| t < (WARMUP_S * 1e9) as u64)
        .count();

    let warmup_arg = warmup.to_string();
    let size_arg = CAPACITY_BYTES.to_string();
    let policies = POLICIES.join(",");
    let out = edgesim(
        dir.path(),
        &[
            "replay",
            "traces/run-00000000.csv",
            "--policy",
            &policies,
            "--cache-size",
            &size_arg,
            "--warmup",
            &warmup_arg,
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let replayed: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let runs = csv_rows(&dir.path().join("out/results.csv"));
    assert_eq!(runs.len(), POLICIES.len());
    for (run, single) in runs.iter().zip(&replayed) {
        let policy = &run["cdn.cache.policy"];
        assert_eq!(single["policy"], policy.as_str());
        assert_eq!(number(run, "collapsed_requests"), 0.0);
        assert_eq!(number(run, "failed_requests"), 0.0);
        assert_eq!(number(run, "stale_hits"), 0.0);
        let requests = number(run, "requests");
        let hits = (requests * number(run, "hit_ratio")).round();
        let counted = single["requests"].as_f64().unwrap();
        let misses = single["misses"].as_f64().unwrap();
        assert_eq!(requests, counted, "{policy}: requests");
        assert_eq!(hits, counted - misses, "{policy}: hits");
        assert!(
            misses > 1_000.0 && hits > 1_000.0,
            "{policy}: evictions happen"
        );
        let byte_hit = 1.0 - single["byte_miss_ratio"].as_f64().unwrap();
        assert!(
            (number(run, "byte_hit_ratio") - byte_hit).abs() < 1e-12,
            "{policy}: byte hit ratio"
        );
    }
}

#[test]
fn an_oracle_general_recording_gives_the_same_counts() {
    let dir = tempfile::tempdir().unwrap();
    let one_policy = point_experiment().replace(
        r#"values = ["lru", "fifo", "lfu", "sieve", "clock", "s3fifo"]"#,
        r#"values = ["sieve"]"#,
    );
    std::fs::write(dir.path().join("rec.toml"), one_policy).unwrap();
    let out = edgesim(
        dir.path(),
        &[
            "run",
            "rec.toml",
            "--out",
            "out",
            "--record-trace",
            "run.oracleGeneral",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bytes = std::fs::read(dir.path().join("run.oracleGeneral")).unwrap();
    // Whole seconds: t < 20 s exactly when its second is below 20.
    let warmup = bytes
        .chunks_exact(24)
        .filter(|r| u32::from_le_bytes(r[0..4].try_into().unwrap()) < WARMUP_S as u32)
        .count();
    let warmup_arg = warmup.to_string();
    let size_arg = CAPACITY_BYTES.to_string();
    let out = edgesim(
        dir.path(),
        &[
            "replay",
            "run.oracleGeneral",
            "--policy",
            "sieve",
            "--cache-size",
            &size_arg,
            "--warmup",
            &warmup_arg,
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let single: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let run = &csv_rows(&dir.path().join("out/results.csv"))[0];
    let requests = number(run, "requests");
    let hits = (requests * number(run, "hit_ratio")).round();
    let misses = single["misses"].as_f64().unwrap();
    assert_eq!(single["requests"].as_f64().unwrap(), requests);
    assert_eq!(hits, requests - misses);
}

/// A small run on the shipped world (anycast, 39 PoPs, a shield, TTL
/// expiries): replayed through the model from its recording, every metric
/// comes back identical.
const WORLD_EXPERIMENT: &str = r#"
schema = 1
name = "world"
model = "cdn"

[run]
seed = 11
duration = "30s"
warmup = "5s"

[cdn]
request_rate = "1k/s"
report_regions = ["New York", "Sydney"]

[cdn.catalogue]
objects = "5k"
cache_control = "max-age=10"

[cdn.shield]
enabled = true

[output]
report = false
"#;

#[test]
fn a_recording_replays_through_the_cdn_model_exactly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("world.toml"), WORLD_EXPERIMENT).unwrap();
    let out = edgesim(
        dir.path(),
        &[
            "run",
            "world.toml",
            "--out",
            "out",
            "--record-trace",
            "world.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = edgesim(
        dir.path(),
        &[
            "replay",
            "world.csv",
            "--model",
            "cdn",
            "--experiment",
            "world.toml",
            "--region-col",
            "region",
            "--client-col",
            "client",
            "--time-origin",
            "zero",
            "--name",
            "replayed",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("hit"), "{}", stdout(&out));
    let original = &csv_rows(&dir.path().join("out/results.csv"))[0];
    let replayed = &csv_rows(&dir.path().join("output/replayed/results.csv"))[0];
    assert!(number(original, "requests") > 20_000.0);
    assert!(
        number(original, "origin_revalidations") > 0.0,
        "TTLs expire"
    );
    for (key, value) in original {
        if key != "run_index" && key != "point" {
            assert_eq!(&replayed[key], value, "{key}");
        }
    }
    assert_eq!(number(replayed, "trace.reordered_requests"), 0.0);
    assert_eq!(number(replayed, "trace.exhausted"), 1.0);
    let histograms = |d: &str| std::fs::read(dir.path().join(d).join("histograms.csv")).unwrap();
    assert_eq!(histograms("out"), histograms("output/replayed"));
}

#[test]
fn recordings_do_not_depend_on_the_thread_count() {
    let small = WORLD_EXPERIMENT
        .replace("duration = \"30s\"", "duration = \"4s\"\nreplications = 2")
        .replace("warmup = \"5s\"", "warmup = \"1s\"")
        + "\n[[sweep.param]]\npath = \"cdn.cache.policy\"\nvalues = [\"lru\", \"sieve\"]\n";
    let mut recorded = Vec::new();
    for threads in ["1", "3"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("w.toml"), &small).unwrap();
        std::fs::create_dir(dir.path().join("t")).unwrap();
        let out = edgesim(
            dir.path(),
            &[
                "run",
                "w.toml",
                "--threads",
                threads,
                "--record-trace",
                "t/",
                "--record-format",
                "oracleGeneral",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.path().join("t"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                (name, std::fs::read(&p).unwrap())
            })
            .collect();
        files.sort();
        recorded.push(files);
    }
    let names: Vec<&str> = recorded[0].iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "run-00000000.oracleGeneral",
            "run-00000001.oracleGeneral",
            "run-00000002.oracleGeneral",
            "run-00000003.oracleGeneral"
        ]
    );
    assert_eq!(recorded[0], recorded[1]);
    // Replications differ; points share their replication's requests.
    assert_ne!(recorded[0][0].1, recorded[0][1].1);
    assert_eq!(recorded[0][0].1, recorded[0][2].1);
}
