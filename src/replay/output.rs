//! What a replay prints and writes: a readable table, JSON lines, and the
//! miss-ratio curve as CSV under `output/<name>/`; likewise for the curves
//! of a one-pass run (`--mrc`), whose rows also say how each was obtained.
//!
//! Files are written to a temporary name and renamed, so a failed run never
//! leaves a half-written file; nothing is written before the whole trace has
//! been replayed, so bad input leaves no file at all. The CSV holds counts
//! and ratios only (no timings), so its bytes depend only on the inputs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::mrc::{Method, MrcOutcome, MrcRow};
use super::{ReplayOutcome, ReplayRow, TraceRead};
use crate::error::Error;

/// The unit cache sizes are counted in.
pub fn size_unit(ignore_size: bool) -> &'static str {
    if ignore_size { "objects" } else { "bytes" }
}

/// One point of a curve as every output shows it: its size and counts,
/// between what names the curve and what follows (field order is the JSON
/// lines' and the CSV files' column order).
#[derive(Serialize)]
struct Counts {
    cache_size: u64,
    cache_size_unit: &'static str,
    warmup_requests: u64,
    requests: u64,
    misses: u64,
    miss_ratio: f64,
    bytes_requested: u64,
    bytes_missed: u64,
    byte_miss_ratio: f64,
}

/// The CSV header of [`Counts`].
const COUNTS_CSV: &str = "cache_size,cache_size_unit,warmup_requests,requests,misses,miss_ratio,bytes_requested,bytes_missed,byte_miss_ratio";

impl Counts {
    fn csv(&self) -> String {
        format!(
            "{},{},{},{},{},{:.9},{},{},{:.9}",
            self.cache_size,
            self.cache_size_unit,
            self.warmup_requests,
            self.requests,
            self.misses,
            self.miss_ratio,
            self.bytes_requested,
            self.bytes_missed,
            self.byte_miss_ratio
        )
    }

    /// A table row's cells (the unit and the warm-up are in the heading).
    fn cells(&self) -> String {
        let [n, misses] = [self.requests, self.misses];
        let [bytes, missed] = [self.bytes_requested, self.bytes_missed];
        format!(
            "{:>14} {n:>12} {misses:>12} {:>10.6} {bytes:>16} {missed:>16} {:>10.6}",
            self.cache_size, self.miss_ratio, self.byte_miss_ratio
        )
    }

    /// The table header over [`Counts::cells`].
    fn header() -> String {
        format!(
            "{:>14} {:>12} {:>12} {:>10} {:>16} {:>16} {:>10}",
            "cache_size",
            "requests",
            "misses",
            "miss_ratio",
            "bytes_requested",
            "bytes_missed",
            "byte_miss"
        )
    }
}

/// The [`Counts`] of a row of either kind (both name their counts alike),
/// with its miss and byte miss ratios.
macro_rules! counts {
    ($row:expr, $warmup:expr, $ignore_size:expr, $miss_ratio:expr, $byte_miss_ratio:expr) => {
        Counts {
            cache_size: $row.cache_size,
            cache_size_unit: size_unit($ignore_size),
            warmup_requests: $warmup,
            requests: $row.requests,
            misses: $row.misses,
            miss_ratio: $miss_ratio,
            bytes_requested: $row.bytes_requested,
            bytes_missed: $row.bytes_missed,
            byte_miss_ratio: $byte_miss_ratio,
        }
    };
}

/// The counts of a row of a replay.
fn replay_counts(row: &ReplayRow, warmup: u64, ignore_size: bool) -> Counts {
    counts!(
        row,
        warmup,
        ignore_size,
        row.miss_ratio(),
        row.byte_miss_ratio()
    )
}

/// The counts of a point of a one-pass curve.
fn mrc_counts(row: &MrcRow, warmup: u64, ignore_size: bool) -> Counts {
    counts!(
        row,
        warmup,
        ignore_size,
        row.miss_ratio,
        row.byte_miss_ratio
    )
}

