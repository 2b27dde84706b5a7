//! Charts across the sweep: a metric vs a swept parameter, percentiles vs a
//! swept parameter (both with 95% CI bands over replications and SLO
//! lines), and heatmaps over two swept parameters.

use super::axes::param_positions;
use super::shared::{
    MAX_LINES, Objective, Slice, clip_bands, objective_reading, objectives, short_names, slice,
    slo_rules, trend, unknown_name, y_axis,
};
use super::{Axis, Chart, ChartBody, HeatmapChart, Line, LineChart, Tick, format_value};
use crate::report::tables::Tables;
use crate::run::QUANTILES;
use crate::study::plotspec::PlotSpec;

fn unknown_metric(tables: &Tables, metric: &str) -> String {
    let known = tables.summary_metrics();
    unknown_name("metric", "metrics", metric, "summary.csv", &known, "(none)")
}

/// Bands of more lines than this hide each other; the lines stay.
const MAX_BANDS: usize = 4;

/// One line per (group, metric) of the slice: pooled or mean values, and
/// the CI band of the replication mean (when there are few lines).
fn metric_lines(tables: &Tables, slice: &Slice, metrics: &[(String, String)]) -> Vec<Line> {
    let mut lines = lines_of(tables, slice, metrics);
    if lines.len() > MAX_BANDS {
        for line in &mut lines {
            line.band.clear();
        }
    }
    lines
}

