//! Delimited text traces: CSV, TSV, space separated; also the Wikimedia 2019
//! TSV and webcachesim layouts, which are presets of the same reader.
//!
//! Columns are 1-based like libCacheSim's csv reader (`time-col`,
//! `obj-id-col`, `obj-size-col`) or named by the header line. Numbers are
//! parsed strictly: a field that is not what its column promises is an error
//! naming the file, line, column and field, or, with `skip_bad`, a counted and
//! skipped line. Memory is one read chunk plus the longest line.

use std::io::Read;
use std::path::Path;

use std::sync::Arc;

use super::input::{self, CHUNK_BYTES, Chunks};
use super::labels::Labels;
use super::{ReadStats, Request, TaggedRequest, TimeUnit};
use crate::engine::SimTime;
use crate::engine::rng::{fnv1a64, splitmix64};
use crate::error::{Error, InputError};

/// A line longer than this is an error: it is not a trace line (binary data
/// given as text has few newlines), and the bound keeps memory constant.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// How fields are separated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delimiter {
    /// The most frequent of tab, comma, `|` and `:` on the first line
    /// (libCacheSim's candidates); runs of spaces when there is none.
    Auto,
    Byte(u8),
    /// Runs of spaces and tabs (webcachesim).
    Whitespace,
}

/// Whether the first line names the columns.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Header {
    /// A header when the first line's time or size field is not a number
    /// (or when a column is given by name).
    Auto,
    Present,
    Absent,
}

/// A column: 1-based index or header name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    Index(usize),
    Name(String),
}

/// How object ids are read.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IdKind {
    /// Numeric if the first request's id is a number, hashed otherwise; the
    /// rest of the file must then follow suit.
    Auto,
    /// libCacheSim `strtoull(s, _, 0)`: decimal, `0x` hex, leading-`0` octal;
    /// unlike strtoull the whole field must be the number.
    Numeric,
    /// A signed 64-bit decimal, kept as its two's-complement bits
    /// (Wikimedia's hashed paths and webcachesim ids can be negative).
    Signed,
    /// Any text, hashed to 64 bits.
    Hashed,
}

/// Options of the delimited-text reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextOptions {
    pub delimiter: Delimiter,
    pub header: Header,
    /// `None`: every request at time zero.
    pub time: Option<Column>,
    pub id: Column,
    /// `None`: every object has size 1.
    pub size: Option<Column>,
    pub id_kind: IdKind,
    pub time_unit: TimeUnit,
    /// The client's region, one of `region_labels` (full-model replay).
    pub region: Option<Column>,
    /// The names the region column may hold; without them the column must
    /// be there but its values are not read.
    pub region_labels: Option<Arc<Labels>>,
    /// A client id (any text; a decimal integer is kept as its value).
    pub client: Option<Column>,
}

impl TextOptions {
    /// `time,obj_id,size` (libCacheSim's usual csv layout), delimiter and
    /// header detected.
    pub fn csv() -> TextOptions {
        TextOptions {
            delimiter: Delimiter::Auto,
            header: Header::Auto,
            time: Some(Column::Index(1)),
            id: Column::Index(2),
            size: Some(Column::Index(3)),
            id_kind: IdKind::Auto,
            time_unit: TimeUnit::Seconds,
            region: None,
            region_labels: None,
            client: None,
        }
    }

    /// Wikimedia 2019 public release: `relative_unix, hashed_path_query,
    /// image_type, response_size, time_firstbyte`, tab separated.
    pub fn wiki2019() -> TextOptions {
        TextOptions {
            delimiter: Delimiter::Byte(b'\t'),
            header: Header::Auto,
            time: Some(Column::Index(1)),
            id: Column::Index(2),
            size: Some(Column::Index(4)),
            id_kind: IdKind::Signed,
            time_unit: TimeUnit::Seconds,
            region: None,
            region_labels: None,
            client: None,
        }
    }

    /// webcachesim: `time id size [extra...]`, space separated, no header.
    pub fn webcachesim() -> TextOptions {
        TextOptions {
            delimiter: Delimiter::Whitespace,
            header: Header::Absent,
            time: Some(Column::Index(1)),
            id: Column::Index(2),
            size: Some(Column::Index(3)),
            id_kind: IdKind::Signed,
            time_unit: TimeUnit::Seconds,
            region: None,
            region_labels: None,
            client: None,
        }
    }
}

