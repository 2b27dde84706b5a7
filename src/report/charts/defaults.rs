//! The charts an experiment gets when it names none, chosen from what its
//! model recorded, so every model (and every model still to come) gets
//! useful pictures: latency CDF and tail per histogram; percentiles vs the
//! first swept parameter; the metrics capacity planners look at first (hit
//! ratio, origin load, utilisation, throughput, lag, connections, …) vs
//! that parameter; heatmaps of p99 for two-parameter grids; every time
//! series.

use super::axes::numeric_positions;
use crate::report::tables::Tables;
use crate::study::plotspec::{PlotKind, PlotSpec};

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
/// Most grouped histogram families (and as many grouped scalar families).
const MAX_FAMILIES: usize = 2;
const MAX_SERIES: usize = 6;
/// Most values of a swept parameter drawn as separate lines.
const MAX_SERIES_VALUES: usize = 6;

/// The default charts for these tables.
pub fn default_plots(tables: &Tables) -> Vec<PlotSpec> {
    let names: Vec<String> = tables.histograms.iter().map(|h| h.name.clone()).collect();
    let histograms: Vec<String> = top_level(&names).into_iter().take(MAX_HISTOGRAMS).collect();
    let mut plots = headline_plots(tables);
    for h in &histograms {
        for kind in [PlotKind::Cdf, PlotKind::Ccdf] {
            push_new(
                &mut plots,
                PlotSpec {
                    kind,
                    y: Some(h.clone()),
                    ..PlotSpec::default()
                },
            );
        }
    }
    if let Some((x, series)) = choose_axes(tables) {
        let paths = &tables.study.sweep_paths;
        let along = |kind, y: &str, series: Option<usize>| PlotSpec {
            kind,
            x: Some(paths[x].clone()),
            y: Some(y.to_string()),
            series: series.map(|s| paths[s].clone()),
            ..PlotSpec::default()
        };
        for h in &histograms {
            push_new(&mut plots, along(PlotKind::Percentiles, h, series));
        }
        for metric in key_metrics(tables) {
            push_new(&mut plots, along(PlotKind::Line, &metric, series));
        }
        // Per region, per PoP, per gateway: one line per member.
        for family in key_families(tables, &names) {
            plots.push(along(PlotKind::Line, &family, None));
        }
        plots.extend(heatmaps(tables, &histograms, x));
    }
    for metric in key_series(tables) {
        plots.push(PlotSpec {
            kind: PlotKind::Timeseries,
            y: Some(metric),
            ..PlotSpec::default()
        });
    }
    plots
}

/// Adds `spec` unless a chart of the same kind and metric is there.
fn push_new(plots: &mut Vec<PlotSpec>, spec: PlotSpec) {
    if !plots.iter().any(|p| p.kind == spec.kind && p.y == spec.y) {
        plots.push(spec);
    }
}

/// The histogram a percentile metric comes from: `latency_ms` of
/// `latency_ms_p99`.
fn histogram_of<'a>(tables: &'a Tables, metric: &str) -> Option<&'a str> {
    let (base, q) = metric.rsplit_once('_')?;
    let known = crate::run::QUANTILES.iter().any(|(name, _)| *name == q);
    (known && tables.histogram(base).is_some())
        .then(|| tables.histogram(base).unwrap().name.as_str())
}

/// The headline metrics' charts, first: with a sweep, a percentiles chart
/// for a latency percentile and a line for a scalar (categories as dots);
/// without one, the CDF of a headline latency.
fn headline_plots(tables: &Tables) -> Vec<PlotSpec> {
    let mut plots = Vec::new();
    let axes = choose_axes(tables);
    let paths = &tables.study.sweep_paths;
    for metric in crate::report::answer::headline_metrics(tables) {
        let histogram = histogram_of(tables, &metric).map(str::to_string);
        let spec = match (axes, histogram) {
            (Some((x, series)), Some(h)) => PlotSpec {
                kind: PlotKind::Percentiles,
                x: Some(paths[x].clone()),
                y: Some(h),
                series: series.map(|s| paths[s].clone()),
                ..PlotSpec::default()
            },
            (Some((x, series)), None) => PlotSpec {
                kind: PlotKind::Line,
                x: Some(paths[x].clone()),
                y: Some(metric.clone()),
                series: series.map(|s| paths[s].clone()),
                ..PlotSpec::default()
            },
            (None, Some(h)) => PlotSpec {
                kind: PlotKind::Cdf,
                y: Some(h),
                ..PlotSpec::default()
            },
            (None, None) => continue,
        };
        push_new(&mut plots, spec);
    }
    plots
}