fn lines_of(tables: &Tables, slice: &Slice, metrics: &[(String, String)]) -> Vec<Line> {
    let mut lines = Vec::new();
    for group in &slice.groups {
        for (suffix, metric) in metrics {
            let mut line = Line {
                label: [group.label.as_str(), suffix.as_str()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
                colour: lines.len(),
                points: Vec::new(),
                band: Vec::new(),
                markers: true,
                dots: slice.categorical,
            };
            // Dots of several groups at one category sit side by side.
            let dodge = if slice.categorical && slice.groups.len() > 1 {
                let i = slice.groups.iter().position(|g| g == group).unwrap_or(0) as f64;
                (i - (slice.groups.len() - 1) as f64 / 2.0) * 0.3 / slice.groups.len() as f64
            } else {
                0.0
            };
            for &(x, point) in &group.points {
                let x = x + dodge;
                let Some(row) = tables.at(metric, point) else {
                    continue;
                };
                if row.value().is_finite() {
                    line.points.push((x, row.value()));
                }
                if let Some((lo, hi)) = row.band() {
                    line.band.push((x, lo, hi));
                }
            }
            if line.label.is_empty() {
                line.label = metric.clone();
            }
            lines.push(line);
        }
    }
    lines
}

fn x_axis(slice: &Slice) -> Axis {
    // Names as ticks: only what differs, short enough not to overlap.
    let labels = if slice.categorical {
        let named: Vec<String> = slice.x_values.iter().map(|v| format!("x={v}")).collect();
        let most = (64 / slice.x_values.len().max(1)).clamp(8, super::shared::LEGEND_CHARS);
        super::shared::legend_labels(&named)
            .into_iter()
            .map(|l| {
                let l = l.strip_prefix("x=").map(str::to_string).unwrap_or(l);
                super::shared::shorten_middle(&l, most)
            })
            .collect()
    } else {
        slice.x_values.clone()
    };
    let ticks = labels
        .into_iter()
        .zip(&slice.x_positions)
        .map(|(label, &at)| Tick { at, label })
        .collect();
    Axis::with_ticks(&slice.x_title, slice.x_log, ticks)
}

/// "label from a at x to b at y" for the first and last lines, and how the
/// lines compare with each objective.
fn reading_of(slice: &Slice, lines: &[Line], objectives: &[(String, Objective)]) -> String {
    let short = short_names(std::slice::from_ref(&slice.x_title)).remove(0);
    let name_of = |x: f64| {
        let i = slice.x_positions.iter().position(|&p| p == x).unwrap_or(0);
        format!(
            "{short}={}",
            slice.x_values.get(i).cloned().unwrap_or_default()
        )
    };
    let along = |l: &Line| {
        l.points
            .iter()
            .map(|&(x, v)| (name_of(x), v))
            .collect::<Vec<_>>()
    };
    let shown: Vec<&Line> = match lines {
        [] => Vec::new(),
        [one] => vec![one],
        [first, .., last] => vec![first, last],
    };
    let mut parts: Vec<String> = shown
        .iter()
        .map(|l| format!("{} {}", l.label, trend(&along(l))))
        .collect();
    for (label, objective) in objectives {
        let judged: Vec<&Line> = lines
            .iter()
            .filter(|l| l.label.ends_with(label.as_str()))
            .collect();
        match judged.as_slice() {
            [] => {}
            [one] => parts.push(format!(
                "{} {}",
                one.label,
                objective_reading(objective, &along(one))
            )),
            many => {
                let values: Vec<f64> = many
                    .iter()
                    .flat_map(|l| l.points.iter().map(|p| p.1))
                    .collect();
                let met = values.iter().filter(|&&v| objective.met_by(v)).count();
                parts.push(format!(
                    "{met} of {} points meet the {}",
                    values.len(),
                    objective.label
                ));
            }
        }
    }
    if !slice.held.is_empty() {
        parts.push(slice.held.clone());
    }
    format!("{}.", parts.join("; "))
}

/// What `*` matched when `metric` fits `pattern` (`*` standing for one
/// dotted segment), joined by dots.
fn star_match(pattern: &str, metric: &str) -> Option<String> {
    let (wanted, parts): (Vec<&str>, Vec<&str>) =
        (pattern.split('.').collect(), metric.split('.').collect());
    if parts.len() != wanted.len() {
        return None;
    }
    let mut stars = Vec::new();
    for (p, w) in parts.iter().zip(&wanted) {
        match *w {
            "*" => stars.push(*p),
            w if w == *p => {}
            _ => return None,
        }
    }
    Some(stars.join("."))
}

/// The metrics `pattern` names, each with what labels its line: the metric
/// itself (label empty), or every metric a `*` pattern such as
/// `region.*.latency_ms_p99` matches, labelled by what `*` matched.
pub fn matching_metrics(tables: &Tables, pattern: &str) -> Vec<(String, String)> {
    if !pattern.contains('*') {
        return vec![(String::new(), pattern.to_string())];
    }
    tables
        .summary_metrics()
        .into_iter()
        .filter_map(|m| star_match(pattern, &m).map(|label| (label, m)))
        .collect()
}

/// At most [`MAX_LINES`] of `found`: those with the largest values, in
/// their order.
fn largest(tables: &Tables, found: Vec<(String, String)>) -> Vec<(String, String)> {
    if found.len() <= MAX_LINES {
        return found;
    }
    let peak = |m: &str| {
        let rows = tables.summary.get(m).map_or(&[][..], |r| r.as_slice());
        rows.iter()
            .flatten()
            .map(|r| r.value())
            .filter(|v| v.is_finite())
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let mut ranked: Vec<usize> = (0..found.len()).collect();
    ranked.sort_by(|&a, &b| {
        peak(&found[b].1)
            .total_cmp(&peak(&found[a].1))
            .then(a.cmp(&b))
    });
    ranked.truncate(MAX_LINES);
    ranked.sort();
    ranked.into_iter().map(|i| found[i].clone()).collect()
}

/// A metric vs a swept parameter (or every metric a `*` pattern matches).
pub fn line(tables: &Tables, spec: &PlotSpec) -> Result<Chart, String> {
    let pattern = spec.y.clone().ok_or("a line chart needs `y`")?;
    let all = matching_metrics(tables, &pattern);
    if all.is_empty() || !tables.summary.contains_key(&all[0].1) {
        return Err(unknown_metric(tables, &pattern));
    }
    let total = all.len();
    let metrics = largest(tables, all);
    let family = pattern.contains('*');
    // A family gives the lines; other swept parameters are held.
    let spec = &PlotSpec {
        series: spec.series.clone().filter(|_| !family),
        ..spec.clone()
    };
    let slice = slice(&tables.study, spec)?;
    let mut lines = metric_lines(tables, &slice, &metrics);
    clip_bands(&pattern, &mut lines);
    let objectives = objectives(&tables.study, spec, &pattern, true);
    let labelled: Vec<(String, Objective)> = objectives
        .iter()
        .map(|o| (String::new(), o.clone()))
        .collect();
    let mut reading = reading_of(&slice, &lines, &labelled);
    if total > lines.len() {
        reading.push_str(&format!(
            " The {} largest of {total} are shown.",
            lines.len()
        ));
    }
    Ok(Chart {
        file_stem: format!("line-{pattern}"),
        title: format!("{pattern} vs {}", slice.x_title),
        reading,
        body: ChartBody::Lines(LineChart {
            band_note: Some("bands: 95% CI of the mean".into()),
            x: x_axis(&slice),
            y: y_axis(&pattern, &lines, &objectives, spec.log_y),
            rules: slo_rules(&objectives),
            lines,
        }),
        png: false,
    })
}

/// Percentiles of histogram `y` vs a swept parameter: the pooled value from
/// the merged histograms, and the CI band of the per-replication values.
pub fn percentiles(tables: &Tables, spec: &PlotSpec) -> Result<Chart, String> {
    let histogram = match &spec.y {
        Some(h) => h.clone(),
        None => tables
            .histograms
            .first()
            .map(|h| h.name.clone())
            .ok_or("no histograms were recorded")?,
    };
    let default_quantiles: &[&str] = if spec.series.is_some() {
        &["p99"]
    } else {
        &["p50", "p90", "p99"]
    };
    let wanted: Vec<String> = spec
        .quantiles
        .clone()
        .unwrap_or_else(|| default_quantiles.iter().map(|q| q.to_string()).collect());
    let metrics: Vec<(String, String)> = QUANTILES
        .iter()
        .filter(|(q, _)| wanted.iter().any(|w| w == q))
        .map(|(q, _)| (q.to_string(), format!("{histogram}_{q}")))
        .filter(|(_, m)| tables.summary.contains_key(m))
        .collect();
    if metrics.is_empty() {
        return Err(format!(
            "no percentile metrics of histogram `{histogram}` (e.g. `{histogram}_p99`) in summary.csv"
        ));
    }
    let slice = slice(&tables.study, spec)?;
    let mut lines = metric_lines(tables, &slice, &metrics);
    clip_bands(&histogram, &mut lines);
    let mut all_objectives = Vec::new();
    let mut labelled = Vec::new();
    for (q, metric) in &metrics {
        for o in objectives(
            &tables.study,
            spec,
            metric,
            q == "p99" || metrics.len() == 1,
        ) {
            labelled.push((q.clone(), o.clone()));
            all_objectives.push(o);
        }
    }
    let reading = reading_of(&slice, &lines, &labelled);
    Ok(Chart {
        file_stem: format!("percentiles-{histogram}"),
        title: format!("{histogram} percentiles vs {}", slice.x_title),
        reading,
        body: ChartBody::Lines(LineChart {
            band_note: Some("bands: 95% CI of the mean".into()),
            x: x_axis(&slice),
            y: y_axis(&histogram, &lines, &all_objectives, spec.log_y),
            rules: slo_rules(&all_objectives),
            lines,
        }),
        png: false,
    })
}

/// Distinct values of parameter `param` among `points`, ordered by position.
fn ordered_values(tables: &Tables, param: usize, points: &[usize]) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for &p in points {
        let v = &tables.study.point_values[p][param];
        if !values.contains(v) {
            values.push(v.clone());
        }
    }
    let (positions, _) = param_positions(&values, None);
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| positions[a].total_cmp(&positions[b]).then(a.cmp(&b)));
    order.into_iter().map(|i| values[i].clone()).collect()
}

