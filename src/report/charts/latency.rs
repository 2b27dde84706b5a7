//! Latency distributions from merged histograms: the CDF (share at or below
//! a latency, log x) and the tail (CCDF: share above it, log-log), one line
//! per point. Each point's histogram merges every replication's, so the
//! percentiles read off these charts are pooled, never averaged.

use super::legend::point_labels;
use super::shared::{MAX_LINES, evenly, objectives, point_label, unknown_name};
use super::{Axis, Chart, ChartBody, Line, LineChart, Rule, RuleKind, format_value};
use crate::engine::{Histogram, SimTime};
use crate::report::tables::{HistogramSet, Tables};
use crate::run::{QUANTILES, TimeUnit};
use crate::study::plotspec::{PlotKind, PlotSpec};

/// Samples per line, log-spaced over the range of the values.
const SAMPLES: usize = 240;

fn unit_name(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Seconds => "s",
        TimeUnit::Millis => "ms",
    }
}

/// (value in the histogram's unit, share of values at or below it) for
/// every bucket, in increasing value.
fn cumulative(h: &Histogram, unit: TimeUnit) -> Vec<(f64, f64)> {
    let total = h.count().max(1) as f64;
    let mut seen = 0u64;
    h.buckets()
        .into_iter()
        .map(|(v, c)| {
            seen += c;
            (unit.convert(SimTime::from_nanos(v)), seen as f64 / total)
        })
        .collect()
}

/// The share at or below `x` from a cumulative list.
fn share_at(cum: &[(f64, f64)], x: f64) -> f64 {
    match cum.partition_point(|&(v, _)| v <= x) {
        0 => 0.0,
        i => cum[i - 1].1,
    }
}

/// The histogram set `spec.y` names (default: the first).
fn chosen_set<'a>(tables: &'a Tables, spec: &PlotSpec) -> Result<&'a HistogramSet, String> {
    match &spec.y {
        Some(name) => tables.histogram(name).ok_or_else(|| {
            let known: Vec<&str> = tables.histograms.iter().map(|h| h.name.as_str()).collect();
            unknown_name(
                "histogram",
                "histograms",
                name,
                "histograms.csv",
                &known,
                "(none; is [output] histograms = false?)",
            )
        }),
        None => tables
            .histograms
            .first()
            .ok_or_else(|| "no histograms were recorded".to_string()),
    }
}

/// The log-spaced latencies at which every line is sampled: from the
/// lowest 0.1% quantile (below it a CDF is flat and the log axis would
/// spend decades on nothing) to the largest value.
fn sample_grid(set: &HistogramSet, points: &[usize]) -> Result<Vec<f64>, String> {
    let convert = |t: Option<SimTime>| t.map(|t| set.unit.convert(t));
    let hi = points
        .iter()
        .filter_map(|&p| convert(set.per_point[p].max()))
        .fold(0.0, f64::max);
    let lo = points
        .iter()
        .filter_map(|&p| convert(set.per_point[p].quantile(0.001)))
        .filter(|&v| v > 0.0)
        .fold(f64::INFINITY, f64::min)
        .max(hi * 1e-6);
    if !(lo.is_finite() && hi > 0.0) {
        return Err(format!(
            "histogram `{}` has no positive values to draw on a log axis",
            set.name
        ));
    }
    let (l0, l1) = (lo.log10(), hi.log10().max(lo.log10() + 1e-3));
    Ok((0..=SAMPLES)
        .map(|i| 10f64.powf(l0 + (l1 - l0) * i as f64 / SAMPLES as f64))
        .collect())
}

