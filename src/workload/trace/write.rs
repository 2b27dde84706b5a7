//! Trace writers: CSV (`timestamp,obj_id,size`) and libCacheSim
//! oracleGeneral, so that a synthetic run can be replayed here or analysed by
//! other tools.
//!
//! Both write to `<path>.partial` and rename on `finish`, so an interrupted
//! run never leaves a file that looks whole; a writer dropped without
//! `finish` (a failed run) deletes its partial file.
//!
//! A recording (`--record-trace`) is a CSV with two more columns,
//! `timestamp,obj_id,size,region,client`, and times in seconds with nine
//! decimals, so that it reads back to the same nanosecond and a full-model
//! replay can put every request where the run put it.
//!
//! oracleGeneral's `next_access_vtime` of a record is only known when the
//! object is requested again. The writer streams records out with -1 and
//! remembers, per distinct object, the index of its latest record; when the
//! object comes back it patches that record in place (in its buffer if the
//! record is still there, otherwise with a positioned write, batched and
//! sorted). Memory is therefore about 32 bytes per distinct object plus a
//! bounded buffer of pending patches, not proportional to the trace length.
//! The output must be a plain seekable file (compress it afterwards).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::oracle::RECORD_BYTES;
use super::{Request, TimeUnit};
use crate::error::{Error, InputError};

/// Records kept in memory before they go to the file.
const BUFFER_RECORDS: usize = 1 << 16;
/// Patches to flushed records held before they are applied.
const PENDING_PATCHES_MAX: usize = 1 << 20;

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn create(path: &Path) -> Result<(File, PathBuf), Error> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(folder) = parent.filter(|p| !p.is_dir()) {
        return Err(InputError::file(
            path,
            format!(
                "cannot write a trace here: the folder {} does not exist",
                folder.display()
            ),
        )
        .into());
    }
    let partial = partial_path(path);
    let file = File::create(&partial)
        .map_err(|e| Error::io(format!("cannot create {}", partial.display()), e))?;
    Ok((file, partial))
}

fn finish_file(file: &File, partial: &Path, path: &Path) -> Result<(), Error> {
    file.sync_all()
        .map_err(|e| Error::io(format!("cannot write {}", partial.display()), e))?;
    std::fs::rename(partial, path).map_err(|e| {
        Error::io(
            format!("cannot rename {} to {}", partial.display(), path.display()),
            e,
        )
    })
}

/// Deletes a partial file unless its writer finished.
struct PartialGuard {
    partial: PathBuf,
    finished: bool,
}

impl Drop for PartialGuard {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

/// Writes `timestamp,obj_id,size` lines with a header; times in `unit`,
/// truncated to an integer. A tagged writer adds `region,client` and
/// writes times in seconds with nine decimals.
pub struct CsvTraceWriter {
    out: BufWriter<File>,
    guard: PartialGuard,
    path: PathBuf,
    unit: TimeUnit,
    tagged: bool,
}

impl CsvTraceWriter {
    pub fn create(path: &Path, unit: TimeUnit) -> Result<CsvTraceWriter, Error> {
        CsvTraceWriter::open(path, unit, false)
    }

    /// A recording: `timestamp,obj_id,size,region,client`, exact times.
    pub fn create_tagged(path: &Path) -> Result<CsvTraceWriter, Error> {
        CsvTraceWriter::open(path, TimeUnit::Seconds, true)
    }

    fn open(path: &Path, unit: TimeUnit, tagged: bool) -> Result<CsvTraceWriter, Error> {
        let (file, partial) = create(path)?;
        let mut writer = CsvTraceWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            guard: PartialGuard {
                partial,
                finished: false,
            },
            path: path.to_path_buf(),
            unit,
            tagged,
        };
        let header: &[u8] = if tagged {
            b"timestamp,obj_id,size,region,client\n"
        } else {
            b"timestamp,obj_id,size\n"
        };
        let written = writer.out.write_all(header);
        written.map_err(|e| writer.io(e))?;
        Ok(writer)
    }

    fn io(&self, e: std::io::Error) -> Error {
        Error::io(format!("cannot write {}", self.guard.partial.display()), e)
    }

