//! The counts of a latency histogram in the HDR layout (Gil Tene's
//! HdrHistogram, as the `hdrhistogram` crate 7.x lays it out) for the one
//! configuration edgesim uses: 1 µs lowest discernible value, ten hours
//! highest trackable, three significant digits. Recording is a shift, an
//! add and a bounds-free store, inlined in the model's handler (the crate's
//! record is out of line, about 50 instructions, and its counts are
//! private). Every bucket, quantile and CDF is the crate's, bit for bit:
//! the unit tests compare them with `hdrhistogram` on random and edge values.
//!
//! Not for other bounds or precisions: the layout constants are fixed here.

/// 1 µs in nanoseconds: the lowest discernible value.
pub const LOWEST_DISCERNIBLE_NS: u64 = 1_000;
/// Ten hours in nanoseconds: the highest trackable value (longer values
/// are counted in its bucket).
pub const HIGHEST_TRACKABLE_NS: u64 = 36_000 * 1_000_000_000;
/// 0.1 % relative error.
pub const SIGNIFICANT_DIGITS: u32 = 3;

/// floor(log2(lowest)): values are counted in units of 2^9 ns at the bottom.
const UNIT_MAGNITUDE: u32 = u64::BITS - 1 - LOWEST_DISCERNIBLE_NS.leading_zeros();
/// ceil(log2(2 · 10^digits)): unit resolution up to 2,000 units.
const SUB_BUCKET_COUNT_MAGNITUDE: u32 =
    u32::BITS - (2 * 10u32.pow(SIGNIFICANT_DIGITS) - 1).leading_zeros();
const SUB_BUCKET_HALF_COUNT_MAGNITUDE: u32 = SUB_BUCKET_COUNT_MAGNITUDE - 1;
const SUB_BUCKET_COUNT: u64 = 1 << SUB_BUCKET_COUNT_MAGNITUDE;
const SUB_BUCKET_HALF_COUNT: usize = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_MASK: u64 = (SUB_BUCKET_COUNT - 1) << UNIT_MAGNITUDE;
const LEADING_ZERO_COUNT_BASE: u32 = u64::BITS - UNIT_MAGNITUDE - SUB_BUCKET_COUNT_MAGNITUDE;

/// Buckets (powers of two) needed to cover the highest trackable value,
/// as `hdrhistogram`'s `buckets_to_cover` counts them.
const fn bucket_count() -> usize {
    let mut smallest_untrackable = SUB_BUCKET_COUNT << UNIT_MAGNITUDE;
    let mut buckets = 1;
    while smallest_untrackable <= HIGHEST_TRACKABLE_NS {
        smallest_untrackable <<= 1;
        buckets += 1;
    }
    buckets
}

/// Length of the counts array: half a sub-bucket range per bucket, plus
/// the lower half of bucket 0.
pub const LEN: usize = (bucket_count() + 1) * SUB_BUCKET_HALF_COUNT;

/// The bucket (power of two) a value falls into.
#[inline(always)]
const fn bucket_of(value: u64) -> u32 {
    LEADING_ZERO_COUNT_BASE - (value | SUB_BUCKET_MASK).leading_zeros()
}

