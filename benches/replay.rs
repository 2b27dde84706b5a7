//! Trace replay throughput: a 2 M-request Zipf trace (1 M objects, alpha 1.0,
//! sizes 256 B to ~1 MiB) replayed end to end (open, read, replay) from
//! oracleGeneral and CSV through one cache of 10 % of the footprint, for
//! every policy; the caches alone on requests already in memory; and the id
//! map against std's `HashMap` on the same lookups.
//!
//! Run: `cargo bench --bench replay`. The comparison with libCacheSim in the
//! same session is `benches/libcachesim_compare.py`; figures in docs/replay.md.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use edgesim::cache::idmap::IdMap;
use edgesim::cache::{Cache, CachePolicy, PolicyKind};
use edgesim::engine::rng::splitmix64;
use edgesim::engine::{SimTime, Streams};
use edgesim::replay::{CacheSize, ReplaySpec, Warmup, footprint, replay};
use edgesim::workload::trace::{
    self, CsvTraceWriter, OracleGeneralWriter, Request, TimeUnit, TraceFormat,
};
use edgesim::workload::zipf::Zipf;

const REQUESTS: u64 = 2_000_000;
const OBJECTS: u64 = 1_000_000;
const ALPHA: f64 = 1.0;

/// Writes the trace (CSV and oracleGeneral) once into `dir`.
fn make_trace(dir: &Path) -> (PathBuf, PathBuf) {
    let csv_path = dir.join("zipf.csv");
    let bin_path = dir.join("zipf.oracleGeneral");
    let zipf = Zipf::new(OBJECTS, ALPHA).unwrap();
    let mut rng = Streams::new(1).stream("bench/zipf-trace", 0);
    let mut csv = CsvTraceWriter::create(&csv_path, TimeUnit::Seconds).unwrap();
    let mut bin = OracleGeneralWriter::create(&bin_path, TimeUnit::Seconds).unwrap();
    for i in 0..REQUESTS {
        let id = splitmix64(zipf.sample(&mut rng) ^ 1) >> 1;
        let h = splitmix64(id);
        let r = Request {
            time: SimTime::from_secs(i / 1000),
            id,
            size: (256u64 << (h % 12)) + (h >> 32) % 1024,
        };
        csv.write(&r).unwrap();
        bin.write(&r).unwrap();
    }
    csv.finish().unwrap();
    bin.finish().unwrap();
    (csv_path, bin_path)
}

fn spec(policy: PolicyKind, capacity: u64) -> ReplaySpec {
    ReplaySpec {
        policies: vec![policy],
        sizes: vec![CacheSize::Units(capacity)],
        ignore_size: false,
        warmup: Warmup::Requests(0),
        max_requests: None,
    }
}

fn bench_replay(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (csv_path, bin_path) = make_trace(dir.path());
    let bin = TraceFormat::OracleGeneral;
    let csv = TraceFormat::by_name("csv").unwrap();
    let capacity = footprint(&bin_path, &bin, false).unwrap().bytes / 10;

    let mut group = c.benchmark_group("replay_end_to_end");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(REQUESTS));
    for policy in PolicyKind::ALL {
        group.bench_function(BenchmarkId::new("oracleGeneral", policy), |b| {
            b.iter(|| replay(&bin_path, &bin, false, &spec(policy, capacity)).unwrap())
        });
    }
    group.bench_function(BenchmarkId::new("csv", PolicyKind::Lru), |b| {
        b.iter(|| replay(&csv_path, &csv, false, &spec(PolicyKind::Lru, capacity)).unwrap())
    });
    group.finish();

    let requests = trace::read_all(&bin_path, &bin).unwrap();
    let mut group = c.benchmark_group("cache_only");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(REQUESTS));
    for policy in PolicyKind::ALL {
        group.bench_function(BenchmarkId::from_parameter(policy), |b| {
            b.iter(|| {
                let mut cache: Cache<()> = Cache::new(policy, capacity).unwrap();
                let mut misses = 0u64;
                for r in &requests {
                    misses += u64::from(!cache.access(r.id, r.size, ()));
                }
                misses
            })
        });
    }
    group.finish();
    bench_maps(c, &requests);
}

/// Insert-if-absent over the trace's ids: the cache's map traffic.
fn bench_maps(c: &mut Criterion, requests: &[Request]) {
    let mut group = c.benchmark_group("id_map");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function("IdMap", |b| {
        b.iter(|| {
            let mut map = IdMap::default();
            for (i, r) in requests.iter().enumerate() {
                if map.get(r.id).is_none() {
                    map.insert(r.id, i as u32);
                }
            }
            map.len()
        })
    });
    group.bench_function("std HashMap, SipHash", |b| {
        b.iter(|| {
            let mut map: HashMap<u64, u32> = HashMap::new();
            for (i, r) in requests.iter().enumerate() {
                map.entry(r.id).or_insert(i as u32);
            }
            map.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_replay);
criterion_main!(benches);
