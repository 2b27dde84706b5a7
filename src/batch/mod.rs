//! Running an experiment into an output folder, and joining folders: each
//! finished run is recorded durably in `runs/` as it ends; `--resume` keeps
//! the recorded runs and runs only the rest; `--shard K/N` runs one slice of
//! the plan; `merge` joins shard folders. The output files are always built
//! from the full set of run records in run order, so a resumed, a sharded
//! and merged, and an uninterrupted sweep write the same bytes.
//!
//! The caller claims the folder first ([`folder::OutputFolder::claim`]) and
//! holds it until the report is written, so no other command writes it in
//! between. A run removes the folder's `manifest.json` before it changes a
//! record; the report writes it again last, so a folder with a manifest is
//! whole.

pub mod folder;
pub mod merge;
pub mod records;
pub mod search;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::batch::records::RunStore;
use crate::error::{Error, InputError};
use crate::experiment::Experiment;
use crate::experiment::runner::{self, RunnerOptions};
use crate::study::{Execution, RunPlan, RunRecord, Shard};
use crate::study::{MANIFEST, Study};

/// How to run an experiment into a folder.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    pub dir: PathBuf,
    pub threads: usize,
    pub shard: Option<Shard>,
    /// Keep runs already recorded in the folder's `runs/`.
    pub resume: bool,
    /// Show progress on stderr.
    pub progress: bool,
    /// Write the requests runs send (`--record-trace`).
    pub record: Option<runner::Recording>,
}

/// What a batch did: every record of the plan (or shard) in run order, for
/// the report to turn into files.
#[derive(Clone, Debug)]
pub struct BatchOutcome {
    pub study: Study,
    pub records: Vec<RunRecord>,
    pub execution: Execution,
    /// Runs kept from an earlier, interrupted invocation.
    pub resumed: usize,
    /// Runs executed now.
    pub executed: usize,
    pub events_executed: u64,
    pub wall_s: f64,
}

/// Runs the plan (or one shard of it) of `exp` into `options.dir`.
pub fn run_into(exp: &Experiment, options: &BatchOptions) -> Result<BatchOutcome, Error> {
    let full = exp.plan();
    let plan = match options.shard {
        Some(shard) => shard.select(&full),
        None => full,
    };
    check_recording(options.record.as_ref(), &plan)?;
    let mut session = Session::open(exp, options, &plan)?;
    let kept = session.kept.len();
    if kept > 0 {
        eprintln!(
            "{}: resuming: {} of {} runs already done, {} to run",
            session.study.experiment,
            kept,
            plan.len(),
            plan.len() - kept
        );
    }
    session.run(&plan)?;
    Ok(session.finish())
}

/// An output folder's run records while runs are added to them: opened
/// once (the records of an interrupted run kept with `--resume`, all
/// removed otherwise), then runs in as many calls as the caller wants —
/// a sweep runs its plan in one, a search a round at a time — each run
/// recorded as it ends and none run twice.
pub struct Session<'a> {
    exp: &'a Experiment,
    options: BatchOptions,
    pub study: Study,
    store: RunStore,
    /// Every record so far, by run index.
    kept: BTreeMap<usize, RunRecord>,
    resumed: usize,
    executed: usize,
    events_executed: u64,
    started: Instant,
}

