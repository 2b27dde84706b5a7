//! Replay counts equal libCacheSim's, exactly, for every policy, cache size,
//! warm-up and mode in `tests/data/replay/golden.csv` (made by
//! `tests/data/replay/make_golden.py` with the PyPI package libcachesim 0.3.5;
//! running these tests does not need Python).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use edgesim::cache::PolicyKind;
use edgesim::replay::{CacheSize, ReplaySpec, Warmup, replay};
use edgesim::workload::trace::{self, OracleGeneralWriter, TimeUnit, TraceFormat};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/replay")
        .join(name)
}

#[derive(Debug)]
struct Golden {
    policy: PolicyKind,
    cache_size: u64,
    requests: u64,
    misses: u64,
    bytes_requested: u64,
    bytes_missed: u64,
}

/// Golden rows grouped by (reader, mode, warm-up).
fn golden() -> BTreeMap<(String, String, u64), Vec<Golden>> {
    let text = std::fs::read_to_string(data("golden.csv")).unwrap();
    let mut groups: BTreeMap<(String, String, u64), Vec<Golden>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let n = |i: usize| f[i].parse::<u64>().unwrap();
        groups
            .entry((f[0].to_string(), f[1].to_string(), n(4)))
            .or_default()
            .push(Golden {
                policy: f[2].parse().unwrap(),
                cache_size: n(3),
                requests: n(5),
                misses: n(6),
                bytes_requested: n(7),
                bytes_missed: n(8),
            });
    }
    groups
}

#[test]
fn every_policy_matches_libcachesim_exactly() {
    let groups = golden();
    assert_eq!(groups.values().map(Vec::len).sum::<usize>(), 192);
    for ((reader, mode, warmup), rows) in &groups {
        let (path, format) = match reader.as_str() {
            "csv" => (data("zipf_sizes.csv"), TraceFormat::by_name("csv").unwrap()),
            _ => (data("zipf_sizes.oracleGeneral"), TraceFormat::OracleGeneral),
        };
        let mut policies: Vec<PolicyKind> = rows.iter().map(|r| r.policy).collect();
        policies.dedup();
        let mut sizes: Vec<u64> = rows.iter().map(|r| r.cache_size).collect();
        sizes.sort();
        sizes.dedup();
        let spec = ReplaySpec {
            policies,
            sizes: sizes.iter().map(|&s| CacheSize::Units(s)).collect(),
            ignore_size: mode == "objects",
            warmup: Warmup::Requests(*warmup),
            max_requests: None,
        };
        let outcome = replay(&path, &format, false, &spec).unwrap();
        for g in rows {
            let row = outcome
                .rows
                .iter()
                .find(|r| r.policy == g.policy && r.cache_size == g.cache_size)
                .unwrap();
            let what = format!(
                "{reader} {mode} warmup {warmup} {} size {}",
                g.policy, g.cache_size
            );
            assert_eq!(row.requests, g.requests, "requests, {what}");
            assert_eq!(
                row.bytes_requested, g.bytes_requested,
                "bytes requested, {what}"
            );
            assert_eq!(row.misses, g.misses, "misses, {what}");
            assert_eq!(row.bytes_missed, g.bytes_missed, "byte misses, {what}");
        }
    }
}

#[test]
fn oracle_general_writer_matches_libcachesim_conversion() {
    let requests = trace::read_all(
        &data("zipf_sizes.csv"),
        &TraceFormat::by_name("csv").unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.oracleGeneral");
    let mut writer = OracleGeneralWriter::create(&out, TimeUnit::Seconds).unwrap();
    for r in &requests {
        writer.write(r).unwrap();
    }
    writer.finish().unwrap();
    let ours = std::fs::read(&out).unwrap();
    let theirs = std::fs::read(data("converted.oracleGeneral")).unwrap();
    assert_eq!(ours.len(), theirs.len());
    assert!(
        ours == theirs,
        "oracleGeneral bytes differ from libCacheSim's conversion"
    );
}
