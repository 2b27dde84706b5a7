//! Fuzz target `traces`: every trace reader (csv, tsv, txt, oracleGeneral,
//! wiki2019, webcachesim, and text layouts with columns by index or name,
//! region and client columns as the CDN model's `source` reads them), plain,
//! gzip or zstd. Inputs are valid traces, then damaged: truncated, bits
//! flipped, huge numbers, NULs, fields added or dropped, lines repeated.
//! The contract: no panic; an undamaged trace reads back exactly the
//! requests written; a damaged one reads at most one request per line (or
//! per 24-byte record) and fails, if it does, with an error naming the
//! file and, for an uncompressed trace, the line or byte offset.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use edgesim::engine::SimTime;
use edgesim::error::Error;
use edgesim::workload::trace::{
    Column, Delimiter, Header, IdKind, Labels, Request, TextOptions, TraceFormat, TraceReader,
};

use super::draw::Gen;

const FORMATS: [&str; 6] = [
    "csv",
    "tsv",
    "txt",
    "oracleGeneral",
    "wiki2019",
    "webcachesim",
];
const REGIONS: [&str; 3] = ["Berlin", "London", "São Paulo"];

/// One generated trace.
pub struct Input {
    pub format_name: String,
    pub format: TraceFormat,
    pub bytes: Vec<u8>,
    /// The requests it holds when it is undamaged.
    pub expected: Option<Vec<Request>>,
    pub compression: &'static str,
    pub skip_bad: bool,
}

impl Input {
    pub fn describe(&self) -> String {
        format!(
            "format {} ({:?}), compression {:?}, skip_bad {}, {} bytes: {:?}",
            self.format_name,
            self.format,
            self.compression,
            self.skip_bad,
            self.bytes.len(),
            String::from_utf8_lossy(&self.bytes[..self.bytes.len().min(4000)])
        )
    }
}

fn requests(g: &mut Gen) -> Vec<Request> {
    let mut time = g.below(1000);
    (0..g.below(40))
        .map(|_| {
            time += g.below(3);
            let ids = if g.chance(0.1) { u32::MAX as u64 } else { 50 };
            let sizes = if g.chance(0.1) { u32::MAX as u64 } else { 5000 };
            Request {
                time: SimTime::from_secs(time),
                id: g.below(ids),
                size: g.range(1, sizes),
            }
        })
        .collect()
}

/// A text layout: the presets, or columns in another order, by name or
/// index, with region and client columns.
fn layout(g: &mut Gen) -> (String, TextOptions) {
    let name = g.pick(&FORMATS).to_string();
    if name != "oracleGeneral" && g.chance(0.3) {
        let named = g.chance(0.5);
        let col = |i: usize, n: &str| {
            if named {
                Column::Name(n.into())
            } else {
                Column::Index(i)
            }
        };
        let tagged = g.chance(0.5);
        let labels: Vec<String> = REGIONS.iter().map(|s| s.to_string()).collect();
        let options = TextOptions {
            delimiter: g
                .pick(&[
                    Delimiter::Byte(b','),
                    Delimiter::Byte(b'|'),
                    Delimiter::Auto,
                ])
                .clone(),
            header: if named {
                Header::Present
            } else {
                *g.pick(&[Header::Auto, Header::Absent])
            },
            time: Some(col(3, "ts")),
            id: col(1, "key"),
            size: Some(col(2, "bytes")),
            id_kind: *g.pick(&[IdKind::Auto, IdKind::Numeric, IdKind::Signed]),
            time_unit: edgesim::workload::trace::TimeUnit::Seconds,
            region: tagged.then(|| col(4, "region")),
            region_labels: (tagged && g.chance(0.7)).then(|| Arc::new(Labels::new(&labels))),
            client: tagged.then(|| col(5, "client")),
        };
        return ("custom".into(), options);
    }
    match TraceFormat::by_name(&name).unwrap() {
        TraceFormat::Text(options) => (name, options),
        TraceFormat::OracleGeneral => (name, TextOptions::csv()),
    }
}

fn render_text(g: &mut Gen, name: &str, options: &TextOptions, reqs: &[Request]) -> Vec<u8> {
    let sep = match (&options.delimiter, name) {
        (_, "tsv" | "wiki2019") => "\t",
        (_, "txt" | "webcachesim") => " ",
        (Delimiter::Byte(b'|'), _) => "|",
        _ => ",",
    };
    let mut out = String::new();
    let custom = name == "custom";
    let header = match (custom, options.header) {
        (true, Header::Present) => true,
        (true, _) => false,
        (false, _) => name != "webcachesim" && g.chance(0.5),
    };
    if header {
        let cols: &[&str] = match name {
            "custom" => &["key", "bytes", "ts", "region", "client"],
            "wiki2019" => &[
                "relative_unix",
                "hashed_path_query",
                "image_type",
                "response_size",
            ],
            _ => &["timestamp", "obj_id", "size"],
        };
        out.push_str(&cols.join(sep));
        out.push('\n');
    }
    for r in reqs {
        let t = r.time.as_secs_f64() as u64;
        let fields: Vec<String> = match name {
            "custom" => vec![
                r.id.to_string(),
                r.size.to_string(),
                t.to_string(),
                g.pick(&REGIONS).to_string(),
                g.below(100).to_string(),
            ],
            "wiki2019" => vec![
                t.to_string(),
                r.id.to_string(),
                "jpeg".into(),
                r.size.to_string(),
            ],
            _ => vec![t.to_string(), r.id.to_string(), r.size.to_string()],
        };
        out.push_str(&fields.join(sep));
        out.push('\n');
    }
    out.into_bytes()
}

