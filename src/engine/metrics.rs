//! Metrics a model gathers during a run: latency histograms (HDR, mergeable),
//! time-weighted averages (utilisation, queue length) and time series on a
//! fixed grid. Counters are plain `u64` fields of the model.
//!
//! Percentiles are only ever computed from (merged) histograms, never by
//! averaging percentiles: the pooled p99 of two runs is not the mean of
//! their p99s.

use super::hdr_counts::HdrCounts;
use super::time::SimTime;

/// A histogram of simulated durations with an exact count, sum and extremes.
/// Latencies are counted in nanoseconds with 1 µs resolution and three
/// significant digits (0.1 % relative error), up to ten hours; longer values
/// are clamped in the counts but kept exactly in the sum and maximum.
#[derive(Clone, Debug)]
pub struct Histogram {
    hdr: HdrCounts,
    count: u64,
    sum_ns: u128,
    min_ns: u64,
    max_ns: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

impl Histogram {
    pub fn new() -> Histogram {
        Histogram {
            hdr: HdrCounts::new(),
            count: 0,
            sum_ns: 0,
            min_ns: u64::MAX,
            max_ns: 0,
        }
    }

    #[inline(always)]
    pub fn record(&mut self, value: SimTime) {
        self.record_n(value, 1);
    }

    /// Records `value` `n` times.
    #[inline(always)]
    pub fn record_n(&mut self, value: SimTime, n: u64) {
        if n == 0 {
            return;
        }
        let ns = value.as_nanos();
        self.hdr.record_n(ns, n);
        self.count += n;
        self.sum_ns += ns as u128 * n as u128;
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The exact mean, or `None` when empty.
    pub fn mean(&self) -> Option<SimTime> {
        (self.count > 0)
            .then(|| SimTime::from_nanos((self.sum_ns as f64 / self.count as f64).round() as u64))
    }

    /// The exact mean in seconds as a float (NaN when empty).
    pub fn mean_secs(&self) -> f64 {
        if self.count == 0 {
            f64::NAN
        } else {
            self.sum_ns as f64 / self.count as f64 / 1e9
        }
    }

    pub fn max(&self) -> Option<SimTime> {
        (self.count > 0).then(|| SimTime::from_nanos(self.max_ns))
    }

    pub fn min(&self) -> Option<SimTime> {
        (self.count > 0).then(|| SimTime::from_nanos(self.min_ns))
    }

    /// The value at quantile `q` in [0, 1] (HDR semantics: the highest value
    /// equivalent to the bucket the quantile falls into), or `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<SimTime> {
        (self.count > 0).then(|| {
            let v = self.hdr.value_at_quantile(q.clamp(0.0, 1.0));
            SimTime::from_nanos(v.min(self.max_ns).max(self.min_ns))
        })
    }

    /// The share of recorded values at or below `value`.
    pub fn cdf(&self, value: SimTime) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        let below = self.hdr.count_between(0, value.as_nanos());
        below as f64 / self.hdr.total().max(1) as f64
    }

