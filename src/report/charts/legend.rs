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
fn table_fields(value: &str) -> Option<Vec<String>> {
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
