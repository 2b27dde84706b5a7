//! One-pass miss-ratio curves against one cache per size: the exact LRU
//! curve at 100 sizes (1 % to 100 % of the footprint) from stack distances
//! (`replay::mrc`), and the same 100 sizes as 100 separate LRU caches
//! replayed over the trace (`replay::replay`, the caches in parallel on the
//! rayon pool), on a 2 M-request Zipf trace (1 M objects, alpha 1.0, sizes
//! 256 B to ~1 MiB, oracleGeneral), in object and in byte mode, in the same
//! run; and SHARDS at 1 % (LRU from sampled stack distances). Before any
//! timing the two exact answers are checked to be equal at every size.
//!
//! Run: `cargo bench --bench mrc`. Figures: BENCHMARKS.md, docs/replay.md.

use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use edgesim::cache::PolicyKind;
use edgesim::engine::rng::splitmix64;
use edgesim::engine::{SimTime, Streams};
use edgesim::replay::mrc::{MrcSpec, SampleRate, mrc};
use edgesim::replay::{CacheSize, ReplaySpec, Warmup, replay};
use edgesim::workload::trace::{OracleGeneralWriter, Request, TimeUnit, TraceFormat};
use edgesim::workload::zipf::Zipf;

const REQUESTS: u64 = 2_000_000;
const OBJECTS: u64 = 1_000_000;
const ALPHA: f64 = 1.0;
const SIZES: u64 = 100;

/// The replay benchmark's trace generator (`benches/replay.rs`).
fn make_trace(dir: &Path) -> PathBuf {
    let path = dir.join("zipf.oracleGeneral");
    let zipf = Zipf::new(OBJECTS, ALPHA).unwrap();
    let mut rng = Streams::new(1).stream("bench/zipf-trace", 0);
    let mut bin = OracleGeneralWriter::create(&path, TimeUnit::Seconds).unwrap();
    for i in 0..REQUESTS {
        let id = splitmix64(zipf.sample(&mut rng) ^ 1) >> 1;
        let h = splitmix64(id);
        let r = Request {
            time: SimTime::from_secs(i / 1000),
            id,
            size: (256u64 << (h % 12)) + (h >> 32) % 1024,
        };
        bin.write(&r).unwrap();
    }
    bin.finish().unwrap();
    path
}

/// 1 %, 2 %, ... 100 % of the footprint.
fn sizes() -> Vec<CacheSize> {
    (1..=SIZES)
        .map(|k| CacheSize::FootprintPercent(k as f64))
        .collect()
}

fn replay_spec(ignore_size: bool) -> ReplaySpec {
    ReplaySpec {
        policies: vec![PolicyKind::Lru],
        sizes: sizes(),
        ignore_size,
        warmup: Warmup::Requests(0),
        max_requests: None,
    }
}

fn mrc_spec(ignore_size: bool, exact: bool, sample: Option<&str>) -> MrcSpec {
    MrcSpec {
        policies: vec![PolicyKind::Lru],
        sizes: sizes(),
        points: 0,
        ignore_size,
        warmup: Warmup::Requests(0),
        exact,
        sample: sample.map(|s| SampleRate::parse(s).unwrap()),
        max_requests: None,
    }
}

/// The one-pass curve equals the replays, size by size.
fn check_equal(path: &Path, ignore_size: bool) {
    let format = TraceFormat::OracleGeneral;
    let replayed = replay(path, &format, false, &replay_spec(ignore_size)).unwrap();
    let curve = mrc(path, &format, false, &mrc_spec(ignore_size, true, None)).unwrap();
    let mut replayed: Vec<_> = replayed
        .rows
        .iter()
        .map(|r| (r.cache_size, r.misses, r.bytes_missed))
        .collect();
    replayed.sort_unstable();
    replayed.dedup();
    let one_pass: Vec<_> = curve
        .rows
        .iter()
        .map(|r| (r.cache_size, r.misses, r.bytes_missed))
        .collect();
    assert_eq!(one_pass, replayed, "ignore_size {ignore_size}");
}

fn bench_mrc(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = make_trace(dir.path());
    let format = TraceFormat::OracleGeneral;
    let mut group = c.benchmark_group("mrc_100_sizes");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(REQUESTS));
    for (mode, ignore_size) in [("objects", true), ("bytes", false)] {
        check_equal(&path, ignore_size);
        group.bench_function(BenchmarkId::new("one_pass_exact_lru", mode), |b| {
            b.iter(|| mrc(&path, &format, false, &mrc_spec(ignore_size, true, None)).unwrap())
        });
        group.bench_function(BenchmarkId::new("shards_1pct_lru", mode), |b| {
            b.iter(|| {
                mrc(
                    &path,
                    &format,
                    false,
                    &mrc_spec(ignore_size, false, Some("1%")),
                )
                .unwrap()
            })
        });
        group.bench_function(BenchmarkId::new("replay_100_lru_caches", mode), |b| {
            b.iter(|| replay(&path, &format, false, &replay_spec(ignore_size)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_mrc);
criterion_main!(benches);
