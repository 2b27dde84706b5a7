//! Writes the output files of an experiment, and names what `tables`,
//! `plot` and `html` share about them (the column lists, the chart folder,
//! the report's file name). Every file is built in memory, written to a
//! temporary name in the output folder and then renamed, so a crash never
//! leaves a half file that looks whole; temporaries a crash left are
//! removed by the next writer. Rows are in run order and numbers
//! are printed with Rust's shortest round-trip form, so the bytes depend
//! only on the experiment and its seed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::engine::Histogram;
use crate::error::{Error, InputError};
use crate::run::{Derivation, TimeUnit};
use crate::stats::summarize;
use crate::study::{
    EXPERIMENT_COPY, Execution, MANIFEST, ManifestRun, RunRecord, Shard, Study, is_temp_of,
    temp_name,
};

pub use crate::units::number;

/// The folder of chart files inside an output folder.
pub const PLOTS_DIR: &str = "plots";
/// The report's file name.
pub const REPORT: &str = "report.html";
/// The data files' names.
pub const RESULTS: &str = "results.csv";
pub const SUMMARY: &str = "summary.csv";
pub const TIMESERIES: &str = "timeseries.csv";
pub const HISTOGRAMS: &str = "histograms.csv";
/// Every data file, in the order they are written.
pub const DATA_FILES: [&str; 4] = [RESULTS, SUMMARY, TIMESERIES, HISTOGRAMS];
/// Every file the report writes at the top of an output folder.
pub const TOP_FILES: [&str; 7] = [
    RESULTS,
    SUMMARY,
    TIMESERIES,
    HISTOGRAMS,
    EXPERIMENT_COPY,
    MANIFEST,
    REPORT,
];

/// The first columns of `results.csv`; the swept parameters, `events` and
/// the metrics follow.
pub const RESULTS_COLUMNS: [&str; 4] = ["run_index", "point", "replication", "seed"];

/// The columns of `summary.csv` after `point` and the swept parameters.
pub const SUMMARY_COLUMNS: [&str; 8] = [
    "metric",
    "n",
    "mean",
    "ci95_half_width",
    "std",
    "min",
    "max",
    "pooled",
];

/// The columns of `timeseries.csv`.
pub const TIMESERIES_COLUMNS: [&str; 5] = ["run_index", "t_s", "metric", "entity", "value"];

/// The columns of `histograms.csv`.
pub const HISTOGRAMS_COLUMNS: [&str; 8] = [
    "run_index",
    "histogram",
    "unit",
    "count",
    "sum_ns",
    "min_ns",
    "max_ns",
    "buckets",
];

fn csv_bytes(rows: &[Vec<String>]) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(row)
            .map_err(|e| Error::Run(format!("cannot format CSV: {e}")))?;
    }
    w.into_inner()
        .map_err(|e| Error::Run(format!("cannot format CSV: {e}")))
}

/// Metric names over all records, in order of first appearance.
fn metric_names(records: &[RunRecord]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut names = Vec::new();
    for r in records {
        for m in &r.output.metrics {
            if seen.insert(m.name.clone()) {
                names.push(m.name.clone());
            }
        }
    }
    names
}

/// `results.csv`: one row per run.
pub fn results_csv(study: &Study, records: &[RunRecord]) -> Result<Vec<u8>, Error> {
    let names = metric_names(records);
    let mut header: Vec<String> = RESULTS_COLUMNS.map(String::from).to_vec();
    header.extend(study.sweep_paths.iter().cloned());
    header.push("events".into());
    header.extend(names.iter().cloned());
    let mut rows = vec![header];
    for r in records {
        let mut row = vec![
            r.plan.run_index.to_string(),
            r.plan.point.to_string(),
            r.plan.replication.to_string(),
            r.plan.seed.to_string(),
        ];
        row.extend(point_values(study, r.plan.point).iter().cloned());
        row.push(r.output.events.to_string());
        for name in &names {
            row.push(r.output.get(name).map(number).unwrap_or_default());
        }
        rows.push(row);
    }
    csv_bytes(&rows)
}

/// `summary.csv`: per point and metric, the mean with its 95% confidence
/// half-width over replications, and for latency metrics the value pooled
/// from the merged histograms of all replications.
pub fn summary_csv(study: &Study, records: &[RunRecord]) -> Result<Vec<u8>, Error> {
    let names = metric_names(records);
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(study.sweep_paths.iter().cloned());
    header.extend(SUMMARY_COLUMNS.map(String::from));
    let mut rows = vec![header];
    for group in records.chunk_by(|a, b| a.plan.point == b.plan.point) {
        let point = group[0].plan.point;
        for name in &names {
            let values: Vec<f64> = group
                .iter()
                .map(|r| r.output.get(name).unwrap_or(f64::NAN))
                .collect();
            let s = summarize(&values);
            let mut row = vec![point.to_string()];
            row.extend(point_values(study, point).iter().cloned());
            row.push(name.clone());
            row.push(s.n.to_string());
            for v in [s.mean, s.ci95, s.std, s.min, s.max] {
                row.push(number(v));
            }
            row.push(pooled(group, name).map(number).unwrap_or_default());
            rows.push(row);
        }
    }
    csv_bytes(&rows)
}

