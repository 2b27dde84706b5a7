//! What an experiment file says about its charts and service-level
//! objectives: `[[plot]]` entries and `[[output.slo]]`. These are checked when
//! the file is loaded (against the swept parameters); metric names can only
//! be checked once the model has produced them, when the charts are drawn.

use serde::{Deserialize, Serialize};

use crate::run::QUANTILES;
use crate::units::Duration;

/// The most `[[plot]]` entries a file may name.
pub const MAX_PLOTS: usize = 100;

/// The kinds of chart edgesim draws.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PlotKind {
    #[default]
    /// Share of requests at or below a latency (log x), one line per point,
    /// from the merged histograms of all replications.
    Cdf,
    /// Tail: share of requests above a latency, log-log.
    Ccdf,
    /// Percentiles of a histogram vs a swept parameter, with 95% CI bands.
    Percentiles,
    /// A metric vs a swept parameter (mean with its 95% CI band).
    Line,
    /// A time series from `timeseries.csv` over simulated time.
    Timeseries,
    /// A metric over two swept parameters; cells that miss the SLO marked.
    Heatmap,
}

impl PlotKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlotKind::Cdf => "cdf",
            PlotKind::Ccdf => "ccdf",
            PlotKind::Percentiles => "percentiles",
            PlotKind::Line => "line",
            PlotKind::Timeseries => "timeseries",
            PlotKind::Heatmap => "heatmap",
        }
    }
}

/// One `[[plot]]` entry.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlotSpec {
    pub kind: PlotKind,
    /// The swept parameter on the horizontal axis (line, percentiles, heatmap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// What is on the vertical axis: a metric (line), a histogram (cdf,
    /// ccdf, percentiles), a series (timeseries), or the second swept
    /// parameter (heatmap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// The metric that colours a heatmap's cells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z: Option<String>,
    /// A swept parameter that gives one line per value (line, percentiles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// Which percentiles (percentiles chart): "p50", "p90", "p99", "p999".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantiles: Option<Vec<String>>,
    /// An upper bound the plotted value must stay at or below (drawn as a line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<f64>,
    /// A lower bound the plotted value must stay at or above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo_min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_x: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_y: Option<bool>,
    /// Also write this chart as PNG.
    #[serde(default, skip_serializing_if = "is_false")]
    pub png: bool,
    /// Instants to mark on a time series (a crash, a deploy, the end of a
    /// burst), e.g. `[{ at = "5min", label = "crash" }]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Mark>,
}

/// An instant marked on a time-series chart.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mark {
    pub at: Duration,
    #[serde(default)]
    pub label: String,
}

/// The most marks one chart may carry.
pub const MAX_MARKS: usize = 20;

fn is_false(b: &bool) -> bool {
    !*b
}

/// One `[[output.slo]]` entry: a metric and the bound it must respect at
/// every point. Latency metrics are judged on their pooled value (from the
/// merged histograms), others on their mean over replications.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SloSpec {
    pub metric: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
}

impl SloSpec {
    /// True when `value` meets the objective.
    pub fn met_by(&self, value: f64) -> bool {
        self.max.is_none_or(|m| value <= m) && self.min.is_none_or(|m| value >= m)
    }

    /// "≤ 150" or "≥ 0.9".
    pub fn bound_text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(m) = self.max {
            parts.push(format!("≤ {}", crate::units::number(m)));
        }
        if let Some(m) = self.min {
            parts.push(format!("≥ {}", crate::units::number(m)));
        }
        parts.join(" and ")
    }
}

/// The most `[output] headline` metrics.
pub const MAX_HEADLINE: usize = 8;

/// Which way a headline metric is better, for naming the winning point.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    #[default]
    Lower,
    Higher,
}