/// Which request field a column holds, for the fast path.
const ROLE_NONE: u8 = 0;
const ROLE_TIME: u8 = 1;
const ROLE_ID: u8 = 2;
const ROLE_SIZE: u8 = 3;
/// The fast path handles lines whose needed columns are among the first 8.
const FAST_FIELDS_MAX: usize = 8;

/// Column positions once the first line has been seen (0-based).
#[derive(Clone, Debug)]
struct Layout {
    delimiter: Delimiter,
    time: Option<usize>,
    id: usize,
    size: Option<usize>,
    region: Option<usize>,
    client: Option<usize>,
    id_kind: IdKind,
    /// Fields a line must have.
    min_fields: usize,
}

impl Layout {
    /// Roles of the first fields, for [`parse_plain`].
    fn roles(&self) -> [u8; FAST_FIELDS_MAX] {
        let mut roles = [ROLE_NONE; FAST_FIELDS_MAX];
        for (column, role) in [
            (self.time, ROLE_TIME),
            (Some(self.id), ROLE_ID),
            (self.size, ROLE_SIZE),
        ] {
            if let Some(c) = column.filter(|&c| c < FAST_FIELDS_MAX) {
                roles[c] = role;
            }
        }
        roles
    }
}

/// The fast path for the common line: a one-byte delimiter and plain
/// decimal numbers in the needed columns, parsed in one pass. Anything else
/// (quotes, hex or octal ids, decimals, signs, hashed ids, a short line, an
/// error) returns `None` and goes through [`parse_line`], which gives the
/// same answer for the lines this accepts.
#[inline]
fn parse_plain(line: &[u8], layout: &Layout, unit: TimeUnit) -> Option<Request> {
    let Delimiter::Byte(delimiter) = layout.delimiter else {
        return None;
    };
    if layout.min_fields > FAST_FIELDS_MAX
        || !matches!(layout.id_kind, IdKind::Numeric | IdKind::Signed)
        || layout.region.is_some()
        || layout.client.is_some()
    {
        return None;
    }
    let roles = layout.roles();
    let mut values = [0u64; 4];
    let (mut field, mut value, mut digits) = (0usize, 0u64, 0u32);
    let mut first_digit = 0u8;
    for &c in line {
        if c == delimiter {
            if roles[field] != ROLE_NONE {
                // An empty field, or an id with a leading 0 (octal), is not plain.
                if digits == 0 || (roles[field] == ROLE_ID && first_digit == b'0' && digits > 1) {
                    return None;
                }
                values[roles[field] as usize] = value;
            }
            field += 1;
            if field == layout.min_fields {
                break;
            }
            (value, digits) = (0, 0);
            continue;
        }
        if roles[field] == ROLE_NONE {
            continue;
        }
        let d = c.wrapping_sub(b'0');
        // 19 digits always fit in a u64.
        if d > 9 || digits == 19 {
            return None;
        }
        if digits == 0 {
            first_digit = c;
        }
        value = value * 10 + d as u64;
        digits += 1;
    }
    if field < layout.min_fields {
        if field + 1 < layout.min_fields || (digits == 0 && roles[field] != ROLE_NONE) {
            return None;
        }
        if roles[field] == ROLE_ID && first_digit == b'0' && digits > 1 {
            return None;
        }
        values[roles[field] as usize] = value;
    }
    if layout.id_kind == IdKind::Signed && values[ROLE_ID as usize] > i64::MAX as u64 {
        return None;
    }
    if values[ROLE_SIZE as usize] > MAX_SIZE {
        return None;
    }
    let time = match layout.time {
        Some(_) => SimTime::from_nanos(values[ROLE_TIME as usize].checked_mul(unit.nanos())?),
        None => SimTime::ZERO,
    };
    Some(Request {
        time,
        id: values[ROLE_ID as usize],
        size: if layout.size.is_some() {
            values[ROLE_SIZE as usize]
        } else {
            1
        },
    })
}

/// What is wrong with one line.
struct LineError {
    column: Option<usize>,
    key: Option<&'static str>,
    message: String,
}

