//! Time-series charts from `timeseries.csv`, averaged bin by bin over
//! replications: one line per point for a series with one entity; for a
//! series per entity (connections per server, lag per partition) one chart
//! per point (small multiples), with a line per entity, or the min–max band
//! and the median when there are many.

use super::legend::point_labels;
use super::shared::{MAX_LINES, evenly, objectives, point_label, slo_rules, unknown_name, y_axis};
use super::{Axis, Chart, ChartBody, Line, LineChart, Rule, RuleKind, format_value};
use crate::report::tables::{SeriesLine, SeriesSet, Tables};
use crate::study::plotspec::PlotSpec;

/// The most points shown as separate charts for a series per entity.
pub const MAX_SMALL_MULTIPLES: usize = 3;

/// Seconds per unit of the time axis, chosen from the run's duration.
fn time_unit(duration_s: f64) -> (f64, &'static str) {
    match duration_s {
        d if d >= 2.0 * 86_400.0 => (86_400.0, "d"),
        d if d >= 3.0 * 3600.0 => (3600.0, "h"),
        d if d >= 180.0 => (60.0, "min"),
        _ => (1.0, "s"),
    }
}

/// The chart(s) of series `spec.y`.
pub fn timeseries(tables: &Tables, spec: &PlotSpec) -> Result<Vec<Chart>, String> {
    let metric = spec.y.clone().ok_or("a timeseries chart needs `y`")?;
    let set = tables.series_set(&metric).ok_or_else(|| {
        let known: Vec<&str> = tables.series.iter().map(|s| s.metric.as_str()).collect();
        unknown_name(
            "series",
            "series",
            &metric,
            "timeseries.csv",
            &known,
            "(none)",
        )
    })?;
    let mut points: Vec<usize> = set.lines.iter().map(|l| l.point).collect();
    points.dedup();
    // A series without an entity is the whole (all servers, all
    // partitions); one with entities is per server or partition.
    let (whole, parts): (Vec<&SeriesLine>, Vec<&SeriesLine>) = set
        .lines
        .iter()
        .partition(|l| l.entity.is_empty() || set.entities.len() == 1);
    let mut charts = Vec::new();
    if !whole.is_empty() {
        let shown: Vec<usize> = evenly(points.len(), MAX_LINES)
            .into_iter()
            .map(|i| points[i])
            .collect();
        let lines: Vec<&SeriesLine> = whole
            .into_iter()
            .filter(|l| shown.contains(&l.point))
            .collect();
        let at: Vec<usize> = lines.iter().map(|l| l.point).collect();
        let labels = point_labels(&tables.study, &at);
        charts.push(chart(tables, spec, set, &lines, labels, None));
    }
    if !parts.is_empty() {
        for i in evenly(points.len(), MAX_SMALL_MULTIPLES) {
            let point = points[i];
            let lines: Vec<&SeriesLine> =
                parts.iter().copied().filter(|l| l.point == point).collect();
            let labels = lines.iter().map(|l| l.entity.clone()).collect();
            charts.push(chart(tables, spec, set, &lines, labels, Some(point)));
        }
    }
    Ok(charts)
}

/// One line per series (labelled by entity or point), or the envelope of
/// many; times in `scale` seconds.
fn series_lines(
    set: &SeriesSet,
    series: &[&SeriesLine],
    labels: Vec<String>,
    scale: f64,
) -> Vec<Line> {
    let scaled = |s: &SeriesLine| -> Vec<(f64, f64)> {
        s.values
            .iter()
            .filter(|v| v.1.is_finite())
            .map(|&(t, v)| (t / scale, v))
            .collect()
    };
    if series.len() > MAX_LINES {
        return envelope(series, &scaled);
    }
    series
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (s, label))| Line {
            label: if label.is_empty() {
                set.metric.clone()
            } else {
                label
            },
            colour: i,
            points: scaled(s),
            band: Vec::new(),
            markers: false,
            dots: false,
        })
        .collect()
}