impl Better {
    pub fn as_str(self) -> &'static str {
        match self {
            Better::Lower => "lower",
            Better::Higher => "higher",
        }
    }

    /// The direction a metric's name suggests: ratios of success (hit
    /// ratio, offload, throughput, delivered, connected) are better higher;
    /// latencies, loads, costs, failures and shares of waste lower.
    pub fn by_name(metric: &str) -> Better {
        const HIGHER: [&str; 8] = [
            "hit_ratio",
            "offload",
            "throughput",
            "goodput",
            "delivered",
            "connected_share",
            "accepted",
            "reconnected",
        ];
        if HIGHER.iter().any(|w| metric.contains(w)) {
            Better::Higher
        } else {
            Better::Lower
        }
    }

    /// True when `a` is better than `b`.
    pub fn prefers(self, a: f64, b: f64) -> bool {
        match self {
            Better::Lower => a < b,
            Better::Higher => a > b,
        }
    }
}

/// Checks `[output] headline`: at most [`MAX_HEADLINE`] distinct, non-empty
/// metric names (whether the model writes them is known once it has run).
pub fn check_headline(headline: &[String]) -> Result<(), Invalid> {
    if headline.len() > MAX_HEADLINE {
        return Err((
            "output.headline".into(),
            format!("at most {MAX_HEADLINE} headline metrics; a planner reads the first few"),
        ));
    }
    for (i, m) in headline.iter().enumerate() {
        if m.trim().is_empty() {
            return Err((
                format!("output.headline[{i}]"),
                "name a metric, e.g. \"latency_ms_p99\"".into(),
            ));
        }
        if headline[..i].contains(m) {
            return Err((
                format!("output.headline[{i}]"),
                format!("`{m}` is named twice"),
            ));
        }
    }
    Ok(())
}

/// A problem with a plot or SLO entry: the key path and what was expected.
pub type Invalid = (String, String);

fn swept(path: &Option<String>, key: String, sweep_paths: &[String]) -> Result<(), Invalid> {
    match path {
        Some(p) if !sweep_paths.contains(p) => Err((
            key,
            if sweep_paths.is_empty() {
                format!("`{p}` is not swept; this experiment has no [[sweep.param]]")
            } else {
                format!(
                    "`{p}` is not a swept parameter; expected one of: {}",
                    sweep_paths.join(", ")
                )
            },
        )),
        _ => Ok(()),
    }
}

/// Checks `[[plot]]` entries against the swept parameters.
pub fn check_plots(plots: &[PlotSpec], sweep_paths: &[String]) -> Result<(), Invalid> {
    if plots.len() > MAX_PLOTS {
        return Err((
            "plot".into(),
            format!("at most {MAX_PLOTS} [[plot]] entries are allowed"),
        ));
    }
    for (i, p) in plots.iter().enumerate() {
        check_plot(p, i, sweep_paths)?;
    }
    Ok(())
}

fn check_plot(p: &PlotSpec, i: usize, sweep_paths: &[String]) -> Result<(), Invalid> {
    let key = |k: &str| format!("plot[{i}].{k}");
    let kind = p.kind;
    let needs_sweep = matches!(
        kind,
        PlotKind::Line | PlotKind::Percentiles | PlotKind::Heatmap
    );
    if needs_sweep && sweep_paths.is_empty() {
        return Err((
            key("kind"),
            format!(
                "a {} chart needs a swept parameter, and this experiment has no [[sweep.param]]",
                kind.as_str()
            ),
        ));
    }
    swept(&p.x, key("x"), sweep_paths)?;
    swept(&p.series, key("series"), sweep_paths)?;
    match kind {
        PlotKind::Line | PlotKind::Timeseries if p.y.is_none() => {
            return Err((
                key("y"),
                format!("a {} chart needs `y`: the metric to draw", kind.as_str()),
            ));
        }
        PlotKind::Heatmap => check_heatmap(p, i, sweep_paths)?,
        _ => {}
    }
    if p.series.is_some() && p.series == p.x {
        return Err((key("series"), "`series` must differ from `x`".into()));
    }
    for q in p.quantiles.iter().flatten() {
        if !QUANTILES.iter().any(|(name, _)| name == q) {
            return Err((
                key("quantiles"),
                format!("unknown percentile \"{q}\"; expected p50, p90, p99 or p999"),
            ));
        }
    }
    for (name, v) in [("slo", p.slo), ("slo_min", p.slo_min)] {
        if v.is_some_and(|v| !v.is_finite()) {
            return Err((key(name), "expected a finite number".into()));
        }
    }
    if !p.marks.is_empty() && kind != PlotKind::Timeseries {
        return Err((
            key("marks"),
            "marks are instants on a time axis; only timeseries charts have one".into(),
        ));
    }
    if p.marks.len() > MAX_MARKS {
        return Err((key("marks"), format!("at most {MAX_MARKS} marks")));
    }
    if p.title.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err((key("title"), "a title of at most 200 characters".into()));
    }
    Ok(())
}

