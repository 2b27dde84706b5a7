//! What every model hands the runner: the context of one run going in
//! (with the request streams the runner opened for it), and its metrics,
//! histograms and time series coming out. Models know nothing of files,
//! threads or plots; the runner knows nothing of CDNs or queues.

use std::sync::Arc;

use crate::engine::{GridSeries, Histogram, RunWindow, SimTime, Streams};
use crate::prices::Prices;
use crate::workload::trace::{TaggedRead, TaggedWrite};

/// Everything a model needs to run one replication.
#[derive(Clone, Debug)]
pub struct RunContext {
    /// The run's random streams (derived from the run seed).
    pub streams: Streams,
    /// Warm-up, horizon and event bound.
    pub window: RunWindow,
    /// The grid of time series; `None` records no series.
    pub series_step: Option<SimTime>,
    /// Records only the total (entity "") series of these names, when
    /// set: a run whose series are not written keeps just those the
    /// steady-state check reads. `None` records every series.
    pub series_only: Option<&'static [&'static str]>,
    /// The prices the run's costs are computed from.
    pub prices: Arc<Prices>,
}

impl RunContext {
    /// A context for library use and tests: no series, no event bound,
    /// the shipped prices.
    pub fn new(seed: u64, warmup: SimTime, horizon: SimTime) -> RunContext {
        RunContext {
            streams: Streams::new(seed),
            window: RunWindow {
                warmup,
                horizon,
                max_events: u64::MAX,
                max_pending: u64::MAX,
                max_queued: u64::MAX,
            },
            series_step: None,
            series_only: None,
            prices: Prices::shipped(),
        }
    }

    /// A new series on this run's grid, if series are recorded (and, under
    /// `series_only`, the series is one of those kept).
    pub fn series(
        &self,
        name: &str,
        entity: &str,
        kind: crate::engine::SeriesKind,
    ) -> Option<GridSeries> {
        let kept = self
            .series_only
            .is_none_or(|names| entity.is_empty() && names.contains(&name));
        self.series_step
            .filter(|_| kept)
            .map(|step| GridSeries::new(name, entity, kind, step, self.window.horizon))
    }
}

/// The files of one run, opened by the runner and handed to the model,
/// which only reads and writes them: the trace its requests come from
/// (`[cdn.workload] trace`) and the recording of the requests it sends
/// (`--record-trace`). Empty for a run that needs neither.
#[derive(Default)]
pub struct RunIo {
    pub trace: Option<Box<dyn TaggedRead>>,
    pub record: Option<Box<dyn TaggedWrite>>,
}

/// The MSER-5 truncation time of a run: the latest over the total
/// (entity "") series named in `names` that the run recorded, read up to
/// `until` (the grid intervals that end by then); `None` when it recorded
/// none long enough (`stats::mser5`).
pub fn mser_truncation(output: &RunOutput, names: &[&str], until: SimTime) -> Option<SimTime> {
    output
        .series
        .iter()
        .filter(|s| s.entity.is_empty() && names.contains(&s.name.as_str()))
        .filter_map(|s| {
            let step = s.step.as_nanos().max(1);
            let kept = ((until.as_nanos() / step) as usize).min(s.values.len());
            let points = crate::stats::mser5(&s.values[..kept])? as u64;
            Some(SimTime::from_nanos(step.saturating_mul(points)))
        })
        .max()
}

/// `part / whole` as a metric: NaN when the whole is zero (the CSV leaves
/// it empty).
pub fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        f64::NAN
    } else {
        part as f64 / whole as f64
    }
}

/// How a histogram's durations are written out.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Seconds,
    Millis,
}

impl TimeUnit {
    pub fn convert(self, t: SimTime) -> f64 {
        match self {
            TimeUnit::Seconds => t.as_secs_f64(),
            TimeUnit::Millis => t.as_millis_f64(),
        }
    }
}

