//! Single-cache trace replay for cache sizing: every (policy, size) pair sees
//! the whole trace, counted exactly as libCacheSim counts.
//!
//! The trace is streamed once (plus a first pass when a cache size is a
//! share of the footprint or the warm-up a fraction of the trace): batches of
//! requests are read while the previous batch goes through all caches in
//! parallel (rayon). Each cache is single-threaded and sees the requests in
//! trace order, so results do not depend on the number of threads, and rows
//! come out in the order the policies and sizes were given.
//!
//! The curve is written as CSV ([`output`]) and drawn as charts ([`chart`],
//! with the report's chart module). [`mrc`] computes whole curves in one
//! pass instead: exact LRU from stack distances ([`stack`]) and SHARDS
//! samples for every policy. The `replay` command (and replaying a
//! trace through the whole CDN model, an experiment whose requests come from
//! the trace) lives in `cli::replay` and `cli::replay_cdn`.

pub mod chart;
pub mod mrc;
pub mod output;
pub mod stack;

use std::path::Path;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::cache::idmap::IdMap;
use crate::cache::{Cache, CachePolicy, PolicyKind};
use crate::error::{Error, InputError};
use crate::workload::trace::{ReadStats, Request, TraceFormat, TraceReader, empty_trace_error};

/// Requests per batch: large enough to amortise the hand-off between the
/// reading thread and the cache threads, small enough to stay in L2.
pub const BATCH_REQUESTS: usize = 1 << 14;

/// A cache size as the user gave it.
#[derive(Clone, Debug, PartialEq)]
pub enum CacheSize {
    /// A count in the mode's unit: objects with `ignore_size`, bytes otherwise.
    Units(u64),
    /// Bytes, written with a unit ("10GiB"); byte mode only.
    Bytes(u64),
    /// A percentage of the trace's footprint: distinct objects (object mode)
    /// or the bytes of distinct objects at their first-seen size (byte mode).
    FootprintPercent(f64),
}

impl CacheSize {
    /// Parses "1000", "10GiB", "5%".
    pub fn parse(text: &str) -> Result<CacheSize, String> {
        let t = text.trim();
        let expected = "expected a count (\"5000\"), a size with a unit (\"10GiB\") or a share of the footprint (\"5%\")";
        if let Some(p) = t.strip_suffix('%') {
            let pct: f64 = p
                .trim()
                .parse()
                .map_err(|_| format!("\"{text}\": {expected}"))?;
            if !(pct > 0.0 && pct <= 100.0) {
                return Err(format!("\"{text}\": a percentage must be in (0, 100]"));
            }
            return Ok(CacheSize::FootprintPercent(pct));
        }
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
            let n: u64 = t
                .replace('_', "")
                .parse()
                .map_err(|_| format!("\"{text}\": {expected}"))?;
            return Ok(CacheSize::Units(n));
        }
        if t.ends_with('B') {
            return crate::units::parse_bytes(t)
                .map(CacheSize::Bytes)
                .map_err(|e| format!("\"{text}\": {e}"));
        }
        Err(format!("\"{text}\": {expected}"))
    }

    fn needs_footprint(&self) -> bool {
        matches!(self, CacheSize::FootprintPercent(_))
    }
}

/// How much of the trace warms the caches before counting starts.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Warmup {
    /// The first n requests (after size-0 requests are dropped).
    Requests(u64),
    /// This fraction of the trace's requests, rounded down.
    Fraction(f64),
}

impl Warmup {
    /// Parses "100000", "0.2" or "20%".
    pub fn parse(text: &str) -> Result<Warmup, String> {
        let t = text.trim();
        let bad = || {
            format!(
                "\"{text}\": expected a request count (\"100000\") or a fraction of the trace (\"0.2\" or \"20%\")"
            )
        };
        if let Some(p) = t.strip_suffix('%') {
            let pct: f64 = p.trim().parse().map_err(|_| bad())?;
            return Warmup::fraction(pct / 100.0).ok_or_else(bad);
        }
        if let Ok(n) = t.parse::<u64>() {
            return Ok(Warmup::Requests(n));
        }
        let f: f64 = t.parse().map_err(|_| bad())?;
        Warmup::fraction(f).ok_or_else(bad)
    }

    fn fraction(f: f64) -> Option<Warmup> {
        (0.0..1.0).contains(&f).then_some(Warmup::Fraction(f))
    }
}

/// What to replay.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplaySpec {
    pub policies: Vec<PolicyKind>,
    pub sizes: Vec<CacheSize>,
    /// Object mode: every object has size 1 (libCacheSim `ignore_obj_size`).
    pub ignore_size: bool,
    pub warmup: Warmup,
    /// Only the trace's first requests, this many at most (libCacheSim
    /// `--num-req`); none: all.
    pub max_requests: Option<u64>,
}