impl<'a> Session<'a> {
    /// Opens `options.dir` for runs of `plan` (the runs any record there
    /// may belong to).
    pub fn open(
        exp: &'a Experiment,
        options: &BatchOptions,
        plan: &[RunPlan],
    ) -> Result<Session<'a>, Error> {
        let study = exp.study();
        let store = RunStore::new(&options.dir);
        create_dir(&options.dir)?;
        store.create()?;
        let kept = if options.resume {
            recorded_runs(&store, &study, plan, options.shard)?
        } else {
            BTreeMap::new()
        };
        remove_manifest(&options.dir)?;
        if !options.resume {
            store.clear()?;
        }
        Ok(Session {
            exp,
            options: options.clone(),
            study,
            store,
            resumed: kept.len(),
            kept,
            executed: 0,
            events_executed: 0,
            started: Instant::now(),
        })
    }

    /// Runs recorded so far (kept and new).
    pub fn recorded(&self) -> usize {
        self.kept.len()
    }

    /// Runs those of `runs` not recorded yet, in parallel, recording each;
    /// returns the records of all of `runs`, in their order.
    pub fn run(&mut self, runs: &[RunPlan]) -> Result<Vec<RunRecord>, Error> {
        let todo: Vec<RunPlan> = runs
            .iter()
            .filter(|p| !self.kept.contains_key(&p.run_index))
            .copied()
            .collect();
        check_recording(self.options.record.as_ref(), &todo)?;
        let runner_options = RunnerOptions {
            threads: self.options.threads,
            progress: self.options.progress,
            record: self.options.record.clone(),
        };
        let (store, study) = (&self.store, &self.study);
        let fresh = runner::execute_with(self.exp, &todo, &runner_options, &|record| {
            store.write(study, record)
        })?;
        self.executed += fresh.len();
        self.events_executed += fresh.iter().map(|r| r.output.events).sum::<u64>();
        self.kept
            .extend(fresh.into_iter().map(|r| (r.plan.run_index, r)));
        Ok(runs
            .iter()
            .filter_map(|p| self.kept.get(&p.run_index).cloned())
            .collect())
    }

    /// Every record, in run order, and how they were made.
    pub fn finish(self) -> BatchOutcome {
        let wall_s = self.started.elapsed().as_secs_f64();
        let execution = Execution {
            threads: self.options.threads,
            wall_s,
            events_executed: self.events_executed,
            shard: self.options.shard,
        };
        BatchOutcome {
            study: self.study,
            records: self.kept.into_values().collect(),
            execution,
            resumed: self.resumed,
            executed: self.executed,
            events_executed: self.events_executed,
            wall_s,
        }
    }
}

/// `--record-trace FILE` records run 0: it must be among the runs to do.
pub fn check_recording(record: Option<&runner::Recording>, runs: &[RunPlan]) -> Result<(), Error> {
    match record {
        Some(runner::Recording::File(path)) if !runs.iter().any(|p| p.run_index == 0) => {
            Err(InputError::file(
                path,
                "--record-trace FILE records run 0, which this invocation does not run (another shard has it, or it was done before --resume); give a folder (--record-trace DIR/) for one file per run",
            )
            .into())
        }
        _ => Ok(()),
    }
}

fn create_dir(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::io(
            format!("cannot create the output folder {}", dir.display()),
            e,
        )
    })
}

/// Removes the manifest of `dir`: its runs are about to change, and until
/// the report writes it again the folder is not whole.
pub fn remove_manifest(dir: &Path) -> Result<(), Error> {
    let path = dir.join(MANIFEST);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("cannot remove {}", path.display()), e)),
    }
}

/// The runs recorded in `store`, checked against the plan: each must be a
/// run of this plan (or shard), from the same experiment, with its seed.
fn recorded_runs(
    store: &RunStore,
    study: &Study,
    plan: &[RunPlan],
    shard: Option<Shard>,
) -> Result<BTreeMap<usize, RunRecord>, Error> {
    let planned: BTreeMap<usize, &RunPlan> = plan.iter().map(|p| (p.run_index, p)).collect();
    let mut kept = BTreeMap::new();
    for (index, path) in store.indexes()? {
        let hint = "run without --resume to start over, or choose another --out";
        let Some(expected) = planned.get(&index) else {
            let scope = shard.map_or("this experiment".to_string(), |s| format!("shard {s}"));
            return Err(InputError::file(
                &path,
                format!("run {index} is not part of {scope}; {hint}"),
            )
            .into());
        };
        let record = store.read(study, index).map_err(|e| match e {
            Error::Input(mut input) => {
                input.message = format!("{}; {hint}", input.message);
                Error::Input(input)
            }
            other => other,
        })?;
        if record.plan != **expected {
            return Err(InputError::file(
                &path,
                format!(
                    "the record of run {index} has point {}, replication {}, seed {}, but the plan says point {}, replication {}, seed {}; {hint}",
                    record.plan.point, record.plan.replication, record.plan.seed,
                    expected.point, expected.replication, expected.seed
                ),
            )
            .into());
        }
        kept.insert(index, record);
    }
    Ok(kept)
}