    pub fn write(&mut self, r: &Request) -> Result<(), Error> {
        if self.tagged {
            return self.write_tagged(r, "", 0);
        }
        let time = r.time.as_nanos() / self.unit.nanos();
        let line = writeln!(self.out, "{time},{},{}", r.id, r.size);
        line.map_err(|e| self.io(e))
    }

    /// A request with its client's region name and client number (a
    /// tagged writer; an untagged one leaves them out).
    pub fn write_tagged(&mut self, r: &Request, region: &str, client: u32) -> Result<(), Error> {
        if !self.tagged {
            return self.write(r);
        }
        let ns = r.time.as_nanos();
        let (whole, fraction) = (ns / 1_000_000_000, ns % 1_000_000_000);
        let line = writeln!(
            self.out,
            "{whole}.{fraction:09},{},{},{region},{client}",
            r.id, r.size
        );
        line.map_err(|e| self.io(e))
    }

    pub fn finish(self) -> Result<(), Error> {
        let CsvTraceWriter {
            out,
            mut guard,
            path,
            ..
        } = self;
        let file = out.into_inner().map_err(|e| {
            Error::io(
                format!("cannot write {}", guard.partial.display()),
                e.into_error(),
            )
        })?;
        finish_file(&file, &guard.partial, &path)?;
        guard.finished = true;
        Ok(())
    }
}

/// Writes oracleGeneral records with correct `next_access_vtime`.
pub struct OracleGeneralWriter {
    file: File,
    guard: PartialGuard,
    path: PathBuf,
    unit: TimeUnit,
    /// Records not yet written, starting at record index `buffer_first`.
    buffer: Vec<u8>,
    buffer_first: u64,
    written: u64,
    last_index: HashMap<u64, u64>,
    /// (record index, next_access_vtime) for records already in the file.
    pending: Vec<(u64, i64)>,
}

impl OracleGeneralWriter {
    pub fn create(path: &Path, unit: TimeUnit) -> Result<OracleGeneralWriter, Error> {
        let (file, partial) = create(path)?;
        Ok(OracleGeneralWriter {
            file,
            guard: PartialGuard {
                partial,
                finished: false,
            },
            path: path.to_path_buf(),
            unit,
            buffer: Vec::with_capacity(BUFFER_RECORDS * RECORD_BYTES),
            buffer_first: 0,
            written: 0,
            last_index: HashMap::new(),
            pending: Vec::new(),
        })
    }

    fn io(&self, e: std::io::Error) -> Error {
        Error::io(format!("cannot write {}", self.guard.partial.display()), e)
    }

    pub fn write(&mut self, r: &Request) -> Result<(), Error> {
        let time = r.time.as_nanos() / self.unit.nanos();
        let time = u32::try_from(time).map_err(|_| {
            InputError::file(
                &self.path,
                format!("time {time} does not fit oracleGeneral's 32-bit clock_time"),
            )
        })?;
        let size = u32::try_from(r.size).map_err(|_| {
            InputError::file(
                &self.path,
                format!(
                    "size {} does not fit oracleGeneral's 32-bit obj_size",
                    r.size
                ),
            )
        })?;
        let index = self.written;
        if let Some(previous) = self.last_index.insert(r.id, index) {
            // libCacheSim convention: the 1-based index of the next request.
            self.patch(previous, index as i64 + 1)?;
        }
        self.buffer.extend_from_slice(&time.to_le_bytes());
        self.buffer.extend_from_slice(&r.id.to_le_bytes());
        self.buffer.extend_from_slice(&size.to_le_bytes());
        self.buffer.extend_from_slice(&(-1i64).to_le_bytes());
        self.written += 1;
        if self.buffer.len() >= BUFFER_RECORDS * RECORD_BYTES {
            self.flush_buffer()?;
        }
        Ok(())
    }

    fn patch(&mut self, record: u64, next: i64) -> Result<(), Error> {
        if record >= self.buffer_first {
            let at = (record - self.buffer_first) as usize * RECORD_BYTES + 16;
            self.buffer[at..at + 8].copy_from_slice(&next.to_le_bytes());
        } else {
            self.pending.push((record, next));
            if self.pending.len() >= PENDING_PATCHES_MAX {
                self.apply_patches()?;
            }
        }
        Ok(())
    }

