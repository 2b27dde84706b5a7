//! The answer, first in the report: the headline metrics (`[output]
//! headline`, or the model's) per point with their 95% confidence
//! intervals, the SLO verdict of each point when the experiment has
//! `[[output.slo]]`, and the winner: the point best by the first headline
//! metric among those that meet every SLO, with a word on whether the
//! runner-up is within noise of it. Read from the tables alone.

use std::fmt::Write;

use super::charts::format_significant;
use super::charts::format_value;
use super::charts::shared::{point_label, short_names};
use super::html::escape;
use super::tables::{SummaryRow, Tables};

/// The headline metrics this run wrote, in the experiment's order.
pub fn headline_metrics(tables: &Tables) -> Vec<String> {
    tables
        .study
        .headline
        .iter()
        .filter(|m| tables.summary.contains_key(*m))
        .cloned()
        .collect()
}

/// A warning per headline metric the run did not write, with the nearest
/// names it did.
pub fn headline_warnings(tables: &Tables) -> Vec<String> {
    let all = tables.summary_metrics();
    tables
        .study
        .headline
        .iter()
        .filter(|m| !tables.summary.contains_key(*m))
        .map(|m| {
            crate::suggest::with_hint(
                format!("output.headline: no metric `{m}` in summary.csv"),
                m,
                all.iter().map(String::as_str),
            )
        })
        .collect()
}

/// Whether `point` meets every SLO (`None` without SLOs): a metric
/// without a value fails.
pub fn meets_slos(tables: &Tables, point: usize) -> Option<bool> {
    let slos = &tables.study.slo;
    if slos.is_empty() {
        return None;
    }
    Some(slos.iter().all(|s| {
        tables
            .at(&s.metric, point)
            .map(SummaryRow::value)
            .is_some_and(|v| v.is_finite() && s.met_by(v))
    }))
}

/// The best point by the first headline metric among those that meet
/// every SLO, and the runner-up.
#[derive(Clone, Debug, PartialEq)]
pub struct Winner {
    pub metric: String,
    pub best: usize,
    pub runner_up: Option<usize>,
    /// The two points' 95% intervals overlap: the order may be noise.
    pub overlaps: bool,
}