/// The metric `name` computed from the merged histograms of `group`, when
/// it is a histogram metric.
pub fn pooled(group: &[RunRecord], name: &str) -> Option<f64> {
    let first = group
        .iter()
        .find_map(|r| r.output.metrics.iter().find(|m| m.name == name))?;
    let (index, q) = match first.derivation {
        Derivation::Scalar => return None,
        Derivation::HistogramMean { histogram } => (histogram, None),
        Derivation::HistogramQuantile { histogram, q } => (histogram, Some(q)),
    };
    let mut merged = Histogram::new();
    let mut unit = TimeUnit::Seconds;
    for r in group {
        let h = r.output.histograms.get(index)?;
        unit = h.unit;
        merged.merge(&h.histogram);
    }
    let value = match q {
        None => merged.mean(),
        Some(q) => merged.quantile(q),
    }?;
    Some(unit.convert(value))
}

/// `timeseries.csv`: [`TIMESERIES_COLUMNS`], one row per bin.
pub fn timeseries_csv(records: &[RunRecord]) -> Result<Option<Vec<u8>>, Error> {
    if records.iter().all(|r| r.output.series.is_empty()) {
        return Ok(None);
    }
    let mut rows = vec![TIMESERIES_COLUMNS.map(String::from).to_vec()];
    for r in records {
        for s in &r.output.series {
            for (i, v) in s.values.iter().enumerate() {
                let t = s.step.saturating_mul(i as u64).as_secs_f64();
                rows.push(vec![
                    r.plan.run_index.to_string(),
                    number(t),
                    s.name.clone(),
                    s.entity.clone(),
                    number(*v),
                ]);
            }
        }
    }
    csv_bytes(&rows).map(Some)
}

/// `histograms.csv`: every run's histograms, exact (count, sum, extremes) and
/// their non-empty buckets as `value_ns:count` pairs separated by `;`.
pub fn histograms_csv(records: &[RunRecord]) -> Result<Option<Vec<u8>>, Error> {
    if records.iter().all(|r| r.output.histograms.is_empty()) {
        return Ok(None);
    }
    let mut rows = vec![HISTOGRAMS_COLUMNS.map(String::from).to_vec()];
    for r in records {
        for h in &r.output.histograms {
            let hist = &h.histogram;
            let buckets: Vec<String> = hist
                .buckets()
                .into_iter()
                .map(|(v, c)| format!("{v}:{c}"))
                .collect();
            rows.push(vec![
                r.plan.run_index.to_string(),
                h.name.clone(),
                match h.unit {
                    TimeUnit::Seconds => "s".into(),
                    TimeUnit::Millis => "ms".into(),
                },
                hist.count().to_string(),
                hist.sum_ns().to_string(),
                hist.min()
                    .map_or(String::new(), |t| t.as_nanos().to_string()),
                hist.max()
                    .map_or(String::new(), |t| t.as_nanos().to_string()),
                buckets.join(";"),
            ]);
        }
    }
    csv_bytes(&rows).map(Some)
}

#[derive(Serialize)]
struct Manifest<'a> {
    #[serde(flatten)]
    study: &'a Study,
    points: usize,
    total_runs: usize,
    shard: Option<Shard>,
    threads: usize,
    runs: Vec<ManifestRun>,
    events: u64,
    wall_s: f64,
    events_per_s: f64,
}

/// `manifest.json`: version, experiment hash, seeds, points, charts, per-run
/// events and wall time.
pub fn manifest_json(study: &Study, records: &[RunRecord], execution: &Execution) -> Vec<u8> {
    let events: u64 = records.iter().map(|r| r.output.events).sum();
    let runs = records
        .iter()
        .map(|r| ManifestRun {
            run_index: r.plan.run_index,
            point: r.plan.point,
            replication: r.plan.replication,
            seed: r.plan.seed,
            events: r.output.events,
            wall_s: r.wall_s,
        })
        .collect();
    let wall_s = execution.wall_s;
    let manifest = Manifest {
        study,
        points: study.point_values.len(),
        total_runs: study.total_runs(),
        shard: execution.shard,
        threads: execution.threads,
        runs,
        events,
        wall_s,
        events_per_s: if wall_s > 0.0 {
            execution.events_executed as f64 / wall_s
        } else {
            0.0
        },
    };
    let mut text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    text.push('\n');
    text.into_bytes()
}

