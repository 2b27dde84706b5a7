//! What every kind of chart shares: point labels, slices of a sweep along
//! one parameter, the objectives (SLOs) that apply to a metric, value axes
//! and SLO rules, readings of a line, and the message for a name the
//! tables do not hold.

use super::axes::param_positions;
use super::{Axis, Line, Rule, RuleKind, format_value};
use crate::study::Study;
use crate::study::plotspec::{PlotSpec, SloSpec};

/// The most lines (points) a latency or series chart shows; more points
/// are thinned evenly.
pub const MAX_LINES: usize = 8;

/// Short names of the swept parameters: the last key of each path, or the
/// whole path when two last keys clash.
pub fn short_names(paths: &[String]) -> Vec<String> {
    let last = |p: &String| p.rsplit('.').next().unwrap_or(p).to_string();
    paths
        .iter()
        .map(|p| {
            let clashes = paths.iter().filter(|q| last(q) == last(p)).count() > 1;
            if clashes { p.clone() } else { last(p) }
        })
        .collect()
}

/// "servers=4, arrival_rate=0.8/s"; the experiment name when nothing is swept.
pub fn point_label(study: &Study, point: usize) -> String {
    let names = short_names(&study.sweep_paths);
    let values = study
        .point_values
        .get(point)
        .map_or(&[][..], |v| v.as_slice());
    if values.is_empty() {
        return study.experiment.clone();
    }
    names
        .iter()
        .zip(values)
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// At most `most` indexes of `0..n`, evenly spread, first and last included.
pub fn evenly(n: usize, most: usize) -> Vec<usize> {
    if n <= most {
        return (0..n).collect();
    }
    if most < 2 {
        return (0..most).collect();
    }
    let mut picked: Vec<usize> = (0..most)
        .map(|i| ((i * (n - 1)) as f64 / (most - 1) as f64).round() as usize)
        .collect();
    picked.dedup();
    picked
}

/// Points along one swept parameter: one group per value of the `series`
/// parameter (or one group), every other parameter held at the first
/// point's value.
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    pub x_title: String,
    /// Distinct x values as written, their positions, and the scale.
    pub x_values: Vec<String>,
    pub x_positions: Vec<f64>,
    pub x_log: bool,
    /// The x values are names, not numbers (`lru`, `no-cdn`): drawn as
    /// dots with whiskers at evenly spaced categories.
    pub categorical: bool,
    pub groups: Vec<Group>,
    /// "other parameters at: a=1, b=2", empty when none are held.
    pub held: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// The series value ("" without a series parameter).
    pub label: String,
    /// (x position, point), in increasing x.
    pub points: Vec<(f64, usize)>,
}

fn param_index(study: &Study, path: Option<&String>, fallback: usize) -> Result<usize, String> {
    match path {
        Some(p) => study
            .sweep_paths
            .iter()
            .position(|q| q == p)
            .ok_or_else(|| format!("`{p}` is not a swept parameter")),
        None if fallback < study.sweep_paths.len() => Ok(fallback),
        None => Err("the experiment sweeps no parameter to put on the axis".into()),
    }
}

/// The slice of `spec`'s x (default: the first swept parameter) and series.
pub fn slice(study: &Study, spec: &PlotSpec) -> Result<Slice, String> {
    let x = param_index(study, spec.x.as_ref(), 0)?;
    let series = match &spec.series {
        Some(_) => Some(param_index(study, spec.series.as_ref(), 0)?),
        None => None,
    };
    let held_params: Vec<usize> = (0..study.sweep_paths.len())
        .filter(|&i| i != x && Some(i) != series)
        .collect();
    let base = study.point_values.first().cloned().unwrap_or_default();
    let names = short_names(&study.sweep_paths);
    let mut x_values: Vec<String> = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    for (point, values) in study.point_values.iter().enumerate() {
        if held_params.iter().any(|&i| values[i] != base[i]) {
            continue;
        }
        if !x_values.contains(&values[x]) {
            x_values.push(values[x].clone());
        }
        let label = series.map_or(String::new(), |s| format!("{}={}", names[s], values[s]));
        match groups.iter_mut().find(|g| g.label == label) {
            Some(g) => g.points.push((0.0, point)),
            None => groups.push(Group {
                label,
                points: vec![(0.0, point)],
            }),
        }
    }
    let (x_positions, x_log) = param_positions(&x_values, spec.log_x);
    let labels = compact_labels(&groups.iter().map(|g| g.label.clone()).collect::<Vec<_>>());
    for (g, label) in groups.iter_mut().zip(labels) {
        g.label = label;
    }
    for g in &mut groups {
        for (pos, point) in &mut g.points {
            let value = &study.point_values[*point][x];
            let i = x_values.iter().position(|v| v == value).unwrap_or(0);
            *pos = x_positions[i];
        }
        g.points
            .sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    }
    let held = held_params
        .iter()
        .map(|&i| format!("{}={}", names[i], base[i]))
        .collect::<Vec<_>>();
    let categorical = super::axes::numeric_positions(&x_values).is_none();
    Ok(Slice {
        x_title: study.sweep_paths[x].clone(),
        x_values,
        x_positions,
        x_log,
        categorical,
        groups,
        held: if held.is_empty() {
            String::new()
        } else {
            format!("other parameters at {}", held.join(", "))
        },
    })
}