/// Where a scalar came from, so that a point's pooled value can be computed
/// from merged histograms instead of by averaging.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Derivation {
    /// A plain scalar: only the mean over replications is meaningful.
    Scalar,
    /// The exact mean of histogram number `histogram`.
    HistogramMean { histogram: usize },
    /// Quantile `q` of histogram number `histogram`.
    HistogramQuantile { histogram: usize, q: f64 },
}

/// One named value of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub name: String,
    pub value: f64,
    pub derivation: Derivation,
}

/// A histogram with the name its derived metrics carry (e.g. `latency_ms`).
#[derive(Clone, Debug)]
pub struct NamedHistogram {
    pub name: String,
    pub unit: TimeUnit,
    pub histogram: Histogram,
}

/// The quantiles reported for every histogram, with their name suffixes.
pub const QUANTILES: [(&str, f64); 4] =
    [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)];

/// A finished time series.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesOut {
    pub name: String,
    pub entity: String,
    pub step: SimTime,
    pub values: Vec<f64>,
}

/// What one run produced.
#[derive(Clone, Debug, Default)]
pub struct RunOutput {
    pub metrics: Vec<Metric>,
    pub histograms: Vec<NamedHistogram>,
    pub series: Vec<SeriesOut>,
    /// Events the engine handled.
    pub events: u64,
}

impl RunOutput {
    /// Adds a plain scalar.
    pub fn scalar(&mut self, name: impl Into<String>, value: f64) {
        self.metrics.push(Metric {
            name: name.into(),
            value,
            derivation: Derivation::Scalar,
        });
    }

    /// Adds a histogram and its derived metrics: `<name>_mean` (exact) and
    /// `<name>_p50`, `_p90`, `_p99`, `_p999`.
    pub fn histogram(&mut self, name: &str, unit: TimeUnit, histogram: Histogram) {
        let index = self.histograms.len();
        let mean = histogram.mean().map_or(f64::NAN, |m| unit.convert(m));
        self.metrics.push(Metric {
            name: format!("{name}_mean"),
            value: mean,
            derivation: Derivation::HistogramMean { histogram: index },
        });
        for (suffix, q) in QUANTILES {
            let value = histogram.quantile(q).map_or(f64::NAN, |v| unit.convert(v));
            self.metrics.push(Metric {
                name: format!("{name}_{suffix}"),
                value,
                derivation: Derivation::HistogramQuantile {
                    histogram: index,
                    q,
                },
            });
        }
        self.histograms.push(NamedHistogram {
            name: name.to_string(),
            unit,
            histogram,
        });
    }

    /// Adds a finished series (closed at `end`).
    pub fn series(&mut self, series: &GridSeries, end: SimTime) {
        self.series.push(SeriesOut {
            name: series.name.clone(),
            entity: series.entity.clone(),
            step: series.step(),
            values: series.values(end),
        });
    }

    /// Adds `cost_per_hour` and its parts.
    pub fn costs(&mut self, costs: &crate::prices::Costs) {
        for (name, value) in costs.metrics() {
            self.scalar(name, value);
        }
    }

    /// Takes in a part's output (a composite model's), every metric,
    /// histogram and series renamed `<prefix>.<name>`.
    pub fn absorb(&mut self, part: RunOutput, prefix: &str) {
        let offset = self.histograms.len();
        for mut m in part.metrics {
            m.name = format!("{prefix}.{}", m.name);
            m.derivation = match m.derivation {
                Derivation::Scalar => Derivation::Scalar,
                Derivation::HistogramMean { histogram } => Derivation::HistogramMean {
                    histogram: histogram + offset,
                },
                Derivation::HistogramQuantile { histogram, q } => Derivation::HistogramQuantile {
                    histogram: histogram + offset,
                    q,
                },
            };
            self.metrics.push(m);
        }
        for mut h in part.histograms {
            h.name = format!("{prefix}.{}", h.name);
            self.histograms.push(h);
        }
        for mut series in part.series {
            series.name = format!("{prefix}.{}", series.name);
            self.series.push(series);
        }
        self.events += part.events;
    }

    /// The value of the metric called `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value)
    }
}