/// One JSON object per line, with a newline after each.
fn json_lines_of<T: Serialize>(rows: impl Iterator<Item = T>) -> String {
    let mut out = String::new();
    for row in rows {
        out.push_str(&serde_json::to_string(&row).expect("plain data serializes"));
        out.push('\n');
    }
    out
}

/// One `--json` line.
#[derive(Serialize)]
struct JsonRow<'a> {
    policy: &'a str,
    #[serde(flatten)]
    counts: Counts,
    requests_per_s: f64,
}

/// One JSON object per (policy, size), one per line.
pub fn json_lines(outcome: &ReplayOutcome, ignore_size: bool) -> String {
    json_lines_of(outcome.rows.iter().map(|row| JsonRow {
        policy: row.policy.name(),
        counts: replay_counts(row, outcome.read.warmup_requests, ignore_size),
        requests_per_s: row.requests_per_s().round(),
    }))
}

/// A table's first line: the trace, its requests, footprint and warm-up.
fn heading(trace: &Path, read: &TraceRead, ignore_size: bool) -> String {
    let (requests, warmup_requests) = (read.stats.requests, read.warmup_requests);
    let first = if read.first_only { "the first " } else { "" };
    let mut out = format!("trace {}: {first}{requests} requests", trace.display());
    if let Some(fp) = &read.footprint {
        let _ = write!(
            out,
            ", {} objects, {} bytes of distinct objects",
            fp.objects, fp.bytes
        );
    }
    let _ = writeln!(
        out,
        "; warm-up {warmup_requests} requests; sizes in {}",
        size_unit(ignore_size)
    );
    out
}

/// The readable table printed by default.
pub fn table(outcome: &ReplayOutcome, trace: &Path, ignore_size: bool) -> String {
    let mut out = heading(trace, &outcome.read, ignore_size);
    let _ = writeln!(out, "{:<8} {} {:>9}", "policy", Counts::header(), "Mreq/s");
    let warmup = outcome.read.warmup_requests;
    for row in &outcome.rows {
        let _ = writeln!(
            out,
            "{:<8} {} {:>9.2}",
            row.policy.name(),
            replay_counts(row, warmup, ignore_size).cells(),
            row.requests_per_s() / 1e6
        );
    }
    let _ = writeln!(out, "wall time {:.3} s", outcome.wall.as_secs_f64());
    out
}

/// The miss-ratio curve as CSV, rows in replay order.
pub fn curve_csv(rows: &[ReplayRow], warmup_requests: u64, ignore_size: bool) -> String {
    let mut out = format!("policy,{COUNTS_CSV}\n");
    for r in rows {
        let counts = replay_counts(r, warmup_requests, ignore_size);
        let _ = writeln!(out, "{},{}", r.policy.name(), counts.csv());
    }
    out
}

/// Writes `contents` to `path` through a temporary file and a rename.
pub fn write_atomically(path: &Path, contents: &str) -> Result<(), Error> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, contents)
        .map_err(|e| Error::io(format!("cannot write {}", tmp.display()), e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        Error::io(
            format!("cannot rename {} to {}", tmp.display(), path.display()),
            e,
        )
    })
}

/// Writes `contents` as `miss_ratio_curve.csv` into `dir` (created if
/// needed); returns its path.
fn write_curve_csv(dir: &Path, contents: &str) -> Result<PathBuf, Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let path = dir.join("miss_ratio_curve.csv");
    write_atomically(&path, contents)?;
    Ok(path)
}

/// Writes `miss_ratio_curve.csv` into `dir` (created if needed); returns its path.
pub fn write_curve(
    dir: &Path,
    outcome: &ReplayOutcome,
    ignore_size: bool,
) -> Result<PathBuf, Error> {
    write_curve_csv(
        dir,
        &curve_csv(&outcome.rows, outcome.read.warmup_requests, ignore_size),
    )
}

/// One `--mrc --json` line.
#[derive(Serialize)]
struct MrcJsonRow<'a> {
    policy: &'a str,
    method: &'a str,
    sample_rate: f64,
    #[serde(flatten)]
    counts: Counts,
    abs_error: Option<f64>,
}