    fn flush_buffer(&mut self) -> Result<(), Error> {
        let offset = self.buffer_first * RECORD_BYTES as u64;
        self.file
            .write_all_at(&self.buffer, offset)
            .map_err(|e| self.io(e))?;
        self.buffer_first = self.written;
        self.buffer.clear();
        Ok(())
    }

    fn apply_patches(&mut self) -> Result<(), Error> {
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_unstable();
        for &(record, next) in &pending {
            let offset = record * RECORD_BYTES as u64 + 16;
            self.file
                .write_all_at(&next.to_le_bytes(), offset)
                .map_err(|e| self.io(e))?;
        }
        pending.clear();
        self.pending = pending;
        Ok(())
    }

    pub fn finish(mut self) -> Result<(), Error> {
        self.flush_buffer()?;
        self.apply_patches()?;
        finish_file(&self.file, &self.guard.partial, &self.path)?;
        self.guard.finished = true;
        Ok(())
    }
}

/// A trace writer chosen by the file name: `.oracleGeneral` (binary, times
/// in whole seconds) or `.csv` (times in `csv_unit`); for `--record-trace`.
pub enum TraceWriter {
    Csv(CsvTraceWriter),
    OracleGeneral(OracleGeneralWriter),
}

/// The formats a trace can be written in, by file name.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WriteFormat {
    Csv,
    OracleGeneral,
}

impl WriteFormat {
    /// `.csv` or `.oracleGeneral` (any case); anything else is `None`.
    pub fn from_path(path: &Path) -> Option<WriteFormat> {
        let name = path.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".oraclegeneral") {
            Some(WriteFormat::OracleGeneral)
        } else if name.ends_with(".csv") {
            Some(WriteFormat::Csv)
        } else {
            None
        }
    }

    /// The file name extension, with its dot.
    pub fn extension(self) -> &'static str {
        match self {
            WriteFormat::Csv => ".csv",
            WriteFormat::OracleGeneral => ".oracleGeneral",
        }
    }
}

fn write_format(path: &Path) -> Result<WriteFormat, Error> {
    WriteFormat::from_path(path).ok_or_else(|| {
        InputError::file(
            path,
            "cannot tell the trace format to write; name the file *.csv or *.oracleGeneral",
        )
        .into()
    })
}

impl TraceWriter {
    pub fn create(path: &Path, csv_unit: TimeUnit) -> Result<TraceWriter, Error> {
        Ok(match write_format(path)? {
            WriteFormat::OracleGeneral => {
                TraceWriter::OracleGeneral(OracleGeneralWriter::create(path, TimeUnit::Seconds)?)
            }
            WriteFormat::Csv => TraceWriter::Csv(CsvTraceWriter::create(path, csv_unit)?),
        })
    }

    /// A recording: a tagged CSV (exact times, region and client), or
    /// oracleGeneral (whole seconds, no region or client: the format has none).
    pub fn create_recording(path: &Path) -> Result<TraceWriter, Error> {
        Ok(match write_format(path)? {
            WriteFormat::OracleGeneral => {
                TraceWriter::OracleGeneral(OracleGeneralWriter::create(path, TimeUnit::Seconds)?)
            }
            WriteFormat::Csv => TraceWriter::Csv(CsvTraceWriter::create_tagged(path)?),
        })
    }

    pub fn write(&mut self, r: &Request) -> Result<(), Error> {
        match self {
            TraceWriter::Csv(w) => w.write(r),
            TraceWriter::OracleGeneral(w) => w.write(r),
        }
    }

    /// A request with its client's region and number, where the format has room.
    pub fn write_tagged(&mut self, r: &Request, region: &str, client: u32) -> Result<(), Error> {
        match self {
            TraceWriter::Csv(w) => w.write_tagged(r, region, client),
            TraceWriter::OracleGeneral(w) => w.write(r),
        }
    }

    /// Completes the file (renames it into place).
    pub fn finish(self) -> Result<(), Error> {
        match self {
            TraceWriter::Csv(w) => w.finish(),
            TraceWriter::OracleGeneral(w) => w.finish(),
        }
    }
}