impl LineError {
    fn new(message: String) -> LineError {
        LineError {
            column: None,
            key: None,
            message,
        }
    }
}

/// Streams requests from a delimited text trace.
pub struct TextReader {
    input: Chunks,
    options: TextOptions,
    skip_bad: bool,
    line_no: usize,
    layout: Option<Layout>,
    fields: Vec<(usize, usize)>,
    stats: ReadStats,
}

impl TextReader {
    pub fn open(path: &Path, options: TextOptions, skip_bad: bool) -> Result<TextReader, Error> {
        Ok(TextReader::over(
            input::open(path)?,
            path,
            options,
            skip_bad,
        ))
    }

    /// Reads `source` (already decompressed), named `path` in errors.
    pub fn over(
        source: Box<dyn Read + Send>,
        path: &Path,
        options: TextOptions,
        skip_bad: bool,
    ) -> TextReader {
        TextReader {
            input: Chunks::new(source, path, CHUNK_BYTES),
            options,
            skip_bad,
            line_no: 0,
            layout: None,
            fields: Vec::with_capacity(16),
            stats: ReadStats::default(),
        }
    }

    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }

    fn error(&self, column: Option<usize>, key: Option<&str>, message: impl Into<String>) -> Error {
        let mut e = InputError::file(&self.input.path, message).at_line(self.line_no);
        e.column = column;
        if let Some(key) = key {
            e = e.with_key(key);
        }
        e.into()
    }

    /// The next line's byte range in `buf` (without the line break), or `None` at the end.
    fn next_line(&mut self) -> Result<Option<(usize, usize)>, Error> {
        loop {
            if let Some(pos) =
                memchr::memchr(b'\n', &self.input.buf[self.input.start..self.input.end])
            {
                let line = (self.input.start, self.input.start + pos);
                self.input.start += pos + 1;
                self.line_no += 1;
                return Ok(Some(trim_cr(&self.input.buf, line)));
            }
            if self.input.eof {
                if self.input.start == self.input.end {
                    return Ok(None);
                }
                let line = (self.input.start, self.input.end);
                self.input.start = self.input.end;
                self.line_no += 1;
                return Ok(Some(trim_cr(&self.input.buf, line)));
            }
            self.refill()?;
        }
    }

    fn refill(&mut self) -> Result<(), Error> {
        let pending = self.input.end - self.input.start;
        if pending >= MAX_LINE_BYTES {
            self.line_no += 1;
            return Err(self.error(
                None,
                None,
                format!("line is longer than {MAX_LINE_BYTES} bytes; is this a text trace?"),
            ));
        }
        // Room for at least half a chunk after the pending bytes.
        if self.input.buf.len() - pending < CHUNK_BYTES / 2 {
            self.input.buf.resize(self.input.buf.len() + CHUNK_BYTES, 0);
        }
        self.input.refill()
    }

    /// Reads up to `max` requests into `out` (cleared first); returns how many.
    /// Fewer than `max` means the trace has ended.
    pub fn read_batch(&mut self, out: &mut Vec<Request>, max: usize) -> Result<usize, Error> {
        self.read_with(out, max, |tagged| tagged.request)
    }

    /// Like [`TextReader::read_batch`], with each request's region and client
    /// columns (when the options name them).
    pub fn read_tagged(
        &mut self,
        out: &mut Vec<TaggedRequest>,
        max: usize,
    ) -> Result<usize, Error> {
        self.read_with(out, max, |tagged| tagged)
    }

    #[inline]
    fn read_with<T>(
        &mut self,
        out: &mut Vec<T>,
        max: usize,
        make: impl Fn(TaggedRequest) -> T,
    ) -> Result<usize, Error> {
        out.clear();
        while out.len() < max {
            let Some((a, b)) = self.next_line()? else {
                break;
            };
            if self.layout.is_none() {
                let first = self.input.buf[a..b].to_vec();
                let is_header = self.detect_layout(&first)?;
                if is_header {
                    continue;
                }
            }
            if a == b {
                // A blank line carries no request; tolerated like a trailing newline.
                continue;
            }
            let layout = self.layout.as_mut().expect("layout set on the first line");
            if layout.id_kind == IdKind::Auto {
                layout.id_kind = detect_id_kind(&self.input.buf[a..b], layout);
            }
            let line = &self.input.buf[a..b];
            let parsed = match parse_plain(line, layout, self.options.time_unit) {
                Some(r) => Ok(TaggedRequest::plain(r)),
                None => parse_line(line, layout, self.options.time_unit, &mut self.fields)
                    .and_then(|r| {
                        let labels = self.options.region_labels.as_deref();
                        parse_extras(line, layout, &self.fields, labels, r)
                    }),
            };
            match parsed {
                Ok(r) if r.request.size == 0 => self.stats.zero_size_dropped += 1,
                Ok(r) => {
                    let delivered = self.stats.requests + out.len() as u64 + 1;
                    let timed = layout.time.is_some();
                    self.stats
                        .pace(r.request.time, timed, delivered)
                        .map_err(|m| self.error(None, None, m))?;
                    out.push(make(r));
                }
                Err(e) => self.bad_line(e)?,
            }
        }
        self.stats.requests += out.len() as u64;
        Ok(out.len())
    }

    fn bad_line(&mut self, e: LineError) -> Result<(), Error> {
        let err = self.error(e.column, e.key, e.message);
        if !self.skip_bad {
            return Err(err);
        }
        self.stats.bad_skipped += 1;
        if self.stats.first_bad.is_none() {
            self.stats.first_bad = Some(err.to_string());
        }
        Ok(())
    }

    /// A column's 0-based position, from its index or its name in the header.
    fn resolve_column(
        &self,
        column: Option<&Column>,
        key: &str,
        header: &[String],
    ) -> Result<Option<usize>, Error> {
        match column {
            None => Ok(None),
            Some(Column::Index(0)) => {
                Err(self.error(None, Some(key), "columns are numbered from 1"))
            }
            Some(Column::Index(i)) => Ok(Some(i - 1)),
            Some(Column::Name(name)) => {
                header
                    .iter()
                    .position(|f| f == name)
                    .map(Some)
                    .ok_or_else(|| {
                        self.error(
                    None,
                    Some(key),
                    format!("no column named \"{name}\" in the header; the header has {header:?}"),
                )
                    })
            }
        }
    }

    /// Works out the delimiter, the columns and whether `first` is a header.
    fn detect_layout(&mut self, first: &[u8]) -> Result<bool, Error> {
        let delimiter = match &self.options.delimiter {
            Delimiter::Auto => detect_delimiter(first),
            d => d.clone(),
        };
        let header_fields: Vec<String> = split(first, &delimiter)
            .map(|(a, b)| {
                String::from_utf8_lossy(&first[a..b])
                    .trim()
                    .trim_matches('"')
                    .to_string()
            })
            .collect();
        let named = [
            Some(&self.options.id),
            self.options.time.as_ref(),
            self.options.size.as_ref(),
            self.options.region.as_ref(),
            self.options.client.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|c| matches!(c, Column::Name(_)));
        let resolve =
            |c: &Option<Column>, key| self.resolve_column(c.as_ref(), key, &header_fields);
        let time = resolve(&self.options.time, "time")?;
        let id =
            resolve(&Some(self.options.id.clone()), "obj_id")?.expect("the id column is given");
        let size = resolve(&self.options.size, "size")?;
        let region = resolve(&self.options.region, "region")?;
        let client = resolve(&self.options.client, "client")?;
        let min_fields = 1 + [time, Some(id), size, region, client]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(0);
        let layout = Layout {
            delimiter,
            time,
            id,
            size,
            region,
            client,
            id_kind: self.options.id_kind,
            min_fields,
        };
        let is_header = match self.options.header {
            Header::Present => true,
            Header::Absent => false,
            Header::Auto => named || looks_like_header(first, &layout, self.options.time_unit),
        };
        if named && self.options.header == Header::Absent {
            return Err(self.error(
                None,
                None,
                "a column is given by name but the trace is said to have no header",
            ));
        }
        self.layout = Some(layout);
        Ok(is_header)
    }
}

