//! Miss-ratio curves in one pass over a trace, for `edgesim replay --mrc`.
//!
//! - **Exact LRU, at any number of cache sizes.** LRU is a stack algorithm
//!   (Mattson et al. 1970): a cache of size C holds the most recently used
//!   objects whose sizes add up to at most C, so a request hits exactly the
//!   caches at least as large as its stack distance ([`super::stack`]). One
//!   pass gives every size's counts, equal to one LRU cache per size
//!   (`super::replay`, libCacheSim's counting). In byte mode two things
//!   break the stack property, and are handled: a cache refuses an object
//!   larger than itself, so below the largest object size the cached set is
//!   no longer the top of the stack (those few sizes are replayed by an LRU
//!   cache of their own in the same pass); and a hit keeps the size the
//!   cache stored, so an object whose size changes is held at different
//!   sizes by different caches (refused: exit 2, use `--ignore-size`).
//! - **Sampled curves (SHARDS: Waldspurger, Park, Garthwaite and Ahmad,
//!   "Efficient MRC construction with SHARDS", FAST 2015).** Requests whose
//!   object id hashes below a threshold (rate R of the ids) are kept; LRU's
//!   stack distances on that sub-trace, divided by R, estimate the full
//!   trace's; every other policy runs a cache of size C·R on the sub-trace
//!   (miniature simulation: Waldspurger et al., USENIX ATC 2017). Miss
//!   ratios are sampled misses over R times the trace's requests, which is
//!   SHARDS' adjustment of the first histogram bucket by the expected minus
//!   the actual number of samples (libCacheSim's mrcProfiler does the same).
//!
//! Reading, the exact curve and the sampled ones run on three threads; each
//! sees the requests in trace order, so results do not depend on threads.

use std::path::Path;
use std::time::{Duration, Instant};

use super::stack::{Reuse, StackDistances, TooManyObjects};
use super::{
    BATCH_REQUESTS, CacheSize, CurveSeries, Footprint, TraceInput, TraceRead, Warmup, first_pass,
    resolve_size,
};
use crate::cache::{Cache, CachePolicy, Lru, PolicyKind};
use crate::engine::rng::splitmix64;
use crate::error::{Error, InputError};
use crate::report::charts::format_significant;
use crate::workload::trace::{ReadStats, Request, TraceFormat, TraceReader};

/// Sizes of the default curve, evenly spaced up to the footprint.
pub const DEFAULT_POINTS: usize = 100;

/// How a curve was obtained.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Method {
    /// Every request counted, exactly.
    Exact,
    /// Estimated from a spatially sampled sub-trace.
    Shards,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Exact => "exact",
            Method::Shards => "shards",
        }
    }
}

/// A SHARDS sampling rate: an id is kept when its hash modulo 2^24 is below
/// the threshold (the paper's P = 2^24 and T = R·P).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SampleRate {
    threshold: u64,
}

impl SampleRate {
    const MODULUS: u64 = 1 << 24;
    /// Decorrelates the sampling hash from the caches' id hash.
    const SALT: u64 = 0x5348_4152_4453_2015;

    /// Parses "1%", "0.01" or "1": a rate in (0, 1].
    pub fn parse(text: &str) -> Result<SampleRate, String> {
        let t = text.trim();
        let bad = || {
            format!(
                "\"{text}\": expected a sampling rate in (0, 1], as a fraction (\"0.01\") or a percentage (\"1%\")"
            )
        };
        let rate = match t.strip_suffix('%') {
            Some(p) => p.trim().parse::<f64>().map_err(|_| bad())? / 100.0,
            None => t.parse::<f64>().map_err(|_| bad())?,
        };
        if !(rate > 0.0 && rate <= 1.0) {
            return Err(bad());
        }
        let threshold = (rate * Self::MODULUS as f64).round() as u64;
        if threshold == 0 {
            return Err(format!(
                "\"{text}\": the smallest sampling rate is 1/2^24 (0.00000006)"
            ));
        }
        Ok(SampleRate { threshold })
    }

