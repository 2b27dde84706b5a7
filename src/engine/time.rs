//! Simulated time: an integer count of nanoseconds.
//!
//! Floating point never orders events. `SimTime` is used both for instants
//! (time since the start of a run) and for spans between them; the two are the
//! same quantity on a single clock, and keeping one type keeps arithmetic plain.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Nanoseconds in one second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// `x.round() as u64` for `0 <= x < 2^64`, without the libm call that
/// `f64::round` compiles to on baseline x86-64 (every sampled duration
/// passes here). The fraction `x - trunc(x)` is exact: below 2^53 both are
/// within a factor of two (or `x < 1`), and above it `x` is an integer.
#[inline]
fn round_half_up(x: f64) -> u64 {
    // Below 2^63 the signed conversions (one instruction each on x86-64)
    // give the same values as the unsigned ones.
    if x < 9_223_372_036_854_775_808.0 {
        let whole = x as i64;
        return whole as u64 + (x - whole as f64 >= 0.5) as u64;
    }
    let whole = x as u64;
    whole + (x - whole as f64 >= 0.5) as u64
}

/// `x.ceil() as u64` (saturating, NaN and negatives to 0), without a libm
/// call: when `x` is not a whole number its truncation is one below.
#[inline]
pub fn ceil_to_u64(x: f64) -> u64 {
    let whole = x as u64;
    whole.saturating_add(((whole as f64) < x) as u64)
}

/// An instant or a span of simulated time, in nanoseconds.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The end of time: later than any event a run can schedule.
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_nanos(nanos: u64) -> SimTime {
        SimTime(nanos)
    }

    pub const fn from_micros(micros: u64) -> SimTime {
        SimTime(micros.saturating_mul(1_000))
    }

    pub const fn from_millis(millis: u64) -> SimTime {
        SimTime(millis.saturating_mul(1_000_000))
    }

    pub const fn from_secs(secs: u64) -> SimTime {
        SimTime(secs.saturating_mul(NANOS_PER_SEC))
    }

    /// Converts seconds to the nearest nanosecond; negative and NaN give zero,
    /// values beyond the range saturate at `SimTime::MAX`.
    #[inline]
    pub fn from_secs_f64(secs: f64) -> SimTime {
        let nanos = secs * NANOS_PER_SEC as f64;
        // Every sampled duration: from one half to 2^63 (false for NaN),
        // two compares and the signed conversions of `round_half_up`.
        if (0.5..9_223_372_036_854_775_808.0).contains(&nanos) {
            let whole = nanos as i64;
            return SimTime(whole as u64 + (nanos - whole as f64 >= 0.5) as u64);
        }
        Self::from_nanos_f64_outside(nanos)
    }

    /// `from_secs_f64` of the nanoseconds below one half, NaN or beyond 2^63.
    #[cold]
    fn from_nanos_f64_outside(nanos: f64) -> SimTime {
        // Below one half (and NaN) rounds to zero or less.
        if nanos.is_nan() || nanos < 0.5 {
            SimTime::ZERO
        } else if nanos >= u64::MAX as f64 {
            SimTime::MAX
        } else {
            SimTime(round_half_up(nanos))
        }
    }

    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// `self.as_nanos() as f64`, the same value: below 2^63 (292 years)
    /// by the signed conversion, one instruction on x86-64 where the
    /// unsigned one takes several.
    #[inline(always)]
    pub fn as_nanos_f64(self) -> f64 {
        if self.0 < 1 << 63 {
            self.0 as i64 as f64
        } else {
            self.0 as f64
        }
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }

    pub const fn saturating_add(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(other.0))
    }

    pub const fn saturating_sub(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(other.0))
    }

    pub const fn checked_add(self, other: SimTime) -> Option<SimTime> {
        match self.0.checked_add(other.0) {
            Some(n) => Some(SimTime(n)),
            None => None,
        }
    }

    /// Multiplies a span by an integer, saturating.
    pub const fn saturating_mul(self, factor: u64) -> SimTime {
        SimTime(self.0.saturating_mul(factor))
    }
}

impl Add for SimTime {
    type Output = SimTime;
    /// Saturating: a span added to an instant near the end of time stays at the end.
    #[inline]
    fn add(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(other.0))
    }
}

impl AddAssign for SimTime {
    #[inline]
    fn add_assign(&mut self, other: SimTime) {
        self.0 = self.0.saturating_add(other.0);
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    /// Saturating at zero: the span from a later instant back to an earlier one is empty.
    #[inline]
    fn sub(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(other.0))
    }
}

impl fmt::Display for SimTime {
    /// The largest whole unit: `0s`, `3s`, `250ms`, `20us`, `7ns`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.as_nanos();
        if ns == 0 {
            write!(f, "0s")
        } else if ns.is_multiple_of(1_000_000_000) {
            write!(f, "{}s", ns / 1_000_000_000)
        } else if ns.is_multiple_of(1_000_000) {
            write!(f, "{}ms", ns / 1_000_000)
        } else if ns.is_multiple_of(1_000) {
            write!(f, "{}us", ns / 1_000)
        } else {
            write!(f, "{ns}ns")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanos_as_f64_is_the_unsigned_conversion() {
        let mut x = 3u64;
        let mut values = vec![
            0,
            1,
            (1 << 53) + 1,
            (1 << 63) - 1,
            1 << 63,
            u64::MAX - 1,
            u64::MAX,
        ];
        for _ in 0..10_000 {
            x = crate::engine::rng::splitmix64(x);
            values.extend([x, x >> (x % 64)]);
        }
        for v in values {
            let got = SimTime::from_nanos(v).as_nanos_f64();
            assert_eq!(got.to_bits(), (v as f64).to_bits(), "{v}");
        }
    }

    #[test]
    fn inline_rounding_matches_libm() {
        use crate::engine::rng::splitmix64;
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            0.49999999999999994,
            4503599627370495.5,
            4503599627370497.0,
            9007199254740993.0,
            1.844_674_407_370_955e19,
            1.8446744073709552e19,
            1e300,
            -1.0,
            -0.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            1e-300,
        ];
        let mut x = 3u64;
        for _ in 0..100_000 {
            x = splitmix64(x);
            // Random bit patterns across every exponent, and small decimals.
            values.push(f64::from_bits(x >> 1));
            values.push((x % 10_000_000) as f64 / 1000.0);
        }
        for v in values {
            let secs = v / NANOS_PER_SEC as f64;
            let rounded = (secs * NANOS_PER_SEC as f64).round();
            let expected = if rounded.is_nan() || rounded <= 0.0 {
                0
            } else if rounded >= u64::MAX as f64 {
                u64::MAX
            } else {
                rounded as u64
            };
            assert_eq!(SimTime::from_secs_f64(secs).as_nanos(), expected, "{v:e}");
            assert_eq!(ceil_to_u64(v), v.ceil() as u64, "{v:e}");
        }
    }

    #[test]
    fn conversions_round_trip() {
        assert_eq!(SimTime::from_secs_f64(1.5).as_nanos(), 1_500_000_000);
        assert_eq!(SimTime::from_millis(250).as_secs_f64(), 0.25);
        assert_eq!(SimTime::from_secs_f64(-3.0), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(f64::NAN), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(1e300), SimTime::MAX);
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(SimTime::MAX + SimTime::from_secs(1), SimTime::MAX);
        assert_eq!(SimTime::from_secs(1) - SimTime::from_secs(2), SimTime::ZERO);
    }
}
