//! Durable per-run records: `runs/run-NNNNNNNN.json` in an output folder,
//! one small file per finished run, written to a temporary name, synced and
//! renamed as soon as the run ends. They hold everything the run produced
//! (metrics with their derivations, exact histograms, series), so the output
//! files can be rebuilt from them byte for byte: that is how `--resume`
//! keeps finished runs and how `merge` joins shards.
//!
//! Floats are stored as Rust's shortest round-trip text, which parses back
//! to the same bits (NaN and infinities included); JSON numbers cannot carry
//! NaN.
//!
//! Every record proves itself: its last field, `sha256`, is the SHA-256 of
//! the record with that field empty, and the record holds its plan
//! identity (edgesim version, experiment SHA-256, `--set` values, run
//! index, point, replication, seed). A record edited or damaged after
//! edgesim wrote it, or one from another experiment or run, is refused
//! where records are read back (resume, merge, plot), and so is one with
//! a field the format does not have (the digest does not cover it). The
//! digest guards against accidents and edits, not against someone who
//! recomputes it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::{Histogram, SimTime};
use crate::error::{Error, InputError};
use crate::experiment::run_seed;
use crate::experiment::spec::{RunSpec, SeedMode};
use crate::run::{Derivation, Metric, NamedHistogram, RunOutput, SeriesOut, TimeUnit};
use crate::study::{
    MANIFEST, ManifestHead, ManifestRun, RunPlan, RunRecord, Study, is_temp_of, temp_name,
};
use crate::units::Duration;