fn render_oracle(reqs: &[Request]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in reqs {
        out.extend_from_slice(&(r.time.as_secs_f64() as u32).to_le_bytes());
        out.extend_from_slice(&r.id.to_le_bytes());
        out.extend_from_slice(&(r.size as u32).to_le_bytes());
        out.extend_from_slice(&(-1i64).to_le_bytes());
    }
    out
}

/// One damage to `bytes`.
fn damage(g: &mut Gen, bytes: &mut Vec<u8>) {
    let at = g.index(bytes.len() + 1);
    match g.below(8) {
        0 => bytes.truncate(at),
        1 if !bytes.is_empty() => {
            let i = g.index(bytes.len());
            bytes[i] ^= 1 << g.below(8);
        }
        2 => bytes
            .splice(at..at, std::iter::repeat_n(0u8, g.range(1, 30) as usize))
            .for_each(drop),
        3 => {
            let n = g.edge_number();
            bytes.splice(at..at, n.into_bytes()).for_each(drop);
        }
        4 => bytes
            .splice(
                at..at,
                g.pick(&[&b",,"[..], b",1", b"\n", b"\r\n", b" x "])
                    .iter()
                    .copied(),
            )
            .for_each(drop),
        5 => {
            let line_end = bytes[at..].iter().position(|&b| b == b'\n').map(|p| at + p);
            if let Some(end) = line_end {
                let start = bytes[..at]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1);
                let line = bytes[start..=end].to_vec();
                bytes.splice(start..start, line).for_each(drop);
            }
        }
        6 => bytes
            .splice(at..at, (0..g.range(1, 64)).map(|_| g.below(256) as u8))
            .for_each(drop),
        _ => bytes
            .splice(at..at, "9".repeat(g.range(20, 400) as usize).into_bytes())
            .for_each(drop),
    }
}

/// The input of seed `seed`.
pub fn input(seed: u64) -> Input {
    let mut g = Gen::new(seed);
    let (name, options) = layout(&mut g);
    let reqs = requests(&mut g);
    let (format, mut bytes) = if name == "oracleGeneral" {
        (TraceFormat::OracleGeneral, render_oracle(&reqs))
    } else {
        let bytes = render_text(&mut g, &name, &options, &reqs);
        (TraceFormat::Text(options), bytes)
    };
    let damaged = g.chance(0.75);
    if damaged {
        for _ in 0..g.range(1, 4) {
            damage(&mut g, &mut bytes);
        }
    }
    let compression = *g.pick(&["", "", "", "", "gz", "zst"]);
    Input {
        format_name: name,
        format,
        bytes,
        expected: (!damaged).then_some(reqs),
        compression,
        skip_bad: g.chance(0.3),
    }
}

fn compress(bytes: &[u8], compression: &str) -> Vec<u8> {
    match compression {
        "gz" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(bytes).unwrap();
            e.finish().unwrap()
        }
        "zst" => zstd::encode_all(bytes, 1).unwrap(),
        _ => bytes.to_vec(),
    }
}

/// The source the reader reads: the bytes, or a file holding them compressed.
fn source(input: &Input, dir: &Path) -> Result<(Box<dyn Read + Send>, PathBuf), Error> {
    if input.compression.is_empty() {
        return Ok((
            Box::new(Cursor::new(input.bytes.clone())),
            PathBuf::from("fuzz-trace"),
        ));
    }
    let path = dir.join(format!("fuzz-trace.{}", input.compression));
    std::fs::write(&path, compress(&input.bytes, input.compression)).unwrap();
    Ok((edgesim::workload::trace::input::open(&path)?, path))
}

/// Reads `input` in `dir`; `Err` says how the contract was broken.
pub fn check(input: &Input, dir: &Path) -> Result<bool, String> {
    let (src, path) = source(input, dir).map_err(|e| format!("cannot open: {e}"))?;
    let mut reader = TraceReader::over(src, &path, &input.format, input.skip_bad);
    let bound = match input.format {
        TraceFormat::OracleGeneral => input.bytes.len() / 24 + 1,
        _ => {
            input
                .bytes
                .iter()
                .filter(|&&b| b == b'\n' || b == b'\r')
                .count()
                + 1
        }
    };
    let mut got = Vec::new();
    let mut batch = Vec::new();
    let result = loop {
        match reader.read_batch(&mut batch, 7) {
            Ok(n) => {
                got.extend_from_slice(&batch);
                if got.len() > bound {
                    return Err(format!(
                        "read {} requests from {bound} lines or records",
                        got.len()
                    ));
                }
                if n < 7 {
                    break Ok(());
                }
            }
            Err(e) => break Err(e),
        }
    };
    judge(input, &path, got, result)
}

fn judge(
    input: &Input,
    path: &Path,
    got: Vec<Request>,
    result: Result<(), Error>,
) -> Result<bool, String> {
    if let Some(expected) = &input.expected {
        return match result {
            Ok(()) if &got == expected => Ok(true),
            Ok(()) => Err(format!(
                "read {} requests, wrote {}; first difference at {:?}",
                got.len(),
                expected.len(),
                got.iter().zip(expected).position(|(a, b)| a != b)
            )),
            Err(e) => Err(format!("an undamaged trace fails: {e}")),
        };
    }
    match result {
        Ok(()) => Ok(true),
        Err(Error::Input(e)) if e.origin == path.display().to_string() => {
            if input.compression.is_empty() && e.line.is_none() && e.offset.is_none() {
                Err(format!("an error naming no line or offset: {e}"))
            } else {
                Ok(false)
            }
        }
        Err(e) => Err(format!(
            "an error not naming the trace as its origin: {e:?}"
        )),
    }
}
