//! The storm chart: how fast clients come back after the run's first
//! scheduled fault (a crash, a drain, a deploy, a lost cluster), the
//! connect attempts per second from a little before the fault to a minute
//! or two after it, one line per point, with the time counted from the
//! fault. Drawn for runs that record a connect-rate series and schedule a
//! fault; none otherwise.

use super::legend::point_labels;
use super::shared::{MAX_LINES, evenly, y_axis};
use super::{Axis, Chart, ChartBody, Line, LineChart, Rule, RuleKind, format_value};
use crate::report::tables::Tables;

/// The series a storm shows, first found wins (a `system` run prefixes
/// the push part's with `push.`).
const STORM_SERIES: [&str; 4] = [
    "connect_attempts_per_s",
    "push.connect_attempts_per_s",
    "connects_per_s",
    "push.connects_per_s",
];
/// The window around the fault, seconds before and after.
const BEFORE_S: f64 = 10.0;
const AFTER_S: f64 = 90.0;

/// The storm chart of `tables`, if the run has a fault and a connect rate.
pub fn storm(tables: &Tables) -> Option<Chart> {
    let study = &tables.study;
    let fault = study.scheduled.iter().find(|e| e.kind == "fault")?;
    let set = STORM_SERIES
        .iter()
        .find_map(|name| tables.series_set(name))?;
    let whole: Vec<_> = set.lines.iter().filter(|l| l.entity.is_empty()).collect();
    let shown: Vec<_> = evenly(whole.len(), MAX_LINES)
        .into_iter()
        .map(|i| whole[i])
        .collect();
    let points: Vec<usize> = shown.iter().map(|l| l.point).collect();
    let labels = point_labels(study, &points);
    let lines: Vec<Line> = shown
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (s, label))| Line {
            label,
            colour: i,
            points: s
                .values
                .iter()
                .map(|&(t, v)| (t - fault.at_s, v))
                .filter(|&(t, v)| (-BEFORE_S..=AFTER_S).contains(&t) && v.is_finite())
                .collect(),
            band: Vec::new(),
            markers: false,
            dots: false,
        })
        .collect();
    if lines.iter().all(|l| l.points.is_empty()) {
        return None;
    }
    let (peak, after) = lines
        .iter()
        .flat_map(|l| l.points.iter().map(move |p| (p.1, p.0, l.label.as_str())))
        .filter(|p| p.1 >= 0.0)
        .fold((f64::NEG_INFINITY, (0.0, "")), |best, p| {
            if p.0 > best.0 {
                (p.0, (p.1, p.2))
            } else {
                best
            }
        });
    let ts: Vec<f64> = vec![-BEFORE_S, AFTER_S];
    Some(Chart {
        file_stem: format!("storm-{}", set.metric),
        title: format!("{} around \"{}\"", set.metric, fault.label),
        reading: format!(
            "The storm: {} per second from {} s before to {} s after \"{}\" (t = {} s); peak {} at {} s after it ({}).",
            set.metric,
            format_value(BEFORE_S),
            format_value(AFTER_S),
            fault.label,
            format_value(fault.at_s),
            format_value(peak),
            format_value(after.0),
            after.1
        ),
        body: ChartBody::Lines(LineChart {
            x: Axis::linear(&format!("seconds after \"{}\"", fault.label), &ts, false),
            y: y_axis(&set.metric, &lines, &[], None),
            lines,
            rules: vec![Rule {
                vertical: true,
                at: 0.0,
                label: fault.label.clone(),
                kind: RuleKind::Marker,
            }],
            band_note: None,
        }),
        png: tables.study.png,
    })
}
