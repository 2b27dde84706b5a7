//! Errors and the exit codes they map to.
//!
//! Bad input (a file that does not parse, a key with a wrong value, a corrupt
//! trace) is an [`InputError`]: it names where the problem is (file, line,
//! column or byte offset, key) and what was expected, and the CLI exits with 2.
//! A failure while running (a model invariant broken, an output file that
//! cannot be written) exits with 1.

use std::fmt;
use std::ops::Range;
use std::path::Path;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code when a run or a validation check failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code for bad input.
pub const EXIT_BAD_INPUT: i32 = 2;

/// Any error edgesim reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] Box<InputError>),
    #[error("{0}")]
    Run(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => EXIT_BAD_INPUT,
            Error::Run(_) | Error::Io { .. } => EXIT_FAILED,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Error {
        Error::Input(Box::new(e))
    }
}

/// Bad input, with where it is and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file (as the user named it), or "--set", or "command line".
    pub origin: String,
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// 1-based column, where known.
    pub column: Option<usize>,
    /// Byte offset into a binary input, where known.
    pub offset: Option<u64>,
    /// The dotted key path the problem is at, where known (e.g. `queue.servers`).
    pub key: Option<String>,
    /// What was wrong and what was expected.
    pub message: String,
    /// The source text and the byte range to underline, for a pointed report.
    pub snippet: Option<(String, Range<usize>)>,
}

impl InputError {
    /// An error about `origin` (a path, "--set" or "command line").
    pub fn new(origin: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError {
            origin: origin.into(),
            line: None,
            column: None,
            offset: None,
            key: None,
            message: message.into(),
            snippet: None,
        }
    }

    /// An error about a file.
    pub fn file(path: &Path, message: impl Into<String>) -> InputError {
        InputError::new(path.display().to_string(), message)
    }

    pub fn at_line(mut self, line: usize) -> InputError {
        self.line = Some(line);
        self
    }

    pub fn at(mut self, line: usize, column: usize) -> InputError {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    pub fn at_offset(mut self, offset: u64) -> InputError {
        self.offset = Some(offset);
        self
    }

    pub fn with_key(mut self, key: impl Into<String>) -> InputError {
        self.key = Some(key.into());
        self
    }

    /// Attaches the source text and the span to underline; also sets line and
    /// column from the span's start.
    pub fn with_snippet(mut self, source: &str, span: Range<usize>) -> InputError {
        let (line, column) = line_column(source, span.start);
        self.line = Some(line);
        self.column = Some(column);
        self.snippet = Some((source.to_string(), span));
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(offset) = self.offset {
            write!(f, ": byte offset {offset}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// The 1-based line and column (in characters) of a byte offset.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Reads all of `path` if it holds at most `limit` bytes; `Ok(None)` if it
/// holds more. The bound is on the bytes actually read (at most `limit + 1`),
/// not on the length the file system reports: a device such as `/dev/zero`
/// reports 0 and never ends.
pub fn read_limited(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// [`read_limited`] as UTF-8 text, with a message for each way it fails:
/// `what` names the file ("world file"), `limit_text` the bound ("64 MiB").
pub fn read_text_limited(
    path: &Path,
    limit: u64,
    what: &str,
    limit_text: &str,
) -> Result<String, String> {
    match read_limited(path, limit) {
        Err(e) => Err(format!("cannot read the {what}: {e}")),
        Ok(None) => Err(format!(
            "the {what} is larger than {limit_text} (or never ends); that is not a {what}"
        )),
        Ok(Some(bytes)) => String::from_utf8(bytes)
            .map_err(|e| format!("cannot read the {what}: not UTF-8 text ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_every_known_place() {
        let e = InputError::new("x.toml", "expected a number")
            .at(3, 7)
            .with_key("queue.servers");
        assert_eq!(
            e.to_string(),
            "x.toml:3:7: key `queue.servers`: expected a number"
        );
        let e = InputError::new("t.bin", "truncated record").at_offset(48);
        assert_eq!(e.to_string(), "t.bin: byte offset 48: truncated record");
    }

    #[test]
    fn line_column_counts_from_one() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 9), (2, 4));
    }
}