/// The folder of run records inside an output folder.
pub const RUNS_DIR: &str = "runs";
const FORMAT: &str = "edgesim-run/2";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordFile {
    format: String,
    edgesim_version: String,
    experiment_sha256: String,
    /// SHA-256 of the price file (absent in records of older builds).
    #[serde(default)]
    prices_sha256: String,
    set: Vec<String>,
    run_index: usize,
    point: usize,
    replication: u32,
    seed: u64,
    events: u64,
    wall_s: f64,
    /// (name, value, derivation)
    metrics: Vec<(String, String, String)>,
    histograms: Vec<HistogramFile>,
    series: Vec<SeriesFile>,
    /// SHA-256 (hex) of the record's JSON with this field empty.
    sha256: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistogramFile {
    name: String,
    unit: String,
    sum_ns: String,
    min_ns: u64,
    max_ns: u64,
    buckets: Vec<(u64, u64)>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeriesFile {
    name: String,
    entity: String,
    step_ns: u64,
    values: Vec<String>,
}

fn derivation_text(d: Derivation) -> String {
    match d {
        Derivation::Scalar => "scalar".into(),
        Derivation::HistogramMean { histogram } => format!("mean/{histogram}"),
        Derivation::HistogramQuantile { histogram, q } => format!("quantile/{histogram}/{q}"),
    }
}

fn parse_derivation(text: &str) -> Option<Derivation> {
    let mut parts = text.split('/');
    let d = match (parts.next()?, parts.next(), parts.next()) {
        ("scalar", None, None) => Derivation::Scalar,
        ("mean", Some(h), None) => Derivation::HistogramMean {
            histogram: h.parse().ok()?,
        },
        ("quantile", Some(h), Some(q)) => Derivation::HistogramQuantile {
            histogram: h.parse().ok()?,
            q: q.parse().ok()?,
        },
        _ => return None,
    };
    parts.next().is_none().then_some(d)
}

fn unit_text(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Seconds => "s",
        TimeUnit::Millis => "ms",
    }
}

/// The bytes of the record of `record`.
pub fn encode(study: &Study, record: &RunRecord) -> Vec<u8> {
    let out = &record.output;
    let file = RecordFile {
        format: FORMAT.into(),
        edgesim_version: study.edgesim_version.clone(),
        experiment_sha256: study.experiment_sha256.clone(),
        prices_sha256: study.prices_sha256.clone(),
        set: study.set.clone(),
        run_index: record.plan.run_index,
        point: record.plan.point,
        replication: record.plan.replication,
        seed: record.plan.seed,
        events: out.events,
        wall_s: record.wall_s,
        metrics: out
            .metrics
            .iter()
            .map(|m| {
                (
                    m.name.clone(),
                    m.value.to_string(),
                    derivation_text(m.derivation),
                )
            })
            .collect(),
        histograms: out
            .histograms
            .iter()
            .map(|h| HistogramFile {
                name: h.name.clone(),
                unit: unit_text(h.unit).into(),
                sum_ns: h.histogram.sum_ns().to_string(),
                min_ns: h.histogram.min().map_or(0, |t| t.as_nanos()),
                max_ns: h.histogram.max().map_or(0, |t| t.as_nanos()),
                buckets: h.histogram.buckets(),
            })
            .collect(),
        series: out
            .series
            .iter()
            .map(|s| SeriesFile {
                name: s.name.clone(),
                entity: s.entity.clone(),
                step_ns: s.step.as_nanos(),
                values: s.values.iter().map(|v| v.to_string()).collect(),
            })
            .collect(),
        sha256: String::new(),
    };
    seal(file)
}

/// The SHA-256 of `file`'s JSON with its `sha256` field empty.
fn digest(file: &mut RecordFile) -> String {
    let claimed = std::mem::take(&mut file.sha256);
    let bytes = serde_json::to_vec(&*file).unwrap_or_default();
    file.sha256 = claimed;
    format!("{:x}", Sha256::digest(&bytes))
}

/// The bytes of `file` with its digest.
fn seal(mut file: RecordFile) -> Vec<u8> {
    file.sha256 = digest(&mut file);
    let mut bytes = serde_json::to_vec(&file).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// A record's run and the experiment it claims to come from.
pub struct Decoded {
    pub record: RunRecord,
    pub edgesim_version: String,
    pub experiment_sha256: String,
    pub prices_sha256: String,
    pub set: Vec<String>,
}

/// Parses a record; `Err` says what is wrong with it.
pub fn decode(bytes: &[u8]) -> Result<Decoded, String> {
    let mut file: RecordFile = match serde_json::from_slice(bytes) {
        Ok(file) => file,
        Err(e) => {
            let format = serde_json::from_slice::<serde_json::Value>(bytes)
                .ok()
                .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(String::from));
            return Err(match format {
                Some(f) if f != FORMAT => other_format(&f),
                _ => format!("not a run record: {e}"),
            });
        }
    };
    if file.format != FORMAT {
        return Err(other_format(&file.format));
    }
    if digest(&mut file) != file.sha256 {
        return Err(
            "its SHA-256 does not match its content: the record was changed or damaged after edgesim wrote it".into(),
        );
    }
    let float = |s: &str| s.parse::<f64>().map_err(|_| format!("bad number \"{s}\""));
    let mut metrics = Vec::with_capacity(file.metrics.len());
    for (name, value, derivation) in &file.metrics {
        metrics.push(Metric {
            name: name.clone(),
            value: float(value)?,
            derivation: parse_derivation(derivation)
                .ok_or_else(|| format!("bad derivation \"{derivation}\""))?,
        });
    }
    let histograms = decode_histograms(&file.histograms)?;
    let mut series = Vec::with_capacity(file.series.len());
    for s in &file.series {
        let values = s
            .values
            .iter()
            .map(|v| float(v))
            .collect::<Result<_, _>>()?;
        series.push(SeriesOut {
            name: s.name.clone(),
            entity: s.entity.clone(),
            step: SimTime::from_nanos(s.step_ns),
            values,
        });
    }
    let record = RunRecord {
        plan: RunPlan {
            run_index: file.run_index,
            point: file.point,
            replication: file.replication,
            seed: file.seed,
        },
        output: RunOutput {
            metrics,
            histograms,
            series,
            events: file.events,
        },
        wall_s: file.wall_s,
    };
    Ok(Decoded {
        record,
        edgesim_version: file.edgesim_version,
        experiment_sha256: file.experiment_sha256,
        prices_sha256: file.prices_sha256,
        set: file.set,
    })
}

/// A digest for a message (`none` for a record of an older build).
fn show_digest(digest: &str) -> &str {
    if digest.is_empty() { "none" } else { digest }
}

fn other_format(format: &str) -> String {
    format!(
        "record format \"{format}\", expected \"{FORMAT}\": written by another version of edgesim"
    )
}

fn decode_histograms(files: &[HistogramFile]) -> Result<Vec<NamedHistogram>, String> {
    let mut histograms = Vec::with_capacity(files.len());
    for h in files {
        let unit = match h.unit.as_str() {
            "s" => TimeUnit::Seconds,
            "ms" => TimeUnit::Millis,
            other => return Err(format!("bad histogram unit \"{other}\"")),
        };
        let sum_ns: u128 = h
            .sum_ns
            .parse()
            .map_err(|_| format!("bad sum \"{}\"", h.sum_ns))?;
        histograms.push(NamedHistogram {
            name: h.name.clone(),
            unit,
            histogram: Histogram::from_parts(&h.buckets, sum_ns, h.min_ns, h.max_ns),
        });
    }
    Ok(histograms)
}

/// The file name of run `run_index`'s record.
pub fn file_name(run_index: usize) -> String {
    format!("run-{run_index:08}.json")
}

fn run_index_of(name: &str) -> Option<usize> {
    let digits = name.strip_prefix("run-")?.strip_suffix(".json")?;
    (digits.len() >= 8 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The run records of one output folder.
pub struct RunStore {
    dir: PathBuf,
}

impl RunStore {
    /// The store of output folder `out_dir` (nothing is created yet).
    pub fn new(out_dir: &Path) -> RunStore {
        RunStore {
            dir: out_dir.join(RUNS_DIR),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Creates the folder and removes the temporary records a killed run
    /// left (`.run-NNNNNNNN.json.tmp-PID`; nothing else).
    pub fn create(&self) -> Result<(), Error> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| Error::io(format!("cannot create {}", self.dir.display()), e))?;
        for (name, path) in self.entries()? {
            let is_temp = name
                .strip_prefix('.')
                .and_then(|rest| rest.split_once(".tmp-"))
                .is_some_and(|(record, _)| {
                    run_index_of(record).is_some() && is_temp_of(&name, record)
                });
            if is_temp {
                std::fs::remove_file(&path)
                    .map_err(|e| Error::io(format!("cannot remove {}", path.display()), e))?;
            }
        }
        Ok(())
    }

    /// The path of run `run_index`'s record.
    pub fn path_of(&self, run_index: usize) -> PathBuf {
        self.dir.join(file_name(run_index))
    }

    fn entries(&self) -> Result<Vec<(String, PathBuf)>, Error> {
        let read = match std::fs::read_dir(&self.dir) {
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(format!("cannot list {}", self.dir.display()), e)),
        };
        let mut entries: Vec<(String, PathBuf)> = read
            .filter_map(|e| e.ok())
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .collect();
        entries.sort();
        Ok(entries)
    }

    /// The run indexes that have a record, in increasing order.
    pub fn indexes(&self) -> Result<Vec<(usize, PathBuf)>, Error> {
        let mut found: Vec<(usize, PathBuf)> = self
            .entries()?
            .into_iter()
            .filter_map(|(name, path)| run_index_of(&name).map(|i| (i, path)))
            .collect();
        found.sort();
        Ok(found)
    }

    /// Removes every record (a run that starts over).
    pub fn clear(&self) -> Result<(), Error> {
        for (_, path) in self.indexes()? {
            std::fs::remove_file(&path)
                .map_err(|e| Error::io(format!("cannot remove {}", path.display()), e))?;
        }
        Ok(())
    }

    /// Removes the records of runs `total` and above (left by another
    /// experiment in the same folder).
    pub fn remove_beyond(&self, total: usize) -> Result<(), Error> {
        for (index, path) in self.indexes()? {
            if index >= total {
                std::fs::remove_file(&path)
                    .map_err(|e| Error::io(format!("cannot remove {}", path.display()), e))?;
            }
        }
        Ok(())
    }

    /// Writes a finished run's record durably: temporary file, fsync,
    /// rename, then fsync of the folder so the rename survives a crash.
    pub fn write(&self, study: &Study, record: &RunRecord) -> Result<(), Error> {
        use std::io::Write;
        let name = file_name(record.plan.run_index);
        let target = self.dir.join(&name);
        let temp = self.dir.join(temp_name(&name));
        let io = |what: &str, e| Error::io(format!("cannot {what} {}", temp.display()), e);
        let mut file = std::fs::File::create(&temp).map_err(|e| io("create", e))?;
        file.write_all(&encode(study, record))
            .and_then(|()| file.sync_all())
            .map_err(|e| io("write", e))?;
        drop(file);
        std::fs::rename(&temp, &target).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            Error::io(
                format!("cannot rename {} to {}", temp.display(), target.display()),
                e,
            )
        })?;
        if let Ok(dir) = std::fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Reads the record of `run_index` and checks it is whole, unchanged
    /// (its digest) and belongs to `study`.
    pub fn read(&self, study: &Study, run_index: usize) -> Result<RunRecord, Error> {
        let path = self.path_of(run_index);
        let bytes = std::fs::read(&path).map_err(|e| {
            InputError::file(
                &path,
                match e.kind() {
                    std::io::ErrorKind::NotFound => {
                        format!("the record of run {run_index} is missing")
                    }
                    _ => format!("cannot read the run record: {e}"),
                },
            )
        })?;
        let bad = |m: String| Error::from(InputError::file(&path, m));
        let decoded = decode(&bytes).map_err(bad)?;
        if decoded.experiment_sha256 != study.experiment_sha256 || decoded.set != study.set {
            return Err(bad(format!(
                "this run record comes from another experiment file or other --set values (experiment SHA-256 {}, --set {:?}); expected {} with --set {:?}",
                decoded.experiment_sha256, decoded.set, study.experiment_sha256, study.set
            )));
        }
        if decoded.prices_sha256 != study.prices_sha256 {
            return Err(bad(format!(
                "this run record was made with other prices (price file SHA-256 {}); expected {} (the price file changed since: run without --resume to start over)",
                show_digest(&decoded.prices_sha256),
                study.prices_sha256
            )));
        }
        if decoded.edgesim_version != study.edgesim_version {
            return Err(bad(format!(
                "this run record was written by edgesim {}, not {}",
                decoded.edgesim_version, study.edgesim_version
            )));
        }
        if decoded.record.plan.run_index != run_index {
            return Err(bad(format!(
                "the record says run {}, but its file name says run {run_index}",
                decoded.record.plan.run_index
            )));
        }
        Ok(decoded.record)
    }
}

/// The seed the plan gives run `run_index` of `study`; `None` when the
/// study does not say it (a swept `run.seed` or `run.seed_mode` whose value
/// does not read back).
pub fn plan_seed(study: &Study, run_index: usize) -> Option<u64> {
    let values = study.point_values.get(study.point_of(run_index))?;
    let swept = |key: &str| {
        study
            .sweep_paths
            .iter()
            .position(|p| p == key)
            .map(|i| values.get(i))
    };
    let seed = match swept("run.seed") {
        None => study.master_seed,
        Some(value) => value?.parse().ok()?,
    };
    let seed_mode = match swept("run.seed_mode")
        .map_or(Some(study.seed_mode.as_str()), |v| v.map(String::as_str))?
    {
        "common" => SeedMode::Common,
        "unique" => SeedMode::Unique,
        _ => return None,
    };
    let run = RunSpec {
        seed,
        replications: study.replications,
        duration: Duration::default(),
        warmup: crate::experiment::spec::Warmup::default(),
        seed_mode,
        max_events: None,
        max_pending_events: None,
        max_queued: None,
    };
    let replication = run_index % study.replications.max(1) as usize;
    Some(run_seed(&run, replication as u32, run_index))
}

/// Checks that `record`, read from `path`, is the run its index names in
/// the plan of `study` (point, replication, seed) and, when given, the run
/// a manifest lists.
pub fn check_plan(
    path: &Path,
    record: &RunRecord,
    study: &Study,
    listed: Option<&ManifestRun>,
) -> Result<(), Error> {
    let plan = &record.plan;
    let point = study.point_of(plan.run_index);
    let replication = plan.run_index % study.replications.max(1) as usize;
    let seed = plan_seed(study, plan.run_index).or(listed.map(|l| l.seed));
    let problem = if plan.point != point || plan.replication as usize != replication {
        format!(
            "the record of run {} says point {}, replication {}; the plan says point {point}, replication {replication}",
            plan.run_index, plan.point, plan.replication
        )
    } else if let Some(seed) = seed.filter(|&s| s != plan.seed) {
        format!(
            "the record of run {} has seed {}, but the plan gives it seed {seed}: it is not a run of this experiment",
            plan.run_index, plan.seed
        )
    } else if let Some(listed) = listed.filter(|l| l.seed != plan.seed) {
        format!(
            "the record of run {} has seed {}, but {MANIFEST} lists seed {}",
            plan.run_index, plan.seed, listed.seed
        )
    } else {
        return Ok(());
    };
    Err(InputError::file(path, problem).into())
}

/// The records of the runs the manifest `head` of folder `dir` lists, each
/// read, proved and checked against the plan and the listing; `None` when
/// the folder keeps no records. A record the manifest does not list is
/// refused too: the folder's parts must belong together.
pub fn listed_records(dir: &Path, head: &ManifestHead) -> Result<Option<Vec<RunRecord>>, Error> {
    let store = RunStore::new(dir);
    if !store.dir().is_dir() {
        return Ok(None);
    }
    for (index, path) in store.indexes()? {
        if head
            .runs
            .binary_search_by_key(&index, |r| r.run_index)
            .is_err()
        {
            return Err(InputError::file(
                &path,
                format!(
                    "run {index} is recorded, but {} does not list it: the folder's files do not belong together; run the experiment again",
                    dir.join(MANIFEST).display()
                ),
            )
            .into());
        }
    }
    let mut records = Vec::with_capacity(head.runs.len());
    for listed in &head.runs {
        let record = store.read(&head.study, listed.run_index)?;
        check_plan(
            &store.path_of(listed.run_index),
            &record,
            &head.study,
            Some(listed),
        )?;
        records.push(record);
    }
    Ok(Some(records))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RunRecord {
        let mut out = RunOutput {
            events: 42,
            ..RunOutput::default()
        };
        out.scalar("a", 0.1 + 0.2);
        out.scalar("nan", f64::NAN);
        out.scalar("inf", f64::NEG_INFINITY);
        let mut h = Histogram::new();
        for us in [3u64, 17, 17, 900, 123_456_789] {
            h.record(SimTime::from_micros(us));
        }
        out.histogram("latency_ms", TimeUnit::Millis, h);
        out.series.push(SeriesOut {
            name: "s".into(),
            entity: "e".into(),
            step: SimTime::from_secs(1),
            values: vec![1.0 / 3.0, f64::NAN, -0.0],
        });
        RunRecord {
            plan: RunPlan {
                run_index: 7,
                point: 2,
                replication: 1,
                seed: u64::MAX,
            },
            output: out,
            wall_s: 0.25,
        }
    }

    #[test]
    fn records_round_trip_exactly() {
        let study = crate::study::tests::study();
        let record = sample();
        let bytes = encode(&study, &record);
        let back = decode(&bytes).unwrap();
        assert_eq!(back.record.plan, record.plan);
        assert_eq!(encode(&study, &back.record), bytes);
        for (a, b) in record
            .output
            .metrics
            .iter()
            .zip(&back.record.output.metrics)
        {
            assert_eq!(a.value.to_bits(), b.value.to_bits(), "{}", a.name);
            assert_eq!(a.derivation, b.derivation);
        }
        let (h1, h2) = (
            &record.output.histograms[0].histogram,
            &back.record.output.histograms[0].histogram,
        );
        assert_eq!(h1.buckets(), h2.buckets());
        assert_eq!(h1.quantile(0.99), h2.quantile(0.99));
        assert_eq!(h1.mean(), h2.mean());
    }

    #[test]
    fn a_changed_record_fails_its_digest() {
        let study = crate::study::tests::study();
        let bytes = encode(&study, &sample());
        let text = String::from_utf8(bytes).unwrap();
        assert!(decode(text.as_bytes()).is_ok());
        for (from, to) in [
            ("\"seed\":18446744073709551615", "\"seed\":1"),
            ("\"events\":42", "\"events\":43"),
            ("[\"a\",\"0.30000000000000004\"", "[\"a\",\"NaN\""),
            ("\"set\":[\"run.replications=2\"]", "\"set\":[]"),
        ] {
            assert!(text.contains(from), "{from}");
            let changed = text.replace(from, to);
            let e = decode(changed.as_bytes()).err().unwrap();
            assert!(e.contains("SHA-256"), "{from}: {e}");
        }
        let old = text.replace(FORMAT, "edgesim-run/1");
        assert!(
            decode(old.as_bytes())
                .err()
                .unwrap()
                .contains("another version")
        );
    }

    #[test]
    fn the_plan_seed_is_the_experiments() {
        let base = "schema = 1\nname = \"s\"\nmodel = \"queue\"\n[run]\nseed = 5\nreplications = 3\nduration = \"100s\"\n[queue]\narrival_rate = \"0.5/s\"\nservice = { dist = \"exponential\", mean = \"1s\" }\n";
        for extra in [
            "[[sweep.param]]\npath = \"queue.servers\"\nvalues = [1, 2]\n",
            "[[sweep.param]]\npath = \"run.seed\"\nvalues = [7, 9]\n",
            "[[sweep.param]]\npath = \"run.seed_mode\"\nvalues = [\"common\", \"unique\"]\n",
        ] {
            let text = format!("{base}{extra}");
            let exp = crate::experiment::load_text(Path::new("s.toml"), &text, &[]).unwrap();
            let study = exp.study();
            for run in exp.plan() {
                assert_eq!(plan_seed(&study, run.run_index), Some(run.seed), "{extra}");
            }
        }
    }

    #[test]
    fn names_and_derivations_parse() {
        assert_eq!(run_index_of(&file_name(12)), Some(12));
        assert_eq!(run_index_of("run-12.json"), None);
        assert_eq!(run_index_of(".run-00000012.json.tmp-3"), None);
        for d in [
            Derivation::Scalar,
            Derivation::HistogramMean { histogram: 3 },
            Derivation::HistogramQuantile {
                histogram: 1,
                q: 0.999,
            },
        ] {
            assert_eq!(parse_derivation(&derivation_text(d)), Some(d));
        }
        assert!(decode(b"{}").is_err());
    }
}
