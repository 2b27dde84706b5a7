//! Recorded request traces: streaming readers (constant memory) and writers.
//!
//! Formats: delimited text (CSV, TSV, space separated; configurable columns),
//! libCacheSim oracleGeneral (24-byte binary records), the Wikimedia 2019
//! public TSV and webcachesim text. Any of them may be gzip (`.gz`) or zstd
//! (`.zst`) compressed. Requests of size 0 are dropped, never delivered
//! (libCacheSim's `ignore_size_zero_req`, on by default), and counted in
//! [`ReadStats`]. A malformed line or record is an [`InputError`] naming the
//! file and line or byte offset, or with `skip_bad` a counted, skipped line.
//!
//! [`InputError`]: crate::error::InputError

pub mod input;
pub mod labels;
pub mod options;
pub mod oracle;
pub mod scan;
pub mod text;
pub mod write;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::engine::SimTime;
use crate::error::{Error, InputError};

pub use labels::Labels;
pub use oracle::OracleReader;
pub use text::{Column, Delimiter, Header, IdKind, TextOptions, TextReader};
pub use write::{CsvTraceWriter, OracleGeneralWriter, TraceWriter};

/// One request of a trace.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub time: SimTime,
    pub id: u64,
    /// Bytes; never 0 once read.
    pub size: u64,
}

/// "No region column": the region of a [`TaggedRequest`] read without one.
pub const NO_REGION: u16 = u16::MAX;

/// A request with what a full-model replay needs besides it: its client's
/// region (an index into the region labels) and client id, when the trace
/// has those columns.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TaggedRequest {
    pub request: Request,
    /// [`NO_REGION`] without a region column.
    pub region: u16,
    /// A decimal client id's value, or a hash of any other text.
    pub client: Option<u64>,
}

impl TaggedRequest {
    /// A request without region or client.
    #[inline]
    pub fn plain(request: Request) -> TaggedRequest {
        TaggedRequest {
            request,
            region: NO_REGION,
            client: None,
        }
    }
}

/// The unit of a trace's timestamps.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum TimeUnit {
    #[default]
    Seconds,
    Millis,
    Micros,
    Nanos,
}

impl TimeUnit {
    pub fn nanos(self) -> u64 {
        match self {
            TimeUnit::Seconds => 1_000_000_000,
            TimeUnit::Millis => 1_000_000,
            TimeUnit::Micros => 1_000,
            TimeUnit::Nanos => 1,
        }
    }
}

impl FromStr for TimeUnit {
    type Err = String;
    fn from_str(text: &str) -> Result<TimeUnit, String> {
        Ok(match text.trim() {
            "s" | "sec" | "seconds" => TimeUnit::Seconds,
            "ms" | "millis" | "milliseconds" => TimeUnit::Millis,
            "us" | "µs" | "micros" | "microseconds" => TimeUnit::Micros,
            "ns" | "nanos" | "nanoseconds" => TimeUnit::Nanos,
            _ => {
                return Err(format!(
                    "unknown time unit \"{text}\"; expected s, ms, us or ns"
                ));
            }
        })
    }
}

/// Counts a reader keeps while it reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Requests delivered.
    pub requests: u64,
    /// Requests of size 0, dropped.
    pub zero_size_dropped: u64,
    /// Malformed lines skipped (only with `skip_bad`).
    pub bad_skipped: u64,
    /// The first skipped line's error, for the report.
    pub first_bad: Option<String>,
    /// The time stamp of the last request read, and how many requests in
    /// a row had it (see [`MAX_REQUESTS_AT_ONE_TIME`]).
    pub last_time: SimTime,
    pub at_last_time: u64,
}

/// The most requests in a row a trace may give one time stamp: a stream
/// whose time never advances (a pipe repeating one line) ends with an
/// error instead of running forever.
pub const MAX_REQUESTS_AT_ONE_TIME: u64 = 10_000_000;

/// The most requests a trace may hold (an endless stream whose time does
/// advance, or has no time column, ends here).
pub const MAX_TRACE_REQUESTS: u64 = 1_000_000_000_000;

