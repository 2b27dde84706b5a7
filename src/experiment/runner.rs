//! The runner: every run of the plan on a rayon pool, each simulation on one
//! thread, results collected in run order so that output bytes never depend
//! on the number of threads. The files a run reads and writes (a trace
//! workload, a `--record-trace` recording) are opened here, on the thread
//! that runs it, and handed to the model. Each finished run is handed to a
//! callback at once (the run store writes it durably there), so an
//! interrupted sweep loses at most the runs in flight.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use super::progress::Progress;
use super::spec::Warmup;
use super::{Experiment, ExperimentSpec, ModelSpec};
use crate::engine::{RunWindow, SimTime, Streams};
use crate::error::{Error, InputError};
use crate::run::{RunContext, RunIo, RunOutput, mser_truncation};
use crate::study::{RunPlan, RunRecord};
use crate::workload::trace::TraceWriter;
use crate::workload::trace::write::WriteFormat;

/// Events allowed per run when the file sets no `max_events`.
pub const DEFAULT_MAX_EVENTS: u64 = 100_000_000_000;

/// How to execute.
#[derive(Clone, Debug)]
pub struct RunnerOptions {
    pub threads: usize,
    /// Draw a progress bar (only ever on a terminal).
    pub progress: bool,
    /// Write the requests runs send (`--record-trace`).
    pub record: Option<Recording>,
}

/// Where `--record-trace` writes the requests of runs. Every recorded run
/// has its own file, written by the thread that runs it, so recordings
/// never interleave and do not depend on the thread count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recording {
    /// Run 0 (the first point's first replication) only, to this file.
    File(PathBuf),
    /// Every run, to `dir/run-NNNNNNNN` with the format's extension.
    Folder { dir: PathBuf, format: WriteFormat },
}

impl Recording {
    /// `--record-trace PATH` (with `--record-format` for a folder): a path
    /// ending in `/` or naming a folder records every run into it; a
    /// `.csv` or `.oracleGeneral` file records run 0. The folder must exist.
    pub fn parse(path: &Path, format: Option<&str>) -> Result<Recording, InputError> {
        let text = path.to_string_lossy();
        let bad = |m: String| InputError::file(path, m).with_key("--record-trace");
        if text.ends_with('/') || path.is_dir() {
            if !path.is_dir() {
                return Err(bad("the folder to record into does not exist".into()));
            }
            let format = match format.unwrap_or("csv").to_ascii_lowercase().as_str() {
                "csv" => WriteFormat::Csv,
                "oraclegeneral" => WriteFormat::OracleGeneral,
                other => {
                    return Err(InputError::new(
                        "command line",
                        format!("unknown trace format \"{other}\"; expected csv or oracleGeneral"),
                    )
                    .with_key("--record-format"));
                }
            };
            return Ok(Recording::Folder {
                dir: path.to_path_buf(),
                format,
            });
        }
        if format.is_some() {
            return Err(InputError::new(
                "command line",
                "--record-format is for a folder; a file's name gives its format",
            )
            .with_key("--record-format"));
        }
        if WriteFormat::from_path(path).is_none() {
            return Err(bad(
                "cannot tell the trace format to write; name the file *.csv or *.oracleGeneral, or give a folder (ending in /) for one file per run".into(),
            ));
        }
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(folder) = parent.filter(|p| !p.is_dir()) {
            return Err(bad(format!(
                "the folder {} does not exist",
                folder.display()
            )));
        }
        Ok(Recording::File(path.to_path_buf()))
    }

    /// The file run `run_index` is recorded to, if it is recorded.
    pub fn path_for(&self, run_index: usize) -> Option<PathBuf> {
        match self {
            Recording::File(path) => (run_index == 0).then(|| path.clone()),
            Recording::Folder { dir, format } => {
                Some(dir.join(format!("run-{run_index:08}{}", format.extension())))
            }
        }
    }
}

