//! Opening a trace file: plain, gzip (`.gz`) or zstd (`.zst`, `.zstd`),
//! chosen by the file name's last extension, read in large chunks.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::error::{Error, InputError};

/// Bytes requested from the source per read.
pub const CHUNK_BYTES: usize = 1 << 20;

/// How a file is compressed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn from_path(path: &Path) -> Compression {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("gz") | Some("gzip") => Compression::Gzip,
            Some("zst") | Some("zstd") => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// The file name without a compression extension, for format detection.
pub fn uncompressed_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    match Compression::from_path(path) {
        Compression::None => name,
        _ => name
            .rsplit_once('.')
            .map(|(stem, _)| stem.to_string())
            .unwrap_or(name),
    }
}

/// What `file` is when it cannot be a trace: a folder, or a device (such
/// as `/dev/zero`, whose records never end).
fn not_a_trace(file: &File) -> Option<&'static str> {
    let kind = file.metadata().ok()?.file_type();
    if kind.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() || kind.is_block_device() {
            return Some("a device");
        }
    }
    None
}

/// Opens `path` and wraps it in the decompressor its name asks for.
pub fn open(path: &Path) -> Result<Box<dyn Read + Send>, Error> {
    let file = File::open(path)
        .map_err(|e| InputError::file(path, format!("cannot open the trace: {e}")))?;
    if let Some(kind) = not_a_trace(&file) {
        return Err(InputError::file(
            path,
            format!("is {kind}, not a trace file; give a file (or a pipe)"),
        )
        .into());
    }
    Ok(match Compression::from_path(path) {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(CHUNK_BYTES, file),
        )),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::new(file)
                .map_err(|e| InputError::file(path, format!("not a zstd stream: {e}")))?,
        ),
    })
}

/// A trace's bytes, read in large chunks: `buf[start..end]` is read and
/// not yet used, and `buf[0]` is byte `offset` of the (decompressed) source.
pub struct Chunks {
    pub source: Box<dyn Read + Send>,
    /// The trace's file, as errors name it.
    pub path: PathBuf,
    pub buf: Vec<u8>,
    pub start: usize,
    pub end: usize,
    /// The source has ended.
    pub eof: bool,
    pub offset: u64,
}

impl Chunks {
    /// Reads `source` (the file `path`) into a buffer of `capacity` bytes.
    pub fn new(source: Box<dyn Read + Send>, path: &Path, capacity: usize) -> Chunks {
        Chunks {
            source,
            path: path.to_path_buf(),
            buf: vec![0; capacity],
            start: 0,
            end: 0,
            eof: false,
            offset: 0,
        }
    }

    /// Moves the unused bytes to the front of the buffer and reads after
    /// them, as far as the buffer goes (`eof` once the source has ended).
    pub fn refill(&mut self) -> Result<(), Error> {
        let pending = self.end - self.start;
        self.buf.copy_within(self.start..self.end, 0);
        self.offset += self.start as u64;
        self.start = 0;
        let at = self.offset + pending as u64;
        let n = fill(&mut *self.source, &mut self.buf[pending..], &self.path, at)?;
        self.end = pending + n;
        self.eof = n == 0;
        Ok(())
    }
}

/// Reads until `buf` is full or the source ends; returns the bytes read.
/// A read error (a corrupt compressed stream, an I/O failure) names the file
/// and the (decompressed) byte offset reached.
pub fn fill(
    source: &mut dyn Read,
    buf: &mut [u8],
    path: &Path,
    offset: u64,
) -> Result<usize, Error> {
    let mut filled = 0;
    while filled < buf.len() {
        match source.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let what = match Compression::from_path(path) {
                    Compression::None => "cannot read the trace",
                    _ => "cannot decompress the trace (corrupt or truncated?)",
                };
                return Err(InputError::file(path, format!("{what}: {e}"))
                    .at_offset(offset + filled as u64)
                    .into());
            }
        }
    }
    Ok(filled)
}