/// The trace's footprint: what a cache must hold to miss only compulsorily.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Footprint {
    pub requests: u64,
    pub objects: u64,
    /// Sum of each distinct object's first-seen size.
    pub bytes: u64,
    /// The largest request's size in bytes.
    pub largest_size: u64,
}

/// The counts of one (policy, cache size).
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayRow {
    pub policy: PolicyKind,
    /// Capacity in the mode's unit (objects or bytes).
    pub cache_size: u64,
    /// Counted requests (after warm-up).
    pub requests: u64,
    pub misses: u64,
    pub bytes_requested: u64,
    pub bytes_missed: u64,
    /// Time this cache spent on all its requests (warm-up included).
    pub busy: Duration,
    /// All requests this cache processed (warm-up included).
    pub processed: u64,
}

impl ReplayRow {
    pub fn miss_ratio(&self) -> f64 {
        ratio(self.misses, self.requests)
    }
    pub fn byte_miss_ratio(&self) -> f64 {
        ratio(self.bytes_missed, self.bytes_requested)
    }
    /// Requests per second of this cache's own processing time.
    pub fn requests_per_s(&self) -> f64 {
        let s = self.busy.as_secs_f64();
        if s > 0.0 {
            self.processed as f64 / s
        } else {
            0.0
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Everything a replay produced.
#[derive(Clone, Debug)]
pub struct ReplayOutcome {
    /// One row per (policy, size), policies outer, sizes inner, in the given order.
    pub rows: Vec<ReplayRow>,
    /// The footprint, warm-up and reader's counts.
    pub read: TraceRead,
    pub wall: Duration,
}

/// What reading a trace gave a replay, whichever way it counted.
#[derive(Clone, Debug)]
pub struct TraceRead {
    /// Present when a first pass was needed.
    pub footprint: Option<Footprint>,
    /// Requests replayed before counting.
    pub warmup_requests: u64,
    pub stats: ReadStats,
    /// `max_requests` ended the trace: its requests are the first so many.
    pub first_only: bool,
}

/// The trace a replay reads, and how.
pub(super) struct TraceInput<'a> {
    pub path: &'a Path,
    pub format: &'a TraceFormat,
    pub skip_bad: bool,
    pub max_requests: Option<u64>,
}

impl TraceInput<'_> {
    /// A reader from the trace's start, ending at `max_requests`.
    pub fn open(&self) -> Result<TraceReader, Error> {
        Ok(TraceReader::open(self.path, self.format, self.skip_bad)?.first(self.max_requests))
    }
}

/// The first pass over the trace, when `needed`, and the warm-up in
/// requests (a fraction is of the first pass's requests).
pub(super) fn first_pass(
    input: &TraceInput,
    needed: bool,
    warmup: Warmup,
) -> Result<(Option<Footprint>, u64), Error> {
    let needed = needed || matches!(warmup, Warmup::Fraction(_));
    let fp = if needed {
        Some(footprint_of(input.open()?)?)
    } else {
        None
    };
    let warmup_requests = match warmup {
        Warmup::Requests(n) => n,
        Warmup::Fraction(f) => (fp.as_ref().map_or(0, |fp| fp.requests) as f64 * f) as u64,
    };
    Ok((fp, warmup_requests))
}

impl TraceRead {
    /// What the counting pass read, once it is known to have read
    /// something and more than the warm-up.
    pub(super) fn counted(
        input: &TraceInput,
        reader: &TraceReader,
        footprint: Option<Footprint>,
        warmup_requests: u64,
    ) -> Result<TraceRead, Error> {
        let (path, stats) = (input.path, reader.stats().clone());
        if stats.requests == 0 {
            return Err(empty_trace_error(path, &stats));
        }
        if warmup_requests >= stats.requests {
            return Err(InputError::new(
                "command line",
                format!(
                    "the warm-up ({warmup_requests} requests) covers the whole trace ({} requests); nothing is left to count",
                    stats.requests
                ),
            )
            .with_key("--warmup")
            .into());
        }
        Ok(TraceRead {
            footprint,
            warmup_requests,
            stats,
            first_only: reader.limit_reached(),
        })
    }
}

/// One cache and its counters.
struct Lane {
    cache: Cache<()>,
    row: ReplayRow,
}

/// Reads the whole trace once for its footprint and request count.
pub fn footprint(path: &Path, format: &TraceFormat, skip_bad: bool) -> Result<Footprint, Error> {
    footprint_of(TraceReader::open(path, format, skip_bad)?)
}

/// The footprint of what `reader` delivers.
fn footprint_of(mut reader: TraceReader) -> Result<Footprint, Error> {
    let mut seen = IdMap::default();
    let mut fp = Footprint {
        requests: 0,
        objects: 0,
        bytes: 0,
        largest_size: 0,
    };
    let mut batch = Vec::with_capacity(BATCH_REQUESTS);
    while reader.read_batch(&mut batch, BATCH_REQUESTS)? > 0 {
        for r in &batch {
            fp.largest_size = fp.largest_size.max(r.size);
            if seen.get(r.id).is_none() {
                seen.insert(r.id, 0);
                fp.objects += 1;
                fp.bytes = fp.bytes.saturating_add(r.size);
            }
        }
        fp.requests += batch.len() as u64;
    }
    Ok(fp)
}

fn resolve_size(
    size: &CacheSize,
    spec: &ReplaySpec,
    fp: Option<&Footprint>,
    path: &Path,
) -> Result<u64, Error> {
    let bad = |m: String| -> Error {
        InputError::new("command line", m)
            .with_key("--cache-size")
            .into()
    };
    let units = match *size {
        CacheSize::Units(n) => n,
        CacheSize::Bytes(_) if spec.ignore_size => {
            return Err(bad(
                "a size in bytes needs byte mode; give a number of objects with --ignore-size"
                    .into(),
            ));
        }
        CacheSize::Bytes(b) => b,
        CacheSize::FootprintPercent(pct) => {
            let fp = fp.expect("footprint computed when a percentage is given");
            let total = if spec.ignore_size {
                fp.objects
            } else {
                fp.bytes
            };
            // libcachesim's Python binding: int(ratio * working_set_bytes).
            (total as f64 * pct / 100.0) as u64
        }
    };
    if units == 0 {
        return Err(bad(format!(
            "cache size {size:?} of {} comes to 0; give a larger size",
            path.display()
        )));
    }
    Ok(units)
}

fn make_lanes(spec: &ReplaySpec, capacities: &[u64]) -> Result<Vec<Lane>, Error> {
    let mut lanes = Vec::new();
    for &policy in &spec.policies {
        for &capacity in capacities {
            let cache = Cache::new(policy, capacity)
                .map_err(|m| InputError::new("command line", m).with_key("--cache-size"))?;
            lanes.push(Lane {
                cache,
                row: ReplayRow {
                    policy,
                    cache_size: capacity,
                    requests: 0,
                    misses: 0,
                    bytes_requested: 0,
                    bytes_missed: 0,
                    busy: Duration::ZERO,
                    processed: 0,
                },
            });
        }
    }
    Ok(lanes)
}

/// Replays `path` through every (policy, size) of `spec`.
pub fn replay(
    path: &Path,
    format: &TraceFormat,
    skip_bad: bool,
    spec: &ReplaySpec,
) -> Result<ReplayOutcome, Error> {
    let started = Instant::now();
    if spec.policies.is_empty() || spec.sizes.is_empty() {
        return Err(InputError::new(
            "command line",
            "give at least one --policy and one --cache-size",
        )
        .into());
    }
    let input = TraceInput {
        path,
        format,
        skip_bad,
        max_requests: spec.max_requests,
    };
    let (fp, warmup_requests) = first_pass(
        &input,
        spec.sizes.iter().any(CacheSize::needs_footprint),
        spec.warmup,
    )?;
    let capacities = spec
        .sizes
        .iter()
        .map(|s| resolve_size(s, spec, fp.as_ref(), path))
        .collect::<Result<Vec<u64>, Error>>()?;
    let mut lanes = make_lanes(spec, &capacities)?;
    let mut reader = input.open()?;
    stream(&mut reader, &mut lanes, spec.ignore_size, warmup_requests)?;
    Ok(ReplayOutcome {
        rows: lanes.into_iter().map(|l| l.row).collect(),
        read: TraceRead::counted(&input, &reader, fp, warmup_requests)?,
        wall: started.elapsed(),
    })
}

/// Feeds the trace through every lane, reading batch k+1 while batch k is replayed.
fn stream(
    reader: &mut TraceReader,
    lanes: &mut [Lane],
    ignore_size: bool,
    warmup: u64,
) -> Result<ReadStats, Error> {
    let mut current = Vec::with_capacity(BATCH_REQUESTS);
    let mut next = Vec::with_capacity(BATCH_REQUESTS);
    reader.read_batch(&mut current, BATCH_REQUESTS)?;
    let mut first_index = 0u64;
    while !current.is_empty() {
        let batch = &current;
        let (read, ()) = rayon::join(
            || reader.read_batch(&mut next, BATCH_REQUESTS),
            || {
                lanes
                    .par_iter_mut()
                    .with_max_len(1)
                    .for_each(|lane| lane.run(batch, first_index, ignore_size, warmup))
            },
        );
        read?;
        first_index += current.len() as u64;
        std::mem::swap(&mut current, &mut next);
    }
    Ok(reader.stats().clone())
}

impl Lane {
    fn run(&mut self, batch: &[Request], first_index: u64, ignore_size: bool, warmup: u64) {
        let started = Instant::now();
        // Requests before `skip` in this batch are warm-up.
        let skip = warmup.saturating_sub(first_index).min(batch.len() as u64) as usize;
        let row = &mut self.row;
        match &mut self.cache {
            Cache::Lru(c) => run_batch(c, batch, skip, ignore_size, row),
            Cache::Fifo(c) => run_batch(c, batch, skip, ignore_size, row),
            Cache::Lfu(c) => run_batch(c, batch, skip, ignore_size, row),
            Cache::Sieve(c) => run_batch(c, batch, skip, ignore_size, row),
            Cache::Clock(c) => run_batch(c, batch, skip, ignore_size, row),
            Cache::S3Fifo(c) => run_batch(c, batch, skip, ignore_size, row),
        }
        row.processed += batch.len() as u64;
        row.busy += started.elapsed();
    }
}

/// The hot loop, monomorphised per policy.
#[inline(never)]
fn run_batch<C: CachePolicy<()>>(
    cache: &mut C,
    batch: &[Request],
    skip: usize,
    ignore_size: bool,
    row: &mut ReplayRow,
) {
    let size_of = |r: &Request| if ignore_size { 1 } else { r.size };
    for r in &batch[..skip] {
        cache.access(r.id, size_of(r), ());
    }
    let (mut misses, mut bytes_requested, mut bytes_missed) = (0u64, 0u64, 0u64);
    for r in &batch[skip..] {
        let size = size_of(r);
        let hit = cache.access(r.id, size, ());
        bytes_requested = u64::saturating_add(bytes_requested, size);
        if !hit {
            misses += 1;
            bytes_missed = u64::saturating_add(bytes_missed, size);
        }
    }
    row.requests += (batch.len() - skip) as u64;
    row.misses += misses;
    row.bytes_requested = row.bytes_requested.saturating_add(bytes_requested);
    row.bytes_missed = row.bytes_missed.saturating_add(bytes_missed);
}

/// One policy's miss-ratio curve: points in increasing cache size.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveSeries {
    pub policy: PolicyKind,
    /// The line's name in a chart: the policy's, and how the curve was
    /// obtained when that is not one cache per size ("lru (SHARDS 1%)").
    pub label: String,
    /// (cache size in the mode's unit, miss ratio, byte miss ratio).
    pub points: Vec<(u64, f64, f64)>,
}