/// The longest legend entry, in characters.
pub const LEGEND_CHARS: usize = 24;

/// Labels made only of what differs between them: the fields of
/// inline-table values (`{ cores = 2, count = 64 }`) that all labels share
/// are left out, and the rest written compactly (`cores=2, count=64`);
/// whole, for a legend that wraps them.
pub fn compact_labels(labels: &[String]) -> Vec<String> {
    let parsed: Vec<Option<(String, Vec<String>)>> =
        labels.iter().map(|l| table_fields(l)).collect();
    if labels.len() > 1 && parsed.iter().all(Option::is_some) {
        let fields: Vec<&Vec<String>> = parsed.iter().flatten().map(|(_, f)| f).collect();
        let common = |f: &String| fields.iter().all(|other| other.contains(f));
        fields
            .iter()
            .map(|f| {
                let kept: Vec<&str> = f
                    .iter()
                    .filter(|x| !common(x))
                    .map(String::as_str)
                    .collect();
                kept.join(", ")
            })
            .collect()
    } else {
        labels.to_vec()
    }
}

/// [`compact_labels`], each shortened in the middle to at most
/// [`LEGEND_CHARS`] (for axis ticks, which do not wrap), so that their
/// differing ends stay and no two read the same.
pub fn legend_labels(labels: &[String]) -> Vec<String> {
    let compact = compact_labels(labels);
    let mut out: Vec<String> = compact
        .iter()
        .map(|l| shorten_middle(l, LEGEND_CHARS))
        .collect();
    let distinct = |v: &Vec<String>| (0..v.len()).all(|i| !v[..i].contains(&v[i]));
    if !distinct(&out) {
        out = compact
            .iter()
            .enumerate()
            .map(|(i, l)| shorten_middle(&format!("{}: {l}", i + 1), LEGEND_CHARS))
            .collect();
    }
    out
}

/// `name={ a = 1, b = "x" }` as (name, ["a=1", "b=x"]); `None` for other text.
fn table_fields(label: &str) -> Option<(String, Vec<String>)> {
    let (name, value) = label.split_once('=')?;
    let inner = value.trim().strip_prefix('{')?.strip_suffix('}')?;
    let fields = inner
        .split(',')
        .map(|f| f.replace([' ', '"'], ""))
        .filter(|f| !f.is_empty())
        .collect();
    Some((name.to_string(), fields))
}

/// `text` in at most `most` characters: its start and end around "…".
pub fn shorten_middle(text: &str, most: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= most {
        return text.to_string();
    }
    let head = (most - 1) / 2;
    let tail = most - 1 - head;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// An objective on a chart: its bound and how to say it.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    pub max: Option<f64>,
    pub min: Option<f64>,
    pub label: String,
}

impl Objective {
    pub fn met_by(&self, v: f64) -> bool {
        self.max.is_none_or(|m| v <= m) && self.min.is_none_or(|m| v >= m)
    }

    /// "≤ 8" or "≥ 0.9".
    pub fn bound_text(&self) -> String {
        SloSpec {
            metric: String::new(),
            max: self.max,
            min: self.min,
        }
        .bound_text()
    }

    pub fn bounds(&self) -> Vec<f64> {
        self.max.into_iter().chain(self.min).collect()
    }
}