/// The CDF or CCDF chart of `spec.y`.
pub fn distribution(tables: &Tables, spec: &PlotSpec) -> Result<Chart, String> {
    let tail = spec.kind == PlotKind::Ccdf;
    let set = chosen_set(tables, spec)?;
    let candidates: Vec<usize> = (0..set.per_point.len())
        .filter(|&p| set.per_point[p].count() > 0)
        .collect();
    if candidates.is_empty() {
        return Err(format!("histogram `{}` is empty at every point", set.name));
    }
    let points: Vec<usize> = evenly(candidates.len(), MAX_LINES)
        .into_iter()
        .map(|i| candidates[i])
        .collect();
    let grid = sample_grid(set, &points)?;
    let labels = point_labels(&tables.study, &points);
    let lines: Vec<Line> = points
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (&p, label))| {
            let cum = cumulative(&set.per_point[p], set.unit);
            let share = |x: f64| {
                if tail {
                    1.0 - share_at(&cum, x)
                } else {
                    share_at(&cum, x)
                }
            };
            Line {
                label,
                colour: i,
                points: grid
                    .iter()
                    .map(|&x| (x, share(x)))
                    .filter(|&(_, y)| !tail || y > 0.0)
                    .collect(),
                band: Vec::new(),
                markers: false,
                dots: false,
            }
        })
        .collect();
    let x = Axis::log(&format!("{} ({})", set.name, unit_name(set.unit)), &grid);
    let y = if tail {
        let ys: Vec<f64> = lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .collect();
        Axis::log("share of values above", &ys)
    } else {
        Axis::linear("share of values at or below", &[0.0, 1.0], true)
    };
    let what = if tail { "tail (CCDF)" } else { "CDF" };
    Ok(Chart {
        file_stem: format!("{}-{}", spec.kind.as_str(), set.name),
        title: format!("{} {what}, pooled over replications", set.name),
        reading: reading(tables, &set.per_point, &points, set.unit, tail),
        body: ChartBody::Lines(LineChart {
            band_note: None,
            x,
            y,
            lines,
            rules: latency_rules(tables, spec, &set.name),
        }),
        png: false,
    })
}

/// SLOs on the histogram's percentiles, drawn as vertical lines at the bound.
fn latency_rules(tables: &Tables, spec: &PlotSpec, histogram: &str) -> Vec<Rule> {
    let mut rules = Vec::new();
    for (i, (q, _)) in QUANTILES.iter().enumerate() {
        let metric = format!("{histogram}_{q}");
        // The chart's own `slo` applies to p99, the usual latency objective.
        for o in objectives(&tables.study, spec, &metric, i == 2) {
            for at in o.bounds() {
                rules.push(Rule {
                    vertical: true,
                    at,
                    label: o.label.clone(),
                    kind: RuleKind::Slo,
                });
            }
        }
    }
    rules
}

fn reading(
    tables: &Tables,
    per_point: &[Histogram],
    points: &[usize],
    unit: TimeUnit,
    tail: bool,
) -> String {
    let (name, q) = if tail {
        ("p99.9", 0.999)
    } else {
        ("p99", 0.99)
    };
    let value = |p: usize| {
        per_point[p]
            .quantile(q)
            .map_or(f64::NAN, |t| unit.convert(t))
    };
    let median = |p: usize| {
        per_point[p]
            .quantile(0.5)
            .map_or(f64::NAN, |t| unit.convert(t))
    };
    let u = unit_name(unit);
    if points.len() == 1 {
        let p = points[0];
        return format!(
            "Median {} {u}, {name} {} {u} ({}).",
            format_value(median(p)),
            format_value(value(p)),
            point_label(&tables.study, p)
        );
    }
    let by = |f: &dyn Fn(usize) -> f64, best: bool| {
        points
            .iter()
            .copied()
            .filter(|&p| f(p).is_finite())
            .reduce(|a, b| if (f(b) < f(a)) == best { b } else { a })
    };
    match (by(&value, true), by(&value, false)) {
        (Some(lo), Some(hi)) if value(lo) == value(hi) => format!(
            "{name} is {} {u} at every point shown ({} points).",
            format_value(value(lo)),
            points.len()
        ),
        (Some(lo), Some(hi)) => format!(
            "{name} ranges from {} {u} ({}) to {} {u} ({}){}.",
            format_value(value(lo)),
            point_label(&tables.study, lo),
            format_value(value(hi)),
            point_label(&tables.study, hi),
            if tail {
                "; one value in a thousand is slower than that"
            } else {
                ""
            }
        ),
        _ => "No values.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cumulative_shares_step_at_buckets() {
        let mut h = Histogram::new();
        for ms in [1u64, 1, 2, 10] {
            h.record(SimTime::from_millis(ms));
        }
        let cum = cumulative(&h, TimeUnit::Millis);
        assert_eq!(cum.last().unwrap().1, 1.0);
        assert_eq!(share_at(&cum, 0.5), 0.0);
        assert_eq!(share_at(&cum, 1.5), 0.5);
        assert_eq!(share_at(&cum, 5.0), 0.75);
        assert_eq!(share_at(&cum, 100.0), 1.0);
    }
}