/// `IdKind::Auto` settled by the first data line: numeric if its id parses
/// as one, hashed otherwise.
fn detect_id_kind(line: &[u8], layout: &Layout) -> IdKind {
    let id_field = split(line, &layout.delimiter)
        .nth(layout.id)
        .map(|(a, b)| &line[a..b]);
    match id_field {
        Some(f) if parse_id_numeric(unquote(f)).is_ok() => IdKind::Numeric,
        Some(_) => IdKind::Hashed,
        None => IdKind::Numeric,
    }
}

fn trim_cr(buf: &[u8], (a, b): (usize, usize)) -> (usize, usize) {
    if b > a && buf[b - 1] == b'\r' {
        (a, b - 1)
    } else {
        (a, b)
    }
}

fn detect_delimiter(line: &[u8]) -> Delimiter {
    let candidates = [b'\t', b',', b'|', b':'];
    let best = candidates
        .iter()
        .map(|&c| (line.iter().filter(|&&b| b == c).count(), c))
        .max_by_key(|&(n, c)| (n, std::cmp::Reverse(c)))
        .filter(|&(n, _)| n > 0);
    match best {
        Some((_, c)) => Delimiter::Byte(c),
        None => Delimiter::Whitespace,
    }
}

/// The fields of a line as byte ranges.
fn split<'a>(
    line: &'a [u8],
    delimiter: &Delimiter,
) -> Box<dyn Iterator<Item = (usize, usize)> + 'a> {
    match *delimiter {
        Delimiter::Byte(d) => {
            let mut start = 0;
            let mut done = false;
            Box::new(std::iter::from_fn(move || {
                if done {
                    return None;
                }
                let end = memchr::memchr(d, &line[start..]).map_or(line.len(), |p| start + p);
                let field = (start, end);
                done = end == line.len();
                start = end + 1;
                Some(field)
            }))
        }
        _ => {
            let mut i = 0;
            Box::new(std::iter::from_fn(move || {
                while i < line.len() && (line[i] == b' ' || line[i] == b'\t') {
                    i += 1;
                }
                if i == line.len() {
                    return None;
                }
                let start = i;
                while i < line.len() && line[i] != b' ' && line[i] != b'\t' {
                    i += 1;
                }
                Some((start, i))
            }))
        }
    }
}