    /// The rate actually applied: the threshold over 2^24.
    pub fn rate(self) -> f64 {
        self.threshold as f64 / Self::MODULUS as f64
    }

    /// Whether requests for `id` are in the sample.
    #[inline]
    pub fn keeps(self, id: u64) -> bool {
        splitmix64(id ^ Self::SALT) & (Self::MODULUS - 1) < self.threshold
    }
}

/// What to compute.
#[derive(Clone, Debug, PartialEq)]
pub struct MrcSpec {
    /// Policies of the sampled curves; without sampling, LRU only.
    pub policies: Vec<PolicyKind>,
    /// Cache sizes; none: `points` sizes evenly spaced up to the footprint.
    pub sizes: Vec<CacheSize>,
    pub points: usize,
    /// Object mode: every object has size 1 (libCacheSim `ignore_obj_size`).
    pub ignore_size: bool,
    pub warmup: Warmup,
    /// The exact LRU curve.
    pub exact: bool,
    /// SHARDS curves at this rate.
    pub sample: Option<SampleRate>,
    /// Only the trace's first requests, this many at most; none: all.
    pub max_requests: Option<u64>,
}

/// One point of one curve.
#[derive(Clone, Debug, PartialEq)]
pub struct MrcRow {
    pub policy: PolicyKind,
    pub method: Method,
    /// Capacity in the mode's unit (objects or bytes).
    pub cache_size: u64,
    /// Counted requests (after warm-up): the trace's, or the sample's.
    pub requests: u64,
    pub misses: u64,
    pub bytes_requested: u64,
    pub bytes_missed: u64,
    /// Exact, or the SHARDS estimate (sampled misses over R times the
    /// trace's counted requests, at most 1).
    pub miss_ratio: f64,
    pub byte_miss_ratio: f64,
    /// |SHARDS − exact| miss ratio at this size (LRU, when both are computed).
    pub abs_error: Option<f64>,
}

/// Everything a one-pass run produced.
#[derive(Clone, Debug)]
pub struct MrcOutcome {
    /// Policies in the order given; for each, the exact curve then the
    /// sampled one; sizes ascending.
    pub rows: Vec<MrcRow>,
    /// The footprint, warm-up and reader's counts.
    pub read: TraceRead,
    /// The rate applied (the threshold's), when sampling.
    pub sample_rate: Option<f64>,
    /// Requests in the sample (warm-up included).
    pub sampled_requests: u64,
    /// Byte-mode sizes below the largest object, replayed by a cache each.
    pub replayed_sizes: Vec<u64>,
    /// Mean of `abs_error` over the sizes: SHARDS LRU against exact LRU.
    pub mean_abs_error: Option<f64>,
    pub wall: Duration,
}

/// Hits counted by the smallest cache size they hit, for a fixed list of
/// sizes: one binary search per request, whatever the number of sizes.
struct Curve {
    /// Non-decreasing: a request of stack distance d hits every limit >= d.
    limits: Vec<u64>,
    hits: Vec<u64>,
    /// Byte sums in `u128`, so that no realistic trace wraps them; reported
    /// saturated to `u64`.
    hit_bytes: Vec<u128>,
    requests: u64,
    bytes: u128,
}

/// A byte sum as a `u64`, saturated.
fn saturate(bytes: u128) -> u64 {
    bytes.min(u64::MAX as u128) as u64
}

impl Curve {
    fn new(limits: Vec<u64>) -> Curve {
        let n = limits.len();
        Curve {
            limits,
            hits: vec![0; n],
            hit_bytes: vec![0; n],
            requests: 0,
            bytes: 0,
        }
    }

    #[inline]
    fn count(&mut self, distance: Option<u64>, size: u64) {
        self.requests += 1;
        self.bytes += size as u128;
        if let Some(d) = distance {
            let first = self.limits.partition_point(|&limit| limit < d);
            if first < self.limits.len() {
                self.hits[first] += 1;
                self.hit_bytes[first] += size as u128;
            }
        }
    }

