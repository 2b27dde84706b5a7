//! Experiment files: the schema, `--set` and sweep overrides, loading with
//! located errors, the run plan with its seeds, and the parallel runner.

pub mod bisect;
pub mod events;
pub mod load;
pub mod models;
pub mod overrides;
pub mod path;
pub mod prepare;
pub mod progress;
pub mod runner;
pub mod search;
pub mod spans;
pub mod spec;
pub mod sweep;
pub mod worldmap;

use std::path::PathBuf;

pub use load::{load, load_text};
pub use models::ModelSpec;
pub use spec::{OutputSpec, RunSpec, SeedMode};

use crate::engine::rng::mix2;
use crate::study::RunPlan;
use crate::study::Study;

/// A validated experiment (or one sweep point of it).
#[derive(Clone, Debug, PartialEq)]
pub struct ExperimentSpec {
    pub name: String,
    pub description: String,
    pub model: ModelSpec,
    pub run: RunSpec,
    pub output: OutputSpec,
    /// The `[[plot]]` entries (checked against the swept parameters).
    pub plots: Vec<crate::study::plotspec::PlotSpec>,
    /// The prices the runs' costs come from (`[prices]`).
    pub prices: std::sync::Arc<crate::prices::Prices>,
}

/// One point of the sweep: its index, the swept values as written, its spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub index: usize,
    pub values: Vec<String>,
    pub spec: ExperimentSpec,
}

/// A loaded experiment: the file, its hash, the base spec and every point.
#[derive(Clone, Debug)]
pub struct Experiment {
    pub path: PathBuf,
    pub source: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// The `--set` overrides given, as written.
    pub sets: Vec<String>,
    /// The base document (with `--set` applied), validated.
    pub spec: ExperimentSpec,
    /// The swept key paths, in file order (the params columns).
    pub sweep_paths: Vec<String>,
    pub points: Vec<Point>,
    /// What `--set` changed in the sweep (a replaced sweep, a plot left
    /// out), one line each, for the CLI to print.
    pub notes: Vec<String>,
    /// The capacity search, when the file has `[search]`: its points are
    /// the candidates times the scenarios ([`search::Search::point`]).
    pub search: Option<search::Search>,
}

impl Experiment {
    /// What the outputs will say about this experiment.
    pub fn study(&self) -> Study {
        let spec = &self.spec;
        Study {
            edgesim_version: env!("CARGO_PKG_VERSION").to_string(),
            experiment: spec.name.clone(),
            description: spec.description.clone(),
            experiment_file: self.path.display().to_string(),
            experiment_sha256: self.sha256.clone(),
            prices_sha256: spec.prices.sha256.clone(),
            model: spec.model.name().to_string(),
            set: self.sets.clone(),
            master_seed: spec.run.seed,
            seed_mode: spec.run.seed_mode.as_str().to_string(),
            replications: spec.run.replications,
            duration_s: spec.run.duration.0.as_secs_f64(),
            warmup_s: spec.run.warmup.fixed().as_secs_f64(),
            sweep_paths: self.sweep_paths.clone(),
            point_values: self.points.iter().map(|p| p.values.clone()).collect(),
            plots: spec.plots.clone(),
            slo: spec.output.slo.clone(),
            headline: self.headline(),
            better: self.better(),
            replace_defaults: spec.output.replace_defaults,
            timeseries: spec.output.timeseries,
            histograms: spec.output.histograms,
            report: spec.output.report,
            png: spec.output.png,
            worlds: worldmap::world_maps(self),
            scheduled: events::scheduled_events(self),
            source: self.source.clone(),
        }
    }

    /// The headline metrics: the file's, else the model's defaults.
    pub fn headline(&self) -> Vec<String> {
        let named = &self.spec.output.headline;
        if named.is_empty() {
            let defaults = self.spec.model.default_headline();
            defaults.iter().map(|m| m.to_string()).collect()
        } else {
            named.clone()
        }
    }

    /// Which way the first headline metric is better: as the file says,
    /// else as its name suggests.
    pub fn better(&self) -> crate::study::plotspec::Better {
        let first = self.headline().into_iter().next().unwrap_or_default();
        self.spec
            .output
            .better
            .unwrap_or_else(|| crate::study::plotspec::Better::by_name(&first))
    }

    /// Every run, points outermost and replications innermost.
    pub fn plan(&self) -> Vec<RunPlan> {
        let replications = self.spec.run.replications;
        let mut runs = Vec::with_capacity(self.points.len() * replications as usize);
        for point in &self.points {
            for replication in 0..replications {
                let run_index = point.index * replications as usize + replication as usize;
                runs.push(RunPlan {
                    run_index,
                    point: point.index,
                    replication,
                    seed: run_seed(&point.spec.run, replication, run_index),
                });
            }
        }
        runs
    }
}

/// The seed of one run. In `common` mode it depends only on the master seed
/// and the replication, so every point sees the same random numbers at a
/// given replication; in `unique` mode it depends on the run index.
pub fn run_seed(run: &RunSpec, replication: u32, run_index: usize) -> u64 {
    match run.seed_mode {
        SeedMode::Common => mix2(run.seed, replication as u64),
        // A distinct domain constant keeps unique seeds apart from common ones.
        SeedMode::Unique => mix2(mix2(run.seed, 0x756e_6971_7565), run_index as u64),
    }
}