/// The context of run `plan`. Series are always recorded: the
/// steady-state check reads them. When the experiment writes none, only
/// the series the check reads are recorded where the model names them
/// directly ([`ModelSpec::series_for_check`]), and dropped afterwards.
pub fn context(exp: &Experiment, plan: &RunPlan) -> RunContext {
    let spec = &exp.points[plan.point].spec;
    let horizon = spec.run.duration.0;
    let series_step = Some(
        spec.output
            .timeseries_step
            .map(|d| d.0)
            .unwrap_or_else(|| SimTime::from_nanos((horizon.as_nanos() / 100).max(1))),
    );
    RunContext {
        streams: Streams::new(plan.seed),
        window: RunWindow {
            warmup: spec.run.warmup.fixed(),
            horizon,
            max_events: spec.run.max_events.map_or(DEFAULT_MAX_EVENTS, |c| c.0),
            max_pending: spec
                .run
                .max_pending_events
                .map_or(crate::engine::DEFAULT_MAX_PENDING, |c| c.0),
            max_queued: spec
                .run
                .max_queued
                .map_or(crate::engine::DEFAULT_MAX_QUEUED, |c| c.0),
        },
        series_step,
        series_only: if spec.output.timeseries {
            None
        } else {
            spec.model.series_for_check()
        },
        prices: spec.prices.clone(),
    }
}

/// Opens the files of one run of `model`, which reads and writes them but
/// opens none: the trace it reads its requests from, and the recording of
/// the requests it sends to `record` (models that record requests only).
pub fn open_io(model: &ModelSpec, record: Option<&Path>) -> Result<RunIo, String> {
    if record.is_some() && !model.records_requests() {
        return Err(model.no_request_stream());
    }
    let mut io = RunIo::default();
    if let Some(file) = model.trace_file() {
        let reader = file.open().map_err(|e| e.to_string())?;
        io.trace = Some(Box::new(reader));
    }
    if let Some(path) = record {
        let writer = TraceWriter::create_recording(path).map_err(|e| e.to_string())?;
        io.record = Some(Box::new(writer));
    }
    Ok(io)
}

/// The names of the metrics `spec`'s model reports, from a run of one
/// millisecond of simulated time (`Ok(None)` when even that fails, `Err`
/// when it panics: see [`super::search::probe_metric_names`]).
pub fn metric_names(spec: &ExperimentSpec) -> Result<Option<Vec<String>>, String> {
    let horizon = SimTime::from_nanos(1_000_000).min(spec.run.duration.0);
    let ctx = RunContext {
        streams: Streams::new(spec.run.seed),
        window: RunWindow {
            warmup: SimTime::ZERO,
            horizon,
            max_events: 10_000_000,
            max_pending: crate::engine::DEFAULT_MAX_PENDING,
            max_queued: crate::engine::DEFAULT_MAX_QUEUED,
        },
        series_step: None,
        series_only: None,
        prices: spec.prices.clone(),
    };
    super::search::probe_metric_names(|| {
        let io = open_io(&spec.model, None)?;
        spec.model.run_with(&ctx, io)
    })
}

