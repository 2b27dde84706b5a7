//! Axes: ranges and ticks chosen by rule (never by the drawing library), so
//! charts are reproducible and swept values appear exactly as written.

use super::{format_value, trim_zeros};
use crate::units;

/// One axis: its title, scale, range and ticks.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub title: String,
    /// Logarithmic: positions are log10 of the values.
    pub log: bool,
    /// The range, in positions.
    pub min: f64,
    pub max: f64,
    pub ticks: Vec<Tick>,
}

/// A tick at a value (in data units) with its label.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

impl Axis {
    /// The position of value `v`; `None` when a log axis cannot show it.
    pub fn pos(&self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            None
        } else if self.log {
            (v > 0.0).then(|| v.log10())
        } else {
            Some(v)
        }
    }

    /// A linear axis over `values` with "nice" ticks; from zero when every
    /// value is non-negative and `from_zero` holds.
    pub fn linear(title: &str, values: &[f64], from_zero: bool) -> Axis {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let (mut lo, mut hi) = extent(&finite).unwrap_or((0.0, 1.0));
        if from_zero && lo >= 0.0 {
            lo = 0.0;
        }
        if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            let pad = if hi == 0.0 { 1.0 } else { hi.abs() * 0.1 };
            (lo, hi) = (lo - pad, hi + pad);
            if from_zero && lo < 0.0 && finite.iter().all(|&v| v >= 0.0) {
                lo = 0.0;
            }
        } else {
            hi += (hi - lo) * 0.05;
        }
        let step = nice_step(hi - lo, 5);
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        let ticks = (first..=last)
            .map(|k| {
                let at = k as f64 * step;
                Tick {
                    at,
                    label: tick_label(at, step),
                }
            })
            .collect();
        Axis {
            title: title.to_string(),
            log: false,
            min: lo,
            max: hi,
            ticks,
        }
    }

    /// A log axis over the positive `values`, whole decades, with ticks at
    /// each decade (and at 2 and 5 times it when the range is short).
    pub fn log(title: &str, values: &[f64]) -> Axis {
        let positive: Vec<f64> = values
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v > 0.0)
            .collect();
        let (lo, hi) = extent(&positive).unwrap_or((1.0, 10.0));
        let low_decade = lo.log10().floor();
        let high_decade = hi.log10().ceil().max(low_decade + 1.0);
        let decades = (high_decade - low_decade) as i32;
        let multiples: &[f64] = if decades <= 2 {
            &[1.0, 2.0, 5.0]
        } else {
            &[1.0]
        };
        let mut ticks = Vec::new();
        for d in low_decade as i32..=high_decade as i32 {
            for &m in multiples {
                let at = m * 10f64.powi(d);
                if at.log10() <= high_decade + 1e-9 {
                    ticks.push(Tick {
                        at,
                        label: format_value(at),
                    });
                }
            }
        }
        Axis {
            title: title.to_string(),
            log: true,
            min: low_decade,
            max: high_decade,
            ticks,
        }
    }

    /// An axis whose ticks are exactly `ticks` (e.g. swept values), padded a
    /// little so markers at the ends are not cut.
    pub fn with_ticks(title: &str, log: bool, ticks: Vec<Tick>) -> Axis {
        let positions: Vec<f64> = ticks
            .iter()
            .filter_map(|t| {
                if log {
                    (t.at > 0.0).then(|| t.at.log10())
                } else {
                    Some(t.at)
                }
            })
            .collect();
        let (lo, hi) = extent(&positions).unwrap_or((0.0, 1.0));
        let pad = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
        Axis {
            title: title.to_string(),
            log,
            min: lo - pad,
            max: hi + pad,
            ticks: thin(ticks, 12),
        }
    }
}

fn extent(values: &[f64]) -> Option<(f64, f64)> {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

/// Keeps at most about `most` ticks, evenly, always the first.
fn thin(ticks: Vec<Tick>, most: usize) -> Vec<Tick> {
    let every = ticks.len().div_ceil(most.max(1)).max(1);
    ticks.into_iter().step_by(every).collect()
}

/// 1, 2, 2.5 or 5 times a power of ten, giving about `target` steps.
fn nice_step(span: f64, target: usize) -> f64 {
    let raw = span / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let mantissa = raw / magnitude;
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|&m| mantissa <= m + 1e-9)
        .unwrap_or(10.0);
    nice * magnitude
}

/// A tick label with as many decimals as the step needs; thousands and
/// millions shortened to k and M.
fn tick_label(v: f64, step: f64) -> String {
    if v.abs() < step * 1e-9 {
        return "0".into();
    }
    let (scale, suffix) = match step.abs() {
        s if s >= 1e9 => (1e9, "G"),
        s if s >= 1e6 => (1e6, "M"),
        s if s >= 1e3 => (1e3, "k"),
        _ => (1.0, ""),
    };
    let scaled_step = step / scale;
    let decimals = (-(scaled_step.log10().floor()) as i32 + 1).clamp(0, 9) as usize;
    let value = v / scale;
    format!("{}{suffix}", trim_zeros(format!("{value:.decimals$}")))
}

