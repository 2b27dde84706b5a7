//! One-pass miss-ratio curves (`edgesim::replay::mrc`) against the replay
//! of one cache per size (`edgesim::replay::replay`, libCacheSim's
//! counting): the exact LRU curve equals the replays at every size, in
//! object and byte mode, on Zipf traces and on small adversarial ones; at a
//! 100 % sampling rate the SHARDS curves of every policy equal the replays
//! too; at 1 % the sampled LRU curve stays within 0.01 mean absolute error
//! of the exact one on a 2 M-request Zipf trace.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use edgesim::cache::PolicyKind;
use edgesim::engine::rng::splitmix64;
use edgesim::engine::{SimTime, Streams};
use edgesim::replay::mrc::{Method, MrcOutcome, MrcRow, MrcSpec, SampleRate, mrc};
use edgesim::replay::{CacheSize, ReplayRow, ReplaySpec, Warmup, replay};
use edgesim::workload::trace::{OracleGeneralWriter, Request, TimeUnit, TraceFormat};
use edgesim::workload::zipf::Zipf;

/// Writes (id, size) requests as a CSV trace.
fn write_csv(dir: &Path, name: &str, requests: &[(u64, u64)]) -> PathBuf {
    let mut text = String::from("time,obj_id,size\n");
    for (i, (id, size)) in requests.iter().enumerate() {
        writeln!(text, "{i},{id},{size}").unwrap();
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `n` Zipf requests over `objects`, each object with one size in 1..=max_size.
fn zipf_requests(n: u64, objects: u64, alpha: f64, max_size: u64, seed: u64) -> Vec<(u64, u64)> {
    let zipf = Zipf::new(objects, alpha).unwrap();
    let mut rng = Streams::new(seed).stream("test/mrc-trace", 0);
    (0..n)
        .map(|_| {
            let id = zipf.sample(&mut rng) + 1;
            (id, 1 + splitmix64(id ^ seed) % max_size)
        })
        .collect()
}

fn csv() -> TraceFormat {
    TraceFormat::by_name("csv").unwrap()
}

fn units(sizes: &[u64]) -> Vec<CacheSize> {
    sizes.iter().map(|&s| CacheSize::Units(s)).collect()
}

/// One LRU cache per size, through the replay engine.
fn replays(
    path: &Path,
    policy: PolicyKind,
    sizes: &[u64],
    ignore_size: bool,
    warmup: u64,
) -> Vec<ReplayRow> {
    let spec = ReplaySpec {
        policies: vec![policy],
        sizes: units(sizes),
        ignore_size,
        warmup: Warmup::Requests(warmup),
        max_requests: None,
    };
    replay(path, &csv(), false, &spec).unwrap().rows
}

fn exact_curve(path: &Path, sizes: &[u64], ignore_size: bool, warmup: u64) -> MrcOutcome {
    let spec = MrcSpec {
        policies: vec![PolicyKind::Lru],
        sizes: units(sizes),
        points: 0,
        ignore_size,
        warmup: Warmup::Requests(warmup),
        exact: true,
        sample: None,
        max_requests: None,
    };
    mrc(path, &csv(), false, &spec).unwrap()
}

/// The rows' counts agree, size by size.
fn assert_same_counts(curve: &[&MrcRow], replayed: &[ReplayRow], what: &str) {
    assert_eq!(curve.len(), replayed.len(), "{what}: number of sizes");
    for (c, r) in curve.iter().zip(replayed) {
        assert_eq!(
            (
                c.cache_size,
                c.requests,
                c.misses,
                c.bytes_requested,
                c.bytes_missed
            ),
            (
                r.cache_size,
                r.requests,
                r.misses,
                r.bytes_requested,
                r.bytes_missed
            ),
            "{what}: at cache size {}",
            r.cache_size
        );
        assert_eq!(c.miss_ratio, r.miss_ratio(), "{what}: at {}", r.cache_size);
        assert_eq!(
            c.byte_miss_ratio,
            r.byte_miss_ratio(),
            "{what}: at {}",
            r.cache_size
        );
    }
}

/// The exact curve against one LRU replay per size.
fn check_exact(path: &Path, sizes: &[u64], ignore_size: bool, warmup: u64, what: &str) {
    let outcome = exact_curve(path, sizes, ignore_size, warmup);
    let rows: Vec<&MrcRow> = outcome.rows.iter().collect();
    assert!(
        rows.iter()
            .all(|r| r.method == Method::Exact && r.policy == PolicyKind::Lru)
    );
    let replayed = replays(path, PolicyKind::Lru, sizes, ignore_size, warmup);
    assert_same_counts(&rows, &replayed, what);
}

/// Every size from 1 to one past `top`.
fn every_size(top: u64) -> Vec<u64> {
    (1..=top + 1).collect()
}

#[test]
fn exact_lru_equals_one_replay_per_size_on_a_zipf_trace_in_object_mode() {
    let dir = tempfile::tempdir().unwrap();
    let requests = zipf_requests(20_000, 2_000, 0.9, 1, 3);
    let path = write_csv(dir.path(), "zipf.csv", &requests);
    check_exact(&path, &every_size(2_000), true, 0, "zipf, objects");
    check_exact(
        &path,
        &[1, 7, 100, 1_500],
        true,
        5_000,
        "zipf, objects, warm-up",
    );
}

#[test]
fn exact_lru_equals_one_replay_per_size_on_a_zipf_trace_in_byte_mode() {
    let dir = tempfile::tempdir().unwrap();
    let requests = zipf_requests(20_000, 2_000, 0.8, 5_000, 5);
    let path = write_csv(dir.path(), "zipf.csv", &requests);
    let largest = requests.iter().map(|r| r.1).max().unwrap();
    let footprint: u64 = {
        let mut seen = std::collections::HashMap::new();
        requests.iter().for_each(|&(id, s)| {
            seen.entry(id).or_insert(s);
        });
        seen.values().sum()
    };
    // A spread of sizes from one byte to past the footprint, and every
    // size around the largest object (below it the curve is replayed).
    let mut sizes: Vec<u64> = (0..300).map(|k| 1 + footprint * k / 299).collect();
    sizes.extend(largest - 3..=largest + 3);
    sizes.sort_unstable();
    sizes.dedup();
    check_exact(&path, &sizes, false, 0, "zipf, bytes");
    check_exact(&path, &sizes, false, 7_777, "zipf, bytes, warm-up");
}

/// Small traces chosen to break a wrong stack-distance implementation.
fn adversarial() -> Vec<(&'static str, Vec<(u64, u64)>)> {
    let mut traces = Vec::new();
    traces.push(("one object", vec![(7, 3); 50]));
    traces.push(("no reuse", (0..200).map(|i| (i, 1 + i % 5)).collect()));
    // A cyclic scan one larger than a cache: LRU misses every time.
    traces.push(("cyclic scan", (0..300).map(|i| (i % 11, 2)).collect()));
    // A hot object between scans of growing length.
    let mut hot_and_scans = Vec::new();
    for round in 0..30u64 {
        hot_and_scans.push((1_000, 4));
        hot_and_scans.extend((0..round).map(|i| (i, 1 + i % 3)));
    }
    traces.push(("hot between scans", hot_and_scans));
    // Objects larger than most caches interleaved with small ones: below the
    // largest size a cache refuses them and keeps the small ones.
    let mut big_and_small = Vec::new();
    for i in 0..200u64 {
        big_and_small.push((i % 4, 1 + i % 4));
        if i % 3 == 0 {
            big_and_small.push((100 + i % 2, 40 + 20 * (i % 2)));
        }
    }
    traces.push(("oversized objects", big_and_small));
    // Back-to-back repeats and a reversal: distances of one and of all.
    let mut reversal: Vec<(u64, u64)> = (0..40).flat_map(|i| [(i, 3), (i, 3)]).collect();
    reversal.extend((0..40).rev().map(|i| (i, 3)));
    traces.push(("repeats and reversal", reversal));
    traces
}

#[test]
fn exact_lru_equals_one_replay_per_size_on_adversarial_traces() {
    let dir = tempfile::tempdir().unwrap();
    for (name, requests) in adversarial() {
        let path = write_csv(dir.path(), "t.csv", &requests);
        let objects = requests
            .iter()
            .map(|r| r.0)
            .collect::<std::collections::HashSet<_>>();
        let bytes: u64 = requests.iter().map(|r| r.1).sum();
        check_exact(&path, &every_size(objects.len() as u64), true, 0, name);
        check_exact(&path, &every_size(bytes.min(2_000)), false, 0, name);
        let warmup = requests.len() as u64 / 3;
        check_exact(&path, &every_size(bytes.min(400)), false, warmup, name);
    }
}

#[test]
fn at_a_full_sampling_rate_every_policy_equals_its_replays() {
    let dir = tempfile::tempdir().unwrap();
    let requests = zipf_requests(30_000, 3_000, 0.9, 1, 9);
    let path = write_csv(dir.path(), "zipf.csv", &requests);
    let sizes = [10, 50, 200, 700, 2_000, 3_001];
    let spec = MrcSpec {
        policies: PolicyKind::ALL.to_vec(),
        sizes: units(&sizes),
        points: 0,
        ignore_size: true,
        warmup: Warmup::Requests(1_000),
        exact: true,
        sample: Some(SampleRate::parse("100%").unwrap()),
        max_requests: None,
    };
    let outcome = mrc(&path, &csv(), false, &spec).unwrap();
    assert_eq!(outcome.mean_abs_error, Some(0.0));
    for policy in PolicyKind::ALL {
        let sampled: Vec<&MrcRow> = outcome
            .rows
            .iter()
            .filter(|r| r.policy == policy && r.method == Method::Shards)
            .collect();
        let replayed = replays(&path, policy, &sizes, true, 1_000);
        assert_same_counts(&sampled, &replayed, policy.name());
    }
}

#[test]
fn shards_at_one_percent_is_within_a_hundredth_of_the_exact_lru_curve() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zipf.oracleGeneral");
    let zipf = Zipf::new(1_000_000, 0.8).unwrap();
    let mut rng = Streams::new(2).stream("test/mrc-shards", 0);
    let mut writer = OracleGeneralWriter::create(&path, TimeUnit::Seconds).unwrap();
    for i in 0..2_000_000u64 {
        let id = splitmix64(zipf.sample(&mut rng)) >> 1;
        let request = Request {
            time: SimTime::from_secs(i / 1_000),
            id,
            size: 1,
        };
        writer.write(&request).unwrap();
    }
    writer.finish().unwrap();
    let spec = MrcSpec {
        policies: vec![PolicyKind::Lru],
        sizes: Vec::new(),
        points: 100,
        ignore_size: true,
        warmup: Warmup::Requests(0),
        exact: true,
        sample: Some(SampleRate::parse("1%").unwrap()),
        max_requests: None,
    };
    let outcome = mrc(&path, &TraceFormat::OracleGeneral, false, &spec).unwrap();
    let mae = outcome.mean_abs_error.unwrap();
    assert_eq!(outcome.rows.len(), 200, "100 exact and 100 sampled points");
    assert!(mae < 0.01, "mean absolute error {mae}");
    // The sample is about 1 % of the requests.
    let share = outcome.sampled_requests as f64 / 2e6;
    assert!((0.005..0.02).contains(&share), "sampled share {share}");
}