/// The objectives that apply to `metric`: the chart's own `slo`/`slo_min`
/// (when `own` holds) and every `[[output.slo]]` on that metric.
pub fn objectives(study: &Study, spec: &PlotSpec, metric: &str, own: bool) -> Vec<Objective> {
    let mut found = Vec::new();
    if own && (spec.slo.is_some() || spec.slo_min.is_some()) {
        let text = SloSpec {
            metric: metric.to_string(),
            max: spec.slo,
            min: spec.slo_min,
        }
        .bound_text();
        found.push(Objective {
            max: spec.slo,
            min: spec.slo_min,
            label: format!("SLO {text}"),
        });
    }
    for s in study.slo.iter().filter(|s| s.metric == metric) {
        let objective = Objective {
            max: s.max,
            min: s.min,
            label: format!("SLO {} {}", s.metric, s.bound_text()),
        };
        if !found
            .iter()
            .any(|o: &Objective| o.max == objective.max && o.min == objective.min)
        {
            found.push(objective);
        }
    }
    found
}

/// Positive values spanning more than this factor get a log axis unless
/// the chart says `log_y = false`: two decades, where a linear axis flattens
/// everything but the largest (31 ms next to 5 s).
pub const LOG_SPAN: f64 = 100.0;

/// True when `values` are all positive and span more than [`LOG_SPAN`].
pub fn wants_log(values: &[f64]) -> bool {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    !finite.is_empty() && lo > 0.0 && hi / lo > LOG_SPAN
}

/// The values a metric can take, from its name and values: ratios, shares
/// and utilisations lie in [0, 1]; a metric never negative at any point
/// stays at or above 0.
pub fn domain(metric: &str, values: &[f64]) -> (f64, f64) {
    let unit = ["ratio", "share", "utilisation", "utilization", "offload"];
    let low = if values.iter().all(|v| v.is_nan() || *v >= 0.0) {
        0.0
    } else {
        f64::NEG_INFINITY
    };
    if unit.iter().any(|w| metric.contains(w)) && values.iter().all(|v| v.is_nan() || *v <= 1.0) {
        (low, 1.0)
    } else {
        (low, f64::INFINITY)
    }
}

/// Clips every band of `lines` to the domain of `metric` (a CI over two
/// replications may reach below 0 or above 1; the metric cannot).
pub fn clip_bands(metric: &str, lines: &mut [Line]) {
    let values: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .collect();
    let (lo, hi) = domain(metric, &values);
    for line in lines {
        for b in &mut line.band {
            b.1 = b.1.clamp(lo, hi);
            b.2 = b.2.clamp(lo, hi);
        }
    }
}

/// A value axis over the lines, their bands and the objectives' bounds;
/// `log` as the chart says, else log when the values span two decades.
pub fn y_axis(title: &str, lines: &[Line], objectives: &[Objective], log: Option<bool>) -> Axis {
    let mut values: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .collect();
    values.extend(
        lines
            .iter()
            .flat_map(|l| l.band.iter().flat_map(|b| [b.1, b.2])),
    );
    values.extend(objectives.iter().flat_map(|o| o.bounds()));
    if log.unwrap_or_else(|| wants_log(&values)) {
        Axis::log(title, &values)
    } else {
        Axis::linear(title, &values, true)
    }
}

/// Horizontal SLO lines at the objectives' bounds.
pub fn slo_rules(objectives: &[Objective]) -> Vec<Rule> {
    objectives
        .iter()
        .flat_map(|o| {
            o.bounds().into_iter().map(|at| Rule {
                vertical: false,
                at,
                label: o.label.clone(),
                kind: RuleKind::Slo,
            })
        })
        .collect()
}

/// How a value along x compares with an objective: "meets SLO ≤ 5 at 3 of
/// 4 points (up to servers=6)".
pub fn objective_reading(objective: &Objective, along: &[(String, f64)]) -> String {
    let met: Vec<bool> = along.iter().map(|(_, v)| objective.met_by(*v)).collect();
    let count = met.iter().filter(|&&m| m).count();
    let n = met.len();
    let edge = if count == 0 || count == n {
        String::new()
    } else if met[..count].iter().all(|&m| m) {
        format!(" (up to {})", along[count - 1].0)
    } else if met[n - count..].iter().all(|&m| m) {
        format!(" (from {})", along[n - count].0)
    } else {
        String::new()
    };
    match count {
        0 => format!("misses the {} at every point", objective.label),
        c if c == n => format!("meets the {} at every point", objective.label),
        c => format!("meets the {} at {c} of {n} points{edge}", objective.label),
    }
}

/// "from 1.2 at servers=4 to 0.3 at servers=8".
pub fn trend(along: &[(String, f64)]) -> String {
    match (along.first(), along.last()) {
        (Some((a, va)), Some((b, vb))) if along.len() > 1 => {
            format!(
                "from {} at {a} to {} at {b}",
                format_value(*va),
                format_value(*vb)
            )
        }
        (Some((a, va)), _) => format!("{} at {a}", format_value(*va)),
        _ => "no values".into(),
    }
}