/// Runs one replication of `spec` with the steady-state check: the
/// metrics `warmup_s` (the warm-up used), `warmup_suggested_s` (the MSER-5
/// truncation point of the model's key series) and `warmup_ok` (1 when the
/// warm-up is at least that long; empty when no series was long enough).
/// The series are read up to the first scheduled disturbance (a fault, a
/// flash crowd): the warm-up must end the start-up transient before it.
/// With `warmup = "auto"` a first pass from time zero finds the truncation
/// point and the run is made again with it as its warm-up: the same
/// streams give the same trajectory, so only the statistics move.
pub fn run_steady(
    spec: &ExperimentSpec,
    ctx: &RunContext,
    record: Option<&Path>,
) -> Result<RunOutput, String> {
    let names = spec.model.steady_series();
    let until = spec
        .model
        .disturbed_from()
        .unwrap_or(SimTime::MAX)
        .min(ctx.window.horizon);
    let mut ctx = ctx.clone();
    if spec.run.warmup == Warmup::Auto {
        let first = spec.model.run_with(&ctx, open_io(&spec.model, None)?)?;
        ctx.window.warmup = mser_truncation(&first, names, until).unwrap_or(SimTime::ZERO);
    }
    let mut output = spec.model.run_with(&ctx, open_io(&spec.model, record)?)?;
    let suggested = mser_truncation(&output, names, until);
    let warmup = ctx.window.warmup;
    output.scalar("warmup_s", warmup.as_secs_f64());
    output.scalar(
        "warmup_suggested_s",
        suggested.map_or(f64::NAN, |s| s.as_secs_f64()),
    );
    output.scalar(
        "warmup_ok",
        suggested.map_or(f64::NAN, |s| if warmup >= s { 1.0 } else { 0.0 }),
    );
    if !spec.output.timeseries {
        output.series.clear();
    }
    Ok(output)
}

/// Runs one plan entry; a model error or panic becomes a run error that
/// names the seed and how to reproduce the run.
pub fn run_one(
    exp: &Experiment,
    plan: &RunPlan,
    record: Option<&Path>,
) -> Result<RunRecord, Error> {
    let ctx = context(exp, plan);
    let spec = &exp.points[plan.point].spec;
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| run_steady(spec, &ctx, record)));
    let wall_s = started.elapsed().as_secs_f64();
    let describe = || {
        format!(
            "run {} (point {}, replication {}, seed {})",
            plan.run_index, plan.point, plan.replication, plan.seed
        )
    };
    match result {
        Ok(Ok(output)) if output.events >= ctx.window.max_events => Err(Error::Run(format!(
            "{} hit the bound of {} events; raise `run.max_events` if the model really needs more",
            describe(),
            ctx.window.max_events
        ))),
        Ok(Ok(output)) => Ok(RunRecord {
            plan: *plan,
            output,
            wall_s,
        }),
        Ok(Err(message)) => Err(Error::Run(format!("{} failed: {message}", describe()))),
        Err(panic) => {
            let what = panic_text(panic.as_ref());
            Err(Error::Run(format!(
                "{} panicked: {what} (a bug in edgesim; the run reproduces with the same file, `--set` values and seed)",
                describe()
            )))
        }
    }
}

/// Runs `plan` (all or part of the experiment's plan) on `options.threads`
/// threads; records come back in plan order.
pub fn execute(
    exp: &Experiment,
    plan: &[RunPlan],
    options: &RunnerOptions,
) -> Result<Vec<RunRecord>, Error> {
    execute_with(exp, plan, options, &|_| Ok(()))
}

/// Like [`execute`], and calls `on_done` with every run as soon as it
/// finishes (from the worker thread that ran it). Every run is attempted;
/// the first failure in plan order is returned.
pub fn execute_with(
    exp: &Experiment,
    plan: &[RunPlan],
    options: &RunnerOptions,
    on_done: &(dyn Fn(&RunRecord) -> Result<(), Error> + Sync),
) -> Result<Vec<RunRecord>, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.max(1))
        .build()
        .map_err(|e| Error::Run(format!("cannot start {} threads: {e}", options.threads)))?;
    let progress = Progress::new(&exp.spec.name, plan.len() as u64, options.progress);
    let results: Vec<Result<RunRecord, Error>> = pool.install(|| {
        plan.par_iter()
            .map(|p| {
                let path = options
                    .record
                    .as_ref()
                    .and_then(|r| r.path_for(p.run_index));
                let record = run_one(exp, p, path.as_deref())?;
                on_done(&record)?;
                progress.run_finished(record.output.events);
                Ok(record)
            })
            .collect()
    });
    progress.finish();
    results.into_iter().collect()
}

/// The message a panic carried (`panic!` with a literal or a formatted one).
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".to_string())
}