/// Names without a dotted group (`latency_ms`, not
/// `region.tokyo.latency_ms`); all names when every one has a group.
fn top_level(names: &[String]) -> Vec<String> {
    let top: Vec<String> = names.iter().filter(|n| !n.contains('.')).cloned().collect();
    if top.is_empty() { names.to_vec() } else { top }
}

/// Families of grouped names `group.member.quantity` with two or more
/// members, as patterns `group.*.quantity`, in order of first appearance.
fn families(names: &[String]) -> Vec<String> {
    let mut found: Vec<(String, usize)> = Vec::new();
    for name in names {
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() != 3 {
            continue;
        }
        let pattern = format!("{}.*.{}", parts[0], parts[2]);
        match found.iter_mut().find(|(p, _)| *p == pattern) {
            Some((_, n)) => *n += 1,
            None => found.push((pattern, 1)),
        }
    }
    found
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .map(|(p, _)| p)
        .collect()
}

/// Grouped metrics worth a chart with a line per member: each grouped
/// histogram's p99 (latency per region), then grouped scalars named by
/// [`PRIORITY_WORDS`] (hit ratio or utilisation per PoP).
fn key_families(tables: &Tables, histograms: &[String]) -> Vec<String> {
    let mut chosen: Vec<String> = families(histograms)
        .into_iter()
        .map(|f| format!("{f}_p99"))
        .take(MAX_FAMILIES)
        .collect();
    // Members differ from each other even where a point leaves them flat.
    let scalars: Vec<String> = tables
        .summary_metrics()
        .into_iter()
        .filter(|m| m.contains('.') && !tables.is_pooled(m))
        .collect();
    let grouped = families(&scalars);
    for word in PRIORITY_WORDS {
        for f in grouped.iter().filter(|f| f.contains(word)) {
            if !chosen.contains(f) && chosen.len() < 2 * MAX_FAMILIES {
                chosen.push(f.clone());
            }
        }
    }
    chosen
}

/// Series to draw over time: by [`PRIORITY_WORDS`] (connections, lag,
/// processors, ...), then the model's order, at most [`MAX_SERIES`].
fn key_series(tables: &Tables) -> Vec<String> {
    // A series that is zero throughout says nothing a chart could show.
    let all: Vec<&String> = tables
        .series
        .iter()
        .filter(|s| s.lines.iter().any(|l| l.values.iter().any(|v| v.1 != 0.0)))
        .map(|s| &s.metric)
        .collect();
    let mut chosen: Vec<String> = Vec::new();
    for word in PRIORITY_WORDS {
        for m in all.iter().filter(|m| m.contains(word)) {
            if !chosen.contains(m) {
                chosen.push(m.to_string());
            }
        }
    }
    for m in all {
        if !chosen.contains(m) {
            chosen.push(m.clone());
        }
    }
    chosen.truncate(MAX_SERIES);
    chosen
}

/// Distinct values of swept parameter `param`, in order of first appearance.
fn distinct_values(tables: &Tables, param: usize) -> Vec<&String> {
    let mut seen: Vec<&String> = Vec::new();
    for values in &tables.study.point_values {
        if !seen.contains(&&values[param]) {
            seen.push(&values[param]);
        }
    }
    seen
}

/// The parameter on the x axis and the one giving a line per value: x is
/// the numeric parameter with the most values (load, size, clients), else
/// the parameter with the most values; the series is the first other
/// parameter with few values (policy, strategy, skew).
fn choose_axes(tables: &Tables) -> Option<(usize, Option<usize>)> {
    let n = tables.study.sweep_paths.len();
    if n == 0 {
        return None;
    }
    let counts: Vec<usize> = (0..n).map(|p| distinct_values(tables, p).len()).collect();
    let numeric = |p: usize| {
        let values: Vec<String> = distinct_values(tables, p).into_iter().cloned().collect();
        numeric_positions(&values).is_some()
    };
    let best = |candidates: Vec<usize>| {
        candidates
            .into_iter()
            .reduce(|a, b| if counts[b] > counts[a] { b } else { a })
    };
    let x = best((0..n).filter(|&p| counts[p] > 1 && numeric(p)).collect())
        .or_else(|| best((0..n).collect()))?;
    let series = (0..n).find(|&p| p != x && (2..=MAX_SERIES_VALUES).contains(&counts[p]));
    Some((x, series))
}

/// True when a metric's value differs materially between points: by more
/// than 2% of its largest magnitude (less is replication noise, such as
/// arrivals at a fixed rate).
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
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    hi - lo > 0.02 * lo.abs().max(hi.abs())
}

