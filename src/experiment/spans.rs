//! Finds where a key path is written in the experiment file, so that every
//! error can name the line and column (and underline the text).

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::path::{KeyPath, Segment};

/// The parsed file with spans, for looking key paths up.
pub struct SpanIndex<'a> {
    root: toml::Spanned<DeTable<'a>>,
}

impl<'a> SpanIndex<'a> {
    /// Parses `source`; a syntax error comes back with its span.
    pub fn parse(source: &'a str) -> Result<SpanIndex<'a>, toml::de::Error> {
        Ok(SpanIndex {
            root: DeTable::parse(source)?,
        })
    }

    /// The span of the deepest part of `path` that is written in the file:
    /// the value of the key itself when present, otherwise its nearest
    /// written ancestor's key (e.g. the `[run]` header for a missing
    /// `run.duration`). `None` when not even the first key is written.
    pub fn locate(&self, path: &KeyPath) -> Option<Range<usize>> {
        self.find(path, false)
    }

    /// Like [`locate`](Self::locate), but the span of the last key itself
    /// (not its value) when it is written: where an unknown key is.
    pub fn locate_key(&self, path: &KeyPath) -> Option<Range<usize>> {
        self.find(path, true)
    }

    fn find(&self, path: &KeyPath, last_key: bool) -> Option<Range<usize>> {
        let last = path.0.len().saturating_sub(1);
        let mut table: &DeTable<'a> = self.root.get_ref();
        let mut best: Option<Range<usize>> = None;
        let mut current: Option<&toml::Spanned<DeValue<'a>>> = None;
        for (i, seg) in path.0.iter().enumerate() {
            let on_key = last_key && i == last;
            let next = match (seg, current.map(|v| v.get_ref())) {
                (Segment::Key(k), None) => lookup(table, k, on_key),
                (Segment::Key(k), Some(DeValue::Table(t))) => lookup(t, k, on_key),
                (Segment::Index(i), Some(DeValue::Array(a))) => a.get(*i).map(|v| (v.span(), v)),
                _ => None,
            };
            let Some((span, value)) = next else { break };
            best = Some(span);
            current = Some(value);
            if let DeValue::Table(t) = value.get_ref() {
                table = t;
            }
        }
        best
    }
}

/// The span to show for key `key` in `table` (the key for tables, or when
/// `on_key`; the value otherwise) and the value.
fn lookup<'t, 'a>(
    table: &'t DeTable<'a>,
    key: &str,
    on_key: bool,
) -> Option<(Range<usize>, &'t toml::Spanned<DeValue<'a>>)> {
    table
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(k, v)| {
            let span = match v.get_ref() {
                _ if on_key => k.span(),
                DeValue::Table(_) => k.span(),
                DeValue::Array(a)
                    if a.iter().all(|x| matches!(x.get_ref(), DeValue::Table(_)))
                        && !a.is_empty() =>
                {
                    k.span()
                }
                _ => v.span(),
            };
            (span, v)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::line_column;

    #[test]
    fn finds_nested_keys_and_array_items() {
        let src = "name = \"x\"\n[run]\nseed = 3\n[[sweep.param]]\npath = \"a\"\n[[sweep.param]]\npath = \"b\"\nvalues = [1, 2]\n";
        let idx = SpanIndex::parse(src).unwrap();
        let at = |p: &str| {
            let span = idx.locate(&KeyPath::parse(p).unwrap()).unwrap();
            line_column(src, span.start).0
        };
        assert_eq!(at("name"), 1);
        assert_eq!(at("run.seed"), 3);
        assert_eq!(at("run.duration"), 2);
        assert_eq!(at("sweep.param[1].values"), 8);
        assert_eq!(at("sweep.param[1].values[1]"), 8);
        let key = idx
            .locate_key(&KeyPath::parse("run.seed").unwrap())
            .unwrap();
        assert_eq!(&src[key], "seed");
        assert!(
            idx.locate(&KeyPath::parse("nothing.here").unwrap())
                .is_none()
        );
    }
}
