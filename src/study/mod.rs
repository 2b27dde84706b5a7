//! What a study is and what its output folder says about it: the
//! experiment as its outputs describe it (`Study`: name and question, file,
//! hash, seeds, swept parameters and points, charts and SLOs), how its runs
//! were executed, the plan (`plan`), shards (`shard`) and the `[[plot]]` and
//! `[[output.slo]]` specifications (`plotspec`). The experiment layer builds
//! a `Study` from a loaded experiment; batch and the report read it back
//! from `manifest.json` (plus the copy `experiment.toml`) when merging
//! shards or redrawing charts, so neither needs the original file or its
//! model.

pub mod plan;
pub mod plotspec;
pub mod search;
pub mod shard;
pub mod worldmap;

pub use plan::{RunPlan, RunRecord};
pub use shard::Shard;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, InputError};
use plotspec::{Better, PlotSpec, SloSpec};

/// The name of the manifest in an output folder.
pub const MANIFEST: &str = "manifest.json";
/// The name of the experiment file's copy in an output folder.
pub const EXPERIMENT_COPY: &str = "experiment.toml";

/// The temporary name `name` is written under by this process before it is
/// renamed into place.
pub fn temp_name(name: &str) -> String {
    format!(".{name}.tmp-{}", std::process::id())
}

/// True when `file` is a temporary name of `name` ([`temp_name`]) by any
/// process: what a killed or failed writer may leave behind.
pub fn is_temp_of(file: &str, name: &str) -> bool {
    file.strip_prefix('.')
        .and_then(|rest| rest.strip_prefix(name))
        .and_then(|rest| rest.strip_prefix(".tmp-"))
        .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// A scheduled instant of a run, in seconds from its start, and what
/// happens then ("Frankfurt fails", "flash crowd").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledEvent {
    pub at_s: f64,
    pub label: String,
    /// `fault` (a failure, crash, drain, deploy, slowdown, outage) or
    /// `load` (a flash crowd, campaign, attack, flood) or `purge`.
    pub kind: String,
}

/// The experiment as its outputs describe it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Study {
    pub edgesim_version: String,
    /// The experiment's name.
    pub experiment: String,
    pub description: String,
    /// The experiment file as the user named it.
    pub experiment_file: String,
    pub experiment_sha256: String,
    /// SHA-256 of the price file the costs come from (`[prices]`, or the
    /// shipped `models/prices.toml`): records made with other prices are
    /// not reused.
    #[serde(default)]
    pub prices_sha256: String,
    pub model: String,
    /// The `--set` overrides, as written.
    pub set: Vec<String>,
    pub master_seed: u64,
    pub seed_mode: String,
    pub replications: u32,
    pub duration_s: f64,
    pub warmup_s: f64,
    /// The swept key paths, in file order.
    pub sweep_paths: Vec<String>,
    /// Every point's swept values, as written, in point order.
    pub point_values: Vec<Vec<String>>,
    pub plots: Vec<PlotSpec>,
    pub slo: Vec<SloSpec>,
    /// The metrics that answer the question, in order (`[output] headline`,
    /// or the model's defaults).
    #[serde(default)]
    pub headline: Vec<String>,
    /// Which way the first headline metric is better.
    #[serde(default)]
    pub better: Better,
    /// Only the `[[plot]]` charts, not the defaults after them.
    #[serde(default)]
    pub replace_defaults: bool,
    /// Write `timeseries.csv` and `histograms.csv`.
    pub timeseries: bool,
    pub histograms: bool,
    /// Draw charts and write the report.
    pub report: bool,
    /// Also write every chart as PNG.
    pub png: bool,
    /// Where the sites and clients of a model with a world are, one map
    /// per point with sites (at most `worldmap::MAX_MAPS`, in point order),
    /// for the world maps (none for models without one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub worlds: Vec<worldmap::WorldMap>,
    /// Scheduled instants (faults, flash crowds, campaigns, attacks,
    /// purges), marked on time-series charts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scheduled: Vec<ScheduledEvent>,
    /// The experiment file's text (kept in `experiment.toml`, not the manifest).
    #[serde(skip)]
    pub source: String,
}

impl Study {
    /// Runs in the whole plan.
    pub fn total_runs(&self) -> usize {
        self.point_values.len() * self.replications as usize
    }

    /// The point of run `run_index`.
    pub fn point_of(&self, run_index: usize) -> usize {
        run_index / self.replications.max(1) as usize
    }
}

/// How the runs behind a manifest were executed (what may differ between
/// two outputs of the same experiment: threads and wall times).
#[derive(Copy, Clone, Debug)]
pub struct Execution {
    pub threads: usize,
    pub wall_s: f64,
    /// Events of the runs executed by this command (resumed or merged runs
    /// excluded), for `events_per_s`.
    pub events_executed: u64,
    /// `Some` for one shard of the plan.
    pub shard: Option<Shard>,
}

/// Reads a whole file of an output folder; a missing or unreadable file is
/// bad input that names the file.
pub fn read_output_file(dir: &Path, name: &str) -> Result<Vec<u8>, Error> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => format!("{name} is missing"),
            _ => format!("cannot read {name}: {e}"),
        };
        InputError::file(
            &path,
            format!("{why}; is {} an edgesim output folder?", dir.display()),
        )
        .into()
    })
}

/// The manifest of an output folder, parsed just enough to know its study,
/// shard and runs.
#[derive(Clone, Debug, Deserialize)]
pub struct ManifestHead {
    #[serde(flatten)]
    pub study: Study,
    pub shard: Option<Shard>,
    pub runs: Vec<ManifestRun>,
    pub wall_s: f64,
    pub threads: usize,
    /// The counts the manifest states besides its lists, checked against them.
    #[serde(default)]
    points: Option<usize>,
    #[serde(default)]
    total_runs: Option<usize>,
}