impl ReadStats {
    /// Counts a request at `time` (with `timed`: the format has times),
    /// the `delivered`-th of the trace; why the trace passed a bound, if it did.
    #[inline]
    pub fn pace(&mut self, time: SimTime, timed: bool, delivered: u64) -> Result<(), String> {
        if timed {
            if time == self.last_time {
                self.at_last_time += 1;
            } else {
                self.last_time = time;
                self.at_last_time = 1;
            }
        }
        if self.at_last_time > MAX_REQUESTS_AT_ONE_TIME || delivered > MAX_TRACE_REQUESTS {
            return Err(self.past_bound(delivered));
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn past_bound(&self, delivered: u64) -> String {
        if delivered > MAX_TRACE_REQUESTS {
            return format!(
                "the trace holds more than {MAX_TRACE_REQUESTS} requests (an endless stream?); \
                 give a finite trace"
            );
        }
        format!(
            "more than {MAX_REQUESTS_AT_ONE_TIME} requests in a row at one time stamp ({}): \
             the trace's time does not advance (an endless stream?)",
            self.last_time
        )
    }
}

/// A trace file format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceFormat {
    Text(TextOptions),
    OracleGeneral,
}

/// The format names accepted on the command line.
pub const FORMAT_NAMES: &str =
    "csv, tsv, txt (space separated), oracleGeneral, wiki2019, webcachesim";

impl TraceFormat {
    /// A format by name: `csv`, `tsv`, `txt`, `oracleGeneral`, `wiki2019`, `webcachesim`.
    pub fn by_name(name: &str) -> Option<TraceFormat> {
        let mut csv = TextOptions::csv();
        Some(match name.to_ascii_lowercase().as_str() {
            "csv" => {
                csv.delimiter = Delimiter::Byte(b',');
                TraceFormat::Text(csv)
            }
            "tsv" => {
                csv.delimiter = Delimiter::Byte(b'\t');
                TraceFormat::Text(csv)
            }
            "txt" | "text" | "space" => {
                csv.delimiter = Delimiter::Whitespace;
                TraceFormat::Text(csv)
            }
            "oraclegeneral" | "oracle" => TraceFormat::OracleGeneral,
            "wiki2019" | "wikimedia" => TraceFormat::Text(TextOptions::wiki2019()),
            "webcachesim" => TraceFormat::Text(TextOptions::webcachesim()),
            _ => return None,
        })
    }

    /// The unit its timestamps are read in.
    pub fn time_unit(&self) -> TimeUnit {
        match self {
            TraceFormat::Text(options) => options.time_unit,
            TraceFormat::OracleGeneral => TimeUnit::Seconds,
        }
    }

    /// The format a file name implies (compression extensions ignored), if any.
    pub fn from_path(path: &Path) -> Option<TraceFormat> {
        let name = input::uncompressed_name(path);
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".oraclegeneral") || lower.ends_with(".oraclegeneral.bin") {
            return Some(TraceFormat::OracleGeneral);
        }
        let ext = lower.rsplit_once('.').map(|(_, e)| e.to_string())?;
        match ext.as_str() {
            "csv" | "tsv" | "txt" => TraceFormat::by_name(&ext),
            "tr" => TraceFormat::by_name("webcachesim"),
            _ => None,
        }
    }
}

/// A reader of any format, delivering at most a given number of requests
/// (all by default).
pub struct TraceReader {
    format: FormatReader,
    /// Requests it may still deliver.
    left: u64,
}

enum FormatReader {
    Text(Box<TextReader>),
    Oracle(OracleReader),
}

impl TraceReader {
    /// Opens `path` as `format`; `skip_bad` counts malformed lines instead of failing.
    pub fn open(path: &Path, format: &TraceFormat, skip_bad: bool) -> Result<TraceReader, Error> {
        Ok(TraceReader::over(
            input::open(path)?,
            path,
            format,
            skip_bad,
        ))
    }

    /// Reads `source` (already decompressed) as `format`, named `path` in errors.
    pub fn over(
        source: Box<dyn Read + Send>,
        path: &Path,
        format: &TraceFormat,
        skip_bad: bool,
    ) -> TraceReader {
        let format = match format {
            TraceFormat::Text(options) => FormatReader::Text(Box::new(TextReader::over(
                source,
                path,
                options.clone(),
                skip_bad,
            ))),
            TraceFormat::OracleGeneral => FormatReader::Oracle(OracleReader::over(
                source,
                path,
                TimeUnit::Seconds,
                skip_bad,
            )),
        };
        TraceReader {
            format,
            left: u64::MAX,
        }
    }

    /// Ends the trace after its first `max_requests` requests (none: all).
    pub fn first(mut self, max_requests: Option<u64>) -> TraceReader {
        self.left = max_requests.unwrap_or(u64::MAX);
        self
    }

    /// Reads through `read` at most `max` requests, and fewer near the limit.
    fn limited<T>(
        &mut self,
        out: &mut Vec<T>,
        max: usize,
        read: impl FnOnce(&mut FormatReader, &mut Vec<T>, usize) -> Result<usize, Error>,
    ) -> Result<usize, Error> {
        let max = usize::try_from(self.left).map_or(max, |left| max.min(left));
        let n = read(&mut self.format, out, max)?;
        self.left -= n as u64;
        Ok(n)
    }