/// The winner, when there are two or more points and one qualifies.
pub fn winner(tables: &Tables) -> Option<Winner> {
    let points = tables.study.point_values.len();
    let metric = headline_metrics(tables).into_iter().next()?;
    if points < 2 {
        return None;
    }
    let better = tables.study.better;
    let mut ranked: Vec<(usize, f64)> = (0..points)
        .filter(|&p| meets_slos(tables, p) != Some(false))
        .filter_map(|p| tables.at(&metric, p).map(|r| (p, r.value())))
        .filter(|(_, v)| v.is_finite())
        .collect();
    // Stable: ties keep point order.
    ranked.sort_by(|a, b| {
        if better.prefers(a.1, b.1) {
            std::cmp::Ordering::Less
        } else if better.prefers(b.1, a.1) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
    let best = ranked.first()?.0;
    let runner_up = ranked.get(1).map(|r| r.0);
    let band = |p: usize| tables.at(&metric, p).and_then(SummaryRow::band);
    let overlaps = runner_up.is_some_and(|r| match (band(best), band(r)) {
        (Some((lo_a, hi_a)), Some((lo_b, hi_b))) => lo_a <= hi_b && lo_b <= hi_a,
        _ => false,
    });
    Some(Winner {
        metric,
        best,
        runner_up,
        overlaps,
    })
}

/// "12.3 ± 0.4" in a cell, the winner's in bold; a narrow column puts the
/// interval under the value, never its sign apart from its number.
pub(super) fn cell(row: Option<&SummaryRow>, bold: bool) -> String {
    let Some(r) = row else {
        return "<td>–</td>".into();
    };
    let ci = if r.n >= 2 && r.ci95.is_finite() {
        format!(
            " <span class=\"ci\">±&nbsp;{}</span>",
            format_significant(r.ci95, 2)
        )
    } else {
        String::new()
    };
    let value = format_value(r.value());
    if bold {
        format!("<td><b>{value}</b>{ci}</td>")
    } else {
        format!("<td><span class=\"n\">{value}</span>{ci}</td>")
    }
}

/// The answer section: the headline table, then the winner's sentence.
pub fn section(page: &mut String, tables: &Tables) {
    let metrics = headline_metrics(tables);
    if metrics.is_empty() {
        return;
    }
    let study = &tables.study;
    let winner = winner(tables);
    page.push_str("<h2 id=\"answer\">Answer</h2>\n<div class=\"wide\"><table class=\"headline\">\n<tr><th>point</th>");
    for p in &study.sweep_paths {
        let _ = write!(page, "<th class=\"l\">{}</th>", super::html::heading(p));
    }
    for m in &metrics {
        let _ = write!(page, "<th>{}</th>", super::html::heading(m));
    }
    if !study.slo.is_empty() {
        page.push_str("<th>SLOs</th>");
    }
    page.push_str("</tr>\n");
    for point in 0..study.point_values.len() {
        let best = winner.as_ref().is_some_and(|w| w.best == point);
        let _ = write!(page, "<tr><td>{point}</td>");
        for v in super::html::compact_values(study, point) {
            let _ = write!(page, "<td class=\"l\">{}</td>", escape(&v));
        }
        for m in &metrics {
            page.push_str(&cell(tables.at(m, point), best && m == &metrics[0]));
        }
        match meets_slos(tables, point) {
            Some(true) => page.push_str("<td><span class=\"pass\">pass</span></td>"),
            Some(false) => page.push_str("<td><span class=\"fail\">FAIL</span></td>"),
            None => {}
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table></div>\n");
    let _ = writeln!(
        page,
        "<p class=\"winner\">{}</p>",
        escape(&winner_sentence(tables, winner.as_ref()))
    );
}

/// "gateways={cores=2, count=64}, backoff={policy=immediate}": a point's
/// swept values as its table row shows them (a table value by the fields
/// that differ between points); the experiment name when nothing is swept.
pub fn compact_label(study: &crate::study::Study, point: usize) -> String {
    let values = super::html::compact_values(study, point);
    if values.is_empty() {
        return point_label(study, point);
    }
    short_names(&study.sweep_paths)
        .iter()
        .zip(values)
        .map(|(n, v)| {
            if v.contains('=') && !v.starts_with('{') {
                format!("{n}={{{v}}}")
            } else {
                format!("{n}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the table says, in a sentence.
pub fn winner_sentence(tables: &Tables, winner: Option<&Winner>) -> String {
    let study = &tables.study;
    let metrics = headline_metrics(tables);
    let first = metrics.first().cloned().unwrap_or_default();
    let value = |p: usize| {
        tables
            .at(&first, p)
            .map_or("–".to_string(), |r| format_value(r.value()))
    };
    let slo_note = if study.slo.is_empty() {
        String::new()
    } else {
        let passing = (0..study.point_values.len())
            .filter(|&p| meets_slos(tables, p) == Some(true))
            .count();
        format!(
            "{passing} of {} points meet every SLO. ",
            study.point_values.len()
        )
    };
    let Some(w) = winner else {
        if study.point_values.len() < 2 {
            return format!("{slo_note}One point: the table is the answer.")
                .trim()
                .to_string();
        }
        return format!("{slo_note}No point meets every SLO, so there is no winner.");
    };
    let among = if study.slo.is_empty() {
        ""
    } else {
        " among those"
    };
    let mut text = format!(
        "{slo_note}Best{among} by {} ({} is better): point {} ({}), {}.",
        w.metric,
        study.better.as_str(),
        w.best,
        compact_label(study, w.best),
        value(w.best)
    );
    if let Some(r) = w.runner_up {
        let _ = write!(
            text,
            " Next: point {} ({}), {}{}.",
            r,
            compact_label(study, r),
            value(r),
            if w.overlaps {
                "; their 95% intervals overlap, so the order may be noise: add replications to tell them apart"
            } else {
                ""
            }
        );
    }
    text
}