fn point_values(study: &Study, point: usize) -> &[String] {
    study.point_values.get(point).map_or(&[], |v| v.as_slice())
}

/// Writes `bytes` to `dir/name` through a temporary file and a rename.
pub fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, Error> {
    let target = dir.join(name);
    let temp = dir.join(temp_name(name));
    std::fs::write(&temp, bytes)
        .map_err(|e| Error::io(format!("cannot write {}", temp.display()), e))?;
    std::fs::rename(&temp, &target).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        Error::io(
            format!("cannot rename {} to {}", temp.display(), target.display()),
            e,
        )
    })?;
    Ok(target)
}

/// Removes `path` if it is there.
pub fn remove_if_present(path: &Path) -> Result<(), Error> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("cannot remove {}", path.display()), e)),
    }
}

/// Removes the temporary files a killed or failed writer left of `names`
/// in `dir`: only names edgesim gives ([`is_temp_of`]), never other files.
pub fn remove_stale_temps(dir: &Path, names: &[&str]) -> Result<(), Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(format!("cannot list {}", dir.display()), e)),
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let file = entry.file_name().to_string_lossy().into_owned();
        if names.iter().any(|name| is_temp_of(&file, name)) {
            remove_if_present(&entry.path())?;
        }
    }
    Ok(())
}

/// The data files of finished runs, by name: for the whole plan
/// `results.csv`, `summary.csv`, and `timeseries.csv` and `histograms.csv`
/// when the study wants them and the runs have some; for a shard only
/// `results.csv`.
pub fn data_files(
    study: &Study,
    records: &[RunRecord],
    shard: Option<Shard>,
) -> Result<Vec<(&'static str, Vec<u8>)>, Error> {
    let mut files = vec![(RESULTS, results_csv(study, records)?)];
    if shard.is_none() {
        files.push((SUMMARY, summary_csv(study, records)?));
        if study.timeseries
            && let Some(bytes) = timeseries_csv(records)?
        {
            files.push((TIMESERIES, bytes));
        }
        if study.histograms
            && let Some(bytes) = histograms_csv(records)?
        {
            files.push((HISTOGRAMS, bytes));
        }
    }
    Ok(files)
}

/// Writes the data files of finished runs ([`data_files`]) and
/// `experiment.toml` (the file's text) into `dir`, and removes the data
/// files an earlier run left that these runs do not write. The manifest is
/// not written here: it comes last, once the charts and the report are
/// drawn ([`super::publish`]).
pub fn write_tables(
    study: &Study,
    records: &[RunRecord],
    dir: &Path,
    execution: &Execution,
) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::io(
            format!("cannot create the output folder {}", dir.display()),
            e,
        )
    })?;
    remove_stale_temps(dir, &TOP_FILES)?;
    let files = data_files(study, records, execution.shard)?;
    for name in DATA_FILES {
        if !files.iter().any(|(n, _)| *n == name) {
            remove_if_present(&dir.join(name))?;
        }
    }
    let mut written = Vec::with_capacity(files.len() + 1);
    for (name, bytes) in &files {
        written.push(write_atomically(dir, name, bytes)?);
    }
    written.push(write_atomically(
        dir,
        EXPERIMENT_COPY,
        study.source.as_bytes(),
    )?);
    Ok(written)
}

/// Checks that the data files of the whole-plan folder `dir` are exactly
/// what its run records give: a file changed after edgesim wrote it is bad
/// input naming the file.
pub fn check_tables(study: &Study, records: &[RunRecord], dir: &Path) -> Result<(), Error> {
    let files = data_files(study, records, None)?;
    for name in DATA_FILES {
        let path = dir.join(name);
        let expected = files.iter().find(|(n, _)| *n == name).map(|(_, b)| b);
        let found = match std::fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(InputError::file(&path, format!("cannot read it: {e}")).into());
            }
        };
        let problem = match (expected, &found) {
            (Some(a), Some(b)) if a == b => continue,
            (None, None) => continue,
            (Some(_), Some(_)) => "does not match the run records in runs/",
            (Some(_), None) => "is missing, but the run records in runs/ give it",
            (None, Some(_)) => "is there, but the run records in runs/ give no such file",
        };
        return Err(InputError::file(
            &path,
            format!(
                "{problem}: it was changed after edgesim wrote it; `edgesim run FILE --resume --out {}` rebuilds the files from the records",
                dir.display()
            ),
        )
        .into());
    }
    Ok(())
}
