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
pub mod shard;

pub use plan::{RunPlan, RunRecord};
pub use shard::Shard;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, InputError};
use plotspec::{PlotSpec, SloSpec};

/// The name of the manifest in an output folder.
pub const MANIFEST: &str = "manifest.json";
/// The name of the experiment file's copy in an output folder.
pub const EXPERIMENT_COPY: &str = "experiment.toml";

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
    /// Write `timeseries.csv` and `histograms.csv`.
    pub timeseries: bool,
    pub histograms: bool,
    /// Draw charts and write the report.
    pub report: bool,
    /// Also write every chart as PNG.
    pub png: bool,
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
    let path = dir.join(MANIFEST);
    let mut head: ManifestHead = serde_json::from_slice(&bytes).map_err(|e| {
        InputError::file(
            &path,
            format!(
                "is not a manifest this edgesim can read ({e}); it may come from an older edgesim: run the experiment again"
            ),
        )
        .at(e.line(), e.column())
    })?;
    if head.study.point_values.is_empty() || head.study.replications == 0 {
        return Err(InputError::file(&path, "lists no points or no replications").into());
    }
    if head
        .study
        .point_values
        .iter()
        .any(|v| v.len() != head.study.sweep_paths.len())
    {
        return Err(
            InputError::file(&path, "every point must have one value per swept parameter").into(),
        );
    }
    let copy = dir.join(EXPERIMENT_COPY);
    head.study.source = match std::fs::read(&copy) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    };
    Ok(head)
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
            timeseries: true,
            histograms: true,
            report: true,
            png: false,
            source: "schema = 1\n".into(),
        }
    }

    #[test]
    fn points_of_runs() {
        let s = study();
        assert_eq!(s.total_runs(), 8);
        assert_eq!(s.point_of(5), 2);
    }
}