fn check_heatmap(p: &PlotSpec, i: usize, sweep_paths: &[String]) -> Result<(), Invalid> {
    let key = |k: &str| format!("plot[{i}].{k}");
    if sweep_paths.len() < 2 {
        return Err((
            key("kind"),
            "a heatmap needs two swept parameters; this experiment sweeps fewer".into(),
        ));
    }
    swept(&p.y, key("y"), sweep_paths)?;
    if p.x.is_some() && p.x == p.y {
        return Err((key("y"), "`x` and `y` must be different parameters".into()));
    }
    if p.z.is_none() {
        return Err((
            key("z"),
            "a heatmap needs `z`: the metric that colours the cells".into(),
        ));
    }
    Ok(())
}

/// Checks `[[output.slo]]` entries.
pub fn check_slos(slos: &[SloSpec]) -> Result<(), Invalid> {
    for (i, s) in slos.iter().enumerate() {
        let key = |k: &str| format!("output.slo[{i}].{k}");
        if s.metric.trim().is_empty() {
            return Err((
                key("metric"),
                "name the metric, e.g. \"latency_ms_p99\"".into(),
            ));
        }
        if s.max.is_none() && s.min.is_none() {
            return Err((
                key("max"),
                "an SLO needs `max` (an upper bound) or `min` (a lower bound)".into(),
            ));
        }
        for (name, v) in [("max", s.max), ("min", s.min)] {
            if v.is_some_and(|v| !v.is_finite()) {
                return Err((key(name), "expected a finite number".into()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> Vec<String> {
        vec!["a.x".into(), "a.y".into()]
    }

    #[test]
    fn plots_are_checked_against_the_sweep() {
        let ok = PlotSpec {
            kind: PlotKind::Heatmap,
            x: Some("a.x".into()),
            y: Some("a.y".into()),
            z: Some("m".into()),
            ..PlotSpec::default()
        };
        assert!(check_plots(std::slice::from_ref(&ok), &paths()).is_ok());
        let bad_x = PlotSpec {
            x: Some("a.z".into()),
            ..ok.clone()
        };
        let (key, message) = check_plots(&[bad_x], &paths()).unwrap_err();
        assert_eq!(key, "plot[0].x");
        assert!(message.contains("a.x, a.y"), "{message}");
        let no_z = PlotSpec { z: None, ..ok };
        assert_eq!(check_plots(&[no_z], &paths()).unwrap_err().0, "plot[0].z");
        let line = PlotSpec {
            kind: PlotKind::Line,
            ..PlotSpec::default()
        };
        assert_eq!(check_plots(&[line], &[]).unwrap_err().0, "plot[0].kind");
    }

    #[test]
    fn slo_needs_a_bound() {
        let s = SloSpec {
            metric: "m".into(),
            max: None,
            min: None,
        };
        assert!(check_slos(&[s]).is_err());
        let s = SloSpec {
            metric: "m".into(),
            max: Some(2.0),
            min: None,
        };
        assert!(s.met_by(2.0) && !s.met_by(2.5));
        assert_eq!(s.bound_text(), "≤ 2");
    }
}
