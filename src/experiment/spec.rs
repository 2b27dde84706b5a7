//! The experiment file's schema: what `toml` deserializes a document (or a
//! sweep point) into, with unknown keys rejected everywhere.

use serde::Deserialize;

use super::search::SearchSpec;
use super::sweep::SweepSpec;
use crate::engine::SimTime;
use crate::models::cdn::CdnParams;
use crate::models::occ::OccParams;
use crate::models::push::PushParams;
use crate::models::queue::QueueParams;
use crate::models::system::SystemParams;
use crate::study::plotspec::{Better, PlotSpec, SloSpec};
use crate::units::{Count, Duration};

/// The schema version this edgesim reads.
pub const SCHEMA_VERSION: u32 = 1;

/// The most replications per point.
pub const MAX_REPLICATIONS: u32 = 100_000;
/// The most runs (points times replications) one experiment may plan.
pub const MAX_RUNS: u64 = 10_000_000;

/// An experiment document, as written.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentFile {
    /// Schema version; must be 1.
    pub schema: u32,
    /// Names the output folder: letters, digits, `-`, `_`, `.`.
    pub name: String,
    /// What the experiment asks, in a sentence or two.
    #[serde(default)]
    pub description: String,
    /// Which model runs: one of `models::MODEL_NAMES`.
    pub model: String,
    pub run: RunSpec,
    #[serde(default)]
    pub sweep: SweepSpec,
    /// A capacity search (`[search]`), which replaces the sweep.
    #[serde(default)]
    pub search: Option<SearchSpec>,
    #[serde(default)]
    pub output: OutputSpec,
    /// `[prices]`: the price file costs come from (default: the shipped one).
    #[serde(default)]
    pub prices: PricesSpec,
    /// Charts to draw (`[[plot]]`); none means the model's default charts.
    #[serde(default)]
    pub plot: Vec<PlotSpec>,
    /// Parameters of the `queue` model.
    #[serde(default)]
    pub queue: Option<QueueParams>,
    /// Parameters of the `cdn` model.
    #[serde(default)]
    pub cdn: Option<CdnParams>,
    /// Parameters of the `occ` model.
    #[serde(default)]
    pub occ: Option<OccParams>,
    /// Parameters of the `push` model.
    #[serde(default)]
    pub push: Option<PushParams>,
    /// Parameters of the `system` model (its parts are `[cdn]` and `[push]`).
    #[serde(default)]
    pub system: Option<SystemParams>,
}

/// `[run]`: seeds, replications and the simulated window.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Master seed: every run's random streams derive from it.
    #[serde(default)]
    pub seed: u64,
    /// Independent replications per parameter point.
    #[serde(default = "one")]
    pub replications: u32,
    /// Simulated time per run, warm-up included.
    pub duration: Duration,
    /// Statistics before this are discarded; `"auto"`: before the MSER-5
    /// truncation point of each run (found by a first pass of the run).
    #[serde(default)]
    pub warmup: Warmup,
    #[serde(default)]
    pub seed_mode: SeedMode,
    /// A bound on events per run (a run that hits it fails).
    #[serde(default)]
    pub max_events: Option<Count>,
    /// A bound on pending events per run (a run that passes it fails
    /// before memory runs out).
    #[serde(default)]
    pub max_pending_events: Option<Count>,
    /// A bound on the items one growing model queue holds (a run that
    /// passes it fails before memory runs out).
    #[serde(default)]
    pub max_queued: Option<Count>,
}

/// `run.warmup`: a duration, or `"auto"`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Warmup {
    Fixed(Duration),
    /// Per run, the MSER-5 truncation point of its key time series.
    Auto,
}

impl Default for Warmup {
    fn default() -> Warmup {
        Warmup::Fixed(Duration::default())
    }
}

impl Warmup {
    /// The configured warm-up; zero for `"auto"` (a first pass measures
    /// from time zero).
    pub fn fixed(self) -> SimTime {
        match self {
            Warmup::Fixed(d) => d.0,
            Warmup::Auto => SimTime::ZERO,
        }
    }
}

impl std::fmt::Display for Warmup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warmup::Fixed(d) => write!(f, "{d}"),
            Warmup::Auto => write!(f, "auto"),
        }
    }
}

impl<'de> Deserialize<'de> for Warmup {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Warmup, D::Error> {
        let value = toml::Value::deserialize(d)?;
        if value.as_str() == Some("auto") {
            return Ok(Warmup::Auto);
        }
        Duration::deserialize(value)
            .map(Warmup::Fixed)
            .map_err(|e| serde::de::Error::custom(format!("{} or \"auto\"", e.message())))
    }
}

fn one() -> u32 {
    1
}

/// How replication seeds relate across points.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeedMode {
    /// Replication r uses the same streams at every point (common random
    /// numbers): differences between points are the design's, not noise.
    #[default]
    Common,
    /// Every run has its own streams.
    Unique,
}

impl SeedMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SeedMode::Common => "common",
            SeedMode::Unique => "unique",
        }
    }
}

/// `[prices]`: which price file the runs' costs use.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricesSpec {
    /// A price file (relative to the current folder) in the format of
    /// `models/prices.toml`; default: the shipped prices.
    #[serde(default)]
    pub file: Option<String>,
}

/// `[output]`: where results go and what is written besides the CSVs.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Output folder; default `output/<name>`. `--out` overrides it.
    #[serde(default)]
    pub dir: Option<String>,
    /// Write `timeseries.csv` (series on a fixed grid).
    #[serde(default = "yes")]
    pub timeseries: bool,
    /// Grid step of the time series; default: the duration / 100.
    #[serde(default)]
    pub timeseries_step: Option<Duration>,
    /// Write `histograms.csv` (every run's latency histograms, for pooled
    /// percentiles and merging shards).
    #[serde(default = "yes")]
    pub histograms: bool,
    /// Draw the charts (`plots/`) and write `report.html`.
    #[serde(default = "yes")]
    pub report: bool,
    /// Also write every chart as PNG (SVG is always written).
    #[serde(default)]
    pub png: bool,
    /// Service-level objectives (`[[output.slo]]`): judged per point in the
    /// report and drawn on the charts of their metric.
    #[serde(default)]
    pub slo: Vec<SloSpec>,
    /// The metrics that answer the experiment's question, first in the
    /// report (a table per point, the winner by the first); default: the
    /// model's ([`crate::experiment::ModelSpec::default_headline`]).
    #[serde(default)]
    pub headline: Vec<String>,
    /// Whether the first headline metric is better `"lower"` or
    /// `"higher"`; default: what its name says (hit ratios higher,
    /// latencies and costs lower).
    #[serde(default)]
    pub better: Option<Better>,
    /// Draw only the `[[plot]]` charts; by default the model's default
    /// charts follow them.
    #[serde(default)]
    pub replace_defaults: bool,
}

fn yes() -> bool {
    true
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            dir: None,
            timeseries: true,
            timeseries_step: None,
            histograms: true,
            report: true,
            png: false,
            slo: Vec::new(),
            headline: Vec::new(),
            better: None,
            replace_defaults: false,
        }
    }
}
