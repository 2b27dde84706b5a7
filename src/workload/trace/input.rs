//! Opening a trace file: plain, gzip (`.gz`) or zstd (`.zst`, `.zstd`),
//! chosen by the file name's last extension, read in large chunks.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

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

/// Opens `path` and wraps it in the decompressor its name asks for.
pub fn open(path: &Path) -> Result<Box<dyn Read + Send>, Error> {
    let file = File::open(path)
        .map_err(|e| InputError::file(path, format!("cannot open the trace: {e}")))?;
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