/// One run as the manifest lists it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ManifestRun {
    pub run_index: usize,
    pub point: usize,
    pub replication: u32,
    pub seed: u64,
    pub events: u64,
    pub wall_s: f64,
}

/// Reads `manifest.json` and the experiment copy of output folder `dir`.
pub fn read_manifest(dir: &Path) -> Result<ManifestHead, Error> {
    let bytes = read_output_file(dir, MANIFEST)?;
    parse_manifest(dir, &bytes)
}

/// Parses the bytes of `dir`'s manifest (read from the folder, or about to
/// be written there) and reads the experiment copy beside it; a manifest
/// whose lists contradict each other is bad input naming the file.
pub fn parse_manifest(dir: &Path, bytes: &[u8]) -> Result<ManifestHead, Error> {
    let path = dir.join(MANIFEST);
    let mut head: ManifestHead = serde_json::from_slice(bytes).map_err(|e| {
        InputError::file(
            &path,
            format!(
                "is not a manifest this edgesim can read ({e}); it may come from an older edgesim: run the experiment again"
            ),
        )
        .at(e.line(), e.column())
    })?;
    check_manifest(&head).map_err(|m| InputError::file(&path, m))?;
    let copy = dir.join(EXPERIMENT_COPY);
    head.study.source = match std::fs::read(&copy) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    };
    Ok(head)
}

/// The manifest agrees with itself: one value per swept parameter at every
/// point, the counts it states, and exactly the runs of its plan (or shard)
/// in run order, each at the point and replication its index gives.
fn check_manifest(head: &ManifestHead) -> Result<(), String> {
    let study = &head.study;
    let points = study.point_values.len();
    if points == 0 || study.replications == 0 {
        return Err("lists no points or no replications".into());
    }
    if study
        .point_values
        .iter()
        .any(|v| v.len() != study.sweep_paths.len())
    {
        return Err("every point must have one value per swept parameter".into());
    }
    let total = study.total_runs();
    if head.points.is_some_and(|p| p != points) || head.total_runs.is_some_and(|t| t != total) {
        return Err(format!(
            "states {} points and {} runs, but lists {points} points of {} replications ({total} runs)",
            head.points.unwrap_or(points),
            head.total_runs.unwrap_or(total),
            study.replications
        ));
    }
    if let Some(shard) = head.shard
        && (shard.count == 0 || shard.index >= shard.count)
    {
        return Err(format!("names shard {shard}, which does not exist"));
    }
    let mut expected = (0..total).filter(|&i| head.shard.is_none_or(|s| s.contains(i)));
    for run in &head.runs {
        let Some(index) = expected.next() else {
            return Err(format!(
                "lists more runs than its plan holds ({} listed; the plan has {total}{})",
                head.runs.len(),
                head.shard
                    .map_or(String::new(), |s| format!(", shard {s} a part of them"))
            ));
        };
        let replication = index % study.replications as usize;
        if run.run_index != index
            || run.point != study.point_of(index)
            || run.replication as usize != replication
        {
            return Err(format!(
                "lists run {} (point {}, replication {}) where its plan has run {index} (point {}, replication {replication})",
                run.run_index,
                run.point,
                run.replication,
                study.point_of(index)
            ));
        }
    }
    if let Some(index) = expected.next() {
        return Err(format!(
            "lists {} runs, but its plan holds run {index} and more ({total} runs{})",
            head.runs.len(),
            head.shard
                .map_or(String::new(), |s| format!(", shard {s} a part of them"))
        ));
    }
    Ok(())
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A small two-parameter study for unit tests.
    pub fn study() -> Study {
        Study {
            edgesim_version: env!("CARGO_PKG_VERSION").into(),
            experiment: "t".into(),
            description: "a test".into(),
            experiment_file: "t.toml".into(),
            experiment_sha256: "ab".repeat(32),
            prices_sha256: "cd".repeat(32),
            model: "queue".into(),
            set: vec!["run.replications=2".into()],
            master_seed: 1,
            seed_mode: "common".into(),
            replications: 2,
            duration_s: 100.0,
            warmup_s: 10.0,
            sweep_paths: vec!["queue.servers".into(), "queue.arrival_rate".into()],
            point_values: vec![
                vec!["1".into(), "0.5/s".into()],
                vec!["1".into(), "0.8/s".into()],
                vec!["2".into(), "0.5/s".into()],
                vec!["2".into(), "0.8/s".into()],
            ],
            plots: Vec::new(),
            slo: Vec::new(),
            headline: vec!["wait_s_mean".into()],
            better: Better::Lower,
            replace_defaults: false,
            timeseries: true,
            histograms: true,
            report: true,
            png: false,
            worlds: Vec::new(),
            scheduled: Vec::new(),
            source: "schema = 1\n".into(),
        }
    }

    #[test]
    fn temporary_names_are_recognised_only_for_their_file() {
        assert!(is_temp_of(&temp_name("results.csv"), "results.csv"));
        assert!(is_temp_of(".results.csv.tmp-1", "results.csv"));
        assert!(!is_temp_of(".results.csv.tmp-", "results.csv"));
        assert!(!is_temp_of(".results.csv.tmp-1x", "results.csv"));
        assert!(!is_temp_of("results.csv.tmp-1", "results.csv"));
        assert!(!is_temp_of(".summary.csv.tmp-1", "results.csv"));
    }

    #[test]
    fn points_of_runs() {
        let s = study();
        assert_eq!(s.total_runs(), 8);
        assert_eq!(s.point_of(5), 2);
    }
}