/// The miss-ratio curve data of a replay, one series per policy in the order
/// the policies were given; for the report's chart.
pub fn miss_ratio_curve(rows: &[ReplayRow]) -> Vec<CurveSeries> {
    let mut series: Vec<CurveSeries> = Vec::new();
    for row in rows {
        let point = (row.cache_size, row.miss_ratio(), row.byte_miss_ratio());
        match series.iter_mut().find(|s| s.policy == row.policy) {
            Some(s) => s.points.push(point),
            None => series.push(CurveSeries {
                policy: row.policy,
                label: row.policy.name().to_string(),
                points: vec![point],
            }),
        }
    }
    for s in &mut series {
        s.points.sort_by_key(|p| p.0);
    }
    series
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_sizes_parse() {
        assert_eq!(CacheSize::parse("5000"), Ok(CacheSize::Units(5000)));
        assert_eq!(CacheSize::parse("1KiB"), Ok(CacheSize::Bytes(1024)));
        assert_eq!(CacheSize::parse("5%"), Ok(CacheSize::FootprintPercent(5.0)));
        assert!(CacheSize::parse("0%").is_err());
        assert!(CacheSize::parse("0.5").is_err());
        assert!(CacheSize::parse("-5").is_err());
        assert!(CacheSize::parse("lots").is_err());
    }

    #[test]
    fn warmups_parse() {
        assert_eq!(Warmup::parse("1000"), Ok(Warmup::Requests(1000)));
        assert_eq!(Warmup::parse("0.25"), Ok(Warmup::Fraction(0.25)));
        assert_eq!(Warmup::parse("25%"), Ok(Warmup::Fraction(0.25)));
        assert!(Warmup::parse("1.5").is_err());
        assert!(Warmup::parse("-1").is_err());
    }
}