/// Fills `fields` with the field ranges of `line` (up to `need` of them) and
/// returns the total count when fewer than `need` exist.
#[inline]
fn split_into(
    line: &[u8],
    delimiter: &Delimiter,
    need: usize,
    fields: &mut Vec<(usize, usize)>,
) -> usize {
    fields.clear();
    if let Delimiter::Byte(d) = *delimiter {
        let mut start = 0;
        loop {
            let end = memchr::memchr(d, &line[start..]).map_or(line.len(), |p| start + p);
            fields.push((start, end));
            if end == line.len() || fields.len() == need {
                break;
            }
            start = end + 1;
        }
    } else {
        fields.extend(split(line, delimiter).take(need));
    }
    fields.len()
}

fn unquote(field: &[u8]) -> &[u8] {
    let f = field.trim_ascii();
    if f.len() >= 2 && f[0] == b'"' && f[f.len() - 1] == b'"' {
        &f[1..f.len() - 1]
    } else {
        f
    }
}

fn show(field: &[u8]) -> String {
    let text = String::from_utf8_lossy(field);
    let mut shown: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        shown.push('…');
    }
    shown.escape_debug().to_string()
}

fn looks_like_header(line: &[u8], layout: &Layout, unit: TimeUnit) -> bool {
    let fields: Vec<_> = split(line, &layout.delimiter).collect();
    let field = |i: Option<usize>| {
        i.and_then(|i| fields.get(i))
            .map(|&(a, b)| unquote(&line[a..b]))
    };
    let bad_time = field(layout.time).is_some_and(|f| parse_time(f, unit).is_err());
    let bad_size = field(layout.size).is_some_and(|f| parse_size(f).is_err());
    let names = fields
        .iter()
        .all(|&(a, b)| is_field_name(unquote(&line[a..b])));
    (bad_time || bad_size) && names
}