/// Scalar metrics to draw vs the swept parameter: those named in an SLO,
/// then ungrouped ones by [`PRIORITY_WORDS`], then the others in the
/// model's order, at most [`MAX_METRIC_LINES`], each varying between points.
pub fn key_metrics(tables: &Tables) -> Vec<String> {
    let all = tables.summary_metrics();
    let mut chosen: Vec<String> = Vec::new();
    for slo in &tables.study.slo {
        if all.contains(&slo.metric)
            && !tables.is_pooled(&slo.metric)
            && !chosen.contains(&slo.metric)
        {
            chosen.push(slo.metric.clone());
        }
    }
    let scalars = top_level(&all);
    for m in by_priority(tables, &all, &scalars) {
        if !chosen.contains(&m) {
            chosen.push(m);
        }
    }
    chosen.truncate(MAX_METRIC_LINES);
    chosen
}

/// Of `names`, the scalars worth a column or a line: not pooled, varying
/// between points, and not a count whose rate (`…_per_s`) is among `all`
/// (both draw the same chart: the rate stays); those with a
/// [`PRIORITY_WORDS`] word first, in that order, then the others in the
/// model's order, which puts its main results first.
fn by_priority(tables: &Tables, all: &[String], names: &[String]) -> Vec<String> {
    let scalars: Vec<&String> = names
        .iter()
        .filter(|m| !tables.is_pooled(m) && varies(tables, m))
        .filter(|m| !all.contains(&format!("{m}_per_s")))
        .collect();
    let mut chosen: Vec<String> = Vec::new();
    let words = PRIORITY_WORDS.iter().map(Some).chain([None]);
    for word in words {
        for m in &scalars {
            if word.is_none_or(|w| m.contains(w)) && !chosen.contains(m) {
                chosen.push(m.to_string());
            }
        }
    }
    chosen
}

/// The scalars of a model's parts (`cdn.hit_ratio`, `push.connected_share`:
/// one dot, no entity), in [`by_priority`] order: what a summary shows
/// when the top-level metrics say little (the `system` model names
/// nearly everything by its part).
pub fn part_metrics(tables: &Tables) -> Vec<String> {
    let all = tables.summary_metrics();
    let parts: Vec<String> = all
        .iter()
        .filter(|n| n.matches('.').count() == 1)
        .cloned()
        .collect();
    by_priority(tables, &all, &parts)
}

/// Heatmaps over the x parameter and a second one, when the two form a
/// full grid: each histogram's p99, the SLO metrics and origin load (or,
/// without those, the first key metric).
fn heatmaps(tables: &Tables, histograms: &[String], x: usize) -> Vec<PlotSpec> {
    let study = &tables.study;
    let Some(y) = (0..study.sweep_paths.len()).find(|&p| p != x && full_grid(tables, x, p)) else {
        return Vec::new();
    };
    let mut metrics: Vec<String> = histograms
        .iter()
        .take(2)
        .map(|h| format!("{h}_p99"))
        .collect();
    metrics.extend(study.slo.iter().map(|s| s.metric.clone()));
    let key = key_metrics(tables);
    metrics.extend(key.iter().find(|m| m.contains("origin")).cloned());
    metrics.retain(|m| tables.summary.contains_key(m));
    if metrics.is_empty() {
        metrics.extend(key.first().cloned());
    }
    let mut unique: Vec<String> = Vec::new();
    for m in metrics {
        if !unique.contains(&m) {
            unique.push(m);
        }
    }
    unique
        .into_iter()
        .map(|z| PlotSpec {
            kind: PlotKind::Heatmap,
            x: Some(study.sweep_paths[x].clone()),
            y: Some(study.sweep_paths[y].clone()),
            z: Some(z),
            ..PlotSpec::default()
        })
        .collect()
}

/// True when parameters `a` and `b` take every combination of their
/// values (a grid sweep, not a zip), with any others held at one value.
fn full_grid(tables: &Tables, a: usize, b: usize) -> bool {
    let study = &tables.study;
    let base = &study.point_values[0];
    let held = |v: &Vec<String>| (0..v.len()).all(|i| i == a || i == b || v[i] == base[i]);
    let mut pairs: Vec<(&String, &String)> = study
        .point_values
        .iter()
        .filter(|v| held(v))
        .map(|v| (&v[a], &v[b]))
        .collect();
    pairs.sort();
    pairs.dedup();
    let (xs, ys) = (
        distinct_values(tables, a).len(),
        distinct_values(tables, b).len(),
    );
    xs > 1 && ys > 1 && pairs.len() == xs * ys
}
