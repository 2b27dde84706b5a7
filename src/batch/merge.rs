//! `edgesim merge`: joins the output folders of shards into what one
//! unsharded run would have written. Every folder must come from the same
//! experiment file (SHA-256), `--set` values and edgesim version, the
//! folders together must hold every run of the plan exactly once, and every
//! record must prove itself (its digest) and be the run of the plan its
//! index names (point, replication, seed). [`gather`] checks all of that
//! and writes nothing; [`write`] records the runs in the output folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::records::{RunStore, check_plan};
use super::remove_manifest;
use crate::error::{Error, InputError};
use crate::study::{Execution, ManifestHead, ManifestRun, RunRecord, Study, read_manifest};

/// The folder and the manifest entry of every run, by run index.
type Owners<'a> = BTreeMap<usize, (&'a PathBuf, &'a ManifestRun)>;

/// What a merge gathered: every run of the plan once, in run order, already
/// recorded in the output folder's `runs/`, for the report to turn into files.
#[derive(Clone, Debug)]
pub struct MergeOutcome {
    pub study: Study,
    pub records: Vec<RunRecord>,
    pub execution: Execution,
}

/// Reads and checks the shard folders `inputs`: the same experiment, every
/// run once, each record proved and of the plan. Nothing is written.
pub fn gather(inputs: &[PathBuf]) -> Result<MergeOutcome, Error> {
    if inputs.is_empty() {
        return Err(InputError::new("command line", "merge needs at least one folder").into());
    }
    let mut heads = Vec::with_capacity(inputs.len());
    for dir in inputs {
        if !dir.is_dir() {
            return Err(
                InputError::file(dir, "is not a folder; expected a shard's output folder").into(),
            );
        }
        heads.push((dir, read_manifest(dir)?));
    }
    let (first_dir, first) = &heads[0];
    for (dir, head) in &heads[1..] {
        check_same(first_dir, first, dir, head)?;
    }
    let study = first.study.clone();
    let owners = owners_of_runs(&heads, study.total_runs())?;
    let mut records = Vec::with_capacity(owners.len());
    for (index, (dir, listed)) in &owners {
        let store = RunStore::new(dir);
        let record = store.read(&study, *index)?;
        check_plan(&store.path_of(*index), &record, &study, Some(listed))?;
        records.push(record);
    }
    let execution = Execution {
        threads: heads.iter().map(|(_, h)| h.threads).max().unwrap_or(1),
        wall_s: heads.iter().map(|(_, h)| h.wall_s).fold(0.0, f64::max),
        events_executed: records.iter().map(|r| r.output.events).sum(),
        shard: None,
    };
    Ok(MergeOutcome {
        study,
        records,
        execution,
    })
}

/// Records the gathered runs in `out`, a folder the caller has claimed.
pub fn write(gathered: &MergeOutcome, out: &Path) -> Result<(), Error> {
    let out_store = RunStore::new(out);
    out_store.create()?;
    remove_manifest(out)?;
    // Overwrite in place rather than clear first: `out` may be one of the
    // inputs, whose records must never be missing.
    for record in &gathered.records {
        out_store.write(&gathered.study, record)?;
    }
    out_store.remove_beyond(gathered.records.len())
}

fn check_same(a_dir: &Path, a: &ManifestHead, b_dir: &Path, b: &ManifestHead) -> Result<(), Error> {
    let (sa, sb) = (&a.study, &b.study);
    let differs = if sa.experiment_sha256 != sb.experiment_sha256 {
        Some(format!(
            "comes from another experiment file (SHA-256 {} vs {} in {})",
            sb.experiment_sha256,
            sa.experiment_sha256,
            a_dir.display()
        ))
    } else if sa.prices_sha256 != sb.prices_sha256 {
        Some(format!(
            "was made with other prices (price file SHA-256 {} vs {} in {})",
            sb.prices_sha256,
            sa.prices_sha256,
            a_dir.display()
        ))
    } else if sa.set != sb.set {
        Some(format!(
            "was run with other --set values ({:?} vs {:?} in {})",
            sb.set,
            sa.set,
            a_dir.display()
        ))
    } else if sa.edgesim_version != sb.edgesim_version {
        Some(format!(
            "was written by edgesim {} and {} by edgesim {}",
            sb.edgesim_version,
            a_dir.display(),
            sa.edgesim_version
        ))
    } else {
        None
    };
    match differs {
        Some(m) => Err(InputError::file(b_dir, format!("cannot be merged: it {m}")).into()),
        None => Ok(()),
    }
}

/// Which folder holds each run, and how its manifest lists it; every run
/// of the plan exactly once.
fn owners_of_runs<'a>(
    heads: &'a [(&'a PathBuf, ManifestHead)],
    total: usize,
) -> Result<Owners<'a>, Error> {
    let mut owners: Owners = BTreeMap::new();
    for (dir, head) in heads {
        for run in &head.runs {
            if let Some((other, _)) = owners.insert(run.run_index, (dir, run)) {
                return Err(InputError::file(
                    dir,
                    format!(
                        "holds run {} which {} holds too; each run must come from exactly one folder (was a shard given twice?)",
                        run.run_index,
                        other.display()
                    ),
                )
                .into());
            }
        }
    }
    let missing: Vec<String> = (0..total)
        .filter(|i| !owners.contains_key(i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        let shown = missing
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = if missing.len() > 10 { ", …" } else { "" };
        let folders: Vec<String> = heads.iter().map(|(d, _)| d.display().to_string()).collect();
        return Err(InputError::new(
            "merge",
            format!(
                "{} of {total} runs are in none of the folders {} (runs {shown}{more}); is a shard missing or unfinished? Run it again with --resume",
                missing.len(),
                folders.join(", ")
            ),
        )
        .into());
    }
    Ok(owners)
}