/// Whether `field` reads as a column name (`timestamp`, `obj_id`, `Size
/// (bytes)`): a letter or `_` first, then letters, digits and `_-. ()/`.
/// A first line that is not all names (`-5,7,100`, NUL bytes) is data, and
/// an error like the same line anywhere else.
fn is_field_name(field: &[u8]) -> bool {
    let field = field.trim_ascii();
    field
        .first()
        .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
        && field
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || b"_-. ()/".contains(&c))
}

#[inline]
fn parse_line(
    line: &[u8],
    layout: &Layout,
    unit: TimeUnit,
    fields: &mut Vec<(usize, usize)>,
) -> Result<Request, LineError> {
    let found = split_into(line, &layout.delimiter, layout.min_fields, fields);
    if found < layout.min_fields {
        let total = split(line, &layout.delimiter).count();
        return Err(LineError::new(format!(
            "expected at least {} fields, found {total}",
            layout.min_fields
        )));
    }
    let field = |i: usize| {
        let (a, b) = fields[i];
        (a + 1, unquote(&line[a..b]))
    };
    let time = match layout.time {
        Some(i) => {
            let (column, f) = field(i);
            parse_time(f, unit).map_err(|m| LineError {
                column: Some(column),
                key: Some("time"),
                message: format!("{m}, found \"{}\"", show(f)),
            })?
        }
        None => SimTime::ZERO,
    };
    let (column, f) = field(layout.id);
    let id = parse_id(f, layout.id_kind).map_err(|m| LineError {
        column: Some(column),
        key: Some("obj_id"),
        message: format!("{m}, found \"{}\"", show(f)),
    })?;
    let size = match layout.size {
        Some(i) => {
            let (column, f) = field(i);
            parse_size(f).map_err(|m| LineError {
                column: Some(column),
                key: Some("size"),
                message: format!("{m}, found \"{}\"", show(f)),
            })?
        }
        None => 1,
    };
    Ok(Request { time, id, size })
}

/// The region and client columns of a line `parse_line` has split into
/// `fields`, added to its request.
fn parse_extras(
    line: &[u8],
    layout: &Layout,
    fields: &[(usize, usize)],
    labels: Option<&Labels>,
    request: Request,
) -> Result<TaggedRequest, LineError> {
    let mut tagged = TaggedRequest::plain(request);
    let field = |i: usize| {
        let (a, b) = fields[i];
        (a + 1, unquote(&line[a..b]))
    };
    if let (Some(i), Some(labels)) = (layout.region, labels) {
        let (column, f) = field(i);
        tagged.region = labels.get(f).ok_or_else(|| LineError {
            column: Some(column),
            key: Some("region"),
            message: format!(
                "unknown region \"{}\"; expected a region of the world: {}",
                show(f),
                labels.examples()
            ),
        })?;
    }
    if let Some(i) = layout.client {
        let (column, f) = field(i);
        if f.is_empty() {
            return Err(LineError {
                column: Some(column),
                key: Some("client"),
                message: "expected a client id, found an empty field".into(),
            });
        }
        // A decimal id keeps its value (a recorded client prefix replays as
        // itself); any other text is hashed.
        tagged.client = Some(parse_digits(f, 10).unwrap_or_else(|| splitmix64(fnv1a64(f))));
    }
    Ok(tagged)
}

fn parse_digits(f: &[u8], radix: u64) -> Option<u64> {
    if f.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in f {
        let d = match c {
            b'0'..=b'9' => (c - b'0') as u64,
            b'a'..=b'f' => (c - b'a' + 10) as u64,
            b'A'..=b'F' => (c - b'A' + 10) as u64,
            _ => return None,
        };
        if d >= radix {
            return None;
        }
        v = v.checked_mul(radix)?.checked_add(d)?;
    }
    Some(v)
}

/// libCacheSim `strtoull(s, _, 0)` grammar, over the whole field.
pub fn parse_id_numeric(f: &[u8]) -> Result<u64, &'static str> {
    const EXPECTED: &str = "expected an integer object id (decimal, 0x hex or 0-prefixed octal)";
    let v = if let Some(hex) = f.strip_prefix(b"0x").or_else(|| f.strip_prefix(b"0X")) {
        parse_digits(hex, 16)
    } else if f.len() > 1 && f[0] == b'0' {
        parse_digits(&f[1..], 8)
    } else {
        parse_digits(f, 10)
    };
    v.ok_or(EXPECTED)
}

