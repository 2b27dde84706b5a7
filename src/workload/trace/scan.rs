//! One pass over a trace before it drives a model: every line parsed (so bad
//! input is found, with its file and line, before anything runs or is
//! written) and what the run needs to know in advance: how many requests,
//! the first and last time, and how many times go backwards.
//!
//! The pass streams with constant memory. Its result is remembered for the
//! process, keyed by the file's identity (path, length, modification time)
//! and the format, so that the points of a sweep over one trace, and the
//! command that plans the run, read it once.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use super::{ReadStats, TaggedRequest, TraceFormat, TraceReader, empty_trace_error};
use crate::engine::SimTime;
use crate::error::{Error, InputError};

/// Requests per read.
const BATCH: usize = 1 << 14;
/// Scans remembered at once (distinct traces or formats in one process).
const REMEMBERED_MAX: usize = 16;

/// What a pass over a trace found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceSummary {
    /// Requests delivered (size-0 and skipped lines excluded).
    pub requests: u64,
    /// The first request's time and the latest time seen.
    pub first: SimTime,
    pub last: SimTime,
    /// Requests whose time is earlier than an earlier request's.
    pub reordered: u64,
    /// Every time is a whole number of the format's time units (a trace
    /// stamped in whole seconds), so requests sharing one stand for a unit.
    pub whole_units: bool,
    pub stats: ReadStats,
}

impl TraceSummary {
    /// From the first request to the latest one.
    pub fn span(&self) -> SimTime {
        self.last - self.first
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Key {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
    format: TraceFormat,
    skip_bad: bool,
}

static REMEMBERED: Mutex<Vec<(Key, TraceSummary)>> = Mutex::new(Vec::new());

/// Reads the whole trace at `path` once (or recalls the last pass over the
/// same, unchanged file in the same format).
pub fn scan(path: &Path, format: &TraceFormat, skip_bad: bool) -> Result<TraceSummary, Error> {
    let meta = std::fs::metadata(path)
        .map_err(|e| InputError::file(path, format!("cannot open the trace: {e}")))?;
    let key = Key {
        path: path.to_path_buf(),
        len: meta.len(),
        modified: meta.modified().ok(),
        format: format.clone(),
        skip_bad,
    };
    let recall = |remembered: &Vec<(Key, TraceSummary)>| {
        remembered
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, s)| s.clone())
    };
    if let Some(summary) = REMEMBERED.lock().ok().and_then(|r| recall(&r)) {
        return Ok(summary);
    }
    let summary = read_through(path, format, skip_bad)?;
    if let Ok(mut remembered) = REMEMBERED.lock() {
        if remembered.len() >= REMEMBERED_MAX {
            remembered.remove(0);
        }
        remembered.push((key, summary.clone()));
    }
    Ok(summary)
}

fn read_through(path: &Path, format: &TraceFormat, skip_bad: bool) -> Result<TraceSummary, Error> {
    summarise(TraceReader::open(path, format, skip_bad)?, path, format)
}

/// Reads `reader` (of the trace at `path`, in `format`) to its end.
pub fn summarise(
    mut reader: TraceReader,
    path: &Path,
    format: &TraceFormat,
) -> Result<TraceSummary, Error> {
    let mut batch: Vec<TaggedRequest> = Vec::with_capacity(BATCH);
    let mut first = None;
    let mut last = SimTime::ZERO;
    let mut reordered = 0;
    let unit_ns = format.time_unit().nanos();
    let mut whole_units = true;
    while reader.read_tagged(&mut batch, BATCH)? > 0 {
        for r in &batch {
            let t = r.request.time;
            first.get_or_insert(t);
            whole_units &= t.as_nanos() % unit_ns == 0;
            if t < last {
                reordered += 1;
            }
            last = last.max(t);
        }
    }
    let stats = reader.stats().clone();
    let Some(first) = first else {
        return Err(empty_trace_error(path, &stats));
    };
    Ok(TraceSummary {
        requests: stats.requests,
        first,
        last,
        reordered,
        whole_units,
        stats,
    })
}
