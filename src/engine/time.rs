//! Simulated time: an integer count of nanoseconds.
//!
//! Floating point never orders events. `SimTime` is used both for instants
//! (time since the start of a run) and for spans between them; the two are the
//! same quantity on a single clock, and keeping one type keeps arithmetic plain.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Nanoseconds in one second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

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
    pub fn from_secs_f64(secs: f64) -> SimTime {
        let nanos = (secs * NANOS_PER_SEC as f64).round();
        if nanos.is_nan() || nanos <= 0.0 {
            SimTime::ZERO
        } else if nanos >= u64::MAX as f64 {
            SimTime::MAX
        } else {
            SimTime(nanos as u64)
        }
    }

    pub const fn as_nanos(self) -> u64 {
        self.0
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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::units::format_duration(*self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