/// The two swept parameters of a heatmap (default: the first two).
fn heatmap_params(tables: &Tables, spec: &PlotSpec) -> Result<(usize, usize), String> {
    let paths = &tables.study.sweep_paths;
    let index = |p: &Option<String>, fallback: usize| match p {
        Some(p) => paths
            .iter()
            .position(|q| q == p)
            .ok_or(format!("`{p}` is not swept")),
        None => Ok(fallback),
    };
    let x = index(&spec.x, 0)?;
    let y = index(&spec.y, if x == 1 { 0 } else { 1 })?;
    if x == y || y >= paths.len() {
        return Err("a heatmap needs two different swept parameters".into());
    }
    Ok((x, y))
}

/// A metric over two swept parameters; cells that miss an objective marked.
pub fn heatmap(tables: &Tables, spec: &PlotSpec) -> Result<Chart, String> {
    let study = &tables.study;
    let metric = spec.z.clone().ok_or("a heatmap needs `z`")?;
    if !tables.summary.contains_key(&metric) {
        return Err(unknown_metric(tables, &metric));
    }
    let (x, y) = heatmap_params(tables, spec)?;
    let base = &study.point_values[0];
    let held: Vec<usize> = (0..study.sweep_paths.len())
        .filter(|&i| i != x && i != y)
        .collect();
    let points: Vec<usize> = (0..study.point_values.len())
        .filter(|&p| held.iter().all(|&i| study.point_values[p][i] == base[i]))
        .collect();
    let (xs, ys) = (
        ordered_values(tables, x, &points),
        ordered_values(tables, y, &points),
    );
    let objectives = objectives(study, spec, &metric, true);
    let mut map = HeatmapChart {
        x_title: study.sweep_paths[x].clone(),
        y_title: study.sweep_paths[y].clone(),
        z_title: metric.clone(),
        cells: vec![vec![None; xs.len()]; ys.len()],
        failing: vec![vec![false; xs.len()]; ys.len()],
        x_labels: xs,
        y_labels: ys,
        slo_text: (!objectives.is_empty()).then(|| {
            let bounds: Vec<String> = objectives.iter().map(|o| o.bound_text()).collect();
            format!("SLO {}", bounds.join(", "))
        }),
    };
    for &p in &points {
        let values = &study.point_values[p];
        let col = map
            .x_labels
            .iter()
            .position(|v| *v == values[x])
            .unwrap_or(0);
        let row = map
            .y_labels
            .iter()
            .position(|v| *v == values[y])
            .unwrap_or(0);
        if let Some(v) = tables
            .at(&metric, p)
            .map(|r| r.value())
            .filter(|v| v.is_finite())
        {
            map.cells[row][col] = Some(v);
            map.failing[row][col] = objectives.iter().any(|o| !o.met_by(v));
        }
    }
    let names = short_names(&study.sweep_paths);
    let mut reading = heatmap_reading(&map, (&names[x], &names[y]), &objectives);
    if !held.is_empty() {
        let held_text: Vec<String> = held
            .iter()
            .map(|&i| format!("{}={}", names[i], base[i]))
            .collect();
        reading.push_str(&format!(" Other parameters at {}.", held_text.join(", ")));
    }
    Ok(Chart {
        file_stem: format!("heatmap-{metric}"),
        title: format!(
            "{metric} over {} and {}",
            study.sweep_paths[x], study.sweep_paths[y]
        ),
        reading,
        body: ChartBody::Heatmap(map),
        png: false,
    })
}