    /// (misses, bytes missed) at each limit.
    fn misses(&self) -> Vec<(u64, u64)> {
        let (mut hits, mut bytes) = (0, 0u128);
        self.hits
            .iter()
            .zip(&self.hit_bytes)
            .map(|(h, b)| {
                hits += h;
                bytes += b;
                (self.requests - hits, saturate(self.bytes - bytes))
            })
            .collect()
    }
}

/// Counts of one cache replayed directly.
#[derive(Clone, Copy, Default)]
struct Counts {
    requests: u64,
    misses: u64,
    bytes_requested: u64,
    bytes_missed: u64,
}

impl Counts {
    #[inline]
    fn count(&mut self, hit: bool, size: u64) {
        self.requests += 1;
        self.bytes_requested = self.bytes_requested.saturating_add(size);
        if !hit {
            self.misses += 1;
            self.bytes_missed = self.bytes_missed.saturating_add(size);
        }
    }
}

/// A byte-mode size below the largest object, replayed by its own LRU cache.
struct Direct {
    size_index: usize,
    cache: Lru<()>,
    counts: Counts,
}

/// An object whose size changed, which byte-mode exact curves cannot follow.
struct SizeChange {
    request: u64,
    id: u64,
    was: u64,
    now: u64,
}

/// The exact LRU curve.
struct Exact {
    stack: StackDistances,
    curve: Curve,
    direct: Vec<Direct>,
    ignore_size: bool,
}

impl Exact {
    fn new(sizes: &[u64], largest: Option<u64>, ignore_size: bool) -> Exact {
        let below = |&size: &u64| largest.is_some_and(|l| size < l);
        let direct = sizes
            .iter()
            .enumerate()
            .filter(|(_, s)| !ignore_size && below(s))
            .map(|(size_index, &size)| Direct {
                size_index,
                cache: Lru::new(size),
                counts: Counts::default(),
            })
            .collect();
        Exact {
            stack: StackDistances::new(),
            curve: Curve::new(sizes.to_vec()),
            direct,
            ignore_size,
        }
    }

    fn run(&mut self, batch: &[Request], first_index: u64, warmup: u64) -> Result<(), StreamError> {
        for (i, r) in batch.iter().enumerate() {
            let size = if self.ignore_size { 1 } else { r.size };
            let counted = first_index + i as u64 >= warmup;
            let reuse = self
                .stack
                .access(r.id, size)
                .map_err(StreamError::TooMany)?;
            let distance = match reuse {
                Reuse::First => None,
                Reuse::Again {
                    distance,
                    previous_size,
                } => {
                    if previous_size != size {
                        return Err(StreamError::SizeChange(SizeChange {
                            request: first_index + i as u64 + 1,
                            id: r.id,
                            was: previous_size,
                            now: size,
                        }));
                    }
                    Some(distance)
                }
            };
            if counted {
                self.curve.count(distance, size);
            }
            for d in &mut self.direct {
                let hit = d.cache.access(r.id, size, ());
                if counted {
                    d.counts.count(hit, size);
                }
            }
        }
        Ok(())
    }