/// The index of `value`'s count, possibly past the array (values beyond
/// the last bucket).
#[inline(always)]
const fn index_of(value: u64) -> usize {
    let bucket = bucket_of(value);
    let sub_bucket = (value >> (bucket + UNIT_MAGNITUDE)) as usize;
    ((bucket as usize + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + sub_bucket - SUB_BUCKET_HALF_COUNT
}

/// Where values past the array are counted (`hdrhistogram`'s clamp).
const CLAMP_INDEX: usize = index_of(HIGHEST_TRACKABLE_NS);

/// The lowest value counted at `index`.
fn value_at(index: usize) -> u64 {
    let bucket = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) as i64 - 1;
    let sub_bucket = (index & (SUB_BUCKET_HALF_COUNT - 1)) as u64;
    if bucket < 0 {
        sub_bucket << UNIT_MAGNITUDE
    } else {
        (sub_bucket + SUB_BUCKET_HALF_COUNT as u64) << (bucket as u32 + UNIT_MAGNITUDE)
    }
}

/// The lowest value equivalent to `value` (same bucket).
fn lowest_equivalent(value: u64) -> u64 {
    let bucket = bucket_of(value);
    (value >> (bucket + UNIT_MAGNITUDE)) << (bucket + UNIT_MAGNITUDE)
}

/// The highest value equivalent to `value` (same bucket), capped at `u64::MAX`.
fn highest_equivalent(value: u64) -> u64 {
    if value == u64::MAX {
        return u64::MAX;
    }
    let range = 1u64 << (bucket_of(value) + UNIT_MAGNITUDE);
    lowest_equivalent(value).saturating_add(range) - 1
}

/// The counts, by index in the HDR layout, and their (saturating) total.
#[derive(Clone, Debug)]
pub struct HdrCounts {
    counts: Box<[u64; LEN]>,
    total: u64,
}

impl Default for HdrCounts {
    fn default() -> Self {
        HdrCounts::new()
    }
}

impl HdrCounts {
    pub fn new() -> HdrCounts {
        let counts = vec![0u64; LEN]
            .into_boxed_slice()
            .try_into()
            .expect("the vector has LEN counts");
        HdrCounts { counts, total: 0 }
    }

    /// Counts `value` `n` times; values past the last bucket count as the
    /// highest trackable value; counts saturate.
    #[inline(always)]
    pub fn record_n(&mut self, value: u64, n: u64) {
        let mut index = index_of(value);
        if index >= LEN {
            index = CLAMP_INDEX;
        }
        self.counts[index] = self.counts[index].saturating_add(n);
        self.total = self.total.saturating_add(n);
    }

    /// Values recorded.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Adds every count of `other`.
    pub fn add(&mut self, other: &HdrCounts) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine = mine.saturating_add(*theirs);
        }
        self.total = self.total.saturating_add(other.total);
    }

    pub fn reset(&mut self) {
        self.counts.fill(0);
        self.total = 0;
    }

    /// The value at quantile `q` as `hdrhistogram`'s `value_at_quantile`
    /// computes it: the highest value equivalent to the bucket where the
    /// running count first reaches `ceil(q · total)` (at least 1), the
    /// lowest for `q = 0`, and 0 if it is never reached.
    pub fn value_at_quantile(&self, q: f64) -> u64 {
        let q = if q > 1.0 { 1.0 } else { q };
        let target = ((q * self.total as f64).ceil() as u64).max(1);
        let mut running = 0u64;
        for (index, &count) in self.counts.iter().enumerate() {
            running += count;
            if running >= target {
                let value = value_at(index);
                return if q == 0.0 {
                    lowest_equivalent(value)
                } else {
                    highest_equivalent(value)
                };
            }
        }
        0
    }

    /// Values recorded in the buckets from `low`'s to `high`'s (values
    /// past the array clamp to its last bucket).
    pub fn count_between(&self, low: u64, high: u64) -> u64 {
        let (low, high) = (index_of(low).min(LEN - 1), index_of(high).min(LEN - 1));
        (low..=high).fold(0u64, |sum, i| sum.saturating_add(self.counts[i]))
    }

    /// The non-empty buckets as (highest equivalent value, count), in
    /// increasing value order (`hdrhistogram`'s `iter_recorded`).
    pub fn recorded(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|&(_, &count)| count != 0)
            .map(|(index, &count)| (highest_equivalent(value_at(index)), count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::Histogram as Hdr;

    fn reference() -> Hdr<u64> {
        Hdr::new_with_bounds(
            LOWEST_DISCERNIBLE_NS,
            HIGHEST_TRACKABLE_NS,
            SIGNIFICANT_DIGITS as u8,
        )
        .unwrap()
    }

    /// Bucket edges, the clamp, the ends of `u64`, and values spread
    /// over every magnitude.
    fn values() -> Vec<u64> {
        let mut v = vec![
            0,
            1,
            511,
            512,
            513,
            999,
            1_000,
            1_023,
            1_024,
            (1 << 20) - 1,
            1 << 20,
            (1 << 20) + 1,
            HIGHEST_TRACKABLE_NS - 1,
            HIGHEST_TRACKABLE_NS,
            HIGHEST_TRACKABLE_NS + 1,
            1 << 45,
            (1 << 46) - 1,
            1 << 46,
            u64::MAX - 1,
            u64::MAX,
        ];
        for b in 0..64 {
            v.extend([(1u64 << b).saturating_sub(1), 1 << b, (1u64 << b) + 1]);
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            x = crate::engine::rng::splitmix64(x);
            // A uniform magnitude, then a uniform value below it.
            let bits = (x % 64) as u32;
            v.push((x >> 6) & (u64::MAX >> (63 - bits)));
            v.push(x >> bits);
        }
        v
    }

    #[test]
    fn the_layout_is_hdrhistograms() {
        let h = reference();
        assert_eq!(LEN, h.distinct_values());
        // Every edge value (the first 212), one random value in nine.
        let some = values().into_iter().enumerate();
        for value in some.filter(|&(i, _)| i < 212 || i % 9 == 0).map(|(_, v)| v) {
            let mut mine = HdrCounts::new();
            mine.record_n(value, 3);
            let mut theirs = reference();
            theirs.saturating_record_n(value, 3);
            let expected: Vec<(u64, u64)> = theirs
                .iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect();
            assert_eq!(mine.recorded().collect::<Vec<_>>(), expected, "{value}");
            assert_eq!(
                lowest_equivalent(value),
                h.lowest_equivalent(value),
                "{value}"
            );
            assert_eq!(
                highest_equivalent(value),
                h.highest_equivalent(value),
                "{value}"
            );
        }
    }

    /// One histogram of all the values, recorded, merged and queried
    /// both ways.
    #[test]
    fn quantiles_cdf_and_merges_are_hdrhistograms() {
        let all = values();
        let (mut mine, mut theirs) = (HdrCounts::new(), reference());
        let (mut mine_b, mut theirs_b) = (HdrCounts::new(), reference());
        for (i, &value) in all.iter().enumerate() {
            let n = 1 + (i as u64 % 3);
            if i % 2 == 0 {
                mine.record_n(value, n);
                theirs.saturating_record_n(value, n);
            } else {
                mine_b.record_n(value, n);
                theirs_b.saturating_record_n(value, n);
            }
        }
        mine.add(&mine_b);
        theirs.add(&theirs_b).unwrap();
        assert_eq!(mine.total(), theirs.len());
        let mut qs = vec![
            0.0,
            1e-12,
            0.5,
            0.9,
            0.99,
            0.999,
            0.9999,
            1.0,
            1.5,
            -0.5,
            f64::NAN,
        ];
        qs.extend((0..=1000).map(|i| i as f64 / 1000.0));
        for q in qs {
            assert_eq!(
                mine.value_at_quantile(q),
                theirs.value_at_quantile(q),
                "q {q}"
            );
        }
        for &value in all.iter().step_by(7) {
            assert_eq!(
                mine.count_between(0, value),
                theirs.count_between(0, value),
                "{value}"
            );
        }
        let expected: Vec<(u64, u64)> = theirs
            .iter_recorded()
            .map(|v| (v.value_iterated_to(), v.count_at_value()))
            .collect();
        assert_eq!(mine.recorded().collect::<Vec<_>>(), expected);
        assert_eq!(HdrCounts::new().value_at_quantile(0.5), 0);
        assert_eq!(reference().value_at_quantile(0.5), 0);
    }

    /// A few values: quantiles land on single buckets, where an
    /// off-by-one in the running count would show.
    #[test]
    fn quantiles_of_small_histograms_are_hdrhistograms() {
        let mut x = 5u64;
        for size in 1..40 {
            let (mut mine, mut theirs) = (HdrCounts::new(), reference());
            for _ in 0..size {
                x = crate::engine::rng::splitmix64(x);
                let value = x % 5_000_000;
                mine.record_n(value, 1);
                theirs.saturating_record_n(value, 1);
            }
            for i in 0..=200 {
                let q = i as f64 / 200.0;
                assert_eq!(mine.value_at_quantile(q), theirs.value_at_quantile(q));
            }
        }
    }
}
