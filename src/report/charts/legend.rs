//! Legend entries made of what varies between the lines of one chart: the
//! swept parameters whose values differ between its points (the others
//! are the same for every line, so they say nothing), and, when those are
//! still too long for the legend column, the parameter names once in a
//! heading above values-only entries. No two entries of a chart read the
//! same.

use super::shared::{point_label, short_names, shorten_middle};
use crate::study::Study;

/// Labels of the lines of `points` (one chart): `name=value` of only the
/// swept parameters that differ between them, joined by ", "; inline-table
/// values (`{ cores = 2, count = 64 }`) reduced to their differing fields.
/// One point, or points that differ in nothing: their whole labels.
pub fn point_labels(study: &Study, points: &[usize]) -> Vec<String> {
    let names = short_names(&study.sweep_paths);
    let value = |p: usize, i: usize| -> String {
        study
            .point_values
            .get(p)
            .and_then(|v| v.get(i))
            .cloned()
            .unwrap_or_default()
    };
    let first = points.first().copied().unwrap_or(0);
    let varying: Vec<usize> = (0..names.len())
        .filter(|&i| points.iter().any(|&p| value(p, i) != value(first, i)))
        .collect();
    if points.len() < 2 || varying.is_empty() {
        return points.iter().map(|&p| point_label(study, p)).collect();
    }
    let alone = varying.len() == 1;
    let columns: Vec<Vec<String>> = varying
        .iter()
        .map(|&i| {
            let values: Vec<String> = points.iter().map(|&p| value(p, i)).collect();
            match differing_fields(&values) {
                Some(fields) if alone => fields,
                Some(fields) => fields.into_iter().map(|f| format!("{{{f}}}")).collect(),
                None => values,
            }
        })
        .collect();
    (0..points.len())
        .map(|j| {
            if alone && columns[0][j].contains('=') {
                return columns[0][j].clone();
            }
            varying
                .iter()
                .zip(&columns)
                .map(|(&i, column)| format!("{}={}", names[i], column[j]))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect()
}

/// The fields of inline-table values that are not the same in all of
/// them, as "a=1, b=x" per value; `None` unless every value is a table.
fn differing_fields(values: &[String]) -> Option<Vec<String>> {
    let fields: Vec<Vec<String>> = values
        .iter()
        .map(|v| table_fields(v))
        .collect::<Option<_>>()?;
    let common = |f: &String| fields.iter().all(|other| other.contains(f));
    Some(
        fields
            .iter()
            .map(|f| {
                f.iter()
                    .filter(|x| !common(x))
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect(),
    )
}

/// `{ a = 1, b = "x" }` as ["a=1", "b=x"]; `None` for other text.
pub(crate) fn table_fields(value: &str) -> Option<Vec<String>> {
    let inner = value.trim().strip_prefix('{')?.strip_suffix('}')?;
    Some(
        inner
            .split(',')
            .map(|f| f.replace([' ', '"'], ""))
            .filter(|f| !f.is_empty())
            .collect(),
    )
}

/// What the legend column shows for `labels`: a heading (the parameter
/// names, when the entries would not fit in `most` characters with them)
/// and one entry per label, each at most `most` characters and no two the
/// same.
pub fn legend_entries(labels: &[String], most: usize) -> (Option<String>, Vec<String>) {
    let fits = labels.iter().all(|l| l.chars().count() <= most);
    let (heading, entries) = match named_values(labels) {
        Some((names, values)) if !fits => (Some(names.join(", ")), values),
        _ => (None, labels.to_vec()),
    };
    let mut shown: Vec<String> = entries.iter().map(|l| shorten_middle(l, most)).collect();
    let distinct = |v: &[String]| (0..v.len()).all(|i| !v[..i].contains(&v[i]));
    if !distinct(&shown) {
        shown = entries
            .iter()
            .enumerate()
            .map(|(i, l)| shorten_middle(&format!("{}: {l}", i + 1), most))
            .collect();
    }
    (heading.map(|h| shorten_middle(&h, most + 4)), shown)
}

/// A legend column: its width (px of the 880 px chart), the heading's
/// lines and each entry's lines.
#[derive(Clone, Debug, PartialEq)]
pub struct Legend {
    pub width: i32,
    /// Characters in one line of the column.
    pub chars: usize,
    pub heading: Vec<String>,
    pub entries: Vec<Vec<String>>,
}

/// The columns tried, narrowest first: (width px, characters a line, lines
/// an entry). 12 px DejaVu Sans averages about 7 px a character; the
/// column holds a 28 px key before the text.
const COLUMNS: [(i32, usize, usize); 4] = [(250, 26, 1), (250, 26, 2), (380, 44, 2), (380, 44, 3)];
/// Height the entries and the heading may take, px: the plot's height less
/// room for a band note and two rule entries.
const ROOM_PX: usize = 350;
/// Line step within an entry and between entries, px.
pub const LINE_PX: i32 = 15;
pub const ENTRY_PX: i32 = 20;

/// The legend of lines labelled `labels`: whole words only, each entry on
/// one line of the usual column if they all fit, else wrapped onto two or
/// three lines, in a wider column when the usual one is too narrow; only
/// when nothing fits (a word longer than a line, or too many lines for the
/// plot's height) are entries shortened in the middle, as before.
pub fn layout(labels: &[String]) -> Legend {
    for (width, chars, lines) in COLUMNS {
        if let Some((heading, entries)) = wrapped(labels, chars, lines) {
            return Legend {
                width,
                chars,
                heading,
                entries,
            };
        }
    }
    let (width, chars, _) = COLUMNS[0];
    let (heading, entries) = legend_entries(labels, chars);
    Legend {
        width,
        chars,
        heading: heading.into_iter().collect(),
        entries: entries.into_iter().map(|e| vec![e]).collect(),
    }
}

type Wrapped = (Vec<String>, Vec<Vec<String>>);

/// The heading's and entries' lines in `chars` a line, each entry in at
/// most `lines`; `None` when they do not fit or two entries read the same.
fn wrapped(labels: &[String], chars: usize, lines: usize) -> Option<Wrapped> {
    let fits = labels.iter().all(|l| l.chars().count() <= chars);
    let (heading, entries) = match named_values(labels) {
        Some((names, values)) if !fits => (Some(names.join(", ")), values),
        _ => (None, labels.to_vec()),
    };
    if (0..entries.len()).any(|i| entries[..i].contains(&entries[i])) {
        return None;
    }
    let entries: Vec<Vec<String>> = entries
        .iter()
        .map(|e| wrap(e, chars))
        .collect::<Option<_>>()?;
    let heading = match heading {
        Some(h) => wrap(&h, chars + 4)?,
        None => Vec::new(),
    };
    let height: usize = heading.len() * ENTRY_PX as usize
        + entries
            .iter()
            .map(|e| ENTRY_PX as usize + (e.len() - 1) * LINE_PX as usize)
            .sum::<usize>();
    let fit = entries.iter().all(|e| e.len() <= lines) && (lines == 1 || height <= ROOM_PX);
    fit.then_some((heading, entries))
}

/// `text` in lines of at most `chars` characters, broken at spaces, and a
/// word longer than a line after its `=` (else also after `_` or `/`);
/// `None` when a part is still longer than a line.
pub fn wrap(text: &str, chars: usize) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let parts = if word.chars().count() <= chars {
            vec![word.to_string()]
        } else {
            split_word(word, chars)?
        };
        for (i, part) in parts.iter().enumerate() {
            let gap = usize::from(i == 0 && !current.is_empty());
            if !current.is_empty() && current.chars().count() + gap + part.chars().count() > chars {
                lines.push(std::mem::take(&mut current));
            } else if gap == 1 {
                current.push(' ');
            }
            current.push_str(part);
        }
    }
    lines.push(current);
    Some(lines)
}

/// `word` cut after each `=` (else also after each `_` and `/`) into parts
/// of at most `chars` characters; `None` when one is longer.
fn split_word(word: &str, chars: usize) -> Option<Vec<String>> {
    [&['='][..], &['=', '_', '/'][..]]
        .iter()
        .find_map(|breaks| {
            let mut parts = Vec::new();
            let mut current = String::new();
            for c in word.chars() {
                current.push(c);
                if breaks.contains(&c) {
                    parts.push(std::mem::take(&mut current));
                }
            }
            if !current.is_empty() {
                parts.push(current);
            }
            parts
                .iter()
                .all(|p| p.chars().count() <= chars)
                .then_some(parts)
        })
}

/// Labels that all read `a=1, b=2` with the same names in the same order,
/// as (the names, each label's values "1, 2"); `None` otherwise.
fn named_values(labels: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    if labels.len() < 2 {
        return None;
    }
    let mut names: Option<Vec<String>> = None;
    let mut values = Vec::with_capacity(labels.len());
    for label in labels {
        let pairs: Vec<(String, String)> = top_level_parts(label)
            .iter()
            .map(|part| {
                part.split_once('=')
                    .map(|(n, v)| (n.to_string(), v.to_string()))
            })
            .collect::<Option<_>>()?;
        let these: Vec<String> = pairs.iter().map(|p| p.0.clone()).collect();
        if names.get_or_insert_with(|| these.clone()) != &these {
            return None;
        }
        values.push(
            pairs
                .iter()
                .map(|p| p.1.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    Some((names?, values))
}

/// `text` split at ", " outside braces and brackets.
fn top_level_parts(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            ',' if depth == 0 && chars.peek() == Some(&' ') => {
                chars.next();
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_parameter_study() -> Study {
        let mut s = crate::study::tests::study();
        s.sweep_paths = vec![
            "cdn.request_rate".into(),
            "cdn.overload.max_forwards".into(),
        ];
        s.point_values = vec![
            vec!["1.6k/s".into(), "0".into()],
            vec!["1.6k/s".into(), "1".into()],
            vec!["2.4k/s".into(), "0".into()],
            vec!["2.4k/s".into(), "1".into()],
        ];
        s
    }

    #[test]
    fn labels_name_only_the_parameters_that_vary() {
        let s = two_parameter_study();
        assert_eq!(
            point_labels(&s, &[0, 1]),
            vec!["max_forwards=0", "max_forwards=1"]
        );
        assert_eq!(
            point_labels(&s, &[0, 2]),
            vec!["request_rate=1.6k/s", "request_rate=2.4k/s"]
        );
        assert_eq!(
            point_labels(&s, &[3]),
            vec!["request_rate=2.4k/s, max_forwards=1"]
        );
        let all = point_labels(&s, &[0, 1, 2, 3]);
        assert_eq!(all[1], "request_rate=1.6k/s, max_forwards=1");
    }

    #[test]
    fn long_entries_put_the_names_in_a_heading_and_never_repeat() {
        let s = two_parameter_study();
        let labels = point_labels(&s, &[0, 1, 2, 3]);
        let (heading, entries) = legend_entries(&labels, 26);
        assert_eq!(heading.as_deref(), Some("request_rate, max_forwards"));
        assert_eq!(
            entries,
            vec!["1.6k/s, 0", "1.6k/s, 1", "2.4k/s, 0", "2.4k/s, 1"]
        );
        let (heading, entries) = legend_entries(&point_labels(&s, &[0, 1]), 26);
        assert_eq!(heading, None);
        assert_eq!(entries, vec!["max_forwards=0", "max_forwards=1"]);
        // Labels of other shapes are shortened, and numbered if they collide.
        let long: Vec<String> = (0..3)
            .map(|i| format!("a {i} very long label that only differs early on"))
            .collect();
        let (heading, entries) = legend_entries(&long, 20);
        assert_eq!(heading, None);
        for (i, e) in entries.iter().enumerate() {
            assert!(e.chars().count() <= 20, "{e}");
            assert!(!entries[..i].contains(e), "{e} twice in {entries:?}");
        }
    }

    #[test]
    fn long_entries_wrap_at_spaces_in_a_wider_column_instead_of_being_cut() {
        let mut s = crate::study::tests::study();
        s.sweep_paths = vec!["push.gateways".into(), "push.reconnect.backoff".into()];
        let backoffs = [
            "{ policy = \"immediate\" }",
            "{ policy = \"full-jitter\", base = \"1s\", cap = \"60s\" }",
        ];
        s.point_values = [(64, 2, 8), (16, 8, 32), (4, 32, 128), (2, 64, 256)]
            .iter()
            .flat_map(|(n, c, m)| {
                let g = format!("{{ count = {n}, cores = {c}, memory = \"{m}GiB\" }}");
                backoffs.map(|b| vec![g.clone(), b.to_string()])
            })
            .collect();
        let points: Vec<usize> = (0..8).collect();
        let legend = layout(&point_labels(&s, &points));
        assert_eq!(legend.width, 380);
        assert_eq!(legend.heading, vec!["gateways, backoff"]);
        assert_eq!(
            legend.entries[1],
            vec![
                "{count=64, cores=2, memory=8GiB},",
                "{policy=full-jitter, base=1s, cap=60s}"
            ]
        );
        for entry in &legend.entries {
            for line in entry {
                assert!(!line.contains('…') && line.chars().count() <= legend.chars);
            }
        }
        // Shorter entries keep the usual column, on two lines where needed.
        let short = layout(&point_labels(&s, &[0, 1]));
        assert_eq!(short.width, 250);
        assert_eq!(short.entries[0], vec!["policy=immediate"]);
        assert_eq!(
            short.entries[1],
            vec!["policy=full-jitter,", "base=1s, cap=60s"]
        );
        assert_eq!(wrap("a-very-long-word", 5), None);
        assert_eq!(
            wrap("io_model=thread_per_connection", 26).unwrap(),
            vec!["io_model=", "thread_per_connection"]
        );
    }

    #[test]
    fn inline_tables_keep_their_differing_fields() {
        let mut s = crate::study::tests::study();
        s.sweep_paths = vec!["push.gateways".into(), "run.seed".into()];
        s.point_values = [2, 8]
            .iter()
            .flat_map(|c| {
                let table = format!("{{ cores = {c}, count = {}, memory = \"8GiB\" }}", 128 / c);
                [vec![table.clone(), "1".into()], vec![table, "2".into()]]
            })
            .collect();
        assert_eq!(
            point_labels(&s, &[0, 2]),
            vec!["cores=2, count=64", "cores=8, count=16"]
        );
        let both = point_labels(&s, &[0, 1, 2, 3]);
        assert_eq!(both[3], "gateways={cores=8, count=16}, seed=2");
        let (heading, entries) = legend_entries(&both, 26);
        assert_eq!(heading.as_deref(), Some("gateways, seed"));
        assert_eq!(entries[3], "{cores=8, count=16}, 2");
    }
}