fn chart(
    tables: &Tables,
    spec: &PlotSpec,
    set: &SeriesSet,
    series: &[&SeriesLine],
    labels: Vec<String>,
    point: Option<usize>,
) -> Chart {
    let study = &tables.study;
    let (scale, unit) = time_unit(study.duration_s);
    let lines = series_lines(set, series, labels, scale);
    let objectives = objectives(study, spec, &set.metric, true);
    let mut rules = slo_rules(&objectives);
    if study.warmup_s > 0.0 {
        rules.push(Rule {
            vertical: true,
            at: study.warmup_s / scale,
            label: "end of warm-up".into(),
            kind: RuleKind::Marker,
        });
    }
    // The experiment's scheduled instants, unless the chart names its own.
    if spec.marks.is_empty() {
        for event in &study.scheduled {
            rules.push(Rule {
                vertical: true,
                at: event.at_s / scale,
                label: event.label.clone(),
                kind: RuleKind::Marker,
            });
        }
    }
    for mark in &spec.marks {
        let at = mark.at.0.as_secs_f64();
        rules.push(Rule {
            vertical: true,
            at: at / scale,
            label: if mark.label.is_empty() {
                format!("t = {} s", format_value(at))
            } else {
                mark.label.clone()
            },
            kind: RuleKind::Marker,
        });
    }
    let ts: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .chain(rules.iter().filter(|r| r.vertical).map(|r| r.at))
        .chain([0.0])
        .collect();
    let y = y_axis(&set.metric, &lines, &objectives, spec.log_y);
    let suffix = point.map_or(String::new(), |p| format!(" at {}", point_label(study, p)));
    Chart {
        file_stem: format!("timeseries-{}", set.metric),
        title: format!("{} over time{suffix}, mean of replications", set.metric),
        reading: reading(&lines, unit, series.len(), &suffix),
        body: ChartBody::Lines(LineChart {
            band_note: (series.len() > MAX_LINES)
                .then(|| format!("band: min to max of {}", series.len())),
            x: Axis::linear(&format!("time ({unit})"), &ts, true),
            y,
            lines,
            rules,
        }),
        png: false,
    }
}

/// The median line with the min–max band over many entities.
fn envelope(series: &[&SeriesLine], scaled: &dyn Fn(&SeriesLine) -> Vec<(f64, f64)>) -> Vec<Line> {
    let all: Vec<Vec<(f64, f64)>> = series.iter().map(|s| scaled(s)).collect();
    let bins = all.iter().map(|v| v.len()).max().unwrap_or(0);
    let mut median = Vec::with_capacity(bins);
    let mut band = Vec::with_capacity(bins);
    for i in 0..bins {
        let mut at: Vec<(f64, f64)> = all.iter().filter_map(|v| v.get(i).copied()).collect();
        at.sort_by(|a, b| a.1.total_cmp(&b.1));
        let Some(&(t, _)) = at.first() else { continue };
        median.push((t, at[at.len() / 2].1));
        band.push((t, at[0].1, at[at.len() - 1].1));
    }
    vec![Line {
        label: format!("median of {}", series.len()),
        colour: 0,
        points: median,
        band,
        markers: false,
        dots: false,
    }]
}

fn reading(lines: &[Line], unit: &str, entities: usize, suffix: &str) -> String {
    let peak = lines
        .iter()
        .flat_map(|l| {
            let top = l
                .band
                .iter()
                .map(|b| (b.0, b.2))
                .chain(l.points.iter().copied());
            top.map(move |(t, v)| (t, v, l.label.as_str()))
        })
        .filter(|p| p.1.is_finite())
        .reduce(|a, b| if b.1 > a.1 { b } else { a });
    let Some((t, v, label)) = peak else {
        return "No values.".into();
    };
    let whose = if entities > MAX_LINES {
        format!("over {entities} entities")
    } else {
        label.to_string()
    };
    let ends: Vec<(f64, &str)> = lines
        .iter()
        .filter_map(|l| l.points.last().map(|p| (p.1, l.label.as_str())))
        .collect();
    let lowest = ends.iter().min_by(|a, b| a.0.total_cmp(&b.0));
    let highest = ends.iter().max_by(|a, b| a.0.total_cmp(&b.0));
    let end = match (lowest, highest) {
        (Some(lo), Some(hi)) if ends.len() > 1 && lo.0 == hi.0 => {
            format!("; every line ends at {}", format_value(lo.0))
        }
        (Some(lo), Some(hi)) if ends.len() > 1 => format!(
            "; at the end from {} ({}) to {} ({})",
            format_value(lo.0),
            lo.1,
            format_value(hi.0),
            hi.1
        ),
        (Some(only), _) => format!("; {} at the end", format_value(only.0)),
        _ => String::new(),
    };
    format!(
        "Peak {} at t = {} {unit} ({whose}){end}{suffix}.",
        format_value(v),
        format_value(t)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_takes_min_median_max() {
        let lines: Vec<SeriesLine> = (0..10)
            .map(|e| SeriesLine {
                point: 0,
                entity: format!("e{e}"),
                values: vec![(0.0, e as f64), (60.0, 2.0 * e as f64)],
            })
            .collect();
        let refs: Vec<&SeriesLine> = lines.iter().collect();
        let env = envelope(&refs, &|s| s.values.clone());
        assert_eq!(env[0].points, vec![(0.0, 5.0), (60.0, 10.0)]);
        assert_eq!(env[0].band, vec![(0.0, 0.0, 9.0), (60.0, 0.0, 18.0)]);
        assert_eq!(time_unit(7200.0), (60.0, "min"));
    }
}
