//! From a `[[plot]]` entry and the tables to chart descriptions: the
//! dispatch to each kind (`latency`, `sweep`, `series`), and the numbering,
//! titles and file names of the charts built. What the kinds share is in
//! `shared`.

use super::{Chart, latency, series, sweep};
use crate::report::tables::Tables;
use crate::study::plotspec::{PlotKind, PlotSpec};

/// Builds the chart(s) of `spec`, numbered `number` in the report; `Err`
/// says why it cannot be drawn from these tables.
pub fn build(tables: &Tables, spec: &PlotSpec, number: usize) -> Result<Vec<Chart>, String> {
    let mut charts = match spec.kind {
        PlotKind::Cdf | PlotKind::Ccdf => vec![latency::distribution(tables, spec)?],
        PlotKind::Percentiles => vec![sweep::percentiles(tables, spec)?],
        PlotKind::Line => vec![sweep::line(tables, spec)?],
        PlotKind::Heatmap => vec![sweep::heatmap(tables, spec)?],
        PlotKind::Timeseries => series::timeseries(tables, spec)?,
    };
    let many = charts.len() > 1;
    for (i, chart) in charts.iter_mut().enumerate() {
        let stem = sanitize(&chart.file_stem);
        chart.file_stem = if many {
            format!("{number:02}{}-{stem}", (b'a' + (i % 26) as u8) as char)
        } else {
            format!("{number:02}-{stem}")
        };
        if let Some(title) = &spec.title {
            chart.title = if many {
                format!("{title} ({})", chart.title)
            } else {
                title.clone()
            };
        }
        chart.png |= spec.png || tables.study.png;
    }
    Ok(charts)
}

/// A file-name-safe version of `text`.
fn sanitize(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    if s.is_empty() { "chart".into() } else { s }
}