    fn rows(&self, sizes: &[u64]) -> Vec<MrcRow> {
        let curve = &self.curve;
        let mut rows: Vec<MrcRow> = sizes
            .iter()
            .zip(curve.misses())
            .map(|(&cache_size, (misses, bytes_missed))| {
                exact_row(
                    cache_size,
                    Counts {
                        requests: curve.requests,
                        misses,
                        bytes_requested: saturate(curve.bytes),
                        bytes_missed,
                    },
                )
            })
            .collect();
        for d in &self.direct {
            rows[d.size_index] = exact_row(sizes[d.size_index], d.counts);
        }
        rows
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn exact_row(cache_size: u64, c: Counts) -> MrcRow {
    MrcRow {
        policy: PolicyKind::Lru,
        method: Method::Exact,
        cache_size,
        requests: c.requests,
        misses: c.misses,
        bytes_requested: c.bytes_requested,
        bytes_missed: c.bytes_missed,
        miss_ratio: ratio(c.misses, c.requests),
        byte_miss_ratio: ratio(c.bytes_missed, c.bytes_requested),
        abs_error: None,
    }
}

/// A miniature cache: size C·R on the sampled sub-trace.
struct Miniature {
    policy: PolicyKind,
    size_index: usize,
    cache: Cache<()>,
    counts: Counts,
}

/// The SHARDS curves: LRU by stack distances, the others by miniatures.
struct Sampled {
    rate: SampleRate,
    /// LRU's stack on the sample, when LRU is asked for.
    lru: Option<(StackDistances, Curve)>,
    miniatures: Vec<Miniature>,
    ignore_size: bool,
    sampled: u64,
    /// The whole trace's counted requests and bytes (the estimates' base).
    trace_requests: u64,
    trace_bytes: u64,
}

/// A size scaled by the sampling rate, in whole units (at least one).
fn scaled(size: u64, rate: f64) -> u64 {
    ((size as f64 * rate) as u64).max(1)
}

impl Sampled {
    fn new(spec: &MrcSpec, rate: SampleRate, sizes: &[u64]) -> Result<Sampled, Error> {
        let r = rate.rate();
        let lru = spec.policies.contains(&PolicyKind::Lru).then(|| {
            // d / R <= C  <=>  d <= floor(C R) for whole distances d.
            let limits = sizes.iter().map(|&c| (c as f64 * r) as u64).collect();
            (StackDistances::new(), Curve::new(limits))
        });
        let mut miniatures = Vec::new();
        for &policy in spec.policies.iter().filter(|&&p| p != PolicyKind::Lru) {
            for (size_index, &size) in sizes.iter().enumerate() {
                let small = scaled(size, r);
                let cache = Cache::new(policy, small).map_err(|m| {
                    InputError::new(
                        "command line",
                        format!(
                            "cache size {size} scaled by the sampling rate {r} is {small}: {m}; give a higher --sample or larger sizes"
                        ),
                    )
                    .with_key("--sample")
                })?;
                miniatures.push(Miniature {
                    policy,
                    size_index,
                    cache,
                    counts: Counts::default(),
                });
            }
        }
        Ok(Sampled {
            rate,
            lru,
            miniatures,
            ignore_size: spec.ignore_size,
            sampled: 0,
            trace_requests: 0,
            trace_bytes: 0,
        })
    }

    fn run(&mut self, batch: &[Request], first_index: u64, warmup: u64) -> Result<(), StreamError> {
        for (i, r) in batch.iter().enumerate() {
            let size = if self.ignore_size { 1 } else { r.size };
            let counted = first_index + i as u64 >= warmup;
            if counted {
                self.trace_requests += 1;
                self.trace_bytes = self.trace_bytes.saturating_add(size);
            }
            if !self.rate.keeps(r.id) {
                continue;
            }
            self.sampled += 1;
            if let Some((stack, curve)) = &mut self.lru {
                let reuse = stack.access(r.id, size).map_err(StreamError::TooMany)?;
                let distance = match reuse {
                    Reuse::First => None,
                    Reuse::Again { distance, .. } => Some(distance),
                };
                if counted {
                    curve.count(distance, size);
                }
            }
            for m in &mut self.miniatures {
                let hit = m.cache.access(r.id, size, ());
                if counted {
                    m.counts.count(hit, size);
                }
            }
        }
        Ok(())
    }

    /// A row from sampled counts, with SHARDS' estimates.
    fn row(&self, policy: PolicyKind, cache_size: u64, c: Counts) -> MrcRow {
        let r = self.rate.rate();
        let estimate = |missed: u64, total: u64| {
            if total == 0 {
                0.0
            } else {
                (missed as f64 / (r * total as f64)).min(1.0)
            }
        };
        MrcRow {
            policy,
            method: Method::Shards,
            cache_size,
            requests: c.requests,
            misses: c.misses,
            bytes_requested: c.bytes_requested,
            bytes_missed: c.bytes_missed,
            miss_ratio: estimate(c.misses, self.trace_requests),
            byte_miss_ratio: estimate(c.bytes_missed, self.trace_bytes),
            abs_error: None,
        }
    }

    fn rows(&self, policy: PolicyKind, sizes: &[u64]) -> Vec<MrcRow> {
        if policy == PolicyKind::Lru {
            let Some((_, curve)) = &self.lru else {
                return Vec::new();
            };
            return sizes
                .iter()
                .zip(curve.misses())
                .map(|(&size, (misses, bytes_missed))| {
                    let counts = Counts {
                        requests: curve.requests,
                        misses,
                        bytes_requested: saturate(curve.bytes),
                        bytes_missed,
                    };
                    self.row(policy, size, counts)
                })
                .collect();
        }
        self.miniatures
            .iter()
            .filter(|m| m.policy == policy)
            .map(|m| self.row(policy, sizes[m.size_index], m.counts))
            .collect()
    }
}

fn spec_error(key: &str, message: impl Into<String>) -> Error {
    InputError::new("command line", message)
        .with_key(key)
        .into()
}

fn check_spec(spec: &MrcSpec) -> Result<(), Error> {
    if spec.policies.is_empty() {
        return Err(spec_error("--policy", "give at least one policy"));
    }
    if !spec.exact && spec.sample.is_none() {
        return Err(spec_error(
            "--mrc",
            "nothing to compute: the exact LRU curve is off and no --sample rate is given",
        ));
    }
    if spec.sample.is_none()
        && let Some(p) = spec.policies.iter().find(|&&p| p != PolicyKind::Lru)
    {
        return Err(spec_error(
            "--policy",
            format!(
                "the exact one-pass curve is LRU's; {p} needs --sample RATE (SHARDS miniature caches), or replay without --mrc (one cache per size)"
            ),
        ));
    }
    if spec.sizes.is_empty() && spec.points == 0 {
        return Err(spec_error("--mrc-points", "expected at least one point"));
    }
    Ok(())
}

/// The curve's sizes, ascending and distinct.
fn curve_sizes(spec: &MrcSpec, fp: Option<&Footprint>, path: &Path) -> Result<Vec<u64>, Error> {
    let mut sizes = if spec.sizes.is_empty() {
        let fp = fp.expect("footprint computed for the default sizes");
        let total = if spec.ignore_size {
            fp.objects
        } else {
            fp.bytes
        };
        let points = spec.points as u64;
        (1..=points)
            .map(|k| (total as u128 * k as u128 / points as u128) as u64)
            .filter(|&s| s > 0)
            .collect()
    } else {
        let replay_spec = super::ReplaySpec {
            policies: spec.policies.clone(),
            sizes: spec.sizes.clone(),
            ignore_size: spec.ignore_size,
            warmup: spec.warmup,
            max_requests: spec.max_requests,
        };
        spec.sizes
            .iter()
            .map(|s| resolve_size(s, &replay_spec, fp, path))
            .collect::<Result<Vec<u64>, Error>>()?
    };
    sizes.sort_unstable();
    sizes.dedup();
    Ok(sizes)
}

/// Computes the curves of `spec` on `path` in one pass (plus a first pass
/// for the footprint when a size is a share of it, the sizes are the
/// default ones, the warm-up is a fraction, or, in byte mode, for the
/// largest object size of the exact curve).
pub fn mrc(
    path: &Path,
    format: &TraceFormat,
    skip_bad: bool,
    spec: &MrcSpec,
) -> Result<MrcOutcome, Error> {
    let started = Instant::now();
    check_spec(spec)?;
    let needs_pass = spec.sizes.is_empty()
        || spec
            .sizes
            .iter()
            .any(|s| matches!(s, CacheSize::FootprintPercent(_)))
        || (spec.exact && !spec.ignore_size);
    let input = TraceInput {
        path,
        format,
        skip_bad,
        max_requests: spec.max_requests,
    };
    let (fp, warmup_requests) = first_pass(&input, needs_pass, spec.warmup)?;
    let sizes = curve_sizes(spec, fp.as_ref(), path)?;
    let largest = fp.as_ref().map(|fp| fp.largest_size);
    let mut exact = spec
        .exact
        .then(|| Exact::new(&sizes, largest, spec.ignore_size));
    let mut sampled = spec
        .sample
        .map(|rate| Sampled::new(spec, rate, &sizes))
        .transpose()?;
    let mut reader = input.open()?;
    stream(
        &mut reader,
        exact.as_mut(),
        sampled.as_mut(),
        warmup_requests,
    )
    .map_err(|e| e.into_error(path))?;
    let read = TraceRead::counted(&input, &reader, fp, warmup_requests)?;
    let (rows, errors) = curve_rows(spec, exact.as_ref(), sampled.as_ref(), &sizes);
    let replayed_sizes = exact.as_ref().map_or_else(Vec::new, |e| {
        e.direct.iter().map(|d| sizes[d.size_index]).collect()
    });
    Ok(MrcOutcome {
        rows,
        read,
        sample_rate: spec.sample.map(SampleRate::rate),
        sampled_requests: sampled.as_ref().map_or(0, |s| s.sampled),
        replayed_sizes,
        mean_abs_error: (!errors.is_empty())
            .then(|| errors.iter().sum::<f64>() / errors.len() as f64),
        wall: started.elapsed(),
    })
}

/// Every policy's rows, exact then sampled, with each sampled point's
/// error against the exact curve where both exist (and those errors).
fn curve_rows(
    spec: &MrcSpec,
    exact: Option<&Exact>,
    sampled: Option<&Sampled>,
    sizes: &[u64],
) -> (Vec<MrcRow>, Vec<f64>) {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for &policy in &spec.policies {
        let exact_rows = match (exact, policy) {
            (Some(e), PolicyKind::Lru) => e.rows(sizes),
            _ => Vec::new(),
        };
        let mut sampled_rows = sampled.map_or_else(Vec::new, |s| s.rows(policy, sizes));
        if !exact_rows.is_empty() {
            for (s, e) in sampled_rows.iter_mut().zip(&exact_rows) {
                let error = (s.miss_ratio - e.miss_ratio).abs();
                s.abs_error = Some(error);
                errors.push(error);
            }
        }
        rows.extend(exact_rows);
        rows.extend(sampled_rows);
    }
    (rows, errors)
}

/// The curves as chart series: one per policy and method, sizes ascending.
pub fn curve_series(outcome: &MrcOutcome) -> Vec<CurveSeries> {
    let mut series: Vec<(Method, CurveSeries)> = Vec::new();
    for row in &outcome.rows {
        let point = (row.cache_size, row.miss_ratio, row.byte_miss_ratio);
        match series
            .iter_mut()
            .find(|(m, s)| *m == row.method && s.policy == row.policy)
        {
            Some((_, s)) => s.points.push(point),
            None => series.push((
                row.method,
                CurveSeries {
                    policy: row.policy,
                    label: curve_label(row.policy, row.method, outcome.sample_rate),
                    points: vec![point],
                },
            )),
        }
    }
    series.into_iter().map(|(_, s)| s).collect()
}

/// "lru" for the exact curve, "fifo (SHARDS 1%)" for a sampled one.
pub fn curve_label(policy: PolicyKind, method: Method, rate: Option<f64>) -> String {
    match method {
        Method::Exact => policy.name().to_string(),
        Method::Shards => format!(
            "{} (SHARDS {}%)",
            policy.name(),
            format_significant(rate.unwrap_or(1.0) * 100.0, 3)
        ),
    }
}

/// Why the pass stopped early.
enum StreamError {
    Read(Error),
    SizeChange(SizeChange),
    TooMany(TooManyObjects),
}

impl StreamError {
    fn into_error(self, path: &Path) -> Error {
        match self {
            StreamError::Read(e) => e,
            StreamError::SizeChange(c) => InputError::file(
                path,
                format!(
                    "object {} has {} bytes at request {} but had {} before; an LRU cache keeps the size it stored, so caches of different sizes would disagree and no one-pass byte-mode curve is exact; give --ignore-size (object mode), --sample without the exact curve, or replay without --mrc",
                    c.id, c.now, c.request, c.was
                ),
            )
            .with_key("--mrc")
            .into(),
            StreamError::TooMany(t) => InputError::file(
                path,
                format!(
                    "has more than {} distinct objects, the most an LRU curve's stack holds; give --sample to sample the objects",
                    t.limit
                ),
            )
            .with_key("--mrc")
            .into(),
        }
    }
}

/// Reads batch k+1 while the exact and the sampled curves take batch k.
fn stream(
    reader: &mut TraceReader,
    mut exact: Option<&mut Exact>,
    mut sampled: Option<&mut Sampled>,
    warmup: u64,
) -> Result<ReadStats, StreamError> {
    let mut current = Vec::with_capacity(BATCH_REQUESTS);
    let mut next = Vec::with_capacity(BATCH_REQUESTS);
    reader
        .read_batch(&mut current, BATCH_REQUESTS)
        .map_err(StreamError::Read)?;
    let mut first_index = 0u64;
    while !current.is_empty() {
        let batch = &current;
        let (read, checked) = rayon::join(
            || reader.read_batch(&mut next, BATCH_REQUESTS),
            || {
                rayon::join(
                    || match exact.as_deref_mut() {
                        Some(e) => e.run(batch, first_index, warmup),
                        None => Ok(()),
                    },
                    || match sampled.as_deref_mut() {
                        Some(s) => s.run(batch, first_index, warmup),
                        None => Ok(()),
                    },
                )
            },
        );
        let (checked, sampled_run) = checked;
        checked?;
        sampled_run?;
        read.map_err(StreamError::Read)?;
        first_index += current.len() as u64;
        std::mem::swap(&mut current, &mut next);
    }
    Ok(reader.stats().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sums_saturate_instead_of_wrapping() {
        // Twenty misses of 2^62 bytes sum to 2^66: the byte counts must read
        // as the most a u64 holds, not wrap to a small number.
        let mut curve = Curve::new(vec![1 << 40]);
        for _ in 0..20 {
            curve.count(None, 1 << 62);
        }
        assert_eq!(curve.misses(), vec![(20, u64::MAX)]);
        curve.count(Some(1), 5);
        assert_eq!(curve.misses(), vec![(20, u64::MAX)]);
    }

    #[test]
    fn sample_rates_parse() {
        assert_eq!(
            SampleRate::parse("1%").unwrap().rate(),
            167_772.0 / 16_777_216.0
        );
        assert_eq!(SampleRate::parse("0.5").unwrap().rate(), 0.5);
        assert_eq!(SampleRate::parse("1").unwrap().rate(), 1.0);
        for bad in ["0", "0%", "-1%", "1.5", "101%", "lots", "1e-9"] {
            assert!(SampleRate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_full_rate_keeps_every_id_and_one_percent_about_one_in_a_hundred() {
        let all = SampleRate::parse("1").unwrap();
        assert!((0..10_000).all(|id| all.keeps(id)));
        let one = SampleRate::parse("1%").unwrap();
        let kept = (0..1_000_000u64).filter(|&id| one.keeps(id)).count();
        assert!((9_500..10_500).contains(&kept), "{kept}");
    }

    #[test]
    fn curve_counts_hits_at_the_first_size_at_least_the_distance() {
        let mut curve = Curve::new(vec![1, 3, 3, 10]);
        for d in [Some(1), Some(2), Some(3), Some(11), None] {
            curve.count(d, 5);
        }
        // Misses at 1: all but d=1; at 3: d=11 and the first request.
        assert_eq!(curve.misses(), vec![(4, 20), (2, 10), (2, 10), (2, 10)]);
    }
}
