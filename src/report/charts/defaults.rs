//! The charts an experiment gets when it names none, chosen from what its
//! model recorded, so every model (and every model still to come) gets
//! useful pictures: latency CDF and tail per histogram; percentiles vs the
//! first swept parameter; the metrics capacity planners look at first (hit
//! ratio, origin load, utilisation, throughput, lag, connections, …) vs
//! that parameter; heatmaps of p99 for two-parameter grids; every time
//! series.

use crate::report::plotspec::{PlotKind, PlotSpec};
use crate::report::tables::Tables;

/// Scalar metrics worth a chart, most important first: a metric whose name
/// contains one of these words is drawn against the swept parameter.
pub const PRIORITY_WORDS: [&str; 17] = [
    "hit_ratio",
    "origin",
    "utilisation",
    "utilization",
    "throughput",
    "goodput",
    "lag",
    "processor",
    "connection",
    "connect",
    "reject",
    "drop",
    "fail",
    "empty",
    "egress",
    "delivered",
    "forward",
];

const MAX_HISTOGRAMS: usize = 3;
const MAX_METRIC_LINES: usize = 6;
const MAX_SERIES: usize = 8;
/// Most values of the second swept parameter drawn as separate lines.
const MAX_SERIES_VALUES: usize = 6;

/// The default charts for these tables.
pub fn default_plots(tables: &Tables) -> Vec<PlotSpec> {
    let study = &tables.study;
    let histograms: Vec<String> = tables
        .histograms
        .iter()
        .take(MAX_HISTOGRAMS)
        .map(|h| h.name.clone())
        .collect();
    let mut plots = Vec::new();
    for h in &histograms {
        for kind in [PlotKind::Cdf, PlotKind::Ccdf] {
            plots.push(PlotSpec {
                kind,
                y: Some(h.clone()),
                ..PlotSpec::default()
            });
        }
    }
    if let Some(x) = study.sweep_paths.first() {
        let series = study
            .sweep_paths
            .get(1)
            .filter(|_| distinct_values(tables, 1) <= MAX_SERIES_VALUES)
            .cloned();
        let along = |kind, y: &str| PlotSpec {
            kind,
            x: Some(x.clone()),
            y: Some(y.to_string()),
            series: series.clone(),
            ..PlotSpec::default()
        };
        for h in &histograms {
            plots.push(along(PlotKind::Percentiles, h));
        }
        for metric in key_metrics(tables) {
            plots.push(along(PlotKind::Line, &metric));
        }
        plots.extend(heatmaps(tables, &histograms));
    }
    for set in tables.series.iter().take(MAX_SERIES) {
        plots.push(PlotSpec {
            kind: PlotKind::Timeseries,
            y: Some(set.metric.clone()),
            ..PlotSpec::default()
        });
    }
    plots
}

fn distinct_values(tables: &Tables, param: usize) -> usize {
    let mut seen: Vec<&String> = Vec::new();
    for values in &tables.study.point_values {
        if !seen.contains(&&values[param]) {
            seen.push(&values[param]);
        }
    }
    seen.len()
}

/// True when a metric's value differs between points.
fn varies(tables: &Tables, metric: &str) -> bool {
    let values: Vec<f64> = tables
        .summary
        .get(metric)
        .map(|rows| {
            rows.iter()
                .flatten()
                .map(|r| r.value())
                .filter(|v| v.is_finite())
                .collect()
        })
        .unwrap_or_default();
    values.windows(2).any(|w| w[0] != w[1])
}

/// Scalar metrics to draw vs the swept parameter: those named in an SLO,
/// then by [`PRIORITY_WORDS`], else the first few that vary.
pub fn key_metrics(tables: &Tables) -> Vec<String> {
    let scalars: Vec<String> = tables
        .summary_metrics()
        .into_iter()
        .filter(|m| !tables.is_pooled(m) && varies(tables, m))
        .collect();
    let mut chosen: Vec<String> = Vec::new();
    for slo in &tables.study.slo {
        if scalars.contains(&slo.metric) && !chosen.contains(&slo.metric) {
            chosen.push(slo.metric.clone());
        }
    }
    for word in PRIORITY_WORDS {
        for m in scalars.iter().filter(|m| m.contains(word)) {
            if !chosen.contains(m) {
                chosen.push(m.clone());
            }
        }
    }
    if chosen.is_empty() {
        chosen = scalars.into_iter().take(3).collect();
    }
    chosen.truncate(MAX_METRIC_LINES);
    chosen
}

/// Heatmaps of each histogram's p99 and of SLO metrics over the first two
/// swept parameters, when they form a full grid.
fn heatmaps(tables: &Tables, histograms: &[String]) -> Vec<PlotSpec> {
    let study = &tables.study;
    if study.sweep_paths.len() < 2 || !full_grid(tables) {
        return Vec::new();
    }
    let mut metrics: Vec<String> = histograms
        .iter()
        .take(2)
        .map(|h| format!("{h}_p99"))
        .collect();
    for slo in &study.slo {
        if !metrics.contains(&slo.metric) {
            metrics.push(slo.metric.clone());
        }
    }
    if let Some(origin) = key_metrics(tables)
        .into_iter()
        .find(|m| m.contains("origin"))
        && !metrics.contains(&origin)
    {
        metrics.push(origin);
    }
    metrics
        .into_iter()
        .filter(|m| tables.summary.contains_key(m))
        .map(|z| PlotSpec {
            kind: PlotKind::Heatmap,
            x: Some(study.sweep_paths[0].clone()),
            y: Some(study.sweep_paths[1].clone()),
            z: Some(z),
            ..PlotSpec::default()
        })
        .collect()
}

/// True when the first two parameters take every combination of their
/// values (a grid sweep, not a zip), with any others held at one value.
fn full_grid(tables: &Tables) -> bool {
    let study = &tables.study;
    let base = &study.point_values[0];
    let mut pairs: Vec<(&String, &String)> = study
        .point_values
        .iter()
        .filter(|v| v[2..].iter().zip(&base[2..]).all(|(a, b)| a == b))
        .map(|v| (&v[0], &v[1]))
        .collect();
    pairs.sort();
    pairs.dedup();
    let (xs, ys) = (distinct_values(tables, 0), distinct_values(tables, 1));
    xs > 1 && ys > 1 && pairs.len() == xs * ys
}
