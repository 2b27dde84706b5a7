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
    Ok(Slice {
        x_title: study.sweep_paths[x].clone(),
        x_values,
        x_positions,
        x_log,
        groups,
        held: if held.is_empty() {
            String::new()
        } else {
            format!("other parameters at {}", held.join(", "))
        },
    })
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

/// A value axis over the lines, their bands and the objectives' bounds.
pub fn y_axis(title: &str, lines: &[Line], objectives: &[Objective], log: bool) -> Axis {
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
    if log {
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
}