/// The sampling rate of a row: 1 for an exact one.
fn row_rate(row: &MrcRow, outcome: &MrcOutcome) -> f64 {
    match row.method {
        Method::Exact => 1.0,
        Method::Shards => outcome.sample_rate.unwrap_or(1.0),
    }
}

/// One JSON object per point of every curve, one per line.
pub fn mrc_json_lines(outcome: &MrcOutcome, ignore_size: bool) -> String {
    json_lines_of(outcome.rows.iter().map(|row| MrcJsonRow {
        policy: row.policy.name(),
        method: row.method.name(),
        sample_rate: row_rate(row, outcome),
        counts: mrc_counts(row, outcome.read.warmup_requests, ignore_size),
        abs_error: row.abs_error,
    }))
}

/// The readable table of a one-pass run.
pub fn mrc_table(outcome: &MrcOutcome, trace: &Path, ignore_size: bool) -> String {
    let mut out = heading(trace, &outcome.read, ignore_size);
    if let Some(rate) = outcome.sample_rate {
        let _ = writeln!(
            out,
            "SHARDS sample: {} of the object ids, {} requests",
            format_rate(rate),
            outcome.sampled_requests
        );
    }
    let _ = writeln!(
        out,
        "{:<8} {:<7} {} {:>10}",
        "policy",
        "method",
        Counts::header(),
        "abs_error"
    );
    let warmup = outcome.read.warmup_requests;
    for row in &outcome.rows {
        let error = row
            .abs_error
            .map_or_else(String::new, |e| format!("{e:.6}"));
        let _ = writeln!(
            out,
            "{:<8} {:<7} {} {:>10}",
            row.policy.name(),
            row.method.name(),
            mrc_counts(row, warmup, ignore_size).cells(),
            error
        );
    }
    mrc_notes(&mut out, outcome);
    let _ = writeln!(out, "wall time {:.3} s", outcome.wall.as_secs_f64());
    out
}

/// What a one-pass table says after its rows: the sampled curve's error
/// and the sizes replayed by a cache of their own.
fn mrc_notes(out: &mut String, outcome: &MrcOutcome) {
    if let (Some(mae), Some(rate)) = (outcome.mean_abs_error, outcome.sample_rate) {
        let sizes = outcome
            .rows
            .iter()
            .filter(|r| r.abs_error.is_some())
            .count();
        let _ = writeln!(
            out,
            "SHARDS lru at {} against the exact curve: mean absolute error {mae:.6} over {sizes} sizes",
            format_rate(rate)
        );
    }
    if !outcome.replayed_sizes.is_empty() {
        let largest = outcome
            .read
            .footprint
            .as_ref()
            .map_or(0, |fp| fp.largest_size);
        let _ = writeln!(
            out,
            "exact lru below the largest object ({largest} bytes) replayed by one cache per size: {}",
            outcome
                .replayed_sizes
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

/// A sampling rate for people: "1%".
fn format_rate(rate: f64) -> String {
    format!(
        "{}%",
        crate::report::charts::format_significant(rate * 100.0, 3)
    )
}

/// Every curve of a one-pass run as CSV, rows in the outcome's order.
pub fn mrc_csv(outcome: &MrcOutcome, ignore_size: bool) -> String {
    let mut out = format!("policy,method,sample_rate,{COUNTS_CSV},abs_error\n");
    let warmup = outcome.read.warmup_requests;
    for r in &outcome.rows {
        let error = r.abs_error.map_or_else(String::new, |e| format!("{e:.9}"));
        let _ = writeln!(
            out,
            "{},{},{},{},{}",
            r.policy.name(),
            r.method.name(),
            row_rate(r, outcome),
            mrc_counts(r, warmup, ignore_size).csv(),
            error
        );
    }
    out
}

/// Writes a one-pass run's `miss_ratio_curve.csv` into `dir` (created if
/// needed); returns its path.
pub fn write_mrc_curve(
    dir: &Path,
    outcome: &MrcOutcome,
    ignore_size: bool,
) -> Result<PathBuf, Error> {
    write_curve_csv(dir, &mrc_csv(outcome, ignore_size))
}