fn parse_id(f: &[u8], kind: IdKind) -> Result<u64, &'static str> {
    match kind {
        IdKind::Numeric | IdKind::Auto => parse_id_numeric(f),
        IdKind::Signed => {
            let (negative, digits) = match f.first() {
                Some(b'-') => (true, &f[1..]),
                Some(b'+') => (false, &f[1..]),
                _ => (false, f),
            };
            let magnitude =
                parse_digits(digits, 10).ok_or("expected a signed decimal integer object id")?;
            let value = if negative {
                if magnitude > 1 << 63 {
                    return Err("object id below the 64-bit range");
                }
                (magnitude as i64).wrapping_neg()
            } else {
                i64::try_from(magnitude).map_err(|_| "object id above the 64-bit signed range")?
            };
            Ok(value as u64)
        }
        IdKind::Hashed => {
            if f.is_empty() {
                return Err("expected an object id, found an empty field");
            }
            Ok(splitmix64(fnv1a64(f)))
        }
    }
}

fn parse_size(f: &[u8]) -> Result<u64, &'static str> {
    if f.first() == Some(&b'-') {
        return Err("sizes cannot be negative; expected a size in bytes");
    }
    let size = parse_digits(f, 10).ok_or("expected a non-negative integer size in bytes")?;
    if size > MAX_SIZE {
        return Err("a size above 1 TiB (2^40 bytes) is not an object's; expected a size in bytes");
    }
    Ok(size)
}

/// The largest object size a text trace may give: 1 TiB, so that byte
/// counters of 64 bits hold 16 million requests of the largest size (the
/// oracleGeneral format's 32-bit sizes stay below 4 GiB anyway).
pub const MAX_SIZE: u64 = 1 << 40;

/// A non-negative time in `unit`, integer or decimal (libCacheSim reads it
/// with `atof`; edgesim keeps the fraction down to the nanosecond). Plain
/// decimals are converted exactly, so a time written with nine decimals of
/// seconds reads back to the same nanosecond; exponents go through `f64`.
fn parse_time(f: &[u8], unit: TimeUnit) -> Result<SimTime, &'static str> {
    const EXPECTED: &str = "expected a non-negative time (integer or decimal)";
    const TOO_LARGE: &str = "time too large for the simulator's clock";
    if f.first() == Some(&b'-') {
        return Err("times cannot be negative; expected a non-negative time");
    }
    if let Some(v) = parse_digits(f, 10) {
        return v
            .checked_mul(unit.nanos())
            .map(SimTime::from_nanos)
            .ok_or(TOO_LARGE);
    }
    if let Some(nanos) = parse_plain_decimal(f, unit) {
        return nanos.map(SimTime::from_nanos).ok_or(TOO_LARGE);
    }
    let ok_chars = f
        .iter()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    let value: f64 = std::str::from_utf8(f)
        .ok()
        .filter(|_| ok_chars && f.iter().any(u8::is_ascii_digit))
        .and_then(|s| s.parse().ok())
        .ok_or(EXPECTED)?;
    let nanos = value * unit.nanos() as f64;
    if !nanos.is_finite() || nanos < 0.0 || nanos >= u64::MAX as f64 {
        return Err("time out of range");
    }
    Ok(SimTime::from_nanos(nanos as u64))
}

