//! What a replay prints and writes: a readable table, JSON lines, and the
//! miss-ratio curve as CSV under `output/<name>/`.
//!
//! Files are written to a temporary name and renamed, so a failed run never
//! leaves a half-written file; nothing is written before the whole trace has
//! been replayed, so bad input leaves no file at all. The CSV holds counts
//! and ratios only (no timings), so its bytes depend only on the inputs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{ReplayOutcome, ReplayRow};
use crate::error::Error;

/// The unit cache sizes are counted in.
pub fn size_unit(ignore_size: bool) -> &'static str {
    if ignore_size { "objects" } else { "bytes" }
}

/// One `--json` line; field order is the output order.
#[derive(Serialize)]
struct JsonRow<'a> {
    policy: &'a str,
    cache_size: u64,
    cache_size_unit: &'a str,
    warmup_requests: u64,
    requests: u64,
    misses: u64,
    miss_ratio: f64,
    bytes_requested: u64,
    bytes_missed: u64,
    byte_miss_ratio: f64,
    requests_per_s: f64,
}

/// One JSON object per (policy, size), one per line.
pub fn json_lines(outcome: &ReplayOutcome, ignore_size: bool) -> String {
    let mut out = String::new();
    for row in &outcome.rows {
        let json = JsonRow {
            policy: row.policy.name(),
            cache_size: row.cache_size,
            cache_size_unit: size_unit(ignore_size),
            warmup_requests: outcome.warmup_requests,
            requests: row.requests,
            misses: row.misses,
            miss_ratio: row.miss_ratio(),
            bytes_requested: row.bytes_requested,
            bytes_missed: row.bytes_missed,
            byte_miss_ratio: row.byte_miss_ratio(),
            requests_per_s: row.requests_per_s().round(),
        };
        out.push_str(&serde_json::to_string(&json).expect("plain data serializes"));
        out.push('\n');
    }
    out
}

/// The readable table printed by default.
pub fn table(outcome: &ReplayOutcome, trace: &Path, ignore_size: bool) -> String {
    let mut out = String::new();
    let stats = &outcome.stats;
    let _ = write!(
        out,
        "trace {}: {} requests",
        trace.display(),
        stats.requests
    );
    if let Some(fp) = &outcome.footprint {
        let _ = write!(
            out,
            ", {} objects, {} bytes of distinct objects",
            fp.objects, fp.bytes
        );
    }
    let _ = writeln!(
        out,
        "; warm-up {} requests; sizes in {}",
        outcome.warmup_requests,
        size_unit(ignore_size)
    );
    let _ = writeln!(
        out,
        "{:<8} {:>14} {:>12} {:>12} {:>10} {:>16} {:>16} {:>10} {:>9}",
        "policy",
        "cache_size",
        "requests",
        "misses",
        "miss_ratio",
        "bytes_requested",
        "bytes_missed",
        "byte_miss",
        "Mreq/s"
    );
    for row in &outcome.rows {
        let _ = writeln!(
            out,
            "{:<8} {:>14} {:>12} {:>12} {:>10.6} {:>16} {:>16} {:>10.6} {:>9.2}",
            row.policy.name(),
            row.cache_size,
            row.requests,
            row.misses,
            row.miss_ratio(),
            row.bytes_requested,
            row.bytes_missed,
            row.byte_miss_ratio(),
            row.requests_per_s() / 1e6
        );
    }
    let _ = writeln!(out, "wall time {:.3} s", outcome.wall.as_secs_f64());
    out
}

/// The miss-ratio curve as CSV, rows in replay order.
pub fn curve_csv(rows: &[ReplayRow], warmup_requests: u64, ignore_size: bool) -> String {
    let mut out = String::from(
        "policy,cache_size,cache_size_unit,warmup_requests,requests,misses,miss_ratio,bytes_requested,bytes_missed,byte_miss_ratio\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{:.9},{},{},{:.9}",
            r.policy.name(),
            r.cache_size,
            size_unit(ignore_size),
            warmup_requests,
            r.requests,
            r.misses,
            r.miss_ratio(),
            r.bytes_requested,
            r.bytes_missed,
            r.byte_miss_ratio()
        );
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

/// Writes `miss_ratio_curve.csv` into `dir` (created if needed); returns its path.
pub fn write_curve(
    dir: &Path,
    outcome: &ReplayOutcome,
    ignore_size: bool,
) -> Result<PathBuf, Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let path = dir.join("miss_ratio_curve.csv");
    write_atomically(
        &path,
        &curve_csv(&outcome.rows, outcome.warmup_requests, ignore_size),
    )?;
    Ok(path)
}