    /// Reads up to `max` requests into `out` (cleared first); fewer than
    /// `max` means the trace has ended.
    pub fn read_batch(&mut self, out: &mut Vec<Request>, max: usize) -> Result<usize, Error> {
        self.limited(out, max, |format, out, max| match format {
            FormatReader::Text(r) => r.read_batch(out, max),
            FormatReader::Oracle(r) => r.read_batch(out, max),
        })
    }

    /// Reads up to `max` requests with their region and client columns.
    pub fn read_tagged(
        &mut self,
        out: &mut Vec<TaggedRequest>,
        max: usize,
    ) -> Result<usize, Error> {
        self.limited(out, max, |format, out, max| match format {
            FormatReader::Text(r) => r.read_tagged(out, max),
            FormatReader::Oracle(r) => r.read_tagged(out, max),
        })
    }

    pub fn stats(&self) -> &ReadStats {
        match &self.format {
            FormatReader::Text(r) => r.stats(),
            FormatReader::Oracle(r) => r.stats(),
        }
    }

    /// Whether the reader has delivered all that [`TraceReader::first`]
    /// allowed (the trace may have ended there too).
    pub fn limit_reached(&self) -> bool {
        self.left == 0
    }
}

/// Where a model reads a trace's requests from: a [`TraceReader`] that the
/// runner opened, or any other source of tagged requests. Models never open
/// a trace themselves.
pub trait TaggedRead: Send {
    /// Reads up to `max` requests into `out` (cleared first); fewer than
    /// `max` means the trace has ended.
    fn read_tagged(&mut self, out: &mut Vec<TaggedRequest>, max: usize) -> Result<usize, Error>;
}

impl TaggedRead for TraceReader {
    fn read_tagged(&mut self, out: &mut Vec<TaggedRequest>, max: usize) -> Result<usize, Error> {
        TraceReader::read_tagged(self, out, max)
    }
}

/// Where a model records the requests it sends (`--record-trace`): a
/// [`TraceWriter`] that the runner created, or any other sink.
pub trait TaggedWrite: Send {
    /// A request with its client's region and number.
    fn write_tagged(&mut self, r: &Request, region: &str, client: u32) -> Result<(), Error>;
    /// Completes the recording; one dropped unfinished leaves no file.
    fn finish(self: Box<Self>) -> Result<(), Error>;
}

impl TaggedWrite for TraceWriter {
    fn write_tagged(&mut self, r: &Request, region: &str, client: u32) -> Result<(), Error> {
        TraceWriter::write_tagged(self, r, region, client)
    }

    fn finish(self: Box<Self>) -> Result<(), Error> {
        TraceWriter::finish(*self)
    }
}

/// A trace as a workload names it: the file, its format and whether bad
/// lines are skipped. Opening and scanning it are here, for the layers that
/// may touch files (the experiment loader and the runner).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceFile {
    pub path: PathBuf,
    pub format: TraceFormat,
    pub skip_bad: bool,
}

impl TraceFile {
    /// Opens the trace for reading from its first request.
    pub fn open(&self) -> Result<TraceReader, Error> {
        TraceReader::open(&self.path, &self.format, self.skip_bad)
    }

    /// One pass through the whole trace (remembered for the process; see [`scan`]).
    pub fn scan(&self) -> Result<scan::TraceSummary, Error> {
        scan::scan(&self.path, &self.format, self.skip_bad)
    }
}

impl fmt::Debug for TraceReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceReader")
            .field("stats", self.stats())
            .finish()
    }
}

/// Reads a whole trace into memory; for tests and small traces only.
pub fn read_all(path: &Path, format: &TraceFormat) -> Result<Vec<Request>, Error> {
    let mut reader = TraceReader::open(path, format, false)?;
    let mut all = Vec::new();
    let mut batch = Vec::new();
    while reader.read_batch(&mut batch, 1 << 16)? > 0 {
        all.extend_from_slice(&batch);
    }
    Ok(all)
}

/// An error for a trace file that holds no request.
pub fn empty_trace_error(path: &Path, stats: &ReadStats) -> Error {
    let mut message = "the trace holds no request".to_string();
    if stats.zero_size_dropped > 0 {
        message.push_str(&format!(
            " ({} of size 0 were dropped)",
            stats.zero_size_dropped
        ));
    }
    if stats.bad_skipped > 0 {
        message.push_str(&format!(" ({} malformed lines skipped)", stats.bad_skipped));
    }
    InputError::file(path, message).into()
}
