//! libCacheSim `oracleGeneral` binary traces: packed little-endian 24-byte
//! records, no header (libCacheSim `traceReader/customizedReader/oracle/
//! oracleGeneralBin.h`):
//!
//! | offset | type   | field |
//! |-------:|--------|-------|
//! | 0      | u32    | clock_time (seconds in the published traces) |
//! | 4      | u64    | obj_id |
//! | 12     | u32    | obj_size (bytes) |
//! | 16     | i64    | next_access_vtime (1-based index of the next request to the object, -1 if none) |
//!
//! Size-0 records are skipped, as libCacheSim's reader does. A file whose
//! length is not a multiple of 24 ends in a truncated record: an error at
//! that record's byte offset.

use std::io::Read;
use std::path::Path;

use super::input::{self, CHUNK_BYTES, Chunks};
use super::{ReadStats, Request, TaggedRequest, TimeUnit};
use crate::engine::SimTime;
use crate::error::{Error, InputError};

/// Bytes per record.
pub const RECORD_BYTES: usize = 24;

/// Streams requests from an oracleGeneral file.
pub struct OracleReader {
    input: Chunks,
    time_unit: TimeUnit,
    skip_bad: bool,
    stats: ReadStats,
}

impl OracleReader {
    /// Opens `path`; with `skip_bad` a truncated last record is counted in
    /// the stats instead of being an error.
    pub fn open(path: &Path, time_unit: TimeUnit, skip_bad: bool) -> Result<OracleReader, Error> {
        Ok(OracleReader::over(
            input::open(path)?,
            path,
            time_unit,
            skip_bad,
        ))
    }

    /// Reads `source` (already decompressed), named `path` in errors.
    pub fn over(
        source: Box<dyn Read + Send>,
        path: &Path,
        time_unit: TimeUnit,
        skip_bad: bool,
    ) -> OracleReader {
        OracleReader {
            // A whole number of records, so a full buffer never splits one.
            input: Chunks::new(source, path, CHUNK_BYTES / RECORD_BYTES * RECORD_BYTES),
            time_unit,
            skip_bad,
            stats: ReadStats::default(),
        }
    }

    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }

    /// The trailing partial record: an error, or with `skip_bad` a counted skip.
    fn truncated(&mut self) -> Result<(), Error> {
        let offset = self.input.offset + self.input.start as u64;
        let have = self.input.end - self.input.start;
        let err: Error = InputError::file(
            &self.input.path,
            format!(
                "truncated record: {have} of {RECORD_BYTES} bytes (an oracleGeneral file is a whole number of 24-byte records)"
            ),
        )
        .at_offset(offset)
        .into();
        if !self.skip_bad {
            return Err(err);
        }
        self.stats.bad_skipped += 1;
        self.stats.first_bad.get_or_insert_with(|| err.to_string());
        self.input.start = self.input.end;
        Ok(())
    }

    /// Reads up to `max` requests into `out` (cleared first); returns how many.
    pub fn read_batch(&mut self, out: &mut Vec<Request>, max: usize) -> Result<usize, Error> {
        self.read_with(out, max, |r| r)
    }

    /// Reads up to `max` requests, without region or client (the format has neither).
    pub fn read_tagged(
        &mut self,
        out: &mut Vec<TaggedRequest>,
        max: usize,
    ) -> Result<usize, Error> {
        self.read_with(out, max, TaggedRequest::plain)
    }

    #[inline]
    fn read_with<T>(
        &mut self,
        out: &mut Vec<T>,
        max: usize,
        make: impl Fn(Request) -> T,
    ) -> Result<usize, Error> {
        out.clear();
        let unit_nanos = self.time_unit.nanos();
        while out.len() < max {
            if self.input.end - self.input.start < RECORD_BYTES {
                if self.input.eof {
                    break;
                }
                self.input.refill()?;
                continue;
            }
            let records = &self.input.buf[self.input.start..self.input.end];
            let take = (records.len() / RECORD_BYTES).min(max - out.len());
            for record in records[..take * RECORD_BYTES].chunks_exact(RECORD_BYTES) {
                let size = u32::from_le_bytes(record[12..16].try_into().expect("4 bytes"));
                if size == 0 {
                    self.stats.zero_size_dropped += 1;
                    continue;
                }
                let time = u32::from_le_bytes(record[0..4].try_into().expect("4 bytes"));
                let time = SimTime::from_nanos(time as u64 * unit_nanos);
                let delivered = self.stats.requests + out.len() as u64 + 1;
                if let Err(m) = self.stats.pace(time, true, delivered) {
                    return Err(InputError::file(&self.input.path, m).into());
                }
                out.push(make(Request {
                    time,
                    id: u64::from_le_bytes(record[4..12].try_into().expect("8 bytes")),
                    size: size as u64,
                }));
            }
            self.input.start += take * RECORD_BYTES;
        }
        if self.input.eof && self.input.end > self.input.start && out.len() < max {
            self.truncated()?;
        }
        self.stats.requests += out.len() as u64;
        Ok(out.len())
    }
}