/// Positions of a swept parameter's values: numbers when every value reads
/// as one (plain, or with a unit: sizes, rates, durations, bandwidths,
/// counts), else the values' order. Returns the positions in data units and
/// whether a log scale suits them (`log` forces or forbids it).
pub fn param_positions(values: &[String], log: Option<bool>) -> (Vec<f64>, bool) {
    match numeric_positions(values) {
        Some(positions) => {
            let positive = positions.iter().all(|&p| p > 0.0);
            let log = match log {
                Some(wanted) => wanted && positive,
                None => positive && looks_geometric(&positions),
            };
            (positions, log)
        }
        None => ((0..values.len()).map(|i| i as f64).collect(), false),
    }
}

/// The values as numbers, when every one reads as a number with the same
/// kind of unit.
pub fn numeric_positions(values: &[String]) -> Option<Vec<f64>> {
    let parsers: [fn(&str) -> Option<f64>; 6] = [
        |s| s.parse::<f64>().ok().filter(|v| v.is_finite()),
        |s| units::parse_bytes(s).ok().map(|b| b as f64),
        |s| units::parse_rate(s).ok(),
        |s| units::parse_duration(s).ok().map(|t| t.as_secs_f64()),
        |s| units::parse_bandwidth(s).ok(),
        |s| units::parse_count(s).ok().map(|c| c as f64),
    ];
    parsers.iter().find_map(|parse| {
        values
            .iter()
            .map(|v| parse(v))
            .collect::<Option<Vec<f64>>>()
    })
}

/// True when positive values spread over a factor of 8 or more and are
/// more evenly spaced in logarithm than linearly (1, 2, 4, 8, 16, ...).
fn looks_geometric(values: &[f64]) -> bool {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    let (Some(&lo), Some(&hi)) = (sorted.first(), sorted.last()) else {
        return false;
    };
    if hi / lo < 8.0 {
        return false;
    }
    if sorted.len() < 3 {
        return true;
    }
    let logs: Vec<f64> = sorted.iter().map(|v| v.ln()).collect();
    spread(&logs) < spread(&sorted)
}

/// Coefficient of variation of the gaps between sorted values.
fn spread(sorted: &[f64]) -> f64 {
    let gaps: Vec<f64> = sorted.windows(2).map(|w| w[1] - w[0]).collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
    var.sqrt() / mean
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(axis: &Axis) -> Vec<String> {
        axis.ticks.iter().map(|t| t.label.clone()).collect()
    }

    #[test]
    fn linear_ticks_are_nice() {
        let a = Axis::linear("y", &[0.3, 9.2], true);
        assert_eq!(labels(&a), vec!["0", "2", "4", "6", "8"]);
        let b = Axis::linear("y", &[0.0, 0.93], true);
        assert_eq!(labels(&b), vec!["0", "0.2", "0.4", "0.6", "0.8"]);
        let c = Axis::linear("y", &[0.0, 48_000.0], true);
        assert_eq!(labels(&c), vec!["0", "20k", "40k"]);
        let flat = Axis::linear("y", &[3.0, 3.0], true);
        assert!(flat.max > 3.0 && flat.min < 3.0);
    }

    #[test]
    fn log_ticks_are_decades() {
        let a = Axis::log("x", &[0.002, 40.0]);
        assert_eq!(labels(&a), vec!["0.001", "0.01", "0.1", "1", "10", "100"]);
        assert_eq!(a.pos(100.0), Some(2.0));
        assert_eq!(a.pos(0.0), None);
        let short = Axis::log("x", &[1.5, 40.0]);
        assert_eq!(labels(&short), vec!["1", "2", "5", "10", "20", "50", "100"]);
    }

    #[test]
    fn swept_values_are_read_with_units() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let (p, log) = param_positions(&v(&["16GiB", "32GiB", "64GiB", "128GiB", "256GiB"]), None);
        assert!(log);
        assert_eq!(p[1], 32.0 * 1024f64.powi(3));
        let (p, log) = param_positions(&v(&["0.5/s", "0.7/s", "0.9/s"]), None);
        assert!(!log);
        assert_eq!(p, vec![0.5, 0.7, 0.9]);
        let (p, log) = param_positions(&v(&["lru", "fifo"]), None);
        assert_eq!((p, log), (vec![0.0, 1.0], false));
        let (_, log) = param_positions(&v(&["10", "20", "30", "100"]), Some(true));
        assert!(log);
    }
}