    /// Adds every value of `other` (merging replications or entities).
    pub fn merge(&mut self, other: &Histogram) {
        if other.count == 0 {
            return;
        }
        self.hdr.add(&other.hdr);
        self.count += other.count;
        self.sum_ns += other.sum_ns;
        self.min_ns = self.min_ns.min(other.min_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// Forgets everything (end of warm-up).
    pub fn reset(&mut self) {
        self.hdr.reset();
        self.count = 0;
        self.sum_ns = 0;
        self.min_ns = u64::MAX;
        self.max_ns = 0;
    }

    /// The non-empty buckets as (value_ns, count), in increasing value order;
    /// recording them again reproduces the histogram's buckets exactly.
    pub fn buckets(&self) -> Vec<(u64, u64)> {
        self.hdr.recorded().collect()
    }

    /// Rebuilds a histogram from [`Histogram::buckets`] plus the exact
    /// count, sum and extremes.
    pub fn from_parts(buckets: &[(u64, u64)], sum_ns: u128, min_ns: u64, max_ns: u64) -> Histogram {
        let mut h = Histogram::new();
        for &(value, count) in buckets {
            h.hdr.record_n(value, count);
            h.count += count;
        }
        if h.count > 0 {
            h.sum_ns = sum_ns;
            h.min_ns = min_ns;
            h.max_ns = max_ns;
        }
        h
    }

    pub fn sum_ns(&self) -> u128 {
        self.sum_ns
    }
}

/// The time-weighted average of a quantity that changes at instants
/// (busy servers, queue length, open connections).
#[derive(Clone, Debug, Default)]
pub struct TimeWeighted {
    value: f64,
    since: SimTime,
    start: SimTime,
    area: f64,
    max: f64,
}

impl TimeWeighted {
    pub fn new(value: f64) -> TimeWeighted {
        TimeWeighted {
            value,
            max: value,
            ..TimeWeighted::default()
        }
    }

    #[inline]
    fn advance(&mut self, now: SimTime) {
        debug_assert!(now >= self.since, "time went backwards");
        self.area += self.value * (now - self.since).as_nanos_f64();
        self.since = now;
    }

    /// The quantity becomes `value` at `now`.
    #[inline]
    pub fn set(&mut self, now: SimTime, value: f64) {
        self.advance(now);
        self.value = value;
        // `f64::max` but for NaN (never a level): one compare.
        if value > self.max {
            self.max = value;
        }
    }

    /// The quantity changes by `delta` at `now`.
    #[inline]
    pub fn add(&mut self, now: SimTime, delta: f64) {
        let value = self.value + delta;
        self.set(now, value);
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    /// The largest value seen since the last reset.
    pub fn max(&self) -> f64 {
        self.max
    }

    /// Starts a new averaging window at `now`, keeping the current value.
    pub fn reset(&mut self, now: SimTime) {
        self.since = now;
        self.start = now;
        self.area = 0.0;
        self.max = self.value;
    }

    /// The average over [start of window, `now`).
    pub fn mean(&self, now: SimTime) -> f64 {
        let span = (now - self.start).as_nanos() as f64;
        if span <= 0.0 {
            return self.value;
        }
        let area = self.area + self.value * (now - self.since).as_nanos() as f64;
        area / span
    }
}

/// How a [`GridSeries`] turns what it is given into one value per bin.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SeriesKind {
    /// Occurrences per second in each bin (e.g. requests/s).
    Rate,
    /// Sum of amounts in each bin (e.g. bytes).
    Sum,
    /// Time-weighted average of a level over each bin (e.g. open connections).
    Level,
    /// Largest level reached in each bin.
    Peak,
}

/// A time series on a fixed grid from time zero: one value per `step`.
/// Series are never reset at the end of warm-up, so the warm-up stays visible.
#[derive(Clone, Debug)]
pub struct GridSeries {
    pub name: String,
    /// What the series is about, e.g. a PoP or server name ("" for the whole model).
    pub entity: String,
    kind: SeriesKind,
    step: SimTime,
    bins: Vec<f64>,
    level: f64,
    since: SimTime,
    /// The bin the last `add` went to and its span `[start, end)` in
    /// nanoseconds (the last bin's end is `u64::MAX`: later times clamp into
    /// it), so that an add in the same bin needs no division.
    add_bin: usize,
    add_start: u64,
    add_end: u64,
    /// The bin holding `since`, and its end while that is not the last
    /// bin (0 otherwise): a level change before it adds to one bin, no
    /// division.
    since_bin: usize,
    since_end: u64,
}

impl GridSeries {
    /// A series over [0, horizon) with bins of `step`.
    pub fn new(
        name: impl Into<String>,
        entity: impl Into<String>,
        kind: SeriesKind,
        step: SimTime,
        horizon: SimTime,
    ) -> GridSeries {
        let step = step.max(SimTime::from_nanos(1));
        let bins = horizon.as_nanos().div_ceil(step.as_nanos()).max(1) as usize;
        GridSeries {
            name: name.into(),
            entity: entity.into(),
            kind,
            step,
            bins: vec![0.0; bins],
            level: 0.0,
            since: SimTime::ZERO,
            add_bin: 0,
            add_start: 0,
            add_end: 0,
            since_bin: 0,
            since_end: 0,
        }
        .with_since_end()
    }

    /// Caches the end of the bin `since` is in (see `since_end`).
    fn with_since_end(mut self) -> GridSeries {
        self.cache_since_end();
        self
    }

    #[inline]
    fn cache_since_end(&mut self) {
        let step = self.step.as_nanos();
        let b = self.since.as_nanos() / step;
        if b + 1 < self.bins.len() as u64 {
            self.since_bin = b as usize;
            self.since_end = (b + 1) * step;
        } else {
            self.since_bin = self.bins.len() - 1;
            self.since_end = 0;
        }
    }

    pub fn kind(&self) -> SeriesKind {
        self.kind
    }

    pub fn step(&self) -> SimTime {
        self.step
    }

    #[inline]
    fn bin(&self, t: SimTime) -> usize {
        ((t.as_nanos() / self.step.as_nanos()) as usize).min(self.bins.len() - 1)
    }

    /// Adds `amount` at `now` (for `Rate` and `Sum` series): one compare
    /// while `now` stays in the bin of the previous add.
    #[inline]
    pub fn add(&mut self, now: SimTime, amount: f64) {
        let t = now.as_nanos();
        if !(self.add_start..self.add_end).contains(&t) {
            self.find_add_bin(t);
        }
        self.bins[self.add_bin] += amount;
    }

    /// Moves the `add` cache to the bin of `t`.
    #[cold]
    fn find_add_bin(&mut self, t: u64) {
        let step = self.step.as_nanos();
        let b = self.bin(SimTime::from_nanos(t));
        self.add_bin = b;
        self.add_start = b as u64 * step;
        self.add_end = if b + 1 < self.bins.len() {
            (b as u64 + 1) * step
        } else {
            u64::MAX
        };
    }

    /// The level becomes `value` at `now` (for `Level` and `Peak` series).
    /// A `Level` change inside the bin of the previous one (not the last
    /// bin) is one multiply-add, inlined; the rest is out of line.
    #[inline(always)]
    pub fn set_level(&mut self, now: SimTime, value: f64) {
        let (t, end) = (self.since.as_nanos(), now.as_nanos());
        // `since_end` is 0 unless a Level series' `since` is before its last bin.
        if end < self.since_end && self.kind == SeriesKind::Level {
            // The one addition `accumulate_level` would make.
            if t < end {
                self.bins[self.since_bin] +=
                    self.level * SimTime::from_nanos(end - t).as_nanos_f64();
                self.since = now;
            }
            self.level = value;
        } else {
            self.set_level_slow(now, value);
        }
    }

    #[inline(never)]
    fn set_level_slow(&mut self, now: SimTime, value: f64) {
        match self.kind {
            SeriesKind::Level => {
                self.accumulate_level(now);
                self.level = value;
            }
            SeriesKind::Peak => self.set_peak(now, value),
            SeriesKind::Rate | SeriesKind::Sum => self.add(now, value),
        }
    }

    fn set_peak(&mut self, now: SimTime, value: f64) {
        // The old level persisted into every bin up to now.
        let (from, to) = (self.bin(self.since), self.bin(now));
        for bin in &mut self.bins[from..=to] {
            *bin = bin.max(self.level);
        }
        self.bins[to] = self.bins[to].max(value);
        self.level = value;
        self.since = self.since.max(now);
    }

    fn accumulate_level(&mut self, now: SimTime) {
        let step = self.step.as_nanos();
        let mut t = self.since.as_nanos();
        let end = now.as_nanos();
        while t < end {
            let b = ((t / step) as usize).min(self.bins.len() - 1);
            let bin_end = ((t / step) + 1) * step;
            let until = bin_end.min(end);
            self.bins[b] += self.level * (until - t) as f64;
            t = until;
            if b == self.bins.len() - 1 {
                self.bins[b] += self.level * (end - t) as f64;
                break;
            }
        }
        self.since = self.since.max(now);
        self.cache_since_end();
    }

    /// The per-bin values, closing the series at `end` (the run's horizon).
    pub fn values(&self, end: SimTime) -> Vec<f64> {
        let step_s = self.step.as_secs_f64();
        match self.kind {
            SeriesKind::Rate => self.bins.iter().map(|v| v / step_s).collect(),
            SeriesKind::Sum => self.bins.clone(),
            SeriesKind::Peak => {
                // The last level persists to the end of the run.
                let mut out = self.bins.clone();
                let last = self.bin(self.since);
                for v in &mut out[last..] {
                    *v = v.max(self.level);
                }
                out
            }
            SeriesKind::Level => {
                let mut closed = self.clone();
                closed.accumulate_level(end);
                let step = self.step.as_nanos() as f64;
                closed.bins.iter().map(|v| v / step).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_mean_is_exact_and_quantiles_close() {
        let mut h = Histogram::new();
        for ms in 1..=1000u64 {
            h.record(SimTime::from_millis(ms));
        }
        assert_eq!(h.count(), 1000);
        assert!((h.mean_secs() - 0.5005).abs() < 1e-12);
        let p99 = h.quantile(0.99).unwrap().as_millis_f64();
        assert!((p99 - 990.0).abs() / 990.0 < 0.002, "p99 {p99}");
    }

    #[test]
    fn merged_percentile_is_not_the_mean_of_percentiles() {
        let mut a = Histogram::new();
        let mut b = Histogram::new();
        for _ in 0..99 {
            a.record(SimTime::from_millis(1));
        }
        a.record(SimTime::from_millis(100));
        for _ in 0..100 {
            b.record(SimTime::from_millis(1));
        }
        let mut pooled = a.clone();
        pooled.merge(&b);
        assert_eq!(pooled.count(), 200);
        // Pooled, 1 of 200 values is slow: the p99.9 is the slow one, while
        // the mean of the two p99.9s would be about 50 ms.
        let p999 = pooled.quantile(0.999).unwrap().as_millis_f64();
        assert!((p999 - 100.0).abs() < 0.2, "{p999}");
    }

    #[test]
    fn histogram_round_trips_through_buckets() {
        let mut h = Histogram::new();
        for us in [3u64, 17, 17, 250, 90_000, 1_000_000] {
            h.record(SimTime::from_micros(us));
        }
        let back = Histogram::from_parts(&h.buckets(), h.sum_ns(), 3_000, 1_000_000_000);
        assert_eq!(back.count(), h.count());
        assert_eq!(back.quantile(0.5), h.quantile(0.5));
        assert_eq!(back.mean(), h.mean());
    }

    #[test]
    fn time_weighted_average() {
        let mut tw = TimeWeighted::new(0.0);
        tw.set(SimTime::from_secs(1), 2.0);
        tw.set(SimTime::from_secs(3), 0.0);
        // 0 for 1 s, 2 for 2 s, 0 for 1 s.
        assert!((tw.mean(SimTime::from_secs(4)) - 1.0).abs() < 1e-12);
        tw.reset(SimTime::from_secs(4));
        tw.set(SimTime::from_secs(5), 4.0);
        assert!((tw.mean(SimTime::from_secs(6)) - 2.0).abs() < 1e-12);
        assert_eq!(tw.max(), 4.0);
    }

    /// The cached bins of `add` and `set_level` give the bins, bit for bit,
    /// of the plain division on every call, on random times (repeated,
    /// on bin edges, past the horizon).
    #[test]
    fn grid_series_fast_paths_match_the_plain_arithmetic() {
        let (step, horizon) = (SimTime::from_nanos(1_000), SimTime::from_nanos(9_500));
        let mut x = 99u64;
        let mut next = |m: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        for kind in [SeriesKind::Level, SeriesKind::Rate] {
            let mut fast = GridSeries::new("s", "", kind, step, horizon);
            let mut plain = fast.clone();
            let mut now = 0u64;
            for _ in 0..5_000 {
                now += [0, 1, 999, 1_000, next(700)][next(5) as usize];
                if now > 12_000 {
                    now = 0;
                    fast.since = SimTime::ZERO;
                    fast.cache_since_end();
                    plain.since = SimTime::ZERO;
                }
                let (t, v) = (SimTime::from_nanos(now), next(50) as f64 / 7.0);
                fast.set_level(t, v);
                if kind == SeriesKind::Level {
                    plain.accumulate_level(t);
                    plain.level = v;
                } else {
                    let b = plain.bin(t);
                    plain.bins[b] += v;
                }
            }
            let end = SimTime::from_nanos(now.max(9_500));
            let same =
                |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same(&fast.bins, &plain.bins), "{kind:?}");
            assert!(same(&fast.values(end), &plain.values(end)), "{kind:?}");
        }
    }

    #[test]
    fn grid_series_kinds() {
        let h = SimTime::from_secs(4);
        let s = SimTime::from_secs(1);
        let mut rate = GridSeries::new("r", "", SeriesKind::Rate, s, h);
        rate.add(SimTime::from_millis(500), 1.0);
        rate.add(SimTime::from_millis(900), 1.0);
        rate.add(SimTime::from_millis(2500), 1.0);
        assert_eq!(rate.values(h), vec![2.0, 0.0, 1.0, 0.0]);

        let mut level = GridSeries::new("l", "", SeriesKind::Level, s, h);
        level.set_level(SimTime::from_millis(500), 2.0);
        level.set_level(SimTime::from_millis(2000), 4.0);
        assert_eq!(level.values(h), vec![1.0, 2.0, 4.0, 4.0]);

        let mut peak = GridSeries::new("p", "", SeriesKind::Peak, s, h);
        peak.set_level(SimTime::from_millis(500), 5.0);
        peak.set_level(SimTime::from_millis(600), 1.0);
        peak.set_level(SimTime::from_millis(2100), 3.0);
        assert_eq!(peak.values(h), vec![5.0, 1.0, 3.0, 3.0]);
    }
}