fn heatmap_reading(map: &HeatmapChart, names: (&str, &str), objectives: &[Objective]) -> String {
    let mut all: Vec<(f64, usize, usize)> = Vec::new();
    for (r, row) in map.cells.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if let Some(v) = v {
                all.push((*v, r, c));
            }
        }
    }
    let at = |&(v, r, c): &(f64, usize, usize)| {
        format!(
            "{} at {}={}, {}={}",
            format_value(v),
            names.0,
            map.x_labels[c],
            names.1,
            map.y_labels[r]
        )
    };
    let metric = &map.z_title;
    let lowest = all.iter().min_by(|a, b| a.0.total_cmp(&b.0));
    let highest = all.iter().max_by(|a, b| a.0.total_cmp(&b.0));
    let mut text = match (lowest, highest) {
        (Some(lo), Some(hi)) => {
            format!("{metric} is lowest ({}) and highest ({}).", at(lo), at(hi))
        }
        _ => format!("{metric} has no values."),
    };
    if !objectives.is_empty() {
        let failed = map.failing.iter().flatten().filter(|&&f| f).count();
        let labels: Vec<String> = objectives.iter().map(|o| o.label.clone()).collect();
        text.push_str(&format!(
            " {failed} of {} cells miss the {} (outlined and crossed).",
            all.len(),
            labels.join(" and ")
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tables::SummaryRow;
    use crate::study::tests::study;

    fn tables(metrics: &[(&str, f64)]) -> Tables {
        let row = |v: f64| {
            Some(SummaryRow {
                n: 2,
                mean: v,
                ci95: 0.1,
                pooled: None,
            })
        };
        Tables {
            study: study(),
            runs: Vec::new(),
            metrics: metrics.iter().map(|(m, _)| m.to_string()).collect(),
            summary: metrics
                .iter()
                .map(|(m, v)| (m.to_string(), vec![row(*v); 4]))
                .collect(),
            histograms: Vec::new(),
            series: Vec::new(),
        }
    }

    #[test]
    fn star_patterns_match_one_segment_and_keep_the_largest() {
        let mut metrics: Vec<(String, f64)> = (0..10)
            .map(|i| (format!("pop.p{i}.hit_ratio"), i as f64))
            .collect();
        metrics.push(("pop.p0.extra.hit_ratio".into(), 99.0));
        metrics.push(("hit_ratio".into(), 0.5));
        let refs: Vec<(&str, f64)> = metrics.iter().map(|(m, v)| (m.as_str(), *v)).collect();
        let t = tables(&refs);
        let all = matching_metrics(&t, "pop.*.hit_ratio");
        assert_eq!(all.len(), 10);
        assert_eq!(all[3], ("p3".to_string(), "pop.p3.hit_ratio".to_string()));
        let kept: Vec<String> = largest(&t, all).into_iter().map(|(l, _)| l).collect();
        assert_eq!(kept, vec!["p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"]);
        assert_eq!(
            matching_metrics(&t, "hit_ratio"),
            vec![(String::new(), "hit_ratio".into())]
        );
        let chart = line(
            &t,
            &PlotSpec {
                y: Some("pop.*.hit_ratio".into()),
                ..PlotSpec::default()
            },
        )
        .unwrap();
        assert!(
            chart.reading.contains("The 8 largest of 10 are shown."),
            "{}",
            chart.reading
        );
    }
}
