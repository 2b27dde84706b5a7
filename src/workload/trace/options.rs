//! How to read a trace, as a person writes it: the `edgesim replay` flags
//! (`--time-col 2`, `--delimiter tab`) and the same keys under
//! `[cdn.workload]` (`time_col = 2`, `delimiter = "tab"`), turned into a
//! [`TraceFormat`] in one place so both accept the same values.

use std::path::Path;

use super::text::{Column, Delimiter, Header, IdKind, TextOptions};
use super::{FORMAT_NAMES, TimeUnit, TraceFormat};

/// Every option is optional; `None` keeps the format's default. Keys are
/// the field names (`time_col`); the command line spells them `--time-col`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceOptions {
    /// csv, tsv, txt, oracleGeneral, wiki2019, webcachesim; default: from the file name.
    pub format: Option<String>,
    /// s, ms, us, ns.
    pub time_unit: Option<String>,
    /// Text traces: 1-based column numbers or header names; "none" for no
    /// time or no size column.
    pub time_col: Option<String>,
    pub id_col: Option<String>,
    pub size_col: Option<String>,
    pub region_col: Option<String>,
    pub client_col: Option<String>,
    /// A character, "tab", "space" (runs of blanks) or "auto".
    pub delimiter: Option<String>,
    /// yes, no, auto.
    pub header: Option<String>,
    /// auto, numeric, signed, hash.
    pub id_kind: Option<String>,
}

/// A bad option: its key and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionError {
    pub key: &'static str,
    pub message: String,
}

fn bad(key: &'static str, message: impl Into<String>) -> OptionError {
    OptionError {
        key,
        message: message.into(),
    }
}

impl TraceOptions {
    /// The format of the trace at `path`: `format`, else the file name's,
    /// with the text options applied.
    pub fn format(&self, path: &Path) -> Result<TraceFormat, OptionError> {
        let mut format = match &self.format {
            Some(name) => TraceFormat::by_name(name).ok_or_else(|| {
                bad(
                    "format",
                    format!("unknown format \"{name}\"; expected one of {FORMAT_NAMES}"),
                )
            })?,
            None => TraceFormat::from_path(path).ok_or_else(|| {
                bad(
                    "format",
                    format!(
                        "cannot tell the format of {} from its name; give the format ({FORMAT_NAMES})",
                        path.display()
                    ),
                )
            })?,
        };
        let time_unit = self.time_unit()?;
        match &mut format {
            TraceFormat::Text(options) => self.apply_text(options, time_unit)?,
            TraceFormat::OracleGeneral => self.refuse_text_options()?,
        }
        Ok(format)
    }

    /// The unit of the trace's times (seconds unless given).
    pub fn time_unit(&self) -> Result<TimeUnit, OptionError> {
        match &self.time_unit {
            Some(text) => text.parse().map_err(|m: String| bad("time_unit", m)),
            None => Ok(TimeUnit::Seconds),
        }
    }

    fn refuse_text_options(&self) -> Result<(), OptionError> {
        let text_only = [
            ("time_col", &self.time_col),
            ("id_col", &self.id_col),
            ("size_col", &self.size_col),
            ("region_col", &self.region_col),
            ("client_col", &self.client_col),
            ("delimiter", &self.delimiter),
            ("header", &self.header),
            ("id_kind", &self.id_kind),
        ];
        if let Some((key, _)) = text_only.iter().find(|(_, v)| v.is_some()) {
            return Err(bad(
                key,
                "oracleGeneral records have fixed fields (time, id, size); column, delimiter, header and id options apply to text traces only",
            ));
        }
        Ok(())
    }

    fn apply_text(&self, options: &mut TextOptions, unit: TimeUnit) -> Result<(), OptionError> {
        options.time_unit = unit;
        if let Some(c) = &self.time_col {
            options.time = column("time_col", c)?;
        }
        if let Some(c) = &self.id_col {
            options.id = column("id_col", c)?
                .ok_or_else(|| bad("id_col", "every trace needs an id column"))?;
        }
        if let Some(c) = &self.size_col {
            options.size = column("size_col", c)?;
        }
        if let Some(c) = &self.region_col {
            options.region = column("region_col", c)?;
        }
        if let Some(c) = &self.client_col {
            options.client = column("client_col", c)?;
        }
        if let Some(d) = &self.delimiter {
            options.delimiter = delimiter(d)?;
        }
        if let Some(h) = &self.header {
            options.header = header(h)?;
        }
        if let Some(k) = &self.id_kind {
            options.id_kind = id_kind(k)?;
        }
        Ok(())
    }
}

fn column(key: &'static str, text: &str) -> Result<Option<Column>, OptionError> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    match t.parse::<usize>() {
        Ok(0) => Err(bad(key, "columns are numbered from 1")),
        Ok(i) => Ok(Some(Column::Index(i))),
        Err(_) if !t.is_empty() => Ok(Some(Column::Name(t.to_string()))),
        Err(_) => Err(bad(
            key,
            "expected a 1-based column number or a header name",
        )),
    }
}

fn delimiter(text: &str) -> Result<Delimiter, OptionError> {
    Ok(match text {
        "auto" => Delimiter::Auto,
        "tab" | "\\t" | "\t" => Delimiter::Byte(b'\t'),
        "space" | "whitespace" | " " => Delimiter::Whitespace,
        t if t.len() == 1 => Delimiter::Byte(t.as_bytes()[0]),
        t => {
            return Err(bad(
                "delimiter",
                format!("\"{t}\": expected one character, \"tab\", \"space\" or \"auto\""),
            ));
        }
    })
}

fn header(text: &str) -> Result<Header, OptionError> {
    Ok(match text {
        "yes" | "true" => Header::Present,
        "no" | "false" => Header::Absent,
        "auto" => Header::Auto,
        other => {
            return Err(bad(
                "header",
                format!("\"{other}\": expected yes, no or auto"),
            ));
        }
    })
}

fn id_kind(text: &str) -> Result<IdKind, OptionError> {
    Ok(match text {
        "auto" => IdKind::Auto,
        "numeric" | "num" => IdKind::Numeric,
        "signed" => IdKind::Signed,
        "hash" | "hashed" | "string" => IdKind::Hashed,
        other => {
            return Err(bad(
                "id_kind",
                format!("\"{other}\": expected auto, numeric, signed or hash"),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_apply_to_text_formats_and_are_refused_for_binary() {
        let options = TraceOptions {
            region_col: Some("region".into()),
            client_col: Some("4".into()),
            delimiter: Some("tab".into()),
            time_unit: Some("ms".into()),
            ..TraceOptions::default()
        };
        let TraceFormat::Text(text) = options.format(Path::new("t.csv")).unwrap() else {
            panic!("a csv file is text");
        };
        assert_eq!(text.region, Some(Column::Name("region".into())));
        assert_eq!(text.client, Some(Column::Index(4)));
        assert_eq!(text.delimiter, Delimiter::Byte(b'\t'));
        assert_eq!(text.time_unit, TimeUnit::Millis);
        let err = options.format(Path::new("t.oracleGeneral")).unwrap_err();
        assert_eq!(err.key, "region_col");
        let err = TraceOptions::default()
            .format(Path::new("t.bin"))
            .unwrap_err();
        assert_eq!(err.key, "format");
        let zero = TraceOptions {
            time_col: Some("0".into()),
            ..TraceOptions::default()
        };
        assert_eq!(zero.format(Path::new("t.csv")).unwrap_err().key, "time_col");
    }
}