/// `digits.digits` in `unit`, in nanoseconds (truncated below one), in
/// integer arithmetic; `None` when `f` is not of that form, `Some(None)`
/// when it overflows.
fn parse_plain_decimal(f: &[u8], unit: TimeUnit) -> Option<Option<u64>> {
    let dot = memchr::memchr(b'.', f)?;
    let (whole, fraction) = (&f[..dot], &f[dot + 1..]);
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let whole = if whole.is_empty() {
        0
    } else {
        parse_digits(whole, 10)?
    };
    if !fraction.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Digits past the 18th are below a nanosecond for every unit.
    let kept = &fraction[..fraction.len().min(18)];
    let numerator = if kept.is_empty() {
        0
    } else {
        parse_digits(kept, 10)?
    };
    let sub = numerator as u128 * unit.nanos() as u128 / 10u128.pow(kept.len() as u32);
    Some(
        whole
            .checked_mul(unit.nanos())
            .and_then(|w| w.checked_add(sub as u64)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_strtoull_base_zero() {
        assert_eq!(parse_id_numeric(b"010"), Ok(8));
        assert_eq!(parse_id_numeric(b"0x10"), Ok(16));
        assert_eq!(parse_id_numeric(b"0"), Ok(0));
        assert_eq!(parse_id_numeric(b"18446744073709551615"), Ok(u64::MAX));
        assert!(parse_id_numeric(b"18446744073709551616").is_err());
        assert!(
            parse_id_numeric(b"1.5e3").is_err(),
            "strtoull would read 1; edgesim refuses"
        );
        assert!(parse_id_numeric(b"08").is_err());
        assert!(parse_id_numeric(b"").is_err());
    }

    #[test]
    fn signed_ids_keep_their_bits() {
        assert_eq!(parse_id(b"-1", IdKind::Signed), Ok(u64::MAX));
        assert_eq!(
            parse_id(b"-9223372036854775808", IdKind::Signed),
            Ok(1 << 63)
        );
        assert!(parse_id(b"9223372036854775808", IdKind::Signed).is_err());
    }

    #[test]
    fn times_accept_decimals_and_refuse_negatives() {
        assert_eq!(
            parse_time(b"12", TimeUnit::Millis),
            Ok(SimTime::from_millis(12))
        );
        assert_eq!(
            parse_time(b"1.5", TimeUnit::Seconds),
            Ok(SimTime::from_millis(1500))
        );
        assert!(parse_time(b"-3", TimeUnit::Seconds).is_err());
        assert!(parse_time(b"abc", TimeUnit::Seconds).is_err());
        assert!(parse_time(b".", TimeUnit::Seconds).is_err());
        assert_eq!(
            parse_time(b"3600.123456789", TimeUnit::Seconds),
            Ok(SimTime::from_nanos(3_600_123_456_789))
        );
        assert_eq!(
            parse_time(b".5", TimeUnit::Millis),
            Ok(SimTime::from_nanos(500_000))
        );
        assert_eq!(
            parse_time(b"7.", TimeUnit::Seconds),
            Ok(SimTime::from_secs(7))
        );
        assert_eq!(
            parse_time(b"1.5e3", TimeUnit::Seconds),
            Ok(SimTime::from_secs(1500))
        );
    }

    #[test]
    fn the_fast_path_agrees_with_the_general_parser() {
        let alphabet = b"0123456789,,,--x\" .";
        let mut x = 5u64;
        let mut fields = Vec::new();
        let mut accepted = 0;
        for (time, id, size, kind) in [
            (Some(0), 1, Some(2), IdKind::Numeric),
            (Some(2), 0, None, IdKind::Signed),
            (None, 3, Some(1), IdKind::Numeric),
        ] {
            let layout = Layout {
                delimiter: Delimiter::Byte(b','),
                time,
                id,
                size,
                region: None,
                client: None,
                id_kind: kind,
                min_fields: 1 + [time, Some(id), size].into_iter().flatten().max().unwrap(),
            };
            for _ in 0..100_000 {
                x = splitmix64(x);
                let len = (x % 14) as usize;
                let line: Vec<u8> = (0..len)
                    .map(|i| alphabet[((x >> (4 * i)) % alphabet.len() as u64) as usize])
                    .collect();
                if let Some(fast) = parse_plain(&line, &layout, TimeUnit::Millis) {
                    accepted += 1;
                    let slow = parse_line(&line, &layout, TimeUnit::Millis, &mut fields);
                    assert_eq!(
                        Ok(fast),
                        slow.map_err(|e| e.message),
                        "{:?}",
                        String::from_utf8_lossy(&line)
                    );
                }
            }
        }
        assert!(accepted > 1000, "the fast path took only {accepted} lines");
    }

    #[test]
    fn delimiters_are_detected() {
        assert_eq!(detect_delimiter(b"1,2,3"), Delimiter::Byte(b','));
        assert_eq!(detect_delimiter(b"1\t2\t3"), Delimiter::Byte(b'\t'));
        assert_eq!(detect_delimiter(b"1 2 3"), Delimiter::Whitespace);
    }
}