/// Says that the tables hold no `kind` named `name`, and which they hold:
/// "no metric `x` in summary.csv; the metrics are: a, b" (`none` when
/// they hold none).
pub fn unknown_name<S: AsRef<str>>(
    kind: &str,
    kinds: &str,
    name: &str,
    file: &str,
    known: &[S],
    none: &str,
) -> String {
    let listed = if known.is_empty() {
        none.to_string()
    } else {
        known
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("no {kind} `{name}` in {file}; the {kinds} are: {listed}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::tests::study;

    #[test]
    fn slices_hold_other_parameters() {
        let s = study();
        let spec = PlotSpec {
            x: Some("queue.arrival_rate".into()),
            ..PlotSpec::default()
        };
        let sl = slice(&s, &spec).unwrap();
        assert_eq!(sl.groups.len(), 1);
        assert_eq!(sl.groups[0].points, vec![(0.5, 0), (0.8, 1)]);
        assert_eq!(sl.held, "other parameters at servers=1");
        let spec = PlotSpec {
            series: Some("queue.servers".into()),
            ..spec
        };
        let sl = slice(&s, &spec).unwrap();
        assert_eq!(sl.groups.len(), 2);
        assert_eq!(sl.groups[1].label, "servers=2");
        assert_eq!(sl.held, "");
    }

    #[test]
    fn readings_of_objectives() {
        let o = Objective {
            max: Some(2.0),
            min: None,
            label: "SLO ≤ 2".into(),
        };
        let along = |v: &[f64]| {
            v.iter()
                .enumerate()
                .map(|(i, v)| (format!("x={i}"), *v))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            objective_reading(&o, &along(&[1.0, 1.5, 3.0])),
            "meets the SLO ≤ 2 at 2 of 3 points (up to x=1)"
        );
        assert_eq!(
            objective_reading(&o, &along(&[3.0, 1.0])),
            "meets the SLO ≤ 2 at 1 of 2 points (from x=1)"
        );
        assert_eq!(
            objective_reading(&o, &along(&[3.0])),
            "misses the SLO ≤ 2 at every point"
        );
        assert_eq!(evenly(20, 4), vec![0, 6, 13, 19]);
        assert_eq!(evenly(3, 8), vec![0, 1, 2]);
    }

    #[test]
    fn legends_keep_only_what_differs_and_never_repeat() {
        let labels: Vec<String> = [2, 8, 32, 64]
            .iter()
            .map(|c| {
                format!(
                    "gateways={{ cores = {c}, count = {}, memory = \"8GiB\" }}",
                    128 / c
                )
            })
            .collect();
        let short = legend_labels(&labels);
        assert_eq!(short[0], "cores=2, count=64");
        assert!(short.iter().all(|l| !l.contains("memory")));
        let long: Vec<String> = (0..8)
            .map(|i| format!("a_very_long_parameter_name_indeed={i}"))
            .collect();
        let short = legend_labels(&long);
        assert!(short.iter().all(|l| l.chars().count() <= LEGEND_CHARS));
        for (i, l) in short.iter().enumerate() {
            assert!(!short[..i].contains(l), "{l} twice in {short:?}");
        }
    }

    #[test]
    fn bands_stay_in_the_metric_domain_and_wide_spans_go_log() {
        let mut lines = vec![Line {
            label: "x".into(),
            colour: 0,
            points: vec![(1.0, 0.3), (2.0, 0.9)],
            band: vec![(1.0, -1.0, 1.6), (2.0, 0.4, 2.6)],
            markers: true,
            dots: false,
        }];
        clip_bands("byte_hit_ratio", &mut lines);
        assert_eq!(lines[0].band, vec![(1.0, 0.0, 1.0), (2.0, 0.4, 1.0)]);
        let mut counts = lines.clone();
        counts[0].band = vec![(1.0, -5.0, 9.0)];
        clip_bands("origin_requests", &mut counts);
        assert_eq!(counts[0].band, vec![(1.0, 0.0, 9.0)]);
        assert!(wants_log(&[31.0, 5000.0]));
        assert!(!wants_log(&[31.0, 3000.0]));
        assert!(!wants_log(&[0.0, 5000.0]));
        let latency = [Line {
            points: vec![(0.0, 31.0), (1.0, 5024.0)],
            band: Vec::new(),
            ..lines[0].clone()
        }];
        assert!(y_axis("latency", &latency, &[], None).log);
        assert!(!y_axis("latency", &latency, &[], Some(false)).log);
    }
}
